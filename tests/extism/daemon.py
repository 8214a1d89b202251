"""`wasmext serve` for the Extism tests: calls that must share an instance
(variables, blocks freed between calls) go to one daemon over HTTP."""
import http.client
import json
import subprocess
import threading


class Daemon:
    """`wasmext serve` on a free loopback port, for calls that must share
    an instance; stopped by the caller in a finally."""

    def __init__(self, wasmext, db, env, log):
        with open(log, "ab") as f:
            self.proc = subprocess.Popen(
                [wasmext, "serve", "--listen", "127.0.0.1:0", "--registry",
                 db], stdout=subprocess.PIPE, stderr=f, text=True, env=env)
        got = []
        t = threading.Thread(target=lambda: got.append(
            self.proc.stdout.readline()), daemon=True)
        t.start()
        t.join(60)
        line = got[0] if got else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("wasmext serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, plugin, func, args):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("POST", "/plugins/%s/functions/%s" % (plugin, func),
                  json.dumps({"args": args}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        doc = json.loads(r.read())
        c.close()
        return r.status, doc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
