# `wasmext plugin ...` and `wasmext call` over a real SQLite registry in
# the work directory: add, ls, show, check, call, update, rm, with the
# configs written here.
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db
# The environment must not pick a registry for us.
unset WASMEXT_DB
export XDG_DATA_HOME=$WORK/xdg

cat >math.json <<EOF
{"name": "math", "instance_num": 2, "version": "1.0",
 "description": "numbers",
 "vm_config": {"engine": "interp", "path": "math.wasm"},
 "functions": ["add", "div", "swap", "spin", "fdiv"],
 "limits": {"timeout_ms": 200}}
EOF
cat >blob.json <<EOF
{"name": "blob", "vm_config": {"path": "$WORK/bytes.wasm"},
 "functions": [
  {"name": "echo_bytes", "abi": "bindgen", "params": ["bytes"],
   "results": ["bytes"]},
  {"name": "echo_string", "abi": "bindgen", "params": ["string"],
   "results": ["string"]},
  {"name": "fail", "abi": "bindgen", "params": [], "results": ["i32"]}]}
EOF

# No registry yet: the commands that only read say so and create
# nothing, neither the file nor its directory; "not found" names the
# registry.
NODB=$WORK/none/registry.db
t 0 --db "$NODB" plugin ls
out_is "no plugins registered (registry $NODB does not exist)"
t 0 --db "$NODB" plugin ls --json
json_is 'd' "[]"
t 0 --db "$NODB" plugin check
out_is "no plugins registered (registry $NODB does not exist)"
t 2 --db "$NODB" plugin check math
err_is "wasmext: plugin \"math\" not found in registry $NODB (it does not exist)"
t 2 --db "$NODB" plugin show math
err_is "wasmext: plugin \"math\" not found in registry $NODB (it does not exist)"
t 2 --db "$NODB" call add 2 3
err_is "wasmext: function \"add\" not found in registry $NODB (it does not exist)"
t 2 --db "$NODB" plugin rm math
err_is "wasmext: plugin \"math\" not found in registry $NODB (it does not exist)"
t 2 --db "$NODB" plugin update math.json
err_is "wasmext: plugin \"math\" not found in registry $NODB (it does not exist)"
t 2 --db "$NODB" --json plugin show math
json_is 'd["error"]["code"]' "'noplugin'"
checks=$((checks + 1))
[ ! -e "$WORK/none" ] || fail "a read-only command created $WORK/none"

# An empty registry.
t 0 --db "$DB" plugin ls
out_is "no plugins registered (registry $DB does not exist)"

# add
t 0 --db "$DB" plugin add math.json
out_is 'plugin "math" added (revision 1, functions: add, div, swap, spin, fdiv)'
err_empty
t 0 plugin add --db "$DB" --json blob.json
json_is 'd["name"], d["revision"], d["status"]' "('blob', 1, 'ok')"
json_is '[f["name"] for f in d["functions"]]' \
    "['echo_bytes', 'echo_string', 'fail']"
t 2 --db "$DB" plugin add math.json
err_is 'wasmext: math.json: plugin "math" is already registered '\
'(update it instead)'

# ls
t 0 --db "$DB" plugin ls
out_has "NAME"
out_has "FUNCTIONS"
out_has "blob"
out_has "echo_bytes, echo_string, fail"
out_has "math             1.0        1 interp      2 -       "\
"add, div, swap, spin, fdiv"
# ls reads the registry only: nothing was loaded to say "ok".
out_has "STATUS -: not loaded by ls; \`wasmext plugin check\` loads and checks them"
out_has "add, div, swap, spin, fdiv"
t 0 --db "$DB" --json plugin ls
json_is '[p["name"] for p in d]' "['blob', 'math']"
json_is 'd[1]["functions"], d[1]["instances"], d[1]["version"]' \
    "(['add', 'div', 'swap', 'spin', 'fdiv'], 2, '1.0')"
json_is 'd[0]["status"], d[0]["revision"], d[0]["version"]' "('ok', 1, None)"

# show
t 0 --db "$DB" plugin show math
out_has "name         math"
out_has "status       ok"
out_has "engine       interp"
out_has "version      1.0"
out_has "description  numbers"
out_has "revision     1"
out_has "instances    2 total, 0 busy, 2 idle"
out_has "functions (5):"
out_is_line "  add              numeric  (i32, i32) -> (i32)"
out_has "exports (14):"
out_has '"timeout_ms": 200'
t 0 --db "$DB" plugin show blob
out_has "types: (bytes) -> (bytes)"
t 0 --db "$DB" plugin show --json math
json_is 'd["name"], d["status"], d["revision"], d["wasm_bytes"]' \
    "('math', 'ok', 1, $(stat -c %s math.wasm))"
