from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from . import H_, Command
from ._common import (
    catalog_from,
    check_output_not_input,
    check_suffix,
    evidence_option,
    lang_option,
    output_option,
    report_format_option,
    reports_errors,
    roster_option,
    ruleset_option,
    timeout_option,
    unit_category_option,
    use_language,
    watching,
    write_output,
    year_option,
)
from ._store import accepted_appeals, db_option, no_appeals_option, note_appeals


def find_unit(catalog: Any, query: str, ruleset: str | None, year: int | None, category: str | None) -> tuple[str, str, str]:
    """(ruleset, category, code) of the unit named by code or name; ambiguity is an error."""
    from escore._errors import UsageError, did_you_mean
    from escore._i18n import gettext as _

    # An unknown category, ruleset or year is named as such, not as "no unit with code or name".
    if category is not None:
        catalog.choose(category, ruleset=ruleset, year=year)
    elif ruleset is not None:
        catalog.named(ruleset, year=year)
    elif year is not None:
        catalog.check_year(year)
    found: list[tuple[str, str, str]] = []
    names: list[str] = []
    for (r, c), (roster, _plugin) in sorted(catalog.rosters.items()):
        rules = catalog.rulesets.get(r, (None,))[0]
        if (ruleset and r != ruleset) or (year and rules is not None and rules.year != year) or (category and c != category):
            continue
        if (r, c) not in catalog.categories:
            continue
        for unit in roster.units:
            names.extend((unit.code, unit.name))
            if query in (unit.code, unit.name):
                found.append((r, c, unit.code))
    if not found and category is not None:  # a unit of another category: say which (fuzhou.mawei was suggested for fuzhou)
        other = sorted(
            {
                (c, unit.code, unit.name)
                for (r, c), (roster, _p) in catalog.rosters.items()
                if c != category and (r, c) in catalog.categories
                for unit in roster.units
                if query in (unit.code, unit.name)
            }
        )
        if other:
            c, code, name = other[0]
            raise UsageError(_("{0} {1} is a unit of category '{2}', not '{3}'; give -c {2}").format(code, name, c, category))
    if not found and (ruleset is not None or year is not None):
        # A unit the year asked for dropped from its roster (a county merged), which an earlier
        # year's holds: said as such, not as a typo of another unit.
        for (r, c), (_roster, _p) in sorted(catalog.rosters.items()):
            rules = catalog.rulesets.get(r, (None,))[0]
            if rules is None or (ruleset and r != ruleset) or (year and rules.year != year) or (category and c != category):
                continue
            if (r, c) in catalog.categories:
                dropped = dropped_unit(catalog, query, r, c)
                if dropped is not None:
                    raise UsageError(dropped)
    if not found:
        hint = did_you_mean(query, names)
        raise UsageError(_("no unit with code or name '{0}'").format(query) + (_("; ") + hint if hint else ""))
    units = sorted({(c, u) for _, c, u in found})
    if len(units) == 1 and ruleset is None and year is None:
        c, u = units[0]
        latest = _latest(catalog, c)
        having = [catalog.rulesets[r][0] for r, _c, _u in found]
        if latest is not None and latest.name not in {r.name for r in having}:
            # No year asked for, and the latest year's roster does not have the unit: the latest
            # year whose roster does, said on stderr (it had been scored without a word).
            chosen = max(having, key=lambda r: (r.year, r.name))
            catalog.note(_unit_year_note(catalog, query, chosen, c))
            return chosen.name, c, u
    if len(units) == 1 and len(found) > 1:
        # The same unit in several years' rulesets: the latest, or the one --year/--ruleset names.
        c, u = units[0]
        return catalog.choose(c, ruleset=ruleset, year=year).name, c, u
    if len(found) > 1:
        several = ", ".join(f"{r}/{c}/{u}" for r, c, u in found)
        raise UsageError(_("'{0}' names several units: {1}; add --ruleset or --category").format(query, several))
    return found[0]


def _latest(catalog: Any, category: str) -> Any:
    """The ruleset a command uses for ``category`` when no year is asked for (the latest
    installed), chosen without a word; ``None`` when the choice is not one ruleset."""
    candidates = sorted((catalog.rulesets[r][0] for r, k in catalog.categories if k == category), key=lambda r: (r.year, r.name))
    if not candidates or sum(1 for r in candidates if r.year == candidates[-1].year) > 1:
        return None
    return candidates[-1]


