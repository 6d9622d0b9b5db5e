"""Registers the fj2017 website pack with escore (entry point ``fj2017-website``)."""

from pathlib import Path

from escore import Category, Roster, Ruleset, Section, hookimpl

HERE = Path(__file__).parent
RULESET = "fj2017"
TITLE = "政府网站建设"


@hookimpl
def escore_register_rulesets(register):
    register(
        Ruleset(
            RULESET,
            2017,
            "2017年度福建省电子政务绩效考核",
            document="福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知",
            language="zh",
        )
    )


@hookimpl
def escore_register_categories(register):
    register(Category(RULESET, "provincial", "省直单位", total=100))
    register(Category(RULESET, "city", "设区市政府、平潭综合实验区管委会", subunits="county", total=100))
    register(Category(RULESET, "county", "县（市、区）政府", total=100))


@hookimpl
def escore_register_sections(register):
    # Table D (省直单位) ×0.35; Table L city column ×0.30, county column ×1.00.
    for category, weight in (("provincial", 35), ("city", 30), ("county", 100)):
        register(Section(RULESET, category, "website", TITLE, weight=weight, raw_max=100, sample_evidence=(HERE / "sample" / category,)))


@hookimpl
def escore_register_indicators(register):
    from . import table_d, table_l

    register(table_d, ruleset=RULESET, sections=[("provincial", "website")])
    register(table_l, ruleset=RULESET, sections=[("city", "website"), ("county", "website")])


@hookimpl
def escore_register_fixtures(register):
    from . import evidence

    register(evidence, ruleset=RULESET)


@hookimpl
def escore_register_rosters(register):
    register(Roster.from_toml(HERE / "roster_county.toml"))


@hookimpl
def escore_register_golden_cases(register):
    register(HERE / "golden", ruleset=RULESET)


@hookimpl
def escore_register_translations(register):
    # The pack's own words (explanation lines, rule words, descriptions) in Chinese: locale/zh.
    register(HERE / "locale", domain="escore_fj2017_website")
