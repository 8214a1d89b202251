#!/usr/bin/env python3
"""The plugin's lifecycle under the real eKuiper kuiperd: update, delete,
kuiperd restarts and crashes, the plugin process killed.

  test_lifecycle.py WASMEXT GUESTS_DIR SHARED_DIR KUIPERD_DIR SCENARIO

SCENARIO: update delete restart pluginkill crash (or `all`). GUESTS_DIR
holds lifecycle_guest.wasm (built from lifecycle_guest.wat by CMake);
SHARED_DIR is not used. WX_KEEP=1 keeps the work directory.

The package of version N exports the guest's aN as wxl_a (x + 1000 N) and
bN as wxl_b (x + 1000 N + 2000), so every row shows which version
answered each function. The plugin is wxl_life, so the suite's socket
files (/tmp/plugin_wxl_life.ipc, /tmp/func_wxl_{a,b}.ipc) are its own.

What is asserted follows from eKuiper's source (v2.4.0), not from a
recorded run:

- PUT /plugins/portables/NAME is Delete (the process SIGKILLed, its files
  removed) then Register (a new process, handshake, the recorded start
  commands replayed): internal/server/portable_init.go portableHandler,
  internal/plugin/portable/manager.go Delete/Register/doRegister,
  runtime/plugin_ins_manager.go GetOrStartProcess. Rules are not
  restarted, and eKuiper's listeners stay (runtime/connection.go, the
  PluginIns and the function instances live for kuiperd's lifetime:
  portable/factory.go funcInsMap). A call whose request went to the dead
  process waits for the next message on its channel; the new process's
  first `handshake` makes eKuiper send it again (NanomsgReqRepChannel.Req),
  so no row fails while the new process comes up within
  portable.recvTimeout (5 s).
- The start commands are recorded per rule metadata, which is empty for
  every function (runtime/function.go NewPortableFunc), so only the last
  function's start is replayed: the other function works only because the
  plugin attaches every function whose channel eKuiper listens on
  (src/ekuiper/plugin_main.c start_symbol).
- A plugin process that dies is not restarted by eKuiper: only
  CreateIns (install, update, kuiperd start) and the first use of a
  function (NewPortableFunc, once per kuiperd: funcInsMap) start one; the
  process watcher only marks the status error. Meanwhile every call waits
  portable.recvTimeout and fails with "time out, plugin NAME status
  error, message: signal: killed"; the rule keeps running and drops the
  row (sendError false) counting it in exceptions_total. PUT of the same
  package is the user's way back; the running rule then recovers.
- kuiperd's SIGTERM stops the rules and SIGKILLs every plugin process
  (internal/server/server.go StartUp, pluginInsManager.KillAll). At start
  the installed plugins are started again (Manager.syncRegistry ->
  doRegister -> CreateIns) and the rules recovered.
- When kuiperd itself is killed, its plugins are orphaned; the plugin
  stops when its parent goes (plugin_main.c signal_thread), as otherwise
  NNG's redials would join the next kuiperd's sockets and answer calls.
"""

import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kuiper as K  # noqa: E402

A = None  # the command line (kuiper.Args)
PLUGIN = "wxl_life"
RECV_TIMEOUT_TEXT = "time out, plugin %s" % PLUGIN  # runtime/function.go


check = K.check


def package(wd, version):
    """The plugin's package of `version` (1 or 2)."""
    d = os.path.join(wd, "v%d" % version)
    os.makedirs(d, exist_ok=True)
    return K.make_plugin(A.wasmext, d, PLUGIN,
                         A.guest("lifecycle_guest.wasm"), ["wxl_a", "wxl_b"],
                         {"a%d" % version: "wxl_a", "b%d" % version: "wxl_b"})


def expected(version, i):
    return {"id": i, "a": i + 1000 * version, "b": i + 1000 * version + 2000}


def update(k, zip_path):
    """PUT /plugins/portables/NAME with the package; fails unless 200."""
    return k.expect("PUT", "/plugins/portables/" + PLUGIN,
                    {"name": PLUGIN, "file": "file://" + zip_path}, ok=(200,))


def the_process(k, what):
    """The plugin's one process (waits for it)."""
    return K.wait_until("one process of %s (%s)" % (PLUGIN, what),
                        lambda: (lambda p: p[0] if len(p) == 1 else None)(
                            k.plugin_pids(PLUGIN)), 30)


def wait_gone(pids, what):
    """Waits until none of pids lives (zombies count as gone), without
    killing them."""
    K.wait_until("processes %r gone (%s)" % (pids, what),
                 lambda: not any(K._alive(p) for p in pids), 15)


