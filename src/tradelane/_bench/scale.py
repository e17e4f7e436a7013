"""Scale: does a trade cost the same gas and time with 1, 1,000 or 10,000 orders already on
the suite, and how quickly is one order's timeline found among them?

The existing orders are funded quotes (registered and funded in one transaction each, the
common path), signed before they are sent and sent in JSON-RPC batches as fast as Anvil
takes them. At each level one more trade runs through the client (quote and fund, two
checkpoints, confirm): its gas per step, the latency of a view call (orderState) and of a
whole step, and the time to rebuild its timeline from indexed events in chunked block
ranges. Peak memory is that of a separate 1,000-trade pipelined run (its own process).
"""

from __future__ import annotations

import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from eth_account import Account

from tradelane._bench.throughput import PRICE, Bench, _connected, setup
from tradelane._client import eip712
from tradelane._client.form import encode_order_form
from tradelane._client.pipeline import await_receipts, send_raw_in_order
from tradelane.chain import Chain
from tradelane.compiler import compile_contracts
from tradelane.types import Order, Terms, TxResult

LEVELS = (1, 1_000, 10_000)
_PROBE_NONCES = itertools.count(int.from_bytes(b"\x11" * 16, "big"))


def create_orders(
    bench: Bench,
    count: int,
    batch: int = 500,
    created: list[tuple[Order, Terms]] | None = None,
) -> float:
    """Register and fund `count` quoted orders from pre-signed transactions; returns seconds.
    Each order's (order, terms) is appended to `created` when given."""
    if count <= 0:
        return 0.0
    w3 = bench.w3
    escrow = bench.deployment["TradeEscrow"]
    seller_key = bench.chain.private_key(bench.seller)
    buyer_key = bench.chain.private_key(bench.buyer)
    nonce = int(w3.eth.get_transaction_count(bench.buyer, "pending"))
    block = w3.eth.get_block("latest")
    # Full blocks raise the base fee 12.5% each: 10,000 orders take some 40 blocks.
    max_fee = int(block.get("baseFeePerGas", 0) or 0) * 4 + 1_000 * 10**9
    started = time.perf_counter()
    raws: list[bytes] = []
    for _ in range(count):
        order, terms = bench.order_terms(bench.next_nonce())
        if created is not None:
            created.append((order, terms))
        quote = eip712.sign_quote(order, terms, bench.chain_id, escrow.address, seller_key)
        fn = escrow.functions.fundWithQuote(encode_order_form(order, terms), "", quote)
        tx = {
            "to": escrow.address,
            "data": fn._encode_transaction_data(),
            "value": PRICE,
            "gas": 300_000,
            "nonce": nonce,
            "chainId": bench.chain_id,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": 10**9,
            "type": 2,
        }
        nonce += 1
        raws.append(bytes(Account.sign_transaction(tx, buyer_key).raw_transaction))
    send_and_mine(bench, raws, batch)
    return time.perf_counter() - started


def send_and_mine(bench: Bench, raws: Sequence[bytes], batch: int = 500) -> None:
    """Send pre-signed transactions in nonce order; on Anvil, queue them all and mine full
    blocks (far faster than a block per transaction). Raises when one reverted."""
    w3 = bench.w3
    hashes: list[str] = []
    anvil = bench.chain.kind == "anvil"
    if anvil:  # queue them all, then mine full blocks: far faster than a block per tx
        bench.chain._call("evm_setAutomine", False)
    try:
        hashes = send_raw_in_order(w3, raws)
        if anvil:
            while int(bench.chain._call("txpool_status")["pending"], 16) > 0:
                bench.chain._call("evm_mine")
    finally:
        if anvil:
            bench.chain._call("evm_setAutomine", True)
    receipts = await_receipts(w3, hashes[-batch:], timeout=600)
    if any(r["status"] != 1 for r in receipts):
        raise RuntimeError("a pre-signed transaction reverted (the last of a batch of them)")


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def probe(bench: Bench, repeat: int = 20) -> dict[str, Any]:
    """One trade through the client at the current size: gas per step and latencies."""
    client = bench.cached_client("scale")
    # Nonces of one width with no zero byte, so calldata costs the same at every level.
    trade = bench.trade(client, nonce=next(_PROBE_NONCES))
    steps: dict[str, Any] = {}
    step_ms: dict[str, float] = {}
    calls: list[tuple[str, Callable[[], TxResult]]] = [
        ("fund_with_quote", lambda: client.fund(trade, quote=client.sign_quote(trade))),
        ("checkpoint_picked_up", lambda: client.checkpoint(trade, "picked_up")),
        ("checkpoint_delivered", lambda: client.checkpoint(trade, "delivered")),
        ("confirm", lambda: client.confirm(trade)),
    ]
    for name, call in calls:
        started = time.perf_counter()
        steps[name] = call().gas_used
        step_ms[name] = round((time.perf_counter() - started) * 1000, 1)
    fresh = bench.client()  # knows nothing: rebuilds the order from its events too
    timeline: list[Any] = []

    def fetch() -> None:
        nonlocal timeline
        fresh.trades.clear()
        timeline = fresh.timeline(trade.id)

    return {
        "gas": steps,
        "step_ms": step_ms,
        "view_call_ms": _median_ms(lambda: client.state(trade), repeat),
        "timeline_ms": _median_ms(fetch, max(3, repeat // 4)),
        "timeline_entries": len(timeline),
        "blocks": int(bench.w3.eth.block_number),
    }


def peak_memory(trades: int, kind: str = "anvil") -> dict[str, Any]:
    """Peak RSS of a `trades`-trade pipelined run in its own process (python and node)."""
    code = (
        "import json, resource, sys\n"
        "from tradelane._bench import throughput as tp\n"
        f"r = tp.run({kind!r}, {trades}, wave=100, modes=('client_pipelined',))\n"
        "print(json.dumps({'seconds': r['seconds']['client_pipelined'],"
        " 'rss': r['peak_rss_kib']}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=3600
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "trades": trades,
        "seconds": out["seconds"],
        "python_peak_rss_mib": round(out["rss"]["python"] / 1024, 1),
        "anvil_peak_rss_mib": round((out["rss"]["anvil"] or 0) / 1024, 1),
    }


def run(
    levels: Sequence[int] = LEVELS,
    *,
    memory_trades: int = 1_000,
    kind: str = "anvil",
    progress: Callable[[str], None] | None = None,
    chain: Chain | None = None,
) -> dict[str, Any]:
    """Every level on a fresh `kind` chain (or on `chain`, e.g. a test's)."""
    say = progress or (lambda _msg: None)
    artifacts = compile_contracts()
    result: dict[str, Any] = {"levels": {}, "chain": chain.kind if chain else kind}
    with _connected(kind, chain) as chain:
        bench = setup(chain, artifacts)
        probe(bench, repeat=1)  # one trade first, so every level measures a second trade
        existing = 1
        for level in sorted(levels):
            say(f"creating orders up to {level:,}")
            created = create_orders(bench, level - existing)
            existing = max(existing, level)
            say(f"probing with {level:,} existing orders")
            entry = probe(bench)
            entry["created_s"] = round(created, 2)
            result["levels"][str(level)] = entry
            existing += 1  # the probe's own trade
    if memory_trades:
        say(f"peak memory of a {memory_trades:,}-trade run")
        result["memory"] = peak_memory(memory_trades, kind)
    result["python_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    return result
