#!/usr/bin/env python3
"""Extism plugins (abi extism) in rules of the real eKuiper kuiperd.

  test_extism.py WASMEXT EXTISM_GUESTS_DIR SHARED_DIR KUIPERD_DIR \
      --missing=TEXT SCENARIO

SCENARIO: rust go as (or `all`). EXTISM_GUESTS_DIR is where tests/extism
built the guests from the real PDKs (extism_rust.wasm from the Rust PDK,
extism_go.wasm from the Go PDK, extism_as.wasm from the AssemblyScript
PDK, tests/guests/extism_*); --missing= is
what tests/extism found missing to build them (empty when nothing), so
that a guest that was not built fails its scenario naming the toolchain,
never skips it. SHARED_DIR is not used. WX_KEEP=1 keeps the work
directory.

Each scenario packs one guest, unchanged, with `wasmext ekuiper pack`
(exports renamed to the run's wxr_ names), installs it with POST
/plugins/portables and runs rules over a httppush stream, as a user
would:

  SELECT id, V(name) AS v, V(name)->count AS c, G(name) AS g,
         R(decode(b, "base64")) AS r, N(name) AS n FROM s
                             (V count_vowels, G greet, R reverse, N shout)
  SELECT id, C(name) AS k FROM s      (C check), twice: plain and sendError
  SELECT id, T(step) AS total FROM s2  (T counter, in a plugin of its own
                                       with instance_num 1)

The expected values are computed here, in Python, from what the guests'
sources say they return (not from a recorded run): count_vowels counts
the ASCII vowels and the characters of its input and answers JSON;
greet puts the plugin's extism.config "greeting" before it; reverse
reverses bytes; shout logs its input at four levels and answers its
length in bytes (declared json here, so a number); check answers "ok: "
+ input, or fails with the guest error `rejected "<input>"` for an empty
input or one holding "x"; counter adds its input (empty: 1) to a total
kept in an Extism variable. A number where a string is declared is
refused by the plugin before the guest runs.

What eKuiper does with the values (its source, v2.4.0,
internal/plugin/portable/runtime/function.go): the reply's result is
unmarshalled into a Go interface{}, so a json result that is an object
becomes a map (its fields reachable with ->, numbers as float64), a json
number a number, a string result stays a string and a bytes result is
its base64 text. A failed call drops the row and is counted in the
project operator's exceptions_total, its text in last_exception;
sendError puts the text in the row's place; the rule keeps running and
the rows after it come out. The guest's log calls are lines of the
plugin's stderr, which eKuiper copies into its log. The plugin process
serves on: the same pid throughout, and its status stays running.
"""

import base64
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kuiper as K  # noqa: E402
import scenarios as R  # noqa: E402  (the run's wxr_ names and checks)

A = None  # the command line (kuiper.Args); A.guests: EXTISM_GUESTS_DIR
MISSING = ""  # what tests/extism found missing (--missing=)
check = K.check
S = R.S

# scenario -> (guest file, plugin, the PDK that built it, greeting, the
# words of tests/extism's missing-toolchain messages that concern it)
GUESTS = {
    "rust": ("extism_rust.wasm", "wxr_xrust", "Rust PDK", "Hej",
             ("Rust", "cargo")),
    "go": ("extism_go.wasm", "wxr_xgo", "Go PDK", "Hola", ("Go 1.",)),
    "as": ("extism_as.wasm", "wxr_xas", "AssemblyScript PDK", "Hallo",
           ("node", "Node.js")),
}

# The rows' names: ASCII, non-ASCII (whose vowels are not ASCII vowels),
# none, quotes and a newline, a long one. None holds "x" or is empty, so
# check() takes each; BAD are the inputs check() refuses.
NAMES = ["Hello World", "\u00c0\u00e9\u00ee aeiou \u65e5\u672c", "rhythm",
         "a\"quote\\ and\nnl", "Ouagadougou " * 300]
BAD = ["", "xyz"]


# ------------------------------------------------ the guests, in Python

def py_vowels(s):
    return {"count": sum(1 for c in s if c in "aeiouAEIOU"),
            "total": len(s), "vowels": "aeiouAEIOU"}


def py_greet(greeting, s):
    return "%s, %s!" % (greeting, s)


def py_check(s):
    """check's answer, or None when it refuses s."""
    return None if s == "" or "x" in s else "ok: " + s


def py_rejected(s):
    """check's guest error for s, as both PDKs format it ({:?} and %q
    agree on these inputs)."""
    return "rejected %s" % json.dumps(s)


def blob(i, s):
    """The bytes row i sends for reverse: the name's UTF-8 and a few
    bytes that are not UTF-8, so that bytes stay bytes."""
    return s.encode() + bytes([0xFF, 0x00, i & 0xFF, 0x80])


