"""Caches of parsed and of checked evidence, keyed by content.

Parsing TOML is the largest cost of a run on a few hundred unit files (tomllib is
pure Python). Parsed files are kept in one ``marshal`` file per build of the core in the
user's cache directory, keyed by a digest of each file's bytes, so a changed file is parsed
again and an unchanged one is not. ``marshal`` holds plain data only; decimals and
dates are stored as tagged tuples (TOML itself never produces tuples). Any
problem with the cache (unreadable, corrupt, unwritable) makes escore parse the
files as if there were none.

A second cache keeps whole checked evidence sets (typed values and monitoring rows
of every unit of a run), one file per key. The key is a digest of everything the
check depends on: the path names given, the bytes of every file under them, the
plan's evidence types and the unit codes of the ruleset. It is used only with the
built-in TOML and CSV readers (a plugin's reader may depend on anything).

Location: ``$ESCORE_CACHE_DIR`` (``~`` expanded), else ``$XDG_CACHE_HOME/escore``,
else ``~/.cache/escore``; ``ESCORE_CACHE_DIR=off`` disables both. Checked evidence sets
are kept within 64 files and ``ESCORE_CACHE_MAX_SIZE`` bytes (default 1 GiB), the most
recently used first; ``escore cache`` shows and clears what is kept.

A cache may make escore faster, never different, so on any doubt it is not used:

* both caches are keyed on the code that produced them as well: the Python version
  and the size and modification time of every source file of the core (and, for
  checked evidence sets, of the packs whose fields were checked), so an edit or a
  ``git pull`` of an editable install invalidates them at the same version number;
* every cache file carries a digest of its contents, checked before use: an edited
  or truncated entry is ignored and the evidence parsed again;
* the directory must belong to the user and be writable by no one else (it is
  created ``0700``); otherwise escore warns once and works without a cache, since
  another account that can write entries could change scores;
* any error while reading or decoding an entry means parsing the files instead.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import datetime as _dt
import functools
import itertools
import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

try:  # hashlib would load OpenSSL first, a few milliseconds of every run
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - Pythons without the built-in module
    from hashlib import blake2b as _blake2b

VERSION = 2
MAX_ENTRIES = 20_000
#: Parsed-TOML caches kept, one per build of the core, the most recently used first.
MAX_TOML_FILES = 4


def _cache_dir() -> Path | None:
    """The cache directory, or ``None`` when the cache is off."""
    configured = os.environ.get("ESCORE_CACHE_DIR")
    if configured is not None:
        if configured.strip().lower() in ("", "off", "0", "no"):
            return None
        expanded = os.path.expanduser(configured)
        if expanded.startswith("~"):  # no home directory to expand into: no cache, not a "~" folder
            return None
        return Path(expanded)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # no home directory: no cache rather than a "~" folder here
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "escore"


def cache_path() -> Path | None:
    """The parsed-TOML cache of this build of the core, or ``None`` when the cache is off.

    One file per build: two escore versions sharing a cache directory (two environments, or a
    benchmark that alternates them) would otherwise void each other's entries at every turn,
    since a file sealed by another core is not used.
    """
    directory = _cache_dir()
    return None if directory is None else directory / f"toml-v{VERSION}-{core_digest().hex()}.marshal"


def _source_stats(directories: Any) -> list[tuple[str, int, int]]:
    out = []
    for directory in sorted(set(directories)):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                out.append((os.path.join(directory, name), info.st_mtime_ns, info.st_size))
    return out


@functools.cache
def core_digest() -> bytes:
    """A digest of the Python version and of every source file of the core (names, sizes, mtimes)."""
    import sys

    from ._version import __version__

    data = repr((sys.version, __version__, _source_stats([os.path.dirname(os.path.abspath(__file__))]))).encode()
    return _blake2b(data, digest_size=16).digest()


def pack_digest(plan: Any) -> bytes:
    """A digest of the source files of the packs whose rules and fixtures make up ``plan``."""
    import sys

    directories = set()
    functions = [ip.func for ip in plan.indicators] + [d.func for d in plan.fixtures.values() if d.func is not None]
    for func in functions:
        module = sys.modules.get(getattr(func, "__module__", "") or "")
        path = getattr(module, "__file__", None)
        if path:
            directories.add(os.path.dirname(os.path.abspath(path)))
    return _blake2b(repr(_source_stats(directories)).encode(), digest_size=16).digest()


_refused: set[str] = set()


def usable_directory(directory: Path, *, create: bool, report: bool = True) -> bool:
    """Whether ``directory`` may hold a cache: owned by the user, writable by no one else.

    It is created ``0700`` when missing and ``create`` is true. A refused directory is
    reported once per process, with the reason.
    """
    try:
        if create and not directory.exists():
            directory.mkdir(parents=True, mode=0o700, exist_ok=True)
        info = directory.stat()
    except OSError:
        return False
    import stat

    from ._i18n import N_

    problem = ""
    if not stat.S_ISDIR(info.st_mode):
        problem = N_("it is not a directory")
    elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        problem = N_("it belongs to another user")
    elif info.st_mode & 0o022:
        problem = N_("other users can write to it")
    if problem:
        if report and str(directory) not in _refused:
            _refused.add(str(directory))
            from ._errors import warn
            from ._i18n import gettext

            warn(
                gettext("not using the evidence cache {0}: {1} (make it yours with mode 0700, or set ESCORE_CACHE_DIR)").format(
                    directory, gettext(problem)
                )
            )
        return False
    return True


#: A sealed file starts with its seal, a 32-byte keyed digest of the rest.
_SEAL_SIZE = 32


def _open_sealed(path: Path) -> Any:
    """``path`` opened for reading just after its seal, if it is a private regular file of the
    user's whose seal matches (checked a megabyte at a time); else ``None``. The caller reads the
    payload from the same open file: a concurrent writer replaces the file by renaming a new one
    into place, so what is read is what was checked."""
    import stat

    try:
        stream = open(path, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    except OSError:
        return None
    try:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022:
            raise OSError("not a private regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise OSError("not the user's")
        seal = stream.read(_SEAL_SIZE)
        digest = _blake2b(digest_size=32, key=core_digest())
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        if len(seal) != _SEAL_SIZE or digest.digest() != seal:
            raise OSError("altered, or written by other code")
        stream.seek(_SEAL_SIZE)
        return stream
    except OSError:
        stream.close()
        return None


def _write_sealed(directory: Path, name: str, parts: Iterable[bytes], prefix: str) -> None:
    """A private cache file (mode 0600, renamed into place whole): a seal (a digest of the payload
    keyed by the core's code, see :func:`core_digest`), then the payload, written part by part as
    the parts come. The seal is written last, in front, before the rename."""
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=directory)  # mode 0600
    try:
        digest = _blake2b(digest_size=32, key=core_digest())
        with os.fdopen(handle, "wb") as stream:
            stream.write(bytes(_SEAL_SIZE))
            for part in parts:
                digest.update(part)
                stream.write(part)
            stream.seek(0)
            stream.write(digest.digest())
        os.replace(temporary, directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return ("d", str(value))
    if isinstance(value, _dt.datetime):
        return ("dt", value.isoformat())
    if isinstance(value, _dt.date):
        return ("t", value.isoformat())
    if isinstance(value, _dt.time):
        return ("tm", value.isoformat())
    return value


_DECODE: dict[str, Callable[[str], Any]] = {
    "d": Decimal,
    "dt": _dt.datetime.fromisoformat,
    "t": _dt.date.fromisoformat,
    "tm": _dt.time.fromisoformat,
}


def _decode(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _decode(v) for k, v in value.items()}
    if kind is list:
        return [_decode(v) for v in value]
    if kind is tuple:
        return _DECODE[value[0]](value[1])
    return value


class TomlCache:
    """Parsed documents by digest of their bytes; loaded on first use, saved at exit if changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[bytes, Any] | None = None
        self.dirty = False

    def _load(self) -> dict[bytes, Any]:
        if self.entries is None:
            self.entries = {}
            if self.path is not None and usable_directory(self.path.parent, create=False):
                stream = _open_sealed(self.path)
                try:
                    data = None
                    if stream is not None:
                        with stream:
                            data = marshal.loads(stream.read())
                    if isinstance(data, tuple) and len(data) == 2 and data[0] == VERSION and isinstance(data[1], dict):
                        self.entries = data[1]
                except Exception:
                    pass  # no cache, or one we cannot read: parse everything
                if stream is not None:
                    with contextlib.suppress(OSError):
                        os.utime(self.path)  # used now: pruned after the builds used less recently
        return self.entries

    def parse(self, raw: bytes, parse: Any) -> Any:
        """``parse(raw)`` unless a document with these bytes was parsed before."""
        if self.path is None:
            return parse(raw)
        digest = _blake2b(raw, digest_size=16).digest()
        entries = self._load()
        found = entries.get(digest)
        if found is not None:
            try:
                return _decode(found)
            except Exception:
                pass  # an entry we cannot decode: parse the file
        document = parse(raw)
        entries[digest] = _encode(document)
        if not self.dirty:
            self.dirty = True
            atexit.register(self.save)
        return document

    def save(self) -> None:
        if not self.dirty or self.path is None or self.entries is None:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:  # keep the newest: dicts remember insertion order
            entries = dict(list(entries.items())[-MAX_ENTRIES:])
        try:
            # At exit: a refusal was reported when the cache was read, if it was refused then.
            if usable_directory(self.path.parent, create=True, report=False):
                _write_sealed(self.path.parent, self.path.name, [marshal.dumps((VERSION, entries))], ".toml-cache.")
                _keep_newest(self.path.parent, "toml-v*.marshal", MAX_TOML_FILES)
        except (OSError, ValueError):
            pass  # a cache we cannot write costs speed, never correctness
        self.dirty = False


@functools.cache
def shared() -> TomlCache:
    """The process-wide cache (created on first use, not at import)."""
    return TomlCache(cache_path())


# --------------------------------------------------------------------------- checked evidence sets

EVIDENCE_VERSION = 9
#: Units per record of a cached evidence set (a load decodes one record at a time). A process
#: decodes every record that holds a unit of its share: with 2,048 a share of 5,000 units decoded
#: 6,144 units' rows; 512 units a record is 16% fewer instructions to decode 10,000 units in two
#: shares, and 1.5% fewer at 100,000 (records of 256: 1% fewer again at 10,000).
_RECORD_UNITS = 512
MAX_EVIDENCE_FILES = 64
#: The bytes of checked evidence sets kept when ``ESCORE_CACHE_MAX_SIZE`` is not set: a set of
#: 100,000 units is 40-80 MB, so a dozen such sets or thousands of a few hundred units each.
DEFAULT_EVIDENCE_BYTES, _DEFAULT_EVIDENCE_SIZE = 1 << 30, "1G"
SIZE_ENV = "ESCORE_CACHE_MAX_SIZE"
_BINARY_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_size_reported: set[str] = set()


def parse_size(text: str) -> int | None:
    """Bytes from ``2G``, ``500M``, ``1.5GiB``, ``64k`` or ``1000000`` (binary units, case and a
    trailing ``B``/``iB`` ignored), or ``None`` when ``text`` is not a size."""
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", text.strip().lower())
    if match is None:
        return None
    return int(Decimal(match[1]) * _BINARY_UNITS[match[2]])


def evidence_bytes_limit() -> int:
    """The most bytes of checked evidence sets the cache keeps: ``ESCORE_CACHE_MAX_SIZE``, else 1 GiB.

    A value that is not a size is reported once per process and the default used: the cache
    only ever changes how fast a run is, so a typo in its setting must not stop an assessment.
    """
    configured = os.environ.get(SIZE_ENV, "").strip()
    if not configured:
        return DEFAULT_EVIDENCE_BYTES
    size = parse_size(configured)
    if size is not None:
        return size
    if configured not in _size_reported:
        _size_reported.add(configured)
        from ._errors import warn
        from ._i18n import gettext

        warn(
            gettext(
                "{0}='{1}' is not a size (expected e.g. 500M, 2G or a number of bytes); keeping at most {2} of checked evidence"
            ).format(SIZE_ENV, configured, _DEFAULT_EVIDENCE_SIZE)
        )
    return DEFAULT_EVIDENCE_BYTES


def _keep_newest(directory: Path, pattern: str, count: int, limit: int | None = None) -> None:
    """Remove the files of ``directory`` matching ``pattern`` beyond the ``count`` most recently
    used (modification time) or, with ``limit``, beyond ``limit`` bytes in all: the newest that fit."""
    found = []
    for path in directory.glob(pattern):
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((info.st_mtime_ns, path.name, info.st_size, path))
    kept = total = 0
    for _, _, size, path in sorted(found, reverse=True):  # the most recently used first
        if kept < count and (limit is None or total + size <= limit):
            kept, total = kept + 1, total + size
        else:
            path.unlink(missing_ok=True)


def prune_evidence_sets(directory: Path, limit: int) -> None:
    """Remove the least recently used checked evidence sets beyond :data:`MAX_EVIDENCE_FILES`
    files or ``limit`` bytes in all (a run touches the set it uses, see :func:`open_evidence_set`)."""
    _keep_newest(directory, "evidence-*.marshal", MAX_EVIDENCE_FILES, limit)


def evidence_key(paths: Any, plan: Any, unit_codes: Any, known_codes: Any, sub_codes: Any) -> str | None:
    """A digest of everything a checked evidence set read by escore's own loaders depends on, or
    ``None`` when it cannot be cached (the caller keys only evidence those loaders read: what a
    plugin's loader makes of a file is not a function of its bytes that escore can know)."""
    if _cache_dir() is None:
        return None
    from ._errors import EscoreError
    from ._files import file_sha256, read_bytes
    from ._version import __version__

    digest = _blake2b(digest_size=20)

    def feed(*parts: Any) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    feed(EVIDENCE_VERSION, __version__, core_digest(), pack_digest(plan), plan.ruleset.name, plan.category.key)
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
    (:func:`_enc`)."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return "", values
    if kinds in ({Decimal}, {_dt.date}):
        return ("d" if Decimal in kinds else "t"), [enc(value)[1] for value in values]
    if kinds in (_OPTIONAL_DECIMALS, _OPTIONAL_DATES):
        return ("d?" if Decimal in kinds else "t?"), [None if value is None else enc(value)[1] for value in values]
    return "*", [enc(value) for value in values]


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
    directory = _cache_dir()
    if directory is None:
        return
    limit = evidence_bytes_limit()  # read only with a cache: a bad setting of an unused cache is not worth a warning
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
        table_parts = [(name, _aligned(codes, by_unit)) for name, by_unit in evidence.tables.items()]
        head = (
            EVIDENCE_VERSION,
            key,
            _file_runs(evidence.files),
            evidence.synthetic,
            list(evidence.notes),
            list(evidence.sources),
            list(evidence.warnings),
            len(value_starts),
            sum(len(parts) for _, parts in table_parts),
            list(evidence.tables),
            # A table whose units its aligned records do not give in its own order (rows listed
            # by date, say): that order, for a load of the whole set to give it back exactly, as
            # positions among the aligned units (4 bytes a unit: 100,000 codes as texts were
            # 30 MB once decoded, in a head every process keeps).
            {name: order for name, parts in table_parts if (order := _own_order(parts, evidence.tables[name]))},
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
            for name, parts in table_parts:
                by_unit = evidence.tables[name]
                for slice_number, part in parts:
                    rows = [row for code in part for row in by_unit[code]]
                    counts = [len(by_unit[code]) for code in part]
                    width = len(rows[0]) if rows else 0
                    columns: list[Any] = [_column(list(column), enc) for column in zip(*rows)] if rows else []
                    if columns and columns[0][1] == list(_repeated(part, counts)):
                        columns[0] = None  # each row's unit code is its unit's: rebuilt from the counts
                    yield _record((name, slice_number, part))
                    yield _record((counts, width, columns))

        if not usable_directory(directory, create=True):
            return
        _write_sealed(directory, f"evidence-{key}.marshal", records(), ".evidence.")
        prune_evidence_sets(directory, limit)
    except (OSError, ValueError, TypeError):
        pass


def _aligned(codes: list[str], by_unit: Mapping[str, Any]) -> list[tuple[int | None, list[str]]]:
    """A table's units in records aligned with the fields' records: ``(n, units)`` for the
    units of the ``n``-th slice of ``codes`` (_RECORD_UNITS each) that have an entry, in the
    table's order; then ``(None, units)`` for units without fields, _RECORD_UNITS a record.

    A share of units decodes the records of its slices and no others: with a table's records
    cut by its own count of units, a share of 4,000 units among 100,000 decoded records that
    straddled its ends in every table (19% more bytes in 25 shares).
    """
    slice_of = {code: position // _RECORD_UNITS for position, code in enumerate(codes)}
    grouped: dict[int, list[str]] = {}
    rest: list[str] = []
    for code in by_unit:
        number = slice_of.get(code)
        if number is None:
            rest.append(code)
        else:
            grouped.setdefault(number, []).append(code)
    parts: list[tuple[int | None, list[str]]] = sorted(grouped.items())
    parts += [(None, rest[start : start + _RECORD_UNITS]) for start in range(0, len(rest), _RECORD_UNITS)]
    return parts


def _own_order(parts: list[tuple[int | None, list[str]]], by_unit: Mapping[str, Any]) -> bytes:
    """The table's own order of units as positions among its aligned records' (an array of
    unsigned ints, as bytes), or ``b""`` when the two orders are the same."""
    aligned = list(itertools.chain.from_iterable(part for _, part in parts))
    if aligned == list(by_unit):
        return b""
    position = dict(zip(aligned, itertools.count()))
    return array.array("I", map(position.__getitem__, by_unit)).tobytes()


def _record(value: Any) -> bytes:
    """A marshal record preceded by its length: marshal.load() on a file reads it a few bytes
    at a time (over a second for 10k units); reading the record whole, then loads(), does not."""
    data = marshal.dumps(value)
    return len(data).to_bytes(8, "little") + data


class _Records:
    """The records of a sealed cache file, read at offsets of its own (``os.pread``).

    The seal is checked once, when the file is opened (:func:`open_evidence_set`). Processes
    forked afterwards read the same open file, each at its own offset: none moves a position
    another reads from, and none checks the seal of the 40 MB of 100,000 units again.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._position = _SEAL_SIZE

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

    def _size(self) -> int:
        return int.from_bytes(self._read(8), "little")

    def next(self) -> Any:
        return marshal.loads(self._read(self._size()))

    def skip(self) -> None:
        size = self._size()  # read first: it moves the position past the size itself
        self._position += size

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
        version, stored_key, file_runs, synthetic, notes, sources, warnings, _, _, table_names, orders = head
        if version != EVIDENCE_VERSION or stored_key != self.key:
            return None
        files = FileLines(file_runs)
        from ._evidence_set import EvidenceSet
        from ._fieldvalues import FieldValues

        if head_only:
            return EvidenceSet(FieldValues(), {}, files, synthetic, tuple(notes), tuple(sources), tuple(warnings))

        row_types = {t.name: t.row_type for t in plan.tables}
        # Equal text decodes to one shared object, as the loaders share one parsed value per
        # distinct text of a column: 100k units repeat a handful of values, and a Decimal or a
        # date per cell would cost memory and time that the first, parsed run did not. Unit
        # codes and line numbers are shared the same way across records, as in a parsed set.
        kept: dict[Any, Any] = {}  # unit code or line number → its one object
        # A decimal's or a date's text → its value; None (an absent value of a "d?" or "t?" column) is None.
        made: dict[str, dict[str | None, Any]] = {"d": {None: None}, "t": {None: None}}
        make = {"d": Decimal, "t": _dt.date.fromisoformat}
        tagged: dict[Any, Any] = {}  # a tagged encoding ("*" columns) → its value

        def dec(value: Any) -> Any:
            if value.__class__ is not tuple:
                return value
            try:
                return tagged[value]
            except KeyError:
                out = tagged[value] = _dec(value)
                return out
            except TypeError:  # a list value ("l", [...]) is not hashable: decoded on its own
                return _dec(value)

        def shared(column: list[Any], table: dict[Any, Any], maker: Any = None) -> list[Any]:
            """The column with each distinct value made (``maker``) and kept once, in C-level passes."""
            if maker is None:  # the value itself, kept the first time it is seen: one pass
                return list(map(table.setdefault, column, column))
            for value in set(column).difference(table):
                table[value] = maker(value)
            return list(map(table.__getitem__, column))

        line_numbers: list[int] = []  # one int object per line number, whichever table has it

        def shared_lines(column: list[Any]) -> list[Any]:
            try:
                if min(column) >= 0:
                    line_numbers.extend(range(len(line_numbers), max(column) + 1))
                    return list(map(line_numbers.__getitem__, column))
            except TypeError:  # a line that is not a number (kept, shared as any value)
                pass
            return shared(column, kept)

        def decoded(tag: str, column: list[Any]) -> list[Any]:
            if not tag:
                return column
            if tag == "*":
                return list(map(dec, column))
            kind = tag[0]  # "d?" and "t?" share the tables of "d" and "t"
            return shared(column, made[kind], make[kind])

        values = FieldValues()  # compact, as a parsed set (escore._fieldvalues)
        for index, position in value_entries:
            if wanted is not None and not wanted[index]:
                continue
            part = slices[index]
            groups = records.at(position)
            values.reserve(shared(part, kept))  # the units in their order, whatever their groups
            for names, group, columns in groups:
                rows = zip(*[decoded(tag, column) for tag, column in columns])
                values.put_rows(tuple(names), shared(group, kept), rows)
        tables: dict[str, dict[str, tuple[Any, ...]]] = {name: {} for name in table_names}
        new = tuple.__new__  # a row type's own __new__ is a Python function, one call per row
        for index, position in table_entries:
            if wanted is not None and not wanted[index]:
                continue
            name, _, part = records.at(position)
            counts, width, columns = records.next()
            by_unit = tables[name]
            part = shared(part, kept)
            if not columns:
                by_unit.update(zip(part, [()] * len(part)))
                continue
            row_type = row_types[name]
            if len(columns) != width or len(row_type._fields) != width:
                return None  # not the rows this plan reads
            codes_of_rows = columns[0]
            cells = [decoded(tag, column) for tag, column in columns[1:]]
            # The unit code of each row: its unit's (the same object), or as stored.
            cells.insert(0, list(_repeated(part, counts)) if codes_of_rows is None else shared(decoded(*codes_of_rows), kept))
            cells[1] = shared_lines(cells[1])
            row_objects = map(new, itertools.repeat(row_type), zip(*cells))
            # Each unit's rows, consumed in order from one iterator: C-level, no loop per unit.
            by_unit.update(zip(part, map(tuple, map(itertools.islice, itertools.repeat(row_objects), counts))))
        if only is None:  # the whole set: each table in its own order, as parsed
            for name, order in orders.items():
                positions = array.array("I")
                positions.frombytes(order)
                by_unit = tables[name]
                ordered = list(map(list(by_unit).__getitem__, positions))
                tables[name] = dict(zip(ordered, map(by_unit.__getitem__, ordered)))
        return EvidenceSet(values, tables, files, synthetic, tuple(notes), tuple(sources), tuple(warnings))


def open_evidence_set(key: str) -> CachedEvidence | None:
    """The checked evidence set saved under ``key``, its seal checked, or ``None``."""
    directory = _cache_dir()
    if directory is None or not usable_directory(directory, create=False):
        return None
    path = directory / f"evidence-{key}.marshal"
    stream = _open_sealed(path)
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


# --------------------------------------------------------------------------- looking after the cache

#: escore's files in the cache directory: the parsed TOML files (this version's and earlier
#: ones'), checked evidence sets, and what an interrupted write left behind.
_OWN_FILES = ("toml-v*.marshal", "evidence-*.marshal", ".toml-cache.*", ".evidence.*")


class CacheUsage(NamedTuple):
    """What the cache holds (``escore cache``)."""

    directory: Path | None  #: ``None`` when the cache is off
    parsed_bytes: int  #: the parsed TOML files
    evidence_sets: int  #: checked evidence sets kept
    evidence_bytes: int
    limit: int  #: the most bytes of checked evidence sets kept (:func:`evidence_bytes_limit`)


def _own_files(directory: Path) -> list[Path]:
    found = {path for pattern in _OWN_FILES for path in directory.glob(pattern)}
    return sorted(path for path in found if path.is_file() and not path.is_symlink())


def cache_usage() -> CacheUsage:
    """The cache's directory and what escore keeps in it."""
    directory = _cache_dir()
    limit = evidence_bytes_limit()
    if directory is None:
        return CacheUsage(None, 0, 0, 0, limit)
    parsed = sets = evidence = 0
    for path in _own_files(directory) if directory.is_dir() else []:
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if path.name.startswith("evidence-"):
            sets, evidence = sets + 1, evidence + size
        elif path.name.startswith("toml-"):
            parsed += size
    return CacheUsage(directory, parsed, sets, evidence, limit)


def clear_cache() -> tuple[int, int]:
    """Remove escore's files from the cache directory (nothing else in it): ``(files, bytes)``."""
    directory = _cache_dir()
    if directory is None or not directory.is_dir():
        return 0, 0
    files = freed = 0
    for path in _own_files(directory):
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        files, freed = files + 1, freed + size
    return files, freed
