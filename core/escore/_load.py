"""Loading evidence: unit files and monitoring tables, checked against the plan's schema.

An evidence directory holds::

    escore-evidence.toml      optional: [evidence] synthetic = true, note = "..."
    units/<UNIT-CODE>.toml    one file per unit, the fields as dotted tables
    monitoring/<table>.csv    one row per event, a `unit` column first

Every value is converted to its declared type here, once; a bad value stops the
run with one line naming the file, the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ._collect import Plan
from ._errors import InputError, PackError, did_you_mean, warn
from ._evidence import Column, Field, Table, show
from ._model import EvidenceLoader
from ._toml import check_keys, read_toml

MANIFEST = "escore-evidence.toml"


@attrs.frozen
class EvidenceSet:
    """Typed evidence of the units of one run."""

    values: Mapping[str, dict[str, Any]]  # unit code → fixture name → value
    tables: Mapping[str, Mapping[str, tuple[Any, ...]]]  # table name → unit code → rows
    files: Mapping[str, str]  # unit code → where its fields came from
    synthetic: bool
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # shown on every run that uses the set, cached or not


def _flatten(data: Mapping[str, Any], graded: set[str], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in graded:
            yield from _flatten(value, graded, dotted + ".")
        else:
            yield dotted, value


class _Schema:
    """The fields of one plan, indexed once per load rather than once per unit file."""

    __slots__ = ("all_fields", "bounds", "by_key", "category", "graded", "tables")

    def __init__(self, plan: Plan) -> None:
        self.category = plan.category.key
        self.by_key = {f.key: (f.for_category(self.category), f.fixture_name) for f in plan.fields}
        self.all_fields = {d.field.key: d.field for d in plan.fixtures.values() if d.field is not None}
        self.graded = {key for key, f in self.all_fields.items() if f.type == "graded"}
        self.tables = {t.name: t for t in plan.tables}
        # (field, "at_most" | "at_least", bounding field): parts and wholes of one unit.
        self.bounds: list[tuple[Field, str, Field]] = []
        for spec, _ in self.by_key.values():
            for relation in ("at_most", "at_least"):
                other = getattr(spec, relation)
                if not other:
                    continue
                if other not in self.by_key:
                    raise PackError(f"evidence field '{spec.key}': {relation}={other!r} names no field read by category '{self.category}'")
                self.bounds.append((spec, relation, self.by_key[other][0]))
        for tbl in plan.tables:
            names = {c.name for c in tbl.columns}
            for col in tbl.columns:
                for other in (col.at_most, col.at_least, col.max_by[0] if col.max_by else ""):
                    if other and other not in names:
                        raise PackError(f"monitoring table '{tbl.name}': column '{col.name}' refers to '{other}', which is not a column")
            for name in tbl.unique:
                if name not in names:
                    raise PackError(f"monitoring table '{tbl.name}': unique names '{name}', which is not a column")


def _broken(relation: str, value: Any, bound: Any) -> bool:
    return (value > bound) if relation == "at_most" else (value < bound)


def _relation_text(relation: str, kind: str) -> str:
    if kind == "date":
        return "not after" if relation == "at_most" else "not before"
    return "at most" if relation == "at_most" else "at least"


def check_unit(
    schema: _Schema,
    code: str,
    values: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, Sequence[Any]]],
    field_where: Callable[[str], str],
    row_where: Callable[[str, Any], str],
) -> None:
    """The constraints that span several values of one unit (READING 15: impossible evidence).

    A part larger than its whole, a monitoring row repeated where one row per key is
    allowed, a row referring to a month (or any key) the unit's other table lacks: bad
    input, named by file (and CSV line), key and expectation. Absent values are not
    checked here: they are *missing* evidence, reported as such.
    """
    for spec, relation, other in schema.bounds:
        value, bound = values.get(spec.fixture_name), values.get(other.fixture_name)
        if value is None or bound is None:
            continue
        if _broken(relation, value, bound):
            raise InputError(
                field_where(spec.key),
                spec.key,
                f"expected {_relation_text(relation, spec.type)} {other.key} ({show(bound)}), got {show(value)}",
            )
    for name, tbl in schema.tables.items():
        rows = tables.get(name, {}).get(code, ())
        if not rows:
            continue
        if tbl.unique:
            seen: dict[tuple[Any, ...], Any] = {}
            for row in rows:
                ident = tuple(getattr(row, c) for c in tbl.unique)
                if ident in seen:
                    shown = ", ".join(f"{c} {show(v)}" for c, v in zip(tbl.unique, ident))
                    raise InputError(
                        row_where(name, row),
                        ", ".join(tbl.unique),
                        f"expected one row per unit and {', '.join(tbl.unique)}; {code} has {shown} already on line {seen[ident].line}",
                    )
                seen[ident] = row
        for col in tbl.columns:
            if col.within is None:
                continue
            target, target_column, where_items = col.within
            candidates = [r for r in tables.get(target, {}).get(code, ()) if all(getattr(r, k) == v for k, v in where_items)]
            if not candidates:
                continue  # nothing recorded there for this unit: that evidence is missing, not contradicted
            allowed = sorted({getattr(r, target_column) for r in candidates})
            for row in rows:
                value = getattr(row, col.name)
                if value is not None and value not in allowed:
                    condition = "".join(f" with {k} {v}" for k, v in where_items)
                    raise InputError(
                        row_where(name, row),
                        col.name,
                        f"expected a {target_column} that {target}{condition} records for {code} "
                        f"({', '.join(show(a) for a in allowed)}), got {show(value)}",
                    )


def parse_unit_fields(
    data: Mapping[str, Any],
    plan: Plan,
    where: str,
    target: dict[str, Any],
    *,
    also: str = "",
    replace: bool = False,
    schema: _Schema | None = None,
    origins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Check and convert one unit's nested evidence mapping into ``target`` (fixture name → value)."""
    schema = schema or _Schema(plan)
    by_key = schema.by_key
    for key, raw in _flatten(data, schema.graded):
        found = by_key.get(key)
        if found is None:
            if key in schema.all_fields:
                raise InputError(where, key, f"this field is not read by category '{schema.category}'")
            hint = did_you_mean(key, by_key)
            raise InputError(where, key, "unknown evidence key", hint=hint)
        spec, name = found
        if name in target and not replace:
            raise InputError(where, key, f"given twice (also in {also or 'another file'})")
        target[name] = spec.parse(raw, where, key)
        if origins is not None:
            origins[key] = where
    return target


