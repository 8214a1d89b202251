/*
 * The public engine API end to end: host functions called through wx_call
 * (argument checking, conversions, failures), then real modules (compiled
 * from the WebAssembly text in the comments with `wat2wasm --debug-names`)
 * loaded, linked, instantiated and called: imports, segments, the start
 * function, traps, exports, limits, interrupts and re-entrant host calls.
 */
#include "check.h"
#include "load.h"
#include "runtime.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * (module
 *   (func $add (export "add") (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1)))
 *   (func $div (export "div") (param i32 i32) (result i32)
 *     (i32.div_s (local.get 0) (local.get 1)))
 *   (func $spin (export "spin") (loop $l (br $l)))
 *   (func $mix (export "mix") (param i64 f32 f64) (result f64 f32 i64)
 *     (local.get 2) (local.get 1) (local.get 0)))
 */
static const uint8_t add_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x03, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x03, 0x7e, 0x7d,
    0x7c, 0x03, 0x7c, 0x7d, 0x7e, 0x03, 0x05, 0x04, 0x00, 0x00, 0x01, 0x02,
    0x07, 0x1a, 0x04, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x64, 0x69,
    0x76, 0x00, 0x01, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x02, 0x03, 0x6d,
    0x69, 0x78, 0x00, 0x03, 0x0a, 0x22, 0x04, 0x07, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07,
    0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x08, 0x00, 0x20, 0x02, 0x20,
    0x01, 0x20, 0x00, 0x0b, 0x00, 0x28, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01,
    0x16, 0x04, 0x00, 0x03, 0x61, 0x64, 0x64, 0x01, 0x03, 0x64, 0x69, 0x76,
    0x02, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x03, 0x03, 0x6d, 0x69, 0x78, 0x02,
    0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
};

/*
 * (module
 *   (import "env" "cb" (func $cb (param i32) (result i32)))
 *   (memory (export "mem") 1)
 *   (data (i32.const 16) "hi from wasm")
 *   (func (export "run") (param i32) (result i32)
 *     (call $cb (local.get 0)))
 *   (func (export "double") (param i32) (result i32)
 *     (i32.mul (local.get 0) (i32.const 2))))
 */
static const uint8_t host_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0a, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x02,
    0x63, 0x62, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01,
    0x00, 0x01, 0x07, 0x16, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03,
    0x72, 0x75, 0x6e, 0x00, 0x01, 0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65,
    0x00, 0x02, 0x0a, 0x10, 0x02, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x41, 0x02, 0x6c, 0x0b, 0x0b, 0x12, 0x01, 0x00,
    0x41, 0x10, 0x0b, 0x0c, 0x68, 0x69, 0x20, 0x66, 0x72, 0x6f, 0x6d, 0x20,
    0x77, 0x61, 0x73, 0x6d, 0x00, 0x15, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01,
    0x05, 0x01, 0x00, 0x02, 0x63, 0x62, 0x02, 0x07, 0x03, 0x00, 0x00, 0x01,
    0x00, 0x02, 0x00,
};

/*
 * (module
 *   (import "env" "base" (global $base i32))
 *   (memory (export "mem") 1)
 *   (table (export "tab") 4 funcref)
 *   (global $g (export "g") (mut i32) (i32.const 7))
 *   (global $h (export "h") i32 (global.get $base))
 *   (global $fr (export "fr") funcref (ref.func $f2))
 *   (func $f1 (export "f1") (result i32) (i32.const 11))
 *   (func $f2 (export "f2") (result i32) (i32.const 22))
 *   (elem (i32.const 1) $f1 $f2)
 *   (elem declare func $f1)
 *   (data (global.get $base) "abc")
 *   (data (i32.const 100) "xyz")
 *   (func $start (global.set $g (i32.add (global.get $g) (i32.const 1))))
 *   (start $start)
 *   (func (export "call") (param i32) (result i32)
 *     (call_indirect (result i32) (local.get 0)))
 *   (func (export "load") (param i32) (result i32)
 *     (i32.load8_u (local.get 0))))
 */
