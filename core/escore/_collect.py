"""Collection: from registered modules to a checked, ready-to-run plan.

Everything that can be checked once is checked here, never per unit: every
node's maximum equals the sum of its children (each variant on its own), codes
are unique, parents exist, every fixture an indicator asks for exists (else the
indicator's ``file:line`` and a "did you mean"), fixtures have no cycles, and
veto targets exist.
"""

from __future__ import annotations

import functools
import inspect
import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from types import FunctionType, ModuleType
from typing import Any, NamedTuple, TypeVar

import attrs

from ._citation import Citation
from ._errors import PackError, did_you_mean
from ._evidence import FIXTURE_ATTRIBUTE, Field, FixtureDecl, Table
from ._indicators import DECLARATION_ATTRIBUTE, Alternative, Group, IndicatorDecl, VetoDecl
from ._marks import Mark, Parametrization, marks_of
from ._model import Category, Ruleset, Section
from ._parameters import Amendment, Parameter, Removal, unassigned_declarations
from ._reach import check_rules_within_maxima
from ._ruleform import STAR_ARGUMENTS
from ._score import RULE_TYPES, Ladder, fmt, sum_exactly

#: Fixtures the engine provides for every unit.
BUILTIN_FIXTURES = {
    "unit": "the unit being scored (code, name, category, parent, attributes)",
    "subunits": "the unit's sub-units (e.g. a city's counties), sorted by code",
}

_NATURAL = re.compile(r"(\d+)")


def parameter_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """The names of ``inspect.signature(func).parameters``, in order.

    A plain function's are read from its code object: ``inspect.signature`` builds a
    Signature with a Parameter per name, about 1% of a run on a 131-unit table for the
    plan's 79 indicator, fixture and veto functions. Anything else (a wrapper with
    ``__wrapped__`` or ``__signature__``, ``*args``, a partial, a callable object) is asked of
    ``inspect.signature``, which knows how to read it.
    """
    code = getattr(func, "__code__", None)
    if (
        type(func) is FunctionType
        and code is not None
        and not code.co_flags & STAR_ARGUMENTS
        and not hasattr(func, "__wrapped__")
        and not hasattr(func, "__signature__")
    ):
        return code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return tuple(inspect.signature(func).parameters)


