#!/bin/sh
# The framework benchmarks, side by side in one run: what a call costs
# through the framework C API (numeric and bindgen), over REST, and over
# eKuiper's portable-plugin channel, each next to the raw engine call or
# the bare transport it sits on. The figures come from benchmark programs
# built with the tests (never run by ctest); this script runs them, keeps
# their full output, and ends with a summary against the issues' targets.
#
#   bench/framework.sh [--quick] BUILD-DIR [SECTION...]
#
# SECTION: calls batch bindgen rest restbatch ekuiper kuiperd (default:
# all). --quick runs
# each for a fraction of the time: a check of the harness, not a
# measurement.
# Everything goes to BUILD-DIR/bench/framework.txt as well as stdout.
# Exit status 1 if a benchmark failed or computed a wrong result.
set -u

QUICK=0
if [ "${1:-}" = "--quick" ]; then
    QUICK=1
    shift
fi
BUILD=$(cd "${1:?usage: framework.sh [--quick] BUILD-DIR [SECTION...]}" &&
        pwd)
shift
SECTIONS=${*:-calls batch bindgen rest restbatch ekuiper kuiperd}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$BUILD/bench
mkdir -p "$OUT"
LOG=$OUT/framework.txt
: >"$LOG"
FAILED=0

say() { echo "$@" | tee -a "$LOG"; }

# Runs one benchmark program, keeping its output in the log and in
# $OUT/NAME.out for the summary.
run() {
    name=$1
    shift
    say ""
    say "==== $name: $*"
    if "$@" >"$OUT/$name.out" 2>&1; then
        tee -a "$LOG" <"$OUT/$name.out"
    else
        tee -a "$LOG" <"$OUT/$name.out"
        say "!!!! $name failed (exit status $?)"
        FAILED=1
    fi
}

say "wasmext framework benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
say "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

for section in $SECTIONS; do
    case $section in
    calls)
        calls=1000000
        [ $QUICK = 1 ] && calls=20000
        run calls "$BUILD/tests/framework/framework_bench_manager" \
            "$BUILD/tests/framework/guests" $calls
        ;;
    batch)
        # The per-row cost of wx_fn_call_batch next to the single calls.
        rows=2000000
        [ $QUICK = 1 ] && rows=20000
        run batch "$BUILD/tests/framework/framework_bench_batch" \
            "$BUILD/tests/framework/guests" $rows
        ;;
    restbatch)
        # Rows/s of add(i32, i32) through POST .../batch, one daemon
        # thread (issue 13's target: at least 1 M rows/s).
        quick=
        [ $QUICK = 1 ] && quick=--quick
        run restbatch python3 "$HERE/rest_batch.py" $quick "$BUILD"
        ;;
    bindgen)
        iters=200000
        [ $QUICK = 1 ] && iters=5000
        run bindgen "$BUILD/tests/abi/abi_bench" "$BUILD/tests/abi/guests" \
            $iters
        ;;
    rest)
        secs=5
        [ $QUICK = 1 ] && secs=1
        run rest sh "$ROOT/tests/daemon/bench_rest.sh" "$BUILD" $secs
        ;;
    ekuiper)
        secs=1
        [ $QUICK = 1 ] && secs=0.2
        run ekuiper "$BUILD/tests/ekuiper/ekuiper_bench_exec" --time $secs \
            "$BUILD/wasmext" "$BUILD/tests/ekuiper/guests/guest.wasm"
        # The same with both processes on one CPU: a round trip then
        # wakes the peer without an inter-processor wake-up, which on
        # this VM costs from 2 to 60 us depending on the host's load.
        run ekuiper_cpu1 "$BUILD/tests/ekuiper/ekuiper_bench_exec" \
            --time $secs --cpu 1 "$BUILD/wasmext" \
            "$BUILD/tests/ekuiper/guests/guest.wasm"
        ;;
    kuiperd)
        # Rows/s of one rule through the real eKuiper (make ekuiper):
        # our plugin, eKuiper's Python SDK, a built-in, no function.
        quick=
        [ $QUICK = 1 ] && quick=--quick
        run kuiperd python3 "$HERE/ekuiper_real.py" $quick "$BUILD"
        ;;
    *)
        echo "unknown section: $section (calls batch bindgen rest" \
            "restbatch ekuiper kuiperd)" >&2
        exit 2
        ;;
    esac
done

# ------------------------------------------------------------- summary
say ""
say "==== summary (targets from issues 3, 4 and 13)"
if [ -f "$OUT/calls.out" ] && echo "$SECTIONS" | grep -q calls; then
    awk -f "$HERE/summary_calls.awk" "$OUT/calls.out" | tee -a "$LOG"
