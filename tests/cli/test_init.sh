# `wasmext plugin init FILE.wasm`: the config it writes for guests of
# each calling convention is taken by `plugin add` as it is, and calls
# through it give the guests' real results; its guesses are said on
# stderr. Also the hint `plugin add` gives for a cstring-shaped function
# registered as numeric. Guests: the .wat files here, and the example
# plugins of the build tree when they have been built (cmake --build
# BUILD --target wx_examples; each missing one is a SKIP line).
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db
unset WASMEXT_DB
export XDG_DATA_HOME=$WORK/xdg

# json_file_is FILE PYTHON_EXPR EXPECTED: json_is on a file's contents.
json_file_is() {
    OUT=$(cat "$1")
    json_is "$2" "$3"
}

# --------------------------------------------------------- numeric
t 0 plugin init math.wasm
out_is "wrote math.json (plugin \"math\", 12 functions); then: wasmext "\
"plugin add math.json"
err_has "add: numeric (i32, i32) -> (i32)"
err_has "swap: numeric (i64, i32) -> (i32, i64)"
json_file_is math.json 'd["name"], d["vm_config"], "wasi" in d' \
    "('math', {'engine': 'interp', 'path': 'math.wasm'}, False)"
json_file_is math.json 'd["functions"][:4]' "['add', 'div', 'add64', 'fdiv']"
t 0 --db "$DB" plugin add math.json
out_has 'plugin "math" added (revision 1, functions: add, div, add64'
t 0 --db "$DB" call add 2 3
out_is 5
t 0 --db "$DB" call math.swap 7 -1
out_is "-1
7"

# Never over an existing file, unless --force.
cp math.json math.before
t 2 plugin init math.wasm
err_is "wasmext: math.json exists already (--force overwrites it)"
cmp -s math.json math.before || fail "math.json changed"
t 2 --json plugin init math.wasm
json_is 'd["error"]["code"]' "'exists'"
t 0 plugin init --force --name calc math.wasm
out_has 'wrote calc.json (plugin "calc"'
t 0 plugin init --force math.wasm
out_has 'wrote math.json'

# -o elsewhere: the module's path is relative to the config's directory.
mkdir -p conf/deep
t 0 plugin init -o conf/deep/m.json --name m2 math.wasm
json_file_is conf/deep/m.json 'd["vm_config"]["path"]' "'../../math.wasm'"
t 0 plugin init --output="$WORK/conf/abs.json" --name m3 "$WORK/math.wasm"
json_file_is conf/abs.json 'd["vm_config"]["path"]' "'../math.wasm'"
t 2 plugin init -o nodir/m.json math.wasm
err_has "cannot write nodir/m.json: directory nodir:"

# The name comes from the file, made valid; --name must be valid.
cp math.wasm 9-lives.v2.wasm
t 0 plugin init 9-lives.v2.wasm
out_has 'wrote _9_lives_v2.json (plugin "_9_lives_v2"'
t 2 plugin init --name 1bad math.wasm
err_has '--name: "1bad" is not a valid plugin name'

# --json: the file, the config and the guesses.
t 0 --json plugin init -o j.json math.wasm
json_is 'd["config"], d["plugin"]["name"], d["functions"][0]' \
    "('j.json', 'math', {'name': 'add', 'abi': 'numeric', "\
"'signature': '(i32, i32) -> (i32)'})"

# Refusals: no module, an invalid one, one with nothing to call.
t 2 plugin init missing.wasm
err_has "cannot read missing.wasm"
printf '\0asm\1\0\0\0\1' >broken.wasm
t 2 plugin init broken.wasm
err_has "broken.wasm: "
t 2 plugin init helpers_only.wasm
err_is "wasmext: helpers_only.wasm exports no function to call (only ABI "\
"helpers: malloc, free, _initialize)"
t 2 plugin init
err_has "plugin init: missing FILE.wasm"

# --------------------------------------------------------- cstring
t 0 plugin init cstr.wasm
err_has "shout: cstring (i32) -> (i32), read as (string) -> (string)"
err_has "twice: numeric (i64) -> (i64)"
err_has "sum: numeric (i32, i32) -> (i32)"
err_lacks_helpers() {
    checks=$((checks + 1))
    ! grep -qE '^(malloc|free|_initialize):' <<<"$ERR" ||
        fail "helpers were listed: $ERR"
}
err_lacks_helpers
json_file_is cstr.json 'd["functions"]' \
    "[{'name': 'shout', 'abi': 'cstring', 'params': ['string'], "\
"'results': ['string']}, 'twice', 'sum']"
t 0 --db "$DB" plugin add cstr.json
err_empty
t 0 --db "$DB" call shout "hello, World"
out_is "HELLO, WORLD"
t 0 --db "$DB" call twice 21
out_is 42
t 0 --db "$DB" call sum 40 2
out_is 42

# The hint: shout registered without "abi" (so numeric) is accepted, and
# told what it looks like; an "abi" the config chose gets no hint.
DB2=$WORK/hint.db
cat >numshout.json <<EOF
{"name": "numshout", "vm_config": {"path": "cstr.wasm"},
 "functions": [{"name": "shout"}, "twice", "sum"]}
