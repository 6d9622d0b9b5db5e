"""Hostile and careless input: every bad input a clear one-line error, faulty packs isolated,
a cache that cannot change a result, output that cannot attack a terminal or a spreadsheet."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import DEMO

SAMPLE = DEMO / "escore_demo" / "sample"


@pytest.fixture
def runner(no_autoload):
    return CliRunner()


@pytest.fixture
def evidence(tmp_path):
    target = tmp_path / "evidence"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache directory of this test only, so that cold and warm runs can be compared."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(directory))
    from escore import _cache, _toml_cache

    _toml_cache.shared.cache_clear()
    _cache._refused.clear()
    yield directory
    _toml_cache.shared.cache_clear()
    _cache._refused.clear()


def run_json(runner, *args):
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "json", *args])
    return result, (json.loads(result.stdout) if result.exit_code in (0, 1) and result.stdout else None)


def totals(data):
    return {u["code"]: u["total"] for u in data["units"]}


def one_error_line(result, *parts):
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("escore: error: "), result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# ----------------------------------------------------------------------------- evidence input


def test_a_stray_quote_in_a_csv_is_an_error_naming_the_line(runner, evidence):
    path = evidence / "monitoring" / "outages.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",2024", ',"2024', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f'{path}:2: a quote (") opened on line 2 is never closed')


def test_a_quoted_cell_spanning_lines_is_an_error(runner, evidence):
    path = evidence / "monitoring" / "outages.csv"
    path.write_text('unit,date,hours\nsouth,"2024-03-01\nsouth",2\n', encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{path}:2: a quoted cell runs from line 2 to line 3")


@pytest.mark.parametrize("csv_limit", [None, 10_000_000])
def test_a_cell_over_the_size_limit_is_an_error(runner, evidence, csv_limit):
    """escore's limit holds whatever the csv module's is: a program may raise that one."""
    import csv

    path = evidence / "monitoring" / "outages.csv"
    path.write_text("unit,date,hours\nsouth,2024-03-01," + "9" * 140_000 + "\n", encoding="utf-8")
    before = csv.field_size_limit()
    if csv_limit is not None:
        csv.field_size_limit(csv_limit)
    try:
        result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    finally:
        csv.field_size_limit(before)
    one_error_line(result, f"{path}:2: a cell is longer than 131072 characters")


def test_gb18030_evidence_is_read_with_a_note_and_scores_the_same(runner, evidence):
    _, expected = run_json(runner, "-e", str(evidence))
    unit = evidence / "units" / "north.toml"
    text = unit.read_text(encoding="utf-8").replace("clear navigation, dated colours", "导航清晰，配色陈旧")
    unit.write_bytes(text.encode("gb18030"))
    result, data = run_json(runner, "-e", str(evidence))
    assert result.exit_code == 0, result.output
    assert f"escore: warning: {unit}: read as GB18030 (Chinese Windows encoding), not UTF-8" in result.stderr
    assert totals(data) == totals(expected)
    again = runner.invoke(cli, ["run", "-c", "town", "-f", "json", "-e", str(evidence)])
    assert again.stderr == result.stderr and again.stdout == result.stdout  # the cached evidence set warns too
    north = next(u for u in data["units"] if u["code"] == "north")
    assert any("导航清晰，配色陈旧" in reason for i in north["indicators"] for reason in i["reasons"])


def test_bytes_that_are_neither_utf8_nor_gb18030_are_an_error_naming_the_byte(runner, evidence):
    path = evidence / "monitoring" / "outages.csv"
    path.write_bytes(b"unit,date,hours\nsouth,2024-03-01,2\nsouth,\xff\xff,2\n")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{path}: not UTF-8 text: invalid byte 0xff on line 3; save the file as UTF-8")


def _no_such_path(evidence):
    return [str(evidence / "nowhere")], f"{evidence / 'nowhere'}: evidence path not found"


def _manifest(text, message):
    def make(evidence):
        (evidence / "escore-evidence.toml").write_text(text, encoding="utf-8")
        return [str(evidence)], f"{evidence / 'escore-evidence.toml'}: {message}"

    return make


def _renamed(old, new, message):
    def make(evidence):
        (evidence / old).rename(evidence / new)
        return [str(evidence)], f"{evidence / new}: {message}"

    return make


def _no_unit_column(evidence):
    path = evidence / "monitoring" / "outages.csv"
    path.write_text("town,date,hours\nsouth,2024-03-01,2\n", encoding="utf-8")
    return [str(evidence)], f"{path}: unit: missing column; the first column names the unit"


def _a_field_twice(evidence):
    unit = evidence / "units" / "north.toml"
    return [str(evidence), str(unit)], f"{unit}: service.reply_rate: given twice (also in {unit})"


@pytest.mark.parametrize(
    "make",
    [
        _no_such_path,
        _manifest("evidence = 1\n", "evidence: expected a table [evidence]"),
        _manifest('[evidence]\nsynthetic = "yes"\n', "evidence.synthetic: expected true or false, got 'yes'"),
        _manifest("[evidence]\nnote = 3\n", "evidence.note: expected text, got 3"),
        _manifest("[evidence]\nruleset = 2024\n", "evidence.ruleset: expected the name of the ruleset the evidence is for, got 2024"),
        _renamed("monitoring/outages.csv", "monitoring/outages.json", "no evidence loader for '.json' monitoring tables"),
        _renamed("units/north.toml", "units/north.yaml", "no evidence loader for '.yaml' unit files; known: .toml; workbooks: .ods, .xlsx"),
        _no_unit_column,
        _a_field_twice,
    ],
    ids=[
        "no such path",
        "a manifest without its table",
        "a manifest's synthetic flag not true or false",
        "a manifest's note not text",
        "a manifest's ruleset not a name",
        "a monitoring table no loader reads",
        "a unit file no loader reads",
        "a monitoring table without its unit column",
        "a field given twice",
    ],
)
def test_bad_evidence_paths_are_one_line_errors_naming_the_file(runner, evidence, tmp_path, make):
    """Bad input gets one line naming the file (and the key) and what was expected, exit 2, and
    no output file: cold, and warm (a cache never hides a problem)."""
    paths, message = make(evidence)
    output = tmp_path / "out.csv"
    args = ["run", "-c", "town", "-f", "csv", "-o", str(output)] + [arg for path in paths for arg in ("-e", path)]
    for _ in range(2):
        one_error_line(runner.invoke(cli, args), message)
        assert not output.exists() and not list(tmp_path.glob(".out.csv.*"))


def test_evidence_for_another_ruleset_is_scored_with_a_warning(runner, evidence, own_cache):
    """The manifest's ``ruleset`` had been read by nothing: evidence labelled for another scheme,
    or a year the run does not extend, was scored without a word. A warning says so, cold and
    warm; the run's own year passes silently."""
    _, expected = run_json(runner, "-e", str(evidence))
    manifest = evidence / "escore-evidence.toml"
    manifest.write_text('[evidence]\nruleset = "demo2024"\n', encoding="utf-8")
    result, data = run_json(runner, "-e", str(evidence))
    assert "warning" not in result.stderr
    manifest.write_text('[evidence]\nruleset = "fj2017"\n', encoding="utf-8")
    for _ in range(2):
        result, data = run_json(runner, "-e", str(evidence))
        assert result.exit_code == 0, result.output
        assert (
            f"escore: warning: {manifest}: evidence.ruleset: this evidence is for ruleset 'fj2017', the run is for 'demo2024'; scored as given\n"
        ) in result.stderr
        assert totals(data) == totals(expected)


