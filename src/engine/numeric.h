/*
 * WebAssembly numeric instructions whose semantics are not one C operator.
 *
 * Every function here is exact to the spec (IEEE 754 binary32/binary64 with
 * round-to-nearest-even, the wasm NaN rules, trapping) and free of undefined
 * behaviour: no signed overflow, no shift by the width or more, no
 * out-of-range float-to-int conversion. They are static inline because they
 * sit in the interpreter's hot loop; each branches only where the semantics
 * force it to.
 *
 * Assumptions, checked below where the compiler lets us: floats are IEEE 754
 * binary32/binary64 evaluated in their own precision (FLT_EVAL_METHOD 0, as
 * on x86-64 SSE and AArch64), the rounding mode is the default
 * round-to-nearest-even, and the code is not built with -ffast-math (the
 * rounding tricks below rely on every addition being rounded exactly once).
 *
 * NaN rules (spec 4.3.3): an operator given only canonical NaNs returns a
 * canonical NaN; given any other NaN it returns an arithmetic (quiet) NaN.
 * Hardware arithmetic already does this (it quiets the first NaN operand),
 * so where a result is a NaN we produce it with an addition rather than
 * constructing one. abs, neg and copysign are bit operations and never
 * touch the payload.
 */
#ifndef WX_ENGINE_NUMERIC_H
#define WX_ENGINE_NUMERIC_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "wasmext/engine.h" /* wx_trap */

#if defined(__FAST_MATH__)
#error "numeric.h needs IEEE semantics: do not build with -ffast-math"
#endif
/* 0: float and double in their own precision; 16 (gcc with AVX512-FP16)
 * says the same and adds _Float16. 2 would be x87 excess precision. */
#if !defined(FLT_EVAL_METHOD) ||                                              \
    (FLT_EVAL_METHOD != 0 && FLT_EVAL_METHOD != 16)
#error "numeric.h needs FLT_EVAL_METHOD 0 (SSE2 or better on x86)"
#endif

/* ------------------------------------------------- bits <-> floats */

