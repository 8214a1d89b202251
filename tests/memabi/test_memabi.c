/*
 * The memory ABI through the ABI layer, on one instance per guest, so
 * that the guest's count of live blocks (its export live()) shows after
 * every call that each buffer went back: every shape in WAT, C and Rust,
 * results that lie about pointers and lengths, allocators that fail or
 * trap, a free that traps, and the load-time checks against the module.
 * After each failure the next call on the same instance works.
 */
#include "abi_test.h"
#include "memabi.h"

static const char *dir;

/* A memory description built from its config spellings. */
typedef struct spec {
    wxa_memabi ma;
    char alloc[64], free[64];
} spec;

static void helper(spec *sp, const char *text, bool is_free)
{
    size_t n = 0;
    int form = 0;
    char why[200];
    if (!text)
        return;
    bool ok =
        wxa_memabi_parse_helper(text, is_free, &n, &form, why, sizeof why);
    CHECK_MSG(ok, "%s: %s", text, why);
    char *dst = is_free ? sp->free : sp->alloc;
    snprintf(dst, 64, "%.*s", (int)n, text);
    if (is_free) {
        sp->ma.free = (wxa_free_form)form;
        sp->ma.free_name = n ? sp->free : NULL;
    } else {
        sp->ma.alloc = (wxa_alloc_form)form;
        sp->ma.alloc_name = sp->alloc;
    }
}

/* alloc and free spelt as in a config (NULL: none), shapes space-separated
 * ("ptr_len value"), the result's shape; free_params and free_result as
 * the config's defaults. */
static void spec_init(spec *sp, const char *alloc, const char *free,
                      const char *shapes, const char *result)
{
    memset(sp, 0, sizeof *sp);
    sp->ma.align = 1;
    helper(sp, alloc, false);
    helper(sp, free ? free : "none", true);
    char buf[256], why[200];
    snprintf(buf, sizeof buf, "%s", shapes ? shapes : "");
    uint32_t size;
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
        bool ok =
            wxa_memabi_parse_shape(t, false, &sp->ma.params[sp->ma.nparams++],
                                   &size, why, sizeof why);
        CHECK_MSG(ok, "%s: %s", t, why);
    }
    bool ok = wxa_memabi_parse_shape(result, true, &sp->ma.result,
                                     &sp->ma.result_size, why, sizeof why);
    CHECK_MSG(ok, "%s: %s", result, why);
    sp->ma.free_params = sp->ma.free != WXA_FREE_NONE;
    sp->ma.free_result = sp->ma.free != WXA_FREE_NONE &&
                         wxa_memabi_result_in_guest(sp->ma.result);
}

/* The guest's allocator and free, per guest. */
typedef struct helpers {
    const char *alloc, *free;
} helpers;

static const helpers wat = {"allocate(size)", "deallocate(ptr, size)"};
static const helpers cfns = {"alloc_buf(size)", "free_buf(ptr)"};
static const helpers rust = {"mem_alloc(size, align)",
                             "mem_free(ptr, size, align)"};

/* Checks fn against the module, then calls it with text arguments:
 * "CHECK: <message>" for a refusal at load time, else as run_text. */
static const char *call_spec(guest *g, const char *name, const char *params,
                             const char *results, const spec *sp,
                             const char *const *args, size_t n)
{
    static char out[600];
    wxa_fn fn;
    fn_decl(&fn, name, WX_ABI_MEMORY, params, results);
    fn.memory = &sp->ma;
    wx_error err;
    if (wxa_fn_check(g->m, &fn, &err) != WX_OK) {
        snprintf(out, sizeof out, "CHECK: %s", err.message);
        return out;
    }
    return run_text(g, &fn, args, n);
}

static const char *call(guest *g, const helpers *h, const char *name,
                        const char *params, const char *results,
                        const char *shapes, const char *result,
                        const char *const *args, size_t n)
{
    spec sp;
    spec_init(&sp, h->alloc, h->free, shapes, result);
    return call_spec(g, name, params, results, &sp, args, n);
}

