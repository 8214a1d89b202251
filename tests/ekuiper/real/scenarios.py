#!/usr/bin/env python3
"""End-to-end scenarios against the real eKuiper kuiperd, driven only
through its REST API: packages written by `wasmext ekuiper pack`, rows
POSTed to a httppush stream, results read from a `rest` sink.

  scenarios.py WASMEXT GUESTS_DIR SHARED_DIR KUIPERD_DIR SCENARIO

SCENARIO: numeric strings json multi trap timeout (or `all`). The
plugin's lifecycle (update, delete, restarts, kills) is test_lifecycle.py.
GUESTS_DIR holds real.wasm, cstring.wasm and bindgen.wasm (built from WAT
by CMake); SHARED_DIR the team's shared/ (eKuiper's fixture zips;
WX_SHARED_DIR overrides); KUIPERD_DIR kuiperd and its home/ template
(`make ekuiper`). WX_KEEP=1 keeps the work directory (KUIPER_HOME,
kuiperd.log, packages) and prints where it is. Every function and plugin
name starts with wxr_, so the suite's IPC socket files
(/tmp/func_<name>.ipc) are its own; the CTest tests hold RESOURCE_LOCK
kuiperd because those paths are global.

What is asserted comes from eKuiper's source (v2.4.0) and from
docs/ekuiper.md, not from a recorded run: eKuiper wraps a function error
as "... call func NAME error: <the plugin's text>", counts it in the
project operator's exceptions_total, keeps its text in last_exception,
and drops the row (sendError false, the default) or sends the error text
to the sink instead of the row (sendError true).
"""

import base64
import json
import os
import re
import sys
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kuiper as K  # noqa: E402

A = None  # the command line (kuiper.Args)

# eKuiper's socket paths are global to the host, and RESOURCE_LOCK only
# orders the tests of one ctest run: every wxr_ name (plugins, functions,
# and streams and rules with them) carries a suffix of its own to the run,
# so that runs from two build trees never meet.
SFX = "_%04x%s" % (os.getpid() & 0xFFFF, os.urandom(2).hex())
_NAME = re.compile(r"\bwxr_[A-Za-z0-9_]+")


def S(text):
    """`text` with the run's suffix on every wxr_ name (idempotent)."""
    return _NAME.sub(lambda m: m.group(0) if m.group(0).endswith(SFX)
                     else m.group(0) + SFX, text)


class Kuiperd(K.Kuiperd):
    """The harness with the run's suffix on the names in every REST path
    and body, stream path and plugin name (rows are left alone)."""

    def rest(self, method, path, body=None, timeout=60):
        if body is not None:
            body = json.loads(S(json.dumps(body)))
        return super().rest(method, S(path), body, timeout)

    def push(self, stream_path, row):
        return super().push(S(stream_path), row)

    def plugin_pids(self, name):
        return super().plugin_pids(S(name))


def mk(wd, name, wasm, functions, exports=None, extra=None):
    """kuiper.make_plugin with the run's suffix on the plugin's name and
    its functions' (the module's exports renamed to match): `exports`
    maps an export to a function name; a function not in its values is an
    export of that name."""
    exports = dict(exports or {})
    for f in functions:
        fname = f["name"] if isinstance(f, dict) else f
        if fname not in exports.values():
            exports[fname] = fname
    exports = {e: S(f) for e, f in exports.items()}
    functions = [dict(f, name=S(f["name"])) if isinstance(f, dict) else S(f)
                 for f in functions]
    return K.make_plugin(A.wasmext, wd, S(name), wasm, functions, exports,
                         extra)


def install(k, wd, name, wasm, functions, exports=None, extra=None):
    """mk() then POST /plugins/portables."""
    return k.install_plugin(name, mk(wd, name, wasm, functions, exports,
                                     extra))


check = K.check


def by_id(rows):
    """{id: row} of parsed rows; fails on a row without an id (an error
    text sent by sendError) or a repeated id."""
    out = {}
    for r in rows:
        check(isinstance(r, dict) and "id" in r, "unexpected row %r", r)
        check(r["id"] not in out, "row id %r came twice: %r", r["id"], rows)
        out[r["id"]] = r
    return out


def expect_rows(rows, want):
    """The rows are exactly `want` (a list of dicts), in any order."""
    got = by_id(rows)
    exp = {w["id"]: w for w in want}
    check(sorted(got) == sorted(exp), "row ids %s, expected %s; rows: %s",
          sorted(got), sorted(exp), json.dumps(rows))
    for i, w in exp.items():
        check(got[i] == w, "row %r: got %s, expected %s", i,
              json.dumps(got[i], sort_keys=True), json.dumps(w,
                                                             sort_keys=True))


