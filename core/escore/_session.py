"""One run of a category: choose the ruleset, load roster and evidence, score, rank."""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
import os
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from ._collect import Plan
from ._errors import InputError, InputErrors, PackError, UsageError, did_you_mean, misspelt_column, misspelt_column_problem, with_hint
from ._evidence_set import EvidenceSet
from ._files import digests_ahead
from ._i18n import gettext as _
from ._load import DeferredEvidence, OtherUnits, defer_evidence, load_evidence, workbook_among
from ._model import Listed, Unit, listed
from ._plugins import Catalog, wrong_parent
from ._results import RunResult, count_statuses
from ._run import Engine, rank
from ._score import in_scoring_context
from ._selection import select
from ._stamp import PackStamp, make_stamp
from ._text import show
from ._version import __version__


def check_roster(
    plan: Plan, units: Sequence[Unit], where: str, *, row_of: Callable[[str], tuple[int, Mapping[str, Any]] | None] | None = None
) -> None:
    """Every unit carries the attributes the tree's variants are picked by, with a declared value.

    ``row_of`` finds a unit's line and row in a units table (``where``): the problem is then
    named by ``FILE:LINE`` and the column, as every other cell of a table is."""
    choices = variant_choices(plan)
    if not choices:
        return
    # Each distinct mapping once: a units table shares one among units with the same attributes
    # (100,000 units: 0.1 s one by one). Any doubt, and the units are checked in order for the
    # first problem's message.
    mappings = list(map(_ATTRIBUTES, units))
    distinct = dict(zip(map(id, mappings), mappings)).values()
    if all(_declared(mapping.get(attribute), allowed) for mapping in distinct for attribute, allowed in choices.items()):
        return
    for unit in units:
        for attribute, allowed in sorted(choices.items()):
            value = unit.attributes.get(attribute)
            if not _declared(value, allowed):
                found = row_of(unit.code) if row_of is not None else None
                if found is None:
                    raise InputError(
                        where,
                        f"{unit.code}.attributes.{attribute}",
                        _("expected one of {0}, got {1}").format(", ".join(sorted(allowed)), show(value)),
                    )
                line, row = found
                if attribute not in row:
                    from ._columnar import ROSTER_COLUMNS

                    typo = misspelt_column(attribute, row, (*ROSTER_COLUMNS, *choices))
                    if typo is not None:  # the table's read names it so: here for a reader of a plugin's
                        raise InputError(where, attribute, misspelt_column_problem(typo, attribute))
                    raise InputError(where, attribute, _("missing column: the variants of {0} are picked by it").format(plan.category.key))
                got = _("an empty cell") if value in (None, "") else show(value)
                raise InputError(f"{where}:{line}", attribute, _("expected one of {0}, got {1}").format(", ".join(sorted(allowed)), got))


_ATTRIBUTES = operator.attrgetter("attributes")


def variant_choices(plan: Plan) -> dict[str, set[str]]:
    """The attributes the category's variants are picked by (``dc_variant``), each with the values
    that pick one."""
    choices: dict[str, set[str]] = {}
    for node in plan.nodes.values():
        if node.variant_by:
            choices.setdefault(node.variant_by, set()).update(v for c in node.children if (v := plan.nodes[c].variant))
    return choices


def _declared(value: Any, allowed: set[str]) -> bool:
    """Whether ``value`` is one of the variants (texts): a list from a typed units table is not,
    and must not reach the set's hash (a traceback, not the error that names the unit)."""
    return isinstance(value, str) and value in allowed


