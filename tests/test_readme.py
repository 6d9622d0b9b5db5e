"""The README's promises: its two commands, and its code examples are real, tested code."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str = "") -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


def test_first_block_holds_exactly_two_commands_and_ci_runs_the_second():
    first = re.search(r"^```[a-z]*\n(.*?)^```", README, flags=re.S | re.M).group(1)
    commands = [line for line in first.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands) == 2
    assert commands[0].endswith("escore run --category county")
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_python_examples_are_verbatim_excerpts_of_tested_files():
    blocks = code_blocks("python")
    assert len(blocks) >= 4
    for block in blocks:
        header, _, body = block.partition("\n")
        assert header.startswith("# file: "), header
        source = (ROOT / header.removeprefix("# file: ")).read_text(encoding="utf-8")
        assert body.strip() in source, f"README excerpt differs from {header}"


def test_golden_case_example_is_a_case_of_the_demo_pack():
    example = code_blocks("toml")[0]
    cases = (ROOT / "examples/demo-pack/escore_demo/golden/towns.toml").read_text(encoding="utf-8")
    assert example.strip() in cases


def test_the_commands_it_shows_run_as_shown(tmp_path, monkeypatch):
    """Every ``escore …`` line of the README's code blocks, in order, as a reader would type it
    (options in brackets left out): none is refused as bad input or ends in a traceback. Lines
    that need what a reader brings (their own evidence directories, a ruleset fj2018 installed,
    two saved runs to compare, a large units table) get a copy of the sample or are skipped."""
    from click.testing import CliRunner

    from escore_cli import cli

    website = pytest.importorskip("escore_fj2017_website")
    sample = Path(website.__file__).parent / "sample" / "county"
    for name in ("my-evidence", "ev-nov", "ev-dec"):
        shutil.copytree(sample, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESCORE_DB", str(tmp_path / "store.db"))
    monkeypatch.setenv("ESCORE_CACHE_DIR", str(tmp_path / "cache"))
    needs_more = ("fj2018", "big-evidence", "diff 1 2")  # another ruleset, a large table, two saved runs
    runner = CliRunner()
    ran = 0
    fenced = False
    for line in README.splitlines():
        if line.startswith("```"):  # every fence, whatever its language
            fenced = not fenced
            continue
        if fenced:
            command = line.split("  #")[0].strip()
            if not command.startswith("escore ") or any(part in command for part in needs_more):
                continue
            args = shlex.split(re.sub(r" \[[^]]*\]", "", command))[1:]
            result = runner.invoke(cli, args)
            assert result.exit_code in (0, 1), (command, result.output[-500:])  # 1: --strict with missing evidence
            assert "Traceback" not in result.output, command
            ran += 1
    assert ran >= 25


def test_the_library_example_is_shown_whole_and_runs_as_shown():
    """ "Using escore from Python": its blocks are examples/library.py, every line of it in order
    (the docstring aside), and running the file prints what the section says it prints."""
    import ast
    import os
    import subprocess
    import sys

    pytest.importorskip("escore_fj2017_website")
    pytest.importorskip("escore_fj2017_city")
    path = ROOT / "examples" / "library.py"
    source = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    code = source.split('"""', 2)[2] if docstring else source
    header = "# file: examples/library.py\n"
    shown = [block.removeprefix(header) for block in code_blocks("python") if block.startswith(header)]
    assert [line for line in code.splitlines() if line.strip()] == [line for block in shown for line in block.splitlines() if line.strip()]
    (printed,) = code_blocks("text")
    env = {key: value for key, value in os.environ.items() if key != "ESCORE_LANG"}  # a program's own environment
    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == printed
