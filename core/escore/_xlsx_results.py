"""The results workbook (``escore run -f xlsx -o results.xlsx``).

Sheets: 排名 (rank, unit, sections, total, missing), 指标 (units × indicators, lost
points highlighted by conditional formatting), 缺失证据 (unit, indicator, field), 解释
(every explanation line) and 说明 (what the run was). Points are numbers, not text:
the exact value where a double holds it (Excel's nearest otherwise), shown with two
decimals by the number format; ranks were decided on exact totals. When the evidence
is synthetic every sheet opens with the banner.

Written with XlsxWriter in its constant-memory mode: each sheet's rows go to a file of its
own as they are written and its strings are written in place (no table of every string
in memory), so a workbook of any number of units is written in memory that does not grow
with its cells, about twice as fast as openpyxl's write-only mode (measured: 50,000 rows of
ten cells, 4.8 s against 11.5 s). openpyxl still writes the evidence templates, whose data
validation lists and hidden sheets XlsxWriter would need a second implementation for.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from ._i18n import gettext as _
from ._i18n import ngettext, pgettext, status_label
from ._report import rounded_apart_note, synthetic_banner
from ._results import RunResult
from ._score import fmt

POINTS_FORMAT = "0.00"
_LOST, _MISSING, _ERROR, _NA = "#F8CBAD", "#FFE699", "#FF7C80", "#D9D9D9"


def _number(value: Decimal) -> Any:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def missing_fields(item: Any) -> tuple[str, ...]:
    """The evidence a missing result lacks: field keys, and monitoring tables by name (a workbook's sheet)."""
    table = _("monitoring table {0}")
    return tuple(table.format(found[1]) if (found := re.match(r"^monitoring/(.+)\.csv$", key)) else key for key in item.missing)


def render_xlsx(result: RunResult) -> bytes:
    """The run as an xlsx workbook (bytes, byte-identical for the same run)."""
    import io

    buffer = io.BytesIO()
    write_xlsx(result, buffer)
    return buffer.getvalue()


#: The rows of a sheet in Excel (and LibreOffice): the missing evidence and the explanations of
#: a larger run go on in sheets of the same name numbered (2), (3), …, each with its header.
SHEET_ROWS = 1_048_576

#: The most missing or failed results whose reasons are also cell comments on the 指标 sheet.
#: Each comment is kept in memory until the workbook is closed (about 1 KiB each) and every
#: reason is on the 缺失证据 and 解释 sheets anyway; a run with more (10,000 units of the
#: bench-peer harness, which gives no website evidence, have 340,000) shows the colours and
#: says in the legend where the reasons are.
MAX_COMMENTS = 10_000

#: The most cut cells 说明 names one by one (their number is given whatever it is).
MAX_CUT_CELLS = 20

#: The creation time written into every workbook, so that the same run gives the same bytes
#: (XlsxWriter stamps every zip entry with 1980-01-01 itself).
_CREATED = (2017, 1, 1)


def write_xlsx(result: RunResult, stream: Any) -> None:
    """The workbook of :func:`render_xlsx` written to the binary ``stream`` (or the binary buffer
    of a text one) in memory that does not grow with the units or their cells.

    Each unit's rows of the four unit sheets are pickled to spool files as it is scored
    (:func:`_spooled_rows`), then each sheet is written from them in its order: the ranking and
    the matrix in rank order, the missing evidence and the explanations in code order.
    """
    import xlsxwriter

    binary = getattr(stream, "buffer", stream)
    if binary is not stream:
        stream.flush()  # any text written before goes first
    # XlsxWriter's constant-memory rows go to temporary files it removes only when the book is
    # closed: in a directory of our own, they go with it however the write ends (Ctrl-C left
    # megabytes of them in $TMPDIR).
    import tempfile

    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="escore-xlsx-"))
        book = xlsxwriter.Workbook(binary, {"constant_memory": True, "strings_to_urls": False, "tmpdir": scratch})
        stack.callback(_close_open_files, book)
        _write_book(result, book)


def _close_open_files(book: Any) -> None:
    """The temporary files of a book's sheets closed, so that their directory can go (a book
    written to the end has closed them already)."""
    for sheet in book.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()


