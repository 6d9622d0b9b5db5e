"""A monitoring table read by columns (CSV, Parquet) is kept as columns (escore._tablerows.TableRows).

Reading a unit makes its rows: they must be the rows the loader kept before, value for value
and object for object, in the same order of units and of rows, for every reader (the engine,
the column pass, the checks, the cache). A table of several files read by columns is kept so
too, each row knowing its file for errors; one with a file read row by row, or a workbook's
sheet, is kept as rows.
"""

from __future__ import annotations

import json
import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from escore._errors import InputError
from escore._load import load_evidence
from escore._plugins import Catalog, make_plugin_manager
from escore._tablerows import TableRows

pytest.importorskip("escore_fj2017_website", reason="the fj2017 packs are not installed")

Row = namedtuple("Row", "unit line kind amount")


def _table() -> tuple[TableRows, dict[str, tuple[Row, ...]], list[str]]:
    """A table whose units' rows are apart in the file (listed by date), and the rows a
    loader building named tuples one by one keeps for it."""
    owners = ["b", "a", "b", "c", "a", "b"]
    read = [("b", 2, "x", 1), ("a", 3, "y", 2), ("b", 4, "x", 3), ("c", 5, "z", 4), ("a", 6, "x", 5), ("b", 7, "y", 6)]
    codes = {code: code for code in owners}  # one object per code, as the loader shares them
    owners = [codes[code] for code in owners]
    by_rows: dict[str, list[Row]] = {}
    for code, line, kind, amount in read:
        by_rows.setdefault(codes[code], []).append(Row(codes[code], line, kind, amount))
    table = TableRows(Row, list(owners), [r[1] for r in read], [[r[2] for r in read], [r[3] for r in read]])
    return table, {code: tuple(rows) for code, rows in by_rows.items()}, owners


def test_a_unit_reads_its_rows_in_file_order_and_units_in_order_of_first_row():
    table, expected, owners = _table()
    assert list(table) == ["b", "a", "c"] == list(expected)
    assert len(table) == 3
    assert table["b"] == (Row("b", 2, "x", 1), Row("b", 4, "x", 3), Row("b", 7, "y", 6))
    assert table["a"] == (Row("a", 3, "y", 2), Row("a", 6, "x", 5))
    assert dict(table) == expected
    assert repr(table) == repr(expected)
    assert type(table["c"][0]) is Row
    # The unit code of every row is the unit's one string object, whatever string asks for it.
    asked = "".join(["b"])
    assert all(row.unit is owners[0] for row in table[asked])


def test_a_unit_without_rows():
    table, _, _ = _table()
    assert "d" not in table
    assert table.get("d", ()) == ()
    assert table.get("d") is None
    with pytest.raises(KeyError):
        table["d"]
    empty = TableRows(Row, [], [], [[], []])
    assert len(empty) == 0 and dict(empty) == {} and empty.rows_of(["a", "b"]) == [(), ()]


def test_rows_and_columns_of_many_units_at_once():
    table, expected, _ = _table()
    codes = ["c", "d", "b", "a", "b"]
    assert table.rows_of(codes) == [expected["c"], (), expected["b"], expected["a"], expected["b"]]
    counts, columns = table.columns_of(["a", "d", "c"])
    assert counts == [2, 0, 1]
    assert columns == [["a", "a", "c"], [3, 6, 5], ["y", "x", "z"], [2, 5, 4]]
    assert columns == list(map(list, zip(*(expected["a"] + expected["c"]))))


@pytest.mark.parametrize(
    "codes",
    [
        # The units' rows one after the other: each column is taken as one slice.
        ["b", "a", "c"],
        ["b", "d", "a", "e", "c"],  # units without rows in between
        ["d", "a", "c"],
        ["a"],
        # Apart (another order, a unit twice, a unit left out between two): picked row by row.
        ["a", "b", "c"],
        ["b", "a", "b"],
        ["b", "c"],
        ["d", "e"],
        [],
    ],
)
def test_columns_of_units_are_their_rows_columns_whichever_units_in_whichever_order(codes):
    table, expected, _ = _table()
    counts, columns = table.columns_of(codes)
    rows = [row for code in codes for row in expected.get(code, ())]
    assert counts == [len(expected.get(code, ())) for code in codes]
    assert columns == ([list(column) for column in zip(*rows)] if rows else [[], [], [], []])
    # The unit code of every row is the unit's one string object, as a row made alone has it.
    assert all(a is b for a, b in zip(columns[0], (row.unit for row in rows)))


# --------------------------------------------------------------------------- as the loader keeps them

