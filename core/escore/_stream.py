"""Runs of very many units in bounded memory: rank on summaries, re-score the detail on demand.

A ranking needs only each unit's total; a table or CSV line needs its section points and
counts of missing and failed results. The first pass keeps just that (a :class:`Summary`
per unit) and drops every indicator result as soon as it is summarised. What a format shows
beyond it (every indicator, every explanation line) is scored again, one unit at a time in
rank order, when the format asks for it: the second scoring of a unit is the same pure
function of the same evidence, so the detail is exactly what one pass would have kept, and a
writer that streams holds one unit's explanation at a time, never all of them.
"""

from __future__ import annotations

import gc
import itertools
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from . import _batch
from ._model import Unit
from ._parallel import BALANCED_PARTS, balanced, default_jobs
from ._results import STATUSES, IndicatorResult, UnitResult, present, summary_missing
from ._run import Engine
from ._score import SCORING, explaining, fmt_text
from ._watchdog import active

if TYPE_CHECKING:
    from ._evidence_set import EvidenceSet
    from ._load import DeferredEvidence


class Summary(NamedTuple):
    """What a ranking table or CSV line shows of one unit (exact values), and its problems."""

    unit: Unit
    total: Decimal
    sections: tuple[Decimal, ...]  # section points, in the plan's section order
    missing: int  # indicators without evidence (an undecided veto has made its targets missing)
    errors: int  # indicators that raised
    #: The failed results themselves and the missing ones without their sentence (usually none;
    #: :func:`escore._results.summary_missing`).
    problems: tuple[IndicatorResult, ...] = ()
    #: The exact and the rounded text (``fmt``, ``present``) of each section's points, then of the
    #: total, made by the process that scored the unit (:func:`score_summaries`); else empty. A
    #: text the run's writer does not read is ``None`` (:func:`text_positions`).
    texts: tuple[str | None, ...] = ()


def summarise(result: UnitResult, shared: dict[Any, IndicatorResult] | None = None) -> Summary:
    """What a ranking keeps of a unit's result; a missing result without its sentence, equal
    ones shared through ``shared`` (:func:`escore._results.summary_missing`)."""
    problems = tuple(
        item if item[1] == "error" else summary_missing(item[0], item[2], item[4], item[5], shared)
        for item in result.indicators
        if item[1] == "missing" or item[1] == "error"
    )
    missing = sum(1 for item in problems if item[1] == "missing")
    sections = tuple(s.points for s in result.sections)
    return Summary(result.unit, result.total, sections, missing, len(problems) - missing, problems)


