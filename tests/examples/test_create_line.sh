#!/usr/bin/env bash
# The create_line example (Rust, bindgen ABI): its output must be exactly
# the line shared/bindgen/ABI.md gives for wasmedge-bindgen's
# go_BindgenFuncs example.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
call 'plugin "line" added (revision 1, functions: create_line)' \
    --db "$db" plugin add "$BIN/create_line/create_line.json"

call '{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.0,"desc":"A thin red line"}' \
    --db "$db" call create_line '{"x":2.5,"y":7.8}' '{"x":2.5,"y":5.8}' \
    'A thin red line'
# The inputs of the example's older README, and its output.
call '{"points":[{"x":1.5,"y":3.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.2360682,"desc":"A thin red line"}' \
    --db "$db" call line.create_line '{"x":1.5,"y":3.8}' '{"x":2.5,"y":5.8}' \
    'A thin red line'
# A line of length 0 is not valid.
call '{"points":[{"x":1.0,"y":1.0},{"x":1.0,"y":1.0}],"valid":false,"length":0.0,"desc":"a dot"}' \
    --db "$db" call create_line '{"x":1,"y":1}' '{"x":1,"y":1}' 'a dot'
call "$(printf '{\n  "results": [\n    "{\\"points\\":[{\\"x\\":0.0,\\"y\\":0.0},{\\"x\\":3.0,\\"y\\":4.0}],\\"valid\\":true,\\"length\\":5.0,\\"desc\\":\\"\\"}"\n  ]\n}')" \
    --db "$db" --json call create_line '{"x":0,"y":0}' '{"x":3,"y":4}' ''

# A point that is not JSON: the guest's error result, exit 1.
t 1 --db "$db" call create_line '{"x":2.5' '{"x":2.5,"y":5.8}' 'oops'
out_is ""
err_is "wasmext: guest error: p1: EOF while parsing an object at line 1 \
column 8"
t 2 --db "$db" call create_line '{"x":2.5,"y":7.8}'
err_has "expected 3 arguments, got 1"

t 0 --db "$db" plugin show line
out_is_line "  create_line      bindgen  (i32, i32) -> (i32)"
call "line: ok" --db "$db" plugin check line

# The same calls from C through the framework API: examples/embed.c
# registers the config (updates it when run again) and passes the
# arguments as typed string values.
EMBED=$(dirname "$WASMEXT")/examples/embed
saved=$WASMEXT
WASMEXT=$EMBED
for run in first again; do
    call '{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.0,"desc":"A thin red line"}' \
        "$WORK/embed.db" "$BIN/create_line/create_line.json" create_line \
        '{"x":2.5,"y":7.8}' '{"x":2.5,"y":5.8}' 'A thin red line'
done
t 1 "$WORK/embed.db" "$BIN/create_line/create_line.json" create_line \
    '{"x":2.5' '{"x":2.5,"y":5.8}' 'oops'
err_is "embed: guest error: p1: EOF while parsing an object at line 1 \
column 8"
t 2 "$WORK/embed.db" "$BIN/create_line/create_line.json" create_line x
err_is "embed: create_line takes 3 argument(s), got 1"
WASMEXT=$saved

user_copy create_line create_line.json create_line.wasm
call 'plugin "line" added (revision 1, functions: create_line)' \
    --db "$WORK/user.db" plugin add "$WORK/user/create_line.json"
call '{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.0,"desc":"A thin red line"}' \
    --db "$WORK/user.db" call create_line '{"x":2.5,"y":7.8}' \
    '{"x":2.5,"y":5.8}' 'A thin red line'

finish
