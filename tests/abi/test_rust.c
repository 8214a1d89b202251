/*
 * The bindgen ABI against a real Rust guest (tests/guests/rust_bindgen,
 * built by Debian's cargo for wasm32-wasi and wasm32-unknown-unknown):
 * the proposal's create_line with serde_json (its output as in
 * shared/bindgen/ABI.md), every parameter type, every result type, a
 * tuple, an Err, a panic. The guest counts its live heap allocations, so
 * each call can be checked to give back everything it was handed.
 */
#include "abi_test.h"

static const char *dir;

/* What the guest printed through WASI fd_write. */
static char output[4096];
static size_t output_len;

static void capture(int fd, const uint8_t *data, size_t len, void *ud)
{
    (void)fd, (void)ud;
    if (len > sizeof output - 1 - output_len)
        len = sizeof output - 1 - output_len;
    memcpy(output + output_len, data, len);
    output_len += len;
    output[output_len] = '\0';
}

static const wxa_wasi_min_opts wasi_opts = {capture, NULL};

/* Runs fn with the given texts and checks the result and that the
 * guest's live allocations are back where they were. */
static void expect(guest *g, const char *name, const char *params,
                   const char *results, const char *const *args, size_t n,
                   const char *want)
{
    wxa_fn fn;
    fn_decl(&fn, name, WX_ABI_BINDGEN, params, results);
    wx_error err;
    wx_status s = wxa_fn_check(g->m, &fn, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", name, err.message);
    int32_t before = guest_i32(g, "live_allocs");
    const char *got = run_text(g, &fn, args, n);
    CHECK_MSG(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", name, got,
              want);
    int32_t after = guest_i32(g, "live_allocs");
    CHECK_MSG(before == after, "%s: %d live allocations before, %d after",
              name, before, after);
}

/* `bind`: each function is bound to the module before its calls (the
 * manager's path: exports by recorded index) instead of only checked. */
static void test_guest(const char *file, bool wasi, bool bind)
{
    guest g;
    output_len = 0;
    output[0] = '\0';
    if (!guest_open_opts(&g, dir, file, &wasi_opts)) {
        CHECK_MSG(0, "cannot open %s", file);
        return;
    }
    g.bind = bind;
    printf("%s%s\n", file, bind ? ", bound" : "");

    const char *line[] = {"{\"x\":2.5,\"y\":7.8}", "{\"x\":2.5,\"y\":5.8}",
                          "A thin red line"};
    expect(&g, "create_line", "string string string", "string", line, 3,
           "{\"points\":[{\"x\":2.5,\"y\":7.8},{\"x\":2.5,\"y\":5.8}],"
           "\"valid\":true,\"length\":2.0,\"desc\":\"A thin red line\"}");
    const char *old[] = {"{\"x\":1.5,\"y\":3.8}", "{\"x\":2.5,\"y\":5.8}",
                         "A thin red line"};
    expect(&g, "create_line", "json json string", NULL, old, 3,
           "{\"points\":[{\"x\":1.5,\"y\":3.8},{\"x\":2.5,\"y\":5.8}],"
           "\"valid\":true,\"length\":2.2360682,\"desc\":\"A thin red "
           "line\"}");
    const char *say[] = {"bindgen funcs test"};
    expect(&g, "say", "string", NULL, say, 1, "hello bindgen funcs test");

    /* Every parameter type, at the edges of its range. */
    const char *ints[] = {"-128",
                          "255",
                          "-32768",
                          "65535",
                          "-2147483648",
                          "4294967295",
                          "-9223372036854775808",
                          "18446744073709551615"};
    expect(&g, "scalars", "i8 u8 i16 u16 i32 u32 i64 u64", "string", ints, 8,
           "-128 255 -32768 65535 -2147483648 4294967295 "
           "-9223372036854775808 18446744073709551615");
    const char *others[] = {"2.5", "-0.125", "true", "\xc3\xa9"};
    expect(&g, "others", "f32 f64 bool char", "string", others, 4,
           "2.5 -0.125 true \xc3\xa9");
    const char *vecs[] = {
        "-1,2",   "1,255",      "-300", "65535,0",
        "-70000", "4000000000", "-1",   "18446744073709551615"};
    expect(&g, "vecs",
           "vec<i8> vec<u8> vec<i16> vec<u16> vec<i32> vec<u32> vec<i64> "
           "vec<u64>",
           "string", vecs, 8,
           "[-1, 2] [1, 255] [-300] [65535, 0] [-70000] [4000000000] [-1] "
           "[18446744073709551615]");
    const char *empty[] = {"", "hex:", "", "", "", "", "", ""};
    expect(&g, "vecs",
           "vec<i8> bytes vec<i16> vec<u16> vec<i32> vec<u32> vec<i64> "
           "vec<u64>",
           NULL, empty, 8, "[] [] [] [] [] [] [] []");

    /* Every result type, as a tuple. */
    const char *x300[] = {"300"};
    expect(&g, "all_scalars", "i64", NULL, x300, 1,
           "44|44|300|300|300|300|300|300|75|75|true|\xc4\xac");
    expect(&g, "all_scalars", "i64",
           "u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 bool char", x300, 1,
           "44|44|300|300|300|300|300|300|75|75|true|\xc4\xac");
    const char *xm1[] = {"-1"};
    expect(&g, "all_scalars", "i64", NULL, xm1, 1,
           "255|-1|65535|-1|4294967295|-1|18446744073709551615|-1|-0.25|"
           "-0.25|true|?");
    const char *three[] = {"3"};
    expect(&g, "all_vecs", "u32", NULL, three, 1,
           "000102|[0,-1,-2]|[0,1000,2000]|[0,-1000,-2000]|"
           "[0,100000,200000]|[0,-100000,-200000]|"
           "[0,1099511627776,2199023255552]|"
           "[0,-1099511627776,-2199023255552]|3 each");
    expect(&g, "all_vecs", "u32",
           "vec<u8> vec<i8> vec<u16> vec<i16> vec<u32> vec<i32> vec<u64> "
           "vec<i64> string",
           three, 1,
           "[0,1,2]|[0,-1,-2]|[0,1000,2000]|[0,-1000,-2000]|"
           "[0,100000,200000]|[0,-100000,-200000]|"
           "[0,1099511627776,2199023255552]|"
           "[0,-1099511627776,-2199023255552]|3 each");
    const char *zero[] = {"0"};
    expect(&g, "all_vecs", "u32", NULL, zero, 1,
           "|[]|[]|[]|[]|[]|[]|[]|0 each");

    /* Result<T, String>: Ok and Err. */
    const char *div[] = {"7", "2"}, *div0[] = {"7", "0"};
    expect(&g, "checked_div", "i32 i32", "i32", div, 2, "3");
    expect(&g, "checked_div", "i32 i32", "i32", div0, 2,
           "ERR guest: guest error: cannot divide 7 by zero");

    const char *rev[] = {"hex:010203"};
    expect(&g, "reverse", "bytes", NULL, rev, 1, "030201");
    const char *js[] = {"{ \"a\" : [1, 2] }"};
    expect(&g, "pretty", "json", "json", js, 1, "{\"a\":[1,2]}");
    const char *bad_js[] = {"[1"};
    expect(&g, "pretty", "string", NULL, bad_js, 1,
           "ERR guest: guest error: bad json: EOF while parsing a list at "
           "line 1 column 2");
    const char *x[] = {"x"};
    expect(&g, "nothing", "string", NULL, x, 1, "");

    /* Rust's own parameter-count check (it leaks the arguments, as the
     * real macro does, so no balance check). */
    wxa_fn fn;
    fn_decl(&fn, "say", WX_ABI_BINDGEN, "string string", NULL);
    const char *two[] = {"a", "b"};
    CHECK_STR(run_text(&g, &fn, two, 2),
              "ERR guest: guest error: Invalid params count, expect 1, got 2");

    /* A panic traps; under WASI the message comes out on stderr first. */
    fn_decl(&fn, "boom", WX_ABI_BINDGEN, "string", NULL);
    const char *why[] = {"why"};
    CHECK_PREFIX(run_text(&g, &fn, why, 1), "ERR trap: in boom(");
    if (wasi)
        CHECK_MSG(strstr(output, "boom: why") != NULL, "stderr: \"%s\"",
                  output);
    else
        CHECK(output_len == 0);

    /* A numeric export beside the bindgen ones. */
    fn_decl(&fn, "square", WX_ABI_NUMERIC, NULL, NULL);
    const char *twelve[] = {"12"};
    CHECK_STR(run_text(&g, &fn, twelve, 1), "144");
    guest_close(&g);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_guest("rust_bindgen_wasi.wasm", true, false);
    test_guest("rust_bindgen_wasi.wasm", true, true);
    test_guest("rust_bindgen_bare.wasm", false, false);
    test_guest("rust_bindgen_bare.wasm", false, true);
    return CHECK_DONE();
}
