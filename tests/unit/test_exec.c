/*
 * Interpreter and compiler tests: small modules (WAT source beside the
 * bytes, compiled once with wat2wasm 1.0.32) exercising the paths the spec
 * suite reaches only by chance: values pending on the operand stack while
 * their local is overwritten, the peephole fusions (and their edge cases:
 * address wrap-around, constant addresses above 4 GiB, a counter compared
 * with itself, locals known to be zero inside loops), branches carrying
 * values, multi-value calls, traps and their locations, stack exhaustion,
 * interrupts, host functions re-entering the guest, memory growth seen
 * after a call, and calls into another instance.
 */
#include "check.h"
#include "load.h"
#include "compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (import "env" "host_add" (func $host_add (param i32 i32) (result i32)))
 *   (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *   (import "env" "interrupt" (func $interrupt))
 *   (import "env" "fail" (func $fail (param i32) (result i32)))
 *   (memory (export "mem") 1 4)
 *   (table (export "tab") 6 funcref)
 *   (elem (i32.const 0) $add3 $neg $fib $swapf)
 *   (global $g (mut i32) (i32.const 7))
 *
 *   (func $fib (export "fib") (param $n i32) (result i32)
 *     (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
 *       (then (local.get $n))
 *       (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
 *                      (call $fib (i32.sub (local.get $n) (i32.const
 *                          2)))))))
 *   (func $add3 (param i32) (result i32) (i32.add (local.get 0) (i32.const
 *       3)))
 *   (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get
 *       0)))
 *
 *   ;; A pending local.get must survive the local being overwritten.
 *   (func (export "alias1") (param $a i32) (result i32)
 *     (local.get $a) (local.set $a (i32.const 5)) (local.get $a) (i32.sub))
 *   (func (export "alias2") (param $a i32) (param $b i32) (result i32)
 *     (local.get $a) (local.get $b)
 *     (local.set $a (i32.add (local.get $a) (local.get $b)))
 *     (i32.mul) (local.get $a) (i32.add))
 *   (func (export "tee") (param $x i32) (result i32)
 *     (local.get $x) (local.tee $x (i32.add (local.get $x) (i32.const 1)))
 *         (i32.mul))
 *   (func (export "alias_block") (param $a i32) (result i32)
 *     (local.get $a)
 *     (block (br_if 0 (i32.eqz (local.get $a))) (local.set $a (i32.const
 *         100)))
 *     (local.get $a) (i32.add))
 *   (func $swapf (export "swap") (param i32 i32) (result i32 i32) (local.get
 *       1) (local.get 0))
 *   (func (export "rot3") (param i32 i32 i32) (result i32 i32 i32)
 *     (local.get 2) (local.get 0) (local.get 1))
 *   (func (export "shuffle") (param $a i32) (param $b i32) (param $c i32)
 *       (result i32)
 *     (local $t i32)
 *     (local.set $t (local.get $a)) (local.set $a (local.get $b))
 *     (local.set $b (local.get $c)) (local.set $c (local.get $t))
 *     (i32.add (i32.mul (local.get $a) (i32.const 100))
 *              (i32.add (i32.mul (local.get $b) (i32.const 10)) (local.get
 *                  $c))))
 *
 *   ;; Blocks with parameters and results, branches carrying values.
 *   (func (export "blockv") (param $x i32) (result i32 i32)
 *     (i32.const 1) (i32.const 2)
 *     (block (param i32 i32) (result i32 i32)
 *       (br_if 0 (local.get $x))
 *       (i32.add) (i32.const 10)))
 *   (func (export "brif_vals") (param $x i32) (result i32)
 *     (block (result i32) (local.get $x) (local.get $x) (br_if 0) (drop)
 *         (i32.const 99)))
 *   (func (export "brtab") (param $i i32) (result i32)
 *     (block $a (result i32)
 *       (block $b (result i32)
 *         (block $c (result i32)
 *           (i32.add (local.get $i) (i32.const 100))
 *           (local.get $i) (br_table $c $b $a $a))
 *         (i32.const 1000) (i32.add))
 *       (i32.const 10000) (i32.add)))
 *   (func (export "brtab_ret") (param $i i32) (result i32)
 *     (block $x (result i32)
 *       (i32.const 33) (local.get $i) (br_table $x 1 $x))
 *     (i32.const 1) (i32.add))
 *   (func (export "sum_loop") (param $n i32) (result i32)
 *     (i32.const 0) (local.get $n)
 *     (loop (param i32 i32) (result i32)
 *       (local.set $n)
 *       (i32.add (local.get $n))
 *       (local.get $n) (i32.const 1) (i32.sub)
 *       (local.tee $n) (i32.eqz) (if (param i32) (result i32) (then) (else
 *           (local.get $n) (br 1)))))
 *   (func (export "ifelse") (param $x i32) (result i32)
 *     (if (result i32) (i32.gt_u (local.get $x) (i32.const 10))
 *       (then (i32.const 1))
 *       (else (if (result i32) (i32.eqz (local.get $x)) (then (i32.const 2))
 *           (else (i32.const 3))))))
 *   (func (export "if_i64") (param $x i64) (result i32)
 *     (if (result i32) (i64.eqz (local.get $x)) (then (i32.const 1)) (else
 *         (i32.const 0))))
 *   (func (export "br_ret") (param $x i32) (result i32)
 *     (drop (br_if 0 (i32.const 5) (i32.lt_s (local.get $x) (i32.const 0))))
 *     (i32.const 6))
 *
 *   ;; Loop counters (the add-compare-and-branch fusion).
 *   (func (export "count_ne") (param $n i32) (result i32) (local $i i32)
 *       (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $i)))
 *       (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const
 *           1)))
 *                         (local.get $n))))
 *     (local.get $s))
 *   (func (export "countdown") (param $n i32) (result i32) (local $s i32)
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $n)))
 *       (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1)))))
 *     (local.get $s))
 *   (func (export "addbr_same") (param $x i32) (result i32)
 *     (block (result i32)
 *       (i32.const 1)
 *       (local.set $x (i32.add (local.get $x) (i32.const 1)))
 *       (br_if 0 (i32.eq (local.get $x) (local.get $x)))
 *       (drop) (i32.const 0)))
 *   (func (export "count64") (param $n i64) (result i64) (local $i i64)
 *       (local $s i64)
 *     (loop $l
 *       (local.set $s (i64.add (local.get $s) (local.get $i)))
 *       (br_if $l (i64.lt_s (local.tee $i (i64.add (local.get $i) (i64.const
 *           1)))
 *                           (local.get $n))))
 *     (local.get $s))
 *   ;; A zero-initialised local reset inside a loop must really be reset.
 *   (func (export "zero_loop") (param $n i32) (result i32) (local $a i32)
 *       (local $s i32)
 *     (local.set $a (i32.const 0))
 *     (loop $l
 *       (local.set $s (i32.add (local.get $s) (local.get $a)))
 *       (local.set $a (i32.const 0))
 *       (local.set $a (i32.add (local.get $a) (i32.const 5)))
 *       (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *     (local.get $s))
 *
 *   ;; Memory: fused address forms, wrap-around, constant addresses.
 *   (func (export "ld_wrap") (param $p i32) (result i32)
 *     (i32.load8_u (i32.add (local.get $p) (i32.const -1))))
 *   (func (export "ld_aa") (param $p i32) (param $q i32) (result i32)
 *     (i32.load offset=2 (i32.add (local.get $p) (local.get $q))))
 *   (func (export "ld_k") (result i32) (i32.load (i32.const 65532)))
 *   (func (export "ld_k_oob") (result i32) (i32.load (i32.const 65533)))
 *   (func (export "ld_k_huge") (result i32) (i32.load offset=4294967295
 *       (i32.const 1)))
 *   (func (export "st_ai") (param $p i32) (param $v i32)
 *     (i32.store (i32.add (local.get $p) (i32.const 4)) (local.get $v)))
 *   (func (export "st_k") (param $v i64) (i64.store (i32.const 16)
 *       (local.get $v)))
 *   (func (export "st_imm") (param $p i32) (i32.store (local.get $p)
 *       (i32.const -2)))
 *   (func (export "ld_s") (param $p i32) (result i64)
 *     (i64.add (i64.load8_s (local.get $p)) (i64.load16_s offset=1
 *         (local.get $p))))
 *   (func (export "grow_then_load") (result i32)
 *     (drop (memory.grow (i32.const 1)))
 *     (i32.store (i32.const 70000) (i32.const 42))
 *     (i32.load (i32.const 70000)))
 *   (func $grower (drop (memory.grow (i32.const 1))))
 *   (func (export "grow_in_callee") (result i32)
 *     (call $grower)
 *     (i32.store (i32.const 150000) (i32.const 5))
 *     (i32.load (i32.const 150000)))
 *   (func (export "fill_copy") (result i32)
 *     (memory.fill (i32.const 100) (i32.const 7) (i32.const 10))
 *     (memory.copy (i32.const 105) (i32.const 100) (i32.const 10))
 *     (i32.add (i32.load8_u (i32.const 114)) (i32.load8_u (i32.const 115))))
 *
 *   ;; Calls.
 *   (func (export "ci") (param $i i32) (param $x i32) (result i32)
 *     (call_indirect (type $ii) (local.get $x) (local.get $i)))
 *   (func (export "callhost") (param i32 i32) (result i32)
 *     (i32.add (call $host_add (local.get 0) (local.get 1)) (i32.const 1)))
 *   (func $inf (export "inf") (param i32) (result i32)
 *     (call $inf (i32.add (local.get 0) (i32.const 1))))
 *   (func (export "spin") (loop (br 0)))
 *   (func (export "spin_after_host") (call $interrupt) (loop (br 0)))
 *   (func (export "reenter_test") (param i32) (result i32)
 *     (i32.add (call $reenter (local.get 0)) (i32.const 1)))
 *   (func $many (export "many_args") (param i32 i64 f32 f64 i32) (result
 *       f64)
 *     (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s
 *         (local.get 1)))
 *              (f64.add (f64.promote_f32 (local.get 2))
 *                       (f64.add (local.get 3) (f64.convert_i32_u (local.get
 *                           4))))))
 *   (func (export "call_many") (result f64)
 *     (call $many (i32.const 1) (i64.const 2) (f32.const 3.5) (f64.const
 *         4.25) (i32.const -1)))
 *
 *   ;; Globals, select, floats, traps.
 *   (func (export "gadd") (param i32) (result i32)
 *     (global.set $g (i32.add (global.get $g) (local.get 0))) (global.get
 *         $g))
 *   (func (export "sel") (param $c i32) (result i32)
 *     (select (i32.const 10) (i32.const 20) (local.get $c)))
 *   (func (export "fpoly") (param $x f64) (result f64)
 *     (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (f64.div (local.get
 *         $x) (f64.const 4))))
 *   (func (export "fcmp") (param $x f32) (result i32)
 *     (if (result i32) (f32.lt (local.get $x) (f32.const 1.5)) (then
 *         (i32.const 1)) (else (i32.const 0))))
 *   (func (export "rot") (param $x i32) (result i32) (i32.rotl (local.get
 *       $x) (i32.const 8)))
 *   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get
 *       0) (local.get 1)))
 *   (func (export "unreach") (param i32) (result i32)
 *     (if (local.get 0) (then (unreachable))) (i32.const 3))
 *   ;; Division by constants (the _I forms) and the cases kept trapping.
 *   (func (export "divk") (param $x i32) (result i32)
 *     (i32.add (i32.div_u (local.get $x) (i32.const 10))
 *              (i32.mul (i32.rem_s (local.get $x) (i32.const -7))
 *                       (i32.const 1000))))
 *   (func (export "div_m1") (param $x i32) (result i32)
 *     (i32.div_s (local.get $x) (i32.const -1)))
 *   (func (export "rem_m1") (param $x i32) (result i32)
 *     (i32.rem_s (local.get $x) (i32.const -1)))
 *   (func (export "div0") (param $x i32) (result i32)
 *     (i32.div_u (local.get $x) (i32.const 0)))
 *   (func (export "divk64") (param $x i64) (result i64)
 *     (i64.div_s (local.get $x) (i64.const -3)))
 *   ;; Multiply-add fusion, both operand orders, wrapping.
 *   (func (export "mad") (param $a i32) (param $b i32) (param $c i32)
 *     (result i32)
 *     (i32.sub (i32.add (i32.mul (local.get $a) (local.get $b)) (local.get $c))
 *              (i32.add (local.get $a)
 *                       (i32.mul (local.get $b) (local.get $a)))))
 *   (func (export "mad64") (param $a i64) (param $b i64) (result i64)
 *     (i64.add (i64.mul (local.get $a) (local.get $b)) (local.get $a)))
 *   ;; Loads fused with a branch on the loaded value.
 *   (func (export "strlen") (param $p i32) (result i32) (local $n i32)
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (local.set $n (i32.add (local.get $n) (i32.const 1)))
 *         (br $l)))
 *     (local.get $n))
 *   (func (export "find_quote") (param $p i32) (result i32)
 *     (loop $l
 *       (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 34))
 *         (then (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *               (br $l))))
 *     (local.get $p))
 *   (func (export "list_len") (param $p i32) (result i32) (local $n i32)
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.eqz (local.get $p)))
 *         (local.set $n (i32.add (local.get $n) (i32.const 1)))
 *         (br_if $l (local.tee $p (i32.load (local.get $p))))))
 *     (local.get $n))
 *   ;; Chained f64 products: each rounded, operand order kept.
 *   (func (export "fmul3") (param $a f64) (param $b f64) (param $c f64)
 *     (result f64)
 *     (f64.mul (f64.mul (local.get $a) (local.get $b)) (local.get $c)))
 *   (func (export "fmul3r") (param $a f64) (param $b f64) (param $c f64)
 *     (result f64)
 *     (f64.mul (local.get $c) (f64.mul (local.get $a) (local.get $b))))
 *   ;; A switch whose cases start at 3: the bias folds into br_table.
 *   (func (export "switch_k") (param $i i32) (result i32)
 *     (block $d
 *       (block $b
 *         (block $a
 *           (br_table $a $b $d (i32.add (local.get $i) (i32.const -3))))
 *         (return (i32.const 10)))
 *       (return (i32.const 20)))
 *     (i32.const 30))
 *   ;; A failing host function below a few wasm frames.
 *   (func $deep (param $n i32) (result i32)
 *     (if (result i32) (local.get $n)
 *       (then (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1)))
 *                      (i32.const 1)))
 *       (else (call $fail (i32.const 7)))))
 *   (func (export "fail_deep") (param i32) (result i32)
 *     (call $deep (local.get 0)))
 * )
 */
