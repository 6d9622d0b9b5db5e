"""Streamed output (a summary per unit, detail scored again when written) is byte-identical to one pass."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from escore._builtin_formats import _json, write_csv, write_json, write_table, write_toml
from escore._plugins import Catalog, make_plugin_manager
from escore._report import SYNTHETIC_BANNER, run_table, run_to_dict
from escore._session import run_category
from escore._stream import LazyUnits


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def _written(writer, result) -> str:
    buffer = io.StringIO()
    writer(result, buffer)
    return buffer.getvalue()


def _toml_one_pass(result) -> str:
    import tomli_w

    data = run_to_dict(result)
    for unit in data["units"]:
        if not unit["vetoes"]:
            del unit["vetoes"]
    return (f"# {SYNTHETIC_BANNER}\n" if result.synthetic else "") + tomli_w.dumps(data)


def _csv_one_pass(result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "code", "name", "parent", *(s.name for s in result.plan.sections), "total", "missing", "errors", "synthetic"])
    for rank, unit_result in zip(result.ranks, result.units):
        statuses = [i.status for i in unit_result.indicators]
        writer.writerow([rank, unit_result.unit.code, unit_result.unit.name, unit_result.unit.parent or "",
                         *(str(s.points.quantize(__import__("decimal").Decimal("0.01"), rounding="ROUND_HALF_UP")) for s in unit_result.sections),
                         str(unit_result.total.quantize(__import__("decimal").Decimal("0.01"), rounding="ROUND_HALF_UP")),
                         statuses.count("missing"), statuses.count("error"), "yes" if result.synthetic else "no"])  # fmt: skip
    return buffer.getvalue()


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
def test_streamed_formats_equal_one_pass(catalog, category):
    full = run_category(catalog, category, explain=True)
    lazy = run_category(catalog, category, explain=True, lazy=True)
    assert isinstance(lazy.units, LazyUnits)
    assert lazy.ranks == full.ranks
    assert lazy.status_counts() == full.status_counts()
    assert list(lazy.units) == list(full.units)  # every indicator, reason and hit, scored again
    assert _written(write_json, lazy) == _json(run_to_dict(full))
    assert _written(write_toml, lazy) == _toml_one_pass(full)
    assert _written(write_csv, lazy) == _csv_one_pass(full)
    assert _written(write_table, lazy) == run_table(full)
    compact = run_category(catalog, category, explain=False, lazy=True)
    assert _written(write_csv, compact) == _csv_one_pass(full)
    assert _written(write_table, compact) == run_table(full)


def test_table_counts_missing_vetoes_csv_counts_indicators(catalog):
    sample = Path(__import__("escore_fj2017_provincial").__file__).parent / "sample" / "provincial"  # no website evidence
    lazy = run_category(catalog, "provincial", evidence=[sample], keyword="comprehensive", explain=False, lazy=True)
    first = lazy.units.summaries[0]
    assert first.vetoes_missing == 3  # the website section's Table D vetoes have no evidence here
    line = _written(write_csv, lazy).splitlines()[1].split(",")
    assert (line[1], line[-3]) == (first.unit.code, str(first.indicators_missing))
    assert first.missing == first.indicators_missing + 3


def test_empty_run_streams_like_one_pass(catalog):
    full = run_category(catalog, "city", only=["nowhere"])
    lazy = run_category(catalog, "city", only=["nowhere"], lazy=True)
    assert _written(write_json, lazy) == _json(run_to_dict(full))
    assert _written(write_toml, lazy) == _toml_one_pass(full)
