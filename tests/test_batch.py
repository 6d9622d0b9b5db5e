"""The first pass column by column (escore._batch) gives the scalar engine's summaries, unit for unit."""

from __future__ import annotations

import sys
from decimal import Decimal as D

import pytest

from escore import Grade, MissingEvidence, NotApplicable, Score, Unit, _batch
from escore._plugins import Catalog, make_plugin_manager
from escore._run import Engine
from escore._selection import select
from escore._stream import _summaries

from .conftest import load_sample
from .test_engine import FULL


def _both(plan, units, values, tables, children=None, files=None, selected=None):
    """(batch, scalar): the first pass of ``units`` each way, and the units the batch sent to the scalar engine."""
    children = children or {}
    files = files or {}
    sent: list[str] = []
    scalar_engine = Engine(plan, selected, explain=False)

    def one(unit):
        sent.append(unit.code)
        result = scalar_engine.score(unit, values.get(unit.code, {}), tables, children.get(unit.code, ()), files.get(unit.code, ""))
        from escore._stream import summarise

        return summarise(result)[1:6], [item.status for item in result.indicators]

    batch = _batch.summaries(Engine(plan, selected, explain=False), units, values, tables, children, files, one)
    original = _batch.FROM_UNITS
    _batch.FROM_UNITS = 10**9
    try:
        scalar = _summaries(Engine(plan, selected, explain=False), units, values, tables, children, files)
    finally:
        _batch.FROM_UNITS = original
    return batch, scalar, sent


# --------------------------------------------------------------------------- the demo pack, case by case

SHARED_RATING = 5  # one object, as a column's parsed values are: units that share it share one call


def _demo_cases():
    """Evidence of each kind the scalar engine explains, and of each the batch takes itself."""
    grade = Grade(D(4), "fine")
    base = {**FULL, "website_design": grade, "website_app_rating": SHARED_RATING}

    def case(**changes):
        values = {**base, **changes}
        return {k: v for k, v in values.items() if v is not None}

    return [
        ("full", "market", case()),
        ("full rural", "rural", case()),
        ("a rural town lacks what only markets need", "rural", case(service_plan_filed=None)),
        ("missing reply rate", "market", case(service_reply_rate=None)),
        ("an indicator raises", "market", case(service_median_delay="soon")),
        ("veto applied", "market", case(website_leak=True)),
        ("veto applied to a rural town", "rural", case(website_leak=True, website_vote_rank=1)),
        ("veto applied, its target without evidence", "market", case(website_leak=True, website_app_rating=None)),
        ("veto undecided", "market", case(website_leak=None)),
        ("veto undecided, a target without evidence too", "market", case(website_leak=None, website_app_rating=None)),
        ("veto undecided for a rural town", "rural", case(website_leak=None, service_plan_filed=None)),
        (
            "alternative taken",
            "market",
            case(website_has_app=False, website_has_wechat=True, website_app_rating=None, website_wechat_rating=2),
        ),
        ("no pages to count: missing", "rural", case(website_pages_ok=0, website_pages_total=0)),
        ("no design grade", "market", case(website_design=None)),
        ("bonus, capped", "market", case(website_vote_rank=1)),
        ("bonus below the cap", "rural", case(website_vote_rank=1, website_pages_ok=5)),
        ("a rate of 100.0 (equal to 100, another object)", "market", case(service_reply_rate=D("100.0"))),
        ("a rate of 85", "rural", case(service_reply_rate=D(85))),
    ]


