#!/usr/bin/env python3
"""Differential test of the engine against wasmtime (`make difftest`).

For each seed: `wasm-tools smith` makes a valid module from bytes derived
from the seed, with exactly the features FEATURES enables (what our
engine implements), no imports and everything exported; diff_run
(diff_run.c) runs it on our engine and prints one line per outcome; this
script runs the same module on wasmtime (from PyPI, wasmtime_venv.py)
the same way, with the arguments diff_run printed, and compares the lines:

  load / instantiate   must agree (both fail alike, or both succeed)
  call                 results (bit-exact, NaNs too) or trap kind
  global/memory/table  the state the function's calls left behind

Inconclusive, never a disagreement: a call that ran out of fuel, stack
or GC heap on either side (the engines count them differently; each side
goes on in a fresh instance after it, and if only one side ran out, the
function's later calls are not compared either, nor is the state such a
call left), and an instance one side refused for its size limits. Every
disagreement is kept in OUT/seed-<seed>/: the module (.wasm, and .wat
from smith), both outputs and their diff. The summary line:

  difftest: N modules, C calls, D disagreements, I inconclusive

counts the modules run (seeds smith could make no module from are
reported apart), the calls made, the modules that disagree and the calls
not compared; the line before it counts the first instantiations and
the calls by outcome; modules whose wasmtime side crashed (wasmtime-py
aborts on what its C API lacks) are not compared but kept in OUT and
listed after it. Exit status 1 if any module disagrees or crashed.
"""
import argparse
import collections
import difflib
import hashlib
import multiprocessing
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import wasmtime_venv  # noqa: E402

# The features the modules may use: one list, grown as the engine grows
# (docs/design.md, "Differential testing"). Each entry: the feature, on or
# off, smith's options for on and for off, and the wasmtime Config
# attribute (None: wasmtime has no switch for it, it is always on). Off
# features are off in wasmtime too, so a module that uses one anyway is
# refused there: a mismatch between this list and smith shows up as a
# load disagreement, not as silent coverage of the wrong thing.
FEATURES = [
    # WebAssembly 2.0 (smith always makes mutable globals)
    ("mutable-globals", True, [], [], None),
    ("sign-extension", True, ["--sign-extension-ops-enabled", "true"],
     ["--sign-extension-ops-enabled", "false"], None),
    ("saturating-float-to-int", True,
     ["--saturating-float-to-int-enabled", "true"],
     ["--saturating-float-to-int-enabled", "false"], None),
    ("multi-value", True, ["--multi-value-enabled", "true"],
     ["--multi-value-enabled", "false"], "wasm_multi_value"),
    ("bulk-memory", True, ["--bulk-memory-enabled", "true"],
     ["--bulk-memory-enabled", "false"], "wasm_bulk_memory"),
    ("reference-types", True,
     ["--reference-types-enabled", "true", "--max-tables", "4"],
     ["--reference-types-enabled", "false", "--max-tables", "1"],
     "wasm_reference_types"),
    ("simd", True, ["--simd-enabled", "true"], ["--simd-enabled", "false"],
     "wasm_simd"),
    # WebAssembly 3.0
    ("tail-call", True, ["--tail-call-enabled", "true"],
     ["--tail-call-enabled", "false"], "wasm_tail_call"),
    ("extended-const", True, ["--extended-const-enabled", "true"],
     ["--extended-const-enabled", "false"], None),
    ("multi-memory", True, ["--max-memories", "4"], ["--max-memories", "1"],
     "wasm_multi_memory"),
    ("memory64", True, ["--memory64-enabled", "true"],
     ["--memory64-enabled", "false"], "wasm_memory64"),
    # Off: relaxed SIMD lets engines differ (fused or not, NaN and
    # out-of-range lanes), and ours picks one behaviour, wasmtime the
    # host's: their results may legally disagree.
    ("relaxed-simd", False, ["--relaxed-simd-enabled", "true"],
     ["--relaxed-simd-enabled", "false"], "wasm_relaxed_simd"),
    ("exceptions", True, ["--exceptions-enabled", "true"],
     ["--exceptions-enabled", "false"], "wasm_exceptions"),
    # GC brings typed function references with it in smith (wasmtime's
    # switch for those follows below).
    ("gc", True, ["--gc-enabled", "true"], ["--gc-enabled", "false"],
     "wasm_gc"),
    # Proposals past 3.0 that smith knows
    ("threads", False, ["--threads-enabled", "true"],
     ["--threads-enabled", "false"], "wasm_threads"),
    ("custom-page-sizes", False, ["--custom-page-sizes-enabled", "true"],
     ["--custom-page-sizes-enabled", "false"], "wasm_custom_page_sizes"),
    ("wide-arithmetic", False, ["--wide-arithmetic-enabled", "true"],
     ["--wide-arithmetic-enabled", "false"], "wasm_wide_arithmetic"),
    ("custom-descriptors", False, ["--custom-descriptors-enabled", "true"],
     ["--custom-descriptors-enabled", "false"], None),
    ("compact-imports", False, ["--compact-imports-enabled", "true"],
     ["--compact-imports-enabled", "false"], None),
    ("shared-everything-threads", False,
     ["--shared-everything-threads-enabled", "true"],
     ["--shared-everything-threads-enabled", "false"], None),
]
# wasmtime switches that follow from the list: typed function references
# are on with gc (smith makes them with it), stack switching is off.
WASMTIME_ON = ["wasm_function_references"]
WASMTIME_OFF = ["wasm_stack_switching"]

