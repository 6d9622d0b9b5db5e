"""A later year's tier tables: thresholds out of order are refused where the pack loads, naming
the ruleset, the parameter and the indicator; a table that gives more for a worse value, and a
maximum an indicator's only rule cannot give, are warned of by ``escore verify``."""

from __future__ import annotations

import sys
import types
from decimal import Decimal

import pytest
from click.testing import CliRunner

from escore import Ladder, PackError, Ruleset, hookimpl, parameter
from escore._plugins import Catalog, make_plugin_manager
from escore._score import Tier
from escore_cli import cli

from .conftest import FJ2017_PLUGINS, FJ2017_SECTIONS


@pytest.fixture(autouse=True)
def _forget_the_pack():
    """The pack a test wrote is not left imported for the next test that makes one of the same name."""
    yield
    for module in [m for m in sys.modules if m == "escore_fj2018" or m.startswith("escore_fj2018.")]:
        del sys.modules[module]


def _pack(work, monkeypatch, overrides: str) -> CliRunner:
    """fj2018 as `escore new-pack` writes it, with ``overrides`` as its overrides module, loaded by name."""
    runner = CliRunner()
    made = runner.invoke(cli, ["new-pack", "--extends", "fj2017", "--name", "fj2018", "pack"])
    assert made.exit_code == 0, made.stderr
    (work / "pack" / "escore_fj2018" / "overrides.py").write_text(overrides, encoding="utf-8")
    monkeypatch.syspath_prepend(str(work / "pack"))
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017_PLUGINS + ",escore_fj2018.plugin")
    monkeypatch.setenv("ESCORE_LANG", "en")
    for module in [m for m in sys.modules if m == "escore_fj2018" or m.startswith("escore_fj2018.")]:
        monkeypatch.delitem(sys.modules, module)  # another test's pack of the same name, imported in this process
    return runner


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            'parameter("provincial_credit_completeness_tiers", Ladder.at_least("P-1-2-1 完整性", [(60, 1), (80, 2), (100, 4)], '
            'otherwise=0, what="完整率", unit="%"))',
            "escore: error: fj2018/provincial: escore_fj2018.overrides.TIERS (parameter 'provincial_credit_completeness_tiers'): "
            "the tiers of ladder 'P-1-2-1 完整性' of 'P-1-2-1' are out of order: tier '≥ 60% → 1' comes before tier '≥ 80% → 2', "
            "and the first tier that matches gives the points, so '≥ 60% → 1' takes every value '≥ 80% → 2' was written for and "
            "'≥ 80% → 2' is never given; list the thresholds from the highest down (Ladder.at_least: each below the one before)",
        ),
        (
            'parameter("provincial_dc_a_migration_tiers", Ladder.at_most("P-1-1-A-2 (2018)", [(0, 10), (2, 3), (1, 6)], '
            'otherwise=0, what="延期", unit="个月"))',
            "escore: error: fj2018/provincial: escore_fj2018.overrides.TIERS (parameter 'provincial_dc_a_migration_tiers'): "
            "the tiers of ladder 'P-1-1-A-2 (2018)' of 'P-1-1-A-2' are out of order: tier '≤ 2个月 → 3' comes before tier "
            "'≤ 1个月 → 6', and the first tier that matches gives the points, so '≤ 2个月 → 3' takes every value '≤ 1个月 → 6' "
            "was written for and '≤ 1个月 → 6' is never given; list the thresholds from the lowest up (Ladder.at_most: each "
            "above the one before)",
        ),
    ],
)
def test_a_new_year_s_tier_table_with_its_thresholds_out_of_order_is_refused_by_every_command(work, monkeypatch, declared, message):
    """The ladder's ValueError had left the pack out with a warning that named neither the
    parameter nor the indicator, and `escore verify` then passed (exit 0) without the new year."""
    runner = _pack(work, monkeypatch, f"from escore import Ladder, parameter\n\nTIERS = {declared}\n")
    for command in (["verify"], ["verify", "--ruleset", "fj2018"], ["run", "-c", "provincial", "-f", "csv"], ["list", "-c", "provincial"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.splitlines()[-1] == message, command
        assert "broken" not in result.stderr


def test_a_ladder_built_from_rows_out_of_order_is_refused_when_the_plan_reads_it():
    """Rows given to ``Ladder(...)`` directly bypass the builders' check: a row after the
    otherwise row was never given, and the plan was built."""
    pytest.importorskip("escore_fj2017_website")
    import escore_fj2017_city.plugin
    import escore_fj2017_provincial.plugin
    import escore_fj2017_website.plugin

    rows = (
        Tier(">=", Decimal(100), Decimal(4), "≥ 100% → 4"),
        Tier("else", None, Decimal(0), "< 100% → 0"),
        Tier(">=", Decimal(80), Decimal(2), "≥ 80% → 2"),
    )
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.TIERS = parameter("provincial_credit_completeness_tiers", Ladder("P-1-2-1 完整性", rows, what="完整率", unit="%"))
    plugin = types.ModuleType("pack_fj2018")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))
    plugin.escore_register_indicators = hookimpl(lambda register: register(overrides, ruleset="fj2018", sections=FJ2017_SECTIONS))
    packs = [escore_fj2017_provincial.plugin, escore_fj2017_city.plugin, escore_fj2017_website.plugin, plugin]
    with pytest.raises(PackError) as raised:
        Catalog(make_plugin_manager(autoload=False, extra=packs)).plan("fj2018", "provincial")
    assert str(raised.value) == (
        "fj2018/provincial: pack_fj2018.overrides.TIERS (parameter 'provincial_credit_completeness_tiers'): the tiers of ladder "
        "'P-1-2-1 完整性' of 'P-1-2-1' are out of order: tier '< 100% → 0' comes before tier '≥ 80% → 2', and the first tier "
        "that matches gives the points, so '< 100% → 0' takes every value '≥ 80% → 2' was written for and '≥ 80% → 2' is never "
        "given; the otherwise row comes last: declare every threshold in the steps, before it"
    )


