/*
 * `wasmext run FILE.wasm FUNC [ARG...]`: a manager with one plugin. The
 * command line becomes one plugin, described in C (wx_plugin_spec: the
 * config of docs/config.md without JSON text), registered in a manager
 * that lives in memory (no registry file; SQLite is never
 * loaded), and FUNC is called through it like any plugin's function:
 * the limits, WASI, timeouts, traps and their messages are the
 * framework's, not a second wiring of the engine.
 *
 * The arguments are read by FUNC's wasm signature, and the results
 * printed one per line in a form that reads back to the same value.
 *
 * `wasmext run FILE.wasm [ARG...]` of a WASI command is a plugin whose one
 * function is `_start`, with wasi.init "none" so that the manager does
 * not run it when it makes the instance: the call is the run, with the
 * arguments and this process's stdin, and the exit status is the guest's
 * exit code.
 */
#include "cli.h"
#include "wasmext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_help[] =
    "Usage: wasmext run [OPTIONS] FILE.wasm FUNC [ARG...]\n"
    "       wasmext run [OPTIONS] FILE.wasm [-- ARG...]\n"
    "\n"
    "Loads FILE.wasm, calls its exported function FUNC once with the\n"
    "arguments, and prints the results, one per line. Without FUNC, a\n"
    "WASI command (a module exporting _start) is run: it gets the\n"
    "arguments FILE.wasm ARG..., this process's stdin, stdout and stderr,\n"
    "and the exit status is its exit code (0 when _start returns).\n"
    "FILE.wasm runs as the one plugin of a manager held in memory, with\n"
    "the limits and messages of any plugin (docs/config.md); nothing is\n"
    "registered.\n"
    "FILE may be a text module (.wat, or text starting with \"(\").\n"
    "\n"
    "Arguments are read by FUNC's wasm signature: i32 and i64 in decimal\n"
    "or 0x hex, signed or unsigned (-1 and 0xffffffff are the same i32),\n"
    "refused unless they fit exactly; f32 and f64 as decimals, inf, -inf\n"
    "or nan. Negative numbers need no quoting. Results: integers in signed\n"
    "decimal, floats in the shortest form that reads back the same. FUNC\n"
    "takes and returns wasm numbers only (i32, i64, f32, f64).\n"
    "\n"
    "A module that imports wasi_snapshot_preview1 gets WASI preview 1:\n"
    "this process's stdin, stdout and stderr, clocks, random, the\n"
    "environment of --env and the directories of --dir, nothing else of\n"
    "the file system (its _initialize, if exported, runs before FUNC);\n"
    "other imports cannot be provided. ARGs of a command that start with\n"
    "\"--\" go after a \"--\".\n"
    "\n"
    "Options:\n"
    "  --dir GUEST=HOST grant host directory HOST to the guest as GUEST\n"
    "                   (repeatable; --dir DIR grants DIR as DIR)\n"
    "  --env K=V        set environment variable K for the guest\n"
    "                   (repeatable)\n"
    "  --max-pages N    cap linear memory at N pages of 64 KiB (1 to\n"
    "                   65536; default: the module's own maximum)\n"
    "  --timeout-ms N   stop the call after N milliseconds (exit 1; at\n"
    "                   most 3600000; default: none, but a start function\n"
    "                   or _initialize gets 4500 ms)\n"
    "  --stack N        maximum call depth (16 to 100000, default 10000)\n"
    "  --json           print {\"results\": [...]} instead (a command:\n"
    "                   {\"exit_code\": N}); the guest's stdout then goes to\n"
    "                   stderr, so that stdout is only the JSON, and\n"
    "                   errors are {\"error\": {\"code\", \"message\"}}\n"
    "  -h, --help       this help\n"
    "  --               end of options (what follows is positional)\n"
    "\n"
    "Exit status: 0 ok; 1 the call failed (trap, timeout, WASI exit with a\n"
    "non-zero code); 2 bad arguments, unreadable or invalid module, missing\n"
    "function or imports. A command: its exit code, or 1 or 2 as above\n"
    "when it could not run to its end.\n"
    "\n"
    "Examples:\n"
    "  wasmext run add.wasm add 2 3\n"
    "  wasmext run --timeout-ms 500 loop.wasm spin\n"
    "  wasmext run --json math.wasm div 7.5 -2\n"
    "  wasmext run --dir /data=./data --env LANG=C tool.wasm -- -v in.txt\n";

