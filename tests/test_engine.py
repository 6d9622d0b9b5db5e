"""The engine on the demo pack: statuses, vetoes, alternatives, bonus caps, roll-ups, totals, ranks."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from escore import Unit
from escore._results import IndicatorResult, UnitResult, present
from escore._run import Engine, rank
from escore._selection import select

MARKET = Unit("t.m", "Market", "town", None, {"kind": "market"})
RURAL = Unit("t.r", "Rural", "town", None, {"kind": "rural"})

FULL = {
    "service_reply_rate": D(100),
    "service_median_delay": 1,
    "service_platforms": ("a", "b"),
    "service_plan_filed": True,
    "website_has_app": True,
    "website_has_wechat": False,
    "website_app_rating": 5,
    "website_wechat_rating": 0,
    "website_design": None,
    "website_leak": False,
    "website_pages_ok": 10,
    "website_pages_total": 10,
    "website_vote_rank": 9,
}


def by_code(result: UnitResult) -> dict[str, IndicatorResult]:
    return {item.code: item for item in result.indicators}


@pytest.fixture
def engine(demo_plan):
    return Engine(demo_plan)


def evidence(**changes):
    from escore import Grade

    values = {**FULL, "website_design": Grade(D(4), "fine"), **changes}
    return {k: v for k, v in values.items() if v is not None}


def test_full_marks_and_exact_total(engine):
    result = engine.score(MARKET, evidence(), {"outages": {}})
    items = by_code(result)
    assert items["S-2-B-1"].status == "not_applicable"
    assert items["S-2-B-1"].reasons == ("applies to units with kind = rural; this unit has kind = market",)
    assert [s.points for s in result.sections] == [D(52), D(40)]  # 10 + 10 + 2 platforms + 30; website 100 × 40%
    assert result.total == D(92)


def test_missing_evidence_is_a_status_with_its_reason(engine):
    values = evidence()
    del values["service_reply_rate"]
    result = engine.score(MARKET, values, {"outages": {}}, file="units/t.m.toml")
    item = by_code(result)["S-1-1"]
    assert item.status == "missing"
    assert item.points == 0
    assert item.reasons == ("evidence 'service.reply_rate' was not provided in units/t.m.toml",)


def test_missing_monitoring_table_names_the_file(engine):
    result = engine.score(RURAL, evidence(), {})
    assert by_code(result)["S-2-B-1"].reasons == ("monitoring table 'outages' (monitoring/outages.csv) was not provided",)


def test_an_indicator_that_raises_is_an_error_with_file_and_line(engine):
    result = engine.score(MARKET, evidence(service_median_delay="soon"), {"outages": {}})
    item = by_code(result)["S-1-2"]
    assert item.status == "error"
    assert re.search(r"_score.py:\d+: ValueError: not a number: 'soon'$", item.reasons[0]), item.reasons
    # the run goes on: the other indicators are scored
    assert by_code(result)["S-1-1"].status == "scored"


def test_veto_zeroes_its_targets_and_is_traced(engine):
    result = engine.score(MARKET, evidence(website_leak=True), {"outages": {}})
    items = by_code(result)
    assert items["W-1-1"].points == 0
    assert items["W-1-1"].reasons[-1] == "vetoed by V-1 Data leak: personal data leaked → 0"
    assert items["W-2"].points == 4  # outside the veto's target
    assert result.vetoes[0].status == "applied"


def test_applied_veto_needs_no_target_evidence(engine):
    """READING 14: a veto the evidence establishes zeroes its targets, status scored, whatever their own evidence."""
    result = engine.score(MARKET, evidence(website_leak=True, website_app_rating=None), {"outages": {}})
    item = by_code(result)["W-1-1"]
    assert (item.status, item.points, item.missing) == ("scored", 0, ())
    assert item.reasons == ("vetoed by V-1 Data leak: personal data leaked → 0",)


def test_undecided_veto_makes_its_targets_missing(engine):
    """READING 14: no target keeps points while its veto is unknown; the reason names the veto's field."""
    result = engine.score(MARKET, evidence(website_leak=None), {"outages": {}})
    items = by_code(result)
    assert (items["W-1-1"].status, items["W-1-1"].points) == ("missing", 0)
    assert items["W-1-1"].missing == ("website.leak",)
    assert items["W-1-1"].reasons == (
        "veto V-1 Data leak could not be decided: evidence 'website.leak' was not provided in the evidence of t.m",
    )
    assert result.vetoes[0][2:] == ("missing", "evidence 'website.leak' was not provided in the evidence of t.m", ("website.leak",))
    assert items["W-2"].status == "scored"  # outside the veto's targets


