"""An order's journey: checkpoints, punctuality, customs holds, deadlines, timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tradelane.explorer.formatting import _json, _place
from tradelane.types import CheckpointKind, Stage

CHECKPOINT_LABELS = {k.label for k in CheckpointKind if k}


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


__all__ = ["CHECKPOINT_LABELS"]
