"""The ``escore`` console script (``[project.scripts]``): the command line, imported under a guard.

Python takes about 0.1 s to import click and the command line before any of escore's handlers of
Ctrl-C is in place; an interrupt then had ended the command with a Python traceback
(``KeyboardInterrupt``). Here it ends as it does later: ``escore: interrupted`` on stderr, exit
status 130. This module imports nothing at all until the guard is in place (``import escore``
itself imports only the version), so ``escore --version`` costs what it did.
"""

from __future__ import annotations

import _signal  # built in: no file is looked for

TYPE_CHECKING = False  # typing is not imported before the guard is in place (it takes 15 ms)
if TYPE_CHECKING:
    from typing import NoReturn


def script() -> None:
    """Run the command line (:func:`escore_cli.script`, which ends the process)."""
    # Until the command line is imported, Ctrl-C ends the process from the handler itself: a
    # KeyboardInterrupt raised inside the import machinery (a module lock's callback) is printed
    # as "Exception ignored …" with a traceback and the import goes on. Put in place here, not
    # when this module is imported (no import has a side effect): what the script pip writes
    # runs between the two is a re.sub of its own name.
    try:
        _signal.signal(_signal.SIGINT, _interrupt_now)
        from escore_cli import script as command_line
    except KeyboardInterrupt:  # raised all the same (an import hook, a handler a module installed)
        interrupted()
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # the command's own handlers take over: exit 130 as well
    try:
        command_line()
    except KeyboardInterrupt:  # between the import and the command's handlers
        interrupted()


def _interrupt_now(signum: int, frame: object) -> None:
    """SIGINT while the command line is imported: say so and end at once, exit status 130."""
    import os

    os.write(2, (_message() + "\n").encode())  # no buffered stream: the handler may run while one is in use
    os._exit(130)  # nothing of the command has started; what was half imported needs no tearing down


def interrupted() -> NoReturn:
    """Say ``escore: interrupted`` and end with status 130, whatever was half imported."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while this is said is no traceback either
    try:
        sys.stderr.write(_message() + "\n")
        sys.stderr.flush()
    finally:
        raise SystemExit(130) from None


def _message() -> str:
    """``escore: interrupted`` in the language the command line (``--lang``) or ``ESCORE_LANG``
    asks for, which is all that is known this early; English if escore's catalogue cannot be read
    (the interrupt may have left its modules half imported)."""
    import os
    import sys

    message = "escore: interrupted"
    if _requested_language(sys.argv[1:], os.environ.get("ESCORE_LANG")) == "en":
        return message
    try:
        from escore._i18n import gettext, use

        use("zh")
        return gettext(message)
    except BaseException:  # a module half imported, or another interrupt: the English words
        return message


def _requested_language(args: list[str], environment: str | None) -> str:
    """``zh`` when ``--lang`` (else ``ESCORE_LANG``) asks for Chinese, else ``en``."""
    requested = environment
    for position, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and position + 1 < len(args):
            requested = args[position + 1]
            break
        if arg.startswith("--lang="):
            requested = arg.partition("=")[2]
            break
    code = (requested or "en").strip().lower().replace("_", "-").split("-")[0]
    return "zh" if code == "zh" else "en"
