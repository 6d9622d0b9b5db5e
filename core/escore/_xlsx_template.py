"""Writing an evidence workbook for a whole category (``escore template --format xlsx``).

The layout is that of :mod:`escore._xlsx_layout`; what each cell accepts is what the
evidence checks accept, shown three ways: a comment on each key (description, type,
range, unit, the indicators it feeds), Excel data validation (是/否 lists, enum lists,
whole-number/decimal ranges, dates, unit codes) and the description row.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

from ._collect import Plan
from ._errors import InputErrors
from ._evidence import Column, Field
from ._i18n import N_
from ._i18n import gettext as _
from ._model import Unit
from ._report import synthetic_banner
from ._xlsx_layout import (
    ABOUT_SHEET,
    GRADED_PARTS,
    LISTS_SHEET,
    NO,
    NONE,
    TABLE_KEY_ROW,
    UNIT_COLUMNS,
    UNIT_KEY_ROW,
    YES,
    cell_of_decimal,
    column_letter,
    sheet_title,
    workbook_bytes,
)

#: Data validation reaches this many rows below the last event of a monitoring sheet.
EVENT_ROWS = 2000
_RED, _GREY, _HEAD = "C00000", "808080", "DDEBF7"


def group_of(key: str) -> str:
    """A field's group: its dotted key without the last part (``website.letters.quality`` → ``website.letters``)."""
    return key.rpartition(".")[0] or key


def group_titles(plan: Plan, groups: Mapping[str, Sequence[Field]]) -> dict[str, str]:
    """A sheet title per field group: the title of the deepest indicator group that every field of it feeds.

    The pack's titles are Chinese for fj2017 (``政务公开``); a group whose fields feed
    indicators of several top-level parts keeps its key.
    """

    def chain(code: str) -> list[str]:
        path = []
        node = plan.nodes.get(code)
        while node is not None:
            path.append(node.code)
            node = plan.nodes.get(node.parent) if node.parent else None
        return path[::-1]

    titles: dict[str, str] = {}
    for group, fields in groups.items():
        codes = sorted({c for f in fields for c in plan.feeds.get(f.key, ())})
        common: list[str] = []
        if codes:
            paths = [chain(c) for c in codes]
            for level in zip(*paths):
                if len(set(level)) != 1:
                    break
                common.append(level[0])
        # The top-level node is the whole table of a section: too broad to name a sheet.
        titles[group] = plan.nodes[common[-1]].title if len(common) >= 2 else group.rpartition(".")[2] or group
    return titles


def _number(value: Any) -> Any:
    from decimal import Decimal

    return cell_of_decimal(value) if isinstance(value, Decimal) else value


#: The heading of the unit columns and of a grade's two columns (row 2 of a unit sheet).
LABELS = {"unit": N_("unit code"), "name": N_("unit name"), "parent": N_("parent unit"), "points": N_("points"), "reason": N_("reason")}


def _comment_text(spec: Any, feeds: Sequence[str], *, part: str = "", required: bool = True) -> str:
    lines = [_(spec.description) or getattr(spec, "key", getattr(spec, "name", ""))]
    if part == "points":
        lines.append(_("points: a number from {0} to {1}").format(spec.min if spec.min is not None else 0, spec.max))
    elif part == "reason":
        lines.append(_("reason: one line of text, required with the points"))
    elif spec.type == "bool":
        lines.append(f"{YES} / {NO}")
    else:
        lines.append(_("expected: {0}").format(spec.expected()))
    if spec.unit.strip() == "%":
        lines.append(_("type 85 for 85 %, not 85% (Excel would store 0.85)"))
    if spec.type == "list[str]":
        lines.append(_("several items: separate them with ; (or ；); none at all: {0}").format(NONE))
    if not required:
        lines.append(_("optional"))
    if feeds:
        lines.append(_("feeds: {0}").format(", ".join(feeds)))
    lines.append(_("empty cell = evidence not given (reported as missing)"))
    return "\n".join(lines)


