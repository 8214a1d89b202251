# shellcheck shell=bash
# Checks shared by the shell tests of tests/cli and tests/examples: each
# suite's lib.sh reads its own arguments, sets WASMEXT (the binary under
# test) and WORK (the emptied work directory, the current directory) and
# then sources this file.

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
