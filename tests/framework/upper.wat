;; A cstring-ABI guest (eKuiper 1.x): malloc/free and "upper", which turns
;; a NUL-terminated string to upper case in place and returns it.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.and (i32.add (i32.add (global.get $top)
                                                (local.get $n))
                                       (i32.const 7))
                              (i32.const -8)))
    (local.get $p))
  (func (export "free") (param i32))
  (func (export "upper") (param $s i32) (result i32)
    (local $p i32) (local $c i32)
    (local.set $p (local.get $s))
    (block $done
      (loop $l
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $c)))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97))
                     (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (local.get $p)
                            (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $s)))
