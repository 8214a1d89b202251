/*
 * Values to and from JSON (jansson): the REST surface's encoding.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A short rendering of a JSON value for messages ("true", "[...]"). */
static void json_brief(const json_t *j, char *buf, size_t cap)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: snprintf(buf, cap, "an object"); return;
    case JSON_ARRAY: snprintf(buf, cap, "an array"); return;
    case JSON_STRING: snprintf(buf, cap, "a string"); return;
    case JSON_TRUE: snprintf(buf, cap, "true"); return;
    case JSON_FALSE: snprintf(buf, cap, "false"); return;
    case JSON_NULL: snprintf(buf, cap, "null"); return;
    case JSON_INTEGER:
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return;
    case JSON_REAL: wxai_format_f64(json_real_value(j), buf, cap); return;
    }
    snprintf(buf, cap, "?");
}

static wx_status wrong_kind(wxa_type t, const json_t *j, const char *what,
                            const char *expected, wx_error *err)
{
    char got[64];
    json_brief(j, got, sizeof got);
    return wxai_fail(err, WX_EARG, what, "expected %s for %s, got %s",
                     expected, wx_type_name(t), got);
}

/* A 64-bit integer written as a decimal string (JSON numbers cannot
 * carry all of them through every client). */
static wx_status int_from_string(wxa_type t, const json_t *j, const char *what,
                                 wxa_value *out, wx_error *err)
{
    const char *s = json_string_value(j);
    if (t != WXA_I64 && t != WXA_U64)
        return wrong_kind(t, j, what, "a number", err);
    /* The text reader stops at a NUL ("1\u0000x" would read as 1). */
    if (strlen(s) != json_string_length(j))
        return wxai_fail(err, WX_EARG, what,
                         "expected a number for %s, got a string with a NUL",
                         wx_type_name(t));
    return wxa_value_from_text(t, s, what, out, err);
}

static wx_status number_from_json(wxa_type t, const json_t *j,
                                  const char *what, wxa_value *out,
                                  wx_error *err)
{
    wxai_num n;
    if (json_is_integer(j)) {
        n.kind = WXAI_NUM_INT;
        n.of.i = json_integer_value(j);
    } else if (json_is_real(j)) {
        n.kind = WXAI_NUM_FLOAT;
        n.of.f = json_real_value(j);
    } else if (json_is_string(j) && wxa_type_is_int(t)) {
        return int_from_string(t, j, what, out, err);
    } else if (json_is_string(j) && t == WXA_CHAR) {
        wxa_value s = {.type = WXA_STRING};
        s.of.buf.data = (char *)json_string_value(j);
        s.of.buf.len = json_string_length(j);
        return wxa_value_convert(&s, WXA_CHAR, what, out, err);
    } else if (json_is_string(j) && wxa_type_is_float(t)) {
        /* "nan", "inf", "-inf": what wxa_value_to_json writes for them. */
        const char *s = json_string_value(j);
        if ((strcmp(s, "nan") && strcmp(s, "inf") && strcmp(s, "-inf")) ||
            strlen(s) != json_string_length(j))
            return wrong_kind(t, j, what, "a number", err);
        return wxa_value_from_text(t, s, what, out, err);
    } else {
        return wrong_kind(
            t, j, what, t == WXA_CHAR ? "a one-character string" : "a number",
            err);
    }
    return wxai_num_to_value(t, n, what, out, err);
}

static wx_status vec_from_json(wxa_type t, const json_t *j, const char *what,
                               wxa_value *out, wx_error *err)
{
    if (!json_is_array(j))
        return wrong_kind(t, j, what, "an array", err);
    size_t n = json_array_size(j);
    wx_status s = wxai_vec_new(t, n, out, err);
    for (size_t i = 0; s == WX_OK && i < n; i++) {
        char label[96];
        snprintf(label, sizeof label, "%s[%zu]", what ? what : "value", i);
        wxa_value e;
        s = number_from_json(wxa_type_elem(t), json_array_get(j, i), label, &e,
                             err);
        if (s == WX_OK)
            wxai_vec_put(out, i, &e);
    }
    if (s != WX_OK)
        wxa_value_free(out);
    return s;
}

wx_status wxa_value_from_json(wxa_type t, const json_t *j, const char *what,
                              wxa_value *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    if (!j)
        return wxai_fail(err, WX_EARG, what, "missing value");
    if (wxa_type_is_int(t) || wxa_type_is_float(t) || t == WXA_CHAR)
        return number_from_json(t, j, what, out, err);
    if (wxa_type_is_vec(t))
        return vec_from_json(t, j, what, out, err);
    switch (t) {
    case WXA_BOOL:
        if (!json_is_boolean(j))
            return wrong_kind(t, j, what, "true or false", err);
        *out = wxa_value_bool(json_is_true(j));
        return WX_OK;
    case WXA_STRING:
        if (!json_is_string(j))
            return wrong_kind(t, j, what, "a string", err);
        return wxa_value_set(out, t, json_string_value(j),
                             json_string_length(j), err);
    case WXA_BYTES: {
        if (!json_is_string(j))
            return wrong_kind(t, j, what, "a base64 string", err);
        uint8_t *data;
        size_t len;
        bool oom;
        if (!wxai_base64_decode(json_string_value(j), json_string_length(j),
                                &data, &len, &oom))
            return oom ? wx_error_set(err, WX_ENOMEM, "out of host memory")
                       : wxai_fail(err, WX_EARG, what,
                                   "bytes must be a base64 string");
        out->type = t;
        out->of.buf.data = (char *)data;
        out->of.buf.len = len;
        return WX_OK;
    }
    case WXA_JSON: {
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        out->type = t;
        out->of.buf.data = text;
        out->of.buf.len = strlen(text);
        return WX_OK;
    }
    default: return wxai_fail(err, WX_EARG, what, "unknown value type");
    }
}

