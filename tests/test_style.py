"""ruff and mypy are part of the test suite, so that the README's one test command checks style and types too."""

import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    """One layout everywhere: a diff shows what changed, not how an editor wrapped it."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", str(ROOT)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_type_hints_check():
    """mypy over the core, the command line and the shipped packs (``[tool.mypy]`` in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _internal_imports(package: Path) -> dict[str, dict[str, int]]:
    """Each module of ``package`` → the package's modules it imports, with the line: at the top
    or inside a function alike (a function's import still ties the two modules together), but
    not under ``if TYPE_CHECKING:``, which never runs."""
    import ast

    class Imports(ast.NodeVisitor):
        def __init__(self) -> None:
            self.found: dict[str, int] = {}

        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level == 1:
                names = [node.module] if node.module else [alias.name for alias in node.names]
                for name in names:
                    self.found.setdefault(f"{package.name}.{name}", node.lineno)

    graph = {}
    for path in sorted(package.glob("*.py")):
        visitor = Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        name = package.name if path.stem == "__init__" else f"{package.name}.{path.stem}"
        graph[name] = visitor.found
    return graph


def _circle_from(start: str, graph: dict[str, dict[str, int]]) -> list[str] | None:
    """A chain of imports from ``start`` back to itself, or ``None`` (depth first, targets sorted)."""
    path, seen = [start], {start}

    def walk(module: str) -> bool:
        for target in sorted(graph.get(module, {})):
            if target == start:
                path.append(start)
                return True
            if target in graph and target not in seen:
                seen.add(target)
                path.append(target)
                if walk(target):
                    return True
                path.pop()
        return False

    return path if walk(start) else None


def test_core_modules_import_each_other_without_a_circle():
    """Services are leaves: following every import between escore's own modules, none leads back
    to the module it started from (the evidence cache, the loaders and TOML reading were once
    one circle of nine modules through imports inside functions)."""
    graph = _internal_imports(ROOT / "core" / "escore")
    assert len(graph) > 40 and sum(map(len, graph.values())) > 150  # the walk sees the imports
    circles = [" -> ".join(circle) for start in sorted(graph) if (circle := _circle_from(start, graph))]
    assert not circles, "\n".join(circles)
