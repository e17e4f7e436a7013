"""What each page shows, read from the explorer's database: the same dict is the JSON twin
(`/api/...`) and what the HTML template renders.

Amounts are decimal strings in whole tokens (`"8553.6"`) beside the token's symbol, and
times are UNIX seconds of the chain's blocks. Nothing here talks to the chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address
from sqlalchemy import Connection, and_, func, or_, select

from tradelane.amounts import format_decimal, format_duration
from tradelane.client import document_hash
from tradelane.explorer import db
from tradelane.explorer.countries import country_name
from tradelane.explorer.db import Store
from tradelane.types import CheckpointKind, Stage, Status

ORDER_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH = ORDER_ID
PER_PAGE = 50
LAST_TRADES = 10
CHECKPOINT_LABELS = {k.label for k in CheckpointKind if k}
STATUS_LABELS = [s.label for s in Status if s]
#: Events whose names say they are a settlement offer (proposals, acceptances).
SETTLEMENT = re.compile(r"settlement|offer|propos", re.IGNORECASE)
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


class PageError(Exception):
    """A request the explorer cannot answer: `status` 400 (malformed) or 404 (unknown)."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(PageError):
    status = 400


class NotFound(PageError):
    status = 404


def parse_order_id(text: str) -> str:
    if not ORDER_ID.match(text or ""):
        raise BadRequest(f"{text!r} is not an order id: write 0x followed by 64 hex digits")
    return text.lower()


def parse_address(text: str) -> str:
    if not ADDRESS.match(text or ""):
        raise BadRequest(f"{text!r} is not an address: write 0x followed by 40 hex digits")
    return to_checksum_address(text)


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


class Explorer:
    """The pages' data from `store`; `names` (address: name) beside those stored."""

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

    # ------------------------------------------------------------------ the orders list

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

    # ------------------------------------------------------------------ one order

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

    # ------------------------------------------------------------------ one party

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

    # ------------------------------------------------------------------ documents

    def verify(self, candidates: Mapping[str, str]) -> dict[str, Any]:
        """Which orders and checkpoints recorded any of `candidates` ({how: 0x-hash})."""
        hashes = {how: h.lower() for how, h in candidates.items()}
        with self.store.read() as conn:
            names = self.names(conn)
            rows = conn.execute(
                select(db.documents, db.labels.c.label)
                .outerjoin(db.labels, db.labels.c.order_id == db.documents.c.order_id)
                .where(db.documents.c.hash.in_(set(hashes.values())))
                .order_by(db.documents.c.block, db.documents.c.log_index)
            ).all()
            found = []
            for r in rows:
                entry = conn.execute(
                    select(db.timeline).where(
                        and_(db.timeline.c.block == r.block, db.timeline.c.log_index == r.log_index)
                    )
                ).first()
                order = conn.execute(
                    select(db.orders.c.buyer, db.orders.c.status).where(
                        db.orders.c.order_id == r.order_id
                    )
                ).first()
                recorded_by = entry.actor if entry is not None else (order.buyer if order else None)
                block = conn.execute(
                    select(db.blocks.c.timestamp).where(db.blocks.c.number == r.block)
                ).scalar()
                found.append(
                    {
                        "hash": r.hash,
                        "matched_as": [how for how, h in hashes.items() if h == r.hash],
                        "order_id": r.order_id,
                        "label": r.label or "",
                        "recorded_as": r.kind,
                        "location": _place(entry.location) if entry is not None else None,
                        "recorded_by": self._who(names, recorded_by),
                        "time": int(block) if block is not None else None,
                        "block": int(r.block),
                        "tx": entry.tx_hash if entry is not None else "",
                    }
                )
        return {
            "candidates": [{"how": how, "hash": h} for how, h in hashes.items()],
            "recorded": bool(found),
            "records": found,
        }


# ---------------------------------------------------------------------- hashing for /verify


