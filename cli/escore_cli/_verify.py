from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from escore._i18n import gettext as _

if TYPE_CHECKING:
    from escore._plugins import Catalog

from . import H_, Command
from ._common import (
    FiniteFloatRange,
    GivenPath,
    catalog_from,
    command_stdout,
    echo_out,
    lang_option,
    plugin_options,
    reports_errors,
    ruleset_option,
    year_option,
)


class _Sink:
    """A pytest plugin object that collects each golden case's outcome for rule coverage."""

    def __init__(self) -> None:
        self.outcomes: list[Any] = []

    def pytest_configure(self, config: Any) -> None:
        from escore.pytest_plugin import OUTCOMES_ATTRIBUTE

        setattr(config, OUTCOMES_ATTRIBUTE, self.outcomes)


@click.command(
    context_settings={"ignore_unknown_options": True},
    cls=Command,
    help=H_(
        "Run golden cases through pytest: those of the installed packs, or those at PATHS.\n\n"
        "A file given is read as golden cases whatever its name. In a directory, the *.toml files of directories named "
        "golden and the *.golden.toml files are; a warning names any other *.toml there that holds cases.\n\n"
        "Exit status: 0 when every case passes (and coverage is at least --fail-under), 1 otherwise, 2 on bad input."
    ),
)
@click.argument("paths", nargs=-1, type=GivenPath(path_type=Path))
@ruleset_option
@year_option
@click.option("--coverage", "with_coverage", is_flag=True, help=H_("Report rule coverage: indicators reached, branches never taken."))
@click.option(
    "--fail-under",
    type=FiniteFloatRange(0, 100),
    metavar="PCT",
    help=H_("With --coverage: fail if fewer than PCT% of indicators are reached."),
)
@click.option(
    "--pytest-arg", "pytest_args", multiple=True, metavar="ARG", help=H_("Pass ARG to pytest (repeatable), e.g. --pytest-arg=-x.")
)
@click.option("-k", "keyword", metavar="EXPR", help=H_("Only cases whose id/file match EXPR (pytest -k)."))
@click.option("-x", "exitfirst", is_flag=True, help=H_("Stop at the first failing case."))
@click.option("-v", "--verbose", is_flag=True, help=H_("One line per case, with its result (pytest -v)."))
@lang_option
@click.pass_context
@reports_errors
def verify(
    ctx: click.Context,
    lang: str | None,
    paths: tuple[Path, ...],
    ruleset: str | None,
    year: int | None,
    with_coverage: bool,
    fail_under: float | None,
    pytest_args: tuple[str, ...],
    keyword: str | None,
    exitfirst: bool,
    verbose: bool,
) -> None:
    import tempfile

    import pytest

    from escore._errors import UsageError
    from escore._golden import check_drops

    catalog = catalog_from(ctx)  # the language of the packs first: a usage error speaks it too
    if fail_under is not None and not with_coverage:
        raise UsageError(_("--fail-under needs --coverage (it is a threshold of rule coverage)"))
    names = _chosen_rulesets(catalog, ruleset, year)
    # A tree that does not hold together is one pack error, said once, as run says it (each
    # of its cases had failed with the same message).
    for name, category in sorted({(r, c) for r, c, _section in catalog.sections if r in names}):
        catalog.plan(name, category)
    for name in sorted(names):
        check_drops(catalog, name)
    _warn_inherited_dates(catalog, names)
    _warn_rule_reach(catalog, names)
    # A derived ruleset runs the cases of the rulesets it extends as well.
    chains = {base for name in names for base in catalog.chain(name)}
    targets = list(paths) or sorted({path for r, path, _ in catalog.golden if r in chains})
    if not targets:
        raise UsageError(_("no golden cases: no installed pack registers any; pass PATH"))
    for target in targets:
        if not target.exists():
            if str(target).startswith("-"):  # an option of pytest's, given as it would be to pytest
                raise UsageError(_("no such option: {0}; pass pytest's options as --pytest-arg={0}").format(target))
            raise UsageError(_("golden case path not found: {0}").format(target))
    _check_case_files(catalog, targets, names)
    scratch = tempfile.TemporaryDirectory(prefix="escore-verify-")
    empty_config = Path(scratch.name) / "pytest.ini"
    empty_config.write_text("[pytest]\n", encoding="utf-8")
    args = _pytest_args(targets, empty_config, sorted(names) if ruleset or year else [], keyword, exitfirst, pytest_args, verbose=verbose)
    sink = _Sink()
    cov = None
    if with_coverage:
        import coverage

        files = sorted({str(Path(module.__file__).resolve()) for _, _, module, _ in catalog.indicator_modules if module.__file__})
        cov = coverage.Coverage(data_file=None, branch=True, include=files, config_file=False)
        cov.start()
    try:
        # pytest builds its own catalogue: hand it the same -p choices through the environment.
        with _plugin_choices(*plugin_options(ctx)), command_stdout():  # pytest's report is this command's output
            status = pytest.main(args, plugins=[sink])
    finally:
        scratch.cleanup()
        if cov is not None:
            cov.stop()
    code = 0 if status == 0 else 1
    if status == 5:
        message = _("no golden case was collected") + (
            _(" (-k {0} matches none)").format(repr(keyword))
            if keyword
            else _(
                "; in a directory, golden case files are *.toml files in a directory named 'golden' and *.golden.toml files "
                "(a file named on the command line is read whatever its name)"
            )
        )
        click.echo(_("escore: error: {0}").format(message), err=True)
        ctx.exit(2)
    if cov is not None and not _coverage_reached(catalog, names, sink, cov, fail_under):
        code = 1
    ctx.exit(code)


