"""Which order each log belongs to: known orders, new registrations, disputes."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from tradelane._client.addresses import to_checksum_address
from tradelane._client.registration import unpack_registration
from tradelane.client import Token, TradeClient
from tradelane.explorer import db
from tradelane.explorer.chain import _hex, _parts
from tradelane.explorer.db import Store
from tradelane.explorer.decoding import _Log, _OrderInfo
from tradelane.types import ZERO_ADDRESS, DecodedEvent


class OrderMatcher:
    """The orders of the suites of `clients` (their escrows: `escrows`), and which order each
    arbitrator's dispute belongs to (its votes carry only the dispute id)."""

    def __init__(
        self, store: Store, clients: Sequence[TradeClient], escrows: Mapping[str, TradeClient]
    ) -> None:
        self.store = store
        self.clients = list(clients)
        self.escrows = escrows
        self.pending_disputes: list[tuple[tuple[str, str], str, int]] = []
        self.disputes = self.load_disputes()

    def load_disputes(self) -> dict[tuple[str, str], str]:
        with self.store.read() as conn:
            rows = conn.execute(select(db.disputes)).all()
        return {(r.arbitrator, r.dispute_id): r.order_id for r in rows}

    def reset(self) -> None:
        """The disputes as the database holds them (after a rollback or a reorg)."""
        self.disputes = self.load_disputes()
        self.pending_disputes.clear()

    def known_orders(self, conn: Connection, logs: Sequence[_Log]) -> dict[str, _OrderInfo]:
        """Orders already indexed whose id is an indexed topic of one of the logs."""
        candidates: set[str] = set()
        for log in logs:
            for topic in log.raw["topics"][1:3]:
                candidates.add(_hex(topic))
        candidates |= set(self.disputes.values())
        known: dict[str, _OrderInfo] = {}
        for part in _parts(sorted(candidates), 500):
            rows = conn.execute(
                select(db.orders.c.order_id, db.orders.c.token, db.orders.c.escrow).where(
                    db.orders.c.order_id.in_(part)
                )
            ).all()
            for r in rows:
                client = self.escrows.get(r.escrow, self.clients[0])
                known[r.order_id] = _OrderInfo(r.order_id, self.token(client, r.token), client)
        return known

    def token(self, client: TradeClient, address: str) -> Token:
        if not address:  # an order never registered
            return client.token(None)
        try:
            return client.token(to_checksum_address(address))
        except ValueError:  # not an ERC-20 we can read: its amounts in raw units
            token = Token(address[:10], to_checksum_address(address), 0)
            return client.register_token(token)

    def associate(
        self,
        logs: Sequence[_Log],
        known: dict[str, _OrderInfo],
        headers: Mapping[int, tuple[str, int, int]],
    ) -> list[dict[str, Any]]:
        """Give each log its order (registering new orders on the way); returns the new
        orders' rows."""
        new_orders: list[dict[str, Any]] = []
        for log in logs:
            topics = [_hex(t) for t in log.raw["topics"]]
            event = log.decoded
            if (
                event is not None
                and event.name == "OrderRegistered"
                and log.contract == "TradeEscrow"
                and len(topics) > 1
            ):
                row = _registration(log, topics[1], event, headers)
                if row is not None and row["order_id"] not in known:
                    new_orders.append(row)
                    known[row["order_id"]] = _OrderInfo(
                        row["order_id"], self.token(log.client, row["token"]), log.client
                    )
            elif (
                event is not None
                and event.name == "OrderCancelled"
                and log.contract == "TradeEscrow"
                and len(topics) > 1
                and topics[1] not in known
            ):
                # A quote withdrawn before anyone registered it: the id, and nothing more.
                row = _unregistered(log, topics[1], headers)
                new_orders.append(row)
                known[row["order_id"]] = _OrderInfo(
                    row["order_id"], self.token(log.client, ZERO_ADDRESS), log.client
                )
            if len(topics) > 1 and topics[1] in known:
                log.order_id = topics[1]
            elif len(topics) > 2 and topics[2] in known:
                log.order_id = topics[2]  # ERC-1497 Evidence: the group id is the order's
            elif len(topics) > 1:
                # An arbitrator's event about a dispute (a vote, a decision): its first
                # indexed topic is the dispute id, when the client says it has one.
                dispute = event.args.get("disputeId") if event is not None else int(topics[1], 16)
                if dispute is not None:
                    log.order_id = self.disputes.get((log.address, str(int(dispute))))
            if log.order_id and event is not None:
                args = event.args
                if "arbitrator" in args and "disputeId" in args:
                    key = (to_checksum_address(args["arbitrator"]), str(int(args["disputeId"])))
                    self.disputes[key] = log.order_id
                    self.pending_disputes.append((key, log.order_id, log.block))
        # Logs without an order of their own (a deferred payout, the arbitrator's side of
        # a ruling) belong to the one order their transaction is about.
        by_tx: dict[str, set[str]] = defaultdict(set)
        for log in logs:
            if log.order_id:
                by_tx[log.tx_hash].add(log.order_id)
        for log in logs:
            if log.order_id is None and len(by_tx.get(log.tx_hash, ())) == 1:
                (log.order_id,) = by_tx[log.tx_hash]
        return new_orders

    def dispute_rows(self) -> list[dict[str, Any]]:
        """The rows of the disputes found since the last call."""
        disputes = [
            {"arbitrator": key[0], "dispute_id": key[1], "order_id": oid, "block": block}
            for key, oid, block in self.pending_disputes
        ]
        self.pending_disputes.clear()
        return disputes


