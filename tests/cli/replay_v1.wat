;; The replay test's plugin before its fix: div traps on a zero divisor.
(module
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))
