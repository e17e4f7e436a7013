"""Explorer: how long the indexer takes to read 10,000 orders' events into a fresh
database, and how quickly the pages' data comes back from it.

On a fresh chain, `orders` quoted orders are registered and funded and each gets a
picked_up checkpoint from its carrier (pre-signed transactions mined in full blocks, as
`tradelane bench scale` makes its orders): three events per order from two contracts.
Then a fresh client that knows nothing of them (no key) and an indexer with an empty SQLite
file catch up from the suite's deployment block: logs in block ranges, blocks and receipts
in JSON-RPC batches, events decoded by the client's event layer, each order's timeline
written, and every order's state and both parties' records read through the client's view
calls. A second pass (nothing new) and the data of the orders list, one order's page and
the seller's track record are timed after.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account

from tradelane._bench.scale import create_orders, send_and_mine
from tradelane._bench.throughput import Bench, _connected, setup
from tradelane._client.form import encode_order_form
from tradelane._client.views import encode_call
from tradelane.chain import Chain
from tradelane.client import TradeClient
from tradelane.compiler import compile_contracts
from tradelane.explorer.db import open_store, sqlite_url
from tradelane.explorer.indexer import Indexer
from tradelane.explorer.pages import Explorer
from tradelane.types import CheckpointKind, Order, Terms

ORDERS = 10_000


def record_pickups(bench: Bench, trades: list[tuple[Order, Terms]]) -> float:
    """The carrier records picked_up at CNSHA for each order (pre-signed); seconds."""
    if not trades:
        return 0.0
    w3 = bench.w3
    tracker = bench.deployment["LogisticsTracker"]
    key = bench.chain.private_key(bench.carrier)
    nonce = int(w3.eth.get_transaction_count(bench.carrier, "pending"))
    block = w3.eth.get_block("latest")
    max_fee = int(block.get("baseFeePerGas", 0) or 0) * 4 + 1_000 * 10**9
    started = time.perf_counter()
    raws = []
    for order, terms in trades:
        checkpoint = (int(CheckpointKind.PICKED_UP), b"CNSHA", b"\x01" * 32, "")
        fn = tracker.functions.record(encode_order_form(order, terms), checkpoint)
        tx = {
            "to": tracker.address,
            "data": encode_call(fn),
            "value": 0,
            "gas": 200_000,
            "nonce": nonce,
            "chainId": bench.chain_id,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": 10**9,
            "type": 2,
        }
        nonce += 1
        raws.append(bytes(Account.sign_transaction(tx, key).raw_transaction))
    send_and_mine(bench, raws)
    return time.perf_counter() - started


def _ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def run(
    orders: int = ORDERS,
    *,
    kind: str = "anvil",
    chain: Chain | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Create `orders` orders on a fresh `kind` chain (or on `chain`), then index them."""
    say = progress or (lambda _msg: None)
    artifacts = compile_contracts()
    with _connected(kind, chain) as chain, tempfile.TemporaryDirectory() as folder:
        start = int(chain.w3.eth.block_number)
        bench = setup(chain, artifacts)
        say(f"creating {orders:,} funded orders")
        trades: list[tuple[Order, Terms]] = []
        created_s = create_orders(bench, orders, created=trades)
        say(f"recording {orders:,} pickups")
        pickups_s = record_pickups(bench, trades)
        head = int(chain.w3.eth.block_number)
        path = Path(folder) / "explorer.db"
        store = open_store(sqlite_url(path))
        try:
            client = TradeClient(chain, bench.deployment, artifacts=artifacts, from_block=start)
            indexer = Indexer(store, [client])
            say(f"indexing blocks {start:,}..{head:,}")
            first = indexer.sync()
            again = indexer.sync()
            view = Explorer(store)
            listing = view.orders()
            newest = listing["orders"][0]["id"] if listing["orders"] else None
            pages = {
                "orders_list_ms": _ms(view.orders),
                "order_page_ms": _ms(lambda: view.order(newest)) if newest else None,
                "party_page_ms": _ms(lambda: view.party(bench.seller)),
            }
            size = path.stat().st_size + sum(
                p.stat().st_size for p in path.parent.glob("explorer.db-*")
            )
        finally:
            store.close()
    return {
        "chain": chain.kind,
        "orders": orders,
        "blocks": first.blocks,
        "events": first.events,
        "orders_indexed": first.orders,
        "create_s": round(created_s, 2),
        "pickups_s": round(pickups_s, 2),
        "index_s": round(first.seconds, 2),
        "events_per_s": round(first.events / first.seconds) if first.seconds else None,
        "orders_per_s": round(first.orders / first.seconds) if first.seconds else None,
        "phases_s": first.phases,
        "resync_ms": round(again.seconds * 1000, 1),
        "pages": pages,
        "db_mib": round(size / 2**20, 1),
        "matched": listing["matched"],
    }


__all__ = ["ORDERS", "record_pickups", "run"]
