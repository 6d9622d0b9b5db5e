"""escore used as a library (a notebook, a program): what a caller's own state must not change,
what a result lets a caller change, and what the façade's functions accept."""

from __future__ import annotations

import decimal
import json
import re
import subprocess
import sys
from decimal import ROUND_DOWN, Context, Decimal, Inexact, localcontext

import pytest
from click.testing import CliRunner

import escore

from .conftest import ROOT

pytest.importorskip("escore_fj2017_provincial")

#: A caller's context as unlike escore's as it gets: six digits, rounded towards zero, and every
#: inexact result an exception.
CALLERS = Context(prec=6, rounding=ROUND_DOWN, traps=[Inexact])


@pytest.fixture(scope="module")
def catalog():
    return escore.Catalog(escore.make_plugin_manager(), complete=True)


def every_number(result):
    """Each unit's total, sections and indicators exactly as scored: repr keeps the exponent."""
    return [
        (
            u.unit.code,
            repr(u.total),
            [(s.name, repr(s.raw), repr(s.points)) for s in u.sections],
            [(i.code, i.status, repr(i.points)) for i in u.indicators],
        )
        for u in result.units
    ]


# ---------------------------------------------------------------------- the caller's decimal context


def test_the_caller_s_decimal_context_does_not_change_a_run(catalog):
    """A caller's ``decimal`` context (a notebook's ``getcontext().prec = 6``) is the caller's:
    every number of a run is the one escore's own context gives, the lazily scored detail of a
    streamed run included, and the caller's context is left as it was."""
    expected = every_number(escore.run_category(catalog, "provincial"))
    assert dict((code, total) for code, total, *_ in expected)["prov.lyt"] == "Decimal('88.89340742172400463858')"
    streamed_expected = every_number(escore.run_category(catalog, "provincial", lazy=True, jobs=1))
    with localcontext(CALLERS) as mine:
        got = every_number(escore.run_category(catalog, "provincial"))
        streamed = escore.run_category(catalog, "provincial", lazy=True, jobs=1)
        streamed_got = every_number(streamed)  # each unit scored again as it is read, here
        assert decimal.getcontext() is mine and mine.prec == 6 and mine.rounding == ROUND_DOWN
    assert got == expected
    assert streamed_got == streamed_expected
    assert escore.run_category(catalog, "provincial").status_counts()["error"] == 0


def test_the_rule_objects_score_alike_in_any_context():
    """The scoring vocabulary is public: a rule called directly gives the points it gives in a run."""
    share = escore.Proportional("share", max=2, nothing_to_count="full")
    deduction = escore.Deduction("outages", max=1, per={"outage": "0.0000001"})
    items = [escore.Item("outage")] * 3
    expected = (share.score(152, 199), deduction.score(items), share.score(1, 3) + share.score(2, 3))
    with localcontext(CALLERS):
        got = (share.score(152, 199), deduction.score(items), escore.composite(share.score(1, 3), share.score(2, 3)))
    assert [repr(s.points) for s in got] == [repr(s.points) for s in expected]
    assert expected[0].points == Decimal("1.527638190954773869346733668")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "-c", "provincial", "-f", "json"],
        ["run", "-c", "provincial", "-f", "html"],
        ["explain", "prov.lyt", "-f", "json"],
        ["plan", "prov.lyt", "-f", "json"],
        ["whatif", "prov.lyt", "--set", 'provincial.data_sharing.backflow={ points = 4, reason = "x" }', "-f", "json"],
        ["verify", "CASES"],
    ],
    ids=lambda args: "-".join(args[:1] + args[-1:]),
)
def test_the_commands_compute_in_escore_s_context(args, tmp_path):
    """A program that runs the commands in-process keeps its own context: the output is the same
    bytes (a golden case states a share to its 28th digit)."""
    from escore_cli import cli

    case = tmp_path / "share.golden.toml"
    case.write_text(
        '[[case]]\nid = "share"\ncategory = "provincial"\nunit = "prov.lyt"\n'
        'fields = { "provincial.credit.decisions_total" = 199, "provincial.credit.decisions_on_time" = 152 }\n'
        '[case.expect]\nindicators = { "P-1-2-4" = "1.527638190954773869346733668" }\n',
        encoding="utf-8",
    )
    args = [str(case) if arg == "CASES" else arg for arg in args]
    runner = CliRunner()
    expected = runner.invoke(cli, args)
    with localcontext(CALLERS):
        got = runner.invoke(cli, args)
    assert expected.exit_code == 0, expected.output[-2000:]
    timing = r" in [0-9.]+s"  # verify's summary line says how long pytest took
    assert (got.exit_code, re.sub(timing, "", got.stdout)) == (expected.exit_code, re.sub(timing, "", expected.stdout))