enum { OPT_MAX_PAGES, OPT_TIMEOUT, OPT_STACK, NOPTS };

static const cli_opt run_opts[NOPTS] = {
    [OPT_MAX_PAGES] = {"--max-pages", "N"},
    [OPT_TIMEOUT] = {"--timeout-ms", "N"},
    [OPT_STACK] = {"--stack", "N"},
};

/* The ranges of the config's limits (docs/config.md), checked here so
 * that the messages name the options. */
#define RUN_MAX_PAGES 65536u
#define RUN_MAX_TIMEOUT_MS 3600000u
#define RUN_MIN_STACK 16u
#define RUN_MAX_STACK 100000u

/* What one run needs, freed in one place. */
typedef struct run_state {
    const char *path; /* FILE.wasm as given: the guest's argv[0] */
    char name[65];    /* the plugin's name, made from the file's */
    /* The config's wasi.env (--env) and wasi.preopens (--dir): each key
     * once, the last value given (kv_set). */
    wx_kv *env, *dirs;
    size_t nenv, ndirs;
    uint64_t pages, timeout_ms, stack; /* the spec's limits */
    /* The module's bytes, read once: the exports are peeked at in them
     * and the manager loads them (the file is not read again). */
    uint8_t *wasm;
    size_t wasm_len;
    bool json;
    wx_manager *m;
    wx_fn *fn;
    /* --json: the real stdout while a guest runs (stdout_aside), or -1. */
    int saved_stdout;
} run_state;

/* ------------------------------------------------------- the config */

/* The file's stem with every character a plugin name may not hold made
 * '_' ("my-tool.wasm": "my_tool"). Only messages show it: the manager
 * holds this one plugin. */
static void plugin_name(const char *path, char *name, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base), at = 0;
    if (n > 5 && strcmp(base + n - 5, ".wasm") == 0)
        n -= 5;
    if (n == 0 || (base[0] >= '0' && base[0] <= '9'))
        name[at++] = '_';
    for (size_t i = 0; i < n && at + 1 < size; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_';
        name[at++] = ok ? c : '_';
    }
    name[at] = '\0';
}

/*
 * The plugin: `func` as a numeric function, or (func NULL) the WASI
 * command, whose _start is called as the run rather than at instance
 * creation, with `args` after argv[0]. The guest's streams are this
 * process's.
 */
static void plugin_spec(const run_state *st, const char *func, int nargs,
                        char *const *args, wx_function_spec *fn,
                        wx_plugin_spec *spec)
{
    memset(fn, 0, sizeof *fn);
    memset(spec, 0, sizeof *spec);
    fn->name = func ? func : "_start";
    spec->name = st->name;
    spec->path = st->path;
    spec->wasm = st->wasm;
    spec->wasm_len = st->wasm_len;
    /* Handed over: the manager's registry in memory keeps these bytes
     * rather than a copy of them. */
    spec->wasm_free = free;
    spec->instance_num = 1;
    spec->functions = fn;
    spec->nfunctions = 1;
    spec->limits.memory_pages = st->pages;
    spec->limits.timeout_ms = st->timeout_ms;
    spec->limits.stack = st->stack;
    spec->wasi.argv0 = st->path;
    spec->wasi.args = (const char *const *)args;
    spec->wasi.nargs = (size_t)nargs;
    spec->wasi.env = st->env;
    spec->wasi.nenv = st->nenv;
    spec->wasi.preopens = st->dirs;
    spec->wasi.npreopens = st->ndirs;
    spec->wasi.in = WX_STDIN_INHERIT;
    spec->wasi.out = WX_OUTPUT_INHERIT;
    spec->wasi.err = WX_OUTPUT_INHERIT;
    spec->wasi.init = func ? WX_INIT_AUTO : WX_INIT_NONE;
}

