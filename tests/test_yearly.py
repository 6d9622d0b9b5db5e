"""A new year extends the last one: inheritance, parameters, amendments, golden cases, rules-diff, new-pack."""

from __future__ import annotations

import datetime as dt
import json
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore import (
    Award,
    Item,
    Ladder,
    PackError,
    Ruleset,
    Score,
    Section,
    amend,
    cite,
    hookimpl,
    indicator,
    parameter,
    remove,
    run_category,
    veto,
)
from escore._plugins import Catalog, make_plugin_manager
from escore._rulesdiff import diff_rulesets
from escore_cli import cli

from .conftest import FJ2017_PLUGINS, FJ2017_SECTIONS, ROOT


def derived(
    name: str = "demo2025", *, extends: str = "demo2024", year: int = 2025, overrides: dict | None = None, **hooks
) -> types.ModuleType:
    """A plugin module declaring ``name`` extending ``extends``, with an overrides module of the given objects."""
    plugin = types.ModuleType(f"pack_{name}")
    module = types.ModuleType(f"pack_{name}.overrides")
    for key, value in (overrides or {}).items():
        setattr(module, key, value)

    @hookimpl
    def escore_register_rulesets(register):
        register(Ruleset(name, year, f"Demo {year}", extends=extends))

    @hookimpl
    def escore_register_indicators(register):
        register(module, ruleset=name, sections=[("town", "services"), ("town", "website")])

    plugin.escore_register_rulesets = escore_register_rulesets
    plugin.escore_register_indicators = escore_register_indicators
    for key, value in hooks.items():
        setattr(plugin, key, value)
    return plugin


def catalog_with(*plugins) -> Catalog:
    from escore_demo import plugin

    return Catalog(make_plugin_manager(autoload=False, extra=[plugin, *plugins]))


def totals(catalog: Catalog, ruleset: str) -> dict[str, Decimal]:
    return {r.unit.code: r.total for r in run_category(catalog, "town", ruleset=ruleset).units}


# --------------------------------------------------------------------------- inheritance


def test_an_empty_derived_ruleset_scores_like_its_base_and_inherits_everything():
    catalog = catalog_with(derived())
    assert catalog.chain("demo2025") == ("demo2024", "demo2025")
    assert sorted(k for r, k in catalog.categories if r == "demo2025") == ["town", "village"]
    assert catalog.roster("demo2025", "town") == catalog.roster("demo2024", "town")
    assert (
        totals(catalog, "demo2025")
        == totals(catalog, "demo2024")
        == {
            "east": Decimal("31.95"),
            "north": Decimal("92"),
            "south": Decimal("75.45"),
            "west": Decimal("60.4"),
        }
    )
    assert diff_rulesets(catalog, "demo2024", "demo2025") == []


def test_a_parameter_is_replaced_by_name_and_rules_diff_shows_it():
    tiers = parameter("reply_delay_tiers", Ladder.at_most("reply delay", [(2, 10), (7, 5)], otherwise=0, what="median delay", unit=" days"))
    catalog = catalog_with(derived(overrides={"TIERS": tiers}))
    plan = catalog.plan("demo2025", "town")
    delay = {
        r.unit.code: next(i for i in r.indicators if i.code == "S-1-2") for r in run_category(catalog, "town", ruleset="demo2025").units
    }
    base = {
        r.unit.code: next(i for i in r.indicators if i.code == "S-1-2") for r in run_category(catalog, "town", ruleset="demo2024").units
    }
    changed = {code for code in delay if delay[code].points != base[code].points}
    assert changed == {"north"}  # its median delay of 3 days was ≤ 3 and is now > 2
    assert (base["north"].points, delay["north"].points) == (Decimal(10), Decimal(5))
    assert delay["north"].reasons == ("median delay 3 days matched tier '≤ 7 days → 5'",)
    assert plan.fixtures["reply_delay_tiers"].origin == "demo2025"
    [change] = diff_rulesets(catalog, "demo2024", "demo2025")
    assert change.as_dict() == {
        "kind": "parameter",
        "categories": ["town"],
        "subject": "reply_delay_tiers",
        "before": "median delay: ≤ 3 days → 10; ≤ 7 days → 5; > 7 days → 0",
        "after": "median delay: ≤ 2 days → 10; ≤ 7 days → 5; > 7 days → 0",
    }


def test_a_parameter_cannot_change_kind():
    catalog = catalog_with(derived(overrides={"TIERS": parameter("reply_delay_tiers", 3)}))
    with pytest.raises(
        PackError, match=r"ruleset 'demo2025' replaces parameter 'reply_delay_tiers' \(Ladder, from 'demo2024'\) with a int"
    ):
        catalog.plan("demo2025", "town")


@pytest.mark.parametrize(
    ("name", "value", "kinds"),
    [
        ("website_annual_report_year", True, "(int, from 'fj2017') with a bool"),
        ("website_summary_deadline", dt.datetime(2018, 11, 15, 12, 0), "(date, from 'fj2017') with a datetime"),
        ("website_annual_report_year", Decimal(2017), "(int, from 'fj2017') with a Decimal"),
    ],
)
def test_a_parameter_cannot_become_a_value_of_a_narrower_or_other_standard_type(name, value, kinds):
    """``isinstance`` had let a bool replace the year 2016 (every unit's annual report then looked
    for the year 1) and a datetime replace a deadline (each unit then failed with TypeError)."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.CHANGED = parameter(name, value)
    assert refused(overrides, "county") == (f"pack_fj2018.overrides.CHANGED: ruleset 'fj2018' replaces parameter '{name}' {kinds}")


def test_a_parameter_of_a_pack_s_own_class_may_be_replaced_by_a_subclass_of_it():
    class Special(Ladder):
        pass

    tiers = Special.at_most("reply delay", [(2, 10), (7, 5)], otherwise=0, what="median delay", unit=" days")
    catalog = catalog_with(derived(overrides={"TIERS": parameter("reply_delay_tiers", tiers)}))
    assert catalog.plan("demo2025", "town").fixtures["reply_delay_tiers"].parameter.value is tiers


@pytest.mark.parametrize("call", ['parameter("reply_delay_tiers", 3)', 'amend("S-1", title="x")', 'remove("S-1-2")'])
def test_a_declaration_whose_result_is_not_kept_is_a_pack_error(tmp_path, call):
    """A derived year sees only module variables: a bare ``parameter(...)`` left the inherited
    value in place without a word (and the README's table showed that form)."""
    source = tmp_path / "overrides_2025.py"
    source.write_text(f"from escore import amend, parameter, remove\n\nKEPT = amend('S-2', title='kept')\n{call}\n", encoding="utf-8")
    module = imported(source)
    plugin = derived()

    @hookimpl
    def escore_register_indicators(register):
        register(module, ruleset="demo2025", sections=[("town", "services"), ("town", "website")])

    plugin.escore_register_indicators = escore_register_indicators
    name = call.partition("(")[0]
    with pytest.raises(PackError) as raised:
        catalog_with(plugin).plan("demo2025", "town")
    assert str(raised.value) == (
        f"demo2025/town: {source}:4: {name}(...): the result is not kept, so it changes nothing "
        f"(the inherited value stays); assign it to a module variable of its own: NAME = {name}(...)"
    )


def test_a_declaration_not_kept_in_a_later_year_s_evidence_module_is_a_pack_error(tmp_path):
    """The check read indicator modules only: ``parameter(...)`` left bare in a derived year's
    evidence module (where its fields and tables live) kept the inherited value without a word."""
    source = tmp_path / "evidence_2025.py"
    source.write_text("from escore import parameter\n\nparameter('reply_delay_tiers', 3)\n", encoding="utf-8")
    module = imported(source)
    catalog = catalog_with(derived(escore_register_fixtures=hookimpl(lambda register: register(module, ruleset="demo2025"))))
    with pytest.raises(PackError) as raised:
        catalog.plan("demo2025", "town")
    assert str(raised.value) == f"demo2025: {source}:3: parameter(...): {NOT_KEPT}: NAME = parameter(...)"


def demo2025_of_source(tmp_path, text: str) -> tuple[Catalog, Path]:
    """demo2025 whose one overrides module is ``text``, written to a file (its lines are read)."""
    source = tmp_path / "overrides_2025.py"
    source.write_text(text, encoding="utf-8")
    module = imported(source)
    plugin = derived()
    plugin.escore_register_indicators = hookimpl(
        lambda register: register(module, ruleset="demo2025", sections=[("town", "services"), ("town", "website")])
    )
    return catalog_with(plugin), source


NOT_KEPT = "the result is not kept, so it changes nothing (the inherited value stays); assign it to a module variable of its own"
NOT_READ = (
    "only a module variable whose value is the declaration itself is read, so it changes nothing (the inherited value stays); "
    "keep each declaration in a name of its own"
)


@pytest.mark.parametrize(
    ("text", "found", "tail"),
    [
        # a declaration in a container, or an argument: the loader reads module variables' own values only
        ("from escore import amend, remove\n\nCHANGES = [remove('S-1-3'), amend('S-1', max=20)]\n",
         "3: remove(...) (inside a list); {source}:3: amend(...) (inside a list)", NOT_READ + ": NAME = remove(...)"),
        ("from escore import amend\n\nCHANGED = (amend('S-1', title='x'),)\n", "3: amend(...) (inside a tuple)", NOT_READ + ": NAME = amend(...)"),
        ("from escore import remove\n\nCHANGES = dict(gone=remove('S-1-3'))\n",
         "3: remove(...) (an argument of another call)", NOT_READ + ": NAME = remove(...)"),
        # through the module, or under another name
        ("import escore\n\nescore.parameter('reply_delay_tiers', 3)\n", "3: escore.parameter(...)", NOT_KEPT + ": NAME = escore.parameter(...)"),
        ("import escore\n\nescore.remove('S-1-3')\n", "3: escore.remove(...)", NOT_KEPT + ": NAME = escore.remove(...)"),
        ("from escore import parameter as P, remove as R\n\nP('reply_delay_tiers', 3)\nR('S-1-3')\n",
         "3: P(...); {source}:4: R(...)", NOT_KEPT + ": NAME = P(...)"),
        # under a block the module runs
        ("from escore import remove\n\nif True:\n    remove('S-1-3')\n", "4: remove(...)", NOT_KEPT + ": NAME = remove(...)"),
        ("from escore import remove\n\ntry:\n    remove('S-1-3')\nexcept ImportError:\n    pass\n", "4: remove(...)", NOT_KEPT + ": NAME = remove(...)"),
        ("import contextlib\n\nfrom escore import remove\n\nwith contextlib.suppress(ImportError):\n    remove('S-1-3')\n",
         "6: remove(...)", NOT_KEPT + ": NAME = remove(...)"),
        ("from escore import remove\n\n\nclass Changes:\n    GONE = remove('S-1-3')\n", "5: remove(...) (in a class body)", NOT_KEPT + ": NAME = remove(...)"),
    ],
)  # fmt: skip
def test_a_declaration_the_loader_cannot_see_is_a_pack_error_wherever_it_is(tmp_path, text, found, tail):
    """Each of these had changed nothing without a word: only a bare ``remove(...)`` statement at
    the top, under the name ``remove``, had been found."""
    catalog, source = demo2025_of_source(tmp_path, text)
    with pytest.raises(PackError) as raised:
        catalog.plan("demo2025", "town")
    assert str(raised.value) == f"demo2025/town: {source}:{found.format(source=source)}: {tail}"


def test_declarations_kept_in_module_variables_under_any_name_or_block_are_read(tmp_path):
    """What the check must not refuse: a declaration that is a module variable's own value, under
    a block or through the module, and a call inside a function, which the import does not run."""
    text = (
        "import escore\n"
        "from escore import amend as A, parameter\n\n"
        "S2 = A('S-2', title='Websites (2025)')\n"
        "if True:\n"
        "    S1 = escore.amend('S-1', title='Services (2025)')\n"
        "TIERS: escore.Parameter = parameter('reply_delay_tiers', escore.Ladder.at_most('reply delay', [(2, 10)], otherwise=0, unit=' days'))\n\n\n"
        "def later():\n"
        "    return escore.remove('S-1-3')\n"
    )
    catalog, _ = demo2025_of_source(tmp_path, text)
    plan = catalog.plan("demo2025", "town")
    assert (plan.nodes["S-1"].title, plan.nodes["S-2"].title) == ("Services (2025)", "Websites (2025)")
    assert "S-1-3" in plan.nodes and plan.fixtures["reply_delay_tiers"].origin == "demo2025"


def test_a_declaration_assigned_twice_to_one_name_is_a_pack_error(tmp_path):
    """Python keeps the second ``CHANGED = amend(...)`` of a module only: the first change was lost."""
    source = tmp_path / "overrides_twice.py"
    source.write_text(
        "from escore import amend\n\nCHANGED = amend('S-1', title='x')\nOTHER = amend('S-2', title='y')\nCHANGED = amend('S-1-1', title='z')\n",
        encoding="utf-8",
    )
    module = imported(source)
    plugin = derived()
    plugin.escore_register_indicators = hookimpl(
        lambda register: register(module, ruleset="demo2025", sections=[("town", "services"), ("town", "website")])
    )
    with pytest.raises(PackError) as raised:
        catalog_with(plugin).plan("demo2025", "town")
    assert str(raised.value) == (
        f"demo2025/town: {source}:3: amend(...) (CHANGED is assigned again on line 5): the result is not kept, so it changes nothing "
        "(the inherited value stays); assign it to a module variable of its own: NAME = amend(...)"
    )


def test_replaced_removed_added_and_amended_nodes():
    @indicator("S-1-1", "Reply rate (2025)", max=10, parent="S-1", source=cite("rate ≥90% → 10", document="Demo 2025"))
    def reply_rate(service_reply_rate):
        return Ladder.at_least("reply rate", [(90, 10)], otherwise=0, what="reply rate", unit="%").score(service_reply_rate)

    @indicator("S-1-4", "Online booking", max=5, parent="S-1")
    def booking(website_has_app):
        return Ladder.at_least("booking", [(1, 5)], otherwise=0).score(int(website_has_app))

    overrides = {"reply_rate": reply_rate, "booking": booking, "GONE": remove("S-1-3"), "S1": amend("S-1", max=25), "S": amend("S", max=55)}
    sections = derived(
        overrides=overrides,
        escore_register_sections=hookimpl(
            lambda register: register(Section("demo2025", "town", "services", "Services", weight=60, raw_max=55))
        ),
    )
    catalog = catalog_with(sections)
    plan = catalog.plan("demo2025", "town")
    assert "S-1-3" not in plan.nodes and plan.nodes["S-1-4"].section == "services"
    assert plan.nodes["S-1"].max == 25 and plan.nodes["S-1"].origin == "demo2025"
    assert plan.sections[0].sample_evidence == catalog.plan("demo2024", "town").sections[0].sample_evidence  # inherited sample
    kinds = [(c.kind, c.subject, c.before, c.after) for c in diff_rulesets(catalog, "demo2024", "demo2025")]
    assert kinds == [
        ("section-title", "services", "Public services", "Services"),
        ("section-raw-max", "services", "60", "55"),
        ("max", "S", "60", "55"),
        ("max", "S-1", "30", "25"),
        ("title", "S-1-1", "Reply rate", "Reply rate (2025)"),
        ("methods", "S-1-1", "monitoring", ""),
        ("citation", "S-1-1", "Demo assessment notice 2024: 「rate ≥100% → 10, ≥80% → 6」", "Demo 2025: 「rate ≥90% → 10」"),
        (
            "function",
            "S-1-1",
            "escore_demo.services.reply_rate",
            f"{__name__}.test_replaced_removed_added_and_amended_nodes.<locals>.reply_rate",
        ),
        ("node-removed", "S-1-3", "Shared platforms (max 10)", ""),
        ("node-added", "S-1-4", "", "Online booking (max 5)"),
        ("field-removed", "service.platforms", "", ""),
    ]


def test_a_broken_sum_names_the_year_of_each_declaration_and_where_the_new_one_is():
    catalog = catalog_with(derived(overrides={"S1": amend("S-1", max=25)}))
    with pytest.raises(PackError) as raised:
        catalog.plan("demo2025", "town")
    assert str(raised.value) == (
        "demo2025/town: 'S' declares max 60 [demo2024] but its children add up to 55 (S-1 25 [demo2025] + S-2 30 [demo2024]); "
        "S-1: escore_demo.services.S1, amended by pack_demo2025.overrides.S1"
    )


def test_section_weights_that_no_longer_add_up_name_the_year_of_each():
    """Over the total, the error had said a pack was missing or failed to load, with no years."""
    pytest.importorskip("escore_fj2017_website")
    import escore_fj2017_city.plugin
    import escore_fj2017_provincial.plugin
    import escore_fj2017_website.plugin

    plugin = types.ModuleType("pack_fj2018")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))
    plugin.escore_register_sections = hookimpl(
        lambda register: register(Section("fj2018", "city", "comprehensive", "综合应用", weight=75, raw_max=70))
    )
    packs = [escore_fj2017_provincial.plugin, escore_fj2017_city.plugin, escore_fj2017_website.plugin, plugin]
    catalog = Catalog(make_plugin_manager(autoload=False, extra=packs), complete=True)
    with pytest.raises(PackError) as raised:
        catalog.plan("fj2018", "city")
    assert str(raised.value) == (
        "fj2018/city: the sections weigh 105 in all (comprehensive 75 [fj2018] + website 30 [fj2017]), but the category totals 100: "
        "a section's weight is wrong, or a section is registered that the category does not have"
    )


