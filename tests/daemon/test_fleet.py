#!/usr/bin/env python3
"""Three daemons, one registry on a real Redis (issue 14).

    test_fleet.py WASMEXT GUESTS-DIR

A redis-server on a free loopback port (append-only file, so that a stop
and a start keep the data) and three `wasmext serve --registry
redis://127.0.0.1:PORT/0` on other free ports. In order:

  add        a plugin added on one daemon answers on the other two within
             POLL_TRIES polls of POLL_MS (the count is the assertion);
  update     four client threads call all three daemons without pause
             while the plugin is updated ten times, each time on another
             daemon: no failed call, and once a daemon was seen serving an
             update, no call it answers comes from the version before
             (until the next update starts);
  delete     gone everywhere within the polls;
  kill -9    a daemon killed misses an update; started again, it serves
             the current revision at once;
  outage     Redis stopped while calls go on: no failed call, /healthz
             says "degraded", registry_up is 0, every change is a 503
             naming the registry, nothing changes; Redis started again on
             the same port: the daemons say "ok" again by themselves and a
             change reaches all three;
  corrupt    one plugin's key overwritten with a string: that plugin is in
             error with a message naming it, the other serves on;
  start      a daemon started while Redis is down says so, waits, and
             serves once Redis is back;
  password   a password in the URL appears in no log, reply or metric;
  flushed    Redis emptied (its revision goes back to 0): the daemons
             keep their plugins and say the registry is degraded.
"""
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleetlib import (POLL_TRIES, Checks, Client, Fleet, config,  # noqa: E402
                      poll)

UPDATES = 10
CLIENTS = 4


def version_of(epoch):
    """The version serving after `epoch` updates (0: the add)."""
    return 2 if epoch % 2 else 1


def hot(fleet, version):
    return config("hot", fleet.guest("version%d.wasm" % version),
                  ["value", "work"], instance_num=2)


def metric(client, name):
    st, text = client.request("GET", "/metrics")
    m = re.search(r"^%s (\S+)$" % re.escape(name),
                  text if st == 200 and isinstance(text, str) else "", re.M)
    return float(m.group(1)) if m else None


def revision_on(client, name="hot"):
    st, j = client.request("GET", "/plugins/" + name)
    return j.get("revision") if st == 200 else None


class Load:
    """CLIENTS threads calling `plugin` on every daemon in turn. With
    `judge`, an answer is checked against the epoch each daemon was last
    seen serving: a call made after daemon k was seen serving epoch e, and
    answered before update e+1 started, must answer version_of(e)."""

    def __init__(self, daemons, judge=True):
        self.daemons = daemons
        self.judge = judge
        self.floor = [0] * len(daemons)  # epoch each daemon was seen at
        self.started = 0                 # updates started
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calls = self.failures = self.stale = self.judged = 0
        self.first_failure = self.first_stale = None
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(CLIENTS)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, i):
        clients = [Client(d) for d in self.daemons]
        n = 0
        while not self.stop.is_set():
            k = (i + n) % len(clients)
            path = ("/functions/value" if n % 2 else
                    "/plugins/hot/functions/work")
            body = {"args": []} if n % 2 else {"args": [20000]}
            n += 1
            epoch = self.floor[k]
            st, j = clients[k].request("POST", path, body)
            started = self.started
            v = (j.get("results") or [None])[0] if isinstance(j, dict) \
                else None
            with self.lock:
                self.calls += 1
                if st != 200 or v not in (1, 2):
                    self.failures += 1
                    self.first_failure = self.first_failure or (
                        "daemon %d %s: %s %r" % (k + 1, path, st, j))
                elif self.judge and started == epoch:
                    self.judged += 1
                    if v != version_of(epoch):
                        self.stale += 1
                        self.first_stale = self.first_stale or (
                            "daemon %d answered %d at epoch %d" %
                            (k + 1, v, epoch))
        for c in clients:
            c.close()

    def count(self, what):
        with self.lock:
            return getattr(self, what)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def main():
    fleet = Fleet(sys.argv[1], sys.argv[2])
    c = Checks()
    try:
        run(fleet, c)
    except Exception as e:  # a crash of the test is a failure too
        import traceback
        traceback.print_exc()
        c.check(False, "exception: %r" % e)
    if c.failures:
        print(fleet.logs())
    fleet.close()
    return c.done()


