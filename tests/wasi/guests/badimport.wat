;; Imports that no WASI host can satisfy: a preview1 name with a result
;; that is not an errno, and a real function with the wrong type. The
;; module must fail to link (unlinkable), not get invented values.
(module
  (import "wasi_snapshot_preview1" "weird" (func (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
)
