"""A signature (a seller's quote, a signed checkpoint) is valid once, on one chain, for one
contract, by its signer, in time: every other use is refused.

test_branches.py already covers a checkpoint replayed on the same order and on another order,
with another nonce, after its deadline, by a non-recorder and with a malleated s; a quote signed
by the buyer. This completes the set for both kinds.
"""

from __future__ import annotations

import copy
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from tradelane.deploy import deploy_suite

from .desk import DAY, Desk, Trade

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _sign(desk: Desk, signer: str, typed: dict[str, Any]) -> bytes:
    key = desk.chain.private_key(signer)
    return bytes(Account.sign_message(encode_typed_data(full_message=typed), key).signature)


def _quote(trade: Trade, *, chain_id: int | None = None, contract: str | None = None) -> bytes:
    typed = copy.deepcopy(trade.typed_data())
    if chain_id is not None:
        typed["domain"]["chainId"] = chain_id
    if contract is not None:
        typed["domain"]["verifyingContract"] = contract
    return _sign(trade.desk, trade.seller, typed)


def _malleate(sig: bytes) -> bytes:
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    return r + (N - s).to_bytes(32, "big") + bytes([55 - v])


def _fund(desk: Desk, trade: Trade, sig: bytes, escrow: Any = None) -> Any:
    escrow = escrow or desk.escrow
    return escrow.functions.fundWithQuote(trade.form, "", sig)


def _second_suite(desk: Desk, artifacts: Any) -> Any:
    return deploy_suite(
        desk.chain,
        artifacts,
        admin=desk.p["operator"],
        treasury=desk.p["treasury"],
        write_manifest=False,
    )


# ---------------------------------------------------------------- quotes


def test_quote_is_valid_once_on_its_order(desk: Desk) -> None:
    trade = desk.trade()
    sig = trade.quote()
    desk.send(_fund(desk, trade, sig), trade.buyer, value=trade.price)
    args = desk.reverts(
        "OrderInvalidStatus", _fund(desk, trade, sig), trade.buyer, value=trade.price
    )
    assert args[:2] == (trade.id, 3)  # already funded
    # its malleated twin is no second chance either: the escrow takes only low-s signatures
    desk.reverts(
        "OrderInvalidSignature", _fund(desk, trade, _malleate(sig)), trade.buyer, value=trade.price
    )


def test_quote_for_one_order_funds_no_other(desk: Desk) -> None:
    signed = desk.trade(price=10**18)
    for other in (
        desk.trade(price=10**18),  # the same terms but the nonce
        desk.trade(price=10**18, nonce=signed.terms[7] + 1000, milestones=[("loaded", 5000)]),
        desk.trade(price=2 * 10**18, nonce=signed.terms[7]),  # the same nonce, another price
    ):
        args = desk.reverts(
            "OrderInvalidSignature",
            _fund(desk, other, signed.quote()),
            other.buyer,
            value=other.price,
        )
        assert args == (other.id, other.seller)


def test_quote_signed_for_another_chain_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    sig = _quote(trade, chain_id=desk.chain.chain_id + 1)
    desk.reverts("OrderInvalidSignature", _fund(desk, trade, sig), trade.buyer, value=trade.price)
    assert trade.status() == "none"


def test_quote_signed_for_another_escrow_is_refused_by_both(desk: Desk, artifacts: Any) -> None:
    other = _second_suite(desk, artifacts)
    trade = desk.trade()
    # signed for the second escrow, presented to the first
    sig = _quote(trade, contract=other["TradeEscrow"].address)
    desk.reverts("OrderInvalidSignature", _fund(desk, trade, sig), trade.buyer, value=trade.price)
    # signed for the first, presented to the second
    fn = _fund(desk, trade, trade.quote(), escrow=other["TradeEscrow"])
    desk.reverts("OrderInvalidSignature", fn, trade.buyer, value=trade.price)
    # and where it belongs it works, once
    desk.send(_fund(desk, trade, trade.quote()), trade.buyer, value=trade.price)


def test_expired_quote_is_refused(desk: Desk) -> None:
    trade = desk.trade(valid_until=desk.chain.now() + 3_600)
    sig = trade.quote()
    desk.time_travel(2 * 3_600)
    args = desk.reverts("OrderExpired", _fund(desk, trade, sig), trade.buyer, value=trade.price)
    assert args == (trade.id, trade.terms[6])


