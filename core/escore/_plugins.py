"""The plugin manager factory and the catalogue of everything plugins registered."""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import Any, NamedTuple

import attrs
import pluggy

from . import hookspecs
from ._collect import FixtureLayer, Plan, RuleLayer, build_plan, collect_fixtures, sorted_naturally
from ._errors import PackError, UsageError, did_you_mean, did_you_mean_ruleset, did_you_mean_year
from ._i18n import N_, gettext
from ._model import Category, EvidenceLoader, OutputFormat, Roster, Ruleset, Section, Unit
from ._reach import check_raised_maxima
from ._score import loading_packs

#: Plugins that ship with escore; they register exactly like third-party ones.
BUILTIN_PLUGINS = ("escore._builtin_loaders", "escore._builtin_formats")

ENTRY_POINT_GROUP = "escore"
AUTOLOAD_ENV = "ESCORE_DISABLE_PLUGIN_AUTOLOAD"
PLUGINS_ENV = "ESCORE_PLUGINS"
BLOCKED_ENV = "ESCORE_BLOCKED_PLUGINS"
TRACE_ENV = "ESCORE_TRACE_PLUGINS"


class _PluginManager(pluggy.PluginManager):
    """pluggy's manager, finding a plain module's hooks among its own names.

    pluggy looks at every name of a plugin with ``inspect.getattr_static``, so that no property
    runs: for escore's built-in modules and the fj2017 packs, half of what making the manager
    costs (15.3 M instructions, 7.7 M without it: 1.4% of a run on 131 units). A plain module's names are its
    ``__dict__``, where no descriptor runs either: only a function there can be a hook, with the
    marker pluggy reads. Anything else (another kind of plugin, a name the module's ``__dict__``
    lacks, a method-like object) is pluggy's to parse.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if type(plugin) is ModuleType:
            value = plugin.__dict__.get(name, _ABSENT)
            if value.__class__ is FunctionType:
                opts = getattr(value, self.project_name + "_impl", None)
                return opts if isinstance(opts, dict) else None
            if value is not _ABSENT and not isinstance(value, (staticmethod, classmethod, MethodType)):
                return None  # a class, a module, a constant: never a hook implementation
        return super().parse_hookimpl_opts(plugin, name)


_ABSENT: Any = object()


def make_plugin_manager(
    *, autoload: bool | None = None, blocked: Iterable[str] = (), names: Iterable[str] = (), extra: Iterable[Any] = ()
) -> pluggy.PluginManager:
    """Build a fresh plugin manager: built-ins, then entry points, then ``extra`` plugins.

    :param autoload: load every ``escore`` entry point; ``None`` reads
        ``ESCORE_DISABLE_PLUGIN_AUTOLOAD`` (set → off). With autoload off, only the
        entry points named in ``ESCORE_PLUGINS`` (comma-separated) are loaded.
    :param blocked: plugin names not to load (``-p no:NAME``); ``ESCORE_BLOCKED_PLUGINS`` adds more.
    :param names: plugins to load even without autoload (``-p NAME``): entry point names or modules.
    :param extra: plugin objects (modules, instances) to register as well.
    """
    import importlib

    pm = _PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    blocked = set(blocked) | {n.strip() for n in os.environ.get(BLOCKED_ENV, "").split(",") if n.strip()}
    for name in blocked:
        pm.set_blocked(name)
    for name in BUILTIN_PLUGINS:
        if name not in blocked:
            pm.register(importlib.import_module(name), name=name)
    if autoload is None:
        autoload = not os.environ.get(AUTOLOAD_ENV)
    distributions: dict[str, Any] = {}
    # Plugins that failed to load: name → (entry point or None, one-line description).
    # A broken pack is left out with a warning; the others keep working.
    broken: dict[str, tuple[Any, Problem]] = {}
    pm._escore_broken = broken  # type: ignore[attr-defined]
    if autoload:
        from ._entrypoints import entry_points

        for ep in entry_points(ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            if _load_entry_point(pm, ep, broken):
                distributions[ep.name] = ep
    wanted = [*names, *(n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",") if n.strip())]
    if wanted:
        distributions.update(_load_named_plugins(pm, wanted, blocked))
    # Which distribution each entry-point plugin came from, for `escore plugins`.
    pm._escore_distributions = distributions  # type: ignore[attr-defined]
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    if os.environ.get(TRACE_ENV):
        import sys

        # The trace is for the pack author: on stderr, never mixed into a command's output.
        pm.trace.root.setwriter(lambda text: print(text, end="", file=sys.stderr))
        pm.enable_tracing()
    return pm


class Failure:
    """``ExceptionType: message (file:line)`` of the innermost frame of a plugin's exception, for a
    broken plugin: the exception's own words as they are, escore's words (where the pack's line
    called into escore) in the language of the command that shows it."""

    __slots__ = ("core", "text", "where")

    def __init__(self, text: str, where: tuple[str, int] | None, core: tuple[str, int] | None) -> None:
        self.text = text
        self.where = where
        self.core = core

    def __str__(self) -> str:
        if self.where is None:
            return self.text
        if self.core is None:
            return f"{self.text} ({self.where[0]}:{self.where[1]})"
        return self.text + " " + gettext("({0}:{1}, in escore at {2}:{3})").format(*self.where, *self.core)


def plugin_failure(exc: BaseException) -> Failure:
    """``ExceptionType: message (file:line)`` of the innermost frame, for a broken plugin."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    # The pack's own line that called escore (an amend() with a bad keyword, a field() of an
    # unknown type) says more than the line of escore that refused it: both are named.
    core = str(Path(__file__).parent) + os.sep
    theirs = [f for f in frames if not f.filename.startswith((core, "<"))]
    text = f"{type(exc).__name__}: {exc}"
    if not frames:
        return Failure(text, None, None)
    if theirs and theirs[-1] is not frames[-1]:
        from ._paths import source_location  # escore's own line by its package path: the author's file stays as it is

        return Failure(text, (theirs[-1].filename, theirs[-1].lineno or 0), (source_location(frames[-1].filename), frames[-1].lineno or 0))
    return Failure(text, (frames[-1].filename, frames[-1].lineno or 0), None)


