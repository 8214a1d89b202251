#!/usr/bin/env python3
"""The engine benchmark suite: builds the workloads, runs every engine side
by side, checks that all of them compute native's checksum, and prints (and
writes) the table. See bench/README.md.

    bench/run.sh [--build-dir DIR] [--runs N] [--quick] [WORKLOAD...]

Every driver speaks one line protocol on stdout: "run CHECKSUM MS" per call
of run(), "calls CHECKSUM TOTAL_MS" for the call benchmark and
"load BYTES MS" per load. wabt's wasm-interp has no such driver: it runs
the module's only exported function through --run-all-exports and the
whole process is timed.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
WORKLOAD_DIR = os.path.join(BENCH_DIR, "workloads")
DRIVER_DIR = os.path.join(BENCH_DIR, "drivers")

# name, WL_SIZE, label, and the --quick mode's WL_SIZE and WL_DATA_MB (None:
# the workload's default). Sizes are chosen so that native gcc -O2 takes
# roughly 50-200 ms on the team's machine (see README.md).
WORKLOADS = [
    ("fib", 38, "fib(n), recursive", 27, None),
    ("intmix", 6000, "CoreMark-like integer mix, iterations", 200, None),
    ("sha256", 1, "SHA-256 of 16 MB, passes", 1, 1),
    ("nbody", 1000000, "n-body f64, steps", 20000, None),
    ("tokenize", 8, "JSON-like tokenizer over 4 MB, passes", 1, 1),
    ("tailcall", 10000000, "tail calls (return_call), calls", 100000, None),
    ("exceptions", 1000000, "throw in a callee + catch (legacy try), throws",
     1000000, None),
    ("simd", 100, "SIMD dot product + 3x3 filter, passes", 1, None),
]

# Workloads that are rows of the table only: outside the geomean and the
# targets (tailcall, exceptions and simd measure features added later,
# not the engine's speed on the suite the targets were set for).
ROW_ONLY = {"tailcall", "exceptions", "simd"}

# Per workload: clang flags for its wasm build, wasm-interp's flags to
# run it, and why wasm2c cannot (its column is then n/a).
WASM_FEATURE_CFLAGS = {"tailcall": ["-mtail-call"], "simd": ["-msimd128"]}
INTERP_FLAGS = {"tailcall": ["--enable-tail-call"],
                "exceptions": ["--enable-exceptions"]}
NO_WASM2C = {"tailcall": "wasm2c 1.0.32 has no tail calls",
             "exceptions": "not wired: wasm2c needs --enable-exceptions "
                           "and its exception runtime",
             "simd": "wasm2c 1.0.32 cannot translate SIMD"}
# gcc flags of the native build per workload: the SIMD workload's vectors
# as SSE4.1 on x86-64 (other hosts: gcc's default vector code).
NATIVE_FEATURE_CFLAGS = (
    {"simd": ["-msse4.1"]} if platform.machine() in ("x86_64", "AMD64")
    else {})

# Why wasm-interp cannot run a workload (its column is then n/a).
NO_INTERP = {"exceptions": "wabt 1.0.32's interpreter aborts on it "
                           "(interp.cc:1101, Thread::Pick assertion), as on "
                           "a one-throw module of the same shape"}

# Workloads whose wasm build is text (workloads/NAME.wat, wat2wasm with
# these flags) because clang cannot make it from C; their .c only gives
# the native checksum.
WAT_WORKLOADS = {"exceptions": ["--enable-exceptions"]}

ENGINES = ["native", "ours", "wasm-interp", "wasm2c", "node"]

# Targets from the issue, shown next to the figures.
TARGET_GEOMEAN = 9.0  # ours / native, geometric mean
TARGET_VS_INTERP = 25.0  # ours at least this much faster, each workload
TARGET_CALL_NS = 10.0  # per host->guest add(i32, i32) call
TARGET_LOAD_MS = 25.0  # wx_module_load of the >= 1 MB module

# Sections of bench/coldload.py, run after the table (fresh processes each).
COLDLOAD_SECTIONS = ["coldload", "startup"]

CALLS = 10_000_000
LOAD_FUNCS = 6000  # about 1.2 MB of wasm

WASM_CFLAGS = ["--target=wasm32", "-O2", "-ffreestanding", "-nostdlib",
               "-Wl,--no-entry"]
NATIVE_CFLAGS = ["-O2"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ tools

class Tools:
    """Finds the tools; a missing one turns its column into "n/a"."""

    def __init__(self, build_dir):
        self.clang = shutil.which("clang")
        self.gcc = shutil.which("gcc")
        self.wasm_interp = shutil.which("wasm-interp")
        self.wasm2c = shutil.which("wasm2c")
        self.wat2wasm = shutil.which("wat2wasm")
        self.node = shutil.which("node")
        self.wxbench = os.path.join(build_dir, "bench", "wxbench")
        if not os.access(self.wxbench, os.X_OK):
            self.wxbench = None
        self.w2c_rt = None
        for d in ["/usr/src/wasm2c", "/usr/share/wabt/wasm2c",
                  "/usr/local/share/wabt/wasm2c", "/usr/include/wabt"]:
            if (os.path.exists(os.path.join(d, "wasm-rt.h")) and
                    os.path.exists(os.path.join(d, "wasm-rt-impl.c"))):
                self.w2c_rt = d
                break
        if not (self.wasm2c and self.w2c_rt and self.gcc):
            self.wasm2c = None

    def missing(self):
        names = {"clang": self.clang, "gcc": self.gcc,
                 "wasm-interp": self.wasm_interp,
                 "wasm2c (+ runtime)": self.wasm2c, "node": self.node,
                 "wxbench": self.wxbench}
        return [k for k, v in names.items() if not v]


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "n/a"


# ------------------------------------------------------------------ build

class Builder:
    """Builds into the work directory, skipping steps whose command line
    and inputs did not change (a stamp file holds their hash)."""

    def __init__(self, work):
        self.work = work
        os.makedirs(work, exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def step(self, out, cmd, inputs, cwd=None, stdout_to=None):
        h = hashlib.sha256(json.dumps(cmd).encode())
        for p in inputs:
            with open(p, "rb") as f:
                h.update(f.read())
        key = h.hexdigest()
        stamp = out + ".stamp"
        if os.path.exists(out) and os.path.exists(stamp):
            with open(stamp) as f:
                if f.read() == key:
                    return True
        os.makedirs(os.path.dirname(out), exist_ok=True)
        try:
            if stdout_to:
                with open(stdout_to, "w") as f:
                    r = subprocess.run(cmd, cwd=cwd, stdout=f,
                                       stderr=subprocess.PIPE, text=True)
            else:
                r = subprocess.run(cmd, cwd=cwd, capture_output=True,
                                   text=True)
        except OSError as e:
            log(f"build: {cmd[0]}: {e}")
            return False
        if r.returncode != 0:
            log(f"build failed: {' '.join(cmd)}\n{r.stderr.strip()}")
            return False
        with open(stamp, "w") as f:
            f.write(key)
        return True


def wl_source(name):
    return os.path.join(WORKLOAD_DIR, name + ".c")


def size_defines(size):
    """-D options for a (WL_SIZE, WL_DATA_MB) pair; None means default."""
    names = ("WL_SIZE", "WL_DATA_MB")
    return [f"-D{n}={v}" for n, v in zip(names, size or ()) if v is not None]


def build_wasm(b, tools, name, size, export):
    src = wl_source(name)
    out = b.path(name, name + ".wasm")
    if name in WAT_WORKLOADS:
        wat = os.path.join(WORKLOAD_DIR, name + ".wat")
        if not tools.wat2wasm:
            return None
        cmd = [tools.wat2wasm] + WAT_WORKLOADS[name] + [wat, "-o", out]
        return out if b.step(out, cmd, [wat]) else None
    cmd = ([tools.clang] + WASM_CFLAGS + WASM_FEATURE_CFLAGS.get(name, []) +
           size_defines(size) +
           [f"-Wl,--export={export}", "-I", WORKLOAD_DIR, src, "-o", out])
    ok = b.step(out, cmd, [src, os.path.join(WORKLOAD_DIR, "wl.h")])
    return out if ok else None


def build_native(b, tools, name, size):
    src = wl_source(name)
    main = os.path.join(DRIVER_DIR, "native_main.c")
    out = b.path(name, "native")
    cmd = ([tools.gcc] + NATIVE_CFLAGS + NATIVE_FEATURE_CFLAGS.get(name, []) +
           size_defines(size) +
           ["-I", WORKLOAD_DIR, src, main, "-o", out, "-lm"])
    ok = b.step(out, cmd, [src, main, os.path.join(WORKLOAD_DIR, "wl.h")])
    return out if ok else None


def build_wasm2c(b, tools, name, wasm, calls=False):
    d = b.path(name, "w2c")
    csrc = os.path.join(d, "bm.c")
    if not b.step(csrc, [tools.wasm2c, "-n", "bm", wasm, "-o", csrc],
                  [wasm]):
        return None
    main = os.path.join(DRIVER_DIR, "w2c_main.c")
    rt = tools.w2c_rt
    out = os.path.join(d, "w2c")
    cmd = [tools.gcc] + NATIVE_CFLAGS + [
        "-w", "-I", d, "-I", rt, csrc, os.path.join(rt, "wasm-rt-impl.c"),
        main, "-o", out, "-lm"]
    if calls:
        cmd.insert(2, "-DW2C_CALLS")
    ok = b.step(out, cmd, [csrc, main])
    return out if ok else None


def build_load_module(b, tools, funcs):
    gen = os.path.join(BENCH_DIR, "genload.py")
    csrc = b.path("load", "load.c")
    if not b.step(csrc, [sys.executable, gen, "--funcs", str(funcs)],
                  [gen], stdout_to=csrc):
        return None
    out = b.path("load", "load.wasm")
    cmd = [tools.clang, "--target=wasm32", "-O1", "-ffreestanding",
           "-nostdlib", "-Wl,--no-entry", "-Wl,--export-dynamic", "-w",
           csrc, "-o", out]
    log(f"building the load module ({funcs} functions; cached after the "
        "first run)...")
    return out if b.step(out, cmd, [csrc]) else None


# ---------------------------------------------------------------- running

class Result:
    """One engine on one benchmark: wall and CPU times (ms), checksum,
    status. `median` follows the clock chosen with --clock."""

    clock = "wall"
    BUSY = 1.2  # wall / CPU above this: the machine was busy

    def __init__(self, status, times=None, checksum=None, note="", cpu=None):
        self.status = status  # ok | wrong | fail | timeout | n/a
        self.times = times or []
        self.cpu = cpu or []
        self.checksum = checksum
        self.note = note

    @property
    def median(self):
        xs = self.cpu if self.clock == "cpu" else self.times
        return statistics.median(xs) if xs else None

    @property
    def busy(self):
        """True if waiting for a CPU inflated the wall time noticeably."""
        if not self.times or not self.cpu:
            return False
        cpu = statistics.median(self.cpu)
        return cpu > 0 and statistics.median(self.times) / cpu > self.BUSY

    def to_json(self):
        med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
        return {"status": self.status, "median_ms": self.median,
                "median_wall_ms": med(self.times),
                "median_cpu_ms": med(self.cpu),
                "min_wall_ms": min(self.times) if self.times else None,
                "wall_ms": self.times, "cpu_ms": self.cpu,
                "busy": self.busy, "checksum": self.checksum,
                "note": self.note}


def run_driver(cmd, kind, timeout):
    """Runs a driver and parses its "KIND VALUE WALL_MS CPU_MS" lines."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return Result("timeout", note=f"over {timeout:.0f} s")
    except OSError as e:
        return Result("fail", note=str(e))
    times, cpu, values = [], [], set()
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == kind:
            values.add(int(parts[1]))
            times.append(float(parts[2]))
            cpu.append(float(parts[3]))
    if r.returncode != 0 or not times:
        err = (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])
        return Result("fail", times, note=err[-1][:200], cpu=cpu)
    if len(values) != 1:
        return Result("wrong", times, note=f"checksums vary: {values}",
                      cpu=cpu)
    return Result("ok", times, values.pop(), cpu=cpu)


