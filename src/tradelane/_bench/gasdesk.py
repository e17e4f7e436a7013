"""The gas desk: deploys the suite for the flows and sends their transactions with plain
web3, recording gas and calldata per labelled step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD

from tradelane._bench.calldata import calldata_gas
from tradelane._client import eip712
from tradelane._client.form import encode_order_form
from tradelane.chain import Chain
from tradelane.compiler import Artifact
from tradelane.deploy import deploy_contract, deploy_suite
from tradelane.types import CheckpointKind, Incoterm, Milestone, Order, Stage, Terms

ETH = to_checksum_address("0x" + "00" * 20)
ETHER = 10**18
USDC_UNIT = 10**6
DAY = 86_400

#: Who plays which part: indices into chain.accounts (tests/conftest.py uses the same).
PARTY_INDEX = {
    "operator": 0,
    "treasury": 1,
    "buyer": 2,
    "seller": 3,
    "carrier": 4,
    "customs": 5,
    "inspector": 6,
    "outsider": 10,
}
ARBITRATOR_INDICES = (7, 8, 9)


def parties_of(chain: Chain) -> dict[str, Any]:
    accounts = chain.accounts
    parties: dict[str, Any] = {name: accounts[i] for name, i in PARTY_INDEX.items()}
    parties["arbitrators"] = [accounts[i] for i in ARBITRATOR_INDICES]
    return parties


def setup_suite(
    chain: Chain, artifacts: Mapping[str, Artifact], parties: Mapping[str, Any]
) -> dict[str, Contract]:
    """Deploy and wire the suite, a 6-decimal stablecoin the buyer has approved, in the very
    order of the contract tests' `suite` fixture (so addresses, hence calldata, match)."""
    dep = deploy_suite(
        chain,
        artifacts,
        admin=parties["operator"],
        treasury=parties["treasury"],
        write_manifest=False,
        reuse=False,
    )
    w3 = chain.w3
    operator = parties["operator"]

    def send(fn: Any, sender: str) -> None:
        receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1

    for member in parties["arbitrators"]:
        send(dep["DisputeArbitration"].functions.registerArbitrator(member), operator)
    tracker = dep["LogisticsTracker"]
    send(
        tracker.functions.grantRole(tracker.functions.CUSTOMS_ROLE().call(), parties["customs"]),
        operator,
    )
    send(
        tracker.functions.grantRole(
            tracker.functions.INSPECTOR_ROLE().call(), parties["inspector"]
        ),
        operator,
    )
    usdc, _ = deploy_contract(
        chain, artifacts["TestStablecoin"], ["USD Coin", "USDC", 6], sender=operator
    )
    for holder in (parties["buyer"], parties["seller"]):
        send(usdc.functions.mint(holder, 1_000_000 * USDC_UNIT), operator)
    send(usdc.functions.approve(dep["TradeEscrow"].address, 2**256 - 1), parties["buyer"])
    return {**dep.contracts, "USDC": usdc}


@dataclass
class GasTrade:
    order: Order
    terms: Terms

    @property
    def id(self) -> bytes:
        return eip712.order_id(self.order, self.terms)

    @property
    def terms_hash(self) -> bytes:
        return eip712.terms_hash(self.terms)

    @property
    def form(self) -> bytes:
        return encode_order_form(self.order, self.terms)