def hashes_of_text(text: str) -> dict[str, str]:
    """What a pasted value may stand for: a hash as given, else the client's hash of a
    document reference (`BL-0042`: its keccak-256)."""
    value = text.strip()
    if HASH.match(value):
        return {"hash as given": value.lower()}
    if not value:
        raise BadRequest("give a file, a document hash (0x + 64 hex digits) or a reference")
    return {"keccak-256 of the reference": "0x" + document_hash(value).hex()}


def hashes_of_file(content: bytes) -> dict[str, str]:
    """A document's hashes as the client and eBL platforms take them: keccak-256 of the
    bytes (the client's `document_hash`), SHA-256 of the bytes, and for a JSON file the
    SHA-256 of its RFC 8785 canonical form (what `tradelane doc hash` prints)."""
    if not content:
        raise BadRequest("the file is empty: choose the document to check")
    out = {
        "keccak-256 of the file": "0x" + keccak(content).hex(),
        "sha-256 of the file": "0x" + hashlib.sha256(content).hexdigest(),
    }
    try:
        parsed = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return out
    from tradelane.standards.documents import hash_json

    # JSON without a canonical form (a float RFC 8785 refuses) has the two hashes above.
    with contextlib.suppress(Exception):
        out["sha-256 of the RFC 8785 JSON"] = "0x" + hash_json(parsed).hex()
    return out


# ---------------------------------------------------------------------- the order's parts


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


def _deadlines(terms: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, int | None]:
    funded = int(state.get("funded_at", 0) or 0)
    delivered = int(state.get("delivered_at", 0) or 0)
    return {
        "ship_by": funded + int(terms.get("ship_within", 0)) if funded else None,
        "deliver_by": funded + int(terms.get("deliver_within", 0)) if funded else None,
        "inspection_ends": delivered + int(terms.get("inspection_window", 0))
        if delivered
        else None,
    }


def _journey(
    entries: Sequence[Any],
    docs: Mapping[tuple[int, int], str],
    names: Mapping[str, str],
    deadlines: Mapping[str, int | None],
    who: Any,
) -> list[dict[str, Any]]:
    journey = []
    for e in entries:
        if e.action not in CHECKPOINT_LABELS:
            continue
        kind = CheckpointKind.parse(e.action)
        punctual: str | None = None
        deadline = None
        if kind == CheckpointKind.PICKED_UP:
            deadline = deadlines["ship_by"]
        elif kind == CheckpointKind.DELIVERED:
            deadline = deadlines["deliver_by"]
        if deadline is not None:
            punctual = "on time" if int(e.time) <= deadline else "late"
        journey.append(
            {
                "kind": kind.label,
                "what": kind.label.replace("_", " "),
                "is_stage": bool(0 < int(kind) <= int(Stage.DELIVERED)),
                "recorder_role": kind.recorder,
                "time": int(e.time),
                "place": _place(e.location),
                "recorded_by": who(names, e.actor),
                "document": docs.get((int(e.block), int(e.log_index)), ""),
                "punctuality": punctual,
                "deadline": deadline,
                "extra": _json(e.extra),
                "details": _journey_details(_json(e.extra)),
                "tx": e.tx_hash,
                "block": int(e.block),
            }
        )
    return journey


