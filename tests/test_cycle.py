"""The assessment cycle: the store, run --save, history, diff, whatif, plan and appeals (demo pack)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from escore_cli import cli

from .conftest import DEMO, ROOT

SAMPLE = DEMO / "escore_demo" / "sample"


@pytest.fixture
def db(tmp_path, monkeypatch, no_autoload):
    path = tmp_path / "store" / "escore.db"
    monkeypatch.setenv("ESCORE_DB", str(path))
    return path


@pytest.fixture
def runner(db):
    return CliRunner()


@pytest.fixture
def evidence(tmp_path):
    target = tmp_path / "evidence"
    shutil.copytree(SAMPLE, target)
    return target


def ok(result, code=0):
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---------------------------------------------------------------------- the walk-through


def test_walkthrough_save_change_diff_plan_whatif_appeal(runner, evidence, db):
    """Done-when of the cycle, as a new user would try it."""
    first = ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--save", "--label", "self-report"]))
    assert "saved run #1 'self-report'" in first.stderr
    edit(evidence / "units" / "east.toml", "reply_rate = 79.9", "reply_rate = 80")
    ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--save", "--label", "on-site"]))

    diff = as_json(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]))
    east = next(u for u in diff["units"] if u["code"] == "east")
    assert (east["total_before"], east["total_after"], east["delta"]) == ("31.95", "37.95", "6")
    assert (east["rank_before"], east["rank_after"]) == (4, 4)
    [changed] = east["indicators"]
    assert (changed["code"], changed["points_before"], changed["points_after"]) == ("S-1-1", "0", "6")
    assert changed["reasons_before"] == ["reply rate 79.9% matched tier '< 80% → 0'"]
    assert changed["reasons_after"] == ["reply rate 80% matched tier '≥ 80% → 6'"]
    assert all(u["delta"] == "0" and not u["indicators"] for u in diff["units"] if u["code"] != "east")
    table = ok(runner.invoke(cli, ["diff", "1", "2"])).stdout
    assert "east  East Town   31.95  37.95  +6.00     4       4" in table
    assert "1 of 4 units changed" in table

    plan = as_json(runner.invoke(cli, ["plan", "east", "-e", str(evidence), "-f", "json"]))
    assert plan["unit"] == "east" and plan["total"] == "37.95"
    first_action = plan["actions"][0]
    assert first_action["indicator"] == "W-1-1"
    assert first_action["set"] == [{"field": "website.leak", "value": "false"}]
    assert first_action["gain"] == "24"
    assert first_action["explanation"].startswith("website.leak yes → no: lifts veto V-1 Data leak")  # not TOML's true → false
    args = [a for s in first_action["set"] for a in ("--set", f"{s['field']}={s['value']}")]
    whatif = as_json(runner.invoke(cli, ["whatif", "east", "-e", str(evidence), *args, "-f", "json"]))
    assert whatif["delta"] == first_action["gain"]
    assert (whatif["total_before"], whatif["total_after"], whatif["rank_before"], whatif["rank_after"]) == ("37.95", "61.95", 4, 3)

    filed = ok(
        runner.invoke(
            cli,
            [
                "appeal",
                "add",
                "east",
                "S-1-2",
                "--claim",
                "delay counted from the wrong day",
                "--set",
                "service.median_delay=7",
                "-e",
                str(evidence),
            ],
        )
    )
    assert "appeal #1 filed: east S-1-2" in filed.stdout
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "the log shows 7 days"]))
    after = ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--save", "-f", "json"]))
    assert "applied accepted appeal(s) #1" in after.stderr
    east_after = next(u for u in json.loads(after.stdout)["units"] if u["code"] == "east")
    s12 = next(i for i in east_after["indicators"] if i["code"] == "S-1-2")
    assert s12["points"] == "5"
    assert s12["reasons"][-1] == "points changed by appeal #1: 0 → 5 (delay counted from the wrong day)"
    # A what-if that moves the appealed indicator again: the appeal's line says it was before it.
    whatif = as_json(runner.invoke(cli, ["whatif", "east", "-e", str(evidence), "--set", "service.median_delay=30", "-f", "json"]))
    s12_after = next(i for i in whatif["indicators"] if i["code"] == "S-1-2")
    assert (s12_after["points_before"], s12_after["points_after"]) == ("5", "0")
    assert s12_after["reasons_after"][-1] == "points changed by appeal #1: 0 → 5, before the what-if (delay counted from the wrong day)"
    assert s12_after["reasons_before"][-1] == "points changed by appeal #1: 0 → 5 (delay counted from the wrong day)"
    diff = as_json(runner.invoke(cli, ["diff", "2", "3", "-f", "json"]))
    east = next(u for u in diff["units"] if u["code"] == "east")
    assert east["delta"] == "5"
    assert east["indicators"][0]["reasons_after"][-1].startswith("points changed by appeal #1")
    history = as_json(runner.invoke(cli, ["history", "-f", "json"]))
    assert [(r["id"], r["label"], r["appeals"]) for r in history["runs"]] == [(1, "self-report", []), (2, "on-site", []), (3, "", [1])]
    assert len(as_json(runner.invoke(cli, ["history", "-c", "town", "-f", "json"]))["runs"]) == 3
    mistyped = ok(runner.invoke(cli, ["history", "-c", "twon"]), 2)
    assert mistyped.stderr == "escore: error: no saved run is of category 'twon'; did you mean 'town'?\n"
    other = ok(runner.invoke(cli, ["history", "-c", "village"]))
    assert other.stdout == "no saved run is of category 'village'; saved runs are of: town\n"
    assert as_json(runner.invoke(cli, ["history", "-c", "village", "-f", "json"]))["runs"] == []


# ---------------------------------------------------------------------- exactness and the stamp


def test_saved_points_are_exact_and_output_identical(runner, db, demo_catalog):
    plain = ok(runner.invoke(cli, ["run", "-c", "town", "-f", "json"])).stdout
    saved = ok(runner.invoke(cli, ["run", "-c", "town", "-f", "json", "--save"])).stdout
    assert plain == saved
    with sqlite3.connect(db) as connection:
        totals = dict(connection.execute("SELECT code, total FROM unit_result"))
        points = dict(
            connection.execute(
                "SELECT json_extract(value, '$[0]'), json_extract(value, '$[4]') FROM unit_result, json_each(indicators) WHERE code = 'west'"
            )
        )
        stamp = connection.execute("SELECT ruleset, year, category, evidence, evidence_digest, synthetic FROM run").fetchone()
    from escore._session import run_category

    result = run_category(demo_catalog, "town")
    assert totals == {u.unit.code: str(u.total) for u in result.units}
    west = next(u for u in result.units if u.unit.code == "west")
    assert points == {i.code: str(i.points) for i in west.indicators}
    assert stamp[:3] == ("demo2024", 2024, "town")
    assert json.loads(stamp[3]) == ["escore_demo/sample"]  # no machine path
    assert len(stamp[4]) == 64 and stamp[5] == 1


def test_history_marks_the_runs_of_synthetic_evidence_and_says_what_the_mark_means(runner, evidence):
    """Its table had shown no sign of a run saved from the synthetic sample (its JSON says "synthetic": true)."""
    (evidence / "escore-evidence.toml").write_text("[evidence]\nsynthetic = false\n", encoding="utf-8")
    ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "--save", "--label", "real"]))
    real_only = ok(runner.invoke(cli, ["history"])).stdout.splitlines()
    assert real_only[2].split()[2] == "run" and len(real_only) == 3  # no mark, no note
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "--label", "sample"]))
    lines = ok(runner.invoke(cli, ["history"])).stdout.splitlines()
    assert [line.split()[2:4] for line in lines[2:4]] == [["run", "demo2024"], ["run", "*"]]
    assert lines[4:] == ["", "* a run scored on synthetic evidence: sample data made up for demonstration, not real assessment results"]
    assert [r["synthetic"] for r in as_json(runner.invoke(cli, ["history", "-f", "json"]))["runs"]] == [False, True]
    zh = ok(runner.invoke(cli, ["history", "--lang", "zh"])).stdout.splitlines()
    assert zh[3].split()[2:4] == ["运行", "*"] and zh[-1] == "* 按合成数据评分的运行：演示用的虚构样本，并非真实考核结果"


def test_history_empty_store_is_not_created(runner, db):
    assert ok(runner.invoke(cli, ["history"])).stdout == "no saved runs (escore run … --save stores one)\n"
    assert as_json(runner.invoke(cli, ["history", "-f", "json"])) == {"schema_version": 1, "runs": []}
    assert not db.exists()


# ---------------------------------------------------------------------- the store as a database


def test_store_is_wal_with_a_schema_version(runner, db):
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_newer_schema_is_a_clear_error(runner, db):
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA user_version = 99")
    result = runner.invoke(cli, ["run", "-c", "town", "--save"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"escore: error: {db}: the store has schema version 99, newer than this escore supports (2); upgrade escore or use another --db\n"
    )
    assert ok(runner.invoke(cli, ["history"]), 2).stdout == ""


def test_corrupted_store_is_a_clear_error_and_left_alone(runner, db):
    db.parent.mkdir(parents=True)
    garbage = b"this is not an SQLite database, whatever its name says\n" * 100
    db.write_bytes(garbage)
    for args in (["run", "-c", "town", "--save"], ["run", "-c", "town"], ["history"], ["appeal", "list"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"escore: error: {db}: not a readable escore store (")
        assert result.stderr.endswith("; nothing was changed\n")
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in db.parent.iterdir()) == ["escore.db"]


def test_a_store_damaged_past_its_header_is_a_clear_error(runner, db):
    """Damage the opening checks do not reach (a table's pages, a row's JSON, text that is not
    UTF-8): one line naming the store and what failed, exit 2, never a traceback; a save into
    it is rolled back."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "the rate was 100", "--set", "service.reply_rate=100"]))
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the whole store in the file itself
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        roots = [r for (r,) in connection.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'unit_result'")]
    good = db.read_bytes()

    def refused(args, words):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(f"escore: error: {db}: {words}"), result.stderr
        assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1

    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute("UPDATE unit_result SET indicators = '[[1' WHERE position = 0")
    refused(["diff", "1", "1"], "cannot read the store (a damaged row: ")
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute("UPDATE unit_result SET indicators = CAST(X'5b22ff225d' AS TEXT) WHERE position = 0")
    refused(["diff", "1", "1"], "cannot read the store (Could not decode to UTF-8 column 'indicators'")
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute("UPDATE appeal SET changes = '{' WHERE id = 1")
    refused(["appeal", "list"], "cannot read the store (a damaged row: ")
    # A table's pages overwritten: the header and the schema still read, the table does not.
    for leftover in db.parent.glob("escore.db-*"):  # the write-ahead log of the edits above
        leftover.unlink()
    data = bytearray(good)
    for root in roots:  # the table and its primary key's index
        data[(root - 1) * page_size : root * page_size] = b"\xa5" * page_size
    db.write_bytes(bytes(data))
    refused(["run", "-c", "town", "--save"], "cannot write to the store (database disk image is malformed); nothing was changed")
    report = db.parent / "report.csv"
    refused(["run", "-c", "town", "--save", "-f", "csv", "-o", str(report)], "cannot write to the store")
    assert not report.exists()  # a save that fails leaves no output either (the file was written first)
    refused(["history"], "cannot read the store (database disk image is malformed)")
    refused(["diff", "1", "1"], "cannot read the store (database disk image is malformed)")
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM run").fetchone()[0] == 1  # the failed save left no run behind


def test_a_damaged_row_that_decodes_is_named_by_run_or_appeal_not_a_traceback(runner, db):
    """Rows that decode but are not what escore wrote (a total that is no number, an appeal's
    changes of another shape) had ended diff, run and appeal list with a traceback; a run's
    damaged head made history refuse the whole store without saying which run; SQLite's own
    message quoted the undecodable bytes. Each is now one line naming the run or appeal."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "the rate was 100", "--set", "service.reply_rate=100"]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "checked"]))

    def damaged(statement, args, message):
        with closing(sqlite3.connect(db, isolation_level=None)) as connection:
            connection.execute("BEGIN")
            good = [list(row) for row in connection.execute("SELECT * FROM unit_result WHERE run_id = 2 AND position = 1")]
            heads = [list(row) for row in connection.execute("SELECT id, packs FROM run")]
            changes = connection.execute("SELECT changes FROM appeal WHERE id = 1").fetchone()[0]
            connection.execute(statement)
            connection.execute("COMMIT")
        result = runner.invoke(cli, args)
        assert (result.exit_code, result.stderr) == (2, f"escore: error: {db}: {message}\n"), args
        with closing(sqlite3.connect(db, isolation_level=None)) as connection:  # undone for the next case
            connection.execute("DELETE FROM unit_result WHERE run_id = 2 AND position = 1")
            connection.execute(f"INSERT INTO unit_result VALUES ({','.join('?' * len(good[0]))})", good[0])
            connection.executemany("UPDATE run SET packs = ? WHERE id = ?", [(packs, run) for run, packs in heads])
            connection.execute("UPDATE appeal SET changes = ? WHERE id = 1", (changes,))

    read = "cannot read the store (a damaged row: "
    damaged(
        "UPDATE unit_result SET total = 'abc' WHERE run_id = 2 AND position = 1",
        ["diff", "1", "2"],
        read + "run #2, unit south: total: expected an exact number, got 'abc')",
    )
    damaged(
        'UPDATE unit_result SET indicators = \'[["S-1-1", "t", "4", "scored", "NaN", []]]\' WHERE run_id = 2 AND position = 1',
        ["diff", "1", "2"],
        read + "run #2, unit south: S-1-1: expected an exact number, got 'NaN')",
    )
    damaged(  # a code that is no text: diff had sorted it, with a traceback
        """UPDATE unit_result SET indicators = '[[5, "t", "4", "scored", "2", []]]' WHERE run_id = 2 AND position = 1""",
        ["diff", "1", "2"],
        read + "run #2, unit south: indicators: expected an indicator code and status, got [5, 'scored'])",
    )
    damaged(
        """UPDATE unit_result SET indicators = '[["S-1-1", "t", "x", "scored", "2", []]]' WHERE run_id = 2 AND position = 1""",
        ["diff", "1", "2"],
        read + "run #2, unit south: S-1-1: expected an exact number, got 'x')",
    )
    damaged(  # published as it was, exit 0
        "UPDATE unit_result SET rank = 'x' WHERE run_id = 2 AND position = 1",
        ["diff", "1", "2"],
        read + "run #2, unit south: rank: expected a rank (1 or more), got 'x')",
    )
    damaged(
        "UPDATE unit_result SET indicators = '[[]]' WHERE run_id = 2 AND position = 1",
        ["diff", "1", "2"],
        read + "run #2, unit south: not enough values to unpack (expected 6, got 0))",
    )
    damaged(
        "UPDATE unit_result SET sections = 'null' WHERE run_id = 2 AND position = 1",
        ["diff", "1", "2"],
        read + "run #2, unit south: sections: expected a list of objects, got None)",
    )
    damaged("UPDATE appeal SET changes = '[]'", ["run", "-c", "town"], read + "appeal #1: changes: expected a JSON object, got list)")
    damaged(
        """UPDATE appeal SET changes = '{"set": [{"field": "service.reply_rate"}]}'""",
        ["appeal", "list"],
        read + "appeal #1: changes: set: expected 'value' as text in {'field': 'service.reply_rate'})",
    )
    damaged("UPDATE run SET packs = 'oops' WHERE id = 2", ["history"], read + "run #2: Expecting value: line 1 column 1 (char 0))")
    damaged(
        "UPDATE unit_result SET indicators = CAST(X'5b22ff225d' AS TEXT) WHERE run_id = 2 AND position = 1",
        ["diff", "1", "2"],
        "cannot read the store (Could not decode to UTF-8 column 'indicators')",
    )
    assert ok(runner.invoke(cli, ["diff", "1", "2"])).stdout  # every case undone: the store reads again


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists this process's open files in /proc")
@pytest.mark.parametrize("damage", ["'[[1'", "CAST(X'5b22ff225d' AS TEXT)"])  # JSON that does not decode; text that is not UTF-8
def test_a_store_refused_for_a_damaged_row_is_closed_at_once(runner, db, damage):
    """A command refused for a damaged row leaves none of the store's files open in a program
    that goes on (the failed call's cursor was kept by the error, and closing the store then
    left its file, log and index open until a garbage collection: a later command, after the
    log was removed, met "disk I/O error")."""
    import gc

    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    with closing(sqlite3.connect(db, isolation_level=None)) as connection:
        connection.execute(f"UPDATE unit_result SET indicators = {damage} WHERE position = 0")

    def open_files():
        fds = Path("/proc/self/fd")
        return [p for p in (os.readlink(fd) for fd in fds.iterdir() if fd.exists()) if p.startswith(str(db))]

    gc.disable()  # no collection may close them
    try:
        result = runner.invoke(cli, ["diff", "1", "1"])
        assert result.exit_code == 2 and "cannot read the store (" in result.stderr
        assert open_files() == []
    finally:
        gc.enable()


def test_a_store_in_a_directory_that_cannot_be_written_is_read_and_a_save_says_why_not(runner, db):
    """SQLite makes NAME-shm beside a store in WAL mode even to read it: in a directory that
    cannot be written (a published copy on a read-only share) history, diff and run had all
    said 'not a readable escore store (unable to open database file)'. Reads now open it as an
    immutable file; a save names the directory."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "--label", "published"]))
    assert sorted(p.name for p in db.parent.iterdir()) == ["escore.db"]  # no log left: the file holds every run
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(db), str(db.parent)], capture_output=True).returncode:
        pytest.skip("needs chattr +i (root, a file system with attributes): root may write any directory otherwise")
    try:
        assert "published" in ok(runner.invoke(cli, ["history"])).stdout
        assert ok(runner.invoke(cli, ["diff", "1", "1"])).stdout
        ok(runner.invoke(cli, ["run", "-c", "town"]))
        saved = runner.invoke(cli, ["run", "-c", "town", "--save"])
        assert (saved.exit_code, saved.stderr) == (
            2,
            f"escore: error: {db}: cannot open the store: SQLite keeps its lock files beside it (escore.db-shm, escore.db-wal),"
            f" and directory {db.parent} cannot be written\n",
        )
    finally:
        subprocess.run(["chattr", "-i", str(db), str(db.parent)], check=True)