def close_to(a, b):
    return isinstance(a, (int, float)) and abs(a - b) <= 1e-9 * max(1, abs(b))


def fixture(name, member, workdir):
    """Extracts `member` from eKuiper's fixture zip `name`."""
    z = os.path.join(A.shared, "fixtures", "ekuiper", name)
    check(os.path.isfile(z), "missing fixture %s", z)
    out = os.path.join(workdir, "fixtures", name[:-4])
    with zipfile.ZipFile(z) as f:
        f.extract(member, out)
    return os.path.join(out, member)


def expect_exception(k, rule_id, count, text):
    """The rule's project operator counted `count` exceptions and the last
    one holds `text` (eKuiper's wrapping and the plugin's message)."""
    text = S(text)
    st = k.op_stats(rule_id)
    check(st.get("exceptions_total") == count,
          "rule %s: exceptions_total %r, expected %d (last: %r)", rule_id,
          st.get("exceptions_total"), count, st.get("last_exception"))
    last = st.get("last_exception", "")
    check(text in last, "rule %s: last_exception %r does not hold %r",
          rule_id, last, text)
    check(k.rule_status(rule_id).get("status") == "running",
          "rule %s is not running: %r", rule_id, k.rule_status(rule_id))


def call_error(func, text):
    """eKuiper's wrapping of a function's error (xsql/valuer.go)."""
    return "call func %s error: %s" % (func, text)


def error_texts(receiver):
    """The bodies a sendError rule's sink got that are not JSON rows."""
    return [r["__unparsed__"] for r in receiver.rows()
            if isinstance(r, dict) and "__unparsed__" in r]


# ---------------------------------------------------------------- scenarios