PROVINCIAL = Path(__file__).resolve().parent.parent / "plugins/indicators_provincial/escore_fj2017_provincial/sample/provincial"
WEBSITE = Path(__file__).resolve().parent.parent / "plugins/indicators_website/escore_fj2017_website/sample/provincial"
MONTHS = "website_portal_months"


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def _load(catalog, paths):
    plan = catalog.plan("fj2017", "provincial")
    codes = [u.code for u in catalog.roster("fj2017", "provincial")]
    return load_evidence(paths, plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders)


def _without_lines(by_unit):
    return {code: [(row.unit, *row[2:]) for row in rows] for code, rows in by_unit.items()}


def test_a_table_of_one_file_or_two_is_kept_as_columns(catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    whole = _load(catalog, [PROVINCIAL, WEBSITE])
    assert isinstance(whole.tables[MONTHS], TableRows)
    assert isinstance(whole.tables["provincial_dc_migrations"], TableRows)
    assert len(whole.tables[MONTHS]) == 38
    row = whole.tables[MONTHS]["prov.bgt"][0]
    assert (row.unit, row.line, row.month, row.row, str(row.points), row.note) == ("prov.bgt", 2, 8, "资源库", "3", None)
    # The last 100 rows of the table moved to a second evidence path: the same rows, in the same
    # order, still kept as columns; and every other table as it was.
    first = shutil.copytree(WEBSITE, tmp_path / "first")
    second = tmp_path / "second" / "monitoring"
    second.mkdir(parents=True)
    lines = (WEBSITE / "monitoring" / f"{MONTHS}.csv").read_text(encoding="utf-8").splitlines()
    (first / "monitoring" / f"{MONTHS}.csv").write_text("\n".join(lines[:-100]) + "\n", encoding="utf-8")
    (second / f"{MONTHS}.csv").write_text("\n".join([lines[0], *lines[-100:]]) + "\n", encoding="utf-8")
    split = _load(catalog, [PROVINCIAL, first, second.parent])
    assert isinstance(split.tables[MONTHS], TableRows)
    assert list(split.tables[MONTHS]) == list(whole.tables[MONTHS])
    assert _without_lines(split.tables[MONTHS]) == _without_lines(whole.tables[MONTHS])
    assert split.tables["provincial_dc_migrations"] == whole.tables["provincial_dc_migrations"]


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        ("prov.bgt,12,资源库,3,\nprov.bgt,8,资源库,2,\n", 3),
        # The same unit and line number in both files: the file of the row that repeats.
        ("prov.bgt,8,资源库,2,\n", 2),
    ],
)
def test_an_impossible_row_in_a_tables_second_file_names_that_file(catalog, tmp_path, monkeypatch, rows, line):
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    second = tmp_path / "second" / "monitoring"
    second.mkdir(parents=True)
    (second / f"{MONTHS}.csv").write_text("unit,month,row,points,note\n" + rows, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _load(catalog, [PROVINCIAL, WEBSITE, second.parent])
    assert str(raised.value) == (
        f"{second / MONTHS}.csv:{line}: month, row: expected one row per unit and month, row; "
        "prov.bgt has month 8, row '资源库' already on line 2"
    )


def test_a_tables_rows_from_a_workbook_then_a_csv_file_are_all_kept(tmp_path, monkeypatch):
    """A workbook's sheet of a table read before a CSV file of it: the CSV's rows are added to
    the sheet's (not kept as columns alone), and every unit scores as with the whole table."""
    openpyxl = pytest.importorskip("openpyxl")
    from click.testing import CliRunner

    from escore_cli import cli

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    runner = CliRunner()
    book = tmp_path / "county.xlsx"
    made = runner.invoke(cli, ["template", "-c", "county", "-f", "xlsx", "--evidence-from-sample", "-o", str(book)])
    assert made.exit_code == 0, made.output
    sample = Path(__file__).resolve().parent.parent / "plugins/indicators_website/escore_fj2017_website/sample/county"
    lines = (sample / "monitoring" / "website_letters.csv").read_text(encoding="utf-8").splitlines()
    moved = [line for line in lines[1:] if line.startswith("fuzhou.")]  # Fuzhou's counties' letters: in the CSV file
    assert 10 < len(moved) < len(lines) - 10
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["website_letters"]
    for row in range(sheet.max_row, 1, -1):
        if str(sheet.cell(row, 1).value).startswith("fuzhou."):
            sheet.delete_rows(row)
    workbook.save(book)
    letters = tmp_path / "letters" / "monitoring"
    letters.mkdir(parents=True)
    (letters / "website_letters.csv").write_text("\n".join([lines[0], *moved]) + "\n", encoding="utf-8")

    def scores(*args):
        result = runner.invoke(cli, ["run", "-c", "county", "-f", "json", *args])
        assert result.exit_code == 0, result.stderr
        units = json.loads(result.stdout)["units"]
        return {u["code"]: (u["total"], [(i["code"], i["status"], i["points"]) for i in u["indicators"]]) for u in units}

    whole = scores()
    assert scores("-e", str(book), "-e", str(letters.parent)) == whole
    # Without Fuzhou's letters the scores differ (the test would see rows dropped).
    assert scores("-e", str(book)) != whole


# --------------------------------------------------------------------------- read ahead in a second process


def _load_category(catalog, category, paths=None, jobs=None):
    plan = catalog.plan("fj2017", category)
    codes = [u.code for u in catalog.roster("fj2017", category)]
    paths = paths or catalog.sample_evidence(plan)
    return load_evidence(paths, plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders, jobs=jobs)


def _exactly(evidence):
    """Everything a load gives, types and exponents included, and which values are one object."""
    values = {code: repr(list(evidence.values[code].items())) for code in evidence.values}
    tables = {name: (type(by_unit).__name__, repr(dict(by_unit))) for name, by_unit in evidence.tables.items()}
    return values, tables, dict(evidence.files), evidence.warnings


@pytest.mark.parametrize("category", ["county", "city", "provincial"])
def test_tables_read_ahead_in_a_second_process_are_those_read_in_turn(catalog, category, monkeypatch, tmp_path):
    import os

    from escore import _load as loading
    from escore._parallel import Ahead

    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    import time

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    in_turn = _load_category(catalog, category, jobs=1)
    read_ahead: list[int] = []
    real = loading._Reading.table_columns
    parent = os.getpid()
    started, claimed = tmp_path / "started", tmp_path / "claimed"

    def waiting_for(flag):
        waited = time.monotonic()
        while not flag.exists() and time.monotonic() - waited < 30:
            time.sleep(0.01)

    def counted(self, path):
        # The other process takes the first table and dwells on it until this one, its fields
        # read, has taken a table not started yet: each process reads some, however slow the
        # machine (a fixed dwell was too short on a loaded one).
        if os.getpid() != parent:
            if not started.exists():
                started.touch()
                waiting_for(claimed)
        else:
            waiting_for(started)
            claimed.touch()
        read_ahead.append(os.getpid())
        return real(self, path)

    monkeypatch.setattr(loading, "AHEAD_FROM_BYTES", 0)
    monkeypatch.setattr(loading._Reading, "table_columns", counted)
    came_back: list[int] = []
    results = Ahead.results
    monkeypatch.setattr(Ahead, "results", lambda self: came_back.append(len(found := results(self))) or found)
    ahead = _load_category(catalog, category, jobs=2)
    assert read_ahead, "no table was read ahead here"  # those the other process had not started
    assert sum(came_back) > 0, "no table came back from the other process"
    assert _exactly(ahead) == _exactly(in_turn)
    # Each row's unit is the unit's one code string (its fields' too), whichever process read it.
    one = {code: code for code in ahead.values}
    for by_unit in ahead.tables.values():
        for code, rows in by_unit.items():
            assert all(row.unit is one.get(code, code) for row in rows)


def test_a_problem_in_a_table_read_ahead_is_named_as_in_turn(catalog, tmp_path, monkeypatch):
    from escore import _load as loading

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    plan = catalog.plan("fj2017", "county")
    evidence = tmp_path / "county"
    shutil.copytree(catalog.sample_evidence(plan)[0], evidence)
    tables = sorted((evidence / "monitoring").glob("*.csv"))
    with open(tables[0], "a", encoding="utf-8") as table:  # a unit code nobody has, in the first table (the other process's)
        table.write("nobody.here" + "," * (tables[0].read_text(encoding="utf-8").splitlines()[0].count(",")) + "\n")
    with open(tables[-1], "a", encoding="utf-8") as table:  # and in the last (this process's share)
        table.write("nobody.there" + "," * (tables[-1].read_text(encoding="utf-8").splitlines()[0].count(",")) + "\n")
    errors = []
    for jobs, threshold in ((1, 4 << 20), (2, 0)):
        monkeypatch.setattr(loading, "AHEAD_FROM_BYTES", threshold)
        with pytest.raises(InputError) as raised:
            _load_category(catalog, "county", [evidence], jobs=jobs)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    assert "nobody.here" in errors[0] and str(tables[0]) in errors[0]


def test_a_warning_while_a_table_is_read_ahead_is_shown_as_in_turn(catalog, monkeypatch):
    import warnings

    from escore import _load as loading
    from escore._errors import EscoreWarning

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    real = loading._rows_by_columns

    def warning(path, *args, **kwargs):
        if path.stem == "website_letters":
            warnings.warn(EscoreWarning(f"{path.name}: a warning of its reading"), stacklevel=1)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(loading, "_rows_by_columns", warning)
    shown = []
    for jobs, threshold in ((1, 4 << 20), (2, 0)):
        monkeypatch.setattr(loading, "AHEAD_FROM_BYTES", threshold)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            shown.append(_load_category(catalog, "county", jobs=jobs).warnings)
    assert shown[0] == shown[1] == ("website_letters.csv: a warning of its reading",)


def test_each_distinct_value_of_a_column_is_made_once_and_shared():
    from decimal import Decimal

    from escore._tablerows import made_once

    calls: list[str] = []

    def make(text: str) -> Decimal:
        calls.append(text)
        return Decimal(text)

    made: dict = {"0.5": Decimal("0.50")}  # made before, by another chunk of the column: kept as it is
    found = made_once(["1.0", "0.5", "1.0", "2", "1.0"], made, make)
    assert [str(value) for value in found] == ["1.0", "0.50", "1.0", "2", "1.0"]
    assert sorted(calls) == ["1.0", "2"]
    assert found[0] is found[2] is found[4]


def test_repeats_are_found_whatever_the_rows_taken_at_once():
    # has_repeats takes whole units a few rows at a time: a repeat is found at every step,
    # and rows alike across two units are not one.
    import random

    row_type = namedtuple("Row", "unit line day kind")
    rng = random.Random(2017)
    for _ in range(200):
        count = rng.randint(1, 40)
        owners = sorted(rng.choice("abcdefgh") for _ in range(count))
        days = [rng.choice("xy") for _ in range(count)]
        table = TableRows(row_type, list(owners), list(range(count)), [list(days), ["k"] * count])
        expected = len(set(zip(owners, days))) != count
        assert [table.has_repeats(step) for step in (1, 2, 3, 5, 1 << 16)] == [expected] * 5


def test_a_table_of_counts_reads_as_its_rows_whatever_the_units_asked():
    """TableRows.of_counts (a cached share's table: each unit's count, units without rows among
    them) gives every unit's rows, for units asked in the table's order (one slice per column),
    a part of them, with gaps, out of order, or units it does not hold."""
    codes = ["a", "b", "c", "d", "e"]
    counts = [2, 0, 1, 0, 3]
    lines = [2, 3, 4, 5, 6, 7]
    kinds, amounts = ["x", "y", "x", "z", "y", "x"], [1, 2, 3, 4, 5, 6]
    table = TableRows.of_counts(Row, codes, counts, lines, [kinds, amounts])
    assert table is not None
    rows = {}
    position = 0
    for code, count in zip(codes, counts, strict=True):
        rows[code] = tuple(Row(code, lines[p], kinds[p], amounts[p]) for p in range(position, position + count))
        position += count
    assert dict(table.items()) == rows and list(table) == codes
    for asked in (codes, ["b", "c", "d"], ["a", "c", "e"], ["e", "a"], ["c", "zz", "a"], ["d"], []):
        assert table.rows_of(asked) == [rows.get(code, ()) for code in asked]
        found_counts, cells = table.cells_of(asked)
        assert found_counts == [len(rows.get(code, ())) for code in asked]
        flat = [row for code in asked for row in rows.get(code, ())]
        assert cells == [[row[i] for row in flat] for i in range(1, 4)]
    # Counts that are not the rows', or a unit twice: no table.
    assert TableRows.of_counts(Row, codes, [2, 0, 1, 0, 2], lines, [kinds, amounts]) is None
    assert TableRows.of_counts(Row, ["a", "a"], [3, 3], lines, [kinds, amounts]) is None


def test_units_a_table_of_counts_does_not_hold_read_as_absent():
    """A cached share lays every table out over the same units (TableRows.of_counts with
    ``present``): a unit the table does not hold has no rows, and is not among its units."""
    codes = ["a", "b", "c"]
    table = TableRows.of_counts(Row, codes, [1, 0, 0], [2], [["x"], [1]], None, [True, False, True])
    assert table is not None
    assert list(table) == ["a", "c"] and len(table) == 2 and "b" not in table and "c" in table
    assert table.get("b") is None and table.get("c") == () and table["a"] == (Row("a", 2, "x", 1),)
    with pytest.raises(KeyError):
        table["b"]
    assert table.rows_of(["a", "b", "c"]) == [(Row("a", 2, "x", 1),), (), ()]
    assert dict(table.items()) == {"a": (Row("a", 2, "x", 1),), "c": ()}
