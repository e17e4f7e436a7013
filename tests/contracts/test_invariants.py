"""The five invariants of DESIGN.md under a hypothesis state machine.

Several orders at once, in ETH and in a 6-decimal token, some sold by a contract that refuses
ETH (so its payouts are credited and withdrawn), and every action of the lifecycle by every
party, wanted or not: registration, quotes (good, forged, replayed), funding with right and
wrong amounts, checkpoints by the right and the wrong recorder, signed checkpoints (and their
replay), holds, time jumps, confirmation, settlement, refunds, disputes, arbitration fees,
votes, default rulings, fee defaults, withdrawals, fee changes and pauses.

A Python model predicts each call's outcome: success, or the exact custom error the contract
must give. Ghost accounting mirrors what every account holds in ETH and in the token, what
the escrow owes each one and what each order has paid out. After every step:

1. conservation: per token, the escrow holds exactly what open orders lock + what it owes
   (+ the dispute deposits in ETH); the arbitrator holds its open disputes' fees + its credits;
2. every closed order paid out exactly its deposit (buyer + seller + fee), a cancelled one none;
3. statuses moved only along the lifecycle graph; terminal states never change;
4. every account's balances and credits equal the model's (nobody, operator included, moved
   money outside the rules; a reverted call changed nothing);
5. a signature (quote or checkpoint) took effect once: replays revert.

Profiles (HYPOTHESIS_PROFILE): `ci` (default, inside make test: a short run on eth-tester and a
longer one on pyrevm) and `deep` (make fuzz: at least 100,000 steps on pyrevm, which runs the
same build/ bytecode in-process).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi import encode
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tradelane.deploy import DEFAULT_PARAMS

from .desk import OrderHead
from .evm import Backend, Outcome, RevmBackend, TesterBackend

ETH = "0x" + "00" * 20
BPS = 10_000
DAY = 86_400
COST = DEFAULT_PARAMS["arbitration_cost"]
PERIOD = DEFAULT_PARAMS["ruling_period"]
MAX_ORDERS = 6

# Status
NONE, CREATED, ACCEPTED, FUNDED, IN_TRANSIT, DELIVERED, DISPUTED = range(7)
COMPLETED, REFUNDED, RESOLVED, CANCELLED = range(7, 11)
TERMINAL = {COMPLETED, REFUNDED, RESOLVED, CANCELLED}
ACTIVE = {FUNDED, IN_TRANSIT, DELIVERED}
GRAPH = {
    NONE: {CREATED, FUNDED, CANCELLED},
    CREATED: {ACCEPTED, CANCELLED},
    ACCEPTED: {FUNDED, CANCELLED},
    FUNDED: {IN_TRANSIT, DELIVERED, COMPLETED, REFUNDED, DISPUTED},
    IN_TRANSIT: {DELIVERED, COMPLETED, REFUNDED, DISPUTED},
    DELIVERED: {COMPLETED, DISPUTED},
    DISPUTED: {RESOLVED},
}
PICKED_UP, DELIVERED_STAGE = 2, 10
CUSTOMS_KINDS = {3, 8, 12, 13}
INSPECTOR_KINDS = {14, 15}
HOLD, RELEASE = 12, 13

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=8,
    stateful_step_count=50,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=1_400,
    stateful_step_count=100,
    suppress_health_check=list(HealthCheck),
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "deep"):
    PROFILE = "ci"
#: pyrevm's share of the ci profile: cheap, so more examples than on eth-tester.
REVM_CI = settings(settings.get_profile("ci"), max_examples=60, stateful_step_count=80)

STATS: Counter[str] = Counter()


class Ambiguous(Exception):
    """The next block's time straddles a deadline: the outcome is not predictable."""


@dataclass
class GOrder(OrderHead):
    order: tuple[Any, ...]
    terms: tuple[Any, ...]
    terms_hash: bytes
    id: bytes
    seller_actor: str  # "seller" or "wall"
    milestones: list[tuple[int, int]]
    panel: list[str]
    status: int = NONE
    stage: int = 0
    on_hold: bool = False
    fee_bps: int = 0
    released_bps: int = 0
    funded_at: int = 0
    delivered_at: int = 0
    deadline: int = 0
    deposit: int = 0
    buyer_opened: bool = False
    paid: Counter[str] = field(default_factory=Counter)

    @property
    def incoterm(self) -> int:
        return int(self.terms[2])

    def released(self, bps: int | None = None) -> int:
        return self.price * (self.released_bps if bps is None else bps) // BPS

    def locked(self) -> int:
        if self.status in (FUNDED, IN_TRANSIT, DELIVERED, DISPUTED):
            return self.price - self.released()
        return 0


@dataclass
class GDispute:
    order: int
    panel: list[str]
    deadline: int
    amount: int
    solved: bool = False
    voted: set[str] = field(default_factory=set)
    votes: Counter[int] = field(default_factory=Counter)


