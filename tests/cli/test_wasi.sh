# `wasmext run` with the full WASI: a C command (wasi_cmd.c) and a C
# reactor (wasi_reactor.c) built here with clang --target=wasm32-wasi:
# arguments, exit codes, stdin, --env, --dir preopens and the refusal of
# a path escaping them, --timeout-ms, and _initialize before FUNC.
. "$(dirname "$0")/lib.sh"

CLANG=$(command -v clang || command -v clang-14) || {
    echo "FAIL: clang for wasm32-wasi not found (apt-get install clang lld" \
         "wasi-libc)"
    exit 1
}
"$CLANG" --target=wasm32-wasi -O2 -Wall -o cmd.wasm "$SRC/wasi_cmd.c" &&
    "$CLANG" --target=wasm32-wasi -O2 -Wall -mexec-model=reactor \
             -o reactor.wasm "$SRC/wasi_reactor.c" || {
    echo "FAIL: clang --target=wasm32-wasi could not build the guests"
    exit 1
}
mkdir -p data/sub
echo "file contents" >data/f.txt
echo "in sub" >data/sub/g.txt
echo "secret" >secret.txt

# Arguments: the file as given, then the rest; stdout and stderr are
# this process's.
t 0 run cmd.wasm hello a "b c"
out_is "hello, world: 4 args: [cmd.wasm] [hello] [a] [b c]"
err_is "to stderr"
t 0 run ./cmd.wasm
out_is "hello, world: 1 args: [./cmd.wasm]"
# Arguments that look like options go after "--".
t 2 run cmd.wasm echo --frob
err_has "--frob"
t 0 run cmd.wasm -- hello --frob
out_is "hello, world: 3 args: [cmd.wasm] [hello] [--frob]"

# The exit status is the guest's exit code.
t 42 run cmd.wasm exit 42
out_is ""
err_empty
t 0 run cmd.wasm exit 0
t 2 run cmd.wasm bogus
err_is "unknown request bogus"
# The word after a command's file is FUNC only if it names an exported
# function: "memory" is exported, but as a memory, so it is an argument.
t 2 run cmd.wasm memory
err_is "unknown request memory"

# stdin is this process's.
LAST="wasmext run cmd.wasm echo (stdin)"
checks=$((checks + 1))
got=$(printf 'line one\nline two\n' | "$WASMEXT" run cmd.wasm echo)
[ "$got" == "line one
line two" ] || fail "stdin echoed as '$got'"

# --env, repeatable, in both spellings.
t 0 run --env GREETING=hi --env=X=1 cmd.wasm env GREETING
out_is "GREETING=hi"
t 0 run --env GREETING=hi --env=X=1 cmd.wasm env X
out_is "X=1"
t 0 run cmd.wasm env GREETING
out_is "GREETING=(unset)"
t 2 run --env =x cmd.wasm
err_has '--env: expected K=V, got "=x"'
t 2 run --env NOVALUE cmd.wasm
err_has "--env: expected K=V"

# --dir GUEST=HOST: files there are readable; nothing else is.
t 0 run --dir /data=./data cmd.wasm cat /data/f.txt
out_is "file contents"
t 0 run --dir "/data=$WORK/data" cmd.wasm cat /data/sub/g.txt
out_is "in sub"
t 0 run --dir data cmd.wasm cat data/f.txt
out_is "file contents"
t 0 run --dir /a=./data/sub --dir=/b=./data cmd.wasm cat /b/f.txt
out_is "file contents"
# `..` out of a preopen, or a path under no preopen: ENOTCAPABLE (76).
t 3 run --dir /data=./data cmd.wasm cat /data/../secret.txt
out_is "errno 76"
t 3 run --dir /data=./data cmd.wasm cat /data/sub/../../secret.txt
out_is "errno 76"
t 3 run cmd.wasm cat secret.txt
out_is "errno 76"
t 2 run --dir /x=./missing cmd.wasm
err_has "missing"
t 2 run --dir /x= cmd.wasm
err_has "--dir: expected GUEST=HOST or DIR"

# --timeout-ms stops a command that does not end.
t 1 run --timeout-ms 100 cmd.wasm spin
err_is "wasmext: timeout: call exceeded 100 ms"

# FUNC of a WASI reactor: _initialize runs first, output is ours.
t 0 run reactor.wasm answer 2
out_is "answering
42"
# --json: stdout is the JSON alone; what the guest prints goes to stderr.
t 0 run --json reactor.wasm answer 1
json_is 'd' "{'results': [41]}"
err_is "answering"
t 0 run --json cmd.wasm hello a
json_is 'd' "{'exit_code': 0}"
err_is "hello, world: 3 args: [cmd.wasm] [hello] [a]
to stderr"
t 42 run --json cmd.wasm exit 42
json_is 'd' "{'exit_code': 42}"
t 0 run --json --dir /data=./data cmd.wasm cat /data/f.txt
json_is 'd' "{'exit_code': 0}"
err_is "file contents"
t 2 run reactor.wasm
err_has "missing FUNC"

finish
