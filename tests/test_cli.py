"""The command line through click's CliRunner, on the demo pack."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import DEMO, FJ2017_PLUGINS

SAMPLE = DEMO / "escore_demo" / "sample"


@pytest.fixture
def runner(no_autoload):
    return CliRunner()


@pytest.fixture
def evidence(tmp_path):
    target = tmp_path / "evidence"
    shutil.copytree(SAMPLE, target)
    return target


def test_run_table_says_synthetic_and_ranks(runner):
    result = runner.invoke(cli, ["run", "--category", "town"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("*** SYNTHETIC EVIDENCE")
    assert "   1  north  North Town         52.00        40.00  92.00" in result.stdout
    assert "   4  east   East Town          29.95         2.00  31.95" in result.stdout
    # What is missing is named (unit, evidence, indicator), on stderr and in the table.
    assert (
        result.stderr
        == "escore: missing evidence: 1 indicator result(s) in 1 unit(s), status missing:\n  west West Town: website.vote_rank → W-B\n"
    )
    assert result.stdout.endswith(
        "missing evidence: 1 indicator result(s) in 1 unit(s), status missing:\n  west West Town: website.vote_rank → W-B\n"
    )


def test_run_json_shape(runner):
    result = runner.invoke(cli, ["run", "-c", "town", "--format", "json"])
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("ruleset", "year", "category", "synthetic")} == {
        "ruleset": "demo2024",
        "year": 2024,
        "category": "town",
        "synthetic": True,
    }
    west = data["units"][2]
    assert (west["code"], west["rank"], west["total"], west["total_2dp"], west["parent"]) == ("west", 3, "60.4", "60.40", "")
    assert west["sections"][0] == {
        "name": "services",
        "title": "Public services",
        "weight": "60",
        "raw": "26",
        "raw_2dp": "26.00",
        "raw_max": "60",
        "capped": False,
        "points": "26",
        "points_2dp": "26.00",
    }
    # Every group node with its exact subtotal in raw points (S-9 is listed but not counted).
    assert [(g["code"], g["points"], g["max"], g["counted"]) for g in west["groups"]] == [
        ("S", "26", "60", True),
        ("S-1", "26", "30", True),
        ("S-2", "0", "30", True),
        ("S-2-A", "0", "30", True),
        ("S-2-B", "0", "30", True),
        ("S-9", "0", "10", False),
        ("W", "86", "100", True),
        ("W-1", "30", "40", True),
    ]
    missing = [i for i in west["indicators"] if i["status"] == "missing"]
    assert missing == [
        {
            "code": "W-B",
            "title": "Public vote",
            "section": "website",
            "max": "1",
            "points": "0",
            "points_2dp": "0.00",
            "status": "missing",
            "reasons": ["evidence 'website.vote_rank' was not provided in escore_demo/sample/units/west.toml"],
            "missing": ["website.vote_rank"],
        }
    ]
    assert data["missing"] == [{"unit": "west", "indicator": "W-B", "evidence": ["website.vote_rank"]}]


def test_run_toml_and_csv(runner):
    import tomllib

    toml_out = runner.invoke(cli, ["run", "-c", "town", "-f", "toml"]).stdout
    assert toml_out.startswith("# SYNTHETIC EVIDENCE")
    assert tomllib.loads(toml_out)["units"][0]["total"] == "92"
    csv_out = runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]).stdout.splitlines()
    assert (
        csv_out[0] == "\ufeffrank,code,name,parent,services,services_2dp,website,website_2dp,total,total_2dp,missing,errors,synthetic"
    )  # BOM: Excel reads UTF-8
    assert csv_out[3] == "3,west,West Town,,26,26.00,34.4,34.40,60.4,60.40,1,0,yes"


def test_run_csv_with_chosen_columns(runner, tmp_path):
    """--columns: the named columns in the order given, the same cells as the whole CSV's;
    'synthetic' last whatever is asked; a wrong name, a repeated one or another format is
    exit 2 before anything is scored or written."""
    whole = list(csv.reader(runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]).stdout.lstrip("\ufeff").splitlines()))
    chosen = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--columns", "total_2dp, code,synthetic,website"])
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.startswith("\ufeff")
    rows = list(csv.reader(chosen.stdout.lstrip("\ufeff").splitlines()))
    header = whole[0]
    wanted = ["total_2dp", "code", "website", "synthetic"]
    assert rows == [[row[header.index(name)] for name in wanted] for row in whole]
    assert rows[3] == ["60.40", "west", "34.4", "yes"]
    # Ranks and counts as in the whole file; the file written atomically as with every column.
    target = tmp_path / "chosen.csv"
    done = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(target), "--columns", "rank,missing,errors"])
    assert done.exit_code == 0
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines == [",".join(row[header.index(name)] for name in ("rank", "missing", "errors", "synthetic")) for row in whole]
    assert lines[:4] == ["rank,missing,errors,synthetic", "1,0,0,yes", "2,0,0,yes", "3,1,0,yes"]
    for columns, message in [
        ("code,totl", "--columns: unknown column 'totl'; did you mean 'total'?"),
        ("code,,total", "--columns: an empty column name; known: rank, code, name, parent, services, services_2dp"),
        ("code,total,code", "--columns: 'code' given twice"),
    ]:
        bad = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(tmp_path / "bad.csv"), "--columns", columns])
        assert bad.exit_code == 2
        assert message in bad.stderr
        assert "Traceback" not in bad.output
    other = runner.invoke(cli, ["run", "-c", "town", "-f", "json", "--columns", "code"])
    assert other.exit_code == 2
    assert "--columns: only -f csv writes a chosen set of columns" in other.stderr
    assert not (tmp_path / "bad.csv").exists()


def test_run_csv_in_code_order_keeps_each_unit_s_line_and_rank(runner, tmp_path):
    """--order code: the very lines of the ranking, sorted by the units' codes as the roster lists
    them (natural order: u2 before u10), each with its rank; with --columns too; refused for
    another format. A units table of 1,200 units streams (its units kept in code order)."""
    ranked = runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]).stdout.splitlines()
    by_code = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--order", "code"]).stdout.splitlines()
    assert by_code[0] == ranked[0] and sorted(by_code[1:]) == sorted(ranked[1:])
    assert by_code[1:] == sorted(ranked[1:], key=lambda line: line.split(",")[1])
    saved = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--order", "code", "--save", "--db", str(tmp_path / "s.db")])
    assert saved.stdout.splitlines() == by_code  # a saved run's results are kept whole, not streamed: sorted here
    chosen = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--order", "code", "--columns", "rank,code,total"]).stdout
    assert chosen.splitlines()[1:] == ["4,east,31.95,yes", "1,north,92,yes", "2,south,75.45,yes", "3,west,60.4,yes"]
    other = runner.invoke(cli, ["run", "-c", "town", "-f", "json", "--order", "code"])
    assert (other.exit_code, other.stderr) == (
        2,
        "escore: error: --order: only -f csv writes the units in another order than their ranks\n",
    )
    roster = tmp_path / "units.csv"
    roster.write_text("code,name,kind\n" + "".join(f"t{n},Town {n},rural\n" for n in range(1200, 0, -1)), encoding="utf-8")
    empty = tmp_path / "evidence"  # one unit's file: the others' evidence is missing, each line still written
    (empty / "units").mkdir(parents=True)
    (empty / "units" / "t7.toml").write_text("[service]\nreply_rate = 80\n", encoding="utf-8")
    table = runner.invoke(
        cli, ["run", "-c", "town", "--roster", str(roster), "-e", str(empty), "-f", "csv", "--order", "code", "--columns", "rank,code"]
    )
    assert table.exit_code == 0, table.output
    lines = table.stdout.lstrip("\ufeff").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == [f"t{n}" for n in range(1, 1201)]
    ranked = runner.invoke(
        cli, ["run", "-c", "town", "--roster", str(roster), "-e", str(empty), "-f", "csv", "--columns", "rank,code"]
    ).stdout
    assert sorted(lines[1:]) == sorted(ranked.lstrip("\ufeff").splitlines()[1:])
    args = ["run", "-c", "town", "--roster", str(roster), "-e", str(empty), "-f", "csv", "--order", "code", "--columns", "code"]
    codes = runner.invoke(cli, args).stdout.lstrip("\ufeff").splitlines()
    assert codes[1:] == [f"t{n},no" for n in range(1, 1201)]  # without ranks: the summaries as the first pass kept them


def test_run_csv_of_a_selection_says_so_on_every_line(runner):
    """run -k: the totals count only the selected indicators; the table, page and JSON said so,
    the CSV's lines read as the ranking. A `selection` column (before `synthetic`) holds it, as a
    text a spreadsheet does not read as a formula; without a selection there is none."""
    out = runner.invoke(cli, ["run", "-c", "town", "-k", "S-1", "-f", "csv"]).stdout.lstrip("\ufeff").splitlines()
    assert out[0] == "rank,code,name,parent,services,services_2dp,website,website_2dp,total,total_2dp,missing,errors,selection,synthetic"
    assert out[1:] == [
        "1,west,West Town,,26,26.00,0,0.00,26,26.00,0,0,'-k 'S-1',yes",
        "2,north,North Town,,22,22.00,0,0.00,22,22.00,0,0,'-k 'S-1',yes",
        "3,south,South Town,,12,12.00,0,0.00,12,12.00,0,0,'-k 'S-1',yes",
        "4,east,East Town,,0,0.00,0,0.00,0,0.00,0,0,'-k 'S-1',yes",
    ]
    # --columns: written before synthetic whatever is asked, as synthetic is written last.
    chosen = runner.invoke(
        cli, ["run", "-c", "town", "-k", "S-1", "-m", "monitoring or not monitoring", "-f", "csv", "--columns", "code,total"]
    )
    assert chosen.stdout.lstrip("\ufeff").splitlines()[:2] == [
        "code,total,selection,synthetic",
        "west,26,'-k 'S-1' -m 'monitoring or not monitoring',yes",
    ]
    asked = runner.invoke(cli, ["run", "-c", "town", "-k", "S-1", "-f", "csv", "--columns", "synthetic,selection,code"])
    assert asked.stdout.lstrip("\ufeff").splitlines()[:2] == ["code,selection,synthetic", "west,'-k 'S-1',yes"]
    # Asked for by name in a run of every indicator: its cells are empty.
    every = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--columns", "code,selection"])
    assert every.stdout.lstrip("\ufeff").splitlines()[:2] == ["code,selection,synthetic", "north,,yes"]


def test_output_is_deterministic(runner, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(cli, ["run", "-c", "town", "-f", "json", "-o", str(first)]).exit_code == 0
    assert runner.invoke(cli, ["run", "-c", "town", "-f", "json", "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_strict_fails_on_missing_evidence(runner):
    result = runner.invoke(cli, ["run", "-c", "town", "--strict"])
    assert result.exit_code == 1
    # --strict names what is missing, not only how much.
    assert result.stderr.splitlines() == [
        "escore: missing evidence: 1 indicator result(s) in 1 unit(s), status missing (--strict: failing):",
        "  west West Town: website.vote_rank → W-B",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-c", "twon"], "escore: error: unknown category 'twon'; did you mean 'town'?"),
        (["run", "-c", "town", "-f", "jsn"], "escore: error: --format: unknown format 'jsn'; did you mean 'json'?"),
        (["run", "-c", "town", "-m", "inspecton"], "escore: error: -m 'inspecton': unknown mark 'inspecton'; did you mean 'inspection'?"),
        (
            ["run", "-c", "town", "-k", "S-1 and"],
            "escore: error: wrong expression 'S-1 and' at column 8: expected 'not', '(' or an identifier; got end of input",
        ),
        (["run", "-c", "town", "--ruleset", "demo2042"], "escore: error: unknown ruleset 'demo2042'; did you mean 'demo2024'?"),
        (["run", "-c", "town", "--year", "2019"], "escore: error: no installed ruleset scores 'town' for 2019; years installed: 2024"),
        (["explain", "nort"], "escore: error: no unit with code or name 'nort'; did you mean 'north'?"),
    ],
)
def test_usage_errors_are_one_line(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""


def test_a_separator_at_the_end_of_every_line_names_the_column_it_makes(runner, evidence):
    """A spreadsheet's export with a trailing separator had been "unknown column" of no name."""
    table = evidence / "monitoring" / "outages.csv"
    table.write_text("".join(line + ",\n" for line in table.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--lang", "en"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"escore: error: {table}:2: column 4: the header gives this column no name (an empty header cell, or a separator at "
        "the end of the lines); remove it\n",
    )


def test_a_folder_inside_monitoring_is_named_as_one(runner, evidence):
    """It had been "no evidence loader for '' monitoring tables"."""
    (evidence / "monitoring" / "old").mkdir()
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--lang", "en"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"escore: error: {evidence}/monitoring/old: a directory inside monitoring/, which holds table files only; move it out\n",
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("units/north.toml", "reply_rate = 100", "reply_rte = 100"),
            "units/north.toml: service.reply_rte: unknown evidence key (did you mean 'service.reply_rate'?)",
        ),
        (
            ("units/north.toml", "reply_rate = 100", 'reply_rate = "all"'),
            "units/north.toml: service.reply_rate: expected a number (write 0.5, not a fraction) from 0 to 100 (%), got 'all'",
        ),
        (
            ("units/north.toml", "reply_rate = 100", "reply_rate = 120"),
            "units/north.toml: service.reply_rate: expected a number (write 0.5, not a fraction) from 0 to 100 (%), got 120",
        ),
        (
            ("units/north.toml", "reply_rate = 100", "reply_rate = nan"),
            "units/north.toml: service.reply_rate: expected a number (write 0.5, not a fraction) from 0 to 100 (%), got nan",
        ),
        (
            ("units/north.toml", "median_delay = 3", "median_delay = 3.5"),
            "units/north.toml: service.median_delay: expected a whole number, at least 0 (days), got 3.5",
        ),
        (
            ("units/north.toml", "[service]", "[service"),
            "units/north.toml: invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 9)",
        ),
        (
            ("monitoring/outages.csv", "south,2024-03-01,2", "south,2024-13-01,2"),
            "monitoring/outages.csv:2: date: expected a date, YYYY-MM-DD, got '2024-13-01'",
        ),
        # Forms date.fromisoformat reads besides YYYY-MM-DD (an eight-digit code read as a date).
        (
            ("monitoring/outages.csv", "south,2024-03-01,2", "south,20240301,2"),
            "monitoring/outages.csv:2: date: expected a date, YYYY-MM-DD, got '20240301'",
        ),
        (
            ("monitoring/outages.csv", "south,2024-03-01,2", "south,2024-W09-5,2"),
            "monitoring/outages.csv:2: date: expected a date, YYYY-MM-DD, got '2024-W09-5'",
        ),
        (
            ("monitoring/outages.csv", "south,2024-03-01,2", "sotuh,2024-03-01,2"),
            "monitoring/outages.csv:2: unit: unknown unit code 'sotuh' (did you mean 'south'?)",
        ),
        # A byte-order mark inside the file (two exports joined) had been printed raw: 'south' refused as unknown.
        (
            ("monitoring/outages.csv", "south,2024-03-01,2", "\ufeffsouth,2024-03-01,2"),
            "monitoring/outages.csv:2: unit: unknown unit code '\\ufeffsouth' (did you mean 'south'?)",
        ),
        (
            ("monitoring/outages.csv", "unit,date,hours", "unit,date,hour"),
            "monitoring/outages.csv: hours: missing column; the header has 'hour': write it hours",
        ),
    ],
)
def test_bad_evidence_is_one_line_naming_file_key_and_expectation(runner, evidence, tmp_path, edit, message):
    name, old, new = edit
    path = evidence / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    output = tmp_path / "out.json"
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json", "-o", str(output)])
    assert result.exit_code == 2
    assert result.stderr == f"escore: error: {evidence}/{message}\n"
    assert not output.exists()
    assert list(tmp_path.iterdir()) == [evidence]  # no half-written or temporary file left


