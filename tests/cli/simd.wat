;; SIMD in the text format (test_wat.sh): the v128 values stay inside,
;; the exports take and give the scalars `wasmext run` reads and prints.
(module
  (memory 1)
  ;; The four lanes of splat(x) + (1 2 3 4), added up: 4x + 10.
  (func (export "lanesum") (param i32) (result i32)
    (local $v v128)
    (local.set $v (i32x4.add (i32x4.splat (local.get 0))
                             (v128.const i32x4 1 2 3 4)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $v))
                      (i32x4.extract_lane 1 (local.get $v)))
             (i32.add (i32x4.extract_lane 2 (local.get $v))
                      (i32x4.extract_lane 3 (local.get $v)))))
  ;; x's bytes reversed: through memory into a v128, then a shuffle.
  (func (export "bswap") (param i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32x4.extract_lane 0
      (i8x16.shuffle 3 2 1 0 4 5 6 7 8 9 10 11 12 13 14 15
        (v128.load32_zero offset=16 align=4 (i32.const 0))
        (v128.const i64x2 0 0)))))
