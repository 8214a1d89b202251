/*
 * Typed values: the type table, construction and freeing, the exact-fit
 * rule for numbers, and conversion between value types. The encodings
 * (JSON, text, SQL) live in value_json.c and value_text.c.
 */
#include "internal.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- types */

static const char *const type_names[] = {
#define WXA_TYPE_NAME_(e, n, s) n,
    WXA_TYPE_LIST(WXA_TYPE_NAME_)
#undef WXA_TYPE_NAME_
};

static const uint8_t elem_sizes[] = {
#define WXA_TYPE_SIZE_(e, n, s) s,
    WXA_TYPE_LIST(WXA_TYPE_SIZE_)
#undef WXA_TYPE_SIZE_
};

const char *wx_type_name(wx_type t)
{
    return (unsigned)t < WXA_TYPE_COUNT_ ? type_names[t] : NULL;
}

bool wx_type_parse(const char *name, wx_type *out)
{
    if (!name || !out)
        return false;
    for (unsigned t = 0; t < WXA_TYPE_COUNT_; t++) {
        if (strcmp(name, type_names[t]) == 0) {
            *out = (wxa_type)t;
            return true;
        }
    }
    return false;
}

bool wxa_type_is_int(wxa_type t)
{
    return t >= WXA_I8 && t <= WXA_U64;
}

bool wxa_type_is_float(wxa_type t)
{
    return t == WXA_F32 || t == WXA_F64;
}

bool wxa_type_is_buf(wxa_type t)
{
    return t == WXA_STRING || t == WXA_BYTES || t == WXA_JSON;
}

bool wxa_type_is_vec(wxa_type t)
{
    return t >= WXA_VEC_I8 && t <= WXA_VEC_U64;
}

size_t wxa_type_elem_size(wxa_type t)
{
    return (unsigned)t < WXA_TYPE_COUNT_ ? elem_sizes[t] : 0;
}

wxa_type wxa_type_elem(wxa_type t)
{
    /* The vector types list their elements in the integer types' order. */
    return (wxa_type)(WXA_I8 + (t - WXA_VEC_I8));
}

/* Whether integer type t is unsigned (the list alternates i, u). */
static bool int_unsigned(wxa_type t)
{
    return (t - WXA_I8) % 2 == 1;
}

static unsigned int_bits(wxa_type t)
{
    return 8u << ((t - WXA_I8) / 2);
}

/* --------------------------------------------------------------- values */

void wxa_value_free(wxa_value *v)
{
    if (!v)
        return;
    if (wxa_type_is_buf(v->type))
        free(v->of.buf.data);
    else if (wxa_type_is_vec(v->type))
        free(v->of.vec.data);
    memset(&v->of, 0, sizeof v->of);
}

void wxa_values_free(wxa_value *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        wxa_value_free(&v[i]);
}

wx_status wxai_vec_new(wxa_type t, size_t n, wxa_value *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = t;
    size_t es = wxa_type_elem_size(t);
    /* Never malloc(0): an empty vector still has a valid pointer. */
    if (n > SIZE_MAX / es - 1 || !(out->of.vec.data = malloc(n * es + 1)))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    out->of.vec.count = n;
    return WX_OK;
}

void wxai_vec_put(wxa_value *v, size_t i, const wxa_value *e)
{
    void *data = v->of.vec.data;
    switch (v->type) {
    case WXA_VEC_I8: ((int8_t *)data)[i] = (int8_t)e->of.i; break;
    case WXA_VEC_U8: ((uint8_t *)data)[i] = (uint8_t)e->of.u; break;
    case WXA_VEC_I16: ((int16_t *)data)[i] = (int16_t)e->of.i; break;
    case WXA_VEC_U16: ((uint16_t *)data)[i] = (uint16_t)e->of.u; break;
    case WXA_VEC_I32: ((int32_t *)data)[i] = (int32_t)e->of.i; break;
    case WXA_VEC_U32: ((uint32_t *)data)[i] = (uint32_t)e->of.u; break;
    case WXA_VEC_I64: ((int64_t *)data)[i] = e->of.i; break;
    default: ((uint64_t *)data)[i] = e->of.u; break;
    }
}

