;; Hostile guest output for the daemon (tests/daemon/test_guestlog.c): a
;; line that tries to forge a line of the daemon's log and to send
;; terminal escapes, a flood of lines, a line far longer than the log
;; keeps, and a last line without its newline.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; "forge": a fake daemon log line after an embedded newline, a
  ;; carriage return, ESC [31m, DEL, U+0085 (NEL, a C1 control, in UTF-8),
  ;; a backslash, an invalid byte, and U+00E9 (kept as it is).
  (data (i32.const 1024)
    "ok\n2026-01-01T00:00:00.000Z error forged\rX\1b[31m\7f\c2\85\\\ff\c3\a9\n")
  ;; 55 bytes: 54 of text and a newline.
  (data (i32.const 2048)
    "flood flood flood flood flood flood flood flood flood.\n")
  (data (i32.const 3072) "no newline at the end")

  ;; fd_write of len bytes at ptr to fd, through the iovec at 0.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1)
                          (i32.const 8))))

  (func (export "forge")
    (call $write (i32.const 2) (i32.const 1024) (i32.const 55)))

  ;; n lines of the flood to stdout.
  (func (export "flood") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $write (i32.const 1) (i32.const 2048) (i32.const 55))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))

  ;; One line of 5000 'a's to stdout, written in pieces of 1000.
  (func (export "long")
    (local $i i32)
    (memory.fill (i32.const 8192) (i32.const 97) (i32.const 1000))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (i32.const 5)))
        (call $write (i32.const 1) (i32.const 8192) (i32.const 1000))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.store8 (i32.const 9300) (i32.const 10))
    (call $write (i32.const 1) (i32.const 9300) (i32.const 1)))

  (func (export "partial")
    (call $write (i32.const 1) (i32.const 3072) (i32.const 21))))
