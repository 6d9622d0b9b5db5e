"""A cache of parsed TOML evidence files, keyed by their content.

Parsing TOML is the largest cost of a run on a few hundred unit files (tomllib is
pure Python). Parsed files are kept in one ``marshal`` file in the user's cache
directory, keyed by a digest of each file's bytes, so a changed file is parsed
again and an unchanged one is not. ``marshal`` holds plain data only; decimals and
dates are stored as tagged tuples (TOML itself never produces tuples). Any
problem with the cache (unreadable, corrupt, unwritable) makes escore parse the
files as if there were none.

Location: ``$ESCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/escore``, else
``~/.cache/escore``; ``ESCORE_CACHE_DIR=off`` disables it.
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
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
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
