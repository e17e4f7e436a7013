"""The indexer on a real chain (eth-tester, and Anvil with --chain anvil): catch-up,
follow, restart without duplicates, confirmations, reorgs beyond and within the
confirmation depth (simulated with snapshots: evm_snapshot/evm_revert on Anvil), events it
does not know, and databases it cannot use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from tradelane._client.events import EventDecoder
from tradelane.chain import Chain
from tradelane.client import TradeClient, document_hash
from tradelane.explorer import db
from tradelane.explorer.db import DatabaseError, Store, open_store, sqlite_url
from tradelane.explorer.indexer import Indexer
from tradelane.explorer.pages import Explorer


@pytest.fixture
def trading(chain: Chain, artifacts: dict[str, Any]) -> tuple[TradeClient, Any, dict[str, str]]:
    """A fresh suite with one funded order between a buyer and a seller."""
    client = TradeClient.deploy(chain, artifacts=artifacts)
    people = {n: client.new_account(n, eth=5) for n in ("buyer", "seller", "carrier", "judge")}
    client.register_arbitrator(people["judge"])
    trade = client.new_trade(
        buyer=people["buyer"],
        seller=people["seller"],
        carrier=people["carrier"],
        price="1 ETH",
        panel=[people["judge"]],
    )
    client.fund(trade, quote=client.sign_quote(trade))
    return client, trade, people


def _store(tmp_path: Path, name: str = "index.db") -> Store:
    return open_store(sqlite_url(tmp_path / name))


def _count(store: Store, table: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def _logs_on_chain(client: TradeClient) -> int:
    addresses = [client.escrow.address, client.tracker.address, client.arbitration.address]
    return len(
        client.w3.eth.get_logs(
            {"fromBlock": client.from_block, "toBlock": "latest", "address": addresses}
        )
    )


def _documents(store: Store) -> set[str]:
    with store.read() as conn:
        return {r.hash for r in conn.execute(select(db.documents.c.hash))}


def _fresh_client(chain: Chain, client: TradeClient, artifacts: dict[str, Any]) -> TradeClient:
    """Another process's client of the same suite: it knows no trade and holds no key."""
    return TradeClient(chain, client.deployment, artifacts=artifacts, from_block=client.from_block)


