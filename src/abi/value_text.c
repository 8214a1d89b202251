/*
 * Values to and from command-line text, and from eKuiper SQL values.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest file an `@path` bytes argument may name. */
#define WXAI_FILE_MAX (256u << 20)

/* ------------------------------------------------------------ numbers */

/* What parse_int_literal found. */
enum { LIT_NONE, LIT_INT, LIT_TOO_BIG };

/*
 * An integer literal: optional sign, then decimal digits or 0x and hex
 * digits, nothing else. LIT_TOO_BIG for one beyond -2^63 .. 2^64-1.
 */
static int parse_int_literal(const char *s, wxai_num *n)
{
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return LIT_NONE;
    uint64_t mag = 0;
    bool big = false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && isxdigit((unsigned char)*s))
            d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
        else
            return LIT_NONE;
        if (mag > (UINT64_MAX - d) / base)
            big = true;
        mag = mag * base + d;
    }
    if (big || (neg && mag > (uint64_t)INT64_MAX + 1))
        return LIT_TOO_BIG;
    if (!neg) {
        n->kind = WXAI_NUM_UINT;
        n->of.u = mag;
    } else {
        n->kind = WXAI_NUM_INT;
        n->of.i = (int64_t)(0 - mag);
    }
    return LIT_INT;
}

/* Any number strtod reads, using the whole text. */
static bool parse_float_literal(const char *s, double *d)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    *d = strtod(s, &end);
    return *end == '\0';
}

static wx_status number_from_text(wxa_type t, const char *s, const char *what,
                                  wxa_value *out, wx_error *err)
{
    wxai_num n;
    if (t == WXA_F32) {
        /* strtof rounds once; going through double could round twice. */
        char *end;
        if (!*s || isspace((unsigned char)*s))
            goto not_a_number;
        float f = strtof(s, &end);
        if (*end != '\0')
            goto not_a_number;
        if (isinf(f) && !isinf(strtod(s, NULL)))
            return wxai_fail(err, WX_EARG, what, "%s does not fit f32 exactly",
                             s);
        *out = wxa_value_f32(f);
        return WX_OK;
    }
    int lit = parse_int_literal(s, &n);
    /* "-0" is an integer literal, but to a float the negative zero (as
     * strtod reads it, and as wxa_value_to_text writes -0.0); only a
     * negative literal gives an INT here. */
    bool neg_zero = lit == LIT_INT && n.kind == WXAI_NUM_INT && n.of.i == 0;
    if (lit == LIT_INT && !(neg_zero && wxa_type_is_float(t)))
        return wxai_num_to_value(t, n, what, out, err);
    double d;
    if (lit == LIT_TOO_BIG && wxa_type_is_int(t))
        /* Say so with its own text, not a rounded double. */
        return wxai_fail(err, WX_EARG, what, "%s does not fit %s exactly", s,
                         wx_type_name(t));
    if (!parse_float_literal(s, &d))
        goto not_a_number;
    n.kind = WXAI_NUM_FLOAT;
    n.of.f = d;
    return wxai_num_to_value(t, n, what, out, err);
not_a_number:
    return wxai_fail(err, WX_EARG, what, "\"%s\" is not a number (%s)", s,
                     wx_type_name(t));
}

/* ------------------------------------------------------------- vectors */

static wx_status vec_from_text(wxa_type t, const char *text, const char *what,
                               wxa_value *out, wx_error *err)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '[') {
        json_error_t je;
        json_t *j = json_loads(p, 0, &je);
        if (!j)
            return wxai_fail(err, WX_EARG, what, "not a JSON array: %s",
                             je.text);
        wx_status s = wxa_value_from_json(t, j, what, out, err);
        json_decref(j);
        return s;
    }
    /* Comma-separated integers; empty text is the empty vector. */
    size_t cap = 1;
    for (const char *q = p; *q; q++)
        cap += *q == ',';
    wx_status s = wxai_vec_new(t, cap, out, err);
    if (s != WX_OK)
        return s;
    size_t n = 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[128];
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        char label[96];
        snprintf(label, sizeof label, "%s[%zu]", what ? what : "value", n);
        if (len == 0 || len >= sizeof item) {
            wxa_value_free(out);
            return wxai_fail(err, WX_EARG, label, "expected an integer");
        }
        memcpy(item, p, len);
        item[len] = '\0';
        wxa_value e;
        s = number_from_text(wxa_type_elem(t), item, label, &e, err);
        if (s != WX_OK) {
            wxa_value_free(out);
            return s;
        }
        wxai_vec_put(out, n++, &e);
        if (!end)
            break;
        p = end + 1;
    }
    out->of.vec.count = n;
    return WX_OK;
}

