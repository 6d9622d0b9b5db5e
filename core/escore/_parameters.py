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

from typing import Any, NamedTuple

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
    value: Any = attrs.field(validator=lambda self, __, v: _refuse_floats(self.name, v))
    source: Citation | None = None
    description: str = ""


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"parameter name must be a Python identifier, got {name!r}")


def _refuse_floats(name: str, value: Any) -> None:
    """Refuse a float in a parameter's value, also inside a tuple, list, set or mapping: points
    are exact decimals, and a float threshold compares in binary (``parameter("pass_rate", 60.1)``:
    a rate of ``Decimal("60.1")`` is below it). Rule objects refuse floats themselves."""
    found = _float_in(value, "value", set())
    if found is None:
        return
    where, number = found
    at = "" if where == "value" else f"{where}: "
    raise TypeError(
        f"parameter {name!r}: {at}the float {number!r} is refused (points and thresholds are exact decimals; a float "
        f'compares in binary floating point); write Decimal("{number!r}") or "{number!r}"'
    )


def _float_in(value: Any, where: str, seen: set[int]) -> tuple[str, float] | None:
    """Where the first float in ``value`` is (``value[1][0]``), and the float, or ``None``."""
    if isinstance(value, float):
        return where, value
    if isinstance(value, (tuple, list, set, frozenset, dict)):
        if id(value) in seen:  # a list holding itself
            return None
        seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                found = _float_in(key, f"a key of {where}", seen) or _float_in(item, f"{where}[{key!r}]", seen)
                if found is not None:
                    return found
            return None
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        for index, item in enumerate(items):
            found = _float_in(item, f"an item of {where}" if isinstance(value, (set, frozenset)) else f"{where}[{index}]", seen)
            if found is not None:
                return found
    return None


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
    The tree is checked after every change, so the sums must still add up. ``max`` and
    ``source`` may be mappings by unit category, as where the node is declared; a ``source``
    mapping then names every category the node is scored in, and no other.
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

#: What holds a declaration that is not a module variable's own value, as the error names it.
_HOLDERS = {
    "List": "inside a list",
    "Tuple": "inside a tuple",
    "Set": "inside a set",
    "Dict": "inside a dict",
    "Call": "an argument of another call",
    "ListComp": "inside a comprehension",
    "SetComp": "inside a comprehension",
    "DictComp": "inside a comprehension",
    "GeneratorExp": "inside a comprehension",
}


class Unassigned(NamedTuple):
    """A declaration whose result no module variable holds as its own value."""

    text: str  # file:line: name(...) and what holds it, if anything
    declarer: str  # as the call spells it: ``remove``, ``R``, ``escore.remove``
    held: bool  # inside a list, a call or another expression (not a call of its own)