class Problem:
    """Why a plugin was left out: it failed to load, or one of its hooks raised; shown in the
    language of the command that shows it (chosen after the plugins are loaded)."""

    __slots__ = ("failure", "hook")

    def __init__(self, failure: Failure, hook: str = "") -> None:
        self.failure = failure
        self.hook = hook

    def __str__(self) -> str:
        if self.hook:
            return gettext("{0} raised {1}").format(self.hook, self.failure)
        return gettext("failed to load: {0}").format(self.failure)


def describe(name: str, ep: Any) -> str:
    """``plugin 'NAME' (distribution D V, entry point NAME = VALUE)``."""
    if ep is None:
        return gettext("plugin '{0}'").format(name)
    dist, version = ep.metadata()
    return (
        gettext("plugin '{0}' (distribution {1} {2}, entry point {3} = {4})")
        .format(name, dist or "?", version, ep.name, ep.value)
        .replace("  ", " ")
    )


def _load_entry_point(pm: pluggy.PluginManager, ep: Any, broken: dict[str, tuple[Any, Problem]]) -> bool:
    """Import and register one entry point; a failure marks it broken instead of ending the command."""
    token = loading_packs.set(True)
    try:
        pm.register(ep.load(), name=ep.name)
    except (Exception, SystemExit) as exc:  # a pack's import may fail in any way, even sys.exit()
        broken[ep.name] = (ep, Problem(plugin_failure(exc)))
        return False
    finally:
        loading_packs.reset(token)
    return True


def _load_named_plugins(pm: pluggy.PluginManager, names: Sequence[str], blocked: set[str]) -> dict[str, Any]:
    """Load plugins named like pytest's ``-p NAME``: an entry point name, or else an importable module."""
    import importlib

    from ._entrypoints import entry_points

    available = {ep.name: ep for ep in entry_points(ENTRY_POINT_GROUP)}
    loaded: dict[str, Any] = {}
    for name in names:
        if name in blocked or pm.has_plugin(name) or pm.is_blocked(name):
            continue
        if name in available:
            if _load_entry_point(pm, available[name], pm._escore_broken):  # type: ignore[attr-defined]
                loaded[name] = available[name]
            continue
        if not all(part.isidentifier() for part in name.split(".")):  # "", "...", ".x", "a b": no module's name
            raise UsageError(gettext("-p/{0}: '{1}' is not the name of a plugin or a module").format(PLUGINS_ENV, name))
        token = loading_packs.set(True)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and not (name == exc.name or name.startswith(exc.name + ".")):  # it exists; something it imports does not
                pm._escore_broken[name] = (None, Problem(plugin_failure(exc)))  # type: ignore[attr-defined]
                continue
            hint = did_you_mean(name, available)
            raise UsageError(
                gettext("-p/{0}: no escore plugin or module named '{1}'").format(PLUGINS_ENV, name) + (gettext("; ") + hint if hint else "")
            ) from None
        except (Exception, SystemExit) as exc:
            pm._escore_broken[name] = (None, Problem(plugin_failure(exc)))  # type: ignore[attr-defined]
            continue
        finally:
            loading_packs.reset(token)
        if pm.is_registered(module):
            continue  # already loaded, by its entry point (-p escore_fj2017_city.plugin with autoload on)
        pm.register(module, name=name)
    return loaded


def _differences(first: Any, second: Any) -> str:
    """What differs between two registrations of one name: ``year 2030 and 2031, title 'A' and ''``."""
    if type(first) is not type(second) or not attrs.has(type(first)):
        return gettext("{0} and {1}").format(repr(first), repr(second))
    from ._score import fmt

    def shown(value: Any) -> str:
        return fmt(value) if isinstance(value, Decimal) else repr(value)

    return gettext(", ").join(
        gettext("{0} {1} and {2}").format(field.name, shown(getattr(first, field.name)), shown(getattr(second, field.name)))
        for field in attrs.fields(type(first))
        if field.eq and getattr(first, field.name) != getattr(second, field.name)
    )


class WrongParent(NamedTuple):
    """A ``parent`` that names no unit a sub-unit may sit under (:func:`wrong_parent`)."""

    parent: str
    unit: Unit  # the first unit (in code order of the parents) that names it
    said: str  # what is wrong and what was expected, translated
    hint: str  # a "did you mean", or ""


