"""Branches of each external function: every guard that must refuse, and what it names."""

from __future__ import annotations

from eth_abi import encode

from tradelane._client import eip712

from .conftest import USDC_UNIT
from .desk import DAY, ETH, Desk

ETHER = 10**18


# ---------------------------------------------------------------- registration


def test_register_reverts_when_not_buyer(desk: Desk) -> None:
    trade = desk.trade()
    fn = desk.escrow.functions.register(trade.form, "")
    assert desk.reverts("OrderUnauthorized", fn, trade.seller) == (trade.id, trade.seller)


def test_register_validates_terms(desk: Desk) -> None:
    buyer = desk.p["buyer"]
    cases = [
        ("OrderInvalidParties", desk.trade(seller=buyer)),
        ("OrderInvalidPrice", desk.trade(price=0)),
        ("OrderInvalidIncoterm", desk.trade(incoterm=11)),
        ("OrderInvalidWindows", desk.trade(ship_within=0)),
        ("OrderInvalidWindows", desk.trade(ship_within=10 * DAY, deliver_within=5 * DAY)),
        ("OrderInvalidArbitrator", desk.trade(arbitrator=ETH)),
        ("OrderExpired", desk.trade(valid_until=1)),
        ("OrderInvalidMilestone", desk.trade(milestones=[("booked", 1000)])),
        ("OrderInvalidMilestone", desk.trade(milestones=[("loaded", 1000), ("picked_up", 1000)])),
        ("OrderInvalidMilestone", desk.trade(milestones=[("loaded", 6000), ("delivered", 5000)])),
        ("OrderInvalidMilestone", desk.trade(milestones=[("loaded", 0)])),
        (
            "OrderInvalidMilestone",
            desk.trade(
                milestones=[
                    (s, 100) for s in ("picked_up", "loaded", "departed", "arrived", "delivered")
                ]
            ),
        ),
    ]
    for error, trade in cases:
        desk.reverts(error, desk.escrow.functions.register(trade.form, ""), buyer)


def test_accept_reverts_when_not_seller_or_not_created(desk: Desk) -> None:
    trade = desk.trade()
    accept = desk.escrow.functions.accept(trade.order, trade.terms_hash)
    desk.reverts("OrderInvalidStatus", accept, trade.seller)
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    desk.reverts("OrderUnauthorized", accept, trade.buyer)


def test_cancel_reverts_for_outsider_and_after_funding(desk: Desk) -> None:
    trade = desk.trade()
    cancel = desk.escrow.functions.cancel(trade.order, trade.terms_hash)
    desk.reverts("OrderUnauthorized", cancel, desk.p["outsider"])
    desk.quote_and_fund(trade)
    desk.reverts("OrderInvalidStatus", cancel, trade.buyer)


def test_seller_cancels_unused_quote(desk: Desk) -> None:
    trade = desk.trade()
    desk.send(desk.escrow.functions.cancel(trade.order, trade.terms_hash), trade.seller)
    fn = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
    desk.reverts("OrderInvalidStatus", fn, trade.buyer, value=trade.price)


def test_risk_stage_follows_incoterms_2020(desk: Desk) -> None:
    expected = {
        "EXW": 2,
        "FCA": 2,
        "CPT": 2,
        "CIP": 2,
        "DAP": 10,
        "DPU": 10,
        "DDP": 10,
        "FAS": 3,
        "FOB": 4,
        "CFR": 4,
        "CIF": 4,
    }
    for i, name in enumerate(expected):
        assert desk.escrow.functions.riskStage(i).call() == expected[name]


# ---------------------------------------------------------------- funding


def test_quote_signed_by_someone_else_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    fn = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote(signer=trade.buyer))
    assert desk.reverts("OrderInvalidSignature", fn, trade.buyer, value=trade.price) == (
        trade.id,
        trade.seller,
    )


def test_quote_digest_matches_eip712_typed_data(desk: Desk) -> None:
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    trade = desk.trade(milestones=[("export_cleared", 3000)])
    ours = desk.escrow.functions.quoteDigest(trade.id).call()
    assert ours == _hash_eip191_message(encode_typed_data(full_message=trade.typed_data()))


def test_quote_funded_by_outsider_or_with_wrong_value_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    fn = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
    desk.reverts("OrderUnauthorized", fn, desk.p["outsider"], value=trade.price)
    args = desk.reverts("EscrowWrongPayment", fn, trade.buyer, value=trade.price - 1)
    assert args == (trade.id, trade.price - 1, trade.price)


