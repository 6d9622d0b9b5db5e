"""Built-in output formats: table, json, toml, csv and xlsx; registered like any plugin's."""

from __future__ import annotations

import io
import itertools
import operator
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from . import _spool
from ._model import OutputFormat
from ._results import RunResult
from ._text import escape_string_syntax, spreadsheet_cell, spreadsheet_cells
from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._collect import Plan
    from ._stream import LazyUnits


def _from_report(name: str) -> Callable[..., Any]:
    """``escore._report.<name>``, imported at its first call: a run written as CSV needs none of
    that module, and importing it cost 5-8 ms of every such run's start-up."""

    def call(*args: Any) -> Any:
        from . import _report

        return getattr(_report, name)(*args)

    call.__name__ = call.__qualname__ = name
    return call


run_table, catalog_table, run_to_dict, plan_to_dict = map(_from_report, ("run_table", "catalog_table", "run_to_dict", "plan_to_dict"))


def _json(data: Any) -> str:
    from ._jsontext import indented  # json: only for commands that write it

    return escape_string_syntax(indented(data)) + "\n"


def write_json(result: RunResult, stream: TextIO) -> None:
    """The JSON of :func:`run_to_dict`, byte for byte, written one unit at a time."""
    if not result.units:
        stream.write(_json(run_to_dict(result)))
        return
    import json

    from ._report import missing_dicts, run_header

    # The list of missing results and the units are written one by one, each in the place of a
    # marker of the header's text: 100,000 units each missing 34 results made a 1.4 GiB list.
    missing = missing_dicts(result)
    first = next(missing, None)
    marker, missing_marker = "\x00units\x00", "\x00missing\x00"
    text = _json({**run_header(result, missing=[] if first is None else [missing_marker]), "units": [marker]})
    if first is not None:
        head, _, text = text.partition(json.dumps(missing_marker))
        stream.write(head.rstrip(" "))  # up to '"missing": [' and its line break
        stream.write(_json_unit(first, True))
        for chunk in _chunks(missing, MISSING_BLOCK):
            stream.write("".join([_json_unit(row, False) for row in chunk]))
    head, _, tail = text.partition(json.dumps(marker))
    stream.write(head.rstrip(" "))  # up to '"units": [' and its line break
    write_units(result, _json_unit, stream)
    stream.write(tail)


