"""Excel in and out: the evidence workbook (template, reading, every problem at once) and the results workbook."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore_cli import cli

pytest.importorskip("escore_fj2017_website")
pytest.importorskip("escore_fj2017_city")
pytest.importorskip("escore_fj2017_provincial")
openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def runner(monkeypatch):
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS", "ESCORE_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture(scope="module")
def county_book(tmp_path_factory):
    """The county workbook pre-filled from the shipped sample."""
    path = tmp_path_factory.mktemp("book") / "county.xlsx"
    result = CliRunner().invoke(cli, ["template", "-c", "county", "--format", "xlsx", "--evidence-from-sample", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run_json(runner, *args):
    result = runner.invoke(cli, ["run", "-f", "json", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def without_paths(text):
    """The JSON of a run without what names the evidence read (its files and their digests), which differ."""
    data = json.loads(text)
    del data["evidence"], data["stamp"]
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return re.sub(r"was not provided in [^\"]*", "was not provided in <evidence>", text)


@pytest.mark.parametrize("category", ["county", "city", "provincial"])
def test_sample_round_trips_through_the_workbook(runner, tmp_path, category):
    book = tmp_path / f"{category}.xlsx"
    made = runner.invoke(cli, ["template", "-c", category, "-f", "xlsx", "--evidence-from-sample", "-o", str(book)])
    assert made.exit_code == 0, made.output
    from_sample = run_json(runner, "-c", category)
    from_book = run_json(runner, "-c", category, "-e", str(book))
    assert [e["root"] for e in json.loads(from_book)["evidence"]] == [book.name]
    # Byte-identical but for the names of the evidence read (sources, their digests, "not provided in FILE").
    assert without_paths(from_book) == without_paths(from_sample)
    # The text table too, banner and notes included.
    assert runner.invoke(cli, ["run", "-c", category, "-e", str(book)]).stdout == runner.invoke(cli, ["run", "-c", category]).stdout


def libreoffice_convert(soffice, tmp_path, target, folder, book):
    """``soffice --convert-to TARGET`` of ``book`` into ``folder``, with a private profile (no
    first-start dialog, nothing left in $HOME)."""
    import subprocess

    profile = (tmp_path / "profile").as_uri()
    command = [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to", target]
    subprocess.run([*command, "--outdir", str(folder), str(book)], check=True, capture_output=True, timeout=300)


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_workbook_saved_by_libreoffice_reads_the_same(runner, tmp_path, suffix):
    """The Chinese template re-saved by LibreOffice Calc (dates, 是/否, grades, text decimals, data validation
    and comments all rewritten by another program), as .xlsx or in its own .ods format, scores exactly as
    the workbook escore wrote."""
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install -y libreoffice-calc-nogui); not part of .ci/run: too heavy")
    book = tmp_path / "county.xlsx"
    made = runner.invoke(cli, ["template", "-c", "county", "-f", "xlsx", "--evidence-from-sample", "--lang", "zh", "-o", str(book)])
    assert made.exit_code == 0, made.output
    saved = tmp_path / "libreoffice"
    libreoffice_convert(soffice, tmp_path, suffix, saved, book)
    resaved = saved / f"county.{suffix}"
    assert resaved.read_bytes() != book.read_bytes()
    assert without_paths(run_json(runner, "-c", "county", "-e", str(resaved))) == without_paths(
        run_json(runner, "-c", "county", "-e", str(book))
    )


def test_template_is_deterministic_and_documented(runner, tmp_path, county_book):
    again = tmp_path / "again.xlsx"
    runner.invoke(cli, ["template", "-c", "county", "-f", "xlsx", "--evidence-from-sample", "-o", str(again)])
    assert again.read_bytes() == county_book.read_bytes()

    book = openpyxl.load_workbook(county_book)
    assert book.sheetnames[0] == "说明" and book["_lists"].sheet_state == "hidden"
    sheet, column = _find(book, "website.channels.has_app")
    assert sheet.title == "移动客户端(注3)"  # named by the indicator group the fields feed
    assert [c.value for c in sheet[3][:3]] == ["unit", "name", "parent"]
    gulou = _row(sheet, "fuzhou.gulou")
    assert sheet.cell(4, 1).value == "fuzhou.cangshan"  # the roster's order
    assert [sheet.cell(gulou, n).value for n in (1, 2, 3, column)] == ["fuzhou.gulou", "鼓楼区", "fuzhou", "是"]
    assert "mobile client" in sheet.cell(3, column).comment.text
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter(column)
    assert rules[f"{letter}4:{letter}86"].formula1 == '"是,否"'
    points_sheet, points = _find(book, "website.disclosure.education.points")
    assert points_sheet.cell(3, points + 1).value == "website.disclosure.education.reason"
    letter = openpyxl.utils.get_column_letter(points)
    rule = next(dv for dv in points_sheet.data_validations.dataValidation if str(dv.sqref) == f"{letter}4:{letter}86")
    assert (rule.type, rule.formula1, rule.formula2) == ("decimal", "0", "3")
    letters = book["website_letters"]
    assert [c.value for c in letters[1][:4]] == ["unit", "received", "replied", "subject"]
    assert "SYNTHETIC" in sheet["A1"].value and any("SYNTHETIC" in str(c.value) for c in letters[1])

    blank = tmp_path / "blank.xlsx"
    assert runner.invoke(cli, ["template", "-c", "county", "-f", "xlsx", "-o", str(blank)]).exit_code == 0
    empty = openpyxl.load_workbook(blank)
    sheet, column = _find(empty, "website.channels.has_app")
    assert sheet.cell(_row(sheet, "fuzhou.gulou"), column).value is None
    assert "SYNTHETIC" not in str(sheet["A1"].value)
    # A blank workbook is valid input: every indicator is missing (an empty monitoring sheet is a
    # table not given, not a year without events), nothing is invented.
    data = json.loads(runner.invoke(cli, ["run", "-c", "county", "-e", str(blank), "-f", "json"]).stdout)
    assert data["statuses"]["scored"] == 0 and data["synthetic"] is False
    assert {Decimal(u["total"]) for u in data["units"]} == {0}


def _find(book, key):
    for sheet in book.worksheets:
        for row in (1, 3):
            for cell in sheet[row]:
                if cell.value == key:
                    return sheet, cell.column
    raise AssertionError(key)


def _row(sheet, code):
    return next(cell.row for cell in sheet["A"] if cell.value == code)


def test_an_assessor_fills_the_county_workbook(runner, tmp_path, county_book):
    before = json.loads(run_json(runner, "-c", "county", "-e", str(county_book)))
    book = openpyxl.load_workbook(county_book)

    def put(key, value):
        sheet, column = _find(book, key)
        sheet.cell(_row(sheet, "fuzhou.gulou"), column).value = value

    put("website.disclosure.education.points", 3)  # 教育 raised from 1.5 to its maximum
    put("website.disclosure.education.reason", "复核后内容完整")
    put("website.sites.migration.points", 0.5)  # 网站迁移 lowered from 1.25
    put("website.sites.migration.reason", "未迁移到统一平台")
    put("website.services.admin_power_guides", 100)  # context of W-L-2-3-1: 100 of 156 items with a guide
    put("website.disclosure.health.points", None)  # 医疗卫生 cleared: now missing
    put("website.disclosure.health.reason", None)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    after = json.loads(run_json(runner, "-c", "county", "-e", str(filled)))

    def unit(data):
        return next(u for u in data["units"] if u["code"] == "fuzhou.gulou")

    old = {i["code"]: i for i in unit(before)["indicators"]}
    assert [old[c]["points_2dp"] for c in ("W-L-1-1-6", "W-L-4-1-2", "W-L-2-3-1", "W-L-1-1-7")] == ["1.50", "1.25", "2.75", "2.00"]
    points = {i["code"]: i for i in unit(after)["indicators"]}
    assert points["W-L-1-1-6"]["points_2dp"] == "3.00" and points["W-L-1-1-6"]["reasons"] == ["assessor awarded 3 of 3: 复核后内容完整"]
    assert (
        points["W-L-4-1-2"]["points_2dp"] == "0.50" and points["W-L-4-1-2"]["reasons"][0] == "assessor awarded 0.5 of 1.5: 未迁移到统一平台"
    )
    assert points["W-L-2-3-1"]["points_2dp"] == "2.75"
    assert points["W-L-2-3-1"]["reasons"][1] == "context (not scored): 行政权力事项 with a published guide: 100 of 156"
    assert points["W-L-1-1-7"]["status"] == "missing" and points["W-L-1-1-7"]["points_2dp"] == "0.00"
    assert points["W-L-1-1-7"]["missing"] == ["website.disclosure.health"]
    assert Decimal(unit(after)["total"]) == Decimal(unit(before)["total"]) + Decimal("1.5") - Decimal("0.75") - 2
    assert after["statuses"]["missing"] == before["statuses"]["missing"] + 1
    # Other units are untouched.
    assert unit(before) != unit(after) and before["units"][0] == next(
        u for u in after["units"] if u["code"] == before["units"][0]["code"]
    ) | {"rank": before["units"][0]["rank"]}


def test_every_problem_in_the_workbook_is_listed_at_once(runner, tmp_path, county_book):
    book = openpyxl.load_workbook(county_book)
    sheet, has_app = _find(book, "website.channels.has_app")
    gulou = _row(sheet, "fuzhou.gulou")
    sheet.cell(gulou, has_app).value = "也许"
    grade_sheet, points = _find(book, "website.disclosure.education.points")
    grade_sheet.cell(_row(grade_sheet, "fuzhou.taijiang"), points).value = 4  # above the maximum 3
    grade_sheet.cell(_row(grade_sheet, "fuzhou.cangshan"), points + 1).value = None  # points without a reason
    grade_sheet.cell(_row(grade_sheet, "fuzhou.mawei"), 1).value = "fuzhou.mawie"
    services, items = _find(book, "website.services.admin_power_items")
    services.cell(3, items).value = "website.services.admin_power_itms"
    letters = book["website_letters"]
    letters.cell(2, 2).value = "2017-13-01"
    letters.cell(3, 3).value = datetime.date(2016, 1, 1)  # replied before it was received
    sites, migrated = _find(book, "website.sites.migrated")
    _, in_scope = _find(book, "website.sites.migration_in_scope")
    xiamen = _row(sites, "xiamen.siming")
    sites.cell(xiamen, migrated).value = sites.cell(xiamen, in_scope).value + 1  # more sites migrated than in scope
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    target = tmp_path / "out.json"
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(broken), "-f", "json", "-o", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert not target.exists()
    lines = result.stderr.splitlines()
    assert lines[0] == f"escore: error: {broken}: 8 problem(s) in the workbook; nothing was scored:"
    col = openpyxl.utils.get_column_letter
    expected = [
        f"  {grade_sheet.title}!A{_row(grade_sheet, 'fuzhou.mawie')}: unit: unknown unit code 'fuzhou.mawie' (did you mean 'fuzhou.mawei'?)",
        f"  {grade_sheet.title}!{col(points + 1)}{_row(grade_sheet, 'fuzhou.cangshan')}: fuzhou.cangshan 仓山区: website.disclosure.education: "
        "an assessor's grade needs both the points and the reason; the reason is empty",
        f"  {grade_sheet.title}!{col(points)}{_row(grade_sheet, 'fuzhou.taijiang')}: fuzhou.taijiang 台江区: website.disclosure.education.points: "
        "expected a number (write 0.5, not a fraction) from 0 to 3 (points), got 4",
        f"  {sheet.title}!{col(has_app)}{gulou}: fuzhou.gulou 鼓楼区: website.channels.has_app: expected true or false, got '也许' (write 是 or 否)",
        f"  {services.title}!{col(items)}3: website.services.admin_power_itms: unknown evidence key (did you mean 'website.services.admin_power_items'?)",
        "  website_letters!B2: fuzhou.gulou: received: expected a date, YYYY-MM-DD, got '2017-13-01'",
        f"  website_letters!C3: {letters.cell(3, 1).value}: replied: expected not before received ({letters.cell(3, 2).value.date()}), got 2016-01-01",
        f"  {sites.title}!{col(migrated)}{xiamen}: xiamen.siming 思明区: website.sites.migrated: expected at most "
        f"website.sites.migration_in_scope ({sites.cell(xiamen, in_scope).value}), got {sites.cell(xiamen, in_scope).value + 1}",
    ]
    assert sorted(lines[1:]) == sorted(expected)


def test_every_problem_of_a_sheet_s_layout_is_listed_once(runner, tmp_path, county_book):
    """The mistakes of a sheet's keys and rows, each named once at its cell: a grade whose other
    column is missing is named at its header, not again on each of its rows; a misspelt part of a
    grade is an unknown key with the right one suggested, not another category's field."""
    book = openpyxl.load_workbook(county_book)
    sheet, has_app = _find(book, "website.channels.has_app")
    no_unit = sheet.max_row + 1
    sheet.cell(no_unit, has_app).value = "是"  # values but no unit
    twice = sheet.max_row + 1
    sheet.cell(twice, 1).value = "fuzhou.gulou"
    grades, points = _find(book, "website.disclosure.education.points")
    grades.cell(3, points + 1).value = "website.disclosure.education.reasn"
    other = grades.max_column + 1
    grades.cell(3, other).value = "provincial.credit.items_required"
    grades.cell(3, other + 1).value = 2017
    book["website_letters"].cell(1, 1).value = "units"
    interviews = book["website_interviews"]
    interviews.cell(1, 3).value = "knd"
    book["website_summaries"].cell(1, 2).value = None  # the required column gone
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(broken), "--lang", "en"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    col = openpyxl.utils.get_column_letter
    expected = [
        f"  {sheet.title}!A{no_unit}: unit: expected a unit code: this row has values but no unit",
        f"  {sheet.title}!A{twice}: unit: unit 'fuzhou.gulou' has two rows (also row {_row(sheet, 'fuzhou.gulou')})",
        f"  {grades.title}!{col(points + 1)}3: website.disclosure.education.reasn: unknown evidence key "
        "(did you mean 'website.disclosure.education.reason'?)",
        f"  {grades.title}!{col(other)}3: provincial.credit.items_required: this field is not read by category 'county'",
        f"  {grades.title}!{col(other + 1)}3: expected a field key, got 2017",
        f"  {grades.title}!{col(points)}3: website.disclosure.education: the column website.disclosure.education.reason is missing beside this one",
        "  website_letters!A1: unit: expected 'unit' here: the first column names the unit of each event",
        "  website_interviews!C1: kind: missing column; the header has 'knd': write it kind",
        "  website_summaries!1: received: missing column (its values: a date, YYYY-MM-DD)",
    ]
    assert lines[0] == f"escore: error: {broken}: {len(expected)} problem(s) in the workbook; nothing was scored:"
    assert sorted(lines[1:]) == sorted(expected)


