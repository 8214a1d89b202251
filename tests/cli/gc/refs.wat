;; v128 and references through the numeric ABI (test_refs.sh): a v128 is
;; `bytes` of exactly 16 (lane 0 first), a reference result prints as JSON
;; describing the handle, and a reference argument can only be null.
;; GC text that wat2wasm cannot read, so outside build_guests' *.wat: run
;; reads it with the engine's own text parser.
(module
  (type $point (struct (field i32)))
  (type $bytes (array i8))
  (tag $oops)
  (elem declare func $vid)

  (func $vid (export "vid") (param v128) (result v128) (local.get 0))
  (func (export "vadd") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "vconst") (result v128)
    (v128.const i32x4 1 2 3 -1))
  ;; A number and a v128 together, and a v128 that becomes a number.
  (func (export "mixed") (param i32) (result i32 v128)
    (local.get 0) (i32x4.splat (local.get 0)))
  (func (export "lane0") (param v128) (result i32)
    (i32x4.extract_lane 0 (local.get 0)))

  (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "point") (result (ref $point)) (struct.new $point (i32.const 7)))
  (func (export "array") (result arrayref)
    (array.new_default $bytes (i32.const 3)))
  (func (export "fref") (result funcref) (ref.func $vid))
  (func (export "ext") (result externref)
    (extern.convert_any (ref.i31 (i32.const 1))))
  (func (export "exn") (result exnref)
    (block $caught (result exnref)
      (try_table (catch_all_ref $caught) (throw $oops))
      (unreachable)))
  (func (export "nullany") (result anyref) (ref.null any))
  (func (export "nullfunc") (result (ref null func)) (ref.null func))

  (func (export "isnull") (param externref) (result i32)
    (ref.is_null (local.get 0)))
  (func (export "pointnull") (param (ref null $point)) (result i32)
    (ref.is_null (local.get 0)))
  (func (export "pointx") (param (ref $point)) (result i32)
    (struct.get $point 0 (local.get 0))))