def children_of(catalog: Catalog, plan: Plan) -> dict[str, tuple[Unit, ...]]:
    """Sub-units by parent code (e.g. a city's counties), for roll-ups and the ``subunits`` fixture."""
    sub = plan.category.subunits
    if not sub or (plan.ruleset.name, sub) not in catalog.rosters:
        return {}
    out: dict[str, list[Unit]] = {}
    for unit in catalog.roster(plan.ruleset.name, sub):
        if unit.parent:
            out.setdefault(unit.parent, []).append(unit)
    return {code: tuple(units) for code, units in out.items()}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile (as :meth:`Engine.score_many` does while scoring)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def units_of(catalog: Catalog, ruleset: str, category: str, roster: Path | None = None) -> tuple[tuple[Unit, ...], set[str]]:
    """The units of a category in code order (the pack's roster, or the units table ``roster``)
    and every unit code of the ruleset (for telling other categories' evidence from typos)."""
    if roster is None:
        return catalog.roster(ruleset, category), catalog.all_unit_codes(ruleset)
    # A command may read the same table several times (a what-if: to find the unit, then in each
    # of its three runs); its units, sorted and checked, are kept for this catalogue by the state
    # of the file (100,000 units: 235 ms a read, even from the cache of units tables). The state
    # is what escore._files.file_sha256 keeps a digest by within a process: the same bytes.
    read_before = _units_tables.setdefault(catalog, {})
    try:
        info = os.stat(roster)
        content = (ruleset, category, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    except OSError:  # unreadable: the read says why
        content = None
    found = read_before.get(content) if content is not None else None
    if found is None:
        found = _read_units_table(catalog, ruleset, category, roster)
        if content is not None:
            read_before[content] = found
    units, known = found
    return units, set(known)  # a caller's own set: the kept one is never changed


#: Per catalogue, the units tables read, by the state of the file (:func:`units_of`).
_units_tables: weakref.WeakKeyDictionary[Catalog, dict[tuple[str, str, tuple[int, int, int, int]], tuple[tuple[Unit, ...], set[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _read_units_table(catalog: Catalog, ruleset: str, category: str, roster: Path) -> tuple[tuple[Unit, ...], set[str]]:
    from ._collect import sorted_naturally
    from ._columnar import read_roster_table
    from ._pack_units import check_pack_units

    attributes = sorted(variant_choices(catalog.plan(ruleset, category)))  # columns of the table as much as name
    table = read_roster_table(roster, ruleset, category, catalog.loaders, attributes)
    units = tuple(sorted_naturally(table.units, operator.attrgetter("code")))
    known = {u.code for (r, key), (pack, _) in catalog.rosters.items() if r == ruleset and key != category for u in pack.units}
    codes = set(map(operator.attrgetter("code"), units))  # one C-level pass (100,000 units: a set comprehension took 2-3 times as long)
    clash = sorted(known & codes)  # the packs' few codes looked up in the table's, not the other way round
    if clash:
        raise InputError(str(roster), "code", _("unit code '{0}' belongs to another category of ruleset {1}").format(clash[0], ruleset))
    # The table replaces the pack's roster of this category: a row of one of the pack's units of
    # it that the table leaves out is refused as a typo is (outside_units_table says which), not
    # skipped: a department deleted from the table by mistake had vanished from the ranking, its
    # evidence unread, without a word. Other categories' units stay known: their files are skipped.
    own = pack_codes(catalog, ruleset, category)
    _check_parents(catalog, ruleset, category, roster, units, codes)
    check_pack_units(catalog, ruleset, category, roster, units, attributes)
    return units, (catalog.all_unit_codes(ruleset) - own) | codes


def _check_parents(catalog: Catalog, ruleset: str, category: str, roster: Path, units: Sequence[Unit], codes: set[str]) -> None:
    """Every ``parent`` of a units table names a unit of the category whose sub-units the
    category's are (a county's is a city), else of another category: a typo, a unit's own code
    or a department had been published as the parent (the rule a pack's roster is held to:
    :func:`escore._plugins.wrong_parent`)."""
    if not any(map(operator.attrgetter("parent"), units)):
        return
    category_of = catalog.unit_categories(ruleset)
    above = {key for key in catalog.parent_categories(ruleset, category) if (ruleset, key) in catalog.rosters}
    wrong = wrong_parent(units, category, category_of, above, codes, table=True)
    if wrong is None:
        return
    from ._columnar import roster_row

    found = roster_row(roster, catalog.loaders, wrong.unit.code)
    where = f"{roster}:{found[0]}" if found is not None else str(roster)
    raise InputError(where, "parent", wrong.said, hint=wrong.hint)


def other_units(catalog: Catalog, plan: Plan) -> OtherUnits:
    """The ruleset's units as the evidence reader of ``plan`` asks about a monitoring row of a unit
    it does not score (escore._load.OtherUnits): their categories and the tables each category's
    plan reads, looked up only when such a row is read."""
    ruleset, category = plan.ruleset.name, plan.category.key

    def tables_of(key: str) -> list[str]:
        try:
            return [table.name for table in catalog.plan(ruleset, key).tables]
        except PackError:
            # A category whose plan cannot be built (a broken later pack) may read any table the
            # packs declare: its units' rows are not refused for a reason this run cannot know.
            return [d.table.name for d in plan.fixtures.values() if d.table is not None]

    others = sorted(key for name, key in catalog.categories if name == ruleset and key != category)
    titles = {key: declared.title for (name, key), (declared, _plugin) in catalog.categories.items() if name == ruleset}
    return OtherUnits(category, plan.category.subunits, functools.partial(catalog.unit_categories, ruleset), tables_of, others, titles)


def pack_codes(catalog: Catalog, ruleset: str, category: str) -> set[str]:
    """The codes of the pack's roster of a category (none when the ruleset registers none)."""
    return {u.code for (r, key), (pack, _) in catalog.rosters.items() if r == ruleset and key == category for u in pack.units}


def outside_units_table(exc: InputError, left_out: Collection[str], roster: Path, category: str, *, sample: bool = False) -> InputError:
    """``exc`` said again when it is an unknown unit code that is one of ``left_out`` (the pack's
    units of the category that the units table ``roster`` does not list): the unit is known, only
    not scored, and the user is told so rather than of a typo. ``sample``: no evidence was given,
    so the pack's sample was read, which holds the pack's units and no others."""
    if not left_out:
        return exc
    said = _("unit '{0}' is not in the units table {1}")
    advice = _("it is one of the pack's {0} units: add it to the table to score it, or leave its rows out of the evidence")
    if sample:
        advice = _("no evidence was given (-e), so the pack's sample of its own {0} units was read: give the table's units' evidence")
    table = roster.name
    messages = (_("unknown unit code '{0}'"), _("unknown unit code '{0}' (the file name must be a unit code)"))
    if isinstance(exc, InputErrors):  # a workbook: every problem at once, each a line
        problems = list(exc.problems)
        changed = False
        for code in left_out:
            unknown = messages[0].format(code)
            for i, line in enumerate(problems):
                at = line.find(unknown)
                if at >= 0:  # what follows is the "did you mean" of a typo: this is none
                    problems[i] = with_hint(f"{line[:at]}{said.format(code, table)}", advice.format(category))  # as InputError writes it
                    changed = True
        return InputErrors(exc.where, exc.expected, problems) if changed else exc
    for message in messages:
        before, _placeholder, after = message.partition("{0}")
        text = exc.expected
        if text.startswith(before) and text.endswith(after) and len(text) > len(before) + len(after):
            code = text[len(before) : len(text) - len(after)]
            if code in left_out:
                return InputError(exc.where, exc.key, said.format(code, table), hint=advice.format(category))
    return exc


def relabel(data: EvidenceSet, paths: Sequence[Path]) -> EvidenceSet:
    """The evidence set with every evidence path shown relative to its root's label (no machine paths in output)."""
    from ._paths import root_label

    prefixes = sorted(((str(p), root_label(p)) for p in paths), key=lambda item: -len(item[0]))
    labels = dict(prefixes)

    @functools.cache
    def show_file(path: str) -> str | None:
        if path in labels:  # a unit file given as an evidence path
            return labels[path]
        for prefix, label in prefixes:
            if path.startswith(prefix + os.sep):
                return label + "/" + Path(path[len(prefix) + 1 :]).as_posix()
        return None

    def show(where: str) -> str:
        parts = []
        for part in where.split(" + "):
            # A row of a table, "FILE:LINE": the 100k units of one table name one file, relabelled once.
            path, colon, line = part.rpartition(":")
            shown = show_file(path) if colon and line.isdigit() else None
            if shown is None:
                shown = show_file(part) or part
            else:
                shown = f"{shown}:{line}"
            parts.append(shown)
        return " + ".join(parts)

    def show_in(message: str) -> str:  # the paths a warning names, as output names them
        for prefix, label in prefixes:
            message = message.replace(prefix + os.sep, label + "/")
        return message

    return attrs.evolve(
        data,
        files=_Shown(data.files, show),
        sources=tuple(labels[str(p)] for p in paths),
        warnings=tuple(map(show_in, data.warnings)),
    )


class _Shown(Mapping[str, str]):
    """Each unit's evidence files as shown (relabelled), worked out for the units that are read.

    A ranking or a CSV of 100,000 units reads none of them: relabelling every unit up front
    cost 0.2 s there. Each is shown once and kept, so a unit read twice shows the same text.
    """

    def __init__(self, raw: Mapping[str, str], show: Callable[[str], str]) -> None:
        self._raw, self._show = raw, show
        self._shown: dict[str, str] = {}

    def __getitem__(self, code: str) -> str:
        try:
            return self._shown[code]
        except KeyError:
            out = self._shown[code] = self._show(self._raw[code])
            return out

    def get(self, code: str, default: Any = None) -> Any:  # the engine's lookup: no exception per unit
        return self[code] if code in self._raw else default

    def __contains__(self, code: object) -> bool:
        return code in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def pack_stamps(catalog: Catalog, plan: Plan) -> Iterable[PackStamp]:
    """The distributions of the plugins that registered anything this plan is built from."""
    from ._plugins import list_plugins

    ruleset, category = plan.ruleset.name, plan.category.key
    names = {catalog.rulesets[ruleset][1], catalog.categories[(ruleset, category)][1]}
    names.update(plugin for (r, c, _), (_, plugin) in catalog.sections.items() if (r, c) == (ruleset, category))
    names.update(plugin for r, targets, _, plugin in catalog.indicator_modules if r == ruleset and any(c == category for c, _ in targets))
    names.update(plugin for (r, c), (_, plugin) in catalog.rosters.items() if r == ruleset and c in (category, plan.category.subunits))
    return [PackStamp(i.name, i.distribution, i.version) for i in list_plugins(catalog.pm) if i.name in names]


def as_path(value: Any, name: str) -> Path:
    """A path a program gave (``str`` or ``os.PathLike``) as a :class:`~pathlib.Path`, for the
    parameter ``name``: anything else, and an empty text (``Path('')`` is the working directory,
    which ``-e ''`` had read), is a usage error."""
    if not isinstance(value, (str, os.PathLike)) or not isinstance(os.fspath(value), str):
        raise UsageError(_("{0}: expected a path (str or os.PathLike), got {1}").format(name, repr(value)))
    if not os.fspath(value).strip():
        raise UsageError(f"{name}: " + _("an empty path; give a file or directory"))
    return value if isinstance(value, Path) else Path(value)


def as_paths(value: Any, name: str) -> list[Path]:
    """One path, or a sequence of them, as :func:`as_path` takes each."""
    if isinstance(value, (str, os.PathLike)):
        return [as_path(value, name)]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise UsageError(_("{0}: expected a path or a sequence of paths (str or os.PathLike), got {1}").format(name, repr(value)))
    return [as_path(item, name) for item in value]


def check_only(catalog: Catalog, ruleset: str, category: str, codes: Collection[str], wanted: Iterable[str]) -> None:
    """Every code of ``only`` is one of ``codes``, the units scored: a code no unit has (a typo)
    had given an empty ranking without a word."""
    for code in wanted:
        if code in codes:
            continue
        elsewhere = catalog.unit_categories(ruleset).get(code)
        if elsewhere is not None and elsewhere != category:
            raise UsageError(_("only: '{0}' is a unit of {1}/{2}, not of {3}").format(code, ruleset, elsewhere, category))
        shown = sorted(codes)
        listed = ", ".join(shown[:10]) + (", …" if len(shown) > 10 else "")
        hint = did_you_mean(code, codes) or _("its units: {0}").format(listed)
        raise UsageError(_("only: unknown unit code '{0}' of {1}/{2}").format(code, ruleset, category) + _("; ") + hint)


@in_scoring_context
def run_category(
    catalog: Catalog,
    category: str,
    *,
    ruleset: str | None = None,
    year: int | None = None,
    evidence: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
    keyword: str | None = None,
    marks: str | None = None,
    only: str | Iterable[str] = (),
    explain: bool = True,
    overlay: Callable[[Plan, EvidenceSet], EvidenceSet] | None = None,
    roster: str | os.PathLike[str] | None = None,
    lazy: bool = False,
    jobs: int | None = None,
    texts: Collection[str] | None = None,
) -> RunResult:
    """Score and rank every unit of ``category`` (or just the unit codes in ``only``).

    ``evidence`` is an evidence directory or file, or a sequence of them (default: the packs'
    sample); ``roster`` a units table (CSV or Parquet) replacing the pack's roster of the
    category; each a ``str`` or an ``os.PathLike``. ``only`` is a unit code or a sequence of
    them, each a unit of the category (else a :class:`~escore.UsageError`).

    :param overlay: changes the loaded evidence before scoring (accepted appeals, what-ifs).
    With ``lazy`` the result keeps a summary per unit and scores each unit's detail again when
    it is read (:mod:`escore._stream`): memory stays bounded for any number of units; its first
    pass runs in ``jobs`` processes (default: all usable processors from 1,000 units on).
    ``texts`` (with ``lazy``, without ``explain``): the numbers whose texts the writer reads, by
    their CSV column names (``total``, ``total_2dp``, a section's name or ``NAME_2dp``); the
    processes of the first pass format those alone (default: every one).
    """
    evidence = as_paths(evidence, "evidence")  # a program's texts and path-likes, converted once here
    roster = None if roster is None else as_path(roster, "roster")
    only = [only] if isinstance(only, str) else list(only)
    chosen = catalog.choose(category, ruleset=ruleset, year=year)
    plan = catalog.plan(chosen.name, category)
    selected = select(plan, keyword, marks)
    if not selected:  # a ranking of zeros would look like a result
        shown = " ".join(part for part in (f"-k {keyword!r}" if keyword else "", f"-m {marks!r}" if marks else "") if part)
        raise UsageError(
            _("{0} matches none of the {1} indicators of {2}/{3}; see escore list -c {3}").format(
                shown, len(plan.indicators), plan.ruleset.name, category
            )
        )
    paths = list(evidence) or catalog.sample_evidence(plan)
    # The evidence tables' digests (the cache key's) computed while the units are read.
    # A bad units table is reported at once; the thread (a daemon) then ends with the process.
    digesting = digests_ahead(paths)
    units, known = units_of(catalog, chosen.name, category, roster)
    row_of = None
    if roster is not None and roster.suffix != ".toml":
        from ._columnar import roster_row

        row_of = functools.partial(roster_row, roster, catalog.loaders)
    check_roster(plan, units, str(roster) if roster else _("roster {0}/{1}").format(chosen.name, category), row_of=row_of)
    if digesting is not None:
        digesting.join()
    # A workbook's rows name their units beside the codes, checked against the roster's names; a
    # row of a unit of this category that the run does not score (explain, plan) is skipped quietly.
    names = listed(units, catalog.units_of_ruleset(chosen.name)) if workbook_among(paths, catalog.loaders) else None
    every_code: list[str] = []
    if only:
        wanted = set(only)
        every_code = [u.code for u in units]
        check_only(catalog, chosen.name, category, set(every_code), only)
        units = tuple(u for u in units if u.code in wanted)
    children = children_of(catalog, plan)
    sub_codes = [c.code for kids in children.values() for c in kids]
    others = sorted(key for name, key in catalog.categories if name == chosen.name and key != category)
    # Loading and scoring build many acyclic objects: collections meanwhile would only rescan
    # them (at 10,000 units, 150 ms of collections between the load, the processes' summaries
    # and the ranking).
    with gc_paused():
        try:
            data, later = evidence_of_run(
                paths,
                plan,
                units,
                every_code,
                children,
                known,
                catalog.loaders,
                sub_codes,
                others,
                defer=lazy and overlay is None,
                jobs=jobs,
                names=names,
                others_of=other_units(catalog, plan),
            )
        except InputError as exc:
            if roster is not None:
                left_out = pack_codes(catalog, chosen.name, category).difference(u.code for u in units)
                exc = outside_units_table(exc, left_out.difference(every_code), roster, category, sample=not evidence)
            if evidence:
                raise exc from None
            raise in_inherited_sample(catalog, chosen.name, category, exc) from None
        if overlay is not None:
            data = overlay(plan, data)
        result = score_with(
            plan,
            selected,
            units,
            children,
            data,
            keyword=keyword,
            marks=marks,
            explain=explain,
            lazy=lazy,
            jobs=jobs,
            later=later,
            texts=texts,
        )
    result = result._replace(stamp=make_stamp(__version__, pack_stamps(catalog, plan), paths))
    notify_finished(catalog, result)
    return result


def in_inherited_sample(catalog: Catalog, ruleset: str, category: str, exc: InputError) -> InputError:
    """``exc``, a problem in the sample evidence a derived ruleset inherits (a field it declared
    again with another range, a unit its roster dropped), with what the pack author can do:
    the file named is the earlier year's, which the author does not edit."""
    base = catalog.rulesets[ruleset][0].extends
    if base is None or type(exc) is not InputError:
        return exc
    theirs = {
        str(path)
        for (r, c, _section), (section, _plugin) in catalog.sections.items()
        if r == base and c == category
        for path in section.sample_evidence
    }
    # ``where`` is the file, maybe followed by ":LINE" or ": SHEET!CELL".
    if not any(exc.where == path or exc.where.startswith((path + os.sep, path + ":")) for path in theirs):
        return exc
    note = _("this is sample evidence {0} inherits from {1}: register {0}'s own with Section(..., sample_evidence=...)").format(
        ruleset, base
    )
    return InputError(exc.where, exc.key, exc.expected, hint="; ".join(part for part in (exc.hint, note) if part))


def evidence_of_run(
    paths: Sequence[Path],
    plan: Plan,
    units: Sequence[Unit],
    every_code: list[str],
    children: Mapping[str, tuple[Unit, ...]],
    known: Iterable[str],
    loaders: Mapping[str, Any],
    sub_codes: list[str],
    others: list[str],
    *,
    defer: bool,
    jobs: int | None = None,
    names: Mapping[str, Listed] | None = None,
    others_of: OtherUnits | None = None,
) -> tuple[EvidenceSet, DeferredEvidence | None]:
    """The evidence a run of ``units`` scores (``every_code``: the category's units, when these
    are a few of them), and the cached set its processes decode their shares of, if deferred.

    A run whose output is streamed (table, CSV, JSON, TOML) and that changes no evidence
    (``defer``) decodes cached evidence in the processes that score it, each its share
    (escore._load.DeferredEvidence); else it is loaded here. The detail of JSON and TOML is
    scored again a few records of the cache at a time too (escore._builtin_formats.unit_texts):
    no process holds the whole set (100,000 county units: 482 MiB when the parent did).

    A few units (an explanation, a plan or a what-if of one unit of a large table) are decoded
    from the checked set of every unit when the cache holds it: the record that holds them,
    instead of every file parsed and checked again for them alone (100,000 harness units: 3.6 s
    and 228 MiB for each new unit). That set is the one a run of every unit checked: its values
    for these units are the ones a read of them alone gives, and its warnings are the set's, as
    that run shows them.

    ``others_of``: by which a monitoring row of a unit of the ruleset not scored here is checked
    (escore._load.OtherUnits).
    """
    codes = [u.code for u in units]
    if defer:
        deferred = defer_evidence(paths, plan, codes, known, loaders, sub_codes, others, names, others_of)
        if deferred is not None:
            head, later = deferred
            return relabel(head, paths), later
    found = None
    if len(codes) < len(every_code):
        found = _part_of_the_whole_set(
            defer_evidence(paths, plan, every_code, known, loaders, sub_codes, others, names, others_of), units, children
        )
    if found is None:
        found = load_evidence(paths, plan, codes, known, loaders, sub_codes, others, jobs=jobs, names=names, others=others_of)
    return relabel(found, paths), None


def _part_of_the_whole_set(
    whole: tuple[EvidenceSet, DeferredEvidence] | None, units: Sequence[Unit], children: Mapping[str, tuple[Unit, ...]]
) -> EvidenceSet | None:
    """The evidence of ``units`` from the deferred set of every unit ``whole`` (``None``: not
    in the cache, and so neither is theirs)."""
    if whole is None:
        return None
    head, later = whole
    try:
        return later.read_of(head, [u.code for u in units], children)
    finally:
        later.close()


def score_with(
    plan: Plan,
    selected: Sequence,
    units: Sequence[Unit],
    children: dict[str, tuple[Unit, ...]],
    data: EvidenceSet,
    *,
    keyword: str | None = None,
    marks: str | None = None,
    explain: bool = True,
    lazy: bool = False,
    jobs: int | None = None,
    later: DeferredEvidence | None = None,
    texts: Collection[str] | None = None,
) -> RunResult:
    """Score and rank ``units``, which come in code order (as :func:`units_of` and a pack's
    roster give them): equal totals then keep that order without a code key per unit.

    ``later`` (with ``lazy``): the fields and rows, decoded by each process of the first pass
    for its share of units; ``data`` then has none, and the detail decodes them whole.
    ``texts``: as for :func:`run_category`."""
    engine = Engine(plan, selected, explain=explain)
    values, tables, files = data.values, data.tables, data.files
    selection = " ".join(part for part in (f"-k {keyword!r}" if keyword else "", f"-m {marks!r}" if marks else "") if part)
    if lazy:
        from ._stream import LazyUnits, evidence_share, score_summaries, text_positions

        evidence_for = None if later is None else functools.partial(evidence_share, later, children)
        # A run without explanations is written from its summaries (table, CSV): each process then
        # formats its units' numbers too (those the writer reads: a rounded text costs a quantize
        # per unit). A run that explains writes them from the detail.
        wanted: bool | frozenset[int] = not explain
        if wanted and texts is not None:
            at = text_positions([s.name for s in plan.sections])
            wanted = frozenset(at[name] for name in texts if name in at)
        summaries, counts, in_code_order = score_summaries(
            engine, units, values, tables, children, files, jobs=jobs, evidence_for=evidence_for, texts=wanted
        )
        ordered_summaries, ranks = rank(summaries, in_code_order=True)  # type: ignore[arg-type]  # rank reads .total and .unit only
        lazy_units = LazyUnits(engine, ordered_summaries, values, tables, children, files, jobs, later, units, data, in_code_order)  # type: ignore[arg-type]
        return _run_result(plan, lazy_units, ranks, selected, data, selection, counts)  # its units are scored again when read
    empty: dict = {}
    results = engine.score_many(((u, values.get(u.code, empty), children.get(u.code, ()), files.get(u.code, "")) for u in units), tables)
    ordered, ranks = rank(results, in_code_order=True)
    return _run_result(plan, ordered, ranks, selected, data, selection, count_statuses(ordered))


def _run_result(
    plan: Plan, units: Any, ranks: Any, selected: Sequence[Any], data: EvidenceSet, selection: str, counts: Mapping[str, int]
) -> RunResult:
    """A ranked run with what the evidence set says of itself (synthetic, notes, sources,
    warnings); ``units`` as given: a run's lazy units are not made a tuple (scored again)."""
    read_only = MappingProxyType(dict(counts))
    return RunResult(
        plan, units, ranks, tuple(selected), data.synthetic, data.notes, data.sources, selection, read_only, warnings=data.warnings
    )


def notify_finished(catalog: Catalog, result: RunResult) -> None:
    """Call every ``escore_run_finished`` implementation; one that raises is named in a
    warning and does not stop the others or the output (the result is already complete)."""
    from ._errors import warn
    from ._plugins import describe, plugin_failure

    pm = catalog.pm
    distributions = getattr(pm, "_escore_distributions", {})
    impls = sorted(pm.hook.escore_run_finished.get_hookimpls(), key=lambda i: i.plugin_name)
    for impl in impls:
        # One plugin at a time, through the plugin manager (so ESCORE_TRACE_PLUGINS traces it).
        others = [i.plugin for i in impls if i is not impl]
        try:
            pm.subset_hook_caller("escore_run_finished", remove_plugins=others)(result=result)
        except (Exception, SystemExit) as exc:
            warn(
                _("{0}: escore_run_finished raised {1}").format(
                    describe(impl.plugin_name, distributions.get(impl.plugin_name)), plugin_failure(exc)
                )
            )
