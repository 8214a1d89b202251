;; Extism guests that test the host's edges: bounds, blocks freed at the
;; end of every call, errors without a message, variable limits, config
;; keys that are no blocks, HTTP to a denied host and a request to an
;; allowed one that curl must not send (tests/extism/test_http.py has the
;; requests that go out). Each export is () -> i32, as the Extism PDKs
;; make them.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "k")
  (data (i32.const 64) "{\"url\":\"https://user:pw@evil.example.com/\"}")
  (data (i32.const 128) "set before a trap")
  ;; An allowed host, and a method that would end the request line early.
  (data (i32.const 192) "{\"url\":\"https://api.example.org/v1\",\"method\":\"GET\\r\\nX: y\"}")

  ;; A new Extism block holding guest memory [ptr, ptr+len).
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

  ;; The offset of its first block, as 8 bytes: the same on every call
  ;; if every call starts with no blocks.
  (func (export "first_block") (result i32)
    (local $off i64)
    (local.set $off (call $alloc (i64.const 100)))
    (drop (call $alloc (i64.const 1000)))
    (call $store_u64 (local.get $off) (local.get $off))
    (call $output_set (local.get $off) (i64.const 8))
    (i32.const 0))

  (func (export "load_oob") (result i32)
    (drop (call $load_u64 (i64.const 0x10000000000)))
    (i32.const 0))

  (func (export "input_oob") (result i32)
    (drop (call $input_load_u64 (call $input_length)))
    (i32.const 0))

  (func (export "no_message") (result i32)
    (i32.const 7))

  (func (export "big_var") (result i32)
    (call $var_set (call $block (i32.const 0) (i32.const 1))
                   (call $alloc (i64.const 64)))
    (i32.const 0))

  (func (export "bad_key") (result i32)
    (drop (call $config_get (i64.const 12345)))
    (i32.const 0))

  (func (export "trap_after_error") (result i32)
    (call $error_set (call $block (i32.const 128) (i32.const 17)))
    unreachable)

  (func (export "http_allowed") (result i32)
    (drop (call $http_request (call $block (i32.const 192) (i32.const 59))
                              (i64.const 0)))
    (i32.const 0))

  (func (export "http_denied") (result i32)
    (drop (call $http_request (call $block (i32.const 64) (i32.const 43))
                              (i64.const 0)))
    (i32.const 0))
)