def parse_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], spec: Table, where: str, *, from_text: bool) -> Iterator[tuple[str, Any]]:
    """Check and convert table rows; yields ``(unit code, row)``."""
    columns = {c.name: c for c in spec.columns}
    checks = [c for c in spec.columns if c.at_most or c.at_least or c.max_by]
    make = spec.row_type
    for line, row in rows:
        for name in row:
            if name != "unit" and name not in columns:
                raise InputError(
                    f"{where}:{line}", name, "unknown column", hint=did_you_mean(name, columns) or f"expected: unit, {', '.join(columns)}"
                )
        code = row.get("unit") or ""
        parsed = []
        for name, col in columns.items():
            raw = row.get(name)
            if raw is None or raw == "":
                if col.required:
                    raise InputError(f"{where}:{line}", name, f"expected {col.expected()}, got an empty cell")
                parsed.append(None)
            else:
                parsed.append(col.parse(raw, f"{where}:{line}", name, from_text=from_text))
        if checks:
            _check_row(checks, dict(zip(columns, parsed)), f"{where}:{line}")
        yield code, make(code, line, *parsed)


def _check_row(columns: Sequence[Column], row: Mapping[str, Any], where: str) -> None:
    """Constraints between the columns of one row: a reply not before its letter, a maximum by kind."""
    for col in columns:
        value = row[col.name]
        if value is None:
            continue
        for relation in ("at_most", "at_least"):
            other = getattr(col, relation)
            bound = row.get(other) if other else None
            if bound is not None and _broken(relation, value, bound):
                raise InputError(
                    where, col.name, f"expected {_relation_text(relation, col.type)} {other} ({show(bound)}), got {show(value)}"
                )
        if col.max_by is not None:
            by, maxima = col.max_by
            limit = dict(maxima).get(row.get(by))
            if limit is not None and value > limit:
                raise InputError(where, col.name, f"expected at most {limit} when {by} is {row.get(by)}, got {show(value)}")


