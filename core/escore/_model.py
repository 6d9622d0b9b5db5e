"""What packs register: rulesets, unit categories, sections, units and rosters."""

from __future__ import annotations

import collections
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from ._citation import Citation
from ._converters import as_tuple
from ._errors import InputError
from ._frozen import frozen
from ._i18n import gettext as _
from ._score import to_decimal
from ._text import show
from ._toml import check_keys, read_toml, require


@frozen
class Ruleset:
    """One assessment scheme of one year, e.g. ``fj2017``.

    :param missing_points: the points a ``missing`` indicator gets: ``"zero"`` or ``"max"``.
    :param extends: the ruleset this one inherits from (a later year of the same scheme):
        its categories, sections, indicators, fixtures, parameters, rosters, sample
        evidence and golden cases, except what the packs of this ruleset declare anew.
    :param language: the language its commands print in unless ``--lang``/``ESCORE_LANG`` say
        otherwise (``"en"``, ``"zh"``).
    """

    name: str
    year: int
    title: str = ""
    document: str = ""
    missing_points: str = attrs.field(default="zero", validator=attrs.validators.in_(("zero", "max")))
    extends: str | None = None
    language: str = attrs.field(default="en", validator=attrs.validators.in_(("en", "zh")), kw_only=True)


@frozen
class Category:
    """A category of assessed units (``provincial``, ``city``, ``county``) within a ruleset.

    :param subunits: the category whose units sit under these (for roll-ups).
    :param total: the points a unit can score in all, when the notice states it (100);
        the sections' weights must add up to it. Sections come from several packs, so
        this is what tells a run that one of them is missing or failed to load, rather
        than ranking units out of 70 instead of 100 (a catalogue of some packs only, as in a
        pack's own tests, refuses only weights over it).
    """

    ruleset: str
    key: str
    title: str
    subunits: str | None = None
    total: Decimal | None = attrs.field(default=None, kw_only=True, converter=attrs.converters.optional(to_decimal))


@frozen
class Section:
    """A weighted part of a category's total: ``points = raw × weight ÷ raw_max``.

    :param sample_evidence: directories of synthetic sample evidence for this section.
        A ruleset that extends another and redeclares a section without sample
        evidence inherits the base section's.
    :param source: the clause that sets the section's title and weight.
    """

    ruleset: str
    category: str
    name: str
    title: str
    weight: Decimal = attrs.field(converter=to_decimal)
    raw_max: Decimal = attrs.field(converter=to_decimal)
    sample_evidence: tuple[Path, ...] = attrs.field(default=(), converter=as_tuple)
    source: Citation | None = None


def read_only(attributes: Mapping[str, Any]) -> Mapping[str, Any]:
    """A unit's attributes as it keeps them: a read-only copy (``types.MappingProxyType``), so
    that neither a result's reader nor the caller who gave them can change the roster's units (a
    notebook's ``unit.attributes["kind"] = "rural"`` had changed the variant the next run scored).
    A read-only mapping given is kept as it is: units that share one keep sharing it."""
    if attributes.__class__ is MappingProxyType:
        return attributes
    return MappingProxyType(dict(attributes))


def _shown_as_dict(attributes: Mapping[str, Any]) -> str:
    return repr(dict(attributes))


@frozen
class Unit:
    """An assessed unit: a stable ASCII code, a display name, its parent unit if any.

    :param attributes: what picks the unit's variants (``dc_variant``), kept read-only.
    """

    code: str
    name: str
    category: str
    parent: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=read_only, repr=_shown_as_dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # A read-only mapping does not pickle: a forked process sends its results back pickled,
        # and a program may keep them so. The attributes go as a dict, made read-only again.
        return (Unit, (self.code, self.name, self.category, self.parent, dict(self.attributes)))


class Listed(NamedTuple):
    """A unit as its roster lists it, beside which a workbook's row is checked: the row's name
    (column B) and parent (column C) are the roster's, or left empty."""

    name: str
    parent: str = ""
    parent_name: str = ""


