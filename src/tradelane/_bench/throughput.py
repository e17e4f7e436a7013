"""Full trades per second through the client, beside a plain web3.py loop and the node's
own ceiling, on one chain in one run.

A trade: the buyer registers and funds the seller's signed quote (ETH, 1% platform fee),
the carrier records picked_up and delivered, the buyer confirms (the seller's payout is
pushed in that transaction); the treasury withdraws the fees it was credited once per wave
of trades. Every mode sends exactly these transactions, `wave` trades at a time:

- client: TradeClient step methods one after another (preflight checks on, receipts awaited);
- client_pipelined: the same calls inside `client.pipeline()`: a wave's funds queued and
  flushed (estimates and receipts in JSON-RPC batches, local nonces and signing, sends
  one request each in nonce order), then its pickups, and so on;
- raw_web3: a plain web3.py loop: build_transaction (estimate, nonce, fees), sign locally,
  send_raw_transaction, wait_for_transaction_receipt (polling every 10 ms);
- ceiling: the same transactions signed before the clock starts (quotes too), then sent raw
  as fast as the node takes them (one request each, straight to the provider), a group of
  independent transactions at a time, each group's receipts awaited before the next.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from tradelane._client import eip712
from tradelane._client.form import encode_order_form
from tradelane._client.pipeline import await_receipts, send_raw_in_order
from tradelane._client.views import encode_call
from tradelane.chain import Chain, connect
from tradelane.client import TradeClient
from tradelane.compiler import Artifact, compile_contracts
from tradelane.types import CheckpointKind, Incoterm, Order, Terms, Trade

PRICE = 10**16  # 0.01 ETH
FEE_BPS = 100
DAY = 86_400
ZERO = to_checksum_address("0x" + "00" * 20)


@dataclass
class Bench:
    """The chain, the deployed suite and the parties every mode shares."""

    chain: Chain
    artifacts: dict[str, Artifact]
    deployment: Any
    operator: ChecksumAddress
    treasury: ChecksumAddress
    buyer: ChecksumAddress
    seller: ChecksumAddress
    carrier: ChecksumAddress
    arbitrator: ChecksumAddress
    nonce: int = 0
    chain_id: int = 0
    clients: dict[str, TradeClient] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chain_id = self.chain.chain_id

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    def client(self, **kwargs: Any) -> TradeClient:
        client = TradeClient(self.chain, self.deployment, artifacts=self.artifacts, **kwargs)
        for who in (self.buyer, self.seller, self.carrier, self.treasury):
            client.add_key(self.chain.private_key(who))
        return client

    def cached_client(self, mode: str) -> TradeClient:
        """One client per mode for the whole run; its counted nonces are dropped at each
        call, since the other modes send from the same accounts in between."""
        if mode not in self.clients:
            self.clients[mode] = self.client()
        client = self.clients[mode]
        client._nonces.clear()
        return client

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    def trade(self, client: TradeClient, nonce: int | None = None) -> Trade:
        """A trade of the benchmarks' shape built by `client` (the next nonce unless given)."""
        return client.new_trade(
            buyer=self.buyer,
            seller=self.seller,
            carrier=self.carrier,
            price=PRICE,
            panel=[self.arbitrator],
            nonce=self.next_nonce() if nonce is None else nonce,
        )

    def order_terms(self, nonce: int) -> tuple[Order, Terms]:
        order = Order(self.buyer, self.seller, ZERO, PRICE)
        terms = Terms(
            carrier=self.carrier,
            arbitrator=self.deployment["DisputeArbitration"].address,
            incoterm=Incoterm.FOB,
            ship_within=7 * DAY,
            deliver_within=30 * DAY,
            inspection_window=3 * DAY,
            valid_until=0,
            nonce=nonce,
            document_hash=keccak(text=f"PO-{nonce}"),
            origin=b"CNSHA",
            destination=b"DEHAM",
            milestones=(),
            arbitrator_extra_data=encode(["address[]"], [[self.arbitrator]]),
        )
        return order, terms


def setup(chain: Chain, artifacts: dict[str, Artifact] | None = None) -> Bench:
    artifacts = artifacts or compile_contracts()
    accounts = chain.accounts
    operator, treasury, buyer, seller, carrier, arbitrator = (
        accounts[0],
        accounts[1],
        accounts[2],
        accounts[3],
        accounts[4],
        accounts[7],
    )
    client = TradeClient.deploy(chain, artifacts=artifacts)
    client.register_arbitrator(arbitrator)
    client.set_fee(FEE_BPS)
    return Bench(
        chain,
        artifacts,
        client.deployment,
        operator,
        treasury,
        buyer,
        seller,
        carrier,
        arbitrator,
    )


