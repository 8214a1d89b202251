#!/usr/bin/env python3
"""The example plugins of examples/plugins under the real eKuiper kuiperd.

  test_examples.py WASMEXT EXAMPLES_DIR SHARED_DIR KUIPERD_DIR

EXAMPLES_DIR is <build>/examples/plugins, where tests/examples built the
examples (the CTest fixtures wx_example_<name>); its configs.tsv lists
each plugin's config, whose module path is absolute (SHARED_DIR is
not used: kuiper.Args takes it; the tinygo build reads shared/). Every
config is packed with `wasmext ekuiper pack` as a user would, and all
seven plugins (car, line, text, math, add, reduce, gofn) go into ONE kuiperd
under their own names. Then one httppush stream and one rule per example
(the SQL of the example's README, plus an id column), and a rule that
chains functions of several plugins; rows are POSTed and the rows a
`rest` sink sends are compared with values computed here, in Python, from
what each README says the function returns (not from a recorded run).

What eKuiper does to the values (its source, v2.4.0): a function's result
comes back as JSON and is unmarshalled into a Go interface{}
(internal/plugin/portable/runtime/function.go, FuncReply), so every
number is a float64 from there on: an i64 result above 2^53 reaches the
rule rounded to the nearest float64 (fib(90) = 2880067194370816120 comes
out as 2880067194370816000), and a string result stays a string, even
when it is JSON text (create_line). Columns whose value is null are left
out of the row. A function's error drops the row and is counted in the
project operator's exceptions_total, its text in last_exception as
"call func NAME error: <the plugin's text>".

The function names are the examples' own (fib, add, link, ...), so the
socket files /tmp/func_<name>.ipc are those any user of the examples
gets. RESOURCE_LOCK kuiperd orders the tests of one ctest run; a lock
file in /tmp keeps two runs of this test from different build trees
apart, and a name another process already serves fails the test with
that reason. WX_KEEP=1 keeps the work directory.
"""

import codecs
import decimal
import errno
import fcntl
import json
import math
import os
import re
import socket
import struct
import sys
import time
import unicodedata

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kuiper as K  # noqa: E402

A = None  # the command line (kuiper.Args); A.guests is EXAMPLES_DIR

# plugin -> its functions, as the examples' READMEs list them
PLUGINS = {
    "car": ["link", "rank"],
    "line": ["create_line"],
    "text": ["slugify", "count_words"],
    "math": ["fib", "gcd"],
    "add": ["add"],
    "reduce": ["reduce"],
    "gofn": ["celsius_to_f", "collatz_steps", "rot13", "title_case"],
}
LOCK = "/tmp/wasmext-kuiperd-examples.lock"


check = K.check


# ------------------------------------------------- the functions, in Python

