"""The cache of parsed TOML evidence: same data as a fresh parse, robust to damage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from escore._cache import TomlCache
from escore._toml import read_toml

DOCUMENT = b'[a]\nrate = 0.50\nwhen = 2017-11-15\ngrade = { points = 4.5, reason = "ok" }\nitems = ["x", "y"]\n'


def test_a_cached_document_equals_a_fresh_parse(tmp_path):
    evidence = tmp_path / "u.toml"
    evidence.write_bytes(DOCUMENT)
    fresh = read_toml(evidence)
    assert fresh["a"]["rate"] == Decimal("0.50") and fresh["a"]["when"] == dt.date(2017, 11, 15)
    calls = []

    def parse(raw):
        calls.append(raw)
        return read_toml(evidence)

    cache = TomlCache(tmp_path / "cache" / "toml.marshal")
    assert cache.parse(DOCUMENT, parse) == fresh
    cache.save()
    again = TomlCache(tmp_path / "cache" / "toml.marshal")
    hit = again.parse(DOCUMENT, parse)
    assert hit == fresh and str(hit["a"]["rate"]) == "0.50"
    assert len(calls) == 1  # the second process did not parse


def test_a_damaged_cache_is_ignored(tmp_path):
    target = tmp_path / "toml.marshal"
    target.write_bytes(b"not marshal data")
    evidence = tmp_path / "u.toml"
    evidence.write_bytes(DOCUMENT)
    assert TomlCache(target).parse(DOCUMENT, lambda raw: read_toml(evidence)) == read_toml(evidence)


def test_cache_can_be_switched_off(monkeypatch):
    from escore._cache import cache_path

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    assert cache_path() is None


def test_a_checked_evidence_set_is_reused_and_equals_a_fresh_load(demo_catalog, tmp_path, monkeypatch):
    import shutil

    from escore import _cache, _load

    from .conftest import DEMO

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    evidence = tmp_path / "evidence"
    shutil.copytree(DEMO / "escore_demo" / "sample", evidence)
    plan = demo_catalog.plan("demo2024", "town")
    units, known, subs = (
        ["east", "north", "south", "west"],
        ["east", "north", "south", "south.a", "south.b", "west"],
        ["south.a", "south.b"],
    )
    args = ([evidence], plan, units, known, demo_catalog.loaders, subs)
    fresh = _load._load_evidence(*args)
    assert _load.load_evidence(*args) == fresh  # a miss: loaded, then kept
    assert len(list((tmp_path / "cache").glob("evidence-*.marshal"))) == 1

    calls = []
    real = _load._load_evidence

    def counting(*a):
        calls.append(a)
        return real(*a)

    monkeypatch.setattr(_load, "_load_evidence", counting)
    hit = _load.load_evidence(*args)
    assert hit == fresh and calls == []  # a hit: decoded, not loaded
    assert hit.values["north"]["service_reply_rate"] == Decimal(100)

    before = _cache.evidence_key([evidence], plan, units, known, subs, demo_catalog.loaders)
    unit = evidence / "units" / "north.toml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("reply_rate = 100", "reply_rate = 90"), encoding="utf-8")
    assert _cache.evidence_key([evidence], plan, units, known, subs, demo_catalog.loaders) != before
    changed = _load.load_evidence(*args)
    assert len(calls) == 1  # the changed file changed the key: loaded again
    assert changed.values["north"]["service_reply_rate"] == Decimal(90)


def test_a_plugin_reader_disables_the_evidence_cache(demo_plan):
    from escore import EvidenceLoader
    from escore._cache import evidence_key

    loaders = {".toml": EvidenceLoader(".toml", "unit", lambda path: {})}
    assert evidence_key([], demo_plan, [], [], [], loaders) is None