def test_unknown_unit_file(runner, evidence):
    (evidence / "units" / "nrth.toml").write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    assert (
        result.stderr
        == f"escore: error: {evidence}/units/nrth.toml: unknown unit code 'nrth' (the file name must be a unit code) (did you mean 'north'?)\n"
    )


def test_list_json_shape(runner):
    data = json.loads(runner.invoke(cli, ["list", "-c", "town", "-f", "json"]).stdout)
    assert (data["ruleset"], data["year"], data["category"]) == ("demo2024", 2024, "town")
    services = data["sections"][0]
    assert (services["name"], services["weight"], services["raw_max"]) == ("services", "60", "60")
    first = services["nodes"][0]
    assert {k: first[k] for k in ("code", "title", "parent", "max", "counted", "source")} == {
        "code": "S",
        "title": "Public services",
        "parent": "",
        "max": "60",
        "counted": True,
        "source": "Public services (60)",
    }
    assert [n["code"] for n in services["nodes"]] == [
        "S",
        "S-1",
        "S-1-1",
        "S-1-2",
        "S-1-3",
        "S-2",
        "S-2-A",
        "S-2-A-1",
        "S-2-B",
        "S-2-B-1",
        "S-9",
    ]
    assert services["nodes"][-1]["counted"] is False


def test_list_table_shows_citations(runner):
    out = runner.invoke(cli, ["list", "-c", "town"]).stdout
    assert "    S-1-1 Reply rate [10]  (monitoring)" in out
    assert "        source: 「rate ≥100% → 10, ≥80% → 6」" in out
    assert "  S-9 Catalogue (no rule this year) [10]  (not scored)" in out


