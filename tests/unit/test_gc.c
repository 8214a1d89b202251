/*
 * The GC runtime (gc.c, gc_ops.c): a loop making a million short-lived
 * structs ends with the heap's live objects bounded (collections ran);
 * references kept in a global, a table and a local of a running frame
 * survive collections with their fields, and so does a list of 200000
 * nodes built while collections run; references the host got stay
 * valid; a budget too small for an array gives the clear trap and the
 * instance goes on (so does a memory limit); array ops pay fuel by their
 * elements; extern <-> any round trips keep identity, host externs (odd
 * pointers too) come back unchanged from a struct field across
 * collections. The module was written with wasm-tools 1.263.0
 * (json-from-wast, our spec converter) from:
 *
 * (module
 *   (type $pair (struct (field $a (mut i32)) (field $b (mut anyref))))
 *   (type $bytes (array (mut i8)))
 *   (global $keep (mut anyref) (ref.null any))
 *   (table $t 4 anyref)
 *   (func $churn (export "churn") (param $n i32) (result i32)
 *     (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s)
 *         (struct.get $pair $a (struct.new $pair (local.get $n) (ref.null any)))))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (local.get $s))
 *   (func (export "keep_global") (param $v i32)
 *     (global.set $keep
 *       (struct.new $pair (local.get $v)
 *         (struct.new $pair (i32.add (local.get $v) (i32.const 1)) (ref.null any)))))
 *   (func (export "read_global") (result i32)
 *     (local $p (ref $pair))
 *     (local.set $p (ref.cast (ref $pair) (global.get $keep)))
 *     (i32.add (struct.get $pair $a (local.get $p))
 *              (struct.get $pair $a
 *                (ref.cast (ref $pair) (struct.get $pair $b (local.get $p))))))
 *   (func (export "keep_table") (param $v i32)
 *     (table.set $t (i32.const 0) (array.new $bytes (local.get $v) (i32.const 1000))))
 *   (func (export "read_table") (result i32)
 *     (array.get_u $bytes (ref.cast (ref $bytes) (table.get $t (i32.const 0)))
 *                  (i32.const 999)))
 *   (func (export "stack_survives") (param $v i32) (param $n i32) (result i32)
 *     (local $p (ref null $pair))
 *     (local.set $p (struct.new $pair (local.get $v) (ref.null any)))
 *     (drop (call $churn (local.get $n)))
 *     (struct.get $pair $a (local.get $p)))
 *   (func (export "big") (param $n i32) (result i32)
 *     (array.len (array.new_default $bytes (local.get $n))))
 *   (func (export "ext_roundtrip") (param externref) (result externref)
 *     (extern.convert_any (any.convert_extern (local.get 0))))
 *   (func (export "any_roundtrip") (param $v i32) (result i32)
 *     (local $p (ref null $pair))
 *     (local.set $p (struct.new $pair (local.get $v) (ref.null any)))
 *     (ref.eq (local.get $p)
 *             (ref.cast (ref null eq)
 *               (any.convert_extern (extern.convert_any (local.get $p))))))
 *   (func (export "make") (param $v i32) (result anyref)
 *     (struct.new $pair (local.get $v) (ref.null any)))
 *   (func (export "get_a") (param anyref) (result i32)
 *     (struct.get $pair $a (ref.cast (ref $pair) (local.get 0))))
 *   (func (export "keep_host") (param externref)
 *     (global.set $keep
 *       (struct.new $pair (i32.const 0) (any.convert_extern (local.get 0)))))
 *   (func (export "read_host") (result externref)
 *     (extern.convert_any
 *       (struct.get $pair $b (ref.cast (ref $pair) (global.get $keep)))))
 *   (func (export "build_list") (param $n i32)
 *     (local $head anyref)
 *     (loop $l
 *       (local.set $head (struct.new $pair (local.get $n) (local.get $head)))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (global.set $keep (local.get $head)))
 *   (func (export "sum_list") (result i32)
 *     (local $p anyref) (local $s i32)
 *     (local.set $p (global.get $keep))
 *     (block $done
 *       (loop $l
 *         (br_if $done (ref.is_null (local.get $p)))
 *         (local.set $s (i32.add (local.get $s)
 *           (struct.get $pair $a (ref.cast (ref $pair) (local.get $p)))))
 *         (local.set $p (struct.get $pair $b (ref.cast (ref $pair) (local.get $p))))
 *         (br $l)))
 *     (local.get $s))
 * )
 *
 * and, for a v128 field a constant expression fills (two slots, as in the
 * interpreter):
 *
 * (module
 *   (type $v (struct (field v128) (field i32)))
 *   (global $g (ref $v)
 *     (struct.new $v (v128.const i64x2 0x1122334455667788 0x0aabbccddeeff00)
 *                    (i32.const 5)))
 *   (func (export "lo") (result i64)
 *     (i64x2.extract_lane 0 (struct.get $v 0 (global.get $g))))
 *   (func (export "hi") (result i64)
 *     (i64x2.extract_lane 1 (struct.get $v 0 (global.get $g))))
 *   (func (export "n") (result i32) (struct.get $v 1 (global.get $g)))
 * )
 *
 * and two instances through one linker, the second keeping what the
 * first's function makes while that function allocates more (so the
 * second must share the first's heap, docs/design.md):
 *
 * (module
 *   (type $pair (struct (field $a (mut i32)) (field $b (mut anyref))))
 *   (func (export "make") (param $v i32) (result anyref)
 *     (struct.new $pair (local.get $v) (ref.null any)))
 * )
 * (module
 *   (type $pair (struct (field $a (mut i32)) (field $b (mut anyref))))
 *   (import "a" "make" (func $make (param i32) (result anyref)))
 *   (global $k (mut anyref) (ref.null any))
 *   (func (export "run") (param $n i32) (result i32)
 *     (global.set $k (call $make (i32.const 42)))
 *     (loop $l
 *       (drop (call $make (local.get $n)))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (struct.get $pair $a (ref.cast (ref $pair) (global.get $k))))
 * )
 */
