"""Gas snapshot: gas per lifecycle step and per flow on Anvil's default hardfork, checked
against gas/snapshot.json. A figure that moves by more than 1% fails the test unless the
snapshot is updated in the same commit: `make gas` rewrites it (UPDATE_GAS=1).

The flows themselves (what is sent, by whom, which transactions count) live in
tradelane._bench.gas, so `tradelane bench gas` reports the very same figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tradelane._bench.gas import GasDesk, measure

from .desk import Desk

SNAPSHOT = Path(__file__).resolve().parents[2] / "gas" / "snapshot.json"
TOLERANCE = 0.01


@pytest.mark.anvil_only
def test_gas_matches_snapshot(desk: Desk) -> None:
    measured = measure(GasDesk(desk.chain, desk.suite.contracts, desk.p))
    print(json.dumps(measured, indent=2))
    if os.environ.get("UPDATE_GAS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(measured, indent=2) + "\n")
    snapshot = json.loads(SNAPSHOT.read_text())
    moved = []
    for section in ("steps", "flows", "calldata"):
        assert set(measured[section]) == set(snapshot[section]), (
            f"{section} differ: update the snapshot"
        )
        for name, gas in measured[section].items():
            expected = snapshot[section][name]
            # calldata bytes are exact: a flow's bytes move only when its calls do.
            tolerance = 0 if section == "calldata" else TOLERANCE * expected
            if abs(gas - expected) > tolerance:
                moved.append(f"{section}.{name}: {expected} -> {gas}")
    assert not moved, "gas moved by more than 1% (run `make gas` and commit it):\n" + "\n".join(
        moved
    )


def test_the_escrow_function_every_checkpoint_calls_is_dispatched_first(artifacts) -> None:
    # The via-IR dispatcher compares the selector with each function's in ascending order:
    # the tracker's call on every checkpoint is named so that it is found at the first try.
    own = artifacts["TradeEscrow"].method_identifiers
    first = min(own, key=lambda signature: int(own[signature], 16))
    assert first.startswith("stageReported("), first
    assert own[first] == "00c500ee"