def _read_manifest(directory: Path) -> tuple[bool, str]:
    path = directory / MANIFEST
    if not path.exists():
        return False, ""
    data = read_toml(path)
    check_keys(data, ("evidence",), str(path))
    head = data.get("evidence", {})
    if not isinstance(head, dict):
        raise InputError(str(path), "evidence", "expected a table [evidence]")
    check_keys(head, ("synthetic", "note", "ruleset"), str(path), "evidence.")
    synthetic = head.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise InputError(str(path), "evidence.synthetic", f"expected true or false, got {synthetic!r}")
    note = head.get("note", "")
    if not isinstance(note, str):
        raise InputError(str(path), "evidence.note", f"expected text, got {note!r}")
    return synthetic, note


def load_evidence(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: Iterable[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: Iterable[str] = (),
) -> EvidenceSet:
    """Read and check every evidence file under ``paths`` for the units ``unit_codes``.

    ``known_codes`` are all unit codes of the ruleset: files of units of other
    categories are skipped, an unknown code is an error. Monitoring rows of the
    sub-units ``sub_codes`` are kept too (for roll-ups); their unit files belong to
    their own category and are not read.

    A checked result is kept in the cache of ``escore._cache``, keyed by everything it
    depends on (the bytes of every file, the plan's evidence types, the unit codes);
    the same evidence read again is decoded instead of parsed and checked again.
    """
    unit_codes, known_codes, sub_codes = sorted(unit_codes), sorted(known_codes), sorted(sub_codes)
    from . import _cache

    key = _cache.evidence_key(paths, plan, unit_codes, known_codes, sub_codes, loaders)
    if key is not None:
        key += "-" + _declarations_digest(plan)
    result = _cache.load_evidence_set(key, plan) if key is not None else None
    if result is None:
        import warnings

        from ._errors import EscoreWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EscoreWarning)
            result = _load_evidence(paths, plan, unit_codes, known_codes, loaders, sub_codes)
        others = [w for w in caught if not issubclass(w.category, EscoreWarning)]
        for w in others:  # not ours: let them through as they were
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        mine = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, EscoreWarning)))
        result = attrs.evolve(result, warnings=mine)
        if key is not None:
            _cache.save_evidence_set(key, result)
    for message in result.warnings:
        warn(message)
    return result


def _declarations_digest(plan: Plan) -> str:
    """A digest of every evidence declaration in full (types, ranges, constraints): a checked
    set is reused only under the very constraints it was checked against."""
    from ._cache import _blake2b

    text = repr(([(f, f.fixture_name) for f in plan.fields], list(plan.tables), plan.category.key))
    return _blake2b(text.encode(), digest_size=10).hexdigest()


