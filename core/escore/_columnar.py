"""Columnar evidence: one table of units by fields per category, and a units table for the roster.

For many units (thousands of counties, tens of thousands of websites) one file per unit
is impractical. An evidence directory may instead hold, per category, one table::

    fields/<category>.csv        a row per unit: `unit`, then one column per dotted field key
    fields/<category>.parquet    the same as Parquet (read with pyarrow: `pip install escore[arrow]`)

A graded field takes two columns, ``KEY.points`` and ``KEY.reason``. An empty cell (a null
in Parquet) means the field was not given, exactly as a key absent from a unit's TOML file:
the indicators that need it are *missing*. Every value is checked by the same field
specification as the TOML path; an error names the file, the line (for Parquet: the row,
counted from 1), the column and what was expected.

A units table (``escore run --roster units.csv``) replaces a pack's roster: columns ``code``
and optionally ``name`` (default: the code) and ``parent``; every other column is an
attribute (``dc_variant`` …), an empty cell meaning the attribute is absent.

Both tables are read by the evidence loader registered for their suffix (kind ``"table"``),
the same readers as monitoring tables; Parquet is one more built-in loader.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import EscoreError, EscoreWarning, InputError, closest, did_you_mean, misspelt_column, misspelt_column_problem, unnamed_column
from ._files import not_a_file
from ._i18n import N_
from ._i18n import gettext as _
from ._model import EvidenceLoader, Roster, repeated_codes, units_from_columns
from ._schema import ignore_retired, ignore_retired_unit, other_ruleset_field
from ._score import Grade
from ._tablerows import made_once
from ._text import escape, show

if TYPE_CHECKING:
    from ._fieldvalues import FieldValues
    from ._load import OtherUnits

#: The folder of an evidence directory holding the tables of units by fields.
FIELDS_DIR = "fields"


def table_loader(path: Path, loaders: Mapping[str, EvidenceLoader], what: str) -> EvidenceLoader:
    """The loader that reads ``path`` as a table, or a clear error naming the suffixes known."""
    loader = loaders.get(path.suffix)
    if loader is None or loader.kind != "table":
        known = ", ".join(s for s, reader in sorted(loaders.items()) if reader.kind == "table")
        raise InputError(str(path), "", _("no reader for '{0}' {1}; known: {2}").format(path.suffix, _(what), known))
    return loader


def unit_cell(row: Mapping[str, Any], where: str, line: Any) -> str:
    """A table row's ``unit`` cell: ``""`` when empty or absent. A typed cell (Parquet) that is
    not text is an input error at ``where:line``: a number, a date or a list is no unit's code."""
    code = row.get("unit")
    if code is None:
        return ""
    if code.__class__ is not str:
        raise InputError(f"{where}:{line}", "unit", _("expected a unit code (text), got {0}").format(show(code)))
    return code


