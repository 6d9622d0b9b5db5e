"""Built-in output formats: table, json, toml and csv; registered like any plugin's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._model import OutputFormat
from ._report import SYNTHETIC_BANNER, catalog_table, plan_to_dict, run_table, run_to_dict
from ._run import RunResult, present
from ._score import fmt
from ._text import escape_string_syntax, spreadsheet_cell
from .hookspecs import hookimpl


def _json(data: Any) -> str:
    import json

    return escape_string_syntax(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def render_toml(result: RunResult) -> str:
    import tomli_w

    data = run_to_dict(result)
    for unit in data["units"]:
        if not unit["vetoes"]:
            del unit["vetoes"]
    header = f"# {SYNTHETIC_BANNER}\n" if result.synthetic else ""
    return header + escape_string_syntax(tomli_w.dumps(data))


def render_csv(result: RunResult) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    sections = result.plan.sections
    # Exact values (machine-readable, as in JSON) with the rounded presentation value beside each.
    section_columns = [column for s in sections for column in (s.name, f"{s.name}_2dp")]
    writer.writerow(["rank", "code", "name", "parent", *section_columns, "total", "total_2dp", "missing", "errors", "synthetic"])
    for rank, unit_result in zip(result.ranks, result.units):
        statuses = [i.status for i in unit_result.indicators]
        writer.writerow(
            [
                rank,
                spreadsheet_cell(unit_result.unit.code),
                spreadsheet_cell(unit_result.unit.name),
                spreadsheet_cell(unit_result.unit.parent or ""),
                *(value for s in unit_result.sections for value in (fmt(s.points), present(s.points))),
                fmt(unit_result.total),
                present(unit_result.total),
                statuses.count("missing"),
                statuses.count("error"),
                "yes" if result.synthetic else "no",
            ]
        )
    return buffer.getvalue()


@hookimpl
def escore_register_formats(register: Callable[[OutputFormat], None]) -> None:
    register(OutputFormat("table", run_table, catalog_table, ".txt", explanations=False))
    register(OutputFormat("json", lambda r: _json(run_to_dict(r)), lambda p: _json(plan_to_dict(p)), ".json"))
    register(OutputFormat("toml", render_toml, None, ".toml"))
    register(OutputFormat("csv", render_csv, None, ".csv", explanations=False))
