"""Private keys for real networks: from an encrypted keystore (EIP-2335 style JSON made by
geth, foundry's `cast wallet`, or `Account.encrypt`) or from an environment variable.

    key = key_from_env("TRADELANE_BUYER_KEY")          # 0x-hex, never logged
    key = key_from_keystore("alice.json", password)    # or password from $TRADELANE_PASSWORD
    alice = client.add_key(key, "alice")               # the client signs alice's transactions

Keys stay in memory only; nothing here writes them anywhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account

from tradelane.errors import TradelaneError


class KeyLoadError(TradelaneError):
    """A key could not be loaded (the message never contains the key)."""

    exit_code = 2


def _checked(key: str, source: str) -> str:
    raw = key.strip()
    if not raw.startswith("0x"):
        raw = "0x" + raw
    try:
        Account.from_key(raw)
    except Exception:
        raise KeyLoadError(
            f"{source} does not hold a valid private key (32 bytes of hex)"
        ) from None
    return raw


def key_from_env(name: str) -> str:
    """The private key in environment variable `name`."""
    value = os.environ.get(name)
    if not value:
        raise KeyLoadError(f"environment variable {name} is not set")
    return _checked(value, f"${name}")


def key_from_keystore(
    path: str | Path, password: str | None = None, *, password_env: str = "TRADELANE_PASSWORD"
) -> str:
    """Decrypt a keystore file; the password comes from the argument or `password_env`."""
    if password is None:
        password = os.environ.get(password_env)
    if password is None:
        raise KeyLoadError(f"no password for {path}: pass one or set ${password_env}")
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise KeyLoadError(f"cannot read keystore {path}: {exc}") from None
    try:
        key = Account.decrypt(data, password)
    except ValueError:
        raise KeyLoadError(f"wrong password for keystore {path}") from None
    return "0x" + bytes(key).hex()


__all__ = ["KeyLoadError", "key_from_env", "key_from_keystore"]
