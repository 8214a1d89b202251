;; exceptions: a million exceptions, each thrown by a callee and caught by
;; its caller (exception handling, WebAssembly 3.0). Written in the legacy
;; form (try/catch), which wat2wasm 1.0.32 --enable-exceptions assembles
;; and node 20 and wasm-interp run without flags; clang 14 makes wasm
;; exceptions only for C++ (-fwasm-exceptions needs a wasm libc++abi),
;; so this workload is text. exceptions.c computes the same checksum
;; without exceptions, for the check (its native time is not a throw's).
;; WL_SIZE does not reach a .wat: the count is fixed here.
(module
  (tag $e (param i32))
  (func $thrower (param $i i32)
    (throw $e (i32.mul (local.get $i) (i32.const 31))))
  (func (export "run") (result i32)
    (local $i i32) (local $acc i32)
    loop $l
      try
        local.get $i
        call $thrower
      catch $e
        local.get $acc
        i32.xor
        i32.const 3
        i32.mul
        local.set $acc
      end
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.const 1000000
      i32.lt_u
      br_if $l
    end
    local.get $acc))
