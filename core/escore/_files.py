"""Reading input files safely: regular files only, a size limit, UTF-8 or GB18030 text.

Evidence partly comes from the units being assessed and from Excel on Chinese
Windows, so an input file may be anything: a FIFO that never ends, a link to
``/dev/zero``, a huge export, or text in the system code page. Every input file
of escore is read here, and each of those cases is a one-line :class:`InputError`
naming the file rather than a hang or a traceback.

Encoding: UTF-8 (with or without a byte-order mark) is the format; a file that is
not valid UTF-8 but is valid GB18030 (the superset of GBK that Chinese Windows
Excel writes for "CSV" and Notepad for "ANSI") is read as GB18030 with a one-line
warning. Refusing it would make every assessor on Chinese Windows convert files by
hand for no gain: GB18030 decodes to the same characters, and random bytes rarely
form valid GB18030, so a file that is neither is still an error naming the byte.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ._errors import InputError, warn
from ._i18n import gettext as _

#: The largest file read whole, in bytes (a unit file is a few kB, a pack's roster a few
#: dozen). Tables are read as a stream and may be larger: see :data:`MAX_TABLE_BYTES`.
MAX_BYTES = 64 * 1024 * 1024

#: The largest table (CSV): one row per unit or event, so it grows with the units assessed
#: (100,000 counties' fields are about 150 MB). It is read a megabyte at a time, so its size
#: costs time, never memory; the limit only stops an endless file.
MAX_TABLE_BYTES = 4 * 1024 * 1024 * 1024

_CHUNK = 1 << 20


def not_a_file(path: Path) -> str:
    """What is wrong with ``path``, which exists and is neither a regular file nor a directory."""
    return _("not a regular file (a device, FIFO or socket); only regular files are read")


def _open_regular(path: Path, limit: int) -> int:
    """A descriptor of ``path`` if it is a regular file (or a link to one) of at most ``limit`` bytes."""
    where = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(where, "", _("file not found")) from None
    except IsADirectoryError:
        raise InputError(where, "", _("expected a file, found a directory")) from None
    except OSError as exc:
        raise InputError(where, "", _("cannot read: {0}").format(exc.strerror)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(where, "", _("expected a file, found a directory"))
        if not stat.S_ISREG(info.st_mode):
            raise InputError(where, "", not_a_file(path))
        if info.st_size > limit:
            raise InputError(where, "", _("file too large: {0} bytes, the limit is {1}").format(info.st_size, limit))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _chunks(fd: int, where: str, limit: int, buffer: Any = None) -> Iterator[Any]:
    """The bytes of ``fd`` a megabyte at a time; into ``buffer`` (a writable buffer, each chunk
    a view of it valid until the next) when one is given."""
    size = 0
    view = None if buffer is None else memoryview(buffer)
    try:
        while True:
            if view is None:
                chunk: Any = os.read(fd, min(_CHUNK, limit + 1 - size))
            else:
                chunk = view[: os.readv(fd, [view[: min(len(view), limit + 1 - size)]])]
            if not chunk:
                return
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise InputError(where, "", _("file too large: more than {0} bytes").format(limit))
            yield chunk
    except OSError as exc:
        raise InputError(where, "", _("cannot read: {0}").format(exc.strerror)) from None


def read_bytes(path: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file (or a link to one) of at most ``limit`` bytes."""
    fd = _open_regular(path, limit)
    try:
        return b"".join(_chunks(fd, str(path), limit))
    finally:
        os.close(fd)


def sha256(data: bytes = b"") -> Any:
    """A SHA-256 hasher: the interpreter's built-in module (hashlib would load OpenSSL first)."""
    try:
        from _sha256 import sha256 as make
    except ImportError:  # pragma: no cover - Python 3.12+ renamed it
        try:
            from _sha2 import sha256 as make
        except ImportError:
            from hashlib import sha256 as make
    return make(data)


#: SHA-256 of the files read in this process, by (device, inode, size, modification time).
_sha256_of: dict[tuple[int, int, int, int], bytes] = {}

#: From this size on, a file's SHA-256 is computed by OpenSSL (``hashlib``), about 8 times faster
#: than the interpreter's built-in module (0.75 against 6 ms a megabyte here); below it, loading
#: OpenSSL (5 ms) would cost more than it saves. Once loaded, it hashes every file, whatever its
#: size (the 10,000 harness units' smaller tables: 14 → 2 ms). The digest is the same either way.
OPENSSL_FROM = 1 << 20

