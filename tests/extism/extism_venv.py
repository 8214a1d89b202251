"""Extism's own runtime from PyPI, in a venv under the build tree.

The tests and the benchmark compare our runtime with Extism's: the
`extism` Python SDK over `extism-sys` (the runtime itself, a wheel with a
compiled libextism). Installed once with pip, then reused; PINS says which
versions. Run as a script (`python3 extism_venv.py VENV`) it makes sure
the venv is there and prints its python, or exits 1 saying why not.
"""
import os
import shutil
import subprocess
import sys

PINS = ["extism==1.1.1", "extism-sys==1.41.0"]
PROBE = ("import importlib.metadata as m, extism; "
         "print(m.version('extism'), m.version('extism-sys'))")


def ensure(venv):
    """The venv's python with PINS installed, or (None, why)."""
    py = os.path.join(venv, "bin", "python")
    want = " ".join(p.split("==")[1] for p in PINS)

    def have():
        try:
            r = subprocess.run([py, "-c", PROBE], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=60)
        except OSError:
            return False
        return r.returncode == 0 and r.stdout.decode().strip() == want

    if have():
        return py, None
    shutil.rmtree(venv, ignore_errors=True)
    steps = [[sys.executable, "-m", "venv", venv],
             [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
             + PINS]
    for cmd in steps:
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "%s: %s" % (" ".join(cmd[:4]), e)
        if r.returncode != 0:
            return None, "%s failed (Extism's runtime from PyPI is needed: " \
                "python3-venv and access to pypi.org):\n%s" % (
                    " ".join(cmd[:4]), r.stdout.decode()[-800:])
    if not have():
        return None, "%s installed, but `import extism` fails in %s" % (
            " ".join(PINS), venv)
    return py, None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: extism_venv.py VENV_DIR")
    py, why = ensure(sys.argv[1])
    if not py:
        sys.exit("extism_venv: " + why)
    print(py)
