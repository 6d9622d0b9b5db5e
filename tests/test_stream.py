"""Streamed output (a summary per unit, detail scored again when written) is byte-identical to one pass."""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import pytest

from escore._builtin_formats import _json, write_csv, write_json, write_table, write_toml
from escore._plugins import Catalog, make_plugin_manager
from escore._report import SYNTHETIC_BANNER, run_table, run_to_dict
from escore._results import present
from escore._score import fmt
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
    """The CSV as written from full results (the format's code before streaming)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the byte-order mark Excel on Chinese Windows needs
    writer = csv.writer(buffer, lineterminator="\n")
    section_columns = [column for s in result.plan.sections for column in (s.name, f"{s.name}_2dp")]
    writer.writerow(["rank", "code", "name", "parent", *section_columns, "total", "total_2dp", "missing", "errors", "synthetic"])
    for rank, unit_result in zip(result.ranks, result.units):
        statuses = [i.status for i in unit_result.indicators]
        writer.writerow([rank, unit_result.unit.code, unit_result.unit.name, unit_result.unit.parent or "",
                         *(value for s in unit_result.sections for value in (fmt(s.points), present(s.points))),
                         fmt(unit_result.total), present(unit_result.total),
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


@pytest.mark.parametrize("block", [1, 7, 4096])
def test_the_missing_list_is_streamed_as_one_pass_writes_it(catalog, monkeypatch, block):
    """JSON and TOML write the header's list of missing results a block at a time: the same text."""
    from escore import _builtin_formats

    sample = Path(__import__("escore_fj2017_provincial").__file__).parent / "sample" / "provincial"  # no website evidence
    full = run_category(catalog, "provincial", evidence=[sample], explain=True)
    lazy = run_category(catalog, "provincial", evidence=[sample], explain=True, lazy=True)
    monkeypatch.setattr(_builtin_formats, "MISSING_BLOCK", block)
    assert full.status_counts()["missing"] > 100
    assert _written(write_json, lazy) == _json(run_to_dict(full))
    assert _written(write_toml, lazy) == _toml_one_pass(full)


def test_summaries_keep_missing_results_for_the_report(catalog):
    sample = Path(__import__("escore_fj2017_provincial").__file__).parent / "sample" / "provincial"  # no website evidence
    lazy = run_category(catalog, "provincial", evidence=[sample], explain=False, lazy=True)
    full = run_category(catalog, "provincial", evidence=[sample], explain=False)
    from escore._report import missing_dicts, missing_lines

    def rows(result):
        return [(row["unit"], row["indicator"], tuple(row["evidence"])) for row in missing_dicts(result)]

    assert rows(lazy) == rows(full)
    assert missing_lines(lazy, limit=5) == missing_lines(full, limit=5)
    # Grouped by unit, then ordered: exactly every missing result sorted by natural code, then tree order.
    from escore._collect import natural_key

    order = {ip.node.code: i for i, ip in enumerate(full.selected)}
    every = [(u.unit.code, item.code, item.missing) for u in full.units for item in u.indicators if item.status == "missing"]
    assert len(every) > 100 and rows(full) == sorted(every, key=lambda row: (natural_key(row[0]), order[row[1]]))
    units = sorted({row[0] for row in every}, key=natural_key)
    assert [line.split()[0] for line in missing_lines(full, limit=5)[1:6]] == units[:5]
    assert missing_lines(full, limit=5)[-1].split()[2] == str(len(units) - 5)
    first = lazy.units.summaries[0]
    assert first.missing == len(first.problems) > 0  # the website section's evidence is absent here
    line = _written(write_csv, lazy).splitlines()[1].split(",")
    assert (line[1], line[-3]) == (first.unit.code, str(first.missing))


def test_empty_run_streams_like_one_pass(catalog):
    """A run of no unit (scored directly: run_category refuses an ``only`` that names no unit)."""
    from escore._evidence_set import EvidenceSet
    from escore._selection import select
    from escore._session import score_with

    plan = catalog.plan("fj2017", "city")
    nothing = EvidenceSet({}, {}, {}, True, (), ())
    full = score_with(plan, select(plan, None, None), (), {}, nothing)
    lazy = score_with(plan, select(plan, None, None), (), {}, nothing, lazy=True)
    assert not full.units and not lazy.units
    assert _written(write_json, lazy) == _json(run_to_dict(full))
    assert _written(write_toml, lazy) == _toml_one_pass(full)


