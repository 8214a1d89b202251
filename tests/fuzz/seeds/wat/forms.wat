;; Most forms of the text format in one module, as a seed: every field,
;; inline imports and exports, folded and flat blocks with labels,
;; br_table, call_indirect, numbers of every kind and strings.
(module $m
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $imp (type $t)))
  (import "env" "g" (global $ig i32))
  (func $g (export "g") (import "env" "h") (param i64))
  (table $tab 2 10 funcref)
  (table (export "t2") externref (elem (ref.null extern)))
  (memory $mem (export "mem") 1 2)
  (memory (data "a\00\ff\u{1F600}" "b"))
  (global $x (mut f32) (f32.const -0x1.fffffep+127))
  (global f64 (f64.const nan:0x8_0000_0000_0001))
  (elem (table $tab) (i32.const 0) func $imp $f)
  (elem $p funcref (ref.func $f) (item ref.null func))
  (elem declare func $f)
  (data $d (memory $mem) (offset (i32.const 8)) "\t\n\"")
  (data "passive")
  (start $f2)
  (func $f2)
  (func $f (export "f") (param $a i32) (result i32) (local $b i64) (local f32 f64)
    (block $out (result i32)
      (loop $l
        (br_if $l (i32.eqz (local.get $a)))
        (br_table $out $l 0 (i32.const 1) (i32.const 2)))
      (if (result i32) (local.get $a) (then (i32.const 1_000)) (else (i32.const -0x8000_0000))))
    block (param i32) (result i32) end
    i32.const 0 call_indirect $tab (type $t)
    (i32.load8_u offset=3 align=1 (i32.const 0))
    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 0))
    data.drop $d
    (table.init $tab $p (i32.const 0) (i32.const 0) (i32.const 0))
    (select (result i32) (i32.const 1) (i32.const 2) (i32.const 3))
    drop drop
    (f32.const inf) (f32.const -nan) (f64.const 1e-300) (f64.const 0x1p-1074)
    drop drop drop drop (i64.const -9223372036854775808) drop
    (return_call $f (local.get 0))))
