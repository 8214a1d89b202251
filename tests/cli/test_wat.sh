# Text modules (.wat) wherever the command reads a module: `run` and
# `inspect` take math.wat as they take math.wasm (the engine's own text
# parser, wasmext/wat.h), by content, whatever the file's name; a text
# error names the file, line and column.
. "$(dirname "$0")/lib.sh"
build_guests

t 0 run "$SRC/math.wat" add 2 3
out_is 5
err_empty
t 0 run "$SRC/math.wat" swap -5 7
out_is_line 7
t 0 run "$SRC/math.wat" fdiv 1 3
out_is 0.3333333333333333
# The same answers as the binary that wat2wasm makes of the same file.
t 0 run math.wasm add64 9223372036854775807 0
out_is 9223372036854775807
t 0 run "$SRC/math.wat" add64 9223372036854775807 0
out_is 9223372036854775807
t 1 run "$SRC/math.wat" boom
err_has unreachable
# SIMD text: v128.const, lanes, a shuffle, a v128 load (simd.wat).
t 0 run "$SRC/simd.wat" lanesum 5
out_is 30
t 0 run "$SRC/simd.wat" bswap 16909060
out_is 67305985

# By content, not by name: text in a .wasm file is still text.
cp "$SRC/math.wat" text-named.wasm
t 0 run text-named.wasm add 40 2
out_is 42

t 0 inspect "$SRC/math.wat"
out_has "memory"

# Errors: file:line:col and what is wrong.
printf '(module\n  (func (export "f") (result i32)\n    i32.foo))\n' >bad-op.wat
t 2 run bad-op.wat f
err_has "bad-op.wat:3:5: unknown operator i32.foo"
printf '(module (func (br $nowhere)))\n' >bad-label.wat
t 2 run bad-label.wat f
err_has "bad-label.wat:1:19: undefined label \$nowhere"
printf '(module (func (result i32) (i32.const 0x1_0000_0000)))\n' >big.wat
t 2 inspect big.wat
err_has "big.wat:1:39: constant out of range: i32 0x1_0000_0000"
printf '(module (func (local i33)))\n' >bad-type.wat
t 2 run bad-type.wat f
err_has "bad-type.wat:1:22: unknown type \"i33\""
# Valid text, invalid module: the engine's validator says so.
printf '(module (func (export "f") (result i32) (i64.const 1)))\n' >invalid.wat
t 2 run invalid.wat f
err_has "type mismatch"

finish