static const uint8_t core_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x70, 0x14, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00,
    0x00, 0x60, 0x02, 0x7f, 0x7f, 0x02, 0x7f, 0x7f, 0x60, 0x03, 0x7f, 0x7f,
    0x7f, 0x03, 0x7f, 0x7f, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x02, 0x7f, 0x7f, 0x60, 0x01, 0x7e, 0x01, 0x7f, 0x60,
    0x01, 0x7e, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f,
    0x00, 0x60, 0x01, 0x7e, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f,
    0x01, 0x7e, 0x60, 0x05, 0x7f, 0x7e, 0x7d, 0x7c, 0x7f, 0x01, 0x7c, 0x60,
    0x00, 0x01, 0x7c, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x60, 0x01, 0x7d, 0x01,
    0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60, 0x03, 0x7c, 0x7c, 0x7c,
    0x01, 0x7c, 0x02, 0x39, 0x04, 0x03, 0x65, 0x6e, 0x76, 0x08, 0x68, 0x6f,
    0x73, 0x74, 0x5f, 0x61, 0x64, 0x64, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76,
    0x07, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x00, 0x03, 0x65,
    0x6e, 0x76, 0x09, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x72, 0x75, 0x70, 0x74,
    0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00,
    0x00, 0x03, 0x43, 0x42, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03,
    0x04, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
    0x00, 0x08, 0x00, 0x00, 0x01, 0x09, 0x09, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    0x09, 0x02, 0x09, 0x09, 0x01, 0x01, 0x00, 0x02, 0x02, 0x00, 0x0e, 0x0f,
    0x00, 0x00, 0x10, 0x11, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
    0x05, 0x12, 0x00, 0x00, 0x00, 0x13, 0x13, 0x00, 0x00, 0x00, 0x04, 0x04,
    0x01, 0x70, 0x00, 0x06, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x06, 0x06,
    0x01, 0x7f, 0x01, 0x41, 0x07, 0x0b, 0x07, 0xdf, 0x04, 0x40, 0x03, 0x6d,
    0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x03, 0x66,
    0x69, 0x62, 0x00, 0x04, 0x06, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x31, 0x00,
    0x07, 0x06, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x32, 0x00, 0x08, 0x03, 0x74,
    0x65, 0x65, 0x00, 0x09, 0x0b, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x5f, 0x62,
    0x6c, 0x6f, 0x63, 0x6b, 0x00, 0x0a, 0x04, 0x73, 0x77, 0x61, 0x70, 0x00,
    0x0b, 0x04, 0x72, 0x6f, 0x74, 0x33, 0x00, 0x0c, 0x07, 0x73, 0x68, 0x75,
    0x66, 0x66, 0x6c, 0x65, 0x00, 0x0d, 0x06, 0x62, 0x6c, 0x6f, 0x63, 0x6b,
    0x76, 0x00, 0x0e, 0x09, 0x62, 0x72, 0x69, 0x66, 0x5f, 0x76, 0x61, 0x6c,
    0x73, 0x00, 0x0f, 0x05, 0x62, 0x72, 0x74, 0x61, 0x62, 0x00, 0x10, 0x09,
    0x62, 0x72, 0x74, 0x61, 0x62, 0x5f, 0x72, 0x65, 0x74, 0x00, 0x11, 0x08,
    0x73, 0x75, 0x6d, 0x5f, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x12, 0x06, 0x69,
    0x66, 0x65, 0x6c, 0x73, 0x65, 0x00, 0x13, 0x06, 0x69, 0x66, 0x5f, 0x69,
    0x36, 0x34, 0x00, 0x14, 0x06, 0x62, 0x72, 0x5f, 0x72, 0x65, 0x74, 0x00,
    0x15, 0x08, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x5f, 0x6e, 0x65, 0x00, 0x16,
    0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x17,
    0x0a, 0x61, 0x64, 0x64, 0x62, 0x72, 0x5f, 0x73, 0x61, 0x6d, 0x65, 0x00,
    0x18, 0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x36, 0x34, 0x00, 0x19, 0x09,
    0x7a, 0x65, 0x72, 0x6f, 0x5f, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x1a, 0x07,
    0x6c, 0x64, 0x5f, 0x77, 0x72, 0x61, 0x70, 0x00, 0x1b, 0x05, 0x6c, 0x64,
    0x5f, 0x61, 0x61, 0x00, 0x1c, 0x04, 0x6c, 0x64, 0x5f, 0x6b, 0x00, 0x1d,
    0x08, 0x6c, 0x64, 0x5f, 0x6b, 0x5f, 0x6f, 0x6f, 0x62, 0x00, 0x1e, 0x09,
    0x6c, 0x64, 0x5f, 0x6b, 0x5f, 0x68, 0x75, 0x67, 0x65, 0x00, 0x1f, 0x05,
    0x73, 0x74, 0x5f, 0x61, 0x69, 0x00, 0x20, 0x04, 0x73, 0x74, 0x5f, 0x6b,
    0x00, 0x21, 0x06, 0x73, 0x74, 0x5f, 0x69, 0x6d, 0x6d, 0x00, 0x22, 0x04,
    0x6c, 0x64, 0x5f, 0x73, 0x00, 0x23, 0x0e, 0x67, 0x72, 0x6f, 0x77, 0x5f,
    0x74, 0x68, 0x65, 0x6e, 0x5f, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x24, 0x0e,
    0x67, 0x72, 0x6f, 0x77, 0x5f, 0x69, 0x6e, 0x5f, 0x63, 0x61, 0x6c, 0x6c,
    0x65, 0x65, 0x00, 0x26, 0x09, 0x66, 0x69, 0x6c, 0x6c, 0x5f, 0x63, 0x6f,
    0x70, 0x79, 0x00, 0x27, 0x02, 0x63, 0x69, 0x00, 0x28, 0x08, 0x63, 0x61,
    0x6c, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x29, 0x03, 0x69, 0x6e, 0x66,
    0x00, 0x2a, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x2b, 0x0f, 0x73, 0x70,
    0x69, 0x6e, 0x5f, 0x61, 0x66, 0x74, 0x65, 0x72, 0x5f, 0x68, 0x6f, 0x73,
    0x74, 0x00, 0x2c, 0x0c, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x5f,
    0x74, 0x65, 0x73, 0x74, 0x00, 0x2d, 0x09, 0x6d, 0x61, 0x6e, 0x79, 0x5f,
    0x61, 0x72, 0x67, 0x73, 0x00, 0x2e, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f,
    0x6d, 0x61, 0x6e, 0x79, 0x00, 0x2f, 0x04, 0x67, 0x61, 0x64, 0x64, 0x00,
    0x30, 0x03, 0x73, 0x65, 0x6c, 0x00, 0x31, 0x05, 0x66, 0x70, 0x6f, 0x6c,
    0x79, 0x00, 0x32, 0x04, 0x66, 0x63, 0x6d, 0x70, 0x00, 0x33, 0x03, 0x72,
    0x6f, 0x74, 0x00, 0x34, 0x03, 0x64, 0x69, 0x76, 0x00, 0x35, 0x07, 0x75,
    0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x00, 0x36, 0x04, 0x64, 0x69, 0x76,
    0x6b, 0x00, 0x37, 0x06, 0x64, 0x69, 0x76, 0x5f, 0x6d, 0x31, 0x00, 0x38,
    0x06, 0x72, 0x65, 0x6d, 0x5f, 0x6d, 0x31, 0x00, 0x39, 0x04, 0x64, 0x69,
    0x76, 0x30, 0x00, 0x3a, 0x06, 0x64, 0x69, 0x76, 0x6b, 0x36, 0x34, 0x00,
    0x3b, 0x03, 0x6d, 0x61, 0x64, 0x00, 0x3c, 0x05, 0x6d, 0x61, 0x64, 0x36,
    0x34, 0x00, 0x3d, 0x06, 0x73, 0x74, 0x72, 0x6c, 0x65, 0x6e, 0x00, 0x3e,
    0x0a, 0x66, 0x69, 0x6e, 0x64, 0x5f, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x00,
    0x3f, 0x08, 0x6c, 0x69, 0x73, 0x74, 0x5f, 0x6c, 0x65, 0x6e, 0x00, 0x40,
    0x05, 0x66, 0x6d, 0x75, 0x6c, 0x33, 0x00, 0x41, 0x06, 0x66, 0x6d, 0x75,
    0x6c, 0x33, 0x72, 0x00, 0x42, 0x08, 0x73, 0x77, 0x69, 0x74, 0x63, 0x68,
    0x5f, 0x6b, 0x00, 0x43, 0x09, 0x66, 0x61, 0x69, 0x6c, 0x5f, 0x64, 0x65,
    0x65, 0x70, 0x00, 0x45, 0x09, 0x0a, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x04,
    0x05, 0x06, 0x04, 0x0b, 0x0a, 0xf3, 0x08, 0x42, 0x1c, 0x00, 0x20, 0x00,
    0x41, 0x02, 0x48, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x10, 0x04, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10, 0x04, 0x6a, 0x0b,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6a, 0x0b, 0x07, 0x00, 0x41,
    0x00, 0x20, 0x00, 0x6b, 0x0b, 0x0b, 0x00, 0x20, 0x00, 0x41, 0x05, 0x21,
    0x00, 0x20, 0x00, 0x6b, 0x0b, 0x11, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20,
    0x00, 0x20, 0x01, 0x6a, 0x21, 0x00, 0x6c, 0x20, 0x00, 0x6a, 0x0b, 0x0c,
    0x00, 0x20, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x22, 0x00, 0x6c, 0x0b,
    0x14, 0x00, 0x20, 0x00, 0x02, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x00, 0x41,
    0xe4, 0x00, 0x21, 0x00, 0x0b, 0x20, 0x00, 0x6a, 0x0b, 0x06, 0x00, 0x20,
    0x01, 0x20, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x02, 0x20, 0x00, 0x20, 0x01,
    0x0b, 0x23, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x21, 0x03, 0x20, 0x01, 0x21,
    0x00, 0x20, 0x02, 0x21, 0x01, 0x20, 0x03, 0x21, 0x02, 0x20, 0x00, 0x41,
    0xe4, 0x00, 0x6c, 0x20, 0x01, 0x41, 0x0a, 0x6c, 0x20, 0x02, 0x6a, 0x6a,
    0x0b, 0x10, 0x00, 0x41, 0x01, 0x41, 0x02, 0x02, 0x03, 0x20, 0x00, 0x0d,
    0x00, 0x6a, 0x41, 0x0a, 0x0b, 0x0b, 0x0f, 0x00, 0x02, 0x7f, 0x20, 0x00,
    0x20, 0x00, 0x0d, 0x00, 0x1a, 0x41, 0xe3, 0x00, 0x0b, 0x0b, 0x22, 0x00,
    0x02, 0x7f, 0x02, 0x7f, 0x02, 0x7f, 0x20, 0x00, 0x41, 0xe4, 0x00, 0x6a,
    0x20, 0x00, 0x0e, 0x03, 0x00, 0x01, 0x02, 0x02, 0x0b, 0x41, 0xe8, 0x07,
    0x6a, 0x0b, 0x41, 0x90, 0xce, 0x00, 0x6a, 0x0b, 0x0b, 0x11, 0x00, 0x02,
    0x7f, 0x41, 0x21, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00, 0x0b, 0x41,
    0x01, 0x6a, 0x0b, 0x1e, 0x00, 0x41, 0x00, 0x20, 0x00, 0x03, 0x01, 0x21,
    0x00, 0x20, 0x00, 0x6a, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x45,
    0x04, 0x00, 0x05, 0x20, 0x00, 0x0c, 0x01, 0x0b, 0x0b, 0x0b, 0x18, 0x00,
    0x20, 0x00, 0x41, 0x0a, 0x4b, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x20, 0x00,
    0x45, 0x04, 0x7f, 0x41, 0x02, 0x05, 0x41, 0x03, 0x0b, 0x0b, 0x0b, 0x0d,
    0x00, 0x20, 0x00, 0x50, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x00, 0x0b,
    0x0b, 0x0e, 0x00, 0x41, 0x05, 0x20, 0x00, 0x41, 0x00, 0x48, 0x0d, 0x00,
    0x1a, 0x41, 0x06, 0x0b, 0x1c, 0x01, 0x02, 0x7f, 0x03, 0x40, 0x20, 0x02,
    0x20, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01,
    0x20, 0x00, 0x47, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x19, 0x01, 0x01,
    0x7f, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00,
    0x41, 0x7f, 0x6a, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x18,
    0x00, 0x02, 0x7f, 0x41, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00,
    0x20, 0x00, 0x20, 0x00, 0x46, 0x0d, 0x00, 0x1a, 0x41, 0x00, 0x0b, 0x0b,
    0x1c, 0x01, 0x02, 0x7e, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x7c, 0x21,
    0x02, 0x20, 0x01, 0x42, 0x01, 0x7c, 0x22, 0x01, 0x20, 0x00, 0x53, 0x0d,
    0x00, 0x0b, 0x20, 0x02, 0x0b, 0x28, 0x01, 0x02, 0x7f, 0x41, 0x00, 0x21,
    0x01, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02, 0x41, 0x00,
    0x21, 0x01, 0x20, 0x01, 0x41, 0x05, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41,
    0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x0a, 0x00,
    0x20, 0x00, 0x41, 0x7f, 0x6a, 0x2d, 0x00, 0x00, 0x0b, 0x0a, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x6a, 0x28, 0x02, 0x02, 0x0b, 0x09, 0x00, 0x41, 0xfc,
    0xff, 0x03, 0x28, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x41, 0xfd, 0xff, 0x03,
    0x28, 0x02, 0x00, 0x0b, 0x0b, 0x00, 0x41, 0x01, 0x28, 0x02, 0xff, 0xff,
    0xff, 0xff, 0x0f, 0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0x04, 0x6a, 0x20,
    0x01, 0x36, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x41, 0x10, 0x20, 0x00, 0x37,
    0x03, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x7e, 0x36, 0x02, 0x00,
    0x0b, 0x0d, 0x00, 0x20, 0x00, 0x30, 0x00, 0x00, 0x20, 0x00, 0x32, 0x01,
    0x01, 0x7c, 0x0b, 0x17, 0x00, 0x41, 0x01, 0x40, 0x00, 0x1a, 0x41, 0xf0,
    0xa2, 0x04, 0x41, 0x2a, 0x36, 0x02, 0x00, 0x41, 0xf0, 0xa2, 0x04, 0x28,
    0x02, 0x00, 0x0b, 0x07, 0x00, 0x41, 0x01, 0x40, 0x00, 0x1a, 0x0b, 0x14,
    0x00, 0x10, 0x25, 0x41, 0xf0, 0x93, 0x09, 0x41, 0x05, 0x36, 0x02, 0x00,
    0x41, 0xf0, 0x93, 0x09, 0x28, 0x02, 0x00, 0x0b, 0x25, 0x00, 0x41, 0xe4,
    0x00, 0x41, 0x07, 0x41, 0x0a, 0xfc, 0x0b, 0x00, 0x41, 0xe9, 0x00, 0x41,
    0xe4, 0x00, 0x41, 0x0a, 0xfc, 0x0a, 0x00, 0x00, 0x41, 0xf2, 0x00, 0x2d,
    0x00, 0x00, 0x41, 0xf3, 0x00, 0x2d, 0x00, 0x00, 0x6a, 0x0b, 0x09, 0x00,
    0x20, 0x01, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x0b, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x41, 0x01, 0x6a, 0x10, 0x2a, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00,
    0x0b, 0x0b, 0x09, 0x00, 0x10, 0x02, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x10, 0x01, 0x41, 0x01, 0x6a, 0x0b, 0x14, 0x00,
    0x20, 0x00, 0xb7, 0x20, 0x01, 0xb9, 0xa0, 0x20, 0x02, 0xbb, 0x20, 0x03,
    0x20, 0x04, 0xb8, 0xa0, 0xa0, 0xa0, 0x0b, 0x18, 0x00, 0x41, 0x01, 0x42,
    0x02, 0x43, 0x00, 0x00, 0x60, 0x40, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x11, 0x40, 0x41, 0x7f, 0x10, 0x2e, 0x0b, 0x0b, 0x00, 0x23, 0x00,
    0x20, 0x00, 0x6a, 0x24, 0x00, 0x23, 0x00, 0x0b, 0x09, 0x00, 0x41, 0x0a,
    0x41, 0x14, 0x20, 0x00, 0x1b, 0x0b, 0x1b, 0x00, 0x20, 0x00, 0x44, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0xa2, 0x20, 0x00, 0x44, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x40, 0xa3, 0xa0, 0x0b, 0x12, 0x00,
    0x20, 0x00, 0x43, 0x00, 0x00, 0xc0, 0x3f, 0x5d, 0x04, 0x7f, 0x41, 0x01,
    0x05, 0x41, 0x00, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x08, 0x77,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x0a, 0x00, 0x20,
    0x00, 0x04, 0x40, 0x00, 0x0b, 0x41, 0x03, 0x0b, 0x11, 0x00, 0x20, 0x00,
    0x41, 0x0a, 0x6e, 0x20, 0x00, 0x41, 0x79, 0x6f, 0x41, 0xe8, 0x07, 0x6c,
    0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x7f, 0x6d, 0x0b, 0x07, 0x00,
    0x20, 0x00, 0x41, 0x7f, 0x6f, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x00,
    0x6e, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x42, 0x7d, 0x7f, 0x0b, 0x13, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x6c, 0x20, 0x02, 0x6a, 0x20, 0x00, 0x20, 0x01,
    0x20, 0x00, 0x6c, 0x6a, 0x6b, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x7e, 0x20, 0x00, 0x7c, 0x0b, 0x24, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03,
    0x40, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x00, 0x41,
    0x01, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c,
    0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x1b, 0x00, 0x03, 0x40, 0x20, 0x00,
    0x2d, 0x00, 0x00, 0x41, 0x22, 0x47, 0x04, 0x40, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x21, 0x00, 0x0c, 0x01, 0x0b, 0x0b, 0x20, 0x00, 0x0b, 0x21, 0x01,
    0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20,
    0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x28, 0x02, 0x00, 0x22,
    0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x0a, 0x00, 0x20, 0x00,
    0x20, 0x01, 0xa2, 0x20, 0x02, 0xa2, 0x0b, 0x0a, 0x00, 0x20, 0x02, 0x20,
    0x00, 0x20, 0x01, 0xa2, 0xa2, 0x0b, 0x1d, 0x00, 0x02, 0x40, 0x02, 0x40,
    0x02, 0x40, 0x20, 0x00, 0x41, 0x7d, 0x6a, 0x0e, 0x02, 0x00, 0x01, 0x02,
    0x0b, 0x41, 0x0a, 0x0f, 0x0b, 0x41, 0x14, 0x0f, 0x0b, 0x41, 0x1e, 0x0b,
    0x16, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
    0x44, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x07, 0x10, 0x03, 0x0b, 0x0b, 0x06,
    0x00, 0x20, 0x00, 0x10, 0x44, 0x0b,
};

