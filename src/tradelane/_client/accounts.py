"""Accounts and keys: names, the keys the client signs with, new and contract accounts."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress, HexStr
from eth_utils import keccak, to_checksum_address

from tradelane._client.calls import hex_str
from tradelane._client.tokens import ETH, Tokens
from tradelane.amounts import Amount, parse_amount


class Accounts(Tokens):
    """Accounts by name, keys held by the client, and contract accounts (test doubles)."""

    def name_of(self, address: str | None) -> str:
        if not address:
            return ""
        address = to_checksum_address(address)
        return self.names.get(address, address[:10] + "…")

    def add_key(self, key: str, name: str | None = None) -> ChecksumAddress:
        """Sign this account's transactions locally from now on."""
        address = to_checksum_address(Account.from_key(key).address)
        self.keys[address] = key
        if name:
            self.names[address] = name
        return address

    def new_account(
        self, name: str, *, eth: str | int | Decimal = 100, seed: str = ""
    ) -> ChecksumAddress:
        """A fresh account, funded with `eth` ether by the operator, its key held by the client."""
        salt = seed or os.urandom(16).hex()
        key = hex_str(keccak(text=f"tradelane:{salt}:{name}"))
        address = self.add_key(key, name)
        amount = ETH.units(parse_amount(eth) if not isinstance(eth, Amount) else eth)
        if amount:
            self.send_eth(self.operator, address, amount)
        return address

    def add_contract_account(
        self, name: str, *, owner: str, kind: str = "RevertingReceiver"
    ) -> ChecksumAddress:
        """A party that is a contract refusing ETH payments (a test double, `kind`), owned by
        `owner`: its transactions go through `act(target, data)`, sent by the owner. Pushed
        ETH payouts to it fail and are credited for withdrawal instead."""
        owner = to_checksum_address(owner)
        artifact = self.artifacts[kind]
        tx: dict[str, Any] = {"from": owner, "value": 0, "data": artifact.bytecode}
        result = self._submit(f"deploy {kind}", tx, owner)
        receipt = self.w3.eth.get_transaction_receipt(HexStr(result.tx_hash))
        address = to_checksum_address(str(receipt["contractAddress"]))
        contract = self.w3.eth.contract(address=address, abi=artifact.abi)
        self._proxies[address] = (owner, contract)
        self.events.add(kind, address, artifact.abi)
        self.names[address] = name
        self.names.setdefault(owner, f"{name} (owner)")
        return address

    def private_key(self, address: str) -> str:
        address = to_checksum_address(address)
        if address in self.keys:
            return self.keys[address]
        return self.chain.private_key(address)
