#!/bin/sh
# REST calls per second through the daemon: fib(10) over keep-alive
# connections with wrk, 1 and 4 connections, with the CPU context (load,
# the daemon's and wrk's CPU time) that makes the figures readable on a
# shared machine. Not run by ctest.
#
#   tests/daemon/bench_rest.sh BUILD-DIR [SECONDS] [DAEMON-THREADS]
#
# BUILD-DIR holds wasmext (the daemon is `wasmext serve`) and
# tests/daemon/guests/calc.wasm (build the targets wasmext and wxd_guests
# first).
set -eu

BUILD=$(cd "${1:?usage: bench_rest.sh BUILD-DIR [SECONDS] [THREADS]}" && pwd)
SECONDS_PER_RUN=${2:-5}
THREADS=${3:-$(nproc)}
WASMEXT=$BUILD/wasmext
WASM=$BUILD/tests/daemon/guests/calc.wasm
[ -x "$WASMEXT" ] || { echo "no $WASMEXT" >&2; exit 2; }
[ -f "$WASM" ] || { echo "no $WASM" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/wxd-bench.XXXXXX)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# --allow-dir: the config below names the module on this host, which a
# REST config may do only under an allowed directory (docs/security.md).
"$WASMEXT" serve --listen 127.0.0.1:0 --db "$WORK/registry.db" --threads "$THREADS" \
    --allow-dir "$(dirname "$WASM")" \
    --log-level warn >"$WORK/out" 2>"$WORK/log" &
PID=$!
i=0
while ! grep -q "^listening on" "$WORK/out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -ge 200 ]; then
        echo "the daemon did not start" >&2
        cat "$WORK/log" >&2
        exit 1
    fi
    sleep 0.05
done
ADDR=$(sed -n 's/^listening on //p' "$WORK/out")
URL=http://$ADDR

cat >"$WORK/calc.json" <<EOF
{"name": "calc", "instance_num": 4,
 "vm_config": {"path": "$WASM"}, "functions": ["fib", "add"]}
EOF
curl -sf -X POST -H 'Content-Type: application/json' \
    --data-binary @"$WORK/calc.json" "$URL/plugins" >/dev/null
[ "$(curl -sf -X POST -d '{"args":[10]}' "$URL/functions/fib")" = \
  '{"results":[55]}' ] || { echo "fib(10) is wrong" >&2; exit 1; }

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"args":[10]}'
wrk.headers["Content-Type"] = "application/json"
EOF

# CPU ticks: the whole machine (busy, total) and a process (user+system).
machine_ticks() {
    awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat
}
proc_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

echo "wasmext REST benchmark: POST /functions/fib {\"args\":[10]}"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "daemon threads $THREADS, ${SECONDS_PER_RUN}s per run"
for conns in 1 4; do
    wthreads=$conns
    [ "$wthreads" -le 2 ] || wthreads=2
    set -- $(machine_ticks)
    busy0=$1 total0=$2
    d0=$(proc_ticks "$PID")
    wrk -t"$wthreads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency \
        -s "$WORK/post.lua" "$URL/functions/fib" >"$WORK/wrk" 2>&1 &
    WRK=$!
    w=0
    # wrk's own CPU, sampled just before it exits.
    while kill -0 "$WRK" 2>/dev/null; do
        w=$(proc_ticks "$WRK" 2>/dev/null || echo "$w")
        sleep 0.2
    done
    wait "$WRK" || true
    d1=$(proc_ticks "$PID")
    set -- $(machine_ticks)
    busy1=$1 total1=$2
    rps=$(awk '/^Requests\/sec/{print $2}' "$WORK/wrk")
    p50=$(awk '$1=="50%"{print $2}' "$WORK/wrk")
    p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk")
    errs=$(awk '/Non-2xx|Socket errors/' "$WORK/wrk")
    echo "connections $conns: $rps calls/s, p50 $p50, p99 $p99" \
         "${errs:+($errs)}"
    awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" \
        -v d="$((d1 - d0))" -v w="$w" -v hz="$HZ" -v s="$SECONDS_PER_RUN" \
        -v n="$(nproc)" 'BEGIN {
        printf "  CPU: machine %.0f%% busy of %d CPUs; daemon %.2f CPUs, " \
               "wrk %.2f CPUs\n", 100 * b / t, n, d / hz / s, w / hz / s }'
done
# The time inside wx_call_json, from the daemon's own histogram.
curl -s "$URL/metrics" |
    grep -E '^wasmext_function_duration_seconds_(sum|count).*"fib"' |
    awk '/_sum/{s=$2} /_count/{c=$2} END {
        if (c) printf "  time in wx_call_json per call: %.2f us\n", 1e6*s/c }'
