"""The ``escore`` command line.

Subcommands are imported only when invoked, so ``escore --version`` and
``escore --help`` load click and nothing of the engine, pytest or the packs.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from escore._version import __version__

_COMMANDS = {
    "run": ("escore_cli._run", "run", "Score and rank the units of a category."),
    "list": ("escore_cli._list", "list_", "Show the indicator tree of a category with maxima and citations."),
    "explain": ("escore_cli._explain", "explain", "Explain every point of one unit."),
    "new-pack": ("escore_cli._new_pack", "new_pack", "Scaffold a rule pack, or a new year extending an installed one."),
    "plugins": ("escore_cli._plugins", "plugins", "List the loaded plugins with distribution and version."),
    "rules-diff": ("escore_cli._rules_diff", "rules_diff", "Show what changed between two rulesets."),
    "schema": (
        "escore_cli._schema",
        "schema",
        "Print the JSON Schema of the JSON output of a command (run, list, diff, whatif, plan, history).",
    ),
    "template": ("escore_cli._template", "template", "Write a blank evidence file for a category or unit."),
    "verify": ("escore_cli._verify", "verify", "Run the golden cases of the installed packs."),
    "history": ("escore_cli._cycle", "history", "List the saved runs of the store."),
    "diff": ("escore_cli._cycle", "diff", "Compare two runs: saved ids, evidence directories or two rulesets."),
    "whatif": ("escore_cli._cycle", "whatif", "Score a unit with changed evidence: delta, changed indicators, new rank."),
    "cache": ("escore_cli._cache", "cache", "Show where the cache is and what it holds, or clear it."),
    "appeal": ("escore_cli._cycle", "appeal", "File, list and decide appeals (accepted ones apply to later runs)."),
    "plan": ("escore_cli._plan", "plan", "An improvement plan for a unit: actions ranked by points to gain."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        # Before the subcommand's options are parsed: its usage errors follow its --lang.
        _parse_in_requested_language(args)
        return super().resolve_command(ctx, args)

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


#: ``LANGUAGE`` as it was before :func:`click_language` changed it (restored for English).
_saved_environment: dict[str, str | None] = {}


def click_language(lang: str) -> None:
    """click's own messages about the command line ("No such option", "Usage:", "Try … for help.")
    in ``lang``. click marks them for the standard library's gettext, which takes the language from
    ``LANGUAGE``; escore's catalogue for them is domain ``click`` beside its own."""
    import gettext
    import os

    if lang == "en":
        gettext.textdomain("messages")  # the standard library's default: no catalogue, English
        if "LANGUAGE" in _saved_environment:
            saved = _saved_environment.pop("LANGUAGE")
            if saved is None:
                os.environ.pop("LANGUAGE", None)
            else:
                os.environ["LANGUAGE"] = saved
        return
    from escore._i18n import LOCALE_DIR

    gettext.bindtextdomain("click", str(LOCALE_DIR))
    gettext.textdomain("click")
    _saved_environment.setdefault("LANGUAGE", os.environ.get("LANGUAGE"))
    os.environ["LANGUAGE"] = lang


def _requested_language(args: list[str]) -> str | None:
    """``--lang`` as given on the command line, else ``ESCORE_LANG``: what is known before click
    parses it. (Without either, the language is the ruleset's, known only once the command runs.)"""
    import os

    for position, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and position + 1 < len(args):
            return args[position + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return os.environ.get("ESCORE_LANG") or None


#: Set by :func:`main` (through :func:`script`, the ``escore`` script): this process runs one
#: command and ends (read by ``escore_cli._common.keep_until_exit``).
this_process = {"runs_one_command": False}


def main(argv: list[str] | None = None) -> Any:
    """Run one command in a process that then ends (:func:`script`, or a harness that runs the
    command line in its own process); returns, or raises ``SystemExit``, as click does."""
    import gc

    args = sys.argv[1:] if argv is None else list(argv)
    _parse_in_requested_language(args)  # "no such command" too
    this_process["runs_one_command"] = True
    # A command's start-up (its modules, the packs, the plan) allocates objects that live until
    # the process ends, and the default youngest generation (700) had them scanned in about 40
    # collections, 16 M instructions of a 131-unit run (2.8%). Collections every 50,000
    # allocations still free any cycle a long command leaves (its large passes pause collection
    # anyway: escore._session.gc_paused).
    threshold = gc.get_threshold()
    if threshold[0]:  # 0: a program that switched automatic collection off keeps it off
        gc.set_threshold(max(threshold[0], YOUNG_GENERATION), *threshold[1:])
    try:
        return cli.main(args=args, prog_name="escore")
    finally:
        gc.set_threshold(*threshold)
        # The command is done and the process ends: the interpreter's last garbage collection
        # would visit every object still alive (the packs, the plan, the evidence), about 30 ms
        # of a run on the sample. Frozen, they are skipped; they are freed with the process.
        gc.freeze()


#: Allocations between two collections of the youngest generation while a command runs (:func:`main`).
YOUNG_GENERATION = 50_000


def script() -> NoReturn:
    """The ``escore`` script: :func:`main`, then the process ends at once.

    What the command leaves alive (the packs, the plan, a large run's evidence and results) is
    freed with the process rather than object by object: the interpreter's teardown took about
    40 ms after a 10,000-unit run and 0.25-0.35 s after 100,000 units. Exit handlers still run
    and the standard streams are flushed, as at a normal exit; a non-daemon thread a pack left
    running is not waited for (escore starts none). :func:`main` itself returns, for a program
    that runs a command and goes on.
    """
    try:
        main()
    except SystemExit as done:
        end_process(done.code)
    end_process(0)


def end_process(status: Any) -> NoReturn:
    """End the process with ``status`` as ``sys.exit`` would (``None`` is 0, an integer is the
    exit status, anything else is printed and gives 1), after the exit handlers and a flush of
    the standard streams, without tearing down the interpreter."""
    import atexit
    import contextlib
    import os

    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:
        with contextlib.suppress(Exception):
            print(status, file=sys.stderr)
        code = 1
    # The handlers a normal exit runs (the parsed-TOML cache is saved by one; a pack may have its
    # own); os._exit would skip them. A failure in one is printed by atexit itself, as at exit.
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):  # os._exit does not flush; a closed pipe is not an error here
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _parse_in_requested_language(args: list[str]) -> None:
    """Usage errors found while click parses ``args`` in the language asked for (else English)."""
    requested = _requested_language(args)
    code = (requested or "en").strip().lower().replace("_", "-").split("-")[0]
    click_language("zh" if code == "zh" else "en")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
