"""The order page: an order's parties, terms, journey, money, dispute and transactions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select

from tradelane.amounts import format_decimal, format_duration
from tradelane.explorer import db
from tradelane.explorer.dispute import SETTLEMENT, _dispute
from tradelane.explorer.formatting import _json, _place
from tradelane.explorer.journey import _deadlines, _holds, _journey, _planned, _timeline_json
from tradelane.explorer.money import _deferred_amount, _milestones, _money, _money_over_time
from tradelane.explorer.parsing import NotFound, parse_order_id
from tradelane.explorer.reader import IndexReader, _parts
from tradelane.types import Status

#: Events the order page shows in its own sections (the rest are listed as other events).
SHOWN = {
    "OrderRegistered",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFunded",
    "CheckpointRecorded",
    "MilestoneReleased",
    "OrderCompleted",
    "OrderRefunded",
    "DisputeOpened",
    "DisputeCreated",
    "DisputeResolved",
    "Evidence",
    "TermsDocument",
    "VoteCast",
    "PaymentDeferred",
    # ERC-792/1497 bookkeeping of a dispute, shown through the events above.
    "MetaEvidence",
    "Dispute",
    "DisputeCreation",
    "DisputeDecided",
    "Ruling",
    "FeeDeferred",
}


class OrderPage(IndexReader):
    """The order page's data."""

    def order(self, order_id: str) -> dict[str, Any]:
        oid = parse_order_id(order_id)
        with self.store.read() as conn:
            row = conn.execute(
                select(db.orders, db.labels.c.label, db.labels.c.source)
                .outerjoin(db.labels, db.labels.c.order_id == db.orders.c.order_id)
                .where(db.orders.c.order_id == oid)
            ).first()
            if row is None:
                raise NotFound(f"no order {oid} in this index ({self.store.label})")
            names = self.names(conn)
            token = self.token(conn, row.token)
            entries = conn.execute(
                select(db.timeline)
                .where(db.timeline.c.order_id == oid)
                .order_by(db.timeline.c.block, db.timeline.c.log_index)
            ).all()
            events = conn.execute(
                select(db.events)
                .where(db.events.c.order_id == oid)
                .order_by(db.events.c.block, db.events.c.log_index)
            ).all()
            docs = {
                (r.block, r.log_index): r.hash
                for r in conn.execute(select(db.documents).where(db.documents.c.order_id == oid))
            }
            tx_hashes = list(dict.fromkeys(e.tx_hash for e in events))
            txs = {
                r.hash: r
                for part in _parts(tx_hashes, 500)
                for r in conn.execute(
                    select(db.transactions).where(db.transactions.c.hash.in_(part))
                )
            }
            block_times = {
                r.number: int(r.timestamp)
                for r in conn.execute(
                    select(db.blocks.c.number, db.blocks.c.timestamp).where(
                        db.blocks.c.number.in_({e.block for e in events})
                    )
                )
            }
            owed_rows = conn.execute(
                select(db.parties).where(
                    and_(
                        db.parties.c.token == row.token,
                        db.parties.c.address.in_([row.buyer, row.seller]),
                    )
                )
            ).all()
            index = self.status(conn)
            contract_names = {r.address: r.name for r in conn.execute(select(db.contracts))}
        terms = _json(row.terms)
        state = _json(row.state)
        as_of = index["block_time"] or int(row.last_at)
        deadlines = _deadlines(terms, state)
        journey = _journey(entries, docs, names, deadlines, self._who)
        holds = _holds(journey)
        money = _money(token, row)
        chart = _money_over_time(entries, token)
        milestones = _milestones(terms, state, events, token, row, block_times)
        dispute = _dispute(events, names, token, block_times, self._who)
        deferred = [
            {
                "to": self._who(names, _json(e.args).get("to")),
                "amount": _deferred_amount(_json(e.args), token),
                "time": block_times.get(e.block),
                "tx": e.tx_hash,
            }
            for e in events
            if e.name == "PaymentDeferred"
        ]
        other = [
            {
                "name": e.name or f"unknown event {_json(e.topics)[0][:10]}…",
                "contract": e.contract,
                "args": _json(e.args),
                "topics": _json(e.topics) if not e.name else [],
                "data": e.data if not e.name else "",
                "time": block_times.get(e.block),
                "block": e.block,
                "tx": e.tx_hash,
            }
            for e in events
            if e.name not in SHOWN and not SETTLEMENT.search(e.name)
        ]
        actions: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            actions[entry.tx_hash].append(entry.action)
        for e in events:
            if e.tx_hash not in actions:
                actions[e.tx_hash].append(e.name or "unknown event")
        transactions = []
        for h in tx_hashes:
            tx = txs.get(h)
            if tx is None:
                continue
            price = int(tx.gas_price)
            transactions.append(
                {
                    "hash": h,
                    "block": int(tx.block),
                    "time": block_times.get(int(tx.block)),
                    "from": self._who(names, tx.sender),
                    "to": {
                        "address": tx.to,
                        "name": contract_names.get(tx.to or "", names.get(tx.to or "", "")),
                    },
                    "actions": actions.get(h, []),
                    "gas_used": int(tx.gas_used),
                    "gas_price_gwei": format_decimal(Decimal(price).scaleb(-9)),
                    # to the gwei: what a person compares
                    "cost_eth": format_decimal(
                        Decimal(price * int(tx.gas_used)).scaleb(-18).quantize(Decimal("1e-9"))
                    ),
                    "status": "ok" if tx.status == 1 else "failed",
                }
            )
        route = {
            "origin": _place(row.origin),
            "destination": _place(row.destination),
            "from": row.route_from,
        }
        return {
            "id": oid,
            "label": row.label or "",
            "source": row.source or "",
            "registered": bool(row.buyer),
            "escrow": row.escrow,
            "status": row.status,
            "stage": row.stage,
            "on_hold": bool(row.on_hold),
            "delivered_on_time": bool(state.get("delivered_on_time", False)),
            "as_of": as_of,
            "token": {"symbol": token.symbol, "address": token.address, "decimals": token.decimals},
            "price": token.amount(row.price),
            "incoterm": terms.get("incoterm", ""),
            "parties": {
                "buyer": self._who(names, row.buyer),
                "seller": self._who(names, row.seller),
                "carrier": self._who(names, row.carrier),
                "arbitrator": self._who(names, row.arbitrator),
                "panel": [self._who(names, a) for a in terms.get("panel", [])],
            },
            "terms": {
                "ship_within": format_duration(int(terms.get("ship_within", 0))),
                "deliver_within": format_duration(int(terms.get("deliver_within", 0))),
                "inspection_window": format_duration(int(terms.get("inspection_window", 0))),
                "document_hash": terms.get("document_hash", ""),
                "fee_bps": int(state.get("fee_bps", terms.get("fee_bps", 0)) or 0),
                "risk_passes_at": terms.get("risk_stage", ""),
            },
            "route": route,
            "deadlines": _planned(
                deadlines,
                journey,
                int(row.last_at) if Status.parse(row.status).terminal else None,
                as_of,
            ),
            "journey": journey,
            "holds": holds,
            "money": money,
            "money_over_time": chart,
            "owed": [
                {"party": self._who(names, r.address), "amount": token.amount(r.owed)}
                for r in owed_rows
                if int(r.owed)
            ],
            "deferred": deferred,
            "milestones": milestones,
            "dispute": dispute,
            "timeline": [_timeline_json(e, names, self._who) for e in entries],
            "transactions": transactions,
            "gas_total": sum(t["gas_used"] for t in transactions),
            "other_events": other,
            "index": index,
        }


__all__ = ["SHOWN", "OrderPage"]
