"""The ``-k``/``-m`` selection language: identifiers joined by ``and``, ``or``, ``not`` and parentheses.

Grammar (the same as pytest's)::

    expression := expr? EOF
    expr       := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | '(' expr ')' | ident

Errors name the column (1-based) and what was expected there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from ._errors import UsageError

_IDENT = re.compile(r"(:?\w|:|\+|-|\.|\[|\]|\\|/)+")


class _Token(NamedTuple):
    kind: str  # "(", ")", "and", "or", "not", "ident", "eof"
    value: str
    column: int


def _tokens(text: str) -> Iterator[_Token]:
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char in "()":
            yield _Token(char, char, pos + 1)
            pos += 1
        else:
            match = _IDENT.match(text, pos)
            if not match:
                raise ExpressionError(text, pos + 1, f'unexpected character "{char}"')
            word = match.group(0)
            yield _Token(word if word in ("and", "or", "not") else "ident", word, pos + 1)
            pos = match.end()
    yield _Token("eof", "", len(text) + 1)


class ExpressionError(UsageError):
    """A ``-k``/``-m`` expression that does not parse."""

    def __init__(self, text: str, column: int, message: str) -> None:
        self.column = column
        super().__init__(f"wrong expression {text!r} at column {column}: {message}")


Matcher = Callable[[str], bool]
_Node = Callable[[Matcher], bool]


class Expression:
    """A compiled selection expression; ``evaluate(matcher)`` asks ``matcher`` about each identifier."""

    def __init__(self, text: str, tree: _Node | None, idents: tuple[str, ...]) -> None:
        self.text = text
        self._tree = tree
        self.idents = idents

    @classmethod
    def compile(cls, text: str) -> Expression:
        parser = _Parser(text)
        tree = parser.parse()
        return cls(text, tree, tuple(parser.idents))

    def evaluate(self, matcher: Matcher) -> bool:
        return True if self._tree is None else self._tree(matcher)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.stream = _tokens(text)
        self.current = next(self.stream)
        self.idents: list[str] = []

    def _accept(self, kind: str) -> _Token | None:
        if self.current.kind == kind:
            token = self.current
            if kind != "eof":
                self.current = next(self.stream)
            return token
        return None

    def _fail(self, expected: str) -> ExpressionError:
        got = "end of input" if self.current.kind == "eof" else repr(self.current.value)
        return ExpressionError(self.text, self.current.column, f"expected {expected}; got {got}")

    def parse(self) -> _Node | None:
        if self._accept("eof"):
            return None
        tree = self._expr()
        if not self._accept("eof"):
            raise self._fail("'and', 'or' or end of input")
        return tree

    def _expr(self) -> _Node:
        left = self._and()
        while self._accept("or"):
            right = self._and()
            left = (lambda a, b: lambda m: a(m) or b(m))(left, right)
        return left

    def _and(self) -> _Node:
        left = self._not()
        while self._accept("and"):
            right = self._not()
            left = (lambda a, b: lambda m: a(m) and b(m))(left, right)
        return left

    def _not(self) -> _Node:
        if self._accept("not"):
            inner = self._not()
            return lambda m: not inner(m)
        if self._accept("("):
            inner = self._expr()
            if not self._accept(")"):
                raise self._fail("')'")
            return inner
        token = self._accept("ident")
        if token is None:
            raise self._fail("'not', '(' or an identifier")
        self.idents.append(token.value)
        word = token.value
        return lambda m: m(word)
