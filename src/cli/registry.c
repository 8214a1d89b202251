/*
 * `wasmext registry copy [--replace] FROM TO`: copies every plugin of one
 * registry into another, SQLite file or Redis URL either way (a move to
 * Redis for a fleet, docs/registry.md, and back).
 *
 * It works on the stores themselves (src/manager/registry.h), not through
 * managers: what is copied is exactly what is stored, the canonical
 * config and the module bytes, without loading or compiling a plugin;
 * the copy checks each plugin's SHA-256 as read back from TO. Versions
 * and times are TO's own: a plugin copied new is at version 1, a replaced
 * one goes up by one from its version in TO (a store bumps versions
 * itself, so that no writer can set them back).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

static const char registry_help[] =
    "Usage: wasmext registry copy [--replace] FROM TO\n"
    "\n"
    "Copies every plugin of registry FROM into registry TO: its config and\n"
    "module bytes exactly as stored. A registry is a SQLite file's path or\n"
    "a Redis URL, redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (the password\n"
    "may also come from WASMEXT_REDIS_PASSWORD; it is never printed).\n"
    "TO is created if it is a file that does not exist.\n"
    "\n"
    "A plugin that TO has already stops the copy before anything is\n"
    "written, unless --replace, which updates it instead. Copied plugins\n"
    "start at version 1 in TO (replaced ones go up by one there). One line\n"
    "per plugin, then a summary.\n"
    "\n"
    "Options:\n"
    "  --replace   update plugins TO has already\n"
    "\n"
    "Exit status: 0 when every plugin was copied, 1 when the copy failed\n"
    "part way (the lines say which plugins made it), 2 for a usage error,\n"
    "a registry that cannot be opened, or names TO has already.\n"
    "\n"
    "Examples:\n"
    "  wasmext registry copy ~/.local/share/wasmext/registry.db \\\n"
    "      redis://10.0.0.5:6379/0\n"
    "  wasmext registry copy redis://10.0.0.5/0 backup.db\n";

enum { OPT_REPLACE };
static const cli_opt registry_opts[] = {{"--replace", NULL}};
#define NOPTS (sizeof registry_opts / sizeof registry_opts[0])

/* Which of `names` TO has already: prints them, returns how many. */
static size_t count_taken(wxg_registry *to, char **names, size_t n)
{
    size_t taken = 0;
    for (size_t i = 0; i < n; i++) {
        wxg_record rec;
        if (wxg_registry_get(to, names[i], WXG_GET_NO_WASM, &rec, NULL) ==
            WX_OK) {
            taken++;
            fprintf(stderr, "wasmext: registry %s has plugin \"%s\" already\n",
                    wxg_registry_path(to), names[i]);
        }
        wxg_record_free(&rec);
    }
    return taken;
}

/* Copies one plugin; *replaced tells whether TO had it. */
static wx_status copy_one(wxg_registry *from, wxg_registry *to,
                          const char *name, bool replace, bool *replaced,
                          wx_error *err)
{
    wxg_record rec, back;
    wx_status s = wxg_registry_get(from, name, 0, &rec, err);
    if (s != WX_OK)
        return s;
    int64_t version = 1;
    *replaced = false;
    /* TO hashes the bytes itself (NULL), so that the read-back below
     * also checks FROM's stored digest against them. */
    s = wxg_registry_add(to, name, rec.config, rec.wasm, rec.wasm_len, NULL,
                         &version, err);
    if (s == WX_EEXIST && replace) {
        *replaced = true;
        s = wxg_registry_update(to, name, rec.config, rec.wasm, rec.wasm_len,
                                NULL, &version, err);
    }
    /* Read back what TO stored: the same bytes, or say so. */
    if (s == WX_OK && (s = wxg_registry_get(to, name, WXG_GET_NO_WASM, &back,
                                            err)) == WX_OK) {
        if (strcmp(back.sha256, rec.sha256) != 0 ||
            strcmp(back.config, rec.config) != 0)
            s = wx_error_set(err, WX_EIO,
                             "plugin \"%s\": registry %s holds other bytes "
                             "or another config than were written",
                             name, wxg_registry_path(to));
        wxg_record_free(&back);
    }
    if (s == WX_OK)
        printf("%s \"%s\" (%zu bytes, sha256 %.12s..., version %lld in "
               "TO)\n",
               *replaced ? "replaced" : "copied", name, rec.wasm_len,
               rec.sha256, (long long)version);
    wxg_record_free(&rec);
    return s;
}

static int copy(const char *from_path, const char *to_path, bool replace)
{
    wx_error err;
    wx_error_clear(&err);
    wxg_registry_opts ro = {.read_only = true};
    wxg_registry *from = wxg_registry_open(from_path, &ro, &err), *to = NULL;
    char **names = NULL;
    size_t n = 0, copied = 0, replaced_n = 0;
    int rc = CLI_EXIT_USAGE;
    if (!from || !(to = wxg_registry_open(to_path, NULL, &err)) ||
        wxg_registry_list(from, &names, &n, &err) != WX_OK) {
        cli_error_from(&err, "%s", err.message);
        goto done;
    }
    if (!replace && count_taken(to, names, n) > 0) {
        cli_error(WX_EEXIST, "nothing copied: give --replace to update the "
                             "plugins TO has already");
        goto done;
    }
    rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        bool replaced;
        if (copy_one(from, to, names[i], replace, &replaced, &err) != WX_OK) {
            cli_error_from(&err, "%s", err.message);
            rc = CLI_EXIT_FAILED;
            break;
        }
        copied++;
        replaced_n += replaced;
    }
    printf("%zu of %zu plugins copied from %s to %s (%zu replaced)\n", copied,
           n, wxg_registry_path(from), wxg_registry_path(to), replaced_n);
done:
    wxg_names_free(names, n);
    wxg_registry_close(from);
    wxg_registry_close(to);
    return rc;
}

static int registry_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "registry", registry_opts, NOPTS, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_registry);
    if (a.npos < 1)
        return cli_usage_error("registry", "missing a subcommand (copy)");
    if (strcmp(a.pos[0], "copy") != 0)
        return cli_usage_error("registry", "unknown subcommand \"%s\"",
                               a.pos[0]);
    if (a.npos != 3)
        return cli_usage_error("registry", "copy needs FROM and TO");
    if (strcmp(a.pos[1], a.pos[2]) == 0)
        return cli_usage_error("registry", "FROM and TO are the same");
    return copy(a.pos[1], a.pos[2], a.val[OPT_REPLACE] != NULL);
}

const cli_command cli_cmd_registry = {
    "registry",
    "copy plugins between registries (SQLite, Redis)",
    registry_help,
    registry_main,
};
