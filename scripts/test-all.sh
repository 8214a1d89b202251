#!/usr/bin/env bash
# `make test`: every test layer, in every build layout, then the spec
# summary. Each stage is a Makefile target; a failed stage does not stop the
# others, so one run shows every failure, and the script fails at the end if
# any stage failed. The last lines printed are the spec suites' summary
# (`wasm-2.0: N passed, M failed, K skipped`, the same for wasm-3.0, and
# the total last).
#
# Called by the Makefile, which sets BUILD_DIR.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
make=${MAKE:-make}
build_dir=${BUILD_DIR:-$root/build}
logs=$(mktemp -d "${TMPDIR:-/tmp}/wasmext-test.XXXXXX")
trap 'rm -rf "$logs"' EXIT

names=()
results=()
failed=0

# Runs one stage, showing its output and keeping a copy to read the ctest
# counts from.
stage() {
    local name=$1 what=$2
    shift 2
    echo
    echo "==== $name: $what"
    local start=$SECONDS status=0
    "$@" 2>&1 | tee "$logs/$name.log" || status=$?
    local secs=$((SECONDS - start))
    local counts
    counts=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$logs/$name.log" |
        tail -n 1 || true)
    if [ "$status" -eq 0 ]; then
        results+=("ok      ${secs}s  ${counts}")
    else
        results+=("FAILED  ${secs}s  ${counts}")
        failed=1
    fi
    names+=("$name")
}

total_start=$SECONDS
# The real eKuiper (kuiperd, from the Go module proxy; cached after the
# first build): the build and asan stages run the kuiperd-labelled tests
# against it.
stage ekuiper "build/ekuiper/: kuiperd 2.4.0 for the real-eKuiper tests" \
    "$make" --no-print-directory -C "$root" ekuiper
stage build "build/: unit, spec and e2e tests" \
    "$make" --no-print-directory -C "$root" check
stage switch "build-switch/: the same tests, switch dispatch" \
    "$make" --no-print-directory -C "$root" test-switch
stage asan "build-asan/: the same tests under ASan+UBSan" \
    "$make" --no-print-directory -C "$root" test-asan
stage tsan "build-tsan/: the threaded tests (vm, framework) under TSan" \
    "$make" --no-print-directory -C "$root" test-tsan
stage fuzz "build-fuzz/: fuzz smoke test" \
    "$make" --no-print-directory -C "$root" test-fuzz
stage spec "tests/spec/run_suites.sh: the 2.0 and 3.0 suites' summary" \
    bash "$root/tests/spec/run_suites.sh" "$build_dir"
spec_lines=$(grep -E '^(wasm-2.0|wasm-3.0|total): [0-9]+ passed, [0-9]+ failed' \
    "$logs/spec.log" | tail -n 3 || true)

echo
echo "==== make test: $((SECONDS - total_start))s"
for i in "${!names[@]}"; do
    printf '  %-8s %s\n' "${names[$i]}" "${results[$i]}"
done
if [ "$failed" -ne 0 ]; then
    echo "make test: FAILED (see the stages above)"
else
    echo "make test: all stages passed"
fi
if [ -n "$spec_lines" ]; then
    echo "$spec_lines"
fi
exit "$failed"
