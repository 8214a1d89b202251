/*
 * libFuzzer target, differential: the REST batch body's two readers
 * (src/daemon/batch_rows.c). Byte 0 gives the number of parameters (low
 * two bits, 0..3) and the next bytes their numeric types (i8 .. f64);
 * the rest is the body. Properties:
 *   - a body the scanner accepts, jansson accepts too, with as many rows;
 *   - each row gives the same outcome both ways: the same refusal
 *     (status and message), or the same values once the scanner's i64 and
 *     f64 are converted to the parameter types as the manager converts a
 *     batch's arguments (a value of the parameter's type as it is, any
 *     other through wxa_value_convert, "argument N" naming it);
 *   - wxd_rows_read (scanner, else jansson) agrees with jansson alone on
 *     whether the body is refused, and with which message.
 */
#include "batch_rows.h"
#include "fuzz.h"
#include "value.h"

#include <math.h>
#include <string.h>

/* The manager's preparation of one row (wxm_args_prepare, convert_arg). */
static wx_status as_manager(const wx_function_info *fn, wx_value *vals,
                            wx_error *err)
{
    for (uint32_t i = 0; i < fn->nparams; i++) {
        if (vals[i].type == fn->params[i])
            continue;
        char what[32];
        snprintf(what, sizeof what, "argument %u", i + 1);
        wx_value out;
        wx_status s =
            wxa_value_convert(&vals[i], fn->params[i], what, &out, err);
        if (s != WX_OK)
            return s;
        vals[i] = out; /* numbers: nothing to free */
    }
    return WX_OK;
}

static bool same_value(const wx_value *a, const wx_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WX_TYPE_F32: return memcmp(&a->of.f32, &b->of.f32, 4) == 0;
    case WX_TYPE_F64: return memcmp(&a->of.f64, &b->of.f64, 8) == 0;
    default: return a->of.u == b->of.u;
    }
}

static void compare_row(const wx_function_info *fn, const wxd_rowset *s,
                        const wxd_rowset *j, size_t i)
{
    wx_value sv[WX_MAX_VALUES], jv[WX_MAX_VALUES];
    wx_error se, je;
    memset(&se, 0, sizeof se);
    memset(&je, 0, sizeof je);
    wx_status ss = wxd_row_get(fn, s, i, sv, &se);
    if (ss == WX_OK)
        ss = as_manager(fn, sv, &se);
    wx_status js = wxd_row_get(fn, j, i, jv, &je);
    FUZZ_CHECK(ss == js, "row %zu: scanner %s (%s), jansson %s (%s)", i,
               wx_status_name(ss), se.message, wx_status_name(js), je.message);
    if (ss != WX_OK) {
        FUZZ_CHECK(strcmp(se.message, je.message) == 0,
                   "row %zu: scanner says \"%s\", jansson \"%s\"", i,
                   se.message, je.message);
        return;
    }
    for (uint32_t k = 0; k < fn->nparams; k++) {
        FUZZ_CHECK(same_value(&sv[k], &jv[k]),
                   "row %zu, argument %u: scanner %s %.17g / %lld, "
                   "jansson %s %.17g / %lld",
                   i, k + 1, wx_type_name(sv[k].type), sv[k].of.f64,
                   (long long)sv[k].of.i, wx_type_name(jv[k].type),
                   jv[k].of.f64, (long long)jv[k].of.i);
        wx_value_free(&jv[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    wx_function_info fn;
    memset(&fn, 0, sizeof fn);
    fn.name = "f";
    fn.nparams = data[0] & 3;
    size_t at = 1;
    for (uint32_t k = 0; k < fn.nparams; k++, at++)
        fn.params[k] =
            at < size ? (wx_type)(data[at] % (WX_TYPE_F64 + 1)) : WX_TYPE_I64;
    if (at > size)
        at = size;
    /* The daemon's bodies end with a NUL that len does not count. */
    size_t len = size - at;
    char *body = malloc(len + 1);
    FUZZ_CHECK(body, "out of memory");
    memcpy(body, data + at, len);
    body[len] = '\0';

    wxd_rowset s, j, r;
    memset(&s, 0, sizeof s);
    wx_error je, re;
    memset(&je, 0, sizeof je);
    memset(&re, 0, sizeof re);
    bool scanned = wxd_rows_scan(body, len, &s);
    bool parsed = wxd_rows_parse(body, len, &j, &je);
    bool read = wxd_rows_read(body, len, &r, &re);
    FUZZ_CHECK(read == parsed, "wxd_rows_read %s, jansson %s",
               read ? "accepts" : "refuses", parsed ? "accepts" : "refuses");
    if (!parsed)
        FUZZ_CHECK(strcmp(je.message, re.message) == 0 && je.message[0],
                   "refusals differ: \"%s\", \"%s\"", je.message, re.message);
    if (scanned) {
        FUZZ_CHECK(parsed, "the scanner accepts a body jansson refuses: %s",
                   je.message);
        FUZZ_CHECK(s.n == j.n, "scanner %zu rows, jansson %zu", s.n, j.n);
        for (size_t i = 0; i < s.n; i++)
            compare_row(&fn, &s, &j, i);
    }
    wxd_rowset_free(&s);
    wxd_rowset_free(&j);
    wxd_rowset_free(&r);
    free(body);
    return 0;
}
