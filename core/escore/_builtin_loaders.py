"""Built-in evidence readers: TOML unit files, CSV and Parquet tables (monitoring and fields/), xlsx workbooks.

They register through the same hook as a third-party loader would.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ._errors import InputError, unnamed_column
from ._i18n import gettext as _
from ._model import EvidenceLoader
from ._toml import read_toml
from .hookspecs import hookimpl


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)``, strictly: a ragged row, a stray or unterminated quote,
    a cell spanning lines or longer than :data:`MAX_CELL` is an error naming its line.

    Quoted cells may not hold line breaks: in monitoring tables one is always the sign
    of an unbalanced quote, which would otherwise swallow the rows up to the next quote
    (or to the end of the file) into one cell.

    Rows are read :data:`_CHUNK_ROWS` at a time and checked a chunk at a time (C-level passes:
    100k rows in a third of the time row by row); a chunk with anything out of the ordinary
    is read again row by row (:func:`_read_csv_strictly`), which names the problem.
    """
    for numbers, header, cells in _csv_chunks(path):
        yield from zip(numbers, map(dict, map(zip, itertools.repeat(header), cells)))


def read_csv_columns(path: Path) -> tuple[list[int], list[str], list[list[str]]]:
    """:func:`read_csv` by columns: the line numbers, the header and a column per name, with
    the same checks and errors, and no mapping per row (a units table of 100,000 rows)."""
    numbers: list[int] = []
    header: list[str] = []
    rows: list[list[str]] = []
    for chunk_numbers, chunk_header, cells in _csv_chunks(path):
        numbers.extend(chunk_numbers)
        rows.extend(cells)
        header = chunk_header
    if not header:  # a header without rows: its names, each an empty column
        with _csv_reader(path) as (reader, _total):
            header = header_names(next(reader, []), str(path))
    return numbers, header, [list(column) for column in zip(*rows)] if rows else [[] for _ in header]


#: Cells of a table read by columns at a time (:func:`read_csv_column_chunks`), in whole rows:
#: the cells of a chunk are strings until converted, several times the memory of the values
#: they become (a quarter of a million strings: some 15 MB).
COLUMN_CHUNK_CELLS = 1 << 18


def read_csv_column_chunks(path: Path) -> Iterator[tuple[list[int], list[str], list[list[str]]]]:
    """:func:`read_csv_columns` a chunk of about :data:`COLUMN_CHUNK_CELLS` cells at a time: the
    line numbers, the header and a column per name of each chunk (nothing for a table without
    rows). A table of 100,000 units and 150 fields is 15 million strings read whole."""
    numbers: list[int] = []
    header: list[str] = []
    rows: list[list[str]] = []
    for chunk_numbers, chunk_header, cells in _csv_chunks(path):
        if rows and chunk_header != header:  # read again row by row (the header as that reader gives it)
            yield numbers, header, [list(column) for column in zip(*rows)]
            numbers, rows = [], []
        numbers.extend(chunk_numbers)
        rows.extend(cells)
        header = chunk_header
        if len(rows) * len(header) >= COLUMN_CHUNK_CELLS:
            yield numbers, header, [list(column) for column in zip(*rows)]
            numbers, rows = [], []
    if rows:
        yield numbers, header, [list(column) for column in zip(*rows)]


def _csv_chunks(path: Path) -> Iterator[tuple[Sequence[int], list[str], list[list[str]]]]:
    """The rows of :func:`read_csv` a chunk at a time: ``(line numbers, header, stripped cells)``."""
    done = 0  # rows given so far
    header: list[str] | None = None
    # The csv module refuses a field longer than its limit itself (csv.Error): within MAX_CELL, as
    # it is unless a program raised it, no cell's length needs measuring here.
    measure = csv.field_size_limit() > MAX_CELL
    with _csv_reader(path) as (reader, _lines_in_all):
        strip = str.strip
        while True:
            before = reader.line_num
            try:
                chunk = list(itertools.islice(reader, _CHUNK_ROWS))
            except csv.Error:
                break
            if not chunk:
                return
            if reader.line_num - before != len(chunk) or (
                measure and max(map(len, itertools.chain.from_iterable(chunk)), default=0) > MAX_CELL
            ):
                break  # a row spanning lines, a cell too long
            numbers: Sequence[int] = range(before + 1, before + 1 + len(chunk))
            if header is None:
                header = header_names(chunk[0], str(path))
                if len(set(header)) != len(header):
                    break
                chunk, numbers = chunk[1:], numbers[1:]
            # Cells are stripped; a chunk where stripping changes no cell (as nearly every one:
            # str.strip gives the very string back then) is kept as the reader gave it.
            flat = list(itertools.chain.from_iterable(chunk))
            cells = chunk if list(map(strip, flat)) == flat else [list(map(strip, row)) for row in chunk]
            kept = list(map(any, cells))
            if not all(kept):  # blank rows are skipped
                numbers = list(itertools.compress(numbers, kept))
                cells = list(itertools.compress(cells, kept))
            if cells and set(map(len, cells)) != {len(header)}:
                break  # a ragged row
            if cells:
                yield numbers, header, cells
            done += len(cells)
    # Something out of the ordinary: the rows once more, one at a time, for the error.
    for number, row in itertools.islice(_read_csv_strictly(path), done, None):
        names = list(row)
        yield [number], names, [[row[name] for name in names]]


