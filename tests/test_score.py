"""The scoring vocabulary: every rule kind, at and around its boundaries."""

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from escore import Award, Binary, Deduction, Grade, Graded, Item, Ladder, MissingEvidence, Proportional, Score, composite, forfeit, points
from escore._score import explaining, fmt, to_decimal

RATE = Ladder.at_least("rate", [(100, 4), (80, 2)], otherwise=0, what="rate", unit="%")
DELAY = Ladder.at_most("delay", [(0, 3), (7, 1)], otherwise=0, what="delay", unit=" days")


@pytest.mark.parametrize(
    ("value", "expected", "row"),
    [
        ("100", "4", "≥ 100% → 4"),
        ("100.01", "4", "≥ 100% → 4"),
        ("99.99", "2", "≥ 80% → 2"),
        ("80", "2", "≥ 80% → 2"),
        ("79.99", "0", "< 80% → 0"),
        ("0", "0", "< 80% → 0"),
    ],
)
def test_tier_ladder_boundaries_are_inclusive(value, expected, row):
    score = RATE.score(D(value))
    assert score.points == D(expected)
    assert score.hits == (("rate", row),)
    assert score.reasons == (f"rate {fmt(D(value))}% matched tier '{row}'",)


@pytest.mark.parametrize(
    ("value", "shown", "row"),
    [
        (D(69) / D(88) * 100, "≈78.41", "< 80% → 0"),  # 28 digits before
        (D("79.99999999999999"), "79.99999999999999", "< 80% → 0"),  # every rounding would say 80
        (D("79.99999991234"), "≈79.9999999", "< 80% → 0"),  # the fewest places that stay below 80
        (D("80.0000000012345"), "≈80.000000001", "≥ 80% → 2"),
        (D("99.9951"), "99.9951", "≥ 80% → 2"),  # four decimals: exact
        (D("92.69841"), "≈92.7", "≥ 80% → 2"),
    ],
)
def test_a_ladder_shows_a_long_measure_rounded_on_the_side_of_every_bound_it_is_on(value, shown, row):
    score = RATE.score(value)
    assert score.reasons == (f"rate {shown}% matched tier '{row}'",)


@pytest.mark.parametrize(("days", "expected"), [(0, 3), (1, 1), (7, 1), (8, 0)])
def test_delay_tiers(days, expected):
    assert DELAY.score(days).points == expected


def test_strict_ladder_excludes_the_bound():
    strict = Ladder.at_least("s", [(80, 2)], strict=True)
    assert strict.score(80).points == 0
    assert strict.score(D("80.001")).points == 2
    assert strict.branches == ("> 80 → 2", "≤ 80 → 0")


def test_ladder_without_otherwise_refuses_uncovered_values():
    ladder = Ladder.at_least("x", [(1, 1)], otherwise=None)
    with pytest.raises(ValueError, match=r"no tier matches value 0$"):
        ladder.score(0)


def test_ladder_bounds_must_be_monotonic():
    with pytest.raises(ValueError, match="strictly descending, got 80 then 100"):
        Ladder.at_least("bad", [(80, 2), (100, 4)])


def test_twenty_deductions_of_five_hundredths_are_exactly_one():
    rule = Deduction("d", max=4, per={"error": "0.05"})
    score = rule.score(Item("error", f"#{n}") for n in range(20))
    assert score.points == D("3.00")
    assert D(4) - score.points == D("1")
    assert len(score.reasons) == 20
    assert score.reasons[0] == "−0.05 error: #0"


def test_deduction_stops_at_the_floor():
    rule = Deduction("d", max=2, per={"violation": 1})
    score = rule.score([Item("violation")] * 3)
    assert score.points == 0
    assert score.reasons[-1] == "floor 0 reached: deductions of 3 exceed 2"
    assert ("d", "floor") in score.hits


def test_deduction_without_items_gives_full_points():
    score = Deduction("d", max=2, per={"x": 1}).score([])
    assert score.points == 2
    assert score.hits == (("d", "none deducted"),)


def test_deduction_names_sub_unit_origin():
    score = Deduction("d", max=2, per={"late": "0.5"}).score([Item("late", "meeting 3", origin="fuzhou.gulou")])
    assert score.reasons == ("−0.5 late: meeting 3 (sub-unit fuzhou.gulou)",)