def _warn_inherited_dates(catalog: Catalog, names: set[str]) -> None:
    """One warning per date or year parameter a later year inherits from an earlier one with a
    value of that earlier assessment (a deadline of 2017 in fj2018): its cases, and its runs,
    would score against last year's dates without a word."""
    from escore._errors import warn
    from escore._parameters import as_python

    for name in sorted(names):
        rules = catalog.rulesets[name][0]
        if rules.extends is None:
            continue
        modules = [module.__name__ for r, _targets, module, _plugin in catalog.indicator_modules if r == name]
        where = modules[0] if modules else _("{0}'s overrides module").format(name)
        for parameter, value, origin, moved in catalog.inherited_dates(name):
            warn(
                _('{0} = {1} is inherited from {2}; {3} assesses {4}: replace it with parameter("{0}", {5}) in {6}').format(
                    parameter, value, origin, name, rules.year, as_python(moved), where
                )
            )


def _warn_rule_reach(catalog: Catalog, names: set[str]) -> None:
    """One warning per ladder that gives more for a worse value and per maximum an indicator's
    only rule cannot give: either may be what the notice says, so neither is refused."""
    from escore._errors import warn
    from escore._reach import reach_warnings

    for name, category in sorted({(r, c) for r, c, _section in catalog.sections if r in names}):
        for message in reach_warnings(f"{name}/{category}", catalog.plan(name, category)):
            warn(message)


def _check_case_files(catalog: Catalog, targets: list[Path], names: set[str]) -> None:
    """Every golden case file under ``targets`` read before pytest runs: a file that does not
    read (bad TOML, an unknown key, a case naming another ruleset than its directory's, evidence
    of the wrong type or impossible) is an
    input error naming it, exit 2, not pytest's collection error and its stack on stdout with
    exit 1. A file given is golden cases whatever its name; in a directory, a ``*.toml`` that
    holds cases but is not named as a golden case file is left out with a warning naming it.

    Only the runs of the rulesets ``names`` are checked (those verify runs): a later year that
    inherits a case, and cannot run it (it removes an indicator the case states), or whose pack
    is broken, does not stop the verification of the year the case belongs to. The problems of
    the cases a year inherits are listed at once."""
    from escore._errors import InputError, InputErrors, warn
    from escore._golden import bindings, case_evidence, case_target, load_cases
    from escore.pytest_plugin import is_golden

    inherited: list[InputError] = []

    def check(path: Path) -> None:
        for case in load_cases(path):
            for binding in bindings(catalog, case):
                if binding.ruleset is not None and binding.ruleset not in names:
                    continue
                # What the case states and the evidence it gives: a value of the wrong type is
                # bad input (exit 2), as in an evidence file; only a wrong number fails a case.
                try:
                    case_evidence(catalog, case, *case_target(catalog, case, binding.ruleset))
                except InputError as exc:
                    if not binding.inherited_from:
                        raise
                    inherited.append(exc)

    for target in targets:
        if target.is_file():
            check(target)
            continue
        left_out = []
        for path in sorted(target.rglob("*.toml")):
            if any(fnmatch.fnmatch(part, pattern) for part in path.relative_to(target).parts[:-1] for pattern in _NOT_COLLECTED):
                continue
            if is_golden(path):
                check(path)
            elif _holds_cases(path):
                left_out.append(str(path.relative_to(target)))
        if left_out:
            shown = ", ".join(left_out[:_SHOWN]) + (_(" and {0} more").format(len(left_out) - _SHOWN) if len(left_out) > _SHOWN else "")
            warn(
                _(
                    "{0}: {1} file(s) hold golden cases but were not read: {2} (in a directory, golden case files are *.toml files "
                    "in a directory named 'golden' and *.golden.toml files: rename them, or name each on the command line)"
                ).format(target, len(left_out), shown)
            )
    if len(inherited) == 1:
        raise inherited[0]
    if inherited:
        raise InputErrors(
            _("golden cases"), _("{0} inherited cases cannot run as they are:").format(len(inherited)), [str(e) for e in inherited]
        )