def _load_evidence(
    paths: Sequence[Path],
    plan: Plan,
    unit_codes: Iterable[str],
    known_codes: Iterable[str],
    loaders: Mapping[str, EvidenceLoader],
    sub_codes: Iterable[str],
) -> EvidenceSet:
    wanted = set(unit_codes)
    known = set(known_codes)
    schema = _Schema(plan)
    with_rows = wanted | set(sub_codes)
    tables_by_name: dict[str, Table] = {t.name: t for t in plan.tables}
    all_tables = {d.table.name: d.table for d in plan.fixtures.values() if d.table is not None}

    values: dict[str, dict[str, Any]] = {code: {} for code in sorted(wanted)}
    origins: dict[str, dict[str, str]] = {code: {} for code in wanted}  # unit → field key → file
    row_files: dict[int, str] = {}  # id(row) → its CSV file
    files: dict[str, str] = {}
    rows: dict[str, dict[str, list[Any]]] = {}
    synthetic = False
    notes: list[str] = []
    idle: list[str] = []  # paths that held nothing for these units, with what was skipped
    for root in paths:
        read = 0
        skipped: list[str] = []
        if root.is_file():
            unit_files = [root]
            table_files: list[Path] = []
            root_dir = root.parent
        elif root.is_dir():
            for sub in ("units", "monitoring"):
                if (root / sub).exists() and not (root / sub).is_dir():
                    raise InputError(
                        str(root / sub),
                        "",
                        f"expected a directory of {'unit files' if sub == 'units' else 'monitoring tables'}, found a file",
                    )
            # Hidden files (.DS_Store, editors' backups) are skipped here as beside units/.
            unit_files = sorted(p for p in (root / "units").glob("*") if not p.name.startswith(".")) if (root / "units").is_dir() else []
            table_files = (
                sorted(p for p in (root / "monitoring").glob("*") if not p.name.startswith(".")) if (root / "monitoring").is_dir() else []
            )
            root_dir = root
            unexpected = sorted(
                p.name for p in root.iterdir() if p.name not in ("units", "monitoring", MANIFEST) and not p.name.startswith(".")
            )
            if unexpected:
                raise InputError(
                    str(root / unexpected[0]), "", f"unexpected entry in an evidence directory; expected units/, monitoring/ and {MANIFEST}"
                )
        else:
            raise InputError(str(root), "", "evidence path not found")
        is_synthetic, note = _read_manifest(root_dir) if root.is_dir() else (False, "")
        synthetic = synthetic or is_synthetic
        if note and note not in notes:
            notes.append(note)
        for path in unit_files:
            loader = loaders.get(path.suffix)
            if loader is None or loader.kind != "unit":
                raise InputError(
                    str(path),
                    "",
                    f"no evidence loader for '{path.suffix}' unit files; known: {', '.join(s for s, reader in sorted(loaders.items()) if reader.kind == 'unit')}",
                )
            code = path.stem
            if code not in wanted:
                if code in known and root.is_file():
                    raise InputError(
                        str(path), "", f"this is the unit file of '{code}', which is not among the {schema.category} units scored here"
                    )
                if code in known:
                    skipped.append(path.name)
                    continue
                hint = did_you_mean(code, known)
                raise InputError(str(path), "", f"unknown unit code '{code}' (the file name must be a unit code)", hint=hint)
            parse_unit_fields(
                loader.read(path), plan, str(path), values[code], also=files.get(code, ""), schema=schema, origins=origins[code]
            )
            files[code] = str(path) if code not in files else f"{files[code]} + {path}"
            read += 1
        for path in table_files:
            loader = loaders.get(path.suffix)
            if loader is None or loader.kind != "table":
                raise InputError(str(path), "", f"no evidence loader for '{path.suffix}' monitoring tables")
            name = path.stem
            spec_table = tables_by_name.get(name)
            if spec_table is None:
                if name in all_tables:
                    skipped.append(path.name)
                    continue  # read by another category of the ruleset
                hint = did_you_mean(name, all_tables)
                raise InputError(str(path), "", f"unknown monitoring table '{name}'", hint=hint)
            _read_table(path, spec_table, loader, with_rows, known, rows.setdefault(name, {}), row_files)
            read += 1
        if not read:
            shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
            idle.append(
                f"{root}: no evidence for the {len(wanted)} {schema.category} unit(s) scored" + (f"; skipped {shown}" if skipped else "")
            )
    if idle and len(idle) == len(paths):
        raise InputError(
            idle[0].partition(": ")[0], "", idle[0].partition(": ")[2] + " (are these the evidence files of another category?)"
        )
    for message in idle:
        warn(message)
    tables = {name: {code: tuple(found) for code, found in by_unit.items()} for name, by_unit in rows.items()}
    for code in sorted(wanted):
        check_unit(
            schema,
            code,
            values[code],
            tables,
            lambda key, code=code: origins[code].get(key, f"the evidence of {code}"),
            lambda name, row: f"{row_files.get(id(row), 'monitoring/' + name + '.csv')}:{row.line}",
        )
    return EvidenceSet(values, tables, files, synthetic, tuple(notes), tuple(str(p) for p in paths))


def _read_table(
    path: Path, spec: Table, loader: EvidenceLoader, wanted: set[str], known: set[str], out: dict[str, list[Any]], row_files: dict[int, str]
) -> None:
    where = str(path)
    columns = {c.name: c for c in spec.columns}
    checked: list[bool] = []

    def rows() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for line, row in loader.read(path):
            if not checked:
                checked.append(True)
                names = list(row)
                if "unit" not in names:
                    raise InputError(where, "unit", "missing column; the first column names the unit")
                for name, col in columns.items():
                    if col.required and name not in names:
                        raise InputError(where, name, f"missing column ({col.expected()})")
            code = row.get("unit") or ""
            if code not in wanted:
                if code in known:
                    continue
                raise InputError(f"{where}:{line}", "unit", f"unknown unit code '{code}'", hint=did_you_mean(code, known))
            yield line, row

    for code, row in parse_rows(rows(), spec, where, from_text=True):
        out.setdefault(code, []).append(row)
        row_files[id(row)] = where