def rows_by_id(rc):
    """{id: row}; fails on a row without an id or one that came twice."""
    out = {}
    for r in rc.rows():
        check(isinstance(r, dict) and "id" in r, "unexpected row %r", r)
        check(r["id"] not in out, "row %r came twice", r["id"])
        out[r["id"]] = r
    return out


def seen_from(rc, first):
    """Whether a row with an id >= first reached the sink."""
    return any(isinstance(r, dict) and isinstance(r.get("id"), int)
               and r["id"] >= first for r in rc.rows())


def exceptions(k, rule):
    return k.op_stats(rule).get("exceptions_total") or 0


class Pusher:
    """Pushes rows {"id": n} to a stream path from a thread, n counting up
    from `first`, every `pause` seconds, until stopped; `mark()` returns
    the next id, so that rows sent after a point are known."""

    def __init__(self, k, path, first, pause):
        self.k, self.path, self.next, self.pause = k, path, first, pause
        self.first = first
        self.error = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self._stop.is_set():
                with self._lock:
                    i = self.next
                    self.k.push(self.path, {"id": i})
                    self.next = i + 1
                self._stop.wait(self.pause)
        except Exception as e:  # reported by stop()
            self.error = e

    def mark(self):
        with self._lock:
            return self.next

    def stop(self):
        """Stops; returns the ids sent."""
        self._stop.set()
        self.thread.join(30)
        check(not self.thread.is_alive(), "the pusher did not stop")
        check(self.error is None, "pushing a row failed: %r", self.error)
        return list(range(self.first, self.next))


def settle(k, rule, rc, sent):
    """Waits until every row sent is either at the sink or counted as an
    exception of the rule; returns ({id: row}, exceptions)."""
    K.wait_until("every row of %s delivered or failed" % rule,
                 lambda: len(rc.rows()) + exceptions(k, rule) >= len(sent),
                 60)
    got = rows_by_id(rc)
    exc = exceptions(k, rule)
    check(set(got) <= set(sent), "rows that were never sent: %r",
          sorted(set(got) - set(sent)))
    check(len(got) + exc == len(sent), "%d rows sent, %d delivered, %d "
          "failed: %d lost", len(sent), len(got), exc,
          len(sent) - len(got) - exc)
    return got, exc


def setup(k, wd, rc, version=1):
    """The plugin of `version`, a stream and rule r1 using both functions;
    one row through it."""
    k.install_plugin(PLUGIN, package(wd, version))
    k.create_stream("wxl_s", "/wxl_s", "id bigint")
    k.create_rule("wxl_r1", "SELECT id, wxl_a(id) AS a, wxl_b(id) AS b "
                  "FROM wxl_s", rc)
    k.push("/wxl_s", {"id": 0})
    rc.wait_for(1)
    check(rows_by_id(rc)[0] == expected(version, 0), "first row %r",
          rc.rows())
    rc.clear()


def check_flow(k, rc, rule, ids, version, failed=0):
    """Pushes rows `ids` and expects each once, from `version`, and the
    rule's exceptions still `failed`."""
    rc.clear()
    for i in ids:
        k.push("/wxl_s", {"id": i})
    rc.wait_for(len(ids))
    got = rows_by_id(rc)
    for i in ids:
        check(got.get(i) == expected(version, i), "row %d: %r, expected %r",
              i, got.get(i), expected(version, i))
    check(exceptions(k, rule) == failed, "rule %s: exceptions %r", rule,
          k.op_stats(rule))


def stop_kuiperd(k, pids):
    """SIGTERM to kuiperd: it exits 0 and the plugin processes `pids` end
    with it (killed by kuiperd, not by the harness)."""
    k.proc.send_signal(signal.SIGTERM)
    rc = k.proc.wait(60)
    check(rc == 0, "kuiperd exited %r on SIGTERM", rc)
    wait_gone(pids, "after kuiperd's SIGTERM")
    k.stop()  # closes the log; nothing left to kill


# ---------------------------------------------------------------- scenarios

