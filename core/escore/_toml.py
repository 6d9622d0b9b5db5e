"""Reading TOML into frozen attrs classes, rejecting unknown keys with a suggestion."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import InputError, did_you_mean


def read_toml(path: Path, *, cached: bool = False) -> dict[str, Any]:
    """Parse a TOML file with exact decimals; a syntax error names the file and line.

    :param cached: use the content-keyed cache of parsed files (for evidence files,
        of which a run reads hundreds; see ``escore._cache``).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read: {exc.strerror}") from None

    def parse(data: bytes) -> dict[str, Any]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(str(path), "", "expected UTF-8 text") from None
        try:
            return tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(path), "", f"invalid TOML: {exc}") from None

    if cached:
        from ._cache import shared

        return shared().parse(raw, parse)
    return parse(raw)


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str, prefix: str = "") -> None:
    """Raise :class:`InputError` for the first key of ``data`` not in ``allowed``."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or f"expected one of: {', '.join(sorted(allowed))}"
            raise InputError(where, f"{prefix}{key}", "unknown key", hint=hint)


def require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, prefix: str = "") -> Any:
    """Return ``data[key]``, checking that it is present and of ``kind``."""
    if key not in data:
        raise InputError(where, f"{prefix}{key}", "missing required key")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InputError(where, f"{prefix}{key}", f"expected {names}, got {value!r}")
    return value