/*
 * (module
 *   (memory (export "mem") 1)
 *   (global $base (mut i32) (i32.const 1000))
 *   (func (export "get") (param $i i32) (result i32)
 *     (global.set $base (i32.add (global.get $base) (i32.const 1)))
 *     (i32.add (i32.load (i32.mul (local.get $i) (i32.const 4))) (global.get
 *         $base)))
 *   (func (export "put") (param $i i32) (param $v i32)
 *     (i32.store (i32.mul (local.get $i) (i32.const 4)) (local.get $v)))
 *   (func (export "trap") (result i32) (unreachable)))
 */
static const uint8_t lib_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x01,
    0x7f, 0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01,
    0x06, 0x07, 0x01, 0x7f, 0x01, 0x41, 0xe8, 0x07, 0x0b, 0x07, 0x1a, 0x04,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00,
    0x03, 0x70, 0x75, 0x74, 0x00, 0x01, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00,
    0x02, 0x0a, 0x27, 0x03, 0x14, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24,
    0x00, 0x20, 0x00, 0x41, 0x04, 0x6c, 0x28, 0x02, 0x00, 0x23, 0x00, 0x6a,
    0x0b, 0x0c, 0x00, 0x20, 0x00, 0x41, 0x04, 0x6c, 0x20, 0x01, 0x36, 0x02,
    0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