def test_fee_on_transfer_token_is_refused(desk: Desk, chain, artifacts) -> None:
    from tradelane.deploy import deploy_contract

    token, _ = deploy_contract(
        chain, artifacts["FeeOnTransferToken"], [], sender=desk.p["operator"]
    )
    desk.send(token.functions.mint(desk.p["buyer"], 10**20), desk.p["operator"])
    desk.send(token.functions.approve(desk.escrow.address, 2**256 - 1), desk.p["buyer"])
    trade = desk.trade(token=token.address, price=10**18)
    fn = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
    assert desk.reverts("EscrowTokenShortfall", fn, trade.buyer) == (trade.id, 99 * 10**16, 10**18)


def test_false_returning_token_is_refused_by_safe_erc20(desk: Desk, chain, artifacts) -> None:
    from tradelane.deploy import deploy_contract

    token, _ = deploy_contract(
        chain, artifacts["FalseReturningToken"], [], sender=desk.p["operator"]
    )
    desk.send(token.functions.mint(desk.p["buyer"], 10**18), desk.p["operator"])
    desk.send(token.functions.approve(desk.escrow.address, 2**256 - 1), desk.p["buyer"])
    trade = desk.trade(token=token.address, price=2 * 10**18)  # more than the buyer holds
    fn = desk.escrow.functions.fundWithQuote(trade.form, "", trade.quote())
    assert desk.reverts("SafeERC20FailedOperation", fn, trade.buyer) == (token.address,)


def test_fund_with_permit_needs_no_approval(desk: Desk, chain) -> None:
    from tradelane._client.eip712 import permit_signature

    buyer = desk.p["outsider"]  # holds no allowance
    desk.send(desk.usdc.functions.mint(buyer, 100 * USDC_UNIT), desk.p["operator"])
    trade = desk.trade(token=desk.usdc.address, price=100 * USDC_UNIT, buyer=buyer)
    deadline = chain.now() + DAY
    v, r, s = permit_signature(
        token_name="USD Coin",
        token=desk.usdc.address,
        chain_id=chain.chain_id,
        owner=buyer,
        spender=desk.escrow.address,
        value=trade.price,
        nonce=desk.usdc.functions.nonces(buyer).call(),
        deadline=deadline,
        key=chain.private_key(buyer),
    )
    p = (deadline, v, r, s)
    desk.send(
        desk.escrow.functions.fundWithQuoteAndPermit(trade.form, "", trade.quote(), p),
        buyer,
    )
    assert trade.status() == "funded"
    assert desk.balance(desk.escrow.address, trade.token) == trade.price


def test_pause_blocks_new_business_but_not_settlement_or_withdrawal(desk: Desk) -> None:
    live = desk.trade()
    desk.quote_and_fund(live)
    desk.send(desk.escrow.functions.pause(), desk.p["operator"])
    fresh = desk.trade()
    fn = desk.escrow.functions.fundWithQuote(fresh.form, "", fresh.quote())
    desk.reverts("EnforcedPause", fn, fresh.buyer, value=fresh.price)
    desk.reverts("EnforcedPause", desk.escrow.functions.register(fresh.form, ""), fresh.buyer)
    desk.record(live, "picked_up")
    desk.confirm(live)
    assert live.status() == "completed"
    desk.send(desk.escrow.functions.unpause(), desk.p["operator"])
    desk.quote_and_fund(fresh)


# ---------------------------------------------------------------- operator


def test_operator_functions_are_guarded_and_bounded(desk: Desk) -> None:
    escrow, op, outsider = desk.escrow, desk.p["operator"], desk.p["outsider"]
    for fn in (
        escrow.functions.setFee(1),
        escrow.functions.setTreasury(outsider),
        escrow.functions.setFeeTimeout(DAY),
        escrow.functions.pause(),
    ):
        desk.reverts("AccessControlUnauthorizedAccount", fn, outsider)
    assert desk.reverts("EscrowFeeTooHigh", escrow.functions.setFee(201), op) == (201, 200)
    desk.reverts("EscrowInvalidFeeTimeout", escrow.functions.setFeeTimeout(60), op)
    desk.reverts("EscrowZeroAddress", escrow.functions.setTreasury(ETH), op)
    desk.reverts("ExpectedPause", escrow.functions.unpause(), op)


