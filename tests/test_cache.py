"""The cache of parsed TOML evidence: same data as a fresh parse, robust to damage."""

from __future__ import annotations

import datetime as dt
import marshal
import os
import shutil
from decimal import Decimal

import pytest

from escore import InputError
from escore._toml import read_toml
from escore._toml_cache import TomlCache

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


def test_a_run_decodes_only_the_documents_it_reads(tmp_path, monkeypatch):
    """The file holds every document parsed before (an earlier run's unit files); a run that
    reads one of them decodes that one, not the whole file."""
    from escore import _toml_cache

    documents = [b"n = %d\nrate = 0.%d5\n" % (i, i) for i in range(40)]
    first = TomlCache(tmp_path / "toml.marshal")
    for raw in documents:
        first.parse(raw, lambda data: read_toml_bytes(data, tmp_path))
    first.save()

    decoded = []
    monkeypatch.setattr(_toml_cache, "_decode", lambda value: decoded.append(value) or value)
    again = TomlCache(tmp_path / "toml.marshal")
    assert again.parse(documents[7], lambda data: pytest.fail("parsed again")) == {"n": 7, "rate": ("d", "0.75")}
    assert len(again.entries) == 40 and all(type(kept) is bytes for kept in again.entries.values())
    assert decoded == [{"n": 7, "rate": ("d", "0.75")}]


def read_toml_bytes(raw: bytes, directory) -> dict:
    path = directory / "doc.toml"
    path.write_bytes(raw)
    return read_toml(path)


def test_a_damaged_cache_is_ignored(tmp_path):
    target = tmp_path / "toml.marshal"
    target.write_bytes(b"not marshal data")
    evidence = tmp_path / "u.toml"
    evidence.write_bytes(DOCUMENT)
    assert TomlCache(target).parse(DOCUMENT, lambda raw: read_toml(evidence)) == read_toml(evidence)


def test_cache_can_be_switched_off(monkeypatch):
    from escore._toml_cache import cache_path

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    assert cache_path() is None


def _demo_town(demo_catalog, tmp_path):
    """A copy of the demo pack's sample evidence, the town plan, and its unit, known and sub-unit codes."""
    from .conftest import DEMO

    evidence = tmp_path / "evidence"
    shutil.copytree(DEMO / "escore_demo" / "sample", evidence)
    units, known, subs = (
        ["east", "north", "south", "west"],
        ["east", "north", "south", "south.a", "south.b", "west"],
        ["south.a", "south.b"],
    )
    return evidence, demo_catalog.plan("demo2024", "town"), units, known, subs