def read_field_table(
    path: Path,
    loader: EvidenceLoader,
    schema: Any,
    wanted: Mapping[str, str],
    known: set[str],
    values: FieldValues,
    files: dict[str, str],
    origins: Mapping[str, Mapping[str, str]] | None = None,
    *,
    others: OtherUnits | None = None,
) -> int:
    """Check and convert one table of units by fields into ``values`` (unit code → fixture name → value);
    return how many rows were for the units ``wanted``. ``origins``: where a value given before was
    read, by unit and field key, when that is more than its file (a workbook's cell), for a value given twice.

    ``schema`` is the plan's field index (``escore._schema.EvidenceSchema``). Rows of known units not
    scored here (``known`` but not ``wanted``: the category's units outside the run) are skipped;
    an unknown code is an error, and so, with ``others``, is a unit of another category (its fields
    are read from its own category's table: a code typed wrong had lost the row without a word).
    """
    from ._builtin_loaders import read_csv, read_parquet

    if loader.read is read_csv or loader.read is read_parquet:  # the built-in readers: by columns, unless anything is amiss
        found = _fields_by_columns(path, schema, wanted, known, values, files, typed=loader.read is read_parquet, others=others)
        if found is not None:
            return found
    where = str(path)

    def first(code: str, key: str) -> str | None:
        return origins.get(code, {}).get(key) if origins is not None else None

    columns: list[tuple[str, Any, str, str]] | None = None  # (column, field spec, fixture name, graded part)
    memo: list[dict[str, Any]] = []
    grade_memo: dict[tuple[str, str, str], Grade] = {}  # (fixture, points text, reason text) → parsed
    points_memo: dict[str, Any] = {}  # points text → its Decimal, shared by every graded column
    seen: dict[str, int] = {}
    for line, row in loader.read(path):
        if columns is None:
            columns = _columns(list(row), schema, where)
            memo = [{} for _ in columns]
        code = unit_cell(row, where, line)
        if code not in wanted:
            if code in known:
                problem = others.field_row_problem(code) if others is not None else None
                if problem is not None:
                    raise InputError(f"{where}:{line}", "unit", problem)
                continue
            if ignore_retired_unit(schema, code):
                continue
            hint = did_you_mean(code, known) if code else ""
            raise InputError(
                f"{where}:{line}", "unit", _("unknown unit code '{0}'").format(escape(code)) if code else _("empty unit code"), hint=hint
            )
        code = wanted[code]  # the unit's own code string (one object per unit)
        if code in seen:
            raise InputError(f"{where}:{line}", "unit", _("unit '{0}' has a second row (first on line {1})").format(code, seen[code]))
        seen[code] = line
        target = values.writable(code)
        also = files.get(code, "")
        grades: dict[str, tuple[str, dict[str, Any]]] = {}
        for (name, spec, fixture, part), cache in zip(columns, memo):
            raw = row.get(name)
            if raw is None or raw == "":
                continue
            if part:
                grades.setdefault(fixture, (name.rpartition(".")[0], {}))[1][part] = raw
                continue
            if fixture in target:
                raise InputError(
                    f"{where}:{line}", name, _("given twice (also in {0})").format(first(code, name) or also or _("another file"))
                )
            if raw.__class__ is str:
                # Values repeat a lot in a column (0, 1, true, a handful of dates): parsing is a
                # pure function of the text, so each distinct text is checked once per column.
                value = cache.get(raw, cache)
                if value is cache:
                    value = cache[raw] = spec.parse(raw, f"{where}:{line}", name, from_text=True)
            else:  # a typed (Parquet) cell: its problem in its own words (escore._evidence.show names a float)
                value = spec.parse(raw, f"{where}:{line}", name, from_text=True)
            target[fixture] = value
        for fixture, (key, given) in grades.items():
            if fixture in target:
                raise InputError(
                    f"{where}:{line}", key, _("given twice (also in {0})").format(first(code, key) or also or _("another file"))
                )
            if len(given) != 2:
                lacking = "reason" if "points" in given else "points"
                raise InputError(f"{where}:{line}", f"{key}.{lacking}", _("empty cell; a graded field needs both points and reason"))
            # As for single values: a grade is a pure function of its two texts, and its points
            # repeat (0, 0.5, 1 …) even where every reason differs: one Decimal per distinct text.
            # Texts only: typed (Parquet) points such as 1.0 and 1.00 are equal but not the same.
            points, reason = given["points"], given["reason"]
            if points.__class__ is float:  # a binary float cannot hold 0.1: say what to store instead
                raise InputError(f"{where}:{line}", f"{key}.points", _("expected {0}, got {1}").format(_("a number"), show(points)))
            texts = (fixture, points, reason) if points.__class__ is str and reason.__class__ is str else None
            grade = grade_memo.get(texts) if texts else None
            if grade is None:
                grade = schema.by_key[key][0].parse(given, f"{where}:{line}", key, from_text=True)
                if texts:
                    shared = points_memo.setdefault(points, grade.points)
                    if shared is not grade.points:
                        grade = Grade(shared, grade.reason)
                    grade_memo[texts] = grade
            target[fixture] = grade
        files[code] = f"{where}:{line}" if not also else f"{also} + {where}:{line}"
        values.pack(code)  # one unit's dict at a time: 100k rows never hold 100k dicts
    return len(seen)


