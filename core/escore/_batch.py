"""The first pass over many units, column by column: each rule once per distinct evidence.

A ranking table or a CSV line needs a unit's total, its section points and the counts of
its results by status (:class:`escore._stream.Summary`). The scalar engine
(:class:`escore._run.Engine`) works unit by unit: per unit and indicator it fetches the
arguments, looks up its kept results, builds a result record, and then sums sections.
Here the same functions are called indicator by indicator over a column of units:

* every fixture and indicator is called once per distinct set of arguments: the same
  objects (the loaders parse each distinct text of a column once, so equal evidence is one
  object), or equal values of types where equal means the same value (equal tuples of
  items that a fixture built for each unit; never ``1.0`` and ``1.00``, nor ``1`` and
  ``True``); a function whose arguments are mostly distinct is called once per unit, in
  one list comprehension;
* an indicator that only applies one rule object to its arguments (``return RULE.score(a, b)``,
  most indicators of the 2017 packs) gets a column of points from the rule's column form
  (:mod:`escore._ruleform`), which gives exactly ``score``'s points: no call, rule call and
  :class:`~escore.Score` per unit; a row that form leaves open is the function's;
* a fixture runs only on the units where a result reads it (its readers' variants; a veto's,
  everywhere): one that no result reads for a unit changes nothing;
* only points are kept, no result record; sections and totals are summed column-wise, with
  exactly the additions, in exactly the order, the scalar engine makes per unit.

It is the same pure functions on the same arguments (the contract of a pack), so a unit's
summary is the scalar engine's. Evidence that is simply absent (a field, a monitoring table)
is settled here too, as the engine settles it: the result that reads it, or that reads a
fixture left without a value for lack of it, is missing that evidence (the first it lacks,
arguments in order), and so are the targets of a veto undecided for lack of it (READING 14);
an applied veto zeroes its targets, as the engine does. Whatever else is out of the ordinary
goes to the scalar engine, which words it: a fixture or indicator that raises (missing, not
applicable, an error), points outside 0..max, a veto that raises. Such a unit's row is set
aside and the unit scored by :meth:`Engine.score`, as the first pass always did. A run under
``--timeout`` stays on the scalar engine: the watchdog interrupts a unit's indicator by the
engine's frames.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any

from ._colform import ColumnForm, TableColumns, usable_form
from ._fieldvalues import FieldValues
from ._model import Unit
from ._results import STATUSES, IndicatorResult, summary_missing
from ._ruleform import COLUMN_RULES, applied_rule
from ._run import Engine
from ._score import EXACT_SUMS, SCORING, ZERO, Score, settle_column
from ._selection import IMMUTABLE
from ._tablerows import TableRows

#: Columns shorter than this are scored unit by unit: grouping would not pay.
FROM_UNITS = 64
#: Units per record of a cached evidence set (escore._evidence_cache._RECORD_UNITS): the parts of a run
#: begin at a multiple of it (escore._stream.shares), so that each decodes its own units'
#: records and no others' when the units come in the evidence's order.
RECORD_UNITS = 512
#: Units per block: a block's columns hold every fixture value of its units at once, so memory
#: stays bounded whatever the number of units (100k county units: 481 MiB peak, README). A
#: whole number of records.
BLOCK_UNITS = 8 * RECORD_UNITS

#: A summary without its unit (``Summary[1:6]``): total, section points, missing, errors, problems.
Row = tuple[Any, ...]


#: Rows looked at before keying a column: when every argument is mostly distinct there, the
#: function is called for each row without building a key per row.
_SAMPLE = 256


def _call_each(func: Callable[..., Any], args: list[Any], spread: bool) -> tuple[list[Any], set[int]]:
    """``func`` on every argument (``spread``: a tuple of arguments), and the positions that raised."""
    try:
        return ([func(*a) for a in args] if spread else [func(a) for a in args]), set()
    except (Exception, SystemExit):  # sys.exit() in a pack is its error: the scalar engine records it
        pass
    out: list[Any] = []
    failed: set[int] = set()
    append = out.append
    while len(out) < len(args):  # from the first row again, a row that raises marked and skipped
        try:
            for a in itertools.islice(args, len(out), None):
                append(func(*a) if spread else func(a))
        except (Exception, SystemExit):
            failed.add(len(out))
            append(None)
    return out, failed


def _apply(
    func: Callable[..., Any], columns: list[list[Any]], size: int, *, shared: Callable[[list[Any]], bool]
) -> tuple[list[Any], set[int]]:
    """``func`` over argument columns: each value of the result column, and the positions that raised.

    Rows whose arguments are the same values share one call (:func:`_grouping`), when
    ``shared(results)`` allows it (a fixture value of a mutable type is computed for each
    unit, so that no unit can change another's). With no argument the function is called
    once per unit.
    """
    if not columns:
        return _call_each(func, [()] * size, True)
    grouped = [_grouping(column) for column in columns]
    spread = len(columns) > 1
    args: list[Any] = list(zip(*columns)) if spread else columns[0]
    if all(keys is None for keys in grouped):
        # Every argument mostly distinct (monitoring rows, a share of two counts): no key per
        # row; each row is called, as it would be after the lookup.
        return _call_each(func, args, spread)
    found = [list(map(id, column)) if keys is None else keys for keys, column in zip(grouped, columns)]
    keys: list[Any] = list(zip(*found)) if spread else found[0]
    distinct = dict(zip(keys, args))  # every key's arguments are interchangeable, whichever is kept
    if 2 * len(distinct) > size:  # mostly distinct: a lookup would cost more than it saves
        return _call_each(func, args, spread)
    computed: dict[Any, Any] = {}
    failed_keys: set[Any] = set()
    for key, a in distinct.items():
        try:
            computed[key] = func(*a) if spread else func(a)
        except (Exception, SystemExit):
            failed_keys.add(key)
    if not shared(list(computed.values())):
        return _call_each(func, args, spread)
    if not failed_keys:
        return list(map(computed.__getitem__, keys)), set()
    return [computed.get(key) for key in keys], {p for p, key in enumerate(keys) if key in failed_keys}


def _grouping(column: list[Any]) -> list[Any] | None:
    """A key per row that groups ``column``, or ``None`` when its first rows are mostly distinct.

    Identity first, which costs least (the loaders parse each distinct text of a column once,
    so equal evidence is one object); where the first rows are mostly new objects, their
    values (:func:`_keys`): a fixture's results, equal but built for each unit.
    """
    sample = column[:_SAMPLE]
    if 2 * len(set(map(id, sample))) <= len(sample):
        return list(map(id, column))
    if 2 * len(set(_keys(sample))) > len(sample):
        return None
    return _keys(column)


#: Types whose equal values are the same value: nothing a function can do (short of ``is``
#: or ``id()``) tells two equal ones apart. Not ``float`` (0.0 == -0.0), not ``datetime``
#: (equal across time zones), not subclasses (an ``IntEnum`` equals its int). ``int`` and
#: ``bool`` are, but not in one column (``1 == True``).
_SAME_WHEN_EQUAL = frozenset({str, int, bool, type(None), _dt.date})


def _same_when_equal(column: list[Any], depth: int = 0) -> bool:
    """Whether equal values of ``column`` are interchangeable: each of the types above, or
    tuples (named tuples field by field) of such values, without ``1`` and ``True`` side by side.

    Checked a type set at a time (C-level passes), never a value at a time in Python.
    """
    types = set(map(type, column))
    if types <= _SAME_WHEN_EQUAL:
        return not (int in types and bool in types)
    if len(types) != 1 or depth > 3:
        return False
    (kind,) = types
    if not issubclass(kind, tuple) or kind.__eq__ is not tuple.__eq__ or kind.__hash__ is not tuple.__hash__:
        return False
    if hasattr(kind, "_fields"):  # a named tuple: each field a column of its own
        if len(set(map(len, column))) > 1:
            return False
        return all(_same_when_equal(list(field), depth + 1) for field in zip(*column))
    return _same_when_equal(list(itertools.chain.from_iterable(column)), depth + 1)


def _keys(column: list[Any]) -> list[Any]:
    """A key per row: equal keys mean interchangeable values.

    The values themselves where equal ones are the same value (:func:`_same_when_equal`); a
    Decimal's text (``1.0`` and ``1.00`` are equal, but not the same digits: their products
    differ in exponent; the text gives the very Decimal back); else the object's identity
    (the loaders parse each distinct text of a column once, so equal evidence is one object).
    """
    if _same_when_equal(column):
        return column
    if set(map(type, column)) == {Decimal}:
        return list(map(str, column))
    return list(map(id, column))


def _immutable(results: list[Any]) -> bool:
    """Whether fixture values can be shared between units: immutable through and through."""
    return all(value.__class__ in IMMUTABLE for value in results) or _same_when_equal(results)


def _any(results: list[Any]) -> bool:
    return True


_POINTS = operator.attrgetter("points")


def _valid_points(scores: list[Any], maximum: Decimal) -> list[Decimal] | None:
    """The points of every score when all pass Engine.score_resolved's checks, else ``None``.

    Checked a column at a time (the set of types, the least and the greatest points), so
    that a column that passes, as nearly every one does, costs no loop in Python.
    """
    if not scores:
        return []
    if set(map(type, scores)) != {Score}:
        return None
    return _valid_points_of(list(map(_POINTS, scores)), maximum)


def _checked(scores: list[Any], raised: set[int], maximum: Decimal) -> tuple[list[Any], set[int]]:
    """Each score's points, and the positions that raised or fail Engine.score_resolved's checks
    (their points are ``None``): a column at a time where every score passes."""
    found = _valid_points(scores, maximum) if not raised else None
    if found is not None:
        return found, set()
    failed = {i for i, score in enumerate(scores) if i in raised or not _passes(score, maximum)}
    return [None if i in failed else score.points for i, score in enumerate(scores)], failed


def _valid_points_of(found: list[Any], maximum: Decimal) -> list[Decimal] | None:
    """``found`` when every value is exact points within 0..maximum (a column at a time), else ``None``."""
    if not found:
        return found
    try:
        if set(map(type, found)) != {Decimal} or min(found) < ZERO or max(found) > maximum:
            return None
    except ArithmeticError:  # a NaN does not compare: the scalar engine records the error
        return None
    return found


def _passes(score: Any, maximum: Decimal) -> bool:
    """Engine.score_resolved's checks on one score: a Score, exact points, within 0..maximum."""
    try:
        return score.__class__ is Score and score.points.__class__ is Decimal and ZERO <= score.points <= maximum
    except ArithmeticError:
        return False


