;; A guest without memory calling WASI with pointers: nothing to point
;; into, so every pointer is out of bounds (EFAULT), and proc_exit still
;; ends the call with its code.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (func (export "write") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0)))
  (func (export "empty_write") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
  (func (export "yield") (result i32) (call $yield))
  (func (export "exit42") (call $exit (i32.const 42)) unreachable)
)
