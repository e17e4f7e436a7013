"""An order's timeline out: as DCSA Track & Trace 2.2 events, or as a GS1 EPCIS 2.0
JSON-LD document.

    events = dcsa_events(client, trade)          # a list that validates against T&T 2.2
    document = epcis_document(client, trade)     # an EPCISDocument of ObjectEvents

DCSA: an imported event comes back as it was imported (a short `BKG`/`TRD` document
reference type written in 2.2's long form, so that it validates); a checkpoint recorded by
hand becomes the event a carrier would have sent for it, with an eventID fixed by its
transaction, so importing the export records nothing new. Planned, estimated and skipped
events of the order's feeds come back too, in time order.

EPCIS: one ObjectEvent per checkpoint, with its CBV 2.0 bizStep and disposition, readPoint
and bizLocation named by UN/LOCODE, the order as bizTransaction and the document hash.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tradelane.standards import dcsa
from tradelane.standards.feeds import FeedStore, store_for
from tradelane.standards.track import synthetic_event_id
from tradelane.types import CheckpointKind, TimelineEntry, Trade

K = CheckpointKind
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
#: Tradelane's own terms in an EPCIS document (JSON-LD extension fields).
TRADELANE_NS = "urn:tradelane:epcis:"
LOCODE_URN = "urn:un:unece:uncefact:locode:"

#: checkpoint kind -> (CBV 2.0 bizStep, CBV 2.0 disposition, goods stay at the place)
CBV: dict[CheckpointKind, tuple[str, str, bool]] = {
    K.BOOKED: ("other", "active", False),
    K.PICKED_UP: ("collecting", "in_transit", False),
    K.EXPORT_CLEARED: ("inspecting", "conformant", True),
    K.LOADED: ("loading", "in_transit", False),
    K.DEPARTED: ("departing", "in_transit", False),
    K.ARRIVED: ("arriving", "in_transit", True),
    K.UNLOADED: ("unloading", "in_transit", True),
    K.IMPORT_CLEARED: ("inspecting", "conformant", True),
    K.OUT_FOR_DELIVERY: ("transporting", "in_transit", False),
    K.DELIVERED: ("receiving", "in_progress", True),
    K.EXCEPTION: ("other", "unknown", False),
    K.CUSTOMS_HOLD: ("holding", "unavailable", True),
    K.CUSTOMS_RELEASE: ("inspecting", "available", True),
    K.INSPECTION_PASSED: ("inspecting", "conformant", True),
    K.INSPECTION_FAILED: ("inspecting", "non_conformant", True),
}


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_urn(trade: Trade) -> str:
    """The order as a URI (EPCIS names the goods and the business transaction by it)."""
    return f"urn:tradelane:order:{trade.id_hex}"


def _checkpoints(client: Any, trade: Trade) -> list[TimelineEntry]:
    return [e for e in client.timeline(trade) if e.kind is not None]


def synthesized_event(client: Any, trade: Trade, entry: TimelineEntry) -> dict[str, Any] | None:
    """The DCSA 2.2 event a carrier would have sent for a checkpoint recorded by hand (None
    for exceptions and inspections, which T&T 2.2 has no event for)."""
    kind = entry.kind
    assert kind is not None
    when = _iso(entry.time)
    base: dict[str, Any] = {
        "eventID": synthetic_event_id(client.chain_id, entry),
        "eventCreatedDateTime": when,
        "eventDateTime": when,
        "eventClassifierCode": "ACT",
    }
    references = [{"referenceType": "PO", "referenceValue": trade.id_hex}]
    place = entry.location
    call = {
        "transportCallID": f"{entry.tx_hash}:{int(kind)}"[:100],
        "modeOfTransport": "VESSEL",
        **({"UNLocationCode": place} if place else {}),
    }
    document_id = entry.document_hash or trade.id_hex
    if kind in (K.EXPORT_CLEARED, K.IMPORT_CLEARED, K.CUSTOMS_RELEASE, K.CUSTOMS_HOLD):
        code = "HOLD" if kind == K.CUSTOMS_HOLD else "RELS"
        return {
            **base,
            "eventType": "SHIPMENT",
            "shipmentEventTypeCode": code,
            "documentTypeCode": "CUS",
            "documentID": document_id,
        }
    if kind == K.BOOKED:
        return {
            **base,
            "eventType": "SHIPMENT",
            "shipmentEventTypeCode": "CONF",
            "documentTypeCode": "BKG",
            "documentID": document_id,
        }
    if kind in (K.DEPARTED, K.ARRIVED):
        return {
            **base,
            "eventType": "TRANSPORT",
            "transportEventTypeCode": "DEPA" if kind == K.DEPARTED else "ARRI",
            "transportCall": call,
            "references": references,
        }
    equipment = {
        K.PICKED_UP: "PICK",
        K.LOADED: "LOAD",
        K.UNLOADED: "DISC",
        K.OUT_FOR_DELIVERY: "GTOT",
        K.DELIVERED: "DROP",
    }.get(kind)
    if equipment is None:
        return None
    event: dict[str, Any] = {
        **base,
        "eventType": "EQUIPMENT",
        "equipmentEventTypeCode": equipment,
        "emptyIndicatorCode": "LADEN",
        "references": references,
    }
    if equipment in ("LOAD", "DISC"):
        event["transportCall"] = call
    elif place:
        event["eventLocation"] = {"UNLocationCode": place}
    return event


def dcsa_events(client: Any, trade: Trade, store: FeedStore | None = None) -> list[dict[str, Any]]:
    """The order's timeline as DCSA T&T 2.2 events, in time order."""
    store = store if store is not None else store_for(client)
    stored = store.events(client, trade.id_hex)
    out: list[dict[str, Any]] = []
    emitted: set[str] = set()
    for entry in _checkpoints(client, trade):
        eid = dcsa.event_id_of_uri(entry.uri)
        if eid is not None and eid in stored and stored[eid].sha256 == entry.document_hash:
            if eid not in emitted:
                out.append(dcsa.normalised(stored[eid].event))
                emitted.add(eid)
            continue
        event = synthesized_event(client, trade, entry)
        if event is not None and event["eventID"] not in emitted:
            out.append(event)
            emitted.add(event["eventID"])
    for eid, item in stored.items():
        if eid not in emitted:
            out.append(dcsa.normalised(item.event))
            emitted.add(eid)
    return [event for _index, event in dcsa.sort_events(out)]


