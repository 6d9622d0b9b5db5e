"""The first pass shared out over forked processes gives exactly the one-process result."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from escore._parallel import balanced, ordered_map
from escore_cli import cli

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def test_balanced_computes_each_part_once_in_order(tmp_path):
    import time

    parent = os.getpid()
    log = tmp_path / "log"

    def work(part: int) -> tuple[int, bool]:
        time.sleep(0.02)  # long enough that every process takes parts
        with open(log, "a") as taken:  # O_APPEND: one line per computation, whichever process
            taken.write(f"{part}\n")
        return part * part, os.getpid() != parent

    out = balanced(work, list(range(12)), 3)
    assert [value for value, _ in out] == [part * part for part in range(12)]
    assert any(forked for _, forked in out) and not all(forked for _, forked in out)
    assert sorted(map(int, log.read_text().split())) == list(range(12))  # none computed twice
    assert balanced(work, [5, 6], 1) == [(25, False), (36, False)]  # one process: all here


def test_balanced_gives_the_parts_to_whichever_process_is_free():
    import time

    parent = os.getpid()

    def work(part: int) -> bool:
        if os.getpid() != parent:
            time.sleep(1.0)  # a process on a slow processor
        return os.getpid() == parent

    here = balanced(work, list(range(10)), 2)
    assert sum(here) >= 8  # the other took at most its first part and one more


def test_a_failing_process_costs_speed_not_the_result():
    parent = os.getpid()

    def square(part: int) -> int:
        if os.getpid() != parent and part >= 3:
            raise MemoryError("the child ran out of memory")
        return part * part

    assert balanced(square, [2, 3, 4, 5], 2) == [4, 9, 16, 25]

    def dies(part: int) -> int:
        if os.getpid() != parent:
            os._exit(9)  # killed, as by the OOM killer, holding the part it took
        return part * part

    assert balanced(dies, [2, 3, 4, 5], 3) == [4, 9, 16, 25]


def test_parts_of_the_first_pass():
    from escore._batch import BLOCK_UNITS, RECORD_UNITS
    from escore._evidence_cache import _RECORD_UNITS
    from escore._stream import shares

    assert RECORD_UNITS == _RECORD_UNITS and BLOCK_UNITS % RECORD_UNITS == 0  # parts decode whole records of their own units

    def sizes(units: int, jobs: int) -> list[int]:
        return list(map(len, shares(list(range(units)), jobs)))

    assert sizes(10_000, 1) == [10_000]
    assert sizes(10_000, 2) == [5_120, 4_880]  # 3 blocks: equal shares from a whole record, a block costs its grouping again
    assert sizes(10_000, 3) == [3_584, 3_072, 3_344]
    assert sizes(1_000, 2) == [500, 500]  # less than a record each
    assert sizes(7 * BLOCK_UNITS, 2) == [7 * BLOCK_UNITS // 2] * 2
    assert sizes(7 * BLOCK_UNITS + 1, 2) == [BLOCK_UNITS] * 7 + [1]  # 4 blocks per process: a part per block
    assert sizes(100_000, 2) == [BLOCK_UNITS] * 24 + [100_000 - 24 * BLOCK_UNITS]
    assert sizes(300 * BLOCK_UNITS, 2) == [2 * BLOCK_UNITS] * 150  # at most 256 parts (a byte each)
    assert len(sizes(1000, 1000)) == 256 and sum(sizes(1000, 1000)) == 1000


def test_ordered_map_keeps_the_order_and_at_most_jobs_processes():
    import time

    parent = os.getpid()

    def work(part: int) -> tuple[int, int]:
        time.sleep(0.05 if part % 2 else 0)  # later parts finish first: the order must not follow
        return part, os.getpid()

    out = list(ordered_map(work, range(7), 3))
    assert [part for part, _ in out] == list(range(7))
    assert all(pid != parent for _, pid in out)  # every part in a forked process (pids may be reused)
    assert list(ordered_map(work, range(3), 1)) == [(0, parent), (1, parent), (2, parent)]


def test_ordered_map_computes_a_failed_part_itself_and_leaves_no_process_behind():
    parent = os.getpid()

    def square(part: int) -> int:
        if os.getpid() != parent and part == 2:
            os._exit(9)  # killed, as by the OOM killer
        return part * part

    assert list(ordered_map(square, range(5), 2)) == [0, 1, 4, 9, 16]
    stopped = ordered_map(square, range(50), 4)
    assert next(stopped) == 0
    stopped.close()  # the writer failed: the processes still running are ended and reaped
    with pytest.raises(ChildProcessError):  # this test process has no child left, running or not
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("format_", ["json", "toml"])
def test_the_detail_rendered_in_processes_is_the_detail_of_one(format_):
    import io

    from escore._builtin_formats import write_json, write_toml
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    write = {"json": write_json, "toml": write_toml}[format_]
    catalog = Catalog(make_plugin_manager())
    texts = []
    for jobs in (1, 3):
        result = run_category(catalog, "county", explain=True, lazy=True, jobs=jobs)
        assert result.units.jobs == jobs
        buffer = io.StringIO()
        write(result, buffer)
        texts.append(buffer.getvalue())
    assert texts[0] == texts[1] and texts[0].count('"rank"' if format_ == "json" else "[[units]]") == 83


def test_a_block_whose_process_dies_half_way_is_written_whole_by_the_parent(monkeypatch):
    """A process writes its block into a spool file unit by unit; one that dies after some
    units leaves a partial spool, which the parent truncates and writes again itself."""
    import io

    from escore._builtin_formats import unit_texts, write_json
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")  # the evidence loaded whole: the detail in rank order
    catalog = Catalog(make_plugin_manager())
    expected = io.StringIO()
    write_json(run_category(catalog, "county", explain=True, lazy=True, jobs=1), expected)
    result = run_category(catalog, "county", explain=True, lazy=True, jobs=3)
    assert result.units.evidence_blocks(64) is None
    parent = os.getpid()
    rendered = []

    def render(unit, first):
        rendered.append(unit["code"])
        if os.getpid() != parent and len(rendered) == 3 and unit["rank"] > 40:
            os._exit(9)  # a later block's process dies after writing two units
        # Longer than the spool's buffer: the two units a dying process wrote reach its file.
        return f"{unit['rank']} {unit['code']} {unit['total']} {'x' * 9000}\n"

    text = "".join(unit_texts(result, render))
    assert len(rendered) == 41  # the parent rendered the three blocks from rank 43 on (14 + 14 + 13 units) itself
    lines = text.splitlines()
    assert len(lines) == 83 and len(set(lines)) == 83
    ranks = [int(line.split()[0]) for line in lines]
    assert ranks == sorted(ranks)
    json_total = [line.split()[2] for line in lines]
    import json

    assert json_total == [u["total"] for u in json.loads(expected.getvalue())["units"]]


def _county_detail(catalog, write, *, jobs):
    import io

    from escore._session import run_category

    result = run_category(catalog, "county", explain=True, lazy=True, jobs=jobs)
    buffer = io.StringIO()
    write(result, buffer)
    return result, buffer.getvalue()


def _workbook_hex(result, stream):
    """The results workbook's bytes, as hexadecimal text (for a writer of text)."""
    import io

    from escore._builtin_formats import write_xlsx

    raw = io.BytesIO()
    write_xlsx(result, raw)
    stream.write(raw.getvalue().hex())


