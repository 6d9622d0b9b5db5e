"""ILLUSTRATIVE ruleset ``fj2019-structure``: what the 2019 letter's front matter changes, over fj2017.

The 2019 letter's published opening sections (``front_matter.txt``) set the parts and
their points; its indicator tables are not in this repository. So this pack changes only
what the front matter states and inherits everything else from ``fj2017``: indicators,
parameters, evidence fields, rosters, sample evidence and golden cases. The city's 2017
综合应用 table (70 raw points) is scaled to the 65 points of 2019; that scaling is this
example's assumption, not the 2019 table.
"""

from pathlib import Path

from escore import Ruleset, Section, cite, hookimpl

HERE = Path(__file__).parent
RULESET = "fj2019-structure"
LETTER = "福建省数字福建建设领导小组办公室关于开展2019年度电子政务绩效考核的函"
WEBSITE = "政府网站与政务新媒体建设"
NOTE = "ILLUSTRATIVE: only the front matter of the 2019 letter is known; the 2017 indicator tables are kept"

CITY = cite(
    "(一)设区市政府、平潭综合实验区管委会:综合应用(65分)+政府网站与政务新媒体建设(35分)。",
    document=LETTER,
    clause="一、考核内容",
    note=NOTE,
)
COUNTY = cite("(二)县(市、区)政府:政府网站与政务新媒体建设(100分)。", document=LETTER, clause="一、考核内容", note=NOTE)
PROVINCIAL = cite("(三)省直单位:综合应用(65分)+政府网站与政务新媒体建设(35分)。", document=LETTER, clause="一、考核内容", note=NOTE)


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset(RULESET, 2019, "2019年度福建省电子政务绩效考核（示意：仅前言结构）", document=LETTER, extends="fj2017", language="zh"))


@hookimpl
def escore_register_sections(register):
    # Sections redeclared without sample evidence keep the 2017 sample (synthetic).
    register(Section(RULESET, "city", "comprehensive", "综合应用", weight=65, raw_max=70, source=CITY))
    register(Section(RULESET, "city", "website", WEBSITE, weight=35, raw_max=100, source=CITY))
    register(Section(RULESET, "county", "website", WEBSITE, weight=100, raw_max=100, source=COUNTY))
    register(Section(RULESET, "provincial", "website", WEBSITE, weight=35, raw_max=100, source=PROVINCIAL))


@hookimpl
def escore_register_golden_cases(register):
    # The fj2017 city cases state totals at the 2017 weights (70 + 30); at 65 + 35 they no
    # longer hold, so they are dropped here and city_2019.toml states the 2019 points instead.
    # Every provincial and county case of fj2017 runs under fj2019-structure unchanged.
    dropped = ["baseline.toml::*", "c1_*.toml::*", "c2_*.toml::*", "c3_*.toml::*", "city.toml::*"]
    register(HERE / "golden", ruleset=RULESET, drop=dropped)
