#!/bin/sh
# The doors of wasmext measured side by side (issue 11): what one call
# costs through each way in, and what a one-shot command pays for a large
# registry, for one build directory, as one markdown table. Run it on two
# builds (before and after a change) and compare the tables row by row.
#
#   bench/doors.sh BUILD-DIR [--quick]
#
# Sections (each row of the table is the median over its runs, with the
# range and the spread (max - min) / median, the machine being shared):
#
#   rest   POST /functions/add_0000 {"args":[2,3]} (numeric) and
#          POST /functions/echo_0000 with a 100-byte string (bindgen),
#          bench/doors/guest.wat, 1 and 4 keep-alive connections from
#          bench/doors/loadgen.c (closed loop, every answer checked):
#          calls/s, p50, the daemon's CPU per call (user + system from
#          /proc/PID/stat over exactly the timed window) and its user
#          share, the load generator's CPU per call. Then, if perf works,
#          the daemon's top symbols and shared objects during a run at 4
#          connections (its own run, so that perf does not weigh on the
#          figures above).
#   ekuiper
#          tests/ekuiper/ekuiper_bench_exec on eKuiper's fib guest,
#          fib(10): the plugin's Exec handling in process (no IPC), and
#          the plugin process driven over its Unix socket by a minimal SP
#          client, with the bare round trip (fixed reply) for scale.
#   capi   tests/framework/framework_bench_manager: add(i32,i32) through
#          every call path of the framework next to the raw engine call
#          (wx_call on a private instance), CPU ns per call and the
#          overhead over raw; and the 100-byte bindgen echo.
#   cli    `wasmext plugin ls`, `plugin show p0500` and `call add_0500 2 3`
#          on a registry of 1,000 plugins (bench/doors/registry.py, cached
#          in BUILD-DIR/bench/doors/), and `plugin ls` on one plugin: wall
#          and CPU (user + system of the command, from wait4).
#
# Binaries: BUILD-DIR/wasmext-serve and wasmext-ekuiper when they exist
# (older trees), else `wasmext serve` and `wasmext` as the eKuiper tool.
# --quick: one short round of each, a check of the harness (about a
# minute), not a measurement. A full run takes three to five minutes.
# Output: the table on stdout and in BUILD-DIR/bench/doors/doors.md, every
# program's own output under BUILD-DIR/bench/doors/raw/. Exit status 1 if
# any call returned a wrong answer or a program failed; 2 for a usage
# error or a missing binary.
set -eu

usage() {
    echo "usage: bench/doors.sh BUILD-DIR [--quick]" >&2
    exit 2
}
QUICK=0
BUILD=
for a in "$@"; do
    case $a in
    --quick) QUICK=1 ;;
    -*) usage ;;
    *) [ -z "$BUILD" ] || usage; BUILD=$a ;;
    esac
done
[ -n "$BUILD" ] || usage
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DOORS=$HERE/doors
OUT=$BUILD/bench/doors
RAW=$OUT/raw
mkdir -p "$RAW"

if [ $QUICK = 1 ]; then
    ROUNDS=1 REST_S=1 PERF_S=1 EK_S=0.2 CAPI_CALLS=20000 CAPI_RUNS=1
    CLI_RUNS=2
else
    ROUNDS=3 REST_S=4 PERF_S=3 EK_S=1 CAPI_CALLS=300000 CAPI_RUNS=3
    CLI_RUNS=7
fi
REGISTRY_SIZE=1000

# ------------------------------------------------------------ binaries
CLI=$BUILD/wasmext
if [ -x "$BUILD/wasmext-serve" ]; then
    SERVE=$BUILD/wasmext-serve SERVE_SUB=
else
    SERVE=$CLI SERVE_SUB=serve
fi
if [ -x "$BUILD/wasmext-ekuiper" ]; then
    EKTOOL=$BUILD/wasmext-ekuiper
else
    EKTOOL=$CLI
