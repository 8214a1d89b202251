/*
 * Multiple memories (WebAssembly 3.0): a store to memory 1 is seen there
 * and not in memory 0; memory.grow of one memory keeps the other's cached
 * base right (memory 0's base and size live in the interpreter's
 * registers); memory.copy between memories, within memory 1 (overlap) and
 * out of bounds on either side; memory.fill and memory.init of memory 1;
 * an active data segment for memory 1; imported memories as index 1,
 * distinct and the same memory imported twice; memory.size per memory;
 * the instance's page limit on every memory it defines; fuel charged by
 * chunk in memory 1's bulk operations; traps naming the function and the
 * instruction. Built with wat2wasm 1.0.32
 * --enable-multi-memory:
 *
 * (module
 *   (memory $m0 (export "mem0") 1 8)
 *   (memory $m1 (export "mem1") 1 8)
 *   (data (memory $m1) (i32.const 16) "hello")
 *   (data $p "0123456789")
 *   (func (export "store0") (param i32 i32)
 *     (i32.store $m0 (local.get 0) (local.get 1)))
 *   (func (export "store1") (param i32 i32)
 *     (i32.store $m1 (local.get 0) (local.get 1)))
 *   (func (export "load0") (param i32) (result i32)
 *     (i32.load $m0 (local.get 0)))
 *   (func (export "load1") (param i32) (result i32)
 *     (i32.load $m1 (local.get 0)))
 *   (func (export "load1_8u") (param i32) (result i32)
 *     (i32.load8_u $m1 offset=1 (local.get 0)))
 *   (func (export "i64_1") (param i32 i64) (result i64)
 *     (i64.store16 $m1 offset=3 (local.get 0) (local.get 1))
 *     (i64.load16_s $m1 offset=3 (local.get 0)))
 *   (func (export "size0") (result i32) (memory.size $m0))
 *   (func (export "size1") (result i32) (memory.size $m1))
 *   (func (export "grow0") (param i32) (result i32)
 *     (memory.grow $m0 (local.get 0)))
 *   (func (export "grow1") (param i32) (result i32)
 *     (memory.grow $m1 (local.get 0)))
 *   (func (export "grow1_between") (param $a i32) (param $v i32) (result i32)
 *     (local $at i32)
 *     (i32.store $m0 (local.get $a) (local.get $v))
 *     (local.set $at
 *       (i32.mul (memory.grow $m1 (i32.const 1)) (i32.const 65536)))
 *     (i32.store $m1 (local.get $at) (i32.load $m0 (local.get $a)))
 *     (i32.add (i32.load $m0 (local.get $a)) (i32.load $m1 (local.get $at))))
 *   (func (export "grow0_between") (param $a i32) (param $v i32) (result i32)
 *     (local $at i32)
 *     (i32.store $m1 (local.get $a) (local.get $v))
 *     (local.set $at
 *       (i32.mul (memory.grow $m0 (i32.const 1)) (i32.const 65536)))
 *     (i32.store $m0 (local.get $at) (i32.load $m1 (local.get $a)))
 *     (i32.add (i32.load $m1 (local.get $a)) (i32.load $m0 (local.get $at))))
 *   (func (export "copy_0_to_1") (param i32 i32 i32)
 *     (memory.copy $m1 $m0 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "copy_1_to_0") (param i32 i32 i32)
 *     (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "copy_1_to_1") (param i32 i32 i32)
 *     (memory.copy $m1 $m1 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "fill1") (param i32 i32 i32)
 *     (memory.fill $m1 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "init1") (param i32 i32 i32)
 *     (memory.init $m1 $p (local.get 0) (local.get 1) (local.get 2))))
 *
 * (module
 *   (import "lib" "a" (memory $a 1))
 *   (import "lib" "b" (memory $b 1))
 *   (func (export "store_b") (param i32 i32)
 *     (i32.store $b (local.get 0) (local.get 1)))
 *   (func (export "load_a") (param i32) (result i32)
 *     (i32.load $a (local.get 0)))
 *   (func (export "load_b") (param i32) (result i32)
 *     (i32.load $b (local.get 0)))
 *   (func (export "size_a") (result i32) (memory.size $a))
 *   (func (export "size_b") (result i32) (memory.size $b))
 *   (func (export "grow_b_load_a") (param i32) (result i32)
 *     (drop (memory.grow $b (i32.const 1)))
 *     (i32.load $a (local.get 0))))
 *
 * (module
 *   (memory (export "a") 1 4)
 *   (memory (export "b") 1 4))
 *
 * (module
 *   (memory (export "a") (export "b") 1 4))
 *
 * (module (memory 1) (memory 3))
 */
