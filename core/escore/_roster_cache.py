"""The cache of units tables read (``--roster FILE``): each table checked once per content.

Reading and checking a units table of 100,000 rows (CSV parsing, each column's checks) took
0.3-0.5 s of a run before any unit was scored, again at every run on the same table. What the
read gives, the units' codes, names, parents and attributes in the file's order, is kept in the
user's cache directory (:mod:`escore._cache`), one file per table, named by the SHA-256 of the
table's bytes, the ruleset and the category, per build of the core, and sealed by it. A table
whose bytes change is read again. Only tables that escore's own CSV reader read without a
warning are kept (a warning must show at every run). Any problem with the cache (unreadable,
corrupt, unwritable) makes escore read the table as if there were none.

Attribute mappings that units share (equal attribute values: one mapping, as the read makes
them) stay shared: ``marshal`` writes an object met again as a reference to the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _cache

VERSION = 1
#: Units tables kept, the most recently used first.
MAX_FILES = 8

#: What a read gives: codes, names, parents (``None`` for none) and each unit's attributes.
Columns = tuple[list[str], list[str], list[Any], list[dict[str, Any]]]


def entry_path(digest: bytes, ruleset: str, category: str, attributes: Sequence[str] = ()) -> Path | None:
    """Where the read of a table whose bytes have ``digest`` is kept, or ``None`` when the cache is off.
    ``attributes``: the columns the category's variants are picked by, which the read checks the header for."""
    directory = _cache.cache_dir()
    if directory is None:
        return None
    key = _cache.blake2b(
        repr((VERSION, ruleset, category, tuple(attributes), digest, _cache.core_digest())).encode(), digest_size=16
    ).hexdigest()
    return directory / f"units-v{VERSION}-{key}.marshal"


def load(path: Path) -> Columns | None:
    """The columns kept at ``path``, or ``None`` (none kept, another build's, anything doubtful)."""
    data = _cache.read_marshal(path)
    try:
        version, codes, names, parents, attributes = data
        if version != VERSION or not len(codes) == len(names) == len(parents) == len(attributes):
            return None
    except (TypeError, ValueError):  # not the five columns of this version
        return None
    return codes, names, parents, attributes


def save(path: Path, columns: Columns) -> None:
    """Keep ``columns`` at ``path`` (at most :data:`MAX_FILES` tables)."""
    _cache.write_marshal(path, (VERSION, *columns), ".units-cache.", "units-v*.marshal", MAX_FILES)
