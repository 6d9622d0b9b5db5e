"""The scoring vocabulary: rule objects whose scores explain themselves.

Every rule kind of an assessment notice is a small frozen object built once, at
import time of the rule pack, and called per unit. Each call returns a
:class:`Score` holding the exact points (a :class:`~decimal.Decimal`), one
human-readable line per step (the tier row matched, each deduction item, the cap
or floor applied) and the branches it took, which rule coverage reads.

Points are never floats: numbers given as ``int`` or ``str`` are converted with
:func:`to_decimal`, and a ``float`` is refused because ``0.1`` has no exact
binary value.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextvars import ContextVar
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, NamedTuple, TypeVar

import attrs

from ._converters import as_tuple
from ._frozen import frozen
from ._i18n import N_, gettext, lines, translating

# Explanation lines in another language than English: `lines[T].format(...)` is template T in
# the command's language (escore._i18n). English keeps the f-strings, so that the lines the
# engine builds by the million cost nothing more; test_i18n checks both spell the same lines.
_NOT_PROVIDED = N_("evidence '{0}' was not provided")
_FORFEITED = N_("forfeited {0} → 0: {1}")
_MATCHED = N_("{0} {1} matched tier '{2}'")
_LABELLED = N_("{0}: {1}")
#: One template per shape of an item line (sign, has a label, from a sub-unit): one format per line.
_ITEM_LINES = {
    ("−", False, False): N_("−{0} {1}"),
    ("−", True, False): N_("−{0} {1}: {2}"),
    ("−", False, True): N_("−{0} {1} (sub-unit {3})"),
    ("−", True, True): N_("−{0} {1}: {2} (sub-unit {3})"),
    ("+", False, False): N_("+{0} {1}"),
    ("+", True, False): N_("+{0} {1}: {2}"),
    ("+", False, True): N_("+{0} {1} (sub-unit {3})"),
    ("+", True, True): N_("+{0} {1}: {2} (sub-unit {3})"),
}
_NO_DEDUCTIONS = N_("no deductions: {0} of {1}")
_FLOOR = N_("floor {0} reached: deductions of {1} exceed {2}")
_NOTHING_AWARDED = N_("nothing to award: 0")
_CAPPED = N_("capped at {0}: items add up to {1}")
_NO_SHARE = N_("{0}: the whole is 0, so no share can be computed")
_NOTHING_TO_COUNT = N_("nothing to count ({0}: 0 of 0)")
_FULL_MARKS = N_("{0}: nothing 未实现, full marks {1} of {2}")
_SHARE = N_("{0} {1}/{2} × {3} = {4}")
_SHARE_ABOUT = N_("{0} {1}/{2} × {3} ≈ {4}")
_GRADED = N_("assessor awarded {0} of {1}: {2}")
_CONTEXT = N_("context (not scored): {0}")
#: Proportional lines show at most four decimals (≈ when rounded); the points keep every digit.
_SHOWN_PLACES = Decimal("0.0001")

Number = Decimal | int | str

ZERO = Decimal(0)


def _context(prec: int, rounding: str, emax: int, emin: int) -> Context:
    """A context with every setting given: one made from fewer copies the rest from
    ``decimal.DefaultContext``, which a program may have changed before importing escore (its
    traps: an ``Inexact`` trap there had made every settled sum raise)."""
    return Context(
        prec=prec,
        rounding=rounding,
        Emin=emin,
        Emax=emax,
        capitals=1,
        clamp=0,
        flags=[],
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


#: The context escore computes points in, whatever the caller's: Python's default one (28
#: significant digits, half-even, ``InvalidOperation``, ``DivisionByZero`` and ``Overflow``
#: trapped). A notebook's ``getcontext().prec = 6`` had changed most of the 38 provincial totals
#: (88.89340742172400463858 became 88.89341): the packs' arithmetic and the rules' shares had
#: computed in whatever context the caller had.
#: Every public function that scores enters it once per call (:func:`in_scoring_context`), not
#: per unit, and the forked processes of a run inherit it; the rule objects below and the
#: engine's own sums use its methods (or :data:`EXACT_SUMS`'s) directly, so that a rule called
#: outside a run scores as it does in one.
SCORING = _context(28, ROUND_HALF_EVEN, 999999, -999999)
#: :data:`SCORING` rounding half-up: where a value is rounded to be shown (two places in
#: :func:`escore._results.present`, the measures and shares explanation lines show). Its
#: ``quantize`` is called directly: ``value.quantize(exp, rounding=..., context=...)`` parsed its
#: keywords for every number written (a 1,000-unit JSON run: 74 M instructions more).
PRESENTING = _context(28, ROUND_HALF_UP, 999999, -999999)

_F = TypeVar("_F", bound=Callable[..., Any])


def in_scoring_context(func: _F) -> _F:
    """``func`` run in a copy of :data:`SCORING` (its flags its own), the caller's context
    restored when it returns or raises. Not for a generator: its body runs after the call."""

    @functools.wraps(func)
    def scoring(*args: Any, **kwargs: Any) -> Any:
        with localcontext(SCORING):
            return func(*args, **kwargs)

    return scoring  # type: ignore[return-value]


#: Additions and products of points in this context are exact (a sum needs only as many digits
#: as its terms span); only a quotient that does not terminate is carried at 28 digits, in
#: :data:`SCORING`.
EXACT_SUMS = _context(MAX_PREC, ROUND_HALF_EVEN, MAX_EMAX, MIN_EMIN)

#: Where a raw score, a group's subtotal and a section's points made by a quotient are settled. A quotient that does not terminate (a
#: share: max × part ÷ whole) is carried at 28 significant digits, so a sum of such quotients is
#: off by a few units in its 27th or 28th decimal: 2 × 1/3 + 2 × 2/3 gave 1.9999999999999999999999999997,
#: a total that is exactly another unit's 89.0675 ranked below it, and a true 89.065 was shown as
#: 89.06. Settled at 20 decimal places (half-even), such a sum is its true value wherever that
#: terminates within them, and any other stays within 1e-20 of it, far below every place shown.
SETTLED_PLACES = Decimal("1e-20")
_SETTLING = _context(MAX_PREC, ROUND_HALF_EVEN, MAX_EMAX, MIN_EMIN)


def settle(value: Decimal) -> Decimal:
    """``value`` at :data:`SETTLED_PLACES` with no trailing zeros, or ``value`` itself when it
    has no digit beyond them (its own digits and exponent kept: 62.50 stays 62.50)."""
    settled = _SETTLING.quantize(value, SETTLED_PLACES)
    if settled == value:
        return value
    return _SETTLING.add(_SETTLING.normalize(settled), ZERO)  # + 0: 9E+1 back to 90


def sum_exactly(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (no rounding at any number of digits)."""
    total = ZERO
    for value in values:
        total = EXACT_SUMS.add(total, value)
    return total


