/*
 * The numeric ABI (numeric.wat, the C guest) and the load-time check with
 * its messages.
 */
#include "abi_test.h"

static const char *dir;

static const char *call(guest *g, const char *name, const char *params,
                        const char *results, const char *a, const char *b)
{
    wxa_fn fn;
    fn_decl(&fn, name, WX_ABI_NUMERIC, params, results);
    const char *args[2] = {a, b};
    return run_text(g, &fn, args, b ? 2 : a ? 1 : 0);
}

static void test_calls(void)
{
    guest g;
    if (!guest_open(&g, dir, "numeric.wasm")) {
        CHECK(!"numeric.wasm");
        return;
    }
    CHECK_STR(call(&g, "add", NULL, NULL, "2", "40"), "42");
    CHECK_STR(call(&g, "add", NULL, NULL, "0x7fffffff", "1"), "-2147483648");
    CHECK_STR(call(&g, "add", NULL, NULL, "1099511627776", "1"),
              "ERR arg: argument 1: 1099511627776 does not fit i32 exactly");
    CHECK_STR(call(&g, "add", NULL, NULL, "2", NULL),
              "ERR arg: add: expected 2 arguments, got 1");
    CHECK_STR(call(&g, "add", "u32 u32", "u32", "4294967295", "0"),
              "4294967295");
    CHECK_STR(call(&g, "add", "u32 u32", "u32", "4294967295", "1"), "0");
    CHECK_STR(call(&g, "add", "u8 i16", "i32", "255", "-300"), "-45");
    CHECK_STR(call(&g, "add64", NULL, NULL, "9223372036854775807", "1"),
              "-9223372036854775808");
    CHECK_STR(call(&g, "id64", "u64", "u64", "18446744073709551615", NULL),
              "18446744073709551615");
    CHECK_STR(call(&g, "mulf", NULL, NULL, "1.5", "2"), "3");
    CHECK_STR(call(&g, "divf", NULL, NULL, "1", "3"), "0.3333333333333333");
    CHECK_STR(call(&g, "divmod", NULL, NULL, "17", "5"), "3|2");
    CHECK_STR(call(&g, "divmod", NULL, "u32 u32", "17", "5"), "3|2");
    CHECK_PREFIX(call(&g, "divmod", NULL, NULL, "1", "0"),
                 "ERR trap: trap: integer divide by zero");
    CHECK_STR(call(&g, "nothing", NULL, NULL, NULL, NULL), "");

    /* Results must fit their declared types too (the guest's fault). */
    CHECK_STR(call(&g, "id32", "i32", "i8", "-5", NULL), "-5");
    CHECK_STR(call(&g, "id32", "i32", "i8", "300", NULL),
              "ERR abi: result 1: 300 does not fit i8 exactly");
    CHECK_STR(call(&g, "id32", "i32", "u16", "-1", NULL),
              "ERR abi: result 1: 4294967295 does not fit u16 exactly");
    CHECK_STR(call(&g, "id32", "bool", "bool", "true", NULL), "true");
    CHECK_STR(call(&g, "id32", "i32", "bool", "2", NULL),
              "ERR abi: result 1: 2 is not a bool (0 or 1)");
    CHECK_STR(call(&g, "id32", "char", "char", "\xc3\xa9", NULL), "\xc3\xa9");
    CHECK_STR(call(&g, "id32", "i32", "char", "55296", NULL),
              "ERR abi: result 1: 55296 is not a Unicode scalar value");

    /* Values of other types convert with the exact-fit rule. */
    wxa_fn fn;
    wx_error err;
    wxa_results res;
    fn_decl(&fn, "add", WX_ABI_NUMERIC, NULL, NULL);
    wxa_value args[2] = {wxa_value_int(WXA_I64, INT64_C(1) << 40),
                         wxa_value_int(WXA_I32, 1)};
    CHECK(wxa_call(g.inst, &fn, args, 2, &res, &err) == WX_EARG);
    CHECK_STR(err.message,
              "argument 1: 1099511627776 does not fit i32 exactly");
    args[0] = wxa_value_f64(3.5);
    CHECK(wxa_call(g.inst, &fn, args, 2, &res, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 1: 3.5 does not fit i32 exactly");
    args[0] = wxa_value_f64(25.0);
    CHECK(wxa_call(g.inst, &fn, args, 2, &res, &err) == WX_OK);
    CHECK(res.count == 1 && res.values[0].type == WXA_I32 &&
          res.values[0].of.i == 26);
    wxa_results_free(&res);
    CHECK(wxa_value_set(&args[0], WXA_STRING, "25", 2, &err) == WX_OK);
    CHECK(wxa_call(g.inst, &fn, args, 2, &res, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 1: expected i32, got string");
    wxa_value_free(&args[0]);
    fn.name = "absent";
    CHECK(wxa_call(g.inst, &fn, NULL, 0, &res, &err) == WX_ENOEXPORT);
    guest_close(&g);
}

static void test_check(void)
{
    guest g;
    if (!guest_open(&g, dir, "numeric.wasm")) {
        CHECK(!"numeric.wasm");
        return;
    }
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, "rank", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_check_named(g.m, &fn, "functions[1]", "car.wasm", &err) ==
          WX_ENOEXPORT);
    CHECK_STR(err.message,
              "functions[1]: \"rank\" is not exported by car.wasm (exports: "
              "add, add64, mulf, divf, divmod, id32, id64, nothing, ref)");
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_ENOEXPORT);
    CHECK_PREFIX(err.message, "\"rank\" is not exported by the module "
                              "(exports: add,");
    char list[24];
    CHECK(wxa_export_list(g.m, list, sizeof list) == 9);
    CHECK_STR(list, "add, add64, mulf, ...");

    fn_decl(&fn, "memory", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_check_named(g.m, &fn, "functions[0]", "n.wasm", &err) ==
          WX_EINVALID);
    CHECK_STR(err.message, "functions[0]: \"memory\" is exported by n.wasm, "
                           "but not as a function");
    /* A reference is json in the numeric abi (only null goes in). */
    fn_decl(&fn, "ref", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_OK);
    fn_decl(&fn, "ref", WX_ABI_NUMERIC, "i32", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is i32, but \"ref\" has externref "
                           "there (type (externref) -> ())");
    fn_decl(&fn, "id32", WX_ABI_NUMERIC, "json", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is json, which the numeric abi "
                           "cannot pass (use bindgen or cstring)");
    fn_decl(&fn, "add", WX_ABI_NUMERIC, "i64 i32", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is i64, but \"add\" has i32 there "
                           "(type (i32, i32) -> i32)");
    fn_decl(&fn, "add", WX_ABI_NUMERIC, "string i32", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is string, which the numeric abi "
                           "cannot pass (use bindgen or cstring)");
    fn_decl(&fn, "add", WX_ABI_NUMERIC, "i32", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params declares 1 params, but \"add\" has type "
                           "(i32, i32) -> i32");
    fn_decl(&fn, "add", WX_ABI_NUMERIC, NULL, "f32");
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "results[0] is f32, but \"add\" has i32 there "
                           "(type (i32, i32) -> i32)");
    fn_decl(&fn, "add", WX_ABI_NUMERIC, "u8 bool", "char");
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_OK);

    /* bind fills in what the signature implies. */
    fn_decl(&fn, "divmod", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_bind(g.m, &fn, NULL, NULL, &err) == WX_OK);
    CHECK(fn.has_params && fn.nparams == 2 && fn.params[0] == WXA_I32);
    CHECK(fn.has_results && fn.nresults == 2 && fn.results[1] == WXA_I32);
    fn_decl(&fn, "add", WX_ABI_NUMERIC, "u32 u32", NULL);
    CHECK(wxa_fn_bind(g.m, &fn, NULL, NULL, &err) == WX_OK);
    CHECK(fn.params[0] == WXA_U32 && fn.nresults == 1 &&
          fn.results[0] == WXA_I32);

    const char *bad[] = {"i32", "float"};
    CHECK(wxa_fn_declare(&fn, false, bad, 2, &err) == WX_EARG);
    CHECK_PREFIX(err.message, "params[1]: unknown type \"float\"");
    guest_close(&g);
}

