;; Imports a function no linker of ours defines.
(module
  (import "env" "missing" (func $m (result i32)))
  (func (export "call_missing") (result i32) (call $m)))