def wrap(v, bits):
    """v as a signed two's complement integer of `bits` bits."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def as_float64(v):
    """What eKuiper makes of a number a function returns: a float64."""
    return float(v)


def py_link(a, b):
    """car/README.md: the smaller id (as unsigned) in the high 32 bits."""
    ua, ub = a & 0xFFFFFFFF, b & 0xFFFFFFFF
    return wrap(min(ua, ub) << 32 | max(ua, ub), 64)


def py_rank(speed, distance):
    """car/README.md: minutes to cover distance km at speed km/h, -1 for a
    car that is not moving."""
    return distance / speed * 60.0 if speed > 0 else -1.0


def py_fib(n):
    """math/README.md: fib(0) = 0, fib(1) = 1, 0 for n < 0; i64, wraps."""
    a, b = 0, 1
    for _ in range(max(n, 0)):
        a, b = b, a + b
    return wrap(a, 64)


def py_gcd(a, b):
    return math.gcd(abs(a), abs(b))


def py_collatz(n):
    """go/README.md: steps down to 1; -1 for n < 1 and when 3n+1 would
    overflow int64."""
    if n < 1:
        return -1
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
            if n > 2 ** 63 - 1:
                return -1
        steps += 1
    return steps


def py_rot13(s):
    return codecs.encode(s, "rot13")  # ASCII letters only


def _title1(c):
    t = c.title()
    return t if len(t) == 1 else c.upper()


def py_title_case(s):
    """go/README.md: a word is a run of letters, digits, marks and
    apostrophes; its first letter in title case, the rest in lower case."""
    out, in_word = [], False
    for c in s:
        cat = unicodedata.category(c)
        word = cat[0] in "LM" or cat == "Nd" or c in "'\u2019"
        if not word:
            out.append(c)
        elif in_word:
            out.append(c.lower() if len(c.lower()) == 1 else c)
        else:
            out.append(_title1(c))
        in_word = word
    return "".join(out)


# slugify/README.md: accented Latin-1 letters lose their accent (é -> e,
# ß -> ss, Æ -> ae); these have no decomposition that drops the accent.
_FOLD = {"æ": "ae", "ß": "ss", "ø": "o", "ð": "d", "þ": "th"}


def _slug_part(c):
    o = ord(c)
    if "a" <= c <= "z" or "0" <= c <= "9":
        return c
    if "A" <= c <= "Z":
        return c.lower()
    if 0xC0 <= o <= 0xFF and c not in "\u00d7\u00f7":
        low = c.lower()
        if low in _FOLD:
            return _FOLD[low]
        base = unicodedata.normalize("NFD", low)[0]
        check("a" <= base <= "z", "no fold for %r", c)
        return base
    return ""


def py_slugify(s):
    """Words of lowercase ASCII letters and digits joined by dashes; any
    other character separates words."""
    words, word = [], ""
    for c in s:
        p = _slug_part(c)
        if p:
            word += p
        elif word:
            words.append(word)
            word = ""
    if word:
        words.append(word)
    return "-".join(words)


def py_count_words(s):
    return len([w for w in re.split("[ \t\n\v\f\r]+", s) if w])


def py_celsius_to_f(c):
    return c * 9 / 5 + 32


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32_text(v):
    """serde_json's text of an f32 (ryu: the shortest decimal that reads
    back as v, in plain notation, ".0" for an integral value); for the
    magnitudes used here (1e-5 to 1e16)."""
    for p in range(1, 10):
        s = "%.*e" % (p - 1, v)
        if f32(float(s)) == v:
            break
    t = format(decimal.Decimal(s), "f")
    return t if "." in t else t + ".0"


def py_create_line(p1, p2, desc):
    """create_line/README.md (src/lib.rs): the points read as f32, the
    length computed in f32 (each operation rounded to f32), valid unless
    the length is 0; serde_json's text, compact, fields in order."""
    a, b = json.loads(p1), json.loads(p2)
    x1, y1, x2, y2 = (f32(float(v)) for v in (a["x"], a["y"], b["x"],
                                              b["y"]))
    dx, dy = f32(x1 - x2), f32(y1 - y2)
    length = f32(math.sqrt(f32(f32(dx * dx) + f32(dy * dy))))
    return ('{"points":[{"x":%s,"y":%s},{"x":%s,"y":%s}],"valid":%s,'
            '"length":%s,"desc":%s}'
            % (f32_text(x1), f32_text(y1), f32_text(x2), f32_text(y2),
               "false" if length == 0 else "true", f32_text(length),
               json.dumps(desc, ensure_ascii=False)))


# ------------------------------------------------------------ comparing

