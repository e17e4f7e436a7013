"""The steps of an order: build, register, quote, fund, cancel, checkpoints, confirm, refund."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

from eth_utils import to_checksum_address

from tradelane._client import calls, eip712, escrow_calls
from tradelane._client.calls import document_hash, hex_bytes, panel_extra_data
from tradelane._client.preflight import ACTIVE, Preflight
from tradelane._client.tokens import Token
from tradelane.amounts import Amount, parse_bps, parse_duration
from tradelane.errors import TradelaneError
from tradelane.standards.locode import parse_locode
from tradelane.types import (
    CheckpointKind,
    Incoterm,
    Milestone,
    Order,
    Quote,
    Stage,
    Status,
    Terms,
    Trade,
    TxResult,
)


def _bps(value: str | int) -> int:
    """A share as basis points: an int is basis points already, text is like `"1%"`."""
    return value if isinstance(value, int) else parse_bps(value)


class Orders(Preflight):
    """An order's life up to its settlement: one method per step, each checked, then sent."""

    # ------------------------------------------------------------------ build

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
                hex_bytes(arbitrator_extra_data)
                if arbitrator_extra_data is not None
                else b""
                if panel is None
                else panel_extra_data(panel)
            ),
            customs=tuple(to_checksum_address(a) for a in customs),
            inspectors=tuple(to_checksum_address(a) for a in inspectors),
        )
        return self._trade(order, terms, terms_uri)

    def with_terms(self, trade: Trade, **changes: Any) -> Trade:
        """The same order with some terms changed (a new id and terms hash): e.g.
        `with_terms(trade, max_fee_bps=50)`. Nothing is sent; the seller signs the result."""
        try:
            terms = dataclasses.replace(trade.terms, **changes)
        except TypeError as exc:
            raise TradelaneError(f"unknown term in {sorted(changes)}: {exc}") from None
        return self._trade(trade.order, terms, trade.terms_uri)

    # ------------------------------------------------------------------ register / quote / fund

    def register(self, trade: Trade, *, by: str | None = None) -> TxResult:
        sender = to_checksum_address(by or trade.order.buyer)
        self._check_not_paused()
        self._check_party(trade, sender, trade.order.buyer)
        self._check_arbitrator(trade)
        self._check_terms(trade)
        fn = escrow_calls.register(self.escrow, trade)
        return self._send("register", fn, sender)

    def accept(self, trade: Trade, *, by: str | None = None) -> TxResult:
        sender = to_checksum_address(by or trade.order.seller)
        self._check_not_paused()
        self._check_party(trade, sender, trade.order.seller)
        self._check_status(trade, Status.CREATED)
        fn = escrow_calls.accept(self.escrow, trade)
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
            elif self.allowance(token, sender) < order.price:
                self.approve(token, sender, order.price)
        if quote is not None:
            if permit_args:
                fn = escrow_calls.fund_with_quote_and_permit(
                    self.escrow, trade, quote.signature, permit_args
                )
            else:
                fn = escrow_calls.fund_with_quote(self.escrow, trade, quote.signature)
        elif permit_args:
            fn = escrow_calls.fund_with_permit(self.escrow, trade, permit_args)
        else:
            fn = escrow_calls.fund(self.escrow, trade)
        return self._send("fund", fn, sender, value=value)

    def _permit(self, token: Token, owner: str, value: int) -> tuple[int, int, bytes, bytes]:
        contract = self._erc20(token.address)
        nonce = int(calls.permit_nonce(contract, owner).call())
        deadline = int(self.w3.eth.get_block("latest")["timestamp"]) + 3_600
        v, r, s = eip712.permit_signature(
            token_name=str(calls.token_name(contract).call()),
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
        fn = escrow_calls.cancel(self.escrow, trade)
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
        checkpoint = calls.checkpoint_struct(k, location, document, uri)
        if not signed:
            fn = calls.record(self.tracker, trade, checkpoint)
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
        fn = calls.record_signed(self.tracker, trade, checkpoint, actor, deadline, nonce, signature)
        return self._send(f"checkpoint {k.label} (signed)", fn, relayer or self.operator)

    def checkpoint_nonce(self, trade: Trade, signer: str) -> int:
        """The nonce `signer`'s next signed checkpoint for this order must carry: the tracker's,
        or past the ones this client signed and has not seen recorded yet."""
        signer = to_checksum_address(signer)
        on_chain = int(self._views.call(calls.checkpoint_nonce(self.tracker, signer, trade.id)))
        return max(on_chain, self._next_checkpoint_nonce.get((signer, trade.id), 0))

    def revoke_checkpoints(self, trade: Trade, *, by: str, below: int | None = None) -> TxResult:
        """`by` cancels its signed checkpoints for this order that were not recorded yet (all
        with a nonce below `below`; default: every one this client signed)."""
        signer = to_checksum_address(by)
        next_nonce = below if below is not None else self.checkpoint_nonce(trade, signer)
        fn = calls.revoke_checkpoint_nonces(self.tracker, trade.id, next_nonce)
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
        state = self._check_status(trade, *ACTIVE)
        if self.preflight and state.on_hold:
            self._refuse("EscrowOnHold", orderId=trade.id)
        fn = escrow_calls.confirm(self.escrow, trade)
        return self._send("confirm", fn, sender)

    def settle(self, trade: Trade, *, by: str) -> TxResult:
        self._check_status(trade, Status.DELIVERED)
        fn = escrow_calls.settle(self.escrow, trade)
        return self._send("settle", fn, by)

    def refund(self, trade: Trade, *, by: str) -> TxResult:
        """Refund a missed deadline; after a late delivery it is the buyer's choice, within
        the inspection window."""
        state = self._check_status(trade, *ACTIVE)
        if state.status == Status.DELIVERED:
            self._check_party(trade, by, trade.order.buyer)
        fn = escrow_calls.refund(self.escrow, trade)
        return self._send("refund", fn, by)
