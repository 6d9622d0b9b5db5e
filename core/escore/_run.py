"""The engine: scores units with a collected plan, then totals and ranks them.

Per unit it computes the fixtures the selection needs (each once, in dependency
order), calls every selected indicator function directly with its arguments,
applies vetoes, sums sections and caps them. Nothing in the per-indicator loop
calls a hook, re-validates or copies evidence: that is all done once, at
collection and load time, and when the selection is compiled
(:class:`escore._selection.CompiledSelection`).
"""

from __future__ import annotations

import gc
import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._collect import IndicatorPlan, Plan, natural_key
from ._i18n import N_, gettext, lines, translating
from ._model import Unit
from ._results import (
    IndicatorResult,
    SectionResult,
    UnitResult,
    VetoResult,
)
from ._score import EXACT_SUMS, SCORING, ZERO, Hit, MissingEvidence, NotApplicable, Score, explaining, fmt, settle
from ._selection import FIELDS, IMMUTABLE, CompiledSelection, fetch

_MISSING_TABLE = N_("monitoring table '{0}' (monitoring/{0}.csv) was not provided")
_NOT_PROVIDED_IN = N_("evidence '{0}' was not provided in {1}")
_EVIDENCE_OF = N_("the evidence of {0}")
_VARIANT = N_("applies to units with {0} = {1}; this unit has {0} = {2}")
_ALTERNATIVE_ZERO = N_("alternative{0}: {1} scores 0, as {2}")
_ALTERNATIVE = N_("alternative{0}: {1} is scored on {2}, as {3}")
_YES, _NO, _NOT_GIVEN = N_("yes"), N_("no"), N_("(missing)")
_VETOED = N_("vetoed by {0} {1}: {2} → 0")
_UNDECIDED = N_("veto {0} {1} could not be decided: {2}")


def shown_value(value: Any) -> str:
    """An evidence value in an explanation: yes/no (是/否, as the workbook writes them), a
    grade's points, a number as exact as it is, a date as ISO."""
    if value is None:
        return lines[_NOT_GIVEN]
    if value.__class__ is bool:
        return lines[_YES] if value else lines[_NO]
    points = getattr(value, "points", None)
    if points.__class__ is Decimal:
        return fmt(points)
    if value.__class__ is Decimal:
        return fmt(value)
    return str(value)


def _error_line(exc: BaseException, fallback: str = "") -> str:
    """``file:line: ExceptionType: message`` of the innermost frame outside the engine, like a pytest error."""
    import traceback  # only when an indicator failed

    from . import _score

    # An item of a kind a rule has no amount for: the line that handed the items to the rule (the
    # error names the rule and the kind), not the rule's own lookup in the core.
    engine = {__file__, _score.__file__} if isinstance(exc, _score.UnknownItemKind) else {__file__}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename not in engine]
    if frames:
        from ._paths import source_location  # relative to the pack's package: no machine path in output

        where = f"{source_location(frames[-1].filename)}:{frames[-1].lineno}: "
    else:
        where = f"{fallback}: " if fallback else ""
    return f"{where}{type(exc).__name__}: {exc}"


def not_a_number(code: str, points: Decimal, maximum: Decimal) -> str:
    """Why an indicator's ``Score(Decimal("NaN"))`` is its error (the comparison with its bounds
    had raised ``InvalidOperation: [<class 'decimal.InvalidOperation'>]``)."""
    return f"indicator '{code}' scored {points} (not a number), expected points within 0..{fmt(maximum)}"


#: Why a fixture has no value: ``(status, reason, missing evidence names)``.
Problem = tuple[str, str, tuple[str, ...]]