def scenario_update(k, wd):
    """PUT v2 then v1 again while rows flow: each row once, none failed,
    rows sent after a PUT answered by the new version (both functions,
    though only the last start is replayed), one process each time."""
    z1, z2 = package(wd, 1), package(wd, 2)
    with K.Receiver() as rc:
        setup(k, wd, rc)
        pid = the_process(k, "installed")
        p = Pusher(k, "/wxl_s", 1, 0.02)
        K.wait_until("rows flowing", lambda: len(rc.rows()) >= 10, 30)
        # (version, first id sent during its PUT, first id sent after)
        marks = []
        for version, z in ((2, z2), (1, z1)):
            before = p.mark()
            update(k, z)
            marks.append((version, before, p.mark()))
            new = the_process(k, "after the update to v%d" % version)
            check(new != pid, "the process %d was not replaced", pid)
            check(not K._alive(pid), "the old process %d lives on", pid)
            pid = new
            m = marks[-1][2]
            K.wait_until("rows sent after the update to v%d" % version,
                         lambda: seen_from(rc, m + 5), 60)
        sent = p.stop()
        got, exc = settle(k, "wxl_r1", rc, sent)
        check(exc == 0, "%d rows failed across the updates: %r", exc,
              k.op_stats("wxl_r1"))
        # Each row from one version or the other, per function (a row
        # computed during the swap may have a from one, b from the other).
        for i, r in got.items():
            check(r["a"] in (i + 1000, i + 2000) and
                  r["b"] in (i + 3000, i + 4000), "row %r", r)
        # A row sent after a PUT returned and before the next began: from
        # that PUT's version.
        bounds = [m[1] for m in marks[1:]] + [sent[-1] + 1]
        for (version, _, after), until in zip(marks, bounds):
            check(after < until, "no row sent after the update to v%d",
                  version)
            for i in range(after, until):
                check(got[i] == expected(version, i), "row %d, sent after "
                      "the update to v%d: %r", i, version, got[i])
        check(any(got[i] == expected(1, i) for i in sent if i < marks[0][1]),
              "no row of v1 before the first update")
        check(k.rule_status("wxl_r1").get("status") == "running",
              "rule %r", k.rule_status("wxl_r1"))


def scenario_delete(k, wd):
    """DELETE with a rule running: the process ends, the plugin is gone
    for new rules, the running rule's rows fail (eKuiper's time out) but
    the rule keeps running; a re-install brings that rule back without
    user action, with both functions."""
    with K.Receiver() as rc:
        setup(k, wd, rc)
        pid = the_process(k, "installed")
        status, r = k.delete_plugin(PLUGIN)
        check(status == 200, "DELETE -> %d %r", status, r)
        wait_gone([pid], "after DELETE")
        check(k.plugin_pids(PLUGIN) == [], "processes after DELETE: %r",
              k.plugin_pids(PLUGIN))
        status, r = k.rest("GET", "/plugins/portables/" + PLUGIN)
        check(status == 404, "GET the deleted plugin -> %d %r", status, r)
        status, r = k.rest("POST", "/rules", k.rule_body(
            "wxl_r2", "SELECT id, wxl_a(id) AS a FROM wxl_s", rc))
        check(status == 400 and "wxl_a" in json.dumps(r),
              "a rule using the deleted plugin -> %d %r", status, r)
        # The running rule: its row fails once eKuiper's wait ends.
        k.push("/wxl_s", {"id": 1})
        K.wait_until("the row to fail", lambda: exceptions(k, "wxl_r1") == 1,
                     60)
        last = k.op_stats("wxl_r1").get("last_exception", "")
        check(RECV_TIMEOUT_TEXT in last, "last exception %r", last)
        check(k.rule_status("wxl_r1").get("status") == "running",
              "rule %r", k.rule_status("wxl_r1"))
        check(rc.rows() == [], "rows without the plugin: %r", rc.rows())
        # Re-install (another version): the rule works again as it is.
        k.install_plugin(PLUGIN, package(wd, 2))
        new = the_process(k, "re-installed")
        check(new != pid, "same process %d", pid)
        check_flow(k, rc, "wxl_r1", [2, 3, 4], 2, failed=1)
        # And a new rule takes it.
        with K.Receiver() as rc2:
            k.create_rule("wxl_r2", "SELECT id, wxl_b(id) AS b FROM wxl_s",
                          rc2)
            k.push("/wxl_s", {"id": 5})
            rc2.wait_for(1)
            check(rc2.rows() == [{"id": 5, "b": 4005}], "rule wxl_r2: %r",
                  rc2.rows())


def scenario_restart(k, wd):
    """kuiperd stopped (SIGTERM) and started twice on the same home: the
    plugin's process ends with it each time, is started again, and both
    rules work, both functions answering (without user action, except
    when eKuiper restores a rule before the plugin's functions: see
    Kuiperd.wait_rule_running_after_start)."""
    with K.Receiver() as rc, K.Receiver() as rc2:
        setup(k, wd, rc)
        k.create_rule("wxl_r2", "SELECT id, wxl_b(id) AS b FROM wxl_s", rc2)
        pid = the_process(k, "installed")
        for n in range(2):
            stop_kuiperd(k, [pid])
            k.start()
            new = the_process(k, "after restart %d" % (n + 1))
            check(new != pid, "same process %d", pid)
            pid = new
            for r in ("wxl_r1", "wxl_r2"):
                k.wait_rule_running_after_start(r)
            rc.clear()
            rc2.clear()
            i = 10 * (n + 1)
            # The httppush source may take a moment to serve the path.
            K.wait_until("the stream accepting rows", lambda: _try_push(
                k, "/wxl_s", {"id": i}), 30)
            rc.wait_for(1)
            rc2.wait_for(1)
            check(rc.rows() == [expected(1, i)], "rule wxl_r1: %r",
                  rc.rows())
            check(rc2.rows() == [{"id": i, "b": i + 3000}],
                  "rule wxl_r2: %r", rc2.rows())
        stop_kuiperd(k, [pid])


