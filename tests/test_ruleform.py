"""An indicator that only applies one rule to its arguments is scored a column at a time by the
rule's ``column_points``, which gives exactly the points of ``score`` (escore._ruleform)."""

from __future__ import annotations

import functools
from decimal import Decimal as D

import pytest

from escore import Award, Binary, Deduction, Grade, Graded, Item, Ladder, Proportional, Unit, _batch, _score
from escore._ruleform import applied_rule
from escore._score import explaining

from .conftest import load_sample

RULE = Binary("b", 2)
SHARE = Proportional("share", 4, nothing_to_count="full")
NOT_A_RULE = type("Scorer", (), {"score": lambda self, value: value})()


class _OwnBinary(Binary):
    def score(self, condition):  # scores otherwise than Binary: never taken for one
        return super().score(not condition)


OWN = _OwnBinary("own", 2)


def plain(a):
    return RULE.score(a)


def documented(a):
    """A docstring changes nothing."""
    return RULE.score(a)


def two(part, whole):
    return SHARE.score(part, whole)


def param_last(a, tiers):
    return tiers.score(a)


def param_first(tiers, a):
    return tiers.score(a)


def swapped(part, whole):
    return SHARE.score(whole, part)


def converted(a):
    return RULE.score(bool(a))


def by_keyword(a):
    return RULE.score(condition=a)


def two_steps(a):
    score = RULE.score(a)
    return score


def star(*a):
    return RULE.score(*a)


def subclassed(a):
    return OWN.score(a)


def not_a_rule(a):
    return NOT_A_RULE.score(a)


def _closure():
    rule = RULE

    def inner(a):
        return rule.score(a)

    return inner


@pytest.mark.parametrize(
    ("func", "arity", "expected"),
    [
        (plain, 1, (RULE, None)),
        (documented, 1, (RULE, None)),
        (two, 2, (SHARE, None)),
        (param_last, 2, (None, 1)),
        (param_first, 2, (None, 0)),
        (lambda a: RULE.score(a), 1, (RULE, None)),  # noqa: PLW0108 - a lambda of the same code: the same points
        (plain, 2, None),  # another number of arguments than the engine passes
        (swapped, 2, None),
        (converted, 1, None),
        (by_keyword, 1, None),
        (two_steps, 1, None),
        (star, 1, None),
        (subclassed, 1, None),
        (not_a_rule, 1, None),
        (_closure(), 1, None),
        (functools.partial(two, 1), 1, None),
    ],
    ids=lambda value: getattr(value, "__name__", None) if callable(value) else None,
)
def test_only_a_rule_applied_to_the_arguments_in_order_is_recognised(func, arity, expected):
    assert applied_rule(func, arity) == expected


def _scalar(rule, *args):
    try:
        return rule.score(*args).points
    except Exception:
        return None


LADDER = Ladder.at_least("rate", [(100, 10), (80, 6)], otherwise=0, unit="%")
NO_FLOOR_ROW = Ladder.at_least("strict", [(90, 4), (60, 2)], otherwise=None, strict=True)
DELAY = Ladder.at_most("delay", [(0, 5), (1, 3), (2, 1)], otherwise=None)
DEDUCTION = Deduction("deduct", max=3, per={"a": 1, "b": "0.5"}, floor=D("0.5"))
AWARD = Award("award", cap=2, per={"a": 1, "b": "0.75"})
MISSING_SHARE = Proportional("missing share", 5, nothing_to_count="missing")
ONE_KIND = Deduction("one kind", max=2, per={"late": "0.3"})
ONE_AWARD = Award("one award", cap=3, per={"platform": "0.75"})
GRADED = Graded("graded", 4)

NUMBERS = [0, 1, 59, 60, 61, 79, 80, D("80.0"), D("79.99"), 90, D("90.00"), 100, D("100.0"), 101, -1, D("-0"), D("1E+2"), D("Infinity")]


