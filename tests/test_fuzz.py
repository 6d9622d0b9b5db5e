"""Fuzzed evidence files: every input is scored or rejected with one line, never a traceback.

A few hundred derandomized examples keep CI fast and repeatable; ``tests/fuzz_evidence.py``
is the long run through the command line.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escore import EscoreError

from .fuzz_evidence import evidence, write


@settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(evidence, st.sampled_from(["table", "json", "csv", "toml"]))
def test_fuzzed_evidence_is_scored_or_rejected_in_one_line(demo_catalog, case, format_):
    from escore._session import run_category
    from escore._text import escape

    with tempfile.TemporaryDirectory() as scratch:
        directory = write(Path(scratch) / "evidence", *case)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = run_category(demo_catalog, "town", evidence=[directory])
        except EscoreError as exc:
            assert exc.exit_code == 2
            message = escape(str(exc))
            assert len(message.splitlines()) == 1 and len(message) < 1000, message
            return
        rendered = demo_catalog.formats[format_].render_run(result)
        assert len(rendered) < 100_000  # no number expands into megabytes (1e-20000000)
