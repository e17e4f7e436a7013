"""A typed client for the Tradelane suite: one method per step of a trade.

    client = TradeClient.deploy(connect("eth-tester"))      # or TradeClient(chain, deployment)
    usdc = client.deploy_token("USDC", 6)
    buyer, seller = client.new_account("alice", eth=10), client.new_account("bob", eth=10)
    trade = client.new_trade(buyer=buyer, seller=seller, carrier=dhl, price="12000 USDC",
                             incoterm="CIF", ship_within="7d", deliver_within="40d",
                             inspection="3d", milestones={"export_cleared": "30%"},
                             panel=[judge])
    quote = client.sign_quote(trade)
    client.fund(trade, quote=quote)
    client.checkpoint(trade, "picked_up", by=dhl, location="CNSHA", document="BL-0042")

Every state-changing method returns a `TxResult` (hash, gas, decoded events). A revert is
raised as an exception named after the Solidity error (`OrderUnauthorized`,
`EscrowOnHold`...), a subclass of `ContractRevert` with the error's fields, the same on
eth-tester, Anvil or any node. Obvious mistakes (wrong party, wrong status, paused) are
refused before sending with the very error the contract would raise (`exc.preflight`).

Transactions from accounts whose key the client holds (`new_account`, `add_key`) are
signed locally; others go through the node's `eth_sendTransaction` (dev chains).
Nothing here needs a test-only RPC method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradelane._client.admin import Admin
from tradelane._client.calls import CUSTOMS_ROLE as CUSTOMS_ROLE
from tradelane._client.calls import INSPECTOR_ROLE as INSPECTOR_ROLE
from tradelane._client.calls import document_hash
from tradelane._client.calls import kleros_extra_data as kleros_extra_data
from tradelane._client.disputes import Disputes
from tradelane._client.events import EventDecoder
from tradelane._client.fees import GAS_MARGIN as GAS_MARGIN
from tradelane._client.fees import PRIORITY_FEE as PRIORITY_FEE
from tradelane._client.orders import Orders
from tradelane._client.pipeline import Pipeline as Pipeline
from tradelane._client.reading import LOG_CHUNK_BLOCKS as LOG_CHUNK_BLOCKS
from tradelane._client.reverts import ContractRevert, ErrorDecoder, UnknownRevert, error_class
from tradelane._client.sending import BLOCK_REUSE_SECONDS as BLOCK_REUSE_SECONDS
from tradelane._client.tokens import ETH, Token
from tradelane._client.views import Views
from tradelane.amounts import Amount as Amount
from tradelane.chain import Chain
from tradelane.compiler import Artifact, compile_contracts
from tradelane.deploy import Deployment, deploy_suite
from tradelane.errors import ChainError as ChainError
from tradelane.errors import TradelaneError as TradelaneError
from tradelane.errors import UnsafeTerms as UnsafeTerms
from tradelane.types import BPS, Quote
from tradelane.types import CheckpointKind as CheckpointKind
from tradelane.types import DecodedEvent as DecodedEvent
from tradelane.types import Incoterm as Incoterm
from tradelane.types import Milestone as Milestone
from tradelane.types import Order as Order
from tradelane.types import OrderMoney as OrderMoney
from tradelane.types import OrderState as OrderState
from tradelane.types import OrderView as OrderView
from tradelane.types import Reputation as Reputation
from tradelane.types import Stage as Stage
from tradelane.types import Status as Status
from tradelane.types import Terms as Terms
from tradelane.types import TimelineEntry as TimelineEntry
from tradelane.types import Trade as Trade
from tradelane.types import TxResult as TxResult

# The `X as X` imports: what this module has always offered besides `__all__`, now defined
# where it belongs (an upper-case name missing here would be taken for an error's name by
# `__getattr__`).

__all__ = [
    "ContractRevert",
    "Quote",
    "Token",
    "TradeClient",
    "UnknownRevert",
    "error_class",
]


def __getattr__(name: str) -> type[ContractRevert]:
    """`from tradelane.client import OrderUnauthorized`: the exception class of any error."""
    if name[:1].isupper():
        return error_class(name)
    raise AttributeError(name)


class TradeClient(Orders, Disputes, Admin):
    """Typed calls for every step of a trade on one deployed suite."""

    def __init__(
        self,
        chain: Chain,
        deployment: Deployment,
        *,
        artifacts: Mapping[str, Artifact] | None = None,
        preflight: bool = True,
        from_block: int = 0,
    ) -> None:
        self.chain = chain
        self.w3 = chain.w3
        self.deployment = deployment
        self.artifacts = dict(artifacts) if artifacts is not None else compile_contracts()
        self.escrow = deployment["TradeEscrow"]
        self.tracker = deployment["LogisticsTracker"]
        self.arbitration = deployment["DisputeArbitration"]
        self.operator = deployment.admin
        self.preflight = preflight
        self.from_block = from_block
        self.chain_id = chain.chain_id
        self.errors = ErrorDecoder({n: a.abi for n, a in self.artifacts.items()})
        self.events = EventDecoder(self.w3)
        for name in ("TradeEscrow", "LogisticsTracker", "DisputeArbitration"):
            self.events.add(name, deployment[name].address, deployment[name].abi)
        self.tokens = {"ETH": ETH}
        self.keys = {}
        self.names = {
            deployment.admin: "operator",
            deployment.treasury: "treasury",
        }
        self.trades = {}
        self._nonces = {}
        # Signed checkpoints carry each signer's next nonce for the order (a sequence).
        self._next_checkpoint_nonce = {}
        self._pipeline = None
        # Contract accounts (test doubles that refuse ETH): address -> (owner, contract).
        self._proxies = {}
        self._block = (0.0, None)  # (when, block) for gas limit and fees
        self._has_code = {}  # arbitrators seen by the preflight checks
        self._views = Views(self.w3)  # the preflight checks' view calls, without web3's overhead

    # ------------------------------------------------------------------ construction

    @classmethod
    def deploy(
        cls,
        chain: Chain,
        *,
        arbitration_cost: int | None = None,
        ruling_period: int | None = None,
        artifacts: Mapping[str, Artifact] | None = None,
        **kwargs: Any,
    ) -> TradeClient:
        """Deploy a fresh suite (operator: the chain's first account) and bind a client to it."""
        artifacts = dict(artifacts) if artifacts is not None else compile_contracts()
        params: dict[str, int] = {}
        if arbitration_cost is not None:
            params["arbitration_cost"] = arbitration_cost
        if ruling_period is not None:
            params["ruling_period"] = ruling_period
        start = chain.w3.eth.block_number
        deployment = deploy_suite(
            chain, artifacts, params=params, write_manifest=False, reuse=False
        )
        return cls(chain, deployment, artifacts=artifacts, from_block=start, **kwargs)


# keep BPS importable from here for users of the client
__all__ += ["BPS", "ETH", "document_hash"]