def wrong_parent(
    units: Sequence[Unit],
    category: str,
    category_of: Mapping[str, str],
    above: Collection[str],
    own: Collection[str],
    *,
    table: bool,
) -> WrongParent | None:
    """The first ``parent`` of ``units`` (of ``category``: a pack's roster, or a units table
    with the codes ``own``) that is not the code of a unit of one of the categories ``above``
    (every category but ``category`` when it is empty), or ``None``.

    ``category_of`` maps every unit code of the ruleset's rosters to its category. A parent is
    what a roll-up reads: a unit gets the rows of the units whose parent it is (a city its
    counties'). One of ``units`` itself (the unit's own code included), a unit of another
    category, or a typo gave no roll-up at all, and the ranking was wrong without a word.
    The same rule for a pack's roster (checked when the catalogue loads) and for a units table
    given with ``--roster`` (checked when it is read)."""
    parents = set(map(operator.attrgetter("parent"), units)) - {None, ""}
    if not parents:
        return None
    allowed = {code for code, key in category_of.items() if (key in above if above else key != category)}.difference(own)
    wrong = sorted(parents - allowed)
    if not wrong:
        return None
    parent = wrong[0]
    unit = next(u for u in units if u.parent == parent)
    kinds = ", ".join(sorted(above)) if above else gettext("another category than {0}").format(category)
    hint = ""
    if parent in own:
        mine = (
            gettext("'{0}' is a unit of this table; expected the code of a unit of {1}")
            if table
            else gettext("'{0}' is a unit of this roster; expected the code of a unit of {1}")
        )
        said = mine.format(parent, kinds)
    elif parent in category_of:
        said = gettext("'{0}' is a unit of {1}; expected the code of a unit of {2}").format(parent, category_of[parent], kinds)
    else:
        said = gettext("unknown unit code '{0}'; expected the code of a unit of {1}").format(parent, kinds)
        hint = did_you_mean(parent, allowed)
    return WrongParent(parent, unit, said, hint)


class PluginInfo(NamedTuple):
    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]
    problem: str = ""  # why a broken plugin was left out


