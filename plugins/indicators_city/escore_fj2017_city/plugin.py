"""Registers the fj2017 city 综合应用 pack with escore (entry point ``fj2017-city``).

The city's website section (weight 30) and the county roster (the cities' sub-units,
needed for the 视频会议 roll-up) are registered by the fj2017 website pack.
"""

from pathlib import Path

from escore import Category, Roster, Ruleset, Section, hookimpl

HERE = Path(__file__).parent


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
    register(Category("fj2017", "city", "设区市政府、平潭综合实验区管委会", subunits="county", total=100))


@hookimpl
def escore_register_sections(register):
    register(Section("fj2017", "city", "comprehensive", "综合应用", weight=70, raw_max=70, sample_evidence=(HERE / "sample" / "city",)))


@hookimpl
def escore_register_indicators(register):
    from . import comprehensive

    register(comprehensive, ruleset="fj2017", sections=[("city", "comprehensive")])


@hookimpl
def escore_register_fixtures(register):
    from . import evidence

    register(evidence, ruleset="fj2017")


@hookimpl
def escore_register_rosters(register):
    register(Roster.from_toml(HERE / "roster.toml"))


@hookimpl
def escore_register_golden_cases(register):
    register(HERE / "golden", ruleset="fj2017")


@hookimpl
def escore_register_translations(register):
    register(HERE / "locale", domain="escore_fj2017_city")
