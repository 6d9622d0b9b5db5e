"""Rule coverage: which indicators the golden cases reached and which rule branches they never took.

Two sources are combined. The scoring vocabulary records every branch it takes
(a tier row, a deduction item kind, a cap, a floor) in ``Score.hits``, and the
engine adds vetoes, alternatives and roll-ups; the branches that exist come
from the rule objects an indicator function refers to (``Ladder.branches`` …)
and from the plan. coverage.py measures the Python lines of each indicator
function, for logic written without the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ._collect import IndicatorPlan, Plan
from ._frozen import frozen
from ._i18n import NP_, gettext, pgettext
from ._reach import rules_read
from ._score import ROLLUP


@frozen
class IndicatorCoverage:
    code: str
    title: str
    reached: bool
    branches: tuple[str, ...]  # every branch label that exists
    missed: tuple[str, ...]  # labels never taken
    lines: tuple[int, int] | None = None  # (executed, statements) of the function
    missed_lines: tuple[int, ...] = ()


@frozen
class PlanCoverage:
    ruleset: str
    category: str
    cases: int
    indicators: tuple[IndicatorCoverage, ...]

    @property
    def reached_percent(self) -> float:
        total = len(self.indicators)
        return 100.0 * sum(i.reached for i in self.indicators) / total if total else 100.0

    @property
    def branch_counts(self) -> tuple[int, int]:
        total = sum(len(i.branches) for i in self.indicators)
        return total - sum(len(i.missed) for i in self.indicators), total


#: The branches the vocabulary names in words of its own (a ladder's are its rows' labels, a
#: deduction's and an award's also their item kinds): shown in the command's language.
BRANCH_WORDS = frozenset(
    (
        NP_("rule branch", "full"),
        NP_("rule branch", "partial"),
        NP_("rule branch", "none"),
        NP_("rule branch", "nothing to count"),
        NP_("rule branch", "yes"),
        NP_("rule branch", "no"),
        NP_("rule branch", "none deducted"),
        NP_("rule branch", "floor"),
        NP_("rule branch", "nothing awarded"),
        NP_("rule branch", "cap"),
    )
)


def branch_label(branch: str) -> str:
    """A rule's branch as the coverage report shows it: the vocabulary's words translated, an item
    kind in the pack's words (its catalogue's), a ladder row's label as it is."""
    return pgettext("rule branch", branch) if branch in BRANCH_WORDS else gettext(branch)


def expected_branches(plan: Plan, ip: IndicatorPlan) -> list[tuple[str, str, str]]:
    """``(rule, branch, label)`` triples that rule coverage expects some case to take; the label
    in the current language (the rule's kind is the vocabulary's class, ``ladder``, ``graded``)."""
    out: list[tuple[str, str, str]] = []
    for _where, rule in rules_read(plan, ip):  # the other column of a two-column table left out
        for branch in rule.branches:
            out.append((rule.name, branch, gettext("{0} '{1}': {2}").format(type(rule).__name__.lower(), rule.name, branch_label(branch))))
    code = ip.node.code
    for alt in ip.alternatives:
        out.append((code, f"alternative {alt.branch}", gettext("alternative {0}").format(alt.label or alt.branch)))
    if ip.rollup_tables:
        out.append(("*", ROLLUP, gettext("roll-up: no case counted an item of a sub-unit")))
    for veto in plan.vetoes:
        if code in veto.leaves:
            out.append((veto.code, "applied", gettext("veto {0} {1}").format(veto.code, veto.title)))
    if ip.node.kind == "bonus":
        out.append(("section", "capped", gettext("section raw score capped after the bonus")))
    return out


