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

import os
import stat
from pathlib import Path

from ._errors import InputError, warn

#: The largest input file read, in bytes (a unit file is a few kB; a year of
#: monitoring rows for every county a few MB).
MAX_BYTES = 64 * 1024 * 1024


def read_bytes(path: Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file (or a link to one) of at most ``limit`` bytes."""
    where = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(where, "", "file not found") from None
    except IsADirectoryError:
        raise InputError(where, "", "expected a file, found a directory") from None
    except OSError as exc:
        raise InputError(where, "", f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(where, "", "expected a file, found a directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(where, "", "not a regular file (a device, FIFO or socket); only regular files are read")
        if info.st_size > limit:
            raise InputError(where, "", f"file too large: {info.st_size} bytes, the limit is {limit}")
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise InputError(where, "", f"file too large: more than {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(where, "", f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def decode(data: bytes, where: str) -> str:
    """Text of ``data``: UTF-8 (a leading BOM dropped), else GB18030 with a warning, else an error."""
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
                f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} on line {line}; save the file as UTF-8 (Excel: 'CSV UTF-8')",
            ) from None
        warn(f"{where}: read as GB18030 (Chinese Windows encoding), not UTF-8; saving it as UTF-8 (Excel: 'CSV UTF-8') silences this note")
    return text[1:] if text.startswith("\ufeff") else text


def read_text(path: Path, *, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, limit=limit), str(path))
