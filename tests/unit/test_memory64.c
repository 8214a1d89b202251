/*
 * 64-bit memories and tables (WebAssembly 3.0, memory64 and table64):
 * loads and stores of every width at a 64-bit memory's last valid address
 * and one past it (a trap naming the function and the instruction);
 * addresses and offsets whose sum wraps past 2^64, and addresses past
 * 2^32 that would alias low memory if cut to 32 bits, all trapping;
 * memory.grow with an i64 delta and result, -1 past the engine's 4 GiB
 * cap, the instance's page limit and the memory budget; memory.copy
 * between a 32- and a 64-bit memory and memory.fill, in and out of
 * bounds; a 64-bit table with call_indirect, return_call_indirect,
 * table.grow, table.fill and table.get; imports whose address type
 * differs refused as unlinkable; the address type in the API. Built with
 * wasm-tools 1.263.0 json-from-wast (wabt 1.0.32 has no 64-bit tables):
 *
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (memory $m (export "mem") i64 1 0x1_0000_0000_0000)
 *   (memory $s (export "mem32") 1 4)
 *   (table $t (export "tab") i64 2 funcref)
 *   (elem (table $t) (i64.const 0) func $seven $eight)
 *   (data (memory $m) (i64.const 16) "wasm64")
 *   (func $seven (type $ii) (i32.add (local.get 0) (i32.const 7)))
 *   (func $eight (type $ii) (i32.add (local.get 0) (i32.const 8)))
 *   (func (export "i32.load") (param i64) (result i32)
 *     (i32.load (local.get 0)))
 *   (func (export "i64.load") (param i64) (result i64)
 *     (i64.load (local.get 0)))
 *   (func (export "f32.load") (param i64) (result f32)
 *     (f32.load (local.get 0)))
 *   (func (export "f64.load") (param i64) (result f64)
 *     (f64.load (local.get 0)))
 *   (func (export "i32.load8_s") (param i64) (result i32)
 *     (i32.load8_s (local.get 0)))
 *   (func (export "i32.load8_u") (param i64) (result i32)
 *     (i32.load8_u (local.get 0)))
 *   (func (export "i32.load16_s") (param i64) (result i32)
 *     (i32.load16_s (local.get 0)))
 *   (func (export "i32.load16_u") (param i64) (result i32)
 *     (i32.load16_u (local.get 0)))
 *   (func (export "i64.load8_s") (param i64) (result i64)
 *     (i64.load8_s (local.get 0)))
 *   (func (export "i64.load8_u") (param i64) (result i64)
 *     (i64.load8_u (local.get 0)))
 *   (func (export "i64.load16_s") (param i64) (result i64)
 *     (i64.load16_s (local.get 0)))
 *   (func (export "i64.load16_u") (param i64) (result i64)
 *     (i64.load16_u (local.get 0)))
 *   (func (export "i64.load32_s") (param i64) (result i64)
 *     (i64.load32_s (local.get 0)))
 *   (func (export "i64.load32_u") (param i64) (result i64)
 *     (i64.load32_u (local.get 0)))
 *   (func (export "i32.store") (param i64 i32)
 *     (i32.store (local.get 0) (local.get 1)))
 *   (func (export "i64.store") (param i64 i64)
 *     (i64.store (local.get 0) (local.get 1)))
 *   (func (export "f32.store") (param i64 f32)
 *     (f32.store (local.get 0) (local.get 1)))
 *   (func (export "f64.store") (param i64 f64)
 *     (f64.store (local.get 0) (local.get 1)))
 *   (func (export "i32.store8") (param i64 i32)
 *     (i32.store8 (local.get 0) (local.get 1)))
 *   (func (export "i32.store16") (param i64 i32)
 *     (i32.store16 (local.get 0) (local.get 1)))
 *   (func (export "i64.store8") (param i64 i64)
 *     (i64.store8 (local.get 0) (local.get 1)))
 *   (func (export "i64.store16") (param i64 i64)
 *     (i64.store16 (local.get 0) (local.get 1)))
 *   (func (export "i64.store32") (param i64 i64)
 *     (i64.store32 (local.get 0) (local.get 1)))
 *   (func (export "load8_off_max") (param i64) (result i32)
 *     (i32.load8_u offset=0xFFFF_FFFF_FFFF_FFFF (local.get 0)))
 *   (func (export "load8_off_4g") (param i64) (result i32)
 *     (i32.load8_u offset=0x1_0000_0000 (local.get 0)))
 *   (func (export "store_off_max") (param i64 i32)
 *     (i32.store offset=0xFFFF_FFFF_FFFF_FFFC (local.get 0) (local.get 1)))
 *   (func (export "size") (result i64) (memory.size $m))
 *   (func (export "grow") (param i64) (result i64)
 *     (memory.grow $m (local.get 0)))
 *   (func (export "fill") (param i64 i32 i64)
 *     (memory.fill $m (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "copy_32_to_64") (param i64 i32 i32)
 *     (memory.copy $m $s (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "copy_64_to_32") (param i32 i64 i32)
 *     (memory.copy $s $m (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "copy_64") (param i64 i64 i64)
 *     (memory.copy $m $m (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "call") (param i64 i32) (result i32)
 *     (call_indirect $t (type $ii) (local.get 1) (local.get 0)))
 *   (func (export "tail_call") (param i64 i32) (result i32)
 *     (return_call_indirect $t (type $ii) (local.get 1) (local.get 0)))
 *   (func (export "table_size") (result i64) (table.size $t))
 *   (func (export "table_grow") (param i64) (result i64)
 *     (table.grow $t (ref.func $seven) (local.get 0)))
 *   (func (export "table_fill") (param i64 i64)
 *     (table.fill $t (local.get 0) (ref.null func) (local.get 1)))
 *   (func (export "table_is_null") (param i64) (result i32)
 *     (ref.is_null (table.get $t (local.get 0)))))
 *
 * and, one module each:
 *
 * (module (import "lib" "mem" (memory i64 1)))
 * (module (import "lib" "tab" (table i64 1 funcref)))
 * (module (import "lib" "mem" (memory 1)))
 * (module (memory i64 70000))
 */
