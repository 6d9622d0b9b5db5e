"""The assessment cycle: evidence changes (what-ifs, appeals), run records and diffs.

A *change* is what ``whatif`` and an appeal apply to one unit's evidence:

* ``--set FIELD=VALUE``: the value is a TOML value (``80``, ``true``, ``2017-11-15``,
  ``"text"``, ``{ points = 4, reason = "..." }``); a bare word that is not TOML is a string;
* ``--add-row TABLE:COLUMN=VALUE,COLUMN=VALUE``: a monitoring row for the unit (a
  ``unit=CODE`` column names one of its sub-units);
* ``--remove-row TABLE:LINE``: the unit's row at that line of the table's CSV file
  (the line the explanations show).

Every value is checked by the field's or column's own type, exactly as evidence files are.

A *run record* is the plain shape a run is saved and compared in: exact decimal
strings (``str(Decimal)``), statuses and explanation lines per unit and indicator.
A fresh run and a saved one give the same record, so ``diff`` compares either.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from ._collect import Plan, natural_key, nodes_leaves
from ._errors import InputError, UsageError, did_you_mean
from ._evidence_set import EvidenceSet
from ._frozen import frozen
from ._i18n import gettext as _
from ._i18n import language
from ._load import parse_rows
from ._model import Unit
from ._results import RunResult, UnitResult
from ._run import Engine
from ._schema import check_dates, check_unit, other_ruleset_field, retired_field, schema_of, warn_dates_off_year, warn_rows_before_year
from ._score import EXACT_SUMS, ZERO, fmt, fmt_points, in_scoring_context
from ._text import show
from ._toml import MAX_DEPTH, check_limits

#: Version of the JSON shapes of whatif, plan and history (schemas/<command>.schema.json).
SCHEMA_VERSION = 1
#: Version of the JSON of diff (schemas/diff.schema.json). 2: an indicator one run scores and the
#: other does not (a year that removed or added it) has the delta of the points it took away or
#: brought (it was null), and says which (``change``); each indicator carries both maxima, the
#: document the sections of both sides, each unit its section points on both sides.
DIFF_SCHEMA_VERSION = 2


def toml_value(text: str, where: str = "--set", key: str = "") -> Any:
    """A TOML value (decimals exact); text that is not a TOML value is taken as a string.

    The limits of a TOML evidence file hold here too (nesting, the size and precision of a
    number): ``1e-999999999`` given to ``--set`` otherwise made an exact delta of a billion
    digits, and 5,000 nested brackets a RecursionError.
    """
    import tomllib

    try:
        value = tomllib.loads(f"v = {text}", parse_float=Decimal)["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise InputError(where, key, _("nested too deeply (at most {0} levels)").format(MAX_DEPTH)) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(where, key, _("invalid TOML: {0}").format(exc)) from None
    check_limits({key or "value": value}, where)
    return value


def _split_top(text: str) -> list[str]:
    """Split ``a=1,b="x,y",c={p=1, r="q"}`` on the commas outside quotes and braces."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def appealed_leaves(plan: Plan, indicator: str) -> set[str]:
    """The indicators an appeal against ``indicator`` may change: the indicator itself, or every
    target of a veto (an appeal names a veto by its code, as explanations do: 注1's W-L-V1)."""
    veto = next((veto for veto in plan.vetoes if veto.code == indicator), None)
    return set(veto.leaves) if veto is not None else set(nodes_leaves(plan.nodes, indicator))


def changes_elsewhere(plan: Plan, indicator: str, changes: Changes) -> list[tuple[str, tuple[str, ...]]]:
    """The fields and tables ``changes`` touch that nothing under ``indicator`` reads (neither
    its indicators nor a veto on them), each with the codes it feeds: an appeal against one
    indicator that changes another's evidence was accepted and moved the other's points.
    (What a veto on them reads may change others' points too: :func:`moved_elsewhere` sees that.)"""
    under = appealed_leaves(plan, indicator)  # what fields and tables feed: indicators and vetoes
    under |= {veto.code for veto in plan.vetoes if veto.leaves & under}
    touched = (
        [key for key, _text in changes.sets] + [table for table, _row in changes.add_rows] + [table for table, _line in changes.remove_rows]
    )
    out = []
    for name in dict.fromkeys(touched):
        feeds = plan.feeds.get(name)
        if feeds is not None and not set(feeds) & under:
            out.append((name, feeds))
    return out


@in_scoring_context
def moved_elsewhere(cycle: CycleRun, indicator: str, unit: str, children: tuple[Unit, ...]) -> list[tuple[str, Decimal, Decimal, str]]:
    """The indicators outside ``indicator`` (its leaves; a veto's code: its targets) whose points
    or status the what-if of ``cycle`` moved for ``unit``: ``(code, before, after, veto)``, where
    ``veto`` is the code of a veto on the indicator whose verdict the change turned ("" if none).

    A table feeds several indicators, and which one a row counts for is the rule's to say (a
    video finding's kind): an appeal whose row moved another indicator was filed and accepted
    against the first, its record saying one indicator while another and the total moved. So
    with a veto: a letter answered in time lifts 注1 from every indicator of 咨询投诉, and an
    appeal against one of them that did so moved the other; that is an appeal of the veto."""
    plan, result = cycle.result.plan, cycle.result
    if cycle.original is None or cycle.data is None:
        return []
    under = appealed_leaves(plan, indicator)
    scored = next((u for u in result.units if u.unit.code == unit), None)
    if scored is None:
        return []
    # After: the run's own result of the unit; before: the unit scored on the evidence unchanged.
    found = Engine(plan, result.selected).score(
        scored.unit, cycle.original.values.get(unit, {}), cycle.original.tables, children, cycle.original.files.get(unit, "")
    )
    before = {item.code: item for item in found.indicators}
    after = {item.code: item for item in scored.indicators}
    verdicts = {veto.code: veto.status for veto in found.vetoes}
    turned = [veto.code for veto in scored.vetoes if verdicts.get(veto.code, veto.status) != veto.status]
    leaves = {code for code, node in plan.nodes.items() if not node.children}  # a group moves with its leaves
    targets = {veto.code: veto.leaves for veto in plan.vetoes}
    moved = []
    for code in sorted(after, key=natural_key):
        was, now = before.get(code), after[code]
        if code in under or was is None or code not in leaves:
            continue
        if was.points != now.points or was.status != now.status:
            through = next((veto for veto in turned if code in targets.get(veto, ()) and targets[veto] & under), "")
            moved.append((code, was.points, now.points, through))
    return moved