static const uint8_t segs_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
    0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02,
    0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03,
    0x7f, 0x00, 0x03, 0x06, 0x05, 0x00, 0x00, 0x01, 0x02, 0x02, 0x04, 0x04,
    0x01, 0x70, 0x00, 0x04, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x10, 0x03,
    0x7f, 0x01, 0x41, 0x07, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b, 0x70, 0x00,
    0xd2, 0x01, 0x0b, 0x07, 0x32, 0x09, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x01, 0x67, 0x03, 0x01, 0x01, 0x68,
    0x03, 0x02, 0x02, 0x66, 0x72, 0x03, 0x03, 0x02, 0x66, 0x31, 0x00, 0x00,
    0x02, 0x66, 0x32, 0x00, 0x01, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x03,
    0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x04, 0x08, 0x01, 0x02, 0x09, 0x0c,
    0x02, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x00, 0x01, 0x03, 0x00, 0x01, 0x00,
    0x0a, 0x25, 0x05, 0x04, 0x00, 0x41, 0x0b, 0x0b, 0x04, 0x00, 0x41, 0x16,
    0x0b, 0x09, 0x00, 0x23, 0x01, 0x41, 0x01, 0x6a, 0x24, 0x01, 0x0b, 0x07,
    0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d,
    0x00, 0x00, 0x0b, 0x0b, 0x12, 0x02, 0x00, 0x23, 0x00, 0x0b, 0x03, 0x61,
    0x62, 0x63, 0x00, 0x41, 0xe4, 0x00, 0x0b, 0x03, 0x78, 0x79, 0x7a, 0x00,
    0x37, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x10, 0x03, 0x00, 0x02, 0x66,
    0x31, 0x01, 0x02, 0x66, 0x32, 0x02, 0x05, 0x73, 0x74, 0x61, 0x72, 0x74,
    0x02, 0x0b, 0x05, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04,
    0x00, 0x07, 0x11, 0x04, 0x00, 0x04, 0x62, 0x61, 0x73, 0x65, 0x01, 0x01,
    0x67, 0x02, 0x01, 0x68, 0x03, 0x02, 0x66, 0x72,
};

/*
 * (module
 *   (memory (export "mem") 1)
 *   (func $s (unreachable))
 *   (start $s))
 */
static const uint8_t starttrap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07,
    0x07, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x08, 0x01, 0x00, 0x0a,
    0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, 0x00, 0x10, 0x04, 0x6e, 0x61, 0x6d,
    0x65, 0x01, 0x04, 0x01, 0x00, 0x01, 0x73, 0x02, 0x03, 0x01, 0x00, 0x00,
};

/*
 * (module
 *   (import "env" "mem" (memory 1))
 *   (data (i32.const 0) "ok")
 *   (data (i32.const 65535) "xx"))
 */
static const uint8_t dataoob_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01,
    0x0b, 0x11, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x6f, 0x6b, 0x00,
    0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 0x78, 0x78, 0x00, 0x08, 0x04,
    0x6e, 0x61, 0x6d, 0x65, 0x02, 0x01, 0x00,
};

/*
 * (module
 *   (import "env" "tab" (table 2 funcref))
 *   (func $f (result i32) (i32.const 33))
 *   (elem (i32.const 0) $f)
 *   (elem (i32.const 2) $f))
 */
static const uint8_t elemoob_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01,
    0x60, 0x00, 0x01, 0x7f, 0x02, 0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76,
    0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x00, 0x02, 0x03, 0x02, 0x01,
    0x00, 0x09, 0x0d, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x00,
    0x41, 0x02, 0x0b, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41,
    0x21, 0x0b, 0x00, 0x10, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x04,
    0x01, 0x00, 0x01, 0x66, 0x02, 0x03, 0x01, 0x00, 0x00,
};

/*
 * (module
 *   (memory 1)
 *   (func (export "grow") (param i32) (result i32)
 *     (memory.grow (local.get 0))))
 */
