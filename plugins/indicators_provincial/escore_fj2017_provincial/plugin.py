"""Registers the fj2017 provincial comprehensive pack with escore (entry point ``fj2017-provincial``)."""

from pathlib import Path

from escore import Category, Roster, Ruleset, Section, hookimpl

HERE = Path(__file__).parent

RULESET = "fj2017"


@hookimpl
def escore_register_rulesets(register):
    register(
        Ruleset(
            "fj2017",
            2017,
            "2017年度福建省电子政务绩效考核",
            document="福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知",
            language="zh",
        )
    )


@hookimpl
def escore_register_categories(register):
    register(Category("fj2017", "provincial", "省直单位", total=100))


@hookimpl
def escore_register_sections(register):
    register(
        Section(
            "fj2017", "provincial", "comprehensive", "综合应用", weight=65, raw_max=65, sample_evidence=(HERE / "sample" / "provincial",)
        )
    )


@hookimpl
def escore_register_indicators(register):
    from . import comprehensive

    register(comprehensive, ruleset=RULESET, sections=[("provincial", "comprehensive")])


@hookimpl
def escore_register_fixtures(register):
    from . import evidence

    register(evidence, ruleset=RULESET)


@hookimpl
def escore_register_rosters(register):
    register(Roster.from_toml(HERE / "roster.toml"))


@hookimpl
def escore_register_golden_cases(register):
    register(HERE / "golden", ruleset=RULESET)


@hookimpl
def escore_register_translations(register):
    register(HERE / "locale", domain="escore_fj2017_provincial")
