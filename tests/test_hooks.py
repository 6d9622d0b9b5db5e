"""The plugin contract: every hook in hookspecs.py is documented and exercised here."""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path

import pytest

from escore import Category, EvidenceLoader, OutputFormat, PackError, Roster, Ruleset, Section, Unit, UsageError, hookimpl, hookspecs
from escore._plugins import Catalog, make_plugin_manager
from escore._session import run_category

from .conftest import DEMO


def catalog_with(*plugins):
    from escore_demo import plugin as demo

    return Catalog(make_plugin_manager(autoload=False, extra=[demo, *plugins]))


def plugin(**hooks):
    """A plugin object with the given hook implementations."""
    mod = types.ModuleType(f"plugin_{len(hooks)}_{id(hooks)}")
    for name, func in hooks.items():
        setattr(mod, name, hookimpl(func))
    return mod


def test_every_hook_is_documented_and_tested():
    tests = {name for name in globals() if name.startswith("test_hook_")}
    for name in hookspecs.HOOK_NAMES:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "versionadded" in doc and len(doc.splitlines()[0]) > 20, name
        assert f"test_hook_{name}" in tests, f"no test for hook {name}"


def test_hook_escore_register_rulesets():
    same = plugin(
        escore_register_rulesets=lambda register: register(
            Ruleset("demo2024", 2024, "Demo assessment", document="Demo assessment notice 2024")
        )
    )
    assert catalog_with(same).rulesets["demo2024"][0].year == 2024
    other = plugin(escore_register_rulesets=lambda register: register(Ruleset("demo2024", 2025)))
    with pytest.raises(PackError, match=r"ruleset 'demo2024' is registered differently by plugins 'escore_demo.plugin' and 'plugin_"):
        catalog_with(other)


def test_two_plugins_registering_one_ruleset_differently_are_told_what_differs_and_what_to_do():
    """The error had named the ruleset and both plugins only: which of year, title, extends…
    differ was for the user to find, and nothing said what to do."""

    def registering(name, ruleset):
        module = types.ModuleType(name)
        module.escore_register_rulesets = hookimpl(lambda register: register(ruleset))
        return module

    first = registering("dup", Ruleset("x2030", 2030, "X 2030", extends="demo2024"))
    second = registering("x2030", Ruleset("x2030", 2031, "X 2031", extends="demo2024", language="zh"))
    with pytest.raises(PackError) as raised:
        catalog_with(first, second)
    assert str(raised.value) == (
        "ruleset 'x2030' is registered differently by plugins 'dup' and 'x2030' (year 2030 and 2031, title 'X 2030' and "
        "'X 2031', language 'en' and 'zh'); uninstall one of them, or leave one out with -p no:NAME (escore plugins lists them)"
    )
    city = registering("city2030", Ruleset("x2030", 2030, "X 2030", extends="demo2024"))
    city.escore_register_categories = hookimpl(lambda register: register(Category("x2030", "town", "Towns", total=100)))
    other = types.ModuleType("county2030")
    other.escore_register_categories = hookimpl(lambda register: register(Category("x2030", "town", "Towns", subunits="village")))
    with pytest.raises(PackError) as raised:
        catalog_with(city, other)
    assert str(raised.value).startswith(
        "category 'x2030/town' is registered differently by plugins 'city2030' and 'county2030' "
        "(subunits None and 'village', total 100 and None); uninstall one"
    )


def test_hook_escore_register_categories():
    extra = plugin(escore_register_categories=lambda register: register(Category("demo2024", "hamlet", "Hamlets")))
    assert catalog_with(extra).category_keys() == ["hamlet", "town", "village"]


def test_hook_escore_register_sections():
    claim = plugin(escore_register_sections=lambda register: register(Section("demo2024", "town", "website", "Again", 40, 100)))
    with pytest.raises(PackError, match=r"section town/website of ruleset demo2024 is claimed by both 'escore_demo.plugin' and 'plugin_"):
        catalog_with(claim)
    orphan = plugin(escore_register_sections=lambda register: register(Section("nope", "town", "x", "X", 1, 1)))
    with pytest.raises(PackError, match="registers section town/x of ruleset 'nope', which no plugin registers"):
        catalog_with(orphan)


