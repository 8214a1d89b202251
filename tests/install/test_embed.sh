#!/usr/bin/env bash
# install/embed: what an embedder does with an installed wasmext.
#
#   test_embed.sh BUILD_DIR SOURCE_DIR WAT2WASM WORK_DIR
#
# Installs BUILD_DIR into WORK_DIR/prefix (cmake --install), then builds
# two programs with nothing but the compiler ($CC, default cc) and
# pkg-config's flags from the installed .pc files:
#
#   examples/embed.c  the framework (wasmext.pc): registers the math
#                     example plugin in a new SQLite registry and calls
#                     gcd and fib with typed values;
#   examples/demo.c   the engine alone (wasmext-engine.pc): loads
#                     examples/wat/fib.wat's module and calls fib and add.
#
# Each runs against the installed libraries (LD_LIBRARY_PATH), and each
# result is checked against the value computed here, in the shell.
# WX_EXTRA_CFLAGS: added to the compile line (the build's -fsanitize for
# a sanitized build, whose libraries need the sanitizer's runtime).
set -euo pipefail

build=${1:?usage: test_embed.sh BUILD_DIR SOURCE_DIR WAT2WASM WORK_DIR}
src=${2:?}
wat2wasm=${3:?}
work=${4:?}
cc=${CC:-cc}
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

# Nothing but the prefix may supply headers or libraries.
unset CPATH C_INCLUDE_PATH LIBRARY_PATH LD_LIBRARY_PATH PKG_CONFIG_LIBDIR

echo "==== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/wasmext include/wasmext.h include/wasmext/engine.h; do
    [ -e "$prefix/$f" ] || fail "the install lacks $f"
done
pc=$(find "$prefix" -name wasmext.pc)
[ -n "$pc" ] || {
    echo "FAIL: no wasmext.pc under $prefix"
    exit 1
}
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_PATH=$pcdir

# flags NAME: pkg-config's --cflags --libs for NAME, which must name the
# prefix (so that they come from the installed file, not another one).
flags() {
    local f
    f=$(pkg-config --cflags --libs "$1") || {
        echo "FAIL: pkg-config --cflags --libs $1" >&2
        return 1
    }
    [[ " $f " == *" -L$libdir "* && " $f " == *" -I$prefix/"* ]] || {
        echo "FAIL: $1.pc's flags do not name $prefix: $f" >&2
        return 1
    }
    echo "$f"
}

# The .pc's version is the installed command's.
pcversion=$(pkg-config --modversion wasmext)
cmdversion=$("$prefix/bin/wasmext" version | awk '{print $2}')
[ "$pcversion" = "$cmdversion" ] ||
    fail "wasmext.pc says version $pcversion, bin/wasmext $cmdversion"

# needs PROGRAM LIB: PROGRAM is linked to LIB, found in the prefix.
# (The tools' output is captured first: with pipefail, `tool | grep -q`
# fails whenever grep stops reading before the tool has written all.)
needs() {
    local dyn lds
    dyn=$(readelf -d "$1")
    lds=$(LD_LIBRARY_PATH=$libdir ldd "$1")
    grep -q "(NEEDED).*\[$2\.so\.[0-9]*\]" <<<"$dyn" ||
        fail "$(basename "$1") is not linked to $2.so"
    grep -q "$2\.so\.[0-9]* => $libdir/" <<<"$lds" ||
        fail "$(basename "$1") does not load $2.so from $libdir"
}

# expect WHAT WANT COMMAND...: COMMAND succeeds and the last line of its
# output is exactly WANT (demo lists the module's exports first).
expect() {
    local what=$1 want=$2 out got
    shift 2
    if ! out=$(LD_LIBRARY_PATH=$libdir "$@" 2>&1); then
        fail "$what: exit status $?: $out"
        return
    fi
    got=$(tail -n 1 <<<"$out")
    if [ "$got" != "$want" ]; then
        fail "$what: got \"$got\", expected \"$want\""
    else
        echo "ok: $what -> $got"
    fi
}

gcd() {
    local a=$1 b=$2 t
    while [ "$b" -ne 0 ]; do
        t=$((a % b))
        a=$b
        b=$t
    done
    echo "$a"
}

fib() {
    local n=$1 a=0 b=1 t
    while [ "$n" -gt 0 ]; do
        t=$((a + b))
        a=$b
        b=$t
        n=$((n - 1))
    done
    echo "$a"
}

# ------------------------------------------------- the framework: embed.c
echo "==== embed.c against wasmext.pc"
wflags=$(flags wasmext)
echo "$cc examples/embed.c $wflags"
# shellcheck disable=SC2086 # pkg-config's flags are words
"$cc" ${WX_EXTRA_CFLAGS:-} -o "$work/embed" "$src/examples/embed.c" $wflags
needs "$work/embed" libwasmext

"$wat2wasm" "$src/examples/plugins/math/math.wat" -o "$work/math.wasm"
cat >"$work/math.json" <<JSON
{"name": "math", "vm_config": {"path": "$work/math.wasm"},
 "functions": ["fib", "gcd"]}
JSON
# Two numbers with a common factor that the shell, not the plugin, knows.
a=$((2 * 3 * 7 * 11 * 13 * 1009 * $$))
b=$((3 * 5 * 7 * 13 * 17 * 2003 * $$))
expect "gcd($a, $b)" "$(gcd $a $b)" \
    "$work/embed" "$work/registry.db" "$work/math.json" gcd "$a" "$b"
n=$((60 + $$ % 30))
expect "fib($n)" "$(fib $n)" \
    "$work/embed" "$work/registry.db" "$work/math.json" fib "$n"
# The registry keeps the plugin: a second program run finds it again.
[ -s "$work/registry.db" ] || fail "no registry at $work/registry.db"

# ---------------------------------------------- the engine alone: demo.c
echo "==== demo.c against wasmext-engine.pc"
eflags=$(flags wasmext-engine)
echo "$cc examples/demo.c $eflags"
# shellcheck disable=SC2086
"$cc" ${WX_EXTRA_CFLAGS:-} -o "$work/demo" "$src/examples/demo.c" $eflags
needs "$work/demo" libwasmext-engine
grep -q "(NEEDED).*\[libwasmext\.so" <<<"$(readelf -d "$work/demo")" &&
    fail "demo is linked to libwasmext.so; the engine alone should do"

"$wat2wasm" "$src/examples/wat/fib.wat" -o "$work/fib.wasm"
n=$((15 + $$ % 8))
expect "fib($n)" "fib($n) = $(fib $n)" "$work/demo" "$work/fib.wasm" fib "$n"
x=$(($$ % 1000)) y=$((($$ / 7) % 1000))
expect "add($x, $y)" "add($x, $y) = $((x + y))" \
    "$work/demo" "$work/fib.wasm" add "$x" "$y"

if [ "$failed" -ne 0 ]; then
    echo "install/embed: FAILED"
    exit 1
fi
echo "install/embed: ok"
