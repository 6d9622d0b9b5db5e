"""The JSON writer gives the standard library's text, byte for byte."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escore._jsontext import indented

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


def standard(value, newline="\n"):
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_any_json_value_is_written_as_json_dumps_writes_it(value):
    assert indented(value) == standard(value)
    assert indented(value, "\n    ") == standard(value, "\n    ")


@pytest.mark.parametrize(
    "value",
    [
        {"lines": ["a", '引号"与\\反斜杠', "\x00\x1f\u2028"], "empty": [], "nothing": {}, "n": [1, True, None, 2.5]},
        [[], [[]], {}, [{}], ""],
        {1: "an int key", "b": 2},  # json.dumps turns the key into "1": handed to it
        [float("nan"), float("inf")],
        {"subclass": type("Text", (str,), {})("x")},
        ["text first", 1, None, {"k": ["x"]}],  # a list of lines until it is not
        ["a", type("Text", (str,), {})("b")],
        {"points": 1, type("Key", (str,), {})("points2"): 2, "points3": [{"points": 3}]},  # keys seen before
    ],
)
def test_edge_values(value):
    assert indented(value) == standard(value)


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
def test_sample_runs_are_written_as_json_dumps_writes_them(category):
    from escore._plugins import Catalog, make_plugin_manager
    from escore._report import run_to_dict
    from escore._session import run_category

    data = run_to_dict(run_category(Catalog(make_plugin_manager()), category, explain=True))
    assert len(data["units"]) > 0 and data["units"][0]["indicators"][0]["reasons"]
    assert indented(data) == standard(data)