def _offset(text: str) -> str:
    stamp = datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    delta = stamp.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def epcis_document(client: Any, trade: Trade, store: FeedStore | None = None) -> dict[str, Any]:
    """The order's checkpoints as an EPCIS 2.0 document of ObjectEvents."""
    store = store if store is not None else store_for(client)
    stored = store.events(client, trade.id_hex)
    events: list[dict[str, Any]] = []
    used: set[str] = set()
    latest = int(client.w3.eth.get_block("latest")["timestamp"])
    for entry in _checkpoints(client, trade):
        kind = entry.kind
        assert kind is not None
        eid = dcsa.event_id_of_uri(entry.uri)
        original = stored[eid].event if eid is not None and eid in stored else None
        event_id = synthetic_event_id(client.chain_id, entry)
        if eid is not None and original is not None:
            event_id = eid
        if event_id in used:  # one DCSA event, two checkpoints (a release and a clearance)
            event_id = str(uuid.uuid5(uuid.UUID(event_id), kind.label))
        used.add(event_id)
        when = str(original["eventDateTime"]) if original is not None else _iso(entry.time)
        biz_step, disposition, stays = CBV[kind]
        event: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventTime": when,
            "eventTimeZoneOffset": _offset(when),
            "recordTime": _iso(entry.time),
            "eventID": f"urn:uuid:{event_id}",
            "epcList": [order_urn(trade)],
            "action": "OBSERVE",
            "bizStep": biz_step,
            "disposition": disposition,
        }
        if entry.location:
            event["readPoint"] = {"id": LOCODE_URN + entry.location}
            if stays:
                event["bizLocation"] = {"id": LOCODE_URN + entry.location}
        event["bizTransactionList"] = [{"type": "po", "bizTransaction": order_urn(trade)}]
        event["tradelane:checkpoint"] = kind.label
        if entry.document_hash:
            event["tradelane:document"] = entry.document_hash
        event["tradelane:transaction"] = entry.tx_hash
        events.append(event)
    return {
        "@context": [EPCIS_CONTEXT, {"tradelane": TRADELANE_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(latest),
        "epcisBody": {"eventList": events},
    }


__all__ = ["CBV", "dcsa_events", "epcis_document", "order_urn", "synthesized_event"]
