# shellcheck shell=bash
# Helpers for the example plugin tests: each test_*.sh sources this file,
# runs the real `wasmext` binary on an example built in the build tree and
# checks its exit status, stdout and stderr. CTest runs every script as
#
#   bash test_x.sh WASMEXT EXAMPLES_SRC EXAMPLES_BIN WORK_DIR
#
# EXAMPLES_SRC is examples/plugins, EXAMPLES_BIN its build directory (the
# built modules and the configs with absolute paths), WORK_DIR a directory
# of the build tree that is emptied first and receives the registries.

set -u

WASMEXT=$1
SRC=$2
BIN=$3
WORK=$4

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
    # A sanitizer report may end with the very exit code expected.
    if grep -qE "ERROR: [A-Za-z]+Sanitizer|runtime error:" <<<"$ERR"; then
        fail "sanitizer report: $ERR"
    fi
}

# call EXPECTED_STDOUT ARG...: a call that succeeds and prints exactly
# EXPECTED_STDOUT, nothing on stderr.
call() {
    local want=$1
    shift
    t 0 "$@"
    out_is "$want"
    err_empty
}

out_is() {
    checks=$((checks + 1))
    [ "$OUT" == "$1" ] || fail "stdout is '$OUT', expected '$1'"
}

out_is_line() {
    checks=$((checks + 1))
    grep -qxF -- "$1" <<<"$OUT" || fail "stdout has no line '$1'; stdout: $OUT"
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

# user_copy EXAMPLE CONFIG MODULE: the example as a user has it after
# building it by hand (its README): the committed config EXAMPLE/CONFIG,
# whose vm_config.path is the relative MODULE, with the module built
# there. Both are copied into WORK/user/; the config's path must work.
user_copy() {
    local example=$1 config=$2 module=$3
    LAST="copy the $example example into $WORK/user"
    mkdir -p "$WORK/user/$(dirname "$module")"
    cp "$SRC/$example/$config" "$WORK/user/" ||
        fail "cannot copy $SRC/$example/$config"
    cp "$BIN/$example/$module" "$WORK/user/$module" ||
        fail "cannot copy $BIN/$example/$module"
}

finish() {
    echo "$checks checks, $failures failed"
    [ "$failures" -eq 0 ]
    exit $?
}