def test_foreign_sqlite_file_is_refused(runner, db):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE mine (x)")
    result = runner.invoke(cli, ["run", "-c", "town", "--save"])
    assert result.exit_code == 2
    assert "not an escore store (an SQLite file holding other tables)" in result.stderr


def _record(units: int = 3) -> dict:
    def unit(n: int) -> dict:
        indicators = [{"code": f"X-{k}", "title": "t", "max": "1", "status": "scored", "points": "0.5", "reasons": ["r"]} for k in range(5)]
        return {
            "code": f"u{n}",
            "name": f"U{n}",
            "parent": "",
            "rank": n + 1,
            "total": "2.5",
            "sections": [],
            "vetoes": [],
            "indicators": indicators,
        }

    head = {
        "kind": "run",
        "label": "",
        "ruleset": "r",
        "year": 2024,
        "category": "c",
        "escore_version": "0",
        "packs": [],
        "evidence": [],
        "evidence_digest": "d",
        "selection": "",
        "synthetic": True,
        "appeals": [],
    }
    return {"run": head, "units": [unit(n) for n in range(units)]}


def test_exception_mid_save_leaves_no_partial_run(tmp_path):
    from escore._store import open_store

    path = tmp_path / "s.db"
    broken = _record()
    del broken["units"][2]["indicators"][3]["points"]  # fails after the run and two units are written
    with open_store(path) as store:
        store.save_run(_record())
        with pytest.raises(KeyError):
            store.save_run(broken)
        assert [r["id"] for r in store.runs()] == [1]
        assert store.db.execute("SELECT COUNT(*) FROM unit_result").fetchone()[0] == 3
        assert store.load_run(1)["units"][2]["indicators"][3]["points"] == "0.5"
        assert store.save_run(_record()) == 2


KILL_MID_SAVE = """
import os, signal, sys
sys.path.insert(0, {root!r})
from escore._store import open_store
from tests.test_cycle import _record
store = open_store({path!r})
calls = []
def handler():
    calls.append(1)
    if len(calls) > 50:  # well inside the transaction: the run row is written, rows are being
        os.kill(os.getpid(), signal.SIGKILL)
    return 0
store.db.set_progress_handler(handler, 10)
store.save_run(_record(200))
print("not killed")
"""


