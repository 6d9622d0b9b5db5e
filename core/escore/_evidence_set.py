"""The evidence of a run's units, typed and checked: what the loaders make, the cache keeps and the engine reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._frozen import frozen


@frozen
class EvidenceSet:
    """Typed evidence of the units of one run."""

    values: Mapping[str, dict[str, Any]]  # unit code → fixture name → value
    tables: Mapping[str, Mapping[str, tuple[Any, ...]]]  # table name → unit code → rows
    files: Mapping[str, str]  # unit code → where its fields came from
    synthetic: bool
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # shown on every run that uses the set, cached or not
