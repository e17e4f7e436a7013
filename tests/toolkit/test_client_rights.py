"""The client keeps the rights of docs/CONTRACTS.md before anything is sent: it refuses terms
that would take a party's right away, commits a quote to the fee in force, names the
accredited customs and inspectors by default, signs checkpoints in each signer's sequence,
and ends a dispute its arbitrator never ruled on."""

from __future__ import annotations

import pytest

from tradelane import client as client_module
from tradelane.errors import TradelaneError, UnsafeTerms
from tradelane.types import Stage, Status

DAY = 86_400


def _trade(client, buyer, seller, carrier, judge, **kw):
    terms = dict(buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge])
    terms.update(kw)
    return client.new_trade(**terms)


def test_terms_that_take_a_right_away_are_refused_before_sending(
    client, buyer, seller, carrier, judge
):
    cases = {
        "includes the order's buyer": dict(panel=[buyer]),
        "includes the order's seller": dict(panel=[seller]),
        "seller is its own carrier and the inspection window is 0": dict(
            carrier=seller, inspection=0
        ),
    }
    for words, kw in cases.items():
        terms = dict(carrier=carrier)
        terms.update(kw)
        trade = _trade(client, buyer, seller, judge=judge, **terms)
        sent = client.w3.eth.get_transaction_count(buyer)
        attempts = (
            lambda t=trade: client.fund(t, quote=client.sign_quote(t)),
            lambda t=trade: client.register(t),
        )
        for attempt in attempts:
            with pytest.raises(UnsafeTerms) as info:
                attempt()
            assert any(words in p for p in info.value.problems), (words, info.value.problems)
            assert info.value.exit_code == 2
        assert client.w3.eth.get_transaction_count(buyer) == sent  # nothing was sent
    # An unregistered member: the arbitrator itself refuses the panel.
    stranger = client.new_account("stranger", eth=1)
    trade = _trade(client, buyer, seller, carrier, judge, panel=[stranger])
    with pytest.raises(UnsafeTerms, match="would not accept this order's panel"):
        client.register(trade)
    # The same order with a sound panel goes through.
    ok = _trade(client, buyer, seller, carrier, judge)
    client.fund(ok, quote=client.sign_quote(ok))
    assert client.status(ok) == Status.FUNDED


def test_a_quote_commits_to_the_fee_in_force_and_a_higher_one_is_refused(
    client, buyer, seller, carrier, judge
):
    client.set_fee("0.5%")
    trade = _trade(client, buyer, seller, carrier, judge)
    assert trade.terms.max_fee_bps == 50
    quote = client.sign_quote(trade)
    client.set_fee("1%")
    with pytest.raises(client_module.OrderFeeAboveCap) as info:
        client.fund(trade, quote=quote)
    assert info.value.preflight is True
    assert info.value.fields == {"feeBps": 100, "maxFeeBps": 50}
    generous = _trade(client, buyer, seller, carrier, judge, max_fee="2%")
    client.fund(generous, quote=client.sign_quote(generous))
    assert client.state(generous).fee_bps == 100


def test_orders_name_the_accredited_customs_by_default_and_only_they_record(
    client, buyer, seller, carrier, judge, customs, inspector
):
    assert client.accredited("customs") == []
    client.grant_customs(customs)
    client.grant_inspector(inspector)
    trade = _trade(client, buyer, seller, carrier, judge, milestones={"export_cleared": "40%"})
    assert trade.terms.customs == (customs,)
    assert trade.terms.inspectors == (inspector,)
    own = client.new_account("own customs", eth=1)
    named = _trade(client, buyer, seller, carrier, judge, customs=[own], inspectors=[])
    for t in (trade, named):
        client.fund(t, quote=client.sign_quote(t))
    with pytest.raises(client_module.TrackerUnauthorized):
        client.checkpoint(named, "export_cleared", by=customs)
    client.checkpoint(named, "export_cleared", by=own)
    state = client.state(named)
    assert (state.status, state.stage, state.clearance) == (
        Status.FUNDED,
        Stage.NONE,
        Stage.EXPORT_CLEARED,
    )
    # The rebuilt order names the same accounts (they are part of the signed terms).
    client.trades.pop(named.id)
    assert client.trade(named.id_hex).terms.customs == (own,)


def test_a_late_pickup_shows_late_and_keeps_the_refund_due(
    client, chain, buyer, seller, carrier, judge
):
    trade = _trade(client, buyer, seller, carrier, judge, ship_within="2d")
    client.fund(trade, quote=client.sign_quote(trade))
    assert client.refund_due(trade) is False
    chain.time_travel(3 * DAY)
    client.checkpoint(trade, "picked_up")
    assert client.state(trade).picked_up_late is True
    assert client.refund_due(trade) is True
    pickup = next(e for e in client.timeline(trade) if e.action == "picked_up")
    assert pickup.late is True
    client.refund(trade, by=buyer)
    assert client.status(trade) == Status.REFUNDED


def test_signed_checkpoints_follow_the_signers_sequence_and_can_be_revoked(
    client, buyer, seller, carrier, judge, customs
):
    trade = _trade(client, buyer, seller, carrier, judge, customs=[customs])
    client.fund(trade, quote=client.sign_quote(trade))
    assert client.checkpoint_nonce(trade, customs) == 0
    client.hold(trade, by=customs, signed=True)
    assert client.checkpoint_nonce(trade, customs) == 1
    client.revoke_checkpoints(trade, by=customs, below=5)
    assert client.checkpoint_nonce(trade, customs) == 5
    client.release_hold(trade, by=customs, signed=True)  # signs nonce 5
    assert client.state(trade).on_hold is False
    with pytest.raises(client_module.TrackerNonceMismatch):
        client.hold(trade, by=customs, signed=True, nonce=9)


def test_an_arbitrator_that_never_rules_is_ended_through_the_client(
    client, chain, buyer, seller, carrier, judge
):
    trade = _trade(client, buyer, seller, carrier, judge, ruling_timeout="30d")
    client.fund(trade, quote=client.sign_quote(trade))
    client.dispute(trade, by=buyer)
    with pytest.raises(client_module.EscrowNotWithArbitrator):
        client.enforce_ruling_timeout(trade, by=seller)
    client.pay_fee(trade, by=seller)
    state = client.state(trade)
    assert state.ruling_deadline == chain.now() + 30 * DAY
    with pytest.raises(client_module.EscrowDeadlineNotReached):
        client.enforce_ruling_timeout(trade, by=seller)
    chain.time_travel(30 * DAY + 60)
    client.default(trade, by=seller)  # the ruling deadline passed: the escrow's even split
    assert client.status(trade) == Status.RESOLVED
    assert client.money(trade).buyer_refunded == 5 * 10**17


def test_with_terms_is_a_new_order_the_seller_signs_again(client, buyer, seller, carrier, judge):
    trade = _trade(client, buyer, seller, carrier, judge, max_fee="1%")
    capped = client.with_terms(trade, max_fee_bps=50)
    assert capped.terms.max_fee_bps == 50 and trade.terms.max_fee_bps == 100
    assert capped.id != trade.id and capped.terms_hash != trade.terms_hash
    assert (capped.order, capped.terms_uri) == (trade.order, trade.terms_uri)
    with pytest.raises(TradelaneError, match="unknown term"):
        client.with_terms(trade, max_fee=50)
