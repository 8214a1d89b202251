;; Guest of the eKuiper end-to-end tests: numeric functions of every wasm
;; type, one that traps, one that never returns (stopped by the config's
;; timeout), one without results and one with two; and eKuiper's fib
;; (fibonacci.wasm's function) for the benchmark's smoke test. The tests
;; rename the exports with a per-run suffix, so that parallel runs use
;; different socket files.
(module
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "hyp") (param f64 f64) (result f64)
    (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0))
                       (f64.mul (local.get 1) (local.get 1)))))
  (func (export "half") (param f32) (result f32)
    (f32.mul (local.get 0) (f32.const 0.5)))
  (func (export "spin") (param i32) (result i32)
    (loop $forever (br $forever))
    (unreachable))
  (func (export "nothing"))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (i32.const 1))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 2)))
                     (call $fib (i32.sub (local.get 0) (i32.const 1)))))))
)
