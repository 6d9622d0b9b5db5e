"""Collection refuses packs that do not add up or ask for evidence that does not exist."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest

from escore import Binary, Category, Ruleset, Section, bonus, field, fixture, group, indicator, veto
from escore._collect import build_plan, collect_fixtures, location, parameter_names
from escore._errors import PackError

RULESET = Ruleset("t2020", 2020)
CATEGORY = Category("t2020", "unit", "Units")
SECTION = Section("t2020", "unit", "main", "Main", weight=100, raw_max=10)


def module(**members):
    mod = types.ModuleType("pack_under_test")
    for name, value in members.items():
        setattr(mod, name, value)
    return mod


EVIDENCE = module(done=field("work.done", "bool"), count=field("work.count", "int", min=0))


def plan_of(*members: dict, evidence=EVIDENCE, sections=(SECTION,)):
    rules = module(**{k: v for m in members for k, v in m.items()})
    return build_plan(RULESET, CATEGORY, list(sections), [("main", rules)], collect_fixtures([evidence]))


def leaf(code, max, parent=None, **kwargs):
    @indicator(code, f"leaf {code}", max=max, parent=parent, **kwargs)
    def rule(work_done):
        return Binary(code, max).score(work_done)

    return {f"f_{code}": rule}


def test_a_consistent_tree_is_accepted():
    plan = plan_of({"G": group("G", "group", max=10)}, leaf("G-1", 4, "G"), leaf("G-2", 6, "G"))
    assert [ip.node.code for ip in plan.indicators] == ["G-1", "G-2"]
    assert plan.nodes["G"].children == ("G-1", "G-2")
    assert plan.feeds == {"work.done": ("G-1", "G-2")}


def test_group_that_does_not_add_up_is_refused_with_both_numbers():
    with pytest.raises(PackError, match=r"'G' declares max 10 but its children add up to 9 \(G-1 4 \+ G-2 5\)"):
        plan_of({"G": group("G", "group", max=10)}, leaf("G-1", 4, "G"), leaf("G-2", 5, "G"))


def test_section_that_does_not_add_up_is_refused():
    with pytest.raises(PackError, match=r"section 'main' declares raw max 10 but its top-level nodes add up to 8 \(A 8\)"):
        plan_of(leaf("A", 8))


def test_not_scored_nodes_are_listed_but_not_summed():
    plan = plan_of({"G": group("G", "group", max=10)}, leaf("G-1", 10, "G"), leaf("X", 5, counted=False))
    assert plan.nodes["X"].counted is False
    assert {ip.node.code: ip.counts for ip in plan.indicators} == {"G-1": True, "X": False}


def test_variants_each_sum_to_their_node():
    tree = {
        "V": group("V", "variants", max=10, variant_by="kind"),
        "VA": group("V-A", "a", max=10, parent="V", variant="a"),
        "VB": group("V-B", "b", max=10, parent="V", variant="b"),
    }
    plan = plan_of(tree, leaf("V-A-1", 10, "V-A"), leaf("V-B-1", 3, "V-B"), leaf("V-B-2", 7, "V-B"))
    assert plan.indicators[0].conditions == (("kind", "a"),)
    bad = {**tree, "VB": group("V-B", "b", max=9, parent="V", variant="b")}
    with pytest.raises(PackError, match=r"variant 'b' \(V-B\) of 'V' has max 9, but 'V' declares 10"):
        plan_of(bad, leaf("V-A-1", 10, "V-A"), leaf("V-B-1", 9, "V-B"))


def test_unknown_fixture_names_the_file_line_and_a_suggestion():
    @indicator("A", "a", max=10)
    def rule(work_dnoe):
        return Binary("a", 10).score(work_dnoe)

    with pytest.raises(PackError) as info:
        plan_of({"rule": rule})
    message = str(info.value)
    assert message.startswith("tests/test_collect.py:")  # relative to the package: no machine path
    assert "indicator 'A' requests unknown evidence 'work_dnoe'; did you mean 'work_done'?" in message


def test_fixture_cycles_are_refused_naming_where_each_fixture_is_defined():
    @fixture
    def first(second):
        return second

    @fixture
    def second(first):
        return first

    @fixture
    def before(first):  # leads into the cycle: not part of it
        return first

    with pytest.raises(PackError) as raised:
        collect_fixtures([module(first=first, second=second, before=before)])
    assert str(raised.value) == (
        f"fixture cycle: first → second → first (first at {location(first)}, second at {location(second)}): each needs the next, "
        "so none of them can be computed; drop one of these parameters"
    )
    assert location(first).startswith("tests/test_collect.py:")


def test_duplicate_codes_and_unknown_parents_are_refused():
    with pytest.raises(PackError, match="code 'A' is declared twice"):
        plan_of(leaf("A", 10), {"again": indicator("A", "dup", max=10)(lambda work_done: None)})
    with pytest.raises(PackError, match="names parent 'G', which is not declared"):
        plan_of(leaf("A", 10, "G"))


def test_veto_targets_must_exist():
    @veto("V1", "veto", targets=["Z"])
    def stop(work_done):
        return None

    with pytest.raises(PackError, match="veto 'V1' targets 'Z', which is not declared"):
        plan_of(leaf("A", 10), {"stop": stop})


def test_per_category_maxima_and_bonus_outside_the_sum():
    @bonus("B", "bonus", max={"unit": 1})
    def extra(work_done):
        return Binary("b", 1).score(work_done)

    plan = plan_of(leaf("A", {"unit": 10, "other": 5}), leaf("C", {"other": 3}), {"extra": extra})
    assert plan.nodes["A"].max == 10
    assert "C" not in plan.nodes
    assert plan.nodes["B"].kind == "bonus"


def test_bonus_blocks_sit_outside_the_sums():
    @bonus("B-1", "vote", max=1, parent="B")
    def vote(work_done):
        return Binary("vote", 1).score(work_done)

    plan = plan_of(leaf("A", 10), {"B": group("B", "bonus items", max=1, bonus=True), "vote": vote})
    assert plan.nodes["B"].bonus and plan.nodes["B-1"].bonus
    with pytest.raises(PackError, match="bonus block 'B' declares max 2; its children must be bonus items adding up to it"):
        plan_of(leaf("A", 10), {"B": group("B", "bonus items", max=2, bonus=True), "vote": vote})


@pytest.mark.parametrize(
    "codes",
    [
        ["u000010", "u000002", "u000001", "u000100"],  # one shape: a plain sort
        ["P-1-10", "P-1-2", "P-1-1", "P-2"],  # several shapes: natural keys
        ["a9", "a10", "b1", "a٣", "a١٠"],  # non-ASCII digits keep their place in the shape
        ["x1٣5", "x1٣7", "x9٣1"],
        ["u10", "u2", "u1\n0", "u1\n", "u3"],  # line breaks in codes: shapes code by code
        ["u1\n2", "u1\n1", "u0\n3"],
        ["u01", "u10", "u1"],  # one shape joined, not alike one by one
        ["u9"],
        [],
    ],
)
def test_sorted_naturally_is_the_order_of_natural_keys(codes):
    from escore._collect import natural_key, sorted_naturally

    assert sorted_naturally(codes, str) == sorted(codes, key=natural_key)


def test_sorted_naturally_on_many_codes_of_one_shape_and_of_several():
    import random

    from escore._collect import natural_key, sorted_naturally

    rng = random.Random(2017)
    same = [f"c{rng.randrange(10**4):04d}-{rng.randrange(100):02d}" for _ in range(500)]
    mixed = [f"c{rng.randrange(10 ** rng.randrange(1, 5))}-{rng.randrange(100)}" for _ in range(500)]
    for codes in (same, mixed):
        codes = sorted(set(codes), key=lambda c: rng.random())
        assert sorted_naturally(codes, str) == sorted(codes, key=natural_key)


def test_parameter_names_are_the_signatures():
    import functools
    import inspect

    def plain(a, b=1): ...
    def keywords(a, /, b, *, c, d=2): ...
    def star(a, *rest, b, **more): ...

    @functools.wraps(plain)
    def wrapped(*args, **kwargs): ...

    class Callable:
        def __call__(self, x, y): ...

    for func in (plain, keywords, star, wrapped, functools.partial(plain, 1), Callable(), lambda: None, lambda x: x):
        assert parameter_names(func) == tuple(inspect.signature(func).parameters), func
    assert parameter_names(keywords) == ("a", "b", "c", "d")
    assert parameter_names(wrapped) == ("a", "b")


def _fixture_twice():
    @fixture(name="work_total")
    def one(work_count):
        return work_count

    @fixture(name="work_total")
    def other(work_count):
        return work_count

    return module(one=one, other=other, **vars(EVIDENCE))


def _builtin_redefined():
    @fixture
    def unit(work_count):
        return work_count

    return module(unit=unit, **vars(EVIDENCE))


def _alternative_of_no_parameter():
    from escore import Alternative

    @indicator("A", "a", max=10, alternatives=[Alternative("work_count", instead="work_done", when="work_done")])
    def rule(work_done):
        return Binary("A", 10).score(work_done)

    return {"f_A": rule}


@pytest.mark.parametrize(
    ("members", "evidence", "message"),
    [
        (
            (leaf("A", 10), leaf("A-1", 5, "A"), leaf("A-2", 5, "A")),
            EVIDENCE,
            r"'A-1' names parent 'A', which is an indicator, not a group",
        ),
        (
            ({"G": group("G", "g", max=10)}, leaf("G-1", 10, "G", variant="x")),
            EVIDENCE,
            r"'G-1' declares variant 'x' but its parent has no variant_by",
        ),
        (
            ({"G": group("G", "g", max=10)}, leaf("G-1", 10, "G", counted=False), leaf("B", 10)),
            EVIDENCE,
            r"group 'G' declares max 10 but has no counted children",
        ),
        ((_alternative_of_no_parameter(),), EVIDENCE, r"alternative replaces 'work_count', which is not a parameter"),
        ((leaf("A", 10),), _fixture_twice(), r"fixture 'work_total' is defined twice"),
        ((leaf("A", 10),), _builtin_redefined(), r"'unit' is a built-in fixture and cannot be redefined"),
    ],
    ids=[
        "an indicator as a parent",
        "a variant under a group without variant_by",
        "a group with nothing counted",
        "an alternative of no parameter",
        "a fixture defined twice",
        "a built-in fixture redefined",
    ],
)
def test_a_pack_that_does_not_hold_together_is_refused_saying_where(members, evidence, message):
    """Each mistake of a pack's tree or fixtures is a PackError naming the node or fixture."""
    with pytest.raises(PackError, match=message):
        plan_of(*members, evidence=evidence)


