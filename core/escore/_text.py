"""Showing untrusted text: evidence, unit names and reasons reach terminals and spreadsheets.

Evidence comes partly from the assessed units themselves. Raw control characters
in it would reach the assessor's terminal (an OSC 52 sequence writes the clipboard,
others retitle the window or clear the screen), a newline would forge a line of an
explanation, and a bidirectional override would reorder what is shown. Text formats
therefore show every such character as a visible escape (``\\x1b``, ``\\n``,
``\\u202e``); JSON and TOML keep the exact text by escaping it in their own syntax.
"""

from __future__ import annotations

import functools
import re

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