def _write_book(result: RunResult, book: Any) -> None:
    """The five sheets of a results workbook written into ``book``, which is then closed."""
    import datetime as _dt

    book.set_properties({"author": "escore", "created": _dt.datetime(*_CREATED)})
    sheets = _ResultSheets(result, book)
    with _spooled_rows(result, sheets) as rows:
        count = len(result.units)
        ranking = sheets.ranking_sheet()
        for values in rows(_RANKING, range(count)):
            sheets.ranking_row(ranking, values)
        matrix = sheets.matrix_sheet()
        for values in rows(_MATRIX, range(count)):
            sheets.matrix_row(matrix, values)
        sheets.end_matrix(matrix)
        units = result.units
        codes = [s.unit.code for s in units.summaries] if hasattr(units, "summaries") else [u.unit.code for u in units]
        by_code = sorted(range(count), key=codes.__getitem__)  # a run's codes are unique
        for kind, key in ((_MISSING_ROWS, "missing"), (_EXPLANATIONS, "explanations")):
            sheets.continued(key).write(row for unit_rows in rows(kind, by_code) for row in unit_rows)
        sheets.about(book.add_worksheet("说明 about"))
        book.close()


#: What a unit leaves in a spool file, in this order: its 排名 row, its 指标 row, its 缺失证据
#: rows and its 解释 rows (each pickled on its own, so that a sheet reads only its own).
_RANKING, _MATRIX, _MISSING_ROWS, _EXPLANATIONS = range(4)