def check_signature(
    func: Callable[..., Any], what: str, fixtures: Mapping[str, FixtureDef] | None = None, origin: str | None = None
) -> None:
    """Refuse an indicator, veto or fixture function whose parameters are not all plain fixture
    names: the engine passes each fixture by position (a parametrized indicator's by keyword),
    so a default was never used (``def reply(x_rate_tiers, ops_reply_rate=100)``: the fixture's
    value came instead), a keyword-only parameter was never given one (TypeError on every
    unit), and ``*args`` or ``**kwargs`` were asked for as evidence named ``args``.

    One default is allowed: a ``parameter()``'s own value, on the parameter of that name
    (``website_annual_report_year=ANNUAL_REPORT_YEAR.value``, so that a pack's tests may call the
    function without it); the engine passes the ruleset's value all the same. ``fixtures`` are
    the ruleset's, and ``origin`` the ruleset that declares ``func``: where it declares the
    parameter too, the default must be its value.

    Read from the code object for a plain function without defaults, as :func:`parameter_names`
    does (once per function, when a pack is collected); anything else from ``inspect.signature``."""
    code = getattr(func, "__code__", None)
    if (
        type(func) is FunctionType
        and code is not None
        and not hasattr(func, "__wrapped__")
        and not hasattr(func, "__signature__")
        and not (code.co_flags & STAR_ARGUMENTS or code.co_kwonlyargcount or code.co_posonlyargcount)
        and not func.__defaults__
    ):
        return  # the usual case: nothing more to read
    parameters = list(inspect.signature(func).parameters.values())
    said = None
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL or p.kind is p.VAR_KEYWORD:
            stars = "*" if p.kind is p.VAR_POSITIONAL else "**"
            said = f"'{stars}{p.name}' is no fixture (it was asked for as evidence named '{p.name}'): name each fixture it needs"
        elif p.kind is p.KEYWORD_ONLY:
            said = f"parameter '{p.name}' is keyword-only, so the fixture's value is never passed to it"
        elif p.kind is p.POSITIONAL_ONLY:
            said = f"parameter '{p.name}' is positional-only"
        elif p.default is not p.empty:
            said = _default_problem(p.name, p.default, fixtures, origin)
        if said is not None:
            break
    if said is None:
        return
    names = ", ".join(p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
    raise PackError(
        f"{location(func)}: {what}: {said}; every parameter is the name of a fixture it receives, positional-or-keyword, "
        f"without a default (a parameter() may default to its own value): write def {getattr(func, '__name__', 'rule')}({names})"
    )


def _default_problem(name: str, default: Any, fixtures: Mapping[str, FixtureDef] | None, origin: str | None) -> str | None:
    """Why the default of the function parameter ``name`` is refused, or ``None`` (see :func:`check_signature`)."""
    definition = fixtures.get(name) if fixtures is not None else None
    if definition is None or definition.kind != "parameter" or definition.parameter is None:
        return f"parameter '{name}' has a default ({default!r}), which is never used: the fixture's value is passed"
    value = definition.parameter.value
    if origin is None or definition.origin != origin:
        return None  # a later year replaced the parameter (or an earlier one declared it): its value is passed
    try:
        same = bool(default == value)
    except Exception:  # a value that does not compare
        same = False
    if same:
        return None
    return (
        f"parameter '{name}' has a default ({default!r}) other than the value of parameter('{name}') ({value!r}), which is what it receives"
    )


def natural_key(code: str) -> tuple[Any, ...]:
    """Sort key that puts ``P-1-10`` after ``P-1-2``; codes whose numbers are equal (``u12`` and
    ``u012``) then by their text, so that no two codes tie and an order never depends on the
    order they came in."""
    return tuple(int(part) if part.isdigit() else part for part in _NATURAL.split(code)), code


T = TypeVar("T")
_ASCII_DIGITS = str.maketrans("123456789", "000000000")


def sorted_naturally(items: Iterable[T], code: Callable[[T], str]) -> list[T]:
    """``items`` sorted by :func:`natural_key` of ``code(item)``.

    When every code has the same shape (its ASCII digits as 0: ``u000017`` → ``u000000``), codes
    differ only in digits at the same places of digit runs of the same length, where text order
    is number order: one C-level sort by the plain codes then gives the same order (100k units:
    no key tuple per unit).
    """
    items = list(items)
    if _one_shape(list(map(code, items))):
        return sorted(items, key=code)
    return sorted(items, key=lambda item: natural_key(code(item)))


def _one_shape(codes: list[str]) -> bool:
    """Whether every code has the same shape (its ASCII digits as 0), by one translation of the
    codes joined by line breaks: a translation per code costs a microsecond (0.1 s at 100k)."""
    if not codes:
        return True
    joined = "\n".join(codes)
    if joined.count("\n") != len(codes) - 1:  # a code holding a line break: code by code
        return len(set(map(operator.methodcaller("translate", _ASCII_DIGITS), codes))) <= 1
    return joined.translate(_ASCII_DIGITS) == "\n".join([codes[0].translate(_ASCII_DIGITS)] * len(codes))


def location(func: Callable[..., Any]) -> str:
    """``file:line`` of a function's definition, the file relative to its package (no machine path in output)."""
    from ._paths import source_location

    code = func.__code__
    return f"{source_location(code.co_filename)}:{code.co_firstlineno}"


class FixtureDef(NamedTuple):
    """A resolvable name: a field, a table, a fixture function, a parameter or a builtin."""

    name: str
    kind: str  # "field" | "table" | "function" | "parameter" | "builtin"
    field: Field | None = None
    table: Table | None = None
    func: Callable[..., Any] | None = None
    argnames: tuple[str, ...] = ()
    where: str = ""
    parameter: Parameter | None = None
    origin: str = ""  # the ruleset that declared it (inheritance: the last one that did)


class PlanNode(NamedTuple):
    """One node of a category's tree, with everything resolved for that category."""

    code: str
    title: str
    max: Decimal
    section: str
    parent: str | None
    kind: str  # "group" | "indicator" | "bonus"
    counted: bool
    source: Citation | None
    methods: tuple[str, ...]
    variant: str | None
    variant_by: str | None
    children: tuple[str, ...] = ()
    where: str = ""
    bonus: bool = False  # a bonus item or a block of them: outside every sum
    origin: str = ""  # the ruleset whose declaration (or amendment) this node is


class IndicatorPlan(NamedTuple):
    """A leaf (or bonus item) ready to evaluate: function, argument names, conditions."""

    node: PlanNode
    func: Callable[..., Any]
    argnames: tuple[str, ...]
    bound: Mapping[str, Any]
    marks: tuple[Mark, ...]
    alternatives: tuple[Alternative, ...]
    conditions: tuple[tuple[str, str], ...]  # (unit attribute, required value), from variant ancestors
    counts: bool  # every ancestor counted
    section_index: int
    rollup_tables: tuple[str, ...]
    fixtures: frozenset[str]  # every name this indicator depends on, transitively


class VetoPlan(NamedTuple):
    code: str
    title: str
    func: Callable[..., Any]
    argnames: tuple[str, ...]
    targets: tuple[str, ...]
    leaves: frozenset[str]
    source: Citation | None
    where: str


class Plan(NamedTuple):
    """A ruleset's category, collected and checked."""

    ruleset: Ruleset
    category: Category
    sections: tuple[Section, ...]
    nodes: Mapping[str, PlanNode]
    indicators: tuple[IndicatorPlan, ...]
    vetoes: tuple[VetoPlan, ...]
    fixtures: Mapping[str, FixtureDef]
    fields: tuple[Field, ...]  # fields this category reads, sorted by key
    tables: tuple[Table, ...]
    feeds: Mapping[str, tuple[str, ...]]  # field key / table name → indicator codes
    rule_objects: tuple[tuple[str, Any], ...]  # (module-qualified name, rule) for coverage
    marks: frozenset[str]
    #: fields an earlier year of the chain read for this category and this one does not (its
    #: readers removed or replaced): key → (the last ruleset that read it, its indicators
    #: there). Inherited evidence still holds them; loading ignores them with a warning.
    retired_fields: Mapping[str, tuple[str, tuple[str, ...]]] = {}
    #: units of this category, or of its sub-unit category, an earlier year's roster held and
    #: this year's does not (a county merged): code → (the last ruleset whose roster held it,
    #: the unit's category). Their evidence (last year's, the inherited samples) is ignored
    #: with a warning rather than refused as an unknown code.
    retired_units: Mapping[str, tuple[str, str]] = {}
    #: inherited nodes (and vetoes) of this category a later year removed, with their subtrees:
    #: code → ``"ruleset (module.NAME)"``, where the removal is declared
    removed: Mapping[str, str] = {}
    #: evidence fields this ruleset neither declares nor retired that other installed rulesets
    #: declare (a later year's new field): key → those rulesets. Evidence of that year, or a
    #: ``--set`` of it, is told apart from a typo.
    other_fields: Mapping[str, tuple[str, ...]] = {}

    def roots(self, section: str) -> list[PlanNode]:
        return sorted((n for n in self.nodes.values() if n.section == section and n.parent is None), key=lambda n: natural_key(n.code))

    def walk(self, section: str) -> Iterable[tuple[int, PlanNode]]:
        """Nodes of a section depth-first in code order, with their depth."""
        stack = [(0, node) for node in reversed(self.roots(section))]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, self.nodes[child]) for child in reversed(node.children))


def ruleset_chain(plan: Plan) -> set[str]:
    """The years of the run's chain: its own, the one it extends, and each earlier one that
    declared what it inherits (evidence labelled with any of them is this scheme's)."""
    return (
        {plan.ruleset.name, *([plan.ruleset.extends] if plan.ruleset.extends else [])}
        | {d.origin for d in plan.fixtures.values() if d.origin}
        | {n.origin for n in plan.nodes.values() if n.origin}
    )


def refuse_unassigned(label: str, module: ModuleType) -> None:
    """Refuse a derived year's module whose ``parameter()``, ``amend()`` or ``remove()`` no module
    variable holds as its own value: it would change nothing, and the inherited value would stay
    without a word (:func:`escore._parameters.unassigned_declarations`)."""
    unassigned = unassigned_declarations(module)
    if not unassigned:
        return
    declarer = unassigned[0].declarer  # the first call's own name
    if any(u.held for u in unassigned):  # CHANGES = [remove(...), amend(...)]
        what, fix = "only a module variable whose value is the declaration itself is read", "keep each declaration in a name of its own"
    else:
        what, fix = "the result is not kept", "assign it to a module variable of its own"
    raise PackError(
        f"{label}: {'; '.join(u.text for u in unassigned)}: {what}, so it changes nothing "
        f"(the inherited value stays); {fix}: NAME = {declarer}(...)"
    )


