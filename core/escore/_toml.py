"""Reading TOML into frozen attrs classes, rejecting unknown keys with a suggestion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import InputError, did_you_mean
from ._i18n import N_
from ._i18n import gettext as _


def read_toml(path: Path, *, cached: bool = False) -> dict[str, Any]:
    """Parse a TOML file with exact decimals; a syntax error names the file and line.

    :param cached: use the content-keyed cache of parsed files (for evidence files,
        of which a run reads hundreds; see ``escore._toml_cache``).
    """
    from ._files import decode, read_bytes

    where = str(path)
    raw = read_bytes(path)
    text = decode(raw, where)  # before the cache: its warning is shown on every run

    def parse(data: bytes) -> dict[str, Any]:
        return loads(text, where)

    if cached:
        from ._toml_cache import shared

        return shared().parse(raw, parse)
    return parse(raw)


#: Limits of any TOML input: deeper nesting, longer numbers or wider exponents mean
#: nothing in an assessment and would only cost recursion, memory or output size.
MAX_DEPTH = 32
MAX_INT = 10**30
MAX_DIGITS = 40
MIN_EXPONENT = -40
MAX_ADJUSTED = 30


def number_ok(value: int | Decimal) -> bool:
    """Whether a number is within the limits above (booleans and finite small numbers are)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return True  # nan/inf are refused by the typed fields with a clearer message
        _sign, digits, exponent = value.as_tuple()
        return len(digits) <= MAX_DIGITS and exponent >= MIN_EXPONENT and value.adjusted() <= MAX_ADJUSTED  # type: ignore[operator]
    return -MAX_INT < value < MAX_INT


def loads(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text with exact decimals and the limits above; errors name ``where``."""
    import tomllib  # 5 ms: a run that finds every TOML file in the cache parses none

    try:
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, "", _("invalid TOML: {0}").format(exc)) from None
    except RecursionError:
        raise InputError(where, "", _("nested too deeply (at most {0} levels)").format(MAX_DEPTH)) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(where, "", _("invalid TOML: {0}").format(exc)) from None
    check_limits(document, where)
    return document


def check_limits(document: dict[str, Any], where: str) -> None:
    """Raise :class:`InputError` for a value nested deeper than ``MAX_DEPTH`` or a number out of range."""
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(
                where, key[:80] + ("…" if len(key) > 80 else ""), _("nested too deeply (at most {0} levels)").format(MAX_DEPTH)
            )
        if isinstance(value, dict):
            stack.extend((v, f"{key}.{k}" if key else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{key}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool) and not number_ok(value):
            raise InputError(
                where,
                key,
                _("number out of range: at most {0} digits, magnitude below 1e{1}, no finer than 1e{2}").format(
                    MAX_DIGITS, MAX_ADJUSTED + 1, MIN_EXPONENT
                ),
            )


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str, prefix: str = "") -> None:
    """Raise :class:`InputError` for the first key of ``data`` not in ``allowed``."""
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or _("expected one of: {0}").format(", ".join(sorted(allowed)))
            raise InputError(where, f"{prefix}{key}", _("unknown key"), hint=hint)


def require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str, prefix: str = "") -> Any:
    """Return ``data[key]``, checking that it is present and of ``kind``."""
    if key not in data:
        raise InputError(where, f"{prefix}{key}", _("missing required key"))
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        from ._text import show

        kinds = (kind,) if isinstance(kind, type) else kind
        names = _(" or ").join(_(_KINDS[k]) if k in _KINDS else k.__name__ for k in kinds)
        raise InputError(where, f"{prefix}{key}", _("expected {0}, got {1}").format(names, show(value)))
    return value


#: The kinds of TOML value :func:`require` asks for, as an error names them (not Python's ``str``).
_KINDS: dict[type, str] = {
    str: N_("text"),
    int: N_("a whole number"),
    bool: N_("true or false"),
    Decimal: N_("a number"),
    list: N_("an array"),
    dict: N_("a table"),
}
