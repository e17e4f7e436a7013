"""The explorer's database schema: its SQLAlchemy Core tables and their version.

Amounts are kept as decimal strings of the token's smallest unit (uint256 does not fit a
64-bit integer column); event arguments as JSON, bytes written as 0x-hex. Every row that
came from a block carries its number, so a reorg is undone by deleting above a block.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

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
