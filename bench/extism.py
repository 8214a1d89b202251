"""Calls per second of one Extism plugin function: our runtime (the C API,
tests/extism/bench_extism.c) next to Extism's own (the `extism` SDK over
`extism-sys` from PyPI, driven from Python), on the same .wasm files
built from the real PDKs by the tests (tests/extism).

    python3 bench/extism.py [--quick] --build-dir BUILD

Prints a markdown table (also BUILD/bench/extism.md). Extism's side pays
a Python call and a copy of the output per call, which a user of its
Python SDK pays too; ours is measured from C, as an embedding host calls
it. Both count CPU time of the calling process (Extism runs the guest
on the calling thread), and both check the output once.
"""
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "extism"))
import extism_venv  # noqa: E402

INPUT = "Hello, World! " * 8
GUESTS = [("Rust PDK", "extism_rust.wasm", False),
          ("Go PDK", "extism_go.wasm", True),
          ("AssemblyScript PDK", "extism_as.wasm", False)]
FUNC = "count_vowels"

THEIRS = r'''
import json, sys, time, extism
wasm, wasi, func, data, seconds = sys.argv[1], sys.argv[2] == "1", \
    sys.argv[3], sys.argv[4].encode(), float(sys.argv[5])
p = extism.Plugin(open(wasm, "rb").read(), wasi=wasi)
out = p.call(func, data)
n, t0 = 0, time.process_time()
while time.process_time() - t0 < seconds:
    for _ in range(64):
        out = p.call(func, data)
    n += 64
print(json.dumps({"calls": n, "cpu_s": time.process_time() - t0,
                  "output": bytes(out).decode()}))
'''


def ours(build, wasm, seconds, work):
    cfg = {"name": "xbench", "vm_config": {"path": wasm},
           "functions": [{"name": FUNC, "abi": "extism",
                          "params": ["string"], "results": ["json"]}]}
    path = os.path.join(work, "xbench.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    exe = os.path.join(build, "tests", "extism", "extism_bench")
    r = subprocess.run([exe, path, FUNC, INPUT, str(seconds)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    if r.returncode != 0:
        raise RuntimeError("extism_bench: " + r.stderr.decode())
    lines = r.stdout.decode().splitlines()
    f = lines[0].split()
    return int(f[1]), float(f[3]), lines[1][len("output "):]


def theirs(py, wasm, wasi, seconds):
    r = subprocess.run([py, "-c", THEIRS, wasm, "1" if wasi else "0", FUNC,
                        INPUT, str(seconds)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("extism (PyPI): " + r.stderr.decode()[-800:])
    d = json.loads(r.stdout)
    return d["calls"], d["cpu_s"], d["output"]


def main():
    quick = "--quick" in sys.argv
    build = "build"
    if "--build-dir" in sys.argv:
        build = sys.argv[sys.argv.index("--build-dir") + 1]
    build = os.path.abspath(build)
    seconds = 0.2 if quick else 3.0
    guests = os.path.join(build, "tests", "extism", "guests")
    work = os.path.join(build, "bench", "extism")
    os.makedirs(work, exist_ok=True)
    py, why = extism_venv.ensure(os.path.join(build, "tests", "extism",
                                              "venv"))
    if not py:
        sys.exit("bench/extism.py: Extism's runtime is missing: " + why)
    rows, failed = [], False
    for label, file, wasi in GUESTS:
        wasm = os.path.join(guests, file)
        if not os.path.exists(wasm):
            print("bench/extism.py: %s not built (cmake --build %s --target "
                  "wx_extism_guests extism_bench)" % (wasm, build))
            failed = True
            continue
        n1, s1, o1 = ours(build, wasm, seconds, work)
        n2, s2, o2 = theirs(py, wasm, wasi, seconds)
        same = json.loads(o1) == json.loads(o2)
        failed = failed or not same
        rows.append((label, n1 / s1, n2 / s2, same))
    out = ["| guest (%s, %d-byte string) | wasmext calls/s | Extism calls/s "
           "| wasmext / Extism | same output |" % (FUNC, len(INPUT)),
           "| --- | ---: | ---: | ---: | --- |"]
    for label, a, b, same in rows:
        out.append("| %s | %.0f | %.0f | %.2f | %s |" %
                   (label, a, b, a / b, "yes" if same else "NO"))
    text = "\n".join(out)
    print("## Extism plugins: wasmext vs Extism's runtime (%s)\n" %
          time.strftime("%Y-%m-%d"))
    print(text)
    with open(os.path.join(build, "bench", "extism.md"), "w") as f:
        f.write(text + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