class Engine:
    """Scores units with one plan and a fixed selection of its indicators.

    What does not depend on the unit is worked out once, in its :class:`CompiledSelection`
    (``compiled``): which fixtures the selection needs, in which order, and for every argument
    whether it is a field of the evidence or a computed fixture. Per unit, fixtures are then
    computed eagerly in that order (each at most once) and every indicator is a plain call on
    arguments fetched by one dictionary lookup each, unless another unit called it with the
    very same argument objects (:class:`escore._selection._Memo`).
    """

    def __init__(self, plan: Plan, selected: Sequence[IndicatorPlan] | None = None, *, explain: bool = True) -> None:
        """:param explain: keep every indicator's explanation lines and rule-coverage records;
        ``False`` keeps status and points only (a ranking table needs no more), so that
        memory per unit stays small and the cost per unit flat for very many units."""
        self.plan = plan
        self.explain = explain
        self.compiled = CompiledSelection(plan, selected)
        self._not_applicable: dict[tuple[str, str, str, Any], IndicatorResult] = {}

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

    def fixture_values(
        self,
        unit: Unit,
        values: Mapping[str, Any],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...] = (),
    ) -> tuple[dict[str, Any], dict[str, Problem]]:
        """The computed fixtures of one unit (tables, fixture functions, builtins, optional
        fields), and ``(status, reason)`` of those without a value. The unit's own fields
        stay where they are: getters read them from ``values``, nothing is copied."""
        compiled = self.compiled
        env: dict[str, Any] = {**compiled.parameters, "unit": unit, "subunits": children}
        for name in compiled.optional:
            env[name] = values.get(name)
        problems: dict[str, Problem] = {}
        code = unit.code
        for name, rollup in compiled.tables:
            by_unit = tables.get(name)
            if by_unit is None:
                if name in compiled.optional_tables:  # context only: absent is None, never missing
                    env[name] = None
                    continue
                problems[name] = self.missing_table(name)
                continue
            rows = by_unit.get(code, ())
            if rollup:
                for child in children:
                    rows += by_unit.get(child.code, ())
            env[name] = rows
        for name, func, getter, arity, source, where, memo in compiled.functions:
            try:
                args = fetch(getter, arity, source, values, env)
            except KeyError as exc:
                problems[name] = self._absent(exc.args[0], problems, unit)
                continue
            if memo is not None and memo.on:  # as for indicators (_Memo); values of immutable types only
                key = id(args) if arity == 1 else tuple(map(id, args))
                memo.looked += 1
                found = memo.quiet.get(key)
                if found is not None:
                    env[name] = found[1]
                    continue
            else:
                key = None
            try:
                value = env[name] = func(args) if arity == 1 else func(*args)
                if key is not None and value.__class__ in IMMUTABLE:
                    memo.keep(memo.quiet, key, args, value)
            except MissingEvidence as exc:
                problems[name] = ("missing", exc.reason, (self._evidence_name(exc.key),))
            except NotApplicable as exc:
                problems[name] = ("not_applicable", exc.reason, ())
            except (Exception, SystemExit) as exc:  # sys.exit() in a pack is its error, not the end of the run
                problems[name] = ("error", _error_line(exc, where), ())
        return env, problems

    def missing_table(self, name: str) -> Problem:
        """The problem of a required monitoring table absent from the evidence (for every unit)."""
        return ("missing", lines[_MISSING_TABLE].format(name), (f"monitoring/{name}.csv",))

    def _absent(self, name: str, problems: Mapping[str, Problem], unit: Unit, file: str = "") -> Problem:
        """Why fixture ``name`` has no value: a failed fixture's own problem, else an absent field."""
        problem = problems.get(name)
        if problem is not None:
            return problem
        key = self.compiled.field_keys.get(name)
        if key is None:  # not a field: a fixture the engine was not asked to compute
            return ("error", f"fixture '{name}' has no value for {unit.code}", ())
        if translating:
            return ("missing", lines[_NOT_PROVIDED_IN].format(key, file or lines[_EVIDENCE_OF].format(unit.code)), (key,))
        return ("missing", f"evidence '{key}' was not provided in {file or 'the evidence of ' + unit.code}", (key,))

    def _evidence_name(self, name: str) -> str:
        """What a user calls the evidence behind fixture ``name``: a field key or a monitoring file."""
        if name in self.compiled.field_keys:
            return self.compiled.field_keys[name]
        if name in self.compiled.table_names:
            return f"monitoring/{name}.csv"
        return name

    def _problem(self, code: str, maximum: Decimal, status: str, reason: str, missing: tuple[str, ...] = ()) -> IndicatorResult:
        if status == "missing":
            return IndicatorResult(code, "missing", maximum if self.compiled.missing_max else ZERO, (reason,), (), missing)
        return IndicatorResult(code, status, ZERO, (reason,))

    def score(
        self,
        unit: Unit,
        values: Mapping[str, Any],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...] = (),
        file: str = "",
    ) -> UnitResult:
        env, problems = self.fixture_values(unit, values, tables, children)
        return self.score_resolved(unit, values, env, problems, tables, children, file)

    def score_resolved(
        self,
        unit: Unit,
        values: Mapping[str, Any],
        env: Mapping[str, Any],
        problems: Mapping[str, Problem],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: tuple[Unit, ...] = (),
        file: str = "",
    ) -> UnitResult:
        """Score one unit whose fixtures :meth:`fixture_values` has already resolved."""
        # Nobody reads the lines of an engine that does not explain: the rule objects skip them.
        quiet = None if self.explain else explaining.set(False)
        try:
            attributes = unit.attributes
            explain = self.explain
            results: list[IndicatorResult] = []
            append = results.append
            # tuple.__new__ skips the named tuple's Python-level __new__: one is made per indicator.
            new = tuple.__new__
            record = IndicatorResult
            lines_on = explaining.get()
            for ip, code, func, getter, arity, source, maximum, conditions, special, memo in self.compiled.steps:
                if conditions:
                    for attr, want in conditions:
                        have = attributes.get(attr)
                        if have != want:
                            append(self._not_in_variant(code, attr, want, have))
                            break
                    else:
                        conditions = ()
                    if conditions:
                        continue
                if special:
                    append(self.score_special(ip, values, env, problems, unit, file))
                    continue
                try:
                    if source == FIELDS:  # the common case, inline: one C-level call
                        args = getter(values) if arity else ()
                    else:
                        args = fetch(getter, arity, source, values, env)
                except KeyError as exc:
                    append(self._problem(code, maximum, *self._absent(exc.args[0], problems, unit, file)))
                    continue
                if memo is not None and memo.on:
                    # The same argument objects (a column's values are parsed once per distinct text,
                    # so equal evidence is one object) give the same result: see _Memo.
                    key = id(args) if arity == 1 else tuple(map(id, args))
                    table = memo.explained if lines_on else memo.quiet
                    memo.looked += 1
                    found = table.get(key)
                    if found is not None:
                        append(found[1])
                        continue
                else:
                    table = None
                try:
                    score = func(args) if arity == 1 else func(*args)
                    if score.__class__ is not Score:
                        raise TypeError(f"indicator '{code}' returned {type(score).__name__}, expected a Score")
                    points = score.points
                    if points.__class__ is not Decimal:  # an int or float would fail later, at presentation
                        raise TypeError(f"indicator '{code}' scored {points!r}, expected exact points (a Decimal)")
                    try:  # no cost unless it raises: a NaN does not compare
                        outside = points < ZERO or points > maximum
                    except ArithmeticError:
                        raise ValueError(not_a_number(code, points, maximum)) from None
                    if outside:
                        raise ValueError(f"indicator '{code}' scored {fmt(points)}, outside 0..{fmt(maximum)}")
                    result = new(
                        record,
                        (code, "scored", points, score.reasons, score.hits, ()) if explain else (code, "scored", points, (), (), ()),
                    )
                    append(result)
                    if table is not None:
                        memo.keep(table, key, args, result)
                except MissingEvidence as exc:
                    append(self._problem(code, maximum, "missing", exc.reason, (self._evidence_name(exc.key),)))
                except NotApplicable as exc:
                    append(IndicatorResult(code, "not_applicable", ZERO, (exc.reason,)))
                except (Exception, SystemExit) as exc:  # sys.exit() in a pack is its error, not the end of the run
                    append(IndicatorResult(code, "error", ZERO, (_error_line(exc, ip.node.where),)))
            veto_results = self._apply_vetoes(results, values, env, problems, unit, file) if self.compiled.veto_steps else ()
            return self._total(unit, results, veto_results)
        finally:
            if quiet is not None:
                explaining.reset(quiet)

    def _not_in_variant(self, code: str, attr: str, want: str, have: Any) -> IndicatorResult:
        """The result of an indicator of another variant: one immutable record per case, shared."""
        key = (code, attr, want, have)
        result = self._not_applicable.get(key)
        if result is None:
            reason = lines[_VARIANT].format(attr, want, have)
            result = self._not_applicable[key] = IndicatorResult(code, "not_applicable", ZERO, (reason,))
        return result

    def score_special(
        self,
        ip: IndicatorPlan,
        values: Mapping[str, Any],
        env: Mapping[str, Any],
        problems: Mapping[str, Problem],
        unit: Unit,
        file: str,
    ) -> IndicatorResult:
        """An indicator with alternatives or parameters bound by parametrize.

        Alternatives are decided in order, and each condition lazily: an identifier is
        looked up only when the ``and``/``or`` before it does not settle the condition,
        so a unit is asked only for the evidence its own branch reads (READING 14, 注3).
        """
        node = ip.node
        code = node.code
        fields = self.compiled.fields

        read: list[tuple[str, Any]] = []  # what a condition decided on, in the order it read it

        def fetch(name: str) -> Any:
            return values[name] if name in fields else env[name]

        def fetch_read(name: str) -> Any:  # a condition's reads, kept for its explanation
            value = fetch(name)
            read.append((name, value))
            return value

        names = list(ip.argnames)
        reasons: tuple[str, ...] = ()
        hits: tuple[Hit, ...] = ()
        try:
            for alt in ip.alternatives:
                read.clear()
                if not alt.holds(fetch_read):
                    continue
                label = f" ({alt.label})" if alt.label else ""
                because = self._condition_evidence(read, values, env)
                if alt.instead is None:
                    line = lines[_ALTERNATIVE_ZERO].format(label, self._evidence_name(alt.param), because)
                    hits += ((code, f"alternative {alt.branch}"),)
                    return IndicatorResult(code, "scored", ZERO, (line,), hits if self.explain else ())
                names[names.index(alt.param)] = alt.instead
                reasons += (lines[_ALTERNATIVE].format(label, self._evidence_name(alt.param), self._evidence_name(alt.instead), because),)
                hits += ((code, f"alternative {alt.branch}"),)
                break
            args = [fetch(name) for name in names]
        except KeyError as exc:
            return self._problem(code, node.max, *self._absent(exc.args[0], problems, unit, file))
        try:
            # Parametrized indicators take everything by keyword: the bound values may come first.
            score = ip.func(**dict(zip(ip.argnames, args)), **ip.bound) if ip.bound else ip.func(*args)
            if score.__class__ is not Score:
                raise TypeError(f"indicator '{code}' returned {type(score).__name__}, expected a Score")
            points = score.points
            if points.__class__ is not Decimal:
                raise TypeError(f"indicator '{code}' scored {points!r}, expected exact points (a Decimal)")
            try:
                outside = points < ZERO or points > node.max
            except ArithmeticError:
                raise ValueError(not_a_number(code, points, node.max)) from None
            if outside:
                raise ValueError(f"indicator '{code}' scored {fmt(points)}, outside 0..{fmt(node.max)}")
        except MissingEvidence as exc:
            return self._problem(code, node.max, "missing", exc.reason, (self._evidence_name(exc.key),))
        except NotApplicable as exc:
            return IndicatorResult(code, "not_applicable", ZERO, (exc.reason,))
        except (Exception, SystemExit) as exc:  # sys.exit() in a pack is its error, not the end of the run
            return IndicatorResult(code, "error", ZERO, (_error_line(exc, node.where),))
        return IndicatorResult(code, "scored", points, reasons + score.reasons, hits + score.hits)

    def _condition_evidence(self, read: Sequence[tuple[str, Any]], values: Mapping[str, Any], env: Mapping[str, Any]) -> str:
        """The evidence a condition read, by its keys and values: not the pack's Python expression
        over fixture names, which an assessor does not know. A computed fixture is shown as the
        fields it was made from (a monitoring table by its file), each evidence once."""
        shown: dict[str, str] = {}
        for name, value in read:
            behind = self.compiled.evidence_behind(name)  # nothing for a field or a table: shown as it is
            if not behind:
                shown.setdefault(self._evidence_name(name), f"{self._evidence_name(name)} = {shown_value(value)}")
            for leaf in behind:
                key = self._evidence_name(leaf)
                shown.setdefault(
                    key,
                    key
                    if leaf in self.compiled.table_names
                    else f"{key} = {shown_value(values[leaf] if leaf in values else env.get(leaf))}",
                )
        return gettext(", ").join(shown.values())

    def _apply_vetoes(
        self,
        results: list[IndicatorResult],
        values: Mapping[str, Any],
        env: Mapping[str, Any],
        problems: Mapping[str, Problem],
        unit: Unit,
        file: str,
    ) -> tuple[VetoResult, ...]:
        """Decide every veto and carry its verdict to its targets (READING 14).

        * applied: each target scores 0 with status ``scored``, whatever its own evidence
          (a row that 注1 zeroes needs no grade); its own lines stay visible when it had any;
        * not applied: targets keep what they scored;
        * unknown (the veto's own evidence is missing, or the veto failed): each target is
          ``missing`` (or ``error``) with 0 points, the reason naming the veto's problem.

        Targets that do not apply to the unit (another variant) or that failed stay as
        they are: an error is a defect of the pack and must stay visible.
        """
        out: list[VetoResult] = []
        for veto, positions, getter, arity, source in self.compiled.veto_steps:
            try:
                fetched = fetch(getter, arity, source, values, env)
                args = (fetched,) if arity == 1 else fetched
                reason = veto.func(*args)
                if reason is not None and not isinstance(reason, str):  # `return leak` gave "vetoed by …: True → 0"
                    raise TypeError(f"veto '{veto.code}' returned {reason!r} (a {type(reason).__name__}), expected a reason (text) or None")
            except KeyError as exc:
                status, why, missing = self._absent(exc.args[0], problems, unit, file)
                out.append(VetoResult(veto.code, veto.title, "error" if status == "error" else "missing", why, missing))
            except MissingEvidence as exc:
                out.append(VetoResult(veto.code, veto.title, "missing", exc.reason, (self._evidence_name(exc.key),)))
            except (Exception, SystemExit) as exc:  # sys.exit() in a pack is its error, not the end of the run
                out.append(VetoResult(veto.code, veto.title, "error", _error_line(exc, veto.where)))
            else:
                if not reason:
                    out.append(VetoResult(veto.code, veto.title, "not_applied"))
                    continue
                reason = gettext(str(reason))  # a pack's words, in its catalogue
                out.append(VetoResult(veto.code, veto.title, "applied", reason))
                line = lines[_VETOED].format(veto.code, veto.title, reason)
                for i in positions:
                    old = results[i]
                    if old.status in ("error", "not_applicable"):
                        continue
                    kept = old.reasons if old.status == "scored" else ()
                    results[i] = IndicatorResult(old.code, "scored", ZERO, (*kept, line), (*old.hits, (veto.code, "applied")))
                continue
            verdict = out[-1]
            line = lines[_UNDECIDED].format(veto.code, veto.title, verdict.reason)
            for i in positions:
                old = results[i]
                if old.status in ("error", "not_applicable"):
                    continue
                if verdict.status == "error":
                    results[i] = IndicatorResult(old.code, "error", ZERO, (line,))
                else:
                    results[i] = self._problem(old.code, self.compiled.selected[i].node.max, "missing", line, verdict.missing)
        return tuple(out)

    def _total(self, unit: Unit, results: list[IndicatorResult], vetoes: tuple[VetoResult, ...]) -> UnitResult:
        compiled = self.compiled
        raw = [ZERO] * len(compiled.sections)
        sections = []
        total = ZERO
        # Sums and products never round: a raw score is the exact sum of its indicators' points,
        # the total the exact sum of the section points. Only a quotient that does not terminate
        # (weight ÷ raw max such as 70/30) is carried at the context's 28 significant digits.
        # The exact context's methods are called directly: a localcontext per unit costs more.
        add, multiply = EXACT_SUMS.add, EXACT_SUMS.multiply
        new = tuple.__new__  # the named tuples' own __new__ is a Python function: two calls per unit
        for position, section_index in compiled.counted:
            raw[section_index] = add(raw[section_index], results[position][2])  # .points
        divide = SCORING.divide  # not the caller's context: a quotient is carried at 28 digits whatever it is
        for (section, factor), value in zip(compiled.factors, raw):
            value = settle(value)  # a sum of 28-digit quotients: its true value where that terminates
            capped = value > section.raw_max or value < ZERO
            kept = min(max(value, ZERO), section.raw_max)
            # An exact product of the settled raw score is left as it is; a quotient that does not
            # terminate (weight ÷ raw max such as 70/30) is settled as the raw score is.
            points = multiply(kept, factor) if factor is not None else settle(divide(multiply(kept, section.weight), section.raw_max))
            total = add(total, points)
            sections.append(new(SectionResult, (section.name, section.title, section.weight, kept, section.raw_max, points, capped)))
        return new(UnitResult, (unit, total, tuple(sections), tuple(results), vetoes))


def rank(results: Iterable[UnitResult], *, in_code_order: bool = False) -> tuple[tuple[UnitResult, ...], tuple[int, ...]]:
    """Order by exact total (then code) and give equal totals the same rank (1, 2, 2, 4).

    ``in_code_order``: the results come in code order already (a roster's order), so a stable
    sort by total alone keeps equal totals in code order, without a code key per unit.
    """
    if in_code_order:  # a stable sort, reversed, keeps equal totals in their order
        ordered = sorted(results, key=_TOTAL, reverse=True)
    else:
        # copy_negate, not -: a unary minus rounds to the context's 28 digits, and a total of
        # 30 (61.9999999999999999999999999997) would sort as 62.
        ordered = sorted(results, key=lambda r: (r.total.copy_negate(), natural_key(r.unit.code)))
    # A total equal to the one before shares its rank: the comparisons and the ranks in C-level
    # passes (100,000 units: 0.17 → 0.06 s).
    totals = list(map(_TOTAL, ordered))
    tied = map(operator.eq, totals, itertools.chain((None,), totals))
    starts = [0 if tie else position for position, tie in enumerate(tied, 1)]
    return tuple(ordered), tuple(itertools.accumulate(starts, max))


_TOTAL = operator.attrgetter("total")
