#!/usr/bin/env python3
"""A daemon follows changes the command line makes to its SQLite file.

    test_fleet_sqlite.py WASMEXT GUESTS-DIR

`wasmext serve` runs on a registry file; `wasmext plugin add`, `update` and
`rm` change the same file from other processes. Each change must reach the
daemon within POLL_TRIES polls of POLL_MS (the assertion is the count of
polls, not a time), an update must never be undone (no answer from the old
version once the new one was seen), and the daemon's own changes must not
make it re-read the registry (the revision it made is the one it has).
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleetlib import (POLL_TRIES, Checks, Client, Fleet, config,  # noqa: E402
                      poll)


def metric(client, name):
    st, text = client.request("GET", "/metrics")
    m = re.search(r"^%s (\S+)$" % re.escape(name), text if st == 200 else "",
                  re.M)
    return float(m.group(1)) if m else None


def main():
    wasmext, guests = sys.argv[1], sys.argv[2]
    fleet = Fleet(wasmext, guests)
    c = Checks()
    try:
        run(fleet, c)
    except Exception as e:  # a crash of the test is a failure too
        c.check(False, "exception: %r" % e)
    if c.failures:
        print(fleet.logs())
    fleet.close()
    return c.done()


def cli(fleet, db, *args):
    r = subprocess.run([fleet.wasmext, "--db", db] + list(args),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def write_config(fleet, name, version):
    path = os.path.join(fleet.dir, "%s-v%d.json" % (name, version))
    with open(path, "w") as f:
        json.dump(config(name, fleet.guest("version%d.wasm" % version),
                         ["value", "work"]), f)
    return path


def run(fleet, c):
    db = os.path.join(fleet.dir, "registry.db")
    d = fleet.daemon(db, "daemon")
    http = Client(d)

    # Added by the command line: served within the bounded polls.
    rc, out = cli(fleet, db, "plugin", "add", write_config(fleet, "hot", 1))
    c.check(rc == 0, "plugin add: exit %d: %s" % (rc, out))
    tries = poll(lambda: http.call("value")[0] == 1)
    c.check(tries is not None,
            "the CLI's add did not reach the daemon in %d polls; last: %r" %
            (POLL_TRIES, http.call("value")[1]))
    print("add seen after %s polls" % tries)

    # Updated: the new version, and never the old one after it.
    rc, out = cli(fleet, db, "plugin", "update",
                  write_config(fleet, "hot", 2))
    c.check(rc == 0, "plugin update: exit %d: %s" % (rc, out))
    tries = poll(lambda: http.call("value")[0] == 2)
    c.check(tries is not None,
            "the CLI's update did not reach the daemon in %d polls" %
            POLL_TRIES)
    print("update seen after %s polls" % tries)
    after = [http.call("value")[0] for _ in range(50)]
    c.check(after.count(2) == len(after),
            "answers after the update was seen: %d of %d from version 2" %
            (after.count(2), len(after)))
    st, show = http.request("GET", "/plugins/hot")
    c.check(st == 200 and show.get("revision") == 2,
            "show after the update: %d %r" % (st, show))

    # Removed: gone within the bounded polls, with the registry named.
    rc, out = cli(fleet, db, "plugin", "rm", "hot")
    c.check(rc == 0, "plugin rm: exit %d: %s" % (rc, out))
    tries = poll(lambda: http.call("value")[1][0] == 404)
    c.check(tries is not None,
            "the CLI's rm did not reach the daemon in %d polls" % POLL_TRIES)
    st, j = http.call("value")[1]
    c.check(st == 404 and db in json.dumps(j),
            "a call after rm: %d %r (expected 404 naming %s)" % (st, j, db))

    # Three changes made elsewhere: three resyncs, revision 3, up.
    resyncs = metric(http, "wasmext_registry_resyncs_total")
    c.check(resyncs == 3, "resyncs after 3 CLI changes: %r" % resyncs)
    c.check(metric(http, "wasmext_registry_up") == 1, "registry_up is not 1")
    c.check(metric(http, "wasmext_registry_revision") == 3,
            "revision is %r, expected 3" %
            metric(http, "wasmext_registry_revision"))
    st, health = http.request("GET", "/healthz")
    c.check(st == 200 and health.get("registry") == "ok" and
            health.get("revision") == 3, "healthz: %d %r" % (st, health))

    # The daemon's own change: made here, so no resync follows it, while
    # the follower's rounds go on (counted by the syncs counter).
    st, j = http.request("POST", "/plugins",
                         config("own", fleet.guest("version1.wasm"),
                                ["value"]))
    c.check(st == 201, "POST /plugins: %d %r" % (st, j))
    syncs = metric(http, "wasmext_registry_syncs_total")
    tries = poll(lambda: metric(http, "wasmext_registry_syncs_total") >=
                 syncs + 3)
    c.check(tries is not None, "the follower made no 3 rounds in %d polls" %
            POLL_TRIES)
    c.check(metric(http, "wasmext_registry_resyncs_total") == 3,
            "the daemon's own add made it re-read the registry")
    c.check(metric(http, "wasmext_registry_revision") == 4,
            "revision after the own add: %r" %
            metric(http, "wasmext_registry_revision"))

    rc = d.stop()
    c.check(rc == 0, "the daemon's exit status after SIGTERM: %r" % rc)


if __name__ == "__main__":
    sys.exit(main())
