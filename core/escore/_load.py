"""Loading evidence: unit files and monitoring tables, checked against the plan's schema.

An evidence directory holds::

    escore-evidence.toml      optional: [evidence] synthetic = true, note = "..."
    units/<UNIT-CODE>.toml    one file per unit, the fields as dotted tables
    fields/<category>.csv     or .parquet: a row per unit, a column per field (``escore._columnar``)
    monitoring/<table>.csv    one row per event, a `unit` column first (or .parquet)

Every value is converted to its declared type here, once; a bad value stops the
run with one line naming the file, the key and what was expected.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._collect import Plan, ruleset_chain
from ._errors import EscoreError, InputError, did_you_mean, misspelt_column, misspelt_column_problem, unnamed_column, warn
from ._evidence import Table, missing_column
from ._evidence_set import EvidenceSet
from ._fieldvalues import FieldValues
from ._files import not_a_file
from ._i18n import N_
from ._i18n import gettext as _
from ._model import EvidenceLoader, Listed
from ._parallel import default_jobs
from ._schema import (
    EvidenceSchema,
    check_dates,
    check_row,
    check_unit,
    collect_ignored,
    evidence_source,
    ignore_retired,
    ignore_retired_unit,
    other_ruleset_field,
    schema_of,
    sub_units_with_rows,
    units_to_check,
    warn_dates_off_year,
    warn_repeated_rows,
    warn_rows_before_year,
)
from ._text import escape, show
from ._toml import check_keys, read_toml

if TYPE_CHECKING:
    from ._evidence_cache import CachedEvidence

#: Monitoring tables of an evidence path worth reading in a second process from this many bytes
#: (about 100,000 rows): below, the process and the results' way back cost more than they save.
AHEAD_FROM_BYTES = 4 << 20

#: A table not read ahead: read where its turn comes, as always.
_NOT_AHEAD: Any = object()

MANIFEST = "escore-evidence.toml"


def _flatten(data: Mapping[str, Any], graded: set[str], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in graded:
            yield from _flatten(value, graded, dotted + ".")
        else:
            yield dotted, value


def parse_unit_fields(
    data: Mapping[str, Any],
    plan: Plan,
    where: str,
    target: dict[str, Any],
    *,
    also: str = "",
    replace: bool = False,
    schema: EvidenceSchema | None = None,
    origins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Check and convert one unit's nested evidence mapping into ``target`` (fixture name → value)."""
    schema = schema or schema_of(plan)
    by_key = schema.by_key
    for key, raw in _flatten(data, schema.graded):
        found = by_key.get(key)
        if found is None:
            if key in schema.retired:
                ignore_retired(schema, key, where)
                continue
            if key in schema.all_fields:
                raise InputError(where, key, _("this field is not read by category '{0}'").format(schema.category))
            elsewhere = other_ruleset_field(schema.ruleset, schema.other_fields, key)
            if elsewhere is not None:
                raise InputError(where, key, elsewhere)
            hint = did_you_mean(key, by_key)
            raise InputError(where, key, _("unknown evidence key"), hint=hint)
        spec, name = found
        if name in target and not replace:
            first = origins.get(key) if origins is not None else None  # a workbook's cell, where it was one
            raise InputError(where, key, _("given twice (also in {0})").format(first or also or _("another file")))
        target[name] = spec.parse(raw, where, key)
        if origins is not None:
            origins[key] = where
    return target


def parse_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], spec: Table, where: str, *, from_text: bool) -> Iterator[tuple[str, Any]]:
    """Check and convert table rows; yields ``(unit code, row)``."""
    columns = {c.name: c for c in spec.columns}
    checks = [c for c in spec.columns if c.at_most or c.at_least or c.max_by or c.after_year]
    make = spec.row_type
    # A column's texts repeat (dates, categories, true/false): converting is a pure function of
    # the text, so each distinct text is converted once per column. Header checks run once per header.
    memos: list[tuple[str, Any, dict[str, Any]]] = [(name, col, {}) for name, col in columns.items()]
    header: tuple[str, ...] = ()
    for line, row in rows:
        names = tuple(row)
        if names != header:
            for position, name in enumerate(names, 1):
                if name == "" and "" not in columns:  # a separator at the end of every line (a spreadsheet's export)
                    raise unnamed_column(f"{where}:{line}", position)
                if name != "unit" and name not in columns:
                    raise InputError(
                        f"{where}:{line}",
                        name,
                        _("unknown column"),
                        hint=did_you_mean(name, columns) or _("expected: unit, {0}").format(", ".join(columns)),
                    )
            header = names
        code = row.get("unit") or ""
        parsed: list[Any] = []
        for name, col, memo in memos:
            raw = row.get(name)
            if raw is None or raw == "":
                if col.required:
                    raise InputError(f"{where}:{line}", name, _("expected {0}, got an empty cell").format(col.expected()))
                parsed.append(None)
            elif raw.__class__ is str:
                value = memo.get(raw, memo)
                if value is memo:
                    value = memo[raw] = col.parse(raw, f"{where}:{line}", name, from_text=from_text)
                parsed.append(value)
            else:
                parsed.append(col.parse(raw, f"{where}:{line}", name, from_text=from_text))
        if checks:
            check_row(checks, dict(zip(columns, parsed)), f"{where}:{line}")
        yield code, make(code, line, *parsed)


def _read_manifest(directory: Path, plan: Plan) -> tuple[bool, str]:
    path = directory / MANIFEST
    if not path.exists():
        return False, ""
    data = read_toml(path)
    check_keys(data, ("evidence",), str(path))
    head = data.get("evidence", {})
    if not isinstance(head, dict):
        raise InputError(str(path), "evidence", _("expected a table [evidence]"))
    check_keys(head, ("synthetic", "note", "ruleset"), str(path), "evidence.")
    synthetic = head.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(str(path), "evidence.synthetic", _("expected true or false, got {0}").format(show(synthetic)))
    note = head.get("note", "")
    if not isinstance(note, str):
        raise InputError(str(path), "evidence.note", _("expected text, got {0}").format(show(note)))
    if "ruleset" in head:
        _check_ruleset_label(head["ruleset"], str(path), plan)
    return synthetic, note