static const uint8_t grow_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00,
    0x01, 0x07, 0x08, 0x01, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a,
    0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x00, 0x0a, 0x04,
    0x6e, 0x61, 0x6d, 0x65, 0x02, 0x03, 0x01, 0x00, 0x00,
};

/*
 * (module (memory 3))
 */
static const uint8_t big_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00,
    0x03, 0x00, 0x08, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x02, 0x01, 0x00,
};

/*
 * (module
 *   (func $rec (export "rec") (param i32) (result i32)
 *     (if (result i32) (local.get 0)
 *       (then (i32.add (i32.const 1)
 *                      (call $rec (i32.sub (local.get 0) (i32.const 1)))))
 *       (else (i32.const 0)))))
 */
static const uint8_t rec_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01,
    0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07,
    0x01, 0x03, 0x72, 0x65, 0x63, 0x00, 0x00, 0x0a, 0x16, 0x01, 0x14,
    0x00, 0x20, 0x00, 0x04, 0x7f, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x10, 0x00, 0x6a, 0x05, 0x41, 0x00, 0x0b, 0x0b, 0x00, 0x12,
    0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x06, 0x01, 0x00, 0x03, 0x72,
    0x65, 0x63, 0x02, 0x03, 0x01, 0x00, 0x00,
};

/* ------------------------------------------------------ host functions */

static wx_status host_sum(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx;
    *(int *)env += 1;
    results[0] = wx_wasm_f64((double)args[0].of.i32 + (double)args[1].of.i64 +
                            (double)args[2].of.f32 + args[3].of.f64);
    results[1] = wx_wasm_i32(args[0].of.i32);
    return WX_OK;
}

static wx_status host_trap(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    (void)args;
    (void)results;
    (void)env;
    CHECK(wx_host_instance(ctx) == NULL);
    CHECK(wx_host_memory(ctx) == NULL);
    if (env)
        return wx_error_set(wx_host_error(ctx), WX_EHOST, "custom failure");
    return WX_ETRAP;
}

static wx_status host_many(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)env;
    int64_t s = 0;
    for (int i = 0; i < 40; i++)
        s += args[i].of.i64;
    for (int i = 0; i < 20; i++)
        results[i] = wx_wasm_i64(s + i);
    return WX_OK;
}

