from __future__ import annotations

import click

from . import H_, Command
from ._common import catalog_from, echo_out, lang_option, reports_errors


@click.command(cls=Command, help=H_("List the loaded plugins with their distribution and version."))
@click.option("--hooks", is_flag=True, help=H_("Also list the hooks each plugin implements."))
@lang_option
@click.pass_context
@reports_errors
def plugins(ctx: click.Context, lang: str | None, hooks: bool) -> None:
    from escore._i18n import gettext as _
    from escore._plugins import list_plugins
    from escore._report import grid

    catalog = catalog_from(ctx)
    infos = list_plugins(catalog.pm)
    rows = [
        [i.name, i.distribution, i.version, _("BROKEN") if i.problem else ", ".join(i.hooks) if hooks else str(len(i.hooks))] for i in infos
    ]
    header = [_("plugin"), _("distribution"), _("version"), _("hooks")]
    echo_out("\n".join(grid(header, rows, [False, False, False, False])))
    for info in infos:
        if info.problem:
            echo_out("\n" + _("broken: {0}: {1}").format(info.name, info.problem))
    if catalog.rulesets:
        described = []
        for r in sorted((r for r, _plugin in catalog.rulesets.values()), key=lambda r: r.name):
            extends = _(", extends {0}").format(r.extends) if r.extends else ""
            described.append(f"{r.name} ({r.year}{extends}: {', '.join(sorted(k for rs, k in catalog.categories if rs == r.name))})")
        echo_out("\n" + _("rulesets: ") + ", ".join(described))
