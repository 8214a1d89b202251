# The memory ABI through the command: `wasmext plugin add` of configs with
# a "memory" object for the WAT, C and Rust guests, `wasmext call` of
# every shape with text and JSON output, hostile guests (exit 1 with a
# clear message, and the next call works), config errors naming the
# field (exit 2), and `plugin show` printing the canonical memory object.
#
#   bash test_cli.sh WASMEXT SOURCE_DIR WORK_DIR WAT2WASM GUEST_DIR
GUESTS=$5
# shellcheck source=../cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
build_guests
cp "$GUESTS/memc.wasm" "$GUESTS/memrust.wasm" "$WORK/" || {
    echo "FAIL: the C and Rust guests are not in $GUESTS"
    exit 1
}
DB=$WORK/registry.db

H='"alloc": "allocate(size)", "free": "deallocate(ptr, size)"'
cat >wat.json <<EOF2
{"name": "memwat", "instance_num": 1, "vm_config": {"path": "memwat.wasm"},
 "functions": [
  {"name": "upper", "abi": "memory", "params": ["string"],
   "results": ["string"], "memory": {$H, "result": "ptr_len"}},
  {"name": "upper64", "abi": "memory", "params": ["bytes"],
   "results": ["bytes"], "memory": {$H, "result": "ptr_len"}},
  {"name": "weigh", "abi": "memory", "params": ["string", "i32"],
   "results": ["i64"], "memory": {$H, "params": ["ptr_len", "value"]}},
  {"name": "greet", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {$H, "params": ["cstr"], "result": "cstr"}},
  {"name": "reverse", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {$H, "params": ["len_prefixed"], "result": "len_prefixed"}},
  {"name": "stats", "abi": "memory", "params": ["string"],
   "results": ["bytes"], "memory": {$H, "result": "fixed:8"}},
  {"name": "shout_into", "abi": "memory", "params": ["string"],
   "results": ["string"], "memory": {$H, "result": "out_buffer:16"}},
  {"name": "past_end", "abi": "memory", "params": ["string"],
   "results": ["string"], "memory": {$H, "result": "ptr_len"}},
  {"name": "huge_prefix", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {$H, "params": ["len_prefixed"], "result": "len_prefixed"}},
  {"name": "trap_after", "abi": "memory", "params": ["string"],
   "results": ["string"], "memory": {$H, "result": "ptr_len"}}]}
EOF2
t 0 --db "$DB" plugin add wat.json
out_has 'plugin "memwat" added'
t 0 --db "$DB" call upper "hello, memory"
out_is "HELLO, MEMORY"
t 0 --db "$DB" call upper64 hex:00ff61
out_is "00ff41"
t 0 --db "$DB" call weigh ab 3
out_is 585
t 0 --db "$DB" call greet CLI
out_is "Hello, CLI!"
t 0 --db "$DB" call reverse stressed
out_is "desserts"
t 0 --db "$DB" --json call stats ab
json_is 'd["results"]' "['AgAAAMMAAAA=']"
t 0 --db "$DB" call shout_into quiet
out_is "QUIET"
t 1 --db "$DB" call shout_into fail
err_is "wasmext: guest error: shout_into returned error code -7"
t 1 --db "$DB" call past_end abc
err_is "wasmext: past_end returned (ptr 65530, len 100), outside memory \
(65536 bytes)"
t 0 --db "$DB" call upper next
out_is NEXT
t 1 --db "$DB" call huge_prefix abc
err_is "wasmext: huge_prefix: the length prefix at 256 says 2147483647 \
bytes, more than a result may have (16 MiB)"
t 1 --db "$DB" call trap_after abc
err_has "unreachable"
t 1 --db "$DB" --json call past_end abc
json_is 'd["error"]["code"]' "'abi'"
t 0 --db "$DB" call upper next
out_is NEXT

# The stored config is canonical: every memory setting written out.
t 0 --db "$DB" --json plugin show memwat
json_is 'd["config"]["functions"][2]["memory"]' \
    "{'alloc': 'allocate(size)', 'free': 'deallocate(ptr, size)', \
'params': ['ptr_len', 'value'], 'result': 'value', 'free_params': True, \
'free_result': False}"

cat >c.json <<EOF2
{"name": "memc", "vm_config": {"path": "memc.wasm"},
 "functions": [
  {"name": "join", "abi": "memory", "params": ["string", "string"],
   "results": ["string"],
   "memory": {"alloc": "alloc_buf(size)", "free": "free_buf(ptr)",
              "params": ["cstr", "cstr"], "result": "cstr"}},
  {"name": "hex", "abi": "memory", "params": ["bytes"],
   "results": ["string"],
   "memory": {"alloc": "alloc_buf(size)", "free": "free_buf(ptr)",
              "result": "len_ptr"}},
  {"name": "version", "abi": "memory", "params": [], "results": ["string"],
   "memory": {"free": "free_buf(ptr)", "result": "cstr",
              "free_result": false}}]}
EOF2
t 0 --db "$DB" plugin add c.json
t 0 --db "$DB" call join left right
out_is "left right"
t 0 --db "$DB" call hex hex:c0ffee
out_is "c0ffee"
t 0 --db "$DB" call version
out_is "memc 1.0"

cat >rust.json <<EOF2
{"name": "memrust", "vm_config": {"path": "memrust.wasm"},
 "functions": [
  {"name": "shout", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {"alloc": "mem_alloc(size, align)",
              "free": "mem_free(ptr, size, align)", "result": "ptr_len"}},
  {"name": "backwards", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {"alloc": "mem_alloc(size, align)",
              "free": "mem_free(ptr, size, align)",
              "params": ["len_prefixed"], "result": "len_prefixed"}},
  {"name": "liar", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {"alloc": "mem_alloc(size, align)",
              "free": "mem_free(ptr, size, align)", "result": "ptr_len"}}]}
EOF2
t 0 --db "$DB" plugin add rust.json
t 0 --db "$DB" call shout rust
out_is "RUST!"
t 0 --db "$DB" call backwards "a b c"
out_is "c b a"
t 1 --db "$DB" call liar xy
err_has "liar returned (ptr "
err_has ", len 4294967295), more than a result may have (16 MiB)"
checks=$((checks + 1))
[[ "$ERR" == *"(16 MiB)" ]] || fail "stderr does not end at the reason: $ERR"
t 0 --db "$DB" call shout again
out_is "AGAIN!"

# Config errors name the field (exit 2), and nothing is stored.
cat >bad.json <<EOF2
{"name": "bad", "vm_config": {"path": "memwat.wasm"},
 "functions": [
  {"name": "upper", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {$H, "params": ["fixed:4"], "result": "ptr_len"}}]}
EOF2
t 2 --db "$DB" plugin add bad.json
err_is "wasmext: bad.json: functions[0].memory.params[0]: \"fixed:4\" is a \
result shape (parameters take value, ptr_len, len_ptr, cstr, len_prefixed)"
cat >bad.json <<EOF2
{"name": "bad", "vm_config": {"path": "memwat.wasm"},
 "functions": [
  {"name": "upper", "abi": "memory", "params": ["string"],
   "results": ["string"],
   "memory": {"alloc": "alloc_wrong(size)", "free": "none",
              "result": "ptr_len"}}]}
EOF2
t 2 --db "$DB" plugin add bad.json
err_has "functions[0]: memory.alloc: \"alloc_wrong(size)\" needs the export \
\"alloc_wrong\" of type (i32) -> i32, but it is (i64) -> i32"
t 2 --db "$DB" plugin show bad
finish