def test_a_checked_evidence_set_is_reused_and_equals_a_fresh_load(demo_catalog, tmp_path, monkeypatch):
    from escore import _evidence_cache, _load

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    evidence, plan, units, known, subs = _demo_town(demo_catalog, tmp_path)
    args = ([evidence], plan, units, known, demo_catalog.loaders, subs)
    fresh = _load._load_evidence(*args)
    assert _load.load_evidence(*args) == fresh  # a miss: loaded, then kept
    assert len(list((tmp_path / "cache").glob("evidence-*.marshal"))) == 1

    calls = []
    real = _load._load_evidence

    def counting(*a, **k):
        calls.append(a)
        return real(*a, **k)

    monkeypatch.setattr(_load, "_load_evidence", counting)
    hit = _load.load_evidence(*args)
    assert hit == fresh and calls == []  # a hit: decoded, not loaded
    assert hit.values["north"]["service_reply_rate"] == Decimal(100)

    before = _evidence_cache.evidence_key([evidence], plan, units, known, subs)
    unit = evidence / "units" / "north.toml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("reply_rate = 100", "reply_rate = 90"), encoding="utf-8")
    assert _evidence_cache.evidence_key([evidence], plan, units, known, subs) != before
    changed = _load.load_evidence(*args)
    assert len(calls) == 1  # the changed file changed the key: loaded again
    assert changed.values["north"]["service_reply_rate"] == Decimal(90)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_cached_set_with_a_damaged_record_is_parsed_again(demo_catalog, tmp_path, monkeypatch, damage):
    """Each record of a cached evidence set carries its CRC-32 and is checked as it is read (the
    set has no seal over the whole file): a byte changed in any record's body, or a file cut
    short, is never decoded; the evidence is parsed again, whole or a share at a time, and
    gives what a fresh load gives."""
    from escore import _evidence_cache, _load

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    evidence, plan, units, known, subs = _demo_town(demo_catalog, tmp_path)
    args = ([evidence], plan, units, known, demo_catalog.loaders, subs)
    fresh = _load._load_evidence(*args)
    assert _load.load_evidence(*args) == fresh
    (entry,) = (tmp_path / "cache").glob("evidence-*.marshal")
    key = entry.name[len("evidence-") : -len(".marshal")]
    good = entry.read_bytes()
    position, bodies = 0, []
    while position < len(good):  # each record: its length, its CRC-32, its body
        size = int.from_bytes(good[position : position + 8], "little")
        bodies.append((position + 12, size))
        position += 12 + size
    assert position == len(good) and len(bodies) > 3
    assert _evidence_cache.load_evidence_set(key, plan) == fresh
    for start, size in [bodies[0], bodies[len(bodies) // 2], bodies[-1]]:
        damaged = bytearray(good)
        if damage == "flip":
            damaged[start + size // 2] ^= 0x01  # one bit of the record's body
        else:
            damaged = damaged[: start + size - 1]
        entry.write_bytes(bytes(damaged))
        os.chmod(entry, 0o600)
        assert _evidence_cache.load_evidence_set(key, plan) is None
        deferred = _load.defer_evidence(*args)
        if deferred is not None:  # the head read: the shares' records are checked as each is decoded
            _, later = deferred
            assert later.part(["north"]).values["north"] == fresh.values["north"]
            assert later.whole() == fresh
        assert _load.load_evidence(*args) == fresh
        entry.write_bytes(good)
        os.chmod(entry, 0o600)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_of_several_processes_saves_its_set_aside_and_waits_for_it(demo_catalog, tmp_path, monkeypatch, jobs):
    """With two processes (``jobs``) the checked set is saved by a forked process while the run
    goes on; the same set opened by this process waits for it, and is then a hit. With one, this
    process saves it."""
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    from escore import _evidence_cache, _load

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    evidence, plan, units, known, subs = _demo_town(demo_catalog, tmp_path)
    args = ([evidence], plan, units, known, demo_catalog.loaders, subs)
    savers = tmp_path / "savers"
    real_save = _evidence_cache.save_evidence_set

    def slow_save(key, found):
        with savers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        __import__("time").sleep(0.3)  # not written yet when this process opens the set
        real_save(key, found)

    monkeypatch.setattr(_evidence_cache, "save_evidence_set", slow_save)
    fresh = _load.load_evidence(*args, jobs=jobs)
    calls = []
    real = _load._load_evidence
    monkeypatch.setattr(_load, "_load_evidence", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert _load.load_evidence(*args, jobs=jobs) == fresh and calls == []  # decoded: it waited for the save
    assert _evidence_cache._saving == {}
    (saver,) = map(int, savers.read_text().split())
    assert (saver != os.getpid()) is (jobs > 1)


def test_a_set_saved_aside_is_reaped_once_done_before_the_next_is_saved(tmp_path, monkeypatch):
    """A long program that loads many sets leaves no finished saving process behind."""
    import time

    from escore import _evidence_cache

    if not hasattr(os, "fork") or not hasattr(os, "waitid"):
        pytest.skip("needs os.fork and os.waitid")
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_evidence_cache, "save_evidence_set", lambda key, evidence: None)
    _evidence_cache.save_evidence_set_aside("first", None)
    first = _evidence_cache._saving["first"]
    waited = time.monotonic()  # until it has ended, without reaping it here (WNOWAIT)
    while os.waitid(os.P_PID, first, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None and time.monotonic() - waited < 10:
        time.sleep(0.01)
    _evidence_cache.save_evidence_set_aside("second", None)
    assert set(_evidence_cache._saving) == {"second"}
    with pytest.raises(ChildProcessError):
        os.waitpid(first, os.WNOHANG)  # reaped: no zombie left
    _evidence_cache.wait_for_saves()
    assert _evidence_cache._saving == {}


def test_the_command_ends_once_its_set_saved_aside_is_written(tmp_path):
    """The escore script waits for the process saving its set before it ends: the next run finds it."""
    import subprocess
    import sys

    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    script = (
        "import sys, time\n"
        "from escore import _evidence_cache\n"
        "real = _evidence_cache.save_evidence_set\n"
        "_evidence_cache.save_evidence_set = lambda key, found: (time.sleep(1.0), real(key, found))\n"
        "from escore_cli import script\n"
        "sys.argv = ['escore', 'run', '-c', 'provincial', '-f', 'csv', '--jobs', '2', '-o', sys.argv[1]]\n"
        "script()\n"
    )
    env = {**os.environ, "ESCORE_CACHE_DIR": str(tmp_path / "cache")}
    # No pipe for its output: a process left behind holding one would be waited for here too.
    with (tmp_path / "stderr.txt").open("w") as stderr:
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out.csv")], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    assert done.returncode == 0, (tmp_path / "stderr.txt").read_text()
    assert len(list((tmp_path / "cache").glob("evidence-*.marshal"))) == 1


def test_evidence_changed_while_it_is_read_is_not_kept(demo_catalog, tmp_path, monkeypatch):
    """Kept under the key of what was read: a unit file saved between the key and the read would
    otherwise come back from the cache for the earlier bytes."""
    import os

    from escore import _load

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    evidence, plan, units, known, subs = _demo_town(demo_catalog, tmp_path)
    args = ([evidence], plan, units, known, demo_catalog.loaders, subs)
    unit = evidence / "units" / "north.toml"
    real = _load._load_evidence

    def saved_meanwhile(*a, **k):
        unit.write_text(unit.read_text(encoding="utf-8").replace("reply_rate = 100", "reply_rate = 90"), encoding="utf-8")
        os.utime(unit, ns=(1, 1))  # another modification time, whatever the clock's resolution
        return real(*a, **k)

    monkeypatch.setattr(_load, "_load_evidence", saved_meanwhile)
    assert _load.load_evidence(*args).values["north"]["service_reply_rate"] == Decimal(90)
    assert not list(cache.glob("evidence-*.marshal"))


def test_a_plugin_reader_disables_the_evidence_cache(demo_plan, demo_catalog, tmp_path, monkeypatch):
    from escore import EvidenceLoader
    from escore._load import _evidence_key

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    assert _evidence_key([], demo_plan, [], [], demo_catalog.loaders, []) is not None  # escore's own readers: cached
    loaders = {**demo_catalog.loaders, ".toml": EvidenceLoader(".toml", "unit", lambda path: {})}
    assert _evidence_key([], demo_plan, [], [], loaders, []) is None


def _exactly(evidence):
    """Every value with its type and exponent (repr), in the set's own order of units and fields."""
    values = [(code, repr(list(evidence.values[code].items()))) for code in evidence.values]
    tables = {name: [(code, repr(rows)) for code, rows in by_unit.items()] for name, by_unit in evidence.tables.items()}
    return values, tables, dict(evidence.files), evidence.synthetic, evidence.notes, evidence.sources, evidence.warnings


@pytest.mark.parametrize(("category", "columnar"), [("provincial", False), ("city", False), ("county", False), ("provincial", True)])
def test_a_cached_sample_set_decodes_to_exactly_the_parsed_one(category, columnar, tmp_path, monkeypatch):
    """Column by column (escore._cache): the same values, types, exponents, order and sharing."""
    from escore import _load
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    catalog = Catalog(make_plugin_manager())
    plan = catalog.plan("fj2017", category)
    from escore._session import children_of

    codes = [u.code for u in catalog.roster("fj2017", category)]
    subs = [c.code for kids in children_of(catalog, plan).values() for c in kids]
    paths = catalog.sample_evidence(plan)
    if columnar:  # a fields table: one parsed object per distinct text of a column, to be kept shared
        from .test_columnar import columnar_copy

        paths = [columnar_copy(paths[0], tmp_path / "columnar")]
    args = (paths, plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders, subs)
    fresh = _load._load_evidence(*args)
    from escore import _evidence_cache

    tags: list[str] = []
    column = _evidence_cache._column
    monkeypatch.setattr(_evidence_cache, "_column", lambda values, enc: tags.append(column(values, enc)[0]) or column(values, enc))
    _load.load_evidence(*args)  # kept
    if category == "provincial":  # dates a row may lack (fixed, rectified, done): decoded as columns, not value by value
        assert "t?" in tags, sorted(set(tags))
    real = _load._load_evidence
    monkeypatch.setattr(_load, "_load_evidence", lambda *a, **k: pytest.fail("the cache was not used"))
    cached = _load.load_evidence(*args)
    monkeypatch.setattr(_load, "_load_evidence", real)
    assert _exactly(cached) == _exactly(fresh)
    # Values are shared as much as the loaders share them (one object per distinct text of a
    # column); a unit without rows has the one empty tuple, which the batch groups on.
    for name in {n for v in fresh.values.values() for n in v}:
        kept = [v[name] for v in map(cached.values.get, codes) if name in v]
        parsed = [v[name] for v in map(fresh.values.get, codes) if name in v]
        assert len(set(map(id, kept))) <= len(set(map(id, parsed))), name
    for name, by_unit in cached.tables.items():
        assert all(rows or id(rows) == id(()) for rows in by_unit.values())
        kept = [row for rows in by_unit.values() for row in rows]
        parsed = [row for rows in fresh.tables[name].values() for row in rows]
        for column in range(len(kept[0]) if kept else 0):
            # Plain values (texts) are shared within a record (marshal's own references), and a
            # table's units without fields (a city's counties) have records of their own.
            for group in (True, False):
                ids = {id(row[column]) for row in kept if (row[0] in fresh.values) is group}
                assert len(ids) <= len({id(row[column]) for row in parsed if (row[0] in fresh.values) is group}), (name, column)


def test_a_column_is_tagged_by_the_types_it_holds():
    from escore._evidence_cache import _column, _enc
    from escore._score import Grade

    day, amount, grade = dt.date(2017, 3, 1), Decimal("1.50"), Grade(Decimal("2"), "good")
    assert _column(["a", 1, True, None], _enc) == ("", ["a", 1, True, None])
    assert _column([amount, amount], _enc) == ("d", ["1.50", "1.50"])
    assert _column([day, None], _enc) == ("t?", ["2017-03-01", None])
    assert _column([None, amount], _enc) == ("d?", [None, "1.50"])
    assert _column([day, amount], _enc) == ("*", [("t", "2017-03-01"), ("d", "1.50")])
    assert _column([grade, None], _enc) == ("*", [("g", "2", "good"), None])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("units_with_fields", [0, 3, 1031])
@pytest.mark.parametrize("listed_by_unit", [True, False])
def test_a_tables_records_follow_the_fields_records_and_keep_its_own_order(seed, units_with_fields, listed_by_unit):
    """_aligned against its definition, unit by unit: a record per slice of the fields' units
    that the table has (in the table's order within it), then units without fields in records
    of their own; and the table's order as positions among those records' units."""
    import random
    from array import array

    from escore._evidence_cache import _RECORD_UNITS, _aligned

    rng = random.Random(seed)
    codes = [f"u{i}" for i in range(units_with_fields)]
    slice_of = {code: position // _RECORD_UNITS for position, code in enumerate(codes)}
    units = [code for code in codes if rng.random() < 0.8] + [f"other{i}" for i in range(rng.choice([0, 2, _RECORD_UNITS + 1]))]
    if not listed_by_unit:  # listed by date, say: not in the fields' order
        rng.shuffle(units)
    parts, order = _aligned(slice_of, dict.fromkeys(units, ()))

    expected: list[tuple[int | None, list[str]]] = []
    for number in sorted({slice_of[code] for code in units if code in slice_of}):
        expected.append((number, [code for code in units if slice_of.get(code) == number]))
    rest = [code for code in units if code not in slice_of]
    expected += [(None, rest[start : start + _RECORD_UNITS]) for start in range(0, len(rest), _RECORD_UNITS)]
    assert parts == expected
    aligned = [code for _, part in parts for code in part]
    positions = array("I")
    positions.frombytes(order)
    assert (order == b"") == (aligned == units)
    assert [aligned[i] for i in positions] == (units if order else [])


def test_the_cached_set_a_run_opened_is_closed_when_decoded_whole_or_dropped(tmp_path, monkeypatch):
    """The file a run opens (its seal checked once) is closed once the whole set is decoded, and
    otherwise when the run drops it: never left open for the interpreter to find at exit."""
    import gc

    from escore import _load
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    catalog = Catalog(make_plugin_manager())
    plan = catalog.plan("fj2017", "provincial")
    codes = [u.code for u in catalog.roster("fj2017", "provincial")]
    args = (catalog.sample_evidence(plan), plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders)
    _load.load_evidence(*args)  # kept in the cache
    head, later = _load.defer_evidence(*args)
    stream = later._cached._stream
    assert repr(later.part(codes[:2]).values.get(codes[0])) == repr(_load.load_evidence(*args).values.get(codes[0]))
    assert not stream.closed
    later.whole()
    assert stream.closed
    head, later = _load.defer_evidence(*args)
    stream = later._cached._stream
    later.part(codes[:2])
    del head, later
    gc.collect()
    assert stream.closed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
@pytest.mark.parametrize("category", ["city", "county", "provincial"])
def test_a_first_pass_in_many_parts_gives_the_summaries_of_one_process(tmp_path, monkeypatch, category):
    """Parts taken by whichever process is free (escore._parallel.balanced), each decoding its
    own units from the cache, column by column: the summaries and counts of one process."""
    from escore import _batch, _evidence_cache, _load, _stream
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_evidence_cache, "_RECORD_UNITS", 7)
    catalog = Catalog(make_plugin_manager())
    one = run_category(catalog, category, lazy=True, jobs=1, explain=False)  # parsed, then kept in the cache
    units = len(one.units.summaries)
    block = max(1, units // 9)  # 10 blocks or so (1 unit each in the city's 10), each in columns
    monkeypatch.setattr(_batch, "BLOCK_UNITS", block)
    monkeypatch.setattr(_batch, "FROM_UNITS", 1)
    parts = []
    real_shares, real_part = _stream.shares, _load.DeferredEvidence.part
    monkeypatch.setattr(_stream, "shares", lambda units, jobs: parts.append(len(real_shares(units, jobs))) or real_shares(units, jobs))
    decoded = []
    monkeypatch.setattr(_load.DeferredEvidence, "part", lambda self, codes: decoded.append(os.getpid()) or real_part(self, codes))
    many = run_category(catalog, category, lazy=True, jobs=2, explain=False)
    assert parts == [-(-units // block)] and parts[0] >= 8  # a part per block
    assert decoded and set(decoded) == {os.getpid()}  # this process took parts (the other's are not seen here)
    assert [repr(s) for s in many.units.summaries] == [repr(s) for s in one.units.summaries]
    assert (many.counts, many.ranks) == (one.counts, one.ranks)


@pytest.mark.parametrize("category", ["provincial", "city", "county"])
def test_deferred_evidence_decodes_a_share_of_units_and_scores_as_loaded_whole(category, tmp_path, monkeypatch):
    """A streamed run on cached evidence decodes it in the processes that score (each its share,
    sub-units' rows included for a roll-up); the summaries, counts and detail are those of a run
    that loaded the evidence whole, and a share has exactly the whole set's values of its units."""
    from escore import _evidence_cache, _load
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of, other_units, run_category

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_evidence_cache, "_RECORD_UNITS", 7)  # many records, so that a share skips some
    catalog = Catalog(make_plugin_manager())

    def shown(result):
        summaries = [(s.unit.code, repr(s[1:])) for s in result.units.summaries]
        detail = [repr(unit) for unit in result.units]
        return summaries, detail, result.ranks, result.counts, result.synthetic, result.notes, result.evidence, result.stamp

    first_run = run_category(catalog, category, lazy=True, jobs=2, explain=False)  # parsed, then kept in the cache
    kept_summaries = first_run.units.summaries
    whole = shown(first_run)
    deferred = []
    real = _load.DeferredEvidence.part
    monkeypatch.setattr(_load.DeferredEvidence, "part", lambda self, codes: deferred.append(len(codes)) or real(self, codes))
    assert shown(run_category(catalog, category, lazy=True, jobs=2, explain=False)) == whole
    units = catalog.roster("fj2017", category)
    plan = catalog.plan("fj2017", category)
    codes = [u.code for u in units]
    children = children_of(catalog, plan)
    subs = [c.code for kids in children.values() for c in kids]
    # This process decoded the share it took, units and their sub-units (the other process,
    # the other share; which takes which is whichever is first, and on a loaded machine either
    # may take both before the other has started): a share at a time, never the whole set.
    halves = units[: len(units) // 2], units[len(units) // 2 :]
    shares = [len(half) + sum(len(children.get(u.code, ())) for u in half) for half in halves]
    assert sorted(deferred) in [[], *([share] for share in shares), sorted(shares)], deferred
    # The detail shared out over forked processes: a block of whole records at a time, in the
    # evidence's order (test_parallel), never the whole set at once, in any process.
    from escore._builtin_formats import unit_texts

    decoded = tmp_path / "decoded"
    load_set = _evidence_cache.CachedEvidence.load

    def load_logged(self, plan, only=None, *, head_only=False):
        if only is None and not head_only:
            with decoded.open("a") as log:
                log.write(f"{os.getpid()}\n")
        return load_set(self, plan, only, head_only=head_only)

    monkeypatch.setattr(_evidence_cache.CachedEvidence, "load", load_logged)
    again = run_category(catalog, category, lazy=True, jobs=2, explain=False)
    texts = list(unit_texts(again, lambda unit, first: repr(unit)))
    assert all(repr(u.code) in "".join(texts) for u in units) and not decoded.exists()
    kept = run_category(catalog, category, lazy=False, explain=False)  # evidence loaded whole, every result kept
    assert ([repr(unit) for unit in kept.units], kept.ranks) == (whole[1], whole[2])
    # Explanations kept (the JSON and TOML formats): deferred as well, a share in each process.
    deferred.clear()
    explained = run_category(catalog, category, lazy=True, jobs=2)
    assert deferred in [[len(half) + sum(len(children.get(u.code, ())) for u in half)] for half in halves]
    assert [s[1:6] for s in explained.units.summaries] == [s[1:6] for s in kept_summaries]
    # Written from its detail, an explained run's summaries carry no texts; one without explanations does.
    assert all(s.texts == () for s in explained.units.summaries) and all(s.texts for s in kept_summaries)
    args = (catalog.sample_evidence(plan), plan, codes, catalog.all_unit_codes("fj2017"), catalog.loaders, subs)
    checked = other_units(catalog, plan)  # as the runs read it: the same cache entry
    full = _load.load_evidence(*args, others=checked)
    head, later = _load.defer_evidence(*args, others=checked)
    assert (dict(head.files), head.synthetic, head.notes) == (dict(full.files), full.synthetic, full.notes)
    assert not list(head.values) and head.tables == {}
    share = codes[:3]
    part = real(later, share)
    for code in share:
        assert repr(part.values.get(code)) == repr(full.values.get(code))
        assert all(repr(part.tables[name].get(code)) == repr(rows.get(code)) for name, rows in full.tables.items())
    assert codes[-1] not in part.values  # a record of other units only is not decoded
    # Records of other units are skipped unread: a process's first share reads the head and
    # each record of units once (the layout), then the body of each record holding a wanted
    # unit; a later share only the bodies it wants.
    calls = {"next": 0, "skip": 0, "at": 0}
    methods = {name: getattr(_evidence_cache._Records, name) for name in calls}
    for name, method in methods.items():
        monkeypatch.setattr(
            _evidence_cache._Records,
            name,
            lambda self, *args, method=method, name=name: calls.__setitem__(name, calls[name] + 1) or method(self, *args),
        )
    head, fresh = _load.defer_evidence(*args, others=checked)
    first_calls = dict(calls)
    real(fresh, share)
    first_calls = {name: calls[name] - first_calls[name] for name in calls}
    calls.update(dict.fromkeys(calls, 0))
    real(fresh, codes[-3:])
    later_calls = dict(calls)
    for name, method in methods.items():
        monkeypatch.setattr(_evidence_cache._Records, name, method)
    (entry,) = (tmp_path / "cache").glob("evidence-*")
    data, position, units_of_records = entry.read_bytes(), 0, []
    while position < len(data):  # the file's records: the head, then each record's units and body
        size = int.from_bytes(data[position : position + 8], "little")  # then its CRC-32, 4 bytes
        units_of_records.append(marshal.loads(data[position + 12 : position + 12 + size]))
        position += 12 + size
    heads = units_of_records[1::2]
    slices, table_heads = heads[: units_of_records[0][7]], heads[units_of_records[0][7] :]
    assert len(slices) >= 2 and len(table_heads) > len(full.tables) and sum(map(len, slices)) >= len(codes)
    # A table's record holds units of one record of fields (aligned: a share decodes no record
    # beyond its units' slices), or units without fields (number None), tested on their own.
    assert all(number is None or set(units) <= set(slices[number]) for _, number, units in table_heads)
    assert any(number is not None for _, number, _ in table_heads)

    def wanted(share):
        hit = [not set(share).isdisjoint(units) for units in slices]
        tables = sum(hit[number] if number is not None else not set(share).isdisjoint(units) for _, number, units in table_heads)
        return sum(hit), tables

    fields, rows = wanted(share)
    assert 0 < fields < len(slices) and 0 < rows < len(table_heads)
    # The head, decoded by defer_evidence, is skipped. "at" reads its record with "next": a
    # record of fields is read at its body, a record of rows at its units (the layout keeps no
    # table's units), then its body.
    assert first_calls == {"next": len(heads) + fields + 2 * rows, "skip": 1 + len(heads), "at": fields + rows}
    fields, rows = wanted(codes[-3:])
    assert 0 < fields < len(slices) and later_calls == {"next": fields + 2 * rows, "skip": 0, "at": fields + rows}
    # The cache entry gone meanwhile: the file opened when the run began gives the same set.
    for entry in (tmp_path / "cache").glob("evidence-*"):
        entry.unlink()
    again = real(later, share)
    assert repr([again.values.get(code) for code in share]) == repr([full.values.get(code) for code in share])
    # That file unreadable: the evidence is read again, with the same values ...
    _load.load_evidence(*args, others=checked)  # kept in the cache again
    head, later = _load.defer_evidence(*args, others=checked)
    monkeypatch.setattr(_evidence_cache.CachedEvidence, "load", lambda self, plan, only=None, *, head_only=False: None)
    again = real(later, share)
    assert repr([again.values.get(code) for code in share]) == repr([full.values.get(code) for code in share])
    monkeypatch.undo()
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    # ... and if the evidence changed meanwhile, an error: never a run mixing two versions of it.
    copies = [shutil.copytree(root, tmp_path / "copy" / str(i)) for i, root in enumerate(args[0])]
    _load.load_evidence(copies, *args[1:], others=checked)  # kept in the cache
    head, later = _load.defer_evidence(copies, *args[1:], others=checked)
    monkeypatch.setattr(_evidence_cache.CachedEvidence, "load", lambda self, plan, only=None, *, head_only=False: None)
    changed = sorted(p for root in copies for p in root.rglob("*") if p.is_file() and p.suffix in (".toml", ".csv"))[-1]
    changed.write_bytes(changed.read_bytes() + b"\n")
    with pytest.raises(InputError, match="the evidence changed while it was being scored"):
        real(later, share)


# --------------------------------------------------------------------------- the cache's size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 0),
        ("1000000", 1_000_000),
        ("64k", 65_536),
        ("500M", 500 << 20),
        ("2G", 2 << 30),
        ("1.5GiB", 3 << 29),
        (" 2 gb ", 2 << 30),
        ("1T", 1 << 40),
    ],
)
def test_sizes_are_read_in_binary_units(text, size):
    from escore._cache import parse_size

    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "2x", "-1G", "G", "1e9", "1,000", "2 GB extra"])
def test_what_is_not_a_size_is_refused(text):
    from escore._cache import parse_size

    assert parse_size(text) is None


def test_a_bad_size_setting_is_reported_once_and_the_default_kept(monkeypatch, recwarn):
    from escore import _cache
    from escore._errors import EscoreWarning

    monkeypatch.setattr(_cache, "_size_reported", set())
    monkeypatch.setenv("ESCORE_CACHE_MAX_SIZE", "lots")
    assert _cache.evidence_bytes_limit() == _cache.DEFAULT_EVIDENCE_BYTES == _cache.parse_size(_cache._DEFAULT_EVIDENCE_SIZE) == 1 << 30
    assert _cache.evidence_bytes_limit() == 1 << 30
    messages = [str(w.message) for w in recwarn if issubclass(w.category, EscoreWarning)]
    assert messages == [
        "ESCORE_CACHE_MAX_SIZE='lots' is not a size (expected e.g. 500M, 2G or a number of bytes); keeping at most 1G of checked evidence"
    ]
    monkeypatch.setenv("ESCORE_CACHE_MAX_SIZE", "300k")
    assert _cache.evidence_bytes_limit() == 300 << 10


def test_the_size_setting_is_not_read_with_the_cache_off(monkeypatch, recwarn):
    from escore import _cache, _evidence_cache

    monkeypatch.setattr(_cache, "_size_reported", set())
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    monkeypatch.setenv("ESCORE_CACHE_MAX_SIZE", "lots")
    _evidence_cache.save_evidence_set("key", object())  # nothing to save to, nothing to say
    assert [w for w in recwarn if "ESCORE_CACHE_MAX_SIZE" in str(w.message)] == []


def _sets(directory, sizes):
    """Fake cached sets ``evidence-N.marshal`` of the given sizes, the first the least recently used."""
    directory.mkdir(exist_ok=True)
    for n, size in enumerate(sizes):
        path = directory / f"evidence-{n}.marshal"
        path.write_bytes(b"x" * size)
        os.utime(path, ns=(10**18 + n * 10**9, 10**18 + n * 10**9))


def _kept(directory):
    return sorted(int(p.name[9:-8]) for p in directory.glob("evidence-*.marshal"))


def test_the_least_recently_used_sets_go_first_beyond_the_bytes_kept(tmp_path):
    from escore._evidence_cache import prune_evidence_sets

    _sets(tmp_path, [400, 100, 300, 200])  # 0 is the oldest, 3 the newest
    (tmp_path / "notes.txt").write_text("not escore's")
    prune_evidence_sets(tmp_path, 600)
    assert _kept(tmp_path) == [1, 2, 3]  # 200 + 300 + 100: the oldest, 400, no longer fits
    assert (tmp_path / "notes.txt").exists()
    prune_evidence_sets(tmp_path, 150)
    assert _kept(tmp_path) == [1]  # a set larger than the bound is not kept, however new
    prune_evidence_sets(tmp_path, 99)
    assert _kept(tmp_path) == []


def test_the_bytes_kept_are_filled_newest_first(tmp_path):
    from escore._evidence_cache import prune_evidence_sets

    _sets(tmp_path, [50, 100, 500, 200])
    prune_evidence_sets(tmp_path, 350)
    assert _kept(tmp_path) == [0, 1, 3]  # 200, then 500 does not fit, then 100 and 50 do


def test_at_most_64_sets_are_kept(tmp_path):
    from escore._cache import MAX_EVIDENCE_FILES
    from escore._evidence_cache import prune_evidence_sets

    _sets(tmp_path, [1] * 70)
    prune_evidence_sets(tmp_path, 1 << 30)
    assert MAX_EVIDENCE_FILES == 64
    assert _kept(tmp_path) == list(range(6, 70))


def test_a_run_keeps_its_sets_within_the_size_and_touches_the_set_it_uses(demo_catalog, tmp_path, monkeypatch):
    from escore import _load

    cache = tmp_path / "cache"
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(cache))
    evidence, plan, units, known, subs = _demo_town(demo_catalog, tmp_path)

    def load(codes):
        return _load.load_evidence([evidence], plan, codes, known, demo_catalog.loaders, subs)

    load(units)
    (only,) = cache.glob("evidence-*.marshal")
    size = only.stat().st_size
    os.utime(only, ns=(10**18, 10**18))
    load(units[:3])  # another key: a second set
    assert len(list(cache.glob("evidence-*.marshal"))) == 2
    load(units)  # a hit on the first set: used now
    assert only.stat().st_mtime_ns > 10**18

    monkeypatch.setenv("ESCORE_CACHE_MAX_SIZE", str(size + 1))  # room for one of the two
    load(units[:2])  # a third key: written, then the least recently used go
    kept = list(cache.glob("evidence-*.marshal"))
    assert len(kept) == 1 and kept[0] != only and sum(p.stat().st_size for p in kept) <= size + 1

    monkeypatch.setenv("ESCORE_CACHE_MAX_SIZE", "0")  # nothing kept: none written
    shutil.rmtree(cache)
    assert load(units) == _load._load_evidence([evidence], plan, units, known, demo_catalog.loaders, subs)
    assert list(cache.glob("evidence-*.marshal")) == []


def test_each_units_file_is_kept_in_runs_and_given_back_exactly():
    from escore._evidence_cache import FileLines, _file_runs

    files = {
        "u1": "ev/fields.csv:2",
        "u2": "ev/fields.csv:3",
        "u3": "ev/fields.csv:05",  # a leading zero: kept as its text
        "u4": "ev/u4.toml",
        "u5": "ev/u5.toml + ev/fields.csv:7",
        "u6": "ev/fields.csv:7 + ev/u6.toml",
        "u7": "C:\\ev\\fields.csv:12",
        "u8": "ev/fields.csv:",
        "u9": "ev/fields.csv:²",
        "u10": "ev/fields.csv:0",
        "u11": "ev/fields.csv:4",
    }
    runs = _file_runs(files)
    assert runs[0] == ("ev/fields.csv", ["u1", "u2"], [2, 3])  # a file's rows: one text and their numbers
    kept = FileLines(runs)
    assert list(kept.items()) == list(files.items())  # every text, in order
    assert len(kept) == len(files) and "u9" in kept and "u12" not in kept and kept.get("u12") is None
    assert FileLines(_file_runs({})) == {}


def test_the_evidence_key_takes_known_codes_in_any_order_and_tells_sets_apart(tmp_path, monkeypatch):
    from escore._evidence_cache import evidence_key
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    catalog = Catalog(make_plugin_manager())
    plan = catalog.plan("fj2017", "county")
    paths = catalog.sample_evidence(plan)
    units = sorted(u.code for u in catalog.roster("fj2017", "county"))
    known = set(catalog.all_unit_codes("fj2017"))

    def key(unit_codes, known_codes, sub_codes=()):
        return evidence_key(paths, plan, unit_codes, known_codes, list(sub_codes))

    base = key(units, known)
    assert base is not None
    assert key(units, sorted(known)) == key(units, sorted(known, reverse=True)) == key(units, list(known)) == base
    others = [
        key(units, known - {units[0]}),  # a unit no longer known
        key(units, known | {"elsewhere"}),  # one more known code
        key(units[1:], known),  # one unit fewer
        key(units, known, [units[0]]),  # a sub-unit
        key([*units[:-1], units[-1] + "x"], known),
    ]
    assert len({base, *others}) == 6


@pytest.mark.parametrize("seed", range(12))
def test_any_mix_of_evidence_values_comes_back_from_the_cache_exactly(demo_plan, tmp_path, monkeypatch, seed):
    """A cache may make escore faster, never different: fields and rows of every type the loaders
    make (text, int, bool, None, Decimal with its exponent, date, Grade, tuple), mixed within a
    column as evidence can mix them, come back with the same types, values, exponents and order,
    loaded whole or in shares of units. Units are many enough for several records."""
    import random

    from escore import Grade
    from escore._evidence_cache import open_evidence_set, save_evidence_set
    from escore._evidence_set import EvidenceSet
    from escore._fieldvalues import FieldValues

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    rng = random.Random(seed)
    kinds = [
        lambda: rng.choice(["", "a", "中文", "x,y"]),
        lambda: rng.randint(-3, 10**12),
        lambda: rng.random() < 0.5,
        lambda: None,
        lambda: Decimal(rng.choice(["1.50", "1.5", "-0", "0E-7", "123456789012345678901234567.8", "1E+3"])),
        lambda: dt.date(2017, rng.randint(1, 12), rng.randint(1, 28)),
        lambda: Grade(Decimal(rng.choice(["4", "4.0", "0.5"])), rng.choice(["fine", "好"])),
        lambda: tuple(rng.choice(["a", "b"]) for _ in range(rng.randint(0, 3))),
    ]
    # Each column draws from one to three kinds: plain, tagged by one type, or mixed ("*").
    column_kinds = {name: rng.sample(kinds, rng.randint(1, 3)) for name in ("alpha", "beta", "gamma", "delta")}
    codes = [f"u{i:04d}" for i in range(rng.randint(1, 1300))]
    values = FieldValues(codes)
    for code in codes:
        present = {name: rng.choice(makers)() for name, makers in column_kinds.items() if rng.random() < 0.8}
        values.put(code, present)
    values.pack_all()
    row_type = next(t for t in demo_plan.tables if t.name == "outages").row_type
    row_kinds = [rng.sample(kinds, rng.randint(1, 3)) for _ in range(2)]
    tables = {
        "outages": {
            code: tuple(
                row_type(code, rng.randint(2, 10**6), *(rng.choice(makers)() for makers in row_kinds)) for _ in range(rng.randint(0, 3))
            )
            for code in codes
            if rng.random() < 0.7
        }
    }
    files = {code: f"units/{code}.toml" for code in codes if rng.random() < 0.5}
    evidence = EvidenceSet(values, tables, files, True, ("a note",), ("the sources",), ("a warning",))
    save_evidence_set("k" * 20, evidence)
    opened = open_evidence_set("k" * 20)
    assert opened is not None
    whole = opened.load(demo_plan)
    assert whole is not None, "the cache gave up on its own file"
    assert _exactly(whole) == _exactly(evidence)
    share = set(rng.sample(codes, max(1, len(codes) // 3)))
    part = opened.load(demo_plan, share)
    opened.close()
    for code in share:
        assert repr(list(part.values[code].items())) == repr(list(evidence.values[code].items()))
        assert repr(part.tables["outages"].get(code, ())) == repr(evidence.tables["outages"].get(code, ()))


def test_a_share_decoded_from_an_opened_set_leaves_nothing_of_its_rows_behind(demo_plan, tmp_path, monkeypatch):
    """A process decodes share after share from one opened set: once a share is dropped, the set
    keeps nothing that grows with the rows it decoded. (A list of one int per line number, kept
    by the set so as not to make it again for each share, came to hold every line of a table
    sorted by unit: 100,000 county units peaked 26 MiB higher.)"""
    import gc
    import tracemalloc

    from escore._evidence_cache import open_evidence_set, save_evidence_set
    from escore._evidence_set import EvidenceSet
    from escore._fieldvalues import FieldValues

    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    codes = [f"u{i:05d}" for i in range(4000)]
    values = FieldValues(codes)
    for code in codes:
        values.put(code, {"alpha": code})
    values.pack_all()
    row_type = next(t for t in demo_plan.tables if t.name == "outages").row_type
    # Five rows a unit, in the unit's order: the last units' rows end near line 20,000.
    tables = {"outages": {code: tuple(row_type(code, 2 + 5 * i + j, "x", j) for j in range(5)) for i, code in enumerate(codes)}}
    save_evidence_set("s" * 20, EvidenceSet(values, tables, {}, True, (), (), ()))
    opened = open_evidence_set("s" * 20)
    assert opened is not None
    try:
        first = opened.load(demo_plan, set(codes[:10]))  # the layout and head, read once per opened set
        assert first is not None and first.tables["outages"][codes[0]][0][1] == 2
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            late = opened.load(demo_plan, set(codes[-10:]))
            assert late is not None and late.tables["outages"][codes[-1]][-1][1] == 2 + 5 * 3999 + 4
            del late
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    finally:
        opened.close()
    assert kept < 64 * 1024, f"{kept} bytes kept by the opened set after its share was dropped"


@pytest.mark.parametrize("category", ["city", "county"])
def test_a_few_units_are_decoded_from_the_whole_set_and_score_as_read_alone(category, tmp_path, monkeypatch):
    """A run of a few units (explain, plan, a what-if of a units table) decodes them from the
    checked set of every unit when the cache holds it, sub-units' rows included: each unit's
    result is the one a read of its evidence alone gives, and nothing is parsed again."""
    from escore import _evidence_cache, _load, _session
    from escore._plugins import Catalog, make_plugin_manager
    from escore._report import run_to_dict
    from escore._session import run_category

    monkeypatch.setattr(_evidence_cache, "_RECORD_UNITS", 7)  # many records: a few units skip most
    catalog = Catalog(make_plugin_manager())
    codes = [u.code for u in catalog.roster("fj2017", category)]
    chosen = [codes[0], codes[len(codes) // 2], codes[-1]]
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    alone = {code: run_to_dict(run_category(catalog, category, only=[code])) for code in chosen}
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    run_category(catalog, category, lazy=True, explain=False)  # the whole set, parsed and kept
    parsed, decoded = [], []
    real_load, real_part = _session.load_evidence, _load.DeferredEvidence.part
    monkeypatch.setattr(_session, "load_evidence", lambda *a, **k: parsed.append(a[2]) or real_load(*a, **k))
    monkeypatch.setattr(_load.DeferredEvidence, "part", lambda self, wanted: decoded.append(list(wanted)) or real_part(self, wanted))
    for code in chosen:
        assert run_to_dict(run_category(catalog, category, only=[code])) == alone[code]
    assert parsed == []
    children = _session.children_of(catalog, catalog.plan("fj2017", category))
    assert decoded == [[code, *(c.code for c in children.get(code, ()))] for code in chosen]
    # Only these units' evidence: an accepted appeal of another unit of the same record is not
    # applied to the run, nor reported as applied (the record holds every unit here).
    from escore._cycle import run_cycle

    neighbour = codes[1]
    field = next(f.key for f in catalog.plan("fj2017", category).fields if f.type == "bool")
    change = {"set": [{"field": field, "value": "true"}]}
    indicator = catalog.plan("fj2017", category).indicators[0].node.code
    appeals = [
        {"id": 1, "unit": neighbour, "indicator": indicator, "claim": "c", "changes": change},
        {"id": 2, "unit": codes[0], "indicator": indicator, "claim": "c", "changes": change},
    ]
    cycle = run_cycle(catalog, category, only=[codes[0]], appeals=appeals)
    assert cycle.appeals == (2,) and parsed == []
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    assert run_to_dict(run_cycle(catalog, category, only=[codes[0]], appeals=appeals).result) == run_to_dict(cycle.result)
    # Without the whole set in the cache, the few units are read on their own, as before.
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "other"))
    assert run_to_dict(run_category(catalog, category, only=chosen[:1])) == alone[chosen[0]]
    assert parsed == [[codes[0]], chosen[:1]]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_a_cache_file_is_passed_by_not_waited_on(tmp_path):
    """A FIFO where a cache file was had made every run wait forever for a writer (the cache
    opened its files blocking); it is now doubt like any other: the file is not used."""
    from escore import _cache

    path = tmp_path / "toml-v3-x.marshal"
    os.mkfifo(path)
    assert _cache.open_sealed(path) is None
    assert _cache.read_marshal(path) is None


def test_a_write_a_killed_process_left_in_the_cache_is_swept(tmp_path):
    """A first run killed while it saved its evidence set left '.evidence.XXXX' (7 MB at 10,000
    units), counted by nothing and pruned by nothing; the next write sweeps such files once they
    are old enough that no write can still be filling them."""
    import time

    from escore import _cache

    old, recent = tmp_path / ".evidence.abc123", tmp_path / ".toml-cache.def456"
    old.write_bytes(b"x" * 100)
    recent.write_bytes(b"y")
    then = time.time() - _cache.STALE_WRITE_SECONDS - 60
    os.utime(old, (then, then))
    _cache.write_marshal(tmp_path / "toml-v3-a.marshal", {"a": 1}, ".toml-cache.", "toml-v3-*.marshal", 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".toml-cache.def456", "toml-v3-a.marshal"]
