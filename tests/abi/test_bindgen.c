/*
 * The bindgen ABI against hand-written WAT guests: 0.4 (bindgen.wat) with
 * well-behaved and malicious exports, and the legacy 0.1 form
 * (legacy.wat), including concurrent legacy calls on several instances
 * sharing one linker and hub. The guests count allocate and deallocate
 * calls, so every call's buffers can be checked to balance.
 */
#include "abi_test.h"

#include <pthread.h>

static const char *dir;

/* Buffers left to the guest by calls that failed on purpose (the host
 * gives nothing back after a broken convention). */
static int32_t leaked;

/* allocate and deallocate calls must balance after a well-behaved call. */
static void check_balance(guest *g, const char *after)
{
    int32_t a = guest_i32(g, "allocs"), f = guest_i32(g, "frees");
    CHECK_MSG(a - f == leaked && a >= 0, "after %s: %d allocations, %d frees",
              after, a, f);
}

/* Accepts the current imbalance (after a call that failed on purpose). */
static void rebase(guest *g)
{
    leaked = guest_i32(g, "allocs") - guest_i32(g, "frees");
}

static const char *run1(guest *g, const wxa_fn *fn, const char *a)
{
    return run_text(g, fn, &a, 1);
}

static const char *run2(guest *g, const wxa_fn *fn, const char *a,
                        const char *b)
{
    const char *args[2] = {a, b};
    return run_text(g, fn, args, 2);
}

/* `bind`: run_text binds each function first (the exports are then
 * reached by index, as in the manager) instead of finding them by name. */
