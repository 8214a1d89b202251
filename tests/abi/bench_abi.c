/*
 * What a calling convention costs, in CPU time per call (the best of five
 * rounds, so a busy machine inflates a figure less):
 *
 *   raw_add              wx_call of add(i32, i32) (numeric.wasm);
 *   numeric_add_abi      wxa_call of the same through the numeric ABI;
 *   bindgen_string_G_*   echo(String) -> String, 100 bytes in and out, on
 *                        guest G: wat (bindgen.wasm, a bump allocator),
 *                        rust (wasm32-wasi: its exports run the C
 *                        constructors and destructors on every call) and
 *                        rust_bare (wasm32-unknown-unknown), both with
 *                        Rust's dlmalloc;
 *     _raw      the same seven guest calls (allocate the params block and
 *               the argument, echo, deallocate the result, its record, the
 *               descriptor and the params block) made straight with
 *               wx_call by a host that checks nothing: the guest's own
 *               cost, the floor for the others;
 *     _abi      wxa_call on an instance (the ABI layer alone);
 *     _typed    the framework's typed path (wx_fn_call_values on a
 *               handle resolved once: a manager plugin with one instance,
 *               arguments checked, pool checkout and return);
 *     _json     a JSON door's path for ["xxx...x"]: the handle resolved
 *               by name and described, wx_values_from_json,
 *               wx_fn_call_values, wx_values_to_json;
 *   cstring_string_wat_abi   wxa_call of a cstring greet(string) -> string.
 *
 * overhead_ns is a figure minus its guest's _raw figure: what the host
 * side adds. One line per figure, `name ns/call=N [overhead_ns=N]`, for
 * scripts. Built with the tests, not run by ctest:
 *
 *   abi_bench GUEST_DIR [ITERATIONS [ONLY]]
 *
 * ITERATIONS (default 20000) is per round; ONLY runs just the figures
 * whose name starts with it (for perf).
 */
#include "abi.h"
#include "manager.h"
#include "wasmext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

typedef struct bench {
    const char *dir;
    long n;
    const char *only;
    char tmp[64]; /* the managers' registries */
    int failed;
} bench;

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static bool wanted(const bench *b, const char *name)
{
    return !b->only || strncmp(name, b->only, strlen(b->only)) == 0;
}

static void print_figure(const char *name, double ns, double floor)
{
    printf("%-34s ns/call=%.0f", name, ns);
    if (floor >= 0)
        printf("  overhead_ns=%.0f", ns - floor);
    printf("\n");
    fflush(stdout);
}

static void fail(bench *b, const char *what, const wx_error *err)
{
    fprintf(stderr, "%s: %s\n", what, err ? err->message : "failed");
    b->failed = 1;
}

/* ------------------------------------------------------------ instances */

typedef struct guest {
    wx_module *m;
    wx_linker *l;
    wx_instance *inst;
} guest;

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = n > 0 ? malloc((size_t)n) : NULL;
    *len = bytes ? fread(bytes, 1, (size_t)n, f) : 0;
    fclose(f);
    if (bytes && *len != (size_t)n) {
        free(bytes);
        return NULL;
    }
    return bytes;
}

static bool guest_open(bench *b, guest *g, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", b->dir, file);
    memset(g, 0, sizeof *g);
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    wx_error err;
    snprintf(err.message, sizeof err.message, "cannot read it");
    g->m = bytes ? wx_module_load(bytes, len, NULL, &err) : NULL;
    free(bytes);
    g->l = g->m ? wx_linker_new(&err) : NULL;
    if (!g->l || wxa_linker_add_wasi_min(g->l, g->m, NULL, &err) != WX_OK ||
        !(g->inst = wx_instantiate(g->m, g->l, NULL, &err))) {
        fail(b, path, &err);
        return false;
    }
    return true;
}

static void guest_close(guest *g)
{
    wx_instance_free(g->inst);
    wx_linker_free(g->l);
    wx_module_free(g->m);
}

/* --------------------------------------------------------------- numeric */