def settle_column(values: list[Decimal]) -> list[Decimal]:
    """:func:`settle` of each value, a column at a time (C-level passes where nothing changes)."""
    settled = list(map(_SETTLING.quantize, values, itertools.repeat(SETTLED_PLACES)))
    if settled == values:  # no value has a digit beyond the settled places (a column of whole points)
        return values
    normalize, add = _SETTLING.normalize, _SETTLING.add
    return [value if near == value else add(normalize(near), ZERO) for value, near in zip(values, settled)]


#: Whether rule objects write their explanation lines. A pass that keeps only points and
#: statuses (the engine with ``explain`` off, and the first pass of every run)
#: turns it off, and the rule objects then skip every line and coverage hit: the same points,
#: for about a fifth less time per unit in that pass (10,000 harness units: 1.6-1.8 s → 1.37-1.45 s).
#: Points never depend on it; ``test_score`` checks both ways.
explaining: ContextVar[bool] = ContextVar("escore_explaining", default=True)


def to_decimal(value: Number) -> Decimal:
    """Convert an ``int``, ``str`` or ``Decimal`` to ``Decimal``; refuse floats and bools."""
    kind = value.__class__
    if kind is Decimal:
        return value  # type: ignore[return-value]  # its class is Decimal (an identity test is cheaper than isinstance)
    if kind is int:  # the usual count: no check below can refuse it
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"points must be int, str or Decimal, not {type(value).__name__} ({value!r})")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


#: What the column forms of the rules below take as numbers: what :func:`to_decimal` turns
#: into a Decimal without a check (a ``str`` or a ``bool`` goes through the scalar rule).
_PLAIN_NUMBERS = frozenset({int, Decimal})


def _numbers(column: Sequence[Any]) -> list[Decimal] | None:
    """``to_decimal`` of each value, when every value is an ``int`` or a ``Decimal``; else ``None``."""
    types = set(map(type, column))
    if not types <= _PLAIN_NUMBERS:
        return None
    if types == {Decimal}:  # as a column of evidence nearly always is: the values themselves
        return list(column)
    return list(map(Decimal, column))  # Decimal(d) is d; Decimal(n) is to_decimal(n)


#: Rows looked at before a column form groups equal values: when these are mostly distinct,
#: each row is computed as it comes, without a key per row.
_GROUP_SAMPLE = 256


def _once_per_value(keys: list[Any], points_of: Callable[[Any], Decimal | None]) -> list[Decimal | None] | None:
    """``points_of(key)`` for each key, computed once per distinct key, when the keys repeat
    (half of the sample or fewer distinct); ``None`` when they are mostly distinct or one is
    not hashable, and the caller computes each row.

    Only for keys whose equal values give the very same points (the caller's reason). A
    column of 4,096 counts from 0 to 30 has about 500 distinct pairs: each is divided once,
    and the rest is a lookup (a fifth of the time of a division per row).
    """
    sample = keys[:_GROUP_SAMPLE]
    try:
        if 2 * len(set(sample)) > len(sample):
            return None
        distinct = dict.fromkeys(keys)
    except TypeError:  # an unhashable value (a signalling NaN): each row on its own
        return None
    found = {key: points_of(key) for key in distinct}
    return list(map(found.__getitem__, keys))


def fmt(value: Decimal) -> str:
    """Format a decimal without exponent or trailing zeros (``Decimal('0.50')`` → ``0.5``)."""
    # str() is the fast path (it runs for every explanation line); only exponents need more.
    return fmt_text(str(value), value)


def fmt_text(text: str, value: Decimal) -> str:
    """:func:`fmt` of ``value`` given its ``str()``, for a writer that has the text already."""
    if "E" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_points(value: Decimal) -> str:
    """Points as an explanation line shows them: exactly when they have at most four decimals,
    else rounded (half up) to four and marked ``≈`` (12/13 × 5 is ``≈4.6154``), as a share's line
    shows its result; the points themselves keep every digit."""
    try:
        shown = PRESENTING.quantize(value, _SHOWN_PLACES)
    except InvalidOperation:  # more digits than a context holds (or not a number): shown whole
        return fmt(value)
    return fmt(value) if shown == value else "≈" + fmt(shown)


