"""Valid DCSA T&T 2.2 events for tests, one builder per event type."""

from __future__ import annotations

import uuid
from typing import Any


def _base(event_type: str, when: str, classifier: str) -> dict[str, Any]:
    return {
        "eventID": str(uuid.uuid4()),
        "eventCreatedDateTime": when,
        "eventType": event_type,
        "eventClassifierCode": classifier,
        "eventDateTime": when,
    }


def transport(
    code: str, at: str, *, when: str = "2025-03-07T21:45:00+08:00", classifier: str = "ACT"
) -> dict[str, Any]:
    return {
        **_base("TRANSPORT", when, classifier),
        "transportEventTypeCode": code,
        "transportCall": {
            "transportCallID": f"{at}-451W",
            "modeOfTransport": "VESSEL",
            "UNLocationCode": at,
            "vessel": {"vesselIMONumber": "9321483", "vesselName": "Emma Maersk"},
        },
    }


def equipment(
    code: str,
    at: str | None,
    *,
    laden: bool = True,
    when: str = "2025-03-07T06:20:00+08:00",
    classifier: str = "ACT",
    call: bool = False,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        **_base("EQUIPMENT", when, classifier),
        "equipmentEventTypeCode": code,
        "equipmentReference": "MSKU7788123",
        "ISOEquipmentCode": "45G1",
        "emptyIndicatorCode": "LADEN" if laden else "EMPTY",
    }
    if at is not None and call:
        event["transportCall"] = {
            "transportCallID": f"{at}-451W",
            "modeOfTransport": "VESSEL",
            "UNLocationCode": at,
        }
    elif at is not None:
        event["eventLocation"] = {"UNLocationCode": at}
    return event


def shipment(
    document: str, code: str, *, when: str = "2025-03-05T16:40:00+08:00", classifier: str = "ACT"
) -> dict[str, Any]:
    return {
        **_base("SHIPMENT", when, classifier),
        "shipmentEventTypeCode": code,
        "documentTypeCode": document,
        "documentID": f"{document}-0042",
    }