/* --------------------------------------------------------------- bytes */

static wx_status file_bytes(const char *path, const char *what, wxa_value *out,
                            wx_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return wxai_fail(err, WX_EIO, what, "cannot open %s: %s", path,
                         strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        if (cap >= WXAI_FILE_MAX) {
            free(buf);
            fclose(f);
            return wxai_fail(err, WX_ELIMIT, what, "%s is larger than %u MiB",
                             path, WXAI_FILE_MAX >> 20);
        }
        cap *= 2;
        char *p = realloc(buf, cap + 1);
        if (!p)
            free(buf);
        buf = p;
    }
    if (!buf) {
        fclose(f);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return wxai_fail(err, WX_EIO, what, "cannot read %s", path);
    }
    buf[len] = '\0';
    out->type = WXA_BYTES;
    out->of.buf.data = buf;
    out->of.buf.len = len;
    return WX_OK;
}

static wx_status bytes_from_text(const char *text, const char *what,
                                 wxa_value *out, wx_error *err)
{
    uint8_t *data;
    size_t len;
    bool oom, ok;
    if (text[0] == '@')
        return file_bytes(text + 1, what, out, err);
    if (strncmp(text, "hex:", 4) == 0)
        ok = wxai_hex_decode(text + 4, strlen(text + 4), &data, &len, &oom);
    else if (strncmp(text, "base64:", 7) == 0)
        ok = wxai_base64_decode(text + 7, strlen(text + 7), &data, &len, &oom);
    else
        return wxai_fail(err, WX_EARG, what,
                         "bytes are written hex:0a0b.., base64:... or @path");
    if (!ok)
        return oom ? wx_error_set(err, WX_ENOMEM, "out of host memory")
                   : wxai_fail(err, WX_EARG, what, "bad %s digits",
                               text[0] == 'h' ? "hex" : "base64");
    out->type = WXA_BYTES;
    out->of.buf.data = (char *)data;
    out->of.buf.len = len;
    return WX_OK;
}

/* ------------------------------------------------------------ from text */

wx_status wxa_value_from_text(wxa_type t, const char *text, const char *what,
                              wxa_value *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return wxai_fail(err, WX_EARG, what, "missing value");
    if (wxa_type_is_int(t) || wxa_type_is_float(t))
        return number_from_text(t, text, what, out, err);
    if (wxa_type_is_vec(t))
        return vec_from_text(t, text, what, out, err);
    switch (t) {
    case WXA_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
            *out = wxa_value_bool(text[0] == 't');
            return WX_OK;
        }
        return wxai_fail(err, WX_EARG, what,
                         "expected true or false, got \"%s\"", text);
    case WXA_CHAR:
    case WXA_STRING: {
        if (!wxai_utf8_valid((const uint8_t *)text, strlen(text)))
            return wxai_fail(err, WX_EARG, what, "not valid UTF-8");
        wxa_value s = {.type = WXA_STRING};
        s.of.buf.data = (char *)text;
        s.of.buf.len = strlen(text);
        return wxa_value_convert(&s, t, what, out, err);
    }
    case WXA_BYTES: return bytes_from_text(text, what, out, err);
    case WXA_JSON: {
        json_error_t je;
        /* "\u0000" is JSON (wx_values_to_text writes it for a json
         * value that holds one). */
        json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!j)
            return wxai_fail(err, WX_EARG, what, "not valid JSON: %s",
                             je.text);
        json_decref(j);
        return wxa_value_set(out, t, text, strlen(text), err);
    }
    default: return wxai_fail(err, WX_EARG, what, "unknown value type");
    }
}

