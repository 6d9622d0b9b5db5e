"""Appeals and what-ifs of the fj2017 packs: what a change may set, which indicators it may
move, how a decision is recorded and how its effect is shown."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import ROOT

pytest.importorskip("escore_fj2017_website")
pytest.importorskip("escore_fj2017_city")
pytest.importorskip("escore_fj2017_provincial")


@pytest.fixture
def runner(tmp_path, monkeypatch):
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS", "ESCORE_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    monkeypatch.setenv("ESCORE_LANG", "en")
    return CliRunner()


def _graded(field: str, points: str) -> str:
    return f'{field}={{ points = {points}, reason = "x" }}'


@pytest.mark.parametrize(
    ("field", "points", "maximum", "indicator"),
    [
        ("website.channels.app", "3", "2", "W-L-5-2-1"),
        ("website.residual.l_disclosure", "12", "10.5", "W-L-1-R"),
        ("website.disclosure.public_resources", "3", "2", "W-L-1-1-1"),
    ],
)
def test_a_grade_above_the_unit_s_own_maximum_is_refused_by_whatif_and_appeal_add(runner, field, points, maximum, indicator):
    """A city's grade was checked against the largest maximum of any category (the county's):
    whatif printed a made-up result and an accepted appeal made every run exit 1."""
    expected = (
        f'escore: error: --set: {field}: expected an inline table {{points = N, reason = "..."}} from 0 to {maximum} (points), '
        f"got {{points = {points}, reason = 'x'}}\n"
    )
    whatif = runner.invoke(cli, ["whatif", "fuzhou", "--no-appeals", "--set", _graded(field, points)])
    assert (whatif.exit_code, whatif.stderr) == (2, expected)
    filed = runner.invoke(cli, ["appeal", "add", "xiamen", indicator, "--claim", "app", "--set", _graded(field, points)])
    assert (filed.exit_code, filed.stderr) == (2, expected)
    assert json.loads(runner.invoke(cli, ["appeal", "list", "-f", "json"]).stdout) == {"appeals": []}


def test_the_same_grade_is_within_a_county_s_maximum(runner):
    result = runner.invoke(cli, ["whatif", "ningde.xiapu", "--no-appeals", "--set", _graded("website.channels.app", "3"), "-f", "json"])
    assert result.exit_code == 0, result.output


def test_an_accepted_appeal_of_an_older_store_with_such_a_grade_is_refused_naming_it(runner, tmp_path):
    """An appeal accepted by an older escore, whose grade exceeds the unit's maximum: every run
    of the category exited 1 with an indicator error (ValueError: assessor points 3 outside 0..2)."""
    from escore._store import open_store

    with open_store(tmp_path / "escore.db") as store:
        changes = {"set": [{"field": "website.channels.app", "value": '{ points = 3, reason = "x" }'}], "add_row": [], "remove_row": []}
        number = store.add_appeal(
            ruleset="fj2017", year=2017, category="city", unit="xiamen", indicator="W-L-5-2-1", claim="a", changes=changes
        )
        store.decide_appeal(number, accept=True, reason="ok")
    result = runner.invoke(cli, ["run", "-c", "city"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        'escore: error: appeal #1: website.channels.app: expected an inline table {points = N, reason = "..."} from 0 to 2 (points), '
        "got {points = 3, reason = 'x'} (accepted appeals apply to every later run of fj2017 city; --no-appeals scores without them)"
    )
    assert runner.invoke(cli, ["run", "-c", "city", "--no-appeals"]).exit_code == 0


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_decision_without_a_reason_is_refused_and_not_recorded(runner, reason):
    """``appeal decide 1 --accept --reason ""`` was recorded (exit 0), a decision with no reason."""
    grade = _graded("website.channels.app", "2")
    assert runner.invoke(cli, ["appeal", "add", "xiamen", "W-L-5-2-1", "--claim", "app", "--set", grade]).exit_code == 0
    result = runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", reason])
    assert (result.exit_code, result.stderr) == (
        2,
        "escore: error: --reason: say why the appeal is decided so; it is recorded with the decision\n",
    )
    assert [a["status"] for a in json.loads(runner.invoke(cli, ["appeal", "list", "-f", "json"]).stdout)["appeals"]] == ["filed"]
    assert runner.invoke(cli, ["appeal", "decide", "1", "--reject", "--reason", "not on 闽政通"]).exit_code == 0


def _appeal_lyt(runner) -> None:
    """prov.lyt's P-1-3-2 (a share of 13 systems) from 11 to 12 running, by an accepted appeal,
    between two saved runs: 11/13 × 5 and 12/13 × 5 have no end."""
    assert runner.invoke(cli, ["run", "-c", "provincial", "--save", "--label", "before"]).exit_code == 0
    args = ["appeal", "add", "prov.lyt", "P-1-3-2", "--claim", "x", "--set", "provincial.projects.systems_running=12"]
    assert runner.invoke(cli, args).exit_code == 0
    assert runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "ok"]).exit_code == 0
    assert runner.invoke(cli, ["run", "-c", "provincial", "--save", "--label", "after"]).exit_code == 0


def test_an_appeal_s_line_shows_points_as_the_line_above_does(runner):
    """The appeal's line printed 4.230769230769230769230769231 → 4.615384615384615384615384615
    under a line that said ≈ 4.2308; the JSON's points stay exact."""
    _appeal_lyt(runner)
    line = "points changed by appeal #1: ≈4.2308 → ≈4.6154 (x)"
    explained = runner.invoke(cli, ["explain", "prov.lyt"])
    assert explained.exit_code == 0, explained.output
    assert [row.strip() for row in explained.stdout.splitlines() if "appeal #" in row] == [f"· {line}"]
    table = runner.invoke(cli, ["diff", "1", "2"])
    assert f"after  · {line}" in table.stdout, table.stdout
    page = runner.invoke(cli, ["diff", "1", "2", "-f", "html"])
    assert line in page.stdout and "4.230769230769230769230769231" not in page.stdout
    found = json.loads(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]).stdout)
    (item,) = next(u for u in found["units"] if u["code"] == "prov.lyt")["indicators"]
    assert (item["points_before"], item["points_after"]) == ("4.230769230769230769230769231", "4.615384615384615384615384615")
    assert item["reasons_after"][-1] == line