/* A spec's key in an error, as the command line's user knows it. */
static const char *option_of(const char *message)
{
    static const char *const keys[][2] = {
        {"wasi.args", "an argument"},  {"wasi.env", "--env"},
        {"wasi.preopens", "--dir"},    {"wasi.argv0", "FILE.wasm"},
        {"vm_config.path", "FILE.wasm"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strncmp(message, keys[i][0], strlen(keys[i][0])) == 0)
            return keys[i][1];
    return NULL;
}

/* With --json, stdout holds one JSON document: while a guest runs (an
 * add runs start functions and _initialize, a call the rest), fd 1
 * points at stderr, so that what the guest writes to its stdout (WASI
 * "inherit" writes to fd 1) lands there, as it comes. Nothing of ours is
 * printed in between. */
static wx_status stdout_aside(run_state *st, wx_error *err)
{
    if (!st->json)
        return WX_OK;
    fflush(stdout);
    st->saved_stdout = dup(STDOUT_FILENO);
    if (st->saved_stdout >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) >= 0)
        return WX_OK;
    return wx_error_set(err, WX_EIO,
                        "cannot turn the guest's stdout to stderr: %s",
                        strerror(errno));
}

static void stdout_back(run_state *st)
{
    if (st->saved_stdout < 0)
        return;
    dup2(st->saved_stdout, STDOUT_FILENO);
    close(st->saved_stdout);
    st->saved_stdout = -1;
}

/* Registers the plugin of `func` (NULL: the command) and resolves the
 * function. The module's start function and _initialize run here. */
static wx_status add_plugin(run_state *st, const char *func, int nargs,
                            char *const *args, wx_error *err)
{
    wx_function_spec fn;
    wx_plugin_spec spec;
    plugin_spec(st, func, nargs, args, &fn, &spec);
    wx_status s = stdout_aside(st, err);
    if (s == WX_OK)
        s = wx_manager_add_spec(st->m, &spec, err);
    else
        free(st->wasm);
    st->wasm = NULL; /* the manager's now (spec.wasm_free), or freed */
    stdout_back(st);
    const char *opt = s == WX_EARG ? option_of(err->message) : NULL;
    if (opt) {
        char was[sizeof err->message];
        snprintf(was, sizeof was, "%s", err->message);
        wx_error_set(err, WX_EARG, "%s (%s): %s", st->path, opt, was);
    }
    if (s == WX_OK &&
        !(st->fn = wx_fn_get(st->m, st->name, func ? func : "_start", err)))
        s = err->status;
    return s;
}

/* An unsigned LEB128 number at *p, before `end`; false when it runs past
 * the end or past 5 bytes. */
static bool leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* What the module's export section says: is `word` (may be NULL) an
 * exported function, and is `_start`? */
typedef struct run_exports {
    bool word, start;
} run_exports;

