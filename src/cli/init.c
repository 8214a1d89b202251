/*
 * `wasmext plugin init FILE.wasm [-o CONFIG.json] [--name N] [--force]`:
 * writes a starting plugin config from what the module says about itself
 * (its exports, their signatures, its imports), for `plugin add` to take
 * as it is and for the user to correct where a guess is wrong.
 *
 * The module cannot say what its numbers mean (guess.c), so every guess
 * is printed on stderr, one line per function, and the ones that need a
 * human (a cstring i32 read as a string, a bindgen function's params) say
 * what to check.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_plugin_init_help[] =
    "Usage: wasmext plugin init [OPTIONS] FILE.wasm\n"
    "\n"
    "Writes a starting plugin config for FILE.wasm: its name, the module's\n"
    "path (relative to the config's directory) and one functions[] entry\n"
    "per exported function, leaving out what serves an ABI rather than\n"
    "callers (malloc, free, allocate, deallocate, _start, _initialize,\n"
    "cabi_*, __*). The calling convention of each is guessed from the\n"
    "module, which gives signatures but not what the numbers mean:\n"
    "  bindgen  the module exports allocate and deallocate and the\n"
    "           function is (i32, i32) -> i32; its params and results are\n"
    "           not in the module: the config lists none, declare them\n"
    "  cstring  the module exports malloc and free and the function takes\n"
    "           one i32 and returns at most one: read as a string (check)\n"
    "  numeric  any other function of i32, i64, f32 and f64\n"
    "Each guess is printed on stderr. A module that imports\n"
    "wasi_snapshot_preview1 gets a \"wasi\" object to fill in (args, env,\n"
    "preopens). Then: wasmext plugin add CONFIG.json.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  the config to write (default: NAME.json in the\n"
    "                     current directory, NAME from the file's name)\n"
    "  --name N           the plugin's name (default: FILE's name without\n"
    "                     .wasm, other characters than letters, digits and\n"
    "                     _ made _)\n"
    "  --force            overwrite FILE if it exists\n"
    "  --json             print {\"config\": PATH, \"plugin\": {...},\n"
    "                     \"functions\": [{\"name\", \"abi\", "
    "\"signature\"}]}\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 written; 1 it could not be written; 2 bad arguments,\n"
    "unreadable or invalid module, no function to list, the config exists.\n"
    "\n"
    "Examples:\n"
    "  wasmext plugin init car.wasm\n"
    "  wasmext plugin init -o plugins/text.json --name text slugify.wasm\n";

enum { OPT_OUTPUT, OPT_NAME, OPT_FORCE, NOPTS };

static const cli_opt init_opts[NOPTS] = {
    [OPT_OUTPUT] = {"--output", "FILE"},
    [OPT_NAME] = {"--name", "N"},
    [OPT_FORCE] = {"--force", NULL},
};

/* Plugin names: what src/manager/config.c accepts. */
#define NAME_MAX_LEN 64

static bool name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!alpha && !(c >= '0' && c <= '9' && i > 0))
            return false;
    }
    return true;
}

/* The file's name without directory and .wasm, made a valid plugin name:
 * other characters become _, a leading digit gets a _ before it. */
static void stem_name(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".wasm") == 0)
        n -= 5;
    size_t k = 0;
    if (n && base[0] >= '0' && base[0] <= '9')
        out[k++] = '_';
    for (size_t i = 0; i < n && k + 1 < size && k < NAME_MAX_LEN; i++) {
        char c = base[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '_';
        out[k++] = ok ? c : '_';
    }
    out[k] = '\0';
    if (!k)
        snprintf(out, size, "plugin");
}

/* ------------------------------------------------------------- paths */

/* `path` relative to directory `from`, both absolute and canonical. */
static void relative_path(const char *from, const char *path, char *out,
                          size_t size)
{
    /* The longest common prefix that ends at a directory boundary. */
    size_t common = 0;
    for (size_t i = 0; from[i] && from[i] == path[i]; i++)
        if (from[i + 1] == '\0' ? path[i + 1] == '/' : from[i] == '/')
            common = i + 1;
    if (strcmp(from, "/") == 0)
        common = 1;
    size_t at = 0;
    out[0] = '\0';
    /* One ".." per directory of `from` below the common part. */
    for (const char *p = from + common; *p; p++) {
        bool start = p == from + common || p[-1] == '/';
        if (start && *p != '/' && at + 4 < size) {
            memcpy(out + at, "../", 4);
            at += 3;
        }
    }
    const char *rest = path + common;
    if (*rest == '/')
        rest++;
    snprintf(out + at, size - at, "%s", rest);
}

/* The directory of `file` (which may not exist yet), canonical. */
static bool dir_of(const char *file, char *out)
{
    const char *slash = strrchr(file, '/');
    char dir[PATH_MAX];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == file)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
    if (realpath(dir, out))
        return true;
    cli_error(WX_EIO, "cannot write %s: directory %s: %s", file, dir,
              strerror(errno));
    return false;
}