def test_fee_is_snapshotted_at_registration(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.send(desk.escrow.functions.setFee(200), desk.p["operator"])
    receipt = desk.confirm(trade)
    assert desk.events(receipt, desk.escrow, "OrderCompleted")[0]["fee"] == 0


# ---------------------------------------------------------------- hostile receivers


def test_reverting_seller_is_credited_and_withdraws_elsewhere(desk: Desk, chain, artifacts) -> None:
    from tradelane.deploy import deploy_contract

    seller = desk.p["seller"]
    wall, _ = deploy_contract(chain, artifacts["RevertingReceiver"], [], sender=seller)
    trade = desk.trade(seller=wall.address)
    digest = desk.escrow.functions.quoteDigest(trade.id).call()
    # a contract seller quotes through ERC-1271; this one cannot, so it registers and accepts
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    desk.send(
        wall.functions.act(
            desk.escrow.address, desk.escrow.encode_abi("accept", [trade.order, trade.terms_hash])
        ),
        seller,
    )
    desk.send(
        desk.escrow.functions.fund(trade.order, trade.terms_hash), trade.buyer, value=trade.price
    )
    receipt = desk.confirm(trade)
    assert trade.status() == "completed"
    assert desk.events(receipt, desk.escrow, "PaymentDeferred")[0]["amount"] == trade.price
    assert desk.owed(wall.address) == trade.price
    assert digest  # quoted digest is well defined for contract sellers too
    before = desk.balance(seller)
    call = desk.escrow.encode_abi("withdrawTo", [ETH, seller])
    desk.send(wall.functions.act(desk.escrow.address, call), seller)
    assert desk.owed(wall.address) == 0
    assert desk.balance(seller) > before
    assert desk.balance(desk.escrow.address) == 0


def test_reentering_seller_cannot_reenter_and_is_paid_once(desk: Desk, chain, artifacts) -> None:
    from tradelane.deploy import deploy_contract

    seller = desk.p["seller"]
    thief, _ = deploy_contract(chain, artifacts["ReenteringReceiver"], [], sender=seller)
    trade = desk.trade(seller=thief.address)
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    desk.send(
        thief.functions.act(
            desk.escrow.address, desk.escrow.encode_abi("accept", [trade.order, trade.terms_hash])
        ),
        seller,
    )
    desk.send(
        desk.escrow.functions.fund(trade.order, trade.terms_hash), trade.buyer, value=trade.price
    )
    arm = thief.functions.arm(desk.escrow.address, desk.escrow.encode_abi("withdraw", [ETH]))
    desk.send(arm, seller)
    # its receive needs more than the push's gas cap, so the payout is credited, not lost
    receipt = desk.confirm(trade)
    assert desk.events(receipt, desk.escrow, "PaymentDeferred")[0]["amount"] == trade.price
    assert thief.functions.attempts().call() == 0
    # withdrawing, it re-enters withdraw from its receive: the guard refuses, it is paid once
    withdraw = desk.escrow.encode_abi("withdraw", [ETH])
    desk.send(thief.functions.act(desk.escrow.address, withdraw), seller)
    assert thief.functions.attempts().call() == 1
    assert thief.functions.successes().call() == 0
    assert desk.balance(thief.address) == trade.price
    assert desk.owed(thief.address) == 0
    assert desk.balance(desk.escrow.address) == 0


def test_withdraw_with_nothing_owed_reverts(desk: Desk) -> None:
    args = desk.reverts(
        "EscrowNothingToWithdraw", desk.escrow.functions.withdraw(ETH), desk.p["outsider"]
    )
    assert args == (desk.p["outsider"], ETH)
    desk.reverts(
        "EscrowZeroAddress", desk.escrow.functions.withdrawTo(ETH, ETH), desk.p["outsider"]
    )


# ---------------------------------------------------------------- logistics


def test_only_the_right_recorder_records(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    record = desk.tracker.functions.record
    for kind, wrong in (
        ("picked_up", desk.p["customs"]),
        ("export_cleared", trade.carrier),
        ("hold", desk.p["outsider"]),
        ("inspection_passed", trade.carrier),
    ):
        args = desk.reverts(
            "TrackerUnauthorized", record(trade.form, trade.checkpoint(kind)), wrong
        )
        assert args[1] == wrong
    desk.send(record(trade.form, trade.checkpoint("inspection_passed")), desk.p["inspector"])
    desk.reverts(
        "TrackerInvalidKind",
        record(trade.form, (16, b"CNSHA", b"\0" * 32, "")),
        trade.carrier,
    )


def test_stages_never_go_back(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.record(trade, "loaded")
    args = desk.reverts(
        "EscrowStageNotForward",
        desk.tracker.functions.record(trade.form, trade.checkpoint("picked_up")),
        trade.carrier,
    )
    assert args == (trade.id, 4, 2)
    desk.record(trade, "exception")
    desk.record(trade, "exception")


def test_checkpoint_on_unfunded_order_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    desk.reverts(
        "OrderInvalidStatus",
        desk.tracker.functions.record(trade.form, trade.checkpoint("booked")),
        trade.carrier,
    )
    desk.reverts(
        "TrackerOrderInactive",
        desk.tracker.functions.record(trade.form, trade.checkpoint("exception")),
        trade.carrier,
    )


def test_only_tracker_reports_to_escrow(desk: Desk) -> None:
    trade = desk.trade()
    fn = desk.escrow.functions.stageReported(trade.order, trade.id, 2, 0, 0)
    desk.reverts("EscrowOnlyTracker", fn, desk.p["outsider"])
    desk.reverts(
        "EscrowOnlyTracker",
        desk.escrow.functions.holdReported(trade.order, trade.id, True, 0),
        desk.p["outsider"],
    )


def test_signed_checkpoint_is_relayed_once(desk: Desk, chain) -> None:
    trade = desk.trade()
    other = desk.trade()
    desk.quote_and_fund(trade)
    desk.quote_and_fund(other)
    customs = desk.p["customs"]
    cp = trade.checkpoint("export_cleared", document="CD-1")
    deadline = chain.now() + DAY
    sig = trade.sign_checkpoint(customs, cp, deadline)
    signed = desk.tracker.functions.recordSigned
    relayer = desk.p["outsider"]
    desk.reverts(
        "TrackerInvalidSignature",
        signed(other.form, cp, customs, deadline, 0, sig),
        relayer,
    )
    assert desk.reverts(
        "TrackerNonceMismatch",
        signed(trade.form, cp, customs, deadline, 1, sig),
        relayer,
    ) == (customs, 0, 1)
    desk.send(signed(trade.form, cp, customs, deadline, 0, sig), relayer)
    assert desk.tracker.functions.checkpointNonce(customs, trade.id).call() == 1
    # Each order keeps its own sequence per signer.
    assert desk.tracker.functions.checkpointNonce(customs, other.id).call() == 0
    digest = desk.tracker.functions.checkpointDigest(trade.id, cp, deadline, 0).call()
    assert desk.reverts(
        "TrackerSignatureUsed",
        signed(trade.form, cp, customs, deadline, 0, sig),
        relayer,
    ) == (digest,)
    late = trade.checkpoint("delivered")
    sig = trade.sign_checkpoint(trade.carrier, late, deadline)
    desk.time_travel(2 * DAY)
    desk.reverts(
        "TrackerSignatureExpired",
        signed(trade.form, late, trade.carrier, deadline, 0, sig),
        relayer,
    )
    bogus = trade.sign_checkpoint(desk.p["outsider"], late, deadline + 5 * DAY)
    desk.reverts(
        "TrackerUnauthorized",
        signed(trade.form, late, desk.p["outsider"], deadline + 5 * DAY, 0, bogus),
        relayer,
    )


def test_malleated_checkpoint_signature_is_refused(desk: Desk, chain) -> None:
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    trade = desk.trade()
    desk.quote_and_fund(trade)
    cp = trade.checkpoint("picked_up")
    deadline = chain.now() + DAY
    sig = trade.sign_checkpoint(trade.carrier, cp, deadline)
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    flipped = r + (n - s).to_bytes(32, "big") + bytes([55 - v])
    fn = desk.tracker.functions.recordSigned(trade.form, cp, trade.carrier, deadline, 0, flipped)
    desk.reverts("TrackerInvalidSignature", fn, desk.p["outsider"])


# ---------------------------------------------------------------- disputes


def test_dispute_guards(desk: Desk) -> None:
    trade = desk.trade()
    open_ = desk.escrow.functions.dispute(trade.form, "")
    desk.reverts("OrderInvalidStatus", open_, trade.buyer, value=desk.cost())
    desk.quote_and_fund(trade)
    desk.reverts("OrderUnauthorized", open_, desk.p["outsider"], value=desk.cost())
    desk.reverts("EscrowWrongPayment", open_, trade.buyer, value=1)
    desk.dispute(trade)
    pay = desk.escrow.functions.payArbitrationFee(trade.form)
    desk.reverts("OrderUnauthorized", pay, trade.buyer, value=desk.cost())
    desk.reverts("EscrowWrongPayment", pay, trade.seller, value=0)
    desk.send(desk.escrow.functions.submitEvidence(trade.form, "ipfs://photo"), trade.seller)
    dispute_id = desk.pay_fee(trade)
    desk.reverts("EscrowFeeAlreadyPaid", pay, trade.seller, value=desk.cost())
    desk.reverts(
        "EscrowFeeAlreadyPaid",
        desk.escrow.functions.enforceFeeTimeout(trade.order, trade.terms_hash),
        trade.buyer,
    )
    desk.reverts(
        "EscrowUnknownDispute", desk.escrow.functions.rule(dispute_id, 1), desk.p["outsider"]
    )
    assert (
        desk.escrow.functions.disputeOrder(desk.arbitration.address, dispute_id).call() == trade.id
    )


def test_no_party_can_open_a_dispute_its_panel_could_not_hear(desk: Desk) -> None:
    # a seller who quoted a panel that cannot sit must not win a dispute by the buyer's default
    for panel, error in (
        (desk.p["arbitrators"][:2], "ArbitrationInvalidPanel"),
        ([desk.p["outsider"]], "ArbitrationMemberNotRegistered"),
    ):
        trade = desk.trade(panel=panel)
        desk.quote_and_fund(trade)
        open_ = desk.escrow.functions.dispute(trade.form, "")
        desk.reverts(error, open_, trade.seller, value=desk.cost())
        desk.reverts(error, open_, trade.buyer, value=desk.cost())


def test_an_arbitrator_reusing_a_dispute_id_is_refused(desk: Desk, chain, artifacts) -> None:
    from tradelane.deploy import deploy_contract

    cost = 10**15
    impostor, _ = deploy_contract(
        chain, artifacts["ImpostorArbitrator"], [cost], sender=desk.p["operator"]
    )
    first, second = (desk.trade(arbitrator=impostor.address) for _ in range(2))
    for trade in (first, second):
        desk.quote_and_fund(trade)
        desk.send(desk.escrow.functions.dispute(trade.form, ""), trade.buyer, value=cost)
    desk.send(desk.escrow.functions.payArbitrationFee(first.form), first.seller, value=cost)
    pay = desk.escrow.functions.payArbitrationFee(second.form)
    assert desk.reverts("EscrowDisputeIdTaken", pay, second.seller, value=cost) == (
        impostor.address,
        0,
    )
    assert desk.escrow.functions.disputeOrder(impostor.address, 0).call() == first.id
    # the second order is not stranded: its opener wins when the fee deadline lapses
    desk.time_travel(2 * DAY + 1)
    enforce = desk.escrow.functions.enforceFeeTimeout(second.order, second.terms_hash)
    desk.send(enforce, desk.p["outsider"])
    assert second.status() == "resolved"


def test_dispute_after_inspection_window_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.record(trade, "delivered")
    desk.time_travel(3 * DAY + 1)
    desk.reverts(
        "EscrowDeadlinePassed",
        desk.escrow.functions.dispute(trade.form, ""),
        trade.buyer,
        value=desk.cost(),
    )


def test_panel_that_does_not_decide_splits_evenly(desk: Desk) -> None:
    judges = desk.p["arbitrators"]
    trade = desk.trade(price=ETHER, panel=judges)
    desk.quote_and_fund(trade)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    arb = desk.arbitration.functions
    desk.vote(dispute_id, judges[0], 0)
    desk.reverts("ArbitrationAlreadyVoted", arb.vote(dispute_id, 1), judges[0])
    desk.reverts("ArbitrationNotPanelMember", arb.vote(dispute_id, 1), desk.p["outsider"])
    desk.reverts("ArbitrationInvalidRuling", arb.vote(dispute_id, 10_002), judges[1])
    desk.vote(dispute_id, judges[1], 10_000)
    desk.reverts("ArbitrationDeadlineNotReached", arb.ruleByDefault(dispute_id), desk.p["outsider"])
    desk.time_travel(14 * DAY + 1)
    desk.reverts("ArbitrationDeadlinePassed", arb.vote(dispute_id, 1), judges[2])
    receipt = desk.send(arb.ruleByDefault(dispute_id), desk.p["outsider"])
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    assert (resolved["toBuyer"], resolved["toSeller"]) == (ETHER // 2, ETHER // 2)
    assert arb.currentRuling(dispute_id).call() == 0
    assert arb.disputeStatus(dispute_id).call() == 2
    desk.reverts("ArbitrationDisputeSolved", arb.ruleByDefault(dispute_id), desk.p["outsider"])
    assert desk.balance(desk.escrow.address) == 0
    rep = desk.escrow.functions.reputation(trade.buyer, ETH).call()
    assert (rep[1], rep[2], rep[3]) == (1, 0, 0)


def test_arbitrator_rejects_bad_disputes(desk: Desk) -> None:
    arb = desk.arbitration.functions
    cost, caller = desk.cost(), desk.p["outsider"]
    judges = desk.p["arbitrators"]
    desk.reverts(
        "ArbitrationFeeMismatch",
        arb.createDispute(2, encode(["address[]"], [judges[:1]])),
        caller,
        value=0,
    )
    desk.reverts(
        "ArbitrationInvalidChoices",
        arb.createDispute(0, encode(["address[]"], [judges[:1]])),
        caller,
        value=cost,
    )
    desk.reverts(
        "ArbitrationInvalidPanel",
        arb.createDispute(2, encode(["address[]"], [judges[:2]])),
        caller,
        value=cost,
    )
    desk.reverts(
        "ArbitrationMemberNotRegistered",
        arb.createDispute(2, encode(["address[]"], [[caller]])),
        caller,
        value=cost,
    )
    desk.reverts(
        "ArbitrationMemberDuplicated",
        arb.createDispute(2, encode(["address[]"], [[judges[0], judges[1], judges[0]]])),
        caller,
        value=cost,
    )
    desk.reverts("ArbitrationUnknownDispute", arb.vote(99, 1), judges[0])
    desk.reverts("ArbitrationAppealsNotSupported", arb.appeal(0, b""), caller)
    desk.reverts("ArbitrationInvalidMember", arb.registerArbitrator(judges[0]), desk.p["operator"])
    desk.reverts("AccessControlUnauthorizedAccount", arb.registerArbitrator(caller), caller)
    desk.reverts("ArbitrationNothingToWithdraw", arb.withdraw(), caller)
    assert arb.appealCost(0, b"").call() == 2**250


def test_registration_event_rebuilds_the_order(desk: Desk) -> None:
    from tradelane._client.registration import unpack_registration

    desk.send(desk.escrow.functions.setFee(150), desk.p["operator"])
    trade = desk.trade(
        token=desk.usdc.address,
        price=12_345 * USDC_UNIT,
        incoterm="DDP",
        milestones=[("export_cleared", 3000), ("arrived", 2500)],
        panel=desk.p["arbitrators"],
        valid_until=2**40,
    )
    receipt = desk.quote_and_fund(trade)
    (event,) = desk.events(receipt, desk.escrow, "OrderRegistered")
    rebuilt = unpack_registration(event["buyer"], event["seller"], event["packed"])
    assert rebuilt.order.as_tuple() == tuple(trade.order)
    t = rebuilt.terms
    assert (t.carrier, t.arbitrator, int(t.incoterm), t.ship_within, t.deliver_within) == tuple(
        trade.terms[:5]
    )
    assert (t.inspection_window, t.valid_until, t.nonce, t.document_hash) == tuple(trade.terms[5:9])
    assert (t.origin, t.destination) == tuple(trade.terms[9:11]) == (b"CNSHA", b"DEHAM")
    assert t.route == ("CNSHA", "DEHAM")
    assert [m.as_tuple() for m in t.milestones] == trade.terms[13]
    assert t.arbitrator_extra_data == trade.terms[14]
    assert (t.max_fee_bps, t.ruling_timeout) == tuple(trade.terms[11:13])
    assert (list(t.customs), list(t.inspectors)) == (trade.terms[15], trade.terms[16])
    assert (int(rebuilt.risk_stage), rebuilt.fee_bps) == (10, 150)
    # The rebuilt terms hash to the identifier the escrow gave the order.
    assert eip712.terms_hash(t) == bytes(trade.terms_hash)