#: The places :func:`measured` tries, 2 to 11 (``Decimal((0, (1,), -2))`` is 0.01, made without a context).
_MEASURED_PLACES = tuple(Decimal((0, (1,), -places)) for places in range(2, 12))


def measured(value: Decimal, bounds: Iterable[Decimal]) -> str:
    """``value`` as an explanation line shows a measure compared with ``bounds``: exactly when it
    has at most four decimals, else rounded (half up) to two, marked ``≈``, with as many more
    as keep it on the same side of every bound (79.996% against a bound of 80 is ``≈79.996``,
    never ``80``). A share such as 69/88 had been shown with 28 digits. ``bounds`` is read only
    then (a ladder's line for a whole number builds no list)."""
    text = str(value)  # as fmt reads it: the common case costs no more than fmt
    point = text.find(".")
    if point < 0 or "E" in text or len(text) - point <= 5:
        return fmt_text(text, value)
    bounds = tuple(bounds)
    for places in _MEASURED_PLACES:
        try:
            rounded = PRESENTING.quantize(value, places)
        except InvalidOperation:  # more digits than a context holds: shown whole
            break
        if all((rounded > bound) == (value > bound) and (rounded < bound) == (value < bound) for bound in bounds):
            return fmt(value) if rounded == value else "≈" + fmt(rounded)
    return fmt(value)


def formatted(template: str, args: tuple[object, ...]) -> str:
    """``template.format(*args)`` for a line; a template that does not fit its values is shown
    as it is, with what went wrong, instead of raising.

    The points never depend on a line, and a run without explanations formats none: a pack's
    wording that raised only when explaining would give the same unit a score in a table and an
    error in its report (and the lazily written detail of a large run would disagree with its
    summary). The defect stays visible in every line it touches.
    """
    try:
        return template.format(*args)
    except Exception as exc:  # a pack's template or value: shown, never raised
        return f"{template} [not formatted: {type(exc).__name__}: {exc}]"


class MissingEvidence(Exception):
    """Evidence an indicator needs is absent; the indicator gets status ``missing``."""

    def __init__(self, key: str, reason: str = "") -> None:
        self.key = key
        if reason:
            self.reason = gettext(reason)  # a pack's words, in its catalogue (itself in English)
        else:
            self.reason = lines[_NOT_PROVIDED].format(key) if translating else f"evidence '{key}' was not provided"
        super().__init__(self.reason)


class NotApplicable(Exception):
    """The indicator does not apply to this unit; status ``not_applicable``."""

    def __init__(self, reason: str) -> None:
        self.reason = gettext(reason)
        super().__init__(self.reason)


Hit = tuple[str, str]

#: The branch a rule records when it counts an item of a sub-unit (a roll-up).
ROLLUP = "sub-unit item"


@frozen
class Score:
    """Points awarded by a rule, with the lines that explain them.

    :param points: exact points.
    :param reasons: one line per step of the rule, in order.
    :param hits: ``(rule name, branch)`` pairs that rule coverage records.
    """

    points: Decimal
    reasons: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()

    def __add__(self, other: Score) -> Score:
        return Score(SCORING.add(self.points, other.points), self.reasons + other.reasons, self.hits + other.hits)

    def with_reason(self, line: str, *args: object) -> Score:
        """Return this score with one more explanation line appended.

        With ``args``, ``line`` is a :meth:`str.format` template of them, formatted only when
        the run explains (``.with_reason("{0.systems} systems; latest: {0.worst}", migration)``):
        an f-string argument is built for every unit even when no line is kept. ``line`` is
        looked up in the packs' catalogues of the command's language (as the template, before
        it is formatted), so that a pack that ships a catalogue explains in its users' language.
        """
        if not explaining.get():
            return self
        if translating:
            line = gettext(line)
        return Score(self.points, self.reasons + (formatted(line, args) if args else line,), self.hits)


def composite(*parts: Score) -> Score:
    """Sum several part scores of one indicator, keeping every part's lines."""
    points = ZERO
    reasons: list[str] = []
    hits: list[Hit] = []
    for part in parts:
        points = SCORING.add(points, part.points)
        reasons.extend(part.reasons)
        hits.extend(part.hits)
    return Score(points, tuple(reasons), tuple(hits))


#: The score of a rule's own points object when no line is kept (the run does not explain): one
#: frozen Score per outcome of a rule, shared by the units, not one per call. Keyed by the
#: object's identity, which the Score keeps alive, so that no other object takes its key; only
#: rules' own points (a tier's, a binary rule's, 0) come here.
_QUIET: dict[int, Score] = {}

#: The most outcomes :data:`_QUIET` keeps, far more than the rules of any ruleset have. A pack
#: that builds its rule inside the indicator (``return Binary("vote", 1).score(top3)``, as the
#: demo pack does) gives a new points object on every call: unbounded, the map would keep one
#: Score and its Decimal alive per unit scored. Full, it is emptied: the Scores already given
#: stay as they are, and later calls make theirs again.
QUIET_MOST = 4096


def _quiet(points: Decimal) -> Score:
    found = _QUIET.get(id(points))
    if found is None:
        if len(_QUIET) >= QUIET_MOST:
            _QUIET.clear()
        found = _QUIET[id(points)] = Score(points)
    return found


def points(value: Number, reason: str, *args: object) -> Score:
    """A score given directly, with its reason: a line, or with ``args`` a :meth:`str.format`
    template of them (``points(0, "{0} of {1} systems pending: 0", pending, systems)``), looked
    up in the packs' catalogues and formatted only when the run explains, as
    :meth:`Score.with_reason` is."""
    if not explaining.get():
        return Score(to_decimal(value))
    if translating:
        reason = gettext(reason)
    return Score(to_decimal(value), (formatted(reason, args) if args else reason,))


