"""The field values of every unit of a run, kept compactly: one tuple per unit.

A unit's fields as a dictionary cost about 24 bytes per field (hash, key, value) plus its
table; 100,000 county units held 1.5 KB of dictionary each while they were scored. Here a
unit's values are one tuple, its values in their order followed by its tuple of names, which
is shared by every unit that has the same names (8 bytes per field). Reading a unit gives a
fresh ``dict``, equal to the one the loader filled and in its order, so every reader (the
engine's getters, the checks, the cache) sees what it always saw.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

#: A unit without any value.
_NOTHING: tuple[Any, ...] = ((),)


class FieldValues(Mapping[str, dict[str, Any]]):
    """unit code → that unit's values (fixture name → value).

    While evidence is loaded, :meth:`writable` hands a loader a unit's live dictionary and
    :meth:`pack` folds it back into a tuple; once loaded, every unit is packed and reading
    one builds its dictionary anew (a reader may keep or change it: the set is not touched).
    """

    __slots__ = ("_names", "_units")

    def __init__(self, codes: Iterable[str] = ()) -> None:
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per distinct set of names
        self._units: dict[str, dict[str, Any] | tuple[Any, ...]] = dict.fromkeys(codes, _NOTHING)

    @staticmethod
    def _unpack(packed: tuple[Any, ...]) -> dict[str, Any]:
        # zip stops at the names, the last item: C-level, no loop in Python.
        return dict(zip(packed[-1], packed))

    def writable(self, code: str) -> dict[str, Any]:
        """The live dictionary of ``code`` (a new unit starts empty), for a loader to fill."""
        held = self._units.get(code, _NOTHING)
        if held.__class__ is dict:
            return held
        values = self._unpack(held)  # type: ignore[arg-type]
        self._units[code] = values
        return values

    def put(self, code: str, values: Mapping[str, Any]) -> None:
        """Set the values of ``code``, packed."""
        self._units[code] = self._packed(values)

    def pack(self, code: str) -> None:
        """Fold the live dictionary of ``code`` into its tuple."""
        held = self._units[code]
        if held.__class__ is dict:
            self._units[code] = self._packed(held)

    def _packed(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        if not values:
            return _NOTHING
        names = tuple(values)
        return (*values.values(), self._names.setdefault(names, names))

    def pack_all(self) -> None:
        for code in self._units:
            self.pack(code)

    def __getitem__(self, code: str) -> dict[str, Any]:
        held = self._units[code]
        if held.__class__ is dict:
            return held
        return self._unpack(held)  # type: ignore[arg-type]

    def get(self, code: str, default: Any = None) -> Any:
        held = self._units.get(code)
        if held is None:
            return default
        if held.__class__ is dict:
            return held
        return self._unpack(held)  # type: ignore[arg-type]

    def columns(self, codes: Sequence[str], names: Sequence[str], absent: Any) -> tuple[list[list[Any]], dict[str, list[int]]] | None:
        """A column per name, a row per code, read from the tuples without a dict per unit.

        ``absent`` stands where a unit has no such value; the second item lists those rows by
        name. ``None`` while a unit is still a live dict (a loader is filling it).
        """
        held = [self._units.get(code, _NOTHING) for code in codes]
        if not held or not names:
            return [[] for _ in names], {}
        if dict in set(map(type, held)):
            return None
        packed_units = cast(list[tuple[Any, ...]], held)  # every unit packed (checked just above)
        # One C-level getter per distinct tuple of names (units of one kind share it); a name
        # the tuple lacks reads index -1, the names tuple itself, replaced below.
        kinds = [id(packed[-1]) for packed in packed_units]
        getters: dict[int, Any] = {}
        lacks: dict[int, list[int]] = {}  # kind → positions in ``names`` it lacks
        for packed in packed_units:
            kind = id(packed[-1])
            if kind in getters:
                continue
            where = {name: i for i, name in enumerate(packed[-1])}
            indices = [where.get(name, -1) for name in names]
            # Two indices at least, so that the getter gives a tuple: the extra one is dropped.
            getters[kind] = operator.itemgetter(*indices, -1)
            lacks[kind] = [k for k, i in enumerate(indices) if i < 0]
        columns = [list(column) for column in zip(*[getters[kind](packed) for kind, packed in zip(kinds, packed_units)])][: len(names)]
        lacking: dict[str, list[int]] = {}
        for kind, missing in lacks.items():
            if not missing:
                continue
            rows = [r for r, k in enumerate(kinds) if k == kind]
            for k in missing:
                column = columns[k]
                for r in rows:
                    column[r] = absent
                lacking.setdefault(names[k], []).extend(rows)
        return columns, lacking

    def groups(self, codes: Sequence[str]) -> list[tuple[tuple[str, ...], list[str], list[tuple[Any, ...]]]]:
        """``codes`` grouped by their names, in order of first appearance: ``(names, codes, the
        value tuples of those codes)``, the form the evidence cache stores a column at a time."""
        out: dict[int, tuple[tuple[str, ...], list[str], list[tuple[Any, ...]]]] = {}
        for code in codes:
            held = self._units[code]
            packed = self._packed(held) if isinstance(held, dict) else held
            names = packed[-1]
            group = out.get(id(names))
            if group is None:
                group = out[id(names)] = (names, [], [])
            group[1].append(code)
            group[2].append(packed[:-1])
        return list(out.values())

    def reserve(self, codes: Iterable[str]) -> None:
        """Add ``codes`` without values, in this order (rows put later keep it)."""
        self._units.update(dict.fromkeys(codes, _NOTHING))

    def put_rows(self, names: tuple[str, ...], codes: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Set the values of each code to its row (its values in the order of ``names``)."""
        if not names:
            for code in codes:
                self._units[code] = _NOTHING
            return
        tail = (self._names.setdefault(names, names),)
        units = self._units
        for code, row in zip(codes, rows):
            units[code] = row + tail

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def __iter__(self) -> Iterator[str]:
        return iter(self._units)

    def __len__(self) -> int:
        return len(self._units)

    def __repr__(self) -> str:
        return f"FieldValues({len(self._units)} units)"
