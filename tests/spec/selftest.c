/*
 * `wx-spec --selftest`: checks the runner's own value handling without the
 * engine, so that a wrong verdict can be blamed on the right side.
 */
#include "value.h"

#include <stdio.h>
#include <string.h>

int spec_selftest(void);

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "selftest: %s:%d: %s\n", __FILE__, __LINE__,      \
                    #cond);                                                   \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static void test_parse_u64(void)
{
    uint64_t v = 0;
    CHECK(spec_parse_u64("0", 32, &v) && v == 0);
    CHECK(spec_parse_u64("4294967295", 32, &v) && v == 0xFFFFFFFFu);
    CHECK(!spec_parse_u64("4294967296", 32, &v));
    CHECK(spec_parse_u64("18446744073709551615", 64, &v) && v == UINT64_MAX);
    CHECK(!spec_parse_u64("18446744073709551616", 64, &v));
    CHECK(!spec_parse_u64("99999999999999999999", 64, &v));
    CHECK(!spec_parse_u64("", 32, &v));
    CHECK(!spec_parse_u64("-1", 32, &v));
    CHECK(!spec_parse_u64("+1", 32, &v));
    CHECK(!spec_parse_u64(" 1", 32, &v));
    CHECK(!spec_parse_u64("0x10", 32, &v));
    CHECK(!spec_parse_u64(NULL, 32, &v));
}

/* wasm-tools json-from-wast writes integers signed; wast2json unsigned. */
static void test_parse_int(void)
{
    uint64_t v = 0;
    CHECK(spec_parse_int("4294967295", 32, &v) && v == 0xFFFFFFFFu);
    CHECK(spec_parse_int("-1", 32, &v) && v == 0xFFFFFFFFu);
    CHECK(spec_parse_int("-2147483648", 32, &v) && v == 0x80000000u);
    CHECK(!spec_parse_int("-2147483649", 32, &v));
    CHECK(spec_parse_int("-0", 32, &v) && v == 0);
    CHECK(spec_parse_int("-1", 64, &v) && v == UINT64_MAX);
    CHECK(spec_parse_int("-9223372036854775808", 64, &v) &&
          v == UINT64_C(0x8000000000000000));
    CHECK(!spec_parse_int("-9223372036854775809", 64, &v));
    CHECK(!spec_parse_int("--1", 32, &v));
    CHECK(!spec_parse_int("-", 32, &v));
    CHECK(!spec_parse_int("+1", 32, &v));
}

/* Parses a value from JSON text, as it appears in a converted script. */
static bool parse(const char *text, spec_value *out)
{
    char why[160];
    json_t *j = json_loads(text, 0, NULL);
    bool ok = j && spec_parse_value(j, out, why, sizeof why);
    json_decref(j);
    return ok;
}

static wx_wasm_val f32_bits(uint32_t b)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = WX_F32;
    memcpy(&v.of, &b, sizeof b);
    return v;
}

static wx_wasm_val f64_bits(uint64_t b)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = WX_F64;
    memcpy(&v.of, &b, sizeof b);
    return v;
}

static void test_numbers(void)
{
    spec_value e;
    wx_wasm_val v;
    char why[160];
    CHECK(parse("{\"type\": \"i32\", \"value\": \"4294967295\"}", &e));
    CHECK(e.type == WX_I32 && e.match == SPEC_EXACT);
    v = wx_wasm_i32(-1);
    CHECK(spec_value_matches(&e, &v));
    v = wx_wasm_i64(-1);
    CHECK(!spec_value_matches(&e, &v)); /* wrong type */
    /* wasm-tools writes the same values signed. */
    CHECK(parse("{\"type\": \"i32\", \"value\": \"-1\"}", &e));
    v = wx_wasm_i32(-1);
    CHECK(spec_value_matches(&e, &v));
    CHECK(parse("{\"type\": \"i64\", \"value\": \"-2\"}", &e));
    v = wx_wasm_i64(-2);
    CHECK(spec_value_matches(&e, &v));
    /* Float values stay unsigned bit patterns. */
    CHECK(!parse("{\"type\": \"f32\", \"value\": \"-1\"}", &e));
    CHECK(
        parse("{\"type\": \"i64\", \"value\": \"9223372036854775808\"}", &e));
    v = wx_wasm_i64(INT64_MIN);
    CHECK(spec_value_matches(&e, &v));
    CHECK(!parse("{\"type\": \"i32\", \"value\": \"4294967296\"}", &e));
    CHECK(!parse("{\"type\": \"i32\", \"value\": \"nan:canonical\"}", &e));
    CHECK(!parse("{\"type\": \"i33\", \"value\": \"1\"}", &e));

    /* -0.0 and +0.0 differ by their bits, which is what the suite checks. */
    CHECK(parse("{\"type\": \"f32\", \"value\": \"2147483648\"}", &e));
    v = f32_bits(0x80000000u);
    CHECK(spec_value_matches(&e, &v));
    v = f32_bits(0);
    CHECK(!spec_value_matches(&e, &v));

    /* A signalling NaN argument must reach the engine bit for bit. */
    CHECK(parse("{\"type\": \"f32\", \"value\": \"2139095041\"}", &e));
    CHECK(spec_to_wx_val(&e, &v, why, sizeof why));
    CHECK(v.type == WX_F32 && memcmp(&v.of, &(uint32_t){0x7F800001u}, 4) == 0);
    CHECK(
        parse("{\"type\": \"f64\", \"value\": \"9218868437227405313\"}", &e));
    CHECK(spec_to_wx_val(&e, &v, why, sizeof why));
    CHECK(v.type == WX_F64 &&
          memcmp(&v.of, &(uint64_t){0x7FF0000000000001u}, 8) == 0);
}

