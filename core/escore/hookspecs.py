"""The plugin contract of escore: every hook a rule pack or output plugin may implement.

Registration hooks take a ``register`` callback (the style of ``llm`` plugins):
the core checks what is registered at one point, attributes it to the plugin
that registered it, and refuses conflicts by name. Hooks are called once per
command, never per unit or per indicator: indicator evaluation is a plain
function call.

Implement a hook with :data:`hookimpl` in a module named by an entry point of
the group ``escore``::

    [project.entry-points.escore]
    my-pack = "my_pack.plugin"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ._model import Category, EvidenceLoader, OutputFormat, Roster, Ruleset, Section
    from ._results import RunResult

PROJECT = "escore"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a function as the implementation of an escore hook.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def escore_register_rulesets(register: Callable[[Ruleset], None]) -> None:
    """Register rulesets (an assessment scheme of one year), e.g. ``Ruleset("fj2017", 2017)``.

    Several packs may register the same ruleset if they register equal values;
    different values under one name are an error naming both plugins. A ruleset
    with ``extends="fj2017"`` inherits everything of ``fj2017`` its packs do not
    declare again (see the README, "A new year").

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_categories(register: Callable[[Category], None]) -> None:
    """Register unit categories of a ruleset (``Category("fj2017", "city", "设区市", subunits="county")``).

    Equal registrations from several packs are merged; different ones are an error.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_sections(register: Callable[[Section], None]) -> None:
    """Register weighted sections of a category (name, weight, raw maximum, sample evidence).

    Two plugins registering the same (ruleset, category, section) is an error.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_indicators(register: Callable[..., None]) -> None:
    """Register modules of indicators: ``register(module, ruleset=..., sections=[(category, section), ...])``.

    The core collects every ``group()``, ``@indicator``, ``@bonus``, ``@veto`` and
    rule object of the module into each listed section. Import the module inside
    the hook so that commands which need no pack stay fast.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_fixtures(register: Callable[..., None]) -> None:
    """Register evidence modules: ``register(module, ruleset=...)``.

    The core collects the module's ``field()``, ``table()`` and ``@fixture``
    definitions; a name defined differently by two modules is an error.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_rosters(register: Callable[[Roster], None]) -> None:
    """Register the units of a category (:meth:`Roster.from_toml` reads a roster file).

    One roster per (ruleset, category); a second one is an error. A unit's ``parent`` must be
    a unit of the roster of the category whose ``subunits`` its category is (its rows roll up
    there): a parent that is not is an error naming the roster file and the unit.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_evidence_loaders(register: Callable[[EvidenceLoader], None]) -> None:
    """Register readers of evidence files by suffix (the built-in TOML and CSV readers use this).

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_formats(register: Callable[[OutputFormat], None]) -> None:
    """Register output formats of ``escore run`` and ``escore list`` (table, json, toml, csv, html and xlsx are built in).

    A format written piece by piece gives ``write_run`` (memory bounded for any number of units);
    one built whole in memory gives ``max_units``, the most units it takes.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_golden_cases(register: Callable[..., None]) -> None:
    """Register directories of golden case files: ``register(path, ruleset=..., drop=())``.

    ``escore verify`` runs them; ship them inside the pack so they install with it.
    Each case runs under the ruleset that registered it and under every ruleset that
    extends it; ``drop`` lists fnmatch patterns (``"id"`` or ``"file.toml::id"``) of
    inherited cases this ruleset leaves out, and a case here with an inherited case's
    id replaces it.

    .. versionadded:: 0.1
    """


@hookspec
def escore_register_translations(register: Callable[..., None]) -> None:
    """Register a pack's gettext catalogues: ``register(locale_dir, domain=...)``.

    ``locale_dir/<lang>/LC_MESSAGES/<domain>.mo`` translates the pack's own strings
    (titles of rule kinds, item kinds, reasons) when a command runs in ``<lang>``;
    escore's own messages come from its catalogue and cannot be overridden.

    .. versionadded:: 0.2
    """


@hookspec
def escore_run_finished(result: RunResult) -> None:
    """Called once after a run is scored and ranked, before output is written.

    For reporting side effects (a log, a dashboard upload); the result is frozen, its
    ``counts`` and its units' ``attributes`` read-only mappings: an implementation that raises
    (one that tries to change them) is named in a warning, and the run's output and exit status
    stand.

    .. versionadded:: 0.1
    """


#: Every hook name, for the contract test.
HOOK_NAMES: Sequence[str] = tuple(name for name in sorted(globals()) if name.startswith("escore_"))

__all__ = ["HOOK_NAMES", "PROJECT", "hookimpl", "hookspec"]
