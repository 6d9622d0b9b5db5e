"""``escore plan``: a unit's improvement plan, actions ranked by the points they gain."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from escore._i18n import N_
from escore._i18n import gettext as _

from . import H_, Command
from ._common import (
    catalog_from,
    check_command_suffix,
    check_output_not_input,
    dumps,
    evidence_option,
    jobs_option,
    lang_option,
    output_option,
    reports_errors,
    roster_option,
    ruleset_option,
    safe,
    unit_category_option,
    write_json_with_list,
    write_output,
    year_option,
)
from ._store import db_option, no_appeals_option, note_appeals


@click.command(
    cls=Command,
    help=H_(
        "An improvement plan for UNIT: what to change to gain points, best first.\n\n"
        "Every action is verified by re-scoring: `escore whatif UNIT` with its options (the `set` list as --set "
        "FIELD=VALUE) gains exactly its `gain`. With --all instead of UNIT: the plan of every unit of the category "
        "(-c)."
    ),
)
@click.argument("unit", required=False)
@click.option("--all", "every_unit", is_flag=True, help=H_("Plan every unit of the category (-c), in rank order."))
@unit_category_option
@ruleset_option
@year_option
@evidence_option
@click.option(
    "--format",
    "-f",
    "format_",
    default="table",
    type=click.Choice(["table", "json", "csv", "html"]),
    show_default=True,
    help=H_("csv: with --all, a line per action."),
)
@output_option
@db_option
@no_appeals_option
@lang_option
@roster_option
@jobs_option(H_("With --all: plan in N processes (default: every processor; 1: one process). Results are the same."))
@click.pass_context
@reports_errors
def plan(
    ctx: click.Context,
    lang: str | None,
    unit: str | None,
    every_unit: bool,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    format_: str,
    output: Path | None,
    db: Path | None,
    no_appeals: bool,
    roster: Path | None,
    jobs: int | None,
) -> None:
    from escore._cycle import run_cycle
    from escore._errors import UsageError
    from escore._plan import improvement_plan
    from escore._session import children_of

    from ._explain import unit_to_score

    catalog = catalog_from(ctx)  # the usage errors below speak the rulesets' language
    check_command_suffix(output, format_, ("table", "json", "csv", "html"))
    check_output_not_input(output, evidence, ctx=ctx, roster=roster, db=db)
    if every_unit:
        if unit is not None:
            raise UsageError(_("plan: give a UNIT or --all, not both"))
        plan_every_unit(ctx)
        return
    if unit is None:
        raise UsageError(_("plan: give a UNIT (a code or a name), or --all with -c CATEGORY"))
    if format_ == "csv":
        raise UsageError(_("plan: -f csv lists the actions of every unit (--all); one unit's plan: -f table, json or html"))
    rules, cat, code, appeals = unit_to_score(catalog, unit, ruleset, year, category, roster, db, no_appeals)
    # The plan is the unit's alone (each action re-scores it, and its sub-units' evidence, which a
    # run of one unit loads too): the other units are not scored.
    cycle = run_cycle(catalog, cat, ruleset=rules, evidence=evidence, appeals=appeals, roster=roster, only=[code])
    note_appeals(cycle)
    result = cycle.result
    target = next(u.unit for u in result.units if u.unit.code == code)
    children = children_of(catalog, result.plan).get(code, ())
    assert cycle.data is not None  # run_cycle always applies its overlay, which keeps the evidence it scored
    data = improvement_plan(result.plan, result.selected, target, children, cycle.data)
    data["synthetic"] = result.synthetic
    if format_ == "json":
        write_output(dumps(data), output)
        return
    # The command that verifies an action scores what the plan scored: the same plugins,
    # ruleset, evidence, units table and store (the sample's evidence, say, would give another gain).
    command = whatif_command(ctx, code, category, ruleset, year, evidence, roster, db, no_appeals, chosen=(catalog, rules))
    if format_ == "html":
        write_output(plan_html(data, command), output)
    else:
        write_output(plan_table(data, command), output)


def plan_every_unit(ctx: click.Context) -> None:
    """``plan --all``: every unit's plan, in rank order, each as ``plan UNIT`` makes it (the
    command's options are ``ctx.params``)."""
    from escore._builtin_formats import HTML_MAX_UNITS
    from escore._cycle import run_cycle
    from escore._errors import UsageError
    from escore._evidence_set import EvidenceSet
    from escore._parallel import default_jobs
    from escore._plan import PLANS_PER_PART, improvement_plans
    from escore._session import children_of, run_category, units_of
    from escore._stream import LazyUnits, summaries_of

    from ._store import accepted_appeals

    given = ctx.params
    category, ruleset, year, evidence = given["category"], given["ruleset"], given["year"], given["evidence"]
    format_, output, db, no_appeals, roster, jobs = (given[k] for k in ("format_", "output", "db", "no_appeals", "roster", "jobs"))
    if category is None:
        raise UsageError(_("plan --all: give the category, -c CATEGORY"))
    catalog = catalog_from(ctx)
    rules = catalog.choose(category, ruleset=ruleset, year=year).name
    appeals = [] if no_appeals else accepted_appeals(db, catalog, category, rules, None)
    if appeals and roster is not None:
        raise UsageError(
            _(
                "--roster: the accepted appeals of this category apply to the pack's roster, not to a units table; "
                "give --no-appeals to score the table without them, or leave --roster out"
            )
        )
    # The ranking (a summary per unit) gives the order and each unit's rank; every plan then
    # scores its unit alone.
    if format_ == "html":  # read by people, as run -f html: the units counted before any is planned
        count = len(units_of(catalog, rules, category, roster)[0])
        if count > HTML_MAX_UNITS:
            raise UsageError(
                _("plan --all -f html is read by people: at most {0} units, and this category has {1}; use -f csv or json").format(
                    f"{HTML_MAX_UNITS:,}", f"{count:,}"
                )
            )
    data: EvidenceSet | Callable[[Sequence[str]], EvidenceSet]
    order = None
    if appeals:  # applied to the evidence loaded whole (a pack's roster)
        cycle = run_cycle(catalog, category, ruleset=rules, evidence=evidence, appeals=appeals, explain=False, lazy=True)
        note_appeals(cycle)
        result = cycle.result
        assert cycle.data is not None  # run_cycle always applies its overlay, which keeps the evidence it scored
        data = cycle.data
    else:
        # Evidence still in the cache stays there: each part of the plans decodes its own units'
        # records, taken in the evidence's order (a units table of 100,000 units is never held).
        result = run_category(catalog, category, ruleset=rules, evidence=evidence, roster=roster, explain=False, lazy=True)
        assert isinstance(result.units, LazyUnits)
        data, order = result.units.evidence_part, result.units.in_evidence_order()
    units = [summary.unit for summary in summaries_of(result.units)]
    plans = improvement_plans(
        result.plan,
        result.selected,
        units,
        children_of(catalog, result.plan),
        data,
        jobs=default_jobs(len(units), from_units=2 * PLANS_PER_PART) if jobs is None else jobs,
        order=order,
    )
    ranked = zip(result.ranks, plans)
    if format_ == "json":
        write_output(lambda stream: write_plans_json(stream, ranked, result.plan, result.synthetic, len(units)), output)
        return

    def command(code: str) -> list[str]:
        return whatif_command(ctx, code, category, ruleset, year, evidence, roster, db, no_appeals, chosen=(catalog, rules))

    if format_ == "csv":
        write_output(lambda stream: write_plans_csv(stream, ranked, command, result.synthetic), output)
    elif format_ == "html":
        index = [(rank, s.unit.code, s.unit.name, str(s.total)) for rank, s in zip(result.ranks, summaries_of(result.units))]
        write_output(lambda stream: write_plans_html(stream, index, ranked, command, result.synthetic, result.plan), output)
    else:
        write_output(lambda stream: write_plans_table(stream, ranked, command, result.synthetic), output)


