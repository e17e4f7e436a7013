"""The explorer's database: SQLAlchemy Core tables on SQLite by default, any SQLAlchemy URL
otherwise (PostgreSQL: `postgresql+psycopg://user@host/dbname`).

The tables are in `tradelane.explorer.schema` (and importable from here); this module
opens the database and holds the Store's queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
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
from tradelane.explorer.schema import (
    BLOCK_TABLES,
    SCHEMA_VERSION,
    blocks,
    contracts,
    disputes,
    documents,
    events,
    labels,
    meta,
    metadata,
    names,
    orders,
    parties,
    timeline,
    tokens,
    transactions,
)


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