orders_st = st.fixed_dictionaries(
    {
        "usdc": st.booleans(),
        "wall": st.integers(0, 3).map(lambda n: n == 0),
        "eth_price": st.one_of(st.integers(1, 10**19), st.sampled_from([1, 10**18, 7 * 10**17])),
        "usdc_price": st.one_of(st.integers(1, 10**10), st.sampled_from([1, 3, 10**9])),
        "incoterm": st.integers(0, 10),
        "ship": st.integers(1, 10 * DAY),
        "extra": st.integers(0, 30 * DAY),
        "inspection": st.integers(0, 5 * DAY),
        "stages": st.lists(st.integers(PICKED_UP, DELIVERED_STAGE), unique=True, max_size=4),
        "bps": st.lists(st.integers(1, 2_500), min_size=4, max_size=4),
        "panel": st.sampled_from([(0,), (1,), (0, 1, 2), (2, 0, 1)]),
    }
)
ACTORS = [
    "buyer",
    "seller",
    "wall",
    "carrier",
    "customs",
    "inspector",
    "outsider",
    "operator",
    "treasury",
    "arbitrator0",
]
#: "right" is whoever the rule's action belongs to (the buyer funds, the other party pays the
#: arbitration fee...), so that lifecycles progress; the rest try what they must not.
actor_st = st.sampled_from(["right"] * len(ACTORS) + ACTORS)
warp_st = st.one_of(
    st.integers(1, 120),
    st.integers(1, 3 * DAY),
    st.sampled_from([3_600, DAY, 2 * DAY, 7 * DAY, 15 * DAY, 31 * DAY]),
)