def test_an_item_label_with_args_is_formatted_into_its_line():
    found = SimpleNamespace(terminal="10.2.0.1", notified=dt.date(2017, 9, 2))
    item = Item("outreach", "terminal {0.terminal}, notified {0.notified}", args=(found,))
    assert item.text == "terminal 10.2.0.1, notified 2017-09-02"
    score = Deduction("d", max=2, per={"outreach": "0.5"}).score([item, Item("outreach", "{0} and {1}", args=("a", 1))])
    assert score.points == 1
    assert score.reasons == ("−0.5 outreach: terminal 10.2.0.1, notified 2017-09-02", "−0.5 outreach: a and 1")


def test_a_template_that_does_not_fit_its_values_shows_it_in_the_line_and_scores_the_same():
    """The points never depend on a line: a bad template is visible, not an error only when explaining."""
    rule = Deduction("d", max=2, per={"late": "0.5"})
    items = [Item("late", "{0.missing_attribute}", args=("row",)), Item("late", "{1}", args=("only one",))]
    explained = rule.score(items)
    assert explained.points == 1
    assert explained.reasons == (
        "−0.5 late: {0.missing_attribute} [not formatted: AttributeError: 'str' object has no attribute 'missing_attribute']",
        "−0.5 late: {1} [not formatted: IndexError: Replacement index 1 out of range for positional args tuple]",
    )
    assert RATE.score("80").with_reason("{0.worst}", None).reasons[-1] == (
        "{0.worst} [not formatted: AttributeError: 'NoneType' object has no attribute 'worst']"
    )


class _Counted:
    """A value that counts how often it is formatted (a raise would be caught and shown in the line)."""

    def __init__(self) -> None:
        self.formatted = 0

    def __format__(self, spec: str) -> str:
        self.formatted += 1
        return "counted"


def test_an_item_label_is_not_formatted_when_nothing_is_explained():
    value = _Counted()
    items = [Item("late", "{0}", args=(value,))] * 3
    rule = Deduction("d", max=2, per={"late": "0.5"})
    token = explaining.set(False)
    try:
        assert rule.score(items).points == D("0.5")
        assert Award("a", cap=1, per={"late": "0.25"}).score(items).points == D("0.75")
    finally:
        explaining.reset(token)
    assert rule.column_points([tuple(items)]) == [D("0.5")]
    assert Award("a", cap=1, per={"late": "0.25"}).column_points([tuple(items)]) == [D("0.75")]
    assert value.formatted == 0
    assert rule.score(items).reasons[0] == "−0.5 late: counted"
    assert value.formatted == 3


@pytest.mark.parametrize("explain", [True, False])
def test_an_item_of_a_kind_the_rule_has_no_amount_for_is_named_with_the_kinds_it_knows(explain):
    """It had been a bare ``KeyError: 'y'`` raised in the core, naming neither the rule nor its kinds."""
    from escore._score import UnknownItemKind, explaining

    token = explaining.set(explain)
    try:
        with pytest.raises(UnknownItemKind) as raised:
            Deduction("P-3-2 网络安全管理", max=2, per={"x": 1, "w": "0.5"}).score([Item("x"), Item("y")])
        assert str(raised.value) == "deduction 'P-3-2 网络安全管理' has no amount for item kind 'y'; the kinds it knows: 'w', 'x'"
        assert isinstance(raised.value, KeyError) and raised.value.kind == "y"
        with pytest.raises(UnknownItemKind) as raised:
            Award("a", cap=2, per={"platform": 1}).score(Item(kind) for kind in ("platform", "app"))
        assert str(raised.value) == "award 'a' has no amount for item kind 'app'; the kinds it knows: 'platform'"
    finally:
        explaining.reset(token)


def test_a_key_error_of_the_items_themselves_is_left_as_it_is():
    """A pack's generator that raises ``KeyError`` is the pack's error, not an unknown kind."""

    def items():
        yield Item("x")
        raise KeyError("a finding the fixture does not know")

    with pytest.raises(KeyError) as raised:
        Deduction("d", max=2, per={"x": 1}).score(items())
    assert type(raised.value) is KeyError and raised.value.args == ("a finding the fixture does not know",)


