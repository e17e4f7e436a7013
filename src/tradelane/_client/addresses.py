"""Addresses checksummed once each: EIP-55 costs a keccak per call, and a batch of logs or
registrations repeats the same few addresses thousands of times."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address as _checksum


@lru_cache(maxsize=65_536)
def _cached(value: str | bytes) -> ChecksumAddress:
    return _checksum(value)


def to_checksum_address(value: Any) -> ChecksumAddress:
    """eth_utils.to_checksum_address, remembered for the last 65,536 values."""
    try:
        return _cached(value)
    except TypeError:  # not hashable (a bytearray): no memory, same answer
        return _checksum(value)
