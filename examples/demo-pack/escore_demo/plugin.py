"""Registers the demo pack with escore (entry point ``demo2024``)."""

from pathlib import Path

from escore import Category, Roster, Ruleset, Section, hookimpl

HERE = Path(__file__).parent


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset("demo2024", 2024, "Demo assessment", document="Demo assessment notice 2024"))


@hookimpl
def escore_register_categories(register):
    register(Category("demo2024", "town", "Towns", subunits="village"))
    register(Category("demo2024", "village", "Villages"))


@hookimpl
def escore_register_sections(register):
    sample = (HERE / "sample",)
    register(Section("demo2024", "town", "services", "Public services", weight=60, raw_max=60, sample_evidence=sample))
    register(Section("demo2024", "town", "website", "Website", weight=40, raw_max=100, sample_evidence=sample))


@hookimpl
def escore_register_indicators(register):
    from . import services, website

    register(services, ruleset="demo2024", sections=[("town", "services")])
    register(website, ruleset="demo2024", sections=[("town", "website")])


@hookimpl
def escore_register_fixtures(register):
    from . import evidence

    register(evidence, ruleset="demo2024")


@hookimpl
def escore_register_rosters(register):
    register(Roster.from_toml(HERE / "roster.toml"))
    register(Roster.from_toml(HERE / "villages.toml"))


@hookimpl
def escore_register_golden_cases(register):
    register(HERE / "golden", ruleset="demo2024")