def test_points_are_shown_exactly_up_to_four_decimals():
    from decimal import Decimal

    from escore._score import fmt_points

    assert [fmt_points(Decimal(v)) for v in ("3", "4.50", "1.8500", "0.0001", "2.00005", "-0.38461")] == [
        "3",
        "4.5",
        "1.85",
        "0.0001",
        "≈2.0001",
        "≈-0.3846",
    ]


def test_a_diff_s_indicator_deltas_add_up_to_the_section_s(runner):
    """P-1-3-2's delta was 0.384615384615384615384615384 (28 digits) where its section's and the
    unit's were 0.38461538461538461538 (settled at 20 places): the documented sum did not hold."""
    _appeal_lyt(runner)
    found = json.loads(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]).stdout)
    unit = next(u for u in found["units"] if u["code"] == "prov.lyt")
    ((code, delta),) = [(i["code"], i["delta"]) for i in unit["indicators"]]
    sections = {s["name"]: s["delta"] for s in unit["sections"]}
    assert (code, delta, sections["comprehensive"], unit["delta"]) == ("P-1-3-2", *["0.38461538461538461538"] * 3)
    whatif = ["whatif", "prov.lyt", "--no-appeals", "--set", "provincial.projects.systems_running=12", "-f", "json"]
    (item,) = json.loads(runner.invoke(cli, whatif).stdout)["indicators"]
    assert item["delta"] == "0.38461538461538461538"


def test_every_unit_s_indicator_deltas_add_up_to_its_section_s(runner, tmp_path):
    """Every department with four shares moved by one: the comprehensive section (weight 65 of raw
    maximum 65) of 37 of the 38 had indicator deltas that did not add up to its delta."""
    import re
    import shutil
    from decimal import Decimal

    sample = ROOT / "plugins/indicators_provincial/escore_fj2017_provincial/sample/provincial"
    changed = tmp_path / "provincial"
    shutil.copytree(sample, changed)
    for path in (changed / "units").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for key in ("records_loaded", "decisions_on_time", "systems_running", "updates_on_time"):
            text = re.sub(rf"^({key} = )(\d+)", lambda m: f"{m.group(1)}{max(int(m.group(2)) - 1, 0)}", text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["diff", str(sample), str(changed), "-c", "provincial", "-f", "json"])
    assert result.exit_code == 0, result.output
    checked = 0
    for unit in json.loads(result.stdout)["units"]:
        section = next(s for s in unit["sections"] if s["name"] == "comprehensive")
        assert not section["capped_before"] and not section["capped_after"]
        deltas = [Decimal(i["delta"]) for i in unit["indicators"] if i["code"].startswith("P-")]  # the comprehensive table's
        assert len(deltas) >= 2 and sum(deltas, Decimal(0)) == Decimal(section["delta"]), unit["code"]
        checked += 1
    assert checked == 38


_ANSWERED = [
    "--remove-row",
    "website_letters:554",
    "--add-row",
    'website_letters:received=2017-08-04,replied=2017-08-20,subject="关于社保转移的咨询"',
]


