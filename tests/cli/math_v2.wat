;; The second version of the "math" plugin in the update test: add now
;; adds 100 more, so that the test sees which version answered.
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 100))))
