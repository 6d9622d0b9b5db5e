"""Results kept by the identity of their arguments (escore._run._Memo) are the results scoring gives."""

from __future__ import annotations

from decimal import Decimal

import pytest

from escore._plugins import Catalog, make_plugin_manager
from escore._run import Engine
from escore._score import explaining
from escore._selection import _Memo

from .conftest import load_sample


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def _sample(catalog, category):
    plan, units, data, _ = load_sample(catalog, category)
    return plan, units, data


def _score_all(engine, units, data, rounds):
    return [engine.score(unit, data.values.get(unit.code, {}), data.tables) for _ in range(rounds) for unit in units]


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
@pytest.mark.parametrize("explain", [True, False])
def test_every_sample_unit_scores_the_same_with_and_without_kept_results(catalog, category, explain, monkeypatch):
    plan, units, data = _sample(catalog, category)
    kept = Engine(plan, explain=explain)
    # Three rounds: the second and third find every unit's own arguments again.
    with_memo = _score_all(kept, units, data, 3)
    assert any(m.looked > m.missed for *_, m in kept.compiled.steps if m is not None)  # results were found, not only kept
    start = _Memo.__init__

    def off(self, budget):
        start(self, budget)
        self.on = False

    monkeypatch.setattr(_Memo, "__init__", off)
    direct = _score_all(Engine(plan, explain=explain), units, data, 3)
    assert [repr(r) for r in with_memo] == [repr(r) for r in direct]  # repr: every Decimal's exponent too


def test_equal_arguments_that_are_not_the_same_object_are_scored_each(catalog):
    """1.0 and 1.00 are equal and hash alike; a result is only ever reused for the very same objects."""
    plan, units, data = _sample(catalog, "county")
    engine = Engine(plan)
    unit = units[0]
    values = data.values[unit.code]
    from escore._score import Grade

    name = next(n for n in sorted(values) if isinstance(values[n], Grade) and values[n].points > 0)
    grade = values[name]
    first = dict(values, **{name: Grade(grade.points.quantize(Decimal("1.0")), grade.reason)})
    second = dict(values, **{name: Grade(grade.points.quantize(Decimal("1.00")), grade.reason)})
    assert first[name] == second[name] and hash(first[name]) == hash(second[name])
    one = engine.score(unit, first, data.tables)
    two = engine.score(unit, second, data.tables)
    fresh_two = Engine(plan).score(unit, second, data.tables)
    assert repr(two) == repr(fresh_two)
    assert repr(one) != repr(two)  # the points keep the grade's exponent: 2.0 and 2.00 are shown as written


def test_lines_kept_and_not_kept_are_kept_apart(catalog):
    plan, units, data = _sample(catalog, "city")
    engine = Engine(plan, explain=True)
    quiet = explaining.set(False)
    try:
        bare = _score_all(engine, units, data, 1)  # as a run's first pass does with an explaining engine
    finally:
        explaining.reset(quiet)
    explained = _score_all(engine, units, data, 1)
    fresh = _score_all(Engine(plan, explain=True), units, data, 1)
    assert repr(explained) == repr(fresh)  # no result kept while lines were off is given where they are on
    count = sum(len(i.reasons) for r in explained for i in r.indicators)
    assert count > sum(len(i.reasons) for r in bare for i in r.indicators) + 500


def test_a_function_of_new_objects_every_time_stops_being_looked_up():
    budget = [_Memo.BUDGET]
    memo = _Memo(budget)
    for n in range(_Memo.TRIAL):
        args = object()
        memo.looked += 1
        memo.keep(memo.quiet, id(args), args, n)
    assert not memo.on and not memo.quiet  # nothing found in TRIAL lookups: off, and nothing held
    assert budget == [_Memo.BUDGET]  # what it held is given back


def test_the_memos_of_an_engine_keep_at_most_its_budget():
    budget = [10]
    first, second = _Memo(budget), _Memo(budget)
    for n in range(8):
        first.looked += 3  # found often: kept on
        first.keep(first.quiet, n, None, n)
    for n in range(8):
        second.keep(second.explained, n, None, n)
    assert len(first.quiet) == 8 and len(second.explained) == 2 and budget == [0]
    assert first.on and second.on  # still looked up; nothing more is kept


def test_a_memo_whose_budget_is_spent_still_turns_off_when_its_hits_dry_up():
    memo = _Memo([0])  # the engine's budget already spent by other memos
    for n in range(_Memo.TRIAL):
        memo.looked += 1
        memo.keep(memo.quiet, n, None, n)
    assert not memo.quiet and not memo.on


def test_a_function_whose_hits_dry_up_stops_being_looked_up_at_a_later_check():
    memo = _Memo([_Memo.BUDGET])
    for n in range(_Memo.TRIAL):  # the first window: two lookups per miss, kept on
        memo.looked += 2
        memo.keep(memo.quiet, n, None, n)
    assert memo.on
    for n in range(_Memo.TRIAL, 2 * _Memo.TRIAL - 1):  # then misses only
        memo.looked += 1
        memo.keep(memo.quiet, n, None, n)
    assert memo.on and len(memo.quiet) == 2 * _Memo.TRIAL - 1  # judged every TRIAL misses, not at each
    memo.looked += 1
    memo.keep(memo.quiet, -1, None, -1)
    assert not memo.on and not memo.quiet