#include "check.h"
#include "load.h"
#include "runtime.h"
#include "wasmext/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t main_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x21, 0x06, 0x60,
    0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f,
    0x7e, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x03, 0x12, 0x11, 0x00, 0x00,
    0x01, 0x01, 0x01, 0x02, 0x03, 0x03, 0x01, 0x01, 0x04, 0x04, 0x05, 0x05,
    0x05, 0x05, 0x05, 0x05, 0x07, 0x02, 0x01, 0x01, 0x08, 0x01, 0x01, 0x08,
    0x07, 0xbe, 0x01, 0x13, 0x04, 0x6d, 0x65, 0x6d, 0x30, 0x02, 0x00, 0x04,
    0x6d, 0x65, 0x6d, 0x31, 0x02, 0x01, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x30, 0x00, 0x00, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x00, 0x01,
    0x05, 0x6c, 0x6f, 0x61, 0x64, 0x30, 0x00, 0x02, 0x05, 0x6c, 0x6f, 0x61,
    0x64, 0x31, 0x00, 0x03, 0x08, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x5f, 0x38,
    0x75, 0x00, 0x04, 0x05, 0x69, 0x36, 0x34, 0x5f, 0x31, 0x00, 0x05, 0x05,
    0x73, 0x69, 0x7a, 0x65, 0x30, 0x00, 0x06, 0x05, 0x73, 0x69, 0x7a, 0x65,
    0x31, 0x00, 0x07, 0x05, 0x67, 0x72, 0x6f, 0x77, 0x30, 0x00, 0x08, 0x05,
    0x67, 0x72, 0x6f, 0x77, 0x31, 0x00, 0x09, 0x0d, 0x67, 0x72, 0x6f, 0x77,
    0x31, 0x5f, 0x62, 0x65, 0x74, 0x77, 0x65, 0x65, 0x6e, 0x00, 0x0a, 0x0d,
    0x67, 0x72, 0x6f, 0x77, 0x30, 0x5f, 0x62, 0x65, 0x74, 0x77, 0x65, 0x65,
    0x6e, 0x00, 0x0b, 0x0b, 0x63, 0x6f, 0x70, 0x79, 0x5f, 0x30, 0x5f, 0x74,
    0x6f, 0x5f, 0x31, 0x00, 0x0c, 0x0b, 0x63, 0x6f, 0x70, 0x79, 0x5f, 0x31,
    0x5f, 0x74, 0x6f, 0x5f, 0x30, 0x00, 0x0d, 0x0b, 0x63, 0x6f, 0x70, 0x79,
    0x5f, 0x31, 0x5f, 0x74, 0x6f, 0x5f, 0x31, 0x00, 0x0e, 0x05, 0x66, 0x69,
    0x6c, 0x6c, 0x31, 0x00, 0x0f, 0x05, 0x69, 0x6e, 0x69, 0x74, 0x31, 0x00,
    0x10, 0x0c, 0x01, 0x02, 0x0a, 0xf6, 0x01, 0x11, 0x09, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x36, 0x42, 0x01, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00,
    0x0b, 0x08, 0x00, 0x20, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b, 0x08, 0x00,
    0x20, 0x00, 0x2d, 0x40, 0x01, 0x01, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x3d, 0x41, 0x01, 0x03, 0x20, 0x00, 0x32, 0x41, 0x01, 0x03, 0x0b,
    0x04, 0x00, 0x3f, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x01, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x40, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x01, 0x0b,
    0x2d, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x41,
    0x01, 0x40, 0x01, 0x41, 0x80, 0x80, 0x04, 0x6c, 0x21, 0x02, 0x20, 0x02,
    0x20, 0x00, 0x28, 0x02, 0x00, 0x36, 0x42, 0x01, 0x00, 0x20, 0x00, 0x28,
    0x02, 0x00, 0x20, 0x02, 0x28, 0x42, 0x01, 0x00, 0x6a, 0x0b, 0x2e, 0x01,
    0x01, 0x7f, 0x20, 0x00, 0x20, 0x01, 0x36, 0x42, 0x01, 0x00, 0x41, 0x01,
    0x40, 0x00, 0x41, 0x80, 0x80, 0x04, 0x6c, 0x21, 0x02, 0x20, 0x02, 0x20,
    0x00, 0x28, 0x42, 0x01, 0x00, 0x36, 0x02, 0x00, 0x20, 0x00, 0x28, 0x42,
    0x01, 0x00, 0x20, 0x02, 0x28, 0x02, 0x00, 0x6a, 0x0b, 0x0c, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x01, 0x00, 0x0b, 0x0c, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x01, 0x0b, 0x0c,
    0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x01, 0x01, 0x0b,
    0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x01, 0x0b,
    0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x08, 0x01, 0x01,
    0x0b, 0x0b, 0x18, 0x02, 0x02, 0x01, 0x41, 0x10, 0x0b, 0x05, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x01, 0x0a, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36,
    0x37, 0x38, 0x39,
};