def test_catch_up_then_restart_indexes_each_block_once(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client, trade, people = trading
    client.checkpoint(trade, "picked_up", by=people["carrier"], location="CNSHA", document="BL-1")
    store = _store(tmp_path)
    head = chain.w3.eth.block_number
    reader = _fresh_client(chain, client, artifacts)
    first = Indexer(store, [reader]).sync()
    assert first.cursor == head == chain.w3.eth.block_number  # read-only: nothing was sent
    assert not reader.keys
    assert first.orders == 1
    assert first.events == _count(store, db.events) == _logs_on_chain(client)
    store.close()

    # A restart: a new process opens the same file and resumes after its cursor.
    store = _store(tmp_path)
    again = Indexer(store, [_fresh_client(chain, client, artifacts)])
    assert again.cursor() == first.cursor
    nothing = again.sync()
    assert (nothing.first, nothing.events, nothing.blocks) == (first.cursor + 1, 0, 0)
    client.checkpoint(trade, "delivered", by=people["carrier"], location="DEHAM", document="POD-1")
    more = again.sync()
    assert more.first == first.cursor + 1
    assert more.events == 1
    assert _count(store, db.events) == _logs_on_chain(client) == first.events + 1
    page = Explorer(store).order(trade.id_hex)
    assert [j["kind"] for j in page["journey"]] == ["picked_up", "delivered"]
    assert page["status"] == client.state(trade).status.label == "delivered"
    assert page["route"]["origin"]["locode"] == "CNSHA"
    assert page["route"]["destination"]["locode"] == "DEHAM"
    store.close()


def test_follow_indexes_new_blocks_as_they_come(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client, trade, people = trading
    store = _store(tmp_path)
    indexer = Indexer(store, [_fresh_client(chain, client, artifacts)])
    stop = threading.Event()
    passes: list[Any] = []

    def on_sync(report: Any) -> None:
        passes.append(report)
        if len(passes) == 1:  # after the catch-up, the carrier records a checkpoint
            client.checkpoint(trade, "picked_up", by=people["carrier"], location="NLRTM")
        elif _documents(store) >= {"0x" + document_hash("seen").hex()} or len(passes) > 20:
            stop.set()
        elif any(r.events for r in passes[1:]):
            client.checkpoint(trade, "loaded", by=people["carrier"], document="seen")

    # In this thread: the embedded chain is not to be driven from two threads at once.
    indexer.follow(stop, interval=0.01, on_sync=on_sync)
    assert len(passes) <= 20, "follow never saw the new checkpoints"
    assert passes[0].orders == 1
    assert sum(r.events for r in passes[1:]) == 2
    assert Explorer(store).order(trade.id_hex)["stage"] == "loaded"
    store.close()


def test_confirmations_hold_back_the_newest_blocks(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client, trade, people = trading
    store = _store(tmp_path)
    indexer = Indexer(store, [_fresh_client(chain, client, artifacts)], confirmations=2)
    first = indexer.sync()
    assert first.cursor == chain.w3.eth.block_number - 2
    client.checkpoint(trade, "picked_up", by=people["carrier"], document="BL-7")
    recorded = "0x" + document_hash("BL-7").hex()
    indexer.sync()
    assert recorded not in _documents(store)
    chain.mine(2)
    indexer.sync()
    assert recorded in _documents(store)
    store.close()


def test_a_reorg_beyond_the_confirmations_is_found_and_indexed_again(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client, trade, people = trading
    store = _store(tmp_path)
    indexer = Indexer(store, [_fresh_client(chain, client, artifacts)], confirmations=1)
    indexer.sync()
    fork = chain.snapshot()
    client.checkpoint(trade, "picked_up", by=people["carrier"], location="CNSHA", document="OLD")
    chain.mine(2)
    indexer.sync()  # the old branch's checkpoint is buried under the confirmations: indexed
    old = "0x" + document_hash("OLD").hex()
    assert old in _documents(store)
    depth = chain.w3.eth.block_number - 1

    chain.revert(fork)  # the chain drops that branch and grows another
    client._nonces.clear()
    client.checkpoint(trade, "picked_up", by=people["carrier"], location="KRPUS", document="NEW")
    chain.mine(3)
    report = indexer.sync()
    assert report.reorg is not None
    assert report.reorg.ancestor < depth
    assert report.reorg.events >= 1
    new = "0x" + document_hash("NEW").hex()
    assert old not in _documents(store)
    assert new in _documents(store)
    assert _count(store, db.events) == _logs_on_chain(client)
    page = Explorer(store).order(trade.id_hex)
    assert [(j["kind"], j["place"]["locode"]) for j in page["journey"]] == [("picked_up", "KRPUS")]
    assert page["status"] == "in_transit"
    store.close()


def test_a_reorg_within_the_confirmations_never_reaches_the_index(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client, trade, people = trading
    store = _store(tmp_path)
    indexer = Indexer(store, [_fresh_client(chain, client, artifacts)], confirmations=3)
    indexer.sync()
    fork = chain.snapshot()
    client.checkpoint(trade, "picked_up", by=people["carrier"], document="SHORT-LIVED")
    chain.mine(1)  # 2 blocks on top of the branch: fewer than the 3 confirmations
    indexer.sync()
    short = "0x" + document_hash("SHORT-LIVED").hex()
    assert short not in _documents(store)
    chain.revert(fork)
    client._nonces.clear()
    client.checkpoint(trade, "picked_up", by=people["carrier"], document="LASTING")
    chain.mine(4)
    report = indexer.sync()
    assert report.reorg is None
    assert short not in _documents(store)
    assert "0x" + document_hash("LASTING").hex() in _documents(store)
    store.close()


def test_events_the_toolkit_does_not_know_are_kept_with_their_order(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    """An older explorer meeting a newer contract: its client's ABI lacks an event."""
    client, trade, people = trading
    client.checkpoint(trade, "picked_up", by=people["carrier"], location="CNSHA")
    old = _fresh_client(chain, client, artifacts)
    old.events = EventDecoder(chain.w3)
    for name in ("TradeEscrow", "LogisticsTracker", "DisputeArbitration"):
        contract = client.deployment[name]
        abi = [i for i in contract.abi if i.get("name") != "CheckpointRecorded"]
        old.events.add(name, contract.address, abi)
    store = _store(tmp_path)
    report = Indexer(store, [old]).sync()
    assert report.events == _logs_on_chain(client)
    with store.read() as conn:
        unknown = conn.execute(select(db.events).where(db.events.c.name == "")).all()
    assert len(unknown) == 1
    assert unknown[0].order_id == trade.id_hex
    assert unknown[0].contract == "LogisticsTracker"
    page = Explorer(store).order(trade.id_hex)
    assert page["journey"] == []  # not understood, so not shown as a stage...
    assert [e["name"][:14] for e in page["other_events"]] == ["unknown event "]  # ...but kept
    assert page["other_events"][0]["topics"][1] == trade.id_hex
    assert page["status"] == "in_transit"  # the state still comes from the escrow's view
    store.close()


def test_a_database_of_another_chain_is_refused(
    chain: Chain, artifacts: dict[str, Any], trading: Any, tmp_path: Path
) -> None:
    client = trading[0]
    store = _store(tmp_path)
    with store.write() as conn:
        store.set_meta(conn, "chain_id", "11155111")
        store.set_meta(conn, "genesis", "0x" + "00" * 32)
    with pytest.raises(DatabaseError, match=r"indexes another chain .*chain id 11155111.*--db"):
        Indexer(store, [_fresh_client(chain, client, artifacts)])
    store.close()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not a database URL"),
        ("sqlite:////no/such/folder/index.db", "folder /no/such/folder does not exist"),
        ("postgresql+nosuchdriver://user@localhost/db", "no driver for postgresql+nosuchdriver"),
    ],
)
def test_a_database_that_cannot_be_opened_is_one_clear_error(url: str, words: str) -> None:
    with pytest.raises(DatabaseError, match="cannot open database") as caught:
        open_store(url)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "index.db").mkdir()
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_store(sqlite_url(tmp_path / "index.db"))


def test_the_schema_is_valid_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for table in db.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert ddl.startswith(f"\nCREATE TABLE {table.name}")
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    # Amounts beyond 64 bits are text, never a float.
    assert "VARCHAR(80)" in str(CreateTable(db.orders).compile(dialect=dialect))