def test_a_changed_default_context_changes_nothing(catalog):
    """``decimal.DefaultContext`` changed before escore is imported (the template of every new
    context, the main thread's first one included) changes no number either: escore's contexts
    are spelled out, not copied from it."""
    expected = {u.unit.code: str(u.total) for u in escore.run_category(catalog, "provincial").units}
    program = (
        "import decimal, json\n"
        "decimal.DefaultContext.prec = 6\n"
        "decimal.DefaultContext.rounding = decimal.ROUND_DOWN\n"
        "decimal.DefaultContext.traps[decimal.Inexact] = True\n"
        "import escore\n"
        "catalog = escore.Catalog(escore.make_plugin_manager(), complete=True)\n"
        "result = escore.run_category(catalog, 'provincial')\n"
        "print(json.dumps({u.unit.code: str(u.total) for u in result.units}))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == expected


# ---------------------------------------------------------------------- results a caller cannot change


def test_a_unit_s_attributes_are_read_only_and_the_roster_keeps_its_own(demo_catalog):
    """A result's unit is the catalogue's: changing its attributes had changed the roster, and the
    next run scored north as a rural town."""
    first = escore.run_category(demo_catalog, "town")
    north = next(u for u in first.units if u.unit.code == "north")
    with pytest.raises(TypeError):
        north.unit.attributes["kind"] = "rural"  # type: ignore[index]
    assert {u.code: dict(u.attributes) for u in demo_catalog.roster("demo2024", "town")}["north"] == {"kind": "market"}
    again = escore.run_category(demo_catalog, "town")
    assert every_number(again) == every_number(first)
    given = {"kind": "market"}
    unit = escore.Unit("u", "U", "town", attributes=given)
    given["kind"] = "rural"  # the caller's own dict stays the caller's
    assert unit.attributes == {"kind": "market"} and unit == escore.Unit("u", "U", "town", attributes={"kind": "market"})
    assert repr(unit) == "Unit(code='u', name='U', category='town', parent=None, attributes={'kind': 'market'})"


def test_units_with_read_only_attributes_pickle_and_copy(demo_catalog):
    """Forked processes send results back pickled; a program may pickle or copy them too."""
    import copy
    import pickle

    result = escore.run_category(demo_catalog, "town")
    units = [u.unit for u in result.units]
    for back in (pickle.loads(pickle.dumps(units)), copy.deepcopy(units), copy.copy(units)):
        assert back == units
        with pytest.raises(TypeError):
            back[0].attributes["kind"] = "x"
    assert pickle.loads(pickle.dumps(result.units)) == result.units


def test_a_units_table_shares_one_read_only_mapping_per_distinct_set_of_attributes(tmp_path, catalog):
    """100,000 units of a table hold a few distinct mappings: each is made read-only once, and
    units with equal attributes still share one (from the file as from the cache)."""
    from escore._columnar import read_roster_table

    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,parent,dc_variant\nb.2,,,B\nb.10,Ten,b.2,A\nb.1,One,,B\n" + "".join(f"c.{i},C,,C\n" for i in range(100)),
        encoding="utf-8",
    )
    for _ in range(2):  # read, then from the cache
        units = read_roster_table(path, "fj2017", "provincial", catalog.loaders).units
        assert len({id(u.attributes) for u in units}) == 3
        assert units[0].attributes is units[2].attributes and units[0].attributes == {"dc_variant": "B"}
        with pytest.raises(TypeError):
            units[0].attributes["dc_variant"] = "A"


