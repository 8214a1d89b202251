#!/usr/bin/env bash
# Runs the official spec tests on the engine.
#
#   tests/spec/run_spec.sh [-v] [-w] [-j N] [-s wasm-3.0] [-l LABEL] BUILD_DIR [WAST...]
#
# Each .wast (default: every file in the spec folder's wast/, simd/ included)
# is converted with wast2json into BUILD_DIR/spec/<name>/ when the JSON is
# missing or older than the .wast, then run by BUILD_DIR/tests/spec/wx-spec
# in its own process under `timeout 120`. A crash or a timeout counts every
# command of that file as failed. Prints one line per file and, last, the
# totals: "N passed, M failed, K skipped". Exit status 0 only if nothing
# failed. Modules that a script has as text only (`module quote`, written
# as .wat files by the converters) are converted by the engine's text
# parser inside wx-spec, so no command is skipped for being text; the
# parser's output is checked against wast2json by wat_compare.sh.
#
#   -v     also print each failing command (and the tail of a crash report)
#   -w     also note expected load/link errors with another wording (-v too)
#   -j N   run N files at a time (default 1: the machine is shared)
#   -l LABEL  start the totals line with "LABEL: " (`make spec`: wasm-2.0)
#   -s wasm-3.0
#          the WebAssembly 3.0 suite instead (`make spec3`): the files of
#          the spec folder's wasm-3.0/ (its legacy/ and custom/ subfolders
#          by name only, e.g. legacy/throw: they are not part of 3.0),
#          converted with `wasm-tools json-from-wast` (legacy/ with
#          wast2json, see converter_of below) into
#          BUILD_DIR/spec/wasm-3.0/<name>/; the files are named by their
#          path in wasm-3.0/ and the totals line starts with "wasm-3.0: "
#
# WAST arguments are paths, or names such as `i32` or `i32.wast` looked up in
# the spec folder's wast/ (or in the spec folder: `wasm-3.0/return_call`).
#
# WebAssembly 3.0 files (those of -s wasm-3.0, and any .wast in a folder
# named wasm-3.0) go to BUILD_DIR/spec/wasm-3.0/<name>/ and run with
# `wx-spec -3` (loaded by the 3.0 rules). Converted by wast2json (named
# without -s, or legacy/), they get the flags of w3_flags.sh beside this
# script: the 3.0 features wabt 1.0.32 reads that the engine has or the
# legacy exception tests need ($WAST2JSON_FLAGS replaces these; the fuzz
# seeds and wat_compare.sh use the same list). Every other file is converted
# without flags (wast2json 1.0.32's defaults are exactly 2.0) and run by
# the 2.0 rules (WX_LOAD_WASM2), as before. Environment:
#   WX_SPEC_DIR  the spec folder (holding wast/), default ../shared/spec-tests
#                beside the repository
#   WX_SPEC_BIN  the runner, default BUILD_DIR/tests/spec/wx-spec
#   WX_SPEC_CONVERTER  wast2json or wasm-tools: the converter of every file
#                (default: wast2json, and wasm-tools with -s wasm-3.0)
#   WAST2JSON    wast2json, default wast2json from PATH (wabt 1.0.32)
#   WAST2JSON_FLAGS  wast2json's flags for 3.0 files (default above)
#   WASM_TOOLS   wasm-tools, default BUILD_DIR/tools/wasm-tools (the link
#                that the `wasm-tools` build target makes to the one built
#                in the guest cache, cmake/wasm_tools.cmake), else
#                wasm-tools from PATH
#   WX_SPEC_TIMEOUT  seconds per file, default 120
set -u

usage="usage: $0 [-v] [-w] [-j N] [-s wasm-3.0] [-l LABEL] BUILD_DIR [WAST...]"
verbose=0
jobs=1
wording=0
suite=
label=
while getopts "vwj:s:l:" opt; do
    case $opt in
    v) verbose=1 ;;
    w) verbose=1 wording=1 ;;
    j) jobs=$OPTARG ;;
    s) suite=$OPTARG ;;
    l) label=$OPTARG ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "$usage" >&2
    exit 2
