"""A monitoring row of a known unit that no category's plan reads the table for is refused, by
every way a table is read; rows kept for another category's use, rows of a sub-unit a roll-up
reads, and rows of the category's units a run leaves out are read as before."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore import InputError
from escore_cli import cli

from .test_columnar import _text, sample_rows

city_pack = pytest.importorskip("escore_fj2017_city")
website_pack = pytest.importorskip("escore_fj2017_website")
provincial_pack = pytest.importorskip("escore_fj2017_provincial")

CITY = Path(city_pack.__file__).parent / "sample" / "city"
CITY_WEBSITE = Path(website_pack.__file__).parent / "sample" / "city"
PROVINCIAL = Path(provincial_pack.__file__).parent / "sample" / "provincial"
PROVINCIAL_WEBSITE = Path(website_pack.__file__).parent / "sample" / "provincial"

# The categories as the packs title them: a message names a category by its title.
TITLES = {"provincial": "省直单位", "city": "设区市政府、平潭综合实验区管委会", "county": "县（市、区）政府"}
DEPARTMENT_IN_CITY_TABLE = f"unit: 'prov.bgt' is a unit of 省直单位; city_mlps_findings is read for units of {TITLES['city']} only"
COUNTY_IN_CITY_TABLE = (
    f"unit: 'fuzhou.fuqing' is a unit of 县（市、区）政府; city_mlps_findings is read for units of {TITLES['city']} only"
    f" (rows of units of 县（市、区）政府 count for their parent unit of {TITLES['city']} in roll-up tables only;"
    " record this one under the parent's code)"
)
DEPARTMENT_IN_ROLL_UP = (
    f"unit: 'prov.bgt' is a unit of 省直单位; city_video_incidents is read for units of {TITLES['city']} only"
    f" (rows of units of 县（市、区）政府 there count for their parent unit of {TITLES['city']})"
)
FINDING = "prov.bgt,2017-09-01,S1,,x"


def _copy(source: Path, target: Path, **rows: str) -> Path:
    """``source`` copied to ``target``, a line added to each monitoring table named in ``rows``."""
    shutil.copytree(source, target)
    for table, line in rows.items():
        with open(target / "monitoring" / f"{table}.csv", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return target


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _run(*args: str):
    return CliRunner().invoke(cli, ["run", *args, "-f", "csv", "--columns", "code,total", "--lang", "en"])


def _refused(result, where: str, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr == f"escore: error: {where}: {message}\n"


@pytest.fixture
def clean(tmp_path, monkeypatch, fj2017_only):
    """The test's own cache, off."""
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    return tmp_path