def test_a_ladder_out_of_order_is_still_refused_where_it_is_built_outside_the_loading_of_packs():
    """A pack's own tests and programs keep the builders' immediate error."""
    with pytest.raises(ValueError, match="bounds must be strictly descending, got 60 then 80"):
        Ladder.at_least("P-1-2-1 完整性", [(60, 1), (80, 2)])


def test_verify_warns_of_a_tier_table_that_gives_more_for_a_worse_value(work, monkeypatch):
    """[(100, 1), (80, 4)]: 80–99% gave 4 and 100% gave 1, accepted without a word (its maximum, 4, is reachable)."""
    runner = _pack(
        work,
        monkeypatch,
        "from escore import Ladder, parameter\n\n"
        'TIERS = parameter("provincial_credit_completeness_tiers", Ladder.at_least("P-1-2-1 完整性", [(100, 1), (80, 4), (60, 2)], '
        'otherwise=0, what="完整率", unit="%"))\n',
    )
    result = runner.invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "no-such-case"])
    warned = [line for line in result.stderr.splitlines() if "fj2018/" in line]
    assert warned == [
        "escore: warning: fj2018/provincial: escore_fj2018.overrides.TIERS (parameter 'provincial_credit_completeness_tiers'): "
        "ladder 'P-1-2-1 完整性' of 'P-1-2-1' gives more for a worse value: tier '≥ 80% → 4' comes after tier '≥ 100% → 1', "
        "so a unit that misses '≥ 100% → 1' gets more points; if the notice's table means it (a band, such as 95–105%), leave "
        "it, else let each tier give at most the points of the tier before it"
    ]
    assert runner.invoke(cli, ["run", "-c", "provincial", "-f", "csv"]).exit_code == 0  # a warning of verify's, not an error


def test_verify_warns_of_a_maximum_the_indicator_s_only_rule_cannot_give(work, monkeypatch):
    """An indicator replaced with a tier table topping out at 3 under a maximum of 4: no unit could
    ever get 4, and nothing said so (a replaced parameter of the inherited function is refused)."""
    runner = _pack(
        work,
        monkeypatch,
        "from escore import Ladder, Score, cite, indicator\n\n"
        'TIERS = Ladder.at_least("P-1-2-1 完整性 (2018)", [(100, 3), (80, 2), (60, 1)], otherwise=0, what="完整率", unit="%")\n\n\n'
        '@indicator("P-1-2-1", "完整性", max=4, parent="P-1-2", source=cite("1.完整性，4分。", document="2018"))\n'
        "def completeness(provincial_credit_completeness) -> Score:\n"
        "    return TIERS.score(provincial_credit_completeness)\n",
    )
    result = runner.invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "no-such-case"])
    warned = [line for line in result.stderr.splitlines() if "fj2018/" in line]
    assert warned == [
        "escore: warning: fj2018/provincial: escore_fj2018.overrides.TIERS: 'P-1-2-1' has a maximum of 4 "
        "(escore_fj2018/overrides.py:6), but its only rule, ladder 'P-1-2-1 完整性 (2018)', gives at most 3: no unit can get "
        "the full points; if the notice means it, leave it, else let the rule give 4 or amend the maximum"
    ]
    zh = runner.invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "no-such-case", "--lang", "zh"])
    assert [line for line in zh.stderr.splitlines() if "fj2018/" in line] == [
        "escore：警告：fj2018/provincial: escore_fj2018.overrides.TIERS：'P-1-2-1' 的满分是 4（escore_fj2018/overrides.py:6），"
        "但它唯一的规则 ladder“P-1-2-1 完整性 (2018)”最多给 3 分：没有单位能得满分；若通知本意如此，可不必理会，"
        "否则请让该规则能给出 4 分，或同时修改满分"
    ]


def test_the_2017_packs_have_no_tier_table_or_maximum_to_warn_of():
    pytest.importorskip("escore_fj2017_website")
    from escore._reach import reach_warnings

    catalog = Catalog(make_plugin_manager())
    plans = sorted({(r, c) for r, c, _ in catalog.sections if r == "fj2017"})
    assert len(plans) == 3
    assert [message for r, c in plans for message in reach_warnings(f"{r}/{c}", catalog.plan(r, c))] == []