@pytest.mark.parametrize("explain", [True, False])
@pytest.mark.parametrize(
    ("rule", "columns"),
    [
        (LADDER, [NUMBERS]),
        (NO_FLOOR_ROW, [NUMBERS]),
        (DELAY, [NUMBERS]),
        (RULE, [[True, False, 1, 0, "", "x", None, (), (1,), D(0), D("0.0")]]),
        (DEDUCTION, [[(), (Item("a"),), (Item("a"), Item("b")), (Item("a"),) * 3, (Item("b"),) * 6, (Item("c"),), (Item("a"), Item("c"))]]),
        (DEDUCTION, [[(Item("a", "x"),), (Item("b"),) * 6, (Item("a", "x"),), (Item("c"),), (Item("b"),) * 6, (), ()]]),  # repeats
        (DEDUCTION, [[(Item("a", ["unhashable"]),), (Item("a"),), (Item("a"),), (Item("c"),)]]),
        # The same kinds with other labels and origins: one computation for each sequence of kinds.
        (
            DEDUCTION,
            [
                [
                    (Item("a", "x"),),
                    (Item("a", "y"),),
                    (Item("b", "1"), Item("a", "2")),
                    (Item("b", "3"), Item("a", "4", "sub")),
                    (Item("a"), Item("b")),
                    (Item("c", "z"),),
                    (Item("c", "w"),),
                    (Item("b", "5"),) * 6,
                ]
            ],
        ),
        (DEDUCTION, [[(Item(["a"]),), (Item("a"),), (Item("a"),), (Item(["a"]),)]]),
        # One kind: grouped by the number of items, never across another kind with as many.
        (ONE_KIND, [[(), (Item("late", "a"),), (Item("late", "b"),) * 3, (Item("late"),) * 9, (), (Item("late", "x", "sub"),)]]),
        (ONE_KIND, [[(Item("late"),), (Item("late"),), (Item("other"),), (), (Item("late"), Item("other"))]]),
        (ONE_KIND, [[(Item(["late"]),), (Item("late"),), (Item("late"),)]]),
        (ONE_AWARD, [[(Item("platform"),) * 2, (Item("platform", "y"),) * 2, (Item("platform"),) * 5, ()]]),
        (AWARD, [[(), (Item("a"),), (Item("b"),) * 2, (Item("a"),) * 3, (Item("c"),)]]),
        (AWARD, [[(Item("b"),) * 2, (Item("b"),) * 2, (Item("a"),) * 3, (Item("c"),), (Item("a"),) * 3]]),
        (
            AWARD,
            [
                [
                    (Item("b", "1"), Item("a", "2")),
                    (Item("b", "3"), Item("a", "4")),
                    (Item("a", "5"),) * 3,
                    (Item("a", "6", "sub"),) * 3,
                    (Item("c", "7"),),
                ]
            ],
        ),
        (SHARE, [[0, 1, 2, D("2.0"), 3, -1, 0, 5, 1], [0, 3, 3, 3, D("3.00"), 3, 4, 4, 0]]),
        # Repeated: each distinct value or pair once (escore._score._once_per_value).
        (LADDER, [NUMBERS * 20]),
        (DELAY, [NUMBERS * 20]),
        (SHARE, [[0, 1, 2, 3, -1, 0, 5, 1, 4] * 40, [0, 3, 3, 3, 3, 3, 4, 4, 0] * 40]),
        (SHARE, [[1, D("1.0"), D("1.00"), 2, D("2.0")] * 80, [2, 2, D("2.0"), 2, 2] * 80]),
        (MISSING_SHARE, [[0, 1, D("0.5"), 2], [0, 7, 1, 2]]),
        (GRADED, [[Grade(D(0), "r"), Grade(D("3.5"), "r"), Grade(D(4), "r"), Grade(D("4.01"), "r"), Grade(D(-1), "r")]]),
    ],
    ids=[
        "at least",
        "strict, no otherwise",
        "at most",
        "binary",
        "deduction",
        "deduction, repeated",
        "deduction, unhashable",
        "deduction, same kinds",
        "deduction, unhashable kind",
        "one kind, by count",
        "one kind, another kind as many",
        "one kind, unhashable kind",
        "award of one kind, by count",
        "award",
        "award, repeated",
        "award, same kinds",
        "share",
        "at least, repeated",
        "at most, repeated",
        "share, repeated counts",
        "share, repeated digits",
        "share or missing",
        "graded",
    ],
)
def test_column_points_are_the_points_score_gives(rule, columns, explain):
    """Value for value, repr for repr (the exponent too); None where the scalar rule raises or
    settles the row otherwise (nothing to count), whether explaining or not."""
    token = explaining.set(explain)
    try:
        expected = [_scalar(rule, *args) for args in zip(*columns)]
        found = rule.column_points(*columns)
    finally:
        explaining.reset(token)
    assert found is not None
    # A row left open is one the scalar rule raises for, or one with nothing to count (full marks).
    for value, points, args in zip(found, expected, zip(*columns)):
        if value is None:
            assert points is None or (rule is SHARE and args == (0, 0))
        else:
            assert repr(value) == repr(points)
    assert any(value is not None for value in found)


