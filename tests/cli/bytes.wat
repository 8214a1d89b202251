;; A small wasmedge-bindgen 0.4 guest (shared/bindgen/ABI.md) for the
;; command-line tests: bytes and string values going both ways, and a
;; guest error. allocate is a bump allocator; deallocate keeps nothing.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "boom")

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap
      (i32.and (i32.add (i32.add (local.get $p) (local.get $size))
                        (i32.const 7))
               (i32.const -8)))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))

  ;; A 9-byte result descriptor: flag (0 Ok, 1 Err), pointer, count.
  (func $desc (param $flag i32) (param $ptr i32) (param $n i32) (result i32)
    (local $d i32)
    (local.set $d (call $allocate (i32.const 9)))
    (i32.store8 (local.get $d) (local.get $flag))
    (i32.store offset=1 align=1 (local.get $d) (local.get $ptr))
    (i32.store offset=5 align=1 (local.get $d) (local.get $n))
    (local.get $d))

  ;; Ok with the first argument's bytes as the one result, typed `code`.
  (func $echo (param $pp i32) (param $code i32) (result i32)
    (local $t i32)
    (local.set $t (call $allocate (i32.const 12)))
    (i32.store (local.get $t) (i32.load (local.get $pp)))
    (i32.store offset=4 (local.get $t) (local.get $code))
    (i32.store offset=8 (local.get $t) (i32.load offset=4 (local.get $pp)))
    (call $desc (i32.const 0) (local.get $t) (i32.const 1)))

  ;; echo_bytes(v: Vec<u8>) -> Vec<u8>
  (func (export "echo_bytes") (param $pp i32) (param $n i32) (result i32)
    (call $echo (local.get $pp) (i32.const 21)))
  ;; echo_string(s: String) -> String
  (func (export "echo_string") (param $pp i32) (param $n i32) (result i32)
    (call $echo (local.get $pp) (i32.const 31)))
  ;; fail() -> Result<i32, String>: always Err("boom").
  (func (export "fail") (param i32 i32) (result i32)
    (call $desc (i32.const 1) (i32.const 16) (i32.const 4))))
