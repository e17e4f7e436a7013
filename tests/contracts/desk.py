"""A test desk for the contract suite: builds orders, signs quotes and checkpoints, sends
transactions and decodes reverts into the Solidity custom error's name and fields.

Deliberately small and independent of the toolkit's client, so contract tests exercise the
contracts' ABI directly.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_tester.exceptions import TransactionFailed
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from tradelane._client import eip712
from tradelane._client.eip712 import ORDER_TYPES as EIP712_TYPES
from tradelane._client.form import pack_order_form
from tradelane.chain import Chain

ETH = "0x" + "00" * 20
DAY = 86_400
BPS = 10_000

INCOTERMS = ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"]
STAGES = [
    "none",
    "booked",
    "picked_up",
    "export_cleared",
    "loaded",
    "departed",
    "arrived",
    "unloaded",
    "import_cleared",
    "out_for_delivery",
    "delivered",
]
KINDS = [*STAGES, "exception", "hold", "release", "inspection_passed", "inspection_failed"]
STATUSES = [
    "none",
    "created",
    "accepted",
    "funded",
    "in_transit",
    "delivered",
    "disputed",
    "completed",
    "refunded",
    "resolved",
    "cancelled",
]


class Reverted(AssertionError):
    """A transaction or call reverted; `name` and `args` are the decoded custom error."""

    def __init__(self, name: str, args: tuple[Any, ...], data: str) -> None:
        super().__init__(f"{name}{args}")
        self.name = name
        self.args_ = args
        self.data = data


def error_table(contracts: Sequence[Contract]) -> dict[bytes, tuple[str, list[str]]]:
    """Selector -> (error name, input types) over the ABIs of `contracts`."""
    table: dict[bytes, tuple[str, list[str]]] = {}
    for c in contracts:
        for item in c.abi:
            if item["type"] != "error":
                continue
            types = [_abi_type(i) for i in item["inputs"]]
            sig = f"{item['name']}({','.join(types)})"
            table[function_signature_to_4byte_selector(sig)] = (item["name"], types)
    return table


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


def _revert_data(exc: BaseException) -> str:
    # web3's eth-tester provider decodes any revert as Error(string) and can fail doing so
    # (OverflowError on some custom errors); the raw bytes are then on the exception it handled.
    seen: BaseException | None = exc
    while seen is not None:
        for arg in seen.args:
            inner = arg.args[0] if isinstance(arg, Exception) and arg.args else arg
            if isinstance(inner, bytes | bytearray) and len(inner) >= 4:
                return "0x" + bytes(inner).hex()
        seen = seen.__context__
    text = str(exc.args[0]) if exc.args else ""
    if "execution reverted: b" in text:  # eth-tester: the raw revert bytes, as their repr
        raw = ast.literal_eval(text.split("execution reverted: ", 1)[1])
        return "0x" + bytes(raw).hex()
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if not data and len(exc.args) > 1:
        data = exc.args[1]
    return data if isinstance(data, str) else ""


class OrderHead:
    """Reads an order's Solidity head, the tuple `order`, by field name."""

    order: tuple[Any, ...]

    @property
    def buyer(self) -> str:
        return str(self.order[0])

    @property
    def seller(self) -> str:
        return str(self.order[1])

    @property
    def token(self) -> str:
        return str(self.order[2])

    @property
    def price(self) -> int:
        return int(self.order[3])