wx_status wxa_value_set(wxa_value *out, wxa_type t, const void *data,
                        size_t len, wx_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = t;
    if (wxa_type_is_buf(t)) {
        /* One byte more for the NUL that makes strings C strings too. */
        char *p = malloc(len + 1);
        if (!p)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        if (len)
            memcpy(p, data, len);
        p[len] = '\0';
        out->of.buf.data = p;
        out->of.buf.len = len;
        return WX_OK;
    }
    if (wxa_type_is_vec(t)) {
        wx_status s = wxai_vec_new(t, len, out, err);
        if (s == WX_OK && len)
            memcpy(out->of.vec.data, data, len * wxa_type_elem_size(t));
        return s;
    }
    return wx_error_set(err, WX_EARG, "%s is not a buffer type",
                        wx_type_name(t) ? wx_type_name(t) : "?");
}

wx_status wxa_value_copy(wxa_value *dst, const wxa_value *src, wx_error *err)
{
    if (wxa_type_is_buf(src->type))
        return wxa_value_set(dst, src->type, src->of.buf.data, src->of.buf.len,
                             err);
    if (wxa_type_is_vec(src->type))
        return wxa_value_set(dst, src->type, src->of.vec.data,
                             src->of.vec.count, err);
    *dst = *src;
    return WX_OK;
}

/* --------------------------------------------------------------- errors */

wx_status wxai_fail(wx_error *err, wx_status s, const char *what,
                    const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (what)
        return wx_error_set(err, s, "%s: %s", what, msg);
    return wx_error_set(err, s, "%s", msg);
}

/* -------------------------------------------------------------- numbers */

/*
 * %g picks exponent form whenever the exponent is at least the precision,
 * so the shortest round-trip precision alone prints 500 as "5e+02". Below
 * 1e17 a precision that covers every integer digit prints it plainly and
 * still reads back the same.
 */
static void format_plain(double d, int p, char *buf, size_t cap)
{
    double mag = fabs(d);
    if (mag >= 1 && mag < 1e17) {
        /* The integer digits, counted: libm's log10 only for this would
         * be a shared library more in every process. */
        int digits = 1;
        for (double ten = 10; digits < 17 && mag >= ten; ten *= 10)
            digits++;
        if (digits > p)
            p = digits;
    }
    snprintf(buf, cap, "%.*g", p, d);
}

void wxai_format_f64(double d, char *buf, size_t cap)
{
    if (isnan(d)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, cap, d < 0 ? "-inf" : "inf");
        return;
    }
    /* The shortest precision that reads back as the same double. */
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, d);
        if (strtod(buf, NULL) == d) {
            format_plain(d, p, buf, cap);
            return;
        }
    }
}

void wxai_format_f32(float f, char *buf, size_t cap)
{
    if (isnan(f) || isinf(f)) {
        wxai_format_f64(f, buf, cap);
        return;
    }
    for (int p = 1; p <= 9; p++) {
        snprintf(buf, cap, "%.*g", p, (double)f);
        if (strtof(buf, NULL) == f) {
            format_plain(f, p, buf, cap);
            return;
        }
    }
}

void wxai_num_format(wxai_num n, char *buf, size_t cap)
{
    switch (n.kind) {
    case WXAI_NUM_INT: snprintf(buf, cap, "%" PRId64, n.of.i); break;
    case WXAI_NUM_UINT: snprintf(buf, cap, "%" PRIu64, n.of.u); break;
    case WXAI_NUM_FLOAT: wxai_format_f64(n.of.f, buf, cap); break;
    }
}

/*
 * The number as an exact integer, if it is one: a sign and a magnitude
 * (so that the whole range -2^63 .. 2^64-1 is covered). Doubles count if
 * they are finite and integral, and below 2^64 in magnitude.
 */
static bool num_integer(wxai_num n, bool *neg, uint64_t *mag)
{
    switch (n.kind) {
    case WXAI_NUM_INT:
        *neg = n.of.i < 0;
        *mag = *neg ? (uint64_t)0 - (uint64_t)n.of.i : (uint64_t)n.of.i;
        return true;
    case WXAI_NUM_UINT:
        *neg = false;
        *mag = n.of.u;
        return true;
    case WXAI_NUM_FLOAT: {
        double d = n.of.f;
        if (!isfinite(d) || floor(d) != d || fabs(d) >= 18446744073709551616.0)
            return false;
        *neg = d < 0;
        *mag = (uint64_t)fabs(d);
        return true;
    }
    }
    return false;
}

/* Whether the integer (neg, mag) is exactly a double / float. */
static bool int_as_f64(bool neg, uint64_t mag, double *out)
{
    double d = (double)mag;
    /* 2^64 is where the conversion back would overflow: mag < 2^64, so a
     * double that rounded up to it is not exact. */
    if (d >= 18446744073709551616.0 || (uint64_t)d != mag)
        return false;
    *out = neg ? -d : d;
    return true;
}

