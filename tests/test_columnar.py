"""Columnar evidence (fields/<category>.csv|.parquet) and units tables (--roster) give the TOML path's results."""

from __future__ import annotations

import csv
import re
import shutil
import tomllib
import types
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore import InputError, Roster
from escore._plugins import Catalog, make_plugin_manager
from escore._session import run_category

PROVINCIAL_SAMPLE = Path(__import__("escore_fj2017_provincial").__file__).parent / "sample" / "provincial"


def _flat(data, prefix=""):
    for key, value in data.items():
        if isinstance(value, dict) and set(value) != {"points", "reason"}:
            yield from _flat(value, f"{prefix}{key}.")
        elif isinstance(value, dict):
            yield f"{prefix}{key}.points", value["points"]
            yield f"{prefix}{key}.reason", value["reason"]
        else:
            yield f"{prefix}{key}", value


def _text(value):
    return "true" if value is True else "false" if value is False else str(value)


def sample_rows(sample: Path) -> tuple[list[str], list[dict]]:
    """The sample's unit files as rows of one table (header: unit + every key found)."""
    rows, keys = [], []
    for path in sorted((sample / "units").glob("*.toml")):
        row = {"unit": path.stem, **dict(_flat(tomllib.loads(path.read_text(encoding="utf-8"))))}
        rows.append(row)
        keys.extend(k for k in row if k not in keys)
    return keys, rows


def columnar_copy(sample: Path, target: Path, suffix: str = ".csv") -> Path:
    """The sample evidence with units/*.toml replaced by fields/provincial<suffix>."""
    shutil.copytree(sample, target, ignore=shutil.ignore_patterns("units"))
    (target / "fields").mkdir()
    keys, rows = sample_rows(sample)
    if suffix == ".csv":
        with open(target / "fields" / "provincial.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, keys, lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: _text(v) for k, v in row.items()} for row in rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {}
        for key in keys:
            cells = [row.get(key) for row in rows]
            kinds = {type(c) for c in cells if c is not None}
            if float in kinds:  # TOML's 3.0 is a float to tomllib: store it exactly, as decimal128
                columns[key] = pa.array([None if c is None else Decimal(str(c)) for c in cells], pa.decimal128(12, 4))
            else:
                columns[key] = pa.array(cells)
        pq.write_table(pa.table(columns), target / "fields" / "provincial.parquet")
    return target


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def _summary(result):
    return [
        (u.unit.code, u.total, [(s.name, s.raw, s.points) for s in u.sections], [(i.code, i.status, i.points) for i in u.indicators])
        for u in result.units
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_fields_table_scores_exactly_as_unit_files(catalog, tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    columnar = columnar_copy(PROVINCIAL_SAMPLE, tmp_path / "ev", suffix)
    want = run_category(catalog, "provincial", evidence=[PROVINCIAL_SAMPLE], keyword="comprehensive", explain=False)
    have = run_category(catalog, "provincial", evidence=[columnar], keyword="comprehensive", explain=False)
    assert _summary(have) == _summary(want)
    assert have.status_counts() == want.status_counts()
    missing = sorted(((u.unit.code, i.code), i) for u in have.units for i in u.indicators if i.status == "missing")
    assert [key for key, _ in missing] == [("prov.rfb", "P-2-2-3"), ("prov.wb", "P-1-2-4")]  # visible, not zero-filled
    assert (have.units[0].unit.code, have.units[0].total) == ("prov.tjj", Decimal("64.92307692307692307692"))
    assert f"fields{__import__('os').sep}provincial{suffix}:" in missing[0][1].reasons[0]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _fields(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "ev"
    _write(root / "fields" / "provincial.csv", text)
    return root


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "unit,provincial.credit.items_required\nprov.czt,x\n",
            "provincial.csv:2: provincial.credit.items_required: expected a whole number",
        ),
        ("unit,provincial.credit.items_requird\nprov.czt,1\n", "did you mean 'provincial.credit.items_required'"),
        ("unit,city.platforms.iot\nprov.czt,1\n", "city.platforms.iot: this field is not read by category 'provincial'"),
        ("unit,website.portal.interviews\nprov.czt,1\n", "a graded field takes two columns"),
        (
            "unit,provincial.credit.items_required\nprov.czz,1\n",
            "provincial.csv:2: unit: unknown unit code 'prov.czz' (did you mean 'prov.czt'?)",
        ),
        ("unit,provincial.credit.items_required\nprov.czt,1\nprov.czt,2\n", "unit 'prov.czt' has a second row (first on line 2)"),
        ("unit,provincial.data_sharing.aggregation\nprov.czt,1\n", "a graded field takes two columns"),
        (
            "unit,provincial.data_sharing.aggregation.points\nprov.czt,1\n",
            "provincial.csv: provincial.data_sharing.aggregation.reason: missing column; a graded field takes two columns",
        ),
        (
            "unit,provincial.credit.items_required,provincial.credit.items_required\nprov.czt,1,2\n",
            "provincial.csv: provincial.credit.items_required: repeated column names in the header",
        ),
        ("provincial.credit.items_required\n1\n", "unit: missing column"),
    ],
)
def test_fields_table_errors_name_file_line_and_column(catalog, tmp_path, table, message):
    root = _fields(tmp_path, table)
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[root])
    assert message in str(info.value)


def test_a_field_in_a_table_and_a_unit_file_is_given_twice(catalog, tmp_path):
    root = _fields(tmp_path, "unit,provincial.credit.items_required\nprov.czt,3\n")
    _write(root / "units" / "prov.czt.toml", "[provincial.credit]\nitems_required = 3\n")
    with pytest.raises(InputError, match="given twice"):
        run_category(catalog, "provincial", evidence=[root])


def test_other_categories_tables_are_skipped_and_typos_refused(catalog, tmp_path):
    root = _fields(tmp_path, "unit,provincial.credit.items_required\nprov.czt,3\n")
    _write(root / "fields" / "city.csv", "unit,anything\nfuzhou,1\n")  # the city category's own table
    result = run_category(catalog, "provincial", evidence=[root], only=["prov.czt"], explain=False)
    assert result.units[0].unit.code == "prov.czt"
    _write(root / "fields" / "provincal.csv", "unit\n")
    with pytest.raises(InputError, match=r"named by its category .*did you mean 'provincial'"):
        run_category(catalog, "provincial", evidence=[root])


def test_parquet_float_is_refused_with_advice(catalog, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    root = tmp_path / "ev"
    (root / "fields").mkdir(parents=True)
    table = pa.table(
        {"unit": ["prov.czt"], "provincial.data_sharing.aggregation.points": [0.1], "provincial.data_sharing.aggregation.reason": ["r"]}
    )
    pq.write_table(table, root / "fields" / "provincial.parquet")
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[root])
    assert str(info.value).endswith(
        "provincial.parquet:1: provincial.data_sharing.aggregation.points: expected a number, "
        "got the binary floating-point number 0.1 (store exact numbers as decimal or text)"
    )