fi
case $suite in
'' | wasm-3.0) ;;
*) echo "run_spec.sh: unknown suite \"$suite\" (only wasm-3.0)" >&2; exit 2 ;;
esac

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
if [ -n "$suite" ]; then
    [ -d "$spec_dir/$suite" ] ||
        die "no $suite folder in the spec folder $spec_dir (set WX_SPEC_DIR" \
            "to the folder holding $suite/)"
    wast_dir=$(cd "$spec_dir/$suite" && pwd)
elif [ -d "$spec_dir/wast" ]; then
    wast_dir=$(cd "$spec_dir/wast" && pwd)
elif [ -d "$spec_dir" ] && ls "$spec_dir"/*.wast >/dev/null 2>&1; then
    wast_dir=$(cd "$spec_dir" && pwd)
else
    die "spec tests not found in $spec_dir (expected ../shared/spec-tests" \
        "beside the repository; set WX_SPEC_DIR to override)"
fi

case ${WX_SPEC_CONVERTER:-} in
'' | wast2json | wasm-tools) ;;
*) die "unknown WX_SPEC_CONVERTER \"$WX_SPEC_CONVERTER\" (wast2json or" \
    "wasm-tools)" ;;
esac
wast2json=${WAST2JSON:-$(command -v wast2json)}
wasm_tools=${WASM_TOOLS:-}
if [ -z "$wasm_tools" ]; then
    wasm_tools=$build_dir/tools/wasm-tools
    [ -x "$wasm_tools" ] || wasm_tools=$(command -v wasm-tools)
fi

# A file's key: its name, or in a suite given with -s, its path in the
# suite's folder (legacy/throw is not throw). Its converted form is in
# $out_root/<key>/, and its report names it <key>.wast.
file_key() {
    local wast=$1
    if [ -n "$suite" ] && [[ $wast == "$wast_dir"/* ]]; then
        wast=${wast#"$wast_dir"/}
        echo "${wast%.wast}"
    elif [[ $wast == */wasm-3.0/* ]]; then
        # Named without -s (the spec/wasm-3.0 test): beside the suite's
        # own conversions, not over the 2.0 file of the same name.
        echo "wasm-3.0/$(basename "$wast" .wast)"
    else
        basename "$wast" .wast
    fi
}

# The converter of a file (by its key): WX_SPEC_CONVERTER if set,
# else wast2json, and in the 3.0 suite wasm-tools, which reads all of it
# but legacy/: wasm-tools 1.263.0 cannot parse the folded try/do/catch
# form of the legacy exception instructions, which wast2json 1.0.32 reads
# with exceptions and tail calls enabled.
converter_of() {
    if [ -n "${WX_SPEC_CONVERTER:-}" ]; then
        echo "$WX_SPEC_CONVERTER"
    elif [ -n "$suite" ] && [[ $1 != legacy/* ]]; then
        echo wasm-tools
    else
        echo wast2json
    fi
}

need_converter() {
    case $1 in
    wast2json)
        [ -n "$wast2json" ] && [ -x "$wast2json" ] ||
            die "wast2json not found: install wabt 1.0.32 (apt-get install" \
                "wabt) or set WAST2JSON"
        ;;
    wasm-tools)
        [ -n "$wasm_tools" ] && [ -x "$wasm_tools" ] ||
            die "wasm-tools not found: build it with" \
                "\`cmake --build $build_dir --target wasm-tools\` (once" \
                "per guest cache, see cmake/wasm_tools.cmake) or set" \
                "WASM_TOOLS"
        ;;
    esac
}

bin=${WX_SPEC_BIN:-$build_dir/tests/spec/wx-spec}
[ -x "$bin" ] || die "runner $bin not found: build the wx-spec target first"

limit=${WX_SPEC_TIMEOUT:-120}

# The files to run, as absolute paths.
files=()
if [ $# -eq 0 ]; then
    files=("$wast_dir"/*.wast)
    # The 2.0 suite's SIMD files (the engine has SIMD since issue 15).
    if [ -z "$suite" ] && [ -d "$wast_dir/simd" ]; then
        files+=("$wast_dir"/simd/*.wast)
    fi
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

for wast in "${files[@]}"; do
    need_converter "$(converter_of "$(file_key "$wast")")"
done

out_root=$build_dir/spec
[ -n "$suite" ] && out_root=$build_dir/spec/$suite
mkdir -p "$out_root" || die "cannot create $out_root"

# Whether $1 (a .wast) is a 3.0 file: in the suite given with -s, or in a
# folder named wasm-3.0. Those are loaded by the 3.0 rules (wx-spec -3).
is_w3() {
    [ -n "$suite" ] || [[ $1 == */wasm-3.0/* ]]
}

# wast2json's flags for a 3.0 file (w3_flags.sh).
# shellcheck source=w3_flags.sh
. "$here/w3_flags.sh"
w3_flags=${WAST2JSON_FLAGS-$W3_FLAGS_DEFAULT}

# Writes the JSON of $1 (a .wast) as $2/$3.json and its modules beside
# it, with converter $4.
run_converter() {
    local wast=$1 dir=$2 name=$3
    case $4 in
    wasm-tools)
        "$wasm_tools" json-from-wast "$wast" -o "$dir/$name.json" \
            --wasm-dir "$dir"
        ;;
    *)
        local flags=()
        # shellcheck disable=SC2206 # the flags are words
        is_w3 "$wast" && flags=($w3_flags)
        "$wast2json" "${flags[@]}" "$wast" -o "$dir/$name.json"
        ;;
    esac
}

# Converts $1 (a .wast) into $out_root/<key>/ unless it is up to date: as
# new as the .wast, by the same converter (named in its file "converter").
# The conversion goes to a fresh directory that then replaces the old one,
# so stale modules never survive and a failed conversion leaves nothing
# behind.
convert() {
    local wast=$1 key name tmp dest conv
    key=$(file_key "$wast")
    name=$(basename "$key")
    conv=$(converter_of "$key")
    dest=$out_root/$key
    local json=$dest/$name.json
    if [ -f "$json" ] && [ ! "$wast" -nt "$json" ] &&
        [ "$(cat "$dest/converter" 2>/dev/null)" = "$conv" ]; then
        return 0
    fi
    mkdir -p "$(dirname "$dest")" || return 1
    tmp=$(mktemp -d "$(dirname "$dest")/.$name.XXXXXX") || return 1
    if ! run_converter "$wast" "$tmp" "$name" "$conv" >"$tmp.log" 2>&1; then
        cat "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        return 1
    fi
    rm -f "$tmp.log"
    echo "$conv" >"$tmp/converter"
    rm -rf "${dest:?}"
    mv "$tmp" "$dest"
}

# The report files of a key (legacy/throw becomes legacy%throw).
report_base() {
    echo "$out_root/${1//\//%}"
}

# Runs one file; writes "PASSED FAILED SKIPPED" on the first line of
# <report_base>.result and the report lines after it.
run_one() {
    local wast=$1 key name json res out err rc summary total why base
    key=$(file_key "$wast")
    name=$(basename "$key")
    json=$out_root/$key/$name.json
    base=$(report_base "$key")
    res=$base.result
    out=$base.stdout
    err=$base.stderr
    if ! convert "$wast" 2>"$err"; then
        {
            echo "0 1 0"
            echo "$key.wast: $(converter_of "$key") failed (counted as 1" \
                "failure)"
            sed 's/^/    /' "$err"
        } >"$res"
        rm -f "$err"
        return
    fi
    # The report names the file by its key (the runner would say
    # throw.wast for legacy/throw.wast).
    local flags=(-n "$key.wast")
    [ $verbose -eq 1 ] && flags+=(-v)
    [ $wording -eq 1 ] && flags+=(-w)
    is_w3 "$wast" && flags+=(-3)
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
            echo "$key.wast: 0 passed, $total failed, 0 skipped ($why)"
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
    res=$(report_base "$(file_key "$wast")").result
    read -r p f s <"$res"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    sed 1d "$res"
    rm -f "$res"
done
label=${label:-$suite}
echo "${label:+$label: }$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
