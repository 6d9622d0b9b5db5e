"""escore's frozen value classes: ``attrs.frozen``, with one ``__repr__`` for all of them.

attrs writes and compiles a ``__repr__`` for each class it builds, about a third of the cost
of building the class. escore builds some forty at import, so that was about 6% of a run on
a 131-unit table (callgrind: 33 M of 613 M instructions). :func:`value_repr` reads the fields
when it is called and gives the text attrs would: ``Name(field=repr(value), ...)``, the
fields shown in their order, a field's own ``repr=`` callable used, ``repr=False`` ones left
out, and ``...`` for an object met again inside its own repr.
"""

from __future__ import annotations

import reprlib
from typing import Any, TypeVar

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


def frozen(cls: C) -> C:
    """``attrs.frozen(cls)`` (slots, immutable, compared and hashed by value) with :func:`value_repr`."""
    built = attrs.frozen(cls, repr=False)
    built.__repr__ = value_repr
    return built