def test_process_killed_mid_save_leaves_no_partial_run(tmp_path):
    from escore._store import open_store

    path = tmp_path / "s.db"
    with open_store(path) as store:
        store.save_run(_record())
    script = KILL_MID_SAVE.format(root=str(ROOT), path=str(path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    with open_store(path) as store:
        assert [r["id"] for r in store.runs()] == [1]
        assert store.db.execute("SELECT COUNT(*) FROM unit_result").fetchone()[0] == 3
        assert store.save_run(_record()) == 2


SAVE_MANY = """
import sys
sys.path.insert(0, {root!r})
from escore._store import open_store
from tests.test_cycle import _record
for _ in range(15):
    with open_store({path!r}) as store:
        store.save_run(_record(40))
"""


def test_a_new_store_switched_to_wal_by_two_processes_at_once(monkeypatch):
    """The second of two processes creating a store is told "database is locked" at once (a
    deadlock of the switch to WAL, which the busy timeout does not cover): it looks again."""
    import sqlite3

    import escore._store as store_module

    monkeypatch.setattr("time.sleep", lambda seconds: None)

    class Racing:
        def __init__(self):
            self.mode, self.refusals, self.statements = "delete", 2, []

        def execute(self, sql):
            self.statements.append(sql)
            if sql == "PRAGMA journal_mode = WAL":
                if self.refusals:
                    self.refusals -= 1
                    self.mode = "wal" if not self.refusals else self.mode  # the other process got there
                    raise sqlite3.OperationalError("database is locked")
                self.mode = "wal"
            return self

        def fetchone(self):
            return (self.mode,)

    racing = Racing()
    store_module._use_wal(racing)
    assert racing.mode == "wal"
    assert racing.statements.count("PRAGMA journal_mode = WAL") == 2  # refused twice, then found in WAL
    other = Racing()
    other.refusals = 0
    store_module._use_wal(other)
    assert other.statements == ["PRAGMA journal_mode", "PRAGMA journal_mode = WAL"]


def test_two_processes_saving_at_once(tmp_path):
    path = tmp_path / "s.db"
    script = SAVE_MANY.format(root=str(ROOT), path=str(path))
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    from escore._store import open_store

    with open_store(path) as store:
        runs = store.runs()
        assert [r["id"] for r in runs] == list(range(1, 31))
        assert {r["units"] for r in runs} == {40}
        assert store.db.execute("SELECT COUNT(*) FROM unit_result, json_each(indicators)").fetchone()[0] == 30 * 40 * 5


def test_two_cli_processes_saving_at_once(tmp_path):
    env = {
        **os.environ,
        "ESCORE_DB": str(tmp_path / "cli.db"),
        "ESCORE_DISABLE_PLUGIN_AUTOLOAD": "1",
        "ESCORE_PLUGINS": "escore_demo.plugin",
    }
    env["PYTHONPATH"] = os.pathsep.join([str(DEMO), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", "import sys; from escore_cli import main; sys.exit(main(sys.argv[1:]))", "run", "-c", "town", "--save"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    assert sorted(e.split("saved run #")[1][0] for e in errors) == ["1", "2"]


# ---------------------------------------------------------------------- whatif


def test_whatif_bad_field_says_did_you_mean(runner):
    result = runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rat=90"])
    assert result.exit_code == 2
    assert result.stderr == "escore: error: --set: service.reply_rat: unknown evidence field (did you mean 'service.reply_rate'?)\n"
    typed = runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rate=lots"])
    assert typed.stderr.startswith("escore: error: --set: service.reply_rate: expected ")
    assert typed.stderr.endswith(" from 0 to 100 (%), got 'lots'\n")
    assert ok(runner.invoke(cli, ["whatif", "east"]), 2).stderr.startswith("escore: error: nothing to change")


def test_whatif_rows_and_save(runner, db):
    removed = as_json(runner.invoke(cli, ["whatif", "east", "--remove-row", "outages:5", "-f", "json"]))
    assert (removed["delta"], removed["indicators"][0]["code"], removed["indicators"][0]["points_after"]) == ("0.05", "S-2-B-1", "30")
    added = as_json(
        runner.invoke(
            cli,
            [
                "whatif",
                "east",
                "--add-row",
                "outages:date=2024-07-01,hours=1.5",
                "--add-row",
                "outages:date=2024-07-02,hours=2",
                "-f",
                "json",
            ],
        )
    )
    assert added["delta"] == "-0.1"
    assert added["indicators"][0]["reasons_after"][-2:] == ["−0.05 outage: 2024-07-01 1.5 h", "−0.05 outage: 2024-07-02 2 h"]
    bad_line = runner.invoke(cli, ["whatif", "east", "--remove-row", "outages:2"])
    assert bad_line.stderr == "escore: error: --remove-row: outages:2: no row of unit 'east' at this line; its rows are at lines 5\n"
    saved = ok(runner.invoke(cli, ["whatif", "east", "--set", "service.median_delay=3", "--save"]))
    assert "total 31.95 → 41.95 (+10.00, exact 10); rank 4 → 4 of 4" in saved.stdout
    [run] = as_json(runner.invoke(cli, ["history", "-f", "json"]))["runs"]
    assert (run["kind"], run["label"], run["whatif"]) == (
        "whatif",
        "whatif east --set service.median_delay=3",
        "east --set service.median_delay=3",
    )


def test_an_added_row_never_takes_a_removed_row_s_line(demo_catalog):
    """An added row is in no file: numbered after every row loaded and every row added, never at
    the line of a row the same what-if removed (east's outage is the table's last line, 5)."""
    from escore._cycle import Changes, run_cycle

    cycle = run_cycle(demo_catalog, "town")
    assert [row.line for row in cycle.data.tables["outages"]["east"]] == [5]
    changes = Changes.from_options((), ["outages:date=2024-07-01,hours=1.5", "outages:date=2024-07-02,hours=2"], ["outages:5"])
    changed = changes.apply(cycle.result.plan, cycle.data, "east")
    assert [(row.line, str(row.hours)) for row in changed.tables["outages"]["east"]] == [(6, "1.5"), (7, "2")]


def test_whatif_splits_a_row_on_the_commas_outside_quotes_and_brackets():
    from escore._cycle import _split_top

    assert _split_top('a=1, b="x,y" ,c={p=1, r="q,r"},d=[1,2],e=\'s,t\',') == ["a=1", 'b="x,y"', 'c={p=1, r="q,r"}', "d=[1,2]", "e='s,t'"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--set", "service.reply_rate"],
            "--set 'service.reply_rate': expected FIELD=VALUE: a field key as escore template lists it, '=', then its value",
        ),
        (["--set", "=90"], "--set '=90': expected FIELD=VALUE: a field key as escore template lists it, '=', then its value"),
        (["--add-row", "date=2024-07-01"], "--add-row 'date=2024-07-01': expected TABLE:COLUMN=VALUE,COLUMN=VALUE"),
        (["--remove-row", "outages:five"], "--remove-row 'outages:five': expected TABLE:LINE, e.g. --remove-row website_notices:4"),
        (["--add-row", "outage:date=2024-07-01,hours=1"], "--add-row: outage: unknown monitoring table (did you mean 'outages'?)"),
        (["--add-row", "outages:date=2024-07-01,hours"], "--add-row: outages:hours: expected COLUMN=VALUE"),
        (
            ["--add-row", "outages:unit=north,date=2024-07-01,hours=1"],
            "--add-row: outages:unit: expected 'east' or one of its sub-units, got 'north'",
        ),
        (["--add-row", 'outages:date="2024-07-01,x",hours=1'], "date: expected a date, YYYY-MM-DD, got '2024-07-01,x'"),
        (
            ["--add-row", "outages:date=2024-13-01,hours=1"],
            "error: --add-row: outages:date: expected a date, YYYY-MM-DD, got '2024-13-01'\n",
        ),
        (["--add-row", "outages:dat=2024-07-01,hours=1"], "error: --add-row: outages:dat: unknown column (did you mean 'date'?)\n"),
        # The later value had won without a word (an appeal's kind=… twice deducted under another indicator).
        (
            ["--add-row", "outages:date=2024-07-01,hours=1,date=2024-07-02"],
            "error: --add-row: outages:date: the column is given twice in one row: give each column once\n",
        ),
        (
            ["--add-row", "outages:unit=east,date=2024-07-01,unit=east,hours=1"],
            "error: --add-row: outages:unit: the column is given twice in one row: give each column once\n",
        ),
        (["--set", 'service.platforms=["a", " a "]'], "error: --set: service.platforms: 'a' is listed twice"),
        (
            ["--add-row", "outages:date=2204-07-01,hours=1"],
            "error: --add-row: outages: date: expected a date from 2014-01-01 to 2034-12-31 (10 years around 2024",
        ),
        (
            ["--set", "service.reply_rate=" + "[" * 5000 + "]" * 5000],
            "error: --set: service.reply_rate: nested too deeply (at most 32 levels)\n",
        ),
        (
            ["--add-row", "outages:date=2024-07-01,hours=" + "[" * 5000 + "]" * 5000],
            "error: --add-row: outages:hours: nested too deeply (at most 32 levels)\n",
        ),
        (["--set", "service.reply_rate=[2024-07-01, 2.5]"], "got [2024-07-01, 2.5]\n"),
        (
            ["--set", "service.reply_rate=1e-999999999"],
            "error: --set: service.reply_rate: number out of range: at most 40 digits, magnitude below 1e31, no finer than 1e-40\n",
        ),
    ],
    ids=[
        "no value",
        "no field",
        "no table",
        "a line that is not a number",
        "an unknown table",
        "a cell without its value",
        "another unit's row",
        "a quoted comma",
        "a bad cell: the option and the table, not a line of no file",
        "an unknown column",
        "a column given twice",
        "the unit given twice",
        "an item listed twice once stripped, as a cell's (it had counted twice)",
        "a date decades away, refused as in a file (it had been read as 180 years late)",
        "a value nested 5,000 deep: the limits of a TOML file (a RecursionError before)",
        "a cell nested 5,000 deep",
        "a list shown as TOML writes it, not as Python's repr (datetime.date(2024, 7, 1))",
        "a number no evidence file may hold (an exact delta of a billion digits before)",
    ],
)
def test_whatif_changes_that_cannot_be_read_are_usage_errors(runner, args, message):
    """Each change option is read as written, quotes and brackets included, or refused naming
    the option, what it gave and what it takes."""
    result = runner.invoke(cli, ["whatif", "east", *args])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-c", "town", "--label", "on-site"], "--label names a saved run: add --save"),
        (["whatif", "east", "--set", "service.reply_rate=100", "--label", "x"], "--label names a saved run: add --save"),
        (
            ["appeal", "add", "west", "S-1-1", "--claim", " "],
            "--claim: say what the appeal claims; it is recorded with the appeal and shown with its effect",
        ),
        (["explain", "east", "-c", "twon"], "unknown category 'twon'; did you mean 'town'?"),
        (["explain", "east", "--year", "2031"], "no installed ruleset is of 2031; years installed: 2024"),
        (
            ["appeal", "add", "west", "S-1-1", "--claim", "rate", "--set", "service.reply_rate=90", "--set", "service.reply_rate=95"],
            "--set service.reply_rate is given twice (90, then 95): give each field once",
        ),
        (["run", "-c", "town", "--save", "--label", "on\nsite"], "--label: expected one line of printable text, got 'on\\nsite'"),
        (
            ["whatif", "east", "--set", "service.reply_rate=100", "--save", "--label", "x\ty"],
            "--label: expected one line of printable text, got 'x\\ty'",
        ),
        (
            ["appeal", "add", "west", "S-1-2", "--claim", "rate", "--set", "service.reply_rate=100"],
            "service.reply_rate feeds S-1-1, not S-1-2: an appeal changes the evidence of the indicator it appeals (file one against S-1-1)",
        ),
        (
            ["whatif", "east", "--remove-row", "outages:5", "--remove-row", "outages:5"],
            "--remove-row outages:5 is given twice: give each row once",
        ),
    ],
    ids=[
        "run --label alone",
        "whatif --label alone",
        "an empty claim",
        "explain: a category",
        "explain: a year",
        "a field set twice",
        "a label of two lines",
        "a label with a tab",
        "an appeal changing another indicator's evidence",
        "a row removed twice",
    ],
)
def test_options_that_would_do_nothing_or_mislead_are_named(runner, db, args, message):
    """Each was taken without a word (a label on no saved run, an appeal claiming nothing) or
    answered "no unit with code or name"."""
    result = runner.invoke(cli, [*args, "--lang", "en"])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"escore: error: {message}\n")
    assert not db.exists()


def test_whatif_graded_value_and_rank(runner):
    data = as_json(runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rate=100", "--set", "website.leak=false", "-f", "json"]))
    assert (data["total_after"], data["rank_after"], data["units_ranked"]) == ("65.95", 3, 4)
    assert [i["code"] for i in data["indicators"]] == ["S-1-1", "W-1-1", "W-1-2", "W-1-3", "W-4"]


# ---------------------------------------------------------------------- diff


def test_diff_of_runs_that_selected_different_indicators_says_so(runner):
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "-k", "S-1"]))
    data = json.loads(ok(result := runner.invoke(cli, ["diff", "1", "2", "-f", "json", "--lang", "en"])).stdout)
    assert result.stderr == (
        "escore: warning: the runs score different indicators (before: every indicator; after: -k 'S-1'): "
        "their totals differ by what one left out\n"
    )
    full = as_json(runner.invoke(cli, ["run", "-c", "town", "-f", "json"]))
    north = next(u for u in full["units"] if u["code"] == "north")
    s1 = sum(Decimal(i["points"]) for i in north["indicators"] if i["code"].startswith("S-1-"))  # services weigh 60 of raw 60
    assert (s1, Decimal(north["total"])) == (Decimal("22"), Decimal("92"))
    assert next(u for u in data["units"] if u["code"] == "north")["total_after"] == "22"
    same = ok(runner.invoke(cli, ["diff", "2", "2", "-f", "json"]))
    assert same.stderr == ""


def test_a_diff_of_runs_saved_in_two_languages_compares_points_not_words(runner):
    """Runs saved under --lang zh and --lang en had every unit changed, every indicator listed
    with the same points: only the explanations' language differed."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "--lang", "zh"]))
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "--lang", "en"]))
    result = ok(runner.invoke(cli, ["diff", "1", "2", "-f", "json", "--lang", "en"]))
    assert result.stderr == (
        "escore: warning: the runs' explanations are in different languages (zh, en): points and statuses are compared, not explanations\n"
    )
    data = json.loads(result.stdout)
    assert (data["before"]["language"], data["after"]["language"]) == ("zh", "en")
    assert [(u["code"], u["delta"], u["indicators"]) for u in data["units"]] == [
        ("east", "0", []),
        ("north", "0", []),
        ("south", "0", []),
        ("west", "0", []),
    ]
    # In one language the explanations are compared: a change of words alone is a change.
    ok(runner.invoke(cli, ["run", "-c", "town", "--save", "--lang", "en", "-e", str(SAMPLE)]))
    same = as_json(runner.invoke(cli, ["diff", "2", "3", "-f", "json"]))
    assert all(u["indicators"] == [] for u in same["units"])


def test_a_diff_of_saved_runs_refuses_options_it_would_ignore(runner):
    """diff RUN RUN compares the runs as saved: -c city, --ruleset nosuch, --year 1999 and -e
    nowhere were ignored (exit 0)."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    for args, message in (
        (["--ruleset", "nosuch"], "--ruleset: two saved runs are compared as they were scored; leave --ruleset out, or diff evidence"),
        (["--year", "1999", "-e", "nowhere"], "--year, --evidence: two saved runs are compared as they were scored"),
        (["-c", "city"], "-c city: the saved runs are of category 'town'\n"),
    ):
        result = runner.invoke(cli, ["diff", "1", "1", *args, "--lang", "en"])
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert ok(runner.invoke(cli, ["diff", "1", "1", "-c", "town"])).exit_code == 0