#include "check.h"
#include "load.h"
#include "wasmext/engine.h"
#include "wasmext/wat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t gc_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x34, 0x0b, 0x5f,
    0x02, 0x7f, 0x01, 0x6e, 0x01, 0x5e, 0x78, 0x01, 0x60, 0x01, 0x7f, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f,
    0x7f, 0x01, 0x7f, 0x60, 0x01, 0x6f, 0x01, 0x6f, 0x60, 0x01, 0x7f, 0x01,
    0x6e, 0x60, 0x01, 0x6e, 0x01, 0x7f, 0x60, 0x01, 0x6f, 0x00, 0x60, 0x00,
    0x01, 0x6f, 0x03, 0x10, 0x0f, 0x02, 0x03, 0x04, 0x03, 0x04, 0x05, 0x02,
    0x06, 0x02, 0x07, 0x08, 0x09, 0x0a, 0x03, 0x04, 0x04, 0x04, 0x01, 0x6e,
    0x00, 0x04, 0x06, 0x06, 0x01, 0x6e, 0x01, 0xd0, 0x6e, 0x0b, 0x07, 0xb5,
    0x01, 0x0f, 0x05, 0x63, 0x68, 0x75, 0x72, 0x6e, 0x00, 0x00, 0x0b, 0x6b,
    0x65, 0x65, 0x70, 0x5f, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x00, 0x01,
    0x0b, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c,
    0x00, 0x02, 0x0a, 0x6b, 0x65, 0x65, 0x70, 0x5f, 0x74, 0x61, 0x62, 0x6c,
    0x65, 0x00, 0x03, 0x0a, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x74, 0x61, 0x62,
    0x6c, 0x65, 0x00, 0x04, 0x0e, 0x73, 0x74, 0x61, 0x63, 0x6b, 0x5f, 0x73,
    0x75, 0x72, 0x76, 0x69, 0x76, 0x65, 0x73, 0x00, 0x05, 0x03, 0x62, 0x69,
    0x67, 0x00, 0x06, 0x0d, 0x65, 0x78, 0x74, 0x5f, 0x72, 0x6f, 0x75, 0x6e,
    0x64, 0x74, 0x72, 0x69, 0x70, 0x00, 0x07, 0x0d, 0x61, 0x6e, 0x79, 0x5f,
    0x72, 0x6f, 0x75, 0x6e, 0x64, 0x74, 0x72, 0x69, 0x70, 0x00, 0x08, 0x04,
    0x6d, 0x61, 0x6b, 0x65, 0x00, 0x09, 0x05, 0x67, 0x65, 0x74, 0x5f, 0x61,
    0x00, 0x0a, 0x09, 0x6b, 0x65, 0x65, 0x70, 0x5f, 0x68, 0x6f, 0x73, 0x74,
    0x00, 0x0b, 0x09, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x68, 0x6f, 0x73, 0x74,
    0x00, 0x0c, 0x0a, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x5f, 0x6c, 0x69, 0x73,
    0x74, 0x00, 0x0d, 0x08, 0x73, 0x75, 0x6d, 0x5f, 0x6c, 0x69, 0x73, 0x74,
    0x00, 0x0e, 0x0a, 0xc3, 0x02, 0x0f, 0x22, 0x01, 0x01, 0x7f, 0x03, 0x40,
    0x20, 0x01, 0x20, 0x00, 0xd0, 0x6e, 0xfb, 0x00, 0x00, 0xfb, 0x02, 0x00,
    0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d,
    0x00, 0x0b, 0x20, 0x01, 0x0b, 0x13, 0x00, 0x20, 0x00, 0x20, 0x00, 0x41,
    0x01, 0x6a, 0xd0, 0x6e, 0xfb, 0x00, 0x00, 0xfb, 0x00, 0x00, 0x24, 0x00,
    0x0b, 0x20, 0x01, 0x01, 0x64, 0x00, 0x23, 0x00, 0xfb, 0x16, 0x00, 0x21,
    0x00, 0x20, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x20, 0x00, 0xfb, 0x02, 0x00,
    0x01, 0xfb, 0x16, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x6a, 0x0b, 0x0e, 0x00,
    0x41, 0x00, 0x20, 0x00, 0x41, 0xe8, 0x07, 0xfb, 0x06, 0x01, 0x26, 0x00,
    0x0b, 0x0f, 0x00, 0x41, 0x00, 0x25, 0x00, 0xfb, 0x16, 0x01, 0x41, 0xe7,
    0x07, 0xfb, 0x0d, 0x01, 0x0b, 0x19, 0x01, 0x01, 0x63, 0x00, 0x20, 0x00,
    0xd0, 0x6e, 0xfb, 0x00, 0x00, 0x21, 0x02, 0x20, 0x01, 0x10, 0x00, 0x1a,
    0x20, 0x02, 0xfb, 0x02, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0xfb,
    0x07, 0x01, 0xfb, 0x0f, 0x0b, 0x08, 0x00, 0x20, 0x00, 0xfb, 0x1a, 0xfb,
    0x1b, 0x0b, 0x1a, 0x01, 0x01, 0x63, 0x00, 0x20, 0x00, 0xd0, 0x6e, 0xfb,
    0x00, 0x00, 0x21, 0x01, 0x20, 0x01, 0x20, 0x01, 0xfb, 0x1b, 0xfb, 0x1a,
    0xfb, 0x17, 0x6d, 0xd3, 0x0b, 0x09, 0x00, 0x20, 0x00, 0xd0, 0x6e, 0xfb,
    0x00, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0xfb, 0x16, 0x00, 0xfb, 0x02,
    0x00, 0x00, 0x0b, 0x0d, 0x00, 0x41, 0x00, 0x20, 0x00, 0xfb, 0x1a, 0xfb,
    0x00, 0x00, 0x24, 0x00, 0x0b, 0x0d, 0x00, 0x23, 0x00, 0xfb, 0x16, 0x00,
    0xfb, 0x02, 0x00, 0x01, 0xfb, 0x1b, 0x0b, 0x1d, 0x01, 0x01, 0x6e, 0x03,
    0x40, 0x20, 0x00, 0x20, 0x01, 0xfb, 0x00, 0x00, 0x21, 0x01, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x24, 0x00,
    0x0b, 0x32, 0x02, 0x01, 0x6e, 0x01, 0x7f, 0x23, 0x00, 0x21, 0x00, 0x02,
    0x40, 0x03, 0x40, 0x20, 0x00, 0xd1, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00,
    0xfb, 0x16, 0x00, 0xfb, 0x02, 0x00, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00,
    0xfb, 0x16, 0x00, 0xfb, 0x02, 0x00, 0x01, 0x21, 0x00, 0x0c, 0x00, 0x0b,
    0x0b, 0x20, 0x01, 0x0b, 0x00, 0x9b, 0x01, 0x04, 0x6e, 0x61, 0x6d, 0x65,
    0x01, 0x08, 0x01, 0x00, 0x05, 0x63, 0x68, 0x75, 0x72, 0x6e, 0x02, 0x48,
    0x0a, 0x00, 0x02, 0x00, 0x01, 0x6e, 0x01, 0x01, 0x73, 0x01, 0x01, 0x00,
    0x01, 0x76, 0x02, 0x01, 0x00, 0x01, 0x70, 0x03, 0x01, 0x00, 0x01, 0x76,
    0x05, 0x03, 0x00, 0x01, 0x76, 0x01, 0x01, 0x6e, 0x02, 0x01, 0x70, 0x06,
    0x01, 0x00, 0x01, 0x6e, 0x08, 0x02, 0x00, 0x01, 0x76, 0x01, 0x01, 0x70,
    0x09, 0x01, 0x00, 0x01, 0x76, 0x0d, 0x02, 0x00, 0x01, 0x6e, 0x01, 0x04,
    0x68, 0x65, 0x61, 0x64, 0x0e, 0x02, 0x00, 0x01, 0x70, 0x01, 0x01, 0x73,
    0x03, 0x16, 0x03, 0x00, 0x01, 0x00, 0x01, 0x6c, 0x0d, 0x01, 0x00, 0x01,
    0x6c, 0x0e, 0x02, 0x00, 0x04, 0x64, 0x6f, 0x6e, 0x65, 0x01, 0x01, 0x6c,
    0x04, 0x0e, 0x02, 0x00, 0x04, 0x70, 0x61, 0x69, 0x72, 0x01, 0x05, 0x62,
    0x79, 0x74, 0x65, 0x73, 0x05, 0x04, 0x01, 0x00, 0x01, 0x74, 0x07, 0x07,
    0x01, 0x00, 0x04, 0x6b, 0x65, 0x65, 0x70, 0x0a, 0x09, 0x01, 0x00, 0x02,
    0x00, 0x01, 0x61, 0x01, 0x01, 0x62,
};