#include "check.h"
#include "load.h"
#include "runtime.h"
#include "wasmext/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PAGE 65536u

static const uint8_t main_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x50, 0x0f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7e, 0x01, 0x7f, 0x60, 0x01, 0x7e,
    0x01, 0x7e, 0x60, 0x01, 0x7e, 0x01, 0x7d, 0x60, 0x01, 0x7e, 0x01, 0x7c,
    0x60, 0x02, 0x7e, 0x7f, 0x00, 0x60, 0x02, 0x7e, 0x7e, 0x00, 0x60, 0x02,
    0x7e, 0x7d, 0x00, 0x60, 0x02, 0x7e, 0x7c, 0x00, 0x60, 0x00, 0x01, 0x7e,
    0x60, 0x03, 0x7e, 0x7f, 0x7e, 0x00, 0x60, 0x03, 0x7e, 0x7f, 0x7f, 0x00,
    0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x00, 0x60, 0x03, 0x7e, 0x7e, 0x7e, 0x00,
    0x60, 0x02, 0x7e, 0x7f, 0x01, 0x7f, 0x03, 0x29, 0x28, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x01, 0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x02, 0x05, 0x06, 0x07, 0x08, 0x05, 0x05, 0x06, 0x06, 0x06, 0x01, 0x01,
    0x05, 0x09, 0x02, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0e, 0x09, 0x02, 0x06,
    0x01, 0x04, 0x04, 0x01, 0x70, 0x04, 0x02, 0x05, 0x0d, 0x02, 0x05, 0x01,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x01, 0x01, 0x04, 0x07, 0xff,
    0x03, 0x29, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x05, 0x6d, 0x65, 0x6d,
    0x33, 0x32, 0x02, 0x01, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x08, 0x69,
    0x33, 0x32, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x02, 0x08, 0x69, 0x36,
    0x34, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x03, 0x08, 0x66, 0x33, 0x32,
    0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x04, 0x08, 0x66, 0x36, 0x34, 0x2e,
    0x6c, 0x6f, 0x61, 0x64, 0x00, 0x05, 0x0b, 0x69, 0x33, 0x32, 0x2e, 0x6c,
    0x6f, 0x61, 0x64, 0x38, 0x5f, 0x73, 0x00, 0x06, 0x0b, 0x69, 0x33, 0x32,
    0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x38, 0x5f, 0x75, 0x00, 0x07, 0x0c, 0x69,
    0x33, 0x32, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x36, 0x5f, 0x73, 0x00,
    0x08, 0x0c, 0x69, 0x33, 0x32, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x36,
    0x5f, 0x75, 0x00, 0x09, 0x0b, 0x69, 0x36, 0x34, 0x2e, 0x6c, 0x6f, 0x61,
    0x64, 0x38, 0x5f, 0x73, 0x00, 0x0a, 0x0b, 0x69, 0x36, 0x34, 0x2e, 0x6c,
    0x6f, 0x61, 0x64, 0x38, 0x5f, 0x75, 0x00, 0x0b, 0x0c, 0x69, 0x36, 0x34,
    0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x36, 0x5f, 0x73, 0x00, 0x0c, 0x0c,
    0x69, 0x36, 0x34, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x36, 0x5f, 0x75,
    0x00, 0x0d, 0x0c, 0x69, 0x36, 0x34, 0x2e, 0x6c, 0x6f, 0x61, 0x64, 0x33,
    0x32, 0x5f, 0x73, 0x00, 0x0e, 0x0c, 0x69, 0x36, 0x34, 0x2e, 0x6c, 0x6f,
    0x61, 0x64, 0x33, 0x32, 0x5f, 0x75, 0x00, 0x0f, 0x09, 0x69, 0x33, 0x32,
    0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x10, 0x09, 0x69, 0x36, 0x34,
    0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x11, 0x09, 0x66, 0x33, 0x32,
    0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x12, 0x09, 0x66, 0x36, 0x34,
    0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x13, 0x0a, 0x69, 0x33, 0x32,
    0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x38, 0x00, 0x14, 0x0b, 0x69, 0x33,
    0x32, 0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x36, 0x00, 0x15, 0x0a,
    0x69, 0x36, 0x34, 0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x38, 0x00, 0x16,
    0x0b, 0x69, 0x36, 0x34, 0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x36,
    0x00, 0x17, 0x0b, 0x69, 0x36, 0x34, 0x2e, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x33, 0x32, 0x00, 0x18, 0x0d, 0x6c, 0x6f, 0x61, 0x64, 0x38, 0x5f, 0x6f,
    0x66, 0x66, 0x5f, 0x6d, 0x61, 0x78, 0x00, 0x19, 0x0c, 0x6c, 0x6f, 0x61,
    0x64, 0x38, 0x5f, 0x6f, 0x66, 0x66, 0x5f, 0x34, 0x67, 0x00, 0x1a, 0x0d,
    0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6f, 0x66, 0x66, 0x5f, 0x6d, 0x61,
    0x78, 0x00, 0x1b, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00, 0x1c, 0x04, 0x67,
    0x72, 0x6f, 0x77, 0x00, 0x1d, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x1e,
    0x0d, 0x63, 0x6f, 0x70, 0x79, 0x5f, 0x33, 0x32, 0x5f, 0x74, 0x6f, 0x5f,
    0x36, 0x34, 0x00, 0x1f, 0x0d, 0x63, 0x6f, 0x70, 0x79, 0x5f, 0x36, 0x34,
    0x5f, 0x74, 0x6f, 0x5f, 0x33, 0x32, 0x00, 0x20, 0x07, 0x63, 0x6f, 0x70,
    0x79, 0x5f, 0x36, 0x34, 0x00, 0x21, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00,
    0x22, 0x09, 0x74, 0x61, 0x69, 0x6c, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x00,
    0x23, 0x0a, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x73, 0x69, 0x7a, 0x65,
    0x00, 0x24, 0x0a, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x67, 0x72, 0x6f,
    0x77, 0x00, 0x25, 0x0a, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x66, 0x69,
    0x6c, 0x6c, 0x00, 0x26, 0x0d, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x69,
    0x73, 0x5f, 0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x27, 0x09, 0x0a, 0x01, 0x02,
    0x00, 0x42, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x01, 0x0a, 0x82, 0x03, 0x28,
    0x07, 0x00, 0x20, 0x00, 0x41, 0x07, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x41, 0x08, 0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x29, 0x03, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x2a, 0x02, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2b, 0x03, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x2c, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x2d, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2e, 0x01, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x2f, 0x01, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x30, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x31, 0x00, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x32, 0x01, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00,
    0x33, 0x01, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x34, 0x02, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x35, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x37, 0x03, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x38, 0x02,
    0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x39, 0x03, 0x00, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b, 0x09, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x3b, 0x01, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x3c, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x3d, 0x01, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3e, 0x02,
    0x00, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x2d, 0x00, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x2d,
    0x00, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b, 0x12, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x36, 0x02, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x01, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40,
    0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b,
    0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a,
    0x00, 0x01, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc,
    0x0a, 0x01, 0x00, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02,
    0xfc, 0x0a, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11,
    0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x13, 0x00, 0x00,
    0x0b, 0x05, 0x00, 0xfc, 0x10, 0x00, 0x0b, 0x09, 0x00, 0xd2, 0x00, 0x20,
    0x00, 0xfc, 0x0f, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0xd0, 0x70, 0x20,
    0x01, 0xfc, 0x11, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x25, 0x00, 0xd1,
    0x0b, 0x0b, 0x0c, 0x01, 0x00, 0x42, 0x10, 0x0b, 0x06, 0x77, 0x61, 0x73,
    0x6d, 0x36, 0x34, 0x00, 0x2c, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x0f,
    0x02, 0x00, 0x05, 0x73, 0x65, 0x76, 0x65, 0x6e, 0x01, 0x05, 0x65, 0x69,
    0x67, 0x68, 0x74, 0x04, 0x05, 0x01, 0x00, 0x02, 0x69, 0x69, 0x05, 0x04,
    0x01, 0x00, 0x01, 0x74, 0x06, 0x07, 0x02, 0x00, 0x01, 0x6d, 0x01, 0x01,
    0x73,
};

