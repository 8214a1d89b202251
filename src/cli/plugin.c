/*
 * `wasmext plugin add|update|rm|ls|show|check`: the registry through the
 * framework API (include/wasmext.h). The API answers list, show and check
 * with JSON text; --json prints it as is, the default turns it into tables
 * for people.
 */
#include "cli.h"
#include "convert.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasmext.h"

/* ------------------------------------------------------------- help */

static const char plugin_help[] =
    "Usage: wasmext [--db PATH] plugin SUBCOMMAND ...\n"
    "\n"
    "Manages the plugin registry (a SQLite file: --db PATH, else\n"
    "$WASMEXT_DB, else $XDG_DATA_HOME/wasmext/registry.db, else\n"
    "~/.local/share/wasmext/registry.db).\n"
    "\n"
    "Subcommands:\n"
    "  init FILE.wasm       write a starting config for a module (its\n"
    "                       exported functions, their guessed ABIs)\n"
    "  add CONFIG.json|PACKAGE.zip\n"
    "                       register a plugin from its config, or from a\n"
    "                       package (a zip of the config and its .wasm)\n"
    "  update CONFIG.json|PACKAGE.zip\n"
    "                       replace a registered plugin (hot: calls in\n"
    "                       flight finish on the old version)\n"
    "  rm NAME              unregister a plugin\n"
    "  ls                   list the plugins\n"
    "  show NAME            a plugin's config, status, exports, functions\n"
    "  check [NAME]         check one plugin, or all of them\n"
    "\n"
    "Every subcommand takes --json (machine-readable output) and --help.\n"
    "\n"
    "Exit status: 0 ok; 2 bad config, invalid module, plugin not found,\n"
    "problems found by check; 1 other failures.\n"
    "\n"
    "Examples:\n"
    "  wasmext plugin init car.wasm\n"
    "  wasmext plugin add car.json\n"
    "  wasmext plugin ls\n"
    "  wasmext --json plugin show car\n";

static const char add_help[] =
    "Usage: wasmext [--db PATH] plugin add [--json] CONFIG.json|PACKAGE.zip\n"
    "\n"
    "Registers the plugin CONFIG.json describes:\n"
    "  {\"name\": \"car\", \"instance_num\": 4,\n"
    "   \"vm_config\": {\"engine\": \"interp\", \"path\": \"car.wasm\"},\n"
    "   \"functions\": [\"link\", \"rank\"]}\n"
    "A relative vm_config.path is read from CONFIG.json's directory. The\n"
    "module is validated and every listed function checked before anything\n"
    "is stored; errors name the field at fault.\n"
    "\n"
    "A package (a zip file, known by its first bytes PK\\3\\4) holds the\n"
    "config (its one .json entry with \"vm_config\") and the .wasm that\n"
    "vm_config.path names, relative to the config in the zip: e.g.\n"
    "'zip -j car.zip car.json car.wasm', or the zip 'wasmext ekuiper pack'\n"
    "writes. It is read in memory, never extracted.\n"
    "\n"
    "A function listed without \"abi\" (so numeric) that looks like a\n"
    "cstring function (the module exports malloc and free, the function\n"
    "takes one i32) gets a hint on stderr. `wasmext plugin init\n"
    "FILE.wasm` writes a starting config. The registry (and its\n"
    "directory) is created if needed; only add creates it.\n"
    "\n"
    "Options:\n"
    "  --json       print the new plugin as `plugin show --json` does\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 added; 2 bad config, package or module, name already\n"
    "taken.\n"
    "\n"
    "Examples:\n"
    "  wasmext plugin add examples/plugins/car/car.json\n"
    "  wasmext plugin add car.zip\n";

static const char update_help[] =
    "Usage: wasmext [--db PATH] plugin update [--json] "
    "CONFIG.json|PACKAGE.zip\n"
    "\n"
    "Replaces the registered plugin of CONFIG.json's name with this config\n"
    "and its module, checked as `plugin add` checks them; a package (see\n"
    "`plugin add --help`) gives both. Calls running in a daemon finish on\n"
    "the old version; later calls use the new one. A plugin in error may be\n"
    "updated to repair it.\n"
    "\n"
    "Options:\n"
    "  --json       print the updated plugin as `plugin show --json` does\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 updated; 2 bad config, package or module, plugin not\n"
    "found.\n"
    "\n"
    "Example:\n"
    "  wasmext plugin update car.json\n";

