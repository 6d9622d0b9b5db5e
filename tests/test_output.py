"""Machine output of the fj2017 packs: exact values, JSON Schemas, the reproducibility stamp, no machine paths."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path

import pytest

pytest.importorskip("escore_fj2017_website", reason="the fj2017 packs are not installed")
jsonschema = pytest.importorskip("jsonschema")

from click.testing import CliRunner  # noqa: E402

from escore._report import SCHEMAS, schema_text  # noqa: E402
from escore._score import EXACT_SUMS, settle  # noqa: E402
from escore_cli import cli  # noqa: E402

from .conftest import ROOT  # noqa: E402

CATEGORIES = ("provincial", "city", "county")
WEBSITE_SAMPLE = ROOT / "plugins" / "indicators_website" / "escore_fj2017_website" / "sample"


@pytest.fixture
def runner(monkeypatch):
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS", "ESCORE_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def invoke(runner, *args, code=0):
    if args[0] in ("run", "list", "explain", "template") and "--ruleset" not in args:
        args = (*args, "--ruleset", "fj2017")  # these expectations are fj2017's, whatever else is installed
    result = runner.invoke(cli, list(args))
    assert result.exit_code == code, result.output + result.stderr
    return result


@pytest.fixture(scope="module")
def outputs():
    """``run -f json`` and ``list -f json`` of every category, through the command line."""
    runner = CliRunner()
    out = {}
    for category in CATEGORIES:
        out[category] = (
            json.loads(runner.invoke(cli, ["run", "-c", category, "-f", "json", "--ruleset", "fj2017"]).stdout),
            json.loads(runner.invoke(cli, ["list", "-c", category, "-f", "json", "--ruleset", "fj2017"]).stdout),
        )
    return out


def validator(name):
    schema = json.loads(schema_text(name))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_validates_against_the_schemas(outputs, category):
    run, tree = outputs[category]
    for name, data in (("run", run), ("list", tree)):
        errors = sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
        assert data["schema_version"] == json.loads(schema_text(name))["properties"]["schema_version"]["const"] == 2


def test_the_rounding_string_says_how_sums_of_non_terminating_quotients_are_settled(outputs):
    """It had said only that such quotients are carried at 28 significant digits; the raw scores,
    subtotals and section points that sum them are settled at 20 places (README "Exact arithmetic")."""
    settled = (
        "a sum of such quotients (a raw score, a group's subtotal, a section's points where weight ÷ raw max does not terminate) "
        "is settled at 20 decimal places, half-even"
    )
    for category in CATEGORIES:
        assert settled in outputs[category][0]["rounding"]
    assert settled in json.loads(schema_text("run"))["description"]
    for text in ((ROOT / "docs" / "machine-output.md").read_text(encoding="utf-8"), (ROOT / "README.md").read_text(encoding="utf-8")):
        assert "settled at 20 decimal places" in " ".join(text.split()).replace("**", "")


@pytest.mark.parametrize(("unit", "category"), [("fuzhou", "city"), ("fuzhou.gulou", "county"), ("prov.fgw", "provincial")])
def test_explain_json_is_a_run_document_of_one_unit_ranked_against_none(runner, outputs, unit, category):
    """`escore explain -f json` validates against the run schema (its rank is null: one unit is
    scored, against no other), and its unit is the run's unit but for the rank."""
    data = json.loads(invoke(runner, "explain", unit, "-f", "json").stdout)
    errors = sorted(validator("run").iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    [explained] = data["units"]
    assert explained["rank"] is None
    ranked = next(u for u in outputs[category][0]["units"] if u["code"] == unit)
    assert explained == {**ranked, "rank": None}


def test_the_schema_rejects_a_rounded_exact_value(outputs):
    run = json.loads(json.dumps(outputs["city"][0]))
    run["units"][0]["total"] = "99.950"  # trailing zero: not the exact form
    run["units"][0]["indicators"][0]["points_2dp"] = "4"
    messages = sorted(e.message for e in validator("run").iter_errors(run))
    assert len(messages) == 2 and all("does not match" in m for m in messages)


def half_up(text):
    return str(Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("category", CATEGORIES)
def test_exact_values_add_up_and_round_once(outputs, category):
    run, tree = outputs[category]
    maxima = {node["code"]: Decimal(node["max"]) for s in tree["sections"] for node in s["nodes"]}
    children = {}
    for s in tree["sections"]:
        for node in s["nodes"]:
            children.setdefault(node["parent"], []).append(node)
    checked_groups = 0
    for unit in run["units"]:
        with localcontext(EXACT_SUMS):
            # The exact section points add up to the exact total, digit for digit.
            assert sum(Decimal(s["points"]) for s in unit["sections"]) == Decimal(unit["total"]), unit["code"]
            assert unit["total_2dp"] == half_up(unit["total"])
            points = {i["code"]: Decimal(i["points"]) for i in unit["indicators"]}
            for section in unit["sections"]:
                assert section["points_2dp"] == half_up(section["points"]) and section["raw_2dp"] == half_up(section["raw"])
                raw = Decimal(section["raw"])
                weight, raw_max, section_points = Decimal(section["weight"]), Decimal(section["raw_max"]), Decimal(section["points"])
                # Section points = raw × weight ÷ raw max: exact, unless the quotient does not terminate
                # (then carried at 28 significant digits and settled at 20 places).
                # An exact product of the settled raw score where weight ÷ raw max terminates.
                assert section_points * raw_max == raw * weight or section_points == settle(Context(prec=28).divide(raw * weight, raw_max))
                assert digits_after_point(section["raw"]) <= 20
                roots = [n for n in children[""] if n["code"] in {g["code"] for g in unit["groups"]} or n["code"] in points]
                in_section = [
                    n for n in roots if any(i["section"] == section["name"] and i["code"] == n["code"] for i in unit["indicators"])
                ]
                groups = {g["code"]: g for g in unit["groups"] if g["section"] == section["name"]}
                top = [groups[n["code"]] for n in roots if n["code"] in groups and groups[n["code"]]["counted"]]
                summed = sum(Decimal(g["points"]) for g in top) + sum(points[n["code"]] for n in in_section if n["kind"] != "group")
                # The raw score is the sum of the counted groups and indicators at the top of the tree,
                # settled (escore._score.settle) and capped.
                # (A group's points are settled too: a sum of settled groups may differ from the settled
                # sum of their indicators in the 20th place, never more.)
                assert abs(min(settle(summed), Decimal(section["raw_max"])) - raw) <= Decimal("1e-19"), (unit["code"], section["name"])
            for group in unit["groups"]:
                assert Decimal(group["max"]) == maxima[group["code"]]
                assert group["points_2dp"] == half_up(group["points"])
                kids = children.get(group["code"], [])
                if group["counted"] and all(k["counted"] and k["kind"] != "group" for k in kids):
                    assert Decimal(group["points"]) == settle(sum(points[k["code"]] for k in kids))
                    checked_groups += 1
                assert Decimal(group["points"]) <= Decimal(group["max"]) or not group["counted"]
        for item in unit["indicators"]:
            assert item["points_2dp"] == half_up(item["points"])
    assert checked_groups > 0


def test_groups_are_every_group_node_with_its_max(outputs):
    run, tree = outputs["city"]
    group_codes = [n["code"] for s in tree["sections"] for n in s["nodes"] if n["kind"] == "group"]
    fuzhou = next(u for u in run["units"] if u["code"] == "fuzhou")
    assert [g["code"] for g in fuzhou["groups"]] == group_codes
    by_code = {g["code"]: g for g in fuzhou["groups"]}
    assert (by_code["C-1"]["title"], by_code["C-1"]["max"]) == ("信息化应用绩效", "40")
    # 政务信息资源目录编制 is listed but not scored (READING decision 1).
    assert by_code["C-2-3"]["counted"] is False


def digits(text):
    """Significant digits of an exact decimal string."""
    return len(text.replace(".", "").lstrip("0"))


def digits_after_point(text):
    return len(text.partition(".")[2])


def test_non_terminating_quotients_keep_28_digits_and_sums_are_settled_at_20_places(outputs):
    seen = 0
    for category in CATEGORIES:
        for unit in outputs[category][0]["units"]:
            assert all(digits(i["points"]) <= 28 for i in unit["indicators"])  # a rule's quotient: 28 digits at most
            assert digits_after_point(unit["total"]) <= 20
            seen += digits_after_point(unit["total"]) == 20  # a sum of shares that does not terminate
    assert seen >= 3
    quanzhou = next(u for u in outputs["city"][0]["units"] if u["code"] == "quanzhou")
    shares = {i["code"]: i["points"] for i in quanzhou["indicators"]}
    assert shares["C-2-1-2"] == "4.706253948199620972836386608"  # 1490/1583 × 5, 28 significant digits
    comprehensive = next(s for s in quanzhou["sections"] if s["name"] == "comprehensive")
    assert comprehensive["raw"] == "58.95625394819962097284"  # 58.956253948199620972836386608 settled
    assert comprehensive["points"] == comprehensive["raw"]  # × 70/70
    assert quanzhou["total"] == "83.48125394819962097284"  # + website 81.75 × 30/100 = 24.525, exact


def _totalled(*points):
    """Engine._total alone, for indicators of the given points in section a (then one of 40.5 in b)."""
    from types import SimpleNamespace

    from escore._model import Section, Unit
    from escore._run import Engine

    engine = Engine.__new__(Engine)  # only the totalling step: no plan needed
    a, b = (Section("r", "c", name, name, weight=50, raw_max=50) for name in "ab")
    counted = (*((i, 0) for i in range(len(points))), (len(points), 1))
    engine.compiled = SimpleNamespace(sections=(a, b), factors=((a, Decimal(1)), (b, Decimal(1))), counted=counted)
    results = [(f"x{i}", "scored", p) for i, p in enumerate(points)] + [("z", "scored", Decimal("40.5"))]
    return engine._total(Unit("u", "U", "c"), results, ())


def test_sums_of_shares_are_settled_to_their_true_value():
    """2 × 1/3 and 2 × 2/3, each carried at 28 digits, had summed to 1.9999999999999999999999999997:
    a unit whose total was exactly another's ranked below it, and a true .xx5 was shown rounded
    down. Settled at 20 places, the sum is 2; one that does not terminate keeps 20 places."""
    unit = _totalled(Decimal(2) / 3, Decimal(4) / 3)
    assert (str(unit.sections[0].raw), str(unit.total)) == ("2", "42.5")
    unit = _totalled(Decimal(4) / 3, Decimal(8))
    assert (str(unit.sections[0].raw), str(unit.total)) == ("9.33333333333333333333", "49.83333333333333333333")
    with localcontext(EXACT_SUMS):  # the sections still add up to the total, digit for digit
        assert unit.sections[0].points + unit.sections[1].points == unit.total
    assert str(_totalled(Decimal("12.50")).sections[0].raw) == "12.50"  # nothing beyond 20 places: kept as given


# --------------------------------------------------------------------------- the stamp


def sha256sum_digest(root: Path) -> str:
    """The documented recipe, in Python: sha256 of `sha256sum` lines of the files, sorted by path."""
    import hashlib

    names = sorted(
        [p.relative_to(root).as_posix() for sub in ("units", "monitoring") if (root / sub).is_dir() for p in (root / sub).iterdir()]
        + (["escore-evidence.toml"] if (root / "escore-evidence.toml").is_file() else []),
        key=str.encode,
    )
    lines = "".join(f"{hashlib.sha256((root / n).read_bytes()).hexdigest()}  {n}\n" for n in names)
    return hashlib.sha256(lines.encode()).hexdigest()


def test_stamp_names_versions_and_digests_the_evidence(outputs):
    run = outputs["county"][0]
    from importlib.metadata import version

    assert run["stamp"]["escore"] == version("escore")
    assert run["stamp"]["packs"] == [
        {"plugin": "fj2017-city", "distribution": "escore-fj2017-city", "version": version("escore-fj2017-city")},
        {"plugin": "fj2017-website", "distribution": "escore-fj2017-website", "version": version("escore-fj2017-website")},
    ]
    [root] = run["evidence"]
    assert root["root"] == "escore_fj2017_website/sample/county"
    assert root["digest"] == "sha256:" + sha256sum_digest(WEBSITE_SAMPLE / "county")
    assert root["files"] == 1 + len(list((WEBSITE_SAMPLE / "county" / "units").iterdir())) + len(
        list((WEBSITE_SAMPLE / "county" / "monitoring").iterdir())
    )
    import hashlib

    assert run["stamp"]["evidence_digest"] == "sha256:" + hashlib.sha256((root["digest"][7:] + "\n").encode()).hexdigest()


def test_the_stamp_depends_on_content_not_on_where_the_evidence_is(runner, tmp_path, monkeypatch):
    first, second = tmp_path / "a" / "ev", tmp_path / "b" / "ev"
    shutil.copytree(WEBSITE_SAMPLE / "county", first)
    shutil.copytree(WEBSITE_SAMPLE / "county", second)
    monkeypatch.chdir(tmp_path / "a")
    relative = invoke(runner, "run", "-c", "county", "-f", "json", "-e", "ev").stdout
    absolute = invoke(runner, "run", "-c", "county", "-f", "json", "-e", str(second)).stdout
    assert relative == absolute  # byte-identical: the root is shown by name, the digest is of content
    data = json.loads(absolute)
    assert data["evidence"][0]["root"] == "ev"
    with (second / "units" / "xiamen.siming.toml").open("a", encoding="utf-8") as stream:
        stream.write("\n# an edit that changes no value\n")
    changed = json.loads(invoke(runner, "run", "-c", "county", "-f", "json", "-e", str(second)).stdout)
    assert changed["stamp"]["evidence_digest"] != data["stamp"]["evidence_digest"]
    assert changed["units"] == data["units"]


# --------------------------------------------------------------------------- no machine paths


def test_no_absolute_path_in_any_output(runner, tmp_path, monkeypatch):
    evidence = tmp_path / "evidence"
    shutil.copytree(WEBSITE_SAMPLE / "county", evidence)
    (evidence / "monitoring" / "website_letters.csv").unlink()  # missing evidence names its file
    monkeypatch.chdir(tmp_path)
    texts = []
    for fmt in ("table", "json", "toml", "csv"):
        for args in (["-e", str(evidence)], []):
            result = invoke(runner, "run", "-c", "county", "-f", fmt, *args)
            texts += [result.stdout, result.stderr]
    for args in (["list", "-c", "city"], ["list", "-c", "city", "-f", "json"], ["explain", "ningde"], ["explain", "longyan"]):
        result = invoke(runner, *args)
        texts += [result.stdout, result.stderr]
    result = invoke(runner, "explain", "fuzhou.gulou", "-e", str(evidence))
    texts += [result.stdout, result.stderr]
    assert "monitoring/website_letters.csv" in "".join(texts)
    assert "evidence/units/" in result.stdout or "monitoring table" in result.stdout
    machine = [str(tmp_path), str(ROOT), str(Path(sys.prefix)), os.path.expanduser("~")]
    for text in texts:
        for path in machine:
            assert path not in text
        assert not re.search(r"(^|[\s'\"(])/(work|home|tmp|usr|opt|root)/", text), text[:2000]


def test_missing_evidence_file_is_named_relative_to_the_evidence_root(outputs):
    ningde = next(u for u in outputs["city"][0]["units"] if u["code"] == "ningde")
    [item] = [i for i in ningde["indicators"] if i["status"] == "missing"]
    assert item["missing"] == ["city.emergency.platform_used"]
    assert item["reasons"] == [
        "evidence 'city.emergency.platform_used' was not provided in "
        "escore_fj2017_city/sample/city/units/ningde.toml + escore_fj2017_website/sample/city/units/ningde.toml"
    ]


def test_an_indicator_error_line_is_relative_to_its_package():
    from escore._run import _error_line

    try:
        from escore._score import to_decimal

        to_decimal("soon")
    except Exception as exc:
        line = _error_line(exc)
    assert re.fullmatch(r"escore/_score\.py:\d+: \w+Error: .*", line), line


# --------------------------------------------------------------------------- what is missing, by name


def test_stderr_lists_missing_evidence_per_unit_capped(runner, tmp_path):
    evidence = tmp_path / "evidence"
    shutil.copytree(WEBSITE_SAMPLE / "county", evidence)
    (evidence / "monitoring" / "website_letters.csv").unlink()
    result = invoke(runner, "run", "-c", "county", "-e", str(evidence), "-f", "json", "-o", str(tmp_path / "out.json"), "--strict", code=1)
    lines = result.stderr.splitlines()
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    units = sorted({row["unit"] for row in data["missing"]})
    assert len(units) == 83 and len(data["missing"]) == data["statuses"]["missing"]
    assert (
        lines[0]
        == f"escore: missing evidence: {len(data['missing'])} indicator result(s) in 83 unit(s), status missing (--strict: failing):"
    )
    assert len(lines) == 1 + 10 + 1
    assert lines[1].startswith("  fuzhou.cangshan 仓山区: monitoring/website_letters.csv → W-L-3-1-1")
    assert lines[-1] == "  … and 73 more unit(s); the full list is 'missing' in the output of -f json"


def test_table_lists_every_missing_field(runner):
    result = invoke(runner, "run", "-c", "county")
    tail = result.stdout.split("ranks use exact totals\n", 1)[1]
    assert tail == (
        "each value is rounded on its own: the rounded parts may not add up to the rounded total\n"
        "\nmissing evidence: 3 indicator result(s) in 3 unit(s), status missing:\n"
        "  fuzhou.minqing 闽清县: website.services.guide_accuracy → W-L-2-4-1\n"
        "  nanping.guangze 光泽县: website.interviews.topics → W-L-3-2-3\n"
        "  ningde.zherong 柘荣县: website.sites.closure → W-L-4-1-3\n"
    )
    assert result.stderr.splitlines()[1:] == tail.splitlines()[3:]


# --------------------------------------------------------------------------- csv, toml, the schema command


def test_csv_carries_exact_values_beside_rounded_ones(runner, outputs):
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(invoke(runner, "run", "-c", "provincial", "-f", "csv").stdout))}
    assert len(rows) == 38
    for unit in outputs["provincial"][0]["units"]:
        row = rows[unit["code"]]
        assert (row["total"], row["total_2dp"]) == (unit["total"], unit["total_2dp"])
        for section in unit["sections"]:
            assert (row[section["name"]], row[section["name"] + "_2dp"]) == (section["points"], section["points_2dp"])
    assert any(len(row["total"]) > 20 for row in rows.values())  # exact, not rounded
    city = list(csv.DictReader(io.StringIO(invoke(runner, "run", "-c", "city", "-f", "csv").stdout)))
    quanzhou = next(r for r in city if r["code"] == "quanzhou")
    unit = next(u for u in outputs["city"][0]["units"] if u["code"] == "quanzhou")
    assert (quanzhou["total"], quanzhou["total_2dp"]) == (unit["total"], "83.48")
    assert (quanzhou["comprehensive"], quanzhou["comprehensive_2dp"]) == (unit["sections"][0]["points"], "58.96")
    assert (quanzhou["website"], quanzhou["website_2dp"]) == ("24.525", "24.53")  # half-up


