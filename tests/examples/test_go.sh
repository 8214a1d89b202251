#!/usr/bin/env bash
# The go example (Go's own compiler, GOOS=wasip1, a reactor): numeric
# functions and cstring string functions whose buffers come from the Go
# module's malloc and go back through its free. Then 2000 string calls in
# one daemon process under a memory limit that a guest allocator leaking
# its buffers would hit.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db=$WORK/r.db
added='plugin "gofn" added (revision 1, functions: celsius_to_f, collatz_steps, rot13, title_case)'
call "$added" --db "$db" plugin add "$BIN/go/gofn.json"

# celsius_to_f: c*9/5 + 32.
call 212 --db "$db" call celsius_to_f 100
call 32 --db "$db" call gofn.celsius_to_f 0
call -40 --db "$db" call celsius_to_f -40
call 98.6 --db "$db" call celsius_to_f 37
call "$(printf '{\n  "results": [\n    212.0\n  ]\n}')" \
    --db "$db" --json call celsius_to_f 100

# collatz_steps: 27 takes 111 steps, 837799 (the longest start below a
# million) 524; -1 below 1 and when 3n+1 would overflow int64.
call 111 --db "$db" call collatz_steps 27
call 0 --db "$db" call collatz_steps 1
call 1 --db "$db" call collatz_steps 2
call 524 --db "$db" call collatz_steps 837799
call -1 --db "$db" call collatz_steps 0
call -1 --db "$db" call collatz_steps -7
call -1 --db "$db" call collatz_steps 9223372036854775807
t 2 --db "$db" call collatz_steps 1.5
err_has "1.5 does not fit i64 exactly"

# rot13: ASCII letters only; multi-byte UTF-8 passes through.
call 'Uryyb, Jbeyq!' --db "$db" call rot13 'Hello, World!'
call 'Teüßr, 世界 😀 nop' --db "$db" call rot13 'Grüße, 世界 😀 abc'
call 'Grüße, 世界 😀 abc' --db "$db" call rot13 'Teüßr, 世界 😀 nop'
call "" --db "$db" call rot13 ''
call "$(printf '{\n  "results": [\n    ""\n  ]\n}')" \
    --db "$db" --json call rot13 ''

# title_case: Unicode letters, apostrophes inside words; the digraph ǆ
# has a title case of its own, ǅ (its upper case is Ǆ).
call "École D'été À Paris" --db "$db" call title_case "ÉCOLE d'été à paris"
call "O'brien's Café Über-Größe" \
    --db "$db" call title_case "o'BRIEN's CAFÉ über-größe"
call "ǅemal 42nd Στρατός" --db "$db" call gofn.title_case 'ǆEMAL 42ND στρατός'
call "" --db "$db" call title_case ''
call "   " --db "$db" call title_case '   '
# A 100 KB argument: the Go heap grows.
long=$(printf 'wasm ext %.0s' $(seq 1 10000))
t 0 --db "$db" call title_case "$long"
err_empty
out_is "$(printf 'Wasm Ext %.0s' $(seq 1 10000))"

t 0 --db "$db" plugin show gofn
out_is_line "  celsius_to_f     numeric  (f64) -> (f64)"
out_is_line "  collatz_steps    numeric  (i64) -> (i64)"
out_is_line "  rot13            cstring  (i32) -> (i32)"
out_is_line "  title_case       cstring  (i32) -> (i32)"
out_is_line "  func    _initialize    () -> ()"
out_is_line "  func    malloc         (i32) -> (i32)"
out_is_line "  func    free           (i32) -> ()"
call "gofn: ok" --db "$db" plugin check gofn

# The committed config, as a user copies it beside the module.
user_copy go gofn.json gofn.wasm
call "$added" --db "$WORK/user.db" plugin add "$WORK/user/gofn.json"
call 'Uryyb' --db "$WORK/user.db" call rot13 'Hello'

# Repeated calls in one process: the daemon, one instance, its memory
# capped at 256 pages (16 MiB). Each rot13 call hands the module an 8 KiB
# argument and gets an 8 KiB result, both from its malloc: if free did not
# release them, 2000 calls would keep 32 MiB and fail past the cap. If
# malloc did not keep its buffers from the garbage collector, results
# would come back damaged. One 12 MiB argument shows that the cap holds
# (the Go runtime runs out of memory and the call traps), and the call
# after it that the plugin recovers.
cat >"$WORK/loop.json" <<JSON
{
  "name": "gofn",
  "instance_num": 1,
  "vm_config": { "path": "$BIN/go/gofn.wasm" },
  "limits": { "memory_pages": 256 },
  "functions": [
    { "name": "rot13", "abi": "cstring", "params": ["string"], "results": ["string"] },
    { "name": "title_case", "abi": "cstring", "params": ["string"], "results": ["string"] }
  ]
}
JSON
t 0 --db "$WORK/loop.db" plugin add "$WORK/loop.json"
LAST="2000 calls through the daemon (wasmext serve)"
checks=$((checks + 1))
OUT=$(python3 - "$WASMEXT" "$WORK/loop.db" 2>&1 <<'PY'
import http.client, json, select, subprocess, sys

wasmext, db = sys.argv[1], sys.argv[2]
proc = subprocess.Popen([wasmext, "--db", db, "serve", "--listen",
                         "127.0.0.1:0"], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
try:
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    first = proc.stdout.readline() if ready else ""
    if not first.startswith("listening on "):
        sys.exit("the daemon did not start: %r" % first)
    conn = http.client.HTTPConnection(first.split()[2], timeout=60)

    def call(fn, arg):
        conn.request("POST", "/functions/" + fn, json.dumps({"args": [arg]}),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read())

    def rot13(s):
        return "".join(
            chr((ord(c) - b + 13) % 26 + b) if "a" <= c.lower() <= "z" and
            c.isascii() else c
            for c in s for b in [ord("a") if c.islower() else ord("A")])

    bad = []
    unit = "Grüße, 世界! Kafka -> eKuiper "  # 34 bytes of UTF-8
    text = unit * (8192 // len(unit.encode()))  # 8160 bytes
    for i in range(2000):
        arg = text + str(i)
        status, body = call("rot13", arg)
        if status != 200 or body != {"results": [rot13(arg)]}:
            bad.append((i, status, str(body)[:200]))
    status, body = call("title_case", "grüße, 世界")
    if (status, body) != (200, {"results": ["Grüße, 世界"]}):
        bad.append(("title_case", status, body))
    status, body = call("rot13", "x" * (12 << 20))
    if status != 422:
        bad.append(("12 MiB argument", status, str(body)[:200]))
    status, body = call("rot13", "abc")
    if (status, body) != (200, {"results": ["nop"]}):
        bad.append(("after the trap", status, body))
    for b in bad[:5]:
        print("failed:", b)
    print("%d of 2003 calls as expected" % (2003 - len(bad)))
    sys.exit(1 if bad else 0)
finally:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
PY
)
RC=$?
[ "$RC" == 0 ] || fail "exit $RC: $OUT"
out_is "2003 of 2003 calls as expected"

finish
