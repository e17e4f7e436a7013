"""DCSA Track & Trace 2.2: reading a carrier's feed and what each event means for an order.

    events = load_feed("feed.json")              # FeedInvalid naming index, eventID and field
    rule, kinds = classify(event, route, stage, on_hold)

A feed is a JSON array of T&T 2.2 events (TransportEvent, EquipmentEvent, ShipmentEvent).
It is validated whole against the schema bundled in `schemas/` (DCSA's, Apache 2.0), plus
what the schema leaves to the reader: a UN/LOCODE's form, and one eventID per event.

`RULES` is the mapping from DCSA codes to checkpoints, read with the order's route: an
event at a call that is neither the origin nor the destination (a transhipment port) is
not the order's arrival, discharge, loading or departure. docs/STANDARDS.md shows the same
table, and the tests check both each row's behaviour and that the page matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tradelane.standards.dcsa_feed import (
    FeedInvalid,
    event_code,
    event_location,
    event_problems,
    event_time,
    load_feed,
    normalised,
    urn,
    validate_feed,
)
from tradelane.standards.dcsa_feed import codes_in_schema as codes_in_schema
from tradelane.standards.dcsa_feed import event_id_of_uri as event_id_of_uri
from tradelane.standards.dcsa_feed import event_timestamp as event_timestamp
from tradelane.standards.dcsa_feed import schema as schema
from tradelane.standards.dcsa_feed import sort_events as sort_events
from tradelane.types import CheckpointKind, Stage

# ---------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Context:
    """What a rule reads besides the event: the order's route and where it stands."""

    origin: str
    destination: str
    stage: Stage  # the carrier's track
    on_hold: bool
    clearance: Stage = Stage.NONE  # the customs track (export_cleared, import_cleared)


@dataclass(frozen=True)
class Rule:
    """One row of the mapping: events of `event_type` with `code` under `condition` become
    `kinds` (recorded in this order), or are skipped for `reason` when `kinds` is empty."""

    event_type: str
    code: str  # a code, "DOC·CODE" for shipment events, "DOC·*" for any code of DOC
    condition: str
    kinds: tuple[CheckpointKind, ...]
    reason: str = ""

    @property
    def becomes(self) -> str:
        if self.kinds:
            return " + ".join(k.label for k in self.kinds)
        return f"skipped: {self.reason}"


def _laden(event: dict[str, Any]) -> bool:
    return event.get("emptyIndicatorCode") == "LADEN"


def _at(which: str) -> Callable[[dict[str, Any], Context], bool]:
    def check(event: dict[str, Any], ctx: Context) -> bool:
        place = ctx.origin if which == "origin" else ctx.destination
        return bool(place) and event_location(event) == place

    return check


_at_origin, _at_destination = _at("origin"), _at("destination")


def _arrived(ctx: Context) -> bool:
    return ctx.stage >= Stage.ARRIVED


#: Conditions by the words the table uses. Each is checked in the row order of `RULES`.
CONDITIONS: dict[str, Callable[[dict[str, Any], Context], bool]] = {
    "any": lambda e, c: True,
    "at the origin": _at_origin,
    "at the destination": _at_destination,
    "elsewhere": lambda e, c: True,
    "empty": lambda e, c: not _laden(e),
    "laden, at the origin": lambda e, c: _laden(e) and _at_origin(e, c),
    "laden, at the destination": lambda e, c: _laden(e) and _at_destination(e, c),
    "laden, at the destination or once arrived": lambda e, c: (
        _laden(e) and (_at_destination(e, c) or _arrived(c))
    ),
    "laden, elsewhere": lambda e, c: _laden(e),
    "laden": lambda e, c: _laden(e),
    "on hold, before loading": lambda e, c: c.on_hold and c.stage < Stage.LOADED,
    "on hold, once arrived": lambda e, c: c.on_hold and _arrived(c),
    "on hold, at sea": lambda e, c: c.on_hold,
    "before loading": lambda e, c: c.stage < Stage.LOADED,
    "once arrived": lambda e, c: _arrived(c),
    "at sea": lambda e, c: True,
}

