;; A WASI guest that sleeps in poll_oneoff for `ms` milliseconds
;; (tests/framework/test_bounds.c): a long sleep must end at the call's
;; timeout, reported as one, instead of holding the call.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Returns poll_oneoff's errno, or 100 + the event count if not 1.
  (func (export "nap") (param $ms i32) (result i32)
    (local $e i32)
    ;; subscription at 0: userdata 7, tag 0 (clock), id 1 (monotonic),
    ;; timeout ms * 1e6 ns, relative
    (i64.store (i32.const 0) (i64.const 7))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24)
      (i64.mul (i64.extend_i32_u (local.get $ms)) (i64.const 1000000)))
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (local.set $e (call $poll (i32.const 0) (i32.const 64) (i32.const 1)
                              (i32.const 128)))
    (if (local.get $e) (then (return (local.get $e))))
    (if (i32.ne (i32.load (i32.const 128)) (i32.const 1))
      (then (return (i32.add (i32.const 100) (i32.load (i32.const 128))))))
    (i32.const 0)))