def _declared_at(place: tuple[str, int] | None) -> str:
    """``file:line`` of a ``group()`` call (see :attr:`escore._indicators.Node.declared_at`), or ``""``."""
    if place is None:
        return ""
    from ._paths import source_location

    return f"{source_location(place[0])}:{place[1]}"


def _scan(module: ModuleType) -> Iterable[tuple[str, Any]]:
    yield from sorted(vars(module).items())


class FixtureLayer(NamedTuple):
    """What one ruleset of an inheritance chain declares for fixtures.

    :param modules: evidence modules (fields, tables, fixture functions, parameters).
    :param rule_modules: indicator modules; only their parameters are fixtures.
    """

    ruleset: str
    modules: Sequence[ModuleType]
    rule_modules: Sequence[ModuleType] = ()


def scan_fields(modules: Sequence[ModuleType]) -> set[str]:
    """The keys of the evidence fields ``modules`` declare (no check: another ruleset's pack is read)."""
    return {value.key for module in modules for _variable, value in _scan(module) if isinstance(value, Field)}


def _fixture_definitions(layer: FixtureLayer) -> dict[str, FixtureDef]:
    found: dict[str, FixtureDef] = {}
    seen: set[int] = set()
    scans = [(module, False) for module in layer.modules] + [(module, True) for module in layer.rule_modules]
    for module, parameters_only in scans:
        for variable, value in _scan(module):
            if isinstance(value, Parameter):
                if id(value) in seen:  # one parameter imported into a second module
                    continue
                seen.add(id(value))
                where = f"{module.__name__}.{variable}"
                definition = FixtureDef(value.name, "parameter", where=where, parameter=value, origin=layer.ruleset)
            elif parameters_only:
                continue
            elif isinstance(value, Field):
                where = f"{module.__name__}.{variable}"
                definition = FixtureDef(value.fixture_name, "field", field=value, where=where, origin=layer.ruleset)
            elif isinstance(value, Table):
                where = f"{module.__name__}.{variable}"
                definition = FixtureDef(value.fixture_name, "table", table=value, where=where, origin=layer.ruleset)
            elif callable(value) and isinstance(getattr(value, FIXTURE_ATTRIBUTE, None), FixtureDecl):
                decl: FixtureDecl = getattr(value, FIXTURE_ATTRIBUTE)
                argnames = parameter_names(value)
                definition = FixtureDef(decl.name, "function", func=value, argnames=argnames, where=location(value), origin=layer.ruleset)
            else:
                continue
            other = found.get(definition.name)
            if other is not None and other._replace(where="") != definition._replace(where=""):  # not one object imported twice
                raise PackError(f"fixture '{definition.name}' is defined twice: {other.where or other.kind} and {definition.where}")
            found[definition.name] = definition
    return found


def collect_fixtures(
    modules: Sequence[ModuleType],
    *,
    rule_modules: Sequence[ModuleType] = (),
    ruleset: str = "",
    overlays: Sequence[FixtureLayer] = (),
) -> dict[str, FixtureDef]:
    """All fields, tables, fixture functions and parameters of a ruleset, by fixture name.

    ``overlays`` are the layers of the rulesets that extend it, base first: a name a
    later layer declares replaces the inherited one (a parameter only by a value of the
    same kind, so that a tier table cannot silently become a date).
    """
    fixtures: dict[str, FixtureDef] = {name: FixtureDef(name, "builtin") for name in BUILTIN_FIXTURES}
    first = FixtureLayer(ruleset, modules, rule_modules)
    for layer in overlays:  # a later year's evidence modules (its indicator modules are checked with its tree)
        for module in layer.modules:
            refuse_unassigned(layer.ruleset, module)
    for index, layer in enumerate([first, *overlays]):
        for name, definition in sorted(_fixture_definitions(layer).items()):
            other = fixtures.get(name)
            if other is not None and other.kind == "builtin":
                raise PackError(f"{definition.where}: '{name}' is a built-in fixture and cannot be redefined")
            if index == 0 and other is not None and other != definition:
                raise PackError(f"fixture '{name}' is defined twice: {other.where or other.kind} and {definition.where}")
            if other is not None and other.kind == "parameter" and definition.kind == "parameter":
                old, new = other.parameter.value, definition.parameter.value  # type: ignore[union-attr]
                if not same_kind(old, new):
                    raise PackError(
                        f"{definition.where}: ruleset '{layer.ruleset}' replaces parameter '{name}' ({type(old).__name__}, from "
                        f"'{other.origin or other.where}') with a {type(new).__name__}"
                    )
                if isinstance(old, Ladder) and isinstance(new, Ladder) and old.unit.strip() != new.unit.strip():
                    raise PackError(
                        f"{definition.where}: ruleset '{layer.ruleset}' replaces parameter '{name}' (a ladder in '{old.unit.strip()}', "
                        f"from '{other.origin or other.where}') with one in '{new.unit.strip()}', but the evidence it scores still "
                        f"measures in '{old.unit.strip()}': keep unit='{old.unit}'"
                    )
            fixtures[name] = definition
    _check_fixture_graph(fixtures)
    _check_new_parameters_read(fixtures, [first, *overlays])
    return fixtures


#: Modules whose types a replacement parameter must match exactly: a ``bool`` is an ``int`` and a
#: ``datetime`` a ``date`` to ``isinstance``, but the rules that read them do not take one for the other
#: (``True`` as a year is 1; a deadline compared with a datetime raises ``TypeError`` at scoring).
_EXACT_KINDS = frozenset({"builtins", "datetime", "decimal", "fractions", "pathlib"})


def same_kind(old: Any, new: Any) -> bool:
    """Whether ``new`` may replace the parameter value ``old``: of its very type when that is a
    standard one (a number, a text, a date), else an instance of it (a pack's subclass of a rule)."""
    if type(new) is type(old):
        return True
    return isinstance(new, type(old)) and type(old).__module__ not in _EXACT_KINDS


