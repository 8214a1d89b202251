;; The replay test's plugin after its fix: "parse" doubles every argument.
(module
  (func $check (param i32))
  (func (export "parse") (param i32) (result i32)
    (call $check (local.get 0))
    (i32.mul (local.get 0) (i32.const 2))))
