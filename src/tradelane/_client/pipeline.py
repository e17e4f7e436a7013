"""Many transactions in flight: the client's pipelined mode (`TradeClient.pipeline()`).

Inside `with client.pipeline() as pipe:` every step method (fund, checkpoint, confirm,
withdraw...) queues its transaction and returns at once a `TxResult` whose receipt fields
(tx_hash, gas_used, block, timestamp, events) are filled in when the queue is flushed:
on `pipe.flush()`, whenever `batch` transactions are queued, and on leaving the block.

A flush estimates every queued transaction in one JSON-RPC batch, signs them locally with
nonces counted here, sends them one request each (in nonce order) and awaits their
receipts in batches. On a real network (`use_network`, the CLI's --key-env/--keystore)
the chain's Signer signs instead, with its fee policy, the nonces it shares with
sequential sends, and its confirmations. All transactions of one flush are estimated
against the state before the flush, so a step and the step that depends on it (fund, then
record a checkpoint of the same order) belong in different flushes: queue one step for many
orders, flush, then the next step.
Preflight checks read the chain when a step is queued, so they see the last flush too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Protocol, cast

from eth_account import Account
from eth_typing import ChecksumAddress, HexStr
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint, TxParams

from tradelane._client import escrow_calls
from tradelane._client.events import EventDecoder
from tradelane._client.fees import gas_for, unsigned
from tradelane._client.views import Views
from tradelane.chain import Chain
from tradelane.errors import TradelaneError
from tradelane.types import OrderState, Trade, TxResult

RECEIPT_TIMEOUT = 120.0


def batched(w3: Web3, calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run web3 calls as one JSON-RPC batch when the provider can, else one by one.

    A batch in which any call fails is run again call by call, so the failing call raises
    its own exception."""
    if not calls:
        return []
    if hasattr(w3.provider, "make_batch_request"):
        try:
            with w3.batch_requests() as batch:
                for call in calls:
                    batch.add(call())
                return list(batch.execute())
        except Exception:
            pass
    return [call() for call in calls]


def send_raw_in_order(w3: Web3, raws: Sequence[bytes]) -> list[str]:
    """Send signed transactions one request each, in order, straight to the provider (no
    web3 formatting); returns their hashes. Raises on the first refusal.

    Not one JSON-RPC batch: a node may handle a batch's calls in any order, and Anvil 1.7.1
    handed several transactions of one sender out of order sometimes leaves the later ones
    queued for good (seen in about one run in ten of the throughput benchmark)."""
    method = RPCEndpoint("eth_sendRawTransaction")
    hashes = []
    for raw in raws:
        response = w3.provider.make_request(method, ["0x" + raw.hex()])
        if "error" in response:
            raise TradelaneError(f"the node refused a transaction: {response['error']}")
        result = response["result"]
        hashes.append(result if isinstance(result, str) else "0x" + bytes(result).hex())
    return hashes


def raw_batch(w3: Web3, method: str, params: Sequence[list[Any]]) -> list[Any] | None:
    """One JSON-RPC batch straight to the provider, skipping web3's request formatting;
    the raw results (hex strings). None when the provider takes no batches. Raises when
    any call failed."""
    provider: Any = w3.provider
    if not hasattr(provider, "make_batch_request"):
        return None
    responses = provider.make_batch_request([(RPCEndpoint(method), p) for p in params])
    if isinstance(responses, dict) or any("error" in r for r in responses):
        raise TradelaneError(f"a batched {method} failed")
    return [r["result"] for r in responses]


def _rpc_tx(tx: dict[str, Any]) -> dict[str, Any]:
    """A transaction as JSON-RPC parameters (hex quantities)."""
    out = {k: tx[k] for k in ("from", "to", "data") if tx.get(k) is not None}
    out["value"] = hex(int(tx.get("value", 0)))
    return out


class Client(Protocol):
    """What a pipeline needs of its client (the sender that opened it)."""

    w3: Web3
    chain: Chain
    chain_id: int
    escrow: Contract
    events: EventDecoder
    keys: dict[ChecksumAddress, str]
    _nonces: dict[ChecksumAddress, int]
    _pipeline: Pipeline | None
    _views: Views

    def _as_revert(self, exc: Exception, to: str | None = None) -> Exception: ...

    def _by_signer(self, sender: str) -> bool: ...

    def _replay_failure(self, tx: dict[str, Any], block: int) -> Exception: ...