fi
CAPI_BENCH=$BUILD/tests/framework/framework_bench_manager
CAPI_GUESTS=$BUILD/tests/framework/guests
EK_BENCH=$BUILD/tests/ekuiper/ekuiper_bench_exec
EK_GUEST=$BUILD/tests/ekuiper/guests/guest.wasm
for f in "$CLI" "$SERVE" "$EKTOOL" "$CAPI_BENCH" "$EK_BENCH" "$EK_GUEST"; do
    [ -e "$f" ] || {
        echo "doors.sh: $f is missing (build the tests too: cmake" \
             "--build $BUILD)" >&2
        exit 2
    }
done
for tool in cc wat2wasm python3 curl; do
    command -v $tool >/dev/null || {
        echo "doors.sh: $tool is not installed" >&2
        exit 2
    }
done

WORK=$(mktemp -d /tmp/wx-doors.XXXXXX)
DAEMON=
stop_daemon() {
    if [ -n "$DAEMON" ]; then
        kill "$DAEMON" 2>/dev/null || true
        wait "$DAEMON" 2>/dev/null || true
        DAEMON=
    fi
}
cleanup() {
    stop_daemon
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FAILED=0
failed() {
    echo "doors.sh: $*" >&2
    FAILED=1
}

# ------------------------------------------------------------- helpers
# The load generator and the guest are built here, not by cmake, so that
# the same script measures any tree, older ones included.
LOADGEN=$OUT/loadgen
if [ ! -x "$LOADGEN" ] || [ "$DOORS/loadgen.c" -nt "$LOADGEN" ]; then
    cc -O2 -std=c11 -Wall -Wextra -Werror -pthread -o "$LOADGEN" \
        "$DOORS/loadgen.c"
fi
GUEST=$OUT/guest.wasm
wat2wasm "$DOORS/guest.wat" -o "$GUEST"

# Results: $WORK/rows lists each row once, in order (KEY, door, measure,
# unit, tab-separated); $WORK/samples holds one KEY<TAB>VALUE per run.
: >"$WORK/rows"
: >"$WORK/samples"
row() {
    grep -q "^$1	" "$WORK/rows" ||
        printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$WORK/rows"
}
sample() {
    [ -n "$2" ] || return 0 # a figure the program did not print: no sample
    printf '%s\t%s\n' "$1" "$2" >>"$WORK/samples"
}

# The value of key K in the first line of FILE that starts with PREFIX
# (programs print `NAME key=value ...` lines).
kv() {
    awk -v p="$2" -v k="$3" 'index($0, p) == 1 {
        for (i = 1; i <= NF; i++)
            if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
    }' "$1"
}

# Starts the daemon on registry $1 with --allow-dir $2; sets DAEMON (its
# pid) and ADDR.
start_daemon() {
    "$SERVE" $SERVE_SUB --listen 127.0.0.1:0 --db "$1" --allow-dir "$2" \
        --log-level warn >"$WORK/daemon.out" 2>"$WORK/daemon.log" &
    DAEMON=$!
    i=0
    while ! grep -q "^listening on" "$WORK/daemon.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -ge 200 ] || ! kill -0 "$DAEMON" 2>/dev/null; then
            echo "doors.sh: the daemon did not start:" >&2
            cat "$WORK/daemon.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    ADDR=$(sed -n 's/^listening on //p' "$WORK/daemon.out")
}

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
START_TIME=$(date -u +%Y-%m-%dT%H:%MZ)

# ---------------------------------------------------------------- rest
TEXT=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
TEXT=${TEXT}0123456789abcdefghijklmnopqrstuvwxyzAB # 100 bytes
NUM_BODY='{"args":[2,3]}' NUM_EXPECT='{"results":[5]}'
STR_BODY="{\"args\":[\"$TEXT\"]}" STR_EXPECT="{\"results\":[\"$TEXT\"]}"

