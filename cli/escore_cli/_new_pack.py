from __future__ import annotations

from pathlib import Path

import click

from . import H_, Command
from ._common import GivenPath, catalog_from, lang_option, reports_errors, speak, use_language


@click.command(
    "new-pack",
    cls=Command,
    help=H_(
        "Write a complete pip-installable rule pack into DIRECTORY.\n\n"
        "With --extends, the pack declares a ruleset that inherits everything from an installed one and scores "
        "identically to it until you change something in its overrides module. Without, it is a minimal pack of its "
        "own (one category, one indicator, a roster, sample evidence and a golden case) to grow from. Install it "
        "with `pip install -e DIRECTORY`."
    ),
)
@click.argument("directory", type=GivenPath(path_type=Path))
@click.option("--name", required=True, metavar="NAME", help=H_("The new ruleset's name, e.g. fj2018 (also names the distribution)."))
@click.option("--extends", "base", metavar="RULESET", help=H_("An installed ruleset the new one inherits from (a new year of it)."))
@click.option("--year", type=int, metavar="YEAR", help=H_("Assessment year (default with --extends: the base's year + 1)."))
@lang_option
@click.pass_context
@reports_errors
def new_pack(ctx: click.Context, lang: str | None, directory: Path, name: str, base: str | None, year: int | None) -> None:
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    from ._scaffold import derived_pack, minimal_pack, write_tree

    if year is not None and not 1 <= year <= 9999:
        speak(ctx)
        raise UsageError(_("new-pack --year: expected an assessment year from 1 to 9999, got {0}").format(year))
    catalog = catalog_from(ctx)
    if base is not None:
        if base in catalog.rulesets:
            use_language(catalog, lang, [catalog.rulesets[base][0]])
            if year is not None and year < catalog.rulesets[base][0].year:
                raise UsageError(
                    _("new-pack --year: {0} is before the year of '{1}' ({2}), which it extends").format(
                        year, base, catalog.rulesets[base][0].year
                    )
                )
        files = derived_pack(catalog, name, base, year)
    else:
        speak(ctx)
        if year is None:
            raise UsageError(_("new-pack: --year is required without --extends"))
        if name in catalog.rulesets:  # the pack could not be loaded beside the installed one
            raise UsageError(_("new-pack --name: a ruleset '{0}' is already installed").format(name))
        files = minimal_pack(name, year)
    write_tree(directory, files)
    click.echo(_("wrote {0} files to {1}; install with: pip install -e {1}").format(len(files), directory), err=True)
