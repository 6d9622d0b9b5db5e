"""Turning results into plain data and text; the built-in formats use these.

Points are rounded here and only here: half-up to 2 decimal places
(:func:`~escore._run.present`). Ranks and totals were computed on exact values.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from ._collect import Plan
from ._run import RunResult, present
from ._score import fmt

SYNTHETIC_BANNER = "SYNTHETIC EVIDENCE: sample data made up for demonstration, not real assessment results"


def run_to_dict(result: RunResult) -> dict[str, Any]:
    """The JSON/TOML shape of a run (decimals as strings rounded for presentation)."""
    return {**run_header(result), "units": list(unit_dicts(result))}


def run_header(result: RunResult) -> dict[str, Any]:
    """Everything of :func:`run_to_dict` but the units (which come last, for streaming writers)."""
    plan = result.plan
    return {
        "ruleset": plan.ruleset.name,
        "year": plan.ruleset.year,
        "category": plan.category.key,
        "synthetic": result.synthetic,
        "notice": SYNTHETIC_BANNER if result.synthetic else "",
        "evidence": list(result.evidence),
        "selection": result.selection,
        "rounding": "points shown rounded half-up to 2 decimal places; ranks use exact totals",
        "statuses": result.status_counts(),
    }


def unit_dicts(result: RunResult) -> Iterator[dict[str, Any]]:
    """Each unit of :func:`run_to_dict`, in rank order, one at a time."""
    plan = result.plan
    section_of = {ip.node.code: plan.sections[ip.section_index].name for ip in result.selected}
    for rank, unit_result in zip(result.ranks, result.units):
        unit = unit_result.unit
        yield {
            "code": unit.code,
            "name": unit.name,
            "parent": unit.parent or "",
            "rank": rank,
            "total": present(unit_result.total),
            "total_exact": fmt(unit_result.total),
            "sections": [
                {
                    "name": s.name,
                    "title": s.title,
                    "weight": fmt(s.weight),
                    "raw": present(s.raw),
                    "raw_max": fmt(s.raw_max),
                    "points": present(s.points),
                }
                for s in unit_result.sections
            ],
            "indicators": [
                {
                    "code": item.code,
                    "title": plan.nodes[item.code].title,
                    "section": section_of[item.code],
                    "max": fmt(plan.nodes[item.code].max),
                    "points": present(item.points),
                    "status": item.status,
                    "reasons": list(item.reasons),
                }
                for item in unit_result.indicators
            ],
            "vetoes": [{"code": v.code, "title": v.title, "status": v.status, "reason": v.reason} for v in unit_result.vetoes],
        }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON shape of ``escore list``."""
    sections = []
    for section in plan.sections:
        nodes = []
        for _, node in plan.walk(section.name):
            nodes.append(
                {
                    "code": node.code,
                    "title": node.title,
                    "parent": node.parent or "",
                    "max": fmt(node.max),
                    "counted": node.counted,
                    "kind": node.kind,
                    "variant": node.variant or "",
                    "methods": list(node.methods),
                    "source": str(node.source.text) if node.source else "",
                    "source_note": node.source.note if node.source else "",
                }
            )
        sections.append(
            {"name": section.name, "title": section.title, "weight": fmt(section.weight), "raw_max": fmt(section.raw_max), "nodes": nodes}
        )
    return {"ruleset": plan.ruleset.name, "year": plan.ruleset.year, "category": plan.category.key, "sections": sections}


def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    sizes = [max(width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(str(cell), sizes[i], right=right[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * size for size in sizes))
    for row in rows:
        lines.append("  ".join(pad(str(cell), sizes[i], right=right[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def run_heading(result: RunResult) -> list[str]:
    plan = result.plan
    counts = result.status_counts()
    lines = [f"escore · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title} · {len(result.units)} units"]
    if result.synthetic:
        lines.append(f"*** {SYNTHETIC_BANNER} ***")
        lines.extend(f"    {note}" for note in result.notes)
    if result.selection:
        lines.append(
            f"selection: {result.selection} ({len(result.selected)} of {len(plan.indicators)} indicators; totals count only these)"
        )
    lines.append("statuses: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return lines


def run_table(result: RunResult) -> str:
    return "".join(run_table_lines(result))


def run_table_lines(result: RunResult) -> Iterator[str]:
    """The ranking table, line by line (from each unit's summary: no detail is scored again)."""
    from ._stream import summaries_of

    sections = result.plan.sections
    header = ["rank", "code", "name", *(f"{s.name} /{fmt(s.weight)}" for s in sections), "total", "missing", "errors"]
    rows = [
        [
            str(rank),
            summary.unit.code,
            summary.unit.name,
            *(present(points) for points in summary.sections),
            present(summary.total),
            str(summary.missing or ""),
            str(summary.errors or ""),
        ]
        for rank, summary in zip(result.ranks, summaries_of(result.units))
    ]
    right = [True, False, False, *([True] * len(sections)), True, True, True]
    for line in [*run_heading(result), "", *grid(header, rows, right), "", "points rounded half-up to 2 places; ranks use exact totals"]:
        yield line + "\n"


def catalog_table(plan: Plan) -> str:
    lines = [f"escore · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title}"]
    for section in plan.sections:
        lines.append("")
        lines.append(f"[{section.name}] {section.title}: raw max {fmt(section.raw_max)}, weight {fmt(section.weight)}")
        for depth, node in plan.walk(section.name):
            flags = []
            if not node.counted:
                flags.append("not scored")
            if node.kind == "bonus":
                flags.append("bonus")
            if node.variant:
                flags.append(f"variant {node.variant}")
            if node.variant_by:
                flags.append(f"variant by {node.variant_by}")
            if node.methods:
                flags.append("/".join(node.methods))
            extra = f"  ({'; '.join(flags)})" if flags else ""
            indent = "  " * (depth + 1)
            lines.append(f"{indent}{node.code} {node.title} [{fmt(node.max)}]{extra}")
            if node.source is not None:
                lines.append(f"{indent}    source: 「{node.source.text}」")
                if node.source.note:
                    lines.append(f"{indent}    note: {node.source.note}")
    return "\n".join(lines) + "\n"
