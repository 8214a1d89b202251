#!/usr/bin/env bash
# Runs a command with its output in a log file, and says one line about
# it: "WHAT: ok" when it succeeds; when it fails, the end of the log, the
# log's path, and the command's exit status. For the long, chatty steps of
# `make run` (the builds), whose output only matters when they fail.
#
# Usage: scripts/quietly.sh LOG WHAT COMMAND [ARG...]
#   LOG is appended to, so that several steps can share one (the caller
#   removes it first); its directory is created if needed.
set -uo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 LOG WHAT COMMAND [ARG...]" >&2
    exit 2
fi
log=$1
what=$2
shift 2

mkdir -p "$(dirname "$log")"
start=$SECONDS
{
    echo "==== $what: $*"
    date
} >>"$log"
"$@" >>"$log" 2>&1 </dev/null
status=$?
if [ "$status" -eq 0 ]; then
    echo "$what: ok ($((SECONDS - start)) s; log: $log)"
    exit 0
fi
echo "$what: FAILED (exit status $status); the end of its log:" >&2
tail -n 40 "$log" >&2
echo "$what: FAILED; the whole log: $log" >&2
exit "$status"
