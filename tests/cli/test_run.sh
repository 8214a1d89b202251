# `wasmext run`: numbers in and out, argument errors, traps, limits,
# WASI, and the --json form.
. "$(dirname "$0")/lib.sh"
build_guests

# Numbers by the signature; results one per line.
t 0 run math.wasm add 2 3
out_is 5
err_empty
t 0 run math.wasm add -7 3
out_is -4
t 0 run math.wasm add 0x10 0X0f
out_is 31
t 0 run math.wasm add 0xffffffff 0
out_is -1
t 0 run math.wasm add 2147483647 1
out_is -2147483648
t 0 run math.wasm add 25.0 0
out_is 25
t 0 run math.wasm add64 9223372036854775807 0
out_is 9223372036854775807
t 0 run math.wasm add64 0xffffffffffffffff 0
out_is -1
t 0 run math.wasm fdiv 1 3
out_is 0.3333333333333333
t 0 run math.wasm fdiv 1 0
out_is inf
t 0 run math.wasm fdiv -1 0
out_is -inf
t 0 run math.wasm fdiv 0 0
out_has nan
t 0 run math.wasm fdiv 1e300 1e-300
out_is inf
t 0 run math.wasm f32id 0.1
out_is 0.1
t 0 run math.wasm f32id 3.4028234663852886e38
out_is 3.4028235e+38
t 0 run math.wasm f32id nan
out_is nan
t 0 run math.wasm swap -5 7
out_is "7
-5"
t 0 run math.wasm nothing
out_is ""
t 0 run math.wasm started
out_is 1
# Options may come after the file; "--" ends them.
t 0 run --timeout-ms 5000 math.wasm add 1 2 --stack 100
out_is 3
t 0 run math.wasm add -- -1 -2
out_is -3

# Wrong argument counts and types: exit 2, the argument named.
t 2 run math.wasm add 1
err_is 'wasmext: "add" takes 2 arguments, got 1 (signature (i32, i32) -> (i32))'
out_is ""
t 2 run math.wasm add 1 2 3
err_has '"add" takes 2 arguments, got 3'
t 2 run math.wasm add 3.5 1
err_is "wasmext: argument 1: 3.5 does not fit i32 exactly"
t 2 run math.wasm add 1 x
err_is 'wasmext: argument 2: "x" is not a number (i32)'
t 2 run math.wasm add 4294967296 0
err_has "argument 1: 4294967296 does not fit i32 exactly"
t 2 run math.wasm add -2147483649 0
err_has "argument 1: -2147483649 does not fit i32 exactly"
t 2 run math.wasm add64 18446744073709551616 0
err_has "argument 1: 18446744073709551616 does not fit i64 exactly"
t 2 run math.wasm f32id 1e39
err_has "argument 1: 1e39 does not fit f32 exactly"
t 2 run math.wasm fdiv 1 two
err_has 'argument 2: "two" is not a number (f64)'

# Traps: exit 1, kind, function and offset (of the div_s instruction, as
# wabt's disassembler gives it).
objdump=$(dirname "$WAT2WASM")/wasm-objdump
at=$("$objdump" -d math.wasm | awk '/i32.div_s/ { sub(":", "", $1); print $1 }')
at=$(printf "0x%x" "0x$at")
t 1 run math.wasm div 1 0
err_is "wasmext: trap: integer divide by zero in function 2 (\"div\") "\
"at offset $at"
out_is ""
t 1 run math.wasm div -2147483648 -1
err_has 'trap: integer overflow in function 2 ("div")'
t 1 run math.wasm boom
err_has 'trap: unreachable in function 9 ("boom") at offset 0x'
t 1 run math.wasm rec 0
err_has 'trap: call stack exhausted in function 11 ("rec")'
t 1 run --stack 16 math.wasm rec 0
err_has "trap: call stack exhausted"
# The config's range (limits.stack), named as the option.
t 2 run --stack 15 math.wasm rec 0
err_has "run: --stack must be at least 16"
t 2 run --stack 100001 math.wasm rec 0
err_has '--stack: expected a whole number from 0 to 100000, got "100001"'