static const uint8_t imp_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
    0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01,
    0x7f, 0x02, 0x13, 0x02, 0x03, 0x6c, 0x69, 0x62, 0x01, 0x61, 0x02, 0x00,
    0x01, 0x03, 0x6c, 0x69, 0x62, 0x01, 0x62, 0x02, 0x00, 0x01, 0x03, 0x07,
    0x06, 0x00, 0x01, 0x01, 0x02, 0x02, 0x01, 0x07, 0x3f, 0x06, 0x07, 0x73,
    0x74, 0x6f, 0x72, 0x65, 0x5f, 0x62, 0x00, 0x00, 0x06, 0x6c, 0x6f, 0x61,
    0x64, 0x5f, 0x61, 0x00, 0x01, 0x06, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x62,
    0x00, 0x02, 0x06, 0x73, 0x69, 0x7a, 0x65, 0x5f, 0x61, 0x00, 0x03, 0x06,
    0x73, 0x69, 0x7a, 0x65, 0x5f, 0x62, 0x00, 0x04, 0x0d, 0x67, 0x72, 0x6f,
    0x77, 0x5f, 0x62, 0x5f, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x61, 0x00, 0x05,
    0x0a, 0x34, 0x06, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x42, 0x01,
    0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x08, 0x00,
    0x20, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b,
    0x04, 0x00, 0x3f, 0x01, 0x0b, 0x0c, 0x00, 0x41, 0x01, 0x40, 0x01, 0x1a,
    0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
};

static const uint8_t two_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x07, 0x02, 0x01,
    0x01, 0x04, 0x01, 0x01, 0x04, 0x07, 0x09, 0x02, 0x01, 0x61, 0x02, 0x00,
    0x01, 0x62, 0x02, 0x01,
};

static const uint8_t one_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x04, 0x01, 0x01,
    0x01, 0x04, 0x07, 0x09, 0x02, 0x01, 0x61, 0x02, 0x00, 0x01, 0x62, 0x02,
    0x00,
};

static const uint8_t big_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x05, 0x02, 0x00,
    0x01, 0x00, 0x03,
};

#define PAGE 65536u

/* Calls export `name` of `inst` with up to three i32 arguments; the first
 * result (if any) in *out. */
static wx_status call(wx_instance *inst, const char *name, const int32_t *a,
                      size_t n, int32_t *out, wx_error *err)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    CHECK_MSG(f != NULL, "no export %s", name);
    if (!f)
        return WX_ENOEXPORT;
    wx_wasm_val args[3], r[1];
    for (size_t i = 0; i < n; i++)
        args[i] = wx_wasm_i32(a[i]);
    memset(r, 0, sizeof r);
    wx_error_clear(err);
    wx_status s = wx_call(f, args, n, r, wx_wasm_func_type(f)->nresults, err);
    if (out)
        *out = r[0].of.i32;
    return s;
}

static int32_t call0(wx_instance *inst, const char *name)
{
    wx_error err;
    int32_t r = -12345;
    CHECK_MSG(call(inst, name, NULL, 0, &r, &err) == WX_OK, "%s: %s", name,
              err.message);
    return r;
}

static int32_t call1(wx_instance *inst, const char *name, int32_t a)
{
    wx_error err;
    int32_t r = -12345;
    CHECK_MSG(call(inst, name, &a, 1, &r, &err) == WX_OK, "%s: %s", name,
              err.message);
    return r;
}

static int32_t call2(wx_instance *inst, const char *name, int32_t a,
                     int32_t b)
{
    wx_error err;
    int32_t r = -12345, args[2] = {a, b};
    CHECK_MSG(call(inst, name, args, 2, &r, &err) == WX_OK, "%s: %s", name,
              err.message);
    return r;
}