def fj2018_with_city_sections(comprehensive: tuple[object, object], website: tuple[object, object]) -> Catalog:
    """The 2017 packs (a whole installation) and fj2018 declaring both city sections anew, as (weight, raw max)."""
    pytest.importorskip("escore_fj2017_website")
    import escore_fj2017_city.plugin
    import escore_fj2017_provincial.plugin
    import escore_fj2017_website.plugin

    plugin = types.ModuleType("pack_fj2018")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))

    @hookimpl
    def escore_register_sections(register):
        (weight, raw_max), (web_weight, web_raw_max) = comprehensive, website
        register(Section("fj2018", "city", "comprehensive", "综合应用", weight=weight, raw_max=raw_max))
        register(Section("fj2018", "city", "website", "网站", weight=web_weight, raw_max=web_raw_max))

    plugin.escore_register_sections = escore_register_sections
    packs = [escore_fj2017_provincial.plugin, escore_fj2017_city.plugin, escore_fj2017_website.plugin, plugin]
    return Catalog(make_plugin_manager(autoload=False, extra=packs), complete=True)


@pytest.mark.parametrize(
    ("comprehensive", "website", "message"),
    [
        # -70 + 170 = 100: accepted, and a unit's total had reached 119.875
        ((-70, 70), (170, 100), "section 'comprehensive' declares weight -70 [fj2018]: a section's weight must be a positive number"),
        # -70 + 30: the error had said a pack was missing or failed to load
        ((-70, 70), (30, 100), "section 'comprehensive' declares weight -70 [fj2018]: a section's weight must be a positive number"),
        ((70, 70), (0, 100), "section 'website' declares weight 0 [fj2018]: a section's weight must be a positive number"),
        ((70, 70), (30, 0), "section 'website' declares raw max 0 [fj2018]: a section's raw max must be a positive number"),
    ],
)
def test_a_section_weight_or_raw_maximum_not_above_zero_is_refused_first(comprehensive, website, message):
    with pytest.raises(PackError) as raised:
        fj2018_with_city_sections(comprehensive, website).plan("fj2018", "city")
    assert str(raised.value) == f"fj2018/city: {message}"


def test_an_unknown_base_or_amended_code_is_a_pack_error():
    with pytest.raises(
        PackError,
        match=r"ruleset 'demo2025' \(plugin '.*'\) extends 'demo2042', which no installed plugin registers; did you mean 'demo2024'\?",
    ):
        catalog_with(derived(extends="demo2042"))
    catalog = catalog_with(derived(overrides={"X": amend("S-1-7", max=1)}))
    with pytest.raises(PackError, match=r"amends 'S-1-7', which no earlier year declares; did you mean 'S-1-3'\?"):
        catalog.plan("demo2025", "town")


def without_platforms() -> types.ModuleType:
    """demo2025: S-1-3 (the only reader of ``service.platforms``) removed, S-1 and S 10 points lower."""
    return derived(
        overrides={"GONE": remove("S-1-3"), "S1": amend("S-1", max=20), "S": amend("S", max=50)},
        escore_register_sections=hookimpl(
            lambda register: register(Section("demo2025", "town", "services", "Public services", weight=60, raw_max=50))
        ),
    )


RETIRED = (
    "service.platforms: demo2025 no longer reads this field (S-1-3 of demo2024 read it; removed or replaced since); "
    "its values in the evidence are ignored"
)
DEMO_SAMPLE_UNITS = ROOT / "examples/demo-pack/escore_demo/sample/units"


def test_inherited_evidence_of_a_field_no_rule_reads_any_more_is_ignored_with_a_warning():
    catalog = catalog_with(without_platforms())
    plan = catalog.plan("demo2025", "town")
    assert plan.retired_fields == {"service.platforms": ("demo2024", ("S-1-3",))}
    assert plan.removed == {"S-1-3": "demo2025 (pack_demo2025.overrides.GONE)"}
    with pytest.warns(UserWarning) as caught:  # the four sample units each give service.platforms: one warning naming them
        after = run_category(catalog, "town", ruleset="demo2025")
    files = "; ".join(str(DEMO_SAMPLE_UNITS / f"{code}.toml") for code in ("east", "north", "south", "west"))
    assert [str(w.message) for w in caught if "service.platforms" in str(w.message)] == [f"{RETIRED}: {files}"]
    before = run_category(catalog, "town", ruleset="demo2024")
    for old, new in zip(before.units, after.units):
        assert [(r.code, r.points) for r in new.indicators] == [(r.code, r.points) for r in old.indicators if r.code != "S-1-3"]
        platforms = next(r.points for r in old.indicators if r.code == "S-1-3")
        assert new.sections[0].name == "services" and new.sections[0].raw == old.sections[0].raw - platforms


def test_a_diff_across_years_shows_an_indicator_whose_title_alone_changed(tmp_path, monkeypatch):
    """rules-diff showed a renamed indicator; diff of runs of the two years showed nothing (the
    same points on both sides): now listed with both titles, in the table, the page and the JSON."""
    jsonschema = pytest.importorskip("jsonschema")
    from escore._report import schema_text

    _as_plugin(monkeypatch, "pack_demo2025_renamed", derived(overrides={"RENAMED": amend("S-1-1", title="Reply rate (2025)")}))
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,pack_demo2025_renamed")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    runner = CliRunner()
    rules = runner.invoke(cli, ["rules-diff", "demo2024", "demo2025", "--lang", "en"])
    assert "title" in rules.stdout and "Reply rate (2025)" in rules.stdout, rules.output
    across = ["diff", "--ruleset", "demo2024", "--ruleset", "demo2025", "-c", "town", "--lang", "en"]
    data = json.loads(runner.invoke(cli, [*across, "-f", "json"]).stdout)
    jsonschema.Draft202012Validator(json.loads(schema_text("diff"))).validate(data)
    assert data["schema_version"] == 2
    north = next(u for u in data["units"] if u["code"] == "north")
    keys = ("code", "change", "title", "title_before", "title_after", "points_before", "points_after", "delta", "max_before", "max_after")
    assert [tuple(i[k] for k in keys) for i in north["indicators"]] == [
        ("S-1-1", "changed", "Reply rate (2025)", "Reply rate", "Reply rate (2025)", "10", "10", "0", "10", "10")
    ]
    table = runner.invoke(cli, across)
    assert table.exit_code == 0, table.stderr
    assert "north S-1-1 Reply rate (2025): 10.00 → 10.00 (0.00, was titled Reply rate)" in table.stdout.splitlines()
    chinese = runner.invoke(cli, [*across[:-1], "zh"])
    assert "north S-1-1 Reply rate (2025)：10.00 → 10.00（0.00，原名称为“Reply rate”）" in chinese.stdout.splitlines()
    # Saved runs of the two years, as they were scored.
    for year in ("2024", "2025"):
        assert runner.invoke(cli, ["run", "-c", "town", "--year", year, "--save"]).exit_code == 0
    saved = json.loads(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]).stdout)
    assert [(i["code"], i["title_before"], i["title_after"]) for u in saved["units"] for i in u["indicators"]] == [
        ("S-1-1", "Reply rate", "Reply rate (2025)")
    ] * len(saved["units"])


