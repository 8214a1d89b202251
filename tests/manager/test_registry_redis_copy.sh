#!/usr/bin/env bash
# `wasmext registry copy`: a SQLite registry into a real Redis and back
# into another SQLite file, with identical configs and SHA-256s; a copy
# onto names TO has refused without --replace, done with it.
# Usage: test_registry_redis_copy.sh WASMEXT
set -euo pipefail
WASMEXT=$1
. "$(dirname "$0")/../lib/redis_server.sh"
redis_start
WORK=$(mktemp -d /tmp/wx-copy-XXXXXX)
trap 'redis_stop; rm -rf "$WORK"' EXIT
cd "$WORK"
unset WASMEXT_DB WASMEXT_REDIS_PASSWORD
checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }

# Two modules: add, and the same with i32.sub.
printf '\x00asm\x01\x00\x00\x00\x01\x07\x01\x60\x02\x7f\x7f\x01\x7f\x03\x02\x01\x00\x07\x07\x01\x03add\x00\x00\x0a\x09\x01\x07\x00\x20\x00\x20\x01\x6a\x0b' >add.wasm
printf '\x00asm\x01\x00\x00\x00\x01\x07\x01\x60\x02\x7f\x7f\x01\x7f\x03\x02\x01\x00\x07\x07\x01\x03sub\x00\x00\x0a\x09\x01\x07\x00\x20\x00\x20\x01\x6b\x0b' >sub.wasm
echo '{"name": "adder", "vm_config": {"path": "add.wasm"}, "functions": ["add"]}' >adder.json
echo '{"name": "suber", "instance_num": 2, "vm_config": {"path": "sub.wasm"}, "functions": ["sub"]}' >suber.json
"$WASMEXT" --db a.db plugin add adder.json >/dev/null
"$WASMEXT" --db a.db plugin add suber.json >/dev/null
"$WASMEXT" --db a.db plugin update suber.json >/dev/null

# SQLite -> Redis -> SQLite.
out=$("$WASMEXT" registry copy a.db "$REDIS_URL")
echo "$out"
[ "$(echo "$out" | tail -1)" = "2 of 2 plugins copied from a.db to $REDIS_URL (0 replaced)" ] ||
    fail "summary: $out"; ok
echo "$out" | grep -q '^copied "adder" (41 bytes, sha256 ' || fail "line: $out"; ok
[ "$("$WASMEXT" --db "$REDIS_URL" call add 2 3)" = 5 ] || fail "call on Redis"; ok
[ "$("$WASMEXT" --db "$REDIS_URL" call sub 2 3)" = -1 ] || fail "call on Redis"; ok
"$WASMEXT" registry copy "$REDIS_URL" b.db >/dev/null
dump() {
    python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(
        "SELECT name, config, sha256, length(wasm) FROM plugins ORDER BY name"):
    print(row)' "$1"
}
[ "$(dump a.db)" = "$(dump b.db)" ] || fail "a.db and b.db differ: $(dump a.db) / $(dump b.db)"; ok
[ "$(dump b.db | wc -l)" = 2 ] || fail "b.db: $(dump b.db)"; ok

# Names TO has: refused, nothing written, unless --replace.
rc=0
"$WASMEXT" registry copy a.db "$REDIS_URL" >out.txt 2>err.txt || rc=$?
[ $rc = 2 ] || fail "copy onto existing names exited $rc"; ok
grep -q "registry $REDIS_URL has plugin \"adder\" already" err.txt || fail "$(cat err.txt)"; ok
grep -q "give --replace" err.txt || fail "$(cat err.txt)"; ok
out=$("$WASMEXT" registry copy --replace a.db "$REDIS_URL")
[ "$(echo "$out" | tail -1)" = "2 of 2 plugins copied from a.db to $REDIS_URL (2 replaced)" ] ||
    fail "replace: $out"; ok

# A Redis that is not there: a clear error, exit 2.
redis_stop
rc=0
"$WASMEXT" registry copy a.db "redis://:hunter2@127.0.0.1:$REDIS_PORT/0" >out.txt 2>err.txt || rc=$?
[ $rc = 2 ] || fail "copy to a stopped Redis exited $rc"; ok
grep -q "cannot connect: Connection refused (is redis-server running?)" err.txt || fail "$(cat err.txt)"; ok
! grep -q hunter2 err.txt out.txt || fail "the password was printed"; ok
"$WASMEXT" registry --help | grep -q "Usage: wasmext registry copy" || fail help; ok
echo "$checks checks passed"