#: OpenSSL's SHA-256 maker, once a large file has loaded it.
_openssl: list[Any] = []


def _large_file_sha256() -> Any:
    if not _openssl:
        from hashlib import sha256 as make  # OpenSSL's, where the interpreter has it

        _openssl.append(make)
    return _openssl[0]()


def digests_ahead(paths: Iterable[Path]) -> Any:
    """Start computing the digests of the large evidence tables under ``paths`` (a root given
    as a file, the files of its ``fields`` and ``monitoring`` folders, 1 MB or more) in a
    thread, while this one reads the units: hashing leaves the interpreter free, and the cache
    key then finds them computed (:func:`file_sha256`). A thread to ``join()`` before the
    key is made, or ``None`` when no file is that large. Any problem is left to the key, which
    reports nothing either (a file it cannot read means no cache)."""
    large: list[Path] = []
    try:
        for root in paths:
            tables = (
                [root]
                if root.is_file()
                else [p for sub in ("fields", "monitoring") if (root / sub).is_dir() for p in (root / sub).iterdir()]
            )
            large += [path for path in tables if path.is_file() and path.stat().st_size >= OPENSSL_FROM]
    except OSError:
        return None
    if not large or not hasattr(os, "readv"):
        return None
    import threading

    def hash_all() -> None:
        import mmap

        # Reads of 16 MB (the thread takes the interpreter back after each read and each digest
        # update, waiting up to its switch interval, 5 ms, every time) into one buffer mapped
        # apart from the allocator: 16 MB blocks allocated and freed in a thread made glibc's
        # allocator keep the run's later large blocks in its heap (36 MiB more at 100,000 units).
        # Any problem is the key's to meet: it hashes what is left and reports what it must.
        with contextlib.suppress(Exception), mmap.mmap(-1, AHEAD_CHUNK) as buffer:
            for path in large:
                file_sha256(path, buffer=buffer)

    thread = threading.Thread(target=hash_all, name="escore-digests", daemon=True)
    thread.start()
    return thread


#: Bytes read at a time by :func:`digests_ahead`'s thread.
AHEAD_CHUNK = 16 << 20


def file_sha256(path: Path, *, limit: int = MAX_TABLE_BYTES, buffer: Any = None) -> bytes:
    """The SHA-256 of the bytes of ``path``, read a megabyte at a time (into ``buffer``, a
    writable buffer, as large as it is, when one is given).

    A run needs each evidence file's digest twice (the key of the checked-evidence cache, the
    evidence stamp of the output): the file is read for it once per process, unless it changed.
    """
    fd = _open_regular(path, limit)
    try:
        info = os.fstat(fd)
        identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        known = _sha256_of.get(identity)
        if known is None:
            hasher = _large_file_sha256() if info.st_size >= OPENSSL_FROM or _openssl else sha256()
            for chunk in _chunks(fd, str(path), limit, buffer):
                hasher.update(chunk)
            known = _sha256_of[identity] = hasher.digest()
        return known
    finally:
        os.close(fd)


