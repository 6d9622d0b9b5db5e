"""The evidence schema: typed fields, monitoring tables and fixtures.

A pack declares the facts its rules read:

* :class:`Field` — one typed value per unit, written in the unit's TOML file
  under its dotted ``key``; it is available to rules as the fixture named by the
  key with dots turned into underscores (``letters.valid_last_12m`` →
  ``letters_valid_last_12m``).
* :class:`Table` — a monitoring table (CSV, one row per event, a ``unit`` column,
  many units per file); the fixture of the table's name gives the unit's rows.
  With ``rollup=True`` a unit also gets its sub-units' rows.
* ``@fixture`` — a function turning other fixtures into the fact a rule needs.

Which indicators a field feeds is derived from the fixture graph, never written
by hand.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import namedtuple
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar

import attrs

from ._converters import as_tuple
from ._errors import InputError, did_you_mean
from ._frozen import frozen
from ._i18n import N_
from ._i18n import gettext as _
from ._score import Grade, to_decimal
from ._text import show
from ._toml import MAX_INT, number_ok
from ._xlsx_layout import NONE

F = TypeVar("F", bound=Callable[..., Any])

FIXTURE_ATTRIBUTE = "__escore_fixture__"

#: The evidence types and how they are written in TOML.
TYPES: dict[str, str] = {
    "bool": N_("true or false"),
    "int": N_("a whole number"),
    "decimal": N_("a number (write 0.5, not a fraction)"),
    "str": N_("text"),
    "date": N_("a date, YYYY-MM-DD"),
    "enum": N_("one of the listed choices"),
    "graded": N_('an inline table {points = N, reason = "..."}'),
    "list[str]": N_("a list of texts"),
}

# Numbers in text cells: ASCII digits only (Python's int() and Decimal() also take
# "²⁰¹⁶"-like or Arabic-Indic digits and "1_000", which no spreadsheet means).
_ASCII_INT = re.compile(r"[+-]?[0-9]{1,29}")
_ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def _opt_decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _max_of(value: Any) -> Decimal | None:
    """A bound, or the largest of per-category bounds (``{"city": 2, "county": 4}``)."""
    if isinstance(value, Mapping):
        return max(to_decimal(v) for v in value.values()) if value else None
    return _opt_decimal(value)


def _per_category(value: Any) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, Mapping):
        return ()
    return tuple(sorted((str(k), to_decimal(v)) for k, v in value.items()))


def _check_type(instance: Any, attribute: Any, value: str) -> None:
    if value not in TYPES:
        raise ValueError(
            f"{getattr(instance, 'key', getattr(instance, 'name', '?'))}: unknown evidence type {value!r}; use one of {', '.join(TYPES)}"
        )


@frozen
class _Typed:
    """Type, unit, range and choices shared by fields and table columns."""

    type: str = attrs.field(validator=_check_type)
    unit: str = ""
    description: str = ""
    min: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    max: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    choices: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    #: Set-valued lists (the default) refuse an item listed twice: it would count twice.
    unique: bool = attrs.field(default=True, kw_only=True)
    #: Another field (of the same unit) or column (of the same row) this value may not exceed
    #: or fall below: a part larger than its whole, a reply before its letter (READING 15).
    at_most: str = attrs.field(default="", kw_only=True)
    at_least: str = attrs.field(default="", kw_only=True)
    #: The maximum per unit category, when one field feeds rows of different maxima.
    max_by_category: tuple[tuple[str, Decimal], ...] = attrs.field(default=(), kw_only=True, converter=_per_category)
    _fast: Callable[[Any, bool], Any] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def expected(self) -> str:
        """What a valid value looks like, for error messages and templates (in the command's language)."""
        text = _(TYPES[self.type])
        if self.type == "enum":
            text = _("one of {0}").format(", ".join(repr(c) for c in self.choices))
        if self.min is not None and self.max is not None:
            text += _(" from {0} to {1}").format(self.min, self.max)
        elif self.min is not None:
            text += _(", at least {0}").format(self.min)
        elif self.max is not None:
            text += _(", at most {0}").format(self.max)
        if self.max_by_category:
            text += " (" + ", ".join(f"{category} {bound}" for category, bound in self.max_by_category) + ")"
        if self.type == "list[str]" and self.choices:
            text += _(", each one of {0}").format(", ".join(repr(c) for c in self.choices))
        if self.type == "list[str]" and self.unique:
            text += _(", each listed once")
        if self.at_most:
            text += (_(", not after {0}") if self.type == "date" else _(", at most {0}")).format(self.at_most)
        if self.at_least:
            text += (_(", not before {0}") if self.type == "date" else _(", at least {0}")).format(self.at_least)
        if self.unit:
            text += f" ({_(self.unit)})"
        return text

    def for_category(self, category: str) -> Any:
        """This declaration with the maximum of ``category`` when the maximum depends on it."""
        bounds = dict(self.max_by_category)
        if category not in bounds:
            return self
        return attrs.evolve(self, max=bounds[category], max_by_category=())

    def __attrs_post_init__(self) -> None:
        # A converter specialised to this type and range, built once: every evidence value
        # of every unit goes through it. Anything it does not accept takes the general path
        # below, which accepts the same values and words the error.
        object.__setattr__(self, "_fast", _fast_parser(self.type, self.min, self.max, self.choices))  # frozen: set once

    def parse(self, raw: Any, where: str, key: str, *, from_text: bool = False) -> Any:
        """Convert and check one raw value; raise :class:`InputError` naming ``where`` and ``key``."""
        value = self._fast(raw, from_text)
        if value is not _SLOW:
            return value
        try:
            value = _PARSERS[self.type](self, raw, from_text)
        except (ValueError, TypeError, InvalidOperation, KeyError, AttributeError):
            if self.type == "graded" and isinstance(raw, dict) and set(raw) == {"points", "reason"} and raw["reason"] == "":
                # The template's placeholder, uncommented but not filled in: say what is missing.
                raise InputError(
                    where, key, _("not graded yet: the reason is empty; write the assessor's reason, or leave the line commented out")
                ) from None
            hint = did_you_mean(str(raw), self.choices) if self.choices and isinstance(raw, str) else ""
            raise InputError(where, key, _("expected {0}, got {1}").format(self.expected(), show(raw)), hint=hint) from None
        bound = value.points if isinstance(value, Grade) else value
        numeric = isinstance(bound, (int, Decimal)) and not isinstance(bound, bool)
        if numeric and not number_ok(bound):
            raise InputError(where, key, _("expected {0}, got a number out of range ({1})").format(self.expected(), show(raw)[:40]))
        if numeric and ((self.min is not None and bound < self.min) or (self.max is not None and bound > self.max)):
            raise InputError(where, key, _("expected {0}, got {1}").format(self.expected(), show(raw)))
        if self.type == "list[str]":
            if from_text:
                _check_separators(value, where, key)
            _check_list(self, value, where, key)
        return value


#: What a cell's list may have been typed with instead of ";": each item holding one was several
#: items read as one (three platforms typed with 、 scored as one platform).
_OTHER_SEPARATORS = ("、", "，", ",")


def _check_separators(items: tuple[str, ...], where: str, key: str) -> None:
    for item in items:
        mark = next((mark for mark in _OTHER_SEPARATORS if mark in item), None)
        if mark is not None:
            raise InputError(
                where, key, _("{0} holds '{1}': separate the items of a list with ';' (or '；'), one item each").format(repr(item), mark)
            )


def _check_list(spec: _Typed, items: tuple[str, ...], where: str, key: str) -> None:
    """Fixed choices and set semantics of a list: every problem is bad input, not a count."""
    if "" in items:
        raise InputError(where, key, _("an empty item; expected each item to name something (remove the empty one)"))
    if NONE in items:
        raise InputError(where, key, _("{0} (none) listed with other items; expected {0} alone, or the items alone").format(NONE))

    if spec.choices:
        for item in items:
            if item not in spec.choices:
                hint = did_you_mean(item, spec.choices) or _("choices: {0}").format(", ".join(spec.choices))
                raise InputError(where, key, _("unknown choice {0}; expected each one of the listed choices").format(repr(item)), hint=hint)
    if spec.unique:
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise InputError(where, key, _("{0} is listed twice; expected each item once (a set: it counts once)").format(repr(item)))
            seen.add(item)


_SLOW = object()


def _fast_parser(kind: str, low: Decimal | None, high: Decimal | None, choices: tuple[str, ...]) -> Callable[[Any, bool], Any]:
    """The common cases of one evidence type as one small function; ``_SLOW`` for the rest."""

    def in_range(value: Any) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    if kind == "int":

        def parse_int(raw: Any, from_text: bool) -> Any:
            if raw.__class__ is int:
                return raw if in_range(raw) and -MAX_INT < raw < MAX_INT else _SLOW
            if from_text and raw.__class__ is str and raw.isascii() and raw.isdigit() and len(raw) < 30:
                value = int(raw)
                return value if in_range(value) else _SLOW
            return _SLOW

        return parse_int
    if kind == "decimal":

        def parse_decimal(raw: Any, from_text: bool) -> Any:
            if raw.__class__ is Decimal and raw.is_finite():
                return raw if in_range(raw) else _SLOW
            if raw.__class__ is int:
                value = Decimal(raw)
                return value if in_range(value) else _SLOW
            if from_text and raw.__class__ is str and raw.isascii() and "_" not in raw:
                try:
                    value = Decimal(raw)
                except InvalidOperation:
                    return _SLOW
                return value if value.is_finite() and in_range(value) and number_ok(value) else _SLOW
            return _SLOW

        return parse_decimal
    if kind == "bool":
        return lambda raw, from_text: raw if raw.__class__ is bool else _SLOW
    if kind == "str":
        return lambda raw, from_text: raw if raw.__class__ is str else _SLOW
    if kind == "date":

        def parse_date(raw: Any, from_text: bool) -> Any:
            if raw.__class__ is _dt.date:
                return raw
            if raw.__class__ is str and len(raw) == 10 and raw[4] == raw[7] == "-":
                try:
                    return _dt.date.fromisoformat(raw)
                except ValueError:
                    return _SLOW
            return _SLOW

        return parse_date
    if kind == "graded":

        def parse_grade(raw: Any, from_text: bool) -> Any:
            if raw.__class__ is not dict or len(raw) != 2:
                return _SLOW
            points, reason = raw.get("points"), raw.get("reason")
            if points.__class__ is int:
                points = Decimal(points)
            if points.__class__ is not Decimal or not points.is_finite() or reason.__class__ is not str or not reason.strip():
                return _SLOW
            if not in_range(points):
                return _SLOW
            return Grade(points, reason.strip())

        return parse_grade
    if kind == "enum":
        allowed = frozenset(choices)
        return lambda raw, from_text: raw if raw.__class__ is str and raw in allowed else _SLOW
    return lambda raw, from_text: _SLOW


def _parse_bool(spec: _Typed, raw: Any, from_text: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if from_text and isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if isinstance(raw, str) and raw.strip() in ("是", "否"):  # as the workbook writes them, and the message offers
        return raw.strip() == "是"
    raise ValueError


def _parse_int(spec: _Typed, raw: Any, from_text: bool) -> int:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal) and raw.is_finite() and raw.as_tuple().exponent == 0:
        return int(raw)  # a whole number typed as a decimal column of scale 0 (Parquet decimal128(12, 0))
    if from_text and isinstance(raw, str) and _ASCII_INT.fullmatch(raw.strip()):
        return int(raw.strip())
    raise ValueError


def _parse_decimal(spec: _Typed, raw: Any, from_text: bool) -> Decimal:
    if isinstance(raw, (bool, float)):
        raise ValueError
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
        if not value.is_finite():  # TOML's nan and inf
            raise ValueError
        return value
    if from_text and isinstance(raw, str) and _ASCII_DECIMAL.fullmatch(raw.strip()):
        value = Decimal(raw.strip())
        if not value.is_finite():
            raise ValueError
        return value
    raise ValueError


def _parse_str(spec: _Typed, raw: Any, from_text: bool) -> str:
    if not isinstance(raw, str):
        raise ValueError
    return raw


def _parse_date(spec: _Typed, raw: Any, from_text: bool) -> _dt.date:
    if isinstance(raw, _dt.datetime):
        raise ValueError
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, str):  # TOML has dates, CSV and inline text give ISO strings
        return iso_date(raw.strip())
    raise ValueError


