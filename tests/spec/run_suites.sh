#!/usr/bin/env bash
# `make spec`: both official suites, as issue 15 defines the report.
#
#   tests/spec/run_suites.sh BUILD_DIR
#
# Runs the WebAssembly 2.0 suite (the spec folder's wast/, simd/ included)
# and the 3.0 suite (wasm-3.0/, converted by wasm-tools: the `wasm-tools`
# build target must have run), each with run_spec.sh, whose lines per file
# it passes on. Then prints exactly
#
#   wasm-2.0: N passed, M failed, K skipped
#   wasm-3.0: N passed, M failed, K skipped
#   total: N passed, M failed, K skipped
#
# the last as its last line. Exit status 0 only if nothing failed in
# either; 2 if a suite could not run at all. `make test`'s last stage;
# its build layouts run the same suites as CTest tests (spec/NAME,
# spec/wasm-3.0, spec/wasm-3.0-legacy).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build_dir=$1

# The spec folder as run_spec.sh finds it, for the 2.0 file list.
spec_dir=${WX_SPEC_DIR:-$here/../../../shared/spec-tests}
[ -d "$spec_dir/wast" ] || {
    echo "run_suites.sh: no wast/ in $spec_dir (set WX_SPEC_DIR)" >&2
    exit 2
}
w2=("$spec_dir"/wast/*.wast "$spec_dir"/wast/simd/*.wast)

out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT
worst=0
lines=()
for suite in wasm-2.0 wasm-3.0; do
    if [ $suite = wasm-2.0 ]; then
        bash "$here/run_spec.sh" -l wasm-2.0 "$build_dir" "${w2[@]}" | tee "$out"
    else
        bash "$here/run_spec.sh" -s wasm-3.0 "$build_dir" | tee "$out"
    fi
    rc=${PIPESTATUS[0]}
    [ "$rc" -gt "$worst" ] && worst=$rc
    line=$(tail -n 1 "$out")
    [[ $line == "$suite: "* ]] || {
        echo "run_suites.sh: $suite did not run" >&2
        exit 2
    }
    lines+=("$line")
done

passed=0 failed=0 skipped=0
re='^[^:]*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
for line in "${lines[@]}"; do
    [[ $line =~ $re ]] || exit 2
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    skipped=$((skipped + BASH_REMATCH[3]))
done
echo
printf '%s\n' "${lines[@]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && exit 0
exit $((worst > 1 ? worst : 1))
