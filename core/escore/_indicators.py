"""The declarations a rule pack writes: ``@indicator``, ``group()``, ``@veto``, ``@bonus``.

Decorators only attach a frozen declaration to the function and return the
function unchanged, so an indicator stays a plain callable: tests and the
benchmark call it directly. Checking (codes, maxima, fixture names) happens once,
when the pack is collected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from ._citation import Citation
from ._converters import as_tuple
from ._frozen import frozen
from ._score import Number, to_decimal

F = TypeVar("F", bound=Callable[..., Any])

#: A maximum, either one number or one per unit category (``None``: not in that category).
MaxSpec = Number | Mapping[str, Number | None]

#: A citation, either one for every category or one per unit category (a table with a column per
#: category quotes a clause of its own for each): every category the node is scored in has one.
SourceSpec = Citation | Mapping[str, Citation] | None

#: Assessment methods with the notice's wording; each becomes a mark of the indicator.
METHODS: Mapping[str, str] = {
    "self_report": "自评上报",
    "monitoring": "日常监测",
    "online_monitoring": "在线监测",
    "online_check": "网上核查",
    "inspection": "现场检查",
    "annual_review": "年底综合考核",
    "public_vote": "公众满意度投票",
}

DECLARATION_ATTRIBUTE = "__escore_declaration__"


def _convert_max(value: MaxSpec) -> Decimal | Mapping[str, Decimal | None]:
    if isinstance(value, Mapping):
        return {key: (None if v is None else to_decimal(v)) for key, v in value.items()}
    return to_decimal(value)


def _convert_source(value: SourceSpec) -> Citation | Mapping[str, Citation] | None:
    """A citation as given, or a mapping category → citation copied (the caller's dict may change);
    a value of the mapping that is no :class:`Citation` is refused where the node is declared.
    Whether its keys are the node's categories is checked when a plan is built."""
    if not isinstance(value, Mapping):
        return value
    for key, citation in value.items():
        if not isinstance(key, str) or not isinstance(citation, Citation):
            raise TypeError(f"source[{key!r}] must be a Citation (cite(...)) under a category key, got {type(citation).__name__}")
    return dict(value)


def _caller() -> tuple[str, int]:
    """The file and line where the function that calls this one (``group()``) was called, for
    messages about the node declared there: a module variable has no line to ask for later."""
    frame = sys._getframe(2)
    return frame.f_code.co_filename, frame.f_lineno


def _check_methods(instance: Any, attribute: Any, value: tuple[str, ...]) -> None:
    for method in value:
        if method not in METHODS:
            from ._errors import did_you_mean

            hint = did_you_mean(method, METHODS)
            raise ValueError(f"{instance.code}: unknown method {method!r}; known: {', '.join(METHODS)}. {hint}".strip())


def _compile_condition(text: str) -> Any:
    from ._expression import Expression

    return Expression.compile(text)


@frozen
class Alternative:
    """Score another evidence source instead ("没有建设移动客户端…考核微信公众号").

    ``when`` is a condition over fixtures: one fixture name, or names joined by
    ``and``, ``or``, ``not`` and parentheses (the ``-k`` grammar). When it holds for a
    unit, the indicator's parameter ``param`` is resolved from fixture ``instead``
    (or, with ``instead=None``, the indicator scores 0), and the explanation says so.

    An indicator's alternatives are decided in order and the first that holds wins.
    Conditions are evaluated lazily, left to right: ``not has_app and has_wechat``
    never asks for ``has_wechat`` when ``has_app`` holds, so a unit needs only the
    evidence its own branch reads (READING 14). An identifier that is needed but
    absent makes the indicator ``missing``, naming it.
    """

    param: str
    instead: str | None
    when: str
    source: Citation | None = None
    label: str = ""
    condition: Any = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "condition", _compile_condition(self.when))

    @property
    def names(self) -> tuple[str, ...]:
        """Every fixture this alternative may read: the condition's names and ``instead``."""
        idents = tuple(dict.fromkeys(self.condition.idents))
        return idents if self.instead is None else (*idents, self.instead)

    @property
    def branch(self) -> str:
        """The branch rule coverage records when this alternative is taken."""
        return self.instead if self.instead is not None else "zero"

    def holds(self, fetch: Callable[[str], Any]) -> bool:
        """Whether the condition holds; ``fetch(name)`` is called only for names it needs."""
        return bool(self.condition.evaluate(lambda name: bool(fetch(name))))


