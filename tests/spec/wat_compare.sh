#!/usr/bin/env bash
# The text parser against wast2json, over the spec suite:
#
#   tests/spec/wat_compare.sh [-v] [-s wasm-3.0] BUILD_DIR [WAST...]
#
# Each .wast (default: every file of the spec folder's wast/) is converted
# by wast2json into BUILD_DIR/spec/<name>/ when its JSON is missing or
# older (the place of run_spec.sh); with -s wasm-3.0 the files are names
# in the spec folder's wasm-3.0/ (e.g. return_call, legacy/throw),
# converted into a directory of this script's own,
# BUILD_DIR/spec/wat-compare-3.0/<converter>/<name>/ (legacy/throw and
# throw apart), so that it never races with the spec runner over
# BUILD_DIR/spec/wasm-3.0/ when ctest runs tests in parallel. The
# converter is wast2json with the flags run_spec.sh gives the wasm-3.0
# folder (its w3_flags: $WAST2JSON_FLAGS replaces them), which `make test`
# always has; WX_WAT_CONVERTER=wasm-tools converts with `wasm-tools
# json-from-wast` instead (WASM_TOOLS, default BUILD_DIR/tools/wasm-tools)
# for the files wast2json 1.0.32 cannot read (the oracle's wider run, see
# docs/design.md "The text format"). Then BUILD_DIR/tests/spec/wx-wat-compare
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
converter=${WX_WAT_CONVERTER:-wast2json}
case $converter in
wast2json) ;;
wasm-tools)
    [ -x "$wasm_tools" ] || {
        echo "wat_compare.sh: wasm-tools not found at $wasm_tools: build" \
            "the wasm-tools target or set WASM_TOOLS" >&2
        exit 2
    }
    ;;
*) echo "wat_compare.sh: unknown WX_WAT_CONVERTER $converter" >&2; exit 2 ;;
esac
# run_spec.sh's w3_flags (one list: w3_flags.sh).
# shellcheck source=w3_flags.sh
. "$here/w3_flags.sh"
w3_flags=${WAST2JSON_FLAGS-$W3_FLAGS_DEFAULT}
if [ $# -eq 0 ] && [ -z "$suite" ]; then
    set -- "$spec"/wast/*.wast
fi
modules=0 bytes=0 texts=0 differ=0 failed_files=0
for wast in "$@"; do
    name=$(basename "${wast%.wast}")
    if [ -n "$suite" ]; then
        key=${wast%.wast}
        wast=$spec/wasm-3.0/$key.wast
        dir=$build/spec/wat-compare-3.0/$converter/$key
        # wasm-tools does not read the legacy exception tests: wast2json
        # converts them, as in run_spec.sh (its converter_of).
        if [ "$converter" = wasm-tools ] && [[ $key != legacy/* ]]; then
            convert=("$wasm_tools" json-from-wast "$wast" --wasm-dir "$dir" -o)
        else
            # shellcheck disable=SC2206 # the flags are words
            convert=("$wast2json" $w3_flags "$wast" -o)
        fi
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