def test_explain_and_golden_cases_read_a_workbook(runner, tmp_path, county_book):
    explained = runner.invoke(cli, ["explain", "fuzhou.gulou", "-e", str(county_book)])
    assert explained.exit_code == 0 and explained.stdout == runner.invoke(cli, ["explain", "fuzhou.gulou"]).stdout
    # The other counties' rows are this category's, not scored by this command: no warning (one
    # per sheet had called them rows of units the category does not score).
    assert "warning" not in explained.stderr and "警告" not in explained.stderr, explained.stderr
    planned = runner.invoke(cli, ["plan", "fuzhou.gulou", "-e", str(county_book)])
    assert planned.exit_code == 0 and "warning" not in planned.stderr and "警告" not in planned.stderr, planned.stderr
    gulou = next(u for u in json.loads(run_json(runner, "-c", "county"))["units"] if u["code"] == "fuzhou.gulou")
    total, education = gulou["total"], next(i["points"] for i in gulou["indicators"] if i["code"] == "W-L-1-1-6")
    (tmp_path / "county.xlsx").write_bytes(county_book.read_bytes())
    (tmp_path / "book.golden.toml").write_text(
        f'[[case]]\nid = "from-workbook"\ncategory = "county"\nunit = "fuzhou.gulou"\nevidence = ["county.xlsx"]\n'
        f'[case.expect]\ntotal = "{total}"\nindicators = {{ "W-L-1-1-6" = "{education}" }}\n',
        encoding="utf-8",
    )
    verified = runner.invoke(cli, ["verify", str(tmp_path / "book.golden.toml")])
    assert verified.exit_code == 0, verified.output
    assert "1 passed" in verified.output and "EscoreWarning" not in verified.output


