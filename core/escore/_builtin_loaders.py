"""Built-in evidence readers: TOML unit files, CSV and Parquet tables (monitoring and fields/).

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
    """Yield ``(line number, row)``; a ragged row is an error naming its line."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(str(path), "", "empty file; expected a header row starting with 'unit'") from None
        header = [name.strip() for name in header]
        if len(set(header)) != len(header):
            raise InputError(str(path), "", "repeated column names in the header")
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"{path}:{reader.line_num}", "", f"expected {len(header)} cells, got {len(row)}")
            yield reader.line_num, dict(zip(header, (cell.strip() for cell in row)))


def read_unit_toml(path: Path) -> dict[str, Any]:
    """A unit's evidence file, through the cache of parsed files."""
    return read_toml(path, cached=True)


@hookimpl
def escore_register_evidence_loaders(register: Callable[[EvidenceLoader], None]) -> None:
    register(EvidenceLoader(".toml", "unit", read_unit_toml))
    register(EvidenceLoader(".csv", "table", read_csv))
    from ._columnar import read_parquet  # pyarrow itself is imported only when a Parquet file is read

    register(EvidenceLoader(".parquet", "table", read_parquet))
    register(EvidenceLoader(".arrow", "table", read_parquet))
