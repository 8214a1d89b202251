#!/usr/bin/env bash
# Runs the official spec tests on the engine.
#
#   tests/spec/run_spec.sh [-v] [-w] [-j N] BUILD_DIR [WAST...]
#
# Each .wast (default: every file in the spec folder's wast/, without simd/)
# is converted with wast2json into BUILD_DIR/spec/<name>/ when the JSON is
# missing or older than the .wast, then run by BUILD_DIR/tests/spec/wx-spec
# in its own process under `timeout 120`. A crash or a timeout counts every
# command of that file as failed. Prints one line per file and, last, the
# totals: "N passed, M failed, K skipped". Exit status 0 only if nothing
# failed.
#
#   -v     also print each failing command (and the tail of a crash report)
#   -w     also note expected load/link errors with another wording (-v too)
#   -j N   run N files at a time (default 1: the machine is shared)
#
# WAST arguments are paths, or names such as `i32` or `i32.wast` looked up in
# the spec folder's wast/ (or in the spec folder: `wasm-3.0/return_call`).
#
# WebAssembly 3.0 files (any .wast in a folder named wasm-3.0) are
# converted with `--enable-tail-call --enable-extended-const`, the 3.0
# features the engine has and wabt 1.0.32 can read ($WAST2JSON_FLAGS
# replaces these), into BUILD_DIR/spec/wasm-3.0/<name>/, and run with
# `wx-spec -3` (load by the 3.0 rules). Every other file is converted
# without flags (wast2json 1.0.32's defaults are exactly 2.0) and run by
# the 2.0 rules (WX_LOAD_WASM2), as before. Environment:
#   WX_SPEC_DIR  the spec folder (holding wast/), default ../shared/spec-tests
#                beside the repository
#   WX_SPEC_BIN  the runner, default BUILD_DIR/tests/spec/wx-spec
#   WAST2JSON    the converter, default wast2json from PATH (wabt 1.0.32)
#   WAST2JSON_FLAGS  wast2json flags for the wasm-3.0 files (default above)
#   WX_SPEC_TIMEOUT  seconds per file, default 120
set -u

verbose=0
jobs=1
wording=0
while getopts "vwj:" opt; do
    case $opt in
    v) verbose=1 ;;
    w) verbose=1 wording=1 ;;
    j) jobs=$OPTARG ;;
    *) echo "usage: $0 [-v] [-w] [-j N] BUILD_DIR [WAST...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "usage: $0 [-v] [-w] [-j N] BUILD_DIR [WAST...]" >&2
    exit 2
fi

die() {
    echo "run_spec.sh: $*" >&2
    exit 2
}

build_dir=$(cd "$1" 2>/dev/null && pwd) || die "no build directory $1"
shift

# The repository is cloned with `shared` beside it, so the spec folder is
# ../shared/spec-tests from the repository root.
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${WX_SPEC_DIR:-}" ]; then
    spec_dir=$WX_SPEC_DIR
else
    spec_dir=$here/../../../shared/spec-tests
    if [ ! -d "$spec_dir" ]; then
        top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) &&
            spec_dir=$top/../shared/spec-tests
    fi
fi
if [ -d "$spec_dir/wast" ]; then
    wast_dir=$(cd "$spec_dir/wast" && pwd)