static void test_host_call(void)
{
    wx_error err;
    wx_error_clear(&err);
    static const wx_valtype params[] = {WX_I32, WX_I64, WX_F32, WX_F64};
    static const wx_valtype results[] = {WX_F64, WX_I32};
    wx_functype ft = {4, 2, params, results};
    int count = 0;
    wx_wasm_func *f = wx_wasm_func_new_host(&ft, host_sum, &count, &err);
    CHECK(f != NULL);
    const wx_functype *t = wx_wasm_func_type(f);
    CHECK(t->nparams == 4 && t->nresults == 2 && t->params != params &&
          t->params[3] == WX_F64 && t->results[1] == WX_I32);

    wx_wasm_val args[4] = {wx_wasm_i32(-1), wx_wasm_i64(10), wx_wasm_f32(0.5f),
                      wx_wasm_f64(0.25)};
    wx_wasm_val res[2];
    CHECK(wx_call(f, args, 4, res, 2, &err) == WX_OK);
    CHECK(err.status == WX_OK);
    CHECK(count == 1);
    CHECK(res[0].type == WX_F64 && res[0].of.f64 == 9.75);
    CHECK(res[1].type == WX_I32 && res[1].of.i32 == -1);
    CHECK(wx_call(f, args, 4, res, 2, NULL) == WX_OK);

    /* Wrong counts and types are refused before anything runs. */
    CHECK(wx_call(f, args, 3, res, 2, &err) == WX_EARG);
    CHECK(wx_call(f, args, 4, res, 1, &err) == WX_EARG);
    args[1] = wx_wasm_f64(1);
    CHECK(wx_call(f, args, 4, res, 2, &err) == WX_EARG);
    CHECK_MSG(strcmp(err.message, "argument 2: expected i64, got f64") == 0,
              "%s", err.message);
    CHECK(count == 2);
    CHECK(wx_call(NULL, args, 4, res, 2, &err) == WX_EARG);

    /* A host failure becomes the call's status; a bare WX_ETRAP gets the
     * host trap kind and a message. */
    wx_functype none = {0, 0, NULL, NULL};
    wx_wasm_func *tr = wx_wasm_func_new_host(&none, host_trap, NULL, &err);
    CHECK(wx_call(tr, NULL, 0, NULL, 0, &err) == WX_ETRAP);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_HOST);
    CHECK_MSG(strstr(err.message, "host function trapped") != NULL, "%s",
              err.message);
    CHECK(wx_call(tr, NULL, 0, NULL, 0, NULL) == WX_ETRAP);
    wx_wasm_func *fail = wx_wasm_func_new_host(&none, host_trap, &count, &err);
    CHECK(wx_call(fail, NULL, 0, NULL, 0, &err) == WX_EHOST);
    CHECK(strcmp(err.message, "custom failure") == 0);
    /* The next successful call reports success. */
    args[1] = wx_wasm_i64(1);
    CHECK(wx_call(f, args, 4, res, 2, &err) == WX_OK && err.status == WX_OK);

    /* Large signatures take the heap path on both sides. */
    wx_valtype p40[40], r20[20];
    wx_wasm_val a40[40], out20[20];
    for (int i = 0; i < 40; i++) {
        p40[i] = WX_I64;
        a40[i] = wx_wasm_i64(i);
    }
    for (int i = 0; i < 20; i++)
        r20[i] = WX_I64;
    wx_functype big = {40, 20, p40, r20};
    wx_wasm_func *many = wx_wasm_func_new_host(&big, host_many, NULL, &err);
    p40[0] = WX_F32; /* the signature was copied */
    CHECK(wx_call(many, a40, 40, out20, 20, &err) == WX_OK);
    CHECK(out20[0].of.i64 == 780 && out20[19].of.i64 == 799);

    wx_functype bad = {1, 0, NULL, NULL};
    CHECK(wx_wasm_func_new_host(&bad, host_sum, NULL, &err) == NULL);
    CHECK(wx_wasm_func_new_host(&none, NULL, NULL, &err) == NULL);

    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = f});
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = tr});
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = fail});
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = many});
}

static void test_trap_message(void)
{
    wx_error err;
    wx_error_clear(&err);
    CHECK(wxi_trap(&err, WX_TRAP_DIV_ZERO, NULL, 5, 0x1234) == WX_ETRAP);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_DIV_ZERO &&
          err.func_index == 5 && err.offset == 0x1234);
    CHECK_MSG(strcmp(err.message, "trap: integer divide by zero in function "
                                  "5 at offset 0x1234") == 0,
              "%s", err.message);
    CHECK(wxi_trap(NULL, WX_TRAP_DIV_ZERO, NULL, 5, 0) == WX_ETRAP);
}

/* ------------------------------------------------------- real modules */

#define LOAD(name) load(name##_wasm, sizeof name##_wasm)

static void test_load_errors(void)
{
    wx_error err;
    wx_error_clear(&err);
    static const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0};
    CHECK(wx_module_load(junk, sizeof junk, NULL, &err) == NULL);
    CHECK(err.status == WX_EMALFORMED);
    CHECK(wx_module_load(junk, 3, NULL, &err) == NULL);
    CHECK(err.status == WX_EMALFORMED);
    CHECK(wx_module_load(NULL, 0, NULL, &err) == NULL);
    CHECK(wx_module_load(junk, sizeof junk, NULL, NULL) == NULL);
    CHECK(wx_module_load(add_wasm, sizeof add_wasm - 1, NULL, NULL) == NULL);
}

