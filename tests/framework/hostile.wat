;; Hostile calls for the default limits (tests/framework/test_bounds.c):
;; an endless loop, memory grown until refused, a table grown past what
;; the memory cap holds.
(module
  (memory 1)
  (table $t 0 funcref)
  (func (export "tgrow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "spin") (loop $l (br $l)))
  ;; Grows one page at a time until memory.grow fails; returns the pages.
  (func (export "hog") (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $l)))
    (memory.size))
  (func (export "ok") (result i32) (i32.const 7)))
