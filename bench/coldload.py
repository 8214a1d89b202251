#!/usr/bin/env python3
"""Cold load and start-up, ours against wasm3: what a process that loads
one module once pays. See bench/README.md, "Cold load and start-up".

    bench/coldload.py [--runs N] [--quick] BUILD-DIR [coldload] [startup]

coldload: wx_module_load (decode + validate + compile) as the first thing a
fresh process does, on four modules, next to wasm3's parse + load (lazy:
wasm3 compiles a function when it is first called) and parse + load +
compile of every function; medians over N processes.

startup: whole processes, `wasmext run` of an empty command and of a C
hello world, next to the same run with only the engine and the WASI host
linked (bench/drivers/wasi_run.c) and to wasm3; median CPU time (user +
system) over N processes.

Everything built or written goes under BUILD-DIR/bench/coldload/ (wasm3
under BUILD-DIR/bench/wasm3/, made by bench/wasm3.sh); the tables also go
to BUILD-DIR/bench/coldload.md and coldload.json. Exit status 1 if a
driver failed or a command printed the wrong output; a missing tool
(wasm3's download, clang's wasm32-wasi, cargo) gives n/a, not a failure.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
DRIVERS = os.path.join(BENCH_DIR, "drivers")
CFLAGS = ["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"]

# (module (func (export "_start"))): the least a WASI command can be.
EMPTY_WASM = (b"\x00asm\x01\x00\x00\x00"
              b"\x01\x04\x01\x60\x00\x00"          # type 0: [] -> []
              b"\x03\x02\x01\x00"                  # func 0: type 0
              b"\x07\x0a\x01\x06_start\x00\x00"    # export "_start" func 0
              b"\x0a\x04\x01\x02\x00\x0b")         # body: end
HELLO_OUT = "hello\n"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ build

def newer(out, inputs):
    """True if out exists and is newer than every input."""
    if not os.path.exists(out):
        return False
    t = os.path.getmtime(out)
    return all(os.path.getmtime(p) <= t for p in inputs)


def run_quiet(cmd, what, env=None, cwd=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode != 0:
        log(f"{what} failed: {' '.join(cmd)}\n{(r.stderr or r.stdout)[-2000:]}")
        return False
    return True


def build_driver(build, work, name, libs, includes):
    src = os.path.join(DRIVERS, name + ".c")
    out = os.path.join(work, name)
    libs = [os.path.join(build, lib) for lib in libs]
    missing = [lib for lib in libs if not os.path.exists(lib)]
    if missing:
        log(f"{name}: not built ({', '.join(missing)} missing)")
        return None
    if newer(out, [src, os.path.join(DRIVERS, "stamp.h")] + libs):
        return out
    cc = os.environ.get("CC", "cc")
    cmd = ([cc] + CFLAGS + [f"-I{os.path.join(ROOT, i)}" for i in includes] +
           [f"-I{DRIVERS}", src] + libs + ["-lm", "-lpthread", "-o", out])
    return out if run_quiet(cmd, f"building {name}") else None


def build_wasm3(build):
    r = subprocess.run(["sh", os.path.join(BENCH_DIR, "wasm3.sh"), build],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"wasm3: n/a ({r.stderr.strip()[-300:]})")
        return None
    return r.stdout.strip().splitlines()[-1]


def build_hello(work):
    src = os.path.join(BENCH_DIR, "coldload", "hello.c")
    out = os.path.join(work, "hello.wasm")
    if newer(out, [src]):
        return out
    clang = shutil.which("clang")
    if not clang:
        log("hello.wasm: n/a (no clang)")
        return None
    ok = run_quiet([clang, "--target=wasm32-wasi", "-O2", src, "-o", out],
                   "hello.wasm (clang --target=wasm32-wasi, wasi-libc)")
    return out if ok else None


def build_rust_debug(build, work):
    """examples/plugins/create_line as a release build that keeps its line
    tables and the debug sections of Rust's standard library (strip off),
    as shipped for readable backtraces: megabytes of custom sections around
    about 110 KB of code. Uses the example's vendored crates (building
    the example first if needed), offline; cached."""
    ex = os.path.join(build, "examples", "plugins", "create_line")
    out = os.path.join(work, "create_line-debug.wasm")
    crate = os.path.join(ex, "crate")
    cargo, rustc = "/usr/bin/cargo", "/usr/bin/rustc"  # as cmake/rust.cmake
    if not (os.access(cargo, os.X_OK) and os.access(rustc, os.X_OK)):
        log("create_line-debug.wasm: n/a (no Debian cargo and rustc)")
        return None
    if not os.path.exists(os.path.join(ex, "vendor.stamp")):
        log("building the create_line example (fetches its crates once)...")
        if not run_quiet(["cmake", "--build", build, "--target",
                          "wx_example_create_line"], "wx_example_create_line"):
            return None
    srcs = [os.path.join(crate, f) for f in ("Cargo.toml", "Cargo.lock")]
    srcs += [os.path.join(crate, "src", f)
             for f in os.listdir(os.path.join(crate, "src"))]
    if newer(out, srcs):
        return out
    log("building create_line with debug info (about a minute, once)...")
    target = os.path.join(work, "rust-target")
    env = dict(os.environ, CARGO_HOME=os.path.join(ex, "cargo-home"),
               RUSTC=rustc, CARGO_TARGET_DIR=target,
               CARGO_PROFILE_RELEASE_DEBUG="1",
               CARGO_PROFILE_RELEASE_STRIP="false")
    for k in ("RUSTFLAGS", "CARGO_BUILD_TARGET"):
        env.pop(k, None)
    if not run_quiet([cargo, "build", "--quiet", "--release", "--frozen",
                      "--target", "wasm32-wasi", "--manifest-path",
                      os.path.join(crate, "Cargo.toml")],
                     "cargo build (create_line, debug info)", env=env):
        return None
    shutil.copyfile(os.path.join(target, "wasm32-wasi", "release",
                                 "create_line.wasm"), out)
    return out


def modules(build, work, quick):
    """(label, path or None) of the cold-load modules, largest first."""
    empty = os.path.join(work, "empty.wasm")
    with open(empty, "wb") as f:
        f.write(EMPTY_WASM)
    stripped = os.path.join(build, "examples", "plugins", "create_line",
                            "create_line.wasm")
    out = []
    if not quick:
        out.append(("Rust create_line, debug info",
                    build_rust_debug(build, work)))
    out.append(("Rust create_line, stripped",
                stripped if os.path.exists(stripped) else None))
    out.append(("C hello (wasi-libc)", build_hello(work)))
    out.append(("empty (_start only)", empty))
    return out


# ---------------------------------------------------------------- running

def process(cmd, timeout=60):
    """Runs cmd to its end; (completed, wall ms, CPU ms of the process)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    t1 = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    return r, (t1 - t0) * 1e3, cpu * 1e3


