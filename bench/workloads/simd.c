/*
 * simd: 128-bit SIMD code, written once with GCC/clang vector extensions
 * (`vector_size(16)`, __builtin_convertvector), which clang compiles to
 * WebAssembly SIMD (-msimd128) and gcc to SSE (-msse4.1) for the native
 * column. Two kernels per pass:
 *   - a dot product of two float arrays (f32x4 multiply and add, four
 *     partial sums), and
 *   - a 3x3 box filter over an 8-bit image: bytes widened to 16-bit lanes,
 *     nine neighbours summed, scaled by 7/64 (about 1/9) and narrowed
 *     back, 8 pixels at a time.
 * The checksum mixes the dot product's bits and the filtered image's bytes.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 4
#endif

#define N_DOT (1u << 18)
#define W 512u
#define H 512u

typedef float f32x4 __attribute__((vector_size(16)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));

static float xs[N_DOT], ys[N_DOT];
static uint8_t img[W * H], out[W * H];

static f32x4 load_f32x4(const float *p)
{
    f32x4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static u16x8 load_u8x8(const uint8_t *p)
{
    u8x8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, u16x8);
}

WL_NOINLINE static float dot(const float *a, const float *b, uint32_t n)
{
    f32x4 s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
    for (uint32_t i = 0; i < n; i += 16) {
        s0 += load_f32x4(a + i) * load_f32x4(b + i);
        s1 += load_f32x4(a + i + 4) * load_f32x4(b + i + 4);
        s2 += load_f32x4(a + i + 8) * load_f32x4(b + i + 8);
        s3 += load_f32x4(a + i + 12) * load_f32x4(b + i + 12);
    }
    f32x4 s = (s0 + s1) + (s2 + s3);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* Rows 1..H-2, columns 1..W-9 in steps of 8 (the borders stay 0). */
WL_NOINLINE static void box3x3(const uint8_t *src, uint8_t *dst)
{
    for (uint32_t y = 1; y + 1 < H; y++) {
        const uint8_t *r0 = src + (y - 1) * W, *r1 = r0 + W, *r2 = r1 + W;
        for (uint32_t x = 1; x + 9 <= W; x += 8) {
            u16x8 s = load_u8x8(r0 + x - 1) + load_u8x8(r0 + x) +
                      load_u8x8(r0 + x + 1) + load_u8x8(r1 + x - 1) +
                      load_u8x8(r1 + x) + load_u8x8(r1 + x + 1) +
                      load_u8x8(r2 + x - 1) + load_u8x8(r2 + x) +
                      load_u8x8(r2 + x + 1);
            s = (s * 7) >> 6; /* about s / 9, at most 251 */
            u8x8 b = __builtin_convertvector(s, u8x8);
            __builtin_memcpy(dst + y * W + x, &b, sizeof b);
        }
    }
}

WL_EXPORT(run) uint32_t run(void)
{
    uint32_t seed = 12345;
    for (uint32_t i = 0; i < N_DOT; i++) {
        seed = seed * 1103515245u + 12345u;
        xs[i] = (float)((seed >> 16) & 1023) / 512.0f;
        ys[i] = (float)((seed >> 6) & 1023) / 1024.0f;
    }
    for (uint32_t i = 0; i < W * H; i++) {
        seed = seed * 1103515245u + 12345u;
        img[i] = (uint8_t)(seed >> 24);
        out[i] = 0;
    }
    uint32_t h = 0;
    for (uint32_t pass = 0; pass < WL_SIZE; pass++) {
        /* A different input each pass, so no compiler can reuse the
         * previous dot product. */
        xs[pass % N_DOT] += 1.0f;
        float d = dot(xs, ys, N_DOT);
        uint32_t bits;
        __builtin_memcpy(&bits, &d, sizeof bits);
        h = h * 31u + bits;
        box3x3(pass & 1 ? out : img, pass & 1 ? img : out);
    }
    for (uint32_t i = 0; i < W * H; i += 7)
        h = h * 31u + out[i] + img[i];
    return h;
}
