"""Fuzzed evidence files: every input is scored or rejected with one line, never a traceback.

A few hundred derandomized examples keep CI fast and repeatable; ``tests/fuzz_evidence.py``
is the long run through the command line.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escore import EscoreError

from .fuzz_evidence import evidence, write
from .fuzz_inputs import TYPED_CELLS


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


def test_fuzzed_parquet_columns_are_scored_or_rejected_in_one_line(tmp_path_factory):
    """Any column of a Parquet fields or monitoring table replaced by typed cells of another kind
    (numbers, lists, records, dates, times, text that is not UTF-8…): scored, or one line, exit 2."""
    pytest.importorskip("pyarrow")
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category
    from escore._text import escape

    from .test_columnar import PROVINCIAL_SAMPLE, columnar_copy

    catalog = Catalog(make_plugin_manager())
    base = columnar_copy(PROVINCIAL_SAMPLE, tmp_path_factory.mktemp("fuzz") / "base", ".parquet")
    tables = {
        "fields/provincial": pq.read_table(base / "fields" / "provincial.parquet"),
        **{f"monitoring/{p.stem}": pacsv.read_csv(p) for p in sorted((base / "monitoring").glob("*.csv"))},
    }
    counts = {"scored": 0, "rejected": 0}

    @settings(max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(sorted(tables)), st.integers(0, 60), st.data())
    def probe(name, index, data):
        table = tables[name]
        column = table.column_names[index % table.num_columns]
        make = data.draw(st.sampled_from(TYPED_CELLS))
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch) / "ev"
            shutil.copytree(base, root)
            target = root / f"{name}.parquet"
            if name.startswith("monitoring/"):
                (root / f"{name}.csv").unlink()
            pq.write_table(table.set_column(index % table.num_columns, column, make(table.num_rows)), target)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    run_category(catalog, "provincial", evidence=[root], keyword="comprehensive", explain=False)
            except EscoreError as exc:
                assert exc.exit_code == 2
                message = escape(str(exc))
                assert len(message.splitlines()) == 1 and len(message) < 1000, message
                counts["rejected"] += 1
                return
            counts["scored"] += 1

    probe()
    assert counts["rejected"] > 0 and counts["scored"] > 0  # both outcomes were exercised
