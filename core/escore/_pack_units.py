"""A units table's rows of the pack's own units, held to what the pack's roster fixes.

A units table (``--roster FILE``) replaces the pack's roster of a category, and may list the
pack's own units beside units of its own. The attributes that pick a unit's variant
(``dc_variant``) are fixed for the pack's units by its roster (the 2017 notice names the five
departments of 数据中心整合 variant A, READING 4): a row of one of them with another value had
been scored as given, on another variant's rules, without a word. Units the pack's roster does
not hold (a benchmark's ``u000001`` …) may take any declared variant.

Only the pack's few codes are looked up in the table (a binary search of its units, sorted by
code), so a table of 100,000 units of its own costs nothing here. The check runs on the units
as read, whether the read came from the file or from the cache of units tables.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._collect import natural_key
from ._errors import InputError
from ._i18n import gettext as _
from ._model import Unit
from ._text import show


def check_pack_units(catalog: Any, ruleset: str, category: str, roster: Path, units: Sequence[Unit], attributes: Sequence[str]) -> None:
    """Refuse a row of ``units`` (the table ``roster``, sorted by :func:`natural_key` of the codes)
    that gives one of the pack's own units of ``category`` another value of a variant-picking
    attribute (``attributes``) than the pack's roster gives it. An empty cell is left to the check
    of the declared variants, which names it."""
    if not attributes or not units:
        return
    own = [u for (r, key), (pack, _plugin) in catalog.rosters.items() if r == ruleset and key == category for u in pack.units]
    if not own:
        return
    for fixed in own:
        at = bisect.bisect_left(units, natural_key(fixed.code), key=_code_key)
        if at == len(units) or units[at].code != fixed.code:
            continue  # the table leaves it out (refused elsewhere if its evidence is given)
        given = units[at]
        for attribute in attributes:
            expected = fixed.attributes.get(attribute)
            value = given.attributes.get(attribute)
            if expected is None or value in (None, "") or value == expected:
                continue
            from ._columnar import roster_row

            found = roster_row(roster, catalog.loaders, fixed.code)
            where = f"{roster}:{found[0]}" if found is not None else str(roster)
            raise InputError(
                where,
                attribute,
                _(
                    "{0} given for {1} ({2}), a unit of {3}'s own roster, which fixes {4}: write {4} (a unit of the "
                    "table's own takes a code the pack's roster does not hold)"
                ).format(show(value), fixed.code, fixed.name, ruleset, show(expected)),
            )


def _code_key(unit: Unit) -> tuple[Any, ...]:
    return natural_key(unit.code)