def med(xs):
    return statistics.median(xs) if xs else None


def load_runs(cmd, runs, kinds):
    """N processes of a load driver; per line kind, the medians of
    "KIND BYTES WALL_MS CPU_MS MINFLT", plus the processes' CPU."""
    got = {k: {"wall": [], "cpu": [], "faults": []} for k in kinds}
    proc = []
    for _ in range(runs):
        try:
            r, _wall, cpu = process(cmd)
        except subprocess.TimeoutExpired:
            return {"status": "timeout"}
        if r.returncode != 0:
            return {"status": "fail", "note": r.stderr.strip()[-200:]}
        proc.append(cpu)
        for line in r.stdout.splitlines():
            p = line.split()
            if len(p) == 5 and p[0] in got:
                got[p[0]]["wall"].append(float(p[2]))
                got[p[0]]["cpu"].append(float(p[3]))
                got[p[0]]["faults"].append(int(p[4]))
    out = {"status": "ok", "process_cpu_ms": med(proc)}
    for k, v in got.items():
        if len(v["cpu"]) != runs:
            return {"status": "fail", "note": f"no '{k}' line"}
        out[k] = {"cpu_ms": med(v["cpu"]), "wall_ms": med(v["wall"]),
                  "faults": med(v["faults"])}
    return out


