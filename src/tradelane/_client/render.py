"""Rich tables of an order's timeline and of who holds what (for the CLI and notebooks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table


def timeline_table(client: Any, trade: Any, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in ("time (UTC)", "actor", "action / stage", "location", "document"):
        table.add_column(column, no_wrap=True)
    table.add_column("money", overflow="fold")
    for entry in client.timeline(trade):
        when = datetime.fromtimestamp(entry.time, UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            when,
            client.name_of(entry.actor),
            entry.action,
            entry.location,
            entry.document,
            entry.money,
        )
    return table


def holdings_table(client: Any, accounts: dict[str, str], title: str = "Who holds what") -> Table:
    tokens = list(client.tokens.values())
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("party")
    for token in tokens:
        table.add_column(token.symbol, justify="right")
        table.add_column(f"{token.symbol} owed", justify="right")
    rows = dict(accounts)
    rows["escrow"] = client.escrow.address
    for name, address in rows.items():
        cells = []
        for token in tokens:
            balance = token.decimal(client.balance(address, token))
            shown = f"{balance:,.4f}" if token.is_eth else f"{balance:,.2f}"
            cells.append(shown)
            owed = client.owed(address, token) if name != "escrow" else 0
            cells.append(token.format(owed).split(" ")[0] if owed else "")
        table.add_row(name, *cells)
    return table
