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

import dataclasses
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hexbytes import HexBytes
from sqlalchemy import Connection, and_, bindparam, delete, func, insert, select, update
from web3 import Web3
from web3.exceptions import BlockNotFound

from tradelane._client.addresses import to_checksum_address
from tradelane._client.pipeline import raw_batch
from tradelane._client.registration import unpack_registration
from tradelane._client.timeline import timeline_entry
from tradelane.client import Token, TradeClient
from tradelane.explorer import db
from tradelane.explorer.db import DatabaseError, Store, to_json
from tradelane.types import (
    ZERO_ADDRESS,
    CheckpointKind,
    DecodedEvent,
    OrderState,
    Reputation,
    TimelineEntry,
)

#: Blocks per eth_getLogs request (halved when a node refuses a range as too large).
CHUNK_BLOCKS = 10_000
#: Requests per JSON-RPC batch (receipts, blocks, views).
BATCH = 1_000
#: Blocks without events whose hashes are kept below the cursor for reorg detection.
KEEP_EMPTY_BLOCKS = 256
#: Checkpoints that say where the goods arrive (the route's destination, without terms).
ARRIVAL_KINDS = frozenset(
    k.label
    for k in (
        CheckpointKind.ARRIVED,
        CheckpointKind.UNLOADED,
        CheckpointKind.IMPORT_CLEARED,
        CheckpointKind.OUT_FOR_DELIVERY,
        CheckpointKind.DELIVERED,
    )
)
_TIMELINE_FIELDS = {
    "time",
    "block",
    "actor",
    "action",
    "location",
    "document",
    "money",
    "amounts",
    "tx_hash",
}


@dataclass(frozen=True)
class Reorg:
    """A reorg found below the cursor: what was undone."""

    ancestor: int  # the last block the database and the chain still share
    depth: int  # indexed blocks undone
    events: int  # events removed


@dataclass
class SyncReport:
    """One pass of `Indexer.sync`."""

    first: int  # the first block read (cursor + 1 before the pass)
    cursor: int  # the last block indexed after the pass
    head: int  # the chain's latest block
    events: int = 0
    orders: int = 0  # orders registered in the pass
    reorg: Reorg | None = None
    seconds: float = 0.0
    #: Seconds spent reading logs, blocks, receipts and views from the node, decoding and
    #: turning events into rows, and writing the database.
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def blocks(self) -> int:
        return max(0, self.cursor - self.first + 1)


