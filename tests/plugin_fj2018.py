"""A later year of the fj2017 packs as a plugin module, loaded by name (ESCORE_PLUGINS) in tests:
what a realistic fj2018 changes. P-1-2-2's maximum raised with its tiers, P-1-2-4 removed (its
fields ``provincial.credit.decisions_*`` retired), P-1-2-5 added with a new field, and a county
roster without ``sanming.meilie`` (merged) and with a new unit. Its overrides are attached to every
section, as ``escore new-pack`` attaches them; it inherits fj2017's golden cases except those that
state P-1-2-4."""

from __future__ import annotations

import types

from escore import Binary, Ladder, Roster, Ruleset, Score, Unit, amend, cite, field, hookimpl, indicator, parameter, remove

from .conftest import FJ2017_SECTIONS

RULESET = "fj2018"
DOC = "2018年度电子政务绩效考核的通知"

overrides = types.ModuleType("tests.plugin_fj2018.overrides")
overrides.CREDIT_ACCURATE = parameter(
    "provincial_credit_accuracy_tiers",
    Ladder.at_least("P-1-2-2 准确性", [(80, 3), (60, 2)], otherwise=0, what="入库率", unit="%"),
)
overrides.ACCURACY_MAX = amend("P-1-2-2", max=3, source=cite("2.准确性，3分。", document=DOC))
overrides.DUAL_GONE = remove("P-1-2-4")
overrides.pledges_published = field("provincial.credit.pledges_published", "bool", description="P-1-2-5: 信用承诺 published in 2018")
_PLEDGE = Binary("P-1-2-5 信用承诺公示", 1, yes="信用承诺 published", no="信用承诺 not published")


@indicator("P-1-2-5", "信用承诺公示", max=1, parent="P-1-2", methods=["self_report"], source=cite("5.信用承诺公示，1分。", document=DOC))
def credit_pledges(provincial_credit_pledges_published) -> Score:
    return _PLEDGE.score(provincial_credit_pledges_published)


overrides.credit_pledges = credit_pledges


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset(RULESET, 2018, "fj2018（2018，继承 fj2017）", document="", extends="fj2017", language="zh"))


@hookimpl
def escore_register_indicators(register):
    register(overrides, ruleset=RULESET, sections=FJ2017_SECTIONS)


@hookimpl
def escore_register_fixtures(register):
    register(overrides, ruleset=RULESET)


@hookimpl
def escore_register_rosters(register):
    import escore_fj2017_website.plugin

    counties = Roster.from_toml(escore_fj2017_website.plugin.HERE / "roster_county.toml").units
    kept = [u for u in counties if u.code != "sanming.meilie"]
    new = Unit("quanzhou.taishang", "台商投资区", "county", "quanzhou", {})
    register(Roster(RULESET, "county", [*kept, new]))