def _declare_unknown_method():
    indicator("A", "a", max=1, methods=["monitorin"])(lambda: None)


def _declare_bad_parameter_name():
    from escore import parameter

    parameter("not an identifier", 1)


def _declare_amend_of_nothing_amendable():
    from escore import amend

    amend("A", colour="red")


def _declare_amend_misspelt():
    from escore import amend

    amend("A", parnet="B")


def _declare_amend_of_nothing():
    from escore import amend

    amend("A")


def _declare_short_parameter_set():
    from escore import mark

    mark.parametrize("a,b", [(1,)])(lambda a, b: None)


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            _declare_unknown_method,
            "A: unknown method 'monitorin'; known: self_report, monitoring, online_monitoring, online_check, inspection, annual_review, public_vote. did you mean 'monitoring'?",
        ),
        (_declare_bad_parameter_name, "parameter name must be a Python identifier, got 'not an identifier'"),
        (_declare_amend_of_nothing_amendable, "amend('A'): cannot change colour; allowed: title, max, parent, source, counted, methods"),
        (
            _declare_amend_misspelt,
            "amend('A'): cannot change parnet (did you mean 'parent'?); allowed: title, max, parent, source, counted, methods",
        ),
        (_declare_amend_of_nothing, "amend('A'): nothing to change"),
        (_declare_short_parameter_set, "parametrize: ('a', 'b') needs 2 values per set, got (1,)"),
    ],
    ids=[
        "an unknown method",
        "a parameter name that is no identifier",
        "an amendment of what cannot change",
        "an amendment of a misspelt attribute",
        "an amendment of nothing",
        "a parameter set too short",
    ],
)
def test_a_declaration_a_pack_author_gets_wrong_fails_where_it_is_written(declare, message):
    """The declarations check themselves when the pack's module is imported: the traceback points
    at the line, and the message says what is allowed."""
    with pytest.raises(ValueError) as raised:
        declare()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (60.1, ""),
        ((Decimal("50"), (3, 60.1)), "value[1][1]: "),
        ([("pass", "80")] * 2 + [("fail", 60.1)], "value[2][1]: "),
        ({"pass": {"at": 60.1}}, "value['pass']['at']: "),
        ({60.1: "pass"}, "a key of value: "),
        (frozenset({60.1}), "an item of value: "),
    ],
    ids=["a float", "in a tuple", "in a list", "in a mapping", "a key", "in a set"],
)
def test_a_parameter_refuses_a_float_wherever_it_is_in_the_value(value, where):
    """``parameter("pass_rate", 60.1)`` was accepted: a rate of exactly Decimal("60.1") then failed
    ``rate >= pass_rate`` (the float is 60.0999…)."""
    from escore import Parameter, parameter

    message = (
        f"parameter 'pass_rate': {where}the float 60.1 is refused (points and thresholds are exact decimals; a float compares "
        'in binary floating point); write Decimal("60.1") or "60.1"'
    )
    for declare in (parameter, Parameter):
        with pytest.raises(TypeError) as raised:
            declare("pass_rate", value)
        assert str(raised.value) == message
    assert parameter("pass_rate", Decimal("60.1")).value >= Decimal("60.1")
    assert parameter("pass_rate", (Decimal(50), ("60.1", 3), {"at": 2})).value[1][0] == "60.1"