#: The types of what a veto returns: a reason, or None (any other value is the unit's error).
_VERDICTS = frozenset({str, type(None)})

#: The value of a name a unit does not have (an absent field, a fixture that raised).
_NONE: Any = object()


def _rows(size: int, skip: set[int]) -> list[int]:
    return [r for r in range(size) if r not in skip] if skip else list(range(size))


def _pick(column: list[Any], rows: list[int], size: int) -> list[Any]:
    """The values of ``column`` at ``rows`` (the column itself when that is every row)."""
    if len(rows) == size:
        return column
    return [column[r] for r in rows]


def summaries(
    engine: Engine,
    units: Sequence[Unit],
    values: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
    children: Mapping[str, tuple[Unit, ...]],
    files: Mapping[str, str],
    scalar: Callable[[Unit], tuple[Row, list[str]]],
    shared: dict[Any, IndicatorResult] | None = None,
) -> tuple[list[Row], dict[str, int]]:
    """Summaries of ``units`` (``Summary[1:6]``) and the status counts. ``scalar(unit)`` scores
    one unit on the scalar engine: its summary and the status of each of its results. Equal
    missing results are one object through ``shared`` (:func:`escore._results.summary_missing`)."""
    if not units:
        return [], dict.fromkeys(STATUSES, 0)
    block = _Block(engine, units, shared)
    watched = block.watched  # noqa: F841 - the watchdog reads it from this frame (escore._watchdog.running)
    block.read_evidence(values, tables, children)
    block.compute_fixtures()
    block.score_indicators(values, files)
    block.decide_vetoes()
    return block.summaries(scalar)