def test_parquet_whole_decimal_in_an_int_column_is_read_and_a_list_is_cleaned_as_a_cell(catalog, tmp_path):
    """A decimal column of scale 0 holds whole numbers (the float advice says to store decimals):
    read as ints; one with decimals is refused. A list's items are stripped as a cell's are, 无
    alone is none, and an item that is empty or listed twice once stripped is refused."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from escore import field

    root = tmp_path / "ev"
    (root / "fields").mkdir(parents=True)
    whole = pa.array([Decimal("88")], pa.decimal128(12, 0))
    pq.write_table(pa.table({"unit": ["prov.czt"], "provincial.credit.items_required": whole}), root / "fields" / "provincial.parquet")
    plan = catalog.plan("fj2017", "provincial")
    from escore._load import load_evidence

    data = load_evidence([root], plan, ["prov.czt"], catalog.all_unit_codes("fj2017"), catalog.loaders)
    assert data.values["prov.czt"]["provincial_credit_items_required"] == 88
    assert type(data.values["prov.czt"]["provincial_credit_items_required"]) is int
    fraction = pa.array([Decimal("88.00")], pa.decimal128(12, 2))
    pq.write_table(pa.table({"unit": ["prov.czt"], "provincial.credit.items_required": fraction}), root / "fields" / "provincial.parquet")
    with pytest.raises(InputError, match=re.escape("provincial.credit.items_required: expected a whole number")):
        load_evidence([root], plan, ["prov.czt"], catalog.all_unit_codes("fj2017"), catalog.loaders)

    platforms = field("city.platforms.iot", "list[str]")
    assert platforms.parse([" a ", "b "], "w", "k") == ("a", "b")
    assert platforms.parse(["无"], "w", "k") == ()
    for items, problem in [
        (["a", " a "], "'a' is listed twice"),
        (["a", ""], "an empty item"),
        (["无", "a"], "无 (none) listed with other items"),
    ]:
        with pytest.raises(InputError, match=re.escape(problem)):
            platforms.parse(items, "w", "k")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([1.5], "expected a unit code (text), got the binary floating-point number 1.5 (store exact numbers as decimal or text)"),
        ([12], "expected a unit code (text), got 12"),
        ([["prov.czt"]], "expected a unit code (text), got ['prov.czt']"),
        ([{"code": "prov.czt"}], "expected a unit code (text), got {code = 'prov.czt'}"),
    ],
)
@pytest.mark.parametrize("table", ["fields/provincial", "monitoring/provincial_catalogue_errors"])
def test_parquet_unit_cell_that_is_not_text_is_refused(catalog, tmp_path, table, cells, message):
    """A typed ``unit`` cell (a number, a list, a record) is bad input naming the row, in a
    fields table and a monitoring table alike: it was a TypeError from the code lookup or the
    did-you-mean."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "ev" / f"{table}.parquet"
    path.parent.mkdir(parents=True)
    if table.startswith("fields"):
        rest = {"provincial.credit.items_required": [3]}
    else:
        rest = {"found": ["2017-10-10"], "catalogue": ["信息资源目录"], "entry": ["目录条目01"]}
    pq.write_table(pa.table({"unit": cells, **rest}), path)
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[tmp_path / "ev"])
    assert str(info.value) == f"{path}:1: unit: {message}"


def test_parquet_text_that_is_not_utf8_is_refused_by_cell(catalog, tmp_path):
    """Text cells and column names that are not UTF-8 (a damaged or foreign file) are bad input
    naming the cell or the file, not a UnicodeDecodeError."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    root = tmp_path / "ev"
    (root / "fields").mkdir(parents=True)
    path = root / "fields" / "provincial.parquet"
    reasons = pa.array([b"fine", b"bad \xff"]).view(pa.string())  # bytes taken as text unchecked
    table = pa.table(
        {
            "unit": ["prov.czt", "prov.gat"],
            "provincial.data_sharing.aggregation.points": pa.array([1, 2], pa.int64()),
            "provincial.data_sharing.aggregation.reason": reasons,
        }
    )
    pq.write_table(table, path)
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[root])
    assert str(info.value) == f"{path}:2: provincial.data_sharing.aggregation.reason: cannot read this cell: text that is not valid UTF-8"
    # A column name: the same bytes replaced in the file's own schema (no Arrow schema kept beside it).
    pq.write_table(pa.table({"unit": ["prov.czt"], "zzzz_bad": ["x"]}), path, store_schema=False)
    data = path.read_bytes()
    assert data.count(b"zzzz_bad") >= 1
    path.write_bytes(data.replace(b"zzzz_bad", b"zzzz\xff\xfead"))
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[root])
    assert str(info.value) == f"{path}: a column name is not valid UTF-8 text"


def test_parquet_units_table_with_a_list_attribute_is_refused_by_name(catalog, tmp_path):
    """A typed units table can hold a list where a variant is expected: the error names the unit
    and the value (a list cannot be looked up among the variants: it was a TypeError)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "units.parquet"
    pq.write_table(pa.table({"code": ["x1", "x2"], "name": ["X", "Y"], "dc_variant": [["B"], ["A"]]}), path)
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", roster=path)
    assert str(info.value) == f"{path}:1: dc_variant: expected one of A, B, C, got ['B']"  # Parquet: row 1 is the first unit


def _pack_units_table(catalog, path: Path, leave_out: str) -> Path:
    """A units table of the pack's provincial units but ``leave_out``."""
    lines = ["code,name,dc_variant"]
    lines += [f"{u.code},{u.name},{u.attributes['dc_variant']}" for u in catalog.roster("fj2017", "provincial") if u.code != leave_out]
    return _write(path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("shape", ["unit files", "fields table"])
def test_evidence_of_a_pack_unit_the_units_table_leaves_out_is_refused(catalog, tmp_path, shape):
    """A units table that leaves out one of the pack's units (a row deleted by mistake) while the
    evidence holds it: refused, naming the unit and the table. It had been skipped without a
    word: the department vanished from the ranking, its evidence unread, exit 0."""
    roster = _pack_units_table(catalog, tmp_path / "units.csv", "prov.wb")
    evidence = PROVINCIAL_SAMPLE if shape == "unit files" else columnar_copy(PROVINCIAL_SAMPLE, tmp_path / "ev", ".csv")
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[evidence], roster=roster, keyword="comprehensive", explain=False)
    where = str(evidence / "units" / "prov.wb.toml") if shape == "unit files" else f"{evidence / 'fields' / 'provincial.csv'}:"
    assert str(info.value).startswith(where)
    assert str(info.value).endswith(
        "unit 'prov.wb' is not in the units table units.csv (it is one of the pack's provincial units:"
        " add it to the table to score it, or leave its rows out of the evidence)"
    )
    # The unit in the table: scored as from the pack's roster; a run of a few of the table's units skips the others' rows.
    whole = _pack_units_table(catalog, tmp_path / "all.csv", "")
    result = run_category(catalog, "provincial", evidence=[evidence], roster=whole, keyword="comprehensive", explain=False)
    want = run_category(catalog, "provincial", evidence=[evidence], keyword="comprehensive", explain=False)
    assert _summary(result) == _summary(want)
    few = run_category(catalog, "provincial", evidence=[evidence], roster=whole, keyword="comprehensive", explain=False, only=["prov.wb"])
    assert [(u.unit.code, u.total) for u in few.units] == [("prov.wb", by_code_total(want, "prov.wb"))]


def by_code_total(result, code):
    return next(u.total for u in result.units if u.unit.code == code)


def _contradicting_units_table(catalog, path: Path) -> Path:
    """The pack's provincial units, 财政厅 (prov.czt, variant A by READING 4) given variant C, and
    synthetic units of every variant."""
    lines = ["code,name,parent,dc_variant"]
    for unit in catalog.roster("fj2017", "provincial"):
        lines.append(f"{unit.code},{unit.name},,{'C' if unit.code == 'prov.czt' else unit.attributes['dc_variant']}")
    lines += ["u000001,Synthetic one,,A", "u000002,Synthetic two,,B", "u000003,Synthetic three,,C"]
    return _write(path, "\n".join(lines) + "\n")


