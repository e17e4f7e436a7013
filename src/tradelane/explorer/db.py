"""The explorer's database: SQLAlchemy Core tables on SQLite by default, any SQLAlchemy URL
otherwise (PostgreSQL: `postgresql+psycopg://user@host/dbname`).

Amounts are kept as decimal strings of the token's smallest unit (uint256 does not fit a
64-bit integer column); event arguments as JSON, bytes written as 0x-hex. Every row that
came from a block carries its number, so a reorg is undone by deleting above a block.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from tradelane.errors import TradelaneError

SCHEMA_VERSION = "1"

metadata = MetaData()

#: Key-value facts: the chain indexed (chain id, genesis hash), the cursor, the schema.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: The contracts followed: each suite's escrow, tracker and arbitrator.
contracts = Table(
    "contracts",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("escrow", String(42), nullable=False),
    Column("from_block", BigInteger, nullable=False),
)

#: Blocks that had events, and the cursor's blocks: their hashes detect a reorg.
blocks = Table(
    "blocks",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(66), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("events", Integer, nullable=False, default=0),
)

transactions = Table(
    "transactions",
    metadata,
    Column("hash", String(66), primary_key=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("sender", String(42), nullable=False),
    Column("to", String(42)),
    Column("gas_used", BigInteger, nullable=False),
    Column("gas_price", String(80), nullable=False),
    Column("status", Integer, nullable=False),
)

#: Every log of the followed contracts, decoded through the client's event layer where it
#: knows the event, kept generically (topics and data) where it does not.
events = Table(
    "events",
    metadata,
    Column("block", BigInteger, primary_key=True, autoincrement=False),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("tx_hash", String(66), nullable=False, index=True),
    Column("address", String(42), nullable=False),
    Column("contract", String(64), nullable=False),
    Column("name", String(128), nullable=False),  # "" when the client does not know it
    Column("order_id", String(66), index=True),
    Column("args", Text, nullable=False),
    Column("topics", Text, nullable=False),
    Column("data", Text, nullable=False),
)

#: The client's timeline entries of each order's events (its words, money and amounts).
timeline = Table(
    "timeline",
    metadata,
    Column("block", BigInteger, primary_key=True, autoincrement=False),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("order_id", String(66), nullable=False, index=True),
    Column("time", BigInteger, nullable=False),
    Column("actor", String(42)),
    Column("action", Text, nullable=False),
    Column("location", String(16), nullable=False),
    Column("document", Text, nullable=False),
    Column("money", Text, nullable=False),
    Column("amounts", Text, nullable=False),  # JSON {to_seller, to_buyer, fee, deposit}: units
    Column("tx_hash", String(66), nullable=False),
    Column("extra", Text, nullable=False),  # JSON: any other field a TimelineEntry carries
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(66), primary_key=True),
    Column("escrow", String(42), nullable=False),
    Column("buyer", String(42), nullable=False, index=True),
    Column("seller", String(42), nullable=False, index=True),
    Column("carrier", String(42), nullable=False, index=True),
    Column("arbitrator", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("price", String(80), nullable=False),
    Column("terms", Text, nullable=False),  # JSON: incoterm, windows, milestones, panel...
    Column("registered_block", BigInteger, nullable=False, index=True),
    Column("registered_log", Integer, nullable=False),
    Column("registered_at", BigInteger, nullable=False),
    Column("last_block", BigInteger, nullable=False),
    Column("last_at", BigInteger, nullable=False),
    # Live state from the escrow's orderState view at the indexed block.
    Column("status", String(16), nullable=False, index=True),
    Column("stage", String(24), nullable=False),
    Column("on_hold", Boolean, nullable=False),
    Column("state", Text, nullable=False),  # JSON of the whole OrderState
    Column("stale", Boolean, nullable=False),  # events newer than the state read
    # Money from the timeline's amounts (smallest units).
    Column("deposit", String(80), nullable=False),
    Column("seller_received", String(80), nullable=False),
    Column("buyer_refunded", String(80), nullable=False),
    Column("fee", String(80), nullable=False),
    Column("origin", String(8), nullable=False),
    Column("destination", String(8), nullable=False),
    Column("route_from", String(16), nullable=False),  # terms, checkpoints or ""
)
Index("ix_orders_newest", orders.c.registered_block, orders.c.registered_log)

#: Which order an arbitrator's dispute belongs to (its votes carry only the dispute id).
disputes = Table(
    "disputes",
    metadata,
    Column("arbitrator", String(42), primary_key=True),
    Column("dispute_id", String(80), primary_key=True),
    Column("order_id", String(66), nullable=False),
    Column("block", BigInteger, nullable=False),
)

#: Document hashes recorded with an order (terms, checkpoints): what /verify looks up.
documents = Table(
    "documents",
    metadata,
    Column("hash", String(66), primary_key=True),
    Column("block", BigInteger, primary_key=True, autoincrement=False),
    Column("log_index", Integer, primary_key=True, autoincrement=False),
    Column("order_id", String(66), nullable=False),
    Column("kind", Text, nullable=False),
)

#: Each party's track record per token (the escrow's reputationOf) and what it is owed.
parties = Table(
    "parties",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("token", String(42), primary_key=True),
    Column("completed", BigInteger, nullable=False),
    Column("disputes_opened", BigInteger, nullable=False),
    Column("disputes_won", BigInteger, nullable=False),
    Column("disputes_lost", BigInteger, nullable=False),
    Column("on_time", BigInteger, nullable=False),
    Column("volume", String(80), nullable=False),
    Column("owed", String(80), nullable=False),
    Column("block", BigInteger, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("symbol", String(32), nullable=False),
    Column("decimals", Integer, nullable=False),
)

#: Names of addresses (scenario parties, operator, treasury, tokens).
names = Table(
    "names",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("source", String(256), nullable=False),
)

#: A scenario's names for its orders (po-1), for `report po-1` and the pages.
labels = Table(
    "labels",
    metadata,
    Column("order_id", String(66), primary_key=True),
    Column("label", String(128), nullable=False, index=True),
    Column("source", String(256), nullable=False),
)

#: Tables whose rows come from a block (undone by a reorg).
BLOCK_TABLES = (events, timeline, transactions, documents, disputes, blocks)


class DatabaseError(TradelaneError):
    """The database cannot be opened or holds another chain's index (exit 2)."""

    exit_code = 2


