"""Packs are verified as users get them: built wheels, installed (not editable) in a scratch venv.

A golden case, sample file, roster or notice text missing from a wheel fails here. This
is the slowest test (about a minute: it creates a virtual environment and installs into it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)
    assert result.returncode in (0, 1), f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_wheels_install_and_verify(tmp_path):
    wheels = tmp_path / "wheels"
    projects = [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]
    assert len(projects) == 4
    for project in projects:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(project)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert built.returncode == 0, built.stderr
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", *sorted(map(str, wheels.glob("*.whl")))], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESCORE_", "PYTEST_", "COV_"))}
    work = tmp_path / "elsewhere"  # not the source tree, so nothing is imported from it
    work.mkdir()
    escore = venv / "bin" / "escore"

    imported = run(python, "-c", "import escore, escore_fj2017_website as w; print(escore.__file__, w.__file__)", cwd=work, env=env)
    assert str(ROOT) not in imported.stdout and "site-packages" in imported.stdout

    plugins = run(escore, "plugins", cwd=work, env=env).stdout
    for name in ("fj2017-provincial", "fj2017-city", "fj2017-website"):
        assert name in plugins

    ranking = run(escore, "run", "--category", "county", "--format", "csv", cwd=work, env=env)
    rows = ranking.stdout.splitlines()
    assert len(rows) == 1 + 83 and rows[1].endswith(",yes")
    # The compiled catalogues are package data: fj2017 speaks Chinese by default.
    table = run(escore, "run", "--category", "county", cwd=work, env=env).stdout
    assert table.splitlines()[5].split()[:3] == ["排名", "代码", "单位"]
    # So is the catalogue of the --help texts (escore_cli's).
    helped = run(escore, "run", "--help", "--lang", "zh", cwd=work, env=env).stdout
    assert "为某一类别的单位评分并排名。" in helped and "单位类别，如 provincial、city、county。" in helped

    verify = run(escore, "verify", "--coverage", "--fail-under", "100", cwd=work, env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert " passed" in verify.stdout and "failed" not in verify.stdout
    for category in ("provincial", "city", "county"):
        assert f"规则覆盖率 · fj2017/{category}" in verify.stdout  # Chinese by default, like the run above
