"""The store of the assessment cycle: saved runs and appeals in one SQLite file.

One file (default ``$XDG_DATA_HOME/escore/escore.db`` or ``~/.local/share/escore/escore.db``,
``ESCORE_DB`` overrides it, every command takes ``--db PATH``), in WAL mode so that
readers never wait for a writer. The schema version is SQLite's ``user_version``;
:data:`MIGRATIONS` bring an older file up to date, and a file written by a newer
escore is refused rather than misread.

Points are stored as the decimal strings the run computed (``str(Decimal)``, which
round-trips exactly), never as SQLite REALs. A run is saved in one ``BEGIN
IMMEDIATE`` transaction: a crash or an exception mid-save leaves no partial run,
and two processes saving at once are serialised by SQLite's lock. Nothing is ever
deleted: an appeal's decision is a new event row.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import InputError, UsageError
from ._files import not_a_file
from ._i18n import gettext as _
from ._i18n import pgettext

if TYPE_CHECKING:
    import sqlite3

SCHEMA_VERSION = 2

Method = TypeVar("Method", bound=Callable[..., Any])


#: ``MIGRATIONS[n]`` brings a store from version ``n`` to ``n + 1``.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE run (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,              -- 'run' | 'whatif'
        label TEXT NOT NULL DEFAULT '',
        ruleset TEXT NOT NULL,
        year INTEGER NOT NULL,
        category TEXT NOT NULL,
        created TEXT NOT NULL,           -- UTC, ISO 8601
        escore_version TEXT NOT NULL,
        packs TEXT NOT NULL,             -- JSON [[distribution, version], ...]
        evidence TEXT NOT NULL,          -- JSON [path, ...] as given
        evidence_digest TEXT NOT NULL,
        selection TEXT NOT NULL DEFAULT '',
        synthetic INTEGER NOT NULL,
        appeals TEXT NOT NULL DEFAULT '[]',  -- JSON [appeal id, ...] applied as overlays
        whatif TEXT NOT NULL DEFAULT ''      -- the what-if changes, for kind 'whatif'
    );
    CREATE TABLE unit_result (
        run_id INTEGER NOT NULL REFERENCES run(id),
        position INTEGER NOT NULL,
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        parent TEXT NOT NULL,
        rank INTEGER NOT NULL,
        total TEXT NOT NULL,             -- exact decimal string
        sections TEXT NOT NULL,          -- JSON [{name, title, weight, raw, raw_max, points, capped}]
        vetoes TEXT NOT NULL,            -- JSON [{code, title, status, reason}]
        indicators TEXT NOT NULL,        -- JSON [[code, title, max, status, points, [reason, ...]], ...]
        PRIMARY KEY (run_id, code)
    );
    CREATE TABLE appeal (
        id INTEGER PRIMARY KEY,
        ruleset TEXT NOT NULL,
        year INTEGER NOT NULL,
        category TEXT NOT NULL,
        unit TEXT NOT NULL,
        indicator TEXT NOT NULL,
        claim TEXT NOT NULL,
        changes TEXT NOT NULL,           -- JSON {"set": [...], "add_row": [...], "remove_row": [...]}
        created TEXT NOT NULL
    );
    CREATE TABLE appeal_event (
        id INTEGER PRIMARY KEY,
        appeal_id INTEGER NOT NULL REFERENCES appeal(id),
        time TEXT NOT NULL,
        action TEXT NOT NULL,            -- 'filed' | 'accepted' | 'rejected'
        reason TEXT NOT NULL
    );
    """,
    # The language of a run's explanations, kept as text: a diff compares two runs' explanations
    # only in one language ('': a run saved before runs said theirs).
    """
    ALTER TABLE run ADD COLUMN language TEXT NOT NULL DEFAULT ''
    """,
)


def default_path() -> Path:
    """``ESCORE_DB``, else ``$XDG_DATA_HOME/escore/escore.db``, else ``~/.local/share/escore/escore.db``."""
    env = os.environ.get("ESCORE_DB")
    if env:
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME")
    base = Path(data) if data else Path.home() / ".local" / "share"
    return base / "escore" / "escore.db"