/* Scans the contents of an export section. */
static bool scan_exports(const uint8_t *p, const uint8_t *end,
                         const char *word, run_exports *out)
{
    uint32_t n;
    if (!leb_u32(&p, end, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nlen, index;
        if (!leb_u32(&p, end, &nlen) || nlen >= (size_t)(end - p))
            return false;
        const uint8_t *name = p;
        p += nlen;
        bool func = *p++ == 0x00;
        if (!leb_u32(&p, end, &index))
            return false;
        out->word |= func && word && strlen(word) == nlen &&
                     memcmp(name, word, nlen) == 0;
        out->start |= func && nlen == 6 && memcmp(name, "_start", 6) == 0;
    }
    return true;
}

/*
 * Walks the module's sections to its export section alone, to know which
 * plugin to register before the manager loads the module: deciding by a
 * failed add would decode, validate and compile it twice (18 ms more for
 * a 2 MB Go module). False when the bytes are not a module this walk can
 * read; the add then says what is wrong.
 */
static bool peek_exports(const uint8_t *p, size_t len, const char *word,
                         run_exports *out)
{
    const uint8_t *end = p + len;
    if (len < 8 || memcmp(p, "\0asm", 4) != 0)
        return false;
    for (p += 8; p < end;) {
        uint8_t id = *p++;
        uint32_t size;
        if (!leb_u32(&p, end, &size) || size > (size_t)(end - p))
            return false;
        if (id == 7)
            return scan_exports(p, p + size, word, out);
        p += size;
    }
    return true;
}

/* No FUNC, and the module is no command: say which functions it has
 * (the add has validated it; it has the bytes read before, so the file
 * is read again for this message). */
static int no_function(const run_state *st)
{
    size_t len = 0;
    uint8_t *wasm = cli_read_module(st->path, &len);
    wx_module *m = wasm ? wx_module_load(wasm, len, NULL, NULL) : NULL;
    free(wasm);
    char list[256];
    size_t at = 0;
    for (uint32_t i = 0; m && i < wx_module_export_count(m); i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || d.kind != WX_EXTERN_FUNC)
            continue;
        int k = snprintf(list + at, sizeof list - at, "%s%s", at ? ", " : "",
                         d.name);
        if (k < 0 || (size_t)k >= sizeof list - at) {
            snprintf(list + sizeof list - 5, 5, ", ..");
            break;
        }
        at += (size_t)k;
    }
    wx_module_free(m);
    cli_error(WX_EARG,
              "run: missing FUNC: name the function to call (functions of "
              "%s: %s)",
              st->path, at ? list : "none");
    return CLI_EXIT_USAGE;
}

/* The exit code of a failed add: a module that cannot run with these
 * options is the user's to fix (2), even at a memory limit; a start
 * function that traps or times out is the guest failing (1). */
static int add_failed(const wx_error *err)
{
    cli_error_from(err, "%s", err->message);
    return err->status == WX_ELIMIT ? CLI_EXIT_USAGE
                                    : cli_exit_code(err->status);
}

/*
 * Registers the plugin the command line means; *command says which. The
 * word after the file is FUNC when the module exports a function by that
 * name; otherwise, and when there is no such word, a module exporting
 * _start runs as a WASI command with the words as its arguments. The
 * export section alone decides (peek_exports), so the manager loads the
 * module once; when it cannot be read, the add says why.
 */
static int load(run_state *st, const cli_args *a, bool *command)
{
    const char *word = a->npos >= 2 ? a->pos[1] : NULL;
    if (!(st->wasm = cli_read_module(st->path, &st->wasm_len)))
        return CLI_EXIT_USAGE;
    run_exports ex = {false, false};
    bool read = peek_exports(st->wasm, st->wasm_len, word, &ex);
    /* Without a word, the add of the command finds what is missing. */
    *command = !word || (read && ex.start && !ex.word);
    wx_error err;
    wx_error_clear(&err);
    wx_status s = *command
                      ? add_plugin(st, NULL, a->npos - 1, a->pos + 1, &err)
                      : add_plugin(st, word, 0, NULL, &err);
    return s == WX_OK                   ? CLI_EXIT_OK
           : !word && s == WX_ENOEXPORT ? no_function(st)
                                        : add_failed(&err);
}

/* ---------------------------------------------------------- arguments */

/* Gives a converter message about "argument 1" (it read one argument)
 * the number of argument `i` (0-based). */
static wx_status renumber(wx_error *err, int i)
{
    static const char one[] = "argument 1: ";
    char why[sizeof err->message];
    snprintf(why, sizeof why, "%s",
             strncmp(err->message, one, sizeof one - 1) == 0
                 ? err->message + sizeof one - 1
                 : err->message);
    return wx_error_set(err, err->status, "argument %d: %s", i + 1, why);
}

/* Argument `i` of type `t`, read by the framework's command-line
 * converter: i32 and i64 as their signed or unsigned type, since wasm
 * integers have no sign of their own (an unsigned one becomes its bits);
 * a v128 (bytes) and a reference (json) as the converter reads those. */
