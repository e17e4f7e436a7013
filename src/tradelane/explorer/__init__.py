"""The trade explorer: an indexer of the suites' events into a database, and web pages for
people (an order's journey and money, a party's track record, a document check).

    store = open_store("sqlite:///build/explorer.db")
    indexer = Indexer(store, [client])          # clients hold no key: read-only
    indexer.sync()                              # catch up; then indexer.follow(stop_event)
    app = create_app(store)                     # Starlette; serve it with uvicorn
"""

from __future__ import annotations

from tradelane.explorer.db import DatabaseError, Store, open_store
from tradelane.explorer.indexer import Indexer, Reorg, SyncReport

__all__ = ["DatabaseError", "Indexer", "Reorg", "Store", "SyncReport", "open_store"]
