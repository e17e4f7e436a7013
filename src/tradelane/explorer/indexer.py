"""Follow the suites' events into the explorer's database.

The indexer reads logs of each suite's escrow, tracker and arbitrator in block ranges,
decodes them with the client's event layer (`TradeClient.events`), turns each order's
events into the client's timeline entries and reads the orders' live state and the
parties' track records through the client's view calls, at the block indexed. A log the
client cannot decode (an event newer than this toolkit) is kept as it came, with its
topics and data, and still joins its order when one of its indexed topics is the order's
id (as the client's own `order_events` finds an order's logs).

Each range is written in one database transaction with the cursor (the last block
indexed and its hash), so a restart resumes after it and no block is indexed twice. Only
blocks with `confirmations` blocks on top are read. Before each pass the cursor's hash is
checked against the chain; when the chain has replaced it (a reorg deeper than the
confirmations), the indexer finds the last block both agree on, deletes everything above
it and indexes the new blocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select
from web3 import Web3

from tradelane._client.addresses import to_checksum_address
from tradelane.client import TradeClient
from tradelane.explorer import db
from tradelane.explorer.chain import ChainReader, _ChainMoved, _hex, _parts
from tradelane.explorer.db import DatabaseError, Store
from tradelane.explorer.decoding import _Log, decode_logs, event_rows
from tradelane.explorer.matching import OrderMatcher
from tradelane.explorer.passes import ProgressFn, Reorg, SyncReport, _Phases
from tradelane.explorer.projection import project, refresh

#: Blocks per eth_getLogs request (halved when a node refuses a range as too large).
CHUNK_BLOCKS = 10_000
#: Blocks without events whose hashes are kept below the cursor for reorg detection.
KEEP_EMPTY_BLOCKS = 256


class Indexer:
    """Index the suites of `clients` (one per deployed suite; they hold no key) into `store`."""

    def __init__(
        self,
        store: Store,
        clients: Sequence[TradeClient],
        *,
        confirmations: int = 0,
        chunk: int = CHUNK_BLOCKS,
    ) -> None:
        if not clients:
            raise ValueError("the indexer needs at least one suite")
        self.store = store
        self.clients = list(clients)
        self.w3: Web3 = clients[0].w3
        self.chain = clients[0].chain
        self.confirmations = confirmations
        self.chunk = chunk
        self._sources: dict[str, tuple[TradeClient, str]] = {}
        for client in self.clients:
            for name, contract in (
                ("TradeEscrow", client.escrow),
                ("LogisticsTracker", client.tracker),
                ("DisputeArbitration", client.arbitration),
            ):
                self._sources[to_checksum_address(contract.address)] = (client, name)
        self._escrows: dict[str, TradeClient] = {
            to_checksum_address(c.escrow.address): c for c in self.clients
        }
        self.start = min(c.from_block for c in self.clients)
        self._chain = ChainReader(self.w3, list(self._sources))
        self._lock = threading.Lock()
        self._phase = _Phases()
        self._register()
        self._orders = OrderMatcher(store, self.clients, self._escrows)

    # ------------------------------------------------------------------ set-up

    def _register(self) -> None:
        """Record the chain and the suites followed; refuse a database of another chain."""
        chain_id = str(self.chain.chain_id)
        genesis = self._chain.block_hash(0) or ""
        store = self.store
        with store.write() as conn:
            have = store.get_meta(conn, "chain_id")
            if have is None:
                store.set_meta(conn, "chain_id", chain_id)
                store.set_meta(conn, "genesis", genesis)
                self._set_cursor(conn, self.start - 1, self._chain.block_hash(self.start - 1) or "")
            elif have != chain_id or store.get_meta(conn, "genesis") != genesis:
                raise DatabaseError(
                    f"database {store.label} indexes another chain (chain id {have}, genesis "
                    f"{(store.get_meta(conn, 'genesis') or '')[:12]}…), not chain id {chain_id} "
                    "here: give another --db"
                )
            cursor, _ = self._cursor(conn)
            known = {r.address for r in conn.execute(select(db.contracts.c.address))}
            new = []
            for address, (client, name) in self._sources.items():
                if address in known:
                    continue
                if client.from_block <= cursor and known:
                    raise DatabaseError(
                        f"database {store.label} is indexed to block {cursor} without the "
                        f"suite at {client.escrow.address} (deployed from block "
                        f"{client.from_block}): give another --db for it"
                    )
                new.append(
                    {
                        "address": address,
                        "name": name,
                        "escrow": to_checksum_address(client.escrow.address),
                        "from_block": client.from_block,
                    }
                )
            if new:
                conn.execute(insert(db.contracts), new)
            token_rows = {
                t.address: {"address": t.address, "symbol": t.symbol, "decimals": t.decimals}
                for client in self.clients
                for t in client.tokens.values()
            }
            store.replace(conn, db.tokens, ["address"], list(token_rows.values()))

    def _cursor(self, conn: Connection) -> tuple[int, str]:
        number = self.store.get_meta(conn, "cursor")
        return (
            (int(number), self.store.get_meta(conn, "cursor_hash") or "")
            if number
            else (
                self.start - 1,
                "",
            )
        )

    def _set_cursor(self, conn: Connection, number: int, block_hash: str) -> None:
        self.store.set_meta(conn, "cursor", str(number))
        self.store.set_meta(conn, "cursor_hash", block_hash)

    def cursor(self) -> int:
        """The last block indexed."""
        with self.store.read() as conn:
            return self._cursor(conn)[0]

    # ------------------------------------------------------------------ passes

    def sync(self, progress: ProgressFn | None = None) -> SyncReport:
        """Check for a reorg, then index every block up to head - confirmations."""
        with self._lock:
            started = time.perf_counter()
            self._phase = _Phases()
            for _attempt in range(5):
                reorg = self._check_reorg()
                with self.store.read() as conn:
                    cursor, _ = self._cursor(conn)
                head = int(self.w3.eth.block_number)
                target = head - self.confirmations
                report = SyncReport(cursor + 1, cursor, head, reorg=reorg)
                try:
                    self._index_to(report, target, progress)
                except _ChainMoved:
                    continue  # the next attempt finds the reorg and goes on from there
                break
            with self._phase("views"):
                refresh(self.store, self._escrows, report.cursor)
            self._prune(report.cursor)
            report.seconds = time.perf_counter() - started
            report.phases = {k: round(v, 3) for k, v in self._phase.seconds.items()}
            return report

    def follow(
        self,
        stop: threading.Event,
        *,
        interval: float = 2.0,
        on_sync: Callable[[SyncReport], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Sync every `interval` seconds until `stop` is set. An error (a node gone for a
        while) goes to `on_error` and the next pass tries again; without `on_error` it is
        raised."""
        while not stop.is_set():
            try:
                report = self.sync()
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(exc)
            else:
                if on_sync is not None:
                    on_sync(report)
            stop.wait(interval)

    def _index_to(self, report: SyncReport, target: int, progress: ProgressFn | None) -> None:
        first = report.first
        total = max(0, target - first + 1)
        start = first
        chunk = self.chunk
        while start <= target:
            end = min(start + chunk - 1, target)
            try:
                with self._phase("logs"):
                    logs = self._chain.logs(start, end)
            except _ChainMoved:
                raise
            except Exception:
                if end == start:
                    raise
                chunk = max(1, (end - start + 1) // 2)  # the node refuses a range this large
                continue
            found = self._index_range(start, end, logs)
            report.events += found[0]
            report.orders += found[1]
            report.cursor = end
            if progress is not None:
                progress(end - first + 1, total, report.events)
            start = end + 1

    # ------------------------------------------------------------------ one range

    def _index_range(self, start: int, end: int, raw_logs: list[Any]) -> tuple[int, int]:
        """Index the logs of blocks start..end in one transaction with the cursor; returns
        (events, orders registered)."""
        numbers = sorted({int(log["blockNumber"]) for log in raw_logs} | {end})
        with self._phase("blocks"):
            headers = self._chain.headers(numbers)
        tx_blocks = {_hex(log["transactionHash"]): int(log["blockNumber"]) for log in raw_logs}
        # The node gathers the receipts while this thread decodes the logs.
        with ThreadPoolExecutor(max_workers=1) as pool:
            fetching = pool.submit(
                self._timed, "receipts", self._chain.receipts, tx_blocks, headers
            )
            with self._phase("decode"):
                logs = decode_logs(self._sources, raw_logs, headers)
            receipts = fetching.result()
        if any(r["block_hash"] != headers[tx_blocks[h]][0] for h, r in receipts.items()):
            raise _ChainMoved()

        try:
            return self._write_range(end, logs, numbers, headers, receipts, tx_blocks)
        except BaseException:
            self._orders.reset()  # as the rolled-back transaction left it
            raise

    def _timed(self, phase: str, fn: Callable[..., Any], *args: Any) -> Any:
        with self._phase(phase):
            return fn(*args)

    def _write_range(
        self,
        end: int,
        logs: list[_Log],
        numbers: Sequence[int],
        headers: Mapping[int, tuple[str, int, int]],
        receipts: Mapping[str, dict[str, Any]],
        tx_blocks: Mapping[str, int],
    ) -> tuple[int, int]:
        with self.store.write() as conn:
            with self._phase("rows"):
                known = self._orders.known_orders(conn, logs)
                new_orders = self._orders.associate(logs, known, headers)
                rows = event_rows(logs, known, headers, receipts, tx_blocks, new_orders)
                rows[db.disputes] = self._orders.dispute_rows()
            self._phase.seconds["write"] -= time.perf_counter()
            if new_orders:
                conn.execute(insert(db.orders), new_orders)
            for table, values in rows.items():
                if values:
                    conn.execute(insert(table), values)
            blocks = [
                {
                    "number": n,
                    "hash": headers[n][0],
                    "timestamp": headers[n][1],
                    "events": sum(1 for log in logs if log.block == n),
                }
                for n in numbers
            ]
            conn.execute(delete(db.blocks).where(db.blocks.c.number.in_(numbers)))
            conn.execute(insert(db.blocks), blocks)
            touched = {log.order_id for log in logs if log.order_id}
            project(conn, touched)
            self._set_cursor(conn, end, headers[end][0])
        self._phase.seconds["write"] += time.perf_counter()
        return len(logs), len(new_orders)

    # ------------------------------------------------------------------ reorgs

    def _check_reorg(self) -> Reorg | None:
        """None while the cursor's block is still the chain's; else undo the blocks above the
        last one both agree on."""
        with self.store.read() as conn:
            cursor, cursor_hash = self._cursor(conn)
            if cursor < self.start or not cursor_hash:
                return None
        if self._chain.block_hash(cursor) == cursor_hash:
            return None
        with self.store.read() as conn:
            kept = conn.execute(
                select(db.blocks.c.number, db.blocks.c.hash)
                .where(db.blocks.c.number <= cursor)
                .order_by(db.blocks.c.number.desc())
            ).all()
        ancestor, ancestor_hash = self.start - 1, self._chain.block_hash(self.start - 1) or ""
        for part in _parts(kept, 64):
            hashes = [self._chain.block_hash(int(r.number)) for r in part]
            match = next((r for r, h in zip(part, hashes, strict=True) if h == r.hash), None)
            if match is not None:
                ancestor, ancestor_hash = int(match.number), str(match.hash)
                break
        return self._rollback(cursor, ancestor, ancestor_hash)

    def _rollback(self, cursor: int, ancestor: int, ancestor_hash: str) -> Reorg:
        with self.store.write() as conn:
            affected = {
                r.order_id
                for r in conn.execute(
                    select(db.events.c.order_id)
                    .where(and_(db.events.c.block > ancestor, db.events.c.order_id.is_not(None)))
                    .distinct()
                )
            }
            removed = int(
                conn.execute(
                    select(func.count()).select_from(db.events).where(db.events.c.block > ancestor)
                ).scalar()
                or 0
            )
            for table in db.BLOCK_TABLES:
                column = table.c.number if table is db.blocks else table.c.block
                conn.execute(delete(table).where(column > ancestor))
            conn.execute(delete(db.orders).where(db.orders.c.registered_block > ancestor))
            project(conn, affected)
            self._set_cursor(conn, ancestor, ancestor_hash)
        self._orders.disputes = self._orders.load_disputes()
        return Reorg(ancestor, cursor - ancestor, removed)

    def _prune(self, cursor: int) -> None:
        with self.store.write() as conn:
            conn.execute(
                delete(db.blocks).where(
                    and_(db.blocks.c.events == 0, db.blocks.c.number < cursor - KEEP_EMPTY_BLOCKS)
                )
            )


__all__ = ["Indexer", "Reorg", "SyncReport"]
