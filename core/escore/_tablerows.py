"""One monitoring table's rows by unit, kept as columns: a row is made when it is read.

A row as a named tuple costs its header (56 bytes, the garbage collector's included) besides 8
bytes per cell, and each unit's rows one tuple more: the six website tables of 100,000 county units
(2.1 million rows) held 214 MiB so, in a first run that parses every file, against about
75 MiB as columns. Here the cells of a table read from one CSV or Parquet file stay in a list per
column, the rows of each unit together; reading a unit gives a fresh tuple of its rows, equal,
field by field and object by object, to the one the loader used to keep. Every reader (the
engine, the checks, the cache, a what-if) sees a mapping of unit code to rows as before.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import operator
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any


class TableRows(Mapping[str, tuple[Any, ...]]):
    """unit code → that unit's rows (of ``row_type``), in the order they were read.

    Units iterate in the order their first row was read, as the loader's dictionary did.
    """

    __slots__ = ("_codes", "_columns", "_counts", "_files", "_from", "_lines", "_offsets", "_position", "_present", "_row_type")

    def __init__(
        self,
        row_type: type,
        owners: Sequence[str],
        lines: Sequence[Any],
        columns: Sequence[Sequence[Any]],
        files: Sequence[str] = (),
        file_of_row: Sequence[int] | None = None,
    ) -> None:
        """``owners[i]``, ``lines[i]`` and ``column[i]`` of each column: the unit, line and cells
        of the i-th row read (the row is ``row_type(owner, line, *cells)``); ``files``: the files
        read, and ``file_of_row[i]`` the one the i-th row came from (none: the first). The lists
        are handed over: kept, and a list of columns reordered in place."""
        counts = collections.Counter(owners)  # C-level; in the order units are first seen
        first = list(counts)
        self._row_type = row_type
        self._codes = [*first, None]  # each unit's code as read (one string object per unit); None: no rows
        self._position = dict(zip(first, itertools.count()))
        # Unit i's rows are start..stop = offsets[i], offsets[i + 1]; a code the table does not
        # have reads position len(first), an empty range (rows_of: no test per code).
        self._offsets = array("q", itertools.accumulate(counts.values(), initial=0))
        self._offsets.append(self._offsets[-1])
        # Each unit's count of rows, and 0 for that empty range: a list, as most counts are small
        # ints, which Python keeps one object each of (an array would make one per read).
        self._counts = [*counts.values(), 0]
        if len(first) > 1 and not _grouped(owners, len(first)):
            # Rows of a unit apart in the file (rows listed by date): a stable sort by the
            # unit's first appearance brings them together, each unit's in file order.
            where = list(map(self._position.__getitem__, owners))
            pick = _picker(sorted(range(len(owners)), key=where.__getitem__))
            del where
            lines = pick(lines)
            if columns.__class__ is not list:
                columns = list(columns)
            for index, column in enumerate(columns):  # in place: each column's first order freed as it is replaced
                columns[index] = pick(column)
            if file_of_row is not None:
                file_of_row = pick(file_of_row)
        self._files = tuple(files)
        self._from = file_of_row
        self._present: list[bool] | None = None  # every unit of _position is the table's
        # The lists are the caller's, handed over (a copy would hold every cell twice for a while).
        self._lines = lines if lines.__class__ is list else list(lines)
        self._columns = [column if column.__class__ is list else list(column) for column in columns]

    @classmethod
    def of_counts(
        cls,
        row_type: type,
        codes: list[str],
        counts: list[int],
        lines: list[Any],
        columns: list[list[Any]],
        position: dict[str, int] | None = None,
        present: list[bool] | None = None,
    ) -> TableRows | None:
        """The rows of the units ``codes`` in that order, ``counts[i]`` rows for the ``i``-th
        (none: a unit the table holds without rows), their lines and cells one unit after the
        other: as a cached set stores them, no owner per row to count. ``None`` when they do
        not fit together (a code twice, counts that are not the rows'). ``position``: the
        :attr:`index` of another such table of these very ``codes``, shared (never changed).
        ``present``: whether the table holds each unit (one it does not hold, given only so that
        every such table lays out the same units, has no rows and reads as absent)."""
        if position is None:
            position = dict(zip(codes, itertools.count()))
        if len(position) != len(codes) or len(counts) != len(codes) or any(len(column) != len(lines) for column in columns):
            return None
        offsets = array("q", itertools.accumulate(counts, initial=0))
        if offsets[-1] != len(lines) or (counts and min(counts) < 0) or (present is not None and len(present) != len(codes)):
            return None
        offsets.append(offsets[-1])
        table = cls.__new__(cls)
        table._row_type = row_type
        table._codes = [*codes, None]
        table._position = position
        table._offsets = offsets
        table._counts = [*counts, 0]
        table._files = ()
        table._from = None
        table._present = None if present is None or all(present) else present
        table._lines = lines
        table._columns = columns
        return table

    @property
    def index(self) -> dict[str, int]:
        """Each unit's position (the caller reads, never writes)."""
        return self._position

    def __getitem__(self, code: str) -> tuple[Any, ...]:
        position = self._position[code]
        if self._present is not None and not self._present[position]:
            raise KeyError(code)
        start, stop = self._offsets[position], self._offsets[position + 1]
        owner = self._codes[position]
        cells = [column[start:stop] for column in self._columns]
        rows = zip(itertools.repeat(owner, stop - start), self._lines[start:stop], *cells)
        return tuple(map(tuple.__new__, itertools.repeat(self._row_type), rows))

    def get(self, code: str, default: Any = None) -> Any:  # the engine's lookup: no exception per unit without rows
        position = self._position.get(code)
        if position is None or (self._present is not None and not self._present[position]):
            return default
        return self[code]

    def __contains__(self, code: object) -> bool:
        if self._present is None:
            return code in self._position
        position = self._position.get(code)  # type: ignore[call-overload]
        return position is not None and self._present[position]

    def __iter__(self) -> Iterator[str]:
        if self._present is None:
            return iter(self._position)
        return itertools.compress(self._position, self._present)

    def __len__(self) -> int:
        return len(self._position) if self._present is None else sum(self._present)

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def last_line(self) -> int:
        """The greatest line number of the table's rows (0: none)."""
        return max((line for line in self._lines if line.__class__ is int), default=0)

    def column(self, index: int) -> list[Any]:
        """The cells of the ``index``-th column of every row (the caller reads, never writes)."""
        return self._columns[index]

    def has_repeats(self, rows_at_once: int = 1 << 16) -> bool:
        """Whether a unit may have two rows alike in every cell (their lines apart): never false
        when it has; true, rarely, for a collision of hashes. In C-level passes over about
        ``rows_at_once`` rows at a time, whole units each (a set for every row of a 2-million-row
        table would be large); ``TypeError`` for a cell that cannot be hashed."""
        offsets, units = self._offsets, len(self._counts) - 1
        first = 0
        while first < units:
            # The units whose rows start before ``rows_at_once`` rows on; at least one.
            last = max(first + 1, bisect.bisect_left(offsets, offsets[first] + rows_at_once, first, units))
            start, stop = offsets[first], offsets[last]
            owners = itertools.chain.from_iterable(map(itertools.repeat, self._codes[first:last], self._counts[first:last]))
            # The rows' hashes, not the rows: a set of ints is about 40% quicker than one of
            # tuples. Two rows alike hash alike; a collision of two rows that differ only sends
            # the caller to compare that table's rows one by one, which finds no repeat.
            if len(set(map(hash, zip(owners, *[column[start:stop] for column in self._columns])))) != stop - start:
                return True
            first = last
        return False

    def file_of(self, code: str, position: int) -> str | None:
        """The file the unit's row at ``position`` (among its rows) was read from, if known."""
        if not self._files:
            return None
        if self._from is None:
            return self._files[0]
        return self._files[self._from[self._offsets[self._position[code]] + position]]

    def rows_of(self, codes: Sequence[str]) -> list[tuple[Any, ...]]:
        """``[self.get(code, ()) for code in codes]``, the rows made a column at a time."""
        counts, columns = self.columns_of(codes)
        rows: Iterator[Any] = map(tuple.__new__, itertools.repeat(self._row_type), zip(*columns))
        return list(map(tuple, map(itertools.islice, itertools.repeat(rows), counts)))

    def columns_of(self, codes: Sequence[str]) -> tuple[list[int], list[list[Any]]]:
        """How many rows each unit of ``codes`` has, and the columns of their rows in that order
        (unit, line, then the cells): ``zip(*rows)`` of their rows, without making the rows."""
        at, counts, cells = self._read(codes)
        owners = list(itertools.chain.from_iterable(map(itertools.repeat, map(self._codes.__getitem__, at), counts)))
        return counts, [owners, *cells]

    def cells_of(self, codes: Sequence[str]) -> tuple[list[int], list[list[Any]]]:
        """:meth:`columns_of` but the unit column: each row's unit is its unit's code (the
        cache writer stores the counts instead)."""
        _at, counts, cells = self._read(codes)
        return counts, cells

    def _read(self, codes: Sequence[str]) -> tuple[list[int], list[int], list[list[Any]]]:
        """Each unit's position (one without rows: the empty range after the last), its count
        of rows, and the line and cell columns of those rows."""
        first = self._position.get(codes[0]) if codes else None
        if first is not None:
            stop = first + len(codes)
            if self._codes[first:stop] == (codes if codes.__class__ is list else list(codes)):
                # The table's own units in its order (a block of a cached share): the rows of
                # every unit lie from the first one's to the last one's, one slice per column.
                start, end = self._offsets[first], self._offsets[stop]
                return list(range(first, stop)), self._counts[first:stop], [column[start:end] for column in (self._lines, *self._columns)]
        at = list(map(self._position.get, codes, itertools.repeat(len(self._codes) - 1)))
        counts = list(map(self._counts.__getitem__, at))
        return at, counts, self._cells(at, counts)

    def _cells(self, at: list[int], counts: list[int]) -> list[list[Any]]:
        """The line and cell columns of the rows of the units at positions ``at``, in order."""
        columns = (self._lines, *self._columns)
        offsets = self._offsets
        # Units with rows at increasing positions whose rows add up to the span from the first
        # one's to the last one's (a table sorted by unit, read for its units in order, those
        # without rows anywhere between; a unit the table holds without rows, as a cached set
        # keeps them, has an empty range): their rows lie one after the other, and each column
        # is one slice.
        present = list(itertools.compress(at, counts))
        if present:
            start, stop = offsets[present[0]], offsets[present[-1] + 1]
            if stop - start == sum(counts) and all(map(operator.lt, present, itertools.islice(present, 1, None))):
                return [column[start:stop] for column in columns]
        starts = list(map(offsets.__getitem__, at))
        pick = _picker(list(itertools.chain.from_iterable(map(range, starts, map(operator.add, starts, counts)))))
        return [pick(column) for column in columns]


def _picker(positions: list[int]) -> Callable[[Sequence[Any]], list[Any]]:
    """``column → [column[p] for p in positions]``, one item getter for every column it is given
    (a fifth faster than a map per column); with fewer than two positions a map, since a getter
    of one position gives the item, not a tuple."""
    if len(positions) < 2:
        return lambda column: list(map(column.__getitem__, positions))
    getter = operator.itemgetter(*positions)
    return lambda column: list(getter(column))


def made_once(column: list[Any], made: dict[Any, Any], make: Callable[[Any], Any]) -> list[Any]:
    """``[make(value) for value in column]``, with ``make`` called once per distinct value not in
    ``made`` (value → what it made, kept by the caller across the columns or chunks that share
    it), in C-level passes: equal texts (a CSV column's, a cached column's) give one object."""
    for value in set(column).difference(made):
        made[value] = make(value)
    return list(map(made.__getitem__, column))


def shared_line_numbers(lines: list[Any], numbers: list[int]) -> list[Any] | None:
    """``lines`` as the one int object of each line number that every table shares: ``numbers``
    holds 0 … the greatest met so far and grows as needed (a reading's tables, or a cached set
    loaded whole). ``None`` when the lines are not all numbers of at least 0 (none at all, a negative
    one, a line that is not a number): the caller keeps them as they are."""
    try:
        if lines and min(lines) >= 0:
            numbers.extend(range(len(numbers), max(lines) + 1))
            return list(map(numbers.__getitem__, lines))
    except TypeError:
        pass
    return None


def _grouped(owners: Sequence[str], units: int) -> bool:
    """Whether each unit's rows are next to each other: as many runs of one code as units (the
    runs counted where a code differs from the one before, in one C-level pass)."""
    return 1 + sum(map(operator.ne, itertools.islice(owners, 1, None), owners)) == units
