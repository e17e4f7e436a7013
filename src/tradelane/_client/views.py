"""View calls on the client's hot path (the preflight checks before every step).

A web3 contract call pays for ABI matching, argument validation and the request
middleware on every call, several times the round trip to a local node; this encodes
with a cached selector and sends `eth_call` straight to the provider. Anything unusual
(an error, an unexpected result) falls back to the ordinary web3 call, which raises or
returns exactly what it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak
from web3 import Web3
from web3.types import RPCEndpoint

from tradelane._client.calls import ViewCall, abi_type, encode_call


class Views:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._fns: dict[tuple[str, str], tuple[bytes, list[str], list[str]]] = {}

    def _fn(self, view: ViewCall) -> tuple[bytes, list[str], list[str]]:
        key = (view.contract.address, view.name)
        if key not in self._fns:
            items: list[Any] = list(view.contract.abi)
            item = next(i for i in items if i.get("type") == "function" and i["name"] == view.name)
            ins = [abi_type(p) for p in item["inputs"]]
            outs = [abi_type(p) for p in item["outputs"]]
            selector = keccak(text=f"{view.name}({','.join(ins)})")[:4]
            self._fns[key] = (selector, ins, outs)
        return self._fns[key]

    def _request(self, view: ViewCall, block: int | str) -> tuple[RPCEndpoint, list[Any]]:
        selector, ins, _ = self._fn(view)
        data = "0x" + (selector + encode(ins, list(view.args))).hex()
        return RPCEndpoint("eth_call"), [{"to": view.contract.address, "data": data}, _tag(block)]

    def call(self, view: ViewCall, *, block: int | str = "latest") -> Any:
        """`view.call()` (a view of `calls` or `escrow_calls`) for views without addresses
        in their results (eth_abi returns addresses lower-case, web3 checksummed); at
        `block` (a number, or "latest")."""
        outs = self._fn(view)[2]
        method, params = self._request(view, block)
        try:
            response = self.w3.provider.make_request(method, params)
            result = response.get("result") if "error" not in response else None
            raw = bytes.fromhex(result[2:]) if isinstance(result, str) else bytes(result or b"")
            values = decode(outs, raw) if raw else None
        except Exception:
            values = None
        if values is None:
            return view.call(block_identifier=block)
        return values[0] if len(values) == 1 else list(values)

    def call_many(self, views: Sequence[ViewCall], *, block: int | str = "latest") -> list[Any]:
        """`call` for each view, in one JSON-RPC batch when the provider takes batches; one
        by one otherwise, or when anything in the batch went wrong."""
        provider: Any = self.w3.provider
        if not views:
            return []
        if hasattr(provider, "make_batch_request"):
            requests = [self._request(view, block) for view in views]
            try:
                responses = provider.make_batch_request(requests)
                out = []
                for view, response in zip(views, responses, strict=False):
                    values = decode(self._fn(view)[2], bytes.fromhex(response["result"][2:]))
                    out.append(values[0] if len(values) == 1 else list(values))
                return out
            except Exception:
                pass
        return [self.call(view, block=block) for view in views]


def _tag(block: int | str) -> str:
    """A block as eth_call takes it: a hex number or a tag such as "latest"."""
    return hex(block) if isinstance(block, int) else block


__all__: Sequence[str] = ["Views", "encode_call"]