static const char rm_help[] =
    "Usage: wasmext [--db PATH] plugin rm [--json] NAME\n"
    "\n"
    "Unregisters plugin NAME: its config and module leave the registry.\n"
    "\n"
    "Options:\n"
    "  --json       print {\"name\": NAME, \"removed\": true}\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 removed; 2 no such plugin.\n"
    "\n"
    "Example:\n"
    "  wasmext plugin rm car\n";

static const char ls_help[] =
    "Usage: wasmext [--db PATH] plugin ls [--json]\n"
    "\n"
    "Lists the registered plugins: name, config version, revision (1 when\n"
    "added, +1 per update), engine, instances, status and functions. A\n"
    "plugin that cannot load shows status \"error\" and the reason.\n"
    "\n"
    "Options:\n"
    "  --json       the list as JSON: [{\"name\", \"version\", \"revision\",\n"
    "               \"engine\", \"instances\", \"functions\", \"status\",\n"
    "               \"calls\", \"errors\"}] (calls and errors: of this\n"
    "               process, so 0 here)\n"
    "  -h, --help   this help\n"
    "\n"
    "Example:\n"
    "  wasmext plugin ls\n";

static const char show_help[] =
    "Usage: wasmext [--db PATH] plugin show [--json] NAME\n"
    "\n"
    "Shows plugin NAME: status, engine, revision, module size and\n"
    "SHA-256, instances, each function with its ABI and signature, the\n"
    "module's exports, and the canonical config.\n"
    "\n"
    "Options:\n"
    "  --json       the same as JSON\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 ok; 2 no such plugin.\n"
    "\n"
    "Example:\n"
    "  wasmext plugin show car\n";

static const char check_help[] =
    "Usage: wasmext [--db PATH] plugin check [--json] [NAME]\n"
    "\n"
    "Checks plugin NAME, or every plugin: the module loads and is valid,\n"
    "every listed function is exported with a supported signature, no\n"
    "function name is claimed by two plugins. Warnings (the config's .wasm\n"
    "file is gone or differs from the stored module) do not fail a check.\n"
    "\n"
    "Options:\n"
    "  --json       the report as JSON: [{\"name\", \"ok\", \"problems\",\n"
    "               \"warnings\"}]\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 no problems; 2 a plugin has problems, or no such\n"
    "plugin.\n"
    "\n"
    "Examples:\n"
    "  wasmext plugin check\n"
    "  wasmext plugin check car\n";

/* ------------------------------------------------------------- helpers */


char *cli_registry_path(const cli_global *g)
{
    if (g->db) {
        char *p = strdup(g->db);
        if (!p)
            cli_error(WX_ENOMEM, "out of host memory");
        return p;
    }
    wx_error err;
    wx_error_clear(&err);
    char *api = wx_manager_default_db(&err);
    char *p = api ? strdup(api) : NULL;
    wx_free(api);
    if (!api)
        cli_error_from(&err, "registry: %s", err.message);
    else if (!p)
        cli_error(WX_ENOMEM, "out of host memory");
    return p;
}

/* Whether the registry file is there: a command that only reads must
 * not create it (nor its directory) just to find it empty. Anything
 * other than "no such file" is left to the open to report, as is a
 * registry on a server (redis://...), which is no file. */
