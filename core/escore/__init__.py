"""escore: scoring rules as code for government performance assessment.

The public API. Rule packs use the declarations (``indicator``, ``group``,
``field``, ``fixture``, ``mark``, ``cite``) and the scoring vocabulary
(``Ladder``, ``Deduction``, ``Award``, ...); tools use ``make_plugin_manager``,
``Catalog`` and ``run_category``.
"""

from __future__ import annotations

from ._citation import Citation, cite
from ._errors import EscoreError, InputError, PackError, UsageError
from ._evidence import Column, Field, Table, column, field, fixture, table
from ._indicators import METHODS, Alternative, Group, bonus, group, indicator, veto
from ._marks import Mark, mark, param
from ._model import Category, EvidenceLoader, OutputFormat, Roster, Ruleset, Section, Unit
from ._score import (
    Award,
    Binary,
    Deduction,
    Grade,
    Graded,
    Item,
    Ladder,
    MissingEvidence,
    NotApplicable,
    Proportional,
    Score,
    composite,
    forfeit,
    points,
)
from ._version import __version__
from .hookspecs import hookimpl

__all__ = [
    "METHODS",
    "Alternative",
    "Award",
    "Binary",
    "Catalog",
    "Category",
    "Citation",
    "Column",
    "Deduction",
    "EscoreError",
    "EvidenceLoader",
    "Field",
    "Grade",
    "Graded",
    "Group",
    "InputError",
    "Item",
    "Ladder",
    "Mark",
    "MissingEvidence",
    "NotApplicable",
    "OutputFormat",
    "PackError",
    "Proportional",
    "Roster",
    "Ruleset",
    "RunResult",
    "Score",
    "Section",
    "Table",
    "Unit",
    "UsageError",
    "__version__",
    "bonus",
    "cite",
    "column",
    "composite",
    "field",
    "fixture",
    "forfeit",
    "group",
    "hookimpl",
    "indicator",
    "make_plugin_manager",
    "mark",
    "param",
    "points",
    "run_category",
    "table",
    "veto",
]

_LAZY = {
    "Catalog": "._plugins",
    "make_plugin_manager": "._plugins",
    "run_category": "._session",
    "RunResult": "._run",
}


def __getattr__(name: str) -> object:
    # The engine-side names load on first use, so a rule pack importing the
    # declarations does not pay for the plugin manager and the loaders.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'escore' has no attribute {name!r}")
