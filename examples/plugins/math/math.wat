;; math: two numeric functions written directly in the WebAssembly text
;; format, the smallest kind of plugin (no compiler, no libc, no memory).
;;
;;   fib(n: i32) -> i64        the n-th Fibonacci number, fib(0) = 0,
;;                             fib(1) = 1; exact up to fib(92), then wraps
;;   gcd(a: i64, b: i64) -> i64  greatest common divisor, gcd(0, 0) = 0,
;;                             the signs of a and b ignored
;;
;; Build: wat2wasm math.wat -o math.wasm
(module
  (func $fib (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    ;; a, b = fib(k), fib(k + 1), from k = 0 up to k = n; a loop, so that
    ;; any n costs n steps and no call depth.
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))

  (func $abs (param $x i64) (result i64)
    (select (i64.sub (i64.const 0) (local.get $x)) (local.get $x)
            (i64.lt_s (local.get $x) (i64.const 0))))

  (func $gcd (export "gcd") (param $a i64) (param $b i64) (result i64)
    (local $t i64)
    ;; Euclid on unsigned magnitudes: rem_u never traps for a non-zero
    ;; divisor, even for the magnitude of -2^63.
    (local.set $a (call $abs (local.get $a)))
    (local.set $b (call $abs (local.get $b)))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $b)))
        (local.set $t (i64.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $next)))
    (local.get $a)))