static void bench_numeric(bench *b)
{
    if (!wanted(b, "raw_add") && !wanted(b, "numeric_add"))
        return;
    guest g;
    if (!guest_open(b, &g, "numeric.wasm"))
        return;
    wx_wasm_func *add = wx_instance_func(g.inst, "add");
    wx_error err;
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = cpu_ns();
        for (long i = 0; i < b->n * 10; i++) {
            wx_wasm_val args[2] = {wx_wasm_i32((int32_t)i), wx_wasm_i32(1)}, r;
            if (wx_call(add, args, 2, &r, 1, &err) != WX_OK)
                return fail(b, "add", &err);
        }
        double t = (cpu_ns() - t0) / (double)(b->n * 10);
        best = t < best ? t : best;
    }
    double raw = best;
    print_figure("raw_add", raw, -1);

    wxa_fn fn;
    wxa_fn_init(&fn, "add", WX_ABI_NUMERIC);
    if (wxa_fn_bind(g.m, &fn, NULL, NULL, &err) != WX_OK)
        return fail(b, "add", &err);
    best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        wxa_results res;
        double t0 = cpu_ns();
        for (long i = 0; i < b->n * 10; i++) {
            wxa_value v[2] = {wxa_value_int(WXA_I32, i & 0xffff),
                              wxa_value_int(WXA_I32, 1)};
            if (wxa_call(g.inst, &fn, v, 2, &res, &err) != WX_OK)
                return fail(b, "add", &err);
        }
        double t = (cpu_ns() - t0) / (double)(b->n * 10);
        best = t < best ? t : best;
    }
    print_figure("numeric_add_abi", best, raw);
    guest_close(&g);
}

/* ---------------------------------------------------------- bindgen echo */

static const char TEXT[] =
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
#define TEXT_LEN 100u
_Static_assert(sizeof TEXT == TEXT_LEN + 1, "100 bytes");

static uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static bool call_i32(wx_wasm_func *f, uint32_t a, uint32_t b, int nargs,
                     uint32_t *r, wx_error *err)
{
    wx_wasm_val args[2] = {wx_wasm_i32((int32_t)a), wx_wasm_i32((int32_t)b)}, res;
    if (wx_call(f, args, (size_t)nargs, &res, r ? 1 : 0, err) != WX_OK)
        return false;
    if (r)
        *r = (uint32_t)res.of.i32;
    return true;
}

/*
 * One echo the shortest way: the guest calls the ABI needs, nothing
 * checked (the guests here are trusted), the result copied out into `out`.
 */
static bool raw_echo(wx_wasm_func *alloc, wx_wasm_func *dealloc, wx_wasm_func *echo,
                     wx_memory *mem, char *out, wx_error *err)
{
    uint32_t pp, arg, r;
    if (!call_i32(alloc, 8, 0, 1, &pp, err) ||
        !call_i32(alloc, TEXT_LEN, 0, 1, &arg, err))
        return false;
    uint8_t *base = wx_memory_data(mem);
    memcpy(base + arg, TEXT, TEXT_LEN);
    uint32_t rec[2] = {arg, TEXT_LEN};
    memcpy(base + pp, rec, 8);
    if (!call_i32(echo, pp, 1, 2, &r, err))
        return false;
    base = wx_memory_data(mem);
    uint32_t triples = le32(base + r + 1);
    uint32_t vptr = le32(base + triples), size = le32(base + triples + 8);
    memcpy(out, base + vptr, size < TEXT_LEN ? size : TEXT_LEN);
    return call_i32(dealloc, vptr, size, 2, NULL, err) &&
           call_i32(dealloc, triples, 12, 2, NULL, err) &&
           call_i32(dealloc, r, 9, 2, NULL, err) &&
           call_i32(dealloc, pp, 8, 2, NULL, err);
}

static double bench_raw_echo(bench *b, guest *g, long n)
{
    wx_wasm_func *alloc = wx_instance_func(g->inst, "allocate");
    wx_wasm_func *dealloc = wx_instance_func(g->inst, "deallocate");
    wx_wasm_func *echo = wx_instance_func(g->inst, "echo");
    wx_extern mem;
    wx_error err;
    if (!alloc || !dealloc || !echo ||
        !wx_instance_export(g->inst, "memory", &mem)) {
        fail(b, "raw echo: missing exports", NULL);
        return -1;
    }
    char out[TEXT_LEN];
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            if (!raw_echo(alloc, dealloc, echo, mem.of.memory, out, &err)) {
                fail(b, "raw echo", &err);
                return -1;
            }
        }
        double t = (cpu_ns() - t0) / (double)n;
        best = t < best ? t : best;
    }
    if (memcmp(out, TEXT, TEXT_LEN) != 0) {
        fail(b, "raw echo: wrong result", NULL);
        return -1;
    }
    return best;
}

