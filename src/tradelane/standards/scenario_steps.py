"""What scenario files gain from tradelane.standards: `document: {file: path}` (the file's
SHA-256, RFC 8785 for JSON) beside the label form, and the action

    {do: import_events, by: CARRIER, order: o, file: feed.json, customs_by: PARTY, relay_by: P}

whose feed (a path relative to the scenario file) is validated when the file is loaded.
The scenario runner calls these hooks; the format is in README.md and docs/STANDARDS.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tradelane.standards.dcsa import FeedInvalid, load_feed
from tradelane.standards.documents import DocumentError, hash_file


def _base(scenario_file: str) -> Path:
    path = Path(scenario_file)
    return path.parent if path.name and path.parent != Path("") else Path.cwd()


def check_document(value: Any) -> Any:
    """A document field: a label (hashed with keccak), a 0x hash, or {file: path}."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if set(value) != {"file"} or not isinstance(value["file"], str) or not value["file"]:
            raise ValueError("a document is a label such as BL-0042, or {file: path/to/document}")
        return dict(value)
    return str(value)


def resolve_document(scenario_file: str, value: Any) -> str | None:
    """The document as the client takes it: {file: path} becomes the file's 0x SHA-256
    (path relative to the scenario file); a label stays a label. ValueError if unreadable."""
    if not isinstance(value, Mapping):
        return None if value is None else str(value)
    path = _base(scenario_file) / str(value["file"])
    try:
        return hash_file(path).hex
    except DocumentError as exc:
        raise ValueError(str(exc).replace(str(path), str(value["file"]), 1)) from None


def resolve_feed(scenario_file: str, relative: str) -> str:
    """The feed's path beside the scenario file, validated whole. ValueError naming the
    event's index, eventID and field when it is not a valid T&T 2.2 feed."""
    path = _base(scenario_file) / relative
    try:
        load_feed(path)
    except FeedInvalid as exc:
        where = f"event {exc.index}" + (f" (eventID {exc.event_id})" if exc.event_id else "")
        raise ValueError(
            f"{relative}: {where + ': ' if exc.index is not None else ''}{exc.message}"
        ) from None
    return str(path)


def run_import(
    client: Any, trade: Any, feed: str, *, by: Any, relayer: Any, customs: Any
) -> list[Any]:
    """The import_events action: the transactions, then a note of what became of the
    feed. The chain's first refusal is raised (so `expect_error` can name it)."""
    from tradelane.standards.track import import_events

    report = import_events(
        client,
        trade,
        load_feed(feed),
        carrier=by,
        relayer=relayer,
        customs=customs,
        file=Path(feed).name,
    )
    for line in report.refused:
        if line.error is not None:
            raise line.error
    results: list[Any] = [r for line in report.lines for r in line.results]
    return [*results, f"{Path(feed).name}: {report.summary()}"]


__all__ = ["check_document", "resolve_document", "resolve_feed", "run_import"]