def test_hook_escore_register_indicators():
    from escore import Binary, bonus

    extra_rules = types.ModuleType("extra_rules")

    @bonus("W-B2", "Second bonus", max=2)
    def second(website_leak):
        return Binary("second", 2).score(not website_leak)

    extra_rules.second = second
    extra = plugin(escore_register_indicators=lambda register: register(extra_rules, ruleset="demo2024", sections=[("town", "website")]))
    plan = catalog_with(extra).plan("demo2024", "town")
    assert plan.nodes["W-B2"].kind == "bonus"
    assert [ip.node.code for ip in plan.indicators][-2:] == ["W-B", "W-B2"]


def test_hook_escore_register_fixtures():
    from escore import fixture

    mod = types.ModuleType("extra_fixtures")

    @fixture
    def website_any_channel(website_has_app, website_has_wechat):
        return website_has_app or website_has_wechat

    mod.website_any_channel = website_any_channel
    extra = plugin(escore_register_fixtures=lambda register: register(mod, ruleset="demo2024"))
    plan = catalog_with(extra).plan("demo2024", "town")
    assert plan.fixtures["website_any_channel"].argnames == ("website_has_app", "website_has_wechat")


def test_hook_escore_register_rosters():
    twice = plugin(escore_register_rosters=lambda register: register(Roster("demo2024", "town", [Unit("x", "X", "town")])))
    with pytest.raises(PackError, match="the town roster of ruleset demo2024 is registered by both"):
        catalog_with(twice)


def test_hook_escore_register_evidence_loaders(tmp_path):
    import json

    def read_json(path: Path):
        return json.loads(path.read_text(encoding="utf-8"))

    extra = plugin(escore_register_evidence_loaders=lambda register: register(EvidenceLoader(".json", "unit", read_json)))
    catalog = catalog_with(extra)
    (tmp_path / "units").mkdir()
    (tmp_path / "units" / "north.json").write_text(json.dumps({"service": {"reply_rate": 80}}), encoding="utf-8")
    result = run_category(catalog, "town", evidence=[tmp_path], only=["north"])
    items = {i.code: i for i in result.units[0].indicators}
    assert items["S-1-1"].points == 6
    assert items["S-1-2"].status == "missing"


def test_hook_escore_register_formats():
    extra = plugin(
        escore_register_formats=lambda register: register(OutputFormat("codes", lambda r: " ".join(u.unit.code for u in r.units)))
    )
    catalog = catalog_with(extra)
    result = run_category(catalog, "town")
    assert catalog.formats["codes"].render_run(result) == "north south west east"


def test_hook_escore_register_golden_cases():
    catalog = catalog_with()
    assert catalog.golden == [("demo2024", DEMO / "escore_demo" / "golden", "escore_demo.plugin")]


def test_hook_escore_register_translations(tmp_path):
    from babel.messages.catalog import Catalog as Messages
    from babel.messages.mofile import write_mo

    from escore._i18n import gettext, use

    messages = Messages(locale="zh")
    messages.add("reply rate", "答复率")
    messages.add("total", "合计")  # escore's own word: the pack cannot change it
    target = tmp_path / "locale" / "zh" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "demo.mo").open("wb") as stream:
        write_mo(stream, messages)
    extra = plugin(escore_register_translations=lambda register: register(tmp_path / "locale", domain="demo"))
    catalog = catalog_with(extra)
    assert catalog.translations == [("demo", tmp_path / "locale")]
    use("zh", catalog.translations)
    assert (gettext("reply rate"), gettext("total"), gettext("unknown words")) == ("答复率", "总分", "unknown words")
    use("en", catalog.translations)
    assert gettext("reply rate") == "reply rate"


def test_hook_escore_run_finished():
    seen = []
    extra = plugin(escore_run_finished=lambda result: seen.append((result.plan.category.key, len(result.units))))
    run_category(catalog_with(extra), "town")
    assert seen == [("town", 4)]


def test_blocking_and_autoload_switches(monkeypatch):
    from escore_demo import plugin as demo

    pm = make_plugin_manager(autoload=False, blocked=["escore._builtin_formats"], extra=[demo])
    assert not Catalog(pm).formats
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")
    assert "demo2024" in Catalog(make_plugin_manager()).rulesets
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_dmeo.plugin")
    with pytest.raises(UsageError, match=r"no escore plugin or module named 'escore_dmeo\.plugin'"):
        make_plugin_manager()


