"""Reading the chain for the indexer: the suites' logs, block headers and receipts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound

from tradelane._client.addresses import to_checksum_address
from tradelane._client.pipeline import raw_batch

#: Requests per JSON-RPC batch (receipts, blocks, views).
BATCH = 1_000


class _ChainMoved(Exception):
    """The chain changed under a range being read (a log of a block no longer there)."""


class ChainReader:
    """The node's logs of the contracts at `addresses`, its blocks and receipts."""

    def __init__(self, w3: Web3, addresses: Sequence[str]) -> None:
        self.w3 = w3
        self.addresses = list(addresses)
        self._block_receipts: bool | None = None  # does the node answer eth_getBlockReceipts?

    def block_hash(self, number: int) -> str | None:
        if number < 0:
            return ""
        try:
            return str(self.w3.eth.get_block(number)["hash"].to_0x_hex())
        except BlockNotFound:
            return None

    def logs(self, start: int, end: int) -> list[Any]:
        """The followed contracts' logs of blocks start..end, in chain order. Straight from
        the provider where it takes raw requests (web3's formatting of thousands of logs
        costs more than the node takes to find them)."""
        provider: Any = self.w3.provider
        addresses: Any = self.addresses
        if hasattr(provider, "make_batch_request"):
            response = provider.make_request(
                "eth_getLogs",
                [{"fromBlock": hex(start), "toBlock": hex(end), "address": addresses}],
            )
            if "error" in response:
                raise ValueError(f"eth_getLogs {start}..{end}: {response['error']}")
            logs: list[Any] = [
                {
                    "address": log["address"],
                    "topics": [HexBytes(t) for t in log["topics"]],
                    "data": HexBytes(log["data"]),
                    "blockNumber": int(log["blockNumber"], 16),
                    "blockHash": log["blockHash"],
                    "transactionHash": log["transactionHash"],
                    "logIndex": int(log["logIndex"], 16),
                }
                for log in response["result"]
                if not log.get("removed")
            ]
        else:
            logs = list(
                self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": addresses})
            )
        return sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))

    def headers(self, numbers: Sequence[int]) -> dict[int, tuple[str, int, int]]:
        """(hash, timestamp, transactions) of each block number."""
        out: dict[int, tuple[str, int, int]] = {}
        for part in _parts(numbers, BATCH):
            raw = None
            if len(part) > 1:
                try:
                    raw = raw_batch(
                        self.w3, "eth_getBlockByNumber", [[hex(n), False] for n in part]
                    )
                except Exception:
                    raw = None
            if raw is not None:
                for n, block in zip(part, raw, strict=True):
                    if block is None:
                        raise _ChainMoved()
                    out[n] = (
                        str(block["hash"]),
                        int(block["timestamp"], 16),
                        len(block.get("transactions", ())),
                    )
                continue
            for n in part:
                try:
                    block = self.w3.eth.get_block(n)
                except BlockNotFound:
                    raise _ChainMoved() from None
                out[n] = (
                    block["hash"].to_0x_hex(),
                    int(block["timestamp"]),
                    len(block.get("transactions", ())),
                )
        return out

    def receipts(
        self, tx_blocks: Mapping[str, int], headers: Mapping[int, tuple[str, int, int]]
    ) -> dict[str, dict[str, Any]]:
        """Sender, recipient, gas and status of each transaction: a block's receipts in one
        request (eth_getBlockReceipts) where most of its transactions are ours, else one
        request per transaction; in JSON-RPC batches."""
        out: dict[str, dict[str, Any]] = {}
        ours: dict[int, list[str]] = defaultdict(list)
        for tx_hash, number in tx_blocks.items():
            ours[number].append(tx_hash)
        dense = [n for n, txs in ours.items() if 2 * len(txs) >= headers[n][2] > 1]
        single = [h for h, n in tx_blocks.items() if n not in dense]
        if dense and self._block_receipts is not False:
            try:
                for part in _parts(dense, 64):
                    raw = raw_batch(self.w3, "eth_getBlockReceipts", [[hex(n)] for n in part])
                    if raw is None:
                        raise ValueError("no batches")
                    for receipts in raw:
                        if receipts is None:
                            raise _ChainMoved()
                        for r in receipts:
                            h = str(r["transactionHash"]).lower()
                            if h in tx_blocks:
                                out[h] = _raw_receipt(r)
                self._block_receipts = True
            except _ChainMoved:
                raise
            except Exception:  # a node without eth_getBlockReceipts: one by one
                self._block_receipts = False
                single = list(tx_blocks)
        single = [h for h in single if h not in out]
        for part in _parts(single, BATCH):
            raw = None
            if len(part) > 1:
                try:
                    raw = raw_batch(self.w3, "eth_getTransactionReceipt", [[h] for h in part])
                except Exception:
                    raw = None
            if raw is not None:
                for h, r in zip(part, raw, strict=True):
                    if r is None:
                        raise _ChainMoved()
                    out[h] = _raw_receipt(r)
                continue
            for h in part:
                r = self.w3.eth.get_transaction_receipt(HexBytes(h))
                to = r.get("to")
                out[h] = {
                    "sender": to_checksum_address(r["from"]),
                    "to": to_checksum_address(to) if to else None,
                    "gas_used": int(r["gasUsed"]),
                    "gas_price": str(int(r.get("effectiveGasPrice") or 0)),
                    "status": int(r["status"]),
                    "block_hash": r["blockHash"].to_0x_hex(),
                }
        return out


def _raw_receipt(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "sender": to_checksum_address(r["from"]),
        "to": to_checksum_address(r["to"]) if r.get("to") else None,
        "gas_used": int(r["gasUsed"], 16),
        "gas_price": str(int(r.get("effectiveGasPrice") or "0x0", 16)),
        "status": int(r["status"], 16),
        "block_hash": str(r["blockHash"]),
    }


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def _parts(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


__all__ = ["BATCH", "ChainReader"]
