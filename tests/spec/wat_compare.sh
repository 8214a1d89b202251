#!/usr/bin/env bash
# The text parser against wast2json, over the spec suite:
#
#   tests/spec/wat_compare.sh [-v] [-s wasm-3.0] BUILD_DIR [WAST...]
#
# Each .wast (default: every file of the spec folder's wast/) is converted
# by wast2json into BUILD_DIR/spec/<name>/ when its JSON is missing or
# older (the place of run_spec.sh); with -s wasm-3.0 the files are names
# in the spec folder's wasm-3.0/ (e.g. return_call), converted by
# `wasm-tools json-from-wast` into BUILD_DIR/spec/wasm-3.0/<name>/ as
# `run_spec.sh -s wasm-3.0` does (WASM_TOOLS, default
# BUILD_DIR/tools/wasm-tools). Then BUILD_DIR/tests/spec/wx-wat-compare
# parses each of its modules with wx_wat_to_wasm and compares the result
# with wast2json's binary. Prints one line per file and the totals; exit
# status 0 only if every module of every file matched.
#
# Environment: WX_SPEC_DIR (default ../shared/spec-tests beside the
# repository), WAST2JSON (default wast2json from PATH), WX_WAT_COMPARE
# (default BUILD_DIR/tests/spec/wx-wat-compare), WASM2WAT.
set -u
verbose=()
suite=
while getopts "vs:" opt; do
    case $opt in
    v) verbose=(-v) ;;
    s) suite=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "usage: $0 [-v] BUILD_DIR [WAST...]" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
shift
here=$(cd "$(dirname "$0")" && pwd)
spec=${WX_SPEC_DIR:-$here/../../../shared/spec-tests}
wast2json=${WAST2JSON:-$(command -v wast2json)}
tool=${WX_WAT_COMPARE:-$build/tests/spec/wx-wat-compare}
[ -n "$wast2json" ] || { echo "wat_compare.sh: wast2json not found" >&2; exit 2; }

wasm_tools=${WASM_TOOLS:-$build/tools/wasm-tools}
if [ $# -eq 0 ] && [ -z "$suite" ]; then
    set -- "$spec"/wast/*.wast
fi
modules=0 bytes=0 texts=0 differ=0 failed_files=0
for wast in "$@"; do
    name=$(basename "${wast%.wast}")
    if [ -n "$suite" ]; then
        wast=$spec/wasm-3.0/${wast%.wast}.wast
        dir=$build/spec/wasm-3.0/$name
        convert=("$wasm_tools" json-from-wast "$wast" --wasm-dir "$dir" -o)
    else
        [ -f "$wast" ] || wast=$spec/wast/${wast%.wast}.wast
        dir=$build/spec/$name
        convert=("$wast2json" "$wast" -o)
    fi
    json=$dir/$name.json
    if [ ! -f "$json" ] || [ "$wast" -nt "$json" ]; then
        mkdir -p "$dir"
        "${convert[@]}" "$json" >/dev/null 2>&1 || {
            echo "$name.wast: ${convert[0]##*/} failed"
            failed_files=$((failed_files + 1))
            continue
        }
    fi
    line=$("$tool" "${verbose[@]}" "$wast" "$json")
    rc=$?
    echo "$line"
    read -r m b t d < <(printf '%s\n' "$line" | tail -1 | sed -nE \
        's/.*: ([0-9]+) modules, ([0-9]+) byte-equal, ([0-9]+) equal once normalized, ([0-9]+) differ/\1 \2 \3 \4/p')
    modules=$((modules + ${m:-0})) bytes=$((bytes + ${b:-0}))
    texts=$((texts + ${t:-0})) differ=$((differ + ${d:-0}))
    [ $rc -eq 0 ] || failed_files=$((failed_files + 1))
done
echo "wat: $modules modules, $bytes byte-equal, $texts equal once normalized," \
     "$differ differ ($failed_files files with a difference)"
[ $failed_files -eq 0 ]