static bool registry_missing(const char *path)
{
    struct stat st;
    return wx_registry_store_of(path) == WX_STORE_FILE &&
           stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

wx_manager *cli_open_registry(const cli_global *g, cli_reg_mode mode,
                              char **path, int *rc)
{
    *rc = CLI_EXIT_OK;
    *path = cli_registry_path(g);
    if (!*path) {
        *rc = CLI_EXIT_USAGE;
        return NULL;
    }
    if (mode != CLI_REG_CREATE && registry_missing(*path))
        return NULL;
    wx_manager_opts opts;
    memset(&opts, 0, sizeof opts);
    /* A reading command opens a registry it may not write read-only
     * (a read-write open would be refused); one it may write, read-write
     * all the same, because only the last read-write connection tidies
     * up SQLite's -wal and -shm files: read-only ones leave them behind
     * next to the registry after every `plugin ls`. It writes nothing
     * either way. */
    opts.read_only = mode == CLI_REG_READ &&
                     (wx_registry_store_of(*path) != WX_STORE_FILE ||
                      access(*path, W_OK) != 0);
    /* Lazy: a one-shot command loads only the plugins it touches. */
    opts.lazy = true;
    wx_error err;
    wx_error_clear(&err);
    wx_manager *m = wx_manager_open(*path, &opts, &err);
    if (!m) {
        /* The registry's own errors start "registry PATH: ". */
        bool named = strncmp(err.message, "registry ", 9) == 0;
        cli_error_from(&err, "%s%s", named ? "" : "registry: ", err.message);
        *rc = cli_exit_code(err.status);
    }
    return m;
}

void cli_error_in_registry(const wx_error *err, const char *path)
{
    /* The manager's own "not found" names the registry already. */
    if (err->status != WX_ENOPLUGIN || strstr(err->message, " registry ")) {
        cli_error_from(err, "%s", err->message);
        return;
    }
    /* "plugin "x" not found" reads on: "... in registry PATH"; longer
     * messages get the path in parentheses. */
    size_t n = strlen(err->message);
    static const char tail[] = " not found";
    if (n >= sizeof tail - 1 &&
        strcmp(err->message + n - (sizeof tail - 1), tail) == 0)
        cli_error_from(err, "%s in registry %s", err->message, path);
    else
        cli_error_from(err, "%s (registry %s)", err->message, path);
}

/* What a read-only command says when the registry does not exist: the
 * name was looked for there, and is not there. */
static int not_in_missing_registry(const char *what, const char *name,
                                   const char *path)
{
    cli_error(WX_ENOPLUGIN,
              "%s \"%s\" not found in registry %s (it does not exist)", what,
              name, path);
    return CLI_EXIT_USAGE;
}

/* Prints a snapshot as JSON (one plugin as an object, or the list). */
static int print_snapshot_json(const wx_plugin_list *list, bool one)
{
    wx_error err;
    wx_error_clear(&err);
    char *text = wx_plugin_list_to_json(list, one, &err);
    if (!text) {
        cli_error_from(&err, "%s", err.message);
        return cli_exit_code(err.status);
    }
    puts(text);
    wx_free(text);
    return CLI_EXIT_OK;
}

/* One plugin's snapshot (or all: name NULL); prints why not and sets *rc
 * on failure. */
static bool snapshot_one(wx_manager *m, const char *name, unsigned what,
                         wx_plugin_list *out, int *rc)
{
    wx_error err;
    wx_error_clear(&err);
    if (wx_manager_plugins(m, name, what, out, &err) == WX_OK)
        return true;
    cli_error_from(&err, "%s", err.message);
    *rc = cli_exit_code(err.status);
    return false;
}

/* "a, b, c" from n strings that at(arr, i) gives. */
static void join_text(size_t n, const char *(*at)(const void *, size_t),
                      const void *arr, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         at(arr, i));
        if (k < 0 || (size_t)k >= size - used)
            break;
        used += (size_t)k;
    }
}

static const char *function_name_at(const void *arr, size_t i)
{
    return ((const wx_function_info *)arr)[i].name;
}

static const char *type_name_at(const void *arr, size_t i)
{
    return wx_type_name(((const wx_type *)arr)[i]);
}

/* "2024-05-01 12:34:56 UTC" from milliseconds since the epoch. */
static void time_text(int64_t ms, char *buf, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&t, &tm) ||
        !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, size, "-");
}

/* The "name" of a config file, for messages after add and update. */
static char *config_name(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "name"));
    char *name = strdup(s ? s : "?");
    json_decref(j);
    return name;
}

