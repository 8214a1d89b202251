"""wasmtime from PyPI, the reference engine of the differential test
(differential.py), in a venv under the build tree.

The `wasmtime` wheel carries the whole runtime (a compiled libwasmtime)
and its Python API; it implements all of WebAssembly 3.0, so it can run
every module the generator makes whatever features we enable. Installed
once with pip, then reused; PIN says which version. Run as a script
(`python3 wasmtime_venv.py VENV`) it makes sure the venv is there and
prints its python, or exits 1 saying why not (tests/lib/pyvenv.py).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import pyvenv  # noqa: E402

PINS = ["wasmtime==51.0.0"]
PROBE = ("import importlib.metadata as m, wasmtime; "
         "print(m.version('wasmtime'))")
WHAT = "wasmtime"


def ensure(venv):
    """The venv's python with PINS installed, or (None, why)."""
    return pyvenv.ensure(venv, PINS, PROBE, WHAT)


if __name__ == "__main__":
    pyvenv.main("wasmtime_venv", PINS, PROBE, WHAT)