@contextlib.contextmanager
def _spooled_rows(result: RunResult, sheets: _ResultSheets) -> Iterator[Callable[[int, Iterable[int]], Iterator[Any]]]:
    """Every unit scored once and its rows spooled; yields ``rows(kind, positions)``, the rows of
    that kind of the units at those rank positions, read back one unit at a time.

    The units are scored as the other formats score their detail (escore._builtin_formats): a
    run whose evidence is still in the cache is scored block by block in the evidence's order,
    each block decoding its own records only (the whole set in one process would be most of
    the memory at 100,000 units), and blocks are shared out over forked processes (``--jobs``,
    by default from 1,000 units), each writing its own spool file; the rows are the same
    function of each unit's result and rank wherever they are made.
    """
    import pickle
    from collections import deque

    from ._parallel import ordered_map
    from ._spool import DETAIL_FILES, Located, spool_error, spool_pieces, with_spools
    from ._stream import LazyUnits, jobs_of

    units, ranks, count = result.units, result.ranks, len(result.units)
    jobs = jobs_of(units)
    blocks = units.evidence_blocks(DETAIL_FILES) if isinstance(units, LazyUnits) else None
    if isinstance(units, LazyUnits):
        scored = units.scored_at  # on the block's own records while the evidence is in the cache
        if blocks is None and jobs > 1:
            units.load()  # once, before the processes are forked
    else:

        def scored(positions: Sequence[int]) -> Iterator[Any]:
            return (units[p] for p in positions)

    if blocks is None:  # rank order, in at most DETAIL_FILES blocks (one in one process)
        size = max(1, -(-count // (min(DETAIL_FILES, 2 * jobs) if jobs > 1 else 1)))
        blocks = [list(range(start, min(start + size, count))) for start in range(0, count, size)]

    def block(part: tuple[list[int], BinaryIO]) -> list[int]:
        positions, spool = part
        pieces = (
            pickle.dumps(piece, pickle.HIGHEST_PROTOCOL)
            for position, unit_result in zip(positions, scored(positions))
            for piece in sheets.unit_rows(ranks[position], unit_result)
        )
        return spool_pieces(spool, pieces)

    spools: deque[BinaryIO] = deque()
    located = Located(count, 4)  # each unit's four pieces: see _RANKING … _EXPLANATIONS

    def rows(kind: int, positions: Iterable[int]) -> Iterator[Any]:
        for position in positions:
            index, offset, size = located.at(position, kind)
            try:
                spools[index].seek(offset)
                data = spools[index].read(size)
            except OSError as exc:
                raise spool_error(exc) from None
            yield pickle.loads(data)

    try:
        try:
            for index, sizes in enumerate(ordered_map(block, with_spools(blocks, spools), jobs)):
                located.add(index, blocks[index], sizes)
        except OSError as exc:  # a spool file (not the output, whose errors are the caller's)
            raise spool_error(exc) from None
        yield rows
    finally:
        for spool in spools:
            spool.close()


#: The most characters a cell holds (Excel's limit; XlsxWriter cuts a longer text there without a word).
CELL_CHARS = 32_767


def cut_note() -> str:
    """What ends a text cut to :data:`CELL_CHARS`, in the run's language."""
    return "… " + _("[cut at the 32,767 characters a cell holds; the full text is in -f json and escore explain]")


def _put(sheet: Any, row: int, column: int, value: Any, style: Any = None) -> bool:
    """One cell: a text always as text (never read as a formula or a link), a number as a number.

    A text longer than a cell holds is cut so that it ends with :func:`cut_note` (it had ended
    mid-text, unmarked); the result says whether it was."""
    cut = False
    if value is None or value == "":
        if style is not None:
            sheet.write_blank(row, column, None, style)
    elif isinstance(value, str):
        if len(value) > CELL_CHARS:
            note = cut_note()
            value, cut = value[: CELL_CHARS - len(note)] + note, True
        sheet.write_string(row, column, value, style)
    else:
        sheet.write_number(row, column, value, style)
    return cut


class _ResultSheets:
    """The sheets of a results workbook, one method each, with the styles they share."""

    def __init__(self, result: RunResult, book: Any) -> None:
        self.result, self.plan, self.book = result, result.plan, book
        self.bold = book.add_format({"bold": True})
        self.banner = book.add_format({"bold": True, "font_color": "#FFFFFF", "pattern": 1, "bg_color": "#C00000"})
        self.head = book.add_format({"bold": True, "pattern": 1, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
        self.points = book.add_format({"num_format": POINTS_FORMAT})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        colours = (("lost", _LOST), ("missing", _MISSING), ("error", _ERROR), ("not_applicable", _NA))
        self.fills = {name: book.add_format({"pattern": 1, "bg_color": colour}) for name, colour in colours}
        #: A cell's points with its status's colour (missing, error).
        self.flagged = {name: book.add_format({"pattern": 1, "bg_color": colour, "num_format": POINTS_FORMAT}) for name, colour in colours}
        #: The lost-points rule's format (a conditional format's own kind).
        self.lost = book.add_format({"bg_color": _LOST})
        units = ngettext("{0} unit", "{0} units", len(result.units)).format(len(result.units))
        plan = self.plan
        self.heading = f"{plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title} · {units}"
        self.sections = plan.sections
        self.nodes = [ip.node for ip in result.selected]
        counts = result.status_counts()
        self.comments = counts["missing"] + counts["error"] <= MAX_COMMENTS
        self.rows = {"ranking": 2, "matrix": 4}  # rows written so far (0-based next row)
        #: The cells whose text was cut to what a cell holds ("解释 explanations!I7"), for 说明.
        self.cut: list[str] = []

    def put(self, sheet: Any, row: int, column: int, value: Any, style: Any = None) -> None:
        """:func:`_put`, the cell noted in :attr:`cut` when its text was cut."""
        if _put(sheet, row, column, value, style):
            from xlsxwriter.utility import xl_rowcol_to_cell

            self.cut.append(f"'{sheet.name}'!{xl_rowcol_to_cell(row, column)}")

    def start(self, sheet: Any, title: str) -> None:
        """Row 1: the banner, or the heading."""
        if self.result.synthetic:
            sheet.write_string(0, 0, f"{synthetic_banner()} · {title}", self.banner)
        else:
            sheet.write_string(0, 0, f"{title} · {self.heading}", self.bold)

    def header(self, sheet: Any, names: list[str], widths: list[int]) -> None:
        """Row 2: the column names, and the columns' widths."""
        for index, (name, size) in enumerate(zip(names, widths)):
            sheet.set_column(index, index, size)
            sheet.write_string(1, index, name, self.head)

    def ranking_sheet(self) -> Any:
        """排名: one row per unit in rank order (:meth:`ranking_row`)."""
        ranking = self.book.add_worksheet("排名 ranking")
        names = ["排名 rank", "代码 code", "单位 unit", "上级 parent"]
        names += [f"{s.title} {s.name} /{fmt(s.weight)}" for s in self.sections]
        names += ["总分 total", "缺失 missing", "错误 errors"]
        title = "排名 ranking"
        if self.result.selection:  # on the ranking itself: its totals are partial (说明 says it too)
            title += " · " + _("selection: {0} ({1} of {2} indicators; totals count only these)").format(
                self.result.selection, len(self.result.selected), len(self.plan.indicators)
            )
        self.start(ranking, title)
        self.header(ranking, names, [8, 20, 16, 14, *([14] * len(self.sections)), 10, 10, 10])
        ranking.freeze_panes(2, 2)
        ranking.autofilter(1, 0, max(1 + len(self.result.units), 2), len(names) - 1)
        return ranking

    def unit_rows(self, rank: int, unit_result: Any) -> tuple[Any, Any, Any, Any]:
        """A unit's rows of the four unit sheets, in plain values: its 排名 row, its 指标 row,
        its 缺失证据 rows and its 解释 rows (see :func:`_spooled_rows`)."""
        statuses = [i.status for i in unit_result.indicators] + [v.status for v in unit_result.vetoes]
        unit = unit_result.unit
        points = [_number(s.points) for s in unit_result.sections] + [_number(unit_result.total)]
        ranking = (rank, unit.code, unit.name, unit.parent or "", points, statuses.count("missing"), statuses.count("error"))
        cells = []
        for item in unit_result.indicators:
            status = item.status
            why = ("\n".join(item.reasons)[:2000] or status_label(status)) if status in ("missing", "error") and self.comments else None
            cells.append((status, _number(item.points), why))
        matrix = (unit.code, unit.name, cells)
        return ranking, matrix, self.missing_rows(unit_result), self.explanation_rows(unit_result)

    def ranking_row(self, ranking: Any, values: Any) -> None:
        row = self.rows["ranking"]
        self.rows["ranking"] = row + 1
        rank, code, name, parent, points, missing, errors = values
        for column, value in enumerate((rank, code, name, parent)):
            self.put(ranking, row, column, value)
        for column, value in enumerate(points, start=4):
            ranking.write_number(row, column, value, self.points)
        ranking.write_number(row, 4 + len(points), missing)
        ranking.write_number(row, 5 + len(points), errors)

    def matrix_sheet(self) -> Any:
        """指标: units × indicators (:meth:`matrix_row`); lost points highlighted by a conditional
        format on row 4 (the maxima), added by :meth:`end_matrix`."""
        matrix = self.book.add_worksheet("指标 indicators")
        bold, nodes = self.bold, self.nodes
        self.start(matrix, _("指标 indicators: points per indicator; highlighted = points lost"))
        legend = [
            (_("points lost"), "lost"),
            (_("missing evidence"), "missing"),
            (_("error"), "error"),
            (_("not applicable"), "not_applicable"),
        ]
        column = 3 + len(nodes)
        matrix.write_string(0, column, _("legend:"), bold)
        for offset, (label, key) in enumerate(legend, start=1):
            matrix.write_string(0, column + offset, label, self.fills[key])
        if not self.comments:
            matrix.write_string(0, column + len(legend) + 1, _("reasons: sheets 缺失证据 missing and 解释 explanations"))
        matrix.set_column(0, 0, 20)
        matrix.set_column(1, 1, 16)
        if nodes:
            matrix.set_column(2, 1 + len(nodes), 11)
        # Row by row: in constant-memory mode a row is written out once the next one begins.
        matrix.write_string(1, 0, "代码 code", bold)
        matrix.write_string(1, 1, "单位 unit", bold)
        for offset, node in enumerate(nodes, start=2):
            matrix.write_string(1, offset, node.code, bold)
        matrix.set_row(2, 60)
        matrix.write_string(2, 1, "指标 indicator", bold)
        for offset, node in enumerate(nodes, start=2):
            matrix.write_string(2, offset, node.title, self.wrap)
        matrix.write_string(3, 1, "满分 max", bold)
        for offset, node in enumerate(nodes, start=2):
            matrix.write_number(3, offset, _number(node.max), self.points)
        matrix.freeze_panes(4, 2)
        return matrix

    def matrix_row(self, matrix: Any, values: Any) -> None:
        row = self.rows["matrix"]
        self.rows["matrix"] = row + 1
        code, name, cells = values
        self.put(matrix, row, 0, code)
        self.put(matrix, row, 1, name)
        for column, (status, points, why) in enumerate(cells, start=2):
            if status == "not_applicable":
                matrix.write_blank(row, column, None, self.fills["not_applicable"])
            elif status in ("missing", "error"):
                matrix.write_number(row, column, points, self.flagged[status])
                if why is not None:
                    matrix.write_comment(row, column, why, {"author": "escore"})
            else:
                matrix.write_number(row, column, points, self.points)

    def end_matrix(self, matrix: Any) -> None:
        """The lost-points rules over the rows written: one rule per column (not one over
        disjoint ranges, which spreadsheets anchor differently)."""
        from xlsxwriter.utility import xl_col_to_name

        if not self.result.units:
            return
        last = 4 + len(self.result.units)
        for index, node in enumerate(self.nodes):
            if node.kind == "bonus":
                continue
            letter = xl_col_to_name(2 + index)
            rule = {"type": "formula", "criteria": f"=AND(ISNUMBER({letter}5),{letter}5<{letter}$4)", "format": self.lost}
            matrix.conditional_format(f"{letter}5:{letter}{last}", rule)

    def continued(self, key: str) -> _ContinuedSheet:
        """The sheet of ``key`` ("missing" or "explanations"), continued in numbered sheets of
        the same header past :data:`SHEET_ROWS` rows."""
        if key == "missing":
            names = ["代码 code", "单位 unit", "指标 indicator", "标题 title", "证据 field", "说明 reason"]
            return _ContinuedSheet(self, "缺失证据 missing", "缺失证据 missing evidence", names, [20, 16, 14, 30, 40, 60], (2, 0), {})
        names = ["代码 code", "单位 unit", "指标 indicator", "标题 title", "状态 status", "得分 points", "满分 max", "扣分 lost"]
        names += ["解释 explanation", "依据 source"]
        styles = {5: self.points, 6: self.points, 7: self.points, 8: self.wrap, 9: self.wrap}
        return _ContinuedSheet(
            self, "解释 explanations", "解释 explanations", names, [20, 16, 14, 30, 12, 10, 10, 10, 80, 60], (2, 2), styles
        )

    def missing_rows(self, unit_result: Any) -> list[tuple[bool, tuple[Any, ...]]]:
        """缺失证据: one row per indicator and missing field of the unit."""
        plan = self.plan
        items: list[tuple[str, str, Any]] = [(i.code, plan.nodes[i.code].title, i) for i in unit_result.indicators if i.status == "missing"]
        items += [(v.code, v.title, v) for v in unit_result.vetoes if v.status == "missing"]
        rows = []
        unit = unit_result.unit
        for code, title, item in items:
            reasons = item.reasons if hasattr(item, "reasons") else (item.reason,)
            for key in missing_fields(item) or ("",):
                # A field or table names what to give (the reason would repeat it with a file
                # path); an empty column read as a sheet that failed to fill in.
                why = _("not given in the evidence") if key else "; ".join(reasons)
                rows.append((False, (unit.code, unit.name, code, title, key, why)))
        return rows

    def explanation_rows(self, unit_result: Any) -> list[tuple[bool, tuple[Any, ...]]]:
        """解释: every indicator of the unit with its explanation lines and, where points were lost, the clause."""
        plan = self.plan
        unit = unit_result.unit
        rows: list[tuple[bool, tuple[Any, ...]]] = []
        for item in unit_result.indicators:
            node = plan.nodes[item.code]
            lost = node.max - item.points if item.status != "not_applicable" and node.kind != "bonus" else None
            source = node.source.text if node.source is not None and (lost or item.status not in ("scored", "not_applicable")) else ""
            # Not applicable: no points, a blank cell as on the 指标 sheet (a 0 read as points scored).
            points = None if item.status == "not_applicable" else _number(item.points)
            values = (unit.code, unit.name, item.code, node.title, status_label(item.status), points, _number(node.max))
            rows.append((True, (*values, _number(lost) if lost is not None else None, "\n".join(item.reasons), str(source))))
        for veto in unit_result.vetoes:
            if veto.status == "not_applied":
                continue
            veto_row = (
                unit.code,
                unit.name,
                veto.code,
                veto.title,
                _("veto {0}").format(status_label(veto.status)),
                None,
                None,
                None,
                veto.reason,
                "",
            )
            rows.append((False, veto_row))  # a veto's row has no points to format
        return rows

    def about(self, about: Any) -> None:
        """说明: what this run was."""
        result, plan = self.result, self.plan
        count = pgettext("status count", "{0} {1}")  # 668 scored; 已评分 668
        lines = [
            (_("ruleset"), f"{plan.ruleset.name} ({plan.ruleset.year})"),
            (_("category"), f"{plan.category.key} {plan.category.title}"),
            (_("units"), len(result.units)),
            (_("synthetic"), _("yes: {0}").format(" ".join(result.notes)) if result.synthetic else _("no")),
            (_("selection"), result.selection or _("all indicators")),
            (_("statuses"), _(", ").join(count.format(n, status_label(k)) for k, n in result.status_counts().items())),
            (
                _("rounding"),
                _("points are stored as numbers and shown with 2 decimals; ranks use exact totals (JSON output has exact values)")
                + _("; ")
                + rounded_apart_note(),
            ),
        ]
        if self.cut:  # every cell that ends with the cut's note, so that none is read as whole
            shown = ", ".join(self.cut[:MAX_CUT_CELLS]) + (", …" if len(self.cut) > MAX_CUT_CELLS else "")
            text = _("{0} text(s) longer than the 32,767 characters a cell holds were cut, each ending with a note: {1}").format(
                len(self.cut), shown
            )
            lines.append((_("cut texts"), text))
            from ._errors import warn

            warn(_("results workbook: {0}; the full texts are in -f json and escore explain").format(text))
        # What loading the evidence warned of travels with the results, a row each.
        lines.extend((_("warning") if n == 0 else "", text) for n, text in enumerate(result.warnings))
        self.start(about, "说明 about")
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 100)
        for row, (key, value) in enumerate(lines, start=2):
            about.write_string(row, 0, key, self.bold)
            _put(about, row, 1, value)


class _ContinuedSheet:
    """A sheet of rows under a banner and a header, continued past :data:`SHEET_ROWS` rows in
    sheets of the same title numbered (2), (3), …; each has its frozen header and its filter."""

    def __init__(
        self,
        sheets: _ResultSheets,
        title: str,
        banner: str,
        names: list[str],
        widths: list[int],
        frozen: tuple[int, int],
        styles: dict[int, Any],
    ) -> None:
        self.sheets, self.title, self.banner, self.names, self.widths, self.frozen = sheets, title, banner, names, widths, frozen
        self.styles = styles  # column → the format of its cells in a styled row

    def _open(self, number: int) -> Any:
        sheets = self.sheets
        sheet = sheets.book.add_worksheet(self.title if number == 1 else f"{self.title} ({number})")
        sheets.start(sheet, self.banner)
        sheets.header(sheet, self.names, self.widths)
        sheet.freeze_panes(*self.frozen)
        return sheet

    def write(self, rows: Any) -> None:
        """Every row ``(styled, values)`` (``styled``: the columns' formats apply), in as many
        sheets as they take (one, empty, for none)."""
        number, sheet, row = 1, self._open(1), 2
        last = len(self.names) - 1
        styles = [self.styles.get(column) for column in range(len(self.names))]
        plain = [None] * len(self.names)
        for styled, values in rows:
            if row == SHEET_ROWS:
                sheet.autofilter(1, 0, row - 1, last)
                number += 1
                sheet, row = self._open(number), 2
            for column, (value, style) in enumerate(zip(values, styles if styled else plain)):
                self.sheets.put(sheet, row, column, value, style)
            row += 1
        sheet.autofilter(1, 0, max(row - 1, 2), last)
