"""Connect to a chain: embedded eth-tester (default), a local Anvil we start, or any URL.

    with connect("anvil") as chain:
        chain.w3.eth.block_number
        snap = chain.snapshot(); ...; chain.revert(snap)
        chain.time_travel(days(3))

Both local chains derive their dev accounts from the same mnemonic (Anvil's default), so
the parties have the same addresses and private keys on either. An Anvil started here is
always stopped: on close(), on leaving the `with` block, at interpreter exit, on SIGTERM or
SIGHUP, and (on Linux) by the kernel if this process dies without cleaning up.
"""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType
from typing import Any, Literal, Self

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from tradelane.anvil import (
    ANVIL_DEFAULT_PORT,
    ANVIL_START_TIMEOUT,
    DEV_ACCOUNTS,
    DEV_BALANCE_ETH,
    DEV_HD_PATH,
    DEV_MNEMONIC,
    AnvilProcess,
    dev_private_keys,
    find_anvil,
    free_port,
    port_is_free,
)
from tradelane.errors import ChainError
from tradelane.ethtester import new_eth_tester

# The dev accounts and the Anvil process live in tradelane.anvil, the py-evm backend in
# tradelane.ethtester; their names are importable from here as before.
__all__ = [
    "ANVIL_DEFAULT_PORT",
    "ANVIL_START_TIMEOUT",
    "DEV_ACCOUNTS",
    "DEV_BALANCE_ETH",
    "DEV_HD_PATH",
    "DEV_MNEMONIC",
    "RPC_CONNECT_TIMEOUT",
    "RPC_NOTICE_AFTER",
    "RPC_READ_TIMEOUT",
    "TIMEOUT_ENV",
    "AnvilProcess",
    "Chain",
    "ChainKind",
    "connect",
    "days",
    "dev_private_keys",
    "find_anvil",
    "free_port",
    "hours",
    "notice",
    "port_is_free",
    "rpc_read_timeout",
    "rpc_timeouts",
]

#: JSON-RPC over HTTP: seconds to open a connection, and to wait for an answer
#: ($TRADELANE_RPC_TIMEOUT or --rpc-timeout sets the second). A node that accepts connections
#: but never answers fails the first request within RPC_CONNECT_TIMEOUT + the read timeout.
RPC_CONNECT_TIMEOUT = 5.0
RPC_READ_TIMEOUT = 15.0
#: After this many seconds without an answer, say what is being waited for.
RPC_NOTICE_AFTER = 3.0
TIMEOUT_ENV = "TRADELANE_RPC_TIMEOUT"

ChainKind = Literal["eth-tester", "anvil", "rpc"]


def days(n: float) -> int:
    return int(n * 86_400)


def hours(n: float) -> int:
    return int(n * 3_600)


# --- the chain facade --------------------------------------------------------------------


