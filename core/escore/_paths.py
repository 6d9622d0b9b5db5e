"""Paths as escore shows them: never an absolute path of the machine.

Output must be byte-identical on any machine, so a file inside an installed
package (a pack's rule module, its sample evidence) is shown relative to the
directory holding its top-level package (``escore_fj2017_city/c2.py``), whether
the pack is a wheel in site-packages or an editable checkout, and a user's
evidence file relative to its evidence root.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path, PurePosixPath


@functools.lru_cache(maxsize=256)
def _package_top(directory: str) -> str | None:
    """The directory holding the top-level package that contains ``directory``, if any."""
    path = Path(directory)
    top = None
    for candidate in (path, *path.parents):
        if (candidate / "__init__.py").is_file():
            top = candidate
        elif top is not None:
            break  # above the outermost package of the innermost package chain
    return str(top.parent) if top is not None else None


def package_relative(filename: str) -> str | None:
    """``filename`` relative to the parent of its top-level package (posix), or ``None``."""
    path = Path(filename)
    if not path.is_absolute():
        return None
    base = _package_top(str(path if path.is_dir() else path.parent))
    if base is None:
        return None
    return PurePosixPath(*Path(os.path.relpath(path, base)).parts).as_posix()


@functools.lru_cache(maxsize=256)
def source_location(filename: str) -> str:
    """A source file for ``file:line`` messages: package-relative, else its name alone.

    Cached: every indicator and fixture of a pack names one of a few files, and collecting
    the packs asks for about eighty locations.
    """
    return package_relative(filename) or Path(filename).name


def root_label(root: Path) -> str:
    """How an evidence root (or a case file) is named in output.

    Inside a package (a pack's sample): package-relative. A relative path: as given.
    An absolute path under the working directory (not ``/``): relative to it. Otherwise its
    last component, which is all of the machine's layout that output may carry.
    """
    inside = package_relative(str(root.absolute()))
    if inside is not None:
        return inside
    if not root.is_absolute():
        return PurePosixPath(*root.parts).as_posix() if root.parts else "."
    cwd = Path.cwd()
    if cwd == Path(cwd.anchor):  # run from / (cron, a container): every path is under it, and whole
        return root.name
    try:
        relative = root.relative_to(cwd)
    except ValueError:
        return root.name
    return PurePosixPath(*relative.parts).as_posix() if relative.parts else "."
