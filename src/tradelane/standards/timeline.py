"""An order's timeline with what the feed store knows: each imported checkpoint's own time
(the carrier's eventDateTime, beside the block time) and the planned and estimated events
that never go on chain.

    entries = order_timeline(client, trade)     # client.timeline(trade), enriched
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tradelane.standards import dcsa
from tradelane.standards.feeds import FeedStore, store_for
from tradelane.types import CheckpointKind, TimelineEntry, Trade

#: What a planned or estimated DCSA event would become as a checkpoint, for its label.
_PLANNED_LABELS = {
    "DEPA": "departed",
    "ARRI": "arrived",
    "LOAD": "loaded",
    "DISC": "unloaded",
    "GTIN": "gate in",
    "GTOT": "gate out",
    "PICK": "pick-up",
    "DROP": "drop-off",
}


def planned_label(event: dict[str, Any]) -> str:
    code = dcsa.event_code(event)
    return _PLANNED_LABELS.get(code, code.lower().replace("·", " "))


def order_timeline(
    client: Any, trade: Trade, store: FeedStore | None = None
) -> list[TimelineEntry]:
    """`client.timeline(trade)` with each imported event's own time, then the planned and
    estimated events of the order's feeds, in their time order."""
    store = store if store is not None else store_for(client)
    stored = store.events(client, trade.id_hex)
    entries: list[TimelineEntry] = []
    for entry in client.timeline(trade):
        eid = dcsa.event_id_of_uri(entry.uri) if entry.kind is not None else None
        if eid is not None and eid in stored:
            entry = dataclasses.replace(entry, event_time=dcsa.event_timestamp(stored[eid].event))
        entries.append(entry)
    planned = [s for s in stored.values() if s.classifier in ("PLN", "EST")]
    planned.sort(key=lambda s: dcsa.event_timestamp(s.event))
    for item in planned:
        event = item.event
        when = dcsa.event_timestamp(event)
        word = "planned" if item.classifier == "PLN" else "estimated"
        entries.append(
            TimelineEntry(
                time=when,
                block=0,
                actor=None,
                action=f"{planned_label(event)} ({word})",
                location=dcsa.event_location(event),
                document="",
                document_hash=item.sha256,
                uri=dcsa.urn(item.event_id),
                event_time=when,
                planned=word,
            )
        )
    return entries


def documents(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The checkpoints that record a document, for a list a person can check by hash."""
    return [e for e in entries if e.kind is not None and e.document_hash and not e.planned]


def kind_label(kind: CheckpointKind | None) -> str:
    return kind.label if kind is not None else ""


__all__ = ["documents", "order_timeline", "planned_label"]
