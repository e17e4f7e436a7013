"""The encoding of calls, the one place that knows the ABI: selectors, topics, argument bytes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from tradelane.errors import TradelaneError

CUSTOMS_ROLE = keccak(text="CUSTOMS_ROLE")
INSPECTOR_ROLE = keccak(text="INSPECTOR_ROLE")


def abi_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in param["components"]) + ")" + kind[5:]
    return kind


def encode_call(fn: Any) -> str:
    """`fn._encode_transaction_data()` of a web3 ContractFunction with its arguments bound,
    encoded by eth_abi directly (a tenth of web3's time); web3's own encoding when the
    arguments need web3's normalising (ENS names, unusual types)."""
    try:
        types = [abi_type(p) for p in fn.abi["inputs"]]
        selector = keccak(text=f"{fn.abi['name']}({','.join(types)})")[:4]
        if fn.kwargs:
            raise ValueError("keyword arguments")
        return "0x" + (selector + abi_encode(types, list(fn.args))).hex()
    except Exception:
        return str(fn._encode_transaction_data())


def event_topic(abi: Iterable[Any], event: str) -> str:
    """The first topic of `event` (keccak of its signature), from a contract's ABI."""
    items: list[Any] = list(abi)
    item = next(i for i in items if i.get("type") == "event" and i["name"] == event)
    types = ",".join(abi_type(p) for p in item["inputs"])
    return hex_str(keccak(text=f"{event}({types})"))


def hex_str(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def hex_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return bytes.fromhex(data.removeprefix("0x"))
        except ValueError:
            raise TradelaneError(f"arbitrator extra data is not hex: {data!r}") from None
    return bytes(data)


def id_bytes(value: bytes | str) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def kleros_extra_data(subcourt: int, min_jurors: int) -> bytes:
    """Kleros' arbitrator extra data: abi.encode(uint256 subcourtID, uint256 minJurors)."""
    if subcourt < 0 or min_jurors < 1:
        raise TradelaneError("a Kleros court needs a subcourt id >= 0 and at least one juror")
    return abi_encode(["uint256", "uint256"], [subcourt, min_jurors])


def panel_extra_data(panel: Sequence[str]) -> bytes:
    """DisputeArbitration's extra data naming a panel: abi.encode(address[] members)."""
    return abi_encode(["address[]"], [[to_checksum_address(p) for p in panel]])


def location_bytes(text: str | bytes | None) -> bytes:
    if not text:
        return b"\x00" * 5
    raw = text if isinstance(text, bytes) else text.strip().upper().replace(" ", "").encode()
    if len(raw) != 5:
        raise ValueError(f"a location is a five-letter UN/LOCODE such as CNSHA, not {text!r}")
    return raw


def document_hash(document: str | bytes | None) -> bytes:
    """A document as 32 bytes: a 0x-hex hash as is, text (`BL-0042`) by its keccak."""
    if document is None or document == "" or document == b"":
        return b"\x00" * 32
    if isinstance(document, bytes):
        return document if len(document) == 32 else keccak(document)
    if document.startswith("0x") and len(document) == 66:
        return bytes.fromhex(document[2:])
    return keccak(text=document)