static const uint8_t v128_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x5f,
    0x02, 0x7b, 0x00, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7e, 0x60, 0x00, 0x01,
    0x7f, 0x03, 0x04, 0x03, 0x01, 0x01, 0x02, 0x06, 0x1c, 0x01, 0x64, 0x00,
    0x00, 0xfd, 0x0c, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00,
    0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x00, 0x41, 0x05, 0xfb, 0x00, 0x00,
    0x0b, 0x07, 0x0f, 0x03, 0x02, 0x6c, 0x6f, 0x00, 0x00, 0x02, 0x68, 0x69,
    0x00, 0x01, 0x01, 0x6e, 0x00, 0x02, 0x0a, 0x22, 0x03, 0x0b, 0x00, 0x23,
    0x00, 0xfb, 0x02, 0x00, 0x00, 0xfd, 0x1d, 0x00, 0x0b, 0x0b, 0x00, 0x23,
    0x00, 0xfb, 0x02, 0x00, 0x00, 0xfd, 0x1d, 0x01, 0x0b, 0x08, 0x00, 0x23,
    0x00, 0xfb, 0x02, 0x00, 0x01, 0x0b, 0x00, 0x11, 0x04, 0x6e, 0x61, 0x6d,
    0x65, 0x04, 0x04, 0x01, 0x00, 0x01, 0x76, 0x07, 0x04, 0x01, 0x00, 0x01,
    0x67,
};

