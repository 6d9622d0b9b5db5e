"""The cache of checked evidence sets.

It keeps whole checked evidence sets (typed values and monitoring rows of every unit of a
run), one file per key. The key is a digest of everything the check depends on: the path names
given, the bytes of every file under them, the plan's evidence types and the unit codes of the
ruleset. It is used only with the built-in TOML and CSV readers (a plugin's reader may depend on
anything). A set is stored by columns, in records of :data:`_RECORD_UNITS` units, so that a
process decodes only the records of its own units.

The location, the seal, the size limit and the digests of the core's and the packs' code are
:mod:`escore._cache`'s, read through the module.
"""

from __future__ import annotations

import array
import contextlib
import datetime as _dt
import itertools
import marshal
import operator
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _cache
from ._evidence_set import table_last_lines
from ._i18n import catalogues_read
from ._tablerows import TableRows, made_once, shared_line_numbers

EVIDENCE_VERSION = 11
#: Units per record of a cached evidence set (a load decodes one record at a time). A process
#: decodes every record that holds a unit of its share: with 2,048 a share of 5,000 units decoded
#: 6,144 units' rows; 512 units a record is 16% fewer instructions to decode 10,000 units in two
#: shares, and 1.5% fewer at 100,000 (records of 256: 1% fewer again at 10,000).
_RECORD_UNITS = 512


def prune_evidence_sets(directory: Path, limit: int) -> None:
    """Remove the least recently used checked evidence sets beyond :data:`escore._cache.MAX_EVIDENCE_FILES`
    files or ``limit`` bytes in all (a run touches the set it uses, see :func:`open_evidence_set`)."""
    _cache.keep_newest(directory, "evidence-*.marshal", _cache.MAX_EVIDENCE_FILES, limit)


def evidence_key(paths: Any, plan: Any, unit_codes: Any, known_codes: Any, sub_codes: Any) -> str | None:
    """A digest of everything a checked evidence set read by escore's own loaders depends on, or
    ``None`` when it cannot be cached (the caller keys only evidence those loaders read: what a
    plugin's loader makes of a file is not a function of its bytes that escore can know)."""
    if _cache.cache_dir() is None:
        return None
    from ._errors import EscoreError
    from ._files import file_sha256, read_bytes
    from ._version import __version__

    digest = _cache.blake2b(digest_size=20)

    def feed(*parts: Any) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    feed(EVIDENCE_VERSION, __version__, _cache.core_digest(), _cache.pack_digest(plan), plan.ruleset.name, plan.category.key)
    # The set keeps the load's warnings as text: in the language, and the catalogues, of this run.
    feed(catalogues_read())
    feed([(f.key, f.type, f.min, f.max, f.choices, f.optional) for f in plan.fields])
    feed([(t.name, t.rollup, [(c.name, c.type, c.min, c.max, c.choices, c.required) for c in t.columns]) for t in plan.tables])
    feed(sorted(d.field.key for d in plan.fixtures.values() if d.field is not None))
    feed(sorted(d.table.name for d in plan.fixtures.values() if d.table is not None))
    # The known codes as those beyond the units' and the units' not among them (known is mostly
    # the units: 100,000 codes sorted again for the key took 40 ms), and the lists of codes in
    # marshal's version 2 (no references, so the same list gives the same bytes; repr took 23 ms).
    units = set(unit_codes)
    known = set(known_codes)
    feed(*(marshal.dumps(codes, 2) for codes in (unit_codes, sorted(known - units), sorted(units - known), sub_codes)))
    try:
        for root in paths:
            feed(str(root))
            if root.is_file():
                feed(file_sha256(root))
                continue
            if not root.is_dir():
                return None  # let the loader report it
            feed(sorted(entry.name for entry in root.iterdir()))
            for sub in (root / "units", root / "fields", root / "monitoring"):
                feed(sub.is_dir())
                if sub.is_dir():
                    for path in sorted(sub.iterdir()):
                        if not path.is_file():
                            return None  # a directory, FIFO or device: the loader reports it, every time
                        # A digest read a megabyte at a time (a fields table may be 150 MB), shared with the stamp.
                        feed(path.name, file_sha256(path))
            manifest = root / "escore-evidence.toml"
            if manifest.is_file():
                feed(read_bytes(manifest))
    except (OSError, EscoreError):
        return None  # unreadable or irregular: the loader reports it
    return digest.hexdigest()


