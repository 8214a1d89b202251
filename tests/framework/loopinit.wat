;; Hostile: a WASI reactor whose _initialize never ends
;; (tests/framework/test_bounds.c).
(module
  (memory (export "memory") 1)
  (func (export "_initialize") (loop $l (br $l)))
  (func (export "ready") (result i32) (i32.const 1)))
