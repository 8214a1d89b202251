;; A hand-written wasmedge-bindgen 0.4 guest (shared/bindgen/ABI.md): the
;; exports take (params_pointer, params_count) and return a pointer to a
;; 9-byte result descriptor. allocate is a counting bump allocator that,
;; like Rust's, hands out a dangling pointer (1) for size 0 without
;; counting it; deallocate checks its pointer and counts. Like the Rust
;; macro, the guest frees the argument buffers itself. The bad_* exports
;; return broken descriptors for the host to refuse.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $allocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $bad_alloc (mut i32) (i32.const 0))
  (data (i32.const 64) "Invalid params count")    ;; 20 bytes
  (data (i32.const 96) "division by zero")        ;; 16 bytes
  (data (i32.const 128) "line1\nline2\1b[31mred")  ;; 19 bytes
  (data (i32.const 160) "bad len field")          ;; 13 bytes

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    (if (global.get $bad_alloc) (then (return (i32.const -256))))
    (if (i32.eqz (local.get $size)) (then (return (i32.const 1))))
    (global.set $allocs (i32.add (global.get $allocs) (i32.const 1)))
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
    (if (i32.or (i32.lt_u (local.get $p) (i32.const 4096))
                (i32.ge_u (local.get $p) (global.get $heap)))
      (then unreachable))
    (global.set $frees (i32.add (global.get $frees) (i32.const 1))))

  (func (export "allocs") (result i32) (global.get $allocs))
  (func (export "frees") (result i32) (global.get $frees))
  (func (export "set_bad_alloc") (param i32)
    (global.set $bad_alloc (local.get 0)))

  ;; ------------------------------------------------------------ helpers
  (func $arg_ptr (param $pp i32) (param $i i32) (result i32)
    (i32.load
      (i32.add (local.get $pp) (i32.shl (local.get $i) (i32.const 3)))))
  (func $arg_len (param $pp i32) (param $i i32) (result i32)
    (i32.load offset=4
      (i32.add (local.get $pp) (i32.shl (local.get $i) (i32.const 3)))))
  ;; A fresh buffer holding a copy of [src, src+n).
  (func $dup (param $src i32) (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (call $allocate (local.get $n)))
    (memory.copy (local.get $p) (local.get $src) (local.get $n))
    (local.get $p))
  ;; A fresh 4-byte buffer holding v.
  (func $box32 (param $v i32) (result i32)
    (local $p i32)
    (local.set $p (call $allocate (i32.const 4)))
    (i32.store (local.get $p) (local.get $v))
    (local.get $p))
  (func $desc (param $flag i32) (param $ptr i32) (param $n i32) (result i32)
    (local $d i32)
    (local.set $d (call $allocate (i32.const 9)))
    (i32.store8 (local.get $d) (local.get $flag))
    (i32.store offset=1 align=1 (local.get $d) (local.get $ptr))
    (i32.store offset=5 align=1 (local.get $d) (local.get $n))
    (local.get $d))
  ;; Err with a copy of the static message at (src, n).
  (func $err (param $src i32) (param $n i32) (result i32)
    (call $desc (i32.const 1) (call $dup (local.get $src) (local.get $n))
                (local.get $n)))
  ;; Ok with one value.
  (func $ok1 (param $vptr i32) (param $code i32) (param $size i32)
        (result i32)
    (local $t i32)
    (local.set $t (call $allocate (i32.const 12)))
    (i32.store (local.get $t) (local.get $vptr))
    (i32.store offset=4 (local.get $t) (local.get $code))
    (i32.store offset=8 (local.get $t) (local.get $size))
    (call $desc (i32.const 0) (local.get $t) (i32.const 1)))

  ;; ------------------------------------------------------ well behaved
  ;; echo(s: String) -> String
  (func (export "echo") (param $pp i32) (param $n i32) (result i32)
    (local $p i32) (local $len i32) (local $r i32)
    (if (i32.ne (local.get $n) (i32.const 1))
      (then (return (call $err (i32.const 64) (i32.const 20)))))
    (local.set $p (call $arg_ptr (local.get $pp) (i32.const 0)))
    (local.set $len (call $arg_len (local.get $pp) (i32.const 0)))
    (local.set $r (call $dup (local.get $p) (local.get $len)))
    (call $deallocate (local.get $p) (local.get $len))
    (call $ok1 (local.get $r) (i32.const 31) (local.get $len)))

  ;; grow_echo(s: String) -> String, growing memory by 20 pages first so
  ;; that the host must re-read the memory base after the call.
  (func (export "grow_echo") (param $pp i32) (param $n i32) (result i32)
    (local $p i32) (local $len i32) (local $r i32)
    (drop (memory.grow (i32.const 20)))
    (local.set $p (call $arg_ptr (local.get $pp) (i32.const 0)))
    (local.set $len (call $arg_len (local.get $pp) (i32.const 0)))
    (local.set $r (call $dup (local.get $p) (local.get $len)))
    (call $deallocate (local.get $p) (local.get $len))
    (call $ok1 (local.get $r) (i32.const 31) (local.get $len)))

  ;; add(a: i32, b: i32) -> i32; each len field must be 1.
  (func (export "add") (param $pp i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $sum i32)
    (if (i32.ne (local.get $n) (i32.const 2))
      (then (return (call $err (i32.const 64) (i32.const 20)))))
    (if (i32.or (i32.ne (call $arg_len (local.get $pp) (i32.const 0))
                        (i32.const 1))
                (i32.ne (call $arg_len (local.get $pp) (i32.const 1))
                        (i32.const 1)))
      (then (return (call $err (i32.const 160) (i32.const 13)))))
    (local.set $a (call $arg_ptr (local.get $pp) (i32.const 0)))
    (local.set $b (call $arg_ptr (local.get $pp) (i32.const 1)))
    (local.set $sum
      (i32.add (i32.load (local.get $a)) (i32.load (local.get $b))))
    (call $deallocate (local.get $a) (i32.const 4))
    (call $deallocate (local.get $b) (i32.const 4))
    (call $ok1 (call $box32 (local.get $sum)) (i32.const 6) (i32.const 4)))

  ;; rev16(v: Vec<u16>) -> Vec<u16>: len is the element count.
  (func (export "rev16") (param $pp i32) (param $n i32) (result i32)
    (local $p i32) (local $cnt i32) (local $r i32) (local $i i32)
    (local.set $p (call $arg_ptr (local.get $pp) (i32.const 0)))
    (local.set $cnt (call $arg_len (local.get $pp) (i32.const 0)))
    (local.set $r (call $allocate (i32.shl (local.get $cnt) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $cnt)))
        (i32.store16
          (i32.add (local.get $r) (i32.shl (local.get $i) (i32.const 1)))
          (i32.load16_u
            (i32.add (local.get $p)
              (i32.shl (i32.sub (i32.sub (local.get $cnt) (local.get $i))
                                (i32.const 1))
                       (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $deallocate (local.get $p) (i32.shl (local.get $cnt) (i32.const 1)))
    (call $ok1 (local.get $r) (i32.const 23)
               (i32.shl (local.get $cnt) (i32.const 1))))

  ;; divmod(a: u32, b: u32) -> Result<(u32, u32), String>
  (func (export "divmod") (param $pp i32) (param $n i32) (result i32)
    (local $pa i32) (local $pb i32) (local $a i32) (local $b i32)
    (local $t i32)
    (local.set $pa (call $arg_ptr (local.get $pp) (i32.const 0)))
    (local.set $pb (call $arg_ptr (local.get $pp) (i32.const 1)))
    (local.set $a (i32.load (local.get $pa)))
    (local.set $b (i32.load (local.get $pb)))
    (call $deallocate (local.get $pa) (i32.const 4))
    (call $deallocate (local.get $pb) (i32.const 4))
    (if (i32.eqz (local.get $b))
      (then (return (call $err (i32.const 96) (i32.const 16)))))
    (local.set $t (call $allocate (i32.const 24)))
    (i32.store (local.get $t)
               (call $box32 (i32.div_u (local.get $a) (local.get $b))))
    (i32.store offset=4 (local.get $t) (i32.const 5))
    (i32.store offset=8 (local.get $t) (i32.const 4))
    (i32.store offset=12 (local.get $t)
               (call $box32 (i32.rem_u (local.get $a) (local.get $b))))
    (i32.store offset=16 (local.get $t) (i32.const 5))
    (i32.store offset=20 (local.get $t) (i32.const 4))
    (call $desc (i32.const 0) (local.get $t) (i32.const 2)))

  ;; unit(s: String) -> (): no values, a dangling triple pointer.
  (func (export "unit") (param $pp i32) (param $n i32) (result i32)
    (call $deallocate (call $arg_ptr (local.get $pp) (i32.const 0))
                      (call $arg_len (local.get $pp) (i32.const 0)))
    (call $desc (i32.const 0) (i32.const 4) (i32.const 0)))

  ;; An error message with control characters, and a 1000-byte one.
  (func (export "ctrl_err") (param i32 i32) (result i32)
    (call $err (i32.const 128) (i32.const 19)))
  (func (export "long_err") (param i32 i32) (result i32)
    (local $p i32)
    (local.set $p (call $allocate (i32.const 1000)))
    (memory.fill (local.get $p) (i32.const 120) (i32.const 1000))
    (call $desc (i32.const 1) (local.get $p) (i32.const 1000)))

  (func (export "trap") (param i32 i32) (result i32) unreachable)

  ;; ------------------------------------------------------------ broken
  (func $memend (result i32) (i32.mul (memory.size) (i32.const 65536)))
  (func (export "bad_desc_far") (param i32 i32) (result i32) (i32.const -16))
  (func (export "bad_desc_edge") (param i32 i32) (result i32)
    (i32.sub (call $memend) (i32.const 4)))
  (func (export "bad_flag") (param i32 i32) (result i32)
    (call $desc (i32.const 7) (i32.const 0) (i32.const 0)))
  (func (export "bad_triples") (param i32 i32) (result i32)
    (call $desc (i32.const 0) (i32.const -8) (i32.const 1)))
  (func (export "bad_count") (param i32 i32) (result i32)
    (call $desc (i32.const 0) (i32.const 4096) (i32.const 0x7fffffff)))
  (func (export "bad_triples_edge") (param i32 i32) (result i32)
    (call $desc (i32.const 0) (i32.sub (call $memend) (i32.const 12))
                (i32.const 2)))
  (func (export "bad_code") (param i32 i32) (result i32)
    (call $ok1 (call $box32 (i32.const 1)) (i32.const 99) (i32.const 4)))
  (func (export "bad_size") (param i32 i32) (result i32)
    (call $ok1 (call $box32 (i32.const 1)) (i32.const 6) (i32.const 3)))
  (func (export "bad_vptr") (param i32 i32) (result i32)
    (call $ok1 (i32.const -256) (i32.const 31) (i32.const 1000)))
  (func (export "bad_vlen") (param i32 i32) (result i32)
    (call $ok1 (i32.const 4096) (i32.const 31) (i32.const -1)))
  (func (export "bad_vlen_edge") (param i32 i32) (result i32)
    (call $ok1 (i32.sub (call $memend) (i32.const 10)) (i32.const 31)
               (i32.const 11)))
  (func (export "bad_err") (param i32 i32) (result i32)
    (call $desc (i32.const 1) (i32.const -1) (i32.const 10)))
  (func (export "bad_err_len") (param i32 i32) (result i32)
    (call $desc (i32.const 1) (i32.const 4096) (i32.const 0x7fffffff)))
  (func (export "bad_bool") (param i32 i32) (result i32)
    (call $ok1 (call $box32 (i32.const 7)) (i32.const 11) (i32.const 1)))
  (func (export "bad_char") (param i32 i32) (result i32)
    (call $ok1 (call $box32 (i32.const 0xd800)) (i32.const 12) (i32.const 4)))
  (func (export "bad_vec") (param i32 i32) (result i32)
    (call $ok1 (call $box32 (i32.const 0)) (i32.const 26) (i32.const 7)))
  ;; Wrong signatures, for the load-time check.
  (func (export "not_bindgen") (param i32) (result i32) (local.get 0))
)