def scenario_numeric(k, wd):
    """eKuiper's fibonacci.wasm and add with i32/i64/f64 params: results,
    exact-fit refusals, Validate's argument count."""
    fib = fixture("fibonacci.zip", "fibonacci.wasm", wd)
    install(k, wd, "wxr_fibonacci", fib, ["wxr_fib"], {"fib": "wxr_fib"})
    install(k, wd, "wxr_num", A.guest("real.wasm"),
            ["wxr_add32", "wxr_add64", "wxr_addf", "wxr_mix"])

    # Validate: the argument count, refused at rule creation.
    with K.Receiver() as unused:
        status, r = k.rest("POST", "/rules", k.rule_body(
            "wxr_bad", "SELECT wxr_fib(n, n) AS f FROM wxr_sf", unused))
    check(status == 400, "rule with fib(n, n): %d %r", status, r)
    check(S("wxr_fib: expected 1 argument (i32), got 2") in json.dumps(r),
          "rule with fib(n, n): %r", r)

    k.create_stream("wxr_sf", "/wxr_sf")
    with K.Receiver() as rc, K.Receiver() as rce:
        k.create_rule("wxr_fib_r", "SELECT id, wxr_fib(n) AS f FROM wxr_sf",
                      rc)
        k.create_rule("wxr_fib_e", "SELECT id, wxr_fib(n) AS f FROM wxr_sf",
                      rce, {"sendError": True})
        rows = [{"id": 1, "n": 25}, {"id": 2, "n": 25.0},
                {"id": 3, "n": 2.5}, {"id": 4, "n": 10},
                {"id": 5, "n": 4294967296}, {"id": 6, "n": 0}]
        for row in rows:
            k.push("/wxr_sf", row)
        # 4 rows out; the row that follows a refused one proves it was
        # processed (a rule handles its rows in order).
        expect_rows(rc.wait_for(4), [{"id": 1, "f": 121393},
                                     {"id": 2, "f": 121393},
                                     {"id": 4, "f": 89}, {"id": 6, "f": 1}])
        expect_exception(k, "wxr_fib_r", 2, call_error(
            "wxr_fib", "wxr_fib: argument 1: 4294967296 does not fit i32 "
            "exactly"))
        # sendError: the error text takes the refused row's place.
        got = rce.wait_for(6)
        errs = error_texts(rce)
        check(len(errs) == 2, "sendError rule: %r", got)
        check(errs[0].endswith(S(call_error(
            "wxr_fib",
            "wxr_fib: argument 1: 2.5 does not fit i32 exactly"))),
            "sendError text for 2.5: %r", errs[0])
        check([r.get("id") for r in got] == [1, 2, None, 4, None, 6],
              "sendError rule, the order of rows and errors: %r", got)

    k.create_stream("wxr_sa", "/wxr_sa")
    with K.Receiver() as rc:
        k.create_rule("wxr_add_r",
                      "SELECT id, wxr_add32(a, b) AS s32, "
                      "wxr_add64(c, d) AS s64, wxr_addf(x, y) AS sf, "
                      "wxr_mix(a, c, x) AS m FROM wxr_sa", rc)
        good = [
            ({"id": 1, "a": 2, "b": 3, "c": 4294967296, "d": 5, "x": 0.5,
              "y": 0.25},
             {"id": 1, "s32": 5, "s64": 4294967301, "sf": 0.75,
              "m": 4294967298.5}),
            ({"id": 2, "a": -7, "b": -8, "c": -1, "d": -2, "x": -1.5,
              "y": 0.001},
             {"id": 2, "s32": -15, "s64": -3, "sf": -1.499, "m": -9.5}),
            # i32 addition wraps; 25.0 fits i32 and i64 exactly
            ({"id": 3, "a": 2147483647, "b": 1, "c": 25.0, "d": 0, "x": 1e308,
              "y": 1e308},
             {"id": 3, "s32": -2147483648, "s64": 25, "sf": "inf",
              "m": 1e308 + 2147483647 + 25}),
        ]
        bad = [
            ({"id": 4, "a": 2.5, "b": 1, "c": 1, "d": 1, "x": 1, "y": 1},
             "wxr_add32: argument 1: 2.5 does not fit i32 exactly"),
            ({"id": 5, "a": 1, "b": 1, "c": 1, "d": 1.5, "x": 1, "y": 1},
             "wxr_add64: argument 2: 1.5 does not fit i64 exactly"),
            ({"id": 6, "a": 1, "b": 2147483648, "c": 1, "d": 1, "x": 1,
              "y": 1},
             "wxr_add32: argument 2: 2147483648 does not fit i32 exactly"),
        ]
        last = ({"id": 7, "a": 0, "b": 0, "c": 0, "d": 0, "x": 0, "y": 0},
                {"id": 7, "s32": 0, "s64": 0, "sf": 0, "m": 0})
        for i, (row, text) in enumerate(bad):
            k.push("/wxr_sa", good[i][0])
            k.push("/wxr_sa", row)
        k.push("/wxr_sa", last[0])
        got = by_id(rc.wait_for(4))
        check(sorted(got) == [1, 2, 3, 7], "rows %s", sorted(got))
        for row, want in good + [last]:
            g = got[row["id"]]
            for key, v in want.items():
                ok = g.get(key) == v if isinstance(v, str) else \
                    close_to(g.get(key), v)
                check(ok, "row %d: %s = %r, expected %r (row %s)", row["id"],
                      key, g.get(key), v, json.dumps(g))
        expect_exception(k, "wxr_add_r", 3, call_error("wxr_add32",
                                                       bad[2][1]))
        log = k.log_text()
        for _, text in bad:
            check(S(call_error(text.split(":")[0], text)) in log,
                  "kuiperd's log has no %r", text)


