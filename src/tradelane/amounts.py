"""Amounts ("12000 USDC", "2.5 ETH"), shares ("30%") and durations ("7d") as people write them.

parse_amount("12000 USDC")        -> Amount(Decimal("12000"), "USDC")
Amount.parse("2.5 ETH").to_units(18) -> 2_500_000_000_000_000_000
parse_bps("30%") -> 3000;  parse_duration("2d") -> 172800
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\s*([+-]?\d[\d_,]*(?:\.\d+)?|[+-]?\.\d+)\s*([A-Za-z][A-Za-z0-9._-]*)?\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_COMPARATORS = (">=", "<=", "==", ">", "<", "=")


@dataclass(frozen=True)
class Amount:
    """A decimal quantity of a token, by symbol (None: unspecified)."""

    value: Decimal
    symbol: str | None = None

    @classmethod
    def parse(cls, text: str | int | float | Decimal) -> Amount:
        return parse_amount(text)

    def to_units(self, decimals: int) -> int:
        scaled = self.value.scaleb(decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(
                f"{self} has more than {decimals} decimals"
                + (f" ({self.symbol} has {decimals})" if self.symbol else "")
            )
        return int(scaled)

    def __str__(self) -> str:
        return f"{format_decimal(self.value)} {self.symbol}" if self.symbol else str(self.value)


def parse_amount(text: str | int | float | Decimal) -> Amount:
    """`12000 USDC`, `2.5 ETH`, `1,000.50 usdc` or a bare number."""
    if isinstance(text, bool):
        raise ValueError(f"not an amount: {text!r}")
    if isinstance(text, int | Decimal):
        return Amount(Decimal(text))
    if isinstance(text, float):
        return Amount(Decimal(repr(text)))
    match = _AMOUNT.match(str(text))
    if not match:
        raise ValueError(f"not an amount: {text!r} (write it like '12000 USDC' or '2.5 ETH')")
    number, symbol = match.groups()
    try:
        value = Decimal(number.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    return Amount(value, symbol.upper() if symbol else None)


def parse_comparison(text: str | int | float) -> tuple[str, Amount]:
    """`>= 0.9 ETH` -> (">=", Amount); a bare amount compares with `==`."""
    raw = str(text).strip()
    for op in _COMPARATORS:
        if raw.startswith(op):
            return ("==" if op == "=" else op), parse_amount(raw[len(op) :])
    return "==", parse_amount(text)


def compare(op: str, actual: Decimal, expected: Decimal) -> bool:
    return {
        "==": actual == expected,
        ">=": actual >= expected,
        "<=": actual <= expected,
        ">": actual > expected,
        "<": actual < expected,
    }[op]


def parse_bps(text: str | int | float) -> int:
    """A share in basis points: `30%` -> 3000, `12.5%` -> 1250, `0.3` -> 3000, `3000bps`."""
    if isinstance(text, bool):
        raise ValueError(f"not a share: {text!r}")
    raw = str(text).strip().lower()
    try:
        if raw.endswith("%"):
            value = Decimal(raw[:-1].strip()) * 100
        elif raw.endswith("bps"):
            value = Decimal(raw[:-3].strip())
        else:
            number = Decimal(raw)
            if number > 1:
                raise ValueError(f"ambiguous share {text!r}: write it as a percentage like '30%'")
            value = number * 10_000
    except InvalidOperation:
        raise ValueError(f"not a share: {text!r} (write it like '30%')") from None
    if value != value.to_integral_value() or not 0 <= value <= 10_000:
        raise ValueError(f"share {text!r} must be whole basis points between 0% and 100%")
    return int(value)


def parse_duration(text: str | int) -> int:
    """Seconds from `90`, `30s`, `15m`, `6h`, `2d`, `1w` (or `1.5d`)."""
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"a duration cannot be negative: {text}")
        return text
    match = _DURATION.match(str(text).lower())
    if not match:
        raise ValueError(f"not a duration: {text!r} (write it like '90s', '15m', '6h' or '2d')")
    number, unit = match.groups()
    seconds = Decimal(number) * _UNITS[unit]
    if seconds != seconds.to_integral_value():
        raise ValueError(f"duration {text!r} is not a whole number of seconds")
    return int(seconds)


def format_decimal(value: Decimal) -> str:
    """`8553.600000` -> `8553.6`, with thousands separators left out (exact and copyable)."""
    text = format(value.normalize(), "f")
    return text


def format_units(units: int, decimals: int, symbol: str | None = None) -> str:
    value = Decimal(units).scaleb(-decimals)
    return f"{format_decimal(value)} {symbol}" if symbol else format_decimal(value)


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
