"""Issue 12, the escrow's half: settlement without a court, voluntary releases and goodwill
refunds, exact arbitration deposits, and arbitration fees the arbitrator refunds."""

from __future__ import annotations

from typing import Any

from tradelane.deploy import deploy_contract

from .desk import ETH, Desk, Trade

ETHER = 10**18
USDC = 10**6


def _propose(desk: Desk, trade: Trade, by: str, bps: int) -> Any:
    return desk.send(
        desk.escrow.functions.proposeSettlement(trade.order, trade.terms_hash, bps), by
    )


def _accept(desk: Desk, trade: Trade, by: str, bps: int) -> Any:
    return desk.send(desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, bps), by)


def _funded(desk: Desk, **kw: Any) -> Trade:
    trade = desk.trade(**kw)
    desk.quote_and_fund(trade)
    return trade


def test_settlement_before_a_dispute_resolves_at_once_with_the_fee(desk: Desk) -> None:
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])  # 1% for new orders
    trade = _funded(desk, token=desk.usdc.address, price=10_000 * USDC)
    buyer, seller = trade.buyer, trade.seller
    b0, s0 = desk.balance(buyer, trade.token), desk.balance(seller, trade.token)
    _propose(desk, trade, seller, 2000)
    assert desk.escrow.functions.settlementOf(trade.id).call() == [seller, 2000]
    receipt = _accept(desk, trade, buyer, 2000)
    (event,) = desk.events(receipt, desk.escrow, "SettlementAccepted")
    assert (event["toBuyer"], event["toSeller"], event["fee"]) == (
        2_000 * USDC,
        7_920 * USDC,
        80 * USDC,
    )
    assert desk.balance(buyer, trade.token) - b0 == 2_000 * USDC
    assert desk.balance(seller, trade.token) - s0 == 7_920 * USDC
    assert desk.owed(desk.p["treasury"], trade.token) == 80 * USDC
    assert trade.status() == "resolved"
    assert desk.balance(desk.escrow.address, trade.token) == 80 * USDC  # only the fee credit
    assert desk.escrow.functions.settlementOf(trade.id).call()[0] == "0x" + "0" * 40
    for who in (buyer, seller):
        rep = desk.reputation(who, trade.token)
        assert (rep["settled"], rep["won"], rep["lost"], rep["completed"]) == (1, 0, 0, 0)


def test_a_counter_proposal_replaces_the_proposal_and_a_stale_accept_is_refused(
    desk: Desk,
) -> None:
    trade = _funded(desk)
    _propose(desk, trade, trade.seller, 1000)
    _propose(desk, trade, trade.buyer, 4000)  # the counter-proposal
    assert desk.escrow.functions.settlementOf(trade.id).call() == [trade.buyer, 4000]
    args = desk.reverts(
        "EscrowSettlementChanged",
        desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, 1000),
        trade.seller,
    )
    assert args == (trade.id, 4000, 1000)
    desk.reverts(  # the proposer cannot accept its own proposal
        "OrderUnauthorized",
        desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, 4000),
        trade.buyer,
    )
    _accept(desk, trade, trade.seller, 4000)
    assert trade.status() == "resolved"


def test_only_the_other_party_may_accept_a_settlement(desk: Desk) -> None:
    trade = _funded(desk)
    _propose(desk, trade, trade.buyer, 5000)
    accept = desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, 5000)
    for stranger in (desk.p["outsider"], trade.carrier, desk.p["operator"]):
        assert desk.reverts("OrderUnauthorized", accept, stranger) == (trade.id, stranger)
    assert trade.status() == "funded"
    _accept(desk, trade, trade.seller, 5000)
    assert trade.status() == "resolved"


def test_a_withdrawn_proposal_cannot_be_accepted(desk: Desk) -> None:
    trade = _funded(desk)
    _propose(desk, trade, trade.buyer, 5000)
    desk.send(desk.escrow.functions.withdrawSettlement(trade.order, trade.terms_hash), trade.buyer)
    desk.reverts(
        "EscrowNoSettlement",
        desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, 5000),
        trade.seller,
    )
    desk.reverts(
        "EscrowNoSettlement",
        desk.escrow.functions.withdrawSettlement(trade.order, trade.terms_hash),
        trade.buyer,
    )
    desk.reverts(
        "EscrowInvalidShare",
        desk.escrow.functions.proposeSettlement(trade.order, trade.terms_hash, 10_001),
        trade.buyer,
    )
    assert trade.status() == "funded"


def test_settlement_during_a_dispute_gives_the_opener_its_deposit_back(desk: Desk) -> None:
    trade = _funded(desk, token=desk.usdc.address, price=1_000 * USDC)
    cost = desk.cost()
    desk.dispute(trade, by=trade.seller)
    _propose(desk, trade, trade.seller, 3000)
    eth0 = desk.balance(trade.seller)
    b0, s0 = desk.balance(trade.buyer, trade.token), desk.balance(trade.seller, trade.token)
    _accept(desk, trade, trade.buyer, 3000)
    assert desk.balance(trade.seller) - eth0 == cost  # the opener's deposit, exactly
    assert desk.balance(trade.buyer, trade.token) - b0 == 300 * USDC
    assert desk.balance(trade.seller, trade.token) - s0 == 700 * USDC
    assert desk.balance(desk.escrow.address) == 0
    assert desk.balance(desk.escrow.address, trade.token) == 0
    assert trade.status() == "resolved"