def measure(plan: Plan, outcomes: Sequence[Any], line_data: Any = None) -> PlanCoverage:
    """Coverage of one plan by the outcomes of its golden cases (``line_data``: a ``coverage.Coverage``)."""
    mine = [o for o in outcomes if o.plan.ruleset.name == plan.ruleset.name and o.plan.category.key == plan.category.key]
    taken: dict[str, set[tuple[str, str]]] = {}
    reached: set[str] = set()
    for outcome in mine:
        capped_sections = {s.name for s in outcome.result.sections if s.capped}
        for ip, item in zip(outcome.plan.indicators, outcome.result.indicators):
            hits = taken.setdefault(item.code, set())
            if item.status == "scored":
                reached.add(item.code)
            hits.update(item.hits)
            if ip.node.kind == "bonus" and item.points > 0 and plan.sections[ip.section_index].name in capped_sections:
                hits.add(("section", "capped"))
        for veto in outcome.result.vetoes:
            if veto.status == "applied":
                for code in next((v.leaves for v in plan.vetoes if v.code == veto.code), ()):
                    taken.setdefault(code, set()).add((veto.code, "applied"))
    analyses: dict[str, Any] = {}
    rows = []
    for ip in plan.indicators:
        code = ip.node.code
        hits = taken.get(code, set())
        expected = expected_branches(plan, ip)
        rolled_up = any(branch == ROLLUP for _, branch in hits)
        missed = tuple(label for rule, branch, label in expected if (rule, branch) not in hits and not (rule == "*" and rolled_up))
        lines = None
        missed_lines: tuple[int, ...] = ()
        if line_data is not None:
            lines, missed_lines = _lines(line_data, ip.func, analyses)
        rows.append(
            IndicatorCoverage(code, ip.node.title, code in reached, tuple(label for *_, label in expected), missed, lines, missed_lines)
        )
    return PlanCoverage(plan.ruleset.name, plan.category.key, len(mine), tuple(rows))


def _lines(cov: Any, func: Any, cache: dict[str, Any]) -> tuple[tuple[int, int] | None, tuple[int, ...]]:
    filename = func.__code__.co_filename
    if filename not in cache:
        try:
            _, statements, _, missing, _ = cov.analysis2(filename)
        except Exception:  # not measured (e.g. outside the include list)
            cache[filename] = None
        else:
            cache[filename] = (set(statements), set(missing))
    data = cache[filename]
    if data is None:
        return None, ()
    statements, missing = data
    body = _body_lines(func.__code__)
    mine = statements & body
    missed = sorted(missing & body)
    return (len(mine) - len(missed), len(mine)), tuple(missed)


def _body_lines(code: Any) -> set[int]:
    """Lines of a function body, nested code (generator expressions) included, without the ``def`` line."""
    lines = {line for _, _, line in code.co_lines() if line is not None}
    for const in code.co_consts:
        if hasattr(const, "co_lines"):
            lines |= _body_lines(const)
    lines.discard(code.co_firstlineno)
    return lines


def render(reports: Iterable[PlanCoverage]) -> str:
    from ._i18n import gettext as _

    lines: list[str] = []
    for report in reports:
        taken, total = report.branch_counts
        lines.append(_("rule coverage · {0}/{1} · {2} case(s)").format(report.ruleset, report.category, report.cases))
        for row in report.indicators:
            state = _("reached") if row.reached else _("NOT REACHED")
            code_lines = "  " + _("lines {0}/{1}").format(*row.lines) if row.lines else ""
            lines.append(f"  {row.code} {row.title}: {state}{code_lines}")
            for label in row.missed:
                lines.append("      " + _("never taken: {0}").format(label))
            if row.missed_lines:
                lines.append("      " + _("lines never run: {0}").format(", ".join(map(str, row.missed_lines))))
        branch_pct = 100.0 * taken / total if total else 100.0
        lines.append(
            "  "
            + _("indicators reached {0}/{1} ({2}) · rule branches taken {3}/{4} ({5})").format(
                sum(r.reached for r in report.indicators),
                len(report.indicators),
                f"{report.reached_percent:.1f}%",
                taken,
                total,
                f"{branch_pct:.1f}%",
            )
        )
        lines.append("")
    return "\n".join(lines)