def _enc(value: Any) -> Any:
    kind = value.__class__
    if kind is Decimal:
        return ("d", str(value))
    if kind is _dt.date:
        return ("t", value.isoformat())
    if kind is tuple:
        return ("l", list(value))
    if kind is bool or kind is int or kind is str or value is None:
        return value
    from ._score import Grade

    if kind is Grade:
        return ("g", str(value.points), value.reason)
    raise TypeError(f"cannot cache an evidence value of type {kind.__name__}")


def _dec(value: Any) -> Any:
    if value.__class__ is not tuple:
        return value
    tag = value[0]
    if tag == "d":
        return Decimal(value[1])
    if tag == "t":
        return _dt.date.fromisoformat(value[1])
    if tag == "l":
        return tuple(value[1])
    from ._score import Grade

    return Grade(Decimal(value[1]), value[2])


def _column(values: list[Any], enc: Any) -> tuple[str, list[Any]]:
    """A column of values as ``(tag, encoded values)``: ``""`` plain (text, integers, booleans,
    None: marshal keeps them as they are), ``"d"`` decimals and ``"t"`` dates as their text,
    ``"d?"`` and ``"t?"`` the same with None where a value is absent (an optional date column:
    decoded in C-level passes too), ``"*"`` anything else, each value tagged on its own
    (:func:`_enc`).

    ``enc`` is called once per distinct value object of the column, and each cell takes its
    object's encoding in a C-level pass: a column repeats a handful of parsed values (the
    loaders share one per distinct text), and a call per cell was half of saving the checked
    set of 100,000 units. The encodings are ``enc``'s, object for object, as a call per cell
    gave them: a load decodes the same values."""
    first = values[0].__class__ if values else str
    if first in _PLAIN:  # most likely text, numbers, booleans alone: kept as they are
        kinds = set(map(type, values))
        if kinds <= _PLAIN:
            return "", values
    # The column holds every value alive, so an identity stands for its object here.
    identities = list(map(id, values))
    distinct = dict(zip(identities, values))
    if first not in _PLAIN:  # the types of the distinct objects are the column's: one pass less over its cells
        kinds = set(map(type, distinct.values()))
    encoded = {identity: enc(value) for identity, value in distinct.items()}
    if kinds in ({Decimal}, {_dt.date}, _OPTIONAL_DECIMALS, _OPTIONAL_DATES):
        # A decimal's or a date's text alone (the tag is the column's); None stays None.
        encoded = {identity: None if found is None else found[1] for identity, found in encoded.items()}
        tag = ("d" if Decimal in kinds else "t") + ("?" if type(None) in kinds else "")
        return tag, list(map(encoded.__getitem__, identities))
    return "*", list(map(encoded.__getitem__, identities))


_OPTIONAL_DECIMALS, _OPTIONAL_DATES = frozenset({Decimal, type(None)}), frozenset({_dt.date, type(None)})


_PLAIN = frozenset({str, int, bool, type(None)})


def _repeated(codes: list[str], counts: list[int]) -> Iterator[str]:
    """Each code as many times as its count (the unit code of each of its rows)."""
    return itertools.chain.from_iterable(map(itertools.repeat, codes, counts))