# -------------------------------------------------------------- the test

def the_guest(scenario):
    """(path, plugin, greeting) of the scenario's guest. A guest whose
    toolchain tests/extism found missing fails, even if an older build
    left its file behind."""
    file, plugin, pdk, greeting, words = GUESTS[scenario]
    path = os.path.join(A.guests, file)
    if not os.path.isfile(path) or any(w in MISSING for w in words):
        raise K.HarnessError(
            "%s was not built from the Extism %s by tests/extism%s: this "
            "test needs it (build the target wx_extism_guests)"
            % (path, pdk, " (missing: %s)" % MISSING if MISSING else ""))
    return path, plugin, greeting


def install(k, wd, scenario):
    """The guest packed and installed as plugin wxr_xrust or wxr_xgo, its
    extism.config holding the scenario's greeting, with five functions
    (count_vowels, greet, reverse, check, shout under the run's names);
    returns {export's short name: function}, the plugin and its pid."""
    path, plugin, greeting = the_guest(scenario)
    tag = "wxr_x%s_" % scenario[0]
    names = {e: tag + e
             for e in ("vowels", "greet", "reverse", "check", "shout")}
    funcs = [
        {"name": names["vowels"], "abi": "extism", "params": ["string"],
         "results": ["json"]},
        {"name": names["greet"], "abi": "extism", "params": ["string"],
         "results": ["string"]},
        {"name": names["reverse"], "abi": "extism", "params": ["bytes"],
         "results": ["bytes"]},
        {"name": names["check"], "abi": "extism", "params": ["string"],
         "results": ["string"]},
        {"name": names["shout"], "abi": "extism", "params": ["string"],
         "results": ["json"]},
    ]
    exports = {"count_vowels": names["vowels"], "greet": names["greet"],
               "reverse": names["reverse"], "check": names["check"],
               "shout": names["shout"]}
    R.install(k, wd, plugin, path, funcs, exports,
              {"extism": {"config": {"greeting": greeting}}})
    pids = k.plugin_pids(plugin)
    check(len(pids) == 1, "plugin %s: processes %r", plugin, pids)
    return names, plugin, pids[0]


def rule_values(k, names, stream, rc):
    """Rule wxr_xv: count_vowels (its JSON, and one field of it), greet,
    reverse and shout on every row, to receiver rc."""
    sql = ("SELECT id, %(vowels)s(name) AS v, %(vowels)s(name)->count AS c, "
           "%(greet)s(name) AS g, %(reverse)s(decode(b, \"base64\")) AS r, "
           "%(shout)s(name) AS n FROM %(stream)s")
    k.create_rule("wxr_xv", sql % dict(names, stream=stream), rc)


def counter_rule(k, wd, which):
    """counter keeps a running total in an Extism variable, which lives
    in the instance: with instance_num 1 every row of the rule meets the
    same one, so the totals run on across rows (declared json: numbers)."""
    path, plugin, _ = the_guest(which)
    func = "wxr_x%s_counter" % which[0]
    R.install(k, wd, plugin + "c", path,
              [{"name": func, "abi": "extism", "params": ["string"],
                "results": ["json"]}], {"counter": func},
              {"instance_num": 1})
    steps = ["5", "", "-2", "40", " 7 "]
    stream = "wxr_xc"
    k.create_stream(stream, "/" + stream)
    with K.Receiver() as rc:
        k.create_rule("wxr_xcr", "SELECT id, %s(step) AS total FROM %s"
                      % (func, stream), rc)
        want, total = [], 0
        for i, step in enumerate(steps):
            k.push("/" + stream, {"id": i, "step": step})
            total += int(step) if step.strip() else 1
            want.append({"id": i, "total": total})
        R.expect_rows(rc.wait_for(len(want)), want)
    st = k.op_stats("wxr_xcr")
    check(st.get("exceptions_total") == 0, "counter rule: %r", st)


