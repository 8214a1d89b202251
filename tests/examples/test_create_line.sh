#!/usr/bin/env bash
# The create_line example (Rust, the real #[wasmedge_bindgen] macro of
# wasmedge-bindgen 0.4.1): its output must be exactly the line
# shared/bindgen/ABI.md gives for wasmedge-bindgen's go_BindgenFuncs
# example, through the CLI, the C API (examples/embed.c) and the daemon;
# the errors are the ones the original function and the macro give.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ABI.md §1.7 and §2.2: go_BindgenFuncs' create_line call and its result.
P1='{"x":2.5,"y":7.8}'
P2='{"x":2.5,"y":5.8}'
LINE='{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.0,"desc":"A thin red line"}'
# serde_json's message for the malformed point below, which the original
# function unwrap()s: Rust's panic message, then a trap.
BAD_JSON='Error("EOF while parsing an object", line: 1, column: 8)'
# The macro's own error when the host passes 2 arguments to a 3-argument
# function (ABI.md §1.3).
BAD_COUNT='Invalid params count, expect 3, got 2'

db=$WORK/r.db
call 'plugin "line" added (revision 1, functions: create_line)' \
    --db "$db" plugin add "$BIN/create_line/create_line.json"

t 0 --db "$db" plugin show line
out_is_line "  create_line      bindgen  (i32, i32) -> (i32)"
call "line: ok" --db "$db" plugin check line

call "$LINE" --db "$db" call create_line "$P1" "$P2" 'A thin red line'
# The inputs of the example's older README, and its output (ABI.md §2.2).
call '{"points":[{"x":1.5,"y":3.8},{"x":2.5,"y":5.8}],"valid":true,"length":2.2360682,"desc":"A thin red line"}' \
    --db "$db" call line.create_line '{"x":1.5,"y":3.8}' "$P2" \
    'A thin red line'
# A line of length 0 is not valid.
call '{"points":[{"x":1.0,"y":1.0},{"x":1.0,"y":1.0}],"valid":false,"length":0.0,"desc":"a dot"}' \
    --db "$db" call create_line '{"x":1,"y":1}' '{"x":1,"y":1}' 'a dot'
call "$(printf '{\n  "results": [\n    "{\\"points\\":[{\\"x\\":0.0,\\"y\\":0.0},{\\"x\\":3.0,\\"y\\":4.0}],\\"valid\\":true,\\"length\\":5.0,\\"desc\\":\\"\\"}"\n  ]\n}')" \
    --db "$db" --json call create_line '{"x":0,"y":0}' '{"x":3,"y":4}' ''

# A point that is not JSON: the original unwrap()s, so the guest panics
# (Rust prints the panic through WASI on stderr) and traps. Exit 1.
t 1 --db "$db" call create_line '{"x":2.5' "$P2" 'oops'
out_is ""
err_has "panicked at"
err_has "$BAD_JSON"
err_has "wasmext: in create_line("
err_has "trap: unreachable"
# wasmext checks the count itself before the guest sees it.
t 2 --db "$db" call create_line "$P1"
err_has "expected 3 arguments, got 1"

# The macro's error: a config that declares 2 parameters for the
# 3-parameter function. The guest's Err comes back as a guest error.
sed -e 's/"name": "line"/"name": "line2"/' \
    -e 's/"params": \["string", "string", "string"\]/"params": ["string", "string"]/' \
    "$BIN/create_line/create_line.json" >"$WORK/line2.json"
call 'plugin "line2" added (revision 1, functions: create_line)' \
    --db "$WORK/two.db" plugin add "$WORK/line2.json"
t 1 --db "$WORK/two.db" call create_line "$P1" "$P2"
out_is ""
err_is "wasmext: guest error: $BAD_COUNT"

# The same calls from C through the framework API: examples/embed.c
# registers the config (updates it when run again) and passes the
# arguments as typed string values.
EMBED=$(dirname "$WASMEXT")/examples/embed
saved=$WASMEXT
WASMEXT=$EMBED
for run in first again; do
    call "$LINE" "$WORK/embed.db" "$BIN/create_line/create_line.json" \
        create_line "$P1" "$P2" 'A thin red line'
done
t 1 "$WORK/embed.db" "$BIN/create_line/create_line.json" create_line \
    '{"x":2.5' "$P2" 'oops'
err_has "$BAD_JSON"
err_has "embed: in create_line("
err_has "trap: unreachable"
t 1 "$WORK/two.db" "$WORK/line2.json" create_line "$P1" "$P2"
err_is "embed: guest error: $BAD_COUNT"
t 2 "$WORK/embed.db" "$BIN/create_line/create_line.json" create_line x
err_is "embed: create_line takes 3 argument(s), got 1"
WASMEXT=$saved

# Through the daemon (wasmext serve), one on each registry: the result,
# the trap (422 "trap"), the instance usable after it, and the macro's
# error (422 "guest").
LAST="create_line through the daemon (wasmext serve)"
checks=$((checks + 1))
OUT=$(python3 - "$WASMEXT" "$db" "$WORK/two.db" "$P1" "$P2" "$LINE" \
      "$BAD_JSON" "$BAD_COUNT" 2>&1 <<'PY'
import http.client, json, select, subprocess, sys

wasmext, db, db2, p1, p2, line, bad_json, bad_count = sys.argv[1:9]
procs = []


def serve(db):
    proc = subprocess.Popen([wasmext, "--db", db, "serve", "--listen",
                             "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    procs.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    first = proc.stdout.readline() if ready else ""
    if not first.startswith("listening on "):
        sys.exit("the daemon did not start: %r" % first)
    return http.client.HTTPConnection(first.split()[2], timeout=60)


def call(conn, plugin, args):
    conn.request("POST", "/plugins/%s/functions/create_line" % plugin,
                 json.dumps({"args": args}),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read())


bad = []
try:
    one, two = serve(db), serve(db2)
    want = (200, {"results": [line]})
    got = call(one, "line", [p1, p2, "A thin red line"])
    if got != want:
        bad.append(("create_line", got))
    status, body = call(one, "line", ['{"x":2.5', p2, "oops"])
    err = body.get("error", {})
    if (status, err.get("code"), err.get("trap")) != (422, "trap",
                                                      "unreachable"):
        bad.append(("malformed point", status, body))
    got = call(one, "line", [p1, p2, "A thin red line"])
    if got != want:
        bad.append(("after the trap", got))
    got = call(two, "line2", [p1, p2])
    if got != (422, {"error": {"code": "guest",
                               "message": "guest error: " + bad_count}}):
        bad.append(("2 arguments", got))
finally:
    errs = []
    for proc in procs:
        proc.terminate()
        try:
            errs.append(proc.communicate(timeout=30)[1])
        except subprocess.TimeoutExpired:
            proc.kill()
            errs.append(proc.communicate()[1])
# The guest's panic message reaches the daemon's stderr (WASI fd_write).
if not errs or bad_json not in errs[0]:
    bad.append(("the daemon's stderr lacks the panic message",
                errs[0][-500:] if errs else ""))
for b in bad:
    print("failed:", b)
print("%d failures" % len(bad))
sys.exit(1 if bad else 0)
PY
)
RC=$?
[ "$RC" == 0 ] || fail "exit $RC: $OUT"

user_copy create_line create_line.json create_line.wasm
call 'plugin "line" added (revision 1, functions: create_line)' \
    --db "$WORK/user.db" plugin add "$WORK/user/create_line.json"
call "$LINE" --db "$WORK/user.db" call create_line "$P1" "$P2" \
    'A thin red line'

finish