def _try_push(k, path, row):
    try:
        k.push(path, row)
        return True
    except (K.HarnessError, OSError):
        return False


def scenario_pluginkill(k, wd):
    """The plugin's process SIGKILLed while rows flow: eKuiper marks the
    plugin's status error and does not restart it; rows fail one per
    recvTimeout, the rule keeps running. PUT of the same package brings
    it back: every row is then delivered or counted failed exactly once,
    none failed after the PUT, and both functions answer again."""
    z1 = package(wd, 1)
    with K.Receiver() as rc:
        setup(k, wd, rc)
        pid = the_process(k, "installed")
        p = Pusher(k, "/wxl_s", 1, 0.05)
        K.wait_until("rows flowing", lambda: len(rc.rows()) >= 5, 30)
        os.kill(pid, signal.SIGKILL)
        killed_at = p.mark()
        wait_gone([pid], "SIGKILL")
        K.wait_until("the plugin's status error",
                     lambda: k.plugin_status(PLUGIN).get("status")
                     == "error", 30)
        check("killed" in k.plugin_status(PLUGIN).get("errMsg", ""),
              "status %r", k.plugin_status(PLUGIN))
        # A row fails after eKuiper's wait; no process came back meanwhile.
        K.wait_until("a row to fail", lambda: exceptions(k, "wxl_r1") >= 1,
                     60)
        check(k.plugin_pids(PLUGIN) == [], "a process came back by itself: "
              "%r", k.plugin_pids(PLUGIN))
        last = k.op_stats("wxl_r1").get("last_exception", "")
        check(RECV_TIMEOUT_TEXT in last, "last exception %r", last)
        check(k.rule_status("wxl_r1").get("status") == "running",
              "rule %r", k.rule_status("wxl_r1"))
        # The user's way back: the same package again.
        update(k, z1)
        recovered_at = p.mark()
        new = the_process(k, "after the PUT")
        check(new != pid, "same process %d", pid)
        K.wait_until("rows sent after the PUT",
                     lambda: seen_from(rc, recovered_at + 5), 60)
        sent = p.stop()
        got, exc = settle(k, "wxl_r1", rc, sent)
        failed = sorted(set(sent) - set(got))
        check(exc >= 1, "no row failed")
        check(all(killed_at - 1 <= i < recovered_at for i in failed),
              "rows failed outside the outage (ids %d..%d): %r",
              killed_at - 1, recovered_at - 1, failed)
        for i, r in got.items():
            check(r == expected(1, i), "row %r", r)
        print("pluginkill: %d rows sent, %d during the outage, %d failed"
              % (len(sent), recovered_at - killed_at, exc))


def scenario_crash(k, wd):
    """kuiperd SIGKILLed: its plugin, orphaned, stops by itself. kuiperd
    started again gets one process, and after an update every row comes
    from the new version (an orphan left running would redial the same
    sockets and answer with the old one)."""
    with K.Receiver() as rc:
        setup(k, wd, rc)
        pid = the_process(k, "installed")
        k.kill()
        wait_gone([pid], "orphaned by kuiperd's SIGKILL")
        k.start()
        new = the_process(k, "after the crash")
        k.wait_rule_running_after_start("wxl_r1")
        K.wait_until("the stream accepting rows", lambda: _try_push(
            k, "/wxl_s", {"id": 1}), 30)
        rc.wait_for(1)
        check(rows_by_id(rc).get(1) == expected(1, 1), "row %r", rc.rows())
        update(k, package(wd, 2))
        check(not K._alive(new), "process %d survived the update", new)
        the_process(k, "after the update")
        check_flow(k, rc, "wxl_r1", list(range(2, 22)), 2)
        stop_kuiperd(k, k.plugin_pids(PLUGIN))


SCENARIOS = {
    "update": scenario_update,
    "delete": scenario_delete,
    "restart": scenario_restart,
    "pluginkill": scenario_pluginkill,
    "crash": scenario_crash,
}


def main():
    global A
    A = K.Args(sys.argv)
    K.run_scenarios(A, SCENARIOS, log_lines=60)


if __name__ == "__main__":
    main()
