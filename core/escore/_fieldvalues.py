"""The field values of every unit of a run, kept compactly: one tuple per unit.

A unit's fields as a dictionary cost about 24 bytes per field (hash, key, value) plus its
table; 100,000 county units held 1.5 KB of dictionary each while they were scored. Here a
unit's values are a tuple over the plan's field names (8 bytes per field), and every unit
without any value shares one tuple. Reading a unit gives a fresh ``dict`` of the values it
has, so every reader (the engine's getters, the checks, the cache) sees what it always saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import compress, repeat
from operator import is_not
from typing import Any

#: Marks a field the unit has no value for; never leaves this module.
_ABSENT: Any = object()


def field_names(plan: Any) -> tuple[str, ...]:
    """The fixture names of the fields a plan reads, in one fixed order (a unit's tuple's)."""
    return tuple(sorted({f.fixture_name for f in plan.fields}))


class FieldValues(Mapping[str, dict[str, Any]]):
    """unit code → that unit's values (fixture name → value).

    While evidence is loaded, :meth:`writable` hands a loader a unit's live dictionary and
    :meth:`pack` folds it back into a tuple; once loaded, every unit is packed and reading
    one builds its dictionary anew (a reader may keep or change it: the set is not touched).
    """

    __slots__ = ("_empty", "_known", "_names", "_units")

    def __init__(self, names: Iterable[str], codes: Iterable[str] = ()) -> None:
        self._names = tuple(names)
        self._known = frozenset(self._names)
        self._empty = (_ABSENT,) * len(self._names)
        self._units: dict[str, dict[str, Any] | tuple[Any, ...]] = dict.fromkeys(codes, self._empty)

    def _unpack(self, packed: tuple[Any, ...]) -> dict[str, Any]:
        if packed is self._empty:
            return {}
        # C-level: the (name, value) pairs whose value is not the absent mark.
        return dict(compress(zip(self._names, packed), map(is_not, packed, repeat(_ABSENT))))

    def writable(self, code: str) -> dict[str, Any]:
        """The live dictionary of ``code`` (a new unit starts empty), for a loader to fill."""
        held = self._units.get(code, self._empty)
        if held.__class__ is dict:
            return held  # type: ignore[return-value]
        values = self._unpack(held)  # type: ignore[arg-type]
        self._units[code] = values
        return values

    def put(self, code: str, values: Mapping[str, Any]) -> None:
        """Set the values of ``code`` and pack them."""
        self._units[code] = dict(values)
        self.pack(code)

    def pack(self, code: str) -> None:
        """Fold the live dictionary of ``code`` into its tuple (a key outside the plan's fields keeps the dictionary)."""
        held = self._units[code]
        if held.__class__ is not dict or not held.keys() <= self._known:
            return
        if not held:
            self._units[code] = self._empty
            return
        get = held.get  # type: ignore[union-attr]
        self._units[code] = tuple([get(name, _ABSENT) for name in self._names])

    def pack_all(self) -> None:
        for code in self._units:
            self.pack(code)

    def __getitem__(self, code: str) -> dict[str, Any]:
        held = self._units[code]
        if held.__class__ is dict:
            return held  # type: ignore[return-value]
        return self._unpack(held)  # type: ignore[arg-type]

    def get(self, code: str, default: Any = None) -> Any:  # type: ignore[override]
        held = self._units.get(code)
        if held is None:
            return default
        if held.__class__ is dict:
            return held
        return self._unpack(held)  # type: ignore[arg-type]

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def __iter__(self) -> Iterator[str]:
        return iter(self._units)

    def __len__(self) -> int:
        return len(self._units)

    def __repr__(self) -> str:
        return f"FieldValues({len(self._units)} units, {len(self._names)} fields)"
