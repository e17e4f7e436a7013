"""Importing a carrier's DCSA Track & Trace feed into an order's checkpoints.

    report = import_events(client, trade, load_feed("feed.json"), relayer=forwarder,
                           customs=cn_customs)
    report.recorded, report.skipped, report.refused, report.ok

Only facts (eventClassifierCode ACT) become checkpoints, in the order they happened;
planned (PLN) and estimated (EST) events are kept in the feed store and shown in the
timeline. An event whose eventID a checkpoint of the order already names is skipped, so
importing a feed twice records nothing the second time. Each checkpoint's document is the
SHA-256 of the event's RFC 8785 form and its URI `urn:uuid:<eventID>`. Carrier events are
signed by the order's carrier (relayed by `relayer`, or sent by the carrier itself);
customs events only by a customs signer given as `customs`, and are otherwise skipped.

Everything goes through the client's public calls (`checkpoint`, `timeline`, `state`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from tradelane.errors import TradelaneError
from tradelane.standards import dcsa
from tradelane.standards.documents import hash_json
from tradelane.standards.feeds import FeedStore, StoredEvent, store_for
from tradelane.types import CheckpointKind, Stage, TimelineEntry, Trade

#: The namespace of the eventIDs given to checkpoints that came from no DCSA event.
TRADELANE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tradelane.invalid/dcsa-event")
#: Codes whose meaning depends on where they happened (the route and the event's UN/LOCODE).
LOCATED = frozenset({"DEPA", "ARRI", "LOAD", "DISC", "GTIN", "GTOT"})


class ImportRefused(TradelaneError):
    """The import cannot start (a wrong or missing signer): nothing was sent (exit 2)."""

    exit_code = 2


@dataclass
class ImportLine:
    """What became of one event of the feed."""

    index: int  # its position in the feed
    event_id: str
    code: str  # ARRI, LOAD, CUS·RELS...
    classifier: str  # ACT, PLN, EST
    event_time: str  # eventDateTime as the carrier wrote it
    location: str
    outcome: str  # recorded, already recorded, planned, estimated, skipped, refused
    reason: str = ""
    kinds: list[str] = field(default_factory=list)
    txs: list[str] = field(default_factory=list)
    gas: int = 0
    results: list[Any] = field(default_factory=list, repr=False)  # the TxResults
    error: Exception | None = field(default=None, repr=False)  # the chain's refusal

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "eventID": self.event_id,
            "code": self.code,
            "classifier": self.classifier,
            "eventDateTime": self.event_time,
            "location": self.location,
            "outcome": self.outcome,
            "reason": self.reason,
            "checkpoints": self.kinds,
            "transactions": self.txs,
            "gas": self.gas,
        }


@dataclass
class ImportReport:
    """An import, event by event."""

    order: str
    file: str
    lines: list[ImportLine] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, *outcomes: str) -> list[ImportLine]:
        return [line for line in self.lines if line.outcome in outcomes]

    @property
    def recorded(self) -> list[ImportLine]:
        return self._with("recorded")

    @property
    def refused(self) -> list[ImportLine]:
        return self._with("refused")

    @property
    def skipped(self) -> list[ImportLine]:
        return self._with("already recorded", "planned", "estimated", "skipped")

    @property
    def ok(self) -> bool:
        """Every fact was recorded or already there (nothing refused)."""
        return not self.refused

    @property
    def gas(self) -> int:
        return sum(line.gas for line in self.lines)

    def summary(self) -> str:
        counts = {
            "recorded": len(self.recorded),
            "already recorded": len(self._with("already recorded")),
            "planned or estimated": len(self._with("planned", "estimated")),
            "skipped": len(self._with("skipped")),
            "refused": len(self.refused),
        }
        return ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no events"

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "file": self.file,
            "ok": self.ok,
            "recorded": len(self.recorded),
            "skipped": len(self.skipped),
            "refused": len(self.refused),
            "gas": self.gas,
            "seconds": round(self.seconds, 3),
            "events": [line.to_json() for line in self.lines],
        }


def synthetic_event_id(chain_id: int, entry: TimelineEntry) -> str:
    """The eventID an exported DCSA event gets for a checkpoint that came from no event
    (recorded by hand): fixed by the chain, the transaction and the kind."""
    kind = int(entry.kind) if entry.kind is not None else 0
    return str(uuid.uuid5(TRADELANE_NAMESPACE, f"{chain_id}:{entry.tx_hash}:{kind}"))


def recorded_event_ids(client: Any, trade: Trade) -> dict[str, TimelineEntry]:
    """The eventIDs the order's checkpoints stand for: the DCSA event named by their URI,
    or the eventID their export would give them."""
    found: dict[str, TimelineEntry] = {}
    for entry in client.timeline(trade):
        if entry.kind is None:
            continue
        named = dcsa.event_id_of_uri(entry.uri)
        found[named or synthetic_event_id(client.chain_id, entry)] = entry
    return found


#: The customs track: clearances move forward on their own, apart from the carrier's stages.
_CLEARANCES = (CheckpointKind.EXPORT_CLEARED, CheckpointKind.IMPORT_CLEARED)


def _location_for(kind: CheckpointKind, event: dict[str, Any], ctx: dcsa.Context) -> str:
    place = dcsa.event_location(event)
    if place:
        return place
    if kind == CheckpointKind.EXPORT_CLEARED:
        return ctx.origin
    if kind == CheckpointKind.IMPORT_CLEARED:
        return ctx.destination
    if kind in (CheckpointKind.CUSTOMS_HOLD, CheckpointKind.CUSTOMS_RELEASE):
        if ctx.stage < Stage.LOADED:
            return ctx.origin
        if ctx.stage >= Stage.ARRIVED:
            return ctx.destination
    return ""


def _after(kind: CheckpointKind, ctx: dcsa.Context) -> dcsa.Context:
    stage, hold, clearance = ctx.stage, ctx.on_hold, ctx.clearance
    if kind in _CLEARANCES:
        clearance = Stage(int(kind))
    elif kind <= CheckpointKind.DELIVERED:
        stage = Stage(int(kind))
    elif kind == CheckpointKind.CUSTOMS_HOLD:
        hold = True
    elif kind == CheckpointKind.CUSTOMS_RELEASE:
        hold = False
    return dcsa.Context(ctx.origin, ctx.destination, stage, hold, clearance)


def import_events(
    client: Any,
    trade: Trade,
    events: Sequence[dict[str, Any]],
    *,
    carrier: str | None = None,
    relayer: str | None = None,
    customs: str | None = None,
    store: FeedStore | None = None,
    file: str = "<feed>",
    on_event: Callable[[ImportLine], None] | None = None,
) -> ImportReport:
    """Record the feed's facts on `trade` (validate it first with `dcsa.validate_feed`).

    `carrier` signs the carrier's events (default: the order's carrier; another account is
    refused); `relayer` sends them (default: the carrier records them itself); `customs`
    signs the customs events (none: they are skipped)."""
    started = time.perf_counter()
    dcsa.validate_feed(list(events), file)  # a caller that skipped it still records nothing
    signer = to_checksum_address(carrier or trade.terms.carrier)
    if signer != trade.terms.carrier:
        raise ImportRefused(
            f"the carrier's events are the order's carrier's to sign: {trade.terms.carrier}, "
            f"not {signer}"
        )
    for who in (signer, customs, relayer):
        if who is not None and to_checksum_address(who) not in client.keys:
            try:
                client.private_key(who)
            except TradelaneError:
                raise ImportRefused(f"no key for {who}: give its key to sign or send") from None
    store = store if store is not None else store_for(client)
    stored = dict(store.events(client, trade.id_hex))
    known = recorded_event_ids(client, trade)
    state = client.state(trade)
    origin, destination = trade.terms.route
    ctx = dcsa.Context(origin, destination, state.stage, state.on_hold, state.clearance)
    report = ImportReport(trade.id_hex, file)
    seen: dict[str, int] = {}
    try:
        for index, event in dcsa.sort_events(events):
            eid = str(event["eventID"]).lower()
            line = ImportLine(
                index,
                eid,
                dcsa.event_code(event),
                str(event["eventClassifierCode"]),
                str(event.get("eventDateTime", "")),
                dcsa.event_location(event),
                "skipped",
            )
            digest = "0x" + hash_json(event).hex()
            if eid in seen:
                line.reason = f"a repeat of event {seen[eid]} in this feed"
            else:
                seen[eid] = index
                _import_one(
                    client, trade, event, line, digest, known, ctx, signer, relayer, customs
                )
                for kind in line.kinds:
                    ctx = _after(CheckpointKind.parse(kind), ctx)
                if eid not in stored or line.kinds:
                    stored[eid] = StoredEvent(
                        event, digest, line.outcome, line.reason, list(line.kinds), list(line.txs)
                    )
            report.lines.append(line)
            if on_event is not None:
                on_event(line)
    finally:  # what was recorded stays known, even if the chain went away mid-feed
        store.save(client, trade.id_hex, stored)
    report.lines.sort(key=lambda line: line.index)
    report.seconds = time.perf_counter() - started
    return report


def _import_one(
    client: Any,
    trade: Trade,
    event: dict[str, Any],
    line: ImportLine,
    digest: str,
    known: dict[str, TimelineEntry],
    ctx: dcsa.Context,
    signer: str,
    relayer: str | None,
    customs: str | None,
) -> None:
    from tradelane.client import ContractRevert

    classifier = line.classifier
    if classifier in ("PLN", "EST"):
        line.outcome = "planned" if classifier == "PLN" else "estimated"
        line.reason = "kept for the timeline; never recorded on chain"
        return
    if line.event_id in known:
        entry = known[line.event_id]
        line.outcome = "already recorded"
        line.reason = f"a checkpoint names it ({entry.action}, tx {entry.tx_hash[:10]}…)"
        return
    laden = event.get("eventType") != "EQUIPMENT" or event.get("emptyIndicatorCode") == "LADEN"
    if line.code in LOCATED and laden:
        if not (ctx.origin and ctx.destination):
            line.reason = "the order names no route (origin and destination) to read it by"
            return
        if not line.location:
            line.reason = "the event names no UN/LOCODE, so not which call it was"
            return
    rule = dcsa.classify(event, ctx)
    if not rule.kinds:
        line.reason = rule.reason
        return
    reasons: list[str] = []
    for kind in rule.kinds:
        track = ctx.clearance if kind in _CLEARANCES else ctx.stage
        if kind <= CheckpointKind.DELIVERED and int(kind) <= int(track):
            reasons.append(f"{kind.label}: the order is already at stage {track.label}")
            continue
        if kind.recorder == "customs" and customs is None:
            reasons.append(f"{kind.label}: a customs event, and no customs signer was given")
            continue
        by = customs if kind.recorder == "customs" else signer
        assert by is not None
        sender = relayer if relayer is not None and relayer != by else None
        try:
            result = client.checkpoint(
                trade,
                kind,
                by=by,
                location=_location_for(kind, event, ctx) or None,
                document=bytes.fromhex(digest[2:]),
                uri=dcsa.urn(line.event_id),
                signed=sender is not None,
                relayer=sender,
            )
        except ContractRevert as exc:
            line.outcome = "refused"
            line.error = exc
            reasons.append(f"{kind.label}: refused by the chain: {exc.name} {exc}")
            break
        line.kinds.append(kind.label)
        line.txs.append(result.tx_hash)
        line.results.append(result)
        line.gas += result.gas_used
        ctx = _after(kind, ctx)
    if line.kinds and line.outcome != "refused":
        line.outcome = "recorded"
    line.reason = "; ".join(reasons)


__all__ = [
    "ImportLine",
    "ImportRefused",
    "ImportReport",
    "import_events",
    "recorded_event_ids",
    "synthetic_event_id",
]