EOF
t 0 --db "$DB2" plugin add numshout.json
err_is 'hint: functions[0] "shout" looks like a cstring function; add '\
'"abi": "cstring" (with its "params" and "results", e.g. ["string"]): '\
'as numeric it gets string pointers as plain numbers'
# A failed add (the name is taken now) hints all the same.
t 2 --db "$DB2" plugin add numshout.json
err_has 'already registered'
err_has 'hint: functions[0] "shout" looks like a cstring function'
cat >chosen.json <<EOF
{"name": "chosen", "vm_config": {"path": "cstr.wasm"},
 "functions": [{"name": "shout", "abi": "numeric"}, "twice"]}
EOF
t 0 --db "$WORK/chosen.db" plugin add chosen.json
err_empty
# math.wasm has no malloc: nothing looks like cstring there.
t 0 --db "$WORK/math.db" plugin add math.json
err_empty

# --------------------------------------------------------- bindgen
# The module does not say a bindgen function's params: init lists none,
# add takes that, and a call gets the guest's own answer.
t 0 plugin init bytes.wasm
err_has "echo_string: bindgen (i32, i32) -> (i32): declare its params "\
"and results"
json_file_is bytes.json 'd["functions"][1]' \
    "{'name': 'echo_string', 'abi': 'bindgen', 'params': [], 'results': []}"
t 0 --db "$DB" plugin add bytes.json
t 1 --db "$DB" call fail
err_is "wasmext: guest error: boom"
# Declared as the guest means them, the same module echoes.
python3 - <<'EOF' || fail "editing bytes.json"
import json
c = json.load(open("bytes.json"))
for f in c["functions"]:
    if f["name"] == "echo_string":
        f["params"], f["results"] = ["string"], ["string"]
json.dump(c, open("bytes.json", "w"))
EOF
t 0 --db "$DB" plugin update bytes.json
t 0 --db "$DB" call echo_string "round trip"
out_is "round trip"

# --------------------------------------------------------- WASI
t 0 plugin init wasi.wasm
json_file_is wasi.json 'd["functions"], d["wasi"]' \
    "(['hello', 'bye'], {'args': [], 'env': {}, 'preopens': {}})"
t 0 --db "$DB" plugin add wasi.json
t 0 --db "$DB" call hello
out_is 0

# ------------------------------------------------- example plugins
# The build tree's examples (the build directory holds wasmext).
EX=$(dirname "$WASMEXT")/examples/plugins

# example NAME WASM: whether the example's module is built; SKIP if not.
example() {
    if [ -f "$EX/$2" ]; then
        return 0
    fi
    echo "SKIP: example $1 is not built ($EX/$2; cmake --build" \
         "$(dirname "$WASMEXT") --target wx_example_$1)"
    return 1
}

EXDB=$WORK/examples.db
if example car car/car.wasm; then
    t 0 plugin init -o car.json "$EX/car/car.wasm"
    err_is "link: numeric (i32, i32) -> (i64)
rank: numeric (f64, f64) -> (f64)"
    t 0 --db "$EXDB" plugin add car.json
    t 0 --db "$EXDB" call link 7 3
    out_is 12884901895
    t 0 --db "$EXDB" call rank 60 30
    out_is 30
fi
if example go go/gofn.wasm; then
    t 0 plugin init "$EX/go/gofn.wasm"
    err_has "rot13: cstring (i32) -> (i32)"
    err_has "collatz_steps: numeric"
    t 0 --db "$EXDB" plugin add gofn.json
    err_empty
    t 0 --db "$EXDB" call rot13 "Hello"
    out_is "Uryyb"
    t 0 --db "$EXDB" call title_case "go to the moon"
    out_is "Go To The Moon"
    t 0 --db "$EXDB" call collatz_steps 27
    out_is 111
    t 0 --db "$EXDB" call celsius_to_f 100
    out_is 212
fi
if example create_line create_line/create_line.wasm; then
    t 0 plugin init "$EX/create_line/create_line.wasm"
    err_has "create_line: bindgen (i32, i32) -> (i32)"
    t 0 --db "$EXDB" plugin add create_line.json
    # The real guest says what it expects, as wasmedge-bindgen does.
    t 1 --db "$EXDB" call create_line
    err_is "wasmext: guest error: Invalid params count, expect 3, got 0"
    python3 - <<'EOF' || fail "editing create_line.json"
import json
c = json.load(open("create_line.json"))
c["functions"][0]["params"] = ["string", "string", "string"]
c["functions"][0]["results"] = ["string"]
json.dump(c, open("create_line.json", "w"))
EOF
    t 0 --db "$EXDB" plugin update create_line.json
    t 0 --db "$EXDB" --json call create_line '{"x":1.0,"y":2.0}' \
        '{"x":4.0,"y":6.0}' "a line"
    json_is '(lambda r: (r["length"], r["valid"], r["desc"]))('\
'json.loads(d["results"][0]))' "(5.0, True, 'a line')"
fi

finish
