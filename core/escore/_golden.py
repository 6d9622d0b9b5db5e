"""Golden cases: what a rule pack must score for one unit, checked exactly.

The file format is documented in the README ("Golden cases"). This module reads
case files (rejecting unknown keys with a suggestion), scores each case's unit
with the installed packs and compares only what the case states.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from ._collect import Plan
from ._errors import InputError, did_you_mean
from ._frozen import frozen
from ._i18n import gettext as _
from ._i18n import status_label
from ._load import load_evidence, parse_rows, parse_unit_fields, workbook_among
from ._model import Ruleset, Unit, listed
from ._plugins import Catalog
from ._results import STATUSES, UnitResult
from ._run import Engine
from ._schema import check_dates, check_unit, schema_of
from ._score import fmt, in_scoring_context
from ._session import check_roster, children_of, other_units
from ._text import show
from ._toml import check_keys, read_toml, require

_CASE_KEYS = ("id", "title", "ruleset", "category", "unit", "evidence", "attributes", "fields", "tables", "expect")
_EXPECT_KEYS = ("total", "sections", "indicators")


@frozen
class Expected:
    """An expected value: points and/or status (``None``: not checked)."""

    points: Decimal | None = None
    status: str | None = None
    raw: Decimal | None = None


@frozen
class GoldenCase:
    path: Path
    id: str
    title: str
    ruleset: str | None
    category: str
    unit: str | Mapping[str, Any]
    evidence: tuple[Path, ...]
    attributes: Mapping[str, Any]
    fields: Mapping[str, Any]
    tables: Mapping[str, Sequence[Mapping[str, Any]]]
    total: Decimal | None
    sections: Mapping[str, Expected]
    indicators: Mapping[str, Expected]

    @property
    def unit_code(self) -> str:
        return self.unit if isinstance(self.unit, str) else str(self.unit.get("code", "?"))

    @property
    def where(self) -> str:
        return f"{self.path} [case {self.id}]"


def _decimal(value: Any, where: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InputError(where, key, _('expected points as a string such as "2.5", got {0}').format(show(value)))
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise InputError(where, key, _("expected a decimal number, got {0}").format(show(value))) from None
    if not result.is_finite():
        raise InputError(where, key, _("expected a finite number, got {0}").format(show(value)))
    return result


def _expected(value: Any, where: str, key: str, *, section: bool = False) -> Expected:
    if isinstance(value, dict):
        allowed = ("raw", "points") if section else ("points", "status")
        check_keys(value, allowed, where, key + ".")
        status = value.get("status")
        if status is not None and status not in STATUSES:
            raise InputError(
                where, key + ".status", _("expected one of {0}").format(", ".join(STATUSES)), hint=did_you_mean(str(status), STATUSES)
            )
        if not value:  # {} checks nothing: a case that cannot fail
            raise InputError(
                where,
                key,
                _("expected {0}; an empty table checks nothing").format(_("raw or points") if section else _("points or a status")),
            )
        return Expected(
            _decimal(value["points"], where, key + ".points") if "points" in value else None,
            status,
            _decimal(value["raw"], where, key + ".raw") if "raw" in value else None,
        )
    return Expected(_decimal(value, where, key))


def load_cases(path: Path) -> list[GoldenCase]:
    """Read the cases of one golden file."""
    where = str(path)
    data = read_toml(path)
    check_keys(data, ("case",), where)
    entries = require(data, "case", list, where)
    cases = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        prefix = f"case[{index}]."
        check_keys(entry, _CASE_KEYS, where, prefix)
        case_id = require(entry, "id", str, where, prefix)
        if case_id in seen:
            raise InputError(where, prefix + "id", _("case id '{0}' is used twice in this file").format(case_id))
        seen.add(case_id)
        case_where = f"{where} [case {case_id}]"
        unit = entry.get("unit")
        if isinstance(unit, dict):
            check_keys(unit, ("code", "name", "parent", "attributes"), case_where, "unit.")
            require(unit, "code", str, case_where, "unit.")
        elif not isinstance(unit, str):
            raise InputError(case_where, "unit", _("expected a roster unit code or a table {code, name, parent, attributes}"))
        evidence = entry.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise InputError(case_where, "evidence", _("expected a list of paths relative to the case file"))
        expect = entry.get("expect", {})
        check_keys(expect, _EXPECT_KEYS, case_where, "expect.")
        sections = {
            name: _expected(v, case_where, f"expect.sections.{name}", section=True) for name, v in expect.get("sections", {}).items()
        }
        indicators = {code: _expected(v, case_where, f"expect.indicators.{code}") for code, v in expect.get("indicators", {}).items()}
        tables = entry.get("tables", {})
        if not isinstance(tables, dict) or not all(isinstance(rows, list) for rows in tables.values()):
            raise InputError(case_where, "tables", _("expected table name = [ {unit = ..., column = value}, ... ]"))
        if "total" not in expect and not sections and not indicators:
            # A case without an expectation passes whatever the rules give: it would guard nothing
            # (and, under an inherited case's id, would quietly switch that case off).
            raise InputError(
                case_where,
                "expect",
                _("the case states nothing to check; give expect.total, expect.sections or expect.indicators"),
            )
        cases.append(
            GoldenCase(
                path=path,
                id=case_id,
                title=str(entry.get("title", "")),
                ruleset=entry.get("ruleset"),
                category=require(entry, "category", str, case_where),
                unit=unit,
                evidence=tuple((path.parent / e) for e in evidence),
                attributes=entry.get("attributes", {}),
                fields=entry.get("fields", {}),
                tables=tables,
                total=_decimal(expect["total"], case_where, "expect.total") if "total" in expect else None,
                sections=sections,
                indicators=indicators,
            )
        )
    return cases


def find_case_files(paths: Iterable[Path]) -> list[Path]:
    """Every ``*.toml`` under the given directories (and the given files), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.toml") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(str(path), "", _("golden case path not found"))
    return found