def _fields_by_columns(
    path: Path,
    schema: Any,
    wanted: Mapping[str, str],
    known: set[str],
    values: FieldValues,
    files: dict[str, str],
    *,
    typed: bool = False,
    others: OtherUnits | None = None,
) -> int | None:
    """:func:`read_field_table` of a CSV table (``typed``: a Parquet or Arrow one) read by
    columns, or ``None`` at the least doubt:
    a malformed file, an unknown column or unit, a unit given twice or already given elsewhere,
    a value that does not convert, a grade with one of its two cells empty. The rows are then
    read one by one, which raises the first problem in line order with its exact message; here
    each distinct text (a grade: each distinct pair) of a column is converted once and the
    units' values are stored a column at a time, in the order the rows would give them: plain
    fields in column order, then grades in the order of their first column."""
    import operator

    where = str(path)
    order: list[str] = []
    plain: list[tuple[str, Any, str]] = []
    graded: dict[str, dict[str, str]] = {}  # fixture → its two columns by part
    made_plain: list[dict[Any, Any]] = []  # per plain column: text → value, across the chunks
    made_graded: list[dict[tuple[Any, Any], Grade | None]] = []  # per grade: (points, reason) → grade
    points_memo: dict[Any, Any] = {}  # points text → its Decimal, shared by every graded column
    chunks_of, convert = (arrow_chunks, typed_converted) if typed else (wanted_chunks, converted)
    seen: set[str] = set()
    staged: dict[tuple[bool, ...], tuple[tuple[str, ...], list[str], list[tuple[Any, ...]]]] = {}
    located: list[tuple[list[str], list[int]]] = []  # each chunk's units and their lines

    def usable(header: list[str]) -> bool:  # the header's fields, each value in one column (a grade in two)
        columns = _columns(header, schema, where)
        plain[:] = [(name, spec, fixture) for name, spec, fixture, part in columns if not part]
        for name, _spec, fixture, part in columns:
            if part:
                graded.setdefault(fixture, {})[part] = name
        order[:] = [fixture for _name, _spec, fixture in plain] + list(graded)
        made_plain[:] = [{} for _ in plain]
        made_graded[:] = [dict.fromkeys(_EMPTY_PAIRS if typed else [("", "")]) for _ in graded]
        return len(set(order)) == len(order) and all(len(parts) == 2 for parts in graded.values())

    # Read a chunk at a time (the cells are strings until converted: a table of 100,000 units
    # read whole was most of a first run's memory), and nothing stored until every chunk has
    # passed, so that a doubt in a later chunk leaves the reading row by row a clean slate.
    try:
        accepted = None if others is None else others.fields_accepted  # a unit of another category: named row by row
        for _header, owners, lines, by_name in chunks_of(path, wanted, known, usable, accepted):
            if len(set(owners)) != len(owners) or not seen.isdisjoint(owners) or not files.keys().isdisjoint(owners):
                return None  # a unit's second row, or a unit given in another file too: named row by row
            seen.update(owners)
            given: list[list[Any]] = []  # a column of values per fixture of ``order``; None: not given
            for (name, spec, _fixture), made in zip(plain, made_plain):
                given.append(convert(by_name[name], functools.partial(spec.parse, where=where, key=name, from_text=True), made))
            for parts, made_grades in zip(graded.values(), made_graded):
                key = parts["points"].rpartition(".")[0]
                spec = schema.by_key[key][0]
                cells = by_name[parts["points"]], by_name[parts["reason"]]
                pairs = list(zip(*map(exact_keys, cells))) if typed else list(zip(*cells))
                # One lookup per row; the pairs not met before are found among the rows once
                # (in a later chunk, usually none): no dict of every row's pair to its cells.
                grades = list(map(made_grades.get, pairs, itertools.repeat(_UNMADE)))
                unmade = list(map(operator.is_, grades, itertools.repeat(_UNMADE)))
                if any(unmade):
                    # Each new pair's cells (typed: equal keys, the same cells).
                    first = dict(zip(itertools.compress(pairs, unmade), itertools.compress(zip(*cells), unmade)))
                    for pair, (points, reason) in first.items():
                        if points is None or points == "" or reason is None or reason == "":
                            return None  # one cell of the two: named row by row
                        grade = spec.parse({"points": points, "reason": reason}, where, key, from_text=True)
                        shared = points_memo.setdefault(pair[0], grade.points)
                        made_grades[pair] = grade if shared is grade.points else Grade(shared, grade.reason)
                    grades = list(map(made_grades.__getitem__, pairs))
                given.append(grades)
            # Units with the same values given share one tuple of names: a unit's shape says
            # which fields it gives. Only the columns with an empty cell can tell units apart, so
            # the shapes are worked out over those alone, not as a tuple of 89 flags per unit (a
            # first run of 10,000 county units: 44 M instructions fewer of 17,877 M).
            gapped = [i for i, column in enumerate(given) if not all(map(operator.is_not, column, itertools.repeat(None)))]
            rows_of: dict[tuple[bool, ...], list[int]] = {}
            if not gapped:
                if owners:
                    rows_of[(True,) * len(given)] = list(range(len(owners)))
            else:
                partial: dict[tuple[bool, ...], list[int]] = {}
                for row, flags in enumerate(zip(*[map(operator.is_not, given[i], itertools.repeat(None)) for i in gapped])):
                    partial.setdefault(flags, []).append(row)
                for flags, rows in partial.items():
                    full = [True] * len(given)
                    for i, flag in zip(gapped, flags):
                        full[i] = flag
                    rows_of[tuple(full)] = rows
            for shape, rows in rows_of.items():
                if shape not in staged:
                    staged[shape] = (tuple(itertools.compress(order, shape)), [], [])
                _names, codes, values_of = staged[shape]
                kept = list(itertools.compress(given, shape))
                if len(rows) == len(owners):
                    codes.extend(owners)
                    values_of.extend(zip(*kept) if kept else itertools.repeat((), len(owners)))
                else:
                    pick = operator.itemgetter(*rows) if len(rows) > 1 else (lambda column, row=rows[0]: (column[row],))
                    codes.extend(pick(owners))
                    values_of.extend(zip(*map(pick, kept)) if kept else itertools.repeat((), len(rows)))
            located.append((owners, lines))
    except (EscoreError, ReadRowByRow):
        return None
    if not located:
        return None
    # As one pass over the whole table stores them: each shape in the order it first occurs,
    # its units in row order; then every unit's file and line in row order.
    for names, codes, values_of in staged.values():
        values.put_rows(names, codes, values_of)
    for owners, lines in located:
        files.update(zip(owners, map((where + ":").__add__, map(str, lines))))
    return len(seen)


