"""The evidence schema of one plan, and the checks across values (READING 15: impossible evidence).

Every reader of evidence (the directory and CSV readers, the workbook reader, golden cases)
checks the same way: across the values of one unit (a part not larger than its whole, one row
per key where a table says so, a row referring only to what the unit's other table records)
and between the columns of one row (a reply not before its letter, a maximum by kind).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import operator
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ._errors import InputError, PackError
from ._evidence import Column, Field
from ._i18n import gettext as _
from ._text import show

if TYPE_CHECKING:
    from ._collect import Plan


class EvidenceSchema:
    """The fields of one plan, indexed once per load rather than once per unit file (or table)."""

    __slots__ = (
        "all_fields",
        "bounds",
        "by_key",
        "category",
        "category_title",
        "checked_tables",
        "dates",
        "disjoint",
        "graded",
        "other_fields",
        "retired",
        "retired_units",
        "ruleset",
        "tables",
        "year",
    )

    def __init__(self, plan: Plan) -> None:
        self.category = plan.category.key
        self.category_title = plan.category.title or plan.category.key  # how messages name it
        self.ruleset = plan.ruleset.name
        self.year = plan.ruleset.year
        # The days every date of the evidence lies between (see check_dates).
        self.dates = dated_window(self.year)
        self.retired = plan.retired_fields
        self.retired_units = plan.retired_units
        self.other_fields = plan.other_fields
        self.by_key = {f.key: (f.for_category(self.category), f.fixture_name) for f in plan.fields}
        self.all_fields = {d.field.key: d.field for d in plan.fixtures.values() if d.field is not None}
        self.graded = {key for key, f in self.all_fields.items() if f.type == "graded"}
        self.tables = {t.name: t for t in plan.tables}
        # The tables whose rows check_unit looks at (one row per key, values within another
        # table's, at most so many rows of a kind), with the columns checked within another
        # table: the others are skipped for every unit at once.
        self.checked_tables = [
            (t.name, t, [c for c in t.columns if c.within is not None])
            for t in plan.tables
            if t.unique or t.rows_at_most is not None or any(c.within is not None for c in t.columns)
        ]
        # (field, "at_most" | "at_least", bounding field, and their fixture names): parts and
        # wholes of one unit, the names worked out once (check_unit reads them for every unit).
        self.bounds: list[tuple[Field, str, Field, str, str]] = []
        for spec, _name in self.by_key.values():
            for relation in ("at_most", "at_least"):
                other = getattr(spec, relation)
                if not other:
                    continue
                if other not in self.by_key:
                    raise PackError(f"evidence field '{spec.key}': {relation}={other!r} names no field read by category '{self.category}'")
                bounding, bounding_name = self.by_key[other]
                self.bounds.append((spec, relation, bounding, spec.fixture_name, bounding_name))
        # Lists that hold no item in common (``unique_across``), by the name they share, each
        # group's fields in key order (the first one an item is in is where it stays).
        groups: dict[str, list[tuple[Field, str]]] = {}
        for spec, name in self.by_key.values():
            if spec.unique_across:
                groups.setdefault(spec.unique_across, []).append((spec, name))
        self.disjoint = [sorted(members, key=lambda member: member[0].key) for _group, members in sorted(groups.items())]
        self.disjoint = [members for members in self.disjoint if len(members) > 1]
        for tbl in plan.tables:
            names = {c.name for c in tbl.columns}
            for col in tbl.columns:
                for other in (col.at_most, col.at_least, col.max_by[0] if col.max_by else "", col.after_year):
                    if other and other not in names:
                        raise PackError(f"monitoring table '{tbl.name}': column '{col.name}' refers to '{other}', which is not a column")
            for name in tbl.unique:
                if name not in names:
                    raise PackError(f"monitoring table '{tbl.name}': unique names '{name}', which is not a column")
            if tbl.rows_at_most is not None and tbl.rows_at_most[0] not in names:
                raise PackError(f"monitoring table '{tbl.name}': rows_at_most names '{tbl.rows_at_most[0]}', which is not a column")


def retired_field(schema: EvidenceSchema, key: str) -> str:
    """Why ``key``, a field an earlier year read, is read no more (see ``Plan.retired_fields``):
    a sentence naming the year that last read it and its indicators there."""
    earlier, readers = schema.retired[key]
    return _("{0} no longer reads this field ({1} of {2} read it; removed or replaced since)").format(
        schema.ruleset, ", ".join(readers) or "?", earlier
    )


def other_ruleset_field(ruleset: str, other_fields: Mapping[str, Sequence[str]], key: str) -> str | None:
    """Why ``key`` is no field of ``ruleset`` when another installed ruleset declares it (a later
    year's new field; see ``Plan.other_fields``): a sentence naming those rulesets, else ``None``
    (then it is likely a typo)."""
    names = other_fields.get(key)
    if not names:
        return None
    return _("a field of {0} (an installed ruleset) that {1} does not read; score this evidence with --ruleset {2}").format(
        ", ".join(names), ruleset, names[-1]
    )


#: The evidence file being read (a fields table, a workbook) when a reader reports ignored
#: evidence without naming it (:func:`evidence_source`).
_SOURCE: ContextVar[str] = ContextVar("escore_evidence_source", default="")
#: While a set of evidence is read (:func:`collect_ignored`): the process reading it, and each
#: warning about ignored evidence by what it is about, with the places that hold it.
_IGNORED: ContextVar[tuple[int, dict[tuple[str, str], tuple[Callable[[str], str], dict[tuple[str, str], list[str]]]]] | None] = ContextVar(
    "escore_ignored_evidence", default=None
)


@contextlib.contextmanager
def evidence_source(where: str) -> Iterator[None]:
    """Name ``where`` (a file) as the place of the ignored evidence reported while it is read."""
    token = _SOURCE.set(where)
    try:
        yield
    finally:
        _SOURCE.reset(token)


@contextlib.contextmanager
def collect_ignored() -> Iterator[None]:
    """Gather the warnings of ignored evidence (a retired field, a dropped unit) while a set of
    evidence is read, and give each once at the end, naming every file that holds it (and its
    lines or cells, a few of them): one line per field or unit, however many files hold it."""
    import os

    found: dict[tuple[str, str], tuple[Callable[[str], str], dict[tuple[str, str], list[str]]]] = {}
    token = _IGNORED.set((os.getpid(), found))
    try:
        yield
    finally:
        _IGNORED.reset(token)
    from ._errors import warn

    for message, places in found.values():
        warn(message(_places(places)))


def _places(places: Mapping[tuple[str, str], Sequence[str]]) -> str:
    """Each file and, for a few, its lines (``file:12, 15``) or cells (``book.xlsx: 表!A5``)."""
    files_at_most, shown_at_most = 5, 3
    texts = []
    for (where, separator), ats in list(places.items())[:files_at_most]:
        ats = list(dict.fromkeys(ats))
        text = where + (separator + _(", ").join(ats[:shown_at_most]) if ats else "")
        if len(ats) > shown_at_most:
            text += _(" and {0} more").format(len(ats) - shown_at_most)
        texts.append(text)
    listed = _("; ").join(texts)
    if len(places) > files_at_most:
        listed += _("; and {0} more file(s)").format(len(places) - files_at_most)
    return listed


def _ignored(subject: tuple[str, str], message: Callable[[str], str], where: str | None, at: Any, separator: str) -> None:
    """Report evidence ignored at ``where`` (default: the file being read), line or cell ``at``:
    gathered while evidence is read (:func:`collect_ignored`), else warned of at once."""
    import os

    where = _SOURCE.get() if where is None else where
    at = "" if at is None or (isinstance(at, int) and at < 0) else str(at)
    collecting = _IGNORED.get()
    if collecting is None or collecting[0] != os.getpid():
        from ._errors import warn

        warn(message(where + (separator + at if at else "") if where else ""))
        return
    entry = collecting[1].setdefault(subject, (message, {}))
    ats = entry[1].setdefault((where or "?", separator), [])
    if at:
        ats.append(at)


def ignore_retired(schema: EvidenceSchema, key: str, where: str | None = None, at: Any = None, *, cell: bool = False) -> None:
    """Warn that evidence of the retired field ``key`` is ignored (inherited evidence still has it).

    The warning names the field and the files that hold it (``where``, default the file being
    read; ``at`` its line, or its ``cell`` in a workbook): one line per field, however many files hold it."""
    reason = retired_field(schema, key)

    def message(places: str) -> str:
        if not places:
            return _("{0}: {1}; its values in the evidence are ignored").format(key, reason)
        return _("{0}: {1}; its values in the evidence are ignored: {2}").format(key, reason, places)

    _ignored(("field", key), message, where, at, ": " if cell else ":")


def ignore_retired_unit(schema: EvidenceSchema, code: str, where: str | None = None, at: Any = None, *, cell: bool = False) -> bool:
    """Whether ``code`` is a unit an earlier year's roster held and this year's does not (see
    ``Plan.retired_units``); if so, warn that its evidence is ignored, naming the files that hold
    it (as :func:`ignore_retired`; one line per unit)."""
    retired = schema.retired_units.get(code)
    if retired is None:
        return False
    earlier, category = retired

    def message(places: str) -> str:
        if not places:
            return _("{0}: a unit of {1}'s roster of {2}, not of {3}'s; its evidence is ignored").format(
                code, earlier, category, schema.ruleset
            )
        return _("{0}: a unit of {1}'s roster of {2}, not of {3}'s; its evidence is ignored: {4}").format(
            code, earlier, category, schema.ruleset, places
        )

    _ignored(("unit", code), message, where, at, ": " if cell else ":")
    return True


def repeated_rows(tables: Mapping[str, Mapping[str, Sequence[Any]]]) -> Iterator[tuple[str, Any, Any, int, int]]:
    """Each monitoring row alike, cell for cell, to an earlier row of its unit in the same
    table, as (table, earlier row, row, the row's position among its unit's rows, the earlier
    row's position), tables by name.

    Such a row is most often one event pasted twice; it still counts (two letters received
    the same day with no subject may be two letters), so the loader warns and scores it. A
    table is first tested in C-level passes (:meth:`TableRows.has_repeats`), and its rows
    compared one by one only when it has a repeat; once per evidence set (the cache replays it).
    """
    from ._tablerows import TableRows

    for name in sorted(tables):
        by_unit = tables[name]
        try:
            if isinstance(by_unit, TableRows):
                if not by_unit.has_repeats():
                    continue
            elif not any(len(set(map(_alike, rows))) != len(rows) for rows in by_unit.values() if len(rows) > 1):
                continue
        except TypeError:  # a cell that cannot be compared so (a list): not searched
            continue
        for rows in by_unit.values():
            if len(rows) < 2:
                continue
            first: dict[tuple[Any, ...], tuple[Any, int]] = {}
            for position, row in enumerate(rows):
                earlier, at = first.setdefault(_alike(row), (row, position))
                if earlier is not row:
                    yield name, earlier, row, position, at


def _alike(row: Any) -> tuple[Any, ...]:
    """A row but its line number (a row is its unit, its line, then its cells)."""
    return (row[0], *row[2:])


def warn_repeated_rows(tables: Mapping[str, Mapping[str, Sequence[Any]]], row_where: Callable[[str, Any, int], str]) -> None:
    """One warning per table naming its rows that repeat an earlier row of their unit (a few,
    then how many more): they count, and an assessor who pasted a row twice should see it."""
    from ._errors import warn

    shown_at_most = 5
    for name, found in itertools.groupby(repeated_rows(tables), key=operator.itemgetter(0)):  # table by table
        repeats = list(found)
        listed = _("; ").join(
            _repeat_text(row_where(name, row, position), row_where(name, earlier, at), row.unit, earlier.line)
            for _name, earlier, row, position, at in repeats[:shown_at_most]
        )
        if len(repeats) > shown_at_most:
            listed += _("; and {0} more").format(len(repeats) - shown_at_most)
        warn(
            _(
                "{0}: {1} row(s) repeat an earlier row of their unit cell for cell, and each counts: {2}; delete the copies if they record one event"
            ).format(name, len(repeats), listed)
        )


def _repeat_text(here: str, there: str, unit: str, line: int) -> str:
    """A repeated row, "FILE:LINE", and the row it repeats: by its line in the same file, by its
    file and line in another (two evidence paths: "as line 2" had read as this file's line 2)."""
    if here.rpartition(":")[0] == there.rpartition(":")[0]:
        return _("{0} (unit {1}, as line {2})").format(here, unit, line)
    return _("{0} (unit {1}, as {2})").format(here, unit, there)


def field_columns(codes: Sequence[str], values: Any, names: Sequence[str]) -> list[list[Any]]:
    """The values of the fields ``names`` of the units ``codes``, a list per field (``None``
    where a unit has none): read as columns from packed values, in C-level passes."""
    if not names:
        return []
    from ._fieldvalues import FieldValues

    found = values.columns(codes, names, None) if isinstance(values, FieldValues) else None
    return found[0] if found is not None else [[values[code].get(name) for code in codes] for name in names]


def warn_dates_off_year(schema: EvidenceSchema, codes: Sequence[str], values: Any, field_where: Callable[[str, str], str]) -> None:
    """One warning per field declared ``in_assessment_year`` naming the units whose date lies in
    another year than the one the ruleset assesses (a few, then how many more). Scored as
    given: the date may be right (a derived year scoring last year's sample), but a year typed
    wrong moves every window counted from it, and the assessor should see it."""
    from ._errors import warn

    shown_at_most = 3
    dated = sorted(((spec, name) for spec, name in schema.by_key.values() if spec.in_assessment_year), key=lambda found: found[0].key)
    for (spec, _name), column in zip(dated, field_columns(codes, values, [name for _spec, name in dated])):
        by_day: dict[_dt.date, list[str]] = {}
        for code, day in zip(codes, column):
            if day is not None and day.year != schema.year:
                by_day.setdefault(day, []).append(code)
        if not by_day:
            continue
        groups = []
        for day, units in sorted(by_day.items()):  # one date typed for many units is said once
            places = _(", ").join(field_where(code, spec.key) for code in units[:shown_at_most])
            if len(units) > shown_at_most:
                places += _(" and {0} more").format(len(units) - shown_at_most)
            groups.append(_("{0} for {1} unit(s): {2}").format(day.isoformat(), len(units), places))
        warn(
            _(
                "{0}: {1} unit(s) give a date outside {2}, the year {3} assesses: {4}; scored as given, "
                "and every window or deadline counted from it moves with it"
            ).format(spec.key, sum(map(len, by_day.values())), schema.year, schema.ruleset, _("; ").join(groups))
        )


def warn_rows_before_year(
    schema: EvidenceSchema,
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    row_where: Callable[[str, Any, int], str],
    scored: Collection[str] | None = None,
) -> None:
    """One warning per table column declared ``since_assessment_year`` naming the rows dated
    before the year the ruleset assesses (a few, then how many more): this year's work summary
    received the year before is last year's, or a year typed wrong. Scored as given, as a field's
    date outside its year (:func:`warn_dates_off_year`): a derived year may score last year's sample.
    ``scored``: the units the run scores (else every unit's rows are counted)."""
    from ._errors import warn
    from ._tablerows import TableRows

    first_day = _dt.date(schema.year, 1, 1)
    shown_at_most = 3
    for name in sorted(tables):
        spec = schema.tables.get(name)
        by_unit = tables[name]
        # The rows this run scores: its units', and its sub-units' in a table that rolls up (a
        # sub-unit's rows of another table are kept for its own category, not scored here).
        everyone = scored is None or (spec is not None and spec.rollup)
        for index, col in enumerate(spec.columns if spec is not None else (), start=2):  # a row: unit, line, cells
            if not col.since_assessment_year:
                continue
            cells = (
                by_unit.column(index - 2) if isinstance(by_unit, TableRows) else [row[index] for rows in by_unit.values() for row in rows]
            )
            present = list(filter(None, cells))
            if not present or min(present) >= first_day:
                continue
            early = [
                _("{0} ({1}, {2})").format(row_where(name, row, position), row.unit, row[index].isoformat())
                for code, rows in by_unit.items()
                if everyone or code in scored  # type: ignore[operator]
                for position, row in enumerate(rows)
                if row[index] is not None and row[index] < first_day
            ]
            if not early:
                continue
            places = _(", ").join(early[:shown_at_most])
            if len(early) > shown_at_most:
                places += _(" and {0} more").format(len(early) - shown_at_most)
            warn(
                _("{0}.{1}: {2} row(s) dated before {3}, the year {4} assesses: {5}; scored as given").format(
                    name, col.name, len(early), schema.year, schema.ruleset, places
                )
            )


#: How many years before and after its assessment year a date of the evidence may lie.
DATES_WITHIN_YEARS = 10


def dated_window(year: int) -> tuple[_dt.date, _dt.date]:
    """The first and last day a date of the evidence of ``year``'s assessment may be."""
    return _dt.date(max(1, year - DATES_WITHIN_YEARS), 1, 1), _dt.date(min(9999, year + DATES_WITHIN_YEARS), 12, 31)


def check_dates(
    where: str,
    schema: EvidenceSchema,
    codes: Sequence[str],
    values: Any,
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    field_where: Callable[[str, str], str],
    row_where: Callable[[str, Any, int], str],
) -> None:
    """Refuse a date decades away from the assessment's year: 2071 typed for 2017 was read as
    54 years late by a deadline rule, 1917 as on time. Each date column (of the fields, of
    each table) is first tested by its least and greatest value, in C-level passes; every
    date outside the window is then listed, with where it is.

    The window is wide (:data:`DATES_WITHIN_YEARS` years each side): a later year still
    scores last year's files, and a digit swapped in a year (2071, 2107, 1017) falls far out.
    """
    low, high = schema.dates
    problems: list[InputError] = []

    def outside(column: Any) -> bool:
        present = list(filter(None, column))  # a date is never false: the Nones (empty cells) go
        return bool(present) and (min(present) < low or max(present) > high)

    date_fields = [(spec, name) for spec, name in schema.by_key.values() if spec.type == "date"]
    if date_fields:
        for (spec, _name), column in zip(date_fields, field_columns(codes, values, [name for _spec, name in date_fields])):
            if outside(column):
                for code, day in zip(codes, column):
                    if day is not None and not low <= day <= high:
                        problems.append(InputError(field_where(code, spec.key), spec.key, _outside_text(schema, day)))
    from ._tablerows import TableRows

    for name in sorted(tables):
        spec = schema.tables.get(name)
        by_unit = tables[name]
        for index, col in enumerate(spec.columns if spec is not None else (), start=2):  # a row: unit, line, cells
            if col.type != "date":
                continue
            # A table kept as columns gives its column as it is; rows give theirs in one pass.
            cells = (
                by_unit.column(index - 2) if isinstance(by_unit, TableRows) else [row[index] for rows in by_unit.values() for row in rows]
            )
            if not outside(cells):
                continue
            for rows in by_unit.values():
                for position, row in enumerate(rows):
                    day = row[index]
                    if day is not None and not low <= day <= high:
                        problems.append(InputError(row_where(name, row, position), col.name, _outside_text(schema, day)))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        from ._errors import InputErrors

        raise InputErrors(
            where,
            _("{0} date(s) of the evidence lie outside the years the assessment's evidence can be from:").format(len(problems)),
            [str(problem) for problem in problems],
        )


def _outside_text(schema: EvidenceSchema, day: _dt.date) -> str:
    low, high = schema.dates
    return _(
        "expected a date from {0} to {1} ({2} years around {3}, the year {4} assesses), got {5}; is a digit of the year swapped?"
    ).format(low.isoformat(), high.isoformat(), DATES_WITHIN_YEARS, schema.year, schema.ruleset, day.isoformat())


#: How a value breaks its bound: above an ``at_most`` one, below an ``at_least`` one.
BREAKS = {"at_most": operator.gt, "at_least": operator.lt}


def broken(relation: str, value: Any, bound: Any) -> bool:
    return bool(BREAKS[relation](value, bound))


def relation_text(relation: str, kind: str) -> str:
    if kind == "date":
        return _("not after") if relation == "at_most" else _("not before")
    return _("at most") if relation == "at_most" else _("at least")


def units_to_check(schema: EvidenceSchema, codes: Sequence[str], values: Any, tables: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The units of ``codes`` (in their order) that :func:`check_unit` may refuse: those whose
    part and whole break their bound, and every unit with rows in a table it checks.

    The bounds are compared a column at a time (a dict per unit and a call per bound took about
    0.6 s for 100,000 units); check_unit then runs for these units alone, in the same order, so
    the first problem reported is the one a check of every unit reports. At any doubt (a unit
    still being filled, a value that is None, a comparison that raises) every unit is checked.
    """
    if not schema.bounds:
        flagged: set[int] = set()
    else:
        from ._fieldvalues import FieldValues

        names = list(dict.fromkeys(name for *_, name, bounding in schema.bounds for name in (name, bounding)))
        found = values.columns(codes, names, 0) if isinstance(values, FieldValues) else None
        if found is None:
            return list(codes)
        columns, lacking = found
        by_name = dict(zip(names, columns))
        if any(None in column for column in columns):
            return list(codes)
        flagged = set()
        try:
            for _spec, relation, _other, name, bounding_name in schema.bounds:
                value, bound = by_name[name], by_name[bounding_name]
                absent = set(lacking.get(name, ())) | set(lacking.get(bounding_name, ()))
                if absent:  # a value or its bound absent: not compared (0 against 0 is not broken)
                    value, bound = list(value), list(bound)
                    for row in absent:
                        value[row] = bound[row] = 0
                broken_rows = map(BREAKS[relation], value, bound)  # as broken(), a column at a time
                flagged.update(itertools.compress(range(len(codes)), broken_rows))
        except (TypeError, ArithmeticError):
            return list(codes)
    if schema.disjoint:
        disjoint = _disjoint_broken(schema, codes, values)
        if disjoint is None:
            return list(codes)
        flagged |= disjoint
    with_rows: set[str] = set()
    for name, _table, _within in schema.checked_tables:
        with_rows.update(tables.get(name, {}))
    return [code for position, code in enumerate(codes) if position in flagged or code in with_rows]


_last_schema: list[tuple[Plan, EvidenceSchema]] = []  # the plan is held: its id is not reused while it is here


def schema_of(plan: Plan) -> EvidenceSchema:
    """The :class:`EvidenceSchema` of ``plan``, made once for the plan used last (a process
    scores one plan at a time; an improvement plan applies dozens of changes per unit)."""
    if _last_schema and _last_schema[0][0] is plan:
        return _last_schema[0][1]
    schema = EvidenceSchema(plan)
    _last_schema[:] = [(plan, schema)]
    return schema


def check_unit(
    schema: EvidenceSchema,
    code: str,
    values: Mapping[str, Any] | None,
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    field_where: Callable[[str], str],
    row_where: Callable[[str, Any, int], str],
) -> None:
    """The constraints that span several values of one unit (READING 15: impossible evidence).

    A part larger than its whole, a monitoring row repeated where one row per key is
    allowed, a row referring to a month (or any key) the unit's other table lacks, more rows
    of a kind than a unit can have: bad input, named by file (and CSV line), key and
    expectation. Absent values are not checked here: they are *missing* evidence, reported as
    such. ``row_where(table, row, position)`` says where a row of the unit comes from
    (``position``: its place among the unit's rows of that table).

    ``values`` is ``None`` for a sub-unit whose rows roll up to a unit of this category: its
    own values belong to its category, its rows are checked here as any unit's.
    """
    if values is not None:
        _check_bounds(schema, values, field_where)
        _check_disjoint(schema, values, field_where)
    for name, tbl, within in schema.checked_tables:
        rows = tables.get(name, {}).get(code, ())
        if not rows:
            continue
        if tbl.unique:
            seen: dict[tuple[Any, ...], Any] = {}
            for position, row in enumerate(rows):
                ident = tuple(getattr(row, c) for c in tbl.unique)
                if ident in seen:
                    shown = ", ".join(f"{c} {show(v)}" for c, v in zip(tbl.unique, ident))
                    raise InputError(
                        row_where(name, row, position),
                        ", ".join(tbl.unique),
                        _("expected one row per unit and {0}; {1} has {2} already on line {3}").format(
                            ", ".join(tbl.unique), code, shown, seen[ident].line
                        ),
                    )
                seen[ident] = row
        if tbl.rows_at_most is not None:
            _check_row_count(name, tbl.rows_at_most, code, rows, row_where)
        for col in within:
            if col.within is None:  # none is: checked_tables holds the columns with one
                continue
            target, target_column, where_items = col.within
            candidates = [r for r in tables.get(target, {}).get(code, ()) if all(getattr(r, k) == v for k, v in where_items)]
            if not candidates:
                continue  # nothing recorded there for this unit: that evidence is missing, not contradicted
            allowed = sorted({getattr(r, target_column) for r in candidates})
            for position, row in enumerate(rows):
                value = getattr(row, col.name)
                if value is not None and value not in allowed:
                    condition = "".join(_(" with {0} {1}").format(k, v) for k, v in where_items)
                    raise InputError(
                        row_where(name, row, position),
                        col.name,
                        _("expected a {0} that {1}{2} records for {3} ({4}), got {5}").format(
                            target_column, target, condition, code, ", ".join(show(a) for a in allowed), show(value)
                        ),
                    )


def _check_bounds(schema: EvidenceSchema, values: Mapping[str, Any], field_where: Callable[[str], str]) -> None:
    """A part larger than its whole (or smaller than its least) among one unit's values."""
    for spec, relation, other, name, bounding_name in schema.bounds:
        value, bound = values.get(name), values.get(bounding_name)
        if value is None or bound is None:
            continue
        if broken(relation, value, bound):
            raise InputError(
                field_where(spec.key),
                spec.key,
                _("expected {0} {1} ({2}), got {3}").format(relation_text(relation, spec.type), other.key, show(bound), show(value)),
            )


def _check_disjoint(schema: EvidenceSchema, values: Mapping[str, Any], field_where: Callable[[str], str]) -> None:
    """An item listed in two lists of one unit that hold no item in common (``unique_across``)."""
    for members in schema.disjoint:
        first: dict[Any, Field] = {}
        for spec, name in members:
            for item in values.get(name) or ():
                earlier = first.setdefault(item, spec)
                if earlier is not spec:
                    raise InputError(
                        field_where(spec.key),
                        spec.key,
                        _("{0} is listed in {1} too; expected each item in one of {2}").format(
                            repr(item), earlier.key, ", ".join(s.key for s, _name in members)
                        ),
                    )


def _disjoint_broken(schema: EvidenceSchema, codes: Sequence[str], values: Any) -> set[int] | None:
    """The positions of ``codes`` whose lists of a ``unique_across`` group share an item
    (``None``: not known without a unit-by-unit check)."""
    from ._fieldvalues import FieldValues

    flagged: set[int] = set()
    for members in schema.disjoint:
        names = [name for _spec, name in members]
        found = values.columns(codes, names, ()) if isinstance(values, FieldValues) else None
        if found is None:
            return None
        for position, lists in enumerate(zip(*found[0])):
            items = [item for listed in lists if listed for item in listed]
            if len(items) != len(set(items)):
                flagged.add(position)
    return flagged


def sub_units_with_rows(schema: EvidenceSchema, tables: Mapping[str, Mapping[str, Any]], units: Collection[str]) -> list[str]:
    """The codes, other than ``units``, that have rows in a table :func:`check_unit` looks at:
    sub-units whose rows roll up to a unit of this category, checked with ``values=None``."""
    found: set[str] = set()
    for name, _table, _within in schema.checked_tables:
        found.update(code for code in tables.get(name, {}) if code not in units)
    return sorted(found)


def _check_row_count(
    name: str,
    rows_at_most: tuple[str, tuple[tuple[str, int], ...]],
    code: str,
    rows: Sequence[Any],
    row_where: Callable[[str, Any, int], str],
) -> None:
    """A unit with more rows of a kind than it can have (a table's ``rows_at_most``: a county
    missing a fourth of its three HD rooms)."""
    column, bounds = rows_at_most
    for value, most in bounds:
        of_kind = [(position, row) for position, row in enumerate(rows) if getattr(row, column) == value]
        if len(of_kind) > most:
            position, row = of_kind[most]
            places = [row_where(name, r, p) for p, r in of_kind]
            if len({place.rpartition(":")[0] for place in places}) > 1:  # rows of several files: each by its file
                listed = _("rows {0}").format(", ".join(places))
            else:
                listed = _("lines {0}").format(", ".join(str(r.line) for _p, r in of_kind))
            raise InputError(
                row_where(name, row, position),
                column,
                _("expected at most {0} rows with {1} {2} for a unit; {3} has {4} ({5})").format(
                    most, column, value, code, len(of_kind), listed
                ),
            )


def check_row(columns: Sequence[Column], row: Mapping[str, Any], where: str) -> None:
    """Constraints between the columns of one row: a reply not before its letter, a maximum by kind."""
    for col in columns:
        value = row[col.name]
        if value is None:
            continue
        for relation in ("at_most", "at_least"):
            other = getattr(col, relation)
            bound = row.get(other) if other else None
            if bound is not None and broken(relation, value, bound):
                raise InputError(
                    where,
                    col.name,
                    _("expected {0} {1} ({2}), got {3}").format(relation_text(relation, col.type), other, show(bound), show(value)),
                )
        if col.after_year:
            year = row.get(col.after_year)
            if year is not None and value.year <= year:
                raise InputError(
                    where, col.name, _("expected a date after {0} ({1}) is over, got {2}").format(col.after_year, year, show(value))
                )
        if col.max_by is not None:
            by, maxima = col.max_by
            limit = dict(maxima).get(row.get(by, ""))
            if limit is not None and value > limit:
                raise InputError(
                    where, col.name, _("expected at most {0} when {1} is {2}, got {3}").format(limit, by, row.get(by), show(value))
                )
