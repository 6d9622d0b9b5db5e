"""What changed between two rulesets: the notice-review meeting's list.

Nodes added and removed, maxima, titles, parents, citations, replaced functions,
vetoes, sections (weights, raw maxima, titles, citations), evidence fields and
rule parameters (tier rows, per-item amounts, deadlines), compared category by
category on the collected plans; and the units of each roster (added, removed,
renamed, moved under another parent, their attributes). Values are described exactly, never rounded.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ._collect import Plan, PlanNode, closure, natural_key
from ._errors import UsageError, did_you_mean
from ._frozen import frozen
from ._i18n import NP_, gettext, pgettext
from ._score import fmt

#: The order kinds are listed in, for one subject.
KINDS = (
    "category-added",
    "category-removed",
    "section-added",
    "section-removed",
    "section-title",
    "section-weight",
    "section-raw-max",
    "section-citation",
    "unit-added",
    "unit-removed",
    "unit",
    "node-added",
    "node-removed",
    "title",
    "max",
    "parent",
    "targets",
    "counted",
    "methods",
    "citation",
    "function",
    "veto-added",
    "veto-removed",
    "parameter-added",
    "parameter-removed",
    "parameter",
    "rule",
    "field-added",
    "field-removed",
    "field",
)

#: The kinds as the table and markdown name them (JSON keeps the kinds themselves).
KIND_NAMES = (
    NP_("change", "category-added"),
    NP_("change", "category-removed"),
    NP_("change", "section-added"),
    NP_("change", "section-removed"),
    NP_("change", "section-title"),
    NP_("change", "section-weight"),
    NP_("change", "section-raw-max"),
    NP_("change", "section-citation"),
    NP_("change", "unit-added"),
    NP_("change", "unit-removed"),
    NP_("change", "unit"),
    NP_("change", "node-added"),
    NP_("change", "node-removed"),
    NP_("change", "title"),
    NP_("change", "max"),
    NP_("change", "parent"),
    NP_("change", "targets"),
    NP_("change", "counted"),
    NP_("change", "methods"),
    NP_("change", "citation"),
    NP_("change", "function"),
    NP_("change", "veto-added"),
    NP_("change", "veto-removed"),
    NP_("change", "parameter-added"),
    NP_("change", "parameter-removed"),
    NP_("change", "parameter"),
    NP_("change", "rule"),
    NP_("change", "field-added"),
    NP_("change", "field-removed"),
    NP_("change", "field"),
)


@frozen
class Change:
    """One difference between ruleset ``a`` (before) and ``b`` (after).

    :param categories: the categories it concerns (a parameter may serve several).
    :param subject: a node code, a section name, a parameter or field name.
    """

    kind: str
    categories: tuple[str, ...]
    subject: str
    before: str = ""
    after: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "categories": list(self.categories), "subject": self.subject, "before": self.before, "after": self.after}


def describe(value: Any) -> str:
    """An exact, stable description of a parameter value or rule object."""
    from ._score import RULE_TYPES, Ladder

    if isinstance(value, Ladder):
        return f"{value.what}: " + "; ".join(row.label for row in value.rows)
    if isinstance(value, RULE_TYPES) and attrs.has(type(value)):
        parts = []
        for attribute in attrs.fields(type(value)):
            if attribute.name in ("name", "categories"):
                continue
            parts.append(f"{attribute.name}={describe(getattr(value, attribute.name))}")
        return f"{type(value).__name__}(" + ", ".join(parts) + ")"
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(describe(v) for v in items) + "]"
    if attrs.has(type(value)):
        return describe(attrs.asdict(value, recurse=False))
    return repr(value)


def _citation(node_source: Any) -> str:
    return str(node_source) if node_source is not None else ""


def _function(plan: Plan, code: str) -> str:
    for ip in plan.indicators:
        if ip.node.code == code:
            return _qualified(ip.func)
    return ""


def _qualified(func: Any) -> str:
    """A rule function as rules-diff names it: ``module.qualname``."""
    return f"{func.__module__}.{func.__qualname__}"


def _node_line(node: PlanNode) -> str:
    return f"{node.title} (max {fmt(node.max)})"


def _used_parameters(plan: Plan) -> dict[str, Any]:
    roots: set[str] = set()
    for ip in plan.indicators:
        roots |= ip.fixtures
    for veto in plan.vetoes:
        roots |= closure(veto.argnames, plan.fixtures)
    return {n: plan.fixtures[n].parameter.value for n in sorted(roots) if plan.fixtures[n].kind == "parameter"}  # type: ignore[union-attr]


def diff_plans(a: Plan, b: Plan) -> list[Change]:
    """Every difference between two plans of one category."""
    cat = (b.category.key,)
    out: list[Change] = []
    sa, sb = {s.name: s for s in a.sections}, {s.name: s for s in b.sections}
    for name in sorted(sa.keys() | sb.keys()):
        x, y = sa.get(name), sb.get(name)
        if x is None and y is not None:
            out.append(Change("section-added", cat, name, "", f"{y.title} (weight {fmt(y.weight)}, raw max {fmt(y.raw_max)})"))
        elif y is None and x is not None:
            out.append(Change("section-removed", cat, name, f"{x.title} (weight {fmt(x.weight)}, raw max {fmt(x.raw_max)})", ""))
        elif x is not None and y is not None:
            if x.title != y.title:
                out.append(Change("section-title", cat, name, x.title, y.title))
            if x.weight != y.weight:
                out.append(Change("section-weight", cat, name, fmt(x.weight), fmt(y.weight)))
            if x.raw_max != y.raw_max:
                out.append(Change("section-raw-max", cat, name, fmt(x.raw_max), fmt(y.raw_max)))
            if x.source != y.source:
                out.append(Change("section-citation", cat, name, _citation(x.source), _citation(y.source)))
    for code in sorted(a.nodes.keys() | b.nodes.keys(), key=natural_key):
        before_node, after_node = a.nodes.get(code), b.nodes.get(code)
        if before_node is None and after_node is not None:
            out.append(Change("node-added", cat, code, "", _node_line(after_node)))
            continue
        if after_node is None and before_node is not None:
            out.append(Change("node-removed", cat, code, _node_line(before_node), ""))
            continue
        if before_node is None or after_node is None:  # unreachable: a code is in one of the plans; this keeps type checkers honest
            continue
        for kind, before, after in (
            ("title", before_node.title, after_node.title),
            ("max", fmt(before_node.max), fmt(after_node.max)),
            ("parent", before_node.parent or "", after_node.parent or ""),
            ("counted", describe(before_node.counted), describe(after_node.counted)),
            ("methods", ", ".join(before_node.methods), ", ".join(after_node.methods)),
            ("citation", _citation(before_node.source), _citation(after_node.source)),
        ):
            if before != after:
                out.append(Change(kind, cat, code, before, after))
        if before_node.kind != "group":
            fa, fb = _function(a, code), _function(b, code)
            if fa != fb:
                out.append(Change("function", cat, code, fa, fb))
    va, vb = {v.code: v for v in a.vetoes}, {v.code: v for v in b.vetoes}
    for code in sorted(va.keys() - vb.keys(), key=natural_key):
        out.append(Change("veto-removed", cat, code, va[code].title, ""))
    for code in sorted(vb.keys() - va.keys(), key=natural_key):
        out.append(Change("veto-added", cat, code, "", vb[code].title))
    for code in sorted(va.keys() & vb.keys(), key=natural_key):
        then, now = va[code], vb[code]
        for kind, before, after in (
            ("title", then.title, now.title),
            ("targets", ", ".join(then.targets), ", ".join(now.targets)),
            ("citation", _citation(then.source), _citation(now.source)),
            ("function", _qualified(then.func), _qualified(now.func)),
        ):
            if before != after:
                out.append(Change(kind, cat, code, before, after))
    pa, pb = _used_parameters(a), _used_parameters(b)
    for name in sorted(pa.keys() | pb.keys()):
        if name not in pb:
            out.append(Change("parameter-removed", cat, name, describe(pa[name]), ""))
        elif name not in pa:
            out.append(Change("parameter-added", cat, name, "", describe(pb[name])))
        elif describe(pa[name]) != describe(pb[name]):
            out.append(Change("parameter", cat, name, describe(pa[name]), describe(pb[name])))
    # Parameters were compared above; module-level rule objects are compared by qualified name.
    ra = {k: v for k, v in a.rule_objects if not k.startswith("parameter ")}
    rb = {k: v for k, v in b.rule_objects if not k.startswith("parameter ")}
    for name in sorted(ra.keys() & rb.keys()):
        if describe(ra[name]) != describe(rb[name]):
            out.append(Change("rule", cat, name, describe(ra[name]), describe(rb[name])))
    fa_, fb_ = {f.key for f in a.fields}, {f.key for f in b.fields}
    out.extend(Change("field-removed", cat, key) for key in sorted(fa_ - fb_))
    out.extend(Change("field-added", cat, key) for key in sorted(fb_ - fa_))
    da, db = {f.key: f for f in a.fields}, {f.key: f for f in b.fields}
    for key in sorted(fa_ & fb_):
        before, after = _field_difference(da[key], db[key])
        if before != after:
            out.append(Change("field", cat, key, before, after))
    return out


def _field_difference(a: Any, b: Any) -> tuple[str, str]:
    """What differs between two declarations of one evidence field (its type, range, choices…),
    as ``name=value`` pairs, before and after."""
    before, after = [], []
    for attribute in attrs.fields(type(a)):
        if not attribute.eq or attribute.name.startswith("_"):  # derived: a parser made from the type
            continue
        old, new = describe(getattr(a, attribute.name)), describe(getattr(b, attribute.name, None))
        if old != new:
            before.append(f"{attribute.name}={old}")
            after.append(f"{attribute.name}={new}")
    return ", ".join(before), ", ".join(after)


def diff_rulesets(catalog: Any, a: str, b: str, category: str | None = None) -> list[Change]:
    """What changes from ruleset ``a`` to ruleset ``b`` (every category both know, or ``category``)."""
    for name in (a, b):
        catalog.named(name)  # an unknown name is a usage error naming the closest installed
    # Categories with sections (a category that only holds sub-units has no tree to compare).
    ca = {k for r, k, _ in catalog.sections if r == a}
    cb = {k for r, k, _ in catalog.sections if r == b}
    if category is not None:
        if category not in ca | cb:
            hint = did_you_mean(category, ca | cb)
            raise UsageError(
                gettext("neither {0} nor {1} has a category '{2}'").format(a, b, category) + (gettext("; ") + hint if hint else "")
            )
        ca, cb = ca & {category}, cb & {category}
    changes: list[Change] = []
    changes.extend(Change("category-added", (key,), key) for key in sorted(cb - ca))
    changes.extend(Change("category-removed", (key,), key) for key in sorted(ca - cb))
    for key in sorted(ca & cb):
        changes.extend(diff_plans(catalog.plan(a, key), catalog.plan(b, key)))
    rosters_a = {k for r, k in catalog.rosters if r == a}
    rosters_b = {k for r, k in catalog.rosters if r == b}
    for key in sorted(rosters_a & rosters_b):
        if category is None or key == category:
            changes.extend(diff_rosters(key, catalog.roster(a, key), catalog.roster(b, key)))
    return merge(changes)


def diff_rosters(category: str, a: Sequence[Any], b: Sequence[Any]) -> list[Change]:
    """Units added, removed or changed (name, parent, attributes) from roster ``a`` to ``b``."""
    before, after = {u.code: u for u in a}, {u.code: u for u in b}
    out = [Change("unit-added", (category,), code, "", _unit_line(after[code])) for code in after if code not in before]
    out += [Change("unit-removed", (category,), code, _unit_line(before[code]), "") for code in before if code not in after]
    for code in before.keys() & after.keys():
        x, y = before[code], after[code]
        if (x.name, x.parent, dict(x.attributes)) != (y.name, y.parent, dict(y.attributes)):
            out.append(Change("unit", (category,), code, _unit_line(x), _unit_line(y)))
    return out


def _unit_line(unit: Any) -> str:
    """A unit as rules-diff shows it: its name, parent and attributes, exactly."""
    parts = [unit.name]
    if unit.parent is not None:
        parts.append(f"parent={unit.parent}")
    parts.extend(f"{key}={describe(value)}" for key, value in sorted(unit.attributes.items()))
    return ", ".join(parts)


def merge(changes: Iterable[Change]) -> list[Change]:
    """One change per (kind, subject, before, after): a parameter several categories use is listed once."""
    merged: dict[tuple[str, str, str, str], set[str]] = {}
    for change in changes:
        merged.setdefault((change.kind, change.subject, change.before, change.after), set()).update(change.categories)
    rank = {kind: index for index, kind in enumerate(KINDS)}
    out = [Change(kind, tuple(sorted(cats)), subject, before, after) for (kind, subject, before, after), cats in merged.items()]
    return sorted(
        out, key=lambda c: (c.categories, _group(c.kind), natural_key(c.subject), rank.get(c.kind, len(KINDS)), c.before, c.after)
    )


def _pad(text: str, size: int) -> str:
    """``text`` left-aligned in ``size`` columns, a Chinese character taking two."""
    from ._report import pad

    return pad(text, size, right=False)


def _group(kind: str) -> int:
    """Categories, then sections, then units, then the tree, then parameters and rules, then evidence fields."""
    if kind.startswith("category"):
        return 0
    if kind.startswith("section"):
        return 1
    if kind.startswith("unit"):
        return 2
    if kind.startswith(("parameter", "rule")):
        return 4
    if kind.startswith("field"):
        return 5
    return 3


def render(changes: Sequence[Change], a: str, b: str, format_: str) -> str:
    """``table``, ``markdown`` or ``json`` (``{"changes": [...]}``)."""
    if format_ == "json":
        return json.dumps({"from": a, "to": b, "changes": [c.as_dict() for c in changes]}, ensure_ascii=False, indent=2) + "\n"
    rows = [(",".join(c.categories), pgettext("change", c.kind), c.subject, c.before, c.after) for c in changes]
    head = (gettext("category"), gettext("change"), gettext("subject"), a, b)
    if format_ == "markdown":
        lines = [gettext("## Rule changes from {0} to {1}").format(a, b), ""]
        if not rows:
            return "\n".join([*lines, gettext("No changes."), ""])
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        lines.extend("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows)
        return "\n".join(lines) + "\n"
    if not rows:
        return gettext("no rule changes from {0} to {1}").format(a, b) + "\n"
    lines = [gettext("rule changes from {0} to {1}: {2}").format(a, b, len(rows))]
    width = max(12, *(len(row[0]) for row in rows))  # "city,county,provincial" beside "city": one column
    none = gettext("(none)")
    for change, (category, kind, subject, before, after) in zip(changes, rows):
        lines.append(f"  {category:<{width}} {_pad(kind, 18)} {subject}")
        whole = change.kind.endswith(("-added", "-removed"))  # one side only, by its nature
        if before or (not whole and after):  # a value dropped (methods, a constraint) shows as none, not as no line
            lines.append(f"      - {before or none}")
        if after or (not whole and before):
            lines.append(f"      + {after or none}")
    return "\n".join(lines) + "\n"
