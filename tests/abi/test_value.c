/*
 * The value contract: type names, the exact-fit rule from every source
 * (JSON, command-line text, eKuiper SQL, another value), and the output
 * encodings (JSON, text).
 */
#include "abi_test.h"

#include <math.h>
#include <unistd.h>

static wx_error err;

/* ------------------------------------------------------------ helpers */

/* Converts JSON text to type t, then back to command-line text (or
 * "ERR: <message>"). */
static const char *from_json(const char *type, const char *json)
{
    static char out[1024];
    wxa_type t;
    if (!wx_type_parse(type, &t))
        return "bad type";
    json_error_t je;
    json_t *j = json_loads(json, JSON_DECODE_ANY, &je);
    if (!j)
        return "bad test json";
    wxa_value v;
    wx_status s = wxa_value_from_json(t, j, "argument 1", &v, &err);
    json_decref(j);
    if (s != WX_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.message);
        return out;
    }
    char *text = wxa_value_to_text(&v, 0);
    snprintf(out, sizeof out, "%s", text ? text : "(null)");
    free(text);
    wxa_value_free(&v);
    return out;
}

static const char *from_text(const char *type, const char *text)
{
    static char out[1024];
    wxa_type t;
    if (!wx_type_parse(type, &t))
        return "bad type";
    wxa_value v;
    if (wxa_value_from_text(t, text, "argument 1", &v, &err) != WX_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.message);
        return out;
    }
    char *s = wxa_value_to_text(&v, 0);
    snprintf(out, sizeof out, "%s", s ? s : "(null)");
    free(s);
    wxa_value_free(&v);
    return out;
}

/* The value of text `text` (as type) rendered as compact JSON. */
static const char *text_to_json(const char *type, const char *text)
{
    static char out[1024];
    wxa_type t;
    wxa_value v;
    if (!wx_type_parse(type, &t) ||
        wxa_value_from_text(t, text, NULL, &v, &err) != WX_OK)
        return "ERR";
    json_t *j = wxa_value_to_json(&v, &err);
    wxa_value_free(&v);
    if (!j) {
        snprintf(out, sizeof out, "ERR: %s", err.message);
        return out;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(out, sizeof out, "%s", s ? s : "(null)");
    free(s);
    json_decref(j);
    return out;
}

static const char *from_sql(const char *type, wxa_sql_value sv)
{
    static char out[1024];
    wxa_type t;
    wxa_value v;
    if (!wx_type_parse(type, &t))
        return "bad type";
    if (wxa_value_from_sql(t, &sv, "argument 1", &v, &err) != WX_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.message);
        return out;
    }
    char *s = wxa_value_to_text(&v, 0);
    snprintf(out, sizeof out, "%s", s ? s : "(null)");
    free(s);
    wxa_value_free(&v);
    return out;
}

static wxa_sql_value sql_int(int64_t i)
{
    wxa_sql_value v = {.kind = WXA_SQL_INT, .of.i = i};
    return v;
}

static wxa_sql_value sql_float(double f)
{
    wxa_sql_value v = {.kind = WXA_SQL_FLOAT, .of.f = f};
    return v;
}

static wxa_sql_value sql_str(wxa_sql_kind k, const char *s)
{
    wxa_sql_value v = {.kind = k};
    v.of.s.data = s;
    v.of.s.len = strlen(s);
    return v;
}

/* Converts text of type `from` into type `to` and renders it. */
static const char *convert(const char *from, const char *text, const char *to)
{
    static char out[1024];
    wxa_type tf, tt;
    wxa_value v, w;
    if (!wx_type_parse(from, &tf) || !wx_type_parse(to, &tt) ||
        wxa_value_from_text(tf, text, NULL, &v, &err) != WX_OK)
        return "bad test";
    wx_status s = wxa_value_convert(&v, tt, "argument 2", &w, &err);
    wxa_value_free(&v);
    if (s != WX_OK) {
        snprintf(out, sizeof out, "ERR: %s", err.message);
        return out;
    }
    char *r = wxa_value_to_text(&w, 0);
    snprintf(out, sizeof out, "%s", r ? r : "(null)");
    free(r);
    wxa_value_free(&w);
    return out;
}