def _unit_year_note(catalog: Any, query: str, chosen: Any, category: str) -> str:
    """What a command says when it scores ``query`` with ``chosen``, an earlier year than the
    latest installed, because the later years' rosters do not have it."""
    from escore._i18n import gettext as _

    later = sorted(
        (catalog.rulesets[r][0] for r, k in catalog.categories if k == category and catalog.rulesets[r][0].year > chosen.year),
        key=lambda r: (r.year, r.name),
    )
    dropping = [r for r in later if chosen.name in catalog.chain(r.name)]
    named = ", ".join(f"{r.name} ({r.year})" for r in (dropping or later))
    if dropping:
        return _("{0}: using {1} ({2}), the latest installed ruleset whose roster has it; {3} dropped it").format(
            query, chosen.name, chosen.year, named
        )
    return _("{0}: using {1} ({2}), the latest installed ruleset whose roster has it; the roster of {3} does not").format(
        query, chosen.name, chosen.year, named
    )


def dropped_unit(catalog: Any, query: str, ruleset: str, category: str) -> str | None:
    """Why ``query`` (a code or a name) is no unit of ``ruleset``'s roster of ``category`` when an
    earlier year of its chain holds it (the new year dropped it: a county merged): the message
    naming both years, else ``None``."""
    from escore._i18n import gettext as _

    if any(query in (u.code, u.name) for u in catalog.roster(ruleset, category)):
        return None
    for earlier in reversed(catalog.chain(ruleset)[:-1]):
        if (earlier, category) not in catalog.rosters:
            continue
        unit = next((u for u in catalog.roster(earlier, category) if query in (u.code, u.name)), None)
        if unit is not None:
            base, this = catalog.rulesets[earlier][0], catalog.rulesets[ruleset][0]
            return _(
                "{0} {1} is a unit of {2}'s roster of {3} ({4}), which {5} ({6}) dropped; choose {2} with --ruleset {2} or --year {4}"
            ).format(unit.code, unit.name, earlier, category, base.year, this.name, this.year)
    return None


def find_table_unit(
    catalog: Any, query: str, ruleset: str | None, year: int | None, category: str | None, roster: Path
) -> tuple[str, str, str]:
    """(ruleset, category, code) of the unit of a units table named by code or name."""
    from escore._errors import UsageError, did_you_mean
    from escore._i18n import gettext as _
    from escore._session import units_of

    if category is None:
        raise UsageError(_("--roster: give the units table's category with -c"))
    rules = catalog.choose(category, ruleset=ruleset, year=year).name
    units = units_of(catalog, rules, category, roster)[0]
    found = sorted({u.code for u in units if query in (u.code, u.name)})
    if not found:
        hint = did_you_mean(query, [name for u in units for name in (u.code, u.name)])
        raise UsageError(_("{0}: no unit with code or name '{1}'").format(roster, query) + (_("; ") + hint if hint else ""))
    if len(found) > 1:
        raise UsageError(_("'{0}' names several units of {1}: {2}; give the code").format(query, roster, ", ".join(found)))
    return rules, category, found[0]


def unit_to_score(
    catalog: Any,
    query: str,
    ruleset: str | None,
    year: int | None,
    category: str | None,
    roster: Path | None,
    db: Path | None,
    no_appeals: bool,
) -> tuple[str, str, str, list[dict[str, Any]]]:
    """(ruleset, category, code, accepted appeals) of the unit a command explains or changes: one of
    the packs' rosters, or of the units table ``roster``. Appeals apply to the packs' rosters, as
    saved runs do: a units table with accepted appeals in the store is a usage error."""
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    if roster is None:
        rules, cat, code = find_unit(catalog, query, ruleset, year, category)
    else:
        rules, cat, code = find_table_unit(catalog, query, ruleset, year, category, roster)
    appeals = [] if no_appeals else accepted_appeals(db, catalog, cat, rules, None)
    if appeals and roster is not None:
        raise UsageError(
            _(
                "--roster: the accepted appeals of this category apply to the pack's roster, not to a units table; "
                "give --no-appeals to score the table without them, or leave --roster out"
            )
        )
    return rules, cat, code, appeals


