"""Issue 12 in the client: settlements, early releases and goodwill refunds as typed calls,
Kleros-style extra data passed verbatim, and the ERC-1497 MetaEvidence of an order."""

from __future__ import annotations

import pytest
from eth_abi import decode

from tradelane.client import kleros_extra_data
from tradelane.errors import TradelaneError
from tradelane.types import Status


def _funded(client, buyer, seller, carrier, judge, **kw):
    terms = dict(buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge])
    terms.update(kw)
    trade = client.new_trade(**terms)
    client.fund(trade, quote=client.sign_quote(trade))
    return trade


def test_settlement_through_the_client(client, buyer, seller, carrier, judge):
    trade = _funded(client, buyer, seller, carrier, judge)
    client.propose_settlement(trade, by=seller, buyer_share="25%")
    assert client.settlement(trade) == (seller, 2500)
    client.propose_settlement(trade, by=buyer, buyer_share="40%")  # counter-proposal
    assert client.settlement(trade) == (buyer, 4000)
    with pytest.raises(TradelaneError, match="OrderUnauthorized"):
        client.accept_settlement(trade, by=buyer)  # refused before sending: its own
    client.accept_settlement(trade, by=seller)
    assert client.state(trade).status == Status.RESOLVED
    money = client.money(trade)
    assert (money.buyer_refunded, money.seller_received) == (4 * 10**17, 6 * 10**17 - money.fee)
    assert client.reputation(buyer).settled == 1
    assert client.reputation(seller).settled == 1


def test_withdrawn_settlement_and_voluntary_moves(client, buyer, seller, carrier, judge):
    trade = _funded(client, buyer, seller, carrier, judge)
    client.propose_settlement(trade, by=buyer, buyer_share=5000)
    client.withdraw_settlement(trade, by=buyer)
    assert client.settlement(trade) == (None, 0)
    with pytest.raises(TradelaneError, match="EscrowNoSettlement"):
        client.accept_settlement(trade, by=seller)
    client.release(trade, by=buyer, amount="0.1 ETH")
    client.reimburse(trade, by=seller, amount="0.05 ETH")
    assert client.money(trade).buyer_refunded == 5 * 10**16
    assert client.reputation(seller).refunded == 1
    with pytest.raises(TradelaneError, match="whole basis points"):
        client.release(trade, by=buyer, amount=10**14 + 1)


def test_extra_data_is_passed_verbatim_and_kleros_form_is_encoded(client, buyer, seller, carrier):
    data = kleros_extra_data(3, 5)
    assert decode(["uint256", "uint256"], data) == (3, 5)
    trade = client.new_trade(
        buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", arbitrator_extra_data=data
    )
    assert trade.terms.arbitrator_extra_data == data
    hexed = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        arbitrator_extra_data="0x" + data.hex(),
    )
    assert hexed.terms.arbitrator_extra_data == data
    with pytest.raises(TradelaneError):
        kleros_extra_data(1, 0)


def test_meta_evidence_is_the_disputes_and_names_the_signed_terms(
    client, buyer, seller, carrier, judge
):
    trade = _funded(client, buyer, seller, carrier, judge, terms_uri="ipfs://bafy.../po.json")
    assert client.meta_evidence(trade) is None  # no dispute, no MetaEvidence
    client.dispute(trade, by=buyer)
    assert client.meta_evidence(trade) is None  # not with the arbitrator yet
    client.pay_fee(trade, by=seller)
    meta = client.meta_evidence(trade)
    assert meta is not None
    assert meta["termsHash"] == "0x" + bytes(trade.terms_hash).hex()
    assert meta["documentHash"] == "0x" + bytes(trade.terms.document_hash).hex()
    assert meta["aliases"] == {buyer.lower(): "buyer", seller.lower(): "seller"}
    assert meta["rulingOptions"]["type"] == "uint"
    assert meta["arbitrableAddress"] == client.escrow.address.lower()
    documents = [e.args["uri"] for e in client.order_events(trade, names=["TermsDocument"])]
    assert documents == ["ipfs://bafy.../po.json"]


def test_appeal_terms_and_our_arbitrator_refusing_appeals(client, buyer, seller, carrier, judge):
    trade = _funded(client, buyer, seller, carrier, judge)
    assert client.appeal_terms(trade) is None and client.order(trade).appeal is None
    client.dispute(trade, by=buyer)
    client.pay_fee(trade, by=seller)
    terms = client.appeal_terms(trade)
    assert terms is not None and terms["cost"] == 2**250  # what an arbitrable can multiply
    assert client.order(trade).appeal == terms  # part of the order view while disputed
    with pytest.raises(TradelaneError, match="ArbitrationAppealsNotSupported"):
        client.appeal(trade, by=seller, value=1)
    assert client.state(trade).status == Status.DISPUTED
