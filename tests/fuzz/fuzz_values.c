/*
 * libFuzzer target: the value converters of the public API
 * (wx_values_from_json, wx_values_from_argv, wx_values_to_json,
 * wx_values_to_text; src/api/convert.c over src/abi/value*.c).
 *
 * Input: byte 0 chooses the function description (every wx_type alone,
 * then a few mixes, then none), byte 1 bit 0 the door (0: the rest is a
 * JSON array; 1: the rest is the arguments, separated by NUL bytes).
 * Properties, for values that came in:
 *   - to_json and to_text (hex and base64) succeed;
 *   - JSON is lossless: from_json(to_json(v)) == v (NaN as NaN; json
 *     values as equal JSON);
 *   - so is the command-line text, one value per argument (bytes with
 *     their hex: or base64: prefix), except for what a C string cannot
 *     carry (a NUL in a string, char U+0000);
 *   - a number written as a JSON string is refused if the string holds
 *     a NUL (the text reader would stop there);
 *   - a refusal is WX_EARG (WX_EIO, WX_ELIMIT for @file) with a message.
 * Arguments "@path" for bytes read a file by design; the target leaves
 * them out, so that it never reads the disk.
 */
#include "fuzz.h"
#include "wasmext.h"

#include "dl_jansson.h"
#include <math.h>
#include <string.h>

#define T(x) WX_TYPE_##x
static const wx_type mixes[][4] = {
    {T(I32), T(STRING), T(F64)},
    {T(BYTES), T(VEC_U16), T(CHAR), T(BOOL)},
    {T(JSON), T(U64), T(I8), T(F32)},
    {T(VEC_I64), T(VEC_U64), T(U32)},
};
static const uint32_t mix_counts[] = {3, 4, 4, 3};
#undef T
#define NMIXES (sizeof mixes / sizeof mixes[0])
/* Every type alone, the mixes, and no parameters at all. */
#define NFUNCS ((size_t)WX_TYPE_COUNT_ + NMIXES + 1)

static void describe(size_t k, wx_function_info *fn)
{
    memset(fn, 0, sizeof *fn);
    fn->name = "f";
    fn->loaded = true;
    k %= NFUNCS;
    if (k < WX_TYPE_COUNT_) {
        fn->nparams = 1;
        fn->params[0] = (wx_type)k;
    } else if (k - WX_TYPE_COUNT_ < NMIXES) {
        fn->nparams = mix_counts[k - WX_TYPE_COUNT_];
        memcpy(fn->params, mixes[k - WX_TYPE_COUNT_],
               fn->nparams * sizeof *fn->params);
    }
}

static size_t elem_size(wx_type t)
{
    switch (t) {
    case WX_TYPE_VEC_I8:
    case WX_TYPE_VEC_U8: return 1;
    case WX_TYPE_VEC_I16:
    case WX_TYPE_VEC_U16: return 2;
    case WX_TYPE_VEC_I32:
    case WX_TYPE_VEC_U32: return 4;
    default: return 8;
    }
}

/* How the converters read JSON: "\u0000" included. */
#define JSON_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

static bool json_text_equal(const wx_value *a, const wx_value *b)
{
    json_t *x = json_loadb(a->of.buf.data, a->of.buf.len, JSON_FLAGS, NULL);
    json_t *y = json_loadb(b->of.buf.data, b->of.buf.len, JSON_FLAGS, NULL);
    bool eq = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return eq;
}

static bool value_equal(const wx_value *a, const wx_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WX_TYPE_F32:
        return (isnan(a->of.f32) && isnan(b->of.f32)) ||
               memcmp(&a->of.f32, &b->of.f32, sizeof a->of.f32) == 0;
    case WX_TYPE_F64:
        return (isnan(a->of.f64) && isnan(b->of.f64)) ||
               memcmp(&a->of.f64, &b->of.f64, sizeof a->of.f64) == 0;
    case WX_TYPE_BOOL: return a->of.b == b->of.b;
    case WX_TYPE_CHAR: return a->of.ch == b->of.ch;
    case WX_TYPE_STRING:
    case WX_TYPE_BYTES:
        return a->of.buf.len == b->of.buf.len &&
               memcmp(a->of.buf.data, b->of.buf.data, a->of.buf.len) == 0;
    case WX_TYPE_JSON: return json_text_equal(a, b);
    default:
        if (a->type >= WX_TYPE_VEC_I8)
            return a->of.vec.count == b->of.vec.count &&
                   memcmp(a->of.vec.data, b->of.vec.data,
                          a->of.vec.count * elem_size(a->type)) == 0;
        return a->of.u == b->of.u; /* integers, sign-extended */
    }
}

static void check_equal(const wx_values *a, const wx_values *b,
                        const char *how)
{
    FUZZ_CHECK(a->count == b->count, "%s: %u values, then %u", how, a->count,
               b->count);
    for (uint32_t i = 0; i < a->count; i++)
        FUZZ_CHECK(value_equal(&a->values[i], &b->values[i]),
                   "%s: value %u (%s) changed", how, i,
                   wx_type_name(a->values[i].type));
}

static void check_refusal(wx_status s, const wx_error *err)
{
    FUZZ_CHECK(s == WX_EARG || s == WX_ENOMEM || s == WX_EIO || s == WX_ELIMIT,
               "refused with %s: %s", wx_status_name(s), err->message);
    FUZZ_CHECK(err->message[0], "refused without a message");
}

