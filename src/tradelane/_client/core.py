"""The state every part of the client shares: the chain, the suite's contracts, the sender's."""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from tradelane._client.events import EventDecoder
from tradelane._client.pipeline import Pipeline
from tradelane._client.reverts import ErrorDecoder
from tradelane._client.views import Views
from tradelane.chain import Chain
from tradelane.compiler import Artifact
from tradelane.deploy import Deployment
from tradelane.types import Trade


class ClientCore:
    """The attributes `TradeClient.__init__` sets, declared once for every part of it."""

    chain: Chain
    w3: Web3
    deployment: Deployment
    artifacts: dict[str, Artifact]
    escrow: Contract
    tracker: Contract
    arbitration: Contract
    operator: ChecksumAddress
    preflight: bool
    from_block: int
    chain_id: int
    errors: ErrorDecoder
    events: EventDecoder
    keys: dict[ChecksumAddress, str]
    names: dict[ChecksumAddress, str]
    trades: dict[bytes, Trade]
    _nonces: dict[ChecksumAddress, int]
    # Signed checkpoints carry each signer's next nonce for the order (a sequence).
    _next_checkpoint_nonce: dict[tuple[ChecksumAddress, bytes], int]
    _pipeline: Pipeline | None
    # Contract accounts (test doubles that refuse ETH): address -> (owner, contract).
    _proxies: dict[ChecksumAddress, tuple[ChecksumAddress, Contract]]
    _block: tuple[float, Any]  # (when, block) for gas limit and fees
    _has_code: dict[str, bool]  # arbitrators seen by the preflight checks
    _views: Views  # the preflight checks' view calls, without web3's overhead