CZT_CONTRADICTED = (
    "dc_variant: 'C' given for prov.czt (财政厅), a unit of fj2017's own roster, which fixes 'A': write 'A' "
    "(a unit of the table's own takes a code the pack's roster does not hold)"
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_units_table_row_of_a_pack_unit_with_another_variant_is_refused(catalog, tmp_path, suffix):
    """READING 4 fixes 财政厅's 数据中心整合 variant (A); a units table giving it C had been scored
    on variant C's rules, without a word. Synthetic units may take any variant."""
    roster = _contradicting_units_table(catalog, tmp_path / "units.csv")
    line = 1 + [u.code for u in catalog.roster("fj2017", "provincial")].index("prov.czt") + 1
    if suffix == ".parquet":
        pa = pytest.importorskip("pyarrow")
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = pacsv.read_csv(roster, convert_options=pacsv.ConvertOptions(column_types={"parent": pa.string()}))
        roster = tmp_path / "units.parquet"
        pq.write_table(table, roster)
        line -= 1  # a Parquet table's rows are numbered from 1, with no header line
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", evidence=[PROVINCIAL_SAMPLE], roster=roster, keyword="P-1-1", explain=False)
    assert str(info.value) == f"{roster}:{line}: {CZT_CONTRADICTED}"
    agreeing = _write(tmp_path / "agreeing.csv", roster.with_suffix(".csv").read_text(encoding="utf-8").replace("财政厅,,C", "财政厅,,A"))
    result = run_category(catalog, "provincial", evidence=[PROVINCIAL_SAMPLE], roster=agreeing, keyword="P-1-1", explain=False)
    assert {u.unit.code for u in result.units} >= {"prov.czt", "u000001", "u000002", "u000003"}


def test_a_units_table_that_contradicts_the_pack_s_roster_is_refused_from_the_cache_too(work):
    """The units-table cache keeps a table's read; the check is made on the units it gives, at every run."""
    from escore_cli import cli

    catalog = Catalog(make_plugin_manager())
    roster = _contradicting_units_table(catalog, work / "units.csv")
    line = 1 + [u.code for u in catalog.roster("fj2017", "provincial")].index("prov.czt") + 1
    said = f"escore: error: units.csv:{line}: {CZT_CONTRADICTED}"
    for lang in ["en", "zh", "en"]:
        result = CliRunner().invoke(cli, ["run", "-c", "provincial", "--roster", roster.name, "-f", "csv", "--lang", lang])
        assert result.exit_code == 2, result.output
        if lang == "zh":
            assert result.stderr == (
                f"escore：错误：units.csv:{line}: dc_variant: 为 prov.czt（财政厅）给出了 'C'；它是 fj2017 自身名册中的单位，"
                "名册规定为 'A'：请写 'A'（表中自有的单位请使用包名册中没有的代码）\n"
            )
        else:
            assert result.stderr == said + "\n"
    assert any(p.name.startswith("units-v") for p in (work / "cache").iterdir())  # the read was kept, and refused again


def test_units_table_replaces_the_roster(catalog, tmp_path):
    roster = _write(tmp_path / "units.csv", "code,name,dc_variant\nbench.2,,B\nbench.10,Ten,A\nbench.1,One,C\n")
    root = _fields(tmp_path, "unit,provincial.credit.items_required,provincial.credit.items_provided\nbench.1,4,3\n")
    result = run_category(catalog, "provincial", evidence=[root], roster=roster, keyword="P-1-2-1", explain=True)
    assert [u.unit.code for u in sorted(result.units, key=lambda u: u.unit.code)] == ["bench.1", "bench.10", "bench.2"]
    by_code = {u.unit.code: u for u in result.units}
    assert by_code["bench.2"].unit.name == "bench.2"  # no name: the code
    assert by_code["bench.10"].unit.attributes == {"dc_variant": "A"}
    item = by_code["bench.1"].indicators[0]
    assert (item.code, item.status, item.points) == ("P-1-2-1", "scored", Decimal(1))  # 3/4 = 75%: the ≥ 60% row
    assert by_code["bench.2"].indicators[0].status == "missing"
    assert "fields/provincial.csv" not in by_code["bench.2"].indicators[0].reasons[0]


def test_explain_a_unit_of_a_units_table(tmp_path, monkeypatch):
    """explain --roster: a unit of a units table, by code or name, explained as run --roster scores
    it; the table's category is required, and a unit not in it gets a did-you-mean."""
    from click.testing import CliRunner

    from escore_cli import cli

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "store.db"))
    roster = _write(tmp_path / "units.csv", "code,name,dc_variant\nbench.2,,B\nbench.10,Ten,A\nbench.1,One,C\n")
    root = _fields(tmp_path, "unit,provincial.credit.items_required,provincial.credit.items_provided\nbench.1,4,3\n")
    runner = CliRunner()
    args = ["--roster", str(roster), "-e", str(root), "--lang", "en"]
    for query in ("bench.1", "One"):
        result = runner.invoke(cli, ["explain", query, "-c", "provincial", *args])
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0] == "bench.1 One · fj2017 (2017) · provincial"
        assert "      P-1-2-1 完整性: 1.00/4  −3.00" in lines  # 3 of 4 items: the ≥ 60% row
    wrong = runner.invoke(cli, ["explain", "bench.3", "-c", "provincial", *args])
    assert wrong.exit_code == 2
    assert wrong.stderr == f"escore: error: {roster}: no unit with code or name 'bench.3'; did you mean 'bench.2'?\n"
    no_category = runner.invoke(cli, ["explain", "bench.1", *args])
    assert no_category.exit_code == 2
    assert no_category.stderr == "escore: error: --roster: give the units table's category with -c\n"


def test_whatif_and_plan_for_a_unit_of_a_units_table(tmp_path, monkeypatch):
    """whatif and plan --roster: a unit of a units table, its new rank among the table's units;
    a what-if of a units table is not saved (the store keeps runs of the packs' rosters)."""
    import json

    from click.testing import CliRunner

    from escore_cli import cli

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "store.db"))
    roster = _write(tmp_path / "units.csv", "code,name,dc_variant\nbench.2,,B\nbench.10,Ten,A\nbench.1,One,C\n")
    root = _fields(tmp_path, "unit,provincial.credit.items_required,provincial.credit.items_provided\nbench.1,4,3\n")
    runner = CliRunner()
    args = ["-c", "provincial", "--roster", str(roster), "-e", str(root), "--lang", "en"]
    change = ["--set", "provincial.credit.items_provided=4"]
    result = runner.invoke(cli, ["whatif", "One", *args, *change, "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["code"], data["total_before"], data["total_after"], data["units_ranked"]) == ("bench.1", "1", "4", 3)
    planned = runner.invoke(cli, ["plan", "bench.1", *args, "-f", "json"])
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["unit"] == "bench.1"
    every = runner.invoke(cli, ["plan", "--all", *args, "-f", "json"])  # each unit's plan, as plan UNIT --roster gives it
    assert every.exit_code == 0, every.output
    plans = json.loads(every.stdout)["plans"]
    ranked = json.loads(runner.invoke(cli, ["run", *args, "-f", "json"]).stdout)["units"]
    assert [(p["rank"], p["unit"]) for p in plans] == [(u["rank"], u["code"]) for u in ranked] and len(plans) == 3
    for unit_plan in plans:
        alone = json.loads(runner.invoke(cli, ["plan", unit_plan["unit"], *args, "-f", "json"]).stdout)
        assert (unit_plan["total"], unit_plan["actions"]) == (alone["total"], alone["actions"])
    saved = runner.invoke(cli, ["whatif", "bench.1", *args, *change, "--save"])
    assert saved.exit_code == 2
    assert saved.stderr == "escore: error: --roster: saved runs score the pack's roster; leave --roster out\n"
    assert not (tmp_path / "store.db").exists()


@pytest.mark.parametrize(
    ("unit", "change"),
    [
        ("xiamen.siming", ["--set", 'website.channels.app={ points = 0, reason = "no app" }']),
        ("xiamen.siming", ["--set", 'website.channels.app={ points = 4, reason = "on 闽政通" }']),
        ("fuzhou.jinan", ["--remove-row", "website_notices:2"]),
        ("nanping.shaowu", ["--set", 'website.channels.app={ points = 4, reason = "on 闽政通" }']),
        ("quanzhou.licheng", ["--set", 'website.channels.app={ points = 4, reason = "on 闽政通" }']),  # tied with two before
    ],
)
def test_a_whatif_of_a_units_table_is_the_whatif_of_the_roster(catalog, tmp_path, monkeypatch, unit, change):
    """whatif --roster scores the unit before and after and the others once (their totals): the
    very output of the what-if of the pack's roster (every unit scored twice), when the table
    holds the roster's units: totals, delta, ranks, units ranked, changed indicators and lines."""
    import json

    from click.testing import CliRunner

    from escore_cli import cli

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "store.db"))
    units = catalog.roster("fj2017", "county")
    table = _write(tmp_path / "units.csv", "code,name,parent\n" + "".join(f"{u.code},{u.name},{u.parent}\n" for u in units))
    runner = CliRunner()
    shown = {}
    for format_ in ("json", "table"):
        args = ["whatif", unit, "-c", "county", *change, "-f", format_, "--lang", "en"]
        of_roster = runner.invoke(cli, args)
        of_table = runner.invoke(cli, [*args, "--roster", str(table)])
        assert of_roster.exit_code == 0 and of_table.exit_code == 0, of_table.output
        assert of_table.stdout == of_roster.stdout
        shown[format_] = of_table.stdout
    assert json.loads(shown["json"])["units_ranked"] == 83, shown["table"]


