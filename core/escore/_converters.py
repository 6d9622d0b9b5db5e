"""Field converters shared by the attrs classes.

attrs reads each converter's signature to annotate the generated ``__init__``. For a
builtin such as ``tuple`` that means ``inspect.signature`` parsing its text signature,
which on first use compiles the tokenizer's regular expressions: 13 ms of every command's
start-up under the profiler. A Python function's signature is read from its code object instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def as_tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    """The items as a tuple (typed loosely: a type checker reads a field's type from its annotation)."""
    return tuple(items)
