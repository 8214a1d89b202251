"""Extism plugins under our runtime and under Extism's own, compared.

Runs in the venv that holds Extism's runtime from PyPI (extism_venv.py):

    VENV/bin/python test_differential.py WASMEXT GUEST_DIR WORK_DIR

For every guest built with a real PDK (GUEST_DIR/extism_rust.wasm from
the Rust PDK, extism_go.wasm from the Go PDK, extism_as.wasm from the
AssemblyScript PDK) and every case, the same
input goes to Extism's runtime (extism.Plugin.call) and to ours (the
`wasmext call --json` command over a registry in WORK_DIR; the cases of
`counter`, whose variable must live across calls, through one `wasmext
serve` daemon over HTTP); both must give the same output, or both an
error. The guests' error messages
must agree too, log calls must reach our guest log with their level,
and a denied HTTP request must not show the URL's password.
"""
import base64
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import extism
from daemon import Daemon

SECRET = "s3cr3t-pw"
CONFIG = {"greeting": "Hello"}

# (function, declared type of input and output, inputs); counter's inputs
# run in order on one instance, so its variable counts across them.
CASES = [
    ("count_vowels", "string", "json",
     [b"Hello World", b"", "\u00c0\u00e9\u00ee aeiou".encode(), b"rhythm"]),
    ("reverse", "bytes", "bytes", [b"\x01\x02\x03", b"", b"\x00\xff\x80a"]),
    ("check", "string", "string", [b"abc", b"xyz", b"", "h\u00e9llo".encode()]),
    ("greet", "string", "string", [b"Bob", "\u00c5sa".encode()]),
    ("counter", "string", "string", [b"5", b"", b"-2", b"40"]),
    ("shout", "string", "string", [b"hey"]),
    ("fetch", "string", "string",
     [("https://user:%s@example.com/x" % SECRET).encode()]),
]

# (file, plugin name, WASI, functions it does not export). The
# AssemblyScript PDK (1.0.0, the one on npm) has no HTTP API, so its guest
# has no fetch (tests/guests/extism_as/assembly/index.ts says why).
GUESTS = [("extism_rust.wasm", "xrust", False, ()),
          ("extism_go.wasm", "xgo", True, ()),
          ("extism_as.wasm", "xas", False, ("fetch",))]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def config_for(name, wasm, cases):
    funcs = [{"name": f, "abi": "extism", "params": [pt], "results": [rt]}
             for f, pt, rt, _ in cases]
    return {"name": name, "vm_config": {"path": wasm}, "functions": funcs,
            "extism": {"config": CONFIG}}


def cli_arg(t, data):
    return "hex:" + data.hex() if t == "bytes" else data.decode()


def ours(wasmext, db, env, name, func, pt, rt, data):
    """(output bytes or None, error text, stderr) from our runtime."""
    r = subprocess.run([wasmext, "--db", db, "call", "--json",
                        "%s.%s" % (name, func), "--", cli_arg(pt, data)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=120)
    err = r.stderr.decode(errors="replace")
    doc = json.loads(r.stdout)
    if r.returncode != 0:
        return None, doc["error"]["message"], err
    v = doc["results"][0]
    if rt == "bytes":
        return base64.b64decode(v), "", err
    if rt == "json":
        return json.dumps(v, sort_keys=True).encode(), "", err
    return v.encode(), "", err


def ours_daemon(daemon, name, func, data):
    status, doc = daemon.call(name, func, [data.decode()])
    if status != 200:
        return None, doc.get("error", {}).get("message", str(doc)), ""
    return doc["results"][0].encode(), "", ""


def theirs(plugin, func, rt, data):
    """(output bytes or None, error text) from Extism's runtime."""
    try:
        out = bytes(plugin.call(func, data))
    except extism.Error as e:
        return None, str(e)
    if rt == "json":
        out = json.dumps(json.loads(out), sort_keys=True).encode()
    return out, ""


def run_guest(wasmext, guests, work, file, name, wasi, missing):
    wasm = os.path.join(guests, file)
    if not os.path.exists(wasm):
        fail("%s was not built" % wasm)
        return 0
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    env = dict(os.environ, HOME=d, XDG_DATA_HOME=d)
    env.pop("WASMEXT_REGISTRY", None)
    db = os.path.join(d, "registry.db")
    cfg = os.path.join(d, name + ".json")
    cases = [c for c in CASES if c[0] not in missing]
    with open(cfg, "w") as f:
        json.dump(config_for(name, wasm, cases), f)
    r = subprocess.run([wasmext, "--db", db, "plugin", "add", cfg],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=300)
    if r.returncode != 0:
        fail("%s: plugin add failed: %s" % (name, r.stdout.decode()))
        return 0
    with open(wasm, "rb") as f:
        plugin = extism.Plugin(f.read(), wasi=wasi, config=CONFIG)
    compared = 0
    daemon = Daemon(wasmext, db, env, os.path.join(d, "serve.log"))
    try:
        compared = compare(wasmext, db, env, name, plugin, daemon, cases)
    finally:
        daemon.stop()
    return compared


def compare(wasmext, db, env, name, plugin, daemon, cases):
    compared = 0
    for func, pt, rt, inputs in cases:
        for data in inputs:
            what = "%s.%s(%r)" % (name, func, data)
            if func == "counter":
                mine, my_err, my_log = ours_daemon(daemon, name, func, data)
            else:
                mine, my_err, my_log = ours(wasmext, db, env, name, func, pt,
                                            rt, data)
            ref, ref_err = theirs(plugin, func, rt, data)
            compared += 1
            if (mine is None) != (ref is None):
                fail("%s: ours %s, Extism's %s" % (
                    what, "failed: " + my_err.strip() if mine is None
                    else "gave %r" % mine,
                    "failed: " + ref_err.strip() if ref is None
                    else "gave %r" % ref))
                continue
            if mine != ref:
                fail("%s: ours %r, Extism's %r" % (what, mine, ref))
                continue
            # A guest's own error message (error_set) is the same text.
            if func == "check" and mine is None:
                want = "rejected %s" % json.dumps(data.decode())
                if want not in my_err or want not in ref_err:
                    fail("%s: error messages differ: ours %r, Extism's %r"
                         % (what, my_err.strip(), ref_err.strip()))
            if func == "shout":
                for lvl in ("info", "warn", "error", "debug"):
                    line = "[guest %s.%s %s] %s: hey" % (name, func, lvl, lvl)
                    if line not in my_log:
                        fail("%s: no log line %r in %r" % (what, line, my_log))
            if func == "fetch":
                if "denied" not in my_err or "example.com" not in my_err:
                    fail("%s: the denial does not say so: %r" % (what, my_err))
                if SECRET in my_err:
                    fail("%s: the URL's password is in the message" % what)
            print("ok   %-40s %s" % (what[:40], "error" if mine is None
                                     else repr(mine)[:40]))
    return compared


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: test_differential.py WASMEXT GUEST_DIR WORK_DIR")
    wasmext, guests, work = sys.argv[1:]
    total = 0
    for file, name, wasi, missing in GUESTS:
        total += run_guest(wasmext, guests, work, file, name, wasi, missing)
    print("%d cases compared, %d failures" % (total, len(failures)))
    sys.exit(1 if failures or total == 0 else 0)


if __name__ == "__main__":
    main()
