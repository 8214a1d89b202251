# `wasmext inspect`: the text report, the --json report, and refusals.
. "$(dirname "$0")/lib.sh"
build_guests

t 0 inspect math.wasm
err_empty
out_has "module     math.wasm (308 bytes)"
out_has "functions  13 (0 imported, 13 defined;"
out_has "globals    2 (0 imported, 2 defined)"
out_has "segments   1 data, 0 elem"
out_has "start      function 0"
out_has "imports (0):"
out_has "exports (14):"
out_has "memory 0    memory   pages 1..4"
out_has "global 1    answer   i32"
out_has "func   1    add      (i32, i32) -> (i32)"
out_has "func   6    swap     (i64, i32) -> (i32, i64)"
out_has "func   8    nothing  () -> ()"
out_has "memories (1):"
out_has "0  pages 1..4"
out_has "tables (1):"
out_has "0  funcref 2.."
out_has "sections:"
out_has "start       offset 0x0000ce  size 1"
out_lacks "custom sections:"

t 0 inspect wasi.wasm
out_has "imports (2):"
out_has "func   0    wasi_snapshot_preview1.fd_write   "\
"(i32, i32, i32, i32) -> (i32)"
out_has "func   1    wasi_snapshot_preview1.proc_exit  (i32) -> ()"
out_has "func   2    hello   () -> (i32)"
out_has "memory 0    memory  pages 1.."

t 0 inspect imports.wasm
out_has "memory 0    env.mem  pages 1.."
out_has "0  pages 1..  (imported)"

# GC types (3.0): a rec group of two struct types counts as two types,
# and a lone function type as one (the section's entries are 2).
printf '\000asm\001\000\000\000\001\014\002\116\002\137\000\137\001\177\001\140\000\000' \
    >gc.wasm
t 0 inspect gc.wasm
out_has "types      3"

# Custom sections: the name section (wat2wasm --debug-names) and one
# appended by hand: id 0, size 10, name "meta" (4), payload "hello".
"$WAT2WASM" --debug-names "$SRC/math.wat" -o named.wasm
printf '\000\012\004metahello' >>named.wasm
t 0 inspect named.wasm
out_has 'start      function 0 ("init")'
out_has "custom sections:"
out_has "name "
out_has "meta                  10 bytes"
out_has 'custom      offset'
out_has '"meta"'

t 0 --json inspect named.wasm
json_is 'd["file"]' "'named.wasm'"
json_is 'd["functions"]["defined"], d["functions"]["imported"]' "(13, 0)"
json_is '[c["name"] for c in d["custom_sections"]]' "['name', 'meta']"
json_is 'd["custom_sections"][1]["size"]' "10"
json_is 'd["start"]' "0"
json_is 'd["memories"]' \
    "[{'index': 0, 'imported': False, 'limits': {'min': 1, 'max': 4}}]"
json_is 'd["tables"][0]["elem"], d["tables"][0]["limits"]["max"]' \
    "('funcref', None)"
json_is 'd["globals"]' "{'imported': 0, 'defined': 2}"
json_is 'd["data_segments"], d["elem_segments"]' "(1, 0)"
json_is '[e for e in d["exports"] if e["name"] == "swap"]' \
    "[{'name': 'swap', 'kind': 'func', 'index': 6, "\
"'signature': '(i64, i32) -> (i32, i64)'}]"
json_is '[s["kind"] for s in d["sections"]][:3]' "['type', 'function', 'table']"
json_is 'd["size"]' "$(stat -c %s named.wasm)"

t 0 inspect wasi.wasm --json
json_is '[(i["module"], i["name"]) for i in d["imports"]]' \
    "[('wasi_snapshot_preview1', 'fd_write'), "\
"('wasi_snapshot_preview1', 'proc_exit')]"
json_is '[i["signature"] for i in d["imports"]]' \
    "['(i32, i32, i32, i32) -> (i32)', '(i32) -> ()']"
json_is 'd["functions"]["total"]' "5"

# 64-bit memories (memory64, WebAssembly 3.0): "i64" before the limits,
# which may pass 2^32 pages; "address": "i64" in the JSON.
printf '(module (memory (export "m") i64 1 0x100000000) (memory 1 2))' \
    >mem64.wat
"$WAT2WASM" --enable-memory64 --enable-multi-memory mem64.wat -o mem64.wasm
t 0 inspect mem64.wasm
out_has "memory 0    m  i64 pages 1..4294967296"
out_has "0  i64 pages 1..4294967296"
out_has "1  pages 1..2"
t 0 --json inspect mem64.wasm
json_is 'd["memories"]' \
    "[{'index': 0, 'imported': False, 'limits': {'min': 1, "\
"'max': 4294967296, 'address': 'i64'}}, {'index': 1, 'imported': False, "\
"'limits': {'min': 1, 'max': 2}}]"
json_is 'd["exports"][0]["limits"]["address"]' "'i64'"

# Refusals: exit 2 and the reason.
echo "not wasm" >bad.wasm
t 2 inspect bad.wasm
err_is "wasmext: bad.wasm: at offset 0x0: magic header not detected"
out_is ""
# A body that does not type-check: the engine's validator says where.
printf '(module (func (result i32) (f32.const 1)))' >invalid.wat
"$WAT2WASM" --no-check invalid.wat -o invalid.wasm
t 2 inspect invalid.wasm
err_has "wasmext: invalid.wasm: function 0 at offset 0x"
err_has "type mismatch"
t 2 inspect missing.wasm
err_is "wasmext: cannot read missing.wasm: No such file or directory"
t 2 inspect
err_has "inspect: missing FILE.wasm"
t 2 inspect math.wasm wasi.wasm
err_has "inspect: expected one FILE.wasm, got 2 arguments"

finish