class Chain:
    """A connected chain and the helpers every test, scenario and script uses."""

    def __init__(
        self,
        w3: Web3,
        kind: ChainKind,
        *,
        tester: Any = None,
        anvil: AnvilProcess | None = None,
        url: str | None = None,
        private_keys: dict[ChecksumAddress, str] | None = None,
    ) -> None:
        self.w3 = w3
        self.kind: ChainKind = kind
        self.tester = tester
        self.anvil = anvil
        self.url = url
        self.private_keys: dict[ChecksumAddress, str] = private_keys or {}
        #: A tradelane.network.Signer once keys are held locally for a real network.
        self.signer: Any = None
        #: Which chain this is and where the choice came from (set by the CLI).
        self.used: str = ""

    # lifecycle
    def close(self) -> None:
        if self.anvil is not None:
            self.anvil.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def persistent(self) -> bool:
        """True when the chain outlives this process (a deployment manifest makes sense)."""
        return self.kind == "rpc"

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    @property
    def accounts(self) -> list[ChecksumAddress]:
        return [to_checksum_address(a) for a in self.w3.eth.accounts]

    def private_key(self, address: str) -> str:
        try:
            return self.private_keys[to_checksum_address(address)]
        except KeyError:
            raise ChainError(f"no private key known for {address} on this chain") from None

    # state
    def _call(self, method: str, *params: Any) -> Any:
        try:
            response = self.w3.provider.make_request(RPCEndpoint(method), list(params))
        except Web3RPCError as exc:
            raise ChainError(f"{method} failed on {self.describe()}: {exc}") from exc
        if "error" in response:
            error = response["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise ChainError(f"{method} is not available on {self.describe()}: {message}")
        return response.get("result")

    def snapshot(self) -> Any:
        """Take a snapshot; pass the returned id to revert()."""
        if self.tester is not None:
            return self.tester.take_snapshot()
        return self._call("evm_snapshot")

    def revert(self, snapshot_id: Any) -> None:
        """Return to a snapshot. On Anvil a snapshot is used up by reverting to it.

        A transaction still in the node's pool would be mined after the revert, on top of
        the restored state, and outlive it: Anvil answers eth_sendTransaction before its
        block is mined. So the pool is emptied first (see _settle_pool).
        """
        if self.tester is not None:
            self.tester.revert_to_snapshot(snapshot_id)
            return
        self._settle_pool()
        if self._call("evm_revert", snapshot_id) is False:
            raise ChainError(f"evm_revert({snapshot_id}) refused by {self.describe()}")

    def _settle_pool(self, timeout: float = 10.0) -> None:
        """Leave no transaction pending: wait for automine to mine them, else drop them.

        Anvil keeps a transaction in its pool until the block holding it is committed, so
        an empty pool means no block is still being mined. A node that does not report its
        pool (txpool_status) is left as it is.
        """

        def pending() -> int:
            return int(self._call("txpool_status")["pending"], 16)

        try:
            if pending() == 0:
                return
            automine = bool(self._call("anvil_getAutomine"))
        except (ChainError, KeyError, TypeError, ValueError):
            return
        deadline = time.monotonic() + timeout
        while automine and time.monotonic() < deadline:
            time.sleep(0.005)
            if pending() == 0:
                return
        self._call("anvil_dropAllTransactions")  # manual mining, or automine stuck

    def now(self) -> int:
        """The latest block's timestamp."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def mine(self, blocks: int = 1) -> None:
        if self.tester is not None:
            self.tester.mine_blocks(blocks)
            return
        for _ in range(blocks):
            self._call("evm_mine")

    def time_travel(self, seconds: int) -> int:
        """Move time forward by `seconds` and mine a block there; returns its timestamp."""
        if seconds < 0:
            raise ChainError("time travel goes forward only")
        if seconds == 0:  # nothing to travel: a block at the current time, as evm_mine gives
            self.mine()
            return self.now()
        target = self.now() + seconds
        if self.tester is not None:
            self.tester.time_travel(target)
            if (lag := target - self.now()) > 0:  # py-evm mines that block a second early
                self.tester.time_travel(target + lag)
        else:
            self._call("evm_increaseTime", seconds)
            self._call("evm_mine")
        return self.now()

    def describe(self) -> str:
        if self.kind == "eth-tester":
            return "eth-tester"
        if self.kind == "anvil" and self.anvil is not None:
            return f"anvil at {self.anvil.url}"
        return self.url or self.kind


def _eth_tester(accounts: int) -> Chain:
    w3, tester, keys = new_eth_tester(accounts)
    return Chain(w3, "eth-tester", tester=tester, private_keys=keys)


def rpc_read_timeout() -> float:
    """Seconds to wait for a node's answer: $TRADELANE_RPC_TIMEOUT, else RPC_READ_TIMEOUT."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return RPC_READ_TIMEOUT
    try:
        value = float(raw.removesuffix("s"))
    except ValueError:
        raise ChainError(f"${TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise ChainError(f"${TIMEOUT_ENV}={raw!r}: give 0 < seconds <= 3600")
    return value


def rpc_timeouts() -> tuple[float, float]:
    """(connect, read) timeouts for HTTP JSON-RPC, in seconds."""
    read = rpc_read_timeout()
    return (min(RPC_CONNECT_TIMEOUT, read), read)


#: Where connect() says what it is waiting for (the CLI points it at stderr).
notice: Any = None


def _from_url(url: str, kind: ChainKind = "rpc", anvil: AnvilProcess | None = None) -> Chain:
    """A Chain over a JSON-RPC URL; for an Anvil we started, with its dev keys."""
    connect_timeout, read_timeout = rpc_timeouts()
    if url.startswith(("ws://", "wss://")):
        from web3 import LegacyWebSocketProvider  # imports the deprecated websockets.legacy

        w3 = Web3(LegacyWebSocketProvider(url, websocket_timeout=int(read_timeout)))
    elif url.startswith(("http://", "https://")):
        # web3's own retries (5, on every timeout) made a silent node hang for minutes;
        # tradelane.network retries transient failures itself, under --retries
        w3 = Web3(
            HTTPProvider(
                url,
                request_kwargs={"timeout": (connect_timeout, read_timeout)},
                exception_retry_configuration=None,
            )
        )
    else:
        raise ChainError(f"unknown chain {url!r}: use eth-tester, anvil or an http(s)/ws(s) URL")
    waiting = None
    if notice is not None and kind == "rpc":
        waiting = threading.Timer(
            RPC_NOTICE_AFTER,
            notice,
            [
                f"waiting for {url} to answer eth_chainId "
                f"(giving up after {read_timeout:g}s; --rpc-timeout SECONDS changes it)"
            ],
        )
        waiting.daemon = True
        waiting.start()
    try:
        w3.eth.chain_id  # noqa: B018 - a cheap round trip to prove the node answers
    except Exception as exc:
        text = str(exc)
        if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
            raise ChainError(
                f"cannot reach {url}: no answer to eth_chainId within {read_timeout:g}s "
                f"(the node accepts connections but does not answer; --rpc-timeout or "
                f"${TIMEOUT_ENV} sets the wait)"
            ) from None
        raise ChainError(f"cannot reach {url}: {type(exc).__name__}: {text[:300]}") from None
    finally:
        if waiting is not None:
            waiting.cancel()
    keys: dict[ChecksumAddress, str] = {}
    if anvil is not None:
        keys = {
            to_checksum_address(Account.from_key(k).address): k
            for k in dev_private_keys(anvil.accounts)
        }
    return Chain(w3, kind, anvil=anvil, url=url, private_keys=keys)


def connect(
    target: str = "eth-tester",
    *,
    port: int | None = None,
    accounts: int = DEV_ACCOUNTS,
    anvil_args: tuple[str, ...] = (),
) -> Chain:
    """Connect to `eth-tester`, a fresh `anvil` (on `port` if free, else another; started with
    `anvil_args` besides ours, such as `--steps-tracing`) or a URL."""
    if target == "eth-tester":
        return _eth_tester(accounts)
    if target == "anvil":
        anvil = AnvilProcess(port, accounts=accounts, extra_args=anvil_args).start()
        try:
            return _from_url(anvil.url, "anvil", anvil)
        except BaseException:
            anvil.stop()
            raise
    return _from_url(target)