class GasDesk:
    """Sends the flows' transactions with plain web3 and records gas per labelled step."""

    def __init__(self, chain: Chain, contracts: Mapping[str, Contract], parties: Mapping[str, Any]):
        self.chain = chain
        self.w3 = chain.w3
        self.escrow = contracts["TradeEscrow"]
        self.tracker = contracts["LogisticsTracker"]
        self.arbitration = contracts["DisputeArbitration"]
        self.usdc = contracts["USDC"]
        self.p = dict(parties)
        self.gas: dict[str, int] = {}
        self._nonce = 0
        #: (gas, calldata) of each transaction since `begin_run`.
        self.run: list[tuple[int, bytes]] = []
        #: The transactions since `begin_run`, in the order they were sent.
        self.run_hashes: list[Any] = []
        #: Each measured flow's transactions (its last run).
        self.flow_hashes: dict[str, list[Any]] = {}
        #: Each measured flow's calldata, as `run_calldata` gives it.
        self.calldata: dict[str, dict[str, int]] = {}
        #: The transaction of each labelled step (what `tradelane bench gas --profile` traces).
        self.tx_hashes: dict[str, Any] = {}

    def begin_run(self) -> None:
        """Start counting one run of a flow (each flow's last run is the one measured)."""
        self.run = []
        self.run_hashes = []

    def run_calldata(self) -> dict[str, int]:
        """Calldata of the transactions since `begin_run`: bytes, zero bytes, and their gas
        at the EIP-2028 price (16 a byte, 4 a zero byte), what a rollup's data fee follows."""
        return {
            "transactions": len(self.run),
            "bytes": sum(len(data) for _, data in self.run),
            "zero_bytes": sum(data.count(0) for _, data in self.run),
            "gas": sum(calldata_gas(data) for _, data in self.run),
        }

    def trade(
        self,
        *,
        token: str = ETH,
        price: int = ETHER,
        incoterm: str = "FOB",
        milestones: Sequence[tuple[str, int]] = (),
    ) -> GasTrade:
        self._nonce += 1
        nonce = self._nonce
        order = Order(self.p["buyer"], self.p["seller"], to_checksum_address(token), price)
        terms = Terms(
            carrier=self.p["carrier"],
            arbitrator=self.arbitration.address,
            incoterm=Incoterm[incoterm],
            ship_within=7 * DAY,
            deliver_within=40 * DAY,
            inspection_window=3 * DAY,
            valid_until=0,
            nonce=nonce,
            document_hash=keccak(text=f"PO-{nonce}"),
            origin=b"CNSHA",
            destination=b"DEHAM",
            milestones=tuple(Milestone(Stage[s.upper()], bps) for s, bps in milestones),
            arbitrator_extra_data=encode(["address[]"], [[self.p["arbitrators"][0]]]),
            # Every flow names its customs authority and inspector, as a cross-border order does.
            customs=(self.p["customs"],),
            inspectors=(self.p["inspector"],),
        )
        return GasTrade(order, terms)

    def send(self, fn: Any, sender: str, value: int = 0, label: str | None = None) -> Any:
        tx_hash = fn.transact({"from": sender, "value": value})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"{fn.fn_name} reverted in a gas flow")
        self.run.append(
            (int(receipt["gasUsed"]), bytes(self.w3.eth.get_transaction(tx_hash)["input"]))
        )
        self.run_hashes.append(tx_hash)
        if label:
            self.gas[label] = int(receipt["gasUsed"])
            self.tx_hashes[label] = tx_hash
        return receipt

    def quote(self, trade: GasTrade) -> bytes:
        key = self.chain.private_key(trade.order.seller)
        return eip712.sign_quote(
            trade.order, trade.terms, self.chain.chain_id, self.escrow.address, key
        )

    def quote_and_fund(self, trade: GasTrade, label: str | None = None) -> Any:
        fn = self.escrow.functions.fundWithQuote(trade.form, "ipfs://po", self.quote(trade))
        value = trade.order.price if trade.order.token == ETH else 0
        return self.send(fn, trade.order.buyer, value=value, label=label)

    def quote_and_fund_with_permit(self, trade: GasTrade, label: str | None = None) -> Any:
        buyer = trade.order.buyer
        deadline = int(self.w3.eth.get_block("latest")["timestamp"]) + 3_600
        v, r, s = eip712.permit_signature(
            token_name=str(self.usdc.functions.name().call()),
            token=self.usdc.address,
            chain_id=self.chain.chain_id,
            owner=buyer,
            spender=self.escrow.address,
            value=trade.order.price,
            nonce=int(self.usdc.functions.nonces(buyer).call()),
            deadline=deadline,
            key=self.chain.private_key(buyer),
        )
        fn = self.escrow.functions.fundWithQuoteAndPermit(
            trade.form, "ipfs://po", self.quote(trade), (deadline, v, r, s)
        )
        return self.send(fn, buyer, label=label)

    def record(self, trade: GasTrade, kind: str, label: str | None = None) -> Any:
        customs = kind in ("export_cleared", "import_cleared", "hold", "release")
        sender = self.p["customs"] if customs else trade.terms.carrier
        checkpoint = (int(CheckpointKind[kind.upper()]), b"CNSHA", b"\x00" * 32, "")
        fn = self.tracker.functions.record(trade.form, checkpoint)
        return self.send(fn, sender, label=label)

    def confirm(self, trade: GasTrade, label: str | None = None) -> Any:
        fn = self.escrow.functions.confirm(trade.order.as_tuple(), trade.terms_hash)
        return self.send(fn, trade.order.buyer, label=label)

    def settle(self, trade: GasTrade, label: str | None = None) -> Any:
        fn = self.escrow.functions.settle(trade.form)
        return self.send(fn, self.p["outsider"], label=label)

    def cost(self, trade: GasTrade) -> int:
        extra = trade.terms.arbitrator_extra_data
        return int(self.arbitration.functions.arbitrationCost(extra).call())

    def dispute(self, trade: GasTrade, label: str | None = None) -> Any:
        fn = self.escrow.functions.dispute(trade.form, "")
        return self.send(fn, trade.order.buyer, value=self.cost(trade), label=label)

    def pay_fee(self, trade: GasTrade, label: str | None = None) -> int:
        fn = self.escrow.functions.payArbitrationFee(trade.form)
        receipt = self.send(fn, trade.order.seller, value=self.cost(trade), label=label)
        (event,) = self.escrow.events.DisputeCreated().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["disputeId"])

    def vote(self, dispute_id: int, member: str, buyer_share_bps: int, label: str | None) -> Any:
        fn = self.arbitration.functions.vote(dispute_id, buyer_share_bps + 1)
        return self.send(fn, member, label=label)


__all__ = [
    "ARBITRATOR_INDICES",
    "DAY",
    "ETH",
    "ETHER",
    "PARTY_INDEX",
    "USDC_UNIT",
    "GasDesk",
    "GasTrade",
    "parties_of",
    "setup_suite",
]
