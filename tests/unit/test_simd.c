/*
 * SIMD (fixed-width, WebAssembly 2.0): v128 parameters and results
 * through wx_call (mixed with scalars and multiple results), a host
 * import taking and returning v128, v128 locals kept across a call, a
 * v128 global, select and a loop carrying a v128; a 16-byte load and
 * store at the last valid address and one byte past it (a trap naming
 * the function and the instruction); and a few operations checked lane
 * by lane against a scalar reference computed here, on pseudo-random
 * inputs; the same bounds on a second memory (3.0). Built with wat2wasm
 * 1.0.32 (the second module with --enable-multi-memory):
 *
 * (module
 *   (import "host" "vswap" (func $vswap (param v128 i32) (result i32 v128)))
 *   (memory (export "mem") 1)
 *   (global $g (mut v128) (v128.const i64x2 0 0))
 *   (func (export "mix") (param i32 v128 f64 v128) (result v128 i32 f64)
 *     (i32x4.add (local.get 1) (local.get 3))
 *     (local.get 0)
 *     (local.get 2))
 *   (func $clobber (param i32) (result i32)
 *     (local v128 v128)
 *     (local.set 1 (i32x4.splat (local.get 0)))
 *     (local.set 2 (i32x4.mul (local.get 1) (local.get 1)))
 *     (i32x4.extract_lane 3 (local.get 2)))
 *   (func (export "across") (param v128) (result v128)
 *     (local $k v128) (local $n i32)
 *     (local.set $k (v128.const i32x4 1 2 3 4))
 *     (local.set $n (call $clobber (i32.const 7)))
 *     (i32x4.add (i32x4.add (local.get 0) (local.get $k))
 *                (i32x4.splat (local.get $n))))
 *   (func (export "host") (param v128 i32) (result i32 v128)
 *     (call $vswap (local.get 0) (local.get 1)))
 *   (func (export "load") (param i32) (result v128)
 *     (v128.load (local.get 0)))
 *   (func (export "store") (param i32 v128)
 *     (v128.store (local.get 0) (local.get 1)))
 *   (func (export "load_lane") (param i32 v128) (result v128)
 *     (v128.load32_lane 2 (local.get 0) (local.get 1)))
 *   (func (export "gset") (param v128) (global.set $g (local.get 0)))
 *   (func (export "gget") (result v128) (global.get $g))
 *   (func (export "sel") (param v128 v128 i32) (result v128)
 *     (select (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "blocks") (param v128 i32) (result v128)
 *     (local.get 0)
 *     (loop (param v128) (result v128)
 *       (i8x16.add (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))
 *       (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))
 *       (br_if 0)))
 *   (func (export "add_sat_u") (param v128 v128) (result v128)
 *     (i8x16.add_sat_u (local.get 0) (local.get 1)))
 *   (func (export "sub_sat_s") (param v128 v128) (result v128)
 *     (i16x8.sub_sat_s (local.get 0) (local.get 1)))
 *   (func (export "mul16") (param v128 v128) (result v128)
 *     (i16x8.mul (local.get 0) (local.get 1)))
 *   (func (export "dot") (param v128 v128) (result v128)
 *     (i32x4.dot_i16x8_s (local.get 0) (local.get 1)))
 *   (func (export "fmin") (param v128 v128) (result v128)
 *     (f32x4.min (local.get 0) (local.get 1)))
 *   (func (export "shr_s") (param v128 i32) (result v128)
 *     (i32x4.shr_s (local.get 0) (local.get 1)))
 *   (func (export "shuffle") (param v128 v128) (result v128)
 *     (i8x16.shuffle 31 0 30 1 29 2 28 3 27 4 26 5 25 6 24 7
 *       (local.get 0) (local.get 1)))
 *   (func (export "bitmask") (param v128) (result i32)
 *     (i8x16.bitmask (local.get 0)))
 *   (func (export "narrow") (param v128 v128) (result v128)
 *     (i8x16.narrow_i16x8_s (local.get 0) (local.get 1))))
 */