/* "argument <n>" in `buf` (32 bytes), made by hand: snprintf costs as
 * much as a small guest call, on every call, for a label that only an
 * error message uses. */
static void arg_label(char *buf, size_t n)
{
    static const char prefix[] = "argument ";
    char digits[24];
    size_t k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    memcpy(buf, prefix, sizeof prefix - 1);
    for (size_t i = 0; i < k; i++)
        buf[sizeof prefix - 1 + i] = digits[k - 1 - i];
    buf[sizeof prefix - 1 + k] = '\0';
}

wx_status wxa_values_from_json(const wxa_type *types, size_t n,
                               const json_t *array, wxa_value *out,
                               wx_error *err)
{
    if (!json_is_array(array))
        return wx_error_set(err, WX_EARG, "arguments must be an array");
    if (json_array_size(array) != n)
        return wx_error_set(err, WX_EARG, "expected %zu argument%s, got %zu",
                            n, n == 1 ? "" : "s", json_array_size(array));
    for (size_t i = 0; i < n; i++) {
        char what[32];
        arg_label(what, i + 1);
        wx_status s = wxa_value_from_json(types[i], json_array_get(array, i),
                                          what, &out[i], err);
        if (s != WX_OK) {
            wxa_values_free(out, i);
            return s;
        }
    }
    return WX_OK;
}

/* ------------------------------------------------------------ to JSON */

/* A JSON string from bytes that should be UTF-8: invalid sequences
 * become U+FFFD, since JSON text cannot carry them. The bytes are checked
 * here once, so jansson need not check them again (its check is a
 * byte-at-a-time pass that costs more than a call of a small guest). */
static json_t *string_to_json(const char *data, size_t len)
{
    if (wxai_utf8_valid((const uint8_t *)data, len))
        return json_stringn_nocheck(data, len);
    char *clean = malloc(len * 3 + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t k = wxai_utf8_decode((const uint8_t *)data + i, len - i, &c);
        if (k == 0) {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(clean + o, data + i, k);
            o += k;
            i += k;
        }
    }
    json_t *j = json_stringn_nocheck(clean, o);
    free(clean);
    return j;
}

static json_t *float_to_json(double d)
{
    if (isnan(d))
        return json_string("nan");
    if (isinf(d))
        return json_string(d < 0 ? "-inf" : "inf");
    return json_real(d);
}

static json_t *uint_to_json(uint64_t u)
{
    if (u <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)u);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, u);
    return json_string(buf);
}

static json_t *vec_to_json(const wxa_value *v)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    size_t es = wxa_type_elem_size(v->type);
    const uint8_t *p = v->of.vec.data;
    bool is_signed = (wxa_type_elem(v->type) - WXA_I8) % 2 == 0;
    for (size_t i = 0; i < v->of.vec.count; i++) {
        uint64_t bits = 0;
        memcpy(&bits, p + i * es, es);
        json_t *e;
        if (is_signed) {
            /* Sign-extend from the element width. */
            unsigned shift = 64 - 8 * (unsigned)es;
            e = json_integer((json_int_t)((int64_t)(bits << shift) >> shift));
        } else {
            e = uint_to_json(bits);
        }
        if (json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *wxa_value_to_json(const wxa_value *v, wx_error *err)
{
    json_t *j = NULL;
    switch (v->type) {
    case WXA_I8:
    case WXA_I16:
    case WXA_I32:
    case WXA_I64: j = json_integer((json_int_t)v->of.i); break;
    case WXA_U8:
    case WXA_U16:
    case WXA_U32:
    case WXA_U64: j = uint_to_json(v->of.u); break;
    case WXA_F32: j = float_to_json(v->of.f32); break;
    case WXA_F64: j = float_to_json(v->of.f64); break;
    case WXA_BOOL: j = json_boolean(v->of.b); break;
    case WXA_CHAR: {
        char u[4];
        size_t k = wxai_utf8_encode(v->of.ch, u);
        j = k ? json_stringn(u, k) : json_string("\xEF\xBF\xBD");
        break;
    }
    case WXA_STRING: j = string_to_json(v->of.buf.data, v->of.buf.len); break;
    case WXA_BYTES: {
        char *b64 =
            wxai_base64_encode((const uint8_t *)v->of.buf.data, v->of.buf.len);
        j = b64 ? json_string(b64) : NULL;
        free(b64);
        break;
    }
    case WXA_JSON: {
        json_error_t je;
        /* JSON_ALLOW_NUL: "\u0000" is JSON, and wx_values_from_json
         * stores such text for a json argument. */
        j = json_loadb(v->of.buf.data, v->of.buf.len,
                       JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!j) {
            wx_error_set(err, WX_EARG, "result is not valid JSON: %s",
                         je.text);
            return NULL;
        }
        return j;
    }
    default:
        if (wxa_type_is_vec(v->type)) {
            j = vec_to_json(v);
            break;
        }
        wx_error_set(err, WX_EARG, "unknown value type");
        return NULL;
    }
    if (!j)
        wx_error_set(err, WX_ENOMEM, "out of host memory");
    return j;
}
