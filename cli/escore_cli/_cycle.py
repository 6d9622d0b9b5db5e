"""The assessment cycle on the command line: history, diff, whatif and appeals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from escore._i18n import N_, NP_, pgettext
from escore._i18n import gettext as _

from . import H_, Command, Group
from ._common import (
    catalog_from,
    check_command_suffix,
    check_label,
    check_output_not_input,
    dumps,
    echo_out,
    evidence_option,
    jobs_option,
    lang_option,
    output_option,
    report_format_option,
    reports_errors,
    roster_option,
    ruleset_option,
    safe,
    speak,
    unit_category_option,
    write_json_with_list,
    write_output,
    year_option,
)
from ._store import accepted_appeals, db_option, no_appeals_option, note_appeals, save_record

set_option = click.option(
    "--set", "sets", multiple=True, metavar="FIELD=VALUE", help=H_('Change a field (VALUE is TOML: 80, true, 2017-11-15, "text").')
)
add_row_option = click.option(
    "--add-row", "add_rows", multiple=True, metavar="TABLE:COL=VAL,...", help=H_("Add a monitoring row for the unit.")
)
remove_row_option = click.option(
    "--remove-row", "remove_rows", multiple=True, metavar="TABLE:LINE", help=H_("Remove the unit's row at that CSV line.")
)


# ---------------------------------------------------------------------- history

HISTORY_HEADINGS = (N_("id"), N_("created"), N_("kind"), N_("ruleset"), N_("category"), N_("units"), N_("evidence"), N_("label"))
DIFF_HEADINGS = (N_("code"), N_("name"), N_("before"), N_("after"), N_("delta"), N_("rank"), N_("→ rank"))


@click.command(cls=Command, help=H_("List the saved runs (oldest first)."))
@click.option("--category", "-c", metavar="CATEGORY", help=H_("Only runs of this category."))
@click.option("--format", "-f", "format_", default="table", type=click.Choice(["table", "json"]), show_default=True)
@db_option
@lang_option
@click.pass_context
@reports_errors
def history(ctx: click.Context, lang: str | None, category: str | None, format_: str, db: Path | None) -> None:
    from escore._store import open_store

    speak(ctx)
    store = open_store(db, create=False)
    runs = []
    if store is not None:
        with store:
            runs = store.runs(category)
            saved = sorted({run["category"] for run in store.runs()}) if category is not None and not runs else []
            if category is not None and saved:  # not "no saved runs": there are some, of other categories
                from escore._errors import UsageError, did_you_mean

                hint = did_you_mean(category, saved)
                if hint:  # a category mistyped
                    raise UsageError(_("no saved run is of category '{0}'").format(category) + _("; ") + hint)
                if format_ == "table":
                    echo_out(_("no saved run is of category '{0}'; saved runs are of: {1}").format(category, ", ".join(saved)))
                    return
    if format_ == "json":
        from escore._cycle import SCHEMA_VERSION

        echo_out(dumps({"schema_version": SCHEMA_VERSION, "runs": runs}), nl=False)
        return
    if not runs:
        echo_out(_("no saved runs (escore run … --save stores one)"))
        return
    from escore._report import grid

    rows = [
        [
            str(r["id"]),
            r["created"],
            pgettext("run kind", r["kind"]) + (" " + SYNTHETIC_MARK if r["synthetic"] else ""),
            r["ruleset"],
            r["category"],
            str(r["units"]),
            r["evidence_digest"][:12],
            r["label"],
        ]
        for r in runs
    ]
    table = "\n".join(grid([_(h) for h in HISTORY_HEADINGS], rows, [True] + [False] * 7)) + "\n"
    if any(r["synthetic"] for r in runs):  # what the mark means, as every output made from synthetic evidence says
        table += (
            "\n"
            + _("{0} a run scored on synthetic evidence: sample data made up for demonstration, not real assessment results").format(
                SYNTHETIC_MARK
            )
            + "\n"
        )
    echo_out(safe(table), nl=False)


#: The mark on a saved run of synthetic evidence in the history table.
SYNTHETIC_MARK = "*"


# ---------------------------------------------------------------------- diff


def _fresh_record(
    ctx: click.Context,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    db: Path | None,
    no_appeals: bool,
) -> dict[str, Any]:
    from escore._cycle import run_cycle, run_record
    from escore._errors import UsageError

    if not category:
        raise UsageError(_("diff of evidence directories or rulesets needs --category/-c"))
    catalog = catalog_from(ctx)
    appeals = [] if no_appeals else accepted_appeals(db, catalog, category, ruleset, year)
    cycle = run_cycle(catalog, category, ruleset=ruleset, year=year, evidence=evidence, appeals=appeals)
    record = run_record(cycle, catalog)
    record["run"]["id"] = None
    return record


def _note_diff_appeals(records: list[dict[str, Any]], fresh: set[int]) -> None:
    """Say which side of a diff the accepted appeals were applied to: appeals are of a category's
    year, so the two sides of ``--ruleset A --ruleset B`` (or a directory scored under another
    year) may apply different ones (a saved run's were applied when it was saved; its side of the
    table says so)."""
    applied = [(place, records[place]["run"]) for place in sorted(fresh) if records[place]["run"].get("appeals")]
    if not applied:
        return
    ids = [", ".join(f"#{i}" for i in head["appeals"]) for _place, head in applied]
    rulesets = [head["ruleset"] for _place, head in applied]
    if len(applied) == 2 and ids[0] == ids[1] and rulesets[0] == rulesets[1]:
        click.echo(_("escore: applied accepted appeal(s) {0} to both runs ({1})").format(ids[0], rulesets[0]), err=True)
        return
    for (place, _head), found, ruleset in zip(applied, ids, rulesets):
        template = (
            _("escore: applied accepted appeal(s) {0} to the run before ({1})")
            if place == 0
            else _("escore: applied accepted appeal(s) {0} to the run after ({1})")
        )
        click.echo(template.format(found, ruleset), err=True)


def _installed_or_none(ctx: click.Context, ruleset: str) -> str | None:
    """``ruleset`` if it is installed (a saved run's), else ``None`` (the latest that has the category)."""
    catalog = catalog_from(ctx)
    return ruleset if ruleset in catalog.rulesets else None


@click.command(
    cls=Command,
    help=H_(
        "Compare two runs: saved run ids (3 7), evidence directories (ev-oct/ ev-dec/), or one evidence under two "
        "rulesets (--ruleset fj2017 --ruleset fj2018 -c county).\n\n"
        "Per unit: totals before and after, the exact delta, the rank move, and every changed indicator with both "
        "explanations. With --roster: two evidence directories (or two rulesets) of the units of a units table."
    ),
)
@click.argument("runs", nargs=-1, metavar="[RUN_A RUN_B]")
@click.option("--category", "-c", metavar="CATEGORY", help=H_("Category, for runs made from evidence directories or rulesets."))
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    metavar="NAME",
    help=H_("Twice: the same evidence under two rulesets; once: the ruleset of both runs."),
)
@year_option
@evidence_option
@report_format_option
@output_option
@db_option
@no_appeals_option
@lang_option
@roster_option
@jobs_option(H_("With --roster: score in N processes (default: every processor for 1,000 units or more). Results are the same."))
@click.pass_context
@reports_errors
def diff(
    ctx: click.Context,
    lang: str | None,
    runs: tuple[str, ...],
    category: str | None,
    rulesets: tuple[str, ...],
    year: int | None,
    evidence: tuple[Path, ...],
    format_: str,
    output: Path | None,
    db: Path | None,
    no_appeals: bool,
    roster: Path | None,
    jobs: int | None,
) -> None:
    from escore._cycle import diff_runs
    from escore._errors import UsageError
    from escore._store import default_path, open_store

    speak(ctx)  # before anything can fail; saved runs need no catalogue otherwise
    check_command_suffix(output, format_, ("table", "json", "html"))
    # Evidence directories given as RUN_A RUN_B are read as -e is.
    read = [*evidence, *(Path(arg) for arg in runs if not arg.lstrip("#").isdigit() and Path(arg).exists())]
    check_output_not_input(output, read, ctx=ctx, roster=roster, db=db)
    if roster is not None:
        head, units = diff_of_table(ctx, runs, category, rulesets, year, evidence, db, no_appeals, roster, jobs)
        # Written as the units come, in every format: memory holds a part of them.
        if format_ == "json":
            write_output(lambda stream: write_json_with_list(stream, head, "units", units), output)
        elif format_ == "html":
            write_output(lambda stream: write_diff_html(head, units, stream), output)
        else:
            write_output(lambda stream: write_diff_table(head, units, stream), output)
        return
    records: list[dict[str, Any]] = []
    fresh: set[int] = set()  # the places of the sides scored now (not saved runs)
    if len(rulesets) == 2 and not runs:
        if not evidence and category:
            # The same evidence for both: the first ruleset's sample unless -e is given.
            catalog = catalog_from(ctx)
            chosen = catalog.choose(category, ruleset=rulesets[0])
            evidence = tuple(catalog.sample_evidence(catalog.plan(chosen.name, category)))
        for name in rulesets:
            records.append(_fresh_record(ctx, category, name, year, evidence, db, no_appeals))
        fresh = {0, 1}
    elif len(runs) == 2 and len(rulesets) <= 1:
        ruleset = rulesets[0] if rulesets else None
        by_place: dict[int, dict[str, Any]] = {}
        for place, arg in enumerate(runs):  # the saved run first: a directory beside it is scored as it was
            text = arg.lstrip("#")
            if text.isdigit() and not arg.startswith("#") and Path(arg).exists():  # the directory had been ignored
                raise UsageError(
                    _("'{0}' is both a saved run id and a directory here: write #{0} for the run or ./{0} for the directory").format(arg)
                )
            if text.isdigit():
                store = open_store(db, create=False)
                if store is None:
                    raise UsageError(_("no store at {0}: save a run with escore run … --save first").format(db or default_path()))
                with store:
                    by_place[place] = store.load_run(int(text))
            elif not Path(arg).exists():
                raise UsageError(_("'{0}' is neither a saved run id nor an evidence directory").format(arg))
        saved = list(by_place.values())
        for place, arg in enumerate(runs):
            if place in by_place:
                continue
            known = category or next((r["run"]["category"] for r in saved), None)
            # A directory beside a saved run is scored with the run's ruleset, unless --ruleset or
            # --year says otherwise: it had been the latest installed, so a 2017 run and a 2017
            # directory differed by every rule a 2018 pack changed.
            side_ruleset = ruleset
            if side_ruleset is None and year is None and saved:
                side_ruleset = _installed_or_none(ctx, saved[0]["run"]["ruleset"])
            by_place[place] = _fresh_record(ctx, known, side_ruleset, year, (Path(arg),), db, no_appeals)
            fresh.add(place)
        records = [by_place[place] for place in range(len(runs))]
    else:
        raise UsageError(_("diff takes two runs (saved ids or evidence directories) or --ruleset A --ruleset B"))
    if runs and all(arg.lstrip("#").isdigit() for arg in runs):
        _check_saved_runs_options(records, category, rulesets, year, evidence)
    selections = [record["run"].get("selection") or "" for record in records]
    if selections[0] != selections[1]:  # a total counts only the indicators its run selected
        from escore._errors import warn

        every = _("every indicator")
        warn(
            _("the runs score different indicators ({0}: {1}; {2}: {3}): their totals differ by what one left out").format(
                _("before"), selections[0] or every, _("after"), selections[1] or every
            )
        )
    languages = [record["run"].get("language") for record in records]
    if None not in languages and languages[0] != languages[1]:
        from escore._errors import warn

        warn(
            _("the runs' explanations are in different languages ({0}, {1}): points and statuses are compared, not explanations").format(
                *languages
            )
        )
    _note_diff_appeals(records, fresh)
    _write_diff(diff_runs(records[0], records[1], members=_members(ctx, records)), format_, output)