/*
 * (module
 *   (type $ii (func (param i32) (result i32)))
 *   (import "lib" "get" (func $get (param i32) (result i32)))
 *   (import "lib" "trap" (func $trap (result i32)))
 *   (memory 1)
 *   (table 1 funcref)
 *   (elem (i32.const 0) $get)
 *   (func (export "run") (param $i i32) (result i32)
 *     (i32.store (i32.const 0) (i32.const 5))
 *     (i32.add (call $get (local.get $i)) (i32.load (i32.const 0))))
 *   (func (export "run_ind") (param $i i32) (result i32)
 *     (i32.store (i32.const 0) (i32.const 6))
 *     (i32.add (call_indirect (type $ii) (local.get $i) (i32.const 0))
 *              (i32.load (i32.const 0))))
 *   (func (export "run_trap") (result i32) (call $trap)))
 */
static const uint8_t user_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x16, 0x02, 0x03,
    0x6c, 0x69, 0x62, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x03, 0x6c, 0x69,
    0x62, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x01, 0x03, 0x04, 0x03, 0x00,
    0x00, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00,
    0x01, 0x07, 0x1c, 0x03, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x02, 0x07, 0x72,
    0x75, 0x6e, 0x5f, 0x69, 0x6e, 0x64, 0x00, 0x03, 0x08, 0x72, 0x75, 0x6e,
    0x5f, 0x74, 0x72, 0x61, 0x70, 0x00, 0x04, 0x09, 0x07, 0x01, 0x00, 0x41,
    0x00, 0x0b, 0x01, 0x00, 0x0a, 0x31, 0x03, 0x13, 0x00, 0x41, 0x00, 0x41,
    0x05, 0x36, 0x02, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x00, 0x28, 0x02,
    0x00, 0x6a, 0x0b, 0x16, 0x00, 0x41, 0x00, 0x41, 0x06, 0x36, 0x02, 0x00,
    0x20, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00,
    0x6a, 0x0b, 0x04, 0x00, 0x10, 0x01, 0x0b,
};

