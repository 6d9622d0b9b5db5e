"""The reproducibility stamp of a run: escore's version, the packs', a digest of the evidence.

The evidence digest depends on file contents and on paths relative to each evidence
root only, so the same evidence gives the same digest on any machine. Per root it is
the SHA-256 of the lines ``<sha256 of the file>  <path relative to the root>`` of
every file a run looks at (the manifest, ``units/*``, ``monitoring/*``), sorted by
path, which is what ``sha256sum`` prints::

    cd my-evidence && find escore-evidence.toml units monitoring -maxdepth 1 -type f ! -name '.*' 2>/dev/null \\
        | LC_ALL=C sort | xargs sha256sum | sha256sum

A unit file given alone is hashed under its own name. The digest of the whole
evidence is the SHA-256 of the lines ``<root digest>`` in the order the roots were given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ._files import file_sha256
from ._files import sha256 as _sha256
from ._frozen import frozen
from ._paths import root_label

MANIFEST = "escore-evidence.toml"


@frozen
class EvidenceRoot:
    """One ``--evidence`` path: its label in output, how many files it holds, their digest."""

    root: str
    files: int
    digest: str


@frozen
class PackStamp:
    plugin: str
    distribution: str
    version: str


@frozen
class Stamp:
    """What a run's result depends on besides the command line."""

    escore: str
    packs: tuple[PackStamp, ...]
    evidence: tuple[EvidenceRoot, ...]
    evidence_digest: str


def _evidence_files(root: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.name, root)]
    found = []
    manifest = root / MANIFEST
    if manifest.is_file():
        found.append((MANIFEST, manifest))
    for sub in ("units", "fields", "monitoring"):
        if (root / sub).is_dir():
            # The files the loaders read: hidden files (editor swap files, .DS_Store) are skipped there too.
            found.extend((f"{sub}/{p.name}", p) for p in (root / sub).iterdir() if p.is_file() and not p.name.startswith("."))
    # Byte order of the UTF-8 names, as `LC_ALL=C sort` orders them.
    return sorted(found, key=lambda item: item[0].encode())


def digest_root(root: Path) -> EvidenceRoot:
    """The digest of one evidence directory or unit file."""
    lines = []
    files = _evidence_files(root)
    for name, path in files:
        lines.append(f"{file_sha256(path).hex()}  {name}\n")
    return EvidenceRoot(root_label(root), len(files), _sha256("".join(lines).encode()).hexdigest())


def digest_evidence(roots: Sequence[Path]) -> tuple[tuple[EvidenceRoot, ...], str]:
    """Per-root digests and the digest of them all."""
    digests = tuple(digest_root(root) for root in roots)
    return digests, _sha256("".join(f"{d.digest}\n" for d in digests).encode()).hexdigest()


def make_stamp(version: str, packs: Iterable[PackStamp], roots: Sequence[Path]) -> Stamp:
    evidence, digest = digest_evidence(roots)
    return Stamp(version, tuple(sorted(set(packs), key=lambda p: (p.distribution, p.plugin))), evidence, digest)