static const uint8_t import_mem64_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x03,
    0x6c, 0x69, 0x62, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x04, 0x01,
};

static const uint8_t import_tab64_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0d, 0x01, 0x03,
    0x6c, 0x69, 0x62, 0x03, 0x74, 0x61, 0x62, 0x01, 0x70, 0x04, 0x01,
};

static const uint8_t import_mem32_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x01, 0x03,
    0x6c, 0x69, 0x62, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01,
};

static const uint8_t big_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x05, 0x01, 0x04,
    0xf0, 0xa2, 0x04,
};


/* Calls `name`, which must succeed, and returns its one i64 result (or
 * i32, zero-extended; 0 without a result). */
static uint64_t ok(wx_instance *inst, const char *name,
                   const wx_wasm_val *args, size_t nargs, size_t nres)
{
    wx_error err;
    wx_wasm_val r[1];
    memset(r, 0, sizeof r);
    wx_status s = call_export(inst, name, args, nargs, r, nres, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", name, err.message);
    if (s != WX_OK || !nres)
        return 0;
    return r[0].type == WX_I32 ? (uint32_t)r[0].of.i32 : (uint64_t)r[0].of.i64;
}

/* Whether `name` traps with `kind` in itself, at an instruction whose
 * first byte is `opcode` (the load, the store, 0xfc, 0x11...). */
static bool traps(wx_instance *inst, const char *name,
                  const wx_wasm_val *args, size_t nargs, size_t nres,
                  wx_trap kind, uint8_t opcode)
{
    wx_error err;
    wx_wasm_val r[1];
    if (call_export(inst, name, args, nargs, r, nres, &err) != WX_ETRAP ||
        err.trap != kind)
        return false;
    const wx_wasm_func *f = wx_instance_func(inst, name);
    return err.func_index == f->index && err.offset < sizeof main_wasm &&
           main_wasm[err.offset] == opcode;
}

static uint64_t call1(wx_instance *inst, const char *name, uint64_t a)
{
    wx_wasm_val v = wx_wasm_i64((int64_t)a);
    return ok(inst, name, &v, 1, 1);
}

static wx_instance *instantiate(wx_module *m, wx_linker *l,
                                uint32_t max_pages, wx_budget *budget)
{
    wx_error err;
    wx_instance_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.max_memory_pages = max_pages;
    opts.budget = budget;
    wx_instance *inst = wx_instantiate(m, l, &opts, &err);
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    return inst;
}

/* Every load and store, as exported: its name, the bytes it touches,
 * whether it reads signed, and the wasm opcode. */
static const struct access {
    const char *name;
    unsigned width;
    bool is_signed;
    wx_valtype type;
    uint8_t opcode;
} loads[] = {
    {"i32.load", 4, false, WX_I32, 0x28},
    {"i64.load", 8, false, WX_I64, 0x29},
    {"f32.load", 4, false, WX_F32, 0x2a},
    {"f64.load", 8, false, WX_F64, 0x2b},
    {"i32.load8_s", 1, true, WX_I32, 0x2c},
    {"i32.load8_u", 1, false, WX_I32, 0x2d},
    {"i32.load16_s", 2, true, WX_I32, 0x2e},
    {"i32.load16_u", 2, false, WX_I32, 0x2f},
    {"i64.load8_s", 1, true, WX_I64, 0x30},
    {"i64.load8_u", 1, false, WX_I64, 0x31},
    {"i64.load16_s", 2, true, WX_I64, 0x32},
    {"i64.load16_u", 2, false, WX_I64, 0x33},
    {"i64.load32_s", 4, true, WX_I64, 0x34},
    {"i64.load32_u", 4, false, WX_I64, 0x35},
}, stores[] = {
    {"i32.store", 4, false, WX_I32, 0x36},
    {"i64.store", 8, false, WX_I64, 0x37},
    {"f32.store", 4, false, WX_F32, 0x38},
    {"f64.store", 8, false, WX_F64, 0x39},
    {"i32.store8", 1, false, WX_I32, 0x3a},
    {"i32.store16", 2, false, WX_I32, 0x3b},
    {"i64.store8", 1, false, WX_I64, 0x3c},
    {"i64.store16", 2, false, WX_I64, 0x3d},
    {"i64.store32", 4, false, WX_I64, 0x3e},
};

/* What load `a` reads from `bytes` (little-endian), as a slot: sign- or
 * zero-extended to the result's width, i32s zero-extended to 64 bits. */
static uint64_t expected_load(const struct access *a, const uint8_t *bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < a->width; i++)
        v |= (uint64_t)bytes[i] << (8 * i);
    if (a->is_signed && (v >> (8 * a->width - 1)) & 1)
        v |= ~UINT64_C(0) << (8 * a->width);
    if (a->type == WX_I32 || a->type == WX_F32)
        v = (uint32_t)v;
    return v;
}

