"""Marks and parametrize, in the manner of pytest.

``@mark.NAME`` attaches a :class:`Mark` to an indicator function; ``-m EXPR``
selects indicators by their marks. ``@mark.parametrize`` turns one function into
several indicators, each with its own code, title and maximum if given through
:func:`param`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

import attrs

from ._frozen import frozen

F = TypeVar("F", bound=Callable[..., Any])

MARKS_ATTRIBUTE = "__escore_marks__"


@frozen
class Mark:
    """A named mark with optional arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = attrs.field(factory=dict)


@frozen
class MarkDecorator:
    """Applies its :class:`Mark` to a function; call it with arguments to make a new one."""

    mark: Mark

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            func = args[0]
            marks = list(getattr(func, MARKS_ATTRIBUTE, ()))
            marks.append(self.mark)
            setattr(func, MARKS_ATTRIBUTE, marks)
            return func
        return MarkDecorator(Mark(self.mark.name, self.mark.args + args, {**self.mark.kwargs, **kwargs}))


class ParameterSet(NamedTuple):
    """One set of arguments of a parametrized indicator, with optional overrides."""

    values: tuple[Any, ...]
    id: str | None = None
    code: str | None = None
    title: str | None = None
    max: Any = None
    source: Any = None
    marks: tuple[Mark, ...] = ()


def param(
    *values: Any,
    id: str | None = None,
    code: str | None = None,
    title: str | None = None,
    max: Any = None,
    source: Any = None,
    marks: Sequence[MarkDecorator] = (),
) -> ParameterSet:
    """One parameter set; ``code``/``title``/``max``/``source`` override the indicator's (``max`` and
    ``source`` may be mappings by unit category, as the indicator's)."""
    return ParameterSet(values, id, code, title, max, source, tuple(m.mark for m in marks))


class Parametrization(NamedTuple):
    """The argument names and parameter sets of one ``@mark.parametrize``."""

    argnames: tuple[str, ...]
    sets: tuple[ParameterSet, ...]


def _parametrize(argnames: str | Sequence[str], argvalues: Sequence[Any], ids: Sequence[str] | None = None) -> MarkDecorator:
    names = tuple(n.strip() for n in argnames.split(",")) if isinstance(argnames, str) else tuple(argnames)
    sets: list[ParameterSet] = []
    for index, value in enumerate(argvalues):
        if not isinstance(value, ParameterSet):
            value = ParameterSet(value if len(names) > 1 else (value,))
        if len(value.values) != len(names):
            raise ValueError(f"parametrize: {names} needs {len(names)} values per set, got {value.values!r}")
        if value.id is None:
            value = value._replace(id=ids[index] if ids else str(index))
        sets.append(value)
    return MarkDecorator(Mark("parametrize", (Parametrization(names, tuple(sets)),)))


class MarkGenerator:
    """``mark.NAME`` makes a mark decorator; ``mark.parametrize`` expands an indicator."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "parametrize":
            return _parametrize
        return MarkDecorator(Mark(name))


mark = MarkGenerator()


def marks_of(func: Callable[..., Any]) -> tuple[Mark, ...]:
    """The marks attached to a function, innermost first."""
    return tuple(getattr(func, MARKS_ATTRIBUTE, ()))
