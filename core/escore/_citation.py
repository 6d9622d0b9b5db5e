"""Structured citations: the clause a rule implements, quoted from its source."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ._frozen import frozen
from ._i18n import gettext


@frozen
class Citation:
    """The source clause an indicator implements.

    :param text: the clause, quoted verbatim from the source document.
    :param document: the document the clause comes from (a notice, a table).
    :param clause: where in the document (section, table row), if known.
    :param note: a remark of the pack author, e.g. that a row is not recoverable.
    :param note_parts: the note as the pack wrote it in parts (sentences it shares with other
        notes), each translated on its own where the note is shown; empty when it is one text.
    """

    text: str = attrs.field(validator=attrs.validators.min_len(1))
    document: str = ""
    clause: str = ""
    note: str = ""
    note_parts: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    def shown_note(self) -> str:
        """The note in the command's language, from the packs' catalogues (``note`` in English)."""
        if self.note_parts:
            return "".join(map(gettext, self.note_parts))
        return gettext(self.note)

    def __str__(self) -> str:
        where = " ".join(part for part in (self.document, self.clause) if part)
        return f"{where}: 「{self.text}」" if where else f"「{self.text}」"


def cite(text: str, *, document: str = "", clause: str = "", note: str | Sequence[str] = "") -> Citation:
    """Build a :class:`Citation`; the short form used in rule packs.

    ``note`` is a text, or its parts in order (``(N_("Row lost. "), GRADED_NOTE)``): the note is
    their concatenation, and a catalogue translates each part, so a sentence many notes share is
    translated once.

    A node scored in several categories whose columns rest on different clauses takes one per
    category: ``source={"city": cite(...), "county": cite(...)}`` (see :func:`escore.group`).
    """
    if isinstance(note, str):
        return Citation(text=text, document=document, clause=clause, note=note)
    parts = tuple(note)
    return Citation(text=text, document=document, clause=clause, note="".join(parts), note_parts=parts)
