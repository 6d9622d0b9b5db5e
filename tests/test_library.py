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
