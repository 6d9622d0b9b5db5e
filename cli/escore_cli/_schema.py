from __future__ import annotations

from pathlib import Path

import click

from ._common import reports_errors, write_output


@click.command()
@click.argument("command", metavar="COMMAND")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE instead of stdout (atomically).")
@reports_errors
def schema(command: str, output: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of the JSON output of COMMAND: run or list.

    Its schema_version is the one the output carries; validate with any JSON Schema
    validator (the tests use Python's jsonschema).
    """
    from escore._errors import UsageError, did_you_mean
    from escore._report import SCHEMAS, schema_text

    if command not in SCHEMAS:
        hint = did_you_mean(command, SCHEMAS)
        raise UsageError(f"schema: no JSON Schema for '{command}'" + (f"; {hint}" if hint else f"; known: {', '.join(SCHEMAS)}"))
    write_output(schema_text(command), output)
