;; The replay test's plugin before its fix: "parse" doubles its argument
;; but traps (unreachable, inside $check, function 0) for 100 and more.
(module
  (func $check (param i32)
    (if (i32.ge_s (local.get 0) (i32.const 100))
      (then unreachable)))
  (func (export "parse") (param i32) (result i32)
    (call $check (local.get 0))
    (i32.mul (local.get 0) (i32.const 2))))