def listed(units: Iterable[Unit], everyone: Iterable[Unit]) -> dict[str, Listed]:
    """``units`` by code as their roster lists them, a parent's name found among ``everyone``."""
    name_of = {u.code: u.name for u in everyone}
    return {u.code: Listed(u.name, u.parent or "", name_of.get(u.parent or "", "")) for u in units}


_UNIT_KEYS = ("code", "name", "parent", "attributes")


_UNIT_FIELDS = ("code", "name", "category", "parent", "attributes")


def units_from_columns(
    codes: Sequence[str], names: Sequence[str], category: str, parents: Sequence[str | None], attributes: Sequence[Mapping[str, Any]]
) -> list[Unit]:
    """``[Unit(code, name, category, parent, attributes) for …]`` over the columns, equal to it unit
    for unit, made a field at a time: each slot set by its descriptor over the whole column
    (C-level passes) instead of a generated ``__init__`` call per unit (100,000 units: 125 ms
    against 65). Only while ``Unit`` has nothing its constructor would add (a validator, a
    converter other than the attributes' :func:`read_only`, a post-init hook); otherwise, and
    for a handful of units, the constructor.

    Units given one mapping share one read-only view of it, which takes it over (see
    :func:`_read_only_each`): a units table of 100,000 units holds a mapping per distinct set of
    attributes, each made read-only once, not once per unit."""
    count = len(codes)
    attributes = _read_only_each(attributes)
    if count < 64 or not _plain_unit_fields():
        return list(map(Unit, codes, names, itertools.repeat(category), parents, attributes))
    units = list(map(object.__new__, itertools.repeat(Unit, count)))
    consume = collections.deque[None](maxlen=0).extend
    columns: tuple[Iterable[Any], ...] = (codes, names, itertools.repeat(category, count), parents, attributes)
    for name, column in zip(_UNIT_FIELDS, columns, strict=True):
        slot: Any = Unit.__dict__[name]  # the member descriptor of the field's slot
        consume(map(slot.__set__, units, column))
    return units


