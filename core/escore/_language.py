"""Choosing the language from a program: ``escore.use_language`` (see :mod:`escore._i18n`)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ._errors import UsageError, did_you_mean
from ._i18n import LANGUAGES, State, in_use, restore, use


def language_code(value: str, origin: str = "") -> str:
    """The language ``value`` names (``zh``, ``zh_CN``, ``zh-Hans``: ``zh``), one of
    :data:`LANGUAGES`; anything else a :class:`~escore.UsageError` (``origin`` says where it was
    given: ``--lang``, ``ESCORE_LANG``)."""
    code = value.strip().lower().replace("_", "-").split("-")[0] if isinstance(value, str) else ""
    if code in LANGUAGES:
        return code
    hint = did_you_mean(code, LANGUAGES) if code else ""
    said = f"{origin}: " if origin else ""
    raise UsageError(f"{said}unknown language '{value}'; " + (hint or f"expected one of {', '.join(LANGUAGES)}"))


class _Chosen:
    """What :func:`use_language` gives: the language is in use already; as a context manager,
    the one in use before is restored when the block ends."""

    def __init__(self, before: State) -> None:
        self._before = before

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None) -> None:
        restore(self._before)


def use_language(code: str, catalog: Any = None) -> _Chosen:
    """Make ``code`` (``"en"`` or ``"zh"``; ``"zh_CN"`` and the like name ``"zh"``) the language
    of escore's messages and explanation lines in this process from now on, or, used as
    ``with escore.use_language("zh", catalog): ...``, until the block ends.

    :param catalog: the :class:`~escore.Catalog` whose packs' catalogues are read too, so that
        their own lines (a rule's words, a fixture's text) are translated as well; without it,
        only escore's own words are.

    Lines are made in the language in use when a unit is scored: a result keeps them. An
    unknown language is a :class:`~escore.UsageError` with a "did you mean", and changes nothing.
    """
    chosen = language_code(code)
    before = in_use()
    use(chosen, catalog.translations if catalog is not None else ())
    return _Chosen(before)
