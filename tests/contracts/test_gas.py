"""Gas snapshot: gas per lifecycle step and per flow on Anvil's default hardfork, checked
against gas/snapshot.json. A figure that moves by more than 1% fails the test unless the
snapshot is updated in the same commit: `make gas` rewrites it (UPDATE_GAS=1).

Flows are measured as the anchors were: a trade between parties that have traded on the
suite before (the second trade of each kind), every transaction any party sends from
registration until each party holds its money. Payouts are pushed, so no withdrawal is
needed; the treasury's batched fee withdrawal is left out. Flows run with no platform fee
unless named `_fee` (1%).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import USDC_UNIT
from .desk import DAY, Desk

SNAPSHOT = Path(__file__).resolve().parents[2] / "gas" / "snapshot.json"
TOLERANCE = 0.01
ETHER = 10**18


def _happy(desk: Desk, token: str, price: int, tag: str) -> int:
    total = 0
    for run in range(2):
        trade = desk.trade(token=token, price=price)
        label = (lambda s: f"{s}_{tag}") if run else (lambda s: None)
        total = 0
        total += desk.quote_and_fund(trade, label=label("fund_with_quote"))["gasUsed"]
        total += desk.confirm(trade, label=label("confirm"))["gasUsed"]
    return int(total)


def _disputed_eth(desk: Desk) -> int:
    total = 0
    for run in range(2):
        trade = desk.trade(price=ETHER)
        label = (lambda s: f"{s}_eth") if run else (lambda s: None)
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.dispute(trade, label=label("dispute"))["gasUsed"]
        dispute_id = desk.pay_fee(trade, label=label("pay_arbitration_fee"))
        if run:
            total += desk.gas["pay_arbitration_fee_eth"]
        total += desk.vote(
            dispute_id, desk.p["arbitrators"][0], 4000, label=label("vote_deciding")
        )["gasUsed"]
    return int(total)


def _full_cross_border(desk: Desk) -> int:
    total = 0
    for run in range(2):
        trade = desk.trade(price=ETHER, incoterm="CIF", milestones=[("export_cleared", 3000)])
        label = (lambda s: f"checkpoint_{s}") if run else (lambda s: None)
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.record(trade, "picked_up", label=label("picked_up"))["gasUsed"]
        total += desk.record(trade, "export_cleared", label=label("export_cleared_milestone"))[
            "gasUsed"
        ]
        total += desk.record(trade, "import_cleared", label=label("import_cleared"))["gasUsed"]
        total += desk.record(trade, "delivered", label=label("delivered"))["gasUsed"]
        desk.time_travel(3 * DAY + 1)
        total += desk.settle(trade, label="settle_eth" if run else None)["gasUsed"]
    return int(total)


def measure(desk: Desk) -> dict[str, dict[str, int]]:
    flows = {
        "happy_eth": _happy(desk, "0x" + "00" * 20, ETHER, "eth"),
        "happy_erc20": _happy(desk, desk.usdc.address, 12_000 * USDC_UNIT, "erc20"),
        "disputed_eth": _disputed_eth(desk),
        "full_cross_border": _full_cross_border(desk),
    }
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])
    flows["happy_eth_fee"] = _happy(desk, "0x" + "00" * 20, ETHER, "eth_fee")
    return {"steps": dict(sorted(desk.gas.items())), "flows": flows}


@pytest.mark.anvil_only
def test_gas_matches_snapshot(desk: Desk) -> None:
    measured = measure(desk)
    print(json.dumps(measured, indent=2))
    if os.environ.get("UPDATE_GAS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(measured, indent=2) + "\n")
    snapshot = json.loads(SNAPSHOT.read_text())
    moved = []
    for section in ("steps", "flows"):
        assert set(measured[section]) == set(snapshot[section]), (
            f"{section} differ: update the snapshot"
        )
        for name, gas in measured[section].items():
            expected = snapshot[section][name]
            if abs(gas - expected) > TOLERANCE * expected:
                moved.append(f"{section}.{name}: {expected} -> {gas}")
    assert not moved, "gas moved by more than 1% (run `make gas` and commit it):\n" + "\n".join(
        moved
    )