@frozen
class CaseOutcome:
    case: GoldenCase
    plan: Plan
    result: UnitResult
    mismatches: tuple[str, ...]


class Binding(NamedTuple):
    """A ruleset a golden case runs under; ``inherited_from`` is set when a derived ruleset inherits it."""

    ruleset: str | None
    inherited_from: str | None = None


def _owners(catalog: Catalog, path: Path) -> list[str]:
    """The rulesets that registered a golden directory holding ``path``."""
    resolved = path.resolve()
    return sorted({r for r, directory, _ in catalog.golden if resolved.is_relative_to(Path(directory).resolve())})


def _own_case_ids(catalog: Catalog, ruleset: str) -> frozenset[str]:
    """Ids of the cases a ruleset's own packs register (a derived case with a base case's id overrides it)."""
    cache = catalog.__dict__.setdefault("_golden_ids", {})
    if ruleset not in cache:
        ids: set[str] = set()
        for path in find_case_files([Path(d) for r, d, _ in catalog.golden if r == ruleset and Path(d).exists()]):
            ids.update(case.id for case in load_cases(path))
        cache[ruleset] = frozenset(ids)
    return cache[ruleset]


def check_drops(catalog: Catalog, ruleset: str) -> None:
    """Refuse a ``drop`` pattern of ``ruleset``'s golden registration that matches no case it
    inherits (a mistyped id left the case running, without a word)."""
    from ._errors import PackError

    patterns = catalog.golden_drops.get(ruleset, ())
    if not patterns:
        return
    earlier = catalog.chain(ruleset)[:-1]
    directories = [Path(d) for r, d, _ in catalog.golden if r in earlier and Path(d).exists()]
    names: set[str] = set()
    for path in find_case_files(directories):
        for case in load_cases(path):
            names.update((case.id, f"{path.name}::{case.id}"))
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
            hint = did_you_mean(pattern, names)
            raise PackError(
                _("{0}: drop pattern '{1}' matches no case it inherits (case ids, or FILE::ID)").format(ruleset, pattern)
                + (_("; ") + hint if hint else "")
            )