RULE = "every parameter is the name of a fixture it receives, positional-or-keyword, without a default (a parameter() may default to its own value)"


def _where(func) -> str:
    return f"tests/test_collect.py:{func.__code__.co_firstlineno}"


def _with_default(work_done, work_count=3): ...
def _keyword_only(work_done, *, work_count): ...
def _positional_only(work_done, /, work_count): ...
def _star_args(work_done, *args): ...
def _star_kwargs(work_done, **kwargs): ...


@pytest.mark.parametrize(
    ("func", "said"),
    [
        (_with_default, "parameter 'work_count' has a default (3), which is never used: the fixture's value is passed"),
        (_keyword_only, "parameter 'work_count' is keyword-only, so the fixture's value is never passed to it"),
        (_positional_only, "parameter 'work_done' is positional-only"),
        (_star_args, "'*args' is no fixture (it was asked for as evidence named 'args'): name each fixture it needs"),
        (_star_kwargs, "'**kwargs' is no fixture (it was asked for as evidence named 'kwargs'): name each fixture it needs"),
    ],
    ids=["a default", "keyword-only", "positional-only", "*args", "**kwargs"],
)
def test_a_function_whose_parameters_are_not_plain_fixture_names_is_refused_saying_what_to_write(func, said):
    """A default was never used (the fixture's value came instead), a keyword-only parameter made
    every unit's call raise TypeError, *args was asked for as evidence named 'args': each loaded.
    Indicators, vetoes and fixtures are held to the same rule, at collection."""
    written = "work_done" + (", work_count" if "work_count" in func.__code__.co_varnames else "")
    tail = f"; {RULE}: write def {func.__name__}({written})"
    with pytest.raises(PackError) as raised:
        plan_of({"rule": indicator("A", "a", max=10)(func)})
    assert str(raised.value) == f"{_where(func)}: indicator 'A': {said}{tail}"
    with pytest.raises(PackError) as raised:
        plan_of(leaf("A", 10), {"stop": veto("V", "veto", targets=["A"])(func)})
    assert str(raised.value) == f"{_where(func)}: veto 'V': {said}{tail}"
    with pytest.raises(PackError) as raised:
        plan_of(leaf("A", 10), evidence=module(**vars(EVIDENCE), derived=fixture(name="work_derived")(func)))
    assert str(raised.value) == f"{_where(func)}: fixture 'work_derived': {said}{tail}"


