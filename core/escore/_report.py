"""Turning results into plain data and text; the built-in formats use these.

Points are rounded here and only here: half-up to 2 decimal places
(:func:`~escore._results.present`). Ranks and totals were computed on exact values.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from ._collect import Plan, PlanNode, sorted_naturally
from ._i18n import N_, gettext, language, method_label, ngettext, status_label
from ._results import RunResult, present
from ._score import EXACT_SUMS, ZERO, fmt, settle
from ._text import escape, escape_lines

if TYPE_CHECKING:
    from ._stamp import Stamp

SYNTHETIC_BANNER = N_("SYNTHETIC EVIDENCE: sample data made up for demonstration, not real assessment results")


def synthetic_banner() -> str:
    """The synthetic-evidence banner in the current language (machine output keeps the English one)."""
    return gettext(SYNTHETIC_BANNER)


def page_title(title: str, synthetic: bool) -> str:
    """A page's ``<title>``: marked when its data comes from synthetic evidence, so that a tab,
    a bookmark or a list of saved pages says so as the page's banner does."""
    return gettext("[SYNTHETIC] {0}").format(title) if synthetic else title


def rounded_apart_note(indicators: bool = True) -> str:
    """Said wherever rounded parts are shown beside a rounded whole: each is rounded half-up on its
    own from its exact value (58.06 + 30.84 beside a total of 88.89; with ``indicators``, where an
    indicator's points and loss are shown too: 0.01 scored and 1.50 lost of 1.5)."""
    if not indicators:
        return gettext("each value is rounded on its own: the rounded parts may not add up to the rounded total")
    return gettext(
        "each value is rounded on its own: the rounded parts may not add up to the rounded total, "
        "nor an indicator's points and loss to its maximum"
    )


#: Version of the JSON/TOML shape of ``escore run`` and ``escore list``; the JSON Schemas
#: (``escore schema run|list``) state it. Raise it whenever a key changes meaning or goes away.
SCHEMA_VERSION = 2

#: Outputs with a JSON Schema (draft 2020-12), shipped as package data ``escore/schemas/<name>.schema.json``.
SCHEMAS = ("diff", "history", "list", "plan", "plans", "run", "whatif")


def schema_text(name: str) -> str:
    """The JSON Schema of the JSON output of ``escore <name>``, as shipped."""
    from importlib import resources

    if name not in SCHEMAS:
        raise KeyError(name)
    return resources.files("escore").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")


ROUNDING = (
    "exact values are decimal strings: a non-terminating quotient is carried at 28 significant digits, and "
    "a sum of such quotients (a raw score, a group's subtotal, a section's points where weight ÷ raw max does not terminate) "
    "is settled at 20 decimal places, half-even; "
    "the *_2dp values are rounded half-up to 2 decimal places for presentation; ranks use exact totals"
)


def exact(value: Decimal) -> str:
    """An exact decimal string: no exponent, no trailing zeros."""
    return fmt(value)


def group_members(result: RunResult) -> list[tuple[PlanNode, tuple[str, ...]]]:
    """Every group node, in section and tree order, with the codes of the selected indicators
    its subtotal adds: those that reach the section through counted nodes only (a bonus always
    does), the same ones the section's raw score adds."""
    plan = result.plan
    selected = {ip.node.code for ip in result.selected}
    out = []
    for section in plan.sections:
        for _, node in plan.walk(section.name):
            if node.kind != "group":
                continue
            codes: list[str] = []
            stack = [(child, True) for child in reversed(node.children)]
            while stack:
                code, counted = stack.pop()
                child = plan.nodes[code]
                counted = counted and (child.counted or child.kind == "bonus")
                if child.children:
                    stack.extend((c, counted) for c in reversed(child.children))
                elif code in selected and counted:
                    codes.append(code)
            out.append((node, tuple(codes)))
    return out


def missing_dicts(result: RunResult) -> Iterator[dict[str, Any]]:
    """Every missing result as the JSON and TOML outputs list it (unit, indicator, evidence), by
    unit code then tree order, one at a time (100,000 units each missing 34 results: 3.4 million
    of them, which a writer streams)."""
    for code, _name, items in _ordered(result, _by_unit(result, "missing")):
        for item in items:
            yield {"unit": code, "indicator": item.code, "evidence": list(item.missing)}


