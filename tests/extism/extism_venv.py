"""Extism's own runtime from PyPI, in a venv under the build tree.

The tests and the benchmark compare our runtime with Extism's: the
`extism` Python SDK over `extism-sys` (the runtime itself, a wheel with a
compiled libextism). Installed once with pip, then reused; PINS says which
versions. Run as a script (`python3 extism_venv.py VENV`) it makes sure
the venv is there and prints its python, or exits 1 saying why not
(tests/lib/pyvenv.py does the work).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import pyvenv  # noqa: E402

PINS = ["extism==1.1.1", "extism-sys==1.41.0"]
PROBE = ("import importlib.metadata as m, extism; "
         "print(m.version('extism'), m.version('extism-sys'))")
WHAT = "Extism's runtime"


def ensure(venv):
    """The venv's python with PINS installed, or (None, why)."""
    return pyvenv.ensure(venv, PINS, PROBE, WHAT)


if __name__ == "__main__":
    pyvenv.main("extism_venv", PINS, PROBE, WHAT)
