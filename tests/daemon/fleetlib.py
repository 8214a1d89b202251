"""What the fleet tests and the fleet benchmark share: a real redis-server
and real `wasmext serve` daemons on free loopback ports, HTTP over
keep-alive connections, and bounded polls that count their tries.

Every process started here is stopped by Fleet.close(), which the tests
call in a `finally` and which also runs at exit and on SIGTERM/SIGINT:
a failed assertion never leaves a redis-server or a daemon behind.
"""
import atexit
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

POLL_MS = 100     # one try of a bounded poll waits this long
POLL_TRIES = 50   # a change must show within this many tries


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Checks:
    """Counts checks and failures; a failure is printed, not raised, so
    that one run reports every broken property."""

    def __init__(self):
        self.checks = 0
        self.failures = 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures += 1
            print("FAIL: " + what, flush=True)
        return ok

    def done(self):
        print("%d checks, %d failed" % (self.checks, self.failures))
        return 1 if self.failures else 0


class Redis:
    """redis-server on a loopback port, with an append-only file in its own
    directory, so that a stop and a start on the same port keep the
    data (SIGTERM makes Redis write out and fsync the AOF first)."""

    def __init__(self, workdir, port=None):
        self.dir = os.path.join(workdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--save", "", "--appendonly", "yes",
             "--appendfsync", "always", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        for _ in range(POLL_TRIES):
            if self.ping():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(POLL_MS / 1000)
        raise RuntimeError("redis-server did not answer on port %d: %s" %
                           (self.port, self.log()))

    def ping(self):
        return self.cli("PING") == "PONG"

    def cli(self, *args):
        """One command through redis-cli; its output, stripped."""
        r = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port


class Daemon:
    """`wasmext serve` on a free port; stderr goes to a log file."""

    def __init__(self, wasmext, registry, workdir, name, extra=()):
        self.wasmext = wasmext
        self.registry = registry
        self.name = name
        self.extra = list(extra)
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None
        self.port = None

    def spawn(self):
        """Starts the process without waiting for it to listen."""
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.wasmext, "serve", "--listen", "127.0.0.1:0", "--registry",
             self.registry, "--threads", "2", "--call-threads", "8"] +
            self.extra,
            stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()

    def wait_listening(self, timeout_s=60):
        """Reads the 'listening on' line (a reader thread, so that a
        daemon that says nothing cannot hang the test)."""
        got = []
        t = threading.Thread(target=lambda: got.append(
            self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout_s)
        line = got[0] if got else ""
        if not line.startswith("listening on "):
            raise RuntimeError("%s did not start: %r; log: %s" %
                               (self.name, line, self.log()[-2000:]))
        self.port = int(line.rsplit(":", 1)[1])

    def start(self):
        self.spawn()
        self.wait_listening()
        return self

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def stop(self):
        """SIGTERM and wait; the exit status (None if it was not running)."""
        if not self.proc or self.proc.poll() is not None:
            rc = self.proc.returncode if self.proc else None
            self.proc = None
            return rc
        self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""


class Client:
    """Keep-alive HTTP to one daemon (one per thread: http.client
    connections are not shared)."""

    def __init__(self, daemon, timeout_s=30):
        self.daemon = daemon
        self.timeout_s = timeout_s
        self.conn = None

    def request(self, method, path, body=None, ctype="application/json"):
        """(status, parsed JSON or text); status 0 with the error text when
        no answer came."""
        data = None if body is None else (
            body if isinstance(body, (bytes, str)) else json.dumps(body))
        headers = {"Content-Type": ctype} if data is not None else {}
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", self.daemon.port, timeout=self.timeout_s)
        # No retry: a call that gets no answer is a failed call, which is
        # what the tests count (the daemons' idle timeout, 60 s, closes
        # no connection within a test).
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return 0, "%s: %s" % (type(e).__name__, e)
        if (r.getheader("Connection") or "").lower() == "close":
            self.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw.decode("utf-8", "replace")

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def call(self, func, args=()):
        """A function's first result, or None with the answer."""
        st, j = self.request("POST", "/functions/" + func,
                             {"args": list(args)})
        if st == 200 and isinstance(j, dict):
            return j["results"][0], (st, j)
        return None, (st, j)


def poll(pred, tries=POLL_TRIES, every_ms=POLL_MS):
    """Calls pred() until it is true, at most `tries` times, waiting
    every_ms between tries. The number of tries it took, or None if it
    never was: the tests assert on that count, never on time."""
    for i in range(1, tries + 1):
        if pred():
            return i
        if i < tries:
            time.sleep(every_ms / 1000)
    return None


def config(name, wasm, functions, **more):
    c = {"name": name, "vm_config": {"path": wasm}, "functions": functions}
    c.update(more)
    return c


class Fleet:
    """The processes of one test; close() stops them all."""

    def __init__(self, wasmext, guests, keep_dir=False):
        self.wasmext = os.path.abspath(wasmext)
        self.guests = os.path.abspath(guests)
        self.dir = tempfile.mkdtemp(prefix="wx-fleet-")
        # WX_FLEET_KEEP=1 keeps the directory (logs, Redis data) to read.
        self.keep_dir = keep_dir or bool(os.environ.get("WX_FLEET_KEEP"))
        self.daemons = []
        self.redis = None
        atexit.register(self.close)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, sig, frame):
        self.close()
        sys.exit(128 + sig)

    def guest(self, name):
        return os.path.join(self.guests, name)

    def start_redis(self):
        self.redis = Redis(self.dir)
        self.redis.start()
        return self.redis

    def daemon(self, registry, name, start=True, extra=()):
        d = Daemon(self.wasmext, registry, self.dir, name,
                   ["--allow-dir", self.guests] + list(extra))
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def logs(self):
        out = []
        for d in self.daemons:
            out.append("---- %s (%s)\n%s" % (d.name, d.log_path,
                                             d.log()[-4000:]))
        if self.redis:
            out.append("---- redis\n" + self.redis.log())
        return "\n".join(out)

    def close(self):
        for d in self.daemons:
            if d.proc:
                d.stop()
        if self.redis:
            self.redis.stop()
        if not self.keep_dir and os.path.isdir(self.dir):
            subprocess.run(["rm", "-rf", self.dir])