@frozen
class Node:
    """What indicators, groups, vetoes and bonus items share: a code in the tree."""

    code: str
    title: str
    max: Any = attrs.field(converter=_convert_max)
    parent: str | None = None
    source: Citation | Mapping[str, Citation] | None = attrs.field(default=None, converter=_convert_source)
    counted: bool = True
    variant: str | None = None
    methods: tuple[str, ...] = attrs.field(default=(), converter=as_tuple, validator=_check_methods)
    #: where ``group()`` was called (file, line), for messages about the node; an indicator is
    #: located by its function
    declared_at: tuple[str, int] | None = attrs.field(default=None, kw_only=True, eq=False, repr=False)

    def max_for(self, category: str) -> Decimal | None:
        """This node's maximum in ``category``, or ``None`` if it has no place there."""
        if isinstance(self.max, Mapping):
            return self.max.get(category)
        return self.max

    def source_for(self, category: str) -> Citation | None:
        """This node's citation in ``category`` (its one citation, or that category's of a mapping)."""
        if isinstance(self.source, Mapping):
            return self.source.get(category)
        return self.source


@frozen
class IndicatorDecl(Node):
    """The declaration ``@indicator`` attaches to a function."""

    alternatives: tuple[Alternative, ...] = attrs.field(default=(), converter=as_tuple)
    kind: str = "indicator"


@frozen
class Group(Node):
    """An inner node of the tree; its maximum must equal the sum of its children.

    :param variant_by: the unit attribute that picks exactly one child variant;
        every child then declares ``variant=`` and each variant sums to this node.
    """

    variant_by: str | None = None
    bonus: bool = False


@frozen
class VetoDecl:
    """The declaration ``@veto`` attaches to a function.

    The function returns a reason (a non-empty string) when the veto applies, and
    ``None`` or ``""`` otherwise; then every indicator under ``targets`` scores 0.
    """

    code: str
    title: str
    targets: tuple[str, ...] = attrs.field(converter=as_tuple)
    source: Citation | None = None


def indicator(
    code: str,
    title: str,
    *,
    max: MaxSpec,
    parent: str | None = None,
    source: SourceSpec = None,
    methods: Sequence[str] = (),
    counted: bool = True,
    variant: str | None = None,
    alternatives: Sequence[Alternative] = (),
) -> Callable[[F], F]:
    """Declare a function as the indicator ``code``.

    The function's parameter names are the evidence it needs, resolved by name
    like pytest fixtures; it returns a :class:`~escore.Score`.

    :param max: the maximum printed in the notice, or a mapping category → max.
    :param parent: the code of the group this indicator sits in (``None``: a section root).
    :param source: the clause it implements (:func:`~escore.cite`), or a mapping category → clause
        when each category's column cites its own (every category it is scored in, and no other).
    :param methods: assessment methods, keys of :data:`METHODS`; each is also a mark.
    :param counted: ``False`` lists the indicator without counting it.
    :param variant: the variant of the parent group this indicator belongs to.
    :param alternatives: other evidence sources to score instead (:class:`Alternative`).
    """
    decl = IndicatorDecl(code, title, max, parent, source, counted, variant, tuple(methods), tuple(alternatives))
    return _attach(decl)


def bonus(
    code: str,
    title: str,
    *,
    max: MaxSpec,
    parent: str | None = None,
    source: SourceSpec = None,
    methods: Sequence[str] = (),
) -> Callable[[F], F]:
    """Declare a bonus item: its points add to the section's raw score, which stays capped.

    :param parent: a group declared with ``bonus=True`` (the notice's 加分项目 block), if any.
    """
    decl = IndicatorDecl(code, title, max, parent, source, False, None, tuple(methods), (), kind="bonus")
    return _attach(decl)


def veto(code: str, title: str, *, targets: Sequence[str], source: Citation | None = None) -> Callable[[F], F]:
    """Declare a veto that zeroes the indicators or groups ``targets`` when it applies.

    The function returns the reason it applies (text) or ``None`` (an empty text: it does not
    apply). Any other value is the veto's error for the unit, as an exception would be."""
    return _attach(VetoDecl(code, title, tuple(targets), source))


def group(
    code: str,
    title: str,
    *,
    max: MaxSpec,
    parent: str | None = None,
    source: SourceSpec = None,
    counted: bool = True,
    variant: str | None = None,
    variant_by: str | None = None,
    methods: Sequence[str] = (),
    bonus: bool = False,
) -> Group:
    """Declare an inner node of the indicator tree (assign it to a module variable).

    :param source: the clause it implements, or a mapping category → clause, as for :func:`indicator`.
    :param bonus: a block of bonus items (加分项目): its maximum is the sum of its bonus
        children, and it stays outside the sums of its parent and section.
    """
    return Group(code, title, max, parent, source, counted, variant, tuple(methods), variant_by, bonus, declared_at=_caller())


def _attach(decl: Any) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        setattr(func, DECLARATION_ATTRIBUTE, decl)
        return func

    return decorate
