"""Decode logs of the suite (and of the tokens the client knows) by address and topic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_abi import decode
from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3._utils.events import get_event_data

from tradelane._client.addresses import to_checksum_address
from tradelane.types import DecodedEvent


class EventDecoder:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._by_address: dict[str, tuple[str, dict[bytes, dict[str, Any]]]] = {}

    def add(self, name: str, address: str, abi: Iterable[Mapping[str, Any]]) -> None:
        topics = {
            bytes(event_abi_to_log_topic(dict(item))): dict(item)  # type: ignore[arg-type]
            for item in abi
            if item.get("type") == "event" and not item.get("anonymous")
        }
        self._by_address[to_checksum_address(address)] = (name, topics)

    def contract_name(self, address: str) -> str | None:
        entry = self._by_address.get(to_checksum_address(address))
        return entry[0] if entry else None

    def decode(self, log: Mapping[str, Any]) -> DecodedEvent | None:
        entry = self._by_address.get(to_checksum_address(log["address"]))
        if entry is None or not log["topics"]:
            return None
        name, topics = entry
        abi = topics.get(bytes(log["topics"][0]))
        if abi is None:
            return None
        args = _fast_args(abi, log)
        if args is None:
            try:
                args = _plain(dict(get_event_data(self.w3.codec, abi, log)["args"]))
            except Exception:
                return None
        tx_hash = log["transactionHash"]
        return DecodedEvent(
            contract=name,
            name=str(abi["name"]),
            args=args,
            block=int(log["blockNumber"]),
            tx_hash=tx_hash.to_0x_hex() if hasattr(tx_hash, "to_0x_hex") else str(tx_hash),
            log_index=int(log["logIndex"]),
        )

    def decode_all(self, logs: Iterable[Mapping[str, Any]]) -> list[DecodedEvent]:
        return [e for log in logs if (e := self.decode(log)) is not None]


def _fast_args(abi: Mapping[str, Any], log: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event's arguments decoded with eth-abi directly, as web3's get_event_data gives
    them (addresses checksummed), for events of static indexed types: several times
    faster. None for anything else, which web3 then decodes."""
    inputs = abi["inputs"]
    indexed = [i for i in inputs if i["indexed"]]
    if any(
        i["type"] in ("string", "bytes") or "[" in i["type"] or "tuple" in i["type"]
        for i in indexed
    ) or any("tuple" in i["type"] for i in inputs):
        return None
    topics = log["topics"][1:]
    if len(topics) != len(indexed):
        return None
    try:
        values: dict[str, Any] = {}
        for item, topic in zip(indexed, topics, strict=True):
            values[item["name"]] = topic_value(item["type"], bytes(topic))
        unindexed = [i for i in inputs if not i["indexed"]]
        data = decode([i["type"] for i in unindexed], bytes(log["data"]))
        values.update((i["name"], v) for i, v in zip(unindexed, data, strict=True))
    except Exception:
        return None
    out: dict[str, Any] = {}
    for item in inputs:
        value = values[item["name"]]
        if item["type"] == "address":
            value = to_checksum_address(value)
        out[item["name"]] = _plain(value)
    return out


_ZERO = bytes(32)


def topic_value(kind: str, topic: bytes) -> Any:
    """One indexed static value from its 32-byte topic, as eth-abi decodes it, read
    directly for the common types when the topic is canonical (a tenth of eth-abi's time);
    eth-abi itself for anything else, which raises on a malformed topic as it always did."""
    if len(topic) == 32:
        if kind == "address" and topic[:12] == _ZERO[:12]:
            return "0x" + topic[12:].hex()
        if kind == "uint256":
            return int.from_bytes(topic, "big")
        if kind == "bytes32":
            return topic
        if kind.startswith("uint") and kind[4:].isdigit():
            size = int(kind[4:]) // 8
            if topic[: 32 - size] == _ZERO[: 32 - size]:
                return int.from_bytes(topic, "big")
        if kind == "bool" and topic[:31] == _ZERO[:31] and topic[31] in (0, 1):
            return topic[31] == 1
    (value,) = decode([kind], topic)
    return value


def _plain(value: Any) -> Any:
    """AttributeDicts and tuples from web3 into plain dicts/lists/bytes."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return bytes(value)
    return value