def render(result: Any) -> str:
    from escore._i18n import gettext as _
    from escore._i18n import status_label
    from escore._report import rounded_apart_note, synthetic_banner
    from escore._results import present
    from escore._score import fmt
    from escore._text import escape, escape_lines

    plan = result.plan
    unit_result = result.units[0]
    unit = unit_result.unit
    by_code = {item.code: item for item in unit_result.indicators}
    lines = [
        f"{escape(unit.code)} {escape(unit.name)} · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key}"
        + (" · " + _("parent {0}").format(unit.parent) if unit.parent else "")
    ]
    if result.synthetic:
        lines.append(f"*** {synthetic_banner()} ***")
        lines.extend(f"    {escape(note)}" for note in result.notes)
    lines.append(_("total {0} (rounded half-up to 2 places)").format(present(unit_result.total)))
    lines.append(rounded_apart_note())
    not_scored, bonus, capped = _(" (not scored)"), _(" (bonus)"), _(" (raw score capped)")
    for section, section_result in zip(plan.sections, unit_result.sections):
        cap = capped if section_result.capped else ""
        lines.append("")
        lines.append(
            f"[{section.name}] {section.title}: "
            + _("raw {0} / {1} × {2} ÷ {3} = {4}").format(
                present(section_result.raw), fmt(section.raw_max), fmt(section.weight), fmt(section.raw_max), present(section_result.points)
            )
            + cap
        )

        def points_of(code: str) -> Any:
            node = plan.nodes[code]
            if code in by_code:
                return None if by_code[code].status == "not_applicable" else by_code[code].points
            if not node.children:
                return None
            parts = [points_of(c) for c in node.children if plan.nodes[c].counted or node.bonus]
            parts = [p for p in parts if p is not None]
            return sum(parts) if parts else None

        for depth, node in plan.walk(section.name):
            indent = "  " * (depth + 1)
            got = points_of(node.code)
            shown = "-" if got is None else present(got)
            item = by_code.get(node.code)
            status = f" {status_label(item.status)}" if item is not None and item.status != "scored" else ""
            flag = not_scored if not node.counted and node.kind != "bonus" else (bonus if node.kind == "bonus" else "")
            lost = ""
            # Missing evidence and an error lose points as a low score does (the page and the workbook say so too).
            if item is not None and item.status != "not_applicable" and item.points < node.max and node.kind != "bonus":
                lost = f"  −{present(node.max - item.points)}"
            lines.append(f"{indent}{node.code} {node.title}: {shown}/{fmt(node.max)}{status}{flag}{lost}")
            if item is not None:
                for reason in item.reasons:
                    lines.append(f"{indent}    · {escape(reason)}")
                if node.source is not None and item.status != "not_applicable" and (item.points < node.max or item.status != "scored"):
                    lines.append(f"{indent}    " + _("source: 「{0}」").format(node.source.text))
    applied = [v for v in unit_result.vetoes if v.status != "not_applied"]
    if applied:
        lines.append("")
        sources = {v.code: v.source for v in plan.vetoes}
        for veto in applied:
            lines.append(
                _("veto {0} {1}: {2}").format(veto.code, veto.title, status_label(veto.status))
                + (f": {escape(veto.reason)}" if veto.reason else "")
            )
            if sources.get(veto.code) is not None:
                lines.append("    " + _("source: 「{0}」").format(sources[veto.code].text))
    return escape_lines("\n".join(lines) + "\n")


@click.command(
    cls=Command,
    help=H_(
        "Explain every point of one UNIT (its code or its name), grouped by the tree.\n\n"
        "With --roster, UNIT is one of the units table's (give its category with -c), as `escore run --roster` scores them."
    ),
)
@click.argument("unit")
@unit_category_option
@ruleset_option
@year_option
@evidence_option
@report_format_option
@output_option
@db_option
@no_appeals_option
@lang_option
@roster_option
@timeout_option
@click.pass_context
@reports_errors
def explain(
    ctx: click.Context,
    lang: str | None,
    unit: str,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    format_: str,
    output: Path | None,
    db: Path | None,
    no_appeals: bool,
    roster: Path | None,
    timeout: float | None,
) -> None:
    import json

    from escore._report import run_to_dict
    from escore._session import run_category

    catalog = catalog_from(ctx)
    check_suffix(output, format_, catalog.formats)
    check_output_not_input(output, evidence, ctx=ctx, roster=roster, db=db)
    rules, cat, code, appeals = unit_to_score(catalog, unit, ruleset, year, category, roster, db, no_appeals)
    use_language(catalog, lang, [catalog.rulesets[rules][0]])
    with watching(timeout):
        if appeals:  # accepted appeals apply to every later run of their category and year
            from escore._cycle import run_cycle

            cycle = run_cycle(catalog, cat, ruleset=rules, evidence=evidence, only=[code], appeals=appeals)
            note_appeals(cycle)
            result = cycle.result
        else:
            result = run_category(catalog, cat, ruleset=rules, evidence=evidence, only=[code], roster=roster)
    if format_ == "html":
        from escore._html import render_html

        write_output(render_html(result, single=True), output)
    elif format_ == "json":
        data = run_to_dict(result)
        data["units"][0]["rank"] = None  # a rank within one unit means nothing
        from escore._text import escape_string_syntax

        write_output(escape_string_syntax(json.dumps(data, ensure_ascii=False, indent=2)) + "\n", output)
    else:
        write_output(render(result), output)
    ctx.exit(result.exit_code())