def iso_date(text: str) -> _dt.date:
    """The date ``YYYY-MM-DD`` (ASCII digits), else ``ValueError``: date.fromisoformat also reads
    20170114, 2017W026 and 2017-W48-4, which the messages and the templates do not offer (a code
    of eight digits would have been read as a date)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (text.isascii() and (text[:4] + text[5:7] + text[8:]).isdigit()):
        raise ValueError(text)
    return _dt.date.fromisoformat(text)


def _parse_enum(spec: _Typed, raw: Any, from_text: bool) -> str:
    if not isinstance(raw, str) or raw not in spec.choices:
        raise ValueError
    return raw


def _parse_graded(spec: _Typed, raw: Any, from_text: bool) -> Grade:
    if not isinstance(raw, dict) or set(raw) != {"points", "reason"}:
        raise ValueError
    points = _parse_decimal(spec, raw["points"], from_text)
    reason = raw["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError
    return Grade(points, reason.strip())


def _parse_list(spec: _Typed, raw: Any, from_text: bool) -> tuple[str, ...]:
    if from_text and isinstance(raw, str):
        # A cell of a table: items separated by ";" (or the full-width "；" a Chinese keyboard
        # types), and 无 for none, as the workbook writes it; an empty cell is a field not given.
        text = raw.strip()
        if text == NONE:
            return ()
        return tuple(part.strip() for part in text.replace("；", ";").split(";") if part.strip())
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError
    # Items as a cell's are read: without the spaces around them, 无 alone for none (a TOML
    # array, a Parquet list and --set had counted " a " beside "a", and 无, as items).
    items = tuple(item.strip() for item in raw)
    return () if items == (NONE,) else items


_PARSERS: dict[str, Callable[[_Typed, Any, bool], Any]] = {
    "bool": _parse_bool,
    "int": _parse_int,
    "decimal": _parse_decimal,
    "str": _parse_str,
    "date": _parse_date,
    "enum": _parse_enum,
    "graded": _parse_graded,
    "list[str]": _parse_list,
}


def _check_key(instance: Any, attribute: Any, value: str) -> None:
    if not _KEY.match(value):
        raise ValueError(f"evidence key {value!r} must be dotted lower-case words, e.g. 'letters.valid_last_12m'")


@frozen
class Field(_Typed):
    """One typed fact per unit, written in the unit's TOML file under ``key``."""

    key: str = attrs.field(default="", kw_only=True, validator=_check_key)
    #: An absent optional field is ``None`` for the rules, instead of *missing* evidence.
    optional: bool = attrs.field(default=False, kw_only=True)
    #: Whether the unit itself can change this fact: the improvement plan (``escore plan``)
    #: proposes changes only to actionable fields, never to the assessment's own (a monitoring date).
    actionable: bool = attrs.field(default=True, kw_only=True)
    #: A date of the assessment itself (a monitoring date), expected within the year the ruleset
    #: assesses: one outside it is warned of, unit by unit, since every window or deadline
    #: counted from it moves with it (2019 typed for 2017 left every letter out of 注1's year).
    in_assessment_year: bool = attrs.field(default=False, kw_only=True)
    #: Lists of one unit sharing this name hold no item in common: one platform is in one class
    #: (an item listed in two of them would count twice).
    unique_across: str = attrs.field(default="", kw_only=True)

    @property
    def fixture_name(self) -> str:
        """The name rules use to ask for this field."""
        return self.key.replace(".", "_")