static void check_live(guest *g, int32_t want, const char *after)
{
    int32_t live = guest_i32(g, "live");
    CHECK_MSG(live == want, "after %s: %d live blocks, want %d", after, live,
              want);
}

#define ARGS(...) ((const char *[]){__VA_ARGS__})
#define NARGS(...) (sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *))
#define CALL(g, h, name, params, results, shapes, result, ...)                \
    call(g, h, name, params, results, shapes, result, ARGS(__VA_ARGS__),      \
         NARGS(__VA_ARGS__))

static bool open_guest(guest *g, const char *file)
{
    if (!guest_open(g, dir, file)) {
        CHECK_MSG(0, "cannot open %s", file);
        return false;
    }
    /* A reactor's set-up (wasi-libc), as the manager runs it. */
    wx_wasm_func *init = wx_instance_func(g->inst, "_initialize");
    if (init)
        CHECK(wx_call(init, NULL, 0, NULL, 0, NULL) == WX_OK);
    return true;
}

/* ------------------------------------------------------------- shapes */

static void test_wat_shapes(void)
{
    guest g;
    if (!open_guest(&g, "memwat.wasm"))
        return;
    CHECK_STR(CALL(&g, &wat, "upper", "string", "string", "ptr_len", "ptr_len",
                   "hello"),
              "HELLO");
    check_live(&g, 0, "upper");
    CHECK_STR(
        CALL(&g, &wat, "upper", "string", "string", "ptr_len", "ptr_len", ""),
        "");
    check_live(&g, 0, "upper of an empty string");
    CHECK_STR(CALL(&g, &wat, "upper64", "bytes", "string", "ptr_len",
                   "ptr_len", "hex:616263"),
              "ABC");
    check_live(&g, 0, "upper64");
    CHECK_STR(CALL(&g, &wat, "upper_lp64", "string", "json", "len_ptr",
                   "len_ptr", "[\"a\"]"),
              "[\"A\"]");
    CHECK_STR(CALL(&g, &wat, "upper_lp", "string", "string", "len_ptr",
                   "len_ptr", "xyz"),
              "XYZ");
    check_live(&g, 0, "upper_lp");
    CHECK_STR(CALL(&g, &wat, "weigh", "string i32", "i64", "ptr_len value",
                   "value", "ab", "2"),
              "390");
    check_live(&g, 0, "weigh");
    CHECK_STR(
        CALL(&g, &wat, "greet", "string", "string", "cstr", "cstr", "World"),
        "Hello, World!");
    check_live(&g, 0, "greet");
    CHECK_STR(CALL(&g, &wat, "reverse", "bytes", "bytes", "len_prefixed",
                   "len_prefixed", "hex:010203"),
              "030201");
    check_live(&g, 0, "reverse");
    CHECK_STR(
        CALL(&g, &wat, "stats", "string", "bytes", "ptr_len", "fixed:8", "ab"),
        "02000000c3000000");
    check_live(&g, 0, "stats");
    CHECK_STR(CALL(&g, &wat, "shout_into", "string", "string", "ptr_len",
                   "out_buffer:16", "hi there"),
              "HI THERE");
    check_live(&g, 0, "shout_into");
    /* A negative length is the guest's error: the instance is fine. */
    CHECK_STR(CALL(&g, &wat, "shout_into", "string", "string", "ptr_len",
                   "out_buffer:16", "fail"),
              "ERR guest: guest error: shout_into returned error code -7");
    CHECK_STR(CALL(&g, &wat, "shout_into", "string", "string", "ptr_len",
                   "out_buffer:4", "too long"),
              "ERR guest: guest error: shout_into returned error code -1");
    check_live(&g, 0, "shout_into's errors");

    /* A static result the host must leave alone. */
    spec sp;
    spec_init(&sp, wat.alloc, wat.free, "", "cstr");
    sp.ma.free_result = false;
    CHECK_STR(call_spec(&g, "motto", "", "string", &sp, NULL, 0), "static!");
    check_live(&g, 0, "motto");

    /* An argument the host refuses before any guest call. */
    CHECK_STR(CALL(&g, &wat, "weigh", "string i32", "i64", "ptr_len value",
                   "value", "ab", "2.5"),
              "ERR arg: argument 2: 2.5 does not fit i32 exactly");
    check_live(&g, 0, "refused arguments");
    guest_close(&g);
}

