;; The daemon tests' wasmedge-bindgen 0.4 guest (shared/bindgen/ABI.md):
;; bytes, string and JSON values both ways, and a guest error. allocate
;; is a bump allocator that never frees (deallocate does nothing) and
;; grows the memory when needed: enough for the tests' few calls.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 4096))
  (data (i32.const 16) "no such thing")

  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (global.get $top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $p) (local.get $n))
                                      (i32.const 7))
                             (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow
                      (i32.add (i32.shr_u (i32.sub (local.get $end)
                                            (i32.mul (memory.size)
                                                     (i32.const 65536)))
                                          (i32.const 16))
                               (i32.const 1)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $top (local.get $end))
    (local.get $p))
  (func (export "deallocate") (param i32 i32))

  ;; The result descriptor: flag (0 Ok, 1 Err), pointer, count.
  (func $desc (param $flag i32) (param $ptr i32) (param $n i32) (result i32)
    (local $d i32)
    (local.set $d (call $allocate (i32.const 9)))
    (i32.store8 (local.get $d) (local.get $flag))
    (i32.store offset=1 align=1 (local.get $d) (local.get $ptr))
    (i32.store offset=5 align=1 (local.get $d) (local.get $n))
    (local.get $d))

  ;; Ok with the first argument's bytes as the one result, of type `code`.
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
  ;; echo_string(s: String) -> String (also declared as json -> json)
  (func (export "echo_string") (param $pp i32) (param $n i32) (result i32)
    (call $echo (local.get $pp) (i32.const 31)))
  (func (export "echo_json") (param $pp i32) (param $n i32) (result i32)
    (call $echo (local.get $pp) (i32.const 31)))
  ;; refuse() -> Result<i32, String>: always Err("no such thing").
  (func (export "refuse") (param i32 i32) (result i32)
    (call $desc (i32.const 1) (i32.const 16) (i32.const 13))))
