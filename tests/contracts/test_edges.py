"""Edges of the money paths, written to kill the mutants of audit/mutate.py: every deadline at
the exact second on both sides, fees on every payout, holds around settlement, pause during
refunds and withdrawals, votes after a decision, ruling splits and their deposits.

`desk.at(t)` makes the next transaction run at timestamp `t` on either chain.
"""

from __future__ import annotations

import json
from typing import Any

from eth_utils import keccak, to_checksum_address

from .conftest import USDC_UNIT
from .desk import DAY, ETH, Desk, Trade

ETHER = 10**18
PRICE = 10_000 * USDC_UNIT


def funded(desk: Desk, **kw: Any) -> tuple[Trade, int]:
    trade = desk.trade(**kw)
    desk.quote_and_fund(trade)
    return trade, int(trade.state()["funded_at"])


def usdc(desk: Desk, account: str) -> int:
    return desk.balance(account, desk.usdc.address)


def set_fee(desk: Desk, bps: int) -> None:
    desk.send(desk.escrow.functions.setFee(bps), desk.p["operator"])


def both_sides(desk: Desk, last_refused: int, refused: Any, error: str, sender: str) -> None:
    """`refused` reverts with `error` at `last_refused`; the caller then acts a second later."""
    desk.at(last_refused)
    desk.reverts(error, refused, sender, value=0)
    desk.at(last_refused + 1)


# ---------------------------------------------------------------- ship-by and deliver-by


def test_ship_by_refund_is_due_exactly_one_second_after_the_ship_by_date(desk: Desk) -> None:
    trade, at = funded(desk, token=desk.usdc.address, price=PRICE, ship_within=7 * DAY)
    refund = desk.escrow.functions.refund(trade.form)
    desk.at(at + 7 * DAY)
    args = desk.reverts("EscrowDeadlineNotReached", refund, trade.buyer)
    assert args == (trade.id, at + 7 * DAY)
    before = usdc(desk, trade.buyer)
    desk.at(at + 7 * DAY + 1)
    desk.send(refund, desk.p["outsider"])
    assert usdc(desk, trade.buyer) - before == PRICE
    assert trade.status() == "refunded"