static void test_good(bool bind)
{
    leaked = 0;
    guest g;
    if (!guest_open(&g, dir, "bindgen.wasm")) {
        CHECK(!"bindgen.wasm");
        return;
    }
    g.bind = bind;
    wxa_fn fn;
    wx_error err;
    wxa_value arg;
    wxa_results res;

    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_OK);
    CHECK_STR(run1(&g, &fn, "hello"), "hello");
    check_balance(&g, "echo");
    CHECK_STR(run1(&g, &fn, ""), "");
    check_balance(&g, "echo of an empty string");
    CHECK_STR(run1(&g, &fn, "caf\xc3\xa9 \xe2\x82\xac"),
              "caf\xc3\xa9 \xe2\x82\xac");

    /* A bindgen String must be UTF-8 (the guest would panic). */
    CHECK(wxa_value_set(&arg, WXA_STRING, "a\xff", 2, &err) == WX_OK);
    CHECK(wxa_call(g.inst, &fn, &arg, 1, &res, &err) == WX_EARG);
    CHECK_STR(err.message,
              "argument 1: not valid UTF-8 (a bindgen String must be)");
    wxa_value_free(&arg);
    check_balance(&g, "a refused argument");

    /* Declared results are checked against the guest's type codes. */
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", "string");
    CHECK_STR(run1(&g, &fn, "typed"), "typed");
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "json", "json");
    CHECK_STR(run1(&g, &fn, "{\"a\":1}"), "{\"a\":1}");
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", "i32");
    CHECK_STR(run1(&g, &fn, "x"),
              "ERR abi: echo: result 1: type code 31 does not match the "
              "declared i32 (code 6)");
    rebase(&g);

    /* A large argument makes the guest grow its memory in allocate. */
    size_t big = 300000;
    char *s = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    s[big] = '\0';
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", NULL);
    CHECK(strcmp(run1(&g, &fn, s), "") != 0);
    CHECK(wxa_value_set(&arg, WXA_STRING, s, big, &err) == WX_OK);
    CHECK(wxa_call(g.inst, &fn, &arg, 1, &res, &err) == WX_OK);
    CHECK(res.count == 1 && res.values[0].type == WXA_STRING &&
          res.values[0].of.buf.len == big &&
          memcmp(res.values[0].of.buf.data, s, big) == 0);
    wxa_results_free(&res);
    wxa_value_free(&arg);
    free(s);
    check_balance(&g, "a 300000-byte echo");

    /* The guest grows memory during the call: the host must re-read it. */
    fn_decl(&fn, "grow_echo", WX_ABI_BINDGEN, "string", NULL);
    CHECK_STR(run1(&g, &fn, "after growing"), "after growing");
    check_balance(&g, "grow_echo");

    fn_decl(&fn, "add", WX_ABI_BINDGEN, "i32 i32", NULL);
    CHECK_STR(run2(&g, &fn, "2", "40"), "42");
    CHECK_STR(run2(&g, &fn, "-5", "0x10"), "11");
    fn_decl(&fn, "add", WX_ABI_BINDGEN, "u32 u32", NULL);
    CHECK_STR(run2(&g, &fn, "-1", "1"),
              "ERR arg: argument 1: -1 does not fit u32 exactly");
    check_balance(&g, "add");

    /* Vectors: the len field is the element count. */
    fn_decl(&fn, "rev16", WX_ABI_BINDGEN, "vec<u16>", NULL);
    CHECK_STR(run1(&g, &fn, "1,2,65535"), "[65535,2,1]");
    CHECK_STR(run1(&g, &fn, ""), "[]");
    check_balance(&g, "rev16");

    /* A tuple, and an Err with the guest's message. */
    fn_decl(&fn, "divmod", WX_ABI_BINDGEN, "u32 u32", "u32 u32");
    CHECK_STR(run2(&g, &fn, "17", "5"), "3|2");
    check_balance(&g, "divmod");
    CHECK_STR(run2(&g, &fn, "7", "0"),
              "ERR guest: guest error: division by zero");
    check_balance(&g, "divmod's Err");
    fn_decl(&fn, "divmod", WX_ABI_BINDGEN, "u32 u32", "u32");
    CHECK_STR(run2(&g, &fn, "17", "5"),
              "ERR abi: divmod returned 2 values, but its results declare 1");
    rebase(&g);

    fn_decl(&fn, "unit", WX_ABI_BINDGEN, "string", NULL);
    CHECK_STR(run1(&g, &fn, "x"), "");
    check_balance(&g, "unit");

    /* Error messages are cut and cleaned of control bytes. */
    fn_decl(&fn, "ctrl_err", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR guest: guest error: line1?line2?[31mred");
    fn_decl(&fn, "long_err", WX_ABI_BINDGEN, "", NULL);
    const char *r = run_text(&g, &fn, NULL, 0);
    CHECK_PREFIX(r, "ERR guest: guest error: xxxxxxxx");
    CHECK(strlen(r) < 330 && strcmp(r + strlen(r) - 3, "...") == 0);
    check_balance(&g, "the error messages");

    /* Wrong argument counts: ours, then the guest's own check. */
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", NULL);
    CHECK_STR(run2(&g, &fn, "a", "b"),
              "ERR arg: echo: expected 1 argument, got 2");
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string string", NULL);
    CHECK_STR(run2(&g, &fn, "a", "b"),
              "ERR guest: guest error: Invalid params count");
    rebase(&g);

    fn_decl(&fn, "trap", WX_ABI_BINDGEN, "", NULL);
    CHECK_PREFIX(run_text(&g, &fn, NULL, 0), "ERR trap: in trap(");
    guest_close(&g);
}

static void test_malicious(bool bind)
{
    static const char *const bad[] = {
        "bad_desc_far", "bad_desc_edge",    "bad_flag",      "bad_triples",
        "bad_count",    "bad_triples_edge", "bad_code",      "bad_size",
        "bad_vptr",     "bad_vlen",         "bad_vlen_edge", "bad_err",
        "bad_err_len",  "bad_bool",         "bad_char",      "bad_vec",
    };
    guest g;
    if (!guest_open(&g, dir, "bindgen.wasm")) {
        CHECK(!"bindgen.wasm");
        return;
    }
    g.bind = bind;
    wxa_fn fn;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fn_decl(&fn, bad[i], WX_ABI_BINDGEN, "", NULL);
        const char *r = run_text(&g, &fn, NULL, 0);
        CHECK_MSG(strncmp(r, "ERR abi: ", 9) == 0, "%s: %s", bad[i], r);
    }
    fn_decl(&fn, "bad_desc_far", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_desc_far returned the result descriptor "
              "4294967280, outside memory (65536 bytes)");
    fn_decl(&fn, "bad_count", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_count returned 2147483647 values (at most 64)");
    fn_decl(&fn, "bad_code", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_code: result 1: unknown type code 99");
    fn_decl(&fn, "bad_size", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_size: result 1: a i32 takes 4 bytes, the guest "
              "says 3");
    fn_decl(&fn, "bad_vlen", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_vlen: result 1: value at 4096 (4294967295 "
              "bytes) is outside memory (65536 bytes)");
    fn_decl(&fn, "bad_bool", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_bool: result 1: 7 is not a bool (0 or 1)");
    fn_decl(&fn, "bad_char", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: bad_char: result 1: 55296 is not a Unicode scalar "
              "value");
    fn_decl(&fn, "bad_err", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: guest error message at 4294967295 (10 bytes) is "
              "outside memory (65536 bytes)");

    /* allocate handing out a pointer outside memory. */
    wx_wasm_func *set = wx_instance_func(g.inst, "set_bad_alloc");
    wx_wasm_val one = wx_wasm_i32(1), zero = wx_wasm_i32(0);
    CHECK(wx_call(set, &one, 1, NULL, 0, NULL) == WX_OK);
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", NULL);
    CHECK_STR(run1(&g, &fn, "x"),
              "ERR abi: allocate(8) returned 4294967040, outside memory "
              "(65536 bytes)");
    CHECK(wx_call(set, &zero, 1, NULL, 0, NULL) == WX_OK);
    CHECK_STR(run1(&g, &fn, "still works"), "still works");
    guest_close(&g);
}

/* (module (memory (export "memory") 1)
 *   (func (export "allocate") (param i64) (result i32) (i32.const 16))
 *   (func (export "deallocate") (param i32 i32))
 *   (func (export "f") (param i32 i32) (result i32) (i32.const 0)))
 * made by wat2wasm: an allocate of the wrong type, never checked. */
static const uint8_t mistyped_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
    0x01, 0x7e, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x05, 0x03, 0x01,
    0x00, 0x01, 0x07, 0x26, 0x04, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
    0x02, 0x00, 0x08, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x61, 0x74, 0x65, 0x00,
    0x00, 0x0a, 0x64, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x61, 0x74, 0x65,
    0x00, 0x01, 0x01, 0x66, 0x00, 0x02, 0x0a, 0x0e, 0x03, 0x04, 0x00, 0x41,
    0x10, 0x0b, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b,
};

/* A bound function on instances it was not bound for, or after its name
 * changed: the recorded export indices must not be used there. Helpers
 * found by name with the wrong type are refused, not called unchecked. */
static void test_bound(void)
{
    leaked = 0;
    guest a, b, rust;
    if (!guest_open(&a, dir, "bindgen.wasm") ||
        !guest_open(&b, dir, "bindgen.wasm") ||
        !guest_open(&rust, dir, "rust_bindgen_bare.wasm")) {
        CHECK(!"bindgen.wasm, rust_bindgen_bare.wasm");
        return;
    }
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, "string", "string");
    CHECK(wxa_fn_bind(a.m, &fn, NULL, NULL, &err) == WX_OK);
    CHECK_STR(run1(&a, &fn, "on a"), "on a");
    check_balance(&a, "a bound echo");
    /* Another instance of the same module: the indices hold. */
    CHECK_STR(run1(&b, &fn, "on b"), "on b");
    check_balance(&b, "a bound echo on a second instance");
    /* Another module, whose exports are elsewhere: found by name. */
    int32_t live = guest_i32(&rust, "live_allocs");
    CHECK_STR(run1(&rust, &fn, "on rust"), "on rust");
    CHECK(guest_i32(&rust, "live_allocs") == live);

    /* A new name after binding is looked up, not taken from the record:
     * unit(String) -> () returns nothing where echo would echo. */
    fn.name = "unit";
    fn.has_results = false;
    CHECK_STR(run1(&a, &fn, "x"), "");
    check_balance(&a, "unit after a rename");

    /* An export of another type than bindgen's, found by name. */
    fn_decl(&fn, "allocs", WX_ABI_BINDGEN, "", NULL);
    CHECK_STR(run_text(&a, &fn, NULL, 0),
              "ERR arg: allocs: a bindgen export has type (i32, i32) -> i32 "
              "(or -> () in the legacy form)");
    check_balance(&a, "a refused export");

    /* allocate (i64) -> i32: refused before any guest call. */
    wx_module *m =
        wx_module_load(mistyped_wasm, sizeof mistyped_wasm, NULL, &err);
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    CHECK(inst != NULL);
    if (inst) {
        fn_decl(&fn, "f", WX_ABI_BINDGEN, "", NULL);
        CHECK(wxa_fn_bind(m, &fn, NULL, NULL, &err) == WX_EINVALID);
        wxa_results res;
        CHECK(wxa_call(inst, &fn, NULL, 0, &res, &err) == WX_ENOEXPORT);
        CHECK_STR(err.message,
                  "f: the bindgen abi needs the exports allocate (i32) -> "
                  "i32, deallocate (i32, i32) -> () and memory");
    }
    wx_instance_free(inst);
    wx_module_free(m);
    guest_close(&a);
    guest_close(&b);
    guest_close(&rust);
}

static void test_check(void)
{
    guest g;
    if (!guest_open(&g, dir, "bindgen.wasm")) {
        CHECK(!"bindgen.wasm");
        return;
    }
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, "not_bindgen", WX_ABI_BINDGEN, "i32", NULL);
    CHECK(wxa_fn_check_named(g.m, &fn, "functions[2]", "b.wasm", &err) ==
          WX_EINVALID);
    CHECK_STR(err.message,
              "functions[2]: \"not_bindgen\" has type (i32) -> i32, but a "
              "bindgen function has type (i32, i32) -> i32 (or (i32, i32) "
              "-> () in the legacy 0.1 form)");
    fn_decl(&fn, "echo", WX_ABI_BINDGEN, NULL, NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "\"echo\": a bindgen function needs its params "
                           "declared (the module does not say them)");
    fn_decl(&fn, "missing", WX_ABI_BINDGEN, "string", NULL);
    CHECK(wxa_fn_check_named(g.m, &fn, "functions[0]", "b.wasm", &err) ==
          WX_ENOEXPORT);
    CHECK_PREFIX(err.message, "functions[0]: \"missing\" is not exported by "
                              "b.wasm (exports: allocate, deallocate, "
                              "allocs, ");
    guest_close(&g);

    /* A module without allocate cannot be a bindgen module. */
    if (!guest_open(&g, dir, "numeric.wasm")) {
        CHECK(!"numeric.wasm");
        return;
    }
    fn_decl(&fn, "add", WX_ABI_BINDGEN, "i32", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "the bindgen abi needs the exports allocate "
                           "(i32) -> i32 and deallocate (i32, i32) -> ()");
    guest_close(&g);
}

/* ---------------------------------------------------------------- legacy */

static void test_legacy(void)
{
    leaked = 0;
    guest g;
    if (!guest_open(&g, dir, "legacy.wasm")) {
        CHECK(!"legacy.wasm");
        return;
    }
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, "say", WX_ABI_BINDGEN, "string", "string");
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message,
              "\"say\" uses the legacy bindgen 0.1 form: its results need "
              "wxa_linker_add_bindgen_legacy and fn->legacy");
    fn.legacy = g.hub;
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_OK);
    CHECK_STR(run1(&g, &fn, "legacy"), "hello legacy");
    CHECK_STR(run1(&g, &fn, ""), "hello ");
    check_balance(&g, "say");

    fn_decl(&fn, "pair", WX_ABI_BINDGEN, "i32 i32", NULL);
    fn.legacy = g.hub;
    CHECK_STR(run2(&g, &fn, "6", "-7"), "-1|-42");
    check_balance(&g, "pair");

    fn_decl(&fn, "fail", WX_ABI_BINDGEN, "", NULL);
    fn.legacy = g.hub;
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR guest: guest error: legacy failure");
    check_balance(&g, "fail");

    fn_decl(&fn, "none", WX_ABI_BINDGEN, "", NULL);
    fn.legacy = g.hub;
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: none returned without calling "
              "wasmedge-bindgen.return_result or return_error");
    fn_decl(&fn, "twice", WX_ABI_BINDGEN, "", NULL);
    fn.legacy = g.hub;
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: in twice(1, 0): twice: wasmedge-bindgen."
              "return_result called after the result was already returned");
    fn_decl(&fn, "bad", WX_ABI_BINDGEN, "", NULL);
    fn.legacy = g.hub;
    CHECK_PREFIX(run_text(&g, &fn, NULL, 0),
                 "ERR abi: in bad(1, 0): bad: result records at 4294967280");
    fn_decl(&fn, "bad_err", WX_ABI_BINDGEN, "", NULL);
    fn.legacy = g.hub;
    CHECK_STR(run_text(&g, &fn, NULL, 0),
              "ERR abi: in bad_err(1, 0): guest error message at 65530 "
              "(100 bytes) is outside memory (65536 bytes)");

    /* The import called from outside any bindgen call. */
    wx_extern ext;
    CHECK(wx_linker_lookup(g.l, "wasmedge-bindgen", "return_result", &ext));
    wx_wasm_val args[2] = {wx_wasm_i32(0), wx_wasm_i32(0)};
    CHECK(wx_call(ext.of.func, args, 2, NULL, 0, &err) == WX_EABI);
    CHECK_STR(err.message, "wasmedge-bindgen.return_result called outside "
                           "a bindgen call");
    guest_close(&g);
}