#include "check.h"
#include "load.h"
#include "wasmext/engine.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t simd_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x4c, 0x0d, 0x60,
    0x02, 0x7b, 0x7f, 0x02, 0x7f, 0x7b, 0x60, 0x04, 0x7f, 0x7b, 0x7c, 0x7b,
    0x03, 0x7b, 0x7f, 0x7c, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7b,
    0x01, 0x7b, 0x60, 0x01, 0x7f, 0x01, 0x7b, 0x60, 0x02, 0x7f, 0x7b, 0x00,
    0x60, 0x02, 0x7f, 0x7b, 0x01, 0x7b, 0x60, 0x01, 0x7b, 0x00, 0x60, 0x00,
    0x01, 0x7b, 0x60, 0x03, 0x7b, 0x7b, 0x7f, 0x01, 0x7b, 0x60, 0x02, 0x7b,
    0x7f, 0x01, 0x7b, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b, 0x60, 0x01, 0x7b,
    0x01, 0x7f, 0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x76,
    0x73, 0x77, 0x61, 0x70, 0x00, 0x00, 0x03, 0x15, 0x14, 0x01, 0x02, 0x03,
    0x00, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0b, 0x0b, 0x0b,
    0x0b, 0x0a, 0x0b, 0x0c, 0x0b, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x16,
    0x01, 0x7b, 0x01, 0xfd, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x07, 0xa7,
    0x01, 0x14, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x6d, 0x69, 0x78,
    0x00, 0x01, 0x06, 0x61, 0x63, 0x72, 0x6f, 0x73, 0x73, 0x00, 0x03, 0x04,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x04, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00,
    0x05, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x06, 0x09, 0x6c, 0x6f,
    0x61, 0x64, 0x5f, 0x6c, 0x61, 0x6e, 0x65, 0x00, 0x07, 0x04, 0x67, 0x73,
    0x65, 0x74, 0x00, 0x08, 0x04, 0x67, 0x67, 0x65, 0x74, 0x00, 0x09, 0x03,
    0x73, 0x65, 0x6c, 0x00, 0x0a, 0x06, 0x62, 0x6c, 0x6f, 0x63, 0x6b, 0x73,
    0x00, 0x0b, 0x09, 0x61, 0x64, 0x64, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x75,
    0x00, 0x0c, 0x09, 0x73, 0x75, 0x62, 0x5f, 0x73, 0x61, 0x74, 0x5f, 0x73,
    0x00, 0x0d, 0x05, 0x6d, 0x75, 0x6c, 0x31, 0x36, 0x00, 0x0e, 0x03, 0x64,
    0x6f, 0x74, 0x00, 0x0f, 0x04, 0x66, 0x6d, 0x69, 0x6e, 0x00, 0x10, 0x05,
    0x73, 0x68, 0x72, 0x5f, 0x73, 0x00, 0x11, 0x07, 0x73, 0x68, 0x75, 0x66,
    0x66, 0x6c, 0x65, 0x00, 0x12, 0x07, 0x62, 0x69, 0x74, 0x6d, 0x61, 0x73,
    0x6b, 0x00, 0x13, 0x06, 0x6e, 0x61, 0x72, 0x72, 0x6f, 0x77, 0x00, 0x14,
    0x0a, 0x9f, 0x02, 0x14, 0x0d, 0x00, 0x20, 0x01, 0x20, 0x03, 0xfd, 0xae,
    0x01, 0x20, 0x00, 0x20, 0x02, 0x0b, 0x18, 0x01, 0x02, 0x7b, 0x20, 0x00,
    0xfd, 0x11, 0x21, 0x01, 0x20, 0x01, 0x20, 0x01, 0xfd, 0xb5, 0x01, 0x21,
    0x02, 0x20, 0x02, 0xfd, 0x1b, 0x03, 0x0b, 0x2e, 0x02, 0x01, 0x7b, 0x01,
    0x7f, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x21, 0x01, 0x41, 0x07, 0x10,
    0x02, 0x21, 0x02, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xae, 0x01, 0x20, 0x02,
    0xfd, 0x11, 0xfd, 0xae, 0x01, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x10, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x0b,
    0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x0b, 0x04, 0x00, 0x0b, 0x0b,
    0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x56, 0x02, 0x00, 0x02, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0x24, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x09,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x1b, 0x0b, 0x24, 0x00, 0x20,
    0x00, 0x03, 0x03, 0xfd, 0x0c, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0xfd, 0x6e, 0x20,
    0x01, 0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, 0x0b, 0x0b, 0x08, 0x00,
    0x20, 0x00, 0x20, 0x01, 0xfd, 0x70, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20,
    0x01, 0xfd, 0x92, 0x01, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd,
    0x95, 0x01, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xba, 0x01,
    0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xe8, 0x01, 0x0b, 0x09,
    0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xac, 0x01, 0x0b, 0x18, 0x00, 0x20,
    0x00, 0x20, 0x01, 0xfd, 0x0d, 0x1f, 0x00, 0x1e, 0x01, 0x1d, 0x02, 0x1c,
    0x03, 0x1b, 0x04, 0x1a, 0x05, 0x19, 0x06, 0x18, 0x07, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0xfd, 0x64, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd,
    0x65, 0x0b,
};

