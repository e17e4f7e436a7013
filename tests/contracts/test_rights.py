"""The rights no timing, role or operator can take away (docs/CONTRACTS.md, "Rights").

Each test shows one rule on the contracts' own ABI: a missed deadline stays the buyer's, the
carrier's and customs' tracks move apart, customs and inspectors are named per order, a hold
cannot trap money, the operator cannot change a live order's rules, signed checkpoints keep
their signer's order, and an arbitrator that never rules cannot freeze an order.
"""

from __future__ import annotations

from eth_abi import encode

from .desk import DAY, ETH, Desk

ETHER = 10**18


def _refund(desk: Desk, trade):
    return desk.escrow.functions.refund(trade.form)


def _dispute(desk: Desk, trade):
    return desk.escrow.functions.dispute(trade.form, "")


def _released(desk: Desk, receipt) -> list[dict]:
    return desk.events(receipt, desk.escrow, "MilestoneReleased")


# ---------------------------------------------------------------- 1. deadlines are the buyer's


def test_a_late_pickup_is_recorded_pays_nothing_and_the_refund_stays(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, milestones=[("picked_up", 3000), ("loaded", 2000)])
    desk.quote_and_fund(trade)
    desk.time_travel(7 * DAY + 60)
    receipt = desk.record(trade, "picked_up")
    assert _released(desk, receipt) == []
    state = trade.state()
    assert (state["status"], state["stage"], state["picked_up_late"]) == (
        "in_transit",
        "picked_up",
        True,
    )
    assert desk.events(receipt, desk.tracker, "CheckpointRecorded")  # it happened; it is recorded
    assert _released(desk, desk.record(trade, "loaded")) == []  # nor any later stage
    assert desk.escrow.functions.refundDue(trade.form).call()
    # The seller cannot take the refund away by a dispute it would win by default.
    desk.reverts("EscrowRefundDue", _dispute(desk, trade), trade.seller, value=desk.cost())
    before = desk.balance(trade.buyer)
    desk.send(_refund(desk, trade), desk.p["outsider"])
    assert desk.balance(trade.buyer) - before == ETHER
    assert trade.status() == "refunded"


