"""The store on the command line: ``--db``, the accepted appeals a scoring command applies, saving a run.

Apart from the cycle's own commands (``escore_cli._cycle``), so that ``run``, ``explain`` and
``plan`` do not import them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from escore._i18n import gettext as _

from . import H_
from ._common import GivenPath

db_option = click.option(
    "--db",
    type=GivenPath(path_type=Path),
    metavar="FILE",
    help=H_("The store (SQLite). Default: $ESCORE_DB, else $XDG_DATA_HOME/escore/escore.db or ~/.local/share/escore/escore.db."),
)
no_appeals_option = click.option("--no-appeals", is_flag=True, help=H_("Do not apply the accepted appeals of the store."))


def accepted_appeals(db: Path | None, catalog: Any, category: str, ruleset: str | None, year: int | None) -> list[dict[str, Any]]:
    """The accepted appeals of the category's year in the store, if the store exists."""
    from escore._store import open_store

    store = open_store(db, create=False)
    if store is None:
        return []
    with store:
        chosen = catalog.choose(category, ruleset=ruleset, year=year)
        return store.appeals(category=category, year=chosen.year, status="accepted")


def note_appeals(cycle: Any) -> None:
    if cycle.appeals:
        click.echo(_("escore: applied accepted appeal(s) {0}").format(", ".join(f"#{i}" for i in cycle.appeals)), err=True)


def save_record(db: Path | None, record: dict[str, Any]) -> int:
    from escore._store import open_store

    with open_store(db) as store:  # type: ignore[union-attr]
        return store.save_run(record)