rest_setup() {
    mkdir -p "$WORK/mods"
    cp "$GUEST" "$WORK/mods/doors.wasm"
    start_daemon "$WORK/rest.db" "$WORK/mods"
    cat >"$WORK/doors.json" <<EOF
{"name": "doors", "instance_num": 4,
 "vm_config": {"path": "$WORK/mods/doors.wasm"},
 "functions": ["add_0000",
   {"name": "echo_0000", "abi": "bindgen",
    "params": ["string"], "results": ["string"]}]}
EOF
    curl -sf -X POST -H 'Content-Type: application/json' \
        --data-binary @"$WORK/doors.json" "http://$ADDR/plugins" >/dev/null ||
        { echo "doors.sh: POST /plugins refused the bench plugin" >&2; exit 1; }
}

# One timed run: rest_run FN CONNS SECONDS, FN add or echo; the loadgen
# line in $WORK/lg.
rest_run() {
    if [ "$1" = add ]; then
        set -- "$1" "$2" "$3" "$NUM_BODY" "$NUM_EXPECT"
    else
        set -- "$1" "$2" "$3" "$STR_BODY" "$STR_EXPECT"
    fi
    "$LOADGEN" --pid "$DAEMON" "$ADDR" "/functions/${1}_0000" "$4" "$5" \
        "$2" "$3" >"$WORK/lg" 2>>"$RAW/rest.err" ||
        failed "REST $1 over $2 connection(s): wrong answers or no calls" \
               "(see $RAW/rest.err)"
}

rest_section() {
    rest_setup
    : >"$RAW/rest.txt"
    : >"$RAW/rest.err"
    for fn in add echo; do
        for c in 1 4; do
            if [ $fn = add ]; then
                door="REST add(2,3), $c conn"
            else
                door="REST echo(100-byte string), $c conn"
            fi
            k=rest_${fn}_$c
            row ${k}_rps "$door" "calls/s" ""
            row ${k}_p50 "$door" "latency p50" "us"
            row ${k}_cpu "$door" "daemon CPU per call (user+sys)" "us"
            row ${k}_user "$door" "daemon CPU in user space" "%"
            row ${k}_cs "$door" "daemon context switches per call" ""
            row ${k}_client "$door" "load generator CPU per call" "us"
        done
    done
    r=0
    while [ $r -lt $ROUNDS ]; do
        r=$((r + 1))
        for fn in add echo; do
            for c in 1 4; do
                rest_run $fn $c "$REST_S"
                echo "round $r $fn conns=$c: $(cat "$WORK/lg")" >>"$RAW/rest.txt"
                k=rest_${fn}_$c
                calls=$(kv "$WORK/lg" loadgen calls)
                [ "${calls:-0}" -gt 0 ] || continue
                sample ${k}_rps "$(kv "$WORK/lg" loadgen calls_per_s)"
                sample ${k}_p50 "$(kv "$WORK/lg" loadgen p50_us)"
                awk -v n="$calls" -v u="$(kv "$WORK/lg" loadgen daemon_user_s)" \
                    -v s="$(kv "$WORK/lg" loadgen daemon_sys_s)" \
                    -v c="$(kv "$WORK/lg" loadgen client_cpu_s)" -v k=$k \
                    -v cs="$(kv "$WORK/lg" loadgen daemon_cs)" '
                    BEGIN {
                        printf "%s_cpu\t%.2f\n", k, (u + s) * 1e6 / n
                        if (u + s > 0)
                            printf "%s_user\t%.1f\n", k, 100 * u / (u + s)
                        if (cs >= 0)
                            printf "%s_cs\t%.2f\n", k, cs / n
                        printf "%s_client\t%.2f\n", k, c * 1e6 / n
                    }' >>"$WORK/samples"
            done
        done
    done
    perf_profile
    stop_daemon
}