@pytest.mark.parametrize("name", ["", "...", ".escore_demo", "escore demo"])
def test_a_name_no_module_can_have_is_a_usage_error(name):
    """It was "plugin '' is broken (ValueError: Empty module name)", a warning, and exit 0."""
    with pytest.raises(UsageError, match=f"^-p/ESCORE_PLUGINS: '{re.escape(name)}' is not the name of a plugin or a module$"):
        make_plugin_manager(autoload=False, names=[name])


def test_a_plugin_named_by_its_module_and_loaded_by_its_entry_point_is_loaded_once():
    """-p MODULE of a plugin that autoload loaded by its entry point: pluggy's ValueError
    ("already registered under a different name") was a traceback."""
    city = pytest.importorskip("escore_fj2017_city.plugin")
    pm = make_plugin_manager(autoload=True, names=["escore_fj2017_city.plugin"])
    assert [name for name, found in pm.list_name_plugin() if found is city] == ["fj2017-city"]


def test_no_import_time_side_effects_and_no_global_manager():
    import subprocess

    code = "import escore, sys; print(sorted(m for m in sys.modules if m.startswith(('escore', 'pluggy', 'attr'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['escore', 'escore._version']"
    first, second = make_plugin_manager(autoload=False), make_plugin_manager(autoload=False)
    first.register(plugin(escore_run_finished=lambda result: None), name="only-in-first")
    assert first.has_plugin("only-in-first") and not second.has_plugin("only-in-first")


def test_entry_points_are_read_from_dist_info_without_importlib_metadata(tmp_path, monkeypatch):
    import subprocess

    from escore._entrypoints import entry_points

    dist = tmp_path / "escore_toy-2.0.dist-info"
    dist.mkdir()
    (dist / "entry_points.txt").write_text("[console_scripts]\ntoy = toy:main\n\n[escore]\ntoy = toy_pack.plugin\n", encoding="utf-8")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: escore-toy\nVersion: 2.0\n\nlong description\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {ep.name: ep for ep in entry_points("escore")}
    assert found["toy"].value == "toy_pack.plugin"
    assert found["toy"].metadata() == ("escore-toy", "2.0")
    code = "import sys; from escore._plugins import make_plugin_manager; make_plugin_manager(); print('importlib.metadata' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_a_module_s_hooks_are_found_as_pluggy_finds_them():
    """escore's manager reads a plain module's hooks from its ``__dict__`` (faster than pluggy's
    ``inspect.getattr_static`` per name): for every name of every plugin loaded, and of a module
    holding every kind of value, it finds exactly what pluggy's own parsing finds."""
    import pluggy

    from escore._plugins import _PluginManager

    class Holder:
        @staticmethod
        def escore_register_formats(register):
            pass

    odd = types.ModuleType("odd_plugin")
    odd.escore_register_rulesets = hookimpl(lambda register: None)
    odd.escore_register_formats = hookimpl(Holder.escore_register_formats)
    odd.static = staticmethod(hookimpl(lambda register: None))
    odd.bound = Holder().__init__
    odd.unmarked = lambda register: None
    odd.marker_not_a_dict = types.SimpleNamespace(escore_impl=[1])
    odd.constant, odd.klass, odd.module = 3, Holder, types

    def marked_wrongly(register):
        pass

    marked_wrongly.escore_impl = "not options"  # type: ignore[attr-defined]
    odd.marked_wrongly = marked_wrongly
    pm = make_plugin_manager()
    assert type(pm) is _PluginManager
    plain = pluggy.PluginManager(hookspecs.PROJECT)
    plugins = [plugin for _, plugin in pm.list_name_plugin()] + [odd]
    compared = 0
    for module in plugins:
        for name in dir(module):
            assert pm.parse_hookimpl_opts(module, name) == plain.parse_hookimpl_opts(module, name), (module, name)
            compared += 1
    assert compared > 150
    assert pm.parse_hookimpl_opts(odd, "escore_register_rulesets") is not None and pm.parse_hookimpl_opts(odd, "constant") is None