def _validation(spec: Any, part: str, lists: dict[tuple[str, ...], str]) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = "decimal" if part == "points" else spec.type
    if part == "reason" or kind in ("str", "list[str]"):
        return None
    if kind == "bool":
        rule = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    elif kind == "enum":
        rule = DataValidation(type="list", formula1=lists[spec.choices], allow_blank=True)
    elif kind == "date":
        rule = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(9999,12,31)", allow_blank=True)
    else:
        number = "whole" if kind == "int" else "decimal"
        low, high = spec.min, spec.max
        if low is not None and high is not None:
            rule = DataValidation(type=number, operator="between", formula1=str(low), formula2=str(high), allow_blank=True)
        elif low is not None:
            rule = DataValidation(type=number, operator="greaterThanOrEqual", formula1=str(low), allow_blank=True)
        elif high is not None:
            rule = DataValidation(type=number, operator="lessThanOrEqual", formula1=str(high), allow_blank=True)
        else:
            rule = DataValidation(type=number, operator="between", formula1="-1E+15", formula2="1E+15", allow_blank=True)
    rule.error = (
        _("expected {0}").format(spec.expected())
        if part != "points"
        else _("expected a number from {0} to {1}").format(spec.min or 0, spec.max)
    )
    rule.errorTitle = "escore"
    rule.showErrorMessage = True
    return rule


def evidence_workbook(
    plan: Plan,
    units: Sequence[Unit],
    row_units: Sequence[str],
    *,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    tables: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    synthetic: bool = False,
    notes: Sequence[str] = (),
    source: str = "evidence",
) -> bytes:
    """The evidence workbook of one category; pre-filled from typed ``values``/``tables`` when given.

    ``row_units`` are the unit codes a monitoring row may name (the category's units and
    the sub-units whose rows roll up). The sheets are made in the order a reader meets them
    built: the hidden choice lists, a sheet per field group, a sheet per monitoring table,
    then the about sheet (the first sheet), whose index names the others.

    :raises InputErrors: a text of ``source`` (the evidence the values come from) holds a
        control character, which no workbook cell can hold; every such text is listed.
    """
    from openpyxl import Workbook

    problems = unwritable_texts(plan, units, values or {}, tables or {}, notes)
    if problems:
        raise InputErrors(source, _("text that a workbook cell cannot hold"), problems)
    book = Workbook()
    about = book.active
    about.title = ABOUT_SHEET
    look = _Look(synthetic, notes)
    taken = {ABOUT_SHEET, LISTS_SHEET}
    unit_list, lists = _choice_lists(book, plan, row_units)
    group_sheets = _field_sheets(book, plan, units, values or {}, look, lists, taken)
    _table_sheets(book, plan, tables or {}, look, lists, unit_list, taken)
    _about_sheet(about, plan, group_sheets, look)
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames))
    return workbook_bytes(book)


def unwritable_texts(
    plan: Plan,
    units: Sequence[Unit],
    values: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    notes: Sequence[str],
) -> list[str]:
    """Each text of the evidence a workbook cell cannot hold, named by unit and field.

    TOML and CSV evidence may hold control characters (``\\u0007`` in a reason); a workbook
    cannot, and writing one would stop half-way. Dropping the character would make the
    workbook differ from its evidence without a word, so each is listed instead.
    """
    # openpyxl's own pattern: what it refuses (control characters other than tab and line breaks).
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    problems: list[str] = []

    def check(text: Any, where: str) -> None:
        if isinstance(text, str):
            found = ILLEGAL_CHARACTERS_RE.search(text)
            if found is not None:
                problems.append(
                    _("{0}: U+{1:04X} at character {2} is a control character, which a workbook cell cannot hold").format(
                        where, ord(found.group()), found.start() + 1
                    )
                )
        elif hasattr(text, "reason"):  # an assessor's grade: its points are a number
            check(text.reason, f"{where}.reason")
        elif isinstance(text, (list, tuple)):
            for item in text:
                check(item, where)

    for note in notes:
        check(note, "note")
    fields = sorted(plan.fields, key=lambda spec: spec.key)
    for unit in units:
        check(unit.name, f"{unit.code} · name")
        check(unit.parent, f"{unit.code} · parent")
        given = values.get(unit.code, {})
        for spec in fields:
            check(given.get(spec.fixture_name), f"{unit.code} · {spec.key}")
    for spec_table in sorted(plan.tables, key=lambda t: t.name):
        rows = tables.get(spec_table.name) or {}
        for event in sorted((row for found in rows.values() for row in found), key=lambda r: (r.line, r.unit)):
            for column in spec_table.columns:
                check(getattr(event, column.name), _("table {0}, line {1} · {2}").format(spec_table.name, event.line, column.name))
    return problems


