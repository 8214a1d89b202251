;; Guest log lines and the function that wrote them
;; (tests/framework/test_guest_log.c, tests/daemon/test_logs.c): a WASI
;; reactor whose `_initialize` logs a line (no function), `one` and `two`
;; log from two functions to stdout and stderr, and `boom` leaves half a
;; line and traps, so that its instance is freed (the half line: no
;; function) and made again (its `_initialize` line: no function either).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "starting\n")
  (data (i32.const 1040) "one says hi\n")
  (data (i32.const 1056) "two says bye\n")
  (data (i32.const 1072) "half")

  ;; fd_write of len bytes at ptr to fd, through the iovec at 0.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1)
                          (i32.const 8))))

  (func (export "_initialize")
    (call $write (i32.const 1) (i32.const 1024) (i32.const 9)))

  (func (export "one") (param $x i32) (result i32)
    (call $write (i32.const 1) (i32.const 1040) (i32.const 12))
    (i32.add (local.get $x) (i32.const 1)))

  (func (export "two") (param $x i32) (result i32)
    (call $write (i32.const 2) (i32.const 1056) (i32.const 13))
    (i32.add (local.get $x) (i32.const 2)))

  (func (export "boom")
    (call $write (i32.const 1) (i32.const 1072) (i32.const 4))
    unreachable))