def same(got, want):
    """Exact equality of JSON values, bool apart from numbers."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is type(want) and got == want
    if isinstance(want, (int, float)):
        if not isinstance(got, (int, float)):
            return False
        # eKuiper's numbers are float64: Go writes 9223372034707292160.0
        # as 9223372034707292000, which denotes the same float64
        if isinstance(want, float) or isinstance(got, float):
            return float(got) == float(want)
        return got == want
    if isinstance(want, dict):
        return isinstance(got, dict) and sorted(got) == sorted(want) and \
            all(same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and \
            all(same(g, w) for g, w in zip(got, want))
    return got == want


def expect_rows(rule, rows, want):
    """The rows are exactly `want` (dicts with an id), in any order."""
    got = {}
    for r in rows:
        check(isinstance(r, dict) and "id" in r, "rule %s: row %r", rule, r)
        check(r["id"] not in got, "rule %s: id %r twice", rule, r["id"])
        got[r["id"]] = r
    exp = {w["id"]: w for w in want}
    check(sorted(got) == sorted(exp), "rule %s: row ids %s, expected %s; "
          "rows: %s", rule, sorted(got), sorted(exp), json.dumps(rows,
                                                                 indent=1))
    bad = ["  id %r: got      %s\n         expected %s"
           % (i, json.dumps(got[i], sort_keys=True, ensure_ascii=False),
              json.dumps(w, sort_keys=True, ensure_ascii=False))
           for i, w in sorted(exp.items()) if not same(got[i], w)]
    check(not bad, "rule %s: %d rows differ:\n%s", rule, len(bad),
          "\n".join(bad))
    print("  rule %s: %d rows as expected" % (rule, len(want)))
    return got


def expect_errors(k, rule, count, texts):
    """The rule's project operator counted `count` exceptions, the last
    one holding each of `texts`, and the rule runs on."""
    st = k.op_stats(rule)
    check(st.get("exceptions_total") == count,
          "rule %s: exceptions_total %r, expected %d (last: %r)", rule,
          st.get("exceptions_total"), count, st.get("last_exception"))
    last = st.get("last_exception", "")
    if isinstance(texts, str):
        texts = [texts]
    for text in texts if count else []:
        check(text in last, "rule %s: last_exception %r does not hold %r",
              rule, last, text)
    check(k.rule_status(rule).get("status") == "running",
          "rule %s is not running: %r", rule, k.rule_status(rule))


def call_error(func, text):
    return "call func %s error: %s" % (func, text)


# ------------------------------------------------------------- the cases
#
# Each: the stream's schema (the README's, plus id), the rule's SQL (the
# README's, plus id), rows to push, and for each row either the row the
# sink should get or an error the row should raise instead.

def cases():
    c = {}

    # car: `SELECT link(a,b), rank(speed,distance) FROM demo`, and the
    # README's row {"a":7,"b":3,"speed":72,"distance":3} gives
    # {"link":12884901895,"rank":2.5}.
    rows, want = [], []
    for i, (a, b, sp, d) in enumerate([
            (7, 3, 72, 3), (3, 7, 0, 3), (-1, -2, 90, 45.5),
            (2147483647, -2147483648, 33.3, 7.7), (0, 0, -5, 1),
            (123456, 654321, 1e-3, 1e6)]):
        rows.append({"id": i, "a": a, "b": b, "speed": sp, "distance": d})
        want.append({"id": i, "link": as_float64(py_link(a, b)),
                     "rank": py_rank(float(sp), float(d))})
    check(same(want[0], {"id": 0, "link": 12884901895, "rank": 2.5}),
          "car README row: %r", want[0])
    bad = {"id": 99, "a": 4294967296, "b": 1, "speed": 1, "distance": 1}
    c["car"] = dict(
        schema="id bigint, a bigint, b bigint, speed float, distance float",
        sql="SELECT id, link(a,b), rank(speed,distance) FROM ex_car",
        rows=rows[:3] + [bad] + rows[3:], want=want, errors=(1, call_error(
            "link", "link: argument 1: 4294967296 does not fit i32 "
            "exactly")))

    # create_line: `SELECT create_line(p1,p2,desc) FROM demo`; the result
    # is JSON text, which eKuiper keeps as a string.
    rows, want = [], []
    lines = [
        ('{"x":2.5,"y":7.8}', '{"x":2.5,"y":5.8}', "A thin red line"),
        ('{"x":1.5,"y":3.8}', '{"x":2.5,"y":5.8}', "A thin red line"),
        ('{"x":1,"y":1}', '{"x":1,"y":1}', "a dot"),
        ('{"x":0,"y":0}', '{"x":3,"y":4}', ""),
        ('{"y":-1.25,"x":1e3}', '{"x":-0.1,"y":0.2}',
         'say "h\u00e9" \\ \u2713 \u65e5\u672c\n\ttab'),
    ]
    for i, (p1, p2, d) in enumerate(lines):
        rows.append({"id": i, "p1": p1, "p2": p2, "desc": d})
        want.append({"id": i, "create_line": py_create_line(p1, p2, d)})
    check(want[0]["create_line"] ==
          '{"points":[{"x":2.5,"y":7.8},{"x":2.5,"y":5.8}],"valid":true,'
          '"length":2.0,"desc":"A thin red line"}', "create_line README: %r",
          want[0])
    # a point that is not JSON: the guest panics, the call traps
    bad = {"id": 99, "p1": '{"x":2.5', "p2": '{"x":2.5,"y":5.8}',
           "desc": "oops"}
    c["line"] = dict(
        # DESC is a keyword of eKuiper's SQL: the README's `desc` field
        # must be quoted with backquotes, in the stream and in the rule
        schema="id bigint, p1 string, p2 string, `desc` string",
        sql="SELECT id, create_line(p1,p2,`desc`) FROM ex_line",
        rows=rows[:2] + [bad] + rows[2:], want=want,
        errors=(1, [call_error("create_line", "create_line: in "
                               "create_line("), "trap: unreachable"]))

    # slugify: `SELECT slugify(title), count_words(title) FROM demo`;
    # {"title":"Crème Brûlée: 2 Recipes!"} gives
    # {"count_words":4,"slugify":"creme-brulee-2-recipes"}.
    rows, want = [], []
    titles = ["Cr\u00e8me Br\u00fbl\u00e9e: 2 Recipes!",
              "\u00c6r\u00f8sk\u00f8bing \u00d7 Stra\u00dfe 42",
              "  Hello, World!  wasm ext ", "",
              "\u00deórr \u00d0\u00ff\u00d8 \u65e5\u672c ok\u00f7x",
              "a\tb\nc\r\nd  \U0001F600 smile--- _x_ ",
              "".join(chr(c) for c in range(0xC0, 0x100))]
    for i, t in enumerate(titles):
        rows.append({"id": i, "title": t})
        want.append({"id": i, "slugify": py_slugify(t),
                     "count_words": py_count_words(t)})
    for got, exp in [(want[0], ("creme-brulee-2-recipes", 4)),
                     (want[1], ("aeroskobing-strasse-42", 4)),
                     (want[2], ("hello-world-wasm-ext", 4))]:
        check((got["slugify"], got["count_words"]) == exp,
              "slugify README: %r, expected %r", got, exp)
    c["text"] = dict(
        schema="id bigint, title string",
        sql="SELECT id, slugify(title), count_words(title) FROM ex_text",
        rows=rows, want=want, errors=(0, []))

    # math: `SELECT fib(n), gcd(a,b) FROM demo`; {"n":10,"a":84,"b":-36}
    # gives {"fib":55,"gcd":12}. fib(2000000000) runs past the config's
    # limits.timeout_ms (1000).
    rows, want = [], []
    for i, (n, a, b) in enumerate([
            (10, 84, -36), (0, 0, 0), (1, -48, -180), (-3, 17, 0),
            (78, 0, -7), (90, 2 ** 40, 2 ** 52 + 2 ** 20), (92, 1071, 462),
            (93, 9007199254740881, 3)]):
        rows.append({"id": i, "n": n, "a": a, "b": b})
        want.append({"id": i, "fib": as_float64(py_fib(n)),
                     "gcd": as_float64(py_gcd(a, b))})
    check(same(want[0], {"id": 0, "fib": 55, "gcd": 12}),
          "math README row: %r", want[0])
    # fib(90) is exact in wasm but not after eKuiper's float64
    check(py_fib(90) == 2880067194370816120 and
          want[5]["fib"] != 2880067194370816120, "fib(90): %r", want[5])
    bad = {"id": 99, "n": 2000000000, "a": 1, "b": 1}
    c["math"] = dict(
        schema="id bigint, n bigint, a bigint, b bigint",
        sql="SELECT id, fib(n), gcd(a,b) FROM ex_math",
        rows=rows[:4] + [bad] + rows[4:], want=want,
        errors=(1, call_error("fib", "fib: timeout: call exceeded 1000 ms")))

    # tinygo: `SELECT add(a,b), reduce(a,b) FROM demo`; i32 arithmetic
    rows, want = [], []
    for i, (a, b) in enumerate([(40, 2), (2147483647, 1),
                                (-2147483648, 1), (-5, -7), (0, 0),
                                (-2147483648, -2147483648)]):
        rows.append({"id": i, "a": a, "b": b})
        want.append({"id": i, "add": wrap(a + b, 32),
                     "reduce": wrap(a - b, 32)})
    check(same(want[:2], [{"id": 0, "add": 42, "reduce": 38},
                          {"id": 1, "add": -2147483648,
                           "reduce": 2147483646}]),
          "tinygo README rows: %r", want[:2])
    bad = {"id": 99, "a": 1, "b": 2.5}
    c["tinygo"] = dict(
        schema="id bigint, a bigint, b float",
        sql="SELECT id, add(a,b), reduce(a,b) FROM ex_tinygo",
        rows=rows[:1] + [bad] + rows[1:], want=want,
        errors=(1, call_error("add", "add: argument 2: 2.5 does not fit "
                              "i32 exactly")))

    # go: `SELECT celsius_to_f(c) AS f, collatz_steps(n) AS steps,
    # rot13(t) AS r, title_case(t) AS tc FROM godemo`, and the README's
    # two rows and what they gave.
    readme = [
        ({"c": 37, "n": 27, "t": "gr\u00fc\u00dfe aus \u4e16\u754c, HELLO"},
         {"f": 98.6, "r": "te\u00fc\u00dfr nhf \u4e16\u754c, URYYB",
          "steps": 111, "tc": "Gr\u00fc\u00dfe Aus \u4e16\u754c, Hello"}),
        ({"c": 100, "n": 0, "t": "o'BRIEN"},
         {"f": 212, "r": "b'OEVRA", "steps": -1, "tc": "O'brien"}),
    ]
    more = [
        {"c": -40, "n": 837799, "t": "o'BRIEN's CAF\u00c9 \u00fcber-"
                                     "gr\u00f6\u00dfe"},
        {"c": 36.6, "n": 1, "t": "\u00c9COLE d\u2019\u00e9t\u00e9 "
                                 "\u03b1\u03b2\u03b3 \u0394\u0395\u0396 "
                                 "x2Y 3rd"},
        {"c": -273.15, "n": -5, "t": "Grrr... 1234 \U0001F600 Why?"},
        # 2^52 - 1: 52 odd steps in a row take its path past 2^63 (so
        # -1); the start itself is below 2^53, exact in a float64
        {"c": 0.1, "n": 2 ** 52 - 1, "t": ""},
    ]
    rows, want = [], []
    for i, row in enumerate([r for r, _ in readme] + more):
        rows.append(dict(row, id=i))
        w = {"id": i, "f": py_celsius_to_f(float(row["c"])),
             "steps": as_float64(py_collatz(row["n"])),
             "r": py_rot13(row["t"]), "tc": py_title_case(row["t"])}
        want.append(w)
        if i < len(readme):
            check(same(dict(w, id=None), dict(readme[i][1], id=None)),
                  "go README row %d: %r, expected %r", i, w, readme[i][1])
    check(want[2]["tc"] == "O'brien's Caf\u00e9 \u00dcber-Gr\u00f6\u00dfe"
          and want[2]["steps"] == 524 and want[5]["steps"] == -1,
          "go README values: %r", want)
    c["go"] = dict(
        schema="id bigint, c float, n bigint, t string",
        sql="SELECT id, celsius_to_f(c) AS f, collatz_steps(n) AS steps, "
            "rot13(t) AS r, title_case(t) AS tc FROM ex_go",
        rows=rows, want=want, errors=(0, []))

    # several plugins in one rule, results of one passed to another
    # (through eKuiper's float64)
    rows, want = [], []
    for i, (a, b, t) in enumerate([(3, 4, "Hello World"),
                                   (30, 12, "\u00e9t\u00e9 \u00e0 Paris"),
                                   (-50, 140, "abc xyz 123")]):
        p1, p2 = '{"x":%d,"y":0}' % a, '{"x":0,"y":%d}' % b
        rows.append({"id": i, "a": a, "b": b, "t": t, "p1": p1, "p2": p2})
        s = wrap(a + b, 32)
        want.append({"id": i, "fa": as_float64(py_fib(s)),
                     "sr": py_slugify(py_rot13(t)),
                     "wc": py_count_words(py_title_case(t)),
                     "lk": as_float64(py_link(s, wrap(a - b, 32))),
                     "cg": py_celsius_to_f(float(py_gcd(a, b))),
                     "ln": py_create_line(p1, p2, py_slugify(t))})
    c["mix"] = dict(
        schema="",
        sql="SELECT id, fib(add(a, b)) AS fa, slugify(rot13(t)) AS sr, "
            "count_words(title_case(t)) AS wc, "
            "link(add(a, b), reduce(a, b)) AS lk, "
            "celsius_to_f(gcd(a, b)) AS cg, "
            "create_line(p1, p2, slugify(t)) AS ln FROM ex_mix",
        rows=rows, want=want, errors=(0, []))
    return c


# -------------------------------------------------------------- the test

def read_configs():
    """{plugin: config path} from EXAMPLES_DIR/configs.tsv; every module
    must be built (the wx_example_<name> fixtures)."""
    tsv = os.path.join(A.guests, "configs.tsv")
    check(os.path.isfile(tsv), "no %s: the examples are not configured in "
          "this build tree", tsv)
    out = {}
    with open(tsv) as f:
        for line in f:
            if not line.strip():
                continue
            plugin, cfg, wasm = line.rstrip("\n").split("\t")
            check(os.path.isfile(wasm), "example %s is not built: no %s "
                  "(tests/examples builds it: ctest -R "
                  "examples/plugins/build_)", plugin, wasm)
            out[plugin] = cfg
    check(sorted(out) == sorted(PLUGINS), "configs.tsv lists %s, expected "
          "%s", sorted(out), sorted(PLUGINS))
    return out


def socket_in_use(path):
    """Whether a process accepts connections on the unix socket path."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def take_lock(timeout=240):
    """An exclusive lock on LOCK, for at most `timeout` seconds of
    waiting: runs of this test from other build trees use the same
    socket paths."""
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            os.close(fd)
            raise K.HarnessError("another run of this test held %s for "
                                 "%gs" % (LOCK, timeout))
        time.sleep(0.5)


