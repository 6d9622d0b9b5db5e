"""pytest plugin (entry point ``pytest11``): golden case files become test items.

A ``*.toml`` file is a golden case file when it sits in a directory named
``golden`` (or its name ends in ``.golden.toml``). Nothing of escore is
imported until such a file is collected, so pytest runs in projects without
golden cases are neither slowed down nor changed. Disable it with ``-p no:escore``.

A failing case reports, in domain terms, each indicator whose points differ:
expected and actual points, the explanation lines behind the actual value, and
the rule's citation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._golden import GoldenCase

#: Set by ``escore verify --coverage`` to a list that receives each case's outcome.
OUTCOMES_ATTRIBUTE = "_escore_outcomes"


def _is_golden(file_path: Path) -> bool:
    return file_path.suffix == ".toml" and (file_path.parent.name == "golden" or file_path.name.endswith(".golden.toml"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_golden(file_path):
        return GoldenFile.from_parent(parent, path=file_path)
    return None


class GoldenMismatch(Exception):
    """The actual scores differ from the case's expectations."""


class GoldenFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from ._golden import load_cases

        # Items are named "<case id>@<unit>": square brackets would make pytest parse
        # the name as parameters, and --lf would not find the item again.
        for case in load_cases(self.path):
            yield GoldenItem.from_parent(self, name=f"{case.id}@{case.unit_code}", case=case)


def _catalog(config: pytest.Config) -> Any:
    """One catalogue of the installed packs per pytest session (per xdist worker)."""
    catalog = getattr(config, "_escore_catalog", None)
    if catalog is None:
        from ._plugins import Catalog, make_plugin_manager

        catalog = Catalog(make_plugin_manager())
        config._escore_catalog = catalog  # type: ignore[attr-defined]
    return catalog


class GoldenItem(pytest.Item):
    def __init__(self, *, case: GoldenCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from ._golden import run_case

        outcome = run_case(_catalog(self.config), self.case)
        sink = getattr(self.config, OUTCOMES_ATTRIBUTE, None)
        if sink is not None:
            sink.append(outcome)
        if outcome.mismatches:
            raise GoldenMismatch("\n".join(outcome.mismatches))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from ._errors import EscoreError

        title = f"golden case {self.case.id}" + (f" ({self.case.title})" if self.case.title else "")
        if isinstance(excinfo.value, GoldenMismatch):
            return f"{title}: unit {self.case.unit_code}\n{excinfo.value}"
        if isinstance(excinfo.value, EscoreError):
            return f"{title}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"golden case {self.case.id}"