static uint64_t val_bits(wx_wasm_val v)
{
    uint32_t b32;
    uint64_t b64;
    switch (v.type) {
    case WX_I32: return (uint32_t)v.of.i32;
    case WX_F32: memcpy(&b32, &v.of.f32, 4); return b32;
    case WX_F64: memcpy(&b64, &v.of.f64, 8); return b64;
    default: return (uint64_t)v.of.i64;
    }
}

static wx_wasm_val val_of(wx_valtype t, uint64_t bits)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    if (t == WX_I32 || t == WX_F32) {
        uint32_t b = (uint32_t)bits;
        memcpy(&v.of.i32, &b, 4);
    } else {
        v.of.i64 = (int64_t)bits;
    }
    return v;
}

/* Each load at the last address it fits and one past; at 2^32 + that
 * address, which a 32-bit cut would bring back into bounds; at 2^64-1. */
static void test_loads(wx_instance *inst)
{
    wx_memory *mem = wx_instance_memory(inst, 0);
    uint8_t *end = wx_memory_data(mem) + PAGE - 8;
    const uint8_t tail[8] = {0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8};
    memcpy(end, tail, 8);
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        const struct access *a = &loads[i];
        uint64_t last = PAGE - a->width;
        wx_wasm_val arg = wx_wasm_i64((int64_t)last), r[1];
        wx_error err;
        wx_status s = call_export(inst, a->name, &arg, 1, r, 1, &err);
        CHECK_MSG(s == WX_OK && r[0].type == a->type &&
                      val_bits(r[0]) == expected_load(a, tail + 8 - a->width),
                  "%s at the last address: %s", a->name, err.message);
        /* The last: an access whose end wraps past 2^64 to 0. */
        const uint64_t past[] = {
            last + 1, (UINT64_C(1) << 32) + last, UINT64_MAX,
            a->width > 1 ? UINT64_MAX - a->width + 2 : UINT64_MAX - 1};
        for (size_t k = 0; k < sizeof past / sizeof past[0]; k++) {
            arg = wx_wasm_i64((int64_t)past[k]);
            CHECK_MSG(traps(inst, a->name, &arg, 1, 1, WX_TRAP_MEMORY_OOB,
                            a->opcode),
                      "%s at 0x%llx", a->name, (unsigned long long)past[k]);
        }
    }
}

