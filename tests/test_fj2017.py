"""The three fj2017 packs together, through the command line a user types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import ROOT

pytest.importorskip("escore_fj2017_website")
pytest.importorskip("escore_fj2017_city")
pytest.importorskip("escore_fj2017_provincial")


@pytest.fixture
def runner(monkeypatch):
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS", "ESCORE_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.mark.parametrize(
    ("category", "units", "sections"),
    [("provincial", 38, ["comprehensive", "website"]), ("city", 10, ["comprehensive", "website"]), ("county", 83, ["website"])],
)
def test_each_category_ranks_its_units_on_the_synthetic_sample(runner, category, units, sections):
    first = runner.invoke(cli, ["run", "-c", category, "-f", "json", "--ruleset", "fj2017"])
    second = runner.invoke(cli, ["run", "-c", category, "-f", "json", "--ruleset", "fj2017"])
    assert first.exit_code == 0, first.stderr
    assert first.stdout == second.stdout  # same packs, same evidence: byte-identical
    data = json.loads(first.stdout)
    assert (data["ruleset"], data["year"], data["synthetic"]) == ("fj2017", 2017, True)
    assert len(data["units"]) == units
    assert [s["name"] for s in data["units"][0]["sections"]] == sections
    totals = [u["total"] for u in data["units"]]
    assert len(set(totals)) > units // 2  # the ranking is not flat
    assert data["units"][0]["rank"] == 1


def test_weights_and_maxima_of_the_notice(runner):
    expected = {
        "provincial": {"comprehensive": ("65", "65"), "website": ("35", "100")},
        "city": {"comprehensive": ("70", "70"), "website": ("30", "100")},
        "county": {"website": ("100", "100")},
    }
    for category, sections in expected.items():
        data = json.loads(runner.invoke(cli, ["list", "-c", category, "-f", "json", "--ruleset", "fj2017"]).stdout)
        assert {s["name"]: (s["weight"], s["raw_max"]) for s in data["sections"]} == sections
    city = json.loads(runner.invoke(cli, ["list", "-c", "city", "-f", "json", "--ruleset", "fj2017"]).stdout)
    catalogue = next(n for s in city["sections"] for n in s["nodes"] if n["code"] == "C-2-3")
    assert (catalogue["max"], catalogue["counted"]) == ("10", False)


def test_table_l_cites_the_clause_of_each_category_s_column(runner):
    """Table L's two columns are two categories' website sections: 30 of a city's points (clause
    (一)), all 100 of a county's (clause (二)); the city's had cited the county clause."""
    expected = {
        "city": (
            "（一）设区市政府、平潭综合实验区管委会：综合应用（70分）＋政府网站建设（30分）。",
            "Table L's city column totals 100 and counts ×0.30: 政府网站建设 is 30 of a city's 100 points.",
            "表L 市列合计 100 分，按 ×0.30 计入：政府网站建设占设区市 100 分中的 30 分。",
        ),
        "county": (
            "（二）县（市、区）政府：政府网站建设（100分）。",
            "Table L's county column totals 100 and counts ×1.00: 政府网站建设 is all 100 of a county's points.",
            "表L 县列合计 100 分，按 ×1.00 计入：政府网站建设即县（市、区）的全部 100 分。",
        ),
    }
    for category, (clause, english, chinese) in expected.items():
        for language, note in (("en", english), ("zh", chinese)):
            listed = runner.invoke(cli, ["list", "-c", category, "-f", "json", "--ruleset", "fj2017", "--lang", language])
            assert listed.exit_code == 0, listed.stderr
            [node] = [n for s in json.loads(listed.stdout)["sections"] for n in s["nodes"] if n["code"] == "W-L"]
            assert (node["source"], node["source_note"]) == (clause, note)
        table = runner.invoke(cli, ["list", "-c", category, "--ruleset", "fj2017", "--lang", "zh"]).stdout
        assert f"依据：「{clause}」" in table


def test_explain_by_chinese_name(runner):
    result = runner.invoke(cli, ["explain", "思明区", "--ruleset", "fj2017"])
    assert result.exit_code == 0
    assert result.stdout.startswith("xiamen.siming 思明区 · fj2017 (2017) · county · parent xiamen")
    assert "SYNTHETIC EVIDENCE" in result.stdout


@pytest.mark.parametrize("category", ["city", "provincial"])
def test_a_missing_section_pack_is_an_error_not_a_ranking_out_of_70(runner, category):
    """Issue 8: the website pack contributes a section to two other packs' categories; without it
    the categories would silently rank out of 70 (65), so the categories' stated total of 100 refuses the run."""
    result = runner.invoke(cli, ["-p", "no:fj2017-website", "run", "-c", category, "--ruleset", "fj2017", "-f", "json", "--lang", "en"])
    assert result.exit_code == 2
    assert result.stdout == ""
    weight = {"city": "70", "provincial": "65"}[category]
    assert result.stderr == (
        f"escore: error: fj2017/{category}: the sections weigh {weight} in all (comprehensive {weight}), but the category totals 100: "
        "a pack that registers a section of it is missing or failed to load (see escore plugins)\n"
    )


