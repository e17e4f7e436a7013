"""Tokens and amounts: a token as the client knows it, the client's tokens, ERC-20 calls."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from web3.contract import Contract

from tradelane._client import calls
from tradelane._client.sending import Sending
from tradelane.amounts import Amount, format_units, parse_amount
from tradelane.deploy import deploy_contract
from tradelane.types import ZERO_ADDRESS, TxResult


@dataclass(frozen=True)
class Token:
    symbol: str
    address: ChecksumAddress
    decimals: int
    name: str = ""

    @property
    def is_eth(self) -> bool:
        return self.address == ZERO_ADDRESS

    def units(self, amount: Amount | str | int | Decimal) -> int:
        if not isinstance(amount, Amount):
            amount = parse_amount(amount)
        if amount.symbol and amount.symbol != self.symbol:
            raise ValueError(f"{amount} is not in {self.symbol}")
        return amount.to_units(self.decimals)

    def format(self, units: int) -> str:
        return format_units(units, self.decimals, self.symbol)

    def decimal(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.decimals)


ETH = Token("ETH", ZERO_ADDRESS, 18, "Ether")


class Tokens(Sending):
    """The client's tokens by symbol or address, amounts in their units, ERC-20 calls."""

    tokens: dict[str, Token]

    def token(self, ref: str | Token | None) -> Token:
        """A token by symbol or address (None or "ETH": ether)."""
        if ref is None:
            return ETH
        if isinstance(ref, Token):
            return ref
        if ref.upper() in self.tokens:
            return self.tokens[ref.upper()]
        if ref.startswith("0x"):
            address = to_checksum_address(ref)
            for token in self.tokens.values():
                if token.address == address:
                    return token
            return self._load_token(address)
        raise ValueError(f"unknown token {ref!r}; known: {', '.join(self.tokens)}")

    def _load_token(self, address: ChecksumAddress) -> Token:
        contract = self._erc20(address)
        try:
            symbol = str(calls.symbol(contract).call())
            decimals = int(calls.decimals(contract).call())
        except Exception as exc:
            raise ValueError(f"{address} does not look like an ERC-20 token: {exc}") from None
        return self.register_token(Token(symbol.upper(), address, decimals, symbol))

    def register_token(self, token: Token) -> Token:
        self.tokens[token.symbol] = token
        self.names.setdefault(token.address, token.symbol)
        self.events.add(token.symbol, token.address, self.artifacts["TestStablecoin"].abi)
        return token

    def _erc20(self, address: str) -> Contract:
        return self.w3.eth.contract(
            address=to_checksum_address(address), abi=self.artifacts["TestStablecoin"].abi
        )

    def amount(self, text: str | Amount, token: str | Token | None = None) -> tuple[Token, int]:
        """`"12000 USDC"` -> (USDC, 12000000000)."""
        parsed = text if isinstance(text, Amount) else parse_amount(text)
        tok = self.token(parsed.symbol or token)
        return tok, tok.units(parsed)

    def deploy_token(self, symbol: str, decimals: int = 6, name: str | None = None) -> Token:
        """Deploy a TestStablecoin (open mint, EIP-2612 permit) for tests and scenarios."""
        contract, _ = deploy_contract(
            self.chain,
            self.artifacts["TestStablecoin"],
            [name or symbol, symbol, decimals],
            sender=self.operator,
        )
        return self.register_token(
            Token(symbol.upper(), contract.address, decimals, name or symbol)
        )

    def mint(self, token: str | Token, to: str, amount: int | str) -> TxResult:
        tok = self.token(token)
        units = amount if isinstance(amount, int) else tok.units(amount)
        return self._send("mint", calls.mint(self._erc20(tok.address), to, units), self.operator)

    def approve(
        self, token: str | Token, owner: str, amount: int, spender: str | None = None
    ) -> TxResult:
        tok = self.token(token)
        fn = calls.approve(self._erc20(tok.address), spender or self.escrow.address, amount)
        return self._send("approve", fn, owner)

    def allowance(self, token: str | Token, owner: str, spender: str | None = None) -> int:
        """How much of `owner`'s `token` `spender` (default: the escrow) may move (the
        ERC-20 allowance)."""
        tok = self.token(token)
        spender = spender or self.escrow.address
        return int(calls.allowance(self._erc20(tok.address), owner, spender).call())

    def balance(self, account: str, token: str | Token | None = None) -> int:
        tok = self.token(token)
        if tok.is_eth:
            return int(self.w3.eth.get_balance(to_checksum_address(account)))
        return int(calls.balance_of(self._erc20(tok.address), account).call())

    def send_eth(self, sender: str, to: str, amount: int) -> TxResult:
        tx: dict[str, Any] = {
            "from": to_checksum_address(sender),
            "to": to_checksum_address(to),
            "value": amount,
        }
        return self._submit("transfer", tx, to_checksum_address(sender))
