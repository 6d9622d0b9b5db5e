from __future__ import annotations

from pathlib import Path

import click

from . import H_, Command
from ._common import catalog_from, lang_option, output_option, reports_errors, use_language, write_output


@click.command(
    "rules-diff",
    cls=Command,
    help=H_(
        "What changes from ruleset A to ruleset B: nodes, maxima, weights, section titles, rule parameters (tier "
        "rows, amounts, deadlines) and citations.\n\n"
        'JSON output is {"from": A, "to": B, "changes": [...]}; an unchanged derived pack has no changes.'
    ),
)
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--category", "-c", metavar="CATEGORY", help=H_("Only this category (default: every category of either ruleset)."))
@click.option("--format", "-f", "format_", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@output_option
@lang_option
@click.pass_context
@reports_errors
def rules_diff(
    ctx: click.Context, lang: str | None, first: str, second: str, category: str | None, format_: str, output: Path | None
) -> None:
    from escore._rulesdiff import diff_rulesets, render

    catalog = catalog_from(ctx)
    use_language(catalog, lang, [catalog.rulesets[n][0] for n in (first, second) if n in catalog.rulesets])
    changes = diff_rulesets(catalog, first, second, category)
    write_output(render(changes, first, second, format_), output)