static void test_add(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = LOAD(add);
    if (!m)
        return;
    CHECK(wx_module_export_count(m) == 4 && wx_module_import_count(m) == 0);
    wx_externdesc d;
    CHECK(wx_module_export(m, 3, &d) && strcmp(d.name, "mix") == 0 &&
          d.kind == WX_EXTERN_FUNC && d.func.nparams == 3 &&
          d.func.nresults == 3 && d.func.results[0] == WX_F64);
    CHECK(wx_module_func_name(m, 1) &&
          strcmp(wx_module_func_name(m, 1), "div") == 0);
    CHECK(wx_module_func_name(m, 99) == NULL);
    const uint8_t *data;
    size_t len;
    CHECK(wx_module_custom_section(m, "name", &data, &len) && len > 0);
    CHECK(!wx_module_custom_section(m, "nope", &data, &len));

    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst)
        goto out;
    CHECK(wx_instance_module(inst) == m);
    wx_wasm_func *add = wx_instance_func(inst, "add");
    CHECK(add && !wx_instance_func(inst, "nope"));
    wx_wasm_val args[2] = {wx_wasm_i32(40), wx_wasm_i32(2)}, res[3];
    CHECK(wx_call(add, args, 2, res, 1, &err) == WX_OK);
    CHECK(res[0].type == WX_I32 && res[0].of.i32 == 42);
    args[0] = wx_wasm_i32(-5);
    CHECK(wx_call(add, args, 2, res, 1, &err) == WX_OK && res[0].of.i32 == -3);

    wx_wasm_val mix[3] = {wx_wasm_i64(-7), wx_wasm_f32(1.5f), wx_wasm_f64(-2.5)};
    CHECK(wx_call(wx_instance_func(inst, "mix"), mix, 3, res, 3, &err) ==
          WX_OK);
    CHECK(res[0].type == WX_F64 && res[0].of.f64 == -2.5);
    CHECK(res[1].type == WX_F32 && res[1].of.f32 == 1.5f);
    CHECK(res[2].type == WX_I64 && res[2].of.i64 == -7);

    /* A trap names the function from the name section. */
    wx_wasm_func *div = wx_instance_func(inst, "div");
    args[1] = wx_wasm_i32(0);
    CHECK(wx_call(div, args, 2, res, 1, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_DIV_ZERO && err.func_index == 1);
    CHECK_MSG(strstr(err.message, "integer divide by zero") &&
                  strstr(err.message, "\"div\""),
              "%s", err.message);
    args[1] = wx_wasm_i32(2);
    CHECK(wx_call(div, args, 2, res, 1, &err) == WX_OK && res[0].of.i32 == -2);

    /* An interrupt stops an endless loop and stays until cleared. */
    wx_instance_interrupt(inst);
    CHECK(wx_call(wx_instance_func(inst, "spin"), NULL, 0, NULL, 0, &err) ==
          WX_EINTERRUPTED);
    wx_instance_clear_interrupt(inst);
    args[0] = wx_wasm_i32(1);
    CHECK(wx_call(add, args, 2, res, 1, &err) == WX_OK);

    /* The hot path, many times over: every call's result is right and
     * nothing leaks between calls. (Its speed is measured by make bench,
     * bench/wxbench.c, never asserted here.) */
    enum { N = 200000 };
    uint32_t acc = 0, want = 0;
    args[1] = wx_wasm_i32(0x7FFF0000);
    for (int i = 0; i < N; i++) {
        args[0] = wx_wasm_i32(i);
        if (wx_call(add, args, 2, res, 1, &err) != WX_OK)
            break;
        acc += (uint32_t)res[0].of.i32;
        want += (uint32_t)i + 0x7FFF0000u;
    }
    CHECK_MSG(acc == want, "sum of %d add results: %u, want %u", N, acc,
              want);
    wx_instance_set_userdata(inst, &acc);
    CHECK(wx_instance_userdata(inst) == &acc);
    wx_instance_free(inst);
out:
    wx_module_free(m);
}

/* Host callback for host.wat: reads the caller's memory, then calls back
 * into the same instance ("double") while the guest call is running. */
