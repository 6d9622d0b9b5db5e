"""The first pass shared out over forked processes gives exactly the one-process result."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from escore._parallel import in_processes
from escore_cli import cli

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def test_parts_after_the_first_are_computed_in_other_processes():
    parent = os.getpid()
    out = in_processes(lambda part: (part, os.getpid() != parent), [1, 2, 3])
    assert out == [(1, False), (2, True), (3, True)]


def test_a_failing_process_costs_speed_not_the_result():
    parent = os.getpid()

    def square(part: int) -> int:
        if os.getpid() != parent and part == 3:
            raise MemoryError("the child ran out of memory")
        return part * part

    assert in_processes(square, [2, 3, 4]) == [4, 9, 16]


def test_a_process_watches_its_indicators_as_the_parent_does():
    from escore._watchdog import Watchdog, active

    with Watchdog(5.0, note_after=7.0):
        assert in_processes(lambda part: active(), [0, 1]) == [(5.0, 7.0), (5.0, 7.0)]
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
