"""Value checks of single fields: shares, token amounts, fees, durations and their bounds."""

from __future__ import annotations

from typing import Any

from tradelane.amounts import format_duration, parse_amount, parse_bps, parse_duration


def _check_amount(value: Any) -> str:
    parse_amount(value)
    return str(value)


def check_share(value: Any, what: str = "a share") -> str:
    """A share of money written with its unit: `30%` or `3000bps` (ValueError if not).

    A bare number is refused: `1` could mean 1% or 100%, and `0.3` 0.3% or 30%. For any
    field that splits money (milestones, fees, rulings, settlements)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} is a percentage like 30%, not {value!r}")
    raw = str(value).strip()
    if not raw.lower().endswith(("%", "bps")):
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{what} is a percentage like 30%, not {value!r}") from None
        if number >= 1:
            hint = f"write {raw}% (a bare {raw} could mean {raw}% or {number * 100:g}%)"
        else:
            hint = (
                f"write {number * 100:g}% (or {raw}% if you meant that; a bare {raw} "
                "could mean either)"
            )
        raise ValueError(f"{what} needs its unit: {hint}")
    parse_bps(raw)
    return raw


def _check_share(value: Any) -> str:
    return check_share(value)


def check_token_amount(value: Any, what: str = "an amount") -> str:
    """An amount of money that names its token: `12000 USDC`, `2.5 ETH` (ValueError if not).

    A bare number is refused where the token is not otherwise fixed (an order's price):
    `5` could be 5 ETH or 5 of the scenario's stablecoin."""
    amount = parse_amount(value)
    if amount.symbol is None:
        raise ValueError(
            f"{what} {value!r} names no token: write it with the token's symbol, like "
            f"'{value} ETH' or '{value} USDC' (a token declared under tokens)"
        )
    return str(value)


def _check_duration(value: Any) -> str | int:
    parse_duration(value)
    return value  # type: ignore[no-any-return]


#: An order's windows are uint32 seconds on chain (about 136 years).
MAX_WINDOW = 2**32 - 1
#: The longest single wait: a century (local chains refuse block times past the year 3000).
MAX_WAIT = 36_500 * 86_400


def _check_window(value: Any) -> str | int | None:
    if value is not None and parse_duration(value) > MAX_WINDOW:
        raise ValueError(
            f"{value!r} is too long: an order's windows fit in uint32 seconds (49710d)"
        )
    return value  # type: ignore[no-any-return]


#: Bounds the contracts enforce: the fee timeout (TradeEscrow) and the panel's ruling period
#: (DisputeArbitration), in seconds.
FEE_TIMEOUT_BOUNDS = (3_600, 30 * 86_400)
RULING_PERIOD_BOUNDS = (1, 365 * 86_400)
#: An order's ruling timeout (TradeEscrow): how long the arbitrator has before an even split.
RULING_TIMEOUT_BOUNDS = (30 * 86_400, 730 * 86_400)


def check_fee(value: Any) -> str:
    """A platform fee: a share the escrow accepts (at most 2%), with its unit; ValueError if
    not."""
    check_share(value, "the platform fee")
    if parse_bps(value) > 200:
        raise ValueError(f"the platform fee is capped at 2%, not {value}")
    return str(value)


def check_bounds(name: str, bounds: tuple[int, int]) -> Any:
    """A validator: the duration `name` must lie within `bounds` seconds (ValueError if not)."""
    low, high = bounds

    def check(value: Any) -> str | int:
        seconds = parse_duration(value)
        if not low <= seconds <= high:
            raise ValueError(
                f"{name} {value!r} is out of range: the contracts accept "
                f"{format_duration(low)} to {format_duration(high)}"
            )
        return value  # type: ignore[no-any-return]

    return check


def _check_wait(value: Any) -> str | int:
    if parse_duration(value) > MAX_WAIT:
        raise ValueError(f"{value!r} is too long: a single wait is at most 36500d")
    return value  # type: ignore[no-any-return]