def bindings(catalog: Catalog, case: GoldenCase) -> list[Binding]:
    """Every ruleset ``case`` runs under: the one that registered it (or that it names) and those extending it.

    A derived ruleset skips a base case whose id it registers itself (an override) or
    matches one of the ``drop`` patterns of its golden registration (or of a ruleset
    between the two): fnmatch patterns of case ids, or of ``<file name>::<id>``. A case in no registered directory that names no ruleset runs
    under the category's default ruleset.
    """
    owners = _owners(catalog, case.path)
    if case.ruleset and owners and case.ruleset not in owners:
        # A case copied from the earlier year's file, its ruleset line kept: it ran under that
        # year only, and hid the inherited case of its id from this one, without a word.
        raise InputError(
            case.where,
            "ruleset",
            _("the case is in the golden cases of {0} but names ruleset '{1}'").format(" and ".join(owners), case.ruleset),
            hint=_('set ruleset = "{0}", or leave the line out').format(owners[0]),
        )
    base = case.ruleset or (owners[0] if len(owners) == 1 else None)
    if base is None or base not in catalog.rulesets:
        return [Binding(case.ruleset)]
    out = [Binding(base)]
    for name in sorted(catalog.rulesets):
        chain = catalog.chain(name)
        if name == base or base not in chain:
            continue
        between = chain[chain.index(base) + 1 :]
        qualified = f"{case.path.name}::{case.id}"
        dropped = any(
            fnmatch.fnmatchcase(case.id, pattern) or fnmatch.fnmatchcase(qualified, pattern)
            for r in between
            for pattern in catalog.golden_drops.get(r, ())
        )
        overridden = any(case.id in _own_case_ids(catalog, r) for r in between)
        if not dropped and not overridden:
            out.append(Binding(name, base))
    return out


@in_scoring_context
def run_case(catalog: Catalog, case: GoldenCase, ruleset: str | None = None) -> CaseOutcome:
    """Score the case's unit under ``ruleset`` (default: the case's own) and compare what the case states."""
    chosen, plan, unit = case_target(catalog, case, ruleset)
    return _scored(catalog, case, chosen, plan, unit)


def case_target(catalog: Catalog, case: GoldenCase, ruleset: str | None = None) -> tuple[Ruleset, Plan, Unit]:
    """The ruleset, plan and unit the case runs under ``ruleset``, its unit and what it states
    checked against them: an unknown unit, indicator or section is bad input (verify says so
    before any case runs), not a failing case."""
    where = case.where
    chosen = catalog.choose(case.category, ruleset=ruleset or case.ruleset)
    plan = catalog.plan(chosen.name, case.category)
    roster = {u.code: u for u in catalog.roster(chosen.name, case.category)} if (chosen.name, case.category) in catalog.rosters else {}
    if isinstance(case.unit, str):
        if case.unit not in roster:
            for earlier in reversed(catalog.chain(chosen.name)[:-1]):  # a unit the later year's roster dropped
                if (earlier, case.category) in catalog.rosters and any(u.code == case.unit for u in catalog.roster(earlier, case.category)):
                    raise InputError(
                        where,
                        "unit",
                        _(
                            "'{0}' is a unit of {1}'s roster of {2}, which {3} dropped: list the case in {3}'s drop=[…], or give the case its unit inline"
                        ).format(case.unit, earlier, case.category, chosen.name),
                    )
            raise InputError(
                where, "unit", _("no {0} unit '{1}' in the roster").format(case.category, case.unit), hint=did_you_mean(case.unit, roster)
            )
        unit = roster[case.unit]
    else:
        unit = Unit(
            case.unit["code"],
            case.unit.get("name", case.unit["code"]),
            case.category,
            case.unit.get("parent") or None,
            dict(case.unit.get("attributes", {})),
        )
    if case.attributes:
        unit = attrs.evolve(unit, attributes={**unit.attributes, **case.attributes})
    check_roster(plan, [unit], where)
    for code in case.indicators:
        if code in plan.removed and code not in plan.nodes:
            raise InputError(
                where,
                f"expect.indicators.{code}",
                _("{0} removes '{1}' ({2}); for {0}, give this case a replacement of the same id '{3}', or drop it (drop=[...])").format(
                    chosen.name, code, plan.removed[code], case.id
                ),
            )
        if code not in plan.nodes or plan.nodes[code].kind == "group":
            leaves = [ip.node.code for ip in plan.indicators]
            raise InputError(
                where,
                f"expect.indicators.{code}",
                _("no indicator '{0}' in {1}/{2}").format(code, chosen.name, case.category),
                hint=did_you_mean(code, leaves),
            )
    section_names = [s.name for s in plan.sections]
    for name in case.sections:
        if name not in section_names:
            raise InputError(
                where,
                f"expect.sections.{name}",
                _("unknown section"),
                hint=did_you_mean(name, section_names) or _("sections: {0}").format(", ".join(section_names)),
            )
    return chosen, plan, unit