@dataclass
class Trade(OrderHead):
    """One order: its Solidity head and terms, and their hashes."""

    order: tuple[Any, ...]
    terms: tuple[Any, ...]
    terms_hash: bytes
    id: bytes
    desk: Desk = field(repr=False)

    @property
    def carrier(self) -> str:
        return str(self.terms[0])

    @property
    def form(self) -> bytes:
        """The order form (order and terms in one `bytes` argument), packed as the tuples are."""
        return pack_order_form(self.order, self.terms)

    def state(self) -> dict[str, Any]:
        raw = self.desk.escrow.functions.orderState(self.id).call()
        keys = [
            "status",
            "stage",
            "clearance",
            "on_hold",
            "delivered_on_time",
            "picked_up_late",
            "buyer_opened_dispute",
            "with_arbitrator",
            "fee_bps",
            "released_bps",
            "funded_at",
            "delivered_at",
            "dispute_deadline",
            "dispute_deposit",
        ]
        state = dict(zip(keys, raw, strict=True))
        state["status"] = STATUSES[state["status"]]
        state["stage"] = STAGES[state["stage"]]
        state["clearance"] = STAGES[state["clearance"]]
        return state

    def status(self) -> str:
        return str(self.state()["status"])

    def typed_data(self) -> dict[str, Any]:
        t = self.terms
        return {
            "types": EIP712_TYPES,
            "primaryType": "Order",
            "domain": {
                "name": "Tradelane TradeEscrow",
                "version": "1",
                "chainId": self.desk.chain.chain_id,
                "verifyingContract": self.desk.escrow.address,
            },
            "message": {
                "buyer": self.order[0],
                "seller": self.order[1],
                "token": self.order[2],
                "price": self.order[3],
                "terms": {
                    "carrier": t[0],
                    "arbitrator": t[1],
                    "incoterm": t[2],
                    "shipWithin": t[3],
                    "deliverWithin": t[4],
                    "inspectionWindow": t[5],
                    "validUntil": t[6],
                    "nonce": t[7],
                    "documentHash": t[8],
                    "origin": t[9],
                    "destination": t[10],
                    "maxFeeBps": t[11],
                    "rulingTimeout": t[12],
                    "milestones": [{"stage": s, "bps": b} for s, b in t[13]],
                    "arbitratorExtraData": t[14],
                    "customs": list(t[15]),
                    "inspectors": list(t[16]),
                },
            },
        }

    def quote(self, signer: str | None = None) -> bytes:
        """The seller's (or `signer`'s) EIP-712 signature over the order."""
        key = self.desk.chain.private_key(signer or self.seller)
        return bytes(
            Account.sign_message(encode_typed_data(full_message=self.typed_data()), key).signature
        )

    def checkpoint(
        self, kind: str, location: str = "CNSHA", document: str = "", uri: str = ""
    ) -> tuple:
        doc = keccak(text=document) if document else b"\x00" * 32
        return (KINDS.index(kind), location.encode().ljust(5, b"\x00")[:5], doc, uri)

    def sign_checkpoint(
        self,
        signer: str,
        cp: tuple,
        deadline: int,
        nonce: int = 0,
        *,
        chain_id: int | None = None,
        tracker: str | None = None,
    ) -> bytes:
        """`signer`'s EIP-712 signature of checkpoint `cp` for this order, for the desk's
        tracker on its chain unless `chain_id` or `tracker` say otherwise."""
        return eip712.sign_checkpoint(
            self.desk.chain.private_key(signer),
            self.id,
            *cp,
            deadline,
            nonce,
            self.desk.chain.chain_id if chain_id is None else chain_id,
            tracker or self.desk.tracker.address,
        )


