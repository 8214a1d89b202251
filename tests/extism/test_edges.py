"""Extism host edges, through one `wasmext serve` daemon (so that calls
share an instance): python3 test_edges.py WASMEXT GUEST_DIR WORK_DIR.

The guest is edges.wat. Every bad offset or length fails the call with a
message naming the import, never the host; every call starts with no
blocks, also after a failed call; a non-zero return without a message,
a variable over extism.max_var_bytes, a config key that is no block, a
request to an allowed host with a method that would break the request
line and one to a denied host each fail with their own message; the
instance keeps serving afterwards.
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from daemon import Daemon

FUNCS = ["first_block", "load_oob", "input_oob", "no_message", "big_var",
         "bad_key", "trap_after_error", "http_allowed", "http_denied"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)


def main():
    wasmext, guests, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, HOME=work, XDG_DATA_HOME=work)
    env.pop("WASMEXT_REGISTRY", None)
    db = os.path.join(work, "registry.db")
    cfg = {"name": "edges",
           "vm_config": {"path": os.path.join(guests, "edges.wasm")},
           "functions": [{"name": f, "abi": "extism", "params": [],
                          "results": ["bytes"]} for f in FUNCS],
           "extism": {"allowed_hosts": ["*.example.org"],
                      "max_var_bytes": 16}}
    path = os.path.join(work, "edges.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    r = subprocess.run([wasmext, "--db", db, "plugin", "add", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=120)
    check(r.returncode == 0, "plugin add: %s" % r.stdout.decode())
    d = Daemon(wasmext, db, env, os.path.join(work, "serve.log"))
    try:
        run(d)
    finally:
        d.stop()
    print("%d failures" % len(failures))
    sys.exit(1 if failures else 0)


def expect_error(d, func, code, words):
    status, doc = d.call("edges", func, [])
    err = doc.get("error", {})
    msg = err.get("message", "")
    check(status == 422 and err.get("code") == code,
          "%s: wanted 422 %s, got %d %r" % (func, code, status, doc))
    for w in words:
        check(w in msg, "%s: %r not in %r" % (func, w, msg))
    return msg


def first_block(d):
    status, doc = d.call("edges", "first_block", [])
    check(status == 200, "first_block: %d %r" % (status, doc))
    return doc.get("results", [None])[0]


def run(d):
    first = first_block(d)
    check(first is not None, "first_block gave no result")
    msgs = [
        expect_error(d, "load_oob", "abi",
                     ["extism:host/env.load_u64", "1099511627776",
                      "outside Extism memory"]),
        expect_error(d, "input_oob", "abi", ["input_load_u64"]),
        expect_error(d, "no_message", "guest",
                     ["no_message returned 7 and set no error message"]),
        expect_error(d, "big_var", "limit",
                     ["var_set", "extism.max_var_bytes (16)"]),
        expect_error(d, "bad_key", "abi",
                     ["config_get", "12345 is not a block"]),
        expect_error(d, "trap_after_error", "trap", ["unreachable"]),
        expect_error(d, "http_allowed", "abi",
                     ["http_request", "method is not an HTTP method name"]),
        expect_error(d, "http_denied", "host",
                     ["\"evil.example.com\" denied",
                      "not in extism.allowed_hosts"]),
    ]
    for m in msgs:
        check("pw@" not in m, "a URL's password in %r" % m)
    # Each failed call above ended with its blocks freed: the next call's
    # first block sits where the first call's did. Five calls, five times
    # the same offset.
    for i in range(5):
        got = first_block(d)
        check(got == first, "call %d: first block at %r, not %r (blocks "
              "of an earlier call were kept)" % (i + 2, got, first))


if __name__ == "__main__":
    main()