/* -------------------------------------------------------------- tests */

static void test_types(void)
{
    wxa_type t;
    CHECK(wx_type_parse("vec<u16>", &t) && t == WXA_VEC_U16);
    CHECK(wx_type_parse("json", &t) && t == WXA_JSON);
    CHECK(!wx_type_parse("vec<f32>", &t));
    CHECK(!wx_type_parse("I32", &t));
    CHECK(!wx_type_parse(NULL, &t));
    for (unsigned i = 0; i < WXA_TYPE_COUNT_; i++) {
        wxa_type back;
        CHECK(wx_type_parse(wx_type_name((wxa_type)i), &back) &&
              back == (wxa_type)i);
    }
    CHECK(wx_type_name((wxa_type)99) == NULL);
    CHECK(wxa_type_elem(WXA_VEC_I64) == WXA_I64);
    CHECK(wxa_type_elem_size(WXA_VEC_U16) == 2);
    CHECK(wxa_type_is_int(WXA_U64) && !wxa_type_is_int(WXA_F32));
    wx_abi a;
    CHECK(wx_abi_parse("bindgen", &a) && a == WX_ABI_BINDGEN);
    CHECK(!wx_abi_parse("wasm-bindgen", &a));
}

static void test_json_numbers(void)
{
    CHECK_STR(from_json("i32", "25"), "25");
    CHECK_STR(from_json("i32", "25.0"), "25");
    CHECK_STR(from_json("i32", "3.5"),
              "ERR: argument 1: 3.5 does not fit i32 exactly");
    CHECK_STR(from_json("i32", "1099511627776"),
              "ERR: argument 1: 1099511627776 does not fit i32 exactly");
    CHECK_STR(from_json("i32", "1099511627776.0"),
              "ERR: argument 1: 1099511627776 does not fit i32 exactly");
    CHECK_STR(from_json("i32", "-2147483648"), "-2147483648");
    CHECK_STR(from_json("i32", "2147483648"),
              "ERR: argument 1: 2147483648 does not fit i32 exactly");
    CHECK_STR(from_json("u8", "255"), "255");
    CHECK_STR(from_json("u8", "256"),
              "ERR: argument 1: 256 does not fit u8 exactly");
    CHECK_STR(from_json("u8", "-1"),
              "ERR: argument 1: -1 does not fit u8 exactly");
    CHECK_STR(from_json("i8", "-128"), "-128");
    CHECK_STR(from_json("i16", "32768"),
              "ERR: argument 1: 32768 does not fit i16 exactly");
    CHECK_STR(from_json("u16", "65535"), "65535");
    CHECK_STR(from_json("u32", "4294967295"), "4294967295");
    CHECK_STR(from_json("u32", "-0.0"), "0");
    CHECK_STR(from_json("i64", "-9223372036854775808"),
              "-9223372036854775808");
    CHECK_STR(from_json("i64", "9.3e18"),
              "ERR: argument 1: 9.3e+18 does not fit i64 exactly");
    CHECK_STR(from_json("u64", "1e19"), "10000000000000000000");
    CHECK_STR(from_json("u64", "\"18446744073709551615\""),
              "18446744073709551615");
    CHECK_STR(from_json("i64", "\"-9223372036854775809\""),
              "ERR: argument 1: -9223372036854775809 does not fit i64 "
              "exactly");
    CHECK_STR(from_json("i32", "\"25\""),
              "ERR: argument 1: expected a number for i32, got a string");
    CHECK_STR(from_json("i32", "true"),
              "ERR: argument 1: expected a number for i32, got true");
    CHECK_STR(from_json("i32", "null"),
              "ERR: argument 1: expected a number for i32, got null");
    /* Floats: integers only if exact, fractions round, overflow refused. */
    CHECK_STR(from_json("f32", "0.1"), "0.1");
    CHECK_STR(from_json("f32", "16777216"), "16777216");
    CHECK_STR(from_json("f32", "16777217"),
              "ERR: argument 1: 16777217 does not fit f32 exactly");
    CHECK_STR(from_json("f32", "1e39"),
              "ERR: argument 1: 1e+39 does not fit f32 exactly");
    CHECK_STR(from_json("f64", "9007199254740992"), "9007199254740992");
    CHECK_STR(from_json("f64", "9007199254740993"),
              "ERR: argument 1: 9007199254740993 does not fit f64 exactly");
    CHECK_STR(from_json("f64", "2.5"), "2.5");
    CHECK_STR(from_json("f64", "\"nan\""), "nan");
    CHECK_STR(from_json("f64", "\"-inf\""), "-inf");
    CHECK_STR(from_json("f64", "\"x\""),
              "ERR: argument 1: expected a number for f64, got a string");
}

