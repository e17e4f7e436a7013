"""The escrow's calls (the rest of `calls`): one function per function of TradeEscrow the
client sends or reads, taking the escrow and Python values and returning the bound web3
ContractFunction for a transaction, a `ViewCall` for a view (see `calls`). An order travels as
its form (`trade.form`, the packed bytes) or as its order tuple and terms hash, as each
function of the contract takes it."""

from __future__ import annotations

from collections.abc import Sequence

from web3.contract import Contract
from web3.contract.contract import ContractFunction

from tradelane._client.calls import ViewCall
from tradelane.types import Trade

#: An EIP-2612 permit as fundWithPermit takes it: (deadline, v, r, s).
Permit = tuple[int, int, bytes, bytes]

# ------------------------------------------------------------------ register / quote / fund


def register(escrow: Contract, trade: Trade) -> ContractFunction:
    """`register(order form, termsURI)`: the buyer registers the order."""
    return escrow.functions.register(trade.form, trade.terms_uri)


def accept(escrow: Contract, trade: Trade) -> ContractFunction:
    """`accept(order, termsHash)`: the seller accepts a registered order."""
    return escrow.functions.accept(trade.order.as_tuple(), trade.terms_hash)


def fund(escrow: Contract, trade: Trade) -> ContractFunction:
    """`fund(order, termsHash)`: the buyer funds an accepted order."""
    return escrow.functions.fund(trade.order.as_tuple(), trade.terms_hash)


def fund_with_permit(escrow: Contract, trade: Trade, permit: Permit) -> ContractFunction:
    """`fundWithPermit(order, termsHash, permit)`: fund, the token approved by a permit."""
    return escrow.functions.fundWithPermit(trade.order.as_tuple(), trade.terms_hash, permit)


def fund_with_quote(escrow: Contract, trade: Trade, signature: bytes) -> ContractFunction:
    """`fundWithQuote(order form, termsURI, signature)`: register and fund a seller's quote."""
    return escrow.functions.fundWithQuote(trade.form, trade.terms_uri, signature)


def fund_with_quote_and_permit(
    escrow: Contract, trade: Trade, signature: bytes, permit: Permit
) -> ContractFunction:
    """`fundWithQuoteAndPermit(order form, termsURI, signature, permit)`."""
    return escrow.functions.fundWithQuoteAndPermit(trade.form, trade.terms_uri, signature, permit)


def cancel(escrow: Contract, trade: Trade) -> ContractFunction:
    """`cancel(order, termsHash)`: a party cancels an order not yet funded."""
    return escrow.functions.cancel(trade.order.as_tuple(), trade.terms_hash)


# ------------------------------------------------------------------ settlement


def confirm(escrow: Contract, trade: Trade) -> ContractFunction:
    """`confirm(order, termsHash)`: the buyer confirms delivery."""
    return escrow.functions.confirm(trade.order.as_tuple(), trade.terms_hash)


def settle(escrow: Contract, trade: Trade) -> ContractFunction:
    """`settle(order form)`: anyone settles a delivered order after its inspection window."""
    return escrow.functions.settle(trade.form)


def refund(escrow: Contract, trade: Trade) -> ContractFunction:
    """`refund(order form)`: the buyer's refund of a missed deadline."""
    return escrow.functions.refund(trade.form)


def propose_settlement(escrow: Contract, trade: Trade, buyer_share_bps: int) -> ContractFunction:
    """`proposeSettlement(order, termsHash, buyerShareBps)`."""
    return escrow.functions.proposeSettlement(
        trade.order.as_tuple(), trade.terms_hash, buyer_share_bps
    )


def accept_settlement(escrow: Contract, trade: Trade, buyer_share_bps: int) -> ContractFunction:
    """`acceptSettlement(order, termsHash, buyerShareBps)`: the share on the table."""
    return escrow.functions.acceptSettlement(
        trade.order.as_tuple(), trade.terms_hash, buyer_share_bps
    )


def withdraw_settlement(escrow: Contract, trade: Trade) -> ContractFunction:
    """`withdrawSettlement(order, termsHash)`."""
    return escrow.functions.withdrawSettlement(trade.order.as_tuple(), trade.terms_hash)


def release(escrow: Contract, trade: Trade, bps: int) -> ContractFunction:
    """`release(order, termsHash, bps)`: the buyer releases bps of the price to the seller."""
    return escrow.functions.release(trade.order.as_tuple(), trade.terms_hash, bps)


