"""The engine: scores units with a collected plan, then totals and ranks them.

Per unit it resolves fixtures lazily (each at most once), calls every selected
indicator function directly with its arguments, applies vetoes, sums sections
and caps them. Nothing in the per-indicator loop calls a hook, re-validates or
copies evidence: that is all done once, at collection and load time.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import attrs

from ._collect import IndicatorPlan, Plan, natural_key
from ._expression import Expression
from ._model import Unit
from ._score import ZERO, Hit, MissingEvidence, NotApplicable, Score, fmt

STATUSES = ("scored", "missing", "not_applicable", "error")

_CENT = Decimal("0.01")


def present(value: Decimal) -> str:
    """The one place where points are rounded: half-up to 2 decimal places, for display."""
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


class IndicatorResult(NamedTuple):
    """One indicator of one unit: status, exact points and the lines explaining them.

    A named tuple rather than an attrs class: one is made per indicator per unit,
    and a tuple is the cheapest immutable record Python has.
    """

    code: str
    status: str
    points: Decimal
    reasons: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()


@attrs.frozen(slots=True)
class SectionResult:
    name: str
    title: str
    weight: Decimal
    raw: Decimal
    raw_max: Decimal
    points: Decimal
    capped: bool = False


@attrs.frozen(slots=True)
class VetoResult:
    code: str
    title: str
    status: str  # "applied" | "not_applied" | "missing" | "error"
    reason: str = ""


@attrs.frozen(slots=True)
class UnitResult:
    unit: Unit
    total: Decimal
    sections: tuple[SectionResult, ...]
    indicators: tuple[IndicatorResult, ...]
    vetoes: tuple[VetoResult, ...] = ()


@attrs.frozen
class RunResult:
    """A ranked run of one category; ``units`` are in rank order, ``ranks`` parallel to them."""

    plan: Plan
    units: tuple[UnitResult, ...]
    ranks: tuple[int, ...]
    selected: tuple[IndicatorPlan, ...]
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    selection: str = ""

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for result in self.units:
            for item in result.indicators:
                counts[item.status] += 1
            for veto in result.vetoes:
                if veto.status in ("missing", "error"):
                    counts[veto.status] += 1
        return counts

    def exit_code(self, *, strict: bool = False) -> int:
        """1 if any indicator errored (or, with ``strict``, any evidence is missing), else 0."""
        counts = self.status_counts()
        return 1 if counts["error"] or (strict and counts["missing"]) else 0


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_ABSENT = object()


def _error_line(exc: BaseException, fallback: str = "") -> str:
    """``file:line: ExceptionType: message`` of the innermost frame outside the engine, like a pytest error."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else (f"{fallback}: " if fallback else "")
    return f"{where}{type(exc).__name__}: {exc}"


class _Scope:
    """Fixture values of one unit, each computed at most once."""

    __slots__ = ("children", "computed", "file", "fixtures", "tables", "unit", "values")

    def __init__(
        self,
        unit: Unit,
        values: Mapping[str, Any],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...],
        fixtures: Mapping[str, Any],
        file: str,
    ) -> None:
        self.unit = unit
        self.values = values
        self.tables = tables
        self.children = children
        self.computed: dict[str, Any] = {}
        self.fixtures = fixtures
        self.file = file

    def get(self, name: str) -> Any:
        value = self.values.get(name, _ABSENT)
        if value is not _ABSENT:
            return value
        value = self.computed.get(name, _ABSENT)
        if value is _ABSENT:
            value = self._compute(name)
            self.computed[name] = value
        if value.__class__ is _Failure:
            raise value.exc
        return value

    def _compute(self, name: str) -> Any:
        definition = self.fixtures[name]
        try:
            kind = definition.kind
            if kind == "field":
                key = definition.field.key
                raise MissingEvidence(key, f"evidence '{key}' was not provided in {self.file or 'the evidence for ' + self.unit.code}")
            if kind == "table":
                by_unit = self.tables.get(name)
                if by_unit is None:
                    raise MissingEvidence(name, f"monitoring table '{name}' (monitoring/{name}.csv) was not provided")
                rows = by_unit.get(self.unit.code, ())
                if definition.table.rollup:
                    for child in self.children:
                        rows += by_unit.get(child.code, ())
                return rows
            if kind == "builtin":
                return self.unit if name == "unit" else self.children
            return definition.func(*[self.get(arg) for arg in definition.argnames])
        except Exception as exc:  # cached so that every dependent indicator sees the same failure
            return _Failure(exc)


