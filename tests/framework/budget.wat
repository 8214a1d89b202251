;; A guest for the memory budget and the idle trim (tests/framework/
;; test_budget.c): 16 pages (1 MiB) to start, at most 256, a table of 1024
;; elements (8 KiB), and calls that grow, touch, trap (some
;; under several names: plugins may not list the same one).
(module
  (memory (export "memory") 16 256)
  (table 1024 funcref)
  ;; memory.grow by n pages: the old size, or -1.
  (func (export "grow") (export "cgrow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  ;; Fills the whole memory, so that every page is resident.
  (func (export "touch") (result i32)
    (memory.fill (i32.const 0) (i32.const 1)
                 (i32.mul (memory.size) (i32.const 65536)))
    (memory.size))
  (func (export "size") (export "bsize") (export "dsize") (result i32)
    (memory.size))
  (func (export "trap") (unreachable)))
