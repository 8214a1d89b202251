# shellcheck shell=bash
# Helpers for the example plugin tests: each test_*.sh sources this file,
# runs the real `wasmext` binary on an example built in the build tree and
# checks its exit status, stdout and stderr (the checks are in
# tests/lib/check.sh). CTest runs every script as
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

# Sourced before the cd below so that a relative path to this file
# still resolves.
# shellcheck source=../lib/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1

# call EXPECTED_STDOUT ARG...: a call that succeeds and prints exactly
# EXPECTED_STDOUT, nothing on stderr.
call() {
    local want=$1
    shift
    t 0 "$@"
    out_is "$want"
    err_empty
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