def test_results_workbook(runner, tmp_path):
    target = tmp_path / "results.xlsx"
    result = runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
    again = tmp_path / "again.xlsx"
    runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(again)])
    assert again.read_bytes() == target.read_bytes()
    data = json.loads(run_json(runner, "-c", "county"))
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["排名 ranking", "指标 indicators", "缺失证据 missing", "解释 explanations", "说明 about"]
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith("SYNTHETIC EVIDENCE")
    ranking = book["排名 ranking"]
    assert [c.value for c in ranking[2]] == [
        "排名 rank",
        "代码 code",
        "单位 unit",
        "上级 parent",
        "政府网站建设 website /100",
        "总分 total",
        "缺失 missing",
        "错误 errors",
    ]
    for row, unit in zip(ranking.iter_rows(min_row=3), data["units"]):
        rank, code, name, parent, website, total, missing, errors = (c.value for c in row)
        assert (rank, code, name, parent) == (unit["rank"], unit["code"], unit["name"], unit["parent"])
        assert website == total  # the county total is its one section
        # A number; the exact total where a double holds it, else the nearest in 16 significant digits.
        exact = Decimal(unit["total"])
        assert isinstance(total, float | int) and abs(Decimal(repr(total)) - exact) < Decimal("1e-13")
        if len(exact.as_tuple().digits) <= 15:
            assert Decimal(repr(total)) == exact
        assert row[5].number_format == "0.00"
        assert missing == sum(1 for i in unit["indicators"] if i["status"] == "missing") and errors == 0
    matrix = book["指标 indicators"]
    codes = [c.value for c in matrix[2][2:] if c.value]
    first = data["units"][0]
    assert codes == [i["code"] for i in first["indicators"]]
    shown = [Decimal(repr(matrix.cell(5, 3 + n).value)).quantize(Decimal("0.01"), "ROUND_HALF_UP") for n in range(len(codes))]
    assert shown == [Decimal(i["points_2dp"]) for i in first["indicators"]]
    assert matrix.cell(5, 3).number_format == "0.00"
    assert len(matrix.conditional_formatting) == len(codes)  # one "lost points" rule per indicator column
    rule = next(iter(matrix.conditional_formatting)).rules[0]
    assert rule.formula == ["AND(ISNUMBER(C5),C5<C$4)"]
    missing = book["缺失证据 missing"]
    rows = [[c.value for c in row[:6]] for row in missing.iter_rows(min_row=3)]
    given = "not given in the evidence"  # the reason column had been left empty
    assert rows == [
        ["fuzhou.minqing", "闽清县", "W-L-2-4-1", "办事指南准确度", "website.services.guide_accuracy", given],
        ["nanping.guangze", "光泽县", "W-L-3-2-3", "主题设计", "website.interviews.topics", given],
        ["ningde.zherong", "柘荣县", "W-L-4-1-3", "网站关停", "website.sites.closure", given],
    ]
    explanations = book["解释 explanations"]
    assert explanations.max_row == 2 + sum(len(u["indicators"]) for u in data["units"]) + sum(
        1 for u in data["units"] for v in u["vetoes"] if v["status"] != "not_applied"
    )
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx"]).exit_code == 2


def test_csv_output_starts_with_a_bom_for_excel(runner):
    out = runner.invoke(cli, ["run", "-c", "city", "-f", "csv"]).stdout_bytes
    assert out.startswith(b"\xef\xbb\xbfrank,code,name,parent,comprehensive,comprehensive_2dp,website")
    assert "福州市" in out.decode("utf-8-sig")


def test_an_empty_monitoring_sheet_is_not_a_year_without_events(runner, tmp_path, county_book):
    book = openpyxl.load_workbook(county_book)
    letters = book["website_letters"]
    letters.delete_rows(2, letters.max_row)
    empty = tmp_path / "empty.xlsx"
    book.save(empty)
    letters["A2"] = "无"
    none = tmp_path / "none.xlsx"
    book.save(none)

    def veto_1(path):  # 注1: no valid letter in the year zeroes the 咨询投诉 block
        data = json.loads(run_json(runner, "-c", "county", "-e", str(path)))
        return {v["status"] for u in data["units"] for v in u["vetoes"] if v["code"] == "W-L-V1"}

    assert veto_1(empty) == {"missing"}  # letters not given: unknown, never a silent zero or full marks
    assert veto_1(none) == {"applied"}  # no letters at all: 注1 applies to every county
    letters["A3"] = "fuzhou.gulou"
    letters["B3"] = "2017-05-01"
    both = tmp_path / "both.xlsx"
    book.save(both)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(both)])
    assert result.exit_code == 2
    assert "website_letters!A2: unit: '无' means no events at all: delete it or the event rows" in result.stderr


def test_a_workbook_of_another_category_is_refused(runner, county_book):
    result = runner.invoke(cli, ["run", "-c", "city", "-e", str(county_book)])
    assert result.exit_code == 2
    about = openpyxl.load_workbook(county_book)["说明"]
    row = next(cell.row for cell in about["A"] if cell.value == "category")
    assert result.stderr.splitlines()[1] == (
        f"  说明!B{row}: category: this workbook is for category 'county', the run is for 'city' (use --category county)"
    )


def test_workbook_problems_in_chinese(runner, tmp_path, county_book):
    book = openpyxl.load_workbook(county_book)
    sheet, has_app = _find(book, "website.channels.has_app")
    gulou = _row(sheet, "fuzhou.gulou")
    sheet.cell(gulou, has_app).value = "也许"
    grade_sheet, _points = _find(book, "website.disclosure.education.points")
    grade_sheet.cell(_row(grade_sheet, "fuzhou.mawei"), 1).value = "fuzhou.mawie"
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(broken), "--lang", "zh"])
    assert result.exit_code == 2, result.output
    col = openpyxl.utils.get_column_letter
    assert result.stderr.splitlines() == [
        f"escore：错误：{broken}: 工作簿中有 2 个问题；未进行任何评分：",
        f"  {sheet.title}!{col(has_app)}{gulou}: fuzhou.gulou 鼓楼区: website.channels.has_app: 应为 true 或 false（是/否），实际为 '也许'（请填写 是 或 否）",
        f"  {grade_sheet.title}!A{_row(grade_sheet, 'fuzhou.mawie')}: unit: 未知的单位代码“fuzhou.mawie”（是否要找“fuzhou.mawei”？）",
    ]


