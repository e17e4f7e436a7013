"""Rich tables of an order's timeline and of who holds what (for the CLI and notebooks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


#: Below this many columns the timeline stacks its cells instead of one wide row each.
WIDE_TIMELINE = 120


def timeline_table(
    client: Any,
    trade: Any,
    title: str | None = None,
    entries: list[Any] | None = None,
    width: int | None = None,
) -> Table:
    """The order's timeline (or `entries`, such as tradelane.standards' timeline with event
    times and planned events): block time, the event's own time when known, and the rest.

    On a console narrower than WIDE_TIMELINE columns (`width`), each row stacks its cells
    (date over time, actor over action, location over document) and wraps the money column,
    so nothing is cut and the money is never dropped."""
    rows = client.timeline(trade) if entries is None else entries
    with_event_time = any(getattr(e, "event_time", None) is not None for e in rows)
    table = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    if width is not None and width < WIDE_TIMELINE:
        return _stacked_timeline(client, rows, table, with_event_time)
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


def _stacked_timeline(client: Any, rows: list[Any], table: Table, with_event_time: bool) -> Table:
    table.show_lines = True
    table.add_column("time (UTC)", no_wrap=True)
    table.add_column("who / what", overflow="fold", ratio=3)
    table.add_column("where / document", overflow="fold", ratio=2)
    table.add_column("money", overflow="fold", ratio=3, min_width=12)
    for entry in rows:
        planned = getattr(entry, "planned", "")
        when = "not on\nchain" if planned else _utc(entry.time).replace(" ", "\n")
        event_time = getattr(entry, "event_time", None) if with_event_time else None
        if event_time is not None:
            when += "\nevent " + _utc(event_time).replace(" ", "\n")
        where = "\n".join(x for x in (entry.location, entry.document) if x)
        table.add_row(
            when,
            f"{client.name_of(entry.actor)}\n{entry.action}",
            where,
            entry.money,
            style="dim italic" if planned else None,
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
