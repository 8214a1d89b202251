#!/usr/bin/env bash
# Registers every built example plugin into a registry, e.g. to run the
# daemon with them:
#
#   cmake --build build --target wx_examples
#   examples/plugins/register.sh build /tmp/examples.db
#   build/wasmext --db /tmp/examples.db serve
#
# Usage: register.sh BUILD_DIR DB
#
# The list comes from BUILD_DIR/examples/plugins/configs.tsv (written by
# CMake: plugin name, config, module), whose configs have absolute module
# paths. A plugin already in DB is updated, so running the script again is
# harmless. An example whose module is not built is skipped with a
# warning. The `wasmext` used is BUILD_DIR/wasmext, or $WASMEXT if set.
#
# Exit status: 0 when every built example is registered, 1 if one could
# not be (the wasmext error is shown), 2 for a usage error.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR DB" >&2
    exit 2
fi
build=$1
db=$2
list=$build/examples/plugins/configs.tsv
wasmext=${WASMEXT:-$build/wasmext}

if [ ! -f "$list" ]; then
    echo "register.sh: $list not found: configure $build with" \
        "examples/plugins in the build" >&2
    exit 2
fi
if [ ! -x "$wasmext" ]; then
    echo "register.sh: $wasmext not found (build it, or set WASMEXT)" >&2
    exit 2
fi

registered=0
skipped=0
failed=0
while IFS=$'\t' read -r name config module; do
    [ -n "$name" ] || continue
    if [ ! -f "$module" ]; then
        echo "register.sh: skipped $name: $module is not built" \
            "(cmake --build $build --target wx_examples)" >&2
        skipped=$((skipped + 1))
        continue
    fi
    if "$wasmext" --db "$db" plugin show "$name" >/dev/null 2>&1; then
        verb=update
    else
        verb=add
    fi
    if "$wasmext" --db "$db" plugin "$verb" "$config"; then
        registered=$((registered + 1))
    else
        failed=$((failed + 1))
    fi
done <"$list"

echo "register.sh: $registered registered, $skipped skipped," \
    "$failed failed (registry $db)"
[ "$failed" -eq 0 ]
