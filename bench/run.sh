#!/bin/sh
# The engine benchmark suite (see bench/README.md). From the repo root, with
# the cmake build dir `build` already built:  bench/run.sh [options]
# Options go to bench.py: --build-dir DIR, --runs N, --interp-runs N,
# --clock wall|cpu, --quick, and workload names (fib intmix sha256 nbody
# tokenize calls load). Exit status 1 if any engine failed or was wrong.
here=$(dirname "$0")
exec python3 "$here/bench.py" "$@"
