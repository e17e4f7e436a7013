"""EIP-712 typed data of the suite, hashed and signed locally with eth-account.

The order identifier is the struct hash of `Order(...,Terms terms)`; a quote is the seller's
signature over it in the escrow's domain; a relayed checkpoint is the recorder's signature
over `Checkpoint(...)` in the tracker's domain. tests/toolkit checks every hash against the
contracts' own view functions.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak

from tradelane.types import Order, Terms

ESCROW_DOMAIN = ("Tradelane TradeEscrow", "1")
TRACKER_DOMAIN = ("Tradelane LogisticsTracker", "1")

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

ORDER_TYPES: dict[str, list[dict[str, str]]] = {
    "Order": [
        {"name": "buyer", "type": "address"},
        {"name": "seller", "type": "address"},
        {"name": "token", "type": "address"},
        {"name": "price", "type": "uint96"},
        {"name": "terms", "type": "Terms"},
    ],
    "Terms": [
        {"name": "carrier", "type": "address"},
        {"name": "arbitrator", "type": "address"},
        {"name": "incoterm", "type": "uint8"},
        {"name": "shipWithin", "type": "uint32"},
        {"name": "deliverWithin", "type": "uint32"},
        {"name": "inspectionWindow", "type": "uint32"},
        {"name": "validUntil", "type": "uint64"},
        {"name": "nonce", "type": "uint256"},
        {"name": "documentHash", "type": "bytes32"},
        {"name": "origin", "type": "bytes5"},
        {"name": "destination", "type": "bytes5"},
        {"name": "maxFeeBps", "type": "uint16"},
        {"name": "rulingTimeout", "type": "uint32"},
        {"name": "milestones", "type": "Milestone[]"},
        {"name": "arbitratorExtraData", "type": "bytes"},
        {"name": "customs", "type": "address[]"},
        {"name": "inspectors", "type": "address[]"},
    ],
    "Milestone": [{"name": "stage", "type": "uint8"}, {"name": "bps", "type": "uint16"}],
}

CHECKPOINT_TYPES: dict[str, list[dict[str, str]]] = {
    "Checkpoint": [
        {"name": "orderId", "type": "bytes32"},
        {"name": "kind", "type": "uint8"},
        {"name": "location", "type": "bytes5"},
        {"name": "document", "type": "bytes32"},
        {"name": "uri", "type": "string"},
        {"name": "deadline", "type": "uint64"},
        {"name": "nonce", "type": "uint256"},
    ]
}


def _domain(name_version: tuple[str, str], chain_id: int, contract: str) -> dict[str, Any]:
    return {
        "name": name_version[0],
        "version": name_version[1],
        "chainId": chain_id,
        "verifyingContract": contract,
    }


def order_message(order: Order, terms: Terms) -> dict[str, Any]:
    return {
        "buyer": order.buyer,
        "seller": order.seller,
        "token": order.token,
        "price": order.price,
        "terms": {
            "carrier": terms.carrier,
            "arbitrator": terms.arbitrator,
            "incoterm": int(terms.incoterm),
            "shipWithin": terms.ship_within,
            "deliverWithin": terms.deliver_within,
            "inspectionWindow": terms.inspection_window,
            "validUntil": terms.valid_until,
            "nonce": terms.nonce,
            "documentHash": terms.document_hash,
            "origin": terms.origin,
            "destination": terms.destination,
            "maxFeeBps": terms.max_fee_bps,
            "rulingTimeout": terms.ruling_timeout,
            "milestones": [{"stage": int(m.stage), "bps": m.bps} for m in terms.milestones],
            "arbitratorExtraData": terms.arbitrator_extra_data,
            "customs": list(terms.customs),
            "inspectors": list(terms.inspectors),
        },
    }


def _typed(
    types: dict[str, list[dict[str, str]]], primary: str, domain: dict[str, Any], message: Any
) -> SignableMessage:
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, **types},
            "primaryType": primary,
            "domain": domain,
            "message": message,
        }
    )


def _digest(signable: SignableMessage) -> bytes:
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def order_signable(order: Order, terms: Terms, chain_id: int, escrow: str) -> SignableMessage:
    return _typed(
        ORDER_TYPES, "Order", _domain(ESCROW_DOMAIN, chain_id, escrow), order_message(order, terms)
    )


def order_id(order: Order, terms: Terms) -> bytes:
    """The order identifier: the struct hash, which does not depend on the domain."""
    return bytes(order_signable(order, terms, 1, "0x" + "00" * 20).body)


def terms_hash(terms: Terms) -> bytes:
    """The struct hash of the terms (typed data with Terms as the primary type)."""
    message = order_message(
        Order(terms.carrier, terms.carrier, terms.carrier, 0),
        terms,  # placeholder head
    )["terms"]
    types = {k: v for k, v in ORDER_TYPES.items() if k != "Order"}
    return bytes(_typed(types, "Terms", _domain(ESCROW_DOMAIN, 1, "0x" + "00" * 20), message).body)


def quote_digest(order: Order, terms: Terms, chain_id: int, escrow: str) -> bytes:
    return _digest(order_signable(order, terms, chain_id, escrow))


def sign_quote(order: Order, terms: Terms, chain_id: int, escrow: str, key: str) -> bytes:
    signed = Account.sign_message(order_signable(order, terms, chain_id, escrow), key)
    return bytes(signed.signature)


def checkpoint_signable(
    order_id_: bytes,
    kind: int,
    location: bytes,
    document: bytes,
    uri: str,
    deadline: int,
    nonce: int,
    chain_id: int,
    tracker: str,
) -> SignableMessage:
    message = {
        "orderId": order_id_,
        "kind": kind,
        "location": location,
        "document": document,
        "uri": uri,
        "deadline": deadline,
        "nonce": nonce,
    }
    return _typed(
        CHECKPOINT_TYPES, "Checkpoint", _domain(TRACKER_DOMAIN, chain_id, tracker), message
    )


def checkpoint_digest(*args: Any) -> bytes:
    return _digest(checkpoint_signable(*args))


def sign_checkpoint(key: str, *args: Any) -> bytes:
    return bytes(Account.sign_message(checkpoint_signable(*args), key).signature)


def permit_signature(
    *,
    token_name: str,
    token: str,
    chain_id: int,
    owner: str,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
    key: str,
) -> tuple[int, bytes, bytes]:
    """An EIP-2612 permit (OpenZeppelin ERC20Permit, version "1"): (v, r, s)."""
    signable = _typed(
        {
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ]
        },
        "Permit",
        _domain((token_name, "1"), chain_id, token),
        {"owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline},
    )
    signed = Account.sign_message(signable, key)
    return int(signed.v), signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
