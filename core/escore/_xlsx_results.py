"""The results workbook (``escore run -f xlsx -o results.xlsx``).

Sheets: 排名 (rank, unit, sections, total, missing), 指标 (units × indicators, lost
points highlighted by conditional formatting), 缺失证据 (unit, indicator, field), 解释
(every explanation line) and 说明 (what the run was). Points are numbers, not text:
the exact value where a double holds it (Excel's nearest otherwise), shown with two
decimals by the number format; ranks were decided on exact totals. When the evidence
is synthetic every sheet opens with the banner.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ._i18n import gettext as _
from ._i18n import pgettext, status_label
from ._report import synthetic_banner
from ._results import RunResult
from ._score import fmt
from ._xlsx_layout import column_letter, workbook_bytes

POINTS_FORMAT = "0.00"
_LOST, _MISSING, _ERROR, _NA = "F8CBAD", "FFE699", "FF7C80", "D9D9D9"


def _number(value: Decimal) -> Any:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def missing_fields(item: Any) -> tuple[str, ...]:
    """The evidence a missing result lacks: field keys, and monitoring tables by name (a workbook's sheet)."""
    table = _("monitoring table {0}")
    return tuple(table.format(found[1]) if (found := re.match(r"^monitoring/(.+)\.csv$", key)) else key for key in item.missing)


def render_xlsx(result: RunResult) -> bytes:
    """The run as an xlsx workbook (bytes, byte-identical for the same run)."""
    from openpyxl import Workbook

    book = Workbook()
    sheets = _ResultSheets(result, book)
    sheets.ranking(book.active)
    sheets.indicators(book.create_sheet("指标 indicators"))
    by_code = sorted(result.units, key=lambda u: u.unit.code)
    sheets.missing(book.create_sheet("缺失证据 missing"), by_code)
    sheets.explanations(book.create_sheet("解释 explanations"), by_code)
    sheets.about(book.create_sheet("说明 about"))
    return workbook_bytes(book)


class _ResultSheets:
    """The sheets of a results workbook, one method each, with the styles they share."""

    def __init__(self, result: RunResult, book: Any) -> None:
        from openpyxl.styles import Font, PatternFill

        self.result, self.plan, self.book = result, result.plan, book
        self.bold = Font(bold=True)
        self.fills = {
            name: PatternFill("solid", fgColor=colour)
            for name, colour in (("lost", _LOST), ("missing", _MISSING), ("error", _ERROR), ("not_applicable", _NA))
        }
        units = _("{0} units").format(len(result.units))
        plan = self.plan
        self.heading = f"{plan.ruleset.name} ({plan.ruleset.year}) · {plan.category.key} {plan.category.title} · {units}"

    def start(self, sheet: Any, title: str) -> int:
        """Banner or heading on row 1; returns the header row."""
        from openpyxl.styles import Font, PatternFill

        if self.result.synthetic:
            sheet["A1"] = f"{synthetic_banner()} · {title}"
            sheet["A1"].font = Font(bold=True, color="FFFFFF")
            sheet["A1"].fill = PatternFill("solid", fgColor="C00000")
        else:
            sheet["A1"] = f"{title} · {self.heading}"
            sheet["A1"].font = self.bold
        return 2

    def header(self, sheet: Any, row: int, names: list[str], widths: list[int]) -> None:
        from openpyxl.styles import Alignment, PatternFill

        for index, (name, size) in enumerate(zip(names, widths), start=1):
            cell = sheet.cell(row, index, name)
            cell.font = self.bold
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[column_letter(index - 1)].width = size

    def ranking(self, ranking: Any) -> None:
        """排名: one row per unit in rank order."""
        result = self.result
        ranking.title = "排名 ranking"
        row = self.start(ranking, "排名 ranking")
        sections = self.plan.sections
        names = ["排名 rank", "代码 code", "单位 unit", "上级 parent"]
        names += [f"{s.title} {s.name} /{fmt(s.weight)}" for s in sections]
        names += ["总分 total", "缺失 missing", "错误 errors"]
        self.header(ranking, row, names, [8, 20, 16, 14, *([14] * len(sections)), 10, 10, 10])
        for rank, unit_result in zip(result.ranks, result.units):
            row += 1
            statuses = [i.status for i in unit_result.indicators] + [v.status for v in unit_result.vetoes]
            unit = unit_result.unit
            cells = [rank, unit.code, unit.name, unit.parent or ""]
            cells += [_number(s.points) for s in unit_result.sections]
            cells += [_number(unit_result.total), statuses.count("missing"), statuses.count("error")]
            for index, value in enumerate(cells, start=1):
                cell = ranking.cell(row, index, value)
                if 5 <= index <= 4 + len(sections) + 1:
                    cell.number_format = POINTS_FORMAT
        ranking.freeze_panes = "C3"
        ranking.auto_filter.ref = f"A2:{column_letter(len(names) - 1)}{max(row, 3)}"

    def indicators(self, matrix: Any) -> None:
        """指标: units × indicators; lost points highlighted by a conditional format on row 4 (the maxima)."""
        from openpyxl.comments import Comment
        from openpyxl.formatting.rule import FormulaRule
        from openpyxl.styles import Alignment

        result, plan, bold, fills = self.result, self.plan, self.bold, self.fills
        self.start(matrix, _("指标 indicators: points per indicator; highlighted = points lost"))
        codes = [item.code for item in result.units[0].indicators] if result.units else [ip.node.code for ip in result.selected]
        nodes = [plan.nodes[code] for code in codes]
        matrix.cell(2, 1, "代码 code").font = bold
        matrix.cell(2, 2, "单位 unit").font = bold
        matrix.cell(3, 2, "指标 indicator").font = bold
        matrix.cell(4, 2, "满分 max").font = bold
        for offset, node in enumerate(nodes):
            column = 3 + offset
            matrix.cell(2, column, node.code).font = bold
            title = matrix.cell(3, column, node.title)
            title.alignment = Alignment(wrap_text=True, vertical="top")
            matrix.cell(4, column, _number(node.max)).number_format = POINTS_FORMAT
            matrix.column_dimensions[column_letter(column - 1)].width = 11
        matrix.row_dimensions[3].height = 60
        matrix.column_dimensions["A"].width = 20
        matrix.column_dimensions["B"].width = 16
        first = 5
        for offset, unit_result in enumerate(result.units):
            line = first + offset
            matrix.cell(line, 1, unit_result.unit.code)
            matrix.cell(line, 2, unit_result.unit.name)
            for index, item in enumerate(unit_result.indicators):
                if item.status == "not_applicable":
                    matrix.cell(line, 3 + index).fill = fills["not_applicable"]
                    continue
                cell = matrix.cell(line, 3 + index, _number(item.points))
                cell.number_format = POINTS_FORMAT
                if item.status in ("missing", "error"):
                    cell.fill = fills[item.status]
                    cell.comment = Comment("\n".join(item.reasons)[:2000] or status_label(item.status), "escore")
        last = first + len(result.units) - 1
        if result.units:
            # One rule per column (not one over disjoint ranges, which spreadsheets anchor differently).
            for letter in (column_letter(2 + i) for i, node in enumerate(nodes) if node.kind != "bonus"):
                rule = FormulaRule(formula=[f"AND(ISNUMBER({letter}{first}),{letter}{first}<{letter}$4)"], fill=fills["lost"])
                matrix.conditional_formatting.add(f"{letter}{first}:{letter}{last}", rule)
        matrix.cell(1, 3 + len(nodes) + 1, _("legend:")).font = bold
        for offset, (label, key) in enumerate(
            ((_("points lost"), "lost"), (_("missing evidence"), "missing"), (_("error"), "error"), (_("not applicable"), "not_applicable"))
        ):
            legend = matrix.cell(1, 3 + len(nodes) + 2 + offset, label)
            legend.fill = fills[key]
        matrix.freeze_panes = matrix.cell(first, 3)

    def missing(self, missing: Any, by_code: list[Any]) -> None:
        """缺失证据: one row per unit, indicator and missing field."""
        plan = self.plan
        row = self.start(missing, "缺失证据 missing evidence")
        self.header(
            missing, row, ["代码 code", "单位 unit", "指标 indicator", "标题 title", "证据 field", "说明 reason"], [20, 16, 14, 30, 40, 60]
        )
        for unit_result in by_code:
            items: list[tuple[str, str, Any]] = [
                (i.code, plan.nodes[i.code].title, i) for i in unit_result.indicators if i.status == "missing"
            ]
            items += [(v.code, v.title, v) for v in unit_result.vetoes if v.status == "missing"]
            for code, title, item in items:
                reasons = item.reasons if hasattr(item, "reasons") else (item.reason,)
                for key in missing_fields(item) or ("",):
                    row += 1
                    why = "" if key else "; ".join(reasons)  # the field says it; the reason would repeat it with a file path
                    for index, value in enumerate((unit_result.unit.code, unit_result.unit.name, code, title, key, why), start=1):
                        missing.cell(row, index, value)
        missing.freeze_panes = "A3"
        missing.auto_filter.ref = f"A2:F{max(row, 3)}"

    def explanations(self, explain: Any, by_code: list[Any]) -> None:
        """解释: every indicator of every unit with its explanation lines and, where points were lost, the clause."""
        from openpyxl.styles import Alignment

        plan = self.plan
        row = self.start(explain, "解释 explanations")
        self.header(
            explain,
            row,
            [
                "代码 code",
                "单位 unit",
                "指标 indicator",
                "标题 title",
                "状态 status",
                "得分 points",
                "满分 max",
                "扣分 lost",
                "解释 explanation",
                "依据 source",
            ],
            [20, 16, 14, 30, 12, 10, 10, 10, 80, 60],
        )
        wrap = Alignment(wrap_text=True, vertical="top")
        for unit_result in by_code:
            for item in unit_result.indicators:
                node = plan.nodes[item.code]
                row += 1
                lost = node.max - item.points if item.status != "not_applicable" and node.kind != "bonus" else None
                source = node.source.text if node.source is not None and (lost or item.status not in ("scored", "not_applicable")) else ""
                values = [
                    unit_result.unit.code,
                    unit_result.unit.name,
                    item.code,
                    node.title,
                    status_label(item.status),
                    _number(item.points),
                    _number(node.max),
                    _number(lost) if lost is not None else None,
                    "\n".join(item.reasons),
                    str(source),
                ]
                for index, value in enumerate(values, start=1):
                    cell = explain.cell(row, index, value)
                    if index in (6, 7, 8):
                        cell.number_format = POINTS_FORMAT
                    elif index in (9, 10):
                        cell.alignment = wrap
            for veto in unit_result.vetoes:
                if veto.status == "not_applied":
                    continue
                row += 1
                values = [
                    unit_result.unit.code,
                    unit_result.unit.name,
                    veto.code,
                    veto.title,
                    _("veto {0}").format(status_label(veto.status)),
                    None,
                    None,
                    None,
                    veto.reason,
                    "",
                ]
                for index, value in enumerate(values, start=1):
                    explain.cell(row, index, value)
        explain.freeze_panes = "C3"
        explain.auto_filter.ref = f"A2:J{max(row, 3)}"

    def about(self, about: Any) -> None:
        """说明: what this run was."""
        result, plan = self.result, self.plan
        row = self.start(about, "说明 about")
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
                _("points are stored as numbers and shown with 2 decimals; ranks use exact totals (JSON output has exact values)"),
            ),
        ]
        for key, value in lines:
            row += 1
            about.cell(row, 1, key).font = self.bold
            about.cell(row, 2, value)
        about.column_dimensions["A"].width = 14
        about.column_dimensions["B"].width = 100