def test_a_parameter_may_default_to_its_own_value_and_nothing_else():
    """The fj2017 packs give an indicator that receives a parameter its value as a default, so that
    their tests call it directly; any other default is refused where both are declared."""
    from escore import Ladder, parameter

    tiers = parameter("work_tiers", Ladder.at_least("work", [(5, 10)], otherwise=0))
    evidence = module(**vars(EVIDENCE), TIERS=tiers)

    def plan(func):
        rules = module(rule=indicator("A", "a", max=10)(func))
        return build_plan(RULESET, CATEGORY, [SECTION], [("main", rules)], collect_fixtures([evidence], ruleset="t2020"))

    def own(work_count, work_tiers=tiers.value):
        return work_tiers.score(work_count)

    lower = Ladder.at_least("work", [(4, 10)], otherwise=0)

    def other(work_count, work_tiers=lower):
        return work_tiers.score(work_count)

    assert plan(own).indicators[0].argnames == ("work_count", "work_tiers")
    with pytest.raises(PackError) as raised:
        plan(other)
    assert str(raised.value).startswith(
        f"{_where(other)}: indicator 'A': parameter 'work_tiers' has a default (Ladder(name='work', rows=(Tier(op='>=', bound=Decimal('4')"
    )
    assert "other than the value of parameter('work_tiers') (Ladder(name='work', rows=(Tier(op='>=', bound=Decimal('5')" in str(
        raised.value
    )
    assert str(raised.value).endswith(f"which is what it receives; {RULE}: write def other(work_count, work_tiers)")


