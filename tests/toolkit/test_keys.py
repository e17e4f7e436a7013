"""Keys for real networks, from the environment or an encrypted keystore."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from tradelane.keys import KeyLoadError, key_from_env, key_from_keystore

KEY = "0x" + "4c" * 32


def test_key_from_env(monkeypatch):
    monkeypatch.setenv("T_KEY", KEY[2:])
    assert key_from_env("T_KEY") == KEY
    monkeypatch.setenv("T_KEY", "not a key")
    with pytest.raises(KeyLoadError) as info:
        key_from_env("T_KEY")
    assert "not a key" not in str(info.value)
    with pytest.raises(KeyLoadError, match="not set"):
        key_from_env("T_UNSET_KEY")


def test_key_from_keystore(tmp_path, monkeypatch):
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    assert key_from_keystore(path, "s3cret") == KEY
    monkeypatch.setenv("TRADELANE_PASSWORD", "s3cret")
    assert key_from_keystore(path) == KEY
    with pytest.raises(KeyLoadError, match="wrong password"):
        key_from_keystore(path, "guess")


def test_client_signs_with_a_loaded_key(chain, suite, artifacts, tmp_path):
    from tradelane.client import TradeClient

    client = TradeClient(chain, suite, artifacts=artifacts)
    funded = client.new_account("funded", eth=2)
    path = tmp_path / "k.json"
    path.write_text(json.dumps(Account.encrypt(client.keys[funded], "pw", iterations=2)))
    other = TradeClient(chain, suite, artifacts=artifacts)
    address = other.add_key(key_from_keystore(path, "pw"), "loaded")
    assert address == funded
    result = other.send_eth(address, suite.treasury, 10**18)
    assert result.sender == funded


def _on_a_terminal(argv: list[str], answer: bytes, env: dict[str, str]) -> tuple[int, str]:
    """Runs the CLI with a pseudo-terminal as its controlling terminal, answers the password
    prompt with `answer`, and returns its exit code and everything it showed. Never waits
    more than a minute: a child still running then is killed and the test fails."""
    import os
    import pty
    import select
    import signal
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "tradelane.cli", *argv], env)
    shown, answered, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child is gone and its terminal closed
                    break
                if not chunk:
                    break
                shown += chunk
            # click prints "password for <file>:", then getpass switches echo off (flushing
            # pending input) and prints " ": answer only after that, or the answer is lost.
            if not answered and b"password for" in shown and shown.endswith(b": "):
                os.write(fd, answer)
                answered = True
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert answered, shown
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_keystore_password_prompt_on_a_terminal(tmp_path):
    """Without $TRADELANE_PASSWORD the CLI asks on the terminal, without echoing the answer;
    a wrong password is one line and exit 2, the right one unlocks the key (which then signs:
    on the embedded chain its account has no ether, so the deploy stops at exit 3 naming it)."""
    import os

    path = tmp_path / "deployer.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    env = {k: v for k, v in os.environ.items() if k != "TRADELANE_PASSWORD"}
    argv = ["deploy", "--keystore", str(path)]

    code, shown = _on_a_terminal(argv, b"guess\n", env)
    assert code == 2, shown
    assert "wrong password" in shown and "guess" not in shown and "Traceback" not in shown

    code, shown = _on_a_terminal(argv, b"s3cret\n", env)
    assert code == 3, shown
    assert Account.from_key(KEY).address in shown and "insufficient funds" in shown
    assert "s3cret" not in shown and "Traceback" not in shown
