/*
 * The semantics of the SIMD instructions (fixed-width and relaxed), one
 * static inline function per operation, for the handlers exec.c generates
 * from WXC_SIMD_OPS (ops.def).
 *
 * A v128 is a wxv: 16 bytes viewed as lanes of any shape through a union
 * (type punning through a union is defined in C, and the frame's two
 * slots are copied in and out with memcpy, so strict aliasing holds).
 *
 * Two implementations of the simple lane-wise operations: GCC/clang vector
 * extensions (the default: one SSE/NEON instruction for an add, a compare,
 * a shift, a bitwise op), and plain lane loops when WX_SIMD_SCALAR is
 * defined (the portable fallback, which the switch-dispatch build uses so
 * that CI runs both). Operations whose lane semantics have no vector
 * operator (saturation, narrowing, float min/max with wasm's NaN rules,
 * conversions, rounding) are lane loops in both builds: fixed counts of 2
 * to 16 lanes, which GCC and clang unroll and often vectorize.
 *
 * Relaxed SIMD: each operation takes one behaviour the proposal allows,
 * always the same: the non-relaxed counterpart where there is one
 * (swizzle, trunc_sat, min/max, q15mulr_sat, bitselect for laneselect),
 * an unfused multiply and add for madd/nmadd (two roundings, as
 * -ffp-contract=off keeps them), and the signed interpretation of the
 * second operand, with wrapping sums, for the dot products.
 */
#ifndef WX_ENGINE_SIMD_H
#define WX_ENGINE_SIMD_H

#include "numeric.h"

#include <stdint.h>
#include <string.h>

#ifndef WX_SIMD_SCALAR
typedef int8_t wxv_vi8 __attribute__((vector_size(16)));
typedef uint8_t wxv_vu8 __attribute__((vector_size(16)));
typedef int16_t wxv_vi16 __attribute__((vector_size(16)));
typedef uint16_t wxv_vu16 __attribute__((vector_size(16)));
typedef int32_t wxv_vi32 __attribute__((vector_size(16)));
typedef uint32_t wxv_vu32 __attribute__((vector_size(16)));
typedef int64_t wxv_vi64 __attribute__((vector_size(16)));
typedef uint64_t wxv_vu64 __attribute__((vector_size(16)));
typedef float wxv_vf32 __attribute__((vector_size(16)));
typedef double wxv_vf64 __attribute__((vector_size(16)));
#endif

typedef union wxv {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
#ifndef WX_SIMD_SCALAR
    wxv_vi8 vi8;
    wxv_vu8 vu8;
    wxv_vi16 vi16;
    wxv_vu16 vu16;
    wxv_vi32 vi32;
    wxv_vu32 vu32;
    wxv_vi64 vi64;
    wxv_vu64 vu64;
    wxv_vf32 vf32;
    wxv_vf64 vf64;
#endif
} wxv;

/* Lanes are numbered in memory order; the engine runs on little-endian
 * hosts only for SIMD (lane i of a u32 view is bytes 4i..4i+3). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "SIMD lanes assume a little-endian host");

static inline wxv wxv_load(const void *p)
{
    wxv v;
    memcpy(&v, p, 16);
    return v;
}

static inline void wxv_store(void *p, wxv v)
{
    memcpy(p, &v, 16);
}

/* ------------------------------------------------------ loads, stores */

/* p points at the bytes to read (1 << p of the op's table entry, which
 * the handler checked against the memory's size). */
static inline wxv wxv_v128_load(const uint8_t *p)
{
    return wxv_load(p);
}

#define WXV_LOAD_EXT(name, T, L, N)                                           \
    static inline wxv name(const uint8_t *p)                                  \
    {                                                                         \
        T x[N];                                                               \
        memcpy(x, p, sizeof x);                                               \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.L[i] = x[i];                                                    \
        return r;                                                             \
    }
WXV_LOAD_EXT(wxv_v128_load8x8_s, int8_t, i16, 8)
WXV_LOAD_EXT(wxv_v128_load8x8_u, uint8_t, u16, 8)
WXV_LOAD_EXT(wxv_v128_load16x4_s, int16_t, i32, 4)
WXV_LOAD_EXT(wxv_v128_load16x4_u, uint16_t, u32, 4)
WXV_LOAD_EXT(wxv_v128_load32x2_s, int32_t, i64, 2)
WXV_LOAD_EXT(wxv_v128_load32x2_u, uint32_t, u64, 2)

#define WXV_LOAD_SPLAT(name, T, L, N)                                         \
    static inline wxv name(const uint8_t *p)                                  \
    {                                                                         \
        T x;                                                                  \
        memcpy(&x, p, sizeof x);                                              \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.L[i] = x;                                                       \
        return r;                                                             \
    }
