/*
 * The REST batch body's reader (src/daemon/batch_rows.c) on its edge
 * cases: the scanner's numbers (INT64_MIN, -0, underflow and overflow,
 * huge exponents, leading zeros), JSON whitespace and what is not, nested
 * arrays, trailing bytes, the whole-body refusals and their messages. Each
 * body also goes through the fuzz target's differential check
 * (fuzz_batch_rows.c, linked in), which aborts if the scanner and jansson
 * disagree on it.
 */
#include "batch_rows.h"
#include "check.h"
#include "fuzz.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The fuzz target's input: parameter types (i8 .. f64), then the body. */
static void differential(const wx_type *types, unsigned n, const char *body,
                         size_t len)
{
    uint8_t in[512];
    in[0] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++)
        in[1 + i] = (uint8_t)types[i];
    memcpy(in + 1 + n, body, len);
    LLVMFuzzerTestOneInput(in, 1 + n + len);
}

/* The scanner's verdict on `body`, after the differential check; its
 * rows stay in *r (free them). */
static bool scans(const char *body, wxd_rowset *r)
{
    static const wx_type i64[] = {WX_TYPE_I64};
    differential(i64, 1, body, strlen(body));
    memset(r, 0, sizeof *r);
    bool ok = wxd_rows_scan(body, strlen(body), r);
    if (!ok)
        wxd_rowset_free(r);
    return ok;
}

/* The whole reader's refusal of `body` (len bytes), "" if it accepts. */
static const char *refusal(const char *body, size_t len, wx_error *err)
{
    wxd_rowset r;
    memset(err, 0, sizeof *err);
    bool ok = wxd_rows_read(body, len, &r, err);
    wxd_rowset_free(&r);
    return ok ? "" : err->message;
}

static void test_integers(void)
{
    wxd_rowset r;
    CHECK(
        scans("{\"rows\":[[-9223372036854775808, 9223372036854775807]]}", &r));
    CHECK(r.n == 1 && r.first[1] == 2);
    CHECK(r.nums[0].type == WX_TYPE_I64 && r.nums[0].of.i == INT64_MIN);
    CHECK(r.nums[1].type == WX_TYPE_I64 && r.nums[1].of.i == INT64_MAX);
    wxd_rowset_free(&r);
    /* One past either end: jansson refuses the body, so must the
     * scanner (it leaves the verdict to jansson). */
    CHECK(!scans("{\"rows\":[[9223372036854775808]]}", &r));
    CHECK(!scans("{\"rows\":[[-9223372036854775809]]}", &r));
    wx_error e;
    const char *body = "{\"rows\":[[9223372036854775808]]}";
    CHECK_MSG(strstr(refusal(body, strlen(body), &e),
                     "body: invalid JSON at line 1"),
              "%s", e.message);
    /* -0 is the integer 0, -0.0 the real with its sign. */
    CHECK(scans("{\"rows\":[[-0, -0.0, 0]]}", &r));
    CHECK(r.nums[0].type == WX_TYPE_I64 && r.nums[0].of.i == 0);
    CHECK(r.nums[1].type == WX_TYPE_F64 && r.nums[1].of.f64 == 0 &&
          signbit(r.nums[1].of.f64));
    CHECK(r.nums[2].type == WX_TYPE_I64 && r.nums[2].of.i == 0);
    wxd_rowset_free(&r);
    /* Leading zeros are not JSON. */
    CHECK(!scans("{\"rows\":[[01]]}", &r));
    CHECK(!scans("{\"rows\":[[-01]]}", &r));
    CHECK(!scans("{\"rows\":[[00.5]]}", &r));
    body = "{\"rows\":[[01]]}";
    CHECK(refusal(body, strlen(body), &e)[0]);
}

static void test_reals(void)
{
    wxd_rowset r;
    CHECK(scans("{\"rows\":[[1e-400, 4.9e-324, 2.2250738585072011e-308, "
                "0.1, 1E+2, 5e0]]}",
                &r));
    CHECK(r.nums[0].of.f64 == 0 && !signbit(r.nums[0].of.f64));
    CHECK(r.nums[1].of.f64 == 4.9e-324);
    CHECK(r.nums[2].of.f64 == 2.2250738585072011e-308);
    CHECK(r.nums[3].of.f64 == 0.1 && r.nums[4].of.f64 == 100.0);
    CHECK(r.nums[5].type == WX_TYPE_F64 && r.nums[5].of.f64 == 5.0);
    wxd_rowset_free(&r);
    /* Overflow: jansson refuses ("real number overflow"), and so the
     * scanner leaves it to jansson. */
    CHECK(!scans("{\"rows\":[[1e400]]}", &r));
    CHECK(!scans("{\"rows\":[[-1e400]]}", &r));
    CHECK(!scans("{\"rows\":[[1e99999999999999999999]]}", &r));
    CHECK(scans("{\"rows\":[[1e-99999999999999999999]]}", &r));
    CHECK(r.nums[0].of.f64 == 0);
    wxd_rowset_free(&r);
    wx_error e;
    const char *body = "{\"rows\":[[1e400]]}";
    CHECK_MSG(strstr(refusal(body, strlen(body), &e), "overflow"), "%s",
              e.message);
    /* Not numbers: a bare sign, a dot with no digits, an empty exponent. */
    CHECK(!scans("{\"rows\":[[-]]}", &r));
    CHECK(!scans("{\"rows\":[[1.]]}", &r));
    CHECK(!scans("{\"rows\":[[.5]]}", &r));
    CHECK(!scans("{\"rows\":[[1e]]}", &r));
    CHECK(!scans("{\"rows\":[[1e+]]}", &r));
}

