"""The pages' common reads: names, tokens, the index's status, an order's summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import Connection, func, select

from tradelane.explorer import db
from tradelane.explorer.db import Store
from tradelane.explorer.formatting import TokenInfo, _place
from tradelane.explorer.parsing import ORDER_ID, BadRequest, NotFound


class IndexReader:
    """What every page reads from `store`; `names` (address: name) beside those stored."""

    def __init__(self, store: Store, names: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.extra_names = {to_checksum_address(a): n for a, n in (names or {}).items()}
        self._tokens: dict[str, TokenInfo] = {}

    # ------------------------------------------------------------------ helpers

    def names(self, conn: Connection) -> dict[str, str]:
        stored = {r.address: r.name for r in conn.execute(select(db.names))}
        stored.update(self.extra_names)
        return stored

    def token(self, conn: Connection, address: str) -> TokenInfo:
        if not address:  # an order never registered: no token known
            return TokenInfo("", "", 0)
        if address not in self._tokens:
            row = conn.execute(select(db.tokens).where(db.tokens.c.address == address)).first()
            if row is None:
                return TokenInfo(address, address[:10] + "…", 0)
            self._tokens[address] = TokenInfo(row.address, row.symbol, row.decimals)
        return self._tokens[address]

    @staticmethod
    def _who(names: Mapping[str, str], address: str | None) -> dict[str, str] | None:
        if not address:
            return None
        return {"address": address, "name": names.get(address, "")}

    def status(self, conn: Connection) -> dict[str, Any]:
        """Where the index stands: chain, last block, its time, counts."""
        cursor = self.store.get_meta(conn, "cursor")
        number = int(cursor) if cursor else -1
        block = conn.execute(select(db.blocks).where(db.blocks.c.number == number)).first()
        return {
            "chain_id": int(self.store.get_meta(conn, "chain_id") or 0),
            "block": number,
            "block_time": int(block.timestamp) if block is not None else None,
            "orders": int(conn.execute(select(func.count()).select_from(db.orders)).scalar() or 0),
            "events": int(conn.execute(select(func.count()).select_from(db.events)).scalar() or 0),
        }

    def resolve(self, ref: str) -> str:
        """An order id from an id or a scenario's order name (po-1)."""
        if ORDER_ID.match(ref):
            return ref.lower()
        with self.store.read() as conn:
            rows = conn.execute(select(db.labels).where(db.labels.c.label == ref)).all()
            if not rows:
                known = sorted({r.label for r in conn.execute(select(db.labels.c.label))})
                hint = f"; known: {', '.join(known[:20])}" if known else ""
                raise NotFound(f"no order {ref!r} in {self.store.label}{hint}")
        if len(rows) > 1:
            where = ", ".join(f"{r.source} ({r.order_id[:10]}…)" for r in rows)
            raise BadRequest(f"{ref!r} names several orders: {where}; give the order id")
        return str(rows[0].order_id)

    def _summary(self, conn: Connection, names: Mapping[str, str], r: Any) -> dict[str, Any]:
        token = self.token(conn, r.token)
        locked = int(r.deposit) - int(r.seller_received) - int(r.buyer_refunded) - int(r.fee)
        return {
            "id": r.order_id,
            "label": r.label or "",
            "source": r.source or "",
            "registered_at": int(r.registered_at),
            "last_at": int(r.last_at),
            "status": r.status,
            "stage": r.stage,
            "on_hold": bool(r.on_hold),
            "buyer": self._who(names, r.buyer),
            "seller": self._who(names, r.seller),
            "carrier": self._who(names, r.carrier),
            "token": token.symbol,
            "price": token.amount(r.price),
            "locked": token.amount(locked),
            "route": {
                "origin": _place(r.origin),
                "destination": _place(r.destination),
                "from": r.route_from,
            },
        }


def _parts(items: Sequence[Any] | Iterable[Any], size: int) -> list[list[Any]]:
    seq = list(items)
    return [seq[i : i + size] for i in range(0, len(seq), size)]


__all__ = ["IndexReader"]
