"""Runs the console sessions of the example plugins' READMEs and checks that
they print what the READMEs show, so that the documentation cannot drift
from what the examples do.

    python3 check_readmes.py WASMEXT EXAMPLES_SRC EXAMPLES_BIN WORK_DIR [SERVE]

In every ```console block of examples/plugins/*/README.md, a line starting
with "$ " is a command (a trailing backslash continues it) and the lines
up to the next command are its output, stdout then stderr. `wasmext`
commands run in the example's build folder (where the configs with
absolute paths are) against one fresh registry per README.

`curl` commands go to the REST daemon: with SERVE (the daemon's program,
run as `SERVE --db DB --listen 127.0.0.1:0`), every example is registered
in one registry, the daemon is started on a free port, and each curl
request is sent to it (with Python's HTTP client, curl itself is not
needed) and its reply body compared. Without SERVE they are counted as not
run.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.error
import urllib.request

README_ADDRESS = "localhost:9281"


def sessions(text):
    """Yields (command, expected output) from the console blocks."""
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        cmd, out = None, []
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                if cmd is not None:
                    yield cmd, out
                cmd, out = line[2:], []
                while cmd.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    cmd = cmd[:-1] + lines[i]
            elif cmd is not None:
                out.append(line)
            i += 1
        if cmd is not None:
            yield cmd, out


def start_daemon(serve, wasmext, bin_dir, work):
    """Registers every example (configs.tsv) in a new registry and starts
    the daemon on it; returns (process, "HOST:PORT")."""
    db = os.path.join(work, "daemon.db")
    if os.path.exists(db):
        os.remove(db)
    with open(os.path.join(bin_dir, "configs.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                config = line.rstrip("\n").split("\t")[1]
                subprocess.run([wasmext, "--db", db, "plugin", "add", config],
                               check=True, capture_output=True, timeout=60)
    proc = subprocess.Popen([serve, "--db", db, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    first = proc.stdout.readline()
    m = re.match(r"listening on (\S+)", first)
    if not m:
        proc.kill()
        raise RuntimeError("the daemon did not start: " + repr(first))
    return proc, m.group(1)


def curl(argv, address):
    """Sends the request a `curl -s -X METHOD URL -d BODY` line describes;
    returns the reply body."""
    method, url, body = "GET", None, None
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "-X":
            method, i = argv[i + 1], i + 1
        elif a == "-d":
            body, i = argv[i + 1].encode(), i + 1
            if method == "GET":
                method = "POST"
        elif not a.startswith("-"):
            url = a
        i += 1
    url = url.replace(README_ADDRESS, address)
    if not url.startswith("http"):
        url = "http://" + url
    req = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()


def check(example, text, run_wasmext, address):
    """Runs one README's sessions; returns (checked, failed, skipped)."""
    checked, failed, skipped = 0, 0, 0
    for cmd, want in sessions(text):
        argv = shlex.split(cmd)
        if argv[0] == "curl" and address:
            got = curl(argv, address).splitlines()
        elif argv[0] == "wasmext":
            got = run_wasmext(argv[1:]).splitlines()
        else:
            skipped += 1
            continue
        checked += 1
        if got != want:
            failed += 1
            print(f"FAIL: {example}/README.md: $ {cmd}")
            print("  expected: " + repr("\n".join(want)))
            print("  got:      " + repr("\n".join(got)))
    return checked, failed, skipped


def main():
    wasmext, src, bin_dir, work = sys.argv[1:5]
    serve = sys.argv[5] if len(sys.argv) > 5 else None
    os.makedirs(work, exist_ok=True)
    totals = [0, 0, 0]
    daemon, address = None, None
    try:
        if serve:
            daemon, address = start_daemon(serve, wasmext, bin_dir, work)
        for example in sorted(os.listdir(src)):
            readme = os.path.join(src, example, "README.md")
            if not os.path.isfile(readme):
                continue
            db = os.path.join(work, example + ".db")
            if os.path.exists(db):
                os.remove(db)

            def run_wasmext(args, db=db, cwd=os.path.join(bin_dir, example)):
                run = subprocess.run([wasmext, "--db", db] + args, cwd=cwd,
                                     capture_output=True, text=True,
                                     timeout=60)
                return run.stdout + run.stderr

            with open(readme, encoding="utf-8") as f:
                counts = check(example, f.read(), run_wasmext, address)
            totals = [t + c for t, c in zip(totals, counts)]
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    checked, failed, skipped = totals
    note = " (no daemon for the curl lines)" if skipped else ""
    print(f"{checked} README commands checked, {failed} failed, "
          f"{skipped} not run{note}")
    if checked == 0:
        print("FAIL: no README command found")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
