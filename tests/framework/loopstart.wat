;; Hostile: valid, but its start function never ends. Adding it must fail
;; with a timeout instead of hanging (tests/framework/test_bounds.c).
(module
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "never") (result i32) (i32.const 0))
  (func (export "ok") (result i32) (i32.const 7)))
