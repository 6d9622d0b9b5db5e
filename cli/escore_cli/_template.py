from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from . import H_, Command
from ._common import (
    GivenPath,
    catalog_from,
    category_option,
    check_output_not_input,
    check_suffix,
    lang_option,
    output_option,
    reports_errors,
    ruleset_option,
    use_language,
    write_output,
    year_option,
)

#: The template's formats by the suffix each writes, for the check of ``--output``'s suffix.
_TEMPLATE_FORMATS = {name: SimpleNamespace(suffix=f".{name}") for name in ("toml", "xlsx")}


def render_template(plan: Any, unit: Any | None) -> str:
    from escore._evidence import TYPES
    from escore._i18n import gettext as _

    if unit is not None:
        who = _("unit {0} {1}").format(unit.code, unit.name)
    else:
        who = _("one unit (save as units/<UNIT-CODE>.toml)")
    lines = [
        "# " + _("escore evidence · {0} ({1}) · {2} · {3}").format(plan.ruleset.name, plan.ruleset.year, plan.category.key, who),
        "# " + _("Every field is commented out: remove the leading '# ' of a field and set its value."),
        "# " + _("A field left out is reported as *missing* evidence for the indicators it feeds."),
        "# " + _("Types: ") + _("; ").join(f"{k} = {_(v)}" for k, v in TYPES.items() if k in {f.type for f in plan.fields}),
        "",
    ]
    type_line, feeds_line = "#   " + _("type: {0}; expected: {1}"), "#   " + _("feeds: {0}")
    current_table = None
    for spec in (f.for_category(plan.category.key) for f in plan.fields):  # this category's maxima alone
        table, _dot, name = spec.key.rpartition(".")
        if table != current_table:
            lines.append(f"[{table}]" if table else "")
            current_table = table
        lines.append(f"# {_(spec.description)}" if spec.description else f"# {name}")
        lines.append(type_line.format(spec.type, spec.expected()))
        lines.append(feeds_line.format(", ".join(plan.feeds.get(spec.key, ()))))
        example = {
            "bool": "false",
            "int": "0",
            "decimal": "0",
            "str": '""',
            "date": "2017-11-15",
            "graded": '{ points = 0, reason = "" }',
            "list[str]": "[]",
        }.get(spec.type, '""')
        if spec.type == "enum" and spec.choices:
            example = f'"{spec.choices[0]}"'
        lines.append(f"# {name} = {example}")
        lines.append("")
    if plan.tables:
        lines.append("# " + _("Monitoring tables: CSV files in monitoring/, one row per event, many units per file."))
        rollup = _(" (sub-units’ rows roll up to their parent)")
        for tbl in plan.tables:
            lines.append(f"# monitoring/{tbl.name}.csv{rollup if tbl.rollup else ''}: {_(tbl.description)}")
            lines.append("#   " + _("header: {0}").format("unit," + ",".join(c.name for c in tbl.columns)))
            for col in tbl.columns:
                optional = _(" (optional)") if not col.required else ""
                lines.append(f"#   {col.name}: {col.expected()}{optional}" + (f" — {_(col.description)}" if col.description else ""))
            lines.append(feeds_line.format(", ".join(plan.feeds.get(tbl.name, ()))))
    return "\n".join(lines).rstrip() + "\n"


