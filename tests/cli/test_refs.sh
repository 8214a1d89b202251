# `wasmext run` on v128 and references (gc/refs.wat, numeric ABI): a v128
# is bytes of exactly 16 in memory order (hex:.. in, hex out), a reference
# result prints as JSON describing the handle, and a reference argument
# can only be null.
. "$(dirname "$0")/lib.sh"
REFS="$SRC/gc/refs.wat"

t 0 run "$REFS" vid hex:000102030405060708090a0b0c0d0e0f
out_is 000102030405060708090a0b0c0d0e0f
err_empty
t 0 run "$REFS" vadd hex:01000000020000000300000004000000 \
    base64:CgAAAAoAAAAKAAAACgAAAA==
out_is 0b0000000c0000000d0000000e000000
t 0 run "$REFS" vconst
out_is 010000000200000003000000ffffffff
t 0 run "$REFS" mixed 5
out_is "5
05000000050000000500000005000000"
t 0 run "$REFS" lane0 hex:2a000000000000000000000000000000
out_is 42
printf '\001\000\000\000\002\000\000\000\003\000\000\000\004\000\000\000' >v.bin
t 0 run "$REFS" vid @v.bin
out_is 01000000020000000300000004000000

t 0 run "$REFS" i31 -3
out_is '{"ref":"i31","value":-3}'
t 0 run "$REFS" point
out_is '{"ref":"struct"}'
t 0 run "$REFS" array
out_is '{"ref":"array"}'
t 0 run "$REFS" fref
out_is '{"ref":"func"}'
t 0 run "$REFS" ext
out_is '{"ref":"extern"}'
t 0 run "$REFS" exn
out_is '{"ref":"exn"}'
t 0 run "$REFS" nullany
out_is null
t 0 run "$REFS" nullfunc
out_is null
t 0 run --json "$REFS" mixed 7
out_is '{
  "results": [
    7,
    "BwAAAAcAAAAHAAAABwAAAA=="
  ]
}'
t 0 run --json "$REFS" i31 4
json_is 'd["results"]' "[{'ref': 'i31', 'value': 4}]"

# Arguments: null only, for a nullable reference; 16 bytes for a v128.
t 0 run "$REFS" isnull null
out_is 1
t 0 run "$REFS" pointnull null
out_is 1
t 2 run "$REFS" isnull 5
err_is "wasmext: argument 1: only null can pass as externref (a reference cannot come from outside the instance)"
out_is ""
t 2 run "$REFS" isnull '{"ref":"extern"}'
err_is "wasmext: argument 1: only null can pass as externref (a reference cannot come from outside the instance)"
t 2 run "$REFS" pointx null
err_is "wasmext: argument 1: (ref \$0) is not nullable, and a reference cannot come from outside the instance"
t 2 run "$REFS" vid hex:0001
err_is "wasmext: argument 1: a v128 takes exactly 16 bytes, got 2"
out_is ""
t 2 run "$REFS" vadd hex:01000000020000000300000004000000 hex:
err_is "wasmext: argument 2: a v128 takes exactly 16 bytes, got 0"
t 2 run "$REFS" vid 12
err_is "wasmext: argument 1: bytes are written hex:0a0b.., base64:... or @path"
t 2 run "$REFS" vid
err_is 'wasmext: "vid" takes 1 argument, got 0 (signature (bytes) -> (bytes))'
finish
