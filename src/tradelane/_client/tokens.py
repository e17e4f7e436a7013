"""A token as the client knows it: symbol, address, decimals; amounts in its units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_typing import ChecksumAddress

from tradelane.amounts import Amount, format_units, parse_amount
from tradelane.types import ZERO_ADDRESS


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
