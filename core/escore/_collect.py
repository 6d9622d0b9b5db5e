"""Collection: from registered modules to a checked, ready-to-run plan.

Everything that can be checked once is checked here, never per unit: every
node's maximum equals the sum of its children (each variant on its own), codes
are unique, parents exist, every fixture an indicator asks for exists (else the
indicator's ``file:line`` and a "did you mean"), fixtures have no cycles, and
veto targets exist.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from types import ModuleType
from typing import Any, NamedTuple

import attrs

from ._citation import Citation
from ._errors import PackError, did_you_mean
from ._evidence import FIXTURE_ATTRIBUTE, Field, FixtureDecl, Table
from ._indicators import DECLARATION_ATTRIBUTE, Alternative, Group, IndicatorDecl, VetoDecl
from ._marks import Mark, Parametrization, marks_of
from ._model import Category, Ruleset, Section
from ._score import RULE_TYPES, ZERO, fmt

#: Fixtures the engine provides for every unit.
BUILTIN_FIXTURES = {
    "unit": "the unit being scored (code, name, category, parent, attributes)",
    "subunits": "the unit's sub-units (e.g. a city's counties), sorted by code",
}

_NATURAL = re.compile(r"(\d+)")


def natural_key(code: str) -> tuple[Any, ...]:
    """Sort key that puts ``P-1-10`` after ``P-1-2``."""
    return tuple(int(part) if part.isdigit() else part for part in _NATURAL.split(code))


def location(func: Callable[..., Any]) -> str:
    """``file:line`` of a function's definition, the file relative to its package (no machine path in output)."""
    from ._paths import source_location

    code = func.__code__
    return f"{source_location(code.co_filename)}:{code.co_firstlineno}"


class FixtureDef(NamedTuple):
    """A resolvable name: a field, a table, a fixture function or a builtin."""

    name: str
    kind: str  # "field" | "table" | "function" | "builtin"
    field: Field | None = None
    table: Table | None = None
    func: Callable[..., Any] | None = None
    argnames: tuple[str, ...] = ()
    where: str = ""


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

    def roots(self, section: str) -> list[PlanNode]:
        return sorted((n for n in self.nodes.values() if n.section == section and n.parent is None), key=lambda n: natural_key(n.code))

    def walk(self, section: str) -> Iterable[tuple[int, PlanNode]]:
        """Nodes of a section depth-first in code order, with their depth."""
        stack = [(0, node) for node in reversed(self.roots(section))]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, self.nodes[child]) for child in reversed(node.children))


def _scan(module: ModuleType) -> Iterable[tuple[str, Any]]:
    yield from sorted(vars(module).items())


def collect_fixtures(modules: Sequence[ModuleType]) -> dict[str, FixtureDef]:
    """All fields, tables and fixture functions of a ruleset, by fixture name."""
    fixtures: dict[str, FixtureDef] = {name: FixtureDef(name, "builtin") for name in BUILTIN_FIXTURES}
    for module in modules:
        for _, value in _scan(module):
            if isinstance(value, Field):
                definition = FixtureDef(value.fixture_name, "field", field=value, where=module.__name__)
            elif isinstance(value, Table):
                definition = FixtureDef(value.fixture_name, "table", table=value, where=module.__name__)
            elif callable(value) and isinstance(getattr(value, FIXTURE_ATTRIBUTE, None), FixtureDecl):
                decl: FixtureDecl = getattr(value, FIXTURE_ATTRIBUTE)
                argnames = tuple(inspect.signature(value).parameters)
                definition = FixtureDef(decl.name, "function", func=value, argnames=argnames, where=location(value))
            else:
                continue
            other = fixtures.get(definition.name)
            if other is not None and other != definition:
                raise PackError(f"fixture '{definition.name}' is defined twice: {other.where or other.kind} and {definition.where}")
            fixtures[definition.name] = definition
    _check_fixture_graph(fixtures)
    return fixtures


def _check_fixture_graph(fixtures: Mapping[str, FixtureDef]) -> None:
    for definition in fixtures.values():
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
            raise PackError(f"fixture cycle: {' → '.join((*chain, name))}")
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