def scenario(k, wd, which):
    """The guest `which` (rust, go) in rules: values, errors, a running
    total, log lines, one process throughout."""
    names, plugin, pid = install(k, wd, which)
    greeting = the_guest(which)[2]
    f = {key: S(v) for key, v in names.items()}

    stream = "wxr_xs"
    k.create_stream(stream, "/" + stream)
    # Validate: an Extism function takes one argument, refused at rule
    # creation with our message.
    with K.Receiver() as unused:
        status, r = k.rest("POST", "/rules", k.rule_body(
            "wxr_xbad", "SELECT %s(name, name) AS v FROM %s"
            % (names["vowels"], stream), unused))
    check(status == 400, "rule with two arguments: %d %r", status, r)
    check("%s: expected 1 argument (string), got 2" % f["vowels"]
          in json.dumps(r), "rule with two arguments: %r", r)

    # Rows: the good names, a number where a string is declared (refused
    # by the plugin before the guest runs), then the names check() refuses,
    # each followed by a good row that must still come out.
    rows = [{"id": i, "name": s} for i, s in enumerate(NAMES)]
    rows.append({"id": 50, "name": 42})
    for j, s in enumerate(BAD):
        rows.append({"id": 60 + j, "name": s})
        rows.append({"id": 70 + j, "name": "after %d" % j})
    for r in rows:
        r["b"] = base64.b64encode(
            blob(r["id"], r["name"] if isinstance(r["name"], str) else "")
        ).decode()

    with K.Receiver() as rv, K.Receiver() as rk, K.Receiver() as rke:
        rule_values(k, names, stream, rv)
        k.create_rule("wxr_xk", "SELECT id, %s(name) AS k FROM %s"
                      % (names["check"], stream), rk)
        k.create_rule("wxr_xke", "SELECT id, %s(name) AS k FROM %s"
                      % (names["check"], stream), rke, {"sendError": True})
        for r in rows:
            k.push("/" + stream, r)

        strings = [r for r in rows if isinstance(r["name"], str)]
        want_v = []
        for r in strings:
            v = py_vowels(r["name"])
            want_v.append({
                "id": r["id"], "v": v, "c": v["count"],
                "g": py_greet(greeting, r["name"]),
                "r": base64.b64encode(
                    base64.b64decode(r["b"])[::-1]).decode(),
                "n": len(r["name"].encode())})
        R.expect_rows(rv.wait_for(len(want_v)), want_v)
        # The number row is the values rule's one exception: the first
        # function of its SELECT refuses it before any guest runs.
        R.expect_exception(k, "wxr_xv", 1, R.call_error(
            f["vowels"], "%s: argument 1" % f["vowels"]))

        want_k = [{"id": r["id"], "k": py_check(r["name"])} for r in strings
                  if py_check(r["name"]) is not None]
        R.expect_rows(rk.wait_for(len(want_k)), want_k)
        # The number and both refused names: the last is "xyz", the guest's
        # own message marked as a guest error; the rule keeps running.
        R.expect_exception(k, "wxr_xk", 1 + len(BAD), R.call_error(
            f["check"], "%s: guest error: %s" % (f["check"],
                                                 py_rejected(BAD[-1]))))
        st = k.op_stats("wxr_xk")
        check(st.get("records_out_total") == len(want_k), "stats %r", st)

        # sendError: every row, in order, the errors in the refused rows'
        # places.
        got = rke.wait_for(len(rows))
        order = [g.get("id") if "__unparsed__" not in g else None
                 for g in got]
        want_order = [r["id"] if isinstance(r["name"], str)
                      and py_check(r["name"]) is not None else None
                      for r in rows]
        check(order == want_order, "sendError rule: ids %r, expected %r",
              order, want_order)
        errs = R.error_texts(rke)
        check(len(errs) == 1 + len(BAD), "sendError errors %r", errs)
        for text, s in zip(errs[1:], BAD):
            want = S(R.call_error(f["check"], "%s: guest error: %s"
                                  % (f["check"], py_rejected(s))))
            check(text.endswith(want), "sendError text %r, expected it to "
                  "end with %r", text, want)

    counter_rule(k, wd, which)

    # The guest's log calls (shout logs at four levels) reach eKuiper's
    # log, one line each, tagged with the plugin, the function and the
    # level; eKuiper copies the plugin's stderr as it comes, hence the
    # bounded wait.
    for s in ("Hello World", "rhythm"):
        lines = ["[guest %s.%s %s] %s: %s" % (S(plugin), f["shout"], level,
                                              level, s)
                 for level in ("info", "warn", "error", "debug")]
        K.wait_until("the guest's log lines for %r in kuiperd's log" % s,
                     lambda: all(k.log_text().count(ln) == 1
                                 for ln in lines), 30)

    # One process served every call, guest errors included.
    check(k.plugin_pids(plugin) == [pid], "plugin %s: process %d, now %r",
          plugin, pid, k.plugin_pids(plugin))
    st = k.plugin_status(plugin)
    check(st.get("status") == "running", "plugin %s: %r", plugin, st)


SCENARIOS = {name: (lambda k, wd, name=name: scenario(k, wd, name))
             for name in GUESTS}


def main():
    global A, MISSING
    argv = [a for a in sys.argv if not a.startswith("--missing=")]
    for a in sys.argv:
        if a.startswith("--missing="):
            MISSING = a[len("--missing="):]
    A = K.Args(argv)
    R.A = A
    K.run_scenarios(A, SCENARIOS, cls=R.Kuiperd)


if __name__ == "__main__":
    main()
