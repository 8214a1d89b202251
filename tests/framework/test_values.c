/*
 * The typed calls of the C API (wx_fn_call_values, on a handle kept or
 * made for one call) and the handle's description (wx_fn_describe):
 * every value type through real guests in each ABI (typed.wat: an
 * identity per type in bindgen and numeric form; tests/guests' bindgen.wat
 * and cstring.wat; math.wat), conversions by the exact-fit rule and
 * refusals that name the argument, results that free cleanly (run it
 * under ASan or valgrind), guest buffers all given back, two threads on
 * one handle, a handle following an update, and a deleted plugin.
 * argv[1] names the guest directory.
 */
#include "fixture.h"

#include <math.h>
#include <pthread.h>

static wx_manager *mgr;

/* ------------------------------------------------------------ helpers */

/* "vec<u16>" -> "vec_u16": the typed guest's export suffix. */
static void export_suffix(const char *type, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = type; *p && o + 1 < size; p++)
        if (*p != '>')
            buf[o++] = *p == '<' ? '_' : *p;
    buf[o] = '\0';
}

static bool is_numeric_type(wx_type t)
{
    return t <= WX_TYPE_CHAR;
}

/* The functions array of the "typed" plugin: b_<t> for every type, n_<t>
 * for the scalar ones, and the allocator's counters. */
static char *typed_functions(void)
{
    char *out = strdup("[\"allocs\",\"deallocs\",\"n_swap\"");
    for (int t = 0; t < WX_TYPE_COUNT_; t++) {
        char suffix[32];
        const char *name = wx_type_name((wx_type)t);
        export_suffix(name, suffix, sizeof suffix);
        for (int numeric = 0; numeric < 2; numeric++) {
            if (numeric && !is_numeric_type((wx_type)t))
                continue;
            char *more = fx_fmt("%s,{\"name\":\"%c_%s\",\"abi\":\"%s\","
                                "\"params\":[\"%s\"],\"results\":[\"%s\"]}",
                                out, numeric ? 'n' : 'b', suffix,
                                numeric ? "numeric" : "bindgen", name, name);
            free(out);
            out = more;
        }
    }
    char *done = fx_fmt("%s]", out);
    free(out);
    return done;
}

/* Whether two values are the same (floats bit for bit). */
static bool same_value(const wx_value *a, const wx_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WX_TYPE_F32: return memcmp(&a->of.f32, &b->of.f32, 4) == 0;
    case WX_TYPE_F64: return memcmp(&a->of.f64, &b->of.f64, 8) == 0;
    case WX_TYPE_BOOL: return a->of.b == b->of.b;
    case WX_TYPE_CHAR: return a->of.ch == b->of.ch;
    case WX_TYPE_STRING:
    case WX_TYPE_BYTES:
    case WX_TYPE_JSON:
        return a->of.buf.len == b->of.buf.len &&
               memcmp(a->of.buf.data, b->of.buf.data, a->of.buf.len) == 0;
    default:
        if (a->type >= WX_TYPE_VEC_I8) {
            static const size_t es[] = {1, 1, 2, 2, 4, 4, 8, 8};
            size_t n = a->of.vec.count * es[a->type - WX_TYPE_VEC_I8];
            return a->of.vec.count == b->of.vec.count &&
                   memcmp(a->of.vec.data, b->of.vec.data, n) == 0;
        }
        return a->of.u == b->of.u; /* integers: of.i and of.u alike */
    }
}

/* A sample value of every type, at the edge of its range. */
static const int8_t vi8[] = {-128, 0, 127};
static const uint8_t vu8[] = {0, 1, 255};
static const int16_t vi16[] = {-32768, -1, 32767};
static const uint16_t vu16[] = {0, 65535, 7};
static const int32_t vi32[] = {INT32_MIN, 0, INT32_MAX};
static const uint32_t vu32[] = {UINT32_MAX, 5};
static const int64_t vi64[] = {INT64_MIN, -1, INT64_MAX};
static const uint64_t vu64[] = {UINT64_MAX, 0, 1};
static const char utf8[] = "h\xc3\xa9llo\0w\xc3\xb6rld"; /* NUL inside */
static const char json_text[] = "{\"a\":[1,2.5,null],\"b\":\"\xc3\xa9\"}";
static const uint8_t blob[] = {0, 255, 16, 0, 7};

