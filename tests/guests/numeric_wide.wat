;; The numeric ABI's wider values (test_numeric.c): a v128 travels as 16
;; bytes, a reference as json (a result describes it; only null goes in).
(module
  (func $vswap (export "vswap") (param v128) (result v128)
    ;; The two 64-bit halves exchanged.
    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
      (local.get 0) (local.get 0)))
  (elem declare func $vswap)
  (func (export "fref") (param i32) (result funcref)
    (if (result funcref) (local.get 0)
      (then (ref.func $vswap))
      (else (ref.null func))))
  (func (export "isnull") (param externref) (result i32)
    (ref.is_null (local.get 0))))