def test_csv_numbers_formatted_once_per_value_keep_every_exponent_and_sign():
    """Equal values share their texts; -0 and 0 (equal, of other texts) do not, though both are shown 0.00."""
    from decimal import Decimal as D
    from types import SimpleNamespace

    from escore import Unit
    from escore._results import SectionResult, UnitResult

    values = [D("1.5"), D("1.50"), D("-0"), D("0"), D("0.00"), D("1E+1"), D("10.005")]
    units = [
        UnitResult(Unit(f"u{i}", f"U {i}", "town"), value, (SectionResult("s", "S", D(1), value, D(100), value),), ())
        for i, value in enumerate(values)
    ]
    result = SimpleNamespace(
        plan=SimpleNamespace(sections=[SimpleNamespace(name="s")]), synthetic=False, selection=None, ranks=list(range(1, 8)), units=units
    )
    rows = list(csv.reader(io.StringIO(_written(write_csv, result).lstrip("\ufeff"))))[1:]
    assert [row[4:8] for row in rows] == [[fmt(v), present(v), fmt(v), present(v)] for v in values]
    assert [row[5] for row in rows] == ["1.50", "1.50", "0.00", "0.00", "0.00", "10.00", "10.01"]


@pytest.mark.parametrize(
    "name",
    ["甲单位", "Unit, with a comma", 'say "hi"', "tab\there", "line\nbreak", "cr\rhere", "", " lead", "=formula"],
)
def test_csv_rows_joined_as_the_csv_writer_writes_them(name):
    """The joined fast path gives the csv module's text, and a cell that needs quoting (a comma,
    a quote or a line break, in any row) leaves every row to the csv writer (``None``)."""
    from escore._builtin_formats import _joined_rows

    columns = [["1", "2", "3"], ["a", name, "c"], ["0", "1.5", "-0"], ["x", "y", name]]

    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(zip(*columns))
    joined = _joined_rows(columns, 3)
    if any(mark in name for mark in ',"\n\r'):
        assert joined is None
    else:
        assert joined == expected.getvalue()


def test_csv_escapes_and_quotes_names_that_need_it(catalog):
    """A unit named with a comma, a quote or a control character: the line is as the csv module writes it."""
    from types import SimpleNamespace

    from escore import Unit
    from escore._results import SectionResult, UnitResult
    from escore._text import spreadsheet_cell

    names = ["plain", 'A, "B"', "new\nline", "+1"]
    D = __import__("decimal").Decimal
    units = [
        UnitResult(Unit(f"u{i}", name, "town"), D(i), (SectionResult("s", "S", D(1), D(i), D(100), D(i)),), ())
        for i, name in enumerate(names)
    ]
    result = SimpleNamespace(
        plan=SimpleNamespace(sections=[SimpleNamespace(name="s")]), synthetic=True, selection=None, ranks=[4, 3, 2, 1], units=units
    )
    rows = list(csv.reader(io.StringIO(_written(write_csv, result).lstrip("\ufeff"))))[1:]
    assert [row[2] for row in rows] == [spreadsheet_cell(name) for name in names]
    assert [row[2] for row in rows][1:] == ['A, "B"', "new\\nline", "'+1"]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork (POSIX)")
def test_csv_lines_made_in_processes_are_the_lines_of_one(catalog, monkeypatch):
    """Pieces of a CSV made in forked processes and written in order: the text one process
    writes, a piece with a name to quote included (it alone goes through the csv writer)."""
    from escore import _builtin_formats
    from escore._session import run_category

    one = run_category(catalog, "county", lazy=True, explain=False, jobs=1)
    text = _written(write_csv, one)
    assert text.count("\n") == 84  # the header and 83 units
    monkeypatch.setattr(_builtin_formats, "CSV_PARALLEL_FROM", 1)
    pieces = []
    real = _builtin_formats._csv_lines
    monkeypatch.setattr(_builtin_formats, "_csv_lines", lambda *args: pieces.append(len(args[0])) or real(*args))
    assert _written(write_csv, run_category(catalog, "county", lazy=True, explain=False, jobs=1)) == text
    assert pieces == [83]
    from escore import _parallel

    shared = []
    real_balanced = _parallel.balanced
    monkeypatch.setattr(
        _parallel, "balanced", lambda func, parts, jobs: shared.append((len(parts), jobs)) or real_balanced(func, parts, jobs)
    )
    three = run_category(catalog, "county", lazy=True, explain=False, jobs=3)
    assert _written(write_csv, three) == text
    assert shared[-1] == (6, 3)  # 6 pieces taken by 3 processes (which makes which does not matter)
    # Chosen columns (--columns) from the same pieces: those cells of the whole lines.
    chosen = ["total", "name", "missing", "website_2dp", "synthetic"]
    rows = [line.split(",") for line in text.lstrip("\ufeff").splitlines()]
    wanted = "\n".join(",".join(row[rows[0].index(name)] for name in chosen) for row in rows) + "\n"
    assert _written(lambda result, stream: write_csv(result, stream, chosen), three).lstrip("\ufeff") == wanted
    assert _written(lambda result, stream: write_csv(result, stream, chosen), one).lstrip("\ufeff") == wanted
    # The writer keeps synthetic, last, whatever a caller asks for: sample data still says so.
    for asked, header in ((["code"], "code,synthetic"), (["synthetic", "code", "total"], "code,total,synthetic")):
        assert _written(functools.partial(write_csv, columns=asked), one).lstrip("\ufeff").split("\n")[0] == header
    # A name to quote in one piece: that piece from the csv writer, the others joined.
    unit = three.units.summaries[40].unit
    quoted = unit.__class__(unit.code, 'A, "quoted" name', unit.category, unit.parent, unit.attributes)
    summaries = list(three.units.summaries)
    summaries[40] = summaries[40]._replace(unit=quoted)
    shown = three._replace(units=three.units.__class__(three.units.engine, summaries, {}, {}, {}, {}, 3))
    lines = _written(write_csv, shown).splitlines()
    assert (
        lines[41].split(",", 2)[2].startswith('"A, ""quoted"" name",')
        and lines[:41] + lines[42:] == text.splitlines()[:41] + text.splitlines()[42:]
    )


