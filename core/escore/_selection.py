"""Choosing the indicators of a run (``-k``, ``-m``) and compiling what scoring them needs.

:func:`select` picks a plan's indicators by keyword and mark expressions; a
:class:`CompiledSelection` works out, once, everything about them that does not depend on the
unit, for the engine and the column pass to read per unit or per column.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._collect import IndicatorPlan, Plan
from ._score import EXACT_SUMS

#: Where a getter reads its arguments: the unit's fields, the computed fixtures, or both.
FIELDS, COMPUTED, BOTH = 0, 1, 2


def _getter(names: Sequence[str], fields: frozenset[str]) -> tuple[Callable[..., Any] | None, int, int]:
    """A getter of the arguments, how many there are (one: the value itself) and where it reads.

    Arguments that are all fields of the evidence, or all computed fixtures, are read by
    one C-level ``itemgetter`` from that one mapping; only a mix needs a Python loop.
    """
    if not names:
        return None, 0, FIELDS
    kinds = {name in fields for name in names}
    if kinds == {True}:
        return operator.itemgetter(*names), len(names), FIELDS
    if kinds == {False}:
        return operator.itemgetter(*names), len(names), COMPUTED
    sources = tuple((name in fields, name) for name in names)

    def both(values: Mapping[str, Any], env: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple([values[name] if is_field else env[name] for is_field, name in sources])

    return both, len(names), BOTH


def fetch(getter: Callable[..., Any] | None, arity: int, where: int, values: Mapping[str, Any], env: Mapping[str, Any]) -> Any:
    """The arguments of one call (``()`` for none, the value itself for one)."""
    if not arity:
        return ()
    if where == FIELDS:
        return getter(values)  # type: ignore[misc]
    if where == COMPUTED:
        return getter(env)  # type: ignore[misc]
    return getter(values, env)  # type: ignore[misc]


#: Fixture values that may be shared between units: no indicator can change them.
IMMUTABLE = frozenset({Decimal, int, bool, str, float, type(None), _dt.date, _dt.datetime})


class _Memo:
    """Results of one indicator or fixture by the identity of its arguments, while that pays.

    Indicators and fixtures are pure functions of their parameters (the two-pass run relies on
    it too: a unit's detail is scored again when it is written). Arguments that are the very
    same objects as another unit's (the loaders parse each distinct text of a column once, so
    equal evidence read from one column is one object) therefore give that unit's result,
    exactly: identity, not equality, so 1.0 and 1.00 are never confused. Each entry holds its
    arguments, so no id is reused while it is kept.

    * A function whose arguments are mostly new objects (a fixture's result, table rows) is
      called directly again once fewer than a third of the lookups over :data:`TRIAL` misses
      were hits, and its entries are let go.
    * Lines kept (``explaining``) and not kept have separate tables.
    * All the memos of one engine share a budget of :data:`BUDGET` entries (about 8 MB at
      most); once it is spent, they are only looked up.
    """

    __slots__ = ("budget", "checked", "explained", "looked", "missed", "on", "quiet")

    #: Misses between two checks that the lookups still pay (a third of them hits at least).
    TRIAL = 128
    #: Entries one engine keeps at most, over all its memos.
    BUDGET = 32768

    def __init__(self, budget: list[int]) -> None:
        self.quiet: dict[Any, tuple[Any, Any]] = {}  # key → (the arguments, kept alive; the result)
        self.explained: dict[Any, tuple[Any, Any]] = {}
        self.budget = budget  # [entries left], shared by the engine's memos
        self.on = True
        self.looked = 0
        self.missed = 0
        self.checked = 0  # lookups at the last check

    def keep(self, table: dict[Any, tuple[Any, Any]], key: Any, args: Any, result: Any) -> None:
        """After a miss: keep the result while the budget lasts; every TRIAL misses, judge."""
        if self.budget[0] > 0:
            table[key] = (args, result)
            self.budget[0] -= 1
        self.missed += 1  # counted with the budget spent too, so that a memo gone stale still turns off
        if self.missed % self.TRIAL:
            return
        # A hit saves a call (2-3 µs), a miss costs about 0.7 µs, so looking up pays while at
        # least a third of the lookups since the last check were hits.
        if 2 * (self.looked - self.checked) < 3 * self.TRIAL:
            self.on = False  # mostly new arguments: called directly from now on
            self.budget[0] += len(self.quiet) + len(self.explained)
            self.quiet.clear()
            self.explained.clear()
        self.checked = self.looked


def dependencies_first(fixtures: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    """Every fixture ``roots`` need, each after the fixtures it takes (``roots`` visited in name
    order, so the order never depends on registration)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for arg in fixtures[name].argnames:
            visit(arg)
        order.append(name)

    for name in sorted(roots):
        visit(name)
    return order


class CompiledSelection:
    """What scoring a selection of a plan's indicators needs, worked out once, as records that
    the evaluators read in their loops: which fixtures the selection needs and in which order,
    for every argument whether it is a field of the evidence or a computed fixture (and the
    C-level getter that fetches it), the vetoes that can change a selected indicator, and each
    section's weight factor.

    Two evaluators read it: the scalar engine (:class:`escore._run.Engine`), unit by unit, and
    the column pass (:mod:`escore._batch`), column by column. The records are plain tuples,
    unpacked in those loops; the memos they carry (:class:`_Memo`) are the engine's, one set per
    compiled selection.
    """

    def __init__(self, plan: Plan, selected: Sequence[IndicatorPlan] | None = None) -> None:
        self.selected = tuple(plan.indicators if selected is None else selected)
        self.missing_max = plan.ruleset.missing_points == "max"
        self.index = {ip.node.code: i for i, ip in enumerate(self.selected)}
        # A veto none of whose targets is selected is not evaluated: it could change nothing.
        vetoes = [
            (v, positions)
            for v in plan.vetoes
            for positions in (tuple(sorted(self.index[c] for c in v.leaves if c in self.index)),)
            if positions
        ]
        self.sections = plan.sections
        fixtures = plan.fixtures
        # A definition's kind says which of its attributes is set (field, table, parameter, func).
        self.field_keys = {name: d.field.key for name, d in fixtures.items() if d.kind == "field" and d.field is not None}
        optional = {name for name, d in fixtures.items() if d.kind == "field" and d.field is not None and d.field.optional}
        roots = {name for ip in self.selected for name in ip.argnames}
        roots.update(name for ip in self.selected for alt in ip.alternatives for name in alt.names)
        roots.update(name for veto, _ in vetoes for name in veto.argnames)
        order = dependencies_first(fixtures, roots)
        self.optional = tuple(sorted(n for n in order if n in optional))
        # Fields the evidence must hold; optional ones are put among the computed values.
        fields = frozenset(name for name in self.field_keys if name not in optional)
        self.fields = fields
        tables = {n: table for n in order if fixtures[n].kind == "table" and (table := fixtures[n].table) is not None}
        self.tables = tuple((n, table.rollup) for n, table in tables.items())
        # Parameters are the same for every unit: each unit's computed values start from them.
        self.parameters = {
            n: parameter.value for n in order if fixtures[n].kind == "parameter" and (parameter := fixtures[n].parameter) is not None
        }
        self.optional_tables = frozenset(n for n, table in tables.items() if table.optional)
        self.table_names = frozenset(n for n, d in fixtures.items() if d.kind == "table")
        self._argnames = {n: fixtures[n].argnames for n in order if fixtures[n].kind == "function"}
        budget = [_Memo.BUDGET]  # results kept by argument identity, over every fixture and indicator
        # Records read in the engine's loops (unpacked, not attributes): each a plain tuple.
        self.functions: tuple[tuple[Any, ...], ...] = tuple(
            (
                n,
                fixtures[n].func,
                *_getter(fixtures[n].argnames, fields),
                fixtures[n].where,
                _Memo(budget) if fixtures[n].argnames else None,
            )
            for n in order
            if fixtures[n].kind == "function"
        )
        self.steps: tuple[tuple[Any, ...], ...] = tuple(
            (
                ip,
                ip.node.code,
                ip.func,
                *_getter(ip.argnames, fields),
                ip.node.max,
                ip.conditions,
                bool(ip.alternatives or ip.bound),
                _Memo(budget) if ip.argnames else None,
            )
            for ip in self.selected
        )
        self.veto_steps = tuple((veto, positions, *_getter(veto.argnames, fields)) for veto, positions in vetoes)
        # weight ÷ raw max once, where that quotient is exact (35/100, 65/65); else divide per unit.
        # The check multiplies exactly: in the default context 65/70 × 70 rounds back to 65.
        self.factors = tuple(
            (sec, f if EXACT_SUMS.multiply(f, sec.raw_max) == sec.weight else None)
            for sec in self.sections
            for f in (sec.weight / sec.raw_max,)
        )
        self.counted = tuple((i, ip.section_index) for i, ip in enumerate(self.selected) if ip.counts or ip.node.kind == "bonus")

    def evidence_behind(self, name: str) -> tuple[str, ...]:
        """The fields and tables computed fixture ``name`` is made from, through the fixtures it
        asks for, each once in the order first asked (none for a field, a table or a parameter)."""
        found: dict[str, None] = {}

        def visit(fixture: str) -> None:
            for arg in self._argnames.get(fixture, ()):
                if arg in self._argnames:
                    visit(arg)
                elif arg in self.field_keys or arg in self.table_names:
                    found.setdefault(arg)

        visit(name)
        return tuple(found)


def select(plan: Plan, keyword: str | None = None, marks: str | None = None) -> tuple[IndicatorPlan, ...]:
    """The indicators matching ``-k keyword`` and ``-m marks``; unknown marks are a usage error."""
    if not keyword and not marks:
        return plan.indicators
    from ._expression import Expression  # only runs with -k/-m parse expressions

    chosen = list(plan.indicators)
    if keyword:
        expression = Expression.compile(keyword)
        chosen = [ip for ip in chosen if expression.evaluate(_keyword_matcher(plan, ip))]
    if marks:
        expression = Expression.compile(marks)
        from ._errors import UsageError, did_you_mean

        for ident in expression.idents:
            if ident not in plan.marks:
                hint = did_you_mean(ident, plan.marks)
                known = ", ".join(sorted(plan.marks))
                from ._i18n import gettext

                raise UsageError(
                    gettext("-m {0}: unknown mark '{1}'").format(repr(marks), ident)
                    + gettext("; ")
                    + (hint or gettext("known marks: {0}").format(known))
                )
        chosen = [ip for ip in chosen if expression.evaluate(_mark_matcher(ip))]
    return tuple(chosen)


def _keyword_matcher(plan: Plan, ip: IndicatorPlan) -> Callable[[str], bool]:
    words: list[str] = [plan.sections[ip.section_index].name]
    node = ip.node
    while True:
        words.extend((node.code.lower(), node.title.lower()))
        if node.parent is None:
            break
        node = plan.nodes[node.parent]
    haystack = [w.lower() for w in words]
    return lambda ident: any(ident.lower() in word for word in haystack)


def _mark_matcher(ip: IndicatorPlan) -> Callable[[str], bool]:
    names = {m.name for m in ip.marks}
    return lambda ident: ident in names
