"""Calldata pricing: what a transaction's input costs at the EIP-2028 price."""

from __future__ import annotations


def calldata_gas(data: bytes) -> int:
    """Calldata at the EIP-2028 price: 4 a zero byte, 16 any other."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


__all__ = ["calldata_gas"]