class _Block:
    """The units of one block as columns: a column per name, a row per unit.

    ``bad`` holds, per name, the rows without a value of it (an absent field, a fixture that
    raised); ``irregular`` the rows the scalar engine scores, because they need its explanation.
    """

    def __init__(self, engine: Engine, units: Sequence[Unit], shared: dict[Any, IndicatorResult] | None = None) -> None:
        self.engine = engine
        self.compiled = engine.compiled
        self.units = units
        self.size = len(units)
        self.data: dict[str, list[Any]] = {}
        self.bad: dict[str, set[int]] = {}
        self.failed: dict[str, set[int]] = {}  # per fixture, the rows where it raised
        self.table_problems: dict[str, Any] = {}  # per required table absent, its problem (Engine.missing_table)
        self.irregular: set[int] = set()
        # Per row and indicator position, the results missing for lack of a field or table (the
        # scalar engine's, less its sentence: escore._results.summary_missing).
        self.missing: dict[int, dict[int, IndicatorResult]] = {}
        self.shared = {} if shared is None else shared
        self.made: dict[tuple[int, tuple[str, ...]], IndicatorResult] = {}  # (position, evidence lacking) → its result
        self.points: list[list[Decimal]] = []  # per indicator, each row's points
        # Each table's rows by unit, and those whose column of rows is made only when read
        # (a table only column forms read is never made into rows): name → (rows by unit, roll-up).
        self.tables: dict[str, Mapping[str, tuple[Any, ...]]] = {}
        self.pending: dict[str, tuple[Mapping[str, tuple[Any, ...]], bool]] = {}
        # Per indicator, its column form where the column pass uses it (escore._colform).
        self.forms: list[ColumnForm | None] = []
        self.codes: list[str] | None = None  # the units' codes, once a form reads a table
        # Each table's columns at the rows of the forms that read it (the forms of one variant
        # read the same rows): (table, rows) → (those rows, their columns), read once.
        self.table_columns: dict[tuple[str, int], tuple[list[int], TableColumns]] = {}
        # Per indicator, whether it applies to each row (its variant) and the rows it applies to.
        self.applicable = list(self.variants())
        # What the watchdog names while a column is computed.
        self.watched = [f"{units[0].code}…{units[-1].code} ({self.size} units)", "reading the evidence"]

    def absent(self, names: Sequence[str]) -> set[int]:
        out: set[int] = set()
        for name in names:
            if name in self.bad:
                out |= self.bad[name]
        return out

    def evidence_lacking(self, names: Sequence[str], r: int) -> tuple[str, ...] | None:
        """What the scalar engine names as missing for row ``r`` lacking a value of one of
        ``names``: the first it lacks (arguments are fetched in order), a field by its key, a
        monitoring table absent for every unit by its file, a fixture left uncomputed by what
        it lacked in turn; ``None`` for a fixture that raised (the engine words its problem)."""
        engine = self.engine
        for name in names:
            if r not in self.bad.get(name, ()):
                continue
            key = self.compiled.field_keys.get(name)
            if key is not None:
                return (key,)
            if name in self.table_problems:
                return self.table_problems[name][2]
            fixture = engine.plan.fixtures.get(name)
            if fixture is None or fixture.kind != "function" or r in self.failed.get(name, ()):
                return None
            return self.evidence_lacking(fixture.argnames, r)
        return None

    def set_missing(self, position: int, r: int, lacking: tuple[str, ...]) -> None:
        """The indicator at ``position`` is missing ``lacking`` for row ``r``, as the scalar engine
        makes it (Engine._problem): 0 points, or its maximum under ``missing_points = "max"``."""
        made = self.made.get((position, lacking))
        if made is None:  # one result per indicator and evidence: summary_missing once, not per unit
            node = self.compiled.selected[position].node
            points = node.max if self.compiled.missing_max else ZERO
            made = self.made[position, lacking] = summary_missing(node.code, points, (), lacking, self.shared)
        self.keep_missing(position, r, made)

    def keep_missing(self, position: int, r: int, result: IndicatorResult) -> None:
        """Row ``r`` has the missing ``result`` at ``position``: its points, and its place in the summary."""
        self.points[position][r] = result.points
        self.missing.setdefault(r, {})[position] = result

    def apply(
        self, func: Callable[..., Any], argnames: Sequence[str], rows: list[int], shared: Callable[[list[Any]], bool]
    ) -> tuple[list[Any], set[int]]:
        """``func`` over the argument columns at ``rows``: see :func:`_apply`."""
        size = self.size
        self.need(argnames)
        return _apply(func, [_pick(self.data[a], rows, size) for a in argnames], len(rows), shared=shared)

    def need(self, names: Iterable[str]) -> None:
        """The column of rows of each table among ``names`` not made yet."""
        for name in names:
            if name in self.pending:
                by_unit, rollup = self.pending.pop(name)
                codes = [unit.code for unit in self.units]
                if isinstance(by_unit, TableRows):  # rows kept as columns (a first run): made a column at a time
                    column = by_unit.rows_of(codes)
                else:
                    column = list(map(by_unit.get, codes, itertools.repeat(())))
                if rollup:
                    for r, subunits in enumerate(self.data["subunits"]):
                        for child in subunits:
                            column[r] += by_unit.get(child.code, ())
                self.data[name] = column

    def read_evidence(
        self,
        values: Mapping[str, Mapping[str, Any]],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: Mapping[str, tuple[Unit, ...]],
    ) -> None:
        """Columns of fields, parameters, builtins and monitoring rows. An absent table is None
        if optional, else missing for every unit (the run is not worth a column pass: :func:`takes`)."""
        engine, compiled, units, size, data = self.engine, self.compiled, self.units, self.size, self.data
        # A unit without a field is only irregular if a result that counts for it needs it.
        needed, optional = _needed(engine), list(compiled.optional)
        names = needed + optional
        data.update(zip(names, _field_columns(values, [unit.code for unit in units], names, self.bad)))
        for name in optional:  # an optional field a unit lacks is None
            column = data[name]
            for r in self.bad.pop(name, ()):
                column[r] = None
        for name, value in compiled.parameters.items():
            data[name] = [value] * size
        data["unit"] = list(units)
        codes = [unit.code for unit in units]
        data["subunits"] = list(map(children.get, codes, itertools.repeat(())))
        for name, rollup in compiled.tables:
            by_unit = tables.get(name)
            if by_unit is None:  # an optional table is None; a required one missing for every unit
                if name in compiled.optional_tables:
                    data[name] = [None] * size
                else:  # no value at all, as in the engine (never None, which would read as no rows)
                    data[name] = [_NONE] * size
                    self.bad[name] = set(range(size))
                    self.table_problems[name] = engine.missing_table(name)
                continue
            self.tables[name] = by_unit
            self.pending[name] = (by_unit, rollup)  # its rows made when read (need)
        self.forms = self.usable_forms()

    def usable_forms(self) -> list[ColumnForm | None]:
        """Per indicator, its column form (:mod:`escore._colform`) where this block can use it:
        every name it reads is here for every unit (no absent field or table), and no table it
        reads rolls up sub-units' rows."""
        fixtures = self.engine.plan.fixtures
        rolled = {name for name, rollup in self.compiled.tables if rollup}
        forms: list[ColumnForm | None] = []
        for ip, _code, func, *_, special, _memo in self.compiled.steps:
            form = None if special else usable_form(func, ip.argnames, fixtures)
            if form is not None:
                for name in form.reads:
                    if name in self.bad or name in rolled or not (name in self.tables or name in self.data):
                        form = None
                        break
            forms.append(form)
        return forms

    def demand(self) -> dict[str, list[bool]]:
        """Per fixture function, the rows where a result that counts reads it: an indicator where
        it applies (its variant), a veto everywhere, and the fixtures those read, in turn."""
        compiled, fixtures = self.compiled, self.engine.plan.fixtures
        functions = {name for name, *_ in compiled.functions}
        every = [True] * self.size
        needed: dict[str, list[bool]] = {}

        def want(names: Iterable[str], mask: list[bool]) -> None:
            for name in names:
                if name not in functions:
                    continue
                held = needed.get(name)
                if held is None or mask is every:
                    needed[name] = mask
                elif held is not every:  # the rows of either reader
                    needed[name] = list(map(operator.or_, held, mask))

        for (ip, *_), (mask, _applicable), form in zip(compiled.steps, self.applicable, self.forms):
            want(ip.argnames if form is None else form.reads, mask)
            for alternative in ip.alternatives:
                want(alternative.names, mask)
        for veto, *_ in compiled.veto_steps:
            want(veto.argnames, every)
        for name, *_ in reversed(compiled.functions):  # after every reader of it (dependencies come first)
            if name in needed:
                want(fixtures[name].argnames, needed[name])
        return needed

    def compute_fixtures(self) -> None:
        """Every fixture function, in the engine's order, on the rows that read it (the unit-by-unit
        engine computes every fixture, but one no result reads changes nothing); a row whose
        arguments lack a value gets none."""
        demand = self.demand()
        for name, func, *_ in self.compiled.functions:
            self.compute(name, func, demand.get(name))

    def compute(self, name: str, func: Callable[..., Any], needed: list[bool] | None) -> None:
        """The column of the fixture ``name`` on the rows ``needed`` (none: no row)."""
        size = self.size
        self.watched[1] = f"fixture {name}"
        argnames = self.engine.plan.fixtures[name].argnames
        skip = self.absent(argnames)
        if needed is None:
            self.data[name] = [_NONE] * size
            return
        rows = _rows(size, skip) if all(needed) else [r for r, wanted in enumerate(needed) if wanted and r not in skip]
        column, failed = self.apply(func, argnames, rows, _immutable)
        if failed:
            self.failed[name] = {rows[i] for i in failed}
        if failed or skip or len(rows) < size:
            # A row where the fixture raised has no value (_NONE), as one it was not computed
            # for: never the None its call left, which an alternative's condition (the special
            # path's environment) would read as a value, where the scalar engine meets the
            # fixture's problem (READING 14).
            full = [_NONE] * size
            for i, r in enumerate(rows):
                if i not in failed:
                    full[r] = column[i]
            column = full
            self.bad[name] = skip | {rows[i] for i in failed}
        self.data[name] = column

    def form_points(self, form: ColumnForm, rows: list[int], maximum: Decimal) -> tuple[list[Any], set[int]] | None:
        """An indicator's points at ``rows`` from its column form, and the positions it leaves
        to the scalar engine (``None`` points); ``None`` when the form raises or gives anything
        but such a list of points within 0..maximum."""
        size = self.size
        if self.codes is None:
            self.codes = [unit.code for unit in self.units]
        codes = _pick(self.codes, rows, size)
        args: list[Any] = []
        for name in form.reads:
            by_unit = self.tables.get(name)
            if by_unit is None:
                args.append(_pick(self.data[name], rows, size))
                continue
            read = self.table_columns.get((name, id(rows)))
            if read is None or read[0] is not rows:
                table = self.engine.plan.fixtures[name].table
                assert table is not None
                fields: tuple[str, ...] = getattr(table.row_type, "_fields")  # noqa: B009 - a named tuple made at run time
                if isinstance(by_unit, TableRows):  # kept as columns: no row made
                    counts, columns = by_unit.cells_of(codes)
                    found = TableColumns(counts, fields[1:], columns)
                else:
                    found = TableColumns.of_rows(fields, map(by_unit.get, codes, itertools.repeat(())))
                read = self.table_columns[name, id(rows)] = (rows, found)
            args.append(read[1])
        try:
            found = form.func(*args)
        except Exception:
            return None
        if found.__class__ is not list or len(found) != len(rows):
            return None
        # By identity: ``None in found`` compares each Decimal with None, an ABC check each.
        if not any(map(operator.is_, found, itertools.repeat(None))):
            return (found, set()) if _valid_points_of(found, maximum) is not None else None
        if _valid_points_of([value for value in found if value is not None], maximum) is None:
            return None
        return found, {i for i, value in enumerate(found) if value is None}

    def without_form(self, position: int) -> None:
        """The indicator at ``position`` is scored by its function after all: the fixtures its
        form stood for are computed now, on every row."""
        form = self.forms[position]
        self.forms[position] = None
        if form is None:
            return
        from ._evidence import FIXTURE_ATTRIBUTE

        names = {getattr(stood, FIXTURE_ATTRIBUTE).name for stood in form.stands_for}
        every = [True] * self.size
        for name, func, *_ in self.compiled.functions:
            if name in names:
                self.compute(name, func, every)

    def variants(self) -> Iterator[tuple[list[bool], list[int]]]:
        """Per indicator, whether it applies to each row and the rows it applies to (its variant's
        conditions, as Engine.score_resolved checks them), worked out once per set of conditions."""
        every = [True] * self.size
        attribute_columns: dict[str, list[Any]] = {}
        known: dict[tuple[tuple[str, str], ...], tuple[list[bool], list[int]]] = {(): (every, list(range(self.size)))}
        for step in self.compiled.steps:
            conditions = step[7]
            if conditions not in known:
                mask = every
                for attr, want in conditions:
                    if attr not in attribute_columns:
                        attribute_columns[attr] = [unit.attributes.get(attr) for unit in self.units]
                    mask = [ok and have == want for ok, have in zip(mask, attribute_columns[attr])]
                known[conditions] = (mask, [r for r, ok in enumerate(mask) if ok])
            yield known[conditions]

    def score_indicators(self, values: Mapping[str, Mapping[str, Any]], files: Mapping[str, str]) -> None:
        """Each indicator's points per row; a row it cannot settle becomes irregular."""
        engine, size, irregular = self.engine, self.size, self.irregular
        if any(step[-2] for step in self.compiled.steps):  # a special path reads every value of a unit
            self.need(list(self.pending))
        env_names = tuple(n for n in self.data if n not in self.compiled.fields)
        steps = zip(self.compiled.steps, self.applicable)
        for position, ((ip, code, func, *_, maximum, _conditions, special, _memo), (_mask, applicable)) in enumerate(steps):
            self.watched[1] = f"indicator {code}"
            points = [ZERO] * size
            self.points.append(points)
            if not applicable:
                continue
            if special:  # alternatives or bound parameters: the scalar engine's own method, per unit
                for r in applicable:
                    unit = self.units[r]
                    env = {n: value for n in env_names if (value := self.data[n][r]) is not _NONE}
                    # The problems the engine would have for the unit, as far as they are the same for every unit.
                    result = engine.score_special(ip, values.get(unit.code, {}), env, self.table_problems, unit, files.get(unit.code, ""))
                    if result.status == "scored":
                        points[r] = result.points
                    elif result.status == "missing":  # a field absent, or MissingEvidence: the engine's very result
                        self.keep_missing(position, r, summary_missing(code, result.points, result.hits, result.missing, self.shared))
                    else:  # an error, or a fixture without its value: the scalar engine words it (with its problems)
                        irregular.add(r)
                continue
            settled = None
            form = self.forms[position]
            if form is not None:  # every name it reads is here for every row (usable_forms)
                settled = self.form_points(form, applicable, maximum)
                if settled is None:  # the form declined: the function, with the fixtures it reads
                    self.without_form(position)
            skip = self.absent(ip.argnames) if settled is None else set()
            if skip:
                for r in applicable:
                    if r in skip:
                        lacking = self.evidence_lacking(ip.argnames, r)
                        if lacking is None:  # a fixture raised: the scalar engine words it
                            irregular.add(r)
                        else:
                            self.set_missing(position, r, lacking)
                applicable = [r for r in applicable if r not in skip]
            settled = settled or self.rule_points(func, ip.argnames, applicable, maximum)
            found, failed = settled or _checked(*self.apply(func, ip.argnames, applicable, _any), maximum)
            if not failed and len(applicable) == size:
                self.points[-1] = found
                continue
            for i, (r, value) in enumerate(zip(applicable, found)):
                if i in failed:  # the scalar engine explains what failed
                    irregular.add(r)
                else:
                    points[r] = value

    def rule_points(
        self, func: Callable[..., Any], argnames: Sequence[str], rows: list[int], maximum: Decimal
    ) -> tuple[list[Any], set[int]] | None:
        """The points of an indicator that only applies one rule to its arguments
        (:func:`escore._ruleform.applied_rule`), from the rule's column form, and the positions
        that fail Engine.score_resolved's checks; ``None`` when the indicator is not one, or the
        column form does not take these values (the caller then calls the function per row).

        A row the column form leaves open (a whole of 0, no tier matching, a value of another
        type) is scored by the function itself, as in :func:`_apply`.
        """
        form = applied_rule(func, len(argnames))
        if form is None:
            return None
        size = self.size
        self.need(argnames)
        columns = [_pick(self.data[a], rows, size) for a in argnames]
        rule, position = form
        given = columns
        if position is not None:  # the rule is an argument: a parameter, one object on every row
            given = columns[:position] + columns[position + 1 :]
            rule = columns[position][0] if rows else None
            if type(rule) not in COLUMN_RULES or len(set(map(id, columns[position]))) != 1:
                return None
        found = rule.column_points(*given)
        if found is None:
            return None
        # By identity: ``None in found`` compares each Decimal with None, an ABC check each.
        if not any(map(operator.is_, found, itertools.repeat(None))):
            return (found, set()) if _valid_points_of(found, maximum) is not None else None
        if _valid_points_of([value for value in found if value is not None], maximum) is None:
            return None
        open_rows = [i for i, value in enumerate(found) if value is None]
        scores, raised = _call_each(func, [tuple(column[i] for column in columns) for i in open_rows], True)
        opened, opened_failed = _checked(scores, raised, maximum)
        for i, value in zip(open_rows, opened):
            found[i] = value
        return found, {open_rows[j] for j in opened_failed}

    def decide_vetoes(self) -> None:
        """Every veto, in order, as Engine._apply_vetoes decides it (READING 14).

        Applied (a reason): each target that applies to the unit scores 0, status scored, as the
        engine sets it, whether its own evidence was there or not; a target that does not apply
        stays as it is. Undecided for lack of a field or table: each target that applies is
        missing that evidence, with its missing points. A unit whose target or veto raised, or
        whose veto lacks what a fixture that raised would have given, is irregular: the scalar
        engine words it.
        """
        for veto, positions, *_ in self.compiled.veto_steps:
            self.watched[1] = f"veto {veto.code}"
            skip = self.absent(veto.argnames)
            for r in skip:
                lacking = self.evidence_lacking(veto.argnames, r)
                if lacking is None:
                    self.irregular.add(r)
                    continue
                for position in positions:
                    if self.applicable[position][0][r]:  # a target of another variant stays as it is
                        self.set_missing(position, r, lacking)
            rows = _rows(self.size, skip)
            verdicts, raised = self.apply(veto.func, veto.argnames, rows, _any)
            if not set(map(type, verdicts)) <= _VERDICTS:  # neither a reason nor None: the scalar engine words the error
                raised = raised | {i for i, reason in enumerate(verdicts) if reason is not None and not isinstance(reason, str)}
            if not (raised or any(verdicts)):
                continue
            self.irregular.update(rows[i] for i in raised)
            applied = [rows[i] for i, reason in enumerate(verdicts) if reason and i not in raised]
            for position in positions:  # a target that does not apply has 0 points already
                points = self.points[position]
                for r in applied:
                    points[r] = ZERO
                    lacking_any = self.missing.get(r)
                    if lacking_any:  # scored 0 now, its evidence or not (READING 14)
                        lacking_any.pop(position, None)

    def summaries(self, scalar: Callable[[Unit], tuple[Row, list[str]]]) -> tuple[list[Row], dict[str, int]]:
        """Sections and totals summed column-wise, with the additions Engine._total makes per unit
        and in its order; the irregular rows from the scalar engine."""
        compiled, size, irregular = self.compiled, self.size, self.irregular
        add, multiply = EXACT_SUMS.add, EXACT_SUMS.multiply
        repeat = itertools.repeat
        counted: list[list[list[Decimal]]] = [[] for _ in compiled.sections]
        for position, section_index in compiled.counted:
            counted[section_index].append(self.points[position])
        # Each row's raw score is ZERO plus its counted points in the engine's order, under the
        # exact context: sum() over each row does those very additions, about three times faster
        # than an add() per indicator over each column.
        with localcontext(EXACT_SUMS):
            raw = [list(map(sum, zip(*columns), repeat(ZERO))) if columns else [ZERO] * size for columns in counted]
        divide = SCORING.divide  # as Engine._total divides
        totals = [ZERO] * size
        section_points = []
        for (section, factor), section_raw in zip(compiled.factors, raw):
            section_raw = settle_column(section_raw)  # as Engine._total settles each raw score
            if min(section_raw) >= ZERO and max(section_raw) <= section.raw_max:
                kept = section_raw  # what min(max(value, 0), raw_max) gives: each value itself
            else:
                kept = [min(max(value, ZERO), section.raw_max) for value in section_raw]
            if factor is not None:  # an exact product of the settled raw scores
                points = list(map(multiply, kept, repeat(factor)))
            else:
                points = settle_column(list(map(divide, map(multiply, kept, repeat(section.weight)), repeat(section.raw_max))))
            totals = list(map(add, totals, points))
            section_points.append(points)
        counts = dict.fromkeys(STATUSES, 0)
        masks = [mask for mask, _ in self.applicable]
        applicable = sum(map(sum, masks)) - sum(mask[r] for mask in masks for r in irregular)
        missing = {
            r: tuple(by_position[p] for p in sorted(by_position))
            for r, by_position in self.missing.items()
            if by_position and r not in irregular
        }
        counts["missing"] = sum(map(len, missing.values()))
        counts["scored"] = applicable - counts["missing"]
        counts["not_applicable"] = (size - len(irregular)) * len(masks) - applicable
        out: list[Row] = list(zip(totals, zip(*section_points) if section_points else repeat((), size), repeat(0), repeat(0), repeat(())))
        for r, results in missing.items():
            out[r] = (out[r][0], out[r][1], len(results), 0, results)
        for r in sorted(irregular):
            row, statuses = scalar(self.units[r])
            for status in statuses:
                counts[status] += 1
            out[r] = row
        return out, counts


