"""Whole trades through the suite, on eth-tester and on Anvil: every party's money is
checked at the end, and the escrow holds exactly what it still owes."""

from __future__ import annotations

from .conftest import USDC_UNIT
from .desk import DAY, ETH, Desk, Trade

ETHER = 10**18


def assert_escrow_holds_only_what_it_owes(
    desk: Desk, token: str, locked: int, owed_to: list[str]
) -> None:
    """Invariant 1: the escrow's balance is what it still locks plus what it owes."""
    owed = sum(desk.owed(a, token) for a in owed_to)
    assert desk.balance(desk.escrow.address, token) == locked + owed


def test_happy_eth_seller_is_paid_on_confirmation(desk: Desk) -> None:
    trade = desk.trade(price=2 * ETHER)
    seller_before = desk.balance(trade.seller)
    desk.quote_and_fund(trade)
    assert trade.status() == "funded"
    assert desk.balance(desk.escrow.address) == 2 * ETHER
    desk.confirm(trade)
    assert trade.status() == "completed"
    assert desk.balance(trade.seller) - seller_before == 2 * ETHER
    assert desk.balance(desk.escrow.address) == 0
    rep = desk.escrow.functions.reputation(trade.seller, ETH).call()
    assert rep[0] == 1 and rep[5] == 2 * ETHER


def test_usdc_milestone_at_export_clearance_with_fee(desk: Desk) -> None:
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])
    price = 12_000 * USDC_UNIT
    trade = desk.trade(
        token=desk.usdc.address, price=price, incoterm="CIF", milestones=[("export_cleared", 3000)]
    )
    seller_before = desk.balance(trade.seller, trade.token)
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up", document="BL-0042")
    receipt = desk.record(trade, "export_cleared")
    (released,) = desk.events(receipt, desk.escrow, "MilestoneReleased")
    assert (released["toSeller"], released["fee"]) == (3564 * USDC_UNIT, 36 * USDC_UNIT)
    assert desk.balance(trade.seller, trade.token) - seller_before == 3564 * USDC_UNIT
    for stage in ("loaded", "arrived", "import_cleared", "delivered"):
        desk.record(trade, stage, location="DEHAM")
    assert trade.status() == "delivered"
    desk.time_travel(3 * DAY + 1)
    desk.settle(trade)
    assert trade.status() == "completed"
    assert desk.balance(trade.seller, trade.token) - seller_before == 11_880 * USDC_UNIT
    assert desk.owed(desk.p["treasury"], trade.token) == 120 * USDC_UNIT
    assert_escrow_holds_only_what_it_owes(desk, trade.token, 0, [desk.p["treasury"]])
    desk.send(desk.escrow.functions.withdraw(trade.token), desk.p["treasury"])
    assert desk.balance(desk.p["treasury"], trade.token) == 120 * USDC_UNIT
    rep = desk.escrow.functions.reputation(trade.seller, trade.token).call()
    assert rep[0] == 1 and rep[4] == 1  # completed, on time


def test_ship_by_missed_refunds_buyer_in_full(desk: Desk) -> None:
    trade = desk.trade(price=ETHER)
    desk.quote_and_fund(trade)
    desk.record(trade, "booked")
    desk.reverts(
        "EscrowDeadlineNotReached",
        desk.escrow.functions.refund(trade.form),
        desk.p["outsider"],
    )
    desk.time_travel(7 * DAY + 1)
    buyer_before = desk.balance(trade.buyer)
    desk.send(desk.escrow.functions.refund(trade.form), desk.p["outsider"])
    assert trade.status() == "refunded"
    assert desk.balance(trade.buyer) - buyer_before == ETHER
    desk.reverts(
        "OrderInvalidStatus",
        desk.escrow.functions.refund(trade.form),
        desk.p["outsider"],
    )


def test_d_term_not_delivered_buyer_reclaims_what_was_not_released(desk: Desk) -> None:
    trade = desk.trade(price=10 * ETHER, incoterm="DAP", milestones=[("loaded", 2000)])
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "loaded")
    desk.time_travel(40 * DAY + 1)
    buyer_before = desk.balance(trade.buyer)
    receipt = desk.send(desk.escrow.functions.refund(trade.form), desk.p["outsider"])
    assert desk.events(receipt, desk.escrow, "OrderRefunded")[0]["toBuyer"] == 8 * ETHER
    assert desk.balance(trade.buyer) - buyer_before == 8 * ETHER
    assert trade.status() == "refunded"


def test_f_term_late_delivery_is_paid_after_inspection(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, incoterm="FOB")
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "loaded")
    desk.time_travel(40 * DAY + 1)
    args = desk.reverts(
        "EscrowRiskWithBuyer",
        desk.escrow.functions.refund(trade.form),
        desk.p["outsider"],
    )
    assert args == (trade.id, 8)
    desk.record(trade, "delivered", location="DEHAM")
    assert trade.state()["delivered_on_time"] is False
    desk.reverts(
        "EscrowDeadlineNotReached",
        desk.escrow.functions.settle(trade.form),
        desk.p["outsider"],
    )
    desk.time_travel(3 * DAY + 1)
    seller_before = desk.balance(trade.seller)
    desk.settle(trade)
    assert desk.balance(trade.seller) - seller_before == ETHER
    assert desk.escrow.functions.reputation(trade.seller, ETH).call()[4] == 0  # not on time