/* Several threads, each with its own instance of one module and one
 * linker (so one hub), run legacy calls at the same time; each must get
 * its own results. */
typedef struct worker {
    wx_instance *inst;
    wxa_legacy *hub;
    int id, failures;
} worker;

static void *legacy_worker(void *arg)
{
    worker *w = arg;
    wxa_fn fn;
    fn_decl(&fn, "say", WX_ABI_BINDGEN, "string", "string");
    fn.legacy = w->hub;
    for (int i = 0; i < 300; i++) {
        char in[64], want[80];
        snprintf(in, sizeof in, "w%d-%d", w->id, i);
        snprintf(want, sizeof want, "hello %s", in);
        wxa_value v;
        wxa_results res;
        wx_error err;
        if (wxa_value_set(&v, WXA_STRING, in, strlen(in), &err) != WX_OK ||
            wxa_call(w->inst, &fn, &v, 1, &res, &err) != WX_OK) {
            w->failures++;
            wxa_value_free(&v);
            continue;
        }
        if (res.count != 1 || strcmp(res.values[0].of.buf.data, want) != 0)
            w->failures++;
        wxa_results_free(&res);
        wxa_value_free(&v);
    }
    return NULL;
}

static void test_legacy_threads(void)
{
    guest g;
    if (!guest_open(&g, dir, "legacy.wasm")) {
        CHECK(!"legacy.wasm");
        return;
    }
    enum { N = 4 };
    worker w[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){.hub = g.hub, .id = i};
        w[i].inst = wx_instantiate(g.m, g.l, NULL, NULL);
        CHECK(w[i].inst != NULL);
    }
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, legacy_worker, &w[i]);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CHECK_MSG(w[i].failures == 0, "worker %d: %d failures", i,
                  w[i].failures);
        wx_instance_free(w[i].inst);
    }
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_good(false);
    test_good(true);
    test_malicious(false);
    test_malicious(true);
    test_bound();
    test_check();
    test_legacy();
    test_legacy_threads();
    return CHECK_DONE();
}