def _scored(catalog: Catalog, case: GoldenCase, chosen: Any, plan: Plan, unit: Unit) -> CaseOutcome:
    """The case's unit scored under ``chosen`` (``plan``), compared with what the case states."""
    values, tables, children = case_evidence(catalog, case, chosen, plan, unit)
    from ._paths import root_label  # the case file as output may show it: no machine path

    result = Engine(plan).score(unit, values, tables, children, root_label(Path(case.path)))
    return CaseOutcome(case, plan, result, tuple(compare(case, plan, result)))


def case_evidence(
    catalog: Catalog, case: GoldenCase, chosen: Any, plan: Plan, unit: Unit
) -> tuple[dict[str, Any], dict[str, Mapping[str, tuple[Any, ...]]], tuple[Unit, ...]]:
    """The evidence the case gives its unit under ``chosen`` (``plan``), parsed and checked as an
    evidence directory's is: its fields, its tables, and the unit's sub-units. A value the case
    cannot give (a wrong type, an impossible one) is an :class:`InputError` naming the case."""
    where = case.where
    children = children_of(catalog, plan).get(unit.code, ())
    codes = [unit.code, *(c.code for c in children)]
    if case.evidence:
        known = catalog.all_unit_codes(chosen.name) | {unit.code}
        # A workbook's rows of the category's other units are skipped quietly (not another category's).
        names = (
            listed(catalog.roster(chosen.name, plan.category.key), catalog.units_of_ruleset(chosen.name))
            if workbook_among(case.evidence, catalog.loaders)
            else None
        )
        subs = [c.code for c in children]
        data = load_evidence(case.evidence, plan, [unit.code], known, catalog.loaders, subs, names=names, others=other_units(catalog, plan))
        values = dict(data.values.get(unit.code, {}))
        tables: dict[str, Mapping[str, tuple[Any, ...]]] = dict(data.tables)
    else:
        values, tables = {}, {}
    parse_unit_fields(case.fields, plan, where, values, replace=True)
    table_specs = {t.name: t for t in plan.tables}
    # An inherited case may give a table only its own year read (the one veto that read it was
    # removed): its rows count for nothing here, and the case's expectations say what changed.
    earlier = [name for name in catalog.chain(chosen.name)[:-1] if (name, case.category) in catalog.categories]
    own_tables = {t.name for name in earlier for t in catalog.plan(name, case.category).tables} if case.tables else set()
    for name, rows in case.tables.items():
        spec = table_specs.get(name)
        if spec is None and name in own_tables:
            continue
        if spec is None:
            raise InputError(
                where,
                f"tables.{name}",
                _("no monitoring table '{0}' is read by {1}").format(name, case.category),
                hint=did_you_mean(name, table_specs),
            )
        by_unit: dict[str, list[Any]] = {}
        numbered = [(i + 1, {"unit": unit.code, **row}) for i, row in enumerate(rows)]
        for code, row in parse_rows(numbered, spec, f"{where} tables.{name}", from_text=False):
            if code not in codes:
                raise InputError(
                    where, f"tables.{name}", _("row for unit '{0}', which is neither the case unit nor one of its sub-units").format(code)
                )
            by_unit.setdefault(code, []).append(row)
        tables[name] = {code: tuple(found) for code, found in by_unit.items()}
    # Impossible evidence (READING 15) is bad input in a case as in an evidence directory.
    schema = schema_of(plan)

    def row_where(name: str, row: Any, _position: int) -> str:
        return f"{where} tables.{name}:{row.line}" if name in case.tables else f"monitoring/{name}.csv:{row.line}"

    for code in codes:  # the case's unit, then its sub-units' rolled-up rows
        check_unit(schema, code, values if code == unit.code else None, tables, lambda key: where, row_where)
    # A date decades away is refused in a case's own values and rows as in a file's (2071 for 2017).
    check_dates(where, schema, [unit.code], {unit.code: values}, tables, lambda _code, _key: where, row_where)
    return values, tables, children


