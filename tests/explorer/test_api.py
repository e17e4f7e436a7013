"""The JSON API of every shipped scenario against the client's own views: the same
status, money, timeline and track records; the list's filters and counts; /verify; and
clear 400/404 answers to bad requests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tradelane.client import document_hash
from tradelane.types import CheckpointKind, Status

from .conftest import SCENARIOS, Explored


def _get(base: str, path: str, status: int = 200) -> dict:
    response = requests.get(base + path, timeout=30)
    assert response.status_code == status, (path, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_order_of_the_scenario_reads_as_the_client_sees_it(
    explored: Explored, server: str, path: Path
) -> None:
    result = explored.results[path.stem]
    client = result.client
    assert client is not None and result.orders
    for label, order_id in result.orders.items():
        trade = client.trade(order_id)
        state = client.state(trade)
        if state.status == Status.NONE:  # never registered (a refused quote): no order
            _get(server, f"/api/orders/{order_id}", 404)
            continue
        data = _get(server, f"/api/orders/{order_id}")
        token = client.token(trade.order.token)
        assert (data["label"], data["source"]) == (label, path.name)
        assert data["status"] == state.status.label
        assert data["stage"] == state.stage.label
        assert data["on_hold"] == state.on_hold
        registered = bool(client.order_events(trade, names=("OrderRegistered",)))
        assert data["registered"] == registered
        if registered:  # else a quote withdrawn unused: no terms were ever on chain
            assert data["token"]["symbol"] == token.symbol
            assert Decimal(data["price"]) == token.decimal(trade.order.price)
            assert data["parties"]["buyer"]["address"] == trade.order.buyer
            origin, destination = trade.terms.route
            if origin or destination:  # the route of the signed terms
                assert data["route"]["from"] == "terms"
                assert data["route"]["origin"]["locode"] == origin
                assert data["route"]["destination"]["locode"] == destination
        money = client.money(trade)
        assert {k: int(v) for k, v in data["money"]["units"].items()} == {
            "deposit": money.deposit,
            "seller_received": money.seller_received,
            "buyer_refunded": money.buyer_refunded,
            "fee": money.fee,
            "locked": money.locked,
        }, label
        timeline = client.timeline(trade)
        assert [e["action"] for e in data["timeline"]] == [e.action for e in timeline]
        assert [e["money"] for e in data["timeline"]] == [e.money for e in timeline]
        assert [e["actor"]["address"] for e in data["timeline"]] == [e.actor for e in timeline]
        # The money chart ends where the money is now.
        if data["money_over_time"]:
            last = data["money_over_time"][-1]
            assert Decimal(last["locked"]) == token.decimal(money.locked)
            assert Decimal(last["seller"]) == token.decimal(money.seller_received)
        # The journey is the timeline's checkpoints, in order, with full document hashes.
        checkpoints = [e for e in timeline if e.action in _KINDS]
        assert [j["kind"] for j in data["journey"]] == [e.action for e in checkpoints]
        for step, entry in zip(data["journey"], checkpoints, strict=True):
            if entry.document:
                assert step["document"].startswith(entry.document.rstrip("…"))
                assert len(step["document"]) == 66
        # Every transaction of the order, with its gas.
        assert {t["hash"] for t in data["transactions"]} == {e.tx_hash for e in timeline}
        assert all(t["gas_used"] > 21_000 for t in data["transactions"])
        for role in ("buyer", "seller"):
            address = getattr(trade.order, role)
            party = _get(server, f"/api/parties/{address}")
            record = client.reputation(address, [token])
            got = party["reputation"][token.symbol]
            assert (
                got["completed"],
                got["disputes_opened"],
                got["disputes_won"],
                got["disputes_lost"],
                got["on_time"],
            ) == (
                record.completed,
                record.disputes_opened,
                record.disputes_won,
                record.disputes_lost,
                record.on_time,
            ), (label, role)
            assert Decimal(got["volume"]) == token.decimal(record.volume)
            assert Decimal(got["owed"]) == token.decimal(client.owed(address, token))
            assert party["name"] == client.name_of(address)


_KINDS = {k.label for k in CheckpointKind if k}


def test_the_orders_list_filters_and_counts(explored: Explored, server: str) -> None:
    everything = _get(server, "/api/orders?per_page=500")
    total = everything["total"]
    registered = sum(
        1
        for r in explored.results.values()
        for oid in r.orders.values()
        if r.client is not None and r.client.state(oid).status != Status.NONE
    )
    assert total == everything["matched"] == registered
    assert sum(everything["counts"]["status"].values()) == total
    assert sum(everything["counts"]["token"].values()) == total
    times = [o["registered_at"] for o in everything["orders"]]
    assert len(everything["orders"]) == min(total, 50)
    assert times == sorted(times, reverse=True), "newest first"

    completed = _get(server, "/api/orders?status=completed")
    assert completed["matched"] == everything["counts"]["status"]["completed"]
    assert {o["status"] for o in completed["orders"]} == {"completed"}

    usdc = _get(server, "/api/orders?token=usdc")
    assert usdc["matched"] == everything["counts"]["token"]["USDC"]
    assert {o["token"] for o in usdc["orders"]} == {"USDC"}

    # A party by name: every order where alice is buyer, seller or carrier.
    alice = _get(server, "/api/orders?party=alice")
    assert alice["matched"] >= 1
    assert all("alice" in (o["buyer"]["name"], o["seller"]["name"]) for o in alice["orders"])
    address = alice["orders"][0]["buyer"]["address"]
    by_address = _get(server, f"/api/orders?party={address}")
    assert {o["id"] for o in by_address["orders"]} <= {o["id"] for o in alice["orders"]}

    # Routes: the customs hold's goods went from Nhava Sheva (IN) to Mombasa (KE).
    route = _get(server, "/api/orders?route=INNSA-KEMBA")
    assert route["matched"] >= 1
    assert all(
        (o["route"]["origin"]["locode"], o["route"]["destination"]["locode"]) == ("INNSA", "KEMBA")
        for o in route["orders"]
    )
    kenya = _get(server, "/api/orders?route=KE")
    assert {o["id"] for o in route["orders"]} <= {o["id"] for o in kenya["orders"]}
    assert _get(server, "/api/orders?route=ZZZZZ")["matched"] == 0

    page_two = _get(server, "/api/orders?page=2")
    assert page_two["page"] == 2
    assert {o["id"] for o in page_two["orders"]}.isdisjoint(
        {o["id"] for o in everything["orders"][:50]}
    ) or total <= 50


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/orders?status=shipped", 400, "unknown status 'shipped'"),
        ("/api/orders?page=0", 400, "pages start at 1"),
        ("/api/orders?page=two", 400, "page must be a whole number"),
        ("/api/orders/0x1234", 400, "not an order id"),
        ("/api/orders/0x" + "ab" * 32, 404, "no order 0x" + "ab" * 32),
        ("/api/parties/bob", 400, "not an address"),
        ("/api/parties/0x" + "12" * 20, 404, "has no trades"),
        ("/api/verify", 400, "give ?hash="),
        ("/api/nothing-here", 404, "there is no page"),
    ],
)
def test_bad_requests_get_a_clear_json_error(
    server: str, path: str, status: int, words: str
) -> None:
    data = _get(server, path, status)
    assert data["status"] == status
    assert words in data["error"]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/orders/0x1234", 400, "is not an order id: write 0x followed by 64 hex digits"),
        ("/orders/0x" + "cd" * 32, 404, "no order 0x" + "cd" * 32),
        ("/parties/0xnothex", 400, "is not an address"),
        ("/parties/0x" + "34" * 20, 404, "has no trades"),
        ("/no/such/page", 404, "there is no page /no/such/page"),
        ("/?status=lost", 400, "unknown status"),
    ],
)
def test_bad_pages_are_a_clear_page_without_a_trace(
    server: str, path: str, status: int, words: str
) -> None:
    response = requests.get(server + path, timeout=30)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text.replace("&#39;", "'")
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_verify_finds_the_checkpoint_that_recorded_a_document(
    explored: Explored, server: str
) -> None:
    damaged = explored.results["damaged_goods_cif"]
    order_id = damaged.orders["po-1"].lower()
    # By reference (hashed as the client hashes it), by hash, and by the file itself.
    by_ref = _get(server, "/api/verify?hash=BL-0042")
    digest = "0x" + document_hash("BL-0042").hex()
    assert by_ref["candidates"] == [{"how": "keccak-256 of the reference", "hash": digest}]
    assert by_ref["recorded"]
    record = next(r for r in by_ref["records"] if r["order_id"] == order_id)
    assert record["recorded_as"] == "picked_up"
    assert record["label"] == "po-1"
    assert record["location"]["locode"] == "CNSHA"
    assert record["recorded_by"]["name"] == "dhl"
    by_hash = _get(server, f"/api/verify?hash={digest.upper().replace('0X', '0x')}")
    assert [r["order_id"] for r in by_hash["records"]] == [r["order_id"] for r in by_ref["records"]]
    upload = requests.post(
        server + "/api/verify", files={"file": ("bl-0042.txt", b"BL-0042")}, timeout=30
    )
    assert upload.status_code == 200, upload.text
    found = upload.json()
    assert found["recorded"]
    assert any("keccak-256 of the file" in r["matched_as"] for r in found["records"])
    # The purchase order document of the terms is recorded too.
    terms = _get(server, f"/api/orders/{order_id}")["terms"]["document_hash"]
    assert any(
        r["recorded_as"] == "terms" for r in _get(server, f"/api/verify?hash={terms}")["records"]
    )


def test_verify_says_never_recorded(server: str) -> None:
    never = _get(server, "/api/verify?hash=0x" + "77" * 32)
    assert never == {
        "candidates": [{"how": "hash as given", "hash": "0x" + "77" * 32}],
        "recorded": False,
        "records": [],
    }
    page = requests.post(server + "/verify", data={"hash": "BL-0000-never"}, timeout=30)
    assert page.status_code == 200
    assert "Never recorded" in page.text
    empty = requests.post(server + "/verify", data={"hash": ""}, timeout=30)
    assert empty.status_code == 400
    assert "give a file, a document hash" in empty.text


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_order_pages_show_a_checkpoints_details_only_when_they_say_something(
    explored: Explored, server: str, path: Path
) -> None:
    # The journey once listed every stored field of a checkpoint: "event time: None",
    # "late: False", an empty "uri:". A reader sees only what carries information.
    result = explored.results[path.stem]
    assert result.client is not None
    for order_id in result.orders.values():
        if result.client.state(result.client.trade(order_id)).status == Status.NONE:
            continue  # never registered: no page
        page = requests.get(f"{server}/orders/{order_id}", timeout=30)
        assert page.status_code == 200, (path.stem, order_id)
        journey = page.text.split('id="journey"', 1)[-1].split("</ol>", 1)[0]
        for noise in ("None", "late: False", "late: True", "kind:", "document hash:", "uri: <"):
            assert noise not in journey, (path.stem, noise)