static void test_nans(void)
{
    spec_value can, ari;
    wx_wasm_val v;
    char why[160];
    CHECK(parse("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", &can));
    CHECK(parse("{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}", &ari));
    CHECK(!spec_to_wx_val(&can, &v, why, sizeof why));

    v = f32_bits(0x7FC00000u);
    CHECK(spec_value_matches(&can, &v) && spec_value_matches(&ari, &v));
    v = f32_bits(0xFFC00000u);
    CHECK(spec_value_matches(&can, &v) && spec_value_matches(&ari, &v));
    v = f32_bits(0x7FC00001u); /* quiet, other payload: arithmetic only */
    CHECK(!spec_value_matches(&can, &v) && spec_value_matches(&ari, &v));
    v = f32_bits(0x7FA00000u); /* signalling */
    CHECK(!spec_value_matches(&can, &v) && !spec_value_matches(&ari, &v));
    v = f32_bits(0x7F800000u); /* infinity */
    CHECK(!spec_value_matches(&can, &v) && !spec_value_matches(&ari, &v));
    v = f64_bits(0x7FF8000000000000u); /* right bits, wrong type */
    CHECK(!spec_value_matches(&can, &v));

    CHECK(parse("{\"type\": \"f64\", \"value\": \"nan:canonical\"}", &can));
    CHECK(parse("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", &ari));
    v = f64_bits(0xFFF8000000000000u);
    CHECK(spec_value_matches(&can, &v) && spec_value_matches(&ari, &v));
    v = f64_bits(0x7FF8000000000001u);
    CHECK(!spec_value_matches(&can, &v) && spec_value_matches(&ari, &v));
    v = f64_bits(0x7FF4000000000000u);
    CHECK(!spec_value_matches(&can, &v) && !spec_value_matches(&ari, &v));
    v = f64_bits(0x7FF0000000000000u);
    CHECK(!spec_value_matches(&ari, &v));
}

static void test_refs(void)
{
    spec_value e;
    wx_wasm_val v;
    uint64_t n;
    char why[160];
    memset(&v, 0, sizeof v);

    CHECK(parse("{\"type\": \"externref\", \"value\": \"0\"}", &e));
    CHECK(spec_to_wx_val(&e, &v, why, sizeof why));
    CHECK(v.type == WX_EXTERNREF && v.of.ext != NULL); /* 0 is not null */
    CHECK(spec_value_matches(&e, &v));
    CHECK(spec_extern_number(v.of.ext, &n) && n == 0);
    CHECK(parse("{\"type\": \"externref\", \"value\": \"137\"}", &e));
    CHECK(!spec_value_matches(&e, &v));
    CHECK(parse("{\"type\": \"externref\", \"value\": \"null\"}", &e));
    CHECK(!spec_value_matches(&e, &v));
    v.of.ext = NULL;
    CHECK(spec_value_matches(&e, &v));

    CHECK(parse("{\"type\": \"funcref\", \"value\": \"null\"}", &e));
    v.type = WX_FUNCREF;
    v.of.func = NULL;
    CHECK(spec_value_matches(&e, &v));
    CHECK(parse("{\"type\": \"funcref\"}", &e));
    CHECK(e.match == SPEC_REF_NONNULL && !spec_value_matches(&e, &v));
    v.of.func = (wx_wasm_func *)&v; /* any non-null function will do */
    CHECK(spec_value_matches(&e, &v));
    CHECK(!spec_to_wx_val(&e, &v, why, sizeof why));
    CHECK(!parse("{\"type\": \"funcref\", \"value\": \"3\"}", &e));
    CHECK(!parse("{\"type\": \"externref\", \"value\": \"x\"}", &e));
}

static void test_trap_text(void)
{
    CHECK(spec_trap_text_matches("unreachable", "unreachable"));
    CHECK(spec_trap_text_matches("uninitialized element 2",
                                 "uninitialized element"));
    CHECK(spec_trap_text_matches("integer overflow", "integer overflow"));
    CHECK(
        !spec_trap_text_matches("undefined element", "uninitialized element"));
    CHECK(!spec_trap_text_matches("unreachable", ""));
    CHECK(!spec_trap_text_matches("", "unreachable"));
    CHECK(spec_trap_text_matches("call stack exhausted",
                                 wx_trap_message(WX_TRAP_STACK_EXHAUSTED)));
}

static void test_format(void)
{
    char buf[128];
    spec_value e;
    wx_wasm_val v = wx_wasm_i32(-2);
    spec_format_val(&v, buf, sizeof buf);
    CHECK(strcmp(buf, "i32:4294967294 (-2)") == 0);
    v = f32_bits(0x3F800000u);
    spec_format_val(&v, buf, sizeof buf);
    CHECK(strcmp(buf, "f32:0x3f800000 (1)") == 0);
    CHECK(parse("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", &e));
    spec_format_expected(&e, buf, sizeof buf);
    CHECK(strcmp(buf, "f64:nan:arithmetic") == 0);
}

int spec_selftest(void)
{
    test_parse_u64();
    test_parse_int();
    test_numbers();
    test_nans();
    test_refs();
    test_trap_text();
    test_format();
    printf("selftest: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