json_is 'd["config"]["instance_num"], d["config"]["limits"]' \
    "(2, {'timeout_ms': 200})"
json_is '[(f["name"], f["signature"]) for f in d["functions"]][:2]' \
    "[('add', '(i32, i32) -> (i32)'), ('div', '(i32, i32) -> (i32)')]"
json_is 'len(d["sha256"])' "64"
t 2 --db "$DB" plugin show nope
err_is "wasmext: plugin \"nope\" not found in registry $DB"
t 2 --db "$DB" plugin show
err_has "plugin show: missing NAME"

# check
t 0 --db "$DB" plugin check
out_is "blob: ok
math: ok"
t 0 --db "$DB" plugin check math --json
json_is 'd' "[{'name': 'math', 'ok': True, 'problems': [], 'warnings': []}]"
t 2 --db "$DB" plugin check nope
err_is "wasmext: plugin \"nope\" not found in registry $DB"

# call: numbers, by function or PLUGIN.FUNC.
t 0 --db "$DB" call add 2 3
out_is 5
err_empty
t 0 --db "$DB" call math.add -- -2 -3
out_is -5
t 0 --db "$DB" call math.swap 1 2
out_is "2
1"
t 0 --db "$DB" call fdiv 1 3
out_is 0.3333333333333333
t 0 --db "$DB" call --json math.swap 1 2
json_is 'd' "{'results': [2, 1]}"
t 0 --db "$DB" --json call fdiv 1 0
json_is 'd' "{'results': ['inf']}"

# call: bytes, strings, guest errors.
t 0 --db "$DB" call echo_bytes hex:00ff10
out_is 00ff10
t 0 --db "$DB" call --base64 echo_bytes hex:00ff10
out_is AP8Q
t 0 --db "$DB" call echo_bytes base64:AP8Q
out_is 00ff10
printf 'abc' >three.bin
t 0 --db "$DB" call blob.echo_bytes @three.bin
out_is 616263
t 0 --db "$DB" call --json echo_bytes hex:00ff10
json_is 'd' "{'results': ['AP8Q']}"
t 0 --db "$DB" call echo_string "héllo wörld"
out_is "héllo wörld"
t 0 --db "$DB" call --json echo_string -- --x
json_is 'd' "{'results': ['--x']}"
t 1 --db "$DB" call fail
err_is "wasmext: guest error: boom"
out_is ""
# With --json, errors are JSON on stdout too (the REST shape), and the
# exit code is the same.
t 1 --db "$DB" call --json fail
json_is 'd' "{'error': {'code': 'guest', 'message': 'guest error: boom'}}"
err_empty

# call: failures while running (exit 1) and refused calls (exit 2).
t 1 --db "$DB" call div 1 0
err_has "trap: integer divide by zero"
t 1 --db "$DB" call spin
err_has "timeout"
t 2 --db "$DB" call add 1
err_has "expected 2 arguments, got 1"
t 2 --db "$DB" call add 3.5 1
err_is "wasmext: argument 1: 3.5 does not fit i32 exactly"
t 2 --db "$DB" call --json add x 1
json_is 'd["error"]' \
    "{'code': 'arg', 'message': 'argument 1: \"x\" is not a number (i32)'}"
t 1 --db "$DB" --json call div 1 0
json_is 'd["error"]["code"], d["error"]["trap"]' "('trap', 'div_by_zero')"
t 2 --db "$DB" --json plugin show
json_is 'd["error"]' "{'code': 'arg', 'message': 'plugin show: missing NAME', "\
"'usage': 'wasmext help plugin show'}"
t 2 --db "$DB" plugin add --json nowhere.json
json_is 'd["error"]["code"]' "'io'"
t 2 --db "$DB" call echo_bytes hex:0g
err_has "argument 1:"
t 2 --db "$DB" call nope 1
err_is "wasmext: function \"nope\" not found in registry $DB"
t 2 --db "$DB" call --json nope 1
json_is 'd' "{'error': {'code': 'noplugin', 'message': "\
"'function \"nope\" not found in registry $DB'}}"
t 2 --db "$DB" call math.nope
err_has 'plugin "math" has no function "nope"'
t 2 --db "$DB" call
err_has "call: missing FUNC"

