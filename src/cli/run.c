/*
 * `wasmext run FILE.wasm FUNC [ARG...]`: a one-shot call straight on the
 * engine, no registry. The arguments are read by the function's wasm
 * signature, the results printed one per line in a form that reads back
 * to the same value. `wasmext run FILE.wasm [ARG...]` of a WASI command
 * runs its `_start` with the arguments, the exit status being the
 * guest's.
 */
#include "cli.h"
#include "wasmfile.h"

#include "abi.h"
#include "value.h"
#include "wasi.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char run_help[] =
    "Usage: wasmext run [OPTIONS] FILE.wasm FUNC [ARG...]\n"
    "       wasmext run [OPTIONS] FILE.wasm [-- ARG...]\n"
    "\n"
    "Loads FILE.wasm, calls its exported function FUNC once with the\n"
    "arguments, and prints the results, one per line. Without FUNC, a\n"
    "WASI command (a module exporting _start) is run: it gets the\n"
    "arguments FILE.wasm ARG..., this process's stdin, stdout and stderr,\n"
    "and the exit status is its exit code (0 when _start returns).\n"
    "\n"
    "Arguments are read by FUNC's wasm signature: i32 and i64 in decimal\n"
    "or 0x hex, signed or unsigned (-1 and 0xffffffff are the same i32),\n"
    "refused unless they fit exactly; f32 and f64 as decimals, inf, -inf\n"
    "or nan. Negative numbers need no quoting. Results: integers in signed\n"
    "decimal, floats in the shortest form that reads back the same.\n"
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
    "  --max-pages N    cap linear memory at N pages of 64 KiB (N >= 1)\n"
    "  --timeout-ms N   stop the call after N milliseconds (exit 1)\n"
    "  --stack N        maximum call depth (default 10000)\n"
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

/* What one run needs, freed in one place. */
typedef struct run_state {
    const char *path;
    uint8_t *bytes;
    size_t len;
    wx_module *module;
    cli_wasmfile wf;
    wx_linker *linker;
    wx_instance *inst;
    wx_instance_opts iopts;
    uint32_t timeout_ms;
    /* WASI: the --dir and --env values (split copies, in `owned`) and
     * the context, made when the module imports WASI or is a command. */
    size_t ndirs, nenv, nowned;
    wxw_kv *dirs, *env;
    char **owned;
    wxw_ctx *wasi;
    /* --json: stdout holds one JSON document, so the guest's stdout goes
     * to stderr. */
    bool json;
} run_state;

/* ------------------------------------------------------------ timeout */

/* A thread that interrupts the instance when the deadline passes, unless
 * the call finished first. */
typedef struct run_timer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done, fired;
    wx_instance *inst;
    struct timespec deadline; /* CLOCK_MONOTONIC */
} run_timer;

static void *timer_main(void *arg)
{
    run_timer *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->done) {
        int rc = pthread_cond_timedwait(&t->cond, &t->lock, &t->deadline);
        if (rc == ETIMEDOUT && !t->done) {
            wx_instance_interrupt(t->inst);
            t->fired = true;
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

static bool timer_start(run_timer *t, wx_instance *inst, uint32_t ms)
{
    memset(t, 0, sizeof *t);
    t->inst = inst;
    clock_gettime(CLOCK_MONOTONIC, &t->deadline);
    t->deadline.tv_sec += ms / 1000;
    t->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->deadline.tv_nsec >= 1000000000L) {
        t->deadline.tv_sec++;
        t->deadline.tv_nsec -= 1000000000L;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->lock);
        return false;
    }
    return true;
}

/* Stops the timer; returns whether it fired. */
static bool timer_stop(run_timer *t)
{
    pthread_mutex_lock(&t->lock);
    t->done = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    return t->fired;
}

/* ------------------------------------------------------------ loading */

static int load(run_state *st)
{
    st->bytes = cli_read_file(st->path, &st->len);
    if (!st->bytes)
        return CLI_EXIT_USAGE;
    wx_error err;
    wx_error_clear(&err);
    st->module = wx_module_load(st->bytes, st->len, NULL, &err);
    if (!st->module) {
        cli_error_from(&err, "%s: %s", st->path, err.message);
        return CLI_EXIT_USAGE;
    }
    cli_wasmfile_read(st->bytes, st->len, &st->wf);
    return CLI_EXIT_OK;
}

