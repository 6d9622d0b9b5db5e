"""READING 15: impossible evidence is bad input, refused when the evidence is loaded.

Each probe copies a pack's sample evidence, makes one fact impossible and runs
``escore run``: exit status 2, one line on stderr naming the file (and CSV line), the
field and the expectation, and no output file. The constraints are declared by the
packs (``at_most``, ``at_least``, ``choices``, ``max_by``, ``within``, ``unique``, graded
maxima by category) and checked in ``escore._load``.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

pytest.importorskip("escore_fj2017_website", reason="the fj2017 packs are not installed")
pytest.importorskip("escore_fj2017_city", reason="the fj2017 packs are not installed")
pytest.importorskip("escore_fj2017_provincial", reason="the fj2017 packs are not installed")

from escore._errors import InputError
from escore._golden import load_cases, run_case
from escore._load import _declarations_digest, load_evidence
from escore._plugins import Catalog, make_plugin_manager
from escore_cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {
    "provincial": ROOT / "plugins/indicators_provincial/escore_fj2017_provincial/sample/provincial",
    "city": ROOT / "plugins/indicators_city/escore_fj2017_city/sample/city",
    "county": ROOT / "plugins/indicators_website/escore_fj2017_website/sample/county",
    "website-provincial": ROOT / "plugins/indicators_website/escore_fj2017_website/sample/provincial",
    "website-city": ROOT / "plugins/indicators_website/escore_fj2017_website/sample/city",
}


def copy(sample: str) -> Path:
    shutil.copytree(SAMPLES[sample], Path("ev"))
    return Path("ev")


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, f"{pattern!r} not found in {path}"
    path.write_text(changed, encoding="utf-8")


def append_row(path: Path, row: str) -> int:
    """Append a CSV row; return its line number (the header is line 1)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + row + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def refused(category: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["run", "-c", category, "--evidence", "ev", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"escore: error: {message}\n"
    assert not Path("out.json").exists()


def field_of(path: Path, dotted: str):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for part in dotted.split("."):
        data = data[part]
    return data


# --------------------------------------------------------------------------- a part larger than its whole


@pytest.mark.parametrize(
    ("part", "whole"),
    [
        ("provincial.credit.items_provided", "provincial.credit.items_required"),
        ("provincial.credit.records_loaded", "provincial.credit.records_provided"),
        ("provincial.credit.updates_on_time", "provincial.credit.updates_required"),
        ("provincial.credit.decisions_on_time", "provincial.credit.decisions_total"),
        ("provincial.projects.on_schedule", "provincial.projects.under_construction"),
        ("provincial.projects.systems_running", "provincial.projects.systems_built"),
        ("provincial.data_sharing.catalogue_complete", "provincial.data_sharing.catalogue_expected"),
    ],
)
def test_provincial_part_larger_than_its_whole(work, part, whole):
    unit = copy("provincial") / "units" / "prov.czt.toml"
    name = part.rpartition(".")[2]
    edit(unit, rf"^{name} = \d+$", f"{name} = 1000000")
    bound = field_of(unit, whole)
    refused("provincial", f"ev/units/prov.czt.toml: {part}: expected at most {whole} ({bound}), got 1000000")


def test_city_decisions_published_larger_than_decisions(work):
    unit = copy("city") / "units" / "fuzhou.toml"
    edit(unit, r"^dual_publicity_on_time = \d+$", "dual_publicity_on_time = 1877")
    refused(
        "city",
        "ev/units/fuzhou.toml: city.credit.dual_publicity_on_time: expected at most city.credit.dual_publicity_total (1876), got 1877",
    )


@pytest.mark.parametrize(
    ("part", "whole"),
    [
        ("website.services.admin_power_guides", "website.services.admin_power_items"),
        ("website.services.public_service_guides", "website.services.public_service_items"),
        ("website.sites.closed", "website.sites.closure_in_scope"),
        ("website.sites.migrated", "website.sites.migration_in_scope"),
    ],
)
def test_website_part_larger_than_its_whole(work, part, whole):
    unit = copy("county") / "units" / "fuzhou.gulou.toml"
    name = part.rpartition(".")[2]
    edit(unit, rf"^{name} = \d+$", f"{name} = 100000")
    refused("county", f"ev/units/fuzhou.gulou.toml: {part}: expected at most {whole} ({field_of(unit, whole)}), got 100000")


def test_the_whole_in_another_directory_still_bounds_the_part(work, tmp_path):
    """Fields of one unit may be split over directories: the check runs once every file is read."""
    evidence = copy("county")
    unit = evidence / "units" / "fuzhou.gulou.toml"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(re.sub(r"^admin_power_items = \d+\n", "", text, flags=re.M), encoding="utf-8")
    extra = tmp_path / "extra" / "units"
    extra.mkdir(parents=True)
    (extra / "fuzhou.gulou.toml").write_text("[website.services]\nadmin_power_items = 3\n", encoding="utf-8")
    guides = field_of(unit, "website.services.admin_power_guides")
    result = CliRunner().invoke(cli, ["run", "-c", "county", "--evidence", "ev", "--evidence", "extra"])
    assert result.exit_code == 2
    assert result.stderr == (
        "escore: error: ev/units/fuzhou.gulou.toml: website.services.admin_power_guides: "
        f"expected at most website.services.admin_power_items (3), got {guides}\n"
    )


# --------------------------------------------------------------------------- dates decades away


def test_a_year_with_its_digits_swapped_is_refused(work):
    # 2071 typed for 2017: a deadline rule read the reply as 54 years late.
    table = copy("county") / "monitoring" / "website_letters.csv"
    line = append_row(table, "fuzhou.gulou,2017-05-26,2071-05-29,关于办事流程的咨询")
    refused(
        "county",
        f"ev/monitoring/website_letters.csv:{line}: replied: expected a date from 2007-01-01 to 2027-12-31 "
        "(10 years around 2017, the year fj2017 assesses), got 2071-05-29; is a digit of the year swapped?",
    )


def test_every_date_decades_away_is_listed_at_once(work):
    evidence = copy("county")
    line = append_row(evidence / "monitoring" / "website_letters.csv", "fuzhou.gulou,1917-05-26,,")
    edit(evidence / "units" / "fuzhou.gulou.toml", r"^monitoring_date = 2017", "monitoring_date = 2107")
    window = "expected a date from 2007-01-01 to 2027-12-31 (10 years around 2017, the year fj2017 assesses)"
    refused(
        "county",
        "ev: 2 date(s) of the evidence lie outside the years the assessment's evidence can be from:\n"
        f"  ev/units/fuzhou.gulou.toml: website.monitoring_date: {window}, got 2107-11-30; is a digit of the year swapped?\n"
        f"  ev/monitoring/website_letters.csv:{line}: received: {window}, got 1917-05-26; is a digit of the year swapped?",
    )


@pytest.mark.parametrize(("day", "accepted"), [("2007-01-01", True), ("2006-12-31", False), ("2027-12-31", True), ("2028-01-01", False)])
def test_the_window_of_dates_is_ten_years_each_side(work, day, accepted):
    table = copy("county") / "monitoring" / "website_letters.csv"
    append_row(table, f"fuzhou.gulou,{day},,")
    result = CliRunner().invoke(cli, ["run", "-c", "county", "--evidence", "ev", "-f", "csv", "-o", "out.csv"])
    assert result.exit_code == (0 if accepted else 2), result.output


# --------------------------------------------------------------------------- rows that contradict themselves


def test_reply_dated_before_its_letter(work):
    table = copy("county") / "monitoring" / "website_letters.csv"
    line = append_row(table, "fuzhou.gulou,2017-05-10,2017-05-01,关于办事流程的咨询")
    refused("county", f"ev/monitoring/website_letters.csv:{line}: replied: expected not before received (2017-05-10), got 2017-05-01")


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("prov.czt,类别,问题,2017-09-05,2017-09-01,", "rectify_by", "expected not before notified (2017-09-05), got 2017-09-01"),
        ("prov.czt,类别,问题,2017-09-05,2017-10-05,2017-09-04", "rectified", "expected not before notified (2017-09-05), got 2017-09-04"),
    ],
)
def test_provincial_review_problem_dates_in_order(work, row, column, expected):
    table = copy("provincial") / "monitoring" / "provincial_dc_review_problems.csv"
    line = append_row(table, row)
    refused("provincial", f"ev/monitoring/provincial_dc_review_problems.csv:{line}: {column}: {expected}")


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        # A system given twice (done, and not done) had been counted twice: 1 of 2 systems pending.
        (
            "prov.ajj,安监局业务系统01,2017-09-30,,",
            "system",
            "expected one row per unit and system; prov.ajj has system '安监局业务系统01' already on line 2",
        ),
    ],
)
def test_provincial_migration_rows_that_contradict_each_other(work, row, column, expected):
    table = copy("provincial") / "monitoring" / "provincial_dc_migrations.csv"
    line = append_row(table, row)
    refused("provincial", f"ev/monitoring/provincial_dc_migrations.csv:{line}: {column}: {expected}")