static wx_status parse_arg(wx_type t, const char *text, int i, wx_value *out,
                           wx_error *err)
{
    wx_function_info one;
    memset(&one, 0, sizeof one);
    one.name = "run";
    one.nparams = 1;
    one.params[0] = t;
    wx_values v = {0};
    wx_status s = wx_values_from_argv(&one, 1, &text, &v, err);
    if (s != WX_OK && (t == WX_TYPE_I32 || t == WX_TYPE_I64)) {
        wx_error ignored;
        one.params[0] = t == WX_TYPE_I32 ? WX_TYPE_U32 : WX_TYPE_U64;
        if (wx_values_from_argv(&one, 1, &text, &v, &ignored) == WX_OK)
            s = WX_OK;
    }
    if (s != WX_OK)
        return renumber(err, i);
    const wx_value *x = &v.values[0];
    switch (x->type) {
    case WX_TYPE_U32: *out = wx_value_i32((int32_t)(uint32_t)x->of.u); break;
    case WX_TYPE_U64: *out = wx_value_i64((int64_t)x->of.u); break;
    default: *out = *x; return WX_OK; /* its buffer, if any, is now *out's */
    }
    wx_values_free(&v);
    return WX_OK;
}

/* Appends "t1, t2" to buf at *at. */
static void type_list(const wx_type *t, uint32_t n, char *buf, size_t size,
                      size_t *at)
{
    for (uint32_t i = 0; i < n; i++)
        *at += (size_t)snprintf(buf + *at, *at < size ? size - *at : 0, "%s%s",
                                i ? ", " : "", wx_type_name(t[i]));
}

/* "(i32, i32) -> (i32)": a numeric function's types are its wasm
 * signature's (wx_fn_describe leaves info->signature to snapshots). */
static void signature(const wx_function_info *info, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "(");
    type_list(info->params, info->nparams, buf, size, &at);
    at += (size_t)snprintf(buf + at, at < size ? size - at : 0, ") -> (");
    type_list(info->results, info->nresults, buf, size, &at);
    snprintf(buf + at, at < size ? size - at : 0, ")");
}

