from __future__ import annotations

from pathlib import Path

import click

from ._common import (
    catalog_from,
    category_option,
    check_suffix,
    evidence_option,
    reports_errors,
    ruleset_option,
    timeout_option,
    watching,
    write_output,
    year_option,
)

#: Units (or errors) listed on stderr; the rest are counted, the report has them all.
STDERR_UNITS = 10


@click.command()
@category_option
@ruleset_option
@year_option
@evidence_option
@click.option(
    "--format", "-f", "format_", default="table", show_default=True, help="Output format: table, json, toml, csv (or a plugin's)."
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE instead of stdout (atomically).")
@click.option("-k", "keyword", metavar="EXPR", help="Only indicators whose code/title match EXPR (and/or/not).")
@click.option("-m", "marks", metavar="EXPR", help="Only indicators whose marks match EXPR.")
@click.option("--strict", is_flag=True, help="Exit 1 if any evidence is missing.")
@timeout_option
@click.pass_context
@reports_errors
def run(
    ctx: click.Context,
    category: str,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    format_: str,
    output: Path | None,
    keyword: str | None,
    marks: str | None,
    strict: bool,
    timeout: float | None,
) -> None:
    """Score and rank the units of a category.

    Exit status: 1 when an indicator raised an error, or with --strict when
    any evidence is missing (it is always reported); 2 on bad input; else 0.
    """
    from escore._errors import UsageError, did_you_mean
    from escore._session import run_category

    catalog = catalog_from(ctx)
    if format_ not in catalog.formats:
        hint = did_you_mean(format_, catalog.formats)
        raise UsageError(
            f"--format: unknown format '{format_}'" + (f"; {hint}" if hint else f"; known: {', '.join(sorted(catalog.formats))}")
        )
    chosen_format = catalog.formats[format_]
    check_suffix(output, format_, catalog.formats)
    with watching(timeout):
        result = run_category(
            catalog,
            category,
            ruleset=ruleset,
            year=year,
            evidence=evidence,
            keyword=keyword,
            marks=marks,
            explain=chosen_format.explanations,
        )
    write_output(chosen_format.render_run(result), output)
    counts = result.status_counts()
    if counts["missing"]:
        from escore._report import missing_lines

        # Grouped per unit, at most STDERR_UNITS of them: 83 counties with gaps must not bury the
        # terminal; the table and -f json/toml list everything.
        lines = missing_lines(result, limit=STDERR_UNITS)
        lines[0] = "escore: " + lines[0] + (" (--strict: failing)" if strict else "")
        click.echo("\n".join(lines), err=True)
    if counts["error"]:
        from escore._report import error_lines

        lines = error_lines(result, limit=STDERR_UNITS)
        click.echo("\n".join(["escore: " + lines[0], *lines[1:]]), err=True)
    ctx.exit(result.exit_code(strict=strict))
