;; Version 1 of the hot-update plugin: "value" answers 1; "slow" loops
;; `n` times first, so that a call can be in flight during an update.
(module
  (func (export "value") (result i32) (i32.const 1))
  (func (export "slow") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.const 1)))