def converted(column: list[str], convert: Callable[[str], Any], made: dict[str, Any] | None = None) -> list[Any]:
    """``convert`` of each text of a column read by columns, once per distinct text (a column's
    texts repeat: dates, categories, counts); an empty cell is ``None``. ``made``: the values
    made so far (text → value), kept between the chunks of one column so that equal texts
    share one value across the table."""
    if made is None:
        made = {}
    made.setdefault("", None)
    return made_once(column, made, convert)


def typed_converted(column: list[Any], convert: Callable[[Any], Any], made: dict[Any, Any]) -> list[Any]:
    """:func:`converted` for a column of typed cells (Parquet, Arrow): ``convert`` once per
    :func:`exact_keys` key (text, whole numbers, true/false and dates by value, a decimal by its
    text); an empty or null cell is ``None``. ``made``: the values made so far, by key. Raises
    :class:`ReadRowByRow` for a type without such a key: that table is read row by row."""
    if not made:
        made.update(dict.fromkeys(_EMPTY_CELLS))
    keys = exact_keys(column)
    first = dict(zip(keys, column))
    for key in first.keys() - made.keys():
        made[key] = convert(first[key])
    return list(map(made.__getitem__, keys))


def exact_keys(column: list[Any]) -> list[tuple[type, Any]]:
    """A key per typed cell (Parquet, Arrow): equal keys mean the same value, its type with its
    value (a decimal's text: ``1.0`` and ``1.00`` are equal, not the same digits). Raises
    :class:`ReadRowByRow` for a type without such a key (a binary float, a timestamp, a list)."""
    kinds = set(map(type, column))
    if not kinds <= _EXACT_TYPES:
        raise ReadRowByRow
    return list(zip(map(type, column), map(str, column) if Decimal in kinds else column))


