;; The example module of `make run`: two small exported functions.
;; examples/CMakeLists.txt turns it into fib.wasm with wat2wasm at build time.
(module
  ;; Recursive Fibonacci: fib(0) = 0, fib(1) = 1. Deliberately naive, so
  ;; that it makes many calls and exercises the call path.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b))))
