"""The orders list: orders newest first, filtered, counted by status, token and route."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import and_, func, or_, select

from tradelane.explorer import db
from tradelane.explorer.parsing import ADDRESS, BadRequest
from tradelane.explorer.reader import IndexReader
from tradelane.types import Status

PER_PAGE = 50
STATUS_LABELS = [s.label for s in Status if s]


class OrdersList(IndexReader):
    """The orders list's data."""

    def orders(
        self,
        *,
        party: str = "",
        status: str = "",
        token: str = "",
        route: str = "",
        page: int = 1,
        per_page: int = PER_PAGE,
    ) -> dict[str, Any]:
        """Orders newest first, filtered by party (address or name), status, token (symbol or
        address) and route (a UN/LOCODE or country at either end, or ORIGIN-DESTINATION)."""
        o = db.orders.c
        if status and status.lower() not in STATUS_LABELS:
            raise BadRequest(f"unknown status {status!r}; one of {', '.join(STATUS_LABELS)}")
        if page < 1:
            raise BadRequest(f"page {page} does not exist: pages start at 1")
        with self.store.read() as conn:
            names = self.names(conn)
            where: list[Any] = []
            if party.strip():
                wanted = party.strip()
                addresses: list[str]
                if ADDRESS.match(wanted):
                    addresses = [to_checksum_address(wanted)]
                else:
                    addresses = [a for a, n in names.items() if n.lower() == wanted.lower()]
                where.append(
                    or_(o.buyer.in_(addresses), o.seller.in_(addresses), o.carrier.in_(addresses))
                )
            if status:
                where.append(o.status == status.lower())
            if token.strip():
                ref = token.strip()
                if ADDRESS.match(ref):
                    where.append(o.token == to_checksum_address(ref))
                else:
                    matching = [
                        r.address
                        for r in conn.execute(select(db.tokens))
                        if r.symbol.upper() == ref.upper()
                    ]
                    where.append(o.token.in_(matching))
            if route.strip():
                where.append(_route_filter(route.strip().upper()))
            condition = and_(*where) if where else None

            def counted(column: Any) -> dict[str, int]:
                query = select(column, func.count()).group_by(column)
                if condition is not None:
                    query = query.where(condition)
                return {str(k): int(v) for k, v in conn.execute(query).all()}

            total_all = int(conn.execute(select(func.count()).select_from(db.orders)).scalar() or 0)
            by_status = counted(o.status)
            by_token_address = counted(o.token)
            by_route = Counter[str]()
            route_query = select(o.origin, o.destination, func.count()).group_by(
                o.origin, o.destination
            )
            if condition is not None:
                route_query = route_query.where(condition)
            for origin, destination, count in conn.execute(route_query).all():
                by_route[_route_text(origin, destination)] += int(count)
            matched = sum(by_status.values())
            query = select(db.orders, db.labels.c.label, db.labels.c.source).outerjoin(
                db.labels, db.labels.c.order_id == o.order_id
            )
            if condition is not None:
                query = query.where(condition)
            query = (
                query.order_by(o.registered_block.desc(), o.registered_log.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            )
            rows = conn.execute(query).all()
            items = [self._summary(conn, names, r) for r in rows]
            by_token = Counter[str]()  # by symbol: each scenario deploys its own USDC
            for address, count in sorted(by_token_address.items()):
                by_token[self.token(conn, address).symbol or "unregistered"] += count
            index = self.status(conn)
        pages = max(1, -(-matched // per_page))
        return {
            "filters": {"party": party, "status": status, "token": token, "route": route},
            "total": total_all,
            "matched": matched,
            "page": page,
            "pages": pages,
            "per_page": per_page,
            "counts": {
                "status": {s: by_status[s] for s in STATUS_LABELS if s in by_status},
                "token": dict(by_token.most_common()),
                "route": dict(by_route.most_common()),
            },
            "orders": items,
            "index": index,
        }


def _route_filter(route: str) -> Any:
    o = db.orders.c
    if "-" in route:
        origin, _, destination = route.partition("-")
        return and_(_place_filter(o.origin, origin), _place_filter(o.destination, destination))
    return or_(_place_filter(o.origin, route), _place_filter(o.destination, route))


def _place_filter(column: Any, code: str) -> Any:
    code = code.strip()
    if len(code) == 2:
        return column.like(code + "%")
    return column == code


def _route_text(origin: str, destination: str) -> str:
    if not origin and not destination:
        return "unknown"
    return f"{origin or '?'} → {destination or '?'}"


__all__ = ["PER_PAGE", "STATUS_LABELS", "OrdersList"]