@pytest.mark.parametrize("category", ["city", "provincial"])
def test_plan_all_gives_each_unit_its_own_plan(runner, category):
    """`plan --all` of a category: each unit's plan is `plan UNIT`'s (city units with their
    counties' rows rolled up), in the run's rank order, in two processes as in one."""
    args = ["plan", "--all", "-c", category, "--ruleset", "fj2017", "--lang", "en", "-f", "json"]
    first = runner.invoke(cli, [*args, "-j", "2"])
    assert first.exit_code == 0, first.stderr
    assert runner.invoke(cli, [*args, "-j", "1"]).stdout == first.stdout
    document = json.loads(first.stdout)
    ranked = json.loads(runner.invoke(cli, ["run", "-c", category, "--ruleset", "fj2017", "-f", "json"]).stdout)["units"]
    assert [(p["rank"], p["unit"], p["total"]) for p in document["plans"]] == [(u["rank"], u["code"], u["total"]) for u in ranked]
    for planned in document["plans"]:
        own = json.loads(
            runner.invoke(cli, ["plan", planned["unit"], "-c", category, "--ruleset", "fj2017", "--lang", "en", "-f", "json"]).stdout
        )
        assert planned["actions"] == own["actions"], planned["unit"]
        assert (planned["name"], planned["total"]) == (own["name"], own["total"])
    assert sum(len(p["actions"]) for p in document["plans"]) > 5 * len(document["plans"])


@pytest.mark.parametrize("category", ["city", "county"])
def test_plan_all_of_cached_evidence_decodes_a_part_at_a_time(runner, tmp_path, monkeypatch, category):
    """`plan --all` of evidence still in the cache (a re-run): each part of the plans decodes its
    own units' records (and their sub-units'), never the whole set, the parts taken in the
    evidence's order; the plans come out in rank order, the bytes of a run that loaded the
    evidence whole (the first, cold), of the pack's roster and of a units table holding it."""
    import escore._batch as batch
    from escore._load import DeferredEvidence
    from escore._plan import PLANS_PER_PART
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(batch, "RECORD_UNITS", 8)  # records of 8 units: a part of 16 decodes two or three
    catalog = Catalog(make_plugin_manager())
    units = catalog.roster("fj2017", category)
    table = tmp_path / "units.csv"
    attributes = sorted({name for u in units for name in u.attributes})
    lines = [",".join(["code", "name", "parent", *attributes])]
    lines += [",".join([u.code, u.name, u.parent or "", *(str(u.attributes.get(a, "")) for a in attributes)]) for u in units]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["plan", "--all", "-c", category, "--ruleset", "fj2017", "--lang", "en", "-f", "json"]
    whole = runner.invoke(cli, [*args, "-j", "1"])  # cold: the evidence parsed and loaded whole
    assert whole.exit_code == 0, whole.stderr
    assert runner.invoke(cli, [*args, "--roster", str(table), "-j", "1"]).stdout == whole.stdout  # cold too (another key)
    asked: list[list[str]] = []
    part = DeferredEvidence.part
    monkeypatch.setattr(DeferredEvidence, "part", lambda self, codes: (asked.append(list(codes)), part(self, codes))[1])
    monkeypatch.setattr(DeferredEvidence, "whole", lambda self: pytest.fail("the whole evidence set decoded"))
    for extra in (["-j", "2"], ["--roster", str(table), "-j", "2"], ["-j", "1"]):
        asked.clear()
        again = runner.invoke(cli, [*args, *extra])
        assert again.exit_code == 0, again.stderr
        assert again.stdout == whole.stdout, extra
    children = {u.code: [c.code for c in catalog.roster("fj2017", "county") if c.parent == u.code] for u in units}
    first_pass, *parts = asked  # in this one process (-j 1): the first pass's share, then each part of the plans
    codes = [u.code for u in units]
    assert first_pass[: len(codes)] == codes
    own = [[code for code in found if code in children] for found in parts]
    assert [code for found in own for code in found] == codes  # the evidence's order, each unit once
    assert all(len(found) <= PLANS_PER_PART for found in own)
    assert all(set(found) - set(mine) == {c for code in mine for c in children[code]} for found, mine in zip(parts, own))


