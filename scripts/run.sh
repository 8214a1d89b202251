#!/usr/bin/env bash
# `make run`: the daemon on localhost with the example plugins registered.
#
# Builds the example plugins (examples/plugins: C, Rust, AssemblyScript, WAT,
# TinyGo), registers them in a registry of its own under the build
# directory (an embedded SQLite file, not the user's registry), prints
# ready-to-paste curl commands, and runs `wasmext serve` in the foreground
# until Ctrl-C. An example whose toolchain is missing is left out with a
# warning; the others still run. The examples' build goes to
# BUILD_DIR/run-build.log (scripts/quietly.sh), shown only if it fails.
#
# Usage: scripts/run.sh BUILD_DIR [LISTEN [SERVE-OPTION...]]
#   LISTEN default 127.0.0.1:9281; loopback needs no token (the daemon then
#   checks Host and Origin, docs/security.md). Any other address needs
#   serve options such as --token-file FILE; they follow LISTEN.
set -euo pipefail

build=${1:?usage: scripts/run.sh BUILD_DIR [LISTEN [SERVE-OPTION...]]}
listen=${2:-127.0.0.1:9281}
shift $(($# < 2 ? $# : 2))
db=$build/run/registry.db
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! bash "$root/scripts/quietly.sh" "$build/run-build.log" \
    "build the example plugins" \
    cmake --build "$build" --target wx_examples -j2 -- -k; then
    echo "warning: some example plugins did not build (the log above" \
        "says why); the others are registered" >&2
fi

mkdir -p "$build/run"
if ! bash "$root/examples/plugins/register.sh" "$build" "$db" \
    >"$build/run/register.log" 2>&1; then
    cat "$build/run/register.log" >&2
    echo "warning: not every example could be registered (see above)" >&2
fi
# One line: the plugins now in the registry.
names=$("$build/wasmext" --db "$db" --json plugin ls | python3 -c '
import json, sys
print(", ".join(sorted(p["name"] for p in json.load(sys.stdin))))')
echo "registered in $db: $names"

url=http://$listen
cat <<MSG

==== the daemon: $url (Ctrl-C stops it)
Try, in another terminal:
  curl -s $url/plugins
  curl -s -X POST $url/plugins/math/functions/fib -d '{"args":[30]}'
  curl -s -X POST $url/functions/rank -d '{"args":[72,3]}'
  curl -s -X POST $url/functions/create_line \\
       -d '{"args":["{\"x\":2.5,\"y\":7.8}","{\"x\":2.5,\"y\":5.8}","A thin red line"]}'
  curl -s -X POST $url/functions/slugify -d '{"args":["Crème Brûlée: 2 Recipes!"]}'
  curl -s -X POST $url/functions/add -d '{"args":[40,2]}'
  curl -s $url/metrics
Loopback without tokens: requests need a loopback Host with the port (curl
sends one) and no foreign Origin, so web pages cannot reach the daemon.
Or through the command line:
  $build/wasmext --db $db call fib 30

MSG
exec "$build/wasmext" --db "$db" serve --listen "$listen" "$@"
