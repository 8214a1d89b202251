;; Calls into the minimal WASI (src/abi/wasi_min.c), each wrapped in an
;; export that returns the errno (and leaves outputs in memory).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello, ")
  (data (i32.const 120) "wasi\n")

  ;; iovs at 200: (100, 7), (120, 5); nwritten at 300.
  (func (export "write") (param $fd i32) (result i32)
    (i32.store (i32.const 200) (i32.const 100))
    (i32.store (i32.const 204) (i32.const 7))
    (i32.store (i32.const 208) (i32.const 120))
    (i32.store (i32.const 212) (i32.const 5))
    (call $fd_write (local.get $fd) (i32.const 200) (i32.const 2)
                    (i32.const 300)))
  (func (export "nwritten") (result i32) (i32.load (i32.const 300)))
  ;; An iov whose buffer runs past the end of memory.
  (func (export "write_bad") (result i32)
    (i32.store (i32.const 200) (i32.const 65530))
    (i32.store (i32.const 204) (i32.const 100))
    (call $fd_write (i32.const 1) (i32.const 200) (i32.const 1)
                    (i32.const 300)))
  (func (export "write_bad_iovs") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 4)
                    (i32.const 300)))
  (func (export "env_sizes") (result i32)
    (i32.store (i32.const 400) (i32.const 77))
    (i32.store (i32.const 404) (i32.const 77))
    (call $environ_sizes_get (i32.const 400) (i32.const 404)))
  (func (export "args_sizes") (result i32)
    (call $args_sizes_get (i32.const 400) (i32.const 65535)))
  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "random") (param $len i32) (result i32)
    (call $random_get (i32.const 1000) (local.get $len)))
  (func (export "random_bad") (result i32)
    (call $random_get (i32.const 65000) (i32.const 1000)))
  (func (export "clock") (param $id i32) (result i32)
    (call $clock_time_get (local.get $id) (i64.const 1) (i32.const 500)))
  (func (export "clock_value") (result i64) (i64.load (i32.const 500)))
  (func (export "exit") (param i32) (call $proc_exit (local.get 0)))
  (func (export "open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0)
                     (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0)
                     (i32.const 0)))
  (func (export "close") (result i32) (call $fd_close (i32.const 3)))
)
