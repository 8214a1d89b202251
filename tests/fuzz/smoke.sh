#!/bin/sh
# Runs the engine fuzzer for a bounded time and fails on any crash, leak,
# timeout or out-of-memory.
#   smoke.sh FUZZER WAST_DIR WORK_DIR [SECONDS]
# WORK_DIR receives the seed corpus (a sample of the spec tests converted
# with wast2json, made once), the corpus the fuzzer grows (kept between
# runs) and crash artifacts. Extra libFuzzer flags may be given in
# FUZZ_FLAGS (e.g. FUZZ_FLAGS=-jobs=2).
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 FUZZER WAST_DIR WORK_DIR [SECONDS]" >&2
    exit 2
fi
fuzzer=$1
wast_dir=$2
work=$3
seconds=${4:-30}

# Spec files that together reach every part of the engine: numerics,
# control flow, calls, memories, tables, segments, imports, the binary
# format (including malformed modules).
sample="address binary binary-leb128 block br br_if br_table bulk call
call_indirect conversions custom data elem exports f32 f64 fac float_exprs
func global i32 i64 if imports left-to-right linking load loop memory
memory_copy memory_fill memory_grow memory_init ref_func ref_is_null return
select stack start store switch table table_copy table_fill table_grow
table_init traps unreachable unwind"
# And the newer features (the target loads by the 3.0 rules, so all of
# them are on): SIMD from the 2.0 suite's simd/, and from the 3.0 suite
# (beside wast/) tail calls, multiple and 64-bit memories, the legacy
# exception instructions and relaxed SIMD, the files wast2json 1.0.32
# reads with run_spec.sh's flags (tests/spec/w3_flags.sh).
simd_sample="simd_lane simd_load simd_load_extend simd_store8_lane
simd_i32x4_arith simd_i16x8_sat_arith simd_f32x4_arith simd_conversions
simd_bitwise simd_i8x16_arith2"
w3_sample="return_call return_call_indirect memory-multi address64 load64
memory_grow64 bulk64 memory_trap64 legacy/try_catch legacy/rethrow
legacy/try_delegate relaxed_min_max i8x16_relaxed_swizzle"
# And garbage collection (3.0), whose files only wasm-tools reads: with
# $WASM_TOOLS (the build tree's link, which the fuzz layout builds), else
# left out with a note.
gc_sample="struct array array_copy array_new_elem i31 ref_cast ref_test
br_on_cast type-subtyping type-rec extern ref_eq"
# shellcheck source=../spec/w3_flags.sh
. "$(dirname "$0")/../spec/w3_flags.sh"
w3_flags=$W3_FLAGS_DEFAULT

mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
if [ ! -f "$work/seeds/.complete" ]; then
    command -v wast2json >/dev/null 2>&1 || {
        echo "smoke.sh: wast2json (wabt) not found" >&2
        exit 1
    }
    json="$work/json"
    rm -rf "$json"
    mkdir -p "$json"
    for name in $sample; do
        # A file wabt cannot convert is skipped; the others still seed.
        wast2json "$wast_dir/$name.wast" -o "$json/$name.json" \
            >/dev/null 2>&1 || echo "smoke.sh: skipped $name.wast" >&2
    done
    for name in $simd_sample; do
        wast2json "$wast_dir/simd/$name.wast" -o "$json/$name.json" \
            >/dev/null 2>&1 || echo "smoke.sh: skipped simd/$name.wast" >&2
    done
    for name in $w3_sample; do
        flat=w3_$(echo "$name" | tr / _)
        # shellcheck disable=SC2086 # the flags are words
        wast2json $w3_flags "$wast_dir/../wasm-3.0/$name.wast" \
            -o "$json/$flat.json" >/dev/null 2>&1 ||
            echo "smoke.sh: skipped wasm-3.0/$name.wast" >&2
    done
    for name in $gc_sample; do
        if [ -x "${WASM_TOOLS:-}" ]; then
            "$WASM_TOOLS" json-from-wast "$wast_dir/../wasm-3.0/$name.wast" \
                -o "$json/gc_$name.json" --wasm-dir "$json" \
                >/dev/null 2>&1 ||
                echo "smoke.sh: skipped wasm-3.0/$name.wast" >&2
        else
            echo "smoke.sh: no wasm-tools (\$WASM_TOOLS): GC seeds left out" >&2
            break
        fi
    done
    find "$json" -name '*.wasm' -exec cp {} "$work/seeds/" \;
    rm -rf "$json"
    touch "$work/seeds/.complete"
fi
nseeds=$(find "$work/seeds" -name "*.wasm" | wc -l)
echo "smoke.sh: $nseeds seeds, $seconds s" >&2

# -timeout: one input running this long is a hang (the harness interrupts
# every call after 50 ms). -rss_limit_mb: the harness caps memories at
# 16 MiB, so 2 GiB means a leak or a runaway allocation.
# shellcheck disable=SC2086
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    ${FUZZ_FLAGS:-} "$work/corpus" "$work/seeds"