def test_results_workbook_comments_carry_the_reasons_up_to_a_limit(runner, tmp_path, monkeypatch):
    """A missing result's cell on 指标 carries its reason as a comment while the run has at most
    MAX_COMMENTS missing or failed results; past it the colours stay, no cell has a comment and
    the legend says where the reasons are (the sheets 缺失证据 and 解释 list every one)."""
    from escore import _xlsx_results

    def commented(path):
        matrix = openpyxl.load_workbook(path)["指标 indicators"]
        notes = {cell.coordinate: cell.comment.text for row in matrix.iter_rows(min_row=5) for cell in row if cell.comment}
        legend = [cell.value for cell in matrix[1] if cell.value]
        return notes, legend

    monkeypatch.setattr(_xlsx_results, "MAX_COMMENTS", 3)  # the county sample has 3 missing results
    at_limit = tmp_path / "at.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(at_limit), "--lang", "en"]).exit_code == 0
    notes, legend = commented(at_limit)
    assert len(notes) == 3
    assert sorted(notes.values()) == sorted(
        [
            "evidence 'website.services.guide_accuracy' was not provided in escore_fj2017_website/sample/county/units/fuzhou.minqing.toml",
            "evidence 'website.interviews.topics' was not provided in escore_fj2017_website/sample/county/units/nanping.guangze.toml",
            "evidence 'website.sites.closure' was not provided in escore_fj2017_website/sample/county/units/ningde.zherong.toml",
        ]
    ), notes
    assert legend[-1] == "not applicable"
    monkeypatch.setattr(_xlsx_results, "MAX_COMMENTS", 2)
    past = tmp_path / "past.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(past), "--lang", "en"]).exit_code == 0
    notes, legend = commented(past)
    assert notes == {}
    assert legend[-1] == "reasons: sheets 缺失证据 missing and 解释 explanations"
    fills = {
        c.coordinate
        for row in openpyxl.load_workbook(past)["指标 indicators"].iter_rows(min_row=5)
        for c in row
        if c.fill.fgColor.rgb == "FFFFE699"
    }
    assert len(fills) == 3  # still yellow


def test_results_workbook_continues_a_sheet_past_its_last_row(runner, tmp_path, monkeypatch):
    """Past a sheet's last row the explanations (and the missing evidence) go on in sheets of the
    same name numbered (2), (3), … each under the banner and the header, frozen and filtered, the
    rows in the same order as in one sheet (the limit lowered from Excel's 1,048,576)."""
    from escore import _xlsx_results

    whole = tmp_path / "whole.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(whole)]).exit_code == 0
    one = openpyxl.load_workbook(whole)
    expected = [[c.value for c in row] for row in one["解释 explanations"].iter_rows(min_row=3)]
    assert len(expected) > 2_000
    monkeypatch.setattr(_xlsx_results, "SHEET_ROWS", 1_000)
    split = tmp_path / "split.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(split)]).exit_code == 0
    book = openpyxl.load_workbook(split)
    parts = -(-len(expected) // 998)  # 1,000 rows a sheet, two of them banner and header
    names = ["解释 explanations"] + [f"解释 explanations ({n})" for n in range(2, parts + 1)]
    assert book.sheetnames == ["排名 ranking", "指标 indicators", "缺失证据 missing", *names, "说明 about"]
    rows = []
    for name in names:
        sheet = book[name]
        assert sheet["A1"].value.startswith("SYNTHETIC EVIDENCE")
        assert [c.value for c in sheet[2]] == [c.value for c in one["解释 explanations"][2]]
        assert sheet.freeze_panes == "C3" and sheet.max_row <= 1_000
        assert sheet.auto_filter.ref == f"A2:J{sheet.max_row}"
        rows += [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert rows == expected
    for name in ("排名 ranking", "指标 indicators", "缺失证据 missing", "说明 about"):  # the others as in one sheet
        assert [[c.value for c in row] for row in book[name].iter_rows()] == [[c.value for c in row] for row in one[name].iter_rows()]


def test_results_workbook_of_a_units_table_streams_the_same_bytes(runner, tmp_path):
    """A units table holding the county roster gives the pack roster's workbook byte for byte,
    in one process and in two (the detail scored again as the workbook is written)."""
    from escore._plugins import Catalog, make_plugin_manager

    units = Catalog(make_plugin_manager()).roster("fj2017", "county")
    table = tmp_path / "units.csv"
    table.write_text("code,name,parent\n" + "".join(f"{u.code},{u.name},{u.parent}\n" for u in units), encoding="utf-8")
    books = {}
    for name, extra in (("roster", []), ("table-1", ["--roster", str(table), "-j", "1"]), ("table-2", ["--roster", str(table), "-j", "2"])):
        books[name] = tmp_path / f"{name}.xlsx"
        made = runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(books[name]), *extra])
        assert made.exit_code == 0, made.stderr
    assert books["table-1"].read_bytes() == books["roster"].read_bytes()
    assert books["table-2"].read_bytes() == books["roster"].read_bytes()


def test_results_workbook_text_stays_text(tmp_path):
    """A text cell is written as text: one that starts with '=' is not a formula, an address is
    not a link, an empty text is no cell; numbers are numbers."""
    import xlsxwriter

    from escore._xlsx_results import _put

    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
    sheet = book.add_worksheet("a")
    for column, value in enumerate(["=SUM(1,2)", "https://www.fujian.gov.cn", "", None, 2.5, 3]):
        _put(sheet, 0, column, value)
    book.close()
    row = openpyxl.load_workbook(path)["a"][1]
    assert [(c.value, c.data_type) for c in row] == [
        ("=SUM(1,2)", "s"),
        ("https://www.fujian.gov.cn", "s"),
        (None, "n"),
        (None, "n"),
        (2.5, "n"),
        (3, "n"),
    ]
    assert all(c.hyperlink is None for c in row)


def test_results_workbook_opens_in_libreoffice(runner, tmp_path):
    """LibreOffice Calc reads the results workbook: every sheet, converted to CSV by it, holds the
    values openpyxl reads (numbers as Calc shows them, to two decimals where so formatted)."""
    import csv
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install -y libreoffice-calc-nogui); not part of .ci/run: too heavy")
    book = tmp_path / "results.xlsx"
    assert runner.invoke(cli, ["run", "-c", "city", "-f", "xlsx", "-o", str(book), "--lang", "en"]).exit_code == 0
    converted = tmp_path / "csv"
    # Every sheet to its own CSV file (the 12th token, -1), UTF-8 (76), each cell as shown (the 9th, true).
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    libreoffice_convert(soffice, tmp_path, options, converted, book)
    ours = openpyxl.load_workbook(book)
    for sheet in ours.worksheets:
        with open(converted / f"results-{sheet.title}.csv", encoding="utf-8", newline="") as handle:
            shown = [row for row in csv.reader(handle)]
        expected = []
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                if cell.value is None:
                    cells.append("")
                elif isinstance(cell.value, str):
                    cells.append(cell.value)
                elif cell.number_format == "0.00":  # Calc rounds the decimal it shows half up, as the JSON's _2dp
                    cells.append(str(Decimal(repr(cell.value)).quantize(Decimal("0.01"), "ROUND_HALF_UP")))
                else:
                    cells.append(str(cell.value))
            expected.append(cells)
        width = max(len(row) for row in expected)
        assert [row + [""] * (width - len(row)) for row in shown] == [row + [""] * (width - len(row)) for row in expected], sheet.title