WXV_LOAD_SPLAT(wxv_v128_load8_splat, uint8_t, u8, 16)
WXV_LOAD_SPLAT(wxv_v128_load16_splat, uint16_t, u16, 8)
WXV_LOAD_SPLAT(wxv_v128_load32_splat, uint32_t, u32, 4)
WXV_LOAD_SPLAT(wxv_v128_load64_splat, uint64_t, u64, 2)

static inline wxv wxv_v128_load32_zero(const uint8_t *p)
{
    wxv r;
    memset(&r, 0, sizeof r);
    memcpy(&r, p, 4);
    return r;
}

static inline wxv wxv_v128_load64_zero(const uint8_t *p)
{
    wxv r;
    memset(&r, 0, sizeof r);
    memcpy(&r, p, 8);
    return r;
}

static inline void wxv_v128_store(uint8_t *p, wxv a)
{
    wxv_store(p, a);
}

/* Lane l (below 16 >> log2 of the width, validated) of a from or to p. */
#define WXV_LANE_MEM(W, L, N)                                                 \
    static inline wxv wxv_v128_load##W##_lane(wxv a, const uint8_t *p,        \
                                              uint32_t l)                     \
    {                                                                         \
        memcpy(&a.L[l & (N - 1)], p, W / 8);                                  \
        return a;                                                             \
    }                                                                         \
    static inline void wxv_v128_store##W##_lane(uint8_t *p, wxv a,            \
                                                uint32_t l)                   \
    {                                                                         \
        memcpy(p, &a.L[l & (N - 1)], W / 8);                                  \
    }
WXV_LANE_MEM(8, u8, 16)
WXV_LANE_MEM(16, u16, 8)
WXV_LANE_MEM(32, u32, 4)
WXV_LANE_MEM(64, u64, 2)

/* ------------------------------------------------------ generators */

/* r = a OP b lane by lane, for an operator the vector extensions have
 * (V: the vector member; L: the lane member, N lanes). */
#ifdef WX_SIMD_SCALAR
#define WXV_OP2(name, V, L, N, OP)                                            \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.L[i] = a.L[i] OP b.L[i];                                        \
        return r;                                                             \
    }
/* Compares: all ones where true. */
#define WXV_CMP(name, V, L, M, N, OP)                                         \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.M[i] = a.L[i] OP b.L[i] ? -1 : 0;                               \
        return r;                                                             \
    }
/* Shifts by a scalar count taken modulo the lane width. */
#define WXV_SHIFT(name, V, L, N, OP)                                          \
    static inline wxv name(wxv a, uint32_t s)                                 \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.L[i] = a.L[i] OP(s & (128 / N - 1));                            \
        return r;                                                             \
    }
#else
#define WXV_OP2(name, V, L, N, OP)                                            \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        r.V = a.V OP b.V;                                                     \
        return r;                                                             \
    }
#define WXV_CMP(name, V, L, M, N, OP)                                         \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        r.v##M = a.V OP b.V;                                                  \
        return r;                                                             \
    }
#define WXV_SHIFT(name, V, L, N, OP)                                          \
    static inline wxv name(wxv a, uint32_t s)                                 \
    {                                                                         \
        wxv r;                                                                \
        r.V = a.V OP(int)(s & (128 / N - 1));                                 \
        return r;                                                             \
    }
#endif

/* r.R[i] = E for each lane i, where E reads a.L[i] as x (unary). */
#define WXV_MAP1(name, L, R, N, E)                                            \
    static inline wxv name(wxv a)                                             \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++) {                                         \
            __typeof__(a.L[0]) x = a.L[i];                                    \
            r.R[i] = (E);                                                     \
        }                                                                     \
        return r;                                                             \
    }

/* r.L[i] = E of x = a.L[i], y = b.L[i] (binary). */
#define WXV_MAP2(name, L, N, E)                                               \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++) {                                         \
            __typeof__(a.L[0]) x = a.L[i], y = b.L[i];                        \
            r.L[i] = (E);                                                     \
        }                                                                     \
        return r;                                                             \
    }

/* ------------------------------------------------------- lane helpers */

static inline int8_t wxv_sat_s8(int32_t x)
{
    return (int8_t)(x < -128 ? -128 : x > 127 ? 127 : x);
}
static inline uint8_t wxv_sat_u8(int32_t x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}
static inline int16_t wxv_sat_s16(int32_t x)
{
    return (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x);
}
static inline uint16_t wxv_sat_u16(int32_t x)
{
    return (uint16_t)(x < 0 ? 0 : x > 65535 ? 65535 : x);
}