def test_diff_two_evidence_directories(runner, evidence, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(evidence, changed)
    edit(changed / "units" / "north.toml", "reply_rate = 100", "reply_rate = 85")
    data = as_json(runner.invoke(cli, ["diff", str(evidence), str(changed), "-c", "town", "-f", "json"]))
    north = next(u for u in data["units"] if u["code"] == "north")
    assert (north["delta"], north["rank_before"], north["rank_after"]) == ("-4", 1, 1)
    assert (data["before"]["evidence"], data["after"]["evidence"]) == (["evidence"], ["changed"])
    html = ok(runner.invoke(cli, ["diff", str(evidence), str(changed), "-c", "town", "-f", "html"])).stdout
    from html.parser import HTMLParser

    HTMLParser().feed(html)
    assert "<td>north</td><td>North Town</td>" in html and "−4.00" not in html and "-4.00" in html
    assert ok(runner.invoke(cli, ["diff", str(evidence), str(changed)]), 2).stderr.endswith("needs --category/-c\n")


def test_diff_one_evidence_under_two_rulesets(monkeypatch, db):
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,tests.plugin_demo2025")
    runner = CliRunner()
    data = as_json(runner.invoke(cli, ["diff", "--ruleset", "demo2024", "--ruleset", "demo2025", "-c", "town", "-f", "json"]))
    assert (data["before"]["ruleset"], data["after"]["ruleset"]) == ("demo2024", "demo2025")
    # demo2025 reuses the 2024 rules: the same evidence scores the same
    assert [u["delta"] for u in data["units"]] == ["0", "0", "0", "0"]
    assert all(u["rank_before"] == u["rank_after"] for u in data["units"])


YEARS_2024_2026 = "escore_demo.plugin,tests.plugin_demo2026"
ACROSS_YEARS = ["diff", "--ruleset", "demo2024", "--ruleset", "demo2026", "-c", "town", "--lang", "en"]


def test_a_diff_across_years_shows_what_the_rules_changed(monkeypatch, db):
    """demo2026 removes S-1-2, scores S-1-3 out of 12 (was 10), adds S-1-4 and weighs the website
    50 (was 40). A removed or added indicator had delta null (its points in no delta, so the
    deltas did not add up to the unit's), a changed maximum showed only the new one, and the
    sections, which moved every total, were nowhere."""
    jsonschema = pytest.importorskip("jsonschema")
    from escore._report import schema_text

    monkeypatch.setenv("ESCORE_PLUGINS", YEARS_2024_2026)
    data = as_json(CliRunner().invoke(cli, [*ACROSS_YEARS, "-f", "json"]))
    jsonschema.Draft202012Validator(json.loads(schema_text("diff"))).validate(data)
    assert data["schema_version"] == 2
    assert data["sections"] == [
        {
            "name": "services",
            "title": "Public services",
            "weight_before": "60",
            "weight_after": "60",
            "raw_max_before": "60",
            "raw_max_after": "60",
            "change": "unchanged",
        },
        {
            "name": "website",
            "title": "Website",
            "weight_before": "40",
            "weight_after": "50",
            "raw_max_before": "100",
            "raw_max_after": "100",
            "change": "changed",
        },
    ]
    units = {u["code"]: u for u in data["units"]}
    north = units["north"]
    keys = ("code", "change", "points_before", "points_after", "delta", "max_before", "max_after", "max", "status_before", "status_after")
    assert [tuple(i[k] for k in keys) for i in north["indicators"]] == [
        ("S-1-2", "removed", "10", None, "-10", "10", None, "10", "scored", None),
        ("S-1-3", "changed", "2", "2", "0", "10", "12", "12", "scored", "scored"),  # listed for its maximum alone
        ("S-1-4", "added", None, "8", "8", None, "8", "8", None, "scored"),
    ]
    assert north["sections"] == [
        {
            "name": "services",
            "raw_before": "52",
            "raw_after": "50",
            "points_before": "52",
            "points_after": "50",
            "delta": "-2",
            "capped_before": False,
            "capped_after": False,
        },
        {
            "name": "website",
            "raw_before": "100",
            "raw_after": "100",
            "points_before": "40",
            "points_after": "50",
            "delta": "10",
            "capped_before": True,
            "capped_after": True,
        },
    ]
    east = units["east"]["indicators"]
    assert [(i["code"], i["change"], i["delta"], i["status_after"]) for i in east] == [
        ("S-1-2", "removed", "0", None),
        ("S-1-3", "changed", "0", "scored"),
        ("S-1-4", "added", "0", "missing"),  # east gives no service.plan_filed
    ]
    for unit in data["units"]:
        # The services section keeps its weight (60 of 60): its indicators' deltas are its delta;
        # the sections' deltas are the unit's.
        services = sum(Decimal(i["delta"]) for i in unit["indicators"] if i["code"].startswith("S-"))
        assert services == Decimal(unit["sections"][0]["delta"]), unit["code"]
        assert sum(Decimal(s["delta"]) for s in unit["sections"]) == Decimal(unit["delta"]), unit["code"]
    assert [(u["code"], u["delta"]) for u in data["units"]] == [("east", "0.5"), ("north", "8"), ("south", "3.4"), ("west", "0.6")]


def test_a_diff_across_years_marks_the_changes_in_its_table_and_page(monkeypatch, db):
    monkeypatch.setenv("ESCORE_PLUGINS", YEARS_2024_2026)
    table = ok(CliRunner().invoke(cli, ACROSS_YEARS)).stdout.splitlines()
    assert table[:3] == [
        "before: demo2024 on escore_demo/sample",
        "after:  demo2026 on escore_demo/sample",
        "section website Website: weight 40 → 50",
    ]
    details = [line for line in table if line.startswith(("east ", "north ", "west ")) and ":" in line]
    assert details == [
        "east sections: services 29.95 → 29.95 (0.00); website 2.00 → 2.50 (+0.50)",
        "east S-1-2 Reply delay: 0.00 → - (0.00, removed)",
        "east S-1-3 Shared platforms: 0.00/10 → 0.00/12 (0.00)",
        "east S-1-4 Plan on record: - → 0.00 missing (0.00, added)",
        "north sections: services 52.00 → 50.00 (-2.00); website 40.00 → 50.00 (+10.00)",
        "north S-1-2 Reply delay: 10.00 → - (-10.00, removed)",
        "north S-1-3 Shared platforms: 2.00/10 → 2.00/12 (0.00)",
        "north S-1-4 Plan on record: - → 8.00 (+8.00, added)",
        "west sections: services 26.00 → 18.00 (-8.00); website 34.40 → 43.00 (+8.60)",
        "west S-1-2 Reply delay: 10.00 → - (-10.00, removed)",
        "west S-1-3 Shared platforms: 10.00/10 → 12.00/12 (+2.00)",
        "west S-1-4 Plan on record: - → 0.00 (0.00, added)",
    ]
    html = ok(CliRunner().invoke(cli, [*ACROSS_YEARS, "-f", "html"])).stdout
    assert "<p>section website Website: weight 40 → 50</p>" in html
    assert "<p>north sections: services 52.00 → 50.00 (-2.00); website 40.00 → 50.00 (+10.00)</p>" in html
    assert "<h3>north S-1-2 Reply delay: 10.00 → - (-10.00, removed)</h3>" in html
    assert "<h3>west S-1-3 Shared platforms: 10.00/10 → 12.00/12 (+2.00)</h3>" in html
    assert "<h3>east S-1-4 Plan on record: - → 0.00 missing (0.00, added)</h3>" in html
    chinese = ok(CliRunner().invoke(cli, [*ACROSS_YEARS[:-1], "zh"])).stdout.splitlines()
    assert chinese[2] == "部分 website Website：权重 40 → 50"
    assert "north S-1-2 Reply delay：10.00 → -（-10.00，删除指标）" in chinese
    assert "east S-1-4 Plan on record：- → 0.00 缺少证据（0.00，新增指标）" in chinese
    assert "north 各部分：services 52.00 → 50.00（-2.00）；website 40.00 → 50.00（+10.00）" in chinese


def test_a_diff_of_sections_added_removed_and_resized_says_so():
    """A year may drop a section, add one or change a raw maximum: the header says which, and each
    unit's section points count a section its side lacks as 0."""
    from escore._cycle import diff_runs
    from escore_cli._cycle import diff_table

    def record(ruleset, sections):
        parts = [
            {"name": n, "title": n.title(), "weight": w, "raw": p, "raw_max": m, "points": p, "capped": False} for n, w, m, p in sections
        ]
        total = str(sum(Decimal(p) for _n, _w, _m, p in sections))
        unit = {"code": "u1", "name": "U", "rank": 1, "total": total, "sections": parts, "indicators": []}
        run = {"category": "town", "ruleset": ruleset, "evidence": ["ev"], "appeals": []}
        return {"run": run, "units": [unit]}

    before = record("a", [("one", "60", "60", "50"), ("two", "40", "100", "30")])
    after = record("b", [("one", "60", "80", "50"), ("three", "40", "40", "35")])
    data = diff_runs(before, after)
    assert [(s["name"], s["change"], s["raw_max_before"], s["raw_max_after"]) for s in data["sections"]] == [
        ("one", "changed", "60", "80"),
        ("two", "removed", "100", None),
        ("three", "added", None, "40"),
    ]
    assert [(s["name"], s["points_before"], s["points_after"], s["delta"]) for s in data["units"][0]["sections"]] == [
        ("one", "50", "50", "0"),
        ("two", "30", None, "-30"),
        ("three", None, "35", "35"),
    ]
    assert data["units"][0]["delta"] == "5"
    lines = diff_table(data).splitlines()
    assert lines[2:5] == [
        "section one One: raw max 60 → 80",
        "section two Two: removed (weight 40, raw max 100)",
        "section three Three: added (weight 40, raw max 40)",
    ]
    assert "u1 sections: one 50.00 → 50.00 (0.00); two 30.00 → - (-30.00); three - → 35.00 (+35.00)" in lines


def test_a_diff_marks_an_indicator_missing_on_one_side(runner, evidence, tmp_path):
    """A row of a diff said 10.00 → 0.00 where the after side had no evidence: the run's own
    outputs say missing, the diff's row did not."""
    later = tmp_path / "later"
    shutil.copytree(evidence, later)
    edit(later / "units" / "north.toml", "median_delay = 3\n", "")
    args = ["diff", str(evidence), str(later), "-c", "town", "--lang", "en"]
    table = ok(runner.invoke(cli, args)).stdout
    assert "north S-1-2 Reply delay: 10.00 → 0.00 missing (-10.00)" in table
    assert "section " not in table and "sections:" not in table  # one ruleset: its sections did not change
    data = as_json(runner.invoke(cli, [*args, "-f", "json"]))
    [item] = next(u for u in data["units"] if u["code"] == "north")["indicators"]
    assert (item["change"], item["status_before"], item["status_after"], item["max_before"], item["max_after"]) == (
        "changed",
        "scored",
        "missing",
        "10",
        "10",
    )
    assert all(s["change"] == "unchanged" for s in data["sections"])


def test_a_diff_says_which_side_the_accepted_appeals_were_applied_to(monkeypatch, db):
    """Appeals are of a year: under --ruleset demo2024 --ruleset demo2026 an appeal of 2024 applies
    to the run before alone; stderr had said "applied accepted appeal(s) #1" of the diff as a whole."""
    monkeypatch.setenv("ESCORE_PLUGINS", YEARS_2024_2026)
    runner = CliRunner()
    appeal = ["appeal", "add", "east", "S-1-1", "--claim", "rate counted wrong", "--set", "service.reply_rate=80", "--ruleset", "demo2024"]
    ok(runner.invoke(cli, appeal))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "checked"]))
    result = ok(runner.invoke(cli, ACROSS_YEARS))
    assert "escore: applied accepted appeal(s) #1 to the run before (demo2024)\n" in result.stderr
    assert "applied accepted appeal(s) #1\n" not in result.stderr
    assert result.stdout.splitlines()[:2] == [
        "before: demo2024 on escore_demo/sample; accepted appeal(s) #1 applied",
        "after:  demo2026 on escore_demo/sample",
    ]
    ok(runner.invoke(cli, [*appeal[:-1], "demo2026"]))  # the same claim, filed in 2026 too
    ok(runner.invoke(cli, ["appeal", "decide", "2", "--accept", "--reason", "checked"]))
    result = ok(runner.invoke(cli, ACROSS_YEARS))
    assert "escore: applied accepted appeal(s) #1 to the run before (demo2024)\n" in result.stderr
    assert "escore: applied accepted appeal(s) #2 to the run after (demo2026)\n" in result.stderr
    same = ok(runner.invoke(cli, ["diff", "--ruleset", "demo2024", "--ruleset", "demo2024", "-c", "town", "--lang", "en"]))
    assert "escore: applied accepted appeal(s) #1 to both runs (demo2024)\n" in same.stderr


def test_a_diff_across_years_of_a_units_table_is_the_diff_of_the_roster(monkeypatch, db, evidence, tmp_path):
    """diff --roster takes the sections from the plans, the roster's diff from the runs' units: the same."""
    from escore._plugins import Catalog, make_plugin_manager

    monkeypatch.setenv("ESCORE_PLUGINS", YEARS_2024_2026)
    table = _units_table(tmp_path / "units.csv", Catalog(make_plugin_manager()).roster("demo2024", "town"))
    runner = CliRunner()
    for format_ in ("json", "table", "html"):
        args = [*ACROSS_YEARS, "-e", str(evidence), "-f", format_]
        of_table = ok(runner.invoke(cli, [*args, "--roster", str(table), "-j", "1"])).stdout
        assert of_table == ok(runner.invoke(cli, args)).stdout, format_
        if format_ == "json":
            data = json.loads(of_table)
            assert [(s["name"], s["weight_before"], s["weight_after"], s["change"]) for s in data["sections"]] == [
                ("services", "60", "60", "unchanged"),
                ("website", "40", "50", "changed"),
            ]
            assert [s["delta"] for s in data["units"][1]["sections"]] == ["-2", "10"]  # north


@pytest.mark.parametrize("saved_first", [True, False])
def test_a_directory_beside_a_saved_run_is_scored_with_the_run_s_ruleset(monkeypatch, db, evidence, saved_first):
    """A 2024 run diffed with a directory had the directory scored by the latest installed year
    (2025): every rule the later pack changed showed as a change of the evidence."""
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,tests.plugin_demo2025")
    runner = CliRunner()
    ok(runner.invoke(cli, ["run", "-c", "town", "--year", "2024", "--save"]))
    sides = ["1", str(evidence)] if saved_first else [str(evidence), "1"]
    data = as_json(runner.invoke(cli, ["diff", *sides, "-c", "town", "-f", "json"]))
    assert (data["before"]["ruleset"], data["after"]["ruleset"]) == ("demo2024", "demo2024")
    data = as_json(runner.invoke(cli, ["diff", *sides, "-c", "town", "--year", "2025", "-f", "json"]))
    fresh = data["after"] if saved_first else data["before"]
    assert fresh["ruleset"] == "demo2025"  # asked for: the evidence under the later year's rules


def test_diff_bad_arguments(runner):
    assert "neither a saved run id nor an evidence directory" in ok(runner.invoke(cli, ["diff", "nope", "1"]), 2).stderr
    assert "save a run with escore run … --save first" in ok(runner.invoke(cli, ["diff", "1", "2"]), 2).stderr
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    assert (
        ok(runner.invoke(cli, ["diff", "1", "7"]), 2).stderr
        == f"escore: error: no saved run #7 in {os.environ['ESCORE_DB']}; saved runs: 1\n"
    )
    beyond = "9" * 23  # beyond SQLite's integers: an OverflowError before
    assert (
        ok(runner.invoke(cli, ["diff", "1", beyond]), 2).stderr
        == f"escore: error: no saved run #{beyond} in {os.environ['ESCORE_DB']}; saved runs: 1\n"
    )


# ---------------------------------------------------------------------- plan


def test_every_plan_action_gains_exactly_through_whatif(runner):
    plan = as_json(runner.invoke(cli, ["plan", "east", "-f", "json"]))
    gains = [Decimal(a["gain"]) for a in plan["actions"]]
    assert gains == sorted(gains, reverse=True) and all(g > 0 for g in gains)
    texts = [a["explanation"] for a in plan["actions"]]
    assert "service.reply_rate 79.9 → 80: reply rate → 80% reaches tier '≥ 80% → 6'; S-1-1 0 → 6 of 10, total +6" in texts
    assert "service.median_delay 8 → 7: median delay → 7 days reaches tier '≤ 7 days → 5'; S-1-2 0 → 5 of 10, total +5" in texts
    assert "remove outages line 5 (or correct it): each outage avoided gains 0.05; S-2-B-1 29.95 → 30 of 30, total +0.05" in texts
    for action in plan["actions"]:
        whatif = as_json(runner.invoke(cli, ["whatif", "east", *action["args"], "-f", "json"]))
        assert whatif["delta"] == action["gain"], action


