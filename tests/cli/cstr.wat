;; A cstring guest (src/abi/cstring.c) for test_init.sh: it exports malloc
;; and free, so `plugin init` guesses cstring for "shout", which takes
;; and returns an i32 (a string's address), and numeric for "twice" and
;; "sum"; "_initialize" is a helper it leaves out. malloc is a bump allocator;
;; free keeps nothing.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))

  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap
      (i32.and (i32.add (i32.add (local.get $p) (local.get $n))
                        (i32.const 7))
               (i32.const -8)))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "_initialize"))

  ;; shout(s): a copy of the NUL-terminated string s, ASCII letters in
  ;; upper case, in a buffer from malloc (which the host frees).
  (func (export "shout") (param $s i32) (result i32)
    (local $len i32) (local $d i32) (local $i i32) (local $c i32)
    (block $counted
      (loop $count
        (br_if $counted
          (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $len)))))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $count)))
    (local.set $d (call $malloc (i32.add (local.get $len) (i32.const 1))))
    (block $copied
      (loop $copy
        (br_if $copied (i32.gt_u (local.get $i) (local.get $len)))
        (local.set $c
          (i32.load8_u (i32.add (local.get $s) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                     (i32.le_u (local.get $c) (i32.const 122)))
          (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
        (i32.store8 (i32.add (local.get $d) (local.get $i)) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $d))

  (func (export "twice") (param i64) (result i64)
    (i64.mul (local.get 0) (i64.const 2)))
  ;; Two i32s: as likely numbers as strings, so numeric it stays.
  (func (export "sum") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
