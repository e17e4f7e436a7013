"""Real networks: locally held keys, raw signed transactions, fees, nonces, retries.

    chain = connect("https://sepolia.example/rpc")
    signer = use_network(chain, key_from_env("TRADELANE_KEY"), TxPolicy(confirmations=2))
    deployment = deploy_suite(chain, deployer=signer.default, treasury=signer.default)

`use_network` puts a `Signer` on the chain: from then on the deployer's and the client's
keyed accounts sign locally and send raw (`eth_sendRawTransaction`), never through the
node's accounts. Fees are EIP-1559 (base fee x 2 + the node's suggested tip, or what the
policy says; legacy gas price on chains without a base fee), nonces are counted locally,
and a transient RPC failure (connection refused or reset, timeout, HTTP 429/5xx, a rate
limit) is retried with exponential backoff. Failures a user can act on come back as a
one-line `ChainError`: insufficient funds, an underpriced or replaced transaction, an
unreachable node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import HTTPProvider
from web3.exceptions import TransactionNotFound
from web3.types import RPCEndpoint, RPCResponse

from tradelane.chain import Chain
from tradelane.errors import ChainError

GWEI = 10**9
DEFAULT_PRIORITY_FEE = GWEI  # when the node suggests none
GAS_MARGIN = 1.25
FEE_CACHE_SECONDS = 3.0

#: JSON-RPC error messages that mean "try again later", lower-cased.
_TRANSIENT_MESSAGES = (
    "rate limit",
    "too many requests",
    "header not found",
    "timeout",
    "timed out",
    "temporarily unavailable",
    "try again",
    "service unavailable",
    "bad gateway",
)


@dataclass(frozen=True)
class TxPolicy:
    """How transactions are priced, retried and confirmed (wei, seconds)."""

    max_fee: int | None = None  # maxFeePerGas; default 2 x base fee + tip
    priority_fee: int | None = None  # maxPriorityFeePerGas; default the node's suggestion
    confirmations: int = 1  # blocks on top of (and including) the one that mined it
    retries: int = 4  # extra attempts after a transient RPC failure
    backoff: float = 0.5  # first pause; doubles each attempt
    timeout: float = 300.0  # for a transaction to be mined
    poll: float = 0.2  # receipt polling interval


def gwei(text: str | float | Decimal) -> int:
    """`"1.5"` (gwei) -> wei."""
    try:
        value = Decimal(str(text).strip().removesuffix("gwei").strip())
    except Exception:
        raise ValueError(f"{text!r} is not an amount of gwei") from None
    if value < 0:
        raise ValueError(f"{text!r}: a fee cannot be negative")
    return int(value * GWEI)


def _eth(wei: int) -> str:
    return f"{Decimal(wei) / 10**18:.6f}".rstrip("0").rstrip(".") + " ETH"


# --------------------------------------------------------------------------- errors


def _message(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):
        return str(args[0].get("message", args[0]))
    rpc = getattr(exc, "rpc_response", None)
    if isinstance(rpc, dict) and isinstance(rpc.get("error"), dict):
        return str(rpc["error"].get("message", rpc["error"]))
    return str(exc)


def is_transient(exc: BaseException) -> bool:
    """A failure worth retrying: the node was unreachable, slow or rate-limited."""
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status == 429 or status >= 500
    if isinstance(exc, requests.ConnectionError | requests.Timeout | ConnectionError):
        return True
    return any(m in _message(exc).lower() for m in _TRANSIENT_MESSAGES)


def explain(exc: BaseException, *, sender: str | None = None, url: str | None = None) -> str:
    """One line a user can act on, for an error a node or the network gave."""
    if isinstance(exc, ChainError):
        return str(exc)
    text = _message(exc)
    low = text.lower()
    who = f" from {sender}" if sender else ""
    if "insufficient funds" in low or "insufficient balance" in low or "cannot afford" in low:
        # eth-tester's wording names the sender as raw bytes: the address is already in `who`
        detail = "" if "cannot afford" in low else f" ({text.strip()})"
        return (
            f"insufficient funds{who}: the account cannot pay value + gas x max fee"
            f"{detail}; fund it or lower --max-fee"
        )
    if "replacement transaction underpriced" in low or "replacement fee too low" in low:
        return (
            f"a transaction{who} with the same nonce is already pending and this one does "
            "not pay enough more to replace it: wait for it, or raise --priority-fee and --max-fee"
        )
    if "underpriced" in low or "fee cap less than block base fee" in low or "max fee" in low:
        return f"transaction underpriced{who} ({text.strip()}): raise --max-fee / --priority-fee"
    if "nonce too low" in low or "already known" in low or "known transaction" in low:
        return f"nonce conflict{who}: another program sent with this key meanwhile ({text})"
    if isinstance(exc, requests.ConnectionError | ConnectionError):
        return f"cannot reach {url or 'the node'}: connection refused or lost"
    if isinstance(exc, requests.Timeout):
        return f"{url or 'the node'} did not answer in time"
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return f"{url or 'the node'} answered HTTP {status}"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"{type(exc).__name__}: {first[:300]}"


# --------------------------------------------------------------------------- provider


class RetryingHTTPProvider(HTTPProvider):
    """An HTTP JSON-RPC provider that retries transient failures with exponential backoff
    and, when they persist, raises one ChainError naming the node."""

    def __init__(self, url: str, *, retries: int = 4, backoff: float = 0.5, **kwargs: Any) -> None:
        from tradelane.chain import rpc_timeouts

        kwargs.setdefault("request_kwargs", {"timeout": rpc_timeouts()})
        super().__init__(url, exception_retry_configuration=None, **kwargs)
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self.sleep: Callable[[float], None] = time.sleep

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        last: BaseException | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = super().make_request(method, params)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                last = exc
                continue
            error = response.get("error") if isinstance(response, dict) else None
            if error and is_transient(Exception(error)):
                last = Exception(error.get("message", error) if isinstance(error, dict) else error)
                continue
            return response
        assert last is not None
        raise ChainError(
            f"{explain(last, url=self.url)} ({method}, tried {self.retries + 1} times)"
        ) from None


# --------------------------------------------------------------------------- signer


class Signer:
    """Signs transactions with locally held keys and sends them raw."""

    def __init__(self, chain: Chain, policy: TxPolicy | None = None) -> None:
        self.chain = chain
        self.w3 = chain.w3
        self.policy = policy or TxPolicy()
        self.chain_id = chain.chain_id
        self.keys: dict[ChecksumAddress, str] = {}
        self.default: ChecksumAddress | None = None  # the first key added: deployer, funder
        self._nonces: dict[ChecksumAddress, int] = {}
        self._fees: tuple[float, dict[str, int]] = (0.0, {})
        self._sent: dict[bytes, tuple[ChecksumAddress, int]] = {}  # hash -> (sender, nonce)
        self._lock = threading.Lock()

    def add_key(self, key: str) -> ChecksumAddress:
        address = to_checksum_address(Account.from_key(key).address)
        self.keys[address] = key
        self.default = self.default or address
        return address

    def holds(self, address: str) -> bool:
        return to_checksum_address(address) in self.keys

    # fees
    def fees(self) -> dict[str, int]:
        """The fee fields of the next transaction (cached for a few seconds)."""
        seen, fees = self._fees
        if fees and time.monotonic() - seen < FEE_CACHE_SECONDS:
            return fees
        p = self.policy
        base = self.w3.eth.get_block("latest").get("baseFeePerGas")
        if base is None:  # a chain without EIP-1559
            fees = {"gasPrice": p.max_fee if p.max_fee is not None else int(self.w3.eth.gas_price)}
        else:
            tip = p.priority_fee
            if tip is None:
                try:
                    tip = int(self.w3.eth.max_priority_fee)
                except Exception:
                    tip = DEFAULT_PRIORITY_FEE
            cap = p.max_fee if p.max_fee is not None else 2 * int(base) + tip
            fees = {"maxFeePerGas": cap, "maxPriorityFeePerGas": min(tip, cap), "type": 2}
        self._fees = (time.monotonic(), fees)
        return fees

    # sending
    def send_raw(self, tx: dict[str, Any], key: str | None = None) -> HexBytes:
        """Sign `tx` (with `from`; gas estimated when absent) and send it; returns its hash."""
        sender = to_checksum_address(tx["from"])
        key = key or self.keys.get(sender)
        if key is None:
            raise ChainError(f"no key for {sender}: give it with --key-env or --keystore")
        try:
            if "gas" not in tx:
                estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
                limit = int(self.w3.eth.get_block("latest")["gasLimit"])
                tx = {**tx, "gas": min(int(estimate * GAS_MARGIN) + 10_000, limit)}
            unsigned = {k: v for k, v in tx.items() if k != "from"}
            unsigned.update(self.fees())
            unsigned["chainId"] = self.chain_id
        except ChainError:
            raise
        except Exception as exc:
            if "revert" in _message(exc).lower():
                raise
            raise ChainError(explain(exc, sender=sender, url=self.chain.url)) from None
        with self._lock:
            nonce = self._nonces.get(sender)
            for attempt in range(2):
                if nonce is None:
                    nonce = int(self.w3.eth.get_transaction_count(sender, "pending"))
                signed = Account.sign_transaction({**unsigned, "nonce": nonce}, key)
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Exception as exc:
                    low = _message(exc).lower()
                    if "already known" in low or "known transaction" in low:
                        tx_hash = HexBytes(signed.hash)  # a retried send that had arrived
                    elif "nonce too low" in low and attempt == 0:
                        if self._known(HexBytes(signed.hash)):
                            tx_hash = HexBytes(signed.hash)
                        else:  # another program used the key: ask the node and re-sign
                            nonce = None
                            continue
                    else:
                        self._nonces.pop(sender, None)
                        if isinstance(exc, ChainError):
                            raise
                        raise ChainError(explain(exc, sender=sender, url=self.chain.url)) from None
                self._nonces[sender] = nonce + 1
                self._sent[bytes(tx_hash)] = (sender, nonce)
                return HexBytes(tx_hash)
        raise ChainError(f"nonce conflict from {sender}: another program keeps using this key")

    def _known(self, tx_hash: HexBytes) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        return True

    def wait(self, tx_hash: HexBytes) -> Any:
        """The receipt, once the transaction has `confirmations` blocks; a clear error when
        it is not mined in time or another transaction with its nonce was mined instead."""
        p = self.policy
        sender, nonce = self._sent.pop(bytes(tx_hash), (None, None))
        deadline = time.monotonic() + p.timeout
        polls = 0
        while True:
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)
                break
            except TransactionNotFound:
                pass
            polls += 1
            if sender is not None and nonce is not None and polls % 10 == 0:
                mined = int(self.w3.eth.get_transaction_count(sender))
                if mined > nonce and not self._known(tx_hash):
                    raise ChainError(
                        f"transaction {tx_hash.to_0x_hex()} was replaced: another transaction "
                        f"from {sender} with nonce {nonce} was mined instead"
                    )
            if time.monotonic() > deadline:
                raise ChainError(
                    f"transaction {tx_hash.to_0x_hex()} was not mined within {p.timeout:.0f}s: "
                    "the fee may be too low for the network (raise --max-fee / --priority-fee)"
                )
            time.sleep(p.poll)
        target = int(receipt["blockNumber"]) + p.confirmations - 1
        while int(self.w3.eth.block_number) < target:
            if time.monotonic() > deadline:
                raise ChainError(
                    f"transaction {tx_hash.to_0x_hex()} has not reached {p.confirmations} "
                    f"confirmations within {p.timeout:.0f}s"
                )
            time.sleep(max(p.poll, 1.0))
        if p.confirmations > 1:  # a reorg may have dropped it meanwhile
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        return receipt

    def send(self, tx: dict[str, Any], key: str | None = None) -> tuple[HexBytes, Any]:
        """Sign, send and wait: (hash, receipt)."""
        tx_hash = self.send_raw(tx, key)
        return tx_hash, self.wait(tx_hash)

    def balance(self, address: str | None = None) -> int:
        return int(self.w3.eth.get_balance(to_checksum_address(address or self.default or "")))


# --------------------------------------------------------------------------- wiring


def use_network(chain: Chain, key: str | None = None, policy: TxPolicy | None = None) -> Signer:
    """Sign locally on `chain` from now on (with `key`, if given); retry transient RPC
    failures on an HTTP chain. Returns the chain's Signer."""
    policy = policy or TxPolicy()
    url = chain.url or ""
    if url.startswith(("http://", "https://")) and not isinstance(
        chain.w3.provider, RetryingHTTPProvider
    ):
        provider = RetryingHTTPProvider(url, retries=policy.retries, backoff=policy.backoff)
        chain.w3.provider = provider
    signer = chain.signer if isinstance(chain.signer, Signer) else Signer(chain, policy)
    signer.policy = policy
    if key is not None:
        signer.add_key(key)
    chain.signer = signer
    return signer


def supports_time_travel(chain: Chain) -> bool:
    """True when the chain moves its clock on request (eth-tester, Anvil, Hardhat)."""
    if chain.tester is not None:
        return True
    try:
        response = chain.w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [0])
    except Exception:
        return False
    return "error" not in response


def describe_balance(wei: int) -> str:
    return _eth(wei)


__all__ = [
    "GWEI",
    "RetryingHTTPProvider",
    "Signer",
    "TxPolicy",
    "describe_balance",
    "explain",
    "gwei",
    "is_transient",
    "supports_time_travel",
    "use_network",
]