def _waves(trades: int, wave: int) -> Iterator[int]:
    left = trades
    while left > 0:
        yield min(wave, left)
        left -= wave


# ------------------------------------------------------------------------------- modes


def run_client(bench: Bench, trades: int, wave: int) -> None:
    client = bench.cached_client("client")
    for size in _waves(trades, wave):
        for _ in range(size):
            trade = bench.trade(client)
            client.fund(trade, quote=client.sign_quote(trade))
            client.checkpoint(trade, "picked_up", location="CNSHA")
            client.checkpoint(trade, "delivered", location="NLRTM")
            client.confirm(trade)
        client.withdraw(by=bench.treasury)


def run_client_pipelined(bench: Bench, trades: int, wave: int) -> None:
    client = bench.cached_client("client_pipelined")
    with client.pipeline(batch=10 * wave) as pipe:
        for size in _waves(trades, wave):
            batch = [bench.trade(client) for _ in range(size)]
            pipe.prefetch(batch)
            for trade in batch:
                client.fund(trade, quote=client.sign_quote(trade))
            pipe.flush()
            for trade in batch:
                client.checkpoint(trade, "picked_up", location="CNSHA")
            pipe.flush()
            for trade in batch:
                client.checkpoint(trade, "delivered", location="NLRTM")
            pipe.flush()
            pipe.prefetch(batch)
            for trade in batch:
                client.confirm(trade)
            pipe.flush()
            client.withdraw(by=bench.treasury)
            pipe.flush()


def _steps(bench: Bench, nonce: int) -> list[tuple[str, Any, ChecksumAddress, int]]:
    """The four calls of one trade, built with plain web3 contract objects."""
    escrow = bench.deployment["TradeEscrow"]
    tracker = bench.deployment["LogisticsTracker"]
    order, terms = bench.order_terms(nonce)
    o, form = order.as_tuple(), encode_order_form(order, terms)
    quote = eip712.sign_quote(
        order, terms, bench.chain_id, escrow.address, bench.chain.private_key(bench.seller)
    )
    th = eip712.terms_hash(terms)
    pick = (int(CheckpointKind.PICKED_UP), b"CNSHA", b"\x00" * 32, "")
    deliver = (int(CheckpointKind.DELIVERED), b"NLRTM", b"\x00" * 32, "")
    return [
        ("fund", escrow.functions.fundWithQuote(form, "", quote), bench.buyer, PRICE),
        ("picked_up", tracker.functions.record(form, pick), bench.carrier, 0),
        ("delivered", tracker.functions.record(form, deliver), bench.carrier, 0),
        ("confirm", escrow.functions.confirm(o, th), bench.buyer, 0),
    ]


def _withdraw(bench: Bench) -> tuple[str, Any, ChecksumAddress, int]:
    fn = bench.deployment["TradeEscrow"].functions.withdraw(ZERO)
    return ("withdraw", fn, bench.treasury, 0)


def run_raw_web3(bench: Bench, trades: int, wave: int) -> None:
    w3 = bench.w3
    keys = {a: bench.chain.private_key(a) for a in (bench.buyer, bench.carrier, bench.treasury)}

    def send(fn: Any, sender: ChecksumAddress, value: int) -> None:
        tx = fn.build_transaction(
            {"from": sender, "value": value, "nonce": w3.eth.get_transaction_count(sender)}
        )
        signed = Account.sign_transaction(tx, keys[sender])
        # Polling every 10 ms: web3's default sleeps 100 ms whenever the receipt is not
        # there at the first ask, which would flatter every other mode.
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(signed.raw_transaction), poll_latency=0.01
        )
        if receipt["status"] != 1:
            raise RuntimeError(f"{fn.fn_name} reverted in the raw web3 loop")

    for size in _waves(trades, wave):
        for _ in range(size):
            for _name, fn, sender, value in _steps(bench, bench.next_nonce()):
                send(fn, sender, value)
        _name, fn, sender, value = _withdraw(bench)
        send(fn, sender, value)