def test_a_bom_in_toml_is_accepted(runner, evidence):
    _, expected = run_json(runner, "-e", str(evidence))
    unit = evidence / "units" / "north.toml"
    unit.write_bytes(b"\xef\xbb\xbf" + unit.read_bytes())
    result, data = run_json(runner, "-e", str(evidence))
    assert result.exit_code == 0, result.output
    assert totals(data) == totals(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[website]\npages_ok = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply (at most 32 levels)"),
        ("x" + ".x" * 3000 + " = 1\n", "nested too deeply (at most 32 levels)"),
        ("[website]\npages_ok = 1" + "0" * 5000 + "\n", "invalid TOML: Exceeds the limit (4300 digits)"),
        ("[website]\npages_ok = 1" + "0" * 40 + "\n", "website.pages_ok: number out of range"),
        ("[service]\nreply_rate = 1e-20000000\n", "service.reply_rate: number out of range"),
    ],
)
def test_toml_limits_are_one_line_errors(runner, evidence, text, message):
    unit = evidence / "units" / "north.toml"
    unit.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    line = one_error_line(result, str(unit), message)
    assert len(line) < 400


def test_numbers_in_text_cells_take_ascii_digits_only():
    from escore import InputError
    from escore._evidence import field

    count = field("x.count", "int", min=0)
    rate = field("x.rate", "decimal")
    assert count.parse("2016", "f.csv:2", "count", from_text=True) == 2016
    for raw in ("²⁰¹⁶", "١٢٣", "1_000", "9" * 5000):
        with pytest.raises(InputError, match=r"f\.csv:2: count: expected a whole number"):
            count.parse(raw, "f.csv:2", "count", from_text=True)
    for raw in ("١.٥", "1_0.5"):
        with pytest.raises(InputError, match="expected a number"):
            rate.parse(raw, "f.csv:2", "rate", from_text=True)
    with pytest.raises(InputError, match="out of range"):
        rate.parse("1e-20000000", "f.csv:2", "rate", from_text=True)


_RAW_VALUES = [
    *(0, 7, -7, 10**30, True, False, None, 1.5, [], {}, ["a", "b"], ["a", 1]),
    *(Decimal("1.50"), Decimal("-0"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+3")),
    *(dt.date(2017, 3, 1), dt.datetime(2017, 3, 1, 12, 0)),
    *("", " ", "7", " 7 ", "-7", "+7", "07", "1_000", "٧", "7.0", "1.50", " 1.50 ", "1e3", "1E-2", ".5", "5.", "-0"),
    *("nan", "Infinity", "0x10", "1,5", "true", "False", " TRUE ", "yes", "a", "b", "a; b", "a;;b", "c"),
    *("2017-03-01", " 2017-03-01", "2017-3-1", "2017-02-30", "2017-W09-3", "20170301", "2017-03-01T00:00"),
    *({"points": 4, "reason": "ok"}, {"points": Decimal("4.5"), "reason": " ok "}, {"points": "4", "reason": "ok"}),
    *({"points": 4, "reason": ""}, {"points": 4, "reason": "  "}, {"points": 4.5, "reason": "ok"}, {"points": 4}),
    *({"points": 11, "reason": "ok"}, {"points": -1, "reason": "ok"}, {"points": True, "reason": "ok"}),
]


@pytest.mark.parametrize(
    ("kind", "bounds"),
    [
        ("int", {}),
        ("int", {"min": 0, "max": 10}),
        ("decimal", {}),
        ("decimal", {"min": 0, "max": "9.5"}),
        ("bool", {}),
        ("str", {}),
        ("date", {}),
        ("graded", {"min": 0, "max": 10}),
        ("enum", {"choices": ("a", "b")}),
        ("list[str]", {}),
        ("list[str]", {"choices": ("a", "b")}),
    ],
)
def test_the_quick_parse_of_a_value_is_the_checked_one(kind, bounds):
    """Each evidence type parses the common values on a quick path (escore._evidence._fast_parser)
    and the rest on the checked one: whatever the raw value, in a TOML file or a text cell, the
    quick path gives what the checked one gives (type, value, exponent) or leaves it to it, so
    both accept and refuse exactly the same values, with the same words."""
    from escore import InputError
    from escore._evidence import _SLOW, field

    spec = field("demo.value", kind, **bounds)
    checked = field("demo.value", kind, **bounds)
    object.__setattr__(checked, "_fast", lambda raw, from_text: _SLOW)  # the checked path alone

    def outcome(spec, raw, from_text):
        try:
            value = spec.parse(raw, "units/u.toml", "demo.value", from_text=from_text)
        except InputError as exc:
            return "refused", str(exc)
        return type(value).__name__, repr(value)

    for raw in _RAW_VALUES:
        for from_text in (False, True):
            assert outcome(spec, raw, from_text) == outcome(checked, raw, from_text), (kind, bounds, raw, from_text)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_not_read(runner, evidence):
    unit = evidence / "units" / "north.toml"
    unit.unlink()
    os.mkfifo(unit)
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{unit}: not a regular file (a device, FIFO or socket); only regular files are read")
    unit.unlink()
    unit.symlink_to("/dev/zero")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{unit}: not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_given_as_evidence_roster_or_store_is_named_so(runner, tmp_path):
    """-e, --roster and --db naming a FIFO or a device had said 'evidence path not found',
    'roster file not found' and 'found a directory'."""
    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    said = "not a regular file (a device, FIFO or socket); only regular files are read"
    for path in (fifo, Path(os.devnull)):
        one_error_line(runner.invoke(cli, ["run", "-c", "town", "-e", str(path)]), f"{path}: {said}")
        one_error_line(runner.invoke(cli, ["run", "-c", "town", "--roster", str(path)]), f"{path}: {said}")
        one_error_line(runner.invoke(cli, ["history", "--db", str(path)]), f"{path}: {said}")


@pytest.mark.parametrize("option", ["-e", "--roster", "--db", "-o"])
def test_an_empty_path_is_a_usage_error(runner, option):
    """``-e ''`` had read the working directory ('.'); ``--db ''`` had been 'found a directory'."""
    result = runner.invoke(cli, ["run", "-c", "town", option, ""])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith(": an empty path; give a file or directory"), result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_a_cached_file_is_reported_warm_or_cold(runner, evidence, own_cache):
    unit = evidence / "units" / "north.toml"
    unit.write_text("", encoding="utf-8")
    assert runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)]).exit_code == 0  # cached: an empty file
    unit.unlink()
    os.mkfifo(unit)
    one_error_line(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)]), f"{unit}: not a regular file")


def test_hidden_files_beside_unit_files_are_skipped(runner, evidence):
    _, expected = run_json(runner, "-e", str(evidence))
    (evidence / "units" / ".DS_Store").write_bytes(b"\x00\x01")
    (evidence / "monitoring" / ".outages.csv.swp").write_bytes(b"\x00")
    result, data = run_json(runner, "-e", str(evidence))
    assert result.exit_code == 0 and data["units"] == expected["units"]  # the stamp digests every file, hidden ones too


def test_a_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from escore import InputError, _files

    path = tmp_path / "big.toml"
    path.write_bytes(b"a = 1\n" * 100)
    with pytest.raises(InputError, match=r"big\.toml: file too large: 600 bytes, the limit is 599"):
        _files.read_bytes(path, limit=599)
    assert _files.read_bytes(path, limit=600) == b"a = 1\n" * 100


@pytest.mark.parametrize("name", ["units", "monitoring"])
def test_units_or_monitoring_being_a_file_is_an_error(runner, evidence, name):
    shutil.rmtree(evidence / name)
    (evidence / name).write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{evidence / name}: expected a directory of")


def test_a_unit_file_of_another_category_given_directly_is_an_error(runner, tmp_path):
    village = tmp_path / "south.a.toml"
    village.write_text("", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(village)])
    one_error_line(result, f"{village}: this is the unit file of 'south.a', which is not among the town units scored here")