static void test_shape(void)
{
    wxd_rowset r;
    /* JSON's four whitespace bytes anywhere between tokens. */
    CHECK(scans(" \t\r\n{ \"rows\"\n:\t[ [ 1 ,\r2 ] , [ ] ]\n} \n", &r));
    CHECK(r.n == 2 && r.first[1] == 2 && r.first[2] == 2);
    wxd_rowset_free(&r);
    /* Others are not JSON whitespace. */
    CHECK(!scans("{\"rows\":[[1,\f2]]}", &r));
    CHECK(!scans("{\"rows\":[[1,\v2]]}", &r));
    CHECK(scans("{\"rows\":[]}", &r));
    CHECK(r.n == 0);
    wxd_rowset_free(&r);
    /* Nested arrays, strings, objects: jansson reads them, and the row is
     * refused by the conversion, the same either way. */
    CHECK(!scans("{\"rows\":[[[1]]]}", &r));
    CHECK(!scans("{\"rows\":[[\"1\"]]}", &r));
    CHECK(!scans("{\"rows\":[{\"a\":1}]}", &r));
    CHECK(!scans("{\"rows\":[[1],2]}", &r));
    /* Trailing commas and bytes. */
    CHECK(!scans("{\"rows\":[[1,]]}", &r));
    CHECK(!scans("{\"rows\":[[1],]}", &r));
    CHECK(!scans("{\"rows\":[[1]]} x", &r));
    CHECK(!scans("{\"rows\":[[1]],}", &r));
    /* A NUL inside the body's length. */
    wx_error e;
    static const char nul[] = "{\"rows\":[[1]]}\0";
    wxd_rowset s;
    CHECK(!wxd_rows_scan(nul, sizeof nul - 1, &s));
    wxd_rowset_free(&s);
    CHECK(refusal(nul, sizeof nul - 1, &e)[0]);
    static const wx_type i32[] = {WX_TYPE_I32};
    differential(i32, 1, nul, sizeof nul - 1);
}

static void test_refusals(void)
{
    wx_error e;
    const char *b = "{\"rows\":[[1]],\"x\":1}";
    CHECK(strcmp(refusal(b, strlen(b), &e),
                 "body: must be an object with one key, {\"rows\": "
                 "[[...], ...]}") == 0);
    b = "{\"rows\":{}}";
    CHECK(strcmp(refusal(b, strlen(b), &e),
                 "rows: must be an array of argument arrays, e.g. "
                 "[[1, 2], [3, 4]]") == 0);
    b = "";
    CHECK(strncmp(refusal(b, 0, &e), "body: invalid JSON at line 1, column",
                  36) == 0);
    b = "[[1]]";
    CHECK(strcmp(refusal(b, strlen(b), &e),
                 "body: must be an object with one key, {\"rows\": "
                 "[[...], ...]}") == 0);
}

/* Rows judged one by one: counts and exact fit, the same both ways
 * (the differential check aborts otherwise); here what they say. */
static void test_rows(void)
{
    static const wx_type u8[] = {WX_TYPE_U8};
    const char *body = "{\"rows\":[[], [1, 2], [300], [2.5], [255.0], [-0]]}";
    differential(u8, 1, body, strlen(body));
    /* No parameters, rows all empty: the scanner holds no value at all
     * (found by fuzz_batch_rows: NULL + 0 in wxd_row_get). */
    body = "{\"rows\": [ [] ] }";
    differential(NULL, 0, body, strlen(body));
    static const wx_type f32i64[] = {WX_TYPE_F32, WX_TYPE_I64};
    body = "{\"rows\":[[16777217, 1.5], [3.5e38, 1], [1e-50, -0], "
           "[0.1, 9007199254740993]]}";
    differential(f32i64, 2, body, strlen(body));

    wx_function_info fn;
    memset(&fn, 0, sizeof fn);
    fn.name = "f";
    fn.nparams = 1;
    fn.params[0] = WX_TYPE_U8;
    wxd_rowset r;
    wx_error e;
    body = "{\"rows\":[[], [300], [7]]}";
    CHECK(wxd_rows_parse(body, strlen(body), &r, &e));
    wx_value v[WX_MAX_VALUES];
    CHECK(wxd_row_get(&fn, &r, 0, v, &e) == WX_EARG);
    CHECK_MSG(strcmp(e.message, "f: expected 1 argument, got 0") == 0, "%s",
              e.message);
    CHECK(wxd_row_get(&fn, &r, 1, v, &e) == WX_EARG);
    CHECK_MSG(strstr(e.message, "argument 1") && strstr(e.message, "300") &&
                  strstr(e.message, "u8"),
              "%s", e.message);
    CHECK(wxd_row_get(&fn, &r, 2, v, &e) == WX_OK);
    CHECK(v[0].type == WX_TYPE_U8 && v[0].of.u == 7);
    wxd_rowset_free(&r);
}

int main(void)
{
    test_integers();
    test_reals();
    test_shape();
    test_refusals();
    test_rows();
    return CHECK_DONE();
}