/* ------------------------------------------------------------ helpers */

static wx_wasm_func *func(wx_instance *inst, const char *name)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    CHECK_MSG(f != NULL, "no export %s", name);
    return f;
}

/* Calls a function of i32 parameters and results; returns the status. */
static wx_status call_i32(wx_instance *inst, const char *name,
                          const int32_t *args, size_t nargs, int32_t *res,
                          size_t nres, wx_error *err)
{
    wx_wasm_val a[8], r[8];
    for (size_t i = 0; i < nargs; i++)
        a[i] = wx_wasm_i32(args[i]);
    wx_wasm_func *f = func(inst, name);
    if (!f)
        return WX_ENOEXPORT;
    wx_error_clear(err);
    wx_status s = wx_call(f, a, nargs, r, nres, err);
    for (size_t i = 0; s == WX_OK && i < nres; i++)
        res[i] = r[i].of.i32;
    return s;
}

/* f(args...) == want, for one-result i32 functions. */
static int32_t i32_of(wx_instance *inst, const char *name, int32_t x0,
                      int32_t x1, size_t nargs)
{
    int32_t a[2] = {x0, x1}, r = INT32_MIN;
    wx_error err;
    wx_status s = call_i32(inst, name, a, nargs, &r, 1, &err);
    CHECK_MSG(s == WX_OK, "%s: %s", name, err.message);
    return r;
}