@frozen
class Changes:
    """Evidence changes for one unit, kept as the text the user gave (so they can be stored and shown)."""

    sets: tuple[tuple[str, str], ...] = ()  # (field key, TOML text)
    add_rows: tuple[tuple[str, str], ...] = ()  # (table, "column=value,...")
    remove_rows: tuple[tuple[str, int], ...] = ()  # (table, line)
    #: For an appeal: the cells of each removed row when it was filed (aligned with
    #: ``remove_rows``; ``None`` where not known), so that a row that moved to another line
    #: since is an error, not another row removed in its place.
    removed_cells: tuple[tuple[str, ...] | None, ...] = ()

    @classmethod
    def from_options(cls, sets: Sequence[str] = (), add_rows: Sequence[str] = (), remove_rows: Sequence[str] = ()) -> Changes:
        parsed_sets: list[tuple[str, str]] = []
        for option in sets:
            key, eq, value = option.partition("=")
            if not eq or not key.strip():
                raise UsageError(
                    _("--set {0}: expected FIELD=VALUE: a field key as escore template lists it, '=', then its value").format(repr(option))
                )
            earlier = next((given for field, given in parsed_sets if field == key.strip()), None)
            if earlier is not None:  # the later would win without a word
                raise UsageError(
                    _("--set {0} is given twice ({1}, then {2}): give each field once").format(key.strip(), earlier, value.strip())
                )
            parsed_sets.append((key.strip(), value.strip()))
        parsed_adds = []
        for option in add_rows:
            table, colon, row = option.partition(":")
            if not colon or not table.strip():
                raise UsageError(_("--add-row {0}: expected TABLE:COLUMN=VALUE,COLUMN=VALUE").format(repr(option)))
            parsed_adds.append((table.strip(), row.strip()))
        parsed_removes = []
        for option in remove_rows:
            table, colon, line = option.partition(":")
            if not colon or not line.strip().isdigit():
                raise UsageError(_("--remove-row {0}: expected TABLE:LINE, e.g. --remove-row website_notices:4").format(repr(option)))
            if (table.strip(), int(line)) in parsed_removes:  # the second was refused as "not this unit's row"
                raise UsageError(_("--remove-row {0}:{1} is given twice: give each row once").format(table.strip(), int(line)))
            parsed_removes.append((table.strip(), int(line)))
        return cls(tuple(parsed_sets), tuple(parsed_adds), tuple(parsed_removes))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Changes:
        removed = data.get("remove_row", ())
        return cls(
            tuple((s["field"], s["value"]) for s in data.get("set", ())),
            tuple((a["table"], a["row"]) for a in data.get("add_row", ())),
            tuple((r["table"], int(r["line"])) for r in removed),
            tuple(tuple(r["cells"]) if r.get("cells") is not None else None for r in removed),
        )

    def to_dict(self) -> dict[str, Any]:
        cells = dict(zip(self.remove_rows, self.removed_cells))
        removed: list[dict[str, Any]] = []
        for table, line in self.remove_rows:
            kept = cells.get((table, line))
            removed.append({"table": table, "line": line} if kept is None else {"table": table, "line": line, "cells": list(kept)})
        return {
            "set": [{"field": k, "value": v} for k, v in self.sets],
            "add_row": [{"table": t, "row": r} for t, r in self.add_rows],
            "remove_row": removed,
        }

    def with_removed_cells(self, plan: Plan, data: EvidenceSet, unit: str, children: Sequence[str] = ()) -> Changes:
        """These changes with the cells of each row they remove, as ``data`` holds them (for an appeal)."""
        specs = {t.name: t for t in plan.tables}
        found = []
        for name, line in self.remove_rows:
            spec = specs.get(name)
            rows = [row for code in (unit, *children) for row in data.tables.get(name, {}).get(code, ()) if row.line == line]
            found.append(row_cells(spec, rows[0]) if spec is not None and rows else None)
        return attrs.evolve(self, removed_cells=tuple(found))

    def __bool__(self) -> bool:
        return bool(self.sets or self.add_rows or self.remove_rows)

    def args(self) -> list[str]:
        """The command-line options that make these changes."""
        out: list[str] = []
        for key, value in self.sets:
            out += ["--set", f"{key}={value}"]
        for table, row in self.add_rows:
            out += ["--add-row", f"{table}:{row}"]
        for table, line in self.remove_rows:
            out += ["--remove-row", f"{table}:{line}"]
        return out

    def describe(self) -> str:
        import shlex

        return " ".join(shlex.quote(a) for a in self.args())

    def apply(self, plan: Plan, data: EvidenceSet, unit: str, children: Sequence[str] = (), where: str = "") -> EvidenceSet:
        """``data`` with these changes made to ``unit``'s evidence; nothing of ``data`` is mutated."""
        values = dict(data.values.get(unit, {}))
        changed: dict[str, Any] = {}  # the values set, checked as loading checks a file's
        fields = {f.key: f for f in plan.fields}
        for key, text in self.sets:
            spec = fields.get(key)
            if spec is None:
                every = {d.field.key for d in plan.fixtures.values() if d.field is not None}
                if key in plan.retired_fields:
                    raise InputError(where or "--set", key, retired_field(schema_of(plan), key))
                if key in every:
                    raise InputError(where or "--set", key, _("this field is not read by category '{0}'").format(plan.category.key))
                elsewhere = other_ruleset_field(plan.ruleset.name, plan.other_fields, key)
                if elsewhere is not None:
                    raise InputError(where or "--set", key, elsewhere)
                raise InputError(where or "--set", key, _("unknown evidence field"), hint=did_you_mean(key, fields))
            # Checked against this category's maximum, as an evidence file of the unit is: the
            # largest of any category let a grade above the unit's own reach the rule.
            own = spec.for_category(plan.category.key)
            values[spec.fixture_name] = own.parse(toml_value(text, where or "--set", key), where or "--set", key)
            changed[spec.fixture_name] = values[spec.fixture_name]
        tables = dict(data.tables)
        added_rows: dict[str, dict[str, tuple[Any, ...]]] = {}
        specs = {t.name: t for t in plan.tables}
        owners = (unit, *children)
        removed_cells = dict(zip(self.remove_rows, self.removed_cells))
        said: list[str] = []  # warnings the published result keeps, as a file's are
        for name, line in self.remove_rows:
            spec = _table(specs, name, where or "--remove-row")
            by_unit = dict(tables.get(name, {}))
            found = False
            expected = removed_cells.get((name, line))
            if expected is not None:
                # An appeal keeps the cells of the row it removes: when a later wave of evidence
                # moved the row (rows added above it), it follows the row, and says where it went;
                # a row no longer there at all, or another in its place, is refused below.
                line, moved = _row_moved(spec, by_unit, owners, line, expected, where)
                if moved:
                    said.append(moved)
            for code in owners:
                rows = by_unit.get(code, ())
                for present in rows:
                    if present.line == line and expected is not None and row_cells(spec, present) != expected:
                        raise InputError(
                            where or "--remove-row",
                            f"{spec.name}:{line}",
                            _("the row at this line is not the one this change was made for ({0}; now {1}); the file changed since").format(
                                _cells_text(spec, expected), _cells_text(spec, row_cells(spec, present))
                            ),
                        )
                kept = tuple(row for row in rows if row.line != line)
                if len(kept) != len(rows):
                    by_unit[code] = kept
                    found = True
            if not found:
                lines = sorted(row.line for code in owners for row in tables.get(name, {}).get(code, ()))
                have = _("its rows are at lines {0}").format(", ".join(map(str, lines))) if lines else _("it has no rows in this table")
                raise InputError(
                    where or "--remove-row", f"{spec.name}:{line}", _("no row of unit '{0}' at this line; {1}").format(unit, have)
                )
            tables[name] = by_unit
        for name, text in self.add_rows:
            spec = _table(specs, name, where or "--add-row")
            row: dict[str, Any] = {"unit": unit}
            given: set[str] = set()  # the columns the text gives ("unit" is this unit's unless given)
            for part in _split_top(text):
                column, eq, value = part.partition("=")
                if not eq:
                    raise InputError(where or "--add-row", f"{name}:{part}", _("expected COLUMN=VALUE"))
                if column.strip() in row and (column.strip() != "unit" or "unit" in given):  # the later had won without a word
                    raise InputError(
                        where or "--add-row", f"{name}:{column.strip()}", _("the column is given twice in one row: give each column once")
                    )
                given.add(column.strip())
                row[column.strip()] = toml_value(value.strip(), where or "--add-row", f"{name}:{column.strip()}")
            if row["unit"] not in owners:
                raise InputError(
                    where or "--add-row",
                    f"{name}:unit",
                    _("expected '{0}' or one of its sub-units, got {1}").format(unit, show(row["unit"])),
                )
            if row["unit"] != unit and not spec.rollup:  # its rows here count for nobody: a deduction lost
                raise InputError(
                    where or "--add-row",
                    f"{name}:unit",
                    _(
                        "{0} does not roll up: a sub-unit's rows count for its parent in roll-up tables only; record this row under '{1}'"
                    ).format(name, unit),
                )
            by_unit = dict(tables.get(name, {}))
            # After every row of the table and every row added (never a line a removed row had): a
            # row no file holds. A set decoded for some units (explain, plan) keeps the table's last
            # line of the whole set, so that the added row has the number a run of every unit gives.
            loaded = max((r.line for rows in (*data.tables.get(name, {}).values(), *by_unit.values()) for r in rows), default=1)
            last = max(loaded, data.last_lines.get(name, 0))
            try:
                added = list(parse_rows([(last + 1, row)], spec, name, from_text=False))
            except InputError as problem:  # named by the option and the table: the row's line is no file's
                key = f"{name}:{problem.key}" if problem.key else name
                raise InputError(where or "--add-row", key, problem.expected, hint=problem.hint) from None
            added_here = added_rows.setdefault(name, {})
            for code, parsed in added:
                by_unit[code] = (*by_unit.get(code, ()), parsed)
                added_here[code] = (*added_here.get(code, ()), parsed)
            tables[name] = by_unit
        # The checks across one unit's values that loading made (a part above its whole, a
        # row repeated where one per key is allowed): a change must not slip past them.
        schema = schema_of(plan)  # made once: an improvement plan applies dozens of changes per unit
        added_ids = {id(row) for by_unit in added_rows.values() for rows in by_unit.values() for row in rows}

        def row_where(name: str, row: Any, _position: int) -> str:  # a row added is no file's line
            return f"{where or '--add-row'}: {name}" if id(row) in added_ids else f"{name}:{row.line}"

        for code in owners:  # a sub-unit's values are its category's: its rolled-up rows are checked
            check_unit(schema, code, values if code == unit else data.values.get(code), tables, lambda _key: where or "--set", row_where)
        # A date decades away (2071 for 2017) is refused here as in a file; one outside the
        # assessed year, of a date of the assessment itself, is warned of.
        check_dates(
            where or "--set",
            schema,
            [unit],
            {unit: changed},
            added_rows,
            lambda _code, _key: where or "--set",
            row_where,
        )
        warn_dates_off_year(schema, [unit], {unit: changed}, lambda _code, _key: where or "--set")
        warn_rows_before_year(schema, added_rows, row_where)
        return attrs.evolve(data, values={**data.values, unit: values}, tables=tables, warnings=(*data.warnings, *said))


