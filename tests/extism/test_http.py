"""HTTP from Extism plugins, to allowed hosts only, against real servers.

Runs in the venv that holds Extism's runtime (extism_venv.py):

    VENV/bin/python test_http.py WASMEXT GUEST_DIR WORK_DIR

Starts two HTTP servers of its own: the "good" one on 127.0.0.1 (allowed
as "127.0.0.1" and as "localhost") and the "evil" one on 127.0.0.2 (not
allowed). The `request` export of each PDK guest (Rust, Go) makes the
request its input describes, through one `wasmext serve`, and must get:
the status and body of a GET and of a POST with a body and a header; a
404 as a response, not an error; a redirect to an allowed host followed,
one to the evil host refused without the evil server seeing a request,
and the Authorization header dropped on a redirect to another host; a
body over extism.max_http_response_bytes refused (with and without a
Content-Length); the call's timeout ending a request the server never
answers; a refused connection failing; no message showing a password or
a query. The cases both runtimes must agree on also run under Extism's
own runtime (the same .wasm, the same allowed hosts and bound).
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import http.server

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import extism
from daemon import Daemon

LIMIT = 4096  # extism.max_http_response_bytes for the plugins under test
SECRET, TOKEN = "s3cr3t-pw", "t0k3n-q"
# Not the AssemblyScript guest: its PDK (@extism/as-pdk 1.0.0) has no HTTP
# API (tests/guests/extism_as/assembly/index.ts).
GUESTS = [("extism_rust.wasm", "xrust", False), ("extism_go.wasm", "xgo", True)]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg)
    return cond


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that stops reading (a body over the bound, a call
        # that timed out) resets its connection: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Server:
    """A threaded HTTP server on `addr`; every request it sees is kept in
    `seen` as (Host header, method, path, Authorization header)."""

    def __init__(self, addr):
        self.seen = []
        self.release = threading.Event()  # ends the /slow handler
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            # Keep-alive as real servers do: on HTTP/1.0 connections
            # Extism's client (ureq) at times reuses one the server closed.
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body, headers=(), length=True):
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass  # /slow's client has given up, as it should

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.seen.append((self.headers.get("Host"), self.command,
                                   self.path,
                                   self.headers.get("Authorization")))
                outer.route(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

        self.srv = QuietServer(addr, Handler)
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def route(self, h, body):
        path = h.path.split("?")[0]
        if path == "/hello":
            h.reply(200, b"hello from the test server",
                    [("X-Wx-Echo", "yes")])
        elif path == "/echo":
            h.reply(201, b"got %s %s type=%s token=%s" % (
                h.command.encode(), body,
                (h.headers.get("Content-Type") or "").encode(),
                (h.headers.get("X-Token") or "").encode()))
        elif path == "/missing":
            h.reply(404, b"no such page")
        elif path == "/redirect-in":
            h.reply(302, b"", [("Location", "/hello")])
        elif path == "/redirect-out":
            h.reply(302, b"", [("Location", "http://127.0.0.2:%d/hello"
                                % self.evil_port)])
        elif path == "/redirect-host":
            h.reply(307, b"", [("Location", "http://localhost:%d/auth"
                                % self.port)])
        elif path == "/auth":
            h.reply(200, b"auth=%s" % (
                h.headers.get("Authorization") or "none").encode())
        elif path == "/big":
            h.reply(200, b"x" * (LIMIT + 1))
        elif path == "/big-nolength":  # no Content-Length: read to close
            h.close_connection = True
            h.reply(200, b"y" * (LIMIT * 4), [("Connection", "close")],
                    length=False)
        elif path == "/slow":
            self.release.wait(120)
            h.reply(200, b"late")
        else:
            h.reply(500, b"unknown path")

    def stop(self):
        self.release.set()
        self.srv.shutdown()
        self.srv.server_close()


def config_for(name, wasm, allowed):
    return {"name": name, "vm_config": {"path": wasm},
            "functions": [{"name": "request", "abi": "extism",
                           "params": ["string"], "results": ["string"]}],
            "limits": {"timeout_ms": 1500},
            "extism": {"allowed_hosts": allowed,
                       "max_http_response_bytes": LIMIT}}


def cases(good, evil_port):
    """(what, input, expected: ("ok", output) or (error code, words),
    compared with Extism's runtime)."""
    g = "http://127.0.0.1:%d" % good.port
    closed = closed_port()
    return [
        ("GET", "GET %s/hello" % g,
         ("ok", "200\nhello from the test server"), True),
        ("POST with a body and a header",
         "POST %s/echo\nX-Token: abc\n\nping" % g,
         ("ok", "201\ngot POST ping type= token=abc"), True),
        ("PUT without a body", "PUT %s/echo" % g,
         ("ok", "201\ngot PUT  type= token="), True),
        ("404 is a response", "GET %s/missing" % g,
         ("ok", "404\nno such page"), True),
        ("denied host", "GET http://user:%s@127.0.0.2:%d/hello?k=%s" % (
            SECRET, evil_port, TOKEN),
         ("host", ['"127.0.0.2" denied', "not in extism.allowed_hosts"]),
         True),
        ("redirect to the same host", "GET %s/redirect-in" % g,
         ("ok", "200\nhello from the test server"), True),
        ("redirect to a denied host", "GET %s/redirect-out" % g,
         ("host", ['"127.0.0.2" after a redirect denied']), False),
        ("credentials not sent to another host",
         "GET %s/redirect-host\nAuthorization: Bearer %s" % (g, SECRET),
         ("ok", "200\nauth=none"), False),
        ("body over the bound", "GET %s/big" % g,
         ("limit", ["extism.max_http_response_bytes (%d bytes)" % LIMIT,
                    '"127.0.0.1"']), True),
        ("body over the bound, no length", "GET %s/big-nolength" % g,
         ("limit", ["extism.max_http_response_bytes (%d bytes)" % LIMIT]),
         True),
        ("connection refused",
         "GET http://u:%s@127.0.0.1:%d/x?k=%s" % (SECRET, closed, TOKEN),
         ("host", ['request to host "127.0.0.1" failed']), True),
        ("no answer within the call's timeout", "GET %s/slow" % g,
         ("timeout", []), False),
    ]


def closed_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    return port


def ours(d, name, data):
    status, doc = d.call(name, "request", [data])
    if status == 200:
        return "ok", doc["results"][0]
    err = doc.get("error", {})
    return err.get("code", "?"), err.get("message", json.dumps(doc))


def theirs(wasm, wasi, allowed, data):
    manifest = {"wasm": [{"path": wasm}], "allowed_hosts": allowed,
                "memory": {"max_http_response_bytes": LIMIT}}
    try:
        with extism.Plugin(manifest, wasi=wasi) as p:
            return "ok", bytes(p.call("request", data.encode())).decode()
    except extism.Error as e:
        return "error", str(e)


def without_headers(out):
    """Our Go guest's output without the header line that Extism's runtime
    gives no guest unless its embedder allows response headers."""
    return out.split("\nx-wx-echo: ")[0]


def run_guest(wasmext, guests, work, file, name, wasi, good, evil):
    wasm = os.path.join(guests, file)
    if not check(os.path.exists(wasm), "%s was not built" % wasm):
        return 0
    d = os.path.join(work, name)
    os.makedirs(d)
    env = dict(os.environ, HOME=d, XDG_DATA_HOME=d)
    env.pop("WASMEXT_REGISTRY", None)
    db = os.path.join(d, "registry.db")
    allowed = ["127.0.0.1", "localhost"]
    cfg = os.path.join(d, name + ".json")
    with open(cfg, "w") as f:
        json.dump(config_for(name, wasm, allowed), f)
    r = subprocess.run([wasmext, "--db", db, "plugin", "add", cfg],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=300)
    if not check(r.returncode == 0, "%s: plugin add: %s" % (
            name, r.stdout.decode())):
        return 0
    daemon = Daemon(wasmext, db, env, os.path.join(d, "serve.log"))
    n = 0
    try:
        for what, data, want, compare in cases(good, evil.port):
            n += 1
            run_case(daemon, name, wasm, wasi, allowed, what, data, want,
                     compare)
        # Every request the guests made with the denied host in them
        # stopped before a connection: the evil server saw none.
        check(not evil.seen, "%s: the denied host got requests: %r"
              % (name, evil.seen))
        evil.seen.clear()
    finally:
        daemon.stop()
    return n


def run_case(daemon, name, wasm, wasi, allowed, what, data, want, compare):
    code, got = ours(daemon, name, data)
    label = "%s: %s" % (name, what)
    if want[0] == "ok":
        mine = without_headers(got) if code == "ok" else got
        ok = check(code == "ok" and mine == want[1],
                   "%s: wanted %r, got %s %r" % (label, want[1], code, got))
        # The Go PDK reads http_headers: the reply's X-Wx-Echo reaches it.
        if ok and name == "xgo" and "/hello" in data and "redirect" not in \
                data:
            check(got.endswith("\nx-wx-echo: yes"),
                  "%s: no x-wx-echo header in %r" % (label, got))
    else:
        check(code == want[0], "%s: wanted error %s, got %s %r"
              % (label, want[0], code, got))
        for w in want[1]:
            check(w in got, "%s: %r not in %r" % (label, w, got))
    for secret in (SECRET, TOKEN):
        check(secret not in got, "%s: %r shows a secret" % (label, got))
    if compare:
        tcode, tgot = theirs(wasm, wasi, allowed, data)
        same = (tcode == "ok") == (code == "ok") and (
            code != "ok" or without_headers(got) == tgot)
        check(same, "%s: ours %s %r, Extism's %s %r"
              % (label, code, got, tcode, tgot))
    print("ok   %-50s %s %s" % (label[:50], code, got[:40].replace("\n",
                                                                   "|")))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: test_http.py WASMEXT GUEST_DIR WORK_DIR")
    wasmext, guests, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    good = Server(("127.0.0.1", 0))
    evil = Server(("127.0.0.2", 0))
    good.evil_port = evil.port
    total = 0
    try:
        for file, name, wasi in GUESTS:
            total += run_guest(wasmext, guests, work, file, name, wasi, good,
                               evil)
    finally:
        good.stop()
        evil.stop()
    print("%d cases, %d failures" % (total, len(failures)))
    sys.exit(1 if failures or total == 0 else 0)


if __name__ == "__main__":
    main()
