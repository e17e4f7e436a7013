"""The trade explorer: an indexer of the suites' events into a database, and web pages for
people (an order's journey and money, a party's track record, a document check).

    store = open_store("sqlite:///build/explorer.db")
    indexer = Indexer(store, [client])          # clients hold no key: read-only
    indexer.sync()                              # catch up; then indexer.follow(stop_event)
    app = create_app(Explorer(store))           # Starlette; serve it with uvicorn

Names are imported on first use, so `tradelane --help` does not load web3 for them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "DatabaseError": "db",
    "Store": "db",
    "open_store": "db",
    "Indexer": "indexer",
    "Reorg": "indexer",
    "SyncReport": "indexer",
    "Explorer": "pages",
    "create_app": "web",
    "render_order": "web",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"tradelane.explorer.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'tradelane.explorer' has no attribute {name!r}")
