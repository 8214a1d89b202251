;; The guest of the pool tests: state (a global counter), traps, an endless
;; loop, memory growth, recursion, and a host call that blocks until the
;; test lets it go (to hold an instance busy without depending on timing).
(module
  (import "env" "block" (func $block (result i32)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  (func $inc (export "inc") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))

  (func (export "inc_then_trap") (result i32)
    (drop (call $inc))
    (unreachable))

  (func (export "inc_then_spin")
    (drop (call $inc))
    (loop $l (br $l)))

  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))

  (func (export "pages") (result i32)
    (memory.size))

  (func $recurse (export "recurse") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
                     (call $recurse (i32.sub (local.get 0) (i32.const 1)))))))

  (func (export "blocking") (result i32)
    (call $block)))