def _row_moved(
    spec: Any, by_unit: Mapping[str, Sequence[Any]], owners: Sequence[str], line: int, cells: Sequence[str], where: str
) -> tuple[int, str]:
    """The line of the row with ``cells`` among the rows of ``owners``, and what to say of it:
    ``line`` when it is there still, else the first line that holds those very cells now (said
    on stderr, and returned for the published result), else ``line`` (refused by the caller,
    which names what it finds there)."""
    rows = [row for code in owners for row in by_unit.get(code, ())]
    if any(row.line == line and row_cells(spec, row) == tuple(cells) for row in rows):
        return line, ""
    now = sorted(row.line for row in rows if row_cells(spec, row) == tuple(cells))
    if not now:
        return line, ""
    from ._errors import warn

    message = _("{0}: {1}:{2}: the row it removes ({3}) is at line {4} now (the file changed since); removed there").format(
        where or "--remove-row", spec.name, line, _cells_text(spec, cells), now[0]
    )
    warn(message)
    return now[0], message


def row_cells(spec: Any, row: Any) -> tuple[str, ...]:
    """A monitoring row's cells as text, in the table's column order: what identifies the row."""
    return tuple("" if (value := getattr(row, column.name)) is None else str(value) for column in spec.columns)


def _cells_text(spec: Any, cells: Sequence[str]) -> str:
    return ", ".join(f"{column.name}={cell}" for column, cell in zip(spec.columns, cells))


