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
from web3.contract import Contract
from web3.types import RPCEndpoint

from tradelane._client.calls import abi_type, encode_call


class Views:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._fns: dict[tuple[str, str], tuple[bytes, list[str], list[str]]] = {}

    def _fn(self, contract: Contract, name: str) -> tuple[bytes, list[str], list[str]]:
        key = (contract.address, name)
        if key not in self._fns:
            items: list[Any] = list(contract.abi)
            item = next(i for i in items if i.get("type") == "function" and i["name"] == name)
            ins = [abi_type(p) for p in item["inputs"]]
            outs = [abi_type(p) for p in item["outputs"]]
            selector = keccak(text=f"{name}({','.join(ins)})")[:4]
            self._fns[key] = (selector, ins, outs)
        return self._fns[key]

    def call(self, contract: Contract, name: str, *args: Any, block: int | str = "latest") -> Any:
        """`contract.functions.<name>(*args).call()` for views without addresses in their
        results (eth_abi returns addresses lower-case, web3 checksummed); at `block` (a
        number, or "latest")."""
        selector, ins, outs = self._fn(contract, name)
        data = "0x" + (selector + encode(ins, list(args))).hex()
        try:
            response = self.w3.provider.make_request(
                RPCEndpoint("eth_call"), [{"to": contract.address, "data": data}, _tag(block)]
            )
            result = response.get("result") if "error" not in response else None
            raw = bytes.fromhex(result[2:]) if isinstance(result, str) else bytes(result or b"")
            values = decode(outs, raw) if raw else None
        except Exception:
            values = None
        if values is None:
            return getattr(contract.functions, name)(*args).call(block_identifier=block)
        return values[0] if len(values) == 1 else list(values)

    def call_many(
        self,
        contract: Contract,
        name: str,
        arg_lists: Sequence[Sequence[Any]],
        *,
        block: int | str = "latest",
    ) -> list[Any]:
        """`call` for each argument list, in one JSON-RPC batch when the provider takes
        batches; one by one otherwise, or when anything in the batch went wrong."""
        provider: Any = self.w3.provider
        if not arg_lists:
            return []
        if hasattr(provider, "make_batch_request"):
            selector, ins, outs = self._fn(contract, name)
            requests = [
                (
                    RPCEndpoint("eth_call"),
                    [
                        {
                            "to": contract.address,
                            "data": "0x" + (selector + encode(ins, list(args))).hex(),
                        },
                        _tag(block),
                    ],
                )
                for args in arg_lists
            ]
            try:
                responses = provider.make_batch_request(requests)
                out = []
                for response in responses:
                    values = decode(outs, bytes.fromhex(response["result"][2:]))
                    out.append(values[0] if len(values) == 1 else list(values))
                return out
            except Exception:
                pass
        return [self.call(contract, name, *args, block=block) for args in arg_lists]


def _tag(block: int | str) -> str:
    """A block as eth_call takes it: a hex number or a tag such as "latest"."""
    return hex(block) if isinstance(block, int) else block


__all__: Sequence[str] = ["Views", "encode_call"]
