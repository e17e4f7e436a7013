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