def _check_ruleset_label(label: Any, where: str, plan: Plan) -> None:
    """The ruleset an evidence directory says it was collected for: text, and the run's year,
    else a warning: evidence of a year the run extends is read as the run's (a later year scores
    last year's evidence, as ``diff --ruleset`` does, and as a workbook of that year is read),
    evidence of another scheme is scored as given; neither without a word."""
    if not isinstance(label, str) or not label.strip():
        raise InputError(where, "evidence.ruleset", _("expected the name of the ruleset the evidence is for, got {0}").format(show(label)))
    if label == plan.ruleset.name:
        return
    if label in ruleset_chain(plan):
        warn(
            _("{0}: evidence.ruleset: this evidence is for ruleset '{1}', which '{2}' extends; its values are read as {2}'s").format(
                where, label, plan.ruleset.name
            )
        )
        return
    import warnings

    from ._errors import OtherRulesetWarning

    message = _("{0}: evidence.ruleset: this evidence is for ruleset '{1}', the run is for '{2}'; scored as given").format(
        where, label, plan.ruleset.name
    )
    warnings.warn(message, OtherRulesetWarning, stacklevel=2)


class OtherUnits:
    """The ruleset's units as the evidence reader asks about a monitoring row of a unit it does
    not score: the unit's category, and whether that category's plan reads the table.

    A row of such a unit is kept for its own category's use, or for the roll-up of its parent,
    and skipped by this run; a row that no category's plan would read for it is refused (a
    provincial department's code typed into a table only cities are scored from had lost its
    deduction without a word). Nothing is computed until a row of a unit not scored asks: a
    category's plan costs a few milliseconds, and a run whose tables hold only its own units'
    rows asks nothing.

    ``category``: the run's; ``subunits``: the category whose units roll up into its units (a
    city's counties), if any; ``category_of``: every pack roster's code → category (a units
    table's codes are the run's category); ``tables_of``: the monitoring tables a category's plan
    reads; ``categories``: the ruleset's other categories; ``titles``: each category's title by
    its key (the pack's 省直单位 for provincial), by which messages name a category.
    """

    def __init__(
        self,
        category: str,
        subunits: str | None,
        category_of: Callable[[], Mapping[str, str]],
        tables_of: Callable[[str], Iterable[str]],
        categories: Iterable[str],
        titles: Mapping[str, str] | None = None,
    ) -> None:
        self.category, self.subunits = category, subunits
        self.titles = dict(titles or {})
        self._all_categories = category_of
        self._category_of: Mapping[str, str] | None = None
        self._tables_of = tables_of
        self._tables: dict[str, frozenset[str]] = {}
        self.categories = tuple(categories)

    def _categories(self) -> Mapping[str, str]:
        if self._category_of is None:
            self._category_of = self._all_categories()
        return self._category_of

    def title(self, category: str) -> str:
        """How a message names ``category``: its title, else its key."""
        return self.titles.get(category) or category

    def category_of(self, code: str) -> str:
        """The category of a known unit code (a code no pack roster lists is a units table's: the run's)."""
        return self._categories().get(code, self.category)

    def accepted(self, table: Table, codes: Collection[str]) -> bool:
        """Whether every row of the known units ``codes``, none of them scored here, is right in
        ``table`` (:meth:`problem`). Many codes (a run of a few units of a large units table) are
        checked through the packs' few: a code no pack roster lists is the run's category's."""
        category_of = self._categories()
        if len(codes) > len(category_of):
            codes = [code for code in category_of if code in codes]
        return not any(self.problem(table, code) for code in codes)

    def field_row_problem(self, code: str) -> str | None:
        """Why a fields table of the run's category (``fields/city.csv``) cannot hold a row of the
        known unit ``code``, not scored here: a unit of another category, whose fields no
        category reads there; ``None`` for a unit of the run's category."""
        category = self.category_of(code)
        if category == self.category:
            return None
        return _("'{0}' is a unit of {1}; the fields table of {2} holds its own units' fields only").format(
            escape(code), self.title(category), self.title(self.category)
        )

    def fields_accepted(self, codes: Collection[str]) -> bool:
        """Whether every one of the known units ``codes`` (none scored here) may have a row in a
        fields table of the run's category (:meth:`field_row_problem`), the many through the packs' few."""
        category_of = self._categories()
        if len(codes) > len(category_of):
            codes = [code for code in category_of if code in codes]
        return not any(self.field_row_problem(code) for code in codes)

    def reads(self, category: str, table: str) -> bool:
        """Whether ``category``'s plan reads the monitoring table ``table``."""
        found = self._tables.get(category)
        if found is None:
            found = self._tables[category] = frozenset(self._tables_of(category))
        return table in found

    def problem(self, table: Table, code: str) -> tuple[str, str] | None:
        """Why a row of the known unit ``code``, not scored here, cannot be in ``table``: what was
        expected and a hint; ``None`` when the row is right (a unit of the run's category, a
        sub-unit's row of a roll-up table, a unit whose category reads the table)."""
        category = self.category_of(code)
        if category == self.category or (table.rollup and category == self.subunits) or self.reads(category, table.name):
            return None
        readers = [self.category, *(key for key in self.categories if key != self.category and self.reads(key, table.name))]
        expected = _("'{0}' is a unit of {1}; {2} is read for units of {3} only").format(
            escape(code), self.title(category), table.name, _(", ").join(map(self.title, readers))
        )
        hint = ""
        if category == self.subunits:
            hint = _(
                "rows of units of {0} count for their parent unit of {1} in roll-up tables only; record this one under the parent's code"
            ).format(self.title(category), self.title(self.category))
        elif table.rollup and self.subunits:
            hint = _("rows of units of {0} there count for their parent unit of {1}").format(
                self.title(self.subunits), self.title(self.category)
            )
        return expected, hint