def _read_only_each(mappings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each mapping made read-only once per distinct mapping (by identity) and shared by the
    units given it (100,000 units of three sets of attributes: three views). The mappings are
    taken over, as a units table's reader makes them for these units alone: a plain ``dict`` is
    wrapped, not copied (100,000 units each with a mapping of its own, a typed table's: 45 ms
    rather than 72)."""
    ids = list(map(id, mappings))  # the mappings are alive in ``mappings`` meanwhile: no id is reused
    made = {
        key: MappingProxyType(mapping) if mapping.__class__ is dict else read_only(mapping)
        for key, mapping in dict(zip(ids, mappings)).items()
    }
    return list(map(made.__getitem__, ids))


def _plain_unit_fields() -> bool:
    """Whether :class:`Unit`'s constructor only stores its arguments (the attributes as
    :func:`read_only` makes them, which :func:`units_from_columns` does a column at a time), in
    the order of its fields."""
    fields = attrs.fields(Unit)
    return (
        tuple(field.name for field in fields) == _UNIT_FIELDS
        and all(
            field.validator is None and field.converter is (read_only if field.name == "attributes" else None) and field.init
            for field in fields
        )
        and not any(hasattr(Unit, hook) for hook in ("__attrs_pre_init__", "__attrs_post_init__"))
    )


def repeated_codes(codes: Iterable[str]) -> list[str]:
    """The codes given more than once, sorted; one pass (100k units must not cost 100k scans)."""
    codes = list(codes)
    if len(set(codes)) == len(codes):  # as nearly always: a C-level pass settles it
        return []
    seen: set[str] = set()
    repeated: set[str] = set()
    for code in codes:
        (repeated if code in seen else seen).add(code)
    return sorted(repeated)


@frozen
class Roster:
    """The units of one category of a ruleset.

    :param source: the roster file it was read from (:meth:`from_toml`), for the messages that
        name a unit of it; not part of its value.
    """

    ruleset: str
    category: str
    units: tuple[Unit, ...] = attrs.field(converter=as_tuple)
    source: Path | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Roster:
        """Read a roster file::

        [roster]
        ruleset = "fj2017"
        category = "city"

        [[unit]]
        code = "fuzhou"
        name = "福州市"
        attributes = {}
        """
        path = Path(path)
        where = str(path)
        data = read_toml(path, cached=True)  # rosters are read on every command
        check_keys(data, ("roster", "unit"), where)
        head = require(data, "roster", dict, where)
        check_keys(head, ("ruleset", "category"), where, "roster.")
        ruleset = require(head, "ruleset", str, where, "roster.")
        category = require(head, "category", str, where, "roster.")
        units = []
        for index, entry in enumerate(require(data, "unit", list, where)):
            prefix = f"unit[{index}]."
            check_keys(entry, _UNIT_KEYS, where, prefix)
            parent = entry.get("parent")
            if parent is not None and not isinstance(parent, str):
                raise InputError(where, prefix + "parent", _("expected a unit code, got {0}").format(show(parent)))
            attributes = entry.get("attributes", {})
            if not isinstance(attributes, dict):
                raise InputError(where, prefix + "attributes", _("expected a table"))
            units.append(
                Unit(require(entry, "code", str, where, prefix), require(entry, "name", str, where, prefix), category, parent, attributes)
            )
        duplicates = repeated_codes(unit.code for unit in units)
        if duplicates:
            raise InputError(where, "unit.code", _("unit codes must be unique; repeated: {0}").format(", ".join(duplicates)))
        return cls(ruleset, category, units, source=path)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)


@frozen
class EvidenceLoader:
    """Reads one kind of evidence file.

    :param suffix: the file suffix it reads (``".toml"``, ``".csv"``).
    :param kind: ``"unit"`` (one file per unit, named by its code, returning a nested
        mapping), ``"table"`` (a monitoring table, returning ``(line, row)`` pairs) or
        ``"workbook"`` (a whole evidence set in one spreadsheet, returning sheet name →
        rows of cell values from cell A1; the core reads the sheets' layout, see
        ``escore template --format xlsx``).
    :param read: ``read(path)``; raises :class:`~escore.InputError` on malformed input.
    """

    suffix: str
    kind: str = attrs.field(validator=attrs.validators.in_(("unit", "table", "workbook")))
    read: Callable[[Path], Any]


@frozen
class OutputFormat:
    """An output format of ``escore run`` (and optionally ``escore list``).

    :param render_run: ``render_run(result) -> str`` (``bytes`` when ``binary``).
    :param render_catalog: ``render_catalog(plan) -> str``, or ``None`` if not supported.
    :param explanations: whether the format shows explanation lines; without them
        the engine keeps only statuses and points, which is faster for many units.
    :param write_run: ``write_run(result, stream)``, the same output written piece by piece;
        with it ``escore run`` keeps a summary per unit and scores each unit's detail again
        as the writer reads ``result.units`` (memory bounded for any number of units). A
        ``binary`` format writes its bytes to ``stream.buffer`` (the workbook).
    :param max_units: the most units ``escore run`` writes in this format, for one built whole
        in memory (the single-page report): a larger run is refused before any unit
        is scored, naming the formats that stream.
    """

    name: str
    render_run: Callable[[Any], str | bytes]
    render_catalog: Callable[[Any], str] | None = None
    suffix: str = ".txt"
    explanations: bool = True
    #: ``render_run`` returns ``bytes`` (a workbook): written to ``--output`` only, never to a terminal.
    binary: bool = False
    write_run: Callable[[Any, Any], None] | None = attrs.field(default=None, kw_only=True)
    max_units: int | None = attrs.field(default=None, kw_only=True)