def test_a_plan_s_explanation_rounds_a_share_s_points_and_its_keys_keep_them_exact(tmp_path, monkeypatch):
    """The table promised gains rounded to two places, and the explanation printed 28 digits."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    result = CliRunner().invoke(cli, ["plan", "prov.ajj", "-c", "provincial", "-f", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    action = next(a for a in json.loads(result.stdout)["actions"] if a["indicator"] == "P-1-2-4")
    # The indicator's share keeps its 28 digits; the gain, a change of the total, is settled at 20 places.
    assert (action["gain"], action["points_before"]) == ("0.21428571428571428571", "1.785714285714285714285714286")
    assert action["explanation"].endswith("; P-1-2-4 ≈1.79 → 2 of 2, total ≈+0.21")


def test_a_plan_proposes_every_better_tier_of_a_share_each_with_its_own_tier(tmp_path, monkeypatch):
    """A part of a share below every tier: each tier is an action of its own (the middle ones had
    been left out) and names the tier it reaches (each had named the top one)."""
    import shutil

    from escore_fj2017_provincial import plugin

    sample = Path(plugin.__file__).parent / "sample" / "provincial"
    evidence = tmp_path / "provincial"
    shutil.copytree(sample, evidence)
    unit = evidence / "units" / "prov.czt.toml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("items_provided = 69", "items_provided = 40"), encoding="utf-8")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    result = CliRunner().invoke(cli, ["plan", "prov.czt", "-c", "provincial", "-e", str(evidence), "-f", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    texts = [
        a["explanation"]
        for a in json.loads(result.stdout)["actions"]
        if a["set"] and a["set"][0]["field"] == "provincial.credit.items_provided"
    ]
    assert texts == [
        "provincial.credit.items_provided 40 → 88: 完整率 → 100% reaches tier '≥ 100% → 4'; P-1-2-1 0 → 4 of 4, total +4",
        "provincial.credit.items_provided 40 → 71: 完整率 → 80% reaches tier '≥ 80% → 2'; P-1-2-1 0 → 2 of 4, total +2",
        "provincial.credit.items_provided 40 → 53: 完整率 → 60% reaches tier '≥ 60% → 1'; P-1-2-1 0 → 1 of 4, total +1",
    ]


def test_a_monitoring_table_without_an_optional_column_is_refused(tmp_path, monkeypatch):
    """A table whose reply-date column was left out had every letter unanswered: a veto on every
    city, exit 0 and no word. An optional column is left empty, never out."""
    import shutil

    import openpyxl

    from escore_fj2017_website import plugin

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    evidence = tmp_path / "city"
    shutil.copytree(Path(plugin.__file__).parent / "sample" / "city", evidence)
    letters = evidence / "monitoring" / "website_letters.csv"
    rows = [line.split(",") for line in letters.read_text(encoding="utf-8").splitlines()]
    letters.write_text("\n".join(",".join(row[:2] + row[3:]) for row in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(evidence), "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert (
        result.stderr.startswith(f"escore: error: {letters}: replied: missing column (its values: ")
        and "optional: leave a row's cell empty" in result.stderr
    )

    book = tmp_path / "city.xlsx"
    made = CliRunner().invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    workbook = openpyxl.load_workbook(book)
    workbook["website_letters"].delete_cols(3)
    workbook.save(book)
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(book), "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "  website_letters!1: replied: missing column (its values: a date, YYYY-MM-DD, not before received; optional: " in result.stderr


def test_a_list_typed_with_another_separator_is_refused(tmp_path, monkeypatch):
    """Three platforms typed with 、 in one cell were one platform: 1 point of 4, exit 0."""
    import openpyxl

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    book = tmp_path / "city.xlsx"
    made = CliRunner().invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    workbook = openpyxl.load_workbook(book)
    workbook["公共平台建设情况"]["H9"].value = "莆田视频图像共享平台、莆田物联网平台、莆田环境感知平台"
    workbook.save(book)
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(book), "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert (
        "  公共平台建设情况!H9: putian 莆田市: city.platforms.iot: '莆田视频图像共享平台、莆田物联网平台、莆田环境感知平台' holds '、': "
        "separate the items of a list with ';' (or '；'), one item each"
    ) in result.stderr


def test_a_workbook_row_of_a_unit_the_category_does_not_score_is_named(tmp_path, monkeypatch):
    """A county's letter typed into the city workbook was dropped without a word (only a roll-up
    reads a sub-unit's rows)."""
    import datetime as dt

    import openpyxl

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    book = tmp_path / "city.xlsx"
    made = CliRunner().invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    before = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(book), "-f", "csv"]).stdout
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["website_letters"]
    sheet.append(["fuzhou.gulou", dt.datetime(2017, 1, 5), None, "x"])
    last = sheet.max_row
    units = workbook["公共信用信息平台建设"]
    units.append(["fuzhou.gulou", "鼓楼区"])
    unit_row = units.max_row
    workbook.save(book)
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(book), "-f", "csv", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout == before
    assert (
        f"escore: warning: website_letters: rows of units outside 设区市政府、平潭综合实验区管委会 are left out: fuzhou.gulou (row {last})"
        in result.stderr
    )
    assert (
        f"escore: warning: 公共信用信息平台建设: rows of units outside 设区市政府、平潭综合实验区管委会 are left out: fuzhou.gulou (row {unit_row})"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("number_format", "shown"), [("0%", "75%"), ("0.00%", "75.00%"), ("0.0%;-0.0%", "75.0%"), ('0.0"%"', None), ("0.00", None)]
)
def test_a_number_in_a_percentage_format_is_refused(tmp_path, monkeypatch, number_format, shown):
    """A cell showing 75% holds 0.75: it was read as 0.75 points of 5, a rank lost, exit 0. The
    problem names the cell's unit and field and what it holds and shows (it had said 95% and 0.95
    whatever the cell held)."""
    import openpyxl

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    book = tmp_path / "city.xlsx"
    made = CliRunner().invoke(cli, ["template", "-c", "city", "-f", "xlsx", "-o", str(book), "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    workbook = openpyxl.load_workbook(book)
    cell = workbook["公共信用信息平台建设"]["D4"]
    cell.value, cell.number_format = 0.75, number_format
    workbook.save(book)
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(book), "--lang", "en"])
    if shown is not None:
        assert result.exit_code == 2, result.output
        assert (
            f"  公共信用信息平台建设!D4: fuzhou 福州市: city.credit.coverage.points: the cell is formatted as a percentage: "
            f"it shows {shown} where it holds 0.75; type the number meant (75 for {shown}, or 0.75) in a cell formatted as a number"
        ) in result.stderr.splitlines()
    else:
        assert result.exit_code == 0, result.output