def unassigned_declarations(module: Any) -> list[Unassigned]:
    """``parameter(...)``, ``amend(...)`` or ``remove(...)`` called in ``module`` outside a function
    without its result being the value of a module variable of its own, each as
    ``file:line: name(...)`` (``name`` as the call spells it: ``P``, ``escore.remove``).

    A ruleset sees only what module variables hold, so such a call changes nothing: in a
    derived year the inherited value stays, and the new notice's value is lost without a word.
    Found wherever the module runs it: a bare call (at the top, or under ``if``, ``try``, ``with``,
    a loop), one inside a list, tuple, mapping or another call (``CHANGES = [remove(...), ...]``),
    one in a class body, and one a name assigned twice loses. A declarer is recognised under any
    name the module gives it (``from escore import remove as R``) and through a module it holds
    (``escore.remove``). The module's source is read only when it holds one of these (a derived
    year's overrides module, a few lines); nothing is found when its source cannot be read.
    """
    import ast
    import types

    ours = {id(globals()[name]): name for name in DECLARERS}
    values = vars(module).values()
    if not any(
        id(value) in ours or (isinstance(value, types.ModuleType) and any(id(getattr(value, name, None)) in ours for name in DECLARERS))
        for value in values
    ):
        return []
    try:
        source = module.__loader__.get_source(module.__name__)
    except (AttributeError, ImportError, OSError):
        return []
    if not source:
        return []
    where = getattr(module, "__file__", module.__name__)
    namespace = vars(module)

    def declarer(node: ast.expr) -> str | None:
        """How ``node`` names a declarer (``remove``, ``R``, ``escore.remove``), if it is one."""
        path: list[str] = []
        while isinstance(node, ast.Attribute):
            path.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in namespace:
            return None
        value = namespace[node.id]
        for attribute in reversed(path):
            value = getattr(value, attribute, None)
        return ".".join([node.id, *reversed(path)]) if id(value) in ours else None

    found: list[tuple[int, str, str, bool]] = []
    assigned: dict[str, tuple[int, str]] = {}  # variable → line and declarer of its last declaration

    class Visitor(ast.NodeVisitor):
        """Every call the module runs when it is imported (function bodies are not)."""

        def __init__(self) -> None:
            self.holders: list[str] = []  # the kinds of the expressions around the one visited
            self.in_class = 0

        def visit(self, node: ast.AST) -> Any:
            if not isinstance(node, ast.expr):
                return super().visit(node)
            self.holders.append(type(node).__name__)
            try:
                return super().visit(node)
            finally:
                self.holders.pop()

        def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
            for part in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
                if part is not None:
                    self.visit(part)  # run when the module runs; the body is not

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node: ast.Lambda) -> None:
            for part in (*node.args.defaults, *node.args.kw_defaults):
                if part is not None:
                    self.visit(part)

        def visit_ClassDef(self, node: ast.ClassDef) -> None:
            self.in_class += 1
            self.generic_visit(node)
            self.in_class -= 1

        def kept(self, targets: list[ast.expr], value: ast.expr | None, line: int) -> bool:
            """Whether ``value`` is a declaration kept as the value of module variables (noted,
            and its arguments visited), rather than a value to look into."""
            if not isinstance(value, ast.Call) or self.in_class:
                return False
            name = declarer(value.func)
            names = [target.id for target in targets if isinstance(target, ast.Name)]
            if name is None or not names or len(names) != len(targets):
                return False
            for variable in names:  # NAME = amend(...) twice: the module keeps the second only
                if variable in assigned:
                    first, first_name = assigned[variable]
                    text = f"{where}:{first}: {first_name}(...) ({variable} is assigned again on line {line})"
                    found.append((first, text, first_name, False))
                assigned[variable] = (line, name)
            self.holders.append("Call")
            for argument in (*value.args, *value.keywords):
                self.visit(argument)
            self.holders.pop()
            return True

        def visit_Assign(self, node: ast.Assign) -> None:
            if not self.kept(node.targets, node.value, node.lineno):
                self.generic_visit(node)

        def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
            if not self.kept([node.target], node.value, node.lineno):
                self.generic_visit(node)

        def visit_Call(self, node: ast.Call) -> None:
            name = declarer(node.func)
            if name is not None:
                around = self.holders[-2] if len(self.holders) > 1 else ""  # [-1] is the call itself
                holder = _HOLDERS.get(around, "inside an expression") if around else "in a class body" if self.in_class else ""
                text = f"{where}:{node.lineno}: {name}(...)" + (f" ({holder})" if holder else "")
                found.append((node.lineno, text, name, bool(around)))
            self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return [Unassigned(text, name, held) for _, text, name, held in sorted(found, key=lambda entry: entry[0])]


def of_its_year(name: str, value: Any, year: int) -> bool:
    """Whether parameter ``name`` is a date or a year of the assessment of ``year`` (or of one
    before it): a deadline (a ``date``) in that year or before, or a whole number named ``*_year``
    no later than it. A later year that inherits it scores against last year's dates."""
    import datetime as dt

    if type(value) is dt.date:
        return value.year <= year
    return type(value) is int and name.endswith("_year") and 1900 <= value <= year


def moved_on(value: Any, years: int) -> Any:
    """A date or year parameter's value ``years`` later (29 February: the 28th)."""
    import datetime as dt

    if type(value) is dt.date:
        try:
            return value.replace(year=value.year + years)
        except ValueError:
            return value.replace(year=value.year + years, day=28)
    return value + years


def as_python(value: Any) -> str:
    """A date or year parameter's value as a pack declares it (``dt.date(2018, 11, 15)``, ``2017``)."""
    import datetime as dt

    if type(value) is dt.date:
        return f"dt.date({value.year}, {value.month}, {value.day})"
    return repr(value)
