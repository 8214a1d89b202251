# The commands that ask a daemon (`wasmext replay`, `wasmext logs`)
# against a real daemon started with --token-file: without a token they
# fail with exit 2 and say what to give; a wrong token is refused,
# naming where it came from but never the token; --token-file (the token
# alone, or the daemon's "ROLE NAME TOKEN" line) and $WASMEXT_TOKEN
# work; a token file others may read is refused. `wasmext logs` prints
# each guest line with its function and level, filtered by FUNC and
# --last. And `plugin show --json` has a function's fuel histogram only
# when its plugin sets limits.fuel. The daemon is stopped on every exit
# path.
. "$(dirname "$0")/lib.sh"
build_guests
"$WAT2WASM" "$SRC/../guests/logwasi.wat" -o "$WORK/logwasi.wasm" ||
    { echo "FAIL: wat2wasm logwasi.wat"; exit 1; }

TOKEN=ca11-t0ken-fedcba9876543210
DB=$WORK/registry.db
cat >rp.json <<EOF2
{"name": "rp", "vm_config": {"path": "$WORK/replay_v1.wasm"},
 "functions": ["div"], "record": {"failed_calls": 2}}
EOF2
cat >fp.json <<EOF2
{"name": "fp", "vm_config": {"path": "$WORK/math.wasm"},
 "functions": ["add"],
 "limits": {"fuel": 5000000}}
EOF2
cat >logw.json <<EOF2
{"name": "logw", "vm_config": {"path": "$WORK/logwasi.wasm"},
 "functions": ["one", "two"], "instance_num": 1}
EOF2
t 0 --db "$DB" plugin add rp.json
t 0 --db "$DB" plugin add fp.json
t 0 --db "$DB" plugin add logw.json

# The fuel histogram in `plugin show --json`: this process made no call,
# so it is empty, but it is there for the metered plugin only.
t 0 --db "$DB" --json plugin show fp
json_is 'd["functions"][0]["fuel"]' \
    "{'limit': 5000000, 'calls': 0, 'sum': 0, 'buckets': []}"
t 0 --db "$DB" --json plugin show rp
json_is '"fuel" in d["functions"][0]' "False"

printf 'call reader %s\n' "$TOKEN" >tokens
chmod 600 tokens
start_daemon --db "$DB" --allow-dir "$WORK" \
    --token-file "$WORK/tokens"

# POST PATH BODY with the call token (prints the HTTP status).
post() {
    python3 - "$URL$1" "$2" "$TOKEN" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json",
                                      "Authorization": "Bearer " + sys.argv[3]})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

for x in 7 9; do
    checks=$((checks + 1))
    [ "$(post /plugins/rp/functions/div "{\"args\": [$x, 0]}")" -ge 400 ] ||
        fail "div($x, 0) did not fail"
done
for f in one two one; do
    checks=$((checks + 1))
    [ "$(post /plugins/logw/functions/$f '{"args": [1]}')" == 200 ] ||
        fail "$f(1) failed"
done

# No token: 401, said plainly, exit 2.
unset WASMEXT_TOKEN
t 2 replay rp.div --from "$URL"
err_has "replay --from $URL: HTTP 401: the daemon wants a bearer token: give --token-file FILE or set \$WASMEXT_TOKEN"
t 2 logs logw --from "$URL"
err_has "logs --from $URL: HTTP 401: the daemon wants a bearer token"

# A wrong token: refused, the source named, the token never shown.
export WASMEXT_TOKEN=wrong-t0ken-0000000000000000
t 2 replay rp.div --from "$URL"
err_has "HTTP 401: the daemon refused the token from \$WASMEXT_TOKEN"
checks=$((checks + 1))
! grep -qF "$WASMEXT_TOKEN" <<<"$ERR$OUT" || fail "the token was printed"
export WASMEXT_TOKEN="not a token"
t 2 replay rp.div --from "$URL"
err_has "\$WASMEXT_TOKEN is not a token"

# The right token from the environment, then from a file (which wins).
export WASMEXT_TOKEN=$TOKEN
t 0 replay rp.div --from "$URL"
out_is_line "2 replayed against the recorded revision, 2 reproduced the recorded status"
export WASMEXT_TOKEN=wrong-t0ken-0000000000000000
printf '%s\n' "$TOKEN" >client.token
chmod 600 client.token
t 0 replay rp --last 1 --from "$URL" --token-file client.token
out_has "div(9,0) revision 1: trap div_by_zero"
t 2 replay rp --from "$URL" --token-file wrong.token
err_has "replay --token-file wrong.token:"
unset WASMEXT_TOKEN
# The daemon's own line format: the token is its last word.
printf '# ROLE NAME TOKEN\ncall reader %s\n' "$TOKEN" >line.token
chmod 640 line.token
t 0 replay rp.div --from "$URL" --token-file line.token
out_has "[reproduced]"
chmod 644 line.token
t 2 replay rp.div --from "$URL" --token-file line.token
err_has "others may read or write it: chmod 600"
printf 'short\n' >short.token
chmod 600 short.token
t 2 logs logw --from "$URL" --token-file short.token
err_has "no token in it"

# The guest log: each line with its function and level; `-` for the
# line of the instance's _initialize.
t 0 logs logw --from "$URL" --token-file client.token
out_has " - stdout starting"
out_has " one stdout one says hi"
out_has " two stderr two says bye"
checks=$((checks + 1))
[ "$(grep -c '^#[0-9]* ' <<<"$OUT")" == 4 ] || fail "not 4 lines: $OUT"
t 0 logs logw.two --from "$URL" --token-file client.token
out_has "#3 "
out_lacks "one says hi"
t 0 --json logs logw --last 2 --from "$URL" --token-file client.token
json_is '[(l["seq"], l["function"], l["level"], l["text"]) for l in d["lines"]]' \
    "[(3, 'two', 'stderr', 'two says bye'), (4, 'one', 'stdout', 'one says hi')]"
json_is 'd["logged"], d["bound"]' "(4, 256)"
t 2 logs nosuch --from "$URL" --token-file client.token
err_has "nosuch"
t 2 logs logw
err_has "--from URL is required"

kill "$PID"
wait "$PID" 2>/dev/null
trap - EXIT
# The daemon's log holds no token.
checks=$((checks + 1))
! grep -qF "$TOKEN" serve.err || fail "the daemon logged the token"
finish
