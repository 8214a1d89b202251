"""A harness that drives the real eKuiper kuiperd through its REST API.

Python 3 standard library only. What a test uses:

  free_port()                 a free loopback TCP port
  Kuiperd(kuiper_dir, workdir)  a kuiperd in a fresh KUIPER_HOME under
                              workdir (laid out by scripts/ekuiper.sh home
                              from kuiper_dir/home), on free loopback
                              ports; .start() .stop() .restart() .kill()
                              .rest() .push() .log_text() .plugin_pids();
                              a context manager that always stops it
  Receiver()                  a loopback HTTP server collecting what a
                              `rest` sink POSTs
  pack(wasmext, config, zip)  `wasmext ekuiper pack CONFIG -o ZIP`
  rename_exports(wasm, map)   a copy of a module with exports renamed
  Kuiperd helpers             create_stream, create_rule (rest sink to a
                              Receiver, sendSingle), rule_status, op_stats,
                              install_plugin, plugin_status,
                              delete_rule/stream/plugin
  make_plugin(...)            a module (exports renamed), its config, packed

kuiperd runs with basic.enablePrivateNet true: without it eKuiper's rest
sink refuses loopback URLs ("ip 127.0.0.1 is in internal network"). Every
wait is bounded and fails with what it saw; nothing here times anything.
"""

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
EKUIPER_SH = os.path.join(REPO, "scripts", "ekuiper.sh")
DEFAULT_KUIPER_DIR = os.path.join(REPO, "build", "ekuiper")


class HarnessError(AssertionError):
    """A failed expectation of the harness or of a test."""


def check(cond, msg, *fmt):
    """Fails the scenario with msg % fmt unless cond holds."""
    if not cond:
        raise HarnessError(msg % fmt if fmt else msg)


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method, url, body=None, timeout=30):
    """(status, parsed JSON or text) of one HTTP request."""
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def wait_until(what, pred, timeout, interval=0.1):
    """Polls pred() until it returns a true value (returned) or timeout
    seconds pass (HarnessError naming `what` and the last value)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise HarnessError("timed out after %gs waiting for %s (last: %r)"
                               % (timeout, what, last))
        time.sleep(interval)


# ------------------------------------------------------------ processes

def _proc_stat(pid):
    """(ppid, state) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[1]), rest[0]


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace")
                    for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _cwd(pid):
    try:
        return os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        return ""