def whatif_command(
    ctx: click.Context,
    code: str,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    roster: Path | None,
    db: Path | None,
    no_appeals: bool,
    *,
    chosen: tuple[Any, str],
) -> list[str]:
    """``escore whatif CODE`` with the options of this plan that choose what is scored.

    ``chosen``: the catalogue and the ruleset the plan scored with. Its year is always given
    (``--ruleset`` where another installed ruleset is of the same year), so that the command
    pasted later scores with the same ruleset once a later year's pack is installed."""
    args = ["escore"]
    for option in (ctx.find_root().obj or {}).get("plugin_options", ()):
        args += ["-p", option]
    args += ["whatif", code]
    if category is not None:
        args += ["-c", category]
    catalog, name = chosen
    rules = catalog.rulesets[name][0]
    shared = any(other.year == rules.year and other.name != name for other, _plugin in catalog.rulesets.values())
    ruleset, year = (name, None) if ruleset is not None or shared else (None, rules.year)
    if ruleset is not None:
        args += ["--ruleset", ruleset]
    if year is not None:
        args += ["--year", str(year)]
    for path in evidence:
        args += ["-e", str(path)]
    if roster is not None:
        args += ["--roster", str(roster)]
    if db is not None:
        args += ["--db", str(db)]
    if no_appeals:
        args.append("--no-appeals")
    return args