#: Missing results written at a time by the JSON and TOML writers.
MISSING_BLOCK = 4096


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last shorter)."""
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _json_unit(unit: dict[str, Any], first: bool) -> str:
    """A unit, or a missing result, as an item of a list of the header (``"units": [ … ]``)."""
    from ._jsontext import indented

    return ("    " if first else ",\n    ") + escape_string_syntax(indented(unit, "\n    "))


#: Units per block of detail text a forked process renders (at most this many results are held).
DETAIL_BLOCK = 500
#: Bytes read back from spool files at a time.
SPOOL_READ = 1 << 20


class Utf8Output(io.TextIOWrapper):
    """A text output in UTF-8 that writes a line break as it is (``newline=""``): UTF-8 bytes
    can go to its binary buffer as they are (:func:`write_units`), where another text stream's
    encoding or line ends could differ. The command line writes its files through it."""


def write_units(result: RunResult, render: Callable[[dict[str, Any], bool], str], stream: TextIO) -> None:
    """:func:`unit_pieces` written to ``stream``: the bytes of spool files straight to the
    buffer of a :class:`Utf8Output`, not decoded to be encoded again (10,000 units' JSON,
    187 MB: 0.7 s less), else decoded."""
    if not isinstance(stream, Utf8Output):
        for text in unit_texts(result, render):
            stream.write(text)
        return
    binary = stream.buffer
    for piece in unit_pieces(result, render):
        if isinstance(piece, str):
            stream.write(piece)
        else:
            stream.flush()  # the text written before it goes first
            binary.write(piece)


def unit_texts(result: RunResult, render: Callable[[dict[str, Any], bool], str]) -> Iterator[str]:
    """``render(unit dict, is first)`` of every unit in rank order, as pieces of text: see :func:`unit_pieces`."""
    return _as_text(unit_pieces(result, render))


def _as_text(pieces: Iterator[str | bytes]) -> Iterator[str]:
    """The pieces as text: UTF-8 bytes decoded incrementally (a piece read from a spool file may
    end inside a character, which the next piece completes)."""
    import codecs

    decode = codecs.getincrementaldecoder("utf-8")().decode
    for piece in pieces:
        if isinstance(piece, str):
            yield piece
        elif text := decode(piece):
            yield text
    if tail := decode(b"", final=True):  # bytes left over are not UTF-8: an error, as a strict decode raises
        yield tail


def unit_pieces(result: RunResult, render: Callable[[dict[str, Any], bool], str]) -> Iterator[str | bytes]:
    """``render(unit dict, is first)`` of every unit in rank order, as pieces of text, or of
    its UTF-8 encoding where it comes from spool files (possibly ending inside a character).

    The detail of a run scored in two passes (``LazyUnits``) is scored again, with every
    explanation line, as it is written: with ``--jobs`` N, or by default from
    :data:`~escore._parallel.PARALLEL_FROM` units, consecutive blocks of units are
    rendered in forked processes, each into a spool file, and read back in order, so the
    text is the one a single process writes (``test_parallel``). Evidence still in the cache
    is decoded a block of records at a time instead (:func:`_texts_in_evidence_order`).
    """
    from ._report import unit_dicts
    from ._stream import LazyUnits, jobs_of

    units = result.units
    jobs = jobs_of(units)
    if isinstance(units, LazyUnits) and _pread is not None:
        in_evidence_order = units.evidence_blocks(_spool.DETAIL_FILES)
        if in_evidence_order is not None:  # the evidence is still in the cache
            yield from _texts_in_evidence_order(result, units, in_evidence_order, render, jobs)
            return
    if jobs < 2 or not isinstance(units, LazyUnits):  # a run scored once, in full, has nothing left to share out
        first = True
        for unit in unit_dicts(result):
            yield render(unit, first)
            first = False
        return
    from ._parallel import ordered_map

    units.load()
    # Two blocks per process at least, so that the last ones finish together; no more, as each
    # block is a fork, whose page-table copy and copy-on-write faults grow with the process.
    size = max(1, min(DETAIL_BLOCK, -(-len(units) // (2 * jobs))))

    def block(part: tuple[int, BinaryIO]) -> int:
        start, spool = part
        firsts = itertools.chain((start == 0,), itertools.repeat(False))
        _spool_units(result._replace(units=units[start : start + size], ranks=result.ranks[start : start + size]), firsts, render, spool)
        return start

    spools: deque[BinaryIO] = deque()
    try:
        for _ in ordered_map(block, _spool.with_spools(range(0, len(units), size), spools), jobs):
            with spools.popleft() as spool:
                spool.seek(0)
                # UTF-8 pieces, which may end inside a character: see _as_text.
                while data := spool.read(SPOOL_READ):
                    yield data
    except OSError as exc:
        raise _spool.spool_error(exc) from None
    finally:
        for spool in spools:  # the writer stopped early: close what is left
            spool.close()


def _spool_units(chunk: RunResult, firsts: Iterable[bool], render: Callable[[dict[str, Any], bool], str], spool: BinaryIO) -> list[int]:
    """Each unit of ``chunk`` rendered into ``spool`` as UTF-8 as it is rendered (a process holds
    one unit's detail, never the block's: 500 county units are 11 MB of JSON, twice that as a
    str): :func:`escore._spool.spool_pieces`, the size of each unit's text. ``firsts``: whether
    each is the first unit of the output."""
    from ._report import unit_dicts

    return _spool.spool_pieces(spool, (render(unit, first).encode("utf-8") for first, unit in zip(firsts, unit_dicts(chunk))))


_pread = getattr(os, "pread", None)


def _texts_in_evidence_order(
    result: RunResult, units: LazyUnits, blocks: list[list[int]], render: Callable[[dict[str, Any], bool], str], jobs: int
) -> Iterator[bytes]:
    """:func:`unit_pieces` of a run whose evidence is still in the cache (escore._load.DeferredEvidence).

    Ranks cross the cache's records: the detail in rank order would need every record decoded
    in one process (100,000 county units: 482 MiB). Here the units are scored and rendered
    block by block in the evidence's order, each block (whole records) decoding only its own
    records, in forked processes with ``jobs`` > 1, each unit's text going to its block's
    spool file as UTF-8; then the texts are read back in rank order. A process holds one
    block's evidence and one unit's detail at a time; the spool files hold the text once more
    on disk until it is written. The text is the one a single process writes
    (``test_parallel``): each unit's is the same function of its own result and rank.
    """
    from ._parallel import ordered_map

    ranks = result.ranks

    def block(part: tuple[list[int], BinaryIO]) -> list[int]:
        positions, spool = part
        # unit_dicts reads the units once, in order: each is scored as it is rendered.
        chunk = result._replace(units=units.scored_apart(positions), ranks=tuple([ranks[p] for p in positions]))  # type: ignore[arg-type]
        return _spool_units(chunk, (position == 0 for position in positions), render, spool)

    spools: deque[BinaryIO] = deque()
    count = len(units)
    located = _spool.Located(count)
    try:
        for index, sizes in enumerate(ordered_map(block, _spool.with_spools(blocks, spools), jobs)):
            located.add(index, blocks[index], sizes)
        yield from _in_rank_order([spool.fileno() for spool in spools], map(located.at, range(count)))
    except OSError as exc:
        raise _spool.spool_error(exc) from None
    finally:
        for spool in spools:
            spool.close()


def _in_rank_order(descriptors: list[int], located: Iterator[tuple[int, int, int]]) -> Iterator[bytes]:
    """Each unit's text, as ``(spool file, offset, size)`` in rank order locates it, in pieces of
    about :data:`SPOOL_READ` bytes."""
    pending: list[bytes] = []
    held = 0
    for index, offset, size in located:
        pending.append(_read_at(descriptors[index], size, offset))
        held += size
        if held >= SPOOL_READ:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _read_at(descriptor: int, size: int, offset: int) -> bytes:
    """``size`` bytes of a spool file from ``offset`` (a read may stop short: read on)."""
    assert _pread is not None
    data = _pread(descriptor, size, offset)
    while len(data) < size:
        more = _pread(descriptor, size - len(data), offset + len(data))
        if not more:
            raise OSError(f"a spool file ended {size - len(data)} bytes early")
        data += more
    return data


def render_toml(result: RunResult) -> str:
    import io

    buffer = io.StringIO()
    write_toml(result, buffer)
    return buffer.getvalue()


def write_toml(result: RunResult, stream: TextIO) -> None:
    """TOML: the header keys, then one ``[[units]]`` table per unit, written one unit at a time."""
    import tomli_w

    from ._report import SYNTHETIC_BANNER, run_header

    if result.synthetic:
        stream.write(f"# {SYNTHETIC_BANNER}\n")
    if not result.units:
        stream.write(escape_string_syntax(tomli_w.dumps(run_to_dict(result))))
        return
    from ._report import missing_dicts

    # Missing results one block of tables at a time (see write_json): an empty list is written
    # inline among the header's keys, a list with results as [[missing]] tables after them.
    missing = missing_dicts(result)
    first = next(missing, None)
    header = run_header(result, missing=[])
    if first is not None:
        del header["missing"]
    stream.write(escape_string_syntax(tomli_w.dumps(header)))
    if first is not None:
        for chunk in _chunks(itertools.chain((first,), missing), MISSING_BLOCK):
            stream.write("\n" + escape_string_syntax(tomli_w.dumps({"missing": chunk})))
    write_units(result, _toml_unit, stream)


def _toml_unit(unit: dict[str, Any], first: bool) -> str:
    import tomli_w

    if not unit["vetoes"]:
        del unit["vetoes"]
    return "\n" + escape_string_syntax(tomli_w.dumps({"units": [unit]}))


def render_csv(result: RunResult) -> str:
    import io

    buffer = io.StringIO()
    write_csv(result, buffer)
    return buffer.getvalue()


#: Units from which a CSV's lines are made in several processes: 100,000 units' lines took
#: 0.3-0.45 s in one, each line its own; below this, forking costs more than it saves.
CSV_PARALLEL_FROM = 20_000


def csv_columns(plan: Plan, selection: bool = False) -> list[str]:
    """The columns of a run's CSV, in order: rank, code, name, parent, each section's points
    (exact, then rounded), the total (the same), the counts of missing and failed results, the
    selection (``-k``/``-m``) when the run has one, and whether the evidence is synthetic."""
    sections = [column for s in plan.sections for column in (s.name, f"{s.name}_2dp")]
    chosen = ["selection"] if selection else []
    return ["rank", "code", "name", "parent", *sections, "total", "total_2dp", "missing", "errors", *chosen, "synthetic"]


def chosen_csv_columns(plan: Plan, text: str) -> list[str]:
    """The columns named in ``text`` (``--columns``: names separated by commas, in the order
    wanted), checked against :func:`csv_columns` (a :class:`UsageError` names a wrong one)."""
    from ._errors import UsageError, did_you_mean
    from ._i18n import gettext as _

    known = csv_columns(plan, selection=True)  # asked for without a selection, its cells are empty
    names = [name.strip() for name in text.split(",")]
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known) if name else ""
            what = _("--columns: unknown column '{0}'").format(name) if name else _("--columns: an empty column name")
            raise UsageError(what + _("; ") + (hint or _("known: {0}").format(", ".join(known))))
    twice = sorted({name for name in names if names.count(name) > 1}, key=names.index)
    if twice:
        raise UsageError(_("--columns: '{0}' given twice").format(twice[0]))
    return names


def write_csv(result: RunResult, stream: TextIO, columns: Sequence[str] | None = None, *, order: str = "rank") -> None:
    """One line per unit, from its summary (no detail is scored again); missing and errors count
    indicators. ``columns``: those of :func:`csv_columns` to write, in this order (default: all);
    ``synthetic`` is written last whatever is asked, so that a file of synthetic evidence says so,
    and a run of some indicators (``-k``/``-m``) has ``selection`` just before it, holding the
    selection, so that its partial totals are not read as the ranking. ``order``: the lines in
    rank order (``rank``), or in the units' code order (``code``), each with its rank."""
    import csv

    from ._parallel import balanced
    from ._stream import jobs_of, summaries_of

    # A UTF-8 byte-order mark first: without it Excel on Chinese Windows decodes the file as
    # GBK and garbles every unit name; Python (utf-8-sig), pandas and LibreOffice skip it.
    stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\n")
    # Exact values (machine-readable, as in JSON) with the rounded presentation value beside each.
    if columns is None:
        names = csv_columns(result.plan, bool(result.selection))
    else:
        selection = ["selection"] if result.selection or "selection" in columns else []
        names = [name for name in columns if name not in ("selection", "synthetic")] + selection + ["synthetic"]
    writer.writerow(names)
    summaries = summaries_of(result.units)
    count = len(summaries)
    if not count:
        return
    ranks: Sequence[int] = result.ranks
    if order == "code":
        summaries, ranks = _in_code_order(result.units, summaries, ranks, with_ranks="rank" in names)
    synthetic = "yes" if result.synthetic else "no"
    jobs = jobs_of(result.units) if count >= CSV_PARALLEL_FROM else 1
    # Each line is its unit's alone: consecutive pieces made in forked processes and written in
    # order are the text one process makes.
    parts = 1 if jobs < 2 else 2 * jobs
    pieces = [(i * count // parts, (i + 1) * count // parts) for i in range(parts)]
    sections = [s.name for s in result.plan.sections]

    def lines(piece: tuple[int, int]) -> str:
        start, end = piece
        return _csv_lines(summaries[start:end], ranks[start:end], sections, synthetic, names, result.selection or "")

    for text in balanced(lines, pieces, jobs):
        stream.write(text)


def _in_code_order(units: Any, summaries: Sequence[Any], ranks: Sequence[int], *, with_ranks: bool) -> tuple[Sequence[Any], Sequence[int]]:
    """``summaries`` (in rank order) and their ``ranks`` in the order of the units' codes: as the
    first pass of a streamed run kept them, else sorted here. The ranks only ``with_ranks``
    (each summary's rank position found by identity: 100,000 units, 60 ms), else none."""
    from ._collect import sorted_naturally

    kept = getattr(units, "summaries_in_order", None)
    if kept is not None and len(kept) == len(summaries):
        if not with_ranks:
            return kept, ()
        position = dict(zip(map(id, summaries), itertools.count()))
        positions = list(map(position.__getitem__, map(id, kept)))
    else:
        positions = sorted_naturally(range(len(summaries)), lambda index: summaries[index].unit.code)
    return list(map(summaries.__getitem__, positions)), list(map(ranks.__getitem__, positions))


def _csv_lines(
    summaries: Sequence[Any], ranks: Sequence[int], sections: list[str], synthetic: str, names: list[str], selection: str = ""
) -> str:
    """The CSV lines of ``summaries`` (at least one), ranked ``ranks``: the columns ``names``."""
    import csv
    import io

    from ._stream import text_column, text_positions

    # Column by column (texts), then joined in C-level passes: no list per line. Each column is
    # one itemgetter pass: zip(*summaries) over 100,000 summaries took 0.1-0.4 s, as it keeps
    # an iterator per summary. Only the columns asked for are made.
    number_at = text_positions(sections)
    units: list[Any] = []
    made: list[tuple[str | None, ...]] = []
    cache: tuple[dict[str, str], dict[str, str]] = ({}, {})

    def unit_column(attribute: Callable[[Any], Any]) -> list[str]:
        if not units:
            units.extend(map(_UNIT, summaries))
        values = list(map(attribute, units))
        return spreadsheet_cells(values if attribute is not _PARENT else [parent or "" for parent in values])

    def count_column(field: Callable[[Any], int]) -> list[str]:
        counts = list(map(field, summaries))
        if max(counts) >= 1000:
            return list(map(str, counts))
        shown = list(map(str, range(max(counts) + 1)))  # a handful of small counts: each one's text made once
        return list(map(shown.__getitem__, counts))

    def number_column(at: int) -> list[str]:
        if not made:  # formatted by the processes that scored the units, where they were
            made.extend(map(_TEXTS, summaries))
        return text_column(summaries, at, made, cache)

    made_by: dict[str, Callable[[], list[str]]] = {
        "rank": lambda: list(map(str, ranks)),
        "code": lambda: unit_column(_CODE),
        "name": lambda: unit_column(_NAME),
        "parent": lambda: unit_column(_PARENT),
        "missing": lambda: count_column(_MISSING),
        "errors": lambda: count_column(_ERRORS),
        "selection": lambda: [spreadsheet_cell(selection)] * len(summaries),  # one text for every line
        "synthetic": lambda: [synthetic] * len(summaries),
    }
    columns = [made_by[name]() if name in made_by else number_column(number_at[name]) for name in names]
    text = _joined_rows(columns, len(summaries))
    if text is None:  # a cell to quote: the CSV writer writes these rows
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(zip(*columns))
        text = buffer.getvalue()
    return text


_CODE, _NAME, _PARENT = map(operator.attrgetter, ("code", "name", "parent"))
_UNIT, _TOTAL, _SECTIONS, _MISSING, _ERRORS, _, _TEXTS = map(operator.itemgetter, range(7))  # Summary's fields


def _joined_rows(columns: list[list[str]], count: int) -> str | None:
    """The rows of ``columns`` (texts) as the CSV writer would write them, joined in C-level
    passes (about 4 times faster than ``writerows``), or ``None`` when a cell needs quoting.

    Whether a cell needs quoting is read off the joined text: with no comma, quote or line break
    in any cell, it holds exactly ``count × (columns - 1)`` commas, ``count`` line breaks and no
    quote or carriage return. Otherwise (a name with a comma, say) the CSV writer writes the rows.
    """
    text = "\n".join(map(",".join, zip(*columns))) + "\n"
    plain = text.count(",") == count * (len(columns) - 1) and text.count("\n") == count and '"' not in text and "\r" not in text
    return text if plain else None


def write_table(result: RunResult, stream: TextIO) -> None:
    from ._report import run_table_lines

    stream.writelines(run_table_lines(result))


#: The most units of a single-page report, built whole in memory and read by people in a
#: browser: its peak memory grows with the units and their explanation lines (about 27 KiB a
#: unit, more for county units, whose explanations are longer), so this keeps a run under about
#: 500 MiB. Larger runs use the formats that stream (table, CSV, JSON, TOML, the workbook).
HTML_MAX_UNITS = 5_000


def render_xlsx(result: RunResult) -> bytes:
    from ._xlsx_results import render_xlsx as render  # openpyxl only on this path

    return render(result)


def write_xlsx(result: RunResult, stream: TextIO) -> None:
    from ._xlsx_results import write_xlsx as write

    write(result, stream)


def render_html(result: RunResult) -> str:
    from ._html import render_html

    return render_html(result)


@hookimpl
def escore_register_formats(register: Callable[[OutputFormat], None]) -> None:
    register(OutputFormat("table", run_table, catalog_table, ".txt", explanations=False, write_run=write_table))
    register(OutputFormat("json", lambda r: _json(run_to_dict(r)), lambda p: _json(plan_to_dict(p)), ".json", write_run=write_json))
    register(OutputFormat("toml", render_toml, None, ".toml", write_run=write_toml))
    register(OutputFormat("csv", render_csv, None, ".csv", explanations=False, write_run=write_csv))
    register(OutputFormat("html", render_html, None, ".html", max_units=HTML_MAX_UNITS))
    register(OutputFormat("xlsx", render_xlsx, None, ".xlsx", binary=True, write_run=write_xlsx))