@dataclass
class _Queued:
    action: str
    tx: dict[str, Any]
    sender: ChecksumAddress
    result: TxResult


class Pipeline:
    """Queued transactions of one client; see the module's docstring."""

    def __init__(self, client: Client, batch: int = 256) -> None:
        self.client = client
        self.batch = max(1, batch)
        self.queue: list[_Queued] = []
        self.sent = 0
        # Read ahead for the preflight checks (prefetch), valid until the next flush.
        self.states: dict[bytes, OrderState] = {}
        self.paused: bool | None = None

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            self.client._pipeline = None

    def submit(self, action: str, tx: dict[str, Any], sender: ChecksumAddress) -> TxResult:
        result = TxResult(
            action=action,
            tx_hash="",
            sender=sender,
            gas_used=0,
            block=0,
            timestamp=0,
            value=int(tx.get("value", 0)),
        )
        self.queue.append(_Queued(action, tx, sender, result))
        if len(self.queue) >= self.batch:
            self.flush()
        return result

    def prefetch(self, trades: Iterable[Trade]) -> None:
        """Read the state of these orders, and whether the escrow is paused, in one batch,
        for the preflight checks of the steps about to be queued (one round trip instead
        of one or two per step). What is read holds until the next flush."""
        client = self.client
        ids = [t.id for t in trades]
        raw = client._views.call_many([escrow_calls.order_state(client.escrow, i) for i in ids])
        self.states.update((i, OrderState.from_tuple(r)) for i, r in zip(ids, raw, strict=True))
        self.paused = bool(client._views.call(escrow_calls.paused(client.escrow)))

    def flush(self) -> list[TxResult]:
        """Send what is queued and wait for every receipt; returns the completed results."""
        queue, self.queue = self.queue, []
        self.states.clear()
        self.paused = None
        if not queue:
            return []
        client, w3 = self.client, self.client.w3
        # Estimate every transaction in one round trip.
        try:
            estimates = raw_batch(w3, "eth_estimateGas", [[_rpc_tx(q.tx)] for q in queue])
            if estimates is None:
                estimates = batched(
                    w3, [partial(w3.eth.estimate_gas, cast(TxParams, q.tx)) for q in queue]
                )
        except Exception:
            for q in queue:  # the one that fails raises its named revert
                try:
                    w3.eth.estimate_gas(q.tx)  # type: ignore[arg-type]
                except Exception as exc:
                    raise client._as_revert(exc, q.tx.get("to")) from None
            raise
        block = w3.eth.get_block("latest")
        gas_limit = int(block["gasLimit"])
        base_fee = int(block.get("baseFeePerGas", 0) or 0)
        # On a real network the chain's Signer signs every sender it or the client holds a
        # key for, with its fee policy, its nonces (shared with sequential sends) and its
        # confirmations; elsewhere the client signs its own keys and the node the rest.
        signer = client.chain.signer
        by_signer = [q for q in queue if client._by_signer(q.sender)]
        signed_by_signer = {id(q) for q in by_signer}
        ours = [q for q in queue if id(q) not in signed_by_signer]
        senders = {q.sender for q in ours if q.sender not in client._nonces}
        for sender in senders:
            client._nonces[sender] = int(w3.eth.get_transaction_count(sender, "pending"))
        raws: list[bytes] = []
        unkeyed: list[tuple[_Queued, dict[str, Any]]] = []
        for q, estimate in zip(queue, estimates, strict=True):
            used = int(estimate, 16) if isinstance(estimate, str) else int(estimate)
            q.tx["gas"] = gas_for(used, gas_limit)
            if id(q) in signed_by_signer:
                continue
            nonce = client._nonces[q.sender]
            client._nonces[q.sender] = nonce + 1
            if q.sender in client.keys:
                signed = Account.sign_transaction(
                    {**unsigned(q.tx, client.chain_id, base_fee), "nonce": nonce},
                    client.keys[q.sender],
                )
                raws.append(bytes(signed.raw_transaction))
            else:
                unkeyed.append((q, {**q.tx, "nonce": nonce}))
        keyed = [q for q in ours if q.sender in client.keys]
        try:
            if signer is not None:
                for q in by_signer:
                    q.result.tx_hash = signer.send_raw(q.tx, client.keys.get(q.sender)).to_0x_hex()
            for q, tx_hash in zip(keyed, send_raw_in_order(w3, raws), strict=True):
                q.result.tx_hash = tx_hash
            for q, tx in unkeyed:  # the node signs: one request each
                q.result.tx_hash = w3.eth.send_transaction(tx).to_0x_hex()  # type: ignore[arg-type]
        except TradelaneError:
            raise  # already one line (the Signer's)
        except Exception as exc:
            for sender in {q.sender for q in ours}:  # the node decides the nonces again
                client._nonces.pop(sender, None)
            raise TradelaneError(
                f"sending {len(queue)} pipelined transactions failed: {exc}"
            ) from exc
        hashes = [q.result.tx_hash for q in ours]
        mined = dict(zip(hashes, self._receipts(hashes), strict=True))
        if signer is not None:
            for q in by_signer:
                mined[q.result.tx_hash] = signer.wait(HexBytes(q.result.tx_hash))
        receipts = [mined[q.result.tx_hash] for q in queue]
        numbers = sorted({int(r["blockNumber"]) for r in receipts})
        blocks = batched(w3, [partial(w3.eth.get_block, n) for n in numbers])
        stamps = {n: int(b["timestamp"]) for n, b in zip(numbers, blocks, strict=True)}
        for q, receipt in zip(queue, receipts, strict=True):
            number = int(receipt["blockNumber"])
            if receipt["status"] != 1:
                raise client._replay_failure(q.tx, number)
            q.result.gas_used = int(receipt["gasUsed"])
            q.result.block = number
            q.result.timestamp = stamps[number]
            q.result.events = client.events.decode_all(receipt["logs"])
        self.sent += len(queue)
        return [q.result for q in queue]

    def _receipts(self, hashes: list[str]) -> list[Any]:
        return await_receipts(self.client.w3, hashes)