@pytest.mark.parametrize(
    ("format_", "files", "sizes"), [("json", 64, [8] * 10 + [3]), ("toml", 4, [24, 24, 24, 11]), ("xlsx", 4, [24, 24, 24, 11])]
)
def test_the_detail_of_cached_evidence_is_scored_a_block_of_records_at_a_time(monkeypatch, format_, files, sizes):
    """JSON, TOML and the workbook of evidence still in the cache: the units in blocks of whole
    records of the cache, in the evidence's (code) order, each block decoding its own units
    alone and never the whole set; the output is the one of evidence loaded whole."""
    import escore._batch as batch
    import escore._builtin_formats as formats
    from escore import _spool
    from escore._load import DeferredEvidence
    from escore._plugins import Catalog, make_plugin_manager

    write = {"json": formats.write_json, "toml": formats.write_toml, "xlsx": _workbook_hex}[format_]
    catalog = Catalog(make_plugin_manager())
    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    _, expected = _county_detail(catalog, write, jobs=1)
    monkeypatch.undo()
    _county_detail(catalog, write, jobs=1)  # the cache warm
    monkeypatch.setattr(batch, "RECORD_UNITS", 8)  # records of 8 units: 11 of them for 83 units
    monkeypatch.setattr(_spool, "DETAIL_FILES", files)
    asked: list[list[str]] = []
    part = DeferredEvidence.part
    monkeypatch.setattr(DeferredEvidence, "part", lambda self, codes: (asked.append(list(codes)), part(self, codes))[1])
    monkeypatch.setattr(DeferredEvidence, "whole", lambda self: pytest.fail("the whole evidence set decoded"))
    for jobs in (3, 1):
        asked.clear()
        result, text = _county_detail(catalog, write, jobs=jobs)
        assert text == expected
    first_pass, *blocks = asked  # in this one process: the first pass's share, then each block
    codes = [unit.code for unit in catalog.roster("fj2017", "county")]
    assert first_pass == codes
    assert [len(block) for block in blocks] == sizes
    assert [code for block in blocks for code in block] == codes  # consecutive, in the evidence's order
    assert result.units.evidence_blocks(files) is not None


