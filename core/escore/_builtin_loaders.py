"""Built-in evidence readers for TOML unit files and CSV monitoring tables.

They register through the same hook as a third-party loader would.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._model import EvidenceLoader
from ._toml import read_toml
from .hookspecs import hookimpl


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)``, strictly: a ragged row, a stray or unterminated quote,
    a cell spanning lines or longer than :data:`MAX_CELL` is an error naming its line.

    Quoted cells may not hold line breaks: in monitoring tables one is always the sign
    of an unbalanced quote, which would otherwise swallow the rows up to the next quote
    (or to the end of the file) into one cell.
    """
    from ._files import read_text

    where = str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(where, "", "empty file; expected a header row starting with 'unit'")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{where}:{start}", "", _csv_problem(str(exc), start, reader.line_num, len(lines))) from None
        if reader.line_num != start:
            raise InputError(
                f"{where}:{start}", "", f'a quoted cell runs from line {start} to line {reader.line_num}; is a quote (") unbalanced?'
            )
        if any(len(cell) > MAX_CELL for cell in row):
            raise InputError(f"{where}:{start}", "", f"a cell is longer than {MAX_CELL} characters")
        if header is None:
            header = [name.strip() for name in row]
            if len(set(header)) != len(header):
                raise InputError(where, "", "repeated column names in the header")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{where}:{start}", "", f"expected {len(header)} cells, got {len(row)}")
        yield start, dict(zip(header, (cell.strip() for cell in row)))


#: The longest cell of a monitoring table (the csv module's own default limit).
MAX_CELL = 131_072


def _csv_problem(message: str, start: int, end: int, total: int) -> str:
    if "field larger than field limit" in message:
        return f"a cell is longer than {MAX_CELL} characters"
    if "unexpected end of data" in message or (end >= total and end > start):
        return f'a quote (") opened on line {start} is never closed'
    if "NUL" in message:
        return "the line contains a NUL byte (is this a binary file?)"
    return f'malformed CSV ({message}); quote a cell holding a comma or a quote as "...", doubling quotes inside'


def read_unit_toml(path: Path) -> dict[str, Any]:
    """A unit's evidence file, through the cache of parsed files."""
    return read_toml(path, cached=True)


@hookimpl
def escore_register_evidence_loaders(register: Callable[[EvidenceLoader], None]) -> None:
    register(EvidenceLoader(".toml", "unit", read_unit_toml))
    register(EvidenceLoader(".csv", "table", read_csv))