def await_receipts(w3: Web3, hashes: Sequence[str], timeout: float = RECEIPT_TIMEOUT) -> list[Any]:
    """The receipts of `hashes`, asked for in batches until every one is mined."""
    found: dict[str, Any] = {}
    deadline = time.monotonic() + timeout
    delay = 0.0
    while True:
        missing = [h for h in hashes if h not in found]
        if not missing:
            return [found[h] for h in hashes]
        if time.monotonic() > deadline:
            raise TradelaneError(f"{len(missing)} transactions not mined in {timeout:.0f}s")
        time.sleep(delay)
        delay = min(0.01 + delay * 2, 0.5)
        got: list[Any]
        try:
            calls = [partial(w3.eth.get_transaction_receipt, HexStr(h)) for h in missing]
            if len(calls) == 1:
                got = [calls[0]()]
            elif (
                raw := raw_batch(w3, "eth_getTransactionReceipt", [[h] for h in missing])
            ) is None:
                got = batched(w3, calls)
            else:  # not mined yet: None
                got = [_receipt(r) if r else None for r in raw]
        except Exception:  # some not mined yet: ask one by one
            got = []
            for h in missing:
                try:
                    got.append(w3.eth.get_transaction_receipt(h))  # type: ignore[arg-type]
                except Exception:
                    got.append(None)
        for h, receipt in zip(missing, got, strict=True):
            if receipt is not None:
                found[h] = receipt


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _receipt(raw: dict[str, Any]) -> dict[str, Any]:
    """A receipt from raw JSON-RPC, formatted as far as the client reads it (web3's own
    formatting of a batch of receipts costs more than the node takes to produce them)."""
    logs = [
        {
            "address": to_checksum_address(log["address"]),
            "topics": [HexBytes(t) for t in log["topics"]],
            "data": HexBytes(log["data"]),
            "blockNumber": _int(log["blockNumber"]),
            "blockHash": HexBytes(log["blockHash"]),
            "transactionHash": HexBytes(log["transactionHash"]),
            "transactionIndex": _int(log["transactionIndex"]),
            "logIndex": _int(log["logIndex"]),
            "removed": bool(log.get("removed", False)),
        }
        for log in raw.get("logs", [])
    ]
    contract = raw.get("contractAddress")
    return {
        "status": _int(raw["status"]),
        "gasUsed": _int(raw["gasUsed"]),
        "blockNumber": _int(raw["blockNumber"]),
        "blockHash": HexBytes(raw["blockHash"]),
        "transactionHash": HexBytes(raw["transactionHash"]),
        "from": to_checksum_address(raw["from"]),
        "to": to_checksum_address(raw["to"]) if raw.get("to") else None,
        "contractAddress": to_checksum_address(contract) if contract else None,
        "logs": logs,
    }