def test_settlement_with_the_arbitrator_ends_the_order_and_a_later_ruling_changes_nothing(
    desk: Desk,
) -> None:
    trade = _funded(desk)
    cost = desk.cost()
    desk.dispute(trade, by=trade.buyer)
    dispute_id = desk.pay_fee(trade)
    _propose(desk, trade, trade.seller, 6000)
    o0 = desk.balance(desk.escrow.address)
    receipt = _accept(desk, trade, trade.buyer, 6000)
    assert desk.events(receipt, desk.escrow, "DisputeResolved") == []
    assert o0 - desk.balance(desk.escrow.address) == ETHER + cost  # the price and the deposit
    assert trade.status() == "resolved"
    # The panel still rules; the escrow ignores it.
    desk.vote(dispute_id, desk.p["arbitrators"][0], 0)
    assert trade.status() == "resolved"
    assert desk.balance(desk.escrow.address) == 0
    assert desk.escrow.functions.reputation(trade.buyer, ETH).call()[6] == 1


def test_release_early_and_goodwill_refund_come_off_what_is_locked(desk: Desk) -> None:
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])
    trade = _funded(
        desk, token=desk.usdc.address, price=10_000 * USDC, milestones=[("loaded", 3000)]
    )
    buyer, seller, usdc = trade.buyer, trade.seller, trade.token
    b0, s0 = desk.balance(buyer, usdc), desk.balance(seller, usdc)
    receipt = desk.send(desk.escrow.functions.release(trade.order, trade.terms_hash, 1000), buyer)
    (event,) = desk.events(receipt, desk.escrow, "ReleasedEarly")
    assert (event["bps"], event["toSeller"], event["fee"]) == (1000, 990 * USDC, 10 * USDC)
    receipt = desk.send(desk.escrow.functions.reimburse(trade.order, trade.terms_hash, 200), seller)
    (event,) = desk.events(receipt, desk.escrow, "GoodwillRefunded")
    assert event["toBuyer"] == 200 * USDC
    assert trade.state()["released_bps"] == 1200
    # The 30% milestone pays only what it adds beyond the 12% already gone.
    desk.record(trade, "picked_up")
    desk.record(trade, "loaded")
    assert trade.state()["released_bps"] == 3000
    desk.confirm(trade)
    assert desk.balance(buyer, usdc) - b0 == 200 * USDC  # b0 was taken after funding
    assert desk.balance(seller, usdc) - s0 == 9_800 * USDC - 98 * USDC
    assert desk.owed(desk.p["treasury"], usdc) == 98 * USDC
    assert desk.balance(desk.escrow.address, usdc) == 98 * USDC
    assert desk.reputation(seller, usdc)["refunded"] == 1
    assert desk.reputation(buyer, usdc)["refunded"] == 0


def test_release_and_refund_are_bounded_by_what_is_locked_and_need_an_active_order(
    desk: Desk,
) -> None:
    trade = _funded(desk)
    desk.send(desk.escrow.functions.release(trade.order, trade.terms_hash, 9000), trade.buyer)
    args = desk.reverts(
        "EscrowInvalidShare",
        desk.escrow.functions.reimburse(trade.order, trade.terms_hash, 1001),
        trade.seller,
    )
    assert args == (trade.id, 1001)
    desk.reverts(
        "EscrowInvalidShare",
        desk.escrow.functions.release(trade.order, trade.terms_hash, 0),
        trade.buyer,
    )
    desk.dispute(trade)
    desk.reverts(
        "OrderInvalidStatus",
        desk.escrow.functions.release(trade.order, trade.terms_hash, 100),
        trade.buyer,
    )


def _impostor_trade(desk: Desk, artifacts: Any, cost: int) -> tuple[Trade, Any]:
    impostor, _ = deploy_contract(
        desk.chain, artifacts["ImpostorArbitrator"], [cost], sender=desk.p["operator"]
    )
    desk.send(impostor.functions.setNextId(7), desk.p["operator"])
    trade = _funded(desk, arbitrator=impostor.address)
    return trade, impostor


def _open(desk: Desk, trade: Trade, impostor: Any, opener: str, other: str) -> None:
    fns = desk.escrow.functions
    desk.send(fns.dispute(trade.form, ""), opener, value=impostor.functions.cost().call())
    desk.send(
        fns.payArbitrationFee(trade.form),
        other,
        value=impostor.functions.cost().call(),
    )