def to_json(value: Any) -> str:
    """JSON with bytes as 0x-hex (event arguments, state)."""
    return json.dumps(_jsonable(value), separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "to_0x_hex"):
        return value.to_0x_hex()
    return value


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def describe_url(url: str) -> str:
    """The URL as it may be printed (no password)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


class Store:
    """The explorer's database, opened once per process."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def label(self) -> str:
        return describe_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on an error."""
        with self.engine.begin() as conn:
            yield conn

    # meta
    def get_meta(self, conn: Connection, key: str) -> str | None:
        value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        return None if value is None else str(value)

    def set_meta(self, conn: Connection, key: str, value: str) -> None:
        conn.execute(delete(meta).where(meta.c.key == key))
        conn.execute(insert(meta), [{"key": key, "value": value}])

    def is_empty(self) -> bool:
        with self.read() as conn:
            return not conn.execute(select(func.count()).select_from(contracts)).scalar()

    def replace(
        self, conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, Any]]
    ) -> None:
        """Rows inserted, after deleting any with the same key (a portable upsert)."""
        if not rows:
            return
        if len(keys) == 1:
            column = table.c[keys[0]]
            values = [r[keys[0]] for r in rows]
            for start in range(0, len(values), 500):
                conn.execute(delete(table).where(column.in_(values[start : start + 500])))
        else:
            for row in rows:
                conn.execute(delete(table).where(*(table.c[k] == row[k] for k in keys)))
        conn.execute(insert(table), rows)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    """Open (and create the tables of) the database at `url`; DatabaseError, one line, when
    it cannot be opened."""
    shown = describe_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            f"cannot open database {url!r}: not a database URL "
            "(write sqlite:///path/to/file.db or postgresql+psycopg://user@host/dbname)"
        ) from None
    kwargs: dict[str, Any] = {}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        else:
            folder = Path(parsed.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(
                    f"cannot open database {shown}: folder {folder} does not exist "
                    "(create it, or give another --db)"
                )
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        raise DatabaseError(
            f"cannot open database {shown}: no driver for {parsed.drivername} ({exc}); "
            "install it (PostgreSQL: pip install 'psycopg[binary]')"
        ) from None
    except (ArgumentError, SQLAlchemyError) as exc:
        raise DatabaseError(f"cannot open database {shown}: {_first_line(exc)}") from None
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            version = conn.execute(select(meta.c.value).where(meta.c.key == "schema")).scalar()
            if version is None:
                conn.execute(insert(meta), [{"key": "schema", "value": SCHEMA_VERSION}])
            elif version != SCHEMA_VERSION:
                raise DatabaseError(
                    f"database {shown} has explorer schema {version}, this version writes "
                    f"{SCHEMA_VERSION}: index into a new --db"
                )
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open database {shown}: {_first_line(exc)}") from None
    return Store(engine, url)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # A file database: readers (the web pages) do not wait for the indexer's writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = [
    "BLOCK_TABLES",
    "DatabaseError",
    "Store",
    "blocks",
    "contracts",
    "describe_url",
    "disputes",
    "documents",
    "events",
    "labels",
    "meta",
    "names",
    "open_store",
    "orders",
    "parties",
    "sqlite_url",
    "timeline",
    "to_json",
    "tokens",
    "transactions",
]