def bench_coldload(build, work, runs, quick, w3):
    ours = build_driver(build, work, "coldload", ["libwxengine.a"],
                        ["include"])
    rows = []
    for label, path in modules(build, work, quick):
        row = {"module": label, "path": path,
               "bytes": os.path.getsize(path) if path else None}
        log(f"== cold load: {label}")
        row["ours"] = (load_runs([ours, path], runs, ["coldload"])
                       if ours and path else {"status": "n/a"})
        row["wasm3"] = (load_runs([w3, "load", path], runs,
                                  ["lazy", "coldload"])
                        if w3 and path else {"status": "n/a"})
        rows.append(row)
    return rows


def start_runs(cases, runs):
    """Runs every (cmd, expect) of cases (a dict) `runs` times, one round
    of all at a time, so that a busy spell of the machine falls on all of
    them alike; a dict of results by the same keys."""
    cpu = {k: [] for k in cases}
    wall = {k: [] for k in cases}
    out = {}
    for _ in range(runs):
        for k, (cmd, expect) in cases.items():
            if k in out:
                continue  # failed already
            try:
                r, w, c = process(cmd)
            except subprocess.TimeoutExpired:
                out[k] = {"status": "timeout"}
                continue
            if r.returncode != 0 or r.stdout != expect:
                out[k] = {"status": "fail",
                          "note": f"exit {r.returncode}, stdout "
                                  f"{r.stdout[:40]!r}, "
                                  f"{r.stderr.strip()[-160:]}"}
                continue
            cpu[k].append(c)
            wall[k].append(w)
    for k in cases:
        out.setdefault(k, {"status": "ok", "cpu_ms": med(cpu[k]),
                           "wall_ms": med(wall[k])})
    return out


def shared_libs(exe):
    """How many shared objects the dynamic loader maps for exe (ldd)."""
    r = subprocess.run(["ldd", exe], capture_output=True, text=True)
    if r.returncode != 0:
        return None  # static, or no ldd
    return sum(1 for line in r.stdout.splitlines()
               if "linux-vdso" not in line and line.strip())


def installed(work, exe):
    """A copy of exe under work/bin/, as `make install` leaves a binary.
    The kernel's page cache keeps a file the linker wrote in small pieces
    as single pages, and one written whole (a copy, an install, a read
    from disk) in large folios, which the page faults of a start-up map
    in fewer, cheaper steps: measured as linked, the same binary costs up
    to 0.05 ms more per process, and the bigger one (ours) more so. Every
    command is measured from a copy made the same way."""
    d = os.path.join(work, "bin")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, os.path.basename(exe))
    tmp = dst + ".tmp"
    shutil.copyfile(exe, tmp)
    shutil.copymode(exe, tmp)
    os.replace(tmp, dst)
    return dst


