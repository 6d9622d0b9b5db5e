from __future__ import annotations

import click

from ._common import catalog_from, echo_out, reports_errors


@click.command()
@click.option("--hooks", is_flag=True, help="Also list the hooks each plugin implements.")
@click.pass_context
@reports_errors
def plugins(ctx: click.Context, hooks: bool) -> None:
    """List the loaded plugins with their distribution and version."""
    from escore._plugins import list_plugins
    from escore._report import grid

    catalog = catalog_from(ctx)
    infos = list_plugins(catalog.pm)
    rows = [
        [i.name, i.distribution, i.version, "BROKEN" if i.problem else ", ".join(i.hooks) if hooks else str(len(i.hooks))] for i in infos
    ]
    echo_out("\n".join(grid(["plugin", "distribution", "version", "hooks"], rows, [False, False, False, False])))
    for info in infos:
        if info.problem:
            echo_out(f"\nbroken: {info.name}: {info.problem}")
    if catalog.rulesets:
        echo_out(
            "\nrulesets: "
            + ", ".join(
                f"{r.name} ({r.year}: {', '.join(sorted(k for rs, k in catalog.categories if rs == r.name))})"
                for r, _ in sorted(catalog.rulesets.values(), key=lambda x: x[0].name)
            )
        )