def compare(case: GoldenCase, plan: Plan, result: UnitResult) -> Iterable[str]:
    """One block of text per difference, in domain terms: expected vs actual, why, and the rule's source."""
    by_code = {item.code: item for item in result.indicators}
    for code, want in sorted(case.indicators.items()):
        got = by_code[code]
        node = plan.nodes[code]
        # Points stated alone are points the rule gives: an indicator that raised, whose
        # evidence is missing, or that does not apply to the unit (another variant's) has 0
        # points that no rule gave, and a case stating "0" for it passed for the wrong reason.
        unscored = want.status is None and got.status in ("error", "missing", "not_applicable")
        wrong = (
            unscored or (want.points is not None and got.points != want.points) or (want.status is not None and got.status != want.status)
        )
        if not wrong:
            continue
        expected = " ".join(
            x for x in (fmt(want.points) if want.points is not None else "", f"({status_label(want.status)})" if want.status else "") if x
        )
        lines = [
            _("{0} {1}: expected {2}, got {3} ({4}) of max {5}").format(
                code, node.title, expected, fmt(got.points), status_label(got.status), fmt(node.max)
            )
        ]
        lines.extend(f"    · {reason}" for reason in got.reasons)
        if node.source is not None:
            lines.append("    " + _("source: 「{0}」").format(node.source.text))
        yield "\n".join(lines)
    for section in result.sections:
        section_case = case.sections.get(section.name)
        if section_case is None:
            continue
        if section_case.points is not None and section.points != section_case.points:
            yield _("section {0}: expected {1} points, got {2} (raw {3} of {4})").format(
                section.name, fmt(section_case.points), fmt(section.points), fmt(section.raw), fmt(section.raw_max)
            )
        if section_case.raw is not None and section.raw != section_case.raw:
            yield _("section {0}: expected raw {1}, got {2}").format(section.name, fmt(section_case.raw), fmt(section.raw))
    if case.total is not None and result.total != case.total:
        parts = ", ".join(f"{s.name} {fmt(s.points)}" for s in result.sections)
        yield _("total: expected {0}, got {1} ({2})").format(fmt(case.total), fmt(result.total), parts)
    # A total (or a section) that counts an indicator which raised counts it as 0 points no rule
    # gave: the case fails unless it states that error itself.
    for item in result.indicators:
        if item.status == "error" and item.code not in case.indicators:
            node = plan.nodes[item.code]
            if case.total is not None or node.section in case.sections:
                lines = [
                    _("{0} {1}: raised an error, counted as 0 of max {2} in the points the case states").format(
                        item.code, node.title, fmt(node.max)
                    )
                ]
                lines.extend(f"    · {reason}" for reason in item.reasons)
                yield "\n".join(lines)


def inherited_note(catalog: Catalog, binding: Binding, outcome: CaseOutcome) -> str:
    """For an inherited case that fails: the derived year's rule changes that touch what the case states."""
    from ._rulesdiff import diff_plans

    case, plan = outcome.case, outcome.plan
    base = binding.inherited_from or ""
    changes = diff_plans(catalog.plan(base, case.category), plan)
    whole = case.total is not None or bool(case.sections)
    codes: set[str] = set()
    names: set[str] = set()
    for ip in plan.indicators:
        if whole or ip.node.code in case.indicators:
            names |= ip.fixtures
            cursor: str | None = ip.node.code
            while cursor is not None and cursor in plan.nodes:
                codes.add(cursor)
                cursor = plan.nodes[cursor].parent
    codes |= set(case.indicators)
    # A veto of either year whose targets hold a code the case states (one removed, replaced or retargeted zeroes other points).
    codes |= {v.code for v in (*catalog.plan(base, case.category).vetoes, *plan.vetoes) if whole or v.leaves & codes}
    # Titles and citations do not change points; the note lists what can.
    changes = [c for c in changes if c.kind not in ("title", "section-title", "citation", "section-citation", "methods")]
    relevant = [
        c
        for c in changes
        if c.subject in codes
        or (c.kind.startswith("parameter") and c.subject in names)
        or (whole and (c.kind.startswith("section") or c.kind.startswith("node-")))
    ]
    head = _("inherited from {0}: ").format(base)
    if not relevant:
        return head + _("none of {0}'s rule changes touches what this case states").format(plan.ruleset.name)
    lines = [head + _("{0} changes what this case states:").format(plan.ruleset.name)]
    none = _("(none)")
    lines.extend(f"    {c.kind} {c.subject}: {c.before or none} → {c.after or none}" for c in relevant)
    return "\n".join(lines)