# A second plugin providing "add" is refused; bad configs name the field.
cat >dup.json <<EOF
{"name": "dup", "vm_config": {"path": "math.wasm"}, "functions": ["add"]}
EOF
t 2 --db "$DB" plugin add dup.json
err_has 'dup.json: '
err_has '"add"'
cat >bad.json <<EOF
{"name": "bad", "vm_config": {"path": "math.wasm"}, "functions": ["zz"]}
EOF
t 2 --db "$DB" plugin add bad.json
err_has 'wasmext: bad.json: functions[0]: "zz" is not exported by math.wasm'
printf '{"name": ' >broken.json
t 2 --db "$DB" plugin add broken.json
err_has "wasmext: broken.json: line "
t 2 --db "$DB" plugin add nowhere.json
err_has "nowhere.json"
t 2 --db "$DB" plugin add
err_has "plugin add: missing CONFIG.json"

# update: a new module; the call sees it, the revision counts it.
cat >math2.json <<EOF
{"name": "math", "vm_config": {"path": "math_v2.wasm"},
 "functions": ["add"]}
EOF
t 0 --db "$DB" plugin update math2.json
out_is 'plugin "math" updated (revision 2, functions: add)'
t 0 --db "$DB" call add 2 3
out_is 105
t 2 --db "$DB" call div 1 1
err_is "wasmext: function \"div\" not found in registry $DB"
t 0 --db "$DB" --json plugin ls
json_is '[(p["name"], p["revision"], p["functions"]) for p in d]' \
    "[('blob', 1, ['echo_bytes', 'echo_string', 'fail']), "\
"('math', 2, ['add'])]"
t 0 --db "$DB" plugin update --json math.json
json_is 'd["revision"], len(d["functions"])' "(3, 5)"
t 0 --db "$DB" call add 2 3
out_is 5
# The same update again changes nothing: same revision, said so.
t 0 --db "$DB" plugin update math.json
out_is 'plugin "math" unchanged (revision 3, functions: add, div, swap, spin, fdiv)'
t 0 --db "$DB" --json plugin show math
json_is 'd["revision"]' "3"
cat >ghost.json <<EOF
{"name": "ghost", "vm_config": {"path": "math.wasm"}, "functions": ["rec"]}
EOF
t 2 --db "$DB" plugin update ghost.json
err_is "wasmext: ghost.json: plugin \"ghost\" is not registered (add it "\
"first) (registry $DB)"

# check warns (exit 0) when the config's .wasm file is gone: the stored
# module still runs.
cp bytes.wasm gone.wasm
cat >gone.json <<EOF
{"name": "gone", "vm_config": {"path": "gone.wasm"},
 "functions": ["allocate"]}
EOF
t 0 --db "$DB" plugin add gone.json
rm gone.wasm
t 0 --db "$DB" plugin check gone
out_has "gone: ok"
out_has "warning: vm_config.path: cannot read $WORK/gone.wasm"
t 0 --db "$DB" call allocate 8
out_is 1024

# rm
t 0 --db "$DB" plugin rm math
out_is 'plugin "math" removed'
t 2 --db "$DB" call add 2 3
err_is "wasmext: function \"add\" not found in registry $DB"
t 2 --db "$DB" plugin rm math
err_is "wasmext: plugin \"math\" not found in registry $DB"

# limits.fuel stops an endless loop the same way every time (exit 1); the
# plugin keeps serving, and check has nothing to warn about.
cat >fuel.json <<EOF
{"name": "metered", "vm_config": {"path": "math.wasm"},
 "functions": ["spin", "add"], "limits": {"fuel": 1000}}
EOF
t 0 --db "$DB" plugin add fuel.json
t 1 --db "$DB" call spin
err_is "wasmext: fuel exhausted: the call used its 1000 units (limits.fuel)"
t 0 --db "$DB" call add 2 3
out_is 5
t 0 --db "$DB" --json plugin check metered
json_is 'd' "[{'name': 'metered', 'ok': True, 'problems': [], 'warnings': []}]"
t 0 --db "$DB" plugin rm metered
t 0 --db "$DB" --json plugin rm gone
json_is 'd' "{'name': 'gone', 'removed': True}"
t 0 --db "$DB" plugin ls --json
json_is '[p["name"] for p in d]' "['blob']"
t 2 --db "$DB" plugin rm
err_has "plugin rm: missing NAME"

# The registry from the environment: WASMEXT_DB, then XDG_DATA_HOME.
WASMEXT_DB=$DB t 0 plugin ls --json
json_is '[p["name"] for p in d]' "['blob']"
t 0 plugin ls
out_is "no plugins registered (registry $WORK/xdg/wasmext/registry.db does "\
"not exist)"
checks=$((checks + 1))
[ ! -e "$WORK/xdg" ] || fail "plugin ls created $WORK/xdg"

finish