# The daemon's profile under 4 connections of each function, in a run of
# its own: top symbols and shared objects by samples (all its threads).
perf_profile() {
    : >"$WORK/perf.md"
    command -v perf >/dev/null || return 0
    for fn in add echo; do
        "$LOADGEN" --pid "$DAEMON" "$ADDR" "/functions/${fn}_0000" \
            "$([ $fn = add ] && echo "$NUM_BODY" || echo "$STR_BODY")" \
            "$([ $fn = add ] && echo "$NUM_EXPECT" || echo "$STR_EXPECT")" \
            4 $((PERF_S + 1)) >"$WORK/lg.perf" 2>>"$RAW/rest.err" &
        lg=$!
        sleep 0.5
        if ! perf record -q -F 1999 -p "$DAEMON" -o "$WORK/perf.$fn.data" \
            -- sleep "$PERF_S" >"$WORK/perf.rec" 2>&1; then
            wait $lg || true
            echo "(perf record failed: $(head -c 200 "$WORK/perf.rec"))" \
                >>"$WORK/perf.md"
            return 0
        fi
        wait $lg || failed "REST $fn under perf: wrong answers"
        perf report -i "$WORK/perf.$fn.data" --stdio --no-children \
            --sort sym 2>/dev/null >"$RAW/perf.$fn.sym.txt" || true
        perf report -i "$WORK/perf.$fn.data" --stdio --no-children \
            --sort dso 2>/dev/null >"$RAW/perf.$fn.dso.txt" || true
        event=$(sed -n "s/^# Samples: .* of event '\(.*\)'$/\1/p" \
            "$RAW/perf.$fn.sym.txt" | head -1)
        {
            echo ""
            echo "Daemon profile, REST $fn, 4 connections, ${PERF_S} s" \
                 "(perf, event ${event:-?}, all threads): top shared" \
                 "objects, then top symbols$(case $event in cpu-clock*)
                 echo " (a software clock, no hardware counters here:" \
                      "samples due while interrupts were off land where" \
                      "they are enabled again, such as finish_task_switch)";;
                 esac)"
            echo ""
            echo "| share | shared object |"
            echo "|---:|---|"
            awk '/^ *[0-9.]+%/ && ++n <= 6 {
                     p = $1; $1 = ""; sub(/^ +/, "")
                     printf "| %s | %s |\n", p, $0 }' "$RAW/perf.$fn.dso.txt"
            echo ""
            echo "| share | symbol |"
            echo "|---:|---|"
            awk '/^ *[0-9.]+%/ && ++n <= 10 {
                     p = $1; $1 = ""; sub(/^ +/, "")
                     gsub(/\|/, "\\|")
                     printf "| %s | `%s` |\n", p, $0 }' "$RAW/perf.$fn.sym.txt"
        } >>"$WORK/perf.md"
    done
}

# ------------------------------------------------------------- ekuiper
ekuiper_section() {
    door="eKuiper Exec fib(10)"
    row ek_none_us "$door, in process (no IPC)" "time per call (1 / calls/s)" "us"
    row ek_none_p50 "$door, in process (no IPC)" "latency p50" "us"
    row ek_raw_rps "$door, plugin process, raw SP client" "calls/s" ""
    row ek_raw_p50 "$door, plugin process, raw SP client" "latency p50" "us"
    row ek_raw_cs "$door, plugin process, raw SP client" \
        "plugin context switches per call" ""
    row ek_floor_p50 "bare round trip, raw Unix socket, fixed reply" \
        "latency p50" "us"
    : >"$RAW/ekuiper.txt"
    r=0
    while [ $r -lt $ROUNDS ]; do
        r=$((r + 1))
        if ! "$EK_BENCH" --time "$EK_S" "$EKTOOL" "$EK_GUEST" \
            >"$WORK/ek" 2>&1; then
            failed "ekuiper_bench_exec failed (see $RAW/ekuiper.txt)"
        fi
        cat "$WORK/ek" >>"$RAW/ekuiper.txt"
        rps=$(kv "$WORK/ek" "ekuiper_exec_fib10 client=none" calls/s)
        [ -n "$rps" ] &&
            sample ek_none_us "$(awk -v r="$rps" 'BEGIN{printf "%.2f", 1e6/r}')"
        sample ek_none_p50 "$(kv "$WORK/ek" "ekuiper_exec_fib10 client=none" p50_us)"
        sample ek_raw_rps "$(kv "$WORK/ek" "ekuiper_exec_fib10 client=raw" calls/s)"
        sample ek_raw_p50 "$(kv "$WORK/ek" "ekuiper_exec_fib10 client=raw" p50_us)"
        sample ek_raw_cs "$(kv "$WORK/ek" "ekuiper_exec_fib10 client=raw" plugin_cs)"
        sample ek_floor_p50 "$(kv "$WORK/ek" \
            "ekuiper_rtt_floor plugin=raw client=raw" p50_us)"
    done
}

