# Helpers for the command-line tests: each test_*.sh sources this file,
# runs the real `wasmext` binary and checks its exit code, stdout and
# stderr (the checks are in tests/lib/check.sh). CTest runs every script
# as
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

# Sourced before the cd below so that a relative path to this file
# still resolves.
# shellcheck source=../lib/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1

# A command run without --db uses the default registry under $HOME: keep
# the tests' own out of the real one (and the real one out of the tests).
export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/.local/share
unset WASMEXT_DB WASMEXT_REGISTRY

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

# Starts `wasmext serve --listen 127.0.0.1:0 ARG...` in the background,
# stopped when the script exits, and waits until it listens: PID is the
# daemon's, URL its address. A daemon that did not start fails the test
# with its stderr.
start_daemon() {
    "$WASMEXT" serve --listen 127.0.0.1:0 "$@" >serve.out 2>serve.err &
    PID=$!
    trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null' EXIT
    # The daemon prints "listening on 127.0.0.1:PORT" once it listens.
    for _ in $(seq 200); do
        grep -q "^listening on " serve.out && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    URL=http://$(sed -n 's/^listening on //p' serve.out | head -1)
    [ "$URL" != "http://" ] || {
        echo "FAIL: the daemon did not start"
        cat serve.err
        exit 1
    }
}