def bench_startup(build, work, runs, w3):
    wasmext = os.path.join(build, "wasmext")
    wasi_run = build_driver(build, work, "wasi_run",
                            [os.path.join("src", "host", "libwxwasi.a"),
                             "libwxengine.a"],
                            ["include", os.path.join("src", "host")])
    empty = os.path.join(work, "empty.wasm")
    with open(empty, "wb") as f:
        f.write(EMPTY_WASM)
    hello = build_hello(work)
    true = shutil.which("true")
    wasmext = installed(work, wasmext) if os.access(wasmext, os.X_OK) else None
    wasi_run = installed(work, wasi_run) if wasi_run else None
    w3 = installed(work, w3) if w3 else None
    runners = [
        ("wasmext run", [wasmext, "run"] if wasmext else None),
        ("engine + WASI only (wasi_run)", [wasi_run] if wasi_run else None),
        ("wasm3 (wasm3_run run)", [w3, "run"] if w3 else None),
    ]
    cases = {}
    for label, cmd in runners:
        for name, path, expect in (("empty", empty, ""),
                                   ("hello", hello, HELLO_OUT)):
            if cmd and path:
                cases[(label, name)] = (cmd + [path], expect)
    true_case = ("floor", "empty")
    if true:
        cases[true_case] = ([true], "")
    log(f"== start-up: {len(cases)} commands, {runs} rounds")
    got = start_runs(cases, runs)
    rows = []
    for label, cmd in runners:
        row = {"command": label,
               "shared_libs": shared_libs(cmd[0]) if cmd else None}
        for name in ("empty", "hello"):
            row[name] = got.get((label, name), {"status": "n/a"})
        rows.append(row)
    rows.append({"command": "floor: true(1), no wasm",
                 "shared_libs": shared_libs(true) if true else None,
                 "empty": got.get(true_case, {"status": "n/a"}),
                 "hello": {"status": "n/a"}})
    return rows


# ------------------------------------------------------------- reporting

def num(v):
    return "n/a" if v is None else f"{v:.3f}" if v < 1 else f"{v:.2f}"


def status(r):
    """A cell for a result that has no figure: n/a, FAIL, TIMEOUT."""
    s = r.get("status", "n/a")
    return s if s == "n/a" else s.upper()


def ms(r, key="cpu_ms"):
    return num(r.get(key)) if r.get("status") == "ok" else status(r)


def sub(r, kind, key):
    """A figure of one line kind of a load driver's result."""
    if r.get("status") != "ok":
        return status(r)
    v = r[kind][key]
    return f"{v:.0f}" if key == "faults" else num(v)


def size(n):
    if n is None:
        return "n/a"
    return (f"{n / 1e6:.2f} MB" if n >= 1e6 else
            f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} B")


def table(head, rows):
    widths = [max(len(str(r[i])) for r in [head] + rows)
              for i in range(len(head))]
    line = lambda r: "  ".join(  # noqa: E731
        str(c).ljust(w) if i == 0 else str(c).rjust(w)
        for i, (c, w) in enumerate(zip(r, widths)))
    return [line(head), "-" * len(line(head))] + [line(r) for r in rows]


