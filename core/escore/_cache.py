"""escore's on-disk caches: where they live, and what makes one safe to use.

Two caches keep work between runs, keyed by content: parsed TOML files
(:mod:`escore._toml_cache`) and whole checked evidence sets (:mod:`escore._evidence_cache`).
This module holds what they share.

Location: ``$ESCORE_CACHE_DIR`` (``~`` expanded), else ``$XDG_CACHE_HOME/escore``,
else ``~/.cache/escore``; ``ESCORE_CACHE_DIR=off`` disables both. Checked evidence sets
are kept within 64 files and ``ESCORE_CACHE_MAX_SIZE`` bytes (default 1 GiB), the most
recently used first; ``escore cache`` shows and clears what is kept.

A cache may make escore faster, never different, so on any doubt it is not used:

* both caches are keyed on the code that produced them as well: the Python version
  and the size and modification time of every source file of the core (and, for
  checked evidence sets, of the packs whose fields were checked), so an edit or a
  ``git pull`` of an editable install invalidates them at the same version number;
* every cache file carries a digest of its contents, checked before use: an edited
  or truncated entry is ignored and the evidence parsed again;
* the directory must belong to the user and be writable by no one else (it is
  created ``0700``); otherwise escore warns once and works without a cache, since
  another account that can write entries could change scores;
* any error while reading or decoding an entry means parsing the files instead.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

try:  # hashlib would load OpenSSL first, a few milliseconds of every run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Pythons without the built-in module
    from hashlib import blake2b


def cache_dir() -> Path | None:
    """The cache directory, or ``None`` when the cache is off."""
    configured = os.environ.get("ESCORE_CACHE_DIR")
    if configured is not None:
        if configured.strip().lower() in ("", "off", "0", "no"):
            return None
        expanded = os.path.expanduser(configured)
        if expanded.startswith("~"):  # no home directory to expand into: no cache, not a "~" folder
            return None
        return Path(expanded)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # no home directory: no cache rather than a "~" folder here
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "escore"


def _source_stats(directories: Any) -> list[tuple[str, int, int]]:
    out = []
    for directory in sorted(set(directories)):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(directory, name))
                except OSError:
                    continue
                out.append((os.path.join(directory, name), info.st_mtime_ns, info.st_size))
    return out


@functools.cache
def core_digest() -> bytes:
    """A digest of the Python version and of every source file of the core (names, sizes, mtimes)."""
    import sys

    from ._version import __version__

    data = repr((sys.version, __version__, _source_stats([os.path.dirname(os.path.abspath(__file__))]))).encode()
    return blake2b(data, digest_size=16).digest()


def pack_digest(plan: Any) -> bytes:
    """A digest of the source files of the packs whose rules and fixtures make up ``plan``."""
    import sys

    directories = set()
    functions = [ip.func for ip in plan.indicators] + [d.func for d in plan.fixtures.values() if d.func is not None]
    for func in functions:
        module = sys.modules.get(getattr(func, "__module__", "") or "")
        path = getattr(module, "__file__", None)
        if path:
            directories.add(os.path.dirname(os.path.abspath(path)))
    return blake2b(repr(_source_stats(directories)).encode(), digest_size=16).digest()


_refused: set[str] = set()


def usable_directory(directory: Path, *, create: bool, report: bool = True) -> bool:
    """Whether ``directory`` may hold a cache: owned by the user, writable by no one else.

    It is created ``0700`` when missing and ``create`` is true. A refused directory is
    reported once per process, with the reason.
    """
    try:
        if create and not directory.exists():
            directory.mkdir(parents=True, mode=0o700, exist_ok=True)
        info = directory.stat()
    except OSError as exc:
        # A cache not made yet is no news; one that cannot be made (a name too long, no
        # permission) is said once: the runs are slower without it, never different.
        if report and (create or not isinstance(exc, FileNotFoundError)) and str(directory) not in _refused:
            _refused.add(str(directory))
            from ._errors import warn
            from ._i18n import gettext

            warn(gettext("not using the evidence cache {0}: {1}").format(directory, exc.strerror or exc))
        return False
    import stat

    from ._i18n import N_

    problem = ""
    if not stat.S_ISDIR(info.st_mode):
        problem = N_("it is not a directory")
    elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        problem = N_("it belongs to another user")
    elif info.st_mode & 0o022:
        problem = N_("other users can write to it")
    if problem:
        if report and str(directory) not in _refused:
            _refused.add(str(directory))
            from ._errors import warn
            from ._i18n import gettext

            warn(
                gettext("not using the evidence cache {0}: {1} (make it yours with mode 0700, or set ESCORE_CACHE_DIR)").format(
                    directory, gettext(problem)
                )
            )
        return False
    return True


#: A sealed file starts with its seal, a 32-byte keyed digest of the rest.
SEAL_SIZE = 32


def open_private(path: Path) -> Any:
    """``path`` opened for reading at its start, if it is a private regular file of the user's;
    else ``None``. A concurrent writer replaces the file by renaming a new one into place, so
    what is read from this stream is one file, whole."""
    import stat

    try:
        # O_NONBLOCK: a FIFO put in place of a cache file must not hold the run waiting for a
        # writer (it is refused below); a regular file reads as without it.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        stream = os.fdopen(descriptor, "rb")
    except OSError:
        os.close(descriptor)
        return None
    try:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022:
            raise OSError("not a private regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise OSError("not the user's")
        return stream
    except OSError:
        stream.close()
        return None


def open_sealed(path: Path) -> Any:
    """``path`` opened for reading just after its seal, if it is a private regular file of the
    user's whose seal matches (checked a megabyte at a time); else ``None``. The caller reads the
    payload from the same open file (:func:`open_private`): what is read is what was checked."""
    stream = open_private(path)
    if stream is None:
        return None
    try:
        seal = stream.read(SEAL_SIZE)
        digest = blake2b(digest_size=32, key=core_digest())
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        if len(seal) != SEAL_SIZE or digest.digest() != seal:
            raise OSError("altered, or written by other code")
        stream.seek(SEAL_SIZE)
        return stream
    except OSError:
        stream.close()
        return None


def write_sealed(directory: Path, name: str, parts: Iterable[bytes], prefix: str) -> None:
    """A private cache file (:func:`write_private`): a seal (a digest of the payload keyed by the
    core's code, see :func:`core_digest`), then the payload. The seal is written last, in front,
    before the rename."""
    digest = blake2b(digest_size=32, key=core_digest())

    def sealed() -> Iterator[bytes]:
        yield bytes(SEAL_SIZE)
        for part in parts:
            digest.update(part)
            yield part

    write_private(directory, name, sealed(), prefix, head=digest.digest)


def write_private(directory: Path, name: str, parts: Iterable[bytes], prefix: str, *, head: Callable[[], bytes] | None = None) -> None:
    """A private cache file (mode 0600, renamed into place whole), written part by part as the
    parts come; ``head()``, when given, is written over the file's first bytes at the end."""
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=directory)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            for part in parts:
                stream.write(part)
            if head is not None:
                stream.seek(0)
                stream.write(head())
        os.replace(temporary, directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_marshal(path: Path) -> Any:
    """The value of a sealed ``marshal`` file of the cache (:func:`write_marshal`), marked as used
    now (pruning keeps the most recently used); ``None`` when there is none, or any doubt."""
    import marshal

    # Not reported here: the parsed-TOML cache is read while the packs load, before the command
    # knows its language; the evidence cache, used later by every run, says why in that language.
    if not usable_directory(path.parent, create=False, report=False):
        return None
    stream = open_sealed(path)
    if stream is None:
        return None
    try:
        with stream:
            value = marshal.loads(stream.read())
    except Exception:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: pruned after the files used less recently
    return value


def write_marshal(path: Path, value: Any, prefix: str, pattern: str, keep: int, *, report: bool = True) -> None:
    """``value`` as a sealed ``marshal`` file at ``path``, keeping the ``keep`` most recently used
    files of ``pattern`` beside it; a cache that cannot be written costs speed, never correctness
    (``report``: say once why the directory is refused)."""
    import marshal

    try:
        if usable_directory(path.parent, create=True, report=report):
            write_sealed(path.parent, path.name, [marshal.dumps(value)], prefix)
            keep_newest(path.parent, pattern, keep)
    except (OSError, ValueError):
        pass


MAX_EVIDENCE_FILES = 64
#: The bytes of checked evidence sets kept when ``ESCORE_CACHE_MAX_SIZE`` is not set: a set of
#: 100,000 units is 40-80 MB, so a dozen such sets or thousands of a few hundred units each.
DEFAULT_EVIDENCE_BYTES, _DEFAULT_EVIDENCE_SIZE = 1 << 30, "1G"
SIZE_ENV = "ESCORE_CACHE_MAX_SIZE"
_BINARY_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_size_reported: set[str] = set()


def parse_size(text: str) -> int | None:
    """Bytes from ``2G``, ``500M``, ``1.5GiB``, ``64k`` or ``1000000`` (binary units, case and a
    trailing ``B``/``iB`` ignored), or ``None`` when ``text`` is not a size."""
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", text.strip().lower())
    if match is None:
        return None
    return int(Decimal(match[1]) * _BINARY_UNITS[match[2]])


def evidence_bytes_limit() -> int:
    """The most bytes of checked evidence sets the cache keeps: ``ESCORE_CACHE_MAX_SIZE``, else 1 GiB.

    A value that is not a size is reported once per process and the default used: the cache
    only ever changes how fast a run is, so a typo in its setting must not stop an assessment.
    """
    configured = os.environ.get(SIZE_ENV, "").strip()
    if not configured:
        return DEFAULT_EVIDENCE_BYTES
    size = parse_size(configured)
    if size is not None:
        return size
    if configured not in _size_reported:
        _size_reported.add(configured)
        from ._errors import warn
        from ._i18n import gettext

        warn(
            gettext(
                "{0}='{1}' is not a size (expected e.g. 500M, 2G or a number of bytes); keeping at most {2} of checked evidence"
            ).format(SIZE_ENV, configured, _DEFAULT_EVIDENCE_SIZE)
        )
    return DEFAULT_EVIDENCE_BYTES


#: The temporary files of cache writes (:func:`write_sealed`'s prefixes), and how old one must be to
#: be a write that a killed process left behind: a write in progress (100,000 units: seconds)
#: touches its file all along.
_WRITES = (".toml-cache.*", ".units-cache.*", ".evidence.*")
STALE_WRITE_SECONDS = 3600


def keep_newest(directory: Path, pattern: str, count: int, limit: int | None = None) -> None:
    """Remove the files of ``directory`` matching ``pattern`` beyond the ``count`` most recently
    used (modification time) or, with ``limit``, beyond ``limit`` bytes in all: the newest that fit;
    and the temporary files of writes a killed process left (they had stayed, counted by nothing,
    until ``escore cache --clear``)."""
    import time

    stale = time.time() - STALE_WRITE_SECONDS
    for left in (path for prefix in _WRITES for path in directory.glob(prefix)):
        with contextlib.suppress(OSError):
            if left.lstat().st_mtime < stale:
                left.unlink()
    found = []
    for path in directory.glob(pattern):
        try:
            info = path.stat()
        except OSError:
            continue
        found.append((info.st_mtime_ns, path.name, info.st_size, path))
    kept = total = 0
    for _, _, size, path in sorted(found, reverse=True):  # the most recently used first
        if kept < count and (limit is None or total + size <= limit):
            kept, total = kept + 1, total + size
        else:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- looking after the cache

#: escore's files in the cache directory: the parsed TOML files (this version's and earlier
#: ones'), units tables read, checked evidence sets, and what an interrupted write left behind.
_OWN_FILES = ("toml-v*.marshal", "units-v*.marshal", "evidence-*.marshal", ".toml-cache.*", ".units-cache.*", ".evidence.*")


class CacheUsage(NamedTuple):
    """What the cache holds (``escore cache``)."""

    directory: Path | None  #: ``None`` when the cache is off
    parsed_bytes: int  #: the parsed TOML files and units tables
    evidence_sets: int  #: checked evidence sets kept
    evidence_bytes: int
    limit: int  #: the most bytes of checked evidence sets kept (:func:`evidence_bytes_limit`)


def _own_files(directory: Path) -> list[Path]:
    found = {path for pattern in _OWN_FILES for path in directory.glob(pattern)}
    return sorted(path for path in found if path.is_file() and not path.is_symlink())


def cache_usage() -> CacheUsage:
    """The cache's directory and what escore keeps in it."""
    directory = cache_dir()
    limit = evidence_bytes_limit()
    if directory is None:
        return CacheUsage(None, 0, 0, 0, limit)
    parsed = sets = evidence = 0
    for path in _own_files(directory) if directory.is_dir() else []:
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if path.name.startswith("evidence-"):
            sets, evidence = sets + 1, evidence + size
        elif path.name.startswith(("toml-", "units-")):
            parsed += size
    return CacheUsage(directory, parsed, sets, evidence, limit)


def clear_cache() -> tuple[int, int]:
    """Remove escore's files from the cache directory (nothing else in it): ``(files, bytes)``."""
    directory = cache_dir()
    if directory is None or not directory.is_dir():
        return 0, 0
    files = freed = 0
    for path in _own_files(directory):
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        files, freed = files + 1, freed + size
    return files, freed