def _now() -> str:
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _failing_as_input(*, writing: bool, decoding: bool = True) -> Callable[[Method], Method]:
    """A :class:`Store` method whose SQLite error (a damaged file, a lock held past the timeout)
    or, with ``decoding``, stored row that does not decode (damaged, or edited by hand) is an
    :class:`InputError` naming the store, never a traceback. A write is one transaction, rolled
    back on any error; a method that writes a caller's record does not decode rows, so that a
    record missing a key stays the caller's error."""

    def decorate(method: Method) -> Method:
        @functools.wraps(method)
        def checked(self: Store, *args: Any, **kwargs: Any) -> Any:
            import sqlite3

            damaged = (ValueError, TypeError, KeyError) if decoding else ()  # ValueError: JSON that does not decode
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.DatabaseError, *damaged) as exc:
                what = _("cannot write to the store ({0}); nothing was changed") if writing else _("cannot read the store ({0})")
                # SQLite quotes the whole undecodable text of a damaged row: the column is enough.
                why = str(exc).split(" with text ")[0] if isinstance(exc, sqlite3.DatabaseError) else _("a damaged row: {0}").format(exc)
                error = InputError(str(self.path), "", what.format(why))
            # Raised here, after the handler, the error holds no trace of the failed call: a cursor
            # of that call, left in its frame, would keep a statement open, and closing the store
            # would then leave its file, log and index open until a garbage collection (in a
            # program that goes on, a later open of the store met them: "disk I/O error").
            raise error

        return checked  # type: ignore[return-value]

    return decorate