static bool int_as_f32(bool neg, uint64_t mag, float *out)
{
    float f = (float)mag;
    if (f >= 18446744073709551616.0f || (uint64_t)f != mag)
        return false;
    *out = neg ? -f : f;
    return true;
}

static wx_status no_fit(wxa_type t, wxai_num n, const char *what,
                        wx_error *err)
{
    char num[64];
    wxai_num_format(n, num, sizeof num);
    return wxai_fail(err, WX_EARG, what, "%s does not fit %s exactly", num,
                     wx_type_name(t));
}

static wx_status int_to_value(wxa_type t, wxai_num n, const char *what,
                              wxa_value *out, wx_error *err)
{
    bool neg;
    uint64_t mag;
    if (!num_integer(n, &neg, &mag))
        return no_fit(t, n, what, err);
    unsigned bits = int_bits(t);
    if (int_unsigned(t)) {
        uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        if ((neg && mag != 0) || mag > max)
            return no_fit(t, n, what, err);
        *out = wxa_value_uint(t, mag);
        return WX_OK;
    }
    uint64_t lim = UINT64_C(1) << (bits - 1); /* |min|; max is lim-1 */
    if (neg ? mag > lim : mag >= lim)
        return no_fit(t, n, what, err);
    *out = wxa_value_int(t, neg ? (int64_t)(0 - mag) : (int64_t)mag);
    return WX_OK;
}

wx_status wxai_num_to_value(wxa_type t, wxai_num n, const char *what,
                            wxa_value *out, wx_error *err)
{
    bool neg;
    uint64_t mag;
    if (wxa_type_is_int(t))
        return int_to_value(t, n, what, out, err);
    if (t == WXA_F64) {
        double d;
        if (n.kind == WXAI_NUM_FLOAT)
            d = n.of.f;
        else if (!num_integer(n, &neg, &mag) || !int_as_f64(neg, mag, &d))
            return no_fit(t, n, what, err);
        *out = wxa_value_f64(d);
        return WX_OK;
    }
    if (t == WXA_F32) {
        float f;
        if (n.kind == WXAI_NUM_FLOAT) {
            /* Decimal fractions round; only overflow is refused. */
            if (isfinite(n.of.f) && fabs(n.of.f) > FLT_MAX)
                return no_fit(t, n, what, err);
            f = (float)n.of.f;
        } else if (!num_integer(n, &neg, &mag) || !int_as_f32(neg, mag, &f)) {
            return no_fit(t, n, what, err);
        }
        *out = wxa_value_f32(f);
        return WX_OK;
    }
    if (t == WXA_CHAR) {
        if (!num_integer(n, &neg, &mag) || neg || !wxai_is_scalar(mag)) {
            char num[64];
            wxai_num_format(n, num, sizeof num);
            return wxai_fail(err, WX_EARG, what,
                             "%s is not a Unicode scalar value", num);
        }
        *out = wxa_value_char((uint32_t)mag);
        return WX_OK;
    }
    char num[64];
    wxai_num_format(n, num, sizeof num);
    return wxai_fail(err, WX_EARG, what, "expected %s, got the number %s",
                     wx_type_name(t) ? wx_type_name(t) : "?", num);
}

/* ------------------------------------------------------------ convert */

/* The value as a number, if it is one (integers, floats, char). */
static bool value_num(const wxa_value *v, wxai_num *n)
{
    if (wxa_type_is_int(v->type)) {
        if (int_unsigned(v->type)) {
            n->kind = WXAI_NUM_UINT;
            n->of.u = v->of.u;
        } else {
            n->kind = WXAI_NUM_INT;
            n->of.i = v->of.i;
        }
        return true;
    }
    n->kind = WXAI_NUM_FLOAT;
    if (v->type == WXA_F32) {
        n->of.f = v->of.f32;
        return true;
    }
    if (v->type == WXA_F64) {
        n->of.f = v->of.f64;
        return true;
    }
    if (v->type == WXA_CHAR) {
        n->kind = WXAI_NUM_UINT;
        n->of.u = v->of.ch;
        return true;
    }
    return false;
}