def _args(action: dict[str, Any], command: list[str] | None = None) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in [*(command or ()), *action["args"]])


def plan_table(data: dict[str, Any], command: list[str] | None = None) -> str:
    """The plan as text; each action with the command that verifies it (``command``, else
    ``escore whatif UNIT``) and its options."""
    from escore._report import synthetic_banner

    lines = [_plan_heading(data)]
    if data.get("synthetic"):
        lines.append(f"*** {synthetic_banner()} ***")
    lines += _action_lines(data, command)
    lines.append("")
    lines.append(data["note"] + _("; gains rounded half-up to 2 places (-f json has them exact)"))
    return safe("\n".join(lines) + "\n")


def _plan_heading(data: dict[str, Any]) -> str:
    from decimal import Decimal

    from escore._results import present

    return _("improvement plan · {0} {1} · {2} {3} · total {4}").format(
        data["unit"], data["name"], data["ruleset"], data["category"], present(Decimal(data["total"]))
    )


def _action_lines(data: dict[str, Any], command: list[str] | None) -> list[str]:
    from decimal import Decimal

    from escore._results import present

    if not data["actions"]:
        return [_("no action found that gains points")]
    lines = []
    for number, action in enumerate(data["actions"], 1):
        lines.append("")
        lines.append(f"{number}. +{present(Decimal(action['gain']))}  {action['indicator']} {action['title']}")
        lines.append(f"   {action['explanation']}")
        lines.append(f"   {_args(action, command or ['escore', 'whatif', data['unit']])}")
    return lines


def write_plans_table(
    stream: Any, ranked: Iterable[tuple[int, dict[str, Any]]], command: Callable[[str], list[str]], synthetic: bool
) -> None:
    """``plan --all -f table``: each unit's plan as ``plan UNIT`` prints it, after its rank; the
    synthetic banner and the note once."""
    from escore._report import synthetic_banner

    first = True
    note = ""
    for rank, data in ranked:
        lines = [] if first else [""]
        if first and synthetic:
            lines += [f"*** {synthetic_banner()} ***", ""]
        first = False
        note = data["note"]
        lines.append(_("rank {0} · ").format(rank) + _plan_heading(data))
        lines += _action_lines(data, command(data["unit"]))
        stream.write(safe("\n".join(lines) + "\n"))
    if note:
        stream.write(safe("\n" + note + _("; gains rounded half-up to 2 places (-f json has them exact)") + "\n"))


#: ``plan --all -f csv``: a line per action (a unit without one: a line without action), in rank order.
PLAN_CSV_COLUMNS = (
    "rank",
    "code",
    "name",
    "total",
    "action",
    "indicator",
    "title",
    "gain",
    "gain_2dp",
    "points_before",
    "points_after",
    "max",
    "explanation",
    "whatif",
    "synthetic",
)


def write_plans_csv(
    stream: Any, ranked: Iterable[tuple[int, dict[str, Any]]], command: Callable[[str], list[str]], synthetic: bool
) -> None:
    """``plan --all -f csv``: every action of every unit, exact gains with the rounded beside them,
    the whatif command that verifies each; texts as a spreadsheet shows them (no formula)."""
    import csv
    from decimal import Decimal

    from escore._results import present
    from escore._text import spreadsheet_cell

    stream.write("\ufeff")  # as run -f csv: Excel on Chinese Windows reads UTF-8 with its mark
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(PLAN_CSV_COLUMNS)
    flag = "yes" if synthetic else "no"
    for rank, data in ranked:
        unit = [str(rank), spreadsheet_cell(data["unit"]), spreadsheet_cell(data["name"]), data["total"]]
        if not data["actions"]:
            writer.writerow([*unit, "", "", "", "", "", "", "", "", "", "", flag])
            continue
        verify = command(data["unit"])
        for number, action in enumerate(data["actions"], 1):
            writer.writerow(
                [
                    *unit,
                    str(number),
                    spreadsheet_cell(action["indicator"]),
                    spreadsheet_cell(action["title"]),
                    action["gain"],
                    present(Decimal(action["gain"])),
                    action["points_before"],
                    action["points_after"],
                    action["max"],
                    spreadsheet_cell(action["explanation"]),
                    spreadsheet_cell(_args(action, verify)),
                    flag,
                ]
            )