/*
 * (module
 *   (memory $m0 1)
 *   (memory $m1 (export "mem1") 1)
 *   (func (export "store1") (param i32 v128)
 *     (v128.store $m1 (local.get 0) (local.get 1)))
 *   (func (export "load1") (param i32) (result v128)
 *     (v128.load $m1 (local.get 0)))
 *   (func (export "lane1") (param i32 v128) (result v128)
 *     (v128.load16_lane $m1 offset=2 5 (local.get 0) (local.get 1))))
 */
static const uint8_t mem1_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
    0x02, 0x7f, 0x7b, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7b, 0x60, 0x02, 0x7f,
    0x7b, 0x01, 0x7b, 0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x05, 0x05, 0x02,
    0x00, 0x01, 0x00, 0x01, 0x07, 0x21, 0x04, 0x04, 0x6d, 0x65, 0x6d, 0x31,
    0x02, 0x01, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x00, 0x00, 0x05,
    0x6c, 0x6f, 0x61, 0x64, 0x31, 0x00, 0x01, 0x05, 0x6c, 0x61, 0x6e, 0x65,
    0x31, 0x00, 0x02, 0x0a, 0x24, 0x03, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01,
    0xfd, 0x0b, 0x44, 0x01, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0xfd, 0x00,
    0x44, 0x01, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x55,
    0x41, 0x01, 0x02, 0x05, 0x0b,
};

/*
 * SIMD on a 64-bit memory (memory64): i64 addresses, checked without
 * wrapping; offsets past 2^32 - 1 (made with wasm-tools json-from-wast,
 * since wat2wasm 1.0.32 refuses them):
 *
 * (module
 *   (memory (export "mem") i64 1)
 *   (func (export "load") (param i64) (result v128)
 *     (v128.load (local.get 0)))
 *   (func (export "store") (param i64 v128)
 *     (v128.store (local.get 0) (local.get 1)))
 *   (func (export "lane") (param i64 v128) (result v128)
 *     (v128.load8_lane offset=4294967295 3 (local.get 0) (local.get 1)))
 *   (func (export "far") (param i64) (result v128)
 *     (v128.load offset=4294967296 (local.get 0))))
 */
static const uint8_t mem64_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
  0x01, 0x7e, 0x01, 0x7b, 0x60, 0x02, 0x7e, 0x7b, 0x00, 0x60, 0x02, 0x7e,
  0x7b, 0x01, 0x7b, 0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x00, 0x05, 0x03,
  0x01, 0x04, 0x01, 0x07, 0x23, 0x05, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
  0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, 0x05, 0x73, 0x74, 0x6f, 0x72,
  0x65, 0x00, 0x01, 0x04, 0x6c, 0x61, 0x6e, 0x65, 0x00, 0x02, 0x03, 0x66,
  0x61, 0x72, 0x00, 0x03, 0x0a, 0x32, 0x04, 0x08, 0x00, 0x20, 0x00, 0xfd,
  0x00, 0x04, 0x00, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x0b,
  0x04, 0x00, 0x0b, 0x0f, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x54, 0x00,
  0xff, 0xff, 0xff, 0xff, 0x0f, 0x03, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0xfd,
  0x00, 0x04, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b
};

