"""The improvement plan of one unit: actions ranked by the points they gain.

For every indicator that lost points, the rule objects that scored it (found by the
``hits`` of its result) propose levers in their own terms (:meth:`Ladder.levers`: the
better tiers and their bounds; :meth:`Deduction.levers`: each item's weight; ...).
The plan turns them into evidence changes of the fields and monitoring rows the
indicator depends on (its fixture closure), searching near the current value for the
smallest change that reaches each better result, and then **verifies every action by
re-scoring the unit through the same code path as** ``escore whatif``: an action's
``gain`` is the change of the unit's total, after section weights, caps and vetoes,
and ``whatif`` with its options gains exactly that.

Each action is verified alone, from the current evidence: gains of two actions do not
necessarily add up (a section cap, a shared field).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ._collect import IndicatorPlan, Plan, closure, natural_key
from ._cycle import SCHEMA_VERSION, Changes
from ._errors import InputError
from ._evidence_set import EvidenceSet
from ._i18n import N_
from ._i18n import gettext as _
from ._model import Unit
from ._results import IndicatorResult
from ._run import Engine, shown_value
from ._score import EXACT_SUMS, ZERO, Grade, Graded, Lever, Proportional, fmt, in_scoring_context, measured

_CENT = Decimal("0.01")
#: An indicator whose single fields gain nothing has its fields tried two at a time when it reads
#: at most this many (pairs grow as the square), each with at most this many values.
_PAIRED_FIELDS_AT_MOST = 4
_PAIRED_VALUES_AT_MOST = 12
#: A deduction past its floor, where no one row gains, has its rows tried together when its table
#: holds at most this many rows of the unit (each is scored once alone, then cumulatively).
_PAST_FLOOR_ROWS_AT_MOST = 400
PLAN_NOTE = N_("each action is scored alone from the current evidence; gains of several actions need not add up")


def toml_text(value: Any) -> str:
    """The TOML literal ``--set FIELD=VALUE`` reads back as ``value``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return fmt(Decimal(value))
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Grade):
        return f"{{ points = {fmt(value.points)}, reason = {json.dumps(value.reason, ensure_ascii=False)} }}"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _show(value: Any) -> str:
    """A field's value in an action's text: as an explanation shows it (是/否 as the workbook
    writes a yes/no, not TOML's true/false; --set keeps TOML), text and lists as TOML."""
    if value is None or isinstance(value, (bool, Grade)):
        return shown_value(value)
    return toml_text(value)


def _lever_text(levers: Sequence[Lever], value: Any, gain: Decimal) -> str:
    """The text of the lever an action pulls: the one whose bound is the value proposed and whose
    gain is the gain reached; else the gain alone (a field a share is computed from: a count of
    70 is not the 70% bound); else the bound alone (a per-item lever's gain is one item's)."""

    def at_bound(lever: Lever) -> bool:
        return bool(lever.target == value or (isinstance(value, Grade) and lever.target == value.points))

    for fits in (lambda lv: at_bound(lv) and lv.gain == gain, lambda lv: lv.gain == gain, at_bound):
        found = next((lv.text for lv in levers if fits(lv)), None)
        if found is not None:
            return found
    return ""


def _signed(shown: str) -> str:
    """A gain as text with its plus sign: ``+0.05``, ``≈+0.21``."""
    return "≈+" + shown[1:] if shown.startswith("≈") else "+" + shown


