#!/usr/bin/env python3
"""The fleet benchmark (issue 14): three `wasmext serve` daemons sharing a
registry on a real redis-server, all on this machine's loopback.

    bench/fleet.py [--quick] [--build-dir DIR] [--updates N] [--seconds S]
                   [--conns N]

Two measures, printed as one markdown table (also written to
BUILD/bench/fleet.md):

  propagation  a plugin is updated N times (default 100), each time on the
               next daemon in turn (PUT /plugins/hot, version 1 <-> 2);
               from just before the PUT is sent until every daemon
               answers the new version, polling each daemon every 1 ms
               over keep-alive: the median, p90 and max over the updates,
               and the same for the two daemons that did not take the
               PUT alone (the pub/sub path), next to the PUT's own time.
  calls/s      POST /functions/add {"args":[2,3]} from bench/doors/loadgen
               (closed loop, every answer checked): --conns connections
               (default 6) on one daemon, then the same connections split
               over the three (one loadgen each, run at once, their calls
               added up). On one machine the daemons share its CPUs with
               each other and with the load generators, so three daemons
               cannot be three times one: the figure says what the extra
               processes cost here, not what a fleet of machines gives.

--quick: 10 updates and 1-second runs, to check the harness. Exit status
1 if a run failed (an update never reached a daemon, a wrong answer).
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
from fleetlib import Client, Fleet, config  # noqa: E402

GIVE_UP_S = 10  # an update not seen everywhere by then failed


def ms(x):
    return "%.1f" % (x * 1000)


def hot(fleet, version):
    return config("hot", fleet.guest("version%d.wasm" % version),
                  ["value", "work"], instance_num=2)


def propagation(fleet, ds, updates):
    """Per update: (PUT time, time until all serve it, time until the
    other daemons serve it), in seconds; None for one that never did."""
    clients = [Client(d) for d in ds]
    out = []
    for u in range(1, updates + 1):
        want = 2 if u % 2 else 1
        at = u % len(ds)
        t0 = time.monotonic()
        st, j = clients[at].request("PUT", "/plugins/hot", hot(fleet, want))
        put = time.monotonic() - t0
        if st != 200:
            print("update %d failed: %s %r" % (u, st, j), file=sys.stderr)
            return None
        seen = [None] * len(ds)
        while None in seen and time.monotonic() - t0 < GIVE_UP_S:
            for k, c in enumerate(clients):
                if seen[k] is None and c.call("value")[0] == want:
                    seen[k] = time.monotonic() - t0
            if None in seen:
                time.sleep(0.001)
        if None in seen:
            print("update %d never reached daemon(s) %r" %
                  (u, [k + 1 for k, s in enumerate(seen) if s is None]),
                  file=sys.stderr)
            return None
        others = [s for k, s in enumerate(seen) if k != at]
        out.append((put, max(seen), max(others)))
    for c in clients:
        c.close()
    return out


def loadgen_bin(build):
    """bench/doors/loadgen.c, built into BUILD/bench (as doors.sh does)."""
    out = os.path.join(build, "bench", "loadgen")
    src = os.path.join(HERE, "doors", "loadgen.c")
    if not os.path.exists(out) or os.path.getmtime(src) > \
            os.path.getmtime(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-Wextra",
                        "-Werror", "-pthread", "-o", out, src], check=True)
    return out


def kv(line, key):
    for w in line.split():
        if w.startswith(key + "="):
            return float(w.split("=", 1)[1])
    return None


def calls_per_s(loadgen, targets, seconds):
    """Runs one loadgen per (daemon, conns) at once; their calls/s added
    up, or None if one failed."""
    procs = [subprocess.Popen(
        [loadgen, "--warmup", "0.5", "127.0.0.1:%d" % d.port,
         "/functions/add", '{"args":[2,3]}', '{"results":[5]}', str(n),
         str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for d, n in targets]
    total = 0.0
    ok = True
    for p in procs:
        out, err = p.communicate()
        rate = kv(out, "calls_per_s")
        if p.returncode != 0 or rate is None:
            print("loadgen failed: %s %s" % (out, err), file=sys.stderr)
            ok = False
        else:
            total += rate
    return total if ok else None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--updates", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--conns", type=int, default=6)
    a = ap.parse_args()
    if a.quick:
        a.updates, a.seconds = 10, 1
    build = os.path.abspath(a.build_dir)
    fleet = Fleet(os.path.join(build, "wasmext"),
                  os.path.join(build, "tests", "daemon", "guests"))
    try:
        return run(fleet, build, a)
    finally:
        fleet.close()


def run(fleet, build, a):
    loadgen = loadgen_bin(build)
    redis = fleet.start_redis()
    ds = [fleet.daemon(redis.url, "daemon%d" % (i + 1),
                       extra=["--log-level", "warn"]) for i in range(3)]
    c = Client(ds[0])
    for cfg in (hot(fleet, 1), config("calc", fleet.guest("calc.wasm"),
                                      ["add", "fib"], instance_num=4)):
        st, j = c.request("POST", "/plugins", cfg)
        if st != 201:
            print("add failed: %s %r" % (st, j), file=sys.stderr)
            return 1
    for d in ds[1:]:
        cl = Client(d)
        deadline = time.monotonic() + GIVE_UP_S
        while cl.call("add", [2, 3])[0] != 5:
            if time.monotonic() > deadline:
                print("the adds did not reach %s" % d.name, file=sys.stderr)
                return 1
            time.sleep(0.01)
        cl.close()
    c.close()

    prop = propagation(fleet, ds, a.updates)
    # Calls: the same connections, on one daemon, then split over three.
    per = max(1, a.conns // 3)
    one = calls_per_s(loadgen, [(ds[0], per * 3)], a.seconds)
    three = calls_per_s(loadgen, [(d, per) for d in ds], a.seconds)
    if prop is None or one is None or three is None:
        return 1

    puts = [p[0] for p in prop]
    alls = [p[1] for p in prop]
    others = [p[2] for p in prop]
    rows = [
        ("PUT on one daemon (answered)", puts),
        ("change to every daemon serving it", alls),
        ("change to the two other daemons serving it", others),
    ]
    lines = [
        "wasmext fleet benchmark, %s; machine: %d CPUs, load %s" %
        (time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()), os.cpu_count(),
         open("/proc/loadavg").read().split()[0]),
        "",
        "Propagation over %d updates (3 daemons, one Redis, loopback), ms:" %
        len(prop),
        "",
        "| measure | median | p90 | max |",
        "|---|---:|---:|---:|",
    ]
    for name, xs in rows:
        lines.append("| %s | %s | %s | %s |" % (
            name, ms(statistics.median(xs)), ms(pct(xs, 90)), ms(max(xs))))
    lines += [
        "",
        "Calls/s, POST /functions/add(2,3), %d keep-alive connections "
        "(%.0f s):" % (per * 3, a.seconds),
        "",
        "| daemons | calls/s | vs one |",
        "|---|---:|---:|",
        "| 1 | %.0f | 1.00 |" % one,
        "| 3 (%d connections each) | %.0f | %.2f |" % (per, three,
                                                       three / one),
    ]
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    with open(os.path.join(build, "bench", "fleet.md"), "w") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