/* -------------------------------------------------------------- to text */

static char *dup_text(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static char *vec_to_text(const wxa_value *v)
{
    json_t *j = wxa_value_to_json(v, NULL);
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

char *wxa_value_to_text(const wxa_value *v, unsigned flags)
{
    char buf[64];
    switch (v->type) {
    case WXA_I8:
    case WXA_I16:
    case WXA_I32:
    case WXA_I64: snprintf(buf, sizeof buf, "%" PRId64, v->of.i); break;
    case WXA_U8:
    case WXA_U16:
    case WXA_U32:
    case WXA_U64: snprintf(buf, sizeof buf, "%" PRIu64, v->of.u); break;
    case WXA_F32: wxai_format_f32(v->of.f32, buf, sizeof buf); break;
    case WXA_F64: wxai_format_f64(v->of.f64, buf, sizeof buf); break;
    case WXA_BOOL:
        snprintf(buf, sizeof buf, v->of.b ? "true" : "false");
        break;
    case WXA_CHAR: {
        char u[4];
        size_t k = wxai_utf8_encode(v->of.ch, u);
        memcpy(buf, u, k);
        buf[k] = '\0';
        break;
    }
    case WXA_STRING:
    case WXA_JSON: {
        char *p = malloc(v->of.buf.len + 1);
        if (p) {
            memcpy(p, v->of.buf.data, v->of.buf.len);
            p[v->of.buf.len] = '\0';
        }
        return p;
    }
    case WXA_BYTES:
        if (flags & WXA_TEXT_BASE64)
            return wxai_base64_encode((const uint8_t *)v->of.buf.data,
                                      v->of.buf.len);
        return wxai_hex_encode((const uint8_t *)v->of.buf.data, v->of.buf.len);
    default:
        if (wxa_type_is_vec(v->type))
            return vec_to_text(v);
        return NULL;
    }
    return dup_text(buf);
}

/* -------------------------------------------------------------- from SQL */

wx_status wxa_value_from_sql(wxa_type t, const wxa_sql_value *v,
                             const char *what, wxa_value *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    wxa_value tmp;
    memset(&tmp, 0, sizeof tmp);
    switch (v->kind) {
    case WXA_SQL_INT:
    case WXA_SQL_FLOAT: {
        wxai_num n;
        n.kind = v->kind == WXA_SQL_INT ? WXAI_NUM_INT : WXAI_NUM_FLOAT;
        if (v->kind == WXA_SQL_INT)
            n.of.i = v->of.i;
        else
            n.of.f = v->of.f;
        if (t == WXA_JSON) {
            char buf[64];
            wxai_num_format(n, buf, sizeof buf);
            if (n.kind == WXAI_NUM_FLOAT && !isfinite(n.of.f))
                return wxai_fail(err, WX_EARG, what, "%s is not a JSON number",
                                 buf);
            return wxa_value_set(out, t, buf, strlen(buf), err);
        }
        return wxai_num_to_value(t, n, what, out, err);
    }
    case WXA_SQL_BOOL:
        if (t == WXA_BOOL) {
            *out = wxa_value_bool(v->of.b);
            return WX_OK;
        }
        if (t == WXA_JSON) {
            const char *s = v->of.b ? "true" : "false";
            return wxa_value_set(out, t, s, strlen(s), err);
        }
        return wxai_fail(err, WX_EARG, what, "expected %s, got a bool",
                         wx_type_name(t));
    case WXA_SQL_STRING: tmp.type = WXA_STRING; break;
    case WXA_SQL_BYTES: tmp.type = WXA_BYTES; break;
    }
    tmp.of.buf.data = (char *)v->of.s.data;
    tmp.of.buf.len = v->of.s.len;
    if (v->kind == WXA_SQL_STRING && t == WXA_BYTES)
        return wxa_value_set(out, t, tmp.of.buf.data, tmp.of.buf.len, err);
    return wxa_value_convert(&tmp, t, what, out, err);
}
