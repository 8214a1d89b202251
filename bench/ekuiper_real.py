#!/usr/bin/env python3
"""Rows per second of one rule, `SELECT f(x) FROM s`, through the real
eKuiper 2.4.0 kuiperd, with f:

  wasmext   our plugin: fib(i32) -> i32 of tests/ekuiper/guest.wat, packed
            with `wasmext ekuiper pack` (a portable plugin eKuiper starts
            and calls over its NNG IPC protocol, one call per row)
  python    the same fib written with eKuiper's own Python portable SDK
            (PyPI `ekuiper` 2.4.2, in a venv under BUILD/bench/venv),
            packaged as eKuiper's Python portable plugin zip
  builtin   eKuiper's built-in abs(x): the ceiling a plugin can reach
  raw       no function at all: SELECT x

  bench/ekuiper_real.py [--quick] [--seconds S] [--rounds N]
                        [--kuiper-dir DIR] BUILD-DIR

Every variant reads the same stream, an `httppush` source, into the same
`nop` sink. The feeder POSTs JSON arrays of BATCH rows {"x": 3} (eKuiper
decodes an array body into one row per element) and keeps at most WINDOW
rows in flight: it polls the rule's metrics over REST every 50 ms and
tops up, so eKuiper always has rows waiting and never drops any (the rule
runs with disableBufferFullDiscard; httppush drops bodies only when its
1024-body queue is full), while the feeder's own cost is one HTTP request
per BATCH rows. Rows are counted at the sink from the same metrics
(sink_nop_0_0_records_in_total): rows/s is the rows counted between two
polls over the elapsed time, after a warm-up, for S seconds (default 2;
--quick 0.4); then the rule is stopped. (eKuiper's `file` source is no
use here: it reads its file to the end even after its rule is stopped,
which loads kuiperd during the next runs.) Each variant runs N rounds
(default 3; --quick 1), interleaved (each round starting with the next
variant), and the median is reported. fib(3) costs about as much as abs
(5 guest calls). CPU time and context switches per row of kuiperd and of
the plugin process come from /proc over the same span.

Before timing, each variant's function is checked on 16 rows (x from -3
to 12) through a `rest` sink: a wrong result, a rule exception or a
variant that cannot run is a failure (exit status 1); speed never is. No
kuiperd (make ekuiper) or no Python SDK (PyPI unreachable) gives n/a, not
a failure.

Then ekuiper_bench_exec (tests/ekuiper/bench_exec.c) measures, in the
same run, our plugin's own work per call in process (client=none, fib(3))
and the bare round-trip floors, to split the time the plugin adds per
row over the built-in into our work and the IPC round trip eKuiper's
protocol imposes.

Output: `kuiperd_*` key=value lines, then a summary table.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "ekuiper", "real"))
import kuiper  # noqa: E402  (tests/ekuiper/real/kuiper.py, the harness)

SDK_VERSION = "2.4.2"   # PyPI `ekuiper`, the SDK of eKuiper 2.4
FIB_ARG = 3             # fib(3) = 3: five guest calls
CHECK_XS = list(range(-3, 13))
CLK_TCK = os.sysconf("SC_CLK_TCK")
BATCH = 500             # rows per POST
WINDOW = 40 * BATCH     # rows posted and not yet counted at the sink
POLL = 0.05             # seconds between polls of the rule's metrics: a
                        # poll costs kuiperd about 0.3 ms of CPU


def fib(n):
    """guest.wat's fib: 1 for n < 2."""
    return 1 if n < 2 else fib(n - 2) + fib(n - 1)


