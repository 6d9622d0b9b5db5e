"""The README's promises: its two commands, and its code examples are real, tested code."""

from __future__ import annotations

import re

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