def _check_new_parameters_read(fixtures: Mapping[str, FixtureDef], layers: Sequence[FixtureLayer]) -> None:
    """Refuse a parameter or a field that a later year adds and no rule reads: a name (or a field's
    key) mistyped where an inherited one was meant to be replaced would otherwise leave the old
    value, or the old field's range, in force without a word (``rules-diff`` compares what rules
    read)."""
    if len(layers) < 2:
        return
    declared = [_fixture_definitions(layer) for layer in layers]
    depth = {layer.ruleset: index for index, layer in enumerate(layers)}
    new = {
        name: definition
        for name, definition in fixtures.items()
        if definition.kind in ("parameter", "field")
        and depth.get(definition.origin, 0) > 0
        and not any(name in earlier for earlier in declared[: depth[definition.origin]])
    }
    if not new:
        return
    read = {arg for definition in fixtures.values() for arg in definition.argnames}
    for layer in layers:
        for module in layer.rule_modules:
            for _, value in _scan(module):
                decl = getattr(value, DECLARATION_ATTRIBUTE, None) if callable(value) else None
                if decl is not None:
                    read.update(parameter_names(value))
                    read.update(name for alternative in getattr(decl, "alternatives", ()) for name in alternative.names)
    for name, definition in sorted(new.items()):
        if name in read:
            continue
        kind = definition.kind
        if kind == "field":
            key = definition.field.key  # type: ignore[union-attr]
            keys = {d.field.key: n for n, d in fixtures.items() if d.kind == "field" and n not in new}  # type: ignore[union-attr]
            hint = did_you_mean(key, keys)
            raise PackError(
                f"{definition.where}: ruleset '{definition.origin}' declares field '{key}', which no earlier year declares and no "
                "rule reads (to replace an inherited field, use its key)" + (f"; {hint}" if hint else "")
            )
        hint = did_you_mean(name, [n for n, d in fixtures.items() if d.kind == "parameter" and n not in new])
        raise PackError(
            f"{definition.where}: ruleset '{definition.origin}' declares parameter '{name}', which no earlier year declares and no "
            "rule reads (to replace an inherited parameter, use its name)" + (f"; {hint}" if hint else "")
        )


def _check_fixture_graph(fixtures: Mapping[str, FixtureDef]) -> None:
    for definition in fixtures.values():
        if definition.func is not None:
            check_signature(definition.func, f"fixture '{definition.name}'", fixtures, definition.origin)
        for arg in definition.argnames:
            if arg not in fixtures:
                hint = did_you_mean(arg, fixtures)
                raise PackError(
                    f"{definition.where}: fixture '{definition.name}' requests unknown evidence '{arg}'" + (f"; {hint}" if hint else "")
                )
    state: dict[str, int] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = chain[chain.index(name) :]
            where = ", ".join(f"{n} at {fixtures[n].where}" for n in dict.fromkeys(cycle))
            raise PackError(
                f"fixture cycle: {' → '.join((*cycle, name))} ({where}): each needs the next, so none of them can be "
                "computed; drop one of these parameters"
            )
        state[name] = 1
        for arg in fixtures[name].argnames:
            visit(arg, (*chain, name))
        state[name] = 2

    for name in sorted(fixtures):
        visit(name, ())