def test_a_retired_field_set_by_hand_is_refused_with_the_reason(tmp_path, monkeypatch):
    module = types.ModuleType("pack_demo2025_retired")
    for key in dir(pack := without_platforms()):
        if key.startswith("escore_"):
            setattr(module, key, getattr(pack, key))
    monkeypatch.setitem(sys.modules, "pack_demo2025_retired", module)
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,pack_demo2025_retired")
    monkeypatch.setenv("ESCORE_LANG", "en")
    result = CliRunner().invoke(cli, ["whatif", "-c", "town", "--ruleset", "demo2025", "east", "--set", 'service.platforms=["a"]'])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "escore: error: --set: service.platforms: demo2025 no longer reads this field (S-1-3 of demo2024 read it; removed or replaced since)"
    )
    columnar = tmp_path / "evidence" / "fields"
    columnar.mkdir(parents=True)
    (columnar / "town.csv").write_text("unit,service.reply_rate,service.platforms\neast,95,a；b\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "-c", "town", "--ruleset", "demo2025", "-e", str(tmp_path / "evidence"), "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert f"escore: warning: {RETIRED}" in result.output


def test_an_inherited_case_expecting_a_removed_indicator_names_the_removal(tmp_path):
    from escore._errors import InputError
    from escore._golden import load_cases, run_case

    catalog = catalog_with(without_platforms())
    cases = tmp_path / "towns.toml"
    cases.write_text(
        '[[case]]\nid = "east-platforms"\nruleset = "demo2024"\ncategory = "town"\nunit = "east"\n'
        '[case.fields]\n"service.platforms" = []\n[case.expect.indicators]\n"S-1-3" = "0"\n',
        encoding="utf-8",
    )
    [case] = load_cases(cases)
    assert run_case(catalog, case).mismatches == ()
    with pytest.raises(InputError) as raised:
        run_case(catalog, case, ruleset="demo2025")
    assert str(raised.value) == (
        f"{cases} [case east-platforms]: expect.indicators.S-1-3: demo2025 removes 'S-1-3' (demo2025 (pack_demo2025.overrides.GONE)); "
        "for demo2025, give this case a replacement of the same id 'east-platforms', or drop it (drop=[...])"
    )


def test_a_new_parameter_no_rule_reads_is_a_mistyped_replacement():
    tiers = parameter("reply_delay_tier", Ladder.at_most("reply delay", [(3, 10)], otherwise=0))
    catalog = catalog_with(derived(overrides={"TIERS": tiers}))
    with pytest.raises(PackError) as raised:
        catalog.plan("demo2025", "town")
    assert str(raised.value) == (
        "pack_demo2025.overrides.TIERS: ruleset 'demo2025' declares parameter 'reply_delay_tier', which no earlier year declares "
        "and no rule reads (to replace an inherited parameter, use its name); did you mean 'reply_delay_tiers'?"
    )

    @indicator("S-1-4", "Booking", max=10, parent="S-1")
    def booking(booking_points):  # a new parameter a new rule reads is no mistake
        return Ladder.at_least("booking", [(1, 10)], otherwise=0).score(booking_points)

    points = parameter("booking_points", 1)
    fine = catalog_with(derived(overrides={"P": points, "booking": booking, "GONE": remove("S-1-3")}))
    assert fine.plan("demo2025", "town").fixtures["booking_points"].origin == "demo2025"


def test_a_new_field_no_rule_reads_is_a_mistyped_redeclaration():
    """A field declared again under a misspelt key was a new field nobody reads: the range meant
    for the old one was lost without a word (rules-diff: no change, every run as before)."""
    from escore import field

    retyped = types.ModuleType("pack_demo2025.evidence")
    retyped.reply_delay = field("service.median_dealy", "int", unit="days", min=0, max=30, description="median days")
    catalog = catalog_with(derived(escore_register_fixtures=hookimpl(lambda register: register(retyped, ruleset="demo2025"))))
    with pytest.raises(PackError) as raised:
        catalog.plan("demo2025", "town")
    assert str(raised.value) == (
        "pack_demo2025.evidence.reply_delay: ruleset 'demo2025' declares field 'service.median_dealy', which no earlier year declares "
        "and no rule reads (to replace an inherited field, use its key); did you mean 'service.median_delay'?"
    )


def test_a_field_declared_again_with_another_type_is_a_rules_diff_change():
    from escore import field
    from escore_demo.evidence import reply_delay

    retyped = types.ModuleType("pack_demo2025.evidence")
    retyped.reply_delay = field("service.median_delay", "decimal", unit="days", min=0, max=30, description=reply_delay.description)
    catalog = catalog_with(derived(escore_register_fixtures=hookimpl(lambda register: register(retyped, ruleset="demo2025"))))
    assert [(c.kind, c.subject, c.before, c.after) for c in diff_rulesets(catalog, "demo2024", "demo2025")] == [
        ("field", "service.median_delay", "type=int, max=None", "type=decimal, max=30"),
    ]


def test_a_problem_in_inherited_sample_evidence_says_whose_sample_it_is(monkeypatch):
    """The error named the earlier year's file, which the new year's author does not edit."""
    from escore import InputError, field
    from escore_demo.evidence import reply_delay

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    narrower = types.ModuleType("pack_demo2025.evidence")
    narrower.reply_delay = field("service.median_delay", "int", unit="days", min=0, max=5, description=reply_delay.description)
    catalog = catalog_with(derived(escore_register_fixtures=hookimpl(lambda register: register(narrower, ruleset="demo2025"))))
    with pytest.raises(InputError) as raised:
        run_category(catalog, "town", ruleset="demo2025")
    assert str(raised.value).endswith(
        "east.toml: service.median_delay: expected a whole number from 0 to 5 (days), got 8 "
        "(this is sample evidence demo2025 inherits from demo2024: register demo2025's own with Section(..., sample_evidence=...))"
    )


def test_rows_of_a_sub_unit_the_new_roster_dropped_are_ignored_with_a_warning(tmp_path, monkeypatch):
    """A city's evidence with a row of a county fj2018's roster dropped: an unknown unit code
    there, while the county's own file was ignored with a warning."""
    import shutil
    import warnings

    import attrs

    import escore_fj2017_city
    from escore import Roster
    from escore._errors import EscoreWarning

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    base = fj2018_of_every_section(types.ModuleType("pack_fj2018.overrides"))
    counties = [attrs.evolve(u, category="county") for u in base.roster("fj2017", "county") if u.code != "fuzhou.changle"]
    plugin = types.ModuleType("pack_fj2018_roster")
    plugin.escore_register_rosters = hookimpl(lambda register: register(Roster("fj2018", "county", counties)))
    catalog = fj2018_of_every_section(types.ModuleType("pack_fj2018.overrides"), plugin)
    assert catalog.plan("fj2018", "city").retired_units == {"fuzhou.changle": ("fj2017", "county")}
    evidence = tmp_path / "city"
    shutil.copytree(Path(escore_fj2017_city.__file__).parent / "sample" / "city", evidence)
    incidents = evidence / "monitoring" / "city_video_incidents.csv"
    with open(incidents, "a", encoding="utf-8") as table:
        table.write("fuzhou.changle,2017-09-07,rollcall_absent,\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_category(catalog, "city", ruleset="fj2018", evidence=[evidence])
    said = [str(w.message) for w in caught if issubclass(w.category, EscoreWarning)]
    # The 2017 sample's findings are dated in 2017, before the year fj2018 assesses: said too.
    dated = [m for m in said if m.startswith(("city_mlps_findings.date: ", "city_video_incidents.date: "))]
    assert len(dated) == 2 and all("dated before 2018, the year fj2018 assesses" in m for m in dated)
    # The city sample's manifest says it is fj2017's: said too.
    assert [m for m in said if m not in dated] == [
        f"{evidence / 'escore-evidence.toml'}: evidence.ruleset: this evidence is for ruleset 'fj2017', which 'fj2018' extends; "
        "its values are read as fj2018's",
        f"fuzhou.changle: a unit of fj2017's roster of county, not of fj2018's; its evidence is ignored: {incidents}:151",
    ]


def imported(source: Path) -> types.ModuleType:
    """The module a test wrote to ``source``, imported under its file's name (not into sys.modules)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(source.stem, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fj2018_of_every_section(overrides: types.ModuleType, *more: types.ModuleType) -> Catalog:
    """The 2017 packs and an fj2018 pack whose one overrides module is attached to every section (as the scaffold makes it)."""
    pytest.importorskip("escore_fj2017_website")
    import escore_fj2017_city.plugin
    import escore_fj2017_provincial.plugin
    import escore_fj2017_website.plugin

    plugin = types.ModuleType("pack_fj2018")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))
    plugin.escore_register_indicators = hookimpl(lambda register: register(overrides, ruleset="fj2018", sections=FJ2017_SECTIONS))
    packs = [escore_fj2017_provincial.plugin, escore_fj2017_city.plugin, escore_fj2017_website.plugin, plugin, *more]
    return Catalog(make_plugin_manager(autoload=False, extra=packs))


def refused(overrides: types.ModuleType, category: str) -> str:
    """The pack error of fj2018's plan of ``category`` with ``overrides`` (one must be raised)."""
    with pytest.raises(PackError) as raised:
        fj2018_of_every_section(overrides).plan("fj2018", category)
    return str(raised.value)


def test_a_later_year_replaces_a_parameter_an_inherited_indicator_defaults_to():
    """dc_a_migration defaults to the 2017 tier table (so that the pack's tests call it directly);
    a later year replaces the table and amends the indicator: the new table is what it receives,
    and the old default is no error."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.TIERS = parameter(
        "provincial_dc_a_migration_tiers",
        Ladder.at_most("P-1-1-A-2 实施应用系统迁移", [(0, 10), (1, 5), (2, 3)], otherwise=0, what="延期", unit="个月"),
    )
    overrides.TITLE = amend("P-1-1-A-2", title="实施应用系统迁移（2018）")
    plan = fj2018_of_every_section(overrides).plan("fj2018", "provincial")
    [ip] = [ip for ip in plan.indicators if ip.node.code == "P-1-1-A-2"]
    assert ip.func.__defaults__[0] is not overrides.TIERS.value
    assert plan.fixtures["provincial_dc_a_migration_tiers"].parameter is overrides.TIERS


def security_2018(parent: str):
    """A new city indicator under ``parent`` (a function of its own each time: the decorator marks it)."""

    @indicator("C-1-1-7", "安全保障服务（2018）", max=2, parent=parent)
    def security(city_platforms_security) -> Score:
        return Award("C-1-1-7", cap=2, per={"platform": 1}).score(Item("platform", name) for name in city_platforms_security)

    return security


def test_an_amendment_of_a_node_of_one_category_from_a_module_of_every_section():
    """amend(), remove() and a new node under a group only cities have, in a module attached to
    every section (as the scaffold makes it): the other categories are left as they were (a
    new node there had been refused as a top-level node)."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.CHANGED = amend("C-1-1-1", title="物联网服务（2018）")  # city nodes only
    overrides.GONE = remove("C-1-1-6")
    overrides.security_2018 = security_2018("C-1-1")
    catalog = fj2018_of_every_section(overrides)
    city = catalog.plan("fj2018", "city")
    assert city.nodes["C-1-1"].children == ("C-1-1-1", "C-1-1-2", "C-1-1-3", "C-1-1-4", "C-1-1-5", "C-1-1-7")
    assert city.nodes["C-1-1-7"].section == "comprehensive"
    for category in ("county", "provincial"):
        assert catalog.plan("fj2018", category).nodes == catalog.plan("fj2017", category).nodes
    assert [(c.kind, c.categories, c.subject) for c in diff_rulesets(catalog, "fj2017", "fj2018")] == [
        ("title", ("city",), "C-1-1-1"),
        ("node-removed", ("city",), "C-1-1-6"),
        ("node-added", ("city",), "C-1-1-7"),
    ]


def test_a_new_indicator_under_a_parent_no_year_declares_names_the_parent():
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.security_2018 = security_2018("C-11")
    message = refused(overrides, "county")
    assert "'C-1-1-7' (new in fj2018) names parent 'C-11', which no year declares; did you mean 'C-1-1'?" in message


def test_a_mistyped_veto_code_is_suggested():
    gone = types.ModuleType("pack_fj2018.overrides")
    gone.NO_NOTE1 = remove("W-L-V9")
    assert refused(gone, "county").endswith("removes 'W-L-V9', which no earlier year declares; did you mean 'W-L-V1'?")


def test_a_node_amended_twice_in_one_year_is_a_pack_error():
    """Two amend() of one node: one would have won by the order of the variables' names."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.TITLE = amend("C-1-1-1", title="物联网服务（2018）")
    overrides.MAXIMUM = amend("C-1-1-1", max=6)
    overrides.GONE = remove("C-1-1-6")
    message = refused(overrides, "city")
    assert message == (
        "fj2018/city: 'C-1-1-1' is amended twice in fj2018: pack_fj2018.overrides.MAXIMUM and pack_fj2018.overrides.TITLE; "
        "make them one amend(...)"
    )


def test_a_later_year_amends_a_citation_per_category_and_rules_diff_compares_each_category():
    """fj2017's W-L cites a clause per category (Table L's city and county columns); a later year
    amends it to two clauses of its own notice, or to one for both, and rules-diff shows each
    category's change against its own 2017 clause."""
    from escore_fj2017_website.table_l import W_L

    city, county = W_L.source["city"], W_L.source["county"]
    letter = "2018 letter"
    city_2018 = cite("(一)设区市政府：综合应用(65分)+政府网站建设(35分)。", document=letter)
    county_2018 = cite("(二)县(市、区)政府：政府网站建设(100分)。", document=letter)
    amended = types.ModuleType("pack_fj2018.overrides")
    amended.CITED = amend("W-L", source={"city": city_2018, "county": county_2018})
    catalog = fj2018_of_every_section(amended)
    assert catalog.plan("fj2017", "city").nodes["W-L"].source is city
    assert catalog.plan("fj2017", "county").nodes["W-L"].source is county
    assert catalog.plan("fj2018", "city").nodes["W-L"].source is city_2018
    assert catalog.plan("fj2018", "county").nodes["W-L"].source is county_2018
    assert [(c.kind, c.categories, c.subject, c.before, c.after) for c in diff_rulesets(catalog, "fj2017", "fj2018")] == [
        ("citation", ("city",), "W-L", str(city), f"{letter}: 「(一)设区市政府：综合应用(65分)+政府网站建设(35分)。」"),
        ("citation", ("county",), "W-L", str(county), f"{letter}: 「(二)县(市、区)政府：政府网站建设(100分)。」"),
    ]
    one = types.ModuleType("pack_fj2018.overrides")
    one.CITED = amend("W-L", source=county)  # one clause for both columns: the cities' changes alone
    assert [(c.kind, c.categories, c.before, c.after) for c in diff_rulesets(fj2018_of_every_section(one), "fj2017", "fj2018")] == [
        ("citation", ("city",), str(city), str(county))
    ]
    declared = f"escore_fj2017_website/table_l.py:{W_L.declared_at[1]}, amended by pack_fj2018.overrides.CITED"
    typo = types.ModuleType("pack_fj2018.overrides")
    typo.CITED = amend("W-L", source={"ctiy": city_2018, "county": county_2018})
    assert refused(typo, "county") == (
        f"fj2018/county: {declared}: source= of 'W-L' cites a "
        "clause for 'ctiy', which is not a category 'W-L' has a maximum in (city, county); did you mean 'city'?"
    )
    short = types.ModuleType("pack_fj2018.overrides")
    short.CITED = amend("W-L", source={"city": city_2018})
    assert refused(short, "city") == (
        f"fj2018/city: {declared}: source= of 'W-L' has no "
        "citation for county, where it is scored (it cites city): give each category the node is scored in its own citation"
    )


def test_a_veto_removed_amended_or_replaced_by_a_later_year_changes_its_plan_and_rules_diff():
    """remove() and amend() of a veto were accepted and then ignored (the 2017 veto still zeroed
    the same units, rules-diff said nothing changed); a veto replaced by @veto changed scores
    while rules-diff listed nothing."""
    gone = types.ModuleType("pack_fj2018.overrides")
    gone.NO_NOTE1 = remove("W-L-V1")
    catalog = fj2018_of_every_section(gone)
    assert "W-L-V1" not in {v.code for v in catalog.plan("fj2018", "county").vetoes}
    assert "W-L-V1" in {v.code for v in catalog.plan("fj2017", "county").vetoes}
    assert [(c.kind, c.categories, c.subject) for c in diff_rulesets(catalog, "fj2017", "fj2018")] == [
        ("veto-removed", ("city", "county"), "W-L-V1")
    ]
    before = {r.unit.code: r for r in run_category(catalog, "county", ruleset="fj2017").units}
    after = {r.unit.code: r for r in run_category(catalog, "county", ruleset="fj2018").units}
    vetoed = [code for code, r in before.items() if any(v.code == "W-L-V1" and v.status == "applied" for v in r.vetoes)]
    assert vetoed and all(after[code].total > before[code].total for code in vetoed)

    retitled = types.ModuleType("pack_fj2018.overrides")
    retitled.NOTE1 = amend("W-L-V1", title="注1 (2018)")
    catalog = fj2018_of_every_section(retitled)
    assert [(c.kind, c.categories, c.subject, c.after) for c in diff_rulesets(catalog, "fj2017", "fj2018")] == [
        ("title", ("city", "county"), "W-L-V1", "注1 (2018)")
    ]
    wrong = types.ModuleType("pack_fj2018.overrides")
    wrong.NOTE1 = amend("W-L-V1", max=2)
    assert refused(wrong, "county").endswith(
        "pack_fj2018.overrides.NOTE1: 'W-L-V1' is a veto: amend() changes its title or source, not max"
    )

    @veto("W-L-V1", "注1 (2018)", targets=["W-L-3-1"])
    def never(website_letters_longest_wait):
        return None

    replaced = types.ModuleType("pack_fj2018.overrides")
    replaced.never = never
    changes = [(c.kind, c.subject) for c in diff_rulesets(fj2018_of_every_section(replaced), "fj2017", "fj2018")]
    assert changes == [("title", "W-L-V1"), ("citation", "W-L-V1"), ("function", "W-L-V1")]


def test_a_replacement_parameter_above_the_indicator_s_maximum_is_refused_where_it_is_declared():
    """A top tier above the maximum had been accepted; the first unit to reach it stopped the run
    with an error naming the 2017 file, and the units in error were still ranked."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.TIERS = parameter(
        "provincial_credit_completeness_tiers", Ladder.at_least("P-1-2-1 完整性", [(100, 5), (80, 2)], otherwise=0, what="完整率", unit="%")
    )
    message = refused(overrides, "provincial")
    assert message.startswith(
        "fj2018/provincial: pack_fj2018.overrides.TIERS: ladder 'P-1-2-1 完整性' gives up to 5, more than the maximum of 'P-1-2-1', 4 ("
    ), message


def test_a_rule_of_another_column_above_the_maximum_says_to_name_its_categories(tmp_path):
    """A later year replacing W-L-5-2-1 as the 2017 pack writes it (a rule per column of Table L)
    but without categories= had every city command refused for the county's rule, with no word
    of what to do: the message now says it."""
    source = tmp_path / "overrides_app.py"
    source.write_text(
        "from escore import Binary, Score, indicator\nfrom escore_fj2017_website._common import column\n\n"
        'APP_CITY = Binary("W-L-5-2-1 (市)", 2)\n'
        'APP_COUNTY = Binary("W-L-5-2-1 (县)", 4)\n\n\n'
        '@indicator("W-L-5-2-1", "移动客户端 (2018)", max={"city": "2", "county": "4"}, parent="W-L-5-2")\n'
        "def mobile_client(unit, website_channels_has_app) -> Score:\n"
        "    return column(unit, APP_CITY, APP_COUNTY).score(website_channels_has_app)\n",
        encoding="utf-8",
    )
    overrides = imported(source)
    assert refused(overrides, "city") == (
        "fj2018/city: overrides_app.APP_COUNTY: binary 'W-L-5-2-1 (县)' gives up to 4, more than the maximum of 'W-L-5-2-1', 2 "
        "(overrides_app.py:8); if 'W-L-5-2-1 (县)' scores other categories' units only (another column of the table), "
        "declare them: Binary(..., categories=(...)), without 'city'"
    )


@pytest.mark.parametrize(
    ("imports", "rule"),
    [
        ("from escore_fj2017_provincial import comprehensive as C", "C.NETWORK"),
        ("import escore_fj2017_provincial.comprehensive", "escore_fj2017_provincial.comprehensive.NETWORK"),
    ],
)
def test_a_rule_read_through_a_module_above_the_indicator_s_maximum_is_refused(tmp_path, imports, rule):
    """Only bare global names had been followed: with NETWORK (up to 7) read as ``C.NETWORK`` under
    a maximum amended to 6, the plan was built and every unit without a deduction scored 'P-3-2'
    'scored 7, outside 0..6'."""
    source = tmp_path / "overrides_network.py"
    source.write_text(
        f"from escore import Score, amend, indicator\n{imports}\n\n"
        'P3 = amend("P-3", max=14)\n\n\n'
        '@indicator("P-3-2", "网络安全管理", max=6, parent="P-3")\n'
        "def network_security(provincial_network_security_items) -> Score:\n"
        f"    return {rule}.score(provincial_network_security_items)\n",
        encoding="utf-8",
    )
    overrides = imported(source)
    sections = types.ModuleType("pack_fj2018_sections")
    sections.escore_register_sections = hookimpl(
        lambda register: register(Section("fj2018", "provincial", "comprehensive", "综合应用", weight=65, raw_max=64))
    )
    with pytest.raises(PackError) as raised:
        fj2018_of_every_section(overrides, sections).plan("fj2018", "provincial")
    assert str(raised.value) == (
        "fj2018/provincial: escore_fj2017_provincial.comprehensive.NETWORK: deduction 'P-3-2 网络安全管理' gives up to 7, "
        "more than the maximum of 'P-3-2', 6 (overrides_network.py:7)"
    )


def test_a_replacement_ladder_in_another_unit_is_refused():
    """The evidence still gives months: a table in days had changed every unit's points without a word."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    tiers = Ladder.at_most("P-1-1-A-2 实施应用系统迁移", [(0, 10), (30, 6), (60, 3)], otherwise=0, what="延期", unit="天")
    overrides.TIERS = parameter("provincial_dc_a_migration_tiers", tiers)
    assert refused(overrides, "provincial") == (
        "pack_fj2018.overrides.TIERS: ruleset 'fj2018' replaces parameter 'provincial_dc_a_migration_tiers' (a ladder in '个月', "
        "from 'fj2017') with one in '天', but the evidence it scores still measures in '个月': keep unit='个月'"
    )


def test_a_replacement_parameter_that_can_never_give_the_maximum_is_refused():
    """The maximum stays 10 and the 2017 table gave it; a 2018 table topping out at 8 was accepted."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    tiers = Ladder.at_most("P-1-1-A-2 (2018)", [(0, 8), (1, 6)], otherwise=0, what="延期", unit="个月")
    overrides.TIERS = parameter("provincial_dc_a_migration_tiers", tiers)
    assert refused(overrides, "provincial") == (
        "fj2018/provincial: pack_fj2018.overrides.TIERS: ladder 'P-1-1-A-2 (2018)' gives at most 8, less than the maximum of "
        "'P-1-1-A-2', 10 (escore_fj2017_provincial/comprehensive.py:240), which fj2017's rules gave: the full points could never be "
        "given; let the rule give 10, or amend the maximum too"
    )


def test_an_assessor_graded_rule_whose_field_ranges_otherwise_is_refused(tmp_path):
    """A replacement rule grading up to another maximum than its field's: the assessor could not
    enter its best points (or entered points the rule refuses, unit by unit, at run time)."""
    source = tmp_path / "overrides_graded.py"
    source.write_text(
        "from escore import Graded, Score, indicator\n\n"
        'POWER_LIST = Graded("权责清单 (2018)", "2")\n\n\n'
        '@indicator("W-L-2-1-1", "权责清单", max={"city": "3", "county": "3"}, parent="W-L-2-1")\n'
        "def power_list_2018(website_services_power_list) -> Score:\n"
        "    return POWER_LIST.score(website_services_power_list)\n",
        encoding="utf-8",
    )
    overrides = imported(source)
    message = refused(overrides, "county")
    assert message == (
        "fj2018/county: escore_fj2017_website.evidence.power_list: the assessor's points of website.services.power_list range up to 3, "
        "but 'W-L-2-1-1' grades them up to 2 (overrides_graded.POWER_LIST): declare the field again with max 2"
    )


@pytest.mark.parametrize(
    ("steps", "otherwise", "below"),
    [([(0, 10), (1, 6)], -3, "tier '> 1个月 → -3'"), ([(0, 10), (1, -1), (2, -2)], 0, "tier '≤ 1个月 → -1', tier '≤ 2个月 → -2'")],
)
def test_a_replacement_rule_that_can_give_negative_points_is_refused_where_it_is_declared(steps, otherwise, below):
    """Accepted before; the first unit to reach the tier stopped with an error at scoring."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    tiers = Ladder.at_most("P-1-1-A-2", steps, otherwise=otherwise, what="延期", unit="个月")
    overrides.TIERS = parameter("provincial_dc_a_migration_tiers", tiers)
    message = refused(overrides, "provincial")
    assert message == (
        f"fj2018/provincial: pack_fj2018.overrides.TIERS: ladder 'P-1-1-A-2' has {below}, below 0: the points of 'P-1-1-A-2' "
        "range from 0 to its maximum, 10 (escore_fj2017_provincial/comprehensive.py:240)"
    )


@pytest.mark.parametrize(
    ("arguments", "below"),
    [("per={SECRECY_VIOLATION: 1}, floor=-2", "floor -2"), ("per={SECRECY_VIOLATION: -1}", "amount -1 for '违反保密法律法规'")],
)
def test_a_deduction_of_a_replaced_indicator_below_zero_is_refused(tmp_path, arguments, below):
    """A floor below 0 let deductions take a unit's points negative; a negative amount added points."""
    source = tmp_path / "overrides_secrecy.py"
    source.write_text(
        "from escore import Deduction, Score, indicator\n"
        "from escore_fj2017_provincial.evidence import SECRECY_VIOLATION\n\n"
        f'SECRECY = Deduction("P-3-4 保密管理 (2018)", max=4, {arguments})\n\n\n'
        '@indicator("P-3-4", "保密管理", max=4, parent="P-3")\n'
        "def secrecy(provincial_secrecy_items) -> Score:\n"
        "    return SECRECY.score(provincial_secrecy_items)\n",
        encoding="utf-8",
    )
    overrides = imported(source)
    assert refused(overrides, "provincial") == (
        f"fj2018/provincial: overrides_secrecy.SECRECY: deduction 'P-3-4 保密管理 (2018)' has {below}, below 0: "
        "the points of 'P-3-4' range from 0 to its maximum, 4 (overrides_secrecy.py:7)"
    )


def test_an_item_kind_a_replaced_deduction_has_no_amount_for_is_an_error_naming_the_rule_and_the_pack_s_line(tmp_path):
    """A 2018 deduction that dropped a kind the evidence still gives: each unit with such an item had
    'escore/_score.py:515: KeyError: ...', located in the core, naming neither the rule nor its kinds."""
    source = tmp_path / "overrides_network.py"
    source.write_text(
        "from escore import Deduction, Score, indicator\n"
        "from escore_fj2017_provincial.evidence import NS_OUTREACH, NS_REALNAME\n\n"
        'NETWORK = Deduction("P-3-2 (2018)", max=7, per={NS_REALNAME: 2, NS_OUTREACH: "0.5"})\n\n\n'
        '@indicator("P-3-2", "网络安全管理", max=7, parent="P-3")\n'
        "def network_security(provincial_network_security_items) -> Score:\n"
        "    return NETWORK.score(provincial_network_security_items)\n",
        encoding="utf-8",
    )
    overrides = imported(source)
    catalog = fj2018_of_every_section(overrides)
    for explain in (True, False):
        result = run_category(catalog, "provincial", ruleset="fj2018", explain=explain)
        errors = {r.unit.code: i.reasons for r in result.units for i in r.indicators if i.code == "P-3-2" and i.status == "error"}
        assert len(errors) == 7, errors
        assert errors["prov.czt"] == (
            "overrides_network.py:9: UnknownItemKind: deduction 'P-3-2 (2018)' has no amount for item kind '6.重大安全漏洞被通报'; "
            "the kinds it knows: '1.互联网终端实名认证、安全状态检测和修复未落实', '2.违规外联终端被通报'",
        )


def test_a_maximum_raised_while_its_rule_stays_is_refused():
    """The new points could never be given: the rule that gave the 2017 maximum still gives 4."""
    overrides = types.ModuleType("pack_fj2018.overrides")
    overrides.COMPLETE = amend("P-1-2-1", max=5)
    overrides.ACCURATE = amend("P-1-2-2", max=1)
    overrides.ACCURATE_TIERS = parameter(
        "provincial_credit_accuracy_tiers", Ladder.at_least("P-1-2-2 准确性", [(60, 1)], otherwise=0, what="入库率", unit="%")
    )
    message = refused(overrides, "provincial")
    assert message.startswith("fj2018/provincial: escore_fj2017_provincial/comprehensive.py:"), message
    assert message.endswith(
        "amended by pack_fj2018.overrides.COMPLETE: the maximum of 'P-1-2-1' is 5 in fj2018 (4 in fj2017), but its rule "
        "escore_fj2017_provincial.comprehensive.CREDIT_COMPLETE ('P-1-2-1 完整性') gives at most 4: replace that rule (or the indicator) too"
    ), message


# --------------------------------------------------------------------------- golden cases


def golden_plugin(name, directory, drop=()):
    return hookimpl(lambda register: register(directory, ruleset=name, drop=list(drop)))


def test_inherited_golden_cases_run_under_the_derived_ruleset_and_name_the_change(tmp_path, monkeypatch):
    from escore_demo import plugin as demo

    tiers = parameter("reply_delay_tiers", Ladder.at_most("reply delay", [(3, 10), (6, 5)], otherwise=0, what="median delay", unit=" days"))
    own = tmp_path / "golden"
    own.mkdir()
    pack = derived(overrides={"TIERS": tiers}, escore_register_golden_cases=golden_plugin("demo2025", own))
    module = types.ModuleType("pack_demo2025_golden")
    for key in dir(pack):
        if key.startswith("escore_"):
            setattr(module, key, getattr(pack, key))
    monkeypatch.setitem(sys.modules, "pack_demo2025_golden", module)
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,pack_demo2025_golden")
    runner = CliRunner()
    base = runner.invoke(cli, ["verify", "--ruleset", "demo2024"])
    assert base.exit_code == 0, base.output
    assert "3 passed" in base.output
    result = runner.invoke(cli, ["verify", "--ruleset", "demo2025"])
    assert result.exit_code == 1
    assert "1 failed, 2 passed" in result.output  # demo2024's three cases under demo2025: the sample's total moves
    assert "golden case south-sample (South Town on the sample evidence" in result.output and "under demo2025: unit south" in result.output
    assert "inherited from demo2024: demo2025 changes what this case states:" in result.output
    assert (
        "    parameter reply_delay_tiers: median delay: ≤ 3 days → 10; ≤ 7 days → 5; > 7 days → 0 → "
        "median delay: ≤ 3 days → 10; ≤ 6 days → 5; > 6 days → 0\n"
    ) in result.output
    assert demo.HERE.exists()


def test_an_inherited_case_a_removed_veto_changes_names_the_veto(monkeypatch):
    """It had said that none of fj2018's rule changes touches what the case states."""
    pytest.importorskip("escore_fj2017_website")
    overrides = types.ModuleType("pack_fj2018_veto.overrides")
    overrides.NO_NOTE1 = remove("W-L-V1")
    plugin = types.ModuleType("pack_fj2018_veto")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))
    plugin.escore_register_indicators = hookimpl(
        lambda register: register(overrides, ruleset="fj2018", sections=[("city", "website"), ("county", "website")])
    )
    monkeypatch.setitem(sys.modules, "pack_fj2018_veto", plugin)
    monkeypatch.setenv("ESCORE_PLUGINS", "pack_fj2018_veto")
    result = CliRunner().invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "note1-reply-after-91-days", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert (
        "inherited from fj2017: fj2018 changes what this case states:\n    veto-removed W-L-V1: 注1 咨询投诉不得分 → (none)"
        in result.output
    )