def _field_columns(
    values: Mapping[str, Mapping[str, Any]], codes: list[str], names: list[str], bad: dict[str, set[int]]
) -> list[list[Any]]:
    """A column per field name (:data:`_NONE` where a unit lacks it, its row then in ``bad``)."""
    if isinstance(values, FieldValues):
        found = values.columns(codes, names, _NONE)
        if found is not None:
            columns, lacking = found
            for name, rows in lacking.items():
                bad[name] = set(rows)
            return columns
    empty: dict[str, Any] = {}
    unit_values = [values.get(code, empty) for code in codes]
    wanted = frozenset(names)
    short = [r for r, v in enumerate(unit_values) if not wanted <= v.keys()]
    columns = []
    for name in names:
        columns.append([v.get(name, _NONE) for v in unit_values])
        absent_rows = {r for r in short if name not in unit_values[r]}
        if absent_rows:
            bad[name] = absent_rows
    return columns


def _needed(engine: Engine) -> list[str]:
    """The fields of the evidence that any computed fixture, selected indicator or veto reads."""
    fixtures = engine.plan.fixtures
    wanted: set[str] = set()
    for name, *_ in engine.compiled.functions:
        wanted.update(fixtures[name].argnames)
    for ip in engine.compiled.selected:
        wanted.update(ip.argnames)
        for alternative in ip.alternatives:
            wanted.update(alternative.names)
    for veto, *_ in engine.compiled.veto_steps:
        wanted.update(veto.argnames)
    return sorted(wanted & engine.compiled.fields)