static void call3(wx_instance *inst, const char *name, int32_t a, int32_t b,
                  int32_t c)
{
    wx_error err;
    int32_t args[3] = {a, b, c};
    CHECK_MSG(call(inst, name, args, 3, NULL, &err) == WX_OK, "%s: %s", name,
              err.message);
}

/* Whether export `name` called with `a` traps out of bounds in itself, at
 * an instruction whose first byte is `opcode`. */
static bool traps_oob(wx_instance *inst, const char *name, const int32_t *a,
                      size_t n, uint8_t opcode)
{
    wx_error err;
    if (call(inst, name, a, n, NULL, &err) != WX_ETRAP ||
        err.trap != WX_TRAP_MEMORY_OOB)
        return false;
    const wx_wasm_func *f = wx_instance_func(inst, name);
    return err.func_index == f->index && err.offset < sizeof main_wasm &&
           main_wasm[err.offset] == opcode;
}

static uint32_t read_u32(wx_memory *mem, uint64_t at)
{
    uint32_t v = 0xdeadbeef;
    wx_error err;
    CHECK_MSG(wx_memory_read(mem, at, &v, 4, &err) == WX_OK, "%s",
              err.message);
    return v;
}

static bool bytes_are(wx_memory *mem, uint64_t at, const void *want,
                      size_t n)
{
    return at + n <= wx_memory_size(mem) &&
           memcmp(wx_memory_data(mem) + at, want, n) == 0;
}

static bool all_zero(wx_memory *mem, uint64_t at, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (wx_memory_data(mem)[at + i] != 0)
            return false;
    return true;
}

static wx_instance *instantiate(const uint8_t *bytes, size_t len,
                                wx_linker *l, uint32_t max_pages,
                                wx_module **mod)
{
    wx_error err;
    *mod = load(bytes, len);
    if (!*mod)
        return NULL;
    wx_instance_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.max_memory_pages = max_pages;
    wx_instance *inst = wx_instantiate(*mod, l, &opts, &err);
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    return inst;
}

/* Stores and loads on each memory, the data segment of memory 1, the
 * exports, memory.size, and traps of memory 1's accesses. */
static void test_access(wx_instance *inst)
{
    wx_memory *m0 = wx_instance_memory(inst, 0);
    wx_memory *m1 = wx_instance_memory(inst, 1);
    CHECK(m0 && m1 && m0 != m1);
    CHECK(wx_instance_memory(inst, 2) == NULL);
    wx_extern e;
    CHECK(wx_instance_export(inst, "mem1", &e) &&
          e.kind == WX_EXTERN_MEMORY && e.of.memory == m1);
    CHECK(wx_instance_export(inst, "mem0", &e) &&
          e.kind == WX_EXTERN_MEMORY && e.of.memory == m0);

    call2(inst, "store1", 8, 0x11223344);
    CHECK(call1(inst, "load1", 8) == 0x11223344);
    CHECK(call1(inst, "load0", 8) == 0);
    CHECK(read_u32(m1, 8) == 0x11223344 && read_u32(m0, 8) == 0);
    call2(inst, "store0", 8, 5);
    CHECK(call1(inst, "load0", 8) == 5);
    CHECK(call1(inst, "load1", 8) == 0x11223344);
    /* A 64-bit store16/load16_s pair with an offset on memory 1. */
    wx_error err;
    wx_wasm_func *f = wx_instance_func(inst, "i64_1");
    wx_wasm_val args[2] = {wx_wasm_i32(100), wx_wasm_i64(-2)}, r[1];
    CHECK(f && wx_call(f, args, 2, r, 1, &err) == WX_OK && r[0].of.i64 == -2);
    CHECK(all_zero(m0, 100, 8));

    /* The active segment went to memory 1 only. */
    CHECK(bytes_are(m1, 16, "hello", 5));
    CHECK(all_zero(m0, 16, 5));
    CHECK(call1(inst, "load1_8u", 15) == 'h');

    CHECK(call0(inst, "size0") == 1 && call0(inst, "size1") == 1);

    /* Bounds of memory 1 (one page): the last word reads, past it traps
     * in the function, at the load or store. */
    CHECK(call1(inst, "load1", PAGE - 4) == 0);
    int32_t a = PAGE - 3, sa[2] = {PAGE - 2, 1}, b = PAGE - 1;
    CHECK(traps_oob(inst, "load1", &a, 1, 0x28));
    CHECK(traps_oob(inst, "store1", sa, 2, 0x36));
    CHECK(traps_oob(inst, "load1_8u", &b, 1, 0x2d));
}