def load_evidence(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: Iterable[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: Iterable[str] = (),
    categories: Iterable[str] = (),
    *,
    jobs: int | None = None,
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> EvidenceSet:
    """Read and check every evidence file under ``paths`` for the units ``unit_codes``.

    ``known_codes`` are all unit codes of the ruleset: files of units of other
    categories are skipped, an unknown code is an error. Monitoring rows of the
    sub-units ``sub_codes`` are kept too (for roll-ups); their unit files belong to
    their own category and are not read. ``categories`` are the ruleset's other categories,
    whose tables under ``fields/`` are skipped (any other name there is an error).
    ``jobs``: processes the reading may take (default: as a run's first pass, from 1,000 units);
    large monitoring tables are then read by columns in a second process while this one reads
    the fields and the other tables (:class:`_TablesAhead`).

    A checked result is kept in the cache of ``escore._evidence_cache``, keyed by everything it
    depends on (the bytes of every file, the plan's evidence types, the unit codes);
    the same evidence read again is decoded instead of parsed and checked again.

    ``names``: each unit as the roster lists it (name, parent), checked against the name and
    parent a workbook's rows give beside their codes (a column sorted alone, a parent typed
    where only the roster decides); given, they are part of the key.

    ``others``: the ruleset's units of other categories (:class:`OtherUnits`), by which a monitoring
    row of a known unit not scored here is checked; without it such a row is skipped unchecked
    (a set read so is kept under a key of its own).
    """
    unit_codes, known_codes, sub_codes = sorted(unit_codes), sorted(known_codes), sorted(sub_codes)
    from . import _evidence_cache

    key = _evidence_key(paths, plan, unit_codes, known_codes, loaders, sub_codes, names, others)
    result = _evidence_cache.load_evidence_set(key, plan) if key is not None else None
    if result is None:
        import warnings

        from ._errors import EscoreWarning, OtherRulesetWarning

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", EscoreWarning)
                result = _load_evidence(
                    paths, plan, unit_codes, known_codes, loaders, sub_codes, categories, jobs=jobs, names=names, others=others
                )
        except EscoreError:
            # Evidence labelled for another ruleset is likely why it does not read (a later year's
            # field): the label is said before the error.
            for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, OtherRulesetWarning)):
                warn(message)
            raise
        theirs = [w for w in caught if not issubclass(w.category, EscoreWarning)]
        for w in theirs:  # not ours: let them through as they were
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        mine = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, EscoreWarning)))
        result = attrs.evolve(result, warnings=mine)
        # Kept under the key of what was read: evidence changed while it was read (a file saved
        # meanwhile) is not kept, or its units would come back for the earlier bytes.
        if key is not None and _evidence_key(paths, plan, unit_codes, known_codes, loaders, sub_codes, names, others) == key:
            if _takes_two(jobs, len(unit_codes)):
                _evidence_cache.save_evidence_set_aside(key, result)  # while the units are scored
            else:
                _evidence_cache.save_evidence_set(key, result)
    for message in result.warnings:
        warn(message)
    return result


