"""An outside wallet drives the suite: ethers.js 6 (npm, pinned) signs the seller's quote and a
carrier's relayed checkpoint as standard EIP-712 typed data, and sends the buyer's funding and
the relayer's `recordSigned` through the named ABI functions (tests/wallets/ethers_wallet.mjs).

The typed-data types in the script are written out from docs/CONTRACTS.md, apart from the
Python toolkit: the contract accepting what ethers signed, and ethers and eth-account giving
the very same (RFC 6979, deterministic) signatures, show that any wallet's
`eth_signTypedData_v4` quotes an order and that the order form it funds is the one signed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from eth_utils import to_checksum_address

from tradelane._settings import project_root

from .desk import Desk

pytestmark = pytest.mark.anvil_only  # ethers needs a JSON-RPC endpoint; eth-tester has none

SCRIPT = project_root() / "tests" / "wallets" / "ethers_wallet.mjs"


def _json(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2**53:
        return str(value)  # beyond a JavaScript number: ethers takes decimal strings
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _ethers(job: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is on PATH wherever make test runs (make setup needs it)"
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(_json(job)),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=project_root(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_ethers_signs_a_quote_and_a_relayed_checkpoint_that_the_suite_accepts(
    desk: Desk, chain
) -> None:
    trade = desk.trade(incoterm="CIF", milestones=[("picked_up", 2500)])
    relayer = desk.p["outsider"]
    cp = trade.checkpoint("picked_up", document="BL-ETHERS-1", uri="ipfs://bl-1")
    deadline = chain.now() + 86_400
    keys = {
        role: chain.private_key(address)
        for role, address in {
            "seller": trade.seller,
            "buyer": trade.buyer,
            "carrier": trade.carrier,
            "relayer": relayer,
        }.items()
    }
    paid_before = chain.w3.eth.get_balance(trade.seller)
    out = _ethers(
        {
            "rpc": chain.url,
            "chainId": chain.chain_id,
            "escrow": desk.escrow.address,
            "tracker": desk.tracker.address,
            "keys": keys,
            "order": trade.typed_data()["message"],
            "form": trade.form,
            "termsURI": "ipfs://po",
            "value": str(trade.price),
            "checkpoint": {"kind": cp[0], "location": cp[1], "document": cp[2], "uri": cp[3]},
            "deadline": deadline,
        }
    )
    # ethers hashes the typed data to the id the contract derives from the form and Python
    # derives from the terms; both wallets sign the same bytes to the same signature.
    assert bytes.fromhex(out["orderId"][2:]) == trade.id
    assert bytes.fromhex(out["contractId"][2:]) == trade.id
    assert bytes.fromhex(out["quote"][2:]) == trade.quote()
    assert bytes.fromhex(out["checkpointSignature"][2:]) == trade.sign_checkpoint(
        trade.carrier, cp, deadline
    )
    # ethers sent both transactions, from the buyer and from the relayer, and the chain took them.
    assert out["fund"]["status"] == 1 and out["record"]["status"] == 1
    assert to_checksum_address(out["fund"]["from"]) == trade.buyer
    assert to_checksum_address(out["record"]["from"]) == relayer
    funded = chain.w3.eth.get_transaction(out["fund"]["hash"])
    assert funded["to"] == desk.escrow.address and funded["value"] == trade.price
    # The relayed pickup moved the order and paid its 25% tranche to the seller.
    state = trade.state()
    assert state["status"] == "in_transit" and state["stage"] == "picked_up"
    assert state["released_bps"] == 2500
    assert chain.w3.eth.get_balance(trade.seller) - paid_before == trade.price // 4
    assert desk.tracker.functions.checkpointNonce(trade.carrier, trade.id).call() == 1