def test_award_is_capped():
    rule = Award("a", cap=3, per={"platform": 1})
    assert rule.score([Item("platform")] * 2).points == 2
    capped = rule.score([Item("platform")] * 5)
    assert capped.points == 3
    assert capped.reasons[-1] == "capped at 3: items add up to 5"


def test_proportional_is_exact_and_states_what_nothing_to_count_scores():
    rule = Proportional("p", max=4, what="share", nothing_to_count="missing")
    assert rule.score(3, 4).points == D(3)
    assert rule.score(1, 3).points == D(4) / D(3)
    with pytest.raises(MissingEvidence, match="the whole is 0"):
        rule.score(0, 0)
    with pytest.raises(ValueError):
        rule.score(5, 4)
    full = Proportional("p", max=4, what="decisions", nothing_to_count="full", nothing="no decision to publish")
    empty = full.score(0, 0)
    assert empty.points == D(4)
    assert empty.reasons == ("no decision to publish: nothing 未实现, full marks 4 of 4",)
    assert empty.hits == (("p", "nothing to count"),)
    assert "nothing to count" in full.branches


def test_proportional_has_no_default_for_nothing_to_count():
    with pytest.raises(TypeError, match="nothing_to_count"):
        Proportional("p", max=4)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="nothing_to_count"):
        Proportional("p", max=4, nothing_to_count="zero")


def test_binary_and_graded():
    assert Binary("b", 3).score(True).points == 3
    assert Binary("b", 3).score(False).points == 0
    graded = Graded("g", 6)
    score = graded.score(Grade(D("4.5"), "two systems lack audit logs"))
    assert score.points == D("4.5")
    assert score.reasons == ("assessor awarded 4.5 of 6: two systems lack audit logs",)
    with pytest.raises(ValueError, match=r"outside 0\.\.6"):
        graded.score(Grade(D(7), "too generous"))


def test_composite_forfeit_and_points():
    total = composite(points(1, "a"), points("0.5", "b"))
    assert total == Score(D("1.5"), ("a", "b"), ())
    gone = forfeit(total, "illegal content in March")
    assert gone.points == 0
    assert gone.reasons[-1] == "forfeited 1.5 → 0: illegal content in March"


def test_scores_add_exactly_keeping_each_part_s_lines_and_hits_in_order():
    """``a + b`` is ``composite(a, b)``: the exact sum (exponents as Decimal addition gives them)
    and the lines and rule-coverage hits of both, in order."""
    first = Score(D("1.50"), ("a",), (("R", "x"),))
    second = Score(D("0.25"), ("b", "c"), (("S", "y"),))
    assert first + second == Score(D("1.75"), ("a", "b", "c"), (("R", "x"), ("S", "y")))
    assert str((first + second).points) == "1.75" and str((Score(D("1.50")) + Score(D("1.50"))).points) == "3.00"
    assert first + second == composite(first, second)


def test_a_ladder_without_rows_is_refused_and_its_maximum_is_its_best_row():
    with pytest.raises(ValueError, match="ladder 'empty' has no rows"):
        Ladder.at_least("empty", [])
    assert Ladder.at_least("rate", [(100, 10), (80, 6)], otherwise=2).max_points == D(10)
    assert Ladder.at_most("delay", [(3, 10), (7, 5)], otherwise=0).max_points == D(10)


def test_floats_are_refused():
    with pytest.raises(TypeError, match="not float"):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        Deduction("d", max=0.5, per={})


# --------------------------------------------------------------------------- without explanation lines

FLOORED = Deduction("floored", max=3, per={"miss": D("1.5")}, floor=D("0.0"))
CAPPED = Award("capped", cap=D("2.0"), per={"hit": 1})
SHARE = Proportional("share", 5, what="done", nothing_to_count="full")


