"""Preflight rules: obvious mistakes refused before sending, with the contract's own error."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from tradelane._client import escrow_calls
from tradelane._client.reading import Reading
from tradelane.errors import UnsafeTerms
from tradelane.types import OrderState, Status, Trade, status_mask

#: The statuses of an order in progress (funded, not yet resolved).
ACTIVE = (Status.FUNDED, Status.IN_TRANSIT, Status.DELIVERED)


class Preflight(Reading):
    """The checks a step runs before it sends (`preflight=False` skips the contract's own)."""

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
            paused = bool(self._views.call(escrow_calls.paused(self.escrow)))
        if self.preflight and paused:
            self._refuse("EnforcedPause")
