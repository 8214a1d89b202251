/*
 * Unit tests for numeric.h: the boundary values of every function, most of
 * them taken from the spec tests (i32.wast, i64.wast, f32.wast, f64.wast,
 * conversions.wast, float_exprs.wast, float_misc.wast), compared bit for
 * bit, since a wrong sign of zero or a wrong NaN is a wrong answer.
 */
#include "numeric.h"

#include <stdint.h>

#include "check.h"

/* Floats are written by their bits so the tests never depend on how the
 * compiler parses a literal. */
#define F32(b) wxn_f32_from_bits(b)
#define F64(b) wxn_f64_from_bits(b)
#define B32(x) wxn_f32_bits(x)
#define B64(x) wxn_f64_bits(x)

#define F32_CANON 0x7FC00000u
#define F32_NCANON 0xFFC00000u
#define F32_SNAN 0x7FA00000u /* signalling, payload 0x200000 */
#define F32_QNAN_PAYLOAD 0x7FC12345u
#define F32_INF 0x7F800000u
#define F32_NINF 0xFF800000u
#define F32_NZERO 0x80000000u
#define F64_CANON 0x7FF8000000000000u
#define F64_SNAN 0x7FF4000000000000u
#define F64_INF 0x7FF0000000000000u
#define F64_NINF 0xFFF0000000000000u
#define F64_NZERO 0x8000000000000000u

/* The NaN classes the spec's assert_return distinguishes; either sign. */
static int f32_is_canonical(float x)
{
    return (B32(x) & 0x7FFFFFFFu) == F32_CANON;
}
static int f32_is_arithmetic(float x)
{
    return (B32(x) & F32_CANON) == F32_CANON;
}
static int f64_is_canonical(double x)
{
    return (B64(x) & 0x7FFFFFFFFFFFFFFFu) == F64_CANON;
}
static int f64_is_arithmetic(double x)
{
    return (B64(x) & F64_CANON) == F64_CANON;
}

static void test_bit_counts(void)
{
    CHECK(wxn_i32_clz(0) == 32);
    CHECK(wxn_i32_clz(1) == 31);
    CHECK(wxn_i32_clz(0x8000u) == 16);
    CHECK(wxn_i32_clz(0xFFFFFFFFu) == 0);
    CHECK(wxn_i32_clz(0x80000000u) == 0);
    CHECK(wxn_i32_ctz(0) == 32);
    CHECK(wxn_i32_ctz(0x80000000u) == 31);
    CHECK(wxn_i32_ctz(0x00010000u) == 16);
    CHECK(wxn_i32_ctz(0x7FFFFFFFu) == 0);
    CHECK(wxn_i32_popcnt(0) == 0);
    CHECK(wxn_i32_popcnt(0xFFFFFFFFu) == 32);
    CHECK(wxn_i32_popcnt(0x00008000u) == 1);
    CHECK(wxn_i32_popcnt(0x80008000u) == 2);
    CHECK(wxn_i32_popcnt(0x7FFFFFFFu) == 31);
    CHECK(wxn_i32_popcnt(0xAAAAAAAAu) == 16);
    CHECK(wxn_i32_popcnt(0xDEADBEEFu) == 24);

    CHECK(wxn_i64_clz(0) == 64);
    CHECK(wxn_i64_clz(1) == 63);
    CHECK(wxn_i64_clz(0x00008000u) == 48);
    CHECK(wxn_i64_clz(0x8000000000000000u) == 0);
    CHECK(wxn_i64_ctz(0) == 64);
    CHECK(wxn_i64_ctz(0x8000000000000000u) == 63);
    CHECK(wxn_i64_ctz(0x0000000100000000u) == 32);
    CHECK(wxn_i64_popcnt(0) == 0);
    CHECK(wxn_i64_popcnt(UINT64_MAX) == 64);
    CHECK(wxn_i64_popcnt(0x8000800080008000u) == 4);
    CHECK(wxn_i64_popcnt(0xAAAAAAAA55555555u) == 32);
    CHECK(wxn_i64_popcnt(0xDEADBEEFDEADBEEFu) == 48);
}