def test_toml_is_the_json_shape(runner, outputs):
    import tomllib

    text = invoke(runner, "run", "-c", "provincial", "-f", "toml").stdout
    data = tomllib.loads(text)
    expected = outputs["provincial"][0]
    for unit in expected["units"]:
        if not unit["vetoes"]:
            unit = {k: v for k, v in unit.items() if k != "vetoes"}
        assert unit in data["units"]
    assert {k: v for k, v in data.items() if k != "units"} == {k: v for k, v in expected.items() if k != "units"}


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_command_prints_the_shipped_schema(runner, name):
    result = invoke(runner, "schema", name)
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert result.stdout == schema_text(name)


def test_schema_command_unknown_name_is_a_usage_error(runner):
    result = invoke(runner, "schema", "lst", code=2)
    assert result.stderr == "escore: error: schema: no JSON Schema for 'lst'; did you mean 'list'?\n"


def test_schema_ships_in_the_wheel_source():
    # The schemas are package data: importable resources, not files next to the tests.
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemas/*.json"' in config
    out = subprocess.run(
        [sys.executable, "-c", "from escore._report import schema_text; print(len(schema_text('run')) > 1000)"],
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "True", out.stderr


def test_errors_are_listed_with_unit_indicator_and_file_line(demo_plan):
    from escore._model import Unit
    from escore._report import error_lines, run_table
    from escore._results import RunResult
    from escore._run import Engine

    from .test_engine import evidence

    engine = Engine(demo_plan)
    units = tuple(
        engine.score(
            Unit(code, code.title(), "town", attributes={"kind": "market"}), evidence(service_median_delay="soon"), {"outages": {}}
        )
        for code in ("t1", "t2", "t3")
    )
    result = RunResult(demo_plan, units, (1, 1, 1), demo_plan.indicators)
    lines = error_lines(result)
    assert lines[0] == "errors: 3 indicator result(s) raised an error:"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == ["  t1 S-1-2", "  t2 S-1-2", "  t3 S-1-2"]
    assert re.fullmatch(r"  t1 S-1-2: escore/_score\.py:\d+: ValueError: not a number: 'soon'", lines[1])
    assert error_lines(result, limit=2)[-1] == "  … and 1 more; -f json lists every one"
    assert run_table(result).endswith("\n".join(lines) + "\n")


def test_a_golden_case_names_its_file_without_the_machine_path(tmp_path, monkeypatch):
    from escore._golden import load_cases, run_case
    from escore._plugins import Catalog, make_plugin_manager

    path = tmp_path / "golden" / "cases.toml"
    path.parent.mkdir()
    path.write_text(
        '[[case]]\nid = "no-wechat"\ncategory = "county"\nunit = "xiamen.siming"\n'
        '[case.fields]\n"website.channels.has_app" = false\n[case.expect]\nindicators = { "W-L-5-2-1" = { status = "missing" } }\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    [case] = load_cases(path)
    outcome = run_case(Catalog(make_plugin_manager()), case)
    [item] = [i for i in outcome.result.indicators if i.code == "W-L-5-2-1"]
    assert item.reasons == ("evidence 'website.channels.has_wechat' was not provided in golden/cases.toml",)


def test_every_output_with_rounded_parts_says_they_may_not_add_up(runner, tmp_path):
    """林业厅: 58.06 + 30.84 shown beside a total of 88.89, each rounded on its own from its exact
    value (unchanged); no output said the rounded parts may not add up."""
    import html as html_module

    import openpyxl

    parts = "each value is rounded on its own: the rounded parts may not add up to the rounded total"
    whole = parts + ", nor an indicator's points and loss to its maximum"
    table = invoke(runner, "run", "-c", "provincial", "--lang", "en").stdout
    assert re.search(r"prov\.lyt +林业厅 +58\.06 +30\.84 +88\.89\n", table)
    assert "\npoints rounded half-up to 2 places; ranks use exact totals\n" + parts + "\n" in table
    explained = invoke(runner, "explain", "prov.lyt", "--lang", "en").stdout.splitlines()
    assert explained[explained.index("total 88.89 (rounded half-up to 2 places)") + 1] == whole
    page = invoke(runner, "run", "-c", "provincial", "-f", "html", "--lang", "en").stdout
    rounding = "points rounded half-up to 2 places; ranks use exact totals"
    assert f'<p class="foot">{rounding}<br>{html_module.escape(whole)}</p>' in page
    book = tmp_path / "results.xlsx"
    invoke(runner, "run", "-c", "provincial", "-f", "xlsx", "-o", str(book), "--lang", "zh")
    about = {row[0].value: row[1].value for row in openpyxl.load_workbook(book)["说明 about"].iter_rows(min_row=3)}
    assert about["舍入"].endswith(
        "；每个数值各自四舍五入：各部分的舍入值相加可能不等于总分的舍入值，指标的得分与扣分相加也可能不等于其满分"
    )


def test_points_given_as_negative_zero_are_shown_as_zero_in_every_format(runner, tmp_path):
    """A grade of ``points = -0.0`` is 0 ("points": "0"), but its rounded text had been "-0.00"
    in explain, the JSON's points_2dp and the page."""
    evidence = tmp_path / "core"
    shutil.copytree(ROOT / "plugins" / "indicators_city" / "escore_fj2017_city" / "sample" / "city", evidence)
    unit = evidence / "units" / "fuzhou.toml"
    text = unit.read_text(encoding="utf-8")
    assert "coverage = { points = 5," in text
    unit.write_text(text.replace("coverage = { points = 5,", "coverage = { points = -0.0,"), encoding="utf-8")
    paths = ["-e", str(evidence), "-e", str(WEBSITE_SAMPLE / "city")]
    explained = invoke(runner, "explain", "fuzhou", "-c", "city", "--lang", "en", *paths).stdout
    [line] = [line for line in explained.splitlines() if line.strip().startswith("C-2-1-1 ")]
    assert line.endswith(": 0.00/5  −5.00"), line
    data = json.loads(invoke(runner, "explain", "fuzhou", "-c", "city", "-f", "json", *paths).stdout)
    [indicator] = [i for u in data["units"] for i in u["indicators"] if i["code"] == "C-2-1-1"]
    assert (indicator["points"], indicator["points_2dp"]) == ("0", "0.00")
    assert "-0.00" not in invoke(runner, "run", "-c", "city", "-f", "csv", *paths).stdout


def test_an_evidence_root_read_from_the_file_system_root_is_named_by_its_name(monkeypatch, tmp_path):
    """Run from / (cron, a container's default directory), every absolute path is under the working
    directory, and an evidence root had been shown as the machine's whole path without its slash."""
    from escore._paths import root_label

    root = tmp_path / "evidence" / "county"
    monkeypatch.chdir(tmp_path)
    assert root_label(root) == "evidence/county"
    monkeypatch.chdir("/")
    assert root_label(root) == "county"
    assert root_label(__import__("pathlib").Path("evidence/county")) == "evidence/county"  # relative: as given
