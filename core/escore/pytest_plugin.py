"""pytest plugin (entry point ``pytest11``): golden case files become test items.

A ``*.toml`` file is a golden case file when it sits in a directory named
``golden`` (or its name ends in ``.golden.toml``), or when it is named on the
command line, whatever its name. Nothing of escore is
imported until such a file is collected, so pytest runs in projects without
golden cases are neither slowed down nor changed. Disable it with ``-p no:escore``.
The cases run against the installed packs, and the plugins the ``escore_plugins`` ini
option names (a pack's checkout names its own, so its cases run before it is installed).

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
    from ._golden import Binding, GoldenCase

#: Set by ``escore verify --coverage`` to a list that receives each case's outcome.
OUTCOMES_ATTRIBUTE = "_escore_outcomes"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--escore-ruleset",
        action="append",
        default=[],
        metavar="NAME",
        help="Run golden cases only under these rulesets (repeatable; escore verify --ruleset sets it).",
    )
    parser.addoption(
        "--escore-named-files",
        action="store_true",
        default=False,
        help="Files named on the command line are golden case files whatever their names (escore verify sets it).",
    )
    parser.addini(
        "escore_plugins",
        type="linelist",
        default=[],
        help="escore plugins to load besides the installed ones, as escore -p takes them (entry point names or modules): "
        "a pack's checkout runs its golden cases before it is installed.",
    )


def is_golden(file_path: Path) -> bool:
    """Whether ``file_path``, found in a directory, is a file of golden cases by its name."""
    return file_path.suffix == ".toml" and (file_path.parent.name == "golden" or file_path.name.endswith(".golden.toml"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if is_golden(file_path) or _named(file_path, parent):
        return GoldenFile.from_parent(parent, path=file_path)
    return None


def _named(file_path: Path, parent: pytest.Collector) -> bool:
    """A file named on the command line is golden cases whatever its name: a ``*.toml`` (as
    pytest collects a test module named on its command line whatever its name), and under
    ``escore verify``, which takes the files it is given for golden cases, any file."""
    if not parent.session.isinitpath(file_path):
        return False
    return file_path.suffix == ".toml" or bool(parent.config.getoption("escore_named_files", default=False))


class GoldenMismatch(Exception):
    """The actual scores differ from the case's expectations."""


class GoldenFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from ._golden import Binding, bindings, load_cases

        # Items are named "<case id>@<unit>" ("…@<ruleset>" when a derived ruleset inherits
        # the case): square brackets would make pytest parse the name as parameters, and
        # --lf would not find the item again.
        wanted = set(self.config.getoption("escore_ruleset", default=None) or ())
        cases = load_cases(self.path)
        if not cases:
            return
        catalog = _catalog(self.config)
        for case in cases:
            for binding in bindings(catalog, case) if catalog.golden else [Binding(case.ruleset)]:
                if wanted and binding.ruleset is not None and binding.ruleset not in wanted:
                    continue
                name = f"{case.id}@{case.unit_code}" + (f"@{binding.ruleset}" if binding.inherited_from else "")
                yield GoldenItem.from_parent(self, name=name, case=case, binding=binding)


def _catalog(config: pytest.Config) -> Any:
    """One catalogue of the installed packs per pytest session (per xdist worker)."""
    catalog = getattr(config, "_escore_catalog", None)
    if catalog is None:
        from ._plugins import Catalog, make_plugin_manager

        # A pack's own checkout names its plugin (``escore_plugins`` in its pytest configuration,
        # as new-pack writes it): its cases name its ruleset, which is not installed yet.
        # Not complete: a pack's own tests may run where the packs that contribute the other
        # sections of its categories are not installed (the website pack's without the
        # provincial one). Sections weighing more than a category's total are refused all the
        # same; a complete catalogue would refuse, beyond that, only weights short of the
        # total, which is what a pack installed without the others looks like (no category
        # lists its sections, so nothing else tells the two apart). `escore verify` plans
        # every category with a complete catalogue before it runs the cases.
        catalog = Catalog(make_plugin_manager(names=config.getini("escore_plugins")))
        config._escore_catalog = catalog  # type: ignore[attr-defined]
    return catalog


class GoldenItem(pytest.Item):
    def __init__(self, *, case: GoldenCase, binding: Binding | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.binding = binding

    def runtest(self) -> None:
        from ._golden import inherited_note, run_case

        catalog = _catalog(self.config)
        binding = self.binding
        outcome = run_case(catalog, self.case, binding.ruleset if binding is not None else None)
        sink = getattr(self.config, OUTCOMES_ATTRIBUTE, None)
        if sink is not None:
            sink.append(outcome)
        if outcome.mismatches:
            lines = list(outcome.mismatches)
            if binding is not None and binding.inherited_from:
                lines.append(inherited_note(catalog, binding, outcome))
            raise GoldenMismatch("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from ._errors import EscoreError
        from ._i18n import gettext as _

        title = _("golden case {0}").format(self.case.id) + (f" ({self.case.title})" if self.case.title else "")
        if self.binding is not None and self.binding.inherited_from:
            title += _(" under {0}").format(self.binding.ruleset)
        if isinstance(excinfo.value, GoldenMismatch):
            return _("{0}: unit {1}").format(title, self.case.unit_code) + f"\n{excinfo.value}"
        if isinstance(excinfo.value, EscoreError):
            return f"{title}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        from ._i18n import gettext

        return self.path, 0, gettext("golden case {0}").format(self.case.id)
