"""Several assessment years installed side by side; selection by --year and --ruleset."""

from __future__ import annotations

import types

import pytest
from click.testing import CliRunner

from escore import Category, Roster, Ruleset, Section, UsageError, hookimpl
from escore._plugins import Catalog, make_plugin_manager
from escore_cli import cli


def next_year(name: str, year: int) -> types.ModuleType:
    """A second ruleset for towns that reuses the demo pack's rules (as a new year's pack would)."""
    from escore_demo import evidence, plugin, services, website

    mod = types.ModuleType(f"pack_{name}")

    @hookimpl
    def escore_register_rulesets(register):
        register(Ruleset(name, year, f"Demo {year}"))

    @hookimpl
    def escore_register_categories(register):
        register(Category(name, "town", "Towns", subunits="village"))
        register(Category(name, "village", "Villages"))

    @hookimpl
    def escore_register_sections(register):
        register(Section(name, "town", "services", "Public services", 60, 60, sample_evidence=(plugin.HERE / "sample",)))
        register(Section(name, "town", "website", "Website", 40, 100, sample_evidence=(plugin.HERE / "sample",)))

    @hookimpl
    def escore_register_indicators(register):
        register(services, ruleset=name, sections=[("town", "services")])
        register(website, ruleset=name, sections=[("town", "website")])

    @hookimpl
    def escore_register_fixtures(register):
        register(evidence, ruleset=name)

    @hookimpl
    def escore_register_rosters(register):
        register(Roster(name, "town", Roster.from_toml(plugin.HERE / "roster.toml").units))
        register(Roster(name, "village", Roster.from_toml(plugin.HERE / "villages.toml").units))

    for hook in (
        escore_register_rulesets,
        escore_register_categories,
        escore_register_sections,
        escore_register_indicators,
        escore_register_fixtures,
        escore_register_rosters,
    ):
        setattr(mod, hook.__name__, hook)
    return mod


@pytest.fixture
def two_years():
    from escore_demo import plugin

    return Catalog(make_plugin_manager(autoload=False, extra=[plugin, next_year("demo2025", 2025)]))


def test_the_latest_year_is_the_default_and_the_choice_is_said(two_years):
    notes = []
    two_years.note = notes.append
    assert two_years.choose("town").name == "demo2025"
    assert notes == ["town: using demo2025 (2025), the latest installed; also installed: demo2024 (2024) (choose with --year or --ruleset)"]
    assert two_years.choose("town", year=2024).name == "demo2024"
    assert two_years.choose("town", ruleset="demo2024").year == 2024
    assert len(notes) == 1  # an explicit choice is not remarked on


def test_contradicting_and_unknown_choices_are_usage_errors(two_years):
    with pytest.raises(UsageError, match=r"--year 2025 contradicts --ruleset demo2024, which is the 2024 ruleset"):
        two_years.choose("town", ruleset="demo2024", year=2025)
    with pytest.raises(UsageError, match=r"unknown ruleset 'demo2042'; did you mean 'demo2025'\?"):
        two_years.choose("town", ruleset="demo2042")
    with pytest.raises(
        UsageError, match=r"no installed ruleset scores 'town' for 2052; did you mean '2025'\?; years installed: 2024, 2025"
    ):
        two_years.choose("town", year=2052)
    with pytest.raises(UsageError, match=r"no installed ruleset scores 'town' for 1999; years installed: 2024, 2025$"):
        two_years.choose("town", year=1999)
    with pytest.raises(UsageError, match=r"ruleset 'demo2024' has no category 'twon'; did you mean 'town'\?"):
        two_years.choose("twon", ruleset="demo2024")
    # Nothing close: the rulesets installed (escore verify --ruleset names them alike, through Catalog.named).
    with pytest.raises(UsageError, match=r"^unknown ruleset 'fj1999'; installed: demo2024, demo2025$"):
        two_years.choose("town", ruleset="fj1999")
    with pytest.raises(UsageError, match=r"^unknown ruleset 'fj1999'; installed: none$"):
        Catalog(make_plugin_manager(autoload=False, extra=[])).named("fj1999")


def test_two_rulesets_claiming_the_same_year_are_a_clear_error():
    from escore_demo import plugin

    catalog = Catalog(make_plugin_manager(autoload=False, extra=[plugin, next_year("demo2024b", 2024)]))
    with pytest.raises(
        UsageError, match=r"rulesets demo2024 \(2024\), demo2024b \(2024\) both claim category 'town' for 2024; choose one with --ruleset"
    ):
        catalog.choose("town", year=2024)


def test_cli_year_option(monkeypatch):
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,tests.plugin_demo2025")
    runner = CliRunner()
    latest = runner.invoke(cli, ["run", "-c", "town"])
    assert latest.exit_code == 0, latest.stderr
    assert latest.stdout.startswith("escore · demo2025 (2025) · town Towns · 4 units")
    assert "escore: town: using demo2025 (2025), the latest installed; also installed: demo2024 (2024)" in latest.stderr
    contradiction = runner.invoke(cli, ["run", "-c", "town", "--year", "2024", "--ruleset", "demo2025"])
    assert contradiction.exit_code == 2
    assert (
        contradiction.stderr == "escore: error: --year 2024 contradicts --ruleset demo2025, which is the 2025 ruleset; give one of them\n"
    )
    chosen = runner.invoke(cli, ["run", "-c", "town", "--year", "2025"])
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout.startswith("escore · demo2025 (2025) · town Towns · 4 units")


@pytest.mark.parametrize(
    ("installed", "typed", "meant"),
    [
        ({"fj2017": 2017, "fj2018": 2018}, 2016, "2017"),
        ({"fj2017": 2017, "fj2019": 2019}, 2018, "2017"),  # a tie: the earlier
        ({"fj2017": 2017, "fj2018": 2018}, 2019, "2018"),
    ],
)
def test_an_unknown_year_or_ruleset_suggests_the_nearest_year(installed, typed, meant):
    """--year 2016 had suggested 2018 (and --ruleset fj2016 fj2018) where 2017 is installed."""
    from escore_demo import plugin

    catalog = Catalog(make_plugin_manager(autoload=False, extra=[plugin, *(next_year(n, y) for n, y in installed.items())]))
    with pytest.raises(UsageError, match=rf"^no installed ruleset is of {typed}; did you mean '{meant}'\?$"):
        catalog.check_year(typed)
    with pytest.raises(UsageError, match=rf"^no installed ruleset scores 'town' for {typed}; did you mean '{meant}'\?;"):
        catalog.choose("town", year=typed)
    with pytest.raises(UsageError, match=rf"^unknown ruleset 'fj{typed}'; did you mean 'fj{meant}'\?$"):
        catalog.named(f"fj{typed}")