static int parse_args(const wx_function_info *info, int n, char *const *texts,
                      wx_values *args)
{
    if ((uint32_t)n != info->nparams) {
        char sig[256];
        signature(info, sig, sizeof sig);
        cli_error(WX_EARG, "\"%s\" takes %u argument%s, got %d (signature %s)",
                  info->name, info->nparams, info->nparams == 1 ? "" : "s", n,
                  sig);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        wx_error err;
        wx_error_clear(&err);
        if (parse_arg(info->params[i], texts[i], i, &args->values[i], &err) !=
            WX_OK) {
            cli_error_from(&err, "%s", err.message);
            return CLI_EXIT_USAGE;
        }
        args->count = (uint32_t)i + 1;
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ results */

/* Results as text, one per line, or {"results": [...]} with --json, by
 * the framework's converters. */
static int print_results(const run_state *st, const wx_values *res)
{
    wx_error err;
    wx_error_clear(&err);
    char *text = st->json ? wx_values_to_json(res->values, res->count, &err)
                          : wx_values_to_text(res->values, res->count, 0, &err);
    if (!text) {
        cli_error_from(&err, "%s", err.message);
        return CLI_EXIT_FAILED;
    }
    int rc = CLI_EXIT_OK;
    if (st->json)
        rc = cli_print_json(
            json_pack("{s:o}", "results", json_loads(text, 0, NULL)));
    else
        fputs(text, stdout);
    wx_free(text);
    return rc;
}

/* A failed call: a WASI exit ends it quietly with code 0 (--json still
 * owes stdout its document), else as the framework reports it. */
static int call_failed(const run_state *st, const wx_error *err)
{
    if (err->status != WX_EEXIT) {
        cli_error_from(err, "%s", err->message);
        return cli_exit_code(err->status);
    }
    if (err->exit_code == 0)
        return st->json ? cli_print_json(json_pack("{s:[],s:i}", "results",
                                                   "exit_code", 0))
                        : CLI_EXIT_OK;
    cli_error_from(err, "guest exited with code %d", err->exit_code);
    return CLI_EXIT_FAILED;
}

static int call_func(run_state *st, int n, char *const *texts)
{
    wx_function_info info;
    wx_values args = {0}, results = {0};
    wx_error err;
    wx_error_clear(&err);
    if (wx_fn_describe(st->fn, &info, &err) != WX_OK) {
        cli_error_from(&err, "%s", err.message);
        return cli_exit_code(err.status);
    }
    /* Typed values, so that a v128 (bytes) and a reference (json) pass
     * as the numeric ABI gives them; numbers are the wasm values. */
    int rc = parse_args(&info, n, texts, &args);
    wx_status s = WX_OK;
    if (rc == CLI_EXIT_OK)
        s = stdout_aside(st, &err);
    if (rc == CLI_EXIT_OK && s == WX_OK)
        s = wx_fn_call_values(st->fn, args.values, (size_t)n, &results, &err);
    if (rc == CLI_EXIT_OK)
        stdout_back(st);
    wx_values_free(&args);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (s != WX_OK)
        return call_failed(st, &err);
    rc = print_results(st, &results);
    wx_values_free(&results);
    return rc;
}

/* Runs the WASI command: its _start is the call; the exit status is its
 * exit code. */
static int run_command(run_state *st)
{
    wx_error err;
    wx_error_clear(&err);
    wx_status s = stdout_aside(st, &err);
    if (s == WX_OK)
        s = wx_fn_call(st->fn, NULL, 0, NULL, 0, &err);
    stdout_back(st);
    if (s != WX_OK && s != WX_EEXIT) {
        cli_error_from(&err, "%s", err.message);
        return cli_exit_code(s);
    }
    int code = s == WX_EEXIT ? err.exit_code : 0;
    if (st->json && cli_print_json(json_pack("{s:i}", "exit_code", code)))
        return CLI_EXIT_FAILED;
    return code;
}

/* ---------------------------------------------------------------- run */

/* The limits of the config. Options left out bound nothing (timeout_ms
 * and memory_pages 0, as the config writes "no limit"): what one runs by
 * hand is watched by the one who runs it. */
static int run_options(const cli_args *a, run_state *st)
{
    uint32_t pages = 0, timeout = 0, stack = 0;
    const char *p = a->val[OPT_MAX_PAGES], *t = a->val[OPT_TIMEOUT],
               *k = a->val[OPT_STACK];
    if (p && !cli_parse_u32("--max-pages", p, RUN_MAX_PAGES, &pages))
        return CLI_EXIT_USAGE;
    /* The config reads 0 as "no limit", which nobody means by it. */
    if (p && pages == 0)
        return cli_usage_error("run", "--max-pages must be at least 1");
    if (t && !cli_parse_u32("--timeout-ms", t, RUN_MAX_TIMEOUT_MS, &timeout))
        return CLI_EXIT_USAGE;
    if (k && !cli_parse_u32("--stack", k, RUN_MAX_STACK, &stack))
        return CLI_EXIT_USAGE;
    if (k && stack < RUN_MIN_STACK)
        return cli_usage_error("run", "--stack must be at least %u",
                               RUN_MIN_STACK);
    st->pages = p ? pages : WX_UNLIMITED;
    st->timeout_ms = t && timeout ? timeout : WX_UNLIMITED;
    st->stack = stack;
    return CLI_EXIT_OK;
}

/* Sets key (owned, taken) to value (borrowed from argv) in a list of
 * pairs; a key given again keeps its last value, as the options say. */
static bool kv_set(wx_kv **list, size_t *n, char *key, const char *value)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*list)[i].key, key) == 0) {
            free(key);
            (*list)[i].value = value;
            return true;
        }
    }
    wx_kv *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return false;
    *list = grown;
    grown[(*n)++] = (wx_kv){key, value};
    return true;
}

static void kv_free(wx_kv *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)list[i].key);
    free(list);
}

