from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import H_, Command
from ._common import (
    catalog_from,
    category_option,
    check_label,
    check_output_not_input,
    check_suffix,
    evidence_option,
    jobs_option,
    keep_until_exit,
    lang_option,
    output_option,
    prefixed,
    reports_errors,
    roster_option,
    ruleset_option,
    timeout_option,
    use_language,
    watching,
    write_output,
    year_option,
)
from ._store import accepted_appeals, db_option, no_appeals_option, note_appeals, save_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from escore._results import RunResult

#: Units (or errors) listed on stderr; the rest are counted, the report has them all.
STDERR_UNITS = 10


@click.command(
    cls=Command,
    help=H_(
        "Score and rank the units of a category.\n\n"
        "Exit status: 1 when an indicator raised an error, or with --strict when any evidence is missing (it is "
        "always reported); 2 on bad input; else 0."
    ),
)
@category_option
@ruleset_option
@year_option
@evidence_option
@click.option(
    "--format",
    "-f",
    "format_",
    default="table",
    show_default=True,
    help=H_("Output format: table, json, toml, csv, html, xlsx (or a plugin's)."),
)
@output_option
@click.option(
    "--columns",
    metavar="NAMES",
    help=H_(
        "With -f csv: only these columns, comma-separated, in this order (e.g. code,name,total); 'synthetic' always comes last, "
        "after 'selection' when -k or -m chooses the indicators."
    ),
)
@click.option(
    "--order",
    type=click.Choice(["rank", "code"]),
    default="rank",
    show_default=True,
    help=H_(
        "With -f csv: the units' lines in rank order, or in code order (each keeps its rank), as the units table or the "
        "roster lists them: two runs' files then compare line by line."
    ),
)
@click.option("-k", "keyword", metavar="EXPR", help=H_("Only indicators whose code/title match EXPR (and/or/not)."))
@click.option("-m", "marks", metavar="EXPR", help=H_("Only indicators whose marks match EXPR."))
@click.option("--strict", is_flag=True, help=H_("Exit 1 if any evidence is missing."))
@click.option("--save", is_flag=True, help=H_("Store the run (exact points, statuses, reasons, stamp) in the store."))
@click.option("--label", default="", help=H_("A label for the saved run."))
@db_option
@no_appeals_option
@lang_option
@roster_option
@timeout_option
@jobs_option(
    H_(
        "Score, and read large CSV monitoring tables, in N processes (default: every processor for 1,000 units or more;"
        " 1: one process). With more than one, a first run saves the checked evidence to the cache in a process of its"
        " own while it scores. Results are the same."
    )
)
@click.pass_context
@reports_errors
def run(
    ctx: click.Context,
    lang: str | None,
    category: str,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    format_: str,
    output: Path | None,
    columns: str | None,
    order: str,
    keyword: str | None,
    marks: str | None,
    strict: bool,
    save: bool,
    label: str,
    db: Path | None,
    no_appeals: bool,
    roster: Path | None,
    timeout: float | None,
    jobs: int | None,
) -> None:
    from escore._errors import UsageError, did_you_mean
    from escore._i18n import gettext as _

    catalog = catalog_from(ctx)
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    use_language(catalog, lang, [chosen])
    check_label(label, save)
    if format_ not in catalog.formats:
        hint = did_you_mean(format_, catalog.formats)
        raise UsageError(
            _("--format: unknown format '{0}'").format(format_)
            + (_("; ") + hint if hint else _("; ") + _("known: {0}").format(", ".join(sorted(catalog.formats))))
        )
    chosen_format = catalog.formats[format_]
    check_suffix(output, format_, catalog.formats)
    check_output_not_input(output, evidence, ctx=ctx, roster=roster, db=db)
    if chosen_format.binary and (output is None or str(output) == "-"):
        raise UsageError(_("--format {0} writes a binary file: give --output FILE{1}").format(format_, chosen_format.suffix))
    write_columns = None
    chosen_columns: list[str] | None = None
    if columns is not None or order != "rank":  # checked before any unit is scored
        from escore._builtin_formats import chosen_csv_columns, write_csv

        if chosen_format.write_run is not write_csv:
            option = "--columns" if columns is not None else "--order"
            raise UsageError(
                _("--columns: only -f csv writes a chosen set of columns")
                if columns is not None
                else _("{0}: only -f csv writes the units in another order than their ranks").format(option)
            )
        if columns is not None:
            chosen_columns = chosen_csv_columns(catalog.plan(chosen.name, category), columns)

        def write_columns(result: RunResult, commit: Callable[[], None] | None = None) -> None:
            write_output(lambda stream: write_csv(result, stream, chosen_columns, order=order), output, commit=commit)

    if chosen_format.max_units is not None:  # a format built whole: the units counted before any is scored
        from escore._session import units_of

        count = len(units_of(catalog, chosen.name, category, roster)[0])
        if count > chosen_format.max_units:
            raise UsageError(
                _(
                    "-f {0} is built whole in memory and read by people: at most {1} units, and this run has {2}; "
                    "use -f csv, json, toml, table or xlsx, which stream any number of units"
                ).format(format_, f"{chosen_format.max_units:,}", f"{count:,}")
            )
    appeals = [] if no_appeals else accepted_appeals(db, catalog, category, ruleset, year)
    with watching(timeout):
        if save or appeals:
            from escore._cycle import run_cycle, run_record

            if roster is not None and save:
                raise UsageError(_("--roster: saved runs score the pack's roster; leave --roster out"))
            if roster is not None:
                raise UsageError(
                    _(
                        "--roster: the accepted appeals of this category apply to the pack's roster, not to a units table; "
                        "give --no-appeals to score the table without them, or leave --roster out"
                    )
                )
            # A saved run keeps every explanation line, whatever the output format shows.
            cycle = run_cycle(
                catalog,
                category,
                ruleset=ruleset,
                year=year,
                evidence=evidence,
                keyword=keyword,
                marks=marks,
                explain=True,
                appeals=appeals,
            )
            note_appeals(cycle)
            result = cycle.result
            record = run_record(cycle, catalog, label=label) if save else None

            def save_run() -> None:  # once the output is written, before it is put in place: both or neither
                if record is not None:
                    saved = save_record(db, record)
                    # Said here: a stop held back until the output is in place must not hide it.
                    click.echo(_("escore: saved run #{0}").format(saved) + (f" '{label}'" if label else ""), err=True)

            if write_columns is not None:
                write_columns(result, save_run)
            else:
                write_output(chosen_format.render_run(result), output, commit=save_run)
        else:
            from escore._session import gc_paused, run_category

            # Frozen before the collector runs again: its first collection would rescan them all.
            with gc_paused():
                result = run_category(
                    catalog,
                    category,
                    ruleset=ruleset,
                    year=year,
                    evidence=evidence,
                    keyword=keyword,
                    marks=marks,
                    explain=chosen_format.explanations,
                    roster=roster,
                    lazy=chosen_format.write_run is not None,  # a summary per unit; the writer streams the detail
                    jobs=jobs,
                    texts=chosen_columns,  # the numbers' texts a chosen set of CSV columns reads (None: all)
                )
                keep_until_exit(result)
            # A streaming writer scores each unit's detail again: under the same watchdog.
            if write_columns is not None:
                write_columns(result)
            elif chosen_format.write_run is not None:
                write = chosen_format.write_run
                write_output(lambda stream: write(result, stream), output)
            else:
                write_output(chosen_format.render_run(result), output)
    counts = result.status_counts()
    if counts["missing"]:
        from escore._report import missing_lines

        # Grouped per unit, at most STDERR_UNITS of them: 83 counties with gaps must not bury the
        # terminal; the table and -f json/toml list everything.
        lines = missing_lines(result, limit=STDERR_UNITS)
        if strict:  # the flag goes before the closing colon, in either language
            head = lines[0]
            colon = head[-1] if head.endswith((":", "：")) else ""
            lines[0] = head.removesuffix(colon) + _(" (--strict: failing)") + colon
        lines[0] = prefixed(lines[0])
        click.echo("\n".join(lines), err=True)
    if counts["error"]:
        from escore._report import error_lines

        lines = error_lines(result, limit=STDERR_UNITS)
        click.echo("\n".join([prefixed(lines[0]), *lines[1:]]), err=True)
    ctx.exit(result.exit_code(strict=strict))
