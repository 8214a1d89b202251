# `wasmext run` is a manager with one plugin, held in memory: it must not
# load the libraries of registries (SQLite, hiredis), packages (libzip),
# the REST daemon (libmicrohttpd), eKuiper (NNG), module digests
# (nettle, whose start-up detects the CPU) or JSON (jansson, until
# --json asks for it), which src/dl opens only when they are needed; nor
# libm, which wasmext does not link. The dynamic
# loader reports every library it loads (LD_DEBUG=libs); the registry
# commands show that the check sees them.
. "$(dirname "$0")/lib.sh"

# Sanitizer builds link these libraries on purpose (LeakSanitizer crashes
# after a dlopen of GnuTLS: src/dl/CMakeLists.txt), so there the check is
# that they are linked, and the loading checks below are the release
# build's.
if ldd "$WASMEXT" | grep -qE 'lib(a|t|ub)san\.so'; then
    checks=$((checks + 1))
    ldd "$WASMEXT" | grep -q 'libsqlite3\.so' ||
        fail "sanitizer build without libsqlite3 linked"
    echo "sanitizer build: the optional libraries are linked, as documented"
    finish
    exit
fi

build_guests
echo '(module (func (export "_start")))' >empty.wat
"$WAT2WASM" empty.wat -o empty.wasm

# libs WANT_EXIT ARG...: runs wasmext under LD_DEBUG=libs; LIBS lists the
# optional libraries it loaded, LOADED every library the loader reported.
libs() {
    local want=$1
    shift
    LAST="LD_DEBUG=libs wasmext $*"
    checks=$((checks + 1))
    LD_DEBUG=libs "$WASMEXT" "$@" >/dev/null 2>"$WORK/.ld"
    RC=$?
    [ "$RC" == "$want" ] || fail "exit $RC, expected $want"
    LOADED=$(grep -oE 'calling init: [^ ]+' "$WORK/.ld" | sort -u)
    local optional='lib(sqlite3|zip|microhttpd|nng|hiredis|nettle|jansson)'
    LIBS=$(grep -oE "$optional\.so" "$WORK/.ld" | sort -u | tr '\n' ' ')
}

loads_none() {
    checks=$((checks + 1))
    [ -z "$LIBS" ] || fail "loaded $LIBS"
    # The loader did report: libc at least, so an empty LIBS means
    # something.
    checks=$((checks + 1))
    grep -q 'libc\.so' <<<"$LOADED" || fail "no LD_DEBUG report: $LOADED"
}

# libm is not linked: the engine does its float arithmetic inline
# (CMakeLists.txt, -fno-math-errno). (SQLite brings it along, so a
# registry command does map it.)
no_libm() {
    checks=$((checks + 1))
    ! grep -q 'libm\.so' <<<"$LOADED" || fail "libm loaded: $LOADED"
}

loads() {
    checks=$((checks + 1))
    grep -qF "$1" <<<"$LIBS" || fail "did not load $1 (loaded: $LIBS)"
}

# An empty WASI command, a numeric call, a WASI guest, a failed call and
# an unknown function: none of them touches the optional libraries.
libs 0 run empty.wasm
loads_none
no_libm
libs 0 run math.wasm add 2 3
loads_none
libs 0 run wasi.wasm hello
loads_none
libs 1 run math.wasm div 1 0
loads_none
libs 2 run math.wasm nope
loads_none

# The check works: --json loads jansson (and nothing else), a command
# that reads a registry loads SQLite, and one that stores a module hashes
# it with nettle (and parses its config with jansson).
libs 0 run --json wasi.wasm hello
loads libjansson.so
checks=$((checks + 1))
[ "$LIBS" = "libjansson.so " ] || fail "run --json loaded $LIBS"

cat >math.json <<EOF2
{"name": "math", "vm_config": {"path": "math.wasm"}, "functions": ["add"]}
EOF2
libs 0 --db "$WORK/reg.db" plugin add math.json
loads libsqlite3.so
loads libnettle.so
loads libjansson.so
libs 0 --db "$WORK/reg.db" plugin ls
loads libsqlite3.so

finish
