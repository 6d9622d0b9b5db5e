from __future__ import annotations

from pathlib import Path

import click

from . import H_, Command
from ._common import lang_option, output_option, reports_errors, speak, write_output


@click.command(
    cls=Command,
    help=H_(
        "Print the JSON Schema (draft 2020-12) of the JSON output of COMMAND: run, list, diff, whatif, plan, plans "
        "(plan --all) or history.\n\n"
        "Its schema_version is the one the output carries; validate with any JSON Schema validator (the tests use "
        "Python's jsonschema)."
    ),
)
@click.argument("command", metavar="COMMAND")
@output_option
@lang_option
@click.pass_context
@reports_errors
def schema(ctx: click.Context, lang: str | None, command: str, output: Path | None) -> None:
    from escore._errors import UsageError, did_you_mean
    from escore._i18n import gettext as _
    from escore._report import SCHEMAS, schema_text

    speak(ctx)  # a schema is the same in every language; its errors are not
    if command not in SCHEMAS:
        hint = did_you_mean(command, SCHEMAS)
        raise UsageError(
            _("schema: no JSON Schema for '{0}'").format(command) + _("; ") + (hint or _("known: {0}").format(", ".join(SCHEMAS)))
        )
    write_output(schema_text(command), output)
