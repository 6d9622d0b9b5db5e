"""``escore plan``: a unit's improvement plan, actions ranked by the points they gain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from escore._i18n import N_
from escore._i18n import gettext as _

from ._common import (
    catalog_from,
    dumps,
    evidence_option,
    lang_option,
    output_option,
    report_format_option,
    reports_errors,
    roster_option,
    ruleset_option,
    safe,
    unit_category_option,
    write_output,
    year_option,
)
from ._store import db_option, no_appeals_option, note_appeals


@click.command()
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
@click.pass_context
@reports_errors
def plan(
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
) -> None:
    """An improvement plan for UNIT: what to change to gain points, best first.

    Every action is verified by re-scoring: `escore whatif UNIT` with its options
    (the `set` list as --set FIELD=VALUE) gains exactly its `gain`.
    """
    from escore._cycle import run_cycle
    from escore._plan import improvement_plan
    from escore._session import children_of

    from ._explain import unit_to_score

    catalog = catalog_from(ctx)
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
    command = whatif_command(ctx, code, category, ruleset, year, evidence, roster, db, no_appeals)
    if format_ == "html":
        write_output(plan_html(data, command), output)
    else:
        write_output(plan_table(data, command), output)


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
) -> list[str]:
    """``escore whatif CODE`` with the options of this plan that choose what is scored."""
    args = ["escore"]
    for option in (ctx.find_root().obj or {}).get("plugin_options", ()):
        args += ["-p", option]
    args += ["whatif", code]
    if category is not None:
        args += ["-c", category]
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
    from decimal import Decimal

    from escore._report import synthetic_banner
    from escore._results import present

    lines = [
        _("improvement plan · {0} {1} · {2} {3} · total {4}").format(
            data["unit"], data["name"], data["ruleset"], data["category"], present(Decimal(data["total"]))
        )
    ]
    if data.get("synthetic"):
        lines.append(f"*** {synthetic_banner()} ***")
    if not data["actions"]:
        lines.append(_("no action found that gains points"))
    for number, action in enumerate(data["actions"], 1):
        lines.append("")
        lines.append(f"{number}. +{present(Decimal(action['gain']))}  {action['indicator']} {action['title']}")
        lines.append(f"   {action['explanation']}")
        lines.append(f"   {_args(action, command or ['escore', 'whatif', data['unit']])}")
    lines.append("")
    lines.append(data["note"] + _("; gains rounded half-up to 2 places (-f json has them exact)"))
    return safe("\n".join(lines) + "\n")


PLAN_HEADINGS = (N_("#"), N_("gain"), N_("indicator"), N_("action"), N_("whatif"))


def plan_html(data: dict[str, Any], command: list[str] | None = None) -> str:
    from html import escape

    from escore._i18n import language
    from escore._report import synthetic_banner

    rows = "".join(
        f"<tr><td>{n}</td><td class=n>{escape(a['gain'])}</td><td>{escape(a['indicator'])} {escape(a['title'])}</td>"
        f"<td>{escape(a['explanation'])}</td><td><code>{escape(_args(a, command))}</code></td></tr>"
        for n, a in enumerate(data["actions"], 1)
    )
    banner = f"<p><strong>{escape(synthetic_banner())}</strong></p>" if data.get("synthetic") else ""
    heads = "".join(f"<th>{escape(_(h))}</th>" for h in PLAN_HEADINGS)
    # Messages are looked up outside the f-strings: the extractor does not read inside them.
    title = _("Improvement plan: {0} {1}").format(data["unit"], data["name"])
    total = _("total {0}").format(data["total"])
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}"><head><meta charset="utf-8"><title>escore plan</title>'
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}td.n{text-align:right}</style>"
        f"</head><body><h1>{escape(title)}</h1>{banner}"
        f"<p>{escape(total)}</p><table><tr>{heads}</tr>{rows}</table>"
        f"<p>{escape(data['note'])}</p></body></html>\n"
    )