static void test_shifts(void)
{
    /* Counts are taken modulo the width. */
    CHECK(wxn_i32_shl(1, 31) == 0x80000000u);
    CHECK(wxn_i32_shl(1, 32) == 1);
    CHECK(wxn_i32_shl(1, 33) == 2);
    CHECK(wxn_i32_shl(1, 0xFFFFFFFFu) == 0x80000000u);
    CHECK(wxn_i32_shr_u(0x80000000u, 31) == 1);
    CHECK(wxn_i32_shr_u(0xFFFFFFFFu, 32) == 0xFFFFFFFFu);
    CHECK(wxn_i32_shr_s(INT32_MIN, 31) == -1);
    CHECK(wxn_i32_shr_s(-1, 1) == -1);
    CHECK(wxn_i32_shr_s(INT32_MIN, 32) == INT32_MIN);
    CHECK(wxn_i32_shr_s(0x40000000, 0xFFFFFFFEu) == 1);
    CHECK(wxn_i64_shl(1, 63) == 0x8000000000000000u);
    CHECK(wxn_i64_shl(1, 64) == 1);
    CHECK(wxn_i64_shl(1, 0xFFFFFFFFFFFFFFFFu) == 0x8000000000000000u);
    CHECK(wxn_i64_shr_u(UINT64_MAX, 64) == UINT64_MAX);
    CHECK(wxn_i64_shr_u(0x8000000000000000u, 63) == 1);
    CHECK(wxn_i64_shr_s(INT64_MIN, 63) == -1);
    CHECK(wxn_i64_shr_s(INT64_MIN, 64) == INT64_MIN);
    CHECK(wxn_i64_shr_s(-1, 65) == -1);

    CHECK(wxn_i32_rotl(0xFE00DC00u, 4) == 0xE00DC00Fu);
    CHECK(wxn_i32_rotl(0xABCD9876u, 1) == 0x579B30EDu);
    CHECK(wxn_i32_rotl(0x00008000u, 37) == 0x00100000u);
    CHECK(wxn_i32_rotl(0x12345678u, 0) == 0x12345678u);
    CHECK(wxn_i32_rotl(0x12345678u, 32) == 0x12345678u);
    CHECK(wxn_i32_rotr(0xB0C1D2E3u, 5) == 0x1D860E97u);
    CHECK(wxn_i32_rotr(0xFF00CC00u, 1) == 0x7F806600u);
    CHECK(wxn_i32_rotr(0x769ABCDFu, 0xFFFFFFEDu) == 0xE6FBB4D5u);
    CHECK(wxn_i32_rotr(1, 0) == 1);
    CHECK(wxn_i64_rotl(0xABCD987602468ACEu, 1) == 0x579B30EC048D159Du);
    CHECK(wxn_i64_rotl(0xFE000000DC000000u, 4) == 0xE000000DC000000Fu);
    CHECK(wxn_i64_rotl(0xABD1234EF567809Cu, 63) == 0x55E891A77AB3C04Eu);
    CHECK(wxn_i64_rotl(1, 64) == 1);
    CHECK(wxn_i64_rotr(0xABCD987602468ACEu, 1) == 0x55E6CC3B01234567u);
    CHECK(wxn_i64_rotr(0xABCD1234EF567809u, 53) == 0x6891A77AB3C04D5Eu);
    CHECK(wxn_i64_rotr(1, 0) == 1);
    CHECK(wxn_i64_rotr(1, 64) == 1);
}

