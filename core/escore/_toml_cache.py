"""The cache of parsed TOML files.

Parsing TOML is the largest cost of a run on a few hundred unit files (tomllib is pure
Python). Parsed files are kept in one ``marshal`` file per build of the core in the user's
cache directory (:mod:`escore._cache`), keyed by a digest of each file's bytes, so a changed
file is parsed again and an unchanged one is not. ``marshal`` holds plain data only; decimals
and dates are stored as tagged tuples (TOML itself never produces tuples). Any problem with the
cache (unreadable, corrupt, unwritable) makes escore parse the files as if there were none.

Each document is kept as its own ``marshal`` bytes inside the file, and only the documents a
run asks for are decoded. The file holds every document the build has parsed (the samples'
unit files, say), while most runs read only the packs' rosters: decoding the whole file cost
such a run 6% of its instructions.

The location, the seal and the digest of the core's code are :mod:`escore._cache`'s, read
through the module (``_cache.core_digest()``), so that a build is named and sealed by one
function wherever it is asked.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import functools
import marshal
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _cache

VERSION = 3
MAX_ENTRIES = 20_000
#: Parsed-TOML caches kept, one per build of the core, the most recently used first.
MAX_TOML_FILES = 4


def cache_path() -> Path | None:
    """The parsed-TOML cache of this build of the core, or ``None`` when the cache is off.

    One file per build: two escore versions sharing a cache directory (two environments, or a
    benchmark that alternates them) would otherwise void each other's entries at every turn,
    since a file sealed by another core is not used.
    """
    directory = _cache.cache_dir()
    return None if directory is None else directory / f"toml-v{VERSION}-{_cache.core_digest().hex()}.marshal"


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
    """Parsed documents by digest of their bytes, each as the ``marshal`` bytes of its encoded
    form; loaded on first use, saved at exit if changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[bytes, bytes] | None = None
        self.dirty = False

    def _load(self) -> dict[bytes, bytes]:
        if self.entries is None:
            self.entries = {}
            data = _cache.read_marshal(self.path) if self.path is not None else None
            if isinstance(data, tuple) and len(data) == 2 and data[0] == VERSION and isinstance(data[1], dict):
                self.entries = data[1]  # else no cache, or one we cannot read: parse everything
        return self.entries

    def parse(self, raw: bytes, parse: Any) -> Any:
        """``parse(raw)`` unless a document with these bytes was parsed before."""
        if self.path is None:
            return parse(raw)
        digest = _cache.blake2b(raw, digest_size=16).digest()
        entries = self._load()
        found = entries.get(digest)
        if found is not None:
            try:
                return _decode(marshal.loads(found))
            except Exception:
                pass  # an entry we cannot decode: parse the file
        document = parse(raw)
        entries[digest] = marshal.dumps(_encode(document))
        if not self.dirty:
            self.dirty = True
            atexit.register(self.save)
        return document

    def forget(self) -> None:
        """Save nothing at exit: what this process parsed is not written back (``escore cache``,
        which reads the packs to speak their language, had filled a cache it had just emptied)."""
        self.dirty = False

    def save(self) -> None:
        if not self.dirty or self.path is None or self.entries is None:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:  # keep the newest: dicts remember insertion order
            entries = dict(list(entries.items())[-MAX_ENTRIES:])
        # At exit, silently: a refused directory is said once, by the evidence cache (escore._evidence_cache).
        _cache.write_marshal(self.path, (VERSION, entries), ".toml-cache.", "toml-v*.marshal", MAX_TOML_FILES, report=False)
        self.dirty = False


@functools.cache
def shared() -> TomlCache:
    """The process-wide cache (created on first use, not at import)."""
    return TomlCache(cache_path())
