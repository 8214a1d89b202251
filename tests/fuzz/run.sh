#!/bin/sh
# Runs one of the framework's fuzz targets (fuzz_config, fuzz_values,
# fuzz_batch_rows, fuzz_package) for a bounded time and fails on any
# crash, leak, property violation, timeout or out-of-memory.
#   run.sh FUZZER SEED_DIR WORK_DIR [SECONDS]
# SEED_DIR is the committed corpus (read only); WORK_DIR receives the
# corpus the fuzzer grows (kept between runs) and crash artifacts. Extra
# libFuzzer flags may be given in FUZZ_FLAGS (e.g. FUZZ_FLAGS=-jobs=2).
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 FUZZER SEED_DIR WORK_DIR [SECONDS]" >&2
    exit 2
fi
fuzzer=$1
seeds=$2
work=$3
seconds=${4:-15}

mkdir -p "$work/corpus" "$work/artifacts"
nseeds=$(find "$seeds" -type f | wc -l)
echo "run.sh: $(basename "$fuzzer"): $nseeds seeds, $seconds s" >&2

# -timeout: no input of these parsers takes a second, so 10 s is a hang.
# -rss_limit_mb: a package may decompress 64 MiB (WXG_PACKAGE_BYTES_MAX),
# so 2 GiB means a leak or a runaway allocation. -max_len: configs and
# bodies are small; 64 KiB leaves room for zips with a few entries.
# New inputs go to the work corpus only (the first directory given), so
# the committed seeds stay as they are.
# shellcheck disable=SC2086
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    ${FUZZ_FLAGS:-} "$work/corpus" "$seeds"