@pytest.mark.parametrize(
    ("rule", "args"),
    [
        (RATE, ("100",)), (RATE, ("79.99",)), (DELAY, (8,)),
        (FLOORED, ([],)), (FLOORED, ([Item("miss")],)), (FLOORED, ([Item("miss")] * 2,)), (FLOORED, ([Item("miss")] * 3,)),
        (CAPPED, ([],)), (CAPPED, ([Item("hit")],)), (CAPPED, ([Item("hit")] * 2,)), (CAPPED, ([Item("hit")] * 3,)),
        (SHARE, (0, 0)), (SHARE, (1, 3)), (SHARE, (3, 3)), (SHARE, (0, 3)),
        (Binary("b", "0.5"), (True,)), (Binary("b", "0.5"), (False,)),
        (Graded("g", 4), (Grade(D("2.50"), "fine"),)),
        # Rules nothing refuses, though no notice would print them: branch for branch all the same.
        (Deduction("floor above max", max=1, per={"a": 1}, floor=2), ([],)),
        (Award("cap below zero", cap=-1, per={"a": 1}), ([],)),
    ],
)  # fmt: skip
def test_rules_without_lines_score_the_same_points(rule, args):
    from escore._score import explaining

    explained = rule.score(*args)
    quiet = explaining.set(False)
    try:
        bare = rule.score(*args)
    finally:
        explaining.reset(quiet)
    assert explained.reasons and not bare.reasons and not bare.hits
    # The same Decimal, to its exponent: 3 − 1.5 − 1.5 is 0.0 either way, not the floor's 0.0 by chance.
    assert (bare.points, str(bare.points)) == (explained.points, str(explained.points))


def test_a_rule_built_on_every_call_does_not_grow_the_shared_outcomes_without_bound():
    """A rule made inside an indicator (``Binary("vote", 1).score(top3)``) gives a new points
    object on every call: the outcomes shared while nothing is explained stay bounded, and every
    call still scores its own points."""
    from escore._score import _QUIET, QUIET_MOST, explaining

    quiet = explaining.set(False)
    try:
        scores = [Binary("vote", D(n % 7 + 1)).score(True) for n in range(3 * QUIET_MOST)]
        assert len(_QUIET) <= QUIET_MOST
        assert [s.points for s in scores] == [D(n % 7 + 1) for n in range(3 * QUIET_MOST)]
        assert not any(s.reasons for s in scores)
        rule = Binary("kept", 2)
        assert rule.score(True) is rule.score(True)  # one rule's outcome: one shared Score
    finally:
        explaining.reset(quiet)


def test_rules_without_lines_still_refuse_what_they_refuse():
    from escore._score import explaining

    quiet = explaining.set(False)
    try:
        with pytest.raises(KeyError):
            FLOORED.score([Item("unknown kind")])
        with pytest.raises(ValueError, match="outside"):
            SHARE.score(4, 3)
        with pytest.raises(MissingEvidence):
            Proportional("p", 2, nothing_to_count="missing").score(0, 0)
        assert RATE.score("80").with_reason("not kept").reasons == ()
    finally:
        explaining.reset(quiet)


def test_a_reason_with_args_is_formatted_only_when_explaining():
    score = RATE.score("80")
    assert score.with_reason("{0} systems; latest: {1}", 3, dt.date(2017, 5, 1)).reasons[-1] == "3 systems; latest: 2017-05-01"
    assert score.with_reason("{0} kept as written", ()).reasons[-1] == "() kept as written"
    assert score.with_reason("{braces} kept as written").reasons[-1] == "{braces} kept as written"
    quiet = explaining.set(False)
    try:
        value = _Counted()
        assert score.with_reason("{0}", value) is score
        assert value.formatted == 0
    finally:
        explaining.reset(quiet)


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
def test_every_sample_indicator_scores_the_same_without_lines(category):
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    catalog = Catalog(make_plugin_manager())
    explained = run_category(catalog, category, explain=True)
    bare = run_category(catalog, category, explain=False)
    assert [[(i.code, i.status, str(i.points)) for i in u.indicators] for u in bare.units] == [
        [(i.code, i.status, str(i.points)) for i in u.indicators] for u in explained.units
    ]
    assert [str(u.total) for u in bare.units] == [str(u.total) for u in explained.units]
    assert sum(len(i.reasons) for u in explained.units for i in u.indicators if i.status == "scored") > 0
