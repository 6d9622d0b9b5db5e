"""An indicator's form over columns: its points for a block of units at once.

The column pass (:mod:`escore._batch`) calls a pack's functions once per distinct set of
arguments; where every unit's arguments differ (its own monitoring rows), that is a fixture
call, a tuple of items and a rule call per unit. A pack may give such an indicator a second
form, over the columns of what its fixtures read (the monitoring tables as columns of cells,
:class:`TableColumns`, and the fields as a value per unit): it returns the points of every
unit, or ``None`` for a unit it leaves to the scalar engine. The scalar function stays the
reference, and the only one that explains: a form is used by the column pass alone, which
keeps points, and a pack's test checks that both forms give the same points.

A form is used only while the plan computes what it stands for (:func:`usable_form`): every
fixture it names is the plan's fixture of that name (a later year that redefines one scores
with its own), every name it reads is a field, a table or a parameter of the plan, and the indicator and
those fixtures read nothing else. A unit whose evidence lacks one of those names, a form that
raises or gives anything but points within the indicator's maximum: the column pass then
scores those units as if the form were not there.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute :func:`column_form` sets on the indicator function.
COLUMN_FORM_ATTRIBUTE = "__escore_column_form__"


class ColumnForm(NamedTuple):
    """An indicator's form over columns (:func:`column_form`)."""

    func: Callable[..., Any]
    reads: tuple[str, ...]
    stands_for: tuple[Callable[..., Any], ...]


def column_form(indicator: Callable[..., Any], *, reads: Sequence[str], stands_for: Sequence[Callable[..., Any]] = ()) -> Callable[[F], F]:
    """Declare the decorated function the form over columns of ``indicator`` (an ``@indicator``
    function of the same pack).

    The form is called with one argument per name of ``reads``, in order: a field's or a
    parameter's value for each unit (a list), or a table's rows of those units as columns
    (:class:`TableColumns`).
    It returns a list with, for each unit, exactly the points ``indicator`` scores for it
    (``indicator(...).points``), or ``None`` where the scalar function is to settle the unit.
    ``stands_for``: the fixture functions whose values the form does without (the indicator's
    arguments, and the fixtures those read in turn); their own arguments must be among
    ``reads``.
    """

    def decorate(form: F) -> F:
        setattr(indicator, COLUMN_FORM_ATTRIBUTE, ColumnForm(form, tuple(reads), tuple(stands_for)))
        return form

    return decorate


def usable_form(func: Callable[..., Any], argnames: Sequence[str], fixtures: Mapping[str, Any]) -> ColumnForm | None:
    """The column form of the indicator ``func`` (reading ``argnames``) when the plan's
    ``fixtures`` compute what it stands for (see the module's text), else ``None``."""
    form: ColumnForm | None = getattr(func, COLUMN_FORM_ATTRIBUTE, None)
    if form is None:
        return None
    from ._evidence import FIXTURE_ATTRIBUTE

    names = set()
    for stood in form.stands_for:
        decl = getattr(stood, FIXTURE_ATTRIBUTE, None)
        if decl is None:
            return None
        found = fixtures.get(decl.name)
        if found is None or found.kind != "function" or found.func is not stood:
            return None
        names.add(decl.name)
    for name in form.reads:
        found = fixtures.get(name)
        if found is None or found.kind not in ("field", "table", "parameter"):
            return None
    known = names.union(form.reads)
    if not known.issuperset(argnames):
        return None
    for name in names:
        if not known.issuperset(fixtures[name].argnames):
            return None
    return form


class TableColumns:
    """A monitoring table's rows of a column of units, as columns of cells: the rows of the
    first unit, then those of the second, and so on, ``counts[i]`` rows for the ``i``-th unit.

    ``table["terminal"]`` is the ``terminal`` cell of every row, in that order (the row's
    ``line`` too; its ``unit`` is the unit's: :meth:`unit_of_rows`). No row object is made.
    The forms of a block that read a table at the same units get the same object: a form
    reads its lists, never changes them.
    """

    __slots__ = ("_cells", "_index", "counts")

    def __init__(self, counts: list[int], fields: Sequence[str], cells: Sequence[list[Any]]) -> None:
        """``fields``: the name of each column of ``cells`` (``line`` and the table's columns)."""
        self.counts = counts
        self._index = {name: i for i, name in enumerate(fields)}
        self._cells = cells

    @classmethod
    def of_rows(cls, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> TableColumns:
        """From each unit's rows (a tuple of rows per unit), ``fields`` the rows' own (``unit``,
        ``line``, then the table's columns)."""
        by_unit = list(rows)
        counts = list(map(len, by_unit))
        cells = list(map(list, zip(*itertools.chain.from_iterable(by_unit))))
        return cls(counts, fields[1:], cells[1:] if cells else [[] for _ in fields[1:]])

    def __getitem__(self, name: str) -> list[Any]:
        return self._cells[self._index[name]]

    def __len__(self) -> int:
        """The number of units."""
        return len(self.counts)

    def per_unit(self, values: Iterable[Any]) -> list[Any]:
        """The sum of ``values`` (one per row, in the rows' order) over each unit's rows: for
        flags, how many of its rows have them."""
        rows = iter(values)
        return list(map(sum, map(itertools.islice, itertools.repeat(rows), self.counts)))

    def unit_of_rows(self) -> list[int]:
        """Each row's unit, as its position among the units."""
        return list(itertools.chain.from_iterable(map(itertools.repeat, range(len(self.counts)), self.counts)))