static bool echo_result_ok(const wxa_results *res)
{
    return res->count == 1 && res->values[0].type == WXA_STRING &&
           res->values[0].of.buf.len == TEXT_LEN &&
           memcmp(res->values[0].of.buf.data, TEXT, TEXT_LEN) == 0;
}

static double bench_abi_echo(bench *b, guest *g, const char *name, long n)
{
    wxa_fn fn;
    wx_error err;
    wxa_fn_init(&fn, name, WX_ABI_BINDGEN);
    const char *types[] = {"string"};
    wxa_fn_declare(&fn, false, types, 1, &err);
    wxa_fn_declare(&fn, true, types, 1, &err);
    if (wxa_fn_bind(g->m, &fn, NULL, NULL, &err) != WX_OK) {
        fail(b, name, &err);
        return -1;
    }
    wxa_value arg;
    wxa_value_set(&arg, WXA_STRING, TEXT, TEXT_LEN, &err);
    double best = 1e30;
    for (int round = 0; round < ROUNDS && best >= 0; round++) {
        wxa_results res;
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            if (wxa_call(g->inst, &fn, &arg, 1, &res, &err) != WX_OK ||
                !echo_result_ok(&res)) {
                fail(b, name, &err);
                best = -1;
                break;
            }
            wxa_results_free(&res);
        }
        double t = (cpu_ns() - t0) / (double)n;
        best = t < best && best >= 0 ? t : best;
    }
    wxa_value_free(&arg);
    return best;
}

/* A manager with one plugin "p" (one instance) running `file`'s echo. */
static wx_manager *echo_manager(bench *b, const char *file, const char *tag)
{
    char db[128], cfg[2048];
    snprintf(db, sizeof db, "%s/%s.db", b->tmp, tag);
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"p\",\"instance_num\":1,"
             "\"vm_config\":{\"path\":\"%s/%s\"},"
             "\"functions\":[{\"name\":\"echo\",\"abi\":\"bindgen\","
             "\"params\":[\"string\"],\"results\":[\"string\"]}]}",
             b->dir, file);
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    if (!m || wx_manager_add(m, cfg, NULL, &err) != WX_OK) {
        fail(b, file, &err);
        wx_manager_close(m);
        return NULL;
    }
    return m;
}

static double bench_typed_echo(bench *b, wx_manager *m, long n)
{
    wx_error err;
    wx_fn *fn = wx_fn_get(m, "p", "echo", &err);
    if (!fn) {
        fail(b, "typed echo", &err);
        return -1;
    }
    wxa_value arg;
    wxa_value_set(&arg, WXA_STRING, TEXT, TEXT_LEN, &err);
    double best = 1e30;
    for (int round = 0; round < ROUNDS && best >= 0; round++) {
        wxa_results res;
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            wx_status s = wx_fn_call_values(fn, &arg, 1, &res, &err);
            bool ok = s == WX_OK && echo_result_ok(&res);
            wxa_results_free(&res);
            if (!ok) {
                fail(b, "typed echo", &err);
                best = -1;
                break;
            }
        }
        double t = (cpu_ns() - t0) / (double)n;
        best = t < best && best >= 0 ? t : best;
    }
    wxa_value_free(&arg);
    wx_fn_free(fn);
    return best;
}

/* One JSON request as a door serves it: by name, text in and out (*out,
 * wx_free). */
static wx_status json_call(wx_manager *m, const char *in, char **out,
                           wx_error *err)
{
    *out = NULL;
    wx_fn *fn = wx_fn_get(m, "p", "echo", err);
    if (!fn)
        return err->status;
    wx_function_info info;
    wx_values args = {0}, res = {0};
    wx_status s = wx_fn_describe(fn, &info, err);
    if (s == WX_OK)
        s = wx_values_from_json(&info, in, strlen(in), &args, err);
    if (s == WX_OK)
        s = wx_fn_call_values(fn, args.values, args.count, &res, err);
    if (s == WX_OK && !(*out = wx_values_to_json(res.values, res.count, err)))
        s = err->status;
    wx_values_free(&args);
    wx_values_free(&res);
    wx_fn_free(fn);
    return s;
}