/* pmin/pmax: b < a ? b : a and a < b ? b : a, whatever NaNs are. */
static inline float wxv_f32_pmin(float a, float b)
{
    return b < a ? b : a;
}
static inline float wxv_f32_pmax(float a, float b)
{
    return a < b ? b : a;
}
static inline double wxv_f64_pmin(double a, double b)
{
    return b < a ? b : a;
}
static inline double wxv_f64_pmax(double a, double b)
{
    return a < b ? b : a;
}

/* ---------------------------------------------------- bitwise, tests */

WXV_OP2(wxv_v128_and, vu64, u64, 2, &)
WXV_OP2(wxv_v128_or, vu64, u64, 2, |)
WXV_OP2(wxv_v128_xor, vu64, u64, 2, ^)

static inline wxv wxv_v128_not(wxv a)
{
    a.u64[0] = ~a.u64[0];
    a.u64[1] = ~a.u64[1];
    return a;
}

static inline wxv wxv_v128_andnot(wxv a, wxv b)
{
    return wxv_v128_and(a, wxv_v128_not(b));
}

/* Bits of a where m is 1, of b where it is 0. */
static inline wxv wxv_v128_bitselect(wxv a, wxv b, wxv m)
{
    return wxv_v128_or(wxv_v128_and(a, m), wxv_v128_andnot(b, m));
}

static inline uint32_t wxv_v128_any_true(wxv a)
{
    return (a.u64[0] | a.u64[1]) != 0;
}

#define WXV_ALL_TRUE(name, L, N)                                              \
    static inline uint32_t name(wxv a)                                        \
    {                                                                         \
        uint32_t all = 1;                                                     \
        for (int i = 0; i < N; i++)                                           \
            all &= a.L[i] != 0;                                               \
        return all;                                                           \
    }
WXV_ALL_TRUE(wxv_i8x16_all_true, u8, 16)
WXV_ALL_TRUE(wxv_i16x8_all_true, u16, 8)
WXV_ALL_TRUE(wxv_i32x4_all_true, u32, 4)
WXV_ALL_TRUE(wxv_i64x2_all_true, u64, 2)

#define WXV_BITMASK(name, L, N)                                               \
    static inline uint32_t name(wxv a)                                        \
    {                                                                         \
        uint32_t m = 0;                                                       \
        for (int i = 0; i < N; i++)                                           \
            m |= (uint32_t)(a.L[i] < 0) << i;                                 \
        return m;                                                             \
    }
WXV_BITMASK(wxv_i8x16_bitmask, i8, 16)
WXV_BITMASK(wxv_i16x8_bitmask, i16, 8)
WXV_BITMASK(wxv_i32x4_bitmask, i32, 4)
WXV_BITMASK(wxv_i64x2_bitmask, i64, 2)

/* ------------------------------------------------- shuffles, splats */

/* Lanes of a (0..15) and b (16..31) picked by the 16 bytes of s (the
 * shuffle's immediate, validated below 32). */
static inline wxv wxv_i8x16_shuffle(wxv a, wxv b, wxv s)
{
    uint8_t both[32];
    memcpy(both, &a, 16);
    memcpy(both + 16, &b, 16);
    wxv r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = both[s.u8[i] & 31];
    return r;
}

/* Lanes of a picked by b; an index out of range gives 0. */
static inline wxv wxv_i8x16_swizzle(wxv a, wxv b)
{
    wxv r;
    for (int i = 0; i < 16; i++)
        r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i] & 15] : 0;
    return r;
}

#define WXV_SPLAT(name, L, N, T)                                              \
    static inline wxv name(uint64_t s)                                        \
    {                                                                         \
        wxv r;                                                                \
        T x;                                                                  \
        memcpy(&x, &s, sizeof x);                                             \
        for (int i = 0; i < N; i++)                                           \
            r.L[i] = x;                                                       \
        return r;                                                             \
    }
WXV_SPLAT(wxv_i8x16_splat, u8, 16, uint8_t)
WXV_SPLAT(wxv_i16x8_splat, u16, 8, uint16_t)
WXV_SPLAT(wxv_i32x4_splat, u32, 4, uint32_t)
WXV_SPLAT(wxv_i64x2_splat, u64, 2, uint64_t)
WXV_SPLAT(wxv_f32x4_splat, u32, 4, uint32_t)
WXV_SPLAT(wxv_f64x2_splat, u64, 2, uint64_t)