class Engine:
    """Scores units with one plan and a fixed selection of its indicators."""

    def __init__(self, plan: Plan, selected: Sequence[IndicatorPlan] | None = None) -> None:
        self.plan = plan
        self.selected = tuple(plan.indicators if selected is None else selected)
        self.missing_max = plan.ruleset.missing_points == "max"
        self.index = {ip.node.code: i for i, ip in enumerate(self.selected)}
        self.vetoes = tuple((v, tuple(sorted(self.index[c] for c in v.leaves if c in self.index))) for v in plan.vetoes)
        self.sections = plan.sections
        # Everything the per-indicator loop reads, flattened once into plain tuples.
        self._steps = tuple(
            (ip, ip.node.code, ip.func, ip.argnames, ip.node.max, ip.conditions, bool(ip.alternatives or ip.bound or ip.rollup_tables))
            for ip in self.selected
        )
        self._reasons: dict[tuple[str, str, Any], str] = {}
        self._counted = tuple((i, ip.section_index) for i, ip in enumerate(self.selected) if ip.counts or ip.node.kind == "bonus")

    def score_many(
        self,
        units: Iterable[tuple[Unit, Mapping[str, Any], tuple[Unit, ...], str]],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
    ) -> list[UnitResult]:
        """Score ``(unit, values, children, file)`` tuples.

        The cyclic garbage collector is paused meanwhile: results are acyclic, and
        its full passes over a growing heap would make the cost per unit grow with
        the number of units.
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return [self.score(unit, values, tables, children, file) for unit, values, children, file in units]
        finally:
            if was_enabled:
                gc.enable()

    def score(
        self,
        unit: Unit,
        values: Mapping[str, Any],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...] = (),
        file: str = "",
    ) -> UnitResult:
        scope = _Scope(unit, values, tables, children, self.plan.fixtures, file)
        get = scope.get
        lookup = values.get
        absent = _ABSENT
        attributes = unit.attributes
        results: list[IndicatorResult] = []
        append = results.append
        for ip, code, func, argnames, maximum, conditions, special in self._steps:
            if conditions:
                for attr, want in conditions:
                    have = attributes.get(attr)
                    if have != want:
                        append(IndicatorResult(code, "not_applicable", ZERO, (self._variant_reason(attr, want, have),)))
                        break
                else:
                    conditions = ()
                if conditions:
                    continue
            try:
                if special:
                    append(self._score_special(ip, get, tables, children))
                    continue
                # Fields given in the evidence are the common case: one dict lookup, no call.
                score = func(*[v if (v := lookup(name, absent)) is not absent else get(name) for name in argnames])
                if score.__class__ is not Score:
                    raise TypeError(f"indicator '{code}' returned {type(score).__name__}, expected a Score")
                points = score.points
                if points < ZERO or points > maximum:
                    raise ValueError(f"indicator '{code}' scored {fmt(points)}, outside 0..{fmt(maximum)}")
                append(IndicatorResult(code, "scored", points, score.reasons, score.hits))
            except MissingEvidence as exc:
                append(IndicatorResult(code, "missing", maximum if self.missing_max else ZERO, (exc.reason,)))
            except NotApplicable as exc:
                append(IndicatorResult(code, "not_applicable", ZERO, (exc.reason,)))
            except Exception as exc:
                append(IndicatorResult(code, "error", ZERO, (_error_line(exc, ip.node.where),)))
        veto_results = self._apply_vetoes(results, get) if self.vetoes else ()
        return self._total(unit, results, veto_results)

    def _variant_reason(self, attr: str, want: str, have: Any) -> str:
        key = (attr, want, have)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = f"applies to units with {attr} = {want}; this unit has {attr} = {have}"
        return reason

    def _score_special(
        self,
        ip: IndicatorPlan,
        get: Callable[[str], Any],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...],
    ) -> IndicatorResult:
        """An indicator with alternatives, parameters bound by parametrize, or roll-up tables."""
        code = ip.node.code
        if ip.alternatives:
            args, extra_reasons, extra_hits = self._with_alternatives(ip, get)
        else:
            args = [get(name) for name in ip.argnames]
            extra_reasons = extra_hits = ()
        # Parametrized indicators take everything by keyword: the bound values may come first.
        score = ip.func(**dict(zip(ip.argnames, args)), **ip.bound) if ip.bound else ip.func(*args)
        if score.__class__ is not Score:
            raise TypeError(f"indicator '{code}' returned {type(score).__name__}, expected a Score")
        points = score.points
        if points < ZERO or points > ip.node.max:
            raise ValueError(f"indicator '{code}' scored {fmt(points)}, outside 0..{fmt(ip.node.max)}")
        reasons = extra_reasons + score.reasons
        hits = extra_hits + score.hits
        if ip.rollup_tables and children and self._rolled_up(ip, tables, children):
            hits = (*hits, (code, "rollup"))
        return IndicatorResult(code, "scored", points, reasons, hits)

    def _with_alternatives(self, ip: IndicatorPlan, get: Callable[[str], Any]) -> tuple[list[Any], tuple[str, ...], tuple[Hit, ...]]:
        names = list(ip.argnames)
        reasons: list[str] = []
        hits: list[Hit] = []
        for alt in ip.alternatives:
            if get(alt.when):
                names[names.index(alt.param)] = alt.instead
                label = f" ({alt.label})" if alt.label else ""
                reasons.append(f"alternative{label}: '{alt.param}' is scored on '{alt.instead}' because '{alt.when}' holds")
                hits.append((ip.node.code, f"alternative {alt.instead}"))
        return [get(name) for name in names], tuple(reasons), tuple(hits)

    @staticmethod
    def _rolled_up(ip: IndicatorPlan, tables: Mapping[str, Mapping[str, tuple[Any, ...]]], children: tuple[Unit, ...]) -> bool:
        for name in ip.rollup_tables:
            by_unit = tables.get(name, {})
            if any(by_unit.get(child.code) for child in children):
                return True
        return False

    def _apply_vetoes(self, results: list[IndicatorResult], get: Callable[[str], Any]) -> tuple[VetoResult, ...]:
        out: list[VetoResult] = []
        for veto, positions in self.vetoes:
            try:
                reason = veto.func(*[get(name) for name in veto.argnames])
            except MissingEvidence as exc:
                out.append(VetoResult(veto.code, veto.title, "missing", exc.reason))
                continue
            except Exception as exc:
                out.append(VetoResult(veto.code, veto.title, "error", _error_line(exc)))
                continue
            if not reason:
                out.append(VetoResult(veto.code, veto.title, "not_applied"))
                continue
            out.append(VetoResult(veto.code, veto.title, "applied", str(reason)))
            line = f"vetoed by {veto.code} {veto.title}: {reason} → 0"
            for i in positions:
                old = results[i]
                results[i] = IndicatorResult(old.code, old.status, ZERO, old.reasons + (line,), old.hits + ((veto.code, "applied"),))
        return tuple(out)

    def _total(self, unit: Unit, results: list[IndicatorResult], vetoes: tuple[VetoResult, ...]) -> UnitResult:
        raw = [ZERO] * len(self.sections)
        for position, section_index in self._counted:
            raw[section_index] += results[position].points
        sections = []
        total = ZERO
        for section, value in zip(self.sections, raw):
            capped = value > section.raw_max or value < ZERO
            kept = min(max(value, ZERO), section.raw_max)
            points = kept * section.weight / section.raw_max
            total += points
            sections.append(SectionResult(section.name, section.title, section.weight, kept, section.raw_max, points, capped))
        return UnitResult(unit, total, tuple(sections), tuple(results), vetoes)


def rank(results: Iterable[UnitResult]) -> tuple[tuple[UnitResult, ...], tuple[int, ...]]:
    """Order by exact total (then code) and give equal totals the same rank (1, 2, 2, 4)."""
    ordered = sorted(results, key=lambda r: (-r.total, natural_key(r.unit.code)))
    ranks: list[int] = []
    for position, result in enumerate(ordered):
        if position and result.total == ordered[position - 1].total:
            ranks.append(ranks[-1])
        else:
            ranks.append(position + 1)
    return tuple(ordered), tuple(ranks)


def select(plan: Plan, keyword: str | None = None, marks: str | None = None) -> tuple[IndicatorPlan, ...]:
    """The indicators matching ``-k keyword`` and ``-m marks``; unknown marks are a usage error."""
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
                raise UsageError(f"-m {marks!r}: unknown mark '{ident}'" + (f"; {hint}" if hint else f"; known marks: {known}"))
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
