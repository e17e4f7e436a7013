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

import dataclasses
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_typing import ChecksumAddress, HexStr
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from tradelane._client import eip712
from tradelane._client.events import EventDecoder
from tradelane._client.pipeline import Pipeline, await_receipts, batched
from tradelane._client.registration import unpack_registration
from tradelane._client.reverts import (
    ContractRevert,
    ErrorDecoder,
    UnknownRevert,
    error_class,
    revert_data,
)
from tradelane._client.timeline import mark_late, timeline_entry
from tradelane._client.tokens import ETH, Token
from tradelane._client.views import Views, encode_call
from tradelane.amounts import Amount, format_units, parse_amount, parse_bps, parse_duration
from tradelane.chain import Chain
from tradelane.compiler import Artifact, compile_contracts
from tradelane.deploy import Deployment, deploy_contract, deploy_suite
from tradelane.errors import ChainError, TradelaneError, UnsafeTerms
from tradelane.standards.locode import parse_locode
from tradelane.types import (
    BPS,
    CheckpointKind,
    DecodedEvent,
    Incoterm,
    Milestone,
    Order,
    OrderMoney,
    OrderState,
    OrderView,
    Quote,
    Reputation,
    Stage,
    Status,
    Terms,
    TimelineEntry,
    Trade,
    TxResult,
    status_mask,
)

__all__ = [
    "ContractRevert",
    "Quote",
    "Token",
    "TradeClient",
    "UnknownRevert",
    "error_class",
]

CUSTOMS_ROLE = keccak(text="CUSTOMS_ROLE")
INSPECTOR_ROLE = keccak(text="INSPECTOR_ROLE")
GAS_MARGIN = 1.25  # on top of eth_estimateGas: payouts check gasleft() headroom
PRIORITY_FEE = 10**9
LOG_CHUNK_BLOCKS = 10_000  # the range many public nodes allow one eth_getLogs
BLOCK_REUSE_SECONDS = 6.0  # a block this recent still prices a transaction (maxFee: 2x base)

_ACTIVE = (Status.FUNDED, Status.IN_TRANSIT, Status.DELIVERED)


def _hex_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return bytes.fromhex(data.removeprefix("0x"))
        except ValueError:
            raise TradelaneError(f"arbitrator extra data is not hex: {data!r}") from None
    return bytes(data)


def kleros_extra_data(subcourt: int, min_jurors: int) -> bytes:
    """Kleros' arbitrator extra data: abi.encode(uint256 subcourtID, uint256 minJurors)."""
    if subcourt < 0 or min_jurors < 1:
        raise TradelaneError("a Kleros court needs a subcourt id >= 0 and at least one juror")
    return abi_encode(["uint256", "uint256"], [subcourt, min_jurors])


def __getattr__(name: str) -> type[ContractRevert]:
    """`from tradelane.client import OrderUnauthorized`: the exception class of any error."""
    if name[:1].isupper():
        return error_class(name)
    raise AttributeError(name)


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _location(text: str | bytes | None) -> bytes:
    if not text:
        return b"\x00" * 5
    raw = text if isinstance(text, bytes) else text.strip().upper().replace(" ", "").encode()
    if len(raw) != 5:
        raise ValueError(f"a location is a five-letter UN/LOCODE such as CNSHA, not {text!r}")
    return raw


def document_hash(document: str | bytes | None) -> bytes:
    """A document as 32 bytes: a 0x-hex hash as is, text (`BL-0042`) by its keccak."""
    if document is None or document == "" or document == b"":
        return b"\x00" * 32
    if isinstance(document, bytes):
        return document if len(document) == 32 else keccak(document)
    if document.startswith("0x") and len(document) == 66:
        return bytes.fromhex(document[2:])
    return keccak(text=document)


