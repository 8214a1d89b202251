;; bench/doors.sh's guest: a numeric and a string function that do almost
;; nothing, so that what a call costs is the door it went through.
;;
;;   add_0000(i32, i32) -> i32                  numeric ABI
;;   echo_0000(s: String) -> String             wasmedge-bindgen 0.4 ABI
;;
;; The export names end in a 4-digit number that doors/registry.py
;; rewrites in the binary (same length, so no size field changes) to make
;; 1,000 plugins with distinct function names from one module.
;;
;; allocate is a bump allocator that starts over when every block it gave
;; is freed: the bindgen host frees all it got back after each call, so
;; memory stays at one page however many calls run (a bump allocator that
;; never starts over runs out of memory after some 10^5 calls and makes
;; the benchmark trap).
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $live (mut i32) (i32.const 0))

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    ;; Size 0 gets a dangling pointer, not counted, as Rust's allocator.
    (if (i32.eqz (local.get $size)) (then (return (i32.const 1))))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.set $p (global.get $heap))
    (local.set $need
      (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (i32.add (local.get $p) (local.get $need))
                  (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow
                      (i32.add (i32.shr_u (local.get $need) (i32.const 16))
                               (i32.const 1)))
                    (i32.const -1))
          (then unreachable))))
    (global.set $heap (i32.add (local.get $p) (local.get $need)))
    (local.get $p))

  (func $deallocate (export "deallocate") (param $p i32) (param $size i32)
    (if (i32.eqz (local.get $size)) (then (return)))
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (if (i32.eqz (global.get $live))
      (then (global.set $heap (i32.const 4096)))))

  (func (export "add_0000") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; echo(s: String) -> String: the argument (pointer, length) is the
  ;; first pair of the params block; the answer is a copy, described by
  ;; one (pointer, type 31 = String, length) triple behind the 9-byte
  ;; result descriptor (flag 0 = Ok, triples pointer, count 1). Like the
  ;; Rust macro, the guest frees its argument itself.
  (func (export "echo_0000") (param $pp i32) (param $n i32) (result i32)
    (local $src i32) (local $len i32) (local $r i32) (local $t i32)
    (local $d i32)
    (if (i32.ne (local.get $n) (i32.const 1)) (then unreachable))
    (local.set $src (i32.load (local.get $pp)))
    (local.set $len (i32.load offset=4 (local.get $pp)))
    (local.set $r (call $allocate (local.get $len)))
    (memory.copy (local.get $r) (local.get $src) (local.get $len))
    (call $deallocate (local.get $src) (local.get $len))
    (local.set $t (call $allocate (i32.const 12)))
    (i32.store (local.get $t) (local.get $r))
    (i32.store offset=4 (local.get $t) (i32.const 31))
    (i32.store offset=8 (local.get $t) (local.get $len))
    (local.set $d (call $allocate (i32.const 9)))
    (i32.store8 (local.get $d) (i32.const 0))
    (i32.store offset=1 align=1 (local.get $d) (local.get $t))
    (i32.store offset=5 align=1 (local.get $d) (i32.const 1))
    (local.get $d)))
