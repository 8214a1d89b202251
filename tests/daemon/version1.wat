;; The hot-update test's plugin, version 1: "value" answers 1; "work"
;; loops n times first, so that calls are in flight during an update.
(module
  (func (export "value") (result i32) (i32.const 1))
  (func (export "work") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.const 1)))
