"""Recognising an indicator that only applies one rule object to its arguments.

Most indicators of the 2017 packs read ``return RULE.score(a, b)``: the function's arguments,
in order, handed to a rule object (a module-level constant, or a parameter such as a tier
table that a later year replaces by name). For such an indicator the column pass
(:mod:`escore._batch`) asks the rule for a whole column of points at once
(``column_points``), instead of a call, a rule call and a :class:`~escore.Score` per unit.

An indicator is taken for one only when its bytecode is exactly that of such a function,
compiled here by the running interpreter (so no Python version's bytecode is assumed), and the
rule is exactly one of escore's rule types (a subclass may score differently). Anything else,
a condition, a conversion, another call, is scored as before.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

from ._score import Award, Binary, Deduction, Graded, Ladder, Proportional

#: The rule types with a ``column_points`` form that gives exactly their ``score(...).points``.
COLUMN_RULES = frozenset({Ladder, Deduction, Award, Proportional, Binary, Graded})

#: Flags of a function taking ``*args`` or ``**kwargs`` (``inspect.CO_VARARGS | CO_VARKEYWORDS``).
STAR_ARGUMENTS = 0x04 | 0x08


@functools.cache
def _template(arity: int, rule_at: int | None) -> bytes:
    """The bytecode of ``def f(a0, …): return RULE.score(a0, …)`` (``rule_at``: the rule is
    that argument instead of a global, and the others are passed on in order)."""
    names = [f"a{i}" for i in range(arity)]
    receiver = "RULE" if rule_at is None else names[rule_at]
    passed = ", ".join(name for i, name in enumerate(names) if i != rule_at)
    namespace: dict[str, Any] = {}
    exec(compile(f"def f({', '.join(names)}):\n    return {receiver}.score({passed})\n", "<escore rule form>", "exec"), namespace)
    return namespace["f"].__code__.co_code


def applied_rule(func: Callable[..., Any], arity: int) -> tuple[Any, int | None] | None:
    """``(rule, None)`` when ``func`` is ``return RULE.score(*its arguments)`` for a global
    ``RULE`` of a column rule type, ``(None, position)`` when the rule is its argument at
    ``position`` and the others are passed on in order (the caller checks that argument's
    type), ``None`` otherwise."""
    if type(func) is not types.FunctionType:
        return None
    code = func.__code__
    if code.co_argcount != arity or code.co_kwonlyargcount or code.co_flags & STAR_ARGUMENTS or code.co_freevars:
        return None
    if len(code.co_names) == 2 and code.co_names[1] == "score":
        rule = func.__globals__.get(code.co_names[0])
        if type(rule) in COLUMN_RULES and code.co_code == _template(arity, None):
            return rule, None
        return None
    if code.co_names == ("score",):
        for position in range(arity):
            if code.co_code == _template(arity, position):
                return None, position
    return None