def _city_fields_table(root: Path) -> None:
    """The city sample's unit files of ``root`` as one fields table, fields/city.csv."""
    keys, rows = sample_rows(root)
    shutil.rmtree(root / "units")
    (root / "fields").mkdir()
    with open(root / "fields" / "city.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "; ".join(v) if isinstance(v, list) else _text(v) for k, v in row.items()} for row in rows)


@pytest.mark.parametrize("layout", ["csv", "parquet", "split", "cache", "ahead", "units table"])
def test_a_provincial_unit_in_a_city_only_table_is_refused(clean, monkeypatch, layout):
    """A department's code typed into a table only cities are scored from: its row had been
    skipped as kept for the provincial category, which never reads the table (a deduction lost,
    exit 0). Refused by every way a table is read, and never hidden by a cached set."""
    evidence = _copy(CITY, clean / "city", **({} if layout == "split" else {"city_mlps_findings": FINDING}))
    table = evidence / "monitoring" / "city_mlps_findings.csv"
    where = f"{table}:{_lines(table)}"
    paths = [evidence, CITY_WEBSITE]
    extra: list[str] = []
    if layout == "parquet":
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        with open(table, encoding="utf-8") as handle:
            read = list(csv.DictReader(handle))
        pq.write_table(pa.table({key: [row[key] or None for row in read] for key in read[0]}), table.with_suffix(".parquet"))
        table.unlink()
        where = f"{table.with_suffix('.parquet')}:{len(read)}"
    elif layout == "split":  # the table's rows in two evidence paths: the bad row in the second
        more = clean / "more" / "monitoring"
        more.mkdir(parents=True)
        (more / "city_mlps_findings.csv").write_text("unit,date,system,owner,finding\n" + FINDING + "\n", encoding="utf-8")
        paths.append(more.parent)
        where = f"{more / 'city_mlps_findings.csv'}:2"
    elif layout == "cache":
        monkeypatch.setenv("ESCORE_CACHE_DIR", str(clean / "cache"))
    elif layout == "ahead":  # read by columns in a second process, ahead of its turn
        from escore import _load

        monkeypatch.setattr(_load, "AHEAD_FROM_BYTES", 0)
        extra = ["--jobs", "2"]
    elif layout == "units table":  # the large runs' layout: a units table and a fields table, read deferred from the cache
        monkeypatch.setenv("ESCORE_CACHE_DIR", str(clean / "cache"))
        _city_fields_table(evidence)
        roster = clean / "units.csv"
        roster.write_text("code,name\n" + "".join(f"{u.code},{u.name}\n" for u in _city_units()), encoding="utf-8")
        extra = ["--roster", str(roster)]
    args = ["-c", "city", *(a for p in paths for a in ("-e", str(p))), *extra]
    _refused(_run(*args), where, DEPARTMENT_IN_CITY_TABLE)
    _refused(_run(*args), where, DEPARTMENT_IN_CITY_TABLE)  # again: nothing was kept that hides it


def _city_units():
    from escore._plugins import Catalog, make_plugin_manager

    return Catalog(make_plugin_manager()).roster("fj2017", "city")


def test_a_set_read_without_the_check_is_not_the_one_a_run_takes_from_the_cache(clean, monkeypatch):
    """A set kept by a reading that did not check the rows of units not scored (a program's
    load_evidence) is kept under another key: the run reads the evidence again, and refuses it."""
    from escore._load import load_evidence
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of, run_category

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(clean / "cache"))
    evidence = _copy(CITY, clean / "city", city_mlps_findings=FINDING)
    catalog = Catalog(make_plugin_manager())
    plan = catalog.plan("fj2017", "city")
    codes = [u.code for u in catalog.roster("fj2017", "city")]
    subs = [c.code for kids in children_of(catalog, plan).values() for c in kids]
    load_evidence([evidence, CITY_WEBSITE], plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders, subs)
    with pytest.raises(InputError) as info:
        run_category(catalog, "city", evidence=[evidence, CITY_WEBSITE], explain=False, lazy=True)
    assert (
        str(info.value)
        == f"{evidence / 'monitoring' / 'city_mlps_findings.csv'}:{_lines(evidence / 'monitoring' / 'city_mlps_findings.csv')}: {DEPARTMENT_IN_CITY_TABLE}"
    )


def test_a_county_in_a_table_that_does_not_roll_up_is_refused(clean):
    """A county's finding in the city table that does not roll up counts nowhere: refused, with
    where a county's finding goes."""
    evidence = _copy(CITY, clean / "city", city_mlps_findings="fuzhou.fuqing,2017-09-01,S1,,x")
    table = evidence / "monitoring" / "city_mlps_findings.csv"
    _refused(_run("-c", "city", "-e", str(evidence), "-e", str(CITY_WEBSITE)), f"{table}:{_lines(table)}", COUNTY_IN_CITY_TABLE)


def test_in_chinese_another_category_is_named_by_its_title_and_the_hint_in_full_width_parentheses(clean):
    """The Chinese messages had named the category by its key ("是 county 类别的单位；city_mlps_findings
    只为 city 类别的单位读取") and put the hint in half-width parentheses after a Chinese sentence."""
    evidence = _copy(CITY, clean / "city", city_mlps_findings="fuzhou.fuqing,2017-09-01,S1,,x")
    table = evidence / "monitoring" / "city_mlps_findings.csv"
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(evidence), "-e", str(CITY_WEBSITE), "--lang", "zh"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"escore：错误：{table}:{_lines(table)}: unit: “fuzhou.fuqing”属于县（市、区）政府；city_mlps_findings 只读取"
        "设区市政府、平潭综合实验区管委会的单位的记录（县（市、区）政府的记录只在汇总表中计入其所属的"
        "设区市政府、平潭综合实验区管委会单位；请将此行记在其上级单位的代码下）\n"
    )
    incidents = _copy(CITY, clean / "incidents", city_video_incidents="prov.bgt,2017-09-07,rollcall_absent,")
    table = incidents / "monitoring" / "city_video_incidents.csv"
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(incidents), "-e", str(CITY_WEBSITE), "--lang", "zh"])
    assert result.stderr == (
        f"escore：错误：{table}:{_lines(table)}: unit: “prov.bgt”属于省直单位；city_video_incidents 只读取"
        "设区市政府、平潭综合实验区管委会的单位的记录（县（市、区）政府在此表中的记录计入其所属的"
        "设区市政府、平潭综合实验区管委会单位）\n"
    )


