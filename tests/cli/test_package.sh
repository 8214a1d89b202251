# `wasmext plugin add|update` with plugin packages: zips made here with
# python3's zipfile and by `wasmext ekuiper pack`, added to a fresh SQLite
# registry, called, updated; bad ones refused with their message and
# nothing stored. A package is known by its first bytes, not its name.
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db
unset WASMEXT_DB
export XDG_DATA_HOME=$WORK/xdg

# mkzip ZIP NAME=FILE... writes a zip whose entry NAME holds FILE.
mkzip() {
    python3 - "$@" <<'EOF' || fail "mkzip $*"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        with open(path, "rb") as f:
            z.writestr(name, f.read())
EOF
}

cat >math.json <<EOF
{"name": "math", "vm_config": {"path": "math.wasm"},
 "functions": ["add", "div"]}
EOF
cat >math2.json <<EOF
{"name": "math", "vm_config": {"path": "lib/add.wasm"},
 "functions": ["add"]}
EOF

# add
mkzip math.zip math.json=math.json math.wasm=math.wasm
t 0 --db "$DB" plugin add math.zip
out_is 'plugin "math" added (revision 1, functions: add, div)'
err_empty
t 0 --db "$DB" call add 2 3
out_is "5"
t 0 --db "$DB" --json plugin show math
json_is 'd["config"]["vm_config"]["path"]' "'package:math.wasm'"
# The stored module is the only copy of a packaged plugin: nothing to warn.
t 0 --db "$DB" --json plugin check math
json_is 'd' "[{'name': 'math', 'ok': True, 'problems': [], 'warnings': []}]"
t 2 --db "$DB" plugin add math.zip
err_is 'wasmext: math.zip: plugin "math" is already registered (update it'\
' instead)'

# update, from a file whose name says nothing: the magic does
mkzip math2.bin conf/math.json=math2.json conf/lib/add.wasm=math_v2.wasm
t 0 --db "$DB" plugin update --json math2.bin
json_is 'd["revision"], d["config"]["vm_config"]["path"]' \
    "(2, 'package:conf/lib/add.wasm')"
t 0 --db "$DB" call add 2 3
out_is "105"

# A JSON config is JSON whatever its name.
cp math.json config.zip
t 0 --db "$DB" plugin update config.zip
out_is 'plugin "math" updated (revision 3, functions: add, div)'
t 0 --db "$DB" call add 2 3
out_is "5"

# Bad packages: the message names the entry; nothing changes.
mkzip bad.zip math.json=math.json ../math.wasm=math_v2.wasm
t 2 --db "$DB" plugin update bad.zip
err_is 'wasmext: bad.zip: package entry "../math.wasm": path leaves the '\
'package'
mkzip nomod.zip math.json=math.json
t 2 --db "$DB" plugin update nomod.zip
err_is 'wasmext: nomod.zip: package entry "math.json": vm_config.path: '\
'"math.wasm" is not in the package (entries: math.json)'
mkzip noconf.zip math.wasm=math.wasm
t 2 --db "$DB" plugin update noconf.zip
err_is 'wasmext: noconf.zip: package: no plugin config (no .json entry has'\
' "vm_config"; entries: math.wasm)'
printf 'PK\003\004 and then nothing of a zip' >junk.zip
t 2 --db "$DB" plugin add junk.zip
err_is 'wasmext: junk.zip: package: not a zip archive'
t 0 --db "$DB" --json plugin ls
json_is '[(p["name"], p["revision"]) for p in d]' "[('math', 3)]"
t 0 --db "$DB" call add 2 3
out_is "5"

# The zip `wasmext ekuiper pack` writes is a package too (another
# registry: its functions are math's).
DB2=$WORK/ekuiper.db
cat >fib.json <<EOF
{"name": "calc", "vm_config": {"path": "math.wasm"},
 "functions": ["add", "div"]}
EOF
t 0 ekuiper pack fib.json -o calc.zip
t 0 --db "$DB2" plugin add calc.zip
out_is 'plugin "calc" added (revision 1, functions: add, div)'
t 0 --db "$DB2" call calc.div 7 2
out_is "3"
t 0 --db "$DB2" --json plugin show calc
json_is 'd["config"]["vm_config"]["path"]' \
    "'package:wasmext-plugin/calc.wasm'"

finish
