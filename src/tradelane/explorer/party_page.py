"""The party page: a party's track record, roles, refunds and last trades."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from tradelane.explorer import db
from tradelane.explorer.formatting import TokenInfo, _json
from tradelane.explorer.parsing import NotFound, parse_address
from tradelane.explorer.reader import IndexReader
from tradelane.types import Status

LAST_TRADES = 10


class PartyPage(IndexReader):
    """The party page's data."""

    def party(self, address: str) -> dict[str, Any]:
        who = parse_address(address)
        o = db.orders.c
        involved = or_(o.buyer == who, o.seller == who, o.carrier == who)
        with self.store.read() as conn:
            names = self.names(conn)

            def count(*where: Any) -> int:
                query = select(func.count()).select_from(db.orders).where(*where)
                return int(conn.execute(query).scalar() or 0)

            trades = count(involved)
            records = conn.execute(select(db.parties).where(db.parties.c.address == who)).all()
            if not trades and not records:
                raise NotFound(f"{who} has no trades in this index ({self.store.label})")
            rows = conn.execute(
                select(db.orders, db.labels.c.label, db.labels.c.source)
                .outerjoin(db.labels, db.labels.c.order_id == o.order_id)
                .where(involved)
                .order_by(o.registered_block.desc(), o.registered_log.desc())
                .limit(LAST_TRADES)
            ).all()
            refunded = conn.execute(
                select(o.token, o.buyer, o.seller, o.buyer_refunded).where(
                    or_(o.buyer == who, o.seller == who), o.buyer_refunded != "0"
                )
            ).all()
            roles = {
                "buyer": count(o.buyer == who),
                "seller": count(o.seller == who),
                "carrier": count(o.carrier == who),
            }
            completed_sales = count(o.seller == who, o.status == Status.COMPLETED.label)
            by_status = {
                str(k): int(v)
                for k, v in conn.execute(
                    select(o.status, func.count()).where(involved).group_by(o.status)
                ).all()
            }
            tokens = {
                t: self.token(conn, t)
                for t in {r.token for r in [*rows, *records]} | {r.token for r in refunded}
            }
            summaries = [self._summary(conn, names, r) for r in rows]
            index = self.status(conn)
        reputation = {}
        totals = Counter[str]()
        for rec in records:
            token = tokens[rec.token]
            reputation[token.symbol] = {
                "completed": int(rec.completed),
                "disputes_opened": int(rec.disputes_opened),
                "disputes_won": int(rec.disputes_won),
                "disputes_lost": int(rec.disputes_lost),
                "on_time": int(rec.on_time),
                "volume": token.amount(rec.volume),
                "owed": token.amount(rec.owed),
            }
            for key in ("completed", "disputes_opened", "disputes_won", "disputes_lost", "on_time"):
                totals[key] += int(getattr(rec, key))
        on_time = totals["on_time"]
        share = on_time / completed_sales if completed_sales else None
        refunded_amounts: dict[str, int] = defaultdict(int)
        for r in refunded:
            refunded_amounts[r.token] += int(r.buyer_refunded)
        last = []
        for r, summary in zip(rows, summaries, strict=True):
            role = "seller" if r.seller == who else "buyer" if r.buyer == who else "carrier"
            other = r.buyer if role == "seller" else r.seller
            last.append(
                {
                    **summary,
                    "role": role,
                    "counterparty": self._who(names, other),
                    "outcome": _outcome(r, tokens[r.token]),
                }
            )
        return {
            "address": who,
            "name": names.get(who, ""),
            "roles": roles,
            "trades": trades,
            "completed": totals["completed"],
            "reputation": reputation,
            "totals": dict(totals),
            "on_time": {
                "deliveries": on_time,
                "completed_sales": completed_sales,
                "share": None if share is None else round(share, 4),
            },
            "disputes": {
                "opened": totals["disputes_opened"],
                "won": totals["disputes_won"],
                "lost": totals["disputes_lost"],
            },
            "refunds": {
                "as_buyer": sum(1 for r in refunded if r.buyer == who),
                "as_seller": sum(1 for r in refunded if r.seller == who),
                "amounts": {
                    tokens[t].symbol: tokens[t].amount(v) for t, v in refunded_amounts.items() if v
                },
            },
            "volume": {s: rec["volume"] for s, rec in reputation.items()},
            "by_status": by_status,
            "last_trades": last,
            "index": index,
        }


def _outcome(r: Any, token: TokenInfo) -> str:
    state = _json(r.state)
    status = r.status
    if status == Status.COMPLETED.label:
        return "completed on time" if state.get("delivered_on_time") else "completed late"
    if status == Status.REFUNDED.label:
        return f"refunded {token.show(r.buyer_refunded)}"
    if status == Status.RESOLVED.label:
        return (
            f"resolved: {token.show(r.seller_received)} to the seller, "
            f"{token.show(r.buyer_refunded)} back to the buyer"
        )
    if status == Status.CANCELLED.label:
        return "cancelled"
    return f"open ({status.replace('_', ' ')})"


__all__ = ["LAST_TRADES", "PartyPage"]