# The limits both sides apply (diff_run.c's DIFF_MAX_PAGES; our engine
# bounds a table to as many bytes, 8 an element).
MAX_PAGES = 256
MAX_MEMORY_BYTES = MAX_PAGES * 65536
MAX_TABLE_ELEMS = MAX_MEMORY_BYTES // 8
# Fuel per call: ours counts calls and taken branches, wasmtime counts
# (roughly) instructions, so wasmtime gets more; running out on either
# side makes the call inconclusive, so the two need not match.
OUR_FUEL = 100000
THEIR_FUEL = 10000000

# Below what either engine's fuel allows, so that smith's counter runs
# out first.
SMITH_FUEL = 1000
SMITH_OPTIONS = [
    "--max-imports", "0", "--export-everything", "true",
    # NaN bits stored to memory or reinterpreted would differ legally.
    "--canonicalize-nans", "true",
    "--max-memory32-bytes", str(MAX_MEMORY_BYTES),
    # memory64 memories too: without this, smith's minimum sizes put a
    # fifth of the modules over MAX_PAGES, not compared.
    "--max-memory64-bytes", str(MAX_MEMORY_BYTES),
    # Arrays in constant expressions (globals, tables, elements) of
    # gigabytes would make instantiation run out of GC heap on both
    # sides, leaving the module not compared.
    "--limit-arrays-in-const-exprs", "true",
    # Tables declared up to 1000 elements (they may grow to the limit):
    # the state lines look at every element, in Python on wasmtime's side.
    "--max-table-elements", "1000",
    # Without types smith makes no function at all, whatever min-funcs.
    "--min-types", "1", "--min-funcs", "4",
]

# More options from the command line (--smith-arg).
EXTRA_SMITH_OPTIONS = []

# wasmtime's trap codes in our trap names (wx_trap_name).
TRAPS = {
    "UNREACHABLE": "unreachable",
    "MEMORY_OUT_OF_BOUNDS": "memory_oob",
    "TABLE_OUT_OF_BOUNDS": "table_oob",
    "INDIRECT_CALL_TO_NULL": "uninitialized_element",
    "NULL_REFERENCE": "null_reference",
    "BAD_SIGNATURE": "indirect_call_type",
    "INTEGER_DIVISION_BY_ZERO": "div_by_zero",
    "INTEGER_OVERFLOW": "int_overflow",
    "BAD_CONVERSION_TO_INTEGER": "invalid_conversion",
    "STACK_OVERFLOW": "stack",
    "OUT_OF_FUEL": "fuel",
    "ARRAY_OUT_OF_BOUNDS": "array_oob",
    "CAST_FAILURE": "cast_failure",
    "ALLOCATION_TOO_LARGE": "gc_heap",
}
# Our trap names that mean the same as another: a call_indirect past the
# table's end is "undefined element" in the spec tests' wording, the same
# trap as a table.get past it, which is all wasmtime reports. Our null
# reference traps name what was null (the spec tests' wording: "null
# structure reference", "null function reference"...); wasmtime has one
# code for all of them.
SAME_TRAP = {
    "trap undefined_element": "trap table_oob",
    "trap null_func_ref": "trap null_reference",
    "trap null_struct_ref": "trap null_reference",
    "trap null_array_ref": "trap null_reference",
    "trap null_i31_ref": "trap null_reference",
}
# Out of GC heap is a resource limit like fuel and stack: each engine
# sizes its heap its own way (diff_run prints "gc_heap" for our
# gc_heap_exhausted trap).
INCONCLUSIVE = {"fuel", "stack", "gc_heap"}