def forfeit(score: Score, reason: str, *, rule: str = "forfeit") -> Score:
    """Remove the points a score earned (content forfeiture); the earlier lines stay visible."""
    if not explaining.get():
        return Score(ZERO)
    line = lines[_FORFEITED].format(fmt(score.points), gettext(reason)) if translating else f"forfeited {fmt(score.points)} → 0: {reason}"
    return Score(ZERO, score.reasons + (line,), score.hits + ((rule, "forfeited"),))


# --------------------------------------------------------------------------- tiers

_OPS = {
    ">=": ("≥", lambda value, bound: value >= bound),
    ">": (">", lambda value, bound: value > bound),
    "<=": ("≤", lambda value, bound: value <= bound),
    "<": ("<", lambda value, bound: value < bound),
}


#: Set while the packs load (``escore._plugins``): a ladder whose thresholds are out of order is
#: then built as written, so that the plan reading it refuses it naming the ruleset, the indicator
#: and the parameter (``escore._reach``); anywhere else (a pack's own tests, a program) building
#: it raises at once.
loading_packs: ContextVar[bool] = ContextVar("escore_loading_packs", default=False)


class Tier(NamedTuple):
    """One row of a tier ladder: ``value OP bound → points`` (``op`` ``"else"`` matches anything)."""

    op: str
    bound: Decimal | None
    points: Decimal
    label: str


@frozen
class Ladder:
    """A tier ladder: the first row whose condition holds gives the points.

    Build it with :meth:`at_least` (rates: higher is better) or :meth:`at_most`
    (delays: lower is better). Boundaries are inclusive unless ``strict=True``,
    and every row states its boundary in the explanation, e.g. ``rate 80% matched
    '≥ 80% → 2'``. The bounds are checked once, at construction: they must be
    strictly monotonic so that no row is dead and the ladder has no gap.
    """

    name: str
    rows: tuple[Tier, ...]
    what: str = "value"
    unit: str = ""
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @classmethod
    def at_least(
        cls,
        name: str,
        steps: Sequence[tuple[Number, Number]],
        *,
        otherwise: Number | None = 0,
        what: str = "value",
        unit: str = "",
        strict: bool = False,
        categories: Sequence[str] = (),
    ) -> Ladder:
        """Rows ``value ≥ bound → points`` for bounds in descending order."""
        return cls._build(name, steps, otherwise, what, unit, ">" if strict else ">=", descending=True, categories=categories)

    @classmethod
    def at_most(
        cls,
        name: str,
        steps: Sequence[tuple[Number, Number]],
        *,
        otherwise: Number | None = 0,
        what: str = "value",
        unit: str = "",
        strict: bool = False,
        categories: Sequence[str] = (),
    ) -> Ladder:
        """Rows ``value ≤ bound → points`` for bounds in ascending order (delay tiers)."""
        return cls._build(name, steps, otherwise, what, unit, "<" if strict else "<=", descending=False, categories=categories)

    @classmethod
    def _build(
        cls,
        name: str,
        steps: Sequence[tuple[Number, Number]],
        otherwise: Number | None,
        what: str,
        unit: str,
        op: str,
        *,
        descending: bool,
        categories: Sequence[str] = (),
    ) -> Ladder:
        if not steps:
            raise ValueError(f"ladder {name!r} has no rows")
        bounds = [to_decimal(bound) for bound, _ in steps]
        for earlier, later in zip(bounds, bounds[1:]):
            if ((earlier <= later) if descending else (earlier >= later)) and not loading_packs.get():
                order = "descending" if descending else "ascending"
                raise ValueError(f"ladder {name!r}: bounds must be strictly {order}, got {earlier} then {later}")
        symbol = _OPS[op][0]
        rows = [
            Tier(op, bound, to_decimal(pts), f"{symbol} {fmt(bound)}{unit} → {fmt(to_decimal(pts))}")
            for bound, (_, pts) in zip(bounds, steps)
        ]
        if otherwise is not None:
            last = bounds[-1]
            rest = ("<" if op == ">=" else "≤") if descending else (">" if op == "<=" else "≥")
            rows.append(Tier("else", None, to_decimal(otherwise), f"{rest} {fmt(last)}{unit} → {fmt(to_decimal(otherwise))}"))
        return cls(name=name, rows=tuple(rows), what=what, unit=unit, categories=categories)

    @property
    def branches(self) -> tuple[str, ...]:
        """Every row's label: what rule coverage expects to see taken."""
        return tuple(row.label for row in self.rows)

    @property
    def max_points(self) -> Decimal:
        return max(row.points for row in self.rows)

    def shadowed(self) -> tuple[Tier, Tier] | None:
        """The first row that an earlier one shadows, after it: ``(earlier, later)`` where every
        value the later row's condition holds for meets the earlier one first (thresholds out of
        order, a row after the ``otherwise`` row, ``≥`` rows mixed with ``≤`` rows); ``None``
        for a ladder whose every row can be taken."""
        for earlier, later in zip(self.rows, self.rows[1:]):
            if earlier.op == "else":
                return earlier, later
            if later.op == "else":
                continue
            descending = earlier.op in (">=", ">")
            if descending != (later.op in (">=", ">")):
                return earlier, later
            assert earlier.bound is not None and later.bound is not None
            if (earlier.bound <= later.bound) if descending else (earlier.bound >= later.bound):
                return earlier, later
        return None

    def rising(self) -> tuple[Tier, Tier] | None:
        """The first row that gives more than the row before it (``(earlier, later)``): a worse
        value, one the earlier row's condition fails, gets more points; ``None`` when every row
        gives at most what the row before it gives."""
        for earlier, later in zip(self.rows, self.rows[1:]):
            if later.points > earlier.points:
                return earlier, later
        return None

    def score(self, value: Number) -> Score:
        """Score ``value`` against the ladder; raise ``ValueError`` if no row matches."""
        value = to_decimal(value)
        for row in self.rows:
            if row.op == "else" or _OPS[row.op][1](value, row.bound):
                if not explaining.get():
                    return _quiet(row.points)
                shown = measured(value, (r.bound for r in self.rows if r.bound is not None))
                if translating:
                    line = lines[_MATCHED].format(lines[self.what], f"{shown}{self.unit}", row.label)
                else:
                    line = f"{self.what} {shown}{self.unit} matched tier '{row.label}'"
                return Score(row.points, (line,), ((self.name, row.label),))
        raise ValueError(f"ladder {self.name!r}: no tier matches {self.what} {fmt(value)}{self.unit}")

    def column_points(self, values: Sequence[Any]) -> list[Decimal | None] | None:
        """The points :meth:`score` gives each value, a column at a time (``escore._ruleform``);
        ``None`` for a value no row matches (the scalar rule raises for it), and no list at all
        unless every value is an ``int`` or a ``Decimal``."""
        if not set(map(type, values)) <= _PLAIN_NUMBERS:
            return None
        tests = [(row.op == "else", _OPS[row.op][1] if row.op != "else" else None, row.bound, row.points) for row in self.rows]

        def tier_points(value: Any) -> Decimal | None:
            for otherwise, test, bound, points in tests:
                if otherwise or test(value, bound):  # type: ignore[misc]
                    return points
            return None

        try:
            # Equal values meet the same tiers, whatever their digits (5 and 5.0): each distinct
            # value is compared once. An int compares as its Decimal would (exactly).
            grouped = _once_per_value(list(values), tier_points)
            if grouped is not None:
                return grouped
            return list(map(tier_points, values))
        except ArithmeticError:  # a NaN does not compare: the scalar rule raises for it
            return None

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """The better tiers than the row ``branch`` (a row label): each with its bound and gain.

        ``plan`` proposes these bounds as values and verifies each by re-scoring.
        """
        current = next((row for row in self.rows if row.label == branch), None)
        if current is None:
            return ()
        out = []
        for row in self.rows:
            if row.op != "else" and row.bound is not None and row.points > current.points:
                strict = row.op in (">", "<")
                out.append(
                    Lever(
                        row.bound,
                        SCORING.subtract(row.points, current.points),
                        gettext("{0} → {1}{2} reaches tier '{3}'").format(gettext(self.what), fmt(row.bound), self.unit, row.label),
                        strict,
                    )
                )
        return tuple(out)


