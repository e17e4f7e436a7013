"""Gas per lifecycle step and per flow: the one implementation behind both
`tradelane bench gas` and the snapshot test (tests/contracts/test_gas.py, gas/snapshot.json).

Flows are measured as the anchors were: a trade between parties that have traded on the
suite before (the second trade of each kind), every transaction any party sends from
registration until each party holds its money. Payouts are pushed, so no withdrawal is
needed; the treasury's batched fee withdrawal is left out. Flows run with no platform fee
unless named `_fee` (1%).

The transactions are sent through plain web3 (`transact`), exactly as the contract tests'
desk sends them, so the figures do not depend on the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradelane._bench.calldata import calldata_gas
from tradelane._bench.gasdesk import ARBITRATOR_INDICES as ARBITRATOR_INDICES
from tradelane._bench.gasdesk import PARTY_INDEX as PARTY_INDEX
from tradelane._bench.gasdesk import GasDesk, parties_of, setup_suite
from tradelane._bench.gasflows import measure, measure_extras
from tradelane.chain import Chain
from tradelane.compiler import Artifact

#: Gas of the public escrows we compare with, measured the same way (second trade between
#: the same parties, every transaction until each party holds its money).
ANCHORS: dict[str, dict[str, Any]] = {
    "kleros_escrow_happy_eth": {
        "gas": 110_631,
        "compare": "happy_eth",
        "what": "Kleros escrow-contracts, happy path in ETH",
    },
    "kleros_escrow_disputed": {
        "gas": 494_161,
        "compare": "disputed_eth",
        "what": "Kleros escrow-contracts, disputed (one-party test arbitrator)",
    },
    "kleros_token_escrow": {
        "gas": 155_054,
        "compare": "happy_erc20",
        "what": "Kleros token escrow, happy path",
    },
    "openzeppelin4_escrow": {
        "gas": 82_830,
        "compare": "happy_eth",
        "what": "OpenZeppelin 4 Escrow (no trade record, no disputes)",
    },
    "two_transaction_floor": {
        "gas": 77_191,
        "compare": "happy_eth",
        "what": "the two-transaction floor",
    },
}


def ratios(flows: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """Each anchor with the flow it compares to and our gas over theirs."""
    out = {}
    for name, anchor in ANCHORS.items():
        ours = flows.get(anchor["compare"])
        out[name] = {
            **anchor,
            "ours": ours,
            "ratio": round(ours / anchor["gas"], 3) if ours else None,
        }
    return out


def _profile(
    chain: Chain,
    desk: GasDesk,
    contracts: Mapping[str, Any],
    steps: Mapping[str, int],
    flows: Mapping[str, int],
) -> dict[str, Any]:
    """Where each step's gas goes ("profile") and each flow's floor ("floor"): see
    `tradelane._bench.gasprofile`. The test doubles (the stablecoin) are not the suite."""
    from tradelane._bench.gasprofile import FLOOR_PARTS, profile_step

    suite = {c.address for name, c in contracts.items() if name != "USDC"}
    suite.add(desk.escrow.functions.disputesModule().call())
    traced: dict[bytes, tuple[dict[str, int], dict[str, int]]] = {}

    def traced_tx(tx_hash: Any) -> tuple[dict[str, int], dict[str, int]]:
        key = bytes(tx_hash)
        if key not in traced:
            gas = int(chain.w3.eth.get_transaction_receipt(tx_hash)["gasUsed"])
            traced[key] = profile_step(chain.w3, tx_hash, gas, suite)
        return traced[key]

    profile = {}
    for label, gas in steps.items():
        row, least = traced_tx(desk.tx_hashes[label])
        profile[label] = {"gas": gas, **row, "floor": sum(least.values())}
    floors = {}
    for name, gas in flows.items():
        parts = [traced_tx(h)[1] for h in desk.flow_hashes[name]]
        row = {part: sum(p[part] for p in parts) for part in FLOOR_PARTS}
        floors[name] = {"gas": gas, "floor": sum(row.values()), **row}
    return {"profile": profile, "floor": floors}


def run(chain: Chain, artifacts: Mapping[str, Artifact], profile: bool = False) -> dict[str, Any]:
    """Everything `tradelane bench gas` prints, on a fresh chain; with `profile` (an Anvil
    started with --steps-tracing), also where each step's gas goes."""
    parties = parties_of(chain)
    contracts = setup_suite(chain, artifacts, parties)
    desk = GasDesk(chain, contracts, parties)
    measured = measure(desk)
    extras = measure_extras(desk)
    result: dict[str, Any] = {
        "flows": measured["flows"],
        "steps": measured["steps"],
        "calldata": measured["calldata"],
        "calldata_detail": dict(desk.calldata),
        "anchors": ratios(measured["flows"]),
        "extras": extras,
    }
    if profile:  # the snapshot's steps, each transaction traced where it was mined
        result.update(_profile(chain, desk, contracts, measured["steps"], measured["flows"]))
    return result


__all__ = [
    "ANCHORS",
    "GasDesk",
    "calldata_gas",
    "measure",
    "measure_extras",
    "parties_of",
    "ratios",
    "run",
    "setup_suite",
]
