"""escore._frozen: the shared __repr__ gives the text attrs would generate."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from escore import Score, Unit
from escore._frozen import frozen


def _pair():
    def body(cls_name):
        return type(
            cls_name,
            (),
            {
                "__annotations__": {"code": "str", "hidden": "int", "amount": "Decimal", "shown": "str"},
                "hidden": attrs.field(default=0, repr=False),
                "amount": attrs.field(default=Decimal("1.50")),
                "shown": attrs.field(default="x", repr=lambda value: f"<{value}>"),
            },
        )

    return frozen(body("Thing")), attrs.frozen(body("Thing"))


def test_value_repr_is_attrs_repr():
    ours, theirs = _pair()
    assert repr(ours("a", 7)) == repr(theirs("a", 7)) == "Thing(code='a', amount=Decimal('1.50'), shown=<x>)"


def test_value_repr_nested_and_of_escore_classes():
    unit = Unit("u1", "单位", "provincial", attributes={"dc_variant": "A"})
    assert repr(unit) == "Unit(code='u1', name='单位', category='provincial', parent=None, attributes={'dc_variant': 'A'})"
    ours, _theirs = _pair()
    assert (
        repr(ours("b", shown=ours("c")))
        == "Thing(code='b', amount=Decimal('1.50'), shown=<Thing(code='c', amount=Decimal('1.50'), shown=<x>)>)"
    )
    assert repr(Score(Decimal(2), ("a line",))) == "Score(points=Decimal('2'), reasons=('a line',), hits=())"


def test_value_repr_of_an_object_inside_itself():
    ours, _theirs = _pair()
    box: list = []
    thing = ours("d", amount=box)
    box.append(thing)
    assert repr(thing) == "Thing(code='d', amount=[...], shown=<x>)"


def test_value_equality_and_hash_are_attrs():
    ours, theirs = _pair()
    for cls in (ours, theirs):
        one, same, other = cls("a", 1), cls("a", 1), cls("a", 1, amount=Decimal(2))
        assert one == same and (one != same) is False and hash(one) == hash(same) and len({one, same}) == 1
        assert one != other and cls("a", 1) != cls("b", 1)
        # hidden (repr=False) still takes part; a field with eq=False would not
        assert cls("a", 1) != cls("a", 2)
    # Only the very same class compares equal, as with attrs (a subclass or a tuple does not).
    assert ours("a") != theirs("a") and ours("a") != ("a", 0, Decimal("1.50"), "x")


def test_a_field_left_out_of_equality():
    @frozen
    class Cached:
        key: str
        memo: int = attrs.field(default=0, eq=False)

    assert Cached("k", 1) == Cached("k", 2) and hash(Cached("k", 1)) == hash(Cached("k", 2))
    assert Cached("k") != Cached("j")


def test_methods_the_class_writes_are_kept():
    @frozen
    class Shown:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    @frozen
    class ByName:
        name: str
        note: str = ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, ByName) and other.name == self.name

        __hash__ = None  # type: ignore[assignment]

    assert repr(Shown("x")) == "<x>" and Shown("x") == Shown("x")
    assert ByName("a", "1") == ByName("a", "2")
    with pytest.raises(TypeError):
        hash(ByName("a"))