def field(
    key: str,
    type: str,
    *,
    unit: str = "",
    description: str = "",
    min: Any = None,
    max: Any = None,
    choices: tuple[str, ...] = (),
    unique: bool = True,
    at_most: str = "",
    at_least: str = "",
    optional: bool = False,
    actionable: bool = True,
    in_assessment_year: bool = False,
    unique_across: str = "",
) -> Field:
    """Declare an evidence field (assign it to a module variable of the pack's evidence module).

    ``max`` may be a mapping by unit category (``{"city": 2, "county": 4}``) when one field
    feeds rows of different maxima; ``at_most``/``at_least`` name another field of the unit
    that bounds this one (a part and its whole); a ``list[str]`` with ``choices`` accepts only
    those, and refuses an item listed twice unless ``unique=False``. A broken constraint is
    bad input, reported when the evidence is loaded. ``actionable=False`` marks a fact the unit
    cannot change (the assessment's monitoring date, say): ``escore plan`` proposes no change to it.
    A ``graded`` field's points are at least 0 unless ``min`` says otherwise.
    ``in_assessment_year=True`` (a ``date`` field) marks a date of the assessment itself: one
    outside the year the ruleset assesses is warned of when the evidence is loaded, naming
    each unit and its date (a later year's ruleset inherits the declaration with its own year).
    ``unique_across="city.platforms"`` (a ``list[str]`` field): the lists of a unit declared with
    the same name hold no item in common (one platform listed in one class); an item in two of
    them is bad input.
    """
    if in_assessment_year and type != "date":
        raise ValueError(f"evidence field {key!r}: in_assessment_year applies to a date field, not {type!r}")
    if unique_across and type != "list[str]":
        raise ValueError(f"evidence field {key!r}: unique_across applies to a list[str] field, not {type!r}")
    if type == "graded" and min is None:
        # An assessor's points range from 0 (READING 2): a negative grade is bad input when
        # the evidence is read, not an indicator's error when it is scored.
        min = 0
    return Field(
        type,
        unit,
        description,
        min,
        _max_of(max),
        choices,
        key=key,
        optional=optional,
        actionable=actionable,
        in_assessment_year=in_assessment_year,
        unique_across=unique_across,
        unique=unique,
        at_most=at_most,
        at_least=at_least,
        max_by_category=max if isinstance(max, Mapping) else (),
    )


