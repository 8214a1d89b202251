# `wasmext ekuiper pack` and eKuiper's built-in functions: a plugin
# function named like one (in any case) is packed, with a warning, since
# eKuiper resolves built-ins first and would never call it; and the list
# in src/ekuiper/builtins.c is the one eKuiper 2.4.0's source registers,
# re-read from the Go module cache by tests/ekuiper/builtin_names.sh
# (skipped, saying so, when the cache does not hold that source).
. "$(dirname "$0")/lib.sh"
build_guests

cat >shadow.json <<JSON
{"name": "shadow", "vm_config": {"path": "shadow.wasm"},
 "functions": ["abs", "Concat", "myfn"]}
JSON
t 0 ekuiper pack shadow.json -o shadow.zip
out_has "packed plugin shadow"
err_is 'wasmext: ekuiper pack: warning: function "abs" has the name of an '\
'eKuiper built-in function; eKuiper resolves built-ins first, so rules '\
'calling abs() would never reach this plugin (export it under another name)
wasmext: ekuiper pack: warning: function "Concat" has the name of an '\
'eKuiper built-in function; eKuiper resolves built-ins first, so rules '\
'calling Concat() would never reach this plugin (export it under another '\
'name)'
checks=$((checks + 1))
[ -s shadow.zip ] || fail "shadow.zip was not written"

# No warning for names that are no built-in.
cat >mine.json <<JSON
{"name": "mine", "vm_config": {"path": "shadow.wasm"}, "functions": ["myfn"]}
JSON
t 0 ekuiper pack mine.json -o mine.zip
err_empty

# The help names the libraries the package needs from its host.
t 0 ekuiper pack --help
out_has "nettle"
out_has "--bundle-libs packs them"

# The C list against eKuiper's source.
ROOT=$SRC/../..
names=$WORK/go-names.txt
bash "$ROOT/tests/ekuiper/builtin_names.sh" >"$names" 2>"$WORK/go-names.err"
rc=$?
checks=$((checks + 1))
if [ "$rc" = 3 ]; then
    echo "SKIP: eKuiper v2.4.0 source not in the Go module cache" \
         "($(cat "$WORK/go-names.err")); cd tests/ekuiper/kuiperd &&" \
         "go mod download fetches it"
elif [ "$rc" != 0 ]; then
    fail "builtin_names.sh exited $rc: $(cat "$WORK/go-names.err")"
else
    sed -n '/^static const char \*const builtins\[\] = {$/,/^};$/p' \
        "$ROOT/src/ekuiper/builtins.c" |
        sed -n 's/^    "\([^"]*\)",$/\1/p' >"$WORK/c-names.txt"
    if ! diff -u "$WORK/c-names.txt" "$names" >"$WORK/names.diff"; then
        fail "src/ekuiper/builtins.c differs from eKuiper's source" \
             "(- C list, + Go source): $(cat "$WORK/names.diff")"
    fi
    # Sorted as bsearch needs (bytewise), and not empty.
    checks=$((checks + 1))
    LC_ALL=C sort -c "$WORK/c-names.txt" 2>/dev/null &&
        [ "$(wc -l <"$WORK/c-names.txt")" -gt 100 ] ||
        fail "the C list is not sorted bytewise, or nearly empty"
fi

finish