K = CheckpointKind
_DOCS = "a documentation event: no stage (a document's hash goes with a checkpoint as `document`)"
RULES: tuple[Rule, ...] = (
    Rule("TRANSPORT", "DEPA", "at the origin", (K.DEPARTED,)),
    Rule(
        "TRANSPORT",
        "DEPA",
        "elsewhere",
        (),
        "departure from a call that is not the origin (a transhipment port)",
    ),
    Rule("TRANSPORT", "ARRI", "at the destination", (K.ARRIVED,)),
    Rule(
        "TRANSPORT",
        "ARRI",
        "elsewhere",
        (),
        "arrival at a call that is not the destination (a transhipment port)",
    ),
    Rule("EQUIPMENT", "*", "empty", (), "an empty container moves: not the goods"),
    Rule("EQUIPMENT", "LOAD", "laden, at the origin", (K.LOADED,)),
    Rule(
        "EQUIPMENT",
        "LOAD",
        "laden, elsewhere",
        (),
        "loaded at a call that is not the origin (a transhipment port)",
    ),
    Rule("EQUIPMENT", "DISC", "laden, at the destination", (K.UNLOADED,)),
    Rule(
        "EQUIPMENT",
        "DISC",
        "laden, elsewhere",
        (),
        "discharged at a call that is not the destination (a transhipment port)",
    ),
    Rule("EQUIPMENT", "GTIN", "laden, at the origin", (K.PICKED_UP,)),
    Rule(
        "EQUIPMENT",
        "GTIN",
        "laden, elsewhere",
        (),
        "gated in at a terminal that is not the origin's",
    ),
    Rule("EQUIPMENT", "GTOT", "laden, at the destination", (K.OUT_FOR_DELIVERY,)),
    Rule(
        "EQUIPMENT",
        "GTOT",
        "laden, elsewhere",
        (),
        "gated out of a terminal that is not the destination's",
    ),
    Rule("EQUIPMENT", "PICK", "laden, at the destination or once arrived", (K.OUT_FOR_DELIVERY,)),
    Rule("EQUIPMENT", "PICK", "laden, elsewhere", (K.PICKED_UP,)),
    Rule("EQUIPMENT", "DROP", "laden, at the destination or once arrived", (K.DELIVERED,)),
    Rule(
        "EQUIPMENT",
        "DROP",
        "laden, elsewhere",
        (),
        "dropped off before arrival (at a terminal on the way out)",
    ),
    Rule(
        "EQUIPMENT",
        "STUF",
        "laden",
        (),
        "the container is packed: the carrier does not have the goods yet",
    ),
    Rule(
        "EQUIPMENT",
        "STRP",
        "laden",
        (),
        "the container is unpacked: delivery is its drop-off (DROP)",
    ),
    Rule(
        "EQUIPMENT",
        "INSP",
        "laden",
        (),
        "an inspection of the container: inspectors record their own results",
    ),
    Rule("EQUIPMENT", "RSEA", "laden", (), "the container was resealed: no stage"),
    Rule(
        "EQUIPMENT",
        "RMVD",
        "laden",
        (),
        "the container was removed: T&T 2.2 gives no more meaning",
    ),
    Rule("SHIPMENT", "BKG·CONF", "any", (K.BOOKED,)),
    Rule("SHIPMENT", "BKG·*", "any", (), "a booking step before its confirmation (CONF)"),
    Rule("SHIPMENT", "CUS·HOLD", "any", (K.CUSTOMS_HOLD,)),
    Rule("SHIPMENT", "CUS·RELS", "on hold, before loading", (K.CUSTOMS_RELEASE, K.EXPORT_CLEARED)),
    Rule("SHIPMENT", "CUS·RELS", "on hold, once arrived", (K.CUSTOMS_RELEASE, K.IMPORT_CLEARED)),
    Rule("SHIPMENT", "CUS·RELS", "on hold, at sea", (K.CUSTOMS_RELEASE,)),
    Rule("SHIPMENT", "CUS·RELS", "before loading", (K.EXPORT_CLEARED,)),
    Rule("SHIPMENT", "CUS·RELS", "once arrived", (K.IMPORT_CLEARED,)),
    Rule(
        "SHIPMENT",
        "CUS·RELS",
        "at sea",
        (),
        "a customs release while the goods are at sea: no end to clear",
    ),
    Rule(
        "SHIPMENT",
        "CUS·*",
        "any",
        (),
        "a step of a customs inspection (requested, completed...), not a decision",
    ),
    Rule("SHIPMENT", "CBR·*", "any", (), "a booking request: the booking is BKG·CONF"),
    Rule("SHIPMENT", "SHI·*", "any", (), _DOCS),
    Rule("SHIPMENT", "SRM·*", "any", (), _DOCS),
    Rule("SHIPMENT", "TRD·*", "any", (), _DOCS),
    Rule("SHIPMENT", "ARN·*", "any", (), _DOCS),
    Rule("SHIPMENT", "VGM·*", "any", (), _DOCS),
    Rule("SHIPMENT", "CAS·*", "any", (), "a cargo survey: inspectors record their own results"),
    Rule("SHIPMENT", "DGD·*", "any", (), _DOCS),
    Rule("SHIPMENT", "OOG·*", "any", (), _DOCS),
)

#: Rules that read where the event happened: without a route or a UN/LOCODE they cannot apply.
NEEDS_LOCATION = frozenset(
    {"at the origin", "at the destination", "laden, at the origin", "laden, at the destination"}
)


def _matches(rule: Rule, event: dict[str, Any]) -> bool:
    if rule.event_type != event.get("eventType"):
        return False
    code = event_code(event)
    if rule.code == "*":
        return True
    if rule.code.endswith("·*"):
        return code.split("·")[0] == rule.code[:-2]
    return code == rule.code


def classify(event: dict[str, Any], ctx: Context) -> Rule:
    """The first rule of `RULES` that fits the event (an ACT event) in this context."""
    for rule in RULES:
        if _matches(rule, event) and CONDITIONS[rule.condition](event, ctx):
            return rule
    raise AssertionError(f"no rule for {event_code(event)}")  # pragma: no cover - total table


def mapping_table() -> str:
    """`RULES` as the Markdown table docs/STANDARDS.md shows."""
    lines = [
        "| event | code | when | becomes |",
        "| --- | --- | --- | --- |",
    ]
    for rule in RULES:
        code = rule.code.replace("·", " · ")
        lines.append(f"| {rule.event_type} | {code} | {rule.condition} | {rule.becomes} |")
    return "\n".join(lines)


__all__ = [
    "CONDITIONS",
    "RULES",
    "Context",
    "FeedInvalid",
    "Rule",
    "classify",
    "event_code",
    "event_location",
    "event_problems",
    "event_time",
    "load_feed",
    "mapping_table",
    "normalised",
    "urn",
    "validate_feed",
]