@frozen
class Column(_Typed):
    """One column of a monitoring table."""

    name: str = attrs.field(default="", kw_only=True)
    required: bool = attrs.field(default=True, kw_only=True)
    #: ``(other column, ((its value, maximum), ...))``: the maximum depends on another column.
    max_by: tuple[str, tuple[tuple[str, Decimal], ...]] | None = attrs.field(default=None, kw_only=True)
    #: ``(table, column, ((filter column, value), ...))``: the value must occur there (per unit).
    within: tuple[str, str, tuple[tuple[str, str], ...]] | None = attrs.field(default=None, kw_only=True)
    #: A date column: the ``int`` column holding the year this date must come after (a report on
    #: 2016 appears once 2016 is over).
    after_year: str = attrs.field(default="", kw_only=True)
    #: A date column of the assessed year's events: one before that year begins is warned of
    #: (this year's work summary received the year before), as a field's ``in_assessment_year``.
    since_assessment_year: bool = attrs.field(default=False, kw_only=True)

    def expected(self) -> str:
        text = _Typed.expected(self)
        if self.max_by is not None:
            bounds = _(", ").join(_("{0} when {1} is {2}").format(bound, self.max_by[0], value) for value, bound in self.max_by[1])
            text += _(", at most {0}").format(bounds)
        if self.within is not None:
            table, column, where = self.within
            condition = "".join(_(" with {0} {1}").format(k, v) for k, v in where)
            text += _(", a {0} of the unit's rows in {1}{2}").format(column, table, condition)
        return text