#: Types whose cells :func:`exact_keys` keys.
_EXACT_TYPES = frozenset({str, int, bool, _dt.date, Decimal, type(None)})
#: The keys of an empty cell (null, or empty text), and of a grade whose two cells are both empty.
_EMPTY_CELLS: list[tuple[type, Any]] = [(type(None), None), (type(None), "None"), (str, "")]
_EMPTY_PAIRS: list[tuple[Any, Any]] = [(points, reason) for points in _EMPTY_CELLS for reason in _EMPTY_CELLS]


#: A grade's pair of cells not converted yet (``None`` is a pair of empty cells: no grade).
_UNMADE: Any = object()


class ReadRowByRow(Exception):
    """A doubt about a table read by columns: it is read row by row instead, which names the
    first problem in line order."""


def wanted_chunks(
    path: Path,
    wanted: Mapping[str, str],
    known: set[str],
    usable: Callable[[list[str]], bool],
    accepted: Callable[[set[str]], bool] | None = None,
) -> Iterator[tuple[list[str], list[Any], list[int], dict[str, list[Any]]]]:
    """Each chunk of a CSV table read by columns (escore._builtin_loaders.read_csv_column_chunks)
    as :func:`wanted_rows` gives it, after its header: ``(header, owners, lines, by_name)``.
    Raises :class:`ReadRowByRow` for a header ``usable`` refuses, a header that changes between
    chunks (a row read again strictly), a unit of no category or rows of units not wanted that
    ``accepted`` refuses."""
    from ._builtin_loaders import read_csv_column_chunks

    header: list[str] | None = None
    for lines, chunk_header, cells in read_csv_column_chunks(path):
        if header is None:
            header = chunk_header
            if not usable(header):
                raise ReadRowByRow
        elif chunk_header != header:
            raise ReadRowByRow
        found = wanted_rows(lines, dict(zip(header, cells)), wanted, known, accepted)
        if found is None:
            raise ReadRowByRow
        yield (header, *found)


def arrow_chunks(
    path: Path,
    wanted: Mapping[str, str],
    known: set[str],
    usable: Callable[[list[str]], bool],
    accepted: Callable[[set[str]], bool] | None = None,
) -> Iterator[tuple[list[str], list[Any], list[int], dict[str, list[Any]]]]:
    """Each batch of a Parquet or Arrow table as :func:`wanted_chunks` gives a CSV table's chunks,
    its cells typed Python values, text stripped (escore._builtin_loaders.python_values, as
    read_parquet gives them), its "lines" the row numbers from 1. The header is checked before any batch. Raises
    :class:`ReadRowByRow` for a header ``usable`` refuses, a unit cell that is not text, or a
    unit of no category; a cell without a Python value is an InputError, as row by row."""
    from ._builtin_loaders import COLUMN_CHUNK_CELLS, arrow_batches, python_values

    names, batches = arrow_batches(path, cells=COLUMN_CHUNK_CELLS)
    if not usable(names):
        raise ReadRowByRow
    before = 0
    for batch in batches:
        by_name = {name: python_values(path, name, column, before) for name, column in zip(names, batch.columns)}
        lines = list(range(before + 1, before + 1 + batch.num_rows))
        before += batch.num_rows
        if not set(map(type, by_name["unit"])) <= {str}:
            raise ReadRowByRow
        found = wanted_rows(lines, by_name, wanted, known, accepted)
        if found is None:
            raise ReadRowByRow
        yield (names, *found)
    import pyarrow

    pyarrow.default_memory_pool().release_unused()  # the batches' buffers back to the system, not kept by the pool


