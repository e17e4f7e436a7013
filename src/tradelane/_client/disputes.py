"""Settlements and disputes: proposals, tranches, goodwill refunds, disputes, votes, appeals."""

from __future__ import annotations

from eth_utils import to_checksum_address

from tradelane._client import calls, escrow_calls
from tradelane._client.preflight import ACTIVE, Preflight
from tradelane._client.tokens import Token
from tradelane.amounts import Amount, format_units, parse_bps
from tradelane.errors import TradelaneError
from tradelane.types import Status, Trade, TxResult, status_mask


class Disputes(Preflight):
    """How an order in progress ends other than by delivery: agreed, ruled on, or withdrawn."""

    # ------------------------------------------------------------------ settlements

    def propose_settlement(self, trade: Trade, *, by: str, buyer_share: str | int) -> TxResult:
        """Buyer or seller proposes that `buyer_share` (`"20%"` or bps) of what is still
        locked go back to the buyer; replaces any proposal on the table (a counter-proposal)."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *ACTIVE, Status.DISPUTED)
        bps = buyer_share if isinstance(buyer_share, int) else parse_bps(buyer_share)
        if self.preflight and not 0 <= bps <= 10_000:
            self._refuse("EscrowInvalidShare", orderId=trade.id, bps=bps)
        fn = escrow_calls.propose_settlement(self.escrow, trade, bps)
        return self._send("propose_settlement", fn, by)

    def accept_settlement(self, trade: Trade, *, by: str) -> TxResult:
        """The other party accepts the proposal on the table: the order resolves at once."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *ACTIVE, Status.DISPUTED)
        proposer, bps = self.settlement(trade)
        if self.preflight and proposer is None:
            self._refuse("EscrowNoSettlement", orderId=trade.id)
        if self.preflight and proposer == to_checksum_address(by):
            self._refuse("OrderUnauthorized", orderId=trade.id, caller=to_checksum_address(by))
        fn = escrow_calls.accept_settlement(self.escrow, trade, bps)
        return self._send("accept_settlement", fn, by)

    def withdraw_settlement(self, trade: Trade, *, by: str) -> TxResult:
        """The proposer takes its proposal off the table."""
        proposer, _ = self.settlement(trade)
        if self.preflight and proposer is None:
            self._refuse("EscrowNoSettlement", orderId=trade.id)
        fn = escrow_calls.withdraw_settlement(self.escrow, trade)
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
        self._check_status(trade, *ACTIVE)
        bps = self._share_of_price(trade, amount)
        fn = escrow_calls.release(self.escrow, trade, bps)
        return self._send("release", fn, by)

    def reimburse(self, trade: Trade, *, by: str, amount: str | int | Amount) -> TxResult:
        """The seller refunds `amount` to the buyer now (a goodwill refund), out of what it is
        still to receive."""
        self._check_party(trade, by, trade.order.seller)
        self._check_status(trade, *ACTIVE)
        bps = self._share_of_price(trade, amount)
        fn = escrow_calls.reimburse(self.escrow, trade, bps)
        return self._send("reimburse", fn, by)

    def appeal(self, trade: Trade, *, by: str, value: int) -> TxResult:
        """A party funds an appeal of the order's dispute through the escrow (for arbitrators
        that take appeals from the arbitrable, as Kleros' do); `value` in wei, see
        `appeal_terms`. Our DisputeArbitration takes no appeals (its error comes back)."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, Status.DISPUTED)
        dispute_id = self._require_dispute_id(trade)
        fn = escrow_calls.appeal(self.escrow, trade, dispute_id)
        return self._send("appeal", fn, by, value=value)

    # ------------------------------------------------------------------ disputes

    def dispute(self, trade: Trade, *, by: str, evidence: str = "") -> TxResult:
        """Buyer or seller opens a dispute, paying the arbitration cost."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, *ACTIVE)
        fn = escrow_calls.dispute(self.escrow, trade, evidence)
        return self._send("dispute", fn, by, value=self.arbitration_cost(trade))

    def pay_fee(self, trade: Trade, *, by: str) -> TxResult:
        """The other party pays its arbitration fee; the dispute goes to the panel."""
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        state = self._check_status(trade, Status.DISPUTED)
        opener = trade.order.buyer if state.buyer_opened_dispute else trade.order.seller
        if self.preflight and to_checksum_address(by) == opener:
            self._refuse("OrderUnauthorized", orderId=trade.id, caller=to_checksum_address(by))
        fn = escrow_calls.pay_arbitration_fee(self.escrow, trade)
        return self._send("pay_fee", fn, by, value=self.arbitration_cost(trade))

    def evidence(self, trade: Trade, *, by: str, evidence: str) -> TxResult:
        self._check_party(trade, by, trade.order.buyer, trade.order.seller)
        self._check_status(trade, Status.DISPUTED)
        fn = escrow_calls.submit_evidence(self.escrow, trade, evidence)
        return self._send("evidence", fn, by)

    def vote(self, trade: Trade, *, by: str, buyer_share: str | int) -> TxResult:
        """A panel member votes the buyer's share (`"40%"` or basis points) of what is locked."""
        bps = buyer_share if isinstance(buyer_share, int) else parse_bps(buyer_share)
        dispute_id = self._require_dispute_id(trade)
        fn = calls.vote(self._arbitrator(trade), dispute_id, bps)
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
            fn = calls.rule_by_default(self._arbitrator(trade), dispute_id)
            return self._send("default (ruling period)", fn, by)
        self._check_status(trade, Status.DISPUTED)
        fn = escrow_calls.enforce_fee_timeout(self.escrow, trade)
        return self._send("default (fee timeout)", fn, by)

    def enforce_ruling_timeout(self, trade: Trade, *, by: str) -> TxResult:
        """End a dispute the arbitrator did not rule on by the order's ruling deadline: an
        even split, as a refusal to rule would give."""
        state = self._check_status(trade, Status.DISPUTED)
        if self.preflight and not state.with_arbitrator:
            self._refuse("EscrowNotWithArbitrator", orderId=trade.id)
        fn = escrow_calls.enforce_ruling_timeout(self.escrow, trade)
        return self._send("default (ruling timeout)", fn, by)

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

    def withdraw(
        self, token: str | Token | None = None, *, by: str, to: str | None = None
    ) -> TxResult:
        tok = self.token(token)
        if self.preflight and self.owed(by, tok) == 0:
            self._refuse(
                "EscrowNothingToWithdraw", account=to_checksum_address(by), token=tok.address
            )
        if to is None:
            fn = escrow_calls.withdraw(self.escrow, tok.address)
        else:
            fn = escrow_calls.withdraw_to(self.escrow, tok.address, to)
        return self._send("withdraw", fn, by)
