;; A second plugin that also exports "add" (for the duplicate-name rules)
;; and a function of its own.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.sub (local.get 0) (local.get 1)))
  (func (export "triple") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3))))