def say(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- python

PY_PLUGIN = '''\
"""fib(n) for eKuiper, with eKuiper's Python portable SDK: the same
function as tests/ekuiper/guest.wat's fib."""
from typing import Any, List

from ekuiper import Context, Function, PluginConfig, plugin


def fib(n):
    return 1 if n < 2 else fib(n - 2) + fib(n - 1)


class Fib(Function):
    def validate(self, args: List[Any]):
        return "" if len(args) == 1 else "fib takes one argument"

    def exec(self, args: List[Any], ctx: Context):
        return fib(int(args[0]))

    def is_aggregate(self):
        return False


if __name__ == "__main__":
    plugin.start(PluginConfig(%(name)r, {}, {}, {%(fn)r: lambda: Fib()}))
'''


def python_sdk(build):
    """The venv's python with `ekuiper` SDK_VERSION installed (created and
    installed once, then reused), or (None, why)."""
    venv = os.path.join(build, "bench", "venv")
    py = os.path.join(venv, "bin", "python")
    probe = [py, "-c", "import importlib.metadata as m, pynng, ekuiper; "
             "print(m.version('ekuiper'))"]

    def have():
        try:
            r = subprocess.run(probe, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=60)
        except OSError:
            return False
        return r.returncode == 0 and r.stdout.decode().strip() == SDK_VERSION

    if have():
        return py, None
    say("# installing the eKuiper Python SDK %s into %s" % (SDK_VERSION, venv))
    shutil.rmtree(venv, ignore_errors=True)
    steps = [[sys.executable, "-m", "venv", venv],
             [py, "-m", "pip", "install", "-q", "--disable-pip-version-check",
              "ekuiper==" + SDK_VERSION]]
    for cmd in steps:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        if r.returncode != 0:
            return None, "%s failed: %s" % (" ".join(cmd[:4]),
                                            r.stdout.decode()[-400:])
    return (py, None) if have() else (None, "the SDK does not import")


def pack_python(workdir, name, fn):
    """eKuiper's Python portable plugin zip: NAME.json + NAME.py."""
    meta = {"version": "v1.0.0", "language": "python",
            "executable": name + ".py", "functions": [fn]}
    out = os.path.join(workdir, name + ".zip")
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name + ".json", json.dumps(meta))
        z.writestr(name + ".py", PY_PLUGIN % {"name": name, "fn": fn})
    return out


# ---------------------------------------------------------------- kuiperd