/* memory.grow of one memory while the other's accesses go on in the same
 * function (memory 0's base and size are cached by the interpreter). */
static void test_grow(wx_instance *inst)
{
    wx_memory *m0 = wx_instance_memory(inst, 0);
    wx_memory *m1 = wx_instance_memory(inst, 1);
    /* Grows memory 1 to 2 pages and copies a word of memory 0 into its
     * new page: 77 twice. */
    CHECK(call2(inst, "grow1_between", 4, 77) == 2 * 77);
    CHECK(call0(inst, "size1") == 2 && call0(inst, "size0") == 1);
    CHECK(wx_memory_pages(m1) == 2 && wx_memory_pages(m0) == 1);
    CHECK(read_u32(m1, PAGE) == 77);
    /* The other way round: memory 0 grows, memory 1's word is copied. */
    CHECK(call2(inst, "grow0_between", 4, 33) == 2 * 33);
    CHECK(call0(inst, "size0") == 2 && call0(inst, "size1") == 2);
    CHECK(read_u32(m0, PAGE) == 33 && read_u32(m1, 4) == 33);
    CHECK(call1(inst, "load0", PAGE) == 33);
    CHECK(call1(inst, "grow1", 0) == 2 && call1(inst, "grow0", 0) == 2);
}

/* Copies between the memories and within memory 1, fill and init. Runs
 * after test_grow: both memories have 2 pages. */
static void test_bulk(wx_instance *inst)
{
    wx_memory *m0 = wx_instance_memory(inst, 0);
    wx_memory *m1 = wx_instance_memory(inst, 1);
    wx_error err;
    uint32_t size0 = (uint32_t)wx_memory_size(m0);
    uint32_t size1 = (uint32_t)wx_memory_size(m1);
    CHECK(wx_memory_write(m0, 1000, "abcdefgh", 8, &err) == WX_OK);
    call3(inst, "copy_0_to_1", 2000, 1000, 8);
    CHECK(bytes_are(m1, 2000, "abcdefgh", 8) && all_zero(m0, 2000, 8));
    call3(inst, "copy_1_to_0", 3000, 2000, 8);
    CHECK(bytes_are(m0, 3000, "abcdefgh", 8) && all_zero(m1, 3000, 8));
    /* Overlap within memory 1, forwards and backwards. */
    call3(inst, "copy_1_to_1", 2002, 2000, 8);
    CHECK(bytes_are(m1, 2000, "ababcdefgh", 10));
    call3(inst, "copy_1_to_1", 2000, 2002, 8);
    CHECK(bytes_are(m1, 2000, "abcdefghgh", 10));

    /* Overlapping copies longer than a chunk (64 KiB), compared with
     * memmove on a copy of the memory. */
    uint8_t *want = malloc(size1);
    CHECK(want != NULL);
    if (want) {
        for (uint32_t i = 0; i < size1; i++)
            wx_memory_data(m1)[i] = (uint8_t)(i * 7 + i / 251);
        memcpy(want, wx_memory_data(m1), size1);
        call3(inst, "copy_1_to_1", 100, 0, 70000);
        memmove(want + 100, want, 70000);
        CHECK(memcmp(want, wx_memory_data(m1), size1) == 0);
        call3(inst, "copy_1_to_1", 3, 103, 70000);
        memmove(want + 3, want + 103, 70000);
        CHECK(memcmp(want, wx_memory_data(m1), size1) == 0);
        free(want);
    }

    /* Out of bounds on either side traps before writing anything. */
    memset(wx_memory_data(m1), 0, 16);
    memset(wx_memory_data(m1) + size1 - 4, 0, 4);
    memset(wx_memory_data(m0), 0x5a, 16);
    int32_t src_out[3] = {0, (int32_t)(size0 - 4), 8};
    int32_t dst_out[3] = {(int32_t)(size1 - 4), 0, 8};
    CHECK(traps_oob(inst, "copy_0_to_1", src_out, 3, 0xfc));
    CHECK(traps_oob(inst, "copy_0_to_1", dst_out, 3, 0xfc));
    CHECK(all_zero(m1, 0, 16) && all_zero(m1, size1 - 4, 4));
    int32_t src1_out[3] = {0, (int32_t)(size1 - 4), 8};
    int32_t dst0_out[3] = {(int32_t)(size0 - 4), 0, 8};
    memset(wx_memory_data(m0) + size0 - 4, 0, 4);
    CHECK(traps_oob(inst, "copy_1_to_0", src1_out, 3, 0xfc));
    CHECK(traps_oob(inst, "copy_1_to_0", dst0_out, 3, 0xfc));
    CHECK(all_zero(m0, size0 - 4, 4));
    CHECK(wx_memory_data(m0)[0] == 0x5a);
    /* At the very end is still in bounds. */
    call3(inst, "copy_0_to_1", (int32_t)(size1 - 4), 0, 4);
    CHECK(bytes_are(m1, size1 - 4, "\x5a\x5a\x5a\x5a", 4));

    /* memory.fill and memory.init of memory 1. */
    call3(inst, "fill1", 500, 0xab, 10);
    CHECK(bytes_are(m1, 500, "\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab", 10));
    CHECK(all_zero(m0, 500, 10));
    int32_t fill_out[3] = {(int32_t)(size1 - 1), 1, 2};
    CHECK(traps_oob(inst, "fill1", fill_out, 3, 0xfc));
    CHECK(wx_memory_data(m1)[size1 - 1] == 0x5a);
    call3(inst, "init1", 600, 2, 5);
    CHECK(bytes_are(m1, 600, "23456", 5) && all_zero(m0, 600, 5));
    int32_t init_out[3] = {(int32_t)(size1 - 2), 0, 5};
    CHECK(traps_oob(inst, "init1", init_out, 3, 0xfc));
    CHECK(wx_memory_data(m1)[size1 - 2] == 0x5a);
}

