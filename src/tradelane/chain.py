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

import atexit
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal, Self

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.exceptions import Web3RPCError
from web3.types import RPCEndpoint

from tradelane._settings import project_root
from tradelane.errors import ChainError, SetupError

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNTS = 20
DEV_BALANCE_ETH = 1_000_000
ANVIL_DEFAULT_PORT = 8545
ANVIL_START_TIMEOUT = 30.0
#: JSON-RPC over HTTP: seconds to open a connection, and to wait for an answer
#: ($TRADELANE_RPC_TIMEOUT or --rpc-timeout sets the second). A node that accepts connections
#: but never answers fails the first request within RPC_CONNECT_TIMEOUT + the read timeout.
RPC_CONNECT_TIMEOUT = 5.0
RPC_READ_TIMEOUT = 15.0
#: After this many seconds without an answer, say what is being waited for.
RPC_NOTICE_AFTER = 3.0
TIMEOUT_ENV = "TRADELANE_RPC_TIMEOUT"

ChainKind = Literal["eth-tester", "anvil", "rpc"]

Account.enable_unaudited_hdwallet_features()


def days(n: float) -> int:
    return int(n * 86_400)


def hours(n: float) -> int:
    return int(n * 3_600)


def dev_private_keys(count: int = DEV_ACCOUNTS) -> list[str]:
    """0x-hex private keys of the dev accounts, the same on eth-tester and Anvil."""
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{i}").key.to_0x_hex()
        for i in range(count)
    ]


# --- Anvil process management ------------------------------------------------------------

_running: weakref.WeakSet[AnvilProcess] = weakref.WeakSet()
_handlers_installed = False


def _stop_all() -> None:
    for proc in list(_running):
        proc.stop()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _stop_all()
    # Leave through SystemExit so `finally` blocks and atexit handlers run too.
    raise SystemExit(128 + signum)


def _install_handlers() -> None:
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_stop_all)
    # Ctrl-C raises KeyboardInterrupt, which unwinds through close() and atexit. SIGTERM
    # and SIGHUP would kill Python without either, so turn them into SystemExit, unless
    # the program already handles them.
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _on_signal)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the child when this process dies (even by SIGKILL)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def find_anvil(root: Path | None = None) -> Path:
    """The native anvil binary from node_modules (per platform), else `anvil` on PATH."""
    root = root or project_root()
    scope = root / "node_modules" / "@foundry-rs"
    exe = "anvil.exe" if sys.platform == "win32" else "anvil"
    if scope.is_dir():
        for package in sorted(scope.glob("anvil-*")):
            candidate = package / "bin" / exe
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    if on_path := shutil.which("anvil"):
        return Path(on_path)
    if (root / "node_modules" / ".bin" / "anvil").exists():
        return root / "node_modules" / ".bin" / "anvil"
    raise SetupError("anvil not found (node_modules/@foundry-rs/anvil): run make setup")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on the port (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())["result"]