class _Look:
    """The workbook's styles, and the banner a sheet opens with: the synthetic-data warning in
    red, or the sheet's own heading."""

    def __init__(self, synthetic: bool, notes: Sequence[str]) -> None:
        from openpyxl.styles import Font, PatternFill

        self.synthetic, self.notes = synthetic, notes
        self.banner_font = Font(bold=True, color="FFFFFF")
        self.banner_fill = PatternFill("solid", fgColor=_RED)
        self.head_fill = PatternFill("solid", fgColor=_HEAD)
        self.key_font = Font(color=_GREY, size=9)

    def banner(self, sheet: Any, cell: str, fallback: str) -> None:
        from openpyxl.styles import Font

        if self.synthetic:
            sheet[cell] = f"{synthetic_banner()} · {self.notes[0]}" if self.notes else synthetic_banner()
            sheet[cell].font = self.banner_font
            sheet[cell].fill = self.banner_fill
        else:
            sheet[cell] = fallback
            sheet[cell].font = Font(bold=True)


def _choice_lists(book: Any, plan: Plan, row_units: Sequence[str]) -> tuple[str, dict[tuple[str, ...], str]]:
    """The hidden sheet of choices: the unit codes a monitoring row may name, and each enum's
    choices too long for an inline list. Returns the units' range and each enum's list formula."""
    lists_sheet = book.create_sheet(LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    lists_sheet["A1"] = "unit"
    for index, code in enumerate(row_units, start=2):
        lists_sheet.cell(index, 1, code)
    unit_list = f"{LISTS_SHEET}!$A$2:$A${max(2, len(row_units) + 1)}"
    lists: dict[tuple[str, ...], str] = {}
    enum_specs = [f for f in plan.fields if f.type == "enum"] + [c for t in plan.tables for c in t.columns if c.type == "enum"]
    for spec in enum_specs:
        if spec.choices in lists:
            continue
        inline = ",".join(spec.choices)
        if len(inline) < 250 and not any("," in c or '"' in c for c in spec.choices):
            lists[spec.choices] = f'"{inline}"'
            continue
        column = lists_sheet.max_column + 1
        lists_sheet.cell(1, column, "choices")
        for index, choice in enumerate(spec.choices, start=2):
            lists_sheet.cell(index, column, choice)
        letter = column_letter(column - 1)
        lists[spec.choices] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(spec.choices) + 1}"
    return unit_list, lists


