# Limits from the command line: a plugin whose start function loops is
# refused at add with a timeout, not hung; a registry that already holds
# one (stored before starts were bounded) still lets `plugin ls`, `call`
# of the other plugins and `plugin rm` work, each bounded in time.
. "$(dirname "$0")/lib.sh"
build_guests

DB=$WORK/registry.db
unset WASMEXT_DB
export XDG_DATA_HOME=$WORK/xdg

cat >loop.json <<EOF2
{"name": "loop", "vm_config": {"path": "loopstart.wasm"},
 "functions": ["add"], "limits": {"timeout_ms": 100}}
EOF2
t 1 --db "$DB" plugin add loop.json
err_is "wasmext: loop.json: vm_config.path: loopstart.wasm cannot be instantiated: start function: timeout after 100 ms (limits.timeout_ms)"
t 0 --db "$DB" plugin ls --json
json_is 'd' "[]"

# Store a good plugin, then swap its module for the looping one in the
# registry, digest and all, as an old registry could hold it.
cat >late.json <<EOF2
{"name": "late", "vm_config": {"path": "math.wasm"},
 "functions": ["add"], "limits": {"timeout_ms": 100}}
EOF2
cat >other.json <<EOF2
{"name": "other", "vm_config": {"path": "math.wasm"},
 "functions": ["div"]}
EOF2
t 0 --db "$DB" plugin add late.json
t 0 --db "$DB" plugin add other.json
python3 - "$DB" loopstart.wasm <<'PY'
import hashlib, sqlite3, sys
wasm = open(sys.argv[2], "rb").read()
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE plugins SET wasm = ?, sha256 = ? WHERE name = 'late'",
           (wasm, hashlib.sha256(wasm).hexdigest()))
db.commit()
PY

# A command loads the plugins it needs (the CLI's manager is lazy), and
# loading one makes its instances: bounded by the start's timeout (the
# `timeout` only catches a hang). ls loads none; check loads all; a call
# loads only its own plugin, so the broken one does not stop it.
printf '#!/bin/sh\nexec timeout 60 "%s" "$@"\n' "$WASMEXT" >bounded.sh
chmod +x bounded.sh
WASMEXT=$WORK/bounded.sh
t 0 --db "$DB" plugin ls --json
json_is '[(p["name"], p["loaded"], p["status"]) for p in d]' \
    "[('late', False, 'ok'), ('other', False, 'ok')]"
t 2 --db "$DB" plugin check --json
json_is '[(p["name"], p["ok"]) for p in d]' "[('late', False), ('other', True)]"
json_is 'any("start function: timeout after 100 ms" in x for x in d[0]["problems"])' "True"
t 0 --db "$DB" call div 7 2
out_is 3
t 0 --db "$DB" plugin rm late
out_is 'plugin "late" removed'
t 0 --db "$DB" plugin ls --json
json_is '[p["name"] for p in d]' "['other']"

finish