def test_text_a_workbook_cannot_hold_is_listed_not_a_traceback(runner, tmp_path):
    """TOML and CSV evidence may hold control characters; a workbook cell cannot. Pre-filling
    the template lists every such text by unit and field (exit 2, no file), rather than
    stopping half-way with openpyxl's error or dropping the character without a word."""
    import shutil
    from pathlib import Path

    import escore_fj2017_city

    evidence = tmp_path / "city"
    shutil.copytree(Path(escore_fj2017_city.__file__).parent / "sample" / "city", evidence)
    unit = evidence / "units" / "longyan.toml"
    text = unit.read_text(encoding="utf-8")
    assert 'coverage = { points = 4, reason = "' in text
    unit.write_text(
        text.replace('coverage = { points = 4, reason = "', 'coverage = { points = 4, reason = "bell\\u0007 ', 1), encoding="utf-8"
    )
    with open(evidence / "monitoring" / "city_mlps_findings.csv", "a", encoding="utf-8") as table:
        table.write("fuzhou,2017-10-21,系统\x01A,,测评未通过且未整改\n")
    lines = (evidence / "monitoring" / "city_mlps_findings.csv").read_text(encoding="utf-8").count("\n")

    scored = runner.invoke(cli, ["run", "-c", "city", "-e", str(evidence), "-f", "csv"])
    assert scored.exit_code == 0, scored.output  # scoring reads such text as any other
    book = tmp_path / "city.xlsx"
    result = runner.invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-e", str(evidence), "-o", str(book), "--lang", "en"])
    assert result.exit_code == 2 and not book.exists()
    assert result.stderr.splitlines() == [
        f"escore: error: {evidence}: text that a workbook cell cannot hold",
        "  longyan · city.credit.coverage.reason: U+0007 at character 5 is a control character, which a workbook cell cannot hold",
        f"  table city_mlps_findings, line {lines} · system: U+0001 at character 3 is a control character, which a workbook cell cannot hold",
    ]


def test_an_error_cell_or_an_uncalculated_formula_is_a_problem_not_an_empty_cell(runner, tmp_path, county_book):
    """calamine reads #N/A and a formula without a stored value as an empty cell: in a monitoring
    sheet that changed a score without a word. Each is listed at its cell; a formula with its
    value stored (as Excel and LibreOffice save it) is read as that value."""
    import zipfile

    book = openpyxl.load_workbook(county_book)
    letters = book["website_letters"]
    letters.cell(2, 3).value = "#N/A"  # openpyxl stores an Excel error code as an error cell
    grade_sheet, points = _find(book, "website.disclosure.education.points")
    gulou = _row(grade_sheet, "fuzhou.gulou")
    grade_sheet.cell(gulou, points).value = "=1/0"
    services, guides = _find(book, "website.services.admin_power_guides")
    services.cell(_row(services, "fuzhou.gulou"), guides).value = "=50+50"
    broken = tmp_path / "formulas.xlsx"
    book.save(broken)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(broken), "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""
    col = openpyxl.utils.get_column_letter
    never = "a formula that was never calculated; open the workbook in Excel or LibreOffice and save it"
    assert sorted(result.stderr.splitlines()[1:4]) == sorted(
        [
            "  website_letters!C2: fuzhou.gulou: replied: the cell shows the error #N/A, not a value; correct the cell or its formula",
            f"  {grade_sheet.title}!{col(points)}{gulou}: fuzhou.gulou 鼓楼区: website.disclosure.education.points: {never}",
            f"  {services.title}!{col(guides)}{_row(services, 'fuzhou.gulou')}: fuzhou.gulou 鼓楼区: "
            f"website.services.admin_power_guides: {never}",
        ]
    )

    # The same workbook as a spreadsheet saves it: each formula's value stored beside it.
    book = openpyxl.load_workbook(county_book)
    services, guides = _find(book, "website.services.admin_power_guides")
    services.cell(_row(services, "fuzhou.gulou"), guides).value = "=50+50"
    plain = openpyxl.load_workbook(county_book)
    plain_services, _ = _find(plain, "website.services.admin_power_guides")
    plain_services.cell(_row(plain_services, "fuzhou.gulou"), guides).value = 100
    typed, formula, calculated = tmp_path / "typed.xlsx", tmp_path / "formula.xlsx", tmp_path / "calculated.xlsx"
    plain.save(typed)
    book.save(formula)
    with zipfile.ZipFile(formula) as source, zipfile.ZipFile(calculated, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if b"<f>50+50</f>" in data:
                data = data.replace(b"<f>50+50</f><v />", b"<f>50+50</f><v>100</v>")
                assert b"<v>100</v>" in data
            target.writestr(item, data)
    from_calculated = json.loads(run_json(runner, "-c", "county", "-e", str(calculated)))
    gulou_unit = next(u for u in from_calculated["units"] if u["code"] == "fuzhou.gulou")
    context = next(i for i in gulou_unit["indicators"] if i["code"] == "W-L-2-3-1")["reasons"][1]
    assert context == "context (not scored): 行政权力事项 with a published guide: 100 of 156"
    assert without_paths(run_json(runner, "-c", "county", "-e", str(calculated))) == without_paths(
        run_json(runner, "-c", "county", "-e", str(typed))
    )


def test_a_name_beside_another_unit_s_code_is_a_problem(runner, tmp_path, county_book, monkeypatch):
    """A column sorted on its own puts each name beside another unit's code: the values then
    belong to whichever unit the code says, and no number showed it. The roster's name, a longer
    or shorter form of it, or no name are accepted; another unit's name is listed, cell by cell."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    sheet = book["website"]
    rows = {sheet.cell(row, 1).value: row for row in range(4, sheet.max_row + 1)}
    gulou, cangshan = rows["fuzhou.gulou"], rows["fuzhou.cangshan"]
    sheet.cell(gulou, 2).value, sheet.cell(cangshan, 2).value = "仓山区", "鼓楼区"
    sheet.cell(rows["fuzhou.changle"], 2).value = "福州市长乐区"  # a longer form of its name
    sheet.cell(rows["fuzhou.fuqing"], 2).value = None  # no name
    swapped = tmp_path / "swapped.xlsx"
    book.save(swapped)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(swapped), "-f", "csv", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "escore: error: " + str(swapped) + ": 2 problem(s) in the workbook; nothing was scored:"
    assert lines[1:] == [
        f"  website!B{cangshan}: name: unit fuzhou.cangshan is 仓山区 in the roster, but this row names 鼓楼区: was a column "
        "sorted on its own? Put each code beside its unit's values again (or clear the name)",
        f"  website!B{gulou}: name: unit fuzhou.gulou is 鼓楼区 in the roster, but this row names 仓山区: was a column "
        "sorted on its own? Put each code beside its unit's values again (or clear the name)",
    ]
    assert not (tmp_path / "out.csv").exists()
    sheet.cell(gulou, 2).value, sheet.cell(cangshan, 2).value = "鼓楼", "仓山区"  # a shorter form, and the roster's
    book.save(swapped)
    assert runner.invoke(cli, ["run", "-c", "county", "-e", str(swapped), "-f", "csv", "-o", str(tmp_path / "out.csv")]).exit_code == 0


def test_a_parent_other_than_the_roster_s_is_a_problem(runner, tmp_path, county_book, monkeypatch):
    """Column C names each unit's parent, but only the roster decides where a county rolls up:
    a parent typed there had been accepted and ignored. The roster's parent by code or by name,
    or an empty cell, are accepted; another parent is listed by its cell."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    sheet = book["website"]
    rows = {sheet.cell(row, 1).value: row for row in range(4, sheet.max_row + 1)}
    assert sheet.cell(rows["fuzhou.gulou"], 3).value == "fuzhou"  # as the template writes it
    sheet.cell(rows["fuzhou.gulou"], 3).value = "xiamen"
    sheet.cell(rows["fuzhou.cangshan"], 3).value = "福州市"  # the parent's name
    sheet.cell(rows["fuzhou.changle"], 3).value = None  # no parent given
    moved = tmp_path / "moved.xlsx"
    book.save(moved)
    out = tmp_path / "out.csv"
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(moved), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "escore: error: " + str(moved) + ": 1 problem(s) in the workbook; nothing was scored:",
        f"  website!C{rows['fuzhou.gulou']}: parent: unit fuzhou.gulou belongs to fuzhou 福州市 in the roster, but this row "
        "names xiamen: a unit's parent is the roster's (change the roster to move it), so give fuzhou here or clear the cell",
    ]
    assert not out.exists()
    sheet.cell(rows["fuzhou.gulou"], 3).value = "福州"  # a shorter form of the parent's name
    book.save(moved)
    assert runner.invoke(cli, ["run", "-c", "county", "-e", str(moved), "-f", "csv", "-o", str(out)]).exit_code == 0


