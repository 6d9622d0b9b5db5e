"""Shared fixtures: the demo pack, loaded explicitly rather than through entry points."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-pack"

# The demo pack is the README's example; tests import it from the source tree so
# that they do not depend on it being installed.
if str(DEMO) not in sys.path:
    sys.path.insert(0, str(DEMO))


@pytest.fixture(scope="session")
def demo_catalog():
    from escore._plugins import Catalog, make_plugin_manager
    from escore_demo import plugin

    return Catalog(make_plugin_manager(autoload=False, extra=[plugin]))


@pytest.fixture(scope="session")
def demo_plan(demo_catalog):
    return demo_catalog.plan("demo2024", "town")


@pytest.fixture
def no_autoload(monkeypatch):
    """Only the demo pack, whatever is installed: the CLI reads these variables."""
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin")
    monkeypatch.delenv("ESCORE_BLOCKED_PLUGINS", raising=False)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Tests never write to the user's cache of parsed evidence."""
    import os

    saved = os.environ.get("ESCORE_CACHE_DIR")
    os.environ["ESCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("escore-cache"))
    yield
    if saved is None:
        os.environ.pop("ESCORE_CACHE_DIR", None)
    else:
        os.environ["ESCORE_CACHE_DIR"] = saved


@pytest.fixture(scope="session", autouse=True)
def _stores(tmp_path_factory):
    """The tests' stores; a session-wide one for fixtures wider than a test."""
    import os

    directory = tmp_path_factory.mktemp("escore-stores")
    saved = os.environ.get("ESCORE_DB")
    os.environ["ESCORE_DB"] = str(directory / "session.db")
    yield directory
    if saved is None:
        os.environ.pop("ESCORE_DB", None)
    else:
        os.environ["ESCORE_DB"] = saved


@pytest.fixture(autouse=True)
def private_store(_stores, request, monkeypatch):
    """Each test has a store of its own, never the user's ($ESCORE_DB, ~/.local/share/escore):
    an appeal accepted there had applied to the tests' runs, and failed them."""
    import hashlib

    name = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    monkeypatch.setenv("ESCORE_DB", str(_stores / f"{name}.db"))


@pytest.fixture(scope="session", autouse=True)
def english_by_default():
    """Tests read English unless they ask for another language (--lang, or ESCORE_LANG themselves):
    the fj2017 packs default to Chinese, and the assertions were written against the English lines."""
    import os

    saved = os.environ.get("ESCORE_LANG")
    os.environ["ESCORE_LANG"] = "en"
    yield
    if saved is None:
        os.environ.pop("ESCORE_LANG", None)
    else:
        os.environ["ESCORE_LANG"] = saved


@pytest.fixture(autouse=True)
def english_afterwards():
    """Every test leaves escore speaking English, as it found it: a command run in-process gives
    back the language it found (escore_cli._common.reports_errors), and a test that chooses one
    itself (escore.use_language, escore._i18n.use) restores it. A test that does not fails here,
    rather than the tests after it."""
    yield
    from escore._i18n import in_use, use

    left = in_use()
    if left[0] != "en":
        use("en")
        pytest.fail(f"the test left escore speaking {left[0]!r}", pytrace=False)


def load_sample(catalog, category):
    """A fj2017 category's plan, roster, sample evidence (loaded and checked) and sub-units by parent."""
    from escore._load import load_evidence
    from escore._session import children_of

    plan = catalog.plan("fj2017", category)
    units = catalog.roster("fj2017", category)
    codes = [u.code for u in units]
    data = load_evidence(catalog.sample_evidence(plan), plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders)
    return plan, units, data, children_of(catalog, plan)


#: The fj2017 packs' plugins, by module: what a test loads when its expectations name the
#: installed rulesets or their language, whatever else is installed (the README's demo pack, a
#: scaffolded year).
FJ2017_PLUGINS = "escore_fj2017_provincial.plugin,escore_fj2017_city.plugin,escore_fj2017_website.plugin"
#: Every (category, section) of the fj2017 packs: where a later year's one overrides module is
#: attached, as ``escore new-pack`` attaches it.
FJ2017_SECTIONS = [
    ("city", "comprehensive"),
    ("city", "website"),
    ("county", "website"),
    ("provincial", "comprehensive"),
    ("provincial", "website"),
]


@pytest.fixture
def fj2017_only(monkeypatch):
    """The fj2017 packs alone, whatever else is installed."""
    monkeypatch.setenv("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("ESCORE_PLUGINS", FJ2017_PLUGINS)
    monkeypatch.delenv("ESCORE_BLOCKED_PLUGINS", raising=False)


@pytest.fixture
def work(tmp_path, monkeypatch, fj2017_only):
    """A scratch working directory where the fj2017 packs alone are loaded (whatever else is
    installed) and the cache is the test's own."""
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
