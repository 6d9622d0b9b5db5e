"""The -k/-m selection language, as tables (like pytest's own tests)."""

import pytest

from escore._expression import Expression, ExpressionError


@pytest.mark.parametrize(
    ("expression", "names", "expected"),
    [
        ("", set(), True),
        ("a", {"a"}, True),
        ("a", {"b"}, False),
        ("not a", {"a"}, False),
        ("a and b", {"a", "b"}, True),
        ("a and b", {"a"}, False),
        ("a or b", {"b"}, True),
        ("not (a or b)", {"c"}, True),
        ("a and not b or c", {"c"}, True),
        ("a and (not b or c)", {"a", "b"}, False),
        ("P-1-2", {"P-1-2"}, True),
        ("W-L-3[city]", {"W-L-3[city]"}, True),
    ],
)
def test_evaluate(expression, names, expected):
    assert Expression.compile(expression).evaluate(lambda ident: ident in names) is expected


@pytest.mark.parametrize(
    ("expression", "column", "message"),
    [
        ("(", 2, "expected 'not', '(' or an identifier; got end of input"),
        ("a and", 6, "expected 'not', '(' or an identifier; got end of input"),
        ("a b", 3, "expected 'and', 'or' or end of input; got 'b'"),
        ("(a", 3, "expected ')'; got end of input"),
        ("a and $", 7, 'unexpected character "$"'),
        (") a", 1, "expected 'not', '(' or an identifier; got ')'"),
    ],
)
def test_errors_name_the_column(expression, column, message):
    with pytest.raises(ExpressionError) as info:
        Expression.compile(expression)
    assert info.value.column == column
    assert str(info.value) == f"wrong expression {expression!r} at column {column}: {message}"
