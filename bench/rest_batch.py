#!/usr/bin/env python3
"""Rows per second of add(i32, i32) through the REST batch endpoint
(POST /plugins/calc/functions/add/batch, docs/rest.md) on a daemon with
one HTTP thread and one call thread.

    bench/rest_batch.py [--quick] BUILD-DIR [ROWS-PER-REQUEST ...]

For each batch size (default 1000, 10000, 100000 rows a request) one
client posts the same body over one keep-alive connection for a few
seconds (--quick: a fraction of one), checking every answer's length and
the first answer's every result. Printed per size: rows/s by the clock
(client included: it sends the body and reads the answer on this same
2-CPU machine) and rows per CPU-second of the daemon (its user + system
time from /proc, so another process's load does not count), which is
the figure for "one daemon thread". Exit status 1 on a wrong answer.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time


def daemon_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    build = os.path.abspath(args[0])
    sizes = [int(a) for a in args[1:]] or [1000, 10000, 100000]
    wasm = f"{build}/tests/daemon/guests/calc.wasm"
    work = tempfile.mkdtemp(prefix="wxd-batch-bench.")
    out = open(f"{work}/out", "w+")
    log = open(f"{work}/log", "w")
    d = subprocess.Popen(
        [f"{build}/wasmext", "serve", "--listen", "127.0.0.1:0", "--db",
         f"{work}/registry.db", "--threads", "1", "--call-threads", "1",
         "--max-body", str(64 << 20), "--allow-dir", os.path.dirname(wasm),
         "--log-level", "warn"], stdout=out, stderr=log)
    try:
        addr = None
        for _ in range(400):
            out.seek(0)
            for line in out:
                if line.startswith("listening on "):
                    addr = line.split()[2]
            if addr:
                break
            time.sleep(0.05)
        if not addr:
            print("the daemon did not start", file=sys.stderr)
            return 1
        host, port = addr.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port))
        cfg = json.dumps({"name": "calc", "instance_num": 1,
                          "vm_config": {"path": wasm},
                          "functions": ["add"]})
        conn.request("POST", "/plugins", cfg,
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 201:
            print(f"add: {r.status}", file=sys.stderr)
            return 1
        print("wasmext REST batch benchmark: POST /plugins/calc/functions/"
              "add/batch, daemon --threads 1 --call-threads 1")
        print(f"machine: {os.cpu_count()} CPUs, load average "
              f"{open('/proc/loadavg').read().split()[0]}")
        seconds = 0.5 if quick else 4.0
        for n in sizes:
            rows = [[i, 2 * i] for i in range(n)]
            body = json.dumps({"rows": rows}, separators=(",", ":"))
            want = [[3 * i] for i in range(n)]
            path = "/plugins/calc/functions/add/batch"
            requests = 0
            c0 = daemon_cpu_s(d.pid)
            t0 = time.monotonic()
            while True:
                conn.request("POST", path, body)
                r = conn.getresponse()
                text = r.read()
                if r.status != 200:
                    print(f"status {r.status}: {text[:200]}", file=sys.stderr)
                    return 1
                if requests == 0 and json.loads(text)["results"] != want:
                    print("wrong results", file=sys.stderr)
                    return 1
                if text.count(b"[") != n + 1:
                    print("wrong number of rows", file=sys.stderr)
                    return 1
                requests += 1
                if time.monotonic() - t0 >= seconds:
                    break
            wall = time.monotonic() - t0
            cpu = daemon_cpu_s(d.pid) - c0
            total = requests * n
            print(f"rest_batch rows/request={n} requests={requests} "
                  f"rows/s={total / wall:.0f} "
                  f"daemon_cpu_s={cpu:.2f} "
                  f"rows/daemon_cpu_s={total / cpu if cpu else 0:.0f}")
        return 0
    finally:
        d.terminate()
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
