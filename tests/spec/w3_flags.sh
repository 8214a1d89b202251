# wast2json's flags for the WebAssembly 3.0 files, in one place:
# run_spec.sh, wat_compare.sh and tests/fuzz/smoke.sh source this file.
# They are the 3.0 features wabt 1.0.32 reads that the engine has (of
# memory64, the memories: wabt has no 64-bit tables) or that the legacy
# exception tests need. $WAST2JSON_FLAGS replaces them.
# shellcheck shell=sh
W3_FLAGS_DEFAULT="--enable-exceptions --enable-tail-call \
--enable-extended-const --enable-multi-memory --enable-memory64 \
--enable-relaxed-simd"