def wanted_rows(
    lines: list[int],
    by_name: dict[str, list[Any]],
    wanted: Mapping[str, str],
    known: set[str],
    accepted: Callable[[set[str]], bool] | None = None,
) -> tuple[list[Any], list[int], dict[str, list[Any]]] | None:
    """The rows of a table read by columns that belong to the units ``wanted``: their units'
    own code strings, their lines and the other columns (``unit`` left out). Rows of another
    category's units (``known``) are left out; ``None`` if any other code appears (a typo,
    named when the table is read again row by row), or if ``accepted`` refuses the codes left
    out (a row no category reads for its unit, named so too)."""
    import operator

    codes = by_name.pop("unit")
    owners = list(map(wanted.get, codes))
    if None in owners:
        others = set(itertools.compress(codes, map(operator.not_, owners)))
        if not others <= known or (accepted is not None and not accepted(others)):
            return None
        keep = list(map(bool, owners))
        owners, lines = list(itertools.compress(owners, keep)), list(itertools.compress(lines, keep))
        by_name = {name: list(itertools.compress(column, keep)) for name, column in by_name.items()}
    return owners, lines, by_name


def _columns(names: list[str], schema: Any, where: str) -> list[tuple[str, Any, str, str]]:
    """Map a header to fields; an unknown column is an error with a "did you mean"."""
    if "unit" not in names:
        valid = ["unit", *schema.by_key, *(f"{key}.{part}" for key in schema.graded for part in ("points", "reason"))]
        typo = misspelt_column("unit", names, valid)
        if typo is not None:
            raise InputError(where, "unit", misspelt_column_problem(typo, "unit"))
        raise InputError(where, "unit", _("missing column; the first column names the unit"))
    out = []
    for position, name in enumerate(names, 1):
        if name == "unit":
            continue
        if name == "":  # an empty header cell, or a separator at the end of every line: no key to look up
            raise unnamed_column(where, position)
        base, _dot, part = name.rpartition(".")
        if part in ("points", "reason") and base in schema.graded:
            name_of_field = base
        else:
            name_of_field = name
        found = schema.by_key.get(name_of_field)
        if found is None:
            if name_of_field in schema.retired:
                ignore_retired(schema, name_of_field)
                continue
            if name_of_field in schema.all_fields:
                raise InputError(where, name, _("this field is not read by category '{0}'").format(schema.category))
            elsewhere = other_ruleset_field(schema.ruleset, schema.other_fields, name_of_field)
            if elsewhere is not None:
                raise InputError(where, name, elsewhere)
            raise InputError(where, name, _("unknown evidence key (column)"), hint=did_you_mean(name, schema.by_key))
        if name_of_field != name:
            out.append((name, found[0], found[1], part))
        elif name in schema.graded:
            raise InputError(where, name, _("a graded field takes two columns, {0}.points and {0}.reason").format(name))
        else:
            out.append((name, found[0], found[1], ""))
    # A grade's two columns come together: one alone would be every row's "empty cell".
    parts: dict[str, set[str]] = {}
    for _name, spec, _fixture, part in out:
        if part:
            parts.setdefault(spec.key, set()).add(part)
    for key, given in parts.items():
        lacking = {"points", "reason"} - given
        if lacking:
            raise InputError(
                where,
                f"{key}.{lacking.pop()}",
                _("missing column; a graded field takes two columns, {0}.points and {0}.reason").format(key),
            )
    return out


