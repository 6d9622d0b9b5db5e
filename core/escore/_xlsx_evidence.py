"""Reading an evidence workbook (the layout of :mod:`escore._xlsx_layout`).

A spreadsheet loader (kind ``"workbook"``) only turns a file into sheets of cell values;
this module reads the layout and converts every cell with the same checks as the TOML
and CSV readers (:meth:`escore._evidence._Typed.parse`). Unlike them it does not stop at
the first problem: an assessor fixes a workbook in one pass, so every problem is
collected, each naming its cell (``网站!F12``), unit, field and what was expected, and
reported together as one :class:`~escore.InputError`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._collect import ruleset_chain
from ._errors import InputError, InputErrors, did_you_mean, misspelt_column, misspelt_column_problem
from ._evidence import Column, Field, Table, missing_column
from ._frozen import frozen
from ._i18n import N_, gettext
from ._model import EvidenceLoader, Listed
from ._report import SYNTHETIC_BANNER
from ._schema import EvidenceSchema, check_dates, check_row, check_unit, ignore_retired, ignore_retired_unit, other_ruleset_field
from ._xlsx_layout import (
    ABOUT_KEYS,
    ABOUT_SHEET,
    GRADED_PARTS,
    NO,
    NONE,
    TABLE_KEY_ROW,
    UNIT_COLUMNS,
    YES,
    cell_name,
    column_letter,
    excel_decimal,
)

if TYPE_CHECKING:
    from ._load import OtherUnits

#: How many problems are listed before the rest are counted only.
MAX_LISTED = 200


@frozen
class BookLabels:
    """What the ``说明`` sheet says about the evidence set."""

    synthetic: bool = False
    notes: tuple[str, ...] = ()


def read_xlsx(path: Path) -> dict[str, list[list[Any]]]:
    """Sheets of an .xlsx (or .ods) file as rows of values from A1, through python-calamine.

    calamine reads the cells' stored values (a formula gives the value last computed by
    Excel or LibreOffice); it reads the county workbook several times faster than
    openpyxl's read-only mode (see the README).

    calamine reads an error cell (``#N/A``, ``#DIV/0!``) and a formula never calculated as an
    empty cell, a percentage as the fraction it holds, and every cell of a merged range but the
    first as empty; any of these would change a value without a word. The sheets that hold such
    cells come as a :class:`SheetGrid` naming them (see :func:`formula_problems` and
    :func:`ods_problems`), for the reader to list as problems.
    """
    merged: dict[str, list[CellRange]] = {}
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        sheets = {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            sheets[name] = sheet.to_python(skip_empty_area=False)
            ranges = getattr(sheet, "merged_cell_ranges", None)  # an .xlsx file's; None for an .ods
            if ranges:
                merged[name] = [((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in ranges]
    except OSError as exc:
        raise InputError(str(path), "", gettext("cannot read: {0}").format(exc.strerror or exc)) from None
    except Exception as exc:  # calamine's errors for a damaged or foreign file
        raise InputError(str(path), "", _not_a_workbook(path, exc)) from None
    errors = formula_problems(path)
    ods_errors, ods_merged = ods_problems(path)
    for name, cells in ods_errors.items():
        errors.setdefault(name, {}).update(cells)
    for name, ranges in ods_merged.items():
        merged.setdefault(name, []).extend(ranges)
    for name in sheets.keys() & (errors.keys() | merged.keys()):
        sheets[name] = SheetGrid(sheets[name], errors.get(name, {}), merged.get(name, ()))
    return sheets


#: The first bytes of an OLE2 compound file: the container of Excel's 97-2003 workbooks (.xls), and
#: of an .xlsx encrypted with a password, whatever the file's suffix; neither is a zip archive.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _not_a_workbook(path: Path, exc: Exception) -> str:
    """What is wrong with a workbook calamine could not read (on that error only): an OLE2
    compound file is said to be what it is, by the streams its directory names (in UTF-16): an
    encrypted one (``EncryptedPackage``), an .xls (``Workbook``), or either; another file is
    named by calamine's error."""
    from ._files import read_bytes

    try:
        data = read_bytes(path)
    except InputError:  # unreadable now: calamine's words
        data = b""
    if not data.startswith(OLE2_SIGNATURE):
        return gettext("not a readable workbook ({0}: {1})").format(type(exc).__name__, exc)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return gettext(
            "the workbook is encrypted (password-protected): open it, remove the password (Excel: File > Info > Protect Workbook > "
            "Encrypt with Password) and save it"
        )
    if any(name.encode("utf-16-le") in data for name in ("Workbook", "Book")):
        return gettext("an old Excel 97-2003 workbook (.xls): open it and save it as an Excel workbook (.xlsx)")
    return gettext(
        "an encrypted (password-protected) workbook, or an old Excel 97-2003 workbook (.xls): remove the password, or save it as an "
        "Excel workbook (.xlsx)"
    )


#: A range of cells: its first and last cell, each a 0-based (row, column).
CellRange = tuple[tuple[int, int], tuple[int, int]]


class SheetGrid(list[list[Any]]):
    """A sheet's rows as calamine read them, with the cells it read as empty that are not
    (``cell_errors``: 0-based row and column → :class:`CellError`) and its merged ranges
    (``merged``, each :data:`CellRange`), whose value is held in the first cell only."""

    def __init__(self, rows: list[list[Any]], cell_errors: dict[tuple[int, int], CellError], merged: Sequence[CellRange] = ()) -> None:
        super().__init__(rows)
        self.cell_errors = cell_errors
        self.merged = tuple(merged)


class CellError(NamedTuple):
    """A cell that shows no value: an error of Excel's (``#N/A``), or a formula never calculated
    (``error`` empty: the file was written by a program, not saved by a spreadsheet); or a
    number in a percentage format (``error`` is :data:`PERCENT`), which shows 75% (``shown``)
    and holds 0.75 (``held``)."""

    error: str
    held: str = ""
    shown: str = ""

    def describe(self) -> str:
        if self.error == PERCENT:
            typed = format((Decimal(self.held) * 100).normalize(), "f")
            return gettext(
                "the cell is formatted as a percentage: it shows {0} where it holds {1}; type the number meant "
                "({2} for {0}, or {1}) in a cell formatted as a number"
            ).format(self.shown, self.held, typed)
        if self.error:
            return gettext("the cell shows the error {0}, not a value; correct the cell or its formula").format(self.error)
        return gettext("a formula that was never calculated; open the workbook in Excel or LibreOffice and save it")


def _percent_error(stored: str, shown: str | None = None, decimals: int = 0) -> CellError | None:
    """The problem of a number ``stored`` (as the file writes it) in a percentage format: what it
    holds as escore reads it, and what it shows (``shown`` when the file says, else the number
    times 100 to ``decimals`` places); ``None`` for a value that is not a number."""
    try:
        number = float(stored)
    except ValueError:
        return None
    held = cell_value(number)
    if not isinstance(held, (int, Decimal)):
        return None
    if not shown:
        percent = (Decimal(held) * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        shown = f"{percent}%"
    return CellError(PERCENT, str(held), shown)


_CELL_REFERENCE = re.compile(r"([A-Z]+)([0-9]+)")

#: :class:`CellError`'s mark for a number in a percentage format.
PERCENT = "%"

#: Excel's built-in number formats that show a percentage (0% and 0.00%), and their decimals.
_PERCENT_FORMATS = {"9": 0, "10": 2}


def formula_problems(path: Path) -> dict[str, dict[tuple[int, int], CellError]]:
    """The error cells and uncalculated formulas of an .xlsx file, by sheet name and 0-based
    (row, column); nothing for another kind of file or one that cannot be read this way.

    A sheet's XML is searched for a formula or an error at C speed first, a megabyte at a
    time; only a sheet that holds one is parsed, element by element.
    """
    import xml.etree.ElementTree as ET
    import zipfile

    found: dict[str, dict[tuple[int, int], CellError]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                return found  # .ods (see ods_problems), or not an .xlsx file
            targets = {}
            if "xl/_rels/workbook.xml.rels" in names:
                for item in ET.fromstring(archive.read("xl/_rels/workbook.xml.rels")):
                    target = item.get("Target", "")
                    targets[item.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            percent = _percent_styles(archive) if "xl/styles.xml" in names else {}
            for sheet in ET.fromstring(archive.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
                member = targets.get(sheet.get(_RELATION))
                if member in names and _holds_formula_or_error(archive, member, percent):
                    with archive.open(member) as stream:
                        cells = _sheet_formula_problems(stream, percent)
                    if cells:
                        found[sheet.get("name", "")] = cells
    except (OSError, zipfile.BadZipFile, ET.ParseError, KeyError, ValueError):
        return {}  # calamine read the file: what it gave stands
    return found


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _percent_styles(archive: Any) -> dict[str, int]:
    """The cell styles (``s="N"``) of a workbook whose number format shows a percentage, and
    the decimals it shows."""
    import xml.etree.ElementTree as ET

    styles = ET.fromstring(archive.read("xl/styles.xml"))
    custom = {
        item.get("numFmtId", ""): item.get("formatCode", "")
        for formats in styles.iter(f"{_MAIN}numFmts")
        for item in formats.iter(f"{_MAIN}numFmt")
    }
    # A "%" outside quotes and escapes is a percentage; "0\%" or "0"%"" show the sign only.
    sections = {key: re.sub(r'"[^"]*"|\\.', "", code).split(";") for key, code in custom.items()}
    # The decimals shown by the first section that shows a percentage (0.0% shows 95.5%).
    decimals = {
        key: len(m[1]) if (m := re.search(r"\.([0#?]+)", next(part for part in parts if "%" in part))) else 0
        for key, parts in sections.items()
        if any("%" in part for part in parts)
    }
    found: dict[str, int] = {}
    for cell_formats in styles.iter(f"{_MAIN}cellXfs"):
        for index, xf in enumerate(cell_formats.iter(f"{_MAIN}xf")):
            number_format = xf.get("numFmtId", "0")
            if number_format in _PERCENT_FORMATS:
                found[str(index)] = _PERCENT_FORMATS[number_format]
            elif number_format in decimals:
                found[str(index)] = decimals[number_format]
    return found


def _holds_formula_or_error(archive: Any, member: str, percent: Mapping[str, int] | None = None) -> bool:
    """Whether a sheet's XML may hold a formula (its ``</f>``, prefixed or not), an error cell
    (``t="e"``) or a cell of a percentage style: fixed substrings, five times faster than a
    pattern; a false alarm (text that happens to end in "f>") only costs parsing the sheet."""
    marks = [b"f>", b't="e"', b"t='e'", *(f's="{index}"'.encode() for index in sorted(percent or {}))]
    with archive.open(member) as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            if any(mark in data for mark in marks):
                return True
            tail = chunk[-12:]  # a mark cut between two chunks
    return False


def _sheet_formula_problems(stream: Any, percent: Mapping[str, int] | None = None) -> dict[tuple[int, int], CellError]:
    import xml.etree.ElementTree as ET

    percent = percent or {}
    cells: dict[tuple[int, int], CellError] = {}
    for _event, cell in ET.iterparse(stream):
        if cell.tag != f"{_MAIN}c":
            if cell.tag == f"{_MAIN}row":
                cell.clear()  # rows read are let go: a large sheet is not held whole
            continue
        value = cell.find(f"{_MAIN}v")
        problem: CellError | None
        if cell.get("t") == "e":
            problem = CellError((value.text or "").strip() if value is not None else "")
        elif cell.find(f"{_MAIN}f") is not None and (value is None or (not value.text and cell.get("t") != "str")):
            # No value stored, or an empty one where only text may be empty (a formula giving "").
            problem = CellError("")
        elif cell.get("s") in percent and cell.get("t", "n") == "n" and value is not None and value.text:
            # A number: a text cell shows its text, whatever its format.
            problem = _percent_error(value.text.strip(), decimals=percent[cell.get("s", "")])
        else:
            continue
        match = _CELL_REFERENCE.fullmatch(cell.get("r", ""))
        if match is not None and problem is not None:
            column = 0
            for letter in match[1]:
                column = column * 26 + ord(letter) - 64
            cells[int(match[2]) - 1, column - 1] = problem
    return cells


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"

#: The text a spreadsheet shows in a cell whose formula failed: #DIV/0!, #N/A, #NAME?, LibreOffice's Err:502.
_ODS_ERROR_TEXT = re.compile(r"#(?:N/A|[A-Z0-9/]+[!?])|Err:[0-9]+")


def ods_problems(path: Path) -> tuple[dict[str, dict[tuple[int, int], CellError]], dict[str, list[CellRange]]]:
    """What calamine does not tell of an .ods file: its cells showing an error (``#DIV/0!``,
    ``Err:502``) or a formula never calculated, its numbers in a percentage format (cells by
    sheet name and 0-based (row, column), as :func:`formula_problems` gives them for an .xlsx
    file), and its merged ranges by sheet name. Nothing for another kind of file.

    ``content.xml`` is searched for what marks any of these first; only then is it parsed.
    """
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            if "content.xml" not in archive.namelist() or "xl/workbook.xml" in archive.namelist():
                return {}, {}
            marks = [f"{q}{word}{q}".encode() for word in ("error", "percentage") for q in "\"'"]
            marks += [b"-spanned=", b"formula="]
            with archive.open("content.xml") as stream:
                tail, marked = b"", False
                while not marked and (chunk := stream.read(1 << 20)):
                    marked = any(mark in tail + chunk for mark in marks)
                    tail = chunk[-16:]
            if not marked:
                return {}, {}
            with archive.open("content.xml") as stream:
                return _ods_content_problems(stream)
    except (OSError, zipfile.BadZipFile, ET.ParseError, KeyError, ValueError):
        return {}, {}  # calamine read the file: what it gave stands


def _ods_content_problems(stream: Any) -> tuple[dict[str, dict[tuple[int, int], CellError]], dict[str, list[CellRange]]]:
    """:func:`ods_problems` of a ``content.xml``: each table's rows and cells counted with their
    repetitions (``number-rows-repeated``, ``number-columns-repeated``)."""
    import xml.etree.ElementTree as ET

    cells: dict[str, dict[tuple[int, int], CellError]] = {}
    merged: dict[str, list[CellRange]] = {}
    sheet, row, column = "", 0, 0
    found: list[tuple[int, int, CellError | None, int, int]] = []  # this row's: column, repeated, problem, rows and columns merged
    for event, element in ET.iterparse(stream, events=("start", "end")):
        tag = element.tag
        if event == "start":
            if tag == f"{_TABLE}table":
                sheet, row = element.get(f"{_TABLE}name", ""), 0
            elif tag == f"{_TABLE}table-row":
                column, found = 0, []
            continue
        if tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            across = int(element.get(f"{_TABLE}number-columns-repeated", "1"))
            if tag == f"{_TABLE}table-cell":
                problem = _ods_cell_problem(element)
                down = int(element.get(f"{_TABLE}number-rows-spanned", "1"))
                wide = int(element.get(f"{_TABLE}number-columns-spanned", "1"))
                if problem is not None or down > 1 or wide > 1:
                    found.append((column, across, problem, down, wide))
            column += across
            element.clear()
        elif tag == f"{_TABLE}table-row":
            repeated = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
            for at, across, problem, down, wide in found:
                for line in range(row, row + repeated):
                    for place in range(at, at + across):
                        if problem is not None:
                            cells.setdefault(sheet, {})[line, place] = problem
                        if down > 1 or wide > 1:
                            merged.setdefault(sheet, []).append(((line, place), (line + down - 1, place + wide - 1)))
            row += repeated
            element.clear()
    return cells, merged


def _ods_cell_problem(cell: Any) -> CellError | None:
    """The problem of one ``table:table-cell`` of an .ods file, if it has one."""
    kind = cell.get(f"{_OFFICE}value-type")
    formula = cell.get(f"{_TABLE}formula")
    # What the cell shows: its own paragraphs (a comment's are inside its office:annotation).
    shown = "\n".join("".join(paragraph.itertext()) for paragraph in cell.findall(f"{_TEXT}p")).strip()
    if cell.get(f"{_CALCEXT}value-type") == "error" or (formula is not None and _ODS_ERROR_TEXT.fullmatch(shown)):
        return CellError(shown or "Err")
    if formula is not None and kind is None:
        return CellError("")  # no value stored
    if kind == "percentage":
        return _percent_error(cell.get(f"{_OFFICE}value", ""), shown)
    return None


def cell_value(value: Any) -> Any:
    """A cell as the raw value the evidence checks take; ``None`` for an empty cell.

    Text is stripped; a whole number stored as a double is an int; any other double is
    the decimal Excel shows; a date-time at midnight is a date.
    """
    if value is None:
        return None
    kind = value.__class__
    if kind is str:
        return value.strip() or None
    if kind is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return excel_decimal(value)
    if kind is _dt.datetime:
        return value.date() if value.time() == _dt.time(0) else value
    return value


def _for_type(spec: Any, raw: Any) -> Any:
    """Workbook spellings of a value: 是/否 for booleans, numbers typed into a text field, ；."""
    kind = spec.type
    if kind == "bool" and raw.__class__ is str:
        if raw in (YES, NO):
            return raw == YES
        return raw
    if kind in ("str", "enum") and raw.__class__ is not str and not isinstance(raw, (bool, _dt.date)):
        return str(raw)  # Excel turns a typed 2017 into a number
    if kind == "list[str]" and raw.__class__ is str:
        return "" if raw == NONE else raw.replace("；", ";")
    return raw


#: How the template's synthetic-data banner (escore._report.synthetic_banner) starts, in the
#: languages it is written in: its English words before the colon, and the Chinese catalogue's.
_BANNER_STARTS = (SYNTHETIC_BANNER.partition(":")[0], "合成数据")


def _is_banner(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_BANNER_STARTS)


def _bannered(grid: Sequence[Sequence[Any]]) -> bool:
    """Whether a sheet's first row holds the synthetic-data banner (a unit sheet's A1, a table's
    cell beyond its header)."""
    return bool(grid) and any(_is_banner(cell_value(value)) for value in grid[0])


def _blank(row: Sequence[Any]) -> bool:
    return all(cell_value(v) is None for v in row)


class _Problems:
    """The problems found so far, and where each value and row was read (for later checks)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.origins: dict[tuple[str, str], str] = {}  # (unit, field key) → sheet!cell
        self.row_sheets: dict[int, str] = {}  # id(row) → sheet
        self.before: Callable[[str, str], str] = lambda _code, _key: ""  # (unit, field key) → where given before the workbook

    def add(self, where: str, key: str, expected: str, hint: str = "") -> None:
        self.items.append(str(InputError(where, key, expected, hint=hint)))

    def parse(self, spec: Any, raw: Any, where: str, key: str) -> tuple[bool, Any]:
        try:
            return True, spec.parse(_for_type(spec, raw), where, key, from_text=True)
        except InputError as exc:
            hint = gettext("write {0} or {1}").format(YES, NO) if spec.type == "bool" else exc.hint
            self.add(exc.where, exc.key, exc.expected, hint=hint)
            return False, None


def read_evidence_book(
    path: Path,
    loader: EvidenceLoader,
    plan: Any,
    wanted: Collection[str],
    known: set[str],
    with_rows: Collection[str],
    values: dict[str, dict[str, Any]],
    files: dict[str, str],
    rows: dict[str, dict[str, list[Any]]],
    *,
    schema: Any,
    origins: dict[str, dict[str, str]],
    row_files: dict[int, str],
    table_files: Mapping[str, str] | None = None,
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> BookLabels:
    """Read one evidence workbook into ``values``, ``files`` and ``rows`` (as the directory reader does).

    ``schema``, ``origins``, ``row_files`` and ``table_files`` are the directory reader's
    (:mod:`escore._load`): the fields as this category declares them, and where each value and
    row came from (a row of a table's first file is known by the table's), for the checks
    across values and for a value given twice. ``others``: by which a table's row of a known
    unit not read here is checked (escore._load.OtherUnits). Raises one :class:`InputError`
    listing every problem found, and changes nothing then.
    """
    sheets = loader.read(path)
    problems = _Problems()
    # Where a value given before this workbook was read: a unit file's or a fields table's line.
    problems.before = lambda code, key: origins.get(code, {}).get(key) or files.get(code, "")
    fields = {key: spec for key, (spec, _) in schema.by_key.items()}  # maxima of this category
    # The ruleset's fields that other categories read (a key of this category's is not one of them).
    other_fields = {d.field.key for d in plan.fixtures.values() if d.field is not None} - fields.keys()
    # A sheet name holds 31 characters: a longer table name is cut there (``sheet_title``).
    tables = {t.name[:31]: t for t in plan.tables}
    other_tables = {d.table.name[:31] for d in plan.fixtures.values() if d.table is not None}
    # Every monitoring table of the ruleset by its sheet's name, with its columns: a sheet renamed is known by its keys.
    table_columns = {t.name[:31]: {c.name for c in t.columns} for t in plan.tables}
    table_columns.update({d.table.name[:31]: {c.name for c in d.table.columns} for d in plan.fixtures.values() if d.table is not None})
    labels = _read_about(sheets.get(ABOUT_SHEET), plan, problems, str(path))
    if not labels.synthetic and any(_bannered(grid) for name, grid in sheets.items() if name != ABOUT_SHEET):
        # The sheets still carry the template's synthetic-data banner: sample data, whatever
        # became of the 说明 sheet (deleted, its line cleared) — never shown as a real result.
        labels = BookLabels(True, labels.notes)
    for name, grid in sheets.items():
        if name.startswith("_") or (name in other_tables and name not in tables):
            continue  # sheets the reader skips
        _cell_problems(name, grid, name in tables, problems)
    new_values: dict[str, dict[str, Any]] = {}
    new_rows: dict[str, dict[str, list[Any]]] = {}
    seen_units: list[str] = []
    for name, grid in sheets.items():
        if name == ABOUT_SHEET or name.startswith("_"):
            continue
        if name in tables:
            # Sub-units' rows only where a roll-up reads them; elsewhere they are rows of units not scored here.
            kept = with_rows if tables[name].rollup else wanted
            found = _read_table_sheet(name, grid, tables[name], kept, known, problems, schema, names, others)
            if found is not None:
                new_rows[tables[name].name] = found
        elif name in other_tables:
            continue  # a monitoring table of another category of the ruleset
        elif not _misnamed_table(name, grid, table_columns, {*fields, *other_fields}, problems):
            _read_unit_sheet(name, grid, fields, other_fields, schema, wanted, known, values, problems, new_values, seen_units, names)
    # The checks that span several values of a unit (a part above its whole, READING 15),
    # on what the workbook gives together with what other evidence gave before it.
    book_origins = problems.origins
    for code in sorted(set(new_values) | {c for by_unit in new_rows.values() for c in by_unit}):
        # A sub-unit's rows roll up: its values belong to its category, its rows are checked.
        merged = {**values[code], **new_values.get(code, {})} if code in values else None
        view = {
            name: {code: tuple(rows.get(name, {}).get(code, ())) + tuple(new_rows.get(name, {}).get(code, ()))}
            for name in set(rows) | set(new_rows)
        }

        def field_where(key: str, code: str = code) -> str:
            return book_origins.get((code, key)) or origins.get(code, {}).get(key, gettext("the evidence of {0}").format(code))

        try:
            check_unit(
                schema,
                code,
                merged,
                view,
                field_where,
                lambda name, row, _position: (
                    f"{path}: {problems.row_sheets[id(row)]}:{row.line}"
                    if id(row) in problems.row_sheets
                    else f"{row_files.get(id(row)) or (table_files or {}).get(name, name)}:{row.line}"
                ),
            )
        except InputError as exc:
            problems.items.append(str(exc))
    # Dates decades away from the assessment's year, listed with the workbook's other problems
    # (the loader checks every path's the same way, after the workbook is read).
    try:
        check_dates(
            str(path),
            schema,
            sorted(code for code in new_values if code in values),
            new_values,
            {name: {code: tuple(found) for code, found in by_unit.items()} for name, by_unit in new_rows.items()},
            lambda code, key: book_origins.get((code, key), str(path)),
            lambda _name, row, _position: f"{problems.row_sheets.get(id(row), _name)}!{row.line}:{row.line}: {row.unit}",
        )
    except InputErrors as exc:
        problems.items.extend(exc.problems)
    except InputError as exc:
        problems.items.append(str(exc))
    if problems.items:
        raise InputErrors(
            str(path),
            gettext("{0} problem(s) in the workbook; nothing was scored:").format(len(problems.items)),
            problems.items,
            limit=MAX_LISTED,
        )
    for code, found in new_values.items():
        values[code].update(found)
    for (code, key), where in book_origins.items():  # named with the workbook, for the paths read after it
        origins.setdefault(code, {})[key] = f"{path}: {where}"
    for by_unit in new_rows.values():
        for unit_rows in by_unit.values():
            for row in unit_rows:
                row_files[id(row)] = f"{path}: {problems.row_sheets[id(row)]}"
    for code in dict.fromkeys(seen_units):
        files[code] = str(path) if code not in files else f"{files[code]} + {path}"
    for table_name, by_unit in new_rows.items():
        target = rows.setdefault(table_name, {})  # a table given without rows for a unit means no events, not missing
        for code, unit_rows in by_unit.items():
            target.setdefault(code, []).extend(unit_rows)
    return labels


def _cell_problems(sheet: str, grid: Sequence[Sequence[Any]], table: bool, problems: _Problems) -> None:
    """The cells of a sheet that calamine read as empty or as another value (:class:`SheetGrid`),
    each named by its cell, and below the row of keys by its unit and field as the sheet's other
    problems are; and its merged ranges that cover a cell read (from the row of keys down, up to
    the last key), whose value is held in their first cell only."""
    errors: Mapping[tuple[int, int], CellError] = getattr(grid, "cell_errors", {})
    merged: Sequence[CellRange] = getattr(grid, "merged", ())
    if not errors and not merged:
        return
    top = TABLE_KEY_ROW - 1 if table else _key_row(grid)
    keys: dict[int, str] = {}
    if top is not None and top < len(grid):
        for index, value in enumerate(grid[top]):
            key = cell_value(value)
            if key is None or _is_banner(key):
                if table:
                    break  # a monitoring sheet's header ends at its first empty cell
                continue
            keys[index] = str(key)

    def unit(row: int) -> str:
        """The unit of a row below the keys, as the sheet's other problems name it."""
        line = grid[row] if top is not None and top < row < len(grid) else ()
        code = cell_value(line[0]) if line else None
        if code is None:
            return ""
        name = cell_value(line[1]) if not table and len(line) > 1 else None
        return f"{code} {name}" if name is not None else str(code)

    for (row, column), error in sorted(errors.items()):
        where = cell_name(sheet, row + 1, column)
        who = unit(row)
        key = keys.get(column, "") if top is not None and row > top else ""
        problems.add(f"{where}: {who}" if who else where, key, error.describe())
    if top is None:
        return  # not an evidence sheet: said once, at A1
    last = max(keys, default=-1)
    for (first_row, first_column), (last_row, last_column) in sorted(merged):
        read_rows = last_row - max(first_row, top) + 1
        read_columns = min(last_column, last) - first_column + 1
        first_read = first_row >= top and first_column <= last
        if read_rows <= 0 or read_columns <= 0 or read_rows * read_columns - first_read <= 0:
            continue  # above the keys, beyond the last one, or only its first cell is read
        first = cell_name(sheet, first_row + 1, first_column)
        where = f"{first}:{column_letter(last_column)}{last_row + 1}"
        who = unit(first_row) if first_row == last_row else ""
        key = keys.get(first_column, "") if first_column == last_column else ""
        problems.add(
            f"{where}: {who}" if who else where,
            key,
            gettext(
                "merged cells: the value is held in the first cell ({0}) only, and the others are read as empty; "
                "unmerge the cells and give each its value"
            ).format(first.rpartition("!")[2]),
        )


def _misnamed_table(
    sheet: str, grid: Sequence[Sequence[Any]], table_columns: Mapping[str, set[str]], field_keys: set[str], problems: _Problems
) -> bool:
    """Whether a sheet not named by a monitoring table has a monitoring table's row of keys
    (``unit`` in A1, then columns of a table, no field): a sheet renamed, listed as one problem
    with the table meant (read as a unit sheet, each of its keys and rows had been a problem)."""
    if not grid:
        return False
    header: list[str] = []
    for value in grid[TABLE_KEY_ROW - 1]:
        key = cell_value(value)
        if key is None or _is_banner(key):
            break
        header.append(str(key))
    if len(header) < 2 or header[0] != "unit" or any(key.rpartition(".")[0] in field_keys or key in field_keys for key in header):
        return False
    keys = set(header[1:])
    best = max((len(keys & columns), -len(columns ^ keys)) for columns in table_columns.values())
    if 2 * best[0] < len(keys):
        return False  # at most half of its keys are any one table's columns
    meant = [name for name, columns in table_columns.items() if (len(keys & columns), -len(columns ^ keys)) == best]
    hint = did_you_mean(sheet, meant) or (gettext("did you mean '{0}'?").format(meant[0]) if len(meant) == 1 else "")
    problems.add(
        f"{sheet}!A1",
        "",
        gettext(
            "unknown monitoring table '{0}': the sheet's row of keys is a monitoring table's, and a monitoring sheet is known "
            "by its name; name the sheet after its table"
        ).format(sheet),
        hint=hint or did_you_mean(sheet, table_columns) or gettext("expected one of: {0}").format(", ".join(meant)),
    )
    return True


def _read_about(grid: Sequence[Sequence[Any]] | None, plan: Any, problems: _Problems, where: str = "") -> BookLabels:
    if grid is None:
        return BookLabels()
    found: dict[str, tuple[int, Any]] = {}
    notes: list[str] = []
    for index, row in enumerate(grid, start=1):
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() in ABOUT_KEYS:
            key, value = row[0].strip(), cell_value(row[1])
            found[key] = (index, value)
            if key == "note" and value is not None:
                notes.append(str(value))  # one row per note
    for key, expected in (("ruleset", plan.ruleset.name), ("category", plan.category.key)):
        if key in found and found[key][1] not in (None, expected):
            label, cell = found[key][1], cell_name(ABOUT_SHEET, found[key][0], 1)
            if key == "ruleset" and isinstance(label, str) and label in ruleset_chain(plan):
                # A workbook filled for an earlier year of the scheme, carried over to the year
                # that extends it (as an evidence directory of that year is scored).
                from ._errors import warn

                warn(
                    gettext(
                        "{0}: {1}: ruleset: this workbook is for ruleset '{2}', which '{3}' extends; its values are read as {3}'s"
                    ).format(where, cell, label, expected)
                )
                continue
            problems.add(
                cell,
                key,
                gettext("this workbook is for {0} '{1}', the run is for '{2}'").format(key, label, expected),
                hint=gettext("use --{0} {1}").format(key, label)
                if key == "category"
                else gettext("use --ruleset {0}, or the --year it assesses").format(label),
            )
    synthetic = False
    if "synthetic" in found:
        line, raw = found["synthetic"]
        if raw in (YES, True, "true"):
            synthetic = True
        elif raw not in (NO, False, "false", None):
            problems.add(cell_name(ABOUT_SHEET, line, 1), "synthetic", gettext("expected {0} or {1}, got {2}").format(YES, NO, repr(raw)))
    return BookLabels(synthetic, tuple(notes))


def _key_row(grid: Sequence[Sequence[Any]]) -> int | None:
    """The 0-based index of the row of keys: the first of the top rows whose A cell is ``unit``."""
    for index, row in enumerate(grid[:6]):
        if row and cell_value(row[0]) == "unit":
            return index
    return None


def _read_unit_sheet(
    sheet: str,
    grid: Sequence[Sequence[Any]],
    fields: Mapping[str, Field],
    other_fields: set[str],
    schema: EvidenceSchema,
    wanted: Collection[str],
    known: set[str],
    values: Mapping[str, dict[str, Any]],
    problems: _Problems,
    out: dict[str, dict[str, Any]],
    seen_units: list[str],
    names: Mapping[str, Listed] | None = None,
) -> None:
    """A sheet of units by fields: its row of keys, then a row per unit of ``wanted``; the name
    beside a code, when given, is checked against the roster's ``names``."""
    if not grid or _blank([v for row in grid for v in row]):
        return
    top = _key_row(grid)
    if top is None:
        problems.add(
            f"{sheet}!A1",
            "",
            gettext("not an evidence sheet: expected a row of keys starting with 'unit' in column A (sheets named '_…' are ignored)"),
        )
        return
    layout = _unit_sheet_layout(sheet, [cell_value(v) for v in grid[top]], grid[top + 1 :], top, fields, other_fields, schema, problems)
    units_here: dict[str, int] = {}
    elsewhere: dict[str, int] = {}
    for offset, row in enumerate(grid[top + 1 :]):
        number = top + 2 + offset
        if _blank(row):
            continue
        code = _row_unit(sheet, number, row, wanted, known, units_here, problems, schema, elsewhere, names)
        if code is None:
            continue
        seen_units.append(code)
        name = cell_value(row[1]) if len(row) > 1 else None
        roster = names.get(code) if names is not None else None
        if name is not None and roster is not None and not _same_unit(str(name), roster.name):
            problems.add(
                cell_name(sheet, number, 1),
                "name",
                gettext(
                    "unit {0} is {1} in the roster, but this row names {2}: was a column sorted on its own? "
                    "Put each code beside its unit's values again (or clear the name)"
                ).format(code, roster.name, str(name)),
            )
            continue
        parent = cell_value(row[2]) if len(row) > 2 and layout.parent_column else None
        if parent is not None and roster is not None and not _same_parent(str(parent), roster):
            # The roster alone says where a unit rolls up: a parent typed here would be ignored.
            if roster.parent:
                text = gettext(
                    "unit {0} belongs to {1} in the roster, but this row names {2}: a unit's parent is the roster's "
                    "(change the roster to move it), so give {3} here or clear the cell"
                ).format(code, f"{roster.parent} {roster.parent_name}".strip(), str(parent), roster.parent)
            else:
                text = gettext(
                    "unit {0} has no parent in the roster, but this row names {1}: a unit's parent is the roster's "
                    "(change the roster to move it), so clear the cell"
                ).format(code, str(parent))
            problems.add(cell_name(sheet, number, 2), "parent", text)
            continue
        who = f"{code} {name}" if name else code
        _read_unit_row(sheet, number, row, who, code, layout, fields, values[code], out.setdefault(code, {}), problems)
    if elsewhere:
        left_out(sheet, schema, elsewhere)


def _same_parent(typed: str, roster: Listed) -> bool:
    """Whether a row's parent is its unit's in the roster: the parent's code, or its name (a
    longer or shorter form of it)."""
    if "".join(typed.split()) == roster.parent:
        return True
    return bool(roster.parent_name) and _same_unit(typed, roster.parent_name)


def _same_unit(typed: str, roster_name: str | None) -> bool:
    """Whether a row's name is its code's: the roster's name, or a longer or shorter form of it
    (福州市鼓楼区, 鼓楼 for 鼓楼区); any name for a unit the roster names not."""
    typed = "".join(typed.split())
    if not roster_name or not typed:
        return True
    return typed in roster_name or roster_name in typed


class _UnitSheetLayout(NamedTuple):
    """What a unit sheet's row of keys says: each column's field and part (``""`` for a plain
    field, ``points`` or ``reason`` for a grade's), each grade's columns, and the grades with a
    column missing (named once, at the header)."""

    columns: dict[int, tuple[Field, str]]
    graded: dict[str, dict[str, int]]
    incomplete: set[str]
    #: Whether column C is the units' parent (headed ``parent``), checked against the roster.
    parent_column: bool = False


def _unit_sheet_layout(
    sheet: str,
    keys: list[Any],
    rows: Sequence[Sequence[Any]],
    top: int,
    fields: Mapping[str, Field],
    other_fields: set[str],
    schema: EvidenceSchema,
    problems: _Problems,
) -> _UnitSheetLayout:
    """The columns of a unit sheet from its row of keys (row ``top``); each key that is not one
    of ``fields`` is a problem at its cell, with the key meant where one is close."""
    columns: dict[int, tuple[Field, str]] = {}
    graded: dict[str, dict[str, int]] = {}
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        where = cell_name(sheet, top + 1, index)
        if key is None:
            if any(index < len(row) and cell_value(row[index]) is not None for row in rows):
                problems.add(where, "", gettext("values in a column without a key; put the field key in this cell"))
            continue
        if not isinstance(key, str):
            problems.add(where, "", gettext("expected a field key, got {0}").format(repr(key)))
            continue
        if key in UNIT_COLUMNS:
            if index != UNIT_COLUMNS.index(key):
                problems.add(where, key, gettext("expected in column {0}").format("ABC"[UNIT_COLUMNS.index(key)]))
            continue
        if key in seen:
            problems.add(where, key, gettext("column repeated (also {0})").format(cell_name(sheet, top + 1, seen[key])))
            continue
        seen[key] = index
        base, _, part = key.rpartition(".")
        if key in fields and fields[key].type != "graded":
            columns[index] = (fields[key], "")
        elif part in GRADED_PARTS and base in fields and fields[base].type == "graded":
            columns[index] = (fields[base], part)
            graded.setdefault(base, {})[part] = index
        elif key in fields:
            problems.add(where, key, gettext("an assessor-graded field takes two columns, {0}.points and {0}.reason").format(key))
        elif key in schema.retired or (part in GRADED_PARTS and base in schema.retired):
            # inherited evidence: its column is skipped
            ignore_retired(schema, key if key in schema.retired else base, at=where, cell=True)
        elif key in other_fields or (part in GRADED_PARTS and base in other_fields):
            problems.add(where, key, gettext("this field is not read by category '{0}'").format(schema.category))
        elif (
            elsewhere := other_ruleset_field(schema.ruleset, schema.other_fields, key if key in schema.other_fields else base)
        ) is not None:
            problems.add(where, key, elsewhere)
        else:
            candidates = [k for k, f in fields.items() if f.type != "graded"]
            candidates += [f"{k}.{p}" for k, f in fields.items() if f.type == "graded" for p in GRADED_PARTS]
            problems.add(where, key, gettext("unknown evidence key"), hint=did_you_mean(key, candidates))
    # A grade whose other column is missing is reported once, here, not again on every row.
    incomplete = {base for base, parts in graded.items() if len(parts) < len(GRADED_PARTS)}
    for base, parts in graded.items():
        for part in GRADED_PARTS:
            if part not in parts:
                other = next(iter(parts.values()))
                problems.add(
                    cell_name(sheet, top + 1, other), base, gettext("the column {0}.{1} is missing beside this one").format(base, part)
                )
    parent_column = len(keys) > 2 and keys[UNIT_COLUMNS.index("parent")] == "parent"
    return _UnitSheetLayout(columns, graded, incomplete, parent_column)


def _row_unit(
    sheet: str,
    number: int,
    row: Sequence[Any],
    wanted: Collection[str],
    known: set[str],
    units_here: dict[str, int],
    problems: _Problems,
    schema: EvidenceSchema,
    elsewhere: dict[str, int],
    names: Mapping[str, Listed] | None = None,
) -> str | None:
    """The unit of row ``number`` when it is one of ``wanted`` met for the first time on this
    sheet; ``None`` for a row of another category's unit (kept in ``elsewhere`` for one warning),
    or a problem (no code, an unknown one, a unit's second row)."""
    code = cell_value(row[0]) if row else None
    if code is None:
        problems.add(cell_name(sheet, number, 0), "unit", gettext("expected a unit code: this row has values but no unit"))
        return None
    code = str(code)
    if code not in wanted:
        if code in known:
            if names is None or code not in names:  # a unit of this category the run does not score: quietly
                elsewhere.setdefault(code, number)  # a unit of another category: named once for the sheet
        elif not ignore_retired_unit(schema, code, at=cell_name(sheet, number, 0), cell=True):
            problems.add(
                cell_name(sheet, number, 0),
                "unit",
                gettext("unknown unit code '{0}'").format(code),
                hint=did_you_mean(code, [*known, *wanted]),
            )
        return None
    if code in units_here:
        problems.add(cell_name(sheet, number, 0), "unit", gettext("unit '{0}' has two rows (also row {1})").format(code, units_here[code]))
        return None
    units_here[code] = number
    return code


def _read_unit_row(
    sheet: str,
    number: int,
    row: Sequence[Any],
    who: str,
    code: str,
    layout: _UnitSheetLayout,
    fields: Mapping[str, Field],
    unit_values: dict[str, Any],
    target: dict[str, Any],
    problems: _Problems,
) -> None:
    """The values of one unit's row: each plain field's cell, then each grade's two cells as one
    value (both given, the points in range); an empty cell is evidence not given."""
    grades: dict[str, dict[str, Any]] = {}
    for index, (spec, part) in layout.columns.items():
        raw = cell_value(row[index]) if index < len(row) else None
        if part:
            grades.setdefault(spec.key, {})[part] = (raw, index)
            continue
        if raw is None:
            continue
        _store(spec, raw, f"{cell_name(sheet, number, index)}: {who}", code, unit_values, target, problems)
    for key, given in grades.items():
        spec = fields[key]
        present = {part: v for part, v in given.items() if v[0] is not None}
        if not present or key in layout.incomplete:
            continue
        if len(present) < len(GRADED_PARTS):
            lacking = next(p for p in GRADED_PARTS if p not in present)
            index = layout.graded[key].get(lacking, next(iter(present.values()))[1])
            problems.add(
                f"{cell_name(sheet, number, index)}: {who}",
                key,
                gettext("an assessor's grade needs both the points and the reason; the {0} is empty").format(gettext(lacking)),
            )
            continue
        where = f"{cell_name(sheet, number, present['points'][1])}: {who}"
        # The points cell is checked as the number it is (its range named), then the grade as a whole.
        ok, _ = problems.parse(_points_spec(spec), present["points"][0], where, f"{key}.points")
        if ok:
            _store(spec, {"points": present["points"][0], "reason": str(present["reason"][0])}, where, code, unit_values, target, problems)


#: The two cells of an assessor's grade, as the messages name them.
PART_NAMES = (N_("points"), N_("reason"))


def _points_spec(spec: Field) -> Column:
    return Column("decimal", spec.unit, spec.description, spec.min, spec.max, name=f"{spec.key}.points")


def _store(spec: Field, raw: Any, where: str, code: str, earlier: Mapping[str, Any], target: dict[str, Any], problems: _Problems) -> None:
    name = spec.fixture_name
    if name in target or name in earlier:
        first = problems.origins.get((code, spec.key)) if name in target else problems.before(code, spec.key)
        problems.add(where, spec.key, gettext("given twice (also in {0})").format(first or gettext("another file")))
        return
    ok, value = problems.parse(spec, raw, where, spec.key)
    if ok:
        target[name] = value
        problems.origins[(code, spec.key)] = where


def _read_table_sheet(
    sheet: str,
    grid: Sequence[Sequence[Any]],
    spec: Table,
    with_rows: Collection[str],
    known: set[str],
    problems: _Problems,
    schema: EvidenceSchema,
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> dict[str, list[Any]] | None:
    """The sheet's rows by unit; ``None`` when the sheet was not filled in (the table is then
    missing). A row of a known unit not in ``with_rows`` is left out, or is a problem when no
    category reads the table for it (``others``: escore._load.OtherUnits)."""
    if not grid or _blank([v for row in grid for v in row]):
        return None
    header: list[str] = []
    for value in grid[TABLE_KEY_ROW - 1]:
        key = cell_value(value)
        if key is None or _is_banner(key):
            break  # the header ends at its first empty cell (a note, or the banner, may stand beyond it)
        header.append(str(key))
    columns = {c.name: c for c in spec.columns}
    bad = False
    if not header or header[0] != "unit":
        problems.add(f"{sheet}!A{TABLE_KEY_ROW}", "unit", gettext("expected 'unit' here: the first column names the unit of each event"))
        bad = True
    # A column the header lacks because a cell misspells it (knd for kind): one problem, at that cell.
    meant = {}
    for name in columns:
        if name not in header:
            typo = misspelt_column(name, header[1:], ("unit", *columns))
            if typo is not None:
                meant[typo] = name
    for index, key in enumerate(header[1:], start=1):
        if key in meant:
            problems.add(cell_name(sheet, TABLE_KEY_ROW, index), meant[key], misspelt_column_problem(key, meant[key]))
            bad = True
        elif key not in columns:
            problems.add(
                cell_name(sheet, TABLE_KEY_ROW, index),
                key,
                gettext("unknown column"),
                hint=did_you_mean(key, columns) or gettext("expected: unit, {0}").format(", ".join(columns)),
            )
            bad = True
    for name, col in columns.items():
        if name not in header and name not in meant.values():
            problems.add(f"{sheet}!{TABLE_KEY_ROW}", name, missing_column(col))
            bad = True
    if bad:
        return None
    checks = [c for c in spec.columns if c.at_most or c.at_least or c.max_by or c.after_year]
    position = {key: index for index, key in enumerate(header)}
    events = [(TABLE_KEY_ROW + 1 + n, list(row[: len(header)])) for n, row in enumerate(grid[TABLE_KEY_ROW:])]
    events = [(line, row) for line, row in events if not _blank(row)]
    # No event row: the table was not filled in, and its indicators are missing. NONE alone in
    # column A says "no events at all", which scores (e.g. no deductions).
    marked = [line for line, row in events if cell_value(row[0]) == NONE]
    if marked:
        if len(events) > 1:
            problems.add(
                cell_name(sheet, marked[0], 0), "unit", gettext("'{0}' means no events at all: delete it or the event rows").format(NONE)
            )
        return {}
    if not events:
        return None
    out: dict[str, list[Any]] = {}
    elsewhere: dict[str, int] = {}  # units of another category: code → its first row
    for line, row in events:
        code = cell_value(row[0])
        code = "" if code is None else str(code)
        if code not in with_rows:
            refused = others.problem(spec, code) if others is not None and code in known else None
            if refused is not None:
                problems.add(cell_name(sheet, line, 0), "unit", refused[0], hint=refused[1])
            elif code in known:
                if names is None or code not in names:  # a unit of this category the run does not score: quietly
                    elsewhere.setdefault(code, line)
            elif not ignore_retired_unit(schema, code, at=cell_name(sheet, line, 0), cell=True):
                problems.add(
                    cell_name(sheet, line, 0), "unit", gettext("unknown unit code '{0}'").format(code), hint=did_you_mean(code, known)
                )
            continue
        parsed: list[Any] = []
        fine = True
        for name, col in columns.items():
            at = position.get(name)
            raw = cell_value(row[at]) if at is not None and at < len(row) else None
            where = f"{cell_name(sheet, line, at if at is not None else 0)}: {code}"
            if raw is None:
                if col.required:
                    problems.add(where, name, gettext("expected {0}, got an empty cell").format(col.expected()))
                    fine = False
                parsed.append(None)
                continue
            ok, value = problems.parse(col, raw, where, name)
            fine = fine and ok
            parsed.append(value)
        if fine and checks:
            try:
                check_row(checks, dict(zip(columns, parsed)), f"{sheet}!{line}:{line}: {code}")
            except InputError as exc:
                # Named by the cell of the column the check is about, as every other problem is.
                at = position.get(exc.key)
                problems.items.append(
                    str(
                        InputError(f"{cell_name(sheet, line, at)}: {code}", exc.key, exc.expected, hint=exc.hint) if at is not None else exc
                    )
                )
                fine = False
        if fine:
            row = spec.row_type(code, line, *parsed)
            problems.row_sheets[id(row)] = sheet
            out.setdefault(code, []).append(row)
    if elsewhere:
        left_out(sheet, schema, elsewhere)
    return out


def left_out(sheet: str, schema: EvidenceSchema, rows: Mapping[str, int]) -> None:
    """Warn of a sheet's rows of units another category scores: a category's workbook holds its
    own units (a county's incident typed into the city workbook had been dropped without a word)."""
    from ._errors import warn

    shown = ", ".join(gettext("{0} (row {1})").format(code, line) for code, line in list(rows.items())[:5])
    more = gettext(" and {0} more").format(len(rows) - 5) if len(rows) > 5 else ""
    warn(gettext("{0}: rows of units outside {1} are left out: {2}{3}").format(sheet, schema.category_title, shown, more))