fi
if [ -f "$OUT/batch.out" ] && echo "$SECTIONS" | grep -qw batch; then
    # batch_row nofuel|fuel PATH ns/row=N
    awk '/^batch_row / { ns = $NF; sub(/.*=/, "", ns)
             printf "add(i32, i32) %s, %s: %s ns/row\n", $2, $3, ns }' \
        "$OUT/batch.out" | tee -a "$LOG"
fi
if [ -f "$OUT/restbatch.out" ] && echo "$SECTIONS" | grep -q restbatch; then
    awk '/^rest_batch / { split("", f)
             for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
             printf "REST batch add(i32, i32), %s rows a request: %s " \
                    "rows/s by the clock, %s rows per daemon CPU-second " \
                    "(target >= 1000000)\n", f["rows/request"], f["rows/s"],
                    f["rows/daemon_cpu_s"] }' \
        "$OUT/restbatch.out" | tee -a "$LOG"
fi
if [ -f "$OUT/bindgen.out" ] && echo "$SECTIONS" | grep -q bindgen; then
    # bindgen_string_GUEST_PATH ns/call=N [overhead_ns=M]
    awk '/^bindgen_string_/ && !/_raw / {
             name = $1; sub(/^bindgen_string_/, "", name)
             path = name; sub(/^.*_/, "", path); sub(/_[a-z]+$/, "", name)
             ns = $2; sub(/.*=/, "", ns); ov = $3; sub(/.*=/, "", ov)
             printf "bindgen echo(100-byte string), %s guest, %s path: " \
                    "%d ns/call (%s ns over the raw guest calls)%s\n",
                    name, path, ns, ov,
                    (path == "typed" ? " (target < 1000)" : "") }' \
        "$OUT/bindgen.out" | tee -a "$LOG"
fi
if [ -f "$OUT/rest.out" ] && echo "$SECTIONS" | grep -q rest; then
    grep -E '^connections' "$OUT/rest.out" |
        awk '{ gsub(/:/, "", $2); gsub(/,/, "", $6)
               printf "REST fib(10), %s connection(s): %d calls/s, p50 %s, " \
                      "p99 %s (target >= 20000)\n", $2, $3, $6, $8 }' |
        tee -a "$LOG"
fi
for pin in ekuiper ekuiper_cpu1; do
    [ -f "$OUT/$pin.out" ] && echo "$SECTIONS" | grep -q ekuiper || continue
    [ $pin = ekuiper ] && say "eKuiper, processes on any CPU:" ||
        say "eKuiper, both processes on CPU 1:"
    # Lines are NAME key=value...: read the pairs once per line.
    awk '{ split("", f); for (i = 2; i <= NF; i++) {
             split($i, kv, "="); f[kv[1]] = kv[2] } }
         /^ekuiper_exec_fib10/ {
             printf "eKuiper Exec fib(10), client %s: %s calls/s, p50 %s us, " \
                    "p99 %s us%s\n", f["client"], f["calls/s"], f["p50_us"],
                    f["p99_us"], (f["client"] == "none" ? \
                    " (the plugin alone, no IPC)" : " (target >= 50000)") }
         /^ekuiper_rtt_floor/ {
             printf "  round-trip floor, fixed reply, %s plugin <-> %s " \
                    "client: %s calls/s\n", f["plugin"], f["client"],
                    f["calls/s"] }' "$OUT/$pin.out" | tee -a "$LOG"
done
if [ -f "$OUT/kuiperd.out" ] && echo "$SECTIONS" | grep -q kuiperd; then
    say "eKuiper 2.4.0 kuiperd, one rule SELECT f(x) FROM s, httppush" \
        "source (500-row arrays), nop sink:"
    awk '{ split("", f); for (i = 2; i <= NF; i++) {
             split($i, kv, "="); f[kv[1]] = kv[2] } }
         /^kuiperd_rows / {
             printf "  %-8s %7d rows/s, %7.2f us/row, %sx the built-in\n",
                    f["variant"], f["rows/s"], f["us_per_row"],
                    f["vs_builtin"] }
         /^kuiperd_added / {
             printf "  %s adds %s us/row over the built-in\n", f["variant"],
                    f["us_per_row"] }
         /^kuiperd_speedup / {
             printf "  wasmext plugin vs Python SDK plugin: %sx the rows/s\n",
                    f["wasmext_vs_python"] }
         /^kuiperd_own_work / {
             printf "  our own work per call (in process, fib(3)): mean %s " \
                    "us, p50 %s us (target < 3 us at the median: %s)\n",
                    f["us_per_call_mean"], f["p50_us"], f["holds"] }
         /^kuiperd_result / { $1 = ""; printf "  result:%s\n", $0 }' \
        "$OUT/kuiperd.out" | tee -a "$LOG"
fi
say "full output: $LOG"
exit $FAILED