static wx_status host_cb(wx_host_ctx *ctx, const wx_wasm_val *args, wx_wasm_val *results,
                         void *env)
{
    (void)env;
    wx_instance *inst = wx_host_instance(ctx);
    wx_memory *mem = wx_host_memory(ctx);
    if (!inst || !mem)
        return wx_error_set(wx_host_error(ctx), WX_EHOST, "no caller");
    char buf[13] = {0};
    if (wx_memory_read(mem, 16, buf, 12, wx_host_error(ctx)) != WX_OK)
        return WX_EHOST;
    if (strcmp(buf, "hi from wasm") != 0)
        return wx_error_set(wx_host_error(ctx), WX_EHOST, "bad memory");
    if (args[0].of.i32 < 0)
        return wx_error_set(wx_host_error(ctx), WX_EEXIT, "exit");
    wx_wasm_val in = wx_wasm_i32(args[0].of.i32 + 1), out;
    wx_status s = wx_call(wx_instance_func(inst, "double"), &in, 1, &out, 1,
                          wx_host_error(ctx));
    if (s != WX_OK)
        return s;
    results[0] = out;
    return WX_OK;
}

static void test_host_import(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = LOAD(host);
    if (!m)
        return;
    wx_externdesc d;
    CHECK(wx_module_import(m, 0, &d) && d.kind == WX_EXTERN_FUNC &&
          strcmp(d.module, "env") == 0 && strcmp(d.name, "cb") == 0 &&
          d.func.nparams == 1 && d.func.params[0] == WX_I32);
    CHECK(wx_instantiate(m, NULL, NULL, &err) == NULL &&
          err.status == WX_EUNLINKABLE);

    wx_linker *l = wx_linker_new(&err);
    static const wx_valtype i32[] = {WX_I32};
    wx_functype ft = {1, 1, i32, i32};
    CHECK(wx_linker_define_func(l, "env", "cb", &ft, host_cb, NULL, &err) ==
          WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        wx_wasm_val a = wx_wasm_i32(20), r;
        CHECK_MSG(wx_call(wx_instance_func(inst, "run"), &a, 1, &r, 1, &err) ==
                      WX_OK,
                  "%s", err.message);
        CHECK(r.of.i32 == 42);
        /* Run it again: the nested call left the stack as it found it. */
        CHECK(wx_call(wx_instance_func(inst, "run"), &a, 1, &r, 1, &err) ==
                  WX_OK &&
              r.of.i32 == 42);
        a = wx_wasm_i32(-1);
        CHECK(wx_call(wx_instance_func(inst, "run"), &a, 1, &r, 1, &err) ==
              WX_EEXIT);
        a = wx_wasm_i32(1);
        CHECK(wx_call(wx_instance_func(inst, "run"), &a, 1, &r, 1, &err) ==
                  WX_OK &&
              r.of.i32 == 4);
        wx_memory *mem = wx_instance_memory(inst, 0);
        CHECK(mem && wx_instance_memory(inst, 1) == NULL);
        wx_extern e;
        CHECK(wx_instance_export(inst, "mem", &e) &&
              e.kind == WX_EXTERN_MEMORY && e.of.memory == mem);
    }
    wx_instance_free(inst);
    wx_linker_free(l);
    wx_module_free(m);
}

