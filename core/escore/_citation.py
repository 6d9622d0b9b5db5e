"""Structured citations: the clause a rule implements, quoted from its source."""

from __future__ import annotations

import attrs

from ._frozen import frozen


@frozen
class Citation:
    """The source clause an indicator implements.

    :param text: the clause, quoted verbatim from the source document.
    :param document: the document the clause comes from (a notice, a table).
    :param clause: where in the document (section, table row), if known.
    :param note: a remark of the pack author, e.g. that a row is not recoverable.
    """

    text: str = attrs.field(validator=attrs.validators.min_len(1))
    document: str = ""
    clause: str = ""
    note: str = ""

    def __str__(self) -> str:
        where = " ".join(part for part in (self.document, self.clause) if part)
        return f"{where}: 「{self.text}」" if where else f"「{self.text}」"


def cite(text: str, *, document: str = "", clause: str = "", note: str = "") -> Citation:
    """Build a :class:`Citation`; the short form used in rule packs."""
    return Citation(text=text, document=document, clause=clause, note=note)