def _book(clean: Path) -> Path:
    book = clean / "city.xlsx"
    made = CliRunner().invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    return book


def test_a_workbook_lists_every_row_no_category_reads(clean):
    """In a workbook, each such row is one of the problems listed at once, by its cell; a county's
    rows of the roll-up sheet and of a website sheet are not among them."""
    import datetime as dt

    openpyxl = pytest.importorskip("openpyxl")
    book = _book(clean)
    workbook = openpyxl.load_workbook(book)
    findings, incidents, letters = workbook["city_mlps_findings"], workbook["city_video_incidents"], workbook["website_letters"]
    findings.append(["prov.bgt", dt.datetime(2017, 9, 1), "S1", None, "x"])
    findings.append(["fuzhou.fuqing", dt.datetime(2017, 9, 1), "S1", None, "x"])
    incidents.append(["fuzhou.fuqing", dt.datetime(2017, 9, 28), "rollcall_late", "x"])
    incidents.append(["prov.bgt", dt.datetime(2017, 9, 28), "rollcall_late", "x"])
    letters.append(["prov.bgt", dt.datetime(2017, 1, 5), None, "x"])
    rows = (findings.max_row - 1, findings.max_row, incidents.max_row)
    workbook.save(book)
    result = _run("-c", "city", "-e", str(book))
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"escore: error: {book}: 3 problem(s) in the workbook; nothing was scored:\n"
        f"  city_mlps_findings!A{rows[0]}: {DEPARTMENT_IN_CITY_TABLE}\n"
        f"  city_mlps_findings!A{rows[1]}: {COUNTY_IN_CITY_TABLE}\n"
        f"  city_video_incidents!A{rows[2]}: {DEPARTMENT_IN_ROLL_UP}\n"
    )


def test_a_county_s_row_of_the_roll_up_table_counts_for_its_city_and_a_department_s_is_refused(clean):
    """city_video_incidents rolls up: a county's row counts for its city, as before; a
    department's row there rolls up to nothing, and is refused."""
    before = _run("-c", "city", "-e", str(CITY), "-e", str(CITY_WEBSITE))
    assert before.exit_code == 0, before.output
    assert "fuzhou,86.35," in before.stdout
    county = _copy(CITY, clean / "county", city_video_incidents="fuzhou.fuqing,2017-09-28,rollcall_late,x")
    after = _run("-c", "city", "-e", str(county), "-e", str(CITY_WEBSITE))
    assert after.exit_code == 0, after.output
    assert after.stdout == before.stdout.replace("fuzhou,86.35,", "fuzhou,86.3,")  # the county's late roll call, its city's deduction
    department = _copy(CITY, clean / "department", city_video_incidents="prov.bgt,2017-09-28,rollcall_late,x")
    table = department / "monitoring" / "city_video_incidents.csv"
    _refused(_run("-c", "city", "-e", str(department), "-e", str(CITY_WEBSITE)), f"{table}:{_lines(table)}", DEPARTMENT_IN_ROLL_UP)


def test_website_rows_of_other_categories_are_kept_for_them(clean):
    """The website tables are read by the provincial, city and county categories: a provincial
    run skips a city's and a county's rows there, scoring as before; a table only the provincial
    category reads refuses a city's row."""
    before = _run("-c", "provincial", "-e", str(PROVINCIAL), "-e", str(PROVINCIAL_WEBSITE))
    assert before.exit_code == 0, before.output
    website = _copy(
        PROVINCIAL_WEBSITE, clean / "website", website_letters="fuzhou,2016-12-15,2016-12-23,\nfuzhou.fuqing,2016-12-15,2016-12-23,"
    )
    after = _run("-c", "provincial", "-e", str(PROVINCIAL), "-e", str(website))
    assert after.exit_code == 0, after.output
    assert after.stdout == before.stdout
    months = website / "monitoring" / "website_portal_months.csv"
    header = months.read_text(encoding="utf-8").splitlines()[0]
    row = next(line for line in months.read_text(encoding="utf-8").splitlines()[1:])
    with open(months, "a", encoding="utf-8") as handle:
        handle.write("fuzhou," + row.partition(",")[2] + "\n")
    assert header.startswith("unit,")
    _refused(
        _run("-c", "provincial", "-e", str(PROVINCIAL), "-e", str(website)),
        f"{months}:{_lines(months)}",
        f"unit: 'fuzhou' is a unit of {TITLES['city']}; website_portal_months is read for units of 省直单位 only",
    )


