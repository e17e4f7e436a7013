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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract
from web3.logs import DISCARD

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


def calldata_gas(data: bytes) -> int:
    """Calldata at the EIP-2028 price: 4 a zero byte, 16 any other."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


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
        #: Each measured flow's calldata, as `run_calldata` gives it.
        self.calldata: dict[str, dict[str, int]] = {}
        #: The transaction of each labelled step (what `tradelane bench gas --profile` traces).
        self.tx_hashes: dict[str, Any] = {}

    def begin_run(self) -> None:
        """Start counting one run of a flow (each flow's last run is the one measured)."""
        self.run = []

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


def _labeller(run: int, fmt: str) -> Callable[[str], str | None]:
    return (lambda s: fmt.format(s)) if run else (lambda s: None)


def _happy(desk: GasDesk, token: str, price: int, tag: str) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(token=token, price=price)
        label = _labeller(run, "{}_" + tag)
        total = desk.quote_and_fund(trade, label=label("fund_with_quote"))["gasUsed"]
        total += desk.confirm(trade, label=label("confirm"))["gasUsed"]
    return int(total)


def _happy_permit(desk: GasDesk, price: int) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(token=desk.usdc.address, price=price)
        label = _labeller(run, "{}_erc20")
        total = desk.quote_and_fund_with_permit(trade, label=label("fund_with_quote_and_permit"))[
            "gasUsed"
        ]
        total += desk.confirm(trade, label=label("confirm_after_permit"))["gasUsed"]
    return int(total)


def _disputed_eth(desk: GasDesk) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.dispute(trade, label=label("dispute"))["gasUsed"]
        dispute_id = desk.pay_fee(trade, label=label("pay_arbitration_fee"))
        if run:
            total += desk.gas["pay_arbitration_fee_eth"]
        member = desk.p["arbitrators"][0]
        total += desk.vote(dispute_id, member, 4000, label=label("vote_deciding"))["gasUsed"]
    return int(total)


def _full_cross_border(desk: GasDesk) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER, incoterm="CIF", milestones=[("export_cleared", 3000)])
        label = _labeller(run, "checkpoint_{}")
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.record(trade, "picked_up", label=label("picked_up"))["gasUsed"]
        total += desk.record(trade, "export_cleared", label=label("export_cleared_milestone"))[
            "gasUsed"
        ]
        total += desk.record(trade, "import_cleared", label=label("import_cleared"))["gasUsed"]
        total += desk.record(trade, "delivered", label=label("delivered"))["gasUsed"]
        desk.chain.time_travel(3 * DAY + 1)
        total += desk.settle(trade, label="settle_eth" if run else None)["gasUsed"]
    return int(total)


def _settled_eth(desk: GasDesk) -> int:
    """Fund, the seller proposes 20% back, the buyer accepts: resolved without a court."""
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        o, h = trade.order.as_tuple(), trade.terms_hash
        total = desk.quote_and_fund(trade)["gasUsed"]
        fns = desk.escrow.functions
        total += desk.send(
            fns.proposeSettlement(o, h, 2000), trade.order.seller, label=label("propose_settlement")
        )["gasUsed"]
        total += desk.send(
            fns.acceptSettlement(o, h, 2000), trade.order.buyer, label=label("accept_settlement")
        )["gasUsed"]
    return int(total)


def _goodwill_refund_eth(desk: GasDesk) -> int:
    """Fund, the seller refunds 5% of goodwill, the buyer confirms."""
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        o, h = trade.order.as_tuple(), trade.terms_hash
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.send(
            desk.escrow.functions.reimburse(o, h, 500), trade.order.seller, label=label("reimburse")
        )["gasUsed"]
        total += desk.confirm(trade, label=label("confirm_after_refund"))["gasUsed"]
    return int(total)


def _flow(desk: GasDesk, name: str, flow: Callable[..., int], *args: Any) -> int:
    """Run one flow; note its last run's calldata, and check that its gas is that run's."""
    gas = flow(desk, *args)
    sent = sum(g for g, _ in desk.run)
    if sent != gas:
        raise RuntimeError(f"flow {name} counts {gas} gas but its last run sent {sent}")
    desk.calldata[name] = desk.run_calldata()
    return gas


def measure(desk: GasDesk) -> dict[str, dict[str, int]]:
    """The snapshot's figures (leaves the fee at 1%): {"steps": gas, "flows": gas,
    "calldata": bytes of each flow's transactions}; `desk.calldata` has the detail."""
    usdc = desk.usdc.address
    flows = {
        "happy_eth": _flow(desk, "happy_eth", _happy, ETH, ETHER, "eth"),
        "happy_erc20": _flow(desk, "happy_erc20", _happy, usdc, 12_000 * USDC_UNIT, "erc20"),
        "disputed_eth": _flow(desk, "disputed_eth", _disputed_eth),
        "full_cross_border": _flow(desk, "full_cross_border", _full_cross_border),
        "settled_eth": _flow(desk, "settled_eth", _settled_eth),
        "goodwill_refund_eth": _flow(desk, "goodwill_refund_eth", _goodwill_refund_eth),
    }
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])
    flows["happy_eth_fee"] = _flow(desk, "happy_eth_fee", _happy, ETH, ETHER, "eth_fee")
    calldata = {name: desk.calldata[name]["bytes"] for name in flows}
    return {"steps": dict(sorted(desk.gas.items())), "flows": flows, "calldata": calldata}


def measure_extras(desk: GasDesk) -> dict[str, dict[str, int]]:
    """Figures beside the snapshot, measured after it: the EIP-2612 permit path
    (fundWithQuoteAndPermit from a buyer with no standing allowance), with no fee, like
    happy_erc20.

    Revokes the buyer's standing allowance first, so run it after `measure`."""
    desk.send(desk.usdc.functions.approve(desk.escrow.address, 0), desk.p["buyer"])
    desk.send(desk.escrow.functions.setFee(0), desk.p["operator"])
    before = set(desk.gas)
    flows = {
        "happy_erc20_permit": _flow(desk, "happy_erc20_permit", _happy_permit, 12_000 * USDC_UNIT)
    }
    steps = {k: v for k, v in desk.gas.items() if k not in before}
    calldata = {name: desk.calldata[name]["bytes"] for name in flows}
    return {"steps": dict(sorted(steps.items())), "flows": flows, "calldata": calldata}


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