def presign(bench: Bench, trades: int, wave: int) -> list[list[bytes]]:
    """Every transaction of `trades` trades, signed, in groups of independent transactions
    (a wave's funds, then its pickups, ...) in the order they must be mined."""
    w3 = bench.w3
    block = w3.eth.get_block("latest")
    max_fee = int(block.get("baseFeePerGas", 0) or 0) * 4 + 10**9
    nonces = {
        a: int(w3.eth.get_transaction_count(a, "pending"))
        for a in (bench.buyer, bench.carrier, bench.treasury)
    }
    keys = {a: bench.chain.private_key(a) for a in nonces}
    groups: list[list[bytes]] = []

    def sign(fn: Any, sender: ChecksumAddress, value: int) -> bytes:
        tx = {
            "to": fn.address,
            "data": encode_call(fn),
            "value": value,
            "gas": 400_000,
            "nonce": nonces[sender],
            "chainId": bench.chain_id,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": 10**9,
            "type": 2,
        }
        nonces[sender] += 1
        return bytes(Account.sign_transaction(tx, keys[sender]).raw_transaction)

    for size in _waves(trades, wave):
        steps = [_steps(bench, bench.next_nonce()) for _ in range(size)]
        for index in range(4):  # every fund of the wave, then every pickup, ...
            groups.append([sign(*trade_steps[index][1:]) for trade_steps in steps])
        groups.append([sign(*_withdraw(bench)[1:])])
    return groups


def run_ceiling(bench: Bench, trades: int, wave: int) -> tuple[float, int]:
    """Seconds to get `trades` pre-signed trades mined, and how many transactions: each group
    sent one request per transaction, its receipts awaited (in batches) before the next."""
    groups = presign(bench, trades, wave)
    w3 = bench.w3
    receipts: list[Any] = []
    started = time.perf_counter()
    for group in groups:
        receipts += await_receipts(w3, send_raw_in_order(w3, group))
    elapsed = time.perf_counter() - started
    failed = sum(1 for r in receipts if r["status"] != 1)
    if failed:
        raise RuntimeError(f"{failed} of the ceiling's transactions reverted")
    return elapsed, len(receipts)


# ------------------------------------------------------------------------------- the run


def run(
    kind: str,
    trades: int,
    *,
    wave: int = 50,
    modes: tuple[str, ...] = ("raw_web3", "client", "client_pipelined", "ceiling"),
    progress: Callable[[str], None] | None = None,
    chain: Chain | None = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Every mode on `trades` trades on a fresh `kind` chain (or on `chain`, e.g. a test's)."""
    say = progress or (lambda _msg: None)
    artifacts = compile_contracts()
    seconds = dict.fromkeys(modes, 0.0)
    runners = {
        "client": run_client,
        "client_pipelined": run_client_pipelined,
        "raw_web3": run_raw_web3,
    }
    with _connected(kind, chain) as chain:
        kind = chain.kind
        bench = setup(chain, artifacts)
        # Warm-up (not timed): one trade through each path, so imports and caches are hot.
        for mode in modes if warmup else ():
            if mode in runners:
                runners[mode](bench, 1, wave)
        # The modes take turns, a wave each, in a rotating order, so a change in the
        # machine's load (other jobs on a shared machine) falls on every mode alike.
        waves = list(_waves(trades, wave))
        for index, size in enumerate(waves):
            say(f"wave {index + 1}/{len(waves)}: {size} trades per mode")
            for mode in modes[index % len(modes) :] + modes[: index % len(modes)]:
                if mode == "ceiling":  # signing is not timed
                    elapsed, _count = run_ceiling(bench, size, wave)
                    seconds[mode] += elapsed
                    continue
                started = time.perf_counter()
                runners[mode](bench, size, wave)
                seconds[mode] += time.perf_counter() - started
        anvil_rss = _anvil_peak_kib(chain)
    txs = trades * 4 + -(-trades // wave)
    tps = {m: round(trades / s, 2) for m, s in seconds.items()}
    ratios: dict[str, float | None] = {
        "client_vs_raw_time": _ratio(seconds.get("client"), seconds.get("raw_web3")),
        "pipelined_vs_ceiling": _ratio(tps.get("client_pipelined"), tps.get("ceiling")),
    }
    return {
        "chain": kind,
        "trades": trades,
        "wave": wave,
        "transactions": txs,
        "seconds": {m: round(s, 3) for m, s in seconds.items()},
        "trades_per_s": tps,
        "tx_per_s": {m: round(txs / s, 1) for m, s in seconds.items()},
        "ratios": ratios,
        "targets": {"client_vs_raw_time": 1.15, "pipelined_vs_ceiling": 0.5},
        "peak_rss_kib": {
            "python": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "anvil": anvil_rss,
        },
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


@contextmanager
def _connected(kind: str, chain: Chain | None) -> Iterator[Chain]:
    """`chain` as it is (its owner closes it), else a fresh `kind` chain closed at the end."""
    if chain is not None:
        yield chain
        return
    with connect(kind) as fresh:
        yield fresh


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _anvil_peak_kib(chain: Chain) -> int | None:
    proc = getattr(chain.anvil, "proc", None)
    if proc is None:
        return None
    try:
        with open(f"/proc/{proc.pid}/status") as status:
            lines = status.read().splitlines()
        for line in lines:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