class Desk:
    """Drives the deployed suite on behalf of the parties."""

    def __init__(self, chain: Chain, suite: Any, parties: dict[str, Any]) -> None:
        self.chain = chain
        self.w3: Web3 = chain.w3
        self.suite = suite
        self.escrow: Contract = suite["TradeEscrow"]
        self.tracker: Contract = suite["LogisticsTracker"]
        self.arbitration: Contract = suite["DisputeArbitration"]
        self.usdc: Contract = suite["USDC"]
        self.p = parties
        self._nonce = 0
        self.errors = error_table([suite[name] for name in suite])
        self.gas: dict[str, int] = {}

    # -------------------------------------------------------------- orders
    def trade(
        self,
        *,
        token: str = ETH,
        price: int = 10**18,
        incoterm: str = "FOB",
        ship_within: int = 7 * DAY,
        deliver_within: int = 40 * DAY,
        inspection: int = 3 * DAY,
        milestones: Sequence[tuple[str, int]] = (),
        panel: Sequence[str] | None = None,
        buyer: str | None = None,
        seller: str | None = None,
        carrier: str | None = None,
        valid_until: int = 0,
        arbitrator: str | None = None,
        nonce: int | None = None,
        origin: str = "CNSHA",
        destination: str = "DEHAM",
        customs: Sequence[str] | None = None,
        inspectors: Sequence[str] | None = None,
        max_fee_bps: int = 200,
        ruling_timeout: int = 0,
    ) -> Trade:
        if nonce is None:
            self._nonce += 1
            nonce = self._nonce
        panel = list(panel) if panel is not None else [self.p["arbitrators"][0]]
        order = (buyer or self.p["buyer"], seller or self.p["seller"], token, price)
        terms = (
            carrier or self.p["carrier"],
            arbitrator or self.arbitration.address,
            INCOTERMS.index(incoterm) if isinstance(incoterm, str) else incoterm,
            ship_within,
            deliver_within,
            inspection,
            valid_until,
            nonce,
            keccak(text=f"PO-{nonce}"),
            origin.encode(),
            destination.encode(),
            max_fee_bps,
            ruling_timeout,
            [(STAGES.index(s), bps) for s, bps in milestones],
            encode(["address[]"], [panel]),
            list(customs) if customs is not None else [self.p["customs"]],
            list(inspectors) if inspectors is not None else [self.p["inspector"]],
        )
        terms_hash = self.escrow.functions.hashTerms(terms).call()
        oid = self.escrow.functions.orderId(order, terms_hash).call()
        return Trade(order, terms, terms_hash, oid, self)

    # -------------------------------------------------------------- transactions
    def send(self, fn: Any, sender: str, value: int = 0, label: str | None = None) -> Any:
        try:
            tx_hash = fn.transact({"from": sender, "value": value})
        except (ContractCustomError, ContractLogicError, TransactionFailed, OverflowError) as exc:
            raise self._decode(exc) from exc
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"{fn.fn_name} failed without a reason"
        if label:
            self.gas[label] = int(receipt["gasUsed"])
        return receipt

    def reverts(self, error: str, fn: Any, sender: str, value: int = 0) -> tuple[Any, ...]:
        """Asserts the transaction reverts with custom error `error`; returns its fields."""
        try:
            self.send(fn, sender, value)
        except Reverted as exc:
            assert exc.name == error, f"expected {error}, got {exc.name}{exc.args_}"
            return exc.args_
        raise AssertionError(f"expected {error}, but {fn.fn_name} succeeded")

    def _decode(self, exc: BaseException) -> Reverted:
        data = _revert_data(exc)
        raw = bytes.fromhex(data[2:]) if data.startswith("0x") else b""
        if len(raw) >= 4 and raw[:4] in self.errors:
            name, types = self.errors[raw[:4]]
            from eth_abi import decode

            values = tuple(
                to_checksum_address(v) if t == "address" else v
                for t, v in zip(types, decode(types, raw[4:]), strict=True)
            )
            return Reverted(name, values, data)
        return Reverted(f"<undecoded {data or exc}>", (), data)

    # -------------------------------------------------------------- steps
    def quote_and_fund(self, trade: Trade, label: str | None = None) -> Any:
        if trade.token == ETH:
            return self.send(
                self.escrow.functions.fundWithQuote(trade.form, "ipfs://po", trade.quote()),
                trade.buyer,
                value=trade.price,
                label=label,
            )
        return self.send(
            self.escrow.functions.fundWithQuote(trade.form, "ipfs://po", trade.quote()),
            trade.buyer,
            label=label,
        )

    def record(
        self, trade: Trade, kind: str, by: str | None = None, label: str | None = None, **kw: Any
    ) -> Any:
        sender = by or (
            self.p["customs"]
            if kind in ("export_cleared", "import_cleared", "hold", "release")
            else trade.carrier
        )
        return self.send(
            self.tracker.functions.record(trade.form, trade.checkpoint(kind, **kw)),
            sender,
            label=label,
        )

    def confirm(self, trade: Trade, label: str | None = None) -> Any:
        return self.send(
            self.escrow.functions.confirm(trade.order, trade.terms_hash), trade.buyer, label=label
        )

    def settle(self, trade: Trade, by: str | None = None, label: str | None = None) -> Any:
        return self.send(
            self.escrow.functions.settle(trade.form),
            by or self.p["outsider"],
            label=label,
        )

    def cost(self) -> int:
        panel = encode(["address[]"], [[self.p["arbitrators"][0]]])
        return int(self.arbitration.functions.arbitrationCost(panel).call())

    def dispute(
        self, trade: Trade, by: str | None = None, evidence: str = "", label: str | None = None
    ) -> Any:
        return self.send(
            self.escrow.functions.dispute(trade.form, evidence),
            by or trade.buyer,
            value=self.cost(),
            label=label,
        )

    def pay_fee(self, trade: Trade, by: str | None = None, label: str | None = None) -> int:
        receipt = self.send(
            self.escrow.functions.payArbitrationFee(trade.form),
            by or trade.seller,
            value=self.cost(),
            label=label,
        )
        (event,) = self.escrow.events.DisputeCreated().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["disputeId"])

    def vote(
        self, dispute_id: int, member: str, buyer_share_bps: int, label: str | None = None
    ) -> Any:
        return self.send(
            self.arbitration.functions.vote(dispute_id, buyer_share_bps + 1), member, label=label
        )

    # -------------------------------------------------------------- money
    def reputation(self, account: str, token: str = ETH) -> dict[str, int]:
        """`account`'s track record in `token`, by field."""
        names = ("completed", "opened", "won", "lost", "on_time", "volume", "settled", "refunded")
        record = self.escrow.functions.reputation(account, token).call()
        return dict(zip(names, record, strict=True))

    def balance(self, account: str, token: str = ETH) -> int:
        if token == ETH:
            return int(self.w3.eth.get_balance(account))
        return int(
            self.w3.eth.contract(address=token, abi=self.usdc.abi)
            .functions.balanceOf(account)
            .call()
        )

    def owed(self, account: str, token: str = ETH) -> int:
        return int(self.escrow.functions.owed(account, token).call())

    def events(self, receipt: Any, contract: Contract, name: str) -> list[dict[str, Any]]:
        event = getattr(contract.events, name)()
        return [dict(e["args"]) for e in event.process_receipt(receipt, errors=DISCARD)]

    def time_travel(self, seconds: int) -> None:
        self.chain.time_travel(seconds)

    def at(self, timestamp: int) -> None:
        """The next transaction (and the call a revert check makes first) runs at `timestamp`.

        eth-tester runs a transaction a second after the head block, so the head is mined a
        second before. Anvil estimates (and so reverts) at the head's time: the head is mined
        at `timestamp` and the next block is told to keep it."""
        if self.chain.tester is not None:
            if (ahead := timestamp - 1 - self.chain.now()) != 0:  # 0: a revert mined nothing
                self.chain.time_travel(ahead)
            return
        rpc = self.w3.provider.make_request  # type: ignore[union-attr]
        rpc("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
        rpc("evm_mine", [])  # type: ignore[arg-type]
        rpc("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