def test_a_units_table_is_read_and_checked_once_per_content(catalog, tmp_path, monkeypatch):
    """escore's CSV units table, once read and checked, is kept in the cache: the same bytes give
    the same units without reading the table again; other bytes, another category or no cache
    read it again."""
    import escore._builtin_loaders as loaders
    from escore._columnar import read_roster_table

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    path = _write(tmp_path / "units.csv", "code,name,parent,dc_variant\nb.2,,,B\nb.10,Ten,b.2,A\nb.1,One,,B\n")
    reads = []
    real = loaders.read_csv_columns
    monkeypatch.setattr(loaders, "read_csv_columns", lambda p: reads.append(p.name) or real(p))

    def read(category="provincial"):
        roster = read_roster_table(path, "fj2017", category, catalog.loaders)
        return roster, [(u.code, u.name, u.category, u.parent, dict(u.attributes)) for u in roster.units]

    first, shown = read()
    assert shown == [
        ("b.2", "b.2", "provincial", None, {"dc_variant": "B"}),
        ("b.10", "Ten", "provincial", "b.2", {"dc_variant": "A"}),
        ("b.1", "One", "provincial", None, {"dc_variant": "B"}),
    ]
    again, shown_again = read()
    assert reads == ["units.csv"] and len(list(cache.glob("units-v*.marshal"))) == 1  # read once
    assert again == first and shown_again == shown
    assert again.units[0].attributes is again.units[2].attributes  # equal attributes: one mapping, as read
    assert read("county")[1][0][2] == "county" and len(reads) == 2  # another category: its own entry
    path.write_text("code,name,parent,dc_variant\nb.2,Two,,B\n", encoding="utf-8")
    assert read()[1] == [("b.2", "Two", "provincial", None, {"dc_variant": "B"})] and len(reads) == 3
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    read(), read()
    assert len(reads) == 5


def test_a_units_table_read_with_escore_s_warning_is_not_kept(catalog, tmp_path, monkeypatch):
    """A warning shows at every run: a table whose read warned is read again each time."""
    from escore._columnar import read_roster_table
    from escore._errors import EscoreWarning

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    path = tmp_path / "units.csv"
    path.write_bytes("code,name,dc_variant\nb.1,福州,A\n".encode("gb18030"))
    for _ in range(2):
        with pytest.warns(EscoreWarning, match="read as GB18030"):
            roster = read_roster_table(path, "fj2017", "provincial", catalog.loaders)
        assert roster.units[0].name == "福州"
    assert not list(cache.glob("units-*"))
    # A library's own warning meanwhile says nothing about the table: passed on, and the table kept.
    import warnings

    import escore._builtin_loaders as loaders

    real = loaders.read_csv_columns

    def noisy(p):
        warnings.warn("a library's note", DeprecationWarning, stacklevel=1)
        return real(p)

    monkeypatch.setattr(loaders, "read_csv_columns", noisy)
    path.write_text("code,name,dc_variant\nb.1,福州,A\n", encoding="utf-8")
    with pytest.warns(DeprecationWarning, match="a library's note"):
        read_roster_table(path, "fj2017", "provincial", catalog.loaders)
    assert len(list(cache.glob("units-*"))) == 1


def test_a_units_table_changed_while_it_is_read_is_not_kept(catalog, tmp_path, monkeypatch):
    """Kept under the digest of the bytes read: a table rewritten between its digest and its read
    would otherwise give the new units for the old bytes."""
    import os

    import escore._builtin_loaders as loaders
    from escore._columnar import read_roster_table

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    path = _write(tmp_path / "units.csv", "code,name,dc_variant\nb.1,One,A\n")
    real = loaders.read_csv_columns

    def rewritten_first(p):
        p.write_text("code,name,dc_variant\nb.9,Nine,A\n", encoding="utf-8")
        os.utime(p, ns=(1, 1))  # another modification time, whatever the clock's resolution
        return real(p)

    monkeypatch.setattr(loaders, "read_csv_columns", rewritten_first)
    assert [u.code for u in read_roster_table(path, "fj2017", "provincial", catalog.loaders).units] == ["b.9"]
    assert not list(cache.glob("units-*"))


def test_a_damaged_units_table_cache_is_read_past(catalog, tmp_path, monkeypatch):
    from escore._columnar import read_roster_table

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    path = _write(tmp_path / "units.csv", "code,name,dc_variant\nb.1,One,A\n")
    first = read_roster_table(path, "fj2017", "provincial", catalog.loaders)
    (kept,) = cache.glob("units-v*.marshal")
    kept.write_bytes(kept.read_bytes()[:-3] + b"xyz")  # the seal no longer matches
    assert read_roster_table(path, "fj2017", "provincial", catalog.loaders) == first


@pytest.mark.parametrize("parent", [False, True])
def test_a_units_table_without_attribute_columns(catalog, tmp_path, parent):
    """Only code and name (a county's table), or with parents: units without attributes, scored."""
    from escore._columnar import read_roster_table

    text = "code,name,parent\nbench.1,One,\nbench.2,,bench.1\n" if parent else "code,name\nbench.1,One\nbench.2,\n"
    roster = read_roster_table(_write(tmp_path / "units.csv", text), "fj2017", "county", catalog.loaders)
    assert [(u.code, u.name, u.parent, dict(u.attributes)) for u in roster.units] == [
        ("bench.1", "One", None, {}),
        ("bench.2", "bench.2", "bench.1" if parent else None, {}),
    ]
    evidence = _write(tmp_path / "ev" / "fields" / "county.csv", "unit,website.monitoring_date\nbench.1,2017-11-30\n").parent.parent
    result = run_category(catalog, "county", roster=_write(tmp_path / "c.csv", "code,name\nbench.1,One\n"), evidence=[evidence])
    assert [u.unit.code for u in result.units] == ["bench.1"]
    # The packs' sample holds no evidence of this unit: its files are the pack's units', which the table leaves out.
    with pytest.raises(InputError) as info:
        run_category(catalog, "county", roster=tmp_path / "c.csv")
    assert str(info.value).endswith(
        "fuzhou.cangshan.toml: unit 'fuzhou.cangshan' is not in the units table c.csv (no evidence was given (-e),"
        " so the pack's sample of its own county units was read: give the table's units' evidence)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,dc_variant\nx,X,A\nx,Y,B\n", "unit codes must be unique; repeated: x ('x' on lines 2, 3)"),
        ("name,dc_variant\nX,A\n", "code: missing column"),
        ("code,name,dc_variant\nx,X,D\n", "units.csv:2: dc_variant: expected one of A, B, C, got 'D'"),
        # Several units share each mapping; the first unit in code order with a bad one is named.
        ("code,name,dc_variant\nw,W,A\nz,Z,E\ny,Y,D\nx,X,A\n", "units.csv:4: dc_variant: expected one of A, B, C, got 'D'"),
        ("code,name,dc_variant\nx,X,A\ny,Y,\n", "units.csv:3: dc_variant: expected one of A, B, C, got an empty cell"),
        ("code,name\nx,X\n", "units.csv: dc_variant: missing column: the variants of provincial are picked by it"),
        (
            "code,name,DC_Variant\nx,X,A\n",
            "units.csv: dc_variant: missing column; the header has 'DC_Variant': write it dc_variant",
        ),
        # A near miss of name or parent had been an attribute: every unit nameless, or parentless.
        (
            "code,Name,dc_variant\nx,X,A\n",
            "units.csv:1: Name: unknown column; columns code, name and parent are written so (did you mean 'name'?)",
        ),
        (
            "code,name,parnet,dc_variant\nx,X,,A\n",
            "units.csv:1: parnet: unknown column; columns code, name and parent are written so (did you mean 'parent'?)",
        ),
        (
            "unit,name,dc_variant\nx,X,A\n",
            "code: missing column; a units table has the columns code, name, parent and attributes (a units table names its units in column code)",
        ),
        ("code,name,dc_variant\nfuzhou,X,A\n", "belongs to another category"),
        ("code,name\n", "no units"),
        ("code,name,dc_variant\nx,X,A\n ,Y,B\n", "units.csv:3: code: expected a unit code"),
        (
            "code,name,dc_variant\nx,X,A\ny\tz,Y,B\n",
            "units.csv:3: code: a unit code is printable text, without control characters; got 'y\\tz'",
        ),
        (
            "code,name,dc_variant\n\u202ex,X,A\n",
            "units.csv:2: code: a unit code is printable text, without control characters; got '\\u202ex'",
        ),
    ],
)
def test_units_table_errors(catalog, tmp_path, text, message):
    roster = _write(tmp_path / "units.csv", text)
    with pytest.raises(InputError) as info:
        run_category(catalog, "provincial", roster=roster)
    assert message in str(info.value)
    assert "units.csv" in str(info.value)