def test_an_evidence_directory_matching_no_unit_is_an_error_or_a_warning(runner, evidence, tmp_path):
    villages = tmp_path / "villages"
    (villages / "units").mkdir(parents=True)
    (villages / "units" / "south.a.toml").write_text("", encoding="utf-8")
    alone = runner.invoke(cli, ["run", "-c", "town", "-e", str(villages)])
    one_error_line(alone, f"{villages}: no evidence for the 4 town unit(s) scored; skipped south.a.toml")
    _, expected = run_json(runner, "-e", str(evidence))
    beside, data = run_json(runner, "-e", str(evidence), "-e", str(villages))
    assert beside.exit_code == 0
    assert f"escore: warning: {villages}: no evidence for the 4 town unit(s) scored; skipped south.a.toml" in beside.stderr
    assert totals(data) == totals(expected)


def test_a_keyword_matching_no_indicator_is_a_usage_error(runner):
    result = runner.invoke(cli, ["run", "-c", "town", "-k", "nothing-like-this"])
    one_error_line(result, "-k 'nothing-like-this' matches none of the")


def test_fail_under_without_coverage_is_a_usage_error(runner):
    result = runner.invoke(cli, ["verify", "--fail-under", "100"])
    one_error_line(result, "--fail-under needs --coverage")


def test_verify_selecting_no_case_is_a_usage_error(runner):
    result = runner.invoke(cli, ["verify", "-k", "no-such-case-anywhere"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "escore: error: no golden case was collected (-k 'no-such-case-anywhere' matches none)"


def test_the_template_placeholder_says_it_is_not_filled_in(runner, evidence):
    template = runner.invoke(cli, ["template", "-c", "town", "--unit", "north"]).stdout
    assert '# design = { points = 0, reason = "" }' in template
    unit = evidence / "units" / "north.toml"
    unit.write_text(
        unit.read_text(encoding="utf-8").replace(
            'design = { points = 3.5, reason = "clear navigation, dated colours" }', 'design = { points = 0, reason = "" }'
        ),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    one_error_line(result, f"{unit}: website.design: not graded yet: the reason is empty")


def test_template_finds_a_unit_by_name(runner):
    by_name = runner.invoke(cli, ["template", "-c", "town", "--unit", "North Town"])
    assert by_name.exit_code == 0, by_name.output
    assert by_name.stdout == runner.invoke(cli, ["template", "-c", "town", "--unit", "north"]).stdout
    wrong = runner.invoke(cli, ["template", "-c", "town", "--unit", "North Twn"])
    one_error_line(wrong, "--unit: no town unit with code or name 'North Twn'; did you mean 'North Town'?")


# ----------------------------------------------------------------------------- packs and plugins


def make_pack(root: Path, name: str, body: str, *, entry_point: bool = True) -> None:
    """A module ``name`` under ``root`` and, optionally, a distribution declaring it as entry point."""
    (root / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    if entry_point:
        info = root / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[escore]\n{name} = {name}\n", encoding="utf-8")


@pytest.fixture
def packs(tmp_path, monkeypatch, no_autoload):
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith("hostile_")]:
        del sys.modules[name]


def with_plugins(monkeypatch, *names):
    monkeypatch.setenv("ESCORE_PLUGINS", ",".join(["escore_demo.plugin", *names]))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("import no_such_module_anywhere\n", "failed to load: ModuleNotFoundError: No module named 'no_such_module_anywhere'"),
        ("import sys\nsys.exit(3)\n", "failed to load: SystemExit: 3"),
        (
            """
            from escore import Ruleset, hookimpl

            @hookimpl
            def escore_register_rulesets(register):
                register(Ruleset("broken2030", 2030))
                raise RuntimeError("registry unavailable")
            """,
            "escore_register_rulesets raised RuntimeError: registry unavailable",
        ),
    ],
)
def test_a_broken_pack_is_isolated_and_named(runner, packs, monkeypatch, body, problem):
    make_pack(packs, "hostile_broken", body)
    with_plugins(monkeypatch, "hostile_broken")
    result, data = run_json(runner)
    assert result.exit_code == 0, result.output
    assert data["units"][0]["code"] == "north" and data["units"][0]["total"] == "92"
    assert (
        "escore: warning: plugin 'hostile_broken' (distribution hostile_broken 1.0, entry point hostile_broken = hostile_broken)"
        in result.stderr
    )
    assert problem in result.stderr
    listing = runner.invoke(cli, ["plugins"])
    assert listing.exit_code == 0
    assert any(line.split()[:4] == ["hostile_broken", "hostile_broken", "1.0", "BROKEN"] for line in listing.stdout.splitlines())
    assert f"broken: hostile_broken: {problem}" in listing.stdout.replace("\n  ", " ")
    needed = runner.invoke(cli, ["run", "-c", "broken"])
    assert needed.exit_code == 2 and "Traceback" not in needed.output
    warning, error = needed.stderr.splitlines()
    assert warning.startswith("escore: warning: plugin 'hostile_broken'")
    assert error.startswith(
        "escore: error: unknown category 'broken'; known: town, village; plugin 'hostile_broken' (distribution hostile_broken 1.0"
    )
    if "broken2030" in body:  # what it registered before raising is not kept
        assert "broken2030" not in listing.stdout


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("import no_such_module_anywhere\n", "failed to load: ModuleNotFoundError: No module named 'no_such_module_anywhere'"),
        ("raise RuntimeError('half installed')\n", "failed to load: RuntimeError: half installed"),
    ],
    ids=["an import it lacks", "an error on import"],
)
def test_a_broken_module_named_by_p_is_isolated_and_named(runner, packs, monkeypatch, body, problem):
    """A plugin given by module name (-p or ESCORE_PLUGINS, no distribution) that fails to import
    is left out with a warning naming it; the run goes on with the others."""
    make_pack(packs, "hostile_module", body, entry_point=False)
    with_plugins(monkeypatch, "hostile_module")
    result, data = run_json(runner)
    assert result.exit_code == 0, result.output
    assert data["units"][0]["code"] == "north" and data["units"][0]["total"] == "92"
    assert f"escore: warning: plugin 'hostile_module' is broken and was left out: {problem}" in result.stderr, result.stderr