/* Lane extraction to a slot: i32 results zero-extended, floats as bits. */
static inline uint64_t wxv_i8x16_extract_lane_s(wxv a, uint32_t l)
{
    return (uint32_t)(int32_t)a.i8[l & 15];
}
static inline uint64_t wxv_i8x16_extract_lane_u(wxv a, uint32_t l)
{
    return a.u8[l & 15];
}
static inline uint64_t wxv_i16x8_extract_lane_s(wxv a, uint32_t l)
{
    return (uint32_t)(int32_t)a.i16[l & 7];
}
static inline uint64_t wxv_i16x8_extract_lane_u(wxv a, uint32_t l)
{
    return a.u16[l & 7];
}
static inline uint64_t wxv_i32x4_extract_lane(wxv a, uint32_t l)
{
    return a.u32[l & 3];
}
static inline uint64_t wxv_i64x2_extract_lane(wxv a, uint32_t l)
{
    return a.u64[l & 1];
}
#define wxv_f32x4_extract_lane wxv_i32x4_extract_lane
#define wxv_f64x2_extract_lane wxv_i64x2_extract_lane

static inline wxv wxv_i8x16_replace_lane(wxv a, uint64_t s, uint32_t l)
{
    a.u8[l & 15] = (uint8_t)s;
    return a;
}
static inline wxv wxv_i16x8_replace_lane(wxv a, uint64_t s, uint32_t l)
{
    a.u16[l & 7] = (uint16_t)s;
    return a;
}
static inline wxv wxv_i32x4_replace_lane(wxv a, uint64_t s, uint32_t l)
{
    a.u32[l & 3] = (uint32_t)s;
    return a;
}
static inline wxv wxv_i64x2_replace_lane(wxv a, uint64_t s, uint32_t l)
{
    a.u64[l & 1] = s;
    return a;
}
#define wxv_f32x4_replace_lane wxv_i32x4_replace_lane
#define wxv_f64x2_replace_lane wxv_i64x2_replace_lane

/* ------------------------------------------------------------ compares */

