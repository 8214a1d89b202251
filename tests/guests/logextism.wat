;; Extism log calls and the function that made them
;; (tests/framework/test_guest_log.c, tests/daemon/test_logs.c): `greet`
;; logs at info, `shout` at debug then error; both return 0 with no
;; output.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  (import "extism:host/env" "log_error" (func $log_error (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "greeting")
  (data (i32.const 16) "about to shout")
  (data (i32.const 32) "SHOUTING")

  ;; An Extism block holding the len bytes at ptr.
  (func $block (param $ptr i32) (param $len i32) (result i64)
    (local $off i64) (local $i i32)
    (local.set $off (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
              (i64.add (local.get $off) (i64.extend_i32_u (local.get $i)))
              (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $off))

  (func (export "greet") (result i32)
    (call $log_info (call $block (i32.const 0) (i32.const 8)))
    (i32.const 0))

  (func (export "shout") (result i32)
    (call $log_debug (call $block (i32.const 16) (i32.const 14)))
    (call $log_error (call $block (i32.const 32) (i32.const 8)))
    (i32.const 0)))
