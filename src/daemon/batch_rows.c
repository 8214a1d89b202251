/*
 * The batch body's rows (batch_rows.h): the scanner for rows of numbers,
 * jansson for everything else, and a row's arguments from either.
 */
#include "batch_rows.h"

#include "convert.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void wxd_rowset_free(wxd_rowset *r)
{
    free(r->nums);
    free(r->first);
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ scanner */

typedef struct scan {
    const char *p, *end;
} scan;

static void skip_ws(scan *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(scan *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* One JSON number as jansson reads it (an integer token that fits
 * int64, else a finite double); false for anything else, including
 * numbers jansson refuses, which it will then report. */
static bool scan_number(scan *c, wx_value *out)
{
    const char *s = c->p, *q = s;
    bool real = false;
    if (q < c->end && *q == '-')
        q++;
    if (q >= c->end || !is_digit(*q))
        return false;
    if (*q == '0')
        q++;
    else
        while (q < c->end && is_digit(*q))
            q++;
    if (q < c->end && *q == '.') {
        real = true;
        if (++q >= c->end || !is_digit(*q))
            return false;
        while (q < c->end && is_digit(*q))
            q++;
    }
    if (q < c->end && (*q == 'e' || *q == 'E')) {
        real = true;
        if (++q < c->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= c->end || !is_digit(*q))
            return false;
        while (q < c->end && is_digit(*q))
            q++;
    }
    c->p = q;
    if (!real) {
        /* Accumulate negatively: INT64_MIN has no positive twin. */
        bool neg = *s == '-';
        int64_t v = 0;
        for (const char *d = s + neg; d < q; d++) {
            int digit = *d - '0';
            if (v < (INT64_MIN + digit) / 10)
                return false;
            v = v * 10 - digit;
        }
        if (!neg && v == INT64_MIN)
            return false;
        *out = wx_value_i64(neg ? v : -v);
        return true;
    }
    /* The body ends with a NUL (wxd_rows_scan), so strtod stops there. */
    char *e;
    double d = strtod(s, &e);
    if (e != q || d == HUGE_VAL || d == -HUGE_VAL)
        return false;
    *out = wx_value_f64(d);
    return true;
}

/* Appends a value to the scanner's arrays (doubling). */
static bool push(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 1024;
    void *a = realloc(*arr, c * size);
    if (!a)
        return false;
    *arr = a;
    *cap = c;
    return true;
}

bool wxd_rows_scan(const char *body, size_t len, wxd_rowset *r)
{
    scan c = {body, body + len};
    size_t ncap = 0, fcap = 0, nv = 0;
    static const char key[] = "\"rows\"";
    if (!eat(&c, '{'))
        return false;
    skip_ws(&c);
    if ((size_t)(c.end - c.p) < sizeof key - 1 ||
        memcmp(c.p, key, sizeof key - 1) != 0)
        return false;
    c.p += sizeof key - 1;
    if (!eat(&c, ':') || !eat(&c, '['))
        return false;
    bool more = !eat(&c, ']');
    while (more) {
        if (!push((void **)&r->first, &fcap, r->n + 1, sizeof *r->first) ||
            !eat(&c, '['))
            return false;
        r->first[r->n++] = nv;
        bool in = !eat(&c, ']');
        while (in) {
            skip_ws(&c);
            if (!push((void **)&r->nums, &ncap, nv, sizeof *r->nums) ||
                !scan_number(&c, &r->nums[nv++]))
                return false;
            if (eat(&c, ']'))
                break;
            if (!eat(&c, ','))
                return false;
        }
        if (eat(&c, ']'))
            break;
        if (!eat(&c, ','))
            return false;
    }
    if (!eat(&c, '}'))
        return false;
    skip_ws(&c);
    if (c.p != c.end ||
        !push((void **)&r->first, &fcap, r->n + 1, sizeof *r->first))
        return false;
    r->first[r->n] = nv;
    return true;
}

/* ------------------------------------------------------------ jansson */

bool wxd_rows_parse(const char *body, size_t len, wxd_rowset *r, wx_error *err)
{
    memset(r, 0, sizeof *r);
    json_error_t je;
    json_t *doc = json_loadb(body, len, 0, &je);
    if (!doc) {
        wx_error_set(err, WX_EARG,
                     "body: invalid JSON at line %d, column %d: %s", je.line,
                     je.column, je.text);
        return false;
    }
    json_t *rows = json_object_get(doc, "rows");
    if (!json_is_object(doc) || !rows || json_object_size(doc) != 1) {
        wx_error_set(err, WX_EARG,
                     "body: must be an object with one key, {\"rows\": "
                     "[[...], ...]}");
    } else if (!json_is_array(rows)) {
        wx_error_set(err, WX_EARG,
                     "rows: must be an array of argument arrays, e.g. "
                     "[[1, 2], [3, 4]]");
    } else {
        r->root = doc;
        r->rows = rows;
        r->n = json_array_size(rows);
        return true;
    }
    json_decref(doc);
    return false;
}

bool wxd_rows_read(const char *body, size_t len, wxd_rowset *r, wx_error *err)
{
    memset(r, 0, sizeof *r);
    if (wxd_rows_scan(body, len, r))
        return true;
    wxd_rowset_free(r);
    return wxd_rows_parse(body, len, r, err);
}

/* --------------------------------------------------------------- rows */

wx_status wxd_row_get(const wx_function_info *info, const wxd_rowset *r,
                      size_t i, wx_value *vals, wx_error *err)
{
    if (r->root)
        return wxc_row_from_json(info, json_array_get(r->rows, i), vals, err);
    size_t n = r->first[i + 1] - r->first[i];
    wx_status st = wxc_check_count(info, n, err);
    /* Rows that are all empty leave nums NULL, and NULL + 0 is no
     * pointer C lets one form. */
    if (st == WX_OK && n)
        memcpy(vals, r->nums + r->first[i], n * sizeof *vals);
    return st;
}

bool wxd_rows_all_numeric(const wx_function_info *info)
{
    for (uint32_t k = 0; k < info->nparams; k++)
        if (info->params[k] > WX_TYPE_F64)
            return false;
    return true;
}
