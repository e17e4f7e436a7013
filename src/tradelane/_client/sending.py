"""The one sender: every transaction of the client, sequential or pipelined, and its receipt."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from web3.contract.contract import ContractFunction

from tradelane._client import calls
from tradelane._client.calls import encode_call
from tradelane._client.core import ClientCore
from tradelane._client.fees import gas_for, unsigned
from tradelane._client.pipeline import Pipeline, await_receipts
from tradelane._client.reverts import UnknownRevert, revert_data
from tradelane.errors import ChainError, TradelaneError
from tradelane.types import TxResult

BLOCK_REUSE_SECONDS = 6.0  # a block this recent still prices a transaction (maxFee: 2x base)


class Sending(ClientCore):
    """Sends a step's transaction (signed locally, by the chain's Signer, or by the node),
    maps a revert to its named error, and waits."""

    def _send(self, action: str, fn: ContractFunction, sender: str, *, value: int = 0) -> TxResult:
        address = to_checksum_address(sender)
        if address in self._proxies:  # a contract account acts through its owner
            owner, proxy = self._proxies[address]
            fn = calls.act(proxy, fn)
            address = owner
        tx: dict[str, Any] = {
            "from": address,
            "to": fn.address,
            "value": value,
            "data": encode_call(fn),
        }
        return self._submit(action, tx, address)

    def pipeline(self, batch: int = 256) -> Pipeline:
        """Many transactions in flight: `with client.pipeline() as pipe:` queues every step
        and returns its TxResult at once, completed when the queue is flushed (every `batch`
        transactions, on `pipe.flush()` and on leaving the block). Steps of one flush must
        not depend on each other: queue one step for many orders, flush, then the next."""
        if self._pipeline is not None:
            raise TradelaneError("a pipeline is already open on this client")
        self._pipeline = Pipeline(self, batch)
        return self._pipeline

    def _submit(self, action: str, tx: dict[str, Any], sender: ChecksumAddress) -> TxResult:
        if self._pipeline is not None:
            return self._pipeline.submit(action, tx, sender)
        try:
            estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
        except Exception as exc:
            revert = self._as_revert(exc, tx.get("to"))
            if revert is exc and self.chain.signer is not None:  # a real network: one line
                from tradelane.network import explain

                raise ChainError(explain(exc, sender=sender, url=self.chain.url)) from None
            raise revert from None
        block = self._recent_block()
        gas_limit = int(block["gasLimit"])
        tx["gas"] = gas_for(estimate, gas_limit)
        signer = self.chain.signer  # a real network: its fee policy, retries, confirmations
        by_signer = self._by_signer(sender)
        if signer is not None and by_signer:
            tx_hash = signer.send_raw(tx, self.keys.get(sender))
        elif sender in self.keys:
            base_fee = int(block.get("baseFeePerGas", 0) or 0)
            fields = unsigned(tx, self.chain_id, base_fee)
            # The nonce is counted here once known (no round trip per transaction); if
            # another program used the key meanwhile, the node refuses it: ask and re-sign.
            nonce = self._nonces.get(sender)
            if nonce is None:
                nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))
            signed = Account.sign_transaction({**fields, "nonce": nonce}, self.keys[sender])
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception as exc:
                if "nonce" not in str(exc).lower():
                    raise
                nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))
                signed = Account.sign_transaction({**fields, "nonce": nonce}, self.keys[sender])
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            self._nonces[sender] = nonce + 1
        else:
            tx_hash = self.w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        if signer is not None and by_signer:
            receipt = signer.wait(tx_hash)
        else:
            # Polled from 10 ms up (web3 sleeps 100 ms between polls).
            receipt = await_receipts(self.w3, [tx_hash.to_0x_hex()], timeout=120)[0]
        if receipt["status"] != 1:
            raise self._replay_failure(tx, int(receipt["blockNumber"]))
        number = int(receipt["blockNumber"])
        mined = self.w3.eth.get_block(number)
        self._block = (time.monotonic(), mined)
        timestamp = int(mined["timestamp"])
        return TxResult(
            action=action,
            tx_hash=tx_hash.to_0x_hex(),
            sender=sender,
            gas_used=int(receipt["gasUsed"]),
            block=number,
            timestamp=timestamp,
            events=self.events.decode_all(receipt["logs"]),
            value=int(tx.get("value", 0)),
        )

    def _by_signer(self, sender: str) -> bool:
        """Whether the chain's Signer (a real network) signs, sends and waits for `sender`'s
        transactions: every sender it or the client holds a key for."""
        signer = self.chain.signer
        return signer is not None and (sender in self.keys or signer.holds(sender))

    def _recent_block(self) -> Any:
        """A block to take the gas limit and base fee from: the one our last transaction
        was mined in, if that was seconds ago (saves a round trip per transaction), else
        the latest."""
        seen, block = self._block
        if block is None or time.monotonic() - seen > BLOCK_REUSE_SECONDS:
            block = self.w3.eth.get_block("latest")
            self._block = (time.monotonic(), block)
        return block

    def _as_revert(self, exc: Exception, to: str | None = None) -> Exception:
        data = revert_data(exc)
        if data is None:
            return exc
        revert = self.errors.decode(data)
        revert.names = self.names
        if to:
            revert.contract = self.events.contract_name(to) or to
        return revert

    def _replay_failure(self, tx: dict[str, Any], block: int) -> Exception:
        call = {k: v for k, v in tx.items() if k in ("from", "to", "value", "data", "gas")}
        try:
            self.w3.eth.call(call, block - 1)  # type: ignore[arg-type]
        except Exception as exc:
            return self._as_revert(exc, tx.get("to"))
        return UnknownRevert({}, message="the transaction reverted on chain but not when replayed")

    def wait_until(self, timestamp: int, poll: float = 1.0) -> None:
        """Block until the latest block is at `timestamp` (real networks: no time travel)."""
        while int(self.w3.eth.get_block("latest")["timestamp"]) < timestamp:
            time.sleep(poll)
