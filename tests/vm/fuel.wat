;; The guest of the pool's fuel tests (test_fuel.c). count(n), n >= 1,
;; uses n units of fuel (its call and n - 1 taken back-edges, engine.h);
;; the start function uses 501 (its call, count's call, 499 back-edges).
(module
  (global $counter (mut i32) (i32.const 0))

  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))

  (func $warm (drop (call $count (i32.const 500))))
  (start $warm)

  (func (export "inc") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))

  (func (export "spin") (loop $l (br $l))))