class _Phases:
    """Adds up the seconds of each phase of a pass."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


class _ChainMoved(Exception):
    """The chain changed under a range being read (a log of a block no longer there)."""


@dataclass
class _OrderInfo:
    order_id: str
    token: Token
    client: TradeClient


@dataclass
class _Log:
    raw: Any
    block: int
    log_index: int
    tx_hash: str
    address: str
    contract: str
    client: TradeClient
    decoded: DecodedEvent | None
    order_id: str | None = None


ProgressFn = Callable[[int, int, int], None]  # (blocks done, blocks to do, events so far)


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
        self._lock = threading.Lock()
        self._pending_disputes: list[tuple[tuple[str, str], str, int]] = []
        self._block_receipts: bool | None = None  # does the node answer eth_getBlockReceipts?
        self._phase = _Phases()
        self._register()
        self._disputes = self._load_disputes()

    # ------------------------------------------------------------------ set-up

    def _block_hash(self, number: int) -> str | None:
        if number < 0:
            return ""
        try:
            return str(self.w3.eth.get_block(number)["hash"].to_0x_hex())
        except BlockNotFound:
            return None

    def _register(self) -> None:
        """Record the chain and the suites followed; refuse a database of another chain."""
        chain_id = str(self.chain.chain_id)
        genesis = self._block_hash(0) or ""
        store = self.store
        with store.write() as conn:
            have = store.get_meta(conn, "chain_id")
            if have is None:
                store.set_meta(conn, "chain_id", chain_id)
                store.set_meta(conn, "genesis", genesis)
                self._set_cursor(conn, self.start - 1, self._block_hash(self.start - 1) or "")
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

    def _load_disputes(self) -> dict[tuple[str, str], str]:
        with self.store.read() as conn:
            rows = conn.execute(select(db.disputes)).all()
        return {(r.arbitrator, r.dispute_id): r.order_id for r in rows}

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
                self._refresh(report.cursor)
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
                    logs = self._logs(start, end)
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

    # ------------------------------------------------------------------ reading the chain

    def _logs(self, start: int, end: int) -> list[Any]:
        """The followed contracts' logs of blocks start..end, in chain order. Straight from
        the provider where it takes raw requests (web3's formatting of thousands of logs
        costs more than the node takes to find them)."""
        provider: Any = self.w3.provider
        addresses: Any = list(self._sources)
        if hasattr(provider, "make_batch_request"):
            response = provider.make_request(
                "eth_getLogs",
                [{"fromBlock": hex(start), "toBlock": hex(end), "address": addresses}],
            )
            if "error" in response:
                raise ValueError(f"eth_getLogs {start}..{end}: {response['error']}")
            logs: list[Any] = [
                {
                    "address": log["address"],
                    "topics": [HexBytes(t) for t in log["topics"]],
                    "data": HexBytes(log["data"]),
                    "blockNumber": int(log["blockNumber"], 16),
                    "blockHash": log["blockHash"],
                    "transactionHash": log["transactionHash"],
                    "logIndex": int(log["logIndex"], 16),
                }
                for log in response["result"]
                if not log.get("removed")
            ]
        else:
            logs = list(
                self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": addresses})
            )
        return sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))

    def _headers(self, numbers: Sequence[int]) -> dict[int, tuple[str, int, int]]:
        """(hash, timestamp, transactions) of each block number."""
        out: dict[int, tuple[str, int, int]] = {}
        for part in _parts(numbers, BATCH):
            raw = None
            if len(part) > 1:
                try:
                    raw = raw_batch(
                        self.w3, "eth_getBlockByNumber", [[hex(n), False] for n in part]
                    )
                except Exception:
                    raw = None
            if raw is not None:
                for n, block in zip(part, raw, strict=True):
                    if block is None:
                        raise _ChainMoved()
                    out[n] = (
                        str(block["hash"]),
                        int(block["timestamp"], 16),
                        len(block.get("transactions", ())),
                    )
                continue
            for n in part:
                try:
                    block = self.w3.eth.get_block(n)
                except BlockNotFound:
                    raise _ChainMoved() from None
                out[n] = (
                    block["hash"].to_0x_hex(),
                    int(block["timestamp"]),
                    len(block.get("transactions", ())),
                )
        return out

    def _receipts(
        self, tx_blocks: Mapping[str, int], headers: Mapping[int, tuple[str, int, int]]
    ) -> dict[str, dict[str, Any]]:
        """Sender, recipient, gas and status of each transaction: a block's receipts in one
        request (eth_getBlockReceipts) where most of its transactions are ours, else one
        request per transaction; in JSON-RPC batches."""
        out: dict[str, dict[str, Any]] = {}
        ours: dict[int, list[str]] = defaultdict(list)
        for tx_hash, number in tx_blocks.items():
            ours[number].append(tx_hash)
        dense = [n for n, txs in ours.items() if 2 * len(txs) >= headers[n][2] > 1]
        single = [h for h, n in tx_blocks.items() if n not in dense]
        if dense and self._block_receipts is not False:
            try:
                for part in _parts(dense, 64):
                    raw = raw_batch(self.w3, "eth_getBlockReceipts", [[hex(n)] for n in part])
                    if raw is None:
                        raise ValueError("no batches")
                    for receipts in raw:
                        if receipts is None:
                            raise _ChainMoved()
                        for r in receipts:
                            h = str(r["transactionHash"]).lower()
                            if h in tx_blocks:
                                out[h] = _raw_receipt(r)
                self._block_receipts = True
            except _ChainMoved:
                raise
            except Exception:  # a node without eth_getBlockReceipts: one by one
                self._block_receipts = False
                single = list(tx_blocks)
        single = [h for h in single if h not in out]
        for part in _parts(single, BATCH):
            raw = None
            if len(part) > 1:
                try:
                    raw = raw_batch(self.w3, "eth_getTransactionReceipt", [[h] for h in part])
                except Exception:
                    raw = None
            if raw is not None:
                for h, r in zip(part, raw, strict=True):
                    if r is None:
                        raise _ChainMoved()
                    out[h] = _raw_receipt(r)
                continue
            for h in part:
                r = self.w3.eth.get_transaction_receipt(HexBytes(h))
                to = r.get("to")
                out[h] = {
                    "sender": to_checksum_address(r["from"]),
                    "to": to_checksum_address(to) if to else None,
                    "gas_used": int(r["gasUsed"]),
                    "gas_price": str(int(r.get("effectiveGasPrice") or 0)),
                    "status": int(r["status"]),
                    "block_hash": r["blockHash"].to_0x_hex(),
                }
        return out

    # ------------------------------------------------------------------ one range

    def _index_range(self, start: int, end: int, raw_logs: list[Any]) -> tuple[int, int]:
        """Index the logs of blocks start..end in one transaction with the cursor; returns
        (events, orders registered)."""
        numbers = sorted({int(log["blockNumber"]) for log in raw_logs} | {end})
        with self._phase("blocks"):
            headers = self._headers(numbers)
        tx_blocks = {_hex(log["transactionHash"]): int(log["blockNumber"]) for log in raw_logs}
        # The node gathers the receipts while this thread decodes the logs.
        with ThreadPoolExecutor(max_workers=1) as pool:
            fetching = pool.submit(self._timed, "receipts", self._receipts, tx_blocks, headers)
            with self._phase("decode"):
                logs = self._decoded(raw_logs, headers)
            receipts = fetching.result()
        if any(r["block_hash"] != headers[tx_blocks[h]][0] for h, r in receipts.items()):
            raise _ChainMoved()

        try:
            return self._write_range(end, logs, numbers, headers, receipts, tx_blocks)
        except BaseException:
            self._disputes = self._load_disputes()  # as the rolled-back transaction left it
            self._pending_disputes.clear()
            raise

    def _timed(self, phase: str, fn: Callable[..., Any], *args: Any) -> Any:
        with self._phase(phase):
            return fn(*args)

    def _decoded(
        self, raw_logs: Sequence[Any], headers: Mapping[int, tuple[str, int, int]]
    ) -> list[_Log]:
        logs: list[_Log] = []
        for raw in raw_logs:
            number = int(raw["blockNumber"])
            if _hex(raw["blockHash"]) != headers[number][0]:
                raise _ChainMoved()
            address = to_checksum_address(raw["address"])
            client, contract = self._sources[address]
            logs.append(
                _Log(
                    raw,
                    number,
                    int(raw["logIndex"]),
                    _hex(raw["transactionHash"]),
                    address,
                    contract,
                    client,
                    client.events.decode(raw),
                )
            )
        return logs

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
                known = self._known_orders(conn, logs)
                new_orders = self._associate(logs, known, headers)
                rows = self._rows(logs, known, headers, receipts, tx_blocks, new_orders)
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
            self._project(conn, touched)
            self._set_cursor(conn, end, headers[end][0])
        self._phase.seconds["write"] += time.perf_counter()
        return len(logs), len(new_orders)

    def _known_orders(self, conn: Connection, logs: Sequence[_Log]) -> dict[str, _OrderInfo]:
        """Orders already indexed whose id is an indexed topic of one of the logs."""
        candidates: set[str] = set()
        for log in logs:
            for topic in log.raw["topics"][1:3]:
                candidates.add(_hex(topic))
        candidates |= set(self._disputes.values())
        known: dict[str, _OrderInfo] = {}
        for part in _parts(sorted(candidates), 500):
            rows = conn.execute(
                select(db.orders.c.order_id, db.orders.c.token, db.orders.c.escrow).where(
                    db.orders.c.order_id.in_(part)
                )
            ).all()
            for r in rows:
                client = self._escrows.get(r.escrow, self.clients[0])
                known[r.order_id] = _OrderInfo(r.order_id, self._token(client, r.token), client)
        return known

    def _token(self, client: TradeClient, address: str) -> Token:
        if not address:  # an order never registered
            return client.token(None)
        try:
            return client.token(to_checksum_address(address))
        except ValueError:  # not an ERC-20 we can read: its amounts in raw units
            token = Token(address[:10], to_checksum_address(address), 0)
            return client.register_token(token)

    def _associate(
        self,
        logs: Sequence[_Log],
        known: dict[str, _OrderInfo],
        headers: Mapping[int, tuple[str, int, int]],
    ) -> list[dict[str, Any]]:
        """Give each log its order (registering new orders on the way); returns the new
        orders' rows."""
        new_orders: list[dict[str, Any]] = []
        for log in logs:
            topics = [_hex(t) for t in log.raw["topics"]]
            event = log.decoded
            if (
                event is not None
                and event.name == "OrderRegistered"
                and log.contract == "TradeEscrow"
                and len(topics) > 1
            ):
                row = self._registration(log, topics[1], event, headers)
                if row is not None and row["order_id"] not in known:
                    new_orders.append(row)
                    known[row["order_id"]] = _OrderInfo(
                        row["order_id"], self._token(log.client, row["token"]), log.client
                    )
            elif (
                event is not None
                and event.name == "OrderCancelled"
                and log.contract == "TradeEscrow"
                and len(topics) > 1
                and topics[1] not in known
            ):
                # A quote withdrawn before anyone registered it: the id, and nothing more.
                row = self._unregistered(log, topics[1], headers)
                new_orders.append(row)
                known[row["order_id"]] = _OrderInfo(
                    row["order_id"], self._token(log.client, ZERO_ADDRESS), log.client
                )
            if len(topics) > 1 and topics[1] in known:
                log.order_id = topics[1]
            elif len(topics) > 2 and topics[2] in known:
                log.order_id = topics[2]  # ERC-1497 Evidence: the group id is the order's
            elif len(topics) > 1:
                # An arbitrator's event about a dispute (a vote, a decision): its first
                # indexed topic is the dispute id, when the client says it has one.
                dispute = event.args.get("disputeId") if event is not None else int(topics[1], 16)
                if dispute is not None:
                    log.order_id = self._disputes.get((log.address, str(int(dispute))))
            if log.order_id and event is not None:
                args = event.args
                if "arbitrator" in args and "disputeId" in args:
                    key = (to_checksum_address(args["arbitrator"]), str(int(args["disputeId"])))
                    self._disputes[key] = log.order_id
                    self._pending_disputes.append((key, log.order_id, log.block))
        # Logs without an order of their own (a deferred payout, the arbitrator's side of
        # a ruling) belong to the one order their transaction is about.
        by_tx: dict[str, set[str]] = defaultdict(set)
        for log in logs:
            if log.order_id:
                by_tx[log.tx_hash].add(log.order_id)
        for log in logs:
            if log.order_id is None and len(by_tx.get(log.tx_hash, ())) == 1:
                (log.order_id,) = by_tx[log.tx_hash]
        return new_orders

    def _unregistered(
        self, log: _Log, order_id: str, headers: Mapping[int, tuple[str, int, int]]
    ) -> dict[str, Any]:
        at = headers[log.block][1]
        return {
            "order_id": order_id,
            "escrow": log.address,
            "buyer": "",
            "seller": "",
            "carrier": "",
            "arbitrator": "",
            "token": "",
            "price": "0",
            "terms": "{}",
            "registered_block": log.block,
            "registered_log": log.log_index,
            "registered_at": at,
            "last_block": log.block,
            "last_at": at,
            "status": "cancelled",
            "stage": "none",
            "on_hold": False,
            "state": "{}",
            "stale": True,
            "deposit": "0",
            "seller_received": "0",
            "buyer_refunded": "0",
            "fee": "0",
            "origin": "",
            "destination": "",
            "route_from": "",
        }

    def _registration(
        self,
        log: _Log,
        order_id: str,
        event: DecodedEvent,
        headers: Mapping[int, tuple[str, int, int]],
    ) -> dict[str, Any] | None:
        a = event.args
        try:
            reg = unpack_registration(a["buyer"], a["seller"], bytes(a["packed"]))
        except (KeyError, ValueError, TypeError):
            return None  # a registration this toolkit cannot read: kept as an event only
        order, terms = reg.order, reg.terms
        at = headers[log.block][1]
        term_fields = {
            "incoterm": terms.incoterm.label,
            "ship_within": terms.ship_within,
            "deliver_within": terms.deliver_within,
            "inspection_window": terms.inspection_window,
            "valid_until": terms.valid_until,
            "document_hash": "0x" + terms.document_hash.hex(),
            "milestones": [[m.stage.label, m.bps] for m in terms.milestones],
            "panel": list(terms.panel),
            "fee_bps": reg.fee_bps,
            "risk_stage": reg.risk_stage.label,
        }
        # The route of the signed terms (UN/LOCODEs, "" where the order names none).
        origin, destination = getattr(terms, "route", ("", ""))
        return {
            "order_id": order_id,
            "escrow": log.address,
            "buyer": order.buyer,
            "seller": order.seller,
            "carrier": terms.carrier,
            "arbitrator": terms.arbitrator,
            "token": order.token,
            "price": str(order.price),
            "terms": json.dumps(term_fields),
            "registered_block": log.block,
            "registered_log": log.log_index,
            "registered_at": at,
            "last_block": log.block,
            "last_at": at,
            "status": "created",
            "stage": "none",
            "on_hold": False,
            "state": "{}",
            "stale": True,
            "deposit": "0",
            "seller_received": "0",
            "buyer_refunded": "0",
            "fee": "0",
            "origin": origin,
            "destination": destination,
            "route_from": "terms" if origin or destination else "",
        }

    def _rows(
        self,
        logs: Sequence[_Log],
        known: Mapping[str, _OrderInfo],
        headers: Mapping[int, tuple[str, int, int]],
        receipts: Mapping[str, dict[str, Any]],
        tx_blocks: Mapping[str, int],
        new_orders: Sequence[Mapping[str, Any]],
    ) -> dict[Any, list[dict[str, Any]]]:
        events, entries, documents = [], [], []
        terms_documents = {
            row["order_id"]: json.loads(row["terms"]).get("document_hash", "") for row in new_orders
        }
        senders: dict[str, str] = {}
        for log in logs:
            event = log.decoded
            events.append(
                {
                    "block": log.block,
                    "log_index": log.log_index,
                    "tx_hash": log.tx_hash,
                    "address": log.address,
                    "contract": log.contract,
                    "name": event.name if event is not None else "",
                    "order_id": log.order_id,
                    "args": to_json(event.args) if event is not None else "{}",
                    # As they came, where the client could not decode them (else: in args).
                    "topics": to_json([bytes(t) for t in log.raw["topics"]])
                    if event is None
                    else "[]",
                    "data": "0x" + bytes(log.raw["data"]).hex() if event is None else "",
                }
            )
            if log.order_id is None or event is None:
                continue
            info = known[log.order_id]
            if log.tx_hash not in senders:
                receipt = receipts[log.tx_hash]
                sender = receipt["sender"]
                proxied = receipt["to"]
                if proxied and proxied in info.client._proxies:
                    sender = proxied  # a contract account's own action
                senders[log.tx_hash] = sender
            if event.name == "CheckpointRecorded" and "actor" in event.args:
                # What the checkpoint releases is the recorder's doing, not the relayer's.
                senders[log.tx_hash] = to_checksum_address(event.args["actor"])
            timestamp = headers[log.block][1]
            sender = to_checksum_address(senders[log.tx_hash])
            try:
                entry = timeline_entry(event, info.token, info.client, timestamp, sender)
            except Exception:  # an event (or a value) the client's timeline does not know yet
                entry = TimelineEntry(timestamp, log.block, sender, event.name, tx_hash=log.tx_hash)
            if entry is not None:
                entries.append(_timeline_row(entry, log, info.token))
            kind = entry.action if entry is not None else event.name
            for key, value in event.args.items():
                if (
                    "document" in key.lower()
                    and isinstance(value, bytes)
                    and len(value) == 32
                    and any(value)
                ):
                    documents.append(
                        {
                            "hash": "0x" + value.hex(),
                            "block": log.block,
                            "log_index": log.log_index,
                            "order_id": log.order_id,
                            "kind": kind,
                        }
                    )
            if event.name == "OrderRegistered":
                terms_doc = terms_documents.get(log.order_id, "")
                if terms_doc and int(terms_doc, 16):
                    documents.append(
                        {
                            "hash": terms_doc,
                            "block": log.block,
                            "log_index": log.log_index,
                            "order_id": log.order_id,
                            "kind": "terms",
                        }
                    )
        transactions = [
            {
                "hash": h,
                "block": tx_blocks[h],
                "sender": r["sender"],
                "to": r["to"],
                "gas_used": r["gas_used"],
                "gas_price": r["gas_price"],
                "status": r["status"],
            }
            for h, r in receipts.items()
        ]
        disputes = [
            {"arbitrator": key[0], "dispute_id": key[1], "order_id": oid, "block": block}
            for key, oid, block in self._pending_disputes
        ]
        self._pending_disputes.clear()
        return {
            db.events: events,
            db.timeline: entries,
            db.documents: documents,
            db.transactions: transactions,
            db.disputes: disputes,
        }

    # ------------------------------------------------------------------ projections

    def _project(self, conn: Connection, order_ids: Iterable[str]) -> None:
        """Recompute each order's money and route from its timeline rows; mark it stale
        (its state is read from the chain next)."""
        ids = sorted(order_ids)
        for part in _parts(ids, 500):
            rows = conn.execute(
                select(
                    db.timeline.c.order_id,
                    db.timeline.c.block,
                    db.timeline.c.time,
                    db.timeline.c.action,
                    db.timeline.c.location,
                    db.timeline.c.amounts,
                )
                .where(db.timeline.c.order_id.in_(part))
                .order_by(db.timeline.c.block, db.timeline.c.log_index)
            ).all()
            heads = {
                r.order_id: r
                for r in conn.execute(
                    select(
                        db.orders.c.order_id,
                        db.orders.c.route_from,
                        db.orders.c.origin,
                        db.orders.c.destination,
                        db.orders.c.registered_block,
                        db.orders.c.registered_at,
                    ).where(db.orders.c.order_id.in_(part))
                )
            }
            folded: dict[str, dict[str, Any]] = {}
            for oid in part:
                head = heads.get(oid)
                if head is None:
                    continue
                folded[oid] = {
                    "deposit": 0,
                    "seller_received": 0,
                    "buyer_refunded": 0,
                    "fee": 0,
                    "last_block": head.registered_block,
                    "last_at": head.registered_at,
                    "first": "",
                    "arrival": "",
                    "terms_route": head.route_from == "terms",
                    "origin": head.origin,
                    "destination": head.destination,
                }
            for r in rows:
                p = folded.get(r.order_id)
                if p is None:
                    continue
                amounts = json.loads(r.amounts)
                p["deposit"] += int(amounts.get("deposit", 0))
                p["seller_received"] += int(amounts.get("to_seller", 0))
                p["buyer_refunded"] += int(amounts.get("to_buyer", 0))
                p["fee"] += int(amounts.get("fee", 0))
                p["last_block"], p["last_at"] = r.block, r.time
                if r.location:
                    p["first"] = p["first"] or r.location
                    if r.action in ARRIVAL_KINDS:
                        p["arrival"] = r.location
            values = []
            for oid, p in folded.items():
                terms_route = p["terms_route"]
                values.append(
                    {
                        "oid": oid,
                        "deposit": str(p["deposit"]),
                        "seller_received": str(p["seller_received"]),
                        "buyer_refunded": str(p["buyer_refunded"]),
                        "fee": str(p["fee"]),
                        "last_block": p["last_block"],
                        "last_at": p["last_at"],
                        "stale": True,
                        "origin": p["origin"] if terms_route else p["first"],
                        "destination": p["destination"] if terms_route else p["arrival"],
                        "route_from": "terms"
                        if terms_route
                        else ("checkpoints" if p["first"] else ""),
                    }
                )
            if values:
                conn.execute(
                    update(db.orders).where(db.orders.c.order_id == bindparam("oid")),
                    values,
                )

    def _refresh(self, block: int) -> None:
        """Read the live state of stale orders, and their parties' track records, at
        `block` through the client's view calls."""
        if block < 0:
            return
        with self.store.read() as conn:
            stale = conn.execute(
                select(
                    db.orders.c.order_id,
                    db.orders.c.escrow,
                    db.orders.c.buyer,
                    db.orders.c.seller,
                    db.orders.c.token,
                ).where(db.orders.c.stale.is_(True))
            ).all()
        if not stale:
            return
        by_escrow: dict[str, list[Any]] = defaultdict(list)
        for r in stale:
            by_escrow[r.escrow].append(r)
        order_rows: list[tuple[str, OrderState]] = []
        party_rows: list[dict[str, Any]] = []
        for escrow, rows in by_escrow.items():
            client = self._escrows.get(escrow)
            if client is None:
                continue
            views = client._views
            for part in _parts(rows, BATCH):
                states = views.call_many(
                    client.escrow,
                    "orderState",
                    [[bytes.fromhex(r.order_id[2:])] for r in part],
                    block=block,
                )
                order_rows += [
                    (r.order_id, OrderState.from_tuple(s))
                    for r, s in zip(part, states, strict=True)
                ]
            pairs = sorted({(p, r.token) for r in rows for p in (r.buyer, r.seller) if p})
            for part in _parts(pairs, BATCH):
                records = views.call_many(
                    client.escrow, "reputationOf", [[p, [t]] for p, t in part], block=block
                )
                owed = views.call_many(
                    client.escrow, "owed", [[p, t] for p, t in part], block=block
                )
                for (party, token), rec, due in zip(part, records, owed, strict=True):
                    rep = Reputation.from_tuple(rec[0])
                    party_rows.append(
                        {
                            "address": party,
                            "token": token,
                            "completed": rep.completed,
                            "disputes_opened": rep.disputes_opened,
                            "disputes_won": rep.disputes_won,
                            "disputes_lost": rep.disputes_lost,
                            "on_time": rep.on_time,
                            "volume": str(rep.volume),
                            "owed": str(int(due)),
                            "block": block,
                        }
                    )
        with self.store.write() as conn:
            if order_rows:
                conn.execute(
                    update(db.orders).where(db.orders.c.order_id == bindparam("oid")),
                    [
                        {
                            "oid": oid,
                            "status": state.status.label,
                            "stage": state.stage.label,
                            "on_hold": state.on_hold,
                            "state": to_json(_state_json(state)),
                            "stale": False,
                        }
                        for oid, state in order_rows
                    ],
                )
            self.store.replace(conn, db.parties, ["address", "token"], party_rows)

    # ------------------------------------------------------------------ reorgs

    def _check_reorg(self) -> Reorg | None:
        """None while the cursor's block is still the chain's; else undo the blocks above the
        last one both agree on."""
        with self.store.read() as conn:
            cursor, cursor_hash = self._cursor(conn)
            if cursor < self.start or not cursor_hash:
                return None
        if self._block_hash(cursor) == cursor_hash:
            return None
        with self.store.read() as conn:
            kept = conn.execute(
                select(db.blocks.c.number, db.blocks.c.hash)
                .where(db.blocks.c.number <= cursor)
                .order_by(db.blocks.c.number.desc())
            ).all()
        ancestor, ancestor_hash = self.start - 1, self._block_hash(self.start - 1) or ""
        for part in _parts(kept, 64):
            hashes = [self._block_hash(int(r.number)) for r in part]
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
            self._project(conn, affected)
            self._set_cursor(conn, ancestor, ancestor_hash)
        self._disputes = self._load_disputes()
        return Reorg(ancestor, cursor - ancestor, removed)

    def _prune(self, cursor: int) -> None:
        with self.store.write() as conn:
            conn.execute(
                delete(db.blocks).where(
                    and_(db.blocks.c.events == 0, db.blocks.c.number < cursor - KEEP_EMPTY_BLOCKS)
                )
            )