def read_roster_table(
    path: Path, ruleset: str, category: str, loaders: Mapping[str, EvidenceLoader], attributes: Sequence[str] = ()
) -> Roster:
    """A roster from a units table (``code``, ``name``, ``parent``, then attribute columns).
    ``attributes``: those the category's variants are picked by (``dc_variant``), columns of the
    table as much as ``name`` (a header that misspells one is named as such).

    A table escore's CSV reader reads is kept, once read and checked, in the cache of
    :mod:`escore._roster_cache`: the same bytes are not read and checked again."""
    if not path.is_file():
        problem = (
            _("roster file not found")
            if not path.exists()
            else _("expected a file, found a directory")
            if path.is_dir()
            else not_a_file(path)
        )
        raise InputError(str(path), "", problem)
    from ._builtin_loaders import read_csv

    loader = table_loader(path, loaders, N_("units tables"))
    if loader.read is not read_csv:  # a plugin's reader, or Parquet: read at every run
        codes, names, parents, given = _roster_columns(path, loader, attributes)
        return Roster(ruleset, category, units_from_columns(codes, names, category, parents, given))
    from . import _roster_cache
    from ._files import file_sha256

    def digest() -> bytes | None:
        try:
            return file_sha256(path)
        except (OSError, EscoreError):  # unreadable: the read says why
            return None

    before = digest()
    entry = _roster_cache.entry_path(before, ruleset, category, attributes) if before is not None else None
    found = _roster_cache.load(entry) if entry is not None else None
    if found is None:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = _roster_columns(path, loader, attributes)
        for w in caught:  # shown as they were
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        # Not kept when the read said something to the user (it must say it at every run), nor
        # when the table changed meanwhile: it is kept under the digest of what was read.
        said = any(issubclass(w.category, EscoreWarning) for w in caught)
        if entry is not None and not said and digest() == before:
            _roster_cache.save(entry, found)
    codes, names, parents, given = found
    return Roster(ruleset, category, units_from_columns(codes, names, category, parents, given))


def roster_row(path: Path, loaders: Mapping[str, EvidenceLoader], code: str) -> tuple[int, Mapping[str, Any]] | None:
    """The line and row of unit ``code`` in the units table ``path`` (for an error message: the
    table is read again, row by row), or ``None``."""
    try:
        loader = table_loader(path, loaders, N_("units tables"))
        return next(((line, row) for line, row in loader.read(path) if row.get("code") == code), None)
    except (OSError, EscoreError):
        return None


#: The columns of a units table that are not attributes.
ROSTER_COLUMNS = ("code", "name", "parent")


def _roster_columns(
    path: Path, loader: EvidenceLoader, variant_attributes: Sequence[str] = ()
) -> tuple[list[str], list[str], list[Any], list[dict[str, Any]]]:
    """The codes, names, parents and attributes of a units table's units, checked, in the file's
    order; ``variant_attributes``: the attribute columns the category's variants are picked by."""
    from ._builtin_loaders import read_csv, read_csv_columns

    where = str(path)
    rows: list[Mapping[str, Any]] | None = None
    if loader.read is read_csv:  # the built-in CSV reader, by columns: no mapping per row
        lines, header, table = read_csv_columns(path)
        by_name = dict(zip(header, table))
    else:
        read = list(loader.read(path))  # (line, row): a units table is small beside its units' evidence
        lines = [line for line, _row in read]
        rows = [row for _line, row in read]
        header = list(rows[0]) if rows else []
        by_name = {key: [row.get(key) for row in rows] for key in header}  # type: ignore[misc]  # a cell may be typed (Parquet)
    if not lines:
        raise InputError(where, "", _("no units; expected a header row (code, name, …) and one row per unit"))
    valid = (*ROSTER_COLUMNS, *variant_attributes)
    for expected in ("code", *variant_attributes):
        # A column misspelt (Code, dc-variant) is named with the column meant. A variant's column
        # simply left out is named by the check of the units' attributes (escore._session.check_roster).
        if expected not in by_name:
            typo = misspelt_column(expected, header, valid)
            if typo is not None:
                raise InputError(where, expected, misspelt_column_problem(typo, expected))
    if "code" not in by_name:
        hint = _("a units table names its units in column code") if "unit" in by_name else ""
        raise InputError(where, "code", _("missing column; a units table has the columns code, name, parent and attributes"), hint=hint)
    for key in header:
        # A near miss of name or parent would be read as an attribute, every unit nameless or
        # without its parent (Name, Parent, parnet typed in a spreadsheet). Any other column is an
        # attribute: one near the variants' column given beside it (dc_variant_2016) is the table's own.
        meant = closest(key, valid) if key not in valid else None
        if meant in ("name", "parent"):
            raise InputError(
                f"{where}:1",
                key,
                _("unknown column; columns code, name and parent are written so"),
                hint=_("did you mean '{0}'?").format(meant),
            )
    if "" in by_name and any(cell not in (None, "") for cell in by_name[""]):  # (an empty one is a trailing comma)
        raise InputError(
            f"{where}:1", "", _("column {0} of the header has no name, and its cells have values").format(header.index("") + 1)
        )
    absent = [None] * len(lines)
    # Column by column (100k units: 0.9 s row by row); any doubt, and the rows are checked one by
    # one for the exact message (_check_roster_rows).
    codes = by_name["code"]
    names = by_name.get("name", absent)
    parents = [parent or None for parent in by_name.get("parent", absent)]
    if not (
        set(map(type, codes)) == {str}
        and all(map(str.strip, codes))
        and "".join(codes).isprintable()  # one C-level scan: no tab, line break or bidi control in any code
        and set(map(type, names)) <= {str, type(None)}
        and set(map(type, parents)) <= {str, type(None)}
    ):
        _check_roster_rows(list(zip(lines, rows if rows is not None else _rows_of(header, by_name))), where)
    names = [name or code for name, code in zip(names, codes)]  # an empty name is the code
    keys = [key for key in header if key not in ROSTER_COLUMNS]
    columns = [by_name[key] for key in keys]
    attributes: list[dict[str, Any]]
    if all(set(map(type, column)) <= {str, type(None)} for column in columns):
        # Texts: equal attribute sets share one mapping, worked out once per distinct set.
        given = list(zip(*columns)) if columns else [()] * len(lines)
        shared = {values: {k: v for k, v in zip(keys, values) if v is not None and v != ""} for values in dict.fromkeys(given)}
        attributes = list(map(shared.__getitem__, given))
    else:  # typed cells (Parquet): each unit its own mapping (1 and True are equal, not the same)
        typed = rows if rows is not None else _rows_of(header, by_name)
        attributes = [{k: v for k, v in row.items() if k not in ("code", "name", "parent") and v is not None and v != ""} for row in typed]
    duplicates = repeated_codes(codes)
    if duplicates:
        first = duplicates[0]
        at = [str(line) for code, line in zip(codes, lines) if code == first]
        raise InputError(
            where,
            "code",
            _("unit codes must be unique; repeated: {0} ('{1}' on lines {2})").format(", ".join(duplicates), first, ", ".join(at)),
        )
    return list(codes), names, parents, attributes