def descendants(root):
    """Live (not zombie) pids below root, by a /proc scan."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = _proc_stat(int(name))
        if st and st[1] != "Z":
            children.setdefault(st[0], []).append(int(name))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid):
    st = _proc_stat(pid)
    return st is not None and st[1] != "Z"


# ---------------------------------------------------------------- kuiperd

class Kuiperd:
    """A real kuiperd in its own KUIPER_HOME (workdir/home), its log in
    workdir/kuiperd.log, on free loopback ports kept across restarts."""

    def __init__(self, kuiper_dir=None, workdir=None):
        self.kuiper_dir = os.path.abspath(kuiper_dir or DEFAULT_KUIPER_DIR)
        self.exe = os.path.join(self.kuiper_dir, "kuiperd")
        if not os.access(self.exe, os.X_OK) or not os.path.isfile(
                os.path.join(self.kuiper_dir, "home", "etc", "kuiper.yaml")):
            raise HarnessError(
                "no eKuiper kuiperd in %s: run make ekuiper (or set "
                "WX_KUIPERD_DIR to a directory holding kuiperd and home/)"
                % self.kuiper_dir)
        if workdir is None:
            raise HarnessError("Kuiperd needs a workdir")
        self.workdir = os.path.abspath(workdir)
        self.home = os.path.join(self.workdir, "home")
        self.logfile = os.path.join(self.workdir, "kuiperd.log")
        if not os.path.isdir(os.path.join(self.home, "etc")):
            os.makedirs(self.workdir, exist_ok=True)
            r = subprocess.run(["bash", EKUIPER_SH, "home", self.kuiper_dir,
                                self.home], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            if r.returncode != 0:
                raise HarnessError("scripts/ekuiper.sh home failed: %s"
                                   % r.stdout.decode(errors="replace"))
        self.rest_port = free_port()
        self.rpc_port = free_port()
        self.push_port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.rest_port
        self.push_url = "http://127.0.0.1:%d" % self.push_port
        self.extra_env = {}
        self.ipc_files = set()
        self.proc = None
        self._log = None

    # -- lifecycle
    def env(self):
        e = dict(os.environ)
        e.update({
            "KuiperBaseKey": self.home,
            "KUIPER__BASIC__RESTPORT": str(self.rest_port),
            "KUIPER__BASIC__RESTIP": "127.0.0.1",
            "KUIPER__BASIC__PORT": str(self.rpc_port),
            "KUIPER__BASIC__IP": "127.0.0.1",
            "KUIPER__BASIC__PPROF": "false",
            "KUIPER__BASIC__PROMETHEUS": "false",
            "KUIPER__SOURCE__HTTPSERVERPORT": str(self.push_port),
            "KUIPER__SOURCE__HTTPSERVERIP": "127.0.0.1",
            "KUIPER__BASIC__CONSOLELOG": "true",
            "KUIPER__BASIC__ENABLEPRIVATENET": "true",
        })
        e.update(self.extra_env)
        return e

    def start(self, timeout=60):
        if self.proc is not None and self.proc.poll() is None:
            raise HarnessError("kuiperd is already running")
        self._log = open(self.logfile, "ab")
        self._log.write(b"\n==== harness: starting kuiperd ====\n")
        self._log.flush()
        self.proc = subprocess.Popen([self.exe], cwd=self.home,
                                     env=self.env(), stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        last = None
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise HarnessError("kuiperd exited with %s before answering; "
                                   "its log ends with:\n%s"
                                   % (rc, self.log_tail()))
            try:
                status, body = _http("GET", self.base_url + "/", timeout=2)
                if status == 200 and isinstance(body, dict) \
                        and "version" in body:
                    self.version = body["version"]
                    return self
                last = (status, body)
            except OSError as e:
                last = e
            if time.monotonic() >= deadline:
                self.kill()
                raise HarnessError("kuiperd did not answer GET / within %gs "
                                   "(last: %r); its log ends with:\n%s"
                                   % (timeout, last, self.log_tail()))
            time.sleep(0.2)

    def _reap_plugins(self, pids, timeout=10):
        """Kills (SIGKILL) the processes in pids that are still alive and
        waits until they are gone."""
        for p in pids:
            if _alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self, timeout=20):
        """SIGTERM, a bounded wait, then SIGKILL; plugin processes left
        behind are killed too. Returns kuiperd's exit status."""
        if self.proc is None:
            return None
        kids = descendants(self.proc.pid)
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(10)
        self.stopped_leftovers = [p for p in kids if _alive(p)]
        self._reap_plugins(kids)
        self._close_log()
        return rc

    def kill(self):
        """SIGKILL kuiperd (its plugins are orphaned, as after a crash;
        they are killed by stop() or close())."""
        if self.proc is None:
            return None
        self.orphans = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.kill()
        rc = self.proc.wait(10)
        self._close_log()
        return rc

    def restart(self, timeout=60):
        """stop() then start() on the same home and ports."""
        self.stop()
        return self.start(timeout)

    def close(self):
        self.stop()
        self._reap_plugins(getattr(self, "orphans", []))
        # eKuiper leaves its IPC socket files behind; remove those of the
        # plugins this harness installed (the names are the suite's own).
        for path in sorted(self.ipc_files):
            try:
                os.unlink(path)
            except OSError:
                pass

    def _close_log(self):
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- looking at it
    def log_text(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def plugin_pids(self, name):
        """Pids of the live processes kuiperd started for portable plugin
        `name`: its descendants whose working directory or command line is
        in plugins/portable/<name>/."""
        if self.proc is None:
            return []
        mark = os.path.join(self.home, "plugins", "portable", name)
        out = []
        for p in descendants(self.proc.pid):
            cwd = _cwd(p)
            if cwd == mark or cwd.startswith(mark + "/") or any(
                    a.startswith(mark + "/") for a in _cmdline(p)):
                out.append(p)
        return out

    # -- REST
    def rest(self, method, path, body=None, timeout=60):
        """(status, parsed JSON or text) of a REST call."""
        return _http(method, self.base_url + path, body, timeout)

    def expect(self, method, path, body=None, ok=(200, 201)):
        status, r = self.rest(method, path, body)
        if status not in ok:
            raise HarnessError("%s %s %s -> %d %r\nkuiperd log ends with:\n%s"
                               % (method, path,
                                  json.dumps(body) if body else "", status, r,
                                  self.log_tail()))
        return r

    def push(self, stream_path, row):
        """POSTs one row (a dict, or any JSON value) to the httppush
        server; fails unless it is accepted."""
        status, r = _http("POST", self.push_url + stream_path, row)
        if status != 200:
            raise HarnessError("push %s %r -> %d %r" % (stream_path, row,
                                                        status, r))
        return r

    # -- helpers
    def install_plugin(self, name, zip_path):
        """POST /plugins/portables; fails unless eKuiper installs it (the
        call returns once the plugin's process has handshaken)."""
        r = self.expect("POST", "/plugins/portables",
                        {"name": name,
                         "file": "file://" + os.path.abspath(zip_path)})
        status, info = self.rest("GET", "/plugins/portables/" + name)
        if status == 200 and isinstance(info, dict):
            self.ipc_files.add("/tmp/plugin_%s.ipc" % info.get("name"))
            for f in info.get("functions") or []:
                self.ipc_files.add("/tmp/func_%s.ipc" % f)
        return r

    def plugin_status(self, name):
        """GET /plugins/portables/NAME/status: {"status", "errMsg", ...}."""
        status, r = self.rest("GET", "/plugins/portables/%s/status" % name)
        if status != 200 or not isinstance(r, dict):
            raise HarnessError("GET /plugins/portables/%s/status -> %d %r"
                               % (name, status, r))
        return r

    def delete_plugin(self, name):
        return self.rest("DELETE", "/plugins/portables/" + name)

    def create_stream(self, name, path, schema="", fmt="JSON"):
        """A httppush stream on `path` (e.g. "/s1"); schema like
        "num bigint" or "" for schemaless."""
        sql = ('CREATE STREAM %s (%s) WITH (TYPE="httppush", '
               'DATASOURCE="%s", FORMAT="%s")' % (name, schema, path, fmt))
        return self.expect("POST", "/streams", {"sql": sql})

    def delete_stream(self, name):
        return self.rest("DELETE", "/streams/" + name)

    def rule_body(self, rule_id, sql, receiver, options=None):
        body = {"id": rule_id, "sql": sql,
                "actions": [{"rest": {"url": receiver.url, "method": "post",
                                      "sendSingle": True,
                                      "bodyType": "json"}}]}
        if options:
            body["options"] = options
        return body

    def create_rule(self, rule_id, sql, receiver, options=None):
        """A rule whose rest sink POSTs each row to receiver; fails unless
        created, then waits until its status is running."""
        self.expect("POST", "/rules",
                    self.rule_body(rule_id, sql, receiver, options))
        wait_until("rule %s running" % rule_id,
                   lambda: self.rule_status(rule_id).get("status")
                   == "running", 30)

    def wait_rule_running_after_start(self, rule_id, timeout=60):
        """Waits for rule_id to run again after kuiperd started on an old
        home. eKuiper 2.4.0 restores its rules concurrently with the
        portable plugins' function symbols, and a rule whose SQL names a
        plugin function can lose that race ("start failed: Parse SQL ...
        error: function X not found"), which leaves it stopped until
        someone starts it: what a user does then, this does once, and
        says so. Any other stop, or a second one, fails the wait."""
        started = [False]

        def running():
            st = self.rule_status(rule_id)
            if st.get("status") == "running":
                return True
            text = json.dumps(st)
            if (not started[0] and st.get("status", "").startswith("stop")
                    and "not found" in text):
                print("eKuiper restored rule %s before the plugin's "
                      "functions (its start-up race): starting it once"
                      % rule_id)
                started[0] = True
                self.expect("POST", "/rules/%s/start" % rule_id)
            return False

        wait_until("rule %s running" % rule_id, running, timeout)
        return started[0]

    def rule_status(self, rule_id):
        status, r = self.rest("GET", "/rules/%s/status" % rule_id)
        if status != 200 or not isinstance(r, dict):
            raise HarnessError("GET /rules/%s/status -> %d %r"
                               % (rule_id, status, r))
        return r

    def op_stats(self, rule_id, op="project"):
        """The metrics of the rule's first operator whose name contains
        `op` (eKuiper 2.4 names them op_<n>_<op>_<instance>_<metric>), as
        a dict without the prefix: exceptions_total, last_exception,
        records_in_total, records_out_total, ..."""
        st = self.rule_status(rule_id)
        prefix = None
        for k in st:
            if k.startswith("op_") and ("_%s_" % op) in k \
                    and k.endswith("_records_in_total"):
                prefix = k[:-len("records_in_total")]
                break
        if prefix is None:
            raise HarnessError("rule %s has no %s operator in its status: %r"
                               % (rule_id, op, sorted(st)))
        return {k[len(prefix):]: v for k, v in st.items()
                if k.startswith(prefix)}

    def delete_rule(self, rule_id):
        return self.rest("DELETE", "/rules/" + rule_id)


# --------------------------------------------------------------- receiver

class Receiver:
    """A threaded loopback HTTP server that collects the JSON bodies a
    `rest` sink POSTs; arrays are flattened into rows."""

    def __init__(self):
        self._rows = []
        self._raw = []
        self._cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n)
                outer._add(data)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d/sink" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def _add(self, data):
        text = data.decode("utf-8", "replace")
        try:
            v = json.loads(text)
        except ValueError:
            v = {"__unparsed__": text}
        with self._cond:
            self._raw.append(text)
            self._rows.extend(v if isinstance(v, list) else [v])
            self._cond.notify_all()

    def rows(self):
        with self._cond:
            return list(self._rows)

    def raw(self):
        with self._cond:
            return list(self._raw)

    def clear(self):
        with self._cond:
            self._rows.clear()
            self._raw.clear()

    def wait_for(self, n, timeout=60):
        """Waits until at least n rows came; returns them all. Fails with
        the rows it got."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._rows) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError("expected %d rows at the sink within "
                                       "%gs, got %d: %s"
                                       % (n, timeout, len(self._rows),
                                          json.dumps(self._rows)))
                self._cond.wait(left)
            return list(self._rows)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ------------------------------------------------------------- packaging

def pack(wasmext, config_path, out_zip, *extra):
    """`wasmext ekuiper pack CONFIG -o ZIP [extra...]`; fails with its
    output unless it exits 0."""
    r = subprocess.run([wasmext, "ekuiper", "pack", config_path, "-o",
                        out_zip] + list(extra), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    if r.returncode != 0:
        raise HarnessError("wasmext ekuiper pack %s exited %d:\n%s"
                           % (config_path, r.returncode,
                              r.stdout.decode(errors="replace")))
    return out_zip


def _uleb(data, i):
    v = shift = 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def _enc_uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def rename_exports(wasm, mapping):
    """A copy of module bytes `wasm` whose exports named in mapping are
    renamed (so that the suite's functions, and so its socket files, have
    names of their own). Every name in mapping must be an export."""
    if wasm[:8] != b"\0asm\1\0\0\0":
        raise HarnessError("not a wasm module")
    out = bytearray(wasm[:8])
    i = 8
    seen = set()
    while i < len(wasm):
        sid = wasm[i]
        size, j = _uleb(wasm, i + 1)
        body = wasm[j:j + size]
        if sid == 7:
            n, k = _uleb(body, 0)
            nb = bytearray(_enc_uleb(n))
            for _ in range(n):
                ln, k = _uleb(body, k)
                name = body[k:k + ln].decode()
                k += ln
                kind = body[k]
                idx, k2 = _uleb(body, k + 1)
                desc = body[k:k2]
                k = k2
                if name in mapping:
                    seen.add(name)
                    name = mapping[name]
                nm = name.encode()
                nb += _enc_uleb(len(nm)) + nm + desc
            body = bytes(nb)
        out.append(sid)
        out += _enc_uleb(len(body)) + body
        i = j + size
    missing = set(mapping) - seen
    if missing:
        raise HarnessError("no export named %s" % ", ".join(sorted(missing)))
    return bytes(out)


def make_plugin(wasmext, workdir, name, wasm_path, functions, exports=None,
                extra=None):
    """Writes <workdir>/<name>/ with the module (exports renamed by
    `exports`, a dict) and a config {"name", "vm_config", "functions",
    **extra}, packs it and returns the zip's path."""
    d = os.path.join(workdir, "pkg", name)
    os.makedirs(d, exist_ok=True)
    with open(wasm_path, "rb") as f:
        data = f.read()
    if exports:
        data = rename_exports(data, exports)
    with open(os.path.join(d, name + ".wasm"), "wb") as f:
        f.write(data)
    cfg = {"name": name, "vm_config": {"path": name + ".wasm"},
           "functions": functions}
    cfg.update(extra or {})
    cfg_path = os.path.join(d, name + ".json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=1)
    return pack(wasmext, cfg_path, os.path.join(workdir, name + ".zip"))


# ------------------------------------------------------------ a test run

class Args:
    """The command line every scenario gets from CMake:
    WASMEXT GUESTS_DIR SHARED_DIR KUIPERD_DIR [SCENARIO]."""

    def __init__(self, argv):
        if len(argv) < 5:
            sys.exit("usage: %s WASMEXT GUESTS_DIR SHARED_DIR KUIPERD_DIR "
                     "[SCENARIO]" % argv[0])
        self.wasmext = os.path.abspath(argv[1])
        self.guests = os.path.abspath(argv[2])
        self.shared = os.path.abspath(os.environ.get("WX_SHARED_DIR")
                                      or argv[3])
        self.kuiper_dir = os.path.abspath(argv[4])
        self.rest = argv[5:]
        if not os.access(os.path.join(self.kuiper_dir, "kuiperd"), os.X_OK):
            sys.exit("FAIL: no eKuiper kuiperd in %s: run make ekuiper "
                     "(WX_KUIPERD_DIR sets another directory)"
                     % self.kuiper_dir)

    def guest(self, name):
        p = os.path.join(self.guests, name)
        if not os.path.isfile(p):
            raise HarnessError("missing guest %s" % p)
        return p


def run_scenario(args, name, body, log_lines=40, cls=None):
    """Runs body(k, workdir) against a fresh kuiperd of args.kuiper_dir
    (a Kuiperd, or the subclass cls) in a temporary directory: True if it
    passed. A failure prints its
    traceback and the tail of kuiperd's log; processes left behind fail
    the scenario too. WX_KEEP=1 keeps the directory."""
    wd = tempfile.mkdtemp(prefix="wxrun-%s-" % name)
    ok = False
    try:
        with (cls or Kuiperd)(args.kuiper_dir, wd) as k:
            try:
                k.start()
                check(k.version == "2.4.0", "kuiperd version %r", k.version)
                body(k, wd)
                ok = True
            except Exception:
                traceback.print_exc()
                # kuiperd's log up to the failure, without its Go stacks
                tail = [ln[:400] for ln in k.log_text().splitlines()
                        if not ln.startswith(("github.com", "net/http"))]
                print("---- kuiperd log (last %d lines):\n%s\n----"
                      % (log_lines, "\n".join(tail[-log_lines:])),
                      file=sys.stderr)
    except Exception:
        traceback.print_exc()
    finally:
        left = descendants(os.getpid())
        if left:
            print("FAIL: processes left behind: %r" % left, file=sys.stderr)
            ok = False
        if not os.environ.get("WX_KEEP"):
            shutil.rmtree(wd, ignore_errors=True)
        else:
            print("kept %s" % wd, file=sys.stderr)
    print("%s: %s" % (name, "ok" if ok else "FAILED"))
    return ok


def run_scenarios(args, scenarios, log_lines=40, cls=None):
    """The scenarios args.rest names (all of them if none, or "all"), each
    with run_scenario; exits 0 if every one passed."""
    names = args.rest or ["all"]
    if names == ["all"]:
        names = list(scenarios)
    bad = [n for n in names if n not in scenarios]
    if bad:
        sys.exit("unknown scenario %s (%s)" % (", ".join(bad),
                                               " ".join(scenarios)))
    results = [run_scenario(args, n, scenarios[n], log_lines, cls)
               for n in names]
    sys.exit(0 if all(results) else 1)
