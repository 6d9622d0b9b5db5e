"""Finding ``escore`` entry points without importing ``importlib.metadata``.

``importlib.metadata`` costs about 20 ms to import (it pulls in ``email``,
``zipfile`` and more), a large share of a whole run. Entry points only need the
``entry_points.txt`` file of each installed distribution, which this module reads
directly from the ``*.dist-info`` directories on ``sys.path`` — the layout pip
and every installer write (PEP 376/427). The first distribution found for a name
wins, as with ``importlib.metadata``. Listing versions (``escore plugins``) reads
the ``METADATA`` headers of the same directories.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple


class EntryPoint(NamedTuple):
    name: str
    value: str  # "module" or "module:attribute"
    distribution: str  # the dist-info directory

    def load(self) -> Any:
        module_name, _, attribute = self.value.partition(":")
        obj = importlib.import_module(module_name.strip())
        for part in filter(None, attribute.strip().split(".")):
            obj = getattr(obj, part)
        return obj

    def metadata(self) -> tuple[str, str]:
        """(name, version) of the distribution, from its ``METADATA`` headers."""
        name = version = ""
        try:
            with open(os.path.join(self.distribution, "METADATA"), encoding="utf-8") as stream:
                for line in stream:
                    if not line.strip():
                        break
                    key, _, value = line.partition(":")
                    if key == "Name":
                        name = value.strip()
                    elif key == "Version":
                        version = value.strip()
        except OSError:
            pass
        return name, version


def _sections(text: str) -> Iterator[tuple[str, str, str]]:
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        name, sep, value = line.partition("=")
        if sep:
            yield section, name.strip(), value.strip()


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every distribution on ``sys.path``, first one per name."""
    found: dict[str, EntryPoint] = {}
    seen_dists: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in sorted(names):
            if not name.endswith(".dist-info"):
                continue
            project = name.partition("-")[0].lower().replace("_", "-")
            if project in seen_dists:
                continue
            seen_dists.add(project)
            path = os.path.join(entry or ".", name)
            try:
                with open(os.path.join(path, "entry_points.txt"), encoding="utf-8") as stream:
                    text = stream.read()
            except OSError:
                continue
            for section, ep_name, value in _sections(text):
                if section == group and ep_name not in found:
                    found[ep_name] = EntryPoint(ep_name, value, path)
    return [found[name] for name in sorted(found)]