def _members(ctx: click.Context, records: list[dict[str, Any]]) -> Any:
    """Each side's indicators by the section whose raw score they add up to, from its rules when
    they are installed (a saved run keeps no sections of its indicators), else ``None``: the
    indicators' deltas are then exact and need not add up to their section's."""
    from escore._cycle import section_members

    catalog = catalog_from(ctx)
    sides = []
    for record in records:
        ruleset, category = record["run"]["ruleset"], record["run"]["category"]
        if ruleset not in catalog.rulesets or (ruleset, category) not in catalog.categories:
            return None
        sides.append(section_members(catalog.plan(ruleset, category)))
    return (sides[0], sides[1])


def _check_saved_runs_options(
    records: list[dict[str, Any]], category: str | None, rulesets: tuple[str, ...], year: int | None, evidence: tuple[Path, ...]
) -> None:
    """Two saved runs are compared as they were saved: options that choose what to score
    were ignored without a word (``diff 1 2 -c city --ruleset nosuch -e nowhere``, exit 0)."""
    from escore._errors import UsageError

    given = [name for name, value in (("--ruleset", rulesets), ("--year", year), ("--evidence", evidence)) if value]
    if given:
        raise UsageError(
            _("{0}: two saved runs are compared as they were scored; leave {0} out, or diff evidence directories").format(", ".join(given))
        )
    saved = records[0]["run"]["category"]
    if category is not None and category != saved:
        raise UsageError(_("-c {0}: the saved runs are of category '{1}'").format(category, saved))


