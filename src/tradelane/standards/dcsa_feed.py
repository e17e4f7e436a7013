"""DCSA T&T 2.2 events: validating a feed against the bundled schema, reading their fields."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tradelane.errors import TradelaneError
from tradelane.standards.locode import LOCODE

SCHEMA_FILE = "tnt-2.2.0-events.schema.json"
EVENT_TYPES = {
    "TRANSPORT": "transportEvent",
    "EQUIPMENT": "equipmentEvent",
    "SHIPMENT": "shipmentEvent",
}
#: T&T 2.2 writes these two enum values with their description; feeds often send the code.
SHORT_REFERENCE_TYPES = {"BKG": "BKG (Booking)", "TRD": "TRD (Transport Document)"}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class FeedInvalid(TradelaneError):
    """A feed that is not valid T&T 2.2 (exit 2): names the event's index, its eventID and
    the field."""

    exit_code = 2

    def __init__(
        self, file: str, message: str, index: int | None = None, event_id: str | None = None
    ) -> None:
        self.file = file
        self.index = index
        self.event_id = event_id
        self.message = message
        where = ""
        if index is not None:
            where = f"event {index}" + (f" (eventID {event_id})" if event_id else "") + ": "
        super().__init__(f"{file}: {where}{message}")


# ---------------------------------------------------------------------------- validation


@cache
def schema() -> dict[str, Any]:
    """The bundled T&T 2.2.0 event schema (shipped in the package, read once)."""
    text = resources.files("tradelane.standards").joinpath("schemas", SCHEMA_FILE).read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time, checked by pattern and by the calendar (2025-02-30 is not)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))  # raises ValueError
    return True


def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(["uuid"])
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        {"$ref": f"#/$defs/{name}", "$defs": schema()["$defs"]}, format_checker=_format_checker()
    )


def _accepting_short_forms(event: dict[str, Any]) -> dict[str, Any]:
    """A copy with `BKG`/`TRD` document reference types in 2.2's long form (quirk of 2.2)."""
    refs = event.get("documentReferences")
    if not isinstance(refs, list):
        return event
    fixed = []
    for ref in refs:
        if isinstance(ref, dict) and ref.get("documentReferenceType") in SHORT_REFERENCE_TYPES:
            ref = {
                **ref,
                "documentReferenceType": SHORT_REFERENCE_TYPES[ref["documentReferenceType"]],
            }
        fixed.append(ref)
    return {**event, "documentReferences": fixed}


def normalised(event: dict[str, Any]) -> dict[str, Any]:
    """The event as T&T 2.2 writes it: short document reference types in the long form.
    Everything else stays as the carrier wrote it."""
    return _accepting_short_forms(event)


