#!/usr/bin/env bash
# The real eKuiper for the tests: builds kuiperd from the Go module proxy
# and lays out KUIPER_HOME directories for it.
#
#   scripts/ekuiper.sh build OUT_DIR   build OUT_DIR/kuiperd (eKuiper 2.4.0,
#                                      pinned in tests/ekuiper/kuiperd/go.mod)
#                                      and OUT_DIR/home, a KUIPER_HOME
#                                      template; does nothing when both are
#                                      newer than the module's files
#   scripts/ekuiper.sh home OUT_DIR DIR
#                                      a fresh KUIPER_HOME in DIR, copied
#                                      from the template
#
# kuiperd is eKuiper's own `cmd/kuiperd` main, built the way eKuiper's
# Makefile builds its release binary (CGO on, no build tags, -trimpath),
# so every source, sink and the portable-plugin manager are in. The first
# build downloads about 400 modules through the Go module proxy into Go's
# module cache (GOMODCACHE) and takes a few minutes on two cores; later
# builds reuse Go's caches.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module=$root/tests/ekuiper/kuiperd
version=$(sed -n 's|^require github.com/lf-edge/ekuiper/v2 v||p' \
    "$module/go.mod")

need_go() {
    if ! command -v go >/dev/null 2>&1; then
        echo "ekuiper: 'go' is not on PATH; eKuiper $version needs Go 1.25" \
            "or later (https://go.dev/dl/), with the Go module proxy" \
            "reachable" >&2
        exit 1
    fi
}

# Newer than every file of the module: nothing to do.
up_to_date() {
    local out=$1 f
    [ -x "$out/kuiperd" ] && [ -f "$out/home/etc/kuiper.yaml" ] || return 1
    for f in "$module"/go.mod "$module"/go.sum "$module"/*.go "$0"; do
        [ "$out/kuiperd" -nt "$f" ] || return 1
    done
}

build() {
    local out
    out=$(mkdir -p "$1" && cd "$1" && pwd)
    if up_to_date "$out"; then
        echo "ekuiper: $out/kuiperd (eKuiper $version) is up to date"
        return 0
    fi
    need_go
    mkdir -p "$out"
    echo "ekuiper: building kuiperd $version from the Go module proxy" \
        "(the first build takes a few minutes)"
    local start=$SECONDS
    (cd "$module" && CGO_ENABLED=1 GOFLAGS=-mod=readonly go build \
        -trimpath -buildvcs=false \
        -ldflags="-s -w -X github.com/lf-edge/ekuiper/v2/cmd.Version=$version -X github.com/lf-edge/ekuiper/v2/cmd.LoadFileType=relative" \
        -o "$out/kuiperd.tmp" .)
    # The etc/ of the same module version, from Go's module cache.
    local src
    src=$(cd "$module" && go list -m -f '{{.Dir}}' \
        github.com/lf-edge/ekuiper/v2)
    rm -rf "$out/home.tmp"
    mkdir -p "$out/home.tmp"
    cp -R "$src/etc" "$out/home.tmp/etc"
    chmod -R u+w "$out/home.tmp"
    rm -rf "$out/home"
    mv "$out/home.tmp" "$out/home"
    mv "$out/kuiperd.tmp" "$out/kuiperd"
    echo "ekuiper: built $out/kuiperd in $((SECONDS - start))s"
}

# kuiperd refuses to start without these directories.
home() {
    local out=$1 dir=$2
    [ -f "$out/home/etc/kuiper.yaml" ] || {
        echo "ekuiper: no template in $out/home; run '$0 build $out'" >&2
        exit 1
    }
    mkdir -p "$dir"
    cp -R "$out/home/etc" "$dir/etc"
    mkdir -p "$dir/data" "$dir/log" "$dir/plugins/sources" \
        "$dir/plugins/sinks" "$dir/plugins/functions" \
        "$dir/plugins/portable" "$dir/plugins/wasm"
}

case "${1:-}" in
build) [ $# -eq 2 ] || set -- usage; ;;
home) [ $# -eq 3 ] || set -- usage; ;;
*) set -- usage ;;
esac
case "$1" in
build) build "$2" ;;
home) home "$2" "$3" ;;
usage)
    echo "usage: $0 build OUT_DIR | home OUT_DIR DIR" >&2
    exit 2
    ;;
esac