def _expand(func: Callable[..., Any], decl: IndicatorDecl) -> list[tuple[IndicatorDecl, Mapping[str, Any], tuple[Mark, ...]]]:
    marks = marks_of(func)
    plain = tuple(m for m in marks if m.name != "parametrize")
    expansions: list[tuple[IndicatorDecl, dict[str, Any], tuple[Mark, ...]]] = [(decl, {}, plain)]
    for m in marks:
        if m.name != "parametrize":
            continue
        parametrization: Parametrization = m.args[0]
        grown = []
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
) -> Plan:
    """Collect ``modules`` (each attached to a section name) into a checked :class:`Plan`."""
    cat = category.key
    label = f"{ruleset.name}/{cat}"
    section_names = [s.name for s in sections]
    declared: dict[str, _Declared] = {}
    vetoes_raw: list[tuple[VetoDecl, Callable[..., Any]]] = []
    rule_objects: list[tuple[str, Any]] = []
    seen_objects: set[int] = set()

    def add(item: _Declared) -> None:
        other = declared.get(item.code)
        if other is not None:
            raise PackError(f"{label}: code '{item.code}' is declared twice: {other.where} and {item.where}")
        declared[item.code] = item

    for section_name, module in modules:
        for name, value in _scan(module):
            if id(value) in seen_objects:  # the same object imported into a second module
                continue
            if isinstance(value, Group):
                if value.max_for(cat) is None:
                    continue
                seen_objects.add(id(value))
                add(_Declared(value.code, value, None, section_name, f"{module.__name__}.{name}"))
            elif isinstance(value, RULE_TYPES):
                seen_objects.add(id(value))
                rule_objects.append((f"{module.__name__}.{name}", value))
            elif callable(value):
                decl = getattr(value, DECLARATION_ATTRIBUTE, None)
                if decl is None:
                    continue
                seen_objects.add(id(value))
                if isinstance(decl, VetoDecl):
                    vetoes_raw.append((decl, value))
                    continue
                for expanded, bound, marks in _expand(value, decl):
                    if expanded.max_for(cat) is None:
                        continue
                    add(_Declared(expanded.code, expanded, value, section_name, location(value), bound, marks))

    # Nodes, with maxima for this category.
    nodes: dict[str, PlanNode] = {}
    for code, item in declared.items():
        decl = item.decl
        kind = "group" if isinstance(decl, Group) else decl.kind
        nodes[code] = PlanNode(
            code=code,
            title=decl.title,
            max=decl.max_for(cat),
            section=item.section,
            parent=decl.parent,
            kind=kind,
            counted=decl.counted,
            source=decl.source,
            methods=decl.methods,
            variant=decl.variant,
            variant_by=decl.variant_by if isinstance(decl, Group) else None,
            where=item.where,
            bonus=kind == "bonus" or (isinstance(decl, Group) and decl.bonus),
        )
    children: dict[str, list[str]] = {code: [] for code in nodes}
    for node in nodes.values():
        if node.parent is None:
            continue
        if node.parent not in nodes:
            hint = did_you_mean(node.parent, nodes)
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

    _check_sums(label, nodes, sections)

    # Indicators ready to run.
    section_index = {name: index for index, name in enumerate(section_names)}
    plans: list[IndicatorPlan] = []
    all_marks: set[str] = set()
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
        params = tuple(p for p in inspect.signature(func).parameters if p not in item.bound)
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
        marks = item.marks + tuple(Mark(method) for method in node.methods)
        all_marks.update(m.name for m in marks)
        plans.append(
            IndicatorPlan(
                node=node,
                func=func,
                argnames=params,
                bound=item.bound,
                marks=marks,
                alternatives=alternatives,
                conditions=tuple(reversed(conditions)),
                counts=counts and node.kind == "indicator",
                section_index=section_index[item.section],
                rollup_tables=rollups,
                fixtures=reach,
            )
        )
    plans.sort(key=lambda p: (p.section_index, natural_key(p.node.code)))

    vetoes: list[VetoPlan] = []
    for decl, func in sorted(vetoes_raw, key=lambda pair: natural_key(pair[0].code)):
        argnames = tuple(inspect.signature(func).parameters)
        for name in argnames:
            if name not in fixtures:
                hint = did_you_mean(name, fixtures)
                raise PackError(f"{location(func)}: veto '{decl.code}' requests unknown evidence '{name}'" + (f"; {hint}" if hint else ""))
        leaves: set[str] = set()
        present = [t for t in decl.targets if t in nodes]
        for target in decl.targets:
            if target not in nodes and not _declared_elsewhere(target, modules):
                hint = did_you_mean(target, nodes)
                raise PackError(
                    f"{location(func)}: veto '{decl.code}' targets '{target}', which is not declared" + (f"; {hint}" if hint else "")
                )
        if not present:
            continue  # the veto's targets have no place in this category
        for target in present:
            leaves.update(nodes_leaves(nodes, target))
        vetoes.append(VetoPlan(decl.code, decl.title, func, argnames, tuple(present), frozenset(leaves), decl.source, location(func)))

    # Which fields and tables this category reads, and which indicators each feeds.
    feeds: dict[str, set[str]] = {}
    used: set[str] = set()
    for plan in plans:
        for name in plan.fixtures:
            used.add(name)
            definition = fixtures[name]
            if definition.kind in ("field", "table"):
                key = definition.field.key if definition.field is not None else name
                feeds.setdefault(key, set()).add(plan.node.code)
    for veto_plan in vetoes:
        for name in closure(veto_plan.argnames, fixtures):
            used.add(name)
            definition = fixtures[name]
            if definition.kind in ("field", "table"):
                key = definition.field.key if definition.field is not None else name
                feeds.setdefault(key, set()).add(veto_plan.code)
    fields = tuple(sorted((fixtures[n].field for n in used if fixtures[n].kind == "field"), key=lambda f: f.key))  # type: ignore[union-attr]
    tables = tuple(sorted((fixtures[n].table for n in used if fixtures[n].kind == "table"), key=lambda t: t.name))  # type: ignore[union-attr]
    return Plan(
        ruleset=ruleset,
        category=category,
        sections=tuple(sections),
        nodes=nodes,
        indicators=tuple(plans),
        vetoes=tuple(vetoes),
        fixtures=fixtures,
        fields=fields,  # type: ignore[arg-type]
        tables=tables,  # type: ignore[arg-type]
        feeds={key: tuple(sorted(codes, key=natural_key)) for key, codes in sorted(feeds.items())},
        rule_objects=tuple(rule_objects),
        marks=frozenset(all_marks),
    )


