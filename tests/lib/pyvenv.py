"""A venv under the build tree holding pinned packages from PyPI.

The tests that compare us with another runtime take it from PyPI:
Extism's (tests/extism/extism_venv.py) and wasmtime, the reference of
the differential test (tests/fuzz/wasmtime_venv.py). Each gets a venv of
its own, made once with pip and reused while the pinned versions are the
ones installed; a venv with other versions (say after a pin changed) is
made again.
"""
import os
import shutil
import subprocess
import sys


def ensure(venv, pins, probe, what):
    """The venv's python with `pins` installed, or (None, why).

    `probe` is Python code run in the venv that imports the packages and
    prints their versions separated by spaces, in the order of `pins`;
    `what` names the packages in error messages.
    """
    py = os.path.join(venv, "bin", "python")
    want = " ".join(p.split("==")[1] for p in pins)

    def have():
        try:
            r = subprocess.run([py, "-c", probe], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=60)
        except OSError:
            return False
        return r.returncode == 0 and r.stdout.decode().strip() == want

    if have():
        return py, None
    shutil.rmtree(venv, ignore_errors=True)
    steps = [[sys.executable, "-m", "venv", venv],
             [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
             + pins]
    for cmd in steps:
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "%s: %s" % (" ".join(cmd[:4]), e)
        if r.returncode != 0:
            return None, "%s failed (%s from PyPI is needed: python3-venv " \
                "and access to pypi.org):\n%s" % (
                    " ".join(cmd[:4]), what, r.stdout.decode()[-800:])
    if not have():
        return None, "%s installed, but importing them fails in %s" % (
            " ".join(pins), venv)
    return py, None


def main(name, pins, probe, what):
    """The command line of a venv script: `python3 NAME VENV_DIR` makes
    sure the venv is there and prints its python, or exits 1 saying why
    not."""
    if len(sys.argv) != 2:
        sys.exit("usage: %s.py VENV_DIR" % name)
    py, why = ensure(sys.argv[1], pins, probe, what)
    if not py:
        sys.exit("%s: %s" % (name, why))
    print(py)