# ---------------------------------------------------------------- capi
# framework_bench_manager prints `WORK, 1 thread: PATH  cpu N ns (+M) ...`
# for every call path; the rows follow whatever paths the tree has.
capi_section() {
    : >"$RAW/capi.txt"
    r=0
    while [ $r -lt $CAPI_RUNS ]; do
        r=$((r + 1))
        if ! "$CAPI_BENCH" "$CAPI_GUESTS" $CAPI_CALLS >"$WORK/capi" \
            2>"$WORK/capi.err"; then
            failed "framework_bench_manager failed (see $RAW/capi.txt)"
        fi
        cat "$WORK/capi" "$WORK/capi.err" >>"$RAW/capi.txt"
        bad=$(grep -c "failed or wrong" "$WORK/capi.err" || true)
        [ "$bad" = 0 ] ||
            echo "$bad" >>"$WORK/capi.bad"
        awk -F': ' '
            /^(add|bindgen echo\(100-byte string\)), 1 thread: / && / cpu / {
                work = $1; sub(/, 1 thread$/, "", work)
                rest = substr($0, length($1) + 3)
                path = rest; sub(/ +cpu .*$/, "", path)
                cpu = rest; sub(/^.* cpu +/, "", cpu); sub(/ .*$/, "", cpu)
                over = rest; sub(/^.*\( */, "", over); sub(/\).*$/, "", over)
                door = (work == "add") ? "C API add(i32,i32), 1 thread" : \
                       "C API bindgen echo(100-byte string), 1 thread"
                key = "capi_" work "_" path; gsub(/[^A-Za-z0-9_]/, "_", key)
                printf "R\t%s_cpu\t%s\t%s: CPU per call\tns\n", key, door, path
                printf "S\t%s_cpu\t%s\n", key, cpu
                if (path !~ /raw/) {
                    printf "R\t%s_over\t%s\t%s: over the raw calls\tns\n", \
                        key, door, path
                    printf "S\t%s_over\t%s\n", key, over + 0
                }
            }' "$WORK/capi" >"$WORK/capi.rs"
        while IFS='	' read -r kind key a b c; do
            if [ "$kind" = R ]; then row "$key" "$a" "$b" "$c"; else sample "$key" "$a"; fi
        done <"$WORK/capi.rs"
    done
}

# ----------------------------------------------------------------- cli
# The registry of 1,000 plugins is made once per build and guest: its name
# carries a hash of what made it.
cli_registry() {
    tag=$(cat "$DOORS/guest.wat" "$DOORS/registry.py" | sha256sum | cut -c1-12)
    REGISTRY=$OUT/registry-$REGISTRY_SIZE-$tag.db
    [ -f "$REGISTRY" ] && return 0
    echo "doors.sh: making $REGISTRY (once; about a minute)" >&2
    mkdir -p "$WORK/regmods"
    start_daemon "$WORK/reg.db" "$WORK/regmods"
    python3 "$DOORS/registry.py" "http://$ADDR" "$GUEST" "$WORK/regmods" \
        $REGISTRY_SIZE || { echo "doors.sh: registry.py failed" >&2; exit 1; }
    stop_daemon
    # The daemon has closed the database: one file, no journal left.
    cp "$WORK/reg.db" "$REGISTRY.tmp" && mv "$REGISTRY.tmp" "$REGISTRY"
}

