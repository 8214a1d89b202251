#!/bin/sh
# Builds wasm3, the baseline of the cold-load and start-up benchmarks
# (bench/coldload.py): a static libm3 from the C sources in the pywasm3
# sdist on PyPI (wasm3 0.5.0's, minus its WASI and CLI), and the driver
# bench/drivers/wasm3_run.c linked against it. Prints the driver's path.
#
#   bench/wasm3.sh BUILD-DIR
#
# Everything goes to BUILD-DIR/bench/wasm3/. The sdist is downloaded once
# with pip (nothing is installed); libm3.a is rebuilt only when missing, the
# driver when its source is newer. Exit status 1, with the reason on
# stderr, when pip, the download or a compiler fails.
set -eu

VERSION=0.5.0
BUILD=$(cd "${1:?usage: wasm3.sh BUILD-DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
W3=$BUILD/bench/wasm3
SRC=$W3/pywasm3-$VERSION/wasm3
CC=${CC:-cc}
# wasm3's own release flags (its CMakeLists.txt), without -flto.
M3_CFLAGS="-O3 -g0 -fomit-frame-pointer -fno-stack-check \
-fno-stack-protector -w"
mkdir -p "$W3"

if [ ! -f "$SRC/wasm3.h" ]; then
    echo "wasm3.sh: downloading the pywasm3 $VERSION sdist (once)" >&2
    if ! python3 -m pip download --quiet --no-binary :all: --no-deps \
        -d "$W3/dl" "pywasm3==$VERSION" \
        >"$W3/pip.log" 2>&1; then
        echo "wasm3.sh: pip download pywasm3==$VERSION failed" \
             "(see $W3/pip.log)" >&2
        exit 1
    fi
    tar -xzf "$W3/dl/pywasm3-$VERSION.tar.gz" -C "$W3"
fi

if [ ! -f "$W3/libm3.a" ]; then
    echo "wasm3.sh: building libm3.a" >&2
    rm -rf "$W3/obj"
    mkdir -p "$W3/obj"
    for c in "$SRC"/*.c; do
        # shellcheck disable=SC2086
        $CC $M3_CFLAGS -I"$SRC" -c "$c" -o "$W3/obj/$(basename "$c" .c).o"
    done
    ar rcs "$W3/libm3.a.tmp" "$W3"/obj/*.o
    mv "$W3/libm3.a.tmp" "$W3/libm3.a"
fi

DRIVER=$HERE/drivers/wasm3_run.c
if [ ! -x "$W3/wasm3_run" ] || [ "$DRIVER" -nt "$W3/wasm3_run" ] ||
    [ "$W3/libm3.a" -nt "$W3/wasm3_run" ]; then
    # The driver includes m3_env.h, whose code is not -Wall clean.
    $CC -O2 -std=gnu11 -w -I"$SRC" -I"$HERE/drivers" "$DRIVER" \
        "$W3/libm3.a" -lm -o "$W3/wasm3_run"
fi
echo "$W3/wasm3_run"