static void test_segments_start(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = LOAD(segs);
    if (!m)
        return;
    wx_linker *l = wx_linker_new(&err);
    wx_global *base = wx_global_new(wx_wasm_i32(200), false, &err);
    wx_linker_define(l, "env", "base",
                     (wx_extern){.kind = WX_EXTERN_GLOBAL, .of.global = base},
                     &err);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst)
        goto out;
    wx_extern e;
    /* The start function ran once. */
    CHECK(wx_instance_export(inst, "g", &e) && e.kind == WX_EXTERN_GLOBAL);
    CHECK(wx_global_get(e.of.global).of.i32 == 8);
    CHECK(wx_instance_export(inst, "h", &e) &&
          wx_global_get(e.of.global).of.i32 == 200);
    wx_wasm_func *f2 = wx_instance_func(inst, "f2");
    CHECK(wx_instance_export(inst, "fr", &e) &&
          wx_global_get(e.of.global).of.func == f2);

    /* Data segments, one at an offset from an imported global. */
    uint8_t *mem = wx_memory_data(wx_instance_memory(inst, 0));
    CHECK(memcmp(mem + 200, "abc", 3) == 0 &&
          memcmp(mem + 100, "xyz", 3) == 0);
    CHECK(inst->data_dropped[0] && inst->data_dropped[1]);
    CHECK(inst->elem_dropped[0] && inst->elem_dropped[1]);

    /* Element segments: the table holds the exported functions. */
    CHECK(wx_instance_export(inst, "tab", &e) && e.kind == WX_EXTERN_TABLE);
    wx_wasm_val v;
    CHECK(wx_table_get(e.of.table, 0, &v) && v.of.func == NULL);
    CHECK(wx_table_get(e.of.table, 1, &v) &&
          v.of.func == wx_instance_func(inst, "f1"));
    CHECK(wx_table_get(e.of.table, 2, &v) && v.of.func == f2);
    wx_wasm_val a = wx_wasm_i32(2), r;
    CHECK(wx_call(wx_instance_func(inst, "call"), &a, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == 22);
    a = wx_wasm_i32(0);
    CHECK(wx_call(wx_instance_func(inst, "call"), &a, 1, &r, 1, &err) ==
              WX_ETRAP &&
          err.trap == WX_TRAP_UNINITIALIZED_ELEMENT);
    a = wx_wasm_i32(201);
    CHECK(wx_call(wx_instance_func(inst, "load"), &a, 1, &r, 1, &err) ==
              WX_OK &&
          r.of.i32 == 'b');
    /* Calling a table entry from the host. */
    CHECK(wx_table_get(e.of.table, 1, &v) &&
          wx_call(v.of.func, NULL, 0, &r, 1, &err) == WX_OK && r.of.i32 == 11);

    /* Register the instance under a name; another instance of the same
     * module imports through it. */
    CHECK(wx_linker_define_instance(l, "M", inst, &err) == WX_OK);
    CHECK(wx_linker_lookup(l, "M", "f1", &e) && e.kind == WX_EXTERN_FUNC &&
          e.of.func == wx_instance_func(inst, "f1"));
    wx_instance_free(inst);
out:
    wx_linker_free(l);
    wx_module_free(m);
}

static void test_start_trap(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = LOAD(starttrap);
    if (!m)
        return;
    CHECK(wx_instantiate(m, NULL, NULL, &err) == NULL);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_UNREACHABLE);
    CHECK_MSG(strstr(err.message, "unreachable") != NULL, "%s", err.message);
    CHECK(wx_instantiate(m, NULL, NULL, NULL) == NULL);
    wx_module_free(m);
}

static void test_segment_traps(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *dm = LOAD(dataoob);
    wx_module *em = LOAD(elemoob);
    if (!dm || !em)
        goto out;
    wx_linker *l = wx_linker_new(&err);
    wx_memory *mem = wx_memory_new((wx_limits){.min = 1}, &err);
    wx_table *tab = wx_table_new(WX_FUNCREF, (wx_limits){.min = 2}, &err);
    wx_linker_define(l, "env", "mem",
                     (wx_extern){.kind = WX_EXTERN_MEMORY, .of.memory = mem},
                     &err);
    wx_linker_define(l, "env", "tab",
                     (wx_extern){.kind = WX_EXTERN_TABLE, .of.table = tab},
                     &err);

    /* The second data segment is out of bounds: instantiation fails, the
     * first segment's write into the imported memory stays. */
    CHECK(wx_instantiate(dm, l, NULL, &err) == NULL);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_MEMORY_OOB);
    CHECK_MSG(strstr(err.message, "out of bounds memory access") != NULL, "%s",
              err.message);
    CHECK(memcmp(wx_memory_data(mem), "ok", 2) == 0);
    CHECK(wx_memory_data(mem)[65535] == 0);

    /* Same with tables; the function written by the failed instantiation
     * stays callable (the linker keeps its instance alive). */
    CHECK(wx_instantiate(em, l, NULL, &err) == NULL);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_TABLE_OOB);
    CHECK_MSG(strstr(err.message, "out of bounds table access") != NULL, "%s",
              err.message);
    wx_wasm_val v, r;
    CHECK(wx_table_get(tab, 0, &v) && v.of.func != NULL);
    CHECK(wx_table_get(tab, 1, &v) && v.of.func == NULL);
    CHECK(wx_table_get(tab, 0, &v) &&
          wx_call(v.of.func, NULL, 0, &r, 1, &err) == WX_OK && r.of.i32 == 33);
    wx_linker_free(l);