#define WXV_CMPS(P, V, L, M, N, VS, LS)                                       \
    WXV_CMP(wxv_##P##_eq, V, L, M, N, ==)                                     \
    WXV_CMP(wxv_##P##_ne, V, L, M, N, !=)                                     \
    WXV_CMP(wxv_##P##_lt_s, VS, LS, M, N, <)                                  \
    WXV_CMP(wxv_##P##_lt_u, V, L, M, N, <)                                    \
    WXV_CMP(wxv_##P##_gt_s, VS, LS, M, N, >)                                  \
    WXV_CMP(wxv_##P##_gt_u, V, L, M, N, >)                                    \
    WXV_CMP(wxv_##P##_le_s, VS, LS, M, N, <=)                                 \
    WXV_CMP(wxv_##P##_le_u, V, L, M, N, <=)                                   \
    WXV_CMP(wxv_##P##_ge_s, VS, LS, M, N, >=)                                 \
    WXV_CMP(wxv_##P##_ge_u, V, L, M, N, >=)
WXV_CMPS(i8x16, vu8, u8, i8, 16, vi8, i8)
WXV_CMPS(i16x8, vu16, u16, i16, 8, vi16, i16)
WXV_CMPS(i32x4, vu32, u32, i32, 4, vi32, i32)
WXV_CMP(wxv_i64x2_eq, vu64, u64, i64, 2, ==)
WXV_CMP(wxv_i64x2_ne, vu64, u64, i64, 2, !=)
WXV_CMP(wxv_i64x2_lt_s, vi64, i64, i64, 2, <)
WXV_CMP(wxv_i64x2_gt_s, vi64, i64, i64, 2, >)
WXV_CMP(wxv_i64x2_le_s, vi64, i64, i64, 2, <=)
WXV_CMP(wxv_i64x2_ge_s, vi64, i64, i64, 2, >=)
#define WXV_FCMPS(P, V, L, M, N)                                              \
    WXV_CMP(wxv_##P##_eq, V, L, M, N, ==)                                     \
    WXV_CMP(wxv_##P##_ne, V, L, M, N, !=)                                     \
    WXV_CMP(wxv_##P##_lt, V, L, M, N, <)                                      \
    WXV_CMP(wxv_##P##_gt, V, L, M, N, >)                                      \
    WXV_CMP(wxv_##P##_le, V, L, M, N, <=)                                     \
    WXV_CMP(wxv_##P##_ge, V, L, M, N, >=)
WXV_FCMPS(f32x4, vf32, f32, i32, 4)
WXV_FCMPS(f64x2, vf64, f64, i64, 2)

/* --------------------------------------------------- integer arithmetic */

WXV_OP2(wxv_i8x16_add, vu8, u8, 16, +)
WXV_OP2(wxv_i16x8_add, vu16, u16, 8, +)
WXV_OP2(wxv_i32x4_add, vu32, u32, 4, +)
WXV_OP2(wxv_i64x2_add, vu64, u64, 2, +)
WXV_OP2(wxv_i8x16_sub, vu8, u8, 16, -)
WXV_OP2(wxv_i16x8_sub, vu16, u16, 8, -)
WXV_OP2(wxv_i32x4_sub, vu32, u32, 4, -)
WXV_OP2(wxv_i64x2_sub, vu64, u64, 2, -)
/* Products modulo the lane width: u16 lanes promote to int, so their
 * product goes through u32 to stay defined. */
WXV_MAP2(wxv_i16x8_mul, u16, 8, (uint16_t)((uint32_t)x *y))
WXV_OP2(wxv_i32x4_mul, vu32, u32, 4, *)
WXV_OP2(wxv_i64x2_mul, vu64, u64, 2, *)

WXV_SHIFT(wxv_i8x16_shl, vu8, u8, 16, <<)
WXV_SHIFT(wxv_i16x8_shl, vu16, u16, 8, <<)
WXV_SHIFT(wxv_i32x4_shl, vu32, u32, 4, <<)
WXV_SHIFT(wxv_i64x2_shl, vu64, u64, 2, <<)
WXV_SHIFT(wxv_i8x16_shr_s, vi8, i8, 16, >>)
WXV_SHIFT(wxv_i16x8_shr_s, vi16, i16, 8, >>)
WXV_SHIFT(wxv_i32x4_shr_s, vi32, i32, 4, >>)
WXV_SHIFT(wxv_i64x2_shr_s, vi64, i64, 2, >>)
WXV_SHIFT(wxv_i8x16_shr_u, vu8, u8, 16, >>)
WXV_SHIFT(wxv_i16x8_shr_u, vu16, u16, 8, >>)
WXV_SHIFT(wxv_i32x4_shr_u, vu32, u32, 4, >>)
WXV_SHIFT(wxv_i64x2_shr_u, vu64, u64, 2, >>)

/* Negation and abs through unsigned lanes: the most negative lane maps to
 * itself without overflow. */
WXV_MAP1(wxv_i8x16_neg, u8, u8, 16, (uint8_t)(0u - x))
WXV_MAP1(wxv_i16x8_neg, u16, u16, 8, (uint16_t)(0u - x))
WXV_MAP1(wxv_i32x4_neg, u32, u32, 4, 0u - x)
WXV_MAP1(wxv_i64x2_neg, u64, u64, 2, 0u - x)
WXV_MAP1(wxv_i8x16_abs, i8, u8, 16,
         (uint8_t)(x < 0 ? 0u - (uint8_t)x : (uint8_t)x))
WXV_MAP1(wxv_i16x8_abs, i16, u16, 8,
         (uint16_t)(x < 0 ? 0u - (uint16_t)x : (uint16_t)x))
WXV_MAP1(wxv_i32x4_abs, i32, u32, 4, x < 0 ? 0u - (uint32_t)x : (uint32_t)x)
WXV_MAP1(wxv_i64x2_abs, i64, u64, 2,
         x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x)
WXV_MAP1(wxv_i8x16_popcnt, u8, u8, 16, (uint8_t)wxn_i32_popcnt(x))

WXV_MAP2(wxv_i8x16_add_sat_s, i8, 16, wxv_sat_s8(x + y))
WXV_MAP2(wxv_i8x16_add_sat_u, u8, 16, wxv_sat_u8(x + y))
WXV_MAP2(wxv_i8x16_sub_sat_s, i8, 16, wxv_sat_s8(x - y))
WXV_MAP2(wxv_i8x16_sub_sat_u, u8, 16, wxv_sat_u8(x - y))
WXV_MAP2(wxv_i16x8_add_sat_s, i16, 8, wxv_sat_s16(x + y))
WXV_MAP2(wxv_i16x8_add_sat_u, u16, 8, wxv_sat_u16(x + y))
WXV_MAP2(wxv_i16x8_sub_sat_s, i16, 8, wxv_sat_s16(x - y))
WXV_MAP2(wxv_i16x8_sub_sat_u, u16, 8, wxv_sat_u16(x - y))

#define WXV_MINMAX(P, S, U, N)                                                \
    WXV_MAP2(wxv_##P##_min_s, S, N, x < y ? x : y)                            \
    WXV_MAP2(wxv_##P##_min_u, U, N, x < y ? x : y)                            \
    WXV_MAP2(wxv_##P##_max_s, S, N, x > y ? x : y)                            \
    WXV_MAP2(wxv_##P##_max_u, U, N, x > y ? x : y)
WXV_MINMAX(i8x16, i8, u8, 16)
WXV_MINMAX(i16x8, i16, u16, 8)
WXV_MINMAX(i32x4, i32, u32, 4)

WXV_MAP2(wxv_i8x16_avgr_u, u8, 16, (uint8_t)((x + y + 1u) >> 1))
WXV_MAP2(wxv_i16x8_avgr_u, u16, 8, (uint16_t)((x + y + 1u) >> 1))

/* Rounding, saturating Q15 product: (x * y + 2^14) >> 15. */
WXV_MAP2(wxv_i16x8_q15mulr_sat_s, i16, 8,
         wxv_sat_s16(((int32_t)x * y + 0x4000) >> 15))

/* Narrowing: the lanes of a then of b, saturated to half the width. */
#define WXV_NARROW(name, W, H, N, SAT)                                        \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++) {                                         \
            r.H[i] = SAT(a.W[i]);                                             \
            r.H[i + N] = SAT(b.W[i]);                                         \
        }                                                                     \
        return r;                                                             \
    }
static inline int16_t wxv_sat_s16_of32(int32_t x)
{
    return wxv_sat_s16(x);
}
static inline uint16_t wxv_sat_u16_of32(int32_t x)
{
    return wxv_sat_u16(x);
}
WXV_NARROW(wxv_i8x16_narrow_i16x8_s, i16, i8, 8, wxv_sat_s8)
WXV_NARROW(wxv_i8x16_narrow_i16x8_u, i16, u8, 8, wxv_sat_u8)
WXV_NARROW(wxv_i16x8_narrow_i32x4_s, i32, i16, 4, wxv_sat_s16_of32)
WXV_NARROW(wxv_i16x8_narrow_i32x4_u, i32, u16, 4, wxv_sat_u16_of32)

/* Widening of the low or high half (FROM: lane member, N result lanes). */
#define WXV_EXTEND(name, FROM, TO, N, HALF)                                   \
    static inline wxv name(wxv a)                                             \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.TO[i] = a.FROM[i + HALF];                                       \
        return r;                                                             \
    }
#define WXV_EXTENDS(P, F, S, U, TS, TU, N)                                    \
    WXV_EXTEND(wxv_##P##_low_##F##_s, S, TS, N, 0)                            \
    WXV_EXTEND(wxv_##P##_high_##F##_s, S, TS, N, N)                           \
    WXV_EXTEND(wxv_##P##_low_##F##_u, U, TU, N, 0)                            \
    WXV_EXTEND(wxv_##P##_high_##F##_u, U, TU, N, N)
WXV_EXTENDS(i16x8_extend, i8x16, i8, u8, i16, u16, 8)
WXV_EXTENDS(i32x4_extend, i16x8, i16, u16, i32, u32, 4)
WXV_EXTENDS(i64x2_extend, i32x4, i32, u32, i64, u64, 2)

/* Extended products of the low or high halves. */
#define WXV_EXTMUL(name, FROM, TO, WT, N, HALF)                               \
    static inline wxv name(wxv a, wxv b)                                      \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.TO[i] = (WT)a.FROM[i + HALF] * (WT)b.FROM[i + HALF];            \
        return r;                                                             \
    }
#define WXV_EXTMULS(P, F, S, U, TS, TU, WS, WU, N)                            \
    WXV_EXTMUL(wxv_##P##_low_##F##_s, S, TS, WS, N, 0)                        \
    WXV_EXTMUL(wxv_##P##_high_##F##_s, S, TS, WS, N, N)                       \
    WXV_EXTMUL(wxv_##P##_low_##F##_u, U, TU, WU, N, 0)                        \
    WXV_EXTMUL(wxv_##P##_high_##F##_u, U, TU, WU, N, N)
WXV_EXTMULS(i16x8_extmul, i8x16, i8, u8, i16, u16, int32_t, uint32_t, 8)
WXV_EXTMULS(i32x4_extmul, i16x8, i16, u16, i32, u32, int32_t, uint32_t, 4)
WXV_EXTMULS(i64x2_extmul, i32x4, i32, u32, i64, u64, int64_t, uint64_t, 2)

/* Sums of adjacent lane pairs, widened. */
#define WXV_EXTADD(name, FROM, TO, WT, N)                                     \
    static inline wxv name(wxv a)                                             \
    {                                                                         \
        wxv r;                                                                \
        for (int i = 0; i < N; i++)                                           \
            r.TO[i] = (WT)((WT)a.FROM[2 * i] + (WT)a.FROM[2 * i + 1]);        \
        return r;                                                             \
    }
WXV_EXTADD(wxv_i16x8_extadd_pairwise_i8x16_s, i8, i16, int16_t, 8)
WXV_EXTADD(wxv_i16x8_extadd_pairwise_i8x16_u, u8, u16, uint16_t, 8)
WXV_EXTADD(wxv_i32x4_extadd_pairwise_i16x8_s, i16, i32, int32_t, 4)
WXV_EXTADD(wxv_i32x4_extadd_pairwise_i16x8_u, u16, u32, uint32_t, 4)

/* Sums of adjacent signed 16-bit products (wrapping at 32 bits: only
 * -32768 * -32768 twice overflows). */
static inline wxv wxv_i32x4_dot_i16x8_s(wxv a, wxv b)
{
    wxv r;
    for (int i = 0; i < 4; i++) {
        uint32_t p0 = (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i]);
        uint32_t p1 = (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]);
        r.u32[i] = p0 + p1;
    }
    return r;
}

/* ------------------------------------------------------ float arithmetic */

#ifdef WX_SIMD_SCALAR
WXV_MAP2(wxv_f32x4_add, f32, 4, x + y)
WXV_MAP2(wxv_f32x4_sub, f32, 4, x - y)
WXV_MAP2(wxv_f32x4_mul, f32, 4, x *y)
WXV_MAP2(wxv_f32x4_div, f32, 4, x / y)
WXV_MAP2(wxv_f64x2_add, f64, 2, x + y)
WXV_MAP2(wxv_f64x2_sub, f64, 2, x - y)
WXV_MAP2(wxv_f64x2_mul, f64, 2, x *y)
WXV_MAP2(wxv_f64x2_div, f64, 2, x / y)
#else
WXV_OP2(wxv_f32x4_add, vf32, f32, 4, +)
WXV_OP2(wxv_f32x4_sub, vf32, f32, 4, -)
WXV_OP2(wxv_f32x4_mul, vf32, f32, 4, *)
WXV_OP2(wxv_f32x4_div, vf32, f32, 4, /)
WXV_OP2(wxv_f64x2_add, vf64, f64, 2, +)
WXV_OP2(wxv_f64x2_sub, vf64, f64, 2, -)
WXV_OP2(wxv_f64x2_mul, vf64, f64, 2, *)
WXV_OP2(wxv_f64x2_div, vf64, f64, 2, /)
#endif
WXV_MAP2(wxv_f32x4_min, f32, 4, wxn_f32_min(x, y))
WXV_MAP2(wxv_f32x4_max, f32, 4, wxn_f32_max(x, y))
WXV_MAP2(wxv_f32x4_pmin, f32, 4, wxv_f32_pmin(x, y))
WXV_MAP2(wxv_f32x4_pmax, f32, 4, wxv_f32_pmax(x, y))
WXV_MAP2(wxv_f64x2_min, f64, 2, wxn_f64_min(x, y))
WXV_MAP2(wxv_f64x2_max, f64, 2, wxn_f64_max(x, y))
WXV_MAP2(wxv_f64x2_pmin, f64, 2, wxv_f64_pmin(x, y))
WXV_MAP2(wxv_f64x2_pmax, f64, 2, wxv_f64_pmax(x, y))

/* abs and neg act on the sign bit only (NaN payloads kept). */
WXV_MAP1(wxv_f32x4_abs, u32, u32, 4, x & 0x7FFFFFFFu)
WXV_MAP1(wxv_f32x4_neg, u32, u32, 4, x ^ 0x80000000u)
WXV_MAP1(wxv_f64x2_abs, u64, u64, 2, x & 0x7FFFFFFFFFFFFFFFull)
WXV_MAP1(wxv_f64x2_neg, u64, u64, 2, x ^ 0x8000000000000000ull)
WXV_MAP1(wxv_f32x4_sqrt, f32, f32, 4, wxn_f32_sqrt(x))
WXV_MAP1(wxv_f64x2_sqrt, f64, f64, 2, wxn_f64_sqrt(x))
WXV_MAP1(wxv_f32x4_ceil, f32, f32, 4, wxn_f32_ceil(x))
WXV_MAP1(wxv_f32x4_floor, f32, f32, 4, wxn_f32_floor(x))
WXV_MAP1(wxv_f32x4_trunc, f32, f32, 4, wxn_f32_trunc(x))
WXV_MAP1(wxv_f32x4_nearest, f32, f32, 4, wxn_f32_nearest(x))
WXV_MAP1(wxv_f64x2_ceil, f64, f64, 2, wxn_f64_ceil(x))
WXV_MAP1(wxv_f64x2_floor, f64, f64, 2, wxn_f64_floor(x))
WXV_MAP1(wxv_f64x2_trunc, f64, f64, 2, wxn_f64_trunc(x))
WXV_MAP1(wxv_f64x2_nearest, f64, f64, 2, wxn_f64_nearest(x))

/* ----------------------------------------------------------- conversions */

WXV_MAP1(wxv_i32x4_trunc_sat_f32x4_s, f32, i32, 4, wxn_i32_trunc_sat_f32_s(x))
WXV_MAP1(wxv_i32x4_trunc_sat_f32x4_u, f32, u32, 4, wxn_i32_trunc_sat_f32_u(x))
WXV_MAP1(wxv_f32x4_convert_i32x4_s, i32, f32, 4, wxn_f32_convert_i32_s(x))
WXV_MAP1(wxv_f32x4_convert_i32x4_u, u32, f32, 4, wxn_f32_convert_i32_u(x))

/* Two f64 lanes to the low two i32 or f32 lanes; the high two are 0. */
#define WXV_TO_LOW2(name, R, E)                                               \
    static inline wxv name(wxv a)                                             \
    {                                                                         \
        wxv r;                                                                \
        r.u64[1] = 0;                                                         \
        for (int i = 0; i < 2; i++) {                                         \
            double x = a.f64[i];                                              \
            r.R[i] = (E);                                                     \
        }                                                                     \
        return r;                                                             \
    }
WXV_TO_LOW2(wxv_i32x4_trunc_sat_f64x2_s_zero, i32, wxn_i32_trunc_sat_f64_s(x))
WXV_TO_LOW2(wxv_i32x4_trunc_sat_f64x2_u_zero, u32, wxn_i32_trunc_sat_f64_u(x))
WXV_TO_LOW2(wxv_f32x4_demote_f64x2_zero, f32, wxn_f32_demote_f64(x))

/* The low two lanes widened to f64. */
WXV_MAP1(wxv_f64x2_convert_low_i32x4_s, i32, f64, 2, wxn_f64_convert_i32_s(x))
WXV_MAP1(wxv_f64x2_convert_low_i32x4_u, u32, f64, 2, wxn_f64_convert_i32_u(x))
WXV_MAP1(wxv_f64x2_promote_low_f32x4, f32, f64, 2, wxn_f64_promote_f32(x))

/* --------------------------------------------------------------- relaxed */

#define wxv_i8x16_relaxed_swizzle wxv_i8x16_swizzle
#define wxv_i32x4_relaxed_trunc_f32x4_s wxv_i32x4_trunc_sat_f32x4_s
#define wxv_i32x4_relaxed_trunc_f32x4_u wxv_i32x4_trunc_sat_f32x4_u
#define wxv_i32x4_relaxed_trunc_f64x2_s_zero wxv_i32x4_trunc_sat_f64x2_s_zero
#define wxv_i32x4_relaxed_trunc_f64x2_u_zero wxv_i32x4_trunc_sat_f64x2_u_zero
#define wxv_i8x16_relaxed_laneselect wxv_v128_bitselect
#define wxv_i16x8_relaxed_laneselect wxv_v128_bitselect
#define wxv_i32x4_relaxed_laneselect wxv_v128_bitselect
#define wxv_i64x2_relaxed_laneselect wxv_v128_bitselect
#define wxv_f32x4_relaxed_min wxv_f32x4_min
#define wxv_f32x4_relaxed_max wxv_f32x4_max
#define wxv_f64x2_relaxed_min wxv_f64x2_min
#define wxv_f64x2_relaxed_max wxv_f64x2_max
#define wxv_i16x8_relaxed_q15mulr_s wxv_i16x8_q15mulr_sat_s

/* a * b + c and -(a * b) + c, each rounded (not fused). */
static inline wxv wxv_f32x4_relaxed_madd(wxv a, wxv b, wxv c)
{
    return wxv_f32x4_add(wxv_f32x4_mul(a, b), c);
}
static inline wxv wxv_f32x4_relaxed_nmadd(wxv a, wxv b, wxv c)
{
    return wxv_f32x4_add(wxv_f32x4_neg(wxv_f32x4_mul(a, b)), c);
}
static inline wxv wxv_f64x2_relaxed_madd(wxv a, wxv b, wxv c)
{
    return wxv_f64x2_add(wxv_f64x2_mul(a, b), c);
}
static inline wxv wxv_f64x2_relaxed_nmadd(wxv a, wxv b, wxv c)
{
    return wxv_f64x2_add(wxv_f64x2_neg(wxv_f64x2_mul(a, b)), c);
}

/* Adjacent products of signed bytes summed to 16 bits (wrapping). */
static inline wxv wxv_i16x8_relaxed_dot_i8x16_i7x16_s(wxv a, wxv b)
{
    wxv r;
    for (int i = 0; i < 8; i++)
        r.u16[i] = (uint16_t)(a.i8[2 * i] * b.i8[2 * i] +
                              a.i8[2 * i + 1] * b.i8[2 * i + 1]);
    return r;
}

/* Four adjacent byte products summed to 32 bits, plus c (wrapping). */
static inline wxv wxv_i32x4_relaxed_dot_i8x16_i7x16_add_s(wxv a, wxv b, wxv c)
{
    wxv r;
    for (int i = 0; i < 4; i++) {
        int32_t s = 0;
        for (int k = 0; k < 4; k++)
            s += a.i8[4 * i + k] * b.i8[4 * i + k];
        r.u32[i] = (uint32_t)s + c.u32[i];
    }
    return r;
}

#endif
