/*
 * demo: load a WebAssembly module, list its imports and exports, and call
 * one exported function with arguments parsed from the command line by the
 * function's signature.
 *
 *     demo FILE.wasm                  lists; calls fib(25) if there is a fib
 *     demo FILE.wasm FUNC [ARG...]    lists, then calls FUNC(ARG...)
 *
 * It uses nothing but the public engine API (wasmext/engine.h), so it is
 * also the shortest complete example of that API: read bytes, load,
 * instantiate, look up, call, report errors from the caller-owned wx_error.
 *
 * Exit status: 0 on success, 1 if the module cannot be read, loaded or
 * instantiated, 2 for a usage or argument error, 3 if the call fails (a
 * trap, for instance).
 */
#include <wasmext/engine.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_LOAD = 1, EXIT_USAGE = 2, EXIT_CALL = 3 };

static const char *prog = "demo";

/* Reads a whole file. A loop rather than fseek/ftell so that pipes and
 * /dev/stdin work too. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf)
        fprintf(stderr, "%s: %s: out of memory\n", prog, path);
    else if (ferror(f)) {
        fprintf(stderr, "%s: %s: read error\n", prog, path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

/* Prints an engine error: the engine's message, which already says where
 * (offset, function), or the generic one for the status if it wrote none. */
static void print_error(const char *what, const wx_error *err)
{
    fprintf(stderr, "%s: %s: ", prog, what);
    if (err->message[0])
        fputs(err->message, stderr);
    else if (err->status == WX_ETRAP)
        fprintf(stderr, "trap: %s", wx_trap_message(err->trap));
    else
        fputs(wx_status_message(err->status), stderr);
    fprintf(stderr, " [%s]\n", wx_status_name(err->status));
}

static void print_types(FILE *out, const wx_valtype *types, uint32_t n)
{
    fputc('(', out);
    for (uint32_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : "", wx_valtype_name(types[i]));
    fputc(')', out);
}

static void print_functype(FILE *out, const wx_functype *t)
{
    print_types(out, t->params, t->nparams);
    fputs(" -> ", out);
    print_types(out, t->results, t->nresults);
}

static void print_limits(wx_limits l)
{
    if (l.has_max)
        printf("{min %" PRIu64 ", max %" PRIu64 "}", l.min, l.max);
    else
        printf("{min %" PRIu64 "}", l.min);
}

static void print_externdesc(const char *dir, const wx_externdesc *d)
{
    printf("  %s ", dir);
    if (d->module)
        printf("%s.", d->module);
    printf("%s: ", d->name);
    switch (d->kind) {
    case WX_EXTERN_FUNC:
        printf("func ");
        print_functype(stdout, &d->func);
        break;
    case WX_EXTERN_TABLE:
        printf("table %s ", wx_valtype_name(d->elem));
        print_limits(d->limits);
        break;
    case WX_EXTERN_MEMORY:
        printf("memory ");
        print_limits(d->limits);
        break;
    case WX_EXTERN_GLOBAL:
        printf("global %s%s", d->global_mutable ? "mut " : "",
               wx_valtype_name(d->global_type));
        break;
    case WX_EXTERN_TAG:
        printf("tag ");
        print_functype(stdout, &d->func);
        break;
    }
    putchar('\n');
}

static void list_externs(const char *path, const wx_module *m)
{
    uint32_t nimports = wx_module_import_count(m);
    uint32_t nexports = wx_module_export_count(m);
    printf("%s: %" PRIu32 " imports, %" PRIu32 " exports\n", path, nimports,
           nexports);
    wx_externdesc d;
    for (uint32_t i = 0; i < nimports; i++)
        if (wx_module_import(m, i, &d))
            print_externdesc("import", &d);
    for (uint32_t i = 0; i < nexports; i++)
        if (wx_module_export(m, i, &d))
            print_externdesc("export", &d);
}

/* Integers are decimal or 0x-hex; the unsigned range is accepted too and
 * wraps, as wasm integers have no sign of their own (-1 and 4294967295 are
 * the same i32). */
static bool parse_int(const char *s, int64_t min, uint64_t max, int64_t *out)
{
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    int base = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') ? 16 : 10;
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    uint64_t mag = strtoull(p, &end, base);
    if (errno || *end)
        return false;
    if (neg) {
        if (mag > (uint64_t)0 - (uint64_t)min)
            return false;
        *out = (int64_t)((uint64_t)0 - mag);
    } else {
        if (mag > max)
            return false;
        *out = (int64_t)mag;
    }
    return true;
}

static bool parse_arg(const char *s, wx_valtype t, wx_wasm_val *out)
{
    int64_t i;
    char *end;
    switch (t) {
    case WX_I32:
        if (!parse_int(s, INT32_MIN, UINT32_MAX, &i))
            return false;
        *out = wx_wasm_i32((int32_t)(uint32_t)i);
        return true;
    case WX_I64:
        if (!parse_int(s, INT64_MIN, UINT64_MAX, &i))
            return false;
        *out = wx_wasm_i64(i);
        return true;
    case WX_F32: *out = wx_wasm_f32(strtof(s, &end)); return *s && !*end;
    case WX_F64: *out = wx_wasm_f64(strtod(s, &end)); return *s && !*end;
    case WX_FUNCREF:
    case WX_EXTERNREF:
    case WX_EXNREF:
        /* Only the null reference can be written on a command line. */
        memset(out, 0, sizeof *out);
        out->type = t;
        return strcmp(s, "null") == 0;
    case WX_V128: break;
    }
    return false;
}