def scenario_strings(k, wd):
    """Strings through the cstring ABI (eKuiper 1.x's convention) and
    through wasmedge-bindgen, with a guest error (Result::Err)."""
    cs = A.guest("cstring.wasm")
    bg = A.guest("bindgen.wasm")
    install(
        k, wd, "wxr_cstr", cs,
        [{"name": "wxr_greet", "abi": "cstring", "params": ["string"],
          "results": ["string"]},
         {"name": "wxr_len", "abi": "cstring", "params": ["string"],
          "results": ["u32"]},
         {"name": "wxr_mixed", "abi": "cstring",
          "params": ["string", "i64", "f64"], "results": ["f64"]},
         {"name": "wxr_sumb", "abi": "cstring", "params": ["bytes"],
          "results": ["i64"]}],
        {"greet": "wxr_greet", "len": "wxr_len", "mixed": "wxr_mixed",
         "sum_bytes": "wxr_sumb"})
    install(
        k, wd, "wxr_bgen", bg,
        [{"name": "wxr_echo", "abi": "bindgen", "params": ["string"],
          "results": ["string"]},
         {"name": "wxr_bgadd", "abi": "bindgen", "params": ["i32", "i32"],
          "results": ["i32"]},
         {"name": "wxr_divmod", "abi": "bindgen", "params": ["u32", "u32"],
          "results": ["u32", "u32"]}],
        {"echo": "wxr_echo", "add": "wxr_bgadd", "divmod": "wxr_divmod"})

    k.create_stream("wxr_ss", "/wxr_ss")
    texts = ["world", "h\u00e9 \u2713 \u65e5\u672c", "", "a\"quote\\ and\nnl",
             "x" * 5000]
    with K.Receiver() as rc:
        k.create_rule("wxr_str_r",
                      "SELECT id, wxr_greet(s) AS g, wxr_len(s) AS l, "
                      "wxr_mixed(s, k, d) AS m, wxr_echo(s) AS e, "
                      "wxr_bgadd(k, k) AS a FROM wxr_ss", rc)
        for i, s in enumerate(texts):
            k.push("/wxr_ss", {"id": i, "s": s, "k": i + 2, "d": 0.5})
            if i == 1:  # a number where a string is declared
                k.push("/wxr_ss", {"id": 100, "s": 42, "k": 1, "d": 0.5})
        want = []
        for i, s in enumerate(texts):
            n = len(s.encode())
            want.append({"id": i, "g": "Hello, %s!" % s, "l": n,
                         "m": n * (i + 2) + 0.5, "e": s, "a": 2 * (i + 2)})
        expect_rows(rc.wait_for(len(texts)), want)
        st = k.op_stats("wxr_str_r")
        check(st.get("exceptions_total") == 1, "exceptions: %r", st)
        check(S("call func wxr_greet error: wxr_greet: argument 1") in
              st.get("last_exception", ""), "last exception %r",
              st.get("last_exception"))

    # bytes: eKuiper's decode(s, "base64") makes a []byte, which reaches
    # the plugin base64-encoded (Go's JSON) and the guest as (ptr, len)
    k.create_stream("wxr_sb", "/wxr_sb")
    blobs = [b"\x01\x02\x03", b"", bytes(range(256)), b"\xff" * 3000]
    with K.Receiver() as rc:
        k.create_rule("wxr_bytes_r", "SELECT id, wxr_sumb(decode(b, "
                      "\"base64\")) AS sb FROM wxr_sb", rc)
        for i, blob in enumerate(blobs):
            k.push("/wxr_sb", {"id": i,
                               "b": base64.b64encode(blob).decode()})
        expect_rows(rc.wait_for(len(blobs)),
                    [{"id": i, "sb": sum(blob)} for i, blob in
                     enumerate(blobs)])

    k.create_stream("wxr_sd", "/wxr_sd")
    with K.Receiver() as rc:
        k.create_rule("wxr_dm_r", "SELECT id, wxr_divmod(a, b) AS qr "
                      "FROM wxr_sd", rc)
        for i, (a, b) in enumerate([(7, 2), (7, 0), (9, 4)]):
            k.push("/wxr_sd", {"id": i, "a": a, "b": b})
        # two results: an array; the guest's Err is the row's error
        expect_rows(rc.wait_for(2), [{"id": 0, "qr": [3, 1]},
                                     {"id": 2, "qr": [2, 1]}])
        # bindgen: the guest's own Err text, marked as such
        expect_exception(k, "wxr_dm_r", 1, call_error(
            "wxr_divmod", "wxr_divmod: guest error: division by zero"))


def scenario_json(k, wd):
    """`json` parameters: an object, an array, a nested field and scalars
    from the row, to bindgen (returned as json) and to cstring (as text)."""
    install(k, wd, "wxr_bgj", A.guest("bindgen.wasm"),
            [{"name": "wxr_jecho", "abi": "bindgen", "params": ["json"],
              "results": ["json"]}], {"echo": "wxr_jecho"})
    install(k, wd, "wxr_csj", A.guest("cstring.wasm"),
            [{"name": "wxr_jlen", "abi": "cstring", "params": ["json"],
              "results": ["u32"]}], {"len": "wxr_jlen"})
    k.create_stream("wxr_sj", "/wxr_sj")
    rows = [
        {"id": 1, "obj": {"k": "v", "n": [1, 2, {"z": None}], "t": True},
         "arr": [1, "two", 3.5, [4], {"five": 5}]},
        {"id": 2, "obj": {}, "arr": []},
        {"id": 3, "obj": {"s": "h\u00e9 \u2713", "neg": -7},
         "arr": ["a", "b"]},
    ]
    with K.Receiver() as rc:
        k.create_rule("wxr_json_r",
                      "SELECT id, wxr_jecho(obj) AS o, wxr_jecho(arr) AS a, "
                      "wxr_jlen(arr) AS n, wxr_jecho(id) AS i, "
                      "wxr_jecho(obj->k) AS ok FROM wxr_sj", rc)
        for r in rows:
            k.push("/wxr_sj", r)
        want = []
        for r in rows:
            w = {"id": r["id"], "o": r["obj"], "a": r["arr"],
                 # the guest sees compact JSON text
                 "n": len(json.dumps(r["arr"], separators=(",", ":"),
                                     ensure_ascii=False).encode()),
                 "i": r["id"]}
            # obj->k of a row without k is null (a JSON value for the
            # function), and eKuiper leaves null columns out of its rows
            if r["obj"].get("k") is not None:
                w["ok"] = r["obj"]["k"]
            want.append(w)
        expect_rows(rc.wait_for(len(rows)), want)