# --------------------------------------------------------------------------- items


class Item(NamedTuple):
    """One finding that a deduction or award rule counts.

    :param kind: which of the rule's item kinds this is (it sets the points).
    :param label: what was found, shown in the explanation; with ``args``, a
        :meth:`str.format` template of them (``"terminal {0.terminal} ({0.notified})"``),
        looked up in the packs' catalogues when the line is written (mark it ``N_``).
    :param origin: the sub-unit the item comes from, for roll-ups.
    :param args: the values ``label`` is formatted with, and only when a line is written:
        a run without explanations counts items and formats none of them (labelling each
        monitoring row with an f-string was 5% of the provincial pack's first pass over 10,000
        units, for labels nobody reads).
    """

    kind: str
    label: str = ""
    origin: str = ""
    args: tuple[object, ...] = ()

    @property
    def text(self) -> str:
        """The label as the explanation shows it, in the command's language."""
        label = gettext(self.label) if translating else self.label
        return formatted(label, self.args) if self.args else label


_KIND = operator.itemgetter(0)  # Item.kind, read C-level


def _item_line(sign: str, amount: Decimal, item: Item) -> str:
    label = item.text
    if translating:
        template = lines[_ITEM_LINES[sign, bool(label), bool(item.origin)]]
        return template.format(fmt(amount), lines[item.kind], label, item.origin)
    line = f"{sign}{fmt(amount)} {item.kind}"
    if label:
        line += f": {label}"
    if item.origin:
        line += f" (sub-unit {item.origin})"
    return line


def _deducted(maximum: Decimal, floor: Decimal, per: dict[str, Decimal], items: Iterable[Item]) -> Decimal:
    """What :meth:`Deduction.score` leaves of ``maximum`` (its points without its lines), branch
    for branch: no item is the maximum itself, else never below the floor."""
    amounts = [per[item.kind] for item in items]
    if not amounts:
        return maximum
    return max(SCORING.subtract(maximum, functools.reduce(SCORING.add, amounts, ZERO)), floor)


def _awarded(cap: Decimal, per: dict[str, Decimal], items: Iterable[Item]) -> Decimal:
    """What :meth:`Award.score` awards (its points without its lines), branch for branch."""
    amounts = [per[item.kind] for item in items]
    if not amounts:
        return ZERO
    return min(functools.reduce(SCORING.add, amounts, ZERO), cap)


