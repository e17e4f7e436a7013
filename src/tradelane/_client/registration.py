"""Decoding of `OrderRegistered`'s packed fields (layout: contracts/interfaces/IOrderRegistry.sol).

The escrow emits the order's fields packed (178 + 3m + 20 per customs authority and
inspector, plus the arbitrator's extra data) rather than ABI-encoded, which costs a third of
the gas; this is its inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_typing import ChecksumAddress

from tradelane._client.addresses import to_checksum_address
from tradelane.types import Incoterm, Milestone, Order, Stage, Terms

FIXED = 178


@dataclass(frozen=True)
class Registration:
    """An order rebuilt from its registration event."""

    order: Order
    terms: Terms
    risk_stage: Stage
    fee_bps: int


def _int(raw: bytes, start: int, size: int) -> int:
    return int.from_bytes(raw[start : start + size], "big")


def _address(raw: bytes, start: int) -> ChecksumAddress:
    return to_checksum_address(raw[start : start + 20])


def unpack_registration(buyer: str, seller: str, packed: bytes) -> Registration:
    """Rebuild the order from `OrderRegistered(orderId, buyer, seller, packed)`."""
    raw = bytes(packed)
    if len(raw) < FIXED:
        raise ValueError(f"packed registration is {len(raw)} bytes, expected at least {FIXED}")
    m, c, n = raw[175], raw[176], raw[177]
    lists = FIXED + 3 * m
    end = lists + 20 * (c + n)
    if len(raw) < end:
        raise ValueError(
            f"packed registration is {len(raw)} bytes, too short for {m} milestones, "
            f"{c} customs and {n} inspectors"
        )
    milestones = tuple(
        Milestone(Stage(raw[FIXED + 3 * i]), _int(raw, FIXED + 3 * i + 1, 2)) for i in range(m)
    )
    customs = tuple(_address(raw, lists + 20 * i) for i in range(c))
    inspectors = tuple(_address(raw, lists + 20 * (c + i)) for i in range(n))
    order = Order(
        to_checksum_address(buyer), to_checksum_address(seller), _address(raw, 0), _int(raw, 20, 12)
    )
    terms = Terms(
        carrier=_address(raw, 32),
        arbitrator=_address(raw, 52),
        incoterm=Incoterm(raw[72]),
        ship_within=_int(raw, 73, 4),
        deliver_within=_int(raw, 77, 4),
        inspection_window=_int(raw, 81, 4),
        valid_until=_int(raw, 85, 8),
        nonce=_int(raw, 93, 32),
        document_hash=raw[125:157],
        origin=raw[157:162],
        destination=raw[162:167],
        max_fee_bps=_int(raw, 169, 2),
        ruling_timeout=_int(raw, 171, 4),
        milestones=milestones,
        arbitrator_extra_data=raw[end:],
        customs=customs,
        inspectors=inspectors,
    )
    return Registration(order, terms, Stage(raw[167]), raw[168])