def test_missing_names_the_evidence(engine):
    values = evidence()
    del values["service_reply_rate"]
    items = by_code(engine.score(RURAL, values, {}))
    assert items["S-1-1"].missing == ("service.reply_rate",)
    assert items["S-2-B-1"].missing == ("monitoring/outages.csv",)
    assert items["S-1-2"].missing == ()


def test_alternative_scores_the_other_evidence(engine):
    result = engine.score(
        MARKET, evidence(website_has_app=False, website_has_wechat=True, website_app_rating=None, website_wechat_rating=2), {"outages": {}}
    )
    item = by_code(result)["W-1-1"]
    assert item.points == 10
    # The evidence the condition read, by its keys and values: not the pack's expression, nor
    # the name of the fixture it asked for (no_app_but_wechat), but the fields that fixture reads.
    assert item.reasons[0] == (
        "alternative (no app: WeChat): website.app_rating is scored on website.wechat_rating, "
        "as website.has_app = no, website.has_wechat = yes"
    )
    assert ("W-1-1", "alternative website_wechat_rating") in item.hits


def test_bonus_adds_to_the_raw_score_which_stays_capped(engine):
    result = engine.score(MARKET, evidence(website_vote_rank=1), {"outages": {}})
    website = result.sections[1]
    assert by_code(result)["W-B"].points == 1
    assert website.raw == 100 and website.capped
    below = engine.score(MARKET, evidence(website_vote_rank=1, website_pages_ok=5), {"outages": {}})
    assert below.sections[1].raw == D(83) and not below.sections[1].capped  # 100 − 10 (home page) − 8 (pages) + 1


def test_rollup_counts_sub_unit_rows(demo_catalog, engine):
    from escore._model import Unit as U

    child = U("t.r.v", "Village", "village", "t.r")
    table = demo_catalog.plan("demo2024", "town").fixtures["outages"].table
    rows = {"t.r": (table.row_type("t.r", 2, None, D(1)),), "t.r.v": (table.row_type("t.r.v", 3, None, D(2)),)}
    result = engine.score(RURAL, evidence(), {"outages": rows}, children=(child,))
    item = by_code(result)["S-2-B-1"]
    assert item.points == D("29.90")
    assert item.reasons[1] == "−0.05 outage: None 2 h (sub-unit t.r.v)"
    assert ("outages", "sub-unit item") in item.hits


def test_ranking_uses_exact_totals_and_ties_share_a_rank():
    def unit(code, total):
        return UnitResult(Unit(code, code, "town"), D(total), (), ())

    ordered, ranks = rank([unit("b", "90.004"), unit("a", "90.004"), unit("c", "90.005"), unit("d", "1")])
    assert [r.unit.code for r in ordered] == ["c", "a", "b", "d"]
    assert ranks == (1, 2, 2, 4)
    assert present(D("90.005")) == "90.01" and present(D("90.004")) == "90.00"
    # Runs of ties, -0 equal to 0, both orders of input.
    totals = ["5", "5.0", "5.00", "3", "3", "0", "-0", "1E+1"]
    units = [unit(f"u{n}", total) for n, total in enumerate(totals)]
    for given, code_order in ((units, True), (list(reversed(units)), False)):
        ordered, ranks = rank(given, in_code_order=code_order)
        assert [r.unit.code for r in ordered] == ["u7", "u0", "u1", "u2", "u3", "u4", "u5", "u6"]
        assert ranks == (1, 2, 2, 2, 5, 5, 7, 7)
    assert rank([]) == ((), ())