def test_explain_shows_every_lost_point(runner):
    result = runner.invoke(cli, ["explain", "South Town"])
    assert result.exit_code == 0
    out = result.stdout
    assert "total 75.45" in out
    assert "        S-2-B-1 Outages: 29.85/30  −0.15" in out
    assert "            · −0.05 outage: 2024-03-04 1.5 h (sub-unit south.a)" in out
    assert "        S-2-A-1 Yearly plan: -/30 not_applicable" in out


def test_explain_shows_the_points_lost_to_missing_evidence(runner, monkeypatch):
    """A scored indicator showed its loss (``1.50/2  −0.50``), one without evidence did not
    (``0.00/4 缺少证据``), while the page and the workbook counted 4 lost."""
    # A bonus loses nothing when its evidence is missing: it only adds.
    out = runner.invoke(cli, ["explain", "West Town"]).stdout
    assert "  W-B Public vote: 0.00/1 missing (bonus)\n" in out
    monkeypatch.delenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.delenv("ESCORE_PLUGINS")
    out = runner.invoke(cli, ["explain", "fuzhou.minqing", "--lang", "en"]).stdout
    assert "        W-L-2-4-1 办事指南准确度: 0.00/4 missing  −4.00\n" in out
    assert "        W-L-1-1-4 社会救助(含减灾救灾): 1.50/2  −0.50\n" in out