def _unregistered(
    log: _Log, order_id: str, headers: Mapping[int, tuple[str, int, int]]
) -> dict[str, Any]:
    at = headers[log.block][1]
    return {
        "order_id": order_id,
        "escrow": log.address,
        "buyer": "",
        "seller": "",
        "carrier": "",
        "arbitrator": "",
        "token": "",
        "price": "0",
        "terms": "{}",
        "registered_block": log.block,
        "registered_log": log.log_index,
        "registered_at": at,
        "last_block": log.block,
        "last_at": at,
        "status": "cancelled",
        "stage": "none",
        "on_hold": False,
        "state": "{}",
        "stale": True,
        "deposit": "0",
        "seller_received": "0",
        "buyer_refunded": "0",
        "fee": "0",
        "origin": "",
        "destination": "",
        "route_from": "",
    }


def _registration(
    log: _Log,
    order_id: str,
    event: DecodedEvent,
    headers: Mapping[int, tuple[str, int, int]],
) -> dict[str, Any] | None:
    a = event.args
    try:
        reg = unpack_registration(a["buyer"], a["seller"], bytes(a["packed"]))
    except (KeyError, ValueError, TypeError):
        return None  # a registration this toolkit cannot read: kept as an event only
    order, terms = reg.order, reg.terms
    at = headers[log.block][1]
    term_fields = {
        "incoterm": terms.incoterm.label,
        "ship_within": terms.ship_within,
        "deliver_within": terms.deliver_within,
        "inspection_window": terms.inspection_window,
        "valid_until": terms.valid_until,
        "document_hash": "0x" + terms.document_hash.hex(),
        "milestones": [[m.stage.label, m.bps] for m in terms.milestones],
        "panel": list(terms.panel),
        "fee_bps": reg.fee_bps,
        "risk_stage": reg.risk_stage.label,
    }
    # The route of the signed terms (UN/LOCODEs, "" where the order names none).
    origin, destination = getattr(terms, "route", ("", ""))
    return {
        "order_id": order_id,
        "escrow": log.address,
        "buyer": order.buyer,
        "seller": order.seller,
        "carrier": terms.carrier,
        "arbitrator": terms.arbitrator,
        "token": order.token,
        "price": str(order.price),
        "terms": json.dumps(term_fields),
        "registered_block": log.block,
        "registered_log": log.log_index,
        "registered_at": at,
        "last_block": log.block,
        "last_at": at,
        "status": "created",
        "stage": "none",
        "on_hold": False,
        "state": "{}",
        "stale": True,
        "deposit": "0",
        "seller_received": "0",
        "buyer_refunded": "0",
        "fee": "0",
        "origin": origin,
        "destination": destination,
        "route_from": "terms" if origin or destination else "",
    }


__all__ = ["OrderMatcher"]