static void test_division(void)
{
    int32_t s = 7;
    uint32_t u = 7;
    int64_t s64 = 7;
    uint64_t u64 = 7;

    CHECK(wxn_i32_div_s(1, 0, &s) == WX_TRAP_DIV_ZERO && s == 7);
    CHECK(wxn_i32_div_s(0, 0, &s) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i32_div_s(INT32_MIN, -1, &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_div_s(INT32_MIN, 2, &s) == WX_TRAP_NONE && s == -1073741824);
    CHECK(wxn_i32_div_s(-7, 2, &s) == WX_TRAP_NONE && s == -3);
    CHECK(wxn_i32_div_s(7, -2, &s) == WX_TRAP_NONE && s == -3);
    CHECK(wxn_i32_div_s(INT32_MIN + 1, -1, &s) == WX_TRAP_NONE &&
          s == INT32_MAX);
    CHECK(wxn_i32_div_u(1, 0, &u) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i32_div_u(0x80000000u, 0xFFFFFFFFu, &u) == WX_TRAP_NONE &&
          u == 0);
    CHECK(wxn_i32_div_u(0xFFFFFFF9u, 2, &u) == WX_TRAP_NONE &&
          u == 0x7FFFFFFCu);
    CHECK(wxn_i32_rem_s(1, 0, &s) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i32_rem_s(INT32_MIN, -1, &s) == WX_TRAP_NONE && s == 0);
    CHECK(wxn_i32_rem_s(INT32_MAX, -1, &s) == WX_TRAP_NONE && s == 0);
    CHECK(wxn_i32_rem_s(-7, 2, &s) == WX_TRAP_NONE && s == -1);
    CHECK(wxn_i32_rem_s(7, -2, &s) == WX_TRAP_NONE && s == 1);
    CHECK(wxn_i32_rem_s(INT32_MIN, 2, &s) == WX_TRAP_NONE && s == 0);
    CHECK(wxn_i32_rem_u(1, 0, &u) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i32_rem_u(0x80000000u, 0xFFFFFFFFu, &u) == WX_TRAP_NONE &&
          u == 0x80000000u);
    CHECK(wxn_i32_rem_u(0xFFFFFFF9u, 2, &u) == WX_TRAP_NONE && u == 1);

    CHECK(wxn_i64_div_s(1, 0, &s64) == WX_TRAP_DIV_ZERO && s64 == 7);
    CHECK(wxn_i64_div_s(INT64_MIN, -1, &s64) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_div_s(INT64_MIN, 2, &s64) == WX_TRAP_NONE &&
          s64 == INT64_MIN / 2);
    CHECK(wxn_i64_div_s(-7, 2, &s64) == WX_TRAP_NONE && s64 == -3);
    CHECK(wxn_i64_div_u(1, 0, &u64) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i64_div_u(0x8000000000000000u, UINT64_MAX, &u64) ==
              WX_TRAP_NONE &&
          u64 == 0);
    CHECK(wxn_i64_div_u(0x8FF00FF00FF00FF0u, 0x100000001u, &u64) ==
              WX_TRAP_NONE &&
          u64 == 0x8FF00FEFu);
    CHECK(wxn_i64_rem_s(1, 0, &s64) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i64_rem_s(INT64_MIN, -1, &s64) == WX_TRAP_NONE && s64 == 0);
    CHECK(wxn_i64_rem_s(-7, 2, &s64) == WX_TRAP_NONE && s64 == -1);
    CHECK(wxn_i64_rem_u(1, 0, &u64) == WX_TRAP_DIV_ZERO);
    CHECK(wxn_i64_rem_u(0x8FF00FF00FF00FF0u, 0x100000001u, &u64) ==
              WX_TRAP_NONE &&
          u64 == 0x80000001u);
}

static void test_sign_extension(void)
{
    CHECK(wxn_i32_extend8_s(0x7F) == 127);
    CHECK(wxn_i32_extend8_s(0x80) == -128);
    CHECK(wxn_i32_extend8_s(0x12345680) == -128);
    CHECK(wxn_i32_extend8_s(-1) == -1);
    CHECK(wxn_i32_extend8_s((int32_t)0xFEDCBA00) == 0);
    CHECK(wxn_i32_extend16_s(0x7FFF) == 32767);
    CHECK(wxn_i32_extend16_s(0x8000) == -32768);
    CHECK(wxn_i32_extend16_s(0x12348000) == -32768);
    CHECK(wxn_i32_extend16_s((int32_t)0xFEDC0000) == 0);
    CHECK(wxn_i64_extend8_s(0x80) == -128);
    CHECK(wxn_i64_extend8_s((int64_t)0xFEDCBA9876543200) == 0);
    CHECK(wxn_i64_extend8_s(0x0123456789ABCD7F) == 127);
    CHECK(wxn_i64_extend16_s(0x8000) == -32768);
    CHECK(wxn_i64_extend16_s(0x0123456789AB7FFF) == 32767);
    CHECK(wxn_i64_extend32_s(0x80000000) == INT32_MIN);
    CHECK(wxn_i64_extend32_s(0x7FFFFFFF) == INT32_MAX);
    CHECK(wxn_i64_extend32_s((int64_t)0xFEDCBA9800000000) == 0);
    CHECK(wxn_i64_extend32_s(0x0123456789ABCDEF) ==
          (int64_t)0xFFFFFFFF89ABCDEF);
}

static void test_sign_ops(void)
{
    /* Bit operations: payloads and signalling NaNs pass through untouched,
     * and so does the sign of a NaN for copysign's first operand. */
    CHECK(B32(wxn_f32_abs(F32(F32_NCANON))) == F32_CANON);
    CHECK(B32(wxn_f32_abs(F32(0xFFA00000u))) == F32_SNAN);
    CHECK(B32(wxn_f32_abs(F32(F32_NZERO))) == 0);
    CHECK(B32(wxn_f32_abs(F32(F32_NINF))) == F32_INF);
    CHECK(B32(wxn_f32_neg(F32(F32_SNAN))) == 0xFFA00000u);
    CHECK(B32(wxn_f32_neg(F32(F32_QNAN_PAYLOAD))) == 0xFFC12345u);
    CHECK(B32(wxn_f32_neg(F32(0))) == F32_NZERO);
    CHECK(B32(wxn_f32_copysign(F32(F32_SNAN), F32(F32_NZERO))) == 0xFFA00000u);
    CHECK(B32(wxn_f32_copysign(F32(0xFFC12345u), F32(0))) == F32_QNAN_PAYLOAD);
    CHECK(B32(wxn_f32_copysign(F32(0x3F800000u), F32(F32_NCANON))) ==
          0xBF800000u);
    CHECK(B32(wxn_f32_copysign(F32(F32_INF), F32(0xBF800000u))) == F32_NINF);

    CHECK(B64(wxn_f64_abs(F64(0xFFF8000000000000u))) == F64_CANON);
    CHECK(B64(wxn_f64_abs(F64(0xFFF4000000000000u))) == F64_SNAN);
    CHECK(B64(wxn_f64_neg(F64(F64_SNAN))) == 0xFFF4000000000000u);
    CHECK(B64(wxn_f64_neg(F64(0))) == F64_NZERO);
    CHECK(B64(wxn_f64_neg(F64(F64_NZERO))) == 0);
    CHECK(B64(wxn_f64_copysign(F64(F64_SNAN), F64(F64_NZERO))) ==
          0xFFF4000000000000u);
    CHECK(B64(wxn_f64_copysign(F64(0x3FF0000000000000u),
                               F64(0xFFF8000000000000u))) ==
          0xBFF0000000000000u);
}

static void test_min_max(void)
{
    CHECK(B32(wxn_f32_min(F32(0), F32(F32_NZERO))) == F32_NZERO);
    CHECK(B32(wxn_f32_min(F32(F32_NZERO), F32(0))) == F32_NZERO);
    CHECK(B32(wxn_f32_max(F32(0), F32(F32_NZERO))) == 0);
    CHECK(B32(wxn_f32_max(F32(F32_NZERO), F32(0))) == 0);
    CHECK(B32(wxn_f32_min(F32(F32_NZERO), F32(F32_NZERO))) == F32_NZERO);
    CHECK(B32(wxn_f32_max(F32(F32_NZERO), F32(F32_NZERO))) == F32_NZERO);
    CHECK(wxn_f32_min(1.0f, 2.0f) == 1.0f);
    CHECK(wxn_f32_max(1.0f, 2.0f) == 2.0f);
    CHECK(B32(wxn_f32_min(F32(F32_NINF), F32(F32_INF))) == F32_NINF);
    CHECK(B32(wxn_f32_max(F32(F32_NINF), F32(F32_INF))) == F32_INF);
    CHECK(f32_is_canonical(wxn_f32_min(F32(F32_CANON), 1.0f)));
    CHECK(f32_is_canonical(wxn_f32_min(1.0f, F32(F32_NCANON))));
    CHECK(f32_is_canonical(wxn_f32_max(F32(F32_NINF), F32(F32_CANON))));
    CHECK(f32_is_canonical(wxn_f32_max(F32(F32_CANON), F32(F32_CANON))));
    CHECK(f32_is_arithmetic(wxn_f32_min(F32(F32_SNAN), 0.0f)));
    CHECK(f32_is_arithmetic(wxn_f32_max(0.0f, F32(F32_SNAN))));
    CHECK(f32_is_arithmetic(wxn_f32_max(F32(F32_QNAN_PAYLOAD), 0.0f)));

    CHECK(B64(wxn_f64_min(F64(0), F64(F64_NZERO))) == F64_NZERO);
    CHECK(B64(wxn_f64_min(F64(F64_NZERO), F64(0))) == F64_NZERO);
    CHECK(B64(wxn_f64_max(F64(0), F64(F64_NZERO))) == 0);
    CHECK(B64(wxn_f64_max(F64(F64_NZERO), F64(0))) == 0);
    CHECK(wxn_f64_min(-1.0, 2.0) == -1.0);
    CHECK(wxn_f64_max(-1.0, 2.0) == 2.0);
    CHECK(f64_is_canonical(wxn_f64_min(F64(F64_CANON), 1.0)));
    CHECK(f64_is_canonical(wxn_f64_max(1.0, F64(F64_CANON))));
    CHECK(f64_is_arithmetic(wxn_f64_min(F64(F64_SNAN), 1.0)));
    CHECK(f64_is_arithmetic(wxn_f64_max(1.0, F64(F64_SNAN))));
}

static void test_rounding_f32(void)
{
    /* nearest: round half to even, sign kept (also for results of 0). */
    CHECK(wxn_f32_nearest(2.5f) == 2.0f);
    CHECK(wxn_f32_nearest(3.5f) == 4.0f);
    CHECK(wxn_f32_nearest(-2.5f) == -2.0f);
    CHECK(wxn_f32_nearest(1.5f) == 2.0f);
    CHECK(wxn_f32_nearest(0.49999997f) == 0.0f);
    CHECK(B32(wxn_f32_nearest(-0.5f)) == F32_NZERO);
    CHECK(B32(wxn_f32_nearest(0.5f)) == 0);
    CHECK(B32(wxn_f32_nearest(F32(F32_NZERO))) == F32_NZERO);
    CHECK(B32(wxn_f32_nearest(F32(0x00000001u))) == 0);
    CHECK(B32(wxn_f32_nearest(F32(0x80000001u))) == F32_NZERO);
    /* 2^23 - 0.5 rounds to even 2^23; 2^23 + 1 is returned as it is. */
    CHECK(wxn_f32_nearest(8388607.5f) == 8388608.0f);
    CHECK(wxn_f32_nearest(-8388607.5f) == -8388608.0f);
    CHECK(wxn_f32_nearest(8388609.0f) == 8388609.0f);
    CHECK(B32(wxn_f32_nearest(F32(0x7F7FFFFFu))) == 0x7F7FFFFFu);
    CHECK(B32(wxn_f32_nearest(F32(F32_NINF))) == F32_NINF);

    CHECK(wxn_f32_trunc(-1.5f) == -1.0f);
    CHECK(wxn_f32_trunc(1.9999999f) == 1.0f);
    CHECK(B32(wxn_f32_trunc(-0.5f)) == F32_NZERO);
    CHECK(B32(wxn_f32_trunc(0.5f)) == 0);
    CHECK(wxn_f32_trunc(8388607.5f) == 8388607.0f);
    CHECK(wxn_f32_trunc(-8388607.5f) == -8388607.0f);
    CHECK(B32(wxn_f32_trunc(F32(0x7F7FFFFFu))) == 0x7F7FFFFFu);

    CHECK(wxn_f32_floor(-1.5f) == -2.0f);
    CHECK(wxn_f32_floor(1.5f) == 1.0f);
    CHECK(wxn_f32_floor(-0.5f) == -1.0f);
    CHECK(B32(wxn_f32_floor(0.5f)) == 0);
    CHECK(B32(wxn_f32_floor(F32(F32_NZERO))) == F32_NZERO);
    CHECK(wxn_f32_floor(-8388607.5f) == -8388608.0f);
    CHECK(B32(wxn_f32_floor(F32(0x80000001u))) == 0xBF800000u);

    CHECK(wxn_f32_ceil(1.5f) == 2.0f);
    CHECK(wxn_f32_ceil(-1.5f) == -1.0f);
    CHECK(wxn_f32_ceil(0.5f) == 1.0f);
    CHECK(B32(wxn_f32_ceil(-0.5f)) == F32_NZERO);
    CHECK(B32(wxn_f32_ceil(F32(0x80000001u))) == F32_NZERO);
    CHECK(wxn_f32_ceil(8388607.5f) == 8388608.0f);
    CHECK(B32(wxn_f32_ceil(F32(0x00000001u))) == 0x3F800000u);

    /* NaNs come out quiet: canonical stays canonical. */
    CHECK(f32_is_canonical(wxn_f32_nearest(F32(F32_CANON))));
    CHECK(f32_is_arithmetic(wxn_f32_nearest(F32(F32_SNAN))));
    CHECK(f32_is_arithmetic(wxn_f32_trunc(F32(0xFFA00000u))));
    CHECK(f32_is_arithmetic(wxn_f32_floor(F32(F32_SNAN))));
    CHECK(f32_is_canonical(wxn_f32_ceil(F32(F32_NCANON))));

    CHECK(wxn_f32_sqrt(4.0f) == 2.0f);
    CHECK(B32(wxn_f32_sqrt(F32(F32_NZERO))) == F32_NZERO);
    CHECK(B32(wxn_f32_sqrt(F32(F32_INF))) == F32_INF);
    CHECK(f32_is_canonical(wxn_f32_sqrt(-1.0f)));
    CHECK(f32_is_canonical(wxn_f32_sqrt(F32(F32_NINF))));
    CHECK(f32_is_arithmetic(wxn_f32_sqrt(F32(F32_SNAN))));
    /* float_misc.wast: correctly rounded. */
    CHECK(B32(wxn_f32_sqrt(F32(0x432B0000u))) == 0x41513A26u);
}

static void test_rounding_f64(void)
{
    CHECK(wxn_f64_nearest(2.5) == 2.0);
    CHECK(wxn_f64_nearest(3.5) == 4.0);
    CHECK(wxn_f64_nearest(-3.5) == -4.0);
    CHECK(wxn_f64_nearest(0.49999999999999994) == 0.0);
    CHECK(B64(wxn_f64_nearest(-0.5)) == F64_NZERO);
    CHECK(B64(wxn_f64_nearest(0.5)) == 0);
    CHECK(wxn_f64_nearest(4503599627370495.5) == 4503599627370496.0);
    CHECK(wxn_f64_nearest(-4503599627370495.5) == -4503599627370496.0);
    CHECK(wxn_f64_nearest(4503599627370497.0) == 4503599627370497.0);
    CHECK(B64(wxn_f64_nearest(F64(0x7FEFFFFFFFFFFFFFu))) ==
          0x7FEFFFFFFFFFFFFFu);

    CHECK(B64(wxn_f64_trunc(-0.5)) == F64_NZERO);
    CHECK(wxn_f64_trunc(-1.5) == -1.0);
    CHECK(wxn_f64_trunc(4503599627370495.5) == 4503599627370495.0);
    CHECK(wxn_f64_floor(-0.5) == -1.0);
    CHECK(B64(wxn_f64_floor(F64(F64_NZERO))) == F64_NZERO);
    CHECK(wxn_f64_floor(-4503599627370495.5) == -4503599627370496.0);
    CHECK(B64(wxn_f64_ceil(-0.5)) == F64_NZERO);
    CHECK(wxn_f64_ceil(0.5) == 1.0);
    CHECK(wxn_f64_ceil(4503599627370495.5) == 4503599627370496.0);
    CHECK(B64(wxn_f64_ceil(F64(F64_NINF))) == F64_NINF);

    CHECK(f64_is_canonical(wxn_f64_nearest(F64(F64_CANON))));
    CHECK(f64_is_arithmetic(wxn_f64_nearest(F64(F64_SNAN))));
    CHECK(f64_is_arithmetic(wxn_f64_trunc(F64(F64_SNAN))));
    CHECK(f64_is_arithmetic(wxn_f64_floor(F64(F64_SNAN))));
    CHECK(f64_is_arithmetic(wxn_f64_ceil(F64(F64_SNAN))));

    CHECK(wxn_f64_sqrt(4.0) == 2.0);
    CHECK(B64(wxn_f64_sqrt(F64(F64_NZERO))) == F64_NZERO);
    CHECK(f64_is_canonical(wxn_f64_sqrt(-1.0)));
    CHECK(f64_is_arithmetic(wxn_f64_sqrt(F64(F64_SNAN))));
    /* float_misc.wast: correctly rounded. */
    CHECK(B64(wxn_f64_sqrt(F64(0x551352DFA278C43Du))) == 0x4A8195607DAC5417u);
}

static void test_trapping_truncation(void)
{
    int32_t s = 0;
    uint32_t u = 0;
    int64_t s64 = 0;
    uint64_t u64 = 0;

    /* i32.trunc_f32_s: [-2^31, 2^31). */
    CHECK(wxn_i32_trunc_f32_s(-2147483648.0f, &s) == WX_TRAP_NONE &&
          s == INT32_MIN);
    CHECK(wxn_i32_trunc_f32_s(2147483520.0f, &s) == WX_TRAP_NONE &&
          s == 2147483520);
    CHECK(wxn_i32_trunc_f32_s(2147483648.0f, &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_s(-2147483904.0f, &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_s(-1.9f, &s) == WX_TRAP_NONE && s == -1);
    CHECK(wxn_i32_trunc_f32_s(F32(F32_NZERO), &s) == WX_TRAP_NONE && s == 0);
    CHECK(wxn_i32_trunc_f32_s(F32(F32_INF), &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_s(F32(F32_NINF), &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_s(F32(F32_CANON), &s) ==
          WX_TRAP_INVALID_CONVERSION);
    CHECK(wxn_i32_trunc_f32_s(F32(0xFFA00000u), &s) ==
          WX_TRAP_INVALID_CONVERSION);

    /* i32.trunc_f32_u: (-1, 2^32). */
    CHECK(wxn_i32_trunc_f32_u(-0.9999999f, &u) == WX_TRAP_NONE && u == 0);
    CHECK(wxn_i32_trunc_f32_u(-1.0f, &u) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_u(4294967040.0f, &u) == WX_TRAP_NONE &&
          u == 4294967040u);
    CHECK(wxn_i32_trunc_f32_u(4294967296.0f, &u) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f32_u(2147483648.0f, &u) == WX_TRAP_NONE &&
          u == 0x80000000u);
    CHECK(wxn_i32_trunc_f32_u(F32(F32_NCANON), &u) ==
          WX_TRAP_INVALID_CONVERSION);

    /* i32.trunc_f64_s: (-2^31 - 1, 2^31). */
    CHECK(wxn_i32_trunc_f64_s(2147483647.9, &s) == WX_TRAP_NONE &&
          s == INT32_MAX);
    CHECK(wxn_i32_trunc_f64_s(2147483648.0, &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_s(-2147483648.9, &s) == WX_TRAP_NONE &&
          s == INT32_MIN);
    CHECK(wxn_i32_trunc_f64_s(-2147483649.0, &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_s(F64(F64_NINF), &s) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_s(F64(F64_SNAN), &s) ==
          WX_TRAP_INVALID_CONVERSION);

    /* i32.trunc_f64_u: (-1, 2^32). */
    CHECK(wxn_i32_trunc_f64_u(-0.9999999999999999, &u) == WX_TRAP_NONE &&
          u == 0);
    CHECK(wxn_i32_trunc_f64_u(-1.0, &u) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_u(4294967295.9, &u) == WX_TRAP_NONE &&
          u == UINT32_MAX);
    CHECK(wxn_i32_trunc_f64_u(4294967296.0, &u) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_u(1e16, &u) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i32_trunc_f64_u(F64(F64_CANON), &u) ==
          WX_TRAP_INVALID_CONVERSION);

    /* i64.trunc_f32_s / f64_s: [-2^63, 2^63). */
    CHECK(wxn_i64_trunc_f32_s(-9223372036854775808.0f, &s64) == WX_TRAP_NONE &&
          s64 == INT64_MIN);
    CHECK(wxn_i64_trunc_f32_s(9223371487098961920.0f, &s64) == WX_TRAP_NONE &&
          s64 == 9223371487098961920);
    CHECK(wxn_i64_trunc_f32_s(9223372036854775808.0f, &s64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f32_s(-9223373136366403584.0f, &s64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f32_s(F32(F32_CANON), &s64) ==
          WX_TRAP_INVALID_CONVERSION);
    CHECK(wxn_i64_trunc_f64_s(-9223372036854775808.0, &s64) == WX_TRAP_NONE &&
          s64 == INT64_MIN);
    CHECK(wxn_i64_trunc_f64_s(9223372036854774784.0, &s64) == WX_TRAP_NONE &&
          s64 == 9223372036854774784);
    CHECK(wxn_i64_trunc_f64_s(9223372036854775808.0, &s64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_s(-9223372036854777856.0, &s64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_s(F64(F64_NINF), &s64) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_s(F64(F64_CANON), &s64) ==
          WX_TRAP_INVALID_CONVERSION);

    /* i64.trunc_f32_u / f64_u: (-1, 2^64). */
    CHECK(wxn_i64_trunc_f32_u(-0.9999999f, &u64) == WX_TRAP_NONE && u64 == 0);
    CHECK(wxn_i64_trunc_f32_u(-1.0f, &u64) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f32_u(18446742974197923840.0f, &u64) == WX_TRAP_NONE &&
          u64 == 18446742974197923840u);
    CHECK(wxn_i64_trunc_f32_u(18446744073709551616.0f, &u64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f32_u(F32(F32_SNAN), &u64) ==
          WX_TRAP_INVALID_CONVERSION);
    CHECK(wxn_i64_trunc_f64_u(18446744073709549568.0, &u64) == WX_TRAP_NONE &&
          u64 == 18446744073709549568u);
    CHECK(wxn_i64_trunc_f64_u(18446744073709551616.0, &u64) ==
          WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_u(9223372036854775808.0, &u64) == WX_TRAP_NONE &&
          u64 == 0x8000000000000000u);
    CHECK(wxn_i64_trunc_f64_u(-0.9999999999999999, &u64) == WX_TRAP_NONE &&
          u64 == 0);
    CHECK(wxn_i64_trunc_f64_u(-1.0, &u64) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_u(F64(F64_INF), &u64) == WX_TRAP_INT_OVERFLOW);
    CHECK(wxn_i64_trunc_f64_u(F64(F64_SNAN), &u64) ==
          WX_TRAP_INVALID_CONVERSION);
}

static void test_saturating_truncation(void)
{
    CHECK(wxn_i32_trunc_sat_f32_s(F32(F32_CANON)) == 0);
    CHECK(wxn_i32_trunc_sat_f32_s(F32(0xFFA00000u)) == 0);
    CHECK(wxn_i32_trunc_sat_f32_s(2147483648.0f) == INT32_MAX);
    CHECK(wxn_i32_trunc_sat_f32_s(-2147483904.0f) == INT32_MIN);
    CHECK(wxn_i32_trunc_sat_f32_s(-2147483648.0f) == INT32_MIN);
    CHECK(wxn_i32_trunc_sat_f32_s(F32(F32_INF)) == INT32_MAX);
    CHECK(wxn_i32_trunc_sat_f32_s(F32(F32_NINF)) == INT32_MIN);
    CHECK(wxn_i32_trunc_sat_f32_s(-1.9f) == -1);
    CHECK(wxn_i32_trunc_sat_f32_u(F32(F32_CANON)) == 0);
    CHECK(wxn_i32_trunc_sat_f32_u(-1.0f) == 0);
    CHECK(wxn_i32_trunc_sat_f32_u(-0.9999999f) == 0);
    CHECK(wxn_i32_trunc_sat_f32_u(4294967296.0f) == UINT32_MAX);
    CHECK(wxn_i32_trunc_sat_f32_u(4294967040.0f) == 4294967040u);
    CHECK(wxn_i32_trunc_sat_f32_u(F32(F32_NINF)) == 0);

    CHECK(wxn_i32_trunc_sat_f64_s(F64(F64_CANON)) == 0);
    CHECK(wxn_i32_trunc_sat_f64_s(2147483647.9) == INT32_MAX);
    CHECK(wxn_i32_trunc_sat_f64_s(2147483648.0) == INT32_MAX);
    CHECK(wxn_i32_trunc_sat_f64_s(-2147483648.9) == INT32_MIN);
    CHECK(wxn_i32_trunc_sat_f64_s(-2147483649.0) == INT32_MIN);
    CHECK(wxn_i32_trunc_sat_f64_s(-1.9) == -1);
    CHECK(wxn_i32_trunc_sat_f64_u(F64(F64_SNAN)) == 0);
    CHECK(wxn_i32_trunc_sat_f64_u(-1.0) == 0);
    CHECK(wxn_i32_trunc_sat_f64_u(4294967295.9) == UINT32_MAX);
    CHECK(wxn_i32_trunc_sat_f64_u(1e16) == UINT32_MAX);
    CHECK(wxn_i32_trunc_sat_f64_u(F64(F64_INF)) == UINT32_MAX);

    CHECK(wxn_i64_trunc_sat_f32_s(F32(F32_CANON)) == 0);
    CHECK(wxn_i64_trunc_sat_f32_s(9223372036854775808.0f) == INT64_MAX);
    CHECK(wxn_i64_trunc_sat_f32_s(-9223372036854775808.0f) == INT64_MIN);
    CHECK(wxn_i64_trunc_sat_f32_s(-9223373136366403584.0f) == INT64_MIN);
    CHECK(wxn_i64_trunc_sat_f32_u(F32(F32_CANON)) == 0);
    CHECK(wxn_i64_trunc_sat_f32_u(-1.0f) == 0);
    CHECK(wxn_i64_trunc_sat_f32_u(18446744073709551616.0f) == UINT64_MAX);
    CHECK(wxn_i64_trunc_sat_f32_u(18446742974197923840.0f) ==
          18446742974197923840u);
    CHECK(wxn_i64_trunc_sat_f64_s(F64(F64_CANON)) == 0);
    CHECK(wxn_i64_trunc_sat_f64_s(9223372036854775808.0) == INT64_MAX);
    CHECK(wxn_i64_trunc_sat_f64_s(-9223372036854777856.0) == INT64_MIN);
    CHECK(wxn_i64_trunc_sat_f64_s(F64(F64_NINF)) == INT64_MIN);
    CHECK(wxn_i64_trunc_sat_f64_s(9223372036854774784.0) ==
          9223372036854774784);
    CHECK(wxn_i64_trunc_sat_f64_u(F64(F64_SNAN)) == 0);
    CHECK(wxn_i64_trunc_sat_f64_u(-1.0) == 0);
    CHECK(wxn_i64_trunc_sat_f64_u(18446744073709551616.0) == UINT64_MAX);
    CHECK(wxn_i64_trunc_sat_f64_u(18446744073709549568.0) ==
          18446744073709549568u);
}

static void test_int_to_float(void)
{
    /* conversions.wast: round to nearest, ties to even. */
    CHECK(B32(wxn_f32_convert_i32_s(1)) == 0x3F800000u);
    CHECK(B32(wxn_f32_convert_i32_s(INT32_MIN)) == 0xCF000000u);
    CHECK(B32(wxn_f32_convert_i32_s(INT32_MAX)) == 0x4F000000u);
    CHECK(B32(wxn_f32_convert_i32_s(16777217)) == 0x4B800000u);
    CHECK(B32(wxn_f32_convert_i32_s(-16777219)) == 0xCB800002u);
    CHECK(B32(wxn_f32_convert_i32_u(0xFFFFFFFFu)) == 0x4F800000u);
    CHECK(B32(wxn_f32_convert_i32_u(0x80000000u)) == 0x4F000000u);
    CHECK(B32(wxn_f32_convert_i32_u(0x80000080u)) == 0x4F000000u);
    CHECK(B32(wxn_f32_convert_i32_u(0x80000081u)) == 0x4F000001u);
    CHECK(B32(wxn_f32_convert_i32_u(0x80000180u)) == 0x4F000002u);
    CHECK(B32(wxn_f32_convert_i32_u(16777217u)) == 0x4B800000u);
    CHECK(B32(wxn_f32_convert_i64_s(INT64_MIN)) == 0xDF000000u);
    CHECK(B32(wxn_f32_convert_i64_s(INT64_MAX)) == 0x5F000000u);
    CHECK(B32(wxn_f32_convert_i64_s(9007199791611905)) == 0x5A000001u);
    CHECK(B32(wxn_f32_convert_i64_s(-9007199791611905)) == 0xDA000001u);

    /* u64 -> f32: going through f64 would round twice and give
     * 0x5a000000 for the first of these. */
    CHECK(B32(wxn_f32_convert_i64_u(0x0020000020000001u)) == 0x5A000001u);
    CHECK(B32(wxn_f32_convert_i64_u(UINT64_MAX)) == 0x5F800000u);
    CHECK(B32(wxn_f32_convert_i64_u(0x8000000000000000u)) == 0x5F000000u);
    CHECK(B32(wxn_f32_convert_i64_u(0x8000008000000000u)) == 0x5F000000u);
    CHECK(B32(wxn_f32_convert_i64_u(0x8000008000000001u)) == 0x5F000001u);
    CHECK(B32(wxn_f32_convert_i64_u(0x8000018000000000u)) == 0x5F000002u);
    CHECK(B32(wxn_f32_convert_i64_u(0xFFFFFF4000000001u)) == 0x5F7FFFFFu);
    CHECK(B32(wxn_f32_convert_i64_u(0x7FFFFFFFFFFFFFFFu)) == 0x5F000000u);
    CHECK(B32(wxn_f32_convert_i64_u(16777217u)) == 0x4B800000u);
    CHECK(B32(wxn_f32_convert_i64_u(16777219u)) == 0x4B800002u);

    CHECK(wxn_f64_convert_i32_s(INT32_MIN) == -2147483648.0);
    CHECK(wxn_f64_convert_i32_u(0xFFFFFFFFu) == 4294967295.0);
    CHECK(B64(wxn_f64_convert_i64_s(INT64_MIN)) == 0xC3E0000000000000u);
    CHECK(B64(wxn_f64_convert_i64_s(9007199254740993)) == 0x4340000000000000u);
    CHECK(B64(wxn_f64_convert_i64_s(-9007199254740995)) ==
          0xC340000000000002u);
    CHECK(B64(wxn_f64_convert_i64_u(UINT64_MAX)) == 0x43F0000000000000u);
    CHECK(B64(wxn_f64_convert_i64_u(0x8000000000000400u)) ==
          0x43E0000000000000u);
    CHECK(B64(wxn_f64_convert_i64_u(0x8000000000000401u)) ==
          0x43E0000000000001u);
    CHECK(B64(wxn_f64_convert_i64_u(0x8000000000000C00u)) ==
          0x43E0000000000002u);
    CHECK(B64(wxn_f64_convert_i64_u(9007199254740993u)) ==
          0x4340000000000000u);
    CHECK(B64(wxn_f64_convert_i64_u(9007199254740995u)) ==
          0x4340000000000002u);
}

static void test_float_to_float(void)
{
    /* conversions.wast: demotion rounds to nearest even, overflows to
     * infinity past FLT_MAX + half an ulp, and keeps subnormals. */
    CHECK(B32(wxn_f32_demote_f64(F64(0x3FF0000010000000u))) == 0x3F800000u);
    CHECK(B32(wxn_f32_demote_f64(F64(0x3FF0000010000001u))) == 0x3F800001u);
    CHECK(B32(wxn_f32_demote_f64(F64(0x3FF0000030000000u))) == 0x3F800002u);
    CHECK(B32(wxn_f32_demote_f64(F64(0x47EFFFFFEFFFFFFFu))) == 0x7F7FFFFFu);
    CHECK(B32(wxn_f32_demote_f64(F64(0x47EFFFFFF0000000u))) == F32_INF);
    CHECK(B32(wxn_f32_demote_f64(F64(0xC7EFFFFFF0000000u))) == F32_NINF);
    CHECK(B32(wxn_f32_demote_f64(F64(0x36A0000000000000u))) == 0x00000001u);
    CHECK(B32(wxn_f32_demote_f64(F64(0x3690000000000000u))) == 0);
    CHECK(B32(wxn_f32_demote_f64(F64(0x3690000000000001u))) == 0x00000001u);
    CHECK(B32(wxn_f32_demote_f64(F64(0xB690000000000000u))) == F32_NZERO);
    CHECK(B32(wxn_f32_demote_f64(F64(F64_NZERO))) == F32_NZERO);
    CHECK(f32_is_canonical(wxn_f32_demote_f64(F64(F64_CANON))));
    CHECK(f32_is_canonical(wxn_f32_demote_f64(F64(0xFFF8000000000000u))));
    CHECK(f32_is_arithmetic(wxn_f32_demote_f64(F64(F64_SNAN))));
    CHECK(f32_is_arithmetic(wxn_f32_demote_f64(F64(0x7FF0000000000001u))));

    CHECK(B64(wxn_f64_promote_f32(F32(0x00000001u))) == 0x36A0000000000000u);
    CHECK(B64(wxn_f64_promote_f32(F32(0x7F7FFFFFu))) == 0x47EFFFFFE0000000u);
    CHECK(B64(wxn_f64_promote_f32(F32(F32_NZERO))) == F64_NZERO);
    CHECK(B64(wxn_f64_promote_f32(F32(F32_NINF))) == F64_NINF);
    CHECK(f64_is_canonical(wxn_f64_promote_f32(F32(F32_CANON))));
    CHECK(f64_is_canonical(wxn_f64_promote_f32(F32(F32_NCANON))));
    CHECK(f64_is_arithmetic(wxn_f64_promote_f32(F32(F32_SNAN))));
}

static void test_bits(void)
{
    CHECK(wxn_f32_bits(F32(0x7FA00001u)) == 0x7FA00001u);
    CHECK(wxn_f32_bits(-1.0f) == 0xBF800000u);
    CHECK(wxn_f32_from_bits(0x3F800000u) == 1.0f);
    CHECK(wxn_f64_bits(F64(0x7FF4000000000001u)) == 0x7FF4000000000001u);
    CHECK(wxn_f64_bits(-1.0) == 0xBFF0000000000000u);
    CHECK(wxn_f64_from_bits(0x3FF0000000000000u) == 1.0);
}

int main(void)
{
    test_bit_counts();
    test_shifts();
    test_division();
    test_sign_extension();
    test_sign_ops();
    test_min_max();
    test_rounding_f32();
    test_rounding_f64();
    test_trapping_truncation();
    test_saturating_truncation();
    test_int_to_float();
    test_float_to_float();
    test_bits();
    return CHECK_DONE();
}