def test_template_lists_fields_with_types_and_feeds(runner):
    out = runner.invoke(cli, ["template", "-c", "town", "--unit", "north"]).stdout
    assert out.startswith("# escore evidence · demo2024 (2024) · town · unit north North Town")
    assert "# reply_rate = 0" in out
    assert "#   type: decimal; expected: a number (write 0.5, not a fraction) from 0 to 100 (%)" in out
    assert "#   feeds: S-1-1" in out
    assert "#   header: unit,date,hours" in out
    import tomllib

    assert tomllib.loads(out) == {"service": {}, "website": {}}


def test_plugins_lists_distribution_and_blocking(runner):
    out = runner.invoke(cli, ["plugins"]).stdout
    assert "escore._builtin_formats" in out and "escore_demo.plugin" in out
    blocked = runner.invoke(cli, ["-p", "no:escore_demo.plugin", "run", "-c", "town"])
    assert blocked.exit_code == 2
    assert "unknown category 'town'" in blocked.stderr


def test_every_subcommand_has_help(runner):
    from escore_cli import _COMMANDS

    for name in _COMMANDS:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage: " in result.stdout, name


def test_version_imports_nothing_heavy():
    code = (
        "import sys; from escore_cli import cli\n"
        "try:\n    cli.main(['--version'], prog_name='escore')\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('pytest', 'importlib.metadata', 'tomli_w', 'escore._run', 'escore._plugins', 'pluggy', 'attrs', 'escore_demo') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["escore 0.1.0", "[]"]


def _main_in_a_fresh_process(before: str, after: str) -> str:
    """The last line a fresh interpreter prints running ``before``, ``main(['list', '-c', 'city'])``
    (``status`` its exit status), then printing the expression ``after``."""
    code = (
        f"import gc, sys; from escore_cli import main\n{before}\n"
        "try:\n    main(['list', '-c', 'city'])\nexcept SystemExit as done:\n    status = done.code\n"
        f"print({after})"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()[-1]


def test_the_script_leaves_what_is_alive_to_the_end_of_the_process():
    """After the command, escore's objects are frozen: the interpreter's last collection skips them."""
    assert _main_in_a_fresh_process("before = gc.get_freeze_count()", "status, before, gc.get_freeze_count() > 1000") == "0 0 True"


def test_a_command_collects_its_youngest_generation_less_often_and_restores_the_setting():
    """While a command runs, a collection every 50,000 allocations (its start-up scanned again
    and again at the default 700); a program that calls main() and goes on gets its setting back."""
    before = (
        "from escore._plugins import Catalog\n"
        "gc.set_threshold(900, 11, 12)\n"
        "seen = []\n"
        "plan = Catalog.plan\n"
        "Catalog.plan = lambda *a, **k: seen.append(gc.get_threshold()) or plan(*a, **k)"
    )
    assert _main_in_a_fresh_process(before, "status, seen, gc.get_threshold()") == "0 [(50000, 11, 12)] (900, 11, 12)"
    # A program that switched automatic collection off (threshold 0) keeps it off.
    assert _main_in_a_fresh_process(before.replace("(900,", "(0,"), "status, seen, gc.get_threshold()") == "0 [(0, 11, 12)] (0, 11, 12)"


def _command(entry: str, *args: str, cache) -> subprocess.CompletedProcess:
    """``escore ARGS`` in a fresh process through ``entry``: ``script`` (the installed ``escore``) or ``main``."""
    code = (
        "import sys; from escore_cli import script; script()"
        if entry == "script"
        else "import sys; from escore_cli import main; sys.exit(main())"
    )
    # The fj2017 packs alone, whatever else is installed: the expectations name their categories.
    env = {**os.environ, "ESCORE_CACHE_DIR": str(cache), "ESCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "ESCORE_PLUGINS": FJ2017_PLUGINS}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, env=env, check=False)


def test_the_script_ends_the_process_with_the_same_output_status_and_exit_handlers(tmp_path):
    """The ``escore`` script ends the process without the interpreter's teardown: the output, the
    exit status and what exit handlers do (the parsed-TOML cache is saved by one) are a normal exit's."""
    fast = _command("script", "run", "-c", "county", "-f", "json", cache=tmp_path / "a")
    normal = _command("main", "run", "-c", "county", "-f", "json", cache=tmp_path / "b")
    assert fast.returncode == normal.returncode == 0
    assert len(fast.stdout) > 100_000 and fast.stdout == normal.stdout and fast.stderr == normal.stderr
    (parsed,) = (tmp_path / "a").glob("toml-v*-*.marshal")  # saved at exit, by an exit handler
    assert parsed.stat().st_size > 10_000

    strict = _command("script", "run", "-c", "county", "--strict", cache=tmp_path / "a")
    assert strict.returncode == 1 and strict.stdout == _command("main", "run", "-c", "county", "--strict", cache=tmp_path / "b").stdout
    usage = _command("script", "run", "-c", "nope", "--lang", "en", cache=tmp_path / "a")
    assert (usage.returncode, usage.stdout) == (2, b"")
    assert usage.stderr == b"escore: error: unknown category 'nope'; known: city, county, provincial\n"


def test_ending_the_process_as_sys_exit_would():
    for status, code, stderr in [(None, 0, ""), (3, 3, ""), ("stopped", 1, "stopped\n")]:
        program = f"import atexit; from escore_cli import end_process; atexit.register(print, 'handler ran'); print('out', end=''); end_process({status!r})"
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (code, "outhandler ran\n", stderr)


def test_output_file_is_written_atomically(runner, tmp_path):
    target = tmp_path / "result.csv"
    assert runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(target)]).exit_code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfrank,code,name")
    assert [p.name for p in tmp_path.iterdir()] == ["result.csv"]
    missing_dir = runner.invoke(cli, ["run", "-c", "town", "-o", str(tmp_path / "no" / "x.txt")])
    assert missing_dir.exit_code == 2 and "does not exist" in missing_dir.stderr


def test_run_imports_only_what_it_uses(tmp_path):
    """`escore run -f csv -o FILE` without a store (and the cache off): no sqlite3 or tempfile,
    which cost every command milliseconds; they are imported where they are used."""
    code = (
        "import sys; from escore_cli import cli\n"
        f"try:\n    cli.main(['run', '-c', 'city', '-f', 'csv', '-o', {str(tmp_path / 'out.csv')!r}], prog_name='escore')\n"
        "except SystemExit: pass\n"
        "print([m for m in ('sqlite3', 'tempfile', 'escore._store') if m in sys.modules])"
    )
    env = dict(os.environ, ESCORE_DB=str(tmp_path / "none.db"), ESCORE_CACHE_DIR="off")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.splitlines()[-1] == "['escore._store']"
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbfrank,")
    assert not (tmp_path / "none.db").exists()


def test_a_run_that_finds_its_toml_in_the_cache_does_not_import_the_toml_parser(tmp_path):
    code = (
        "import sys; from escore_cli import cli\n"
        f"try:\n    cli.main(['run', '-c', 'city', '-f', 'csv', '-o', {str(tmp_path / 'out.csv')!r}], prog_name='escore')\n"
        "except SystemExit: pass\n"
        "print('tomllib' in sys.modules)"
    )
    env = dict(os.environ, ESCORE_DB=str(tmp_path / "none.db"), ESCORE_CACHE_DIR=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout for _ in range(2)]
    assert [out.splitlines()[-1] for out in runs] == ["True", "False"]  # parsed once, then read from the cache


def test_cache_shows_what_it_holds_and_clears_only_escores_files(runner, tmp_path):
    cache = tmp_path / "cache"
    env = {"ESCORE_CACHE_DIR": str(cache), "ESCORE_CACHE_MAX_SIZE": "2M"}
    assert runner.invoke(cli, ["run", "-c", "town"], env=env).exit_code == 0  # parses TOML, keeps a checked set
    # The parsed TOML files are saved when the process ends (not here, under CliRunner): stand-ins.
    (cache / "toml-v2.marshal").write_bytes(b"x" * 3000)
    (cache / "toml-v1.marshal").write_bytes(b"x" * 72)  # an earlier version's
    (cache / "units-v1-0123.marshal").write_bytes(b"x" * 1024)  # a units table read (--roster)
    (cache / "notes.txt").write_text("not escore's")
    (cache / ".evidence.interrupted").write_bytes(b"x" * 10)  # what an interrupted write leaves
    sets = list(cache.glob("evidence-*.marshal"))
    parsed = 4096
    assert len(sets) == 1

    shown = runner.invoke(cli, ["cache", "--lang", "en"], env=env)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [
        f"cache directory: {cache}",
        "parsed TOML files and units tables: 4.0 KiB",
        f"checked evidence sets: 1, {sets[0].stat().st_size / 1024:.1f} KiB (kept: at most 2.0 MiB and 64 sets, "
        "the least recently used removed first; ESCORE_CACHE_MAX_SIZE sets the size)",
    ]
    freed = parsed + sets[0].stat().st_size + 10
    cleared = runner.invoke(cli, ["cache", "--clear", "--lang", "zh"], env=env)
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout == f"已从 {cache} 删除 5 个文件，共 {freed / 1024:.1f} KiB\n"
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert runner.invoke(cli, ["run", "-c", "town"], env=env).exit_code == 0  # and the cache fills again
    assert len(list(cache.glob("evidence-*.marshal"))) == 1


def test_cache_naming_a_file_says_it_is_not_used(runner, tmp_path):
    """ESCORE_CACHE_DIR naming a regular file: escore cache said where the cache is as if it were one."""
    afile = tmp_path / "a-file"
    afile.write_text("")
    result = runner.invoke(cli, ["cache", "--lang", "en"], env={"ESCORE_CACHE_DIR": str(afile)})
    assert result.exit_code == 0
    assert result.stderr == (
        f"escore: warning: not using the evidence cache {afile}: it is not a directory (make it yours with mode 0700, or set ESCORE_CACHE_DIR)\n"
    )


def test_cache_when_off(runner):
    result = runner.invoke(cli, ["cache", "--lang", "en"], env={"ESCORE_CACHE_DIR": "off"})
    assert (result.exit_code, result.stdout) == (0, "the cache is off (ESCORE_CACHE_DIR, or no home directory)\n")


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"), (5 << 20, "5.0 MiB"), (3 << 30, "3.0 GiB"), (5 << 40, "5.0 TiB")],
)
def test_cache_sizes_for_people(size, text):
    from escore_cli._cache import size_text

    assert size_text(size) == text


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["disk full", "interrupted"])
def test_an_output_that_fails_half_written_leaves_no_file(runner, tmp_path, monkeypatch, failure):
    """The output is written to a temporary file renamed into place: a writer that fails after
    writing part of it (the disk full, the command interrupted) leaves neither the target nor
    the temporary file, and a target that existed keeps its old content."""
    from escore import _builtin_formats

    def half(result, stream):
        stream.write("rank,code\n1,north\n")
        raise failure

    monkeypatch.setattr(_builtin_formats, "write_csv", half)
    target = tmp_path / "ranking.csv"
    target.write_text("the ranking published yesterday\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(target)])
    if isinstance(failure, OSError):
        assert result.exit_code == 2 and result.stderr == f"escore: error: --output {target}: cannot write: No space left on device\n"
    else:
        assert result.exit_code != 0
    assert target.read_text(encoding="utf-8") == "the ranking published yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ranking.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["template", "-c", "county", "--unit", "fuzhou.gulou", "-f", "xlsx", "-o", "book.xlsx"],
            "--unit: an xlsx workbook holds every unit of the category; leave --unit out",
        ),
        (["template", "-c", "county", "-f", "xlsx"], "--format xlsx writes a workbook: give --output FILE.xlsx"),
        (
            ["template", "-c", "county", "-f", "xlsx", "-o", "book.xlsx", "-e", ".", "--evidence-from-sample"],
            "give either --evidence or --evidence-from-sample, not both",
        ),
        (["template", "-c", "county", "-e", "."], "--evidence and --evidence-from-sample pre-fill a workbook: add --format xlsx"),
        (
            ["template", "-c", "county", "-o", "book.xlsx"],
            "--output book.xlsx: the suffix .xlsx is for format 'xlsx', but the format is 'toml'; add -f xlsx or choose another file name",
        ),
        (["explain", "fuzhou", "-c", "county"], "fuzhou 福州市 is a unit of category 'city', not 'county'; give -c city"),
        (["verify", "--year", "2071"], "no installed ruleset is of 2071; did you mean '2017'?"),
        (["verify", "--year", "3000"], "no installed ruleset is of 3000; years installed: 2017"),
        (["verify", "nowhere/cases"], "golden case path not found: nowhere/cases"),
        (["verify", "-rA"], "no such option: -rA; pass pytest's options as --pytest-arg=-rA"),
    ],
    ids=[
        "a workbook of one unit",
        "a workbook to the terminal",
        "two kinds of pre-filling",
        "pre-filling a TOML template",
        "a unit's TOML named as a workbook",
        "a unit of another category",
        "a year like another",
        "a year unlike any",
        "no such cases",
        "an option of pytest's",
    ],
)
def test_options_that_do_not_fit_together_are_usage_errors(tmp_path, monkeypatch, fj2017_only, args, message):
    """What template and verify cannot do as asked is one line saying what to do instead, exit 2."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert result.exit_code == 2 and result.stderr == f"escore: error: {message}\n", result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_output_never_replaces_the_evidence_it_reads(runner, evidence, tmp_path):
    """``run -e book.xlsx -f xlsx -o book.xlsx`` replaced the assessor's evidence with results
    (exit 0): every command that reads -e and writes -o refuses, writing nothing."""
    unit = evidence / "units" / "north.toml"
    before = unit.read_bytes()
    link = tmp_path / "link.toml"
    link.symlink_to(unit)
    hard = tmp_path / "hard.toml"
    os.link(unit, hard)
    cases = [
        (["run", "-c", "town", "-e", str(evidence), "-f", "csv", "-o", str(evidence / "results.csv")], "inside the evidence directory"),
        (["run", "-c", "town", "-e", str(unit), "-f", "toml", "-o", str(unit)], "given with -e"),
        (["run", "-c", "town", "-e", str(link), "-f", "toml", "-o", str(unit)], "given with -e"),  # through a symbolic link
        (["run", "-c", "town", "-e", str(unit), "-f", "toml", "-o", str(link)], "given with -e"),
        (["run", "-c", "town", "-e", str(hard), "-f", "toml", "-o", str(unit)], "given with -e"),  # a hard link
        (["explain", "north", "-e", str(evidence), "-o", str(evidence / "units" / "x.txt")], "inside the evidence directory"),
        (["plan", "north", "-e", str(evidence), "-o", str(unit.with_suffix(".txt"))], "inside the evidence directory"),
        (
            ["plan", "--all", "-c", "town", "-e", str(evidence), "-f", "csv", "-o", str(evidence / "plan.csv")],
            "inside the evidence directory",
        ),
        (
            ["whatif", "north", "-e", str(evidence), "--set", "service.reply_rate=90", "-o", str(evidence / "w.txt")],
            "inside the evidence directory",
        ),
        (["diff", str(evidence), str(tmp_path), "-c", "town", "-o", str(evidence / "d.txt")], "inside the evidence directory"),
        (["template", "-c", "town", "-f", "xlsx", "-e", str(unit), "-o", str(unit.with_suffix(".xlsx"))], None),  # another file: written
    ]
    listing = sorted(p.name for p in evidence.rglob("*"))
    for args, refusal in cases:
        result = runner.invoke(cli, args)
        if refusal is None:
            assert result.exit_code == 0, result.output
            unit.with_suffix(".xlsx").unlink()
            continue
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("escore: error: --output "), result.stderr
        assert refusal in result.stderr and "which this command reads" in result.stderr
        assert unit.read_bytes() == before
        assert sorted(p.name for p in evidence.rglob("*")) == listing  # nothing written, no temporary file left
    # Outside the evidence, and into a device, the output is written as before.
    assert runner.invoke(cli, ["run", "-c", "town", "-e", str(unit), "-f", "toml", "-o", str(tmp_path / "r.toml")]).exit_code == 0
    assert "total" in (tmp_path / "r.toml").read_text()
    assert runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-o", os.devnull]).exit_code == 0


def test_output_never_replaces_an_installed_pack_s_sample(runner, tmp_path):
    """Without -e a command reads the packs' sample: ``run -o SAMPLE/…`` had replaced a sample
    file with the ranking (exit 0), and every later run failed. Every command that writes -o refuses."""
    from escore_demo import plugin

    sample = __import__("pathlib").Path(plugin.__file__).parent / "sample"
    unit = sample / "units" / "north.toml"
    listing = sorted(p.name for p in sample.rglob("*"))
    before = unit.read_bytes()
    cases = [
        ["run", "-c", "town", "-f", "toml", "-o", str(unit)],
        ["run", "-c", "town", "-f", "csv", "-o", str(sample / "results.csv")],
        ["explain", "north", "-o", str(sample / "north.txt")],
        ["plan", "--all", "-c", "town", "-f", "csv", "-o", str(sample / "plans.csv")],
        ["whatif", "north", "--set", "service.reply_rate=90", "-o", str(sample / "w.txt")],
        ["template", "-c", "town", "-f", "xlsx", "-o", str(sample / "book.xlsx")],
    ]
    try:
        for args in cases:
            result = runner.invoke(cli, args)
            assert result.exit_code == 2, (args, result.output)
            assert result.stderr.startswith("escore: error: --output "), result.stderr
            assert result.stderr.endswith(": is inside an installed pack's sample evidence, which escore reads; choose a file elsewhere\n")
        assert unit.read_bytes() == before
        assert sorted(p.name for p in sample.rglob("*")) == listing
    finally:  # a regression must not leave the checkout's sample damaged for every later test
        unit.write_bytes(before)
        for args in cases:
            written = __import__("pathlib").Path(args[-1])
            if written != unit:
                written.unlink(missing_ok=True)


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_command_stopped_by_a_signal_leaves_no_output_behind(tmp_path, name):
    """SIGTERM (timeout, a CI's cancel, systemd) and SIGHUP had ended a command where it stood,
    leaving its hidden temporary output file (Ctrl-C already cleaned up): now both unwind as
    Ctrl-C does, say so, and exit with the shell's status for the signal (128 + its number)."""
    import signal
    import time

    pytest.importorskip("escore_fj2017_website")
    output = tmp_path / "out" / "plans.csv"
    output.parent.mkdir()
    env = dict(os.environ, ESCORE_CACHE_DIR="off", ESCORE_LANG="en")
    script = [sys.executable, "-c", "from escore_cli import script; script()"]
    process = subprocess.Popen(
        [*script, "plan", "--all", "-c", "county", "-f", "csv", "-o", str(output), "-j", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(output.parent.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # until the output is being written: its temporary file exists
    assert process.poll() is None, "the command ended before it was stopped"
    [temporary] = list(output.parent.iterdir())
    assert temporary.name.startswith(".plans.csv.")
    process.send_signal(getattr(signal, name))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + getattr(signal, name), err
    assert err.endswith(f"escore: stopped ({name})\n"), err
    assert list(output.parent.iterdir()) == []


def test_a_write_killed_outright_is_swept_by_the_next_write_once_an_hour_old(tmp_path):
    """SIGKILL (the out-of-memory killer at 100,000 units) runs no handler: the command's hidden
    temporary output file stayed for ever. The next write of the same output removes those an
    hour old (a write in progress is never that old), and nothing else."""
    import signal
    import time

    pytest.importorskip("escore_fj2017_website")
    output = tmp_path / "plans.csv"
    env = dict(os.environ, ESCORE_CACHE_DIR="off", ESCORE_LANG="en")
    script = [sys.executable, "-c", "from escore_cli import script; script()"]
    process = subprocess.Popen([*script, "plan", "--all", "-c", "county", "-f", "csv", "-o", str(output), "-j", "1"], env=env)
    deadline = time.monotonic() + 60
    while not list(tmp_path.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the command ended before it was stopped"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    [killed] = list(tmp_path.iterdir())
    assert killed.name.startswith(".plans.csv.") and len(killed.name) == len(".plans.csv.") + 12
    young = tmp_path / ".plans.csv.0123456789ab"  # another command writing the same file right now
    young.write_text("in progress")
    other = tmp_path / ".other.csv.0123456789ab"  # another output's
    other.write_text("left")
    hour_ago = time.time() - 3601
    os.utime(killed, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    assert subprocess.run([*script, "run", "-c", "city", "-f", "csv", "-o", str(output)], env=env, capture_output=True).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.csv.0123456789ab", ".plans.csv.0123456789ab", "plans.csv"]


def test_stale_writes_are_swept_where_the_system_has_no_user_ids(tmp_path, monkeypatch):
    """Without os.getuid (Windows) the sweep after a write had raised AttributeError, which no
    handler expected, once the output was already in place."""
    import time

    from escore_cli._common import _sweep_stale_writes

    left = tmp_path / ".out.csv.0123456789ab"
    left.write_text("killed")
    hour_ago = time.time() - 3601
    os.utime(left, (hour_ago, hour_ago))
    monkeypatch.delattr(os, "getuid")
    _sweep_stale_writes(tmp_path, "out.csv")
    assert not left.exists()


def test_the_cache_command_writes_nothing_into_the_cache(tmp_path, monkeypatch):
    """``escore cache`` reads the packs to speak their language, and their parsed TOML files had
    been saved into the cache at exit: one just cleared showed 8 KiB at the next look."""
    cache = tmp_path / "cache"
    assert _command("script", "run", "-c", "city", "-f", "csv", "-o", os.devnull, cache=cache).returncode == 0
    assert list(cache.glob("toml-v*.marshal"))
    # In no language set: the language is the packs', read for it.
    monkeypatch.delenv("ESCORE_LANG", raising=False)
    assert _command("script", "cache", "--clear", cache=cache).returncode == 0
    shown = _command("script", "cache", cache=cache)
    assert shown.returncode == 0 and shown.stdout
    assert sorted(p.name for p in cache.iterdir()) == []


@pytest.mark.parametrize("when", ["importing the command", "parsing its options"])
def test_ctrl_c_before_the_command_runs_ends_as_during_it(runner, monkeypatch, when):
    """Ctrl-C while the command line was parsed or the command imported had been click's
    'Aborted!' with exit 1, the status of an indicator that raised; it is 130, as during the command."""
    import escore_cli

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    if when == "importing the command":
        monkeypatch.setattr(escore_cli.LazyGroup, "get_command", interrupted)
    else:
        monkeypatch.setattr(click.Command, "parse_args", interrupted)
    result = runner.invoke(cli, ["run", "-c", "town"])
    assert (result.exit_code, result.stderr) == (130, "escore: interrupted\n")


#: A process that runs the installed ``escore`` script's entry point (as the console script does)
#: with an import hook that interrupts it when one of the named modules is imported: by raising
#: KeyboardInterrupt, or by sending the process SIGINT (the signal Ctrl-C sends).
_INTERRUPTED_WHILE_IMPORTING = """
import os, signal, sys
from importlib.metadata import entry_points

how, names = sys.argv[1], set(sys.argv[2].split(","))
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name in names:
            if how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)
        return None

(script,) = entry_points(group="console_scripts", name="escore")
entry = script.load()
sys.meta_path.insert(0, Interrupt())
sys.argv = ["escore", *sys.argv[3:]]
sys.exit(entry())
"""


@pytest.mark.parametrize("how", ["raise", "signal"])
@pytest.mark.parametrize(
    ("modules", "lang", "said"),
    [
        ("click", "", "escore: interrupted\n"),
        ("click.core", "", "escore: interrupted\n"),
        ("escore_cli", "", "escore: interrupted\n"),
        ("click", "zh", "escore：已中断\n"),
        ("click,escore._i18n", "zh", "escore: interrupted\n"),  # escore's catalogue cannot be read either: English
    ],
)
def test_ctrl_c_while_python_imports_the_command_line_ends_as_during_the_command(modules, lang, said, how):
    """Ctrl-C in the first tenth of a second, while Python imported click and the command line
    before any handler was in place, ended with a Python traceback (KeyboardInterrupt)."""
    env = {**os.environ, "ESCORE_LANG": lang}
    for args in (["--version"], ["list", "-c", "city"]):
        done = subprocess.run(
            [sys.executable, "-c", _INTERRUPTED_WHILE_IMPORTING, how, modules, *args], capture_output=True, text=True, env=env, timeout=60
        )
        assert (done.returncode, done.stderr, done.stdout) == (130, said, ""), args
