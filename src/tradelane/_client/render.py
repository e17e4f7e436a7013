"""Rich tables of an order's timeline and of who holds what (for the CLI and notebooks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def timeline_table(
    client: Any, trade: Any, title: str | None = None, entries: list[Any] | None = None
) -> Table:
    """The order's timeline (or `entries`, such as tradelane.standards' timeline with event
    times and planned events): block time, the event's own time when known, and the rest."""
    rows = client.timeline(trade) if entries is None else entries
    with_event_time = any(getattr(e, "event_time", None) is not None for e in rows)
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    table.add_column("time (UTC)", no_wrap=True)
    if with_event_time:
        table.add_column("event time (UTC)", no_wrap=True)
    for column in ("actor", "action / stage", "location", "document"):
        table.add_column(column, no_wrap=True)
    table.add_column("money", overflow="fold")
    for entry in rows:
        planned = getattr(entry, "planned", "")
        cells = ["not on chain" if planned else _utc(entry.time)]
        if with_event_time:
            event_time = getattr(entry, "event_time", None)
            cells.append(_utc(event_time) if event_time is not None else "")
        cells += [
            client.name_of(entry.actor),
            entry.action + (" (late)" if entry.late else ""),
            entry.location,
            entry.document,
            entry.money,
        ]
        table.add_row(*cells, style="dim italic" if planned else None)
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
