"""Amounts, shares and durations as scenario files write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradelane.amounts import (
    Amount,
    parse_amount,
    parse_bps,
    parse_comparison,
    parse_duration,
)
from tradelane.types import CheckpointKind, Incoterm, Stage, Status


def test_amounts():
    assert parse_amount("12000 USDC") == Amount(Decimal("12000"), "USDC")
    assert parse_amount("2.5 eth") == Amount(Decimal("2.5"), "ETH")
    assert parse_amount("1,000.50 USDC").to_units(6) == 1_000_500_000
    assert parse_amount(100000).to_units(6) == 100_000_000_000
    assert parse_amount("8553.6 USDC").to_units(6) == 8_553_600_000
    with pytest.raises(ValueError, match="more than 6 decimals"):
        parse_amount("0.0000001 USDC").to_units(6)
    for bad in ("lots", "USDC 12", "", True):
        with pytest.raises(ValueError):
            parse_amount(bad)


def test_comparisons():
    assert parse_comparison(">= 0.9 ETH") == (">=", Amount(Decimal("0.9"), "ETH"))
    assert parse_comparison("<=1 ETH")[0] == "<="
    assert parse_comparison("5 USDC")[0] == "=="


def test_shares():
    assert parse_bps("30%") == 3000
    assert parse_bps("12.5%") == 1250
    assert parse_bps("0.3") == 3000
    assert parse_bps("250bps") == 250
    for bad in ("140%", "0.001%", "30", "much"):
        with pytest.raises(ValueError):
            parse_bps(bad)


def test_durations():
    assert parse_duration("90") == 90
    assert [parse_duration(x) for x in ("30s", "15m", "6h", "2d", "1w")] == [
        30,
        900,
        21_600,
        172_800,
        604_800,
    ]
    assert parse_duration("1.5d") == 129_600
    for bad in ("3 days", "-1d", "d"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_enums_mirror_solidity():
    assert Status.parse("in_transit") == Status.IN_TRANSIT == 4
    assert Status.CANCELLED == 10 and Status.CANCELLED.terminal and not Status.DISPUTED.terminal
    assert Stage.parse("export_cleared") == 3
    assert CheckpointKind.parse("customs_hold") == 12
    assert CheckpointKind.INSPECTION_FAILED == 15
    assert Incoterm.parse("cif") == Incoterm.CIF == 10
    assert Incoterm.DAP.risk_at_destination and not Incoterm.FOB.risk_at_destination
    with pytest.raises(ValueError, match="unknown stage"):
        CheckpointKind.parse("shipped")


def test_enums_match_the_solidity_source():
    """The enum members, in order, are those of contracts/types/TradeTypes.sol."""
    import re

    from tradelane._settings import project_root

    source = (project_root() / "contracts/types/TradeTypes.sol").read_text()
    for enum in (Status, Stage, CheckpointKind, Incoterm):
        body = re.search(rf"enum {enum.__name__} \{{(.*?)\}}", source, re.S)
        assert body, enum.__name__
        names = re.findall(r"^\s*(\w+),?\s*//", body.group(1), re.M)
        ours = [m.name.replace("_", "").lower() for m in enum]
        assert [n.lower() for n in names] == ours, enum.__name__