def test_a_choice_or_a_unit_code_in_other_letters_is_suggested(tmp_path, monkeypatch):
    """rollcall-late listed the nine choices without pointing at rollcall_late; FUZHOU had no suggestion."""
    import shutil

    import escore_fj2017_city

    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    evidence = tmp_path / "city"
    shutil.copytree(Path(escore_fj2017_city.__file__).parent / "sample" / "city", evidence)
    incidents = evidence / "monitoring" / "city_video_incidents.csv"
    text = incidents.read_text(encoding="utf-8")
    incidents.write_text(text.replace(",rollcall_late,", ",rollcall-late,", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(evidence), "--lang", "en"])
    assert result.exit_code == 2 and result.stderr.rstrip().endswith("(did you mean 'rollcall_late'?)"), result.stderr
    incidents.write_text(text.replace("\nfuzhou.gulou,", "\nFUZHOU.GULOU,", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", str(evidence), "--lang", "en"])
    assert result.exit_code == 2 and result.stderr.rstrip().endswith("(did you mean 'fuzhou.gulou'?)"), result.stderr


def test_an_indicator_code_with_a_letter_for_a_digit_is_suggested(monkeypatch, tmp_path):
    """C-l-1 (a lower-case L typed for 1) was suggested as C-3-1: among codes alike in one digit
    the closest match picked the greatest."""
    from escore._errors import did_you_mean

    codes = ["C-1-1", "C-2-1", "C-3-1"]
    assert did_you_mean("C-l-1", codes) == "did you mean 'C-1-1'?"
    assert did_you_mean("C-I-1", codes) == "did you mean 'C-1-1'?"
    assert did_you_mean("P-O-1", ["P-0-1", "P-1-1"]) == "did you mean 'P-0-1'?"
    assert did_you_mean("ｆｕｚｈｏｕ", ["fuzhou", "xiamen"]) == "did you mean 'fuzhou'?"  # full-width, as an IME types
    monkeypatch.setenv("ESCORE_LANG", "en")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    result = CliRunner().invoke(cli, ["appeal", "add", "nanping", "C-l-2", "-c", "city", "--claim", "the plan was issued"])
    assert result.exit_code == 2 and "did you mean 'C-1-2'?" in result.stderr, result.stderr


def test_a_yes_or_no_field_takes_the_chinese_yes_and_no_the_message_offers(monkeypatch, tmp_path):
    """--set 'website.channels.has_app=是' was refused with 'expected true or false (是/否), got '是''."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    yes = CliRunner().invoke(cli, ["whatif", "fuzhou.fuqing", "-c", "county", "--set", "website.channels.has_app=否", "-f", "json"])
    toml = CliRunner().invoke(cli, ["whatif", "fuzhou.fuqing", "-c", "county", "--set", "website.channels.has_app=false", "-f", "json"])
    assert yes.exit_code == toml.exit_code == 0, yes.output
    assert json.loads(yes.stdout)["delta"] == json.loads(toml.stdout)["delta"] == "-4"


def test_an_appeal_whose_row_moves_another_indicator_is_refused(tmp_path, monkeypatch):
    """A video finding filed against C-1-3-1 whose kind counts under C-1-3-2 had been filed and,
    once accepted, moved C-1-3-2 and the total while the record said C-1-3-1."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    row = "city_video_incidents:date=2017-10-02,kind=picture_poor"
    args = ["appeal", "add", "fuzhou", "C-1-3-1", "--claim", "not late", "--add-row", row, "--lang", "en"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "escore: error: this change moves C-1-3-2 (1.9 → 1.85), not C-1-3-1: an appeal changes the evidence of the indicator it "
        "appeals (file one against C-1-3-2)\n"
    )
    filed = runner.invoke(cli, ["appeal", "add", "fuzhou", "C-1-3-2", "--claim", "poor picture", "--add-row", row, "--lang", "en"])
    assert filed.exit_code == 0, filed.output


def test_an_appeal_overridden_by_a_later_one_says_so_not_a_what_if(tmp_path, monkeypatch):
    """Two accepted appeals on one grade: the first's line had said "before the what-if" in a
    run with no what-if."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    for claim, points in (("a", 4), ("b", 2)):
        grade = f'website.channels.app={{ points = {points}, reason = "{claim}" }}'
        assert runner.invoke(cli, ["appeal", "add", "xiamen.siming", "W-L-5-2-1", "--claim", claim, "--set", grade]).exit_code == 0
    for number in ("1", "2"):
        assert runner.invoke(cli, ["appeal", "decide", number, "--accept", "--reason", "ok"]).exit_code == 0
    result = runner.invoke(cli, ["explain", "xiamen.siming", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines() if "appeal #" in line]
    assert lines == [
        "· points changed by appeal #1: 3 → 4, before a later appeal (a)",
        "· points changed by appeal #2: 4 → 2 (b)",
    ]


def test_a_published_run_says_which_accepted_appeals_it_applied(tmp_path, monkeypatch):
    """With an accepted appeal the JSON's totals differed from --no-appeals' under the same stamp,
    and nothing in the file said so once it left stderr behind."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    grade = 'website.channels.app={ points = 4, reason = "a" }'
    assert runner.invoke(cli, ["appeal", "add", "xiamen.siming", "W-L-5-2-1", "--claim", "a", "--set", grade]).exit_code == 0
    assert runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "ok"]).exit_code == 0
    applied = json.loads(runner.invoke(cli, ["run", "-c", "county", "-f", "json", "--lang", "en"]).stdout)
    without = json.loads(runner.invoke(cli, ["run", "-c", "county", "-f", "json", "--lang", "en", "--no-appeals"]).stdout)
    assert applied["warnings"][-1] == (
        "scored with accepted appeal(s) #1 xiamen.siming W-L-5-2-1 applied to the evidence (--no-appeals scores without them)"
    )
    assert not any("appeal" in line for line in without.get("warnings", []))
    total = {u["code"]: u["total"] for u in applied["units"]}["xiamen.siming"]
    assert (total, {u["code"]: u["total"] for u in without["units"]}["xiamen.siming"]) == ("76", "75")


