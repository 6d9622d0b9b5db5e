"""A later year of the demo ruleset that changes its rules, loaded by name (ESCORE_PLUGINS) in tests:
demo2026 extends demo2024, removes S-1-2 (reply delay, 10), scores S-1-3 (shared platforms) out
of 12 where it was 10, adds S-1-4 (plan on record, 8, from the field S-2-A-1 reads: missing for
the towns that do not give it) and weighs the website section 50 where it was 40."""

import types

from escore import Award, Binary, Item, Ruleset, Score, Section, cite, hookimpl, indicator, remove

overrides = types.ModuleType("pack_demo2026.overrides")
overrides.GONE = remove("S-1-2")


@indicator("S-1-3", "Shared platforms", max=12, parent="S-1", methods=["self_report"], source=cite("1 point per platform, at most 12"))
def platforms(service_platforms) -> Score:
    return Award("platforms", cap=12, per={"platform": 1}).score(Item("platform", name) for name in service_platforms)


@indicator("S-1-4", "Plan on record", max=8, parent="S-1", methods=["inspection"], source=cite("plan filed → 8"))
def plan_on_record(service_plan_filed) -> Score:
    return Binary("plan on record", 8).score(service_plan_filed)


overrides.platforms = platforms
overrides.plan_on_record = plan_on_record


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset("demo2026", 2026, "Demo 2026, extending demo2024", extends="demo2024"))


@hookimpl
def escore_register_sections(register):
    register(Section("demo2026", "town", "website", "Website", weight=50, raw_max=100))


@hookimpl
def escore_register_indicators(register):
    register(overrides, ruleset="demo2026", sections=[("town", "services"), ("town", "website")])
