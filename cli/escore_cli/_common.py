"""Shared plumbing of the subcommands: the catalogue, error reporting, safe output."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import H_

F = TypeVar("F", bound=Callable[..., Any])


def plugin_options(ctx: click.Context) -> tuple[list[str], list[str]]:
    """``(blocked, forced)`` plugin names from the root ``-p`` options."""
    options = (ctx.find_root().obj or {}).get("plugin_options", ())
    return [o[3:] for o in options if o.startswith("no:")], [o for o in options if not o.startswith("no:")]


def prefixed(message: str) -> str:
    """A note on stderr: ``escore: message`` (``escore：message`` in Chinese)."""
    from escore._i18n import gettext

    return gettext("escore: {0}").format(message)


def catalog_from(ctx: click.Context) -> Any:
    """Build the plugin manager and catalogue once per command, honouring ``-p``."""
    from escore._plugins import Catalog, make_plugin_manager

    if "escore.catalog" in ctx.meta:  # diff and speak() may ask twice
        return ctx.meta["escore.catalog"]

    blocked, forced = plugin_options(ctx)
    if ctx.params.get("lang") or os.environ.get("ESCORE_LANG"):
        use_language(None, ctx.params.get("lang"))  # so that a broken plugin is reported in it too
    catalog = Catalog(make_plugin_manager(blocked=blocked, names=forced), complete=True, announce=False)
    # The language is chosen before anything can fail, so that errors speak it too; commands
    # that pick one ruleset choose again with that ruleset's language (use_language).
    use_language(catalog, ctx.params.get("lang"), [r for r, _ in catalog.rulesets.values()])
    catalog.announce_broken()  # in that language: the packs that loaded decide it
    catalog.note = lambda message: click.echo(prefixed(message), err=True)
    ctx.meta["escore.catalog"] = catalog
    return catalog


#: Where a command's output goes: stdout as it was when the command started. While a
#: command runs, ``sys.stdout`` points at stderr, so that a pack's ``print()`` or the
#: plugin trace cannot corrupt ``-f json`` output.
_stdout: list[Any] = []


#: What :func:`keep_until_exit` keeps alive until the ``escore`` script ends the process.
_kept_until_exit: list[Any] = []


def keep_until_exit(*objects: Any) -> None:
    """In the ``escore`` script, freeze every object alive now (packs, plan, evidence, results):
    they live until the process ends, and later garbage collections would only rescan them,
    all of them at the first collection after a pause (40-60 ms at 10,000 units). ``objects``
    (a run's result) are kept alive to the end as well: the script ends the process without
    freeing them one by one (``escore_cli.script``; 0.25-0.35 s at 100,000 units). Elsewhere
    (tests, a program calling the commands) nothing is frozen or kept."""
    import escore_cli

    if escore_cli.this_process["runs_one_command"]:
        import gc

        gc.freeze()
        _kept_until_exit.extend(objects)


#: The longest line of an error message shown (InputError shortens the parts it quotes; a
#: usage error quoting the command line is cut here).
MAX_ERROR_LINE = 2000


class Stopped(KeyboardInterrupt):
    """A stop asked for by a signal other than Ctrl-C's (SIGTERM from ``timeout``, a CI's cancel
    or systemd; SIGHUP when the terminal closes): unwound as Ctrl-C is, so that an output being
    written is removed rather than left as a hidden temporary file."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on_signals() -> Callable[[], None]:
    """Make SIGTERM and SIGHUP raise :class:`Stopped` in this (the main) thread, where the
    handler is still the default; return what restores the handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, stop)

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def reports_errors(func: F) -> F:
    """Run a command: an :class:`~escore.EscoreError` is one line on stderr and exit 2, without a
    traceback, and so is an ``OSError`` about a path (its name and the system's words); warnings
    are one line each; Ctrl-C stops quietly with exit 130; anything a pack prints goes to stderr,
    only :func:`echo_out`/:func:`write_output` reach stdout. The command computes in escore's
    decimal context (``escore._score.SCORING``), whatever the context of a program running it,
    and leaves the language it found in use (its own is chosen by :func:`use_language`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import contextlib
        import sys
        import warnings
        from decimal import localcontext

        from escore._errors import EscoreError, EscoreWarning
        from escore._score import SCORING
        from escore._text import escape

        def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
            if issubclass(category, EscoreWarning):
                from escore._i18n import gettext

                click.echo(gettext("escore: warning: {0}").format(escape(str(message))), err=True)
            else:
                click.echo(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n"), err=True)

        import escore_cli
        from escore import _i18n

        _stdout.append(sys.stdout)
        # The language the command found, in use again when it ends: a program that runs commands
        # and then scores (a notebook) had gone on in the ruleset's Chinese.
        language_found = _i18n.in_use()
        # In the escore script only: a program that runs commands keeps its own handlers.
        restore_signals = _stop_on_signals() if escore_cli.this_process["runs_one_command"] else None
        try:
            # escore's decimal context, whatever the caller's (a program running a command): the
            # writers' sums and shares as well as the scoring (which enters it again).
            with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr), localcontext(SCORING):
                warnings.simplefilter("default", EscoreWarning)
                warnings.showwarning = show
                if kwargs.get("lang") or os.environ.get("ESCORE_LANG"):
                    # The language the command line asks for, before the command checks its
                    # options: a usage error raised before the catalogue is built speaks it too.
                    use_language(None, kwargs.get("lang"))
                return func(*args, **kwargs)
        except EscoreError as exc:
            from escore._i18n import gettext

            lines = getattr(exc, "lines", None) or (str(exc),)  # InputErrors: one line per problem
            # A line quoting what was typed (a 100,000-character unit code) stays readable.
            lines = [line if len(line) <= MAX_ERROR_LINE else line[: MAX_ERROR_LINE - 1] + "…" for line in lines]
            first = gettext("escore: error: {0}")
            click.echo("\n".join(first.format(escape(lines[0])) if i == 0 else escape(line) for i, line in enumerate(lines)), err=True)
            raise SystemExit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            from escore._i18n import gettext

            if isinstance(exc, Stopped):  # the shell's status of a process a signal ended: 128 + its number
                import signal

                click.echo(gettext("escore: stopped ({0})").format(signal.Signals(exc.signum).name), err=True)
                raise SystemExit(128 + exc.signum) from None
            click.echo(gettext("escore: interrupted"), err=True)
            raise SystemExit(130) from None
        except OSError as exc:
            # The system refused a path the user gave where no check named it first (a name too
            # long, no permission, a full disk, a failing disk): the path and the system's words.
            if isinstance(exc, BrokenPipeError):  # a reader that stopped reading: not an error of the input
                raise
            from escore._i18n import gettext

            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(gettext("escore: error: {0}").format(escape(where + (exc.strerror or str(exc)))), err=True)
            raise SystemExit(2) from None
        finally:
            _stdout.pop()
            if restore_signals is not None:
                restore_signals()
            if _i18n.in_use() != language_found:
                _i18n.restore(language_found)
                from . import click_language

                click_language(language_found[0])

    return wrapper  # type: ignore[return-value]


def echo_out(text: str, nl: bool = True) -> None:
    """Write the command's output to its stdout (not to a pack's redirected prints)."""
    click.echo(text, nl=nl, file=_stdout[-1] if _stdout else None)


def command_stdout() -> Any:
    """A context in which ``sys.stdout`` is the command's own stdout again."""
    import contextlib
    import sys

    return contextlib.redirect_stdout(_stdout[-1] if _stdout else sys.stdout)


def check_suffix(output: Path | None, format_name: str, formats: Any) -> None:
    """A file suffix claimed by another format than ``format_name`` is a usage error.

    ``formats`` maps format names to objects with a ``suffix`` (every registered
    :class:`~escore.OutputFormat`), so a plugin's formats take part as they are added.
    """
    if output is None or str(output) == "-":
        return
    suffix = output.suffix.lower()
    own = getattr(formats.get(format_name), "suffix", "").lower()
    if not suffix or suffix == own:
        return
    claimed = sorted(name for name, f in formats.items() if getattr(f, "suffix", "").lower() == suffix)
    if claimed:
        from escore._errors import UsageError
        from escore._i18n import gettext as _

        raise UsageError(
            _("--output {0}: the suffix {1} is for format {2}, but the format is '{3}'; add -f {4} or choose another file name").format(
                output, output.suffix, _(" or ").join(repr(n) for n in claimed), format_name, claimed[0]
            )
        )


def check_output_not_input(
    output: Path | None, evidence: Iterable[Path] = (), *, ctx: click.Context | None = None, **others: Path | None
) -> None:
    """``--output`` may not replace what the command reads: an evidence file given with ``-e``
    (``run -e book.xlsx -f xlsx -o book.xlsx`` replaced the assessor's evidence with results), a
    file inside an evidence directory, or another input (``others``: an option's name, ``roster``
    for ``--roster``, and its path). Symbolic links are followed, and a hard link is the file it
    links. A device or a pipe (``-o /dev/null``) is written into, never replaced: not refused.

    With ``ctx``, nor inside an installed pack's sample evidence, which a command without ``-e``
    reads (``run -c city -o SAMPLE/monitoring/TABLE.csv`` replaced a sample table with the ranking,
    exit 0, and every later run failed)."""
    if output is None or str(output) == "-":
        return
    kind = _file_kind(output)
    if kind is not None and not stat.S_ISREG(kind):
        return
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    target = os.path.realpath(output)
    if ctx is not None:
        catalog = catalog_from(ctx)
        samples = sorted({str(p) for section, _plugin in catalog.sections.values() for p in section.sample_evidence})
        for sample in samples:
            if os.path.commonpath([target, os.path.realpath(sample)]) == os.path.realpath(sample):
                raise UsageError(
                    _("--output {0}: is inside an installed pack's sample evidence, which escore reads; choose a file elsewhere").format(
                        output
                    )
                )
    inputs = [("-e", path) for path in evidence] + [
        ("--" + name.replace("_", "-"), path) for name, path in others.items() if path is not None
    ]
    for option, path in inputs:
        source = os.path.realpath(path)
        if option == "-e" and os.path.isdir(source):
            if os.path.commonpath([target, source]) == source:
                raise UsageError(
                    _("--output {0}: is inside the evidence directory {1} (-e), which this command reads; choose a file elsewhere").format(
                        output, path
                    )
                )
            continue
        same = target == source
        if not same and kind is not None:
            try:
                same = os.path.samefile(output, path)
            except OSError:
                same = False
        if same:
            raise UsageError(
                _("--output {0}: is {1}, given with {2}, which this command reads; choose another file").format(output, path, option)
            )


#: The suffix of each format the cycle commands (diff, whatif, plan) write: the built-in formats' own.
_COMMAND_SUFFIXES = {"table": ".txt", "json": ".json", "csv": ".csv", "html": ".html"}


def check_command_suffix(output: Path | None, format_name: str, choices: Any) -> None:
    """:func:`check_suffix` for a command that writes its own formats ``choices`` (diff, whatif,
    plan): ``-o plan.json`` with the table was written as text into a file named JSON, exit 0."""
    from types import SimpleNamespace

    check_suffix(output, format_name, {name: SimpleNamespace(suffix=_COMMAND_SUFFIXES[name]) for name in choices})


def _new_private_file(directory: Path, name: str, made: list[str]) -> int:
    """A new file ``.NAME.XXXXXXXX`` in ``directory``, mode 0600, opened for writing, as
    ``tempfile.mkstemp`` makes it (without importing tempfile, shutil, random, bz2 and lzma
    for every command that writes a file). Its path is put in ``made`` before it is created:
    a stop (Ctrl-C, SIGTERM) raised as ``os.open`` returns, before this returns, still leaves the
    caller the path to remove (it had been left behind)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        path = os.path.join(directory, f".{name}.{os.urandom(6).hex()}")
        made.append(path)
        try:
            return os.open(path, flags, 0o600)
        except FileExistsError:
            made.pop()  # another's file: never removed
            continue
    raise FileExistsError(f"no free temporary name in {directory}")


def _sweep_stale_writes(directory: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``NAME`` that a killed process left
    (SIGKILL, the out-of-memory killer: nothing runs to remove them), once an hour old, as the
    cache sweeps its own: a write in progress is never that old."""
    from escore._cache import STALE_WRITE_SECONDS

    prefix, size = f".{name}.", len(name) + 14  # .NAME. and 12 hexadecimal digits
    stale = time.time() - STALE_WRITE_SECONDS
    getuid = getattr(os, "getuid", None)  # none on Windows, whose files carry no such owner
    me = getuid() if getuid is not None else None
    try:
        entries = [entry for entry in os.scandir(directory) if len(entry.name) == size and entry.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        if not all(c in "0123456789abcdef" for c in entry.name[-12:]):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and (me is None or info.st_uid == me) and info.st_mtime < stale:
                os.unlink(entry.path)


def write_output(
    text: str | bytes | Callable[[Any], None],
    output: Path | None,
    *,
    before: Callable[[], None] | None = None,
    commit: Callable[[], None] | None = None,
) -> None:
    """Write to ``output`` atomically (a temporary file renamed into place), or to stdout (``None`` or ``-``);
    ``bytes`` (a binary format such as xlsx) go to a file only; a callable writes to the stream it is given.

    ``text`` is the output, or a writer ``text(stream)`` that writes it piece by piece.

    ``commit()``: a command that also saves to the store saves there, so that both are done or
    neither. To a file it is called once the whole content is in the temporary file, just
    before that is renamed into place, with Ctrl-C, SIGTERM and SIGHUP held back from the save
    to the rename (a stop meanwhile takes effect once both are done): an output that cannot be
    written, or a stop while it is written, saves nothing; a save that fails leaves no output
    file. (Saved before the content was written, a stop during a long write had left a saved
    run without its output, and without a word of it.) ``before()``: the same for an output
    whose content depends on the save (a what-if's JSON holds the saved run's id): called
    first, and the stops held back until the file is in place; for short outputs. To stdout
    or a device, which cannot be taken back, either is called before anything is written.

    The file gets the mode the umask gives a new file (reports are meant to be shared).
    A symbolic link is written through: its target is replaced and the link kept, as
    a shell's ``>`` would.
    """
    from escore._errors import UsageError

    if output is None or str(output) == "-":
        if isinstance(text, bytes):
            from escore._i18n import gettext as _

            raise UsageError(_("this format writes a binary file: give --output FILE"))
        for first in (before, commit):
            if first is not None:
                first()
        if callable(text):
            import sys

            stream = _stdout[-1] if _stdout else sys.stdout
            text(stream)
            stream.flush()
        else:
            echo_out(text, nl=False)
        return
    from escore._i18n import gettext as _

    kind = _file_kind(output)  # through a symbolic link: /dev/stdout is one, to a pipe or a terminal
    if kind is not None and stat.S_ISDIR(kind):
        raise UsageError(_("--output {0}: is a directory").format(output))
    if kind is not None and not stat.S_ISREG(kind):
        if not (stat.S_ISCHR(kind) or stat.S_ISFIFO(kind)):
            raise UsageError(_("--output {0}: not a regular file, a character device or a pipe").format(output))
        # /dev/null, a terminal, a named pipe: written into, as a shell's ">" would; renaming a
        # file over it would replace the device (for root, /dev/null itself) with a file.
        try:
            _write_stream(open(output, "wb"), text, before or commit)  # noqa: SIM115 (closed by _write_stream)
        except OSError as exc:
            raise UsageError(_("--output {0}: cannot write: {1}").format(output, exc.strerror)) from None
        return
    target = Path(os.path.realpath(output)) if output.is_symlink() else output
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(_("--output {0}: directory {1} does not exist").format(output, directory))
    made: list[str] = []  # the temporary file, from before it exists
    try:
        handle = _new_private_file(directory, target.name, made)
        temporary = made[-1]
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        if before is not None:
            with _stops_held_back():
                _write_stream(os.fdopen(handle, "wb"), text, before)
                os.replace(temporary, target)
        else:
            _write_stream(os.fdopen(handle, "wb"), text)
            with _stops_held_back():
                if commit is not None:
                    commit()
                os.replace(temporary, target)
        _sweep_stale_writes(directory, target.name)
    except OSError as exc:
        for path in made:
            Path(path).unlink(missing_ok=True)
        raise UsageError(_("--output {0}: cannot write: {1}").format(output, exc.strerror)) from None
    except BaseException:
        for path in made:
            Path(path).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _stops_held_back() -> Any:
    """Ctrl-C, SIGTERM and SIGHUP held back meanwhile (where this is the main thread): a stop
    that arrives is noted, and raised again as soon as this ends, so that what is done here is
    done whole. The handlers are swapped rather than the signals masked: a mask is the calling
    thread's alone, and the system hands a signal to another thread (the watchdog's) that does
    not mask it, whose handler Python then runs in the main thread at once."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not None:  # None: a handler not set from Python, left alone
            previous[number] = signal.signal(number, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if noted:
            signal.raise_signal(noted[0])


def _file_kind(path: Path) -> int | None:
    """The mode of what is at ``path`` (``stat.S_IFMT`` bits and the rest), ``None`` if nothing."""
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def _write_stream(stream: Any, text: str | bytes | Callable[[Any], None], before: Callable[[], None] | None = None) -> None:
    """``text`` (bytes, a string, or a writer of a text stream) into ``stream``, a binary file
    opened for writing, which is closed after; ``before()`` first (see :func:`write_output`)."""
    if before is not None:
        try:
            before()
        except BaseException:
            stream.close()
            raise
    if isinstance(text, bytes):
        with stream:
            stream.write(text)
    elif callable(text):
        from escore._builtin_formats import Utf8Output

        # A streaming writer may put UTF-8 bytes straight into its buffer (escore._builtin_formats.write_units).
        with Utf8Output(stream, encoding="utf-8", newline="") as out:
            text(out)
    else:
        import io

        with io.TextIOWrapper(stream, encoding="utf-8", newline="") as out:
            out.write(text)


def check_label(label: str, save: bool) -> None:
    """A run's label (``--label``) names a saved run, on one line of the history's table."""
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    if label and not save:
        raise UsageError(_("--label names a saved run: add --save"))
    if not label.isprintable():  # a line break or a control character would break the tables that list it
        raise UsageError(_("--label: expected one line of printable text, got {0}").format(repr(label)))


def jobs_option(help_text: str) -> Callable[[F], F]:
    """``--jobs/-j N``: the processes a command's work is shared out to."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help=help_text)


category_option = click.option(
    "--category", "-c", required=True, metavar="CATEGORY", help=H_("Unit category, e.g. provincial, city, county.")
)
ruleset_option = click.option("--ruleset", metavar="NAME", help=H_("Ruleset to use when several are installed (e.g. fj2017)."))
year_option = click.option("--year", type=int, metavar="YEAR", help=H_("Assessment year, when several rulesets are installed."))


class GivenPath(click.Path):
    """A path option or argument that refuses an empty text: ``Path("")`` is ``.``, so ``-e ''``
    had read the working directory, and ``--db ''`` had been 'found a directory'."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            from escore._i18n import gettext

            self.fail(gettext("an empty path; give a file or directory"), param, ctx)
        return super().convert(value, param, ctx)


evidence_option = click.option(
    "--evidence",
    "-e",
    "evidence",
    multiple=True,
    type=GivenPath(path_type=Path),
    metavar="PATH",
    help=H_("Evidence directory or unit file (repeatable). Default: the packs' synthetic sample."),
)
output_option = click.option(
    "--output",
    "-o",
    type=GivenPath(path_type=Path),
    metavar="FILE",
    help=H_("Write to FILE instead of stdout (atomically)."),
)
#: The three renderings of a one-unit or two-run report (explain, plan, diff).
report_format_option = click.option(
    "--format", "-f", "format_", default="table", type=click.Choice(["table", "json", "html"]), show_default=True
)
unit_category_option = click.option("--category", "-c", metavar="CATEGORY", help=H_("Category of the unit, if its code is ambiguous."))
lang_option = click.option(
    "--lang",
    "lang",
    metavar="zh|en",
    help=H_("Language of the output and messages (default: ESCORE_LANG, else the ruleset's language: zh for fj2017)."),
)


def resolve_language(requested: str | None, default: str | None = None) -> str:
    """The language to use: ``--lang``, else ``ESCORE_LANG``, else the ruleset's, else English."""
    from escore._i18n import ENV
    from escore._language import language_code

    for origin, value in (("--lang", requested), (ENV, os.environ.get(ENV) or None), ("ruleset language", default)):
        if value is not None:
            return language_code(value, origin)
    return "en"


def use_language(catalog: Any, lang: str | None, rulesets: Any = ()) -> str:
    """Choose the command's language once, before anything is scored or printed.

    Without ``--lang`` or ``ESCORE_LANG`` it is the language of the ruleset(s) the command
    uses when they agree on one, else English.
    """
    from escore._i18n import use

    languages = {r.language for r in rulesets}
    try:
        chosen = resolve_language(lang, languages.pop() if len(languages) == 1 else None)
    except Exception:
        use("en")  # an unknown language is reported in English
        raise
    use(chosen, catalog.translations if catalog is not None else ())
    from . import click_language

    click_language(chosen)  # click's own messages from here on (a bad value of a later prompt or check)
    return chosen


def speak(ctx: click.Context) -> None:
    """Choose the language of a command that scores no ruleset of its own (history, schema, ...):
    ``--lang``, else ``ESCORE_LANG``, else the language the installed rulesets agree on."""
    from escore._i18n import ENV

    if ctx.params.get("lang") or os.environ.get(ENV):
        use_language(None, ctx.params.get("lang"))
    else:
        catalog_from(ctx)  # the packs are loaded only to learn their language


class FiniteFloatRange(click.FloatRange):
    """click's ``FloatRange`` that also refuses ``nan`` and ``inf``: NaN passes every range check
    (its comparisons are all false), so ``--fail-under nan`` made a gate that could never fail."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math
        from gettext import gettext as click_message

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            # Read while click reads the command line: in click's catalogue (locale/zh/LC_MESSAGES/
            # click.po), as click's own messages, and so not among escore's.
            self.fail(click_message("{value!r} is not a finite number.").format(value=value), param, ctx)
        return number


roster_option = click.option(
    "--roster",
    type=GivenPath(path_type=Path),
    metavar="FILE",
    help=H_("Units table (CSV or Parquet: code, name, parent, attributes) instead of the pack's roster."),
)
timeout_option = click.option(
    "--timeout",
    # A millisecond at least: a budget below the watchdog's resolution was never enforced.
    type=FiniteFloatRange(min=0.001),
    metavar="SECONDS",
    help=H_(
        "An indicator running longer than this is stopped and reported as its error. "
        "Without it, an indicator running over 10 s is named on stderr."
    ),
)


def watching(timeout: float | None) -> Any:
    """A watchdog over the scoring that follows (see ``escore._watchdog``)."""
    from escore._watchdog import Watchdog

    return Watchdog(timeout)


def dumps(data: Any) -> str:
    """JSON with the characters its writer leaves raw escaped (exact, but safe in a terminal)."""
    import json

    from escore._text import escape_string_syntax

    return escape_string_syntax(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def write_json_with_list(stream: Any, head: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """The text :func:`dumps` gives ``{**head, key: list(items)}``, written an item at a time as
    the items come (memory holds one item, not the document)."""
    opening = dumps(head)
    stream.write(opening[: -len("\n}\n")] + f",\n  {dumps(key)[:-1]}: [")
    written = False
    for item in items:
        text = dumps(item)[:-1].replace("\n", "\n    ")  # JSON strings hold no raw line break
        stream.write((",\n    " if written else "\n    ") + text)
        written = True
    stream.write("\n  ]\n}\n" if written else "]\n}\n")


def safe(text: str) -> str:
    """Text output with control and reordering characters of evidence or claims shown as escapes."""
    from escore._text import escape_lines

    return escape_lines(text)