def _each(points_of: Callable[..., Decimal], column: Sequence[Any], *rule: Any, kinds: Collection[str] = ()) -> list[Decimal | None] | None:
    """``points_of(*rule, items)`` for each tuple of items in ``column``, ``None`` where it raises;
    no list unless every value is a tuple (an iterator would be spent here before the scalar
    rule could read it).

    Once per distinct sequence of kinds when every item is an :class:`Item`: the points follow
    from the items' kinds alone, in their order (each kind's amount, added in turn), whatever
    their labels and origins, which differ from unit to unit. For a rule of one kind (``kinds``,
    the rule's) whose items are all of it, the sequence is that kind so many times: the number
    of items says it (a count per row instead of a tuple of kinds).
    """
    if not all(map(isinstance, column, itertools.repeat(tuple))):
        return None
    if set(map(type, itertools.chain.from_iterable(column))) <= {Item}:
        keys: list[Any] = []
        try:
            if len(kinds) == 1 and set(map(_KIND, itertools.chain.from_iterable(column))) <= set(kinds):
                keys = list(map(len, column))
            else:
                keys = list(map(tuple, map(map, itertools.repeat(_KIND), column)))  # C-level: no loop per row
            distinct = dict(zip(keys, column))  # a row's key → the items of a row with it
        except TypeError:  # an unhashable kind (the rule raises for it): each row on its own
            distinct = None
        if distinct is not None and len(distinct) < len(column):
            points = {key: _points_or_none(points_of, rule, items) for key, items in distinct.items()}
            return list(map(points.__getitem__, keys))
    try:
        return [points_of(*rule, items) for items in column]
    except Exception:
        return [_points_or_none(points_of, rule, items) for items in column]


def _points_or_none(points_of: Callable[..., Decimal], rule: tuple[Any, ...], items: tuple[Any, ...]) -> Decimal | None:
    try:
        return points_of(*rule, items)
    except Exception:
        return None


def _itemised(name: str, per: Mapping[str, Decimal], items: Iterable[Item], sign: str) -> tuple[Decimal, list[str], list[Hit]]:
    """A deduction's or an award's items: the sum of their amounts, a line each (``sign``: − or +),
    and the rule's hits (each kind once, and once for an item of a sub-unit); an item of a kind
    without an amount raises :class:`UnknownItemKind` (see :class:`_Amounts`)."""
    total = ZERO
    reasons: list[str] = []
    hits: list[Hit] = []
    seen: set[str] = set()
    for item in items:
        amount = per[item.kind]
        total = SCORING.add(total, amount)
        reasons.append(_item_line(sign, amount, item))
        if item.kind not in seen:
            seen.add(item.kind)
            hits.append((name, item.kind))
        if item.origin and ROLLUP not in seen:
            seen.add(ROLLUP)
            hits.append((name, ROLLUP))
    return total, reasons, hits


class UnknownItemKind(KeyError):
    """An item of a kind a deduction or award rule has no amount for (a ``KeyError``, as before:
    the indicator's result is an error naming the rule, the kind and the kinds it knows)."""

    def __init__(self, rule: str, kind: object, known: Iterable[str]) -> None:
        super().__init__(kind)
        self.rule, self.kind, self.known = rule, kind, tuple(sorted(known))

    def __str__(self) -> str:
        kinds = ", ".join(f"'{kind}'" for kind in self.known) or "none"
        return f"{self.rule} has no amount for item kind {self.kind!r}; the kinds it knows: {kinds}"


class _Amounts(dict[str, Decimal]):
    """A deduction's or an award's amount per item kind; a kind it has none for raises
    :class:`UnknownItemKind` naming the rule, wherever the amount is looked up (scored with or
    without lines, or a column at a time). A dict: a lookup that finds its kind costs nothing more."""

    __slots__ = ("rule",)

    def __init__(self, amounts: Mapping[str, Decimal], rule: str) -> None:
        super().__init__(amounts)
        self.rule = rule

    def __missing__(self, kind: str) -> Decimal:
        raise UnknownItemKind(self.rule, kind, self)


@frozen
class Deduction:
    """Start at ``max`` and deduct per item, never below ``floor`` ("扣完为止").

    :param per: points deducted for one item of each kind.
    """

    name: str
    max: Decimal = attrs.field(converter=to_decimal)
    per: dict[str, Decimal] = attrs.field(converter=lambda m: {k: to_decimal(v) for k, v in m.items()})
    floor: Decimal = attrs.field(default=ZERO, converter=to_decimal)
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @property
    def branches(self) -> tuple[str, ...]:
        return (*sorted(self.per), "none deducted", "floor")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "per", _Amounts(self.per, f"deduction '{self.name}'"))

    def score(self, items: Iterable[Item]) -> Score:
        """Deduct for each item; an item of a kind without an amount raises :class:`UnknownItemKind`."""
        if not explaining.get():
            found = _deducted(self.max, self.floor, self.per, items)
            return _quiet(found) if found is self.max or found is self.floor else Score(found)
        total, reasons, hits = _itemised(self.name, self.per, items, "−")
        if not reasons:
            line = (
                lines[_NO_DEDUCTIONS, fmt(self.max), fmt(self.max)] if translating else f"no deductions: {fmt(self.max)} of {fmt(self.max)}"
            )
            return Score(self.max, (line,), ((self.name, "none deducted"),))
        result = SCORING.subtract(self.max, total)
        if result < self.floor:
            floor, spent, room = fmt(self.floor), fmt(total), fmt(SCORING.subtract(self.max, self.floor))
            reasons.append(
                lines[_FLOOR].format(floor, spent, room) if translating else f"floor {floor} reached: deductions of {spent} exceed {room}"
            )
            hits.append((self.name, "floor"))
            result = self.floor
        return Score(result, tuple(reasons), tuple(hits))

    def column_points(self, items: Sequence[Any]) -> list[Decimal | None] | None:
        """:meth:`score`'s points for each tuple of items, a column at a time; ``None`` where the
        scalar rule raises (an unknown kind); see :func:`_each`."""
        return _each(_deducted, items, self.max, self.floor, self.per, kinds=self.per)

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """Each item of kind ``branch`` avoided gains its weight (less once the floor was reached)."""
        if branch not in self.per:
            return ()
        return (Lever(branch, self.per[branch], gettext("each {0} avoided gains {1}").format(gettext(branch), fmt(self.per[branch]))),)