def test_rows_of_the_category_s_units_a_run_leaves_out_are_skipped(clean):
    """explain fuzhou scores one city: the other cities' rows are theirs, skipped quietly, and
    fuzhou's points are the run's; a department's row in a city table is refused there too."""
    run = _run("-c", "city", "-e", str(CITY), "-e", str(CITY_WEBSITE))
    assert run.exit_code == 0, run.output
    total = next(line.split(",")[1] for line in run.stdout.splitlines() if line.startswith("fuzhou,"))
    explained = CliRunner().invoke(cli, ["explain", "fuzhou", "-e", str(CITY), "-e", str(CITY_WEBSITE), "-f", "json", "--lang", "en"])
    assert explained.exit_code == 0, explained.output
    assert f'"total": "{total}"' in explained.stdout or f'"total": {total}' in explained.stdout
    evidence = _copy(CITY, clean / "city", city_mlps_findings=FINDING)
    table = evidence / "monitoring" / "city_mlps_findings.csv"
    refused = CliRunner().invoke(cli, ["explain", "fuzhou", "-e", str(evidence), "-e", str(CITY_WEBSITE), "--lang", "en"])
    _refused(refused, f"{table}:{_lines(table)}", DEPARTMENT_IN_CITY_TABLE)


@pytest.mark.parametrize("code", ["prov.bgt", "fuzhou.gulou"])
@pytest.mark.parametrize("layout", ["csv", "parquet"])
def test_a_unit_of_another_category_in_a_fields_table_is_refused(clean, code, layout):
    """fields/city.csv holds city units' fields: a department's or a county's row there (a code
    typed wrong) had been skipped as another category's, its values read by nothing, exit 0."""
    root = shutil.copytree(CITY, clean / "ev")
    _city_fields_table(root)
    table = root / "fields" / "city.csv"
    header = table.read_text(encoding="utf-8").splitlines()[0]
    table.write_text(table.read_text(encoding="utf-8") + code + "," * header.count(",") + "\n", encoding="utf-8")
    line = _lines(table)
    if layout == "parquet":
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        with open(table, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        pq.write_table(pa.table({key: [row[key] for row in rows] for key in rows[0]}), root / "fields" / "city.parquet")
        table.unlink()
        table = root / "fields" / "city.parquet"
        line -= 1  # a Parquet table's rows are counted from 1, with no header line
    category = "provincial" if code == "prov.bgt" else "county"
    _refused(
        _run("-c", "city", "-e", str(root)),
        f"{table}:{line}",
        f"unit: '{code}' is a unit of {TITLES[category]}; the fields table of {TITLES['city']} holds its own units' fields only",
    )
    # A city outside the run (explain one unit) is skipped, as before.
    table.unlink()
    _city_fields_table(shutil.copytree(CITY, clean / "again"))
    result = CliRunner().invoke(cli, ["explain", "xiamen", "-e", str(clean / "again"), "--lang", "en"])
    assert result.exit_code == 0, result.output


def test_a_category_whose_plan_cannot_be_built_does_not_get_its_units_rows_refused(fj2017_only, monkeypatch):
    """A broken later pack of one category had its units' rows of a shared table refused in another
    category's run, for a false reason ('read for county, city units only'): the broken category
    may read any table, so its rows are left to its own runs, which report the pack's error."""
    from escore import PackError
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import other_units

    catalog = Catalog(make_plugin_manager())
    county = catalog.plan("fj2017", "county")
    table = next(t for t in county.tables if t.name == "website_annual_reports")
    assert other_units(catalog, county).problem(table, "prov.bgt") is None
    built = Catalog.plan

    def broken(self, ruleset, category):
        if category == "provincial":
            raise PackError("fj2017/provincial: broken")
        return built(self, ruleset, category)

    monkeypatch.setattr(Catalog, "plan", broken)
    assert other_units(catalog, county).problem(table, "prov.bgt") is None
