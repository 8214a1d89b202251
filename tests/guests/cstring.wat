;; cstring-ABI guest (eKuiper 1.x): strings are NUL-terminated and come in
;; memory from the exported malloc; bytes are (pointer, length). malloc is
;; a counting bump allocator, free checks its pointer and counts, so the
;; test can see that every buffer went back.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $mallocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (data (i32.const 64) "Hello, ")

  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (global.set $mallocs (i32.add (global.get $mallocs) (i32.const 1)))
    (local.set $p (global.get $heap))
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
    (global.set $heap (i32.add (local.get $p) (local.get $need)))
    (local.get $p))

  (func $free (export "free") (param $p i32)
    (if (i32.eqz (local.get $p)) (then (return)))
    (if (i32.or (i32.lt_u (local.get $p) (i32.const 4096))
                (i32.ge_u (local.get $p) (global.get $heap)))
      (then unreachable))
    (global.set $frees (i32.add (global.get $frees) (i32.const 1))))

  (func (export "mallocs") (result i32) (global.get $mallocs))
  (func (export "frees") (result i32) (global.get $frees))

  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s)
                                                    (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; greet(s) = "Hello, " + s + "!", in memory from malloc.
  (func (export "greet") (param $s i32) (result i32)
    (local $n i32) (local $r i32)
    (local.set $n (call $strlen (local.get $s)))
    (local.set $r (call $malloc (i32.add (local.get $n) (i32.const 9))))
    (memory.copy (local.get $r) (i32.const 64) (i32.const 7))
    (memory.copy (i32.add (local.get $r) (i32.const 7)) (local.get $s)
                 (local.get $n))
    (i32.store8 (i32.add (local.get $r) (i32.add (local.get $n) (i32.const 7)))
                (i32.const 33))
    (i32.store8 (i32.add (local.get $r) (i32.add (local.get $n) (i32.const 8)))
                (i32.const 0))
    (local.get $r))

  (func (export "len") (param $s i32) (result i32)
    (call $strlen (local.get $s)))

  ;; The sum of the bytes at (p, n), as i64.
  (func (export "sum_bytes") (param $p i32) (param $n i32) (result i64)
    (local $i i32) (local $sum i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i64.add (local.get $sum)
          (i64.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; mixed(s, k, d) = strlen(s) * k + d
  (func (export "mixed") (param $s i32) (param $k i64) (param $d f64)
        (result f64)
    (f64.add
      (f64.convert_i64_s
        (i64.mul (i64.extend_i32_u (call $strlen (local.get $s)))
                 (local.get $k)))
      (local.get $d)))

  ;; Broken results: no NUL before the end of memory, out of bounds, NULL,
  ;; and a string longer than the 16 MiB the host reads.
  (func (export "no_nul") (result i32)
    (memory.fill (i32.const 60000) (i32.const 97) (i32.const 5536))
    (i32.const 60000))
  (func (export "bad_ptr") (result i32) (i32.const -16))
  (func (export "null_str") (result i32) (i32.const 0))
  (func (export "long_str") (result i32)
    (drop (memory.grow (i32.const 300)))
    (memory.fill (i32.const 131072) (i32.const 97) (i32.const 17825792))
    (i32.store8 (i32.const 17956864) (i32.const 0))
    (i32.const 131072))
)