def test_a_pack_s_bad_call_into_escore_names_the_pack_s_line_and_its_ruleset_is_named_broken(runner, packs, monkeypatch):
    """amend() with a keyword it does not take raises in escore's code; the warning names the
    pack's own line first, and a command asking for the pack's ruleset says it is broken."""
    make_pack(
        packs,
        "hostile_year",
        """
        from escore import Ruleset, amend, hookimpl

        @hookimpl
        def escore_register_rulesets(register):
            register(Ruleset("demo2031", 2031, "Demo 2031", extends="demo2024"))
            amend("S-1", maximum=3)
        """,
        entry_point=False,
    )
    with_plugins(monkeypatch, "hostile_year")
    result = runner.invoke(cli, ["rules-diff", "demo2024", "demo2031"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    warning, error = result.stderr.splitlines()
    problem = (
        "escore_register_rulesets raised ValueError: amend('S-1'): cannot change maximum (did you mean 'max'?); allowed: title, max, parent, source, "
        f"counted, methods ({packs / 'hostile_year.py'}:7, in escore at escore/_parameters.py:"
    )
    assert warning.startswith(f"escore: warning: plugin 'hostile_year' is broken and was left out: {problem}"), warning
    assert (
        error
        == "escore: error: unknown ruleset 'demo2031'; did you mean 'demo2024'?; plugin 'hostile_year' is broken (see the warning above)"
    )


def test_a_later_year_whose_pack_broke_is_not_replaced_by_the_year_before(runner, packs, monkeypatch):
    """A mistake in a new year's overrides left its pack out, and run scored the year before as
    the latest, with exit 0 and a warning."""
    make_pack(
        packs,
        "hostile_next_year",
        """
        from escore import Ruleset, amend, hookimpl

        @hookimpl
        def escore_register_rulesets(register):
            register(Ruleset("demo2025", 2025, "Demo 2025", extends="demo2024"))

        @hookimpl
        def escore_register_indicators(register):
            amend("S-1", maximum=3)
        """,
        entry_point=False,
    )
    with_plugins(monkeypatch, "hostile_next_year")
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "escore: error: the latest ruleset of 'town' here is demo2024 (2024), but demo2025 (2025) was left out with its broken plugin "
        "(see the warning above): mend it, or score demo2024 with --ruleset demo2024"
    )
    assert runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--ruleset", "demo2024"]).exit_code == 0


def test_a_plugin_name_that_is_no_module_is_a_usage_error_with_a_suggestion(runner, monkeypatch):
    with_plugins(monkeypatch, "escore_demo.plugn")
    one_error_line(runner.invoke(cli, ["run", "-c", "town"]), "-p/ESCORE_PLUGINS: no escore plugin or module named 'escore_demo.plugn'")


RULES = """
    from decimal import Decimal

    from escore import Score, group, indicator

    G = group("G", "All", max=2)


    @indicator("G-1", "Exits", max=1, parent="G")
    def exits(unit):
        {exit}
        return Score(Decimal(1))


    @indicator("G-2", "Loops", max=1, parent="G")
    def loops(unit):
        {loop}
        return Score(Decimal(1))
"""

INDICATOR_PACK = """
    from escore import Category, Roster, Ruleset, Section, Unit, hookimpl


    @hookimpl
    def escore_register_rulesets(register):
        register(Ruleset("hostile2030", 2030))


    @hookimpl
    def escore_register_categories(register):
        register(Category("hostile2030", "hamlet", "Hamlets"))


    @hookimpl
    def escore_register_sections(register):
        register(Section("hostile2030", "hamlet", "all", "All", weight=2, raw_max=2))


    @hookimpl
    def escore_register_indicators(register):
        import hostile_rules

        print("registering the hostile pack")
        register(hostile_rules, ruleset="hostile2030", sections=[("hamlet", "all")])


    @hookimpl
    def escore_register_rosters(register):
        register(Roster("hostile2030", "hamlet", [Unit("h1", {name!r}, "hamlet")] + [{more}]))
"""


def hostile_pack(packs, monkeypatch, *, exit="pass", loop="pass", name="Hamlet One", units=1):
    make_pack(packs, "hostile_rules", RULES.replace("{exit}", exit).replace("{loop}", loop), entry_point=False)
    more = ", ".join(f'Unit("h{i}", "Hamlet {i}", "hamlet")' for i in range(2, units + 1))
    make_pack(packs, "hostile_rules_pack", INDICATOR_PACK.replace("{name!r}", repr(name)).replace("{more}", more), entry_point=False)
    with_plugins(monkeypatch, "hostile_rules_pack")


def test_sys_exit_in_an_indicator_is_that_indicators_error(runner, packs, monkeypatch):
    hostile_pack(packs, monkeypatch, exit="import sys; sys.exit(0)")
    result = runner.invoke(cli, ["run", "-c", "hamlet", "-f", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)  # the pack's print() went to stderr, not into the JSON
    by_code = {i["code"]: i for i in data["units"][0]["indicators"]}
    assert by_code["G-1"]["status"] == "error" and by_code["G-1"]["reasons"][0].endswith("SystemExit: 0")
    assert by_code["G-2"] == {**by_code["G-2"], "status": "scored", "points": "1", "points_2dp": "1.00"}
    assert "registering the hostile pack" in result.stderr


def test_explain_shows_the_points_an_error_lost(runner, packs, monkeypatch):
    """An indicator that raised scores 0 and loses its maximum, as the page and the workbook show:
    the text said ``0.00/1 error`` with no loss."""
    hostile_pack(packs, monkeypatch, exit="raise ValueError('no table')")
    result = runner.invoke(cli, ["explain", "h1"])
    assert result.exit_code == 1, result.output
    assert "    G-1 Exits: 0.00/1 error  −1.00\n" in result.stdout
    assert "    G-2 Loops: 1.00/1\n" in result.stdout


def test_ctrl_c_in_an_indicator_still_stops_the_run(runner, packs, monkeypatch):
    hostile_pack(packs, monkeypatch, exit="raise KeyboardInterrupt")
    result = runner.invoke(cli, ["run", "-c", "hamlet", "-f", "json"])
    assert result.exit_code == 130 and result.stdout == ""
    assert result.stderr.endswith("escore: interrupted\n")


def test_a_looping_indicator_is_stopped_by_the_time_budget_and_named(runner, packs, monkeypatch):
    hostile_pack(packs, monkeypatch, loop="while True: pass")
    result = runner.invoke(cli, ["run", "-c", "hamlet", "-f", "json", "--timeout", "0.3"])
    assert result.exit_code == 1, result.output
    by_code = {i["code"]: i for i in json.loads(result.stdout)["units"][0]["indicators"]}
    assert by_code["G-2"]["status"] == "error"
    assert "IndicatorTimeout: indicator G-2 of unit h1 ran over the --timeout budget of 0.3 s" in by_code["G-2"]["reasons"][0]
    assert by_code["G-1"]["status"] == "scored"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--jobs forks (POSIX)")
def test_the_time_budget_holds_in_every_scoring_process(runner, packs, monkeypatch):
    """With --jobs 2 the second unit is scored in a forked process: its loop is stopped there."""
    hostile_pack(packs, monkeypatch, loop="while True: pass", units=2)
    result = runner.invoke(cli, ["run", "-c", "hamlet", "-f", "csv", "--timeout", "0.3", "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert "h1" in result.stdout and "h2" in result.stdout
    errors = [line for line in result.stderr.splitlines() if "IndicatorTimeout" in line]
    assert len(errors) == 2, result.stderr
    assert any("indicator G-2 of unit h2 ran over the --timeout budget of 0.3 s" in line for line in errors)


def test_the_watchdog_names_the_running_indicator(packs, monkeypatch):
    import io
    import threading

    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category
    from escore._watchdog import Watchdog

    hostile_pack(packs, monkeypatch, loop="import time\n        while not STOP.is_set(): time.sleep(0.01)")
    import hostile_rules

    stop = threading.Event()
    hostile_rules.STOP = stop
    catalog = Catalog(make_plugin_manager())
    stream = io.StringIO()
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    with Watchdog(note_after=0.4, stream=stream):
        result = run_category(catalog, "hamlet")
    timer.cancel()
    assert result.units[0].indicators[1].status == "scored"
    assert stream.getvalue().startswith("escore: still scoring unit h1, indicator G-2 (")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            """
            from escore import OutputFormat, hookimpl

            @hookimpl
            def escore_register_formats(register):
                register(OutputFormat("csv", lambda result: "forged\\n", None, ".csv"))
            """,
            "output format 'csv' is registered by both plugins 'escore._builtin_formats' and 'hostile_clash'",
        ),
        (
            """
            from escore import EvidenceLoader, hookimpl

            @hookimpl
            def escore_register_evidence_loaders(register):
                register(EvidenceLoader(".toml", "unit", lambda path: {}))
            """,
            "evidence loader '.toml' is registered by both plugins 'escore._builtin_loaders' and 'hostile_clash'",
        ),
    ],
)
def test_a_format_or_loader_name_clash_names_both_plugins(runner, packs, monkeypatch, body, message):
    make_pack(packs, "hostile_clash", body)
    with_plugins(monkeypatch, "hostile_clash")
    one_error_line(runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]), message)