def test_a_block_of_cached_evidence_whose_process_dies_is_written_whole_by_the_parent(monkeypatch):
    import escore._batch as batch
    from escore._builtin_formats import unit_texts, write_json
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    _, expected = _county_detail(catalog, write_json, jobs=1)  # the cache warm, and the text of one process
    monkeypatch.setattr(batch, "RECORD_UNITS", 8)
    result, _ = _county_detail(catalog, write_json, jobs=3)
    codes = [unit.code for unit in catalog.roster("fj2017", "county")]
    parent, done, rendered = os.getpid(), {}, []

    def render(unit, first):
        pid = os.getpid()
        if pid == parent:
            rendered.append(unit["code"])
        else:
            done[pid] = done.get(pid, 0) + 1
            if done[pid] == 3 and codes.index(unit["code"]) >= 40:
                os._exit(9)  # a process of a block from the sixth on dies after writing two units
        return f"{unit['rank']} {unit['code']} {unit['total']} {'x' * 9000}\n"

    lines = "".join(unit_texts(result, render)).splitlines()
    assert sorted(rendered) == sorted(codes[40:])  # blocks 40-47 … 80-82 again, by the parent
    import json

    assert [line.split()[1] for line in lines] == [u["code"] for u in json.loads(expected)["units"]]
    assert [line.split()[2] for line in lines] == [u["total"] for u in json.loads(expected)["units"]]


def test_spooled_detail_goes_to_a_utf8_output_as_bytes_and_to_other_streams_as_text():
    import io

    from escore._builtin_formats import Utf8Output, write_json
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    result, text = _county_detail(catalog, write_json, jobs=2)
    assert result.units.evidence_blocks(64) is not None  # the units come from spool files
    raw = io.BytesIO()
    stream = Utf8Output(raw, encoding="utf-8", newline="")
    write_json(result, stream)
    stream.flush()
    assert raw.getvalue() == text.encode("utf-8") and "思明区" in text


def test_a_process_watches_its_indicators_as_the_parent_does():
    from escore._watchdog import Watchdog, active

    with Watchdog(5.0, note_after=7.0):
        assert balanced(lambda part: active(), [0, 1], 2) == [(5.0, 7.0), (5.0, 7.0)]
    assert active() is None


@pytest.mark.parametrize("category", ["county", "provincial"])
def test_summaries_in_three_processes_equal_one(category):
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    catalog = Catalog(make_plugin_manager())
    one = run_category(catalog, category, explain=False, lazy=True, jobs=1)
    three = run_category(catalog, category, explain=False, lazy=True, jobs=3)
    assert three.units.summaries == one.units.summaries
    assert three.counts == one.counts and three.ranks == one.ranks
    assert len(one.units.summaries) == {"county": 83, "provincial": 38}[category]


def test_run_with_jobs_writes_the_same_bytes(tmp_path):
    runner = CliRunner()
    for format_ in ("csv", "json"):
        outputs = []
        for jobs in ("1", "2"):
            target = tmp_path / f"{jobs}.{format_}"
            result = runner.invoke(cli, ["run", "-c", "city", "-f", format_, "-o", str(target), "--jobs", jobs])
            assert result.exit_code == 0, result.output
            outputs.append(target.read_bytes())
        assert outputs[0] == outputs[1]
    assert runner.invoke(cli, ["run", "-c", "city", "--jobs", "0"]).exit_code == 2


