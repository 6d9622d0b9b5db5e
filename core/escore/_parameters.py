"""Parameters and tree amendments: what a later year changes without copying rules.

A parameter is a named constant of a ruleset (a tier table, a deduction's amounts,
a deadline) that indicators receive as an argument, by name, like any evidence
fixture. A ruleset that ``extends`` another replaces it by declaring a parameter of
the same name: the indicator functions are inherited unchanged (OpenFisca's
parameters and reforms are the model).

``amend()`` and ``remove()`` are the other two kinds of change a derived year
declares: a node's maximum, title or citation, and a node (with its subtree) that
the new notice no longer has.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._citation import Citation
from ._frozen import frozen

#: The node attributes ``amend()`` may change.
AMENDABLE = ("title", "max", "parent", "source", "counted", "methods")


@frozen
class Parameter:
    """A named constant of a ruleset, resolved by name like an evidence fixture.

    :param name: the argument name indicators ask for (a Python identifier).
    :param value: a rule object (``Ladder``, ``Deduction`` …), a date, a number or text.
    :param source: the clause the value comes from.
    """

    name: str = attrs.field(validator=lambda _, __, v: _check_name(v))
    value: Any
    source: Citation | None = None
    description: str = ""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"parameter name must be a Python identifier, got {name!r}")


def parameter(name: str, value: Any, *, source: Citation | None = None, description: str = "") -> Parameter:
    """Declare the parameter ``name`` (assign it to a module variable of a rule or evidence module).

    Indicators and fixtures receive ``value`` by naming ``name`` as a parameter. In a
    ruleset that extends another, declaring the same name replaces the inherited value.
    """
    return Parameter(name, value, source, description)


@frozen
class Amendment:
    """A change to an inherited node of the tree (see :func:`amend`)."""

    code: str
    changes: tuple[tuple[str, Any], ...]


@frozen
class Removal:
    """An inherited node that a derived ruleset drops, with everything under it."""

    code: str


def amend(code: str, **changes: Any) -> Amendment:
    """Change an inherited node: ``amend("L-1", max=12, source=cite(...))``.

    Allowed keys: ``title``, ``max``, ``parent``, ``source``, ``counted``, ``methods``.
    The tree is checked after every change, so the sums must still add up.
    """
    unknown = sorted(set(changes) - set(AMENDABLE))
    if unknown:
        from ._errors import did_you_mean

        hints = "".join(f" ({hint})" for hint in (did_you_mean(name, AMENDABLE) for name in unknown) if hint)
        raise ValueError(f"amend({code!r}): cannot change {', '.join(unknown)}{hints}; allowed: {', '.join(AMENDABLE)}")
    if not changes:
        raise ValueError(f"amend({code!r}): nothing to change")
    return Amendment(code, tuple(sorted(changes.items())))


def remove(code: str) -> Removal:
    """Drop an inherited node (and its subtree) from a derived ruleset."""
    return Removal(code)


#: What a derived year declares by assigning a call's result to a module variable.
DECLARERS = ("parameter", "amend", "remove")


def unassigned_declarations(module: Any) -> list[str]:
    """``parameter(...)``, ``amend(...)`` or ``remove(...)`` called at the top of ``module``
    without keeping the result, as ``file:line: name(...)``.

    A ruleset sees only what module variables hold, so such a call changes nothing: in a
    derived year the inherited value stays, and the new notice's value is lost without a word.
    The module's source is read only when it imports one of these names (a derived year's
    overrides module, a few lines); nothing is found when its source cannot be read.
    """
    ours = globals()
    names = {name for name in DECLARERS if getattr(module, name, None) is ours[name]}
    if not names:
        return []
    try:
        source = module.__loader__.get_source(module.__name__)
    except (AttributeError, ImportError, OSError):
        return []
    if not source:
        return []
    import ast

    found = []
    where = getattr(module, "__file__", module.__name__)
    assigned: dict[str, tuple[int, str]] = {}  # variable → line and declarer of its last declaration
    for statement in ast.parse(source).body:
        call = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in names):
            continue
        if isinstance(statement, ast.Expr):
            found.append(f"{where}:{statement.lineno}: {call.func.id}(...)")
            continue
        for target in statement.targets:  # NAME = amend(...) twice: the module keeps the second only
            if isinstance(target, ast.Name):
                if target.id in assigned:
                    line, declarer = assigned[target.id]
                    found.append(f"{where}:{line}: {declarer}(...) ({target.id} is assigned again on line {statement.lineno})")
                assigned[target.id] = (statement.lineno, call.func.id)
    return sorted(found, key=lambda text: int(text[len(where) + 1 :].partition(":")[0]))