static const uint8_t maker_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x5f,
    0x02, 0x7f, 0x01, 0x6e, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x6e, 0x03, 0x02,
    0x01, 0x01, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x6b, 0x65, 0x00, 0x00,
    0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0xd0, 0x6e, 0xfb, 0x00, 0x00,
    0x0b, 0x00, 0x21, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x02, 0x06, 0x01, 0x00,
    0x01, 0x00, 0x01, 0x76, 0x04, 0x07, 0x01, 0x00, 0x04, 0x70, 0x61, 0x69,
    0x72, 0x0a, 0x09, 0x01, 0x00, 0x02, 0x00, 0x01, 0x61, 0x01, 0x01, 0x62,
};

static const uint8_t keeper_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x5f,
    0x02, 0x7f, 0x01, 0x6e, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x6e, 0x60, 0x01,
    0x7f, 0x01, 0x7f, 0x02, 0x0a, 0x01, 0x01, 0x61, 0x04, 0x6d, 0x61, 0x6b,
    0x65, 0x00, 0x01, 0x03, 0x02, 0x01, 0x02, 0x06, 0x06, 0x01, 0x6e, 0x01,
    0xd0, 0x6e, 0x0b, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
    0x0a, 0x24, 0x01, 0x22, 0x00, 0x41, 0x2a, 0x10, 0x00, 0x24, 0x00, 0x03,
    0x40, 0x20, 0x00, 0x10, 0x00, 0x1a, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22,
    0x00, 0x0d, 0x00, 0x0b, 0x23, 0x00, 0xfb, 0x16, 0x00, 0xfb, 0x02, 0x00,
    0x00, 0x0b, 0x00, 0x38, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x07, 0x01,
    0x00, 0x04, 0x6d, 0x61, 0x6b, 0x65, 0x02, 0x06, 0x01, 0x01, 0x01, 0x00,
    0x01, 0x6e, 0x03, 0x06, 0x01, 0x01, 0x01, 0x00, 0x01, 0x6c, 0x04, 0x07,
    0x01, 0x00, 0x04, 0x70, 0x61, 0x69, 0x72, 0x07, 0x04, 0x01, 0x00, 0x01,
    0x6b, 0x0a, 0x09, 0x01, 0x00, 0x02, 0x00, 0x01, 0x61, 0x01, 0x01, 0x62,
};