/* One positional argument, exactly. */
static int one_arg(const cli_args *a, const char *cmd, const char *what)
{
    if (a->npos == 0)
        return cli_usage_error(cmd, "missing %s", what);
    if (a->npos > 1)
        return cli_usage_error(cmd, "expected one %s, got %d arguments", what,
                               a->npos);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------- add, update */

/* The registered revision of plugin `name`, or -1 if there is none. */
static int64_t revision_of(wx_manager *m, const char *name)
{
    wx_plugin_list l;
    int64_t r = wx_manager_plugins(m, name, 0, &l, NULL) == WX_OK
                    ? l.plugins[0].revision
                    : -1;
    wx_plugin_list_free(&l);
    return r > 0 ? r : -1;
}

/* After add or update: the plugin as show reports it. An update that
 * left the revision as it was (`before`) changed nothing, and says so. */
static int report_change(const cli_global *g, wx_manager *m, const char *name,
                         bool update, int64_t before)
{
    int rc = CLI_EXIT_OK;
    wx_plugin_list l;
    if (!snapshot_one(m, name, g->json ? WX_INFO_DETAIL : 0, &l, &rc))
        return rc;
    if (g->json) {
        rc = print_snapshot_json(&l, true);
    } else {
        const wx_plugin_info *p = &l.plugins[0];
        char fns[512];
        join_text(p->nfunctions, function_name_at, p->functions, fns,
                  sizeof fns);
        const char *done = !update                 ? "added"
                           : p->revision == before ? "unchanged"
                                                   : "updated";
        printf("plugin \"%s\" %s (revision %" PRId64 ", functions: %s)\n",
               name, done, p->revision, fns);
    }
    wx_plugin_list_free(&l);
    return rc;
}

/* A package file read whole is refused above this size: its module may
 * be 64 MiB decompressed, and it may carry a wasmext binary besides. */
#define PACKAGE_FILE_MAX ((size_t)1 << 30)

/* Whether `path` starts like a zip (a local header, or the end record of
 * an empty one); an unreadable file is left to the config path to
 * report. */
static bool is_package(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char magic[4];
    bool zip =
        f && fread(magic, 1, 4, f) == 4 &&
        (memcmp(magic, "PK\3\4", 4) == 0 || memcmp(magic, "PK\5\6", 4) == 0);
    if (f)
        fclose(f);
    return zip;
}

/* Reads a package file whole (malloc'd, by cli_read_file), or NULL with
 * the error printed. */
static void *read_package(const char *path, size_t *len)
{
    struct stat st;
    if (stat(path, &st) == 0 && (uintmax_t)st.st_size > PACKAGE_FILE_MAX) {
        cli_error(WX_ELIMIT, "%s: too big (%jd bytes, at most %zu)", path,
                  (intmax_t)st.st_size, PACKAGE_FILE_MAX);
        return NULL;
    }
    return cli_read_file(path, len);
}

/* add or update from a package file; the name comes from inside it. */
static int change_package(const cli_global *g, wx_manager *m, const char *path,
                          bool update)
{
    size_t len;
    void *zip = read_package(path, &len);
    if (!zip)
        return CLI_EXIT_FAILED;
    wx_error err;
    wx_error_clear(&err);
    char *name = NULL;
    wx_status s =
        update ? wx_manager_update_package(m, zip, len, NULL, &name, &err)
               : wx_manager_add_package(m, zip, len, &name, &err);
    free(zip);
    if (s != WX_OK) {
        cli_error_from(&err, "%s: %s", path, err.message);
        return cli_exit_code(s);
    }
    /* The name is known only now: an unchanged package reads "updated". */
    int rc = report_change(g, m, name, update, -1);
    wx_free(name);
    return rc;
}

/* add or update from a config file (`name`: the name it gives). */
static int change_file(const cli_global *g, wx_manager *m, const char *path,
                       const char *name, bool update, const char *db)
{
    int64_t before = update && name ? revision_of(m, name) : -1;
    wx_error err;
    wx_error_clear(&err);
    wx_status s = update ? wx_manager_update_file(m, path, &err)
                         : wx_manager_add_file(m, path, &err);
    if (s == WX_OK)
        return name ? report_change(g, m, name, update, before)
                    : CLI_EXIT_FAILED;
    /* Errors about the file itself name it already; field errors do not,
     * and need it said; a plugin to update that is not there is looked
     * for in a registry, which is said too. */
    size_t n = strlen(path);
    if (s == WX_ENOPLUGIN && !strstr(err.message, " registry "))
        cli_error_from(&err, "%s: %s (registry %s)", path, err.message, db);
    else if (strncmp(err.message, path, n) == 0 && err.message[n] == ':')
        cli_error_from(&err, "%s", err.message);
    else
        cli_error_from(&err, "%s: %s", path, err.message);
    return cli_exit_code(s);
}

/* An update of a package when there is no registry at all. */
static int missing_registry_error(const char *db)
{
    cli_error(WX_ENOPLUGIN,
              "registry %s does not exist: no plugin to update (add it first)",
              db);
    return CLI_EXIT_USAGE;
}

static int change_main(cli_global *g, int argc, char **argv, bool update)
{
    const char *cmd = update ? "plugin update" : "plugin add";
    cli_args a;
    int rc = cli_parse(g, cmd, NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(cli_plugin_subcommand(argv[0]));
    if ((rc = one_arg(&a, cmd, "CONFIG.json or PACKAGE.zip")) != CLI_EXIT_OK)
        return rc;
    bool package = is_package(a.pos[0]);
    char *name = package ? NULL : config_name(a.pos[0]);
    char *db = NULL;
    /* An update needs a registered plugin: a registry that does not exist
     * has none, and is not created to say so. */
    wx_manager *m = cli_open_registry(
        g, update ? CLI_REG_EXISTING : CLI_REG_CREATE, &db, &rc);
    if (!m) {
        if (rc == CLI_EXIT_OK)
            rc = name ? not_in_missing_registry("plugin", name, db)
                      : missing_registry_error(db);
    } else if (package) {
        rc = change_package(g, m, a.pos[0], update);
    } else {
        rc = change_file(g, m, a.pos[0], name, update, db);
    }
    /* Whether it went in or not, a function that looks like cstring but
     * is registered as numeric deserves a word. */
    if (m && !package)
        cli_hint_cstring(a.pos[0]);
    wx_manager_close(m);
    free(name);
    free(db);
    return rc;
}

static int add_main(cli_global *g, int argc, char **argv)
{
    return change_main(g, argc, argv, false);
}

static int update_main(cli_global *g, int argc, char **argv)
{
    return change_main(g, argc, argv, true);
}

/* ------------------------------------------------------------------ rm */

static int rm_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "plugin rm", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(cli_plugin_subcommand("rm"));
    if ((rc = one_arg(&a, "plugin rm", "NAME")) != CLI_EXIT_OK)
        return rc;
    char *db;
    wx_manager *m = cli_open_registry(g, CLI_REG_EXISTING, &db, &rc);
    if (!m) {
        if (rc == CLI_EXIT_OK)
            rc = not_in_missing_registry("plugin", a.pos[0], db);
        free(db);
        return rc;
    }
    wx_error err;
    wx_error_clear(&err);
    wx_status s = wx_manager_delete(m, a.pos[0], &err);
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        rc = cli_exit_code(s);
    } else if (g->json) {
        rc = cli_print_json(
            json_pack("{s:s,s:b}", "name", a.pos[0], "removed", 1));
    } else {
        printf("plugin \"%s\" removed\n", a.pos[0]);
    }
    wx_manager_close(m);
    free(db);
    return rc;
}