def test_a_plan_proposes_two_fields_a_rule_asks_for_together(runner, monkeypatch):
    """C-1-2 gives 10 points only with the plan issued *and* the work started: neither alone
    gains, and a unit lacking both was proposed nothing for its largest loss."""
    for name in ("ESCORE_DISABLE_PLUGIN_AUTOLOAD", "ESCORE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESCORE_LANG", "en")
    plan = as_json(runner.invoke(cli, ["plan", "nanping", "-c", "city", "-f", "json"]))
    first = plan["actions"][0]
    assert (first["indicator"], first["gain"], first["points_before"], first["points_after"]) == ("C-1-2", "10", "0", "10")
    assert first["set"] == [
        {"field": "city.data_centre.plan_issued", "value": "true"},
        {"field": "city.data_centre.work_started", "value": "true"},
    ]
    assert first["explanation"].startswith("city.data_centre.plan_issued no → yes and city.data_centre.work_started no → yes together: ")
    whatif = as_json(runner.invoke(cli, ["whatif", "nanping", "-c", "city", *first["args"], "-f", "json"]))
    assert whatif["delta"] == "10"


def test_plan_provides_missing_evidence(runner, evidence):
    edit(evidence / "units" / "north.toml", "median_delay = 3\n", "")
    plan = as_json(runner.invoke(cli, ["plan", "north", "-e", str(evidence), "-f", "json"]))
    [action] = [a for a in plan["actions"] if a["indicator"] == "S-1-2"]
    assert action["explanation"].startswith("provide service.median_delay: up to 10 points")
    assert action["gain"] == "10"
    assert as_json(runner.invoke(cli, ["whatif", "north", "-e", str(evidence), *action["args"], "-f", "json"]))["delta"] == "10"


def test_the_plans_whatif_command_scores_what_the_plan_scored(runner, evidence, db):
    """Each action's command, as the table and the page print it, repeats the options that chose
    what the plan scored (here its evidence, category and store): typed as printed, it gains
    exactly the action's gain. Without -e it would score the sample's evidence (another gain)."""
    import html
    import shlex

    edit(evidence / "units" / "north.toml", "median_delay = 3\n", "")
    args = ["plan", "north", "-c", "town", "-e", str(evidence), "--db", str(db), "--no-appeals"]
    plan = as_json(runner.invoke(cli, [*args, "-f", "json"]))
    table = ok(runner.invoke(cli, args)).stdout
    page = ok(runner.invoke(cli, [*args, "-f", "html"])).stdout
    commands = [line.strip() for line in table.splitlines() if line.strip().startswith("escore whatif ")]
    assert len(commands) == len(plan["actions"]) >= 1
    prefix = ["escore", "whatif", "north", "-c", "town", "--year", "2024", "-e", str(evidence), "--db", str(db), "--no-appeals"]
    for command, action in zip(commands, plan["actions"]):
        argv = shlex.split(command)
        assert argv == [*prefix, *action["args"]]
        assert html.escape(command) in page
        assert as_json(runner.invoke(cli, [*argv[1:], "-f", "json"]))["delta"] == action["gain"], command
    [provide] = [a for a in plan["actions"] if a["indicator"] == "S-1-2"]
    assert as_json(runner.invoke(cli, ["whatif", "north", *provide["args"], "-f", "json"]))["delta"] != provide["gain"]


def test_plan_html_and_table(runner):
    html = ok(runner.invoke(cli, ["plan", "east", "-f", "html"])).stdout
    assert html.startswith("<!DOCTYPE html>") and "SYNTHETIC EVIDENCE" in html
    table = ok(runner.invoke(cli, ["plan", "east"])).stdout
    assert "   escore whatif east --year 2024 --set website.leak=false\n" in table


def test_plan_is_fast_for_a_fj2017_unit():
    """The plan of a real-size unit: every action verified (speed is measured in the README, not asserted)."""
    from escore._cycle import Changes, run_cycle
    from escore._plan import improvement_plan
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of

    catalog = Catalog(make_plugin_manager())
    if "city" not in catalog.category_keys():
        pytest.skip("fj2017 packs not installed")
    cycle = run_cycle(catalog, "city", ruleset="fj2017")
    result = cycle.result
    unit = next(u.unit for u in result.units if u.unit.code == "fuzhou")
    plan = improvement_plan(result.plan, result.selected, unit, children_of(catalog, result.plan)["fuzhou"], cycle.data)
    assert len(plan["actions"]) > 10
    for action in plan["actions"][:5]:
        changes = Changes.from_options([f"{s['field']}={s['value']}" for s in action["set"]], (), action["remove_row"])
        after = run_cycle(catalog, "city", ruleset="fj2017", whatif=("fuzhou", changes))
        before = next(u for u in result.units if u.unit.code == "fuzhou").total
        now = next(u for u in after.result.units if u.unit.code == "fuzhou").total
        assert now - before == Decimal(action["gain"])


# ---------------------------------------------------------------------- appeals


def test_appeals_are_recorded_and_final(runner):
    ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "the rate was 100", "--set", "service.reply_rate=100"]))
    ok(runner.invoke(cli, ["appeal", "add", "west", "W-2", "--claim", "design is fine"]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--reject", "--reason", "no proof"]))
    again = runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "changed my mind"])
    assert again.exit_code == 2 and "appeal #1 was already rejected" in again.stderr
    assert (
        ok(runner.invoke(cli, ["appeal", "decide", "2", "--reason", "r"]), 2).stderr
        == "escore: error: appeal decide: give --accept or --reject\n"
    )
    both = ok(runner.invoke(cli, ["appeal", "decide", "2", "--accept", "--reject", "--reason", "r"]), 2)  # was: the last one won
    assert both.stderr == "escore: error: appeal decide: --accept and --reject together; give one of them\n"
    beyond = ok(runner.invoke(cli, ["appeal", "decide", str(2**63), "--accept", "--reason", "r"]), 2)  # was: OverflowError
    assert beyond.stderr.startswith(f"escore: error: no appeal #{2**63} in ") and beyond.stderr.endswith("; appeals: 1, 2\n")
    ok(runner.invoke(cli, ["appeal", "decide", "2", "--accept", "--reason", "agreed"]))
    listed = as_json(runner.invoke(cli, ["appeal", "list", "-f", "json"]))["appeals"]
    assert [(a["id"], a["status"], [e["action"] for e in a["events"]]) for a in listed] == [
        (1, "rejected", ["filed", "rejected"]),
        (2, "accepted", ["filed", "accepted"]),
    ]
    assert listed[0]["changes"]["set"] == [{"field": "service.reply_rate", "value": "100"}]
    # A category mistyped is not "no appeals" (it had said so, exit 0); a status none has is.
    mistyped = ok(runner.invoke(cli, ["appeal", "list", "-c", "twon", "--lang", "en"]), 2)
    assert mistyped.stderr == "escore: error: no appeal is of category 'twon'; did you mean 'town'?\n"
    other = ok(runner.invoke(cli, ["appeal", "list", "-c", "city", "--lang", "en"]))
    assert other.stdout == "no appeal is of category 'city'; appeals are of: town\n"
    assert ok(runner.invoke(cli, ["appeal", "list", "-c", "town", "--status", "filed", "--lang", "en"])).stdout == "no appeals\n"
    run = as_json(runner.invoke(cli, ["run", "-c", "town", "-f", "json"]))
    west = next(u for u in run["units"] if u["code"] == "west")
    s11 = next(i for i in west["indicators"] if i["code"] == "S-1-1")
    assert not any("appeal" in r for r in s11["reasons"])  # the rejected appeal changes nothing
    w2 = next(i for i in west["indicators"] if i["code"] == "W-2")
    assert w2["reasons"][-1] == "appeal #2 accepted, no change in points (design is fine)"
    explained = ok(runner.invoke(cli, ["explain", "west"]))
    assert "applied accepted appeal(s) #2" in explained.stderr
    assert "        · appeal #2 accepted, no change in points (design is fine)\n" in explained.stdout
    plain = as_json(runner.invoke(cli, ["run", "-c", "town", "-f", "json", "--no-appeals"]))
    assert not any("appeal" in r for u in plain["units"] for i in u["indicators"] for r in i["reasons"])


def test_an_accepted_removal_is_of_the_row_it_was_filed_for(runner, evidence):
    """Two appeals removing one row were both accepted, and every later run failed for good
    (decisions are final); and an appeal kept only a line number, so a row deleted from the
    file made it remove whichever row came to that line, without a word."""
    remove = ["--remove-row", "outages:2", "-e", str(evidence)]
    ok(runner.invoke(cli, ["appeal", "add", "south", "S-2-B-1", "--claim", "planned maintenance", *remove]))
    ok(runner.invoke(cli, ["appeal", "add", "south", "S-2-B-1", "--claim", "the same again", *remove]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "agreed"]))
    twice = ok(runner.invoke(cli, ["appeal", "decide", "2", "--accept", "--reason", "agreed"]), 2)
    assert twice.stderr == "escore: error: appeal #2 removes outages:2, which accepted appeal #1 removes already; reject it\n"
    ok(runner.invoke(cli, ["appeal", "decide", "2", "--reject", "--reason", "in effect through #1"]))
    applied = ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "csv"]))
    assert "applied accepted appeal(s) #1" in applied.stderr
    listed = as_json(runner.invoke(cli, ["appeal", "list", "-f", "json"]))["appeals"]
    assert listed[0]["changes"]["remove_row"] == [{"table": "outages", "line": 2, "cells": ["2024-03-01", "2"]}]

    outages = evidence / "monitoring" / "outages.csv"
    lines = outages.read_text(encoding="utf-8").splitlines(keepends=True)
    outages.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # line 2 is now south.a's outage
    moved = ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "csv"]), 2)
    assert moved.stderr == (
        "escore: error: appeal #1: outages:2: the row at this line is not the one this change was made for "
        "(date=2024-03-01, hours=2; now date=2024-03-04, hours=1.5); the file changed since "
        "(accepted appeals apply to every later run of demo2024 town; --no-appeals scores without them)\n"
    )
    assert ok(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "csv", "--no-appeals"])).stdout


def test_an_accepted_removal_follows_its_row_when_a_later_wave_moves_it(runner, evidence):
    """Evidence arrives in waves: rows added above the row an accepted appeal removes moved it,
    and every later run of the category had failed for good ("no row of unit 'south' at this
    line"; decisions are final). The appeal keeps the row's cells: it now removes the row where
    it is, and says so; the totals are those of the first wave with the new rows."""
    remove = ["--remove-row", "outages:2", "-e", str(evidence)]
    ok(runner.invoke(cli, ["appeal", "add", "south", "S-2-B-1", "--claim", "planned maintenance", *remove]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "agreed"]))
    first = as_json(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json"]))
    outages = evidence / "monitoring" / "outages.csv"
    lines = outages.read_text(encoding="utf-8").splitlines(keepends=True)
    outages.write_text("".join([lines[0], "west,2024-02-01,1\n", "west,2024-02-02,1\n", *lines[1:]]), encoding="utf-8")
    second = runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json"])
    assert second.exit_code == 0, second.stderr
    assert (
        "escore: warning: appeal #1: outages:2: the row it removes (date=2024-03-01, hours=2) is at line 4 now "
        "(the file changed since); removed there\n"
    ) in second.stderr
    assert second.stderr.count("is at line 4 now") == 1
    published = json.loads(second.stdout)
    assert "appeal #1: outages:2: the row it removes (date=2024-03-01, hours=2) is at line 4 now" in published["warnings"][0]
    totals = {u["code"]: u["total"] for u in published["units"]}
    assert totals["south"] == {u["code"]: u["total"] for u in first["units"]}["south"]
    explained = ok(runner.invoke(cli, ["explain", "south", "-e", str(evidence)]))
    assert "is at line 4 now" in explained.stderr


def test_appeal_add_checks_unit_indicator_and_changes(runner, db):
    assert (
        "no indicator 'S-1-9' in demo2024/town; did you mean 'S-1-"
        in ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-9", "--claim", "x"]), 2).stderr
    )
    assert (
        "did you mean 'service.reply_rate'"
        in ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "x", "--set", "service.reply=1"]), 2).stderr
    )
    assert not db.exists()


# ---------------------------------------------------------------------- the rule objects' levers


