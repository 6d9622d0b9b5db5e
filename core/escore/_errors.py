"""Errors that the command line prints as one line, never as a traceback."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence


class EscoreError(Exception):
    """Base class of every error escore reports to its user."""

    exit_code = 2


class UsageError(EscoreError):
    """The command line asked for something that does not exist or does not fit."""


class InputError(EscoreError):
    """Evidence, a roster, a golden case or another input file is malformed.

    The message names the file, the key and what was expected.
    """

    def __init__(self, where: str, key: str, expected: str, *, hint: str = "") -> None:
        # Parts quoted from the input are shortened: a 100,000-character key is still one readable line.
        where, key, expected, hint = _short(where, 300), _short(key, 200), _short(expected, 400), _short(hint, 200)
        self.where = where
        self.key = key
        self.expected = expected
        self.hint = hint
        text = f"{where}: {key}: {expected}" if key else f"{where}: {expected}"
        if hint:
            text = with_hint(text, hint)
        super().__init__(text)


def with_hint(text: str, hint: str) -> str:
    """``text (hint)``, as an error writes its hint: in parentheses of the language's own
    (full-width （）in Chinese)."""
    from ._i18n import gettext

    return gettext("{0} ({1})").format(text, hint)


class InputErrors(InputError):
    """Every problem of one input file, listed at once (an assessor fixes a workbook in one pass).

    Printed as a heading line and one line per problem; each line is escaped on its own,
    so that only these separators, never the input's own text, start a new line.
    """

    def __init__(self, where: str, heading: str, problems: Sequence[str], *, limit: int = 200) -> None:
        self.where = where
        self.key = ""
        self.hint = ""
        self.problems = tuple(problems)
        listed = [_short(problem, 1000) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            from ._i18n import gettext

            listed.append(gettext("… and {0} more").format(len(self.problems) - limit))
        self.lines = (f"{where}: {heading}", *(f"  {line}" for line in listed))
        self.expected = heading
        EscoreError.__init__(self, "\n".join(self.lines))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PackError(EscoreError):
    """A rule pack is inconsistent: its tree does not add up, a fixture is unknown, ..."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``"did you mean 'x'?"`` for the closest candidate, or an empty string."""
    match = closest(word, candidates)
    if match is None:
        return ""
    from ._i18n import gettext

    return gettext("did you mean '{0}'?").format(match)


def did_you_mean_year(year: int, years: Iterable[int]) -> str:
    """``"did you mean 'Y'?"`` for a year no installed ruleset is of: among the installed
    ``years``, when one is a likely typo of it, the numerically nearest (ties: the earlier), not
    the one that looks most alike (2016 suggested 2018 where 2017 is installed); else ``""``."""
    candidates = sorted(set(years))
    if closest(str(year), [str(y) for y in candidates]) is None:
        return ""
    from ._i18n import gettext

    return gettext("did you mean '{0}'?").format(min(candidates, key=lambda y: (abs(y - year), y)))


def did_you_mean_ruleset(name: str, years: Mapping[str, int]) -> str:
    """``"did you mean 'X'?"`` for an unknown ruleset name among the installed ones (name →
    year): among names that differ from it in their digits only, the one whose year is nearest
    the digits typed (ties: the earlier; fj2016 suggested fj2018 where fj2017 is installed);
    else the likeliest typo, as :func:`did_you_mean`."""
    import re

    match = closest(name, years)
    if match is None:
        return ""
    digits = re.sub(r"\D", "", name)
    letters = re.sub(r"\d", "", name)
    alike = [other for other in years if re.sub(r"\d", "", other) == letters]
    if digits and alike:
        typed = int(digits)
        match = min(alike, key=lambda other: (abs(years[other] - typed), years[other], other))
    from ._i18n import gettext

    return gettext("did you mean '{0}'?").format(match)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` is likeliest a typo of (the one :func:`did_you_mean` names), or ``None``."""
    import difflib  # only when there is an error to explain

    choices = sorted(set(candidates))
    # The same word in other letters' case, with "-" for "_" (FUZHOU, rollcall-late), in
    # full-width characters, or with a letter that looks like a digit (C-l-1, P-O-1): difflib
    # compares characters as they are, and among codes alike but in one digit it picks the
    # greatest (C-l-1 was 'C-3-1').
    folded = _folded(word)
    same = [c for c in choices if _folded(c) == folded and c != word]
    matches = same[:1] or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def unnamed_column(where: str, position: int) -> InputError:
    """The error of a table whose header gives column ``position`` (from 1) no name: an empty
    header cell, or a separator at the end of every line (a spreadsheet's export). Monitoring,
    fields and units tables say it alike, naming the column by its place."""
    from ._i18n import gettext

    return InputError(
        where,
        gettext("column {0}").format(position),
        gettext("the header gives this column no name (an empty header cell, or a separator at the end of the lines); remove it"),
    )


def misspelt_column(expected: str, header: Iterable[str], valid: Collection[str]) -> str | None:
    """The name in a table's ``header`` that is column ``expected`` misspelt, for a header that
    lacks it: a name that is no ``valid`` column and that :func:`did_you_mean` would take for
    ``expected`` among them (``kinds`` for ``kind``, ``dc-variant`` for ``dc_variant``), or ``None``.

    The typo is the header's, the fix the column's name: never the other way round (a "did you
    mean" offering the misspelt header as the fix, a column the header has, had sent the user
    round in a circle). Called on the error path only: a header that has its columns costs nothing."""
    for name in header:
        if name not in valid and closest(name, valid) == expected:
            return name
    return None


def misspelt_column_problem(typo: str, expected: str) -> str:
    """What is wrong with a header that has ``typo`` (:func:`misspelt_column`) for column ``expected``;
    the caller names the header (its line, or its cell) and ``expected`` as the key."""
    from ._i18n import gettext

    return gettext("missing column; the header has '{0}': write it {1}").format(typo, expected)


#: Letters typed for the digits they look like.
_LOOKALIKE = str.maketrans({"l": "1", "i": "1", "|": "1", "o": "0"})


def _folded(word: str) -> str:
    """``word`` as it is compared for a likely typo: compatibility forms (full-width), case,
    "-" and "_", and letters that look like digits, each made one."""
    import unicodedata

    return unicodedata.normalize("NFKC", word).casefold().replace("-", "_").translate(_LOOKALIKE)


class EscoreWarning(UserWarning):
    """Something the user must see although the command goes on (the CLI prints it as one line)."""


def warn(message: str) -> None:
    """Issue an :class:`EscoreWarning` (shown on stderr as ``escore: warning: <message>``)."""
    import warnings

    warnings.warn(message, EscoreWarning, stacklevel=2)


class OtherRulesetWarning(EscoreWarning):
    """Evidence labelled for a ruleset the run neither is nor extends: said even when the
    evidence then turns out bad input, since the label is the likely reason (a later year's
    field it does not read)."""