def test_a_workbook_named_in_capitals_is_read(runner, tmp_path, county_book):
    """BOOK.XLSX (as some systems save it) was taken for a unit file: 'no evidence loader for
    '.XLSX' unit files; known: .toml', which did not say workbooks are read at all."""
    capitals = tmp_path / "COUNTY.XLSX"
    capitals.write_bytes(county_book.read_bytes())
    assert without_paths(run_json(runner, "-c", "county", "-e", str(capitals))) == without_paths(
        run_json(runner, "-c", "county", "-e", str(county_book))
    )
    old_format = tmp_path / "county.xls"
    old_format.write_bytes(county_book.read_bytes())
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(old_format), "--lang", "en"])
    assert result.exit_code == 2
    assert "no evidence loader for '.xls' unit files; known: .toml; workbooks: .ods, .xlsx" in result.stderr


def test_a_sample_workbook_stays_synthetic_without_its_about_sheet(runner, tmp_path, county_book, monkeypatch):
    """Deleting 说明 (where the synthetic flag is read) made the sample's results real: no banner,
    'synthetic' no. The sheets' own banners say it is sample data."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    del book["说明"]
    bare = tmp_path / "bare.xlsx"
    book.save(bare)
    data = json.loads(run_json(runner, "-c", "county", "-e", str(bare)))
    assert data["synthetic"] is True


def test_a_column_added_to_a_monitoring_sheet_is_named_not_the_banner(runner, tmp_path, county_book, monkeypatch):
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    book["website_letters"]["E1"] = "备注"
    extra = tmp_path / "extra.xlsx"
    book.save(extra)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(extra)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1:] == ["  website_letters!E1: 备注: unknown column (expected: unit, received, replied, subject)"]


def test_a_date_decades_away_is_listed_with_the_workbook_s_other_problems(runner, tmp_path, county_book, monkeypatch):
    """A swapped year was reported alone, after every other problem of the workbook was mended:
    the assessor had to fix and run twice."""
    import datetime as dt

    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    summaries = book["website_summaries"]
    unit = summaries["A13"].value
    summaries["B13"] = dt.datetime(2071, 11, 13)
    book["办事服务(24)"]["F6"] = 500
    both = tmp_path / "both.xlsx"
    book.save(both)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(both)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].endswith("2 problem(s) in the workbook; nothing was scored:")
    assert lines[1].startswith("  办事服务(24)!F6: fuzhou.fuqing 福清市: website.services.admin_power_guides: expected at most")
    assert lines[2] == (
        f"  website_summaries!13:13: {unit}: received: expected a date from 2007-01-01 to 2027-12-31 "
        "(10 years around 2017, the year fj2017 assesses), got 2071-11-13; is a digit of the year swapped?"
    )


def test_a_diff_of_two_workbooks_names_only_the_units_that_changed(runner, tmp_path, county_book, monkeypatch):
    """Units whose evidence is missing explain it 'not provided in BOOK.xlsx': two workbooks gave
    two texts, and every such unit was counted as changed (4 of 83 for one grade changed)."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    sheet = book["展示规范"]
    keys = [cell.value for cell in sheet[3]]
    column = next(i for i, key in enumerate(keys, start=1) if isinstance(key, str) and key.endswith(".points"))
    row = next(r for r in range(4, sheet.max_row + 1) if sheet.cell(r, 1).value == "fuzhou.fuqing")
    sheet.cell(row, column).value = 0
    before, after = tmp_path / "before.xlsx", tmp_path / "after.xlsx"
    before.write_bytes(county_book.read_bytes())
    book.save(after)
    diff = json.loads(ok_stdout(runner.invoke(cli, ["diff", str(before), str(after), "-c", "county", "-f", "json"])))
    assert [u["code"] for u in diff["units"] if u["indicators"] or u["delta"] != "0"] == ["fuzhou.fuqing"]


def ok_stdout(result):
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_long_list_of_problems_ends_in_the_run_s_language(runner, county_book, monkeypatch):
    """The same workbook given twice: every unit's second row, over the 200 listed; the count of
    the rest was English in Chinese output."""
    monkeypatch.setenv("ESCORE_LANG", "zh")
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(county_book), "-e", str(county_book)])
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("  ……另有 ") and last.endswith(" 项"), last


def test_a_row_that_contradicts_itself_is_named_by_its_cell(runner, tmp_path, county_book, monkeypatch):
    """'website_letters!2:2: fuzhou.gulou: replied: …' named a whole row; every other problem names its cell."""
    import datetime as dt

    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    letters = book["website_letters"]
    unit, received = letters["A2"].value, letters["B2"].value
    letters["C2"] = dt.datetime(2016, 12, 1)
    early = tmp_path / "early.xlsx"
    book.save(early)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(early)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1] == (
        f"  website_letters!C2: {unit}: replied: expected not before received ({received.date().isoformat()}), got 2016-12-01"
    )