/* Records "K=V" (or "DIR" for --dir: DIR as DIR) of option `opt` in the
 * config's wasi.env or wasi.preopens. */
static int add_kv(run_state *st, const char *opt, const char *text)
{
    bool dir = strcmp(opt, "--dir") == 0;
    const char *eq = strchr(text, '=');
    size_t klen = eq ? (size_t)(eq - text) : strlen(text);
    const char *value = eq ? eq + 1 : dir ? text : NULL;
    if (!value || klen == 0 || (dir && !value[0]))
        return cli_usage_error("run", "%s: expected %s, got \"%s\"", opt,
                               dir ? "GUEST=HOST or DIR" : "K=V", text);
    char *key = strndup(text, klen);
    if (!key || !(dir ? kv_set(&st->dirs, &st->ndirs, key, value)
                      : kv_set(&st->env, &st->nenv, key, value))) {
        free(key);
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

/*
 * Takes the repeatable options --dir and --env out of argv into `st`
 * (the common parser keeps one value per option), leaving the rest, and
 * a "--" with everything after it, in `rest`.
 */
static int take_repeated(run_state *st, int argc, char **argv, char **rest,
                         int *nrest)
{
    static const char *const names[] = {"--dir", "--env"};
    int n = 0;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i];
        only_pos = only_pos || strcmp(word, "--") == 0;
        int opt = -1;
        const char *value = NULL;
        for (int k = 0; i > 0 && !only_pos && k < 2; k++) {
            size_t len = strlen(names[k]);
            if (strncmp(word, names[k], len) != 0)
                continue;
            if (word[len] == '=')
                value = word + len + 1;
            else if (word[len] != '\0')
                continue;
            opt = k;
        }
        if (opt < 0) {
            rest[n++] = argv[i];
            continue;
        }
        if (!value && ++i >= argc)
            return cli_usage_error("run", "%s needs a value (%s)", names[opt],
                                   opt == 0 ? "GUEST=HOST" : "K=V");
        int rc = add_kv(st, names[opt], value ? value : argv[i]);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    *nrest = n;
    return CLI_EXIT_OK;
}

static int run_parsed(cli_global *g, run_state *st, const cli_args *a)
{
    if (a->help)
        return cli_print_help(&cli_cmd_run);
    if (a->npos < 1)
        return cli_usage_error("run", "missing FILE.wasm");
    st->path = a->pos[0];
    st->json = g->json;
    plugin_name(st->path, st->name, sizeof st->name);
    int rc = run_options(a, st);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* One run: no idle instance is ever trimmed. */
    wx_manager_opts opts = {0};
    opts.trim_idle_ms = UINT32_MAX;
    wx_error err;
    st->m = wx_manager_open(WX_REGISTRY_MEMORY, &opts, &err);
    if (!st->m) {
        cli_error_from(&err, "%s", err.message);
        return cli_exit_code(err.status);
    }
    bool command;
    rc = load(st, a, &command);
    if (rc != CLI_EXIT_OK)
        return rc;
    return command ? run_command(st) : call_func(st, a->npos - 2, a->pos + 2);
}

static int run_main(cli_global *g, int argc, char **argv)
{
    run_state st;
    memset(&st, 0, sizeof st);
    st.saved_stdout = -1;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    int rc = CLI_EXIT_FAILED;
    if (!rest)
        cli_error(WX_ENOMEM, "out of host memory");
    else
        rc = take_repeated(&st, argc, argv, rest, &nrest);
    cli_args a;
    if (rc == CLI_EXIT_OK)
        rc = cli_parse(g, "run", run_opts, NOPTS, nrest, rest, &a);
    if (rc == CLI_EXIT_OK)
        rc = run_parsed(g, &st, &a);
    wx_fn_free(st.fn);
    if (st.m)
        wx_manager_close(st.m);
    free(st.wasm);
    kv_free(st.env, st.nenv);
    kv_free(st.dirs, st.ndirs);
    free(rest);
    return rc;
}

const cli_command cli_cmd_run = {
    "run",
    "call a function of a .wasm file once",
    run_help,
    run_main,
};
