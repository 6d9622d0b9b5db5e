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
