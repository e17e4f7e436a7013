"""How the pages show stored values: amounts in whole tokens, places, JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradelane.amounts import format_decimal
from tradelane.explorer.countries import country_name


@dataclass(frozen=True)
class TokenInfo:
    address: str
    symbol: str
    decimals: int

    def amount(self, units: int | str) -> str:
        return format_decimal(Decimal(int(units)).scaleb(-self.decimals))

    def show(self, units: int | str) -> str:
        return f"{self.amount(units)} {self.symbol}"


def _place(locode: str) -> dict[str, str] | None:
    if not locode:
        return None
    return {"locode": locode, "country": locode[:2], "country_name": country_name(locode)}


def _json(text: str | None) -> Any:
    return json.loads(text) if text else {}


__all__ = ["TokenInfo"]