/* A string holding a NUL cannot travel as a cstr; the check comes before
 * anything is allocated. */
static void test_cstr_nul(void)
{
    guest g;
    if (!open_guest(&g, "memwat.wasm"))
        return;
    spec sp;
    spec_init(&sp, wat.alloc, wat.free, "cstr", "cstr");
    wxa_fn fn;
    fn_decl(&fn, "greet", WX_ABI_MEMORY, "string", "string");
    fn.memory = &sp.ma;
    wxa_value v = {.type = WXA_STRING};
    v.of.buf.data = "a\0b";
    v.of.buf.len = 3;
    wxa_results res;
    wx_error err;
    CHECK(wxa_call(g.inst, &fn, &v, 1, &res, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 1: holds a NUL byte (at 1), which the "
                           "cstr shape cannot pass");
    check_live(&g, 0, "a NUL in a cstr");
    guest_close(&g);
}

static void test_c_shapes(void)
{
    guest g;
    if (!open_guest(&g, "memc.wasm"))
        return;
    CHECK_STR(CALL(&g, &cfns, "join", "string string", "string", "cstr cstr",
                   "cstr", "hello", "world"),
              "hello world");
    check_live(&g, 0, "join");
    CHECK_STR(CALL(&g, &cfns, "hex", "bytes", "string", "ptr_len", "len_ptr",
                   "hex:00ff10"),
              "00ff10");
    CHECK_STR(CALL(&g, &cfns, "hex", "bytes", "string", "ptr_len", "len_ptr",
                   "hex:"),
              "");
    check_live(&g, 0, "hex");
    CHECK_STR(CALL(&g, &cfns, "title", "string", "string", "ptr_len",
                   "out_buffer:64", "the quick fox"),
              "The Quick Fox");
    CHECK_STR(CALL(&g, &cfns, "title", "string", "string", "ptr_len",
                   "out_buffer:8", "the quick fox"),
              "ERR guest: guest error: title returned error code -1");
    check_live(&g, 0, "title");
    CHECK_STR(CALL(&g, &cfns, "spaces", "string", "i32", "len_prefixed",
                   "value", "a b c"),
              "2");
    check_live(&g, 0, "spaces");
    CHECK_STR(
        CALL(&g, &cfns, "fnv", "string", "bytes", "ptr_len", "fixed:4", ""),
        "c59d1c81");
    CHECK_STR(
        CALL(&g, &cfns, "fnv", "string", "bytes", "ptr_len", "fixed:4", "a"),
        "2c290ce4");
    check_live(&g, 0, "fnv");
    spec sp;
    spec_init(&sp, cfns.alloc, cfns.free, "", "cstr");
    sp.ma.free_result = false;
    CHECK_STR(call_spec(&g, "version", "", "string", &sp, NULL, 0),
              "memc 1.0");
    check_live(&g, 0, "version");
    guest_close(&g);
}

static void test_rust_shapes(void)
{
    guest g;
    if (!open_guest(&g, "memrust.wasm"))
        return;
    int32_t base = guest_i32(&g, "live");
    CHECK_STR(CALL(&g, &rust, "shout", "string", "string", "ptr_len",
                   "ptr_len", "hey"),
              "HEY!");
    CHECK_STR(
        CALL(&g, &rust, "shout", "string", "string", "ptr_len", "ptr_len", ""),
        "!");
    check_live(&g, base, "shout");
    CHECK_STR(CALL(&g, &rust, "field", "string i32", "string", "ptr_len value",
                   "out_buffer:32", "a,bb,ccc", "1"),
              "bb");
    CHECK_STR(CALL(&g, &rust, "field", "string i32", "string", "ptr_len value",
                   "out_buffer:32", "a,bb,ccc", "5"),
              "ERR guest: guest error: field returned error code -1");
    CHECK_STR(CALL(&g, &rust, "field", "string i32", "string", "ptr_len value",
                   "out_buffer:2", "a,bb,ccc", "2"),
              "ERR guest: guest error: field returned error code -2");
    check_live(&g, base, "field");
    CHECK_STR(CALL(&g, &rust, "backwards", "string", "string", "len_prefixed",
                   "len_prefixed", "one two three"),
              "three two one");
    check_live(&g, base, "backwards");
    CHECK_STR(CALL(&g, &rust, "tally", "string", "bytes", "ptr_len", "fixed:8",
                   "a1b22"),
              "0500000003000000");
    check_live(&g, base, "tally");

    /* A length that lies: the argument still goes back; the result block,
     * whose size the guest lied about, stays the guest's. */
    CHECK_PREFIX(CALL(&g, &rust, "liar", "string", "string", "ptr_len",
                      "ptr_len", "xy"),
                 "ERR abi: liar returned (ptr ");
    check_live(&g, base + 1, "liar");
    /* A panic (a trap) after the host allocated the argument: the
     * argument goes back all the same. */
    CHECK_PREFIX(CALL(&g, &rust, "panics", "string", "string", "ptr_len",
                      "ptr_len", "x"),
                 "ERR trap: ");
    check_live(&g, base + 1, "panics");
    CHECK_STR(CALL(&g, &rust, "shout", "string", "string", "ptr_len",
                   "ptr_len", "again"),
              "AGAIN!");
    check_live(&g, base + 1, "shout after a panic");
    guest_close(&g);
}

/* ------------------------------------------------------------ hostile */

static void test_hostile_results(void)
{
    guest g;
    if (!open_guest(&g, "memwat.wasm"))
        return;
    CHECK_STR(CALL(&g, &wat, "past_end", "string", "string", "ptr_len",
                   "ptr_len", "abc"),
              "ERR abi: past_end returned (ptr 65530, len 100), outside "
              "memory (65536 bytes)");
    check_live(&g, 0, "past_end");
    CHECK_STR(CALL(&g, &wat, "wraps", "string", "string", "ptr_len", "ptr_len",
                   "abc"),
              "ERR abi: wraps returned the pointer 4294967280, outside "
              "memory (65536 bytes)");
    CHECK_STR(CALL(&g, &wat, "null_pair", "string", "string", "ptr_len",
                   "ptr_len", "abc"),
              "ERR abi: null_pair returned a null pointer");
    CHECK_STR(CALL(&g, &wat, "huge_prefix", "string", "string", "len_prefixed",
                   "len_prefixed", "abc"),
              "ERR abi: huge_prefix: the length prefix at 256 says "
              "2147483647 bytes, more than a result may have (16 MiB)");
    CHECK_STR(CALL(&g, &wat, "prefix_at_end", "string", "string",
                   "len_prefixed", "len_prefixed", "abc"),
              "ERR abi: prefix_at_end: the length prefix at 65534 is outside "
              "memory (65536 bytes)");
    CHECK_STR(CALL(&g, &wat, "fixed_at_end", "string", "bytes", "ptr_len",
                   "fixed:8", "abc"),
              "ERR abi: fixed_at_end returned 65532 for 8 bytes (fixed:8), "
              "past the end of memory (65536 bytes)");
    CHECK_STR(
        CALL(&g, &wat, "null_cstr", "string", "string", "cstr", "cstr", "abc"),
        "ERR abi: null_cstr returned a null pointer");
    CHECK_STR(CALL(&g, &wat, "overfill", "string", "string", "ptr_len",
                   "out_buffer:8", "abc"),
              "ERR abi: overfill says it wrote 9 bytes into an out buffer "
              "of 8");
    check_live(&g, 0, "the broken results");
    CHECK_PREFIX(CALL(&g, &wat, "trap_after", "string", "string", "ptr_len",
                      "ptr_len", "abc"),
                 "ERR trap: trap: unreachable in function ");
    check_live(&g, 0, "a trap after the argument went in");
    CHECK_STR(CALL(&g, &wat, "upper", "string", "string", "ptr_len", "ptr_len",
                   "still fine"),
              "STILL FINE");
    check_live(&g, 0, "upper after the hostile results");
    guest_close(&g);
}

static void test_hostile_helpers(void)
{
    guest g;
    if (!open_guest(&g, "memwat.wasm"))
        return;
    helpers zero = {"alloc_zero(size)", wat.free};
    helpers oob = {"alloc_oob(size)", wat.free};
    helpers trap = {"alloc_trap(size)", wat.free};
    helpers ftrap = {wat.alloc, "free_trap(ptr, size)"};
    CHECK_STR(CALL(&g, &zero, "upper", "string", "string", "ptr_len",
                   "ptr_len", "hello"),
              "ERR abi: alloc_zero(5) returned 0 (the guest's allocator "
              "failed)");
    CHECK_STR(CALL(&g, &oob, "upper", "string", "string", "ptr_len", "ptr_len",
                   "a string of 32 bytes, not fewer"),
              "ERR abi: alloc_oob(31) returned 65520, outside memory "
              "(65536 bytes)");
    CHECK_PREFIX(CALL(&g, &trap, "upper", "string", "string", "ptr_len",
                      "ptr_len", "hello"),
                 "ERR trap: in alloc_trap(5): ");
    check_live(&g, 0, "the failing allocators");
    CHECK_PREFIX(CALL(&g, &ftrap, "upper", "string", "string", "ptr_len",
                      "ptr_len", "hello"),
                 "ERR trap: upper: after the call: in free_trap(");
    CHECK_STR(CALL(&g, &wat, "upper", "string", "string", "ptr_len", "ptr_len",
                   "next"),
              "NEXT");
    guest_close(&g);
}

/* ------------------------------------------------------ load-time checks */

static void test_checks(void)
{
    guest g;
    if (!open_guest(&g, "memwat.wasm"))
        return;
    helpers wrong = {"alloc_wrong(size)", wat.free};
    helpers aligned = {"allocate(size, align)", wat.free};
    helpers missing = {"nope(size)", wat.free};
    helpers ptr_only = {wat.alloc, "deallocate(ptr)"};
    CHECK_STR(CALL(&g, &wrong, "upper", "string", "string", "ptr_len",
                   "ptr_len", "x"),
              "CHECK: memory.alloc: \"alloc_wrong(size)\" needs the export "
              "\"alloc_wrong\" of type (i32) -> i32, but it is (i64) -> i32");
    CHECK_STR(CALL(&g, &aligned, "upper", "string", "string", "ptr_len",
                   "ptr_len", "x"),
              "CHECK: memory.alloc: \"allocate(size, align)\" needs the "
              "export \"allocate\" of type (i32, i32) -> i32, but it is "
              "(i32) -> i32");
    CHECK_PREFIX(CALL(&g, &missing, "upper", "string", "string", "ptr_len",
                      "ptr_len", "x"),
                 "CHECK: memory.alloc: \"nope\" is not exported by the module "
                 "(exports: allocate, deallocate, live,");
    CHECK_STR(CALL(&g, &ptr_only, "upper", "string", "string", "ptr_len",
                   "ptr_len", "x"),
              "CHECK: memory.free: \"deallocate(ptr)\" needs the export "
              "\"deallocate\" of type (i32) -> (), but it is (i32, i32) -> "
              "()");
    CHECK_STR(
        CALL(&g, &wat, "upper", "string", "string", "ptr_len", "cstr", "x"),
        "CHECK: memory: \"upper\" has type (i32, i32) -> (i32, i32), "
        "but its params, results and shapes need (i32, i32) -> i32");
    CHECK_STR(
        CALL(&g, &wat, "greet", "string", "string", "ptr_len", "ptr_len", "x"),
        "CHECK: memory: \"greet\" has type (i32) -> i32, but its "
        "params, results and shapes need (i32, i32) -> (i32, i32) (or "
        "-> i64, the pair packed)");
    CHECK_STR(
        CALL(&g, &wat, "upper", "bytes", "string", "cstr", "ptr_len", "x"),
        "CHECK: memory.params[0]: \"cstr\" cannot carry params[0], a "
        "bytes (it takes string or json (bytes may hold a NUL))");
    CHECK_STR(CALL(&g, &wat, "upper", "string", "string", "ptr_len value",
                   "ptr_len", "x"),
              "CHECK: memory.params: 2 shapes for 1 param (one each)");
    CHECK_STR(
        CALL(&g, &wat, "upper", "string", "string", "ptr_len", "value", "x"),
        "CHECK: memory.result: required: results[0] is string, which "
        "comes through memory (choose value, ptr_len, len_ptr, cstr, "
        "len_prefixed, fixed:N, out_buffer:N)");
    helpers no_alloc = {NULL, wat.free};
    CHECK_STR(CALL(&g, &no_alloc, "upper", "string", "string", "ptr_len",
                   "ptr_len", "x"),
              "CHECK: memory.alloc: required: a parameter or the result "
              "takes guest memory from the host (\"NAME(size)\" or "
              "\"NAME(size, align)\")");
    guest_close(&g);

    /* The vocabulary's refusals. */
    size_t n;
    int form;
    char why[200];
    wxa_shape shape;
    uint32_t size;
    CHECK(!wxa_memabi_parse_helper("alloc(len)", false, &n, &form, why,
                                   sizeof why));
    CHECK_STR(why, "\"alloc(len)\" is not \"NAME(size)\" or \"NAME(size, "
                   "align)\"");
    CHECK(!wxa_memabi_parse_helper("free(ptr, size, align, x)", true, &n,
                                   &form, why, sizeof why));
    CHECK(wxa_memabi_parse_helper("my free(ptr,size)", true, &n, &form, why,
                                  sizeof why) &&
          n == 7 && form == WXA_FREE_PTR_SIZE);
    CHECK(!wxa_memabi_parse_shape("fixed", true, &shape, &size, why,
                                  sizeof why));
    CHECK_STR(why, "\"fixed\" needs its size in bytes: \"fixed:N\"");
    CHECK(!wxa_memabi_parse_shape("fixed:0", true, &shape, &size, why,
                                  sizeof why));
    CHECK_STR(why, "\"fixed:0\": the size must be a number of bytes from 1 "
                   "to 16777216");
    CHECK(!wxa_memabi_parse_shape("out_buffer:8", false, &shape, &size, why,
                                  sizeof why));
    CHECK_STR(why, "\"out_buffer:8\" is a result shape (parameters take "
                   "value, ptr_len, len_ptr, cstr, len_prefixed)");
    CHECK(wxa_memabi_parse_shape("out_buffer:4096", true, &shape, &size, why,
                                 sizeof why) &&
          shape == WXA_SHAPE_OUT_BUFFER && size == 4096);
}

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : ".";
    test_wat_shapes();
    test_cstr_nul();
    test_c_shapes();
    test_rust_shapes();
    test_hostile_results();
    test_hostile_helpers();
    test_checks();
    return CHECK_DONE();
}
