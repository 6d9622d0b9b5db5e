"""escore: scoring rules as code for government performance assessment.

The public API. Rule packs use the declarations (``indicator``, ``group``,
``field``, ``fixture``, ``mark``, ``cite``) and the scoring vocabulary
(``Ladder``, ``Deduction``, ``Award``, ...); tools use ``make_plugin_manager``,
``Catalog``, ``run_category`` and ``use_language``.

Every name is imported on first use (PEP 562), so that ``import escore`` (and
``escore --version``) costs nothing and a pack pays only for what it uses.
"""

from __future__ import annotations

from ._version import __version__

# Not ``from typing import TYPE_CHECKING``: importing typing (15 ms) before the ``escore`` script's
# guard against Ctrl-C is in place (escore._console) would leave a traceback for an early interrupt.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from ._citation import Citation, cite
    from ._colform import TableColumns, column_form
    from ._errors import EscoreError, InputError, PackError, UsageError
    from ._evidence import Column, Field, Table, column, field, fixture, table
    from ._i18n import N_, gettext
    from ._indicators import METHODS, Alternative, Group, bonus, group, indicator, veto
    from ._language import use_language
    from ._marks import Mark, mark, param
    from ._model import Category, EvidenceLoader, OutputFormat, Roster, Ruleset, Section, Unit
    from ._parameters import Parameter, amend, parameter, remove
    from ._plugins import Catalog, make_plugin_manager
    from ._results import RunResult
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
    from ._session import run_category
    from .hookspecs import hookimpl

__all__ = [
    "METHODS",
    "N_",
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
    "Parameter",
    "Proportional",
    "Roster",
    "Ruleset",
    "RunResult",
    "Score",
    "Section",
    "Table",
    "TableColumns",
    "Unit",
    "UsageError",
    "__version__",
    "amend",
    "bonus",
    "cite",
    "column",
    "column_form",
    "composite",
    "field",
    "fixture",
    "forfeit",
    "gettext",
    "group",
    "hookimpl",
    "indicator",
    "make_plugin_manager",
    "mark",
    "param",
    "parameter",
    "points",
    "remove",
    "run_category",
    "table",
    "use_language",
    "veto",
]

_LAZY = {
    "Alternative": "._indicators",
    "Award": "._score",
    "Binary": "._score",
    "Catalog": "._plugins",
    "Category": "._model",
    "Citation": "._citation",
    "Column": "._evidence",
    "Deduction": "._score",
    "EscoreError": "._errors",
    "EvidenceLoader": "._model",
    "Field": "._evidence",
    "Grade": "._score",
    "Graded": "._score",
    "Group": "._indicators",
    "InputError": "._errors",
    "Item": "._score",
    "Ladder": "._score",
    "METHODS": "._indicators",
    "N_": "._i18n",
    "Mark": "._marks",
    "MissingEvidence": "._score",
    "NotApplicable": "._score",
    "OutputFormat": "._model",
    "PackError": "._errors",
    "Parameter": "._parameters",
    "Proportional": "._score",
    "Roster": "._model",
    "Ruleset": "._model",
    "RunResult": "._results",
    "Score": "._score",
    "Section": "._model",
    "Table": "._evidence",
    "TableColumns": "._colform",
    "Unit": "._model",
    "UsageError": "._errors",
    "amend": "._parameters",
    "bonus": "._indicators",
    "cite": "._citation",
    "column": "._evidence",
    "column_form": "._colform",
    "composite": "._score",
    "field": "._evidence",
    "fixture": "._evidence",
    "forfeit": "._score",
    "gettext": "._i18n",
    "group": "._indicators",
    "hookimpl": ".hookspecs",
    "indicator": "._indicators",
    "make_plugin_manager": "._plugins",
    "mark": "._marks",
    "param": "._marks",
    "parameter": "._parameters",
    "points": "._score",
    "remove": "._parameters",
    "run_category": "._session",
    "table": "._evidence",
    "use_language": "._language",
    "veto": "._indicators",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'escore' has no attribute {name!r}")
    import importlib

    # Not cached in globals(): the private module in sys.modules stays the one source
    # (pytester and reloads replace modules; a cached class would then be a stale copy).
    return getattr(importlib.import_module(module, __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