static void test_json_others(void)
{
    CHECK_STR(from_json("bool", "true"), "true");
    CHECK_STR(from_json("bool", "1"),
              "ERR: argument 1: expected true or false for bool, got 1");
    CHECK_STR(from_json("char", "\"\xc3\xa9\""), "\xc3\xa9");
    CHECK_STR(from_json("char", "65"), "A");
    CHECK_STR(from_json("char", "\"ab\""),
              "ERR: argument 1: expected one character, got 2 bytes");
    CHECK_STR(from_json("char", "55296"),
              "ERR: argument 1: 55296 is not a Unicode scalar value");
    CHECK_STR(from_json("string", "\"x y\""), "x y");
    CHECK_STR(from_json("string", "5"),
              "ERR: argument 1: expected a string for string, got 5");
    CHECK_STR(from_json("bytes", "\"AAEC\""), "000102");
    CHECK_STR(from_json("bytes", "\"AAA=\""), "0000");
    CHECK_STR(from_json("bytes", "\"AAE=\""), "0001");
    CHECK_STR(from_json("bytes", "\"AA\""), "00");
    CHECK_STR(from_json("bytes", "\"\""), "");
    CHECK_STR(from_json("bytes", "\"AAF=\""),
              "ERR: argument 1: bytes must be a base64 string");
    CHECK_STR(from_json("bytes", "\"@@@@\""),
              "ERR: argument 1: bytes must be a base64 string");
    CHECK_STR(from_json("bytes", "[1,2]"),
              "ERR: argument 1: expected a base64 string for bytes, got an "
              "array");
    CHECK_STR(from_json("json", "{\"a\": [1, 2]}"), "{\"a\":[1,2]}");
    CHECK_STR(from_json("json", "\"s\""), "\"s\"");
    CHECK_STR(from_json("json", "null"), "null");
    CHECK_STR(from_json("vec<u8>", "[1,2,255]"), "[1,2,255]");
    CHECK_STR(from_json("vec<u8>", "[1,256]"),
              "ERR: argument 1[1]: 256 does not fit u8 exactly");
    CHECK_STR(from_json("vec<i16>", "[-32768,32767]"), "[-32768,32767]");
    CHECK_STR(from_json("vec<u64>", "[\"18446744073709551615\",0]"),
              "[\"18446744073709551615\",0]");
    CHECK_STR(from_json("vec<i32>", "[]"), "[]");
    CHECK_STR(from_json("vec<i32>", "{}"),
              "ERR: argument 1: expected an array for vec<i32>, got an "
              "object");

    /* The argument list as a whole. */
    wxa_type types[2] = {WXA_I32, WXA_STRING};
    wxa_value vals[2];
    json_t *a = json_loads("[1, \"x\", 3]", 0, NULL);
    CHECK(wxa_values_from_json(types, 2, a, vals, &err) == WX_EARG);
    CHECK_STR(err.message, "expected 2 arguments, got 3");
    json_decref(a);
    a = json_loads("[1, 2]", 0, NULL);
    CHECK(wxa_values_from_json(types, 2, a, vals, &err) == WX_EARG);
    CHECK_STR(err.message, "argument 2: expected a string for string, got 2");
    json_decref(a);
    a = json_loads("[7, \"ok\"]", 0, NULL);
    CHECK(wxa_values_from_json(types, 2, a, vals, &err) == WX_OK);
    CHECK(vals[0].of.i == 7 && strcmp(vals[1].of.buf.data, "ok") == 0);
    wxa_values_free(vals, 2);
    json_decref(a);
}