def test_levers_of_the_vocabulary():
    from escore import Binary, Deduction, Graded, Ladder, Proportional

    ladder = Ladder.at_least("rate", [(100, 4), (80, 2)], otherwise=0, what="rate", unit="%")
    assert [(lv.target, lv.gain, lv.text) for lv in ladder.levers("< 80% → 0")] == [
        (Decimal(100), Decimal(4), "rate → 100% reaches tier '≥ 100% → 4'"),
        (Decimal(80), Decimal(2), "rate → 80% reaches tier '≥ 80% → 2'"),
    ]
    assert ladder.levers("≥ 100% → 4") == ()
    assert Ladder.at_least("r", [(80, 2)], strict=True).levers("≤ 80 → 0")[0].strict is True
    deduction = Deduction("errors", max=4, per={"error": "0.05", "leak": 1})
    assert [(lv.target, lv.gain) for lv in deduction.levers("leak")] == [("leak", Decimal(1))]
    assert deduction.levers("none deducted") == ()
    assert Binary("plan", 3, yes="plan filed").levers("no")[0].text == "plan filed: gains 3"
    assert Graded("g", max=6).levers("partial")[0].gain == Decimal(6)
    assert Proportional("p", max=4, what="pages", nothing_to_count="missing").levers("full") == ()


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs headless Chromium")
def test_html_diff_and_plan_render_in_chromium(runner, evidence, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(evidence, changed)
    edit(changed / "units" / "north.toml", "reply_rate = 100", "reply_rate = 85")
    pages = {
        "diff.html": ["diff", str(evidence), str(changed), "-c", "town", "-f", "html"],
        "plan.html": ["plan", "east", "-f", "html"],
        "plans.html": ["plan", "--all", "-c", "town", "-f", "html"],
    }
    expected = {"diff.html": "North Town", "plan.html": "website.leak=false", "plans.html": 'href="#unit-east"'}
    for name, args in pages.items():
        ok(runner.invoke(cli, [*args, "-o", str(tmp_path / name)]))
        dom = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", (tmp_path / name).as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert dom.returncode == 0, dom.stderr
        assert "<table>" in dom.stdout and expected[name] in dom.stdout


def test_an_older_store_is_migrated_in_place(tmp_path, monkeypatch):
    from escore import _store

    path = tmp_path / "s.db"
    with _store.open_store(path) as store:
        store.save_run(_record())
    step = "ALTER TABLE run ADD COLUMN reviewer TEXT NOT NULL DEFAULT ''; CREATE INDEX run_category ON run (category)"
    monkeypatch.setattr(_store, "MIGRATIONS", (*_store.MIGRATIONS, step))
    monkeypatch.setattr(_store, "SCHEMA_VERSION", 3)
    with _store.open_store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [tuple(row) for row in store.db.execute("SELECT reviewer FROM run")] == [("",)]
        assert store.load_run(1)["units"][0]["total"] == "2.5"


def test_plan_provides_every_missing_field_of_a_share(tmp_path):
    """Both fields of a Proportional rule missing: the action provides both (fj2017 P-1-2-4)."""
    from escore._cycle import run_cycle
    from escore._plan import improvement_plan
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    if "provincial" not in catalog.category_keys():
        pytest.skip("fj2017 packs not installed")
    cycle = run_cycle(catalog, "provincial", ruleset="fj2017")
    unit = next(u.unit for u in cycle.result.units if u.unit.code == "prov.wb")
    plan = improvement_plan(cycle.result.plan, cycle.result.selected, unit, (), cycle.data)
    [action] = [a for a in plan["actions"] if a["indicator"] == "P-1-2-4"]
    assert [s["field"] for s in action["set"]] == ["provincial.credit.decisions_on_time", "provincial.credit.decisions_total"]
    assert action["explanation"].startswith(
        "provide provincial.credit.decisions_on_time, provincial.credit.decisions_total: up to 2 points"
    )
    assert action["gain"] == "2"


def test_whatif_keeps_the_checks_across_a_unit_s_values(tmp_path, monkeypatch):
    """A part above its whole is refused in an evidence file (READING 15); a --set that makes
    one was scored ("1000 of 156 items with a guide")."""
    from escore._plugins import Catalog, make_plugin_manager

    if "county" not in Catalog(make_plugin_manager()).category_keys():
        pytest.skip("fj2017 packs not installed")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "fj.db"))
    runner = CliRunner()
    result = runner.invoke(cli, ["whatif", "fuzhou.gulou", "--set", "website.services.admin_power_guides=1000", "--lang", "en"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "escore: error: --set: website.services.admin_power_guides: expected at most website.services.admin_power_items (156), got 1000\n"
    )
    within = runner.invoke(cli, ["whatif", "fuzhou.gulou", "--set", "website.services.admin_power_guides=156", "-f", "json"])
    ok(within)
    assert json.loads(within.stdout)["total_after"] == "74"


def test_walkthrough_on_the_fj2017_county_sample(tmp_path, monkeypatch):
    """The README's cycle on the shipped county sample: save, change, save, diff, plan → whatif, appeal."""
    from escore._plugins import Catalog, make_plugin_manager

    catalog = Catalog(make_plugin_manager())
    if "county" not in catalog.category_keys():
        pytest.skip("fj2017 packs not installed")
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "fj.db"))
    runner = CliRunner()
    [sample] = catalog.sample_evidence(catalog.plan("fj2017", "county"))
    evidence = tmp_path / "county"
    shutil.copytree(sample, evidence)
    ok(runner.invoke(cli, ["run", "-c", "county", "-e", str(evidence), "--save", "--label", "self-reports"]))
    edit(
        evidence / "units" / "xiamen.siming.toml",
        'app = { points = 3, reason = "部分信息未公开或更新不及时" }',
        'app = { points = 4, reason = "已接入闽政通" }',
    )
    ok(runner.invoke(cli, ["run", "-c", "county", "-e", str(evidence), "--save", "--label", "on-site"]))
    diff = as_json(runner.invoke(cli, ["diff", "1", "2", "-f", "json"]))
    [changed] = [u for u in diff["units"] if u["delta"] != "0"]
    assert (changed["code"], changed["delta"], [i["code"] for i in changed["indicators"]]) == ("xiamen.siming", "1", ["W-L-5-2-1"])

    plan = as_json(runner.invoke(cli, ["plan", "fuzhou.minhou", "-e", str(evidence), "-f", "json"]))
    first = plan["actions"][0]
    whatif = as_json(runner.invoke(cli, ["whatif", "fuzhou.minhou", "-e", str(evidence), *first["args"], "-f", "json"]))
    assert whatif["delta"] == first["gain"] and Decimal(first["gain"]) > 0

    claim = ["--claim", "the app is on 闽政通", "--set", 'website.channels.app={ points = 4, reason = "on 闽政通" }']
    ok(runner.invoke(cli, ["appeal", "add", "xiamen.siming", "W-L-5-2-1", *claim]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "confirmed on site"]))
    explained = ok(runner.invoke(cli, ["explain", "xiamen.siming"])).stdout
    assert "            · points changed by appeal #1: 3 → 4 (the app is on 闽政通)\n" in explained
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`points changed by appeal #1: 3 → 4 (the app is on\n  闽政通)`" in readme


def test_a_run_whose_output_fails_is_not_saved(runner, db, tmp_path):
    result = runner.invoke(cli, ["run", "-c", "town", "--save", "-o", str(tmp_path / "no-such-dir" / "out.txt")])
    assert result.exit_code == 2
    assert not db.exists()
    # whatif --save saved first, then found it could not write (and said it had saved).
    whatif = runner.invoke(
        cli, ["whatif", "west", "--set", "service.reply_rate=100", "--save", "-o", str(tmp_path / "no-such-dir" / "w.json")]
    )
    assert whatif.exit_code == 2 and "saved" not in whatif.stderr
    assert not db.exists()
    saved = runner.invoke(
        cli, ["whatif", "west", "--set", "service.reply_rate=100", "--save", "-f", "json", "-o", str(tmp_path / "w.json")]
    )
    assert saved.exit_code == 0 and saved.stderr == "escore: saved what-if run #1\n"
    assert json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))["saved_run"] == 1


def test_a_stop_while_the_output_is_written_saves_nothing(runner, db, tmp_path, monkeypatch):
    """`run --save -o FILE` saves once the whole output is written: a Ctrl-C meanwhile (a long
    xlsx, say) leaves neither the file nor a saved run (it had left the run saved, unsaid)."""
    import escore_cli._common as common

    written = common._write_stream

    def write_then_stop(*args, **kwargs):
        written(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "_write_stream", write_then_stop)
    out = tmp_path / "ranking.csv"
    stopped = runner.invoke(cli, ["run", "-c", "town", "--save", "-f", "csv", "-o", str(out)])
    assert stopped.exit_code == 130 and "saved" not in stopped.stderr
    assert not out.exists() and list(tmp_path.glob(".ranking.csv.*")) == []
    assert not db.exists() or "no saved runs" in ok(runner.invoke(cli, ["history"])).stdout


def test_a_stop_while_the_run_is_saved_takes_effect_once_the_output_is_in_place(runner, db, tmp_path, monkeypatch):
    """SIGTERM (or Ctrl-C) that arrives as the run is saved is held back until the output is
    renamed into place: both are done before the stop unwinds."""
    import signal

    import escore_cli._run as run_cli

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop

    saved = run_cli.save_record

    def save_then_signal(*args, **kwargs):
        found = saved(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return found

    monkeypatch.setattr(run_cli, "save_record", save_then_signal)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        out = tmp_path / "ranking.txt"
        result = runner.invoke(cli, ["run", "-c", "town", "--save", "-o", str(out), "--label", "held"])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert isinstance(result.exception, Stop)
    assert "town" in out.read_text(encoding="utf-8") and list(tmp_path.glob(".ranking.txt.*")) == []
    assert "held" in ok(runner.invoke(cli, ["history"])).stdout


def test_a_ranking_table_written_to_a_file_says_which_appeals_it_applied(runner, tmp_path):
    """The table's heading lists what the run warned of, the accepted appeals applied first:
    written with -o, the ranking had said so on stderr alone (JSON, TOML, xlsx and HTML list them)."""
    ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "the rate was 100", "--set", "service.reply_rate=100"]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "checked"]))
    out = tmp_path / "ranking.txt"
    ok(runner.invoke(cli, ["run", "-c", "town", "-o", str(out), "--lang", "en"]))
    heading = out.read_text(encoding="utf-8").split("\n\n")[0].splitlines()
    assert heading[-2:] == [
        "warning: scored with accepted appeal(s) #1 west S-1-1 applied to the evidence (--no-appeals scores without them)",
        "statuses: 43 scored, 1 missing, 4 not_applicable, 0 error",
    ]
    ok(runner.invoke(cli, ["run", "-c", "town", "-o", str(out), "--no-appeals"]))
    assert "warning" not in out.read_text(encoding="utf-8")


def test_json_outputs_match_their_shipped_schemas(runner, evidence):
    jsonschema = pytest.importorskip("jsonschema")
    from escore._report import schema_text

    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    ok(runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rate=80", "--remove-row", "outages:5", "--save"]))
    outputs = {
        "history": ["history", "-f", "json"],
        "diff": ["diff", "1", "2", "-f", "json"],
        "whatif": ["whatif", "east", "--set", "website.leak=false", "-f", "json"],
        "plan": ["plan", "east", "-f", "json"],
        "plans": ["plan", "--all", "-c", "town", "-f", "json"],
    }
    for name, args in outputs.items():
        data = as_json(runner.invoke(cli, args))
        schema = json.loads(schema_text(name))
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(data)
        assert data["schema_version"] == schema["properties"]["schema_version"]["const"] == (2 if name == "diff" else 1)
    assert ok(runner.invoke(cli, ["schema", "plan"])).stdout == schema_text("plan")


def test_claims_and_labels_cannot_reach_the_terminal_raw(runner):
    ok(runner.invoke(cli, ["appeal", "add", "west", "W-2", "--claim", "fine\x1b]52;c;AAAA\x07 \u202eevil"]))
    listed = ok(runner.invoke(cli, ["appeal", "list"])).stdout
    assert "\x1b" not in listed and "\u202e" not in listed and "fine\\x1b]52;c;AAAA\\x07 \\u202eevil" in listed
    data = as_json(runner.invoke(cli, ["appeal", "list", "-f", "json"]))
    assert data["appeals"][0]["claim"] == "fine\x1b]52;c;AAAA\x07 \u202eevil"  # exact in JSON


def test_cycle_commands_take_lang(runner):
    """--lang is on every command (issue 9): an error before anything runs speaks the chosen language."""
    result = runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rat=90", "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr.startswith("escore：错误：--set: service.reply_rat: ")
    unknown = runner.invoke(cli, ["plan", "east", "--lang", "xx"])
    assert unknown.exit_code == 2 and "xx" in unknown.stderr and "Traceback" not in unknown.stderr
    for command in (["diff"], ["appeal", "add"]):
        assert "--lang" in runner.invoke(cli, [*command, "--help"]).stdout


def test_diff_deltas_are_exact_beyond_28_digits():
    from escore._cycle import diff_records

    def record(total, points):
        indicator = {"code": "P-1", "title": "t", "max": "65", "points": points, "status": "scored", "reasons": [str(points)]}
        return {
            "run": {"category": "provincial"},
            "units": [{"code": "u1", "name": "U", "total": total, "rank": 1, "indicators": [indicator]}],
        }

    found = diff_records(record("12", "12"), record("62.0000000000000000000000000001", "62.0000000000000000000000000001"))
    unit = found["units"][0]
    assert unit["delta"] == "50.0000000000000000000000000001"
    assert unit["indicators"][0]["delta"] == "50.0000000000000000000000000001"


def _text_file(path):
    path.write_text("hello\n", encoding="utf-8")


def _other_sqlite(path):
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE x (a)")


def _newer_store(path):
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 3")
        connection.execute("CREATE TABLE run (id)")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_text_file, "not a readable escore store (file is not a database); nothing was changed"),
        (_other_sqlite, "not an escore store (an SQLite file holding other tables)"),
        (_newer_store, "the store has schema version 3, newer than this escore supports (2); upgrade escore or use another --db"),
    ],
    ids=["a text file", "another program's SQLite file", "a store of a later escore"],
)
def test_a_file_that_is_not_this_escore_s_store_is_refused_untouched(runner, tmp_path, make, message):
    """--db naming a file escore cannot use is one line, exit 2, and the file is left as it was."""
    path = tmp_path / "given.db"
    make(path)
    before = path.read_bytes()
    for args in (["history"], ["run", "-c", "town", "--save"]):
        result = runner.invoke(cli, [*args, "--db", str(path)])
        assert result.exit_code == 2 and result.stderr == f"escore: error: {path}: {message}\n", result.stderr
        assert path.read_bytes() == before


