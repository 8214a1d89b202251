;; Numeric functions for the command-line tests: every wasm number type,
;; several results, traps, an endless loop, unbounded recursion and
;; memory growth. It also defines what `wasmext inspect` reports: a
;; memory with limits, a table, globals, a data segment and a start
;; function.
(module
  (memory (export "memory") 1 4)
  (table 2 funcref)
  (global $started (mut i32) (i32.const 0))
  (global (export "answer") i32 (i32.const 42))
  (data (i32.const 0) "hi")

  (func $init (global.set $started (i32.const 1)))
  (start $init)

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "fdiv") (param f64 f64) (result f64)
    (f64.div (local.get 0) (local.get 1)))
  (func (export "f32id") (param f32) (result f32) (local.get 0))
  (func (export "swap") (param i64 i32) (result i32 i64)
    (local.get 1) (local.get 0))
  (func (export "started") (result i32) (global.get $started))
  (func (export "nothing"))
  (func (export "boom") (unreachable))
  (func (export "spin") (loop $l (br $l)))
  (func $rec (export "rec") (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0))))