/* A v128 is bytes of exactly 16, in memory order; a reference result is
 * json describing it, and only a json null goes in (numeric_wide.wat). */
static void test_wide(void)
{
    guest g;
    if (!guest_open(&g, dir, "numeric_wide.wasm")) {
        CHECK(!"numeric_wide.wasm");
        return;
    }
    CHECK_STR(call(&g, "vswap", NULL, NULL,
                   "hex:000102030405060708090a0b0c0d0e0f", NULL),
              "08090a0b0c0d0e0f0001020304050607");
    CHECK_STR(call(&g, "vswap", "bytes", "bytes",
                   "hex:000102030405060708090a0b0c0d0e0f", NULL),
              "08090a0b0c0d0e0f0001020304050607");
    CHECK_STR(call(&g, "vswap", NULL, NULL, "hex:0001", NULL),
              "ERR arg: argument 1: a v128 takes exactly 16 bytes, got 2");
    CHECK_STR(call(&g, "fref", NULL, NULL, "1", NULL), "{\"ref\":\"func\"}");
    CHECK_STR(call(&g, "fref", NULL, NULL, "0", NULL), "null");
    CHECK_STR(call(&g, "isnull", NULL, NULL, " null ", NULL), "1");
    CHECK_STR(call(&g, "isnull", NULL, NULL, "{\"ref\":\"extern\"}", NULL),
              "ERR arg: argument 1: only null can pass as externref (a "
              "reference cannot come from outside the instance)");

    /* bind gives them bytes and json; a declared number is refused. */
    wxa_fn fn;
    wx_error err;
    fn_decl(&fn, "fref", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_bind(g.m, &fn, NULL, NULL, &err) == WX_OK);
    CHECK(fn.nresults == 1 && fn.results[0] == WXA_JSON);
    fn_decl(&fn, "vswap", WX_ABI_NUMERIC, NULL, NULL);
    CHECK(wxa_fn_bind(g.m, &fn, NULL, NULL, &err) == WX_OK);
    CHECK(fn.nparams == 1 && fn.params[0] == WXA_BYTES &&
          fn.results[0] == WXA_BYTES);
    fn_decl(&fn, "vswap", WX_ABI_NUMERIC, "i64", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is i64, but \"vswap\" has v128 there "
                           "(type (v128) -> v128)");
    fn_decl(&fn, "vswap", WX_ABI_NUMERIC, "string", NULL);
    CHECK(wxa_fn_check(g.m, &fn, &err) == WX_EINVALID);
    CHECK_STR(err.message, "params[0] is string, which the numeric abi "
                           "cannot pass (use bindgen or cstring)");
    guest_close(&g);
}

static void test_c_guest(void)
{
    guest g;
    if (!guest_open(&g, dir, "cguest.wasm")) {
        CHECK(!"cguest.wasm");
        return;
    }
    /* A wasi-libc reactor: _initialize runs its constructors first. */
    wx_wasm_func *init = wx_instance_func(g.inst, "_initialize");
    CHECK(init && wx_call(init, NULL, 0, NULL, 0, NULL) == WX_OK);
    CHECK_STR(call(&g, "gcd", NULL, NULL, "12", "-18"), "6");
    CHECK_STR(call(&g, "scale", NULL, NULL, "1.5", "4"), "6");
    CHECK_STR(call(&g, "scale", "f64 i64", "f64", "0.25", "-8"), "-2");
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_calls();
    test_check();
    test_wide();
    test_c_guest();
    return CHECK_DONE();
}
