"""The files ``escore new-pack`` writes: a derived year of an installed ruleset, or a minimal pack."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
#: The longest ruleset name new-pack takes (rulesets are named like fj2018).
NAME_LENGTH = 64


def package_name(name: str) -> str:
    return "escore_" + name.replace("-", "_")


def _check_name(name: str) -> None:
    from escore._errors import UsageError
    from escore._i18n import gettext as _

    if not _NAME.match(name):
        raise UsageError(
            _("new-pack --name {0}: expected lower-case letters, digits, '-' or '_', starting with a letter (e.g. fj2018)").format(
                repr(name)
            )
        )
    if len(name) > NAME_LENGTH:  # it names a package directory and a distribution: file systems stop at 255 bytes
        raise UsageError(_("new-pack --name: at most {0} characters, got {1}").format(NAME_LENGTH, len(name)))


def write_tree(directory: Path, files: Mapping[str, str]) -> None:
    """Write ``files`` under ``directory``, all or nothing: into a temporary sibling, then renamed."""
    from escore._errors import InputError, UsageError
    from escore._i18n import gettext as _

    try:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise UsageError(_("new-pack: {0} exists and is not an empty directory").format(directory))
        parent = directory.parent if str(directory.parent) else Path(".")
        if not parent.is_dir():
            raise UsageError(_("new-pack: directory {0} does not exist").format(parent))
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=parent))
    except OSError as exc:  # no permission, a name too long, a full disk: nothing was written
        raise InputError(str(directory), "", _("cannot write the pack: {0}").format(exc.strerror or exc)) from None
    try:
        for relative, text in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.chmod(0o777 & ~_umask())
        if directory.exists():
            directory.rmdir()
        os.replace(staging, directory)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(str(directory), "", _("cannot write the pack: {0}").format(exc.strerror or exc)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _distributions(catalog: Any, ruleset: str) -> list[str]:
    """The distributions whose plugins register anything for ``ruleset`` (the new pack depends on them)."""
    plugins = {p for r, p in catalog.rulesets.values() if r.name == ruleset}
    plugins |= {p for (r, _), (_, p) in catalog.categories.items() if r == ruleset}
    plugins |= {p for (r, _, _), (_, p) in catalog.sections.items() if r == ruleset}
    entry_points = getattr(catalog.pm, "_escore_distributions", {})
    found = set()
    for plugin in plugins:
        if plugin in entry_points:
            found.add(entry_points[plugin].metadata()[0])
    return sorted(found)


def _title_in(language: str) -> str:
    """The title template of a derived ruleset (name, year, base) in ``language``, the base
    ruleset's, whatever language the command speaks: the title heads the new year's reports."""
    from escore._i18n import DOMAIN, LOCALE_DIR, N_, read_catalogue

    template = N_("{0} ({1}), extending {2}")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if language != "en" and path.is_file():
        return read_catalogue(path).get(template, template)
    return template


def _dated_overrides(catalog: Any, base: str, year: int) -> str:
    """The date and year parameters of ``base``'s own assessment (a deadline in its year, the
    year a report covers), as commented-out replacements with the new year's values: inherited
    unchanged, they would score the new year against the old dates (``escore verify`` warns of
    each one left)."""
    from escore._parameters import as_python, moved_on, of_its_year

    rules = catalog.rulesets[base][0]
    found: dict[str, Any] = {}
    for r, category in sorted(catalog.categories):
        if r != base or not any(s[0] == base and s[1] == category for s in catalog.sections):
            continue
        for fixture in catalog.plan(base, category).fixtures.values():
            if fixture.kind == "parameter" and of_its_year(fixture.name, fixture.parameter.value, rules.year):
                found[fixture.name] = fixture.parameter.value
    if not found:
        return ""
    lines = [
        "",
        f"# Dates and years of {base}'s assessment, inherited unchanged unless replaced (escore verify warns",
        f"# of each one left): uncomment each with {year}'s value (here moved on by {year - rules.year} year(s)).",
        "# import datetime as dt",
    ]
    for name, value in sorted(found.items()):
        moved = moved_on(value, year - rules.year)
        lines.append(f'# {name.upper()} = parameter("{name}", {as_python(moved)})  # {base}: {value}')
    return "\n".join(lines) + "\n"


def derived_pack(catalog: Any, name: str, base: str, year: int | None) -> dict[str, str]:
    """A pack whose ruleset extends ``base``: it declares nothing else, so it scores like ``base``."""
    from escore._errors import UsageError, did_you_mean_ruleset
    from escore._i18n import gettext as _
    from escore._rulesdiff import describe

    _check_name(name)
    if base not in catalog.rulesets:
        hint = did_you_mean_ruleset(base, {r: rules.year for r, (rules, _p) in catalog.rulesets.items()})
        raise UsageError(
            _("new-pack --extends: unknown ruleset '{0}'").format(base)
            + _("; ")
            + (hint or _("installed: {0}").format(", ".join(sorted(catalog.rulesets))))
        )
    if name in catalog.rulesets:
        raise UsageError(_("new-pack --name: a ruleset '{0}' is already installed").format(name))
    rules = catalog.rulesets[base][0]
    year = rules.year + 1 if year is None else year
    # The new year speaks as the base does (its commands, its golden cases' messages).
    language = f', language="{rules.language}"' if rules.language != "en" else ""
    title = _title_in(rules.language).format(name, year, base)  # it heads the reports, in their language
    package = package_name(name)
    targets = sorted((c, s) for (r, c, s) in catalog.sections if r == base)
    parameters: dict[str, str] = {}
    examples: dict[str, str] = {}
    for category, _section in targets:
        plan = catalog.plan(base, category)
        for fixture in plan.fixtures.values():
            if fixture.kind == "parameter":
                parameters[fixture.name] = describe(fixture.parameter.value)
        for ip in plan.indicators:
            examples.setdefault("indicator", ip.node.code)
        for node in plan.nodes.values():
            if node.kind == "group" and node.parent is not None:
                examples.setdefault("group", node.code)
    sections = ",\n".join(f'        ("{c}", "{s}")' for c, s in targets)
    dependencies = ", ".join(f'"{d}"' for d in ["escore", *_distributions(catalog, base)])
    listed = "\n".join(f"#   {p} = {v}" for p, v in sorted(parameters.items())) or f"#   ({base} declares no parameters)"
    dated = _dated_overrides(catalog, base, year)
    indicator = examples.get("indicator", "X-1-1")
    group = examples.get("group", "X-1")
    files = {
        "pyproject.toml": f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "escore-{name}"
version = "0.1.0"
description = "escore rule pack: {name} ({year}), extending {base}."
requires-python = ">=3.11"
dependencies = [{dependencies}]

[project.entry-points.escore]
{name} = "{package}.plugin"

[tool.setuptools]
packages = ["{package}"]

[tool.setuptools.package-data]
{package} = ["golden/*.toml", "golden/*.md", "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]
{_pytest_section(package)}""",
        f"{package}/__init__.py": f'"""escore rule pack {name} ({year}): what changed since {base}."""\n',
        f"{package}/plugin.py": f'''"""Registers ruleset {name} ({year}), which extends {base}: everything not declared here is inherited."""

from pathlib import Path

from escore import Ruleset, hookimpl

HERE = Path(__file__).parent
RULESET = "{name}"


@hookimpl
def escore_register_rulesets(register):
    # Name the new notice here: citations of changed rules quote it.
    register(Ruleset(RULESET, {year}, "{title}", document="", extends="{base}"{language}))


# A changed section weight or title: register the section again (sample evidence is inherited).
# from escore import Section, cite
# @hookimpl
# def escore_register_sections(register):
#     register(Section(RULESET, "city", "website", "New title", weight=35, raw_max=100, source=cite("…", document="…")))

# A new roster replaces the inherited one for its category.
# from escore import Roster
# @hookimpl
# def escore_register_rosters(register):
#     register(Roster.from_toml(HERE / "roster_county.toml"))

# Words of this pack's own (N_("…"), gettext, with_reason templates) in a catalogue of its own:
# locale/<lang>/LC_MESSAGES/{package}.po and .mo (docs/translations.md). {base}'s catalogue stays in use.
# @hookimpl
# def escore_register_translations(register):
#     register(HERE / "locale", domain="{package}")


@hookimpl
def escore_register_indicators(register):
    from . import overrides

    register(
        overrides,
        ruleset=RULESET,
        sections=[
{sections},
        ],
    )


@hookimpl
def escore_register_fixtures(register):
    from . import overrides

    register(overrides, ruleset=RULESET)


@hookimpl
def escore_register_golden_cases(register):
    # {base}'s cases run under {name} too; drop=["case-id", "prefix-*"] leaves some out.
    register(HERE / "golden", ruleset=RULESET, drop=[])
''',
        f"{package}/overrides.py": f'''"""What {name} ({year}) changes in {base}. Empty: {name} scores exactly like {base}.

Declare only what differs; `escore rules-diff {base} {name}` lists it, and
`escore verify --ruleset {name}` runs {base}'s golden cases against it.
"""

# from escore import amend, cite, group, indicator, parameter, remove, Ladder

# A changed constant: replace a parameter by name (the indicators that use it are inherited).
# NEW_TIERS = parameter("some_parameter", Ladder.at_least("…", [(95, 4), (80, 2)], otherwise=0))
#
# The parameters of {base}, with their current values:
{listed}
{dated}
# A changed maximum, title or citation of a node:
# CHANGED = amend("{group}", max=12, source=cite("…", document="…"))
# (a node scored in several categories may cite a clause for each, as max= may give each its
# own: source={{"city": cite("…"), "county": cite("…")}}, every category it is scored in)

# A removed node (with everything under it):
# GONE = remove("{indicator}")

# A replaced indicator: the same code, a new function.
# @indicator("{indicator}", "…", max=2, parent="{group}", source=cite("…", document="…"))
# def new_rule(some_evidence):
#     ...

# An added node: a new code under an inherited group (amend that group's max too).
# @indicator("{group}-9", "…", max=1, parent="{group}")
# def added_rule(some_evidence):
#     ...
''',
        f"{package}/golden/README.md": f"""Golden cases of {name}. {base}'s cases run under {name} as well, unless a case
here has the same id (it overrides the inherited one) or plugin.py drops it
(`register(..., drop=["id"])`). Add `*.toml` case files here (format: escore's
docs/golden-cases.md), with `ruleset = "{name}"`.
""",
        "README.md": f"""# escore-{name}

Rule pack for ruleset `{name}` ({year}), extending `{base}`: it inherits every
indicator, parameter, evidence field, roster, sample evidence and golden case of
`{base}` and declares only what changed, in `{package}/overrides.py` (and, for
sections and rosters, `{package}/plugin.py`).

```
pip install -e .
escore rules-diff {base} {name}       # what {name} changes
escore verify --ruleset {name}        # {base}'s golden cases and {name}'s own
escore run -c CATEGORY --ruleset {name}
```
""",
        "conftest.py": _conftest(package),
        "tests/test_pack.py": f'''"""{name}: the tree is valid in every category, the sample scores without errors, the golden cases pass."""

from click.testing import CliRunner

from escore import Catalog, make_plugin_manager, run_category
from escore_cli import cli

PLUGIN = "{package}.plugin"  # loaded by name: the tests run before `pip install -e .` too


def test_every_category_scores_its_sample():
    catalog = Catalog(make_plugin_manager(names=[PLUGIN]))
    categories = sorted({{k for r, k, _section in catalog.sections if r == "{name}"}})  # those with a tree to score
    assert categories
    for category in categories:
        result = run_category(catalog, category, ruleset="{name}")
        assert result.units and result.status_counts().get("error", 0) == 0


def test_golden_cases_pass():
    result = CliRunner().invoke(cli, ["-p", PLUGIN, "verify", "--ruleset", "{name}"])
    assert result.exit_code == 0, result.output
''',
    }
    return files