static inline float wxn_f32_from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t wxn_f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline double wxn_f64_from_bits(uint64_t b)
{
    double f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint64_t wxn_f64_bits(double f)
{
    uint64_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* ------------------------------------------------------- integers */

/* __builtin_clz/ctz are undefined for 0, which wasm defines as the width. */
static inline uint32_t wxn_i32_clz(uint32_t a)
{
    return a ? (uint32_t)__builtin_clz(a) : 32u;
}

static inline uint32_t wxn_i32_ctz(uint32_t a)
{
    return a ? (uint32_t)__builtin_ctz(a) : 32u;
}

static inline uint64_t wxn_i64_clz(uint64_t a)
{
    return a ? (uint64_t)__builtin_clzll(a) : 64u;
}

static inline uint64_t wxn_i64_ctz(uint64_t a)
{
    return a ? (uint64_t)__builtin_ctzll(a) : 64u;
}

/*
 * Without the POPCNT instruction gcc turns __builtin_popcount into a libgcc
 * call; the classic SWAR sum is faster than that call and branch-free.
 */
static inline uint32_t wxn_i32_popcnt(uint32_t a)
{
#if defined(__POPCNT__) || defined(__aarch64__)
    return (uint32_t)__builtin_popcount(a);
#else
    a = a - ((a >> 1) & 0x55555555u);
    a = (a & 0x33333333u) + ((a >> 2) & 0x33333333u);
    a = (a + (a >> 4)) & 0x0F0F0F0Fu;
    return (a * 0x01010101u) >> 24;
#endif
}

static inline uint64_t wxn_i64_popcnt(uint64_t a)
{
#if defined(__POPCNT__) || defined(__aarch64__)
    return (uint64_t)__builtin_popcountll(a);
#else
    a = a - ((a >> 1) & 0x5555555555555555u);
    a = (a & 0x3333333333333333u) + ((a >> 2) & 0x3333333333333333u);
    a = (a + (a >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (a * 0x0101010101010101u) >> 56;
#endif
}

/*
 * Shift and rotate counts are taken modulo the width, as wasm says; masking
 * both shifts of a rotate keeps the count below the width even when it is 0,
 * and compilers recognise the pattern as a single rotate instruction.
 */
static inline uint32_t wxn_i32_shl(uint32_t a, uint32_t b)
{
    return a << (b & 31);
}

static inline uint32_t wxn_i32_shr_u(uint32_t a, uint32_t b)
{
    return a >> (b & 31);
}

/* Right shift of a negative value is implementation-defined in C, and both
 * gcc and clang define it as arithmetic, which is what wasm wants. */
static inline int32_t wxn_i32_shr_s(int32_t a, uint32_t b)
{
    return a >> (b & 31);
}

static inline uint64_t wxn_i64_shl(uint64_t a, uint64_t b)
{
    return a << (b & 63);
}

static inline uint64_t wxn_i64_shr_u(uint64_t a, uint64_t b)
{
    return a >> (b & 63);
}

static inline int64_t wxn_i64_shr_s(int64_t a, uint64_t b)
{
    return a >> (b & 63);
}

static inline uint32_t wxn_i32_rotl(uint32_t a, uint32_t b)
{
    return (a << (b & 31)) | (a >> ((0u - b) & 31));
}

static inline uint32_t wxn_i32_rotr(uint32_t a, uint32_t b)
{
    return (a >> (b & 31)) | (a << ((0u - b) & 31));
}

static inline uint64_t wxn_i64_rotl(uint64_t a, uint64_t b)
{
    return (a << (b & 63)) | (a >> ((0u - b) & 63));
}

static inline uint64_t wxn_i64_rotr(uint64_t a, uint64_t b)
{
    return (a >> (b & 63)) | (a << ((0u - b) & 63));
}

/*
 * Division. The only signed overflow is INT_MIN / -1, which wasm traps on;
 * INT_MIN % -1 is 0 in wasm but undefined in C (the x86 idiv faults), so
 * rem_s answers it without dividing.
 */
static inline wx_trap wxn_i32_div_s(int32_t a, int32_t b, int32_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    if (__builtin_expect(a == INT32_MIN && b == -1, 0))
        return WX_TRAP_INT_OVERFLOW;
    *out = a / b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i32_div_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = a / b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i32_rem_s(int32_t a, int32_t b, int32_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = __builtin_expect(b == -1, 0) ? 0 : a % b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i32_rem_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = a % b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i64_div_s(int64_t a, int64_t b, int64_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    if (__builtin_expect(a == INT64_MIN && b == -1, 0))
        return WX_TRAP_INT_OVERFLOW;
    *out = a / b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i64_div_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = a / b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i64_rem_s(int64_t a, int64_t b, int64_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = __builtin_expect(b == -1, 0) ? 0 : a % b;
    return WX_TRAP_NONE;
}

static inline wx_trap wxn_i64_rem_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (__builtin_expect(b == 0, 0))
        return WX_TRAP_DIV_ZERO;
    *out = a % b;
    return WX_TRAP_NONE;
}

/*
 * Sign extension. Converting an out-of-range value to a signed type is
 * implementation-defined (not undefined) in C, and gcc and clang define it
 * as wrapping, so the narrowing casts below are exact two's complement.
 */
static inline int32_t wxn_i32_extend8_s(int32_t a)
{
    return (int8_t)a;
}

static inline int32_t wxn_i32_extend16_s(int32_t a)
{
    return (int16_t)a;
}

static inline int64_t wxn_i64_extend8_s(int64_t a)
{
    return (int8_t)a;
}

static inline int64_t wxn_i64_extend16_s(int64_t a)
{
    return (int16_t)a;
}

static inline int64_t wxn_i64_extend32_s(int64_t a)
{
    return (int32_t)a;
}

/* ---------------------------------------------- float sign operations */

static inline float wxn_f32_abs(float a)
{
    return wxn_f32_from_bits(wxn_f32_bits(a) & 0x7FFFFFFFu);
}

static inline float wxn_f32_neg(float a)
{
    return wxn_f32_from_bits(wxn_f32_bits(a) ^ 0x80000000u);
}

static inline float wxn_f32_copysign(float a, float b)
{
    return wxn_f32_from_bits((wxn_f32_bits(a) & 0x7FFFFFFFu) |
                             (wxn_f32_bits(b) & 0x80000000u));
}

static inline double wxn_f64_abs(double a)
{
    return wxn_f64_from_bits(wxn_f64_bits(a) & 0x7FFFFFFFFFFFFFFFu);
}

static inline double wxn_f64_neg(double a)
{
    return wxn_f64_from_bits(wxn_f64_bits(a) ^ 0x8000000000000000u);
}

static inline double wxn_f64_copysign(double a, double b)
{
    return wxn_f64_from_bits((wxn_f64_bits(a) & 0x7FFFFFFFFFFFFFFFu) |
                             (wxn_f64_bits(b) & 0x8000000000000000u));
}

/* ------------------------------------------------------ min and max */

/*
 * The ordered cases are plain comparisons. Equal operands differ at most in
 * the sign of zero, and min(-0, +0) is -0: OR-ing the bits picks the
 * negative zero for min, AND-ing picks the positive one for max (for equal
 * non-zero operands both are the identity). What is left is a NaN operand,
 * and a + b returns it quieted, which is what the NaN rules ask for.
 */
static inline float wxn_f32_min(float a, float b)
{
    if (a < b)
        return a;
    if (b < a)
        return b;
    if (a == b)
        return wxn_f32_from_bits(wxn_f32_bits(a) | wxn_f32_bits(b));
    return a + b;
}

static inline float wxn_f32_max(float a, float b)
{
    if (a > b)
        return a;
    if (b > a)
        return b;
    if (a == b)
        return wxn_f32_from_bits(wxn_f32_bits(a) & wxn_f32_bits(b));
    return a + b;
}

static inline double wxn_f64_min(double a, double b)
{
    if (a < b)
        return a;
    if (b < a)
        return b;
    if (a == b)
        return wxn_f64_from_bits(wxn_f64_bits(a) | wxn_f64_bits(b));
    return a + b;
}

static inline double wxn_f64_max(double a, double b)
{
    if (a > b)
        return a;
    if (b > a)
        return b;
    if (a == b)
        return wxn_f64_from_bits(wxn_f64_bits(a) & wxn_f64_bits(b));
    return a + b;
}

/* ------------------------------------------------- rounding to integer */

/*
 * Without SSE4.1 (our default target), gcc and clang compile ceilf, floorf,
 * truncf and rintf to library calls, so we round by hand. Every float whose
 * magnitude is at least 2^23 (binary32) or 2^52 (binary64) is already an
 * integer, as are infinities; these are returned as they are, and NaNs are
 * returned quieted (x + x). Below that bound:
 *   - trunc converts to an integer type and back (exact: |x| < 2^63), then
 *     restores the sign so that trunc(-0.5) is -0;
 *   - floor and ceil step trunc's result by one when it went the wrong way;
 *   - nearest adds and subtracts 2^23 (2^52): the sum has no fraction bits
 *     left, so the FPU's own round-half-to-even does the rounding, and the
 *     subtraction is exact. The sign is restored so nearest(-0.5) is -0.
 */
#define WXN_F32_INT_BOUND 8388608.0f         /* 2^23 */
#define WXN_F64_INT_BOUND 4503599627370496.0 /* 2^52 */

static inline float wxn_f32_special_round_(float a)
{
    return a != a ? a + a : a;
}

static inline double wxn_f64_special_round_(double a)
{
    return a != a ? a + a : a;
}

static inline float wxn_f32_trunc(float a)
{
    if (__builtin_expect(!(wxn_f32_abs(a) < WXN_F32_INT_BOUND), 0))
        return wxn_f32_special_round_(a);
    return wxn_f32_copysign((float)(int32_t)a, a);
}

static inline float wxn_f32_floor(float a)
{
    if (__builtin_expect(!(wxn_f32_abs(a) < WXN_F32_INT_BOUND), 0))
        return wxn_f32_special_round_(a);
    float t = wxn_f32_copysign((float)(int32_t)a, a);
    return t > a ? t - 1.0f : t;
}

static inline float wxn_f32_ceil(float a)
{
    if (__builtin_expect(!(wxn_f32_abs(a) < WXN_F32_INT_BOUND), 0))
        return wxn_f32_special_round_(a);
    float t = wxn_f32_copysign((float)(int32_t)a, a);
    /* t + 1 can only be 0 if t is -1, and then t < a is false. */
    return t < a ? t + 1.0f : t;
}

static inline float wxn_f32_nearest(float a)
{
    float m = wxn_f32_abs(a);
    if (__builtin_expect(!(m < WXN_F32_INT_BOUND), 0))
        return wxn_f32_special_round_(a);
    /* Without -ffast-math the compiler may not fold this back into m:
     * the addition rounds, which is the whole point. */
    float r = (m + WXN_F32_INT_BOUND) - WXN_F32_INT_BOUND;
    return wxn_f32_copysign(r, a);
}

static inline double wxn_f64_trunc(double a)
{
    if (__builtin_expect(!(wxn_f64_abs(a) < WXN_F64_INT_BOUND), 0))
        return wxn_f64_special_round_(a);
    return wxn_f64_copysign((double)(int64_t)a, a);
}

static inline double wxn_f64_floor(double a)
{
    if (__builtin_expect(!(wxn_f64_abs(a) < WXN_F64_INT_BOUND), 0))
        return wxn_f64_special_round_(a);
    double t = wxn_f64_copysign((double)(int64_t)a, a);
    return t > a ? t - 1.0 : t;
}

static inline double wxn_f64_ceil(double a)
{
    if (__builtin_expect(!(wxn_f64_abs(a) < WXN_F64_INT_BOUND), 0))
        return wxn_f64_special_round_(a);
    double t = wxn_f64_copysign((double)(int64_t)a, a);
    return t < a ? t + 1.0 : t;
}

static inline double wxn_f64_nearest(double a)
{
    double m = wxn_f64_abs(a);
    if (__builtin_expect(!(m < WXN_F64_INT_BOUND), 0))
        return wxn_f64_special_round_(a);
    double r = (m + WXN_F64_INT_BOUND) - WXN_F64_INT_BOUND;
    return wxn_f64_copysign(r, a);
}

/*
 * sqrt is one IEEE-exact instruction (sqrtss/sqrtsd, fsqrt). The engine is
 * built with -fno-math-errno (CMakeLists.txt): otherwise the compiler adds
 * a call to libm's sqrt for negative inputs, only to set errno.
 */
static inline float wxn_f32_sqrt(float a)
{
    return __builtin_sqrtf(a);
}

static inline double wxn_f64_sqrt(double a)
{
    return __builtin_sqrt(a);
}

/* ------------------------------------------- float -> int conversions */

/*
 * The range of each truncation, as exact float constants. A float x
 * truncates into a signed N-bit integer iff -2^(N-1) - 1 < x < 2^(N-1):
 * the lower limit is exclusive because any x above it truncates to at least
 * -2^(N-1). Where -2^(N-1) - 1 is not representable (binary32 for N = 32
 * and 64, binary64 for N = 64) the next float above it is -2^(N-1) itself,
 * so the test becomes x >= -2^(N-1). An unsigned N-bit integer accepts
 * -1 < x < 2^N (anything above -1 truncates to 0). Each constant below is a
 * power of two, or a power of two minus 1 that fits in 53 bits, so it is
 * exactly representable and the comparisons are exact. NaN fails every
 * comparison, so the "in range" tests are written positively and NaN is
 * told apart only on the (rare) failure path.
 */
#define WXN_2P31_F 2147483648.0f           /* 2^31 */
#define WXN_2P32_F 4294967296.0f           /* 2^32 */
#define WXN_2P63_F 9223372036854775808.0f  /* 2^63 */
#define WXN_2P64_F 18446744073709551616.0f /* 2^64 */
#define WXN_2P31_D 2147483648.0            /* 2^31 */
#define WXN_2P31P1_D 2147483649.0          /* 2^31 + 1 */
#define WXN_2P32_D 4294967296.0            /* 2^32 */
#define WXN_2P63_D 9223372036854775808.0   /* 2^63 */
#define WXN_2P64_D 18446744073709551616.0  /* 2^64 */

#define WXN_IN_RANGE_F32_I32S(x) ((x) >= -WXN_2P31_F && (x) < WXN_2P31_F)
#define WXN_IN_RANGE_F32_I32U(x) ((x) > -1.0f && (x) < WXN_2P32_F)
#define WXN_IN_RANGE_F64_I32S(x) ((x) > -WXN_2P31P1_D && (x) < WXN_2P31_D)
#define WXN_IN_RANGE_F64_I32U(x) ((x) > -1.0 && (x) < WXN_2P32_D)
#define WXN_IN_RANGE_F32_I64S(x) ((x) >= -WXN_2P63_F && (x) < WXN_2P63_F)
#define WXN_IN_RANGE_F32_I64U(x) ((x) > -1.0f && (x) < WXN_2P64_F)
#define WXN_IN_RANGE_F64_I64S(x) ((x) >= -WXN_2P63_D && (x) < WXN_2P63_D)
#define WXN_IN_RANGE_F64_I64U(x) ((x) > -1.0 && (x) < WXN_2P64_D)

/* The trap for a value outside the range: NaN is not a number at all. */
#define WXN_TRUNC_TRAP(x)                                                     \
    ((x) != (x) ? WX_TRAP_INVALID_CONVERSION : WX_TRAP_INT_OVERFLOW)

/*
 * The trapping truncation wxn_<to>_trunc_<from>_<s|u> (stores the value,
 * or gives the trap) and the saturating one (0xFC 0..7)
 * wxn_<to>_trunc_sat_<from>_<s|u>, where NaN gives 0 and values past
 * either end give that end. The common in-range case is tested first.
 */
#define WXN_DEF_TRUNC(to, from, sign, F, I, RANGE, MIN, MAX)                  \
    static inline wx_trap wxn_##to##_trunc_##from##_##sign(F a, I *out)       \
    {                                                                         \
        if (__builtin_expect(!RANGE(a), 0))                                   \
            return WXN_TRUNC_TRAP(a);                                         \
        *out = (I)a;                                                          \
        return WX_TRAP_NONE;                                                  \
    }                                                                         \
    static inline I wxn_##to##_trunc_sat_##from##_##sign(F a)                 \
    {                                                                         \
        if (__builtin_expect(RANGE(a), 1))                                    \
            return (I)a;                                                      \
        if (a != a)                                                           \
            return 0;                                                         \
        return a < 0 ? (MIN) : (MAX);                                         \
    }

WXN_DEF_TRUNC(i32, f32, s, float, int32_t, WXN_IN_RANGE_F32_I32S, INT32_MIN,
              INT32_MAX)
WXN_DEF_TRUNC(i32, f32, u, float, uint32_t, WXN_IN_RANGE_F32_I32U, 0,
              UINT32_MAX)
WXN_DEF_TRUNC(i32, f64, s, double, int32_t, WXN_IN_RANGE_F64_I32S, INT32_MIN,
              INT32_MAX)
WXN_DEF_TRUNC(i32, f64, u, double, uint32_t, WXN_IN_RANGE_F64_I32U, 0,
              UINT32_MAX)
WXN_DEF_TRUNC(i64, f32, s, float, int64_t, WXN_IN_RANGE_F32_I64S, INT64_MIN,
              INT64_MAX)
WXN_DEF_TRUNC(i64, f32, u, float, uint64_t, WXN_IN_RANGE_F32_I64U, 0,
              UINT64_MAX)
WXN_DEF_TRUNC(i64, f64, s, double, int64_t, WXN_IN_RANGE_F64_I64S, INT64_MIN,
              INT64_MAX)
WXN_DEF_TRUNC(i64, f64, u, double, uint64_t, WXN_IN_RANGE_F64_I64U, 0,
              UINT64_MAX)

/* ------------------------------------------- int -> float conversions */

/*
 * A conversion from a signed integer is one correctly rounded instruction
 * (cvtsi2ss/cvtsi2sd, scvtf) under IEEE 754 (C Annex F), and every uint32
 * fits in an int64, so those are plain casts. The care is for uint64,
 * which has no such instruction on x86-64: converting through double first
 * would round twice (0x0020000020000001 would become 0x5a000000, not
 * 0x5a000001). Values below 2^63 go through int64 unchanged. For larger
 * ones we halve the value, OR-ing the lost low bit back in as a "sticky"
 * bit (the half has 63 significant bits, far more than the 24 or 53 kept,
 * so the sticky bit still breaks ties the right way), convert once, and
 * double the result, which is exact.
 */
static inline float wxn_f32_convert_i32_s(int32_t a)
{
    return (float)a;
}

static inline float wxn_f32_convert_i32_u(uint32_t a)
{
    return (float)(int64_t)a;
}

static inline float wxn_f32_convert_i64_s(int64_t a)
{
    return (float)a;
}

static inline float wxn_f32_convert_i64_u(uint64_t a)
{
    if (__builtin_expect(a < (UINT64_C(1) << 63), 1))
        return (float)(int64_t)a;
    float half = (float)(int64_t)((a >> 1) | (a & 1));
    return half + half;
}

static inline double wxn_f64_convert_i32_s(int32_t a)
{
    return (double)a;
}

static inline double wxn_f64_convert_i32_u(uint32_t a)
{
    return (double)a;
}

static inline double wxn_f64_convert_i64_s(int64_t a)
{
    return (double)a;
}

static inline double wxn_f64_convert_i64_u(uint64_t a)
{
    if (__builtin_expect(a < (UINT64_C(1) << 63), 1))
        return (double)(int64_t)a;
    double half = (double)(int64_t)((a >> 1) | (a & 1));
    return half + half;
}

/* ------------------------------------------ float <-> float conversions */

/*
 * Both are single IEEE operations: demotion rounds to nearest-even and
 * overflows to infinity (Annex F; clang's UBSan does not flag float-to-float
 * conversions), promotion is exact, and both quiet a NaN, keeping its sign
 * and the top payload bits, so a canonical NaN stays canonical.
 */
static inline float wxn_f32_demote_f64(double a)
{
    return (float)a;
}

static inline double wxn_f64_promote_f32(float a)
{
    return (double)a;
}

#endif
