"""The layout of escore's Excel workbooks, shared by the writers and the evidence reader.

An evidence workbook holds one category's evidence (``escore template --format xlsx``):

* ``说明`` — what the workbook is for, and a key/value block (``ruleset``, ``category``,
  ``synthetic``, ``note``) the reader takes the evidence set's labels from;
* one sheet per field group (the dotted key without its last part), named by the
  indicator group its fields feed: a banner row, a row of descriptions, a row of field
  keys (``unit``, ``name``, ``parent``, then one per field; an assessor-graded field is
  two columns, ``KEY.points`` and ``KEY.reason``), then one row per unit;
* one sheet per monitoring table, named by the table: a row of column keys (``unit``
  first), then one row per event from row 2, so that an event's row number is its
  ``line`` exactly as in a CSV file with a header line;
* sheets whose name starts with ``_`` (the hidden choice lists) are not evidence.

Excel stores numbers as binary doubles and shows at most 15 significant digits; a
number read from a cell is the decimal Excel shows (:func:`excel_decimal`), and a
decimal that a double cannot carry exactly is written as text, which the reader parses
exactly.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from typing import Any

ABOUT_SHEET = "说明"
LISTS_SHEET = "_lists"
#: Unit sheets: banner, descriptions, keys; the first unit is on row 4.
UNIT_KEY_ROW = 3
#: Monitoring sheets: keys on row 1, so the first event is on row 2 (its CSV line).
TABLE_KEY_ROW = 1
UNIT_COLUMNS = ("unit", "name", "parent")
GRADED_PARTS = ("points", "reason")
YES, NO = "是", "否"
#: An empty list (no items: ``[]`` in TOML); an empty cell is evidence not given.
NONE = "无"
ABOUT_KEYS = ("ruleset", "category", "synthetic", "note")

_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unused sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD_SHEET_CHARACTERS.sub("_", text).strip("'")[:31] or "sheet"
    name, counter = base, 2
    while name.lower() in {t.lower() for t in taken}:  # Excel compares sheet names case-insensitively
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(name)
    return name


def excel_decimal(value: float) -> Decimal:
    """The decimal Excel shows for a double: the shortest repr, at most 15 significant digits."""
    exact = Decimal(repr(value))
    if len(exact.as_tuple().digits) > 15:
        exact = Decimal(format(value, ".15g"))
    return exact


def fits_double(value: Decimal) -> bool:
    """Whether a double written for ``value`` reads back as exactly ``value``."""
    if not value.is_finite():
        return False
    return len(value.as_tuple().digits) <= 15 and excel_decimal(float(value)) == value


def cell_of_decimal(value: Decimal) -> Any:
    """A number when Excel holds it exactly, else its text (read back exactly)."""
    if fits_double(value):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return str(value)


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(sheet: str, row: int, column: int) -> str:
    """``网站!F12`` from a 1-based row and a 0-based column."""
    return f"{sheet}!{column_letter(column)}{row}"


FIXED_TIME = _dt.datetime(2017, 1, 1)


def workbook_bytes(workbook: Any) -> bytes:
    """Save an openpyxl workbook to bytes that depend only on its content.

    openpyxl stamps the document properties and every zip entry with the current
    time; escore's output must be byte-identical for the same input, so both are
    fixed here.
    """
    import io
    import zipfile

    workbook.properties.creator = "escore"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamped = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamped.sub(b'<dcterms:modified xsi:type="dcterms:W3CDTF">2017-01-01T00:00:00Z</dcterms:modified>', data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()
