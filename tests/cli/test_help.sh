# Help for every command and subcommand, the command list, version, and
# the usage errors of the command line itself.
. "$(dirname "$0")/lib.sh"

# Each command: --help, -h and `help COMMAND` print its usage (exit 0).
for cmd in run inspect plugin call serve replay logs version help; do
    t 0 "$cmd" --help
    out_has "Usage: wasmext"
    out_has " $cmd"
    err_empty
    help_text=$OUT
    t 0 "$cmd" -h
    out_is "$help_text"
    t 0 help "$cmd"
    out_is "$help_text"
done
# Commands with options document them, with examples.
for cmd in run inspect call replay logs; do
    t 0 help "$cmd"
    out_has "Options:"
    out_has "Example"
    out_has "Exit status:"
done
t 0 help run
out_has "--timeout-ms N"
out_has "--max-pages N"
out_has "--stack N"
t 0 help call
out_has "--base64"
t 0 help replay
out_has "--token-file FILE"
t 0 help logs
out_has "--token-file FILE"
out_has "#SEQ TIME FUNCTION LEVEL TEXT"

# Each plugin subcommand: the same three ways.
for sub in init add update rm ls show check; do
    t 0 plugin "$sub" --help
    # init reads a module, not the registry: no --db.
    if [ "$sub" = init ]; then
        out_has "Usage: wasmext plugin init"
    else
        out_has "Usage: wasmext [--db PATH] plugin $sub"
    fi
    out_has "Example"
    help_text=$OUT
    t 0 plugin "$sub" -h
    out_is "$help_text"
    t 0 help plugin "$sub"
    out_is "$help_text"
done
t 0 plugin --help
out_has "init FILE.wasm"
out_has "add CONFIG.json"
out_has "check [NAME]"
# The examples name files that exist.
t 0 plugin add --help
out_has "wasmext plugin add examples/plugins/car/car.json"
checks=$((checks + 1))
[ -f "$SRC/../../examples/plugins/car/car.json" ] ||
    fail "examples/plugins/car/car.json is not in the source tree"
# With --json, usage errors are JSON on stdout too.
t 2 --json frobnicate
json_is 'd["error"]["code"], d["error"]["usage"]' "('arg', 'wasmext help')"
err_empty
t 2 plugin frob --json
json_is 'd["error"]["message"]' \
    "'plugin: unknown subcommand \"frob\" (init, add, update, rm, ls, show, check)'"

# The command list.
t 0 --help
out_has "Usage: wasmext [--db PATH] [--json] COMMAND"
for cmd in run inspect plugin call serve replay logs version help; do
    out_has "  $cmd "
done
t 0 help
out_has "Commands:"
t 2
out_is ""
err_has "Usage: wasmext"

t 0 version
out_has "wasmext "
out_has "engine: interp"
t 0 --version
out_has "wasmext "
t 0 version --json
json_is 'sorted(d)' "['engine', 'version', 'wasm']"

# Usage errors: exit 2 and a message naming what is wrong.
t 2 frobnicate
err_has 'wasmext: unknown command "frobnicate"'
err_has "wasmext help"
out_is ""
t 2 --frob run
err_has "wasmext: unknown option --frob"
t 2 help frobnicate
err_has 'unknown command "frobnicate"'
t 2 help plugin frob
err_has 'unknown subcommand "frob"'
t 2 plugin frob
err_has 'plugin: unknown subcommand "frob"'
t 2 plugin
err_has "plugin: missing SUBCOMMAND"
t 2 version extra
err_has "version: takes no arguments"
t 2 --db
err_has "--db needs a value"
t 2 inspect --bogus x.wasm
err_has "inspect: unknown option --bogus"
t 2 call --timeout-ms 5 f
err_has "call: unknown option --timeout-ms"

# serve reaches the daemon: an unknown option is a usage error, an address
# it cannot listen on means it could not start.
t 2 serve --bogus
err_has "unknown option --bogus"
t 1 serve --listen nowhere
err_has "--listen nowhere: expected HOST:PORT"
finish
