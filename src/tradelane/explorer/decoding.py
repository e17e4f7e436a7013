"""Decoding the suites' logs, and turning each event into its database rows."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradelane._client.addresses import to_checksum_address
from tradelane._client.timeline import timeline_entry
from tradelane.client import Token, TradeClient
from tradelane.explorer import db
from tradelane.explorer.chain import _ChainMoved, _hex
from tradelane.explorer.db import to_json
from tradelane.types import DecodedEvent, TimelineEntry

_TIMELINE_FIELDS = {
    "time",
    "block",
    "actor",
    "action",
    "location",
    "document",
    "money",
    "amounts",
    "tx_hash",
}


@dataclass
class _OrderInfo:
    order_id: str
    token: Token
    client: TradeClient


@dataclass
class _Log:
    raw: Any
    block: int
    log_index: int
    tx_hash: str
    address: str
    contract: str
    client: TradeClient
    decoded: DecodedEvent | None
    order_id: str | None = None


def decode_logs(
    sources: Mapping[str, tuple[TradeClient, str]],
    raw_logs: Sequence[Any],
    headers: Mapping[int, tuple[str, int, int]],
) -> list[_Log]:
    logs: list[_Log] = []
    for raw in raw_logs:
        number = int(raw["blockNumber"])
        if _hex(raw["blockHash"]) != headers[number][0]:
            raise _ChainMoved()
        address = to_checksum_address(raw["address"])
        client, contract = sources[address]
        logs.append(
            _Log(
                raw,
                number,
                int(raw["logIndex"]),
                _hex(raw["transactionHash"]),
                address,
                contract,
                client,
                client.events.decode(raw),
            )
        )
    return logs


def event_rows(
    logs: Sequence[_Log],
    known: Mapping[str, _OrderInfo],
    headers: Mapping[int, tuple[str, int, int]],
    receipts: Mapping[str, dict[str, Any]],
    tx_blocks: Mapping[str, int],
    new_orders: Sequence[Mapping[str, Any]],
) -> dict[Any, list[dict[str, Any]]]:
    """The rows of the logs' events, their orders' timeline entries and documents, and
    their transactions."""
    events, entries, documents = [], [], []
    terms_documents = {
        row["order_id"]: json.loads(row["terms"]).get("document_hash", "") for row in new_orders
    }
    senders: dict[str, str] = {}
    for log in logs:
        event = log.decoded
        events.append(
            {
                "block": log.block,
                "log_index": log.log_index,
                "tx_hash": log.tx_hash,
                "address": log.address,
                "contract": log.contract,
                "name": event.name if event is not None else "",
                "order_id": log.order_id,
                "args": to_json(event.args) if event is not None else "{}",
                # As they came, where the client could not decode them (else: in args).
                "topics": to_json([bytes(t) for t in log.raw["topics"]]) if event is None else "[]",
                "data": "0x" + bytes(log.raw["data"]).hex() if event is None else "",
            }
        )
        if log.order_id is None or event is None:
            continue
        info = known[log.order_id]
        if log.tx_hash not in senders:
            receipt = receipts[log.tx_hash]
            sender = receipt["sender"]
            proxied = receipt["to"]
            if proxied and proxied in info.client._proxies:
                sender = proxied  # a contract account's own action
            senders[log.tx_hash] = sender
        if event.name == "CheckpointRecorded" and "actor" in event.args:
            # What the checkpoint releases is the recorder's doing, not the relayer's.
            senders[log.tx_hash] = to_checksum_address(event.args["actor"])
        timestamp = headers[log.block][1]
        sender = to_checksum_address(senders[log.tx_hash])
        try:
            entry = timeline_entry(event, info.token, info.client, timestamp, sender)
        except Exception:  # an event (or a value) the client's timeline does not know yet
            entry = TimelineEntry(timestamp, log.block, sender, event.name, tx_hash=log.tx_hash)
        if entry is not None:
            entries.append(_timeline_row(entry, log, info.token))
        kind = entry.action if entry is not None else event.name
        for key, value in event.args.items():
            if (
                "document" in key.lower()
                and isinstance(value, bytes)
                and len(value) == 32
                and any(value)
            ):
                documents.append(
                    {
                        "hash": "0x" + value.hex(),
                        "block": log.block,
                        "log_index": log.log_index,
                        "order_id": log.order_id,
                        "kind": kind,
                    }
                )
        if event.name == "OrderRegistered":
            terms_doc = terms_documents.get(log.order_id, "")
            if terms_doc and int(terms_doc, 16):
                documents.append(
                    {
                        "hash": terms_doc,
                        "block": log.block,
                        "log_index": log.log_index,
                        "order_id": log.order_id,
                        "kind": "terms",
                    }
                )
    transactions = [
        {
            "hash": h,
            "block": tx_blocks[h],
            "sender": r["sender"],
            "to": r["to"],
            "gas_used": r["gas_used"],
            "gas_price": r["gas_price"],
            "status": r["status"],
        }
        for h, r in receipts.items()
    ]
    return {
        db.events: events,
        db.timeline: entries,
        db.documents: documents,
        db.transactions: transactions,
    }


#: What a TimelineEntry carries beyond the columns (fields a newer client may add).
_EXTRA_FIELDS = [
    f.name for f in dataclasses.fields(TimelineEntry) if f.name not in _TIMELINE_FIELDS
]


def _timeline_row(entry: TimelineEntry, log: _Log, token: Token) -> dict[str, Any]:
    extra = {name: getattr(entry, name) for name in _EXTRA_FIELDS}
    return {
        "block": log.block,
        "log_index": log.log_index,
        "order_id": log.order_id,
        "time": int(entry.time),
        "actor": entry.actor,
        "action": entry.action,
        "location": entry.location,
        "document": entry.document,
        "money": entry.money,
        "amounts": json.dumps({k: _units(v, token) for k, v in entry.amounts.items()}),
        "tx_hash": entry.tx_hash or log.tx_hash,
        "extra": to_json(extra),
    }


def _units(amount: Decimal, token: Token) -> int:
    return int(amount.scaleb(token.decimals))


__all__ = ["decode_logs", "event_rows"]
