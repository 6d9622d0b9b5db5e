"""The fj2017 website pack (escore-fj2017-website): citations, trees, rules at their boundaries, sample run, golden cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("escore_fj2017_website", reason="escore-fj2017-website is not installed (pip install -e plugins/indicators_website)")

from escore import Grade, Roster, Score, Unit, hookimpl
from escore._errors import InputError
from escore._golden import find_case_files, load_cases, run_case
from escore._plugins import Catalog, make_plugin_manager
from escore._session import run_category
from escore_fj2017_website import evidence, plugin, table_d, table_l

PACK = Path(plugin.__file__).parent
NOTICE = (PACK / "notice.txt").read_text(encoding="utf-8").replace("\n", "")
CATEGORIES = ("provincial", "city", "county")
MONITORING = dt.date(2017, 11, 30)
CITY = Unit("xiamen", "厦门市", "city")
COUNTY = Unit("xiamen.siming", "思明区", "county", parent="xiamen")


ROOT = Path(__file__).resolve().parent.parent
#: The city and provincial rosters belong to the comprehensive packs; the tests read the files, not the packs.
ROSTER_FILES = (
    ROOT / "plugins" / "indicators_city" / "escore_fj2017_city" / "roster.toml",
    ROOT / "plugins" / "indicators_provincial" / "escore_fj2017_provincial" / "roster.toml",
)


class _OtherRosters:
    @hookimpl
    def escore_register_rosters(self, register):
        for path in ROSTER_FILES:
            register(Roster.from_toml(path))


@pytest.fixture(scope="module")
def catalog():
    """This pack alone (plus the city and provincial roster files), whatever else is installed."""
    missing = [str(p) for p in ROSTER_FILES if not p.exists()]
    if missing:
        pytest.skip(f"roster files not found: {missing}")
    return Catalog(make_plugin_manager(autoload=False, extra=[plugin, _OtherRosters()]))


def D(value: str) -> Decimal:
    return Decimal(value)


def grade(points: str) -> Grade:
    return Grade(Decimal(points), "test")


# --------------------------------------------------------------------------- citations


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_citation_is_verbatim_in_the_notice(catalog, category):
    plan = catalog.plan("fj2017", category)
    sources = [(node.code, node.source) for node in plan.nodes.values()]
    sources += [(veto.code, veto.source) for veto in plan.vetoes]
    sources += [(ip.node.code, alt.source) for ip in plan.indicators for alt in ip.alternatives]
    assert sources
    for code, source in sources:
        assert source is not None, f"{code} has no citation"
        assert source.text in NOTICE, f"{code}: citation is not a verbatim substring of the notice: {source.text!r}"
        assert source.document.startswith("福建省人民政府办公厅关于开展2017年度电子政务绩效考核的通知"), code


def test_residual_rows_say_they_are_not_recoverable(catalog):
    residuals = {"city": ["W-L-1-R"], "county": ["W-L-1-R"], "provincial": ["W-D-1-1-R", "W-D-1-2-R", "W-D-R"]}
    for category, codes in residuals.items():
        plan = catalog.plan("fj2017", category)
        for code in codes:
            assert "not recoverable from the source" in plan.nodes[code].source.note, code


#: The four cases a website row can be (READING 3 and 12); every row's citation note names one.
ROW_CASES = (
    "Case: printed rule",
    "Case: dated deliverable",
    "Case: assessor-graded per READING 12",
    "Case: residual per READING 3",
)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_website_row_says_which_case_it_is(catalog, category):
    plan = catalog.plan("fj2017", category)
    rows = [ip.node for ip in plan.indicators if ip.node.code.startswith("W-")]
    assert rows
    for node in rows:
        named = [case for case in ROW_CASES if case in node.source.note]
        assert len(named) == 1, f"{node.code}: note names {named or 'no case'}: {node.source.note}"
    dated = sorted(node.code for node in rows if "Case: dated deliverable" in node.source.note)
    assert dated == {"provincial": ["W-D-1-1-4", "W-D-5-3-1"]}.get(category, ["W-L-1-2-3", "W-L-4-4-1"])
    for veto in plan.vetoes:
        assert "Case: printed rule" in veto.source.note, veto.code


def test_no_website_rule_invents_an_amount_or_a_formula():
    """READING 12: outside the dated rows (Binary) and the printed 特色栏目 bonus (Ladder), every rule is Graded."""
    from escore import Award, Binary, Deduction, Graded, Ladder, Parameter, Proportional

    kinds = {}
    for module in (table_l, table_d):
        for name, value in vars(module).items():
            value = value.value if isinstance(value, Parameter) else value  # a tier table a later year may replace
            if isinstance(value, (Award, Binary, Deduction, Graded, Ladder, Proportional)):
                kinds.setdefault(type(value).__name__, []).append(name)
    assert sorted(kinds) == ["Binary", "Graded", "Ladder"]
    assert sorted(kinds["Binary"]) == ["ANNUAL_REPORT_D", "ANNUAL_REPORT_L", "SUMMARY_D", "SUMMARY_L"]
    assert kinds["Ladder"] == ["FEATURE_VOTE"]


# --------------------------------------------------------------------------- trees


@pytest.mark.parametrize(("category", "weight", "leaves"), [("provincial", "35", 34), ("city", "30", 46), ("county", "100", 39)])
def test_website_tree_adds_up_to_100(catalog, category, weight, leaves):
    plan = catalog.plan("fj2017", category)
    (section,) = [s for s in plan.sections if s.name == "website"]
    assert (section.raw_max, section.weight, section.title) == (D("100"), D(weight), "政府网站建设")
    roots = plan.roots("website")
    assert sum(n.max for n in roots if n.kind != "bonus") == D("100")
    for node in plan.nodes.values():
        if node.kind == "group":
            assert sum(plan.nodes[c].max for c in node.children) == node.max, node.code
    assert len(plan.indicators) == leaves


def test_installed_packs_give_every_category_a_100_point_website_section():
    catalog = Catalog(make_plugin_manager())
    for category in CATEGORIES:
        plan = catalog.plan("fj2017", category)
        (section,) = [s for s in plan.sections if s.name == "website"]
        assert section.raw_max == D("100")
        assert sum(n.max for n in plan.roots("website") if n.kind != "bonus") == D("100")


def test_table_l_columns_and_residuals(catalog):
    city, county = catalog.plan("fj2017", "city"), catalog.plan("fj2017", "county")
    expected = {
        "W-L-1": ("35", "35"),
        "W-L-1-1": ("15", "14"),
        "W-L-1-R": ("10.5", "12.5"),
        "W-L-2": ("24", "24"),
        "W-L-3": ("17", "17"),
        "W-L-4": ("14", "14"),
        "W-L-4-1-2": ("1", "1.5"),
        "W-L-5-1": ("4", "6"),
        "W-L-5-2": ("6", "4"),
        "W-L-5-2-1": ("2", "4"),
    }
    for code, (in_city, in_county) in expected.items():
        assert (city.nodes[code].max, county.nodes[code].max) == (D(in_city), D(in_county)), code
    # Rows printed '/' in the county column have no place in the county tree.
    for code in ("W-L-1-1-2", "W-L-1-1-8", "W-L-1-4", "W-L-1-4-2", "W-L-4-1-1", "W-L-5-2-2", "W-L-5-2-3", "W-L-B-1-1"):
        assert code in city.nodes and code not in county.nodes, code
    assert city.nodes["W-L-B-1-1"].kind == "bonus"


def test_table_d_blocks(catalog):
    plan = catalog.plan("fj2017", "provincial")
    blocks = {
        "W-D-1": "19",
        "W-D-1-1": "12",
        "W-D-1-2": "7",
        "W-D-2": "6",
        "W-D-3": "23",
        "W-D-4": "17",
        "W-D-5": "12",
        "W-D-6": "4",
        "W-D-7": "18",
    }
    for code, maximum in blocks.items():
        assert plan.nodes[code].max == D(maximum), code
    assert (plan.nodes["W-D-1-1-R"].max, plan.nodes["W-D-1-2-R"].max, plan.nodes["W-D-R"].max) == (D("4.5"), D("5"), D("1"))
    assert plan.nodes["W-D-R"].parent == "W-D"


def test_evidence_names_share_the_website_prefix(catalog):
    plan = catalog.plan("fj2017", "provincial")
    mine = [d for d in plan.fixtures.values() if d.where.startswith("escore_fj2017_website") or "escore_fj2017_website" in d.where]
    assert mine
    for definition in mine:
        if definition.field is not None:
            assert definition.field.key.startswith("website."), definition.field.key
            assert definition.field.description, definition.field.key
        assert definition.name.startswith("website_"), definition.name


# --------------------------------------------------------------------------- 注1, 注2, 注3


def letter(received, replied=None, line=2):
    return evidence.letters.row_type("u", line, received, replied, None)


@pytest.mark.parametrize(
    ("rows", "days", "vetoed"),
    [
        ([letter(dt.date(2017, 6, 1), dt.date(2017, 8, 30))], 90, False),
        ([letter(dt.date(2017, 6, 1), dt.date(2017, 8, 31))], 91, True),
        ([letter(dt.date(2017, 9, 1))], 90, False),
        ([letter(dt.date(2017, 8, 31))], 91, True),
        ([letter(dt.date(2017, 8, 1), dt.date(2017, 12, 15))], 121, True),  # replied after the monitoring date
        ([letter(dt.date(2016, 6, 1)), letter(dt.date(2017, 10, 1), dt.date(2017, 10, 3))], 547, True),  # old, still open
    ],
)
def test_note1_longest_wait(rows, days, vetoed):
    wait = evidence.website_letters_longest_wait(tuple(rows), MONITORING)
    assert wait.days == days
    reason = table_l.note1(wait, evidence.website_letters_last_12m(tuple(rows), MONITORING), MONITORING)
    assert bool(reason) is vetoed
    assert bool(table_d.note1(wait, 1, MONITORING)) is vetoed


def test_note1_twelve_month_window():
    inside = (letter(dt.date(2016, 11, 30), dt.date(2016, 12, 2)),)
    outside = (letter(dt.date(2016, 11, 29), dt.date(2016, 12, 1)),)
    assert evidence.website_letters_last_12m(inside, MONITORING) == 1
    assert evidence.website_letters_last_12m(outside, MONITORING) == 0
    assert evidence.website_letters_longest_wait(outside, MONITORING) is None  # answered and outside the window
    assert table_l.note1(None, 0, MONITORING).startswith("no valid letter in the 12 months")
    assert table_l.note1(evidence.website_letters_longest_wait(inside, MONITORING), 1, MONITORING) == ""


def test_note2_counts_and_thresholds():
    row = evidence.interviews.row_type
    rows = (
        row("u", 2, dt.date(2016, 11, 29), "自主开展", None),  # a day before the window
        row("u", 3, dt.date(2016, 11, 30), "自主开展", None),
        row("u", 4, dt.date(2017, 6, 1), "内容链接或工作动态", None),  # never counts
        row("u", 5, dt.date(2017, 11, 30), "新闻发布会整理", None),
    )
    assert evidence.website_interviews_last_12m(rows, MONITORING) == 2
    assert "fewer than 3" in table_l.note2_interviews(2, MONITORING)
    assert table_l.note2_interviews(3, MONITORING) == ""
    assert table_d.note2_solicitations(3, MONITORING) == ""
    assert table_d.note2_solicitations(0, MONITORING) != ""


def test_note3_is_decided_in_order_and_reads_only_what_its_branch_needs():
    """READING 14: a unit with a client is never asked about WeChat; neither scores 0."""
    from escore_fj2017_website._common import NOTE3_ALTERNATIVES

    wechat, neither = NOTE3_ALTERNATIVES
    assert (wechat.instead, neither.instead) == ("website_channels_wechat_for_app", None)

    def decide(known):
        asked = []

        def fetch(name):
            asked.append(name)
            return known[name]  # KeyError: the evidence is absent

        for alt in NOTE3_ALTERNATIVES:
            if alt.holds(fetch):
                return alt.branch, asked
        return "client", asked

    assert decide({"website_channels_has_app": True}) == ("client", ["website_channels_has_app", "website_channels_has_app"])
    assert decide({"website_channels_has_app": False, "website_channels_has_wechat": True})[0] == "website_channels_wechat_for_app"
    assert decide({"website_channels_has_app": False, "website_channels_has_wechat": False})[0] == "zero"
    with pytest.raises(KeyError, match="website_channels_has_wechat"):
        decide({"website_channels_has_app": False})


# --------------------------------------------------------------------------- rules at their boundaries


def test_graded_rows_check_the_column_maximum():
    assert table_l.public_resources(CITY, grade("2")).points == D("2")
    assert table_l.public_resources(COUNTY, grade("3")).points == D("3")
    assert table_l.health(CITY, grade("1.5")).points == D("1.5")
    with pytest.raises(ValueError, match=r"outside 0\.\.2"):
        table_l.public_resources(CITY, grade("2.5"))
    assert table_l.disclosure_residual(CITY, grade("10.5")).points == D("10.5")
    with pytest.raises(ValueError, match=r"outside 0\.\.10\.5"):
        table_l.disclosure_residual(CITY, grade("12.5"))
    assert table_l.disclosure_residual(COUNTY, grade("12.5")).points == D("12.5")


@pytest.mark.parametrize(("place", "points"), [(1, "1"), (3, "1"), (4, "0"), (10, "0")])
def test_feature_column_bonus_ladder(place, points):
    assert table_l.feature_column(place).points == D(points)


def notice(kind, line=2):
    return evidence.notices.row_type("u", line, dt.date(2017, 5, 1), kind, None)


@pytest.mark.parametrize(
    ("kinds", "higher", "exposure"),
    [
        ([], "2", "2"),
        (["省政府办公厅通报"], "1.5", "2"),
        (["国务院办公厅通报"] * 3, "0", "2"),
        (["网民曝光纠正", "网络安全通报批评", "专项检查重大安全问题"], "2", "0.5"),
    ],
)
def test_notice_rows_score_the_grade_and_show_the_notices(kinds, higher, exposure):
    """READING 12: the notice prints no amount per 通报; the grade is the points, the notices are context."""
    rows = tuple(notice(k, line) for line, k in enumerate(kinds, start=2))
    higher_score = table_l.higher_notices(grade(higher), rows)
    exposure_score = table_l.exposure_and_security(grade(exposure), rows)
    assert higher_score.points == D(higher) and exposure_score.points == D(exposure)
    counted = sum(1 for k in kinds if k in table_l.HIGHER_KINDS)
    assert higher_score.reasons[1] == f"context (not scored): {counted} 上级通报 recorded in website_notices"
    assert len(higher_score.reasons) == 2 + counted


def test_notice_rows_in_table_d_and_without_a_table():
    rows = tuple(notice(k) for k in ["网民曝光纠正", "网民曝光纠正", "网络安全通报批评", "国务院办公厅通报"])
    exposure = table_d.exposure(grade("2"), rows)
    assert exposure.points == D("2")  # two exposures recorded, never −0.5 each
    assert exposure.reasons[1] == "context (not scored): 2 网民曝光纠正 recorded in website_notices"
    assert table_d.security(grade("0.5"), rows).points == D("0.5")
    absent = table_d.security(grade("1"), None)  # no notices table: no context, not missing
    assert absent.points == D("1")
    assert absent.reasons[1] == "context (not scored): monitoring/website_notices.csv not provided: no 通报 facts to show"


@pytest.mark.parametrize("systems", [(), ("考核制度",), ("考核制度", "社会评议制度", "保密审查制度")])
def test_rules_row_is_graded_with_the_systems_as_context(systems):
    score = table_l.gov_info_rules(grade("0.5"), systems)
    assert score.points == D("0.5")  # never 0.25 per system
    assert score.reasons[1] == f"context (not scored): 监督和保障制度 recorded in place: {', '.join(systems) or 'none'}"
    assert table_l.gov_info_rules(grade("1"), None).reasons == ("assessor awarded 1 of 1: test",)


def test_coverage_and_site_rows_are_graded_with_their_counts_as_context():
    score = table_l.admin_power_guides(grade("2.5"), 70, 100)
    assert score.points == D("2.5")  # not 3 × 70/100
    assert score.reasons[1] == "context (not scored): 行政权力事项 with a published guide: 70 of 100"
    assert table_l.public_service_guides(grade("3"), None, None).reasons == ("assessor awarded 3 of 3: test",)
    assert table_l.migration(COUNTY, grade("1.5"), 0, 1).points == D("1.5")
    assert table_l.migration(CITY, grade("0.5"), 15, None).reasons[1] == (
        "context (not scored): sites on the city's unified platform: 15 of not recorded"
    )
    assert table_l.closure(CITY, grade("1"), 0, 80).points == D("1")
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        table_l.closure(CITY, grade("1.5"), 80, 80)


@pytest.mark.parametrize(
    ("received", "points_l", "points_d"), [(dt.date(2017, 11, 15), "5", "6"), (dt.date(2017, 11, 16), "0", "0"), (None, "0", "0")]
)
def test_summary_deadline(received, points_l, points_d):
    assert table_l.summary(received).points == D(points_l)
    assert table_d.summary(received).points == D(points_d)


@pytest.mark.parametrize(("published", "points"), [(dt.date(2017, 3, 31), "0.5"), (dt.date(2017, 4, 1), "0")])
def test_annual_report_deadline(published, points):
    rows = (evidence.annual_reports.row_type("u", 2, 2016, published),)
    report = evidence.website_annual_report(rows)
    assert table_l.annual_report(report).points == D(points)
    assert table_d.annual_report(report).points == D(points)
    assert table_l.annual_report(evidence.website_annual_report(())).points == D("0")


def month(m, row, points, line=2):
    return evidence.portal_months.row_type("u", line, m, row, D(points), None)


def test_portal_rows_monthly_average_and_forfeiture():
    months = tuple(month(m, "重点领域", p) for m, p in [(8, "10"), (9, "8"), (10, "9"), (11, "7")])
    assert table_d.key_areas(months, ()).points == D("8.5")
    offence = evidence.portal_offences.row_type("u", 2, 10, "内容错误", "水位数据错误")
    score = table_d.key_areas(months, (offence,))
    assert score.points == D("6.25")  # October's 9 forfeited: (10 + 8 + 0 + 7) / 4
    assert any(line.startswith("forfeited 9 → 0") for line in score.reasons)
    library = tuple(month(m, "资源库", p) for m, p in [(8, "6"), (9, "4.5"), (10, "6"), (11, "3")])
    assert table_d.resource_library(library).points == D("4.875")
    # an offence in a month without a score is refused at load time (tests/test_impossible_evidence.py)


def test_online_query_is_graded_with_the_criteria_as_context():
    score = table_d.online_query(grade("1.5"), True, False)
    assert score.points == D("1.5")  # not 1 point per criterion
    assert score.reasons[1:] == (
        "context (not scored): criterion 1 (状态查询、结果查询功能) recorded as met",
        "context (not scored): criterion 2 (与实际情况保持一致) recorded as not met",
    )
    assert table_d.online_query(grade("0"), None, None).reasons == ("assessor awarded 0 of 2: test",)


def test_indicators_return_scores_with_explanations():
    score = table_l.summary(dt.date(2017, 11, 16))
    assert isinstance(score, Score)
    assert score.reasons == (
        "work summary not received by the deadline: 0",
        "work summary received 2017-11-16, after the deadline 2017-11-15",
    )


# --------------------------------------------------------------------------- the sample


def test_sample_run_ranks_83_counties(catalog):
    result = run_category(catalog, "county")
    assert result.synthetic
    assert len(result.units) == 83
    assert len({u.unit.code for u in result.units}) == 83
    assert result.ranks[0] == 1 and sorted(result.ranks) == list(result.ranks)
    totals = [u.total for u in result.units]
    assert totals == sorted(totals, reverse=True)
    assert len(set(totals)) > 60  # rankings are not flat (graded rows move on a 0.25 grid, READING 12)
    counts = result.status_counts()
    assert counts["error"] == 0
    assert counts["missing"] == 3  # three fields left out on purpose
    applied = {v.code for u in result.units for v in u.vetoes if v.status == "applied"}
    assert applied == {"W-L-V1", "W-L-V2-1", "W-L-V2-2"}
    hits = {h for u in result.units for i in u.indicators for h in i.hits}
    assert ("W-L-5-2-1", "alternative website_channels_wechat_for_app") in hits
    graded = {name for name, _ in hits}
    assert {"上级通报", "网民曝光及网络安全通报", "政府信息公开规定", "网站迁移 (县)", "网站关停 (县)"} <= graded


def test_sample_run_city_bonus_is_capped(catalog):
    result = run_category(catalog, "city")
    assert len(result.units) == 10
    by_code = {u.unit.code: u for u in result.units}
    website = next(s for s in by_code["xiamen"].sections if s.name == "website")
    assert website.capped and website.raw == D("100") and website.points == D("30")
    bonus = {u.unit.code: next(i.points for i in u.indicators if i.code == "W-L-B-1-1") for u in result.units}
    assert sorted(bonus.values()) == [D(0)] * 7 + [D(1)] * 3


def test_sample_run_provincial_forfeits_content(catalog):
    result = run_category(catalog, "provincial")
    assert len(result.units) == 38
    hits = {h for u in result.units for i in u.indicators for h in i.hits}
    assert ("内容保障 扣除对应考核项所得的分数", "forfeited") in hits
    assert result.status_counts()["error"] == 0


# --------------------------------------------------------------------------- golden cases

CASES = [case for path in find_case_files([PACK / "golden"]) for case in load_cases(path)]


def test_golden_cases_cover_every_indicator(catalog):
    stated = {(case.category, code) for case in CASES for code in case.indicators}
    for category in CATEGORIES:
        plan = catalog.plan("fj2017", category)
        missing = [ip.node.code for ip in plan.indicators if (category, ip.node.code) not in stated]
        assert not missing, f"{category}: no golden case states {missing}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_case(catalog, case):
    outcome = run_case(catalog, case)
    assert not outcome.mismatches, "\n".join(outcome.mismatches)


def test_alternative_grade_over_its_row_maximum_is_bad_input(catalog, tmp_path):
    """注3 in Table D: a WeChat grade of 3 on the 2-point client row is bad input (READING 15), refused when loaded."""
    golden = tmp_path / "golden"
    golden.mkdir()
    case_file = golden / "note3.toml"
    evidence_dir = (PACK / "golden_evidence" / "provincial").as_posix()
    case_file.write_text(
        "[[case]]\n"
        'id = "provincial-note3-over-max"\n'
        'category = "provincial"\n'
        'unit = "prov.bgt"\n'
        f'evidence = ["{evidence_dir}"]\n'
        "[case.fields]\n"
        '"website.channels.has_app" = false\n'
        '"website.channels.wechat_for_app" = { points = 3, reason = "county-style grade by mistake" }\n'
        "[case.expect]\n"
        'total = "0"\n',
        encoding="utf-8",
    )
    (case,) = load_cases(case_file)
    with pytest.raises(InputError) as info:
        run_case(catalog, case)
    assert str(info.value) == (
        f"{case_file} [case provincial-note3-over-max]: website.channels.wechat_for_app: expected an inline table "
        "{points = N, reason = \"...\"} from 0 to 2 (points), got {points = 3, reason = 'county-style grade by mistake'}"
    )