def test_an_interrupted_results_workbook_leaves_no_temporary_files(runner, tmp_path, monkeypatch):
    """XlsxWriter keeps a large book's rows in temporary files until it closes the book; a
    write interrupted (Ctrl-C) had left them in $TMPDIR, megabytes each at thousands of units."""
    import tempfile

    from escore import _xlsx_results

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def interrupted(self, about):
        assert any(scratch.rglob("*")), "the rows were not in temporary files: the test proves nothing"
        raise KeyboardInterrupt

    monkeypatch.setattr(_xlsx_results._ResultSheets, "about", interrupted)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(cli, ["run", "-c", "city", "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 130, result.output
    assert not out.exists()
    assert list(scratch.rglob("*")) == []


def test_a_workbook_row_of_a_unit_the_units_table_leaves_out_is_a_problem(runner, tmp_path, county_book):
    """A units table without one of the pack's counties, over the workbook that holds it: each of
    the county's rows is a problem naming the table (it had been skipped: the county left the
    ranking without a word)."""
    from escore._plugins import Catalog, make_plugin_manager

    units = [u for u in Catalog(make_plugin_manager()).roster("fj2017", "county") if u.code != "fuzhou.gulou"]
    table = tmp_path / "units.csv"
    table.write_text("code,name,parent\n" + "".join(f"{u.code},{u.name},{u.parent}\n" for u in units), encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "county", "--roster", str(table), "-e", str(county_book), "--lang", "en"])
    assert result.exit_code == 2
    gulou = _row(openpyxl.load_workbook(county_book)["website"], "fuzhou.gulou")
    assert (
        f"  website!A{gulou}: unit: unit 'fuzhou.gulou' is not in the units table units.csv (it is one of the pack's county"
        " units: add it to the table to score it, or leave its rows out of the evidence)\n"
    ) in result.stderr
    assert "did you mean" not in result.stderr


MERGED = (
    "merged cells: the value is held in the first cell ({0}) only, and the others are read as empty; "
    "unmerge the cells and give each its value"
)


def test_a_merged_range_over_cells_read_is_a_problem(runner, tmp_path, county_book, monkeypatch):
    """Excel keeps a merged range's value in its first cell only: a reply date merged over two
    letters read the second as unanswered (a veto, 74 → 68, exit 0), and a monitoring date merged
    down a column was missing evidence for every unit but the first. A range above the keys or
    beyond the last one is decoration, not read."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    letters = book["website_letters"]
    letters["C3"] = letters["C2"].value
    letters.merge_cells("C2:C3")
    letters.merge_cells("F1:H1")  # the banner, beyond the header
    sheet, column = _find(book, "website.monitoring_date")
    col = openpyxl.utils.get_column_letter(column)
    sheet.merge_cells(f"{col}4:{col}{sheet.max_row}")
    sheet.merge_cells("A1:C1")  # above the row of keys
    gulou = _row(sheet, "fuzhou.gulou")
    sheet.merge_cells(f"B{gulou}:C{gulou}")  # a unit's name over its parent
    merged = tmp_path / "merged.xlsx"
    book.save(merged)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(merged), "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[1:] == [
        f"  {sheet.title}!{col}4:{col}{sheet.max_row}: website.monitoring_date: {MERGED.format(f'{col}4')}",
        f"  {sheet.title}!B{gulou}:C{gulou}: fuzhou.gulou 鼓楼区: {MERGED.format(f'B{gulou}')}",
        f"  website_letters!C2:C3: replied: {MERGED.format('C2')}",
    ]


def test_an_ods_file_s_error_percentage_and_merged_cells_are_problems(runner, tmp_path, county_book, monkeypatch):
    """calamine reads an .ods file's #DIV/0! as an empty cell, a cell showing 75% as 0.75 and the
    cells a merged range covers as empty, and gives no merged ranges: the .xlsx file was refused,
    the same workbook saved as .ods scored. Both are refused with the same problems."""
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install -y libreoffice-calc-nogui); not part of .ci/run: too heavy")
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    letters = book["website_letters"]
    letters["C3"] = "#DIV/0!"  # openpyxl stores an Excel error code as an error cell
    letters["C5"] = letters["C4"].value
    letters.merge_cells("C4:C5")
    services = book["办事服务(24)"]
    services["D4"].value, services["D4"].number_format = 0.75, "0%"
    unit = f"{services['A4'].value} {services['B4'].value}"
    key = services["D3"].value
    xlsx = tmp_path / "county.xlsx"
    book.save(xlsx)
    libreoffice_convert(soffice, tmp_path, "ods", tmp_path, xlsx)
    expected = [
        f"  办事服务(24)!D4: {unit}: {key}: the cell is formatted as a percentage: it shows 75% where it holds 0.75; "
        "type the number meant (75 for 75%, or 0.75) in a cell formatted as a number",
        "  website_letters!C3: fuzhou.gulou: replied: the cell shows the error #DIV/0!, not a value; correct the cell or its formula",
        f"  website_letters!C4:C5: replied: {MERGED.format('C4')}",
    ]
    for path in (xlsx, tmp_path / "county.ods"):
        result = runner.invoke(cli, ["run", "-c", "county", "-e", str(path), "-f", "csv"])
        assert result.exit_code == 2 and result.stdout == "", path
        assert result.stderr.splitlines()[1:] == expected, path


def test_an_ods_file_s_cells_are_found_through_repeated_rows_and_columns(tmp_path):
    """content.xml writes a run of like cells or rows once, with its count: each problem is placed
    at its own cell. An error is known by its calcext type or, from another program, by the text a
    formula shows (Err:502); a comment's paragraphs are not the cell's text."""
    import zipfile

    from escore._xlsx_evidence import PERCENT, CellError, ods_problems

    content = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"><office:body><office:spreadsheet>
<table:table table:name="plain"><table:table-row><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>
</table:table-cell></table:table-row></table:table>
<table:table table:name="t">
 <table:table-header-rows><table:table-row><table:table-cell table:number-columns-repeated="3"/>
  <table:table-cell table:formula="of:=[.A9]" office:value-type="string" office:string-value=""><office:annotation>
  <text:p>#N/A</text:p></office:annotation><text:p>Err:502</text:p></table:table-cell></table:table-row></table:table-header-rows>
 <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="2"
  table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>
  </table:table-cell><table:table-cell office:value-type="percentage" office:value="0.955"><text:p>95.5%</text:p></table:table-cell>
 </table:table-row>
 <table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>#REF!</text:p></office:annotation>
  <text:p>#REF!</text:p></table:table-cell><table:table-cell table:formula="of:=[.A1]"/>
  <table:table-cell office:value-type="float" office:value="3" table:number-rows-spanned="2" table:number-columns-spanned="2">
  <text:p>3</text:p></table:table-cell><table:covered-table-cell/></table:table-row>
 <table:table-row><table:covered-table-cell table:number-columns-repeated="4"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""
    path = tmp_path / "book.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    cells, merged = ods_problems(path)
    assert cells == {
        "t": {
            (0, 3): CellError("Err:502"),
            (1, 0): CellError("#DIV/0!"),
            (1, 1): CellError("#DIV/0!"),
            (1, 2): CellError(PERCENT, "0.955", "95.5%"),
            (2, 0): CellError("#DIV/0!"),
            (2, 1): CellError("#DIV/0!"),
            (2, 2): CellError(PERCENT, "0.955", "95.5%"),
            (3, 1): CellError(""),
        }
    }
    assert merged == {"t": [((3, 2), (4, 3))]}
    assert CellError(PERCENT, "0.955", "95.5%").describe() == (
        "the cell is formatted as a percentage: it shows 95.5% where it holds 0.955; "
        "type the number meant (95.5 for 95.5%, or 0.955) in a cell formatted as a number"
    )


def test_a_renamed_monitoring_sheet_is_one_problem_naming_its_table(runner, tmp_path, county_book, monkeypatch):
    """A monitoring sheet is known by its name: renamed, it was read as a sheet of fields, 65
    problems of unknown keys, names and units with two rows. Its row of keys names the table meant
    (by the sheet's name among tables of the same columns, else all of them)."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    book = openpyxl.load_workbook(county_book)
    book["website_notices"].title = "notices"
    book["website_interviews"].title = "访谈"  # the same columns as website_solicitations
    renamed = tmp_path / "renamed.xlsx"
    book.save(renamed)
    result = runner.invoke(cli, ["run", "-c", "county", "-e", str(renamed), "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""
    known = "the sheet's row of keys is a monitoring table's, and a monitoring sheet is known by its name; name the sheet after its table"
    assert result.stderr.splitlines()[1:] == [
        f"  访谈!A1: unknown monitoring table '访谈': {known} (expected one of: website_interviews, website_solicitations)",
        f"  notices!A1: unknown monitoring table 'notices': {known} (did you mean 'website_notices'?)",
    ]


def test_results_workbook_marks_a_text_cut_at_a_cells_limit(runner, tmp_path):
    """A 40,000-character reason ended mid-text at Excel's 32,767 characters, unmarked: the cell
    ends with a note saying where the whole is, 说明 names the cell and stderr says so."""
    import shutil

    from .conftest import DEMO

    evidence = tmp_path / "evidence"
    shutil.copytree(DEMO / "escore_demo" / "sample", evidence)
    east = evidence / "units" / "east.toml"
    reason = "甲" * 20_000 + "乙" * 20_000
    east.write_text(east.read_text(encoding="utf-8").replace('reason = "exemplary"', f'reason = "{reason}"'), encoding="utf-8")
    target = tmp_path / "results.xlsx"
    env = {"ESCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "ESCORE_PLUGINS": "escore_demo.plugin"}
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "xlsx", "-o", str(target), "--lang", "zh"], env=env)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    rows = list(book["解释 explanations"].iter_rows(min_row=3))
    [row] = [r for r in rows if r[8].value and "甲" in r[8].value]
    note = "… [已截断于单元格所能容纳的 32,767 个字符；全文见 -f json 与 escore explain]"
    text = row[8].value
    assert len(text) == 32_767 and text.endswith(note)
    assert text.startswith("评估人员评分 4（满分 4）：甲") and text[: -len(note)].endswith("乙")
    about = {r[0].value: r[1].value for r in book["说明 about"].iter_rows(min_row=3)}
    assert about["截断的文本"] == f"1 段文本超过单元格所能容纳的 32,767 个字符而被截断，各以说明结尾：'解释 explanations'!I{row[8].row}"
    assert "escore：警告：结果工作簿：1 段文本超过" in result.stderr and "全文见 -f json 与 escore explain" in result.stderr
    # Whole in JSON.
    data = json.loads(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json"], env=env).stdout)
    reasons = [r for u in data["units"] for i in u["indicators"] for r in i["reasons"] if "甲" in r]
    assert len(reasons) == 1 and reasons[0].endswith(reason)


def test_results_workbook_leaves_the_points_of_a_result_that_does_not_apply_blank(runner, tmp_path):
    """解释 showed 0.00 points for 不适用 (P-1-1-A-1 of 安监局), as if scored 0; 指标 and every
    other output leave them out."""
    target = tmp_path / "results.xlsx"
    assert runner.invoke(cli, ["run", "-c", "provincial", "-f", "xlsx", "-o", str(target), "--lang", "zh"]).exit_code == 0
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(target)["解释 explanations"].iter_rows(min_row=3)]
    row = next(r for r in rows if r[0] == "prov.ajj" and r[2] == "P-1-1-A-1")
    assert row[:8] == ["prov.ajj", "安监局", "P-1-1-A-1", "编制迁移方案", "不适用", None, 3, None]
    assert all(r[5] is None for r in rows if r[4] == "不适用") and any(r[4] == "不适用" for r in rows)
    assert all(r[5] is not None for r in rows if r[4] in ("已评分", "缺少证据"))


def test_results_workbook_of_a_selection_says_so_on_its_ranking(runner, tmp_path):
    """run -k … -f xlsx: the ranking's totals count only the selected indicators; the 说明 sheet
    said so, the ranking sheet read as the whole ranking."""
    target = tmp_path / "results.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-k", "W-L-1", "-f", "xlsx", "-o", str(target), "--lang", "zh"]).exit_code == 0
    book = openpyxl.load_workbook(target)
    assert book["排名 ranking"]["A1"].value == (
        "合成数据：演示用的虚构样本，并非真实考核结果 · 排名 ranking · 选择：-k 'W-L-1'（39 项指标中的 14 项；总分只计这些指标）"
    )
    whole = tmp_path / "whole.xlsx"
    assert runner.invoke(cli, ["run", "-c", "county", "-f", "xlsx", "-o", str(whole), "--lang", "zh"]).exit_code == 0
    assert openpyxl.load_workbook(whole)["排名 ranking"]["A1"].value == "合成数据：演示用的虚构样本，并非真实考核结果 · 排名 ranking"


def test_a_value_given_twice_names_where_it_was_given_first(runner, tmp_path, monkeypatch):
    """A field in a unit file and in a workbook (either order, or a workbook given twice) named
    the other place as 'another evidence path' or the whole workbook, and a table's rows read
    before the workbook by the table's name alone: each is named by its file, sheet and cell."""
    import shutil

    import escore_fj2017_city

    monkeypatch.setenv("ESCORE_LANG", "en")
    evidence = tmp_path / "ev"
    shutil.copytree(__import__("pathlib").Path(escore_fj2017_city.__file__).parent / "sample" / "city", evidence)
    book = tmp_path / "city.xlsx"
    made = runner.invoke(cli, ["template", "-c", "city", "-f", "xlsx", "--evidence-from-sample", "-o", str(book)])
    assert made.exit_code == 0, made.output

    result = runner.invoke(cli, ["run", "-c", "city", "-e", str(evidence), "-e", str(book)])
    assert result.exit_code == 2
    assert f": fuzhou 福州市: city.platforms.iot: given twice (also in {evidence / 'units' / 'fuzhou.toml'})\n" in result.stderr
    assert f"fuzhou.minhou has 4 (rows {evidence / 'monitoring' / 'city_video_incidents.csv'}:5, " in result.stderr

    result = runner.invoke(cli, ["run", "-c", "city", "-e", str(book), "-e", str(evidence)])
    assert result.exit_code == 2
    cell = re.search(rf"city\.platforms\.iot: given twice \(also in {re.escape(str(book))}: ([^!]+)!H4: fuzhou 福州市\)$", result.stderr)
    assert cell is not None, result.stderr
    sheet = cell.group(1)

    result = runner.invoke(cli, ["run", "-c", "city", "-e", str(book), "-e", str(book)])
    assert result.exit_code == 2
    assert f"  {sheet}!H4: fuzhou 福州市: city.platforms.iot: given twice (also in {book}: {sheet}!H4: fuzhou 福州市)\n" in result.stderr


def _shared_evidence_folder(folder):
    """One evidence folder holding every category's sample evidence, as an office keeps it: each
    unit's file and each monitoring table once, the packs' parts of them joined."""
    import importlib

    (folder / "units").mkdir(parents=True)
    (folder / "monitoring").mkdir()
    for pack in ("escore_fj2017_provincial", "escore_fj2017_city", "escore_fj2017_website"):
        sample = importlib.import_module(pack).__file__
        assert sample is not None
        for category in sorted((Path(sample).parent / "sample").iterdir()):
            for unit_file in sorted((category / "units").iterdir()):
                target = folder / "units" / unit_file.name
                target.write_text((target.read_text("utf-8") + "\n" if target.exists() else "") + unit_file.read_text("utf-8"), "utf-8")
            for table in sorted((category / "monitoring").iterdir()):
                target = folder / "monitoring" / table.name
                lines = table.read_text("utf-8").splitlines(keepends=True)
                target.write_text(target.read_text("utf-8") + "".join(lines[1:]) if target.exists() else "".join(lines), "utf-8")
    return folder


@pytest.mark.parametrize("category", ["county", "city", "provincial"])
def test_a_template_from_a_shared_evidence_folder_carries_only_the_rows_its_run_scores(runner, tmp_path, category):
    shared = _shared_evidence_folder(tmp_path / "shared")
    book = tmp_path / f"{category}.xlsx"
    made = runner.invoke(cli, ["template", "-c", category, "-f", "xlsx", "-e", str(shared), "-o", str(book), "--lang", "en"])
    assert made.exit_code == 0, made.output
    sheets = openpyxl.load_workbook(book)
    codes = {name: {row[0] for row in sheets[name].iter_rows(min_row=2, values_only=True) if row[0]} for name in sheets.sheetnames}
    if category == "city":
        # A website table is read by each category for its own units: no county's row in the city's workbook ...
        assert codes["website_letters"] and all("." not in code for code in codes["website_letters"]), codes["website_letters"]
        assert {"fuzhou", "xiamen"} <= codes["website_letters"]
        # ... while a county's video incidents roll up into its city and stay.
        assert "fuzhou.gulou" in codes["city_video_incidents"]
    from_book = runner.invoke(cli, ["run", "-c", category, "-f", "json", "-e", str(book), "--lang", "en"])
    assert from_book.exit_code == 0, from_book.stderr
    assert "warning" not in from_book.stderr, from_book.stderr
    from_folder = runner.invoke(cli, ["run", "-c", category, "-f", "json", "-e", str(shared), "--lang", "en"])
    assert without_paths(from_book.stdout) == without_paths(from_folder.stdout)