def test_a_grid_of_columns_is_the_grid_of_its_rows(monkeypatch):
    """Measured and padded a column at a time (ASCII columns by the string methods, others by
    display width), in chunks of rows: the lines the row-by-row grid makes."""
    import random

    from escore import _report
    from escore._text import escape, escape_lines

    pick = random.Random(7)
    texts = ["", "1", "12.50", "u000001", "甲单位", "福州市鼓楼区", "A, B", "x\ty", "\u202eevil", "ｗｉｄｅ", "é", "-0.00", "  lead"]
    header = ["rank", "code", "名称", "points /70", "errors"]
    right = [True, False, False, True, True]
    rows = [[escape(pick.choice(texts)) for _ in header] for _ in range(300)]
    columns = [list(column) for column in zip(*rows)]
    # Cell by cell, as the table was made before: each column as wide as its widest cell.
    sizes = [max(map(_report.width, [title, *column])) for title, column in zip(header, columns)]

    def line(cells):
        return "  ".join(_report.pad(cell, size, right=to_right) for cell, size, to_right in zip(cells, sizes, right)).rstrip()

    expected = [line(header), "  ".join("-" * size for size in sizes), *map(line, rows)]
    assert any("福州市鼓楼区" in row for row in expected)
    assert [escape_lines(text) for text in expected] == expected  # the cells were escaped already
    for chunk in (1, 7, 4096):
        monkeypatch.setattr(_report, "GRID_CHUNK", chunk)
        assert list(_report.grid_column_lines(header, columns, right)) == expected
    assert _report.grid(header, rows, right) == expected  # the grid of rows is the grid of their columns
    titles = "  ".join(_report.pad(title, _report.width(title), right=to_right) for title, to_right in zip(header, right)).rstrip()
    assert _report.grid(header, [], right) == [titles, "  ".join("-" * _report.width(title) for title in header)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_the_texts_a_writer_reads_are_made(catalog, jobs):
    """``texts``: the processes of the first pass format only the numbers the writer reads (the
    rest ``None``); any column of the CSV and the ranking table are then what they are when
    every text is made (a text not made is formatted by the writer)."""
    every = run_category(catalog, "city", lazy=True, explain=False, jobs=jobs)
    some = run_category(catalog, "city", lazy=True, explain=False, jobs=jobs, texts=["total", "comprehensive_2dp"])
    sections = [s.name for s in every.plan.sections]
    assert sections == ["comprehensive", "website"]
    made = [s.texts for s in some.units.summaries]
    # sections then the total, each exact then rounded: comprehensive, comprehensive_2dp, website, …, total_2dp
    assert all(t[0] is None and t[2] is None and t[3] is None and t[5] is None for t in made)
    assert [(t[1], t[4]) for t in made] == [(s.texts[1], s.texts[4]) for s in every.units.summaries]
    assert [t[4] for t in made][:3] == [fmt(s.total) for s in every.units.summaries[:3]]
    assert _written(write_csv, some) == _written(write_csv, every)
    assert _written(write_table, some) == _written(write_table, every)
    chosen = ["code", "website_2dp", "total", "comprehensive"]
    assert _written(functools.partial(write_csv, columns=chosen), some) == _written(functools.partial(write_csv, columns=chosen), every)
    none = run_category(catalog, "city", lazy=True, explain=False, jobs=jobs, texts=["code", "rank"])
    assert all(s.texts == () for s in none.units.summaries)
    assert _written(write_csv, none) == _written(write_csv, every)
