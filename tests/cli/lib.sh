# Helpers for the command-line tests: each test_*.sh sources this file,
# runs the real `wasmext` binary and checks its exit code, stdout and
# stderr. CTest runs every script as
#
#   bash test_x.sh WASMEXT SOURCE_DIR WORK_DIR WAT2WASM
#
# WORK_DIR (in the build tree) is emptied first and receives the guests,
# assembled from SOURCE_DIR/*.wat at test time, configs and registries.
# JSON output is parsed with python3 (no jq needed).

set -u

WASMEXT=$1
SRC=$2
WORK=$3
WAT2WASM=$4

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1

checks=0
failures=0
LAST=""
OUT=""
ERR=""
RC=0

fail() {
    failures=$((failures + 1))
    echo "FAIL: $LAST"
    echo "      $*"
}

# Assembles every guest of the source directory into the work directory.
build_guests() {
    local wat
    for wat in "$SRC"/*.wat; do
        "$WAT2WASM" "$wat" -o "$WORK/$(basename "${wat%.wat}").wasm" || {
            echo "FAIL: wat2wasm $wat"
            exit 1
        }
    done
}

# t EXPECTED_EXIT ARG... runs wasmext with the arguments; OUT, ERR and RC
# hold what it printed and returned.
t() {
    local want=$1
    shift
    LAST="wasmext $*"
    checks=$((checks + 1))
    OUT=$("$WASMEXT" "$@" 2>"$WORK/.stderr")
    RC=$?
    ERR=$(cat "$WORK/.stderr")
    if [ "$RC" != "$want" ]; then
        fail "exit $RC, expected $want; stderr: $ERR"
    fi
    # In a sanitizer build a report may end with the very exit code the
    # test expects (LeakSanitizer exits 1): look for the report itself.
    if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error:" <<<"$ERR"; then
        fail "sanitizer report: $ERR"
    fi
}

out_is() {
    checks=$((checks + 1))
    [ "$OUT" == "$1" ] || fail "stdout is '$OUT', expected '$1'"
}

out_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" <<<"$OUT" || fail "stdout lacks '$1'; stdout: $OUT"
}

# A whole line of stdout equals the text.
out_is_line() {
    checks=$((checks + 1))
    grep -qxF -- "$1" <<<"$OUT" || fail "stdout has no line '$1'; stdout: $OUT"
}

out_lacks() {
    checks=$((checks + 1))
    ! grep -qF -- "$1" <<<"$OUT" || fail "stdout has '$1'; stdout: $OUT"
}

err_is() {
    checks=$((checks + 1))
    [ "$ERR" == "$1" ] || fail "stderr is '$ERR', expected '$1'"
}

err_has() {
    checks=$((checks + 1))
    grep -qF -- "$1" <<<"$ERR" || fail "stderr lacks '$1'; stderr: $ERR"
}

err_empty() {
    checks=$((checks + 1))
    [ -z "$ERR" ] || fail "stderr is not empty: $ERR"
}

# json_is PYTHON_EXPR EXPECTED: evaluates the expression with `d` bound
# to stdout parsed as JSON and compares its repr() (so strings are
# quoted: json_is 'd["name"]' "'math'").
json_is() {
    checks=$((checks + 1))
    local got
    got=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(repr(eval(sys.argv[1])))' "$1" <<<"$OUT" 2>&1) ||
        { fail "stdout is not the JSON expected ($got); stdout: $OUT"; return; }
    [ "$got" == "$2" ] || fail "JSON $1 is $got, expected $2"
}

finish() {
    echo "$checks checks, $failures failed"
    [ "$failures" -eq 0 ]
    exit $?
}