/* Element i of a vector as a number. */
static wxai_num vec_elem(const wxa_value *v, size_t i)
{
    wxai_num n;
    const uint8_t *p = v->of.vec.data;
    n.kind = WXAI_NUM_INT;
    switch (v->type) {
    case WXA_VEC_I8: n.of.i = ((const int8_t *)p)[i]; break;
    case WXA_VEC_I16: n.of.i = ((const int16_t *)p)[i]; break;
    case WXA_VEC_I32: n.of.i = ((const int32_t *)p)[i]; break;
    case WXA_VEC_I64: n.of.i = ((const int64_t *)p)[i]; break;
    default:
        n.kind = WXAI_NUM_UINT;
        switch (v->type) {
        case WXA_VEC_U8: n.of.u = p[i]; break;
        case WXA_VEC_U16: n.of.u = ((const uint16_t *)p)[i]; break;
        case WXA_VEC_U32: n.of.u = ((const uint32_t *)p)[i]; break;
        default: n.of.u = ((const uint64_t *)p)[i]; break;
        }
    }
    return n;
}

/* Converts element by element, with "<what>[i]" in messages. */
static wx_status vec_convert(const wxa_value *v, wxa_type t, const char *what,
                             wxa_value *out, wx_error *err)
{
    size_t n = v->of.vec.count;
    wx_status s = wxai_vec_new(t, n, out, err);
    for (size_t i = 0; s == WX_OK && i < n; i++) {
        char label[96];
        snprintf(label, sizeof label, "%s[%zu]", what ? what : "value", i);
        wxa_value e;
        s = wxai_num_to_value(wxa_type_elem(t), vec_elem(v, i), label, &e,
                              err);
        if (s == WX_OK)
            wxai_vec_put(out, i, &e);
    }
    if (s != WX_OK)
        wxa_value_free(out);
    return s;
}

/* bytes <-> vec<u8>/vec<i8>: the same bytes either way. */
static bool bytes_like(wxa_type t)
{
    return t == WXA_BYTES || t == WXA_VEC_U8 || t == WXA_VEC_I8;
}

static wx_status buf_convert(const wxa_value *v, wxa_type t, const char *what,
                             wxa_value *out, wx_error *err)
{
    const char *data = v->of.buf.data;
    size_t len = v->of.buf.len;
    if (t == WXA_JSON && v->type != WXA_JSON) {
        json_error_t je;
        json_t *j = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                               &je); /* "\u0000" is JSON */
        if (!j)
            return wxai_fail(err, WX_EARG, what, "not valid JSON: %s",
                             je.text);
        json_decref(j);
    }
    if (t == WXA_STRING && !wxai_utf8_valid((const uint8_t *)data, len))
        return wxai_fail(err, WX_EARG, what, "not valid UTF-8");
    if (t == WXA_CHAR) {
        uint32_t c;
        size_t k = wxai_utf8_decode((const uint8_t *)data, len, &c);
        if (k == 0 || k != len)
            return wxai_fail(err, WX_EARG, what,
                             "expected one character, got %zu bytes", len);
        *out = wxa_value_char(c);
        return WX_OK;
    }
    return wxa_value_set(out, t, data, len, err);
}

wx_status wxa_value_convert(const wxa_value *v, wxa_type t, const char *what,
                            wxa_value *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)t >= WXA_TYPE_COUNT_ || (unsigned)v->type >= WXA_TYPE_COUNT_)
        return wxai_fail(err, WX_EARG, what, "bad value type");
    if (v->type == t)
        return wxa_value_copy(out, v, err);
    wxai_num n;
    if (value_num(v, &n) &&
        (wxa_type_is_int(t) || wxa_type_is_float(t) || t == WXA_CHAR))
        return wxai_num_to_value(t, n, what, out, err);
    if (wxa_type_is_buf(v->type) && (wxa_type_is_buf(t) || t == WXA_CHAR ||
                                     (v->type == WXA_BYTES && bytes_like(t))))
        return buf_convert(v, t, what, out, err);
    if (v->type == WXA_CHAR && (t == WXA_STRING || t == WXA_JSON)) {
        char u[4];
        size_t k = wxai_utf8_encode(v->of.ch, u);
        if (t == WXA_STRING)
            return wxa_value_set(out, t, u, k, err);
    }
    if (bytes_like(v->type) && bytes_like(t)) {
        const void *data = v->type == WXA_BYTES ? (const void *)v->of.buf.data
                                                : v->of.vec.data;
        size_t len = v->type == WXA_BYTES ? v->of.buf.len : v->of.vec.count;
        if (!(wxa_type_is_vec(v->type) && wxa_type_is_vec(t)))
            return wxa_value_set(out, t, data, len, err);
    }
    if (wxa_type_is_vec(v->type) && wxa_type_is_vec(t))
        return vec_convert(v, t, what, out, err);
    return wxai_fail(err, WX_EARG, what, "expected %s, got %s",
                     wx_type_name(t), wx_type_name(v->type));
}