/* Each store at its last address (exactly its bytes written), and past
 * the end: a trap that writes nothing. */
static void test_stores(wx_instance *inst)
{
    wx_memory *mem = wx_instance_memory(inst, 0);
    uint8_t *end = wx_memory_data(mem) + PAGE - 16;
    const uint64_t value = 0x0102030405060708ull;
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        const struct access *a = &stores[i];
        memset(end, 0xee, 16);
        uint64_t last = PAGE - a->width;
        wx_wasm_val args[2] = {wx_wasm_i64((int64_t)last),
                               val_of(a->type, value)};
        ok(inst, a->name, args, 2, 0);
        uint8_t want[16];
        memset(want, 0xee, 16);
        for (unsigned k = 0; k < a->width; k++)
            want[16 - a->width + k] = (uint8_t)(value >> (8 * k));
        CHECK_MSG(memcmp(end, want, 16) == 0, "%s at the last address",
                  a->name);
        memset(end, 0xee, 16);
        memset(want, 0xee, 16);
        const uint64_t past[] = {last + 1, (UINT64_C(1) << 32) + 16,
                                 UINT64_MAX};
        for (size_t k = 0; k < sizeof past / sizeof past[0]; k++) {
            args[0] = wx_wasm_i64((int64_t)past[k]);
            CHECK_MSG(traps(inst, a->name, args, 2, 0, WX_TRAP_MEMORY_OOB,
                            a->opcode),
                      "%s at 0x%llx", a->name, (unsigned long long)past[k]);
        }
        CHECK_MSG(memcmp(end, want, 16) == 0, "%s past the end wrote",
                  a->name);
    }
}

/* Offsets up to 2^64-1: an address + offset that wraps past 2^64 traps
 * instead of reaching low memory, as does an offset of 2^32 (the data
 * segment at 16 would be read if the offset were cut to 32 bits). */
static void test_offsets(wx_instance *inst)
{
    wx_memory *mem = wx_instance_memory(inst, 0);
    CHECK(call1(inst, "i64.load8_u", 16) == 'w');
    CHECK(memcmp(wx_memory_data(mem) + 16, "wasm64", 6) == 0);
    for (uint64_t a = 0; a < 20; a++) {
        wx_wasm_val arg = wx_wasm_i64((int64_t)a);
        CHECK_MSG(traps(inst, "load8_off_max", &arg, 1, 1,
                        WX_TRAP_MEMORY_OOB, 0x2d),
                  "0x%llx + (2^64-1)", (unsigned long long)a);
        CHECK_MSG(traps(inst, "load8_off_4g", &arg, 1, 1, WX_TRAP_MEMORY_OOB,
                        0x2d),
                  "0x%llx + 2^32", (unsigned long long)a);
    }
    /* 2^64-4 + 4 wraps to 0, 2^64-4 + 20 to 16: neither is written. */
    const uint64_t at[] = {0, 4, 20, UINT64_MAX};
    uint8_t before[32];
    memcpy(before, wx_memory_data(mem), 32);
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        wx_wasm_val args[2] = {wx_wasm_i64((int64_t)at[k]),
                               wx_wasm_i32(0x55555555)};
        CHECK(traps(inst, "store_off_max", args, 2, 0, WX_TRAP_MEMORY_OOB,
                    0x36));
    }
    CHECK(memcmp(before, wx_memory_data(mem), 32) == 0);
}

