"""Shared plumbing of the subcommands: the catalogue, error reporting, safe output."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def plugin_options(ctx: click.Context) -> tuple[list[str], list[str]]:
    """``(blocked, forced)`` plugin names from the root ``-p`` options."""
    options = (ctx.find_root().obj or {}).get("plugin_options", ())
    return [o[3:] for o in options if o.startswith("no:")], [o for o in options if not o.startswith("no:")]


def catalog_from(ctx: click.Context) -> Any:
    """Build the plugin manager and catalogue once per command, honouring ``-p``."""
    from escore._plugins import Catalog, make_plugin_manager

    blocked, forced = plugin_options(ctx)
    return Catalog(make_plugin_manager(blocked=blocked, names=forced))


def reports_errors(func: F) -> F:
    """Print an :class:`~escore.EscoreError` as one line on stderr and exit 2, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from escore._errors import EscoreError

        try:
            return func(*args, **kwargs)
        except EscoreError as exc:
            click.echo(f"escore: error: {exc}", err=True)
            raise SystemExit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def write_output(text: str | Callable[[Any], None], output: Path | None) -> None:
    """Write to ``output`` atomically (a temporary file renamed into place), or to stdout.

    ``text`` is the output, or a writer ``text(stream)`` that writes it piece by piece.
    """
    if output is None:
        if callable(text):
            import sys

            text(sys.stdout)
            sys.stdout.flush()
        else:
            click.echo(text, nl=False)
        return
    from escore._errors import UsageError

    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            if callable(text):
                text(stream)
            else:
                stream.write(text)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


category_option = click.option("--category", "-c", required=True, metavar="CATEGORY", help="Unit category, e.g. provincial, city, county.")
ruleset_option = click.option("--ruleset", metavar="NAME", help="Ruleset to use when several are installed (e.g. fj2017).")
year_option = click.option("--year", type=int, metavar="YEAR", help="Assessment year, when several rulesets are installed.")
evidence_option = click.option(
    "--evidence",
    "-e",
    "evidence",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Evidence directory or unit file (repeatable). Default: the packs' synthetic sample.",
)
