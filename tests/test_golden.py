"""The pytest plugin and `escore verify`, tested with pytester and on mutated copies of a pack."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import DEMO

CASE = """
[[case]]
id = "north"
category = "town"
unit = "north"
evidence = ["{sample}"]

[case.expect]
total = "{total}"
indicators = {{ "S-1-1" = "{points}" }}
"""


@pytest.fixture
def demo_only(monkeypatch):
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")


def write_case(pytester, total="92", points="10"):
    # xdist workers are new processes: a conftest puts the demo pack on their path too.
    pytester.makeconftest(f"import sys\nsys.path.insert(0, {str(DEMO)!r})\n")
    golden = pytester.mkdir("golden")
    sample = DEMO / "escore_demo" / "sample"
    (golden / "towns.toml").write_text(CASE.format(sample=sample.as_posix(), total=total, points=points), encoding="utf-8")
    return golden


def test_golden_cases_are_collected_as_items(pytester, demo_only):
    write_case(pytester)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["golden/towns.toml::north@north PASSED*"])
    assert result.ret == 0


def test_a_failing_case_reports_in_domain_terms(pytester, demo_only):
    write_case(pytester, total="90", points="6")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*golden case north: unit north",
            "S-1-1 Reply rate: expected 6, got 10 (scored) of max 10",
            "    · reply rate 100% matched tier '≥ 100% → 10'",
            "    source: 「rate ≥100% → 10, ≥80% → 6」",
            "total: expected 90, got 92 (services 52, website 40)",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("expect", "failing", "passing"),
    [
        ('{ points = "50", raw = "52" }', "section services: expected 50 points, got 52 (raw 52 of 60)", "expected raw"),
        ('{ points = "52", raw = "51" }', "section services: expected raw 51, got 52", "points, got"),
    ],
)
def test_a_section_s_points_and_raw_are_checked_on_their_own(pytester, demo_only, expect, failing, passing):
    """A section's expected points (weighted) and raw sum each fail on their own line, the other
    staying silent when it holds; a section as expected says nothing."""
    golden = write_case(pytester)
    case = (golden / "towns.toml").read_text(encoding="utf-8")
    (golden / "towns.toml").write_text(case + f'sections = {{ services = {expect}, website = "40" }}\n', encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*golden case north: unit north", failing])
    out = result.stdout.str()
    assert passing not in out and "section website" not in out


OVERWEIGHT = """
from escore import Category, Ruleset, Section, hookimpl


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset("demo2030", 2030, "Demo 2030", extends="demo2024"))


@hookimpl
def escore_register_categories(register):
    register(Category("demo2030", "town", "Towns", subunits="village", total=100))


@hookimpl
def escore_register_sections(register):
    register(Section("demo2030", "town", "services", "Public services", weight=70, raw_max=60))
