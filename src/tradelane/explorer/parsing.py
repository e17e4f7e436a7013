"""What a request names (an order id, an address), and a request's errors."""

from __future__ import annotations

import re

from eth_utils import to_checksum_address

ORDER_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH = ORDER_ID


class PageError(Exception):
    """A request the explorer cannot answer: `status` 400 (malformed) or 404 (unknown)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(PageError):
    status = 400


class NotFound(PageError):
    status = 404


def parse_order_id(text: str) -> str:
    if not ORDER_ID.match(text or ""):
        raise BadRequest(f"{text!r} is not an order id: write 0x followed by 64 hex digits")
    return text.lower()


def parse_address(text: str) -> str:
    if not ADDRESS.match(text or ""):
        raise BadRequest(f"{text!r} is not an address: write 0x followed by 40 hex digits")
    return to_checksum_address(text)


__all__ = [
    "ADDRESS",
    "HASH",
    "ORDER_ID",
    "BadRequest",
    "NotFound",
    "PageError",
    "parse_address",
    "parse_order_id",
]
