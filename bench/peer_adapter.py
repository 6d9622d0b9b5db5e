"""escore as an extra engine of the bench-peer harness: ``peer_adapter.py in.csv totals.csv phases.json``.

The adapter's code and its documentation are in ``_peer_adapter.py`` beside this file. This
script only runs it: Python compiles the script it is given on every run (about 10 ms for the
adapter, a tenth of a 131-unit run), and an imported module once, into ``__pycache__``.
"""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
    from _peer_adapter import main

    main()
