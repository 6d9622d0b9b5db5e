"""Whether an indicator's rules can give what its maximum says, checked when a plan is built.

Every indicator of the 2017 packs reads rules whose best outcome is exactly its maximum. Two
changes of a later year break that without any error at load: a replacement parameter whose
top tier is above the maximum (the first unit to reach it stopped the run, and the error named
the earlier year's file), and an ``amend()`` that raises a maximum while the rule stays (the
new points could never be given, and every unit's share was computed against them).
"""

from __future__ import annotations

import dis
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

from ._errors import PackError
from ._i18n import gettext
from ._score import RULE_TYPES, Award, Binary, Graded, Ladder, fmt

if TYPE_CHECKING:
    from ._collect import IndicatorPlan, Plan


def rule_top(rule: Any) -> Decimal:
    """The most points one call of ``rule`` can give."""
    if isinstance(rule, Ladder):
        return rule.max_points
    if isinstance(rule, Award):
        return rule.cap
    if isinstance(rule, Binary):
        return rule.points
    top: Decimal = rule.max  # Deduction, Proportional, Graded
    return top


def below_zero(rule: Any) -> list[str]:
    """The parts of ``rule`` that are below 0, each as ``what value`` (``tier '> 1个月 → -3'``,
    ``amount -1 for 'late'``): what would give a unit negative points, or let a deduction add them."""
    found: list[str] = []
    if isinstance(rule, Ladder):
        found += [f"tier '{row.label}'" for row in rule.rows if row.points < 0]
    for attribute in ("max", "floor", "cap", "points"):
        value = getattr(rule, attribute, None)
        if isinstance(value, Decimal) and value < 0:
            found.append(f"{attribute} {fmt(value)}")
    per = getattr(rule, "per", None)
    if isinstance(per, dict):
        found += [f"amount {fmt(amount)} for '{kind}'" for kind, amount in sorted(per.items()) if amount < 0]
    return found