def closure(names: Iterable[str], fixtures: Mapping[str, FixtureDef]) -> frozenset[str]:
    """Every fixture reachable from ``names``."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(fixtures[name].argnames)
    return frozenset(seen)


class _Declared(NamedTuple):
    code: str
    decl: Any
    func: Callable[..., Any] | None
    section: str
    where: str
    bound: Mapping[str, Any] = {}
    marks: tuple[Mark, ...] = ()
    origin: str = ""
    #: the ruleset whose module holds ``func`` (``origin`` is the last year that declared or amended the node)
    func_origin: str = ""
    #: ``file:line`` of the declaration (a group's ``group()`` call, an indicator's function), then
    #: the amendments; ``where`` names a group by its module variable
    at: str = ""


class RuleLayer(NamedTuple):
    """The indicator modules one ruleset of an inheritance chain registers for a category."""

    ruleset: str
    modules: Sequence[tuple[str, ModuleType]]  # (section name, module)
    #: the modules it registers for its other categories: a later year may amend or remove a
    #: node of one category from a module attached to every section, and that is no error
    elsewhere: Sequence[ModuleType] = ()


def _expand(func: Callable[..., Any], decl: IndicatorDecl) -> list[tuple[IndicatorDecl, Mapping[str, Any], tuple[Mark, ...]]]:
    marks = marks_of(func)
    plain = tuple(m for m in marks if m.name != "parametrize")
    expansions: list[tuple[IndicatorDecl, Mapping[str, Any], tuple[Mark, ...]]] = [(decl, {}, plain)]
    for m in marks:
        if m.name != "parametrize":
            continue
        parametrization: Parametrization = m.args[0]
        grown: list[tuple[IndicatorDecl, Mapping[str, Any], tuple[Mark, ...]]] = []
        for base, bound, base_marks in expansions:
            for pset in parametrization.sets:
                changes: dict[str, Any] = {"code": pset.code or f"{base.code}[{pset.id}]"}
                if pset.title is not None:
                    changes["title"] = pset.title
                if pset.max is not None:
                    changes["max"] = pset.max
                if pset.source is not None:
                    changes["source"] = pset.source
                grown.append(
                    (attrs.evolve(base, **changes), {**bound, **dict(zip(parametrization.argnames, pset.values))}, base_marks + pset.marks)
                )
        expansions = grown
    return expansions


def build_plan(
    ruleset: Ruleset,
    category: Category,
    sections: Sequence[Section],
    modules: Sequence[tuple[str, ModuleType]],
    fixtures: Mapping[str, FixtureDef],
    *,
    base_name: str = "",
    base_elsewhere: Sequence[ModuleType] = (),
    overlays: Sequence[RuleLayer] = (),
    section_origins: Mapping[str, str] = {},
    check_total: bool = False,
    categories: Collection[str] = (),
) -> Plan:
    """Collect ``modules`` (each attached to a section name) into a checked :class:`Plan`.

    ``overlays`` are the indicator modules of the rulesets that extend the one
    ``modules`` belong to (``base_name``), base first. A later year's group or indicator
    with an inherited code replaces it in place, ``amend()`` changes it, ``remove()``
    drops it with its subtree, and a veto with an inherited code replaces it. The tree
    is checked once, after every layer, and errors name the year of each declaration.

    ``categories`` are the ruleset's categories (``category`` alone if not given): a node with
    one maximum may cite a clause per category of them (``source=`` a mapping).
    """
    label = f"{ruleset.name}/{category.key}"
    _check_sections(label, sections, section_origins if overlays else {})
    _check_total(label, category, sections, section_origins if overlays else {}, complete=check_total)
    layers = [RuleLayer(base_name or ruleset.name, modules, base_elsewhere), *overlays]
    declarations = _Declarations(label, category.key, layers)
    nodes = _tree(label, category.key, declarations.declared, categories)
    _check_sums(label, nodes, sections, section_origins if overlays else {})
    indicators = _indicator_plans(label, declarations.declared, nodes, [s.name for s in sections], fixtures)
    vetoes = _veto_plans(declarations, nodes, fixtures)
    rule_objects, fields, tables, feeds = _evidence_read(indicators, vetoes, fixtures, declarations.rule_objects)
    plan = Plan(
        ruleset=ruleset,
        category=category,
        sections=tuple(sections),
        nodes=nodes,
        indicators=tuple(indicators),
        vetoes=tuple(vetoes),
        fixtures=fixtures,
        fields=fields,
        tables=tables,
        feeds=feeds,
        rule_objects=rule_objects,
        marks=frozenset(m.name for plan in indicators for m in plan.marks),
        removed=declarations.dropped,
    )
    check_rules_within_maxima(label, plan)
    return plan


def _check_sections(label: str, sections: Sequence[Section], section_origins: Mapping[str, str] = {}) -> None:
    """Refuse a section whose weight or raw maximum is not above 0: ``points = raw × weight ÷
    raw_max`` would take points away (or divide by 0), and weights that still add up to the
    category's total let another section give more than the total (-70 and 170 ranked units out
    of 120)."""
    for section in sections:
        origin = f" [{section_origins[section.name]}]" if section.name in section_origins else ""
        for what, value in (("weight", section.weight), ("raw max", section.raw_max)):
            if not value.is_finite() or value <= 0:
                raise PackError(
                    f"{label}: section '{section.name}' declares {what} {fmt(value)}{origin}: a section's {what} must be a positive number"
                )


def _check_total(
    label: str, category: Category, sections: Sequence[Section], section_origins: Mapping[str, str] = {}, *, complete: bool = True
) -> None:
    """Refuse sections whose weights do not add up to the category's total: short, a pack is
    missing; over, a weight is wrong. With ``section_origins`` (a ruleset that extends another),
    each weight is followed by the year whose declaration it is.

    Not ``complete`` (a catalogue of some packs only, as a pack's own tests load it), weights
    short of the total are the sections of the packs not loaded; weights over it are wrong
    whatever else is installed, and are refused all the same."""
    weights = sum_exactly(s.weight for s in sections)
    if category.total is not None and (weights > category.total or (complete and weights != category.total)):
        shares = (
            " + ".join(
                f"{s.name} {fmt(s.weight)}" + (f" [{section_origins[s.name]}]" if s.name in section_origins else "") for s in sections
            )
            or "no section"
        )
        why = (
            "a pack that registers a section of it is missing or failed to load (see escore plugins)"
            if weights < category.total
            else "a section's weight is wrong, or a section is registered that the category does not have"
        )
        raise PackError(
            f"{label}: the sections weigh {fmt(weights)} in all ({shares}), but the category totals {fmt(category.total)}: {why}"
        )


class _Declarations:
    """What the rule modules of each year (``layers``, base first) declare for one category:
    groups and indicators by code, vetoes by code, rule objects, and removals, each later year
    applied over the earlier ones in turn."""

    def __init__(self, label: str, category: str, layers: Sequence[RuleLayer]) -> None:
        self.label, self.category, self.layers = label, category, layers
        self.declared: dict[str, _Declared] = {}
        self.vetoes: dict[str, tuple[VetoDecl, Callable[..., Any]]] = {}
        self.veto_origins: dict[str, str] = {}  # code → the ruleset whose declaration the veto is
        self.rule_objects: list[tuple[str, Any]] = []
        self.removed: dict[str, str] = {}  # code → where its removal is declared
        self.dropped: dict[str, str] = {}  # code of this category → the removal that dropped it (its own or an ancestor's)
        for depth, layer in enumerate(layers):
            mine, amendments = self._scan(layer, depth)
            if depth:
                mine = self._of_this_category(layer, mine)
            self.declared.update(mine)
            self._amend(layer, amendments)
            if depth:
                self._place(layer, mine)
        self._drop_removed()

    def _scan(self, layer: RuleLayer, depth: int) -> tuple[dict[str, _Declared], list[tuple[Amendment, str]]]:
        """The groups and indicators ``layer`` declares, and its amendments; its vetoes, rule
        objects and removals are noted on the way. A code declared by an earlier layer is
        replaced in its place."""
        label, cat, inherited = self.label, self.category, self.declared
        mine: dict[str, _Declared] = {}
        amendments: list[tuple[Amendment, str]] = []
        seen_objects: set[int] = set()
        own_sections: dict[int, list[str]] = {}
        for section_name, module in layer.modules:
            own_sections.setdefault(id(module), []).append(section_name)

        def add(item: _Declared) -> None:
            other = mine.get(item.code)
            if other is not None:
                raise PackError(f"{label}: code '{item.code}' is declared twice: {other.where} and {item.where}")
            if item.code in inherited and depth:
                item = item._replace(section=inherited[item.code].section)  # a replacement keeps its place
            mine[item.code] = item

        scanned: set[int] = set()
        for section_name, module in layer.modules:
            if depth and id(module) in scanned:  # an overlay module attached to several sections is read once
                continue
            scanned.add(id(module))
            if depth:
                refuse_unassigned(label, module)
            place = section_name if not depth or len(own_sections[id(module)]) == 1 else ""
            for name, value in _scan(module):
                if id(value) in seen_objects:  # the same object imported into a second module
                    continue
                if isinstance(value, Group):
                    if value.max_for(cat) is None:
                        continue
                    seen_objects.add(id(value))
                    variable = f"{module.__name__}.{name}"
                    at = _declared_at(value.declared_at) or variable
                    add(_Declared(value.code, value, None, place, variable, origin=layer.ruleset, at=at))
                elif isinstance(value, RULE_TYPES):
                    seen_objects.add(id(value))
                    self.rule_objects.append((f"{module.__name__}.{name}", value))
                elif depth and isinstance(value, Amendment):
                    seen_objects.add(id(value))
                    amendments.append((value, f"{module.__name__}.{name}"))
                elif depth and isinstance(value, Removal):
                    seen_objects.add(id(value))
                    self.removed.setdefault(value.code, f"{layer.ruleset} ({module.__name__}.{name})")
                elif callable(value):
                    decl = getattr(value, DECLARATION_ATTRIBUTE, None)
                    if decl is None:
                        continue
                    seen_objects.add(id(value))
                    if isinstance(decl, VetoDecl):
                        self.vetoes[decl.code] = (decl, value)
                        self.veto_origins[decl.code] = layer.ruleset
                        continue
                    for expanded, bound, marks in _expand(value, decl):
                        if expanded.max_for(cat) is None:
                            continue
                        where = location(value)
                        add(_Declared(expanded.code, expanded, value, place, where, bound, marks, layer.ruleset, layer.ruleset, where))
        return mine, amendments

    @functools.cached_property
    def everywhere(self) -> frozenset[str]:
        """Every code the layers' modules declare, for any category: what a code not of this
        category may still be (an amendment or removal of another category's node is no error).
        Read all the modules once, and only when a code is not found here."""
        return _codes_in(self.layers)

    def _of_this_category(self, layer: RuleLayer, mine: dict[str, _Declared]) -> dict[str, _Declared]:
        """The new nodes of a later year that belong to this category: one under a group only
        another category has (its module attached to every section) is that category's; one
        under a parent no year declares is refused."""
        known = {**self.declared, **mine}
        kept = dict(mine)
        for code, item in sorted(mine.items()):
            if code in self.declared:
                continue  # a replacement keeps its place
            cursor = item
            for _ in range(len(known)):
                parent = cursor.decl.parent
                if parent is None or parent not in known:
                    break
                cursor = known[parent]
            parent = cursor.decl.parent
            if parent is None or parent in known:
                continue
            if parent in self.everywhere:
                del kept[code]  # another category's node
                continue
            others = sorted(self.everywhere - {code})
            hint = did_you_mean(parent, others)
            raise PackError(
                f"{self.label}: {cursor.where}: '{cursor.code}' (new in {layer.ruleset}) names parent '{parent}', which no year declares"
                + (f"; {hint}" if hint else "")
            )
        return kept

    def _amend(self, layer: RuleLayer, amendments: Sequence[tuple[Amendment, str]]) -> None:
        """Apply ``layer``'s ``amend()`` calls; one that takes a node's maximum away removes it."""
        declared = self.declared
        twice: dict[str, list[str]] = {}
        for amendment, where in amendments:
            twice.setdefault(amendment.code, []).append(where)
        for code, places in sorted(twice.items()):
            if len(places) > 1:
                raise PackError(
                    f"{self.label}: '{code}' is amended twice in {layer.ruleset}: {' and '.join(sorted(places))}; make them one amend(...)"
                )
        for amendment, where in amendments:
            if amendment.code in self.vetoes and amendment.code not in declared:
                self._amend_veto(amendment, where)
                continue
            if amendment.code not in declared:
                if amendment.code in self.everywhere:
                    continue  # a node of another category
                hint = did_you_mean(amendment.code, [*declared, *self.vetoes])
                raise PackError(
                    f"{self.label}: {where} amends '{amendment.code}', which no earlier year declares" + (f"; {hint}" if hint else "")
                )
            item = declared[amendment.code]
            try:
                decl = attrs.evolve(item.decl, **dict(amendment.changes))
            except (TypeError, ValueError) as exc:
                raise PackError(f"{self.label}: {where}: {exc}") from None
            if decl.max_for(self.category) is None:
                self.removed.setdefault(amendment.code, f"{layer.ruleset} ({where})")
            declared[amendment.code] = item._replace(
                decl=decl,
                where=f"{item.where}, amended by {where}",
                origin=layer.ruleset,
                at=f"{item.at or item.where}, amended by {where}",
            )

    def _amend_veto(self, amendment: Amendment, where: str) -> None:
        """A veto's title or citation changed by a later year (it has no maximum, parent or methods)."""
        changes = dict(amendment.changes)
        other = sorted(set(changes) - {"title", "source"})
        if other:
            raise PackError(
                f"{self.label}: {where}: '{amendment.code}' is a veto: amend() changes its title or source, not {', '.join(other)}"
            )
        decl, func = self.vetoes[amendment.code]
        self.vetoes[amendment.code] = (attrs.evolve(decl, **changes), func)

    def _place(self, layer: RuleLayer, mine: Mapping[str, _Declared]) -> None:
        """A later year's new node sits in its parent's section; a top-level one needs a module
        attached to one section."""
        declared = self.declared
        for code, item in sorted(mine.items()):
            if item.section:
                continue
            cursor, section = item, ""
            for _ in range(len(declared)):
                parent = cursor.decl.parent
                if parent is None or parent not in declared:
                    break
                cursor = declared[parent]
                if cursor.section:
                    section = cursor.section
                    break
            if not section:
                raise PackError(
                    f"{self.label}: {item.where}: '{code}' (new in {layer.ruleset}) is a top-level node of a module attached to "
                    "several sections; register that module for one section only, or give the node a parent"
                )
            declared[code] = item._replace(section=section)

    def _drop_removed(self) -> None:
        """Drop each removed node with its subtree; removing what no year declares is an error."""
        if not self.removed:
            return
        declared = self.declared
        for code, where in sorted(self.removed.items()):
            if code not in declared and code not in self.everywhere:
                hint = did_you_mean(code, [*declared, *self.vetoes])
                raise PackError(f"{self.label}: {where} removes '{code}', which no earlier year declares" + (f"; {hint}" if hint else ""))
        for code, where in sorted(self.removed.items()):
            if code in self.vetoes and code not in declared:  # a veto removed: its targets score as they are
                del self.vetoes[code]
                self.dropped[code] = where
        gone = dict(self.removed)
        changed = True
        while changed:
            changed = False
            for code, item in declared.items():
                if code not in gone and item.decl.parent in gone:
                    gone[code] = gone[item.decl.parent]
                    changed = True
        for code, where in sorted(gone.items()):
            if declared.pop(code, None) is not None:
                self.dropped[code] = where


def _tree(label: str, cat: str, declared: Mapping[str, _Declared], categories: Collection[str] = ()) -> dict[str, PlanNode]:
    """The nodes with this category's maxima and citations, each parent a declared group of the same section."""
    nodes: dict[str, PlanNode] = {}
    for code, item in declared.items():
        decl = item.decl
        kind = "group" if isinstance(decl, Group) else decl.kind
        if isinstance(decl.source, Mapping):
            _check_sources(label, cat, item, categories)
        nodes[code] = PlanNode(
            code=code,
            title=decl.title,
            max=decl.max_for(cat),
            section=item.section,
            parent=decl.parent,
            kind=kind,
            counted=decl.counted,
            source=decl.source_for(cat),
            methods=decl.methods,
            variant=decl.variant,
            variant_by=decl.variant_by if isinstance(decl, Group) else None,
            where=item.where,
            bonus=kind == "bonus" or (isinstance(decl, Group) and decl.bonus),
            origin=item.origin,
        )
    children: dict[str, list[str]] = {code: [] for code in nodes}
    for node in nodes.values():
        if node.parent is None:
            continue
        if node.parent not in nodes:
            hint = did_you_mean(node.parent, set(nodes) - {node.code})
            raise PackError(
                f"{label}: {node.where}: '{node.code}' names parent '{node.parent}', which is not declared" + (f"; {hint}" if hint else "")
            )
        parent = nodes[node.parent]
        if parent.kind != "group":
            raise PackError(f"{label}: '{node.code}' names parent '{node.parent}', which is an indicator, not a group")
        if parent.section != node.section:
            raise PackError(
                f"{label}: '{node.code}' is in section '{node.section}' but its parent '{parent.code}' is in '{parent.section}'"
            )
        children[node.parent].append(node.code)
    for code, kids in children.items():
        nodes[code] = nodes[code]._replace(children=tuple(sorted(kids, key=natural_key)))
    return nodes


def _check_sources(label: str, category: str, item: _Declared, categories: Collection[str]) -> None:
    """Refuse a ``source=`` mapping whose keys are not the categories the node is scored in: a
    key of another (a typo, ``"ctiy"``) cites nothing, and a category without one would be shown
    without its clause. The categories are those of the node's ``max=`` mapping (the ones with a
    maximum); with one maximum, any of the ruleset's (``categories``), and ``category`` must have one."""
    decl = item.decl
    cited: Mapping[str, Citation] = decl.source
    if isinstance(decl.max, Mapping):
        scored = [key for key, value in decl.max.items() if value is not None]
        must = scored
    else:
        scored = sorted({category, *categories})
        must = [category]
    code = decl.code
    where = f"{label}: {item.at or item.where}: source= of '{code}'"
    for key in cited:
        if key not in scored:
            hint = did_you_mean(key, scored)
            raise PackError(
                f"{where} cites a clause for '{key}', which is not a category '{code}' has a maximum in ({', '.join(scored)})"
                + (f"; {hint}" if hint else "")
            )
    missing = [key for key in must if key not in cited]
    if missing:
        raise PackError(
            f"{where} has no citation for {', '.join(missing)}, where it is scored (it cites {', '.join(cited) or 'none'}): "
            "give each category the node is scored in its own citation"
        )


def _indicator_plans(
    label: str,
    declared: Mapping[str, _Declared],
    nodes: Mapping[str, PlanNode],
    section_names: Sequence[str],
    fixtures: Mapping[str, FixtureDef],
) -> list[IndicatorPlan]:
    """Each indicator ready to run, in section and code order: the evidence it requests (every
    name a fixture), the variant conditions on its path, whether it counts, what it reaches."""
    section_index = {name: index for index, name in enumerate(section_names)}
    plans: list[IndicatorPlan] = []
    for code, item in declared.items():
        node = nodes[code]
        if node.kind == "group":
            continue
        if node.kind == "indicator" and node.children:
            raise PackError(f"{label}: indicator '{code}' has children")
        if item.section not in section_index:
            raise PackError(f"{label}: '{code}' is attached to section '{item.section}', which {label} does not declare")
        func = item.func
        if func is None:  # groups were skipped above; this keeps type checkers honest
            raise PackError(f"{label}: '{code}' has no function")
        check_signature(func, f"{node.kind} '{code}'", fixtures, item.func_origin)
        params = tuple(p for p in parameter_names(func) if p not in item.bound)
        for name in params:
            if name not in fixtures:
                hint = did_you_mean(name, fixtures)
                raise PackError(f"{location(func)}: indicator '{code}' requests unknown evidence '{name}'" + (f"; {hint}" if hint else ""))
        alternatives = item.decl.alternatives
        for alt in alternatives:
            if alt.param not in params:
                raise PackError(f"{location(func)}: indicator '{code}': alternative replaces '{alt.param}', which is not a parameter")
            for name in alt.names:
                if name not in fixtures:
                    hint = did_you_mean(name, fixtures)
                    raise PackError(
                        f"{location(func)}: indicator '{code}': alternative requests unknown evidence '{name}'"
                        + (f"; {hint}" if hint else "")
                    )
        conditions: list[tuple[str, str]] = []
        counts = node.counted
        cursor = node
        while True:
            if cursor.variant is not None:
                parent = nodes[cursor.parent] if cursor.parent else None
                if parent is None or parent.variant_by is None:
                    raise PackError(f"{label}: '{cursor.code}' declares variant '{cursor.variant}' but its parent has no variant_by")
                conditions.append((parent.variant_by, cursor.variant))
            if cursor.parent is None:
                break
            cursor = nodes[cursor.parent]
            counts = counts and cursor.counted
        names = [*params, *(name for a in alternatives for name in a.names)]
        reach = closure(names, fixtures)
        rollups = tuple(sorted(n for n in reach if fixtures[n].kind == "table" and fixtures[n].table.rollup))  # type: ignore[union-attr]
        plans.append(
            IndicatorPlan(
                node=node,
                func=func,
                argnames=params,
                bound=item.bound,
                marks=item.marks + tuple(Mark(method) for method in node.methods),
                alternatives=alternatives,
                conditions=tuple(reversed(conditions)),
                counts=counts and node.kind == "indicator",
                section_index=section_index[item.section],
                rollup_tables=rollups,
                fixtures=reach,
            )
        )
    plans.sort(key=lambda p: (p.section_index, natural_key(p.node.code)))
    return plans


def _veto_plans(declarations: _Declarations, nodes: Mapping[str, PlanNode], fixtures: Mapping[str, FixtureDef]) -> list[VetoPlan]:
    """Each veto with a target in this category, in code order, and the leaves it zeroes."""
    vetoes: list[VetoPlan] = []
    for decl, func in sorted(declarations.vetoes.values(), key=lambda pair: natural_key(pair[0].code)):
        check_signature(func, f"veto '{decl.code}'", fixtures, declarations.veto_origins.get(decl.code))
        argnames = parameter_names(func)
        for name in argnames:
            if name not in fixtures:
                hint = did_you_mean(name, fixtures)
                raise PackError(f"{location(func)}: veto '{decl.code}' requests unknown evidence '{name}'" + (f"; {hint}" if hint else ""))
        present = [t for t in decl.targets if t in nodes]
        for target in decl.targets:
            if target not in nodes and target not in declarations.removed and target not in declarations.everywhere:
                hint = did_you_mean(target, nodes)
                raise PackError(
                    f"{location(func)}: veto '{decl.code}' targets '{target}', which is not declared" + (f"; {hint}" if hint else "")
                )
        if not present:
            continue  # the veto's targets have no place in this category
        leaves: set[str] = set()
        for target in present:
            leaves.update(nodes_leaves(nodes, target))
        vetoes.append(VetoPlan(decl.code, decl.title, func, argnames, tuple(present), frozenset(leaves), decl.source, location(func)))
    return vetoes


def _evidence_read(
    indicators: Sequence[IndicatorPlan],
    vetoes: Sequence[VetoPlan],
    fixtures: Mapping[str, FixtureDef],
    rule_objects: Sequence[tuple[str, Any]],
) -> tuple[tuple[tuple[str, Any], ...], tuple[Any, ...], tuple[Any, ...], dict[str, tuple[str, ...]]]:
    """What the category reads: the plan's rule objects (those received as parameters too: plan
    and whatif read them), its fields and tables, and which indicators or vetoes each one feeds."""
    feeds: dict[str, set[str]] = {}
    used: set[str] = set()
    reads = [(plan.node.code, plan.fixtures) for plan in indicators]
    reads += [(veto.code, closure(veto.argnames, fixtures)) for veto in vetoes]
    for code, names in reads:
        for name in names:
            used.add(name)
            definition = fixtures[name]
            if definition.kind in ("field", "table"):
                key = definition.field.key if definition.field is not None else name
                feeds.setdefault(key, set()).add(code)
    rules = list(rule_objects)
    for name in sorted(used):
        definition = fixtures[name]
        if definition.kind == "parameter" and isinstance(definition.parameter.value, RULE_TYPES):  # type: ignore[union-attr]
            rules.append((f"parameter {name}", definition.parameter.value))  # type: ignore[union-attr]
    fields = tuple(sorted((fixtures[n].field for n in used if fixtures[n].kind == "field"), key=lambda f: f.key))  # type: ignore[union-attr]
    tables = tuple(sorted((fixtures[n].table for n in used if fixtures[n].kind == "table"), key=lambda t: t.name))  # type: ignore[union-attr]
    return tuple(rules), fields, tables, {key: tuple(sorted(codes, key=natural_key)) for key, codes in sorted(feeds.items())}


def _codes_in(layers: Sequence[RuleLayer]) -> frozenset[str]:
    """The codes the layers' modules declare, for every category."""
    codes: set[str] = set()
    for layer in layers:
        for module in dict.fromkeys([*(module for _, module in layer.modules), *layer.elsewhere]):
            for _, value in _scan(module):
                decl = value if isinstance(value, Group) else getattr(value, DECLARATION_ATTRIBUTE, None) if callable(value) else None
                code = getattr(decl, "code", None) if decl is not None else None
                if isinstance(code, str):
                    codes.add(code)
    return frozenset(codes)


def nodes_leaves(nodes: Mapping[str, PlanNode], code: str) -> list[str]:
    node = nodes[code]
    if not node.children:
        return [code]
    out: list[str] = []
    for child in node.children:
        out.extend(nodes_leaves(nodes, child))
    return out


def _check_sums(label: str, nodes: Mapping[str, PlanNode], sections: Sequence[Section], section_origins: Mapping[str, str] = {}) -> None:
    """Refuse a tree whose maxima do not add up, naming the node and both numbers.

    With ``section_origins`` (a ruleset that extends another), every number is followed
    by the year whose declaration it is, so that the author sees which year broke the sum.
    """
    layered = bool(section_origins)

    def by(node: PlanNode) -> str:
        return f" [{node.origin}]" if layered and node.origin else ""

    latest = label.partition("/")[0]

    def declared_where(group: Sequence[PlanNode]) -> str:
        """Where the latest year declared or amended the numbers of ``group``: the author's own lines."""
        mine = [n for n in group if layered and n.origin == latest]
        return "".join(f"; {n.code}: {n.where}" for n in mine)

    for node in sorted(nodes.values(), key=lambda n: natural_key(n.code)):
        if node.kind != "group" or not node.counted:
            continue
        if node.bonus:
            kids = [nodes[c] for c in node.children]
            total = sum_exactly(k.max for k in kids)
            if not kids or any(not k.bonus for k in kids) or total != node.max:
                raise PackError(
                    f"{label}: bonus block '{node.code}' declares max {fmt(node.max)}{by(node)}; its children must be bonus items adding up to it"
                )
            continue
        kids = [nodes[c] for c in node.children if nodes[c].counted and not nodes[c].bonus]
        if node.variant_by is not None:
            variants = [k for k in kids if k.variant is not None]
            if not variants or len(variants) != len(kids):
                raise PackError(
                    f"{label}: '{node.code}' picks a variant by '{node.variant_by}', so each of its children must declare variant="
                )
            for kid in variants:
                if kid.max != node.max:
                    raise PackError(
                        f"{label}: variant '{kid.variant}' ({kid.code}) of '{node.code}' has max {fmt(kid.max)}{by(kid)}, but '{node.code}' declares {fmt(node.max)}{by(node)}"
                    )
            continue
        if not kids:
            raise PackError(f"{label}: group '{node.code}' declares max {fmt(node.max)}{by(node)} but has no counted children")
        total = sum_exactly(k.max for k in kids)
        if total != node.max:
            parts = " + ".join(f"{k.code} {fmt(k.max)}{by(k)}" for k in kids)
            raise PackError(
                f"{label}: '{node.code}' declares max {fmt(node.max)}{by(node)} but its children add up to {fmt(total)} ({parts})"
                + declared_where([node, *kids])
            )
    for section in sections:
        roots = [n for n in nodes.values() if n.section == section.name and n.parent is None and n.counted and not n.bonus]
        total = sum_exactly(n.max for n in roots)
        if total != section.raw_max:
            parts = " + ".join(f"{n.code} {fmt(n.max)}{by(n)}" for n in sorted(roots, key=lambda n: natural_key(n.code)))
            origin = f" [{section_origins[section.name]}]" if section.name in section_origins else ""
            raise PackError(
                f"{label}: section '{section.name}' declares raw max {fmt(section.raw_max)}{origin} but its top-level nodes add up to {fmt(total)} ({parts or 'nothing'})"
            )
