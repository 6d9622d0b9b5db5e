"""Per-unit field values kept as tuples (escore._fieldvalues): every reader sees the dict it saw before."""

from decimal import Decimal

import pytest

from escore._fieldvalues import FieldValues
from escore._plugins import Catalog, make_plugin_manager


@pytest.fixture(scope="module")
def catalog():
    return Catalog(make_plugin_manager())


def test_a_packed_unit_reads_back_as_the_values_it_was_given_in_their_order():
    values = FieldValues(["u1", "u2"])
    values.put("u1", {"c": Decimal("1.50"), "a": None})  # None is a value (an optional field's), not an absence
    assert values["u1"] == {"c": Decimal("1.50"), "a": None} and list(values["u1"]) == ["c", "a"]
    assert str(values["u1"]["c"]) == "1.50"
    assert values["u2"] == {} and values.get("u2") == {}
    assert values.get("nobody", "default") == "default" and "nobody" not in values and "u1" in values
    assert list(values) == ["u1", "u2"] and len(values) == 2
    values.put("u2", {"a": 0, "b": False, "c": ""})
    assert values["u2"] == {"a": 0, "b": False, "c": ""} and values["u2"]["b"] is False


def test_units_with_the_same_names_share_one_tuple_of_them():
    values = FieldValues(["u1", "u2"])
    values.put("u1", {"a": 1, "b": 2})
    values.put("u2", dict([("a", 3), ("b", 4)]))
    assert values._units["u1"][-1] is values._units["u2"][-1]
    assert len(values._units["u1"]) == 3  # two values and the names


def test_a_reader_gets_its_own_dict():
    values = FieldValues(["u"])
    values.put("u", {"a": 1})
    mine = values["u"]
    mine["a"] = 2
    mine["x"] = 3
    assert values["u"] == {"a": 1}


def test_a_loader_fills_a_live_dict_then_packs_it():
    values = FieldValues(["u"])
    live = values.writable("u")
    live["b"] = "text"
    assert values["u"] is live  # while loading, the live dict itself
    values.pack("u")
    assert values["u"] == {"b": "text"} and values["u"] is not live
    again = values.writable("u")  # a second source of the same unit adds to what the first gave
    again["a"] = 0
    values.pack_all()
    assert values["u"] == {"b": "text", "a": 0}


def test_a_loaded_sample_holds_every_value_the_plan_reads(catalog):
    from escore._load import load_evidence

    plan = catalog.plan("fj2017", "county")
    units = catalog.roster("fj2017", "county")
    data = load_evidence(catalog.sample_evidence(plan), plan, [u.code for u in units], catalog.all_unit_codes("fj2017"), catalog.loaders)
    assert isinstance(data.values, FieldValues)
    names = {f.fixture_name for f in plan.fields}
    first = data.values[units[0].code]
    assert first and set(first) <= names
    assert sum(len(data.values[u.code]) for u in units) > 30 * len(units)  # the sample gives most fields of every county


def test_columns_read_every_unit_by_name_with_the_absent_marked():
    values = FieldValues(["a", "b", "c", "d"])
    values.put("a", {"x": 1, "y": None})
    values.put("b", {"y": 2, "x": 3})  # another order: another tuple of names
    values.put("c", {"x": 4})
    absent = object()
    columns, lacking = values.columns(["a", "b", "c", "d", "e"], ["x", "y"], absent)
    assert columns[0] == [1, 3, 4, absent, absent]  # "d" has no value, "e" is not a unit of the set
    assert columns[1] == [None, 2, absent, absent, absent]  # None is a value, not an absence
    assert {name: sorted(rows) for name, rows in lacking.items()} == {"x": [3, 4], "y": [2, 3, 4]}
    one, _ = values.columns(["b"], ["x"], absent)
    assert one == [[3]]
    assert values.columns([], ["x"], absent) == ([[]], {})
    values.writable("a")  # a loader filling a unit: no columns until it is packed again
    assert values.columns(["a"], ["x"], absent) is None