def _journey_details(extra: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """What a checkpoint's other fields tell a reader, labelled, and only when they say
    something: its URI, the carrier's own event time, a planned or estimated event. (Its kind
    is the entry's title, its document hash is shown as `document`, lateness as the badge.)"""
    details: list[tuple[str, Any]] = []
    if extra.get("uri"):
        details.append(("uri", extra["uri"]))
    if extra.get("event_time"):
        details.append(("carrier's event time", int(extra["event_time"])))
    if extra.get("planned"):
        details.append(("carrier's plan", extra["planned"]))
    return details


def _holds(journey: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    holds: list[dict[str, Any]] = []
    for step in journey:
        if step["kind"] == CheckpointKind.CUSTOMS_HOLD.label:
            holds.append(
                {
                    "placed_at": step["time"],
                    "by": step["recorded_by"],
                    "place": step["place"],
                    "document": step["document"],
                    "released_at": None,
                    "released_by": None,
                }
            )
        elif step["kind"] == CheckpointKind.CUSTOMS_RELEASE.label and holds:
            open_holds = [h for h in holds if h["released_at"] is None]
            if open_holds:
                open_holds[-1]["released_at"] = step["time"]
                open_holds[-1]["released_by"] = step["recorded_by"]
    return holds


def _planned(
    deadlines: Mapping[str, int | None],
    journey: Sequence[Mapping[str, Any]],
    closed_at: int | None,
    as_of: int,
) -> list[dict[str, Any]]:
    """The terms' deadlines, each met, missed, still open at the index's time, or not
    reached when the order closed before them (`closed_at`: when a terminal order closed)."""
    done = {step["kind"]: step["time"] for step in reversed(journey)}
    now = closed_at if closed_at is not None else as_of
    out = []
    for key, what, kind in (
        ("ship_by", "picked up by", CheckpointKind.PICKED_UP.label),
        ("deliver_by", "delivered by", CheckpointKind.DELIVERED.label),
        ("inspection_ends", "inspection window ends", None),
    ):
        when = deadlines[key]
        if when is None:
            continue
        if kind is None:
            outcome = "passed" if now > when else ("open" if closed_at is None else "not reached")
        elif kind in done:
            outcome = "met" if done[kind] <= when else "missed"
        elif now > when:
            outcome = "missed"
        else:
            outcome = "open" if closed_at is None else "not reached"
        out.append({"what": what, "key": key, "time": when, "outcome": outcome})
    return out


def _money(token: TokenInfo, row: Any) -> dict[str, Any]:
    deposit = int(row.deposit)
    seller, buyer, fee = int(row.seller_received), int(row.buyer_refunded), int(row.fee)
    locked = deposit - seller - buyer - fee
    return {
        "deposit": token.amount(deposit),
        "locked": token.amount(locked),
        "seller_received": token.amount(seller),
        "buyer_refunded": token.amount(buyer),
        "fee": token.amount(fee),
        "units": {
            "deposit": str(deposit),
            "locked": str(locked),
            "seller_received": str(seller),
            "buyer_refunded": str(buyer),
            "fee": str(fee),
        },
    }


def _money_over_time(entries: Sequence[Any], token: TokenInfo) -> list[dict[str, Any]]:
    """After each event that moved the order's money: what is locked, the seller's, the
    buyer's and the fees (whole tokens)."""
    deposit = seller = buyer = fee = 0
    points = []
    for e in entries:
        amounts = _json(e.amounts)
        if not amounts:
            continue
        deposit += int(amounts.get("deposit", 0))
        seller += int(amounts.get("to_seller", 0))
        buyer += int(amounts.get("to_buyer", 0))
        fee += int(amounts.get("fee", 0))
        points.append(
            {
                "time": int(e.time),
                "action": e.action,
                "locked": token.amount(deposit - seller - buyer - fee),
                "seller": token.amount(seller),
                "buyer": token.amount(buyer),
                "fee": token.amount(fee),
            }
        )
    return points


def _milestones(
    terms: Mapping[str, Any],
    state: Mapping[str, Any],
    events: Sequence[Any],
    token: TokenInfo,
    row: Any,
    block_times: Mapping[int, int],
) -> list[dict[str, Any]]:
    price = int(row.price)
    released: dict[str, Any] = {}
    for e in events:
        if e.name == "MilestoneReleased":
            args = _json(e.args)
            try:
                stage = Stage(int(args["stage"])).label
            except (KeyError, ValueError):
                continue
            released[stage] = (args, block_times.get(e.block))
    current = state.get("stage", "none")
    try:
        reached_stage = Stage.parse(current)
    except ValueError:
        reached_stage = Stage.NONE
    out = []
    share_total = 0
    for stage_label, bps in terms.get("milestones", []):
        share_total += int(bps)
        milestone = Stage.parse(stage_label)
        got = released.get(milestone.label)
        entry: dict[str, Any] = {
            "stage": milestone.label,
            "share": f"{int(bps) / 100:g}%",
            "amount": token.amount(price * int(bps) // 10_000),
            "reached": int(reached_stage) >= int(milestone),
            "released": got is not None,
            "released_at": got[1] if got else None,
            "to_seller": token.amount(int(got[0].get("toSeller", 0))) if got else None,
            "fee": token.amount(int(got[0].get("fee", 0))) if got else None,
        }
        out.append(entry)
    rest = 10_000 - share_total
    if rest > 0:
        done = row.status == Status.COMPLETED.label
        out.append(
            {
                "stage": "completion",
                "share": f"{rest / 100:g}%",
                "amount": token.amount(price * rest // 10_000),
                "reached": done,
                "released": done,
                "released_at": int(row.last_at) if done else None,
                "to_seller": None,
                "fee": None,
            }
        )
    return out


def _dispute(
    events: Sequence[Any],
    names: Mapping[str, str],
    token: TokenInfo,
    block_times: Mapping[int, int],
    who: Any,
) -> dict[str, Any] | None:
    opened = next((e for e in events if e.name == "DisputeOpened"), None)
    offers = [e for e in events if e.name and SETTLEMENT.search(e.name)]
    if opened is None and not offers:
        return None
    out: dict[str, Any] = {
        "opened_by": None,
        "opened_at": None,
        "fee": None,
        "fee_deadline": None,
        "dispute_id": None,
        "evidence": [],
        "votes": [],
        "ruling": None,
        "settlement_offers": [
            {
                "name": e.name,
                "args": _json(e.args),
                "time": block_times.get(e.block),
                "tx": e.tx_hash,
            }
            for e in offers
        ],
    }
    for e in events:
        args = _json(e.args)
        when = block_times.get(e.block)
        if e.name == "DisputeOpened":
            out["opened_by"] = who(names, args.get("by"))
            out["opened_at"] = when
            out["fee"] = format_decimal(Decimal(int(args.get("fee", 0))).scaleb(-18)) + " ETH"
            out["fee_deadline"] = int(args.get("feeDeadline", 0)) or None
        elif e.name == "DisputeCreated":
            out["dispute_id"] = int(args.get("disputeId", 0))
        elif e.name == "Evidence":
            out["evidence"].append(
                {
                    "by": who(names, args.get("party")),
                    "evidence": args.get("evidence", ""),
                    "time": when,
                }
            )
        elif e.name == "VoteCast":
            ruling = int(args.get("ruling", 0))
            share = format_decimal(Decimal(ruling - 1) / 100) + "%" if ruling else "abstained"
            out["votes"].append(
                {"by": who(names, args.get("arbitrator")), "buyer_share": share, "time": when}
            )
        elif e.name == "DisputeResolved":
            out["ruling"] = {
                "buyer_share": format_decimal(Decimal(int(args.get("buyerShareBps", 0))) / 100)
                + "%",
                "to_buyer": token.amount(int(args.get("toBuyer", 0))),
                "to_seller": token.amount(int(args.get("toSeller", 0))),
                "fee": token.amount(int(args.get("fee", 0))),
                "by_default": bool(args.get("byDefault", False)),
                "time": when,
            }
    return out


def _deferred_amount(args: Mapping[str, Any], token: TokenInfo) -> str:
    address = str(args.get("token", ""))
    units = int(args.get("amount", 0))
    if address and int(address, 16) == 0:
        return format_decimal(Decimal(units).scaleb(-18)) + " ETH"
    return token.show(units)


def _timeline_json(e: Any, names: Mapping[str, str], who: Any) -> dict[str, Any]:
    return {
        "time": int(e.time),
        "block": int(e.block),
        "actor": who(names, e.actor),
        "action": e.action,
        "location": e.location,
        "document": e.document,
        "money": e.money,
        "tx": e.tx_hash,
        **_json(e.extra),
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


def _parts(items: Sequence[Any] | Iterable[Any], size: int) -> list[list[Any]]:
    seq = list(items)
    return [seq[i : i + size] for i in range(0, len(seq), size)]


__all__ = [
    "BadRequest",
    "Explorer",
    "NotFound",
    "PageError",
    "hashes_of_file",
    "hashes_of_text",
    "parse_address",
    "parse_order_id",
]
