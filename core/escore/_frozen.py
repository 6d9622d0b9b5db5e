"""escore's frozen value classes: ``attrs.frozen``, without a compiled repr, eq and hash per class.

attrs writes the source of ``__repr__``, ``__eq__`` and ``__hash__`` for each class it builds
and compiles it: about half the cost of building the class. escore builds some forty at
import, so that was about 8% of a run on a 131-unit table (callgrind: about 50 M of 614 M
instructions). Here the same methods are made from the class's fields without compiling:

* :func:`value_repr` gives the text attrs would: ``Name(field=repr(value), ...)``, the fields
  in their order, a field's own ``repr=`` callable used, ``repr=False`` ones left out, and
  ``...`` for an object met again inside its own repr;
* equality is attrs's: only an object of the very same class is compared, as the tuple of
  its fields that take part (``eq=False`` ones do not); the hash is that of the same tuple,
  so equal objects hash equal and the class stays usable as a key or in a set.
"""

from __future__ import annotations

import operator
import reprlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

C = TypeVar("C", bound=type)


@reprlib.recursive_repr()
def value_repr(self: Any) -> str:
    cls = self.__class__
    shown = ", ".join(
        f"{field.name}={(repr if field.repr is True else field.repr)(getattr(self, field.name, attrs.NOTHING))}"
        for field in cls.__attrs_attrs__
        if field.repr is not False
    )
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({shown})"


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of the named attributes of an object (always a tuple, as attrs compares)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def _frozen(cls: C) -> C:
    """``attrs.frozen(cls)``: slots, immutable, compared and hashed by value, shown by :func:`value_repr`."""
    built: Any = attrs.frozen(cls, repr=False, eq=False)  # its methods are set below
    values = _values_of(tuple(field.name for field in built.__attrs_attrs__ if field.eq))
    # A field's hash= mirrors its eq= unless it is given (attrs's rule).
    hashed = _values_of(tuple(field.name for field in built.__attrs_attrs__ if (field.eq if field.hash is None else field.hash)))
    salt = hash(built.__qualname__)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return values(self) == values(other)

    def __hash__(self: Any) -> int:
        return hash((salt, *hashed(self)))

    # A method the class writes itself is kept, as attrs keeps it (its auto_detect).
    own = cls.__dict__
    if "__repr__" not in own:
        built.__repr__ = value_repr
    if "__eq__" not in own:
        built.__eq__ = __eq__
        if "__hash__" not in own:
            built.__hash__ = __hash__
    return built


if TYPE_CHECKING:  # a type checker reads these classes as attrs.frozen ones, fields, converters and all
    from attrs import frozen
else:
    frozen = _frozen