def list_plugins(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every registered plugin with its distribution, version and implemented hooks, sorted by name."""
    entry_points = getattr(pm, "_escore_distributions", {})
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = tuple(sorted(caller.name for caller in (pm.get_hookcallers(plugin) or ())))
        if name in entry_points:
            dist_name, version = entry_points[name].metadata()
            out.append(PluginInfo(name, dist_name, version, hooks))
        else:
            from ._version import __version__

            builtin = name in BUILTIN_PLUGINS
            out.append(PluginInfo(name, "escore" if builtin else "(registered directly)", __version__ if builtin else "", hooks))
    for name, (ep, problem) in getattr(pm, "_escore_broken", {}).items():
        dist, version = ep.metadata() if ep is not None else ("", "")
        out.append(PluginInfo(name, dist, version, (), str(problem)))
    return sorted(out, key=lambda info: info.name)


def _call_attributed(pm: pluggy.PluginManager, hook_name: str, make_register: Callable[[str], Callable[..., None]]) -> None:
    """Call each implementation of a registration hook with a ``register`` that knows its plugin.

    The implementations are called one by one, in plugin-name order, rather than
    through one hook call, so that a conflict can name both plugins and the
    result does not depend on registration order.
    """
    caller = getattr(pm.hook, hook_name)
    for impl in sorted(caller.get_hookimpls(), key=lambda i: i.plugin_name):
        register = make_register(impl.plugin_name)
        conflicts: list[BaseException] = []

        def guarded(
            *args: Any, register: Callable[..., None] = register, conflicts: list[BaseException] = conflicts, **kwargs: Any
        ) -> None:
            try:
                register(*args, **kwargs)
            except PackError as exc:  # a clash between plugins: not this plugin's fault alone
                conflicts.append(exc)
                raise

        try:
            impl.function(*[guarded for _ in impl.argnames])
        except (Exception, SystemExit) as exc:
            if conflicts:
                raise conflicts[0] from None
            raise _PluginFailed(impl.plugin_name, Problem(plugin_failure(exc), hook_name)) from None


class _PluginFailed(Exception):
    def __init__(self, plugin: str, problem: Problem) -> None:
        super().__init__(plugin, problem)
        self.plugin = plugin
        self.problem = problem


class Catalog:
    """Everything the loaded plugins registered, checked for conflicts."""

    def __init__(self, pm: pluggy.PluginManager, *, complete: bool = False, announce: bool = True) -> None:
        """:param complete: the plugins are a whole installation (the command line): a category
        that states its ``total`` must then have sections weighing exactly that, which is how
        a run notices that a pack contributing a section is missing or failed to load. A test
        of one pack alone leaves it ``False``: sections weighing less than the total are then
        the other packs', but sections weighing more are refused either way.
        :param announce: warn now of each plugin left out; else :meth:`announce_broken` does."""
        self.pm = pm
        self.complete = complete
        broken: dict[str, tuple[Any, Problem]] = getattr(pm, "_escore_broken", None) or {}
        pm._escore_broken = broken  # type: ignore[attr-defined]
        #: rulesets a broken plugin had registered before it failed (left out with it): a
        #: later year that broke must not let the earlier one be scored as if it were the latest
        lost: dict[str, Ruleset] = {}
        lost_categories: set[tuple[str, str]] = set()
        while True:
            self._reset()
            token = loading_packs.set(True)  # the registration hooks import the rule modules
            try:
                self._collect()
                break
            except _PluginFailed as failure:
                # Leave the plugin out and collect again from scratch, so that nothing it
                # registered before failing remains.
                ep = getattr(pm, "_escore_distributions", {}).get(failure.plugin)
                broken[failure.plugin] = (ep, failure.problem)
                lost.update((name, rules) for name, (rules, plugin) in self.rulesets.items() if plugin == failure.plugin)
                lost_categories.update(key for key, (_category, plugin) in self.categories.items() if plugin == failure.plugin)
                pm.unregister(name=failure.plugin)
            finally:
                loading_packs.reset(token)
        self._lost_rulesets = lost
        self._lost_categories = lost_categories
        self.broken = broken
        if announce:
            self.announce_broken()

    def announce_broken(self) -> None:
        """One warning for each plugin left out, naming why (the command line calls it once the
        command's language is chosen, which the rulesets loaded decide)."""
        from ._errors import warn

        for name, (ep, problem) in sorted(self.broken.items()):
            warn(gettext("{0} is broken and was left out: {1}").format(describe(name, ep), problem))

    def _reset(self) -> None:
        self.rulesets: dict[str, tuple[Ruleset, str]] = {}
        self.categories: dict[tuple[str, str], tuple[Category, str]] = {}
        self.sections: dict[tuple[str, str, str], tuple[Section, str]] = {}
        self.indicator_modules: list[tuple[str, tuple[tuple[str, str], ...], ModuleType, str]] = []
        self.fixture_modules: dict[str, list[ModuleType]] = {}
        self.rosters: dict[tuple[str, str], tuple[Roster, str]] = {}
        self.loaders: dict[str, EvidenceLoader] = {}
        self.formats: dict[str, OutputFormat] = {}
        self.golden: list[tuple[str, Path, str]] = []
        #: Golden case ids (fnmatch patterns) a derived ruleset does not inherit from its base.
        self.golden_drops: dict[str, tuple[str, ...]] = {}
        #: Which ruleset registered each inherited category, section and roster: ``(ruleset, key…) → base``.
        self.inherited: dict[tuple[str, ...], str] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        #: Called with a one-line note when a command picks a ruleset on its own (the CLI prints it on stderr).
        self.note: Callable[[str], None] = lambda message: None
        self._noted: set[str] = set()  # each note once: a command may choose its ruleset more than once
        self.translations: list[tuple[str, Path]] = []  # (domain, locale directory), for escore._i18n.use
        self._plans: dict[tuple[str, str], Plan] = {}
        self._rosters: dict[tuple[str, str], tuple[Unit, ...]] = {}
        self._fixtures: dict[str, Any] = {}
        self._owners: dict[tuple[str, str], str] = {}

    def _unique(self, table: dict[Any, tuple[Any, str]], key: Any, value: Any, plugin: str, what: str) -> None:
        if key in table:
            other, other_plugin = table[key]
            if other != value:
                raise PackError(
                    gettext(
                        "{0} {1} is registered differently by plugins '{2}' and '{3}' ({4}); uninstall one of them, "
                        "or leave one out with -p no:NAME (escore plugins lists them)"
                    ).format(
                        gettext(what),
                        repr("/".join(key) if isinstance(key, tuple) else key),
                        other_plugin,
                        plugin,
                        _differences(other, value),
                    )
                )
            return
        table[key] = (value, plugin)

    def _claim(self, table: dict[str, Any], what: str, name: str, value: Any, plugin: str) -> None:
        """Register a loader or format name once: a second plugin claiming it is an error naming both."""
        owner = self._owners.get((what, name))
        if owner is not None:
            raise PackError(
                gettext("{0} '{1}' is registered by both plugins '{2}' and '{3}'; block one with -p no:NAME").format(
                    gettext(what), name, owner, plugin
                )
            )
        self._owners[(what, name)] = plugin
        table[name] = value

    def _collect(self) -> None:
        pm = self.pm
        _call_attributed(pm, "escore_register_rulesets", lambda p: lambda r: self._unique(self.rulesets, r.name, r, p, N_("ruleset")))
        _call_attributed(
            pm, "escore_register_categories", lambda p: lambda c: self._unique(self.categories, (c.ruleset, c.key), c, p, N_("category"))
        )

        def section(plugin: str) -> Callable[[Section], None]:
            def register(s: Section) -> None:
                key = (s.ruleset, s.category, s.name)
                if key in self.sections:
                    raise PackError(
                        gettext("section {0}/{1} of ruleset {2} is claimed by both '{3}' and '{4}'").format(
                            s.category, s.name, s.ruleset, self.sections[key][1], plugin
                        )
                    )
                self.sections[key] = (s, plugin)

            return register

        _call_attributed(pm, "escore_register_sections", section)

        def indicators(plugin: str) -> Callable[..., None]:
            def register(module: ModuleType, *, ruleset: str, sections: Sequence[tuple[str, str]]) -> None:
                self.indicator_modules.append((ruleset, tuple(tuple(s) for s in sections), module, plugin))  # type: ignore[misc]

            return register

        _call_attributed(pm, "escore_register_indicators", indicators)

        def fixtures(plugin: str) -> Callable[..., None]:
            def register(module: ModuleType, *, ruleset: str) -> None:
                self.fixture_modules.setdefault(ruleset, []).append(module)

            return register

        _call_attributed(pm, "escore_register_fixtures", fixtures)

        def roster(plugin: str) -> Callable[[Roster], None]:
            def register(r: Roster) -> None:
                key = (r.ruleset, r.category)
                if key in self.rosters:
                    own = sorted(name for name, (_rules, by) in self.rulesets.items() if by == plugin)
                    copied = (  # a roster file copied from the earlier year, its ruleset line kept
                        gettext("; ")
                        + gettext("'{0}' registers {1}: set ruleset = \"{2}\" in the roster it copied").format(
                            plugin, ", ".join(own), own[0]
                        )
                        if own and r.ruleset not in own
                        else ""
                    )
                    raise PackError(
                        gettext("the {0} roster of ruleset {1} is registered by both '{2}' and '{3}'").format(
                            r.category, r.ruleset, self.rosters[key][1], plugin
                        )
                        + copied
                    )
                self.rosters[key] = (r, plugin)

            return register

        _call_attributed(pm, "escore_register_rosters", roster)
        _call_attributed(
            pm,
            "escore_register_evidence_loaders",
            lambda p: lambda loader: self._claim(self.loaders, N_("evidence loader"), loader.suffix, loader, p),
        )
        _call_attributed(pm, "escore_register_formats", lambda p: lambda f: self._claim(self.formats, N_("output format"), f.name, f, p))

        def golden(plugin: str) -> Callable[..., None]:
            def register(path: Path, *, ruleset: str, drop: Sequence[str] = ()) -> None:
                self.golden.append((ruleset, Path(path), plugin))
                if drop:
                    self.golden_drops[ruleset] = tuple(sorted({*self.golden_drops.get(ruleset, ()), *drop}))

            return register

        _call_attributed(pm, "escore_register_golden_cases", golden)
        _call_attributed(
            pm, "escore_register_translations", lambda p: lambda path, *, domain: self.translations.append((domain, Path(path)))
        )
        self.golden.sort(key=lambda item: (item[0], str(item[1])))
        self._inherit()
        for (ruleset, category, name), (_, plugin) in self.sections.items():
            if ruleset not in self.rulesets:
                raise PackError(
                    gettext("plugin '{0}' registers section {1}/{2} of ruleset '{3}', which no plugin registers").format(
                        plugin, category, name, ruleset
                    )
                )
            if (ruleset, category) not in self.categories:
                raise PackError(
                    gettext("plugin '{0}' registers section {1}/{2} of category '{1}', which ruleset '{3}' does not declare").format(
                        plugin, category, name, ruleset
                    )
                )
        self._check_roster_parents()

    # ------------------------------------------------------------------ inheritance

    def chain(self, ruleset: str) -> tuple[str, ...]:
        """``ruleset`` and the rulesets it extends, base first (``("fj2017", "fj2018")``)."""
        if ruleset not in self._chains:
            names: list[str] = []
            cursor: str | None = ruleset
            while cursor is not None:
                if cursor in names:
                    raise PackError(gettext("ruleset '{0}' extends itself: {1}").format(ruleset, " → ".join([*names, cursor])))
                if cursor not in self.rulesets:
                    hint = did_you_mean(cursor, [r for r in self.rulesets if r not in names])
                    raise PackError(
                        gettext("ruleset '{0}' (plugin '{1}') extends '{2}', which no installed plugin registers").format(
                            names[-1], self.rulesets[names[-1]][1], cursor
                        )
                        + (gettext("; ") + hint if hint else "")
                    )
                names.append(cursor)
                cursor = self.rulesets[cursor][0].extends
            self._chains[ruleset] = tuple(reversed(names))
        return self._chains[ruleset]

    def _inherit(self) -> None:
        """Give every derived ruleset the categories, sections and rosters of its base it does not redeclare."""
        derived = sorted((r for r, _ in self.rulesets.values() if r.extends), key=lambda r: len(self.chain(r.name)))
        for rules in derived:  # bases first, so that a grandchild inherits what its parent inherited
            name, base = rules.name, rules.extends or ""
            for (r, key), (category, plugin) in sorted(self.categories.items()):
                if r == base and (name, key) not in self.categories:
                    self.categories[(name, key)] = (attrs.evolve(category, ruleset=name), plugin)
                    self.inherited[(name, "category", key)] = base
            for (r, key, section_name), (section, plugin) in sorted(self.sections.items(), key=lambda item: item[0]):
                if r != base:
                    continue
                own = self.sections.get((name, key, section_name))
                if own is None:
                    self.sections[(name, key, section_name)] = (attrs.evolve(section, ruleset=name), plugin)
                    self.inherited[(name, "section", key, section_name)] = self.inherited.get((base, "section", key, section_name), base)
                elif not own[0].sample_evidence and section.sample_evidence:
                    self.sections[(name, key, section_name)] = (attrs.evolve(own[0], sample_evidence=section.sample_evidence), own[1])
            for (r, key), (roster, plugin) in sorted(self.rosters.items()):
                if r == base and (name, key) not in self.rosters:
                    self.rosters[(name, key)] = (attrs.evolve(roster, ruleset=name), plugin)
                    self.inherited[(name, "roster", key)] = self.inherited.get((base, "roster", key), base)

    def parent_categories(self, ruleset: str, category: str) -> set[str]:
        """The categories of ``ruleset`` whose sub-units are ``category``'s units: a unit of one
        of them rolls up the rows of the units whose ``parent`` it is (a city its counties')."""
        return {key for (r, key), (declared, _) in self.categories.items() if r == ruleset and declared.subunits == category}

    def _check_roster_parents(self) -> None:
        """Refuse a roster whose unit names a ``parent`` that is not a unit of the roster its
        rows roll up into (:func:`wrong_parent`): a typo had dropped the sub-unit's rows from its
        parent's score, exit 0. A roster whose parents' category has no roster here (a pack
        installed without the one that registers it) cannot be checked, nor can it roll up."""
        order = sorted(self.rosters.items(), key=lambda item: ((item[0][0], "roster", item[0][1]) in self.inherited, item[0]))
        for (ruleset, category), (roster, plugin) in order:
            if not any(unit.parent for unit in roster.units):
                continue
            rolled = self.parent_categories(ruleset, category)
            above = {key for key in rolled if (ruleset, key) in self.rosters}
            if (rolled and not above) or not (above or any(r == ruleset and key != category for r, key in self.rosters)):
                continue
            own = [unit.code for unit in roster.units]
            wrong = wrong_parent(roster.units, category, self.unit_categories(ruleset), above, own, table=False)
            if wrong is None:
                continue
            from ._paths import source_location

            where = (
                source_location(str(roster.source))
                if roster.source is not None
                else gettext("the {0} roster of ruleset {1} (plugin '{2}')").format(category, ruleset, plugin)
            )
            said, hint = wrong.said, wrong.hint
            base = self.inherited.get((ruleset, "roster", category))
            if base is not None:
                where += gettext(" (the {0} roster {1} inherits from {2})").format(category, ruleset, base)
                earlier = (self.rulesets[ruleset][0].extends if ruleset in self.rulesets else None) or ""
                dropped = [
                    key
                    for key in sorted(above)
                    if (earlier, key) in self.rosters and any(u.code == wrong.parent for u in self.rosters[(earlier, key)][0].units)
                ]
                if dropped:  # the new year's roster of the parents left it out: this one must follow
                    said = gettext(
                        "'{0}' is a unit of {1}'s {2} roster, not of {3}'s; register a {4} roster for {3} whose parents are units of its {2} roster"
                    ).format(wrong.parent, earlier, dropped[0], ruleset, category)
                    hint = ""
            raise PackError(f"{where}: unit[{roster.units.index(wrong.unit)}].parent: {said}" + (f" ({hint})" if hint else ""))

    def section_origin(self, ruleset: str, category: str, section: str) -> str:
        """The ruleset whose declaration a section of ``ruleset`` is (itself unless inherited)."""
        return self.inherited.get((ruleset, "section", category, section), ruleset)

    # ------------------------------------------------------------------ selection

    def _broken_note(self) -> str:
        """``; plugin 'X' … is broken (see the warning above)`` for each plugin left out: what a
        name that is not found may belong to (why it broke is the warning's, said once)."""
        return "".join(
            gettext("; ") + gettext("{0} is broken (see the warning above)").format(describe(name, ep))
            for name, (ep, _problem) in sorted(self.broken.items())
        )

    def category_keys(self) -> list[str]:
        return sorted({key for _, key in self.categories})

    def named(self, name: str, *, year: int | None = None) -> Ruleset:
        """The installed ruleset ``name`` (``--ruleset``). An unknown name, with the closest one
        installed (else those installed), or a ``year`` it is not of, is a usage error."""
        if name not in self.rulesets:
            hint = did_you_mean_ruleset(name, {r: rules.year for r, (rules, _p) in self.rulesets.items()})
            known = ", ".join(sorted(self.rulesets)) or gettext("none")
            raise UsageError(
                gettext("unknown ruleset '{0}'").format(name)
                + gettext("; ")
                + (hint or gettext("installed: {0}").format(known))
                + self._broken_note()  # the ruleset meant may be a broken plugin's
            )
        chosen = self.rulesets[name][0]
        if year is not None and chosen.year != year:
            raise UsageError(
                gettext("--year {0} contradicts --ruleset {1}, which is the {2} ruleset; give one of them").format(year, name, chosen.year)
            )
        return chosen

    def check_year(self, year: int) -> None:
        """A usage error when no installed ruleset is of ``year``, with the closest year installed
        (else those installed)."""
        years = sorted({str(r.year) for r, _ in self.rulesets.values()})
        if str(year) not in years:
            hint = did_you_mean_year(year, [int(y) for y in years])
            raise UsageError(
                gettext("no installed ruleset is of {0}").format(year)
                + gettext("; ")
                + (hint or gettext("years installed: {0}").format(", ".join(years)))
            )

    def choose(self, category: str, *, ruleset: str | None = None, year: int | None = None) -> Ruleset:
        """The ruleset to use for ``category``: the one named, the one of ``year``, or the latest.

        Unknown names and years, a ``--year`` that contradicts ``--ruleset`` and two
        rulesets of one year are usage errors. Picking the latest of several calls
        :attr:`note` so that the user sees which year was scored.
        """
        if ruleset is not None:
            chosen = self.named(ruleset, year=year)
            if (ruleset, category) not in self.categories:
                hint = did_you_mean(category, [k for r, k in self.categories if r == ruleset])
                raise UsageError(
                    gettext("ruleset '{0}' has no category '{1}'").format(ruleset, category)
                    + (gettext("; ") + hint if hint else "")
                    + gettext("; ")
                    + gettext("it has: {0}").format(", ".join(sorted(k for r, k in self.categories if r == ruleset)))
                )
            return chosen
        if category not in self.category_keys():
            hint = did_you_mean(category, self.category_keys())
            known = ", ".join(self.category_keys()) or gettext("none (is a rule pack installed?)")
            raise UsageError(
                gettext("unknown category '{0}'").format(category)
                + gettext("; ")
                + (hint or gettext("known: {0}").format(known))
                + self._broken_note()
            )
        candidates = sorted((self.rulesets[r][0] for r, k in self.categories if k == category), key=lambda r: (r.year, r.name))
        if year is not None:
            years = sorted({r.year for r in candidates})
            candidates = [r for r in candidates if r.year == year]
            if not candidates:
                hint = did_you_mean_year(year, years)
                raise UsageError(
                    gettext("no installed ruleset scores '{0}' for {1}").format(category, year)
                    + (gettext("; ") + hint if hint else "")
                    + gettext("; ")
                    + gettext("years installed: {0}").format(", ".join(map(str, years)))
                )
            if len(candidates) > 1:
                names = ", ".join(f"{r.name} ({r.year})" for r in candidates)
                raise UsageError(
                    gettext("rulesets {0} both claim category '{1}' for {2}; choose one with --ruleset").format(names, category, year)
                )
            return candidates[0]
        scoring = {r.name for r in candidates}
        newer = sorted(
            (
                r
                for r in self._lost_rulesets.values()
                if r.year >= candidates[-1].year and (r.extends in scoring or (r.name, category) in self._lost_categories)
            ),
            key=lambda r: (r.year, r.name),
        )
        if newer:
            raise UsageError(
                gettext(
                    "the latest ruleset of '{0}' here is {1} ({2}), but {3} ({4}) was left out with its broken plugin "
                    "(see the warning above): mend it, or score {1} with --ruleset {1}"
                ).format(category, candidates[-1].name, candidates[-1].year, newer[-1].name, newer[-1].year)
            )
        latest = [r for r in candidates if r.year == candidates[-1].year]
        if len(latest) > 1:
            names = ", ".join(f"{r.name} ({r.year})" for r in latest)
            raise UsageError(
                gettext("several rulesets score '{0}' for the latest year: {1}; choose one with --ruleset").format(category, names)
            )
        if len(candidates) > 1:
            others = ", ".join(f"{r.name} ({r.year})" for r in candidates[:-1])
            note = gettext("{0}: using {1} ({2}), the latest installed; also installed: {3} (choose with --year or --ruleset)").format(
                category, latest[0].name, latest[0].year, others
            )
            if note not in self._noted:  # diff chooses for each side, run once to speak and once to score
                self._noted.add(note)
                self.note(note)
        return latest[0]

    def plan(self, ruleset: str, category: str) -> Plan:
        """The collected, checked plan of one category (built once per catalogue)."""
        key = (ruleset, category)
        if key not in self._plans:
            rules = self.rulesets[ruleset][0]
            cat = self.categories[key][0]
            sections = sorted((s for (r, c, _), (s, _p) in self.sections.items() if r == ruleset and c == category), key=lambda s: s.name)
            if not sections:
                raise PackError(gettext("category '{0}' of ruleset '{1}' has no sections").format(category, ruleset))
            chain = self.chain(ruleset)

            def modules_of(name: str) -> list[tuple[str, ModuleType]]:
                return [
                    (section_name, module)
                    for r, targets, module, _ in self.indicator_modules
                    if r == name
                    for c, section_name in targets
                    if c == category
                ]

            def elsewhere(name: str) -> list[ModuleType]:
                return [module for r, targets, module, _ in self.indicator_modules if r == name and any(c != category for c, _ in targets)]

            if ruleset not in self._fixtures:
                layers = [
                    FixtureLayer(name, self.fixture_modules.get(name, []), [m for r, _, m, _ in self.indicator_modules if r == name])
                    for name in chain
                ]
                self._fixtures[ruleset] = collect_fixtures(
                    layers[0].modules, rule_modules=layers[0].rule_modules, ruleset=chain[0], overlays=layers[1:]
                )
            self._plans[key] = build_plan(
                rules,
                cat,
                sections,
                modules_of(chain[0]),
                self._fixtures[ruleset],
                base_name=chain[0],
                base_elsewhere=elsewhere(chain[0]),
                overlays=[RuleLayer(name, modules_of(name), elsewhere(name)) for name in chain[1:]],
                section_origins={s.name: self.section_origin(ruleset, category, s.name) for s in sections},
                check_total=self.complete,
                categories=frozenset(k for r, k in self.categories if r == ruleset),
            )
            earlier = self._earlier_plan(ruleset, category) if len(chain) > 1 else None
            if earlier is not None:
                check_raised_maxima(f"{ruleset}/{category}", earlier, self._plans[key])
                self._plans[key] = self._plans[key]._replace(
                    retired_fields=self._retired_fields(earlier, self._plans[key]),
                    retired_units=self._retired_units(earlier, self._plans[key]),
                )
            other = self._other_fields(self._plans[key])
            if other:
                self._plans[key] = self._plans[key]._replace(other_fields=other)
        return self._plans[key]

    def _other_fields(self, plan: Plan) -> dict[str, tuple[str, ...]]:
        """The fields other installed rulesets declare that ``plan``'s neither declares nor
        retired: see :attr:`Plan.other_fields`. Read from their evidence modules alone, so that
        another year's pack that does not hold together changes nothing here."""
        from ._collect import scan_fields

        own = {d.field.key for d in plan.fixtures.values() if d.field is not None} | set(plan.retired_fields)
        found: dict[str, list[str]] = {}
        for name in sorted(self.rulesets, key=lambda r: (self.rulesets[r][0].year, r)):
            if name == plan.ruleset.name:
                continue
            for key in scan_fields(self.fixture_modules.get(name, [])):
                if key not in own and name not in found.setdefault(key, []):
                    found[key].append(name)
        return {key: tuple(names) for key, names in sorted(found.items())}

    def inherited_dates(self, ruleset: str) -> list[tuple[str, Any, str, Any]]:
        """The date and year parameters ``ruleset`` inherits from an earlier year whose values
        lie in that year or before (a deadline of the earlier assessment): each as (name, value,
        the ruleset that declared it, the value moved on by the years between), by name. The
        categories whose tree does not hold together are left out (that is said elsewhere)."""
        from ._parameters import moved_on, of_its_year

        rules = self.rulesets[ruleset][0]
        found: dict[str, tuple[str, Any, str, Any]] = {}
        for r, category in sorted(self.categories):
            if r != ruleset:
                continue
            try:
                plan = self.plan(ruleset, category)
            except PackError:
                continue
            for fixture in plan.fixtures.values():
                if fixture.kind != "parameter" or fixture.parameter is None or fixture.name in found:
                    continue
                origin = self.rulesets.get(fixture.origin, (None,))[0] if fixture.origin else None
                if origin is None or origin.name == ruleset or origin.year >= rules.year:
                    continue
                value = fixture.parameter.value
                if of_its_year(fixture.name, value, origin.year):
                    found[fixture.name] = (fixture.name, value, origin.name, moved_on(value, rules.year - origin.year))
        return [found[name] for name in sorted(found)]

    def _earlier_plan(self, ruleset: str, category: str) -> Plan | None:
        """The plan of ``category`` in the ruleset ``ruleset`` extends, if that one holds together."""
        parent = self.rulesets[ruleset][0].extends
        if parent is None or (parent, category) not in self.categories:
            return None
        try:
            return self.plan(parent, category)
        except PackError:  # the earlier year's own tree does not hold together: nothing to compare with
            return None

    @staticmethod
    def _retired_fields(earlier: Plan, plan: Plan) -> dict[str, tuple[str, tuple[str, ...]]]:
        """The fields the plan of the ruleset ``plan``'s extends read (``earlier``; or an earlier
        year did) and ``plan`` does not: see :attr:`Plan.retired_fields`."""
        parent = earlier.ruleset.name
        read = {f.key for f in plan.fields}
        retired = {key: by for key, by in earlier.retired_fields.items() if key not in read}
        retired.update((f.key, (parent, earlier.feeds.get(f.key, ()))) for f in earlier.fields if f.key not in read)
        return dict(sorted(retired.items()))

    def _retired_units(self, earlier: Plan, plan: Plan) -> dict[str, tuple[str, str]]:
        """The units of the category, and of its sub-unit category, the roster of ``earlier``'s
        ruleset held (or an earlier year's did) and ``plan``'s does not: see :attr:`Plan.retired_units`."""
        retired = dict(earlier.retired_units)
        for category in filter(None, (plan.category.key, plan.category.subunits)):
            try:
                now = {unit.code for unit in self.roster(plan.ruleset.name, category)}
                then = self.roster(earlier.ruleset.name, category)
            except PackError:  # no roster: nothing to compare
                continue
            retired = {code: by for code, by in retired.items() if by[1] != category or code not in now}
            retired.update((unit.code, (earlier.ruleset.name, category)) for unit in then if unit.code not in now)
        return dict(sorted(retired.items()))

    def roster(self, ruleset: str, category: str) -> tuple[Unit, ...]:
        """The units of a category in code order (sorted once per catalogue)."""
        key = (ruleset, category)
        if key not in self._rosters:
            entry = self.rosters.get(key)
            if entry is None:
                raise PackError(gettext("no roster of category '{0}' is registered for ruleset '{1}'").format(category, ruleset))
            self._rosters[key] = tuple(sorted_naturally(entry[0].units, lambda u: u.code))
        return self._rosters[key]

    def unit_categories(self, ruleset: str) -> dict[str, str]:
        """The category of every unit of ``ruleset``'s rosters, by code."""
        return {unit.code: key for (r, key), (roster, _) in self.rosters.items() if r == ruleset for unit in roster.units}

    def all_unit_codes(self, ruleset: str) -> set[str]:
        return {unit.code for (r, _), (roster, _) in self.rosters.items() if r == ruleset for unit in roster.units}

    def units_of_ruleset(self, ruleset: str) -> list[Unit]:
        """Every unit of every category's roster of ``ruleset``, in category order."""
        return [
            unit for (r, _), (roster, _) in sorted(self.rosters.items(), key=lambda item: item[0]) if r == ruleset for unit in roster.units
        ]

    def sample_evidence(self, plan: Plan) -> list[Path]:
        paths: list[Path] = []
        for section in plan.sections:
            for path in section.sample_evidence:
                if Path(path) not in paths:
                    paths.append(Path(path))
        return sorted(paths)
