;; Exception handling, typed function references and 64-bit tables and
;; memories in their text forms (issue 15).
(module
  (type $t (func (param i32) (result i32)))
  (type $v (func))
  (import "m" "t" (tag $imp (param i64)))
  (tag $e (export "e") (param i32))
  (tag $e2)
  (table $ft 2 (ref null $t))
  (table $nn 1 (ref func) (ref.func $sq))
  (table $t64 i64 funcref (elem $sq $sq))
  (memory i64 (data "hi"))
  (global $g (mut (ref null $t)) (ref.null $t))
  (global $x exnref (ref.null exn))
  (elem declare func $sq)
  (func $sq (type $t) (i32.mul (local.get 0) (local.get 0)))
  (func (export "run") (param $f (ref null $t)) (result i32)
    (local $r (ref null exn))
    (block $h (result i32)
      (try_table (result i32) (catch $e $h)
        (throw $e (i32.const 7))))
    (drop)
    (block $h2 (result exnref)
      (try_table (catch_ref $e2 $h2) (catch_all_ref $h2)
        (throw $e2))
      (ref.null exn))
    (local.set $r)
    (try (result i32)
      (do (throw $e (i32.const 1)))
      (catch $e)
      (catch_all (i32.const 0)))
    (drop)
    try $l
      try
        throw $e2
      delegate $l
    catch $e2
      rethrow $l
    catch_all
    end
    (block $n (br_on_null $n (local.get $f)) (drop))
    (call_ref $t (i32.const 3) (ref.as_non_null (local.get $f)))
    (drop)
    (block $b (result (ref $t))
      (br_on_non_null $b (local.get $f))
      (ref.func $sq))
    (select (result (ref null $t)) (local.get $f) (ref.null $t) (i32.const 1))
    (drop)
    (return_call_ref $t (i32.const 2) (ref.func $sq))))