def _units_with_problems(result: RunResult) -> Iterator[tuple[Any, Sequence[Any]]]:
    """``(unit, its missing and failed results)`` of each unit that has any."""
    from ._stream import LazyUnits

    if isinstance(result.units, LazyUnits):
        return ((summary.unit, summary.problems) for summary in result.units.summaries if summary.problems)
    return (
        (unit_result.unit, items)
        for unit_result in result.units
        if (items := [item for item in unit_result.indicators if item.status in ("missing", "error")])
    )


def _by_unit(result: RunResult, status: str) -> dict[str, tuple[str, list[Any]]]:
    """Unit code → ``(unit name, its results of ``status``)``, for each unit that has any."""
    found: dict[str, tuple[str, list[Any]]] = {}
    for unit, items in _units_with_problems(result):
        if mine := [item for item in items if item.status == status]:
            found[unit.code] = (unit.name, mine)
    return found


def _ordered(result: RunResult, found: dict[str, tuple[str, list[Any]]]) -> Iterator[tuple[str, str, list[Any]]]:
    """The units of ``found`` by code, each with its results in tree order, one at a time.

    Sorted by code once per unit, not once per result: 10,000 units each missing 34 results
    took 1.9 s to list (a natural-order key per result, every one of them sorted for the ten
    units stderr shows).
    """
    order = {ip.node.code: i for i, ip in enumerate(result.selected)}

    def in_tree(item: Any) -> int:
        return order.get(item.code, 0)

    for code in sorted_naturally(found, str):
        name, items = found[code]
        yield code, name, sorted(items, key=in_tree)


def _evidence_of(units: Iterable[tuple[str, str, list[Any]]]) -> Iterator[tuple[str, str, list[tuple[str, list[str]]]]]:
    """Per unit, each missing piece of evidence with the indicators it left missing."""
    for code, name, items in units:
        by_evidence: dict[str, list[str]] = {}  # in the order each piece is first met
        for item in items:
            for key in item.missing or ("(not named)",):
                by_evidence.setdefault(key, []).append(item.code)
        yield code, name, list(by_evidence.items())


def missing_lines(result: RunResult, limit: int | None = None) -> list[str]:
    """What is missing, one line per unit: ``code name: evidence → indicators; …``.

    With ``limit``, at most that many units are listed and a last line says how many
    more there are and where the full list is: 83 counties must stay readable on stderr.
    """
    return list(iter_missing_lines(result, limit))


def iter_missing_lines(result: RunResult, limit: int | None = None) -> Iterator[str]:
    """:func:`missing_lines` one at a time (a table of 100,000 units lists them all)."""
    found = _by_unit(result, "missing")
    if not found:
        return
    count = sum(len(items) for _name, items in found.values())
    yield gettext("missing evidence: {0} indicator result(s) in {1} unit(s), status missing:").format(count, len(found))
    shown = 0
    for code, name, items in _evidence_of(itertools.islice(_ordered(result, found), limit)):
        shown += 1
        yield f"  {code} {escape(name)}: " + "; ".join(f"{key} → {', '.join(codes)}" for key, codes in items)
    if shown < len(found):
        yield "  " + gettext("… and {0} more unit(s); the full list is 'missing' in the output of -f json").format(len(found) - shown)


def error_lines(result: RunResult, limit: int | None = None) -> list[str]:
    """Every indicator error, one line each: ``unit indicator: file:line: exception`` (capped like :func:`missing_lines`)."""
    return list(iter_error_lines(result, limit))


def iter_error_lines(result: RunResult, limit: int | None = None) -> Iterator[str]:
    """:func:`error_lines` one at a time."""
    found = _by_unit(result, "error")
    count = sum(len(items) for _name, items in found.values())
    if not count:
        return
    yield gettext("errors: {0} indicator result(s) raised an error:").format(count)
    shown = 0
    for unit, _name, items in _ordered(result, found):
        for item in items:
            if shown == limit:
                yield "  " + gettext("… and {0} more; -f json lists every one").format(count - shown)
                return
            shown += 1
            yield f"  {unit} {item.code}: {escape(item.reasons[0] if item.reasons else '')}"


