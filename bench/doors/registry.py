#!/usr/bin/env python3
"""Fills a registry with N plugins for bench/doors.sh, through a running
daemon's REST API (one process holds the registry open, so adding the
k-th plugin does not reload the k-1 before it, as N `wasmext plugin add`
commands would).

    registry.py URL TEMPLATE.wasm WORKDIR N

Plugin k (1..N) is `pKKKK`, with functions add_KKKK (numeric) and
echo_KKKK (bindgen, string -> string): TEMPLATE.wasm (bench/doors/guest.wat)
with the 4-digit number of its export names rewritten, written to
WORKDIR/pKKKK.wasm. The daemon must have WORKDIR as an --allow-dir. Ends
by checking that GET /plugins lists all N. Exit status 1 on any refusal.
"""
import http.client
import json
import os
import sys
import urllib.parse

MARKERS = (b"add_0000", b"echo_0000")


def module_bytes(template, k):
    """The template with its export names numbered k. The names keep their
    length, so no section size changes."""
    data = template
    for marker in MARKERS:
        if data.count(marker) != 1:
            sys.exit(f"registry.py: the template holds {marker!r} "
                     f"{data.count(marker)} times, not once")
        data = data.replace(marker, marker[:-4] + b"%04d" % k)
    return data


def config(workdir, k):
    return {
        "name": "p%04d" % k,
        "vm_config": {"path": os.path.join(workdir, "p%04d.wasm" % k)},
        "functions": [
            "add_%04d" % k,
            {"name": "echo_%04d" % k, "abi": "bindgen",
             "params": ["string"], "results": ["string"]},
        ],
    }


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: registry.py URL TEMPLATE.wasm WORKDIR N")
    url, template_path, workdir, n = sys.argv[1:]
    workdir, n = os.path.abspath(workdir), int(n)
    with open(template_path, "rb") as f:
        template = f.read()
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    for k in range(1, n + 1):
        with open(os.path.join(workdir, "p%04d.wasm" % k), "wb") as f:
            f.write(module_bytes(template, k))
        status, body = request(conn, "POST", "/plugins",
                               json.dumps(config(workdir, k)).encode())
        if status != 201:
            sys.exit(f"registry.py: POST /plugins p{k:04d}: {status} "
                     f"{body[:300].decode(errors='replace')}")
    status, body = request(conn, "GET", "/plugins")
    listed = json.loads(body).get("plugins", []) if status == 200 else []
    if len(listed) != n:
        sys.exit(f"registry.py: GET /plugins lists {len(listed)} plugins, "
                 f"expected {n} (status {status})")


if __name__ == "__main__":
    main()