def _conftest(package: str) -> str:
    """The pack's top conftest.py: its directory on sys.path, so that its tests run before it is installed."""
    return f'''"""pytest puts this file's directory on sys.path: `{package}` imports from the checkout, and
the tests load its plugin by name (tests/test_pack.py, and pyproject.toml's `escore_plugins` for the
golden cases), before `pip install -e .` as after it (installed, the same module is registered once)."""
'''


def _pytest_section(package: str) -> str:
    """The pack's pytest configuration: escore's pytest plugin collects the cases under
    ``golden/`` as test items of their own, and loads the pack by name to run them, so that they
    pass before it is installed as after."""
    return f"""
[tool.pytest.ini_options]
# The golden cases in {package}/golden are test items too: escore's pytest plugin loads this
# pack by name for them, before `pip install -e .` as after it.
escore_plugins = ["{package}.plugin"]
"""


def minimal_pack(name: str, year: int) -> dict[str, str]:
    """A pack of its own: one category, one section, one indicator with a parameter, and what it needs."""
    _check_name(name)
    package = package_name(name)
    return {
        "pyproject.toml": f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "escore-{name}"
version = "0.1.0"
description = "escore rule pack: {name} ({year})."
requires-python = ">=3.11"
dependencies = ["escore"]

[project.entry-points.escore]
{name} = "{package}.plugin"

[tool.setuptools]
packages = ["{package}"]

[tool.setuptools.package-data]
{package} = ["*.toml", "golden/*.toml", "sample/*.toml", "sample/units/*.toml"]
{_pytest_section(package)}""",
        f"{package}/__init__.py": f'"""escore rule pack {name} ({year})."""\n',
        f"{package}/plugin.py": f'''"""Registers ruleset {name} ({year}) with escore."""

from pathlib import Path

from escore import Category, Roster, Ruleset, Section, hookimpl

HERE = Path(__file__).parent
RULESET = "{name}"


@hookimpl
def escore_register_rulesets(register):
    register(Ruleset(RULESET, {year}, "{name} assessment", document="{name} notice"))


@hookimpl
def escore_register_categories(register):
    register(Category(RULESET, "unit", "Assessed units"))


@hookimpl
def escore_register_sections(register):
    register(Section(RULESET, "unit", "main", "Main", weight=100, raw_max=10, sample_evidence=(HERE / "sample",)))


@hookimpl
def escore_register_indicators(register):
    from . import rules

    register(rules, ruleset=RULESET, sections=[("unit", "main")])


@hookimpl
def escore_register_fixtures(register):
    from . import evidence

    register(evidence, ruleset=RULESET)


@hookimpl
def escore_register_rosters(register):
    register(Roster.from_toml(HERE / "roster.toml"))


@hookimpl
def escore_register_golden_cases(register):
    register(HERE / "golden", ruleset=RULESET)
''',
        f"{package}/evidence.py": '''"""The evidence the rules read: one field per unit file."""

from escore import field

reply_rate = field("service.reply_rate", "decimal", unit="%", min=0, max=100, description="share of requests answered on time")
''',
        f"{package}/rules.py": f'''"""The indicators of {name}: each is a function of the evidence it names."""

from escore import Ladder, Score, cite, group, indicator, parameter

DOC = "{name} notice"

S = group("S-1", "Services", max=10, source=cite("Services (10)", document=DOC))
#: A parameter: a later year's pack replaces it by name without copying the indicator.
REPLY_RATE = parameter("reply_rate_tiers", Ladder.at_least("reply rate", [(100, 10), (80, 6)], otherwise=0, what="reply rate", unit="%"))


@indicator("S-1-1", "Reply rate", max=10, parent="S-1", methods=["monitoring"], source=cite("rate ≥100% → 10, ≥80% → 6", document=DOC))
def reply_rate(service_reply_rate, reply_rate_tiers) -> Score:
    return reply_rate_tiers.score(service_reply_rate)
''',
        f"{package}/roster.toml": f"""# SYNTHETIC: an example unit; replace with the units the notice names.
[roster]
ruleset = "{name}"
category = "unit"

[[unit]]
code = "example"
name = "Example Unit"
""",
        f"{package}/sample/escore-evidence.toml": """[evidence]
synthetic = true
note = "Example evidence, made up."
""",
        f"{package}/sample/units/example.toml": """[service]
reply_rate = 85
""",
        f"{package}/golden/cases.toml": f"""[[case]]
id = "example-sample"
title = "85% is in the ≥80% row"
ruleset = "{name}"
category = "unit"
unit = "example"
evidence = ["../sample"]

[case.expect]
total = "60"
indicators = {{ "S-1-1" = "6" }}
""",
        "README.md": f"""# escore-{name}

Rule pack for ruleset `{name}` ({year}). Install with `pip install -e .`, then
`escore run -c unit --ruleset {name}` and `escore verify --ruleset {name}`.
The roster and sample evidence are synthetic examples.
""",
        "conftest.py": _conftest(package),
        "tests/test_pack.py": f'''"""{name}: the golden cases pass."""

from click.testing import CliRunner

from escore_cli import cli

PLUGIN = "{package}.plugin"  # loaded by name: the tests run before `pip install -e .` too


def test_golden_cases_pass():
    result = CliRunner().invoke(cli, ["-p", PLUGIN, "verify", "--ruleset", "{name}"])
    assert result.exit_code == 0, result.output
''',
    }
