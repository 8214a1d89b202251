;; Integer division, which traps on a zero divisor: the demo's tests use it
;; to check how a trap is reported (`demo div.wasm div 7 0` exits with 3).
(module
  (func (export "div") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b))))