def _module_attributes_read(code: CodeType | None, module_globals: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(module.NAME, value)`` for each attribute the code reads of a module a global holds
    (``C.NETWORK`` after ``from pack import comprehensive as C``; ``pack.comprehensive.NETWORK``),
    named where it is declared."""
    if code is None or not any(isinstance(module_globals.get(name), ModuleType) for name in code.co_names):
        return
    instructions = list(dis.get_instructions(code))
    for index, instruction in enumerate(instructions):
        if instruction.opname != "LOAD_GLOBAL":
            continue
        value = module_globals.get(instruction.argval)
        following = index + 1
        while isinstance(value, ModuleType) and following < len(instructions):
            attribute = instructions[following]
            if attribute.opname not in ("LOAD_ATTR", "LOAD_METHOD"):
                break
            module, value = value, getattr(value, attribute.argval, None)
            if not isinstance(value, ModuleType):
                yield f"{module.__name__}.{attribute.argval}", value
            following += 1


def rules_read(plan: Plan, ip: IndicatorPlan) -> list[tuple[str, Any]]:
    """``(where, rule)`` for each rule object the indicator reads: those its function names as
    module globals (``LADDER.score(...)``) or as attributes of a module a global holds
    (``C.NETWORK.score(...)``), then those it receives as parameters (directly or
    inside a tuple or mapping); each once, those of another category's column left out."""
    found: dict[int, tuple[str, Any]] = {}
    func = ip.func
    module_globals = getattr(func, "__globals__", {})
    code = getattr(func, "__code__", None)
    for name in code.co_names if code is not None else ():
        value = module_globals.get(name)
        if isinstance(value, RULE_TYPES):
            found.setdefault(id(value), (f"{func.__module__}.{name}", value))
    for where, value in _module_attributes_read(code, module_globals):
        if isinstance(value, RULE_TYPES):
            found.setdefault(id(value), (where, value))
    for name, defined_at, values in _parameter_values(plan, ip):
        for rule in values:
            if isinstance(rule, RULE_TYPES):
                found.setdefault(id(rule), (defined_at or f"parameter {name}", rule))
    category = plan.category.key
    return [(where, rule) for where, rule in found.values() if not rule.categories or category in rule.categories]


def check_rules_within_maxima(label: str, plan: Plan) -> None:
    """Refuse an indicator one of whose rules can give more than its maximum or less than 0 (a
    tier, an amount, a floor below 0: the first unit to reach it had stopped with an error), and an
    assessor-graded one whose field's points stop short of its rule's (or go beyond them)."""
    category = plan.category.key
    for ip in plan.indicators:
        rules = rules_read(plan, ip)
        for where, rule in rules:
            if isinstance(rule, Ladder):
                _check_tier_order(label, plan, ip, where, rule)
            negative = below_zero(rule)
            if negative:
                raise PackError(
                    f"{label}: {where}: {type(rule).__name__.lower()} '{rule.name}' has {', '.join(negative)}, below 0: "
                    f"the points of '{ip.node.code}' range from 0 to its maximum, {fmt(ip.node.max)} ({ip.node.where})"
                )
            top = rule_top(rule)
            if top > ip.node.max:
                # One rule per column of a table (column(unit, CITY_RULE, COUNTY_RULE)): the other
                # column's rule is read by this category's plan too unless it says whose it is.
                fitting = not rule.categories and any(other is not rule and rule_top(other) <= ip.node.max for _, other in rules)
                hint = (
                    f"; if '{rule.name}' scores other categories' units only (another column of the table), "
                    f"declare them: {type(rule).__name__}(..., categories=(...)), without {category!r}"
                    if fitting
                    else ""
                )
                raise PackError(
                    f"{label}: {where}: {type(rule).__name__.lower()} '{rule.name}' gives up to {fmt(top)}, more than the "
                    f"maximum of '{ip.node.code}', {fmt(ip.node.max)} ({ip.node.where}){hint}"
                )
        # One graded field read by one Graded rule (every such row of the 2017 packs): the
        # assessor's points must range as the rule grades them. A later year that raised the
        # rule and not the field had a maximum no assessor could enter.
        graded = [(where, rule) for where, rule in rules if isinstance(rule, Graded)]
        if len(graded) != 1:
            continue
        fields = (plan.fixtures[name] for name in sorted(ip.fixtures))
        graded_fields = [d for d in fields if d.kind == "field" and d.field is not None and d.field.type == "graded"]
        if len(graded_fields) == 1:
            (where, rule), definition = graded[0], graded_fields[0]
            field = definition.field.for_category(category)  # type: ignore[union-attr]
            if field.max is not None and field.max != rule.max:
                raise PackError(
                    f"{label}: {definition.where or field.key}: the assessor's points of {field.key} range up to {fmt(field.max)}, "
                    f"but '{ip.node.code}' grades them up to {fmt(rule.max)} ({where}): declare the field again with max {fmt(rule.max)}"
                )


def check_raised_maxima(label: str, earlier: Plan, plan: Plan) -> None:
    """Refuse a maximum the rules can no longer give, where the earlier year's rules gave it: one a
    later year raised while the rules that gave the earlier one stayed, and one that stayed while
    a replaced parameter of the same indicator function gives less (``[(0, 8), (1, 6)]`` for a
    maximum of 10). Either way the new points can never be given."""
    before = {ip.node.code: ip for ip in earlier.indicators}
    for ip in plan.indicators:
        then = before.get(ip.node.code)
        if then is None:
            continue
        raised = ip.node.max > then.node.max
        if not raised and (ip.node.max != then.node.max or ip.func is not then.func):
            continue  # lowered, or the indicator replaced: its own rules say what it gives
        rules_then = rules_read(earlier, then)
        if not rules_then or max(rule_top(rule) for _, rule in rules_then) != then.node.max:
            continue  # the earlier maximum was not one rule's best: nothing to compare with
        rules_now = rules_read(plan, ip)
        if not rules_now:
            continue
        best_where, best = max(rules_now, key=lambda found: rule_top(found[1]))
        if rule_top(best) >= ip.node.max:
            continue
        if raised:
            raise PackError(
                f"{label}: {ip.node.where}: the maximum of '{ip.node.code}' is {fmt(ip.node.max)} in {plan.ruleset.name} "
                f"({fmt(then.node.max)} in {earlier.ruleset.name}), but its rule {best_where} ('{best.name}') gives at most "
                f"{fmt(rule_top(best))}: replace that rule (or the indicator) too"
            )
        raise PackError(
            f"{label}: {best_where}: {type(best).__name__.lower()} '{best.name}' gives at most {fmt(rule_top(best))}, less than "
            f"the maximum of '{ip.node.code}', {fmt(ip.node.max)} ({ip.node.where}), which {earlier.ruleset.name}'s rules gave: "
            f"the full points could never be given; let the rule give {fmt(ip.node.max)}, or amend the maximum too"
        )


def parameter_holding(plan: Plan, ip: IndicatorPlan, rule: Any) -> str | None:
    """The name of the parameter of ``ip`` whose value is (or holds) ``rule``, if one is."""
    return next((name for name, _, values in _parameter_values(plan, ip) if any(held is rule for held in values)), None)


def _parameter_values(plan: Plan, ip: IndicatorPlan) -> Iterator[tuple[str, str | None, Iterable[Any]]]:
    """``(name, where, values)`` for each parameter ``ip`` receives, by name: its value, or the
    items of a tuple, list or mapping it is (a rule may be one of them)."""
    for name in sorted(ip.fixtures):
        definition = plan.fixtures[name]
        if definition.kind != "parameter" or definition.parameter is None:
            continue
        value = definition.parameter.value
        values = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else (value,)
        yield name, definition.where, values


def _check_tier_order(label: str, plan: Plan, ip: IndicatorPlan, where: str, rule: Ladder) -> None:
    """Refuse a ladder one of whose rows an earlier row shadows: the first row whose condition
    holds gives the points, so a threshold out of order (``≥ 60`` before ``≥ 80``) takes every
    value the rows after it were written for, and those rows are never given."""
    shadowed = rule.shadowed()
    if shadowed is None:
        return
    earlier, later = shadowed
    name = parameter_holding(plan, ip, rule)
    held = f" (parameter '{name}')" if name else ""
    if earlier.op == "else":
        expected = "the otherwise row comes last: declare every threshold in the steps, before it"
    elif later.op in (">=", ">") and earlier.op in (">=", ">"):
        expected = "list the thresholds from the highest down (Ladder.at_least: each below the one before)"
    elif later.op in ("<=", "<") and earlier.op in ("<=", "<"):
        expected = "list the thresholds from the lowest up (Ladder.at_most: each above the one before)"
    else:
        expected = "one ladder is either at_least (≥: higher is better) or at_most (≤: lower is better), not both"
    raise PackError(
        f"{label}: {where}{held}: the tiers of ladder '{rule.name}' of '{ip.node.code}' are out of order: tier '{earlier.label}' "
        f"comes before tier '{later.label}', and the first tier that matches gives the points, so '{earlier.label}' takes "
        f"every value '{later.label}' was written for and '{later.label}' is never given; {expected}"
    )


def reach_warnings(label: str, plan: Plan) -> list[str]:
    """What ``escore verify`` warns of in a plan whose rules load, each a sentence: a ladder
    that gives more for a worse value (a later tier above an earlier one: usually a table written
    the wrong way round, but a band such as 95–105% may be meant), and a maximum that the
    indicator's only rule cannot give (the notice may print a maximum its own table never reaches,
    so this is not refused; a later year's replacement parameter that lowers what the earlier
    year's rule gave is, by :func:`check_raised_maxima`)."""
    found: list[str] = []
    for ip in plan.indicators:
        rules = rules_read(plan, ip)
        for where, rule in rules:
            rising = rule.rising() if isinstance(rule, Ladder) else None
            if rising is None:
                continue
            name = parameter_holding(plan, ip, rule)
            held = gettext(" (parameter '{0}')").format(name) if name else ""
            earlier, later = rising
            found.append(
                gettext(
                    "{0}: {1}{2}: ladder '{3}' of '{4}' gives more for a worse value: tier '{5}' comes after tier '{6}', "
                    "so a unit that misses '{6}' gets more points; if the notice's table means it (a band, such as 95–105%), "
                    "leave it, else let each tier give at most the points of the tier before it"
                ).format(label, where, held, rule.name, ip.node.code, later.label, earlier.label)
            )
        if len(rules) != 1:
            continue
        (where, rule) = rules[0]
        top = rule_top(rule)
        if top >= ip.node.max:
            continue
        name = parameter_holding(plan, ip, rule)
        held = gettext(" (parameter '{0}')").format(name) if name else ""
        found.append(
            gettext(
                "{0}: {1}{2}: '{3}' has a maximum of {4} ({5}), but its only rule, {6} '{7}', gives at most {8}: no unit can "
                "get the full points; if the notice means it, leave it, else let the rule give {4} or amend the maximum"
            ).format(label, where, held, ip.node.code, fmt(ip.node.max), ip.node.where, type(rule).__name__.lower(), rule.name, fmt(top))
        )
    return found