def test_a_raising_run_finished_hook_is_named_and_the_output_kept(runner, packs, monkeypatch):
    make_pack(
        packs,
        "hostile_report",
        """
        from escore import hookimpl

        @hookimpl
        def escore_run_finished(result):
            raise ConnectionError("dashboard unreachable")
        """,
    )
    with_plugins(monkeypatch, "hostile_report")
    result, data = run_json(runner)
    assert result.exit_code == 0 and data["units"][0]["total"] == "92"
    assert (
        "escore: warning: plugin 'hostile_report' (distribution hostile_report 1.0, entry point hostile_report = hostile_report): "
        in result.stderr
    )
    assert "escore_run_finished raised ConnectionError: dashboard unreachable" in result.stderr


def test_plugin_trace_and_a_packs_print_go_to_stderr(runner, packs, monkeypatch):
    make_pack(
        packs,
        "hostile_printer",
        """
        from escore import hookimpl

        @hookimpl
        def escore_run_finished(result):
            print("uploaded", len(result.units), "units")
        """,
    )
    with_plugins(monkeypatch, "hostile_printer")
    monkeypatch.setenv("ESCORE_TRACE_PLUGINS", "1")
    result, data = run_json(runner)
    assert result.exit_code == 0 and data["units"][0]["code"] == "north"
    assert "escore_run_finished [hook]" in result.stderr and "uploaded 4 units" in result.stderr


def test_verify_runs_no_code_found_under_its_path(runner, tmp_path):
    cases = tmp_path / "golden"
    cases.mkdir()
    shutil.copytree(SAMPLE, tmp_path / "sample")
    shutil.copy(DEMO / "escore_demo" / "golden" / "towns.toml", cases / "towns.toml")
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("conftest.py", "test_evil.py", "__init__.py"):
        (cases / name).write_text(code, encoding="utf-8")
    (cases / "pytest.ini").write_text("[pytest]\naddopts = -p test_evil\n", encoding="utf-8")
    result = runner.invoke(cli, ["verify", str(cases)])
    assert result.exit_code == 0, result.output
    assert " passed" in result.stdout
    assert not marker.exists(), marker.read_text()
    assert not (cases / ".pytest_cache").exists()


# ----------------------------------------------------------------------------- the evidence cache


def test_an_edited_cache_entry_is_not_used(runner, evidence, own_cache):
    from escore import _toml_cache

    _, cold = run_json(runner, "-e", str(evidence))
    _toml_cache.shared().save()  # at exit in a real run
    entries = sorted(own_cache.glob("evidence-*.marshal"))
    assert len(entries) == 1 and _toml_cache.cache_path().is_file()
    for path in [*entries, _toml_cache.cache_path()]:
        data = bytearray(path.read_bytes())
        data[-10] ^= 0x01
        path.write_bytes(bytes(data))
    _toml_cache.shared.cache_clear()
    result, warm = run_json(runner, "-e", str(evidence))
    assert result.exit_code == 0 and warm == cold


def test_a_corrupt_decimal_in_an_entry_falls_back_to_parsing(tmp_path, own_cache):
    import tomllib
    from decimal import Decimal

    from escore import _toml_cache

    cache = _toml_cache.TomlCache(_toml_cache.cache_path())
    raw = b"x = 1.5\n"
    assert cache.parse(raw, lambda data: tomllib.loads(data.decode(), parse_float=Decimal)) == {"x": Decimal("1.5")}
    digest = next(iter(cache.entries))
    import marshal

    cache.entries[digest] = marshal.dumps({"x": ("d", "one and a half")})
    cache.save()
    again = _toml_cache.TomlCache(_toml_cache.cache_path())
    assert again.parse(raw, lambda data: {"parsed": True}) == {"parsed": True}


def test_a_cache_directory_others_can_write_or_another_user_owns_is_refused(runner, evidence, own_cache):
    _, expected = run_json(runner, "-e", str(evidence))
    assert stat.S_IMODE(own_cache.stat().st_mode) == 0o700
    from escore import _cache, _toml_cache

    own_cache.chmod(0o777)
    _toml_cache.shared.cache_clear()
    result, data = run_json(runner, "-e", str(evidence))
    assert f"escore: warning: not using the evidence cache {own_cache}: other users can write to it" in result.stderr
    assert data == expected
    if os.geteuid() == 0:  # only root can give a directory away
        own_cache.chmod(0o700)
        os.chown(own_cache, 65534, 65534)
        _toml_cache.shared.cache_clear()
        _cache._refused.clear()
        result, data = run_json(runner, "-e", str(evidence))
        assert f"escore: warning: not using the evidence cache {own_cache}: it belongs to another user" in result.stderr
        assert data == expected


def test_the_cache_key_follows_the_core_code(tmp_path):
    from escore import _cache

    source = Path(_cache.__file__).with_name("_evidence.py")
    before = _cache.core_digest.__wrapped__()
    info = source.stat()
    try:
        os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
        assert _cache.core_digest.__wrapped__() != before
    finally:
        os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert _cache.core_digest.__wrapped__() == before


def test_entries_written_by_other_code_are_not_used(runner, evidence, own_cache, monkeypatch):
    run_json(runner, "-e", str(evidence))
    from escore import _cache, _evidence_cache, _toml_cache

    _toml_cache.shared().save()
    sealed = _toml_cache.cache_path()
    # A validation change at the same version number: entries sealed before are void.
    monkeypatch.setattr(_cache, "core_digest", lambda: b"another build of the core")
    assert _cache.open_sealed(sealed) is None
    assert _evidence_cache.load_evidence_set(sorted(own_cache.glob("evidence-*"))[0].name[9:-8], None) is None


def test_two_builds_sharing_a_cache_directory_keep_their_own_parsed_files(own_cache, monkeypatch):
    """Two escore versions used in turn (two environments, a benchmark) do not void each other's
    parsed TOML: a build's file is sealed by its core and named after it. At most 4 are kept, the
    most recently used."""
    import time
    import tomllib

    from escore import _cache, _toml_cache

    def parse(data):
        return tomllib.loads(data.decode())

    builds = [bytes([n]) * 16 for n in range(6)]
    for build in builds[:2]:
        monkeypatch.setattr(_cache, "core_digest", lambda build=build: build)
        cache = _toml_cache.TomlCache(_toml_cache.cache_path())
        assert cache.parse(b"x = 1\n", parse) == {"x": 1}
        cache.save()
    monkeypatch.setattr(_cache, "core_digest", lambda: builds[0])
    again = _toml_cache.TomlCache(_toml_cache.cache_path())
    assert again.parse(b"x = 1\n", lambda data: {"parsed": True}) == {"x": 1}  # the first build's entry, still there
    for n, build in enumerate(builds[2:]):
        monkeypatch.setattr(_cache, "core_digest", lambda build=build: build)
        cache = _toml_cache.TomlCache(_toml_cache.cache_path())
        cache.parse(b"y = %d\n" % n, parse)
        cache.save()
        later = time.time_ns() + (n + 1) * 10**9  # in this order, newer than the first build's use
        os.utime(cache.path, ns=(later, later))
    kept = sorted(p.name for p in own_cache.glob(f"toml-v{_toml_cache.VERSION}-*.marshal"))
    assert kept == sorted(f"toml-v{_toml_cache.VERSION}-{build.hex()}.marshal" for build in builds[2:])