class Trade(RuleBasedStateMachine):
    backend: Backend

    def __init__(self) -> None:
        super().__init__()
        b = self.backend
        self.a = dict(b.accounts)
        self.a["wall"] = b.addresses["RevertingReceiver"]
        self.escrow = b.addresses["TradeEscrow"]
        self.arbitration = b.addresses["DisputeArbitration"]
        self.usdc = b.addresses["USDC"]
        self.tokens = (ETH, self.usdc)
        self.eoas = [k for k in self.a if k != "wall"]
        self.tracked = {**self.a, "escrow": self.escrow, "arbitration": self.arbitration}
        self.payees = ["buyer", "seller", "wall", "treasury", "operator", "outsider"]
        self.orders: list[GOrder] = []
        self.disputes: list[GDispute] = []
        self.signed: list[tuple[int, tuple[Any, ...], str, int, int, bytes]] = []
        self.fee_bps = 0
        self.treasury = "treasury"  # who fee credits go to now
        self.fee_timeout = 2 * DAY
        self.paused = False
        self.nonce = 0
        self.cp_nonce = 0
        self.bal = {
            t: {k: self._read_balance(t, v) for k, v in self.tracked.items()} for t in self.tokens
        }
        self.owed = {t: {k: 0 for k in self.payees} for t in self.tokens}
        self.arb_owed = {f"arbitrator{i}": 0 for i in range(3)}
        # fees of panels that never voted, credited back to the escrow by the arbitrator
        self.arb_refunds = 0
        self.statuses: list[int] = []
        self.lo = self.hi = 0
        STATS["examples"] += 1

    # ------------------------------------------------------------------ plumbing
    def _read_balance(self, token: str, address: str) -> int:
        if token == ETH:
            return self.backend.eth(address)
        return int(self.backend.call("USDC", "balanceOf", address))

    def _tx(self, actor: str, contract: str, fn: str, *args: Any, value: int = 0) -> Outcome:
        b = self.backend
        data = b.abis[contract].enc(fn, *args)
        to = b.addresses[contract]
        if actor == "wall":  # the contract seller acts through its owner
            data = b.abis["RevertingReceiver"].enc("act", to, data)
            to, sender, payer = self.a["wall"], self.a["seller"], "seller"
        else:
            sender, payer = self.a[actor], actor
        out = b.tx(sender, to, data, value)
        self.bal[ETH][payer] -= out.gas_cost
        STATS["transactions"] += 1
        return out

    def _expect(self, out: Outcome, error: str | None, what: str) -> bool:
        if error is None:
            assert out.ok, f"{what}: expected success, got {out.error}{out.args}"
            STATS["accepted"] += 1
            STATS[f"ok {what.split('(')[0].split(' ')[0]}"] += 1
            return True
        assert not out.ok, f"{what}: expected {error}, but it succeeded"
        assert out.error == error, f"{what}: expected {error}, got {out.error}{out.args}"
        STATS["refused"] += 1
        STATS[f"refused {error}"] += 1
        return False

    def _time(self) -> None:
        self.lo, self.hi = self.backend.window()

    def _after(self, deadline: int) -> bool:
        """block.timestamp > deadline for the next transaction."""
        if self.lo > deadline:
            return True
        if self.hi <= deadline:
            return False
        raise Ambiguous

    def _move(self, token: str, frm: str, to: str, amount: int) -> None:
        self.bal[token][frm] -= amount
        self.bal[token][to] += amount

    def _pay(self, o: GOrder, who: str, to: str, token: str, amount: int) -> None:
        """The escrow's push: credited instead when the receiver refuses ETH."""
        if amount == 0:
            return
        if to == "wall" and token == ETH:
            self.owed[token][to] += amount
        else:
            self._move(token, "escrow", to, amount)
        if who:
            o.paid[who] += amount

    def _fee(self, o: GOrder, amount: int) -> int:
        fee = amount * o.fee_bps // BPS
        if fee:
            self.owed[o.token][self.treasury] += fee
            o.paid["fee"] += fee
        return amount - fee

    def _name(self, address: str) -> str:
        return next(k for k, v in self.a.items() if v == address)

    def _pick(self, i: int) -> GOrder:
        return self.orders[i % len(self.orders)]

    def _who(self, actor: str, right: str) -> str:
        return right if actor == "right" else actor

    has_orders = precondition(lambda self: bool(self.orders))

    # ------------------------------------------------------------------ orders
    @initialize(specs=st.lists(orders_st, min_size=2, max_size=4))
    def first_orders(self, specs: list[dict[str, Any]]) -> None:
        for spec in specs:
            self.new_order(spec)

    @rule(spec=orders_st)
    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    def new_order(self, spec: dict[str, Any]) -> None:
        self.nonce += 1
        token = self.usdc if spec["usdc"] else ETH
        price = spec["usdc_price"] if spec["usdc"] else spec["eth_price"]
        seller_actor = "wall" if spec["wall"] else "seller"
        stages = sorted(spec["stages"])
        milestones = [(s, spec["bps"][i]) for i, s in enumerate(stages)]
        panel = [self.a[f"arbitrator{k}"] for k in spec["panel"]]
        order = (self.a["buyer"], self.a[seller_actor], token, price)
        terms = (
            self.a["carrier"],
            self.arbitration,
            spec["incoterm"],
            spec["ship"],
            spec["ship"] + spec["extra"],
            spec["inspection"],
            0,
            self.nonce,
            self.nonce.to_bytes(32, "big"),
            b"CNSHA",
            b"DEHAM",
            milestones,
            encode(["address[]"], [panel]),
        )
        th = self.backend.call("TradeEscrow", "hashTerms", terms)
        oid = self.backend.call("TradeEscrow", "orderId", order, th)
        self.orders.append(GOrder(order, terms, th, oid, seller_actor, milestones, panel))
        self.statuses.append(NONE)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def register(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        err = None
        if self.paused:
            err = "EnforcedPause"
        elif self.a[actor] != o.buyer:
            err = "OrderUnauthorized"
        elif o.status != NONE:
            err = "OrderInvalidStatus"
        out = self._tx(actor, "TradeEscrow", "register", o.order, o.terms, "ipfs://po")
        if self._expect(out, err, "register"):
            o.status, o.fee_bps = CREATED, self.fee_bps

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def accept(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, o.seller_actor)
        err = None
        if self.paused:
            err = "EnforcedPause"
        elif self.a[actor] != o.seller:
            err = "OrderUnauthorized"
        elif o.status != CREATED:
            err = "OrderInvalidStatus"
        if self._expect(
            self._tx(actor, "TradeEscrow", "accept", o.order, o.terms_hash), err, "accept"
        ):
            o.status = ACCEPTED

    def _funding_error(self, o: GOrder, value: int) -> str | None:
        if o.token == ETH:
            return None if value == o.price else "EscrowWrongPayment"
        return None if value == 0 else "EscrowWrongPayment"

    def _funded(self, o: GOrder, out: Outcome, value: int) -> None:
        o.status, o.funded_at = FUNDED, out.timestamp
        if o.token == ETH:
            self._move(ETH, "buyer", "escrow", value)
        else:
            self._move(o.token, "buyer", "escrow", o.price)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, wrong=st.integers(0, 5))
    @has_orders
    def fund(self, i: int, actor: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        value = (o.price if o.token == ETH else 0) + (1 if wrong == 0 else 0)
        err = None
        if self.paused:
            err = "EnforcedPause"
        elif self.a[actor] != o.buyer:
            err = "OrderUnauthorized"
        elif o.status != ACCEPTED:
            err = "OrderInvalidStatus"
        else:
            err = self._funding_error(o, value)
        out = self._tx(actor, "TradeEscrow", "fund", o.order, o.terms_hash, value=value)
        if self._expect(out, err, "fund"):
            self._funded(o, out, value)

    @rule(
        i=st.integers(0, MAX_ORDERS),
        actor=actor_st,
        signer=st.sampled_from(["seller", "seller", "buyer"]),
        wrong=st.integers(0, 5),
    )
    @has_orders
    def fund_with_quote(self, i: int, actor: str, signer: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        value = (o.price if o.token == ETH else 0) + (1 if wrong == 0 else 0)
        digest = self.backend.call("TradeEscrow", "quoteDigest", o.id)
        sig = self.backend.sign_hash(self.a[signer], digest)
        err = None
        if self.paused:
            err = "EnforcedPause"
        elif self.a[actor] != o.buyer:
            err = "OrderUnauthorized"
        elif self.a[signer] != o.seller:  # a contract seller cannot quote (no ERC-1271)
            err = "OrderInvalidSignature"
        elif o.status != NONE:  # a used (or withdrawn) quote: valid once
            err = "OrderInvalidStatus"
        else:
            err = self._funding_error(o, value)
        out = self._tx(
            actor, "TradeEscrow", "fundWithQuote", o.order, o.terms, "", sig, value=value
        )
        if self._expect(out, err, "fundWithQuote"):
            o.fee_bps = self.fee_bps
            self._funded(o, out, value)

    @rule(i=st.integers(0, MAX_ORDERS), actor=st.sampled_from(ACTORS))
    @has_orders
    def cancel(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, ("buyer" if i % 2 else o.seller_actor))
        err = None
        if self.a[actor] not in (o.buyer, o.seller):
            err = "OrderUnauthorized"
        elif o.status not in (NONE, CREATED, ACCEPTED):
            err = "OrderInvalidStatus"
        if self._expect(
            self._tx(actor, "TradeEscrow", "cancel", o.order, o.terms_hash), err, "cancel"
        ):
            o.status = CANCELLED

    # ------------------------------------------------------------------ logistics
    def _release_due(self, o: GOrder, stage: int) -> None:
        due = sum(bps for s, bps in o.milestones if s <= stage)
        if due <= o.released_bps:
            return
        tranche = o.released(due) - o.released()
        o.released_bps = due
        self._pay(o, "seller", o.seller_actor, o.token, self._fee(o, tranche))

    def _checkpoint_error(self, o: GOrder, kind: int, actor: str) -> str | None:
        if kind == 0 or kind > 15:
            return "TrackerInvalidKind"
        if kind in CUSTOMS_KINDS:
            allowed = actor == "customs"
        elif kind in INSPECTOR_KINDS:
            allowed = actor == "inspector"
        else:
            allowed = self.a[actor] == o.terms[0]
        if not allowed:
            return "TrackerUnauthorized"
        if kind <= DELIVERED_STAGE:
            if o.status not in (FUNDED, IN_TRANSIT, DELIVERED, DISPUTED):
                return "OrderInvalidStatus"
            if kind <= o.stage:
                return "EscrowStageNotForward"
        elif kind in (HOLD, RELEASE):
            if o.status not in (FUNDED, IN_TRANSIT, DELIVERED, DISPUTED):
                return "OrderInvalidStatus"
        elif o.status not in (FUNDED, IN_TRANSIT, DELIVERED, DISPUTED):
            return "TrackerOrderInactive"
        return None

    def _checkpoint_effect(self, o: GOrder, kind: int, ts: int) -> None:
        if kind <= DELIVERED_STAGE:
            o.stage = kind
            if kind == DELIVERED_STAGE:
                o.delivered_at = ts
            if o.status == DISPUTED:
                return
            if kind == DELIVERED_STAGE:
                o.status = DELIVERED
            elif kind >= PICKED_UP and o.status == FUNDED:
                o.status = IN_TRANSIT
            if not o.on_hold:
                self._release_due(o, kind)
        elif kind in (HOLD, RELEASE):
            o.on_hold = kind == HOLD
            if kind == RELEASE and o.status != DISPUTED:
                self._release_due(o, o.stage)

    def _recorder(self, kind: int) -> str:
        if kind in CUSTOMS_KINDS:
            return "customs"
        return "inspector" if kind in INSPECTOR_KINDS else "carrier"

    def _cp(self, kind: int) -> tuple[Any, ...]:
        return (kind, b"CNSHA", kind.to_bytes(32, "big"), "")

    @rule(
        i=st.integers(0, MAX_ORDERS),
        kind=st.one_of(st.integers(-3, -1), st.integers(1, 15), st.sampled_from([0, 16])),
        actor=st.sampled_from(
            ["right"] * 6 + ["carrier", "customs", "inspector", "outsider", "seller"]
        ),
    )
    @has_orders
    def record(self, i: int, kind: int, actor: str) -> None:
        o = self._pick(i)
        if kind < 0:  # the next stage or one a little further
            kind = min(o.stage - kind, DELIVERED_STAGE)
        actor = self._who(actor, self._recorder(kind))
        err = self._checkpoint_error(o, kind, actor)
        out = self._tx(actor, "LogisticsTracker", "record", o.order, o.terms, self._cp(kind))
        if self._expect(out, err, f"record({kind}) by {actor}"):
            self._checkpoint_effect(o, kind, out.timestamp)

    @rule(
        i=st.integers(0, MAX_ORDERS),
        kind=st.one_of(st.integers(-3, -1), st.integers(1, 15)),
        signer=st.sampled_from(["right"] * 4 + ["carrier", "customs", "inspector", "outsider"]),
        forged=st.integers(0, 6),
    )
    @has_orders
    def record_signed(self, i: int, kind: int, signer: str, forged: int) -> None:
        o = self._pick(i)
        if kind < 0:
            kind = min(o.stage - kind, DELIVERED_STAGE)
        signer = self._who(signer, self._recorder(kind))
        self.cp_nonce += 1
        cp = self._cp(kind)
        deadline = self.backend.now() + DAY
        digest = self.backend.call(
            "LogisticsTracker", "checkpointDigest", o.id, cp, deadline, self.cp_nonce
        )
        key_of = "outsider" if forged == 0 else signer  # forged: someone else's key
        sig = self.backend.sign_hash(self.a[key_of], digest)
        err = (
            "TrackerInvalidSignature"
            if key_of != signer
            else self._checkpoint_error(o, kind, signer)
        )
        out = self._tx(
            "outsider",
            "LogisticsTracker",
            "recordSigned",
            o.order,
            o.terms,
            cp,
            self.a[signer],
            deadline,
            self.cp_nonce,
            sig,
        )
        if self._expect(out, err, f"recordSigned({kind}) for {signer}"):
            self._checkpoint_effect(o, kind, out.timestamp)
            self.signed.append((self.orders.index(o), cp, signer, deadline, self.cp_nonce, sig))

    @rule(j=st.integers(0, 100), relayer=actor_st)
    @precondition(lambda self: bool(self.signed))
    def replay_signed_checkpoint(self, j: int, relayer: str) -> None:
        idx, cp, signer, deadline, nonce, sig = self.signed[j % len(self.signed)]
        relayer = self._who(relayer, "outsider")
        o = self.orders[idx]
        self._time()
        try:
            err = "TrackerSignatureExpired" if self._after(deadline) else "TrackerSignatureUsed"
        except Ambiguous:
            return
        out = self._tx(
            relayer,
            "LogisticsTracker",
            "recordSigned",
            o.order,
            o.terms,
            cp,
            self.a[signer],
            deadline,
            nonce,
            sig,
        )
        self._expect(out, err, "replayed checkpoint")

    @rule(seconds=warp_st)
    def warp(self, seconds: int) -> None:
        self.backend.warp(seconds)

    # ------------------------------------------------------------------ settlement
    def _complete(self, o: GOrder) -> None:
        rest = o.price - o.released()
        o.status = COMPLETED
        self._pay(o, "seller", o.seller_actor, o.token, self._fee(o, rest))

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def confirm(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        err = None
        if self.a[actor] != o.buyer:
            err = "OrderUnauthorized"
        elif o.status not in ACTIVE:
            err = "OrderInvalidStatus"
        elif o.on_hold:
            err = "EscrowOnHold"
        if self._expect(
            self._tx(actor, "TradeEscrow", "confirm", o.order, o.terms_hash), err, "confirm"
        ):
            self._complete(o)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def settle(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        self._time()
        err = None
        try:
            if o.status != DELIVERED:
                err = "OrderInvalidStatus"
            elif o.on_hold:
                err = "EscrowOnHold"
            elif not self._after(o.delivered_at + o.terms[5]):
                err = "EscrowDeadlineNotReached"
        except Ambiguous:
            return
        if self._expect(self._tx(actor, "TradeEscrow", "settle", o.order, o.terms), err, "settle"):
            self._complete(o)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def refund(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        self._time()
        err = None
        try:
            if o.status not in (FUNDED, IN_TRANSIT):
                err = "OrderInvalidStatus"
            elif o.stage >= PICKED_UP or not self._after(o.funded_at + o.terms[3]):
                if not self._after(o.funded_at + o.terms[4]):
                    err = "EscrowDeadlineNotReached"
                elif not 4 <= o.incoterm <= 6:
                    err = "EscrowRiskWithBuyer"
        except Ambiguous:
            return
        if self._expect(self._tx(actor, "TradeEscrow", "refund", o.order, o.terms), err, "refund"):
            amount = o.price - o.released()
            o.status = REFUNDED
            self._pay(o, "buyer", "buyer", o.token, amount)

    # ------------------------------------------------------------------ disputes
    def _resolve(self, o: GOrder, amount: int, share: int) -> None:
        to_buyer = amount * share // BPS
        to_seller = self._fee(o, amount - to_buyer)
        deposit = o.deposit
        o.status, o.deadline, o.deposit = RESOLVED, 0, 0
        self._pay(o, "buyer", "buyer", o.token, to_buyer)
        self._pay(o, "seller", o.seller_actor, o.token, to_seller)
        if share > BPS // 2:
            self._pay(o, "", "buyer", ETH, deposit)
        elif share < BPS // 2:
            self._pay(o, "", o.seller_actor, ETH, deposit)
        else:
            self._pay(o, "", "buyer", ETH, deposit - deposit // 2)
            self._pay(o, "", o.seller_actor, ETH, deposit // 2)

    def _party(self, o: GOrder, actor: str) -> bool | None:
        if self.a[actor] == o.buyer:
            return True
        if self.a[actor] == o.seller:
            return False
        return None

    def _payer(self, actor: str) -> str:
        return "seller" if actor == "wall" else actor

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, wrong=st.integers(0, 5))
    @has_orders
    def dispute(self, i: int, actor: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, ("buyer" if wrong % 2 else o.seller_actor))
        value = COST + (1 if wrong == 0 else 0)
        self._time()
        by_buyer = self._party(o, actor)
        err = None
        try:
            if by_buyer is None:
                err = "OrderUnauthorized"
            elif o.status not in ACTIVE:
                err = "OrderInvalidStatus"
            elif o.status == DELIVERED and self._after(o.delivered_at + o.terms[5]):
                err = "EscrowDeadlinePassed"
            elif value != COST:
                err = "EscrowWrongPayment"
        except Ambiguous:
            return
        out = self._tx(
            actor, "TradeEscrow", "dispute", o.order, o.terms, "ipfs://evidence", value=value
        )
        if self._expect(out, err, "dispute"):
            o.status, o.buyer_opened = DISPUTED, bool(by_buyer)
            o.deadline, o.deposit = out.timestamp + self.fee_timeout, COST
            self._move(ETH, self._payer(actor), "escrow", COST)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, wrong=st.integers(0, 5))
    @has_orders
    def pay_arbitration_fee(self, i: int, actor: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, (o.seller_actor if o.buyer_opened else "buyer"))
        value = COST + (1 if wrong == 0 else 0)
        self._time()
        by_buyer = self._party(o, actor)
        err = None
        try:
            if by_buyer is None:
                err = "OrderUnauthorized"
            elif o.status != DISPUTED:
                err = "OrderInvalidStatus"
            elif by_buyer == o.buyer_opened:
                err = "OrderUnauthorized"
            elif o.deadline == 0:
                err = "EscrowFeeAlreadyPaid"
            elif self._after(o.deadline):
                err = "EscrowDeadlinePassed"
            elif value != COST:
                err = "EscrowWrongPayment"
        except Ambiguous:
            return
        out = self._tx(actor, "TradeEscrow", "payArbitrationFee", o.order, o.terms, value=value)
        if self._expect(out, err, "payArbitrationFee"):
            o.deadline = 0
            self._move(ETH, self._payer(actor), "arbitration", COST)
            amount = o.price - o.released()
            self.disputes.append(
                GDispute(self.orders.index(o), o.panel, out.timestamp + PERIOD, amount)
            )

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def enforce_fee_timeout(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        self._time()
        err = None
        try:
            if o.status != DISPUTED:
                err = "OrderInvalidStatus"
            elif o.deadline == 0:
                err = "EscrowFeeAlreadyPaid"
            elif not self._after(o.deadline):
                err = "EscrowDeadlineNotReached"
        except Ambiguous:
            return
        out = self._tx(actor, "TradeEscrow", "enforceFeeTimeout", o.order, o.terms_hash)
        if self._expect(out, err, "enforceFeeTimeout"):
            self._resolve(o, o.price - o.released(), BPS if o.buyer_opened else 0)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def submit_evidence(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, ("buyer" if i % 2 else o.seller_actor))
        err = None
        if self._party(o, actor) is None:
            err = "OrderUnauthorized"
        elif o.status != DISPUTED:
            err = "OrderInvalidStatus"
        out = self._tx(actor, "TradeEscrow", "submitEvidence", o.order, o.terms, "ipfs://more")
        self._expect(out, err, "submitEvidence")

    def _decide(self, d: GDispute, ruling: int, by_default: bool = False) -> None:
        d.solved = True
        o = self.orders[d.order]
        # the arbitrator pays (or refunds) the fee before the escrow executes the ruling
        paid = [m for m in d.panel if not by_default or self._name(m) in d.voted]
        if not paid:
            # a panel that never voted is not paid: the fee is credited back to the escrow
            self.arb_refunds += COST
        share = COST // len(paid) if paid else 0
        for k, member in enumerate(paid):
            self._move(
                ETH,
                "arbitration",
                self._name(member),
                COST - share * (len(paid) - 1) if k == 0 else share,
            )
        self._resolve(o, d.amount, BPS // 2 if ruling == 0 else ruling - 1)

    @rule(
        j=st.integers(0, 7),
        member=st.sampled_from(["arbitrator0", "arbitrator1", "arbitrator2", "outsider"]),
        ruling=st.one_of(st.integers(0, 10_001), st.sampled_from([0, 1, 5_001, 10_001, 10_002])),
    )
    @precondition(lambda self: bool(self.disputes))
    def vote(self, j: int, member: str, ruling: int) -> None:
        j = j % (len(self.disputes) + 1)  # now and then one that does not exist
        self._time()
        err = None
        d = self.disputes[j] if j < len(self.disputes) else None
        try:
            if d is None:
                err = "ArbitrationUnknownDispute"
            elif d.solved:
                err = "ArbitrationDisputeSolved"
            elif self._after(d.deadline):
                err = "ArbitrationDeadlinePassed"
            elif ruling > BPS + 1:
                err = "ArbitrationInvalidRuling"
            elif self.a[member] not in d.panel:
                err = "ArbitrationNotPanelMember"
            elif member in d.voted:
                err = "ArbitrationAlreadyVoted"
        except Ambiguous:
            return
        out = self._tx(member, "DisputeArbitration", "vote", j, ruling)
        if self._expect(out, err, "vote") and d is not None:
            d.voted.add(member)
            d.votes[ruling] += 1
            if d.votes[ruling] * 2 > len(d.panel):
                self._decide(d, ruling)

    @rule(j=st.integers(0, 7), actor=actor_st)
    @precondition(lambda self: bool(self.disputes))
    def rule_by_default(self, j: int, actor: str) -> None:
        j = j % (len(self.disputes) + 1)
        actor = self._who(actor, "outsider")
        self._time()
        err = None
        d = self.disputes[j] if j < len(self.disputes) else None
        try:
            if d is None:
                err = "ArbitrationUnknownDispute"
            elif d.solved:
                err = "ArbitrationDisputeSolved"
            elif not self._after(d.deadline):
                err = "ArbitrationDeadlineNotReached"
        except Ambiguous:
            return
        out = self._tx(actor, "DisputeArbitration", "ruleByDefault", j)
        if self._expect(out, err, "ruleByDefault") and d is not None:
            self._decide(d, 0, by_default=True)

    @rule(j=st.integers(0, 7), actor=st.sampled_from(ACTORS), ruling=st.integers(0, 10_002))
    @precondition(lambda self: bool(self.disputes))
    def outsider_rules(self, j: int, actor: str, ruling: int) -> None:
        """Nobody but the arbitrator contract executes a ruling."""
        actor = self._who(actor, "arbitrator0")
        out = self._tx(actor, "TradeEscrow", "rule", j, ruling)
        self._expect(out, "EscrowUnknownDispute", "rule by an account")

    # ------------------------------------------------------------------ money out
    @rule(
        actor=st.sampled_from(["buyer", "seller", "wall", "treasury", "operator", "outsider"]),
        usdc=st.booleans(),
        to=st.sampled_from(["self", "self", "seller", "zero"]),
    )
    def withdraw(self, actor: str, usdc: bool, to: str) -> None:
        token = self.usdc if usdc else ETH
        amount = self.owed[token][actor]
        if to == "self":
            if actor == "wall" and amount and token == ETH:
                err: str | None = "Refused"  # its own receive refuses: the credit stays
            else:
                err = None if amount else "EscrowNothingToWithdraw"
            out = self._tx(actor, "TradeEscrow", "withdraw", token)
            dest = actor
        else:
            dest = "seller" if to == "seller" else ""
            target = self.a["seller"] if to == "seller" else ETH
            err = (
                "EscrowZeroAddress"
                if to == "zero"
                else (None if amount else "EscrowNothingToWithdraw")
            )
            out = self._tx(actor, "TradeEscrow", "withdrawTo", token, target)
        if self._expect(out, err, f"withdraw by {actor}"):
            self.owed[token][actor] = 0
            self._move(token, "escrow", dest, amount)

    # ------------------------------------------------------------------ operator
    @rule(
        what=st.sampled_from(
            ["fee", "timeout", "pause", "unpause", "unpause", "bypass", "treasury"]
        ),
        actor=st.sampled_from(["operator", "operator", "operator", "outsider", "buyer", "seller"]),
        bps=st.integers(0, 250),
        timeout=st.sampled_from([60, 3_600, DAY, 2 * DAY, 30 * DAY, 31 * DAY]),
        i=st.integers(0, MAX_ORDERS),
        stage=st.integers(1, 10),
    )
    def operator(self, what: str, actor: str, bps: int, timeout: int, i: int, stage: int) -> None:
        """The operator's levers, and everyone else trying them; none of them moves money."""
        denied = "AccessControlUnauthorizedAccount" if actor != "operator" else None
        if what == "fee":
            err = denied or ("EscrowFeeTooHigh" if bps > 200 else None)
            if self._expect(self._tx(actor, "TradeEscrow", "setFee", bps), err, "setFee"):
                self.fee_bps = bps
        elif what == "timeout":
            err = denied or (None if 3_600 <= timeout <= 30 * DAY else "EscrowInvalidFeeTimeout")
            out = self._tx(actor, "TradeEscrow", "setFeeTimeout", timeout)
            if self._expect(out, err, "setFeeTimeout"):
                self.fee_timeout = timeout
        elif what == "treasury":
            # Future fee credits go elsewhere; nothing already credited moves.
            to = "outsider" if self.treasury == "treasury" else "treasury"
            out = self._tx(actor, "TradeEscrow", "setTreasury", self.a[to])
            if self._expect(out, denied, "setTreasury"):
                self.treasury = to
        elif what in ("pause", "unpause"):
            on = what == "pause"
            err = denied
            if err is None and on and self.paused:
                err = "EnforcedPause"
            elif err is None and not on and not self.paused:
                err = "ExpectedPause"
            if self._expect(self._tx(actor, "TradeEscrow", what), err, what):
                self.paused = on
        elif self.orders:
            # Only the tracker reports stages and holds: nobody can release money by hand.
            o = self._pick(i)
            out = self._tx(
                actor, "TradeEscrow", "onStage", o.order, o.terms_hash, stage, 0xFFFFFF, 0
            )
            self._expect(out, "EscrowOnlyTracker", "onStage")
            out = self._tx(actor, "TradeEscrow", "onHold", o.order, o.terms_hash, False, 0)
            self._expect(out, "EscrowOnlyTracker", "onHold")

    # ------------------------------------------------------------------ progress
    def _advance(self, i: int, c: int) -> None:
        """The next sensible step of order i (the rules above, by the right party), so that
        lifecycles run to their ends often; which step, and any time jump, vary with c."""
        o = self._pick(i)
        if o.on_hold and c % 3:
            return self.record(i, RELEASE, "right")
        if o.status == NONE:
            if c % 3 == 0 or o.seller_actor == "wall":
                return self.register(i, "right")
            return self.fund_with_quote(i, "right", "seller", 1)
        if o.status == CREATED:
            return self.accept(i, "right")
        if o.status == ACCEPTED:
            return self.fund(i, "right", 1)
        if o.status in (FUNDED, IN_TRANSIT):
            step = c % 12
            if step <= 6:
                return self.record(i, -1 - c % 3, "right")
            if step == 7:
                return self.record(i, HOLD, "right")
            if step == 8:
                return self.confirm(i, "right")
            if step == 9:
                return self.dispute(i, "right", c)
            self.backend.warp(o.terms[3] if step == 10 else o.terms[4] + c % 3)
            return self.refund(i, "right")
        if o.status == DELIVERED:
            step = c % 4
            if step == 0:
                return self.confirm(i, "right")
            if step == 1:
                return self.dispute(i, "right", c)
            self.backend.warp(o.terms[5] + c % 2)
            return self.settle(i, "right")
        if o.status == DISPUTED:
            if o.deadline:
                if c % 4:
                    return self.pay_arbitration_fee(i, "right", 1)
                self.backend.warp(self.fee_timeout + c % 2)
                return self.enforce_fee_timeout(i, "right")
            j = next(k for k, d in enumerate(self.disputes) if self.orders[d.order] is o)
            d = self.disputes[j]
            members = [self._name(m) for m in d.panel if self._name(m) not in d.voted]
            if c % 5 == 0 or not members:  # (a split panel that has all voted waits for it)
                self.backend.warp(PERIOD + c % 2)
                return self.rule_by_default(j, "right")
            ruling = [0, 1, 5_001, 10_001, 2_500, c][c % 6]
            return self.vote(j, members[c % len(members)], ruling)
        return self.withdraw(["buyer", "seller", "wall", "treasury"][c % 4], bool(c % 2), "self")

    # Progress is drawn as often as six other rules together.
    for _n in range(6):
        locals()[f"advance_{_n}"] = rule(i=st.integers(0, MAX_ORDERS), c=st.integers(0, 10_001))(
            has_orders(lambda self, i, c: self._advance(i, c))
        )
    del _n

    # ------------------------------------------------------------------ invariants
    @invariant()
    def the_five_invariants(self) -> None:
        b = self.backend
        STATS["steps"] += 1
        # 4. every account holds what the model says, in both tokens, and is owed what it says
        real_owed: dict[str, int] = {}
        for token in self.tokens:
            # only the escrow pays tokens out: who else could hold them is who it pays
            holders = self.tracked if token == ETH else [*self.payees, "escrow"]
            for name in holders:
                real = self._read_balance(token, self.tracked[name])
                assert real == self.bal[token][name], (
                    f"{name} holds {real}, model {self.bal[token][name]} ({token})"
                )
            total = 0
            for name in self.payees:
                real = int(b.call("TradeEscrow", "owed", self.a[name], token))
                assert real == self.owed[token][name], (
                    f"{name} owed {real}, model {self.owed[token][name]}"
                )
                total += real
            real_owed[token] = total
        for name, expected in self.arb_owed.items():
            assert int(b.call("DisputeArbitration", "owed", self.a[name])) == expected
        # 1. conservation, from the chain's own numbers
        for token in self.tokens:
            locked = sum(o.locked() for o in self.orders if o.token == token)
            owed = real_owed[token]
            deposits = sum(o.deposit for o in self.orders) if token == ETH else 0
            assert self._read_balance(token, self.escrow) == locked + owed + deposits, (
                "escrow conservation"
            )
        open_fees = COST * sum(1 for d in self.disputes if not d.solved)
        assert int(b.call("DisputeArbitration", "owed", self.escrow)) == self.arb_refunds
        assert (
            b.eth(self.arbitration) == open_fees + sum(self.arb_owed.values()) + self.arb_refunds
        ), "arbitrator conservation"
        # 2. and 3. every order: its state, its payouts, its path
        for k, o in enumerate(self.orders):
            state = b.call("TradeEscrow", "orderState", o.id)
            status, stage, on_hold = state[0], state[1], state[2]
            assert (status, stage, on_hold) == (o.status, o.stage, o.on_hold), f"order {k} state"
            assert (state[5], state[6], state[10]) == (o.fee_bps, o.released_bps, o.deposit), (
                f"order {k} money"
            )
            before = self.statuses[k]
            if status != before:
                assert before not in TERMINAL, f"terminal order {k} moved {before}->{status}"
                assert status in GRAPH[before], f"order {k} moved {before}->{status}"
                STATS[f"transition {before}->{status}"] += 1
            self.statuses[k] = status
            paid = o.paid["buyer"] + o.paid["seller"] + o.paid["fee"]
            if status in (COMPLETED, REFUNDED, RESOLVED):
                assert paid == o.price, f"order {k} paid {paid} of {o.price}"
            elif status == CANCELLED or status <= ACCEPTED:
                assert paid == 0
            else:
                assert paid == o.released(), f"order {k} released {paid}"
        STATS["invariant checks"] += 5
        if PROFILE == "deep" and STATS["steps"] % 10_000 == 0:
            print(
                f"  ... {STATS['steps']:,} steps, {STATS['transactions']:,} transactions",
                flush=True,
            )


def _run(machine: type[Trade], backend_factory: Any, profile: settings) -> None:
    class Bound(machine):  # type: ignore[misc, valid-type]
        pass

    def make() -> Trade:
        Bound.backend = backend_factory()
        return Bound()

    run_state_machine_as_test(make, settings=profile)


def _report(label: str, started: float, before: Counter[str]) -> None:
    elapsed = time.perf_counter() - started
    steps = STATS["steps"] - before["steps"]
    txs = STATS["transactions"] - before["transactions"]
    checks = STATS["invariant checks"] - before["invariant checks"]
    print(
        f"\n[{label}] {STATS['examples'] - before['examples']} runs, {steps} steps "
        f"({steps / elapsed:.0f} steps/s), {txs} transactions "
        f"({STATS['accepted'] - before['accepted']} accepted, "
        f"{STATS['refused'] - before['refused']} refused as predicted), "
        f"{checks} invariant checks (5 invariants after every step), {elapsed:.1f}s"
    )
    moves = sorted(k for k in STATS if k.startswith("transition"))
    print(f"[{label}] transitions seen: " + ", ".join(f"{k[11:]}x{STATS[k]}" for k in moves))


@pytest.mark.eth_tester_only
@pytest.mark.skipif(PROFILE == "deep", reason="the deep profile runs on pyrevm")
def test_invariants_on_the_session_chain(chain, suite, artifacts, desk) -> None:  # type: ignore[no-untyped-def]
    from tradelane.deploy import deploy_contract

    wall, _ = deploy_contract(chain, artifacts["RevertingReceiver"], [], sender=desk.p["seller"])
    accounts = {k: v for k, v in desk.p.items() if k != "arbitrators"}
    accounts.update({f"arbitrator{i}": a for i, a in enumerate(desk.p["arbitrators"])})
    backend = TesterBackend(chain, suite, artifacts, accounts, wall.address)
    backend.warp(DAY)  # chain time ahead of the wall clock: block times follow each other
    before, started = Counter(STATS), time.perf_counter()

    def fresh() -> Backend:
        snap = chain.snapshot()
        backend._snapshot = snap  # type: ignore[attr-defined]
        return backend

    class OnChain(Trade):
        def teardown(self) -> None:
            chain.revert(self.backend._snapshot)  # type: ignore[attr-defined]

    _run(OnChain, fresh, settings.get_profile("ci"))
    _report("eth-tester", started, before)


def test_invariants_on_pyrevm(artifacts) -> None:  # type: ignore[no-untyped-def]
    profile = settings.get_profile("deep") if PROFILE == "deep" else REVM_CI
    before, started = Counter(STATS), time.perf_counter()
    _run(Trade, lambda: RevmBackend(artifacts), profile)
    _report(f"pyrevm, {PROFILE}", started, before)
    if PROFILE == "deep":
        assert STATS["steps"] - before["steps"] >= 100_000