static void test_to_json(void)
{
    CHECK_STR(text_to_json("u64", "18446744073709551615"),
              "\"18446744073709551615\"");
    CHECK_STR(text_to_json("u64", "42"), "42");
    CHECK_STR(text_to_json("i8", "-5"), "-5");
    CHECK_STR(text_to_json("f64", "2.5"), "2.5");
    CHECK_STR(text_to_json("f32", "nan"), "\"nan\"");
    CHECK_STR(text_to_json("f64", "-inf"), "\"-inf\"");
    CHECK_STR(text_to_json("bool", "false"), "false");
    CHECK_STR(text_to_json("char", "\xc3\xa9"), "\"\xc3\xa9\"");
    CHECK_STR(text_to_json("bytes", "hex:000102ff"), "\"AAEC/w==\"");
    CHECK_STR(text_to_json("json", "{\"a\": 1}"), "{\"a\":1}");
    CHECK_STR(text_to_json("vec<i16>", "-1,2"), "[-1,2]");
    CHECK_STR(text_to_json("vec<u64>", "18446744073709551615"),
              "[\"18446744073709551615\"]");
    /* Invalid UTF-8 in a string result becomes U+FFFD; bad JSON fails. */
    wxa_value v;
    CHECK(wxa_value_set(&v, WXA_STRING,
                        "a\xff"
                        "b",
                        3, &err) == WX_OK);
    json_t *j = wxa_value_to_json(&v, &err);
    CHECK(j && strcmp(json_string_value(j), "a\xef\xbf\xbd"
                                            "b") == 0);
    json_decref(j);
    wxa_value_free(&v);
    CHECK(wxa_value_set(&v, WXA_JSON, "{bad", 4, &err) == WX_OK);
    CHECK(wxa_value_to_json(&v, &err) == NULL && err.status == WX_EARG);
    CHECK_PREFIX(err.message, "result is not valid JSON");
    wxa_value_free(&v);
}