def run(fleet, c):
    redis = fleet.start_redis()
    ds = [fleet.daemon(redis.url, "daemon%d" % (i + 1)) for i in range(3)]
    http = [Client(d) for d in ds]
    polls = {}

    # ------------------------------------------------------------ add
    st, j = http[0].request("POST", "/plugins", hot(fleet, 1))
    c.check(st == 201, "add on daemon 1: %s %r" % (st, j))
    st, j = http[0].request("POST", "/plugins",
                            config("calc", fleet.guest("calc.wasm"),
                                   ["add", "fib"]))
    c.check(st == 201, "add calc on daemon 1: %s %r" % (st, j))
    c.check(http[0].call("value")[0] == 1, "daemon 1 does not serve its add")
    for k in (1, 2):
        tries = poll(lambda: http[k].call("value")[0] == 1 and
                     http[k].call("add", [2, 3])[0] == 5)
        polls["add d%d" % (k + 1)] = tries
        c.check(tries is not None, "the add did not reach daemon %d in %d "
                "polls" % (k + 1, POLL_TRIES))

    # --------------------------------------------------- update, loaded
    load = Load(ds).start()
    for u in range(1, UPDATES + 1):
        load.started = u
        at = u % 3
        st, j = http[at].request("PUT", "/plugins/hot", hot(fleet, version_of(u)))
        c.check(st == 200 and j.get("revision") == u + 1,
                "update %d on daemon %d: %s %r" % (u, at + 1, st, j))
        for k in range(3):
            tries = poll(lambda: http[k].call("value")[0] == version_of(u))
            polls.setdefault("update d%d" % (k + 1), []).append(tries)
            c.check(tries is not None, "update %d did not reach daemon %d "
                    "in %d polls" % (u, k + 1, POLL_TRIES))
            c.check(k != at or tries == 1, "daemon %d did not serve its own "
                    "update at once (%s polls)" % (k + 1, tries))
            load.floor[k] = u
        # Let the clients make judged calls at this epoch (a count, not
        # a time: 20 more judged calls).
        judged = load.count("judged")
        poll(lambda: load.count("judged") >= judged + 20, tries=200,
             every_ms=10)
    load.finish()
    print("update under load: %d calls, %d judged, %d failed, %d stale" %
          (load.calls, load.judged, load.failures, load.stale))
    c.check(load.calls > 0 and load.judged > 0,
            "no call was judged (%d calls)" % load.calls)
    c.check(load.failures == 0, "%d failed calls; first: %s" %
            (load.failures, load.first_failure))
    c.check(load.stale == 0, "%d calls answered by the old version after "
            "the new one was seen; first: %s" % (load.stale, load.first_stale))

    # ---------------------------------------------------------- delete
    st, j = http[1].request("DELETE", "/plugins/hot")
    c.check(st == 200, "delete on daemon 2: %s %r" % (st, j))
    for k in (0, 2):
        tries = poll(lambda: http[k].call("value")[1][0] == 404)
        polls["delete d%d" % (k + 1)] = tries
        c.check(tries is not None, "the delete did not reach daemon %d" %
                (k + 1))

    # --------------------------------------------------- kill -9, restart
    st, j = http[2].request("POST", "/plugins", hot(fleet, 1))
    c.check(st == 201, "add again on daemon 3: %s %r" % (st, j))
    c.check(poll(lambda: http[1].call("value")[0] == 1) is not None,
            "the add again did not reach daemon 2")
    ds[1].kill9()
    http[1].close()
    st, j = http[0].request("PUT", "/plugins/hot", hot(fleet, 2))
    c.check(st == 200, "update while daemon 2 is dead: %s %r" % (st, j))
    current = j.get("revision") if isinstance(j, dict) else None
    ds[1].start()
    c.check(http[1].call("value")[0] == 2 and
            revision_on(http[1]) == current,
            "daemon 2 restarted after kill -9 does not serve revision %s: "
            "%r, revision %s" % (current, http[1].call("value")[1],
                                 revision_on(http[1])))
    c.check(poll(lambda: http[2].call("value")[0] == 2) is not None,
            "the update did not reach daemon 3")

    # ---------------------------------------------------------- outage
    before = [revision_on(h) for h in http]
    load = Load(ds, judge=False).start()
    redis.stop()
    for k in range(3):
        tries = poll(lambda: http[k].request("GET", "/healthz")[1]
                     .get("registry") == "degraded")
        polls["degraded d%d" % (k + 1)] = tries
        c.check(tries is not None, "daemon %d never said degraded" % (k + 1))
        st, h = http[k].request("GET", "/healthz")
        c.check(st == 200 and h.get("status") == "ok" and
                "127.0.0.1:%d" % redis.port in h.get("registry_error", ""),
                "healthz of daemon %d while Redis is down: %s %r" %
                (k + 1, st, h))
        c.check(metric(http[k], "wasmext_registry_up") == 0,
                "registry_up of daemon %d is not 0" % (k + 1))
    refusals = [
        http[0].request("PUT", "/plugins/hot", hot(fleet, 1)),
        http[1].request("POST", "/plugins",
                        config("new", fleet.guest("calc.wasm"),
                               ["mul64"])),
        http[2].request("DELETE", "/plugins/calc"),
    ]
    for k, (st, j) in enumerate(refusals):
        e = j.get("error", {}) if isinstance(j, dict) else {}
        c.check(st == 503 and e.get("code") == "registry_unavailable" and
                "redis://127.0.0.1:%d" % redis.port in e.get("message", ""),
                "a change on daemon %d while Redis is down: %s %r" %
                (k + 1, st, j))
    # A few follower rounds fail while the calls go on.
    for k in range(3):
        fails = metric(http[k], "wasmext_registry_sync_failures_total")
        c.check(poll(lambda: metric(
            http[k], "wasmext_registry_sync_failures_total") >= fails + 3)
            is not None, "daemon %d made no 3 failed rounds" % (k + 1))
    c.check([revision_on(h) for h in http] == before,
            "revisions changed while Redis was down: %r, before %r" %
            ([revision_on(h) for h in http], before))
    redis.start()
    for k in range(3):
        tries = poll(lambda: http[k].request("GET", "/healthz")[1]
                     .get("registry") == "ok")
        polls["recovered d%d" % (k + 1)] = tries
        c.check(tries is not None, "daemon %d did not recover" % (k + 1))
        c.check(metric(http[k], "wasmext_registry_up") == 1,
                "registry_up of daemon %d is not 1 again" % (k + 1))
    load.finish()
    print("outage: %d calls, %d failed" % (load.calls, load.failures))
    c.check(load.calls > 0 and load.failures == 0,
            "%d of %d calls failed during the outage; first: %s" %
            (load.failures, load.calls, load.first_failure))
    c.check([revision_on(h) for h in http] == before,
            "a refused change was applied after all: %r, before %r" %
            ([revision_on(h) for h in http], before))
    st, j = http[2].request("PUT", "/plugins/hot", hot(fleet, 1))
    c.check(st == 200, "a change after the outage: %s %r" % (st, j))
    for k in range(3):
        c.check(poll(lambda: http[k].call("value")[0] == 1) is not None,
                "the change after the outage did not reach daemon %d" %
                (k + 1))

    # --------------------------------------------------------- corrupt
    keys = redis.cli("--scan", "--pattern", "*calc*").split()
    plugin_keys = [k for k in keys if "module" not in k]
    c.check(len(plugin_keys) == 1, "calc's key in Redis: %r" % keys)
    if plugin_keys:
        redis.cli("SET", plugin_keys[0], "not what wasmext wrote")
    # A change elsewhere moves the revision: daemons that did not make it
    # read the list again, and find calc unreadable.
    st, j = http[0].request("PUT", "/plugins/hot", hot(fleet, 2))
    c.check(st == 200, "a change after the corruption: %s %r" % (st, j))
    for k in (1, 2):
        c.check(poll(lambda: http[k].call("value")[0] == 2) is not None,
                "the change did not reach daemon %d" % (k + 1))
        st, j = http[k].request("POST", "/plugins/calc/functions/add",
                                {"args": [2, 3]})
        msg = j.get("error", {}).get("message", "") if isinstance(j, dict) \
            else ""
        c.check(st >= 400 and "calc" in msg,
                "calc on daemon %d after its key was corrupted: %s %r" %
                (k + 1, st, j))
        c.check(http[k].call("value")[0] == 2,
                "hot on daemon %d is not unaffected" % (k + 1))
        st, h = http[k].request("GET", "/healthz")
        c.check(h.get("registry") == "ok",
                "one bad key made daemon %d's registry degraded: %r" %
                (k + 1, h))
    # A daemon starting now: calc in error, hot served.
    ds[2].stop()
    ds[2].start()
    http[2].close()
    st, j = http[2].request("GET", "/plugins")
    listed = {p["name"]: p for p in j.get("plugins", [])} \
        if isinstance(j, dict) else {}
    c.check("calc" in listed and listed["calc"].get("status", "ok") != "ok",
            "calc after a restart on a corrupt key: %r" % listed.get("calc"))
    c.check(http[2].call("value")[0] == 2, "hot after the restart")

    # -------------------------------------------- start while Redis is down
    redis.stop()
    late = fleet.daemon(redis.url, "late", start=False)
    late.spawn()
    tries = poll(lambda: "cannot open the registry" in late.log())
    c.check(tries is not None, "a daemon started without Redis said "
            "nothing: %r" % late.log())
    c.check(late.proc.poll() is None, "it exited: %r" % late.log())
    redis.start()
    late.wait_listening()
    lh = Client(late)
    c.check(lh.call("value")[0] == 2, "the late daemon does not serve hot: "
            "%r" % (lh.call("value")[1],))
    c.check(late.stop() == 0, "the late daemon's exit status")

    # --------------------------------------------------------- password
    secret = "s3cret-%d" % redis.port
    redis.cli("CONFIG", "SET", "requirepass", secret)
    locked = fleet.daemon("redis://:%s@127.0.0.1:%d/0" %
                          (secret, redis.port), "locked")
    lc = Client(locked)
    seen = [lc.request("GET", p)[1] for p in
            ("/healthz", "/metrics", "/plugins", "/plugins/nope")]
    seen.append(lc.call("nope")[1])
    seen.append(lc.request("POST", "/plugins", hot(fleet, 1))[1])
    c.check(lc.call("value")[0] == 2, "the daemon with a password does not "
            "serve hot: %r" % (lc.call("value")[1],))
    c.check(locked.stop() == 0, "the locked daemon's exit status")
    c.check(all(secret not in str(x) for x in seen),
            "the password appears in a reply")
    c.check(secret not in locked.log(), "the password appears in the log")
    redis.cli("-a", secret, "CONFIG", "SET", "requirepass", "")

    # ----------------------------------------------- Redis without its data
    # The revision goes back to 0: no daemon drops its plugins for that.
    redis.cli("FLUSHALL")
    for k in range(3):
        tries = poll(lambda: "went back" in http[k].request(
            "GET", "/healthz")[1].get("registry_error", ""))
        c.check(tries is not None, "daemon %d did not notice the registry "
                "going back: %r" % (k + 1, http[k].request("GET",
                                                           "/healthz")))
        c.check(http[k].call("value")[0] == 2,
                "daemon %d dropped hot when Redis lost its data" % (k + 1))

    for d in ds:
        c.check(d.stop() == 0, "%s's exit status after SIGTERM" % d.name)
    print("polls: %r" % polls)


if __name__ == "__main__":
    sys.exit(main())