def timed_process(cmd, timeout):
    """Runs cmd; returns (completed process, wall ms, CPU ms)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    t1 = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    return r, (t1 - t0) * 1e3, cpu * 1e3


def run_interp(tools, wasm, timeout, runs, flags=()):
    """wasm-interp: whole-process wall time, load and start-up included."""
    times, cpu, value = [], [], None
    for _ in range(runs):
        try:
            r, wall, cpu_ms = timed_process(
                [tools.wasm_interp, *flags, wasm, "--run-all-exports"],
                timeout)
        except subprocess.TimeoutExpired:
            return Result("timeout", note=f"over {timeout:.0f} s")
        m = re.search(r"run\(\) => i32:(-?\d+)", r.stdout)
        if r.returncode != 0 or not m:
            return Result("fail", note=(r.stdout + r.stderr).strip()[-200:])
        value = int(m.group(1)) & 0xFFFFFFFF
        times.append(wall)
        cpu.append(cpu_ms)
    return Result("ok", times, value, cpu=cpu)


def check(res, expected):
    if res.status == "ok" and expected is not None and \
            res.checksum != expected:
        res.note = f"checksum {res.checksum}, native {expected}"
        res.status = "wrong"
    return res


def bench_workload(b, tools, args, name, size):
    log(f"== {name} ({' '.join(size_defines(size))})")
    res = {e: Result("n/a") for e in ENGINES}
    native = build_native(b, tools, name, size) if tools.gcc else None
    wasm = build_wasm(b, tools, name, size, "run") if tools.clang else None
    if native:
        res["native"] = run_driver([native, "run", str(args.runs)], "run",
                                   timeout=120)
    elif tools.gcc:
        res["native"] = Result("fail", note="build failed")
    if tools.clang and not wasm:
        for e in ENGINES[1:]:
            res[e] = Result("fail", note="wasm build failed")
    expected = res["native"].checksum if res["native"].status == "ok" \
        else None
    base = res["native"].median or 100.0
    if wasm:
        if tools.wxbench:
            # A stalled or very slow engine must not eat the whole budget.
            t = max(60.0, base * 100 * args.runs / 1e3)
            res["ours"] = run_driver([tools.wxbench, "run", wasm,
                                      str(args.runs)], "run", timeout=t)
        if tools.wasm_interp and name in NO_INTERP:
            res["wasm-interp"] = Result("n/a", note=NO_INTERP[name])
        elif tools.wasm_interp and args.interp_runs > 0:
            res["wasm-interp"] = run_interp(tools, wasm, timeout=300,
                                            runs=args.interp_runs,
                                            flags=INTERP_FLAGS.get(name, ()))
        if tools.wasm2c and name in NO_WASM2C:
            res["wasm2c"] = Result("n/a", note=NO_WASM2C[name])
        elif tools.wasm2c:
            exe = build_wasm2c(b, tools, name, wasm)
            if exe:
                res["wasm2c"] = run_driver([exe, "run", str(args.runs)],
                                           "run", timeout=120)
            else:
                res["wasm2c"] = Result("fail", note="build failed")
        if tools.node:
            drv = os.path.join(DRIVER_DIR, "node_driver.js")
            res["node"] = run_driver([tools.node, drv, "run", wasm,
                                      str(args.runs)], "run", timeout=120)
    for e in ENGINES:
        check(res[e], expected)
        r = res[e]
        med = f"{r.median:.1f} ms" if r.median is not None else ""
        log(f"   {e:12} {r.status:8} {med} {r.note}")
    return res


def bench_calls(b, tools, args):
    n = CALLS if not args.quick else CALLS // 20
    log(f"== host->guest calls of add(i32, i32) x {n}")
    res = {e: Result("n/a") for e in ENGINES}
    native = build_native(b, tools, "add", None) if tools.gcc else None
    wasm = build_wasm(b, tools, "add", None, "add") if tools.clang else None
    runs = str(n)
    reps = max(1, min(args.runs, 3))

    def repeat(cmd):
        """The drivers make one timed loop per process; run a few."""
        out = None
        for _ in range(reps):
            r = run_driver(cmd, "calls", timeout=120)
            if r.status != "ok":
                return r
            if out is None:
                out = r
            elif r.checksum != out.checksum:
                return Result("wrong", note="checksums vary")
            else:
                out.times += r.times
                out.cpu += r.cpu
        return out

    if native:
        res["native"] = repeat([native, "calls", runs])
    if wasm and tools.wxbench:
        res["ours"] = repeat([tools.wxbench, "calls", wasm, runs])
    if wasm and tools.wasm2c:
        exe = build_wasm2c(b, tools, "add", wasm, calls=True)
        res["wasm2c"] = repeat([exe, "calls", runs]) if exe else \
            Result("fail", note="build failed")
    if wasm and tools.node:
        res["node"] = repeat([tools.node,
                              os.path.join(DRIVER_DIR, "node_driver.js"),
                              "calls", wasm, runs])
    expected = (n * (n - 1) // 2) & 0xFFFFFFFF
    for e in ENGINES:
        check(res[e], expected)
        r = res[e]
        if r.median is not None:
            r.note = r.note or f"{r.median * 1e6 / n:.2f} ns/call"
        log(f"   {e:12} {r.status:8} {r.note}")
    return res, n


def bench_load(b, tools, args):
    funcs = LOAD_FUNCS if not args.quick else LOAD_FUNCS // 10
    res = {e: Result("n/a") for e in ENGINES}
    wasm = build_load_module(b, tools, funcs) if tools.clang else None
    if not wasm:
        if tools.clang:
            res["ours"] = Result("fail", note="load module build failed")
        return res, 0
    size = os.path.getsize(wasm)
    log(f"== load (decode + validate + compile) of {size} bytes")
    if tools.wxbench:
        r = run_driver([tools.wxbench, "load", wasm, str(args.runs)], "load",
                       timeout=120)
        if r.status == "ok" and r.checksum != size:
            r.status, r.note = "wrong", "size mismatch"
        res["ours"] = r
    if tools.wasm_interp:
        # Whole process: start-up, read, decode, validate, instantiate.
        times, cpu = [], []
        for _ in range(max(1, min(args.runs, 3))):
            try:
                p, wall, cpu_ms = timed_process([tools.wasm_interp, wasm],
                                                120)
            except subprocess.TimeoutExpired:
                times = None
                res["wasm-interp"] = Result("timeout", note="over 120 s")
                break
            if p.returncode != 0:
                times = None
                res["wasm-interp"] = Result("fail", note=p.stderr[-200:])
                break
            times.append(wall)
            cpu.append(cpu_ms)
        if times:
            res["wasm-interp"] = Result("ok", times, size,
                                        "whole process", cpu=cpu)
    if tools.node:
        # Eager compilation, or V8 would only validate lazily; the driver
        # makes every compile's bytes unique to defeat V8's module cache.
        r = run_driver([tools.node, "--no-wasm-lazy-compilation",
                        os.path.join(DRIVER_DIR, "node_driver.js"), "load",
                        wasm, str(args.runs)], "load", timeout=120)
        if r.status == "ok":
            r.checksum = size
            r.note = "eager Liftoff compile, background threads"
        res["node"] = r
    for e in ENGINES:
        r = res[e]
        med = f"{r.median:.2f} ms" if r.median is not None else ""
        log(f"   {e:12} {r.status:8} {med} {r.note}")
    return res, size


# ------------------------------------------------------------- reporting

def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_ms(ms):
    if ms is None:
        return "n/a"
    if ms >= 1000:
        return f"{ms:,.0f}"
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def fmt_x(x):
    if x is None:
        return ""
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 10 \
        else f"{x:.2f}x"


def cell(r, native_ms):
    if r.status == "n/a":
        return "n/a"
    if r.status != "ok":
        return r.status.upper()
    ratio = r.median / native_ms if native_ms else None
    return f"{busy_mark(r)}{fmt_ms(r.median)} ({fmt_x(ratio)})"


def busy_mark(r):
    """"~" before a wall-clock figure that waiting for a CPU inflated."""
    return "~" if Result.clock == "wall" and r.busy else ""


def verdict(value, ok):
    return "n/a" if value is None else "PASS" if ok else "MISS"


def summarize(results, calls, load, workloads):
    """Computes ratios, geomeans and the target checks."""
    ratios = {e: [] for e in ENGINES}
    complete = {e: True for e in ENGINES}
    speedup = {}
    for name, _size, _label in workloads:
        res = results[name]
        o, i = res["ours"], res["wasm-interp"]
        speedup[name] = (i.median / o.median
                         if o.status == "ok" and i.status == "ok" else None)
        if name in ROW_ONLY:
            continue
        nat = res["native"].median if res["native"].status == "ok" else None
        for e in ENGINES:
            r = res[e]
            if r.status == "ok" and nat:
                ratios[e].append(r.median / nat)
            else:
                complete[e] = False
    geo = {e: geomean(ratios[e]) for e in ENGINES}
    call_res, ncalls = calls
    load_res, load_size = load
    call_ns = {e: (call_res[e].median * 1e6 / ncalls
                   if call_res[e].status == "ok" and ncalls else None)
               for e in ENGINES}
    load_ms = {e: (load_res[e].median if load_res[e].status == "ok"
                   else None) for e in ENGINES}
    targets = []
    # A failed workload fails the target, but the partial figure still
    # says how far the rest is.
    g = geo["ours"]
    targets.append(("ours geomean vs native",
                    (fmt_x(g) + ("" if complete["ours"] else " (partial)"))
                    if g else "n/a", f"<= {TARGET_GEOMEAN:g}x",
                    verdict(g, g is not None and complete["ours"] and
                            g <= TARGET_GEOMEAN)))
    counted = [w[0] for w in workloads if w[0] not in ROW_ONLY]
    sp = [speedup[k] for k in counted if speedup[k] is not None]
    worst = min((k for k in counted if speedup[k] is not None),
                key=lambda k: speedup[k], default=None)
    ok_sp = bool(sp) and len(sp) == len(counted) and \
        min(sp) >= TARGET_VS_INTERP
    targets.append(("ours faster than wasm-interp (min)",
                    f"{fmt_x(min(sp))} ({worst})" if sp else "n/a",
                    f">= {TARGET_VS_INTERP:g}x each",
                    verdict(sp or None, ok_sp)))
    c = call_ns["ours"]
    targets.append(("host->guest add call", f"{c:.2f} ns" if c else "n/a",
                    f"<= {TARGET_CALL_NS:g} ns",
                    verdict(c, c is not None and c <= TARGET_CALL_NS)))
    lm = load_ms["ours"]
    targets.append((f"load {load_size / 1e6:.2f} MB module" if load_size
                    else "load of the >= 1 MB module",
                    f"{lm:.1f} ms" if lm else "n/a",
                    f"< {TARGET_LOAD_MS:g} ms",
                    verdict(lm, lm is not None and lm < TARGET_LOAD_MS)))
    return {"ratios": ratios, "geomean": geo, "complete": complete,
            "speedup": speedup, "call_ns": call_ns, "load_ms": load_ms,
            "load_size": load_size, "ncalls": ncalls, "targets": targets}


def render_table(results, calls, loads, summary, workloads, md):
    """The table as text lines (markdown when md, else aligned columns)."""
    head = ["workload"] + [f"{e} ms" for e in ENGINES] + ["ours vs interp"]
    rows = []
    for name, size, label in workloads:
        res = results[name]
        nat = res["native"].median if res["native"].status == "ok" else None
        row = [f"{name} ({size[0]}" +
               (", outside geomean)" if name in ROW_ONLY else ")")]
        for e in ENGINES:
            row.append(busy_mark(res[e]) + fmt_ms(nat)
                       if e == "native" and nat else cell(res[e], nat))
        s = summary["speedup"][name]
        row.append(fmt_x(s) if s else "n/a")
        rows.append(row)
    geo_row = ["geomean vs native"]
    for e in ENGINES:
        g = summary["geomean"][e]
        txt = fmt_x(g) if g else "n/a"
        if g and not summary["complete"][e]:
            txt += " (partial)"
        geo_row.append("1x" if e == "native" else txt)
    sp = [s for k, s in summary["speedup"].items() if s and k not in ROW_ONLY]
    geo_row.append(fmt_x(geomean(sp)) if sp else "n/a")
    rows.append(geo_row)
    n = summary["ncalls"]
    call_row = [f"add() call, ns ({n:,} calls)" if n else "add() call, ns"]
    for e in ENGINES:
        v = summary["call_ns"][e]
        call_row.append(f"{busy_mark(calls[e])}{v:.2f}" if v else "n/a")
    call_row.append("")
    size = summary["load_size"]
    load_row = [f"load {size / 1e6:.2f} MB, ms" if size else "load, ms"]
    for e in ENGINES:
        v = summary["load_ms"][e]
        mbs = summary["load_size"] / 1e6 / (v / 1e3) if v else 0
        load_row.append(f"{busy_mark(loads[e])}{fmt_ms(v)} ({mbs:.0f} MB/s)"
                        if v else "n/a")
    load_row.append("")
    rows += [call_row, load_row]

    if md:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(r[i]) for r in [head] + rows)
                  for i in range(len(head))]
        line = lambda r: "  ".join(  # noqa: E731
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths)))
        out = [line(head), "-" * len(line(head))]
        out += [line(r) for r in rows[:-3]]
        out += ["-" * len(line(head))] + [line(r) for r in rows[-3:]]
    out.append("")
    out.append("Targets:" if not md else "**Targets**")
    out.append("")
    for what, value, target, v in summary["targets"]:
        if md:
            out.append(f"- {what}: {value} (target {target}): {v}")
        else:
            out.append(f"  {what:36} {value:>18}  target {target:14} {v}")
    return out


def problems(results, calls, load):
    bad = []
    for name, res in list(results.items()) + [("calls", calls[0]),
                                              ("load", load[0])]:
        for e, r in res.items():
            if r.status not in ("ok", "n/a"):
                bad.append(f"{name}/{e}: {r.status} {r.note}".strip())
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads", nargs="*",
                    help="run only these (default: all); "
                         "'calls' and 'load' name the other two benchmarks, "
                         "'coldload' and 'startup' bench/coldload.py's")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                    help="the cmake build dir holding bench/wxbench")
    ap.add_argument("--runs", type=int, default=5,
                    help="timed runs per engine (median reported)")
    ap.add_argument("--interp-runs", type=int, default=1,
                    help="runs for wasm-interp (0 skips it)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="report wall time (default) or the CPU time of "
                         "the timed span (steadier on a busy machine)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes, one run: checks the harness only")
    args = ap.parse_args()
    if args.quick:
        args.runs = 1
    Result.clock = args.clock
    build_dir = os.path.abspath(args.build_dir)
    out_dir = os.path.join(build_dir, "bench")
    tools = Tools(build_dir)
    if tools.missing():
        log("not found (their columns say n/a): " +
            ", ".join(tools.missing()))
    b = Builder(os.path.join(out_dir, "work-quick" if args.quick
                             else "work"))

    known = [w[0] for w in WORKLOADS] + ["calls", "load"]
    for w in args.workloads:
        if w not in known + COLDLOAD_SECTIONS:
            ap.error(f"unknown workload {w!r}; known: "
                     f"{', '.join(known + COLDLOAD_SECTIONS)}")
    chosen = set(args.workloads or known + COLDLOAD_SECTIONS)
    cold = [s for s in COLDLOAD_SECTIONS if s in chosen]
    if chosen <= set(COLDLOAD_SECTIONS):
        return run_coldload(build_dir, args, cold)
    t_start = time.time()
    load_before = os.getloadavg()[0]
    workloads = [(n, (q, qmb) if args.quick else (s, None), label)
                 for n, s, label, q, qmb in WORKLOADS if n in chosen]
    results = {n: bench_workload(b, tools, args, n, s)
               for n, s, _ in workloads}
    calls = bench_calls(b, tools, args) if "calls" in chosen else \
        ({e: Result("n/a") for e in ENGINES}, 0)
    load = bench_load(b, tools, args) if "load" in chosen else \
        ({e: Result("n/a") for e in ENGINES}, 0)
    summary = summarize(results, calls, load, workloads)

    env = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(), "cpu": cpu_model(),
        "cores": os.cpu_count(), "runs": args.runs,
        "interp_runs": args.interp_runs, "quick": args.quick,
        "gcc": version(["gcc", "--version"]),
        "clang": version(["clang", "--version"]),
        "wabt": version(["wasm-interp", "--version"]),
        "node": version(["node", "--version"]),
        "wxbench": tools.wxbench, "seconds": round(time.time() - t_start),
        "clock": args.clock,
        # The machine is shared: a high load average means noisy figures.
        "loadavg_start": load_before, "loadavg_end": os.getloadavg()[0],
    }
    text = render_table(results, calls[0], load[0], summary, workloads,
                        md=False)
    caption = (
        f"Median {args.clock} time in ms over {args.runs} runs (wasm-interp: "
        f"{args.interp_runs}, whole process); (Nx) = time / native gcc -O2. "
        f"Load average {env['loadavg_start']:.1f} -> "
        f"{env['loadavg_end']:.1f} on {env['cores']} cores; ~ marks a "
        f"figure whose wall time exceeded its CPU time by over "
        f"{(Result.BUSY - 1) * 100:.0f}% (busy machine: inflated).")
    print()
    print(caption)
    print("\n".join(text))
    bad = problems(results, calls, load)
    if bad:
        print("\nFailed (a wrong checksum is a failed benchmark):")
        for p in bad:
            print("  " + p)

    os.makedirs(out_dir, exist_ok=True)
    md = render_table(results, calls[0], load[0], summary, workloads,
                      md=True)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(f"# wasmext benchmarks, {env['date']}\n\n")
        f.write(f"{env['cpu']}. {caption}\n\n")
        f.write("\n".join(md) + "\n")
        if bad:
            f.write("\nFailed:\n\n" + "".join(f"- {p}\n" for p in bad))
    doc = {
        "env": env,
        "workloads": {n: {"size": s[0], "data_mb": s[1], "label": label,
                          "engines": {e: results[n][e].to_json()
                                      for e in ENGINES}}
                      for n, s, label in workloads},
        "calls": {"n": calls[1], "engines": {
            e: dict(calls[0][e].to_json(), ns_per_call=summary["call_ns"][e])
            for e in ENGINES}},
        "load": {"bytes": load[1], "engines": {
            e: dict(load[0][e].to_json(),
                    mb_per_s=(load[1] / 1e6 / (summary["load_ms"][e] / 1e3)
                              if summary["load_ms"][e] else None))
            for e in ENGINES}},
        "geomean_vs_native": summary["geomean"],
        "ours_speedup_vs_wasm_interp": summary["speedup"],
        "targets": [dict(zip(["what", "value", "target", "verdict"], t))
                    for t in summary["targets"]],
        "failures": bad,
    }
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\nwritten: {out_dir}/results.json, {out_dir}/results.md "
          f"({env['seconds']} s)")
    rc = 1 if bad else 0
    if cold:
        rc |= run_coldload(build_dir, args, cold)
    return rc


def run_coldload(build_dir, args, sections):
    """Cold load and start-up against wasm3 (bench/coldload.py, which
    prints its own tables): fresh processes, so not part of the table
    above."""
    print("\n== cold load and start-up (bench/coldload.py)", flush=True)
    cmd = [sys.executable, os.path.join(BENCH_DIR, "coldload.py"),
           build_dir] + sections
    cmd += ["--quick"] if args.quick else []
    return 1 if subprocess.run(cmd).returncode != 0 else 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