def run_examples(k, wd):
    configs = read_configs()
    names = ["/tmp/plugin_%s.ipc" % p for p in PLUGINS] + \
        ["/tmp/func_%s.ipc" % f for fs in PLUGINS.values() for f in fs]
    busy = [p for p in names if socket_in_use(p)]
    check(not busy, "another process serves %s (another eKuiper with these "
          "plugins?)", ", ".join(busy))

    # pack each config as it is, install all of them
    for plugin, cfg in configs.items():
        z = K.pack(A.wasmext, cfg, os.path.join(wd, plugin + ".zip"))
        k.install_plugin(plugin, z)
        print("installed %s from %s" % (plugin, cfg))
    for plugin, funcs in PLUGINS.items():
        status, info = k.rest("GET", "/plugins/portables/" + plugin)
        check(status == 200 and isinstance(info, dict) and
              sorted(info.get("functions") or []) == sorted(funcs),
              "plugin %s: %d %r, expected functions %s", plugin, status,
              info, funcs)
        st = k.plugin_status(plugin)
        check(st.get("status") == "running", "plugin %s: %r", plugin, st)
    pids = {p: k.plugin_pids(p) for p in PLUGINS}
    for p, pp in pids.items():
        check(len(pp) == 1, "plugin %s: processes %r", p, pp)
    check(len({pp[0] for pp in pids.values()}) == len(PLUGINS),
          "pids %r", pids)

    all_cases = cases()
    receivers = {}
    try:
        for name, case in all_cases.items():
            stream = "ex_" + name
            k.create_stream(stream, "/" + stream, case["schema"])
            receivers[name] = K.Receiver()
            k.create_rule(stream, case["sql"], receivers[name])
        for name, case in all_cases.items():
            for row in case["rows"]:
                k.push("/ex_" + name, row)
        for name, case in all_cases.items():
            rule = "ex_" + name
            expect_rows(rule, receivers[name].wait_for(len(case["want"]), 60),
                        case["want"])
            count, text = case["errors"]
            expect_errors(k, rule, count, text)
            st = k.op_stats(rule)
            check(st.get("records_out_total") == len(case["want"]),
                  "rule %s: %r", rule, st)
    finally:
        for r in receivers.values():
            r.close()

    # the guest's panic went to the plugin's stderr, which is kuiperd's
    panic = 'Error("EOF while parsing an object", line: 1, column: 8)'
    check(panic in k.log_text(), "kuiperd's log has no %r", panic)

    # the same processes served everything (traps and timeouts included)
    for p in PLUGINS:
        check(k.plugin_pids(p) == pids[p], "plugin %s: processes %r then "
              "%r", p, pids[p], k.plugin_pids(p))
        st = k.plugin_status(p)
        check(st.get("status") == "running", "plugin %s: %r", p, st)


def main():
    global A
    A = K.Args(sys.argv)
    # The examples' real function names make their socket paths the
    # host's: one run at a time, across build trees too.
    lock = take_lock()
    try:
        K.run_scenarios(A, {"examples": run_examples})
    finally:
        os.close(lock)


if __name__ == "__main__":
    main()
