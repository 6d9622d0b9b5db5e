"""The evidence of a run's units, typed and checked: what the loaders make, the cache keeps and the engine reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

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
    #: Each table's last line over the whole set, as the cached set keeps it, for a share of it
    #: decoded for some units (and its :meth:`part`): a row an appeal or a what-if adds is numbered
    #: after it, as in a run of every unit (empty: not known beyond the rows held).
    #: Not part of what the set is (a set decoded from the cache equals one parsed), so left out
    #: of equality and repr.
    last_lines: Mapping[str, int] = attrs.field(factory=dict, eq=False, repr=False)

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
        return EvidenceSet(values, tables, self.files, self.synthetic, self.notes, self.sources, self.warnings, self.last_lines)


def table_last_lines(tables: Mapping[str, Mapping[str, Sequence[Any]]]) -> dict[str, int]:
    """Each table's greatest line number among its rows (a workbook's rows are numbered too)."""
    found: dict[str, int] = {}
    for name, by_unit in tables.items():
        last_line = getattr(by_unit, "last_line", None)
        if last_line is not None:
            last = last_line()
        else:
            last = max((row.line for rows in by_unit.values() for row in rows if row.line.__class__ is int), default=0)
        if last:
            found[name] = last
    return found
