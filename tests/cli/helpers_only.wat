;; A module with nothing to call: only what an ABI uses. `plugin init`
;; refuses to write a config for it.
(module
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "_initialize")))