def save_evidence_set(key: str, evidence: Any) -> None:
    """Keep a checked evidence set; any problem only costs the next run its speed.

    Records hold columns: the fields of a slice of units grouped by their names, a column per
    name; the rows of a table for a slice of units, a column per row field. A load then decodes
    a column in a few C-level passes (:func:`load_evidence_set`) instead of value by value.
    """
    directory = _cache.cache_dir()
    if directory is None:
        return
    limit = _cache.evidence_bytes_limit()  # read only with a cache: a bad setting of an unused cache is not worth a warning
    if limit == 0:
        return
    from ._fieldvalues import FieldValues

    if not isinstance(evidence.values, FieldValues):
        return
    try:
        # A sequence of marshal records, so that a load decodes a slice of units at a time and
        # never holds the encoded set and the decoded one whole at once (100k units).
        codes = list(evidence.values)
        value_starts = range(0, len(codes), _RECORD_UNITS)
        # Each unit's slice of the fields' records, worked out once for every table.
        slice_of = dict(zip(codes, (position // _RECORD_UNITS for position in range(len(codes)))))
        layouts = {name: _aligned(slice_of, by_unit) for name, by_unit in evidence.tables.items()}
        head = (
            EVIDENCE_VERSION,
            key,
            _file_runs(evidence.files),
            evidence.synthetic,
            list(evidence.notes),
            list(evidence.sources),
            list(evidence.warnings),
            len(value_starts),
            sum(len(parts) for parts, _ in layouts.values()),
            list(evidence.tables),
            # A table whose units its aligned records do not give in its own order (rows listed
            # by date, say): that order, for a load of the whole set to give it back exactly, as
            # positions among the aligned units (4 bytes a unit: 100,000 codes as texts were
            # 30 MB once decoded, in a head every process keeps).
            {name: order for name, (_, order) in layouts.items() if order},
            # Each table's last line: a share decoded for some units numbers an added row after it.
            table_last_lines(evidence.tables),
        )
        # One encoding per value object: the loaders share a parsed value per distinct text of a
        # column, and marshal writes an object it has already written as a reference, so a load
        # reads each distinct encoding once.
        shared: dict[int, tuple[Any, Any]] = {}

        def enc(value: Any) -> Any:
            kind = value.__class__
            if kind is str or kind is int or kind is bool or value is None:
                return value
            found = shared.get(id(value))
            if found is None:
                found = shared[id(value)] = (value, _enc(value))  # the value kept: its id is not reused
            return found[1]

        def records() -> Iterator[bytes]:  # encoded one at a time: never the whole set at once
            yield _record(head)
            for start in value_starts:
                part = codes[start : start + _RECORD_UNITS]
                groups = [
                    (list(names), group, [_column(list(column), enc) for column in zip(*rows)])
                    for names, group, rows in evidence.values.groups(part)
                ]
                yield _record(part)  # the units on their own, first: a load skips a record of other units unread
                yield _record(groups)
            for name, (parts, _) in layouts.items():
                by_unit = evidence.tables[name]
                for slice_number, part in parts:
                    columns: list[Any]
                    if isinstance(by_unit, TableRows):  # kept as columns: no row made
                        # Each row's unit code is its unit's (rebuilt from the counts on load).
                        counts, found = by_unit.cells_of(part)
                        width = 1 + len(found) if any(counts) else 0
                        columns = [None, *[_column(column, enc) for column in found]] if width else []
                    else:
                        rows = [row for code in part for row in by_unit[code]]
                        counts = [len(by_unit[code]) for code in part]
                        cells = list(map(list, zip(*rows)))
                        width = len(cells)
                        columns = [_column(column, enc) for column in cells]
                        if columns and columns[0][1] == list(_repeated(part, counts)):
                            columns[0] = None  # each row's unit code is its unit's: rebuilt from the counts
                    yield _record((name, slice_number, part))
                    yield _record((counts, width, columns))

        if not _cache.usable_directory(directory, create=True):
            return
        _cache.write_private(directory, f"evidence-{key}.marshal", records(), ".evidence.")
        prune_evidence_sets(directory, limit)
    except (OSError, ValueError, TypeError):
        pass


#: Checked sets being saved by a forked process (:func:`save_evidence_set_aside`): key → pid.
_saving: dict[str, int] = {}
#: Whether :func:`wait_for_saves` is registered to run at exit (once).
_waited_at_exit: list[bool] = []


def save_evidence_set_aside(key: str, evidence: Any) -> None:
    """:func:`save_evidence_set` in a forked process while this one scores the units: the same
    records from the same objects (a copy of this process's memory at the fork), written while
    the run goes on (100,000 county units: about 4 s of a first run). This process waits for it
    before it ends (an exit handler), and before it opens that set itself. Saved here, in turn,
    when no process can be started."""
    if _cache.cache_dir() is None:
        return
    for saved, saver in list(_saving.items()):  # those done already: reaped, not left until the end
        with contextlib.suppress(OSError):
            if os.waitpid(saver, os.WNOHANG)[0]:
                del _saving[saved]
    from ._parallel import in_background

    pid = in_background(lambda: save_evidence_set(key, evidence))
    if pid is None:
        save_evidence_set(key, evidence)
        return
    if not _waited_at_exit:
        import atexit

        atexit.register(wait_for_saves)
        _waited_at_exit.append(True)
    _saving[key] = pid


def wait_for_saves(key: str | None = None) -> None:
    """Wait for the sets being saved aside (or the one under ``key``) to be written."""
    for saved in [key] if key is not None else list(_saving):
        pid = _saving.pop(saved, None)
        if pid is not None:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


def _aligned(slice_of: Mapping[str, int], by_unit: Mapping[str, Any]) -> tuple[list[tuple[int | None, list[str]]], bytes]:
    """A table's units in records aligned with the fields' records: ``(n, units)`` for the
    units of the ``n``-th slice of the fields' units (_RECORD_UNITS each; ``slice_of``: each
    unit's) that have an entry, in the table's order; then ``(None, units)`` for units without
    fields, _RECORD_UNITS a record. Also the table's own order of units as positions among
    those records' (an array of unsigned ints, as bytes), or ``b""`` when it is the same.

    A share of units decodes the records of its slices and no others: with a table's records
    cut by its own count of units, a share of 4,000 units among 100,000 decoded records that
    straddled its ends in every table (19% more bytes in 25 shares).
    """
    units = list(by_unit)
    beyond = len(slice_of)  # after every slice: the units without fields
    numbers = list(map(slice_of.get, units, itertools.repeat(beyond)))
    if numbers == sorted(numbers):  # the fields' order already (a table sorted by unit)
        order = None
    else:
        # A stable sort by slice keeps the table's order within each slice, in C-level passes
        # (a table listed by date: 100,000 county units, six tables, 0.5 s unit by unit).
        order = sorted(range(len(units)), key=numbers.__getitem__)
        units = list(map(units.__getitem__, order))
        numbers = list(map(numbers.__getitem__, order))
    parts: list[tuple[int | None, list[str]]] = [
        (number, list(map(_SECOND, group))) for number, group in itertools.groupby(zip(numbers, units), _FIRST)
    ]
    if parts and parts[-1][0] == beyond:
        rest = parts.pop()[1]
        parts += [(None, rest[start : start + _RECORD_UNITS]) for start in range(0, len(rest), _RECORD_UNITS)]
    if order is None:
        return parts, b""
    # Unit j of the table is at position i of the records where order[i] == j: the inverse
    # permutation, by a sort of the positions (C-level).
    return parts, array.array("I", sorted(range(len(order)), key=order.__getitem__)).tobytes()


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _record(value: Any) -> bytes:
    """A marshal record preceded by its length and its CRC-32: marshal.load() on a file reads it
    a few bytes at a time (over a second for 10k units); reading the record whole, then loads(),
    does not. Each record is checked as it is read (:class:`_Records`)."""
    data = marshal.dumps(value)
    return len(data).to_bytes(8, "little") + zlib.crc32(data).to_bytes(4, "little") + data


#: A record's length (8 bytes) and CRC-32 (4 bytes), before it.
_RECORD_HEAD = 12


class _Records:
    """The records of a cache file, read at offsets of its own (``os.pread``), each checked
    against its CRC-32 before it is decoded.

    Processes forked after the file was opened (:func:`open_evidence_set`) read the same open
    file, each at its own offset: none moves a position another reads from. Each checks the
    records it reads, and only those: the file had a seal over the whole of it, which the
    parent checked before any process began (60 ms of a 100,000-unit run, on one processor,
    each time; a CRC-32 of half the file in each of two processes takes about a tenth of it).
    A damaged record is a :class:`ValueError`, and the evidence is parsed again.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._position = 0

    def _read(self, size: int) -> bytes:
        if _pread is None:  # no pread (Windows): no fork either, so this process alone reads
            self._stream.seek(self._position)
            data = self._stream.read(size)
        else:
            data = _pread(self._stream.fileno(), size, self._position)
            while 0 < len(data) < size:  # a read may stop short (at 2 GiB on Linux)
                more = _pread(self._stream.fileno(), size - len(data), self._position + len(data))
                if not more:
                    break
                data += more
        if len(data) != size:
            raise ValueError("a truncated record")
        self._position += size
        return data

    def next(self) -> Any:
        head = self._read(_RECORD_HEAD)
        data = self._read(int.from_bytes(head[:8], "little"))
        if zlib.crc32(data) != int.from_bytes(head[8:], "little"):
            raise ValueError("a damaged record")
        return marshal.loads(data)

    def skip(self) -> None:
        head = self._read(_RECORD_HEAD)  # read first: it moves the position past the head itself
        self._position += int.from_bytes(head[:8], "little")

    @property
    def position(self) -> int:
        return self._position

    def at(self, position: int) -> Any:
        """The record at ``position`` (a :attr:`position` seen earlier)."""
        self._position = position
        return self.next()


_pread = getattr(os, "pread", None)

#: A cache file's head record, its slices of unit codes, then each record of fields and each
#: record of rows as ``(slice, position)``.
_Layout = tuple[Any, list[list[str]], list[tuple[int, int]], list[tuple[int, int]]]


def _file_runs(files: Mapping[str, str]) -> list[tuple[str | None, list[str], list[Any]]]:
    """Each unit's evidence file in runs of units, in order: ``(where, codes, lines)`` for units
    whose text is ``where:line`` (the rows of one fields table: 100,000 units name one file,
    12 MB as texts), ``(None, codes, texts)`` for the others (a unit file, several files)."""
    runs: list[tuple[str | None, list[str], list[Any]]] = []
    for code, text in files.items():
        where, colon, line = text.rpartition(":")
        # A line number given back exactly by str(): ASCII digits, no leading zero.
        if colon and line.isascii() and line.isdigit() and (line == "0" or line[0] != "0"):
            value: Any = int(line)
        else:
            where, value = None, text  # type: ignore[assignment]
        if not runs or runs[-1][0] != where:
            runs.append((where, [], []))
        runs[-1][1].append(code)
        runs[-1][2].append(value)
    return runs


class FileLines(Mapping[str, str]):
    """Each unit's evidence file (``where:line`` for a row of a fields table) as a cached set
    keeps them (:func:`_file_runs`): the text is made when a unit's is read, which a ranking of
    100,000 units mostly does not do."""

    def __init__(self, runs: list[tuple[str | None, list[str], list[Any]]]) -> None:
        self._runs = runs
        self._where: dict[str, tuple[int, int]] | None = None

    def _index(self) -> dict[str, tuple[int, int]]:
        if self._where is None:
            where: dict[str, tuple[int, int]] = {}
            for number, (_, codes, _) in enumerate(self._runs):
                where.update(zip(codes, zip(itertools.repeat(number), itertools.count())))
            self._where = where
        return self._where

    def __getitem__(self, code: str) -> str:
        number, position = self._index()[code]
        where, _, values = self._runs[number]
        return values[position] if where is None else f"{where}:{values[position]}"

    def __contains__(self, code: object) -> bool:
        return code in self._index()

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(codes for _, codes, _ in self._runs)

    def __len__(self) -> int:
        return sum(len(codes) for _, codes, _ in self._runs)


class CachedEvidence:
    """A checked evidence set in the cache, its seal checked once: loaded a share at a time,
    by this process and by those it forks (the share each scores), then whole if need be."""

    def __init__(self, key: str, stream: Any) -> None:
        import weakref

        self.key, self._stream = key, stream
        # Closed when the run is done with it (the whole set decoded), else when this object
        # goes or the process ends: never left for the interpreter to find open.
        self.close = weakref.finalize(self, stream.close)
        #: The head record, the units of each record of fields, then each record of fields as
        #: ``(slice, position)`` and each record of rows as ``(slice, position)`` of its head
        #: (``slice``: the record of fields whose units it holds; else an entry of its own among
        #: the slices). Read once by each process that loads a share, so that one loading
        #: several shares reads no record of units twice.
        self._layout: _Layout | None = None
        #: The head record once decoded: the parent decodes it before it forks (the run's files,
        #: notes and sources), and a process it forks then skips it (100,000 units' files: 12 MB).
        self._head: Any = None

    def _next_head(self, records: _Records) -> Any:
        if self._head is None:
            self._head = records.next()
        else:
            records.skip()
        return self._head

    def _read_layout(self) -> _Layout:
        if self._layout is not None:
            return self._layout
        records = _Records(self._stream)
        head = self._next_head(records)
        value_records, table_records = head[7], head[8]
        slices: list[list[str]] = []
        values = []
        for _ in range(value_records):
            slices.append(records.next())
            values.append((len(slices) - 1, records.position))
            records.skip()
        tables = []
        for _ in range(table_records):
            position = records.position
            _, number, units = records.next()
            if number is None:  # units without fields: tested on their own
                slices.append(units)
                number = len(slices) - 1
            tables.append((number, position))
            records.skip()
        self._layout = (head, slices, values, tables)
        return self._layout

    def load(self, plan: Any, only: set[str] | None = None, *, head_only: bool = False) -> Any:
        """The evidence set, or ``None`` if the file is not one of ``plan`` under this key.

        ``only`` (a set of unit codes): the fields and rows of at least those units; a record of
        units none of which is wanted is skipped unread (each process of a run's first pass
        decodes its own share). ``head_only``: everything but the fields and rows (both empty),
        from the first record alone.
        """
        try:
            return self._load(plan, only, head_only)
        except Exception:
            return None  # any doubt: parse the evidence

    def _load(self, plan: Any, only: set[str] | None, head_only: bool) -> Any:
        records = _Records(self._stream)
        if head_only:  # the first record alone
            head = self._next_head(records)
        else:
            head, slices, value_entries, table_entries = self._read_layout()
            # Whether a slice holds a wanted unit: once per slice, not per record.
            wanted = None if only is None else [not only.isdisjoint(units) for units in slices]
        version, stored_key, file_runs, synthetic, notes, sources, warnings, _, _, table_names, orders, last_lines = head
        if version != EVIDENCE_VERSION or stored_key != self.key:
            return None
        files = FileLines(file_runs)
        from ._evidence_set import EvidenceSet
        from ._fieldvalues import FieldValues

        if head_only:
            return EvidenceSet(FieldValues(), {}, files, synthetic, tuple(notes), tuple(sources), tuple(warnings), last_lines)

        decoder = _Decoder(whole=only is None)
        values = decoder.fields(records, slices, value_entries, wanted)
        tables = decoder.tables(records, table_entries, wanted, table_names, {t.name: t.row_type for t in plan.tables}, slices)
        if tables is None:
            return None  # not the rows this plan reads
        if only is None:
            _in_stored_order(tables, orders)
        return EvidenceSet(values, tables, files, synthetic, tuple(notes), tuple(sources), tuple(warnings), last_lines)


class _Decoder:
    """Decodes the records of one load (the whole set, or a share of its units) into values.

    Equal text decodes to one shared object, as the loaders share one parsed value per distinct
    text of a column: 100k units repeat a handful of values, and a Decimal or a date per cell
    would cost memory and time that the first, parsed run did not. Unit codes and line numbers
    are shared the same way across records, as in a parsed set.
    """

    def __init__(self, *, whole: bool) -> None:
        self.kept: dict[Any, Any] = {}  # unit code or line number → its one object
        # A decimal's or a date's text → its value; None (an absent value of a "d?" or "t?" column) is None.
        self.made: dict[str, dict[str | None, Any]] = {"d": {None: None}, "t": {None: None}}
        self.tagged: dict[Any, Any] = {}  # a tagged encoding ("*" columns) → its value
        # One int object per line number, for every table's rows. The whole set: a list from 0
        # to the greatest line, made once and shared by every table, as a parsed set's tables
        # share theirs. A share: its own lines, kept in ``kept`` with its unit codes, and gone
        # with the share. Its rows lie far down the tables (a table sorted by unit), and a list
        # from 0, kept for the process so as not to make it again for each share, held an int
        # for every line of the file: 100,000 county units peaked 26 MiB higher, for no fewer
        # instructions.
        self.line_numbers: list[int] | None = [] if whole else None
        #: Each list of units a share's table was kept for, and the index of their positions.
        self.units_of_tables: list[tuple[list[Any], dict[Any, int]]] = []
        # The units of the records of fields (slices), those any table of a share has rows of
        # (layout), every unit of those in order, where each begins, each one's position (spread).
        self.slices: Sequence[list[Any]] = ()
        self.layout: list[int] = []
        self.spread_codes: list[Any] | None = None
        self.spread_start: dict[int, int] = {}
        self.slice_index: dict[int, dict[Any, int]] = {}

    @staticmethod
    def shared(column: list[Any], table: dict[Any, Any], maker: Any = None) -> list[Any]:
        """The column with each distinct value made (``maker``: :func:`escore._tablerows.made_once`)
        and kept once, in C-level passes."""
        if maker is None:  # the value itself, kept the first time it is seen: one pass
            return list(map(table.setdefault, column, column))
        return made_once(column, table, maker)

    def one(self, value: Any) -> Any:
        """A value of a "*" column, each distinct tagged encoding decoded once."""
        if value.__class__ is not tuple:
            return value
        try:
            return self.tagged[value]
        except KeyError:
            out = self.tagged[value] = _dec(value)
            return out
        except TypeError:  # a list value ("l", [...]) is not hashable: decoded on its own
            return _dec(value)

    def column(self, tag: str, column: list[Any]) -> list[Any]:
        """A stored column (:func:`_column`) as its values."""
        if not tag:
            return column
        if tag == "*":
            if set(map(type, column)) == {tuple}:
                # Every value tagged (grades, mostly): each distinct one decoded once, in
                # C-level passes. Not with plain values among them: 1 and True are one key.
                try:
                    return self.shared(column, self.tagged, _dec)
                except TypeError:  # a list value ("l", [...]) is not hashable
                    pass
            return list(map(self.one, column))
        kind = tag[0]  # "d?" and "t?" share the tables of "d" and "t"
        return self.shared(column, self.made[kind], _MAKE[kind])

    def lines(self, column: list[Any]) -> list[Any]:
        """A table's line numbers, one int object per number (else kept as any value)."""
        found = None if self.line_numbers is None else shared_line_numbers(column, self.line_numbers)
        return self.shared(column, self.kept) if found is None else found

    def fields(self, records: _Records, slices: Any, entries: Any, wanted: list[bool] | None) -> Any:
        """The field values of the records ``entries`` whose units are ``wanted`` (all: ``None``)."""
        from ._fieldvalues import FieldValues

        values = FieldValues()  # compact, as a parsed set (escore._fieldvalues)
        for index, position in entries:
            if wanted is not None and not wanted[index]:
                continue
            groups = records.at(position)
            values.reserve(self.shared(slices[index], self.kept))  # the units in their order, whatever their groups
            for names, group, columns in groups:
                rows = zip(*[self.column(tag, column) for tag, column in columns])
                values.put_rows(tuple(names), self.shared(group, self.kept), rows)
        return values

    def tables(
        self,
        records: _Records,
        entries: Any,
        wanted: list[bool] | None,
        names: Any,
        row_types: Mapping[str, Any],
        slices: Sequence[list[Any]] = (),
    ) -> dict[str, Mapping[str, tuple[Any, ...]]] | None:
        """The rows of each table, by unit, from the records ``entries`` whose units are
        ``wanted``; ``None`` when a table's rows are not those ``row_types`` make.

        A share (not the whole set) keeps each table's cells as columns (:class:`TableRows`,
        a row made when a unit's rows are read): the column pass reads most tables only as
        columns (escore._colform), and makes the others' rows a block at a time. The whole
        set, which a run reads unit by unit, is made of rows at once."""
        parts: dict[str, list[tuple[list[Any], list[int], list[Any]]]] = {name: [] for name in names}
        numbers: dict[str, list[Any]] = {name: [] for name in names}  # the slice of each record's units
        for index, position in entries:
            if wanted is not None and not wanted[index]:
                continue
            name, number, part = records.at(position)
            counts, width, columns = records.next()
            if columns and (len(columns) != width or len(row_types[name]._fields) != width):
                return None
            parts[name].append((part, counts, columns))
            numbers[name].append(number)
        self.slices = slices
        self.layout = sorted({n for found in numbers.values() for n in found if n.__class__ is int and 0 <= n < len(slices)})
        tables: dict[str, Mapping[str, tuple[Any, ...]]] = {}
        for name, records_of in parts.items():
            kept = None
            if self.line_numbers is None and name in row_types and all(not columns or columns[0] is None for _, _, columns in records_of):
                kept = self.columns(row_types[name], records_of, numbers[name])
            tables[name] = kept if kept is not None else self.rows(row_types, name, records_of)
        return tables

    def spread(self, records_of: list[tuple[list[Any], list[int], list[Any]]], numbers: list[Any]) -> tuple[list[int], list[bool]] | None:
        """The counts of a table's records spread over every unit of the share's slices that
        any table holds rows of (:attr:`layout`, in order; 0 for a unit without rows), or
        ``None`` when a record's units are not in their slice's order (or not of a slice); and
        whether the table holds each of those units (the others read as absent).

        Every table so kept holds the same units in the same order, one list and one index for
        all, and the units of a block of the share are one run of them: reading a block's rows
        is then a slice of each column, with no look-up per unit (TableRows._read)."""
        if not numbers or any(n.__class__ is not int for n in numbers) or numbers != sorted(set(numbers)):
            return None
        if self.spread_codes is None:
            self.spread_codes = list(itertools.chain.from_iterable(self.slices[n] for n in self.layout))
            self.spread_start = dict(zip(self.layout, itertools.accumulate((len(self.slices[n]) for n in self.layout), initial=0)))
        full = [0] * len(self.spread_codes)
        present = [False] * len(self.spread_codes)
        for number, (part, counts, _columns) in zip(numbers, records_of):
            where = self.slice_index.get(number)
            if where is None:
                where = self.slice_index[number] = dict(zip(self.slices[number], itertools.count(self.spread_start[number])))
            found = list(map(where.get, part))
            if None in found:
                return None
            at: list[int] = found  # type: ignore[assignment]
            if not all(map(operator.lt, at, itertools.islice(at, 1, None))):
                return None
            for position, count in zip(at, counts, strict=True):
                full[position] = count
                present[position] = True
        return full, present

    def columns(self, row_type: Any, records_of: list[tuple[list[Any], list[int], list[Any]]], numbers: list[Any]) -> TableRows | None:
        """A table's records as one :class:`TableRows` (each row's unit its unit's), or ``None``."""
        codes: list[Any] = []
        counts: list[int] = []
        lines: list[Any] = []
        cells: list[list[Any]] = [[] for _ in range(len(row_type._fields) - 2)]
        spread = self.spread(records_of, numbers)
        for part, part_counts, columns in records_of:
            if spread is None:
                codes.extend(part)
                counts.extend(part_counts)
            if not columns:
                continue
            decoded = [self.column(tag, column) for tag, column in columns[1:]]
            lines.extend(decoded[0])
            for into, column in zip(cells, decoded[1:], strict=True):
                into.extend(column)
        # The tables of a share mostly hold the same units (every unit of a record, those without
        # rows too): one list of codes and one index of them for all such tables. A row's unit
        # and line are kept as decoded (equal, if not the fields' very objects: only points are
        # computed from a share's rows, and an explanation's text is the same).
        present = None
        if spread is not None:
            assert self.spread_codes is not None
            codes, (counts, present) = self.spread_codes, spread
        for known, position in self.units_of_tables:
            if known is codes or known == codes:
                return TableRows.of_counts(row_type, known, counts, lines, cells, position, present)
        table = TableRows.of_counts(row_type, codes, counts, lines, cells, None, present)
        if table is not None:
            self.units_of_tables.append((codes, table.index))
        return table

    def rows(
        self, row_types: Mapping[str, Any], name: str, records_of: list[tuple[list[Any], list[int], list[Any]]]
    ) -> dict[str, tuple[Any, ...]]:
        """A table's records as a dictionary of each unit's rows."""
        by_unit: dict[str, tuple[Any, ...]] = {}
        new = tuple.__new__  # a row type's own __new__ is a Python function, one call per row
        for record_part, counts, columns in records_of:
            part = self.shared(record_part, self.kept)
            if not columns:
                by_unit.update(zip(part, [()] * len(part)))
                continue
            row_type = row_types[name]
            codes_of_rows = columns[0]
            cells = [self.column(tag, column) for tag, column in columns[1:]]
            # The unit code of each row: its unit's (the same object), or as stored.
            cells.insert(0, list(_repeated(part, counts)) if codes_of_rows is None else self.shared(self.column(*codes_of_rows), self.kept))
            cells[1] = self.lines(cells[1])
            row_objects = map(new, itertools.repeat(row_type), zip(*cells))
            # Each unit's rows, consumed in order from one iterator: C-level, no loop per unit.
            by_unit.update(zip(part, map(tuple, map(itertools.islice, itertools.repeat(row_objects), counts))))
        return by_unit


#: How a decimal's or a date's text becomes its value ("d" and "t" columns).
_MAKE = {"d": Decimal, "t": _dt.date.fromisoformat}


def _in_stored_order(tables: dict[str, Mapping[str, tuple[Any, ...]]], orders: Mapping[str, bytes]) -> None:
    """The whole set's tables, each in its own order of units, as parsed (the records hold them
    in the order of the fields' units; ``orders``: each table's positions in that order)."""
    for name, order in orders.items():
        positions = array.array("I")
        positions.frombytes(order)
        by_unit = tables[name]
        ordered = list(map(list(by_unit).__getitem__, positions))
        tables[name] = dict(zip(ordered, map(by_unit.__getitem__, ordered)))


def open_evidence_set(key: str) -> CachedEvidence | None:
    """The checked evidence set saved under ``key`` (each record checked as it is read), or ``None``."""
    wait_for_saves(key)  # being saved by a process of this one: written first
    directory = _cache.cache_dir()
    if directory is None or not _cache.usable_directory(directory, create=False):
        return None
    path = directory / f"evidence-{key}.marshal"
    stream = _cache.open_private(path)
    if stream is None:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: pruned after the sets used less recently
    return CachedEvidence(key, stream)


def load_evidence_set(key: str, plan: Any, only: set[str] | None = None, *, head_only: bool = False) -> Any:
    """The checked evidence set saved under ``key``, or ``None`` (see :meth:`CachedEvidence.load`)."""
    opened = open_evidence_set(key)
    if opened is None:
        return None
    try:
        return opened.load(plan, only, head_only=head_only)
    finally:
        opened.close()
