"""The event decoder's direct reading of indexed topics gives what eth-abi gives, for
every 32 bytes: the same value for a canonical topic, the same refusal for a malformed one."""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from hypothesis import given
from hypothesis import strategies as st

from tradelane._client.events import topic_value

KINDS = ["address", "uint256", "uint8", "uint64", "bool", "bytes32", "int256", "bytes4"]


def _eth_abi(kind: str, raw: bytes) -> Any:
    try:
        return decode([kind], raw)[0]
    except Exception as exc:
        return type(exc)


def _ours(kind: str, raw: bytes) -> Any:
    try:
        return topic_value(kind, raw)
    except Exception as exc:
        return type(exc)


@given(st.sampled_from(KINDS), st.binary(min_size=32, max_size=32))
def test_any_32_bytes_read_as_eth_abi_reads_them(kind: str, raw: bytes) -> None:
    assert _ours(kind, raw) == _eth_abi(kind, raw)


@given(st.integers(0, 2**8 - 1), st.integers(0, 2**256 - 1), st.booleans())
def test_encoded_values_come_back(small: int, big: int, flag: bool) -> None:
    address = "0x" + (big % 2**160).to_bytes(20, "big").hex()
    for kind, value in (("uint8", small), ("uint256", big), ("bool", flag), ("address", address)):
        assert topic_value(kind, encode([kind], [value])) == value