def _write_diff(data: dict[str, Any], format_: str, output: Path | None) -> None:
    if format_ == "json":
        text = dumps(data)
    elif format_ == "html":
        text = diff_html(data)
    else:
        text = diff_table(data)
    write_output(text, output)


def diff_of_table(
    ctx: click.Context,
    runs: tuple[str, ...],
    category: str | None,
    rulesets: tuple[str, ...],
    year: int | None,
    evidence: tuple[Path, ...],
    db: Path | None,
    no_appeals: bool,
    roster: Path,
    jobs: int | None,
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """``diff --roster``: two evidence directories, or one evidence under two rulesets, of the
    units of a units table (which saved runs and appeals are not: they are of the packs' rosters)."""
    from escore._cycle import diff_in_table
    from escore._errors import UsageError

    if not category:
        raise UsageError(_("diff of evidence directories or rulesets needs --category/-c"))
    catalog = catalog_from(ctx)
    sides: list[tuple[str | None, tuple[Path, ...]]]
    if len(rulesets) == 2 and not runs and evidence:
        sides = [(name, evidence) for name in rulesets]
    elif len(runs) == 2 and len(rulesets) <= 1 and not evidence:
        ruleset = rulesets[0] if rulesets else None
        for arg in runs:
            if arg.lstrip("#").isdigit() and not Path(arg).exists():
                raise UsageError(_("--roster: saved runs score the pack's roster; leave --roster out"))
            if not Path(arg).exists():
                raise UsageError(_("'{0}' is neither a saved run id nor an evidence directory").format(arg))
        sides = [(ruleset, (Path(arg),)) for arg in runs]
    else:
        raise UsageError(_("diff --roster takes two evidence directories, or --ruleset A --ruleset B with -e"))
    for ruleset, _paths in sides:
        if not no_appeals and accepted_appeals(db, catalog, category, ruleset, year):
            raise UsageError(
                _(
                    "--roster: the accepted appeals of this category apply to the pack's roster, not to a units table; "
                    "give --no-appeals to score the table without them, or leave --roster out"
                )
            )
    return diff_in_table(catalog, category, sides, roster=roster, year=year, jobs=jobs)


def _side_label(side: dict[str, Any]) -> str:
    if side.get("id") is not None:
        label = _("run #{0}").format(side["id"]) + (f" '{side['label']}'" if side.get("label") else "")
        label = f"{label} ({side['ruleset']}, {side['created']})"
    else:
        label = _("{0} on {1}").format(side["ruleset"], ", ".join(side.get("evidence") or []))
    if side.get("appeals"):  # appeals are of a year: the two sides may apply different ones
        label = _("{0}; accepted appeal(s) {1} applied").format(label, ", ".join(f"#{i}" for i in side["appeals"]))
    return label


def _section_lines(head: dict[str, Any]) -> list[str]:
    """A line per section whose weight or raw maximum differs between the sides, or that one side
    lacks: its points are raw × weight ÷ raw maximum, so it moves totals that no indicator explains."""
    lines = []
    for section in head.get("sections", ()):
        name = f"{section['name']} {section['title']}"
        if section["change"] == "added":
            lines.append(_("section {0}: added (weight {1}, raw max {2})").format(name, section["weight_after"], section["raw_max_after"]))
        elif section["change"] == "removed":
            lines.append(
                _("section {0}: removed (weight {1}, raw max {2})").format(name, section["weight_before"], section["raw_max_before"])
            )
        elif section["change"] == "changed":
            parts = []
            if section["weight_before"] != section["weight_after"]:
                parts.append(_("weight {0} → {1}").format(section["weight_before"], section["weight_after"]))
            if section["raw_max_before"] != section["raw_max_after"]:
                parts.append(_("raw max {0} → {1}").format(section["raw_max_before"], section["raw_max_after"]))
            lines.append(_("section {0}: {1}").format(name, _(", ").join(parts)))
    return lines


def _unit_sections_line(unit: dict[str, Any]) -> str:
    """The unit's section points before → after (shown when the sides' sections differ)."""
    parts = [
        _("{0} {1} → {2} ({3})").format(s["name"], _num(s["points_before"]), _num(s["points_after"]), _delta(s["delta"]))
        for s in unit.get("sections", ())
    ]
    return _("{0} sections: {1}").format(unit["code"], _("; ").join(parts))


def _delta(text: str | None) -> str:
    if text is None:
        return "-"
    from decimal import Decimal

    from escore._results import present

    value = Decimal(text)
    return ("+" if value > 0 else "") + present(value)


def _num(text: str | None) -> str:
    if text is None:
        return "-"
    from decimal import Decimal

    from escore._results import present

    return present(Decimal(text))


def _changed(item: dict[str, Any]) -> str:
    """One changed indicator: code, title, points before → after and the delta."""
    return _("{0} {1}: {2} → {3} ({4})").format(
        item["code"], item["title"], _num(item["points_before"]), _num(item["points_after"]), _delta(item["delta"])
    )


def _diff_side(points: str | None, max_: str | None, status: str | None, show_max: bool) -> str:
    """One side of a changed indicator: its points, its maximum where the sides' maxima differ,
    and its status where it is not scored (``missing``, as a run's outputs mark it)."""
    from decimal import Decimal

    from escore._i18n import status_label
    from escore._score import fmt

    if points is None:
        return "-"
    text = _num(points) + (f"/{fmt(Decimal(max_))}" if show_max and max_ is not None else "")
    return text + (f" {status_label(status)}" if status not in (None, "scored") else "")


def _diff_changed(item: dict[str, Any]) -> str:
    """One changed indicator of a diff: code, title, each side's points (with its maximum where
    the maxima differ, its status where not scored), the delta, and ``removed``/``added`` for an
    indicator one side does not score, or its title before for one whose title changed."""
    show_max = item.get("max_before") is not None and item.get("max_after") is not None and item["max_before"] != item["max_after"]
    before = _diff_side(item["points_before"], item.get("max_before"), item["status_before"], show_max)
    after = _diff_side(item["points_after"], item.get("max_after"), item["status_after"], show_max)
    change = item.get("change")
    title_before, title_after = item.get("title_before"), item.get("title_after")
    if title_before is not None and title_after is not None and title_before != title_after:  # a later year renamed it
        return _("{0} {1}: {2} → {3} ({4}, {5})").format(
            item["code"], item["title"], before, after, _delta(item["delta"]), _("was titled {0}").format(title_before)
        )
    if change == "removed":
        return _("{0} {1}: {2} → {3} ({4}, {5})").format(
            item["code"], item["title"], before, after, _delta(item["delta"]), pgettext("diff", "removed")
        )
    if change == "added":
        return _("{0} {1}: {2} → {3} ({4}, {5})").format(
            item["code"], item["title"], before, after, _delta(item["delta"]), pgettext("diff", "added")
        )
    return _("{0} {1}: {2} → {3} ({4})").format(item["code"], item["title"], before, after, _delta(item["delta"]))


def diff_table(data: dict[str, Any]) -> str:
    """The table of a diff (:func:`write_diff_table` into a string)."""
    import io

    text = io.StringIO()
    write_diff_table(data, data["units"], text)
    return text.getvalue()


def _is_changed(unit: dict[str, Any]) -> bool:
    return unit["delta"] != "0" or bool(unit["indicators"]) or unit["rank_before"] != unit["rank_after"]


def write_diff_table(head: dict[str, Any], units: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """The table of a diff, its ``units`` read once as they come (``diff --roster`` makes them
    part by part): the changed units' rows are kept for the grid, which is as wide as its widest
    cell, and each changed indicator's lines go to a spool file, copied out after the grid (a
    quarter's diff of a national units table may change every unit)."""
    import shutil
    import tempfile

    from escore._report import grid_column_lines, synthetic_banner

    columns: list[list[str]] = [[] for _ in DIFF_HEADINGS]
    count = changed = 0
    section_lines = _section_lines(head)
    sections_differ = bool(section_lines)  # each changed unit's section points then explain its move
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as detail:
        for u in units:
            count += 1
            if not _is_changed(u):
                continue
            changed += 1
            row = [u["code"], u["name"], _num(u["total_before"]), _num(u["total_after"]), _delta(u["delta"])]
            row += [str(u["rank_before"] or "-"), str(u["rank_after"] or "-")]
            for column, cell in zip(columns, row):
                column.append(cell)
            if sections_differ:
                detail.write(safe("\n" + _unit_sections_line(u)) + "\n")
            for item in u["indicators"]:
                lines = ["", f"{u['code']} " + _diff_changed(item)]
                lines += ["    " + _("before · {0}").format(r) for r in item["reasons_before"]]
                lines += ["    " + _("after  · {0}").format(r) for r in item["reasons_after"]]
                detail.write(safe("\n".join(lines)) + "\n")
        lines = [_("before: {0}").format(_side_label(head["before"])), _("after:  {0}").format(_side_label(head["after"]))]
        lines += section_lines
        if head.get("synthetic"):
            lines.append(f"*** {synthetic_banner()} ***")
        lines.append("")
        stream.write(safe("\n".join(lines)) + "\n")
        if changed:
            right = [False, False, True, True, True, True, True]
            for line in grid_column_lines([_(h) for h in DIFF_HEADINGS], columns, right):
                stream.write(safe(line) + "\n")
        stream.write(safe(_("{0} of {1} units changed").format(changed, count)) + "\n")
        detail.seek(0)
        shutil.copyfileobj(detail, stream)
    stream.write("\n" + _("points rounded half-up to 2 places; deltas and ranks use exact values (-f json has them exact)") + "\n")


def diff_html(data: dict[str, Any]) -> str:
    """The page of a diff (:func:`write_diff_html` into a string)."""
    import io

    text = io.StringIO()
    write_diff_html(data, data["units"], text)
    return text.getvalue()


def write_diff_html(head: dict[str, Any], units: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """The page of a diff, its ``units`` read once as they come: a unit's row is written at
    once, its changed indicators' sections to a spool file copied out after the table."""
    import shutil
    import tempfile
    from decimal import Decimal
    from html import escape

    from escore._i18n import language
    from escore._report import page_title, synthetic_banner

    # Messages are looked up outside the f-strings: the extractor does not read inside them.
    before = _("before: {0}").format(_side_label(head["before"]))
    after = _("after:  {0}").format(_side_label(head["after"]))
    section_lines = _section_lines(head)
    was, now = _("before · {0}"), _("after  · {0}")
    rounding = _("points rounded half-up to 2 places; deltas and ranks use exact values (-f json has them exact)")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8"><title>{escape(page_title("escore diff", bool(head.get("synthetic"))))}</title>',
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        ".up{color:#070}.down{color:#b00}td.n{text-align:right}</style></head><body>",
        "<h1>escore diff</h1>",
        f"<p>{escape(before)}<br>{escape(after)}</p>",
        f"<p>{'<br>'.join(escape(line) for line in section_lines)}</p>" if section_lines else "",
        f"<p><strong>{escape(synthetic_banner())}</strong></p>" if head.get("synthetic") else "",
        "<table><tr>" + "".join(f"<th>{escape(_(h))}</th>" for h in DIFF_HEADINGS) + "</tr>",
    ]
    stream.write("\n".join(parts) + "\n")
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as detail:
        for u in units:
            delta = Decimal(u["delta"]) if u["delta"] is not None else Decimal(0)
            cls = "up" if delta > 0 else ("down" if delta < 0 else "")
            stream.write(
                f'<tr class="{cls}"><td>{escape(u["code"])}</td><td>{escape(u["name"])}</td><td class="n">{_num(u["total_before"])}</td>'
                f'<td class="n">{_num(u["total_after"])}</td><td class="n" title="{escape(u["delta"] or "")}">{_delta(u["delta"])}</td>'
                f'<td class="n">{u["rank_before"] or "-"}</td><td class="n">{u["rank_after"] or "-"}</td></tr>\n'
            )
            if section_lines and _is_changed(u):
                detail.write(f"<p>{escape(_unit_sections_line(u))}</p>\n")
            for item in u["indicators"]:
                detail.write(f"<h3>{escape(u['code'])} {escape(_diff_changed(item))}</h3>\n")
                detail.write("<ul>" + "".join(f"<li>{escape(was.format(r))}</li>" for r in item["reasons_before"]) + "\n")
                detail.write("".join(f"<li>{escape(now.format(r))}</li>" for r in item["reasons_after"]) + "</ul>\n")
        stream.write("</table>\n")
        detail.seek(0)
        shutil.copyfileobj(detail, stream)
    stream.write(f"<p>{escape(rounding)}</p>\n</body></html>\n")


# ---------------------------------------------------------------------- whatif


@click.command(
    cls=Command,
    help=H_(
        "Score UNIT with changed evidence: the delta, the changed indicators and the new rank.\n\n"
        'Rows: --add-row website_notices:date=2017-09-01,kind="网络安全通报批评" adds one (a unit=CODE column names a sub-unit); --remove-row website_notices:4 removes the unit\'s row at line 4.'
    ),
)
@click.argument("unit")
@unit_category_option
@ruleset_option
@year_option
@evidence_option
@set_option
@add_row_option
@remove_row_option
@click.option("--format", "-f", "format_", default="table", type=click.Choice(["table", "json"]), show_default=True)
@output_option
@click.option("--save", is_flag=True, help=H_("Store the changed run as a labelled what-if run."))
@click.option("--label", default="", help=H_("Label of the saved what-if run."))
@db_option
@no_appeals_option
@lang_option
@roster_option
@click.pass_context
@reports_errors
def whatif(
    ctx: click.Context,
    lang: str | None,
    unit: str,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    sets: tuple[str, ...],
    add_rows: tuple[str, ...],
    remove_rows: tuple[str, ...],
    format_: str,
    output: Path | None,
    save: bool,
    label: str,
    db: Path | None,
    no_appeals: bool,
    roster: Path | None,
) -> None:
    from escore._cycle import Changes, diff_records, run_cycle, run_record, section_members
    from escore._errors import UsageError

    from ._explain import unit_to_score

    catalog = catalog_from(ctx)  # the language of the packs first: a usage error speaks it too
    check_command_suffix(output, format_, ("table", "json"))
    check_output_not_input(output, evidence, ctx=ctx, roster=roster, db=db)
    changes = Changes.from_options(sets, add_rows, remove_rows)
    if not changes:
        raise UsageError(_("nothing to change: give --set FIELD=VALUE, --add-row or --remove-row"))
    if save and roster is not None:
        raise UsageError(_("--roster: saved runs score the pack's roster; leave --roster out"))
    check_label(label, save)
    rules, cat, code, appeals = unit_to_score(catalog, unit, ruleset, year, category, roster, db, no_appeals)
    if roster is not None:  # a units table: the unit scored before and after, the others once for the ranks
        from escore._cycle import whatif_in_table

        found, after = whatif_in_table(catalog, cat, code, changes, roster=roster, ruleset=rules, evidence=evidence)
        units_ranked = found.pop("units_ranked")
        record = None
    else:
        before = run_cycle(catalog, cat, ruleset=rules, evidence=evidence, appeals=appeals)
        after = run_cycle(catalog, cat, ruleset=rules, evidence=evidence, appeals=appeals, whatif=(code, changes))
        record = run_record(
            after, catalog, kind="whatif", label=label or f"whatif {code} {changes.describe()}", whatif=f"{code} {changes.describe()}"
        )
        members = (section_members(before.result.plan), section_members(after.result.plan))
        found = diff_records(run_record(before, catalog), record, only=code, members=members)["units"][0]
        units_ranked = len(after.result.units)
    note_appeals(after)
    data = {
        "schema_version": 1,
        **found,
        "units_ranked": units_ranked,
        "changes": changes.args(),
        "synthetic": after.result.synthetic,
    }

    def save_whatif() -> None:  # once the output can be written, before it is: both or neither
        if save:
            assert record is not None  # --save with --roster was refused above
            data["saved_run"] = save_record(db, record)
            click.echo(_("escore: saved what-if run #{0}").format(data["saved_run"]), err=True)

    if format_ == "json":
        write_output(lambda stream: stream.write(dumps(data)), output, before=save_whatif)
        return
    write_output(_whatif_text(data, changes, after.result.synthetic), output, before=save_whatif)


def _whatif_text(data: dict[str, Any], changes: Any, synthetic: bool) -> str:
    from escore._report import synthetic_banner

    lines = [_("what if {0} {1}: {2}").format(data["code"], data["name"], changes.describe())]
    if synthetic:
        lines.append(f"*** {synthetic_banner()} ***")
    lines.append(
        _("total {0} → {1} ({2}, exact {3}); rank {4} → {5} of {6}").format(
            _num(data["total_before"]),
            _num(data["total_after"]),
            _delta(data["delta"]),
            data["delta"],
            data["rank_before"],
            data["rank_after"],
            data["units_ranked"],
        )
    )
    for item in data["indicators"]:
        lines.append("  " + _changed(item))
        lines.extend(f"      · {r}" for r in item["reasons_after"])
    if not data["indicators"]:
        lines.append("  " + _("no indicator changed"))
    return safe("\n".join(lines) + "\n")


# ---------------------------------------------------------------------- appeals


@click.group(
    cls=Group, help=H_("File, list and decide appeals; an accepted appeal's changes apply to later runs of its category and year.")
)
def appeal() -> None:
    pass


@appeal.command(
    "add",
    help=H_(
        "File an appeal of UNIT against INDICATOR, with the evidence changes it asks for.\n\n"
        "INDICATOR may be a veto's code (as explanations name it): the appeal may then change every indicator the veto targets."
    ),
)
@click.argument("unit")
@click.argument("indicator")
@click.option("--claim", required=True, help=H_("What the unit claims, in its words."))
@unit_category_option
@ruleset_option
@year_option
@evidence_option
@set_option
@add_row_option
@remove_row_option
@db_option
@lang_option
@click.pass_context
@reports_errors
def appeal_add(
    ctx: click.Context,
    lang: str | None,
    unit: str,
    indicator: str,
    claim: str,
    category: str | None,
    ruleset: str | None,
    year: int | None,
    evidence: tuple[Path, ...],
    sets: tuple[str, ...],
    add_rows: tuple[str, ...],
    remove_rows: tuple[str, ...],
    db: Path | None,
) -> None:
    from escore._collect import natural_key, nodes_leaves
    from escore._cycle import Changes, changes_elsewhere, moved_elsewhere, run_cycle
    from escore._errors import UsageError, did_you_mean
    from escore._score import fmt_points
    from escore._store import open_store

    from ._explain import find_unit

    catalog = catalog_from(ctx)  # the language of the packs first: a usage error speaks it too
    changes = Changes.from_options(sets, add_rows, remove_rows)
    if not claim.strip():
        raise UsageError(_("--claim: say what the appeal claims; it is recorded with the appeal and shown with its effect"))
    rules, cat, code = find_unit(catalog, unit, ruleset, year, category)
    plan = catalog.plan(rules, cat)
    vetoes = {veto.code: veto for veto in plan.vetoes}
    if indicator not in plan.nodes and indicator not in vetoes:
        hint = did_you_mean(indicator, [*plan.nodes, *vetoes])
        raise UsageError(_("no indicator '{0}' in {1}/{2}").format(indicator, rules, cat) + (_("; ") + hint if hint else ""))
    if indicator in plan.nodes and plan.nodes[indicator].children:
        # A group's points are its indicators': an appeal of one would move several under one name.
        leaves = sorted(nodes_leaves(plan.nodes, indicator), key=natural_key)
        text = _("{0} is a group of indicators, not an indicator: an appeal names one indicator ({1})").format(indicator, ", ".join(leaves))
        on_them = [veto for veto in plan.vetoes if veto.leaves & set(leaves)]
        if on_them:
            text += _(", or a veto to change every indicator it targets ({0})").format(
                "; ".join(f"{veto.code} → {', '.join(sorted(veto.leaves, key=natural_key))}" for veto in on_them)
            )
        raise UsageError(text)
    elsewhere = changes_elsewhere(plan, indicator, changes)
    if elsewhere:
        name, feeds = elsewhere[0]
        raise UsageError(
            _("{0} feeds {1}, not {2}: an appeal changes the evidence of the indicator it appeals (file one against {3})").format(
                name, ", ".join(feeds), indicator, feeds[0]
            )
        )
    if changes:  # the changes must apply to the evidence as it is (types, fields, rows)
        from escore._session import children_of

        cycle = run_cycle(catalog, cat, ruleset=rules, evidence=evidence, whatif=(code, changes))
        children = children_of(catalog, plan).get(code, ())
        moved = moved_elsewhere(cycle, indicator, code, children)
        through = next((veto for _other, _was, _now, veto in moved if veto), "")
        if through:  # a veto's verdict turned: its other targets moved with the one appealed
            veto = vetoes[through]
            others = ", ".join(f"{other} ({fmt_points(was)} → {fmt_points(now)})" for other, was, now, by in moved if by == through)
            raise UsageError(
                _(
                    "this change turns veto {0} ({1}) and so moves {2}, not {3} alone: an appeal changes the indicator it appeals; "
                    "file it against {0} to change every indicator the veto targets ({4})"
                ).format(through, veto.title, others, indicator, ", ".join(sorted(veto.leaves, key=natural_key)))
            )
        if moved:  # a row of a table that feeds several indicators counted for another one
            other, was, now, _veto = moved[0]
            raise UsageError(
                _(
                    "this change moves {0} ({1} → {2}), not {3}: an appeal changes the evidence of the indicator it appeals (file one against {0})"
                ).format(other, fmt_points(was), fmt_points(now), indicator)
            )
        if changes.remove_rows and cycle.original is not None:
            # Each removed row kept with its cells: if the file's lines move later, applying the
            # appeal is an error naming the row, not the removal of whichever row is there then.
            changes = changes.with_removed_cells(plan, cycle.original, code, [c.code for c in children])
    with open_store(db) as store:  # type: ignore[union-attr]
        appeal_id = store.add_appeal(
            ruleset=rules, year=plan.ruleset.year, category=cat, unit=code, indicator=indicator, claim=claim, changes=changes.to_dict()
        )
    echo_out(
        safe(
            _("appeal #{0} filed: {1} {2} under {3} ({4})").format(appeal_id, code, indicator, rules, plan.ruleset.year)
            + (f" ({changes.describe()})" if changes else "")
        )
    )


@appeal.command("list", help=H_("List appeals with every recorded step."))
@click.option("--category", "-c", metavar="CATEGORY")
@click.option("--status", type=click.Choice(["filed", "accepted", "rejected"]))
@click.option("--format", "-f", "format_", default="table", type=click.Choice(["table", "json"]), show_default=True)
@db_option
@lang_option
@click.pass_context
@reports_errors
def appeal_list(ctx: click.Context, lang: str | None, category: str | None, status: str | None, format_: str, db: Path | None) -> None:
    from escore._store import open_store

    speak(ctx)
    store = open_store(db, create=False)
    found: list[dict[str, Any]] = []
    others: list[str] = []  # the categories appeals are of, when none is of the one asked for
    if store is not None:
        with store:
            found = store.appeals(category=category, status=status)
            if category is not None and not found:
                kinds = {a["category"] for a in store.appeals()}
                others = sorted(kinds) if category not in kinds else []  # else: none has the status asked for
    if others:  # as history: a category mistyped is not "no appeals"
        from escore._errors import UsageError, did_you_mean

        hint = did_you_mean(category or "", others)
        if hint:
            raise UsageError(_("no appeal is of category '{0}'").format(category) + _("; ") + hint)
    if format_ == "json":
        echo_out(dumps({"appeals": found}), nl=False)
        return
    if not found:
        echo_out(
            _("no appeal is of category '{0}'; appeals are of: {1}").format(category, ", ".join(others)) if others else _("no appeals")
        )
        return
    lines = []
    for a in found:
        change = " ".join(_args(a["changes"]))
        lines.append(
            _("#{0} {1}: {2} {3} ({4} {5}) {6}").format(
                a["id"], pgettext("appeal", a["status"]), a["unit"], a["indicator"], a["ruleset"], a["category"], a["claim"]
            )
            + (f" [{change}]" if change else "")
        )
        lines.extend("    " + _("{0} {1}: {2}").format(e["time"], pgettext("appeal", e["action"]), e["reason"]) for e in a["events"])
    echo_out(safe("\n".join(lines)))


#: The kinds of saved runs, as the history table names them (the JSON keeps the keys).
RUN_KINDS = (NP_("run kind", "run"), NP_("run kind", "whatif"))

#: What an appeal's status and the steps of its history are called (the JSON keeps the keys).
APPEAL_WORDS = (NP_("appeal", "filed"), NP_("appeal", "accepted"), NP_("appeal", "rejected"))


def _args(changes: dict[str, Any]) -> list[str]:
    from escore._cycle import Changes

    return Changes.from_dict(changes).args()


@appeal.command("decide", help=H_("Accept or reject appeal ID (final; recorded with time and reason)."))
@click.argument("appeal_id", type=int, metavar="ID")
@click.option("--accept", "accept", is_flag=True, help=H_("Accept: its changes apply to later runs."))
@click.option("--reject", "reject", is_flag=True, help=H_("Reject."))
@click.option("--reason", required=True, help=H_("Why; recorded with the decision."))
@db_option
@lang_option
@click.pass_context
@reports_errors
def appeal_decide(ctx: click.Context, lang: str | None, appeal_id: int, accept: bool, reject: bool, reason: str, db: Path | None) -> None:
    from escore._errors import UsageError
    from escore._store import default_path, open_store

    speak(ctx)
    if accept and reject:  # a final decision is never taken from the order of the options
        raise UsageError(_("appeal decide: --accept and --reject together; give one of them"))
    if not accept and not reject:
        raise UsageError(_("appeal decide: give --accept or --reject"))
    if not reason.strip():  # as --claim: a decision is recorded with its reason
        raise UsageError(_("--reason: say why the appeal is decided so; it is recorded with the decision"))
    store = open_store(db, create=False)
    if store is None:
        raise UsageError(_("no store at {0}: no appeal has been filed").format(db or default_path()))
    with store:
        result = store.decide_appeal(appeal_id, accept=accept, reason=reason)
    echo_out(safe(_("appeal #{0} {1}: {2}").format(appeal_id, pgettext("appeal", result["status"]), reason)))