class Store:
    """An open store. Use :func:`open_store`; close it (or use it as a context manager)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ runs

    @_failing_as_input(writing=True, decoding=False)
    def save_run(self, record: Mapping[str, Any]) -> int:
        """Store one run record (see :func:`escore._cycle.run_record`); returns its id."""
        import json  # here and below: a run that saves nothing does not import json (2-4 ms)

        # One encoder for every row: json.dumps(..., ensure_ascii=False) builds a new one per call.
        _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        head = record["run"]
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO run (kind, label, ruleset, year, category, created, escore_version, packs, evidence,"
                " evidence_digest, selection, synthetic, appeals, whatif, language) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    head["kind"],
                    head["label"],
                    head["ruleset"],
                    head["year"],
                    head["category"],
                    head.get("created") or _now(),
                    head["escore_version"],
                    json.dumps(head["packs"]),
                    json.dumps(head["evidence"], ensure_ascii=False),
                    head["evidence_digest"],
                    head["selection"],
                    int(head["synthetic"]),
                    json.dumps(head["appeals"]),
                    head.get("whatif", ""),
                    head.get("language") or "",
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            # One row per unit, its indicators as one JSON array: a row per indicator made
            # saving a category cost as much as scoring it (SQLite's json_each reads them).
            db.executemany(
                "INSERT INTO unit_result VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        position,
                        u["code"],
                        u["name"],
                        u["parent"],
                        u["rank"],
                        u["total"],
                        _encode(u["sections"]),
                        _encode(u["vetoes"]),
                        _encode([[i["code"], i["title"], i["max"], i["status"], i["points"], i["reasons"]] for i in u["indicators"]]),
                    )
                    for position, u in enumerate(record["units"])
                ],
            )
        return run_id

    @_failing_as_input(writing=False)
    def runs(self, category: str | None = None) -> list[dict[str, Any]]:
        """The saved runs, oldest first."""
        query = "SELECT * FROM run" + (" WHERE category = ?" if category else "") + " ORDER BY id"
        rows = self.db.execute(query, (category,) if category else ()).fetchall()
        counts = dict(self.db.execute("SELECT run_id, COUNT(*) FROM unit_result GROUP BY run_id").fetchall())
        return [_run_head(row, counts.get(row["id"], 0)) for row in rows]

    @_failing_as_input(writing=False)
    def load_run(self, run_id: int) -> dict[str, Any]:
        """A saved run in the shape :func:`escore._cycle.run_record` makes."""

        row = self.db.execute("SELECT * FROM run WHERE id = ?", (_row_id(run_id),)).fetchone()
        if row is None:
            known = [str(r[0]) for r in self.db.execute("SELECT id FROM run ORDER BY id")]
            raise UsageError(
                _("no saved run #{0} in {1}").format(run_id, self.path)
                + _("; ")
                + (_("saved runs: {0}").format(", ".join(known)) if known else _("nothing saved yet"))
            )
        units = [
            _decoded_unit(run_id, u) for u in self.db.execute("SELECT * FROM unit_result WHERE run_id = ? ORDER BY position", (run_id,))
        ]
        return {"run": _run_head(row, len(units)), "units": units}

    # ------------------------------------------------------------------ appeals

    @_failing_as_input(writing=True, decoding=False)
    def add_appeal(
        self, *, ruleset: str, year: int, category: str, unit: str, indicator: str, claim: str, changes: Mapping[str, Any]
    ) -> int:
        import json

        with self.transaction() as db:
            now = _now()
            cursor = db.execute(
                "INSERT INTO appeal (ruleset, year, category, unit, indicator, claim, changes, created) VALUES (?,?,?,?,?,?,?,?)",
                (ruleset, year, category, unit, indicator, claim, json.dumps(changes, ensure_ascii=False), now),
            )
            appeal_id = int(cursor.lastrowid or 0)
            db.execute("INSERT INTO appeal_event (appeal_id, time, action, reason) VALUES (?,?,?,?)", (appeal_id, now, "filed", claim))
        return appeal_id

    @_failing_as_input(writing=True)
    def decide_appeal(self, appeal_id: int, *, accept: bool, reason: str) -> dict[str, Any]:
        with self.transaction() as db:
            appeal = self._appeal(appeal_id)
            if appeal["status"] != "filed":
                raise UsageError(
                    _("appeal #{0} was already {1} ({2}); decisions are final").format(
                        appeal_id, pgettext("appeal", appeal["status"]), appeal["events"][-1]["time"]
                    )
                )
            if accept:
                self._check_with_accepted(appeal)
            db.execute(
                "INSERT INTO appeal_event (appeal_id, time, action, reason) VALUES (?,?,?,?)",
                (appeal_id, _now(), "accepted" if accept else "rejected", reason),
            )
        return self._appeal(appeal_id)

    def _check_with_accepted(self, appeal: Mapping[str, Any]) -> None:
        """An appeal that removes a row an accepted appeal of the same unit removes already would
        make every later run fail ("no row at this line"), with no way back: decisions are final."""
        removes = {(r["table"], int(r["line"])) for r in appeal["changes"].get("remove_row", ())}
        if not removes:
            return
        for other in self.appeals(category=appeal["category"], year=appeal["year"], status="accepted"):
            if other["unit"] != appeal["unit"] or other["ruleset"] != appeal["ruleset"]:
                continue
            for removed in other["changes"].get("remove_row", ()):
                if (removed["table"], int(removed["line"])) in removes:
                    raise UsageError(
                        _("appeal #{0} removes {1}:{2}, which accepted appeal #{3} removes already; reject it").format(
                            appeal["id"], removed["table"], removed["line"], other["id"]
                        )
                    )

    def _appeal(self, appeal_id: int) -> dict[str, Any]:
        import json

        row = self.db.execute("SELECT * FROM appeal WHERE id = ?", (_row_id(appeal_id),)).fetchone()
        if row is None:
            known = [str(r[0]) for r in self.db.execute("SELECT id FROM appeal ORDER BY id")]
            raise UsageError(
                _("no appeal #{0} in {1}").format(appeal_id, self.path)
                + _("; ")
                + (_("appeals: {0}").format(", ".join(known)) if known else _("none filed"))
            )
        events = [
            {"time": e["time"], "action": e["action"], "reason": e["reason"]}
            for e in self.db.execute("SELECT * FROM appeal_event WHERE appeal_id = ? ORDER BY id", (appeal_id,))
        ]
        return {
            "id": row["id"],
            "ruleset": row["ruleset"],
            "year": row["year"],
            "category": row["category"],
            "unit": row["unit"],
            "indicator": row["indicator"],
            "claim": row["claim"],
            "changes": _checked_changes(row["id"], json.loads(row["changes"])),
            "created": row["created"],
            "status": events[-1]["action"] if events else "filed",
            "events": events,
        }

    @_failing_as_input(writing=False)
    def appeals(self, *, category: str | None = None, year: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM appeal ORDER BY id")]
        found = [self._appeal(i) for i in ids]
        return [
            a
            for a in found
            if (category is None or a["category"] == category)
            and (year is None or a["year"] == year)
            and (status is None or a["status"] == status)
        ]


def _run_head(row: sqlite3.Row, units: int) -> dict[str, Any]:
    try:
        return _decoded_head(row, units)
    except (ValueError, TypeError, KeyError) as exc:  # one damaged run names itself among all
        raise ValueError(_("run #{0}: {1}").format(row["id"], exc)) from None


def _decoded_unit(run_id: int, row: sqlite3.Row) -> dict[str, Any]:
    """A saved unit's result in the shape :func:`escore._cycle.run_record` makes, its numbers
    exact: a damaged or hand-edited row otherwise failed later, deep in a comparison, with a
    traceback, or was published as it was (a rank of 'x'). Any fault names the run and unit."""
    import json

    from ._results import STATUSES

    code = row["code"]
    try:
        unit = {
            "code": code,
            "name": row["name"],
            "parent": row["parent"],
            "rank": row["rank"],
            "total": row["total"],
            "sections": json.loads(row["sections"]),
            "vetoes": json.loads(row["vetoes"]),
            "indicators": [
                {"code": c, "title": t, "max": m, "status": st, "points": p, "reasons": r}
                for c, t, m, st, p, r in json.loads(row["indicators"])
            ],
        }
    except (ValueError, TypeError, KeyError) as exc:  # JSON that does not decode, an entry of another length
        raise ValueError(_("run #{0}, unit {1}: {2}").format(run_id, code, exc)) from None

    def damaged(what: str, expected: str, got: Any) -> ValueError:
        return ValueError(_("run #{0}, unit {1}: {2}: expected {3}, got {4}").format(run_id, code, what, expected, repr(got)))

    if not isinstance(code, str) or not code:
        raise damaged(_("code"), _("a unit code"), code)
    if row["rank"].__class__ is not int or row["rank"] < 1:
        raise damaged(_("rank"), _("a rank (1 or more)"), row["rank"])
    for part in ("sections", "vetoes", "indicators"):
        if not isinstance(unit[part], list) or not all(isinstance(entry, dict) for entry in unit[part]):
            raise damaged(part, _("a list of objects"), unit[part])
    numbers = [(_("total"), unit["total"])]
    numbers += [(section.get("name", "?"), section.get("points")) for section in unit["sections"]]
    for indicator in unit["indicators"]:
        if not isinstance(indicator["code"], str) or indicator["status"] not in STATUSES:
            raise damaged("indicators", _("an indicator code and status"), [indicator["code"], indicator["status"]])
        if not isinstance(indicator["reasons"], list) or not all(isinstance(reason, str) for reason in indicator["reasons"]):
            raise damaged(indicator["code"], _("a list of texts"), indicator["reasons"])
        numbers.append((indicator["code"], indicator["points"]))
        if indicator["max"] is not None:
            numbers.append((indicator["code"], indicator["max"]))
    for what, text in numbers:
        if not _exact_text(text):
            raise damaged(what, _("an exact number"), text)
    return unit


def _exact_text(text: Any) -> bool:
    """Whether ``text`` is the text of a finite Decimal."""
    from decimal import Decimal

    if text.__class__ is not str:
        return False
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:  # decimal.InvalidOperation: not a number's text
        return False


#: What an appeal's stored changes hold: each kind's entries, and their keys of text.
_CHANGE_KEYS = {"set": ("field", "value"), "add_row": ("table", "row"), "remove_row": ("table",)}


def _checked_changes(appeal_id: int, changes: Any) -> dict[str, Any]:
    """An appeal's stored changes in the shape escore wrote them (a hand-edited or damaged row
    otherwise failed later with a traceback, in every run of the category)."""

    def damaged(what: str) -> ValueError:
        return ValueError(_("appeal #{0}: changes: {1}").format(appeal_id, what))

    if not isinstance(changes, dict):
        raise damaged(_("expected a JSON object, got {0}").format(type(changes).__name__))
    unknown = sorted(set(changes) - _CHANGE_KEYS.keys())
    if unknown:
        raise damaged(_("unknown key {0}").format(repr(unknown[0])))
    for kind, keys in _CHANGE_KEYS.items():
        entries = changes.get(kind, [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise damaged(_("{0}: expected a list of objects").format(kind))
        for entry in entries:
            lacking = [key for key in keys if not isinstance(entry.get(key), str)]
            if lacking:
                raise damaged(_("{0}: expected '{1}' as text in {2}").format(kind, lacking[0], entry))
            if kind == "remove_row":
                line, cells = entry.get("line"), entry.get("cells")
                if not (line.__class__ is int or (isinstance(line, str) and line.isdigit())):
                    raise damaged(_("{0}: expected 'line' as a line number in {1}").format(kind, entry))
                if cells is not None and not isinstance(cells, list):
                    raise damaged(_("{0}: expected 'cells' as a list in {1}").format(kind, entry))
    return changes


def _decoded_head(row: sqlite3.Row, units: int) -> dict[str, Any]:
    import json

    return {
        "id": row["id"],
        "kind": row["kind"],
        "label": row["label"],
        "category": row["category"],
        "ruleset": row["ruleset"],
        "year": row["year"],
        "created": row["created"],
        "evidence_digest": row["evidence_digest"],
        "evidence": json.loads(row["evidence"]),
        "escore_version": row["escore_version"],
        "packs": [list(p) for p in json.loads(row["packs"])],
        "selection": row["selection"],
        "synthetic": bool(row["synthetic"]),
        "appeals": json.loads(row["appeals"]),
        "whatif": row["whatif"],
        "language": row["language"] or None,
        "units": units,
    }


def open_store(path: Path | None = None, *, create: bool = True) -> Store | None:
    """Open (and create or migrate) the store; ``None`` if it does not exist and ``create`` is false.

    A file that is not an escore store, or one written by a newer escore, is a clear
    :class:`InputError`; nothing is written to it.
    """
    path = Path(path) if path is not None else default_path()
    where = str(path)
    if not path.exists():
        if not create:
            return None
        if not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(where, "", _("cannot create the store's directory: {0}").format(exc.strerror)) from None
    elif not path.is_file():
        if not path.is_dir():
            raise InputError(where, "", not_a_file(path))
        raise InputError(where, "", _("expected an escore store (an SQLite file), found a directory"))
    try:
        return _open(path, read_only=False)
    except _Unopened:
        pass
    # SQLite could not open the file for writing, as a store in WAL mode needs: it makes
    # NAME-shm beside it even to read. In a directory that cannot be written (a published
    # copy on a read-only share), a command that only reads opens it as an immutable file,
    # which needs no lock files; exact while no write-ahead log holds commits the file lacks.
    log = path.with_name(path.name + "-wal")
    if not create and (not log.exists() or log.stat().st_size == 0):
        try:
            return _open(path, read_only=True)
        except _Unopened:
            pass
    directory = path.parent if str(path.parent) else Path(".")
    raise InputError(
        where,
        "",
        _("cannot open the store: SQLite keeps its lock files beside it ({0}-shm, {0}-wal), and directory {1} cannot be written").format(
            path.name, directory
        )
        if not _can_create_in(directory)
        else _("cannot open the store: SQLite cannot open the file"),
    )


def _can_create_in(directory: Path) -> bool:
    """Whether a file can be made in ``directory`` (tried: the permission bits do not tell for
    root, nor for a file system mounted read-only or a directory made immutable)."""
    import tempfile

    try:
        handle, name = tempfile.mkstemp(prefix=".escore-", dir=directory)
    except OSError:
        return False
    os.close(handle)
    os.unlink(name)
    return True


class _Unopened(Exception):
    """SQLite could not open the store's file (not a store that is damaged: one it cannot reach)."""