/* The module's path as the config will say it: relative to the
 * config's directory, so that the two move together. */
static bool module_path(const char *wasm, const char *config, char *out,
                        size_t size)
{
    char wasm_abs[PATH_MAX], cfg_dir[PATH_MAX];
    if (!realpath(wasm, wasm_abs)) {
        cli_error(WX_EIO, "cannot read %s: %s", wasm, strerror(errno));
        return false;
    }
    if (!dir_of(config, cfg_dir))
        return false;
    relative_path(cfg_dir, wasm_abs, out, size);
    return true;
}

/* ----------------------------------------------------------- guessing */

static const char *const guess_names[] = {
    [CLI_GUESS_NUMERIC] = "numeric",
    [CLI_GUESS_CSTRING] = "cstring",
    [CLI_GUESS_BINDGEN] = "bindgen",
    [CLI_GUESS_UNSUPPORTED] = "none",
};

/* ["string", ...] n times. */
static json_t *strings(uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string("string"));
    return a;
}

/* The functions[] entry for one export, and its line on stderr. */
static json_t *function_entry(const char *name, const wx_functype *t,
                              cli_abi_guess g)
{
    char sig[256];
    cli_signature(t, sig, sizeof sig);
    switch (g) {
    case CLI_GUESS_NUMERIC:
        fprintf(stderr, "%s: numeric %s\n", name, sig);
        return json_string(name);
    case CLI_GUESS_CSTRING:
        fprintf(stderr,
                "%s: cstring %s, read as (string) -> (%s): check the types "
                "(an i32 may be a number)\n",
                name, sig, t->nresults ? "string" : "");
        return json_pack("{s:s,s:s,s:o,s:o}", "name", name, "abi", "cstring",
                         "params", strings(t->nparams), "results",
                         strings(t->nresults));
    case CLI_GUESS_BINDGEN:
        /* Empty lists that add accepts: a call then gets the guest's own
         * word on what it expects ("Invalid params count, expect 3"). */
        fprintf(stderr,
                "%s: bindgen %s: declare its params and results (the module "
                "does not say them; e.g. [\"string\", \"i32\"])\n",
                name, sig);
        return json_pack("{s:s,s:s,s:[],s:[]}", "name", name, "abi", "bindgen",
                         "params", "results");
    default:
        fprintf(stderr, "%s: left out: %s has types no ABI passes\n", name,
                sig);
        return NULL;
    }
}

/* The functions[] array (and the --json report of the guesses), or NULL
 * with the error printed when the module has nothing to call. */
static json_t *functions_of(const char *path, const wx_module *m,
                            const cli_module_traits *tr, json_t *report)
{
    json_t *fns = json_array();
    char helpers[256] = "";
    size_t at = 0;
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; fns && i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || d.kind != WX_EXTERN_FUNC ||
            strlen(d.name) != d.name_len)
            continue;
        if (cli_is_abi_helper(d.name)) {
            int k = snprintf(helpers + at, sizeof helpers - at, "%s%s",
                             at ? ", " : "", d.name);
            at =
                k > 0 && (size_t)k < sizeof helpers - at ? at + (size_t)k : at;
            continue;
        }
        cli_abi_guess g = cli_guess_abi(tr, &d.func);
        json_t *e = function_entry(d.name, &d.func, g);
        if (!e)
            continue;
        json_array_append_new(fns, e);
        char sig[256];
        cli_signature(&d.func, sig, sizeof sig);
        json_array_append_new(report,
                              json_pack("{s:s,s:s,s:s}", "name", d.name, "abi",
                                        guess_names[g], "signature", sig));
    }
    if (fns && json_array_size(fns) == 0) {
        cli_error(WX_ENOEXPORT, "%s exports no function to call (%s%s)", path,
                  at ? "only ABI helpers: " : "no function exports", helpers);
        json_decref(fns);
        return NULL;
    }
    if (!fns)
        cli_error(WX_ENOMEM, "out of host memory");
    return fns;
}

/* ------------------------------------------------------------ writing */

static int exists_error(const char *path)
{
    cli_error(WX_EEXIST, "%s exists already (--force overwrites it)", path);
    return CLI_EXIT_USAGE;
}

/* Writes `text` to `path`; an existing file only with `force` (checked
 * again here: the file may have appeared since init_run looked). */