def defer_evidence(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: Iterable[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: Iterable[str] = (),
    categories: Iterable[str] = (),
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> tuple[EvidenceSet, DeferredEvidence] | None:
    """What :func:`load_evidence` returns but the fields and rows, when the checked set is in the
    cache, and the set itself to decode later, a share of units at a time; else ``None`` (the
    evidence is then loaded whole). The set's warnings are shown now, as loading shows them."""
    # The known codes are not sorted: the key takes them in any order, and a parse sorts them.
    unit_codes, known_codes, sub_codes = sorted(unit_codes), list(known_codes), sorted(sub_codes)
    from . import _evidence_cache

    key = _evidence_key(paths, plan, unit_codes, known_codes, loaders, sub_codes, names, others)
    if key is None:
        return None
    cached = _evidence_cache.open_evidence_set(key)
    if cached is None:
        return None
    head = cached.load(plan, head_only=True)
    if head is None:
        cached.close()
        return None
    for message in head.warnings:
        warn(message)

    def parse() -> EvidenceSet:  # the cache entry went away meanwhile: read the evidence again
        import warnings

        # Other processes may have decoded their share already: the evidence read now must be
        # the very evidence of the key, or the run would mix two versions of it.
        if _evidence_key(paths, plan, unit_codes, known_codes, loaders, sub_codes, names, others) != key:
            where = ", ".join(map(str, paths))
            raise InputError(where, "", _("the evidence changed while it was being scored; run the command again"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shown already, from the cached set
            return load_evidence(paths, plan, unit_codes, known_codes, loaders, sub_codes, categories, names=names, others=others)

    return head, DeferredEvidence(cached, plan, parse)


class DeferredEvidence:
    """A checked evidence set in the cache, decoded for the units that are scored.

    Each process of a run's first pass decodes the share of units it scores (a record of the
    cache holds up to 512 units), and nothing else: loading is shared over the processors as
    scoring is. The detail of JSON and TOML is decoded again a block of records at a time
    (escore._builtin_formats.unit_texts); the whole set is decoded once, only when a run's
    detail is read in rank order otherwise (a plugin's format, a hook). All of it is
    read from the cache file opened when the run began (each record checked as it is read): the
    set of the run's key, whatever replaces the file meanwhile.
    """

    def __init__(self, cached: CachedEvidence, plan: Plan, parse: Callable[[], EvidenceSet]) -> None:
        self._cached, self._plan, self._parse = cached, plan, parse
        self._whole: EvidenceSet | None = None

    def part(self, codes: Iterable[str]) -> EvidenceSet:
        """The fields and rows of at least the units ``codes`` (sub-units included by the caller)."""
        if self._whole is not None:
            return self._whole
        found = self._cached.load(self._plan, set(codes))
        return found if found is not None else self.whole()

    def read_of(self, head: EvidenceSet, codes: Sequence[str], children: Mapping[str, Sequence[Any]]) -> EvidenceSet:
        """Exactly what a read of the units ``codes`` gives, decoded from their records (and
        their sub-units', ``children``), on the set's ``head`` (:func:`defer_evidence`): their
        values and their and their sub-units' rows, not those of the records' other units (an
        accepted appeal of another unit of a record must not be applied, nor reported as
        applied, to a run of these)."""
        found = self.part([*codes, *(child.code for code in codes for child in children.get(code, ()))])
        part = found.part(codes, children)
        return attrs.evolve(head, values=part.values, tables=part.tables)

    def close(self) -> None:
        """Read no more of the cached set (what was decoded stays decoded)."""
        self._cached.close()

    def whole(self) -> EvidenceSet:
        if self._whole is None:
            found = self._cached.load(self._plan)
            self._whole = found if found is not None else self._parse()
            self._cached.close()  # all is decoded: the file is no longer read
        return self._whole


def workbook_among(paths: Sequence[Path], loaders: Mapping[str, EvidenceLoader]) -> bool:
    """Whether one of ``paths`` is a workbook (``BOOK.XLSX`` too): its rows name their units
    beside the codes, which a run checks against the roster's names (``names`` of
    :func:`load_evidence`)."""
    return any(p.is_file() and getattr(loaders.get(p.suffix.lower()), "kind", "") == "workbook" for p in paths)


def _evidence_key(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: list[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: list[str],
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> str | None:
    """The cache key of the checked evidence set (unit and sub-unit codes sorted, known codes in
    any order, the units' names when they are checked, and whether the rows of units not scored
    were checked: ``others``), or ``None`` when it cannot be cached. What the check of those rows
    asks of the other categories' plans is in the packs' digest (every pack whose fixtures the
    plan holds, escore._cache.pack_digest)."""
    from . import _evidence_cache
    from ._builtin_loaders import BUILTIN_READERS

    # Only what escore's own loaders read is cached: a plugin's loader may read more than the
    # file's bytes (or read them differently from one version to the next).
    if any((loader.suffix, loader.read) not in BUILTIN_READERS for loader in loaders.values()):
        return None
    key = _evidence_cache.evidence_key(paths, plan, unit_codes, known_codes, sub_codes)
    if key is not None and names is not None:
        from ._cache import blake2b

        key += "-" + blake2b(repr(sorted(names.items())).encode(), digest_size=10).hexdigest()
    return None if key is None else key + "-" + _declarations_digest(plan) + ("" if others is None else "-o")


def _declarations_digest(plan: Plan) -> str:
    """A digest of every evidence declaration in full (types, ranges, constraints): a checked
    set is reused only under the very constraints it was checked against."""
    from ._cache import blake2b

    text = repr(([(f, f.fixture_name) for f in plan.fields], list(plan.tables), plan.category.key, plan.retired_fields, plan.retired_units))
    return blake2b(text.encode(), digest_size=10).hexdigest()


def _takes_two(jobs: int | None, units: int) -> bool:
    """Whether a reading of ``units`` units may take a second process: ``jobs`` (``--jobs``), or
    by default as a run's first pass (escore._parallel.default_jobs, from 1,000 units)."""
    if jobs is None:
        jobs = default_jobs(units)
    return jobs > 1


def _load_evidence(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: Iterable[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: Iterable[str],
    categories: Iterable[str] = (),
    *,
    jobs: int | None = None,
    names: Mapping[str, Listed] | None = None,
    others: OtherUnits | None = None,
) -> EvidenceSet:
    reading = _Reading(plan, unit_codes, known_codes, loaders, sub_codes, categories, jobs=jobs, names=names, others=others)
    with collect_ignored():  # a retired field's values, a dropped unit's evidence: one warning each, naming their files
        for root in paths:
            reading.read_path(root)
    return reading.result(paths)


class _Reading:
    """The evidence of one run as its paths are read, in order: each unit's fields (and the file
    each came from), each table's rows (and where each row came from), the manifests' notes."""

    def __init__(
        self,
        plan: Plan,
        unit_codes: Iterable[str],
        known_codes: Iterable[str],
        loaders: Mapping[str, EvidenceLoader],
        sub_codes: Iterable[str],
        categories: Iterable[str],
        *,
        jobs: int | None = None,
        names: Mapping[str, Listed] | None = None,
        others: OtherUnits | None = None,
    ) -> None:
        self.plan = plan
        self.names = names
        self.others = others
        self.loaders = loaders
        self.categories = categories
        self.jobs = jobs
        # One string object per unit code, however many rows name it (100k units, a million rows).
        self.wanted = {code: code for code in unit_codes}
        self.known = set(known_codes)
        self.schema = schema_of(plan)
        sub_codes = list(sub_codes)
        self.with_rows = {**self.wanted, **{code: code for code in sub_codes}}
        # Sub-units read with the units (for roll-ups) whose rows of a table that does not roll
        # up are checked as another category's (none when rows are not checked).
        self.sub_only = frozenset(code for code in sub_codes if code not in self.wanted) if others is not None else frozenset()
        self.tables_by_name: dict[str, Table] = {t.name: t for t in plan.tables}
        self.all_tables = {d.table.name: d.table for d in plan.fixtures.values() if d.table is not None}
        # Compact per unit (one tuple each): loaders fill a unit's dict, then it is packed.
        self.values = FieldValues(sorted(self.wanted))
        self.origins: dict[str, dict[str, str]] = {}  # unit → field key → file, for units given in several files
        # Where a row came from, for errors: the first file of each table, and id(row) → file only
        # for the rows of a table's later files (a million rows need no million entries).
        self.table_files_seen: dict[str, str] = {}
        self.row_files: dict[int, str] = {}
        # Line numbers as one int object each, shared by every table's rows: a million rows of six
        # tables held six ints per line number (32 bytes each), 45 MB at 100k county units.
        self.line_numbers: list[int] = []
        self.files: dict[str, str] = {}
        self.rows: dict[str, dict[str, list[Any]]] = {}
        # A table whose every file was read by columns (CSV, Parquet): each file and its columns,
        # kept as columns until the set is made (their rows go to ``rows`` if a file of the table
        # is read row by row, or a workbook is read).
        self.columns: dict[str, list[tuple[str, TableColumns]]] = {}
        self.synthetic = False
        self.notes: list[str] = []
        self.idle: list[str] = []  # paths that held nothing for these units, with what was skipped

    def read_path(self, root: Path) -> None:
        """One evidence path: a workbook, a unit file, or a directory of unit files, fields tables
        and monitoring tables (with its manifest)."""
        book_loader = self.loaders.get(root.suffix.lower()) if root.is_file() else None  # BOOK.XLSX too (workbook_among)
        if book_loader is not None and book_loader.kind == "workbook":
            self._read_workbook(root, book_loader)
            return
        unit_files, columnar, table_files = self._listing(root)
        if root.is_dir():
            is_synthetic, note = _read_manifest(root, self.plan)
            self.synthetic = self.synthetic or is_synthetic
            if note and note not in self.notes:
                self.notes.append(note)
        from ._columnar import read_field_table, table_loader

        skipped: list[str] = []
        ahead = self._tables_ahead(table_files)
        try:
            read = sum(self._read_unit_file(path, root, skipped) for path in unit_files)
            for path in columnar:
                with evidence_source(str(path)):
                    found = read_field_table(
                        path,
                        table_loader(path, self.loaders, N_("fields tables")),
                        self.schema,
                        self.wanted,
                        self.known,
                        self.values,
                        self.files,
                        self.origins,
                        others=self.others,
                    )
                read += bool(found)
            other_units = len(skipped)  # unit files of another category's units
            found_ahead = ahead.found() if ahead is not None else {}
            tables_read = [self._read_monitoring_table(path, skipped, found_ahead.get(path, _NOT_AHEAD)) for path in table_files]
        finally:
            if ahead is not None:
                ahead.close()
        # Tables with no row of a unit scored say "no events" for every unit, which is evidence,
        # unless the path's unit files were all another category's: then its tables are too
        # (a city run on the county folder had scored every city 0 from them, exit 0).
        read += tables_read.count(_ROWS_KEPT) + (0 if other_units and not read else tables_read.count(_NO_ROWS_KEPT))
        if not read:
            shown = ", ".join(skipped[:3]) + (_(" and {0} more").format(len(skipped) - 3) if len(skipped) > 3 else "")
            self.idle.append(
                f"{root}: "
                + _("no evidence for the {0} {1} unit(s) scored").format(len(self.wanted), self.schema.category)
                + (_("; skipped {0}").format(shown) if skipped else "")
            )

    def _read_workbook(self, root: Path, loader: EvidenceLoader) -> None:
        """A whole evidence set in one spreadsheet; every problem in it is reported at once."""
        from ._xlsx_evidence import read_evidence_book

        live = {code: self.values.writable(code) for code in self.values}  # a workbook (tens of units) reads and adds in place
        for name in list(self.columns):  # its rows come after those read before
            self._as_rows(name)
        with evidence_source(str(root)):
            book = read_evidence_book(
                root,
                loader,
                self.plan,
                self.wanted,
                self.known,
                self.with_rows,
                live,
                self.files,
                self.rows,
                schema=self.schema,
                origins=self.origins,
                row_files=self.row_files,
                table_files=self.table_files_seen,
                names=self.names,
                others=self.others,
            )
        self.synthetic = self.synthetic or book.synthetic
        self.notes.extend(note for note in book.notes if note not in self.notes)

    def _listing(self, root: Path) -> tuple[list[Path], list[Path], list[Path]]:
        """The unit files, fields tables and monitoring tables of an evidence path, each in order."""
        if root.is_file():
            return [root], [], []
        if not root.is_dir():
            raise InputError(str(root), "", _("evidence path not found") if not root.exists() else not_a_file(root))
        for sub in ("units", "monitoring"):
            if (root / sub).exists() and not (root / sub).is_dir():
                raise InputError(
                    str(root / sub),
                    "",
                    (
                        _("expected a directory of unit files, found a file")
                        if sub == "units"
                        else _("expected a directory of monitoring tables, found a file")
                    ),
                )
        # Hidden files (.DS_Store, editors' backups) are skipped here as beside units/.
        unit_files = sorted(p for p in (root / "units").glob("*") if not p.name.startswith(".")) if (root / "units").is_dir() else []
        table_files = (
            sorted(p for p in (root / "monitoring").glob("*") if not p.name.startswith(".")) if (root / "monitoring").is_dir() else []
        )
        # One file per table in a folder: a table converted to Parquet with its CSV left beside
        # it had counted every event twice.
        by_table: dict[str, Path] = {}
        for path in table_files:
            if path.is_dir():  # an old copy kept in a folder: its tables are not read, so not mistaken for these
                raise InputError(str(path), "", _("a directory inside monitoring/, which holds table files only; move it out"))
            loader = self.loaders.get(path.suffix)
            if loader is None or loader.kind != "table":
                continue
            if path.stem in by_table:
                raise InputError(
                    str(path),
                    "",
                    _("table {0} is given by {1} too, in the same folder: keep one file per table (both would count every row)").format(
                        path.stem, by_table[path.stem].name
                    ),
                )
            by_table[path.stem] = path
        unexpected = sorted(
            p.name for p in root.iterdir() if p.name not in ("units", "fields", "monitoring", MANIFEST) and not p.name.startswith(".")
        )
        if unexpected:
            raise InputError(
                str(root / unexpected[0]),
                "",
                _("unexpected entry in an evidence directory; expected units/, fields/, monitoring/ and {0}").format(MANIFEST),
            )
        from ._columnar import field_tables

        return unit_files, field_tables(root, self.schema.category, self.categories), table_files

    def _read_unit_file(self, path: Path, root: Path, skipped: list[str]) -> bool:
        """One unit file into its unit's fields; a unit of another category of the ruleset is
        skipped (named in ``skipped``), an unknown code refused. Whether it was read."""
        loader = self.loaders.get(path.suffix)
        if loader is None or loader.kind != "unit":
            raise InputError(
                str(path),
                "",
                _("no evidence loader for '{0}' unit files; known: {1}; workbooks: {2}").format(
                    path.suffix,
                    ", ".join(s for s, reader in sorted(self.loaders.items()) if reader.kind == "unit"),
                    ", ".join(s for s, reader in sorted(self.loaders.items()) if reader.kind == "workbook") or "-",
                ),
            )
        code = path.stem
        if code not in self.wanted:
            if code in self.known and root.is_file():
                raise InputError(
                    str(path),
                    "",
                    _("this is the unit file of '{0}', which is not among the {1} units scored here").format(code, self.schema.category),
                )
            if code in self.known:
                skipped.append(path.name)
                return False
            if ignore_retired_unit(self.schema, code, str(path)):
                return False
            hint = did_you_mean(code, self.known)
            raise InputError(str(path), "", _("unknown unit code '{0}' (the file name must be a unit code)").format(code), hint=hint)
        files = self.files
        parse_unit_fields(
            loader.read(path),
            self.plan,
            str(path),
            self.values.writable(code),
            also=files.get(code, ""),
            schema=self.schema,
            origins=self.origins.setdefault(code, {}),
        )
        self.values.pack(code)
        files[code] = str(path) if code not in files else f"{files[code]} + {path}"
        return True

    def _tables_ahead(self, table_files: list[Path]) -> _TablesAhead | None:
        """The monitoring tables of a path to read by columns ahead, in a second process and here,
        when they are large enough to pay for it and the run may take two (``jobs``)."""
        if not _takes_two(self.jobs, len(self.wanted)):
            return None
        from ._builtin_loaders import read_csv

        sizes: dict[Path, int] = {}
        for path in table_files:
            loader = self.loaders.get(path.suffix)
            # CSV tables only: pyarrow's thread pools do not survive a fork (a Parquet or Arrow
            # table is read in its turn, as before).
            if loader is None or loader.kind != "table" or loader.read is not read_csv or path.stem not in self.tables_by_name:
                continue  # read in its turn, as any other
            with contextlib.suppress(OSError):
                if path.is_file():
                    sizes[path] = path.stat().st_size
        if sum(sizes.values()) < AHEAD_FROM_BYTES:
            return None
        # The other process takes the tables one at a time, the largest first, while this one
        # reads the fields; then this one takes those it has not started (escore._parallel.Ahead),
        # so that the two end about a table's time apart whatever the tables cost beside the
        # fields (a monitoring table costs about twice a fields table of its size).
        return _TablesAhead(self, sorted(sizes, key=sizes.__getitem__, reverse=True))

    def table_columns(self, path: Path) -> TableColumns | None:
        """A monitoring table read by columns on its own (:func:`_rows_by_columns`: ``None``
        when it is to be read row by row), to be taken in order later (:class:`_TablesAhead`).
        Raises at any warning, so that the table is read in order, where the warning is shown."""
        import warnings

        from ._builtin_loaders import read_parquet

        spec = self.tables_by_name[path.stem]
        typed = self.loaders[path.suffix].read is read_parquet
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = _rows_by_columns(path, spec, self.with_rows, self.known, [], typed=typed, others=self.others, subs=self._subs_of(spec))
        if caught:
            raise _ReadInOrder
        return found

    def _subs_of(self, spec: Table) -> frozenset[str]:
        """The sub-units whose rows of ``spec`` are checked as another category's: those of a
        table that does not roll up (a county's row of a table its city is scored from alone)."""
        return frozenset() if spec.rollup else self.sub_only

    def _read_monitoring_table(self, path: Path, skipped: list[str], ahead: Any = _NOT_AHEAD) -> int:
        """One monitoring table's rows of the units read; a table another category of the ruleset
        reads is skipped (named in ``skipped``), an unknown one refused. Whether it was read, and
        kept rows (:data:`_ROWS_KEPT`, :data:`_NO_ROWS_KEPT` or 0 for skipped).
        ``ahead``: the table read by columns already (:meth:`table_columns`), if it was."""
        loader = self.loaders.get(path.suffix)
        if loader is None or loader.kind != "table":
            raise InputError(str(path), "", _("no evidence loader for '{0}' monitoring tables").format(path.suffix))
        name = path.stem
        spec_table = self.tables_by_name.get(name)
        if spec_table is None:
            if name in self.all_tables:
                skipped.append(path.name)
                return 0  # read by another category of the ruleset
            hint = did_you_mean(name, self.all_tables)
            raise InputError(str(path), "", _("unknown monitoring table '{0}'").format(name), hint=hint)
        out = self.rows.setdefault(name, {})  # the tables in the order their first file is read
        later = self.table_files_seen.get(name)
        read: dict[str, list[Any]] = {}  # this file's rows, if read row by row
        found = _read_table(
            path,
            spec_table,
            loader,
            self.with_rows,
            self.known,
            read,
            self.row_files,
            self.table_files_seen,
            self.line_numbers,
            ahead,
            schema=self.schema,
            others=self.others,
            subs=self._subs_of(spec_table),
        )
        # A row of a unit scored, or of a sub-unit where its rows roll up (a sub-unit's rows of
        # another table are kept for its own category's use, not this one's).
        ours = self.with_rows if spec_table.rollup else self.wanted
        if found is not None:
            kept = _NO_ROWS_KEPT if ours.keys().isdisjoint(found[0]) else _ROWS_KEPT
        else:
            kept = _ROWS_KEPT if any(rows and code in ours for code, rows in read.items()) else _NO_ROWS_KEPT
        if found is not None and not out:  # every file of the table so far read by columns: kept so (escore._tablerows)
            self.columns.setdefault(name, []).append((str(path), found))
            return kept
        self._as_rows(name)  # the files read before, then this one
        if found is not None:
            add_rows(out, spec_table, found, self.row_files, None if later is None else str(path))
        for code, rows in read.items():
            out.setdefault(code, []).extend(rows)
        return kept

    def _as_rows(self, name: str) -> None:
        """The rows of the table's files kept as columns, added to ``rows`` (each row of a file
        but the table's first known by its file, for errors)."""
        first = self.table_files_seen.get(name)
        for where, found in self.columns.pop(name, ()):
            add_rows(self.rows[name], self.tables_by_name[name], found, self.row_files, None if where == first else where)

    def result(self, paths: Sequence[Path]) -> EvidenceSet:
        """The checked evidence set: refused when no path held anything for these units, each
        idle path warned about, every unit's values checked against each other (READING 15)."""
        idle = self.idle
        if idle and len(idle) == len(paths):
            raise InputError(
                idle[0].partition(": ")[0],
                "",
                idle[0].partition(": ")[2] + _(" (are these the evidence files of other units, or of another category?)"),
            )
        for message in idle:
            warn(message)
        from ._tablerows import TableRows

        tables: dict[str, Mapping[str, tuple[Any, ...]]] = {}
        rows = self.rows
        for name in list(rows):  # one table's lists at a time become tuples (no second copy of every row)
            by_unit = rows.pop(name)
            pieces = self.columns.pop(name, None)
            if pieces is not None:  # every file read by columns, and so kept
                tables[name] = _table_rows(self.tables_by_name[name], pieces)
                continue
            tables[name] = {code: tuple(by_unit.pop(code)) for code in list(by_unit)}
        values, files, origins = self.values, self.files, self.origins
        values.pack_all()
        row_files, table_files_seen = self.row_files, self.table_files_seen

        def row_file(name: str, row: Any, position: int) -> str:
            by_unit = tables.get(name)
            kept = by_unit.file_of(row.unit, position) if isinstance(by_unit, TableRows) else None
            return f"{kept or row_files.get(id(row)) or table_files_seen.get(name, 'monitoring/' + name + '.csv')}:{row.line}"

        codes = sorted(self.wanted)  # once, for every check below
        for code in units_to_check(self.schema, codes, values, tables):
            check_unit(self.schema, code, values[code], tables, functools.partial(_field_file, origins, files, code), row_file)
        for code in sub_units_with_rows(self.schema, tables, self.wanted):  # rows rolled up to a unit scored here
            check_unit(self.schema, code, None, tables, functools.partial(_field_file, origins, files, code), row_file)
        check_dates(
            ", ".join(map(str, paths)),
            self.schema,
            codes,
            values,
            tables,
            functools.partial(_field_file, origins, files),
            row_file,
        )
        warn_repeated_rows(tables, row_file)
        warn_dates_off_year(self.schema, codes, values, functools.partial(_field_file, origins, files))
        warn_rows_before_year(self.schema, tables, row_file, self.wanted)
        return EvidenceSet(values, tables, files, self.synthetic, tuple(self.notes), tuple(str(p) for p in paths))


#: A monitoring table read by columns: each row's unit code, line number, and a list per column
#: of the table (``spec.columns``) of its cells as :func:`parse_rows` makes them.
TableColumns = tuple[list[str], list[Any], list[list[Any]]]


#: What :meth:`_Reading._read_monitoring_table` found: rows of a unit read, or none of them.
_ROWS_KEPT, _NO_ROWS_KEPT = 2, 1


class _ReadInOrder(Exception):
    """A table read ahead showed a warning: it is read again in its turn, where the warning is shown."""


class _TablesAhead:
    """Monitoring tables read by columns before their turn: in a second process
    (:class:`escore._parallel.Ahead`), started at once, and here those it has not started once
    the fields are read.

    Reading a table by columns is a pure function of its file (and of the units wanted), so a
    table may be read ahead and taken in its turn: what it gives is what its turn would have
    read. A table that raised, showed a warning or did not come back is read in its turn as
    before, and so names its problem there (the first in the order of the files).
    """

    def __init__(self, reading: _Reading, tables: list[Path]) -> None:
        from ._parallel import Ahead

        self._reading, self._tables = reading, tables
        self._ahead = Ahead(reading.table_columns, tables)

    def found(self) -> dict[Path, TableColumns | None]:
        """Each table read ahead: by columns, or ``None`` (to be read row by row)."""
        out: dict[Path, TableColumns | None] = {}
        for index in self._ahead.claim():  # those the other process has not started: read here
            with contextlib.suppress(Exception):  # else read in its turn, which names the problem
                out[self._tables[index]] = self._reading.table_columns(self._tables[index])
        for index, found in self._ahead.results().items():
            out[self._tables[index]] = found
        return out

    def close(self) -> None:
        self._ahead.close()


def _rows_by_columns(
    path: Path,
    spec: Table,
    wanted: Mapping[str, str],
    known: set[str],
    line_numbers: list[int],
    *,
    typed: bool = False,
    others: OtherUnits | None = None,
    subs: frozenset[str] = frozenset(),
) -> TableColumns | None:
    """The rows of a CSV monitoring table (``typed``: a Parquet or Arrow one) read by columns
    (:data:`TableColumns`), or ``None`` at the least doubt: a malformed file, an unknown unit or
    column, a row of a unit not scored that ``others`` refuses (one of ``subs`` among those
    kept), a missing or empty required cell, a value that does not convert, a broken
    constraint between columns. The rows are then read one by one, which raises the first
    problem in line order with its exact message; here, each distinct value of a column is
    converted once, in C-level passes (76,000 rows: no mapping per row), and the cells stay in
    columns (escore._tablerows).
    """
    from ._builtin_loaders import read_csv_columns
    from ._columnar import ReadRowByRow, arrow_chunks, converted, typed_converted, wanted_chunks
    from ._errors import EscoreError

    where = str(path)
    columns = {c.name: c for c in spec.columns}
    made: dict[str, dict[Any, Any]] = {name: {} for name in columns}  # per column: text → value, across the chunks
    chunks_of, convert = (arrow_chunks, typed_converted) if typed else (wanted_chunks, converted)
    all_owners: list[str] = []
    all_lines: list[Any] = []
    cells: list[list[Any]] = [[] for _ in columns]

    def usable(names: list[str]) -> bool:  # a unit column, known columns, every required one
        return "unit" in names and set(names) - {"unit"} <= set(columns) and all(n in names for n in columns)

    def accepted(codes: Collection[str]) -> bool:  # rows of units not scored, each a row its unit's category reads
        return others is None or others.accepted(spec, codes)

    chunks = 0
    try:
        # A chunk at a time: the cells are strings until converted, several times the memory
        # of the rows they become (a table of a million events read whole).
        for _header, owners, lines, by_name in chunks_of(path, wanted, known, usable, accepted):
            chunks += 1
            lines = _shared_lines(lines, line_numbers)
            values: list[list[Any]] = []
            for name, col in columns.items():
                column = by_name.get(name)
                if column is None:
                    values.append([None] * len(owners))
                    continue
                if col.required and ("" in column or None in column):
                    return None
                values.append(convert(column, functools.partial(col.parse, where=where, key=name, from_text=True), made[name]))
            if not _within_bounds(spec, values):
                return None
            all_owners += owners
            all_lines += lines
            for kept, column in zip(cells, values):
                kept += column
    except (EscoreError, ReadRowByRow):
        return None
    if subs and not accepted(subs.intersection(all_owners)):
        return None
    if not chunks and not typed:  # no rows: the header alone, checked as above (a typed table's is checked first)
        try:
            if not usable(read_csv_columns(path)[1]):
                return None
        except EscoreError:
            return None
    return all_owners, all_lines, cells


def _shared_lines(lines: list[Any], line_numbers: list[int]) -> list[Any]:
    """A table's line numbers as the one int object of each number that every table shares
    (:func:`escore._tablerows.shared_line_numbers`), else as they are."""
    from ._tablerows import shared_line_numbers

    shared = shared_line_numbers(lines, line_numbers)
    return lines if shared is None else shared


def _within_bounds(spec: Table, values: list[list[Any]]) -> bool:
    """Whether no row breaks a constraint between its columns (:func:`escore._schema.check_row`), checked a
    column pair at a time in C-level passes; a limit by kind (``max_by``) row by row."""
    import itertools
    import operator

    from ._errors import EscoreError

    column_of = dict(zip((c.name for c in spec.columns), values))
    checks = [c for c in spec.columns if c.at_most or c.at_least or c.max_by or c.after_year]
    try:
        for col in checks:
            if col.after_year:  # a date after the year its row names: compared as years
                days, years = column_of[col.name], column_of[col.after_year]
                given = [(day, year) for day, year in zip(days, years) if day is not None and year is not None]
                if any(day.year <= year for day, year in given):
                    return False
            if col.max_by:
                names = list(column_of)
                for parsed in zip(*values):
                    check_row([col], dict(zip(names, parsed)), "")
            for relation, broken in (("at_most", operator.gt), ("at_least", operator.lt)):
                other = getattr(col, relation)
                if not other:
                    continue
                value, bound = column_of[col.name], column_of[other]
                given = list(
                    map(
                        operator.and_,
                        map(operator.is_not, value, itertools.repeat(None)),
                        map(operator.is_not, bound, itertools.repeat(None)),
                    )
                )
                if any(map(broken, itertools.compress(value, given), itertools.compress(bound, given))):
                    return False
    except (EscoreError, TypeError):
        return False
    return True


def _field_file(origins: Mapping[str, Mapping[str, str]], files: Mapping[str, str], code: str, key: str) -> str:
    """Where a unit's field was given: a unit file records each key's file; a fields table row is
    the unit's own line (``files[code]``)."""
    return origins.get(code, {}).get(key) or files.get(code) or _("the evidence of {0}").format(code)


def _read_table(
    path: Path,
    spec: Table,
    loader: EvidenceLoader,
    wanted: Mapping[str, str],
    known: set[str],
    out: dict[str, list[Any]],
    row_files: dict[int, str],
    first_files: dict[str, str],
    line_numbers: list[int],
    ahead: Any = _NOT_AHEAD,
    *,
    schema: EvidenceSchema,
    others: OtherUnits | None = None,
    subs: frozenset[str] = frozenset(),
) -> TableColumns | None:
    """One monitoring table file: its rows as columns when the built-in CSV reader read it by
    columns (the caller keeps them so, or makes rows: :func:`add_rows`), else added to ``out``
    (unit code → rows) row by row, and ``None``. ``ahead``: what :meth:`_Reading.table_columns`
    gave for it (read by columns, or ``None``: row by row), unless :data:`_NOT_AHEAD`.
    ``others``: by which a row of a known unit not in ``wanted`` (or in ``subs``) is checked
    (:meth:`OtherUnits.problem`): a row no category reads for its unit is refused."""
    where = str(path)
    columns = {c.name: c for c in spec.columns}
    checked: list[bool] = []
    later = spec.name in first_files
    first_files.setdefault(spec.name, where)
    from ._builtin_loaders import read_csv, read_parquet
    from ._columnar import unit_cell

    if loader.read is read_csv or loader.read is read_parquet:  # the built-in readers: by columns, unless anything is amiss
        if ahead is _NOT_AHEAD:
            found = _rows_by_columns(path, spec, wanted, known, line_numbers, typed=loader.read is read_parquet, others=others, subs=subs)
        elif ahead is None:  # read ahead, with a doubt: row by row
            found = None
        else:  # read ahead, maybe in another process: each unit's own code string and one int per line number again
            owners, lines, cells = ahead
            found = list(map(wanted.__getitem__, owners)), _shared_lines(lines, line_numbers), cells
        if found is not None:
            return found

    def rows() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for line, row in loader.read(path):
            if not checked:
                checked.append(True)
                names = list(row)
                for name in ("unit", *columns):
                    if name not in names:  # an optional column is left empty, not out: a column left out was every row's value lost
                        typo = misspelt_column(name, names, ("unit", *columns))  # a column misspelt (details for detail)
                        if typo is not None:
                            raise InputError(where, name, misspelt_column_problem(typo, name))
                        if name == "unit":
                            raise InputError(where, "unit", _("missing column; the first column names the unit"))
                        raise InputError(where, name, missing_column(columns[name]))
            code = unit_cell(row, where, line)
            if code not in wanted:
                if code in known:
                    if others is not None:
                        _refuse_row(others, spec, code, f"{where}:{line}")
                    continue
                if ignore_retired_unit(schema, code, where, line):
                    continue
                raise InputError(
                    f"{where}:{line}", "unit", _("unknown unit code '{0}'").format(escape(code)), hint=did_you_mean(code, known)
                )
            if subs and code in subs and others is not None:
                _refuse_row(others, spec, code, f"{where}:{line}")
            if isinstance(row, dict):
                row["unit"] = wanted[code]  # the unit's own code string, not one copy per row
            if line.__class__ is int and line >= 0:
                if line >= len(line_numbers):
                    line_numbers.extend(range(len(line_numbers), line + 1))
                line = line_numbers[line]
            yield line, row

    for code, row in parse_rows(rows(), spec, where, from_text=True):
        out.setdefault(code, []).append(row)
        if later:
            row_files[id(row)] = where
    return None


def _refuse_row(others: OtherUnits, spec: Table, code: str, where: str) -> None:
    """Raise when a row of the unit ``code``, not scored here, is one no category reads for it (:meth:`OtherUnits.problem`)."""
    found = others.problem(spec, code)
    if found is not None:
        raise InputError(where, "unit", found[0], hint=found[1])


def _table_rows(spec: Table, pieces: list[tuple[str, TableColumns]]) -> Any:
    """The rows of a table read by columns from one or more files, kept as columns."""
    from ._tablerows import TableRows

    if len(pieces) == 1:
        ((where, found),) = pieces
        return TableRows(spec.row_type, *found, files=(where,))
    files = [where for where, _ in pieces]
    owners: list[str] = []
    lines: list[Any] = []
    cells: list[list[Any]] = [[] for _ in spec.columns]
    file_of_row: list[int] = []
    pieces.reverse()
    for number in range(len(files)):  # each file's columns dropped once copied: never two copies of the table
        _where, (part_owners, part_lines, part_cells) = pieces.pop()
        owners += part_owners
        lines += part_lines
        for kept, column in zip(cells, part_cells):
            kept += column
        file_of_row += [number] * len(part_owners)
        del part_owners, part_lines, part_cells
    return TableRows(spec.row_type, owners, lines, cells, files=files, file_of_row=file_of_row)


def add_rows(out: dict[str, list[Any]], spec: Table, found: TableColumns, row_files: dict[int, str], later: str | None) -> None:
    """The rows of a table read by columns added to ``out`` (unit code → rows) after those read
    before; ``later``: the file they come from, when it is not the table's first."""
    import itertools

    owners, lines, cells = found
    rows: list[Any] = list(map(tuple.__new__, itertools.repeat(spec.row_type), zip(owners, lines, *cells)))
    for code, row in zip(owners, rows):
        out.setdefault(code, []).append(row)
    if later:
        row_files.update(dict.fromkeys(map(id, rows), later))