def _field_sheets(
    book: Any,
    plan: Plan,
    units: Sequence[Unit],
    values: Mapping[str, Mapping[str, Any]],
    look: _Look,
    lists: dict[tuple[str, ...], str],
    taken: set[str],
) -> list[tuple[str, str]]:
    """A sheet per field group: a row per unit, a column per field (a grade's two). Returns each
    sheet's title and group, for the about sheet's index."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment

    groups: dict[str, list[Field]] = {}
    for spec in plan.fields:
        groups.setdefault(group_of(spec.key), []).append(spec.for_category(plan.category.key))  # this category's maxima
    titles = group_titles(plan, groups)
    first_row = UNIT_KEY_ROW + 1
    last_row = UNIT_KEY_ROW + max(1, len(units))
    group_sheets = []
    for group in sorted(groups):
        sheet = book.create_sheet(sheet_title(titles[group], taken))
        group_sheets.append((sheet.title, group))
        look.banner(sheet, "A1", f"{plan.ruleset.name} · {plan.category.key} {plan.category.title} · {group}")
        columns: list[tuple[str, Any, str]] = [(key, None, "") for key in UNIT_COLUMNS]
        for spec in groups[group]:
            if spec.type == "graded":
                columns.extend((f"{spec.key}.{part}", spec, part) for part in GRADED_PARTS)
            else:
                columns.append((spec.key, spec, ""))
        for index, (key, spec, part) in enumerate(columns, start=1):
            label = _(LABELS[key]) if spec is None else (_(spec.description) or key)
            if part:
                label = f"{label} · {_(LABELS[part])}"
            head = sheet.cell(UNIT_KEY_ROW - 1, index, label)
            head.alignment = Alignment(wrap_text=True, vertical="top")
            head.fill = look.head_fill
            cell = sheet.cell(UNIT_KEY_ROW, index, key)
            cell.font = look.key_font
            letter = column_letter(index - 1)
            sheet.column_dimensions[letter].width = (
                14 if spec is None else (30 if part == "reason" or spec.type in ("str", "list[str]") else 18)
            )
            if spec is None:
                continue
            comment = Comment(_comment_text(spec, plan.feeds.get(spec.key, ()), part=part), "escore")
            comment.width, comment.height = 320, 160
            cell.comment = comment
            rule = _validation(spec, part, lists)
            if rule is not None:
                sheet.add_data_validation(rule)
                rule.add(f"{letter}{first_row}:{letter}{last_row}")
            if spec.type == "date":
                for row in range(first_row, last_row + 1):
                    sheet.cell(row, index).number_format = "yyyy-mm-dd"
        sheet.row_dimensions[UNIT_KEY_ROW - 1].height = 75
        for row, unit in enumerate(units, start=first_row):
            given = values.get(unit.code, {})
            sheet.cell(row, 1, unit.code)
            sheet.cell(row, 2, unit.name)
            sheet.cell(row, 3, unit.parent or "")
            for index, (_key, spec, part) in enumerate(columns[3:], start=4):
                value = given.get(spec.fixture_name)
                if value is None:
                    continue
                if part:
                    value = _number(value.points) if part == "points" else value.reason
                else:
                    value = _cell_value(spec.type, value)
                sheet.cell(row, index, value)
        sheet.freeze_panes = sheet.cell(first_row, 4)
    return group_sheets


def _table_sheets(
    book: Any,
    plan: Plan,
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    look: _Look,
    lists: dict[tuple[str, ...], str],
    unit_list: str,
    taken: set[str],
) -> None:
    """A sheet per monitoring table: keys on row 1, the first event on row 2, each event on its
    line of the CSV file it came from when those lines fit (else in order)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    for spec_table in sorted(plan.tables, key=lambda t: t.name):
        sheet = book.create_sheet(sheet_title(spec_table.name, taken))
        given = tables.get(spec_table.name)
        header: list[tuple[str, Column | None]] = [("unit", None), *((c.name, c) for c in spec_table.columns)]
        for index, (key, col) in enumerate(header, start=1):
            cell = sheet.cell(TABLE_KEY_ROW, index, key)
            cell.font = Font(bold=True)
            cell.fill = look.head_fill
            letter = column_letter(index - 1)
            sheet.column_dimensions[letter].width = 18
            where = f"{letter}{TABLE_KEY_ROW + 1}:{letter}{TABLE_KEY_ROW + EVENT_ROWS + _count(given)}"
            if col is None:
                text = _(LABELS["unit"]) + (_(" (a sub-unit's rows roll up to its parent)") if spec_table.rollup else "")
                text += "\n" + _("an empty sheet is a table not given (missing); {0} alone in A2: no events at all").format(NONE)
                cell.comment = Comment(f"{text}\n{_(spec_table.description)}", "escore")
                rule = DataValidation(type="list", formula1=unit_list, allow_blank=True)
                rule.error, rule.errorTitle, rule.showErrorMessage = _("expected a unit code of the list"), "escore", True
            else:
                comment = Comment(_comment_text(col, plan.feeds.get(spec_table.name, ()), required=col.required), "escore")
                comment.width, comment.height = 320, 160
                cell.comment = comment
                rule = _validation(col, "", lists)
                if col.type == "date":
                    for row in range(TABLE_KEY_ROW + 1, TABLE_KEY_ROW + 1 + max(1, _count(given))):
                        sheet.cell(row, index).number_format = "yyyy-mm-dd"
            if rule is not None:
                sheet.add_data_validation(rule)
                rule.add(where)
        look.banner(
            sheet,
            f"{column_letter(len(header) + 1)}1",
            _("{0}: {1} (one row per event; an empty sheet is a table not given, {2} in A2: no events)").format(
                spec_table.name, _(spec_table.description), NONE
            ),
        )
        events = sorted((row for rows in (given or {}).values() for row in rows), key=lambda r: (r.line, r.unit))
        if given is not None and not events:
            sheet.cell(TABLE_KEY_ROW + 1, 1, NONE)  # given, with no events (an empty sheet is a table not given)
        lines = [r.line for r in events]
        keep_lines = len(set(lines)) == len(lines) and all(line > TABLE_KEY_ROW for line in lines)
        for offset, event in enumerate(events):
            row = event.line if keep_lines else TABLE_KEY_ROW + 1 + offset
            sheet.cell(row, 1, event.unit)
            for index, col in enumerate(spec_table.columns, start=2):
                value = getattr(event, col.name)
                if value is None:
                    continue
                shown = _cell_value(col.type, value)
                cell = sheet.cell(row, index, shown)
                if isinstance(shown, _dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = sheet.cell(TABLE_KEY_ROW + 1, 2)


def _about_sheet(about: Any, plan: Plan, group_sheets: Sequence[tuple[str, str]], look: _Look) -> None:
    """The first sheet: what the workbook is, how to fill it in, its sheets, and the keys a
    reader checks (ruleset, category, synthetic, notes)."""
    from openpyxl.styles import Font

    about["A1"] = _("escore evidence workbook · {0} ({1}) · {2} {3}").format(
        plan.ruleset.name, plan.ruleset.year, plan.category.key, plan.category.title
    )
    about["A1"].font = Font(bold=True, size=14)
    if look.synthetic:
        look.banner(about, "A2", "")
    about_lines = [
        _(
            "One sheet per field group: a row per unit (code, name, parent), a column per field; "
            "hover a key in row 3 for its description, type, range and the indicators it feeds."
        ),
        _("Yes/no cells take {0} or {1}; dates YYYY-MM-DD.").format(YES, NO),
        _(
            "Assessor-graded fields take two columns, KEY.points and KEY.reason, both required. "
            "An empty cell is evidence not given: it is reported as missing."
        ),
        _("Monitoring tables have their own sheets: one row per event, keys on row 1."),
        _(
            "Run:  escore run -c CATEGORY -e THIS.xlsx   — every problem in the workbook is listed at once (sheet!cell, unit, field, expected)."
        ),
        "",
        _("Sheets:"),
    ]
    about_lines.extend(f"  {title}: {group}" for title, group in group_sheets)
    about_lines.extend(f"  {t.name}: {_(t.description)}" for t in sorted(plan.tables, key=lambda t: t.name))
    about_lines.append("")
    start = 4
    for offset, line in enumerate(about_lines):
        about.cell(start + offset, 1, line)
    block = start + len(about_lines)
    for offset, (key, value) in enumerate(
        (
            ("ruleset", plan.ruleset.name),
            ("category", plan.category.key),
            ("synthetic", YES if look.synthetic else NO),
            *(("note", note) for note in look.notes or [""]),
        )
    ):
        about.cell(block + offset, 1, key).font = Font(bold=True)
        about.cell(block + offset, 2, value)
    about.column_dimensions["A"].width = 16


def _cell_value(kind: str, value: Any) -> Any:
    """A value of evidence type ``kind`` as its cell holds it: 是/否, a list's items joined by
    ``;`` (无 for none), a grade's points as text, a number exact (:func:`_number`)."""
    if kind == "bool":
        return YES if value else NO
    if kind == "list[str]":
        return "; ".join(value) or NONE
    if kind == "graded":
        return f"{value.points}"
    return _number(value)


def _count(rows: Mapping[str, Sequence[Any]] | None) -> int:
    if not rows:
        return 0
    return max(r.line for found in rows.values() for r in found)