/* The shortest decimal form that reads back as the same float, so that 0.1
 * prints as 0.1 and not 0.100000001. */
static void print_float(double v, bool single)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (isnan(v) ||
            (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v))
            break;
    }
    fputs(buf, stdout);
}

static void print_val(const wx_wasm_val *v)
{
    switch (v->type) {
    case WX_I32: printf("%" PRId32, v->of.i32); break;
    case WX_I64: printf("%" PRId64, v->of.i64); break;
    case WX_F32: print_float(v->of.f32, true); break;
    case WX_F64: print_float(v->of.f64, false); break;
    case WX_FUNCREF:
        printf(v->of.func ? "funcref:%p" : "null", (void *)v->of.func);
        break;
    case WX_EXTERNREF:
        printf(v->of.ext ? "externref:%p" : "null", v->of.ext);
        break;
    case WX_EXNREF:
        printf(v->of.ext ? "exnref:%p" : "null", v->of.ext);
        break;
    case WX_V128:
        printf("v128:0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        break;
    }
}

/* Calls `name` with arguments parsed from argv, prints "name(args) =
 * results". Returns the exit status. */
static int call_export(wx_instance *inst, const char *name, int argc,
                       const char *const *argv)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    if (!f) {
        fprintf(stderr, "%s: no exported function '%s'\n", prog, name);
        return EXIT_USAGE;
    }
    const wx_functype *t = wx_wasm_func_type(f);
    if ((uint32_t)argc != t->nparams) {
        fprintf(stderr, "%s: %s takes %" PRIu32 " argument%s ", prog, name,
                t->nparams, t->nparams == 1 ? "" : "s");
        print_functype(stderr, t);
        fprintf(stderr, ", got %d\n", argc);
        return EXIT_USAGE;
    }

    wx_wasm_val *args = calloc(t->nparams + 1, sizeof *args);
    wx_wasm_val *results = calloc(t->nresults + 1, sizeof *results);
    int status = 0;
    if (!args || !results) {
        fprintf(stderr, "%s: out of memory\n", prog);
        status = EXIT_CALL;
        goto done;
    }
    for (uint32_t i = 0; i < t->nparams; i++) {
        if (!parse_arg(argv[i], t->params[i], &args[i])) {
            fprintf(stderr,
                    "%s: argument %" PRIu32 " of %s: '%s' is not %s %s\n",
                    prog, i + 1, name, argv[i],
                    t->params[i] == WX_I32 ? "an" : "a",
                    wx_valtype_name(t->params[i]));
            status = EXIT_USAGE;
            goto done;
        }
    }

    wx_error err;
    wx_error_clear(&err);
    if (wx_call(f, args, t->nparams, results, t->nresults, &err) != WX_OK) {
        char what[300];
        snprintf(what, sizeof what, "call %s", name);
        print_error(what, &err);
        status = EXIT_CALL;
        goto done;
    }

    printf("%s(", name);
    for (uint32_t i = 0; i < t->nparams; i++) {
        fputs(i ? ", " : "", stdout);
        print_val(&args[i]);
    }
    printf(") =");
    if (t->nresults == 0)
        printf(" (no results)");
    for (uint32_t i = 0; i < t->nresults; i++) {
        fputs(i ? ", " : " ", stdout);
        print_val(&results[i]);
    }
    putchar('\n');
done:
    free(args);
    free(results);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        fprintf(stderr,
                "usage: %s FILE.wasm [FUNC [ARG...]]\n"
                "Lists the module's imports and exports, then calls FUNC\n"
                "(default: fib(25) if the module exports fib).\n",
                prog);
        return EXIT_USAGE;
    }
    const char *path = argv[1];
    int status = EXIT_LOAD;
    wx_error err;
    wx_error_clear(&err);

    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes)
        return EXIT_LOAD;
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    free(bytes); /* the module keeps its own copy */
    if (!m) {
        print_error(path, &err);
        return EXIT_LOAD;
    }
    list_externs(path, m);

    /* The demo defines no imports; a module that needs some fails here
     * with the name of the first one missing. */
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    if (!inst) {
        print_error(path, &err);
        goto fail_instance;
    }

    if (argc >= 3) {
        status = call_export(inst, argv[2], argc - 3,
                             (const char *const *)argv + 3);
    } else if (wx_instance_func(inst, "fib")) {
        const char *const arg[] = {"25"};
        status = call_export(inst, "fib", 1, arg);
    } else {
        status = 0;
    }

    wx_instance_free(inst);
fail_instance:
    wx_module_free(m);
    return status;
}