def test_quote_by_anyone_but_the_seller_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    for signer in (desk.p["outsider"], desk.p["operator"], trade.carrier):
        sig = trade.quote(signer=signer)
        desk.reverts(
            "OrderInvalidSignature", _fund(desk, trade, sig), trade.buyer, value=trade.price
        )


def test_malleated_quote_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    fn = _fund(desk, trade, _malleate(trade.quote()))
    desk.reverts("OrderInvalidSignature", fn, trade.buyer, value=trade.price)
    for bad in (b"", b"\x00" * 65, trade.quote()[:64]):
        desk.reverts(
            "OrderInvalidSignature", _fund(desk, trade, bad), trade.buyer, value=trade.price
        )


def test_withdrawn_quote_cannot_be_funded(desk: Desk) -> None:
    trade = desk.trade()
    sig = trade.quote()
    desk.send(desk.escrow.functions.cancel(trade.order, trade.terms_hash), trade.seller)
    desk.reverts("OrderInvalidStatus", _fund(desk, trade, sig), trade.buyer, value=trade.price)


# ---------------------------------------------------------------- signed checkpoints


def _relay(
    tracker: Any, trade: Trade, cp: Any, signer: str, deadline: int, nonce: int, sig: bytes
) -> Any:
    return tracker.functions.recordSigned(trade.form, cp, signer, deadline, nonce, sig)


def test_checkpoint_signed_for_another_chain_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    cp = trade.checkpoint("picked_up")
    deadline = desk.chain.now() + DAY
    sig = trade.sign_checkpoint(trade.carrier, cp, deadline, 0, chain_id=desk.chain.chain_id + 1)
    fn = _relay(desk.tracker, trade, cp, trade.carrier, deadline, 0, sig)
    assert desk.reverts("TrackerInvalidSignature", fn, desk.p["outsider"]) == (trade.carrier,)


def test_checkpoint_signed_for_another_tracker_is_refused(desk: Desk, artifacts: Any) -> None:
    other = _second_suite(desk, artifacts)
    trade = desk.trade()  # the same order on both suites
    desk.quote_and_fund(trade)
    other_trade = Trade(trade.order, trade.terms, trade.terms_hash, trade.id, trade.desk)
    desk.send(
        other["TradeEscrow"].functions.fundWithQuote(
            trade.form, "", _quote(trade, contract=other["TradeEscrow"].address)
        ),
        trade.buyer,
        value=trade.price,
    )
    cp = trade.checkpoint("picked_up")
    deadline = desk.chain.now() + DAY
    sig = trade.sign_checkpoint(trade.carrier, cp, deadline)  # for the first tracker
    fn = _relay(other["LogisticsTracker"], other_trade, cp, trade.carrier, deadline, 0, sig)
    desk.reverts("TrackerInvalidSignature", fn, desk.p["outsider"])
    desk.send(_relay(desk.tracker, trade, cp, trade.carrier, deadline, 0, sig), desk.p["outsider"])
    assert trade.status() == "in_transit"


def test_checkpoint_with_a_reused_nonce_is_refused_even_resigned_or_malleated(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    cp = trade.checkpoint("picked_up")
    deadline = desk.chain.now() + DAY
    early = trade.sign_checkpoint(trade.carrier, cp, deadline, nonce=42)
    fn = _relay(desk.tracker, trade, cp, trade.carrier, deadline, 42, early)
    assert desk.reverts("TrackerNonceMismatch", fn, trade.carrier) == (trade.carrier, 0, 42)
    sig = trade.sign_checkpoint(trade.carrier, cp, deadline, nonce=0)
    desk.send(_relay(desk.tracker, trade, cp, trade.carrier, deadline, 0, sig), desk.p["outsider"])
    assert desk.tracker.functions.checkpointNonce(trade.carrier, trade.id).call() == 1
    for again in (trade.sign_checkpoint(trade.carrier, cp, deadline, nonce=0), _malleate(sig)):
        fn = _relay(desk.tracker, trade, cp, trade.carrier, deadline, 0, again)
        desk.reverts("TrackerSignatureUsed", fn, trade.carrier)


def test_checkpoint_claimed_for_a_signer_who_did_not_sign_is_refused(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    cp = trade.checkpoint("export_cleared")
    deadline = desk.chain.now() + DAY
    forged = trade.sign_checkpoint(desk.p["outsider"], cp, deadline)
    fn = _relay(desk.tracker, trade, cp, desk.p["customs"], deadline, 0, forged)
    assert desk.reverts("TrackerInvalidSignature", fn, desk.p["outsider"]) == (desk.p["customs"],)
    assert trade.state()["stage"] == "none"
