#!/bin/sh
# Prints eKuiper's built-in SQL function names, sorted, one a line, as the
# eKuiper source registers them: the keys of the `builtins` and
# `builtinStatfulFuncs` maps filled in internal/binder/function/*.go (tests
# left out). eKuiper looks a function up there (lower-cased) before any
# plugin, so a plugin function of one of these names is never called.
#
#   builtin_names.sh [EKUIPER_SOURCE_DIR]
#
# The directory defaults to eKuiper v2.4.0 in the Go module cache (`go env
# GOMODCACHE`, else $GOMODCACHE, else ~/go/pkg/mod); exit 3 when it is not
# there. src/ekuiper/builtins.c holds the list this prints, for the
# version the tests run (tests/ekuiper/kuiperd/go.mod).
set -eu
dir=${1:-}
if [ -z "$dir" ]; then
    cache=$(go env GOMODCACHE 2>/dev/null || true)
    cache=${cache:-${GOMODCACHE:-$HOME/go/pkg/mod}}
    dir=$cache/github.com/lf-edge/ekuiper/v2@v2.4.0
fi
fdir=$dir/internal/binder/function
if [ ! -d "$fdir" ]; then
    echo "eKuiper source not found: $fdir" >&2
    exit 3
fi
for f in "$fdir"/*.go; do
    case $f in *_test.go) continue ;; esac
    sed -n 's/^[[:space:]]*\(builtins\|builtinStatfulFuncs\)\["\([^"]*\)"\][[:space:]]*=.*/\2/p' "$f"
done | LC_ALL=C sort -u