def _table(specs: Mapping[str, Any], name: str, where: str) -> Any:
    spec = specs.get(name)
    if spec is None:
        hint = did_you_mean(name, specs) or _("tables: {0}").format(", ".join(sorted(specs)))
        raise InputError(where, name, _("unknown monitoring table"), hint=hint)
    return spec


# ---------------------------------------------------------------------- runs with overlays


@frozen
class CycleRun:
    """A run with the accepted appeals (and a what-if) applied, and what was applied."""

    result: RunResult
    appeals: tuple[int, ...]
    original: EvidenceSet | None
    data: EvidenceSet | None


@in_scoring_context
def run_cycle(
    catalog: Any,
    category: str,
    *,
    ruleset: str | None = None,
    year: int | None = None,
    evidence: Sequence[Path] = (),
    keyword: str | None = None,
    marks: str | None = None,
    explain: bool = True,
    only: Sequence[str] = (),
    appeals: Sequence[Mapping[str, Any]] = (),
    whatif: tuple[str, Changes] | None = None,
    roster: Path | None = None,
    lazy: bool = False,
) -> CycleRun:
    """Run a category with accepted ``appeals`` (store records) and an optional what-if applied
    (``roster``: a units table instead of the pack's roster; ``lazy``: a summary per unit kept;
    both as :func:`escore.run_category`).

    Appeals apply in the order filed; a what-if comes after them. Each appeal's effect is
    written into the explanation of the indicators it changed.
    """
    from ._session import children_of, run_category

    seen: dict[str, Any] = {}

    def overlay(plan: Plan, data: EvidenceSet) -> EvidenceSet:
        seen["plan"], seen["original"] = plan, data
        kids = children_of(catalog, plan)
        steps: list[tuple[Mapping[str, Any], EvidenceSet]] = []
        for appeal in appeals:
            if appeal["unit"] not in data.values:
                continue
            children = [c.code for c in kids.get(appeal["unit"], ())]
            try:
                data = Changes.from_dict(appeal["changes"]).apply(
                    plan, data, appeal["unit"], children, _("appeal #{0}").format(appeal["id"])
                )
            except InputError as exc:
                # The appeal was filed on other evidence (or the file changed since): say how it
                # comes to apply here, and how to score this evidence without it.
                raise InputError(
                    exc.where,
                    exc.key,
                    exc.expected,
                    hint=_("accepted appeals apply to every later run of {0} {1}; --no-appeals scores without them").format(
                        plan.ruleset.name, plan.category.key
                    ),
                ) from None
            steps.append((appeal, data))
        seen["steps"], seen["children"] = steps, kids
        if whatif is not None:
            unit, changes = whatif
            if unit not in data.values:
                raise UsageError(_("no unit '{0}' in category '{1}'").format(unit, plan.category.key))
            try:
                data = changes.apply(plan, data, unit, [c.code for c in kids.get(unit, ())])
            except InputError as exc:
                raise _removed_by_appeal(exc, changes, unit, steps) from None
        seen["data"] = data
        return data

    result = run_category(
        catalog,
        category,
        ruleset=ruleset,
        year=year,
        evidence=evidence,
        keyword=keyword,
        marks=marks,
        only=only,
        explain=explain,
        overlay=overlay,
        roster=roster,
        lazy=lazy,
    )
    steps = seen.get("steps", [])
    if steps and explain:
        result = _annotate(result, seen["original"], steps, seen["children"])
    if steps:  # the evidence files alone no longer give these numbers: the published result says so
        applied = ", ".join(f"#{appeal['id']} {appeal['unit']} {appeal['indicator']}" for appeal, _data in steps)
        note = _("scored with accepted appeal(s) {0} applied to the evidence (--no-appeals scores without them)").format(applied)
        result = result._replace(warnings=(*result.warnings, note))
    return CycleRun(result, tuple(a["id"] for a, _ in steps), seen.get("original"), seen.get("data"))


def _removed_by_appeal(exc: InputError, changes: Changes, unit: str, steps: Sequence[tuple[Mapping[str, Any], EvidenceSet]]) -> InputError:
    """``exc``, a what-if's row not found, said again when an accepted appeal applied before it
    removes that row already (it had said the unit has no row at that line)."""
    for table, line in changes.remove_rows:
        if exc.key != f"{table}:{line}":
            continue
        for appeal, _data in steps:
            if appeal["unit"] == unit and (table, line) in Changes.from_dict(appeal["changes"]).remove_rows:
                return InputError(
                    exc.where,
                    exc.key,
                    _("accepted appeal #{0} removes this row already").format(appeal["id"]),
                    hint=_("--no-appeals scores without the appeals"),
                )
    return exc


@in_scoring_context
def whatif_in_table(
    catalog: Any,
    category: str,
    code: str,
    changes: Changes,
    *,
    roster: Path,
    ruleset: str | None = None,
    evidence: Sequence[Path] = (),
) -> tuple[dict[str, Any], CycleRun]:
    """A what-if of the unit ``code`` of the units table ``roster``: what :func:`diff_records`
    gives for it (``only=code``), ranked among every unit of the table, and the run after.

    Only the unit's own score changes: a unit reads its own evidence and its sub-units', and a
    sub-unit is of another category. So the unit alone is scored before and after, with its
    explanations, and the others once, by the first pass of a large run (their totals, in as
    many processes as pay): a table of 100,000 units costs one run, not two runs that keep every
    explanation line. A units table has no accepted appeals (they apply to the packs' rosters).
    """
    from ._session import run_category
    from ._stream import summaries_of

    # A category that is its own sub-units' (a pack may nest units of one kind) would let the
    # change move a parent's score too: every unit is then scored before and after.
    alone = catalog.plan(catalog.choose(category, ruleset=ruleset).name, category).category.subunits != category

    def one(whatif: tuple[str, Changes] | None = None) -> CycleRun:
        only = [code] if alone else []
        return run_cycle(catalog, category, ruleset=ruleset, evidence=evidence, roster=roster, only=only, whatif=whatif)

    before, after = one(), one((code, changes))
    members = (section_members(before.result.plan), section_members(after.result.plan))
    data = diff_records(run_record(before, catalog), run_record(after, catalog), only=code, members=members)["units"][0]
    if not alone:
        return {**data, "units_ranked": len(after.result.units)}, after
    everyone = run_category(catalog, category, ruleset=ruleset, evidence=evidence, roster=roster, explain=False, lazy=True)
    others = [s.total for s in summaries_of(everyone.units) if s.unit.code != code]

    def rank(total: Decimal) -> int:  # as escore._run.rank: 1 + the units ahead (equal totals share a rank)
        return 1 + sum(1 for other in others if other > total)

    data["rank_before"] = rank(before.result.units[0].total)
    data["rank_after"] = rank(after.result.units[0].total)
    data["units_ranked"] = len(others) + 1
    return data, after