def reimburse(escrow: Contract, trade: Trade, bps: int) -> ContractFunction:
    """`reimburse(order, termsHash, bps)`: the seller refunds bps of the price to the buyer."""
    return escrow.functions.reimburse(trade.order.as_tuple(), trade.terms_hash, bps)


# ------------------------------------------------------------------ disputes


def dispute(escrow: Contract, trade: Trade, evidence: str) -> ContractFunction:
    """`dispute(order form, evidence)`: a party opens a dispute (payable: the arbitration
    cost)."""
    return escrow.functions.dispute(trade.form, evidence)


def pay_arbitration_fee(escrow: Contract, trade: Trade) -> ContractFunction:
    """`payArbitrationFee(order form)`: the other party's fee (payable)."""
    return escrow.functions.payArbitrationFee(trade.form)


def submit_evidence(escrow: Contract, trade: Trade, evidence: str) -> ContractFunction:
    """`submitEvidence(order form, evidence)`."""
    return escrow.functions.submitEvidence(trade.form, evidence)


def appeal(escrow: Contract, trade: Trade, dispute_id: int) -> ContractFunction:
    """`appeal(order form, disputeId)`: a party funds an appeal (payable)."""
    return escrow.functions.appeal(trade.form, dispute_id)


def enforce_fee_timeout(escrow: Contract, trade: Trade) -> ContractFunction:
    """`enforceFeeTimeout(order, termsHash)`: the other party did not pay its fee in time."""
    return escrow.functions.enforceFeeTimeout(trade.order.as_tuple(), trade.terms_hash)


def enforce_ruling_timeout(escrow: Contract, trade: Trade) -> ContractFunction:
    """`enforceRulingTimeout(order, termsHash)`: the arbitrator did not rule in time."""
    return escrow.functions.enforceRulingTimeout(trade.order.as_tuple(), trade.terms_hash)


# ------------------------------------------------------------------ money


def withdraw(escrow: Contract, token: str) -> ContractFunction:
    """`withdraw(token)`: the sender takes what it is owed in `token`."""
    return escrow.functions.withdraw(token)


def withdraw_to(escrow: Contract, token: str, to: str) -> ContractFunction:
    """`withdrawTo(token, to)`: the same, paid to `to`."""
    return escrow.functions.withdrawTo(token, to)


# ------------------------------------------------------------------ the operator's levers


def set_fee(escrow: Contract, bps: int) -> ContractFunction:
    """`setFee(bps)`: the platform fee of orders registered from now on."""
    return escrow.functions.setFee(bps)


def set_fee_timeout(escrow: Contract, seconds: int) -> ContractFunction:
    """`setFeeTimeout(timeout)`: how long the other party has to pay its arbitration fee."""
    return escrow.functions.setFeeTimeout(seconds)


def pause(escrow: Contract) -> ContractFunction:
    """`pause()`."""
    return escrow.functions.pause()


def unpause(escrow: Contract) -> ContractFunction:
    """`unpause()`."""
    return escrow.functions.unpause()


# ------------------------------------------------------------------ views


def fee_bps(escrow: Contract) -> ViewCall:
    """`feeBps()`: the platform fee in force, in basis points."""
    return ViewCall(escrow, "feeBps")


def fee_timeout(escrow: Contract) -> ViewCall:
    """`feeTimeout()`: the arbitration fee timeout in force, in seconds."""
    return ViewCall(escrow, "feeTimeout")


def paused(escrow: Contract) -> ViewCall:
    """`paused()`."""
    return ViewCall(escrow, "paused")


def order_state(escrow: Contract, order_id: bytes) -> ViewCall:
    """`orderState(id)`: the order's state tuple (`OrderState.from_tuple`)."""
    return ViewCall(escrow, "orderState", (order_id,))


def refund_due(escrow: Contract, trade: Trade) -> ViewCall:
    """`refundDue(order form)`: whether the buyer's refund is due now."""
    return ViewCall(escrow, "refundDue", (trade.form,))


def settlement_of(escrow: Contract, order_id: bytes) -> ViewCall:
    """`settlementOf(id)`: (proposer, the buyer's share in bps) on the table."""
    return ViewCall(escrow, "settlementOf", (order_id,))


def owed(escrow: Contract, account: str, token: str) -> ViewCall:
    """`owed(account, token)`: what `account` may withdraw in `token`."""
    return ViewCall(escrow, "owed", (account, token))


def reputation_of(escrow: Contract, account: str, tokens: Sequence[str]) -> ViewCall:
    """`reputationOf(account, tokens)`: the account's record in each token."""
    return ViewCall(escrow, "reputationOf", (account, tokens))
