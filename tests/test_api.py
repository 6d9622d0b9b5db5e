"""The public façade: one sorted __all__, every name importable, nothing else public."""

import escore


def test_all_is_sorted_and_complete():
    # constants first, then classes and functions in code-point order (ruff's RUF022 order)
    assert escore.__all__ == sorted(escore.__all__, key=lambda n: (not n.isupper(), n))
    assert len(set(escore.__all__)) == len(escore.__all__)
    for name in escore.__all__:
        assert getattr(escore, name) is not None, name
    assert dir(escore) == sorted(escore.__all__)


def test_private_modules_are_not_exported():
    assert not [name for name in escore.__all__ if name.startswith("_") and name != "__version__"]
    import types

    # Public submodules (hookspecs, the pytest plugin) are modules, not names of the façade.
    public = {name for name, value in vars(escore).items() if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public - {"annotations", "TYPE_CHECKING"} <= set(escore.__all__)


def test_indicator_keeps_the_function_callable():
    from escore import Binary, indicator

    @indicator("X", "x", max=1)
    def rule(flag):
        return Binary("x", 1).score(flag)

    assert rule(True).points == 1
    assert rule.__name__ == "rule"
