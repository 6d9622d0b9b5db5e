"""JSON text indented as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, faster.

With ``indent`` set, the standard library leaves its C encoder for a pure-Python
generator that yields every token separately; a run's JSON spends most of its
writing time there (about 100 values per indicator line of every unit). This
writer makes the same text from the C string escaper and one join per list of
strings. It covers what escore writes (``dict`` with ``str`` keys, ``list``,
``tuple``, ``str``, ``int``, ``bool``, ``None``, finite ``float``); anything else
is handed to :func:`json.dumps`, so the text is always the standard library's.
``test_jsontext`` checks byte equality on generated values and on every sample run.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C escaper where available; ensure_ascii=False
from typing import Any

#: A key's text and its colon, made once per distinct key: a run's JSON repeats a few dozen
#: keys (code, points, status, …) in every line of every unit.
_KEYS: dict[str, str] = {}
_MOST_KEYS = 4096


class _Unusual(Exception):
    """A value this writer does not cover: the standard library writes it."""


def indented(value: Any, newline: str = "\n") -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` would write it, with
    every line break followed by ``newline[1:]`` (the indentation of where it is nested)."""
    try:
        return _text(value, newline)
    except _Unusual:
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline)


def _text(value: Any, newline: str) -> str:
    kind = value.__class__
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        items = []
        for key, item in value.items():
            head = _KEYS.get(key)
            if head is None:
                if key.__class__ is not str:
                    raise _Unusual
                head = encode_basestring(key) + ": "
                if len(_KEYS) < _MOST_KEYS:  # never a cache of every unit code, say
                    _KEYS[key] = head
            # A string value, the most common, without a call of its own.
            items.append(head + (encode_basestring(item) if item.__class__ is str else _text(item, inner)))
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        if value[0].__class__ is str:  # explanation lines: the C escaper refuses anything but text
            try:
                return "[" + inner + ("," + inner).join(map(encode_basestring, value)) + newline + "]"
            except TypeError:
                pass
        return "[" + inner + ("," + inner).join([_text(item, inner) for item in value]) + newline + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0:  # finite: json writes repr(); NaN and infinities differ
        return float.__repr__(value)
    raise _Unusual