def open_text(path: Path, *, limit: int = MAX_TABLE_BYTES) -> tuple[Iterable[str], int, bool]:
    """The lines of a text file as a stream (``newline=""``, for the csv module), with the file's
    number of lines and whether it holds anything but white space.

    The encoding is decided as :func:`decode` decides it, over the whole file, before any line is
    given: a first pass reads it a megabyte at a time, checking UTF-8 (else GB18030, with the same
    warning, else the same error naming the byte and line) and counting lines. Nothing but one
    megabyte is held at a time, whatever the file's size.
    """
    import codecs

    where = str(path)
    fd = _open_regular(path, limit)
    try:
        encoding = ""
        utf8_end = 0  # where UTF-8 failed: the end of the megabyte holding the invalid byte
        for attempt in ("utf-8", "gb18030"):
            decoder = codecs.getincrementaldecoder(attempt)()
            end = lines = 0
            last = b""
            blank = True
            try:
                for chunk in _chunks(fd, where, limit):
                    if not end:  # the file's first bytes: text in UTF-16 is said to be, whatever it decodes as
                        refuse_utf16(chunk, where)
                    end += len(chunk)
                    text = decoder.decode(chunk)
                    if blank and text.lstrip("\ufeff").strip():
                        blank = False
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                if attempt == "utf-8":
                    utf8_end = end
                os.lseek(fd, 0, os.SEEK_SET)
                continue
            encoding = attempt
            break
        if not encoding:  # neither: name the first invalid byte as decode() does
            parts: list[bytes] = []
            for chunk in _chunks(fd, where, limit):
                parts.append(chunk)
                if sum(map(len, parts)) >= utf8_end:
                    break
            head = b"".join(parts)[:utf8_end]
            try:
                head.decode("utf-8")
                position = len(head) - 1
            except UnicodeDecodeError as exc:
                position = exc.start
            raise InputError(
                where,
                "",
                _("not UTF-8 text: invalid byte 0x{0:02x} on line {1}; save the file as UTF-8 (Excel: 'CSV UTF-8')").format(
                    head[position], head.count(b"\n", 0, position) + 1
                ),
            )
        if encoding == "gb18030":
            warn(
                f"{where}: "
                + _("read as GB18030 (Chinese Windows encoding), not UTF-8; saving it as UTF-8 (Excel: 'CSV UTF-8') silences this note")
            )
        os.lseek(fd, 0, os.SEEK_SET)
        stream = open(fd, encoding="utf-8-sig" if encoding == "utf-8" else "gb18030", newline="")  # noqa: SIM115 (closed by the caller)
    except BaseException:
        os.close(fd)
        raise
    lines += 1 if last not in (b"", b"\n") else 0  # as str.splitlines counts them
    if encoding == "utf-8":
        return stream, lines, not blank
    return _without_bom(stream), lines, not blank


def _without_bom(stream: Any) -> Iterator[str]:
    """A GB18030 file's lines, its byte-order mark (U+FEFF, as decoded) dropped as UTF-8's is."""
    with stream:
        first = True
        for line in stream:
            if first:
                line = line.removeprefix("\ufeff")
                first = False
            yield line


def decode(data: bytes, where: str) -> str:
    """Text of ``data``: UTF-8 (a leading BOM dropped), else GB18030 with a warning, else an error."""
    refuse_utf16(data, where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                where,
                "",
                _("not UTF-8 text: invalid byte 0x{0:02x} on line {1}; save the file as UTF-8 (Excel: 'CSV UTF-8')").format(
                    data[exc.start], line
                ),
            ) from None
        warn(
            f"{where}: "
            + _("read as GB18030 (Chinese Windows encoding), not UTF-8; saving it as UTF-8 (Excel: 'CSV UTF-8') silences this note")
        )
    return text[1:] if text.startswith("\ufeff") else text


#: The byte-order marks of UTF-16 (little- and big-endian), as Excel's 'Unicode Text' and Notepad's 'Unicode' begin.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: The first bytes of a file looked at for UTF-16 text without a byte-order mark.
_UTF16_SAMPLE = 4096


def refuse_utf16(head: bytes, where: str) -> None:
    """Raise :class:`InputError` for text in UTF-16, given the file's first bytes ``head``: it
    begins with a UTF-16 byte-order mark, or NUL bytes fill one of every two places (the high
    bytes of Latin letters, digits and punctuation) among its first 4 KiB. Neither is UTF-8 or
    GB18030 text: with a mark, the file had been 'invalid byte 0xff on line 1'; without, a byte of
    a Chinese character, or the text read with a NUL after every letter. Costs a look at the
    first bytes of each file (a search for a NUL byte), nothing per line."""
    if head[:2] in _UTF16_BOMS or (head.find(0, 0, _UTF16_SAMPLE) >= 0 and _nul_every_other(head[:_UTF16_SAMPLE])):
        raise InputError(where, "", _("UTF-16 text, not UTF-8; save the file as UTF-8 (Excel: 'CSV UTF-8', not 'Unicode Text')"))


def _nul_every_other(sample: bytes) -> bool:
    """Whether NUL bytes stand in one of every two places of ``sample`` (at least a quarter of
    them), and seldom in the other: UTF-16 text of mostly ASCII characters, either byte order."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    most, fewest = max(even, odd), min(even, odd)
    return most * 4 >= len(sample) // 2 > 0 and fewest * 8 <= most


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, limit=limit), str(path))