static void test_text(void)
{
    CHECK_STR(from_text("i32", "0x10"), "16");
    CHECK_STR(from_text("i32", "-0x10"), "-16");
    CHECK_STR(from_text("i32", "+7"), "7");
    CHECK_STR(from_text("i32", "25.0"), "25");
    CHECK_STR(from_text("i32", "3.5"),
              "ERR: argument 1: 3.5 does not fit i32 exactly");
    CHECK_STR(from_text("i32", "abc"),
              "ERR: argument 1: \"abc\" is not a number (i32)");
    CHECK_STR(from_text("i32", ""),
              "ERR: argument 1: \"\" is not a number (i32)");
    CHECK_STR(from_text("i32", " 5"),
              "ERR: argument 1: \" 5\" is not a number (i32)");
    CHECK_STR(from_text("i64", "99999999999999999999999"),
              "ERR: argument 1: 99999999999999999999999 does not fit i64 "
              "exactly");
    CHECK_STR(from_text("u64", "0xffffffffffffffff"), "18446744073709551615");
    CHECK_STR(from_text("u32", "4294967295"), "4294967295");
    CHECK_STR(from_text("u32", "4294967296"),
              "ERR: argument 1: 4294967296 does not fit u32 exactly");
    CHECK_STR(from_text("i8", "-129"),
              "ERR: argument 1: -129 does not fit i8 exactly");
    CHECK_STR(from_text("i64", "-9223372036854775808"),
              "-9223372036854775808");
    CHECK_STR(from_text("i32", "1e3"), "1000");
    CHECK_STR(from_text("f32", "0.1"), "0.1");
    CHECK_STR(from_text("f32", "1e39"),
              "ERR: argument 1: 1e39 does not fit f32 exactly");
    CHECK_STR(from_text("f32", "inf"), "inf");
    CHECK_STR(from_text("f64", "nan"), "nan");
    CHECK_STR(from_text("f64", "0x10"), "16");
    CHECK_STR(from_text("f64", "1e21"), "1e+21");
    CHECK_STR(from_text("f64", "x"),
              "ERR: argument 1: \"x\" is not a number (f64)");
    CHECK_STR(from_text("bool", "true"), "true");
    CHECK_STR(from_text("bool", "yes"),
              "ERR: argument 1: expected true or false, got \"yes\"");
    CHECK_STR(from_text("char", "\xe2\x82\xac"), "\xe2\x82\xac");
    CHECK_STR(from_text("char", ""),
              "ERR: argument 1: expected one character, got 0 bytes");
    CHECK_STR(from_text("string", "as is, \"quoted\""), "as is, \"quoted\"");
    CHECK_STR(from_text("string", "bad \xff"),
              "ERR: argument 1: not valid UTF-8");
    CHECK_STR(from_text("bytes", "hex:0a0B"), "0a0b");
    CHECK_STR(from_text("bytes", "hex:"), "");
    CHECK_STR(from_text("bytes", "hex:0"), "ERR: argument 1: bad hex digits");
    CHECK_STR(from_text("bytes", "hex:zz"), "ERR: argument 1: bad hex digits");
    CHECK_STR(from_text("bytes", "base64:AAEC"), "000102");
    CHECK_STR(from_text("bytes", "0a0b"),
              "ERR: argument 1: bytes are written hex:0a0b.., base64:... or "
              "@path");
    CHECK_STR(from_text("bytes", "@/nonexistent/file"),
              "ERR: argument 1: cannot open /nonexistent/file: No such file "
              "or directory");
    char path[] = "/tmp/wx-abi-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "\x01\x02\x03", 3) == 3);
    close(fd);
    char arg[64];
    snprintf(arg, sizeof arg, "@%s", path);
    CHECK_STR(from_text("bytes", arg), "010203");
    unlink(path);
    CHECK_STR(from_text("json", "{\"a\": 1}"), "{\"a\": 1}");
    CHECK_PREFIX(from_text("json", "{bad"), "ERR: argument 1: not valid JSON");
    CHECK_STR(from_text("vec<i32>", "[1, -2, 3]"), "[1,-2,3]");
    CHECK_STR(from_text("vec<i32>", "1, -2 ,3"), "[1,-2,3]");
    CHECK_STR(from_text("vec<i32>", ""), "[]");
    CHECK_STR(from_text("vec<u8>", "0xff"), "[255]");
    CHECK_STR(from_text("vec<i32>", "1,,2"),
              "ERR: argument 1[1]: expected an integer");
    CHECK_STR(from_text("vec<u8>", "1,300"),
              "ERR: argument 1[1]: 300 does not fit u8 exactly");
}

static void test_to_text(void)
{
    wxa_value v = wxa_value_f32(sqrtf(5.0f));
    char *s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "2.236068");
    free(s);
    v = wxa_value_f64(0.1);
    s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "0.1");
    free(s);
    /* Whole numbers print plainly, not as 5e+02, until exponent form is
     * shorter for good. */
    const struct {
        double d;
        const char *text;
    } plain[] = {{500, "500"},       {100, "100"},  {-1e3, "-1000"},
                 {1e16, "10000000000000000"},      {1e17, "1e+17"},
                 {123456.5, "123456.5"}, {1e-7, "1e-07"}};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        v = wxa_value_f64(plain[i].d);
        s = wxa_value_to_text(&v, 0);
        CHECK_STR(s, plain[i].text);
        free(s);
    }
    v = wxa_value_f32(500.0f);
    s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "500");
    free(s);
    v = wxa_value_char(0x1F600);
    s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "\xf0\x9f\x98\x80");
    free(s);
    CHECK(wxa_value_set(&v, WXA_BYTES, "\x00\xff", 2, &err) == WX_OK);
    s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "00ff");
    free(s);
    s = wxa_value_to_text(&v, WXA_TEXT_BASE64);
    CHECK_STR(s, "AP8=");
    free(s);
    wxa_value_free(&v);
    int16_t e[3] = {-1, 0, 300};
    CHECK(wxa_value_set(&v, WXA_VEC_I16, e, 3, &err) == WX_OK);
    s = wxa_value_to_text(&v, 0);
    CHECK_STR(s, "[-1,0,300]");
    free(s);
    wxa_value copy;
    CHECK(wxa_value_copy(&copy, &v, &err) == WX_OK);
    CHECK(copy.of.vec.data != v.of.vec.data &&
          ((int16_t *)copy.of.vec.data)[2] == 300);
    wxa_value_free(&copy);
    wxa_value_free(&v);
}