def stamp_to_dict(stamp: Stamp | None) -> dict[str, Any]:
    if stamp is None:
        return {"escore": "", "packs": [], "evidence_digest": ""}
    return {
        "escore": stamp.escore,
        "packs": [{"plugin": p.plugin, "distribution": p.distribution, "version": p.version} for p in stamp.packs],
        "evidence_digest": f"sha256:{stamp.evidence_digest}",
    }


def run_to_dict(result: RunResult) -> dict[str, Any]:
    """The JSON/TOML shape of a run: exact decimal strings, each with its rounded ``*_2dp`` value."""
    return {**run_header(result), "units": list(unit_dicts(result))}


def run_header(result: RunResult, *, missing: list[Any] | None = None) -> dict[str, Any]:
    """Everything of :func:`run_to_dict` but the units, which come last (streaming writers add
    them); ``missing`` in place of the list of missing results (a writer that streams it too).
    ``warnings`` (what loading the evidence warned of) is there only when there were any."""
    plan = result.plan
    stamp = result.stamp
    header = {
        "schema_version": SCHEMA_VERSION,
        "ruleset": plan.ruleset.name,
        "year": plan.ruleset.year,
        "category": plan.category.key,
        "synthetic": result.synthetic,
        "notice": SYNTHETIC_BANNER if result.synthetic else "",
        "stamp": stamp_to_dict(stamp),
        "evidence": [{"root": e.root, "files": e.files, "digest": f"sha256:{e.digest}"} for e in stamp.evidence]
        if stamp is not None
        else [{"root": root, "files": 0, "digest": ""} for root in result.evidence],
        "selection": result.selection,
        "rounding": ROUNDING,
        "statuses": result.status_counts(),
        "missing": list(missing_dicts(result)) if missing is None else missing,
    }
    if result.warnings:
        header["warnings"] = list(result.warnings)
    return header