def test_deciding_an_appeal_that_was_never_filed_names_the_store_and_the_ones_that_were(runner, db):
    """The store is named by its path wherever it came from (here ESCORE_DB), never as "the default path"."""
    assert ok(runner.invoke(cli, ["appeal", "decide", "7", "--accept", "--reason", "x"]), 2).stderr == (
        f"escore: error: no store at {db}: no appeal has been filed\n"
    )
    ok(runner.invoke(cli, ["appeal", "add", "east", "S-1-1", "--set", "service.reply_rate=90", "--claim", "the register was late"]))
    result = ok(runner.invoke(cli, ["appeal", "decide", "7", "--accept", "--reason", "x"]), 2)
    assert result.stderr == f"escore: error: no appeal #7 in {db}; appeals: 1\n"


@pytest.mark.parametrize(("category", "code"), [("county", "nanping.jianou"), ("city", "sanming"), ("provincial", "prov.gzw")])
def test_a_plan_never_proposes_changing_what_the_unit_cannot_change(category, code):
    """The monitoring date is the assessment's (actionable=False): moving it would gain these units
    points on the letters rows, and the plan proposed it; it proposes the unit's own facts only."""
    from escore._cycle import run_cycle
    from escore._plan import improvement_plan
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of

    catalog = Catalog(make_plugin_manager())
    if category not in catalog.category_keys():
        pytest.skip("fj2017 packs not installed")
    cycle = run_cycle(catalog, category, ruleset="fj2017")
    plan_of = cycle.result.plan
    assert not plan_of.fixtures["website_monitoring_date"].field.actionable
    unit = next(u.unit for u in cycle.result.units if u.unit.code == code)
    plan = improvement_plan(plan_of, cycle.result.selected, unit, children_of(catalog, plan_of).get(code, ()), cycle.data)
    fields = {change["field"] for action in plan["actions"] for change in action["set"]}
    assert plan["actions"] and "website.monitoring_date" not in fields
    assert all(plan_of.fixtures[key.replace(".", "_")].field.actionable for key in fields)


def _fj2017_plan(category, code, evidence=None):
    from escore._cycle import run_cycle
    from escore._plan import improvement_plan
    from escore._plugins import Catalog, make_plugin_manager
    from escore._session import children_of

    catalog = Catalog(make_plugin_manager())
    if category not in catalog.category_keys():
        pytest.skip("fj2017 packs not installed")
    cycle = run_cycle(catalog, category, ruleset="fj2017", evidence=evidence or ())
    plan_of = cycle.result.plan
    unit = next(u.unit for u in cycle.result.units if u.unit.code == code)
    return improvement_plan(plan_of, cycle.result.selected, unit, children_of(catalog, plan_of).get(code, ()), cycle.data)


def test_a_plan_never_proposes_less_of_a_whole(monkeypatch):
    """prov.kjt was told to require 48 items instead of 80 (完整率 100%), prov.jxw to hand in two
    records fewer (入库率 60%): a share rises by its part, never by asking for or giving less."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    for code, whole in (("prov.kjt", "provincial.credit.items_required"), ("prov.jxw", "provincial.credit.records_provided")):
        plan = _fj2017_plan("provincial", code)
        lowered = [a for a in plan["actions"] for change in a["set"] if change["field"] == whole]
        assert all(Decimal(change["value"]) > 0 for a in lowered for change in a["set"] if change["field"] == whole)
        assert not [a for a in lowered if len(a["set"]) == 1], lowered


def test_a_plan_does_not_make_up_an_assessment_fact_that_is_missing(monkeypatch, tmp_path):
    """With its monitoring date missing, ningde.xiapu was told to provide 2017-01-01: a day before
    its unanswered letter, so 注1 no longer applied (+4.5; the real date gives +3.5)."""
    import escore_fj2017_website

    monkeypatch.setenv("ESCORE_LANG", "en")
    evidence = tmp_path / "county"
    shutil.copytree(Path(escore_fj2017_website.__file__).parent / "sample" / "county", evidence)
    unit_file = evidence / "units" / "ningde.xiapu.toml"
    unit_file.write_text(
        "".join(line for line in unit_file.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("monitoring_date")),
        encoding="utf-8",
    )
    plan = _fj2017_plan("county", "ningde.xiapu", [evidence])
    assert plan["actions"]
    assert not [a for a in plan["actions"] for change in a["set"] if change["field"] == "website.monitoring_date"]


def test_a_plan_proposes_every_better_tier_of_a_share(monkeypatch):
    """prov.kjt has 48 of 80 items (60%, 1 point): 64 items reach the 80% tier (+1), but the
    plan tried the bound 80 as a count and offered only the jump to 100%."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    plan = _fj2017_plan("provincial", "prov.kjt")
    offered = {
        a["set"][0]["value"]: a["gain"] for a in plan["actions"] if [s["field"] for s in a["set"]] == ["provincial.credit.items_provided"]
    }
    assert offered == {"80": "3", "64": "1"}


def test_a_plan_proposes_one_more_item_of_a_list(monkeypatch):
    """C-1-1 gives points per platform built: nanping (3.5 of 20) was offered nothing, as the
    plan tested a field's type for "list" and a list is "list[str]"."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    plan = _fj2017_plan("city", "nanping")
    iot = [a for a in plan["actions"] if a["indicator"] == "C-1-1-1"]
    assert [(a["gain"], a["set"]) for a in iot] == [("1", [{"field": "city.platforms.iot", "value": '["new item 1"]'}])]
    cloud = next(a for a in plan["actions"] if a["indicator"] == "C-1-1-3")
    assert cloud["set"] == [{"field": "city.platforms.cloud", "value": '["南平政务云平台", "new item 2"]'}]


def test_a_plan_action_names_every_other_indicator_it_moves(monkeypatch):
    """Removing prov.slt's late migration gains P-1-1-B-1 13 and loses P-1-1-B-2 its 2 points
    (no migration left to dispose of): the action said +11 and named B-1 only."""
    monkeypatch.setenv("ESCORE_LANG", "en")
    plan = _fj2017_plan("provincial", "prov.slt")
    [action] = [a for a in plan["actions"] if a["remove_row"] == ["provincial_dc_migrations:27"]]
    assert action["gain"] == "11"
    assert "; also P-1-1-B-2 2 → 0; P-1-1-B-1 0 → 13 of 13, total +11" in action["explanation"]


def test_a_plan_does_not_drop_an_assessor_s_grade_to_raise_an_average(monkeypatch):
    monkeypatch.setenv("ESCORE_LANG", "en")
    plan = _fj2017_plan("provincial", "prov.kjt")
    assert plan["actions"]
    assert not [a for a in plan["actions"] for row in a["remove_row"] if row.startswith("website_portal_months:")]


# ---------------------------------------------------------------------- plan --all

PLAN_HEAD = ("schema_version", "ruleset", "category", "note", "synthetic")


def test_plan_all_is_each_unit_s_own_plan_in_rank_order(runner, evidence, db, monkeypatch):
    """`plan --all` gives every unit the plan `plan UNIT` gives it (appeals applied, evidence as
    given), in the run's rank order with its rank; one process or several, the same bytes."""
    import escore._plan

    edit(evidence / "units" / "north.toml", "median_delay = 3\n", "")
    ok(runner.invoke(cli, ["appeal", "add", "east", "S-1-2", "--claim", "c", "--set", "service.median_delay=7", "-e", str(evidence)]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "r"]))
    args = ["plan", "--all", "-c", "town", "-e", str(evidence), "-f", "json"]
    alone = ok(runner.invoke(cli, [*args, "-j", "1"]))
    assert "applied accepted appeal(s) #1" in alone.stderr
    monkeypatch.setattr(escore._plan, "PLANS_PER_PART", 1)  # a part per unit: every unit but one in a forked process
    shared = ok(runner.invoke(cli, [*args, "-j", "2"]))
    assert shared.stdout == alone.stdout
    document = json.loads(alone.stdout)
    from escore_cli._common import dumps

    assert dumps(document) == alone.stdout  # written a plan at a time, the text of the whole document
    run = as_json(runner.invoke(cli, ["run", "-c", "town", "-e", str(evidence), "-f", "json"]))
    assert [(p["rank"], p["unit"], p["total"]) for p in document["plans"]] == [(u["rank"], u["code"], u["total"]) for u in run["units"]]
    assert document["units"] == len(run["units"]) == 4
    for planned in document["plans"]:
        own = as_json(runner.invoke(cli, ["plan", planned["unit"], "-c", "town", "-e", str(evidence), "-f", "json"]))
        assert {key: document[key] for key in PLAN_HEAD} == {key: own[key] for key in PLAN_HEAD}
        assert planned == {"rank": planned["rank"], **{key: own[key] for key in ("unit", "name", "total", "actions")}}
    east = next(p for p in document["plans"] if p["unit"] == "east")
    assert {a["points_before"] for a in east["actions"] if a["indicator"] == "S-1-2"} == {"5"}  # the appeal's tier (0 without it)
    north = next(p for p in document["plans"] if p["unit"] == "north")
    assert any(a["explanation"].startswith("provide service.median_delay: up to 10 points") for a in north["actions"])


def test_plan_all_as_csv_and_table(runner):
    import csv
    import shlex

    document = as_json(runner.invoke(cli, ["plan", "--all", "-c", "town", "-f", "json"]))
    text = ok(runner.invoke(cli, ["plan", "--all", "-c", "town", "-f", "csv"])).stdout
    assert text.startswith("\ufeffrank,code,name,total,action,indicator,title,gain,gain_2dp,")
    rows = list(csv.DictReader(text[1:].splitlines()))
    expected = []
    for planned in document["plans"]:
        for number, action in enumerate(planned["actions"], 1):
            command = shlex.join(["escore", "whatif", planned["unit"], "-c", "town", "--year", "2024", *action["args"]])
            expected.append(
                (str(planned["rank"]), planned["unit"], str(number), action["indicator"], action["gain"], action["explanation"], command)
            )
        if not planned["actions"]:
            expected.append((str(planned["rank"]), planned["unit"], "", "", "", "", ""))
    found = [(r["rank"], r["code"], r["action"], r["indicator"], r["gain"], r["explanation"], r["whatif"]) for r in rows]
    assert found == expected and len(found) > 4
    assert {r["synthetic"] for r in rows} == {"yes"}
    first = next(r for r in rows if r["gain"])
    assert Decimal(first["gain_2dp"]) == Decimal(first["gain"]).quantize(Decimal("0.01"))
    for row in [r for r in rows if r["gain"]][:3]:  # each line's command, run as printed, gains exactly its gain
        assert as_json(runner.invoke(cli, [*shlex.split(row["whatif"])[1:], "-f", "json"]))["delta"] == row["gain"]
    table = ok(runner.invoke(cli, ["plan", "--all", "-c", "town"])).stdout
    assert table.count("SYNTHETIC EVIDENCE") == 1
    headings = [line for line in table.splitlines() if line.startswith("rank ")]
    assert headings == [
        f"rank {p['rank']} · improvement plan · {p['unit']} {p['name']} · {document['ruleset']} town · total {Decimal(p['total']):.2f}"
        for p in document["plans"]
    ]
    assert table.count("\n   escore whatif ") == sum(len(p["actions"]) for p in document["plans"])
    assert table.endswith("gains rounded half-up to 2 places (-f json has them exact)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan"], "escore: error: plan: give a UNIT (a code or a name), or --all with -c CATEGORY\n"),
        (["plan", "east", "--all"], "escore: error: plan: give a UNIT or --all, not both\n"),
        (["plan", "--all"], "escore: error: plan --all: give the category, -c CATEGORY\n"),
        (
            ["plan", "east", "-f", "csv"],
            "escore: error: plan: -f csv lists the actions of every unit (--all); one unit's plan: -f table, json or html\n",
        ),
        (["plan", "--all", "-c", "twon"], None),
    ],
)
def test_plan_all_usage_errors(runner, args, message):
    result = ok(runner.invoke(cli, args), 2)
    if message is None:
        assert "did you mean 'town'" in result.stderr and "Traceback" not in result.stderr
    else:
        assert result.stderr == message


# ---------------------------------------------------------------------- diff --roster