#define PAGE 65536u

typedef union lanes {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    float f32[4];
} lanes;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* xorshift64: the same inputs on every run. */
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static lanes random_lanes(void)
{
    lanes v;
    uint64_t a = next_random(), b = next_random();
    memcpy(v.u8, &a, 8);
    memcpy(v.u8 + 8, &b, 8);
    return v;
}

static wx_wasm_val v128(const lanes *v)
{
    wx_wasm_val x;
    memset(&x, 0, sizeof x);
    x.type = WX_V128;
    memcpy(x.of.v128, v->u8, 16);
    return x;
}

static lanes of(const wx_wasm_val *x)
{
    lanes v;
    memcpy(v.u8, x->of.v128, 16);
    return v;
}


/* Calls a binary v128 operation. */
static lanes binop(wx_instance *inst, const char *name, const lanes *a,
                   const lanes *b)
{
    wx_error err;
    wx_wasm_val args[2] = {v128(a), v128(b)}, r[1];
    memset(r, 0, sizeof r);
    wx_status s = call_export(inst, name, args, 2, r, 1, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", name, err.message);
    CHECK(r[0].type == WX_V128);
    return of(&r[0]);
}

/* The host import: (v128, i32) -> (i32, v128), the vector's lanes
 * reversed and the i32 plus its first byte. */
static int host_calls;
static wx_status host_vswap(wx_host_ctx *ctx, const wx_wasm_val *args,
                            wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)env;
    host_calls++;
    CHECK(args[0].type == WX_V128 && args[1].type == WX_I32);
    lanes v = of(&args[0]), w;
    for (int i = 0; i < 16; i++)
        w.u8[i] = v.u8[15 - i];
    results[0] = wx_wasm_i32(args[1].of.i32 + v.u8[0]);
    results[1] = v128(&w);
    return WX_OK;
}

static void test_calls(wx_instance *inst)
{
    wx_error err;
    lanes a = random_lanes(), b = random_lanes();
    wx_wasm_val args[4] = {wx_wasm_i32(-5), v128(&a), wx_wasm_f64(2.5),
                           v128(&b)};
    wx_wasm_val r[3];
    memset(r, 0, sizeof r);
    CHECK(call_export(inst, "mix", args, 4, r, 3, &err) == WX_OK);
    lanes sum = of(&r[0]);
    for (int i = 0; i < 4; i++)
        CHECK(sum.u32[i] == a.u32[i] + b.u32[i]);
    CHECK(r[1].type == WX_I32 && r[1].of.i32 == -5);
    CHECK(r[2].type == WX_F64 && r[2].of.f64 == 2.5);

    /* A v128 argument given as an i32 is refused before anything runs. */
    args[1] = wx_wasm_i32(1);
    CHECK(call_export(inst, "mix", args, 4, r, 3, &err) == WX_EARG);

    /* Locals survive a call whose frame uses v128 locals of its own. */
    wx_wasm_val x[1] = {v128(&a)};
    CHECK(call_export(inst, "across", x, 1, r, 1, &err) == WX_OK);
    lanes got = of(&r[0]);
    for (int i = 0; i < 4; i++)
        CHECK(got.u32[i] == a.u32[i] + (uint32_t)(i + 1) + 49u);

    /* Through the host import and back. */
    wx_wasm_val h[2] = {v128(&a), wx_wasm_i32(1000)};
    host_calls = 0;
    CHECK(call_export(inst, "host", h, 2, r, 2, &err) == WX_OK);
    CHECK(host_calls == 1);
    CHECK(r[0].of.i32 == 1000 + a.u8[0]);
    got = of(&r[1]);
    for (int i = 0; i < 16; i++)
        CHECK(got.u8[i] == a.u8[15 - i]);

    /* A mutable v128 global, written and read by code. */
    CHECK(call_export(inst, "gset", x, 1, NULL, 0, &err) == WX_OK);
    CHECK(call_export(inst, "gget", NULL, 0, r, 1, &err) == WX_OK);
    CHECK(memcmp(r[0].of.v128, a.u8, 16) == 0);

    /* select picks all 16 bytes of one operand. */
    wx_wasm_val s[3] = {v128(&a), v128(&b), wx_wasm_i32(0)};
    CHECK(call_export(inst, "sel", s, 3, r, 1, &err) == WX_OK);
    CHECK(memcmp(r[0].of.v128, b.u8, 16) == 0);
    s[2] = wx_wasm_i32(7);
    CHECK(call_export(inst, "sel", s, 3, r, 1, &err) == WX_OK);
    CHECK(memcmp(r[0].of.v128, a.u8, 16) == 0);

    /* A loop with a v128 parameter, run 5 times. */
    wx_wasm_val l[2] = {v128(&a), wx_wasm_i32(5)};
    CHECK(call_export(inst, "blocks", l, 2, r, 1, &err) == WX_OK);
    got = of(&r[0]);
    for (int i = 0; i < 16; i++)
        CHECK(got.u8[i] == (uint8_t)(a.u8[i] + 5));
}

