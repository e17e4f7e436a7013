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
        from tradelane._bench.gasprofile import profile_step

        result["profile"] = {
            label: {"gas": gas, **profile_step(chain.w3, desk.tx_hashes[label], gas)}
            for label, gas in measured["steps"].items()
        }
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