def test_the_buyer_may_still_dispute_while_its_refund_is_due(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.time_travel(8 * DAY)
    desk.send(_dispute(desk, trade), trade.buyer, value=desk.cost())
    assert trade.status() == "disputed"


def test_after_a_late_pickup_the_delivered_goods_leave_the_buyer_the_choice(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, inspection=3 * DAY)
    desk.quote_and_fund(trade)
    desk.time_travel(8 * DAY)
    desk.record(trade, "picked_up")
    desk.record(trade, "delivered")
    assert trade.status() == "delivered"
    # Once delivered, the refund is the buyer's choice, nobody else's.
    desk.reverts("OrderUnauthorized", _refund(desk, trade), desk.p["outsider"])
    desk.time_travel(3 * DAY + 60)
    # Past the inspection window it lapsed: the seller is paid as usual.
    desk.reverts("EscrowDeadlinePassed", _refund(desk, trade), trade.buyer)
    assert not desk.escrow.functions.refundDue(trade.form).call()
    before = desk.balance(trade.seller)
    desk.settle(trade)
    assert desk.balance(trade.seller) - before == ETHER


def test_d_terms_late_delivery_refunds_what_was_not_released_at_the_buyers_choice(
    desk: Desk,
) -> None:
    trade = desk.trade(price=10 * ETHER, incoterm="DAP", milestones=[("picked_up", 2000)])
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")  # on time: its tranche is paid
    desk.time_travel(41 * DAY)
    desk.record(trade, "delivered")  # after deliver-by
    assert trade.state()["delivered_on_time"] is False
    before = desk.balance(trade.buyer)
    receipt = desk.send(_refund(desk, trade), trade.buyer)
    assert desk.events(receipt, desk.escrow, "OrderRefunded")[0]["toBuyer"] == 8 * ETHER
    assert desk.balance(trade.buyer) - before < 8 * ETHER  # less the gas it paid
    assert trade.status() == "refunded"


def test_d_terms_late_delivery_may_lapse_and_on_time_delivery_gives_no_refund(desk: Desk) -> None:
    late = desk.trade(incoterm="DDP")
    on_time = desk.trade(incoterm="DDP")
    fob = desk.trade(incoterm="FOB")
    for t in (late, on_time, fob):
        desk.quote_and_fund(t)
        desk.record(t, "picked_up")
    desk.record(on_time, "delivered")
    desk.reverts("EscrowNoRefundDue", _refund(desk, on_time), on_time.buyer)
    desk.time_travel(41 * DAY)
    desk.record(late, "delivered")
    desk.record(fob, "delivered")
    # Under FOB the risk passed at loading: a late delivery is the buyer's to bear.
    desk.reverts("EscrowRiskWithBuyer", _refund(desk, fob), fob.buyer)
    desk.time_travel(3 * DAY + 60)
    desk.reverts("EscrowDeadlinePassed", _refund(desk, late), late.buyer)
    desk.settle(late)
    assert late.status() == "completed"


# ---------------------------------------------------------------- 2. two tracks


def test_a_clearance_before_pickup_pays_nothing_and_does_not_block_the_pickup(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, milestones=[("picked_up", 1000), ("export_cleared", 3000)])
    desk.quote_and_fund(trade)
    receipt = desk.record(trade, "export_cleared")
    assert _released(desk, receipt) == []
    state = trade.state()
    assert (state["status"], state["stage"], state["clearance"]) == (
        "funded",
        "none",
        "export_cleared",
    )
    # The clearance does not meet ship-by: only the carrier's pickup does.
    desk.time_travel(6 * DAY)
    receipt = desk.record(trade, "picked_up")
    paid = _released(desk, receipt)
    assert sum(e["toSeller"] for e in paid) == ETHER * 4000 // 10_000
    assert trade.state()["status"] == "in_transit"
    desk.reverts(
        "EscrowStageNotForward",
        desk.tracker.functions.record(trade.form, trade.checkpoint("export_cleared")),
        desk.p["customs"],
    )


def test_a_clearance_before_pickup_leaves_the_ship_by_refund_due(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, milestones=[("export_cleared", 5000)])
    desk.quote_and_fund(trade)
    desk.record(trade, "export_cleared")
    desk.time_travel(7 * DAY + 60)
    before = desk.balance(trade.buyer)
    desk.send(_refund(desk, trade), desk.p["outsider"])
    assert desk.balance(trade.buyer) - before == ETHER


def test_a_clearance_tranche_waits_for_customs_not_for_a_later_carrier_stage(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, milestones=[("export_cleared", 3000), ("arrived", 2000)])
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    assert _released(desk, desk.record(trade, "loaded")) == []
    paid = _released(desk, desk.record(trade, "arrived"))
    assert [e["toSeller"] for e in paid] == [ETHER * 2000 // 10_000]
    paid = _released(desk, desk.record(trade, "export_cleared"))
    assert [(e["stage"], e["toSeller"]) for e in paid] == [(3, ETHER * 3000 // 10_000)]


# ---------------------------------------------------------------- 3. named per order


def test_only_the_orders_own_customs_and_inspectors_record_on_it(desk: Desk) -> None:
    operator, outsider = desk.p["operator"], desk.p["outsider"]
    customs_role = desk.tracker.functions.CUSTOMS_ROLE().call()
    named = desk.trade(customs=[outsider], inspectors=[outsider])
    desk.quote_and_fund(named)
    record = desk.tracker.functions.record
    # The accredited customs authority is not this order's: its role does not reach it.
    desk.reverts(
        "TrackerUnauthorized",
        record(named.form, named.checkpoint("hold")),
        desk.p["customs"],
    )
    desk.reverts(
        "TrackerUnauthorized",
        record(named.form, named.checkpoint("inspection_passed")),
        desk.p["inspector"],
    )
    # The named one records without any role.
    desk.send(record(named.form, named.checkpoint("export_cleared")), outsider)
    desk.send(record(named.form, named.checkpoint("inspection_passed")), outsider)
    assert named.state()["clearance"] == "export_cleared"
    # A role granted today does not reach an order funded yesterday.
    funded = desk.trade()  # names the accredited customs only
    desk.quote_and_fund(funded)
    desk.send(desk.tracker.functions.grantRole(customs_role, outsider), operator)
    desk.reverts(
        "TrackerUnauthorized",
        record(funded.form, funded.checkpoint("hold")),
        outsider,
    )
    # Revoking the accreditation does not stop a customs authority an order names.
    desk.send(desk.tracker.functions.revokeRole(customs_role, desk.p["customs"]), operator)
    desk.record(funded, "hold")
    assert funded.state()["on_hold"] is True
    assert desk.p["customs"] not in desk.tracker.functions.accredited(customs_role).call()
    assert outsider in desk.tracker.functions.accredited(customs_role).call()


def test_an_order_names_at_most_four_customs_and_four_inspectors(desk: Desk) -> None:
    five = [desk.p["outsider"]] * 5
    trade = desk.trade(customs=five)
    fund = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
    assert desk.reverts("OrderInvalidRecorders", fund, trade.buyer, value=trade.price) == (
        5,
        1,
        4,
    )


# ---------------------------------------------------------------- 4. holds


def test_a_hold_stops_the_window_and_its_release_restarts_it_in_full(desk: Desk) -> None:
    trade = desk.trade(price=ETHER, inspection=3 * DAY)
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "delivered")
    desk.time_travel(2 * DAY)
    desk.record(trade, "hold")
    desk.reverts(
        "EscrowHoldUnchanged",
        desk.tracker.functions.record(trade.form, trade.checkpoint("hold")),
        desk.p["customs"],
    )
    desk.time_travel(30 * DAY)  # far past the window: it does not run on hold
    settle = desk.escrow.functions.settle(trade.form)
    desk.reverts("EscrowOnHold", settle, desk.p["outsider"])
    desk.record(trade, "release")
    delivered_at = trade.state()["delivered_at"]
    assert delivered_at == desk.chain.now()
    desk.time_travel(2 * DAY)
    desk.reverts("EscrowDeadlineNotReached", settle, desk.p["outsider"])
    desk.time_travel(DAY + 60)
    desk.send(settle, desk.p["outsider"])
    assert trade.status() == "completed"


def test_a_hold_that_never_ends_can_still_be_disputed_past_the_window(desk: Desk) -> None:
    trade = desk.trade(inspection=3 * DAY)
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    desk.record(trade, "delivered")
    desk.record(trade, "hold")
    desk.time_travel(90 * DAY)
    desk.send(_dispute(desk, trade), trade.seller, value=desk.cost())
    assert trade.status() == "disputed"


# ---------------------------------------------------------------- 5. the operator


def test_a_quote_caps_the_platform_fee(desk: Desk) -> None:
    operator = desk.p["operator"]
    desk.send(desk.escrow.functions.setFee(150), operator)
    capped = desk.trade(max_fee_bps=100)
    fund = desk.escrow.functions.fundWithQuote(capped.form, "", capped.quote())
    assert desk.reverts("OrderFeeAboveCap", fund, capped.buyer, value=capped.price) == (150, 100)
    register = desk.escrow.functions.register(capped.form, "")
    desk.reverts("OrderFeeAboveCap", register, capped.buyer)
    desk.send(desk.escrow.functions.setFee(100), operator)
    desk.send(fund, capped.buyer, value=capped.price)
    assert capped.state()["fee_bps"] == 100
    # The snapshot stays: a later fee change does not reach the funded order.
    desk.send(desk.escrow.functions.setFee(200), operator)
    assert capped.state()["fee_bps"] == 100


def test_the_fee_timeout_is_fixed_when_the_order_is_funded(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)  # under the 2-day timeout
    desk.send(desk.escrow.functions.setFeeTimeout(3_600), desk.p["operator"])
    receipt = desk.dispute(trade)
    (opened,) = desk.events(receipt, desk.escrow, "DisputeOpened")
    assert opened["feeDeadline"] == desk.chain.now() + 2 * DAY
    desk.time_travel(2 * 3_600)
    enforce = desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash)
    desk.reverts("EscrowDeadlineNotReached", enforce, desk.p["outsider"])
    desk.pay_fee(trade)  # still within the order's own two days
    assert trade.state()["with_arbitrator"] is True


# ---------------------------------------------------------------- 6. signed checkpoints


def test_signed_holds_and_releases_keep_their_order_and_can_be_revoked(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    customs, relayer = desk.p["customs"], desk.p["outsider"]
    deadline = desk.chain.now() + DAY
    hold, release = trade.checkpoint("hold"), trade.checkpoint("release")
    hold_sig = trade.sign_checkpoint(customs, hold, deadline, 0)
    release_sig = trade.sign_checkpoint(customs, release, deadline, 1)
    signed = desk.tracker.functions.recordSigned
    # A relayer holding both cannot play the release before the hold.
    assert desk.reverts(
        "TrackerNonceMismatch",
        signed(trade.form, release, customs, deadline, 1, release_sig),
        relayer,
    ) == (customs, 0, 1)
    desk.send(signed(trade.form, hold, customs, deadline, 0, hold_sig), relayer)
    # Customs changes its mind: the release it signed is cancelled before anyone relays it.
    revoke = desk.tracker.functions.revokeCheckpointNonces(trade.id, 2)
    receipt = desk.send(revoke, customs)
    assert desk.events(receipt, desk.tracker, "CheckpointNoncesRevoked")[0]["next"] == 2
    desk.reverts(
        "TrackerSignatureUsed",
        signed(trade.form, release, customs, deadline, 1, release_sig),
        relayer,
    )
    assert trade.state()["on_hold"] is True
    # Only forward: a revocation cannot bring a cancelled signature back.
    assert desk.reverts(
        "TrackerNonceMismatch", desk.tracker.functions.revokeCheckpointNonces(trade.id, 1), customs
    ) == (customs, 2, 1)


# ---------------------------------------------------------------- 7. a way out


def test_an_arbitrator_that_never_rules_cannot_freeze_the_order(desk: Desk) -> None:
    trade = desk.trade(price=2 * ETHER, ruling_timeout=30 * DAY)
    desk.quote_and_fund(trade)
    enforce = desk.escrow.functions.enforceRulingTimeout(trade.order, trade.terms_hash)
    desk.dispute(trade)
    desk.reverts("EscrowNotWithArbitrator", enforce, desk.p["outsider"])
    dispute_id = desk.pay_fee(trade)
    deadline = trade.state()["dispute_deadline"]
    assert deadline == desk.chain.now() + 30 * DAY
    assert desk.reverts("EscrowDeadlineNotReached", enforce, desk.p["outsider"]) == (
        trade.id,
        deadline,
    )
    desk.time_travel(30 * DAY + 60)
    buyer, seller = desk.balance(trade.buyer), desk.balance(trade.seller)
    receipt = desk.send(enforce, desk.p["outsider"])
    assert desk.events(receipt, desk.escrow, "RulingTimedOut")[0]["deadline"] == deadline
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    assert (resolved["buyerShareBps"], resolved["byDefault"]) == (5_000, True)
    deposit = desk.cost()
    assert desk.balance(trade.buyer) - buyer == ETHER + deposit // 2
    assert desk.balance(trade.seller) - seller == ETHER + deposit - deposit // 2
    # A ruling that arrives afterwards (here the arbitrator's own default) changes nothing.
    desk.send(desk.arbitration.functions.ruleByDefault(dispute_id), desk.p["outsider"])
    assert trade.status() == "resolved"
    assert desk.balance(trade.buyer) - buyer == ETHER + deposit // 2
    # The panel never voted: its fee came back to the escrow, credited to the parties as the
    # even split shares it, and nothing is left behind once they withdraw.
    assert desk.w3.eth.get_balance(desk.arbitration.address) == 0
    owed = {who: desk.owed(who) for who in (trade.buyer, trade.seller)}
    assert owed == {trade.buyer: deposit // 2, trade.seller: deposit - deposit // 2}
    assert sum(owed.values()) == deposit == desk.w3.eth.get_balance(desk.escrow.address)
    # The order is over: the timeout cannot be enforced a second time.
    desk.reverts("OrderInvalidStatus", enforce, desk.p["outsider"])
    for who, amount in owed.items():
        if amount:
            desk.send(desk.escrow.functions.withdraw(ETH), who)
    assert desk.w3.eth.get_balance(desk.escrow.address) == 0


def test_the_ruling_timeout_is_bounded_and_defaults_to_180_days(desk: Desk) -> None:
    for bad in (29 * DAY, 731 * DAY):
        trade = desk.trade(ruling_timeout=bad)
        fund = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
        assert desk.reverts("OrderInvalidRulingTimeout", fund, trade.buyer, value=trade.price) == (
            bad,
            30 * DAY,
            730 * DAY,
        )
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.dispute(trade)
    desk.pay_fee(trade)
    assert trade.state()["dispute_deadline"] == desk.chain.now() + 180 * DAY


def test_terms_name_their_customs_in_the_signed_hash(desk: Desk) -> None:
    """Swapping the named customs changes the order's identifier, so the seller's quote no
    longer funds it."""
    trade = desk.trade()
    swapped = desk.trade(nonce=trade.terms[7], customs=[desk.p["outsider"]])
    assert swapped.id != trade.id
    fund = desk.escrow.functions.fundWithQuote(swapped.form, "", trade.quote())
    desk.reverts("OrderInvalidSignature", fund, trade.buyer, value=trade.price)
    assert encode(["address[]"], [[desk.p["customs"]]]) != b""
    assert trade.token == ETH