/* The function exports, comma-separated, cut to fit. */
static void func_exports(const wx_module *m, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || d.kind != WX_EXTERN_FUNC)
            continue;
        int k = snprintf(buf + at, size - at, "%s%s", at ? ", " : "", d.name);
        if (k < 0 || (size_t)k >= size - at) {
            snprintf(buf + (at < size - 5 ? at : size - 5), 5, ", ..");
            return;
        }
        at += (size_t)k;
    }
    if (!at)
        snprintf(buf, size, "none");
}

/* The exported function `name`, or an error. */
static int find_func(const run_state *st, const char *name, wx_externdesc *out)
{
    uint32_t n = wx_module_export_count(st->module);
    for (uint32_t i = 0; i < n; i++) {
        if (!wx_module_export(st->module, i, out) ||
            strlen(name) != out->name_len ||
            memcmp(out->name, name, out->name_len) != 0)
            continue;
        if (out->kind == WX_EXTERN_FUNC)
            return CLI_EXIT_OK;
        cli_error(WX_EARG, "%s: \"%s\" is a %s export, not a function",
                  st->path, name, wx_externkind_name(out->kind));
        return CLI_EXIT_USAGE;
    }
    char list[256];
    func_exports(st->module, list, sizeof list);
    cli_error(WX_ENOEXPORT,
              "%s has no exported function \"%s\" (functions: %s)", st->path,
              name, list);
    return CLI_EXIT_USAGE;
}

/* Does the module export a function named `name`? */
static bool exports_func(const wx_module *m, const char *name)
{
    wx_externdesc d;
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++)
        if (wx_module_export(m, i, &d) && d.kind == WX_EXTERN_FUNC &&
            strcmp(d.name, name) == 0)
            return true;
    return false;
}

/* Explains a missing function name: the exports. */
static int no_function(const run_state *st)
{
    char list[256];
    func_exports(st->module, list, sizeof list);
    cli_error(WX_EARG,
              "run: missing FUNC: name the function to call (functions of "
              "%s: %s)",
              st->path, list);
    return CLI_EXIT_USAGE;
}

/* With --json, what the guest writes to its stdout: to our stderr, as it
 * comes (a person watching sees it live; jq reading stdout never does). */
static void guest_stdout_to_stderr(void *ud, int fd, const uint8_t *data,
                                   size_t len)
{
    (void)ud;
    (void)fd;
    fwrite(data, 1, len, stderr);
}

/* The WASI context: arguments (args[0] is the file), --env, --dir, and
 * this process's standard streams (stdout turned to stderr with --json). */