def smith_args(seed):
    """smith's options for `seed`, in four kinds by seed % 4:

      0  --ensure-termination: smith's own counter in every loop and
         function makes a call that would run on for ever trap
         (unreachable) after SMITH_FUEL iterations, the same way on both
         sides, where it would otherwise be inconclusive
      1  as smith makes them: loops as they are
      2  --ensure-termination and --disallow-traps: code that guards its
         divisions, conversions and memory accesses, so that calls run
         to the end and compute more (most calls of kinds 0 and 1 trap)
      3  --disallow-traps alone
    """
    args = SMITH_OPTIONS + EXTRA_SMITH_OPTIONS
    if seed % 2 == 0:
        args += ["--ensure-termination", "--fuel", str(SMITH_FUEL)]
    if seed % 4 >= 2:
        args += ["--disallow-traps", "true"]
    for _, on, when_on, when_off, _ in FEATURES:
        args += when_on if on else when_off
    return args


def seed_bytes(seed):
    """The input of smith for `seed`: 2 to 64 KB of SHAKE-256 output, so
    that modules of every size come up, the same on every machine."""
    size = 2048 * (1 + (seed // 4) % 32)
    return hashlib.shake_256(b"wasmext difftest %d" % seed).digest(size)


# ------------------------------------------------------------ their side

# What wasmtime-py makes of a non-null externref that the host did not
# make (extern.convert_any of a struct, array or i31): it has no Python
# object behind it, and wasmtime-py gives None, as for null. See
# see_guest_externrefs.
GUEST_EXTERN = object()


def see_guest_externrefs():
    """Makes wasmtime-py tell a guest-made externref from null: every
    value it reads (results, globals, table elements) goes through
    Val._from_raw, which is wrapped to give GUEST_EXTERN for a non-null
    externref (store id set, as it tests for funcref) without host
    data, where it would give None."""
    import wasmtime
    from wasmtime import _ffi as ffi
    from wasmtime._value import Val
    original = Val._from_raw.__func__

    def from_raw(cls, store, raw, owned=True):
        guest = (raw.kind == ffi.WASMTIME_EXTERNREF.value
                 and raw.of.externref.store_id != 0)
        v = original(cls, store, raw, owned)
        if guest and v.value is None:
            v = Val(v._kind, GUEST_EXTERN)
        return v
    wasmtime.Val._from_raw = classmethod(from_raw)


def engine():
    import wasmtime
    see_guest_externrefs()
    config = wasmtime.Config()
    config.consume_fuel = True
    config.cranelift_nan_canonicalization = False
    for name, on, _, _, attr in FEATURES:
        if attr:
            setattr(config, attr, on)
    for attr in WASMTIME_ON:
        setattr(config, attr, True)
    for attr in WASMTIME_OFF:
        setattr(config, attr, False)
    return wasmtime.Engine(config)


def is_null(v):
    """wasmtime-py gives a null reference as None or as a Val holding
    None (Table.get), a non-null one as a Func or the host object."""
    import wasmtime
    return v is None or (isinstance(v, wasmtime.Val) and v.value is None)


def fmt_value(v, t):
    import wasmtime
    if t == wasmtime.ValType.i32():
        return "i32:0x%x" % (v & 0xffffffff)
    if t == wasmtime.ValType.i64():
        return "i64:0x%x" % (v & 0xffffffffffffffff)
    if t == wasmtime.ValType.f32():
        return "f32:0x%x" % struct.unpack("<I", struct.pack("<f", v))[0]
    if t == wasmtime.ValType.f64():
        return "f64:0x%x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if t == wasmtime.ValType.funcref():
        return "funcref:%s" % ("null" if is_null(v) else "func")
    if t == wasmtime.ValType.externref():
        return "externref:%s" % ("null" if is_null(v) else "extern")
    return "%s:?" % t


def parse_arg(text):
    """diff_run's printed argument as a wasmtime value."""
    import wasmtime
    kind, bits = text.split(":", 1)
    if kind in ("funcref", "externref"):
        return None
    n = int(bits, 16)
    if kind == "i32":
        return wasmtime.Val.i32(n - (1 << 32) if n >> 31 else n)
    if kind == "i64":
        return wasmtime.Val.i64(n - (1 << 64) if n >> 63 else n)
    if kind == "f32":
        return wasmtime.Val.f32(struct.unpack("<f", struct.pack("<I", n))[0])
    return wasmtime.Val.f64(struct.unpack("<d", struct.pack("<Q", n))[0])


def failure(e):
    """A wasmtime exception in diff_run's words."""
    import wasmtime
    # An uncaught wasm exception is a trap without a code there (an error
    # at instantiation) and WX_EEXCEPTION here (diff_run prints its
    # status name).
    if "thrown Wasm exception" in str(e):
        return "exception"
    if isinstance(e, wasmtime.Trap):
        code = e.trap_code
        name = TRAPS.get(code.name if code is not None else "", None)
        if name in INCONCLUSIVE:
            return name
        return "trap %s" % (name or "other:%s" % e.message.splitlines()[0])
    text = str(e)
    if "fuel" in text:
        return "fuel"
    if "GC heap out of memory" in text:
        return "gc_heap"
    if "limit" in text or "exceeds" in text or "too large" in text:
        return "limit"
    return "error %s" % text.splitlines()[0]


def quoted(name):
    out = []
    for c in name.encode():
        if 0x20 < c < 0x7f and c not in b'%"':
            out.append(chr(c))
        else:
            out.append("%%%02X" % c)
    return '"%s"' % "".join(out)


def their_state(store, instance, skip):
    import wasmtime
    lines = []
    ext = instance.exports(store)
    for i, (name, x) in enumerate(ext.items()):
        # What diff_run skipped (see skipped_exports) is not read.
        if i in skip and isinstance(x, wasmtime.Table):
            lines.append("table %d %s %d skipped" % (i, quoted(name),
                                                     x.size(store)))
            continue
        if i in skip and isinstance(x, wasmtime.Global):
            lines.append("global %d %s skipped" % (i, quoted(name)))
            continue
        if isinstance(x, wasmtime.Global):
            lines.append("global %d %s %s" % (
                i, quoted(name),
                fmt_value(x.value(store), x.type(store).content)))
        elif isinstance(x, wasmtime.Memory):
            data = x.read(store, 0, x.data_len(store))
            lines.append("memory %d %s %d 0x%08x" % (
                i, quoted(name), x.size(store), zlib.crc32(data)))
        elif isinstance(x, wasmtime.Table):
            size = x.size(store)
            full = sum(1 for j in range(size)
                       if not is_null(x.get(store, j)))
            lines.append("table %d %s %d %d" % (i, quoted(name), size,
                                                full))
    return lines


def their_instance(eng, module):
    """(store, instance) in a store of its own, or (None, outcome)."""
    import wasmtime
    store = wasmtime.Store(eng)
    store.set_limits(memory_size=MAX_MEMORY_BYTES,
                     table_elements=MAX_TABLE_ELEMS)
    store.set_fuel(THEIR_FUEL)
    try:
        return store, wasmtime.Instance(store, module, [])
    except Exception as e:  # noqa: BLE001 - any refusal is the outcome
        return None, failure(e)


def their_call(store, instance, key, call, skip):
    """The line of one call, as diff_run prints it."""
    quoted_name, args = call
    line = "call %d %d %s (%s) =>" % (key[0], key[1], quoted_name,
                                      " ".join(args))
    if key[0] in skip:  # see skipped_exports
        return line + " skipped"
    func = instance.exports(store).by_index[key[0]]
    results = func.type(store).results
    store.set_fuel(THEIR_FUEL)
    try:
        r = func(store, *[parse_arg(a) for a in args])
        vals = [] if not results else [r] if len(results) == 1 else r
        for v, t in zip(vals, results):
            line += " " + fmt_value(v, t)
    except Exception as e:  # noqa: BLE001
        line += " " + failure(e)
    return line


def their_run(eng, wasm, calls, skip):
    """wasmtime's lines for `wasm`; `calls` maps (export, vector) to the
    argument fields diff_run printed; `skip` holds the exports it
    skipped. No export's type is asked for but those diff_run did not
    skip: `module.exports` would build every export's type, and the C
    API aborts the process on a GC or typed reference type, so the
    functions are the exports diff_run called, and the rest is reached
    through the instance, whose exports come without types."""
    import wasmtime
    try:
        module = wasmtime.Module(eng, wasm)
    except Exception as e:  # noqa: BLE001 - any refusal is the outcome
        return ["load error %s" % str(e).splitlines()[0]]
    lines = ["load ok"]
    funcs = sorted({i for i, _ in calls})
    first = True
    for i in funcs or [None]:
        store, instance = their_instance(eng, module)
        if first:
            lines.append("instantiate " + ("ok" if store else instance))
        first = False
        if not store:
            break
        if i is not None:
            k = 0
            while (i, k) in calls:
                line = their_call(store, instance, (i, k), calls[(i, k)],
                                  skip)
                lines.append(line)
                k += 1
                # As diff_run: a fresh instance after an inconclusive call.
                if outcome(line) in INCONCLUSIVE and (i, k) in calls:
                    store, instance = their_instance(eng, module)
                    if not store:
                        return lines
        lines += their_state(store, instance, skip)
    return lines


def isolated(run, *args):
    """run(*args)'s lines, computed in a child process: wasmtime-py
    aborts the whole process on what its C API has not implemented
    (naming most GC reference types), which would take the pool's worker
    and its seed with it and leave the run hanging without its summary.
    Returns (lines, None), or (None, why) if the child died."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            data = "\n".join(run(*args)).encode()
            with os.fdopen(w, "wb") as f:
                f.write(data)
        except BaseException:  # noqa: BLE001 - reported by the parent
            import traceback
            traceback.print_exc()
            code = 3
        os._exit(code)  # no atexit handlers: they belong to the parent
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return None, "killed by signal %d" % os.WTERMSIG(status)
    if os.WEXITSTATUS(status) != 0:
        return None, "exited with %d" % os.WEXITSTATUS(status)
    return data.decode().split("\n"), None


# ------------------------------------------------------------ comparison

def skipped_exports(lines):
    """The exports diff_run skipped: functions that take or return, and
    globals that hold, a value wasmtime-py cannot name (v128, exnref:
    naming one aborts it, "not implemented"). wasmtime must not touch
    them, so their lines are ours, unchecked; what their code computes
    still shows in the other exports' results and the state."""
    skip = set()
    for line in lines:
        if line.startswith("call ") and line.endswith("=> skipped"):
            skip.add(int(line.split(" ", 2)[1]))
        elif line.startswith(("global ", "table ")) and \
                line.endswith(" skipped"):
            skip.add(int(line.split(" ", 2)[1]))
    return skip


def parse_calls(lines):
    calls = {}
    for line in lines:
        if line.startswith("call "):
            head, _ = line.split(" =>", 1)
            f = head.split(" ", 4)
            args = f[4][1:-1].split() if len(f) > 4 else []
            calls[(int(f[1]), int(f[2]))] = (f[3], args)
    return calls


def outcome(line):
    if line.startswith("call "):
        return line.split(" =>", 1)[1].strip()
    if line.startswith("instantiate "):
        return line.split(" ", 1)[1]
    return None


F32 = re.compile(r"f32:0x([0-9a-f]+)\b")


def quiet_f32_nan(m):
    bits = int(m.group(1), 16)
    if bits & 0x7fffffff > 0x7f800000:
        bits |= 0x400000
    return "f32:0x%x" % bits


def canonical(line):
    """A line as the two sides can agree on it: our trap names that
    wasmtime cannot tell apart from another (SAME_TRAP) replaced by that
    one, and f32 NaNs quiet. wasmtime-py hands an f32 to Python as a
    double, and the conversion sets the quiet bit of a signalling NaN, so
    that bit is all wasmtime's side cannot tell; the rest of the bits
    must agree (see diff_run.c on --canonicalize-nans)."""
    out = outcome(line)
    if out in SAME_TRAP:
        line = line[:len(line) - len(out)] + SAME_TRAP[out]
    return F32.sub(quiet_f32_nan, line)


def kind_of(out):
    """A call's outcome as the summary counts it."""
    if out in INCONCLUSIVE or out == "skipped" or out.startswith("trap "):
        return out
    return "returned"


def compare(ours, theirs, kinds):
    """(calls made, inconclusive calls, disagreeing line pairs); adds each
    call's outcome on our side to the Counter `kinds`. Lines are compared
    in order, but for what follows a call that ran out of fuel or stack:
    the state it left is not compared, nor, if it ran out on one side
    only, the function's later calls (each side went on in a fresh
    instance, from different states)."""
    made = inconclusive = 0
    bad = []
    tainted = False  # the states differ until the next function
    stopped_last = False  # the state is the one a stopped call left
    for n in range(max(len(ours), len(theirs))):
        a = canonical(ours[n]) if n < len(ours) else "(nothing)"
        b = canonical(theirs[n]) if n < len(theirs) else "(nothing)"
        kind = a.split(" ", 1)[0]
        if kind == "instantiate":
            kinds["instances: " + outcome(a)] += 1
            if {outcome(a), outcome(b)} & (INCONCLUSIVE | {"limit"}):
                return made, inconclusive, []
        if kind == "call":
            made += 1
            if a.split(" ", 3)[2] == "0":
                tainted = False  # the first call of a fresh instance
            stopped = [outcome(x) in INCONCLUSIVE for x in (a, b)]
            stopped_last = any(stopped)
            if tainted or any(stopped):
                kinds["inconclusive: after one" if tainted else
                      "inconclusive: ours %s, wasmtime %s" % (
                          kind_of(outcome(a)), kind_of(outcome(b)))] += 1
                # Both sides start a fresh instance after a call that
                # stopped on both; after one that stopped on one side
                # only, the states differ until the next function.
                tainted = tainted or not all(stopped)
                inconclusive += 1
                continue
            kinds[kind_of(outcome(a))] += 1
        elif (tainted or stopped_last) and \
                kind in ("global", "memory", "table"):
            continue
        if a != b:
            bad.append((a, b))
    return made, inconclusive, bad


# ---------------------------------------------------------------- driver

def check(job):
    """Runs one seed; returns (seed, status, calls, inconclusive, bad,
    outcome kinds)."""
    seed, tools, out = job
    work = os.path.join(out, "work-%d" % os.getpid())
    os.makedirs(work, exist_ok=True)
    wasm_path = os.path.join(work, "module.wasm")
    seed_path = os.path.join(work, "seed.bin")
    with open(seed_path, "wb") as f:
        f.write(seed_bytes(seed))
    r = subprocess.run([tools["smith"], "smith"] + smith_args(seed)
                       + [seed_path, "-o", wasm_path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode == 2:
        return seed, "skipped", 0, 0, [], None
    if r.returncode != 0:
        return (seed, "smith failed: %s" % r.stderr.decode()[-300:], 0, 0,
                [], None)
    try:
        ran = subprocess.run([tools["diff_run"], "--fuel", str(OUR_FUEL),
                              wasm_path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=300)
        ours = ran.stdout.decode(errors="replace").splitlines()
        if ran.returncode != 0:
            ours.append("diff_run exited with %d: %s" % (
                ran.returncode, ran.stderr.decode(errors="replace")[-300:]))
    except subprocess.TimeoutExpired:
        ours = ["diff_run timed out after 300 s"]
    with open(wasm_path, "rb") as f:
        wasm = f.read()
    theirs, crashed = isolated(their_run, check.engine, wasm,
                               parse_calls(ours), skipped_exports(ours))
    if crashed:
        # Not compared, but kept and counted: never a silent gap.
        keep(seed, tools, out, wasm_path, seed_path, ours,
             ["wasmtime side " + crashed], [])
        return seed, "crashed: " + crashed, 0, 0, [], None
    kinds = collections.Counter()
    made, inconclusive, bad = compare(ours, theirs, kinds)
    if bad:
        keep(seed, tools, out, wasm_path, seed_path, ours, theirs, bad)
    return seed, "ok", made, inconclusive, bad, kinds


def keep(seed, tools, out, wasm_path, seed_path, ours, theirs, bad):
    """A disagreement's reproduction in OUT/seed-<seed>/."""
    d = os.path.join(out, "seed-%d" % seed)
    os.makedirs(d, exist_ok=True)
    shutil.copy(wasm_path, os.path.join(d, "module.wasm"))
    with open(os.path.join(d, "module.wat"), "w") as f:
        subprocess.run([tools["smith"], "smith", "-t"] + smith_args(seed)
                       + [seed_path], stdout=f, stderr=subprocess.DEVNULL)
    for name, lines in (("ours.txt", ours), ("theirs.txt", theirs)):
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "diff.txt"), "w") as f:
        f.writelines(difflib.unified_diff(
            [x + "\n" for x in ours], [x + "\n" for x in theirs],
            "ours", "wasmtime"))


def init_worker():
    check.engine = engine()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-n", type=int, default=500,
                    help="modules from the fixed seeds 1..N (default 500)")
    ap.add_argument("--random", type=int, default=0,
                    help="more modules from as many random seeds")
    ap.add_argument("--seed", type=int, action="append", default=[],
                    help="run these seeds only (repeatable)")
    ap.add_argument("-j", type=int, default=2, help="parallel jobs")
    ap.add_argument("--smith-arg", action="append", default=[],
                    help="one more option for smith, to explore (e.g. "
                    "--smith-arg=--max-instructions=1000); repeatable")
    ap.add_argument("--out", help="default BUILD/difftest")
    a = ap.parse_args()
    build = os.path.abspath(a.build_dir)
    EXTRA_SMITH_OPTIONS.extend(a.smith_arg)
    out = os.path.abspath(a.out or os.path.join(build, "difftest"))

    try:
        import wasmtime  # noqa: F401
    except ImportError:
        py, why = wasmtime_venv.ensure(os.path.join(build, "tests", "fuzz",
                                                    "wasmtime-venv"))
        if not py:
            sys.exit("difftest: " + why)
        os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])

    tools = {"smith": os.path.join(build, "tools", "wasm-tools"),
             "diff_run": os.path.join(build, "tests", "fuzz", "diff_run")}
    for what, path in tools.items():
        if not os.access(path, os.X_OK):
            sys.exit("difftest: %s not found (%s); build the targets "
                     "wasm-tools and diff_run first (make difftest does)"
                     % (path, what))
    for d in os.listdir(out) if os.path.isdir(out) else []:
        if d.startswith(("seed-", "work-")):
            shutil.rmtree(os.path.join(out, d))
    os.makedirs(out, exist_ok=True)

    seeds = a.seed or list(range(1, a.n + 1))
    if not a.seed and a.random:
        extra = [int.from_bytes(os.urandom(6), "little") + 1000000
                 for _ in range(a.random)]
        print("difftest: random seeds: %s" % " ".join(map(str, extra)))
        seeds += extra
    modules = calls = inconclusive = skipped = 0
    crashed = []
    disagree = []
    kinds = collections.Counter()
    with multiprocessing.Pool(a.j, initializer=init_worker) as pool:
        for seed, status, made, inc, bad, k in pool.imap_unordered(
                check, [(s, tools, out) for s in seeds]):
            if status == "skipped":
                skipped += 1
                continue
            if status.startswith("crashed"):
                crashed.append(seed)
                print("difftest: seed %d not compared: wasmtime side %s "
                      "(%s)" % (seed, status, os.path.join(out, "seed-%d"
                                                           % seed)))
                sys.stdout.flush()
                continue
            if status != "ok":
                sys.exit("difftest: seed %d: %s" % (seed, status))
            modules += 1
            if modules % 100 == 0:
                print("difftest: %d modules so far, %d disagree" % (
                    modules, len(disagree)))
                sys.stdout.flush()
            kinds.update(k)
            calls += made
            inconclusive += inc
            if bad:
                disagree.append(seed)
                a_line, b_line = bad[0]
                print("difftest: seed %d disagrees (%d lines; %s):\n"
                      "  ours:     %s\n  wasmtime: %s" % (
                          seed, len(bad),
                          os.path.join(out, "seed-%d" % seed),
                          a_line, b_line))
                sys.stdout.flush()
    for d in os.listdir(out):
        if d.startswith("work-"):
            shutil.rmtree(os.path.join(out, d))
    print("difftest: first instances and calls by our outcome: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(kinds.items(), key=lambda kv: -kv[1])))
    print("difftest: %d modules, %d calls, %d disagreements, "
          "%d inconclusive%s%s" % (
              modules, calls, len(disagree), inconclusive,
              " (%d seeds skipped: smith made no module)" % skipped
              if skipped else "",
              "; %d modules not compared, wasmtime's side crashed: "
              "seeds %s" % (len(crashed), " ".join(map(str, sorted(crashed))))
              if crashed else ""))
    sys.exit(1 if disagree or crashed else 0)


if __name__ == "__main__":
    main()
