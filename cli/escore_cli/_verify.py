from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ._common import catalog_from, command_stdout, echo_out, plugin_options, reports_errors, ruleset_option, year_option


class _Sink:
    """A pytest plugin object that collects each golden case's outcome for rule coverage."""

    def __init__(self) -> None:
        self.outcomes: list[Any] = []

    def pytest_configure(self, config: Any) -> None:
        from escore.pytest_plugin import OUTCOMES_ATTRIBUTE

        setattr(config, OUTCOMES_ATTRIBUTE, self.outcomes)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@ruleset_option
@year_option
@click.option("--coverage", "with_coverage", is_flag=True, help="Report rule coverage: indicators reached, branches never taken.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="With --coverage: fail if fewer than PCT% of indicators are reached.")
@click.option("--pytest-arg", "pytest_args", multiple=True, metavar="ARG", help="Pass ARG to pytest (repeatable), e.g. --pytest-arg=-x.")
@click.option("-k", "keyword", metavar="EXPR", help="Only cases whose id/file match EXPR (pytest -k).")
@click.option("-x", "exitfirst", is_flag=True, help="Stop at the first failing case.")
@click.pass_context
@reports_errors
def verify(
    ctx: click.Context,
    paths: tuple[Path, ...],
    ruleset: str | None,
    year: int | None,
    with_coverage: bool,
    fail_under: float | None,
    pytest_args: tuple[str, ...],
    keyword: str | None,
    exitfirst: bool,
) -> None:
    """Run golden cases through pytest: those of the installed packs, or under PATHS.

    Exit status: 0 when every case passes (and coverage is at least --fail-under),
    1 otherwise, 2 on bad input.
    """
    import pytest

    from escore._errors import UsageError

    if fail_under is not None and not with_coverage:
        raise UsageError("--fail-under needs --coverage (it is a threshold of rule coverage)")
    catalog = catalog_from(ctx)
    rulesets = [r for r, _ in catalog.rulesets.values() if (ruleset is None or r.name == ruleset) and (year is None or r.year == year)]
    if (ruleset or year) and not rulesets:
        raise UsageError(
            "no installed ruleset matches "
            + " ".join(x for x in (f"--ruleset {ruleset}" if ruleset else "", f"--year {year}" if year else "") if x)
        )
    names = {r.name for r in rulesets}
    targets = list(paths) or [path for r, path, _ in catalog.golden if r in names]
    if not targets:
        raise UsageError("no golden cases: no installed pack registers any; pass PATH")
    for target in targets:
        if not target.exists():
            raise UsageError(f"golden case path not found: {target}")
    args = [str(t) for t in targets]
    # escore is imported before pytest starts, so pytest cannot assert-rewrite the plugin's
    # distribution; its runtime code has no bare asserts, so the warning is noise here.
    args += ["-q", "--rootdir", str(Path.cwd()), "-o", "addopts=", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # Golden cases are data: nothing under PATH may run code. No conftest.py, no
    # configuration file found there (-c names an empty one), no Python test modules
    # or doctests collected, no .pytest_cache written into evidence folders.
    import tempfile

    scratch = tempfile.TemporaryDirectory(prefix="escore-verify-")
    empty_config = Path(scratch.name) / "pytest.ini"
    empty_config.write_text("[pytest]\n", encoding="utf-8")
    args += ["--noconftest", "-c", str(empty_config), "-p", "no:python", "-p", "no:cacheprovider", "-p", "no:doctest"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args += ["-p", "escore.pytest_plugin"]  # the pytest11 entry point is not loaded then
    if keyword:
        args += ["-k", keyword]
    if exitfirst:
        args.append("-x")
    args += list(pytest_args)
    sink = _Sink()
    cov = None
    if with_coverage:
        import coverage

        files = sorted({str(Path(module.__file__).resolve()) for _, _, module, _ in catalog.indicator_modules if module.__file__})
        cov = coverage.Coverage(data_file=None, branch=True, include=files, config_file=False)
        cov.start()
    # pytest builds its own catalogue: hand it the same -p choices through the environment.
    from escore._plugins import BLOCKED_ENV, PLUGINS_ENV

    blocked, forced = plugin_options(ctx)
    saved = {name: os.environ.get(name) for name in (BLOCKED_ENV, PLUGINS_ENV)}
    for name, values in ((BLOCKED_ENV, blocked), (PLUGINS_ENV, forced)):
        if values:
            os.environ[name] = ",".join(filter(None, [os.environ.get(name, ""), *values]))
    try:
        with command_stdout():  # pytest's report is this command's output
            status = pytest.main(args, plugins=[sink])
    finally:
        scratch.cleanup()
        if cov is not None:
            cov.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    code = 0 if status == 0 else 1
    if status == 5:
        click.echo("escore: error: no golden case was collected" + (f" (-k {keyword!r} matches none)" if keyword else ""), err=True)
        ctx.exit(2)
    if cov is not None:
        from escore._coverage import measure, render

        reports = []
        for name in sorted(names or {o.plan.ruleset.name for o in sink.outcomes}):
            for (r, category), _ in sorted(catalog.categories.items()):
                if r != name or not any(s[0] == r and s[1] == category for s in catalog.sections):
                    continue
                reports.append(measure(catalog.plan(r, category), sink.outcomes, cov))
        echo_out(render(reports))
        if fail_under is not None:
            for report in reports:
                if report.reached_percent < fail_under:
                    click.echo(
                        f"escore: rule coverage of {report.ruleset}/{report.category}: {report.reached_percent:.1f}% of indicators reached, below --fail-under {fail_under:g}",
                        err=True,
                    )
                    code = 1
    ctx.exit(code)