def test_a_pickup_at_the_ship_by_second_is_on_time_and_a_second_later_is_late(desk: Desk) -> None:
    for late in (0, 1):
        trade, at = funded(desk, price=ETHER, ship_within=7 * DAY, milestones=[("picked_up", 3000)])
        desk.at(at + 7 * DAY + late)
        receipt = desk.record(trade, "picked_up")
        paid = [
            e["toSeller"] + e["fee"] for e in desk.events(receipt, desk.escrow, "MilestoneReleased")
        ]
        assert trade.state()["picked_up_late"] is bool(late)
        assert paid == ([] if late else [ETHER * 3 // 10])  # a late pickup pays no tranche
        assert desk.escrow.functions.refundDue(trade.form).call() is bool(late)


def test_deliver_by_refund_under_d_terms_at_the_exact_second(desk: Desk) -> None:
    trade, at = funded(
        desk,
        token=desk.usdc.address,
        price=PRICE,
        incoterm="DAP",
        deliver_within=40 * DAY,
        milestones=[("picked_up", 2500)],
    )
    desk.record(trade, "picked_up")
    refund = desk.escrow.functions.refund(trade.form)
    desk.at(at + 40 * DAY)
    assert desk.reverts("EscrowDeadlineNotReached", refund, trade.buyer) == (
        trade.id,
        at + 40 * DAY,
    )
    before = usdc(desk, trade.buyer)
    desk.at(at + 40 * DAY + 1)
    desk.send(refund, trade.buyer)
    assert usdc(desk, trade.buyer) - before == PRICE * 3 // 4  # what was not released
    assert trade.status() == "refunded"


def test_only_d_terms_let_the_buyer_reclaim_after_a_late_delivery(desk: Desk) -> None:
    for incoterm, refundable in (("CIP", False), ("DAP", True), ("DDP", True), ("FAS", False)):
        trade, at = funded(desk, incoterm=incoterm, ship_within=DAY, deliver_within=2 * DAY)
        desk.record(trade, "picked_up")
        desk.at(at + 2 * DAY + 1)
        refund = desk.escrow.functions.refund(trade.form)
        if refundable:
            desk.send(refund, trade.buyer)
            assert trade.status() == "refunded"
        else:
            args = desk.reverts("EscrowRiskWithBuyer", refund, trade.buyer)
            assert args == (
                trade.id,
                ["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS"].index(incoterm),
            )


def test_delivery_at_the_deliver_by_second_is_on_time_and_a_second_later_is_not(desk: Desk) -> None:
    seller = desk.p["seller"]
    for late, on_time_count in ((0, 1), (1, 1)):
        trade, at = funded(desk, deliver_within=10 * DAY, inspection=DAY)
        desk.record(trade, "picked_up")
        desk.at(at + 10 * DAY + late)
        desk.record(trade, "delivered")
        state = trade.state()
        assert state["delivered_on_time"] is (late == 0)
        assert state["status"] == "delivered"
        desk.confirm(trade)
        assert desk.escrow.functions.reputation(seller, ETH).call()[4] == on_time_count


# ---------------------------------------------------------------- inspection window


def test_settle_opens_one_second_after_the_inspection_window(desk: Desk) -> None:
    trade, _ = funded(desk, price=ETHER, inspection=3 * DAY)
    desk.record(trade, "delivered")
    delivered = int(trade.state()["delivered_at"])
    settle = desk.escrow.functions.settle(trade.form)
    both_sides(desk, delivered + 3 * DAY, settle, "EscrowDeadlineNotReached", desk.p["outsider"])
    before = desk.balance(trade.seller)
    desk.settle(trade)
    assert desk.balance(trade.seller) - before == ETHER
    assert trade.status() == "completed"


def test_dispute_is_open_until_the_last_second_of_the_inspection_window(desk: Desk) -> None:
    trade, _ = funded(desk, inspection=3 * DAY)
    desk.record(trade, "delivered")
    ends = int(trade.state()["delivered_at"]) + 3 * DAY
    snapshot = desk.chain.snapshot()
    desk.at(ends + 1)
    fn = desk.escrow.functions.dispute(trade.form, "")
    args = desk.reverts("EscrowDeadlinePassed", fn, trade.buyer, value=desk.cost())
    assert args == (trade.id, ends)
    desk.chain.revert(snapshot)
    desk.at(ends)
    desk.dispute(trade)
    assert trade.status() == "disputed"


def test_a_late_delivery_refund_is_open_until_the_last_second_of_the_inspection_window(
    desk: Desk,
) -> None:
    trade, at = funded(desk, price=ETHER, incoterm="DAP", deliver_within=10 * DAY, inspection=DAY)
    desk.record(trade, "picked_up")
    desk.at(at + 10 * DAY + 1)
    desk.record(trade, "delivered")  # a second late: the refund is the buyer's choice
    ends = int(trade.state()["delivered_at"]) + DAY
    refund = desk.escrow.functions.refund(trade.form)
    snapshot = desk.chain.snapshot()
    desk.at(ends + 1)
    assert desk.reverts("EscrowDeadlinePassed", refund, trade.buyer) == (trade.id, ends)
    desk.chain.revert(snapshot)
    desk.at(ends)
    receipt = desk.send(refund, trade.buyer)
    assert desk.events(receipt, desk.escrow, "OrderRefunded")[0]["toBuyer"] == ETHER
    assert trade.status() == "refunded"


def test_settle_waits_for_a_hold_to_be_lifted(desk: Desk) -> None:
    trade, _ = funded(desk, price=ETHER, inspection=DAY)
    desk.record(trade, "delivered")
    desk.record(trade, "hold")
    desk.time_travel(5 * DAY)
    settle = desk.escrow.functions.settle(trade.form)
    assert desk.reverts("EscrowOnHold", settle, desk.p["outsider"]) == (trade.id,)
    desk.reverts(
        "EscrowOnHold", desk.escrow.functions.confirm(trade.order, trade.terms_hash), trade.buyer
    )
    desk.record(trade, "release")
    desk.time_travel(DAY + 1)  # the window restarts in full when the hold is lifted
    desk.settle(trade)
    assert trade.status() == "completed"


# ---------------------------------------------------------------- arbitration fee timeout


def test_fee_can_be_paid_until_the_last_second_and_enforced_a_second_later(desk: Desk) -> None:
    trade, _ = funded(desk, token=desk.usdc.address, price=PRICE)
    receipt = desk.dispute(trade)
    (opened,) = desk.events(receipt, desk.escrow, "DisputeOpened")
    deadline = int(opened["feeDeadline"])
    assert deadline == desk.w3.eth.get_block(receipt["blockNumber"])["timestamp"] + 2 * DAY
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    snapshot = desk.chain.snapshot()
    # Side one: the fee is paid at the last second; the timeout can no longer be enforced.
    desk.at(deadline)
    desk.pay_fee(trade)
    desk.reverts("EscrowFeeAlreadyPaid", enforce, desk.p["outsider"])
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    desk.reverts("EscrowFeeAlreadyPaid", pay, trade.seller, value=desk.cost())
    desk.chain.revert(snapshot)
    # Side two: not enforceable at the deadline; a second later the fee is late, the opener wins.
    both_sides(desk, deadline, enforce, "EscrowDeadlineNotReached", desk.p["outsider"])
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    assert desk.reverts("EscrowDeadlinePassed", pay, trade.seller, value=desk.cost()) == (
        trade.id,
        deadline,
    )
    desk.at(deadline + 1)
    before = usdc(desk, trade.buyer)
    desk.send(enforce, desk.p["outsider"])
    assert usdc(desk, trade.buyer) - before == PRICE
    assert trade.status() == "resolved"


def test_a_silent_arbitrator_can_be_timed_out_a_second_after_the_ruling_deadline(
    desk: Desk,
) -> None:
    trade, _ = funded(desk, ruling_timeout=30 * DAY)
    desk.dispute(trade)
    desk.pay_fee(trade)
    deadline = int(trade.state()["dispute_deadline"])
    enforce = desk.escrow.functions.enforceRulingTimeout(trade.order, trade.terms_hash)
    # At the deadline the arbitrator still has its time; a second later anyone ends it evenly.
    both_sides(desk, deadline, enforce, "EscrowDeadlineNotReached", desk.p["outsider"])
    receipt = desk.send(enforce, desk.p["outsider"])
    assert desk.events(receipt, desk.escrow, "RulingTimedOut")[0]["deadline"] == deadline
    assert trade.status() == "resolved"


def test_the_opener_cannot_pay_the_other_side_fee_and_the_payment_is_exact(desk: Desk) -> None:
    trade, _ = funded(desk)
    fn = desk.escrow.functions.dispute(trade.form, "")
    desk.reverts("EscrowWrongPayment", fn, trade.buyer, value=desk.cost() - 1)
    desk.dispute(trade)
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    desk.reverts("OrderUnauthorized", pay, trade.buyer, value=desk.cost())
    desk.reverts("OrderUnauthorized", pay, desk.p["outsider"], value=desk.cost())
    desk.reverts("EscrowWrongPayment", pay, trade.seller, value=desk.cost() + 1)
    assert trade.state()["dispute_deposit"] == desk.cost()


# ---------------------------------------------------------------- rulings


def ruled(
    desk: Desk,
    buyer_bps: int,
    *,
    fee_bps: int = 0,
    released: bool = False,
    by_seller: bool = False,
) -> dict[str, Any]:
    """A USDC order disputed by the buyer (the seller if `by_seller`; after 20% was released if
    `released`) and ruled by a one-member panel: what each side received, in USDC and in ETH
    (the deposits)."""
    if fee_bps:
        set_fee(desk, fee_bps)
    milestones = [("picked_up", 2000)] if released else []
    trade, _ = funded(desk, token=desk.usdc.address, price=PRICE, milestones=milestones)
    if released:
        desk.record(trade, "picked_up")
    desk.dispute(trade, by=trade.seller if by_seller else trade.buyer)
    dispute_id = desk.pay_fee(trade, by=trade.buyer if by_seller else trade.seller)
    buyer, seller, treasury = trade.buyer, trade.seller, desk.p["treasury"]
    before = (usdc(desk, buyer), usdc(desk, seller), desk.balance(buyer), desk.balance(seller))
    owed = desk.owed(treasury, trade.token)
    receipt = desk.vote(dispute_id, desk.p["arbitrators"][0], buyer_bps)
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    state = trade.state()
    assert (state["status"], state["dispute_deadline"], state["dispute_deposit"]) == (
        "resolved",
        0,
        0,
    )
    assert desk.balance(desk.escrow.address) == 0
    return {
        "trade": trade,
        "event": resolved,
        "buyer": usdc(desk, buyer) - before[0],
        "seller": usdc(desk, seller) - before[1],
        "buyer_eth": desk.balance(buyer) - before[2],
        "seller_eth": desk.balance(seller) - before[3],
        "fee": desk.owed(treasury, trade.token) - owed,
    }


def test_a_ruling_pays_the_platform_fee_on_the_seller_share(desk: Desk) -> None:
    out = ruled(desk, 4000, fee_bps=100)
    to_seller = PRICE * 6000 // 10_000
    assert out["buyer"] == PRICE * 4000 // 10_000
    assert out["fee"] == to_seller // 100
    assert out["seller"] == to_seller - to_seller // 100
    assert out["event"]["fee"] == out["fee"]
    # the seller won (the buyer got less than half): both deposits' worth goes to the seller
    assert (out["buyer_eth"], out["seller_eth"]) == (0, desk.cost())


def test_a_ruling_splits_only_what_is_still_locked(desk: Desk) -> None:
    out = ruled(desk, 7000, released=True)
    locked = PRICE * 8000 // 10_000
    assert out["buyer"] == locked * 7000 // 10_000
    assert out["seller"] == locked - locked * 7000 // 10_000
    assert (out["buyer_eth"], out["seller_eth"]) == (desk.cost(), 0)


def test_an_even_ruling_shares_the_deposit(desk: Desk) -> None:
    out = ruled(desk, 5000)
    assert out["buyer"] == out["seller"] == PRICE // 2
    assert out["buyer_eth"] == out["seller_eth"] == desk.cost() // 2


def test_a_ruling_may_give_the_buyer_everything_or_nothing(desk: Desk) -> None:
    snapshot = desk.chain.snapshot()
    out = ruled(desk, 10_000)
    assert (out["buyer"], out["seller"]) == (PRICE, 0)
    assert out["trade"].status() == "resolved"
    rep = desk.escrow.functions.reputation(out["trade"].buyer, out["trade"].token).call()
    assert (rep[1], rep[2], rep[3]) == (1, 1, 0)
    desk.chain.revert(snapshot)
    out = ruled(desk, 0)
    assert (out["buyer"], out["seller"]) == (0, PRICE)


def test_a_ruling_on_a_sellers_dispute_returns_the_deposit_to_the_side_that_won(
    desk: Desk,
) -> None:
    # The seller opened (its deposit is the one the escrow holds), the buyer paid second.
    for buyer_bps, buyer_eth in ((4000, 0), (6000, desk.cost()), (10_000, desk.cost())):
        snapshot = desk.chain.snapshot()
        out = ruled(desk, buyer_bps, by_seller=True)
        assert out["buyer"] == PRICE * buyer_bps // 10_000
        assert (out["buyer_eth"], out["seller_eth"]) == (buyer_eth, desk.cost() - buyer_eth)
        desk.chain.revert(snapshot)


# ---------------------------------------------------------------- panel votes and ruling period


def test_a_vote_after_the_decision_is_refused(desk: Desk) -> None:
    judges = desk.p["arbitrators"]
    trade, _ = funded(desk, panel=judges)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    arb = desk.arbitration.functions
    desk.vote(dispute_id, judges[0], 3000)
    assert arb.votes(dispute_id, 3001).call() == 1
    assert trade.status() == "disputed"
    desk.vote(dispute_id, judges[1], 3000)
    assert trade.status() == "resolved"
    assert arb.currentRuling(dispute_id).call() == 3001
    assert desk.reverts("ArbitrationDisputeSolved", arb.vote(dispute_id, 1), judges[2]) == (
        dispute_id,
    )
    assert not arb.hasVoted(dispute_id, judges[2]).call()


def test_a_five_member_panel_needs_three_votes_to_decide(desk: Desk) -> None:
    arb = desk.arbitration.functions
    extra = desk.chain.accounts[11:13]
    for member in extra:
        desk.send(arb.registerArbitrator(member), desk.p["operator"])
    panel = [*desk.p["arbitrators"], *extra]
    trade, _ = funded(desk, panel=panel)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    for member in panel[:2]:
        desk.vote(dispute_id, member, 7000)
    assert trade.status() == "disputed"  # two of five are not a majority
    assert arb.votes(dispute_id, 7001).call() == 2
    desk.vote(dispute_id, panel[2], 7000)
    assert trade.status() == "resolved"
    assert arb.currentRuling(dispute_id).call() == 7001


def test_three_different_votes_decide_nothing(desk: Desk) -> None:
    judges = desk.p["arbitrators"]
    trade, _ = funded(desk, panel=judges)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    for judge, bps in zip(judges, (1000, 2000, 3000), strict=True):
        desk.vote(dispute_id, judge, bps)
    assert trade.status() == "disputed"
    assert not desk.arbitration.functions.disputeInfo(dispute_id).call()[2]


def test_a_full_panel_is_paid_to_the_wei_and_its_first_member_takes_the_remainder(
    desk: Desk,
) -> None:
    arb = desk.arbitration.functions
    accounts = desk.chain.accounts
    # 15 members, the most a panel may have: three that never vote and hold nothing (so their
    # balances show exactly what they were paid), the suite's three, and nine dev accounts.
    idle = [to_checksum_address(keccak(text=f"idle member {i}")[-20:]) for i in range(3)]
    others = accounts[11:20]
    for member in (*idle, *others):
        desk.send(arb.registerArbitrator(member), desk.p["operator"])
    panel = [*idle, *desk.p["arbitrators"], *others]
    assert len(panel) == 15
    trade, _ = funded(desk, price=ETHER, panel=panel)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    voters = panel[3:11]
    for member in voters[:-1]:  # seven of fifteen decide nothing
        desk.vote(dispute_id, member, 10_000)
    assert trade.status() == "disputed"
    receipt = desk.vote(dispute_id, voters[-1], 10_000)  # the eighth is a majority
    assert desk.events(receipt, desk.escrow, "DisputeResolved")[0]["toBuyer"] == ETHER
    cost = desk.cost()
    share, rest = divmod(cost, 15)
    assert rest != 0  # the fee does not divide by 15: the remainder goes to the first member
    assert [desk.balance(m) for m in idle] == [share + rest, share, share]
    assert desk.events(receipt, desk.arbitration, "FeeDeferred") == []  # every push went out
    assert desk.balance(desk.arbitration.address) == 0


def test_the_largest_deposit_the_escrow_can_count_is_taken_and_a_wei_more_is_refused(
    desk: Desk, artifacts: Any
) -> None:
    most = 2**72 - 1  # the escrow keeps a dispute's deposit in 72 bits (4,722 ether)
    impostor = _impostor(desk, artifacts, most + 1)
    trade, _ = funded(desk, price=ETHER, arbitrator=impostor.address)
    open_ = desk.escrow.functions.dispute(trade.form, "")
    args = desk.reverts("EscrowWrongPayment", open_, trade.buyer, value=most + 1)
    assert args == (trade.id, most + 1, most + 1)
    desk.send(impostor.functions.setCost(most), desk.p["operator"])
    desk.send(open_, trade.buyer, value=most)
    assert trade.state()["dispute_deposit"] == most
    # The seller does not pay its side: the buyer wins by default and gets it all back.
    desk.time_travel(2 * DAY + 1)
    before = desk.balance(trade.buyer)
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    desk.send(enforce, desk.p["outsider"])
    assert desk.balance(trade.buyer) - before == ETHER + most
    assert desk.balance(desk.escrow.address) == 0


def test_a_refunded_fee_is_kept_up_to_what_the_escrow_can_count_and_paid_with_the_ruling(
    desk: Desk, artifacts: Any
) -> None:
    cost = 10**15
    impostor = _impostor(desk, artifacts, cost)
    trade, _ = funded(desk, price=ETHER, arbitrator=impostor.address)
    desk.send(desk.escrow.functions.dispute(trade.form, ""), trade.buyer, value=cost)
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    desk.send(pay, trade.seller, value=cost)  # dispute 0 at the impostor
    most = 2**80 - 1  # the escrow keeps a refunded fee in 80 bits (1,208,925 ether)
    rich, donor = desk.chain.accounts[19], desk.chain.accounts[18]
    w3 = desk.chain.w3
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": donor, "to": rich, "value": 300_000 * ETHER})
    )
    refund = impostor.functions.refund(desk.escrow.address, 0)
    desk.send(refund, rich, value=most)
    assert desk.reverts("EscrowWrongPayment", refund, rich, value=1) == (trade.id, 1, 0)
    # The ruling gives the buyer everything: the order's money, its deposit and the refund.
    before = desk.balance(trade.buyer)
    desk.send(impostor.functions.ruleOn(desk.escrow.address, 0, 10_001), desk.p["outsider"])
    assert desk.balance(trade.buyer) - before == ETHER + cost + most
    assert desk.balance(desk.escrow.address) == 0


def test_ruling_period_ends_at_the_exact_second(desk: Desk) -> None:
    judges = desk.p["arbitrators"]
    trade, _ = funded(desk, price=ETHER, panel=judges)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    arb = desk.arbitration.functions
    deadline = int(arb.disputeInfo(dispute_id).call()[1])
    default = arb.ruleByDefault(dispute_id)
    desk.at(deadline)
    assert desk.reverts("ArbitrationDeadlineNotReached", default, desk.p["outsider"]) == (
        dispute_id,
        deadline,
    )
    desk.vote(dispute_id, judges[0], 9000)  # the last second still counts
    assert arb.hasVoted(dispute_id, judges[0]).call()
    desk.at(deadline + 1)
    assert desk.reverts("ArbitrationDeadlinePassed", arb.vote(dispute_id, 9001), judges[1]) == (
        dispute_id,
        deadline,
    )
    before = [desk.balance(j) for j in judges]
    desk.at(deadline + 1)
    desk.send(default, desk.p["outsider"])
    assert trade.status() == "resolved"
    cost = desk.cost()
    gained = [desk.balance(j) - b for j, b in zip(judges, before, strict=True)]
    assert gained == [cost, 0, 0]  # the fee goes to the members who voted: the first only
    assert desk.arbitration.functions.owed(ETH).call() == 0
    assert desk.balance(desk.arbitration.address) == 0


# ---------------------------------------------------------------- fees, holds and milestones


def test_fees_on_every_tranche_and_on_completion(desk: Desk) -> None:
    set_fee(desk, 150)
    trade, _ = funded(
        desk,
        token=desk.usdc.address,
        price=PRICE,
        milestones=[("picked_up", 1001), ("loaded", 1999), ("departed", 501), ("arrived", 499)],
    )
    treasury, seller = desk.p["treasury"], trade.seller
    start = usdc(desk, seller)
    expected_paid = 0
    expected_fee = 0
    for stage, bps in (
        ("picked_up", 1001),
        ("export_cleared", 0),
        ("loaded", 1999),
        ("departed", 501),
    ):
        receipt = desk.record(trade, stage)
        assert len(desk.events(receipt, desk.escrow, "MilestoneReleased")) == (1 if bps else 0)
        tranche = PRICE * bps // 10_000
        expected_fee += tranche * 150 // 10_000
        expected_paid += tranche - tranche * 150 // 10_000
        assert usdc(desk, seller) - start == expected_paid, stage
        assert desk.owed(treasury, trade.token) == expected_fee, stage
    assert trade.state()["released_bps"] == 3501
    desk.record(trade, "delivered")  # arrived is skipped: its tranche comes with delivery
    assert trade.state()["released_bps"] == 4000
    desk.confirm(trade)
    assert usdc(desk, seller) - start + desk.owed(treasury, trade.token) == PRICE
    assert desk.owed(treasury, trade.token) == PRICE * 150 // 10_000
    assert usdc(desk, desk.escrow.address) == PRICE * 150 // 10_000


def test_a_release_during_a_dispute_pays_nothing(desk: Desk) -> None:
    trade, _ = funded(
        desk, token=desk.usdc.address, price=PRICE, milestones=[("export_cleared", 5000)]
    )
    desk.record(trade, "picked_up")
    desk.record(trade, "hold")
    desk.record(trade, "export_cleared")
    desk.dispute(trade)
    before = usdc(desk, trade.seller)
    receipt = desk.record(trade, "release")
    assert desk.events(receipt, desk.escrow, "MilestoneReleased") == []
    assert usdc(desk, trade.seller) == before
    assert trade.state()["released_bps"] == 0
    assert not trade.state()["on_hold"]


def test_stages_during_a_dispute_release_nothing_and_keep_it_disputed(desk: Desk) -> None:
    trade, _ = funded(desk, token=desk.usdc.address, price=PRICE, milestones=[("loaded", 5000)])
    desk.dispute(trade)
    before = usdc(desk, trade.seller)
    desk.record(trade, "picked_up")
    desk.record(trade, "loaded")
    desk.record(trade, "delivered")
    state = trade.state()
    assert (state["status"], state["stage"], state["released_bps"]) == ("disputed", "delivered", 0)
    assert state["delivered_at"] > 0
    assert usdc(desk, trade.seller) == before


def test_status_follows_the_stages(desk: Desk) -> None:
    trade, _ = funded(desk)
    desk.record(trade, "booked")
    assert trade.status() == "funded"
    desk.record(trade, "picked_up")
    assert trade.status() == "in_transit"
    desk.record(trade, "loaded")
    assert trade.status() == "in_transit"
    desk.record(trade, "delivered")
    assert trade.status() == "delivered"
    args = desk.reverts(
        "EscrowStageNotForward",
        desk.tracker.functions.record(trade.form, trade.checkpoint("delivered")),
        trade.carrier,
    )
    assert args[0] == trade.id


def test_checkpoints_that_move_no_money_need_an_open_order(desk: Desk) -> None:
    trade, _ = funded(desk)
    desk.record(trade, "exception")
    desk.dispute(trade)
    desk.record(trade, "exception")  # disputed is still open
    desk.record(trade, "inspection_passed", by=desk.p["inspector"])
    done, _ = funded(desk)
    desk.confirm(done)
    fn = desk.tracker.functions.record(done.form, done.checkpoint("exception"))
    assert desk.reverts("TrackerOrderInactive", fn, done.carrier) == (done.id,)


def test_a_hold_or_a_release_on_an_ended_order_is_refused(desk: Desk) -> None:
    done, _ = funded(desk)
    desk.confirm(done)
    for kind in ("hold", "release"):
        fn = desk.tracker.functions.record(done.form, done.checkpoint(kind))
        args = desk.reverts("OrderInvalidStatus", fn, desk.p["customs"])
        assert args[0] == done.id
    assert done.state()["on_hold"] is False


# ---------------------------------------------------------------- pause and withdrawals


def test_pause_never_blocks_a_refund_or_a_withdrawal(desk: Desk) -> None:
    set_fee(desk, 200)
    paid, _ = funded(desk, token=desk.usdc.address, price=PRICE)
    desk.confirm(paid)
    late, at = funded(desk, token=desk.usdc.address, price=PRICE, ship_within=DAY)
    desk.send(desk.escrow.functions.pause(), desk.p["operator"])
    desk.at(at + DAY + 1)
    before = usdc(desk, late.buyer)
    desk.send(desk.escrow.functions.refund(late.form), late.buyer)
    assert usdc(desk, late.buyer) - before == PRICE
    treasury = desk.p["treasury"]
    fee = PRICE * 200 // 10_000
    assert desk.owed(treasury, paid.token) == fee
    before = usdc(desk, treasury)
    desk.send(desk.escrow.functions.withdraw(paid.token), treasury)
    assert usdc(desk, treasury) - before == fee
    assert desk.owed(treasury, paid.token) == 0
    fn = desk.escrow.functions.withdraw(paid.token)
    assert desk.reverts("EscrowNothingToWithdraw", fn, treasury) == (treasury, paid.token)
    assert usdc(desk, desk.escrow.address) == 0


def test_withdraw_to_another_address_in_eth(desk: Desk) -> None:
    set_fee(desk, 100)
    trade, _ = funded(desk, price=ETHER)
    desk.confirm(trade)
    treasury, outsider = desk.p["treasury"], desk.p["outsider"]
    assert desk.owed(treasury) == ETHER // 100
    fn = desk.escrow.functions.withdrawTo(ETH, ETH)
    desk.reverts("EscrowZeroAddress", fn, treasury)
    before = desk.balance(outsider)
    desk.send(desk.escrow.functions.withdrawTo(ETH, outsider), treasury)
    assert desk.balance(outsider) - before == ETHER // 100
    assert desk.balance(desk.escrow.address) == 0


# ---------------------------------------------------------------- funding


def test_funding_takes_exactly_the_price(desk: Desk) -> None:
    eth = desk.trade(price=ETHER)
    fn = desk.escrow.functions.fundWithQuote(eth.form, "", eth.quote())
    desk.reverts("EscrowWrongPayment", fn, eth.buyer, value=ETHER - 1)
    token = desk.trade(token=desk.usdc.address, price=PRICE)
    fn = desk.escrow.functions.fundWithQuote(token.form, "", token.quote())
    desk.reverts("EscrowWrongPayment", fn, token.buyer, value=1)
    before = usdc(desk, token.buyer)
    receipt = desk.quote_and_fund(token)
    assert before - usdc(desk, token.buyer) == PRICE
    assert usdc(desk, desk.escrow.address) == PRICE
    state = token.state()
    assert state["status"] == "funded"
    assert state["funded_at"] == desk.w3.eth.get_block(receipt["blockNumber"])["timestamp"]


def test_confirm_pays_the_rest_less_the_fee_and_counts_the_trade(desk: Desk) -> None:
    set_fee(desk, 100)
    trade, _ = funded(desk, token=desk.usdc.address, price=PRICE, milestones=[("picked_up", 3000)])
    desk.record(trade, "picked_up")
    before = usdc(desk, trade.seller)
    receipt = desk.confirm(trade)
    rest = PRICE * 7000 // 10_000
    assert usdc(desk, trade.seller) - before == rest - rest // 100
    (completed,) = desk.events(receipt, desk.escrow, "OrderCompleted")
    assert completed["fee"] == rest // 100
    rep = desk.escrow.functions.reputation(trade.seller, trade.token).call()
    assert (rep[0], rep[5]) == (1, PRICE)


# ---------------------------------------------------------------- guards of the money paths


def test_no_second_payout_and_no_payout_before_its_time(desk: Desk) -> None:
    trade, _ = funded(desk, price=ETHER)
    confirm = desk.escrow.functions.confirm(trade.order, trade.terms_hash)
    desk.reverts("OrderUnauthorized", confirm, trade.seller)
    desk.record(trade, "picked_up")
    settle = desk.escrow.functions.settle(trade.form)
    desk.time_travel(30 * DAY)
    desk.reverts("OrderInvalidStatus", settle, desk.p["outsider"])  # not delivered
    desk.confirm(trade)
    desk.reverts("OrderInvalidStatus", confirm, trade.buyer)
    desk.reverts("OrderInvalidStatus", settle, desk.p["outsider"])
    refund = desk.escrow.functions.refund(trade.form)
    desk.reverts("OrderInvalidStatus", refund, trade.buyer)
    fn = desk.escrow.functions.dispute(trade.form, "")
    desk.reverts("OrderInvalidStatus", fn, trade.buyer, value=desk.cost())
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    desk.reverts("OrderInvalidStatus", pay, trade.seller, value=desk.cost())
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    desk.reverts("OrderInvalidStatus", enforce, desk.p["outsider"])
    assert desk.balance(desk.escrow.address) == 0


def test_fee_default_gives_the_opener_only_what_is_still_locked(desk: Desk) -> None:
    trade, _ = funded(desk, token=desk.usdc.address, price=PRICE, milestones=[("picked_up", 3000)])
    desk.record(trade, "picked_up")
    desk.dispute(trade)
    desk.time_travel(2 * DAY + 1)
    before = usdc(desk, trade.buyer)
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    desk.send(enforce, desk.p["outsider"])
    assert usdc(desk, trade.buyer) - before == PRICE * 7000 // 10_000
    assert usdc(desk, desk.escrow.address) == 0


def test_only_the_arbitrator_of_a_dispute_rules_it(desk: Desk) -> None:
    fn = desk.escrow.functions.rule(0, 1)
    assert desk.reverts("EscrowUnknownDispute", fn, desk.p["outsider"]) == (desk.p["outsider"], 0)


def test_evidence_is_logged_only_when_given(desk: Desk) -> None:
    trade, _ = funded(desk)
    receipt = desk.dispute(trade, evidence="ipfs://photos")
    (evidence,) = desk.events(receipt, desk.escrow, "Evidence")
    assert (evidence["party"], evidence["evidence"]) == (trade.buyer, "ipfs://photos")
    other, _ = funded(desk)
    assert desk.events(desk.dispute(other), desk.escrow, "Evidence") == []


def test_terms_uri_is_logged_only_when_given(desk: Desk) -> None:
    trade = desk.trade()
    register = desk.escrow.functions.register(trade.form, "ipfs://po")
    receipt = desk.send(register, trade.buyer)
    logged = [(e["orderId"], e["uri"]) for e in desk.events(receipt, desk.escrow, "TermsDocument")]
    assert logged == [(trade.id, "ipfs://po")]
    # The registration writes no MetaEvidence: that is the dispute's, off the happy path.
    assert desk.events(receipt, desk.escrow, "MetaEvidence") == []
    bare = desk.trade()
    receipt = desk.send(desk.escrow.functions.register(bare.form, ""), bare.buyer)
    assert desk.events(receipt, desk.escrow, "TermsDocument") == []


def _impostor(desk: Desk, artifacts: Any, cost: int) -> Any:
    """An ImpostorArbitrator (test double) asking `cost` for a dispute."""
    from tradelane.deploy import deploy_contract

    contract, _ = deploy_contract(
        desk.chain, artifacts["ImpostorArbitrator"], [cost], sender=desk.p["operator"]
    )
    return contract


def _meta_evidence(uri: str) -> dict[str, Any]:
    prefix = "data:application/json,"
    assert uri.startswith(prefix) and "%" not in uri  # percent-decoding changes nothing
    document: dict[str, Any] = json.loads(uri[len(prefix) :])
    return document


def test_every_dispute_has_its_meta_evidence_bound_to_the_signed_terms(desk: Desk) -> None:
    # Funded from a quote with no document URI at all: the dispute still has its MetaEvidence.
    trade, _ = funded(desk)
    opened = desk.dispute(trade)
    assert desk.events(opened, desk.escrow, "MetaEvidence") == []  # not until it is created
    receipt = desk.send(
        desk.escrow.functions.payArbitrationFee(trade.form),
        trade.seller,
        value=desk.cost(),
    )
    (dispute,) = desk.events(receipt, desk.escrow, "Dispute")
    (meta,) = desk.events(receipt, desk.escrow, "MetaEvidence")
    assert dispute["metaEvidenceId"] == int.from_bytes(trade.id, "big")
    assert meta["metaEvidenceId"] == int.from_bytes(trade.id, "big")
    document = _meta_evidence(meta["evidence"])
    assert document["title"] == "Tradelane order 0x" + trade.id.hex()
    assert document["termsHash"] == "0x" + trade.terms_hash.hex()
    assert document["documentHash"] == "0x" + bytes(trade.terms[8]).hex()
    assert document["arbitrableAddress"] == desk.escrow.address.lower()
    assert document["aliases"] == {trade.buyer.lower(): "buyer", trade.seller.lower(): "seller"}
    options = document["rulingOptions"]
    assert (options["type"], options["precision"]) == ("uint", 0)
    assert "r - 1" in options["descriptions"][0] and "ruling 0" in options["descriptions"][0]
    # The terms hash in it is the one the seller signed: it is what the order id commits to.
    assert desk.escrow.functions.orderId(trade.order, trade.terms_hash).call() == trade.id


def test_checkpoint_kinds_out_of_range_are_refused(desk: Desk) -> None:
    trade, _ = funded(desk)
    for kind in (0, 16):
        cp = (kind, b"CNSHA", b"\x00" * 32, "")
        fn = desk.tracker.functions.record(trade.form, cp)
        assert desk.reverts("TrackerInvalidKind", fn, trade.carrier) == (kind,)
    desk.record(trade, "inspection_failed", by=desk.p["inspector"])  # the last kind


def test_arbitrator_withdrawal_needs_a_credit(desk: Desk) -> None:
    judge = desk.p["arbitrators"][0]
    fn = desk.arbitration.functions.withdraw()
    assert desk.reverts("ArbitrationNothingToWithdraw", fn, judge) == (judge,)


# ---------------------------------------------------------------- reputation at completion


def test_a_completion_counts_in_the_record_without_touching_its_dispute_counts(
    desk: Desk,
) -> None:
    # A ruling first, so both records carry dispute counts beside the completions.
    judge = desk.p["arbitrators"][0]
    disputed = desk.trade(token=desk.usdc.address, price=100 * USDC_UNIT)
    desk.quote_and_fund(disputed)
    desk.dispute(disputed)
    desk.vote(desk.pay_fee(disputed), judge, 9000)
    before = {
        who: desk.reputation(who, desk.usdc.address) for who in (disputed.buyer, disputed.seller)
    }
    assert (before[disputed.buyer]["opened"], before[disputed.buyer]["won"]) == (1, 1)
    assert before[disputed.seller]["lost"] == 1
    # Then a trade delivered on time and confirmed.
    trade, _ = funded(desk, token=desk.usdc.address, price=250 * USDC_UNIT)
    desk.record(trade, "picked_up")
    desk.record(trade, "delivered")
    desk.confirm(trade)
    for who, on_time in ((trade.buyer, 0), (trade.seller, 1)):
        after = desk.reputation(who, desk.usdc.address)
        assert after == {
            **before[who],
            "completed": before[who]["completed"] + 1,
            "on_time": before[who]["on_time"] + on_time,
            "volume": before[who]["volume"] + 250 * USDC_UNIT,
        }, who


def test_the_completed_volume_saturates_at_the_largest_uint96(desk: Desk) -> None:
    top = 2**96 - 1
    usdc = desk.usdc.functions
    desk.send(usdc.mint(desk.p["buyer"], 2 * top), desk.p["operator"])
    for n in (1, 2):
        trade = desk.trade(token=desk.usdc.address, price=top)
        desk.quote_and_fund(trade)
        desk.confirm(trade)
        for who in (trade.buyer, trade.seller):
            record = desk.reputation(who, desk.usdc.address)
            # A price of 2^96-1 twice would be 2^97-2: the record holds 2^96-1, and the
            # count beside it does not take the carry.
            assert record["volume"] == top, (n, who)
            assert record["completed"] == n, (n, who)
            assert record["opened"] == record["won"] == record["lost"] == 0