@frozen
class Award:
    """Award points per item, never above ``cap`` ("超出本分项最高分值则按最高分值计算")."""

    name: str
    cap: Decimal = attrs.field(converter=to_decimal)
    per: dict[str, Decimal] = attrs.field(converter=lambda m: {k: to_decimal(v) for k, v in m.items()})
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @property
    def branches(self) -> tuple[str, ...]:
        return (*sorted(self.per), "nothing awarded", "cap")

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "per", _Amounts(self.per, f"award '{self.name}'"))

    def score(self, items: Iterable[Item]) -> Score:
        """Award for each item; an item of a kind without an amount raises :class:`UnknownItemKind`."""
        if not explaining.get():
            return Score(_awarded(self.cap, self.per, items))
        total, reasons, hits = _itemised(self.name, self.per, items, "+")
        if not reasons:
            return Score(ZERO, (lines[_NOTHING_AWARDED],), ((self.name, "nothing awarded"),))
        if total > self.cap:
            cap, spent = fmt(self.cap), fmt(total)
            reasons.append(lines[_CAPPED].format(cap, spent) if translating else f"capped at {cap}: items add up to {spent}")
            hits.append((self.name, "cap"))
            total = self.cap
        return Score(total, tuple(reasons), tuple(hits))

    def column_points(self, items: Sequence[Any]) -> list[Decimal | None] | None:
        """:meth:`score`'s points for each tuple of items, a column at a time (see :meth:`Deduction.column_points`)."""
        return _each(_awarded, items, self.cap, self.per, kinds=self.per)

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """Each further item gains its amount until the cap."""
        if branch == "cap":
            return ()
        return tuple(
            Lever(kind, amount, gettext("each further {0} gains {1} (up to {2})").format(gettext(kind), fmt(amount), fmt(self.cap)))
            for kind, amount in sorted(self.per.items())
        )


#: What a proportional rule scores when there is nothing to count (a whole of 0).
NOTHING_TO_COUNT = ("full", "missing")


@frozen
class Proportional:
    """``max × part ÷ whole`` ("按比例扣分").

    :param nothing_to_count: what a whole of 0 scores; every rule states it (there is
        no default, because the two readings differ by the whole maximum):

        * ``"full"``: nothing is 未实现, so full marks, with a reason saying so — the
          reading of "…的，得N分；未实现的，按比例扣分" and "所有…的，得N分" (READING 13);
        * ``"missing"``: no share can be computed, so the indicator is ``missing``.
    :param nothing: the explanation line's words for "nothing to count"
        (e.g. "no project under construction").
    """

    name: str
    max: Decimal = attrs.field(converter=to_decimal)
    what: str = "share"
    nothing_to_count: str = attrs.field(kw_only=True, validator=attrs.validators.in_(NOTHING_TO_COUNT))
    nothing: str = attrs.field(default="", kw_only=True)
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @property
    def branches(self) -> tuple[str, ...]:
        return ("full", "partial", "none", "nothing to count") if self.nothing_to_count == "full" else ("full", "partial", "none")

    def score(self, part: Number, whole: Number) -> Score:
        part, whole = to_decimal(part), to_decimal(whole)
        if whole == 0 and part == 0:
            if self.nothing_to_count == "missing":
                raise MissingEvidence(self.name, lines[_NO_SHARE].format(lines[self.what]))
            if not explaining.get():
                return _quiet(self.max)
            words = lines[self.nothing] if self.nothing else lines[_NOTHING_TO_COUNT].format(lines[self.what])
            line = lines[_FULL_MARKS].format(words, fmt(self.max), fmt(self.max))
            return Score(self.max, (line,), ((self.name, "nothing to count"),))
        if whole < 0 or part < 0 or part > whole:
            # Evidence checks refuse such values (READING 15); reaching here is a defect of the pack.
            raise ValueError(f"{self.what}: part {fmt(part)} is outside 0..{fmt(whole)}")
        result = SCORING.divide(SCORING.multiply(self.max, part), whole)
        if not explaining.get():
            return Score(result)
        branch = "full" if part == whole else ("none" if part == 0 else "partial")
        shown = PRESENTING.quantize(result, _SHOWN_PLACES)
        line = lines[_SHARE if shown == result else _SHARE_ABOUT].format(lines[self.what], fmt(part), fmt(whole), fmt(self.max), fmt(shown))
        return Score(result, (line,), ((self.name, branch),))

    def column_points(self, parts: Sequence[Any], wholes: Sequence[Any]) -> list[Decimal | None] | None:
        """:meth:`score`'s points for each ``part`` of a positive ``whole``, a column at a time;
        ``None`` for a row the scalar rule settles otherwise (nothing to count, a part outside
        0..whole), and no list unless every value is an ``int`` or a ``Decimal``."""
        maximum = self.max
        divide, multiply = SCORING.divide, SCORING.multiply
        if set(map(type, parts)) == set(map(type, wholes)) == {int}:
            # Counts, as evidence nearly always gives them: equal ints are the same value, so
            # each distinct (part, whole) is divided once. Not Decimals: 1.0 and 1.00 are equal,
            # and their shares differ in digits.
            def share(pair: tuple[int, int]) -> Decimal | None:
                part, whole = pair
                return divide(multiply(maximum, part), whole) if whole > 0 and 0 <= part <= whole else None

            grouped = _once_per_value(list(zip(parts, wholes)), share)
            if grouped is not None:
                return grouped
        part_numbers, whole_numbers = _numbers(parts), _numbers(wholes)
        if part_numbers is None or whole_numbers is None:
            return None
        try:
            return [
                divide(multiply(maximum, part), whole) if whole > ZERO and ZERO <= part <= whole else None
                for part, whole in zip(part_numbers, whole_numbers)
            ]
        except ArithmeticError:  # a NaN does not compare: the scalar rule raises for it
            return None

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """Every item added to the part gains ``max ÷ whole``; the part equal to the whole gains the rest."""
        if branch in ("full", "nothing to count"):
            return ()
        return (Lever(None, self.max, gettext("each item of {0} gains {1} ÷ the whole").format(gettext(self.what), fmt(self.max))),)