def missing_column(col: Column) -> str:
    """The problem of a table whose header lacks ``col``: an optional column is left empty
    where a row has no value, never left out (every letter's reply date lost had looked like
    every letter unanswered, a veto on every unit). What the column holds is said to be its values
    (``one of 'a', 'b'`` had read as a list of columns)."""
    if col.required:
        return _("missing column (its values: {0})").format(col.expected())
    return _("missing column (its values: {0}; optional: leave a row's cell empty, but keep the column)").format(col.expected())


def column(
    name: str,
    type: str,
    *,
    unit: str = "",
    description: str = "",
    min: Any = None,
    max: Any = None,
    choices: tuple[str, ...] = (),
    required: bool = True,
    at_most: str = "",
    at_least: str = "",
    max_by: tuple[str, Mapping[str, Any]] | None = None,
    within: tuple[str, str, Mapping[str, str]] | None = None,
    after_year: str = "",
    since_assessment_year: bool = False,
) -> Column:
    """Declare a column of a :class:`Table`.

    ``at_most``/``at_least`` name another column of the same row (a reply not before its
    letter: ``at_least="received"``); ``max_by=("row", {"a": 6, "b": 10})`` gives the
    maximum by the value of another column; ``within=("other_table", "month", {"row": "b"})``
    requires the value to occur in that column of the unit's rows of another table (those
    matching the filter), when the unit has such rows at all. For a date column,
    ``after_year="year"`` names the ``int`` column whose year it must come after (a report on a
    year is published once the year is over: refused otherwise), and ``since_assessment_year=True``
    warns of a date before the year the ruleset assesses (this year's summary received last year).
    """
    if (after_year or since_assessment_year) and type != "date":
        raise ValueError(f"column {name!r}: after_year and since_assessment_year apply to a date column, not {type!r}")
    return Column(
        type,
        unit,
        description,
        min,
        max,
        choices,
        name=name,
        required=required,
        at_most=at_most,
        at_least=at_least,
        max_by=None if max_by is None else (max_by[0], tuple(sorted((k, to_decimal(v)) for k, v in max_by[1].items()))),
        within=None if within is None else (within[0], within[1], tuple(sorted(within[2].items()))),
        after_year=after_year,
        since_assessment_year=since_assessment_year,
    )