/* A million structs of 16 bytes of fields: about 64 MB allocated in
 * total, 1 MiB between collections at least. */
#define CHURN 1000000

static int32_t call_i(wx_instance *inst, const char *name, int32_t x)
{
    wx_error err;
    wx_wasm_val a = wx_wasm_i32(x), r = wx_wasm_i32(-99);
    CHECK_MSG(call_export(inst, name, &a, 1, &r, 1, &err) == WX_OK,
              "%s: %s", name, err.message);
    return r.of.i32;
}

static int32_t call_r(wx_instance *inst, const char *name)
{
    wx_error err;
    wx_wasm_val r = wx_wasm_i32(-99);
    CHECK_MSG(call_export(inst, name, NULL, 0, &r, 1, &err) == WX_OK,
              "%s: %s", name, err.message);
    return r.of.i32;
}

static void call_v(wx_instance *inst, const char *name, wx_wasm_val a)
{
    wx_error err;
    CHECK_MSG(call_export(inst, name, &a, 1, NULL, 0, &err) == WX_OK,
              "%s: %s", name, err.message);
}

static wx_wasm_val ext(void *p)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = WX_EXTERNREF;
    v.of.ext = p;
    return v;
}

static void test_churn_bounded(wx_instance *inst)
{
    wx_gc_stats before, after;
    wx_gc_stats_get(inst, &before);
    /* sum of n .. 1, wrapping */
    uint32_t want = (uint32_t)((uint64_t)CHURN * (CHURN + 1) / 2);
    CHECK((uint32_t)call_i(inst, "churn", CHURN) == want);
    wx_gc_stats_get(inst, &after);
    CHECK_MSG(after.collections > before.collections, "collections %llu",
              (unsigned long long)after.collections);
    /* Between collections at most about 1 MiB of new objects. */
    CHECK_MSG(after.live_objects < 50000, "live objects %llu",
              (unsigned long long)after.live_objects);
}