class AnvilProcess:
    """One anvil child process on 127.0.0.1."""

    def __init__(
        self,
        port: int | None = None,
        *,
        accounts: int = DEV_ACCOUNTS,
        balance_eth: int = DEV_BALANCE_ETH,
        extra_args: tuple[str, ...] = (),
        binary: Path | None = None,
    ) -> None:
        self.binary = binary or find_anvil()
        self.requested_port = port
        self.accounts = accounts
        self.balance_eth = balance_eth
        self.extra_args = extra_args
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.moved_from: int | None = None  # the requested port, when it was taken

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        _install_handlers()
        last_error = ""
        for attempt in range(3):
            port = self.requested_port if attempt == 0 else None
            if port is not None and not port_is_free(port):
                self.moved_from = port
                port = None
            port = port or free_port()
            self.port = port
            try:
                self._spawn(port)
                return self
            except ChainError as exc:
                last_error = str(exc)
                self.stop()
        raise ChainError(last_error)

    def _spawn(self, port: int) -> None:
        command = [
            str(self.binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--accounts",
            str(self.accounts),
            "--balance",
            str(self.balance_eth),
            "--mnemonic",
            DEV_MNEMONIC,
            *self.extra_args,
        ]
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # our own process group: a terminal's Ctrl-C reaches us first
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        _running.add(self)
        deadline = time.monotonic() + ANVIL_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = (self.proc.stderr.read() if self.proc.stderr else b"").decode(
                    errors="replace"
                )
                lines = err.strip().splitlines()
                raise ChainError(
                    f"anvil exited with code {self.proc.returncode} on port {port}: "
                    + (lines[-1] if lines else "no output")
                )
            try:
                _rpc(self.url, "eth_chainId", timeout=1.0)
                return
            except (OSError, urllib.error.URLError, ValueError, KeyError):
                time.sleep(0.05)
        raise ChainError(f"anvil did not answer on {self.url} within {ANVIL_START_TIMEOUT:.0f}s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        _running.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()


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


def _quick_gas_estimate(state: Any, transaction: Any) -> int:
    """A gas estimate for py-evm in two runs instead of about thirteen.

    py-evm's default estimator binary-searches between the intrinsic gas and the block gas
    limit, running the transaction each time; on eth-tester that is three quarters of the
    cost of every transact(). Here: run once with the block gas limit (an error there is
    raised as py-evm does), then check that what it consumed plus a quarter is enough, and
    binary-search only when it is not (a contract that checks gasleft(), a calldata floor).
    """
    from eth.estimators.gas import binary_gas_search_intrinsic_tolerance
    from eth.vm.spoof import SpoofTransaction

    def run(gas: int) -> Any:
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(SpoofTransaction(transaction, gas=gas, gas_price=0))
        finally:
            state.revert(snapshot)

    computation = run(state.gas_limit)
    if computation.is_error:
        raise computation.error
    used = int(state.gas_limit - computation.get_gas_remaining())
    candidate = min(int(state.gas_limit), used + used // 4 + 10_000)
    with contextlib.suppress(Exception):
        if not run(candidate).is_error:
            return candidate
    return int(binary_gas_search_intrinsic_tolerance(state, transaction))


def _transaction_by_hash(chain: Any, transaction_hash: bytes) -> Any:
    """eth-tester's lookup of a mined transaction, through py-evm's hash index instead of a
    scan of every block from the head down (which made each receipt, and so eth_getLogs,
    cost time in proportion to the chain's length). The block found is checked; anything
    unexpected falls back to eth-tester's own scan."""
    head = chain.get_block()
    for index, transaction in enumerate(head.transactions):
        if transaction.hash == transaction_hash:
            return head, transaction, index
    try:
        number, index = chain.chaindb.get_transaction_index(transaction_hash)
        block = chain.get_canonical_block_by_number(number)
        transaction = block.transactions[index]
    except Exception:
        transaction = None
    if transaction is not None and transaction.hash == transaction_hash:
        return block, transaction, index
    return _SCAN_TRANSACTION[0](chain, transaction_hash)


_SCAN_TRANSACTION: list[Any] = []  # eth-tester's own lookup, kept for the fallback


def _index_transaction_lookups() -> None:
    from eth_tester.backends.pyevm import main as pyevm_main

    if not _SCAN_TRANSACTION:
        _SCAN_TRANSACTION.append(pyevm_main._get_transaction_by_hash)
        pyevm_main._get_transaction_by_hash = _transaction_by_hash


def _eth_tester(accounts: int) -> Chain:
    from eth_tester import EthereumTester, PyEVMBackend

    _index_transaction_lookups()

    backend = PyEVMBackend.from_mnemonic(
        DEV_MNEMONIC,
        num_accounts=accounts,
        hd_path=DEV_HD_PATH,
        genesis_state_overrides={"balance": DEV_BALANCE_ETH * 10**18},
    )
    # py-evm copies the estimator onto each chain instance; later instances (a revert to the
    # genesis snapshot makes one) take it from the class.
    type(backend.chain).gas_estimator = staticmethod(_quick_gas_estimate)
    backend.chain.gas_estimator = _quick_gas_estimate
    tester = EthereumTester(backend)
    w3 = Web3(EthereumTesterProvider(tester))
    keys = {
        to_checksum_address(k.public_key.to_checksum_address()): k.to_hex()
        for k in backend.account_keys
    }
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
