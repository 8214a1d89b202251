# `wasmext call --batch`: rows as NDJSON on stdin, one line out per row in
# order (results as a JSON array, or an error object naming the line),
# empty lines skipped, a line that is not a JSON array failing alone, a
# trap or exhausted fuel failing its row only; exit 0 when every row
# worked, 1 when one failed, 2 for usage errors and unknown functions.
# (The counters per row are the framework's and REST tests': a command
# line's counts end with its process.)
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db

# Line N of the last stdout is exactly TEXT.
line_is() {
    checks=$((checks + 1))
    [ "$(sed -n "$1p" <<<"$OUT")" == "$2" ] ||
        fail "stdout line $1 is '$(sed -n "$1p" <<<"$OUT")', expected '$2'"
}
cat >math.json <<EOF2
{"name": "math", "vm_config": {"path": "math.wasm"},
 "functions": ["add", "div", "fdiv", "swap", "spin"],
 "limits": {"fuel": 10000}}
EOF2
cat >cstr.json <<EOF2
{"name": "cstr", "vm_config": {"path": "cstr.wasm"},
 "functions": [{"name": "shout", "abi": "cstring", "params": ["string"],
                "results": ["string"]}]}
EOF2
t 0 --db "$DB" plugin add math.json
t 0 --db "$DB" plugin add cstr.json

# Every row fine: exit 0, one line each, blank lines skipped.
printf '[1,2]\n\n[3,4]\n   \n[-7,2]\n' >ok.ndjson
t 0 --db "$DB" call --batch add <ok.ndjson
out_is $'[3]\n[7]\n[-5]'
err_empty

# Failed rows fail alone and name their line (counting every line of
# stdin); the last line needs no newline.
printf '[10,2]\n[1,0]\n\n"x"\nnot json\n[1]\n[2.5,1]\n[9,3]' >mixed.ndjson
t 1 --db "$DB" call --batch math.div <mixed.ndjson
[ "$(wc -l <<<"$OUT")" = 7 ] || fail "7 lines expected: $OUT"
line_is 1 '[5]'
# The trap's message ends with the guest's function and offset.
[[ "$(sed -n 2p <<<"$OUT")" == '{"error":{"code":"trap","message":"line 2: trap: integer divide by zero in function '*'"trap":"div_by_zero"}}' ]] ||
    fail "line 2 is not the trap: $OUT"
line_is 3 '{"error":{"code":"arg","message":"line 4: arguments: must be a JSON array, e.g. [1, 2]"}}'
line_is 4 '{"error":{"code":"arg","message":"line 5: invalid JSON at column 3: invalid token near '"'"'not'"'"'"}}'
line_is 5 '{"error":{"code":"arg","message":"line 6: div: expected 2 arguments, got 1"}}'
line_is 6 '{"error":{"code":"arg","message":"line 7: argument 1: 2.5 does not fit i32 exactly"}}'
line_is 7 '[3]'
err_empty

# Other value types: floats, multi-value, strings through cstring.
printf '[1,4]\n[1,0]\n' >f.ndjson
t 0 --db "$DB" call --batch fdiv <f.ndjson
out_is $'[0.25]\n["inf"]'
printf '[5,6]\n' >swap.ndjson
t 0 --db "$DB" call --batch swap <swap.ndjson
out_is '[6,5]'
printf '["abc"]\n["Hello, World"]\n[""]\n[1]\n' >s.ndjson
t 1 --db "$DB" call --batch shout <s.ndjson
out_is '["ABC"]
["HELLO, WORLD"]
[""]
{"error":{"code":"arg","message":"line 4: argument 1: expected a string for string, got 1"}}'

# limits.fuel: a row that runs out fails alone, each with the whole
# budget.
printf '[]\n[]\n' >spin.ndjson
t 1 --db "$DB" call --batch spin <spin.ndjson
out_is '{"error":{"code":"limit","message":"line 1: fuel exhausted: the call used its 10000 units (limits.fuel)"}}
{"error":{"code":"limit","message":"line 2: fuel exhausted: the call used its 10000 units (limits.fuel)"}}'

# Many rows: every one answered, in order (several batches).
python3 -c '
for i in range(10000): print("[%d,%d]" % (i, 2 * i))' >many.ndjson
t 0 --db "$DB" call --batch add <many.ndjson
python3 - "$OUT" <<'PY' || fail "10000 rows: wrong answers"
import json, sys
lines = sys.argv[1].split("\n")
assert len(lines) == 10000, len(lines)
assert all(json.loads(l) == [3 * i] for i, l in enumerate(lines))
PY

# No rows: nothing out, exit 0.
t 0 --db "$DB" call --batch add </dev/null
out_is ''

# Usage errors and unknown names: exit 2, nothing run.
t 2 --db "$DB" call --batch add 1 2 </dev/null
err_has "--batch reads the arguments from stdin"
t 2 --db "$DB" call --batch nope </dev/null
err_has 'function "nope" not found'
t 0 --db "$DB" call --help
out_has "--batch"

finish