/* Bulk operations of memory 1 are charged fuel by chunk (64 KiB) as
 * memory 0's: 8 pages cost 8 units more than none, and run out of fuel
 * when fewer are left. Runs last on the main instance. */
static void test_fuel(wx_instance *inst)
{
    wx_error err;
    int32_t pages = call0(inst, "size1");
    CHECK(call1(inst, "grow1", 8 - pages) == pages);
    uint64_t used[2];
    for (int k = 0; k < 2; k++) {
        wx_instance_set_fuel(inst, 1000);
        int32_t a[3] = {0, 7, k ? (int32_t)(8 * PAGE) : 0};
        CHECK_MSG(call(inst, "fill1", a, 3, NULL, &err) == WX_OK, "%s",
                  err.message);
        used[k] = 1000 - wx_instance_fuel_left(inst);
    }
    CHECK(used[1] - used[0] == 8);
    int32_t c[3] = {0, (int32_t)(4 * PAGE), (int32_t)(4 * PAGE)};
    wx_instance_set_fuel(inst, 1000);
    CHECK(call(inst, "copy_1_to_1", c, 3, NULL, &err) == WX_OK);
    CHECK(1000 - wx_instance_fuel_left(inst) == used[0] + 4);
    /* Fuel for the call and 3 chunks: the fill stops, the fuel is 0. */
    wx_instance_set_fuel(inst, used[0] + 3);
    int32_t a[3] = {0, 9, (int32_t)(8 * PAGE)};
    CHECK(call(inst, "fill1", a, 3, NULL, &err) == WX_ELIMIT &&
          err.trap == WX_TRAP_NONE && wx_instance_fuel_left(inst) == 0);
    wx_instance_set_fuel(inst, 0);
    CHECK(call1(inst, "load1", 0) == 0x09090909);
}

/* Memories imported as 0 and 1: two distinct ones, then one memory
 * imported twice, where growing "memory 1" grows memory 0 too. */
