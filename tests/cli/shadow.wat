;; Functions named like eKuiper built-ins, for test_ekuiper_builtins.sh:
;; "abs" and "Concat" (eKuiper lower-cases names before it looks), and
;; "myfn", which is no built-in.
(module
  (func (export "abs") (param i32) (result i32) (local.get 0))
  (func (export "Concat") (param i32 i32) (result i32) (local.get 0))
  (func (export "myfn") (param i32) (result i32) (local.get 0)))