def test_damaged_goods_ruled_40_percent_to_buyer_by_three_member_panel(desk: Desk) -> None:
    judges = desk.p["arbitrators"]
    trade = desk.trade(
        token=desk.usdc.address,
        price=12_000 * USDC_UNIT,
        incoterm="CIF",
        panel=judges,
        milestones=[("export_cleared", 3000)],
    )
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "export_cleared")
    desk.record(trade, "delivered")
    buyer_eth, seller_eth = desk.balance(trade.buyer), desk.balance(trade.seller)
    buyer_usdc, seller_usdc = (
        desk.balance(trade.buyer, trade.token),
        desk.balance(trade.seller, trade.token),
    )
    desk.dispute(trade, evidence="12 of 40 cartons crushed")
    assert trade.status() == "disputed"
    dispute_id = desk.pay_fee(trade)
    desk.vote(dispute_id, judges[0], 4000)
    desk.vote(dispute_id, judges[1], 5000)
    assert trade.status() == "disputed"
    receipt = desk.vote(dispute_id, judges[2], 4000)
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    assert (resolved["toBuyer"], resolved["toSeller"]) == (3360 * USDC_UNIT, 5040 * USDC_UNIT)
    assert trade.status() == "resolved"
    assert desk.balance(trade.buyer, trade.token) - buyer_usdc == 3360 * USDC_UNIT
    assert desk.balance(trade.seller, trade.token) - seller_usdc == 5040 * USDC_UNIT
    # the seller won (the buyer got less than half): its fee came back; the buyer's paid the panel
    cost = desk.cost()
    assert desk.balance(trade.seller) - seller_eth > -cost  # paid cost, got cost back, less gas
    assert buyer_eth - desk.balance(trade.buyer) >= cost
    rep_b = desk.escrow.functions.reputation(trade.buyer, trade.token).call()
    rep_s = desk.escrow.functions.reputation(trade.seller, trade.token).call()
    assert (rep_b[1], rep_b[2], rep_b[3]) == (1, 0, 1)
    assert (rep_s[1], rep_s[2], rep_s[3]) == (0, 1, 0)
    assert desk.balance(desk.escrow.address, trade.token) == 0
    assert desk.balance(desk.escrow.address) == 0


def test_fee_timeout_default_gives_opener_everything(desk: Desk) -> None:
    trade = desk.trade(price=ETHER)
    desk.quote_and_fund(trade)
    desk.dispute(trade, by=trade.seller)
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    desk.reverts("EscrowDeadlineNotReached", enforce, desk.p["outsider"])
    desk.time_travel(2 * DAY + 1)
    desk.reverts(
        "EscrowDeadlinePassed",
        desk.escrow.functions.payArbitrationFee(trade.form),
        trade.buyer,
        value=desk.cost(),
    )
    seller_before = desk.balance(trade.seller)
    desk.send(enforce, desk.p["outsider"])
    assert trade.status() == "resolved"
    assert desk.balance(trade.seller) - seller_before == ETHER + desk.cost()
    assert desk.escrow.functions.reputation(trade.buyer, ETH).call()[3] == 1


def test_customs_hold_freezes_release_until_lifted(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, milestones=[("export_cleared", 5000)])
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "hold")
    receipt = desk.record(trade, "export_cleared")
    assert desk.events(receipt, desk.escrow, "MilestoneReleased") == []
    desk.record(trade, "delivered")
    desk.reverts(
        "EscrowOnHold", desk.escrow.functions.confirm(trade.order, trade.terms_hash), trade.buyer
    )
    seller_before = desk.balance(trade.seller)
    receipt = desk.record(trade, "release")
    assert desk.events(receipt, desk.escrow, "MilestoneReleased")[0]["toSeller"] == ETHER // 2
    assert desk.balance(trade.seller) - seller_before == ETHER // 2
    desk.confirm(trade)
    assert trade.status() == "completed"


def test_cancel_before_funding(desk: Desk) -> None:
    trade = desk.trade(price=ETHER)
    desk.send(desk.escrow.functions.register(trade.form, "ipfs://po"), trade.buyer)
    assert trade.status() == "created"
    desk.send(desk.escrow.functions.accept(trade.order, trade.terms_hash), trade.seller)
    desk.send(desk.escrow.functions.cancel(trade.order, trade.terms_hash), trade.seller)
    assert trade.status() == "cancelled"
    desk.reverts(
        "OrderInvalidStatus",
        desk.escrow.functions.fund(trade.order, trade.terms_hash),
        trade.buyer,
        value=ETHER,
    )


def test_quote_replay_is_refused(desk: Desk) -> None:
    trade = desk.trade(price=ETHER)
    desk.quote_and_fund(trade)
    fn = desk.escrow.functions.fundWithQuote(trade.form, "ipfs://po", trade.quote())
    args = desk.reverts("OrderInvalidStatus", fn, trade.buyer, value=ETHER)
    assert args[0] == trade.id


def test_register_accept_fund_path_then_confirm(desk: Desk) -> None:
    trade: Trade = desk.trade(token=desk.usdc.address, price=500 * USDC_UNIT)
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    desk.send(desk.escrow.functions.accept(trade.order, trade.terms_hash), trade.seller)
    desk.send(desk.escrow.functions.fund(trade.order, trade.terms_hash), trade.buyer)
    assert trade.status() == "funded"
    desk.confirm(trade)
    assert desk.balance(desk.escrow.address, trade.token) == 0