/* ------------------------------------------------------------------ ls */

static void print_list(const wx_plugin_list *l, const char *db)
{
    if (l->count == 0) {
        printf("no plugins registered (registry: %s)\n", db);
        return;
    }
    /* No call counts: they live in the process that serves the calls,
     * and this one has served none. */
    printf("%-16s %-8s %3s %-8s %4s %-6s  %s\n", "NAME", "VERSION", "REV",
           "ENGINE", "INST", "STATUS", "FUNCTIONS");
    const char *note = NULL;
    bool unloaded = false;
    for (size_t i = 0; i < l->count; i++) {
        const wx_plugin_info *p = &l->plugins[i];
        /* The engine label may explain itself ("wasmedge (synonym of
         * interp)"): the column shows its first word, the explanation
         * comes once below the table. */
        const char *engine = p->engine ? p->engine : "";
        int engine_len = (int)strcspn(engine, " ");
        if (engine[engine_len])
            note = engine;
        char fns[512];
        join_text(p->nfunctions, function_name_at, p->functions, fns,
                  sizeof fns);
        printf("%-16s %-8s %3" PRId64 " %-8.*s %4u %-6s  %s\n", p->name,
               p->version ? p->version : "-", p->revision, engine_len, engine,
               p->instance_num,
               p->error ? "error" : p->loaded ? "ok" : "-", fns);
        if (p->error)
            printf("    error: %s\n", p->error);
        unloaded = unloaded || !p->loaded;
    }
    if (note)
        printf("engine %s\n", note);
    /* Listing reads the registry only; loading every module to say "ok"
     * would make ls cost as much as check. */
    if (unloaded)
        printf("STATUS -: not loaded by ls; `wasmext plugin check` loads "
               "and checks them\n");
}