def _open(path: Path, *, read_only: bool) -> Store:
    """The store at ``path``, checked and migrated (see :func:`open_store`); ``read_only``: opened
    as an immutable file (read-only, no lock files). :class:`_Unopened` when SQLite cannot open it."""
    import sqlite3  # here: `escore run` looks for accepted appeals, and most runs find no store

    where = str(path)
    try:
        if read_only:
            from urllib.parse import quote

            db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True, isolation_level=None)
        else:
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        if "unable to open" in str(exc):
            raise _Unopened from None
        raise InputError(where, "", _("cannot open the store: {0}").format(exc)) from None
    db.row_factory = sqlite3.Row
    try:
        # One read snapshot: another process may be creating the store at this very moment, and
        # its schema must not be seen half (tables without their version, or the reverse).
        db.execute("BEGIN")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        has_run = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'run'").fetchone() is not None
        tables = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        db.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise InputError(
                where,
                "",
                _("the store has schema version {0}, newer than this escore supports ({1}); upgrade escore or use another --db").format(
                    version, SCHEMA_VERSION
                ),
            )
        if version and not has_run:
            raise InputError(where, "", _("not an escore store (schema version {0} but no run table)").format(version))
        if version == 0 and tables:
            raise InputError(where, "", _("not an escore store (an SQLite file holding other tables)"))
        db.execute("PRAGMA busy_timeout = 30000")
        if read_only:
            if version < SCHEMA_VERSION:
                raise InputError(
                    where,
                    "",
                    _("the store has schema version {0} and must be upgraded, but its directory cannot be written").format(version),
                )
            return Store(db, path)
        _use_wal(db)
        db.execute("PRAGMA foreign_keys = ON")
        # WAL with synchronous=NORMAL: a crash never corrupts the store or leaves half a run;
        # only a power cut may lose the last committed run.
        db.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            _migrate(db, version)
    except sqlite3.DatabaseError as exc:
        db.close()
        if "unable to open" in str(exc):
            raise _Unopened from None
        raise InputError(where, "", _("not a readable escore store ({0}); nothing was changed").format(exc)) from None
    except BaseException:
        db.close()
        raise
    return Store(db, path)


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch a new store to write-ahead logging, which another process may be doing at once.

    The switch takes an exclusive lock. Two processes opening a new store at the same moment
    each hold a shared lock while asking for it, and SQLite answers one of them "database is
    locked" at once, without waiting (a deadlock, so the busy timeout does not apply): that one
    waits briefly and looks again, and finds the store in WAL mode or switches it itself.
    """
    import sqlite3
    import time

    for attempt in range(200):  # about 30 s in all, as the busy timeout
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.15)


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Apply the missing migrations in one transaction (another process may be doing the same)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        current = db.execute("PRAGMA user_version").fetchone()[0]  # re-read under the lock
        for step in range(current, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[step]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {step + 1}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> Sequence[str]:
    """Split a migration into statements (executescript would commit the open transaction)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _row_id(number: int) -> int:
    """``number`` as a row id to look up: one beyond SQLite's 64-bit integers (which no row can
    have, and which sqlite3 refuses with OverflowError) looks up -1, which no row has either."""
    return number if -(2**63) <= number < 2**63 else -1
