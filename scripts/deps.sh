#!/usr/bin/env bash
# Installs what wasmext needs to build, test and benchmark on Debian 12.
#
# The package list below is the only one in the project: the Makefile's
# `make deps`, CI and docs/building.md all point here. The script is
# idempotent: it asks dpkg which packages are already installed and only
# runs apt-get (update, then install) when something is missing, so a
# machine that has everything never touches the network.
#
# Usage: scripts/deps.sh            install what is missing
#        scripts/deps.sh --quiet    the same, silent when nothing is missing
#                                   (`make run`)
#        scripts/deps.sh --check    exit 1 and name what is missing
#        scripts/deps.sh --list     print the package list
#
# CMake (cmake/deps.cmake) stops with the package's name when a library
# or tool of this list that the build needs is missing.
set -euo pipefail

packages=(
    # Build: compilers, cmake, and clang for the fuzz build and wasm32.
    build-essential
    cmake
    pkg-config
    clang
    lld
    clang-format
    # libFuzzer and the sanitizer runtimes for clang (the fuzz build).
    libclang-rt-14-dev
    # Test inputs: wat2wasm/wast2json for examples and the spec suite.
    wabt
    # The spec test runner reads wast2json's JSON output.
    libjansson-dev
    # Building C guests for wasm32 (tests and benchmarks).
    wasi-libc
    libclang-rt-14-dev-wasm32
    # Rust guests (tests/abi, examples/plugins/create_line): Debian's rustc
    # and cargo with the wasm32 standard library build them offline, from
    # crates that a newer cargo (rustup's, checked below) vendors once.
    rustc
    cargo
    libstd-rust-dev-wasm32
    # The benchmark compares against node's WebAssembly engine; python3 for
    # small helper scripts.
    nodejs
    # npm installs the AssemblyScript compiler for an example plugin and
    # the Extism AssemblyScript PDK guest (tests/extism). A NodeSource
    # nodejs package ships npm itself and conflicts with Debian's, hence
    # "package:command": satisfied when the command is there.
    npm:npm
    python3
    # make bench installs eKuiper's Python SDK (PyPI) into a venv, to
    # compare our plugin with.
    python3-venv
    # The framework: registry (SQLite, nettle for SHA-256), REST daemon,
    # eKuiper IPC, plugin packaging, HTTP client for tests.
    libsqlite3-dev
    nettle-dev
    libmicrohttpd-dev
    libnng-dev
    libzip-dev
    libcurl4-openssl-dev
    # The registry on Redis: the client library, and the server its tests
    # start (redis-tools for redis-cli in the tests' helper).
    libhiredis-dev
    redis-server
    redis-tools
    # curl for talking to the daemon by hand (READMEs, tests/daemon/bench).
    curl
)

# An entry is a package name, or "package:command" for a package that is
# not needed when the command is already on PATH.
missing_packages() {
    local entry p cmd
    for entry in "${packages[@]}"; do
        p=${entry%%:*}
        cmd=${entry#*:}
        if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then
            continue
        fi
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed'; then
            printf '%s\n' "$p"
        fi
    done
}

quiet=false
case "${1:-}" in
--quiet)
    quiet=true
    ;;
--list)
    printf '%s\n' "${packages[@]%%:*}"
    exit 0
    ;;
--check)
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        echo "deps: missing:" $missing >&2
        exit 1
    fi
    echo "deps: all ${#packages[@]} packages installed"
    exit 0
    ;;
"") ;;
*)
    echo "usage: $0 [--quiet|--check|--list]" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: this script needs Debian's dpkg/apt (Debian 12 is supported);" \
        "install these packages by hand:" "${packages[@]}" >&2
    exit 1
fi

# Go is not a Debian package here: eKuiper 2.4.0 (the real eKuiper the
# tests build, scripts/ekuiper.sh) needs Go 1.25 or later, newer than
# Debian 12's golang (1.19). Say so early rather than fail in the build.
check_go() {
    local v
    if ! v=$(go env GOVERSION 2>/dev/null); then
        echo "deps: Go 1.25 or later is needed for the real-eKuiper tests" \
            "(make ekuiper) and the Go example; none is on PATH" \
            "(https://go.dev/dl/; Debian 12's golang is too old)" >&2
        return 1
    fi
    local minor=${v#go1.}
    minor=${minor%%.*}
    if [ "${minor:-0}" -lt 25 ] 2>/dev/null; then
        echo "deps: $v is too old: eKuiper 2.4.0 needs Go 1.25 or later" >&2
        return 1
    fi
}
check_go

# Debian 12's cargo cannot read crates.io's sparse index, the only one
# reachable here; rustup's cargo (1.68 or later) fetches the Rust guests'
# crates. CMake finds it the same way (tests/abi, examples/plugins).
check_fetch_cargo() {
    local c
    for c in "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" "$HOME/.cargo/bin/cargo"; do
        [ -x "$c" ] && return 0
    done
    echo "deps: the Rust guests need a cargo 1.68 or newer (rustup's," \
        "https://rustup.rs) to fetch their crates from crates.io once" >&2
    return 1
}
check_fetch_cargo

# assemblyscript 0.28 (the Extism AssemblyScript PDK guest of tests/extism)
# needs Node.js 20 or later; Debian 12's nodejs is 18. A node that is
# there but too old is not replaced by apt-get, so say so here.
check_node() {
    local v
    v=$(node --version 2>/dev/null) || return 0 # none yet: apt installs it
    local major=${v#v}
    major=${major%%.*}
    if [ "${major:-0}" -lt 20 ] 2>/dev/null; then
        echo "deps: node $v is too old: the AssemblyScript guests need" \
            "Node.js 20 or later (https://nodejs.org, or NodeSource's" \
            "nodejs package; Debian 12's is 18)" >&2
        return 1
    fi
}
check_node

missing=$(missing_packages)
if [ -z "$missing" ]; then
    $quiet || echo "deps: all ${#packages[@]} packages installed"
    exit 0
fi

# Root (as in CI) runs apt-get directly; anyone else needs sudo.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "deps: not root and no sudo; as root run:" \
            "apt-get install" $missing >&2
        exit 1
    fi
fi

echo "deps: installing:" $missing
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
# shellcheck disable=SC2086 # one word per package is what we want
"${sudo[@]}" apt-get install -y -q --no-install-recommends $missing

still=$(missing_packages)
if [ -n "$still" ]; then
    echo "deps: still missing after apt-get:" $still >&2
    exit 1
fi
echo "deps: done"