def test_the_second_payer_gets_back_what_it_paid_after_a_cost_change(
    desk: Desk, artifacts: Any
) -> None:
    first, second = 4 * 10**15, 10**15
    trade, impostor = _impostor_trade(desk, artifacts, first)
    fns = desk.escrow.functions
    desk.send(fns.dispute(trade.form, ""), trade.buyer, value=first)
    desk.send(impostor.functions.setCost(second), desk.p["operator"])
    desk.send(fns.payArbitrationFee(trade.form), trade.seller, value=second)
    s0, b0 = desk.balance(trade.seller), desk.balance(trade.buyer)
    desk.send(impostor.functions.ruleOn(desk.escrow.address, 7, 1), desk.p["outsider"])
    # The seller won in full: the price and exactly its own payment; the buyer the rest of its own.
    assert desk.balance(trade.seller) - s0 == ETHER + second
    assert desk.balance(trade.buyer) - b0 == first - second
    assert desk.balance(desk.escrow.address) == 0


def test_an_arbitration_fee_refund_is_split_as_the_ruling_splits(
    desk: Desk, artifacts: Any
) -> None:
    cost = 4 * 10**15
    trade, impostor = _impostor_trade(desk, artifacts, cost)
    _open(desk, trade, impostor, trade.buyer, trade.seller)
    desk.reverts(  # only the dispute's arbitrator
        "EscrowUnknownDispute",
        desk.escrow.functions.onArbitrationRefund(7),
        desk.p["outsider"],
        value=cost,
    )
    desk.send(impostor.functions.refund(desk.escrow.address, 7), desk.p["outsider"], value=cost)
    assert desk.balance(desk.escrow.address) == ETHER + 2 * cost
    s0, b0 = desk.balance(trade.seller), desk.balance(trade.buyer)
    desk.send(impostor.functions.ruleOn(desk.escrow.address, 7, 2501), desk.p["outsider"])
    # 25% of the price and of the refunded fee to the buyer; the buyer won less than half, so the
    # seller (the second payer) takes its own payment back out of the buyer's deposit.
    assert desk.balance(trade.buyer) - b0 == ETHER // 4 + cost // 4
    assert desk.balance(trade.seller) - s0 == ETHER * 3 // 4 + cost - cost // 4 + cost
    assert desk.balance(desk.escrow.address) == 0
    desk.reverts(  # ruled: nothing left to refund into
        "EscrowUnknownDispute",
        impostor.functions.refund(desk.escrow.address, 7),
        desk.p["outsider"],
        value=1,
    )


def test_a_fee_refund_after_a_settlement_is_split_as_the_settlement(
    desk: Desk, artifacts: Any
) -> None:
    cost = 4 * 10**15
    trade, impostor = _impostor_trade(desk, artifacts, cost)
    _open(desk, trade, impostor, trade.seller, trade.buyer)
    _propose(desk, trade, trade.seller, 5000)
    _accept(desk, trade, trade.buyer, 5000)
    desk.send(impostor.functions.refund(desk.escrow.address, 7), desk.p["outsider"], value=cost)
    assert desk.owed(trade.buyer) == cost // 2  # credited: the arbitrator's call is gas-capped
    assert desk.owed(trade.seller) == cost - cost // 2
    desk.send(desk.escrow.functions.withdraw(ETH), trade.buyer)
    desk.send(desk.escrow.functions.withdraw(ETH), trade.seller)
    desk.send(impostor.functions.ruleOn(desk.escrow.address, 7, 1), desk.p["outsider"])
    assert trade.status() == "resolved"
    assert desk.balance(desk.escrow.address) == 0


def test_a_party_funds_an_appeal_through_the_escrow(desk: Desk, artifacts: Any) -> None:
    cost = 10**15
    trade, impostor = _impostor_trade(desk, artifacts, cost)
    fns = desk.escrow.functions
    desk.reverts(  # no dispute with the arbitrator yet
        "OrderInvalidStatus", fns.appeal(trade.form, 7), trade.buyer, value=1
    )
    _open(desk, trade, impostor, trade.buyer, trade.seller)
    desk.reverts(  # not this order's dispute
        "EscrowUnknownDispute", fns.appeal(trade.form, 8), trade.buyer, value=1
    )
    receipt = desk.send(fns.appeal(trade.form, 7), trade.seller, value=5 * cost)
    (event,) = desk.events(receipt, desk.escrow, "AppealFunded")
    assert (event["by"], event["disputeId"], event["amount"]) == (trade.seller, 7, 5 * cost)
    assert impostor.functions.appealed().call() == 5 * cost
    assert trade.status() == "disputed"
    assert desk.balance(desk.escrow.address) == ETHER + cost  # the appeal went on


def test_a_proposal_left_standing_cannot_be_accepted_once_the_order_is_over(desk: Desk) -> None:
    trade = _funded(desk, price=ETHER)
    _propose(desk, trade, trade.seller, 2_000)
    desk.confirm(trade)  # the buyer takes delivery instead: the seller is paid in full
    assert trade.status() == "completed"
    balances = {w: desk.balance(w) for w in (trade.buyer, trade.seller, desk.escrow.address)}
    accept = desk.escrow.functions.acceptSettlement(trade.order, trade.terms_hash, 2_000)
    desk.reverts("OrderInvalidStatus", accept, trade.buyer)
    assert {w: desk.balance(w) for w in balances} == balances
