"""Caches of parsed and of checked evidence, keyed by content.

Parsing TOML is the largest cost of a run on a few hundred unit files (tomllib is
pure Python). Parsed files are kept in one ``marshal`` file in the user's cache
directory, keyed by a digest of each file's bytes, so a changed file is parsed
again and an unchanged one is not. ``marshal`` holds plain data only; decimals and
dates are stored as tagged tuples (TOML itself never produces tuples). Any
problem with the cache (unreadable, corrupt, unwritable) makes escore parse the
files as if there were none.

A second cache keeps whole checked evidence sets (typed values and monitoring rows
of every unit of a run), one file per key. The key is a digest of everything the
check depends on: the path names given, the bytes of every file under them, the
plan's evidence types and the unit codes of the ruleset. It is used only with the
built-in TOML and CSV readers (a plugin's reader may depend on anything).

Location: ``$ESCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/escore``, else
``~/.cache/escore``; ``ESCORE_CACHE_DIR=off`` disables both.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import functools
import marshal
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

try:  # hashlib would load OpenSSL first, a few milliseconds of every run
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - Pythons without the built-in module
    from hashlib import blake2b as _blake2b

VERSION = 1
MAX_ENTRIES = 20_000


def cache_path() -> Path | None:
    configured = os.environ.get("ESCORE_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured) / "toml-v1.marshal"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # no home directory: no cache rather than a "~" folder here
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "escore" / "toml-v1.marshal"


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


_DECODE = {"d": Decimal, "dt": _dt.datetime.fromisoformat, "t": _dt.date.fromisoformat, "tm": _dt.time.fromisoformat}


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
            if self.path is not None:
                try:
                    data = marshal.loads(self.path.read_bytes())
                    if isinstance(data, tuple) and len(data) == 2 and data[0] == VERSION and isinstance(data[1], dict):
                        self.entries = data[1]
                except (OSError, EOFError, ValueError, TypeError):
                    pass  # no cache, or one we cannot read: parse everything
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
            except (KeyError, IndexError, TypeError, ValueError):
                pass
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
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".toml-cache.", dir=self.path.parent)
            with os.fdopen(handle, "wb") as stream:
                stream.write(marshal.dumps((VERSION, entries)))
            os.replace(temporary, self.path)
        except (OSError, ValueError):
            pass  # a cache we cannot write costs speed, never correctness
        self.dirty = False


@functools.cache
def shared() -> TomlCache:
    """The process-wide cache (created on first use, not at import)."""
    return TomlCache(cache_path())


# --------------------------------------------------------------------------- checked evidence sets

EVIDENCE_VERSION = 1
MAX_EVIDENCE_FILES = 64


def _cache_dir() -> Path | None:
    path = cache_path()
    return None if path is None else path.parent


def evidence_key(paths: Any, plan: Any, unit_codes: Any, known_codes: Any, sub_codes: Any, loaders: Any) -> str | None:
    """A digest of everything a checked evidence set depends on, or ``None`` when it cannot be cached."""
    if _cache_dir() is None:
        return None
    from ._builtin_loaders import read_csv, read_unit_toml
    from ._columnar import read_parquet
    from ._version import __version__

    builtin = ((".toml", read_unit_toml), (".csv", read_csv), (".parquet", read_parquet), (".arrow", read_parquet))
    if any((loader.suffix, loader.read) not in builtin for loader in loaders.values()):
        return None
    digest = _blake2b(digest_size=20)

    def feed(*parts: Any) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    feed(EVIDENCE_VERSION, __version__, plan.ruleset.name, plan.category.key)
    feed([(f.key, f.type, f.min, f.max, f.choices, f.optional) for f in plan.fields])
    feed([(t.name, t.rollup, [(c.name, c.type, c.min, c.max, c.choices, c.required) for c in t.columns]) for t in plan.tables])
    feed(sorted(d.field.key for d in plan.fixtures.values() if d.field is not None))
    feed(sorted(d.table.name for d in plan.fixtures.values() if d.table is not None))
    feed(unit_codes, known_codes, sub_codes)
    try:
        for root in paths:
            feed(str(root))
            if root.is_file():
                feed(root.read_bytes())
                continue
            if not root.is_dir():
                return None  # let the loader report it
            feed(sorted(entry.name for entry in root.iterdir()))
            for sub in (root / "units", root / "fields", root / "monitoring"):
                if sub.is_dir():
                    for path in sorted(sub.iterdir()):
                        feed(path.name, path.read_bytes() if path.is_file() else b"")
            manifest = root / "escore-evidence.toml"
            if manifest.is_file():
                feed(manifest.read_bytes())
    except OSError:
        return None
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


def save_evidence_set(key: str, evidence: Any) -> None:
    """Keep a checked evidence set; any problem only costs the next run its speed."""
    directory = _cache_dir()
    if directory is None:
        return
    try:
        data = (
            EVIDENCE_VERSION,
            {code: {name: _enc(v) for name, v in fields.items()} for code, fields in evidence.values.items()},
            {
                name: {code: [[row[0], row[1], *map(_enc, row[2:])] for row in rows] for code, rows in by_unit.items()}
                for name, by_unit in evidence.tables.items()
            },
            dict(evidence.files),
            evidence.synthetic,
            list(evidence.notes),
            list(evidence.sources),
        )
        import tempfile

        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".evidence.", dir=directory)
        with os.fdopen(handle, "wb") as stream:
            stream.write(marshal.dumps(data))
        os.replace(temporary, directory / f"evidence-{key}.marshal")
        kept = sorted(directory.glob("evidence-*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[MAX_EVIDENCE_FILES:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError, TypeError):
        pass


def load_evidence_set(key: str, plan: Any) -> Any:
    """The checked evidence set saved under ``key``, or ``None``."""
    directory = _cache_dir()
    if directory is None:
        return None
    try:
        data = marshal.loads((directory / f"evidence-{key}.marshal").read_bytes())
        version, values, tables, files, synthetic, notes, sources = data
        if version != EVIDENCE_VERSION:
            return None
        from ._load import EvidenceSet

        row_types = {t.name: t.row_type for t in plan.tables}
        return EvidenceSet(
            {code: {name: _dec(v) for name, v in fields.items()} for code, fields in values.items()},
            {
                name: {code: tuple(row_types[name](row[0], row[1], *map(_dec, row[2:])) for row in rows) for code, rows in by_unit.items()}
                for name, by_unit in tables.items()
            },
            files,
            synthetic,
            tuple(notes),
            tuple(sources),
        )
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):
        return None