static wx_value sample(wx_type t)
{
    switch (t) {
    case WX_TYPE_I8: return wx_value_i8(-128);
    case WX_TYPE_U8: return wx_value_u8(255);
    case WX_TYPE_I16: return wx_value_i16(-32768);
    case WX_TYPE_U16: return wx_value_u16(65535);
    case WX_TYPE_I32: return wx_value_i32(INT32_MIN);
    case WX_TYPE_U32: return wx_value_u32(UINT32_MAX);
    case WX_TYPE_I64: return wx_value_i64(INT64_MIN);
    case WX_TYPE_U64: return wx_value_u64(UINT64_MAX);
    case WX_TYPE_F32: return wx_value_f32(-1.5e-38f);
    case WX_TYPE_F64: return wx_value_f64(-0.0);
    case WX_TYPE_BOOL: return wx_value_bool(true);
    case WX_TYPE_CHAR: return wx_value_char(0x1F600);
    case WX_TYPE_STRING: return wx_value_string(utf8, sizeof utf8 - 1);
    case WX_TYPE_BYTES: return wx_value_bytes(blob, sizeof blob);
    case WX_TYPE_JSON: return wx_value_json(json_text, sizeof json_text - 1);
    case WX_TYPE_VEC_I8: return wx_value_vec(t, vi8, 3);
    case WX_TYPE_VEC_U8: return wx_value_vec(t, vu8, 3);
    case WX_TYPE_VEC_I16: return wx_value_vec(t, vi16, 3);
    case WX_TYPE_VEC_U16: return wx_value_vec(t, vu16, 3);
    case WX_TYPE_VEC_I32: return wx_value_vec(t, vi32, 3);
    case WX_TYPE_VEC_U32: return wx_value_vec(t, vu32, 2);
    case WX_TYPE_VEC_I64: return wx_value_vec(t, vi64, 3);
    default: return wx_value_vec(t, vu64, 3);
    }
}

static wx_fn *handle(const char *plugin, const char *func)
{
    wx_error err;
    wx_fn *fn = wx_fn_get(mgr, plugin, func, &err);
    CHECK_MSG(fn != NULL, "%s.%s: %s", plugin, func, err.message);
    return fn;
}

/* Calls `fn` with one argument; the error message (or "") in a static
 * buffer, the results in *out. */
static const char *call1(wx_fn *fn, wx_value arg, wx_values *out,
                         wx_status *status)
{
    static char msg[400];
    wx_error err;
    wx_status s = wx_fn_call_values(fn, &arg, 1, out, &err);
    if (status)
        *status = s;
    snprintf(msg, sizeof msg, "%s", s == WX_OK ? "" : err.message);
    return msg;
}