def test_a_tilde_in_the_cache_dir_is_the_home_directory(monkeypatch, tmp_path):
    from escore import _cache, _toml_cache

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ESCORE_CACHE_DIR", "~/escore-cache")
    assert _toml_cache.cache_path() == tmp_path / "escore-cache" / f"toml-v{_toml_cache.VERSION}-{_cache.core_digest().hex()}.marshal"


# ----------------------------------------------------------------------------- output


HOSTILE_NAME = '=HYPERLINK("http://x")\n2'
HOSTILE_REASON = "fine\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\nS-1-1 Reply rate: 10/10  forged\u202e"


def test_control_characters_in_evidence_are_escaped_in_text_output(runner, evidence):
    unit = evidence / "units" / "north.toml"
    unit.write_text(
        unit.read_text(encoding="utf-8").replace('"clear navigation, dated colours"', json.dumps(HOSTILE_REASON)), encoding="utf-8"
    )
    manifest = evidence / "escore-evidence.toml"
    manifest.write_text('[evidence]\nsynthetic = true\nnote = "demo\\u001b]0;owned\\u0007"\n', encoding="utf-8")
    explained = runner.invoke(cli, ["explain", "north", "-e", str(evidence)])
    assert explained.exit_code == 0, explained.output
    assert "\x1b" not in explained.stdout and "\u202e" not in explained.stdout and "\x07" not in explained.stdout
    assert "fine\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\nS-1-1 Reply rate: 10/10  forged\\u202e" in explained.stdout
    assert not any(line.startswith("S-1-1 Reply rate") for line in explained.stdout.splitlines())
    table = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    assert "    demo\\x1b]0;owned\\x07" in table.stdout and "\x1b" not in table.stdout
    data = json.loads(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json"]).stdout)
    north = next(u for u in data["units"] if u["code"] == "north")
    assert any(HOSTILE_REASON in r for i in north["indicators"] for r in i["reasons"])  # exact in JSON
    toml = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "toml"]).stdout
    assert "\x1b" not in toml and "\u202e" not in toml
    import tomllib

    assert any(HOSTILE_REASON in r for u in tomllib.loads(toml)["units"] for i in u["indicators"] for r in i["reasons"])


def test_error_messages_escape_control_characters(runner, evidence):
    (evidence / "monitoring" / "outages.csv").write_text("unit,date,hours\nso\x1b[2Juth,2024-03-01,2\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence)])
    line = one_error_line(result, "unknown unit code 'so\\x1b[2Juth'")
    assert "\x1b" not in line


def test_csv_cells_cannot_start_a_formula():
    from escore._text import spreadsheet_cell

    assert [spreadsheet_cell(c) for c in ("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "福州市", "a\nb")] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "福州市",
        "a\\nb",
    ]
    from escore._text import spreadsheet_cells

    plain = ["福州市", "a-b", "", "u1", "x=1", "a@b+c"]
    assert spreadsheet_cells(plain) is plain  # nothing to change: the column itself
    assert spreadsheet_cells([""]) == [""] and spreadsheet_cells([]) == []
    for column in (
        ["ok", "=1"],
        ["=1", "ok"],
        ["", "+1"],
        ["ok", "", "@x"],
        ["-"],
        ["ok", "a\nb"],
        ["ok", "\u202etxt"],
        ["ok", "\u3000x"],
        ["a\n=b", "ok"],  # a line break then a formula start inside one text
    ):
        assert spreadsheet_cells(column) == [spreadsheet_cell(c) for c in column]


def test_csv_output_neutralises_unit_names(runner, packs, monkeypatch):
    hostile_pack(packs, monkeypatch, name=HOSTILE_NAME)
    out = runner.invoke(cli, ["run", "-c", "hamlet", "-f", "csv"]).stdout
    import csv

    row = list(csv.reader(out.splitlines()))[1]
    assert row[1:3] == ["h1", '\'=HYPERLINK("http://x")\\n2']


def test_output_file_honours_the_umask(runner, tmp_path):
    target = tmp_path / "out.csv"
    old = os.umask(0o022)
    try:
        assert runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(target)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_output_through_a_symlink_keeps_the_link(runner, tmp_path):
    real = tmp_path / "shared" / "latest.csv"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    assert runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(link)]).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8-sig").startswith("rank,code,name")


def test_output_into_a_pipe_or_a_device_writes_into_it_and_keeps_it(runner, tmp_path):
    """A named pipe (or /dev/null, a terminal) is written into, as a shell's ">" would: a file
    renamed over it replaced the pipe, and for root /dev/null itself. A socket or a block device is
    refused. (The test uses a named pipe and a socket: a regression must not cost the machine its
    /dev/null.)"""
    import threading

    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(pipe)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert received[0] == runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]).stdout_bytes
    import socket

    listening = tmp_path / "socket"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(listening))
        refused = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", str(listening)])
        assert refused.exit_code == 2 and stat.S_ISSOCK(os.stat(listening).st_mode)
        assert f"--output {listening}: not a regular file, a character device or a pipe" in refused.stderr