def cpu_seconds(pids):
    """utime + stime of the live processes in pids, in seconds."""
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                rest = f.read().rsplit(")", 1)[1].split()
            total += int(rest[11]) + int(rest[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / CLK_TCK


def context_switches(pids):
    """Voluntary + involuntary context switches of every thread of the
    live processes in pids."""
    total = 0
    for p in pids:
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tasks:
            try:
                with open("/proc/%d/task/%s/status" % (p, t)) as f:
                    for line in f:
                        # voluntary_ and nonvoluntary_ctxt_switches
                        if "ctxt_switches" in line:
                            total += int(line.split()[-1])
            except (OSError, ValueError):
                pass
    return total


def sink_count(st):
    for k, v in st.items():
        if k.startswith("sink_") and k.endswith("_records_in_total"):
            return int(v)
    return None


def exceptions(st):
    return sum(int(v) for k, v in st.items()
               if k.endswith("_exceptions_total") and
               isinstance(v, (int, float)))


def check_variant(kd, receiver, v, fails):
    """Runs `SELECT x, f(x) AS y` over CHECK_XS into a rest sink and
    compares every row with the expected value."""
    rid = "wxkb_check_" + v["key"]
    receiver.clear()
    sql = "SELECT x, %s AS y FROM wxkb_chk" % v["expr"]
    kd.create_rule(rid, sql, receiver, {"disableBufferFullDiscard": True})
    rows = []
    for attempt in (1, 2):
        # a body that comes before the source subscribed is lost: once
        # nothing came at all, push again
        kd.push("/wxkbchk", [{"x": x} for x in CHECK_XS])
        try:
            rows = receiver.wait_for(len(CHECK_XS),
                                     timeout=10 if attempt == 1 else 50)
            break
        except kuiper.HarnessError as e:
            rows = receiver.rows()
            if rows or attempt == 2:
                fails.append("%s: %s" % (v["key"], e))
                break
    st = kd.rule_status(rid)
    kd.rest("POST", "/rules/%s/stop" % rid)
    kd.delete_rule(rid)
    got = sorted((r.get("x"), r.get("y")) for r in rows)
    want = sorted((x, v["expect"](x)) for x in CHECK_XS)
    ok = got == want and exceptions(st) == 0
    if not ok:
        fails.append("%s: check rows %s, want %s, exceptions %d"
                     % (v["key"], got, want, exceptions(st)))
    say("kuiperd_check variant=%s rows=%d ok=%s" % (v["key"], len(rows),
                                                    "yes" if ok else "NO"))
    return ok


BODY = ("[" + ",".join(['{"x":%d}' % FIB_ARG] * BATCH) + "]").encode()


def timed_run(kd, v, rnd, seconds, warmup, plugin_name, fails):
    """One timed run of `SELECT f(x) AS y FROM wxkb_s` into the nop sink;
    returns rows/s and CPU per row, or None."""
    rid = "wxkb_%s_%d" % (v["key"], rnd)
    sql = "SELECT %s AS y FROM wxkb_s" % v["expr"]
    kd.expect("POST", "/rules", {
        "id": rid, "sql": sql, "actions": [{"nop": {}}],
        "options": {"disableBufferFullDiscard": True}})
    kuiper.wait_until("rule %s running" % rid,
                      lambda: kd.rule_status(rid).get("status")
                      == "running", 30)
    samples = []   # (monotonic, count, kuiperd cpu s, plugin cpu s)
    kpid = kd.proc.pid
    ppids = []
    deadline = time.monotonic() + 60
    t_first = None
    t_sample = 0
    sent = 0
    while True:
        st = kd.rule_status(rid)
        now = time.monotonic()
        n = sink_count(st) or 0
        if st.get("status") != "running":
            break
        while sent - n < WINDOW:
            kd.push("/wxkb", BODY)
            sent += BATCH
        time.sleep(POLL)
        if now - t_sample < min(0.2, seconds / 8):
            continue
        t_sample = now
        if n:
            if t_first is None:
                t_first = now
                # plugins start with the rule's first call
                ppids = kd.plugin_pids(plugin_name) if plugin_name else []
            if now - t_first >= warmup:
                samples.append((now, n, cpu_seconds([kpid]),
                                cpu_seconds(ppids),
                                context_switches(ppids)))
                if now - samples[0][0] >= seconds:
                    break
        elif now > deadline:
            break
    kd.rest("POST", "/rules/%s/stop" % rid)
    st = kd.rule_status(rid)
    kd.delete_rule(rid)
    exc = exceptions(st)
    if exc:
        fails.append("%s round %d: %d exceptions in the rule" % (v["key"],
                                                                 rnd, exc))
    if len(samples) < 2 or samples[-1][1] == samples[0][1]:
        fails.append("%s round %d: no rows counted (status %s)"
                     % (v["key"], rnd, json.dumps(st)[:600]))
        return None
    (t0, n0, k0, p0, c0), (t1, n1, k1, p1, c1) = samples[0], samples[-1]
    rows = n1 - n0
    r = {"rows": rows, "seconds": t1 - t0, "rows_s": rows / (t1 - t0),
         "kuiperd_cpu_us": (k1 - k0) * 1e6 / rows,
         "plugin_cpu_us": (p1 - p0) * 1e6 / rows if plugin_name else None,
         "plugin_cs": (c1 - c0) / rows if plugin_name else None}
    say("kuiperd_rule variant=%s round=%d rows=%d seconds=%.2f rows/s=%d "
        "us_per_row=%.2f kuiperd_cpu_us_per_row=%.2f%s"
        % (v["key"], rnd, rows, r["seconds"], r["rows_s"],
           1e6 / r["rows_s"], r["kuiperd_cpu_us"],
           "" if r["plugin_cpu_us"] is None else
           " plugin_cpu_us_per_row=%.2f plugin_cs_per_row=%.1f"
           % (r["plugin_cpu_us"], r["plugin_cs"])))
    return r


# ------------------------------------------------------------- bench_exec

def bench_exec(build, seconds):
    """ekuiper_bench_exec's lines as {(name, client/plugin): {key: value}}."""
    exe = os.path.join(build, "tests", "ekuiper", "ekuiper_bench_exec")
    cmd = [exe, "--time", str(seconds),
           os.path.join(build, "wasmext"),
           os.path.join(build, "tests", "ekuiper", "guests", "guest.wasm"),
           "0", str(FIB_ARG)]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        say("# ekuiper_bench_exec: %s" % e)
        return None, False
    out = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        say("# bench_exec: " + line)
        if line.startswith("#") or "=" not in line:
            continue
        name, *pairs = line.split()
        f = dict(p.split("=", 1) for p in pairs if "=" in p)
        key = (name, f.get("client", ""), f.get("plugin", ""))
        out[key] = {k: float(v) for k, v in f.items()
                    if k not in ("client", "plugin")}
    return out, r.returncode == 0


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--kuiper-dir")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    seconds = a.seconds or (0.4 if a.quick else 2.0)
    rounds = a.rounds or (1 if a.quick else 3)
    warmup = 0.1 if a.quick else 0.5

    kdir = a.kuiper_dir or os.environ.get("WX_KUIPERD_DIR")
    if not kdir:
        cands = [os.path.join(build, "ekuiper"),
                 os.path.join(ROOT, "build", "ekuiper")]
        kdir = next((c for c in cands
                     if os.access(os.path.join(c, "kuiperd"), os.X_OK)),
                    cands[-1])
    if not os.access(os.path.join(kdir, "kuiperd"), os.X_OK):
        say("kuiperd_result n/a: no kuiperd in %s (make ekuiper builds it)"
            % kdir)
        return 0
    wasmext = os.path.join(build, "wasmext")
    guest = os.path.join(build, "tests", "ekuiper", "guests", "guest.wasm")
    for p in (wasmext, guest):
        if not os.path.isfile(p):
            say("kuiperd_result FAIL: missing %s (build first)" % p)
            return 1

    say("# eKuiper rule throughput, SELECT f(x) FROM s, x = %d, "
        "%s rounds of %gs" % (FIB_ARG, rounds, seconds))
    work = os.path.join(build, "bench", "kuiperd")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    # Names of our own: eKuiper's socket paths (/tmp/plugin_<name>.ipc,
    # /tmp/func_<fn>.ipc) are global to the host.
    sfx = str(os.getpid())
    ours, ours_fn = "wxkb_" + sfx, "wxkb_fib_" + sfx
    pyname, py_fn = "wxkbpy_" + sfx, "wxkb_pyfib_" + sfx
    variants = [
        {"key": "wasmext", "expr": "%s(x)" % ours_fn, "plugin": ours,
         "label": "wasmext plugin fib(x)", "expect": fib},
        {"key": "python", "expr": "%s(x)" % py_fn, "plugin": pyname,
         "label": "Python SDK plugin fib(x)", "expect": fib},
        {"key": "builtin", "expr": "abs(x)", "plugin": None,
         "label": "built-in abs(x)", "expect": abs},
        {"key": "raw", "expr": "x", "plugin": None,
         "label": "no function: x", "expect": lambda x: x},
    ]
    pybin, why = python_sdk(build)
    if pybin is None:
        say("kuiperd_na variant=python: %s" % why)
        variants = [v for v in variants if v["key"] != "python"]

    fails = []
    results = {v["key"]: [] for v in variants}
    try:
        kd = kuiper.Kuiperd(kdir, os.path.join(work, "kuiperd"))
    except kuiper.HarnessError as e:
        say("kuiperd_fail harness: %s\nkuiperd_result FAIL" % e)
        return 1
    if pybin:
        kd.extra_env["KUIPER__PORTABLE__PYTHONBIN"] = pybin
    receiver = kuiper.Receiver()
    try:
        ours_zip = kuiper.make_plugin(wasmext, work, ours, guest, [ours_fn],
                                      exports={"fib": ours_fn})
        kd.start()
        kd.install_plugin(ours, ours_zip)
        if pybin:
            kd.install_plugin(pyname, pack_python(work, pyname, py_fn))
        kd.create_stream("wxkb_s", "/wxkb", "x bigint")
        kd.create_stream("wxkb_chk", "/wxkbchk", "x bigint")
        ok = {v["key"]: check_variant(kd, receiver, v, fails)
              for v in variants}
        for rnd in range(1, rounds + 1):
            # each round starts with the next variant: no variant always
            # runs first, or right after the same other one
            k = (rnd - 1) % len(variants)
            for v in variants[k:] + variants[:k]:
                if not ok[v["key"]]:
                    continue
                r = timed_run(kd, v, rnd, seconds, warmup, v["plugin"],
                              fails)
                if r:
                    results[v["key"]].append(r)
    except kuiper.HarnessError as e:
        fails.append("harness: %s" % e)
    finally:
        receiver.close()
        kd.close()
    # httppush drops a body when its queue is full (the feeder's window
    # keeps it far from full); rows/s counts at the sink all the same
    drops = kd.log_text().count("drop message")
    say("kuiperd_log dropped_bodies=%d" % drops)

    exec_lines, exec_ok = bench_exec(build, 0.2 if a.quick else 1.0)
    if not exec_ok:
        fails.append("ekuiper_bench_exec failed")

    # ------------------------------------------------------------ summary
    med = {}
    for v in variants:
        rs = results[v["key"]]
        if rs:
            med[v["key"]] = {
                "rows_s": statistics.median(r["rows_s"] for r in rs),
                "kcpu": statistics.median(r["kuiperd_cpu_us"] for r in rs),
                "pcpu": (statistics.median(r["plugin_cpu_us"] for r in rs)
                         if rs[0]["plugin_cpu_us"] is not None else None),
                "pcs": (statistics.median(r["plugin_cs"] for r in rs)
                        if rs[0]["plugin_cs"] is not None else None)}
    base = med.get("builtin", {}).get("rows_s")
    table = ["", "%-26s %8s %8s %10s %12s %12s %10s"
             % ("variant", "rows/s", "us/row", "vs builtin", "kuiperd CPU",
                "plugin CPU", "plugin cs")]
    for v in variants:
        m = med.get(v["key"])
        if not m:
            table.append("%-26s %10s" % (v["label"], "FAIL"))
            continue
        ratio = m["rows_s"] / base if base else None
        table.append("%-26s %8d %8.2f %10s %9.2f us %s"
                     % (v["label"], m["rows_s"], 1e6 / m["rows_s"],
                        "%.3fx" % ratio if ratio else "n/a", m["kcpu"],
                        "%9.2f us %10.1f" % (m["pcpu"], m["pcs"])
                        if m["pcpu"] is not None else
                        "%12s %10s" % ("-", "-")))
        say("kuiperd_rows variant=%s rows/s=%d us_per_row=%.2f "
            "vs_builtin=%s kuiperd_cpu_us_per_row=%.2f%s"
            % (v["key"], m["rows_s"], 1e6 / m["rows_s"],
               "%.3f" % ratio if ratio else "n/a", m["kcpu"],
               "" if m["pcpu"] is None else
               " plugin_cpu_us_per_row=%.2f plugin_cs_per_row=%.1f"
               % (m["pcpu"], m["pcs"])))
    if base:
        for key in ("wasmext", "python"):
            if key in med:
                say("kuiperd_added variant=%s us_per_row=%.2f"
                    % (key, 1e6 / med[key]["rows_s"] - 1e6 / base))
    if "wasmext" in med and "python" in med:
        say("kuiperd_speedup wasmext_vs_python=%.2f"
            % (med["wasmext"]["rows_s"] / med["python"]["rows_s"]))
    none = (exec_lines or {}).get(("ekuiper_exec_fib%d" % FIB_ARG, "none",
                                   ""))
    if none:
        mean = 1e6 / none["calls/s"]
        p50 = none["p50_us"]
        say("kuiperd_own_work fib(%d) us_per_call_mean=%.2f p50_us=%.2f "
            "target_us=3 holds=%s" % (FIB_ARG, mean, p50,
                                      "yes" if p50 < 3 else "NO"))
    floors = {}
    for (name, client, plugin), f in (exec_lines or {}).items():
        if name == "ekuiper_rtt_floor":
            floors[(plugin, client)] = f
            say("kuiperd_rtt_floor plugin=%s client=%s us_mean=%.2f "
                "p50_us=%.2f" % (plugin, client, 1e6 / f["calls/s"],
                                 f["p50_us"]))
    if base and "wasmext" in med and none:
        added = 1e6 / med["wasmext"]["rows_s"] - 1e6 / base
        own = 1e6 / none["calls/s"]
        table += [
            "",
            "wasmext plugin adds %.2f us/row over the built-in:" % added,
            "  our own work per call, in process, %.2f us (p50 %.2f us; "
            "target < 3 us at the median: %s)"
            % (own, none["p50_us"],
               "holds" if none["p50_us"] < 3 else "DOES NOT HOLD"),
            "  the rest, %.2f us, is the IPC round trip and eKuiper's side "
            "of the portable call" % (added - own)]
        if med["wasmext"]["pcpu"] is not None:
            table.append(
                "  CPU per row in this run: the plugin process %.2f us (its "
                "NNG I/O included)%s; kuiperd %.2f us, against %.2f us with "
                "the built-in"
                % (med["wasmext"]["pcpu"],
                   "" if "python" not in med else
                   ", the Python SDK plugin's %.2f us" % med["python"]["pcpu"],
                   med["wasmext"]["kcpu"], med["builtin"]["kcpu"]))
        for key, what in ((("raw", "raw"), "raw Unix sockets"),
                          (("nng", "nng"), "NNG on both ends")):
            if key in floors:
                table.append("  bare round trip (fixed reply, no work), %s: "
                             "p50 %.2f us, mean %.2f us"
                             % (what, floors[key]["p50_us"],
                                1e6 / floors[key]["calls/s"]))
    for line in table:
        say(line)
    for f in fails:
        say("kuiperd_fail " + f)
    say("kuiperd_result %s" % ("FAIL" if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
