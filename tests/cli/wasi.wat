;; A guest importing WASI as toolchain output does: "hello" writes a line
;; to stdout through fd_write and returns its errno; "bye" calls
;; proc_exit with its argument.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasi\n")
  (func (export "hello") (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                    (i32.const 8)))
  (func (export "bye") (param i32) (call $exit (local.get 0)))
  (func (export "_start")))
