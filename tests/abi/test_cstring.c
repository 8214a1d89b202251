/*
 * The cstring ABI of eKuiper 1.x against cstring.wat (a counting malloc)
 * and the C guest: strings in through malloc, bytes as (ptr, len),
 * string results read up to their NUL and freed, broken results refused.
 */
#include "abi_test.h"

static const char *dir;

static const char *call(guest *g, const char *name, const char *params,
                        const char *results, const char *const *args, size_t n)
{
    wxa_fn fn;
    fn_decl(&fn, name, WX_ABI_CSTRING, params, results);
    wx_error err;
    if (wxa_fn_check(g->m, &fn, &err) != WX_OK) {
        static char out[400];
        snprintf(out, sizeof out, "CHECK: %s", err.message);
        return out;
    }
    return run_text(g, &fn, args, n);
}

static void check_balance(guest *g, const char *after)
{
    int32_t m = guest_i32(g, "mallocs"), f = guest_i32(g, "frees");
    CHECK_MSG(m == f, "after %s: %d mallocs, %d frees", after, m, f);
}

static void test_wat(void)
{
    guest g;
    if (!guest_open(&g, dir, "cstring.wasm")) {
        CHECK(!"cstring.wasm");
        return;
    }
    const char *world[] = {"World"}, *none[] = {""};
    CHECK_STR(call(&g, "greet", "string", "string", world, 1),
              "Hello, World!");
    check_balance(&g, "greet");
    CHECK_STR(call(&g, "greet", "string", "string", none, 1), "Hello, !");
    const char *obj[] = {"{\"a\":1}"};
    CHECK_STR(call(&g, "greet", "json", "string", obj, 1),
              "Hello, {\"a\":1}!");
    check_balance(&g, "greet");
    const char *abcd[] = {"abcd"};
    CHECK_STR(call(&g, "len", "string", NULL, abcd, 1), "4");
    CHECK_STR(call(&g, "len", "string", "u32", abcd, 1), "4");
    check_balance(&g, "len");
    const char *bytes[] = {"hex:0102ff"}, *nobytes[] = {"hex:"};
    CHECK_STR(call(&g, "sum_bytes", "bytes", NULL, bytes, 1), "258");
    CHECK_STR(call(&g, "sum_bytes", "bytes", "u64", nobytes, 1), "0");
    check_balance(&g, "sum_bytes");
    const char *mixed[] = {"abc", "2", "0.5"};
    CHECK_STR(call(&g, "mixed", "string i64 f64", "f64", mixed, 3), "6.5");
    const char *mixed_bad[] = {"abc", "2.5", "0.5"};
    CHECK_STR(call(&g, "mixed", "string i64 f64", "f64", mixed_bad, 3),
              "ERR arg: argument 2: 2.5 does not fit i64 exactly");
    /* The same refusal inside the call, after the string went in: the
     * string's buffer is given back. */
    wxa_fn fn;
    wx_error err;
    wxa_results res;
    fn_decl(&fn, "mixed", WX_ABI_CSTRING, "string i64 f64", "f64");
    wxa_value vals[3] = {
        {.type = WXA_STRING}, wxa_value_f64(2.5), wxa_value_f64(0.5)};
    vals[0].of.buf.data = "abc";
    vals[0].of.buf.len = 3;
    int32_t before = guest_i32(&g, "mallocs");
    CHECK(wxa_call(g.inst, &fn, vals, 3, &res, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 2: 2.5 does not fit i64 exactly");
    CHECK(guest_i32(&g, "mallocs") == before + 1);
    check_balance(&g, "a refused second argument");
    check_balance(&g, "mixed");

    /* Broken results. */
    CHECK_STR(call(&g, "bad_ptr", NULL, "string", NULL, 0),
              "ERR abi: bad_ptr returned the string pointer 4294967280, "
              "outside memory (65536 bytes)");
    CHECK_STR(call(&g, "null_str", NULL, "string", NULL, 0),
              "ERR abi: null_str returned a null string");
    CHECK_STR(call(&g, "no_nul", NULL, "string", NULL, 0),
              "ERR abi: no_nul: the string at 60000 has no NUL within 5536 "
              "bytes");
    CHECK_STR(call(&g, "long_str", NULL, "json", NULL, 0),
              "ERR abi: long_str: the string at 131072 has no NUL within "
              "16777217 bytes");

    /* Load-time checks. */
    CHECK_STR(call(&g, "greet", "vec<u8>", NULL, NULL, 0),
              "CHECK: params[0] is vec<u8>, which the cstring abi cannot "
              "pass");
    CHECK_STR(call(&g, "greet", "bytes", NULL, NULL, 0),
              "CHECK: params do not match \"greet\" of type (i32) -> i32 "
              "(cstring: string and json take one i32, bytes two)");
    CHECK_STR(call(&g, "sum_bytes", "string", NULL, NULL, 0),
              "CHECK: params declare 1 wasm values, but \"sum_bytes\" has "
              "type (i32, i32) -> i64");
    CHECK_STR(call(&g, "greet", "string", "bytes", NULL, 0),
              "CHECK: results[0] is bytes; a cstring result is a number, "
              "string or json");
    CHECK_STR(call(&g, "sum_bytes", "bytes", "string", NULL, 0),
              "CHECK: results[0] is string, but \"sum_bytes\" has type "
              "(i32, i32) -> i64");
    guest_close(&g);

    if (!guest_open(&g, dir, "numeric.wasm")) {
        CHECK(!"numeric.wasm");
        return;
    }
    CHECK_STR(call(&g, "id32", "string", NULL, NULL, 0),
              "CHECK: \"id32\" takes strings or bytes, so the module must "
              "export malloc (i32) -> i32");
    CHECK_STR(call(&g, "add", NULL, NULL, (const char *[]){"1", "2"}, 2), "3");
    guest_close(&g);
}

static void test_c(void)
{
    guest g;
    if (!guest_open(&g, dir, "cguest.wasm")) {
        CHECK(!"cguest.wasm");
        return;
    }
    wx_wasm_func *init = wx_instance_func(g.inst, "_initialize");
    CHECK(init && wx_call(init, NULL, 0, NULL, 0, NULL) == WX_OK);
    const char *hello[] = {"hello, wasm!"};
    CHECK_STR(call(&g, "upper", "string", "string", hello, 1), "HELLO, WASM!");
    /* Many calls: the guest's heap must not grow, since everything the
     * host hands in or gets back is freed. */
    wx_memory *mem = wx_instance_memory(g.inst, 0);
    uint32_t pages = wx_memory_pages(mem);
    char big[2000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *bigp[] = {big};
    for (int i = 0; i < 2000; i++) {
        const char *r = call(&g, "upper", "string", "string", bigp, 1);
        if (r[0] != 'Q' || strlen(r) != sizeof big - 1) {
            CHECK_MSG(0, "call %d: %.40s", i, r);
            break;
        }
    }
    CHECK_MSG(wx_memory_pages(mem) == pages, "memory grew from %u to %u pages",
              pages, wx_memory_pages(mem));
    const char *count[] = {"hex:61006161", "0x61"};
    CHECK_STR(call(&g, "count", "bytes i32", NULL, count, 2), "3");
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_wat();
    test_c();
    return CHECK_DONE();
}
