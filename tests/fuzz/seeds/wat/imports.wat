;; A guest with imports that `wasmext run` cannot provide.
(module
  (import "env" "log" (func (param i32)))
  (import "env" "mem" (memory 1))
  (func (export "f")))