static void test_bounds(wx_instance *inst)
{
    wx_error err;
    wx_memory *mem = wx_instance_memory(inst, 0);
    uint8_t *data = wx_memory_data(mem);
    lanes a = random_lanes();
    wx_wasm_val r[1];
    memset(r, 0, sizeof r);

    /* The last address a 16-byte access may start at. */
    wx_wasm_val st[2] = {wx_wasm_i32((int32_t)(PAGE - 16)), v128(&a)};
    CHECK(call_export(inst, "store", st, 2, NULL, 0, &err) == WX_OK);
    CHECK(memcmp(data + PAGE - 16, a.u8, 16) == 0);
    wx_wasm_val ld[1] = {wx_wasm_i32((int32_t)(PAGE - 16))};
    CHECK(call_export(inst, "load", ld, 1, r, 1, &err) == WX_OK);
    CHECK(memcmp(r[0].of.v128, a.u8, 16) == 0);

    /* One byte further: both trap, and the store writes nothing. */
    memset(data + PAGE - 16, 0xAB, 16);
    ld[0] = wx_wasm_i32((int32_t)(PAGE - 15));
    CHECK(call_export(inst, "load", ld, 1, r, 1, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_MEMORY_OOB);
    CHECK(err.func_index != WX_NO_INDEX && err.offset > 0);
    uint32_t load_fn = err.func_index;
    st[0] = wx_wasm_i32((int32_t)(PAGE - 15));
    CHECK(call_export(inst, "store", st, 2, NULL, 0, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_MEMORY_OOB);
    CHECK(err.func_index == load_fn + 1);
    for (unsigned i = 0; i < 16; i++)
        CHECK(data[PAGE - 16 + i] == 0xAB);

    /* A lane load: 4 bytes, so PAGE - 4 is the last valid address. */
    wx_wasm_val ll[2] = {wx_wasm_i32((int32_t)(PAGE - 4)), v128(&a)};
    CHECK(call_export(inst, "load_lane", ll, 2, r, 1, &err) == WX_OK);
    lanes got = of(&r[0]);
    CHECK(got.u32[2] == 0xABABABABu && got.u32[0] == a.u32[0]);
    ll[0] = wx_wasm_i32((int32_t)(PAGE - 3));
    CHECK(call_export(inst, "load_lane", ll, 2, r, 1, &err) == WX_ETRAP);
}

static int16_t sat16(int32_t x)
{
    return (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x);
}

static void test_ops(wx_instance *inst)
{
    wx_error err;
    for (int round = 0; round < 64; round++) {
        lanes a = random_lanes(), b = random_lanes(), r;
        r = binop(inst, "add_sat_u", &a, &b);
        for (int i = 0; i < 16; i++) {
            unsigned s = (unsigned)a.u8[i] + b.u8[i];
            CHECK(r.u8[i] == (s > 255 ? 255 : s));
        }
        r = binop(inst, "sub_sat_s", &a, &b);
        for (int i = 0; i < 8; i++)
            CHECK(r.i16[i] == sat16((int32_t)a.i16[i] - b.i16[i]));
        r = binop(inst, "mul16", &a, &b);
        for (int i = 0; i < 8; i++)
            CHECK(r.u16[i] == (uint16_t)((uint32_t)a.u16[i] * b.u16[i]));
        r = binop(inst, "dot", &a, &b);
        for (int i = 0; i < 4; i++)
            CHECK(
                r.u32[i] ==
                (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i]) +
                    (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]));
        r = binop(inst, "shuffle", &a, &b);
        for (int i = 0; i < 8; i++) {
            CHECK(r.u8[2 * i] == b.u8[15 - i]);
            CHECK(r.u8[2 * i + 1] == a.u8[i]);
        }
        r = binop(inst, "narrow", &a, &b);
        for (int i = 0; i < 8; i++) {
            int16_t x = a.i16[i], y = b.i16[i];
            CHECK(r.i8[i] == (x < -128 ? -128 : x > 127 ? 127 : x));
            CHECK(r.i8[i + 8] == (y < -128 ? -128 : y > 127 ? 127 : y));
        }
        /* Floats from small integers, with a NaN and signed zeros in
         * lanes 0..2: min is NaN if either is, and -0 below +0. */
        lanes fa, fb;
        for (int i = 0; i < 4; i++) {
            fa.f32[i] = (float)(a.i8[i]) / 4;
            fb.f32[i] = (float)(b.i8[i]) / 4;
        }
        fa.f32[0] = NAN;
        fa.f32[1] = -0.0f;
        fb.f32[1] = 0.0f;
        r = binop(inst, "fmin", &fa, &fb);
        CHECK(isnan(r.f32[0]));
        CHECK(r.f32[1] == 0.0f && signbit(r.f32[1]));
        for (int i = 2; i < 4; i++)
            CHECK(r.f32[i] == (fa.f32[i] < fb.f32[i] ? fa.f32[i] : fb.f32[i]));

        wx_wasm_val args[2] = {v128(&a), wx_wasm_i32(round)}, res[1];
        CHECK(call_export(inst, "shr_s", args, 2, res, 1, &err) == WX_OK);
        r = of(&res[0]);
        for (int i = 0; i < 4; i++)
            CHECK(r.i32[i] == a.i32[i] >> (round & 31));
        CHECK(call_export(inst, "bitmask", args, 1, res, 1, &err) == WX_OK);
        uint32_t m = 0;
        for (int i = 0; i < 16; i++)
            m |= (uint32_t)(a.i8[i] < 0) << i;
        CHECK((uint32_t)res[0].of.i32 == m);
    }
}

