"""The order form: an order and its terms in the one `bytes` argument the contracts take.

This is the reference encoder of the layout in docs/CONTRACTS.md ("The order form") and
contracts/libraries/OrderForm.sol: the four words of the ABI-encoded `Order` head, then the
terms packed big-endian, fixed fields first, then the milestones, the customs, the
inspectors and the arbitrator's extra data. Every order has exactly one form, and its
identifier is the same EIP-712 struct hash as for the `Order` and `Terms` structs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_typing import ChecksumAddress

from tradelane._client.addresses import to_checksum_address
from tradelane.terms import Incoterm, Milestone, Order, Stage, Terms

#: Bytes before the lists: the 128-byte head and the 146 bytes of fixed terms.
FORM_FIXED = 274


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _addr(address: str) -> bytes:
    return bytes.fromhex(address[2:])


#: (field, size in bytes) of each fixed-size integer of the form, as docs/CONTRACTS.md lays
#: them out; the head's price is a uint96 in its word.
_INTEGERS = (
    ("order.price", 12),
    ("terms.incoterm", 1),
    ("terms.ship_within", 4),
    ("terms.deliver_within", 4),
    ("terms.inspection_window", 4),
    ("terms.valid_until", 8),
    ("terms.nonce", 32),
    ("terms.max_fee_bps", 2),
    ("terms.ruling_timeout", 4),
)
_BYTES = (("terms.document_hash", 32), ("terms.origin", 5), ("terms.destination", 5))


def _check_fits(order: Order, terms: Terms) -> None:
    """Refuse, naming the field, any value the form's fixed sizes cannot hold exactly."""
    holders = {"order": order, "terms": terms}

    def value(name: str) -> Any:
        holder, attr = name.split(".")
        return getattr(holders[holder], attr)

    for name, size in _INTEGERS:
        v = int(value(name))
        if not 0 <= v < 1 << (8 * size):
            raise ValueError(f"{name} = {v} does not fit the order form's {8 * size}-bit field")
    for name, size in _BYTES:
        if len(bytes(value(name))) != size:
            raise ValueError(
                f"{name} is {len(bytes(value(name)))} bytes; the order form holds exactly {size}"
            )
    for j, m in enumerate(terms.milestones):
        if not (0 <= int(m.stage) < 256 and 0 <= m.bps < 1 << 16):
            raise ValueError(f"terms.milestones[{j}] = {m} does not fit (stage uint8, bps uint16)")


def encode_order_form(order: Order, terms: Terms) -> bytes:
    """The order form of `order` with `terms` (what register, fundWithQuote, settle, refund,
    record and the dispute functions take as `order`), laid out as docs/CONTRACTS.md says.

    Raises ValueError naming the field when a value does not fit its bytes exactly (the
    contracts' own rules, such as the windows or the milestone total, are theirs to check)."""
    _check_fits(order, terms)
    return pack_order_form(order.as_tuple(), terms.as_tuple())


def pack_order_form(order: Sequence[Any], terms: Sequence[Any]) -> bytes:
    """The order form from the ABI tuples of `Order` and `Terms` (as `as_tuple()` gives
    them): the values are packed as they are, unchecked, so a test can build any form."""
    buyer, seller, token, price = order
    (
        carrier,
        arbitrator,
        incoterm,
        ship_within,
        deliver_within,
        inspection_window,
        valid_until,
        nonce,
        document_hash,
        origin,
        destination,
        max_fee_bps,
        ruling_timeout,
        milestones,
        extra,
        customs,
        inspectors,
    ) = terms
    extra = bytes(extra)
    counts = (len(milestones), len(customs), len(inspectors))
    if max(counts) > 255 or len(extra) > 0xFFFF:
        raise ValueError(
            "the order form holds at most 255 milestones, customs or inspectors and 65,535 "
            "bytes of "
            f"arbitrator extra data; these terms have {counts} and {len(extra)} bytes"
        )
    parts = [
        _word(int(buyer, 16)),
        _word(int(seller, 16)),
        _word(int(token, 16)),
        _word(int(price)),
        _addr(carrier),
        _addr(arbitrator),
        int(incoterm).to_bytes(1, "big"),
        int(ship_within).to_bytes(4, "big"),
        int(deliver_within).to_bytes(4, "big"),
        int(inspection_window).to_bytes(4, "big"),
        int(valid_until).to_bytes(8, "big"),
        _word(int(nonce)),
        bytes(document_hash).rjust(32, b"\x00")[-32:],
        bytes(origin).ljust(5, b"\x00")[:5],
        bytes(destination).ljust(5, b"\x00")[:5],
        int(max_fee_bps).to_bytes(2, "big"),
        int(ruling_timeout).to_bytes(4, "big"),
        bytes(counts),
        len(extra).to_bytes(2, "big"),
    ]
    parts += [bytes([int(stage)]) + int(bps).to_bytes(2, "big") for stage, bps in milestones]
    parts += [_addr(a) for a in customs]
    parts += [_addr(a) for a in inspectors]
    parts.append(extra)
    return b"".join(parts)


def decode_order_form(form: bytes) -> tuple[Order, Terms]:
    """The order and terms an order form holds (the inverse of :func:`encode_order_form`)."""
    if len(form) < FORM_FIXED:
        raise ValueError(f"an order form is at least {FORM_FIXED} bytes; this one is {len(form)}")
    m, c, i = form[269], form[270], form[271]
    e = int.from_bytes(form[272:274], "big")
    expected = FORM_FIXED + 3 * m + 20 * (c + i) + e
    if len(form) != expected:
        raise ValueError(f"this order form is {len(form)} bytes where its counts say {expected}")

    def num(start: int, size: int) -> int:
        return int.from_bytes(form[start : start + size], "big")

    def addr(start: int) -> ChecksumAddress:
        return to_checksum_address("0x" + form[start : start + 20].hex())

    order = Order(buyer=addr(12), seller=addr(44), token=addr(76), price=num(96, 32))
    at = FORM_FIXED
    milestones = tuple(Milestone(Stage(form[at + 3 * j]), num(at + 3 * j + 1, 2)) for j in range(m))
    at += 3 * m
    customs = tuple(addr(at + 20 * j) for j in range(c))
    at += 20 * c
    inspectors = tuple(addr(at + 20 * j) for j in range(i))
    at += 20 * i
    terms = Terms(
        carrier=addr(128),
        arbitrator=addr(148),
        incoterm=Incoterm(form[168]),
        ship_within=num(169, 4),
        deliver_within=num(173, 4),
        inspection_window=num(177, 4),
        valid_until=num(181, 8),
        nonce=num(189, 32),
        document_hash=form[221:253],
        origin=form[253:258],
        destination=form[258:263],
        max_fee_bps=num(263, 2),
        ruling_timeout=num(265, 4),
        milestones=milestones,
        arbitrator_extra_data=form[at:],
        customs=customs,
        inspectors=inspectors,
    )
    return order, terms
