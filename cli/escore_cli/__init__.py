"""The ``escore`` command line.

Subcommands are imported only when invoked, so ``escore --version`` and
``escore --help`` load click and nothing of the engine, pytest or the packs.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from escore._version import __version__


def H_(text: str) -> str:
    """Mark the help of a command or an option for extraction into the help catalogue (domain
    ``escore_help``, see docs/translations.md); it is translated when the help is shown."""
    return text


_COMMANDS = {
    "run": ("escore_cli._run", "run", H_("Score and rank the units of a category.")),
    "list": ("escore_cli._list", "list_", H_("Show the indicator tree of a category with maxima and citations.")),
    "explain": ("escore_cli._explain", "explain", H_("Explain every point of one unit.")),
    "new-pack": ("escore_cli._new_pack", "new_pack", H_("Scaffold a rule pack, or a new year extending an installed one.")),
    "plugins": ("escore_cli._plugins", "plugins", H_("List the loaded plugins with distribution and version.")),
    "rules-diff": ("escore_cli._rules_diff", "rules_diff", H_("Show what changed between two rulesets.")),
    "schema": (
        "escore_cli._schema",
        "schema",
        H_("Print the JSON Schema of the JSON output of a command (run, list, diff, whatif, plan, plans, history)."),
    ),
    "template": ("escore_cli._template", "template", H_("Write a blank evidence file for a category or unit.")),
    "verify": ("escore_cli._verify", "verify", H_("Run the golden cases of the installed packs.")),
    "history": ("escore_cli._cycle", "history", H_("List the saved runs of the store.")),
    "diff": ("escore_cli._cycle", "diff", H_("Compare two runs: saved ids, evidence directories or two rulesets.")),
    "whatif": ("escore_cli._cycle", "whatif", H_("Score a unit with changed evidence: delta, changed indicators, new rank.")),
    "cache": ("escore_cli._cache", "cache", H_("Show where the cache is and what it holds, or clear it.")),
    "appeal": ("escore_cli._cycle", "appeal", H_("File, list and decide appeals (accepted ones apply to later runs).")),
    "plan": ("escore_cli._plan", "plan", H_("An improvement plan for a unit: actions ranked by points to gain.")),
}


class Command(click.Command):
    """A command whose ``--help`` speaks the language asked for on the command line (``--lang``,
    else ``ESCORE_LANG``): its help and its options' are English in the code, marked with
    :func:`H_`, and translated only when the help is shown (``escore_cli._help``)."""

    def get_help(self, ctx: click.Context) -> str:
        language = _help_language(ctx)
        click_language(language)  # click's own words: "Usage:", "Options", "[default: …]"
        if language == "en":
            return super().get_help(ctx)
        from ._help import translated_help

        return translated_help(self, ctx, language)


class Group(Command, click.Group):
    """A group of :class:`Command` s (``@group.command()`` makes one), with its help translated too."""

    command_class = Command


class LazyGroup(Group):
    """A group whose subcommands are imported on first use."""

    #: The one-line description of each command in the help's list (set translated by ``escore_cli._help``).
    summaries: dict[str, str] | None = None

    # Ctrl-C before a command's own handler (escore_cli._common.reports_errors) runs, while the
    # command line is parsed or the command imported, had been click's "Aborted!" with exit 1,
    # which says an indicator raised: it is said and ends as one during the command (exit 130).
    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            _interrupted()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        # Before the subcommand's options are parsed: its usage errors, and its --help, follow its --lang.
        ctx.meta[HELP_LANGUAGE] = _parse_in_requested_language(args)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        import importlib

        module, attribute, _ = _COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table above: listing commands must not import them.
        # click's heading, in click's catalogue (locale/zh/LC_MESSAGES/click.po), not escore's.
        from gettext import gettext as click_message

        summaries = self.summaries or {name: entry[2] for name, entry in _COMMANDS.items()}
        with formatter.section(click_message("Commands")):
            formatter.write_dl([(name, summaries[name]) for name in sorted(_COMMANDS)])


def _interrupted() -> NoReturn:
    from escore._i18n import gettext

    click.echo(gettext("escore: interrupted"), err=True)
    raise SystemExit(130) from None


#: Where :meth:`LazyGroup.resolve_command` keeps the language the command line asks for (``ctx.meta``).
HELP_LANGUAGE = "escore.help_language"


def _help_language(ctx: click.Context) -> str:
    """The language of a command's ``--help``: what its command line asks for (``--lang``, else
    ``ESCORE_LANG``), as its usage errors; never the ruleset's, which is not known yet."""
    if HELP_LANGUAGE in ctx.meta:
        return str(ctx.meta[HELP_LANGUAGE])
    return _language_code(_requested_language([]))


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=H_(
        "escore: score government performance assessments with installed rule packs.\n\n"
        "Set ESCORE_DISABLE_PLUGIN_AUTOLOAD=1 to load no entry-point plugin but those "
        "named in ESCORE_PLUGINS (comma-separated) or with -p NAME."
    ),
)
@click.version_option(
    __version__, "-V", "--version", prog_name="escore", message="%(prog)s %(version)s", help=H_("Show the version and exit.")
)
@click.option(
    "-p",
    "plugin_options",
    multiple=True,
    metavar="NAME",
    help=H_("'no:NAME' blocks plugin NAME; 'NAME' loads it even with autoload disabled."),
)
@click.pass_context
def cli(ctx: click.Context, plugin_options: tuple[str, ...]) -> None:
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


def _parse_in_requested_language(args: list[str]) -> str:
    """Usage errors found while click parses ``args`` in the language asked for (else English);
    returns that language."""
    code = _language_code(_requested_language(args))
    click_language(code)
    return code


def _language_code(requested: str | None) -> str:
    """``zh`` for a request of Chinese (``zh``, ``zh_CN``, ``zh-Hans``), else ``en``."""
    code = (requested or "en").strip().lower().replace("_", "-").split("-")[0]
    return "zh" if code == "zh" else "en"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
