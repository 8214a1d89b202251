# `wasmext replay PLUGIN[.FUNC] --from URL` against a real daemon: the
# daemon records the failed calls of a plugin with record.failed_calls,
# the command replays them (one line each, exit 0 when every replay
# reproduced its recorded status), --json, --last, and after an update
# that fixes the bug, --current (exit 1: the replays now succeed) while
# the recorded revision still traps; usage errors and an unknown plugin
# exit 2. The daemon is stopped on every exit path.
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db
cat >rp.json <<EOF2
{"name": "rp", "vm_config": {"path": "$WORK/replay_v1.wasm"},
 "functions": ["div"], "record": {"failed_calls": 2}}
EOF2
cat >rp2.json <<EOF2
{"name": "rp", "vm_config": {"path": "$WORK/replay_v2.wasm"},
 "functions": ["div"], "record": {"failed_calls": 2}}
EOF2
t 0 --db "$DB" plugin add rp.json

start_daemon --db "$DB" --allow-dir "$WORK"

# POST PATH BODY with python3 (prints the HTTP status).
post() {
    python3 - "$URL$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}

# Three traps, two kept; a success is not recorded.
for x in 7 8 9; do
    checks=$((checks + 1))
    [ "$(post /plugins/rp/functions/div "{\"args\": [$x, 0]}")" -ge 400 ] ||
        fail "div($x, 0) did not fail"
done
post /plugins/rp/functions/div '{"args": [8, 2]}' >/dev/null

t 0 replay rp.div --from "$URL"
out_has "div(8,0) revision 1: trap div_by_zero at function 0 offset"
out_has "div(9,0) revision 1: trap div_by_zero"
out_has "[reproduced]"
out_is_line "2 replayed against the recorded revision, 2 reproduced the recorded status"
err_empty

t 0 --json replay rp --last 1 --from "$URL/"
json_is 'd["count"], d["reproduced"], d["against"]' "(1, 1, 'recorded')"
json_is 'd["outcomes"][0]["recording"]["args"]' "[9, 0]"
json_is 'd["outcomes"][0]["error"]["trap"]' "'div_by_zero'"

# The fix: the recorded revision still traps, the current one answers.
checks=$((checks + 1))
[ "$(python3 - "$URL/plugins/rp" "$WORK/rp2.json" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=open(sys.argv[2], "rb").read(),
                             method="PUT",
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).status)
PY
)" == 200 ] || fail "the update was refused"
t 0 replay rp --from "$URL"
out_has "replay on revision 1: trap div_by_zero"
t 1 replay rp --current --from "$URL"
out_has "replay on revision 2: ok [0]"
out_has "[differs]"
out_is_line "2 replayed against the current revision, 0 reproduced the recorded status"

t 2 replay nosuch --from "$URL"
err_has "nosuch"
t 2 replay rp
err_has "--from URL is required"
t 2 replay --last x rp --from "$URL"
t 2 replay "bad name" --from "$URL"
t 1 replay rp --from http://127.0.0.1:1
err_has "replay --from"

kill "$PID"
wait "$PID" 2>/dev/null
trap - EXIT
finish