static double bench_json_echo(bench *b, wx_manager *m, long n)
{
    char in[TEXT_LEN + 8], want[TEXT_LEN + 8];
    snprintf(in, sizeof in, "[\"%s\"]", TEXT);
    memcpy(want, in, sizeof want);
    wx_error err;
    double best = 1e30;
    for (int round = 0; round < ROUNDS && best >= 0; round++) {
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            char *out = NULL;
            wx_status s = json_call(m, in, &out, &err);
            bool ok = s == WX_OK && out && strcmp(out, want) == 0;
            wx_free(out);
            if (!ok) {
                fail(b, "json echo", &err);
                best = -1;
                break;
            }
        }
        double t = (cpu_ns() - t0) / (double)n;
        best = t < best && best >= 0 ? t : best;
    }
    return best;
}

static void bench_echo(bench *b, const char *tag, const char *file, long n)
{
    char prefix[64], name[96];
    snprintf(prefix, sizeof prefix, "bindgen_string_%s_", tag);
    if (!wanted(b, prefix) && strncmp(b->only, prefix, strlen(prefix)) != 0)
        return;
    guest g;
    if (!guest_open(b, &g, file))
        return;
    /* The floor is always measured: every other figure is relative to it. */
    double raw = bench_raw_echo(b, &g, n);
    snprintf(name, sizeof name, "%sraw", prefix);
    if (raw >= 0 && wanted(b, name))
        print_figure(name, raw, -1);
    snprintf(name, sizeof name, "%sabi", prefix);
    if (raw >= 0 && wanted(b, name)) {
        double t = bench_abi_echo(b, &g, "echo", n);
        if (t >= 0)
            print_figure(name, t, raw);
    }
    guest_close(&g);

    snprintf(name, sizeof name, "%styped", prefix);
    bool typed = wanted(b, name);
    snprintf(name, sizeof name, "%sjson", prefix);
    bool json = wanted(b, name);
    wx_manager *m =
        raw >= 0 && (typed || json) ? echo_manager(b, file, tag) : NULL;
    if (m && typed) {
        double t = bench_typed_echo(b, m, n);
        snprintf(name, sizeof name, "%styped", prefix);
        if (t >= 0)
            print_figure(name, t, raw);
    }
    if (m && json) {
        double t = bench_json_echo(b, m, n);
        snprintf(name, sizeof name, "%sjson", prefix);
        if (t >= 0)
            print_figure(name, t, raw);
    }
    wx_manager_close(m);
}

/* ------------------------------------------------------- cstring greet */

static void bench_cstring(bench *b, long n)
{
    const char *name = "cstring_string_wat_abi";
    if (!wanted(b, name))
        return;
    guest g;
    if (!guest_open(b, &g, "cstring.wasm"))
        return;
    wxa_fn fn;
    wx_error err;
    wxa_fn_init(&fn, "greet", WX_ABI_CSTRING);
    const char *types[] = {"string"};
    wxa_fn_declare(&fn, false, types, 1, &err);
    wxa_fn_declare(&fn, true, types, 1, &err);
    if (wxa_fn_bind(g.m, &fn, NULL, NULL, &err) != WX_OK)
        return fail(b, name, &err);
    wxa_value arg;
    wxa_value_set(&arg, WXA_STRING, TEXT, TEXT_LEN, &err);
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        wxa_results res;
        double t0 = cpu_ns();
        for (long i = 0; i < n; i++) {
            if (wxa_call(g.inst, &fn, &arg, 1, &res, &err) != WX_OK) {
                wxa_value_free(&arg);
                return fail(b, name, &err);
            }
            wxa_results_free(&res);
        }
        double t = (cpu_ns() - t0) / (double)n;
        best = t < best ? t : best;
    }
    wxa_value_free(&arg);
    print_figure(name, best, -1);
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR [ITERATIONS [ONLY]]\n", argv[0]);
        return 2;
    }
    bench b = {.dir = argv[1],
               .n = argc > 2 ? atol(argv[2]) : 20000,
               .only = argc > 3 ? argv[3] : NULL};
    if (b.n <= 0)
        b.n = 20000;
    snprintf(b.tmp, sizeof b.tmp, "/tmp/wx-abi-bench.XXXXXX");
    if (!mkdtemp(b.tmp)) {
        perror("mkdtemp");
        return 2;
    }
    bench_numeric(&b);
    bench_echo(&b, "wat", "bindgen.wasm", b.n);
    bench_echo(&b, "rust", "rust_bindgen_wasi.wasm", b.n);
    bench_echo(&b, "rust_bare", "rust_bindgen_bare.wasm", b.n);
    bench_cstring(&b, b.n);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", b.tmp);
    if (system(rm) != 0)
        b.failed = 1;
    return b.failed;
}
