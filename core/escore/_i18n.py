"""Translations of what escore prints: one language per command, from gettext catalogues.

Messages are written in English in the code and looked up in compiled catalogues
(``locale/<lang>/LC_MESSAGES/escore.mo``, made from the ``.po`` files next to
them; see docs/translations.md). Packs may ship catalogues of their own strings
through the ``escore_register_translations`` hook; they are consulted after
escore's own.

A command picks its language once (:func:`use`), before it scores: ``--lang``,
else ``ESCORE_LANG``, else the ruleset's ``language``; when it ends, the language
it found is in use again (a program may run commands and score in between). A
program chooses one with ``escore.use_language`` (:mod:`escore._language`); until
then, everything is English. The lookup is a module-level function over a plain
``dict``, so that the engine, which builds an explanation line per scoring step,
pays one dictionary lookup per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Languages escore itself has catalogues for (English is the source language).
LANGUAGES = ("en", "zh")
DOMAIN = "escore"
ENV = "ESCORE_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_messages: dict[str, str] = {}
_current: dict[str, Any] = {"language": "en"}
#: The translated messages of the current language; empty (false) while the command speaks English.
translating: dict[str, str] = _messages


class _Lines(dict):
    """English message → its current translation, filled on first use and emptied by :func:`use`.

    The engine writes ``lines[TEMPLATE].format(...)`` for every explanation line: after the
    first line of a kind that is one C-level dictionary lookup, no Python call. A line fixed
    by constants is looked up whole: ``lines[TEMPLATE, word, ...]``.
    """

    def __missing__(self, key: str | tuple[str, ...]) -> str:
        if key.__class__ is tuple:
            # (template, *words): a whole line fixed by a rule's constants, formatted once per
            # language; the words are translated too (a pack's "plan filed on time").
            template, *words = key
            text = self[template].format(*[self[word] for word in words])
        else:
            text = _messages.get(key, key)  # type: ignore[arg-type]  # a str here (a tuple key is handled above)
        self[key] = text
        return text


#: The lookup table the scoring vocabulary and the engine translate their lines with.
lines: dict[str | tuple[str, ...], str] = _Lines()


def gettext(message: str) -> str:
    """``message`` in the current command's language, from escore's catalogue and the packs'
    (itself in English, or when no catalogue translates it).

    A pack calls it for text it builds itself (a fixture's summary of its rows, an error):
    ``gettext("{0} of {1} systems pending").format(pending, systems)`` — the template is
    looked up, then formatted, so one catalogue entry serves every unit."""
    return _messages.get(message, message) if _messages else message


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where the same English word means different things."""
    if not _messages:
        return message
    return _messages.get(f"{context}\x04{message}", message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it here (translated where shown):
    a pack's words that escore shows later, in the language of the command that shows them (a
    rule's ``yes``/``no``/``what``/``nothing``, an item's kind, a field's or table's
    ``description``, a citation's ``note``, a veto's returned reason)."""
    return message


def language() -> str:
    """The language of the current command: ``"en"`` or ``"zh"``."""
    return _current["language"]


def NP_(context: str, message: str) -> str:
    """Mark ``message`` in ``context`` for extraction (``pybabel extract -k NP_:1c,2``)."""
    return message


#: Indicator and veto statuses; in English they are shown as their keys (``not_applicable``).
STATUS_NAMES = (
    NP_("status", "scored"),
    NP_("status", "missing"),
    NP_("status", "not_applicable"),
    NP_("status", "error"),
    NP_("status", "applied"),
    NP_("status", "not_applied"),
)


#: The notice's assessment methods (``escore._indicators.METHODS``): their keys in English, the
#: notice's names (年底综合考核…) in Chinese.
METHOD_NAMES = (
    NP_("method", "self_report"),
    NP_("method", "monitoring"),
    NP_("method", "online_monitoring"),
    NP_("method", "online_check"),
    NP_("method", "inspection"),
    NP_("method", "annual_review"),
    NP_("method", "public_vote"),
)


def method_label(method: str) -> str:
    """The display name of an assessment method: its key in English, the notice's name in Chinese."""
    return pgettext("method", method)


def status_label(status: str) -> str:
    """The display name of a status: the key itself in English, 不适用 for ``not_applicable`` in Chinese."""
    return pgettext("status", status)


def read_catalogue(path: Path) -> dict[str, str]:
    """The translated messages of one compiled catalogue (``.mo``); untranslated ones are left out."""
    import gettext as stdlib_gettext

    with path.open("rb") as stream:
        catalogue = stdlib_gettext.GNUTranslations(stream)
    return {key: value for key, value in catalogue._catalog.items() if isinstance(key, str) and key and value}  # type: ignore[attr-defined]


def use(lang: str, catalogues: Iterable[tuple[str, Path | str]] = ()) -> None:
    """Make ``lang`` the language of everything printed from now on.

    :param catalogues: ``(domain, locale directory)`` pairs that packs registered;
        ``<dir>/<lang>/LC_MESSAGES/<domain>.mo`` is read when it exists.
    """
    given = tuple((domain, str(directory)) for domain, directory in catalogues)
    if _current.get("catalogues") == (lang, given):
        return  # already in use: a command chooses its language again once it knows the ruleset
    messages: dict[str, str] = {}
    read: list[tuple[str, int, int]] = []
    if lang != "en":
        for domain, directory in [*given, (DOMAIN, str(LOCALE_DIR))]:
            path = Path(directory) / lang / "LC_MESSAGES" / f"{domain}.mo"
            if path.is_file():
                messages.update(read_catalogue(path))  # escore's own catalogue last: packs cannot change it
                info = path.stat()
                read.append((str(path), info.st_mtime_ns, info.st_size))
    _messages.clear()
    _messages.update(messages)
    lines.clear()
    _current["language"] = lang
    _current["catalogues"] = (lang, given)
    _current["read"] = (lang, tuple(read))


#: What :func:`in_use` gives: the language and the packs' catalogues given for it.
State = tuple[str, tuple[tuple[str, str], ...]]


def in_use() -> State:
    """The language in use and the packs' catalogues it was chosen with (for :func:`restore`)."""
    return _current.get("catalogues", (_current["language"], ()))


def restore(state: State) -> None:
    """Make ``state`` (what :func:`in_use` gave) the language in use again."""
    lang, given = state
    use(lang, given)


def catalogues_read() -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """The current language and the catalogues read for it (path, mtime, size): what a cache of
    text made in this language is valid for (a warning kept in one language, or under an
    earlier catalogue, is not replayed in another)."""
    return _current.get("read", (_current["language"], ()))


def translated(messages: Mapping[str, str]) -> dict[str, str]:
    """Each value of ``messages`` in the current language (for tables of templates)."""
    return {key: gettext(value) for key, value in messages.items()}