def test_repeated_values_are_scored_once_each_where_equal_means_the_same_points(monkeypatch):
    """A tier table compares equal values alike (80 and 80.0 meet the same tier): once per value.
    A share divides counts once per distinct pair, but never groups Decimals, whose equal values
    (1.0 and 1.00) give shares of other digits; mostly distinct rows are each computed."""
    seen: list[tuple[list, bool]] = []
    once_per_value = _score._once_per_value

    def spy(keys, points_of):
        computed: list = []
        found = once_per_value(keys, lambda key: (computed.append(key), points_of(key))[1])
        seen.append((computed, found is not None))
        return found

    monkeypatch.setattr(_score, "_once_per_value", spy)
    assert LADDER.column_points([80, D("80.0"), 100, 79] * 100) == [D(6), D(6), D(10), D(0)] * 100
    assert seen.pop() == ([80, 100, 79], True)
    assert SHARE.column_points([1, 2, 0] * 100, [2, 2, 0] * 100) == [D(2), D(4), None] * 100
    assert seen.pop() == ([(1, 2), (2, 2), (0, 0)], True)
    assert SHARE.column_points(list(range(300)), [300] * 300)[:2] == [D(0), D(4) / D(300)]
    assert seen.pop() == ([], False)  # mostly distinct: no key per row
    assert [repr(v) for v in SHARE.column_points([D("1.0"), D("1.00")] * 200, [D(2)] * 400)[:2]] == ["Decimal('2.0')", "Decimal('2.00')"]
    assert seen == []


@pytest.mark.parametrize(
    ("rule", "columns"),
    [
        (LADDER, [[1, "80"]]),  # text: to_decimal's checks
        (LADDER, [[1, True]]),  # a bool is refused by the scalar rule
        (LADDER, [[1, 1.5]]),
        (LADDER, [[1, D("NaN")]]),  # does not compare
        (SHARE, [[1, D("NaN")], [2, 2]]),
        (SHARE, [[1, 1], [2, 2.0]]),
        (DEDUCTION, [[(), iter([Item("a")])]]),  # an iterator would be spent before the scalar rule reads it
        (AWARD, [[(), [Item("a")]]]),
        (GRADED, [[Grade(D(1), "r"), (D(1), "r")]]),
        (GRADED, [[Grade(D(1), "r"), Grade("1", "r")]]),
        (RULE, [[True, type("NoTruth", (), {"__bool__": lambda self: 1 / 0})()]]),
    ],
    ids=["text", "bool", "float", "nan", "share nan", "share float", "iterator", "list", "tuple not grade", "text grade", "no truth"],
)
def test_values_the_column_form_does_not_take_leave_the_column_to_the_function(rule, columns):
    assert rule.column_points(*columns) is None


def test_an_open_row_is_scored_by_the_function_and_a_failing_one_by_the_scalar_engine(catalog):
    """In the first pass, rows a column form leaves open: nothing to count gets full marks
    from the function itself, a part above the whole goes to the scalar engine, which
    explains it; every summary is the scalar engine's."""
    from .test_batch import _both

    plan, units, data, _ = load_sample(catalog, "provincial")
    many, values = [], {}
    for copy in range(4):
        for number, unit in enumerate(units):
            code = f"{unit.code}.{copy}"
            many.append(Unit(code, unit.name, unit.category, None, unit.attributes))
            evidence = dict(data.values.get(unit.code, {}))
            if number % 3 == 0:  # nothing to count: P-1-2-4 scores 2
                evidence.update(provincial_credit_decisions_total=0, provincial_credit_decisions_on_time=0)
            elif number % 7 == 1:  # a part above the whole: an error the scalar engine explains
                evidence.update(provincial_credit_decisions_total=1, provincial_credit_decisions_on_time=2)
            values[code] = evidence
    tables = {
        name: {f"{code}.{copy}": rows for code, rows in by_unit.items() for copy in range(4)} for name, by_unit in data.tables.items()
    }
    batch, scalar, sent = _both(plan, many, values, tables)
    assert repr(batch) == repr(scalar)
    odd = {f"{unit.code}.{copy}" for copy in range(4) for number, unit in enumerate(units) if number % 3 and number % 7 == 1}
    assert odd and odd <= set(sent)
    assert batch[1]["error"] >= len(odd)
    nothing_to_count = {f"{unit.code}.{copy}" for copy in range(4) for number, unit in enumerate(units) if number % 3 == 0}
    assert nothing_to_count - set(sent)  # settled in the column pass, by the function itself


@pytest.fixture(scope="module")
def catalog():
    from escore._plugins import Catalog, make_plugin_manager

    return Catalog(make_plugin_manager())