# Limits.
t 1 run --timeout-ms 100 math.wasm spin
err_is "wasmext: timeout: call exceeded 100 ms"
# The start function runs under the same timeout.
t 1 run --timeout-ms 100 loopstart.wasm add 1 2
err_is "wasmext: vm_config.path: loopstart.wasm cannot be instantiated: "\
"start function: timeout after 100 ms (limits.timeout_ms)"
t 0 run --max-pages 2 math.wasm grow 1
out_is 1
t 0 run --max-pages 2 math.wasm grow 2
out_is -1
t 0 run math.wasm grow 3
out_is 1
t 0 run math.wasm grow 4
out_is -1
echo '(module (memory 3) (func (export "f")))' >big.wat
"$WAT2WASM" big.wat -o big.wasm
t 2 run --max-pages 2 big.wasm f
err_is "wasmext: vm_config.path: big.wasm cannot be instantiated: memory "\
"needs 3 pages, the limit is 2 (limits.memory_pages)"
t 2 run --max-pages 0 math.wasm add 1 2
err_has "--max-pages must be at least 1"
t 2 run --timeout-ms soon math.wasm spin
err_has '--timeout-ms: expected a whole number from 0 to 3600000, got "soon"'
t 2 run --frobnicate math.wasm add 1 2
err_has "run: unknown option --frobnicate"

# The module and the function.
t 2 run missing.wasm add 1 2
err_is "wasmext: cannot read missing.wasm: No such file or directory"
echo "not wasm" >bad.wasm
t 2 run bad.wasm add 1 2
err_is "wasmext: vm_config.path: bad.wasm: at offset 0x0: magic header "\
"not detected"
t 2 run math.wasm nope
err_is 'wasmext: functions[0]: "nope" is not exported by math.wasm '\
'(exports: add, div, add64, fdiv, f32id, swap, started, nothing, boom, '\
'spin, rec, grow)'
t 2 run math.wasm memory
err_is 'wasmext: functions[0]: "memory" is exported by math.wasm, but '\
'not as a function'
t 2 run math.wasm
err_has "missing FUNC"
err_has "add, div"
t 2 run
err_has "run: missing FILE.wasm"

# Imports: WASI is provided, anything else refused by name.
t 0 run wasi.wasm hello
out_is "hello from wasi
0"
t 1 run wasi.wasm bye 3
err_is "wasmext: guest exited with code 3"
t 0 run wasi.wasm bye 0
out_is ""
# Without FUNC a command runs its _start (test_wasi.sh has more).
t 0 run wasi.wasm
out_is ""
err_empty
t 2 run imports.wasm f
err_is 'wasmext: vm_config.path: imports.wasm cannot be instantiated: '\
'unknown import "env"."log"'

# run hosts the file as the one plugin of a manager held in memory: a
# file name that is no plugin name still runs (the name is made from
# it), and nothing is registered anywhere (no registry file appears).
cp math.wasm "9 my-math.v2.wasm"
export WASMEXT_DB=$WORK/never.db XDG_DATA_HOME=$WORK/never-xdg
t 0 run "9 my-math.v2.wasm" add 2 3
out_is 5
t 0 run wasi.wasm
LAST="run leaves no registry"
checks=$((checks + 1))
[ ! -e never.db ] && [ ! -e never-xdg ] || fail "a registry was created"
unset WASMEXT_DB XDG_DATA_HOME

# --json: {"results": [...]}, before or after the command.
t 0 --json run math.wasm swap -5 7
json_is 'd' "{'results': [7, -5]}"
t 0 run math.wasm fdiv 1 0 --json
json_is 'd' "{'results': ['inf']}"
t 0 run --json math.wasm nothing
json_is 'd' "{'results': []}"
# Errors with --json are JSON on stdout (the REST daemon's shape), with
# the same exit code.
t 1 run --json math.wasm div 1 0
json_is 'd["error"]["code"], d["error"]["trap"]' "('trap', 'div_by_zero')"
json_is 'd["error"]["message"].startswith("trap: integer divide by zero")' \
    "True"
err_empty
t 2 run --json math.wasm nope
json_is 'd["error"]["code"]' "'noexport'"
# Errors of the add (start functions run there) are JSON on stdout too.
t 1 run --json --timeout-ms 100 loopstart.wasm add 1 2
json_is 'd["error"]["code"]' "'timeout'"
err_empty
t 2 run --json --max-pages x math.wasm add 1 2
json_is 'd["error"]["code"]' "'arg'"
t 2 --json run missing.wasm f
json_is 'd["error"]["code"]' "'io'"
t 2 run --bogus --json math.wasm add 1 2
json_is 'd["error"]' "{'code': 'arg', 'message': 'run: unknown option "\
"--bogus', 'usage': 'wasmext help run'}"
# A guest's output never mixes into the JSON: it goes to stderr.
t 0 run --json wasi.wasm hello
json_is 'd' "{'results': [0]}"
err_is "hello from wasi"
t 0 run --json wasi.wasm bye 0
json_is 'd' "{'results': [], 'exit_code': 0}"
t 1 run --json wasi.wasm bye 3
json_is 'd["error"]' "{'code': 'exit', 'message': 'guest exited with code 3', "\
"'exit_code': 3}"

finish