@frozen
class Table:
    """A monitoring table: ``<name>.csv``, one row per event, a ``unit`` column first.

    Rules receive the unit's rows as a tuple of named tuples with the fields
    ``unit``, ``line`` (the CSV line, for explanations) and one per column.
    """

    name: str = attrs.field(validator=attrs.validators.matches_re(r"^[a-z][a-z0-9_]*$"))
    columns: tuple[Column, ...] = attrs.field(converter=as_tuple)
    description: str = ""
    rollup: bool = False
    #: Columns whose values together identify a row within a unit (one monthly score per month).
    unique: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, kw_only=True)
    #: Read for context only: an absent file gives ``None`` to the rules instead of *missing*.
    optional: bool = attrs.field(default=False, kw_only=True)
    #: ``(column, ((value, count), ...))``: a unit has at most ``count`` rows with that value
    #: there (three HD rooms a county must have: at most three of them missing).
    rows_at_most: tuple[str, tuple[tuple[str, int], ...]] | None = attrs.field(default=None, kw_only=True)
    row_type: type = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "row_type", namedtuple(f"{self.name}_row", ["unit", "line", *(c.name for c in self.columns)]))

    @property
    def fixture_name(self) -> str:
        return self.name


def table(
    name: str,
    *columns: Column,
    description: str = "",
    rollup: bool = False,
    unique: tuple[str, ...] = (),
    optional: bool = False,
    rows_at_most: tuple[str, Mapping[str, int]] | None = None,
) -> Table:
    """Declare a monitoring table; ``rollup=True`` gives a unit its sub-units' rows too;
    ``unique=("month", "row")``: a unit may not have two rows with the same values there;
    ``optional=True``: rules read it for context only, and an absent file is ``None``;
    ``rows_at_most=("kind", {"hd_room_missing": 3})``: a unit has at most 3 rows of that kind."""
    most = None if rows_at_most is None else (rows_at_most[0], tuple(sorted(rows_at_most[1].items())))
    return Table(name, columns, description, rollup, unique=unique, optional=optional, rows_at_most=most)


class FixtureDecl(NamedTuple):
    """The declaration ``@fixture`` attaches to a function."""

    name: str


def fixture(func: F | None = None, *, name: str | None = None) -> Any:
    """Declare a fixture: a function of other fixtures that yields a fact for rules.

    Like pytest fixtures, its parameters are resolved by name, and its value is
    computed once per unit.
    """

    def decorate(f: F) -> F:
        setattr(f, FIXTURE_ATTRIBUTE, FixtureDecl(name or f.__name__))
        return f

    return decorate(func) if func is not None else decorate