@frozen
class Binary:
    """All or nothing: ``points`` if the condition holds, else 0."""

    name: str
    points: Decimal = attrs.field(converter=to_decimal)
    yes: str = "condition met"
    no: str = "condition not met"
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @property
    def branches(self) -> tuple[str, ...]:
        return ("yes", "no")

    def score(self, condition: bool) -> Score:
        if not explaining.get():
            return _quiet(self.points if condition else ZERO)
        if condition:
            return Score(self.points, (lines[_LABELLED, self.yes, fmt(self.points)],), ((self.name, "yes"),))
        return Score(ZERO, (lines[_LABELLED, self.no, "0"],), ((self.name, "no"),))

    def column_points(self, conditions: Sequence[Any]) -> list[Decimal | None] | None:
        """:meth:`score`'s points for each condition, a column at a time."""
        points = self.points
        try:
            return [points if condition else ZERO for condition in conditions]
        except Exception:  # a value without a truth value: the scalar rule raises for it
            return None

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """Meeting the condition gains all the points."""
        return (Lever(True, self.points, gettext("{0}: gains {1}").format(gettext(self.yes), fmt(self.points))),) if branch == "no" else ()


class Grade(NamedTuple):
    """Points an assessor awarded, with the assessor's one-line reason (evidence type ``graded``)."""

    points: Decimal
    reason: str


@frozen
class Graded:
    """An assessor-graded row: the points come from evidence, checked against ``max``."""

    name: str
    max: Decimal = attrs.field(converter=to_decimal)
    #: Unit categories this rule serves (e.g. one Table L column); empty: all. Rule coverage reads it.
    categories: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=as_tuple)

    @property
    def branches(self) -> tuple[str, ...]:
        return ("full", "partial", "none")

    def score(self, grade: Grade, context: Iterable[str] = ()) -> Score:
        """The assessor's points; ``context`` lines (monitoring facts bearing on the row) are
        shown beside the grade and never change it (READING 12)."""
        if not ZERO <= grade.points <= self.max:
            raise ValueError(f"{self.name}: assessor points {fmt(grade.points)} outside 0..{fmt(self.max)}")
        if not explaining.get():
            return Score(grade.points)
        branch = "full" if grade.points == self.max else ("none" if grade.points == 0 else "partial")
        if translating:
            line = lines[_GRADED].format(fmt(grade.points), fmt(self.max), grade.reason)
            return Score(grade.points, (line, *(lines[_CONTEXT].format(c) for c in context)), ((self.name, branch),))
        line = f"assessor awarded {fmt(grade.points)} of {fmt(self.max)}: {grade.reason}"
        return Score(grade.points, (line, *(f"context (not scored): {c}" for c in context)), ((self.name, branch),))

    def column_points(self, grades: Sequence[Any], contexts: Sequence[Any] = ()) -> list[Decimal | None] | None:
        """:meth:`score`'s points for each grade, a column at a time (the context never changes
        them); ``None`` for points outside 0..max, and no list unless every value is a :class:`Grade`."""
        if set(map(type, grades)) != {Grade}:
            return None
        maximum = self.max
        try:
            return [points if ZERO <= points <= maximum else None for points, _ in grades]
        except (ArithmeticError, TypeError):  # points that do not compare: the scalar rule raises
            return None

    def levers(self, branch: str) -> tuple[Lever, ...]:
        """The gap to the maximum, which only the assessor can award."""
        return (Lever(self.max, self.max, gettext("assessor-graded: up to {0}").format(fmt(self.max))),) if branch != "full" else ()


#: Rule objects a pack may define; rule coverage looks for these in pack modules.
RULE_TYPES = (Ladder, Deduction, Award, Proportional, Binary, Graded)


class Lever(NamedTuple):
    """A change a rule object proposes to gain points (``escore plan``).

    :param target: the value to reach (a tier bound, ``True``) or the item kind to avoid or add.
    :param gain: the rule's own points gained (before section weights, caps and vetoes).
    :param text: what to do, in the rule's words.
    :param strict: the bound itself is excluded (``>``/``<`` rows).
    """

    target: object
    gain: Decimal
    text: str
    strict: bool = False