def test_dash_is_stdout(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "-o", "-"])
    assert result.stdout.startswith("\ufeffrank,code,name") and not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "-c", "town", "-f", "table", "-o", "report.json"],
            "--output report.json: the suffix .json is for format 'json', but the format is 'table'",
        ),
        (["run", "-c", "town", "-o", "report.CSV"], "the suffix .CSV is for format 'csv'"),
        (["list", "-c", "town", "-f", "json", "-o", "tree.txt"], "the suffix .txt is for format 'table', but the format is 'json'"),
        (["explain", "north", "-o", "north.json"], "the suffix .json is for format 'json', but the format is 'table'"),
    ],
)
def test_a_suffix_contradicting_the_format_is_an_error(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    one_error_line(runner.invoke(cli, args), message)
    assert list(tmp_path.iterdir()) == []
    assert runner.invoke(cli, [*args[:-1], "report.out"]).exit_code == 0  # a suffix no format claims is fine


def _table_rows(path):
    from escore._builtin_loaders import read_csv

    return list(read_csv(path))


def test_tables_are_read_as_a_stream_across_megabytes(tmp_path):
    """A table larger than the 1 MiB read size: a character split between two reads, the line
    numbers after it, GB18030 over several reads, and an invalid byte far into the file."""
    from escore import InputError

    rows = [f"u{i:06d},福建省第{i}号单位,{i % 7}\n" for i in range(60_000)]  # about 2 MB, 3 bytes a Han character
    path = tmp_path / "big.csv"
    path.write_text("unit,name,n\n" + "".join(rows), encoding="utf-8")
    read = _table_rows(path)
    assert len(read) == 60_000
    assert read[-1] == (60_001, {"unit": "u059999", "name": "福建省第59999号单位", "n": "2"})  # 59999 % 7

    gb = tmp_path / "gb.csv"
    gb.write_bytes(("unit,name,n\n" + "".join(rows)).encode("gb18030"))
    with pytest.warns(Warning, match=r"gb\.csv: read as GB18030"):
        assert _table_rows(gb) == read

    broken = tmp_path / "broken.csv"
    data = ("unit,name,n\n" + "".join(rows)).encode("utf-8")
    at = data.index(b"u050000")
    broken.write_bytes(data[:at] + b"\xff\xfe" + data[at:])
    with pytest.raises(InputError, match=r"broken\.csv: not UTF-8 text: invalid byte 0xff on line 50002;"):
        _table_rows(broken)


@pytest.mark.parametrize(
    ("at", "bad", "message"),
    [
        (9000, "u9000,x,1,extra", r"t\.csv:9002: expected 3 cells, got 4"),
        (5000, 'u5000,"two\nlines",1', r"t\.csv:5002: a quoted cell runs from line 5002 to line 5003"),
        (4095, 'u4095,"x"y,1', r"t\.csv:4097: "),
        (8191, "u8191," + "x" * 200_000 + ",1", r"t\.csv:8193: a cell is longer than 131072 characters"),
        (None, None, None),
    ],
)
def test_tables_read_a_chunk_at_a_time_give_the_rows_and_errors_of_row_by_row(tmp_path, at, bad, message):
    """Blank lines and a header with spaces keep their line numbers; a problem past the first
    chunks is named on its own line, after the rows before it were given."""
    from escore import InputError
    from escore._builtin_loaders import _CHUNK_ROWS, _read_csv_strictly, read_csv, read_csv_columns

    assert _CHUNK_ROWS == 4096
    rows = [f"u{i},{'' if i % 3 else 'name'},{i % 5}" for i in range(10_000)]
    rows[100] = rows[6000] = " , , "  # blank rows are skipped
    if at is not None:
        rows[at] = bad
    path = tmp_path / "t.csv"
    path.write_text(" unit , name ,n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    given: list = []
    if message is None:
        given = list(read_csv(path))
        assert given == list(_read_csv_strictly(path))
        assert len(given) == 9998 and given[0] == (2, {"unit": "u0", "name": "name", "n": "0"})
        assert given[-1] == (10_001, {"unit": "u9999", "name": "name", "n": "4"})
        # By columns: the same lines, names and cells.
        lines, header, columns = read_csv_columns(path)
        assert header == ["unit", "name", "n"]
        assert lines == [line for line, _ in given]
        assert columns == [[row[name] for _, row in given] for name in header]
        return
    with pytest.raises(InputError, match=message):
        for row in read_csv(path):
            given.append(row)
    assert given[-1][0] == at + 1  # every row before the bad one was given, once
    assert len(given) == at - (at > 100) - (at > 6000)
    with pytest.raises(InputError, match=message):
        read_csv_columns(path)


def test_a_table_by_columns_with_a_header_only_or_a_few_rows(tmp_path):
    from escore import InputError
    from escore._builtin_loaders import read_csv, read_csv_columns

    path = tmp_path / "t.csv"
    path.write_text(" code , name \n", encoding="utf-8")
    assert read_csv_columns(path) == ([], ["code", "name"], [[], []])
    path.write_text("code,name\n\na, A \n,\nb,\n", encoding="utf-8")
    assert read_csv_columns(path) == ([3, 5], ["code", "name"], [["a", "b"], ["A", ""]])
    assert [line for line, _ in read_csv(path)] == [3, 5]
    path.write_text("code,code\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="repeated column names"):
        read_csv_columns(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty file"):
        read_csv_columns(path)


def test_a_table_may_be_larger_than_a_unit_file(tmp_path):
    from escore import _files

    assert _files.MAX_TABLE_BYTES > _files.MAX_BYTES == 64 * 1024 * 1024
    path = tmp_path / "t.csv"
    path.write_text("unit,x\na,1\n", encoding="utf-8")
    lines, total, anything = _files.open_text(path, limit=12)
    assert (list(lines), total, anything) == (["unit,x\n", "a,1\n"], 2, True)


def test_a_files_digest_is_read_once_per_process_unless_it_changes(tmp_path, monkeypatch):
    import hashlib

    from escore import _files

    path = tmp_path / "t.csv"
    path.write_bytes(b"unit,x\na,1\n")
    reads = []
    chunks = _files._chunks
    monkeypatch.setattr(_files, "_chunks", lambda *a: reads.append(a[1]) or chunks(*a))
    first = _files.file_sha256(path)
    assert _files.file_sha256(path) == first == hashlib.sha256(b"unit,x\na,1\n").digest()
    assert len(reads) == 1  # the cache key and the stamp share one reading
    path.write_bytes(b"unit,x\na,2\n")
    os.utime(path, ns=(1, 2))  # a new modification time, whatever the clock's resolution
    assert _files.file_sha256(path) == hashlib.sha256(b"unit,x\na,2\n").digest() and len(reads) == 2


def test_a_large_files_digest_is_the_same_sha256(tmp_path):
    """From OPENSSL_FROM bytes on, the digest comes from hashlib (OpenSSL): the same SHA-256."""
    import hashlib

    from escore import _files

    for size in (_files.OPENSSL_FROM - 1, _files.OPENSSL_FROM, 3 * _files.OPENSSL_FROM + 17):
        data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        path = tmp_path / f"t{size}.csv"
        path.write_bytes(data)
        assert _files.file_sha256(path) == hashlib.sha256(data).digest() == _files.sha256(data).digest()


def test_once_openssl_is_loaded_small_files_are_hashed_by_it_too(tmp_path, monkeypatch):
    """A large file loads OpenSSL's SHA-256; the smaller files after it use it as well, with the same digest."""
    import hashlib

    from escore import _files

    monkeypatch.setattr(_files, "_openssl", [])
    monkeypatch.setattr(_files, "_sha256_of", {})
    small = tmp_path / "small.csv"
    small.write_bytes(b"unit,x\na,2\n")
    assert _files.file_sha256(small) == hashlib.sha256(b"unit,x\na,2\n").digest()  # built-in module: nothing loaded yet
    assert _files._openssl == []
    large = tmp_path / "large.csv"
    large.write_bytes(b"y" * _files.OPENSSL_FROM)
    assert _files.file_sha256(large) == hashlib.sha256(b"y" * _files.OPENSSL_FROM).digest()
    assert _files._openssl != []

    def built_in(data: bytes = b"") -> None:
        raise AssertionError("the interpreter's module hashed a file after OpenSSL was loaded")

    monkeypatch.setattr(_files, "sha256", built_in)
    other = tmp_path / "other.csv"
    other.write_bytes(b"unit,x\nb,3\n")
    assert _files.file_sha256(other) == hashlib.sha256(b"unit,x\nb,3\n").digest()


def test_every_character_escaped_is_one_python_does_not_print():
    """escape() skips its search for printable text: that is only right if no unsafe character is printable."""
    import sys

    from escore._text import _unsafe, escape

    unsafe = [chr(c) for c in range(sys.maxunicode + 1) if _unsafe().match(chr(c))]
    assert len(unsafe) == 32 + 33 + 1 + 2 + 2 + 5 + 4 + 1  # … and a byte-order mark
    assert not any(c.isprintable() for c in unsafe)
    assert all(escape(f"a{c}b") != f"a{c}b" for c in unsafe)


def test_the_characters_looked_for_in_json_and_toml_are_the_pattern_s():
    """escape_string_syntax looks for each character by itself before substituting with the
    pattern made from the same list: the 48 characters, each written as an escape, a neighbour not."""
    import sys

    from escore._text import _UNSAFE_IN_STRINGS_CHARACTERS, _unsafe_in_strings, escape_string_syntax

    matched = {chr(c) for c in range(sys.maxunicode + 1) if _unsafe_in_strings().match(chr(c))}
    assert matched == set(_UNSAFE_IN_STRINGS_CHARACTERS) and len(matched) == 33 + 1 + 2 + 2 + 5 + 4 + 1
    for c in matched:
        assert escape_string_syntax(f'{{"k": "中{c}文"}}') == f'{{"k": "中\\u{ord(c):04x}文"}}'
    assert escape_string_syntax('{"k": "中文 \u2027 ok"}') == '{"k": "中文 \u2027 ok"}'


def test_table_cells_are_stripped_of_every_kind_of_whitespace_by_chunk(tmp_path):
    """A chunk is kept as the CSV reader gave it only when stripping changes none of its cells:
    every character ``str.strip`` removes (ideographic space, no-break space, the information
    separators) is stripped, at the start or end of a row or of a cell, never inside one."""
    import csv
    import sys

    from escore._builtin_loaders import read_csv, read_csv_columns

    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c not in "\r\n"]
    assert {" ", "\t", "\u3000", "\u00a0", "\x1c", "\u2028"} <= set(spaces)
    for space in spaces:
        for cell in (f"{space}a", f"a{space}", f"a{space}b"):
            path = tmp_path / "t.csv"
            rows = [["u1", "x", "y"], ["u2", cell, "z"], ["u3", "w", cell]]
            with open(path, "w", newline="", encoding="utf-8") as handle:
                csv.writer(handle, lineterminator="\n").writerows([["unit", "name", "n"], *rows])
            with open(path, newline="", encoding="utf-8") as handle:
                expected = [[c.strip() for c in row] for row in list(csv.reader(handle))[1:]]
            assert [list(row.values()) for _line, row in read_csv(path)] == expected, repr(space)
            assert read_csv_columns(path)[2] == [list(column) for column in zip(*expected)], repr(space)


def test_large_evidence_tables_are_hashed_ahead_in_a_thread(tmp_path, monkeypatch):
    """Digests of the tables of 1 MB or more, computed while the units are read: the same as
    hashing the bytes, and found by the cache key without reading the file again."""
    import hashlib
    import mmap

    from escore import InputError, _files

    monkeypatch.setattr(_files, "AHEAD_CHUNK", 1 << 16)  # the file read in many pieces of one buffer

    (tmp_path / "ev" / "fields").mkdir(parents=True)
    (tmp_path / "ev" / "monitoring").mkdir()
    big = tmp_path / "ev" / "fields" / "county.csv"
    big.write_bytes(b"code,x\n" + b"u1,1\n" * 400_000)  # 2 MB
    small = tmp_path / "ev" / "monitoring" / "rows.csv"
    small.write_bytes(b"unit,line\n")
    thread = _files.digests_ahead([tmp_path / "ev"])
    assert thread is not None
    thread.join()
    info = big.stat()
    assert _files._sha256_of[(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)] == hashlib.sha256(big.read_bytes()).digest()
    assert _files.file_sha256(big) == hashlib.sha256(big.read_bytes()).digest()
    with mmap.mmap(-1, 1 << 16) as buffer:  # the size limit holds when reading into a buffer too
        (tmp_path / "other.csv").write_bytes(b"x" * 200_000)
        with pytest.raises(InputError, match="file too large"):
            _files.file_sha256(tmp_path / "other.csv", limit=100_000, buffer=buffer)
    (tmp_path / "small" / "fields").mkdir(parents=True)
    (tmp_path / "small" / "fields" / "county.csv").write_bytes(b"code,x\nu1,1\n")
    assert _files.digests_ahead([tmp_path / "small", small]) is None  # nothing large: no thread
    assert _files.digests_ahead([tmp_path / "absent"]) is None


def test_paths_the_file_system_refuses_are_one_line(runner, tmp_path, monkeypatch):
    """A path the system refuses where no check of escore's names it first (here a name over the
    file system's 255 bytes: OSError from pathlib's own checks, a traceback before): the path and
    the system's words, exit 2, nothing written. A cache directory that cannot be made is said
    once, and the run goes on without it."""
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "store.db"))
    long = str(tmp_path / ("z" * 300))
    for args in (
        ["run", "-c", "town", "-f", "csv", "-o", long + ".csv"],
        ["run", "-c", "town", "-e", long],
        ["run", "-c", "town", "--roster", long + ".csv"],
        ["history", "--db", long + ".db"],
        ["run", "-c", "town", "--save", "--db", long + ".db"],
        ["explain", "east", "-o", long + ".txt"],
    ):
        result = runner.invoke(cli, [*args, "--lang", "en"])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("escore: error: ") and result.stderr.endswith(": File name too long\n"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.setenv("ESCORE_CACHE_DIR", long)
    result = runner.invoke(cli, ["run", "-c", "town", "-f", "csv", "--lang", "en"])
    assert result.exit_code == 0
    assert result.stderr.count("escore: warning: not using the evidence cache") == 1
    assert result.stderr.splitlines()[0].endswith(": File name too long")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["verify", "--coverage", "--fail-under", "nan"], "--fail-under"),
        (["run", "-c", "town", "--timeout", "nan"], "--timeout"),
        (["run", "-c", "town", "--timeout", "inf"], "--timeout"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(runner, args, option):
    """NaN passes every range check (its comparisons are all false): --fail-under nan made a
    coverage gate that could never fail, --timeout nan a limit that never applied."""
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': '{args[-1]}' is not a finite number." in result.stderr
    chinese = runner.invoke(cli, [*args, "--lang", "zh"])  # in click's catalogue, as its other messages
    assert chinese.exit_code == 2
    assert f"错误：'{option}' 的值无效：'{args[-1]}' 不是有限的数。" in chinese.stderr, chinese.stderr


@pytest.mark.parametrize(("format_", "limit"), [("html", "HTML_MAX_UNITS")])
def test_formats_built_whole_refuse_more_units_than_they_hold(runner, tmp_path, monkeypatch, format_, limit):
    """The single-page report is built whole in memory: above its limit a run is refused before
    any unit is scored (no file, exit 2, the streaming formats named); at the limit it is written."""
    from escore import _builtin_formats

    monkeypatch.setattr(_builtin_formats, limit, 3)  # the demo category has 4 units
    target = tmp_path / f"results.{format_}"
    result = runner.invoke(cli, ["run", "-c", "town", "-f", format_, "-o", str(target), "--lang", "en"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"escore: error: -f {format_} is built whole in memory and read by people: at most 3 units, and this run has 4;"
        " use -f csv, json, toml, table or xlsx, which stream any number of units\n"
    )
    assert not target.exists()
    monkeypatch.setattr(_builtin_formats, limit, 4)
    assert runner.invoke(cli, ["run", "-c", "town", "-f", format_, "-o", str(target)]).exit_code == 0
    assert target.stat().st_size > 0


def test_an_error_quoting_a_huge_argument_stays_one_readable_line(runner):
    """A usage error quoting what was typed echoed a 100,000-character unit code in full."""
    line = one_error_line(runner.invoke(cli, ["explain", "x" * 100_000, "--lang", "en"]), "escore: error: no unit with code or name 'xxx")
    assert len(line) == len("escore: error: ") + 2000 and line.endswith("…")


def test_a_timeout_below_a_millisecond_is_refused(runner):
    """--timeout 1e-300 was taken, and never fired: the watchdog cannot see below its tick."""
    result = runner.invoke(cli, ["run", "-c", "town", "--timeout", "1e-300"])
    assert result.exit_code == 2 and "Invalid value for '--timeout': 1e-300 is not in the range x>=0.001." in result.stderr
    assert runner.invoke(cli, ["run", "-c", "town", "--timeout", "0.001", "-f", "csv"]).exit_code == 0


def test_a_directory_given_for_a_file_option_is_one_line_in_the_run_s_language(runner, tmp_path):
    """--db, --output and --roster naming a directory had click's three lines of English
    ("Error: Invalid value for '--db': File 'x' is a directory.") whatever the language; each
    now has escore's one line, in Chinese under --lang zh."""
    folder = tmp_path / "somedir"
    folder.mkdir()
    cases = {
        ("history", "--db", str(folder)): f"{folder}: 应为 escore 存储库（SQLite 文件），实际是目录",
        ("run", "-c", "town", "-o", str(folder)): f"--output {folder}：是一个目录",
        ("run", "-c", "town", "--roster", str(folder)): f"{folder}: 应为文件，实际是目录",
    }
    for args, message in cases.items():
        result = runner.invoke(cli, [*args, "--lang", "zh"])
        assert (result.exit_code, result.stderr) == (2, f"escore：错误：{message}\n"), args