def unit_dicts(result: RunResult) -> Iterator[dict[str, Any]]:
    """Each unit of :func:`run_to_dict`, in rank order, one at a time."""
    plan = result.plan
    section_of = {ip.node.code: plan.sections[ip.section_index].name for ip in result.selected}
    groups = group_members(result)
    # The maxima are the same for every unit: formatted once.
    max_of = {ip.node.code: exact(ip.node.max) for ip in result.selected}
    group_heads = [(node, codes, exact(node.max), node.counted and not node.bonus) for node, codes in groups]
    for rank, unit_result in zip(result.ranks, result.units):
        unit = unit_result.unit
        points = {item.code: item.points for item in unit_result.indicators}
        with localcontext(EXACT_SUMS):  # entered once per unit (and left before the yield)
            # Settled as a raw score is (escore._score.settle): a group of shares is its true sum.
            subtotals = [settle(sum((points[c] for c in codes if c in points), ZERO)) for _node, codes, _max, _counted in group_heads]
        unit_groups = [
            {
                "code": node.code,
                "title": node.title,
                "section": node.section,
                "counted": counted,
                "max": maximum,
                "points": exact(subtotal),
                "points_2dp": present(subtotal),
            }
            for (node, _codes, maximum, counted), subtotal in zip(group_heads, subtotals)
        ]
        yield {
            "code": unit.code,
            "name": unit.name,
            "parent": unit.parent or "",
            "rank": rank,
            "total": exact(unit_result.total),
            "total_2dp": present(unit_result.total),
            "sections": [
                {
                    "name": s.name,
                    "title": s.title,
                    "weight": exact(s.weight),
                    "raw": exact(s.raw),
                    "raw_2dp": present(s.raw),
                    "raw_max": exact(s.raw_max),
                    "capped": s.capped,
                    "points": exact(s.points),
                    "points_2dp": present(s.points),
                }
                for s in unit_result.sections
            ],
            "groups": unit_groups,
            "indicators": [
                {
                    "code": item.code,
                    "title": plan.nodes[item.code].title,
                    "section": section_of[item.code],
                    "max": max_of[item.code],
                    "points": exact(item.points),
                    "points_2dp": present(item.points),
                    "status": item.status,
                    "reasons": list(item.reasons),
                    "missing": list(item.missing) if item.status == "missing" else [],
                }
                for item in unit_result.indicators
            ],
            "vetoes": [
                {"code": v.code, "title": v.title, "status": v.status, "reason": v.reason, "missing": list(v.missing)}
                for v in unit_result.vetoes
            ],
        }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON shape of ``escore list``."""
    sections = []
    for section in plan.sections:
        nodes = []
        for _depth, node in plan.walk(section.name):
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
                    "source_note": node.source.shown_note() if node.source else "",
                }
            )
        sections.append(
            {"name": section.name, "title": section.title, "weight": fmt(section.weight), "raw_max": fmt(section.raw_max), "nodes": nodes}
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "ruleset": plan.ruleset.name,
        "year": plan.ruleset.year,
        "category": plan.category.key,
        "sections": sections,
    }


def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    if text.isascii():  # ranks, codes and points: one column per character, no lookup
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def grid(header: Sequence[str], rows: Iterable[Sequence[Any]], right: Sequence[bool]) -> list[str]:
    """The lines of a table whose columns are as wide as their widest cell (CJK characters two
    columns wide), right-aligned where ``right`` says, each line without trailing spaces."""
    cells = [[str(cell) for cell in row] for row in rows]
    columns = [list(column) for column in zip(*cells)] if cells else [[] for _ in header]
    return list(grid_column_lines([str(title) for title in header], columns, right))


#: Rows of a table made into lines at a time by :func:`grid_column_lines`.
GRID_CHUNK = 4096


def grid_column_lines(header: Sequence[str], columns: Sequence[Sequence[str]], right: Sequence[bool]) -> Iterator[str]:
    """The lines of :func:`grid`, its rows given as columns of texts: measured and padded a
    column at a time (C-level passes where a column is ASCII, as ranks, codes and points are;
    each distinct other text measured once), and made into lines :data:`GRID_CHUNK` rows at a
    time, so that a ranking of 100,000 units never holds every line (1.2 s cell by cell there).
    """
    sizes: list[int] = []
    measured: list[dict[str, int] | None] = []  # per column: each text's width, None when ASCII
    for title, column in zip(header, columns):
        if "".join(column).isascii():
            widths = None
            size = max(map(len, column), default=0)
        else:
            widths = {text: width(text) for text in set(column)}
            size = max(widths.values(), default=0)
        sizes.append(max(width(title), size))
        measured.append(widths)
    yield "  ".join(pad(title, size, right=to_right) for title, size, to_right in zip(header, sizes, right)).rstrip()
    yield "  ".join("-" * size for size in sizes)
    count = len(columns[0]) if columns else 0
    for start in range(0, count, GRID_CHUNK):
        padded = []
        for column, size, widths, to_right in zip(columns, sizes, measured, right):
            part = column[start : start + GRID_CHUNK]
            if widths is None:  # one column per character: the string methods pad it
                padded.append(list(map(str.rjust if to_right else str.ljust, part, itertools.repeat(size))))
            elif to_right:
                padded.append([" " * (size - widths[text]) + text for text in part])
            else:
                padded.append([text + " " * (size - widths[text]) for text in part])
        yield from map(str.rstrip, map("  ".join, zip(*padded)))


def run_heading(result: RunResult) -> list[str]:
    plan = result.plan
    counts = result.status_counts()
    units = ngettext("{0} unit", "{0} units", len(result.units)).format(len(result.units))
    lines = [f"escore · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title} · {units}"]
    if result.synthetic:
        lines.append(f"*** {synthetic_banner()} ***")
        lines.extend(f"    {escape(note)}" for note in result.notes)
    if result.selection:
        lines.append(
            gettext("selection: {0} ({1} of {2} indicators; totals count only these)").format(
                result.selection, len(result.selected), len(plan.indicators)
            )
        )
    # What loading warned of, the accepted appeals applied above all: a ranking written to a file
    # (-o) had said so on stderr alone.
    lines.extend(gettext("warning: {0}").format(escape(warning)) for warning in result.warnings)
    if language() == "en":
        lines.append("statuses: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    else:
        lines.append(gettext("statuses: ") + gettext(", ").join(f"{status_label(k)} {n}" for k, n in counts.items()))
    return lines


def run_table(result: RunResult) -> str:
    return "".join(run_table_lines(result))


def run_table_lines(result: RunResult) -> Iterator[str]:
    """The ranking table, line by line (from each unit's summary: no unit is scored again)."""
    from ._stream import summaries_of, text_column

    sections = result.plan.sections
    # English keeps the section keys (they are what -k and JSON use); other languages show the pack's titles.
    names = [s.name if language() == "en" else s.title for s in sections]
    header = [
        gettext("rank"),
        gettext("code"),
        gettext("name"),
        *(f"{n} /{fmt(s.weight)}" for n, s in zip(names, sections)),
        gettext("total"),
        gettext("missing"),
        gettext("errors"),
    ]
    # An undecided veto has already made its targets missing (or errors): the summaries count indicators only.
    summaries = summaries_of(result.units)
    units = [summary.unit for summary in summaries]
    made = [summary.texts for summary in summaries]
    columns: list[list[str]] = [
        list(map(str, result.ranks)),
        list(map(escape, [unit.code for unit in units])),
        list(map(escape, [unit.name for unit in units])),
    ]
    cache: tuple[dict[str, str], dict[str, str]] = ({}, {})
    # The rounded texts (every other text), as made where each unit was scored, else made here.
    columns += [text_column(summaries, at, made, cache) for at in range(1, 2 * len(sections) + 3, 2)]
    columns.append([str(summary.missing) if summary.missing else "" for summary in summaries])
    columns.append([str(summary.errors) if summary.errors else "" for summary in summaries])
    right = [True, False, False, *([True] * len(sections)), True, True, True]
    for line in run_heading(result):
        yield escape_lines(line) + "\n"
    yield "\n"
    lines = grid_column_lines([escape(title) for title in header], columns, right)
    # Every cell is escaped (an escaped text escapes to itself), so the lines need no more.
    yield from map("{}\n".format, lines)
    for line in itertools.chain(
        ["", gettext("points rounded half-up to 2 places; ranks use exact totals"), rounded_apart_note(indicators=False)],
        _after_a_blank_line(iter_missing_lines(result)),
        _after_a_blank_line(iter_error_lines(result)),
    ):
        yield escape_lines(line) + "\n"


def _after_a_blank_line(lines: Iterator[str]) -> Iterator[str]:
    """``lines`` after an empty line, or nothing if there are none."""
    first = next(lines, None)
    if first is not None:
        yield ""
        yield first
        yield from lines


def catalog_table(plan: Plan) -> str:
    lines = [f"escore · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title}"]
    for section in plan.sections:
        lines.append("")
        lines.append(
            f"[{section.name}] {section.title}: " + gettext("raw max {0}, weight {1}").format(fmt(section.raw_max), fmt(section.weight))
        )
        for depth, node in plan.walk(section.name):
            flags = []
            if not node.counted:
                flags.append(gettext("not scored"))
            if node.kind == "bonus":
                flags.append(gettext("bonus"))
            if node.variant:
                flags.append(gettext("variant {0}").format(node.variant))
            if node.variant_by:
                flags.append(gettext("variant by {0}").format(node.variant_by))
            if node.methods:
                flags.append("/".join(map(method_label, node.methods)))
            extra = f"  ({'; '.join(flags)})" if flags else ""
            indent = "  " * (depth + 1)
            lines.append(f"{indent}{node.code} {node.title} [{fmt(node.max)}]{extra}")
            if node.source is not None:
                lines.append(f"{indent}    " + gettext("source: 「{0}」").format(node.source.text))
                if node.source.note:
                    lines.append(f"{indent}    " + gettext("note: {0}").format(escape(node.source.shown_note())))
    return escape_lines("\n".join(lines) + "\n")