def header_names(row: list[str], where: str) -> list[str]:
    """The names of a CSV table's header row, stripped. A header of one name holding ';' or a tab
    is a file separated otherwise, and is said to be: Excel writes 'CSV' with the list separator
    of the system's locale (';' in many), and 'Text' separated by tabs; read with commas, the whole
    header had been one unknown name ("unit: missing column"). The header only, once per file."""
    header = [name.strip() for name in row]
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        if header[0].count(";") >= header[0].count("\t"):
            raise InputError(where, "", _("the header is separated by ';', not by commas: save the file as comma-separated CSV (UTF-8)"))
        raise InputError(where, "", _("the header is separated by tabs, not by commas: save the file as comma-separated CSV (UTF-8)"))
    return header


#: Rows read and checked at a time by :func:`read_csv`.
_CHUNK_ROWS = 4096


def _read_csv_strictly(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """:func:`read_csv` row by row: each check on each row as it is read."""
    where = str(path)
    with _csv_reader(path) as (reader, total):
        header: list[str] | None = None
        strip = str.strip
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise InputError(f"{where}:{start}", "", _csv_problem(str(exc), start, reader.line_num, total)) from None
            if reader.line_num != start:
                raise InputError(
                    f"{where}:{start}",
                    "",
                    _('a quoted cell runs from line {0} to line {1}; is a quote (") unbalanced?').format(start, reader.line_num),
                )
            if row and max(map(len, row)) > MAX_CELL:
                raise InputError(f"{where}:{start}", "", _("a cell is longer than {0} characters").format(MAX_CELL))
            if header is None:
                header = header_names(row, where)
                if len(set(header)) != len(header):
                    twice = next(name for position, name in enumerate(header) if name in header[:position])
                    if twice == "":  # not a name repeated: columns without one (two separators at the ends of the lines)
                        raise unnamed_column(where, header.index("") + 1)
                    raise InputError(where, twice, _("repeated column names in the header"))
                continue
            cells = list(map(strip, row))
            if not any(cells):
                continue
            if len(cells) != len(header):
                raise InputError(f"{where}:{start}", "", _("expected {0} cells, got {1}").format(len(header), len(cells)))
            yield start, dict(zip(header, cells))


@contextlib.contextmanager
def _csv_reader(path: Path) -> Iterator[tuple[Any, int]]:
    """A strict csv reader over the lines of ``path`` and their number; the file closed on leaving.

    A stream, not the whole text: a table of 100,000 units is 150 MB, and only its rows are kept.
    """
    from ._files import open_text

    lines, total, anything = open_text(path)
    try:
        if not anything:
            # The same reader serves monitoring and fields tables (unit, …) and units tables (code, …).
            raise InputError(str(path), "", _("empty file; expected a header row ('unit', … for evidence; 'code', … for a units table)"))
        yield csv.reader(lines, strict=True), total
    finally:
        close = getattr(lines, "close", None)
        if close is not None:
            close()


#: The longest cell of a monitoring table (the csv module's own default limit).
MAX_CELL = 131_072


def _csv_problem(message: str, start: int, end: int, total: int) -> str:
    if "field larger than field limit" in message:
        return _("a cell is longer than {0} characters").format(MAX_CELL)
    if "unexpected end of data" in message or (end >= total and end > start):
        return _('a quote (") opened on line {0} is never closed').format(start)
    if "NUL" in message:
        return _("the line contains a NUL byte (is this a binary file?)")
    return _('malformed CSV ({0}); quote a cell holding a comma or a quote as "...", doubling quotes inside').format(message)


def read_parquet(path: Path) -> Any:
    """Yield ``(row number from 1, row)`` of a Parquet (or Arrow IPC ``.arrow``) file; values keep their types."""
    names, batches = arrow_batches(path, 8192)  # bounded memory: a batch of Python values at a time
    row = 0
    for batch in batches:
        columns = [python_values(path, name, column, row) for name, column in zip(names, batch.columns)]
        for cells in zip(*columns):
            row += 1
            yield row, dict(zip(names, cells))


def arrow_batches(path: Path, rows: int = 0, *, cells: int = 0) -> tuple[list[str], Iterator[Any]]:
    """The column names (stripped) of a Parquet (or Arrow IPC ``.arrow``) file, and its record
    batches of at most ``rows`` rows (or ``cells`` cells), read as they are asked for: a Parquet
    file a batch at a time from its row groups, an Arrow file mapped in memory (a table of
    100,000 units' fields read whole held 150 MB of text before its first row was checked)."""
    try:
        import pyarrow
    except ImportError:
        raise InputError(str(path), "", _("reading Parquet needs pyarrow: pip install 'escore[arrow]'")) from None
    where = str(path)
    try:
        if path.suffix == ".arrow":
            import pyarrow.ipc

            opened: Any = pyarrow.ipc.open_file(pyarrow.memory_map(where))
            schema = opened.schema
        else:
            import pyarrow.parquet

            opened = pyarrow.parquet.ParquetFile(where)
            schema = opened.schema_arrow
        names = [name.strip() for name in schema.names]
    except UnicodeDecodeError:  # a ValueError, before ArrowException (also one): the schema's names
        raise InputError(where, "", _("a column name is not valid UTF-8 text")) from None
    except (OSError, pyarrow.ArrowException) as exc:
        raise InputError(where, "", _("cannot read: {0}").format(exc)) from None
    if len(set(names)) != len(names):
        twice = next(name for position, name in enumerate(names) if name in names[:position])
        if twice == "":  # columns without a name, not a name repeated
            raise unnamed_column(where, names.index("") + 1)
        raise InputError(where, twice, _("repeated column names"))
    size = max(1, rows or cells // max(1, len(names)))

    def batches() -> Iterator[Any]:
        try:
            if path.suffix == ".arrow":
                for index in range(opened.num_record_batches):
                    batch = opened.get_batch(index)
                    for start in range(0, batch.num_rows, size):
                        yield batch.slice(start, size)
            else:
                yield from opened.iter_batches(batch_size=size)
        except (OSError, pyarrow.ArrowException) as exc:
            raise InputError(where, "", _("cannot read: {0}").format(exc)) from None

    return names, batches()


def python_values(path: Path, name: str, column: Any, before: int) -> list[Any]:
    """A column of a batch of an Arrow table as Python values, text stripped as a CSV cell is; a
    cell that has none (text that is not UTF-8, a date beyond year 9999) is an input error
    naming its row (``before`` rows came in earlier batches) and column."""
    import pyarrow

    try:
        return [cell.strip() if cell.__class__ is str else cell for cell in column.to_pylist()]
    except (ValueError, ArithmeticError, pyarrow.ArrowException) as exc:  # UnicodeDecodeError is a ValueError
        problem = exc
    for index in range(len(column)):  # only on a bad column: which cell
        try:
            column[index].as_py()
        except (ValueError, ArithmeticError, pyarrow.ArrowException) as exc:
            what = _("text that is not valid UTF-8") if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise InputError(f"{path}:{before + index + 1}", name, _("cannot read this cell: {0}").format(what)) from None
    raise InputError(str(path), name, _("cannot read: {0}").format(problem)) from None


def read_unit_toml(path: Path) -> dict[str, Any]:
    """A unit's evidence file, through the cache of parsed files."""
    return read_toml(path, cached=True)


def read_workbook(path: Path) -> dict[str, list[list[Any]]]:
    """An evidence workbook's sheets as rows of cell values (the spreadsheet library is imported here only)."""
    from ._xlsx_evidence import read_xlsx

    return read_xlsx(path)


@hookimpl
def escore_register_evidence_loaders(register: Callable[[EvidenceLoader], None]) -> None:
    register(EvidenceLoader(".toml", "unit", read_unit_toml))
    register(EvidenceLoader(".csv", "table", read_csv))
    register(EvidenceLoader(".xlsx", "workbook", read_workbook))
    register(EvidenceLoader(".ods", "workbook", read_workbook))
    register(EvidenceLoader(".parquet", "table", read_parquet))  # pyarrow is imported only when a file is read
    register(EvidenceLoader(".arrow", "table", read_parquet))


#: escore's own readers by suffix: a checked evidence set read only by them is a function of
#: the files' bytes, and can be cached (escore._load keys it; a plugin's reader disables that).
BUILTIN_READERS = frozenset(
    {
        (".toml", read_unit_toml),
        (".csv", read_csv),
        (".xlsx", read_workbook),
        (".ods", read_workbook),
        (".parquet", read_parquet),
        (".arrow", read_parquet),
    }
)