def _units_table(path: Path, catalog_units) -> Path:
    """The units as a units table: code, name, parent and a column per attribute."""
    attributes = sorted({name for u in catalog_units for name in u.attributes})
    lines = [",".join(["code", "name", "parent", *attributes])]
    lines += [",".join([u.code, u.name, u.parent or "", *(str(u.attributes.get(a, "")) for a in attributes)]) for u in catalog_units]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_diff_of_a_units_table_is_the_diff_of_the_roster(runner, evidence, tmp_path, monkeypatch):
    """diff --roster (two evidence directories of a units table) gives, for a table holding the
    roster's units, the very output of the roster's diff in every format; in one process or
    several, the same bytes."""
    import escore._cycle
    from escore._plugins import Catalog, make_plugin_manager

    table = _units_table(tmp_path / "units.csv", Catalog(make_plugin_manager()).roster("demo2024", "town"))
    changed = tmp_path / "changed"
    shutil.copytree(evidence, changed)
    edit(changed / "units" / "north.toml", "median_delay = 3\n", "median_delay = 9\n")
    edit(changed / "units" / "west.toml", "reply_rate = 95", "reply_rate = 55")
    before_after = [str(evidence), str(changed), "-c", "town"]
    for format_ in ("json", "table", "html"):
        of_roster = ok(runner.invoke(cli, ["diff", *before_after, "-f", format_]))
        of_table = ok(runner.invoke(cli, ["diff", *before_after, "--roster", str(table), "-f", format_, "-j", "1"]))
        assert of_table.stdout == of_roster.stdout, format_
    monkeypatch.setattr(escore._cycle, "DIFF_PER_PART", 1)  # a part per unit, in two processes
    shared = ok(runner.invoke(cli, ["diff", *before_after, "--roster", str(table), "-f", "json", "-j", "2"]))
    assert shared.stdout == ok(runner.invoke(cli, ["diff", *before_after, "-f", "json"])).stdout
    data = json.loads(shared.stdout)
    moved = {u["code"]: (u["delta"], [i["code"] for i in u["indicators"]]) for u in data["units"] if u["indicators"]}
    assert moved["north"][1] == ["S-1-2"] and "west" in moved
    ruled = ["diff", "--ruleset", "demo2024", "--ruleset", "demo2025", "-c", "town", "-e", str(evidence), "-f", "json"]
    monkeypatch.setenv("ESCORE_PLUGINS", "escore_demo.plugin,tests.plugin_demo2025")
    assert ok(runner.invoke(cli, [*ruled, "--roster", str(table)])).stdout == ok(runner.invoke(cli, ruled)).stdout


def test_diff_of_a_units_table_refuses_what_is_not_of_it(runner, evidence, tmp_path):
    from escore._plugins import Catalog, make_plugin_manager

    table = _units_table(tmp_path / "units.csv", Catalog(make_plugin_manager()).roster("demo2024", "town"))
    roster = ["--roster", str(table)]
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    refused = "escore: error: --roster: saved runs score the pack's roster; leave --roster out\n"
    assert ok(runner.invoke(cli, ["diff", "1", str(evidence), "-c", "town", *roster]), 2).stderr == refused
    assert ok(runner.invoke(cli, ["diff", str(evidence), str(evidence), *roster]), 2).stderr.endswith("needs --category/-c\n")
    assert ok(runner.invoke(cli, ["diff", "--ruleset", "demo2024", "--ruleset", "demo2024", "-c", "town", *roster]), 2).stderr == (
        "escore: error: diff --roster takes two evidence directories, or --ruleset A --ruleset B with -e\n"
    )
    ok(runner.invoke(cli, ["appeal", "add", "west", "S-1-1", "--claim", "c", "--set", "service.reply_rate=100"]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "r"]))
    # An accepted appeal applies to the pack's roster: the table is scored without it when asked (it
    # had said only "leave --roster out", though the README's large runs take --roster).
    refused = (
        "escore: error: --roster: the accepted appeals of this category apply to the pack's roster, not to a units table; "
        "give --no-appeals to score the table without them, or leave --roster out\n"
    )
    for command in (
        ["diff", str(evidence), str(evidence), "-c", "town"],
        ["run", "-c", "town", "-e", str(evidence)],
        ["explain", "west", "-c", "town"],
    ):
        assert ok(runner.invoke(cli, [*command, *roster]), 2).stderr == refused, command
        ok(runner.invoke(cli, [*command, *roster, "--no-appeals"]))
    assert ok(runner.invoke(cli, ["plan", "--all", "-c", "town", *roster]), 2).stderr == refused


def test_a_diff_of_two_evidence_versions_ignores_the_roots_their_explanations_name(runner, evidence, tmp_path):
    """An explanation names the unit's file by its root's label (`… not provided in
    evidence/units/north.toml`): the next version of the evidence names its own root, and that
    alone is no change of the unit. An indicator changed otherwise shows both explanations as
    they are."""
    from escore._cycle import same_reasons

    edit(evidence / "units" / "north.toml", "median_delay = 3\n", "")
    later = tmp_path / "later"
    shutil.copytree(evidence, later)
    data = as_json(runner.invoke(cli, ["diff", str(evidence), str(later), "-c", "town", "-f", "json"]))
    assert [u["indicators"] for u in data["units"]] == [[], [], [], []]
    edit(later / "units" / "north.toml", "reply_rate = 100", "reply_rate = 85")
    data = as_json(runner.invoke(cli, ["diff", str(evidence), str(later), "-c", "town", "-f", "json"]))
    north = next(u for u in data["units"] if u["code"] == "north")
    assert [i["code"] for i in north["indicators"]] == ["S-1-1"]
    same = same_reasons(["a", "ev-nov"], ["b", "ev-dec"])
    assert same(
        ["not provided in a/units/x.toml", "(ev-nov/monitoring/t.csv:3)"], ["not provided in b/units/x.toml", "(ev-dec/monitoring/t.csv:3)"]
    )
    assert not same(["not provided in a/units/x.toml"], ["not provided in ev-dec/units/x.toml"])  # another root
    assert not same(["in data/units/x.toml"], ["in datb/units/x.toml"])  # a label ending a word is no root
    assert not same(["in a/units/x.toml"], ["in b/units/y.toml"])


def test_a_diff_of_synthetic_evidence_says_so(runner, evidence, tmp_path):
    """Made-up values about named units are labelled wherever they show: a diff of the synthetic
    sample says so in every format (`synthetic`, the banner); a diff of real evidence does not."""
    later = tmp_path / "later"
    shutil.copytree(evidence, later)
    args = ["diff", str(evidence), str(later), "-c", "town"]
    assert as_json(runner.invoke(cli, [*args, "-f", "json"]))["synthetic"] is True
    assert "SYNTHETIC EVIDENCE" in ok(runner.invoke(cli, args)).stdout
    assert "SYNTHETIC EVIDENCE" in ok(runner.invoke(cli, [*args, "-f", "html"])).stdout
    for root in (evidence, later):
        edit(root / "escore-evidence.toml", "synthetic = true", "synthetic = false")
    assert as_json(runner.invoke(cli, [*args, "-f", "json"]))["synthetic"] is False
    assert "SYNTHETIC" not in ok(runner.invoke(cli, args)).stdout
    assert "SYNTHETIC" not in ok(runner.invoke(cli, [*args, "-f", "html"])).stdout


def test_plan_all_as_one_page(runner, monkeypatch):
    """plan --all -f html: the units in rank order linked to their plans, then each unit's plan as
    `plan UNIT -f html` tabulates it (the same rows, with the commands); read by people, so a
    category of more units than a page holds is refused before anything is planned."""
    import re

    import escore._builtin_formats

    document = as_json(runner.invoke(cli, ["plan", "--all", "-c", "town", "-f", "json"]))
    page = ok(runner.invoke(cli, ["plan", "--all", "-c", "town", "-f", "html"])).stdout
    assert page.startswith("<!DOCTYPE html>") and page.count("SYNTHETIC EVIDENCE") == 1
    assert re.findall(r'<a href="#unit-([^"]+)">', page) == [p["unit"] for p in document["plans"]]
    assert re.findall(r'<h2 id="unit-([^"]+)">', page) == [p["unit"] for p in document["plans"]]
    for planned in document["plans"]:
        own = ok(runner.invoke(cli, ["plan", planned["unit"], "-c", "town", "-f", "html"])).stdout
        actions = own[own.index("<table>") : own.index("</table>") + len("</table>")] if "<table>" in own else ""
        if not planned["actions"]:
            assert not actions and "<p>no action found that gains points</p>" in own
            actions = "<p>no action found that gains points</p>"
        section = page[page.index(f'<h2 id="unit-{planned["unit"]}">') :]
        assert section[section.index("\n") + 1 :].startswith(actions), planned["unit"]
    monkeypatch.setattr(escore._builtin_formats, "HTML_MAX_UNITS", 3)
    refused = ok(runner.invoke(cli, ["plan", "--all", "-c", "town", "-f", "html"]), 2)
    assert (
        refused.stderr
        == "escore: error: plan --all -f html is read by people: at most 3 units, and this category has 4; use -f csv or json\n"
    )


def test_an_improvement_plan_indexes_the_evidence_schema_once(monkeypatch, demo_catalog):
    """Each change a plan tries is checked across the unit's values; building the plan's schema
    for each of them made `plan --all` 57% more instructions (4,344 M → 6,838 M, county)."""
    from escore import _schema
    from escore._cycle import run_cycle
    from escore._plan import improvement_plan
    from escore._session import children_of

    cycle = run_cycle(demo_catalog, "town", ruleset="demo2024")
    made = []
    original = _schema.EvidenceSchema.__init__
    monkeypatch.setattr(_schema.EvidenceSchema, "__init__", lambda self, plan: made.append(plan) or original(self, plan))
    monkeypatch.setattr(_schema, "_last_schema", [])
    plan_of = cycle.result.plan
    for unit in (u.unit for u in cycle.result.units):
        found = improvement_plan(plan_of, cycle.result.selected, unit, children_of(demo_catalog, plan_of).get(unit.code, ()), cycle.data)
        assert found["actions"] is not None
    assert len(made) == 1


def test_a_sub_unit_s_rolled_up_rows_are_checked_as_a_unit_s(runner, tmp_path, monkeypatch):
    """A table's per-unit checks (one row per key here) hold for a sub-unit's rows that roll up
    to a unit scored, in an evidence file and in a what-if: a village's outage typed twice had
    been counted twice for its town without a word."""
    import attrs

    import escore_demo.evidence

    monkeypatch.setattr(escore_demo.evidence, "outages", attrs.evolve(escore_demo.evidence.outages, unique=("date",)))
    target = tmp_path / "ev"
    shutil.copytree(SAMPLE, target)
    table = target / "monitoring" / "outages.csv"
    table.write_text(table.read_text(encoding="utf-8") + "south.a,2024-03-04,2\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", "-c", "town", "-e", str(target), "-f", "csv", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"escore: error: {target / 'monitoring' / 'outages.csv'}:6: date: "
        "expected one row per unit and date; south.a has date 2024-03-04 already on line 3\n"
    )
    assert not (tmp_path / "out.csv").exists()
    added = runner.invoke(cli, ["whatif", "south", "--add-row", "outages:unit=south.a,date=2024-03-04,hours=1"])
    assert added.exit_code == 2, added.output
    assert added.stderr == (
        "escore: error: --add-row: outages: date: expected one row per unit and date; south.a has date 2024-03-04 already on line 3\n"
    )


def test_a_usage_error_before_the_catalogue_speaks_the_language_asked_for(runner):
    """whatif checks its options before it builds the catalogue: --lang zh had been English there."""
    result = runner.invoke(cli, ["whatif", "east", "--lang", "zh"])
    assert result.exit_code == 2
    assert result.stderr == "escore：错误：没有要改的内容：请给出 --set 字段=值、--add-row 或 --remove-row\n"
    labelled = runner.invoke(cli, ["whatif", "east", "--set", "service.reply_rate=90", "--label", "x", "--lang", "zh"])
    assert labelled.stderr == "escore：错误：--label 用于命名保存的运行：请加上 --save\n"


@pytest.mark.parametrize(
    ("args", "name", "claimed"),
    [
        (["whatif", "east", "--set", "service.reply_rate=100"], "w.json", "json"),
        (["plan", "east"], "p.json", "json"),
        (["plan", "--all", "-c", "town", "-f", "json"], "p.csv", "csv"),
        (["diff", "1", "2"], "d.html", "html"),
    ],
)
def test_cycle_commands_refuse_an_output_named_for_another_format(runner, tmp_path, args, name, claimed):
    """diff, whatif and plan had written their table into -o FILE.json (exit 0), where run and
    explain refuse a suffix another format claims."""
    target = tmp_path / name
    result = runner.invoke(cli, [*args, "-o", str(target), "--lang", "en"])
    assert result.exit_code == 2, result.output
    formats = "json" if "-f" in args else "table"
    assert result.stderr == (
        f"escore: error: --output {target}: the suffix {target.suffix} is for format '{claimed}', but the format is "
        f"'{formats}'; add -f {claimed} or choose another file name\n"
    )
    assert not target.exists()


def test_a_whatif_of_a_row_an_accepted_appeal_removed_says_so(runner, evidence):
    """It had said the unit has no row at that line, listing the others, while the file has it."""
    remove = ["--remove-row", "outages:2", "-e", str(evidence)]
    ok(runner.invoke(cli, ["appeal", "add", "south", "S-2-B-1", "--claim", "planned maintenance", *remove]))
    ok(runner.invoke(cli, ["appeal", "decide", "1", "--accept", "--reason", "agreed"]))
    result = ok(runner.invoke(cli, ["whatif", "south", *remove, "--lang", "en"]), 2)
    assert result.stderr == (
        "escore: error: --remove-row: outages:2: accepted appeal #1 removes this row already (--no-appeals scores without the appeals)\n"
    )
    assert ok(runner.invoke(cli, ["whatif", "south", *remove, "--no-appeals", "-f", "json"])).exit_code == 0


def test_a_diff_argument_that_is_both_a_run_id_and_a_directory_is_refused(runner, tmp_path, monkeypatch):
    """The directory named 1 had been ignored for run #1."""
    ok(runner.invoke(cli, ["run", "-c", "town", "--save"]))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "1").mkdir()
    result = ok(runner.invoke(cli, ["diff", "1", "1", "-c", "town", "--lang", "en"]), 2)
    assert result.stderr == (
        "escore: error: '1' is both a saved run id and a directory here: write #1 for the run or ./1 for the directory\n"
    )
    assert ok(runner.invoke(cli, ["diff", "#1", "#1", "--lang", "en"])).exit_code == 0
