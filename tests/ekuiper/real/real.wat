;; Guest of the real-eKuiper suite (tests/ekuiper/real): numeric functions
;; of every SQL-reachable type, one that traps on some rows and one that
;; runs forever on some rows (stopped by the config's limits.timeout_ms).
;; The names carry the suite's prefix wxr_, so that its socket files
;; (/tmp/func_<name>.ipc) are its own.
(module
  (func (export "wxr_add32") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "wxr_add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "wxr_addf") (param f64 f64) (result f64)
    (f64.add (local.get 0) (local.get 1)))
  ;; a + b + c, with one parameter of each type
  (func (export "wxr_mix") (param i32 i64 f64) (result f64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0))
                      (f64.convert_i64_s (local.get 1)))
             (local.get 2)))
  ;; a / b: traps (integer divide by zero) when b is 0
  (func (export "wxr_div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  ;; n + 1, but never returns when n is negative
  (func (export "wxr_spin") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0))
      (then (loop $forever (br $forever))))
    (i32.add (local.get 0) (i32.const 1)))
)