def test_detail_written_to_stdout_by_processes_is_written_once():
    """Forked processes inherit the parent's buffered stdout: nothing of it may appear twice."""
    import subprocess
    import sys

    outputs = []
    for jobs in ("1", "3"):
        command = [sys.executable, "-c", "import sys; from escore_cli import main; sys.exit(main(sys.argv[1:]))"]
        done = subprocess.run([*command, "run", "-c", "city", "-f", "json", "--jobs", jobs], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(b'"rank"') == 10


def test_json_detail_uses_processes_by_default_from_the_threshold(monkeypatch):
    """Without --jobs, the detail is shared out from PARALLEL_FROM units, as the summaries are."""
    import io

    import escore._parallel as parallel
    from escore._builtin_formats import write_json
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import run_category

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one usable processor: the default is one process")
    calls = []
    real = parallel.ordered_map
    monkeypatch.setattr(parallel, "ordered_map", lambda func, parts, jobs: calls.append(jobs) or real(func, parts, jobs))
    catalog = Catalog(make_plugin_manager())
    # The detail of cached evidence goes through ordered_map at any --jobs: one process is no fork.
    for threshold, expected in ((84, [1]), (83, [min(len(os.sched_getaffinity(0)), 8)])):
        monkeypatch.setattr(parallel, "PARALLEL_FROM", threshold)
        calls.clear()
        result = run_category(catalog, "county", explain=True, lazy=True)  # 83 units, --jobs not given
        assert result.units.jobs is None
        write_json(result, io.StringIO())
        assert calls == expected


def test_summaries_cross_a_process_boundary_exactly():
    """Every Decimal of a summary comes back with its digits, exponent and sign; problems as they were."""
    from decimal import Decimal as D

    from escore._results import IndicatorResult, present
    from escore._score import fmt
    from escore._stream import _from_portable, _portable, with_texts

    problem = (IndicatorResult("X-1", "missing", D(0), ("evidence 'x' was not provided",), (), ("x",)),)
    given = [
        (D("52.10"), (D("40.1"), D("12.00")), 0, 0, ()),
        (D("-0"), (D("0E-2"), D("1E+1")), 1, 0, problem),
        (D("65"), (D("65"), D("0")), 0, 0, ()),
        (D("65.0"), (D("65"), D("0.0")), 0, 0, ()),  # equal numbers, other texts
    ]
    rows = with_texts(given)
    # Each number's texts are fmt's and present's of it, sections first, then the total.
    assert [row[5] for row in rows] == [tuple(t for n in (*row[1], row[0]) for t in (fmt(n), present(n))) for row in given]
    assert rows[0][5] == ("40.1", "40.10", "12", "12.00", "52.1", "52.10")
    assert rows[1][5] == ("0", "0.00", "10", "10.00", "0", "0.00")  # a zero is shown unsigned
    assert [row[:5] for row in rows] == given
    counts = {"scored": 5, "missing": 1, "not_applicable": 0, "error": 0}
    back = _from_portable(_portable((rows, counts)))
    assert repr(back) == repr((rows, counts))
    assert _from_portable(_portable(([], counts))) == ([], counts)
    no_sections = with_texts([(D("1.5"), (), 0, 0, ())])
    assert no_sections == [(D("1.5"), (), 0, 0, (), ("1.5", "1.50"))]
    assert repr(_from_portable(_portable((no_sections, counts)))[0]) == repr(no_sections)


class Text(str):
    """A pack's own kind of text (pickled by reference: a class at module level)."""


def test_problems_cross_as_plain_tuples_only_when_nothing_would_change():
    """Missing and failed results go as marshal tuples (fast); a subclass or another type of value
    in one (a pack's own str, say) sends them all pickled, so that each comes back as it was."""
    import pickle
    from decimal import Decimal as D

    from escore._results import IndicatorResult
    from escore._stream import _from_portable, _plain_problems, _portable, with_texts

    plain = (
        IndicatorResult("X-1", "missing", D("0"), ("evidence 'x' was not provided",), (), ("x",)),
        IndicatorResult("X-2", "error", D("0E-1"), ("pack.py:3: ValueError: bad",), (("rule", "branch"),)),
    )
    counts = {"scored": 0, "missing": 1, "not_applicable": 0, "error": 1}
    for problems, sent_plain in (
        (plain, True),
        ((plain[0]._replace(reasons=(Text("kept as Text"),)),), False),
        ((plain[0]._replace(missing=["x"]),), False),
        ((plain[0]._replace(points=0),), False),
        ((plain[1]._replace(hits=(["rule", "branch"],)),), False),
    ):
        rows = with_texts([(D("1"), (D("1"),), 1, 1, problems)])
        assert (_plain_problems({0: problems}) is not None) is sent_plain
        back = _from_portable(_portable((rows, counts)))
        assert repr(back) == repr((rows, counts))
        assert [[type(value) for value in result] for result in back[0][0][4]] == [[type(value) for value in result] for result in problems]
        assert [type(reason) for reason in back[0][0][4][0].reasons] == [type(reason) for reason in problems[0].reasons]
    assert pickle.loads(pickle.dumps(plain)) == plain


def test_a_missing_result_shared_by_units_comes_back_one_object():
    """A summary's missing result is one object for every unit that misses the same evidence
    (escore._results.summary_missing); it crosses the process boundary once and stays one object."""
    from decimal import Decimal as D

    from escore._results import summary_missing
    from escore._stream import _from_portable, _portable, with_texts

    shared: dict = {}
    first = summary_missing("W-1", D("0"), (), ("website.a",), shared)
    assert summary_missing("W-1", D("0"), (), ("website.a",), shared) is first
    assert summary_missing("W-1", D("0.0"), (), ("website.a",), shared) is not first  # another exponent, another result
    own = summary_missing("W-1", D("0"), (), (Text("website.a"),), shared)  # a pack's own text: kept as it is
    assert own == first and own is not first and type(own.missing[0]) is Text
    rows = with_texts([(D("1"), (D("1"),), 1, 0, (first,)), (D("2"), (D("2"),), 1, 0, (first,))])
    back, _ = _from_portable(_portable((rows, {"missing": 2})))
    assert back[0][4] == back[1][4] == (first,) and back[0][4][0] is back[1][4][0]


def test_balanced_leaves_no_process_behind_when_a_part_fails_here():
    import time

    parent = os.getpid()

    def work(part: int) -> int:
        if os.getpid() == parent:
            raise ValueError("a part failed in this process")
        time.sleep(0.2)
        return part

    with pytest.raises(ValueError):
        balanced(work, list(range(6)), 3)
    with pytest.raises(ChildProcessError):  # every forked process ended and reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_temporary_directory_that_cannot_hold_the_detail_is_a_clear_error(tmp_path, monkeypatch, cache):
    """The spool files of the detail go to the temporary directory, whether the evidence is
    cached (blocks in its order) or loaded whole (blocks in rank order): a full one is one line
    naming it (not the output file), exit 2, and no output file left behind."""
    import errno
    import tempfile

    if cache == "off":
        monkeypatch.setenv("ESCORE_CACHE_DIR", "off")
    runner = CliRunner()
    target = tmp_path / "out.json"
    assert runner.invoke(cli, ["run", "-c", "city", "-f", "json", "-o", str(target), "--jobs", "2"]).exit_code == 0  # the cache warm
    target.unlink()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    result = runner.invoke(cli, ["run", "-c", "city", "-f", "json", "-o", str(target), "--lang", "en", "--jobs", "2"])
    assert result.exit_code == 2, result.output
    assert f"temporary directory {tempfile.gettempdir()}: cannot hold the units' detail" in result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_spooled_text_read_back_in_pieces_that_split_characters_is_the_same_text(monkeypatch):
    """Spool files are read back a few bytes at a time here (SPOOL_READ 7), so that pieces end
    inside the county names' three-byte characters: the text, and the file's bytes, are whole."""
    import io

    import escore._builtin_formats as formats
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_CACHE_DIR", "off")  # the rank-order blocks
    catalog = Catalog(make_plugin_manager())
    _, expected = _county_detail(catalog, formats.write_json, jobs=1)
    monkeypatch.setattr(formats, "SPOOL_READ", 7)
    result, text = _county_detail(catalog, formats.write_json, jobs=3)
    assert result.units.evidence_blocks(64) is None and text == expected and "思明区" in text
    raw = io.BytesIO()
    stream = formats.Utf8Output(raw, encoding="utf-8", newline="")
    formats.write_json(result, stream)
    stream.flush()
    assert raw.getvalue() == expected.encode("utf-8")


# --------------------------------------------------------------------------- work done ahead


def test_work_done_ahead_comes_back_part_by_part_and_what_failed_is_left_to_the_caller():
    from escore._parallel import Ahead

    parent = os.getpid()

    def work(part: int) -> tuple[int, bool]:
        if part == 3:
            raise ValueError("the caller computes this one")
        if part == 4:
            return (part, lambda: None)  # does not pickle: left to the caller too
        return part * part, os.getpid() != parent

    ahead = Ahead(work, [1, 2, 3, 4, 5])
    found = ahead.results()
    assert found == {0: (1, True), 1: (4, True), 4: (25, True)}  # computed in the other process
    assert ahead.results() == {}  # taken once; the process is gone
    assert Ahead(work, []).results() == {}


def test_work_done_ahead_is_shared_part_by_part_with_the_caller_once_it_is_free(tmp_path):
    import time

    from escore._parallel import Ahead

    parent = os.getpid()
    started = tmp_path / "started"

    def work(part: int) -> tuple[int, int]:
        if part == 0:  # the other process's first part: it dwells on it
            started.touch()
            time.sleep(0.5)
        return part * 10, os.getpid()

    ahead = Ahead(work, list(range(6)))
    waited = time.monotonic()
    while not started.exists() and time.monotonic() - waited < 10:
        time.sleep(0.01)
    claimed = [(index, work(index)) for index in ahead.claim()]  # the parts it had not started
    found = ahead.results()
    assert [index for index, _ in claimed] == [1, 2, 3, 4, 5] and all(pid == parent for _, (_, pid) in claimed)
    assert found.keys() == {0} and found[0][0] == 0 and found[0][1] != parent
    assert list(ahead.claim()) == [] and ahead.results() == {}  # all taken; the process is gone
    assert list(Ahead(work, []).claim()) == []


def test_work_done_ahead_queues_as_many_parts_as_the_balanced_pass_and_leaves_the_rest_to_the_caller():
    from escore._parallel import BALANCED_PARTS, Ahead

    found = Ahead(abs, [-part for part in range(BALANCED_PARTS + 44)]).results()
    assert found == {part: part for part in range(BALANCED_PARTS)}  # the others: computed in their turn


def test_work_done_ahead_by_a_process_that_dies_keeps_what_it_sent_whole():
    from escore._parallel import Ahead

    def work(part: int) -> int:
        if part == 9:
            os._exit(1)  # killed half way: the parts from it on never come
        return part

    assert Ahead(work, [7, 8, 9, 10]).results() == {0: 7, 1: 8}


def test_work_done_ahead_and_not_taken_leaves_no_process_behind():
    import time

    from escore._parallel import Ahead

    ahead = Ahead(time.sleep, [30])
    pid = ahead._pid
    assert pid is not None
    ahead.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no process, no zombie
    assert ahead.results() == {}


def test_work_is_not_done_ahead_under_a_timeout():
    from escore._parallel import Ahead
    from escore._watchdog import Watchdog

    with Watchdog(5.0, note_after=60.0):
        ahead = Ahead(abs, [-1])
        assert ahead._pid is None and ahead.results() == {}
    with Watchdog(None, note_after=60.0):  # only noting slow indicators: done ahead
        assert Ahead(abs, [-1]).results() == {0: 1}


def test_work_not_done_ahead_when_no_process_starts_leaves_no_descriptor_open(monkeypatch):
    from escore._parallel import Ahead

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")

    def no_fork() -> int:
        raise OSError("no process")

    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", no_fork)
    ahead = Ahead(abs, [-1, -2])
    assert ahead._pid is None and list(ahead.claim()) == [] and ahead.results() == {}  # all left to the caller
    assert set(os.listdir("/proc/self/fd")) <= before