class TradeClient:
    """Typed calls for every step of a trade on one deployed suite."""

    #: Blocks per eth_getLogs request when reading an order's events.
    log_chunk: int = LOG_CHUNK_BLOCKS

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
        self.w3: Web3 = chain.w3
        self.deployment = deployment
        self.artifacts = dict(artifacts) if artifacts is not None else compile_contracts()
        self.escrow: Contract = deployment["TradeEscrow"]
        self.tracker: Contract = deployment["LogisticsTracker"]
        self.arbitration: Contract = deployment["DisputeArbitration"]
        self.operator: ChecksumAddress = deployment.admin
        self.preflight = preflight
        self.from_block = from_block
        self.chain_id = chain.chain_id
        self.errors = ErrorDecoder({n: a.abi for n, a in self.artifacts.items()})
        self.events = EventDecoder(self.w3)
        for name in ("TradeEscrow", "LogisticsTracker", "DisputeArbitration"):
            self.events.add(name, deployment[name].address, deployment[name].abi)
        self.tokens: dict[str, Token] = {"ETH": ETH}
        self.keys: dict[ChecksumAddress, str] = {}
        self.names: dict[ChecksumAddress, str] = {
            deployment.admin: "operator",
            deployment.treasury: "treasury",
        }
        self.trades: dict[bytes, Trade] = {}
        self._nonces: dict[ChecksumAddress, int] = {}
        # Signed checkpoints carry each signer's next nonce for the order (a sequence).
        self._next_checkpoint_nonce: dict[tuple[ChecksumAddress, bytes], int] = {}
        self._pipeline: Pipeline | None = None
        # Contract accounts (test doubles that refuse ETH): address -> (owner, contract).
        self._proxies: dict[ChecksumAddress, tuple[ChecksumAddress, Contract]] = {}
        self._block: tuple[float, Any] = (0.0, None)  # (when, block) for gas limit and fees
        self._has_code: dict[str, bool] = {}  # arbitrators seen by the preflight checks
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

    # ------------------------------------------------------------------ accounts

    def name_of(self, address: str | None) -> str:
        if not address:
            return ""
        address = to_checksum_address(address)
        return self.names.get(address, address[:10] + "…")

    def add_key(self, key: str, name: str | None = None) -> ChecksumAddress:
        """Sign this account's transactions locally from now on."""
        address = to_checksum_address(Account.from_key(key).address)
        self.keys[address] = key
        if name:
            self.names[address] = name
        return address

    def new_account(
        self, name: str, *, eth: str | int | Decimal = 100, seed: str = ""
    ) -> ChecksumAddress:
        """A fresh account, funded with `eth` ether by the operator, its key held by the client."""
        salt = seed or os.urandom(16).hex()
        key = _hex(keccak(text=f"tradelane:{salt}:{name}"))
        address = self.add_key(key, name)
        amount = ETH.units(parse_amount(eth) if not isinstance(eth, Amount) else eth)
        if amount:
            self.send_eth(self.operator, address, amount)
        return address

    def add_contract_account(
        self, name: str, *, owner: str, kind: str = "RevertingReceiver"
    ) -> ChecksumAddress:
        """A party that is a contract refusing ETH payments (a test double, `kind`), owned by
        `owner`: its transactions go through `act(target, data)`, sent by the owner. Pushed
        ETH payouts to it fail and are credited for withdrawal instead."""
        owner = to_checksum_address(owner)
        artifact = self.artifacts[kind]
        tx: dict[str, Any] = {"from": owner, "value": 0, "data": artifact.bytecode}
        result = self._submit(f"deploy {kind}", tx, owner)
        receipt = self.w3.eth.get_transaction_receipt(HexStr(result.tx_hash))
        address = to_checksum_address(str(receipt["contractAddress"]))
        contract = self.w3.eth.contract(address=address, abi=artifact.abi)
        self._proxies[address] = (owner, contract)
        self.events.add(kind, address, artifact.abi)
        self.names[address] = name
        self.names.setdefault(owner, f"{name} (owner)")
        return address

    def private_key(self, address: str) -> str:
        address = to_checksum_address(address)
        if address in self.keys:
            return self.keys[address]
        return self.chain.private_key(address)

    # ------------------------------------------------------------------ tokens and amounts

    def token(self, ref: str | Token | None) -> Token:
        """A token by symbol or address (None or "ETH": ether)."""
        if ref is None:
            return ETH
        if isinstance(ref, Token):
            return ref
        if ref.upper() in self.tokens:
            return self.tokens[ref.upper()]
        if ref.startswith("0x"):
            address = to_checksum_address(ref)
            for token in self.tokens.values():
                if token.address == address:
                    return token
            return self._load_token(address)
        raise ValueError(f"unknown token {ref!r}; known: {', '.join(self.tokens)}")

    def _load_token(self, address: ChecksumAddress) -> Token:
        contract = self._erc20(address)
        try:
            symbol = str(contract.functions.symbol().call())
            decimals = int(contract.functions.decimals().call())
        except Exception as exc:
            raise ValueError(f"{address} does not look like an ERC-20 token: {exc}") from None
        return self.register_token(Token(symbol.upper(), address, decimals, symbol))

    def register_token(self, token: Token) -> Token:
        self.tokens[token.symbol] = token
        self.names.setdefault(token.address, token.symbol)
        self.events.add(token.symbol, token.address, self.artifacts["TestStablecoin"].abi)
        return token

    def _erc20(self, address: str) -> Contract:
        return self.w3.eth.contract(
            address=to_checksum_address(address), abi=self.artifacts["TestStablecoin"].abi
        )

    def amount(self, text: str | Amount, token: str | Token | None = None) -> tuple[Token, int]:
        """`"12000 USDC"` -> (USDC, 12000000000)."""
        parsed = text if isinstance(text, Amount) else parse_amount(text)
        tok = self.token(parsed.symbol or token)
        return tok, tok.units(parsed)

    def deploy_token(self, symbol: str, decimals: int = 6, name: str | None = None) -> Token:
        """Deploy a TestStablecoin (open mint, EIP-2612 permit) for tests and scenarios."""
        contract, _ = deploy_contract(
            self.chain,
            self.artifacts["TestStablecoin"],
            [name or symbol, symbol, decimals],
            sender=self.operator,
        )
        return self.register_token(
            Token(symbol.upper(), contract.address, decimals, name or symbol)
        )

    def mint(self, token: str | Token, to: str, amount: int | str) -> TxResult:
        tok = self.token(token)
        units = amount if isinstance(amount, int) else tok.units(amount)
        return self._send("mint", self._erc20(tok.address).functions.mint(to, units), self.operator)

    def approve(
        self, token: str | Token, owner: str, amount: int, spender: str | None = None
    ) -> TxResult:
        tok = self.token(token)
        fn = self._erc20(tok.address).functions.approve(spender or self.escrow.address, amount)
        return self._send("approve", fn, owner)

    def balance(self, account: str, token: str | Token | None = None) -> int:
        tok = self.token(token)
        if tok.is_eth:
            return int(self.w3.eth.get_balance(to_checksum_address(account)))
        return int(self._erc20(tok.address).functions.balanceOf(account).call())

    def send_eth(self, sender: str, to: str, amount: int) -> TxResult:
        tx: dict[str, Any] = {
            "from": to_checksum_address(sender),
            "to": to_checksum_address(to),
            "value": amount,
        }
        return self._submit("transfer", tx, to_checksum_address(sender))

    # ------------------------------------------------------------------ orders

    def new_trade(
        self,
        *,
        buyer: str,
        seller: str,
        carrier: str,
        price: str | int | Amount,
        token: str | Token | None = None,
        incoterm: str | Incoterm = Incoterm.FOB,
        ship_within: str | int = "7d",
        deliver_within: str | int = "30d",
        inspection: str | int = "3d",
        milestones: Mapping[str | Stage, str | int] | Sequence[Milestone] | None = None,
        panel: Sequence[str] | None = None,
        arbitrator: str | None = None,
        valid_until: int = 0,
        nonce: int | None = None,
        document: str | bytes | None = None,
        terms_uri: str = "",
        origin: str | bytes | None = None,
        destination: str | bytes | None = None,
        customs: Sequence[str] | None = None,
        inspectors: Sequence[str] | None = None,
        max_fee: str | int | None = None,
        ruling_timeout: str | int = 0,
        arbitrator_extra_data: bytes | str | None = None,
    ) -> Trade:
        """Build an order and its terms (nothing is sent). Prices may be `"12000 USDC"`;
        `origin` and `destination` are the route's UN/LOCODEs (port of loading and port of
        discharge, or the named places), signed with the rest of the terms.

        `customs` and `inspectors` name the only accounts that may clear, hold and inspect this
        order (default: the operator's accredited ones, `accredited()`); `max_fee` is the highest
        platform fee the seller accepts (default: the fee in force now); `ruling_timeout` is how
        long the arbitrator has to rule before anyone may end the dispute with an even split
        (default 0: 180 days; else 30d to 730d). `arbitrator_extra_data`, when given (bytes or
        0x-hex), goes to the arbitrator verbatim instead of the panel list (for a Kleros court:
        `kleros_extra_data(subcourt, min_jurors)`)."""
        if isinstance(price, int):
            tok, units = self.token(token), price
        else:
            tok, units = self.amount(price, token)
        ms: list[Milestone] = []
        if isinstance(milestones, Mapping):
            for stage, share in milestones.items():
                ms.append(Milestone(Stage.parse(stage), parse_bps(share)))
        elif milestones:
            ms = list(milestones)
        ms.sort(key=lambda m: int(m.stage))
        order = Order(to_checksum_address(buyer), to_checksum_address(seller), tok.address, units)
        if customs is None:
            customs = self.accredited("customs")
        if inspectors is None:
            inspectors = self.accredited("inspector")
        fee_cap = self.fee_bps() if max_fee is None else _bps(max_fee)
        terms = Terms(
            carrier=to_checksum_address(carrier),
            arbitrator=to_checksum_address(arbitrator or self.arbitration.address),
            incoterm=Incoterm.parse(incoterm),
            ship_within=parse_duration(ship_within),
            deliver_within=parse_duration(deliver_within),
            inspection_window=parse_duration(inspection),
            valid_until=valid_until,
            nonce=nonce if nonce is not None else int.from_bytes(os.urandom(16), "big"),
            document_hash=document_hash(document),
            origin=parse_locode(origin, "the origin"),
            destination=parse_locode(destination, "the destination"),
            max_fee_bps=fee_cap,
            ruling_timeout=parse_duration(ruling_timeout) if ruling_timeout else 0,
            milestones=tuple(ms),
            # Extra data given: verbatim. No panel named: empty extra data, which
            # DisputeArbitration reads as the deployment's default panel (ERC-792's usual
            # form); the preflight refuses it if none is set. A list (even an empty one) is
            # sent as that panel.
            arbitrator_extra_data=(
                _hex_bytes(arbitrator_extra_data)
                if arbitrator_extra_data is not None
                else b""
                if panel is None
                else abi_encode(["address[]"], [[to_checksum_address(p) for p in panel]])
            ),
            customs=tuple(to_checksum_address(a) for a in customs),
            inspectors=tuple(to_checksum_address(a) for a in inspectors),
        )
        return self._trade(order, terms, terms_uri)

    def accredited(self, role: str) -> list[ChecksumAddress]:
        """The accounts the operator accredits as `"customs"` or `"inspector"`: what new_trade
        names by default. An order's own list decides who may record on it."""
        role_id = {"customs": CUSTOMS_ROLE, "inspector": INSPECTOR_ROLE}[role]
        members = self._views.call(self.tracker, "accredited", role_id)
        return [to_checksum_address(m) for m in members]

    def fee_bps(self) -> int:
        """The platform fee in force for orders registered now (basis points)."""
        return int(self._views.call(self.escrow, "feeBps"))

    def refund_due(self, trade: Trade) -> bool:
        """Whether the buyer's refund is due now (a missed ship-by, or deliver-by under D-terms)."""
        fn = self.escrow.functions.refundDue(trade.form)
        return bool(fn.call())

    def with_terms(self, trade: Trade, **changes: Any) -> Trade:
        """The same order with some terms changed (a new id and terms hash): e.g.
        `with_terms(trade, max_fee_bps=50)`. Nothing is sent; the seller signs the result."""
        try:
            terms = dataclasses.replace(trade.terms, **changes)
        except TypeError as exc:
            raise TradelaneError(f"unknown term in {sorted(changes)}: {exc}") from None
        return self._trade(trade.order, terms, trade.terms_uri)

    def _trade(self, order: Order, terms: Terms, terms_uri: str = "") -> Trade:
        trade = Trade(
            order, terms, eip712.order_id(order, terms), eip712.terms_hash(terms), terms_uri
        )
        self.trades[trade.id] = trade
        return trade

    def trade(self, order_id: bytes | str) -> Trade:
        """A trade by identifier: known locally, or rebuilt from its OrderRegistered event."""
        oid = bytes.fromhex(order_id[2:]) if isinstance(order_id, str) else bytes(order_id)
        if oid in self.trades:
            return self.trades[oid]
        logs = self.w3.eth.get_logs(
            {
                "address": self.escrow.address,
                "fromBlock": self.from_block,
                "toBlock": "latest",
                "topics": [self._topic("TradeEscrow", "OrderRegistered"), _hex(oid)],
            }
        )
        for event in self.events.decode_all(logs):
            a = event.args
            registered = unpack_registration(a["buyer"], a["seller"], bytes(a["packed"]))
            order, terms = registered.order, registered.terms
            return self._trade(order, terms)
        raise TradelaneError(f"no order {_hex(oid)} registered with escrow {self.escrow.address}")

    def state(self, trade: Trade | bytes | str) -> OrderState:
        oid = trade.id if isinstance(trade, Trade) else _id_bytes(trade)
        if self._pipeline is not None and oid in self._pipeline.states:
            return self._pipeline.states[oid]  # prefetched since the last flush
        return OrderState.from_tuple(self._views.call(self.escrow, "orderState", oid))

    def order(self, trade: Trade | bytes | str) -> OrderView:
        """The order as a whole: terms (rebuilt from events if need be), state and money."""
        t = trade if isinstance(trade, Trade) else self.trade(trade)
        token = self.token(t.order.token)
        state = self.state(t)
        appeal = None
        if state.status == Status.DISPUTED and state.with_arbitrator:
            try:
                appeal = self.appeal_terms(t)
            except Exception:  # an arbitrator without ERC-792's appeal views: no appeal to show
                appeal = None
        return OrderView(t, state, self.money(t), token.symbol, token.decimals, appeal)

    def status(self, trade: Trade | bytes | str) -> Status:
        return self.state(trade).status

    # ------------------------------------------------------------------ preflight checks

    def _refuse(self, name: str, **fields: Any) -> None:
        revert = self.errors.make(name, **fields)
        revert.names = self.names
        raise revert

    def _check_status(self, trade: Trade, *allowed: Status) -> OrderState:
        state = self.state(trade)
        if self.preflight and state.status not in allowed:
            self._refuse(
                "OrderInvalidStatus",
                orderId=trade.id,
                current=int(state.status),
                allowed=status_mask(*allowed),
            )
        return state

    def _check_party(self, trade: Trade, sender: str, *parties: str) -> None:
        if self.preflight and to_checksum_address(sender) not in parties:
            self._refuse("OrderUnauthorized", orderId=trade.id, caller=to_checksum_address(sender))

    def _check_arbitrator(self, trade: Trade) -> None:
        """The buyer's side of the terms: an arbitrator with no code could never take a
        dispute, so funding such an order would give up the buyer's only recourse. The escrow
        refuses only the zero address (a code check would cost every registration 2,600
        gas); the client refuses the rest with the same error."""
        arbitrator = trade.terms.arbitrator
        if not self.preflight:
            return
        if arbitrator not in self._has_code:
            self._has_code[arbitrator] = len(self.w3.eth.get_code(arbitrator)) > 0
        if not self._has_code[arbitrator]:
            self._refuse("OrderInvalidArbitrator", arbitrator=arbitrator)

    def _check_terms(self, trade: Trade) -> None:
        """Terms that would take a party's right away, refused before anything is sent: a
        panel with one of the order's own parties on it (it would rule for itself), a panel the
        arbitrator would not accept (no dispute could ever be opened), a seller who is its own
        carrier with no inspection window (it could record delivery and be paid at once), and a
        platform fee above the seller's cap.

        The first three have no counterpart in the contracts (they protect a party from terms
        it could sign), so they are checked even with preflight off; the fee cap is the
        escrow's own rule and is left to it then."""
        o, t = trade.order, trade.terms
        names = {o.buyer: "buyer", o.seller: "seller", t.carrier: "carrier"}
        problems: list[str] = []
        if t.arbitrator == self.arbitration.address:
            members = t.panel if t.arbitrator_extra_data else self.default_panel()
            for member in members:
                if member in names:
                    problems.append(
                        f"the arbitration panel includes the order's {names[member]} "
                        f"{self.name_of(member)}: name arbitrators who are not parties"
                    )
        if t.carrier == o.seller and t.inspection_window == 0:
            problems.append(
                "the seller is its own carrier and the inspection window is 0: give the buyer an "
                "inspection window (inspection: 3d) or name an independent carrier"
            )
        if not problems:
            try:
                self.arbitration_cost(trade)
            except Exception as exc:
                problems.append(
                    f"the arbitrator {self.name_of(t.arbitrator)} would not accept this order's "
                    f"panel ({exc}): no dispute could be opened; name registered arbitrators"
                )
        if problems:
            raise UnsafeTerms(problems)
        if not self.preflight:
            return
        fee = self.fee_bps()
        if fee > t.max_fee_bps:
            self._refuse("OrderFeeAboveCap", feeBps=fee, maxFeeBps=t.max_fee_bps)

    def _check_not_paused(self) -> None:
        paused = self._pipeline.paused if self._pipeline is not None else None
        if paused is None and self.preflight:
            paused = bool(self._views.call(self.escrow, "paused"))
        if self.preflight and paused:
            self._refuse("EnforcedPause")

    # ------------------------------------------------------------------ register / quote / fund

    def register(self, trade: Trade, *, by: str | None = None) -> TxResult:
        sender = to_checksum_address(by or trade.order.buyer)
        self._check_not_paused()
        self._check_party(trade, sender, trade.order.buyer)
        self._check_arbitrator(trade)
        self._check_terms(trade)
        fn = self.escrow.functions.register(trade.form, trade.terms_uri)
        return self._send("register", fn, sender)

    def accept(self, trade: Trade, *, by: str | None = None) -> TxResult:
        sender = to_checksum_address(by or trade.order.seller)
        self._check_not_paused()
        self._check_party(trade, sender, trade.order.seller)
        self._check_status(trade, Status.CREATED)
        fn = self.escrow.functions.accept(trade.order.as_tuple(), trade.terms_hash)
        return self._send("accept", fn, sender)

    def sign_quote(self, trade: Trade, *, by: str | None = None) -> Quote:
        """The seller (or `by`) signs the order as EIP-712 typed data; nothing is sent."""
        signer = to_checksum_address(by or trade.order.seller)
        digest = eip712.quote_digest(trade.order, trade.terms, self.chain_id, self.escrow.address)
        signature = eip712.sign_quote(
            trade.order, trade.terms, self.chain_id, self.escrow.address, self.private_key(signer)
        )
        return Quote(trade, signer, digest, signature)

    def fund(
        self,
        trade: Trade,
        *,
        by: str | None = None,
        quote: Quote | None = None,
        permit: bool = False,
    ) -> TxResult:
        """Fund an accepted order, or register and fund a seller's quote in one transaction.

        ERC-20 orders are approved first (one more transaction) unless `permit` is set, which
        signs an EIP-2612 permit instead.
        """
        order = trade.order
        sender = to_checksum_address(by or order.buyer)
        token = self.token(order.token)
        self._check_not_paused()
        self._check_party(trade, sender, order.buyer)
        if quote is not None:
            if self.preflight and quote.signer != order.seller:
                self._refuse("OrderInvalidSignature", orderId=trade.id, seller=order.seller)
            self._check_status(trade, Status.NONE)
            self._check_arbitrator(trade)
            self._check_terms(trade)
        else:
            self._check_status(trade, Status.ACCEPTED)
        value = order.price if token.is_eth else 0
        permit_args: tuple[int, int, bytes, bytes] | None = None
        if not token.is_eth:
            if permit:
                permit_args = self._permit(token, sender, order.price)
            elif (
                self._erc20(token.address).functions.allowance(sender, self.escrow.address).call()
                < order.price
            ):
                self.approve(token, sender, order.price)
        f = self.escrow.functions
        o = order.as_tuple()
        if quote is not None:
            if permit_args:
                fn = f.fundWithQuoteAndPermit(
                    trade.form, trade.terms_uri, quote.signature, permit_args
                )
            else:
                fn = f.fundWithQuote(trade.form, trade.terms_uri, quote.signature)
        elif permit_args:
            fn = f.fundWithPermit(o, trade.terms_hash, permit_args)
        else:
            fn = f.fund(o, trade.terms_hash)
        return self._send("fund", fn, sender, value=value)

    def _permit(self, token: Token, owner: str, value: int) -> tuple[int, int, bytes, bytes]:
        contract = self._erc20(token.address)
        nonce = int(contract.functions.nonces(owner).call())
        deadline = int(self.w3.eth.get_block("latest")["timestamp"]) + 3_600
        v, r, s = eip712.permit_signature(
            token_name=str(contract.functions.name().call()),
            token=token.address,
            chain_id=self.chain_id,
            owner=owner,
            spender=self.escrow.address,
            value=value,
            nonce=nonce,
            deadline=deadline,
            key=self.private_key(owner),
        )
        return (deadline, v, r, s)

    def cancel(self, trade: Trade, *, by: str) -> TxResult:
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, Status.NONE, Status.CREATED, Status.ACCEPTED)
        fn = self.escrow.functions.cancel(trade.order.as_tuple(), trade.terms_hash)
        return self._send("cancel", fn, by)

    # ------------------------------------------------------------------ checkpoints

    def checkpoint(
        self,
        trade: Trade,
        kind: str | int | CheckpointKind,
        *,
        by: str | None = None,
        location: str | bytes | None = None,
        document: str | bytes | None = None,
        uri: str = "",
        signed: bool = False,
        relayer: str | None = None,
        deadline: int | None = None,
        nonce: int | None = None,
    ) -> TxResult:
        """Record a checkpoint as `by` (default: the carrier), or, with `signed`, have `by`
        sign it and `relayer` (default: the operator) send it."""
        k = CheckpointKind.parse(kind)
        actor = to_checksum_address(by or trade.terms.carrier)
        checkpoint = (int(k), _location(location), document_hash(document), uri)
        if not signed:
            fn = self.tracker.functions.record(trade.form, checkpoint)
            return self._send(f"checkpoint {k.label}", fn, actor)
        if deadline is None:
            deadline = int(self.w3.eth.get_block("latest")["timestamp"]) + 3_600
        if nonce is None:
            nonce = self.checkpoint_nonce(trade, actor)
        self._next_checkpoint_nonce[(actor, trade.id)] = nonce + 1
        args = (
            trade.id,
            int(k),
            checkpoint[1],
            checkpoint[2],
            uri,
            deadline,
            nonce,
            self.chain_id,
            self.tracker.address,
        )
        signature = eip712.sign_checkpoint(self.private_key(actor), *args)
        fn = self.tracker.functions.recordSigned(
            trade.form, checkpoint, actor, deadline, nonce, signature
        )
        return self._send(f"checkpoint {k.label} (signed)", fn, relayer or self.operator)

    def checkpoint_nonce(self, trade: Trade, signer: str) -> int:
        """The nonce `signer`'s next signed checkpoint for this order must carry: the tracker's,
        or past the ones this client signed and has not seen recorded yet."""
        signer = to_checksum_address(signer)
        on_chain = int(self._views.call(self.tracker, "checkpointNonce", signer, trade.id))
        return max(on_chain, self._next_checkpoint_nonce.get((signer, trade.id), 0))

    def revoke_checkpoints(self, trade: Trade, *, by: str, below: int | None = None) -> TxResult:
        """`by` cancels its signed checkpoints for this order that were not recorded yet (all
        with a nonce below `below`; default: every one this client signed)."""
        signer = to_checksum_address(by)
        next_nonce = below if below is not None else self.checkpoint_nonce(trade, signer)
        fn = self.tracker.functions.revokeCheckpointNonces(trade.id, next_nonce)
        result = self._send("revoke checkpoints", fn, signer)
        self._next_checkpoint_nonce[(signer, trade.id)] = next_nonce
        return result

    def hold(self, trade: Trade, *, by: str, **kwargs: Any) -> TxResult:
        """Customs holds the goods: milestone release and settlement wait."""
        return self.checkpoint(trade, CheckpointKind.CUSTOMS_HOLD, by=by, **kwargs)

    def release_hold(self, trade: Trade, *, by: str, **kwargs: Any) -> TxResult:
        """Customs lifts its hold; tranches held back are released."""
        return self.checkpoint(trade, CheckpointKind.CUSTOMS_RELEASE, by=by, **kwargs)

    # ------------------------------------------------------------------ settlement

    def confirm(self, trade: Trade, *, by: str | None = None) -> TxResult:
        sender = to_checksum_address(by or trade.order.buyer)
        self._check_party(trade, sender, trade.order.buyer)
        state = self._check_status(trade, *_ACTIVE)
        if self.preflight and state.on_hold:
            self._refuse("EscrowOnHold", orderId=trade.id)
        fn = self.escrow.functions.confirm(trade.order.as_tuple(), trade.terms_hash)
        return self._send("confirm", fn, sender)

    def settle(self, trade: Trade, *, by: str) -> TxResult:
        self._check_status(trade, Status.DELIVERED)
        fn = self.escrow.functions.settle(trade.form)
        return self._send("settle", fn, by)

    def refund(self, trade: Trade, *, by: str) -> TxResult:
        """Refund a missed deadline; after a late delivery it is the buyer's choice, within
        the inspection window."""
        state = self._check_status(trade, *_ACTIVE)
        if state.status == Status.DELIVERED:
            self._check_party(trade, by, trade.order.buyer)
        fn = self.escrow.functions.refund(trade.form)
        return self._send("refund", fn, by)

    # ------------------------------------------------------------------ settlements

    def settlement(self, trade: Trade) -> tuple[ChecksumAddress | None, int]:
        """The settlement on the table: (proposer or None, the buyer's share in bps)."""
        proposer, bps = self.escrow.functions.settlementOf(trade.id).call()
        return (to_checksum_address(proposer) if int(proposer, 16) else None), int(bps)

    def propose_settlement(self, trade: Trade, *, by: str, buyer_share: str | int) -> TxResult:
        """Buyer or seller proposes that `buyer_share` (`"20%"` or bps) of what is still
        locked go back to the buyer; replaces any proposal on the table (a counter-proposal)."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *_ACTIVE, Status.DISPUTED)
        bps = buyer_share if isinstance(buyer_share, int) else parse_bps(buyer_share)
        if self.preflight and not 0 <= bps <= 10_000:
            self._refuse("EscrowInvalidShare", orderId=trade.id, bps=bps)
        fn = self.escrow.functions.proposeSettlement(trade.order.as_tuple(), trade.terms_hash, bps)
        return self._send("propose_settlement", fn, by)

    def accept_settlement(self, trade: Trade, *, by: str) -> TxResult:
        """The other party accepts the proposal on the table: the order resolves at once."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *_ACTIVE, Status.DISPUTED)
        proposer, bps = self.settlement(trade)
        if self.preflight and proposer is None:
            self._refuse("EscrowNoSettlement", orderId=trade.id)
        if self.preflight and proposer == to_checksum_address(by):
            self._refuse("OrderUnauthorized", orderId=trade.id, caller=to_checksum_address(by))
        fn = self.escrow.functions.acceptSettlement(trade.order.as_tuple(), trade.terms_hash, bps)
        return self._send("accept_settlement", fn, by)

    def withdraw_settlement(self, trade: Trade, *, by: str) -> TxResult:
        """The proposer takes its proposal off the table."""
        proposer, _ = self.settlement(trade)
        if self.preflight and proposer is None:
            self._refuse("EscrowNoSettlement", orderId=trade.id)
        fn = self.escrow.functions.withdrawSettlement(trade.order.as_tuple(), trade.terms_hash)
        return self._send("withdraw_settlement", fn, by)

    def _share_of_price(self, trade: Trade, amount: str | int | Amount) -> int:
        """`amount` of the order's token as basis points of its price; exact or refused."""
        units = amount if isinstance(amount, int) else self.amount(amount, trade.order.token)[1]
        price = trade.order.price
        bps = units * 10_000 // price
        if bps * price != units * 10_000:
            step = format_units(price // 10_000 or 1, self.token(trade.order.token).decimals)
            raise TradelaneError(
                f"the escrow moves whole basis points of the price: {units} is not a multiple "
                f"of {step} {self.token(trade.order.token).symbol}"
            )
        return bps

    def release(self, trade: Trade, *, by: str, amount: str | int | Amount) -> TxResult:
        """The buyer releases `amount` more to the seller now (a voluntary tranche; the
        platform fee applies). The amount is a whole number of basis points of the price."""
        self._check_party(trade, by, trade.order.buyer)
        self._check_status(trade, *_ACTIVE)
        bps = self._share_of_price(trade, amount)
        fn = self.escrow.functions.release(trade.order.as_tuple(), trade.terms_hash, bps)
        return self._send("release", fn, by)

    def reimburse(self, trade: Trade, *, by: str, amount: str | int | Amount) -> TxResult:
        """The seller refunds `amount` to the buyer now (a goodwill refund), out of what it is
        still to receive."""
        self._check_party(trade, by, trade.order.seller)
        self._check_status(trade, *_ACTIVE)
        bps = self._share_of_price(trade, amount)
        fn = self.escrow.functions.reimburse(trade.order.as_tuple(), trade.terms_hash, bps)
        return self._send("reimburse", fn, by)

    def appeal(self, trade: Trade, *, by: str, value: int) -> TxResult:
        """A party funds an appeal of the order's dispute through the escrow (for arbitrators
        that take appeals from the arbitrable, as Kleros' do); `value` in wei, see
        `appeal_terms`. Our DisputeArbitration takes no appeals (its error comes back)."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, Status.DISPUTED)
        dispute_id = self._require_dispute_id(trade)
        fn = self.escrow.functions.appeal(trade.form, dispute_id)
        return self._send("appeal", fn, by, value=value)

    def appeal_terms(self, trade: Trade) -> dict[str, int] | None:
        """The arbitrator's appeal cost and period of the order's dispute (None before the
        dispute is with the arbitrator)."""
        dispute_id = self.dispute_id(trade)
        if dispute_id is None:
            return None
        arbitrator = self._arbitrator(trade).functions
        start, end = arbitrator.appealPeriod(dispute_id).call()
        cost = arbitrator.appealCost(dispute_id, trade.terms.arbitrator_extra_data).call()
        return {"cost": int(cost), "period_start": int(start), "period_end": int(end)}

    def meta_evidence(self, trade: Trade) -> dict[str, Any] | None:
        """The ERC-1497 MetaEvidence JSON of the order's dispute, as the escrow wrote it on
        chain when the dispute went to the arbitrator (None before that): the order id, the
        `documentHash` and `termsHash` the seller signed, the parties' aliases and the
        ruling options (ruling r gives the buyer r-1 basis points of what is locked; 0
        refuses to rule, an even split). The document's URI is in the registration's
        TermsDocument event, and in `trade.terms_uri`."""
        logged = self.order_events(trade, names=["MetaEvidence"])
        if not logged:
            return None
        uri = str(logged[-1].args["evidence"])
        prefix = "data:application/json,"
        if not uri.startswith(prefix):
            raise TradelaneError(f"the order's MetaEvidence is not a JSON data URI: {uri[:60]}")
        document: dict[str, Any] = json.loads(unquote(uri[len(prefix) :]))
        return document

    # ------------------------------------------------------------------ disputes

    def arbitration_cost(self, trade: Trade) -> int:
        """What opening (or joining) a dispute costs; reverts, as a named error, for a panel
        that cannot sit (ArbitrationInvalidPanel, ArbitrationMemberNotRegistered, …)."""
        arbitrator = self.w3.eth.contract(address=trade.terms.arbitrator, abi=self.arbitration.abi)
        call = arbitrator.functions.arbitrationCost(trade.terms.arbitrator_extra_data)
        try:
            return int(call.call())
        except Exception as exc:
            raise self._as_revert(exc, trade.terms.arbitrator) from None

    def dispute(self, trade: Trade, *, by: str, evidence: str = "") -> TxResult:
        """Buyer or seller opens a dispute, paying the arbitration cost."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *_ACTIVE)
        fn = self.escrow.functions.dispute(trade.form, evidence)
        return self._send("dispute", fn, by, value=self.arbitration_cost(trade))

    def pay_fee(self, trade: Trade, *, by: str) -> TxResult:
        """The other party pays its arbitration fee; the dispute goes to the panel."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        state = self._check_status(trade, Status.DISPUTED)
        opener = trade.order.buyer if state.buyer_opened_dispute else trade.order.seller
        if self.preflight and to_checksum_address(by) == opener:
            self._refuse("OrderUnauthorized", orderId=trade.id, caller=to_checksum_address(by))
        fn = self.escrow.functions.payArbitrationFee(trade.form)
        return self._send("pay_fee", fn, by, value=self.arbitration_cost(trade))

    def evidence(self, trade: Trade, *, by: str, evidence: str) -> TxResult:
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, Status.DISPUTED)
        fn = self.escrow.functions.submitEvidence(trade.form, evidence)
        return self._send("evidence", fn, by)

    def dispute_id(self, trade: Trade) -> int | None:
        """The arbitrator's dispute identifier, once both fees are paid."""
        for event in self.order_events(trade, names=("DisputeCreated",)):
            return int(event.args["disputeId"])
        return None

    def vote(self, trade: Trade, *, by: str, buyer_share: str | int) -> TxResult:
        """A panel member votes the buyer's share (`"40%"` or basis points) of what is locked."""
        bps = buyer_share if isinstance(buyer_share, int) else parse_bps(buyer_share)
        dispute_id = self._require_dispute_id(trade)
        fn = self._arbitrator(trade).functions.vote(dispute_id, bps + 1)
        return self._send("vote", fn, by)

    def default(self, trade: Trade, *, by: str) -> TxResult:
        """End a dispute by default: the fee timeout lapsed (the opener wins), or the panel's
        ruling period lapsed (an even split)."""
        dispute_id = self.dispute_id(trade)
        state = self.state(trade)
        ruling_deadline = state.ruling_deadline  # 0 unless the dispute is with the arbitrator
        if ruling_deadline and self._now() > ruling_deadline:
            return self.enforce_ruling_timeout(trade, by=by)
        if dispute_id is not None and state.with_arbitrator:
            # With the panel: the arbitrator decides whether its deadline passed (and says
            # ArbitrationDisputeSolved once it ruled).
            fn = self._arbitrator(trade).functions.ruleByDefault(dispute_id)
            return self._send("default (ruling period)", fn, by)
        self._check_status(trade, Status.DISPUTED)
        fn = self.escrow.functions.enforceFeeTimeout(trade.order.as_tuple(), trade.terms_hash)
        return self._send("default (fee timeout)", fn, by)

    def enforce_ruling_timeout(self, trade: Trade, *, by: str) -> TxResult:
        """End a dispute the arbitrator did not rule on by the order's ruling deadline: an
        even split, as a refusal to rule would give."""
        state = self._check_status(trade, Status.DISPUTED)
        if self.preflight and not state.with_arbitrator:
            self._refuse("EscrowNotWithArbitrator", orderId=trade.id)
        fn = self.escrow.functions.enforceRulingTimeout(trade.order.as_tuple(), trade.terms_hash)
        return self._send("default (ruling timeout)", fn, by)

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _arbitrator(self, trade: Trade) -> Contract:
        return self.w3.eth.contract(address=trade.terms.arbitrator, abi=self.arbitration.abi)

    def _require_dispute_id(self, trade: Trade) -> int:
        dispute_id = self.dispute_id(trade)
        if dispute_id is None:
            state = self.state(trade)
            if state.status == Status.DISPUTED:
                raise TradelaneError(
                    f"order {trade.id_hex[:10]}… is waiting for the other party's arbitration fee; "
                    "no dispute with the arbitrator yet"
                )
            self._refuse(
                "OrderInvalidStatus",
                orderId=trade.id,
                current=int(state.status),
                allowed=status_mask(Status.DISPUTED),
            )
        assert dispute_id is not None
        return dispute_id

    # ------------------------------------------------------------------ money

    def owed(self, account: str, token: str | Token | None = None) -> int:
        return int(self.escrow.functions.owed(account, self.token(token).address).call())

    def withdraw(
        self, token: str | Token | None = None, *, by: str, to: str | None = None
    ) -> TxResult:
        tok = self.token(token)
        if self.preflight and self.owed(by, tok) == 0:
            self._refuse(
                "EscrowNothingToWithdraw", account=to_checksum_address(by), token=tok.address
            )
        if to is None:
            fn = self.escrow.functions.withdraw(tok.address)
        else:
            fn = self.escrow.functions.withdrawTo(tok.address, to)
        return self._send("withdraw", fn, by)

    def reputation(self, account: str, tokens: Iterable[str | Token] | None = None) -> Reputation:
        """An account's track record summed over `tokens` (default: every token known, and ETH)."""
        toks = [self.token(t) for t in tokens] if tokens is not None else list(self.tokens.values())
        records = self.escrow.functions.reputationOf(account, [t.address for t in toks]).call()
        total = Reputation()
        for record in records:
            total = total + Reputation.from_tuple(record)
        return total

    # ------------------------------------------------------------------ operator

    def set_fee(self, bps: int | str) -> TxResult:
        value = bps if isinstance(bps, int) else parse_bps(bps)
        return self._send("set_fee", self.escrow.functions.setFee(value), self.operator)

    def set_fee_timeout(self, seconds: int | str) -> TxResult:
        fn = self.escrow.functions.setFeeTimeout(parse_duration(seconds))
        return self._send("set_fee_timeout", fn, self.operator)

    def pause(self, *, by: str | None = None) -> TxResult:
        return self._send("pause", self.escrow.functions.pause(), by or self.operator)

    def unpause(self, *, by: str | None = None) -> TxResult:
        return self._send("unpause", self.escrow.functions.unpause(), by or self.operator)

    def register_arbitrator(self, account: str) -> TxResult:
        fn = self.arbitration.functions.registerArbitrator(account)
        return self._send("register_arbitrator", fn, self.operator)

    def set_default_panel(self, members: Sequence[str]) -> TxResult:
        """The operator sets, once, the panel that hears disputes created with empty extra
        data (what ERC-792 arbitrables send): an odd number of registered arbitrators."""
        panel = [to_checksum_address(m) for m in members]
        if self.preflight and self.default_panel():
            self._refuse("ArbitrationDefaultPanelAlreadySet")
        fn = self.arbitration.functions.setDefaultPanel(panel)
        return self._send("set_default_panel", fn, self.operator)

    def default_panel(self) -> list[ChecksumAddress]:
        """The arbitrator's default panel ([] until the operator sets it)."""
        members = self.arbitration.functions.defaultPanel().call()
        return [to_checksum_address(m) for m in members]

    def grant_customs(self, account: str) -> TxResult:
        fn = self.tracker.functions.grantRole(CUSTOMS_ROLE, account)
        return self._send("grant customs", fn, self.operator)

    def grant_inspector(self, account: str) -> TxResult:
        fn = self.tracker.functions.grantRole(INSPECTOR_ROLE, account)
        return self._send("grant inspector", fn, self.operator)

    # ------------------------------------------------------------------ events, money, timeline

    def _topic(self, contract: str, event: str) -> str:
        items: list[Any] = list(self.deployment[contract].abi)
        abi = next(i for i in items if i.get("type") == "event" and i["name"] == event)
        types = ",".join(_abi_type(p) for p in abi["inputs"])
        return _hex(keccak(text=f"{event}({types})"))

    def _logs(self, address: Any, topics: list[Any]) -> list[Any]:
        """Logs by address and indexed topics, asked for in block ranges of `log_chunk`
        (nodes and providers cap the range of one eth_getLogs), all in one batch."""
        latest = int(self.w3.eth.block_number)
        ranges = [
            (start, min(start + self.log_chunk - 1, latest))
            for start in range(self.from_block, latest + 1, self.log_chunk)
        ]
        calls = [
            lambda a=a, b=b: self.w3.eth.get_logs(
                {"fromBlock": a, "toBlock": b, "address": address, "topics": topics}
            )
            for a, b in ranges
        ]
        return [log for chunk in batched(self.w3, calls) for log in chunk]

    def order_events(
        self, trade: Trade | bytes | str, names: Iterable[str] | None = None
    ) -> list[DecodedEvent]:
        """Every event of the suite about one order, in chain order (and the payouts in
        the same transactions)."""
        oid = trade.id if isinstance(trade, Trade) else _id_bytes(trade)
        escrow_and_tracker = [self.escrow.address, self.tracker.address]
        logs = self._logs(escrow_and_tracker, [None, _hex(oid)])
        logs += self._logs(
            self.escrow.address, [self._topic("TradeEscrow", "Evidence"), None, _hex(oid)]
        )
        # Keep only logs whose first indexed topic (or the Evidence group) is this order.
        logs = [
            log
            for log in logs
            if (len(log["topics"]) > 1 and bytes(log["topics"][1]) == oid)
            or (len(log["topics"]) > 2 and bytes(log["topics"][2]) == oid)
        ]
        events = self.events.decode_all(logs)
        txs = {e.tx_hash for e in events}
        dispute = next((e for e in events if e.name == "DisputeCreated"), None)
        if dispute is not None:
            dispute_topic = _hex(int(dispute.args["disputeId"]).to_bytes(32, "big"))
            votes = self._logs(dispute.args["arbitrator"], [None, dispute_topic])
            # Only the dispute's own events: a dispute id of 0 is also bytes32(0), the first
            # topic of the arbitrator's RoleGranted(DEFAULT_ADMIN_ROLE, ...).
            events += [
                e
                for e in self.events.decode_all(votes)
                if e.args.get("disputeId") == dispute.args["disputeId"]
            ]
            txs |= {e.tx_hash for e in events}
        # Payouts deferred in the same transactions (PaymentDeferred carries no order id).
        extra = []
        for tx in txs:
            receipt = self.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
            for event in self.events.decode_all(receipt["logs"]):
                if event.name in ("PaymentDeferred", "FeeDeferred"):
                    extra.append(event)
        events += extra
        unique = {(e.tx_hash, e.log_index): e for e in events}
        ordered = sorted(unique.values(), key=lambda e: (e.block, e.log_index))
        if names is not None:
            wanted = set(names)
            ordered = [e for e in ordered if e.name in wanted]
        return ordered

    def money(self, trade: Trade | bytes | str) -> OrderMoney:
        """Where the deposit went: to the seller, back to the buyer, in fees, still locked."""
        deposit = seller = buyer = fee = 0
        for e in self.order_events(trade):
            if e.contract != "TradeEscrow":
                continue
            a = e.args
            if e.name == "OrderFunded":
                deposit += int(a["amount"])
            elif e.name in ("MilestoneReleased", "OrderCompleted", "ReleasedEarly"):
                seller += int(a["toSeller"])
                fee += int(a["fee"])
            elif e.name in ("OrderRefunded", "GoodwillRefunded"):
                buyer += int(a["toBuyer"])
            elif e.name in ("DisputeResolved", "SettlementAccepted"):
                seller += int(a["toSeller"])
                buyer += int(a["toBuyer"])
                fee += int(a["fee"])
        return OrderMoney(deposit, seller, buyer, fee)

    def timeline(self, trade: Trade | bytes | str) -> list[TimelineEntry]:
        """The order's history: time, actor, action or stage, location, document, money moved."""
        t = trade if isinstance(trade, Trade) else self.trade(trade)
        token = self.token(t.order.token)
        blocks: dict[int, int] = {}
        senders: dict[str, ChecksumAddress] = {}
        entries: list[TimelineEntry] = []
        for e in self.order_events(t):
            if e.block not in blocks:
                blocks[e.block] = int(self.w3.eth.get_block(e.block)["timestamp"])
            if e.tx_hash not in senders:
                tx = self.w3.eth.get_transaction(HexStr(e.tx_hash))
                sender = to_checksum_address(tx["from"])
                to = tx.get("to")
                if to and to_checksum_address(to) in self._proxies:
                    sender = to_checksum_address(to)  # a contract account's own action
                senders[e.tx_hash] = sender
            if e.name == "CheckpointRecorded":
                # What the checkpoint releases is the recorder's doing, not the relayer's.
                senders[e.tx_hash] = to_checksum_address(e.args["actor"])
            entry = timeline_entry(e, token, self, blocks[e.block], senders[e.tx_hash])
            if entry is not None:
                entries.append(entry)
        return mark_late(entries, t.terms)

    def timeline_table(self, trade: Trade | bytes | str, title: str | None = None) -> Any:
        """The timeline as a rich Table (print it with rich, or `print_timeline`)."""
        from tradelane._client.render import timeline_table

        return timeline_table(self, trade if isinstance(trade, Trade) else self.trade(trade), title)

    def print_timeline(self, trade: Trade | bytes | str, console: Any = None) -> None:
        """Print the order's timeline as a table."""
        from rich.console import Console

        (console or Console()).print(self.timeline_table(trade))

    # ------------------------------------------------------------------ sending

    def _send(self, action: str, fn: ContractFunction, sender: str, *, value: int = 0) -> TxResult:
        address = to_checksum_address(sender)
        if address in self._proxies:  # a contract account acts through its owner
            owner, proxy = self._proxies[address]
            fn = proxy.functions.act(fn.address, encode_call(fn))
            address = owner
        tx: dict[str, Any] = {
            "from": address,
            "to": fn.address,
            "value": value,
            "data": encode_call(fn),
        }
        return self._submit(action, tx, address)

    def pipeline(self, batch: int = 256) -> Pipeline:
        """Many transactions in flight: `with client.pipeline() as pipe:` queues every step
        and returns its TxResult at once, completed when the queue is flushed (every `batch`
        transactions, on `pipe.flush()` and on leaving the block). Steps of one flush must
        not depend on each other: queue one step for many orders, flush, then the next."""
        if self._pipeline is not None:
            raise TradelaneError("a pipeline is already open on this client")
        self._pipeline = Pipeline(self, batch)
        return self._pipeline

    def _submit(self, action: str, tx: dict[str, Any], sender: ChecksumAddress) -> TxResult:
        if self._pipeline is not None:
            return self._pipeline.submit(action, tx, sender)
        try:
            estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
        except Exception as exc:
            revert = self._as_revert(exc, tx.get("to"))
            if revert is exc and self.chain.signer is not None:  # a real network: one line
                from tradelane.network import explain

                raise ChainError(explain(exc, sender=sender, url=self.chain.url)) from None
            raise revert from None
        block = self._recent_block()
        gas_limit = int(block["gasLimit"])
        tx["gas"] = min(int(estimate * GAS_MARGIN) + 10_000, gas_limit)
        signer = self.chain.signer  # a real network: its fee policy, retries, confirmations
        if signer is not None and (sender in self.keys or signer.holds(sender)):
            tx_hash = signer.send_raw(tx, self.keys.get(sender))
        elif sender in self.keys:
            base_fee = int(block.get("baseFeePerGas", 0) or 0)
            unsigned = {
                **{k: v for k, v in tx.items() if k != "from"},
                "chainId": self.chain_id,
                "maxFeePerGas": base_fee * 2 + PRIORITY_FEE,
                "maxPriorityFeePerGas": PRIORITY_FEE,
                "type": 2,
            }
            # The nonce is counted here once known (no round trip per transaction); if
            # another program used the key meanwhile, the node refuses it: ask and re-sign.
            nonce = self._nonces.get(sender)
            if nonce is None:
                nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))
            signed = Account.sign_transaction({**unsigned, "nonce": nonce}, self.keys[sender])
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception as exc:
                if "nonce" not in str(exc).lower():
                    raise
                nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))
                signed = Account.sign_transaction({**unsigned, "nonce": nonce}, self.keys[sender])
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self._nonces[sender] = nonce + 1
        else:
            tx_hash = self.w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        if signer is not None and (sender in self.keys or signer.holds(sender)):
            receipt = signer.wait(tx_hash)
        else:
            # Polled from 10 ms up (web3 sleeps 100 ms between polls).
            receipt = await_receipts(self.w3, [tx_hash.to_0x_hex()], timeout=120)[0]
        if receipt["status"] != 1:
            raise self._replay_failure(tx, int(receipt["blockNumber"]))
        number = int(receipt["blockNumber"])
        mined = self.w3.eth.get_block(number)
        self._block = (time.monotonic(), mined)
        timestamp = int(mined["timestamp"])
        return TxResult(
            action=action,
            tx_hash=tx_hash.to_0x_hex(),
            sender=sender,
            gas_used=int(receipt["gasUsed"]),
            block=number,
            timestamp=timestamp,
            events=self.events.decode_all(receipt["logs"]),
            value=int(tx.get("value", 0)),
        )

    def _recent_block(self) -> Any:
        """A block to take the gas limit and base fee from: the one our last transaction
        was mined in, if that was seconds ago (saves a round trip per transaction), else
        the latest."""
        seen, block = self._block
        if block is None or time.monotonic() - seen > BLOCK_REUSE_SECONDS:
            block = self.w3.eth.get_block("latest")
            self._block = (time.monotonic(), block)
        return block

    def _as_revert(self, exc: Exception, to: str | None = None) -> Exception:
        data = revert_data(exc)
        if data is None:
            return exc
        revert = self.errors.decode(data)
        revert.names = self.names
        if to:
            revert.contract = self.events.contract_name(to) or to
        return revert

    def _replay_failure(self, tx: dict[str, Any], block: int) -> Exception:
        call = {k: v for k, v in tx.items() if k in ("from", "to", "value", "data", "gas")}
        try:
            self.w3.eth.call(call, block - 1)  # type: ignore[arg-type]
        except Exception as exc:
            return self._as_revert(exc, tx.get("to"))
        return UnknownRevert({}, message="the transaction reverted on chain but not when replayed")

    # ------------------------------------------------------------------ display helpers

    def describe_money(self, trade: Trade) -> dict[str, str]:
        token = self.token(trade.order.token)
        m = self.money(trade)
        return {
            "deposit": token.format(m.deposit),
            "seller_received": token.format(m.seller_received),
            "buyer_refunded": token.format(m.buyer_refunded),
            "fee": token.format(m.fee),
            "locked": token.format(m.locked),
        }

    def wait_until(self, timestamp: int, poll: float = 1.0) -> None:
        """Block until the latest block is at `timestamp` (real networks: no time travel)."""
        while int(self.w3.eth.get_block("latest")["timestamp"]) < timestamp:
            time.sleep(poll)


def _bps(value: str | int) -> int:
    """A share as basis points: an int is basis points already, text is like `"1%"`."""
    return value if isinstance(value, int) else parse_bps(value)


def _id_bytes(value: bytes | str) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _abi_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[5:]
    return kind


# keep BPS importable from here for users of the client
__all__ += ["BPS", "ETH", "document_hash"]