/* memory.grow's i64 delta and result: -1 (all 64 bits) past the engine's
 * cap of 65536 pages though the declared maximum is 2^48, and for deltas
 * of 2^32 pages or more, which a 32-bit cut would make small. */
static void test_grow(wx_instance *inst)
{
    CHECK(ok(inst, "size", NULL, 0, 1) == 1);
    CHECK(call1(inst, "grow", 1) == 1);
    CHECK(ok(inst, "size", NULL, 0, 1) == 2);
    CHECK(wx_memory_pages(wx_instance_memory(inst, 0)) == 2);
    CHECK(call1(inst, "grow", (UINT64_C(1) << 32) + 1) == UINT64_MAX);
    CHECK(call1(inst, "grow", UINT64_MAX) == UINT64_MAX);
    CHECK(call1(inst, "grow", 65535) == UINT64_MAX);
    CHECK(call1(inst, "grow", 0) == 2);
    /* The new page reads as zero, its last byte is the end. */
    CHECK(call1(inst, "i64.load", 2 * PAGE - 8) == 0);
    wx_wasm_val arg = wx_wasm_i64(2 * PAGE - 7);
    CHECK(traps(inst, "i64.load", &arg, 1, 1, WX_TRAP_MEMORY_OOB, 0x29));
}

/* The instance's page limit (the manager's limits.memory_pages) and the
 * memory budget bound a 64-bit memory as any other. */
static void test_limits(wx_module *m)
{
    wx_error err;
    wx_instance *inst = instantiate(m, NULL, 4, NULL);
    if (inst) {
        CHECK(call1(inst, "grow", 3) == 1);
        CHECK(call1(inst, "grow", 1) == UINT64_MAX);
        CHECK(ok(inst, "size", NULL, 0, 1) == 4);
        wx_instance_free(inst);
    }
    /* Both memories' first pages and the table's 2 slots, and one page
     * more: a grow by one fits, by a second does not. */
    uint64_t fresh = 2 * PAGE + 2 * 8;
    wx_budget *b = wx_budget_new(fresh + PAGE, &err);
    CHECK(b != NULL);
    inst = instantiate(m, NULL, 0, b);
    if (inst) {
        wx_budget_stats st;
        wx_budget_stats_get(b, &st);
        CHECK(st.used == fresh);
        CHECK(call1(inst, "grow", 1) == 1);
        CHECK(call1(inst, "grow", 1) == UINT64_MAX);
        wx_budget_stats_get(b, &st);
        CHECK(st.used == fresh + PAGE && st.refused == 1);
        wx_instance_free(inst);
        wx_budget_stats_get(b, &st);
        CHECK(st.used == 0);
    }
    wx_budget_release(b);

    /* A declared minimum above the engine's 65536 pages is valid (the
     * spec allows 2^48) but fails instantiation. */
    wx_module *big = load(big_wasm, sizeof big_wasm);
    if (big) {
        CHECK(wx_instantiate(big, NULL, NULL, &err) == NULL &&
              err.status == WX_ELIMIT);
        CHECK_MSG(strstr(err.message, "memory needs 70000 pages, more than "
                                      "the engine's maximum of 65536") !=
                      NULL,
                  "%s", err.message);
        wx_module_free(big);
    }
}

/* memory.copy between the 32-bit memory and the 64-bit one (the length
 * is then an i32), and within the 64-bit one; memory.fill. Out of bounds,
 * with sums that wrap past 2^64 too, traps before writing. */