class LazyUnits(Sequence[UnitResult]):
    """The units of a run in rank order; each :class:`UnitResult` is scored when it is read.

    ``summaries`` (parallel, in rank order) are kept; full results are not.
    """

    def __init__(
        self,
        engine: Engine,
        summaries: Sequence[Summary],
        values: Mapping[str, Mapping[str, Any]],
        tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
        children: Mapping[str, tuple[Unit, ...]],
        files: Mapping[str, str],
        jobs: int | None = None,
        later: DeferredEvidence | None = None,
        in_order: Sequence[Unit] = (),
        data: EvidenceSet | None = None,
        summaries_in_order: Sequence[Summary] | None = None,
    ) -> None:
        self.engine = engine
        self.summaries = tuple(summaries)
        #: Processes asked for (``--jobs``; ``None``: the default), for the writers that score the
        #: detail again (``escore._builtin_formats.unit_texts``).
        self.jobs = jobs
        self._values, self._tables, self._children, self._files = values, tables, children, files
        #: Evidence still in the cache (``values`` and ``tables`` then empty): decoded whole when
        #: a unit's detail is first read in rank order; JSON and TOML decode it a block of records
        #: at a time instead (:meth:`evidence_blocks`).
        self._later = later
        #: The units in the order the evidence holds them (the run's code order).
        self._in_order = in_order
        #: The summaries in that order too, when the first pass kept them (``None``: not kept).
        self.summaries_in_order = summaries_in_order
        #: The evidence set the run loaded: whole, or its head alone (no values or rows) while
        #: the evidence is still in the cache (``later``).
        self._data = data

    def evidence_part(self, codes: Sequence[str]) -> EvidenceSet:
        """The evidence of at least the units ``codes`` (and of their sub-units), as a run of
        those units alone reads it: decoded from their records while the evidence is still in
        the cache (what ``escore plan UNIT --roster`` reads: escore._session.evidence_of_run),
        else a part of the set loaded whole."""
        assert self._data is not None
        if self._later is None:
            return self._data.part(codes, self._children)
        return self._later.read_of(self._data, codes, self._children)

    def in_evidence_order(self) -> list[int] | None:
        """The rank positions of the units in the order the cached evidence holds them; ``None``
        when the evidence is not deferred (loaded whole, any order reads it as well)."""
        blocks = self.evidence_blocks(1)
        return None if blocks is None else blocks[0]

    def __len__(self) -> int:
        return len(self.summaries)

    def load(self) -> None:
        """Have the evidence in this process before the detail is shared out over forked ones,
        which would otherwise each decode deferred evidence whole."""
        if self._later is not None:
            whole = self._later.whole()
            self._values, self._tables, self._later = whole.values, whole.tables, None

    def _score(self, summary: Summary) -> UnitResult:
        self.load()
        return self._score_on(summary, self._values, self._tables)

    def _score_on(self, summary: Summary, values: Mapping[str, Mapping[str, Any]], tables: Mapping[str, Any]) -> UnitResult:
        """The unit of ``summary`` scored in full on ``values`` and ``tables``."""
        code = summary.unit.code
        # Read after the run returned, maybe in another context: scored in escore's, as the run was.
        with localcontext(SCORING):
            return self.engine.score(summary.unit, values.get(code, {}), tables, self._children.get(code, ()), self._files.get(code, ""))

    def evidence_blocks(self, most: int) -> list[list[int]] | None:
        """The rank positions of the units in at most ``most`` blocks of whole records of the
        cached evidence, in the evidence's order (each block scored by :meth:`scored_apart`
        decodes its own records and no others); ``None`` when the evidence is not deferred."""
        if self._later is None or len(self._in_order) != len(self.summaries):
            return None
        # Each unit's rank position, the units in the evidence's order (the summaries are the very
        # units of the run, in rank order).
        position = {id(summary.unit): index for index, summary in enumerate(self.summaries)}
        order, record = [position[id(unit)] for unit in self._in_order], _batch.RECORD_UNITS
        records = -(-len(order) // record)
        size = record * -(-records // most)  # whole records, at most ``most`` blocks
        return [list(order[start : start + size]) for start in range(0, len(order), size)]

    def scored_apart(self, positions: Sequence[int]) -> Iterator[UnitResult]:
        """The units at rank ``positions``, one at a time, each scored on the evidence of these
        units alone, decoded here for them (a block's records, never the whole set)."""
        assert self._later is not None
        summaries = [self.summaries[p] for p in positions]
        values, tables = evidence_share(self._later, self._children, [summary.unit for summary in summaries])
        for summary in summaries:
            yield self._score_on(summary, values, tables)

    def scored_at(self, positions: Sequence[int]) -> Iterator[UnitResult]:
        """The units at rank ``positions``, each scored in full: on their own records' evidence,
        decoded here for them, while the evidence is still in the cache (:meth:`scored_apart`);
        else on the set loaded whole."""
        if self._later is not None:
            return self.scored_apart(positions)
        return (self._score(self.summaries[p]) for p in positions)

    @overload
    def __getitem__(self, index: int) -> UnitResult: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[UnitResult]: ...
    def __getitem__(self, index: int | slice) -> UnitResult | Sequence[UnitResult]:
        if isinstance(index, slice):
            return [self._score(s) for s in self.summaries[index]]
        return self._score(self.summaries[index])

    def __iter__(self) -> Iterator[UnitResult]:
        for summary in self.summaries:
            yield self._score(summary)


def evidence_share(later: DeferredEvidence, children: Mapping[str, tuple[Unit, ...]], part: Sequence[Unit]) -> tuple[Any, Any]:
    """The fields and rows of the units ``part`` and of their sub-units (a roll-up reads theirs)."""
    found = later.part([u.code for u in part] + [c.code for u in part for c in children.get(u.code, ())])
    return found.values, found.tables


def jobs_of(units: Sequence[Any]) -> int:
    """The processes a pass over a run's units may take: the run's own ``jobs`` (``--jobs``,
    kept by :class:`LazyUnits`), else :func:`default_jobs` for their number."""
    given = units.jobs if isinstance(units, LazyUnits) else None
    return default_jobs(len(units)) if given is None else given


#: Blocks of units per process from which the first pass is shared out a block at a time
#: (escore._parallel.balanced) rather than in one equal share per process.
BALANCED_FROM = 4


def shares(units: Sequence[Unit], jobs: int) -> list[Sequence[Unit]]:
    """The consecutive parts the first pass over ``units`` takes in ``jobs`` processes.

    One equal share per process, unless there are :data:`BALANCED_FROM` blocks
    (escore._batch.BLOCK_UNITS) per process or more: then one part per block, each taken by
    whichever process is free (escore._parallel.balanced). The processors of a shared machine
    do not run at one speed: with equal shares one process waited for the other 0.02-1.4 s of
    4 s at 100,000 units, at most about a part's time with parts. A part is a whole block,
    because each block costs its columns' grouping again (at 10,000 units in one process, 8
    parts took 11% more instructions than one). Every part begins at a whole record of a
    cached evidence set (escore._batch.RECORD_UNITS), so that it decodes its own units'
    records and no others.
    """
    count, block = len(units), _batch.BLOCK_UNITS
    blocks = -(-count // block)
    if jobs > 1 and blocks >= BALANCED_FROM * jobs:
        size = block * -(-blocks // BALANCED_PARTS)  # whole blocks, at most BALANCED_PARTS parts
        return [units[start : start + size] for start in range(0, count, size)]
    jobs = min(jobs, BALANCED_PARTS)
    record = _batch.RECORD_UNITS
    if count < record * jobs:
        return [units[i * count // jobs : (i + 1) * count // jobs] for i in range(jobs)]
    # Each share begins at a whole record (10,000 units: 5,120 and 4,880).
    starts = [round(i * count / jobs / record) * record for i in range(jobs)] + [count]
    return [units[start:end] for start, end in itertools.pairwise(starts)]


def score_summaries(
    engine: Engine,
    units: Sequence[Unit],
    values: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
    children: Mapping[str, tuple[Unit, ...]],
    files: Mapping[str, str],
    *,
    jobs: int | None = None,
    evidence_for: Callable[[Sequence[Unit]], tuple[Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, tuple[Any, ...]]]]]
    | None = None,
    texts: bool | frozenset[int] = True,
) -> tuple[list[Summary], dict[str, int], list[Summary]]:
    """First pass: every unit scored and summarised at once; the status counts of the run.

    With ``jobs`` > 1 (default: :func:`default_jobs`) consecutive slices of the units are
    scored in forked processes at the same time; each unit's summary is the same pure
    function of the same evidence wherever it is computed, and the slices are joined in
    order, so the result is the one a single process gives. ``evidence_for(slice)``, when
    given, is each slice's ``(values, tables)``, found in the process that scores it. With
    ``texts`` each summary carries its numbers' texts (:attr:`Summary.texts`): all of them, or
    those at the given positions (:func:`text_positions`).

    Each slice's summaries come sorted by total, highest first, equal totals in the order of
    ``units`` (sorted where the slice was scored, at the same time as the others): with the
    units in code order, a stable sort of the whole by total is the ranking
    (:func:`escore._run.rank` with ``in_code_order``), and merges those runs instead of
    comparing every total again (100,000 units: 88 ms of Decimal comparisons in one process).
    The third item is the same summaries in the order of ``units`` (a CSV in code order).
    """
    jobs = max(1, min(default_jobs(len(units)) if jobs is None else jobs, len(units)))
    slices = shares(units, jobs)
    parent = os.getpid()

    def part_summaries(part: Sequence[Unit]) -> Any:
        part_values, part_tables = (values, tables) if evidence_for is None else evidence_for(part)
        rows, part_counts = _summaries(engine, part, part_values, part_tables, children, files)
        # A stable sort, reversed, keeps equal totals in the order of the units.
        order = sorted(range(len(rows)), key=list(map(_ROW_TOTAL, rows)).__getitem__, reverse=True)
        # Each process formats its own units' numbers: the writers then only look them up.
        found = (with_texts(rows, None if texts is True else texts) if texts else [(*row[:5], ()) for row in rows], part_counts)
        return (found if os.getpid() == parent else _portable(found)), order  # a forked process sends text

    parts = balanced(part_summaries, slices, jobs)
    counts = dict.fromkeys(STATUSES, 0)
    out: list[Summary] = []
    in_code_order: list[Summary] = []
    new = tuple.__new__  # Summary's own __new__ is a Python function: one call per unit
    for part, (found, order) in zip(slices, parts):
        summaries, part_counts = _from_portable(found) if found.__class__ is bytes else found
        # A summary crosses the process boundary without its unit (the parent has them all), in
        # the units' order: sorted by total here, a C-level pass over the part's sorted positions.
        made = [new(Summary, (unit, *rest)) for unit, rest in zip(part, summaries)]
        in_code_order += made
        out.extend(map(made.__getitem__, order))
        for status, number in part_counts.items():
            counts[status] += number
    return out, counts, in_code_order


def text_positions(sections: Sequence[str]) -> dict[str, int]:
    """Where each number's texts are in :attr:`Summary.texts`, by the name of its CSV column:
    a section's name (its exact points), ``NAME_2dp`` (rounded), then ``total`` and ``total_2dp``."""
    at = {name: 2 * index for index, name in enumerate([*sections, "total"])}
    at.update({f"{name}_2dp": position + 1 for name, position in at.items()})
    return at


def with_texts(rows: list[tuple[Any, ...]], wanted: frozenset[int] | None = None) -> list[tuple[Any, ...]]:
    """Summaries without their unit or texts (``Summary[1:6]``), each with its :attr:`Summary.texts`:
    every text, or those at the positions ``wanted`` (``None`` at the others)."""
    if not rows:
        return rows
    width = len(rows[0][1])
    sections = list(map(_ROW_SECTIONS, rows))
    numbers = [list(map(operator.itemgetter(index), sections)) for index in range(width)]
    numbers.append(list(map(_ROW_TOTAL, rows)))
    exact_of: dict[str, str] = {}
    rounded_of: dict[str, str] = {}
    unmade: Sequence[str | None] = [None] * len(rows)
    columns: list[Sequence[str | None]] = []
    for index, column in enumerate(numbers):
        exact = wanted is None or 2 * index in wanted
        rounded = wanted is None or 2 * index + 1 in wanted
        if exact or rounded:
            exact_texts, rounded_texts = number_texts(column, exact_of, rounded_of, exact=exact, rounded=rounded)
            columns += [exact_texts or unmade, rounded_texts or unmade]
        else:
            columns += [unmade, unmade]
    return [(*row[:5], texts) for row, texts in zip(rows, zip(*columns))]


def number_texts(
    numbers: list[Decimal], exact_of: dict[str, str], rounded_of: dict[str, str], *, exact: bool = True, rounded: bool = True
) -> tuple[list[str] | None, list[str] | None]:
    """The exact and the rounded text (``fmt``, ``present``) of each number, a column at a time
    (either ``None`` when not asked for: a rounded text costs a quantize per distinct number).

    Both follow from a number's ``str()`` (digits, exponent and sign, -0 included), so each
    distinct text is formatted once and kept in ``exact_of`` and ``rounded_of``: a column of
    divided section points mostly differs, a section with nothing selected is one zero. They
    are keyed by that text, as a Decimal's own hash costs a microsecond or two for 28 digits.
    """
    keys = list(map(str, numbers))
    first = dict(zip(keys, numbers))  # numbers with one text have one digits, exponent and sign
    if exact:
        for key in first.keys() - exact_of.keys():
            exact_of[key] = fmt_text(key, first[key])
    if rounded:
        for key in first.keys() - rounded_of.keys():
            rounded_of[key] = present(first[key])
    return (
        list(map(exact_of.__getitem__, keys)) if exact else None,
        list(map(rounded_of.__getitem__, keys)) if rounded else None,
    )


def text_column(
    summaries: Sequence[Summary], at: int, made: list[tuple[str | None, ...]], cache: tuple[dict[str, str], dict[str, str]]
) -> list[str]:
    """The text at position ``at`` of :attr:`Summary.texts` for each summary: as made where it
    was scored (``made``, each summary's texts), or formatted here, each distinct number once
    (``cache``: the exact and the rounded texts made so far)."""
    if made and all(made):
        column = list(map(operator.itemgetter(at), made))
        if None not in column:
            return column
    index, rounded = divmod(at, 2)
    width = len(summaries[0].sections) if summaries else 0
    numbers = [s.total for s in summaries] if index == width else [s.sections[index] for s in summaries]
    exact_texts, rounded_texts = number_texts(numbers, *cache, exact=not rounded, rounded=bool(rounded))
    found = rounded_texts if rounded else exact_texts
    assert found is not None
    return found


_ROW_TOTAL, _ROW_SECTIONS = operator.itemgetter(0), operator.itemgetter(1)  # of a summary without its unit


def _portable(found: tuple[list[tuple[Any, ...]], dict[str, int]]) -> bytes:
    """Summaries (``Summary[1:]``, texts included) as marshal data: every exact number as its
    text, which gives the very same Decimal back (digits, exponent, sign). Pickling a Decimal
    costs ten times more (50,000 summaries: 0.39 s to pickle, 0.17 s to load back). Problems
    (missing and failed results) go as columns of texts too when every text in them is a ``str``
    (5,000 units each missing 34 results: 0.87 s to pickle); else they are pickled."""
    import marshal
    import pickle

    rows, counts = found
    width = len(rows[0][1]) if rows else 0
    problems = {i: row[4] for i, row in enumerate(rows) if row[4]}
    return marshal.dumps(
        (
            list(map(str, [row[0] for row in rows])),
            width,
            list(map(str, itertools.chain.from_iterable([row[1] for row in rows]))),
            [row[2] for row in rows],
            [row[3] for row in rows],
            (_plain_problems(problems) or pickle.dumps(problems)) if problems else b"",
            counts,
            [row[5] for row in rows],
        )
    )


def _plain_problems(problems: dict[int, tuple[IndicatorResult, ...]]) -> tuple[Any, ...] | None:
    """``problems`` as marshal-able columns: the rows that have any, how many each, which of
    the distinct results each one is (a missing result is mostly one object shared by many
    units: escore._results.summary_missing), then each field of the distinct results, points as
    text. ``None`` unless each result is an :class:`IndicatorResult` of texts that are exactly
    ``str`` in tuples that are exactly ``tuple`` (marshal would give a subclass back as its
    base: the parent's own share would not)."""
    flat = itertools.chain.from_iterable
    ids = list(map(id, flat(problems.values())))
    found = dict(zip(ids, flat(problems.values())))  # each distinct result once, in order
    where = dict(zip(found, itertools.count()))
    results = list(found.values())
    fields = [list(map(field, results)) for field in (_CODE, _STATUS, _REASONS, _HITS, _MISSING)]
    codes, statuses, reasons, hits, missing = fields
    each_hit = list(flat(hits))
    points = list(map(_POINTS, results))
    if not (
        _only(results, IndicatorResult)
        and _only(points, Decimal)
        and _only(itertools.chain(reasons, hits, missing, each_hit), tuple)
        and _only(itertools.chain(codes, statuses, flat(reasons), flat(missing), flat(each_hit)), str)
    ):
        return None
    rows, sizes = list(problems), list(map(len, problems.values()))
    return (rows, sizes, list(map(where.__getitem__, ids)), list(map(str, points)), *fields)


def _problems_back(plain: tuple[Any, ...]) -> dict[int, tuple[IndicatorResult, ...]]:
    """What :func:`_plain_problems` was given, a result shared by several units again one object."""
    rows, sizes, which, points, codes, statuses, reasons, hits, missing = plain
    distinct = list(
        map(tuple.__new__, itertools.repeat(IndicatorResult), zip(codes, statuses, map(Decimal, points), reasons, hits, missing))
    )
    results = map(distinct.__getitem__, which)
    return dict(zip(rows, map(tuple, map(itertools.islice, itertools.repeat(results), sizes))))


def _only(values: Iterable[Any], kind: type) -> bool:
    """Whether every value is exactly of class ``kind`` (none a subclass)."""
    return set(map(type, values)) <= {kind}


_CODE, _STATUS, _POINTS, _REASONS, _HITS, _MISSING = map(operator.itemgetter, range(6))  # IndicatorResult's fields


def _from_portable(data: bytes) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    import marshal
    import pickle

    totals, width, sections, missing, errors, problems, counts, texts = marshal.loads(data)
    points = list(map(Decimal, sections))
    grouped = zip(*[iter(points)] * width) if width else itertools.repeat((), len(totals))
    rows = list(zip(map(Decimal, totals), grouped, missing, errors, itertools.repeat(()), texts))
    if problems.__class__ is tuple:  # columns (_plain_problems)
        found = _problems_back(problems)
    else:
        found = pickle.loads(problems) if problems else {}
    for i, kept in found.items():
        rows[i] = (*rows[i][:4], kept, rows[i][5])
    return rows, counts


def _summaries(
    engine: Engine,
    units: Sequence[Unit],
    values: Mapping[str, Mapping[str, Any]],
    tables: Mapping[str, Mapping[str, tuple[Any, ...]]],
    children: Mapping[str, tuple[Unit, ...]],
    files: Mapping[str, str],
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Summaries of ``units`` without their unit (``Summary[1:6]``: no texts yet), and the status counts."""
    counts = dict.fromkeys(STATUSES, 0)
    empty: dict[str, Any] = {}
    out = []
    score = engine.score
    # As in Engine.score_many: no cyclic collection meanwhile (results are acyclic), but each
    # result is summarised and dropped here instead of kept in a list of every unit's results.
    was_enabled = gc.isenabled()
    gc.disable()
    # A summary keeps points, statuses and problems, never a scored line: the rule objects skip them.
    quiet = explaining.set(False)
    shared: dict[Any, IndicatorResult] = {}  # equal missing results: one object (summary_missing)
    try:

        def one(unit: Unit) -> tuple[tuple[Any, ...], list[str]]:
            code = unit.code
            result = score(unit, values.get(code, empty), tables, children.get(code, ()), files.get(code, ""))
            return summarise(result, shared)[1:6], [item[1] for item in result.indicators]

        watching = active()
        # Under a --timeout the scalar engine runs: its frames say which unit to interrupt.
        if len(units) >= _batch.FROM_UNITS and (watching is None or watching[0] is None):
            # Column by column, each rule once per distinct evidence (escore._batch); the same
            # summaries. A column holds its units' fixture values at once: a block at a time.
            for start in range(0, len(units), _batch.BLOCK_UNITS):
                rows, block_counts = _batch.summaries(
                    engine, units[start : start + _batch.BLOCK_UNITS], values, tables, children, files, one, shared
                )
                out.extend(rows)
                for status, number in block_counts.items():
                    counts[status] += number
            return out, counts
        for unit in units:
            row, statuses = one(unit)
            for status in statuses:  # as count_statuses
                counts[status] += 1
            out.append(row)
    finally:
        explaining.reset(quiet)
        if was_enabled:
            gc.enable()
    return out, counts


def summaries_of(units: Sequence[UnitResult]) -> Sequence[Summary]:
    """The summaries of a run's units, whether they are kept (``LazyUnits``) or full results."""
    if isinstance(units, LazyUnits):
        return units.summaries
    return [summarise(result) for result in units]
