"""The order form (docs/CONTRACTS.md, "The order form"): the one `bytes` argument that carries
an order and its terms. The Python encoder is the reference; the contracts read the same
identifier from it as from the EIP-712 structs, and refuse by name every form no order has."""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import to_checksum_address

from tradelane._client import eip712
from tradelane._client.form import FORM_FIXED, decode_order_form, encode_order_form
from tradelane.types import Incoterm, Milestone, Order, Stage, Terms

from .desk import ETH, Desk

ADDR = [f"0x{(i * 0x1111111111111111111111111111111111111111) % 2**160:040x}" for i in range(1, 9)]


def _terms(**over: Any) -> Terms:
    from eth_utils import to_checksum_address

    a = [to_checksum_address(x) for x in ADDR]
    fields: dict[str, Any] = {
        "carrier": a[2],
        "arbitrator": a[3],
        "incoterm": Incoterm.DAP,
        "ship_within": 7 * 86_400,
        "deliver_within": 40 * 86_400,
        "inspection_window": 3 * 86_400,
        "valid_until": 2**40 + 5,
        "nonce": 2**255 + 17,
        "document_hash": bytes(range(32)),
        "origin": b"CNSHA",
        "destination": b"DEHAM",
        "max_fee_bps": 150,
        "ruling_timeout": 90 * 86_400,
        "milestones": (Milestone(Stage.PICKED_UP, 3_000), Milestone(Stage.IMPORT_CLEARED, 2_500)),
        "arbitrator_extra_data": encode(["address[]"], [[a[4]]]),
        "customs": (a[5], a[6]),
        "inspectors": (a[7],),
    }
    return Terms(**{**fields, **over})


def _order() -> Order:
    from eth_utils import to_checksum_address

    return Order(to_checksum_address(ADDR[0]), to_checksum_address(ADDR[1]), ETH, 2**96 - 1)


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"milestones": (), "arbitrator_extra_data": b"", "customs": (), "inspectors": ()},
        {"origin": b"\x00" * 5, "valid_until": 0, "nonce": 0},
        {"arbitrator_extra_data": b"\x07" * 33, "customs": (), "inspectors": ()},
    ],
    ids=["everything", "no-lists", "zeros", "odd-extra-data"],
)
def test_the_form_has_the_eip712_identifier_and_round_trips(desk: Desk, over: Any) -> None:
    order, terms = _order(), _terms(**over)
    form = encode_order_form(order, terms)
    m, c, i = len(terms.milestones), len(terms.customs), len(terms.inspectors)
    assert len(form) == FORM_FIXED + 3 * m + 20 * (c + i) + len(terms.arbitrator_extra_data)
    assert decode_order_form(form) == (order, terms)
    got_id, got_terms = desk.escrow.functions.orderFormId(form).call()
    assert bytes(got_terms) == eip712.terms_hash(terms)
    assert bytes(got_id) == eip712.order_id(order, terms)
    # the same identifier as the contract computes from the EIP-712 structs
    th = desk.escrow.functions.hashTerms(terms.as_tuple()).call()
    assert bytes(desk.escrow.functions.orderId(order.as_tuple(), th).call()) == bytes(got_id)


def _broken(form: bytes, how: str) -> tuple[bytes, str, tuple[Any, ...]]:
    """A form no order has, the error the contracts give it and that error's arguments."""
    if how == "short":
        return form[:-1], "OrderFormMalformed", (len(form) - 1, len(form))
    if how == "long":
        return form + b"\x00", "OrderFormMalformed", (len(form) + 1, len(form))
    if how == "below-fixed":
        return form[: FORM_FIXED - 1], "OrderFormMalformed", (FORM_FIXED - 1, FORM_FIXED)
    if how == "empty":
        return b"", "OrderFormMalformed", (0, FORM_FIXED)
    word, byte = {"dirty-buyer": (0, 0), "dirty-seller": (1, 11), "dirty-token": (2, 5)}.get(
        how,
        (3, 19),  # dirty-price: the last byte above the uint96
    )
    dirty = bytearray(form)
    # The highest bit of a word's padding, or (seller, price) the lowest: the bit next to the field.
    dirty[32 * word + byte] = 0x01 if how in ("dirty-seller", "dirty-price") else 0x80
    return bytes(dirty), "OrderFormDirtyPadding", ()


HOWS = ["short", "long", "below-fixed", "empty", "dirty-buyer", "dirty-seller", "dirty-token"]


@pytest.mark.parametrize("how", [*HOWS, "dirty-price"])
def test_every_malformed_form_is_refused_by_name_and_leaves_no_trace(desk: Desk, how: str) -> None:
    trade = desk.trade(milestones=[("picked_up", 2_000)])
    form, error, args = _broken(trade.form, how)
    escrow = desk.escrow.functions
    calls = [
        (escrow.fundWithQuote(form, "", trade.quote()), trade.buyer, trade.price),
        (escrow.register(form, ""), trade.buyer, 0),
        (escrow.settle(form), trade.buyer, 0),
        (escrow.refund(form), trade.buyer, 0),
        (escrow.dispute(form, ""), trade.buyer, desk.cost()),
        (desk.tracker.functions.record(form, trade.checkpoint("picked_up")), trade.carrier, 0),
    ]
    for fn, sender, value in calls:
        assert desk.reverts(error, fn, sender, value=value) == args, fn.fn_name
    assert trade.status() == "none"
    # the clean form of the same order is funded, and a broken one is still refused after
    desk.quote_and_fund(trade)
    assert trade.status() == "funded"
    fn = desk.tracker.functions.record(form, trade.checkpoint("picked_up"))
    assert desk.reverts(error, fn, trade.carrier) == args
    assert trade.state()["stage"] == "none"


