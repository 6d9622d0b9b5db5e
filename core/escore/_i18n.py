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

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

#: Languages escore itself has catalogues for (English is the source language).
LANGUAGES = ("en", "zh")
DOMAIN = "escore"
ENV = "ESCORE_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


_messages: dict[str, str] = {}
_current: dict[str, Any] = {"language": "en", "plural": _english_plural}
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


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that counts ``n`` things (``"{0} unit"``, ``"{0} units"``) in the
    current language: the catalogue's form for ``n`` by the language's plural rule, else English's
    (``singular`` for 1, ``plural`` otherwise). Formatted afterwards, like :func:`gettext`:
    ``ngettext("{0} unit", "{0} units", n).format(n)``."""
    if _messages:
        forms = _messages.get(singular + PLURAL_KEY)
        if forms:
            texts = forms.split("\x00")
            return texts[min(_current["plural"](n), len(texts) - 1)]
    return singular if n == 1 else plural


#: Appended to a plural message's singular msgid to make its key in the messages read from a
#: catalogue; its value is the translated forms joined by NUL, as a ``.mo`` file stores them.
PLURAL_KEY = "\x00"


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
    """The translated messages of one compiled catalogue (``.mo``); untranslated ones are left out.
    A plural message is keyed by its singular msgid and :data:`PLURAL_KEY`, its forms joined by NUL."""
    return _read(path)[0]


def _read(path: Path) -> tuple[dict[str, str], Callable[[int], int]]:
    """The messages of one compiled catalogue and its language's plural rule (which form counts ``n``)."""
    import gettext as stdlib_gettext

    with path.open("rb") as stream:
        catalogue = stdlib_gettext.GNUTranslations(stream)
    found: dict[str, str] = {}
    forms: dict[str, dict[int, str]] = {}
    for key, value in catalogue._catalog.items():  # type: ignore[attr-defined]
        if isinstance(key, str):
            if key and value:
                found[key] = value
        else:  # (singular, index): a form of a plural message
            forms.setdefault(key[0], {})[key[1]] = value
    for singular, texts in forms.items():
        if all(texts.values()):
            found[singular + PLURAL_KEY] = "\x00".join(texts[i] for i in sorted(texts))
    return found, catalogue.plural  # type: ignore[attr-defined]


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
    plural: Callable[[int], int] = _english_plural
    if lang != "en":
        for domain, directory in [*given, (DOMAIN, str(LOCALE_DIR))]:
            path = Path(directory) / lang / "LC_MESSAGES" / f"{domain}.mo"
            if path.is_file():
                found, plural = _read(path)  # the language's rule: escore's catalogue's, read last
                messages.update(found)  # escore's own catalogue last: packs cannot change it
                info = path.stat()
                read.append((str(path), info.st_mtime_ns, info.st_size))
    _messages.clear()
    _messages.update(messages)
    lines.clear()
    _current["language"] = lang
    _current["plural"] = plural
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