# cli_time KEY DOOR MUST DB ARGS...: CLI_RUNS runs of `wasmext --db DB ARGS`.
cli_time() {
    key=$1 door=$2 must=$3 db=$4
    shift 4
    row ${key}_wall "$door" "wall" "ms"
    row ${key}_cpu "$door" "CPU (user+sys)" "ms"
    if ! python3 "$DOORS/timecmd.py" $CLI_RUNS "$must" -- "$CLI" --db "$db" \
        "$@" >"$WORK/t" 2>>"$RAW/cli.err"; then
        failed "wasmext $* failed (see $RAW/cli.err)"
    fi
    cat "$WORK/t" >>"$RAW/cli.txt"
    awk -v k="$key" '/^timecmd / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "%s_wall\t%s\n%s_cpu\t%.2f\n", k, f["wall_ms"], k,
               f["user_ms"] + f["sys_ms"] }' "$WORK/t" >>"$WORK/samples"
}

cli_section() {
    : >"$RAW/cli.txt"
    : >"$RAW/cli.err"
    cli_registry
    cp "$REGISTRY" "$WORK/ls.db"
    # One plugin, for what a command costs with nothing to load.
    cat >"$WORK/one.json" <<EOF
{"name": "p0001", "vm_config": {"path": "$GUEST"}, "functions": ["add_0000"]}
EOF
    "$CLI" --db "$WORK/one.db" plugin add "$WORK/one.json" >/dev/null
    n=$REGISTRY_SIZE
    cli_time cli_ls1 "wasmext plugin ls, 1 plugin" p0001 "$WORK/one.db" \
        plugin ls
    cli_time cli_ls "wasmext plugin ls, $n plugins" p1000 "$WORK/ls.db" \
        plugin ls
    cli_time cli_show "wasmext plugin show p0500, $n plugins" echo_0500 \
        "$WORK/ls.db" plugin show p0500
    cli_time cli_call "wasmext call add_0500 2 3, $n plugins" 5 \
        "$WORK/ls.db" call add_0500 2 3
}

# --------------------------------------------------------------- table
rest_section
ekuiper_section
capi_section
cli_section

END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
REV=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo "?")
[ -z "$(git -C "$SRC" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
    REV="$REV + uncommitted changes"
{
    echo "### wasmext doors: $BUILD ($REV), $START_TIME"
    echo ""
    echo "Machine: $(nproc) CPUs, load average $START_LOAD at the start," \
         "$END_LOAD at the end. REST and eKuiper: $ROUNDS round(s); C API:" \
         "$CAPI_RUNS run(s) of $CAPI_CALLS calls (each the best of 5" \
         "rounds); CLI: $CLI_RUNS runs. Median, range, and spread =" \
         "(max - min) / median.$([ $QUICK = 1 ] && echo \
         " QUICK: a check of the harness, not a measurement.")"
    echo ""
    echo "| door | measure | median | min | max | spread | runs |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    awk -F'\t' '
        FNR == NR { n[$1]++; v[$1, n[$1]] = $2; next }
        {
            key = $1; unit = ($4 == "" ? "" : " " $4); m = n[key]
            if (!m) { printf "| %s | %s | n/a | | | | 0 |\n", $2, $3; next }
            for (i = 1; i <= m; i++) a[i] = v[key, i] + 0
            for (i = 2; i <= m; i++)   # insertion sort, m is small
                for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
            spread = (med != 0) ? sprintf("%.0f%%", 100 * (a[m] - a[1]) / \
                     (med < 0 ? -med : med)) : "-"
            printf "| %s | %s | %s%s | %s | %s | %s | %d |\n", $2, $3,
                   fmt(med), unit, fmt(a[1]), fmt(a[m]), spread, m
        }
        function fmt(x,  ax) {
            ax = x < 0 ? -x : x
            if (ax >= 1000) return sprintf("%.0f", x)
            if (ax >= 100) return sprintf("%.1f", x)
            return sprintf("%.2f", x)
        }' "$WORK/samples" "$WORK/rows"
    if [ -s "$WORK/capi.bad" ]; then
        echo ""
        echo "framework_bench_manager warned of failed or wrong calls" \
             "$(awk '{ s += $1 } END { print s }' "$WORK/capi.bad") time(s) (see $RAW/capi.txt)."
    fi
    cat "$WORK/perf.md"
} | tee "$OUT/doors.md"
exit $FAILED
