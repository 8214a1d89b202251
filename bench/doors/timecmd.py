#!/usr/bin/env python3
"""Times a command for bench/doors.sh: RUNS runs, each its wall time and
its CPU time (user and system, from wait4's rusage of that child alone),
and checks every run: exit status 0 and stdout containing MUST.

    timecmd.py RUNS MUST -- COMMAND [ARG...]

Prints one line per run (the caller takes medians over all its runs):

    timecmd wall_ms=.. user_ms=.. sys_ms=..

Exit status 1 if a run failed or its output lacks MUST (its stderr is
shown).
"""
import os
import subprocess
import sys
import tempfile
import time


def one_run(cmd):
    """Wall ms, user ms, system ms, exit status, stdout, stderr of one run.
    wait4 gives the child's own rusage in microseconds (os.times() counts
    in 10 ms clock ticks, too coarse for a command of some 10 ms)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (wall * 1e3, ru.ru_utime * 1e3, ru.ru_stime * 1e3,
                proc.returncode, out.read(), err.read())


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: timecmd.py RUNS MUST -- COMMAND [ARG...]")
    runs, must, cmd = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[4:]
    for _ in range(runs):
        wall, user, system, code, out, err = one_run(cmd)
        if code != 0 or must not in out:
            lacks = "" if must in out else f", output lacks {must!r}"
            sys.stderr.write(f"timecmd: {' '.join(cmd)}: exit status "
                             f"{code}{lacks}\n"
                             f"{err.decode(errors='replace')[:2000]}")
            sys.exit(1)
        print(f"timecmd wall_ms={wall:.2f} user_ms={user:.2f} "
              f"sys_ms={system:.2f}", flush=True)


if __name__ == "__main__":
    main()