def _rows_of(header: list[str], given: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """The rows of a table read by columns, each a mapping as a loader gives it."""
    return [dict(zip(header, values)) for values in zip(*[given[key] for key in header])]


def _check_roster_rows(read: list[tuple[int, Mapping[str, Any]]], where: str) -> None:
    """Raise the error of the first row of a units table with a bad code, name or parent."""
    for line, row in read:
        code = row.get("code")
        if not isinstance(code, str) or not code.strip():
            got = _("an empty cell") if code is None or code == "" else show(code)  # a Parquet null too, not None
            raise InputError(f"{where}:{line}", "code", _("expected a unit code, got {0}").format(got))
        if not code.isprintable():  # a tab or line break pasted from a spreadsheet, a bidi control
            raise InputError(
                f"{where}:{line}", "code", _("a unit code is printable text, without control characters; got {0}").format(show(code))
            )
        name = row.get("name")
        if name is not None and name != "" and not isinstance(name, str):
            raise InputError(f"{where}:{line}", "name", _("expected text, got {0}").format(show(name)))
        parent = row.get("parent") or None
        if parent is not None and not isinstance(parent, str):
            raise InputError(f"{where}:{line}", "parent", _("expected a unit code, got {0}").format(show(parent)))


def field_tables(root: Path, category: str, categories: Iterable[str]) -> list[Path]:
    """The tables of units by fields under ``root/fields`` that belong to ``category``.

    A table named for another category of the ruleset is skipped; any other name is an error.
    """
    folder = root / FIELDS_DIR
    if not folder.is_dir():
        return []
    others = set(categories)
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.stem == category:
            out.append(path)
        elif path.stem not in others:
            hint = did_you_mean(path.stem, others | {category})
            raise InputError(
                str(path), "", _("a fields table is named by its category (fields/{0}{1})").format(category, path.suffix), hint=hint
            )
    return out