static void test_bulk(wx_instance *inst)
{
    wx_memory *m64 = wx_instance_memory(inst, 0);
    wx_memory *m32 = wx_instance_memory(inst, 1);
    wx_error err;
    CHECK(wx_memory_write(m32, 100, "abcdefgh", 8, &err) == WX_OK);
    wx_wasm_val a[3] = {wx_wasm_i64(2000), wx_wasm_i32(100), wx_wasm_i32(8)};
    ok(inst, "copy_32_to_64", a, 3, 0);
    CHECK(memcmp(wx_memory_data(m64) + 2000, "abcdefgh", 8) == 0);
    wx_wasm_val b[3] = {wx_wasm_i32(300), wx_wasm_i64(2002), wx_wasm_i32(6)};
    ok(inst, "copy_64_to_32", b, 3, 0);
    CHECK(memcmp(wx_memory_data(m32) + 300, "cdefgh", 6) == 0);
    wx_wasm_val c[3] = {wx_wasm_i64(2001), wx_wasm_i64(2000), wx_wasm_i64(8)};
    ok(inst, "copy_64", c, 3, 0);
    CHECK(memcmp(wx_memory_data(m64) + 2000, "aabcdefgh", 9) == 0);

    uint64_t size = wx_memory_size(m64);
    memset(wx_memory_data(m64), 0, 64);
    /* Destination past the end, or wrapping: d + 8 past 2^64. */
    const uint64_t bad_d[] = {size - 4, UINT64_MAX - 3, UINT64_C(1) << 32};
    for (size_t k = 0; k < sizeof bad_d / sizeof bad_d[0]; k++) {
        wx_wasm_val x[3] = {wx_wasm_i64((int64_t)bad_d[k]), wx_wasm_i32(100),
                            wx_wasm_i32(8)};
        CHECK(traps(inst, "copy_32_to_64", x, 3, 0, WX_TRAP_MEMORY_OOB,
                    0xfc));
        wx_wasm_val y[3] = {wx_wasm_i32(0), wx_wasm_i64((int64_t)bad_d[k]),
                            wx_wasm_i32(8)};
        CHECK(traps(inst, "copy_64_to_32", y, 3, 0, WX_TRAP_MEMORY_OOB,
                    0xfc));
        wx_wasm_val z[3] = {wx_wasm_i64((int64_t)bad_d[k]), wx_wasm_i32(0xab),
                            wx_wasm_i64(8)};
        CHECK(traps(inst, "fill", z, 3, 0, WX_TRAP_MEMORY_OOB, 0xfc));
    }
    /* A length of 2^64-1 from 1: in no memory. */
    wx_wasm_val w[3] = {wx_wasm_i64(0), wx_wasm_i64(1), wx_wasm_i64(-1)};
    CHECK(traps(inst, "copy_64", w, 3, 0, WX_TRAP_MEMORY_OOB, 0xfc));
    wx_wasm_val f[3] = {wx_wasm_i64(1), wx_wasm_i32(0xab), wx_wasm_i64(-1)};
    CHECK(traps(inst, "fill", f, 3, 0, WX_TRAP_MEMORY_OOB, 0xfc));
    uint8_t zero[64] = {0};
    CHECK(memcmp(wx_memory_data(m64), zero, 64) == 0);
    CHECK(memcmp(wx_memory_data(m32), zero, 64) == 0);
    /* Up to the very end is in bounds. */
    wx_wasm_val e[3] = {wx_wasm_i64((int64_t)size - 4), wx_wasm_i32(0xab),
                        wx_wasm_i64(4)};
    ok(inst, "fill", e, 3, 0);
    CHECK(memcmp(wx_memory_data(m64) + size - 4, "\xab\xab\xab\xab", 4) == 0);
}

/* A 64-bit table: call_indirect and return_call_indirect with i64
 * indices (2^32 would be element 0 if cut to 32 bits), table.grow's i64
 * result and -1, table.fill and table.get out of bounds. */
static void test_table(wx_instance *inst)
{
    const char *callers[] = {"call", "tail_call"};
    for (size_t i = 0; i < 2; i++) {
        wx_wasm_val a[2] = {wx_wasm_i64(0), wx_wasm_i32(5)};
        CHECK(ok(inst, callers[i], a, 2, 1) == 12);
        a[0] = wx_wasm_i64(1);
        CHECK(ok(inst, callers[i], a, 2, 1) == 13);
        const uint64_t bad[] = {2, UINT64_C(1) << 32, UINT64_MAX};
        for (size_t k = 0; k < 3; k++) {
            a[0] = wx_wasm_i64((int64_t)bad[k]);
            CHECK_MSG(traps(inst, callers[i], a, 2, 1,
                            WX_TRAP_UNDEFINED_ELEMENT,
                            i ? 0x13 : 0x11),
                      "%s of element 0x%llx", callers[i],
                      (unsigned long long)bad[k]);
        }
    }
    CHECK(ok(inst, "table_size", NULL, 0, 1) == 2);
    CHECK(call1(inst, "table_grow", 3) == 2);
    CHECK(ok(inst, "table_size", NULL, 0, 1) == 5);
    CHECK(call1(inst, "table_grow", UINT64_C(1) << 32) == UINT64_MAX);
    CHECK(call1(inst, "table_grow", UINT64_MAX) == UINT64_MAX);
    CHECK(ok(inst, "table_size", NULL, 0, 1) == 5);
    wx_wasm_val a[2] = {wx_wasm_i64(4), wx_wasm_i32(1)};
    CHECK(ok(inst, "call", a, 2, 1) == 8);
    wx_wasm_val f[2] = {wx_wasm_i64(3), wx_wasm_i64(2)};
    ok(inst, "table_fill", f, 2, 0);
    CHECK(call1(inst, "table_is_null", 3) == 1);
    CHECK(call1(inst, "table_is_null", 2) == 0);
    wx_wasm_val g[2] = {wx_wasm_i64(4), wx_wasm_i64(-1)};
    CHECK(traps(inst, "table_fill", g, 2, 0, WX_TRAP_TABLE_OOB, 0xfc));
    CHECK(call1(inst, "table_is_null", 4) == 1);
    wx_wasm_val h = wx_wasm_i64((int64_t)(UINT64_C(1) << 32));
    CHECK(traps(inst, "table_is_null", &h, 1, 1, WX_TRAP_TABLE_OOB, 0x25));
}