@pytest.mark.parametrize("missing_points", ["zero", "max"])
def test_every_demo_case_is_summarised_as_the_scalar_engine_does(demo_catalog, demo_plan, missing_points):
    import attrs

    if missing_points == "max":  # a missing result counts its maximum (Engine._problem), in columns too
        demo_plan = demo_plan._replace(ruleset=attrs.evolve(demo_plan.ruleset, missing_points="max"))
    cases = _demo_cases()
    units, values = [], {}
    # Each case eight times over, interleaved: shared arguments are grouped, irregular units go to the scalar engine.
    for copy in range(8):
        for number, (_, kind, evidence) in enumerate(cases):
            code = f"t.{copy}.{number:02}"
            units.append(Unit(code, code, "town", None, {"kind": kind}))
            values[code] = dict(evidence)
    table = demo_plan.fixtures["outages"].table
    rows = {"t.0.01": (table.row_type("t.0.01", 2, None, D(1)),), "t.0.01.v": (table.row_type("t.0.01.v", 3, None, D(2)),)}
    children = {"t.0.01": (Unit("t.0.01.v", "Village", "village", "t.0.01"),)}
    batch, scalar, sent = _both(demo_plan, units, values, {"outages": rows}, children)
    assert repr(batch) == repr(scalar)  # repr: every Decimal's exponent too
    # What the scalar engine must word goes to it; the rest stays in columns: alternatives,
    # bonuses, absent fields ("missing reply rate", "no design grade"), vetoes undecided for
    # lack of a field, whose targets are then missing it, and applied ones, whose targets
    # score 0 with or without their evidence (READING 14).
    explained = {
        "an indicator raises",
        "no pages to count: missing",  # MissingEvidence raised by the indicator: its own words
    }
    assert sorted(sent) == sorted(u.code for u in units if cases[int(u.code.rsplit(".", 1)[1])][0] in explained)
    counts = batch[1]
    assert counts == scalar[1]
    assert counts["missing"] and counts["error"] and counts["not_applicable"]
    kept = [problem.points for row in batch[0] for problem in row[4] if problem.status == "missing"]
    assert (min(kept) > 0) if missing_points == "max" else (set(kept) == {D(0)})


def test_a_missing_monitoring_table_is_missing_for_every_unit_in_columns_as_unit_by_unit(demo_plan, monkeypatch):
    units = [Unit(f"t.{n}", "T", "town", None, {"kind": "rural"}) for n in range(3)]
    values = {u.code: dict(FULL, website_design=Grade(D(4), "fine")) for u in units}
    batch, scalar, _ = _both(demo_plan, units, values, {"outages": {}})
    assert repr(batch) == repr(scalar)
    batch, scalar, sent = _both(demo_plan, units, values, {})  # no table at all: its readers are missing, in columns
    assert repr(batch) == repr(scalar) and sent == [] and batch[1]["missing"] == 3  # S-2-B-1 of each unit
    (problem,) = batch[0][0][4]
    assert (problem.code, problem.status, problem.missing, problem.reasons) == ("S-2-B-1", "missing", ("monitoring/outages.csv",), ())
    assert all(row[4][0] is problem for row in batch[0])  # one object for the three units
    unit_by_unit = _summaries(Engine(demo_plan, explain=False), units, values, {}, {}, {})
    monkeypatch.setattr(_batch, "FROM_UNITS", 0)
    first_pass = _summaries(Engine(demo_plan, explain=False), units, values, {}, {}, {})
    assert repr(first_pass) == repr(unit_by_unit) and first_pass[1]["missing"] == 3
    # The columns without the table, read by an indicator that would take None for no rows.
    engine = Engine(demo_plan, explain=False)
    engine.compiled.steps = tuple(
        (ip, code, (lambda outages, unit: Score(D(30))) if code == "S-2-B-1" else func, *rest)
        for ip, code, func, *rest in engine.compiled.steps
    )
    assert repr(_summaries(engine, units, values, {}, {}, {})) == repr(unit_by_unit)


def test_an_indicator_with_bound_parameters_never_reads_an_absent_table_as_no_rows(demo_plan):
    """An indicator scored by the engine's own method (parameters bound, alternatives) reads a
    monitoring table absent for every unit as the engine does: it lacks it, so it is missing."""
    units = [Unit(f"t.{n}", "T", "town", None, {"kind": "rural"}) for n in range(3)]
    values = {u.code: dict(FULL, website_design=Grade(D(4), "fine")) for u in units}

    def engine() -> Engine:
        made = Engine(demo_plan, explain=False)
        steps = []
        for ip, code, func, getter, arity, source, maximum, conditions, _special, memo in made.compiled.steps:
            if code == "S-2-B-1":  # would score 30 on no rows at all
                ip = ip._replace(func=lambda outages, unit, floor: Score(D(30)), bound={"floor": 0})
                steps.append((ip, code, func, getter, arity, source, maximum, conditions, True, memo))
            else:
                steps.append((ip, code, func, getter, arity, source, maximum, conditions, _special, memo))
        made.compiled.steps = tuple(steps)
        return made

    scalar = _summaries(engine(), units, values, {}, {}, {})
    block = _batch.summaries(engine(), units, values, {}, {}, {}, lambda unit: pytest.fail(f"{unit.code} sent to the scalar engine"))
    assert repr(block) == repr(scalar) and block[1]["missing"] == 3
    assert {problem.missing for row in block[0] for problem in row[4]} == {("monitoring/outages.csv",)}