def scored(category: str) -> tuple[str, dict]:
    import json

    result = CliRunner().invoke(cli, ["run", "-c", category, "--evidence", "ev", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    warnings = "".join(line for line in result.stderr.splitlines(keepends=True) if line.startswith("escore: warning: "))
    return warnings, json.loads(Path("out.json").read_text(encoding="utf-8"))


def test_a_row_repeated_cell_for_cell_counts_and_is_warned_of(work):
    # A letter pasted twice is two letters to the rules: scored so, and said, naming both lines.
    table = copy("county") / "monitoring" / "website_letters.csv"
    text = table.read_text(encoding="utf-8").splitlines()
    first, row = next((n, t) for n, t in enumerate(text, start=1) if t.startswith("fuzhou.gulou,"))
    line = append_row(table, row)
    warned = (
        "escore: warning: website_letters: 1 row(s) repeat an earlier row of their unit cell for cell, and each counts: "
        f"ev/monitoring/website_letters.csv:{line} (unit fuzhou.gulou, as line {first}); delete the copies if they record one event\n"
    )
    stderr, _ = scored("county")
    assert stderr == warned
    stderr, _ = scored("county")  # the cached evidence set says it again
    assert stderr == warned


def test_a_cached_warning_is_said_in_the_language_of_the_run(work, monkeypatch):
    # The checked set keeps its load's warnings as text: a set cached by an English run is not
    # replayed to a Chinese one (nor the other way round), and each is said in its own language.
    table = copy("county") / "monitoring" / "website_letters.csv"
    row = next(t for t in table.read_text(encoding="utf-8").splitlines() if t.startswith("fuzhou.gulou,"))
    append_row(table, row)
    said = {}
    for language in ("en", "zh", "en", "zh"):
        monkeypatch.setenv("ESCORE_LANG", language)
        result = CliRunner().invoke(cli, ["run", "-c", "county", "--evidence", "ev", "-f", "csv", "-o", "out.csv"])
        assert result.exit_code == 0, result.output
        said.setdefault(language, set()).add(result.stderr.splitlines()[0])
    assert len(said["en"]) == len(said["zh"]) == 1
    assert said["en"].pop().startswith("escore: warning: website_letters: 1 row(s) repeat an earlier row")
    assert said["zh"].pop().startswith("escore：警告：website_letters：1 行与本单位前面某一行逐格相同，每行都计分")


def test_rows_alike_but_in_one_cell_are_not_repeats(work):
    table = copy("county") / "monitoring" / "website_letters.csv"
    row = next(t for t in table.read_text(encoding="utf-8").splitlines() if t.startswith("fuzhou.gulou,"))
    append_row(table, row.rsplit(",", 1)[0] + ",另一封")
    other = copy_of_row_for("fuzhou.cangshan", row)
    append_row(table, other)  # the same cells for another unit: not a repeat of this unit's row
    stderr, _ = scored("county")
    assert stderr == ""


def test_a_row_repeated_in_another_evidence_path_names_the_file_it_repeats(work):
    """With the table split over two -e paths, "as line 2" had read as the same file's line 2."""
    table = copy("county") / "monitoring" / "website_letters.csv"
    header, row = table.read_text(encoding="utf-8").splitlines()[:2]
    other = Path("more") / "monitoring" / "website_letters.csv"
    other.parent.mkdir(parents=True)
    other.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "county", "-e", "ev", "-e", "more", "-f", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    unit = row.split(",")[0]
    assert (
        "1 row(s) repeat an earlier row of their unit cell for cell, and each counts: "
        f"more/monitoring/website_letters.csv:2 (unit {unit}, as ev/monitoring/website_letters.csv:2); "
    ) in result.stderr


def copy_of_row_for(unit: str, row: str) -> str:
    return unit + "," + row.split(",", 1)[1]


def test_repeats_are_listed_a_few_then_counted(work):
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    # (not missing HD rooms: a county has at most three, so a fourth is refused outright)
    rows = [row for row in table.read_text(encoding="utf-8").splitlines()[1:] if ",hd_room_missing," not in row][:7]
    for row in rows:
        append_row(table, row)
    stderr, _ = scored("city")
    assert stderr.startswith("escore: warning: city_video_incidents: 7 row(s) repeat an earlier row of their unit cell for cell")
    assert stderr.count("ev/monitoring/city_video_incidents.csv:") == 5
    assert "; and 2 more; delete the copies if they record one event\n" in stderr


def test_repeated_rows_are_found_in_both_kinds_of_table():
    from collections import namedtuple

    from escore._schema import repeated_rows
    from escore._tablerows import TableRows

    Row = namedtuple("Row", "unit line day kind")
    as_rows = {"a": (Row("a", 2, "d1", "x"), Row("a", 3, "d1", "y"), Row("a", 4, "d1", "x")), "b": (Row("b", 5, "d1", "x"),)}
    as_columns = TableRows(Row, ["a", "b", "a", "a"], [2, 5, 3, 4], [["d1", "d1", "d1", "d1"], ["x", "x", "y", "x"]])
    for table in (as_rows, as_columns):
        found = [(name, earlier.line, row.line, position, at) for name, earlier, row, position, at in repeated_rows({"t": table})]
        assert found == [("t", 2, 4, 2, 0)]
    assert as_columns.has_repeats()
    assert list(repeated_rows({"t": {"a": as_rows["a"][:2]}})) == []


def test_resource_library_month_above_its_row_maximum(work):
    table = copy("website-provincial") / "monitoring" / "website_portal_months.csv"
    line = append_row(table, "prov.czt,12,资源库,7,")
    refused("provincial", f"ev/monitoring/website_portal_months.csv:{line}: points: expected at most 6 when row is 资源库, got 7")


def test_month_recorded_twice(work):
    table = copy("website-provincial") / "monitoring" / "website_portal_months.csv"
    first = next(
        i for i, text in enumerate(table.read_text(encoding="utf-8").splitlines(), start=1) if text.startswith("prov.czt,8,资源库,")
    )
    line = append_row(table, "prov.czt,8,资源库,5,")
    refused(
        "provincial",
        f"ev/monitoring/website_portal_months.csv:{line}: month, row: "
        f"expected one row per unit and month, row; prov.czt has month 8, row '资源库' already on line {first}",
    )


def test_a_county_missing_more_rooms_than_it_must_have(work):
    """C-1-3-3 deducts per missing HD room of the three a county must have: a fourth was deducted."""
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    text = table.read_text(encoding="utf-8").splitlines()
    lines = [n for n, t in enumerate(text, start=1) if t.startswith("fuzhou.minhou,") and ",hd_room_missing," in t]
    third = append_row(table, "fuzhou.minhou,2017-12-13,hd_room_missing,第3间高清视频会议室未配备")
    fourth = append_row(table, "fuzhou.minhou,2017-12-13,hd_room_missing,第4间高清视频会议室未配备")
    listed = ", ".join(map(str, [*lines, third, fourth]))
    refused(
        "city",
        f"ev/monitoring/city_video_incidents.csv:{fourth}: kind: "
        f"expected at most 3 rows with kind hd_room_missing for a unit; fuzhou.minhou has 4 (lines {listed})",
    )


def test_offence_in_a_month_without_a_score(work):
    table = copy("website-provincial") / "monitoring" / "website_portal_offences.csv"
    line = append_row(table, "prov.czt,3,内容错误,水位数据错误")
    refused(
        "provincial",
        f"ev/monitoring/website_portal_offences.csv:{line}: month: "
        "expected a month that website_portal_months with row 重点领域 records for prov.czt (8, 9, 10, 11), got 3",
    )


# --------------------------------------------------------------------------- lists, choices and ranges


def test_item_listed_twice_in_a_set(work):
    unit = copy("county") / "units" / "fuzhou.gulou.toml"
    edit(unit, r"^rules_in_place = .*$", 'rules_in_place = ["考核制度", "社会评议制度", "社会评议制度"]')
    refused(
        "county",
        "ev/units/fuzhou.gulou.toml: website.gov_info.rules_in_place: '社会评议制度' is listed twice; expected each item once (a set: it counts once)",
    )


def test_platform_listed_twice(work):
    unit = copy("city") / "units" / "fuzhou.toml"
    edit(unit, r"^iot = \[", 'iot = ["福州多卡融合平台", ')
    refused(
        "city",
        "ev/units/fuzhou.toml: city.platforms.iot: '福州多卡融合平台' is listed twice; expected each item once (a set: it counts once)",
    )


def test_a_platform_listed_in_two_classes(work):
    """C-1-1 counts each platform once, in one class (seed A16): one listed under 物联网服务 and
    云计算服务 earned a point in both."""
    unit = copy("city") / "units" / "fuzhou.toml"
    edit(unit, r'^cloud = \["福州政务云平台"', 'cloud = ["福州视频图像共享平台"')
    refused(
        "city",
        "ev/units/fuzhou.toml: city.platforms.iot: '福州视频图像共享平台' is listed in city.platforms.cloud too; expected each item in one of "
        "city.platforms.app_system, city.platforms.basic_network, city.platforms.cloud, city.platforms.info_resource, "
        "city.platforms.iot, city.platforms.security",
    )


def test_a_platform_listed_in_two_classes_of_a_fields_table(work):
    """The same through a fields table, whose units are checked a column at a time first
    (escore._schema.units_to_check): only the unit whose lists overlap is refused."""
    root = copy("city")
    (root / "units").joinpath("xiamen.toml").unlink()
    fields = root / "fields"
    fields.mkdir()
    (fields / "city.csv").write_text("unit,city.platforms.iot,city.platforms.cloud\nxiamen,甲平台;乙平台,丙平台\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["run", "-c", "city", "--evidence", "ev", "-f", "json", "-o", "scored.json"]).exit_code == 0
    (fields / "city.csv").write_text("unit,city.platforms.iot,city.platforms.cloud\nxiamen,甲平台;乙平台,丙平台;乙平台\n", encoding="utf-8")
    refused(
        "city",
        "ev/fields/city.csv:2: city.platforms.iot: '乙平台' is listed in city.platforms.cloud too; expected each item in one of "
        "city.platforms.app_system, city.platforms.basic_network, city.platforms.cloud, city.platforms.info_resource, "
        "city.platforms.iot, city.platforms.security",
    )


def test_unknown_list_choice_has_a_did_you_mean(work):
    unit = copy("county") / "units" / "fuzhou.gulou.toml"
    edit(unit, r"^rules_in_place = .*$", 'rules_in_place = ["考核制度", "社会评议"]')
    refused(
        "county",
        "ev/units/fuzhou.gulou.toml: website.gov_info.rules_in_place: unknown choice '社会评议'; "
        "expected each one of the listed choices (did you mean '社会评议制度'?)",
    )


@pytest.mark.parametrize(
    ("key", "line", "shown", "bound"),
    [
        ("health", 'health = { points = 2, reason = "县的分值" }', "{points = 2, reason = '县的分值'}", "1.5"),
        ("l_disclosure", 'l_disclosure = { points = 12.5, reason = "县的分值" }', "{points = 12.5, reason = '县的分值'}", "10.5"),
    ],
)
def test_grade_above_the_city_column_maximum(work, key, line, shown, bound):
    unit = copy("website-city") / "units" / "fuzhou.toml"
    edit(unit, rf"^{key} = .*$", line)
    table = "website.disclosure" if key == "health" else "website.residual"
    refused(
        "city",
        f'ev/units/fuzhou.toml: {table}.{key}: expected an inline table {{points = N, reason = "..."}} from 0 to {bound} (points), got {shown}',
    )


@pytest.mark.parametrize("key", ["aggregation", "backflow"])
def test_a_negative_grade_is_bad_input(work, key):
    """P-2-2-2 and P-2-2-3's fields declared no minimum: a grade of -0.5 was scored as the
    indicator's error (exit 1), where every other graded field refuses it when it is read."""
    unit = copy("provincial") / "units" / "prov.czt.toml"
    edit(unit, rf"^{key} = .*$", f'{key} = {{ points = -0.5, reason = "x" }}')
    refused(
        "provincial",
        f"ev/units/prov.czt.toml: provincial.data_sharing.{key}: "
        f"expected an inline table {{points = N, reason = \"...\"}} from 0 to 4 (分), got {{points = -0.5, reason = 'x'}}",
    )


# --------------------------------------------------------------------------- golden cases and the cache


@pytest.fixture(scope="module")
def catalog():
    from escore_fj2017_city import plugin as city
    from escore_fj2017_provincial import plugin as provincial
    from escore_fj2017_website import plugin as website

    return Catalog(make_plugin_manager(autoload=False, extra=[provincial, city, website]))


def test_golden_case_rows_are_checked_like_evidence(catalog, tmp_path):
    case_file = tmp_path / "case.toml"
    case_file.write_text(
        "[[case]]\n"
        'id = "reply-before-letter"\n'
        'category = "county"\n'
        'unit = "xiamen.siming"\n'
        "[case.tables]\n"
        "website_letters = [{ received = 2017-05-10, replied = 2017-05-11 }, { received = 2017-05-10, replied = 2017-05-09 }]\n"
        "[case.expect]\n"
        'total = "0"\n',
        encoding="utf-8",
    )
    (case,) = load_cases(case_file)
    with pytest.raises(InputError) as info:
        run_case(catalog, case)
    assert str(info.value) == (
        f"{case_file} [case reply-before-letter] tables.website_letters:2: replied: expected not before received (2017-05-10), got 2017-05-09"
    )


def test_golden_case_fields_are_checked_against_each_other(catalog, tmp_path):
    case_file = tmp_path / "case.toml"
    case_file.write_text(
        "[[case]]\n"
        'id = "guides-over-items"\n'
        'category = "county"\n'
        'unit = "xiamen.siming"\n'
        "[case.fields]\n"
        '"website.services.admin_power_items" = 10\n'
        '"website.services.admin_power_guides" = 11\n'
        "[case.expect]\n"
        'total = "0"\n',
        encoding="utf-8",
    )
    (case,) = load_cases(case_file)
    with pytest.raises(InputError, match=r"admin_power_guides: expected at most website.services.admin_power_items \(10\), got 11$"):
        run_case(catalog, case)


def test_a_changed_constraint_is_checked_again_not_read_from_the_cache(catalog, tmp_path, monkeypatch):
    """The checked-evidence cache keys on every declaration: tightening one re-checks the same files."""
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    evidence = tmp_path / "ev"
    shutil.copytree(SAMPLES["county"], evidence)
    plan = catalog.plan("fj2017", "county")
    units = [u.code for u in catalog.roster("fj2017", "county")]
    known = catalog.all_unit_codes("fj2017")
    load_evidence([evidence], plan, units, known, catalog.loaders)  # checked, then kept
    assert list((tmp_path / "cache").glob("evidence-*.marshal"))
    # The same declarations again: the same digest, the kept set is read.
    assert _declarations_digest(plan) == _declarations_digest(catalog.plan("fj2017", "county"))
    # An impossible bound (guides at most the number of closed sites) makes the sample impossible.
    tightened = [
        attrs.evolve(f, at_most="website.sites.closed") if f.key == "website.services.admin_power_guides" else f for f in plan.fields
    ]
    stricter = plan._replace(fields=tuple(tightened))
    assert _declarations_digest(stricter) != _declarations_digest(plan)
    with pytest.raises(InputError, match=r"expected at most website\.sites\.closed"):
        load_evidence([evidence], stricter, units, known, catalog.loaders)


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
@pytest.mark.parametrize("seed", range(4))
def test_the_units_checked_are_those_a_check_of_every_unit_refuses(catalog, category, seed):
    """Bounds are compared a column at a time and only the units they flag (and those with rows
    in a checked table) are checked one by one: every unit a check of each refuses is among
    them, absent values and bounds included, in the same order."""
    import random
    from decimal import Decimal

    from escore._fieldvalues import FieldValues
    from escore._schema import EvidenceSchema, check_unit, units_to_check

    schema = EvidenceSchema(catalog.plan("fj2017", category))
    assert schema.bounds
    rng = random.Random(seed)
    codes = [f"u{i:04d}" for i in range(700)]
    values = FieldValues(codes)
    names = sorted({name for *_, part, whole in schema.bounds for name in (part, whole)})
    for code in codes:
        values.put(code, {name: rng.choice([0, 1, 2, 3, Decimal("2.0"), Decimal("2.5")]) for name in names if rng.random() < 0.85})
    values.pack_all()
    refused = []
    for code in codes:
        try:
            check_unit(schema, code, values[code], {}, lambda key: key, lambda *where: "row")
        except InputError:
            refused.append(code)
    chosen = units_to_check(schema, codes, values, {})
    assert refused and len(refused) < len(codes)
    assert chosen == refused  # no table rows here: exactly the units whose bounds break
    # A value that is None, or a unit still being filled: every unit is checked.
    values.put(codes[0], {names[0]: None})
    assert units_to_check(schema, codes, values, {}) == codes
    values.writable(codes[1])
    assert units_to_check(schema, codes, values, {}) == codes


def test_a_report_published_before_the_year_it_reports_on_is_over(work):
    """年度报告: the report on 2016, 'published' 2016-03-20 (a year typed wrong), had scored as on
    time: a report on a year appears once the year is over (READING 15)."""
    table = copy("county") / "monitoring" / "website_annual_reports.csv"
    edit(table, r"^xiamen\.siming,2016,2017-03-15$", "xiamen.siming,2016,2016-03-20")
    refused("county", "ev/monitoring/website_annual_reports.csv:13: published: expected a date after year (2016) is over, got 2016-03-20")


def test_a_report_before_its_year_is_over_is_found_column_by_column_too():
    """Large tables are checked a column pair at a time (escore._load._within_bounds): a row
    found there is read again row by row, where the error names it."""
    import datetime as dt

    from escore._load import _within_bounds
    from escore_fj2017_website.evidence import annual_reports

    assert _within_bounds(annual_reports, [[2016, 2016], [dt.date(2017, 1, 1), dt.date(2017, 3, 31)]])
    assert not _within_bounds(annual_reports, [[2016, 2016], [dt.date(2017, 1, 1), dt.date(2016, 12, 31)]])


def test_a_work_summary_received_before_the_assessed_year_is_scored_as_given_and_warned_of(work):
    """保障机制 is 本年度's work summary by 15 November: one received 2016-11-10 (last year's, or
    a year typed wrong) had given the full points without a word. It may be meant (a derived
    year scoring last year's sample), so it is scored as given, and said."""
    table = copy("county") / "monitoring" / "website_summaries.csv"
    edit(table, r"^xiamen\.siming,2017-11-01$", "xiamen.siming,2016-11-10")
    warned = (
        "escore: warning: website_summaries.received: 1 row(s) dated before 2017, the year fj2017 assesses: "
        "ev/monitoring/website_summaries.csv:14 (xiamen.siming, 2016-11-10); scored as given\n"
    )
    stderr, scored_json = scored("county")
    assert stderr == warned
    assert scored("county")[0] == warned  # the cached evidence set says it again
    assert scored_json["warnings"] == [warned.removeprefix("escore: warning: ").rstrip("\n")]


def test_rows_a_run_does_not_score_are_not_warned_of(work):
    """A county's early summary kept in the city evidence's table (one table for every unit, as an
    office keeps it) was warned of by the city run as 'scored as given', though no city scores it."""
    table = copy("website-city") / "monitoring" / "website_summaries.csv"
    append_row(table, "xiamen.siming,2016-12-20")
    assert scored("city")[0] == ""


def test_a_city_finding_dated_before_the_assessed_year_is_warned_of(work):
    """A 视频会议 finding dated 2016 deducted from a city's 2017 points without a word."""
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    line = append_row(table, "fuzhou,2016-09-01,rollcall_late,x")
    stderr, _scored = scored("city")
    assert stderr == (
        "escore: warning: city_video_incidents.date: 1 row(s) dated before 2017, the year fj2017 assesses: "
        f"ev/monitoring/city_video_incidents.csv:{line} (fuzhou, 2016-09-01); scored as given\n"
    )


def test_a_monitoring_date_outside_the_assessment_year_is_scored_as_given_and_warned_of(work):
    # 2018 typed for 2017: the 12 months of 注1 end a year after the letters, so the unit's
    # 咨询投诉 block is zeroed; the date may be meant (a derived year's inherited sample), so it is
    # scored as given, and the assessor is told which unit's date lies outside the year.
    unit = copy("county") / "units" / "fuzhou.gulou.toml"
    edit(unit, r"^monitoring_date = 2017-11-30$", "monitoring_date = 2018-11-30")
    warned = (
        "escore: warning: website.monitoring_date: 1 unit(s) give a date outside 2017, the year fj2017 assesses: "
        "2018-11-30 for 1 unit(s): ev/units/fuzhou.gulou.toml; scored as given, and every window or deadline counted from it moves with it\n"
    )
    stderr, scored_json = scored("county")
    assert stderr == warned
    assert scored("county")[0] == warned  # the cached evidence set says it again
    # The warning travels with the results: in the JSON, the results workbook and the HTML report.
    assert scored_json["warnings"] == [warned.removeprefix("escore: warning: ").rstrip("\n")]
    for fmt in ("xlsx", "html"):
        made = CliRunner().invoke(cli, ["run", "-c", "county", "--evidence", "ev", "-f", fmt, "-o", f"out.{fmt}"])
        assert made.exit_code == 0, made.output
    import openpyxl

    about = openpyxl.load_workbook("out.xlsx")["说明 about"]
    rows = [(about.cell(r, 1).value, about.cell(r, 2).value) for r in range(1, about.max_row + 1)]
    assert ("warning", scored_json["warnings"][0]) in rows
    assert "<li>website.monitoring_date: 1 unit(s) give a date outside 2017" in Path("out.html").read_text(encoding="utf-8")
    gulou = next(u for u in scored_json["units"] if u["code"] == "fuzhou.gulou")
    explained = json.dumps(gulou, ensure_ascii=False)
    assert "no valid letter in the 12 months up to the monitoring date 2018-11-30" in explained
    edit(unit, r"^monitoring_date = 2018-11-30$", "monitoring_date = 2017-11-30")
    stderr, scored_json = scored("county")
    assert stderr == "" and "warnings" not in scored_json  # the sample's own date is in the year: no warning


def test_a_what_if_date_is_screened_as_a_file_s_date(work):
    # --set and --add-row go through the checks loading makes: a date decades away is refused
    # (2071 had been read as 54 years late), a monitoring date in another year is warned of.
    copy("county")

    def whatif(*args: str):
        return CliRunner().invoke(cli, ["whatif", "fuzhou.gulou", "-c", "county", "--evidence", "ev", "--lang", "en", *args])

    far = whatif("--set", "website.monitoring_date=2071-11-30")
    assert far.exit_code == 2, far.output
    assert far.stderr == (
        "escore: error: --set: website.monitoring_date: expected a date from 2007-01-01 to 2027-12-31 (10 years around 2017, "
        "the year fj2017 assesses), got 2071-11-30; is a digit of the year swapped?\n"
    )
    letter = whatif("--add-row", "website_letters:received=2071-01-01")
    assert letter.exit_code == 2 and letter.stderr.startswith(
        "escore: error: --add-row: website_letters: received: expected a date from 2007-01-01 to 2027-12-31"
    ), letter.output
    later = whatif("--set", "website.monitoring_date=2018-11-30")
    assert later.exit_code == 0, later.output
    assert later.stderr.splitlines()[0] == (
        "escore: warning: website.monitoring_date: 1 unit(s) give a date outside 2017, the year fj2017 assesses: "
        "2018-11-30 for 1 unit(s): --set; scored as given, and every window or deadline counted from it moves with it"
    )


@pytest.mark.parametrize(("category", "most"), [("county", "4"), ("city", "2"), ("provincial", "2")])
def test_the_template_gives_the_category_s_own_maximum(work, category, most):
    # One field feeds rows of different maxima (移动客户端: 市 2, 县 4, 省直 2): a category's
    # template says its own, as the workbook and the loader do, not every category's list.
    result = CliRunner().invoke(cli, ["template", "-c", category, "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    app = lines.index('# app = { points = 0, reason = "" }')
    assert lines[app - 2] == f'#   type: graded; expected: an inline table {{points = N, reason = "..."}} from 0 to {most} (points)'
    assert "(city " not in result.stdout


def test_one_table_in_two_files_of_a_folder_is_refused(work):
    # A table converted to Parquet with its CSV left beside it: every event had counted twice.
    pytest.importorskip("pyarrow")
    import pyarrow.csv
    import pyarrow.parquet

    folder = copy("provincial") / "monitoring"
    table = pyarrow.csv.read_csv(folder / "provincial_catalogue_errors.csv")
    pyarrow.parquet.write_table(table, folder / "provincial_catalogue_errors.parquet")
    refused(
        "provincial",
        "ev/monitoring/provincial_catalogue_errors.parquet: table provincial_catalogue_errors is given by "
        "provincial_catalogue_errors.csv too, in the same folder: keep one file per table (both would count every row)",
    )


def test_another_category_s_folder_with_tables_is_refused(work):
    # The county sample given to a city run: its unit files are counties', and its website tables
    # hold no row of a city; read as "no events" they had scored every city 0, exit 0.
    copy("county")
    result = CliRunner().invoke(cli, ["run", "-c", "city", "--evidence", "ev", "-f", "csv", "-o", "out.csv", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("escore: error: ev: no evidence for the 10 city unit(s) scored; skipped fuzhou.cangshan.toml")
    assert result.stderr.endswith("(are these the evidence files of other units, or of another category?)\n")
    assert not Path("out.csv").exists()


def test_a_misspelt_monitoring_column_is_named_beside_the_one_missing(work):
    table = copy("county") / "monitoring" / "website_letters.csv"
    edit(table, r"^unit,received,replied,", "unit,received,replyed,")
    result = CliRunner().invoke(cli, ["run", "-c", "county", "--evidence", "ev", "-f", "json", "-o", "out.json", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert (
        result.stderr
        == "escore: error: ev/monitoring/website_letters.csv: replied: missing column; the header has 'replyed': write it replied\n"
    )


def test_rows_of_a_kind_over_two_files_are_named_by_file(work):
    # A table split over two evidence folders: the rows over the bound are named with their files.
    table = copy("city") / "monitoring" / "city_video_incidents.csv"
    header, *rows = table.read_text(encoding="utf-8").splitlines()
    lines = [n for n, t in enumerate(rows, start=2) if t.startswith("fuzhou.minhou,") and ",hd_room_missing," in t]
    more = Path("ev2") / "monitoring" / "city_video_incidents.csv"
    more.parent.mkdir(parents=True)
    more.write_text(header + "\n" + "fuzhou.minhou,2017-12-13,hd_room_missing,第3间\n" * 2, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "city", "-e", "ev", "-e", "ev2", "-f", "json", "-o", "out.json", "--lang", "en"])
    assert result.exit_code == 2, result.output
    listed = ", ".join(
        [*(f"ev/monitoring/city_video_incidents.csv:{n}" for n in lines), *(f"ev2/monitoring/city_video_incidents.csv:{n}" for n in (2, 3))]
    )
    assert result.stderr == (
        f"escore: error: ev2/monitoring/city_video_incidents.csv:{5 - len(lines)}: kind: expected at most 3 rows with kind "
        f"hd_room_missing for a unit; fuzhou.minhou has {len(lines) + 2} (rows {listed})\n"
    )


def test_a_what_if_row_of_a_sub_unit_in_a_table_that_does_not_roll_up_is_refused(work):
    """--add-row 'city_mlps_findings:unit=xiamen.siming,…' was accepted and counted for nobody
    ('no indicator changed'), as such a row in a file had been before it was refused."""
    result = CliRunner().invoke(
        cli, ["whatif", "xiamen", "--lang", "en", "--add-row", "city_mlps_findings:unit=xiamen.siming,date=2017-10-01,system=x,finding=y"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "escore: error: --add-row: city_mlps_findings:unit: city_mlps_findings does not roll up: a sub-unit's rows count "
        "for its parent in roll-up tables only; record this row under 'xiamen'\n"
    )
    rolled = CliRunner().invoke(
        cli, ["whatif", "xiamen", "--lang", "en", "--add-row", "city_video_incidents:unit=xiamen.siming,date=2017-10-01,kind=rollcall_late"]
    )
    assert rolled.exit_code == 0, rolled.output  # a roll-up table's sub-unit row counts for the city


def test_a_what_if_row_dated_before_the_assessed_year_is_warned_of(work):
    """A row added by --add-row before the assessed year had no warning, where the same row in a file has one."""
    result = CliRunner().invoke(cli, ["whatif", "xiamen.siming", "--lang", "en", "--add-row", "website_summaries:received=2016-12-01"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "escore: warning: website_summaries.received: 1 row(s) dated before 2017, the year fj2017 assesses: "
        "--add-row: website_summaries (xiamen.siming, 2016-12-01); scored as given\n"
    )