/* Whether value v reads back from its own text line. */
static bool text_carries(const wx_value *v)
{
    if (v->type == WX_TYPE_CHAR)
        return v->of.ch != 0;
    if (v->type == WX_TYPE_STRING || v->type == WX_TYPE_JSON)
        return memchr(v->of.buf.data, 0, v->of.buf.len) == NULL;
    return true;
}

/* The command-line text of each value, read back with from_argv. */
static void text_round_trip(const wx_function_info *fn, const wx_values *v,
                            unsigned flags)
{
    char *argv[WX_MAX_VALUES];
    for (uint32_t i = 0; i < v->count; i++)
        if (!text_carries(&v->values[i]))
            return;
    for (uint32_t i = 0; i < v->count; i++) {
        wx_error err;
        char *line = wx_values_to_text(&v->values[i], 1, flags, &err);
        FUZZ_CHECK(line, "to_text failed: %s", err.message);
        size_t n = strlen(line);
        FUZZ_CHECK(n && line[n - 1] == '\n', "a text line without its \\n");
        line[n - 1] = '\0';
        if (v->values[i].type == WX_TYPE_BYTES) {
            const char *pre = (flags & WX_TEXT_BASE64) ? "base64:" : "hex:";
            char *p = malloc(strlen(pre) + n);
            FUZZ_CHECK(p, "out of memory");
            strcpy(p, pre);
            strcat(p, line);
            free(line);
            line = p;
        }
        argv[i] = line;
    }
    wx_values back;
    wx_error err;
    wx_status s = wx_values_from_argv(fn, (int)v->count,
                                      (const char *const *)argv, &back, &err);
    FUZZ_CHECK(s == WX_OK, "its own text is refused: %s", err.message);
    check_equal(v, &back, flags ? "text (base64)" : "text");
    wx_values_free(&back);
    for (uint32_t i = 0; i < v->count; i++)
        free(argv[i]);
}

static void round_trips(const wx_function_info *fn, wx_values *v)
{
    wx_error err;
    char *json = wx_values_to_json(v->values, v->count, &err);
    FUZZ_CHECK(json, "to_json failed: %s", err.message);
    char *text = wx_values_to_text(v->values, v->count, 0, &err);
    char *text64 =
        wx_values_to_text(v->values, v->count, WX_TEXT_BASE64, &err);
    FUZZ_CHECK(text && text64, "to_text failed: %s", err.message);
    free(text);
    free(text64);

    wx_values back;
    wx_status s = wx_values_from_json(fn, json, strlen(json), &back, &err);
    FUZZ_CHECK(s == WX_OK, "its own JSON is refused: %s\n%s", err.message,
               json);
    check_equal(v, &back, "JSON");
    wx_values_free(&back);
    free(json);

    text_round_trip(fn, v, 0);
    text_round_trip(fn, v, WX_TEXT_BASE64);
}

/* The payload as NUL-separated arguments (a copy with a final NUL). */
static void from_argv(const wx_function_info *fn, const uint8_t *p, size_t n)
{
    char *buf = malloc(n + 1);
    const char *argv[WX_MAX_VALUES + 1];
    int argc = 0;
    FUZZ_CHECK(buf, "out of memory");
    memcpy(buf, p, n);
    buf[n] = '\0';
    for (size_t at = 0; n && at <= n && argc <= (int)WX_MAX_VALUES;) {
        argv[argc++] = buf + at;
        at += strlen(buf + at) + 1;
    }
    for (int i = 0; i < argc && i < (int)fn->nparams; i++)
        if (fn->params[i] == WX_TYPE_BYTES && argv[i][0] == '@') {
            free(buf);
            return;
        }
    wx_values v;
    wx_error err;
    wx_status s = wx_values_from_argv(fn, argc, argv, &v, &err);
    if (s == WX_OK)
        round_trips(fn, &v);
    else
        check_refusal(s, &err);
    wx_values_free(&v);
    free(buf);
}

/* Numbers written as JSON strings ("-9223372036854775808", "nan") are
 * read as text, which stops at a NUL: one holding a NUL must be refused,
 * not read up to it. */
static void check_no_cut_numbers(const wx_function_info *fn, const uint8_t *p,
                                 size_t n)
{
    json_t *arr = json_loadb((const char *)p, n, JSON_FLAGS, NULL);
    for (uint32_t i = 0; i < fn->nparams && i < json_array_size(arr); i++) {
        json_t *s = json_array_get(arr, i);
        FUZZ_CHECK(!json_is_string(s) || fn->params[i] > WX_TYPE_F64 ||
                       strlen(json_string_value(s)) == json_string_length(s),
                   "argument %u: a %s from a string with a NUL", i + 1,
                   wx_type_name(fn->params[i]));
    }
    json_decref(arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    wx_function_info fn;
    describe(data[0], &fn);
    if (data[1] & 1) {
        from_argv(&fn, data + 2, size - 2);
        return 0;
    }
    wx_values v;
    wx_error err;
    wx_status s =
        wx_values_from_json(&fn, (const char *)data + 2, size - 2, &v, &err);
    if (s == WX_OK) {
        check_no_cut_numbers(&fn, data + 2, size - 2);
        round_trips(&fn, &v);
    } else {
        check_refusal(s, &err);
    }
    wx_values_free(&v);
    return 0;
}
