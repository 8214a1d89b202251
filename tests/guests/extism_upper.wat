;; A small Extism plugin in WAT, as the PDKs build them: `upper` reads its
;; input through extism:host/env, upper-cases ASCII letters into a block
;; and sets it as the output; an empty input is an error with a message.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "empty input")
  (func (export "upper") (result i32)
    (local $n i64) (local $off i64) (local $i i64) (local $c i32)
    (local.set $n (call $input_length))
    (if (i64.eqz (local.get $n))
      (then
        (local.set $off (call $alloc (i64.const 11)))
        (block $done
          (loop $next
            (br_if $done (i64.ge_u (local.get $i) (i64.const 11)))
            (call $store_u8 (i64.add (local.get $off) (local.get $i))
                  (i32.load8_u (i32.wrap_i64 (local.get $i))))
            (local.set $i (i64.add (local.get $i) (i64.const 1)))
            (br $next)))
        (call $error_set (local.get $off))
        (return (i32.const 1))))
    (local.set $off (call $alloc (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $c (call $input_load_u8 (local.get $i)))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                     (i32.le_u (local.get $c) (i32.const 122)))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (call $store_u8 (i64.add (local.get $off) (local.get $i)) (local.get $c))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (call $output_set (local.get $off) (local.get $n))
    (i32.const 0))
)