def _declared_elsewhere(code: str, modules: Sequence[tuple[str, ModuleType]]) -> bool:
    """Whether ``code`` is declared in the modules at all (perhaps for another category)."""
    for _, module in modules:
        for _, value in _scan(module):
            decl = value if isinstance(value, Group) else getattr(value, DECLARATION_ATTRIBUTE, None) if callable(value) else None
            if decl is not None and getattr(decl, "code", None) == code:
                return True
    return False


def nodes_leaves(nodes: Mapping[str, PlanNode], code: str) -> list[str]:
    node = nodes[code]
    if not node.children:
        return [code]
    out: list[str] = []
    for child in node.children:
        out.extend(nodes_leaves(nodes, child))
    return out


def _check_sums(label: str, nodes: Mapping[str, PlanNode], sections: Sequence[Section]) -> None:
    """Refuse a tree whose maxima do not add up, naming the node and both numbers."""
    for node in sorted(nodes.values(), key=lambda n: natural_key(n.code)):
        if node.kind != "group" or not node.counted:
            continue
        if node.bonus:
            kids = [nodes[c] for c in node.children]
            total = sum((k.max for k in kids), ZERO)
            if not kids or any(not k.bonus for k in kids) or total != node.max:
                raise PackError(
                    f"{label}: bonus block '{node.code}' declares max {fmt(node.max)}; its children must be bonus items adding up to it"
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
                        f"{label}: variant '{kid.variant}' ({kid.code}) of '{node.code}' has max {fmt(kid.max)}, but '{node.code}' declares {fmt(node.max)}"
                    )
            continue
        if not kids:
            raise PackError(f"{label}: group '{node.code}' declares max {fmt(node.max)} but has no counted children")
        total = sum((k.max for k in kids), ZERO)
        if total != node.max:
            parts = " + ".join(f"{k.code} {fmt(k.max)}" for k in kids)
            raise PackError(f"{label}: '{node.code}' declares max {fmt(node.max)} but its children add up to {fmt(total)} ({parts})")
    for section in sections:
        roots = [n for n in nodes.values() if n.section == section.name and n.parent is None and n.counted and not n.bonus]
        total = sum((n.max for n in roots), ZERO)
        if total != section.raw_max:
            parts = " + ".join(f"{n.code} {fmt(n.max)}" for n in sorted(roots, key=lambda n: natural_key(n.code)))
            raise PackError(
                f"{label}: section '{section.name}' declares raw max {fmt(section.raw_max)} but its top-level nodes add up to {fmt(total)} ({parts or 'nothing'})"
            )