def test_the_first_pass_takes_the_column_form_of_every_rule_applied(catalog, monkeypatch):
    """Every indicator of the provincial sample that only applies a rule is scored by its
    column form in the first pass: none of these functions is called there."""
    from .test_batch import _both

    plan, units, data, children = load_sample(catalog, "provincial")
    applied = {ip.node.code for ip in plan.indicators if not ip.alternatives and applied_rule(ip.func, len(ip.argnames))}
    assert {"P-1-2-4", "P-1-2-2", "P-3-2", "P-2-2-2"} <= applied
    taken: list[str] = []
    original = _batch._Block.rule_points

    def rule_points(self, func, argnames, rows, maximum):
        found = original(self, func, argnames, rows, maximum)
        if found is not None:
            taken.append(func.__name__)
        return found

    formed: list[str] = []
    original_form = _batch._Block.form_points

    def form_points(self, form, rows, maximum):
        found = original_form(self, form, rows, maximum)
        if found is not None:
            formed.append(form.func.__name__)
        return found

    monkeypatch.setattr(_batch._Block, "rule_points", rule_points)
    monkeypatch.setattr(_batch._Block, "form_points", form_points)
    batch, scalar, _ = _both(plan, list(units) * 2, data.values, data.tables, children, data.files)
    assert repr(batch) == repr(scalar)
    assert {"credit_dual_publicity", "credit_accuracy", "data_aggregation"} <= set(taken)
    # P-3-2 has a form over the monitoring tables themselves (escore.column_form), which comes first.
    assert "network_security_columns" in formed and "network_security" not in taken


def test_open_rows_are_scored_by_the_function_and_checked_as_the_engine_checks():
    """A row the column form leaves open is the function's; one whose points fail the engine's
    checks (above the indicator's maximum here) or that raises is failed, for the scalar engine."""
    from types import SimpleNamespace

    block = _batch._Block(SimpleNamespace(compiled=SimpleNamespace(steps=())), [Unit(f"u{i}", "U", "town") for i in range(5)])
    block.data = {"part": [1, 0, 0, 3, 2], "whole": [2, 0, 2, 2, 4]}
    # SHARE gives up to 4; the indicator's maximum is 2: nothing to count (4) fails, 3 of 2 raises.
    found, failed = block.rule_points(two, ("part", "whole"), [0, 1, 2, 3, 4], D(2))
    assert failed == {1, 3}
    assert [found[i] for i in (0, 2, 4)] == [D(2), D(0), D(2)]
    assert block.rule_points(two, ("part", "whole"), [0, 2], D(4)) == ([D(2), D(0)], set())
    assert block.rule_points(two, ("part", "whole"), [0, 2], D(1)) is None  # a settled row above the maximum: per row
    assert block.rule_points(converted, ("part",), [0, 2], D(4)) is None  # not a rule applied


@pytest.mark.parametrize("how", ["as given", "raises", "leaves rows open", "above the maximum", "not a list"])
def test_a_column_form_that_fails_leaves_the_units_to_the_functions(catalog, monkeypatch, how):
    """An indicator's form over columns (escore.column_form) that raises, gives points above
    the maximum or something else than a list is not used (its fixtures are computed after all);
    a unit it leaves open (None) goes to the scalar engine: the summaries are the scalar
    engine's every way, and the open units are the ones sent."""
    from escore import _colform

    from .test_batch import _both

    plan, units, data, children = load_sample(catalog, "provincial")
    network = next(ip for ip in plan.indicators if ip.node.code == "P-3-2")
    form = _colform.usable_form(network.func, network.argnames, plan.fixtures)
    assert form is not None
    calls: list[int] = []

    def replaced(*args):
        found = form.func(*args)
        calls.append(len(found))
        if how == "raises":
            raise ValueError("a defect of the form")
        if how == "leaves rows open":
            return [None if i % 3 == 0 else value for i, value in enumerate(found)]
        if how == "above the maximum":
            return [D(8)] * len(found)
        if how == "not a list":
            return tuple(found)
        return found

    monkeypatch.setattr(network.func, _colform.COLUMN_FORM_ATTRIBUTE, form._replace(func=replaced))
    many = list(units) * 2
    batch, scalar, sent = _both(plan, many, data.values, data.tables, children, data.files)
    assert repr(batch) == repr(scalar)
    assert calls == [len(many)]
    if how == "leaves rows open":
        assert {unit.code for i, unit in enumerate(many) if i % 3 == 0} <= set(sent)
    else:
        assert not sent


def test_a_form_is_not_used_once_a_fixture_it_stands_for_is_another(catalog):
    """A ruleset that gives one of the fixtures a form stands for another function (a later
    year's reading) is scored by its own fixture: the form is not usable there."""
    from escore import _colform

    plan, *_ = load_sample(catalog, "provincial")
    network = next(ip for ip in plan.indicators if ip.node.code == "P-3-2")
    assert _colform.usable_form(network.func, network.argnames, plan.fixtures) is not None
    name = "provincial_network_security_items"
    other = dict(plan.fixtures, **{name: plan.fixtures[name]._replace(func=lambda *a: ())})
    assert _colform.usable_form(network.func, network.argnames, other) is None
    # A name it reads that is a function of the plan, not the table it was written for: not usable.
    table = "provincial_extranet_notices"
    as_function = dict(plan.fixtures, **{table: plan.fixtures[table]._replace(kind="function")})
    assert _colform.usable_form(network.func, network.argnames, as_function) is None
