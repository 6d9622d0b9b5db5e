"""What scoring gives: a result record per indicator, section, veto, unit and run.

Named tuples rather than attrs classes: one is made per indicator per unit, and a tuple is the
cheapest immutable record Python has. Points are exact; :func:`present` is the one place where
they are rounded, for display.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from ._collect import IndicatorPlan, Plan
from ._model import Unit
from ._score import PRESENTING, Hit

if TYPE_CHECKING:
    from ._stamp import Stamp

STATUSES = ("scored", "missing", "not_applicable", "error")

_CENT = Decimal("0.01")


def present(value: Decimal) -> str:
    """The one place where points are rounded: half-up to 2 decimal places, for display.

    A zero is shown unsigned: points given as ``-0.0`` (a grade, a CSV cell) are 0, and their
    exact text is "0"; their rounded one had been "-0.00"."""
    rounded = PRESENTING.quantize(value, _CENT)  # half-up, in escore's context whatever the caller's
    if not rounded and rounded.is_signed():
        rounded = rounded.copy_abs()
    return str(rounded)


class IndicatorResult(NamedTuple):
    """One indicator of one unit: status, exact points and the lines explaining them.

    A named tuple rather than an attrs class: one is made per indicator per unit,
    and a tuple is the cheapest immutable record Python has.
    """

    code: str
    status: str
    points: Decimal
    reasons: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()
    #: For status ``missing``: the evidence whose absence decided it — field keys
    #: (``website.channels.has_app``) or monitoring files (``monitoring/website_letters.csv``).
    missing: tuple[str, ...] = ()


def summary_missing(
    code: str, points: Decimal, hits: tuple[Any, ...], missing: tuple[str, ...], shared: dict[Any, IndicatorResult] | None
) -> IndicatorResult:
    """A missing result as a run's summary keeps it (:class:`escore._stream.Summary`): without
    its sentence, which names the unit (the report lists the evidence, a unit's detail says it
    in full), so that equal ones are one object in ``shared``. 100,000 units each missing 34
    results held 3.4 million records and sentences otherwise (about 1.4 GB)."""
    # Shared only when nothing but its values could tell two apart: evidence names exactly of
    # class str (a pack's own kind of text equals a str), no rule records (the engine makes none).
    if shared is None or hits or missing.__class__ is not tuple or any(name.__class__ is not str for name in missing):
        return tuple.__new__(IndicatorResult, (code, "missing", points, (), hits, missing))
    key = (code, str(points), missing)  # the text: Decimal("0") and Decimal("0.0") are equal
    found = shared.get(key)
    if found is None:
        found = shared[key] = tuple.__new__(IndicatorResult, (code, "missing", points, (), hits, missing))
    return found


class SectionResult(NamedTuple):
    name: str
    title: str
    weight: Decimal
    raw: Decimal
    raw_max: Decimal
    points: Decimal
    capped: bool = False


class VetoResult(NamedTuple):
    """A veto is three-valued (READING 14): ``applied`` (targets 0, status scored),
    ``not_applied`` (targets as scored) or unknown — ``missing`` or ``error`` — which
    makes its targets missing (or errors): no target keeps points while its veto is unknown."""

    code: str
    title: str
    status: str  # "applied" | "not_applied" | "missing" | "error"
    reason: str = ""
    missing: tuple[str, ...] = ()


class UnitResult(NamedTuple):
    unit: Unit
    total: Decimal
    sections: tuple[SectionResult, ...]
    indicators: tuple[IndicatorResult, ...]
    vetoes: tuple[VetoResult, ...] = ()


class RunResult(NamedTuple):
    """A ranked run of one category; ``units`` are in rank order, ``ranks`` parallel to them."""

    plan: Plan
    units: tuple[UnitResult, ...]
    ranks: tuple[int, ...]
    selected: tuple[IndicatorPlan, ...]
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    selection: str = ""
    #: Indicator results per status, counted once by the session: read-only, as the whole
    #: result is (a reporting hook that wrote into it had changed the exit status).
    counts: Mapping[str, int] = MappingProxyType({})
    stamp: Stamp | None = None  # escore and pack versions, evidence digest (set by the session)
    #: What loading the evidence warned of (a row pasted twice, a monitoring date in another
    #: year, a dropped unit's files), and the accepted appeals applied to it: kept with the
    #: results, not only said on stderr.
    warnings: tuple[str, ...] = ()

    def status_counts(self) -> dict[str, int]:
        """Indicator results per status (an undecided veto shows as its targets' status)."""
        return dict(self.counts) if self.counts else count_statuses(self.units)

    def exit_code(self, *, strict: bool = False) -> int:
        """1 if any indicator errored (or, with ``strict``, any evidence is missing), else 0."""
        counts = self.status_counts()
        return 1 if counts["error"] or (strict and counts["missing"]) else 0


def count_statuses(units: Iterable[UnitResult]) -> dict[str, int]:
    """One pass over the results: every report and the exit code read these counts."""
    counts = dict.fromkeys(STATUSES, 0)
    for result in units:
        for item in result.indicators:
            counts[item[1]] += 1  # .status
    return counts