#define I0(name) i32_of(inst, name, 0, 0, 0)
#define I1(name, x) i32_of(inst, name, x, 0, 1)
#define I2(name, x, y) i32_of(inst, name, x, y, 2)

/* f(args) traps with `kind`; returns the error for further checks. */
static wx_error expect_trap(wx_instance *inst, const char *name,
                            const int32_t *args, size_t nargs, size_t nres,
                            wx_trap kind)
{
    wx_error err;
    int32_t r[4];
    wx_status s = call_i32(inst, name, args, nargs, r, nres, &err);
    CHECK_MSG(s == WX_ETRAP && err.trap == kind,
              "%s: expected trap %s, got status %s trap %s (%s)", name,
              wx_trap_name(kind), wx_status_name(s), wx_trap_name(err.trap),
              err.message);
    return err;
}

static uint32_t export_index(const wx_module *m, const char *name)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WX_EXTERN_FUNC &&
            strcmp(m->exports[i].name, name) == 0)
            return m->exports[i].index;
    return WX_NO_INDEX;
}

/* Whether the compiled code of export `name` uses internal op `op`. */
static bool uses_op(const wx_module *m, const char *name, const char *op)
{
    uint32_t idx = export_index(m, name);
    if (idx == WX_NO_INDEX)
        return false;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return false;
    wxc_dump(f, m, idx);
    fclose(f);
    char pat[64];
    snprintf(pat, sizeof pat, " %s ", op);
    bool found = strstr(buf, pat) != NULL;
    free(buf);
    return found;
}

/* ------------------------------------------------------ host functions */

typedef struct host_env {
    wx_instance *inst;
    int reentered;
} host_env;

static wx_status host_add(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)env;
    results[0] = wx_wasm_i32(args[0].of.i32 + args[1].of.i32);
    return WX_OK;
}

/* Calls back into the guest on the same instance (and stack). */
static wx_status host_reenter(wx_host_ctx *ctx, const wx_wasm_val *args,
                              wx_wasm_val *results, void *env)
{
    host_env *he = env;
    wx_wasm_val r;
    wx_status s = wx_call(wx_instance_func(he->inst, "fib"), args, 1, &r, 1,
                          wx_host_error(ctx));
    if (s != WX_OK)
        return s;
    he->reentered++;
    results[0] = wx_wasm_i32(r.of.i32 * 2);
    return WX_OK;
}

static wx_status host_fail(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    (void)results;
    (void)env;
    return wx_error_set(wx_host_error(ctx), WX_EHOST, "fail %d",
                        (int)args[0].of.i32);
}

static wx_status host_double(wx_host_ctx *ctx, const wx_wasm_val *args,
                             wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)env;
    results[0] = wx_wasm_i32(args[0].of.i32 * 2);
    return WX_OK;
}

static wx_status host_interrupt(wx_host_ctx *ctx, const wx_wasm_val *args,
                                wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    (void)results;
    wx_instance_interrupt(((host_env *)env)->inst);
    return WX_OK;
}

/* --------------------------------------------------------------- tests */

static void test_values(wx_instance *inst)
{
    CHECK(I1("fib", 20) == 6765);
    CHECK(I1("alias1", 10) == 5);
    CHECK(I2("alias2", 3, 4) == 19);
    CHECK(I1("tee", 5) == 30);
    CHECK(I1("alias_block", 0) == 0);
    CHECK(I1("alias_block", 7) == 107);

}

static void test_multi(wx_instance *inst)
{
    wx_error e3;
    int32_t s3[3] = {1, 2, 3}, sr = 0;
    CHECK(call_i32(inst, "shuffle", s3, 3, &sr, 1, &e3) == WX_OK &&
          sr == 231);
    wx_error err;
    int32_t a[3] = {1, 2, 3}, r[3] = {0};
    CHECK(call_i32(inst, "swap", a, 2, r, 2, &err) == WX_OK);
    CHECK(r[0] == 2 && r[1] == 1);
    CHECK(call_i32(inst, "rot3", a, 3, r, 3, &err) == WX_OK);
    CHECK(r[0] == 3 && r[1] == 1 && r[2] == 2);
    int32_t x = 1;
    CHECK(call_i32(inst, "blockv", &x, 1, r, 2, &err) == WX_OK);
    CHECK(r[0] == 1 && r[1] == 2);
    x = 0;
    CHECK(call_i32(inst, "blockv", &x, 1, r, 2, &err) == WX_OK);
    CHECK(r[0] == 3 && r[1] == 10);
}