def _field(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(the event)"


def event_problems(event: Any) -> list[str]:
    """What is wrong with one event, field first; empty when it is valid T&T 2.2."""
    if not isinstance(event, dict):
        return [f"(the event): an event is a JSON object, not {type(event).__name__}"]
    if "metadata" in event and "payload" in event:
        return ["(the event): this is a T&T 3.0 event (metadata/payload); only 2.2 is read"]
    kind = event.get("eventType")
    if kind not in EVENT_TYPES:
        return [f"eventType: {kind!r} is not one of TRANSPORT, EQUIPMENT, SHIPMENT"]
    checked = _accepting_short_forms(event)
    errors = sorted(
        _validator(EVENT_TYPES[kind]).iter_errors(checked),
        key=lambda e: (len(list(e.absolute_path)), _field(e.absolute_path), e.message),
    )
    problems = [f"{_field(e.absolute_path)}: {e.message}" for e in errors]
    if problems:
        return problems
    for where, code in _locodes(event):
        if not LOCODE.match(code):
            problems.append(
                f"{where}: {code!r} is not a UN/LOCODE (two capital letters, then three "
                "letters or digits 2-9)"
            )
    if "eventID" not in event:
        problems.append("eventID: required (Tradelane tells an event from its repeats by it)")
    return problems


def _locodes(event: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key in ("transportCall", "eventLocation"):
        place = event.get(key)
        if isinstance(place, dict) and isinstance(place.get("UNLocationCode"), str):
            found.append((f"{key}.UNLocationCode", place["UNLocationCode"]))
    return found


def validate_feed(data: Any, file: str = "<feed>") -> list[dict[str, Any]]:
    """The feed's events, if every one is valid; else FeedInvalid for the first bad one.
    The same event (same eventID, same content) may repeat; one eventID with two contents
    is refused."""
    if not isinstance(data, list):
        raise FeedInvalid(file, "a feed is a JSON array of DCSA T&T 2.2 events")
    seen: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, event in enumerate(data):
        ident = event.get("eventID") if isinstance(event, dict) else None
        ident = ident if isinstance(ident, str) else None
        problems = event_problems(event)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise FeedInvalid(file, problems[0] + more, index, ident)
        assert ident is not None
        key = ident.lower()
        if key in seen and seen[key][1] != event:
            raise FeedInvalid(
                file,
                f"eventID: repeats event {seen[key][0]}'s eventID with other content",
                index,
                ident,
            )
        seen.setdefault(key, (index, event))
    return list(data)


def load_feed(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a feed file; FeedInvalid (exit 2) if it cannot be used whole."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FeedInvalid(file, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FeedInvalid(file, "not UTF-8 text") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FeedInvalid(file, f"not valid JSON: {exc}") from None
    return validate_feed(data, file)


# ---------------------------------------------------------------------------- reading events


def event_time(event: dict[str, Any]) -> datetime:
    """The event's own time (eventDateTime), as an aware datetime."""
    text = str(event.get("eventDateTime") or event.get("eventCreatedDateTime"))
    return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))


def event_timestamp(event: dict[str, Any]) -> int:
    return int(event_time(event).timestamp())


def event_code(event: dict[str, Any]) -> str:
    """TRANSPORT ARRI, EQUIPMENT LOAD, SHIPMENT CUS·RELS: the code the mapping reads."""
    kind = event["eventType"]
    if kind == "TRANSPORT":
        return str(event["transportEventTypeCode"])
    if kind == "EQUIPMENT":
        return str(event["equipmentEventTypeCode"])
    return f"{event['documentTypeCode']}·{event['shipmentEventTypeCode']}"


def event_location(event: dict[str, Any]) -> str:
    """The UN/LOCODE the event happened at ("" when it names none)."""
    for _where, code in _locodes(event):
        return code
    return ""


def urn(event_id: str) -> str:
    """The checkpoint URI that names a DCSA event: urn:uuid:<eventID> (RFC 9562)."""
    return f"urn:uuid:{event_id.lower()}"


def event_id_of_uri(uri: str) -> str | None:
    if uri.lower().startswith("urn:uuid:"):
        try:
            return str(uuid.UUID(uri[9:]))
        except ValueError:
            return None
    return None


def codes_in_schema() -> dict[str, list[str]]:
    """Every code T&T 2.2 defines, by the field that carries it (for coverage checks)."""
    defs = schema()["$defs"]
    return {
        name: list(defs[name]["enum"])
        for name in (
            "transportEventTypeCode",
            "equipmentEventTypeCode",
            "shipmentEventTypeCode",
            "documentTypeCode",
            "emptyIndicatorCode",
        )
    }


def sort_events(events: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(index in the feed, event), in the order they happened (stable for equal times)."""
    indexed = list(enumerate(events))
    indexed.sort(key=lambda pair: event_time(pair[1]).astimezone(UTC))
    return indexed


__all__ = [
    "FeedInvalid",
    "codes_in_schema",
    "event_code",
    "event_id_of_uri",
    "event_location",
    "event_problems",
    "event_time",
    "event_timestamp",
    "load_feed",
    "normalised",
    "schema",
    "sort_events",
    "urn",
    "validate_feed",
]