def test_roster_duplicates_found_in_one_pass(tmp_path):
    units = "".join(f'[[unit]]\ncode = "u{i}"\nname = "U"\n' for i in (1, 2, 3, 2, 1))
    path = _write(tmp_path / "roster.toml", '[roster]\nruleset = "r"\ncategory = "c"\n' + units)
    with pytest.raises(InputError, match="repeated: u1, u2"):
        Roster.from_toml(path)


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ('[[unit]]\ncode = "u1"\n', "unit[0].name: missing required key"),
        ('[[unit]]\ncode = 1\nname = "U"\n', "unit[0].code: expected text, got 1"),
        ('[[unit]]\ncode = "u1"\nname = "U"\nparent = 2\n', "unit[0].parent: expected a unit code, got 2"),
        ('[[unit]]\ncode = "u1"\nname = "U"\nattributes = "rural"\n', "unit[0].attributes: expected a table"),
        ('[[unit]]\ncode = "u1"\nname = "U"\ncolour = "red"\n', "unit[0].colour: unknown key"),
    ],
    ids=[
        "a unit without its name",
        "a code that is not text",
        "a parent that is not a code",
        "attributes that are not a table",
        "an unknown key",
    ],
)
def test_a_roster_file_s_mistakes_name_the_unit_and_the_key(tmp_path, units, message):
    path = _write(tmp_path / "roster.toml", '[roster]\nruleset = "r"\ncategory = "c"\n' + units)
    with pytest.raises(InputError) as raised:
        Roster.from_toml(path)
    assert str(raised.value).startswith(f"{path}: {message}"), str(raised.value)


@pytest.mark.parametrize("count", [3, 64, 1000])
def test_units_made_by_columns_are_the_constructor_s(count):
    """units_from_columns sets each slot by its descriptor (from 64 units): every unit is the
    one ``Unit(...)`` makes, field by field, equal, shown alike and still frozen, its attributes
    read-only; units given one mapping share one read-only view of it."""
    import attrs

    from escore import Unit
    from escore._model import units_from_columns

    codes = [f"c{i:04d}" for i in range(count)]
    names = [f"名称 {i}" for i in range(count)]
    parents = [None if i % 3 else f"p{i % 7}" for i in range(count)]
    shared = {"variant": "A"}
    attributes = [shared if i % 2 else {"variant": str(i)} for i in range(count)]
    made = units_from_columns(codes, names, "county", parents, attributes)
    expected = [Unit(*row) for row in zip(codes, names, ["county"] * count, parents, attributes)]
    assert made == expected
    for unit, reference in zip(made, expected):
        assert type(unit) is Unit
        assert attrs.astuple(unit, recurse=False) == attrs.astuple(reference, recurse=False)
        assert type(unit.attributes) is type(reference.attributes) is types.MappingProxyType
        assert repr(unit) == repr(reference)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made[-1].code = "x"
    with pytest.raises(TypeError):
        made[-1].attributes["variant"] = "B"  # type: ignore[index]
    assert shared == {"variant": "A"}
    # One view per mapping given, not per unit.
    assert len({id(unit.attributes) for unit in made}) == len({id(mapping) for mapping in attributes})


def test_units_by_columns_keep_to_the_constructor_when_it_does_more(monkeypatch):
    """A Unit whose constructor would check or convert (a validator, a converter, a post-init
    hook) is made by it: the fast path only stands for a constructor that stores its arguments."""
    import attrs

    from escore import Unit, _model
    from escore._model import _plain_unit_fields

    assert _plain_unit_fields()
    # The guard decides: told that the constructor does more, the columns go through it, unit by unit.
    made = []
    monkeypatch.setattr(_model, "_plain_unit_fields", lambda: False)
    monkeypatch.setattr(_model, "Unit", lambda *args: made.append(args) or Unit(*args))
    units = _model.units_from_columns([f"c{i}" for i in range(100)], ["n"] * 100, "county", [None] * 100, [{}] * 100)
    assert len(made) == 100 and units[0] == Unit("c0", "n", "county", None, {})
    monkeypatch.undo()
    fields = attrs.fields
    checked = tuple(field.evolve(validator=attrs.validators.instance_of(str)) if field.name == "code" else field for field in fields(Unit))
    monkeypatch.setattr(attrs, "fields", lambda cls: checked if cls is Unit else fields(cls))
    assert not _plain_unit_fields()
    monkeypatch.undo()
    monkeypatch.setattr(Unit, "__attrs_post_init__", lambda self: None, raising=False)
    assert not _plain_unit_fields()


def test_grades_of_a_fields_table_share_what_their_texts_share(tmp_path, catalog):
    """A grade is a pure function of its two texts: equal texts give one object, and equal
    points one Decimal even where reasons differ; a typed or differently written value is its own."""
    from escore._columnar import read_field_table
    from escore._fieldvalues import FieldValues
    from escore._schema import EvidenceSchema

    plan = catalog.plan("fj2017", "county")
    schema = EvidenceSchema(plan)
    graded = sorted(key for key in schema.graded if key in schema.by_key)[:2]
    table = tmp_path / "county.csv"
    header = ["unit"] + [f"{key}.{part}" for key in graded for part in ("points", "reason")]
    rows = [
        ["a", "1", "same", "1", "same"],
        ["b", "1", "same", "1.0", "other"],
        ["c", "1", "different", "1", "same"],
    ]
    table.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    wanted = {code: code for code in "abc"}
    values = FieldValues("abc")
    assert read_field_table(table, catalog.loaders[".csv"], schema, wanted, set(wanted), values, {}) == 3
    first, second = (schema.by_key[key][1] for key in graded)
    a, b, c = values["a"], values["b"], values["c"]
    assert a[first] is b[first]  # the same texts: one grade
    assert a[first] is not c[first] and a[first].points is c[first].points  # other reason, the same points
    assert str(b[second].points) == "1.0" and str(a[second].points) == "1"  # written differently: kept apart
    assert a[first] is not a[second]  # another column: parsed (and checked) against its own field


@pytest.mark.parametrize(
    "text",
    [
        "code,name\nb.2,Two\nb.1,\n",
        "code,name,parent\nb.1,One,\nb.2,,b.1\n",
        " code , name , dc_variant , extra \nb.1, One ,A,\n\nb.2,,B,x\n ,,,\nb.3,Three,,\n",
        "code,dc_variant\nb.1,A\n",
        "code\nb.1\nb.2\n",
        "code,name\n",
        "code,name\nb.1,One\n,Two\n",
        "code,name\nb.1,One\nb.1,Again\n",
        "name,dc_variant\nX,A\n",
        "code,name\nb.1,One,extra\n",
        'code,name\nb.1,"One\n',
    ],
)
def test_a_units_table_by_columns_is_the_table_by_rows(catalog, tmp_path, text):
    """The built-in CSV reader gives units tables by columns; any other reader by rows. Both give
    the same units, or the same error."""
    import attrs

    from escore._builtin_loaders import read_csv
    from escore._columnar import read_roster_table

    path = _write(tmp_path / "units.csv", text)
    by_rows = dict(catalog.loaders)
    by_rows[".csv"] = attrs.evolve(by_rows[".csv"], read=lambda p: read_csv(p))  # noqa: PLW0108 - not read_csv itself: rows

    def roster(loaders):
        try:
            units = read_roster_table(path, "fj2017", "provincial", loaders).units
        except InputError as error:
            return str(error)
        return [(u.code, u.name, u.parent, dict(u.attributes)) for u in units]

    assert roster(catalog.loaders) == roster(by_rows)


MIGRATIONS = "unit,system,due,done,cleared\n"