def test_a_fixture_value_of_a_mutable_type_is_computed_for_each_unit():
    """Units with the very same arguments share an immutable result; a list each gets its own."""
    made = []

    def as_list(website_has_app, website_has_wechat):
        made.append(1)
        return [website_has_app, website_has_wechat]

    column, failed = _batch._apply(as_list, [[True] * 10, [False] * 10], 10, shared=_batch._immutable)
    assert failed == set() and len(made) == 11  # one call for the shared key, then one per unit
    assert len({id(value) for value in column}) == 10
    column, failed = _batch._apply(lambda a, b: a and b, [[True] * 10, [False] * 10], 10, shared=_batch._immutable)
    assert column == [False] * 10 and failed == set()


def test_positions_that_raise_are_reported_and_the_others_computed():
    values = [1, 2, 0, 2, 0]

    def inverse(x):
        return D(1) / x

    column, failed = _batch._apply(inverse, [values], len(values), shared=_batch._immutable)
    assert failed == {2, 4}
    assert [column[i] for i in (0, 1, 3)] == [D(1), D("0.5"), D("0.5")]
    column, failed = _batch._apply(inverse, [[D(2)] * 6], 6, shared=_batch._immutable)  # grouped: one call
    assert failed == set() and column == [D("0.5")] * 6