def test_the_encoder_refuses_what_the_form_cannot_hold() -> None:
    with pytest.raises(ValueError, match="65,535"):
        encode_order_form(_order(), _terms(arbitrator_extra_data=b"\x01" * 65_536))
    with pytest.raises(ValueError, match="counts say"):
        decode_order_form(encode_order_form(_order(), _terms()) + b"\x00")


@pytest.mark.parametrize(
    ("over", "named"),
    [
        ({"ship_within": 2**32}, "terms.ship_within"),
        ({"valid_until": -1}, "terms.valid_until"),
        ({"max_fee_bps": 2**16}, "terms.max_fee_bps"),
        ({"nonce": 2**256}, "terms.nonce"),
        ({"origin": b"CNSHAI"}, "terms.origin"),
        ({"document_hash": b"\x01" * 31}, "terms.document_hash"),
        ({"milestones": (Milestone(Stage.PICKED_UP, 2**16),)}, "terms.milestones[0]"),
    ],
)
def test_the_encoder_names_the_field_that_does_not_fit(over: dict[str, Any], named: str) -> None:
    # Nothing is truncated or padded on the way: a value the form cannot hold exactly is an error.
    with pytest.raises(ValueError, match=re.escape(named)):
        encode_order_form(_order(), _terms(**over))
    price = Order(_order().buyer, _order().seller, ETH, 2**96)
    with pytest.raises(ValueError, match=re.escape("order.price")):
        encode_order_form(price, _terms())


# ---------------------------------------------------------------- what the lists mean


def test_the_bytes_after_the_milestones_never_count_as_one(desk: Desk) -> None:
    # The customs authority's address starts with bytes that would read as a milestone
    # (stage 5, departed; 50%) were the schedule read one entry too far.
    bogus = to_checksum_address("0x051388" + "00" * 16 + "01")
    trade = desk.trade(milestones=[("picked_up", 1_000)], customs=[bogus])
    desk.quote_and_fund(trade)
    for kind in ("picked_up", "loaded", "departed", "arrived"):
        desk.record(trade, kind)
        assert trade.state()["released_bps"] == 1_000, kind


def test_each_named_authority_and_only_those_may_record_for_the_order(desk: Desk) -> None:
    customs = [desk.p["customs"], desk.p["arbitrators"][1]]
    inspectors = [desk.p["inspector"], desk.p["arbitrators"][2]]
    trade = desk.trade(incoterm="CIF", customs=customs, inspectors=inspectors)
    desk.quote_and_fund(trade)
    desk.record(trade, "picked_up")
    # An inspector is not a customs authority, though it comes right after them in the form,
    # nor a customs authority an inspector.
    for kind, who in (("export_cleared", inspectors[0]), ("inspection_passed", customs[-1])):
        fn = desk.tracker.functions.record(trade.form, trade.checkpoint(kind))
        assert desk.reverts("TrackerUnauthorized", fn, who)[1] == who
    # The second of each list is as named as the first.
    desk.record(trade, "export_cleared", by=customs[1])
    assert trade.state()["clearance"] == "export_cleared"
    desk.record(trade, "hold", by=customs[0])
    desk.record(trade, "release", by=customs[1])
    desk.record(trade, "inspection_passed", by=inspectors[1])
    desk.record(trade, "inspection_failed", by=inspectors[0])


def test_the_type_hashes_are_the_keccak_of_the_type_strings() -> None:
    # OrderHashing states its EIP-712 type hashes as literals (a keccak256 of concatenated
    # strings is not folded by the compiler and cost about 700 gas a use); each must be the
    # hash of the type strings beside it, as EIP-712 encodes them.
    from pathlib import Path

    from eth_utils import keccak

    source = (
        Path(__file__).resolve().parents[2] / "contracts/libraries/OrderHashing.sol"
    ).read_text()
    strings = {
        name: "".join(re.findall(r'"([^"]*)"', body))
        for name, body in re.findall(r"string internal constant (\w+) =(.*?);", source, re.S)
    }
    hashes = {
        name: bytes.fromhex(value)
        for name, value in re.findall(
            r"bytes32 internal constant (\w+) = 0x([0-9a-f]{64});", source
        )
    }
    milestone, terms, order = (
        strings["MILESTONE_TYPE"],
        strings["TERMS_TYPE"],
        strings["ORDER_TYPE"],
    )
    assert (
        order.startswith("Order(")
        and terms.startswith("Terms(")
        and milestone.startswith("Milestone(")
    )
    assert hashes == {
        "MILESTONE_TYPEHASH": keccak(text=milestone),
        "TERMS_TYPEHASH": keccak(text=terms + milestone),
        "ORDER_TYPEHASH": keccak(text=order + milestone + terms),
    }