@click.command(
    cls=Command,
    help=H_(
        "Write a blank evidence file: every field with its type, unit, range and the indicators it feeds.\n\n"
        "With --format xlsx, one workbook for the whole category: a sheet per field group (a row per unit, a column "
        "per field), a sheet per monitoring table, data validation and a comment on every key; -e or "
        "--evidence-from-sample fills it in."
    ),
)
@category_option
@ruleset_option
@year_option
@click.option("--unit", "-u", "unit_code", metavar="UNIT", help=H_("Write the template for this unit (its code or its name; toml)."))
@click.option(
    "--format",
    "-f",
    "format_",
    default="toml",
    show_default=True,
    type=click.Choice(["toml", "xlsx"]),
    help=H_("toml: one unit's file; xlsx: one workbook for the whole category (needs --output)."),
)
@click.option(
    "--evidence",
    "-e",
    "evidence",
    multiple=True,
    type=GivenPath(path_type=Path),
    metavar="PATH",
    help=H_("xlsx: pre-fill the workbook from this evidence (repeatable)."),
)
@click.option("--evidence-from-sample", is_flag=True, help=H_("xlsx: pre-fill the workbook from the packs' synthetic sample evidence."))
@output_option
@lang_option
@click.pass_context
@reports_errors
def template(
    ctx: click.Context,
    lang: str | None,
    category: str,
    ruleset: str | None,
    year: int | None,
    unit_code: str | None,
    format_: str,
    evidence: tuple[Path, ...],
    evidence_from_sample: bool,
    output: Path | None,
) -> None:
    from escore._errors import UsageError, did_you_mean
    from escore._i18n import gettext as _

    catalog = catalog_from(ctx)
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    use_language(catalog, lang, [chosen])
    plan = catalog.plan(chosen.name, category)
    # A unit's TOML written as book.xlsx (or a workbook as unit.toml) opens as nothing.
    check_suffix(output, format_, _TEMPLATE_FORMATS)
    if format_ == "xlsx":
        if unit_code is not None:
            raise UsageError(_("--unit: an xlsx workbook holds every unit of the category; leave --unit out"))
        if output is None:
            raise UsageError(_("--format xlsx writes a workbook: give --output FILE.xlsx"))
        if evidence and evidence_from_sample:
            raise UsageError(_("give either --evidence or --evidence-from-sample, not both"))
        check_output_not_input(output, evidence, ctx=ctx)
        write_output(xlsx_template(catalog, plan, evidence, evidence_from_sample), output)
        return
    if evidence or evidence_from_sample:
        raise UsageError(_("--evidence and --evidence-from-sample pre-fill a workbook: add --format xlsx"))
    unit = None
    if unit_code is not None:
        roster = catalog.roster(chosen.name, category)
        found = [u for u in roster if unit_code in (u.code, u.name)]
        if not found:
            from ._explain import dropped_unit

            dropped = dropped_unit(catalog, unit_code, chosen.name, category)
            if dropped is not None:
                raise UsageError(_("--unit: {0}").format(dropped))
            hint = did_you_mean(unit_code, [u.code for u in roster] + [u.name for u in roster])
            raise UsageError(
                _("--unit: no {0} unit with code or name '{1}'").format(category, unit_code) + (_("; ") + hint if hint else "")
            )
        if len(found) > 1:
            several = ", ".join(u.code for u in found)
            raise UsageError(_("--unit: '{0}' names several {1} units: {2}; give the code").format(unit_code, category, several))
        unit = found[0]
    write_output(render_template(plan, unit), output)


def xlsx_template(catalog: Any, plan: Any, evidence: tuple[Path, ...], from_sample: bool) -> bytes:
    """The category's evidence workbook, pre-filled from ``evidence`` (or the sample) when asked."""
    from escore._load import load_evidence
    from escore._session import children_of, other_units
    from escore._xlsx_template import evidence_workbook

    units = catalog.roster(plan.ruleset.name, plan.category.key)
    children = children_of(catalog, plan)
    sub_codes = [c.code for kids in children.values() for c in kids]
    row_units = [u.code for u in units] + (sub_codes if any(t.rollup for t in plan.tables) else [])
    paths = list(evidence) or (catalog.sample_evidence(plan) if from_sample else [])
    if not paths:
        return evidence_workbook(plan, units, row_units)
    known = catalog.all_unit_codes(plan.ruleset.name)
    data = load_evidence(paths, plan, [u.code for u in units], known, catalog.loaders, sub_codes, others=other_units(catalog, plan))
    source = ", ".join(str(path) for path in paths)
    # The evidence keeps a sub-unit's rows of every table (its own category reads them); the
    # workbook carries only the rows this category's run scores: its units' rows, and its
    # sub-units' rows of a table that rolls up into them.
    own, rolled = {u.code for u in units}, {t.name for t in plan.tables if t.rollup}
    tables = {
        name: {code: rows for code, rows in by_unit.items() if code in own or name in rolled} for name, by_unit in data.tables.items()
    }
    return evidence_workbook(
        plan, units, row_units, values=data.values, tables=tables, synthetic=data.synthetic, notes=data.notes, source=source
    )