static void test_sql(void)
{
    CHECK_STR(from_sql("i32", sql_int(25)), "25");
    CHECK_STR(from_sql("i32", sql_float(25.0)), "25");
    CHECK_STR(from_sql("i32", sql_float(3.5)),
              "ERR: argument 1: 3.5 does not fit i32 exactly");
    CHECK_STR(from_sql("i32", sql_int(INT64_C(1) << 40)),
              "ERR: argument 1: 1099511627776 does not fit i32 exactly");
    CHECK_STR(from_sql("u8", sql_int(-1)),
              "ERR: argument 1: -1 does not fit u8 exactly");
    CHECK_STR(from_sql("f64", sql_int(7)), "7");
    CHECK_STR(from_sql("f64", sql_int((INT64_C(1) << 53) + 1)),
              "ERR: argument 1: 9007199254740993 does not fit f64 exactly");
    CHECK_STR(from_sql("f32", sql_float(0.5)), "0.5");
    CHECK_STR(from_sql("string", sql_str(WXA_SQL_STRING, "hi")), "hi");
    CHECK_STR(from_sql("json", sql_str(WXA_SQL_STRING, "[1]")), "[1]");
    CHECK_PREFIX(from_sql("json", sql_str(WXA_SQL_STRING, "[1")),
                 "ERR: argument 1: not valid JSON");
    CHECK_STR(from_sql("json", sql_int(3)), "3");
    CHECK_STR(from_sql("bytes", sql_str(WXA_SQL_BYTES, "AB")), "4142");
    CHECK_STR(from_sql("bytes", sql_str(WXA_SQL_STRING, "AB")), "4142");
    CHECK_STR(from_sql("string", sql_str(WXA_SQL_BYTES, "AB")), "AB");
    CHECK_STR(from_sql("i32", sql_str(WXA_SQL_STRING, "25")),
              "ERR: argument 1: expected i32, got string");
    wxa_sql_value b = {.kind = WXA_SQL_BOOL, .of.b = true};
    CHECK_STR(from_sql("bool", b), "true");
    CHECK_STR(from_sql("i32", b), "ERR: argument 1: expected i32, got a bool");
}

static void test_convert(void)
{
    CHECK_STR(convert("i64", "25", "u8"), "25");
    CHECK_STR(convert("i64", "-1", "u32"),
              "ERR: argument 2: -1 does not fit u32 exactly");
    CHECK_STR(convert("f64", "3", "i16"), "3");
    CHECK_STR(convert("f64", "3.25", "i16"),
              "ERR: argument 2: 3.25 does not fit i16 exactly");
    CHECK_STR(convert("u32", "65", "char"), "A");
    CHECK_STR(convert("char", "A", "u8"), "65");
    CHECK_STR(convert("vec<i32>", "1,300", "vec<u8>"),
              "ERR: argument 2[1]: 300 does not fit u8 exactly");
    CHECK_STR(convert("vec<i32>", "1,-3", "vec<i64>"), "[1,-3]");
    CHECK_STR(convert("bytes", "hex:0102", "vec<u8>"), "[1,2]");
    CHECK_STR(convert("vec<u8>", "1,2", "bytes"), "0102");
    CHECK_STR(convert("string", "[1]", "json"), "[1]");
    CHECK_PREFIX(convert("string", "[1", "json"),
                 "ERR: argument 2: not valid JSON");
    CHECK_STR(convert("bytes", "hex:ff", "string"),
              "ERR: argument 2: not valid UTF-8");
    CHECK_STR(convert("bool", "true", "i32"),
              "ERR: argument 2: expected i32, got bool");
    CHECK_STR(convert("string", "x", "i32"),
              "ERR: argument 2: expected i32, got string");
}

int main(void)
{
    test_types();
    test_json_numbers();
    test_json_others();
    test_to_json();
    test_text();
    test_to_text();
    test_sql();
    test_convert();
    return CHECK_DONE();
}
