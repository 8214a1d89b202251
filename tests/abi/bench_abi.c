/*
 * What a calling convention costs: nanoseconds per call of
 *   - a raw wx_call of add(i32, i32) (numeric.wasm),
 *   - wxa_call of the same through the numeric ABI,
 *   - wxa_call of a bindgen 0.4 echo(String) -> String with a 100-byte
 *     string in and out, on the Rust guest (dlmalloc; built for
 *     wasm32-wasi and wasm32-unknown-unknown) and on the hand-written WAT
 *     guest (a bump allocator: mostly host-side cost),
 *   - wxa_call of a cstring greet(string) -> string (WAT guest).
 * Built with the tests, not run by ctest:
 *   abi_bench GUEST_DIR [ITERATIONS]
 */
#include "abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct bench_guest {
    wx_module *m;
    wx_linker *l;
    wx_instance *inst;
} bench_guest;

static bool open_guest(bench_guest *g, const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return false;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n);
    size_t got = fread(bytes, 1, (size_t)n, f);
    fclose(f);
    wx_error err;
    g->m = got == (size_t)n ? wx_module_load(bytes, got, NULL, &err) : NULL;
    free(bytes);
    g->l = wx_linker_new(&err);
    if (!g->m || !g->l ||
        wxa_linker_add_wasi_min(g->l, g->m, NULL, &err) != WX_OK ||
        !(g->inst = wx_instantiate(g->m, g->l, NULL, &err))) {
        fprintf(stderr, "%s: %s\n", file, err.message);
        return false;
    }
    return true;
}

static void close_guest(bench_guest *g)
{
    wx_instance_free(g->inst);
    wx_linker_free(g->l);
    wx_module_free(g->m);
}

static void report(const char *what, double ns, long n)
{
    printf("%-44s %10.1f ns/call\n", what, ns / (double)n);
}

static int bench_raw(const char *dir, long n)
{
    bench_guest g;
    if (!open_guest(&g, dir, "numeric.wasm"))
        return 1;
    wx_func *add = wx_instance_func(g.inst, "add");
    wx_val args[2], r;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        args[0] = wx_val_i32((int32_t)i);
        args[1] = wx_val_i32(1);
        if (wx_call(add, args, 2, &r, 1, NULL) != WX_OK)
            return 1;
    }
    report("raw wx_call add(i32, i32)", now_ns() - t0, n);

    wxa_fn fn;
    wxa_fn_init(&fn, "add", WXA_ABI_NUMERIC);
    wx_error err;
    if (wxa_fn_bind(g.m, &fn, NULL, NULL, &err) != WX_OK)
        return 1;
    wxa_results res;
    t0 = now_ns();
    for (long i = 0; i < n; i++) {
        wxa_value v[2] = {wxa_value_int(WXA_I32, i & 0xffff),
                          wxa_value_int(WXA_I32, 1)};
        if (wxa_call(g.inst, &fn, v, 2, &res, &err) != WX_OK)
            return 1;
    }
    report("wxa_call numeric add(i32, i32)", now_ns() - t0, n);
    close_guest(&g);
    return 0;
}

static int bench_strings(const char *dir, const char *file, const char *name,
                         wxa_abi abi, const char *label, long n)
{
    bench_guest g;
    if (!open_guest(&g, dir, file))
        return 1;
    wxa_fn fn;
    wx_error err;
    wxa_fn_init(&fn, name, abi);
    const char *types[] = {"string"};
    wxa_fn_declare(&fn, false, types, 1, &err);
    wxa_fn_declare(&fn, true, types, 1, &err);
    if (wxa_fn_check(g.m, &fn, &err) != WX_OK) {
        fprintf(stderr, "%s: %s\n", file, err.message);
        return 1;
    }
    char s[101];
    memset(s, 'x', 100);
    s[100] = '\0';
    wxa_value arg;
    wxa_value_set(&arg, WXA_STRING, s, 100, &err);
    wxa_results res;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (wxa_call(g.inst, &fn, &arg, 1, &res, &err) != WX_OK) {
            fprintf(stderr, "%s: %s\n", name, err.message);
            return 1;
        }
        wxa_results_free(&res);
    }
    report(label, now_ns() - t0, n);
    wxa_value_free(&arg);
    close_guest(&g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR [ITERATIONS]\n", argv[0]);
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 200000;
    int rc = bench_raw(argv[1], n);
    rc |= bench_strings(argv[1], "rust_bindgen_wasi.wasm", "echo",
                        WXA_ABI_BINDGEN,
                        "bindgen echo, 100 B, Rust wasm32-wasi", n);
    /* wasm32-wasi cdylib exports run the C constructors and destructors
     * on every call; the bare target does not. */
    rc |= bench_strings(argv[1], "rust_bindgen_bare.wasm", "echo",
                        WXA_ABI_BINDGEN, "bindgen echo, 100 B, Rust bare", n);
    /* The WAT guests' bump allocators never reuse memory: fewer calls. */
    long k = n < 20000 ? n : 20000;
    rc |= bench_strings(argv[1], "bindgen.wasm", "echo", WXA_ABI_BINDGEN,
                        "bindgen echo, 100 B, WAT guest", k);
    rc |= bench_strings(argv[1], "cstring.wasm", "greet", WXA_ABI_CSTRING,
                        "cstring greet, 100 B, WAT guest", k);
    return rc;
}