"""


def test_a_pack_s_own_golden_cases_fail_when_its_sections_weigh_more_than_the_total(pytester, monkeypatch):
    """The pytest plugin's catalogue (a pack's own tests) did not check the category's total: a
    case passed with sections weighing 110 of 100, which `escore verify` refuses."""
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,overweight")
    golden = write_case(pytester)
    pytester.makepyfile(overweight=OVERWEIGHT)
    pytester.syspathinsert()
    case = (golden / "towns.toml").read_text(encoding="utf-8").replace('category = "town"', 'ruleset = "demo2030"\ncategory = "town"')
    (golden / "towns.toml").write_text(case.replace('total = "92"\n', ""), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*golden case north: demo2030/town: the sections weigh 110 in all (services 70 [[]demo2030[]] + website 40 [[]demo2024[]]), "
            "but the category totals 100: a section's weight is wrong, or a section is registered that the category does not have"
        ]
    )


def test_unknown_keys_and_codes_get_suggestions(pytester, demo_only):
    golden = write_case(pytester)
    text = (golden / "towns.toml").read_text(encoding="utf-8")
    (golden / "towns.toml").write_text(text.replace('"S-1-1"', '"S-1-11"'), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*expect.indicators.S-1-11: no indicator 'S-1-11' in demo2024/town (did you mean 'S-1-1'?)"])
    (golden / "towns.toml").write_text(text.replace("[case.expect]", "[case.expct]"), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*case[[]0[]].expct: unknown key (did you mean 'expect'?)*"])


def test_selection_and_last_failed_work_like_any_item(pytester, demo_only):
    golden = write_case(pytester)
    (golden / "more.toml").write_text(
        CASE.format(sample=(DEMO / "escore_demo" / "sample").as_posix(), total="1", points="10"), encoding="utf-8"
    )
    assert pytester.runpytest("-k", "towns").ret == 0
    assert pytester.runpytest().ret == 1
    result = pytester.runpytest("--lf", "-v")
    result.stdout.fnmatch_lines(["*run-last-failure: rerun previous 1 failure*", "*more.toml::north@north FAILED*"])
    assert "towns.toml" not in result.stdout.str()
    assert pytester.runpytest("-x").ret == 1
    parallel = pytester.runpytest("-n", "2")
    parallel.assert_outcomes(passed=1, failed=1)


def test_projects_without_golden_cases_are_unaffected(pytester):
    pytester.makepyfile(
        "def test_x():\n    import sys\n    assert 'escore._golden' not in sys.modules and 'escore._plugins' not in sys.modules\n"
    )
    pytester.makefile(".toml", settings="[tool]\nname = 'not a golden case'\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


@pytest.fixture
def mutant(tmp_path, monkeypatch):
    """A copy of the demo pack under another import name, for mutation."""

    def make(name, old, new, file="services.py"):
        target = tmp_path / name
        shutil.copytree(DEMO / "escore_demo", target)
        rules = target / file
        text = rules.read_text(encoding="utf-8")
        assert old in text
        rules.write_text(text.replace(old, new), encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
        monkeypatch.setenv("ESCORE_PLUGINS", f"{name}.plugin")
        return target

    yield make
    for module in [m for m in sys.modules if m.startswith("mutant_")]:
        del sys.modules[module]


def test_verify_passes_on_the_pack_as_shipped(demo_only):
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024"])
    assert result.exit_code == 0, result.output
    assert "3 passed" in result.output


def test_verify_v_lists_each_case_with_its_result(demo_only):
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "-v"])
    assert result.exit_code == 0, result.output
    lines = [line.split(" PASSED")[0].rpartition("/")[2] for line in result.output.splitlines() if " PASSED" in line]
    assert lines == ["towns.toml::south-sample@south", "towns.toml::reply-rate-boundary@test.town", "towns.toml::twenty-outages@east"]


def _verify_edited(tmp_path, old: str, new: str):
    """``escore verify`` on a copy of the demo's golden cases with ``old`` made ``new`` once in
    towns.toml (its sample evidence named where it is)."""
    golden = tmp_path / "golden"
    shutil.copytree(DEMO / "escore_demo" / "golden", golden)
    cases = golden / "towns.toml"
    text = cases.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1).replace('"../sample', f'"{DEMO / "escore_demo" / "sample"}')
    cases.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["verify", str(golden), "--lang", "en"])


def test_verify_refuses_a_case_stating_an_indicator_no_ruleset_has(demo_only, tmp_path):
    """It was one failing case among the others, exit 1, as for a wrong number."""
    result = _verify_edited(tmp_path, '"S-1-1" =', '"S-1-9" =')
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert "[case reply-rate-boundary]: expect.indicators.S-1-9: no indicator 'S-1-9' in demo2024/town (did you mean " in result.stderr


def test_verify_refuses_a_case_giving_evidence_of_the_wrong_type(demo_only, tmp_path):
    """A case whose field does not read was a failing case (exit 1), as a wrong number is."""
    result = _verify_edited(tmp_path, '"service.reply_rate" = 80', '"service.reply_rate" = "eighty"')
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert "[case reply-rate-boundary]: service.reply_rate: expected " in result.stderr
    assert result.stderr.rstrip().endswith("got 'eighty'"), result.stderr


def test_verify_refuses_a_case_row_dated_decades_away(demo_only, tmp_path):
    """A case's own rows were scored with any date (2204 for 2024 read as 180 years later); they
    are screened as an evidence file's are."""
    result = _verify_edited(tmp_path, "{ date = 2024-01-05,", "{ date = 2204-01-05,")
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert "tables.outages:5: date: expected a date from 2014-01-01 to 2034-12-31 (10 years around 2024" in result.stderr, result.stderr


