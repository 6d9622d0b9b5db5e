from __future__ import annotations

from pathlib import Path

import click

from . import H_, Command
from ._common import (
    catalog_from,
    category_option,
    check_suffix,
    lang_option,
    output_option,
    reports_errors,
    ruleset_option,
    use_language,
    write_output,
    year_option,
)


@click.command("list", cls=Command, help=H_("Show the indicator tree of a category: maxima, methods and citations."))
@category_option
@ruleset_option
@year_option
@click.option("--format", "-f", "format_", default="table", show_default=True, help=H_("table or json."))
@output_option
@lang_option
@click.pass_context
@reports_errors
def list_(
    ctx: click.Context, lang: str | None, category: str, ruleset: str | None, year: int | None, format_: str, output: Path | None
) -> None:
    from escore._errors import UsageError

    catalog = catalog_from(ctx)
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    use_language(catalog, lang, [chosen])
    plan = catalog.plan(chosen.name, category)
    renderer = catalog.formats.get(format_)
    if renderer is None or renderer.render_catalog is None:
        usable = sorted(name for name, f in catalog.formats.items() if f.render_catalog is not None)
        from escore._i18n import gettext as _

        raise UsageError(_("--format: '{0}' cannot show a tree; use one of {1}").format(format_, ", ".join(usable)))
    check_suffix(output, format_, catalog.formats)
    write_output(renderer.render_catalog(plan), output)