class _Planner:
    def __init__(
        self,
        plan: Plan,
        selected: Sequence[IndicatorPlan],
        unit: Unit,
        children: tuple[Unit, ...],
        data: EvidenceSet,
        engines: dict[tuple[str, ...], Engine] | None = None,
    ) -> None:
        self.plan = plan
        self.unit = unit
        self.children = children
        self.data = data
        self.code = unit.code
        self.values = data.values.get(unit.code, {})
        self.file = data.files.get(unit.code, "")
        # An engine scores any unit (its compiled selection is the unit-independent part, and
        # its memos key results by their arguments' identity): one per selection serves every
        # indicator's search and every unit of a plan of many (compiling one per search was a
        # third of a plan's time).
        self.engines: dict[tuple[str, ...], Engine] = {} if engines is None else engines
        self.engine = self.engine_of(selected)
        self.base = self.engine.score(unit, self.values, data.tables, children, self.file)
        self.rules: dict[str, list[Any]] = {}
        for _name, rule in plan.rule_objects:
            self.rules.setdefault(rule.name, []).append(rule)
        self.fields = {d.name: d.field for d in plan.fixtures.values() if d.kind == "field" and d.field is not None}
        self.read = {f.key for f in plan.fields}
        self.veto_of: dict[str, str] = {}
        self.tables = {d.name: d.table for d in plan.fixtures.values() if d.kind == "table" and d.table is not None}
        by_key = {spec.key: name for name, spec in self.fields.items()}
        self.wholes = {by_key[spec.at_most] for spec in self.fields.values() if spec.at_most in by_key}
        self.base_points = {i.code: i.points for i in self.base.indicators}  # for every action's "also …"

    # ------------------------------------------------------------------ scoring

    def engine_of(self, selection: Sequence[IndicatorPlan]) -> Engine:
        """The engine of ``selection``, kept by its indicators' codes (a search scores one
        indicator alone, for many values of its evidence)."""
        key = tuple(ip.node.code for ip in selection)
        engine = self.engines.get(key)
        if engine is None:
            engine = self.engines[key] = Engine(self.plan, selection)
        return engine

    def verified(self, changes: Changes) -> tuple[Decimal, Any]:
        """Total gain of ``changes`` and the unit's result, scored exactly as ``whatif`` scores them."""
        data = changes.apply(self.plan, self.data, self.code, [c.code for c in self.children])
        result = self.engine.score(self.unit, data.values.get(self.code, {}), data.tables, self.children, self.file)
        return EXACT_SUMS.subtract(result.total, self.base.total), result  # exact, as totals are

    # ------------------------------------------------------------------ levers

    def levers(self, item: IndicatorResult) -> list[Lever]:
        out: list[Lever] = []
        for rule_name, branch in item.hits:
            for rule in self.rules.get(rule_name, ()):
                propose = getattr(rule, "levers", None)
                if propose is not None and branch in rule.branches:
                    out.extend(propose(branch))
        return out

    def candidates(self, name: str, current: Any, levers: Sequence[Lever], siblings: Iterable[Any] = ()) -> list[Any]:
        """Values of field ``name`` worth trying: the rule levers' targets, the range ends, neighbours."""
        spec = self.fields[name]
        kind = spec.type
        out: list[Any] = []
        if kind == "bool":
            out = [not current] if current is not None else [True, False]
        elif kind == "enum":
            out = [c for c in spec.choices if c != current]
        elif kind == "graded":
            tops = [spec.max] + [lv.target for lv in levers if isinstance(lv.target, Decimal)]
            out = [Grade(t, _("awarded in full by the assessor")) for t in tops if t is not None]
        elif kind in ("int", "decimal"):
            step = Decimal(1) if kind == "int" else _CENT
            numbers: set[Decimal] = set()
            for lever in levers:
                if isinstance(lever.target, (int, Decimal)) and not isinstance(lever.target, bool):
                    bound = Decimal(lever.target)
                    numbers.update((bound, bound + step, bound - step) if lever.strict else (bound,))
            numbers.update(b for b in (spec.min, spec.max) if b is not None)
            # The other numbers the indicator reads: a part reaching its whole (Proportional).
            others = [Decimal(v) for v in siblings if isinstance(v, (int, Decimal)) and not isinstance(v, bool)]
            numbers.update(others)
            # A ladder's bound on a share (≥ 80%): the part that reaches it of each other number
            # (a whole), rounded up to a step (48 of 80 items is 60%; 64 reaches the 80% tier the
            # plan had left out).
            for lever in levers:
                if isinstance(lever.target, (int, Decimal)) and not isinstance(lever.target, bool):
                    for whole in others:
                        if whole > 0:
                            share = Decimal(lever.target) * whole / 100
                            numbers.add((share / step).to_integral_value(rounding=ROUND_CEILING) * step)
            if current is not None:
                cur = Decimal(current)
                numbers.update((cur + step, cur - step, cur * 2 + 10, Decimal(0)))
            else:
                numbers.update((Decimal(1), Decimal(100)))
            for number in sorted(numbers):
                if kind == "int" and number != number.to_integral_value():
                    continue
                if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
                    continue
                if current is not None and number == Decimal(current):
                    continue
                out.append(int(number) if kind == "int" else number)
        elif kind == "date":
            year = self.plan.ruleset.year
            dates = {_dt.date(year, 1, 1), _dt.date(year, 12, 31)}
            if current is not None:
                dates.update(current + _dt.timedelta(days=d) for d in (-365, -90, -30, -7, -1, 1, 7, 30, 90, 365))
                dates.discard(current)
            out = sorted(dates)
        elif kind == "list[str]":
            # One item more: each choice not listed yet, or (a free list, such as the platforms a
            # city built) a new item by a name the unit would give it. The type is "list[str]":
            # testing for "list" had left every list without an action.
            items = tuple(current or ())
            if spec.choices:
                out = [(*items, choice) for choice in spec.choices if choice not in items]
            else:
                out = [(*items, _("new item {0}").format(len(items) + 1))]
            if current is None:
                out.insert(0, ())
        elif kind == "str" and current is None:
            out = ["provided"]
        return out

    # ------------------------------------------------------------------ the search

    def points_with(self, engine: Engine, values: Mapping[str, Any], tables: Mapping[str, Any]) -> Decimal | None:
        result = engine.score(self.unit, values, tables, self.children, self.file)
        item = result.indicators[0]
        return item.points if item.status == "scored" else None

    def refine(self, engine: Engine, name: str, current: Any, target: Any, points: Decimal) -> Any:
        """The value nearest ``current`` on the way to ``target`` that still scores ``points``."""
        kind = self.fields[name].type
        if current is None or kind not in ("int", "decimal", "date"):
            return target
        if kind == "date":
            lo, hi = 0, (target - current).days
            to_value: Any = lambda k: current + _dt.timedelta(days=k)  # noqa: E731
        else:
            step = Decimal(1) if kind == "int" else _CENT
            lo, hi = 0, int((Decimal(target) - Decimal(current)) / step)
            to_value = lambda k: int(Decimal(current) + k * step) if kind == "int" else Decimal(current) + k * step  # noqa: E731
        sign = 1 if hi > 0 else -1
        lo, hi = 0, abs(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            value = to_value(sign * mid)
            if self.points_with(engine, {**self.values, name: value}, self.data.tables) == points:
                hi = mid
            else:
                lo = mid
        return to_value(sign * hi)

    def field_actions(self, ip: IndicatorPlan, item: IndicatorResult, names: Iterable[str]) -> list[dict[str, Any]]:
        engine = self.engine_of([ip])
        levers = self.levers(item)
        # A share rises by raising its part: shrinking the whole is not an improvement to propose.
        rules = [rule for rule_name, _ in item.hits for rule in self.rules.get(rule_name, ())]
        increase_only = bool(rules) and all(isinstance(rule, Proportional) for rule in rules)
        actions = []
        names = sorted(names)
        for name in names:
            if name not in self.fields or self.fields[name].key not in self.read or not self.fields[name].actionable:
                continue
            current = self.values.get(name)
            # The whole of a share (items required, records provided): a rate rises by its part;
            # asking for less, or handing in less, is not an improvement to propose.
            whole = name in self.wholes
            best: dict[Decimal, Any] = {}  # indicator points → nearest value
            siblings = [self.values.get(other) for other in names if other != name and other in self.fields]
            for value in self.candidates(name, current, levers, siblings):
                if (increase_only or whole) and current is not None and _distance(value, current) and value < current:
                    continue
                got = self.points_with(engine, {**self.values, name: value}, self.data.tables)
                if got is None or got <= item.points:
                    continue
                if got not in best or _distance(value, current) < _distance(best[got], current):
                    best[got] = value
            if not best:
                continue
            levels = sorted(best)
            # The nearest and the best result, and every tier between (a ladder of four tiers
            # had its middle one left out).
            tier_gains = {lv.gain for lv in levers}
            for points in sorted({levels[0], levels[-1], *(p for p in levels if p - item.points in tier_gains)}):
                value = self.refine(engine, name, current, best[points], points)
                key = self.fields[name].key
                lever = _lever_text(levers, value, points - item.points)
                if name in self.veto_of and name not in ip.fixtures:
                    lever = self.veto_of[name]
                if not lever and levers:
                    lever = levers[0].text
                if self.fields[name].type == "graded" and ip.node.source is not None:
                    lever += _("; criteria: 「{0}」").format(ip.node.source.text)
                what = f"{key} {_show(current)} → {_show(value)}"
                actions += self.action(ip, item, Changes(((key, toml_text(value)),)), _("{0}: {1}").format(what, lever) if lever else what)
        if not actions:
            actions = self.pair_actions(ip, item, engine, levers, names)
        return actions

    def pair_actions(
        self, ip: IndicatorPlan, item: IndicatorResult, engine: Engine, levers: Sequence[Lever], names: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Two fields changed together, for an indicator no single field improves: a rule that
        asks for both (a plan issued *and* work started) gains nothing from either alone. The
        best result of each pair, from values nearest the current ones; a few fields only (an
        indicator reading more is searched field by field alone)."""
        # The indicator's own fields: a veto's field lifts the veto alone (its own action), and
        # paired with a field it zeroes it would add two actions' gains into one.
        usable = [
            n for n in names if n in self.fields and self.fields[n].key in self.read and self.fields[n].actionable and n not in self.veto_of
        ]
        if not 2 <= len(usable) <= _PAIRED_FIELDS_AT_MOST:
            return []
        actions = []
        for first, second in itertools.combinations(usable, 2):
            now = (self.values.get(first), self.values.get(second))
            options = [self.candidates(name, current, levers)[:_PAIRED_VALUES_AT_MOST] for name, current in zip((first, second), now)]
            best: tuple[Decimal, Any, Any] | None = None
            for one in options[0]:
                for other in options[1]:
                    got = self.points_with(engine, {**self.values, first: one, second: other}, self.data.tables)
                    if got is None or got <= item.points or (best is not None and got <= best[0]):
                        continue
                    best = (got, one, other)
            if best is None:
                continue
            points, one, other = best
            gain = points - item.points
            lever = next((lv.text for lv in levers if lv.gain == gain), levers[0].text if levers else "")
            keys = (self.fields[first].key, self.fields[second].key)
            what = _("{0} and {1} together").format(
                f"{keys[0]} {_show(now[0])} → {_show(one)}", f"{keys[1]} {_show(now[1])} → {_show(other)}"
            )
            changes = Changes(((keys[0], toml_text(one)), (keys[1], toml_text(other))))
            actions += self.action(ip, item, changes, _("{0}: {1}").format(what, lever) if lever else what)
        return actions

    def missing_action(self, ip: IndicatorPlan, item: IndicatorResult, names: Iterable[str]) -> list[dict[str, Any]]:
        """Provide every missing field of the indicator; values found by one pass of coordinate search."""
        named = getattr(item, "missing", ())  # the evidence the engine says decided it
        if named:
            by_key = {spec.key: name for name, spec in self.fields.items()}
            if any(key not in by_key for key in named):
                return []  # a monitoring table is missing: no value to propose
            names = {*names, *(by_key[key] for key in named)}  # it names the first; the others are in the closure
        missing = sorted(
            n
            for n in names
            if n in self.fields and n not in self.values and not self.fields[n].optional and self.fields[n].key in self.read
        )
        if not missing or not all(self.fields[n].actionable for n in missing):
            # A fact of the assessment's own (the monitoring date) is not the unit's to choose: a
            # value made up for it decided which letters fell in its window, and so the gain.
            return []
        engine = self.engine_of([ip])
        levers = self.levers(item)
        chosen = {}
        for name in missing:
            options = self.candidates(name, None, levers)
            if not options:
                return []
            chosen[name] = options[-1] if self.fields[name].type in ("int", "decimal") else options[0]
        for name in missing:
            best_points, best_value = self.points_with(engine, {**self.values, **chosen}, self.data.tables), chosen[name]
            for value in self.candidates(name, None, levers):
                got = self.points_with(engine, {**self.values, **chosen, name: value}, self.data.tables)
                if got is not None and (best_points is None or got > best_points):
                    best_points, best_value = got, value
            chosen[name] = best_value
        keys = [self.fields[n].key for n in missing]
        changes = Changes(tuple((self.fields[n].key, toml_text(chosen[n])) for n in missing))
        node = self.plan.nodes[ip.node.code]
        text = _("provide {0}: up to {1} points").format(", ".join(keys), fmt(node.max))
        return self.action(ip, item, changes, text)

    def row_actions(self, ip: IndicatorPlan, item: IndicatorResult, names: Iterable[str]) -> list[dict[str, Any]]:
        rules = [rule for rule_name, _ in item.hits for rule in self.rules.get(rule_name, ())]
        if rules and all(isinstance(rule, Graded) for rule in rules):
            # Rows of the assessor's grades (a month's score): dropping the worst raises an
            # average, which is not an improvement of the unit's work.
            return []
        engine = self.engine_of([ip])
        owners = (self.code, *(c.code for c in self.children))
        levers = self.levers(item)
        actions = []
        for name in sorted(n for n in names if n in self.tables):
            by_unit = self.data.tables.get(name, {})
            gains: dict[Decimal, list[int]] = {}
            for owner in owners:
                rows = by_unit.get(owner, ())
                for row in rows:
                    trial = {**by_unit, owner: tuple(r for r in rows if r is not row)}
                    got = self.points_with(engine, self.values, {**self.data.tables, name: trial})
                    if got is not None and got > item.points:
                        gains.setdefault(got - item.points, []).append(row.line)
            if not gains and any(branch == "floor" for _rule, branch in item.hits):
                # Deductions past the floor: no one row gains, some rows together do (22 rooms
                # missing at 0.05 for 1 point: removing three gains 0.05); the indicator had
                # left the plan without a word.
                together = self.rows_past_floor(item, engine, name, owners)
                if together:
                    shown = ", ".join(map(str, together))
                    text = _("remove {0} lines {1} (or correct them): the deductions are past the floor, so no one row gains").format(
                        name, shown
                    )
                    actions += self.action(ip, item, Changes(remove_rows=tuple((name, line) for line in together)), text)
            for gain, lines in sorted(gains.items(), reverse=True):
                lever = next((lv.text for lv in levers if lv.gain == gain), levers[0].text if levers else "")
                others = _("; the same for line(s) {0}").format(", ".join(map(str, lines[1:]))) if len(lines) > 1 else ""
                text = (
                    _("remove {0} line {1} (or correct it): {2}").format(name, lines[0], lever)
                    if lever
                    else _("remove {0} line {1}").format(name, lines[0])
                ) + others
                actions += self.action(ip, item, Changes(remove_rows=((name, lines[0]),)), text)
        return actions

    def rows_past_floor(self, item: IndicatorResult, engine: Engine, name: str, owners: Sequence[str]) -> list[int]:
        """The lines of the fewest rows of table ``name`` whose removal together raises
        ``item``'s points, when no one row does (its deductions are past their floor); ``[]``
        when none do.

        Candidates are the rows whose removal alone moves no indicator of the unit (a row that
        counts for another indicator would move that one); they are removed in line order until
        the points rise, then each is put back whose removal was not needed."""
        by_unit = self.data.tables.get(name, {})
        # The rows read once: a table kept as columns makes its row objects anew at each read.
        of_owner = {owner: tuple(by_unit.get(owner, ())) for owner in owners}
        rows = sorted((row for kept in of_owner.values() for row in kept), key=lambda row: row.line)
        if len(rows) > _PAST_FLOOR_ROWS_AT_MOST:
            return []

        def without(removed: Sequence[Any]) -> dict[str, Any]:
            gone = set(map(id, removed))
            trial = {**by_unit, **{owner: tuple(r for r in kept if id(r) not in gone) for owner, kept in of_owner.items()}}
            return {**self.data.tables, name: trial}

        def gains(removed: Sequence[Any]) -> bool:
            got = self.points_with(engine, self.values, without(removed))
            return got is not None and got > item.points

        base = {i.code: (i.points, i.status) for i in self.base.indicators}
        quiet = []
        for row in rows:
            result = self.engine.score(self.unit, self.values, without([row]), self.children, self.file)
            if all((i.points, i.status) == base.get(i.code) for i in result.indicators if i.code != item.code):
                quiet.append(row)
        removed: list[Any] = []
        for row in quiet:
            removed.append(row)
            if gains(removed):
                break
        else:
            return []
        for row in removed[:-1]:  # the last one made the difference; an earlier one may not be needed
            trial = [r for r in removed if r is not row]
            if gains(trial):
                removed = trial
        return sorted(row.line for row in removed)

    def action(self, ip: IndicatorPlan, item: IndicatorResult, changes: Changes, text: str) -> list[dict[str, Any]]:
        """The action of ``changes``, verified; none when the changed evidence is impossible (a
        row removed that another table's row refers to, a part above its whole): whatif would
        refuse it, so a plan does not propose it."""
        try:
            gain, result = self.verified(changes)
        except InputError:
            return []
        after = next(i for i in result.indicators if i.code == ip.node.code)
        node = ip.node
        # Every other indicator the change moves (a row feeding two indicators, a veto lifted
        # from a block), gained or lost: the gain is the total's, the text says where it comes from.
        before = self.base_points
        moved = [
            _("{0} {1} → {2}").format(i.code, measured(before[i.code], (ZERO,)), measured(i.points, (ZERO,)))
            for i in result.indicators
            if i.code != node.code and i.code in before and i.points != before[i.code]
        ]
        if moved:
            text += _("; also {0}").format(_(", ").join(moved))
        return [
            {
                "indicator": node.code,
                "title": node.title,
                "gain": fmt(gain),
                "set": [{"field": k, "value": v} for k, v in changes.sets],
                "remove_row": [f"{t}:{n}" for t, n in changes.remove_rows],
                "args": changes.args(),
                "points_before": fmt(item.points),
                "points_after": fmt(after.points),
                "max": fmt(node.max),
                # Text for people: a share's 28 digits rounded (the exact values are the keys above).
                "explanation": _("{0}; {1} {2} → {3} of {4}, total {5}").format(
                    text,
                    node.code,
                    measured(item.points, (ZERO, node.max)),
                    measured(after.points, (ZERO, node.max)),
                    fmt(node.max),
                    _signed(measured(gain, (ZERO,))),
                ),
                "_gain": gain,
                "_key": changes.describe(),
            }
        ]

    def run(self) -> dict[str, Any]:
        plan = self.plan
        by_code = {ip.node.code: ip for ip in self.engine.compiled.selected}
        applied = {v.code for v in self.base.vetoes if v.status == "applied"}
        vetoes = {v.code: v for v in plan.vetoes}
        actions: list[dict[str, Any]] = []
        for item in self.base.indicators:
            node = plan.nodes[item.code]
            if item.status in ("not_applicable", "error") or item.points >= node.max:
                continue
            ip = by_code[item.code]
            names = set(ip.fixtures) | set(ip.argnames)
            self.veto_of = {}
            for code in sorted(applied):
                if item.code in vetoes[code].leaves:
                    reach = closure(vetoes[code].argnames, plan.fixtures)
                    names |= reach
                    self.veto_of.update(dict.fromkeys(reach, _("lifts veto {0} {1}").format(code, vetoes[code].title)))
            if item.status == "missing":
                actions += self.missing_action(ip, item, names)
                continue
            actions += self.field_actions(ip, item, names)
            actions += self.row_actions(ip, item, names)
        kept: dict[str, dict[str, Any]] = {}
        for action in sorted(actions, key=lambda a: (a["_gain"].copy_negate(), natural_key(a["indicator"]), a["_key"])):
            if action["_gain"] > 0 and action["_key"] not in kept:
                kept[action["_key"]] = action
        ordered = [{k: v for k, v in a.items() if not k.startswith("_")} for a in kept.values()]
        return {
            "schema_version": SCHEMA_VERSION,
            "unit": self.code,
            "name": self.unit.name,
            "ruleset": plan.ruleset.name,
            "category": plan.category.key,
            "total": fmt(self.base.total),
            "note": _(PLAN_NOTE),
            "actions": ordered,
        }


def _distance(value: Any, current: Any) -> Any:
    if current is None:
        return 0
    if isinstance(value, _dt.date):
        return abs((value - current).days)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return abs(Decimal(value) - Decimal(current))
    return 0


@in_scoring_context
def improvement_plan(
    plan: Plan,
    selected: Sequence[IndicatorPlan],
    unit: Unit,
    children: tuple[Unit, ...],
    data: EvidenceSet,
    engines: dict[tuple[str, ...], Engine] | None = None,
) -> dict[str, Any]:
    """The actions that would gain ``unit`` points, best first, each verified by re-scoring
    (``engines``: kept between the plans of several units of one plan and selection)."""
    return _Planner(plan, selected, unit, children, data, engines).run()


#: Units per part of :func:`improvement_plans` shared out to processes: a plan re-scores its unit
#: some 20-60 times (tens of milliseconds), so a part is worth a fork from a few units on.
PLANS_PER_PART = 16


def improvement_plans(
    plan: Plan,
    selected: Sequence[IndicatorPlan],
    units: Sequence[Unit],
    children: Mapping[str, tuple[Unit, ...]],
    data: EvidenceSet | Callable[[Sequence[str]], EvidenceSet],
    *,
    jobs: int = 1,
    order: Sequence[int] | None = None,
) -> Iterator[dict[str, Any]]:
    """The improvement plan of each of ``units``, in their order, as :func:`improvement_plan`
    makes it for the unit alone.

    Each unit is planned on its own part of the evidence (:meth:`EvidenceSet.part`: its values,
    its and its sub-units' rows), which is what a run of that unit alone reads: a change is then
    applied to one unit's evidence, not copied into the whole set's. Parts of
    :data:`PLANS_PER_PART` units are planned in up to ``jobs`` forked processes and come back in
    order, so the output does not depend on how the work was shared.

    ``data`` is the evidence set, or ``data(codes)``, the set of at least the units ``codes``
    and their sub-units, made in the process that plans them (a part of evidence still in the
    cache: escore._stream.LazyUnits.evidence_part). ``order``: the positions of ``units`` in the
    order they are planned, the evidence's (default: theirs); the plans then wait in a spool
    file and are read back in the units' order, one at a time, so that no process holds the
    whole evidence set or every plan.
    """
    from ._parallel import ordered_map

    engines: dict[tuple[str, ...], Engine] = {}
    positions = list(range(len(units))) if order is None else list(order)

    @in_scoring_context  # a part at a time: a generator's caller may hold a context of its own between parts
    def plans_of(part: Sequence[int]) -> list[dict[str, Any]]:
        chosen = [units[p] for p in part]
        found = data([u.code for u in chosen]) if callable(data) else data
        return [
            improvement_plan(plan, selected, unit, children.get(unit.code, ()), found.part([unit.code], children), engines)
            for unit in chosen
        ]

    parts = [positions[start : start + PLANS_PER_PART] for start in range(0, len(positions), PLANS_PER_PART)]
    planned = ordered_map(plans_of, parts, jobs if len(parts) > 1 else 1)
    if order is None:
        for found in planned:
            yield from found
        return
    yield from _in_order_of_units(planned, parts, len(units))


def _in_order_of_units(planned: Iterator[list[dict[str, Any]]], parts: Sequence[Sequence[int]], count: int) -> Iterator[dict[str, Any]]:
    """The plans of ``parts`` (positions), as they come, spooled and read back by position."""
    import pickle
    import tempfile

    from ._spool import Located, spool_error

    located = Located(count)
    with tempfile.TemporaryFile() as spool:
        try:
            for part, found in zip(parts, planned):
                pieces = [pickle.dumps(one, pickle.HIGHEST_PROTOCOL) for one in found]
                located.add(0, part, list(map(len, pieces)), spool.tell())
                spool.writelines(pieces)
            spool.flush()
        except OSError as exc:
            raise spool_error(exc) from None
        for position in range(count):
            _, offset, size = located.at(position)
            try:
                spool.seek(offset)
                data = spool.read(size)
            except OSError as exc:
                raise spool_error(exc) from None
            yield pickle.loads(data)
