/*
 * Which host files a config arriving over REST may name. The host's
 * files and directories are the operator's: a REST client (even an admin
 * one) may name only what the operator allowed with --allow-dir:
 *
 * - vm_config.path: a regular file under an allowed root (modules from
 *   elsewhere come inside a zip package, which needs no host file);
 * - wasi.preopens host paths: directories under an allowed root.
 *
 * Without --allow-dir, neither: a REST config can preopen nothing and
 * load no module file. The CLI (`wasmext plugin add`, run by the
 * operator) is not affected: it does not come through here.
 *
 * Paths are resolved with realpath(3) (symbolic links, "." and "..")
 * and compared with the resolved roots component by component, so
 * "/allowed/../etc" and a link from an allowed directory to /etc are
 * both outside. The resolved path is what the manager gets, so that it
 * opens what was checked (a link swapped afterwards is not followed at
 * the top; see docs/security.md for what remains).
 *
 * A refusal does not tell a missing path from a forbidden one: both get
 * the same 403 message, so that REST clients cannot probe the host's
 * file system. Only a relative path (a mistake that reveals nothing) is
 * a 400 of its own.
 */
#include "wxd.h"

#include "config.h"

#include <errno.h>
#include "dl_jansson.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool wxd_roots_init(wxd_server *s, char *why, size_t wsize)
{
    for (size_t i = 0; i < s->opts.nallow_dirs; i++) {
        const char *dir = s->opts.allow_dirs[i];
        char *r = realpath(dir, NULL);
        struct stat st;
        if (!r || stat(r, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(why, wsize, "--allow-dir %s: %s", dir,
                     r ? "not a directory" : strerror(errno));
            free(r);
            return false;
        }
        s->allow_roots[s->nallow_roots++] = r;
    }
    return true;
}

void wxd_roots_free(wxd_server *s)
{
    for (size_t i = 0; i < s->nallow_roots; i++)
        free(s->allow_roots[i]);
    s->nallow_roots = 0;
}

/* Whether a resolved path is an allowed root or lies under one. */
static bool under_root(const wxd_server *s, const char *resolved)
{
    for (size_t i = 0; i < s->nallow_roots; i++) {
        const char *root = s->allow_roots[i];
        size_t n = strlen(root);
        if (strcmp(root, "/") == 0)
            return true;
        if (strncmp(resolved, root, n) == 0 &&
            (resolved[n] == '\0' || resolved[n] == '/'))
            return true;
    }
    return false;
}

/* `path` resolved, if it is of the kind wanted (S_IFREG or S_IFDIR) and
 * under an allowed root; NULL otherwise, whatever the reason. */
static char *admit(const wxd_server *s, const char *path, mode_t kind)
{
    if (s->nallow_roots == 0)
        return NULL;
    char *r = realpath(path, NULL);
    struct stat st;
    if (!r || !under_root(s, r) || stat(r, &st) != 0 ||
        (st.st_mode & S_IFMT) != kind) {
        free(r);
        return NULL;
    }
    return r;
}

static void refuse_relative(wxd_response *rs, const char *field,
                            const char *path)
{
    wxd_reply_error(rs, 400, "arg",
                    "%s: \"%s\" is relative; the daemon needs an absolute "
                    "path on its own host",
                    field, path);
}

/* The one message for a path that is missing, of the wrong kind, or not
 * allowed. */
static void refuse_path(const wxd_server *s, wxd_response *rs,
                        const char *field, const char *path, bool module,
                        bool exact)
{
    const char *what = module ? "a module file" : "a directory to preopen";
    const char *hint = module ? "; send the module in a zip package "
                                "(Content-Type: application/zip)"
                              : "";
    if (s->nallow_roots == 0)
        wxd_reply_error(rs, 403, "forbidden",
                        "%s: \"%s\": this daemon lets no REST config name "
                        "%s on its host%s, or the operator can allow "
                        "directories with --allow-dir (docs/security.md)",
                        field, path, what, hint);
    else
        wxd_reply_error(rs, 403, "forbidden",
                        "%s: \"%s\" is not %s under a directory this daemon "
                        "allows (--allow-dir)%s, or does not exist%s",
                        field, path, what,
                        exact ? " named by its real path (a package's "
                                "preopens cannot be resolved for it)"
                              : "",
                        hint);
}

bool wxd_hostpaths_admit_json(wxd_server *s, void *cfg_v, wxd_response *rs)
{
    json_t *cfg = cfg_v;
    json_t *vm = json_object_get(cfg, "vm_config");
    const char *path = json_string_value(json_object_get(vm, "path"));
    /* Missing or mistyped fields are the manager's to report. */
    if (path && *path) {
        if (path[0] != '/') {
            refuse_relative(rs, "vm_config.path", path);
            return false;
        }
        char *r = admit(s, path, S_IFREG);
        if (!r) {
            refuse_path(s, rs, "vm_config.path", path, true, false);
            return false;
        }
        json_object_set_new(vm, "path", json_string(r));
        free(r);
    }
    json_t *pre = json_object_get(json_object_get(cfg, "wasi"), "preopens");
    const char *guest;
    json_t *host;
    json_object_foreach(pre, guest, host)
    {
        char field[160];
        snprintf(field, sizeof field, "wasi.preopens.%.120s", guest);
        const char *h = json_string_value(host);
        if (!h) /* not a string: the manager's to report */
            continue;
        if (h[0] != '/') {
            refuse_relative(rs, field, h);
            return false;
        }
        char *r = admit(s, h, S_IFDIR);
        if (!r) {
            refuse_path(s, rs, field, h, false, false);
            return false;
        }
        /* Setting an existing key keeps the iteration valid. */
        json_object_set_new(pre, guest, json_string(r));
        free(r);
    }
    return true;
}

bool wxd_hostpaths_admit_package(wxd_server *s, const void *cfg_v,
                                 wxd_response *rs)
{
    const wxg_config *cfg = cfg_v;
    for (size_t i = 0; i < cfg->wasi.npreopens; i++) {
        const wx_kv *p = &cfg->wasi.preopens[i];
        char field[160];
        snprintf(field, sizeof field, "wasi.preopens.%.120s", p->key);
        char *r = admit(s, p->value, S_IFDIR);
        /* The manager reads the zip again and stores the path as
         * written: only a path that is its own resolution is safe. */
        bool ok = r && strcmp(r, p->value) == 0;
        free(r);
        if (!ok) {
            refuse_path(s, rs, field, p->value, false, true);
            return false;
        }
    }
    return true;
}