/* ls and check of a registry that does not exist: nothing registered,
 * and why. */
static void empty_registry(const cli_global *g, const char *db)
{
    if (g->json)
        puts("[]");
    else
        printf("no plugins registered (registry %s does not exist)\n", db);
}

static int ls_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "plugin ls", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(cli_plugin_subcommand("ls"));
    if (a.npos)
        return cli_usage_error("plugin ls", "takes no arguments (got %s)",
                               a.pos[0]);
    char *db;
    wx_manager *m = cli_open_registry(g, CLI_REG_READ, &db, &rc);
    if (!m) {
        if (rc == CLI_EXIT_OK)
            empty_registry(g, db);
        free(db);
        return rc;
    }
    free(db);
    wx_plugin_list l;
    if (snapshot_one(m, NULL, 0, &l, &rc)) {
        if (g->json)
            rc = print_snapshot_json(&l, false);
        else
            print_list(&l, wx_manager_db_path(m));
        wx_plugin_list_free(&l);
    }
    wx_manager_close(m);
    return rc;
}

/* ---------------------------------------------------------------- show */

static void print_show(const wx_plugin_info *p)
{
    char created[64], updated[64];
    time_text(p->created_ms, created, sizeof created);
    time_text(p->updated_ms, updated, sizeof updated);
    printf("name         %s\n", p->name);
    if (p->error)
        printf("status       error: %s\n", p->error);
    else
        printf("status       ok\n");
    printf("engine       %s\n", p->engine ? p->engine : "");
    if (p->version && *p->version)
        printf("version      %s\n", p->version);
    if (p->description && *p->description)
        printf("description  %s\n", p->description);
    printf("revision     %" PRId64 "\n", p->revision);
    printf("module       %" PRIu64 " bytes, sha256 %s\n", p->wasm_bytes,
           p->sha256);
    printf("created      %s\n", created);
    printf("updated      %s\n", updated);
    printf("instances    %u total, %u busy, %u idle\n", p->instances.total,
           p->instances.busy, p->instances.idle);

    printf("\nfunctions (%u):\n", p->nfunctions);
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        const wx_function_info *f = &p->functions[i];
        char params[256], results[256];
        join_text(f->nparams, type_name_at, f->params, params, sizeof params);
        join_text(f->nresults, type_name_at, f->results, results,
                  sizeof results);
        printf("  %-16s %-8s %s\n", f->name, wx_abi_name(f->abi),
               f->signature ? f->signature : "");
        if (f->abi != WX_ABI_NUMERIC && f->loaded)
            printf("  %-16s types: (%s) -> (%s)\n", "", params,
                   f->results_known ? results : "from guest");
    }
    printf("\nexports (%u):\n", p->nexports);
    int width = 0;
    for (uint32_t i = 0; i < p->nexports; i++) {
        int len = (int)strlen(p->exports[i].name);
        if (len > width)
            width = len < 40 ? len : 40;
    }
    for (uint32_t i = 0; i < p->nexports; i++) {
        const wx_export_info *e = &p->exports[i];
        const char *sig = e->signature ? e->signature : "";
        printf("  %-6s  %-*s%s%s\n", wxc_kind_name(e->kind),
               *sig ? width : 0, e->name, *sig ? "  " : "", sig);
    }
    /* The stored config is canonical JSON text; shown indented. */
    json_t *cfg = p->config ? json_loads(p->config, 0, NULL) : NULL;
    char *text = json_is_object(cfg)
                     ? json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                     : NULL;
    if (text)
        printf("\nconfig:\n%s\n", text);
    free(text);
    json_decref(cfg);
}