/* A numeric call of a counter export (allocs, frees, mallocs...). */
static int32_t counter(const char *plugin, const char *func)
{
    wx_values r;
    wx_error err;
    wx_status s = call_values(mgr, plugin, func, NULL, 0, &r, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", func, err.message);
    int32_t v = s == WX_OK && r.count == 1 ? (int32_t)r.values[0].of.i : -1;
    wx_values_free(&r);
    return v;
}

/* -------------------------------------------------------------- tests */

static void test_type_names(void)
{
    for (int t = 0; t < WX_TYPE_COUNT_; t++) {
        wx_type back;
        const char *name = wx_type_name((wx_type)t);
        CHECK(name && wx_type_parse(name, &back) && back == (wx_type)t);
    }
    wx_type t;
    CHECK(wx_type_name(WX_TYPE_COUNT_) == NULL);
    CHECK(!wx_type_parse("vec<f32>", &t) && !wx_type_parse(NULL, &t));
    CHECK(wx_type_parse("vec<u16>", &t) && t == WX_TYPE_VEC_U16);
}

/* Every type through its bindgen identity, and the scalar ones through
 * their numeric identity too; results own NUL-terminated buffers. */
static void test_round_trips(void)
{
    for (int t = 0; t < WX_TYPE_COUNT_; t++) {
        char suffix[32], name[40];
        export_suffix(wx_type_name((wx_type)t), suffix, sizeof suffix);
        for (int numeric = 0; numeric < 2; numeric++) {
            if (numeric && !is_numeric_type((wx_type)t))
                continue;
            snprintf(name, sizeof name, "%c_%s", numeric ? 'n' : 'b', suffix);
            wx_fn *fn = handle("typed", name);
            if (!fn)
                continue;
            wx_value in = sample((wx_type)t);
            wx_values out;
            wx_status s;
            const char *msg = call1(fn, in, &out, &s);
            CHECK_MSG(s == WX_OK && out.count == 1 &&
                          same_value(&in, &out.values[0]),
                      "%s: %s (count %u)", name, msg, out.count);
            if (s == WX_OK && t >= WX_TYPE_STRING && t <= WX_TYPE_JSON)
                CHECK_MSG(
                    out.values[0].of.buf.data[out.values[0].of.buf.len] ==
                        '\0',
                    "%s: no NUL after the result", name);
            wx_values_free(&out);
            CHECK(out.count == 0);
            wx_values_free(&out); /* twice is fine */
            wx_fn_free(fn);
        }
    }
    /* The host gave every guest buffer back. */
    int32_t allocs = counter("typed", "allocs");
    CHECK_MSG(allocs > 0 && allocs == counter("typed", "deallocs"),
              "allocs %d, deallocs %d", allocs, counter("typed", "deallocs"));
}

/* The tests/guests guests: bindgen echo (the benchmark's), two results,
 * a guest error; math.wat with its wasm types; cstring strings, bytes and
 * mixed arguments. */
static void test_other_guests(void)
{
    wx_values out;
    wx_error err;
    wx_value s100 = wx_value_string("0123456789", 10);
    wx_status s = call_values(mgr, "bg", "echo", &s100, 1, &out, &err);
    CHECK_MSG(s == WX_OK && out.count == 1 &&
                  out.values[0].type == WX_TYPE_STRING &&
                  strcmp(out.values[0].of.buf.data, "0123456789") == 0,
              "%s", err.message);
    wx_values_free(&out);

    wx_value dm[2] = {wx_value_u32(7), wx_value_u32(2)};
    s = call_values(mgr, NULL, "bg.divmod", dm, 2, &out, &err);
    CHECK_MSG(s == WX_OK && out.count == 2 &&
                  out.values[0].type == WX_TYPE_U32 &&
                  out.values[0].of.u == 3 && out.values[1].of.u == 1,
              "%s", err.message);
    wx_values_free(&out);
    dm[1] = wx_value_u32(0);
    s = call_values(mgr, "bg", "divmod", dm, 2, &out, &err);
    CHECK(s == WX_EGUEST && out.count == 0);
    CHECK_STR(err.message, "guest error: division by zero");
    wx_values_free(&out);

    /* Results converted from the guest's type code (i32) to the declared
     * type. */
    wx_value two[2] = {wx_value_i32(40), wx_value_i32(2)};
    s = call_values(mgr, "bg", "add", two, 2, &out, &err);
    CHECK_MSG(s == WX_OK && out.count == 1 &&
                  out.values[0].type == WX_TYPE_I32 &&
                  out.values[0].of.i == 42,
              "%s", err.message);
    wx_values_free(&out);

    /* Numeric, by the wasm types: multi-value, i64, floats. */
    wx_value sw[2] = {wx_value_i64(-5), wx_value_f64(0.25)};
    s = call_values(mgr, "typed", "n_swap", sw, 2, &out, &err);
    CHECK_MSG(
        s == WX_OK && out.count == 2 && out.values[0].type == WX_TYPE_F64 &&
            out.values[0].of.f64 == 0.25 &&
            out.values[1].type == WX_TYPE_I64 && out.values[1].of.i == -5,
        "%s", err.message);
    wx_values_free(&out);
    wx_value q[2] = {wx_value_i32(7), wx_value_i32(2)};
    wx_value m64[2] = {wx_value_i64(INT64_C(1) << 40), wx_value_i64(-3)};
    s = call_values(mgr, "math", "mul64", m64, 2, &out, &err);
    CHECK(s == WX_OK && out.values[0].type == WX_TYPE_I64 &&
          out.values[0].of.i == -(INT64_C(3) << 40));
    wx_values_free(&out);
    wx_value h = wx_value_f64(5.0);
    s = call_values(mgr, "math", "half", &h, 1, &out, &err);
    CHECK(s == WX_OK && out.values[0].of.f64 == 2.5);
    wx_values_free(&out);
    wx_value f = wx_value_f32(1.25f);
    s = call_values(mgr, "math", "twice32", &f, 1, &out, &err);
    CHECK(s == WX_OK && out.values[0].type == WX_TYPE_F32 &&
          out.values[0].of.f32 == 2.5f);
    wx_values_free(&out);
    s = call_values(mgr, "math", "div", q, 2, &out, &err);
    CHECK(s == WX_OK && out.values[0].of.i == 3);
    wx_values_free(&out);
    q[1] = wx_value_i32(0);
    s = call_values(mgr, "math", "div", q, 2, &out, &err);
    CHECK(s == WX_ETRAP && err.trap == WX_TRAP_DIV_ZERO && out.count == 0);

    /* cstring: strings in and out, bytes as (pointer, length), mixed. */
    wx_value w = wx_value_string("w\xc3\xb6rld", 6);
    s = call_values(mgr, "cs", "greet", &w, 1, &out, &err);
    CHECK_MSG(s == WX_OK && out.count == 1 &&
                  strcmp(out.values[0].of.buf.data, "Hello, w\xc3\xb6rld!") ==
                      0,
              "%s", err.message);
    wx_values_free(&out);
    wx_value b = wx_value_bytes(blob, sizeof blob);
    s = call_values(mgr, "cs", "sum_bytes", &b, 1, &out, &err);
    CHECK_MSG(s == WX_OK && out.values[0].type == WX_TYPE_I64 &&
                  out.values[0].of.i == 278,
              "%s", err.message);
    wx_values_free(&out);
    wx_value mix[3] = {wx_value_string("abc", 3), wx_value_i64(2),
                       wx_value_f64(0.5)};
    s = call_values(mgr, "cs", "mixed", mix, 3, &out, &err);
    CHECK_MSG(s == WX_OK && out.values[0].of.f64 == 6.5, "%s", err.message);
    wx_values_free(&out);
    wx_value j = wx_value_json("[1, 2]", 6);
    s = call_values(mgr, "cs", "len", &j, 1, &out, &err);
    CHECK_MSG(s == WX_OK && out.values[0].of.i == 6, "%s", err.message);
    wx_values_free(&out);
    int32_t mallocs = counter("cs", "mallocs");
    CHECK_MSG(mallocs > 0 && mallocs == counter("cs", "frees"),
              "mallocs %d, frees %d", mallocs, counter("cs", "frees"));

    /* The numeric-only path still refuses other ABIs, as before. */
    wx_wasm_val v = wx_wasm_i32(0), r;
    CHECK(call_vals(mgr, "bg", "echo", &v, 1, &r, 1, &err) == WX_EARG);
    CHECK_HAS(err.message, "uses abi bindgen");
}

/* Arguments of another type convert when they fit exactly; refusals name
 * the argument. */
static void test_conversions(void)
{
    wx_fn *u8 = handle("typed", "b_u8"), *js = handle("typed", "b_json");
    wx_fn *str = handle("typed", "b_string"), *by = handle("typed", "b_bytes");
    wx_fn *v16 = handle("typed", "b_vec_u16"), *ch = handle("typed", "b_char");
    wx_fn *n32 = handle("typed", "n_i32"), *nf = handle("typed", "n_f32");
    if (!u8 || !js || !str || !by || !v16 || !ch || !n32 || !nf)
        return;
    wx_values out;
    wx_status s;

    CHECK_STR(call1(u8, wx_value_i64(7), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].type == WX_TYPE_U8 &&
          out.values[0].of.u == 7);
    wx_values_free(&out);
    CHECK_STR(call1(u8, wx_value_f64(9.0), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].of.u == 9);
    wx_values_free(&out);
    CHECK_STR(call1(u8, wx_value_i64(300), &out, &s),
              "argument 1: 300 does not fit u8 exactly");
    CHECK(s == WX_EARG && out.count == 0);
    CHECK_STR(call1(n32, wx_value_f64(2.5), &out, &s),
              "argument 1: 2.5 does not fit i32 exactly");
    CHECK_STR(call1(n32, wx_value_string("1", 1), &out, &s),
              "argument 1: expected i32, got string");
    CHECK_STR(call1(nf, wx_value_i64(3), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].of.f32 == 3.0f);
    wx_values_free(&out);

    /* Strings become json (checked) and bytes; bytes and vec<u8> swap. */
    CHECK_STR(call1(js, wx_value_string("[1,2]", 5), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].type == WX_TYPE_JSON &&
          strcmp(out.values[0].of.buf.data, "[1,2]") == 0);
    wx_values_free(&out);
    CHECK_HAS(call1(js, wx_value_string("[1,", 3), &out, &s),
              "argument 1: not valid JSON");
    CHECK_HAS(call1(js, wx_value_json("{x}", 3), &out, &s),
              "argument 1: not valid JSON");
    CHECK(s == WX_EARG);
    CHECK_STR(call1(by, wx_value_vec(WX_TYPE_VEC_U8, vu8, 3), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].type == WX_TYPE_BYTES &&
          out.values[0].of.buf.len == 3 &&
          memcmp(out.values[0].of.buf.data, vu8, 3) == 0);
    wx_values_free(&out);
    CHECK_STR(call1(by, wx_value_string("ab", 2), &out, &s), "");
    wx_values_free(&out);
    static const uint32_t wide[] = {1, 2, 70000};
    CHECK_STR(call1(v16, wx_value_vec(WX_TYPE_VEC_U32, wide, 2), &out, &s),
              "");
    CHECK(out.count == 1 && out.values[0].type == WX_TYPE_VEC_U16 &&
          out.values[0].of.vec.count == 2 &&
          ((uint16_t *)out.values[0].of.vec.data)[1] == 2);
    wx_values_free(&out);
    CHECK_HAS(call1(v16, wx_value_vec(WX_TYPE_VEC_U32, wide, 3), &out, &s),
              "argument 1[2]: 70000 does not fit u16 exactly");

    /* Values of the right type that are not sound. */
    wx_value bad = {.type = WX_TYPE_U8, .of.u = 300};
    CHECK_STR(call1(u8, bad, &out, &s), "argument 1: 300 is out of range "
                                        "for u8");
    CHECK_STR(call1(ch, wx_value_char(0xD800), &out, &s),
              "argument 1: U+D800 is not a Unicode scalar value");
    CHECK_STR(call1(str, wx_value_string(NULL, 5), &out, &s),
              "argument 1: no data for 5 bytes");
    CHECK_STR(call1(str, wx_value_string(NULL, 0), &out, &s), "");
    CHECK(out.count == 1 && out.values[0].of.buf.len == 0);
    wx_values_free(&out);
    CHECK_STR(call1(v16, wx_value_vec(WX_TYPE_VEC_U16, NULL, 2), &out, &s),
              "argument 1: no data for 2 elements");
    CHECK_HAS(call1(str, wx_value_string("\xff", 1), &out, &s),
              "argument 1: not valid UTF-8");
    wx_value weird = {.type = (wx_type)99};
    CHECK_STR(call1(str, weird, &out, &s), "argument 1: bad value type 99");

    /* Counts, and the second argument named. */
    wx_error err;
    wx_value two[2] = {wx_value_i32(1), wx_value_f64(2.5)};
    s = wx_fn_call_values(str, two, 2, &out, &err);
    CHECK(s == WX_EARG && out.count == 0);
    CHECK_STR(err.message, "b_string: expected 1 argument, got 2");
    s = wx_fn_call_values(str, NULL, 0, &out, &err);
    CHECK_STR(err.message, "b_string: expected 1 argument, got 0");
    s = call_values(mgr, "math", "div", two, 2, &out, &err);
    CHECK(s == WX_EARG);
    CHECK_STR(err.message, "argument 2: 2.5 does not fit i32 exactly");
    two[1] = wx_value_bool(true);
    s = call_values(mgr, "math", "div", two, 2, &out, &err);
    CHECK_STR(err.message, "argument 2: expected i32, got bool");
    s = call_values(mgr, "math", "div", NULL, 2, &out, &err);
    CHECK(s == WX_EARG);
    CHECK_STR(err.message, "div: no argument array");
    /* No error object: still a status. */
    CHECK(call_values(mgr, "math", "div", two, 1, &out, NULL) == WX_EARG);
    CHECK(wx_fn_call_values(str, two, 2, &out, NULL) == WX_EARG);

    wx_fn *fns[] = {u8, js, str, by, v16, ch, n32, nf};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        wx_fn_free(fns[i]);
}

static void test_lookup_errors(void)
{
    wx_values out;
    wx_error err;
    wx_status s = call_values(mgr, NULL, "nope", NULL, 0, &out, &err);
    CHECK(s == WX_ENOPLUGIN && out.count == 0);
    CHECK_STR(err.message, fx_in_registry(mgr, "function \"nope\" not found"));
    s = call_values(mgr, "ghost", "echo", NULL, 0, &out, &err);
    CHECK(s == WX_ENOPLUGIN);
    CHECK_STR(err.message, fx_in_registry(mgr, "plugin \"ghost\" not found"));
    s = call_values(mgr, NULL, "math.nope", NULL, 0, &out, &err);
    CHECK(s == WX_ENOPLUGIN);
    CHECK_HAS(err.message, "plugin \"math\" has no function \"nope\"");
}

static void test_describe(void)
{
    wx_function_info info;
    wx_error err;
    wx_fn *fn = handle("typed", "b_vec_u16");
    if (fn) {
        CHECK_STR(wx_fn_plugin(fn), "typed");
        CHECK_STR(wx_fn_name(fn), "b_vec_u16");
        CHECK(wx_fn_describe(fn, &info, &err) == WX_OK);
        CHECK(info.abi == WX_ABI_BINDGEN);
        CHECK(info.nparams == 1 && info.params[0] == WX_TYPE_VEC_U16);
        CHECK(info.nresults == 1 && info.results[0] == WX_TYPE_VEC_U16);
        wx_fn_free(fn);
    }
    fn = wx_fn_get(mgr, NULL, "bg.add", &err);
    CHECK(fn && wx_fn_describe(fn, &info, NULL) == WX_OK);
    CHECK(fn && info.nparams == 2 && info.params[1] == WX_TYPE_I32 &&
          info.nresults == 1 && info.results[0] == WX_TYPE_I32);
    CHECK(fn && strcmp(wx_fn_plugin(fn), "bg") == 0 &&
          strcmp(wx_fn_name(fn), "add") == 0);
    wx_fn_free(fn);
    fn = handle("typed", "n_swap");
    CHECK(fn && wx_fn_describe(fn, &info, &err) == WX_OK);
    CHECK(fn && info.abi == WX_ABI_NUMERIC && info.nparams == 2 &&
          info.params[0] == WX_TYPE_I64 && info.nresults == 2 &&
          info.results[0] == WX_TYPE_F64);
    wx_fn_free(fn);
    fn = handle("cs", "mixed");
    CHECK(fn && wx_fn_describe(fn, &info, &err) == WX_OK);
    CHECK(fn && info.abi == WX_ABI_CSTRING && info.nparams == 3 &&
          info.params[0] == WX_TYPE_STRING && info.params[1] == WX_TYPE_I64 &&
          info.params[2] == WX_TYPE_F64 && info.nresults == 1 &&
          info.results[0] == WX_TYPE_F64);
    wx_fn_free(fn);
}

/* ----------------------------------------------------- two threads */

#define THREAD_CALLS 2000

typedef struct worker {
    pthread_t thread;
    int id;
    wx_fn *fn;
    long ok, bad;
    char last_error[400];
} worker;

/* Each call echoes a text of its own (thread, iteration, varying length)
 * through the shared handle or by name, and checks it came back. */
static void *work(void *arg)
{
    worker *w = arg;
    for (long i = 0; i < THREAD_CALLS; i++) {
        char text[160];
        int n = snprintf(text, sizeof text, "thread %d call %ld %.*s", w->id,
                         i, (int)(i % 100),
                         "abcdefghijklmnopqrstuvwxyz"
                         "abcdefghijklmnopqrstuvwxyz"
                         "abcdefghijklmnopqrstuvwxyz"
                         "abcdefghijklmnopqrstuvwxyz");
        wx_value in = wx_value_string(text, (size_t)n);
        wx_values out;
        wx_error err;
        wx_status s =
            i % 2 ? wx_fn_call_values(w->fn, &in, 1, &out, &err)
                  : call_values(mgr, "bg", "echo", &in, 1, &out, &err);
        if (s == WX_OK && out.count == 1 &&
            out.values[0].of.buf.len == (size_t)n &&
            memcmp(out.values[0].of.buf.data, text, (size_t)n) == 0) {
            w->ok++;
        } else {
            w->bad++;
            snprintf(w->last_error, sizeof w->last_error, "%s",
                     s == WX_OK ? "wrong result" : err.message);
        }
        wx_values_free(&out);
    }
    return NULL;
}

static void test_threads(void)
{
    wx_fn *fn = handle("bg", "echo");
    if (!fn)
        return;
    worker w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = (worker){.id = i, .fn = fn};
        pthread_create(&w[i].thread, NULL, work, &w[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(w[i].thread, NULL);
        CHECK_MSG(w[i].ok == THREAD_CALLS && w[i].bad == 0,
                  "thread %d: %ld ok, %ld bad, last: %s", i, w[i].ok, w[i].bad,
                  w[i].last_error);
    }
    wx_fn_free(fn);
}

/* --------------------------------------------- updates and deletes */

static void test_update_delete(void)
{
    wx_error err;
    fx_copy_guest("v1", "v1.wasm");
    fx_copy_guest("v2", "v2.wasm");
    wx_status s = fx_add(mgr, "hot", "v1.wasm", "[\"value\"]", "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    wx_fn *fn = handle("hot", "value");
    if (!fn)
        return;
    wx_values out;
    s = wx_fn_call_values(fn, NULL, 0, &out, &err);
    CHECK(s == WX_OK && out.count == 1 && out.values[0].type == WX_TYPE_I32 &&
          out.values[0].of.i == 1);
    wx_values_free(&out);

    /* The new version also declares the result's type: the handle
     * follows both. */
    s = fx_update(mgr, "hot", "v2.wasm",
                  "[{\"name\":\"value\",\"results\":[\"u32\"]}]", "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    s = wx_fn_call_values(fn, NULL, 0, &out, &err);
    CHECK_MSG(s == WX_OK && out.count == 1 &&
                  out.values[0].type == WX_TYPE_U32 && out.values[0].of.u == 2,
              "%s", err.message);
    wx_values_free(&out);
    wx_function_info info;
    CHECK(wx_fn_describe(fn, &info, &err) == WX_OK && info.nresults == 1 &&
          info.results[0] == WX_TYPE_U32);

    CHECK(wx_manager_delete(mgr, "hot", &err) == WX_OK);
    s = wx_fn_call_values(fn, NULL, 0, &out, &err);
    CHECK(s == WX_ENOPLUGIN && out.count == 0);
    CHECK_STR(err.message, "plugin \"hot\" not found (deleted)");
    CHECK(wx_fn_describe(fn, &info, &err) == WX_ENOPLUGIN);
    CHECK(call_values(mgr, "hot", "value", NULL, 0, &out, &err) ==
          WX_ENOPLUGIN);
    /* A plugin of the same name added again is another plugin. */
    s = fx_add(mgr, "hot", "v1.wasm", "[\"value\"]", "", &err);
    CHECK_MSG(s == WX_OK, "%s", err.message);
    CHECK(wx_fn_call_values(fn, NULL, 0, &out, &err) == WX_ENOPLUGIN);
    s = call_values(mgr, "hot", "value", NULL, 0, &out, &err);
    CHECK(s == WX_OK && out.values[0].of.i == 1);
    wx_values_free(&out);
    CHECK_STR(wx_fn_plugin(fn), "hot");
    wx_fn_free(fn);
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    wx_error err;
    mgr = wx_manager_open(fx_path("r.db"), NULL, &err);
    CHECK_MSG(mgr != NULL, "%s", err.message);
    if (!mgr)
        return CHECK_DONE();
    const char *guests[] = {"typed", "bindgen", "cstring", "math"};
    for (size_t i = 0; i < sizeof guests / sizeof *guests; i++) {
        char as[64];
        snprintf(as, sizeof as, "%s.wasm", guests[i]);
        fx_copy_guest(guests[i], as);
    }
    char *typed = typed_functions();
    wx_status s =
        fx_add(mgr, "typed", "typed.wasm", typed, "\"instance_num\":1", &err);
    CHECK_MSG(s == WX_OK, "typed: %s", err.message);
    free(typed);
    s = fx_add(mgr, "bg", "bindgen.wasm",
               "[{\"name\":\"echo\",\"abi\":\"bindgen\",\"params\":"
               "[\"string\"],\"results\":[\"string\"]},"
               "{\"name\":\"divmod\",\"abi\":\"bindgen\",\"params\":"
               "[\"u32\",\"u32\"],\"results\":[\"u32\",\"u32\"]},"
               "{\"name\":\"add\",\"abi\":\"bindgen\",\"params\":"
               "[\"i32\",\"i32\"],\"results\":[\"i32\"]}]",
               "\"instance_num\":2", &err);
    CHECK_MSG(s == WX_OK, "bg: %s", err.message);
    s = fx_add(mgr, "math", "math.wasm",
               "[\"div\",\"mul64\",\"half\",\"twice32\"]", "", &err);
    CHECK_MSG(s == WX_OK, "math: %s", err.message);
    s = fx_add(mgr, "cs", "cstring.wasm",
               "[{\"name\":\"greet\",\"abi\":\"cstring\",\"params\":"
               "[\"string\"],\"results\":[\"string\"]},"
               "{\"name\":\"len\",\"abi\":\"cstring\",\"params\":[\"json\"],"
               "\"results\":[\"i32\"]},"
               "{\"name\":\"sum_bytes\",\"abi\":\"cstring\",\"params\":"
               "[\"bytes\"],\"results\":[\"i64\"]},"
               "{\"name\":\"mixed\",\"abi\":\"cstring\",\"params\":"
               "[\"string\",\"i64\",\"f64\"],\"results\":[\"f64\"]},"
               "\"mallocs\",\"frees\"]",
               "\"instance_num\":1", &err);
    CHECK_MSG(s == WX_OK, "cs: %s", err.message);

    test_type_names();
    test_round_trips();
    test_other_guests();
    test_conversions();
    test_lookup_errors();
    test_describe();
    test_threads();
    test_update_delete();

    wx_manager_close(mgr);
    fx_teardown();
    return CHECK_DONE();
}