def test_a_result_s_counts_are_read_only(demo_catalog):
    result = escore.run_category(demo_catalog, "town")
    with pytest.raises(TypeError):
        result.counts["error"] = 1  # type: ignore[index]
    assert result.exit_code() == 0 and result.status_counts()["error"] == 0
    counts = result.status_counts()
    counts["error"] = 1  # a copy: the caller's own
    assert result.status_counts()["error"] == 0


def test_a_reporting_hook_that_changes_the_result_is_a_plugin_error(tmp_path, monkeypatch, no_autoload):
    """A reporter's ``escore_run_finished`` that wrote into the result's counts had made the run
    exit 1 and end in an IndexError traceback; the result is frozen, as hookspecs.py says: the
    hook's TypeError is one warning naming the plugin, and the run's own output and status stand."""
    from escore_cli import cli

    (tmp_path / "meddling_reporter.py").write_text(
        "from escore import hookimpl\n\n@hookimpl\ndef escore_run_finished(result):\n    result.counts['error'] = 1\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,meddling_reporter")
    done = CliRunner().invoke(cli, ["run", "-c", "town"])
    assert done.exit_code == 0, done.output
    assert "Traceback" not in done.output
    warnings = [line for line in done.stderr.splitlines() if "meddling_reporter" in line]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith("escore: warning: plugin 'meddling_reporter': escore_run_finished raised TypeError: ")
    assert "north" in done.stdout


# ---------------------------------------------------------------------- paths as a program gives them

SAMPLE = ROOT / "examples" / "demo-pack" / "escore_demo" / "sample"


def totals(result):
    return [(u.unit.code, str(u.total)) for u in result.units]


def test_paths_may_be_texts_or_path_likes(demo_catalog, tmp_path, monkeypatch):
    """``evidence`` and ``roster`` take ``str`` and ``os.PathLike`` (one evidence path alone,
    too): a text had been an AttributeError ('str' object has no attribute 'is_file')."""
    import os
    from pathlib import Path, PurePath

    class Located(os.PathLike):  # a path-like that is no pathlib.Path
        def __fspath__(self):
            return str(SAMPLE)

    expected = totals(escore.run_category(demo_catalog, "town", evidence=[Path(SAMPLE)]))
    monkeypatch.chdir(ROOT)
    relative = "examples/demo-pack/escore_demo/sample"
    for evidence in ([relative], relative, Path(relative), PurePath(relative), Located(), (str(SAMPLE),)):
        assert totals(escore.run_category(demo_catalog, "town", evidence=evidence)) == expected, evidence
    table = tmp_path / "units.csv"
    table.write_text(
        "code,name,kind\nnorth,North Town,market\nsouth,South Town,rural\neast,East,rural\nwest,West,market\n", encoding="utf-8"
    )
    by_table = escore.run_category(demo_catalog, "town", roster=str(table), evidence=relative, only=["north"])
    assert totals(by_table) == [("north", "92.0")]
    with pytest.raises(escore.InputError, match=r"^nowhere\.csv: roster file not found$"):
        escore.run_category(demo_catalog, "town", roster="nowhere.csv")
    roster = escore.Roster.from_toml(str(ROOT / "examples" / "demo-pack" / "escore_demo" / "roster.toml"))
    assert {u.code for u in roster} == {"north", "south", "east", "west"}


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ([""], "evidence: an empty path; give a file or directory"),
        ("", "evidence: an empty path; give a file or directory"),
        ([b"sample"], "evidence: expected a path (str or os.PathLike), got b'sample'"),
        ([None], "evidence: expected a path (str or os.PathLike), got None"),
        (3, "evidence: expected a path or a sequence of paths (str or os.PathLike), got 3"),
    ],
)
def test_what_is_no_path_is_a_usage_error(demo_catalog, evidence, message):
    """An empty text is refused as ``-e ''`` is (``Path('')`` is the working directory)."""
    with pytest.raises(escore.UsageError, match=f"^{re.escape(message)}$"):
        escore.run_category(demo_catalog, "town", evidence=evidence)
    with pytest.raises(escore.UsageError, match=r"^roster: an empty path; give a file or directory$"):
        escore.run_category(demo_catalog, "town", roster="")