/* SIMD loads and stores of memory 1: in bounds up to the last 16 bytes,
 * a trap one byte further; memory 0 untouched. */
static void test_memory1(void)
{
    wx_error err;
    wx_module *m = load(mem1_wasm, sizeof mem1_wasm);
    if (!m)
        return;
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        uint8_t *d1 = wx_memory_data(wx_instance_memory(inst, 1));
        uint8_t *d0 = wx_memory_data(wx_instance_memory(inst, 0));
        lanes a = random_lanes();
        wx_wasm_val r[1];
        wx_wasm_val st[2] = {wx_wasm_i32((int32_t)(PAGE - 16)), v128(&a)};
        CHECK(call_export(inst, "store1", st, 2, NULL, 0, &err) == WX_OK);
        CHECK(memcmp(d1 + PAGE - 16, a.u8, 16) == 0);
        CHECK(d0[PAGE - 1] == 0 && d0[PAGE - 16] == 0);
        wx_wasm_val ld[1] = {wx_wasm_i32((int32_t)(PAGE - 16))};
        CHECK(call_export(inst, "load1", ld, 1, r, 1, &err) == WX_OK);
        CHECK(memcmp(r[0].of.v128, a.u8, 16) == 0);
        ld[0] = wx_wasm_i32((int32_t)(PAGE - 15));
        CHECK(call_export(inst, "load1", ld, 1, r, 1, &err) == WX_ETRAP);
        CHECK(err.trap == WX_TRAP_MEMORY_OOB);
        st[0] = wx_wasm_i32((int32_t)(PAGE - 15));
        CHECK(call_export(inst, "store1", st, 2, NULL, 0, &err) == WX_ETRAP);
        /* A 16-bit lane at offset 2: PAGE - 4 is the last address. */
        lanes z;
        memset(&z, 0, sizeof z);
        wx_wasm_val ln[2] = {wx_wasm_i32((int32_t)(PAGE - 4)), v128(&z)};
        CHECK(call_export(inst, "lane1", ln, 2, r, 1, &err) == WX_OK);
        lanes got = of(&r[0]);
        CHECK(got.u16[5] == (uint16_t)(a.u8[14] | a.u8[15] << 8));
        ln[0] = wx_wasm_i32((int32_t)(PAGE - 3));
        CHECK(call_export(inst, "lane1", ln, 2, r, 1, &err) == WX_ETRAP);
        wx_instance_free(inst);
    }
    wx_module_free(m);
}