static void test_roots_survive(wx_instance *inst)
{
    call_v(inst, "keep_global", wx_wasm_i32(20));
    call_v(inst, "keep_table", wx_wasm_i32(7));
    /* A struct only a local of the running frame holds, across a
     * million allocations in the callee. */
    wx_error err;
    wx_wasm_val a[2] = {wx_wasm_i32(1234), wx_wasm_i32(CHURN)};
    wx_wasm_val r = wx_wasm_i32(-99);
    CHECK_MSG(call_export(inst, "stack_survives", a, 2, &r, 1, &err) == WX_OK,
              "%s", err.message);
    CHECK(r.of.i32 == 1234);
    (void)call_i(inst, "churn", CHURN);
    wx_gc_collect(inst);
    CHECK(call_r(inst, "read_global") == 41);
    CHECK(call_r(inst, "read_table") == 7);
}

/* A list of 200000 structs built while collections run (its head only
 * in a local of the running frame), then kept by a global across more:
 * every node survives with its field (marking follows the chain without
 * recursion). */
static void test_long_list(wx_instance *inst)
{
    wx_gc_stats before, after;
    wx_gc_stats_get(inst, &before);
    call_v(inst, "build_list", wx_wasm_i32(200000));
    wx_gc_stats_get(inst, &after);
    CHECK(after.collections > before.collections);
    (void)call_i(inst, "churn", CHURN);
    wx_gc_collect(inst);
    /* 1 + 2 + ... + 200000, wrapping to 32 bits */
    CHECK((uint32_t)call_r(inst, "sum_list") ==
          (uint32_t)(UINT64_C(200000) * 200001 / 2));
}

static void test_host_handles(wx_instance *inst)
{
    wx_error err;
    wx_wasm_val a = wx_wasm_i32(99), r;
    CHECK(call_export(inst, "make", &a, 1, &r, 1, &err) == WX_OK);
    CHECK(r.type == (wx_valtype)WX_HEAP_ANY);
    CHECK(wx_anyref_kind_of(r.of.ext) == WX_ANYREF_STRUCT);
    /* Nothing in the guest holds it: the host's handle keeps it (were
     * it freed, the churn after the collection would reuse its memory
     * for structs of other values). */
    (void)call_i(inst, "churn", CHURN);
    wx_gc_collect(inst);
    (void)call_i(inst, "churn", 1000);
    wx_wasm_val g = wx_wasm_i32(-1);
    CHECK(call_export(inst, "get_a", &r, 1, &g, 1, &err) == WX_OK);
    CHECK(g.of.i32 == 99);
}

static void test_round_trips(wx_instance *inst)
{
    wx_error err;
    /* Host pointers, odd ones included, come back as they went. */
    void *ptrs[] = {(void *)(uintptr_t)1, (void *)(uintptr_t)7,
                    (void *)(uintptr_t)0x1000, &err};
    for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) {
        wx_wasm_val a = ext(ptrs[i]), r = ext(NULL);
        CHECK(call_export(inst, "ext_roundtrip", &a, 1, &r, 1, &err) ==
              WX_OK);
        CHECK(r.type == WX_EXTERNREF && r.of.ext == ptrs[i]);
    }
    /* any -> extern -> any is the same object (ref.eq). */
    CHECK(call_i(inst, "any_roundtrip", 5) == 1);
    /* A host extern in a struct field, across collections. */
    call_v(inst, "keep_host", ext((void *)(uintptr_t)3));
    (void)call_i(inst, "churn", CHURN);
    wx_gc_collect(inst);
    wx_wasm_val r = ext(NULL);
    CHECK(call_export(inst, "read_host", NULL, 0, &r, 1, &err) == WX_OK);
    CHECK(r.of.ext == (void *)(uintptr_t)3);
    /* The host's own anyref of a host value. */
    void *any = NULL;
    CHECK(wx_anyref_from_host(inst, (void *)(uintptr_t)9, &any, &err) ==
          WX_OK);
    CHECK(wx_anyref_kind_of(any) == WX_ANYREF_HOST);
    CHECK(wx_anyref_host(any) == (void *)(uintptr_t)9);
}