def _raw_receipt(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "sender": to_checksum_address(r["from"]),
        "to": to_checksum_address(r["to"]) if r.get("to") else None,
        "gas_used": int(r["gasUsed"], 16),
        "gas_price": str(int(r.get("effectiveGasPrice") or "0x0", 16)),
        "status": int(r["status"], 16),
        "block_hash": str(r["blockHash"]),
    }


#: What a TimelineEntry carries beyond the columns (fields a newer client may add).
_EXTRA_FIELDS = [
    f.name for f in dataclasses.fields(TimelineEntry) if f.name not in _TIMELINE_FIELDS
]


def _timeline_row(entry: TimelineEntry, log: _Log, token: Token) -> dict[str, Any]:
    extra = {name: getattr(entry, name) for name in _EXTRA_FIELDS}
    return {
        "block": log.block,
        "log_index": log.log_index,
        "order_id": log.order_id,
        "time": int(entry.time),
        "actor": entry.actor,
        "action": entry.action,
        "location": entry.location,
        "document": entry.document,
        "money": entry.money,
        "amounts": json.dumps({k: _units(v, token) for k, v in entry.amounts.items()}),
        "tx_hash": entry.tx_hash or log.tx_hash,
        "extra": to_json(extra),
    }


def _units(amount: Decimal, token: Token) -> int:
    return int(amount.scaleb(token.decimals))


def _state_json(state: OrderState) -> dict[str, Any]:
    out = {f.name: getattr(state, f.name) for f in dataclasses.fields(state)}
    out["status"] = state.status.label
    out["stage"] = state.stage.label
    return out


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def _parts(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


__all__ = ["Indexer", "Reorg", "SyncReport"]
