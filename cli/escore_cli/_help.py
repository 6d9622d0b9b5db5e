"""``--help`` in another language than English, made when it is shown.

The help of every command, group and option is written in English where it is defined and
marked with :func:`escore_cli.H_`; its translations are the catalogue of domain ``escore_help``
(``locale/<lang>/LC_MESSAGES/escore_help.mo`` beside this module, see docs/translations.md).
The language is the command line's (``--lang``, else ``ESCORE_LANG``), known only once it is
read, so nothing is translated when the commands are defined: :meth:`escore_cli.Command.get_help`
asks :func:`translated_help` for the help of a copy of the command whose texts are translated,
and the command itself, its options and English keep their English. Imported only to show a
help other than English.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import click

from . import _COMMANDS, H_, LazyGroup

DOMAIN = "escore_help"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: The help of the options click makes itself, in this catalogue rather than click's: click
#: looks it up once, when it makes the option (the version option's as the module is imported,
#: the help option's at its first use), in whatever language was in use then. (click's words
#: looked up as the help is written, "Options", "[default: …]", are in click's catalogue.)
CLICK_HELP = (H_("Show this message and exit."), H_("Show the version and exit."))


@cache
def messages(language: str) -> dict[str, str]:
    """The translated help texts of ``language`` (English: none)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if language == "en" or not path.is_file():
        return {}
    from escore._i18n import read_catalogue

    return read_catalogue(path)


def translated_help(command: click.Command, ctx: click.Context, language: str) -> str:
    """The help of ``command`` in ``language``: its description, its options' and, for a group,
    its commands' descriptions from the catalogue, wrapped by the width the characters take."""
    texts = messages(language)
    formatter = WideHelpFormatter(width=ctx.terminal_width, max_width=ctx.max_content_width)
    translated(command, ctx, texts).format_help(ctx, formatter)
    return formatter.getvalue().rstrip("\n")


def translated(command: click.Command, ctx: click.Context, texts: dict[str, str]) -> click.Command:
    """A copy of ``command`` to format its help from, its texts translated (the command is left as it is)."""
    shown = copy.copy(command)
    if command.help is not None:
        shown.help = texts.get(command.help, command.help)
    # The options, click's help option among them, as copies with their help translated; the
    # copy's own help option is then the translated one.
    shown.params = [_translated_parameter(p, texts) for p in command.get_params(ctx)]
    shown.add_help_option = False
    if isinstance(shown, LazyGroup):
        shown.summaries = {name: texts.get(entry[2], entry[2]) for name, entry in _COMMANDS.items()}
    elif isinstance(shown, click.Group):
        shown.commands = {name: _summarised(sub, texts) for name, sub in shown.commands.items()}
    return shown


def _translated_parameter(parameter: click.Parameter, texts: dict[str, str]) -> click.Parameter:
    help_text = getattr(parameter, "help", None)
    if not help_text or help_text not in texts:
        return parameter
    shown = copy.copy(parameter)
    shown.help = texts[help_text]  # an Option (an Argument has no help)
    return shown


def _summarised(command: click.Command, texts: dict[str, str]) -> click.Command:
    """A copy of a group's subcommand whose one-line description in the group's list is the first
    sentence of its translated help (click's English summary cuts English sentences)."""
    if command.short_help or not command.help or command.help not in texts:
        return command
    shown = copy.copy(command)
    first = texts[command.help].partition("\n\n")[0]
    shown.short_help = first.partition("。")[0] + "。" if "。" in first else first
    return shown


def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide character (汉字, full-width punctuation)."""
    return sum(2 if _wide(c) else 1 for c in text)


#: Characters a line does not start with, and characters it does not end with.
NOT_FIRST = set("，。、；：？！）」』”’》】…,.;:?!)]")
NOT_LAST = set("（「『“‘《【([")


def _pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: after the spaces that end a word, before and after a
    wide character; closing punctuation stays with what comes before it, opening with what follows,
    and click's ``[默认：table]`` is not cut."""
    pieces: list[str] = []
    bracketed = False
    for char in text:
        if not pieces:
            pieces.append(char)
        elif bracketed or char.isspace() or char in NOT_FIRST or pieces[-1][-1] in NOT_LAST:
            pieces[-1] += char
        elif pieces[-1][-1].isspace() or _wide(char) or _wide(pieces[-1][-1]):
            pieces.append(char)
        else:
            pieces[-1] += char  # a word goes on
        bracketed = (bracketed or char == "[") and char != "]"
    return pieces


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def wrap(text: str, columns: int) -> list[str]:
    """The lines of one paragraph, each at most ``columns`` wide where its words allow."""
    lines: list[str] = []
    line = ""
    for piece in _pieces(" ".join(text.split("\n"))):
        if line and width((line + piece).rstrip()) > columns:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


class WideHelpFormatter(click.HelpFormatter):
    """click's help formatter measuring text by the columns it takes, so that Chinese is wrapped
    at the terminal's width (click counts characters, and a line of 汉字 took twice the width)."""

    def write_heading(self, heading: str) -> None:
        colon = "：" if heading and _wide(heading[-1]) else ":"  # 选项：
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        # Paragraphs are rewrapped, as click does (escore's help has no \b block to keep as written).
        indent = " " * self.current_indent
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        self.write("\n\n".join("\n".join(indent + line for line in wrap(p, self.width - self.current_indent)) for p in paragraphs))
        self.write("\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            lines = [line for paragraph in second.split("\n\n") for line in wrap(paragraph, max(self.width - first_col - 2, 10))]
            self.write(f"{lines[0]}\n" if lines else "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
