"""The local Anvil: the dev accounts both local chains share, and Anvil child processes on
127.0.0.1 (finding the binary, a free port, and stopping every one we start).

An Anvil started here is always stopped: on stop(), at interpreter exit, on SIGTERM or
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
from types import FrameType
from typing import Any, Self

from eth_account import Account

from tradelane._settings import project_root
from tradelane.errors import ChainError, SetupError

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNTS = 20
DEV_BALANCE_ETH = 1_000_000
ANVIL_DEFAULT_PORT = 8545
ANVIL_START_TIMEOUT = 30.0

Account.enable_unaudited_hdwallet_features()


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
