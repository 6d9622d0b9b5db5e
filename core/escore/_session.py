"""One run of a category: choose the ruleset, load roster and evidence, score, rank."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from ._collect import Plan
from ._errors import InputError, UsageError
from ._load import EvidenceSet, load_evidence
from ._model import Unit
from ._plugins import Catalog
from ._run import Engine, RunResult, count_statuses, rank, select
from ._stamp import PackStamp, make_stamp
from ._version import __version__


def check_roster(plan: Plan, units: Sequence[Unit], where: str) -> None:
    """Every unit carries the attributes the tree's variants are picked by, with a declared value."""
    choices: dict[str, set[str]] = {}
    for node in plan.nodes.values():
        if node.variant_by:
            choices.setdefault(node.variant_by, set()).update(plan.nodes[c].variant for c in node.children if plan.nodes[c].variant)
    for unit in units:
        for attribute, allowed in sorted(choices.items()):
            value = unit.attributes.get(attribute)
            if value not in allowed:
                raise InputError(
                    where, f"{unit.code}.attributes.{attribute}", f"expected one of {', '.join(sorted(allowed))}, got {value!r}"
                )


def children_of(catalog: Catalog, plan: Plan) -> dict[str, tuple[Unit, ...]]:
    """Sub-units by parent code (e.g. a city's counties), for roll-ups and the ``subunits`` fixture."""
    sub = plan.category.subunits
    if not sub or (plan.ruleset.name, sub) not in catalog.rosters:
        return {}
    out: dict[str, list[Unit]] = {}
    for unit in catalog.roster(plan.ruleset.name, sub):
        if unit.parent:
            out.setdefault(unit.parent, []).append(unit)
    return {code: tuple(units) for code, units in out.items()}


def relabel(data: EvidenceSet, paths: Sequence[Path]) -> EvidenceSet:
    """The evidence set with every evidence path shown relative to its root's label (no machine paths in output)."""
    from ._paths import root_label

    prefixes = sorted(((str(p), root_label(p)) for p in paths), key=lambda item: -len(item[0]))
    labels = dict(prefixes)

    def show(where: str) -> str:
        parts = []
        for part in where.split(" + "):
            if part in labels:  # a unit file given as an evidence path
                parts.append(labels[part])
                continue
            for prefix, label in prefixes:
                if part.startswith(prefix + os.sep):
                    part = label + "/" + Path(part[len(prefix) + 1 :]).as_posix()
                    break
            parts.append(part)
        return " + ".join(parts)

    return attrs.evolve(data, files={code: show(where) for code, where in data.files.items()}, sources=tuple(labels[str(p)] for p in paths))


def pack_stamps(catalog: Catalog, plan: Plan) -> Iterable[PackStamp]:
    """The distributions of the plugins that registered anything this plan is built from."""
    from ._plugins import list_plugins

    ruleset, category = plan.ruleset.name, plan.category.key
    names = {catalog.rulesets[ruleset][1], catalog.categories[(ruleset, category)][1]}
    names.update(plugin for (r, c, _), (_, plugin) in catalog.sections.items() if (r, c) == (ruleset, category))
    names.update(plugin for r, targets, _, plugin in catalog.indicator_modules if r == ruleset and any(c == category for c, _ in targets))
    names.update(plugin for (r, c), (_, plugin) in catalog.rosters.items() if r == ruleset and c in (category, plan.category.subunits))
    return [PackStamp(i.name, i.distribution, i.version) for i in list_plugins(catalog.pm) if i.name in names]


def run_category(
    catalog: Catalog,
    category: str,
    *,
    ruleset: str | None = None,
    year: int | None = None,
    evidence: Sequence[Path] = (),
    keyword: str | None = None,
    marks: str | None = None,
    only: Sequence[str] = (),
    explain: bool = True,
) -> RunResult:
    """Score and rank every unit of ``category`` (or just the unit codes in ``only``)."""
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    plan = catalog.plan(chosen.name, category)
    selected = select(plan, keyword, marks)
    if not selected:  # a ranking of zeros would look like a result
        shown = " ".join(part for part in (f"-k {keyword!r}" if keyword else "", f"-m {marks!r}" if marks else "") if part)
        raise UsageError(
            f"{shown} matches none of the {len(plan.indicators)} indicators of {plan.ruleset.name}/{category}; see escore list -c {category}"
        )
    units = catalog.roster(chosen.name, category)
    check_roster(plan, units, f"roster {chosen.name}/{category}")
    if only:
        wanted = set(only)
        units = tuple(u for u in units if u.code in wanted)
    children = children_of(catalog, plan)
    paths = list(evidence) or catalog.sample_evidence(plan)
    sub_codes = [c.code for kids in children.values() for c in kids]
    data = relabel(
        load_evidence(paths, plan, [u.code for u in units], catalog.all_unit_codes(chosen.name), catalog.loaders, sub_codes), paths
    )
    result = score_with(plan, selected, units, children, data, keyword=keyword, marks=marks, explain=explain)
    result = result._replace(stamp=make_stamp(__version__, pack_stamps(catalog, plan), paths))
    notify_finished(catalog, result)
    return result


def score_with(
    plan: Plan,
    selected: Sequence,
    units: Sequence[Unit],
    children: dict[str, tuple[Unit, ...]],
    data: EvidenceSet,
    *,
    keyword: str | None = None,
    marks: str | None = None,
    explain: bool = True,
) -> RunResult:
    engine = Engine(plan, selected, explain=explain)
    values, tables, files = data.values, data.tables, data.files
    empty: dict = {}
    results = engine.score_many(((u, values.get(u.code, empty), children.get(u.code, ()), files.get(u.code, "")) for u in units), tables)
    ordered, ranks = rank(results)
    selection = " ".join(part for part in (f"-k {keyword!r}" if keyword else "", f"-m {marks!r}" if marks else "") if part)
    return RunResult(plan, ordered, ranks, tuple(selected), data.synthetic, data.notes, data.sources, selection, count_statuses(ordered))


def notify_finished(catalog: Catalog, result: RunResult) -> None:
    """Call every ``escore_run_finished`` implementation; one that raises is named in a
    warning and does not stop the others or the output (the result is already complete)."""
    from ._errors import warn
    from ._plugins import describe, plugin_failure

    pm = catalog.pm
    distributions = getattr(pm, "_escore_distributions", {})
    impls = sorted(pm.hook.escore_run_finished.get_hookimpls(), key=lambda i: i.plugin_name)
    for impl in impls:
        # One plugin at a time, through the plugin manager (so ESCORE_TRACE_PLUGINS traces it).
        others = [i.plugin for i in impls if i is not impl]
        try:
            pm.subset_hook_caller("escore_run_finished", remove_plugins=others)(result=result)
        except (Exception, SystemExit) as exc:
            warn(f"{describe(impl.plugin_name, distributions.get(impl.plugin_name))}: escore_run_finished raised {plugin_failure(exc)}")