static int write_config(const char *path, const char *text, bool force)
{
    int flags = O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL);
    int fd = open(path, flags, 0644);
    if (fd < 0 && errno == EEXIST)
        return exists_error(path);
    size_t len = strlen(text), done = 0;
    while (fd >= 0 && done < len) {
        ssize_t k = write(fd, text + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    if (fd < 0 || done < len || close(fd) != 0) {
        cli_error(WX_EIO, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0 && done < len)
            close(fd);
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

/* The config object, in the order people read it. */
static json_t *make_config(const char *name, const char *wasm_rel, json_t *fns,
                           bool wasi)
{
    json_t *cfg = json_object();
    json_object_set_new(cfg, "name", json_string(name));
    json_object_set_new(
        cfg, "vm_config",
        json_pack("{s:s,s:s}", "engine", "interp", "path", wasm_rel));
    json_object_set_new(cfg, "functions", fns);
    /* Empty, as having none: a place to grant arguments, variables and
     * directories, which a WASI module gets only when given. */
    if (wasi)
        json_object_set_new(
            cfg, "wasi",
            json_pack("{s:[],s:{},s:{}}", "args", "env", "preopens"));
    return cfg;
}

/* ---------------------------------------------------------------- main */

typedef struct init_job {
    const char *wasm, *output, *name;
    bool force;
    char default_output[NAME_MAX_LEN + 8];
    char stem[NAME_MAX_LEN + 2];
} init_job;

static int init_args(cli_global *g, int argc, char **argv, init_job *job,
                     cli_args *a)
{
    /* -o is the one short option: the common parser knows only --. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = (char *)"--output";
    int rc = cli_parse(g, "plugin init", init_opts, NOPTS, argc, argv, a);
    if (rc != CLI_EXIT_OK || a->help)
        return rc;
    if (a->npos == 0)
        return cli_usage_error("plugin init", "missing FILE.wasm");
    if (a->npos > 1)
        return cli_usage_error("plugin init",
                               "expected one FILE.wasm, got %d arguments",
                               a->npos);
    job->wasm = a->pos[0];
    job->force = a->val[OPT_FORCE] != NULL;
    stem_name(job->wasm, job->stem, sizeof job->stem);
    job->name = a->val[OPT_NAME] ? a->val[OPT_NAME] : job->stem;
    if (!name_valid(job->name))
        return cli_usage_error("plugin init",
                               "--name: \"%s\" is not a valid plugin name "
                               "(letters, digits and _, not starting with "
                               "a digit, 1 to 64 characters)",
                               job->name);
    snprintf(job->default_output, sizeof job->default_output, "%s.json",
             job->name);
    job->output =
        a->val[OPT_OUTPUT] ? a->val[OPT_OUTPUT] : job->default_output;
    return CLI_EXIT_OK;
}

/* Loads the module; NULL with the error printed. */
static wx_module *load_module(const char *path)
{
    size_t len;
    uint8_t *bytes = cli_read_module(path, &len);
    if (!bytes)
        return NULL;
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    free(bytes);
    if (!m)
        cli_error_from(&err, "%s: %s", path, err.message);
    return m;
}

static int init_run(const cli_global *g, const init_job *job, wx_module *m)
{
    /* Before any guessing is printed: nothing will be written. */
    if (!job->force && access(job->output, F_OK) == 0)
        return exists_error(job->output);
    cli_module_traits tr;
    cli_module_traits_of(m, &tr);
    char rel[PATH_MAX];
    if (!module_path(job->wasm, job->output, rel, sizeof rel))
        return CLI_EXIT_USAGE;
    json_t *report = json_array();
    json_t *fns = report ? functions_of(job->wasm, m, &tr, report) : NULL;
    if (!fns) {
        json_decref(report);
        return report ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
    }
    json_t *cfg = make_config(job->name, rel, fns, tr.wasi);
    char *text = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t n = text ? strlen(text) : 0;
    char *line = text ? realloc(text, n + 2) : NULL;
    int rc = CLI_EXIT_FAILED;
    if (!line) {
        free(text);
        cli_error(WX_ENOMEM, "out of host memory");
    } else {
        memcpy(line + n, "\n", 2);
        rc = write_config(job->output, line, job->force);
        free(line);
    }
    if (rc == CLI_EXIT_OK && g->json)
        rc = cli_print_json(json_pack("{s:s,s:O,s:O}", "config", job->output,
                                      "plugin", cfg, "functions", report));
    else if (rc == CLI_EXIT_OK)
        printf("wrote %s (plugin \"%s\", %zu function%s); then: wasmext "
               "plugin add %s\n",
               job->output, job->name, json_array_size(fns),
               json_array_size(fns) == 1 ? "" : "s", job->output);
    json_decref(cfg);
    json_decref(report);
    return rc;
}

int cli_plugin_init_main(cli_global *g, int argc, char **argv)
{
    init_job job;
    memset(&job, 0, sizeof job);
    cli_args a;
    int rc = init_args(g, argc, argv, &job, &a);
    if (rc != CLI_EXIT_OK || a.help) {
        if (rc == CLI_EXIT_OK)
            fputs(cli_plugin_init_help, stdout);
        return rc;
    }
    wx_module *m = load_module(job.wasm);
    if (!m)
        return CLI_EXIT_USAGE;
    rc = init_run(g, &job, m);
    wx_module_free(m);
    return rc;
}