/* SIMD loads and stores of a 64-bit memory: the last 16 bytes, one
 * byte further, addresses past 2^32 and near 2^64 (which must not wrap
 * into bounds), and offsets of 2^32 - 1 and 2^32. */
static void test_memory64(void)
{
    wx_error err;
    wx_module *m = load(mem64_wasm, sizeof mem64_wasm);
    if (!m)
        return;
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        uint8_t *d = wx_memory_data(wx_instance_memory(inst, 0));
        lanes a = random_lanes(), z;
        memset(&z, 0, sizeof z);
        wx_wasm_val r[1];
        wx_wasm_val st[2] = {wx_wasm_i64(PAGE - 16), v128(&a)};
        CHECK(call_export(inst, "store", st, 2, NULL, 0, &err) == WX_OK);
        CHECK(memcmp(d + PAGE - 16, a.u8, 16) == 0);
        wx_wasm_val ld[1] = {wx_wasm_i64(PAGE - 16)};
        CHECK(call_export(inst, "load", ld, 1, r, 1, &err) == WX_OK);
        CHECK(memcmp(r[0].of.v128, a.u8, 16) == 0);
        static const uint64_t bad[] = {PAGE - 15, (1ull << 32),
                                       (1ull << 32) + PAGE - 16,
                                       UINT64_MAX - 15, UINT64_MAX};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            ld[0] = wx_wasm_i64((int64_t)bad[i]);
            CHECK(call_export(inst, "load", ld, 1, r, 1, &err) == WX_ETRAP);
            CHECK(err.trap == WX_TRAP_MEMORY_OOB);
            st[0] = ld[0];
            CHECK(call_export(inst, "store", st, 2, NULL, 0, &err) == WX_ETRAP);
        }
        /* offset=2^32-1: out of bounds for a 1-page memory at address 0
         * already; offset=2^32 at any address. */
        wx_wasm_val ln[2] = {wx_wasm_i64(0), v128(&z)};
        CHECK(call_export(inst, "lane", ln, 2, r, 1, &err) == WX_ETRAP);
        ld[0] = wx_wasm_i64(0);
        CHECK(call_export(inst, "far", ld, 1, r, 1, &err) == WX_ETRAP);
        CHECK(err.trap == WX_TRAP_MEMORY_OOB);
        wx_instance_free(inst);
    }
    wx_module_free(m);
}

int main(void)
{
    wx_error err;
    wx_module *m = load(simd_wasm, sizeof simd_wasm);
    wx_linker *l = wx_linker_new(&err);
    if (!m || !l)
        return CHECK_DONE();
    wx_valtype p[2] = {WX_V128, WX_I32}, r[2] = {WX_I32, WX_V128};
    wx_functype t = {2, 2, p, r};
    CHECK(wx_linker_define_func(l, "host", "vswap", &t, host_vswap, NULL,
                                &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        test_calls(inst);
        test_bounds(inst);
        test_ops(inst);
        wx_instance_free(inst);
    }
    test_memory1();
    test_memory64();
    wx_linker_free(l);
    wx_module_free(m);
    return CHECK_DONE();
}
