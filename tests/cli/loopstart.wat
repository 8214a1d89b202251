;; Hostile: a start function that never ends (test_limits.sh). The
;; module exports what math.wat's "add" plugin needs, so that it can stand
;; in for it in a registry.
(module
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
