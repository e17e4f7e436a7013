"""Where imported DCSA events are kept: the chain holds each fact's hash, this holds the
events themselves (the carrier's originals, and the planned and estimated ones that never
go on chain), so that an order can be shown and exported with them.

A store is in memory (a scenario run, a chain that ends with the command) or a folder:
`events/<chainId>/<escrow>/<orderId>.json` under the project root, `--events DIR` or
`$TRADELANE_EVENTS`. Each file is written whole or not at all.

    store = store_for(client)                  # the client's store (in memory by default)
    attach(client, FeedStore(Path("events")))  # keep them on disk instead
"""

from __future__ import annotations

import json
import os
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tradelane._files import write_json_atomic
from tradelane.errors import TradelaneError

EVENTS_ENV = "TRADELANE_EVENTS"


@dataclass
class StoredEvent:
    """One imported event and what became of it."""

    event: dict[str, Any]  # as the carrier sent it
    sha256: str  # 0x-hex of its RFC 8785 form: the document its checkpoints record
    outcome: str  # recorded, already recorded, planned, estimated, skipped, refused
    reason: str = ""
    kinds: list[str] = field(default_factory=list)  # checkpoint kinds it became
    txs: list[str] = field(default_factory=list)

    @property
    def event_id(self) -> str:
        return str(self.event["eventID"]).lower()

    @property
    def classifier(self) -> str:
        return str(self.event.get("eventClassifierCode", "ACT"))


class FeedStore:
    """Imported events per order: in memory, or as JSON files under `directory`."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._orders: dict[tuple[int, str, str], dict[str, StoredEvent]] = {}

    @classmethod
    def default(cls, directory: str | Path | None = None) -> FeedStore:
        """A store on disk: `directory`, else $TRADELANE_EVENTS, else events/ at the root."""
        from tradelane._settings import project_root

        chosen = directory or os.environ.get(EVENTS_ENV) or project_root() / "events"
        return cls(Path(chosen))

    def _path(self, key: tuple[int, str, str]) -> Path:
        assert self.directory is not None
        chain_id, escrow, order = key
        return self.directory / str(chain_id) / escrow / f"{order}.json"

    def _key(self, client: Any, order_id: str) -> tuple[int, str, str]:
        return (int(client.chain_id), str(client.escrow.address), order_id.lower())

    def events(self, client: Any, order_id: str) -> dict[str, StoredEvent]:
        """The order's events by eventID (lower case), in the order they were imported."""
        key = self._key(client, order_id)
        if key not in self._orders:
            self._orders[key] = self._read(key)
        return self._orders[key]

    def _read(self, key: tuple[int, str, str]) -> dict[str, StoredEvent]:
        if self.directory is None:
            return {}
        path = self._path(key)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise TradelaneError(f"cannot read the stored events {path}: {exc}") from None
        stored = [StoredEvent(**item) for item in data.get("events", [])]
        return {s.event_id: s for s in stored}

    def save(self, client: Any, order_id: str, events: dict[str, StoredEvent]) -> Path | None:
        """Keep `events` as the order's (written atomically when on disk)."""
        key = self._key(client, order_id)
        self._orders[key] = events
        if self.directory is None:
            return None
        path = self._path(key)
        write_json_atomic(
            path,
            {
                "chain_id": key[0],
                "escrow": key[1],
                "order": key[2],
                "events": [asdict(s) for s in events.values()],
            },
        )
        return path


_STORES: weakref.WeakKeyDictionary[Any, FeedStore] = weakref.WeakKeyDictionary()


def store_for(client: Any) -> FeedStore:
    """The store of the events imported through `client` (in memory unless attached)."""
    if client not in _STORES:
        _STORES[client] = FeedStore()
    return _STORES[client]


def attach(client: Any, store: FeedStore) -> FeedStore:
    """Keep the events imported through `client` in `store`."""
    _STORES[client] = store
    return store


__all__ = ["EVENTS_ENV", "FeedStore", "StoredEvent", "attach", "store_for"]
