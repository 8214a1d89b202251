#!/usr/bin/env bash
# install/exports: the shared libraries export the public API and nothing
# else (cmake/install.cmake builds them with -fvisibility=hidden; WX_API
# marks what is public).
#
#   check_exports.sh INCLUDE_DIR LIBWASMEXT.so LIBWASMEXT_ENGINE.so
#
# For each library: every defined dynamic symbol starts with wx_; every
# function the headers it serves declare WX_API is defined (the engine's:
# wasmext/engine.h and wasmext/wat.h, the text format; libwasmext's: those
# and wasmext.h); nothing else named
# wx_ is exported; and its SONAME is lib<name>.so.<major>, the major
# number of its file's version.
set -euo pipefail

include=${1:?usage: check_exports.sh INCLUDE_DIR LIBWASMEXT LIBWASMEXT_ENGINE}
full=${2:?}
engine=${3:?}
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

# The names of the functions the given headers declare WX_API: the
# identifier just before the first "(" after each WX_API, prototypes
# spread over several lines included.
declared() {
    cat "$@" | tr '\n' ' ' | grep -oE 'WX_API[^;{(]*\(' |
        sed -nE 's/.*[^A-Za-z0-9_](wx_[A-Za-z0-9_]+) *\($/\1/p' | sort -u
}

exported() {
    nm -D --defined-only "$1" | awk '{print $NF}' | sed 's/@.*//' | sort -u
}

check() {
    local lib=$1
    shift
    local name
    name=$(basename "$lib")
    [ -f "$lib" ] || {
        fail "$lib does not exist"
        return
    }
    local want have
    want=$(declared "$@")
    have=$(exported "$lib")
    [ -n "$want" ] || fail "no WX_API function found in $*"

    local bad
    bad=$(grep -v '^wx_' <<<"$have" || true)
    [ -z "$bad" ] ||
        fail "$name exports symbols not named wx_:" $bad
    local missing
    missing=$(comm -23 <(echo "$want") <(echo "$have"))
    [ -z "$missing" ] ||
        fail "$name lacks functions its headers declare WX_API:" $missing
    local extra
    extra=$(comm -13 <(echo "$want") <(grep '^wx_' <<<"$have" || true))
    [ -z "$extra" ] ||
        fail "$name exports wx_ symbols no public header declares:" $extra

    # libNAME.so.MAJOR.MINOR.PATCH -> libNAME.so.MAJOR
    local soname expected
    expected=$(sed -E 's/^(lib.*\.so\.[0-9]+)\..*/\1/' <<<"$name")
    soname=$(readelf -d "$lib" | sed -nE 's/.*\(SONAME\).*\[(.*)\]/\1/p')
    [ "$soname" = "$expected" ] ||
        fail "$name: SONAME \"$soname\", expected \"$expected\""

    echo "$name: $(wc -l <<<"$have") symbols exported, SONAME $soname"
}

check "$engine" "$include/wasmext/engine.h" "$include/wasmext/wat.h"
check "$full" "$include/wasmext/engine.h" "$include/wasmext/wat.h" \
    "$include/wasmext.h"

if [ "$failed" -ne 0 ]; then
    echo "install/exports: FAILED"
    exit 1
fi
echo "install/exports: ok"