elif [ -d "$spec_dir" ] && ls "$spec_dir"/*.wast >/dev/null 2>&1; then
    wast_dir=$(cd "$spec_dir" && pwd)
else
    die "spec tests not found in $spec_dir (expected ../shared/spec-tests" \
        "beside the repository; set WX_SPEC_DIR to override)"
fi

wast2json=${WAST2JSON:-$(command -v wast2json)}
if [ -z "$wast2json" ] || [ ! -x "$wast2json" ]; then
    die "wast2json not found: install wabt 1.0.32 (apt-get install wabt)" \
        "or set WAST2JSON"
fi

bin=${WX_SPEC_BIN:-$build_dir/tests/spec/wx-spec}
[ -x "$bin" ] || die "runner $bin not found: build the wx-spec target first"

limit=${WX_SPEC_TIMEOUT:-120}

# The files to run, as absolute paths.
files=()
if [ $# -eq 0 ]; then
    files=("$wast_dir"/*.wast)
else
    for w in "$@"; do
        if [ -f "$w" ]; then
            files+=("$(cd "$(dirname "$w")" && pwd)/$(basename "$w")")
        elif [ -f "$wast_dir/${w%.wast}.wast" ]; then
            files+=("$wast_dir/${w%.wast}.wast")
        elif [ -f "$spec_dir/${w%.wast}.wast" ]; then
            files+=("$(cd "$spec_dir" && pwd)/${w%.wast}.wast")
        else
            die "no such spec test: $w"
        fi
    done
fi

out_root=$build_dir/spec
mkdir -p "$out_root" "$out_root/wasm-3.0" || die "cannot create $out_root"

# What sets a 3.0 file apart: its folder. Prints the sub-folder of
# $out_root its conversion and result go to ("" or "wasm-3.0/").
suite_dir() {
    case $1 in
    */wasm-3.0/*) echo "wasm-3.0/" ;;
    *) echo "" ;;
    esac
}

w3_flags=${WAST2JSON_FLAGS---enable-tail-call --enable-extended-const}

# Converts $1 (a .wast) into $out_root/<name>/ unless it is up to date. The
# conversion goes to a fresh directory that then replaces the old one, so
# stale modules never survive and a failed conversion leaves nothing behind.
convert() {
    local wast=$1 name tmp sub
    local cflags=()
    sub=$(suite_dir "$wast")
    # shellcheck disable=SC2206 # the flags are words
    [ -n "$sub" ] && cflags=($w3_flags)
    name=$sub$(basename "$wast" .wast)
    local json=$out_root/$name/$(basename "$name").json
    if [ -f "$json" ] && [ ! "$wast" -nt "$json" ]; then
        return 0
    fi
    tmp=$(mktemp -d "$out_root/$sub.$(basename "$name").XXXXXX") || return 1
    if ! "$wast2json" "${cflags[@]}" "$wast" -o "$tmp/$(basename "$name").json" \
        >"$tmp.log" 2>&1; then
        cat "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        return 1
    fi
    rm -f "$tmp.log"
    rm -rf "${out_root:?}/$name"
    mv "$tmp" "$out_root/$name"
}

# Runs one file; writes "PASSED FAILED SKIPPED" on the first line of
# $out_root/<name>.result and the report lines after it.
run_one() {
    local wast=$1 name json res out err rc summary total why
    name=$(suite_dir "$wast")$(basename "$wast" .wast)
    json=$out_root/$name/$(basename "$name").json
    res=$out_root/$name.result
    out=$out_root/$name.stdout
    err=$out_root/$name.stderr
    if ! convert "$wast" 2>"$err"; then
        {
            echo "0 1 0"
            echo "$name.wast: wast2json failed (counted as 1 failure)"
            sed 's/^/    /' "$err"
        } >"$res"
        return
    fi
    local flags=()
    [ $verbose -eq 1 ] && flags=(-v)
    [ $wording -eq 1 ] && flags+=(-w)
    [ -n "$(suite_dir "$wast")" ] && flags+=(-3)
    # The subshell keeps bash's own "Segmentation fault" notice out of the
    # report; the crash is reported below.
    (
        timeout -k 5 "$limit" "$bin" "${flags[@]}" "$json" >"$out" 2>"$err"
        exit $?
    ) 2>/dev/null
    rc=$?
    summary=$(tail -n 1 "$out")
    local re='^.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
    # The summary counts only if the runner ended normally and its status
    # agrees with it (a sanitizer report after the summary changes the
    # status, and must not pass unnoticed).
    if [[ $summary =~ $re ]] &&
        { [[ $rc -eq 0 && ${BASH_REMATCH[2]} -eq 0 ]] ||
            [[ $rc -eq 1 && ${BASH_REMATCH[2]} -gt 0 ]]; }; then
        {
            echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
            [ $verbose -eq 1 ] && sed '$d' "$out" | sed 's/^/    /'
            echo "$summary"
        } >"$res"
    else
        # Count the commands without the engine, in a separate process.
        total=$("$bin" --count "$json" 2>/dev/null) || total=1
        if [ $rc -eq 124 ]; then
            why="timeout after ${limit}s"
        elif [ $rc -gt 128 ]; then
            why="crash: signal $((rc - 128))"
        else
            why="runner exited with status $rc"
        fi
        {
            echo "0 $total 0"
            if [ $verbose -eq 1 ]; then
                sed 's/^/    /' "$out"
                tail -n 30 "$err" | sed 's/^/    /'
            fi
            echo "$name.wast: 0 passed, $total failed, 0 skipped ($why)"
        } >"$res"
    fi
    rm -f "$out" "$err"
}

# With -j, files run in the background, at most $jobs at a time; the
# reports are printed afterwards in the order of the files.
for wast in "${files[@]}"; do
    if [ "$jobs" -le 1 ]; then
        run_one "$wast"
    else
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
            wait -n
        done
        run_one "$wast" &
    fi
done
wait

passed=0
failed=0
skipped=0
for wast in "${files[@]}"; do
    res=$out_root/$(suite_dir "$wast")$(basename "$wast" .wast).result
    read -r p f s <"$res"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    sed 1d "$res"
    rm -f "$res"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