static int show_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "plugin show", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(cli_plugin_subcommand("show"));
    if ((rc = one_arg(&a, "plugin show", "NAME")) != CLI_EXIT_OK)
        return rc;
    char *db;
    wx_manager *m = cli_open_registry(g, CLI_REG_READ, &db, &rc);
    if (!m) {
        if (rc == CLI_EXIT_OK)
            rc = not_in_missing_registry("plugin", a.pos[0], db);
        free(db);
        return rc;
    }
    wx_plugin_list l;
    if (snapshot_one(m, a.pos[0], WX_INFO_DETAIL, &l, &rc)) {
        if (g->json)
            rc = print_snapshot_json(&l, true);
        else
            print_show(&l.plugins[0]);
        wx_plugin_list_free(&l);
    }
    wx_manager_close(m);
    free(db);
    return rc;
}

/* --------------------------------------------------------------- check */

/* Prints the report. */
static void print_check(const wx_plugin_list *l)
{
    if (l->count == 0)
        printf("no plugins registered\n");
    for (size_t i = 0; i < l->count; i++) {
        const wx_plugin_info *p = &l->plugins[i];
        printf("%s: %s\n", p->name, p->nproblems ? "PROBLEMS" : "ok");
        for (uint32_t k = 0; k < p->nproblems; k++)
            printf("  problem: %s\n", p->problems[k]);
        for (uint32_t k = 0; k < p->nwarnings; k++)
            printf("  warning: %s\n", p->warnings[k]);
    }
}

static int check_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "plugin check", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(cli_plugin_subcommand("check"));
    if (a.npos > 1)
        return cli_usage_error("plugin check",
                               "expected at most one NAME, got %d", a.npos);
    char *db;
    wx_manager *m = cli_open_registry(g, CLI_REG_READ, &db, &rc);
    if (!m) {
        if (rc == CLI_EXIT_OK && a.npos)
            rc = not_in_missing_registry("plugin", a.pos[0], db);
        else if (rc == CLI_EXIT_OK)
            empty_registry(g, db);
        free(db);
        return rc;
    }
    wx_plugin_list l;
    if (snapshot_one(m, a.npos ? a.pos[0] : NULL, WX_INFO_CHECK, &l, &rc)) {
        bool all_ok = true;
        for (size_t i = 0; i < l.count; i++)
            all_ok = all_ok && l.plugins[i].nproblems == 0;
        if (g->json)
            rc = print_snapshot_json(&l, false);
        else
            print_check(&l);
        if (rc == CLI_EXIT_OK && !all_ok)
            rc = CLI_EXIT_USAGE;
        wx_plugin_list_free(&l);
    }
    wx_manager_close(m);
    free(db);
    return rc;
}


/* ------------------------------------------------------------ dispatch */

static const cli_command subcommands[] = {
    {"init", "write a starting config for a .wasm", cli_plugin_init_help,
     cli_plugin_init_main},
    {"add", "register a plugin from its config", add_help, add_main},
    {"update", "replace a registered plugin", update_help, update_main},
    {"rm", "unregister a plugin", rm_help, rm_main},
    {"ls", "list the plugins", ls_help, ls_main},
    {"show", "show one plugin", show_help, show_main},
    {"check", "check one plugin or all", check_help, check_main},
};

const cli_command *cli_plugin_subcommand(const char *name)
{
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(subcommands[i].name, name) == 0)
            return &subcommands[i];
    return NULL;
}

static int plugin_main(cli_global *g, int argc, char **argv)
{
    /* --json anywhere makes even an unknown subcommand's error JSON. */
    for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
        if (strcmp(argv[k], "--json") == 0)
            cli_set_json_errors(true);
    /* Global options may come before the subcommand. */
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            g->json = true;
            cli_set_json_errors(true);
        } else {
            int took = cli_take_registry(argc, argv, &i, &g->db);
            if (took < 0)
                return CLI_EXIT_USAGE;
            if (took == 0)
                break;
        }
    }
    if (i == argc)
        return cli_usage_error("plugin", "missing SUBCOMMAND (init, add, "
                                         "update, rm, ls, show, check)");
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
        return cli_print_help(&cli_cmd_plugin);
    const cli_command *c = cli_plugin_subcommand(argv[i]);
    if (!c)
        return cli_usage_error("plugin",
                               "unknown subcommand \"%s\" (init, add, "
                               "update, rm, ls, show, check)",
                               argv[i]);
    return c->main(g, argc - i, argv + i);
}

const cli_command cli_cmd_plugin = {
    "plugin",
    "manage the plugin registry: init, add, update, rm, ls, show, check",
    plugin_help,
    plugin_main,
};