# --------------------------------------------------------------------------- the fj2017 samples


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def _sample(catalog, category):
    return load_sample(catalog, category)


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
@pytest.mark.parametrize("keyword", [None, "comprehensive or website"])
def test_every_sample_unit_three_times_over_is_summarised_as_the_scalar_engine_does(catalog, category, keyword):
    plan, units, data, children = _sample(catalog, category)
    selected = select(plan, keyword) if keyword else None
    # The roster three times: the second and third copies of a unit share its very argument objects.
    many = list(units) * 3
    batch, scalar, sent = _both(plan, many, data.values, data.tables, children, data.files, selected)
    assert repr(batch) == repr(scalar)
    assert len(sent) < len(many)  # most units are summarised column by column
    assert batch[1]["scored"] > 0


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
@pytest.mark.parametrize("seed", [2017, 2018])
def test_sample_units_lacking_evidence_at_random_are_summarised_as_the_scalar_engine_does(catalog, category, seed):
    """Absent evidence settled in the columns (fields, whole monitoring tables, through fixtures,
    alternatives, vetoes and roll-ups) gives the scalar engine's summaries, unit for unit."""
    import random

    plan, units, data, children = _sample(catalog, category)
    chooser = random.Random(seed)
    values = {code: dict(data.values[code]) for code in data.values}
    for unit in units:  # about one field in six absent, differently for each unit
        given = values.get(unit.code, {})
        for name in sorted(given):
            if chooser.random() < 0.16:
                del given[name]
    tables = dict(data.tables)
    for name in chooser.sample(sorted(tables), k=max(1, len(tables) // 4)):  # a quarter of the tables absent
        del tables[name]
    many = list(units) * 2
    batch, scalar, sent = _both(plan, many, values, tables, children, data.files)
    assert repr(batch) == repr(scalar)
    assert batch[1]["missing"] > len(many) and len(sent) < len(many) / 2, (batch[1], len(sent))


def test_the_watchdog_names_the_column_being_computed():
    from types import SimpleNamespace

    from escore._watchdog import running

    units = [Unit(f"u{n}", "U", "town") for n in range(3)]
    seen = []

    def looks(unit):
        seen.append(running(sys._getframe()))
        return unit.code

    # Only what summaries reads of an engine: one fixture over the builtin 'unit', a veto reading it.
    engine = SimpleNamespace(
        plan=SimpleNamespace(fixtures={"looks": SimpleNamespace(argnames=("unit",))}),
        compiled=SimpleNamespace(
            functions=(("looks", looks),),
            selected=(),
            steps=(),
            veto_steps=((SimpleNamespace(code="V", argnames=("looks",), func=lambda looks: None), ()),),  # reads the fixture
            fields=frozenset(),
            optional=(),
            parameters={},
            tables=(),
            optional_tables=frozenset(),
            sections=(),
            factors=(),
            counted=(),
        ),
    )
    rows, _ = _batch.summaries(engine, units, {}, {}, {}, {}, lambda unit: None)
    assert seen[0] == ("u0…u2 (3 units)", "fixture looks")
    assert [row[0] for row in rows] == [D(0)] * 3


@pytest.mark.parametrize(
    "bad",
    [Score(D("NaN")), Score(D("-0.5")), Score(D("10.01")), Score(3), "not a score"],
    ids=["nan", "below zero", "above the maximum", "an int", "not a score"],
)
def test_points_are_checked_as_the_scalar_engine_checks(bad):
    good = [Score(D(0)), Score(D("9.5")), Score(D(10))]
    assert _batch._valid_points(good, D(10)) == [D(0), D("9.5"), D(10)]
    assert _batch._valid_points([*good, bad], D(10)) is None  # the column goes unit by unit
    assert [_batch._passes(score, D(10)) for score in [*good, bad]] == [True, True, True, False]


def test_blocks_of_units_give_the_summaries_of_one_column(catalog, monkeypatch):
    plan, units, data, children = _sample(catalog, "county")
    many = list(units) * 2
    _, scalar, _ = _both(plan, many, data.values, data.tables, children, data.files)
    monkeypatch.setattr(_batch, "FROM_UNITS", 0)
    monkeypatch.setattr(_batch, "BLOCK_UNITS", 7)  # 166 units: 24 blocks, the last one short
    blocks = _summaries(Engine(plan, explain=False), many, data.values, data.tables, children, data.files)
    assert repr(blocks) == repr(scalar)


def test_columns_of_new_objects_are_called_row_by_row_and_repeats_grouped():
    calls = []

    def double(x):
        calls.append(x)
        return x * 2

    fresh = [D(n) for n in range(600)]  # every row a new object: called for each, no key per row
    column, failed = _batch._apply(double, [fresh], 600, shared=_batch._immutable)
    assert column == [D(2 * n) for n in range(600)] and failed == set() and len(calls) == 600
    calls.clear()
    one = D(7)
    mixed = fresh[:100] + [one] * 500  # new objects first, then one object again and again
    column, failed = _batch._apply(lambda x, y: double(x), [mixed, [one] * 600], 600, shared=_batch._immutable)
    assert column == [x * 2 for x in mixed] and failed == set()
    assert len(calls) == 101  # the sample is mostly one object: grouped by identity, one call per distinct pair


def test_equal_values_share_a_call_only_where_they_are_the_same_value():
    """Rows are grouped by value where equal values cannot be told apart, by identity elsewhere."""
    from escore import Item

    calls = []

    def count(x):
        calls.append(x)
        return D(len(calls))

    # Equal tuples of items, each a new object (a fixture's result per unit): one call.
    items = [(Item("a", "x"), Item("b", f"{n % 2}")) for n in range(40)]
    column, _ = _batch._apply(count, [items], 40, shared=_batch._any)
    assert len(calls) == 2 and column == [D(1), D(2)] * 20
    # Equal but not the same value: each distinct object called on its own.
    for equal in ([D("1.0"), D("1.00")] * 20, [1, True] * 20, [1.0, 1] * 20, [(D("1.0"),), (D("1.00"),)] * 20):
        calls.clear()
        column, _ = _batch._apply(count, [[type(v)(v) if isinstance(v, D) else v for v in equal]], 40, shared=_batch._any)
        assert [repr(c) for c in calls[:2]] == [repr(v) for v in equal[:2]], equal
        assert len({repr(value) for value in calls}) == 2
    assert _batch._keys([D("1.0"), D("1.00"), D("1.0")]) == ["1.0", "1.00", "1.0"]
    assert _batch._same_when_equal([("a", 1, None), ("b", 2, None)])
    assert not _batch._same_when_equal([("a", 1), ("b", True)])  # 1 and True in one column of a plain tuple
    assert _batch._same_when_equal([Item("a"), Item("b", "c")])
    assert not _batch._same_when_equal([0.0, -0.0])
    # A fixture's equal tuples are immutable through and through: shared between units.
    assert _batch._immutable([(Item("a"),), ()]) and not _batch._immutable([[1]]) and not _batch._immutable([([1],)])


def test_a_fixture_is_computed_only_where_a_result_reads_it(catalog):
    """P-1-1-C units have no migration: the variant A/B fixture raises for them, and no result reads it there."""
    plan, units, data, children = _sample(catalog, "provincial")
    engine = Engine(plan, explain=False)
    raised = []

    def watched(name, func):
        def call(*args):
            try:
                return func(*args)
            except Exception:
                raised.append(name)
                raise

        return call

    engine.compiled.functions = tuple((name, watched(name, func), *rest) for name, func, *rest in engine.compiled.functions)
    many = list(units) * 3
    from escore._stream import summarise

    def one(unit):  # a unit with missing evidence is explained unit by unit
        result = Engine(plan, explain=False).score(
            unit, data.values[unit.code], data.tables, children.get(unit.code, ()), data.files[unit.code]
        )
        return summarise(result)[1:6], [item.status for item in result.indicators]

    batch = _batch.summaries(engine, many, data.values, data.tables, children, data.files, one)
    _, scalar, _ = _both(plan, many, data.values, data.tables, children, data.files)
    assert repr(batch) == repr(scalar)
    assert "provincial_dc_migration" not in raised
    assert any(u.attributes.get("dc_variant") == "C" for u in units)


def test_a_row_that_raises_costs_the_rows_before_it_one_more_call_only():
    calls = []

    def inverse(x):
        calls.append(x)
        return D(1) / x

    column, failed = _batch._call_each(inverse, [1, 2, 0, 4, 0, 5], False)
    assert failed == {2, 4} and [column[i] for i in (0, 1, 3, 5)] == [D(1), D("0.5"), D("0.25"), D("0.2")]
    assert calls == [1, 2, 0] + [1, 2, 0, 4, 0, 5]  # the fast pass up to the first raise, then each row once


@pytest.mark.parametrize("category", ["city", "county"])
def test_sections_whose_weight_divides_per_unit_sum_as_the_scalar_engine(catalog, category, monkeypatch):
    """A section whose weight ÷ raw max does not terminate is divided per unit: both ways the same."""
    plan, units, data, children = _sample(catalog, category)
    original = Engine.__init__

    def divided(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.compiled.factors = tuple((section, None) for section, _ in self.compiled.factors)  # every section the long way

    monkeypatch.setattr(Engine, "__init__", divided)
    batch, scalar, sent = _both(plan, list(units) * 2, data.values, data.tables, children, data.files)
    assert repr(batch) == repr(scalar)
    assert len(sent) < 2 * len(units)


def test_an_applied_veto_leaves_targets_of_another_variant_as_they_are(demo_plan, monkeypatch):
    """A veto whose targets include indicators of both variants: each unit's own are zeroed, the others stay not applicable."""
    original = Engine.__init__

    def wider(self, *args, **kwargs):
        original(self, *args, **kwargs)
        variant_steps = tuple(self.compiled.index[code] for code in ("S-2-A-1", "S-2-B-1"))
        self.compiled.veto_steps = tuple(
            (veto, tuple(sorted({*positions, *variant_steps})), *rest) for veto, positions, *rest in self.compiled.veto_steps
        )

    monkeypatch.setattr(Engine, "__init__", wider)
    units, values = [], {}
    for n in range(40):
        kind = ("market", "rural")[n % 2]
        code = f"t.{n:02}"
        units.append(Unit(code, code, "town", None, {"kind": kind}))
        values[code] = {**FULL, "website_design": Grade(D(4), "fine"), "website_leak": n % 4 < 2}
    table = demo_plan.fixtures["outages"].table
    rows = {"t.01": (table.row_type("t.01", 2, None, D(1)),)}
    batch, scalar, sent = _both(demo_plan, units, values, {"outages": rows})
    assert repr(batch) == repr(scalar)
    assert sent == []  # applied vetoes are settled in the columns
    assert batch[1]["not_applicable"] == 40  # one variant indicator per unit, vetoed or not


@pytest.mark.parametrize(
    ("returned", "reason"),
    [
        (Score(D("30.5")), "ValueError: indicator '{0}' scored 30.5, outside 0..{1}"),
        (Score(D(-1)), "ValueError: indicator '{0}' scored -1, outside 0..{1}"),
        (Score(10), "TypeError: indicator '{0}' scored 10, expected exact points (a Decimal)"),
        (Score(9.5), "TypeError: indicator '{0}' scored 9.5, expected exact points (a Decimal)"),
        (D(10), "TypeError: indicator '{0}' returned Decimal, expected a Score"),
        (Score(D("NaN")), "ValueError: indicator '{0}' scored NaN (not a number), expected points within 0..{1}"),
        (Score(D("-sNaN")), "ValueError: indicator '{0}' scored -sNaN (not a number), expected points within 0..{1}"),
        (Score(D("Infinity")), "ValueError: indicator '{0}' scored Infinity, outside 0..{1}"),
    ],
    ids=["above its maximum", "below zero", "an int", "a float", "not a Score", "NaN", "a signalling NaN", "Infinity"],
)
@pytest.mark.parametrize(("code", "maximum"), [("S-1-1", 10), ("W-1-1", 20)])
def test_an_indicator_s_impossible_points_are_its_error_in_columns_as_unit_by_unit(demo_plan, returned, reason, code, maximum):
    """Never a silently wrong number: points outside 0..max, points that are not exact, or no Score
    at all make the indicator an error worth 0, worded by the scalar engine, whether the unit is
    scored on its own or in a column (which sends the unit to the scalar engine); for an indicator
    with alternatives (W-1-1) as for one without."""
    # The engine passes the plan's arguments (here one) in order, whatever the function calls them.
    plan = demo_plan._replace(
        indicators=tuple(ip._replace(func=lambda value: returned) if ip.node.code == code else ip for ip in demo_plan.indicators)
    )
    unit = Unit("t.m", "Market", "town", None, {"kind": "market"})
    values = {**FULL, "website_design": Grade(D(4), "fine")}
    item = next(i for i in Engine(plan).score(unit, values, {"outages": {}}).indicators if i.code == code)
    assert (item.status, item.points) == ("error", D(0))
    assert item.reasons[0].endswith(reason.format(code, maximum)), item.reasons
    units = [Unit(f"t{i}", f"T{i}", "town", None, {"kind": "market"}) for i in range(_batch.FROM_UNITS + 6)]
    batch, scalar, sent = _both(plan, units, dict.fromkeys([u.code for u in units], values), {"outages": {}})
    assert batch == scalar and sent == [u.code for u in units]
    assert batch[1]["error"] == len(units) and batch[0][0][3] == 1  # each unit: one error, counted


@pytest.mark.parametrize("returned", [True, False, 1, 0, D(0), ("leak",)], ids=["True", "False", "1", "0", "a Decimal", "a tuple"])
def test_a_veto_that_returns_neither_a_reason_nor_none_is_its_error_in_columns_as_unit_by_unit(demo_plan, returned):
    """A veto returns a reason (text) or None: `return website_leak` had applied the veto with the
    reason "True" (or let it pass on False), whatever the rules meant. Any other value is the veto's
    error, as if it had raised: its targets are errors worth 0, worded by the scalar engine."""
    plan = demo_plan._replace(vetoes=tuple(v._replace(func=lambda website_leak: returned) for v in demo_plan.vetoes))
    [veto] = plan.vetoes
    said = f"{veto.where}: TypeError: veto 'V-1' returned {returned!r} (a {type(returned).__name__}), expected a reason (text) or None"
    values = {**FULL, "website_design": Grade(D(4), "fine")}
    result = Engine(plan).score(Unit("t.m", "Market", "town", None, {"kind": "market"}), values, {"outages": {}})
    assert (result.vetoes[0].status, result.vetoes[0].reason) == ("error", said)
    targets = {item.code: item for item in result.indicators if item.code.startswith("W-1-")}
    assert sorted(targets) == ["W-1-1", "W-1-2", "W-1-3"]
    for item in targets.values():
        assert (item.status, item.points, item.reasons) == ("error", D(0), (f"veto V-1 Data leak could not be decided: {said}",))
    units = [Unit(f"t{i}", f"T{i}", "town", None, {"kind": "market"}) for i in range(_batch.FROM_UNITS + 6)]
    batch, scalar, sent = _both(plan, units, dict.fromkeys([u.code for u in units], values), {"outages": {}})
    assert batch == scalar and sent == [u.code for u in units]
    assert batch[1]["error"] == 3 * len(units)


def _raises(exc: BaseException):
    def func(*args):
        raise exc

    return func


@pytest.mark.parametrize(
    ("where", "exc", "statuses", "veto"),
    [
        ("fixture", RuntimeError("broken"), {"W-1-1": "error", "W-1-2": "scored"}, "not_applied"),
        ("fixture", NotApplicable("no such service here"), {"W-1-1": "not_applicable", "W-1-2": "scored"}, "not_applied"),
        ("fixture", MissingEvidence("website.leak", "not kept yet"), {"W-1-1": "missing", "W-1-2": "scored"}, "not_applied"),
        ("veto", RuntimeError("broken"), {"W-1-1": "error", "W-1-2": "error"}, "error"),
        ("veto", MissingEvidence("website.leak", "not kept yet"), {"W-1-1": "missing", "W-1-2": "missing"}, "missing"),
        ("indicator", NotApplicable("no such service here"), {"S-1-1": "not_applicable", "W-1-1": "scored"}, "not_applied"),
        ("fixture read by an indicator", RuntimeError("broken"), {"S-1-1": "error", "W-1-1": "error"}, "not_applied"),
        ("fixture read by an indicator", MissingEvidence("website.leak", "not kept yet"), {"S-1-1": "missing"}, "not_applied"),
        ("fixture read by a veto", RuntimeError("broken"), {"W-1-2": "error", "S-1-1": "scored"}, "error"),
        ("fixture read by a veto", MissingEvidence("website.leak", "not kept yet"), {"W-1-2": "missing", "S-1-1": "scored"}, "missing"),
    ],
    ids=[
        "an alternative's fixture errs",
        "an alternative's fixture does not apply",
        "an alternative's fixture lacks evidence",
        "a veto errs",
        "a veto lacks evidence",
        "an indicator does not apply",
        "a fixture an indicator reads errs",
        "a fixture an indicator reads lacks evidence",
        "a fixture a veto reads errs",
        "a fixture a veto reads lacks evidence",
    ],
)
def test_what_a_fixture_veto_or_indicator_raises_reaches_its_readers_in_columns_as_unit_by_unit(demo_plan, where, exc, statuses, veto):
    """A fixture that raises gives its readers its status (an alternative's included: READING 14);
    a veto that raises or lacks evidence leaves its targets undecided, in error or missing; an
    indicator may declare itself not applicable. The rest of the unit is scored as usual, and the
    first pass in columns gives the scalar engine's summaries."""
    if where.startswith("fixture"):
        fixtures = dict(demo_plan.fixtures)
        fixtures["no_app_but_wechat"] = fixtures["no_app_but_wechat"]._replace(func=_raises(exc))
        plan = demo_plan._replace(fixtures=fixtures)
        if where == "fixture read by an indicator":  # S-1-1 reads it too, as its only argument
            plan = plan._replace(
                indicators=tuple(
                    ip._replace(func=lambda no_app_but_wechat: Score(D(1)), argnames=("no_app_but_wechat",))
                    if ip.node.code == "S-1-1"
                    else ip
                    for ip in plan.indicators
                )
            )
        elif where == "fixture read by a veto":
            plan = plan._replace(
                vetoes=tuple(v._replace(func=lambda no_app_but_wechat: None, argnames=("no_app_but_wechat",)) for v in plan.vetoes)
            )
    elif where == "veto":
        plan = demo_plan._replace(vetoes=tuple(v._replace(func=_raises(exc)) for v in demo_plan.vetoes))
    else:
        plan = demo_plan._replace(
            indicators=tuple(ip._replace(func=_raises(exc)) if ip.node.code == "S-1-1" else ip for ip in demo_plan.indicators)
        )
    values = {**FULL, "website_design": Grade(D(4), "fine")}
    result = Engine(plan).score(Unit("t.m", "Market", "town", None, {"kind": "market"}), values, {"outages": {}})
    items = {item.code: item for item in result.indicators}
    assert {code: items[code].status for code in statuses} == statuses
    assert all(items[code].points == 0 for code, status in statuses.items() if status != "scored")
    assert result.vetoes[0].status == veto
    assert items["W-2"].status == "scored"  # neither reads what raised
    units = [Unit(f"t{i}", f"T{i}", "town", None, {"kind": "market"}) for i in range(_batch.FROM_UNITS + 6)]
    batch, scalar, _sent = _both(plan, units, dict.fromkeys([u.code for u in units], values), {"outages": {}})
    assert batch == scalar