def test_a_plan_names_the_tier_a_share_reaches_after_a_later_year_changes_its_tiers(monkeypatch, tmp_path):
    """A count of 70 whole items matched the new 70% bound: the action reaching 100% named the
    70% tier, and the one reaching 70% named the 100% tier."""
    overrides = types.ModuleType("pack_fj2018_tiers.overrides")
    overrides.CREDIT_COMPLETE = parameter(
        "provincial_credit_completeness_tiers",
        Ladder.at_least("P-1-2-1 完整性", [(100, 4), (90, 2), (70, 1)], otherwise=0, what="完整率", unit="%"),
    )
    plugin = types.ModuleType("pack_fj2018_tiers")
    plugin.escore_register_rulesets = hookimpl(lambda register: register(Ruleset("fj2018", 2018, "fj2018", extends="fj2017")))
    plugin.escore_register_indicators = hookimpl(
        lambda register: register(overrides, ruleset="fj2018", sections=[("provincial", "comprehensive")])
    )
    monkeypatch.setitem(sys.modules, "pack_fj2018_tiers", plugin)
    monkeypatch.setenv("ESCORE_PLUGINS", "pack_fj2018_tiers")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    result = CliRunner().invoke(cli, ["plan", "prov.gtt", "-c", "provincial", "--ruleset", "fj2018", "-f", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    texts = [a["explanation"] for a in json.loads(result.stdout)["actions"] if a["indicator"] == "P-1-2-1"]
    # (Raising the part: lowering the whole, items required, is not proposed.)
    assert "provincial.credit.items_provided 70 → 108: 完整率 → 100% reaches tier '≥ 100% → 4'; P-1-2-1 0 → 4 of 4, total +4" in texts
    assert "provincial.credit.items_provided 70 → 76: 完整率 → 70% reaches tier '≥ 70% → 1'; P-1-2-1 0 → 1 of 4, total +1" in texts


def _as_plugin(monkeypatch, name: str, pack: types.ModuleType) -> None:
    module = types.ModuleType(name)
    for key in dir(pack):
        if key.startswith("escore_"):
            setattr(module, key, getattr(pack, key))
    monkeypatch.setitem(sys.modules, name, module)


def test_a_later_year_that_cannot_run_an_inherited_case_does_not_change_the_earlier_year_s_verify(tmp_path, monkeypatch):
    """demo2025 removes S-1-3, which two of demo2024's cases state: verify --ruleset demo2024 had
    stopped (exit 2) at the first of them, and a later pack whose tree does not add up had
    stopped it as well. The later year's verify lists every such case at once."""
    cases = tmp_path / "golden"
    cases.mkdir()
    for name in ("a", "b"):
        (cases / f"{name}.toml").write_text(
            f'[[case]]\nid = "{name}-platforms"\ncategory = "town"\nunit = "east"\n'
            '[case.fields]\n"service.platforms" = []\n[case.expect.indicators]\n"S-1-3" = "0"\n',
            encoding="utf-8",
        )
    _as_plugin(monkeypatch, "pack_demo2024_cases", types.SimpleNamespace(escore_register_golden_cases=golden_plugin("demo2024", cases)))
    _as_plugin(monkeypatch, "pack_demo2025_gone", without_platforms())
    broken = derived("demo2026", extends="demo2025", year=2026, overrides={"S1": amend("S-1", max=25)})
    _as_plugin(monkeypatch, "pack_demo2026_broken", broken)
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,pack_demo2024_cases,pack_demo2025_gone,pack_demo2026_broken")
    monkeypatch.setenv("ESCORE_LANG", "en")
    runner = CliRunner()
    for args in (["--ruleset", "demo2024"], ["--year", "2024"]):
        result = runner.invoke(cli, ["verify", *args])
        assert result.exit_code == 0, result.output
        assert "5 passed" in result.stdout and "demo2025" not in result.output
    later = runner.invoke(cli, ["verify", "--ruleset", "demo2025"])
    assert later.exit_code == 2
    removal = (
        "expect.indicators.S-1-3: demo2025 removes 'S-1-3' (demo2025 (pack_demo2025.overrides.GONE)); "
        "for demo2025, give this case a replacement of the same id '{0}', or drop it (drop=[...])"
    )
    assert later.stderr.splitlines()[-3:] == [
        "escore: error: golden cases: 2 inherited cases cannot run as they are:",
        f"  {cases / 'a.toml'} [case a-platforms]: " + removal.format("a-platforms"),
        f"  {cases / 'b.toml'} [case b-platforms]: " + removal.format("b-platforms"),
    ]
    broken_verify = runner.invoke(cli, ["verify", "--ruleset", "demo2026"])
    assert broken_verify.exit_code == 2 and "demo2026/town: 'S' declares max 50" in broken_verify.stderr


def test_a_derived_pack_drops_or_overrides_inherited_cases(demo_catalog):
    from escore._golden import Binding, bindings, find_case_files, load_cases

    cases = [c for path in find_case_files([ROOT / "examples/demo-pack/escore_demo/golden"]) for c in load_cases(path)]
    catalog = catalog_with(derived())
    assert {c.id: bindings(catalog, c) for c in cases} == {c.id: [Binding("demo2024"), Binding("demo2025", "demo2024")] for c in cases}
    dropping = catalog_with(derived(escore_register_golden_cases=golden_plugin("demo2025", ROOT / "tests", drop=["towns.toml::south-*"])))
    assert {c.id: len(bindings(dropping, c)) for c in cases} == {"south-sample": 1, "reply-rate-boundary": 2, "twenty-outages": 2}


def test_a_case_of_a_later_year_s_own_that_names_the_earlier_year_is_refused(tmp_path):
    """Copied with its ruleset line, it ran under the earlier year only and hid the inherited
    case of its id from the later one, without a word."""
    from escore import InputError
    from escore._golden import bindings, load_cases

    own = tmp_path / "golden"
    own.mkdir()
    (own / "copied.toml").write_text(
        '[[case]]\nid = "south-sample"\nruleset = "demo2024"\ncategory = "town"\nunit = "south"\n[case.expect]\ntotal = "1"\n',
        encoding="utf-8",
    )
    catalog = catalog_with(derived(escore_register_golden_cases=golden_plugin("demo2025", own)))
    (case,) = load_cases(own / "copied.toml")
    with pytest.raises(InputError) as raised:
        bindings(catalog, case)
    assert str(raised.value).endswith(
        "ruleset: the case is in the golden cases of demo2025 but names ruleset 'demo2024' (set ruleset = \"demo2025\", or leave the line out)"
    )


def test_a_drop_pattern_that_matches_no_inherited_case_is_a_pack_error():
    """A mistyped id left the case running without a word."""
    from escore._golden import check_drops

    catalog = catalog_with(derived(escore_register_golden_cases=golden_plugin("demo2025", ROOT / "tests", drop=["south-smaple"])))
    with pytest.raises(PackError) as raised:
        check_drops(catalog, "demo2025")
    assert str(raised.value) == (
        "demo2025: drop pattern 'south-smaple' matches no case it inherits (case ids, or FILE::ID); did you mean 'south-sample'?"
    )
    check_drops(
        catalog_with(derived(escore_register_golden_cases=golden_plugin("demo2025", ROOT / "tests", drop=["towns.toml::*"]))), "demo2025"
    )


# --------------------------------------------------------------------------- the fj2019-structure example

EXAMPLE = ROOT / "examples" / "fj2019-structure"
FJ2017 = "fj2017-provincial,fj2017-city,fj2017-website"


@pytest.fixture
def with_fj2019(monkeypatch):
    """The three fj2017 packs and the fj2019-structure example, whatever else is installed."""
    pytest.importorskip("escore_fj2017_website")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017 + ",escore_fj2019_structure.plugin")
    monkeypatch.delenv("ESCORE_BLOCKED_PLUGINS", raising=False)
    return CliRunner()


def test_fj2019_rules_diff_is_the_front_matter(with_fj2019):
    result = with_fj2019.invoke(cli, ["rules-diff", "fj2017", "fj2019-structure", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    changes = [
        (c["kind"], ",".join(c["categories"]), c["subject"], c["before"], c["after"][:12]) for c in json.loads(result.stdout)["changes"]
    ]
    assert changes == [
        ("section-weight", "city", "comprehensive", "70", "65"),
        ("section-citation", "city", "comprehensive", "", "福建省数字福建建设领导小"),
        ("section-weight", "city", "website", "30", "35"),
        ("section-citation", "city", "website", "", "福建省数字福建建设领导小"),
        ("section-title", "city,county,provincial", "website", "政府网站建设", "政府网站与政务新媒体建设"),
        ("section-citation", "county", "website", "", "福建省数字福建建设领导小"),
        ("section-citation", "provincial", "website", "", "福建省数字福建建设领导小"),
    ]
    letter = (EXAMPLE / "escore_fj2019_structure" / "front_matter.txt").read_text(encoding="utf-8")
    from escore_fj2019_structure import plugin

    for citation in (plugin.CITY, plugin.COUNTY, plugin.PROVINCIAL):
        assert citation.text in letter and "ILLUSTRATIVE" in citation.note


def test_fj2019_speaks_chinese_as_fj2017_does(with_fj2019, monkeypatch, tmp_path):
    """Installed beside fj2017, the example had made every command that uses no one ruleset English."""
    assert Catalog(make_plugin_manager()).rulesets["fj2019-structure"][0].language == "zh"
    monkeypatch.delenv("ESCORE_LANG")
    history = with_fj2019.invoke(cli, ["history", "--db", str(tmp_path / "escore.db")])
    assert history.stdout == "没有已保存的运行（escore run … --save 可保存一次）\n"
    assert (
        with_fj2019.invoke(cli, ["run", "-c", "city"])
        .stdout.splitlines()[0]
        .endswith("· city 设区市政府、平潭综合实验区管委会 · 10 个单位")
    )


@pytest.mark.parametrize(
    "args",
    [
        ["run", "-c", "county"],
        ["run", "-c", "county", "-f", "json"],
        ["explain", "思明区"],
        ["diff", "A", "B", "-c", "county"],
        ["plan", "xiamen.siming"],
        ["whatif", "fuzhou.jinan", "--remove-row", "website_notices:2"],
        ["template", "-c", "county", "--unit", "思明区"],
        ["list", "-c", "county"],
    ],
)
def test_the_latest_installed_ruleset_is_named_once_per_command(with_fj2019, tmp_path, args):
    """run had said it twice, diff of two directories four times."""
    import shutil

    sample = ROOT / "plugins" / "indicators_website" / "escore_fj2017_website" / "sample" / "county"
    if "diff" in args:
        for side in ("A", "B"):
            shutil.copytree(sample, tmp_path / side)
        args = [str(tmp_path / a) if a in ("A", "B") else a for a in args]
    result = with_fj2019.invoke(cli, [*args, "--db", str(tmp_path / "escore.db")] if args[0] in ("diff", "whatif") else args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("using fj2019-structure (2019), the latest installed") == 1, result.stderr


def test_fj2019_scores_are_the_2017_raw_points_at_the_2019_weights(with_fj2019):
    catalog = Catalog(make_plugin_manager())
    assert "示意" in catalog.rulesets["fj2019-structure"][0].title  # labelled illustrative wherever the title shows
    old = {r.unit.code: r for r in run_category(catalog, "city", ruleset="fj2017").units}
    new = {r.unit.code: r for r in run_category(catalog, "city", year=2019).units}
    assert old.keys() == new.keys() and len(new) == 10
    for code, result in new.items():
        raw = {s.name: s.raw for s in old[code].sections}
        assert {s.name: s.raw for s in result.sections} == raw
        assert [(s.name, s.weight, s.raw_max) for s in result.sections] == [("comprehensive", 65, 70), ("website", 35, 100)]
        # 28 significant digits either way; the engine's own order of operations is not the point here
        assert abs(result.total - (raw["comprehensive"] * 65 / 70 + raw["website"] * Decimal("0.35"))) < Decimal("1e-20")
    assert new["fuzhou"].total != old["fuzhou"].total
    county_old = {r.unit.code: r.total for r in run_category(catalog, "county", ruleset="fj2017").units}
    county_new = {r.unit.code: r.total for r in run_category(catalog, "county").units}
    assert county_old == county_new and len(county_new) == 83


def test_with_a_second_ruleset_installed_fj2017_keeps_every_expectation(with_fj2019):
    default = with_fj2019.invoke(cli, ["run", "-c", "county"])
    assert default.exit_code == 0
    assert default.stdout.startswith("escore · fj2019-structure (2019) · county")
    assert default.stderr.count("using fj2019-structure (2019), the latest installed; also installed: fj2017 (2017)") == 1
    fj2017 = with_fj2019.invoke(cli, ["verify", "--ruleset", "fj2017"])
    assert fj2017.exit_code == 0, fj2017.output[-3000:]
    assert "failed" not in fj2017.output
    fj2019 = with_fj2019.invoke(cli, ["verify", "--ruleset", "fj2019-structure"])
    assert fj2019.exit_code == 0, fj2019.output[-3000:]
    passed = {
        name: int(result.output.rsplit(" passed", 1)[0].rsplit("\n", 1)[-1].split()[-1]) for name, result in (("a", fj2017), ("b", fj2019))
    }
    from escore._golden import find_case_files, load_cases

    catalog = Catalog(make_plugin_manager())
    cases = [c for path in find_case_files([d for r, d, _ in catalog.golden if r == "fj2017"]) for c in load_cases(path)]
    city = sum(1 for c in cases if c.category == "city")
    assert passed["a"] == len(cases) and city > 50
    assert passed["b"] == passed["a"] - city + 1  # fj2017's city cases (totals at the 2017 weights) are dropped; one 2019 case is added
    contradiction = with_fj2019.invoke(cli, ["run", "-c", "county", "--year", "2024", "--ruleset", "fj2017"])
    assert contradiction.exit_code == 2
    assert contradiction.stderr == "escore: error: --year 2024 contradicts --ruleset fj2017, which is the 2017 ruleset; give one of them\n"
    unknown = with_fj2019.invoke(cli, ["run", "-c", "county", "--ruleset", "fj2071"])
    assert unknown.exit_code == 2 and "did you mean 'fj2017'?" in unknown.stderr


# --------------------------------------------------------------------------- new-pack


def test_new_pack_extending_a_ruleset_scores_like_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")
    runner = CliRunner()
    made = runner.invoke(cli, ["new-pack", "--extends", "demo2024", "--name", "demo2025", str(tmp_path / "pack")])
    assert made.exit_code == 0, made.stderr
    files = sorted(str(p.relative_to(tmp_path / "pack")) for p in (tmp_path / "pack").rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "conftest.py",
        "escore_demo2025/__init__.py",
        "escore_demo2025/golden/README.md",
        "escore_demo2025/overrides.py",
        "escore_demo2025/plugin.py",
        "pyproject.toml",
        "tests/test_pack.py",
    ]
    overrides = (tmp_path / "pack" / "escore_demo2025" / "overrides.py").read_text(encoding="utf-8")
    assert "#   reply_delay_tiers = median delay: ≤ 3 days → 10; ≤ 7 days → 5; > 7 days → 0" in overrides
    assert 'demo2025 = "escore_demo2025.plugin"' in (tmp_path / "pack" / "pyproject.toml").read_text(encoding="utf-8")
    plugin = (tmp_path / "pack" / "escore_demo2025" / "plugin.py").read_text(encoding="utf-8")
    assert 'Ruleset(RULESET, 2025, "demo2025 (2025), extending demo2024", document="", extends="demo2024"))' in plugin
    monkeypatch.syspath_prepend(str(tmp_path / "pack"))
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,escore_demo2025.plugin")
    diff = runner.invoke(cli, ["rules-diff", "demo2024", "demo2025", "-f", "json"])
    assert json.loads(diff.stdout) == {"from": "demo2024", "to": "demo2025", "changes": []}
    old = runner.invoke(cli, ["run", "-c", "town", "--ruleset", "demo2024", "-f", "csv"]).stdout
    new = runner.invoke(cli, ["run", "-c", "town", "-f", "csv"]).stdout
    assert old == new and old.count("\n") == 5
    verify = runner.invoke(cli, ["verify", "--ruleset", "demo2025"])
    assert verify.exit_code == 0 and "3 passed" in verify.output  # demo2024's three cases, run under demo2025
    again = runner.invoke(cli, ["new-pack", "--extends", "demo2024", "--name", "demo2026", str(tmp_path / "pack")])
    assert again.exit_code == 2 and "exists and is not an empty directory" in again.stderr
    unknown = runner.invoke(cli, ["new-pack", "--extends", "demo2042", "--name", "x", str(tmp_path / "x")])
    assert (
        unknown.exit_code == 2
        and "unknown ruleset 'demo2042'; did you mean 'demo2025'?" in unknown.stderr
        and not (tmp_path / "x").exists()
    )


def test_new_pack_names_the_file_system_cannot_hold_are_refused(tmp_path, monkeypatch):
    """A ruleset name over 64 characters, and a directory whose name the file system refuses:
    one line, exit 2, nothing left behind (an OSError traceback before)."""
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    runner = CliRunner()
    long_name = runner.invoke(cli, ["new-pack", "--name", "a" * 300, "--year", "2030", str(tmp_path / "pack"), "--lang", "en"])
    assert long_name.exit_code == 2
    assert long_name.stderr == "escore: error: new-pack --name: at most 64 characters, got 300\n"
    for name in ("d" * 300, "e" * 254):  # too long itself; too long once the staging prefix is added
        target = tmp_path / name
        made = runner.invoke(cli, ["new-pack", "--name", "town2030", "--year", "2030", str(target), "--lang", "en"])
        assert made.exit_code == 2, made.output
        assert made.stderr.startswith(f"escore: error: {str(target)[:40]}")  # the path, shortened in the message
        assert made.stderr.endswith(": cannot write the pack: File name too long\n") and len(made.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "demo2024", "--year", "2030"], "new-pack --name: a ruleset 'demo2024' is already installed"),
        (["--name", "town2030", "--year", "0"], "new-pack --year: expected an assessment year from 1 to 9999, got 0"),
        (["--name", "town2030", "--year", "-1"], "new-pack --year: expected an assessment year from 1 to 9999, got -1"),
        (
            ["--name", "demo2023", "--extends", "demo2024", "--year", "2023"],
            "new-pack --year: 2023 is before the year of 'demo2024' (2024), which it extends",
        ),
    ],
    ids=[
        "a minimal pack named as an installed ruleset (written, and then it could not load)",
        "year 0",
        "year -1",
        "a year before its base's",
    ],
)
def test_new_pack_refuses_a_pack_that_could_not_work(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")
    result = CliRunner().invoke(cli, ["new-pack", *args, str(tmp_path / "pack"), "--lang", "en"])
    assert (result.exit_code, result.stderr) == (2, f"escore: error: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_new_pack_without_a_base_is_a_minimal_pack_whose_case_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    runner = CliRunner()
    made = runner.invoke(cli, ["new-pack", "--name", "town2030", "--year", "2030", str(tmp_path / "pack")])
    assert made.exit_code == 0, made.stderr
    monkeypatch.syspath_prepend(str(tmp_path / "pack"))
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_town2030.plugin")
    ranking = runner.invoke(cli, ["run", "-c", "unit", "-f", "csv"])
    assert ranking.exit_code == 0, ranking.stderr
    assert ranking.stdout.splitlines()[1] == "1,example,Example Unit,,60,60.00,60,60.00,0,0,yes"
    # one unit is counted as one (it had been "1 units")
    assert runner.invoke(cli, ["run", "-c", "unit"]).stdout.splitlines()[0] == "escore · town2030 (2030) · unit Assessed units · 1 unit"
    assert runner.invoke(cli, ["run", "-c", "unit", "--lang", "zh"]).stdout.splitlines()[0].endswith(" · 1 个单位")
    verify = runner.invoke(cli, ["verify", "--ruleset", "town2030"])
    assert verify.exit_code == 0 and "1 passed" in verify.output
    assert runner.invoke(cli, ["new-pack", "--name", "Bad Name", "--year", "1", str(tmp_path / "b")]).exit_code == 2


#: A case of the derived scaffold's own, added to its golden/ as its README says.
OWN_CASE = """[[case]]
id = "own-case"
ruleset = "demo2025"
category = "town"
unit = { code = "test.town", name = "Test Town", attributes = { kind = "market" } }
fields = { "service.reply_rate" = 80 }

[case.expect]
indicators = { "S-1-1" = "6" }
"""


@pytest.mark.parametrize("args", [["--name", "town2030", "--year", "2030"], ["--name", "demo2025", "--extends", "demo2024"]])
def test_a_new_pack_s_own_tests_pass_before_it_is_installed(tmp_path, monkeypatch, args):
    """The scaffold's tests had failed with `assert []` until the pack was pip-installed; run
    as its README says (`python -m pytest`, every test of the folder), its golden cases, which
    pytest collects as items of their own, had failed with "unknown ruleset" until then."""
    import os
    import subprocess

    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")
    made = CliRunner().invoke(cli, ["new-pack", *args, str(tmp_path / "pack")])
    assert made.exit_code == 0, made.stderr
    if "--extends" in args:
        (tmp_path / "pack" / "escore_demo2025" / "golden" / "own.toml").write_text(OWN_CASE, encoding="utf-8")
    env = {
        **os.environ,
        "ESCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "ESCORE_PLUGINS": "escore_demo.plugin" if "--extends" in args else "",
        "PYTHONPATH": str(ROOT / "examples" / "demo-pack"),  # the base pack, where the suite finds it
    }
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path / "pack",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # the pack's own golden case as an item of its own, and tests/test_pack.py
    assert ("3 passed" if "--extends" in args else "2 passed") in tests.stdout.splitlines()[-1]


def test_explain_and_verify_choose_among_years_like_run(with_fj2019):
    explained = with_fj2019.invoke(cli, ["explain", "思明区"])
    assert explained.exit_code == 0, explained.stderr
    assert "· fj2019-structure (2019) · county" in explained.stdout.splitlines()[0]
    assert "using fj2019-structure (2019), the latest installed" in explained.stderr
    assert "· fj2017 (2017) · county" in with_fj2019.invoke(cli, ["explain", "思明区", "--year", "2017"]).stdout.splitlines()[0]
    unknown = with_fj2019.invoke(cli, ["verify", "--ruleset", "fj2071"])
    assert (unknown.exit_code, unknown.stderr) == (2, "escore: error: unknown ruleset 'fj2071'; did you mean 'fj2017'?\n")
    contradiction = with_fj2019.invoke(cli, ["verify", "--ruleset", "fj2017", "--year", "2019"])
    assert contradiction.exit_code == 2 and "--year 2019 contradicts --ruleset fj2017" in contradiction.stderr


def test_a_derived_roster_replaces_the_inherited_one():
    import attrs

    from escore import Roster

    base = catalog_with()
    units = [attrs.evolve(u, name="North Town (2025)") if u.code == "north" else u for u in base.roster("demo2024", "town")]
    catalog = catalog_with(derived(escore_register_rosters=hookimpl(lambda register: register(Roster("demo2025", "town", units)))))
    assert [u.name for u in catalog.roster("demo2025", "town")] == ["East Town", "North Town (2025)", "South Town", "West Town"]
    assert catalog.roster("demo2025", "village") == catalog.roster("demo2024", "village")  # not redeclared: inherited
    assert {r.unit.name: r.total for r in run_category(catalog, "town", ruleset="demo2025").units}["North Town (2025)"] == Decimal("92")
    assert [(c.kind, c.categories, c.subject, c.before, c.after) for c in diff_rulesets(catalog, "demo2024", "demo2025")] == [
        ("unit", ("town",), "north", "North Town, kind=market", "North Town (2025), kind=market"),
    ]


VILLAGES = """[roster]
ruleset = "demo2025"
category = "village"

[[unit]]
code = "south.a"
name = "Ash Village"
parent = "{first}"

[[unit]]
code = "south.b"
name = "Birch Village"
parent = "{second}"
"""


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ("soutth", "south", "unit[0].parent: unknown unit code 'soutth'; expected the code of a unit of town (did you mean 'south'?)"),
        ("south", "south.b", "unit[1].parent: 'south.b' is a unit of this roster; expected the code of a unit of town"),
        ("south", "south.a", "unit[1].parent: 'south.a' is a unit of this roster; expected the code of a unit of town"),
    ],
    ids=["a typo", "the unit itself", "another unit of the roster"],
)
def test_a_roster_s_parent_must_be_a_unit_its_rows_roll_up_into(tmp_path, first, second, said):
    """A village whose parent was misspelt had its outages rolled up into no town: South Town
    scored 75.50 instead of 75.45, exit 0, and the pack's own golden case failed."""
    from escore import Roster

    villages = tmp_path / "villages.toml"
    villages.write_text(VILLAGES.format(first=first, second=second), encoding="utf-8")
    pack = derived(escore_register_rosters=hookimpl(lambda register: register(Roster.from_toml(villages))))
    with pytest.raises(PackError) as raised:
        catalog_with(pack)
    assert str(raised.value) == f"villages.toml: {said}"
    villages.write_text(VILLAGES.format(first="south", second="south"), encoding="utf-8")
    assert totals(catalog_with(pack), "demo2025")["south"] == Decimal("75.45")


def test_an_inherited_roster_s_parent_must_be_a_unit_of_the_new_year_s_roster():
    """The new year's town roster drops South Town: the villages the earlier year's roster puts
    under it would roll up into nothing."""
    from escore import Roster, Unit

    towns = [u for u in catalog_with().roster("demo2024", "town") if u.code != "south"]
    merged = derived(escore_register_rosters=hookimpl(lambda register: register(Roster("demo2025", "town", towns))))
    with pytest.raises(PackError) as raised:
        catalog_with(merged)
    assert str(raised.value) == (
        "escore_demo/villages.toml (the village roster demo2025 inherits from demo2024): unit[0].parent: 'south' is a unit of "
        "demo2024's town roster, not of demo2025's; register a village roster for demo2025 whose parents are units of its town roster"
    )
    moved = [Unit("south.a", "Ash Village", "village", "west"), Unit("south.b", "Birch Village", "village", "weast")]

    def rosters(register):
        register(Roster("demo2025", "town", towns))
        register(Roster("demo2025", "village", moved))

    with pytest.raises(PackError) as raised:
        catalog_with(derived(escore_register_rosters=hookimpl(rosters)))
    assert str(raised.value) == (
        "the village roster of ruleset demo2025 (plugin 'pack_demo2025'): unit[1].parent: "
        "unknown unit code 'weast'; expected the code of a unit of town (did you mean 'west'?)"
    )


def _weighed(services: int) -> types.ModuleType:
    """demo2030, extending demo2024, with a town total of 100 and its services weighing ``services``
    (the website section, 40, inherited)."""
    from escore import Category

    return derived(
        "demo2030",
        year=2030,
        escore_register_categories=hookimpl(
            lambda register: register(Category("demo2030", "town", "Towns", subunits="village", total=100))
        ),
        escore_register_sections=hookimpl(
            lambda register: register(Section("demo2030", "town", "services", "Public services", weight=services, raw_max=60))
        ),
    )


def test_sections_weighing_more_than_the_category_s_total_are_refused_by_any_catalogue():
    """A catalogue of some packs only (a library user's, a pack's own pytest) skipped the check of
    the total, so that sections weighing 110 against a total of 100 ranked North Town at 100.67 of 100."""
    over = "demo2030/town: the sections weigh 110 in all (services 70 [demo2030] + website 40 [demo2024]), but the category totals 100"
    for complete in (False, True):
        catalog = Catalog(make_plugin_manager(autoload=False, extra=[_demo(), _weighed(70)]), complete=complete)
        with pytest.raises(PackError) as raised:
            catalog.plan("demo2030", "town")
        assert str(raised.value) == f"{over}: a section's weight is wrong, or a section is registered that the category does not have"
    # Weighing less is what a pack tested without the others looks like: refused by a whole installation only.
    assert Catalog(make_plugin_manager(autoload=False, extra=[_demo(), _weighed(50)])).plan("demo2030", "town").sections[0].weight == 50
    with pytest.raises(PackError, match=r"the sections weigh 90 in all .* a pack that registers a section of it is missing"):
        Catalog(make_plugin_manager(autoload=False, extra=[_demo(), _weighed(50)]), complete=True).plan("demo2030", "town")
    assert totals(catalog_with(_weighed(60)), "demo2030")["north"] == Decimal(92)


def _demo() -> types.ModuleType:
    from escore_demo import plugin

    return plugin


def test_a_roster_copied_with_the_earlier_year_s_ruleset_says_what_to_set():
    from escore import Roster

    units = list(catalog_with().roster("demo2024", "town"))
    copied = derived(escore_register_rosters=hookimpl(lambda register: register(Roster("demo2024", "town", units))))
    with pytest.raises(PackError) as raised:
        catalog_with(copied)
    assert str(raised.value) == (
        "the town roster of ruleset demo2024 is registered by both 'escore_demo.plugin' and 'pack_demo2025'; "
        "'pack_demo2025' registers demo2025: set ruleset = \"demo2025\" in the roster it copied"
    )


def test_evidence_of_a_unit_the_new_roster_dropped_is_ignored_with_one_warning(monkeypatch):
    """The inherited samples (or last year's evidence) still hold a unit the new year's roster
    dropped: its unit file and its monitoring rows had stopped the run as an unknown code."""
    import warnings

    from escore import Roster
    from escore._errors import EscoreWarning

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    base = catalog_with()
    units = [u for u in base.roster("demo2024", "town") if u.code != "north"]
    catalog = catalog_with(derived(escore_register_rosters=hookimpl(lambda register: register(Roster("demo2025", "town", units)))))
    assert catalog.plan("demo2025", "town").retired_units == {"north": ("demo2024", "town")}
    assert [(c.kind, c.categories, c.subject, c.before) for c in diff_rulesets(catalog, "demo2024", "demo2025")] == [
        ("unit-removed", ("town",), "north", "North Town, kind=market")
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scored = totals(catalog, "demo2025")
    assert [str(w.message) for w in caught if issubclass(w.category, EscoreWarning)] == [
        f"north: a unit of demo2024's roster of town, not of demo2025's; its evidence is ignored: {DEMO_SAMPLE_UNITS / 'north.toml'}"
    ]
    assert scored == {code: total for code, total in totals(base, "demo2024").items() if code != "north"}


# --------------------------------------------------------------------------- done when: a pack author's new year

CHANGES = """
import datetime as dt

from escore import Ladder, parameter

COMPLETENESS = parameter(
    "provincial_credit_completeness_tiers",
    Ladder.at_least("P-1-2-1 完整性", [(100, 4), (85, 2), (60, 1)], otherwise=0, what="完整率", unit="%"),
)
SUMMARY_DEADLINE = parameter("website_summary_deadline", dt.date(2017, 11, 10))
"""


def test_a_pack_author_makes_a_new_year(tmp_path, monkeypatch):
    """new-pack, one tier threshold and one deadline changed: rules-diff, verify and run show exactly that."""
    pytest.importorskip("escore_fj2017_website")
    pytest.importorskip("escore_fj2017_provincial")
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017)
    monkeypatch.delenv("ESCORE_BLOCKED_PLUGINS", raising=False)
    runner = CliRunner()
    pack = tmp_path / "fj2018"
    made = runner.invoke(cli, ["new-pack", "--extends", "fj2017", "--year", "2018", "--name", "fj2018", str(pack)])
    assert made.exit_code == 0, made.stderr
    overrides = pack / "escore_fj2018" / "overrides.py"
    listed = overrides.read_text(encoding="utf-8")
    assert "#   website_summary_deadline = 2017-11-15" in listed
    assert "#   provincial_credit_completeness_tiers = 完整率: ≥ 100% → 4; ≥ 80% → 2; ≥ 60% → 1; < 60% → 0" in listed
    overrides.write_text(listed + CHANGES, encoding="utf-8")
    monkeypatch.syspath_prepend(str(pack))
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017 + ",escore_fj2018.plugin")

    diff = runner.invoke(cli, ["rules-diff", "fj2017", "fj2018", "-f", "json"])
    assert diff.exit_code == 0, diff.stderr
    assert json.loads(diff.stdout)["changes"] == [
        {
            "kind": "parameter",
            "categories": ["city", "county", "provincial"],
            "subject": "website_summary_deadline",
            "before": "2017-11-15",
            "after": "2017-11-10",
        },
        {
            "kind": "parameter",
            "categories": ["provincial"],
            "subject": "provincial_credit_completeness_tiers",
            "before": "完整率: ≥ 100% → 4; ≥ 80% → 2; ≥ 60% → 1; < 60% → 0",
            "after": "完整率: ≥ 100% → 4; ≥ 85% → 2; ≥ 60% → 1; < 60% → 0",
        },
    ]
    # the table, in the rulesets' own language (Chinese) unless told otherwise
    monkeypatch.delenv("ESCORE_LANG")
    table = runner.invoke(cli, ["rules-diff", "fj2017", "fj2018"]).stdout.splitlines()
    assert table[:4] == [
        "从 fj2017 到 fj2018 的规则变化：2 项",
        "  city,county,provincial 参数               website_summary_deadline",
        "      - 2017-11-15",
        "      + 2017-11-10",
    ]
    monkeypatch.setenv("ESCORE_LANG", "en")

    verify = runner.invoke(cli, ["verify", "--ruleset", "fj2018"])
    assert verify.exit_code == 1
    failed = sorted(line.split(" ")[1].rsplit("::", 1)[1] for line in verify.output.splitlines() if line.startswith("FAILED "))
    assert failed == [  # the inherited cases the two changes break, each naming the change
        "credit-complete-4-of-5@test.dept@fj2018",
        "credit-complete-80@test.dept@fj2018",
        "summary-on-deadline@xiamen.siming@fj2018",
    ]
    assert "parameter provincial_credit_completeness_tiers: 完整率: ≥ 100% → 4; ≥ 80% → 2" in verify.output
    assert "parameter website_summary_deadline: 2017-11-15 → 2017-11-10" in verify.output

    old = {r.unit.code: r for r in run_category(Catalog(make_plugin_manager()), "provincial", ruleset="fj2017").units}
    ranked = runner.invoke(cli, ["run", "-c", "provincial", "-f", "json"])
    assert ranked.exit_code == 0
    assert "using fj2018 (2018), the latest installed" in ranked.stderr
    new = {u["code"]: u for u in json.loads(ranked.stdout)["units"]}
    moved = sorted(code for code in new if Decimal(new[code]["total"]) != old[code].total)
    # on the synthetic sample: completeness in [80, 85) or a work summary received 11-11 … 11-15
    assert moved == [
        "prov.gat",
        "prov.gzw",
        "prov.hyyyt",
        "prov.jxw",
        "prov.jyt",
        "prov.rst",
        "prov.slt",
        "prov.tjj",
        "prov.wb",
        "prov.xwcbgdj",
    ]
    assert all(Decimal(new[code]["total"]) < old[code].total for code in moved)
    assert [u["rank"] for u in json.loads(ranked.stdout)["units"]] == sorted(u["rank"] for u in new.values())

    lines = [
        line
        for path in sorted((pack / "escore_fj2018").glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) < 60  # the whole derived pack: a few dozen lines of code


def test_rules_diff_table_keeps_one_column_for_categories_of_any_length():
    from escore._rulesdiff import Change, render

    changes = [
        Change("max", ("city",), "C-1-1-1", "4", "6"),
        Change("parameter", ("city", "county", "provincial"), "website_summary_deadline", "2017-11-15", "2018-11-10"),
    ]
    lines = render(changes, "fj2017", "fj2018", "table").splitlines()
    assert lines[1] == "  city                   max                C-1-1-1"
    assert lines[4] == "  city,county,provincial parameter          website_summary_deadline"
    dropped = render([Change("methods", ("city",), "C-1-1-1", "self_report, online_check", "")], "fj2017", "fj2018", "table")
    assert dropped.splitlines()[2:] == ["      - self_report, online_check", "      + (none)"]  # the + line had been left out


def test_rules_diff_names_every_kind_of_change_between_two_plans(demo_plan):
    """A section, a veto and a parameter each added or removed, and a rule object changed under
    its name: each is one change of its kind, with what it was and what it is."""
    import attrs

    from escore._rulesdiff import diff_plans

    services, website = demo_plan.sections
    extra = attrs.evolve(website, name="extra", title="Extra", weight=Decimal(10), raw_max=Decimal(20))
    changed = Ladder.at_least("reply rate", [(100, 9), (80, 6)], otherwise=0, what="reply rate", unit="%")  # 10 → 9
    later = demo_plan._replace(
        sections=(services, extra),
        vetoes=(),
        rule_objects=tuple((name, changed if name == "escore_demo.services.REPLY_RATE" else rule) for name, rule in demo_plan.rule_objects),
    )
    changes = {(change.kind, change.subject): (change.before, change.after) for change in diff_plans(demo_plan, later)}
    assert changes[("section-removed", "website")] == ("Website (weight 40, raw max 100)", "")
    assert changes[("section-added", "extra")] == ("", "Extra (weight 10, raw max 20)")
    assert changes[("veto-removed", "V-1")] == ("Data leak", "")
    assert changes[("rule", "escore_demo.services.REPLY_RATE")] == (
        "reply rate: ≥ 100% → 10; ≥ 80% → 6; < 80% → 0",
        "reply rate: ≥ 100% → 9; ≥ 80% → 6; < 80% → 0",
    )
    back = {(change.kind, change.subject) for change in diff_plans(later, demo_plan)}
    assert {("section-added", "website"), ("section-removed", "extra"), ("veto-added", "V-1")} <= back
    # A parameter the later plan no longer reads (its only reader removed), and one it adds.
    reader = next(ip for ip in demo_plan.indicators if "reply_delay_tiers" in ip.fixtures)
    without = demo_plan._replace(indicators=tuple(ip for ip in demo_plan.indicators if ip is not reader))
    kinds = {(change.kind, change.subject) for change in diff_plans(demo_plan, without)}
    assert ("parameter-removed", "reply_delay_tiers") in kinds
    assert ("parameter-added", "reply_delay_tiers") in {(c.kind, c.subject) for c in diff_plans(without, demo_plan)}


def test_rulesets_that_extend_each_other_in_a_circle_are_a_pack_error():
    with pytest.raises(PackError, match="ruleset 'demo2025' extends itself: demo2025 → demo2026 → demo2025"):
        catalog_with(derived("demo2025", extends="demo2026"), derived("demo2026", extends="demo2025", year=2026)).chain("demo2025")


def test_two_rulesets_of_the_latest_year_make_the_choice_the_user_s():
    from escore._errors import UsageError

    catalog = catalog_with(derived("demo2025a"), derived("demo2025b"))
    with pytest.raises(
        UsageError,
        match=r"several rulesets score 'town' for the latest year: demo2025a \(2025\), demo2025b \(2025\); choose one with --ruleset",
    ):
        catalog.choose("town")
    assert catalog.choose("town", ruleset="demo2025b").name == "demo2025b"


# --------------------------------------------------------------------------- a later fj year installed


@pytest.fixture
def with_fj2018(monkeypatch, tmp_path):
    """The three fj2017 packs and tests.plugin_fj2018 (a realistic later year), whatever else is
    installed; a scratch working directory and store."""
    pytest.importorskip("escore_fj2017_website")
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017_PLUGINS + ",tests.plugin_fj2018")
    monkeypatch.delenv("ESCORE_BLOCKED_PLUGINS", raising=False)
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "escore.db"))
    monkeypatch.setenv("ESCORE_LANG", "en")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_a_workbook_of_the_year_a_ruleset_extends_is_read_with_a_warning(with_fj2018, tmp_path):
    """A filled 2017 workbook carried over to fj2018's template (or scored under it) was refused:
    "this workbook is for ruleset 'fj2017', the run is for 'fj2018'"."""
    import openpyxl

    runner = with_fj2018
    made = runner.invoke(cli, ["template", "-c", "provincial", "--year", "2017", "-f", "xlsx", "-o", "p17.xlsx", "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    about = openpyxl.load_workbook(tmp_path / "p17.xlsx")["说明"]
    row = next(cell.row for cell in about["A"] if cell.value == "ruleset")
    said = (
        f"escore: warning: p17.xlsx: 说明!B{row}: ruleset: this workbook is for ruleset 'fj2017', which 'fj2018' extends; "
        "its values are read as fj2018's"
    )
    carried = runner.invoke(cli, ["template", "-c", "provincial", "-f", "xlsx", "-o", "p18.xlsx", "-e", "p17.xlsx"])
    assert carried.exit_code == 0, carried.stderr
    assert said in carried.stderr.splitlines()
    scored = runner.invoke(cli, ["run", "-c", "provincial", "-e", "p17.xlsx", "-f", "json"])
    assert scored.exit_code == 0, scored.stderr
    assert said in scored.stderr.splitlines() and json.loads(scored.stdout)["ruleset"] == "fj2018"
    # A workbook of a ruleset the run does not extend stays refused, with what to choose.
    book = openpyxl.load_workbook(tmp_path / "p17.xlsx")
    book["说明"].cell(row, 2).value = "zj2017"
    book.save(tmp_path / "other.xlsx")
    other = runner.invoke(cli, ["run", "-c", "provincial", "-e", "other.xlsx"])
    assert other.exit_code == 2
    assert (
        f"  说明!B{row}: ruleset: this workbook is for ruleset 'zj2017', the run is for 'fj2018' (use --ruleset zj2017, or the --year it assesses)"
        in other.stderr.splitlines()
    )


def test_a_directory_of_the_year_a_ruleset_extends_is_read_with_a_warning_naming_its_manifest(with_fj2018, tmp_path):
    """A 2017 evidence directory scored under fj2018 was read without a word, while a 2017 workbook
    is warned of: the directory's manifest is named, as the workbook's cell is."""
    import shutil

    import escore_fj2017_provincial

    runner = with_fj2018
    evidence = tmp_path / "ev17"
    shutil.copytree(Path(escore_fj2017_provincial.__file__).parent / "sample" / "provincial", evidence)
    manifest = evidence / "escore-evidence.toml"
    manifest.write_text('[evidence]\nsynthetic = true\nruleset = "fj2017"\n', encoding="utf-8")
    said = (
        f"escore: warning: {Path('ev17', 'escore-evidence.toml')}: evidence.ruleset: this evidence is for ruleset 'fj2017', "
        "which 'fj2018' extends; its values are read as fj2018's"
    )
    scored = runner.invoke(cli, ["run", "-c", "provincial", "-e", "ev17", "-f", "json"])
    assert scored.exit_code == 0, scored.stderr
    assert said in scored.stderr.splitlines() and json.loads(scored.stdout)["ruleset"] == "fj2018"
    chinese = runner.invoke(cli, ["run", "-c", "provincial", "-e", "ev17", "--lang", "zh"])
    assert (
        f"escore：警告：{Path('ev17', 'escore-evidence.toml')}: evidence.ruleset: 这些证据属于规则集“fj2017”，“fj2018”继承自它；"
        "其中的值按 fj2018 的证据读取" in chinese.stderr.splitlines()
    ), chinese.stderr
    # Under its own year it is read without a word.
    own = runner.invoke(cli, ["run", "-c", "provincial", "--year", "2017", "-e", "ev17"])
    assert own.exit_code == 0, own.stderr
    assert "evidence.ruleset" not in own.stderr


def test_evidence_of_a_dropped_unit_or_a_retired_field_is_ignored_with_a_warning_naming_its_files(with_fj2018, tmp_path):
    """The warnings had named the unit or the field alone ("its evidence is ignored"), not the
    files, lines or cells that hold it: an assessor had to search every file for them."""
    import shutil

    import escore_fj2017_website

    runner = with_fj2018
    shutil.copytree(Path(escore_fj2017_website.__file__).parent / "sample" / "county", tmp_path / "county")
    # The dropped unit's unit file first, then each table that holds its rows: a few lines, then how many more.
    places = [str(Path("county", "units", "sanming.meilie.toml"))]
    for table in sorted((tmp_path / "county" / "monitoring").iterdir()):
        lines = [n for n, line in enumerate(table.read_text("utf-8").splitlines(), 1) if line.startswith("sanming.meilie,")]
        if lines:
            more = f" and {len(lines) - 3} more" if len(lines) > 3 else ""
            places.append(f"{Path('county', 'monitoring', table.name)}:{', '.join(map(str, lines[:3]))}{more}")
    assert len(places) > 2
    shown = "; ".join(places[:5]) + (f"; and {len(places) - 5} more file(s)" if len(places) > 5 else "")
    county = runner.invoke(cli, ["run", "-c", "county", "-e", "county"])
    assert county.exit_code == 0, county.stderr
    assert (
        f"escore: warning: sanming.meilie: a unit of fj2017's roster of county, not of fj2018's; its evidence is ignored: {shown}"
        in county.stderr.splitlines()
    )
    # A fields table's row: its file (a row read with the others, by columns, has no line of its own).
    (tmp_path / "extra" / "fields").mkdir(parents=True)
    (tmp_path / "extra" / "fields" / "county.csv").write_text("unit,website.channels.has_app\nsanming.meilie,true\n", "utf-8")
    fields = runner.invoke(cli, ["run", "-c", "county", "-e", "extra", "-e", "county"])
    assert fields.exit_code == 0, fields.stderr
    assert f"its evidence is ignored: {Path('extra', 'fields', 'county.csv')}; {places[0]}; " in fields.stderr
    # A retired field: each unit file that gives it, and a workbook's column by its key's cell.
    retired = (
        "fj2018 no longer reads this field (P-1-2-4 of fj2017 read it; removed or replaced since); its values in the evidence are ignored"
    )
    import escore_fj2017_provincial

    shutil.copytree(Path(escore_fj2017_provincial.__file__).parent / "sample" / "provincial", tmp_path / "provincial")
    units = sorted(p.name for p in (tmp_path / "provincial" / "units").iterdir() if "decisions_total" in p.read_text("utf-8"))
    provincial = runner.invoke(cli, ["run", "-c", "provincial", "-e", "provincial"])
    files = "; ".join(str(Path("provincial", "units", name)) for name in units[:5])
    assert (
        f"escore: warning: provincial.credit.decisions_total: {retired}: {files}; and {len(units) - 5} more file(s)"
        in provincial.stderr.splitlines()
    )
    made = runner.invoke(cli, ["template", "-c", "provincial", "--year", "2017", "-f", "xlsx", "-o", "p17.xlsx", "--evidence-from-sample"])
    assert made.exit_code == 0, made.output
    book = runner.invoke(cli, ["run", "-c", "provincial", "-e", "p17.xlsx"])
    assert f"escore: warning: provincial.credit.decisions_total: {retired}: p17.xlsx: 公共信用数据建设!E3" in book.stderr.splitlines()


def test_a_unit_the_latest_roster_dropped_is_scored_with_the_latest_year_that_has_it_and_says_so(with_fj2018):
    """explain, whatif and appeal add of a unit fj2018 dropped had used fj2017 without a word; with
    --year 2018 (or template --unit) the unit was "no unit …; did you mean 'sanming.mingxi'?"."""
    runner = with_fj2018
    note = "escore: sanming.meilie: using fj2017 (2017), the latest installed ruleset whose roster has it; fj2018 (2018) dropped it"
    explained = runner.invoke(cli, ["explain", "sanming.meilie"])
    assert explained.exit_code == 0, explained.stderr
    assert explained.stdout.startswith("sanming.meilie 梅列区 · fj2017 (2017) · county")
    assert explained.stderr.splitlines() == [note]
    whatif = runner.invoke(cli, ["whatif", "sanming.meilie", "--set", "website.channels.has_app=true"])
    assert whatif.exit_code == 0, whatif.stderr
    assert whatif.stderr.splitlines()[0] == note
    filed = runner.invoke(
        cli, ["appeal", "add", "sanming.meilie", "W-L-5-2-1", "--claim", "a client", "--set", "website.channels.has_app=true"]
    )
    assert filed.exit_code == 0, filed.stderr
    assert filed.stderr.splitlines()[0] == note
    assert filed.stdout.startswith("appeal #1 filed: sanming.meilie W-L-5-2-1 under fj2017 (2017)")
    chinese = runner.invoke(cli, ["explain", "梅列区", "--lang", "zh"])
    assert chinese.stderr.splitlines() == [
        "escore：梅列区：使用名册中仍有此单位的最新已安装规则集 fj2017（2017）；fj2018 (2018) 已将其删除"
    ]
    dropped = (
        "sanming.meilie 梅列区 is a unit of fj2017's roster of county (2017), which fj2018 (2018) dropped; "
        "choose fj2017 with --ruleset fj2017 or --year 2017"
    )
    for args in (["explain", "sanming.meilie", "--year", "2018"], ["explain", "梅列区", "--ruleset", "fj2018"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"escore: error: {dropped}"]
    template = runner.invoke(cli, ["template", "-c", "county", "--unit", "sanming.meilie"])
    assert template.exit_code == 2
    assert template.stderr.splitlines()[-1] == f"escore: error: --unit: {dropped}"
    # A unit the latest roster has is scored with the latest year, as before.
    kept = runner.invoke(cli, ["explain", "sanming.mingxi"])
    assert kept.exit_code == 0 and "fj2018 (2018)" in kept.stdout.splitlines()[0]


def test_a_field_of_a_later_installed_year_is_not_taken_for_a_typo(with_fj2018, tmp_path):
    """fj2018's new field under --year 2017 was "unknown evidence field (did you mean …?)", and
    evidence labelled fj2018 failed on it without the warning that it is fj2018's."""
    import shutil

    import escore_fj2017_provincial

    runner = with_fj2018
    reason = "a field of fj2018 (an installed ruleset) that fj2017 does not read; score this evidence with --ruleset fj2018"
    whatif = runner.invoke(cli, ["whatif", "prov.gat", "--year", "2017", "--set", "provincial.credit.pledges_published=true"])
    assert whatif.exit_code == 2
    assert whatif.stderr.splitlines() == [f"escore: error: --set: provincial.credit.pledges_published: {reason}"]
    typo = runner.invoke(cli, ["whatif", "prov.gat", "--year", "2017", "--set", "provincial.credit.items_provide=3"])
    assert "unknown evidence field (did you mean 'provincial.credit.items_provided'?)" in typo.stderr
    evidence = tmp_path / "ev18"
    shutil.copytree(Path(escore_fj2017_provincial.__file__).parent / "sample" / "provincial", evidence)
    (evidence / "escore-evidence.toml").write_text('[evidence]\nsynthetic = true\nruleset = "fj2018"\n', encoding="utf-8")
    gat = evidence / "units" / "prov.gat.toml"
    gat.write_text(gat.read_text(encoding="utf-8").replace("[provincial.credit]\n", "[provincial.credit]\npledges_published = true\n", 1))
    scored = runner.invoke(cli, ["run", "-c", "provincial", "--year", "2017", "-e", "ev18"])
    assert scored.exit_code == 2
    assert scored.stderr.splitlines() == [
        "escore: warning: ev18/escore-evidence.toml: evidence.ruleset: this evidence is for ruleset 'fj2018', the run is for 'fj2017'; "
        "scored as given",
        f"escore: error: ev18/units/prov.gat.toml: provincial.credit.pledges_published: {reason}",
    ]
    made = runner.invoke(cli, ["template", "-c", "provincial", "-f", "xlsx", "-o", "p18.xlsx", "--evidence-from-sample"])
    assert made.exit_code == 0, made.stderr
    book = runner.invoke(cli, ["run", "-c", "provincial", "--year", "2017", "-e", "p18.xlsx"])
    assert book.exit_code == 2
    assert any(line.endswith(f": provincial.credit.pledges_published: {reason}") for line in book.stderr.splitlines()), book.stderr


def test_the_whatif_commands_a_plan_prints_name_the_year_even_when_it_was_defaulted(with_fj2018):
    """A defaulted year was left out: the command pasted after another year's pack is installed
    scored with that year."""
    import csv
    import io

    runner = with_fj2018
    for args, flag in ((["prov.gat"], "--year 2018"), (["prov.gat", "--year", "2017"], "--year 2017")):
        table = runner.invoke(cli, ["plan", *args])
        assert table.exit_code == 0, table.stderr
        commands = [line.strip() for line in table.stdout.splitlines() if line.strip().startswith("escore whatif ")]
        assert commands and all(c.startswith(f"escore whatif prov.gat {flag} ") for c in commands), commands
    rows = runner.invoke(cli, ["plan", "--all", "-c", "provincial", "-f", "csv"])
    assert rows.exit_code == 0, rows.stderr
    commands = [row["whatif"] for row in csv.DictReader(io.StringIO(rows.stdout))]
    assert commands and all(" -c provincial --year 2018 " in c for c in commands), commands[:3]
    # A --ruleset given is kept as given.
    same_year = runner.invoke(cli, ["plan", "prov.gat", "--ruleset", "fj2017"])
    assert "escore whatif prov.gat --ruleset fj2017 " in same_year.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_new_pack_titles_the_new_year_in_the_base_s_language(work, lang):
    """fj2018's title, which heads its Chinese reports, was English: "fj2018 (2018), extending fj2017"."""
    made = CliRunner().invoke(cli, ["new-pack", "--extends", "fj2017", "--name", "fj2018", "pack", "--lang", lang])
    assert made.exit_code == 0, made.stderr
    plugin = (work / "pack" / "escore_fj2018" / "plugin.py").read_text(encoding="utf-8")
    assert 'Ruleset(RULESET, 2018, "fj2018（2018，继承 fj2017）", document="", extends="fj2017", language="zh"))' in plugin


def test_a_later_year_is_told_of_the_dates_it_inherits_from_the_earlier_assessment(work, monkeypatch):
    """fj2018 inherited 2017's deadlines and the year 2016 of the annual reports without a word:
    new-pack lists them as overrides to uncomment, with 2018's values, and verify warns of each."""
    runner = CliRunner()
    made = runner.invoke(cli, ["new-pack", "--extends", "fj2017", "--name", "fj2018", "pack"])
    assert made.exit_code == 0, made.stderr
    overrides = work / "pack" / "escore_fj2018" / "overrides.py"
    text = overrides.read_text(encoding="utf-8")
    suggested = [
        '# WEBSITE_ANNUAL_REPORT_DEADLINE = parameter("website_annual_report_deadline", dt.date(2018, 3, 31))  # fj2017: 2017-03-31',
        '# WEBSITE_ANNUAL_REPORT_YEAR = parameter("website_annual_report_year", 2017)  # fj2017: 2016',
        '# WEBSITE_SUMMARY_DEADLINE = parameter("website_summary_deadline", dt.date(2018, 11, 15))  # fj2017: 2017-11-15',
    ]
    assert all(line in text.splitlines() for line in suggested)
    monkeypatch.syspath_prepend(str(work / "pack"))
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017_PLUGINS + ",escore_fj2018.plugin")
    monkeypatch.setenv("ESCORE_LANG", "en")
    for module in [m for m in sys.modules if m == "escore_fj2018" or m.startswith("escore_fj2018.")]:
        monkeypatch.delitem(sys.modules, module)  # another test's pack of the same name, imported in this process
    verify = runner.invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "credit"])
    assert verify.exit_code == 0, verify.output
    warned = [line for line in verify.stderr.splitlines() if "is inherited from fj2017" in line]
    assert warned == [
        "escore: warning: website_annual_report_deadline = 2017-03-31 is inherited from fj2017; fj2018 assesses 2018: "
        'replace it with parameter("website_annual_report_deadline", dt.date(2018, 3, 31)) in escore_fj2018.overrides',
        "escore: warning: website_annual_report_year = 2016 is inherited from fj2017; fj2018 assesses 2018: "
        'replace it with parameter("website_annual_report_year", 2017) in escore_fj2018.overrides',
        "escore: warning: website_summary_deadline = 2017-11-15 is inherited from fj2017; fj2018 assesses 2018: "
        'replace it with parameter("website_summary_deadline", dt.date(2018, 11, 15)) in escore_fj2018.overrides',
    ]
    assert "is inherited from" not in runner.invoke(cli, ["verify", "--ruleset", "fj2017", "-k", "credit"]).stderr
    for line in [*suggested, "# import datetime as dt", "# from escore import amend, cite, group, indicator, parameter, remove, Ladder"]:
        text = text.replace(line + "\n", line.removeprefix("# ") + "\n")
    overrides.write_text(text, encoding="utf-8")
    for module in [m for m in sys.modules if m == "escore_fj2018" or m.startswith("escore_fj2018.")]:
        monkeypatch.delitem(sys.modules, module)  # read again
    replaced = runner.invoke(cli, ["verify", "--ruleset", "fj2018", "-k", "credit"])
    assert replaced.exit_code == 0, replaced.output
    assert "is inherited from" not in replaced.stderr


def test_a_golden_case_of_a_unit_the_later_year_dropped_says_so(with_fj2018, tmp_path):
    """An inherited case of a county fj2018's roster dropped suggested another unit ('did you mean
    sanming.mingxi?'); it now names the year that holds the unit and the way to drop the case."""
    from escore import InputError
    from escore._golden import case_target, load_cases
    from escore._plugins import Catalog, make_plugin_manager

    cases = tmp_path / "dropped.golden.toml"
    cases.write_text(
        '[[case]]\nid = "meilie"\ntitle = "a merged county"\ncategory = "county"\nunit = "sanming.meilie"\n[case.expect]\ntotal = "0"\n',
        encoding="utf-8",
    )
    [case] = load_cases(cases)
    catalog = Catalog(make_plugin_manager())
    assert case_target(catalog, case, "fj2017")[2].code == "sanming.meilie"
    with pytest.raises(InputError) as raised:
        case_target(catalog, case, "fj2018")
    assert str(raised.value).endswith(
        "unit: 'sanming.meilie' is a unit of fj2017's roster of county, which fj2018 dropped: "
        "list the case in fj2018's drop=[…], or give the case its unit inline"
    ), str(raised.value)
