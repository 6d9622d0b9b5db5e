"""The ``escore`` command line.

Subcommands are imported only when invoked, so ``escore --version`` and
``escore --help`` load click and nothing of the engine, pytest or the packs.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from escore._version import __version__

_COMMANDS = {
    "run": ("escore_cli._run", "run", "Score and rank the units of a category."),
    "list": ("escore_cli._list", "list_", "Show the indicator tree of a category with maxima and citations."),
    "explain": ("escore_cli._explain", "explain", "Explain every point of one unit."),
    "plugins": ("escore_cli._plugins", "plugins", "List the loaded plugins with distribution and version."),
    "schema": ("escore_cli._schema", "schema", "Print the JSON Schema of the JSON output of run or list."),
    "template": ("escore_cli._template", "template", "Write a blank evidence file for a category or unit."),
    "verify": ("escore_cli._verify", "verify", "Run the golden cases of the installed packs."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        import importlib

        module, attribute, _ = _COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table above: listing commands must not import them.
        with formatter.section("Commands"):
            formatter.write_dl([(name, _COMMANDS[name][2]) for name in sorted(_COMMANDS)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="escore", message="%(prog)s %(version)s")
@click.option(
    "-p", "plugin_options", multiple=True, metavar="NAME", help="'no:NAME' blocks plugin NAME; 'NAME' loads it even with autoload disabled."
)
@click.pass_context
def cli(ctx: click.Context, plugin_options: tuple[str, ...]) -> None:
    """escore: score government performance assessments with installed rule packs.

    Set ESCORE_DISABLE_PLUGIN_AUTOLOAD=1 to load no entry-point plugin but those
    named in ESCORE_PLUGINS (comma-separated) or with -p NAME.
    """
    ctx.obj = {"plugin_options": plugin_options}


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``escore`` script."""
    return cli.main(args=argv, prog_name="escore")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