static int make_wasi(run_state *st, int nargs, char *const *args)
{
    const char **argv = calloc((size_t)nargs + 1, sizeof *argv);
    if (!argv) {
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    argv[0] = st->path;
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    wxw_opts o = {0};
    o.nargs = (size_t)nargs + 1;
    o.args = argv;
    o.nenv = st->nenv;
    o.env = st->env;
    o.npreopens = st->ndirs;
    o.preopens = st->dirs;
    o.in = WXW_INPUT_INHERIT;
    o.out = st->json ? WXW_OUTPUT_CALLBACK : WXW_OUTPUT_INHERIT;
    o.on_output = st->json ? guest_stdout_to_stderr : NULL;
    o.err = WXW_OUTPUT_INHERIT;
    wx_error err;
    wx_error_clear(&err);
    st->wasi = wxw_ctx_new(&o, &err);
    free(argv);
    if (!st->wasi) {
        cli_error_from(&err, "%s", err.message);
        return err.status == WX_ENOMEM ? CLI_EXIT_FAILED : CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Links WASI when the module imports it or is a command (`nargs`,
 * `args`: the guest's arguments after its name); refuses any other
 * import, naming them. */
static int link_imports(run_state *st, bool command, int nargs,
                        char *const *args)
{
    char missing[512];
    size_t at = 0;
    unsigned nmissing = 0;
    bool wasi = false;
    missing[0] = '\0';
    uint32_t n = wx_module_import_count(st->module);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_import(st->module, i, &d))
            continue;
        if (strcmp(d.module, "wasi_snapshot_preview1") == 0) {
            wasi = true;
            continue;
        }
        if (nmissing++ < 8 && at < sizeof missing) {
            int k = snprintf(missing + at, sizeof missing - at, "%s%s.%s (%s)",
                             at ? ", " : "", d.module, d.name,
                             wx_externkind_name(d.kind));
            at += k > 0 ? (size_t)k : 0;
        }
    }
    if (nmissing) {
        cli_error(WX_EUNLINKABLE,
                  "%s imports %s%s, which wasmext run cannot provide (it "
                  "provides only wasi_snapshot_preview1)",
                  st->path, missing, nmissing > 8 ? ", ..." : "");
        return CLI_EXIT_USAGE;
    }
    if (!wasi && !command)
        return CLI_EXIT_OK;
    int rc = make_wasi(st, nargs, args);
    if (rc != CLI_EXIT_OK)
        return rc;
    wx_error err;
    wx_error_clear(&err);
    st->linker = wx_linker_new(&err);
    if (!st->linker ||
        wxw_define(st->linker, st->module, st->wasi, &err) != WX_OK) {
        cli_error_from(&err, "%s: WASI: %s", st->path, err.message);
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------- arguments */

/* An integer of a wasm type: the signed range or the unsigned one, since
 * wasm integers have no sign of their own. */
static wx_status parse_int(wxa_type s_type, wxa_type u_type, const char *text,
                           const char *what, int64_t *out, wx_error *err)
{
    wxa_value v;
    wx_status s = wxa_value_from_text(s_type, text, what, &v, err);
    if (s == WX_OK) {
        *out = v.of.i;
        return WX_OK;
    }
    wx_error ignored;
    if (wxa_value_from_text(u_type, text, what, &v, &ignored) == WX_OK) {
        *out = (int64_t)v.of.u;
        wx_error_clear(err);
        return WX_OK;
    }
    return s;
}

static wx_status parse_arg(wx_valtype t, const char *text, const char *what,
                           wx_val *out, wx_error *err)
{
    wxa_value v;
    int64_t i;
    wx_status s;
    switch (t) {
    case WX_I32:
        s = parse_int(WXA_I32, WXA_U32, text, what, &i, err);
        *out = wx_val_i32((int32_t)(uint32_t)i);
        return s;
    case WX_I64:
        s = parse_int(WXA_I64, WXA_U64, text, what, &i, err);
        *out = wx_val_i64(i);
        return s;
    case WX_F32:
        s = wxa_value_from_text(WXA_F32, text, what, &v, err);
        *out = wx_val_f32(s == WX_OK ? v.of.f32 : 0);
        return s;
    case WX_F64:
        s = wxa_value_from_text(WXA_F64, text, what, &v, err);
        *out = wx_val_f64(s == WX_OK ? v.of.f64 : 0);
        return s;
    case WX_FUNCREF:
    case WX_EXTERNREF:
        out->type = t;
        out->of.ext = NULL;
        if (strcmp(text, "null") == 0)
            return WX_OK;
        return wx_error_set(err, WX_EARG, "%s: a %s can only be given as null",
                            what, wx_valtype_name(t));
    default:
        return wx_error_set(err, WX_EARG,
                            "%s: %s values cannot be given on the command "
                            "line",
                            what, wx_valtype_name(t));
    }
}

static int parse_args(const wx_functype *ft, const char *func, int n,
                      char *const *texts, wx_val *args)
{
    if ((uint32_t)n != ft->nparams) {
        char sig[256];
        cli_signature(ft, sig, sizeof sig);
        cli_error(WX_EARG, "\"%s\" takes %u argument%s, got %d (signature %s)",
                  func, ft->nparams, ft->nparams == 1 ? "" : "s", n, sig);
        return CLI_EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %d", i + 1);
        wx_error err;
        wx_error_clear(&err);
        if (parse_arg(ft->params[i], texts[i], what, &args[i], &err) !=
            WX_OK) {
            cli_error_from(&err, "%s", err.message);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ results */

/* A result as a framework value, for text and JSON alike. */
static bool to_value(const wx_val *r, wxa_value *v)
{
    switch (r->type) {
    case WX_I32: *v = wxa_value_int(WXA_I32, r->of.i32); return true;
    case WX_I64: *v = wxa_value_int(WXA_I64, r->of.i64); return true;
    case WX_F32: *v = wxa_value_f32(r->of.f32); return true;
    case WX_F64: *v = wxa_value_f64(r->of.f64); return true;
    default: return false;
    }
}

/* References have no number to print: say what they are. */
static const char *ref_text(const wx_val *r)
{
    if (r->type == WX_FUNCREF)
        return r->of.func ? "funcref" : "null";
    if (r->type == WX_EXTERNREF)
        return r->of.ext ? "externref" : "null";
    return "v128";
}

static int print_results(const cli_global *g, const wx_val *res, uint32_t n)
{
    json_t *arr = g->json ? json_array() : NULL;
    for (uint32_t i = 0; i < n; i++) {
        wxa_value v;
        if (!to_value(&res[i], &v)) {
            const char *t = ref_text(&res[i]);
            if (arr)
                json_array_append_new(arr, strcmp(t, "null") ? json_string(t)
                                                             : json_null());
            else
                puts(t);
            continue;
        }
        if (arr) {
            json_array_append_new(arr, wxa_value_to_json(&v, NULL));
            continue;
        }
        char *text = wxa_value_to_text(&v, 0);
        if (!text) {
            cli_error(WX_ENOMEM, "out of host memory");
            return CLI_EXIT_FAILED;
        }
        puts(text);
        free(text);
    }
    if (arr)
        return cli_print_json(json_pack("{s:o}", "results", arr));
    return CLI_EXIT_OK;
}

/* Names the trapping function by its export when the module has no name
 * section, so that the message says where to look. */
static void name_trap(const run_state *st, wx_error *err)
{
    if (err->status != WX_ETRAP || err->func_index == WX_NO_INDEX ||
        wx_module_func_name(st->module, err->func_index))
        return;
    const char *name =
        cli_func_export_name(st->module, &st->wf, err->func_index);
    if (name)
        snprintf(err->message, sizeof err->message,
                 "trap: %s in function %u (\"%.200s\") at offset 0x%x",
                 wx_trap_message(err->trap), err->func_index, name,
                 err->offset);
}

/* Reports a failed call or instantiation; returns the exit code. */
static int call_failed(const run_state *st, wx_status s, wx_error *err,
                       bool timed_out)
{
    if (s == WX_EEXIT) {
        if (err->exit_code == 0)
            return CLI_EXIT_OK;
        cli_error_from(err, "guest exited with code %d", err->exit_code);
        return CLI_EXIT_FAILED;
    }
    if (timed_out && s == WX_EINTERRUPTED) {
        cli_error(WX_ETIMEOUT, "timeout: the call was stopped after %u ms",
                  st->timeout_ms);
        return CLI_EXIT_FAILED;
    }
    name_trap(st, err);
    cli_error_from(err, "%s", err->message);
    return s == WX_ETRAP ? CLI_EXIT_FAILED : cli_exit_code(s);
}

static int instantiate(run_state *st)
{
    wx_error err;
    wx_error_clear(&err);
    /* The start function runs below, under --timeout like a call. */
    st->iopts.defer_start = true;
    st->inst = wx_instantiate(st->module, st->linker, &st->iopts, &err);
    if (!st->inst) {
        cli_error_from(&err, "%s: %s", st->path, err.message);
        return CLI_EXIT_USAGE;
    }
    run_timer timer;
    bool timing = st->timeout_ms > 0;
    if (timing && !timer_start(&timer, st->inst, st->timeout_ms)) {
        cli_error(WX_ENOMEM, "cannot start the timeout thread");
        return CLI_EXIT_FAILED;
    }
    wx_status s = wx_instance_start(st->inst, &err);
    bool timed_out = timing && timer_stop(&timer);
    if (s == WX_OK) {
        if (timed_out) /* it finished just in time */
            wx_instance_clear_interrupt(st->inst);
        return CLI_EXIT_OK;
    }
    if (timed_out && s == WX_EINTERRUPTED) {
        cli_error(WX_ETIMEOUT, "start function: timeout after %u ms",
                  st->timeout_ms);
        return CLI_EXIT_FAILED;
    }
    /* A trap in the start function is the module failing at run time. */
    return call_failed(st, s, &err, false);
}

/* Runs a WASI command's `_start`; the exit status is its exit code. */
static int run_command(run_state *st)
{
    int rc = instantiate(st);
    if (rc != CLI_EXIT_OK)
        return rc;
    run_timer timer;
    bool timing = st->timeout_ms > 0;
    if (timing && !timer_start(&timer, st->inst, st->timeout_ms)) {
        cli_error(WX_ENOMEM, "cannot start the timeout thread");
        return CLI_EXIT_FAILED;
    }
    wx_error err;
    wx_error_clear(&err);
    int code = 0;
    wx_status s = wxw_start(st->inst, &code, &err);
    bool timed_out = timing && timer_stop(&timer);
    fflush(stdout);
    if (s != WX_OK)
        return call_failed(st, s, &err, timed_out);
    if (st->json && cli_print_json(json_pack("{s:i}", "exit_code", code)))
        return CLI_EXIT_FAILED;
    return code;
}

static int call(const cli_global *g, run_state *st, const char *func,
                const wx_val *args, uint32_t nargs)
{
    int rc = instantiate(st);
    if (rc != CLI_EXIT_OK)
        return rc;
    wx_error err;
    wx_error_clear(&err);
    wx_func *f = wx_instance_func(st->inst, func);
    const wx_functype *ft = wx_func_type(f);
    wx_val results[256];
    if (ft->nresults > sizeof results / sizeof results[0]) {
        cli_error(WX_EARG,
                  "\"%s\" returns %u values, more than wasmext run prints",
                  func, ft->nresults);
        return CLI_EXIT_USAGE;
    }
    run_timer timer;
    bool timing = st->timeout_ms > 0;
    if (timing && !timer_start(&timer, st->inst, st->timeout_ms)) {
        cli_error(WX_ENOMEM, "cannot start the timeout thread");
        return CLI_EXIT_FAILED;
    }
    /* A WASI reactor is set up by its _initialize before any call. */
    wx_status s =
        st->wasi ? wxw_init_instance(st->inst, WXW_INIT_AUTO, &err) : WX_OK;
    if (s == WX_OK)
        s = wx_call(f, args, nargs, results, ft->nresults, &err);
    bool timed_out = timing && timer_stop(&timer);
    fflush(stdout);
    if (s != WX_OK) {
        rc = call_failed(st, s, &err, timed_out);
        /* proc_exit(0) ends a call quietly, without results; --json still
         * owes stdout its document. */
        if (rc == CLI_EXIT_OK && g->json)
            rc = cli_print_json(
                json_pack("{s:[],s:i}", "results", "exit_code", 0));
        return rc;
    }
    return print_results(g, results, ft->nresults);
}

/* ---------------------------------------------------------------- run */

static int run_options(const cli_args *a, run_state *st)
{
    if (a->val[OPT_MAX_PAGES] &&
        !cli_parse_u32("--max-pages", a->val[OPT_MAX_PAGES], 65536,
                       &st->iopts.max_memory_pages))
        return CLI_EXIT_USAGE;
    /* The engine reads 0 as "no limit", which nobody means by it. */
    if (a->val[OPT_MAX_PAGES] && st->iopts.max_memory_pages == 0)
        return cli_usage_error("run", "--max-pages must be at least 1");
    if (a->val[OPT_TIMEOUT] &&
        !cli_parse_u32("--timeout-ms", a->val[OPT_TIMEOUT], 86400000u,
                       &st->timeout_ms))
        return CLI_EXIT_USAGE;
    if (a->val[OPT_STACK] &&
        !cli_parse_u32("--stack", a->val[OPT_STACK], 1000000u,
                       &st->iopts.max_call_depth))
        return CLI_EXIT_USAGE;
    return CLI_EXIT_OK;
}

/* Records "K=V" (or "DIR" for --dir: DIR as DIR) of option `opt` in
 * *list, splitting a copy of it. */
static int add_kv(run_state *st, const char *opt, const char *text,
                  wxw_kv **list, size_t *n)
{
    char *copy = strdup(text);
    wxw_kv *grown = realloc(*list, (*n + 1) * sizeof **list);
    char **owned = realloc(st->owned, (st->nowned + 1) * sizeof *owned);
    if (grown)
        *list = grown;
    if (owned)
        st->owned = owned;
    if (!copy || !grown || !owned) {
        free(copy);
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    st->owned[st->nowned++] = copy;
    bool dir = strcmp(opt, "--dir") == 0;
    char *eq = strchr(copy, '=');
    if (eq)
        *eq = '\0';
    const char *value = eq ? eq + 1 : dir ? copy : NULL;
    if (!value || !copy[0] || (dir && !value[0]))
        return cli_usage_error("run", "%s: expected %s, got \"%s\"", opt,
                               dir ? "GUEST=HOST or DIR" : "K=V", text);
    (*list)[(*n)++] = (wxw_kv){copy, value};
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
        int rc = add_kv(st, names[opt], value ? value : argv[i],
                        opt == 0 ? &st->dirs : &st->env,
                        opt == 0 ? &st->ndirs : &st->nenv);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    *nrest = n;
    return CLI_EXIT_OK;
}

/* Finds, checks and calls FUNC (a.pos[1]) with the arguments after it. */
static int run_func(const cli_global *g, run_state *st, const cli_args *a)
{
    wx_externdesc d;
    int rc = find_func(st, a->pos[1], &d);
    if (rc != CLI_EXIT_OK)
        return rc;
    wx_val *args = calloc(d.func.nparams + 1, sizeof *args);
    if (!args) {
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    rc = parse_args(&d.func, a->pos[1], a->npos - 2, a->pos + 2, args);
    if (rc == CLI_EXIT_OK)
        rc = link_imports(st, false, 0, NULL);
    if (rc == CLI_EXIT_OK)
        rc = call(g, st, a->pos[1], args, d.func.nparams);
    free(args);
    return rc;
}

static int run_parsed(cli_global *g, run_state *st, const cli_args *a)
{
    if (a->help)
        return cli_print_help(&cli_cmd_run);
    if (a->npos < 1)
        return cli_usage_error("run", "missing FILE.wasm");
    st->path = a->pos[0];
    st->json = g->json;
    int rc = run_options(a, st);
    if (rc == CLI_EXIT_OK)
        rc = load(st);
    if (rc != CLI_EXIT_OK)
        return rc;
    /* A command runs unless the word after the file names a function. */
    bool command = exports_func(st->module, "_start");
    if (command && (a->npos < 2 || !exports_func(st->module, a->pos[1]))) {
        rc = link_imports(st, true, a->npos - 1, a->pos + 1);
        return rc == CLI_EXIT_OK ? run_command(st) : rc;
    }
    if (a->npos < 2)
        return no_function(st);
    return run_func(g, st, a);
}

static int run_main(cli_global *g, int argc, char **argv)
{
    run_state st;
    memset(&st, 0, sizeof st);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    int rc =
        rest ? take_repeated(&st, argc, argv, rest, &nrest) : CLI_EXIT_FAILED;
    cli_args a;
    if (rc == CLI_EXIT_OK)
        rc = cli_parse(g, "run", run_opts, NOPTS, nrest, rest, &a);
    if (rc == CLI_EXIT_OK)
        rc = run_parsed(g, &st, &a);
    wx_instance_free(st.inst);
    wx_linker_free(st.linker);
    wxw_ctx_free(st.wasi);
    cli_wasmfile_free(&st.wf);
    wx_module_free(st.module);
    free(st.bytes);
    for (size_t i = 0; i < st.nowned; i++)
        free(st.owned[i]);
    free(st.owned);
    free(st.dirs);
    free(st.env);
    free(rest);
    return rc;
}

const cli_command cli_cmd_run = {
    "run",
    "call a function of a .wasm file once",
    run_help,
    run_main,
};