# --------------------------------------------------------------------------- a citation per category

COLUMNS = Category("t2020", "other", "Others")


def cited_plan(node, category=CATEGORY, categories=()):
    """The plan of ``category`` of a tree of ``node`` (the group 'G', in both categories) over one leaf."""
    rules = module(G=node, **leaf("G-1", {"unit": 10, "other": 10}, "G"))
    section = Section("t2020", category.key, "main", "Main", weight=100, raw_max=10)
    return build_plan(RULESET, category, [section], [("main", rules)], collect_fixtures([EVIDENCE]), categories=categories)


def test_a_node_cites_a_clause_per_category_as_its_maximum_is_one_per_category():
    from escore import cite

    unit, other = cite("(1) units: 10 points"), cite("(2) others: 10 points")
    node = group("G", "group", max={"unit": 10, "other": 10}, source={"unit": unit, "other": other})
    assert node.source_for("unit") is unit and node.source_for("other") is other
    assert cited_plan(node).nodes["G"].source is unit
    assert cited_plan(node, COLUMNS).nodes["G"].source is other
    one = cite("one clause for all")  # one maximum, a clause per category of the ruleset
    assert cited_plan(group("G", "group", max=10, source={"unit": unit, "other": one}), COLUMNS, {"unit", "other"}).nodes["G"].source is one


def test_a_per_category_citation_of_a_category_the_node_has_no_maximum_in_is_refused_with_a_suggestion():
    import sys

    from escore import cite

    node = group("G", "group", max={"unit": 10, "other": 10}, source={"unit": cite("a"), "ohter": cite("b")})
    line = sys._getframe().f_lineno - 1
    with pytest.raises(PackError) as raised:
        cited_plan(node)
    assert str(raised.value) == (
        f"t2020/unit: tests/test_collect.py:{line}: source= of 'G' cites a clause for 'ohter', which is not a category 'G' has "
        "a maximum in (unit, other); did you mean 'other'?"
    )
    stray = group("G", "group", max={"unit": 10, "other": None}, source={"unit": cite("a"), "other": cite("b")})
    with pytest.raises(
        PackError, match=r"source= of 'G' cites a clause for 'other', which is not a category 'G' has a maximum in \(unit\)$"
    ):
        cited_plan(stray)


def test_a_per_category_citation_missing_a_category_the_node_is_scored_in_is_refused():
    import sys

    from escore import cite

    node = group("G", "group", max={"unit": 10, "other": 10}, source={"unit": cite("a")})
    line = sys._getframe().f_lineno - 1
    for category in (CATEGORY, COLUMNS):  # refused in either plan: the pack is wrong for both
        with pytest.raises(PackError) as raised:
            cited_plan(node, category)
        assert str(raised.value) == (
            f"t2020/{category.key}: tests/test_collect.py:{line}: source= of 'G' has no citation for other, where it is scored "
            "(it cites unit): give each category the node is scored in its own citation"
        )


def test_a_per_category_citation_of_an_indicator_names_its_function_and_a_citation_is_no_text():
    from escore import cite

    @indicator("A", "a", max=10, source={"unit": cite("a"), "unti": cite("b")})
    def rule(work_done):
        return Binary("A", 10).score(work_done)

    with pytest.raises(PackError) as raised:
        plan_of({"rule": rule})
    assert str(raised.value) == (
        f"t2020/unit: {_where(rule)}: source= of 'A' cites a clause for 'unti', which is not a category 'A' has a maximum in (unit); "
        "did you mean 'unit'?"
    )
    with pytest.raises(TypeError, match=r"^source\['unit'\] must be a Citation \(cite\(\.\.\.\)\) under a category key, got str$"):
        group("G", "group", max=10, source={"unit": "(1) units: 10 points"})


def test_codes_with_equal_numbers_sort_by_their_text_whatever_order_they_came_in():
    """u12 and u012 have one natural key of numbers: their order (a units table's, --order code,
    ties of a ranking) had followed the order they came in; their text now decides."""
    from escore._collect import natural_key, sorted_naturally

    codes = ["u12", "u012", "u2", "u10", "u12x", "u12x3"]
    expected = ["u2", "u10", "u012", "u12", "u12x", "u12x3"]
    assert sorted(codes, key=natural_key) == sorted(reversed(codes), key=natural_key) == expected
    assert sorted_naturally(codes, str) == sorted_naturally(list(reversed(codes)), str) == expected