def test_a_plan_proposes_the_fewest_rows_that_gain_past_a_deduction_floor(tmp_path, monkeypatch):
    """22 HD rooms missing at 0.05 each for a 1-point indicator: no one row's removal gains (the
    floor), so C-1-3-3 had no action at all; three rows together gain 0.05, as whatif says."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    result = runner.invoke(cli, ["plan", "zhangzhou", "-f", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    [action] = [a for a in json.loads(result.stdout)["actions"] if a["indicator"] == "C-1-3-3"]
    removed = ["city_video_incidents:128", "city_video_incidents:129", "city_video_incidents:130"]
    assert (action["gain"], action["remove_row"], action["points_after"]) == ("0.05", removed, "0.05")
    assert action["explanation"].startswith(
        "remove city_video_incidents lines 128, 129, 130 (or correct them): the deductions are past the floor, so no one row gains"
    )
    whatif = runner.invoke(cli, ["whatif", "zhangzhou", *action["args"], "-f", "json", "--lang", "en"])
    assert json.loads(whatif.stdout)["delta"] == "0.05"


def test_totals_equal_in_truth_share_a_rank_and_round_half_up(tmp_path, monkeypatch):
    """prov.fgw's two credit shares, 1/3 × 2 and 2/3 × 2, are 2 points: carried at 28 digits they
    had summed to 1.9999999999999999999999999997, so a total exactly prov.swt's 89.0675 ranked
    below it, and a true 89.065 was shown as 89.06."""
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    book = tmp_path / "book.xlsx"
    made = runner.invoke(cli, ["template", "-c", "provincial", "-f", "xlsx", "--evidence-from-sample", "-o", str(book)])
    assert made.exit_code == 0, made.output

    def scored(aggregation: str) -> list:
        workbook = openpyxl.load_workbook(book)

        def put(sheet: str, key: str, value) -> None:
            rows = workbook[sheet]
            keys = [cell.value for cell in rows[3]]
            row = next(r for r in rows.iter_rows(min_row=4) if r[0].value == "prov.fgw")
            row[keys.index(key)].value = value

        for key, value in (("updates_on_time", 1), ("updates_required", 3), ("decisions_on_time", 2), ("decisions_total", 3)):
            put("公共信用数据建设", f"provincial.credit.{key}", value)
        put("政务数据汇聚", "provincial.data_sharing.aggregation.points", aggregation)
        edited = tmp_path / f"{aggregation}.xlsx"
        workbook.save(edited)
        result = runner.invoke(cli, ["run", "-c", "provincial", "-e", str(edited), "-f", "json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["units"]

    units = {u["code"]: u for u in scored("3.5075")}
    assert [(units[c]["rank"], units[c]["total"]) for c in ("prov.swt", "prov.fgw")] == [(2, "89.0675"), (2, "89.0675")]
    assert sorted(u["rank"] for u in units.values())[:4] == [1, 2, 2, 4]
    fgw = next(u for u in scored("3.505") if u["code"] == "prov.fgw")
    assert (fgw["total"], fgw["total_2dp"], fgw["sections"][0]["points_2dp"]) == ("89.065", "89.07", "58.97")


def test_every_reading_decision_the_packs_cite_is_in_the_reading_document(runner):
    """The packs cited READING 11, 13 and 14, which docs/fj2017-reading.md did not have (nor 10)."""
    import re

    document = (ROOT / "docs" / "fj2017-reading.md").read_text(encoding="utf-8")
    written = {int(n) for n in re.findall(r"^(\d+)\. \*\*", document, flags=re.M)}
    cited: set[int] = set()
    for category in ("provincial", "city", "county"):
        listed = runner.invoke(cli, ["list", "-c", category, "-f", "json", "--lang", "en", "--ruleset", "fj2017"])
        assert listed.exit_code == 0, listed.stderr
        cited |= {int(n) for n in re.findall(r"READING (?:decision )?(\d+)", listed.stdout)}
    for package in ("indicators_provincial", "indicators_city", "indicators_website"):
        for source in (ROOT / "plugins" / package).rglob("*.py"):
            cited |= {int(n) for n in re.findall(r"READING (?:decision )?(\d+)", source.read_text(encoding="utf-8"))}
    assert {11, 13, 14} <= cited  # 10 (disposal follows migration) is applied by P-1-1-A-3 and P-1-1-B-2 without its number
    assert cited <= written, sorted(cited - written)
    assert written == set(range(1, 16))