def test_an_appeal_whose_change_turns_a_veto_on_other_indicators_is_refused_naming_them(runner):
    """A letter answered in time, filed against W-L-3-1-1: once accepted it lifted 注1's veto W-L-V1
    and moved W-L-3-1-2 (0 → 2.5) too, which the appeal does not name."""
    result = runner.invoke(cli, ["appeal", "add", "ningde.xiapu", "W-L-3-1-1", "--claim", "answered", *_ANSWERED])
    assert (result.exit_code, result.stderr) == (
        2,
        "escore: error: this change turns veto W-L-V1 (注1 咨询投诉不得分) and so moves W-L-3-1-2 (0 → 2.5), not W-L-3-1-1 alone: "
        "an appeal changes the indicator it appeals; file it against W-L-V1 to change every indicator the veto targets "
        "(W-L-3-1-1, W-L-3-1-2)\n",
    )
    assert json.loads(runner.invoke(cli, ["appeal", "list", "-f", "json"]).stdout) == {"appeals": []}


def test_a_veto_is_appealed_by_its_code_and_may_change_every_indicator_it_targets(runner):
    """W-L-V1, the code every line of 注1 names, was "no indicator 'W-L-V1'": a veto could not be appealed."""
    assert runner.invoke(cli, ["run", "-c", "county", "--save", "--label", "before"]).exit_code == 0
    filed = runner.invoke(cli, ["appeal", "add", "ningde.xiapu", "W-L-V1", "--claim", "answered", *_ANSWERED])
    assert filed.exit_code == 0, filed.output
    assert runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "ok"]).exit_code == 0
    assert runner.invoke(cli, ["run", "-c", "county", "--save", "--label", "after"]).exit_code == 0
    found = json.loads(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]).stdout)
    (unit,) = [u for u in found["units"] if u["code"] == "ningde.xiapu"]
    assert [(i["code"], i["delta"], i["reasons_after"][-1]) for i in unit["indicators"]] == [
        ("W-L-3-1-1", "2", "points changed by appeal #1: 0 → 2 (answered)"),
        ("W-L-3-1-2", "2.5", "points changed by appeal #1: 0 → 2.5 (answered)"),
    ]
    assert unit["delta"] == "4.5"


def test_an_appeal_of_a_veto_with_no_change_says_so_on_each_target(runner):
    assert runner.invoke(cli, ["appeal", "add", "ningde.xiapu", "W-L-V1", "--claim", "late but answered"]).exit_code == 0
    assert runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "ok"]).exit_code == 0
    explained = runner.invoke(cli, ["explain", "ningde.xiapu"])
    assert [line.strip() for line in explained.stdout.splitlines() if "appeal #" in line] == [
        "· appeal #1 accepted, no change in points (late but answered)"
    ] * 2


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "W-L-3-1",
            "W-L-3-1 is a group of indicators, not an indicator: an appeal names one indicator (W-L-3-1-1, W-L-3-1-2), "
            "or a veto to change every indicator it targets (W-L-V1 → W-L-3-1-1, W-L-3-1-2)",
        ),
        (
            "W-L-1-1",
            "W-L-1-1 is a group of indicators, not an indicator: an appeal names one indicator "
            "(W-L-1-1-1, W-L-1-1-4, W-L-1-1-5, W-L-1-1-6, W-L-1-1-7, W-L-1-1-9)\n",
        ),
    ],
)
def test_a_group_code_is_refused_with_its_indicators(runner, code, message):
    """``appeal add ningde.xiapu W-L-3-1`` (a group) was filed as if it were an indicator."""
    result = runner.invoke(cli, ["appeal", "add", "ningde.xiapu", code, "--claim", "x"])
    assert result.exit_code == 2 and result.stderr.startswith(f"escore: error: {message}"), result.stderr
    assert json.loads(runner.invoke(cli, ["appeal", "list", "-f", "json"]).stdout) == {"appeals": []}


def test_a_row_an_appeal_adds_has_one_line_number_in_run_and_explain(runner, tmp_path, monkeypatch):
    """A row an appeal adds is numbered after the table's last row. explain, which decodes only
    the unit's records of the cached set, numbered it after the unit's own rows (line 76, another
    unit's row; the run said 82): the cached set keeps each table's last line."""
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    change = ["--remove-row", "website_annual_reports:75", "--add-row", "website_annual_reports:year=2016,published=2017-03-30"]
    assert runner.invoke(cli, ["appeal", "add", "ningde.gutian", "W-L-1-2-3", "--claim", "on time", *change]).exit_code == 0
    assert runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "checked"]).exit_code == 0
    run = json.loads(runner.invoke(cli, ["run", "-c", "county", "-f", "json"]).stdout)
    (unit,) = [u for u in run["units"] if u["code"] == "ningde.gutian"]
    (indicator,) = [i for i in unit["indicators"] if i["code"] == "W-L-1-2-3"]
    line = "report on 2016 published 2017-03-30 (line 82), due 2017-03-31"
    assert line in indicator["reasons"]
    explained = runner.invoke(cli, ["explain", "ningde.gutian"])
    assert f"· {line}\n" in explained.stdout
