from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._common import catalog_from, category_option, reports_errors, ruleset_option, write_output, year_option


def render_template(plan: Any, unit: Any | None) -> str:
    from escore._evidence import TYPES

    who = f"unit {unit.code} {unit.name}" if unit is not None else "one unit (save as units/<UNIT-CODE>.toml)"
    lines = [
        f"# escore evidence · {plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} · {who}",
        "# Every field is commented out: remove the leading '# ' of a field and set its value.",
        "# A field left out is reported as *missing* evidence for the indicators it feeds.",
        "# Types: " + "; ".join(f"{k} = {v}" for k, v in TYPES.items() if k in {f.type for f in plan.fields}),
        "",
    ]
    current_table = None
    for spec in plan.fields:
        table, _, name = spec.key.rpartition(".")
        if table != current_table:
            lines.append(f"[{table}]" if table else "")
            current_table = table
        lines.append(f"# {spec.description}" if spec.description else f"# {name}")
        lines.append(f"#   type: {spec.type}; expected: {spec.expected()}")
        lines.append(f"#   feeds: {', '.join(plan.feeds.get(spec.key, ()))}")
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
        lines.append("# Monitoring tables: CSV files in monitoring/, one row per event, many units per file.")
        for tbl in plan.tables:
            lines.append(
                f"# monitoring/{tbl.name}.csv{' (sub-units’ rows roll up to their parent)' if tbl.rollup else ''}: {tbl.description}"
            )
            lines.append(f"#   header: unit,{','.join(c.name for c in tbl.columns)}")
            for col in tbl.columns:
                optional = "" if col.required else " (optional)"
                lines.append(f"#   {col.name}: {col.expected()}{optional}" + (f" — {col.description}" if col.description else ""))
            lines.append(f"#   feeds: {', '.join(plan.feeds.get(tbl.name, ()))}")
    return "\n".join(lines).rstrip() + "\n"


@click.command()
@category_option
@ruleset_option
@year_option
@click.option("--unit", "-u", "unit_code", metavar="UNIT", help="Write the template for this unit (its code or its name).")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE instead of stdout.")
@click.pass_context
@reports_errors
def template(ctx: click.Context, category: str, ruleset: str | None, year: int | None, unit_code: str | None, output: Path | None) -> None:
    """Write a blank evidence file: every field with its type, unit, range and the indicators it feeds."""
    from escore._errors import UsageError, did_you_mean

    catalog = catalog_from(ctx)
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    plan = catalog.plan(chosen.name, category)
    unit = None
    if unit_code is not None:
        roster = catalog.roster(chosen.name, category)
        found = [u for u in roster if unit_code in (u.code, u.name)]
        if not found:
            hint = did_you_mean(unit_code, [u.code for u in roster] + [u.name for u in roster])
            raise UsageError(f"--unit: no {category} unit with code or name '{unit_code}'" + (f"; {hint}" if hint else ""))
        if len(found) > 1:
            raise UsageError(f"--unit: '{unit_code}' names several {category} units: {', '.join(u.code for u in found)}; give the code")
        unit = found[0]
    write_output(render_template(plan, unit), output)
