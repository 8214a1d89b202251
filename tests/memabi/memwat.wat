;; Memory-ABI guest in WebAssembly text: one module with a function of
;; every shape, hostile results, and hostile helpers the configs can name
;; instead of the good ones.
;;
;; allocate(size) -> ptr is a bump allocator that writes a header before
;; each block: its size and a live mark. deallocate(ptr, size) traps
;; unless ptr is a live block of exactly that size, so a wrong size, a
;; double free or a stray pointer fails the test; live() counts blocks
;; not yet freed, so the test can see that every buffer went back.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $live (mut i32) (i32.const 0))
  (data (i32.const 64) "Hello, ")
  (data (i32.const 128) "static!\00")
  ;; a length prefix that claims 2 GiB
  (data (i32.const 256) "\ff\ff\ff\7f")

  (func $allocate (export "allocate") (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (i32.add (global.get $heap) (i32.const 8)))
    (local.set $need
      (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -8)))
    (if (i32.gt_u (i32.add (local.get $p) (local.get $need))
                  (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (memory.grow
                      (i32.add (i32.shr_u (local.get $need) (i32.const 16))
                               (i32.const 1)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (i32.store (i32.sub (local.get $p) (i32.const 8)) (local.get $n))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 1))
    (global.set $heap (i32.add (local.get $p) (local.get $need)))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $p))

  (func $deallocate (export "deallocate") (param $p i32) (param $n i32)
    (if (i32.or (i32.lt_u (local.get $p) (i32.const 4104))
                (i32.ge_u (local.get $p) (global.get $heap)))
      (then unreachable))
    (if (i32.ne (i32.load (i32.sub (local.get $p) (i32.const 8)))
                (local.get $n))
      (then unreachable))
    (if (i32.ne (i32.load (i32.sub (local.get $p) (i32.const 4)))
                (i32.const 1))
      (then unreachable))
    (i32.store (i32.sub (local.get $p) (i32.const 4)) (i32.const 0))
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))

  (func (export "live") (result i32) (global.get $live))

  ;; Hostile helpers.
  (func (export "alloc_zero") (param i32) (result i32) (i32.const 0))
  (func (export "alloc_oob") (param i32) (result i32) (i32.const 65520))
  (func (export "alloc_trap") (param i32) (result i32) unreachable)
  (func (export "free_trap") (param i32) (param i32) unreachable)
  (func (export "alloc_wrong") (param i64) (result i32) (i32.const 0))

  ;; A copy of [p, p+n) in a fresh block, ASCII letters upper-cased.
  (func $upper_copy (param $p i32) (param $n i32) (result i32)
    (local $r i32) (local $i i32) (local $c i32)
    (local.set $r (call $allocate (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                     (i32.le_u (local.get $c) (i32.const 122)))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $r) (local.get $i)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $r))

  ;; ptr_len in, ptr_len out as two i32.
  (func (export "upper") (param $p i32) (param $n i32) (result i32 i32)
    (call $upper_copy (local.get $p) (local.get $n))
    (local.get $n))

  ;; ptr_len in, ptr_len packed in an i64 (pointer high).
  (func (export "upper64") (param $p i32) (param $n i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (call $upper_copy (local.get $p)
                                                   (local.get $n)))
               (i64.const 32))
      (i64.extend_i32_u (local.get $n))))

  ;; len_ptr in, len_ptr packed (length high), and len_ptr as two i32.
  (func (export "upper_lp64") (param $n i32) (param $p i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32))
      (i64.extend_i32_u (call $upper_copy (local.get $p) (local.get $n)))))
  (func (export "upper_lp") (param $n i32) (param $p i32) (result i32 i32)
    (local.get $n)
    (call $upper_copy (local.get $p) (local.get $n)))

  ;; ptr_len in, a number out, plus a number in: the bytes' sum times k.
  (func (export "weigh") (param $p i32) (param $n i32) (param $k i32)
                         (result i64)
    (local $i i32) (local $s i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i64.add (local.get $s)
          (i64.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.mul (local.get $s) (i64.extend_i32_s (local.get $k))))

  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s)
                                                    (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; cstr in, cstr out: "Hello, " + s + "!".
  (func (export "greet") (param $s i32) (result i32)
    (local $n i32) (local $r i32)
    (local.set $n (call $strlen (local.get $s)))
    (local.set $r (call $allocate (i32.add (local.get $n) (i32.const 9))))
    (memory.copy (local.get $r) (i32.const 64) (i32.const 7))
    (memory.copy (i32.add (local.get $r) (i32.const 7)) (local.get $s)
                 (local.get $n))
    (i32.store16 (i32.add (local.get $r) (i32.add (local.get $n)
                                                  (i32.const 7)))
                 (i32.const 33)) ;; "!" then NUL
    (local.get $r))

  ;; cstr out from static memory (free_result false).
  (func (export "motto") (result i32) (i32.const 128))

  ;; len_prefixed in, len_prefixed out: the bytes reversed.
  (func (export "reverse") (param $lp i32) (result i32)
    (local $n i32) (local $r i32) (local $i i32)
    (local.set $n (i32.load (local.get $lp)))
    (local.set $r (call $allocate (i32.add (local.get $n) (i32.const 4))))
    (i32.store (local.get $r) (local.get $n))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8
          (i32.add (i32.add (local.get $r) (i32.const 4)) (local.get $i))
          (i32.load8_u (i32.add (i32.add (local.get $lp) (i32.const 3))
                                (i32.sub (local.get $n) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $r))

  ;; ptr_len in, fixed:8 out: the length and the byte sum, u32 LE each.
  (func (export "stats") (param $p i32) (param $n i32) (result i32)
    (local $r i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s)
          (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.set $r (call $allocate (i32.const 8)))
    (i32.store (local.get $r) (local.get $n))
    (i32.store offset=4 (local.get $r) (local.get $s))
    (local.get $r))

  ;; ptr_len in, out_buffer out: the input upper-cased into (out, cap);
  ;; -1 when it does not fit, -7 for the input "fail".
  (func (export "shout_into") (param $p i32) (param $n i32)
                              (param $out i32) (param $cap i32)
                              (result i32)
    (local $r i32)
    (if (i32.and (i32.eq (local.get $n) (i32.const 4))
                 (i32.eq (i32.load (local.get $p)) (i32.const 0x6c696166)))
      (then (return (i32.const -7))))
    (if (i32.gt_u (local.get $n) (local.get $cap))
      (then (return (i32.const -1))))
    (local.set $r (call $upper_copy (local.get $p) (local.get $n)))
    (memory.copy (local.get $out) (local.get $r) (local.get $n))
    (call $deallocate (local.get $r) (local.get $n))
    (local.get $n))

  ;; Hostile results.
  (func (export "past_end") (param i32) (param i32) (result i32 i32)
    (i32.const 65530) (i32.const 100))
  (func (export "wraps") (param i32) (param i32) (result i32 i32)
    (i32.const -16) (i32.const 32))
  (func (export "null_pair") (param i32) (param i32) (result i32 i32)
    (i32.const 0) (i32.const 5))
  (func (export "huge_prefix") (param i32) (result i32) (i32.const 256))
  (func (export "prefix_at_end") (param i32) (result i32) (i32.const 65534))
  (func (export "fixed_at_end") (param i32) (param i32) (result i32)
    (i32.const 65532))
  (func (export "null_cstr") (param i32) (result i32) (i32.const 0))
  (func (export "overfill") (param i32) (param i32) (param i32) (param $cap i32)
                            (result i32)
    (i32.add (local.get $cap) (i32.const 1)))
  ;; traps after the host allocated its argument
  (func (export "trap_after") (param i32) (param i32) (result i32 i32)
    unreachable)
)