def md_table(head, rows):
    return (["| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"] +
            ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def coldload_rows(rows):
    head = ["module", "size", "ours ms", "faults", "process ms",
            "wasm3 lazy ms", "wasm3 all ms", "faults", "process ms",
            "ours / wasm3 all"]
    out = []
    for r in rows:
        o, w = r["ours"], r["wasm3"]
        ratio = ""
        if o.get("status") == "ok" and w.get("status") == "ok":
            ratio = f"{o['coldload']['cpu_ms'] / w['coldload']['cpu_ms']:.2f}x"
        out.append([r["module"], size(r["bytes"]),
                    sub(o, "coldload", "cpu_ms"),
                    sub(o, "coldload", "faults"), ms(o, "process_cpu_ms"),
                    sub(w, "lazy", "cpu_ms"), sub(w, "coldload", "cpu_ms"),
                    sub(w, "coldload", "faults"), ms(w, "process_cpu_ms"),
                    ratio])
    return head, out


def startup_rows(rows):
    """The table, with each command's CPU as a ratio to wasm3's."""
    w3 = next((r for r in rows if r["command"].startswith("wasm3")), None)

    def ratio(r, m):
        a, b = r[m], w3[m] if w3 else {}
        if a.get("status") != "ok" or b.get("status") != "ok":
            return "n/a"
        return f"{a['cpu_ms'] / b['cpu_ms']:.2f}x"

    head = ["command", "shared libs", "empty.wasm ms", "/ wasm3",
            "hello.wasm ms", "/ wasm3"]
    out = [[r["command"],
            "n/a" if r["shared_libs"] is None else str(r["shared_libs"]),
            ms(r["empty"]), ratio(r, "empty"), ms(r["hello"]),
            ratio(r, "hello")] for r in rows]
    return head, out


def failures(cold, start):
    bad = []
    for r in cold or []:
        for e in ("ours", "wasm3"):
            if r[e].get("status") not in ("ok", "n/a"):
                bad.append(f"cold load {r['module']} / {e}: "
                           f"{r[e]['status']} {r[e].get('note', '')}")
    for r in start or []:
        for m in ("empty", "hello"):
            if r[m].get("status") not in ("ok", "n/a"):
                bad.append(f"start-up {r['command']} / {m}: "
                           f"{r[m]['status']} {r[m].get('note', '')}")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_dir")
    ap.add_argument("sections", nargs="*",
                    help="coldload, startup (default: both)")
    ap.add_argument("--runs", type=int, default=21,
                    help="processes per figure (median reported)")
    ap.add_argument("--quick", action="store_true",
                    help="3 processes, no Rust build: checks the harness")
    args = ap.parse_args()
    for s in args.sections:
        if s not in ("coldload", "startup"):
            ap.error(f"unknown section {s!r}; known: coldload startup")
    build = os.path.abspath(args.build_dir)
    sections = args.sections or ["coldload", "startup"]
    runs = 3 if args.quick else max(1, args.runs)
    work = os.path.join(build, "bench", "coldload")
    os.makedirs(work, exist_ok=True)
    w3 = build_wasm3(build)
    load_avg = os.getloadavg()[0]

    cold = (bench_coldload(build, work, runs, args.quick, w3)
            if "coldload" in sections else None)
    start = bench_startup(build, work, runs, w3) \
        if "startup" in sections else None

    text, md = [], []
    if cold is not None:
        cap = (f"Cold load: the first load in a fresh process, median of "
               f"{runs} processes. ours = wx_module_load (decode, validate, "
               f"compile every function); wasm3 lazy = m3_ParseModule + "
               f"m3_LoadModule (also instantiates; compiles nothing yet); "
               f"wasm3 all = that + m3_CompileModule. ms = CPU time of the "
               f"load alone, faults = minor page faults during it, process "
               f"ms = CPU of the whole driver process.")
        h, rows = coldload_rows(cold)
        text += [cap, ""] + table(h, rows) + [""]
        md += [cap, ""] + md_table(h, rows) + [""]
    if start is not None:
        cap = (f"Start-up: median CPU time (user + system) of {runs} "
               f"whole processes, run in rounds of one of each (so that "
               f"the machine's busy spells fall on all alike); empty.wasm "
               f"is a command whose _start "
               f"returns at once, hello.wasm a C puts(\"hello\") with "
               f"wasi-libc. shared libs = objects the dynamic loader maps "
               f"(ldd).")
        h, rows = startup_rows(start)
        text += [cap, ""] + table(h, rows) + [""]
        md += [cap, ""] + md_table(h, rows) + [""]
    note = (f"Load average {load_avg:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} "
            f"cores (CPU times are steadier than wall times on a busy "
            f"machine).")
    text.append(note)
    md.append(note)
    bad = failures(cold, start)
    if bad:
        text += ["", "Failed:"] + ["  " + b for b in bad]
        md += ["", "Failed:", ""] + ["- " + b for b in bad]
    print("\n".join(text))
    out = os.path.join(build, "bench")
    with open(os.path.join(out, "coldload.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(out, "coldload.json"), "w") as f:
        json.dump({"runs": runs, "loadavg_start": load_avg,
                   "coldload": cold, "startup": start, "failures": bad},
                  f, indent=2)
    print(f"\nwritten: {out}/coldload.md, {out}/coldload.json")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