/* The address type in the API: wx_module_memory and the exports. */
static void test_api(wx_module *m, wx_instance *inst)
{
    wx_limits lim;
    bool imported = true;
    CHECK(wx_module_memory(m, 0, &lim, &imported) && !imported &&
          lim.addr64 && lim.min == 1 && lim.has_max &&
          lim.max == (UINT64_C(1) << 48));
    CHECK(wx_module_memory(m, 1, &lim, &imported) && !lim.addr64 &&
          lim.max == 4);
    wx_externdesc d;
    bool seen_tab = false;
    for (uint32_t i = 0; wx_module_export(m, i, &d); i++)
        if (d.kind == WX_EXTERN_TABLE) {
            seen_tab = true;
            CHECK(d.limits.addr64 && d.limits.min == 2 && !d.limits.has_max);
        }
    CHECK(seen_tab);
    (void)inst;
}

/* Linking checks the address type: a 32-bit memory or table does not
 * match a 64-bit import, nor the reverse; the same types link. */
static void test_imports(wx_instance *inst)
{
    wx_error err;
    wx_module *imem64 = load(import_mem64_wasm, sizeof import_mem64_wasm);
    wx_module *itab64 = load(import_tab64_wasm, sizeof import_tab64_wasm);
    wx_module *imem32 = load(import_mem32_wasm, sizeof import_mem32_wasm);
    wx_linker *mine = wx_linker_new(&err);
    wx_linker *plain = wx_linker_new(&err);
    CHECK(mine && plain);
    if (!imem64 || !itab64 || !imem32 || !mine || !plain)
        goto out;
    CHECK(wx_linker_define_instance(mine, "lib", inst, &err) == WX_OK);
    wx_extern e = {.kind = WX_EXTERN_MEMORY};
    /* "lib" "mem" is the main instance's 64-bit memory in `mine`; the
     * 32-bit ones of `plain` are made alone. */
    e.of.memory = wx_memory_new((wx_limits){.min = 1}, &err);
    CHECK(e.of.memory &&
          wx_linker_define(plain, "lib", "mem", e, &err) == WX_OK);
    wx_extern t = {.kind = WX_EXTERN_TABLE};
    t.of.table = wx_table_new(WX_FUNCREF, (wx_limits){.min = 1}, &err);
    CHECK(t.of.table &&
          wx_linker_define(plain, "lib", "tab", t, &err) == WX_OK);

    wx_instance *i1 = wx_instantiate(imem64, mine, NULL, &err);
    CHECK_MSG(i1 != NULL, "%s", err.message);
    wx_instance_free(i1);
    i1 = wx_instantiate(itab64, mine, NULL, &err);
    CHECK_MSG(i1 != NULL, "%s", err.message);
    wx_instance_free(i1);

    CHECK(wx_instantiate(imem64, plain, NULL, &err) == NULL &&
          err.status == WX_EUNLINKABLE);
    CHECK_MSG(strstr(err.message, "\"lib\".\"mem\": memory address types "
                                  "differ: expected a 64-bit (i64) memory, "
                                  "got a 32-bit (i32) one") != NULL,
              "%s", err.message);
    CHECK(wx_instantiate(itab64, plain, NULL, &err) == NULL &&
          err.status == WX_EUNLINKABLE);
    CHECK_MSG(strstr(err.message, "table address types differ: expected a "
                                  "64-bit (i64) table") != NULL,
              "%s", err.message);
    CHECK(wx_instantiate(imem32, mine, NULL, &err) == NULL &&
          err.status == WX_EUNLINKABLE);
    CHECK_MSG(strstr(err.message, "expected a 32-bit (i32) memory, got a "
                                  "64-bit (i64) one") != NULL,
              "%s", err.message);
    i1 = wx_instantiate(imem32, plain, NULL, &err);
    CHECK_MSG(i1 != NULL, "%s", err.message);
    wx_instance_free(i1);
out:
    wx_linker_free(mine);
    wx_linker_free(plain);
    wx_module_free(imem64);
    wx_module_free(itab64);
    wx_module_free(imem32);
}

int main(void)
{
    wx_module *m = load(main_wasm, sizeof main_wasm);
    if (!m)
        return CHECK_DONE();
    wx_instance *inst = instantiate(m, NULL, 0, NULL);
    if (inst) {
        test_loads(inst);
        test_stores(inst);
        test_offsets(inst);
        test_grow(inst);
        test_bulk(inst);
        test_table(inst);
        test_api(m, inst);
        test_imports(inst);
        wx_instance_free(inst);
    }
    test_limits(m);
    wx_module_free(m);
    return CHECK_DONE();
}