static void test_budget(const wx_module *m)
{
    wx_error err;
    wx_budget *b = wx_budget_new(256 * 1024, &err);
    wx_instance_opts o;
    memset(&o, 0, sizeof o);
    o.budget = b;
    wx_instance *inst = wx_instantiate(m, NULL, &o, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst) {
        wx_budget_release(b);
        return;
    }
    wx_wasm_val a = wx_wasm_i32(1 << 20), r;
    CHECK(call_export(inst, "big", &a, 1, &r, 1, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_GC_HEAP);
    CHECK_MSG(strstr(err.message, "GC heap") != NULL, "%s", err.message);
    /* What fits still works, and a loop of garbage stays under the
     * budget by collecting. */
    CHECK(call_i(inst, "big", 1000) == 1000);
    CHECK(call_i(inst, "churn", 100000) != -99);
    wx_budget_stats s;
    wx_budget_stats_get(b, &s);
    CHECK(s.peak <= 256 * 1024 && s.refused >= 1);
    wx_instance_free(inst);
    /* Freed with the heap: nothing stays charged. */
    wx_budget_stats_get(b, &s);
    CHECK_MSG(s.used == 0, "used %llu", (unsigned long long)s.used);
    wx_budget_release(b);
}

/* The instance's memory limit bounds its GC heap too. */
static void test_memory_cap(const wx_module *m)
{
    wx_error err;
    wx_instance_opts o;
    memset(&o, 0, sizeof o);
    o.max_memory_pages = 4; /* 256 KiB */
    wx_instance *inst = wx_instantiate(m, NULL, &o, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst)
        return;
    wx_wasm_val a = wx_wasm_i32(1 << 20), r;
    CHECK(call_export(inst, "big", &a, 1, &r, 1, &err) == WX_ETRAP);
    CHECK(err.trap == WX_TRAP_GC_HEAP);
    CHECK(call_i(inst, "big", 100000) == 100000);
    wx_instance_free(inst);
}

/* An array op pays fuel by its elements, as table.fill does, before it
 * does anything: a metered call runs out instead of making 100 MB. */
static void test_fuel(const wx_module *m)
{
    wx_error err;
    wx_instance_opts o;
    memset(&o, 0, sizeof o);
    o.fuel = 1000;
    wx_instance *inst = wx_instantiate(m, NULL, &o, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (!inst)
        return;
    CHECK(call_i(inst, "big", 1 << 20) == 1 << 20); /* 256 units */
    wx_gc_stats before, after;
    wx_gc_stats_get(inst, &before);
    wx_wasm_val a = wx_wasm_i32(100 << 20), r;
    CHECK(call_export(inst, "big", &a, 1, &r, 1, &err) == WX_ELIMIT);
    CHECK_MSG(strstr(err.message, "fuel") != NULL, "%s", err.message);
    wx_gc_stats_get(inst, &after);
    CHECK(after.live_objects == before.live_objects);
    wx_instance_free(inst);
}

static void test_v128_field(void)
{
    wx_module *m = load(v128_wasm, sizeof v128_wasm);
    if (!m)
        return;
    wx_error err;
    wx_instance *inst = wx_instantiate(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        wx_wasm_val r;
        CHECK(call_export(inst, "lo", NULL, 0, &r, 1, &err) == WX_OK &&
              r.of.i64 == 0x1122334455667788);
        CHECK(call_export(inst, "hi", NULL, 0, &r, 1, &err) == WX_OK &&
              r.of.i64 == 0x0aabbccddeeff00);
        CHECK(call_r(inst, "n") == 5);
        wx_instance_free(inst);
    }
    wx_module_free(m);
}

static void test_shared_heap(void)
{
    wx_module *ma = load(maker_wasm, sizeof maker_wasm);
    wx_module *mb = load(keeper_wasm, sizeof keeper_wasm);
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    wx_instance *a = ma ? wx_instantiate(ma, l, NULL, &err) : NULL;
    CHECK_MSG(a != NULL, "%s", err.message);
    wx_instance *b = NULL;
    if (a && mb &&
        wx_linker_define_instance(l, "a", a, &err) == WX_OK)
        b = wx_instantiate(mb, l, NULL, &err);
    CHECK_MSG(b != NULL, "%s", err.message);
    if (b) {
        wx_gc_stats sa, sb;
        CHECK(call_i(b, "run", CHURN) == 42);
        wx_gc_stats_get(a, &sa);
        wx_gc_stats_get(b, &sb);
        CHECK(sa.collections > 0 && sa.collections == sb.collections);
    }
    wx_instance_free(b);
    wx_instance_free(a);
    wx_linker_free(l);
    wx_module_free(mb);
    wx_module_free(ma);
}

/* A module from its text (the engine's own parser). */
static wx_module *load_wat(const char *text)
{
    uint8_t *bin = NULL;
    size_t len = 0;
    wx_error err;
    CHECK_MSG(wx_wat_to_wasm(text, strlen(text), &bin, &len, &err) == WX_OK,
              "%s", err.message);
    wx_module *m = bin ? load(bin, len) : NULL;
    free(bin);
    return m;
}

/* Two instances with heaps of their own (neither imports anything), then
 * a third that imports from both: references may now pass between the
 * two, so their heaps become one. The third (whose first import is the
 * churner's) stores its own struct into the owner's table and is freed;
 * after the churner's collections the owner must still read the struct's
 * field: with two heaps, the churner's would have freed it (a use after
 * free, which ASan reports). */
static const char table_owner_wat[] =
    "(module (type $s (struct (field i32)))"
    " (table (export \"t\") 1 anyref)"
    " (func (export \"get\") (result i32)"
    "  (struct.get $s 0 (ref.cast (ref $s) (table.get 0 (i32.const 0))))))";
static const char churner_wat[] =
    "(module (type $s (struct (field i32)))"
    " (func (export \"churn\") (param $n i32)"
    "  (loop $l (drop (struct.new $s (local.get $n)))"
    "   (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))";
static const char linker_wat[] =
    "(module (type $s (struct (field i32)))"
    " (import \"c\" \"churn\" (func (param i32)))"
    " (import \"o\" \"t\" (table 1 anyref))"
    " (func (export \"put\") (param i32)"
    "  (table.set 0 (i32.const 0) (struct.new $s (local.get 0)))))";

static void test_merged_heaps(void)
{
    wx_module *mo = load_wat(table_owner_wat), *mc = load_wat(churner_wat),
              *ml = load_wat(linker_wat);
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    wx_instance *o = mo ? wx_instantiate(mo, l, NULL, &err) : NULL;
    wx_instance *c = mc ? wx_instantiate(mc, l, NULL, &err) : NULL;
    CHECK_MSG(o && c, "%s", err.message);
    wx_instance *x = NULL;
    if (o && c && ml && wx_linker_define_instance(l, "o", o, &err) == WX_OK &&
        wx_linker_define_instance(l, "c", c, &err) == WX_OK)
        x = wx_instantiate(ml, l, NULL, &err);
    CHECK_MSG(x != NULL, "%s", err.message);
    if (x) {
        call_v(x, "put", wx_wasm_i32(1234));
        wx_instance_free(x);
        wx_gc_stats so, sc;
        call_v(c, "churn", wx_wasm_i32(CHURN));
        wx_gc_collect(o);
        wx_gc_stats_get(o, &so);
        wx_gc_stats_get(c, &sc);
        /* One heap now: the churner's collections are the owner's. */
        CHECK(so.collections > 0 && so.collections == sc.collections);
        CHECK(so.live_objects == sc.live_objects);
        CHECK(call_r(o, "get") == 1234);
    }
    wx_instance_free(c);
    wx_instance_free(o);
    wx_linker_free(l);
    wx_module_free(ml);
    wx_module_free(mc);
    wx_module_free(mo);
}

int main(void)
{
    wx_module *m = load(gc_wasm, sizeof gc_wasm);
    if (!m)
        return CHECK_DONE();
    wx_error err;
    wx_linker *l = wx_linker_new(&err);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        test_churn_bounded(inst);
        test_roots_survive(inst);
        test_long_list(inst);
        test_host_handles(inst);
        test_round_trips(inst);
        wx_instance_free(inst);
    }
    wx_linker_free(l);
    test_budget(m);
    test_memory_cap(m);
    test_fuel(m);
    test_v128_field();
    test_shared_heap();
    test_merged_heaps();
    wx_module_free(m);
    return CHECK_DONE();
}