# ---------------------------------------------------------------------- only some units


def test_only_names_units_of_the_category(demo_catalog):
    """A code in ``only`` that no unit of the category has was an empty ranking without a word."""
    assert totals(escore.run_category(demo_catalog, "town", only=["north", "east"])) == [("north", "92.0"), ("east", "31.95")]
    assert totals(escore.run_category(demo_catalog, "town", only="north")) == [("north", "92.0")]  # one code alone
    with pytest.raises(escore.UsageError, match=r"^only: unknown unit code 'nrth' of demo2024/town; did you mean 'north'\?$"):
        escore.run_category(demo_catalog, "town", only=["north", "nrth"])
    with pytest.raises(escore.UsageError, match=r"^only: 'south.a' is a unit of demo2024/village, not of town$"):
        escore.run_category(demo_catalog, "town", only=["south.a"])
    with pytest.raises(escore.UsageError, match=r"^only: unknown unit code 'zzz' of demo2024/town; its units: east, north, south, west$"):
        escore.run_category(demo_catalog, "town", only=["zzz"])


# ---------------------------------------------------------------------- the language


def every_line(result):
    return [(u.unit.code, i.code, i.reasons) for u in result.units for i in u.indicators]


def test_a_command_leaves_the_language_it_found(demo_catalog, monkeypatch):
    """A command that spoke its ruleset's Chinese had left the process in it: a library run
    of the English demo pack afterwards gave half-Chinese explanation lines."""
    from escore._i18n import language
    from escore_cli import cli

    english = every_line(escore.run_category(demo_catalog, "town"))
    monkeypatch.delenv("ESCORE_LANG", raising=False)  # the fj2017 ruleset's own language: Chinese
    done = CliRunner().invoke(cli, ["run", "-c", "city"])
    assert done.exit_code == 0 and "排名" in done.stdout
    assert language() == "en"
    assert every_line(escore.run_category(demo_catalog, "town")) == english
    failed = CliRunner().invoke(cli, ["run", "-c", "city", "--lang", "zh", "-k", "nothing-matches"])
    assert failed.exit_code == 2 and "escore：错误" in failed.stderr
    assert language() == "en"  # after an error too


def test_the_language_is_chosen_through_the_facade(catalog):
    """``escore.use_language(code, catalog)``: from then on, or within a ``with`` block."""
    from escore._i18n import language
    from escore_cli import cli

    english = every_line(escore.run_category(catalog, "city", only="fuzhou"))
    with escore.use_language("zh", catalog):
        chinese = every_line(escore.run_category(catalog, "city", only="fuzhou"))
        assert language() == "zh"
        done = CliRunner().invoke(
            cli, ["run", "-c", "town", "--lang", "en"], env={"ESCORE_DISABLE_PLUGIN_AUTOLOAD": "1", "ESCORE_PLUGINS": "escore_demo.plugin"}
        )
        assert done.exit_code == 0 and "rank" in done.stdout
        assert language() == "zh"  # the command gave back the language it found
    assert language() == "en"
    assert chinese != english and any("符合档次" in line for *_, reasons in chinese for line in reasons)
    assert every_line(escore.run_category(catalog, "city", only="fuzhou")) == english
    escore.use_language("zh_CN", catalog)  # a plain call: from now on (a locale's name is read as its language)
    try:
        assert every_line(escore.run_category(catalog, "city", only="fuzhou")) == chinese
    finally:
        escore.use_language("en")
    assert language() == "en"
    with pytest.raises(escore.UsageError, match=r"^unknown language 'fr'; expected one of en, zh$"):
        escore.use_language("fr")
    assert language() == "en"