def write_plans_json(stream: Any, ranked: Iterable[tuple[int, dict[str, Any]]], plan: Any, synthetic: bool, count: int) -> None:
    """``plan --all -f json``: the text :func:`dumps` gives the whole document, written a plan at a time."""
    from escore._cycle import SCHEMA_VERSION
    from escore._plan import PLAN_NOTE

    head = {
        "schema_version": SCHEMA_VERSION,
        "ruleset": plan.ruleset.name,
        "category": plan.category.key,
        "synthetic": synthetic,
        "note": _(PLAN_NOTE),
        "units": count,
    }
    items = (
        {"rank": rank, "unit": data["unit"], "name": data["name"], "total": data["total"], "actions": data["actions"]}
        for rank, data in ranked
    )
    write_json_with_list(stream, head, "plans", items)


PLAN_HEADINGS = (N_("#"), N_("gain"), N_("indicator"), N_("action"), N_("whatif"))


#: The page's head: its language, title and style (one unit's plan and every unit's).
_PAGE_HEAD = (
    '<!DOCTYPE html>\n<html lang="{0}"><head><meta charset="utf-8"><title>{1}</title>'
    "<style>body{{font-family:sans-serif}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}"
    "td.n{{text-align:right}}</style></head><body>"
)


def _actions_html(data: dict[str, Any], command: list[str] | None) -> str:
    """The plan's actions as a table, each with the command that verifies it, or the sentence
    that there is none."""
    from html import escape

    if not data["actions"]:
        return "<p>" + escape(_("no action found that gains points")) + "</p>"
    rows = "".join(
        f"<tr><td>{n}</td><td class=n>{escape(a['gain'])}</td><td>{escape(a['indicator'])} {escape(a['title'])}</td>"
        f"<td>{escape(a['explanation'])}</td><td><code>{escape(_args(a, command))}</code></td></tr>"
        for n, a in enumerate(data["actions"], 1)
    )
    heads = "".join(f"<th>{escape(_(h))}</th>" for h in PLAN_HEADINGS)
    return f"<table><tr>{heads}</tr>{rows}</table>"


def plan_html(data: dict[str, Any], command: list[str] | None = None) -> str:
    from html import escape

    from escore._i18n import language
    from escore._report import page_title, synthetic_banner

    banner = f"<p><strong>{escape(synthetic_banner())}</strong></p>" if data.get("synthetic") else ""
    # Messages are looked up outside the f-strings: the extractor does not read inside them.
    title = _("Improvement plan: {0} {1}").format(data["unit"], data["name"])
    total = _("total {0}").format(data["total"])
    return (
        _PAGE_HEAD.format(language(), escape(page_title("escore plan", bool(data.get("synthetic")))))
        + f"<h1>{escape(title)}</h1>{banner}"
        + f"<p>{escape(total)}</p>{_actions_html(data, command)}"
        + f"<p>{escape(data['note'])}</p></body></html>\n"
    )


PLANS_INDEX_HEADINGS = (N_("rank"), N_("code"), N_("name"), N_("total"))


def write_plans_html(
    stream: Any,
    index: Sequence[tuple[int, str, str, str]],
    ranked: Iterable[tuple[int, dict[str, Any]]],
    command: Callable[[str], list[str]],
    synthetic: bool,
    plan: Any,
) -> None:
    """``plan --all -f html``: one page, the units in rank order linked to their plans (``index``:
    rank, code, name and total, known from the ranking before any plan), then each plan as it
    comes, with the commands that verify its actions."""
    from html import escape
    from urllib.parse import quote

    from escore._i18n import language
    from escore._plan import PLAN_NOTE
    from escore._report import page_title, synthetic_banner
    from escore._results import present

    def anchor(code: str) -> str:
        return "unit-" + quote(code, safe="")

    title = _("Improvement plans: {0} ({1})").format(plan.category.key, plan.ruleset.name)
    parts = [_PAGE_HEAD.format(language(), escape(page_title("escore plan --all", synthetic))), f"<h1>{escape(title)}</h1>"]
    if synthetic:
        parts.append(f"<p><strong>{escape(synthetic_banner())}</strong></p>")
    parts.append(f"<p>{escape(_(PLAN_NOTE))}</p>")
    parts.append("<table><tr>" + "".join(f"<th>{escape(_(h))}</th>" for h in PLANS_INDEX_HEADINGS) + "</tr>")
    parts += [
        f'<tr><td class=n>{rank}</td><td><a href="#{anchor(code)}">{escape(code)}</a></td><td>{escape(name)}</td>'
        f"<td class=n>{escape(present(Decimal(total)))}</td></tr>"
        for rank, code, name, total in index
    ]
    parts.append("</table>")
    stream.write("\n".join(parts) + "\n")
    for rank, data in ranked:
        heading = _("rank {0} · ").format(rank) + _plan_heading(data)
        stream.write(f'<h2 id="{anchor(data["unit"])}">{escape(heading)}</h2>\n{_actions_html(data, command(data["unit"]))}\n')
    stream.write("</body></html>\n")