def _annotate(
    result: RunResult, original: EvidenceSet, steps: Sequence[tuple[Mapping[str, Any], EvidenceSet]], kids: Mapping[str, Any]
) -> RunResult:
    """Add "points changed by appeal #N" lines: each appeal's unit scored before and after it."""
    engine = Engine(result.plan, result.selected)
    by_code = {r.unit.code: i for i, r in enumerate(result.units)}
    units = list(result.units)
    previous: dict[str, EvidenceSet] = {}
    last = {appeal["unit"]: data for appeal, data in steps}  # each unit's evidence after all its appeals
    after_appeals: dict[str, dict[str, Decimal]] = {}  # its points then, worked out when needed
    for appeal, after in steps:
        code = appeal["unit"]
        position = by_code.get(code)
        if position is None:
            continue
        before = previous.get(code, original)
        previous[code] = after
        unit = units[position].unit
        children = kids.get(code, ())

        def score(data: EvidenceSet, unit: Any = unit, children: Any = children, code: str = code) -> UnitResult:
            return engine.score(unit, data.values.get(code, {}), data.tables, children, data.files.get(code, ""))

        old, new = score(before), score(after)
        old_points = {i.code: i for i in old.indicators}
        # The points the run shows (a what-if, applied after the appeals, may have moved them).
        shown = {i.code: i.points for i in units[position].indicators}
        lines: dict[str, str] = {}
        for item in new.indicators:
            was = old_points.get(item.code)
            if was is not None and (was.points != item.points or was.status != item.status):
                template = _("points changed by appeal #{0}: {1} → {2} ({3})")
                if shown.get(item.code, item.points) != item.points:  # moved again since: by a later appeal, or a what-if
                    if code not in after_appeals:
                        after_appeals[code] = {i.code: i.points for i in score(last[code]).indicators}
                    template = (
                        _("points changed by appeal #{0}: {1} → {2}, before a later appeal ({3})")
                        if after_appeals[code].get(item.code, item.points) != item.points
                        else _("points changed by appeal #{0}: {1} → {2}, before the what-if ({3})")
                    )
                lines[item.code] = template.format(appeal["id"], fmt_points(was.points), fmt_points(item.points), appeal["claim"])
        # An appeal of a veto (its code) is said on each indicator the veto targets.
        named = appeal["indicator"] in result.plan.nodes or any(veto.code == appeal["indicator"] for veto in result.plan.vetoes)
        appealed = appealed_leaves(result.plan, appeal["indicator"]) if named else {appeal["indicator"]}
        if not appealed & set(lines):
            for target in appealed:
                lines[target] = _("appeal #{0} accepted, no change in points ({1})").format(appeal["id"], appeal["claim"])
        current = units[position]
        indicators = tuple(i._replace(reasons=(*i.reasons, lines[i.code])) if i.code in lines else i for i in current.indicators)
        units[position] = current._replace(indicators=indicators)
    return result._replace(units=tuple(units))


# ---------------------------------------------------------------------- records


def run_record(cycle: CycleRun, catalog: Any = None, *, kind: str = "run", label: str = "", whatif: str = "") -> dict[str, Any]:
    """The plain record of a run, exact: what ``--save`` stores and ``diff`` compares.

    The stamp (versions, evidence digest) is the session's reproducibility stamp; evidence
    roots are recorded by their labels, never as machine paths.
    """
    result = cycle.result
    plan = result.plan
    head = run_head(result, cycle.appeals, kind=kind, label=label, whatif=whatif)
    meta = node_meta(plan)
    return {"run": head, "units": [unit_record(plan, rank, u, meta) for rank, u in zip(result.ranks, result.units)]}


def node_meta(plan: Plan) -> dict[str, tuple[str, str]]:
    """Each node's title and maximum as a record shows them (:func:`unit_record`), made once per run."""
    return {code: (node.title, str(node.max)) for code, node in plan.nodes.items()}


def run_head(result: RunResult, appeals: Sequence[int] = (), *, kind: str = "run", label: str = "", whatif: str = "") -> dict[str, Any]:
    """What a run record says of the run itself (:func:`run_record`'s ``run``)."""
    from ._version import __version__

    plan = result.plan
    stamp = result.stamp
    return {
        "kind": kind,
        "label": label,
        "ruleset": plan.ruleset.name,
        "year": plan.ruleset.year,
        "category": plan.category.key,
        "escore_version": stamp.escore if stamp is not None else __version__,
        "packs": sorted({(p.distribution, p.version) for p in stamp.packs}) if stamp is not None else [],
        "evidence": [root.root for root in stamp.evidence] if stamp is not None else list(result.evidence),
        "evidence_digest": stamp.evidence_digest if stamp is not None else "",
        "selection": result.selection,
        "synthetic": result.synthetic,
        "appeals": list(appeals),
        "whatif": whatif,
        # Explanations are kept as text in this language: a diff compares two runs' texts only
        # when they are in one language (diff_records).
        "language": language(),
    }


