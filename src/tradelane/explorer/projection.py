"""Orders' money, route and live state, and parties' track records, for the index."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from tradelane._client import escrow_calls
from tradelane.client import TradeClient
from tradelane.explorer import db
from tradelane.explorer.chain import BATCH, _parts
from tradelane.explorer.db import Store, to_json
from tradelane.types import CheckpointKind, OrderState, Reputation

#: Checkpoints that say where the goods arrive (the route's destination, without terms).
ARRIVAL_KINDS = frozenset(
    k.label
    for k in (
        CheckpointKind.ARRIVED,
        CheckpointKind.UNLOADED,
        CheckpointKind.IMPORT_CLEARED,
        CheckpointKind.OUT_FOR_DELIVERY,
        CheckpointKind.DELIVERED,
    )
)


def project(conn: Connection, order_ids: Iterable[str]) -> None:
    """Recompute each order's money and route from its timeline rows; mark it stale
    (its state is read from the chain next)."""
    ids = sorted(order_ids)
    for part in _parts(ids, 500):
        rows = conn.execute(
            select(
                db.timeline.c.order_id,
                db.timeline.c.block,
                db.timeline.c.time,
                db.timeline.c.action,
                db.timeline.c.location,
                db.timeline.c.amounts,
            )
            .where(db.timeline.c.order_id.in_(part))
            .order_by(db.timeline.c.block, db.timeline.c.log_index)
        ).all()
        heads = {
            r.order_id: r
            for r in conn.execute(
                select(
                    db.orders.c.order_id,
                    db.orders.c.route_from,
                    db.orders.c.origin,
                    db.orders.c.destination,
                    db.orders.c.registered_block,
                    db.orders.c.registered_at,
                ).where(db.orders.c.order_id.in_(part))
            )
        }
        folded: dict[str, dict[str, Any]] = {}
        for oid in part:
            head = heads.get(oid)
            if head is None:
                continue
            folded[oid] = {
                "deposit": 0,
                "seller_received": 0,
                "buyer_refunded": 0,
                "fee": 0,
                "last_block": head.registered_block,
                "last_at": head.registered_at,
                "first": "",
                "arrival": "",
                "terms_route": head.route_from == "terms",
                "origin": head.origin,
                "destination": head.destination,
            }
        for r in rows:
            p = folded.get(r.order_id)
            if p is None:
                continue
            amounts = json.loads(r.amounts)
            p["deposit"] += int(amounts.get("deposit", 0))
            p["seller_received"] += int(amounts.get("to_seller", 0))
            p["buyer_refunded"] += int(amounts.get("to_buyer", 0))
            p["fee"] += int(amounts.get("fee", 0))
            p["last_block"], p["last_at"] = r.block, r.time
            if r.location:
                p["first"] = p["first"] or r.location
                if r.action in ARRIVAL_KINDS:
                    p["arrival"] = r.location
        values = []
        for oid, p in folded.items():
            terms_route = p["terms_route"]
            values.append(
                {
                    "oid": oid,
                    "deposit": str(p["deposit"]),
                    "seller_received": str(p["seller_received"]),
                    "buyer_refunded": str(p["buyer_refunded"]),
                    "fee": str(p["fee"]),
                    "last_block": p["last_block"],
                    "last_at": p["last_at"],
                    "stale": True,
                    "origin": p["origin"] if terms_route else p["first"],
                    "destination": p["destination"] if terms_route else p["arrival"],
                    "route_from": "terms" if terms_route else ("checkpoints" if p["first"] else ""),
                }
            )
        if values:
            conn.execute(
                update(db.orders).where(db.orders.c.order_id == bindparam("oid")),
                values,
            )


def refresh(store: Store, escrows: Mapping[str, TradeClient], block: int) -> None:
    """Read the live state of stale orders, and their parties' track records, at
    `block` through the client's view calls."""
    if block < 0:
        return
    with store.read() as conn:
        stale = conn.execute(
            select(
                db.orders.c.order_id,
                db.orders.c.escrow,
                db.orders.c.buyer,
                db.orders.c.seller,
                db.orders.c.token,
            ).where(db.orders.c.stale.is_(True))
        ).all()
    if not stale:
        return
    by_escrow: dict[str, list[Any]] = defaultdict(list)
    for r in stale:
        by_escrow[r.escrow].append(r)
    order_rows: list[tuple[str, OrderState]] = []
    party_rows: list[dict[str, Any]] = []
    for escrow, rows in by_escrow.items():
        client = escrows.get(escrow)
        if client is None:
            continue
        views = client._views
        for part in _parts(rows, BATCH):
            states = views.call_many(
                [
                    escrow_calls.order_state(client.escrow, bytes.fromhex(r.order_id[2:]))
                    for r in part
                ],
                block=block,
            )
            order_rows += [
                (r.order_id, OrderState.from_tuple(s)) for r, s in zip(part, states, strict=True)
            ]
        pairs = sorted({(p, r.token) for r in rows for p in (r.buyer, r.seller) if p})
        for part in _parts(pairs, BATCH):
            records = views.call_many(
                [escrow_calls.reputation_of(client.escrow, p, [t]) for p, t in part], block=block
            )
            owed = views.call_many(
                [escrow_calls.owed(client.escrow, p, t) for p, t in part], block=block
            )
            for (party, token), rec, due in zip(part, records, owed, strict=True):
                rep = Reputation.from_tuple(rec[0])
                party_rows.append(
                    {
                        "address": party,
                        "token": token,
                        "completed": rep.completed,
                        "disputes_opened": rep.disputes_opened,
                        "disputes_won": rep.disputes_won,
                        "disputes_lost": rep.disputes_lost,
                        "on_time": rep.on_time,
                        "volume": str(rep.volume),
                        "owed": str(int(due)),
                        "block": block,
                    }
                )
    with store.write() as conn:
        if order_rows:
            conn.execute(
                update(db.orders).where(db.orders.c.order_id == bindparam("oid")),
                [
                    {
                        "oid": oid,
                        "status": state.status.label,
                        "stage": state.stage.label,
                        "on_hold": state.on_hold,
                        "state": to_json(_state_json(state)),
                        "stale": False,
                    }
                    for oid, state in order_rows
                ],
            )
        store.replace(conn, db.parties, ["address", "token"], party_rows)


def _state_json(state: OrderState) -> dict[str, Any]:
    out = {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
    out["status"] = state.status.label
    out["stage"] = state.stage.label
    return out


__all__ = ["ARRIVAL_KINDS", "project", "refresh"]
