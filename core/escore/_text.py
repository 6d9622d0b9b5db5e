"""Showing untrusted text: evidence, unit names and reasons reach terminals and spreadsheets.

Evidence comes partly from the assessed units themselves. Raw control characters
in it would reach the assessor's terminal (an OSC 52 sequence writes the clipboard,
others retitle the window or clear the screen), a newline would forge a line of an
explanation, and a bidirectional override would reorder what is shown. Text formats
therefore show every such character as a visible escape (``\\x1b``, ``\\n``,
``\\u202e``); JSON and TOML keep the exact text by escaping it in their own syntax.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import Decimal
from typing import Any

# DEL, C1 controls, the invisible characters that change the order or lines of text, and a
# byte-order mark (two CSV exports joined leave one inside a line, where it shows as nothing:
# "unknown unit code 'unit'"): what the JSON (with ensure_ascii=False) and TOML writers leave
# raw. Listed one by one for escape_string_syntax's quick look; both patterns are made from the list.
_UNSAFE_IN_STRINGS_CHARACTERS = tuple(
    map(chr, [*range(0x7F, 0xA0), 0x61C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF])
)


# The patterns are compiled when a text first needs one: nearly every text is printable and
# needs none, and compiling both classes cost about 1% of a whole run on the 131-unit sample.
@functools.cache
def _unsafe_in_strings() -> re.Pattern[str]:
    return re.compile("[" + "".join(_UNSAFE_IN_STRINGS_CHARACTERS) + "]")


@functools.cache
def _unsafe() -> re.Pattern[str]:
    """For text formats, the C0 controls too (tab and newline included: they break table columns and lines)."""
    return re.compile("[\x00-\x1f" + "".join(_UNSAFE_IN_STRINGS_CHARACTERS) + "]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape(text: str) -> str:
    """``text`` with every control or reordering character shown as a backslash escape."""
    # Every character _unsafe() matches is non-printable to Python (Cc, Cf, Zl, Zp), so a printable
    # text, as nearly every code, name and line is, needs no search (a C-level scan, 10× faster).
    if text.isprintable():
        return text
    unsafe = _unsafe()
    return unsafe.sub(_visible, text) if unsafe.search(text) else text


def escape_lines(text: str) -> str:
    """:func:`escape` for a whole rendered text: its own line breaks are kept."""
    return "\n".join(escape(line) for line in text.split("\n"))


def escape_string_syntax(text: str) -> str:
    """JSON or TOML text with the characters its writer leaves raw written as ``\\uXXXX``.

    Both formats read the escape back as the same character, so the data stays exact.
    Only valid where such characters can occur inside strings, which is everywhere in
    the output of ``json.dumps`` and ``tomli_w``.
    """
    # Each character looked for by a C search: over a unit's JSON (17 KB, Chinese and ASCII)
    # twice as fast as the regular expression's scan, which checks every character in turn.
    if not any(map(text.__contains__, _UNSAFE_IN_STRINGS_CHARACTERS)):
        return text
    return _unsafe_in_strings().sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: What makes a spreadsheet read a cell as a formula when it comes first.
_FORMULA_STARTS = ("=", "+", "-", "@")


def spreadsheet_cell(text: str) -> str:
    """A CSV text cell that a spreadsheet shows as text: escaped, and a leading ``= + - @``
    (which would make it a formula) preceded by an apostrophe."""
    text = escape(text)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def spreadsheet_cells(texts: list[str]) -> list[str]:
    """:func:`spreadsheet_cell` of each text; a column that needs nothing (printable, no formula
    start: nearly every column of codes and names) is checked on the joined column and kept.

    Joined, a column is checked by a few C-level scans instead of two calls per text: it is
    printable when every text is, and then no text holds a line break, so a formula start
    follows a line break in ``"\n" + "\n".join(texts)`` exactly where a text starts with it.
    """
    if "".join(texts).isprintable():
        lined = "\n" + "\n".join(texts)
        if not any("\n" + start in lined for start in _FORMULA_STARTS):
            return texts
    return list(map(spreadsheet_cell, texts))


def show(raw: Any) -> str:
    """A value read from the input as TOML writes it, for error messages: ``3.5``, not
    ``Decimal('3.5')``; ``08:00:00``, ``2017-09-28T08:00:00+08:00``, ``[1, 2]``, ``{points = 2,
    reason = 'x'}``, not their Python repr (``datetime.time(8, 0)``). Text is quoted, its control
    characters escaped."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, Decimal):
        if raw.is_finite():
            return str(raw)
        return ("-" if raw.is_signed() else "") + ("nan" if raw.is_nan() else "inf")
    if isinstance(raw, float):  # typed (Parquet) cells only: a binary float cannot hold 0.1, say what to store
        from ._i18n import gettext

        return gettext("the binary floating-point number {0} (store exact numbers as decimal or text)").format(repr(raw))
    if isinstance(raw, (_dt.date, _dt.time)):  # a datetime too (a date's subclass): 2017-09-28T08:00:00, with its offset if any
        return raw.isoformat()
    if isinstance(raw, dict):  # an inline table as written: {points = 2, reason = '...'}
        return "{" + ", ".join(f"{_toml_key(k)} = {show(v)}" for k, v in raw.items()) + "}"
    if isinstance(raw, (list, tuple)):  # [2017-01-01], not [datetime.date(2017, 1, 1)]
        return "[" + ", ".join(show(v) for v in raw) + "]"
    return repr(raw)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: Any) -> str:
    """A key of an inline table as TOML writes it: bare when it can be, else quoted."""
    return key if isinstance(key, str) and _BARE_KEY.fullmatch(key) else repr(str(key))