@pytest.mark.parametrize(
    "text",
    [
        None,  # the sample's own table
        MIGRATIONS + "prov.ajj,a,2017-09-30,2017-09-21,2017-10-22\nfuzhou,b,2017-09-30,,\nprov.ajj,c,2017-09-30,,\n",
        MIGRATIONS + "prov.ajj,a,2017-09-30,2017-09-21,\n\nprov.gzw,a,2017-09-30,2017-09-21,\n",  # a blank line
        "unit,system,due\nprov.ajj,a,2017-09-30\n",  # optional columns left out
        "system,unit,cleared,done,due\na,prov.ajj,,2017-09-21,2017-09-30\n",  # columns in another order
        MIGRATIONS,  # a header only
        MIGRATIONS + "prov.ajj,a,2017-09-30,,\nprov.ajx,b,2017-09-30,,\n",  # a typo
        MIGRATIONS + "prov.ajj,a,2017-09-30,,\n,b,2017-09-30,,\n",  # no unit
        MIGRATIONS.replace("cleared", "clearde") + "prov.ajj,a,2017-09-30,,\n",  # an unknown column
        "unit,system,done\nprov.ajj,a,2017-09-21\n",  # a required column missing
        MIGRATIONS + "prov.ajj,a,,,\n",  # a required cell empty
        MIGRATIONS + "prov.ajj,a,2017-09-30,2017-13-01,\n",  # not a date
        MIGRATIONS + "prov.ajj,a,2017-09-30,2017-10-01,2017-09-30\n",  # cleared before done
        MIGRATIONS + "prov.ajj,a,2017-09-30,,\nprov.ajx,b,2017-09-30,,\nprov.ajj,c,2017-09-30,x,\n",  # two problems
        MIGRATIONS + "prov.ajj,a,2017-09-30,x,\nprov.ajj,b,2017-09-30,,,extra\n",  # a bad value, then a ragged row
        MIGRATIONS + "prov.ajj,a,2017-09-30,,,extra\nprov.ajx,b,2017-09-30,,\n",  # a ragged row, then a typo
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_monitoring_table_by_columns_is_the_table_by_rows(catalog, tmp_path, monkeypatch, text, chunked):
    """Read by columns (the built-in CSV reader) or row by row, a monitoring table gives the same
    rows, in the same order, with the same objects shared; a table with any problem gives the
    error reading row by row gives: the first problem in line order, in the same words. Read
    a chunk of a few rows at a time (``chunked``), the same, objects shared across chunks."""
    from escore import _load

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    if chunked:
        _small_chunks(monkeypatch)
    sample = shutil.copytree(PROVINCIAL_SAMPLE, tmp_path / "provincial")
    if text is not None:
        (sample / "monitoring" / "provincial_dc_migrations.csv").write_text(text, encoding="utf-8")

    def shown(found):
        rows = found.tables["provincial_dc_migrations"]
        shared = sorted({id(v) for by_unit in rows.values() for row in by_unit for v in row[2:]})
        return repr(rows), len(shared), repr(found.tables)

    columns, by_columns = _both_ways(catalog, monkeypatch, sample, _load, "_rows_by_columns", shown)
    if isinstance(columns, tuple):  # read by columns indeed (every table of the sample)
        assert len(by_columns) == 9 and all(found is not None for found in by_columns)


def _parquet_monitoring(sample: Path, target: Path) -> Path:
    """The sample with its monitoring tables as Parquet, typed as a user's tool would type them
    (dates as dates, true/false as booleans, counts as integers, text as text)."""
    import pyarrow.csv as pc
    import pyarrow.parquet as pq

    shutil.copytree(sample, target)
    for path in sorted((target / "monitoring").glob("*.csv")):
        pq.write_table(pc.read_csv(path, convert_options=pc.ConvertOptions(strings_can_be_null=True)), path.with_suffix(".parquet"))
        path.unlink()
    return target


@pytest.mark.parametrize(
    ("table", "edit"),
    [
        (None, None),  # the sample's own tables
        ("provincial_dc_migrations", lambda t: t.take([2, 0, 1, *range(3, t.num_rows)])),  # a unit's rows apart
        (
            "provincial_dc_migrations",
            lambda t: t.set_column(t.column_names.index("due"), "due", _nulls_at(t, "due", 1)),
        ),  # a required cell null
        ("provincial_dc_migrations", lambda t: t.set_column(0, "unit", _replaced(t, "unit", 1, "prov.ajx"))),  # a typo
        ("provincial_terminal_findings", lambda t: t.set_column(0, "unit", _replaced(t, "unit", 0, " prov.ajj "))),  # a padded code
        (
            "provincial_security_incidents",
            lambda t: t.set_column(t.column_names.index("rectified_on_time"), "rectified_on_time", _floats(t)),
        ),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_parquet_monitoring_table_by_columns_is_the_table_by_rows(catalog, tmp_path, monkeypatch, table, edit, chunked):
    """A Parquet monitoring table read by columns gives the rows, their order, their shared
    objects and the errors that reading it row by row gives (a batch at a time, too), and is
    kept as columns when read so; a cell of a type it does not convert by columns (a binary
    float) is left to the row-by-row reading and its message."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from escore import _load
    from escore._tablerows import TableRows

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    if chunked:
        _small_chunks(monkeypatch)
    sample = _parquet_monitoring(PROVINCIAL_SAMPLE, tmp_path / "provincial")
    if table is not None:
        path = sample / "monitoring" / f"{table}.parquet"
        pq.write_table(edit(pq.read_table(path)), path)

    def shown(found):  # equal values (read by columns, equal values are one object; row by row, equal texts only)
        return repr({name: dict(rows) for name, rows in found.tables.items()})

    by_columns_reader = _load._rows_by_columns
    columns, by_columns = _both_ways(catalog, monkeypatch, sample, _load, "_rows_by_columns", shown)
    monkeypatch.setattr(_load, "_rows_by_columns", by_columns_reader)
    if table is None:  # every table read by columns, and kept so: the CSV tables' rows, lines counted from the first row
        assert len(by_columns) == 9 and all(found is not None for found in by_columns)
        plan, codes = catalog.plan("fj2017", "provincial"), [u.code for u in catalog.roster("fj2017", "provincial")]
        found = _load.load_evidence([sample], plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders)
        assert {type(rows) for rows in found.tables.values()} == {TableRows}
        from_csv = _load.load_evidence([PROVINCIAL_SAMPLE], plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders)
        for name, by_unit in from_csv.tables.items():
            assert {code: [(r.unit, r.line - 1, *r[2:]) for r in rows] for code, rows in by_unit.items()} == {
                code: [tuple(r) for r in rows] for code, rows in found.tables[name].items()
            }, name
    elif table == "provincial_security_incidents":  # floats: read row by row, refused
        assert columns.endswith(
            "provincial_security_incidents.parquet:1: rectified_on_time: expected true or false, "
            "got the binary floating-point number 0.5 (store exact numbers as decimal or text)"
        )


def test_typed_cells_are_converted_once_per_value_that_is_the_same():
    """Typed cells (Parquet) share a conversion where equal values are the same value; a
    decimal's digits are its own (1.0 and 1.00 are equal, not the same), and so is a value's
    type (1 and True are equal, not the same); null and empty text are None; a type without
    an exact key is read row by row."""
    import datetime as dt

    from escore._columnar import ReadRowByRow, typed_converted

    calls = []

    def convert(value):
        calls.append(value)
        return ("made", value)

    made = {}
    got = typed_converted([Decimal("1.0"), Decimal("1.00"), None, Decimal("1.0")], convert, made)
    assert [None if v is None else str(v[1]) for v in got] == ["1.0", "1.00", None, "1.0"]
    assert got[0] is got[3] and len(calls) == 2
    assert typed_converted(["a", "", None, "a"], convert, made) == [("made", "a"), None, None, ("made", "a")]
    day = dt.date(2017, 5, 1)
    assert typed_converted([day, dt.date(2017, 5, 1)], convert, made) == [("made", day)] * 2
    assert typed_converted([None, None], convert, made) == [None, None]
    calls.clear()
    assert typed_converted([1, True, 1], convert, {}) == [("made", 1), ("made", True), ("made", 1)]
    assert len(calls) == 2 and {type(value) for value in calls} == {int, bool}
    for column in ([0.5], [dt.datetime(2017, 5, 1)], [day, 0.5]):
        with pytest.raises(ReadRowByRow):
            typed_converted(column, convert, {})


@pytest.mark.parametrize("tables", ["parquet", "split"])
def test_the_county_sample_scaled_scores_the_same_from_parquet_or_split_tables(tmp_path, monkeypatch, tables):
    """The county sample repeated to 300 units (bench/bench.py --end-to-end's evidence), its
    tables as Parquet or each monitoring table in two files: the same CSV, to the byte, as from
    one CSV file per table, on a first run (the tables kept as columns) and on a cached one."""
    pytest.importorskip("pyarrow")
    import importlib.util

    from click.testing import CliRunner

    from escore_cli import cli

    spec = importlib.util.spec_from_file_location("escore_bench", Path(__file__).resolve().parent.parent / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    bench.write_columnar("county", 300, None, tmp_path / "csv")
    shutil.copytree(tmp_path / "csv", tmp_path / "other")
    roots = [tmp_path / "other" / "evidence"]
    if tables == "parquet":
        bench.as_parquet(roots[0])
        assert sorted(p.suffix for p in (roots[0] / "monitoring").iterdir()) == [".parquet"] * 6
    else:
        roots.append(tmp_path / "other" / "evidence-2")
        bench.split_tables(roots[0], roots[1])

    def run(root, paths, cache, *more):
        monkeypatch.setenv("ESCORE_CACHE_DIR", cache)
        args = ["run", "-c", "county", "--roster", str(root / "units.csv"), "-f", "csv", *[a for p in paths for a in ("-e", str(p))], *more]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    from escore._load import load_evidence
    from escore._plugins import Catalog, make_plugin_manager
    from escore._tablerows import TableRows

    catalog = Catalog(make_plugin_manager())  # every table read by columns, and kept so
    codes = [f"bench.{i:06d}" for i in range(300)]
    read = load_evidence(roots, catalog.plan("fj2017", "county"), codes, set(codes) | catalog.all_unit_codes("fj2017"), catalog.loaders)
    assert len(read.tables) == 6 and all(isinstance(rows, TableRows) for rows in read.tables.values())
    want = run(tmp_path / "csv", [tmp_path / "csv" / "evidence"], "off")
    assert want.count("\n") == 301
    assert run(tmp_path / "other", roots, "off") == want
    cache = str(tmp_path / "cache")
    assert run(tmp_path / "other", roots, cache) == want  # fills the cache
    assert run(tmp_path / "other", roots, cache) == want  # reads it
    from escore import _load as loading
    from escore._parallel import Ahead

    monkeypatch.setattr(loading, "AHEAD_FROM_BYTES", 0)  # every CSV table read ahead, a share in a second process
    came_back: list[int] = []
    results = Ahead.results
    monkeypatch.setattr(Ahead, "results", lambda self: came_back.append(len(found := results(self))) or found)
    assert run(tmp_path / "other", roots, "off", "--jobs", "2") == want
    # From the command line too (where a watchdog runs): CSV tables came back from the other process.
    assert (sum(came_back) > 0) is (tables == "split"), came_back


def _replaced(table, name, index, value):
    cells = table.column(name).to_pylist()
    cells[index] = value
    return __import__("pyarrow").array(cells)


def _nulls_at(table, name, index):
    cells = table.column(name).to_pylist()
    cells[index] = None
    return __import__("pyarrow").array(cells, table.schema.field(name).type)


def _floats(table):
    return __import__("pyarrow").array([0.5] * table.num_rows)


def _small_chunks(monkeypatch):
    """Tables read by columns two rows at a time (a chunk of a large table is 262,144 cells)."""
    from escore import _builtin_loaders

    monkeypatch.setattr(_builtin_loaders, "_CHUNK_ROWS", 2)
    monkeypatch.setattr(_builtin_loaders, "COLUMN_CHUNK_CELLS", 1)


def _both_ways(catalog, monkeypatch, root, module, reader, shown):
    """What loading ``root`` gives (``shown(evidence set)``, or the error), the same with the
    columnar ``module.reader`` and without it (row by row); and what that reader returned."""
    from escore import _load

    plan = catalog.plan("fj2017", "provincial")
    codes = [u.code for u in catalog.roster("fj2017", "provincial")]
    by_columns = []
    real = getattr(module, reader)
    monkeypatch.setattr(module, reader, lambda *args, **options: by_columns.append(real(*args, **options)) or by_columns[-1])

    def outcome():
        try:
            return shown(_load.load_evidence([root], plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders))
        except InputError as exc:
            return str(exc)

    columns = outcome()
    monkeypatch.setattr(module, reader, lambda *args, **options: None)
    assert outcome() == columns
    return columns, by_columns


def _plain_fields_table(drop: tuple[str, ...] = ()) -> tuple[list[str], list[dict]]:
    """The sample's unit files as one table of their fields that are not graded."""
    keys, rows = sample_rows(PROVINCIAL_SAMPLE)
    graded = {key.rpartition(".")[0] for key in keys if key.endswith((".points", ".reason"))}
    keys = [k for k in keys if k.rpartition(".")[0] not in graded and k not in graded and k not in drop]
    return keys, [{k: _text(row[k]) if k in row else "" for k in keys} for row in rows]


def _table_text(keys: list[str], rows: list[dict]) -> str:
    return ",".join(keys) + "\n" + "".join(",".join(row[k] for k in keys) + "\n" for row in rows)


def _fields_variants() -> list[tuple[str, str]]:
    keys, rows = _plain_fields_table()
    plain = _table_text(keys, rows)
    holes = [dict(row) for row in rows]
    for i, row in enumerate(holes):  # units with different cells given
        row[keys[1 + i % (len(keys) - 1)]] = ""
    other = _table_text(keys, [*rows[:3], {**rows[0], "unit": "fuzhou"}, *rows[3:]])  # another category's unit
    typo = _table_text(keys, [*rows[:2], {**rows[2], "unit": "prov.czz"}])
    twice = _table_text(keys, [*rows[:2], rows[0]])
    bad = _table_text(keys, [*rows[:1], {**rows[1], keys[1]: "x"}, {**rows[2], "unit": "prov.czz"}])
    unknown = plain.replace(keys[1], keys[1] + "x", 1)
    every, graded_rows = sample_rows(PROVINCIAL_SAMPLE)  # grades too: two columns each
    full = [{k: _text(row[k]) if k in row else "" for k in every} for row in graded_rows]
    reason = next(k for k in every if k.endswith(".reason"))
    half = [dict(row) for row in full]
    half[2][reason] = ""  # a grade's points without its reason
    unsorted = sorted(every[1:], reverse=True)  # grades before plain fields, parts swapped
    return [
        ("with grades", _table_text(every, full)),
        ("grades first", _table_text(["unit", *unsorted], full)),
        ("a grade without its reason", _table_text(every, half)),
        ("a grade's reason column missing", _table_text([k for k in every if k != reason], full)),
        ("plain", plain),
        ("holes", _table_text(keys, holes)),
        ("another category's unit", other),
        ("a typo", typo),
        ("a unit twice", twice),
        ("a bad value, then a typo", bad),
        ("an unknown column", unknown),
        ("a header only", ",".join(keys) + "\n"),
    ]


@pytest.mark.parametrize(("name", "text"), _fields_variants(), ids=[name for name, _ in _fields_variants()])
@pytest.mark.parametrize("with_unit_file", [False, True])
@pytest.mark.parametrize("chunked", [False, True])
def test_a_fields_table_by_columns_is_the_table_by_rows(catalog, tmp_path, monkeypatch, name, text, with_unit_file, chunked):
    """Read by columns (the built-in CSV reader) or row by row, a fields table gives every unit
    the same values, in the same order, and the same places; with any problem, the error reading
    row by row gives (the first in line order, in the same words). Read a chunk of a few rows at
    a time (``chunked``), the same: nothing is stored before the last chunk has passed."""
    from escore import _columnar

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    if chunked:
        _small_chunks(monkeypatch)
    root = _fields(tmp_path, text)
    if with_unit_file:  # a unit's values in its own file too: given twice, or another unit's
        _write(root / "units" / "prov.czt.toml", "[provincial.credit]\nitems_required = 3\n")

    def shown(found):
        shapes = {id(found.values._units[code][-1]) for code in found.values}
        return repr([(code, found.values[code]) for code in found.values]), dict(found.files), len(shapes)

    columns, by_columns = _both_ways(catalog, monkeypatch, root, _columnar, "_fields_by_columns", shown)
    if name in ("plain", "holes", "another category's unit", "with grades", "grades first") and not with_unit_file:
        assert isinstance(columns, tuple) and by_columns and by_columns[0] is not None  # read by columns indeed


def _typed_fields(root: Path, edit=None) -> Path:
    """The sample's unit files as one typed Parquet fields table (as columnar_copy writes it),
    its rows changed by ``edit`` first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys, rows = sample_rows(PROVINCIAL_SAMPLE)
    if edit is not None:
        rows = edit([dict(row) for row in rows])
    columns = {}
    for key in keys:
        cells = [row.get(key) for row in rows]
        kinds = {type(c) for c in cells if c is not None}
        if float in kinds or Decimal in kinds:
            columns[key] = pa.array([None if c is None else Decimal(str(c)) for c in cells], pa.decimal128(12, 4))
        else:
            columns[key] = pa.array(cells)
    (root / "fields").mkdir(parents=True)
    pq.write_table(pa.table(columns), root / "fields" / "provincial.parquet")
    return root


def _points_key(rows):
    return next(k for k in rows[0] if k.endswith(".points"))


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("the sample", None),
        (
            "holes",
            lambda rows: [
                {k: (None if i % 3 == 0 and k != "unit" and not k.endswith((".points", ".reason")) else v) for k, v in row.items()}
                for i, row in enumerate(rows)
            ],
        ),
        (
            "a grade without its reason",
            lambda rows: [{**row, _points_key(rows).replace(".points", ".reason"): None} if i == 2 else row for i, row in enumerate(rows)],
        ),
        ("a typo", lambda rows: [{**row, "unit": "prov.czz"} if i == 2 else row for i, row in enumerate(rows)]),
        ("a unit twice", lambda rows: [*rows, rows[0]]),
        (
            "a count below its minimum",
            lambda rows: [{**row, "provincial.credit.items_required": 0} if i == 1 else row for i, row in enumerate(rows)],
        ),
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_parquet_fields_table_by_columns_is_the_table_by_rows(catalog, tmp_path, monkeypatch, name, edit, chunked):
    """A typed (Parquet) fields table read by columns gives every unit the values and places
    reading it row by row gives, and the same errors; the sample's is read by columns indeed."""
    pytest.importorskip("pyarrow")
    from escore import _columnar

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    if chunked:
        _small_chunks(monkeypatch)
    root = _typed_fields(tmp_path / "ev", edit)

    def shown(found):
        return repr([(code, found.values[code]) for code in found.values]), dict(found.files)

    columns, by_columns = _both_ways(catalog, monkeypatch, root, _columnar, "_fields_by_columns", shown)
    if name == "a count below its minimum":
        assert (
            columns
            == f"{root / 'fields' / 'provincial.parquet'}:2: provincial.credit.items_required: expected a whole number, at least 1 (项), got 0"
        )
    if name in ("the sample", "holes"):
        assert isinstance(columns, tuple) and by_columns and by_columns[0] is not None  # read by columns indeed
        _keys, rows = sample_rows(PROVINCIAL_SAMPLE)
        row_of = {row["unit"]: number for number, row in enumerate(rows, start=1)}
        files = columns[1]
        assert len(files) == 38 and files["prov.czt"] == f"{root / 'fields' / 'provincial.parquet'}:{row_of['prov.czt']}"


def test_a_whatif_of_a_category_nesting_its_own_units_scores_every_unit_twice(catalog, tmp_path, monkeypatch):
    """A category that is its own sub-units' could let a what-if move a parent's score: every
    unit is then scored before and after (each run whole), and the output is the roster's."""
    import attrs

    from escore import _session
    from escore._cycle import Changes, whatif_in_table
    from escore._plugins import Catalog

    units = catalog.roster("fj2017", "county")
    table = _write(tmp_path / "units.csv", "code,name,parent\n" + "".join(f"{u.code},{u.name},{u.parent}\n" for u in units))
    changes = Changes.from_options(['website.channels.app={ points = 4, reason = "on 闽政通" }'], (), ())
    alone, _ = whatif_in_table(catalog, "county", "quanzhou.licheng", changes, roster=table)
    real_plan = Catalog.plan

    def nested(self, ruleset, category):
        plan = real_plan(self, ruleset, category)
        return plan._replace(category=attrs.evolve(plan.category, subunits=category))

    monkeypatch.setattr(Catalog, "plan", nested)
    runs = []
    real = _session.run_category
    monkeypatch.setattr(_session, "run_category", lambda *a, **k: runs.append(k.get("only", ())) or real(*a, **k))
    every, _ = whatif_in_table(catalog, "county", "quanzhou.licheng", changes, roster=table)
    assert every == alone and alone["units_ranked"] == 83 and alone["rank_before"] == 52
    assert runs == [[], []]  # two whole runs, no run of the unit alone


def test_a_command_reads_a_units_table_once_per_file_state(catalog, tmp_path, monkeypatch):
    """units_of keeps the units of a table it has read for the catalogue, by the file's state
    (a what-if reads it four times): the same bytes give the same units without a read; other
    bytes are read again; the set of known codes is each caller's own."""
    from escore import _session

    path = _write(tmp_path / "units.csv", "code,name\nb.2,Two\nb.10,Ten\n")
    reads = []
    real = _session._read_units_table
    monkeypatch.setattr(_session, "_read_units_table", lambda *a: reads.append(a[3]) or real(*a))
    first, known = _session.units_of(catalog, "fj2017", "provincial", path)
    again, known_again = _session.units_of(catalog, "fj2017", "provincial", path)
    assert [u.code for u in first] == ["b.2", "b.10"] and again is first and len(reads) == 1
    assert known == known_again and known is not known_again and {"b.2", "b.10"} <= known
    known.discard("b.2")
    assert "b.2" in _session.units_of(catalog, "fj2017", "provincial", path)[1]
    _write(path, "code,name\nb.2,Two\nb.3,Three\n")
    assert [u.code for u in _session.units_of(catalog, "fj2017", "provincial", path)[0]] == ["b.2", "b.3"]
    assert len(reads) == 2
    other = Catalog(make_plugin_manager())  # another catalogue reads it for itself
    _session.units_of(other, "fj2017", "provincial", path)
    assert len(reads) == 3


def test_a_list_cell_writes_none_and_items_as_the_workbook_does(catalog, tmp_path):
    """A list field in a table: items separated by ";" or "；", and 无 for none, as the workbook
    writes it. 无 was read as an item named 无 and scored a point; an empty cell is a field not
    given (missing), which is how bench.py wrote an empty list."""
    sample = Path(__import__("escore_fj2017_city").__file__).parent / "sample" / "city"
    keys, rows = sample_rows(sample)
    lists = [key for key in keys if any(isinstance(row.get(key), list) for row in rows)]
    assert "city.platforms.iot" in lists
    target = tmp_path / "ev"
    shutil.copytree(sample, target, ignore=shutil.ignore_patterns("units"))
    (target / "fields").mkdir()
    with open(target / "fields" / "city.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, keys, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            # none: 无; several items: the full-width separator a Chinese keyboard types
            writer.writerow({k: ("；".join(v) or "无") if isinstance(v, list) else _text(v) for k, v in row.items()})
    want = run_category(catalog, "city", evidence=[sample], explain=False)
    have = run_category(catalog, "city", evidence=[target], explain=False)
    assert _summary(have) == _summary(want) and have.status_counts() == want.status_counts()
    assert any(row.get("city.platforms.iot") == [] for row in rows)  # the case that scored a point for 无
    assert any(len(row.get(key) or []) > 1 for row in rows for key in lists)  # and one with "；" between items


@pytest.mark.parametrize(
    ("parent", "said"),
    [
        ("fuzhou.gulou", "'fuzhou.gulou' is a unit of this table; expected the code of a unit of city"),
        ("fuzhuo", "unknown unit code 'fuzhuo'; expected the code of a unit of city (did you mean 'fuzhou'?)"),
        ("prov.czt", "'prov.czt' is a unit of provincial; expected the code of a unit of city"),
    ],
)
def test_a_units_table_parent_must_be_a_unit_of_the_category_above(catalog, tmp_path, parent, said):
    """A county's parent had been published as written: its own code, a typo, a department."""
    units = catalog.roster("fj2017", "county")
    lines = ["code,name,parent"] + [f"{u.code},{u.name},{parent if u.code == 'fuzhou.gulou' else u.parent}" for u in units]
    line = 2 + [u.code for u in units].index("fuzhou.gulou")
    roster = _write(tmp_path / "units.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        run_category(catalog, "county", roster=roster, keyword="W-L-3", explain=False)
    assert str(info.value) == f"{roster}:{line}: parent: {said}"
    fine = _write(tmp_path / "fine.csv", "\n".join(lines).replace(f",{parent}\n", ",fuzhou\n") + "\n")
    assert len(run_category(catalog, "county", roster=fine, keyword="W-L-3", explain=False).units) == len(units)