out:
    wx_module_free(dm);
    wx_module_free(em);
}

static void test_limits(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *gm = LOAD(grow);
    wx_module *bm = LOAD(big);
    if (!gm || !bm)
        goto out;
    wx_instance_opts opts = {.max_memory_pages = 2};
    CHECK(wx_instantiate(bm, NULL, &opts, &err) == NULL &&
          err.status == WX_ELIMIT);
    wx_instance *inst = wx_instantiate(bm, NULL, NULL, &err);
    CHECK(inst && wx_memory_pages(wx_instance_memory(inst, 0)) == 3);
    wx_instance_free(inst);

    inst = wx_instantiate(gm, NULL, &opts, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        wx_wasm_func *grow = wx_instance_func(inst, "grow");
        wx_wasm_val a = wx_wasm_i32(1), r;
        CHECK(wx_call(grow, &a, 1, &r, 1, &err) == WX_OK && r.of.i32 == 1);
        CHECK(wx_call(grow, &a, 1, &r, 1, &err) == WX_OK && r.of.i32 == -1);
        CHECK(wx_memory_pages(wx_instance_memory(inst, 0)) == 2);
        wx_instance_free(inst);
    }
out:
    wx_module_free(gm);
    wx_module_free(bm);
}

static int32_t call_rec(wx_instance *inst, int32_t n, wx_status *s,
                        wx_error *err)
{
    wx_wasm_val a = wx_wasm_i32(n), r = wx_wasm_i32(-1);
    *s = wx_call(wx_instance_func(inst, "rec"), &a, 1, &r, 1, err);
    return r.of.i32;
}

static void test_call_depth(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = LOAD(rec);
    if (!m)
        return;
    wx_status s;
    /* Defaults: deep legitimate recursion works, runaway recursion traps
     * and leaves the instance usable. */
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK(call_rec(inst, 5000, &s, &err) == 5000 && s == WX_OK);
    call_rec(inst, 1000000, &s, &err);
    CHECK(s == WX_ETRAP && err.trap == WX_TRAP_STACK_EXHAUSTED);
    CHECK(call_rec(inst, 9000, &s, &err) == 9000 && s == WX_OK);
    wx_instance_free(inst);

    /* A call-depth limit. */
    wx_instance_opts opts = {.max_call_depth = 100};
    inst = wx_instantiate(m, NULL, &opts, &err);
    CHECK(call_rec(inst, 90, &s, &err) == 90 && s == WX_OK);
    call_rec(inst, 200, &s, &err);
    CHECK(s == WX_ETRAP && err.trap == WX_TRAP_STACK_EXHAUSTED);
    wx_instance_free(inst);

    /* A small value stack runs out before the depth limit. */
    opts = (wx_instance_opts){.stack_slots = 256};
    inst = wx_instantiate(m, NULL, &opts, &err);
    CHECK(call_rec(inst, 10, &s, &err) == 10 && s == WX_OK);
    call_rec(inst, 5000, &s, &err);
    CHECK(s == WX_ETRAP && err.trap == WX_TRAP_STACK_EXHAUSTED);
    wx_instance_free(inst);
    wx_module_free(m);
}

int main(void)
{
    test_host_call();
    test_trap_message();
    test_load_errors();
    test_add();
    test_host_import();
    test_segments_start();
    test_start_trap();
    test_segment_traps();
    test_limits();
    test_call_depth();
    return CHECK_DONE();
}
