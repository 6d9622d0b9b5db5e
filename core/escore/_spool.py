"""Spool files: the detail of a run's units, written by the processes that score them and read
back by the writer in the output's order (JSON, TOML and the workbook)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO, TypeVar

Part = TypeVar("Part")

#: At most this many spool files (blocks of units) for the detail of deferred evidence: each
#: stays open until every unit is written, in the output's order.
DETAIL_FILES = 64


def with_spools(parts: Iterable[Part], spools: deque[BinaryIO]) -> Iterator[tuple[Part, BinaryIO]]:
    """Each part with a spool file of its own, kept in ``spools``: opened (and already unlinked)
    here, before the fork, so that the process writes through the same open file and the parent
    reads it back once that process is done."""
    import tempfile

    for part in parts:
        spool = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (the caller closes it)
        spools.append(spool)
        yield part, spool


def spool_pieces(spool: BinaryIO, pieces: Iterable[bytes]) -> list[int]:
    """``pieces`` written to ``spool`` from its start (a part computed again by the parent, its
    process having failed, starts afresh), flushed; the size of each. Scoring the part that
    makes them builds many acyclic objects, freed with it: the collector would only rescan them
    meanwhile (as in the first pass), so it waits."""
    import gc

    spool.seek(0)
    spool.truncate()
    sizes = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for data in pieces:
            spool.write(data)
            sizes.append(len(data))
    finally:
        if collecting:
            gc.enable()
    spool.flush()
    return sizes


def spool_error(exc: OSError) -> Exception:
    """A spool file that cannot be written or read back (the temporary directory full, say):
    the directory named, rather than the output file."""
    import tempfile

    from ._errors import UsageError
    from ._i18n import gettext as _

    message = _("temporary directory {0}: cannot hold the units' detail until it is written: {1} (TMPDIR chooses another)")
    return UsageError(message.format(tempfile.gettempdir(), exc.strerror or exc))


class Located:
    """Where each unit's pieces are in the spool files: the units of a block written one after
    another, each unit's ``pieces`` pieces in order, from where the block began in its file.
    The writer reads them back in another order (rank order, code order) by position."""

    def __init__(self, count: int, pieces: int = 1) -> None:
        from array import array

        self.pieces = pieces
        self._spool = array("i", bytes(4 * count))  # per unit: its spool file's number
        self._offset = array("q", bytes(8 * count * pieces))  # per piece: where it starts
        self._size = array("q", bytes(8 * count * pieces))

    def add(self, spool: int, positions: Sequence[int], sizes: Sequence[int], start: int = 0) -> None:
        """The block of units ``positions`` written to spool file number ``spool`` from
        ``start``, ``sizes`` the size of each of their pieces in the order written."""
        pieces, offset, at = self.pieces, start, 0
        for position in positions:
            self._spool[position] = spool
            for index in range(position * pieces, position * pieces + pieces):
                self._offset[index], self._size[index] = offset, sizes[at]
                offset += sizes[at]
                at += 1

    def at(self, position: int, piece: int = 0) -> tuple[int, int, int]:
        """The unit's piece: ``(spool file number, offset, size)``."""
        index = position * self.pieces + piece
        return self._spool[position], self._offset[index], self._size[index]
