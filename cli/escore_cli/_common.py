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
    catalog = Catalog(make_plugin_manager(blocked=blocked, names=forced))
    # The language is chosen before anything can fail, so that errors speak it too; commands
    # that pick one ruleset choose again with that ruleset's language (use_language).
    use_language(catalog, ctx.params.get("lang"), [r for r, _ in catalog.rulesets.values()])
    return catalog


def reports_errors(func: F) -> F:
    """Print an :class:`~escore.EscoreError` as one line on stderr and exit 2, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from escore._errors import EscoreError

        try:
            return func(*args, **kwargs)
        except EscoreError as exc:
            from escore._i18n import gettext

            click.echo(gettext("escore: error: {0}").format(exc), err=True)
            raise SystemExit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def write_output(text: str, output: Path | None) -> None:
    """Write to ``output`` atomically (a temporary file renamed into place), or to stdout."""
    if output is None:
        click.echo(text, nl=False)
        return
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(_("--output {0}: directory {1} does not exist").format(output, directory))
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
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
lang_option = click.option(
    "--lang",
    "lang",
    metavar="zh|en",
    help="Language of the output and messages (default: ESCORE_LANG, else the ruleset's language: zh for fj2017).",
)


def use_language(catalog: Any, lang: str | None, rulesets: Any = ()) -> str:
    """Choose the command's language once, before anything is scored or printed.

    Without ``--lang`` or ``ESCORE_LANG`` it is the language of the ruleset(s) the command
    uses when they agree on one, else English.
    """
    from escore._i18n import resolve, use

    languages = {r.language for r in rulesets}
    try:
        chosen = resolve(lang, languages.pop() if len(languages) == 1 else None)
    except Exception:
        use("en")  # an unknown language is reported in English
        raise
    use(chosen, catalog.translations if catalog is not None else ())
    return chosen