def scenario_multi(k, wd):
    """Two functions of one plugin in one rule, a rule calling functions of
    two plugins (nested), and four plugins at once, among them eKuiper's
    TinyGo fixtures (WASI imports, asyncify)."""
    fib = fixture("fibonacci.zip", "fibonacci.wasm", wd)
    add = fixture("add.zip", "add.wasm", wd)
    red = fixture("reduce.zip", "reduce.wasm", wd)
    plugins = {
        "wxr_fibonacci": mk(wd, "wxr_fibonacci", fib, ["wxr_fib"],
                            {"fib": "wxr_fib"}),
        "wxr_num": mk(wd, "wxr_num", A.guest("real.wasm"),
                      ["wxr_add32", "wxr_addf"]),
        "wxr_tgadd": mk(wd, "wxr_tgadd", add, ["wxr_tgadd"],
                        {"add": "wxr_tgadd"}),
        "wxr_tgreduce": mk(wd, "wxr_tgreduce", red, ["wxr_tgreduce"],
                           {"reduce": "wxr_tgreduce"}),
    }
    for name, z in plugins.items():
        k.install_plugin(name, z)
    pids = {name: k.plugin_pids(name) for name in plugins}
    for name, p in pids.items():
        check(len(p) == 1, "plugin %s: processes %r", name, p)
    check(len({p[0] for p in pids.values()}) == 4, "pids %r", pids)

    k.create_stream("wxr_sm", "/wxr_sm")
    with K.Receiver() as r1, K.Receiver() as r2, K.Receiver() as r3:
        k.create_rule("wxr_two_fn", "SELECT id, wxr_add32(a, b) AS s, "
                      "wxr_addf(x, y) AS f FROM wxr_sm", r1)
        k.create_rule("wxr_two_pl", "SELECT id, wxr_fib(wxr_add32(a, b)) "
                      "AS fs FROM wxr_sm", r2)
        k.create_rule("wxr_tinygo", "SELECT id, wxr_tgadd(a, b) AS p, "
                      "wxr_tgreduce(a, b) AS m FROM wxr_sm", r3)
        n = 30
        for i in range(n):
            k.push("/wxr_sm", {"id": i, "a": i % 7, "b": i % 5,
                               "x": i / 4, "y": 0.5})

        def fibv(m):
            a, b = 1, 1
            for _ in range(m - 1):
                a, b = b, a + b
            return b if m >= 1 else 1

        expect_rows(r1.wait_for(n), [
            {"id": i, "s": i % 7 + i % 5, "f": i / 4 + 0.5}
            for i in range(n)])
        expect_rows(r2.wait_for(n), [
            {"id": i, "fs": fibv(i % 7 + i % 5)} for i in range(n)])
        expect_rows(r3.wait_for(n), [
            {"id": i, "p": i % 7 + i % 5, "m": i % 7 - i % 5}
            for i in range(n)])
    for name in plugins:
        check(k.plugin_pids(name) == pids[name],
              "plugin %s restarted: %r then %r", name, pids[name],
              k.plugin_pids(name))
        st = k.plugin_status(name)
        check(st.get("status") == "running", "plugin %s: %r", name, st)
    for rule in ("wxr_two_fn", "wxr_two_pl", "wxr_tinygo"):
        st = k.op_stats(rule)
        check(st.get("exceptions_total") == 0, "rule %s: %r", rule, st)