static void test_imports(const uint8_t *lib_bytes, size_t lib_len,
                         bool same)
{
    wx_error err;
    wx_module *lib_mod = NULL, *imp_mod = NULL;
    wx_linker *l = wx_linker_new(&err);
    CHECK(l != NULL);
    if (!l)
        return;
    wx_instance *lib = instantiate(lib_bytes, lib_len, NULL, 0, &lib_mod);
    CHECK(lib && wx_linker_define_instance(l, "lib", lib, &err) == WX_OK);
    wx_instance *inst =
        lib ? instantiate(imp_wasm, sizeof imp_wasm, l, 0, &imp_mod) : NULL;
    if (inst) {
        wx_extern a, b;
        CHECK(wx_instance_export(lib, "a", &a) &&
              wx_instance_export(lib, "b", &b));
        CHECK(wx_instance_memory(inst, 0) == a.of.memory);
        CHECK(wx_instance_memory(inst, 1) == b.of.memory);
        CHECK((a.of.memory == b.of.memory) == same);
        call2(inst, "store_b", 0, 42);
        CHECK(read_u32(b.of.memory, 0) == 42);
        CHECK(call1(inst, "load_b", 0) == 42);
        CHECK(call1(inst, "load_a", 0) == (same ? 42 : 0));
        CHECK(call0(inst, "size_a") == 1 && call0(inst, "size_b") == 1);
        /* Grows b, then reads a's second page: in bounds only when a is
         * b (memory 0's cached size must follow). */
        wx_error e2;
        int32_t at = PAGE, r = -1;
        wx_status s = call(inst, "grow_b_load_a", &at, 1, &r, &e2);
        if (same)
            CHECK_MSG(s == WX_OK && r == 0, "%s", e2.message);
        else
            CHECK(s == WX_ETRAP && e2.trap == WX_TRAP_MEMORY_OOB);
        CHECK(call0(inst, "size_b") == 2);
        CHECK(call0(inst, "size_a") == (same ? 2 : 1));
        if (same) {
            call2(inst, "store_b", PAGE + 8, 9);
            CHECK(call1(inst, "load_a", PAGE + 8) == 9);
        }
        wx_instance_free(inst);
    }
    wx_module_free(imp_mod);
    wx_linker_free(l);
    if (lib)
        wx_instance_free(lib);
    wx_module_free(lib_mod);
}

/* The instance's page limit bounds every memory it defines: grows past it
 * give -1, and a declared minimum above it fails instantiation. */
static void test_limit(void)
{
    wx_module *mod = NULL;
    wx_instance *inst = instantiate(main_wasm, sizeof main_wasm, NULL, 2,
                                    &mod);
    if (inst) {
        CHECK(call1(inst, "grow1", 1) == 1);
        CHECK(call1(inst, "grow1", 1) == -1);
        CHECK(call0(inst, "size1") == 2);
        CHECK(call1(inst, "grow0", 1) == 1);
        CHECK(call1(inst, "grow0", 1) == -1);
        CHECK(call0(inst, "size0") == 2);
        wx_instance_free(inst);
    }
    wx_module_free(mod);

    wx_error err;
    wx_module *big = load(big_wasm, sizeof big_wasm);
    if (big) {
        wx_instance_opts opts;
        memset(&opts, 0, sizeof opts);
        opts.max_memory_pages = 2;
        wx_instance *bi = wx_instantiate(big, NULL, &opts, &err);
        CHECK(bi == NULL && err.status == WX_ELIMIT);
        CHECK_MSG(strstr(err.message, "3 pages") != NULL, "%s", err.message);
        if (bi)
            wx_instance_free(bi);
        opts.max_memory_pages = 3;
        bi = wx_instantiate(big, NULL, &opts, &err);
        CHECK_MSG(bi != NULL, "%s", err.message);
        if (bi) {
            CHECK(wx_memory_pages(wx_instance_memory(bi, 1)) == 3);
            wx_instance_free(bi);
        }
        wx_module_free(big);
    }
}

/* By the 2.0 rules, a second memory is refused at load. */
static void test_wasm2_refuses(void)
{
    wx_error err;
    wx_load_opts lo = {WX_LOAD_WASM2};
    wx_module *m = wx_module_load(big_wasm, sizeof big_wasm, &lo, &err);
    CHECK(m == NULL && err.status == WX_EINVALID);
    CHECK_MSG(strstr(err.message, "multiple memories") != NULL, "%s",
              err.message);
    if (m)
        wx_module_free(m);
}

int main(void)
{
    wx_module *mod = NULL;
    wx_instance *inst = instantiate(main_wasm, sizeof main_wasm, NULL, 0,
                                    &mod);
    if (inst) {
        test_access(inst);
        test_grow(inst);
        test_bulk(inst);
        test_fuel(inst);
        wx_instance_free(inst);
    }
    wx_module_free(mod);
    test_imports(two_wasm, sizeof two_wasm, false);
    test_imports(one_wasm, sizeof one_wasm, true);
    test_limit();
    test_wasm2_refuses();
    return CHECK_DONE();
}