static void test_control(wx_instance *inst)
{
    CHECK(I1("brif_vals", 5) == 5);
    CHECK(I1("brif_vals", 0) == 99);
    CHECK(I1("brtab", 0) == 11100);
    CHECK(I1("brtab", 1) == 10101);
    CHECK(I1("brtab", 2) == 102);
    CHECK(I1("brtab", 7) == 107);
    CHECK(I1("brtab_ret", 0) == 34);
    CHECK(I1("brtab_ret", 1) == 33);
    CHECK(I1("brtab_ret", 5) == 34);
    CHECK(I1("switch_k", 3) == 10);
    CHECK(I1("switch_k", 4) == 20);
    CHECK(I1("switch_k", 5) == 30);
    CHECK(I1("switch_k", 0) == 30); /* -3: far out of range */
    CHECK(I1("switch_k", 100) == 30);
    CHECK(I1("sum_loop", 4) == 10);
    CHECK(I1("ifelse", 11) == 1);
    CHECK(I1("ifelse", 0) == 2);
    CHECK(I1("ifelse", 5) == 3);
    CHECK(I1("br_ret", -1) == 5);
    CHECK(I1("br_ret", 1) == 6);
    CHECK(I1("count_ne", 10) == 45);
    CHECK(I1("countdown", 5) == 15);
    CHECK(I1("addbr_same", 3) == 1);
    CHECK(I1("zero_loop", 3) == 10);
    CHECK(I1("sel", 1) == 10);
    CHECK(I1("sel", 0) == 20);
    CHECK((uint32_t)I1("rot", 0x12345678) == 0x34567812u);
    CHECK(I2("div", 7, 2) == 3);
    CHECK(I1("unreach", 0) == 3);
    CHECK(I1("divk", 123) == 12 + 4000);
    CHECK(I1("divk", -123) == (int32_t)(0xFFFFFF85u / 10) - 4000);
    CHECK(I1("rem_m1", INT32_MIN) == 0);
    CHECK(I1("div_m1", 5) == -5);
    {
        int32_t m[3] = {7, 6, 5}, mr = 0;
        wx_error me;
        /* (7*6 + 5) - (7 + 6*7) */
        CHECK(call_i32(inst, "mad", m, 3, &mr, 1, &me) == WX_OK && mr == -2);
        m[0] = 0x10000;
        m[1] = 0x10001;
        m[2] = 3;
        CHECK(call_i32(inst, "mad", m, 3, &mr, 1, &me) == WX_OK &&
              mr == (int32_t)(0x10000u + 3u - 0x10000u -
                              0x10001u * 0x10000u));
    }

    wx_wasm_val a = {0}, r = {0};
    wx_error err;
    a = wx_wasm_i64(0);
    CHECK(wx_call(func(inst, "if_i64"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i32 == 1);
    a = wx_wasm_i64((int64_t)1 << 40);
    CHECK(wx_call(func(inst, "if_i64"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i32 == 0);
    a = wx_wasm_i64(10);
    CHECK(wx_call(func(inst, "count64"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i64 == 45);
}

static void test_float(wx_instance *inst)
{
    wx_wasm_val a, r = {0};
    wx_error err;
    a = wx_wasm_f64(8.0);
    CHECK(wx_call(func(inst, "fpoly"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.f64 == 6.0);
    a = wx_wasm_f32(1.0f);
    CHECK(wx_call(func(inst, "fcmp"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i32 == 1);
    a = wx_wasm_f32(2.0f);
    CHECK(wx_call(func(inst, "fcmp"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i32 == 0);
    a = wx_wasm_f32(NAN);
    CHECK(wx_call(func(inst, "fcmp"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i32 == 0);
    CHECK(wx_call(func(inst, "call_many"), NULL, 0, &r, 1, &err) == WX_OK &&
          r.of.f64 == 4294967305.75);
    /* (0.1 * 0.2) * 0.3 != 0.1 * (0.2 * 0.3) in binary64: the fused
     * products must round exactly as the two wasm instructions do. */
    volatile double x = 0.1, y = 0.2, z = 0.3;
    double p = x * y;
    double want = p * z, want_r = z * p;
    wx_wasm_val f3[3] = {wx_wasm_f64(x), wx_wasm_f64(y), wx_wasm_f64(z)};
    CHECK(wx_call(func(inst, "fmul3"), f3, 3, &r, 1, &err) == WX_OK &&
          r.of.f64 == want);
    CHECK(wx_call(func(inst, "fmul3r"), f3, 3, &r, 1, &err) == WX_OK &&
          r.of.f64 == want_r);
    CHECK(want != x * (y * z));
}

static void test_memory(wx_instance *inst)
{
    wx_memory *mem = wx_instance_memory(inst, 0);
    uint8_t *d = wx_memory_data(mem);
    d[0] = 0xAB;
    CHECK(I1("ld_wrap", 1) == 0xAB);
    int32_t zero = 0;
    expect_trap(inst, "ld_wrap", &zero, 1, 1, WX_TRAP_MEMORY_OOB);
    uint32_t v = 0x04030201u;
    memcpy(d + 10, &v, 4);
    CHECK(I2("ld_aa", 3, 5) == 0x04030201);
    v = 0x11223344u;
    memcpy(d + 65532, &v, 4);
    CHECK(I0("ld_k") == 0x11223344);
    expect_trap(inst, "ld_k_oob", NULL, 0, 1, WX_TRAP_MEMORY_OOB);
    expect_trap(inst, "ld_k_huge", NULL, 0, 1, WX_TRAP_MEMORY_OOB);

    wx_error err;
    int32_t args[2] = {100, 77};
    CHECK(call_i32(inst, "st_ai", args, 2, NULL, 0, &err) == WX_OK);
    memcpy(&v, d + 104, 4);
    CHECK(v == 77);
    args[0] = 65532;
    expect_trap(inst, "st_ai", args, 2, 0, WX_TRAP_MEMORY_OOB);
    wx_wasm_val a = wx_wasm_i64(0x1122334455667788), r;
    CHECK(wx_call(func(inst, "st_k"), &a, 1, NULL, 0, &err) == WX_OK);
    uint64_t w;
    memcpy(&w, d + 16, 8);
    CHECK(w == 0x1122334455667788u);
    args[0] = 200;
    CHECK(call_i32(inst, "st_imm", args, 1, NULL, 0, &err) == WX_OK);
    memcpy(&v, d + 200, 4);
    CHECK(v == 0xFFFFFFFEu);
    d[300] = 0xFF;
    d[301] = 0x00;
    d[302] = 0x80;
    a = wx_wasm_i32(300);
    CHECK(wx_call(func(inst, "ld_s"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i64 == -32769);
    CHECK(I0("fill_copy") == 7);
    /* Loads fused with branches: a string, a quote, a linked list. */
    memcpy(d + 400, "hello\0", 6);
    CHECK(I1("strlen", 400) == 5);
    memcpy(d + 420, "ab\"c", 4);
    CHECK(I1("find_quote", 420) == 422);
    uint32_t links[3] = {444, 448, 0};
    memcpy(d + 440, links, sizeof links);
    CHECK(I1("list_len", 440) == 3);
    d[65535] = 'x';
    int32_t at = 65535;
    wx_error le = expect_trap(inst, "strlen", &at, 1, 1, WX_TRAP_MEMORY_OOB);
    CHECK(le.offset < sizeof core_wasm && core_wasm[le.offset] == 0x2D);
    /* Growth inside the function, then inside a callee: the interpreter's
     * cached memory size must follow. */
    CHECK(I0("grow_then_load") == 42);
    CHECK(I0("grow_in_callee") == 5);
    CHECK(wx_memory_pages(mem) == 3);
}

static void test_calls(wx_instance *inst, host_env *he)
{
    CHECK(I2("ci", 0, 5) == 8);
    CHECK(I2("ci", 1, 5) == -5);
    CHECK(I2("ci", 2, 10) == 55);
    int32_t args[2] = {3, 1};
    expect_trap(inst, "ci", args, 2, 1, WX_TRAP_INDIRECT_TYPE);
    args[0] = 4;
    expect_trap(inst, "ci", args, 2, 1, WX_TRAP_UNINITIALIZED_ELEMENT);
    args[0] = 6;
    expect_trap(inst, "ci", args, 2, 1, WX_TRAP_UNDEFINED_ELEMENT);
    CHECK(I2("callhost", 2, 3) == 6);
    CHECK(I1("reenter_test", 10) == 111);
    CHECK(he->reentered == 1);
    CHECK(I1("gadd", 3) == 10);
    CHECK(I1("gadd", 5) == 15);

    /* A host function failing below wasm frames: its status and message
     * come back, the stack is as before. */
    wx_error err;
    args[0] = 5;
    wx_error_clear(&err);
    int32_t fr;
    CHECK(call_i32(inst, "fail_deep", args, 1, &fr, 1, &err) == WX_EHOST &&
          strcmp(err.message, "fail 7") == 0);
    CHECK(inst->stack.top == inst->stack.base && inst->stack.depth == 0);

    /* Host functions in a table: call_indirect's cross-module check. */
    wx_extern tab;
    CHECK(wx_instance_export(inst, "tab", &tab) &&
          tab.kind == WX_EXTERN_TABLE);
    wx_valtype ii[2] = {WX_I32, WX_I32};
    wx_functype t1 = {1, 1, ii, ii}, t2 = {2, 1, ii, ii};
    wx_wasm_func *h1 = wx_wasm_func_new_host(&t1, host_double, NULL, &err);
    wx_wasm_func *h2 = wx_wasm_func_new_host(&t2, host_add, NULL, &err);
    if (h1 && h2) {
        wx_wasm_val v = {0};
        v.type = WX_FUNCREF;
        v.of.func = h1;
        CHECK(wx_table_set(tab.of.table, 4, v));
        CHECK(I2("ci", 4, 21) == 42);
        v.of.func = h2;
        CHECK(wx_table_set(tab.of.table, 4, v));
        args[0] = 4;
        expect_trap(inst, "ci", args, 2, 1, WX_TRAP_INDIRECT_TYPE);
        v.of.func = NULL;
        CHECK(wx_table_set(tab.of.table, 4, v));
    }
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = h1});
    wx_extern_free((wx_extern){.kind = WX_EXTERN_FUNC, .of.func = h2});

    /* Infinite recursion traps cleanly, and the instance stays usable. */
    args[0] = 0;
    expect_trap(inst, "inf", args, 1, 1, WX_TRAP_STACK_EXHAUSTED);
    CHECK(inst->stack.top == inst->stack.base && inst->stack.depth == 0);
    CHECK(I1("fib", 15) == 610);

    /* Traps report the function and the offset of the instruction. */
    args[0] = 1;
    err = expect_trap(inst, "unreach", args, 1, 1, WX_TRAP_UNREACHABLE);
    /* unreach's body: local.get 0 (2 bytes), if (2 bytes), unreachable. */
    const wx_module *m = wx_instance_module(inst);
    uint32_t ui = export_index(m, "unreach");
    CHECK(ui != WX_NO_INDEX && err.func_index == ui &&
          err.offset == m->funcs[ui].body_offset + 4);
    args[1] = 0;
    err = expect_trap(inst, "div", args, 2, 1, WX_TRAP_DIV_ZERO);
    args[0] = INT32_MIN;
    args[1] = -1;
    expect_trap(inst, "div", args, 2, 1, WX_TRAP_INT_OVERFLOW);
    args[0] = INT32_MIN;
    expect_trap(inst, "div_m1", args, 1, 1, WX_TRAP_INT_OVERFLOW);
    expect_trap(inst, "div0", args, 1, 1, WX_TRAP_DIV_ZERO);
    wx_wasm_val a = wx_wasm_i64(-301), r = {0};
    CHECK(wx_call(func(inst, "divk64"), &a, 1, &r, 1, &err) == WX_OK &&
          r.of.i64 == 100);
    wx_wasm_val a2[2] = {wx_wasm_i64(INT64_C(0x100000001)), wx_wasm_i64(3)};
    CHECK(wx_call(func(inst, "mad64"), a2, 2, &r, 1, &err) == WX_OK &&
          r.of.i64 == INT64_C(0x400000004));
}

static void test_interrupt(wx_instance *inst)
{
    wx_error err;
    wx_error_clear(&err);
    /* Set before the call: stops at function entry. */
    wx_instance_interrupt(inst);
    CHECK(wx_call(func(inst, "spin"), NULL, 0, NULL, 0, &err) ==
          WX_EINTERRUPTED);
    wx_instance_clear_interrupt(inst);
    /* Set while running: stops at the loop's back edge. */
    CHECK(wx_call(func(inst, "spin_after_host"), NULL, 0, NULL, 0, &err) ==
          WX_EINTERRUPTED);
    wx_instance_clear_interrupt(inst);
    CHECK(inst->stack.top == inst->stack.base && inst->stack.depth == 0);
    CHECK(I1("fib", 10) == 55);
}

static void test_fusions(const wx_module *m)
{
    /* The code shapes the interpreter's speed depends on. */
    CHECK(uses_op(m, "fib", "BR_UNLESS_I32_LT_S_I"));
    CHECK(uses_op(m, "fib", "I32_SUB_I"));
    CHECK(uses_op(m, "count_ne", "ADD_BR_IF_I32_NE"));
    CHECK(uses_op(m, "countdown", "ADD_BR_IF_I32_NE_I"));
    CHECK(uses_op(m, "count64", "ADD_BR_IF_I64_LT_S"));
    CHECK(uses_op(m, "ld_wrap", "I32_LOAD8_U_AI"));
    CHECK(uses_op(m, "ld_aa", "I32_LOAD_AA"));
    CHECK(uses_op(m, "ld_k", "I32_LOAD_K"));
    CHECK(!uses_op(m, "ld_k_huge", "I32_LOAD_K"));
    CHECK(uses_op(m, "st_ai", "I32_STORE_AI"));
    CHECK(uses_op(m, "st_k", "I64_STORE_K"));
    CHECK(uses_op(m, "st_imm", "I32_STORE_I"));
    CHECK(uses_op(m, "shuffle", "MOV2"));
    CHECK(uses_op(m, "fpoly", "F64_MUL_I"));
    CHECK(uses_op(m, "rot", "I32_ROTL_I"));
    CHECK(uses_op(m, "if_i64", "BR_IF_NZ64"));
    CHECK(uses_op(m, "divk", "I32_DIV_U_I"));
    CHECK(uses_op(m, "divk", "I32_REM_S_I"));
    CHECK(!uses_op(m, "div_m1", "I32_DIV_S_I"));
    CHECK(!uses_op(m, "div0", "I32_DIV_U_I"));
    CHECK(uses_op(m, "divk64", "I64_DIV_S_I"));
    CHECK(uses_op(m, "mad", "I32_MAD"));
    CHECK(uses_op(m, "mad64", "I64_MAD"));
    CHECK(uses_op(m, "strlen", "I32_LOAD8_U_BR_Z"));
    CHECK(uses_op(m, "find_quote", "I32_LOAD8_U_BR_EQ_I"));
    CHECK(uses_op(m, "list_len", "I32_LOAD_BR_NZ"));
    CHECK(uses_op(m, "fmul3", "F64_MUL_MUL"));
    CHECK(uses_op(m, "fmul3r", "F64_MUL_MULR"));
}

static void test_cross_instance(void)
{
    wx_module *ml = load(lib_wasm, sizeof lib_wasm);
    wx_module *mu = load(user_wasm, sizeof user_wasm);
    if (!ml || !mu)
        return;
    wx_error err;
    wx_error_clear(&err);
    wx_instance *lib = wx_instantiate(ml, NULL, NULL, &err);
    CHECK_MSG(lib != NULL, "%s", err.message);
    wx_linker *l = wx_linker_new(&err);
    CHECK(l && wx_linker_define_instance(l, "lib", lib, &err) == WX_OK);
    wx_instance *user = wx_instantiate(mu, l, NULL, &err);
    CHECK_MSG(user != NULL, "%s", err.message);
    if (lib && user) {
        wx_instance *inst = lib;
        int32_t a[2] = {2, 40};
        CHECK(call_i32(lib, "put", a, 2, NULL, 0, &err) == WX_OK);
        inst = user;
        /* get(2) reads lib's memory and global; user then reads its own
         * memory again after the call returns. */
        CHECK(I1("run", 2) == 40 + 1001 + 5);
        CHECK(I1("run_ind", 2) == 40 + 1002 + 6);
        wx_error e = expect_trap(user, "run_trap", NULL, 0, 1,
                                 WX_TRAP_UNREACHABLE);
        CHECK(e.func_index == 2);
        CHECK(user->stack.top == user->stack.base &&
              user->stack.depth == 0);
        CHECK(I1("run", 2) == 40 + 1003 + 5);
    }
    wx_instance_free(user);
    wx_linker_free(l);
    wx_instance_free(lib);
    wx_module_free(mu);
    wx_module_free(ml);
}

int main(void)
{
    wx_module *m = load(core_wasm, sizeof core_wasm);
    if (!m)
        return CHECK_DONE();
    wx_error err;
    wx_error_clear(&err);
    host_env he = {0};
    wx_linker *l = wx_linker_new(&err);
    wx_valtype ii[2] = {WX_I32, WX_I32};
    wx_functype t_add = {2, 1, ii, ii}, t_re = {1, 1, ii, ii};
    wx_functype t_void = {0, 0, NULL, NULL};
    CHECK(wx_linker_define_func(l, "env", "host_add", &t_add, host_add, &he,
                                &err) == WX_OK);
    CHECK(wx_linker_define_func(l, "env", "reenter", &t_re, host_reenter,
                                &he, &err) == WX_OK);
    CHECK(wx_linker_define_func(l, "env", "interrupt", &t_void,
                                host_interrupt, &he, &err) == WX_OK);
    CHECK(wx_linker_define_func(l, "env", "fail", &t_re, host_fail, NULL,
                                &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "instantiate: %s", err.message);
    if (inst) {
        he.inst = inst;
        test_values(inst);
        test_multi(inst);
        test_control(inst);
        test_float(inst);
        test_memory(inst);
        test_calls(inst, &he);
        test_interrupt(inst);
        test_fusions(m);
        wx_instance_free(inst);
    }
    wx_linker_free(l);
    wx_module_free(m);
    test_cross_instance();
    return CHECK_DONE();
}
