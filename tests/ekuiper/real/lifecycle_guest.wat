;; Guest of the lifecycle scenarios (tests/ekuiper/real/test_lifecycle.py):
;; two versions of two functions, told apart by their results. A package
;; of version N exports aN as the function wxl_a and bN as wxl_b (the
;; test renames the exports), so an update is seen in every row.
(module
  (func (export "a1") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1000)))
  (func (export "a2") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 2000)))
  (func (export "b1") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 3000)))
  (func (export "b2") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 4000)))
)