def unit_record(plan: Plan, rank: int, result: UnitResult, meta: Mapping[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    meta = meta if meta is not None else node_meta(plan)
    unit = result.unit
    return {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent or "",
        "rank": rank,
        "total": str(result.total),
        "sections": [
            {
                "name": s.name,
                "title": s.title,
                "weight": str(s.weight),
                "raw": str(s.raw),
                "raw_max": str(s.raw_max),
                "points": str(s.points),
                "capped": s.capped,
            }
            for s in result.sections
        ],
        "vetoes": [{"code": v.code, "title": v.title, "status": v.status, "reason": v.reason} for v in result.vetoes],
        "indicators": [
            {
                "code": i.code,
                "title": meta[i.code][0],
                "max": meta[i.code][1],
                "status": i.status,
                "points": str(i.points),
                "reasons": list(i.reasons),
            }
            for i in result.indicators
        ],
    }


def _exact(text: str | None) -> str | None:
    return None if text is None else fmt(Decimal(text))


def diff_records(
    before: Mapping[str, Any], after: Mapping[str, Any], *, only: str | None = None, members: Members | None = None
) -> dict[str, Any]:
    """Per unit the totals before and after, the exact delta, the rank move, and the changed
    indicators: the shape ``whatif`` shows of its unit (``only``). ``diff`` adds what the two
    sides' rules say (:func:`diff_runs`). ``members``: each side's :func:`section_members`,
    when known (see :func:`settle_deltas`)."""
    return _diff_document(before, after, only=only, full=False, members=members)


def diff_runs(before: Mapping[str, Any], after: Mapping[str, Any], *, members: Members | None = None) -> dict[str, Any]:
    """The document of ``escore diff`` (schemas/diff.schema.json): :func:`diff_records` with the
    sections of both sides (their weights and raw maxima, :func:`section_changes`), each unit's
    section points on both sides, and each changed indicator's maxima on both sides and its
    ``change`` (an indicator one side does not score: ``removed`` or ``added``, its delta the
    points it took away or brought)."""
    document = _diff_document(before, after, only=None, full=True, members=members)
    units = document.pop("units")
    document["schema_version"] = DIFF_SCHEMA_VERSION
    document["sections"] = section_changes(record_sections(before), record_sections(after))
    document["units"] = units
    return document


def _diff_document(
    before: Mapping[str, Any], after: Mapping[str, Any], *, only: str | None, full: bool, members: Members | None = None
) -> dict[str, Any]:
    _same_category(before["run"], after["run"])
    old = {u["code"]: u for u in before["units"]}
    new = {u["code"]: u for u in after["units"]}
    codes = sorted(set(old) | set(new), key=natural_key)
    if only is not None:
        codes = [c for c in codes if c == only]
    same = same_reasons(before["run"].get("evidence") or [], after["run"].get("evidence") or [])
    if not same_language(before, after):  # every explanation differs in its words alone: points and statuses are compared
        same = _always
    units = [diff_unit(code, old.get(code), new.get(code), same, full=full, members=members) for code in codes]
    return {
        "schema_version": SCHEMA_VERSION,
        "before": _side(before),
        "after": _side(after),
        "synthetic": _synthetic(before, after),
        "units": units,
    }


def record_sections(record: Mapping[str, Any]) -> list[dict[str, str]]:
    """The sections of a run record, as its units carry them (every unit of a run has its plan's
    sections, in the plan's order): name, title, weight and raw maximum."""
    for unit in record["units"]:
        if "sections" in unit:
            return [{"name": s["name"], "title": s["title"], "weight": s["weight"], "raw_max": s["raw_max"]} for s in unit["sections"]]
    return []


def plan_sections(plan: Plan) -> list[dict[str, str]]:
    """:func:`record_sections` of a run of ``plan``, from the plan (a diff that keeps no records)."""
    return [{"name": s.name, "title": s.title, "weight": str(s.weight), "raw_max": str(s.raw_max)} for s in plan.sections]


def section_changes(before: Sequence[Mapping[str, str]], after: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Each section of either side (the before side's order, then those only the after side has)
    with its weight and raw maximum on both sides and its ``change``: ``unchanged``, ``changed``
    (weight or raw maximum), ``removed`` or ``added``. A section's points are raw × weight ÷ raw
    maximum: a changed one moves every unit's total while no indicator's points move."""
    old = {s["name"]: s for s in before}
    new = {s["name"]: s for s in after}
    out = []
    for name in [*old, *(n for n in new if n not in old)]:
        x, y = old.get(name), new.get(name)
        weights = [None if s is None else fmt(Decimal(s["weight"])) for s in (x, y)]
        maxima = [None if s is None else fmt(Decimal(s["raw_max"])) for s in (x, y)]
        if x is None:
            change = "added"
        elif y is None:
            change = "removed"
        else:
            change = "unchanged" if weights[0] == weights[1] and maxima[0] == maxima[1] else "changed"
        out.append(
            {
                "name": name,
                "title": (y or x or {}).get("title", ""),
                "weight_before": weights[0],
                "weight_after": weights[1],
                "raw_max_before": maxima[0],
                "raw_max_after": maxima[1],
                "change": change,
            }
        )
    return out


def same_language(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether two run records' explanations are in one language (a record saved before runs
    said theirs is taken to be in the other's)."""
    languages = {before["run"].get("language"), after["run"].get("language")} - {None}
    return len(languages) <= 1


def _always(_before: Sequence[str], _after: Sequence[str]) -> bool:
    return True


def _synthetic(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether either run scored synthetic sample evidence: the diff then says so, as every output does."""
    return bool(before["run"].get("synthetic") or after["run"].get("synthetic"))


def _same_category(before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    if before["category"] != after["category"]:
        raise UsageError(_("cannot compare runs of different categories: '{0}' and '{1}'").format(before["category"], after["category"]))


def same_reasons(before: Sequence[str], after: Sequence[str]) -> Callable[[Sequence[str], Sequence[str]], bool]:
    """Whether an indicator's explanation is the same on both sides of a diff whose evidence
    roots are labelled ``before`` and ``after`` (:func:`run_head`'s ``evidence``).

    An explanation names the unit's evidence file by its root's label (``evidence 'KEY' was not
    provided in ev-nov/units/x.toml``): the same file of the next version of the evidence is
    ``ev-dec/units/x.toml``, and nothing about the unit has changed. So each side's labels are
    read as the position of their root (a path starting there: at the start of a line or after a
    space or an opening bracket or quote), and the explanations compared so.
    """
    if list(before) == list(after) or len(before) != len(after):
        return operator.eq

    def pattern(labels: Sequence[str]) -> re.Pattern[str]:
        ordered = sorted(labels, key=len, reverse=True)
        # A directory's label is followed by "/"; a file's (a workbook, a unit file: its label has
        # a suffix) by ":", a space, a closing mark or the end of the line.
        folders = "|".join(re.escape(label) for label in ordered if not PurePosixPath(label).suffix) or "(?!)"
        files = "|".join(re.escape(label) for label in ordered if PurePosixPath(label).suffix) or "(?!)"
        start = r"(?:^|(?<=[\s(\[{\"'“「《]))"
        return re.compile(rf"{start}(?:({folders})(?=/)|({files})(?=[:\s)\]}}\"'”」》，。；]|$))")

    sides = [(pattern(labels), {label: f"\x00{index}" for index, label in enumerate(labels)}) for labels in (before, after)]

    def rooted(lines: Sequence[str], side: int) -> list[str]:
        found, roots = sides[side]
        return [found.sub(lambda match: roots[match.group(1) or match.group(2)], line) for line in lines]

    def same(x: Sequence[str], y: Sequence[str]) -> bool:
        return x == y or rooted(x, 0) == rooted(y, 1)

    return same


def diff_unit(
    code: str,
    a: Mapping[str, Any] | None,
    b: Mapping[str, Any] | None,
    same: Callable[[Sequence[str], Sequence[str]], bool] = operator.eq,
    *,
    full: bool = False,
    members: Members | None = None,
) -> dict[str, Any]:
    """The unit ``code`` before (``a``, its :func:`unit_record`; ``None``: not in that run) and
    after: totals, the exact delta, the rank move, and each indicator whose points, status or
    explanation changed (``same``: whether two explanations are the same, :func:`same_reasons`).

    ``full`` (``diff``'s shape, :func:`diff_runs`): an indicator whose maximum or title changed is
    listed too, each indicator carries its maximum and title on both sides and its ``change`` (``changed``;
    ``removed`` or ``added``: one side does not score it), and the unit its sections' raw and
    points on both sides. When the unit is in both runs, an indicator or section one side does
    not have counts 0 there: its delta is the points it took away or brought, so the deltas add
    up as the points do. ``members`` (each side's :func:`section_members`): the deltas of a
    section's indicators are settled as its raw score is (:func:`settle_deltas`)."""
    indicators = []
    both = a is not None and b is not None
    a_items = {i["code"]: i for i in (a or {}).get("indicators", ())}
    b_items = {i["code"]: i for i in (b or {}).get("indicators", ())}
    for icode in sorted(set(a_items) | set(b_items), key=natural_key):
        x, y = a_items.get(icode), b_items.get(icode)
        if (
            x
            and y
            and _same_item(x, y, same)
            and (not full or (_exact(x.get("max")), x.get("title")) == (_exact(y.get("max")), y.get("title")))
        ):
            continue  # (with full, a new maximum changes the points the indicator lost, a new title what it is: it is listed)
        px = Decimal(x["points"]) if x else None
        py = Decimal(y["points"]) if y else None
        item: dict[str, Any] = {
            "code": icode,
            "title": (y or x or {}).get("title", ""),
            "max": _exact((y or x or {}).get("max")),
            "points_before": None if px is None else fmt(px),
            "points_after": None if py is None else fmt(py),
            "delta": fmt(EXACT_SUMS.subtract(py, px)) if px is not None and py is not None else None,
            "status_before": x["status"] if x else None,
            "status_after": y["status"] if y else None,
            "reasons_before": x["reasons"] if x else [],
            "reasons_after": y["reasons"] if y else [],
        }
        if full:
            item["change"] = "removed" if y is None else ("added" if x is None else "changed")
            item["max_before"] = _exact(x.get("max")) if x else None
            item["max_after"] = _exact(y.get("max")) if y else None
            item["title_before"] = x.get("title", "") if x else None
            item["title_after"] = y.get("title", "") if y else None
            if both and item["delta"] is None:
                item["delta"] = fmt(EXACT_SUMS.subtract(py or ZERO, px or ZERO))
        indicators.append(item)
    if a is not None and b is not None and members is not None:
        settle_deltas(a, b, indicators, members)
    ta = Decimal(a["total"]) if a else None
    tb = Decimal(b["total"]) if b else None
    unit: dict[str, Any] = {
        "code": code,
        "name": (b or a or {})["name"],
        "total_before": None if ta is None else fmt(ta),
        "total_after": None if tb is None else fmt(tb),
        "delta": fmt(EXACT_SUMS.subtract(tb, ta)) if ta is not None and tb is not None else None,
        "rank_before": a["rank"] if a else None,
        "rank_after": b["rank"] if b else None,
        "indicators": indicators,
    }
    if full:
        unit["sections"] = _unit_sections(a, b)
    return unit


#: Each side's :func:`section_members`: (before, after).
Members = tuple[Mapping[str, str], Mapping[str, str]]


def section_members(plan: Plan) -> dict[str, str]:
    """Each indicator whose points a section's raw score adds (a bonus item's too), with the
    section's name: what :func:`settle_deltas` needs to know of a run's rules."""
    return {ip.node.code: plan.sections[ip.section_index].name for ip in plan.indicators if ip.counts or ip.node.kind == "bonus"}


def settle_deltas(a: Mapping[str, Any], b: Mapping[str, Any], items: Sequence[dict[str, Any]], members: Members) -> None:
    """Give each changed indicator of ``items`` (:func:`diff_unit`'s, in code order) the delta it
    makes to its section's raw score as the run settles it (:func:`escore._score.settle`, at 20
    decimal places), the section's indicators taken in code order: the points before, plus each
    indicator's change in turn, each sum settled. Each delta is then within 1e-20 of the exact
    difference of the indicator's points (which a quotient carries at 28 digits) and the deltas
    of a section add up to the change of its settled raw score, as its points do where its weight
    equals its raw maximum (11/13 × 5 to 12/13 × 5 had a delta of 0.384615384615384615384615384
    in a section moved by 0.38461538461538461538).

    A section is left with its indicators' exact deltas where this cannot hold: its raw score
    capped on either side, an indicator counted in it on one side and in another section on the
    other, or rules (``members``) that do not give the raw scores the records hold (a run saved
    under a pack version that counted otherwise)."""
    from ._score import settle

    before_members, after_members = members
    raw_before = {s["name"]: s for s in a.get("sections", ())}
    raw_after = {s["name"]: s for s in b.get("sections", ())}
    for name, x in raw_before.items():
        y = raw_after.get(name)
        if y is None or x.get("capped") or y.get("capped"):
            continue
        mine = [item for item in items if name in (before_members.get(item["code"]), after_members.get(item["code"]))]
        if not mine:
            continue
        changes = []
        for item in mine:
            code = item["code"]
            scored = (item["points_before"] is not None, item["points_after"] is not None)
            counted = (before_members.get(code) == name, after_members.get(code) == name)
            if item["delta"] is None or any(scored[side] and not counted[side] for side in (0, 1)):
                break  # scored but counted elsewhere (or nowhere) on one side: its delta is not this section's alone
            was = Decimal(item["points_before"]) if scored[0] else ZERO
            now = Decimal(item["points_after"]) if scored[1] else ZERO
            changes.append(EXACT_SUMS.subtract(now, was))
        else:
            start = _sum_of(a, before_members, name)
            end = _sum_of(b, after_members, name)
            if settle(start) != Decimal(x["raw"]) or settle(end) != Decimal(y["raw"]):
                continue
            if _sum_exactly_from(start, changes) != end:
                continue
            running = start
            for item, change in zip(mine, changes):
                following = EXACT_SUMS.add(running, change)
                item["delta"] = fmt(EXACT_SUMS.subtract(settle(following), settle(running)))
                running = following


def _sum_of(record: Mapping[str, Any], members: Mapping[str, str], name: str) -> Decimal:
    """The exact sum of the points a section ``name`` of ``record``'s unit adds up."""
    return _sum_exactly_from(ZERO, [Decimal(i["points"]) for i in record.get("indicators", ()) if members.get(i["code"]) == name])


def _sum_exactly_from(start: Decimal, values: Sequence[Decimal]) -> Decimal:
    total = start
    for value in values:
        total = EXACT_SUMS.add(total, value)
    return total


def _same_item(x: Mapping[str, Any], y: Mapping[str, Any], same: Callable[[Sequence[str], Sequence[str]], bool]) -> bool:
    """Whether an indicator's points, status and explanation are the same on both sides."""
    return Decimal(x["points"]) == Decimal(y["points"]) and x["status"] == y["status"] and same(x["reasons"], y["reasons"])


def _unit_sections(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each section of the unit on either side: exact raw and points before and after, the delta of
    its points (a section one side does not have counts 0 there while the unit is in both runs),
    and whether the raw score was capped to the section's raw maximum."""
    old = {s["name"]: s for s in (a or {}).get("sections", ())}
    new = {s["name"]: s for s in (b or {}).get("sections", ())}
    both = a is not None and b is not None
    out = []
    for name in [*old, *(n for n in new if n not in old)]:
        x, y = old.get(name), new.get(name)
        px = Decimal(x["points"]) if x else None
        py = Decimal(y["points"]) if y else None
        out.append(
            {
                "name": name,
                "raw_before": _exact(x["raw"]) if x else None,
                "raw_after": _exact(y["raw"]) if y else None,
                "points_before": None if px is None else fmt(px),
                "points_after": None if py is None else fmt(py),
                "delta": fmt(EXACT_SUMS.subtract(py or ZERO, px or ZERO)) if both else None,
                "capped_before": bool(x["capped"]) if x else None,
                "capped_after": bool(y["capped"]) if y else None,
            }
        )
    return out


#: Units per part of :func:`diff_in_table` shared out to processes (each unit is scored in full on
#: both sides; a part's diff comes back, not its units' records): a record of the cached evidence
#: (escore._batch.RECORD_UNITS). Parts follow the diff's code order; where that is the table's
#: (codes of one width, as most are) each part decodes one record a side, else the few it needs.
DIFF_PER_PART = 512


@in_scoring_context
def diff_in_table(
    catalog: Any,
    category: str,
    sides: Sequence[tuple[str | None, Sequence[Path]]],
    *,
    roster: Path,
    year: int | None = None,
    jobs: int | None = None,
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """:func:`diff_runs` of two runs of the units table ``roster``, each side a ruleset and
    its evidence (a units table has no accepted appeals), without either run's records: the
    document without its ``units``, and its units as they come.

    A units table may hold any number of units, and a record of every unit on each side holds
    every explanation line twice over. Each side is ranked on a summary per unit (the first
    pass), and the units are then scored in full on both sides a part at a time, in forked
    processes, each part sending back its diff: what the two records would give, unit for unit
    in code order.
    """
    from ._parallel import default_jobs, ordered_map
    from ._session import run_category
    from ._stream import LazyUnits, summaries_of

    runs = [
        run_category(catalog, category, ruleset=ruleset, year=year, evidence=evidence, roster=roster, lazy=True)
        for ruleset, evidence in sides
    ]
    heads = [run_head(result) for result in runs]
    _same_category(*heads)
    at = [{s.unit.code: (index, rank) for index, (s, rank) in enumerate(zip(summaries_of(r.units), r.ranks))} for r in runs]
    metas = [node_meta(result.plan) for result in runs]
    sections = section_changes(plan_sections(runs[0].plan), plan_sections(runs[1].plan))
    codes = sorted(set(at[0]) | set(at[1]), key=natural_key)

    def records(side: int, part_codes: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records of the part's units on one side, scored on that side's evidence of them
        alone while it is in the cache (a process never decodes the whole set)."""
        result, where = runs[side], at[side]
        present = [code for code in part_codes if code in where]
        positions = [where[code][0] for code in present]
        units = result.units
        scored = units.scored_at(positions) if isinstance(units, LazyUnits) else (units[p] for p in positions)
        return {code: unit_record(result.plan, where[code][1], unit, metas[side]) for code, unit in zip(present, scored)}

    same = same_reasons(heads[0]["evidence"], heads[1]["evidence"])
    members = (section_members(runs[0].plan), section_members(runs[1].plan))

    def part(part_codes: Sequence[str]) -> list[dict[str, Any]]:
        before, after = records(0, part_codes), records(1, part_codes)
        return [diff_unit(code, before.get(code), after.get(code), same, full=True, members=members) for code in part_codes]

    parts = [codes[start : start + DIFF_PER_PART] for start in range(0, len(codes), DIFF_PER_PART)]
    processes = default_jobs(len(codes)) if jobs is None else jobs
    units = (unit for found in ordered_map(part, parts, processes if len(parts) > 1 else 1) for unit in found)
    before, after = {"run": heads[0]}, {"run": heads[1]}
    head = {"schema_version": DIFF_SCHEMA_VERSION, "before": _side(before), "after": _side(after), "synthetic": _synthetic(before, after)}
    return {**head, "sections": sections}, units


def _side(record: Mapping[str, Any]) -> dict[str, Any]:
    head = record["run"]
    keys = ("id", "kind", "label", "ruleset", "year", "category", "created", "evidence", "evidence_digest", "appeals", "whatif", "language")
    return {k: head.get(k) for k in keys}
