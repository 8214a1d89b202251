;; Bulk memory and table operations, large enough to be metered in chunks
;; (tests/vm/test_bulk.c): endless repetitions that only a timeout or fuel
;; stops, and single operations whose results the test compares with C.
(module
  (memory (export "mem") 256)
  (table $big 0 funcref)
  (table $ext (export "ext") 300000 externref)
  (elem $seg funcref (ref.func $one) (ref.func $one) (ref.func $one))
  (data $bytes "0123456789")
  (func $one (result i32) (i32.const 1))
  ;; table.fill of ten million elements, `reps` times (after one grow).
  (func (export "tfill") (param $reps i32) (result i32)
    (local $i i32)
    (if (i32.lt_u (table.size $big) (i32.const 10000000))
      (then (drop (table.grow $big (ref.null func) (i32.const 10000000)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $reps)))
        (table.fill $big (i32.const 0) (ref.null func) (i32.const 10000000))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; memory.fill of the whole 16 MiB, `reps` times.
  (func (export "mfill") (param $reps i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $reps)))
        (memory.fill (i32.const 0) (local.get $i) (i32.const 16777216))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  (func (export "mcopy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "mfill1") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "minit") (param i32 i32 i32)
    (memory.init $bytes (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tcopy") (param i32 i32 i32)
    (table.copy $ext $ext (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tfill1") (param i32 i32)
    (table.fill $ext (local.get 0) (ref.null extern) (local.get 1)))
  (func (export "tgrow") (param i32) (result i32)
    (table.grow $big (ref.null func) (local.get 0)))
  (func (export "tinit") (param i32 i32 i32)
    (table.init $big $seg (local.get 0) (local.get 1) (local.get 2))))