#: The files a warning names at most.
_SHOWN = 10


def _holds_cases(path: Path) -> bool:
    """Whether a ``*.toml`` that is not named as a golden case file holds golden cases (a
    ``[[case]]`` table): evidence files and settings beside the cases are not named."""
    import tomllib

    try:
        data = path.read_bytes()
        if b"case" not in data:
            return False
        parsed = tomllib.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(parsed.get("case"), list)


#: The folders pytest does not look into by default (its ``norecursedirs``): a case file there
#: is not run, so it is not read either (a package's ``build/`` copy of its cases, say).
_NOT_COLLECTED = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")


def _chosen_rulesets(catalog: Catalog, ruleset: str | None, year: int | None) -> set[str]:
    """The rulesets whose cases run: those named by --ruleset and --year, else every one
    installed. An unknown name or year, or the two contradicting each other, is a usage error."""

    if ruleset is not None:
        catalog.named(ruleset, year=year)
    elif year is not None:
        catalog.check_year(year)
    return {r.name for r, _ in catalog.rulesets.values() if (ruleset is None or r.name == ruleset) and (year is None or r.year == year)}


def _pytest_args(
    targets: list[Path],
    empty_config: Path,
    rulesets: list[str],
    keyword: str | None,
    exitfirst: bool,
    pytest_args: tuple[str, ...],
    *,
    verbose: bool = False,
) -> list[str]:
    """pytest's command line for the golden cases at ``targets``, the cases of ``rulesets`` only
    (all when empty)."""
    args = [str(t) for t in targets]
    # escore is imported before pytest starts, so pytest cannot assert-rewrite the plugin's
    # distribution; its runtime code has no bare asserts, so the warning is noise here.
    args += ["-v" if verbose else "-q", "--rootdir", str(Path.cwd()), "-o", "addopts=", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # Golden cases are data: nothing under PATH may run code. No conftest.py, no
    # configuration file found there (-c names an empty one), no Python test modules
    # or package __init__ imported (-p no:python), no doctests. pytest's cache stays in
    # the rootdir (the working directory), so --pytest-arg=--lf still works.
    args += ["--noconftest", "-c", str(empty_config), "-p", "no:python", "-p", "no:doctest"]
    args.append("--escore-named-files")  # a file given is golden cases whatever its name, as _check_case_files read it
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "escore.pytest_plugin"]  # the pytest11 entry point is not loaded then
    for name in rulesets:
        args += ["--escore-ruleset", name]
    if keyword:
        args += ["-k", keyword]
    if exitfirst:
        args.append("-x")
    return args + list(pytest_args)


@contextlib.contextmanager
def _plugin_choices(blocked: list[str], forced: list[str]) -> Iterator[None]:
    """The -p choices of this command in the environment while pytest runs, as it reads them
    when it builds its catalogue; the environment as it was afterwards."""
    from escore._plugins import BLOCKED_ENV, PLUGINS_ENV

    saved = {name: os.environ.get(name) for name in (BLOCKED_ENV, PLUGINS_ENV)}
    for name, values in ((BLOCKED_ENV, blocked), (PLUGINS_ENV, forced)):
        if values:
            os.environ[name] = ",".join(filter(None, [os.environ.get(name, ""), *values]))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _coverage_reached(catalog: Any, names: set[str], sink: _Sink, cov: Any, fail_under: float | None) -> bool:
    """Print the rule coverage of each category of the rulesets run; whether each reaches
    --fail-under (each one below it is named on stderr)."""
    from escore._coverage import measure, render

    reports = []
    for name in sorted(names or {o.plan.ruleset.name for o in sink.outcomes}):
        for (r, category), _plugin in sorted(catalog.categories.items()):
            if r != name or not any(s[0] == r and s[1] == category for s in catalog.sections):
                continue
            reports.append(measure(catalog.plan(r, category), sink.outcomes, cov))
    echo_out(render(reports))
    reached = True
    if fail_under is not None:
        for report in reports:
            if report.reached_percent < fail_under:
                click.echo(
                    _("escore: rule coverage of {0}/{1}: {2} of indicators reached, below --fail-under {3}").format(
                        report.ruleset, report.category, f"{report.reached_percent:.1f}%", f"{fail_under:g}"
                    ),
                    err=True,
                )
                reached = False
    return reached
