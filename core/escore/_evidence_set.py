"""The evidence of a run's units, typed and checked: what the loaders make, the cache keeps and the engine reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

    def part(self, codes: Sequence[str], children: Mapping[str, Sequence[Any]]) -> EvidenceSet:
        """Exactly what a read of the units ``codes`` gives: their values, and their and their
        sub-units' (``children``: code → sub-units) rows; the rest of the set as it is."""
        from ._fieldvalues import FieldValues

        with_rows = [*codes, *(child.code for code in codes for child in children.get(code, ()))]
        values = FieldValues()
        values.reserve(code for code in codes if code in self.values)
        for code in values:
            values.put(code, self.values[code])
        tables = {name: {code: by_unit[code] for code in with_rows if code in by_unit} for name, by_unit in self.tables.items()}
        return EvidenceSet(values, tables, self.files, self.synthetic, self.notes, self.sources, self.warnings)