def test_verify_names_a_case_file_that_does_not_read_and_a_file_that_is_not_one(demo_only, tmp_path):
    """A golden file with bad TOML was pytest's collection error, its stack on stdout and exit 1;
    a file that is not a case file was pytest's "not found"; a folder not named golden was "no
    golden case was collected" with no word of why."""
    golden = tmp_path / "golden"
    shutil.copytree(DEMO / "escore_demo" / "golden", golden)
    broken = sorted(golden.glob("*.toml"))[0]
    broken.write_text(broken.read_text(encoding="utf-8") + "\ngarbage [[\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", str(golden), "--lang", "en"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"escore: error: {broken}: invalid TOML: ") and len(result.stderr.splitlines()) == 1
    other = tmp_path / "cases.csv"  # named on the command line: read as golden cases, which it is not
    other.write_text("a,b\n", encoding="utf-8")
    result = runner.invoke(cli, ["verify", str(other), "--lang", "en"])
    assert result.exit_code == 2 and result.stderr.startswith(f"escore: error: {other}: invalid TOML: "), result.stderr
    settings = tmp_path / "settings.toml"
    settings.write_text("[tool]\nname = 1\n", encoding="utf-8")
    result = runner.invoke(cli, ["verify", str(settings), "--lang", "en"])
    assert (result.exit_code, result.stderr) == (2, f"escore: error: {settings}: tool: unknown key (expected one of: case)\n")
    renamed = tmp_path / "cases"
    renamed.mkdir()
    ignored = renamed / "build" / "golden" / "copy.toml"  # a folder pytest does not look into: not read either
    ignored.parent.mkdir(parents=True)
    ignored.write_text("garbage [[\n", encoding="utf-8")
    result = runner.invoke(cli, ["verify", str(renamed), "--lang", "en"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "escore: error: no golden case was collected; in a directory, golden case files are *.toml files in a directory named "
        "'golden' and *.golden.toml files (a file named on the command line is read whatever its name)"
    )


def _demo_cases(target: Path) -> Path:
    """The demo's golden cases copied to ``target`` (any name), their sample evidence named where it is."""
    text = (DEMO / "escore_demo" / "golden" / "towns.toml").read_text(encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace('"../sample', f'"{DEMO / "escore_demo" / "sample"}'), encoding="utf-8")
    return target


def test_verify_reads_a_file_it_is_given_whatever_its_name_and_names_the_case_files_a_directory_leaves_out(demo_only, tmp_path):
    """A valid case file named cases.toml outside a golden/ directory was refused ("not a golden
    case file", in English under any language); in a directory it was skipped without a word."""
    runner = CliRunner()
    folder = tmp_path / "g"
    for name in ("cases.toml", "cases.txt"):
        result = runner.invoke(cli, ["verify", str(_demo_cases(folder / name)), "--lang", "en"])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1].startswith("3 passed"), result.stdout
        (folder / name).unlink()
    _demo_cases(folder / "cases.toml")
    _demo_cases(folder / "more" / "b.toml")
    _demo_cases(folder / "a.golden.toml")
    (folder / "ev" / "units").mkdir(parents=True)
    (folder / "ev" / "units" / "x.toml").write_text("[service]\nreply_rate = 80\n", encoding="utf-8")  # evidence: no word of it
    result = runner.invoke(cli, ["verify", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("3 passed"), result.stdout  # a.golden.toml's
    assert result.stderr == (
        f"escore: warning: {folder}: 2 file(s) hold golden cases but were not read: cases.toml, {Path('more', 'b.toml')} "
        "(in a directory, golden case files are *.toml files in a directory named 'golden' and *.golden.toml files: "
        "rename them, or name each on the command line)\n"
    )
    zh = runner.invoke(cli, ["verify", str(folder), "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    assert zh.stderr == (
        f"escore：警告：{folder}：有 2 个文件含黄金案例但未被读取：cases.toml, {Path('more', 'b.toml')}"
        "（在目录中，黄金案例文件是名为 golden 的目录中的 *.toml 文件和 *.golden.toml 文件：请改名，或在命令行上逐个给出）\n"
    )


def test_verify_says_once_that_a_pack_s_tree_does_not_hold_together(mutant):
    """Each case had failed with the same load error, and verify exited 1 as for a wrong number."""
    mutant("mutant_sum", 'S1 = group("S-1", "Requests", max=30, parent="S")', 'S1 = group("S-1", "Requests", max=35, parent="S")')
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert result.output.count("declares max 60") == 1, result.output
    assert "passed" not in result.output and "failed" not in result.output


def test_a_misspelt_parent_in_a_pack_s_roster_is_refused_when_the_packs_load(mutant):
    """South Town's village named 'soutth' as its parent: its outages rolled up into no town, South
    Town ranked at 75.50 instead of 75.45 with exit 0, and only the pack's own golden case noticed."""
    mutant("mutant_villages", 'parent = "south"', 'parent = "soutth"', file="villages.toml")
    message = (
        "escore: error: mutant_villages/villages.toml: unit[0].parent: unknown unit code 'soutth'; "
        "expected the code of a unit of town (did you mean 'south'?)\n"
    )
    for args in (["run", "-c", "town"], ["verify", "--ruleset", "demo2024"]):
        result = CliRunner().invoke(cli, [*args, "--lang", "en"])
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", message), result.output


def test_verify_fails_when_a_tier_threshold_changes(mutant):
    pack = mutant("mutant_tier", "[(100, 10), (80, 6)]", "[(100, 10), (85, 6)]")
    result = CliRunner().invoke(cli, ["verify", str(pack / "golden")])
    assert result.exit_code == 1
    assert "golden case reply-rate-boundary (exactly 80% is in the ≥80% row): unit test.town" in result.output
    assert "S-1-1 Reply rate: expected 6, got 0 (scored) of max 10" in result.output
    # the sample case of South Town (reply rate exactly 80%) fails too
    assert "total: expected 75.45, got 69.45 (services 35.85, website 33.6)" in result.output
    assert "2 failed, 1 passed" in result.output


def test_verify_fails_when_a_deduction_changes(mutant):
    pack = mutant("mutant_deduction", 'per={"outage": "0.05"}', 'per={"outage": "0.1"}')
    result = CliRunner().invoke(cli, ["verify", str(pack / "golden")])
    assert result.exit_code == 1
    assert "S-2-B-1 Outages: expected 29, got 28 (scored) of max 30" in result.output
    assert "S-2-B-1 Outages: expected 29.85, got 29.7 (scored) of max 30" in result.output


def test_verify_coverage_reports_untaken_branches_and_fails_under(demo_only):
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--coverage", "--fail-under", "100"])
    assert result.exit_code == 1
    assert "  S-2-A-1 Yearly plan: NOT REACHED  lines 0/1" in result.output
    assert "      never taken: ladder 'reply rate': < 80% → 0" in result.output
    assert "indicators reached 11/12 (91.7%)" in result.output
    assert "below --fail-under 100" in result.output
    assert CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--coverage", "--fail-under", "90"]).exit_code == 0


def test_coverage_skips_rules_of_other_categories(demo_plan, monkeypatch):
    import attrs

    from escore._coverage import expected_branches
    from escore_demo import services

    reply_rate = next(ip for ip in demo_plan.indicators if ip.node.code == "S-1-1")
    assert [b for _, b, _ in expected_branches(demo_plan, reply_rate)] == ["≥ 100% → 10", "≥ 80% → 6", "< 80% → 0"]
    monkeypatch.setattr(services, "REPLY_RATE", attrs.evolve(services.REPLY_RATE, categories=("village",)))
    assert expected_branches(demo_plan, reply_rate) == []


def test_verify_failures_in_chinese(mutant):
    pack = mutant("mutant_tier_zh", "[(100, 10), (80, 6)]", "[(100, 10), (85, 6)]")
    result = CliRunner().invoke(cli, ["verify", str(pack / "golden"), "--lang", "zh"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = lines.index("黄金案例 reply-rate-boundary (exactly 80% is in the ≥80% row)：单位 test.town")
    assert lines[at + 1] == "S-1-1 Reply rate：应为 6，实际为 0（已评分），满分 10"
    assert "总分：应为 75.45，实际为 69.45（services 35.85, website 33.6）" in lines


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ('indicators = { "S-1-1" = { status = "scord" } }', "expect.indicators.S-1-1.status: 应为以下之一：{0}（是否要找“scored”？）"),
        ('indicators = { "S-1-1" = true }', 'expect.indicators.S-1-1: 分数应写成字符串，如 "2.5"，实际为 true'),
        ('indicator = { "S-1-1" = "6" }', "expect.indicator: 未知的键（是否要找“indicators”？）"),
    ],
)
def test_bad_golden_cases_in_chinese(tmp_path, expect, message):
    from escore import _i18n
    from escore._errors import InputError
    from escore._golden import load_cases
    from escore._results import STATUSES

    case = tmp_path / "case.toml"
    case.write_text(f'[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\n\n[case.expect]\n{expect}\n', encoding="utf-8")
    _i18n.use("zh")
    try:
        with pytest.raises(InputError) as raised:
            load_cases(case)
    finally:
        _i18n.use("en")
    assert str(raised.value) == f"{case} [case x]: " + message.format(", ".join(STATUSES))


def test_verify_coverage_in_chinese(demo_only):
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--coverage", "--fail-under", "100", "--lang", "zh"])
    assert result.exit_code == 1
    assert "  S-2-A-1 Yearly plan: 未覆盖  代码行 0/1" in result.stdout
    assert "      从未走到：ladder“reply rate”：< 80% → 0" in result.stdout
    # the vocabulary's words for its branches in Chinese too (graded "none" had been English)
    for line in ("graded“design”：零分", "graded“design”：满分", "deduction“outages”：无扣分", "deduction“outages”：扣至保底"):
        assert f"      从未走到：{line}\n" in result.stdout
    for line in ("award“platforms”：无加分", "award“platforms”：达到上限", "binary“plan”：是", "binary“plan”：否"):
        assert f"      从未走到：{line}\n" in result.stdout
    assert "      从未走到：一票否决 V-1 Data leak\n" in result.stdout
    assert "      从未走到：加分后部分原始分封顶\n" in result.stdout
    assert "  覆盖指标 11/12（91.7%）· 走到的规则分支 " in result.stdout
    assert "escore：demo2024/town 的规则覆盖率：91.7% 的指标被覆盖，低于 --fail-under 100" in result.stderr


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\n[case.expect]\ntotal = "1"\n'
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "north"\n',
            "FILE: case[1].id: case id 'x' is used twice in this file",
        ),
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = 3\n',
            "FILE [case x]: unit: expected a roster unit code or a table {code, name, parent, attributes}",
        ),
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\nevidence = "units"\n',
            "FILE [case x]: evidence: expected a list of paths relative to the case file",
        ),
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\ntables = { outages = 1 }\n',
            "FILE [case x]: tables: expected table name = [ {unit = ..., column = value}, ... ]",
        ),
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\n[case.expect]\ntotal = "ninety"\n',
            "FILE [case x]: expect.total: expected a decimal number, got 'ninety'",
        ),
        (
            '[[case]]\nid = "x"\ncategory = "town"\nunit = "south"\n[case.expect]\ntotal = "NaN"\n',
            "FILE [case x]: expect.total: expected a finite number, got 'NaN'",
        ),
    ],
    ids=[
        "an id twice",
        "a unit that is neither",
        "evidence not a list",
        "tables not lists of rows",
        "a total not a number",
        "a total not finite",
    ],
)
def test_a_golden_case_file_s_mistakes_name_the_file_the_case_and_the_key(tmp_path, case, message):
    from escore._errors import InputError
    from escore._golden import load_cases

    path = tmp_path / "cases.toml"
    path.write_text(case, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_cases(path)
    assert str(raised.value) == message.replace("FILE", str(path))


def test_verify_fails_points_that_no_rule_gave(mutant):
    """Points stated for an indicator that raised, or whose evidence is missing, are the 0 no
    rule gave: the case had passed ("0" expected, 0 got). A stated total that counts an
    indicator which raised fails too, naming it, unless the case states the error."""
    target = mutant(
        "mutant_raises",
        "return REPLY_RATE.score(service_reply_rate)",
        "return REPLY_RATE.score(service_reply_rate) if service_reply_rate != 80 else 1 / 0",
    )
    cases = target / "golden" / "towns.toml"
    text = cases.read_text(encoding="utf-8")
    stated = 'indicators = { "S-1-1" = "6", "S-1-2" = { status = "missing" } }'
    assert stated in text
    cases.write_text(text.replace(stated, 'indicators = { "S-1-1" = "0", "S-1-2" = "0" }'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "S-1-1 Reply rate: expected 0, got 0 (error) of max 10" in result.stdout
    assert "S-1-2 Reply delay: expected 0, got 0 (missing) of max 10" in result.stdout
    # The error stated as such passes; the total the case then states names no other error.
    cases.write_text(
        text.replace(stated, 'total = "0"\nindicators = { "S-1-1" = { status = "error" }, "S-1-2" = { status = "missing" } }'),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--lang", "en", "-k", "reply-rate"])
    assert result.exit_code == 0, result.output
    cases.write_text(text.replace(stated, 'total = "0"\nindicators = { "S-1-2" = { status = "missing" } }'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "demo2024", "--lang", "en", "-k", "reply-rate"])
    assert result.exit_code == 1, result.output
    assert "S-1-1 Reply rate: raised an error, counted as 0 of max 10 in the points the case states" in result.stdout


NOT_APPLICABLE = """
[[case]]
id = "plan-not-filed"
category = "town"
unit = "south"
fields = {{ "service.plan_filed" = false }}

[case.expect]
indicators = {{ "S-2-A-1" = {expect} }}
"""


def test_verify_fails_points_stated_for_an_indicator_that_does_not_apply(demo_only, tmp_path):
    """South Town is a rural town: the market towns' plan (S-2-A-1) does not apply to it, and its
    0 is no rule's. A case stating "0" for it had passed, whatever the rule would have given."""
    case = tmp_path / "plan.golden.toml"
    case.write_text(NOT_APPLICABLE.format(expect='"0"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", str(case), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "S-2-A-1 Yearly plan: expected 0, got 0 (not_applicable) of max 30" in result.stdout
    assert "    · applies to units with kind = market; this unit has kind = rural" in result.stdout
    for stated in ('{ status = "not_applicable" }', '{ points = "0", status = "not_applicable" }'):
        case.write_text(NOT_APPLICABLE.format(expect=stated), encoding="utf-8")
        result = CliRunner().invoke(cli, ["verify", str(case), "--lang", "en"])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'indicators = { "S-2-B-1" = "29.00" }',
            "",
            "[case twenty-outages]: expect: the case states nothing to check; give expect.total, expect.sections or expect.indicators",
        ),
        (
            '"S-2-B-1" = "29.00"',
            '"S-2-B-1" = {}',
            "[case twenty-outages]: expect.indicators.S-2-B-1: expected points or a status; an empty table checks nothing",
        ),
    ],
)
def test_verify_refuses_a_case_that_checks_nothing(demo_only, tmp_path, old, new, message):
    """A case without an expectation passed whatever the rules gave (and, under an inherited
    case's id, would switch that case off)."""
    result = _verify_edited(tmp_path, old, new)
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert message in result.stderr, result.stderr