def test_ranking_units_given_in_code_order_skips_the_code_key_and_ranks_the_same():
    def unit(code, total):
        return UnitResult(Unit(code, code, "town"), D(total), (), ())

    # Code order is natural order: u-2 before u-10. Ties in both directions, an exponent apart.
    in_code_order = [unit("u-1", "5"), unit("u-2", "7.0"), unit("u-3", "5.00"), unit("u-10", "7"), unit("u-11", "9")]
    expected = rank(list(reversed(in_code_order)))
    assert [r.unit.code for r in expected[0]] == ["u-11", "u-2", "u-10", "u-1", "u-3"]
    assert rank(in_code_order, in_code_order=True) == expected


def test_selection_by_keyword_and_mark(demo_plan):
    assert [ip.node.code for ip in select(demo_plan, keyword="S-1 and not delay")] == ["S-1-1", "S-1-3"]
    assert [ip.node.code for ip in select(demo_plan, marks="inspection")] == ["S-2-A-1", "W-2", "W-4"]
    assert [ip.node.code for ip in select(demo_plan, keyword="website and not W-1", marks="not inspection")] == ["W-3", "W-B"]
    assert [ip.node.code for ip in select(demo_plan, marks="self_report and monitoring")] == ["S-1-1"]


def test_unknown_mark_is_a_usage_error_with_suggestion(demo_plan):
    from escore import UsageError

    with pytest.raises(UsageError, match="unknown mark 'inspecton'; did you mean 'inspection'"):
        select(demo_plan, marks="inspecton")


def test_parametrized_indicators_get_their_own_codes(demo_plan):
    assert demo_plan.nodes["W-1-2"].title == "Home page"
    assert demo_plan.nodes["W-1-3"].max == 10
    assert demo_plan.indicators[[ip.node.code for ip in demo_plan.indicators].index("W-1-3")].bound == {"part": "search"}


def test_missing_policy_max(demo_plan):
    import attrs

    plan = demo_plan._replace(ruleset=attrs.evolve(demo_plan.ruleset, missing_points="max"))
    values = evidence()
    del values["service_reply_rate"]
    result = Engine(plan).score(MARKET, values, {"outages": {}})
    assert by_code(result)["S-1-1"].points == 10
    assert by_code(result)["S-1-1"].status == "missing"


def test_an_indicator_with_an_alternative_that_raises_is_an_error_not_a_crash(engine):
    result = engine.score(MARKET, evidence(website_has_app=False, website_has_wechat=True, website_wechat_rating="lots"), {"outages": {}})
    item = by_code(result)["W-1-1"]
    assert item.status == "error" and "not a number: 'lots'" in item.reasons[0]
    assert by_code(result)["W-2"].status == "scored"


def test_a_run_counts_statuses_once_and_exactly(demo_catalog):
    from escore._results import count_statuses
    from escore._session import run_category

    result = run_category(demo_catalog, "town")
    assert dict(result.counts) == {"scored": 43, "missing": 1, "not_applicable": 4, "error": 0}
    assert result.status_counts() == count_statuses(result.units)
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1


def test_ranking_orders_totals_beyond_28_digits_exactly():
    """A total of 30 digits just under 62 ranks below 62 on both paths (a unary minus would
    round it to 62 in the default context and sort it among the 62s)."""

    def unit(code, total):
        return UnitResult(Unit(code, code, "town"), D(total), (), ())

    units = [unit("u1", "61.9999999999999999999999999997"), unit("u2", "62"), unit("u3", "62.0000000000000000000000000003")]
    for given, code_order in ((units, True), (list(reversed(units)), False)):
        ordered, ranks = rank(given, in_code_order=code_order)
        assert [r.unit.code for r in ordered] == ["u3", "u2", "u1"]
        assert ranks == (1, 2, 3)