def scenario_trap(k, wd):
    """A function that traps on some rows: the trapped rows are errors
    (counted, last text kept, sent by sendError), every other row comes
    out, the plugin process is the same throughout."""
    install(k, wd, "wxr_num", A.guest("real.wasm"), ["wxr_div"])
    pid = k.plugin_pids("wxr_num")
    check(len(pid) == 1, "plugin processes %r", pid)
    k.create_stream("wxr_st", "/wxr_st")
    with K.Receiver() as rc, K.Receiver() as rce:
        k.create_rule("wxr_trap_r", "SELECT id, wxr_div(a, b) AS q "
                      "FROM wxr_st", rc)
        k.create_rule("wxr_trap_e", "SELECT id, wxr_div(a, b) AS q "
                      "FROM wxr_st", rce, {"sendError": True})
        rows = [(7, 2), (1, 0), (6, 3), (-2147483648, -1), (-9, 3), (5, 0)]
        rows += [(100 + i, 1 if i % 2 else 0) for i in range(40)]
        rows += [(100, 10)]
        want, traps = [], 0
        for i, (a, b) in enumerate(rows):
            k.push("/wxr_st", {"id": i, "a": a, "b": b})
            if b == 0 or (a, b) == (-2147483648, -1):
                traps += 1
            else:
                want.append({"id": i, "q": int(a / b)})
        expect_rows(rc.wait_for(len(want), 60), want)
        expect_exception(k, "wxr_trap_r", traps, call_error(
            "wxr_div", "wxr_div: trap: integer divide by zero"))
        st = k.op_stats("wxr_trap_r")
        check(st.get("records_out_total") == len(want), "stats %r", st)
        got = rce.wait_for(len(rows), 60)
        errs = error_texts(rce)
        check(len(errs) == traps, "sendError rule: %d errors, %d traps: %r",
              len(errs), traps, got)
        check(S("call func wxr_div error: wxr_div: trap: integer overflow")
              in errs[1], "the overflow row's error: %r", errs[1])
    check(k.plugin_pids("wxr_num") == pid, "the plugin process changed: "
          "%r then %r", pid, k.plugin_pids("wxr_num"))


def scenario_timeout(k, wd):
    """Functions that run past their limits.timeout_ms: below eKuiper's
    recvTimeout (5 s) the plugin's own error reaches eKuiper; above it
    eKuiper gives up first and resynchronises on the next row; without a
    limit the plugin's default (4500 ms) comes before eKuiper's 5 s. The
    rules survive and the next rows work."""
    real = A.guest("real.wasm")
    install(k, wd, "wxr_tshort", real, ["wxr_spin"],
            extra={"limits": {"timeout_ms": 1000}})
    install(k, wd, "wxr_tlong", real, ["wxr_spinlong"],
            {"wxr_spin": "wxr_spinlong"}, {"limits": {"timeout_ms": 8000}})
    install(k, wd, "wxr_tdef", real, ["wxr_spindef"],
            {"wxr_spin": "wxr_spindef"})
    pids = {n: k.plugin_pids(n) for n in ("wxr_tshort", "wxr_tlong",
                                          "wxr_tdef")}

    cases = [
        ("wxr_spin", 2, call_error(
            "wxr_spin", "wxr_spin: timeout: call exceeded 1000 ms")),
        ("wxr_spinlong", 1, call_error(
            "wxr_spinlong", "time out, plugin wxr_tlong status running, "
            "message: ")),
        ("wxr_spindef", 1, call_error(
            "wxr_spindef", "wxr_spindef: timeout: call exceeded 4500 ms")),
    ]
    for func, nspin, text in cases:
        stream = "wxr_s_" + func
        k.create_stream(stream, "/" + stream)
        with K.Receiver() as rc:
            rule = "wxr_r_" + func
            k.create_rule(rule, "SELECT id, %s(n) AS v FROM %s"
                          % (func, stream), rc)
            ns = [1] + [-1, 2] * nspin + [3, 4]
            for i, n in enumerate(ns):
                k.push("/" + stream, {"id": i, "n": n})
            want = [{"id": i, "v": n + 1} for i, n in enumerate(ns) if n >= 0]
            expect_rows(rc.wait_for(len(want), 30 + 15 * nspin), want)
            expect_exception(k, rule, nspin, text)
    for n, p in pids.items():
        check(len(p) == 1 and k.plugin_pids(n) == p,
              "plugin %s: processes %r then %r", n, p, k.plugin_pids(n))


SCENARIOS = {
    "numeric": scenario_numeric,
    "strings": scenario_strings,
    "json": scenario_json,
    "multi": scenario_multi,
    "trap": scenario_trap,
    "timeout": scenario_timeout,
}


def main():
    global A
    A = K.Args(sys.argv)
    K.run_scenarios(A, SCENARIOS, cls=Kuiperd)


if __name__ == "__main__":
    main()
