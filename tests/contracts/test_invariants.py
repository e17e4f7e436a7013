"""The five invariants of DESIGN.md under a hypothesis state machine whose expectations come
from the rules (../shared/DESIGN.md, issue 11 and docs/CONTRACTS.md "Rights"), not from the
contracts' code.

Several orders at once, in ETH, in a 6-decimal token and (refused) in a fee-on-transfer token,
some sold by a contract that refuses ETH (its payouts are credited; it withdraws them to its
owner), some arbitrated by a panel and some by an impostor arbitrator, some with invalid terms.
Every action by every party, wanted or not: registration, quotes (good, forged, replayed, over
the fee cap), funding with right and wrong amounts, carrier stages, customs clearances and
holds, inspections, by the order's own recorders, by accredited-only accounts and by others,
directly or signed (in sequence, out of sequence, replayed, expired, revoked), confirmation,
settlement, refunds, disputes, arbitration fees, votes, default rulings, fee and ruling
timeouts, withdrawals, and the operator's levers (fee, fee timeout, treasury, pause, roles,
arbitrator registration) at any moment. A starved transaction tries to force a payout into a
credit. Issue 12's ways out without a court: settlement proposals (counter-proposals,
withdrawals, acceptances of a replaced share, by the proposer, by outsiders), accepted before
or during a dispute, also once the arbitrator holds it (its later ruling, or the fee it
refunds, arrives after the order ended); early releases and goodwill refunds of any share,
and fee refunds by the impostor arbitrator.

Time is exact: every transaction runs at the block timestamp the model chooses, and the
machine aims at each deadline (ship-by, deliver-by, inspection window, fee deadline, ruling
deadline, the arbitrator's ruling period, a signature's deadline, a quote's validity) at the
second before, the second itself and the second after. So each outcome is predicted exactly:
success, or the custom error the rules call for.

After every step:

1. conservation: per token, the escrow holds exactly what open orders lock + what it owes
   (+ the dispute deposits in ETH); the arbitrator holds its open disputes' fees + its credits;
2. every closed order paid out exactly its deposit (buyer + seller + fee), a cancelled one none;
3. statuses moved only along the lifecycle graph; terminal states never change;
4. every account's balances and credits, and every order's state, equal the model's (nobody,
   operator included, moved money outside the rules; a reverted call changed nothing); so do
   every party's reputation (completed, disputes opened/won/lost, on time, volume, settled,
   refunded) and every order's settlement on the table;
5. a signature (quote or checkpoint) took effect once: replays revert, and each signer's
   checkpoint sequence for an order is the model's.

The ci profile must hit every custom error of TradeEscrow (with OrderRegistry) and
LogisticsTracker, and those of DisputeArbitration the machine reaches (ERRORS_EXCLUDED says why
the rest cannot be); it prints the counts and writes build/invariant-error-counts.json.

Profiles (HYPOTHESIS_PROFILE): `ci` (default, inside make test: a short run on eth-tester and a
longer one on pyrevm) and `deep` (make fuzz: at least 100,000 steps on pyrevm, which runs the
same build/ bytecode in-process; INVARIANT_STEPS lowers the floor for a quick look).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
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

from tradelane._client.form import pack_order_form
from tradelane.deploy import DEFAULT_PARAMS

from .arbitration_model import CHOICES, ImpostorModel, PanelModel
from .desk import OrderHead
from .evm import Backend, Outcome, RevmBackend, TesterBackend

ETH = "0x" + "00" * 20
ZERO = ETH
BPS = 10_000
DAY = 86_400
COST = DEFAULT_PARAMS["arbitration_cost"]
PERIOD = DEFAULT_PARAMS["ruling_period"]
MAX_ORDERS = 5
MAX_FEE = 200
RULING_DEFAULT, RULING_MIN, RULING_MAX = 180 * DAY, 30 * DAY, 730 * DAY
FEE_TIMEOUT_MIN, FEE_TIMEOUT_MAX = 3_600, 30 * DAY
OOG = "<undecoded 0x>"  # out of gas: no revert data

# Status
NONE, CREATED, ACCEPTED, FUNDED, IN_TRANSIT, DELIVERED, DISPUTED = range(7)
COMPLETED, REFUNDED, RESOLVED, CANCELLED = range(7, 11)
TERMINAL = {COMPLETED, REFUNDED, RESOLVED, CANCELLED}
ACTIVE = {FUNDED, IN_TRANSIT, DELIVERED}
STATUS_NAMES = ["none", "created", "accepted", "funded", "in transit", "delivered", "disputed"]
OPEN = ACTIVE | {DISPUTED}
#: The lifecycle of DESIGN.md and docs/CONTRACTS.md: a late delivery may still be refunded.
GRAPH = {
    NONE: {CREATED, FUNDED, CANCELLED},
    CREATED: {ACCEPTED, CANCELLED},
    ACCEPTED: {FUNDED, CANCELLED},
    FUNDED: {IN_TRANSIT, DELIVERED, COMPLETED, REFUNDED, DISPUTED, RESOLVED},  # (settlement)
    IN_TRANSIT: {DELIVERED, COMPLETED, REFUNDED, DISPUTED, RESOLVED},
    DELIVERED: {COMPLETED, REFUNDED, DISPUTED, RESOLVED},
    DISPUTED: {RESOLVED},
}
# Checkpoint kinds and who records them (DESIGN.md, "The people in a trade"; Rights 2 and 3)
BOOKED, PICKED_UP, EXPORT_CLEARED, IMPORT_CLEARED, DELIVERED_STAGE = 1, 2, 3, 8, 10
EXCEPTION, HOLD, RELEASE, PASSED, FAILED = 11, 12, 13, 14, 15
CLEARANCES = {EXPORT_CLEARED, IMPORT_CLEARED}
CUSTOMS_KINDS = {EXPORT_CLEARED, IMPORT_CLEARED, HOLD, RELEASE}
INSPECTOR_KINDS = {PASSED, FAILED}
D_TERMS = {4, 5, 6}  # DAP, DPU, DDP: risk passes at destination

#: ReputationRecord's fields, in its order (contracts/types/TradeTypes.sol).
REP_FIELDS = ("completed", "opened", "won", "lost", "on_time", "volume", "settled", "refunded")

#: Custom errors of the ABIs the machine cannot raise, each with the reason.
ERRORS_EXCLUDED = {
    "EscrowTrackerMismatch": "constructor only: the escrow is deployed once, wired right",
    "TrackerZeroAddress": "constructor only",
    "ArbitrationInvalidPeriod": "constructor only",
    "ReentrancyGuardReentrantCall": "every push is a gas-capped call whose failure is credited: "
    "a re-entering receiver's revert never reaches the top (test_security_doubles shows it)",
    "SafeERC20FailedOperation": "the machine's tokens answer true or revert with their own "
    "error (a false-returning token is test_security_doubles' job)",
    "FailedCall": "Address.sendValue bubbles the receiver's revert data (Refused) and the "
    "machine's receivers all give one",
    "InsufficientBalance": "Address.sendValue with less than it sends: unreachable while "
    "invariant 1 holds, which this machine checks after every step",
    "InvalidShortString": "EIP712 constructor, constant short names",
    "EscrowModuleDirectCall": "the disputes module called at its own address, not through the "
    "escrow: outside the machine's one escrow (test_escrow_split shows it)",
    "StringTooLong": "EIP712 constructor, constant short names",
}
#: DisputeArbitration's errors that the machine reaches (its own tests cover the rest).
ARBITRATION_REACHED = {
    "ArbitrationFeeMismatch",
    "ArbitrationInvalidPanel",
    "ArbitrationInvalidMember",
    "ArbitrationMemberNotRegistered",
    "ArbitrationMemberDuplicated",
    "ArbitrationInvalidChoices",
    "ArbitrationUnknownDispute",
    "ArbitrationDisputeSolved",
    "ArbitrationNotPanelMember",
    "ArbitrationAlreadyVoted",
    "ArbitrationInvalidRuling",
    "ArbitrationDeadlineNotReached",
    "ArbitrationDeadlinePassed",
    "ArbitrationAppealsNotSupported",
    "ArbitrationNothingToWithdraw",
}

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=10,
    stateful_step_count=60,
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
REVM_CI = settings(settings.get_profile("ci"), max_examples=90, stateful_step_count=100)
#: The deep profile's floor of steps (make fuzz); INVARIANT_STEPS lowers it for a quick look.
DEEP_STEPS = int(os.environ.get("INVARIANT_STEPS", "100000"))
if DEEP_STEPS < 100_000:  # about 70 steps a run on average: runs enough for the floor
    settings.register_profile(
        "deep", settings.get_profile("deep"), max_examples=max(1, DEEP_STEPS // 60)
    )

STATS: Counter[str] = Counter()
SEEDS: set[bytes] = set()
HITS: dict[str, Counter[str]] = {}  # backend label -> error name -> refusals predicted and seen
COUNTS_FILE = Path(__file__).resolve().parents[2] / "build" / "invariant-error-counts.json"

#: Every function that takes an order form, with the arguments after it.
FORM_CALLS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "register": ("TradeEscrow", ("",)),
    "fundWithQuote": ("TradeEscrow", ("", b"")),
    "settle": ("TradeEscrow", ()),
    "refund": ("TradeEscrow", ()),
    "dispute": ("TradeEscrow", ("",)),
    "payArbitrationFee": ("TradeEscrow", ()),
    "submitEvidence": ("TradeEscrow", ("x",)),
    "appeal": ("TradeEscrow", (0,)),
    "record": ("LogisticsTracker", ((2, b"CNSHA", b"\x00" * 32, ""),)),
}


@dataclass
class GOrder(OrderHead):
    """One order of the machine: its terms as the model reads them, and its live state."""

    order: tuple[Any, ...]
    terms: tuple[Any, ...]
    terms_hash: bytes
    id: bytes
    seller_actor: str  # "seller" or "wall"
    kind: str  # token: "eth", "usdc" or "fot"
    incoterm: int
    ship: int
    deliver: int
    inspection: int
    valid_until: int
    max_fee: int
    ruling_timeout: int
    milestones: list[tuple[int, int]]
    panel: list[str]
    arbitrator: str  # "panel", "impostor" or "zero"
    customs: list[str]
    inspectors: list[str]
    carrier: str  # "carrier" or "zero"

    @property
    def form(self) -> bytes:
        """The order form the contracts take (packed from the tuples as they are)."""
        return pack_order_form(self.order, self.terms)

    # live state
    status: int = NONE
    stage: int = 0
    clearance: int = 0
    on_hold: bool = False
    on_time: bool = False
    late: bool = False
    buyer_opened: bool = False
    with_arb: bool = False
    fee_bps: int = 0
    released_bps: int = 0
    funded_at: int = 0
    delivered_at: int = 0
    fee_timeout: int = 0
    fee_deadline: int = 0
    ruling_deadline: int = 0
    deposit: int = 0
    amount: int = 0  # what a dispute with the arbitrator is about
    second: int = 0  # what the second payer paid (the arbitrator holds it)
    dispute: int = -1  # the arbitrator's dispute id
    # the escrow's DisputeContext: kept from the second fee until the arbitrator's ruling
    # arrives (after a settlement or a ruling timeout too, for a fee the arbitrator refunds)
    context: bool = False
    fee_refund: int = 0  # a fee the arbitrator refunded before the order ended, held for it
    ended_share: int = 0  # 0 while disputed; 1 + the buyer's share once a settlement or timeout
    offer: tuple[bool, int] | None = None  # the settlement on the table: (by the buyer, bps)
    paid: Counter[str] = field(default_factory=Counter)

    def released(self, bps: int | None = None) -> int:
        return self.price * (self.released_bps if bps is None else bps) // BPS

    def locked(self) -> int:
        return self.price - self.released() if self.status in OPEN else 0

    def d_term(self) -> bool:
        return self.incoterm in D_TERMS

    def clock(self) -> int:
        """OrderState.disputeDeadline: the fee timeout fixed at funding, then the fee deadline,
        then the ruling deadline."""
        if self.status in ACTIVE or self.status in (COMPLETED, REFUNDED):
            return self.fee_timeout
        if self.status == DISPUTED:
            return self.ruling_deadline if self.with_arb else self.fee_deadline
        return 0


RECORDER_LISTS = {
    "accredited": None,  # whoever the operator accredits when the order is made
    "customs": ["customs"],
    "own": ["outsider"],  # an account the order names without any role
    "both": ["customs", "outsider"],
    "none": [],
    "five": ["outsider"] * 5,
}
BAD_TERMS = [
    "carrier",
    "price",
    "incoterm",
    "ship",
    "windows",
    "expired",
    "arbitrator",
    "ruling_short",
    "ruling_long",
    "recorders",
    "booked_tranche",
    "tranche_order",
    "tranche_zero",
    "tranche_total",
    "five_tranches",
]
PANELS = [("a0",), ("a1",), ("a0", "a1", "a2"), ("a2", "a0", "a1")] * 3 + [
    ("a0", "a1"),
    ("outsider",),
    ("a0", "a0", "a1"),
    (),
]


def _spec(rnd: Any) -> dict[str, Any]:
    """An order's terms drawn uniformly (hypothesis's own draws lean on their first values,
    which would make most orders alike): about one in eight has one invalid field."""
    price = rnd.choice([1, 10**18, 7 * 10**17, rnd.randint(1, 10**19)])
    return {
        "token": rnd.choice(["eth"] * 5 + ["usdc"] * 4 + ["fot"]),
        "wall": rnd.random() < 0.25,
        "eth_price": price,
        "usdc_price": rnd.choice([1, 3, 10**9, rnd.randint(1, 10**10)]),
        "incoterm": rnd.randrange(11),
        "ship": rnd.choice([1, 60, DAY, rnd.randint(1, 10 * DAY), rnd.randint(1, 10 * DAY)]),
        "extra": rnd.choice([0, rnd.randint(0, 30 * DAY), rnd.randint(0, 30 * DAY)]),
        "inspection": rnd.choice([0, 1, 3_600, rnd.randint(0, 5 * DAY), rnd.randint(0, 5 * DAY)]),
        "stages": rnd.sample(range(PICKED_UP, DELIVERED_STAGE + 1), rnd.randint(0, 4)),
        "bps": [rnd.randint(1, 2_500) for _ in range(4)],
        "panel": rnd.choice(PANELS),
        "impostor": rnd.random() < 0.15,
        "max_fee": rnd.choice([200, 200, 200, 150, 100, 50, 0]),
        "ruling": rnd.choice([0, 0, RULING_MIN, 45 * DAY, RULING_MAX]),
        "customs": rnd.choice(["accredited", "accredited", "customs", "own", "both", "none"]),
        "inspectors": rnd.choice(["accredited", "accredited", "own", "both", "none"]),
        "valid": rnd.choice([0] * 5 + [1, DAY]),
        "bad": rnd.choice(BAD_TERMS) if rnd.random() < 0.125 else "none",
    }


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
jump_st = st.one_of(
    st.integers(1, 120),
    st.integers(1, 3 * DAY),
    st.sampled_from([3_600, DAY, 2 * DAY, 7 * DAY, 15 * DAY, 31 * DAY, 181 * DAY]),
)
DEADLINES = ["ship", "deliver", "window", "fee", "ruling", "panel", "signature", "valid"]
# release and reimburse: a share of the price drawn by `how` (none, one bp, some, what is
# left, one bp over what is left)
VOLUNTARY_ST = dict(
    i=st.integers(0, MAX_ORDERS),
    actor=actor_st,
    how=st.sampled_from(["some", "some", "some", "one", "rest", "over", "zero"]),
    some=st.integers(1, 4_000),
)


class Trade(RuleBasedStateMachine):
    backend: Backend
    label: str = "?"

    def __init__(self) -> None:
        super().__init__()
        b = self.backend
        self.a = dict(b.accounts)
        self.a["wall"] = b.addresses["RevertingReceiver"]
        self.a["zero"] = ZERO
        self.escrow = b.addresses["TradeEscrow"]
        self.arbitration = b.addresses["DisputeArbitration"]
        self.impostor_at = b.addresses["Impostor"]
        self.usdc = b.addresses["USDC"]
        self.fot = b.addresses["FOT"]
        self.tokens = (ETH, self.usdc)
        self.tracked = {
            **{k: v for k, v in self.a.items() if k != "zero"},
            "escrow": self.escrow,
            "arbitration": self.arbitration,
            "impostor": self.impostor_at,
        }
        self.payees = ["buyer", "seller", "wall", "treasury", "operator", "outsider"]
        self.orders: list[GOrder] = []
        self.signed: list[dict[str, Any]] = []
        self.cp_next: dict[tuple[str, int], int] = {}  # (signer, order) -> next nonce
        self.used: set[tuple[str, int, int]] = set()  # (signer, order, nonce) recorded
        self.touched: set[tuple[str, int]] = set()  # sequences tried since the last check
        self.fee_bps = 0
        self.treasury = "treasury"  # who fee credits go to now
        self.fee_timeout = 2 * DAY
        self.paused = False
        self.roles = {"CUSTOMS_ROLE": {"customs"}, "INSPECTOR_ROLE": {"inspector"}}
        self.role_ids = {r: b.call("LogisticsTracker", r) for r in self.roles}
        self.panel = PanelModel(COST, PERIOD, {"arbitrator0", "arbitrator1", "arbitrator2"})
        self.impostor = ImpostorModel(COST)
        self.nonce = 0
        self.now = b.now()
        self.next = self.now + 1  # the timestamp of the next transaction, exactly
        self.bal = {
            t: {k: self._read_balance(t, v) for k, v in self.tracked.items()} for t in self.tokens
        }
        self.owed = {t: {k: 0 for k in self.payees} for t in self.tokens}
        self.arb_owed = {f"arbitrator{i}": 0 for i in range(3)}
        # fees the arbitrator credits to the escrow when its refund push fails: none here, the
        # escrow takes every refund (onArbitrationRefund) and splits it (RevmBackend's gas)
        self.arb_refunds = 0
        # Reputation: (account, token) -> completed, disputesOpened, disputesWon, disputesLost,
        # onTime, volume, settled, refunded (ReputationRecord's fields, in its order)
        self.rep: dict[tuple[str, str], list[int]] = {
            (name, t): [0] * 8 for name in ("buyer", "seller", "wall") for t in self.tokens
        }
        self.statuses: list[int] = []
        self.hits = HITS.setdefault(self.label, Counter())
        STATS["examples"] += 1
        self.rng = random.Random(0)  # until first_orders seeds it
        self.changed = True  # a transaction went through since the last check
        self.went_through = True  # the same, for the checks pyrevm's refusals cannot touch

    # ------------------------------------------------------------------ plumbing
    def _read_balance(self, token: str, address: str) -> int:
        if token == ETH:
            return self.backend.eth(address)
        return self.backend.word("USDC", "balanceOf", address)

    def _tx(
        self,
        actor: str,
        contract: str,
        fn: str,
        *args: Any,
        value: int = 0,
        gas: int | None = None,
    ) -> Outcome:
        b = self.backend
        data = b.abis[contract].enc(fn, *args)
        to = b.addresses[contract]
        if actor == "wall":  # the contract seller acts through its owner
            data = b.abis["RevertingReceiver"].enc("act", to, data)
            to, sender, payer = self.a["wall"], self.a["seller"], "seller"
        else:
            sender, payer = self.a[actor], actor
        at = self.next
        out = b.tx(sender, to, data, value, at, gas)
        self.now, self.next = at, at + 1
        self.bal[ETH][payer] -= out.gas_cost
        self.changed = self.changed or out.ok
        self.went_through = self.went_through or out.ok
        STATS["transactions"] += 1
        STATS[f"call {fn}"] += 1
        if self.paused:
            STATS[f"while paused: {fn}"] += 1
        return out

    def _expect(self, out: Outcome, error: str | None, what: str) -> bool:
        if error is None:
            assert out.ok, f"{what} at {self.now}: expected success, got {out.error}{out.args}"
            STATS["accepted"] += 1
            STATS[f"ok {what.split('(')[0].split(' ')[0]}"] += 1
            return True
        assert not out.ok, f"{what} at {self.now}: expected {error}, but it succeeded"
        assert out.error == error, (
            f"{what} at {self.now}: expected {error}, got {out.error}{out.args}"
        )
        STATS["refused"] += 1
        self.hits[error] += 1
        return False

    def _move(self, token: str, frm: str, to: str, amount: int) -> None:
        self.bal[token][frm] -= amount
        self.bal[token][to] += amount

    def _pay(self, to: str, token: str, amount: int) -> None:
        """The escrow's push: credited instead when the receiver refuses ETH."""
        if amount == 0:
            return
        if to == "wall" and token == ETH:
            self.owed[token][to] += amount
        else:
            self._move(token, "escrow", to, amount)

    def _fee(self, o: GOrder, amount: int) -> int:
        """The platform fee (the order's snapshot) out of a seller's amount, credited to the
        treasury of the moment; returns what the seller gets."""
        fee = amount * o.fee_bps // BPS
        if fee:
            self.owed[o.token][self.treasury] += fee
            o.paid["fee"] += fee
        return amount - fee

    def _pay_parties(
        self, o: GOrder, to_buyer: int, to_seller: int, eth_buyer: int, eth_seller: int
    ) -> None:
        """An order's end: each party's share of its money, then of the ETH deposits (and a
        refunded arbitration fee); in an ETH order one push per party."""
        o.paid["buyer"] += to_buyer
        o.paid["seller"] += to_seller
        if o.token == ETH:
            self._pay("buyer", ETH, to_buyer + eth_buyer)
            self._pay(o.seller_actor, ETH, to_seller + eth_seller)
        else:
            self._pay("buyer", o.token, to_buyer)
            self._pay(o.seller_actor, o.token, to_seller)
            self._pay("buyer", ETH, eth_buyer)
            self._pay(o.seller_actor, ETH, eth_seller)

    def _record(self, name: str, o: GOrder, **counts: int) -> None:
        """Adds to `name`'s reputation in the order's token (the volume saturates at 2^96-1)."""
        rec = self.rep[(name, o.token)]
        for k, field_ in enumerate(REP_FIELDS):
            rec[k] += counts.get(field_, 0)
        rec[5] = min(rec[5], 2**96 - 1)

    def _name(self, address: str) -> str:
        return next(k for k, v in self.a.items() if v.lower() == address.lower())

    def _pick(self, i: int) -> GOrder:
        return self.orders[i % len(self.orders)]

    def _who(self, actor: str, right: str) -> str:
        return right if actor == "right" else actor

    def _k(self, o: GOrder) -> int:
        return self.orders.index(o)

    has_orders = precondition(lambda self: bool(self.orders))

    # ------------------------------------------------------------------ time
    def _deadline(self, o: GOrder, which: str, j: int) -> int | None:
        if which == "ship" and o.funded_at:
            return o.funded_at + o.ship
        if which == "deliver" and o.funded_at:
            return o.funded_at + o.deliver
        if which == "window" and o.stage == DELIVERED_STAGE:
            return o.delivered_at + o.inspection
        if which == "fee" and o.status == DISPUTED and not o.with_arb:
            return o.fee_deadline
        if which == "ruling" and o.status == DISPUTED and o.with_arb:
            return o.ruling_deadline
        if which == "panel" and o.arbitrator == "panel" and o.dispute >= 0:
            return self.panel.disputes[o.dispute].deadline
        if which == "signature" and self.signed:
            return int(self.signed[j % len(self.signed)]["deadline"])
        if which == "valid" and o.valid_until:
            return o.valid_until
        return None

    def _aim(self, target: int | None) -> None:
        """The next transaction runs at `target` (if it is still ahead)."""
        if target is not None and target > self.now:
            self.next = target

    @rule(
        i=st.integers(0, MAX_ORDERS),
        which=st.sampled_from(DEADLINES),
        offset=st.sampled_from([-1, 0, 0, 1, 1]),
        j=st.integers(0, 50),
    )
    @has_orders
    def aim_at_a_deadline(self, i: int, which: str, offset: int, j: int) -> None:
        """The next transaction at the second before a deadline, at it, or after it."""
        at = self._deadline(self._pick(i), which, j)
        if at is not None:
            STATS[f"aimed at {which}{offset:+d}"] += 1
            self._aim(at + offset)

    @rule(seconds=jump_st)
    def jump(self, seconds: int) -> None:
        self._aim(self.next + seconds)

    # ------------------------------------------------------------------ orders
    @initialize(seed=st.binary(min_size=16, max_size=16))
    def first_orders(self, seed: bytes) -> None:
        """Orders with a platform fee from the first step, now and then. Orders and progress
        draw from a generator of their own, seeded by hypothesis: its own draws lean so hard on
        their first values that most orders and steps would be alike."""
        self.rng = random.Random(seed)
        SEEDS.add(seed)
        fee = self.rng.choice([0, 0, 1, 100, 150, 200])
        if fee:
            self.operator("fee", "operator", fee, 0, 0)
        for _ in range(self.rng.randint(2, 3)):
            self.new_order()

    @rule()
    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    def new_order(self, spec: dict[str, Any] | None = None) -> None:
        spec = spec or _spec(self.rng)
        self.nonce += 1
        bad = spec["bad"]
        kind = spec["token"]
        token = {"eth": ETH, "usdc": self.usdc, "fot": self.fot}[kind]
        price = spec["eth_price"] if kind == "eth" else spec["usdc_price"]
        if kind == "fot":
            price = max(price, 100)  # it keeps 1%: a shortfall on any price from 100
        price = 0 if bad == "price" else price
        seller_actor = "wall" if spec["wall"] else "seller"
        milestones = [(s, spec["bps"][k]) for k, s in enumerate(sorted(spec["stages"]))]
        if bad == "booked_tranche":
            milestones = [(BOOKED, 100), *milestones][:4]
        elif bad == "tranche_order":
            milestones = [(DELIVERED_STAGE, 100), (PICKED_UP, 100)]
        elif bad == "tranche_zero":
            milestones = [(PICKED_UP, 0)]
        elif bad == "tranche_total":
            milestones = [(PICKED_UP, 6_000), (DELIVERED_STAGE, 4_001)]
        elif bad == "five_tranches":
            milestones = [(s, 100) for s in (2, 4, 5, 6, 7)]
        panel = ["outsider" if m == "outsider" else f"arbitrator{m[1]}" for m in spec["panel"]]
        arbitrator = "impostor" if spec["impostor"] else "panel"
        if bad == "arbitrator":
            arbitrator = "zero"
        arb_address = {"panel": self.arbitration, "impostor": self.impostor_at, "zero": ZERO}[
            arbitrator
        ]

        def recorders(choice: str, role: str) -> list[str]:
            names = RECORDER_LISTS[choice]
            return sorted(self.roles[role]) if names is None else list(names)

        customs = recorders("five" if bad == "recorders" else spec["customs"], "CUSTOMS_ROLE")
        inspectors = recorders(spec["inspectors"], "INSPECTOR_ROLE")
        carrier = "zero" if bad == "carrier" else "carrier"
        ship = 0 if bad == "ship" else spec["ship"]
        deliver = spec["ship"] - 1 if bad == "windows" else spec["ship"] + spec["extra"]
        ruling = {"ruling_short": RULING_MIN - 1, "ruling_long": RULING_MAX + 1}.get(
            bad, spec["ruling"]
        )
        valid_until = self.now if bad == "expired" else 0
        if spec["valid"] and not valid_until:
            valid_until = self.next + spec["valid"]
        incoterm = 11 if bad == "incoterm" else spec["incoterm"]
        order = (self.a["buyer"], self.a[seller_actor], token, price)
        terms = (
            self.a[carrier],
            arb_address,
            incoterm,
            ship,
            deliver,
            spec["inspection"],
            valid_until,
            self.nonce,
            self.nonce.to_bytes(32, "big"),
            b"CNSHA",
            b"DEHAM",
            spec["max_fee"],
            ruling,
            milestones,
            encode(["address[]"], [[self.a[m] for m in panel]]),
            [self.a[c] for c in customs],
            [self.a[c] for c in inspectors],
        )
        th = self.backend.call("TradeEscrow", "hashTerms", terms)
        oid = self.backend.call("TradeEscrow", "orderId", order, th)
        self.orders.append(
            GOrder(
                order,
                terms,
                th,
                oid,
                seller_actor,
                kind,
                incoterm,
                ship,
                deliver,
                spec["inspection"],
                valid_until,
                spec["max_fee"],
                ruling,
                milestones,
                panel,
                arbitrator,
                customs,
                inspectors,
                carrier,
            )
        )
        self.statuses.append(NONE)

    def _terms_error(self, o: GOrder, ts: int) -> str | None:
        """What registering the order's terms must refuse (docs/CONTRACTS.md "An order",
        "Rights" 3, 5 and 7, TradeTypes' field comments), checks in the registry's order."""
        if o.carrier == "zero" or o.buyer == o.seller:
            return "OrderInvalidParties"
        if o.price == 0:
            return "OrderInvalidPrice"
        if o.incoterm > 10:
            return "OrderInvalidIncoterm"
        if o.ship == 0 or o.deliver < o.ship:
            return "OrderInvalidWindows"
        if o.valid_until and ts > o.valid_until:
            return "OrderExpired"
        if o.arbitrator == "zero":
            return "OrderInvalidArbitrator"
        if o.ruling_timeout and not RULING_MIN <= o.ruling_timeout <= RULING_MAX:
            return "OrderInvalidRulingTimeout"
        if len(o.customs) > 4 or len(o.inspectors) > 4:
            return "OrderInvalidRecorders"
        if len(o.milestones) > 4:
            return "OrderInvalidMilestone"
        previous, total = BOOKED, 0
        for stage, bps in o.milestones:
            total += bps
            if stage <= previous or stage > DELIVERED_STAGE or bps == 0 or total > BPS:
                return "OrderInvalidMilestone"
            previous = stage
        if self.fee_bps > o.max_fee:
            return "OrderFeeAboveCap"
        return None

    def _registered(self, o: GOrder, status: int) -> None:
        o.status, o.fee_bps = status, self.fee_bps  # the fee is snapshotted at registration

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
        else:
            err = self._terms_error(o, self.next)
        out = self._tx(actor, "TradeEscrow", "register", o.form, "ipfs://po")
        if self._expect(out, err, "register"):
            self._registered(o, CREATED)

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
        out = self._tx(actor, "TradeEscrow", "accept", o.order, o.terms_hash)
        if self._expect(out, err, "accept"):
            o.status = ACCEPTED

    def _funding_error(self, o: GOrder, value: int) -> str | None:
        if o.token == ETH:
            return None if value == o.price else "EscrowWrongPayment"
        if value != 0:
            return "EscrowWrongPayment"
        if o.kind == "fot":  # the escrow must receive the whole price
            return "EscrowTokenShortfall"
        return None

    def _funded(self, o: GOrder, ts: int) -> None:
        o.status, o.funded_at = FUNDED, ts
        o.fee_timeout = self.fee_timeout  # fixed for this order now (Rights 5)
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
            self._funded(o, out.timestamp)

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
            err = self._terms_error(o, self.next) or self._funding_error(o, value)
        out = self._tx(actor, "TradeEscrow", "fundWithQuote", o.form, "", sig, value=value)
        if self._expect(out, err, "fundWithQuote"):
            self._registered(o, FUNDED)
            self._funded(o, out.timestamp)

    @rule(i=st.integers(0, MAX_ORDERS), actor=st.sampled_from(ACTORS))
    @has_orders
    def cancel(self, i: int, actor: str) -> None:
        o = self._pick(i)
        err = None
        if self.a[actor] not in (o.buyer, o.seller):
            err = "OrderUnauthorized"
        elif o.status not in (NONE, CREATED, ACCEPTED):
            err = "OrderInvalidStatus"
        out = self._tx(actor, "TradeEscrow", "cancel", o.order, o.terms_hash)
        if self._expect(out, err, "cancel"):
            o.status = CANCELLED

    # ------------------------------------------------------------------ logistics
    def _recorder(self, o: GOrder, kind: int) -> str:
        """Who records `kind` for `o`: its carrier, its (first) named customs or inspector."""
        if kind in CUSTOMS_KINDS:
            return o.customs[0] if o.customs else "customs"
        if kind in INSPECTOR_KINDS:
            return o.inspectors[0] if o.inspectors else "inspector"
        return "carrier"

    def _may_record(self, o: GOrder, kind: int, actor: str) -> bool:
        """Rights 3: only the order's own named recorders; the operator's roles play no part."""
        if kind in CUSTOMS_KINDS:
            return actor in o.customs
        if kind in INSPECTOR_KINDS:
            return actor in o.inspectors
        return actor == o.carrier

    def _checkpoint_error(self, o: GOrder, kind: int, actor: str) -> str | None:
        if kind == 0 or kind > FAILED:
            return "TrackerInvalidKind"
        if not self._may_record(o, kind, actor):
            return "TrackerUnauthorized"
        if kind in (HOLD, RELEASE) or kind <= DELIVERED_STAGE:
            if o.status not in OPEN:  # only an open order's money moves
                return "OrderInvalidStatus"
            if (kind == HOLD and o.on_hold) or (kind == RELEASE and not o.on_hold):
                return "EscrowHoldUnchanged"  # Rights 4: no second hold, no empty release
            if kind in CLEARANCES and kind <= o.clearance:
                return "EscrowStageNotForward"  # Rights 2: each track moves forward
            if kind <= DELIVERED_STAGE and kind not in CLEARANCES and kind <= o.stage:
                return "EscrowStageNotForward"
            return None
        if o.status not in OPEN:  # exceptions and inspections: an open order only
            return "TrackerOrderInactive"
        return None

    def _release_due(self, o: GOrder) -> None:
        """Tranches due on both tracks (Rights 2), unless frozen (a hold, a dispute) or the
        pickup came late (Rights 1: the refund stays available)."""
        if o.status == DISPUTED or o.on_hold or o.stage < PICKED_UP or o.late:
            return
        due = sum(
            bps
            for s, bps in o.milestones
            if (s <= o.clearance if s in CLEARANCES else s <= o.stage)
        )
        if due <= o.released_bps:
            return
        tranche = o.released(due) - o.released()
        o.released_bps = due
        seller = self._fee(o, tranche)
        o.paid["seller"] += seller
        self._pay(o.seller_actor, o.token, seller)

    def _checkpoint_effect(self, o: GOrder, kind: int, ts: int) -> None:
        if kind in CLEARANCES:
            o.clearance = kind
        elif kind <= DELIVERED_STAGE:
            if o.stage < PICKED_UP <= kind:  # the carrier's first pickup meets ship-by, or not
                o.late = ts > o.funded_at + o.ship
                if o.status == FUNDED:
                    o.status = IN_TRANSIT
            o.stage = kind
            if kind == DELIVERED_STAGE:
                o.delivered_at = ts
                o.on_time = ts <= o.funded_at + o.deliver
                if o.status != DISPUTED:
                    o.status = DELIVERED
        elif kind == HOLD:
            o.on_hold = True
            return
        elif kind == RELEASE:
            o.on_hold = False
            if o.stage == DELIVERED_STAGE:  # the window restarts in full (Rights 4)
                o.delivered_at = ts
        else:
            return
        self._release_due(o)

    def _cp(self, kind: int, tag: int = 0) -> tuple[Any, ...]:
        return (kind, b"CNSHA", (kind + 256 * tag).to_bytes(32, "big"), "")

    def _kind(self, o: GOrder, kind: int) -> int:
        """Negative kinds: the next carrier stage or one a little further."""
        if kind >= 0:
            return kind
        nxt = min(o.stage - kind, DELIVERED_STAGE)
        return nxt + 1 if nxt in CLEARANCES else nxt

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
        kind = self._kind(o, kind)
        actor = self._who(actor, self._recorder(o, kind))
        err = self._checkpoint_error(o, kind, actor)
        out = self._tx(actor, "LogisticsTracker", "record", o.form, self._cp(kind))
        if self._expect(out, err, f"record({kind}) by {actor}"):
            self._checkpoint_effect(o, kind, out.timestamp)

    # signed checkpoints (Rights 6)
    def _relay(self, s: dict[str, Any], relayer: str) -> None:
        o = self.orders[s["order"]]
        key = (s["signer"], s["order"])
        self.touched.add(key)
        expected = self.cp_next.get(key, 0)
        ts = self.next
        if ts > s["deadline"]:
            err: str | None = "TrackerSignatureExpired"
        elif s["nonce"] < expected:
            err = "TrackerSignatureUsed"  # recorded already, or revoked by its signer
        elif s["nonce"] > expected:
            err = "TrackerNonceMismatch"  # an earlier one of the signer's must come first
        elif s["key"] != s["signer"]:
            err = "TrackerInvalidSignature"
        else:
            err = self._checkpoint_error(o, s["kind"], s["signer"])
        out = self._tx(
            relayer,
            "LogisticsTracker",
            "recordSigned",
            o.form,
            s["cp"],
            self.a[s["signer"]],
            s["deadline"],
            s["nonce"],
            s["sig"],
        )
        if self._expect(out, err, f"recordSigned({s['kind']}) for {s['signer']}"):
            used = (s["signer"], s["order"], s["nonce"])
            assert used not in self.used, f"signature {used} took effect twice"
            self.used.add(used)
            self.cp_next[key] = expected + 1
            self._checkpoint_effect(o, s["kind"], out.timestamp)

    @rule(
        i=st.integers(0, MAX_ORDERS),
        kind=st.one_of(st.integers(-3, -1), st.sampled_from([1, 2, 3, 8, 10, 11, 12, 13, 14])),
        signer=st.sampled_from(["right"] * 4 + ["carrier", "customs", "inspector", "outsider"]),
        forged=st.integers(0, 6),
        ahead=st.sampled_from([0, 0, 0, 1, 2, -1]),
        life=st.sampled_from([DAY, DAY, 60, 0]),
        now=st.booleans(),
    )
    @has_orders
    def sign_checkpoint(
        self, i: int, kind: int, signer: str, forged: int, ahead: int, life: int, now: bool
    ) -> None:
        """A recorder signs a checkpoint with its next nonce (or one ahead, or a used one);
        a relayer plays it now or keeps it for later."""
        o = self._pick(i)
        kind = self._kind(o, kind)
        signer = self._who(signer, self._recorder(o, kind))
        k = self._k(o)
        nonce = max(0, self.cp_next.get((signer, k), 0) + ahead)
        cp = self._cp(kind, len(self.signed))
        deadline = self.next + life
        digest = self.backend.call(
            "LogisticsTracker", "checkpointDigest", o.id, cp, deadline, nonce
        )
        key = "outsider" if forged == 0 and signer != "outsider" else signer
        sig = self.backend.sign_hash(self.a[key], digest)
        s = {
            "order": k,
            "kind": kind,
            "cp": cp,
            "signer": signer,
            "key": key,
            "deadline": deadline,
            "nonce": nonce,
            "sig": sig,
        }
        self.signed.append(s)
        if now:
            self._relay(s, "outsider")

    @rule(j=st.integers(0, 100), relayer=st.sampled_from(["outsider", "buyer", "seller"]))
    @precondition(lambda self: bool(self.signed))
    def relay_signed_checkpoint(self, j: int, relayer: str) -> None:
        """A kept signature, played late, out of order, again, or after its revocation."""
        self._relay(self.signed[j % len(self.signed)], relayer)

    @rule(
        i=st.integers(0, MAX_ORDERS),
        signer=st.sampled_from(["customs", "outsider", "carrier", "inspector"]),
        ahead=st.sampled_from([1, 1, 2, 0, -1]),
    )
    @has_orders
    def revoke_checkpoint_nonces(self, i: int, signer: str, ahead: int) -> None:
        """A signer cancels its unused signatures: only forward."""
        o = self._pick(i)
        key = (signer, self._k(o))
        self.touched.add(key)
        current = self.cp_next.get(key, 0)
        nxt = max(0, current + ahead)
        err = "TrackerNonceMismatch" if nxt <= current else None
        out = self._tx(signer, "LogisticsTracker", "revokeCheckpointNonces", o.id, nxt)
        if self._expect(out, err, "revokeCheckpointNonces"):
            self.cp_next[key] = nxt

    # ------------------------------------------------------------------ settlement
    def _complete(self, o: GOrder) -> None:
        rest = o.price - o.released()
        o.status = COMPLETED
        self._record("buyer", o, completed=1, volume=o.price)
        self._record(o.seller_actor, o, completed=1, volume=o.price, on_time=int(o.on_time))
        seller = self._fee(o, rest)
        o.paid["seller"] += seller
        self._pay(o.seller_actor, o.token, seller)

    def _confirm_error(self, o: GOrder, actor: str) -> str | None:
        if self.a[actor] != o.buyer:
            return "OrderUnauthorized"
        if o.status not in ACTIVE:
            return "OrderInvalidStatus"
        if o.on_hold:
            return "EscrowOnHold"
        return None

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def confirm(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        err = self._confirm_error(o, actor)
        out = self._tx(actor, "TradeEscrow", "confirm", o.order, o.terms_hash)
        if self._expect(out, err, "confirm"):
            self._complete(o)

    @rule(i=st.integers(0, MAX_ORDERS), gas=st.sampled_from([90, 100, 110, 120, 130, 150]))
    @has_orders
    def starved_confirm(self, i: int, gas: int) -> None:
        """The buyer confirms with too little gas for the seller's push: the escrow must refuse
        (or run out of gas), never credit the push it could not make."""
        active = [o for o in self.orders if o.status in ACTIVE and not o.on_hold]
        o = active[i % len(active)] if active else self._pick(i)
        gas *= 1_000
        err = self._confirm_error(o, "buyer")
        out = self._tx("buyer", "TradeEscrow", "confirm", o.order, o.terms_hash, gas=gas)
        if out.ok:
            self._expect(out, err, "starved confirm")
            self._complete(o)
            return
        allowed = {OOG} | ({err} if err else {"EscrowInsufficientGas"})
        assert out.error in allowed, f"starved confirm: {out.error}, expected one of {allowed}"
        STATS["refused"] += 1
        self.hits[out.error] += 1

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def settle(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        err = None
        if o.status != DELIVERED:
            err = "OrderInvalidStatus"
        elif o.on_hold:
            err = "EscrowOnHold"
        elif self.next <= o.delivered_at + o.inspection:  # the window's last second included
            err = "EscrowDeadlineNotReached"
        out = self._tx(actor, "TradeEscrow", "settle", o.form)
        if self._expect(out, err, "settle"):
            self._complete(o)

    def _refund_reason(self, o: GOrder, ts: int) -> str | None:
        """Rights 1, for an active order at time `ts`: None when the buyer's refund is due,
        else why not. Deadlines are inclusive: at the second itself nothing is missed yet."""
        if o.status == DELIVERED:
            # After delivery the choice lasts the inspection window (which a hold stops).
            if not o.on_hold and ts > o.delivered_at + o.inspection:
                return "EscrowDeadlinePassed"
            if o.late or (o.d_term() and not o.on_time):
                return None
            return "EscrowNoRefundDue" if o.d_term() else "EscrowRiskWithBuyer"
        if o.stage < PICKED_UP or o.late:  # ship-by: no pickup by then, or a late one
            return None if ts > o.funded_at + o.ship else "EscrowDeadlineNotReached"
        if not o.d_term():
            return "EscrowRiskWithBuyer"
        return None if ts > o.funded_at + o.deliver else "EscrowDeadlineNotReached"

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def refund(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider" if o.status != DELIVERED else "buyer")
        err = None
        if o.status not in ACTIVE:
            err = "OrderInvalidStatus"
        elif o.status == DELIVERED and self.a[actor] != o.buyer:
            err = "OrderUnauthorized"  # after delivery the refund is the buyer's choice
        else:
            err = self._refund_reason(o, self.next)
        out = self._tx(actor, "TradeEscrow", "refund", o.form)
        if self._expect(out, err, "refund"):
            amount = o.price - o.released()
            o.status = REFUNDED
            o.paid["buyer"] += amount
            self._pay("buyer", o.token, amount)

    # ------------------------------------------------------------------ disputes
    def _resolve(
        self, o: GOrder, amount: int, share: int, second: int = 0, refund: int = 0
    ) -> None:
        """A ruling, fee default or ruling timeout: `share` bps of `amount` to the buyer, the
        rest less the fee to the seller. Of the opener's deposit the winner gets back what it
        paid itself (the second payer its `second`, at most the deposit), the loser the rest;
        on an even split the second payer half its payment. A fee the arbitrator refunded
        (`refund`) is split as the amount is (docs/CONTRACTS.md, "Deposits")."""
        to_buyer = amount * share // BPS
        to_seller = self._fee(o, amount - to_buyer)
        deposit = o.deposit
        second_won = share < BPS // 2 if o.buyer_opened else share > BPS // 2
        to_second = second // 2 if share == BPS // 2 else second if second_won else 0
        to_second = min(to_second, deposit)
        dep_buyer = deposit - to_second if o.buyer_opened else to_second
        refund_buyer = refund * share // BPS
        o.status, o.deposit, o.fee_refund = RESOLVED, 0, 0
        opener = "buyer" if o.buyer_opened else o.seller_actor
        self._record(opener, o, opened=1)
        if share != BPS // 2:  # an even split is neither's win
            winner, loser = (
                ("buyer", o.seller_actor) if share > BPS // 2 else (o.seller_actor, "buyer")
            )
            self._record(winner, o, won=1)
            self._record(loser, o, lost=1)
        self._pay_parties(
            o,
            to_buyer,
            to_seller,
            dep_buyer + refund_buyer,
            deposit - dep_buyer + refund - refund_buyer,
        )

    def _settle(self, o: GOrder, share: int) -> None:
        """An accepted settlement (docs/CONTRACTS.md, "Settlement without a court"): `share`
        bps of what is still locked to the buyer, the rest less the fee to the seller, the
        opener's deposit (if disputed) back to it; a fee the arbitrator already refunded is
        split as the settlement splits, and one it refunds later too (`ended_share`). Counted
        `settled` for both parties, neither's win; no dispute is counted."""
        amount = o.price - o.released()
        to_buyer = amount * share // BPS
        to_seller = self._fee(o, amount - to_buyer)
        deposit = o.deposit
        dep_buyer = deposit if o.buyer_opened else 0
        refund = 0
        if o.with_arb:  # the arbitrator keeps the second fee, by its own rules
            refund, o.ended_share = o.fee_refund, share + 1
        refund_buyer = refund * share // BPS
        o.status, o.deposit, o.fee_refund, o.offer = RESOLVED, 0, 0, None
        self._record("buyer", o, settled=1)
        self._record(o.seller_actor, o, settled=1)
        self._pay_parties(
            o,
            to_buyer,
            to_seller,
            dep_buyer + refund_buyer,
            deposit - dep_buyer + refund - refund_buyer,
        )

    def _fee_refunded(self, o: GOrder, value: int, frm: str) -> None:
        """The order's arbitrator refunds `value` of its fee (onArbitrationRefund): kept for
        the ruling while the dispute is open; after a settlement or a ruling timeout split at
        once as it split the order, as credits (the arbitrator's call is gas-capped)."""
        self._move(ETH, frm, "escrow", value)
        STATS["fee refunds"] += 1
        if not o.ended_share:
            o.fee_refund += value
            return
        to_buyer = value * (o.ended_share - 1) // BPS
        self.owed[ETH]["buyer"] += to_buyer
        self.owed[ETH][o.seller_actor] += value - to_buyer
        STATS["fee refund after the end"] += 1

    def _party(self, o: GOrder, actor: str) -> bool | None:
        if self.a[actor] == o.buyer:
            return True
        if self.a[actor] == o.seller:
            return False
        return None

    def _payer(self, actor: str) -> str:
        return "seller" if actor == "wall" else actor

    def _cost_error(self, o: GOrder) -> str | None:
        """The arbitrator's answer to arbitrationCost(extraData)."""
        return self.panel.panel_error(o.panel) if o.arbitrator == "panel" else None

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, wrong=st.integers(0, 5))
    @has_orders
    def dispute(self, i: int, actor: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, ("buyer" if wrong % 2 else o.seller_actor))
        value = COST + (1 if wrong == 0 else 0)
        by_buyer = self._party(o, actor)
        ts = self.next
        err = None
        if by_buyer is None:
            err = "OrderUnauthorized"
        elif o.status not in ACTIVE:
            err = "OrderInvalidStatus"
        elif not by_buyer and self._refund_reason(o, ts) is None:
            err = "EscrowRefundDue"  # Rights 1: no dispute against a due refund
        elif o.status == DELIVERED and not o.on_hold and ts > o.delivered_at + o.inspection:
            err = "EscrowDeadlinePassed"  # Rights 4: on hold, whatever the window
        else:
            err = self._cost_error(o) or (None if value == COST else "EscrowWrongPayment")
        out = self._tx(actor, "TradeEscrow", "dispute", o.form, "ipfs://evidence", value=value)
        if self._expect(out, err, "dispute"):
            o.status, o.buyer_opened = DISPUTED, bool(by_buyer)
            o.fee_deadline, o.deposit = out.timestamp + o.fee_timeout, COST
            self._move(ETH, self._payer(actor), "escrow", COST)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, wrong=st.integers(0, 5))
    @has_orders
    def pay_arbitration_fee(self, i: int, actor: str, wrong: int) -> None:
        o = self._pick(i)
        actor = self._who(actor, (o.seller_actor if o.buyer_opened else "buyer"))
        value = COST + (1 if wrong == 0 else 0)
        by_buyer = self._party(o, actor)
        err = None
        if by_buyer is None:
            err = "OrderUnauthorized"
        elif o.status != DISPUTED:
            err = "OrderInvalidStatus"
        elif by_buyer == o.buyer_opened:
            err = "OrderUnauthorized"
        elif o.with_arb:
            err = "EscrowFeeAlreadyPaid"
        elif self.next > o.fee_deadline:
            err = "EscrowDeadlinePassed"
        elif value != COST:
            err = "EscrowWrongPayment"
        elif o.arbitrator == "impostor":
            err = self.impostor.create_error()
        out = self._tx(actor, "TradeEscrow", "payArbitrationFee", o.form, value=value)
        if self._expect(out, err, "payArbitrationFee"):
            o.with_arb, o.context, o.second = True, True, COST
            o.ruling_deadline = out.timestamp + (o.ruling_timeout or RULING_DEFAULT)
            o.amount = o.price - o.released()
            k = self._k(o)
            if o.arbitrator == "panel":
                o.dispute = self.panel.create(k, o.panel, out.timestamp)
                self._move(ETH, self._payer(actor), "arbitration", COST)
            else:
                o.dispute = self.impostor.next_id
                self.impostor.create(k)
                self._move(ETH, self._payer(actor), "impostor", COST)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def enforce_fee_timeout(self, i: int, actor: str) -> None:
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        err = None
        if o.status != DISPUTED:
            err = "OrderInvalidStatus"
        elif o.with_arb:
            err = "EscrowFeeAlreadyPaid"
        elif self.next <= o.fee_deadline:
            err = "EscrowDeadlineNotReached"
        out = self._tx(actor, "TradeEscrow", "enforceFeeTimeout", o.order, o.terms_hash)
        if self._expect(out, err, "enforceFeeTimeout"):
            self._resolve(o, o.price - o.released(), BPS if o.buyer_opened else 0)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def enforce_ruling_timeout(self, i: int, actor: str) -> None:
        """Rights 7: an arbitrator that never rules cannot freeze the order."""
        o = self._pick(i)
        actor = self._who(actor, "outsider")
        err = None
        if o.status != DISPUTED:
            err = "OrderInvalidStatus"
        elif not o.with_arb:
            err = "EscrowNotWithArbitrator"
        elif self.next <= o.ruling_deadline:
            err = "EscrowDeadlineNotReached"
        out = self._tx(actor, "TradeEscrow", "enforceRulingTimeout", o.order, o.terms_hash)
        if self._expect(out, err, "enforceRulingTimeout"):
            refund, o.ended_share = o.fee_refund, BPS // 2 + 1  # a later refund: split evenly
            self._resolve(o, o.amount, BPS // 2, o.second, refund)

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
        out = self._tx(actor, "TradeEscrow", "submitEvidence", o.form, "ipfs://more")
        self._expect(out, err, "submitEvidence")

    # ------------------------------------------------------------------ settlements (issue 12)
    @rule(
        i=st.integers(0, MAX_ORDERS),
        actor=actor_st,
        bps=st.one_of(st.integers(0, BPS), st.sampled_from([0, 2_500, 5_000, BPS, BPS + 1])),
    )
    @has_orders
    def propose_settlement(self, i: int, actor: str, bps: int) -> None:
        """Either party proposes the buyer's share of what is still locked, before or during
        a dispute; a proposal by either replaces the one on the table."""
        o = self._pick(i)
        actor = self._who(actor, "buyer" if bps % 2 else o.seller_actor)
        by_buyer = self._party(o, actor)
        err = None
        if by_buyer is None:
            err = "OrderUnauthorized"
        elif o.status not in OPEN:
            err = "OrderInvalidStatus"
        elif bps > BPS:
            err = "EscrowInvalidShare"
        out = self._tx(actor, "TradeEscrow", "proposeSettlement", o.order, o.terms_hash, bps)
        if self._expect(out, err, "proposeSettlement"):
            if o.offer is not None:
                STATS["counter-proposals"] += 1
            o.offer = (bool(by_buyer), bps)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st, stale=st.integers(0, 5))
    @has_orders
    def accept_settlement(self, i: int, actor: str, stale: int) -> None:
        """The other party accepts the proposal on the table, naming its share: a share that
        is not the one on the table (replaced meanwhile) is refused."""
        o = self._pick(i)
        offer = o.offer
        if offer is None:
            right = "buyer" if stale % 2 else o.seller_actor
        else:
            right = o.seller_actor if offer[0] else "buyer"
        actor = self._who(actor, right)
        bps = offer[1] if offer else 5_000
        if stale == 0:
            bps = (bps + 1 + i) % (BPS + 1)  # another share than the one on the table
        by_buyer = self._party(o, actor)
        err = None
        if by_buyer is None:
            err = "OrderUnauthorized"
        elif o.status not in OPEN:
            err = "OrderInvalidStatus"
        elif offer is None:
            err = "EscrowNoSettlement"
        elif offer[0] == by_buyer:  # its own proposal
            err = "OrderUnauthorized"
        elif offer[1] != bps:
            err = "EscrowSettlementChanged"
        out = self._tx(actor, "TradeEscrow", "acceptSettlement", o.order, o.terms_hash, bps)
        if self._expect(out, err, "acceptSettlement"):
            STATS[f"settled {'with the arbitrator' if o.with_arb else STATUS_NAMES[o.status]}"] += 1
            self._settle(o, bps)

    @rule(i=st.integers(0, MAX_ORDERS), actor=actor_st)
    @has_orders
    def withdraw_settlement(self, i: int, actor: str) -> None:
        """The proposer withdraws its proposal, whatever the order's status."""
        o = self._pick(i)
        offer = o.offer
        right = "buyer" if offer is None or offer[0] else o.seller_actor
        actor = self._who(actor, right)
        err = None
        if offer is None:
            err = "EscrowNoSettlement"
        elif self._party(o, actor) != offer[0]:
            err = "OrderUnauthorized"
        out = self._tx(actor, "TradeEscrow", "withdrawSettlement", o.order, o.terms_hash)
        if self._expect(out, err, "withdrawSettlement"):
            o.offer = None

    def _voluntary_error(self, o: GOrder, actor: str, party: str, bps: int) -> str | None:
        if self.a[actor] != self.a[party]:
            return "OrderUnauthorized"
        if o.status not in ACTIVE:  # not disputed: settle then
            return "OrderInvalidStatus"
        if bps == 0 or o.released_bps + bps > BPS:
            return "EscrowInvalidShare"
        return None

    def _send_voluntary(
        self, fn: str, i: int, actor: str, party: str, how: str, some: int
    ) -> tuple[GOrder, int] | None:
        """Sends `fn` (release or reimburse) of a share drawn by `how` on order `i`, by
        `actor` in place of `party`; when it goes through, the share counts in the released
        share (later milestones pay only what they add) and the order and the amount it
        moved come back, for the caller to pay."""
        o = self._pick(i)
        actor = self._who(actor, party)
        rest = BPS - o.released_bps
        bps = {"zero": 0, "one": 1, "some": some, "rest": rest, "over": rest + 1}[how]
        err = self._voluntary_error(o, actor, party, bps)
        out = self._tx(actor, "TradeEscrow", fn, o.order, o.terms_hash, bps)
        if not self._expect(out, err, fn):
            return None
        amount = o.released(o.released_bps + bps) - o.released()
        o.released_bps += bps
        return o, amount

    @rule(**VOLUNTARY_ST)
    @has_orders
    def release_early(self, i: int, actor: str, how: str, some: int) -> None:
        """The buyer releases a share of the price to the seller now, fee taken as for any
        release."""
        done = self._send_voluntary("release", i, actor, "buyer", how, some)
        if done is not None:
            o, amount = done
            seller = self._fee(o, amount)
            o.paid["seller"] += seller
            self._pay(o.seller_actor, o.token, seller)

    @rule(**VOLUNTARY_ST)
    @has_orders
    def reimburse(self, i: int, actor: str, how: str, some: int) -> None:
        """The seller refunds a share of the price to the buyer now (no fee): it comes off
        what the seller is still to receive, and counts `refunded` in the seller's record."""
        done = self._send_voluntary("reimburse", i, actor, self._pick(i).seller_actor, how, some)
        if done is not None:
            o, amount = done
            self._record(o.seller_actor, o, refunded=1)
            o.paid["buyer"] += amount
            self._pay("buyer", o.token, amount)

    # the panel arbitrator (arbitration_model.PanelModel)
    def _executed(self, o: GOrder, ruling: int) -> None:
        """The escrow executes a ruling; one after a settlement or the order's ruling timeout
        changes nothing. Either way the dispute's context goes."""
        if o.status == DISPUTED:
            share = BPS // 2 if ruling == 0 else ruling - 1
            self._resolve(o, o.amount, share, o.second, o.fee_refund)
        else:
            STATS["ruling after the end"] += 1
        o.context, o.fee_refund = False, 0

    def _decided(self, j: int, ruling: int, by_default: bool = False) -> None:
        shares = self.panel.shares(j, by_default)
        for member, share in shares:
            self._move(ETH, "arbitration", member, share)
        o = self.orders[self.panel.disputes[j].order]
        if not shares:  # a panel that never voted: the fee back to the escrow, then the ruling
            self._fee_refunded(o, COST, "arbitration")
        self._executed(o, ruling)

    @rule(
        j=st.integers(0, 7),
        member=st.sampled_from(["arbitrator0", "arbitrator1", "arbitrator2", "outsider"]),
        ruling=st.one_of(st.integers(0, CHOICES), st.sampled_from([0, 1, 5_001, CHOICES, 10_002])),
    )
    @precondition(lambda self: bool(self.panel.disputes))
    def vote(self, j: int, member: str, ruling: int) -> None:
        j = j % (len(self.panel.disputes) + 1)  # now and then one that does not exist
        err = self.panel.vote_error(j, member, ruling, self.next)
        out = self._tx(member, "DisputeArbitration", "vote", j, ruling)
        if self._expect(out, err, "vote") and self.panel.vote(j, member, ruling):
            self._decided(j, ruling)

    @rule(j=st.integers(0, 7), actor=actor_st)
    @precondition(lambda self: bool(self.panel.disputes))
    def rule_by_default(self, j: int, actor: str) -> None:
        j = j % (len(self.panel.disputes) + 1)
        actor = self._who(actor, "outsider")
        err = self.panel.default_error(j, self.next)
        out = self._tx(actor, "DisputeArbitration", "ruleByDefault", j)
        if self._expect(out, err, "ruleByDefault"):
            self.panel.rule_by_default(j)
            self._decided(j, 0, by_default=True)

    @rule(
        what=st.sampled_from(["withdraw", "appeal", "fee", "choices", "register", "register"]),
        actor=st.sampled_from(["arbitrator0", "outsider", "operator", "operator"]),
    )
    def arbitrator_misc(self, what: str, actor: str) -> None:
        """The arbitrator's other doors: withdrawals (nothing owed to an EOA member), appeals,
        disputes created directly with a wrong fee or no choices, registrations."""
        if what == "withdraw":
            err = None if self.arb_owed.get(actor) else "ArbitrationNothingToWithdraw"
            out = self._tx(actor, "DisputeArbitration", "withdraw")
            assert err, "members are EOAs: nothing is ever owed to them"
            self._expect(out, err, "arbitration withdraw")
        elif what == "appeal":
            out = self._tx(actor, "DisputeArbitration", "appeal", 0, b"")
            self._expect(out, "ArbitrationAppealsNotSupported", "appeal")
        elif what in ("fee", "choices"):
            value = COST - 1 if what == "fee" else COST
            choices = 2 if what == "fee" else 0
            data = encode(["address[]"], [[self.a["arbitrator0"]]])
            out = self._tx(actor, "DisputeArbitration", "createDispute", choices, data, value=value)
            err = "ArbitrationFeeMismatch" if what == "fee" else "ArbitrationInvalidChoices"
            self._expect(out, err, "createDispute")
        else:
            who = "outsider" if actor != "arbitrator0" else "arbitrator1"
            err = (
                "AccessControlUnauthorizedAccount"
                if actor != "operator"
                else self.panel.register_error(who)
            )
            out = self._tx(actor, "DisputeArbitration", "registerArbitrator", self.a[who])
            if self._expect(out, err, "registerArbitrator"):
                self.panel.registered.add(who)  # permanent: its panels become valid
                self.arb_owed.setdefault(who, 0)

    # the impostor arbitrator (arbitration_model.ImpostorModel)
    @rule(n=st.integers(0, 3))
    def impostor_next_id(self, n: int) -> None:
        out = self._tx("outsider", "Impostor", "setNextId", n)
        self._expect(out, None, "impostor setNextId")
        self.impostor.next_id = n

    @rule(n=st.integers(0, 4), ruling=st.sampled_from([0, 1, 2_501, 5_001, CHOICES, 10_002]))
    def impostor_rules(self, n: int, ruling: int) -> None:
        err = self.impostor.rule_error(n, ruling)
        out = self._tx("outsider", "Impostor", "ruleOn", self.escrow, n, ruling)
        if self._expect(out, err, "impostor ruleOn"):
            self._executed(self.orders[self.impostor.taken[n]], ruling)

    @rule(n=st.integers(0, 4), value=st.sampled_from([1, 3, COST // 2, COST, 10**15 + 7]))
    def impostor_refunds(self, n: int, value: int) -> None:
        """The impostor refunds part of a fee (IArbitrationRefund): the escrow takes it for a
        dispute of the impostor's that is still open or ended by a settlement or a timeout,
        until the ruling arrives."""
        k = self.impostor.taken.get(n)
        o = None if k is None else self.orders[k]
        err = None if o is not None and o.context else "EscrowUnknownDispute"
        out = self._tx("outsider", "Impostor", "refund", self.escrow, n, value=value)
        if self._expect(out, err, "impostor refund") and o is not None:
            self._fee_refunded(o, value, "outsider")

    @rule(j=st.integers(0, 7), actor=st.sampled_from(ACTORS), ruling=st.integers(0, 10_002))
    def outsider_rules(self, j: int, actor: str, ruling: int) -> None:
        """Nobody but an order's arbitrator executes a ruling."""
        out = self._tx(actor, "TradeEscrow", "rule", j, ruling)
        self._expect(out, "EscrowUnknownDispute", "rule by an account")

    # ------------------------------------------------------------------ money out
    @rule(
        actor=st.sampled_from(["buyer", "seller", "wall", "wall", "treasury", "outsider"]),
        usdc=st.booleans(),
        to=st.sampled_from(["self", "self", "seller", "seller", "zero"]),
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
            dest = "seller"
            target = self.a["seller"] if to == "seller" else ZERO
            err = (
                "EscrowZeroAddress"
                if to == "zero"
                else (None if amount else "EscrowNothingToWithdraw")
            )
            out = self._tx(actor, "TradeEscrow", "withdrawTo", token, target)
        if self._expect(out, err, f"withdraw by {actor} to {to}"):
            self.owed[token][actor] = 0
            self._move(token, "escrow", dest, amount)
            STATS[f"withdrawn by {actor}"] += 1

    # ------------------------------------------------------------------ operator
    @rule(
        what=st.sampled_from(
            ["fee", "fee", "timeout", "timeout", "pause", "pause", "unpause", "bypass", "treasury"]
        ),
        actor=st.sampled_from(["operator", "operator", "operator", "outsider", "buyer", "seller"]),
        bps=st.one_of(st.integers(0, 250), st.sampled_from([0, 50, 100, 150, 200, 201])),
        timeout=st.sampled_from([60, 3_599, 3_600, DAY, 2 * DAY, 30 * DAY, 30 * DAY + 1, 31 * DAY]),
        i=st.integers(0, MAX_ORDERS),
    )
    def operator(self, what: str, actor: str, bps: int, timeout: int, i: int) -> None:
        """The operator's levers, and everyone else trying them; none of them moves money or
        reaches an order already funded (Rights 5)."""
        denied = "AccessControlUnauthorizedAccount" if actor != "operator" else None
        if what == "fee":
            err = denied or ("EscrowFeeTooHigh" if bps > MAX_FEE else None)
            if self._expect(self._tx(actor, "TradeEscrow", "setFee", bps), err, "setFee"):
                self.fee_bps = bps
        elif what == "timeout":
            bad = not FEE_TIMEOUT_MIN <= timeout <= FEE_TIMEOUT_MAX
            err = denied or ("EscrowInvalidFeeTimeout" if bad else None)
            out = self._tx(actor, "TradeEscrow", "setFeeTimeout", timeout)
            if self._expect(out, err, "setFeeTimeout"):
                self.fee_timeout = timeout
        elif what == "treasury":
            # Future fee credits go elsewhere; nothing already credited moves.
            to = "outsider" if self.treasury == "treasury" else "treasury"
            if bps % 5 == 0:
                out = self._tx(actor, "TradeEscrow", "setTreasury", ZERO)
                self._expect(out, denied or "EscrowZeroAddress", "setTreasury(0)")
                return
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
            out = self._tx(actor, "TradeEscrow", "stageReported", o.order, o.id, 10, 0xFFFFFF, 0)
            self._expect(out, "EscrowOnlyTracker", "stageReported")
            out = self._tx(actor, "TradeEscrow", "holdReported", o.order, o.id, False, 0)
            self._expect(out, "EscrowOnlyTracker", "holdReported")

    @rule(
        i=st.integers(0, MAX_ORDERS),
        how=st.sampled_from(["short", "long", "truncated", "dirty_buyer", "dirty_price"]),
        fn=st.sampled_from(sorted(FORM_CALLS)),
        actor=actor_st,
    )
    @has_orders
    def broken_form(self, i: int, how: str, fn: str, actor: str) -> None:
        """An order form that no order has (a byte missing or extra, cut below its fixed
        part, or a dirty padding byte in its head) is refused by name wherever a form is
        taken, before anything else is read, and changes nothing."""
        o = self._pick(i)
        actor = self._who(actor, "buyer")
        form = bytearray(o.form)
        if how == "short":
            form = form[:-1]
        elif how == "long":
            form += b"\x00"
        elif how == "truncated":
            form = form[:273]
        elif how == "dirty_buyer":
            form[0] = 1
        else:
            form[96] = 1  # above the uint96 price
        contract, args = FORM_CALLS[fn]
        err = "OrderFormDirtyPadding" if how.startswith("dirty") else "OrderFormMalformed"
        if self.paused and fn in ("register", "fundWithQuote"):
            err = "EnforcedPause"
        out = self._tx(actor, contract, fn, bytes(form), *args)
        self._expect(out, err, f"{fn} with a {how} form")

    @rule(
        role=st.sampled_from(["CUSTOMS_ROLE", "INSPECTOR_ROLE"]),
        who=st.sampled_from(["customs", "inspector", "outsider"]),
        grant=st.booleans(),
        actor=st.sampled_from(["operator", "operator", "operator", "outsider", "customs"]),
    )
    def accredit(self, role: str, who: str, grant: bool, actor: str) -> None:
        """The operator's registry of accredited customs and inspectors changes mid-run: no
        order already made follows it (Rights 3). A confused renounce is refused."""
        role_id = self.role_ids[role]
        if actor == "customs" and not grant:
            out = self._tx(actor, "LogisticsTracker", "renounceRole", role_id, self.a["outsider"])
            self._expect(out, "AccessControlBadConfirmation", "renounceRole")
            return
        fn = "grantRole" if grant else "revokeRole"
        err = "AccessControlUnauthorizedAccount" if actor != "operator" else None
        out = self._tx(actor, "LogisticsTracker", fn, role_id, self.a[who])
        self.roles_changed = True
        if self._expect(out, err, fn):
            (self.roles[role].add if grant else self.roles[role].discard)(who)

    # ------------------------------------------------------------------ progress
    def _advance(self, i: int, c: int) -> None:
        """The next sensible step of order i (by the right party), so that lifecycles run to
        their ends often; which step, and the deadline it is aimed at, vary with c."""
        o = self._pick(i)
        k = c % 14
        # a settlement, before or during a dispute: an offer on the table is answered soon
        if o.status in OPEN and o.offer is not None and c % 4 == 0:
            return self._negotiate(i, c)
        if o.on_hold and c % 3:
            if c % 7 == 0:  # across a deadline
                self._aim(self._deadline(o, ["ship", "deliver", "window"][c % 3], 0))
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
            if k <= 1:  # the pickup at ship-by, or a second late
                if o.stage < PICKED_UP:
                    self._aim(o.funded_at + o.ship + c % 2)
                return self.record(i, PICKED_UP if o.stage < PICKED_UP else -1, "right")
            if k <= 5:
                kind = [-1, -2, EXPORT_CLEARED, IMPORT_CLEARED][k - 2]
                return self.record(i, kind, "right")
            if k == 6:
                return self.record(i, HOLD if not o.on_hold else -1, "right")
            if k == 7:
                return self.confirm(i, "right")
            if k == 8:
                return self.dispute(i, "right", c)
            if k == 9:  # a delivery around deliver-by
                self._aim(o.funded_at + o.deliver + c % 3 - 1)
                return self.record(i, DELIVERED_STAGE, "right")
            if k == 12:
                return self._negotiate(i, c)
            if k == 13:
                return self._voluntary(i, c)
            self._aim(o.funded_at + (o.ship if k == 10 else o.deliver) + c % 2)
            return self.refund(i, "right")
        if o.status == DELIVERED:
            step = c % 7
            if step == 5:
                return self._negotiate(i, c)
            if step == 6:
                return self._voluntary(i, c)
            if step == 0:
                return self.confirm(i, "right")
            if step == 1:
                return self.dispute(i, "right", c)
            if step == 2:
                self._aim(o.delivered_at + o.inspection + c % 2)
                return self.refund(i, "right")
            if step == 3:
                return self.record(i, HOLD, "right")
            self._aim(o.delivered_at + o.inspection + c % 2)
            return self.settle(i, "right")
        if o.status == DISPUTED:
            if not o.with_arb:
                if c % 7 == 0:
                    return self._negotiate(i, c)
                if c % 4:
                    if c % 5 == 0:
                        self._aim(o.fee_deadline + c % 2)
                    return self.pay_arbitration_fee(i, "right", 1)
                self._aim(o.fee_deadline + c % 2)
                return self.enforce_fee_timeout(i, "right")
            if c % 6 == 0:
                self._aim(o.ruling_deadline + c % 2)
                return self.enforce_ruling_timeout(i, "right")
            if c % 5 == 0:
                return self._negotiate(i, c)
            return self._arbitrate(o, c)
        if o.context and c % 2:  # ended by a settlement or a timeout: the arbitrator goes on
            return self._arbitrate(o, c)
        return self.withdraw(["buyer", "seller", "wall", "treasury"][c % 4], bool(c % 2), "self")

    def _arbitrate(self, o: GOrder, c: int) -> None:
        """The order's arbitrator on its dispute: a refund of part of its fee, a ruling, a
        vote or a default ruling."""
        if o.arbitrator == "impostor":
            if c % 3 == 0:
                return self.impostor_refunds(o.dispute, [1, COST // 2, COST][c % 4 % 3])
            return self.impostor_rules(o.dispute, [1, 5_001, 10_001, 0][c % 4])
        d = self.panel.disputes[o.dispute]
        members = [m for m in d.panel if m not in d.voted]
        if c % 5 == 0 or not members:  # (a split panel that has all voted waits for it)
            self._aim(d.deadline + c % 2)
            return self.rule_by_default(o.dispute, "right")
        ruling = [0, 1, 5_001, 10_001, 2_500, c % CHOICES][c % 6]
        return self.vote(o.dispute, members[c % len(members)], ruling)

    def _negotiate(self, i: int, c: int) -> None:
        """A step of a settlement: the other party accepts what is on the table (mostly), or
        either proposes (a counter-proposal), or the proposer withdraws."""
        o = self._pick(i)
        if o.offer is not None and c % 3:
            return self.accept_settlement(i, "right", 1 + c % 5)
        if o.offer is not None and c % 5 == 0:
            return self.withdraw_settlement(i, "right")
        bps = [0, 2_500, 5_000, 7_500, BPS, c % (BPS + 1)][c % 6]
        who = "buyer" if c % 2 else o.seller_actor
        return self.propose_settlement(i, who, bps)

    def _voluntary(self, i: int, c: int) -> None:
        """The buyer releases a share early, or the seller refunds one."""
        how = ["some", "some", "one", "rest", "some"][c % 5]
        some = [100, 1_000, 2_500, 1 + c % 4_000][c % 4]
        if c % 2:
            return self.release_early(i, "right", how, some)
        return self.reimburse(i, "right", how, some)

    def _progress(self, rnd: Any) -> None:
        """Progress on an order still moving (mostly), the step chosen uniformly: hypothesis
        draws small integers far more often than large ones, which would keep lifecycles on
        their first branch."""
        if self.paused and rnd.random() < 0.3:  # a pause lasts a while, not for ever
            return self.operator("unpause", "operator", 0, 0, 0)
        if rnd.random() < 0.3:
            return self._probe(rnd)
        moving = [
            k
            for k, o in enumerate(self.orders)
            if o.status not in TERMINAL
            and not (o.status == NONE and self._terms_error(o, self.next) and rnd.random() < 0.9)
        ]
        if moving and rnd.random() < 0.85:
            i = rnd.choice(moving)
        else:
            i = rnd.randrange(len(self.orders))
        self._advance(i, rnd.randrange(1_000_000))

    def _probe(self, rnd: Any) -> None:
        """Any action on any order by anyone, drawn uniformly: the rules above with arguments
        hypothesis would seldom pick together (a wrong payment on the right order at the right
        time, a vote after a decision, an invalid order registered by its buyer)."""
        i = rnd.randrange(len(self.orders))
        actor = rnd.choice(["right"] * 6 + ACTORS)
        wrong = rnd.randrange(6)
        c = rnd.randrange(1_000_000)
        if rnd.random() < 0.3:
            o = self.orders[i]
            self._aim(self._deadline(o, rnd.choice(DEADLINES), c) or 0 + rnd.choice([-1, 0, 1]))
        ruling = rnd.choice([0, 1, 2_501, 5_001, CHOICES, 10_002, c % 10_003])
        member = rnd.choice(["arbitrator0", "arbitrator1", "arbitrator2", "outsider"])
        kind = rnd.choice([-1, -2, -3, 0, 16, *range(1, 16)])
        probes = [
            lambda: self.register(i, actor),
            lambda: self.accept(i, actor),
            lambda: self.fund(i, actor, wrong),
            lambda: self.fund_with_quote(i, actor, rnd.choice(["seller", "buyer"]), wrong),
            lambda: self.record(i, kind, rnd.choice(["right", "right", *ACTORS])),
            lambda: self.confirm(i, actor),
            lambda: self.settle(i, actor),
            lambda: self.refund(i, actor),
            lambda: self.dispute(i, actor, wrong),
            lambda: self.pay_arbitration_fee(i, actor, wrong),
            lambda: self.enforce_fee_timeout(i, actor),
            lambda: self.enforce_ruling_timeout(i, actor),
            lambda: self.impostor_rules(c % 5, ruling),
            lambda: self.impostor_next_id(c % 4),
            lambda: self.impostor_refunds(c % 5, rnd.choice([1, COST])),
            lambda: self.propose_settlement(
                i, actor, rnd.choice([0, 5_000, BPS, BPS + 1, c % BPS])
            ),
            lambda: self.accept_settlement(i, actor, wrong),
            lambda: self.withdraw_settlement(i, actor),
            lambda: self.release_early(
                i, actor, rnd.choice(["some", "rest", "over", "zero"]), c % 4_000 + 1
            ),
            lambda: self.reimburse(
                i, actor, rnd.choice(["some", "rest", "over", "zero"]), c % 4_000 + 1
            ),
        ]
        if self.panel.disputes:
            j = c % (len(self.panel.disputes) + 1)
            probes += [lambda: self.vote(j, member, ruling), lambda: self.rule_by_default(j, actor)]
        rnd.choice(probes)()

    # Progress is drawn as often as fourteen other rules together.
    for _n in range(14):
        locals()[f"advance_{_n}"] = rule()(has_orders(lambda self: self._progress(self.rng)))
    del _n

    # ------------------------------------------------------------------ invariants
    @invariant()
    def the_five_invariants(self) -> None:
        b = self.backend
        STATS["steps"] += 1
        if not self.changed and not b.sends_refusals:
            # On the session chain a refused transaction is never sent (its eth_call reverted):
            # nothing on chain or in the model changed since the last full check.
            STATS["invariant checks"] += 5
            return
        self.changed = False
        self.roles_changed = getattr(self, "roles_changed", True)
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
                real = b.word("TradeEscrow", "owed", self.a[name], token)
                assert real == self.owed[token][name], (
                    f"{name} owed {real}, model {self.owed[token][name]}"
                )
                total += real
            real_owed[token] = total
        for name, expected in self.arb_owed.items():
            assert b.word("DisputeArbitration", "owed", self.a[name]) == expected
        # every party's track record is the model's (settlements and goodwill refunds counted),
        # and every order's settlement on the table: read after a transaction went through
        # (a refused one, which pyrevm also runs, reverts and writes nothing)
        went_through, self.went_through = self.went_through, False
        for name in ("buyer", "seller", "wall") if went_through else ():
            # reputationOf(account, tokens): the array's offset and length, then 8 words each
            raw = b.words("TradeEscrow", "reputationOf", self.a[name], list(self.tokens), key=name)
            for n, token in enumerate(self.tokens):
                real_record, record = raw[2 + 8 * n : 10 + 8 * n], self.rep[(name, token)]
                assert real_record == record, (
                    f"{name}'s reputation in {token}: chain "
                    f"{dict(zip(REP_FIELDS, real_record, strict=True))}, model "
                    f"{dict(zip(REP_FIELDS, record, strict=True))}"
                )
        # 1. conservation, from the chain's own numbers
        for token in self.tokens:
            locked = sum(o.locked() for o in self.orders if o.token == token)
            # the ETH the escrow holds for disputes: the openers' deposits, and fees the
            # arbitrator refunded before the ruling (split with it)
            deposits = sum(o.deposit + o.fee_refund for o in self.orders) if token == ETH else 0
            held = self._read_balance(token, self.escrow)
            assert held == locked + real_owed[token] + deposits, "escrow conservation"
        assert b.word("FOT", "balanceOf", self.escrow) == 0, "a short token was taken"
        assert b.word("DisputeArbitration", "owed", self.escrow) == self.arb_refunds
        arbitration_owes = sum(self.arb_owed.values()) + self.arb_refunds
        assert b.eth(self.arbitration) == self.panel.open_fees() + arbitration_owes, (
            "arbitrator conservation"
        )
        # 2. and 3. every order: its state, its payouts, its path
        now = b.now()
        for k, o in enumerate(self.orders):
            state = b.words("TradeEscrow", "orderState", o.id)
            model = (
                o.status,
                o.stage,
                o.clearance,
                o.on_hold,
                o.on_time,
                o.late,
                o.buyer_opened,
                o.with_arb,
                o.fee_bps,
                o.released_bps,  # (the chain's words: booleans read as 0 and 1)
                o.funded_at,
                o.delivered_at,
                o.clock(),
                o.deposit,
            )
            assert tuple(state) == model, f"order {k}: chain {tuple(state)}, model {model}"
            if went_through and (o.status != NONE or o.offer is not None):
                table = b.words("TradeEscrow", "settlementOf", o.id)
                by = 0 if o.offer is None else int(o.buyer if o.offer[0] else o.seller, 16)
                offered = [by, 0 if o.offer is None else o.offer[1]]
                assert table == offered, f"order {k}: settlement {table}, model {offered}"
            if o.status in ACTIVE:  # refundDue answers the rules at the latest block's time
                due = b.word("TradeEscrow", "refundDue", o.form, key=o.id)
                assert due == (self._refund_reason(o, now) is None), f"order {k} refundDue"
            before, status = self.statuses[k], o.status
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
        # 5. each signer's checkpoint sequence per order is the model's
        for signer, k in self.touched:
            nxt = self.cp_next.get((signer, k), 0)
            real = b.word("LogisticsTracker", "checkpointNonce", self.a[signer], self.orders[k].id)
            assert real == nxt, f"{signer}'s next nonce for order {k}: {real}, model {nxt}"
        self.touched.clear()
        # the registry of accredited accounts is the operator's, and only that
        for role, members in self.roles.items() if self.roles_changed else ():
            listed = {
                self._name(a) for a in b.call("LogisticsTracker", "accredited", self.role_ids[role])
            }
            assert listed == members, f"{role}: {listed} != {members}"
        self.roles_changed = False
        STATS["invariant checks"] += 5
        if PROFILE == "deep" and STATS["steps"] % 10_000 == 0:
            print(
                f"  ... {STATS['steps']:,} steps, {STATS['transactions']:,} transactions",
                flush=True,
            )


def _run(machine: type[Trade], backend_factory: Any, profile: settings, label: str) -> None:
    class Bound(machine):  # type: ignore[misc, valid-type]
        pass

    Bound.label = label

    def make() -> Trade:
        Bound.backend = backend_factory()
        return Bound()

    run_state_machine_as_test(make, settings=profile)


def _required(artifacts: Any) -> set[str]:
    """Every custom error of TradeEscrow (OrderRegistry's included) and LogisticsTracker, and
    the arbitrator's that the machine reaches, less the unreachable ones."""
    names = {
        item["name"]
        for contract in ("TradeEscrow", "LogisticsTracker")
        for item in artifacts[contract].abi
        if item["type"] == "error"
    }
    arbitration = {i["name"] for i in artifacts["DisputeArbitration"].abi if i["type"] == "error"}
    assert arbitration >= ARBITRATION_REACHED, ARBITRATION_REACHED - arbitration
    assert set(ERRORS_EXCLUDED) <= names | arbitration, set(ERRORS_EXCLUDED) - names - arbitration
    return (names | ARBITRATION_REACHED) - set(ERRORS_EXCLUDED)


def _report(
    title: str, started: float, before: Counter[str], artifacts: Any, label: str | None = None
) -> list[str]:
    """Prints the run's numbers and every custom error's hit count (of the backend `label`,
    the title by default); writes them to build/invariant-error-counts.json; returns the
    required errors never hit."""
    label = label or title
    elapsed = time.perf_counter() - started
    steps = STATS["steps"] - before["steps"]
    txs = STATS["transactions"] - before["transactions"]
    checks = STATS["invariant checks"] - before["invariant checks"]
    print(
        f"\n[{title}] {STATS['examples'] - before['examples']} runs, {steps} steps "
        f"({steps / elapsed:.0f} steps/s), {txs} transactions "
        f"({STATS['accepted'] - before['accepted']} accepted, "
        f"{STATS['refused'] - before['refused']} refused as predicted), "
        f"{checks} invariant checks (5 invariants after every step), {elapsed:.1f}s"
    )
    moves = sorted(k for k in STATS if k.startswith("transition"))
    print(
        f"[{title}] transitions seen: "
        + ", ".join(f"{k[11:]}x{STATS[k] - before[k]}" for k in moves if STATS[k] > before[k])
    )
    paused = sorted(k for k in STATS if k.startswith("while paused"))
    print(
        f"[{title}] tried while paused: "
        + ", ".join(f"{k[14:]}x{STATS[k] - before[k]}" for k in paused if STATS[k] > before[k])
    )
    aimed = sorted(k for k in STATS if k.startswith("aimed at"))
    print(
        f"[{title}] aimed at: "
        + ", ".join(f"{k[9:]}x{STATS[k] - before[k]}" for k in aimed if STATS[k] > before[k])
    )
    print(f"[{title}] distinct seeds so far: {len(SEEDS)}")
    calls = sorted((k for k in STATS if k.startswith("call ")), key=lambda k: -STATS[k])
    print(
        f"[{title}] calls: "
        + ", ".join(f"{k[5:]}x{STATS[k] - before[k]}" for k in calls if STATS[k] > before[k])
    )
    oks = sorted((k for k in STATS if k.startswith("ok ")), key=lambda k: -STATS[k])
    print(
        f"[{title}] accepted: "
        + ", ".join(f"{k[3:]}x{STATS[k] - before[k]}" for k in oks if STATS[k] > before[k])
    )
    kinds = ("counter-proposals", "settled ", "fee refund", "ruling after the end")
    settled = sorted(k for k in STATS if k.startswith(kinds))
    print(
        f"[{title}] settlements, releases, refunds: "
        + ", ".join(
            f"{k.removeprefix('ok ')}x{STATS[k] - before[k]}"
            for k in settled
            if STATS[k] > before[k]
        )
    )
    hits = HITS.get(label, Counter())
    required = _required(artifacts)
    print(f"[{title}] custom errors hit ({len(required & set(hits))} of {len(required)} required):")
    for name in sorted(required | set(hits)):
        print(f"    {name:<36} {hits.get(name, 0):>7}")
    never = sorted(required - set(hits))
    if never:
        print(f"[{title}] never hit: {', '.join(never)}")
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(COUNTS_FILE.read_text()) if COUNTS_FILE.exists() else {}
    data[title] = {
        "profile": PROFILE,
        "steps": steps,
        "transactions": txs,
        "seconds": round(elapsed, 1),
        "hits": dict(sorted(hits.items())),
        "never_hit": never,
        "excluded": ERRORS_EXCLUDED,
    }
    COUNTS_FILE.write_text(json.dumps(data, indent=2) + "\n")
    return never


@pytest.mark.eth_tester_only
@pytest.mark.skipif(PROFILE == "deep", reason="the deep profile runs on pyrevm")
def test_invariants_on_the_session_chain(chain, suite, artifacts, desk) -> None:  # type: ignore[no-untyped-def]
    from tradelane.deploy import deploy_contract

    op, buyer = desk.p["operator"], desk.p["buyer"]
    wall, _ = deploy_contract(chain, artifacts["RevertingReceiver"], [], sender=desk.p["seller"])
    fot, _ = deploy_contract(chain, artifacts["FeeOnTransferToken"], [], sender=op)
    impostor, _ = deploy_contract(chain, artifacts["ImpostorArbitrator"], [COST], sender=op)
    w3 = chain.w3
    for fn, sender in (
        (fot.functions.mint(buyer, 10**30), op),
        (fot.functions.approve(suite["TradeEscrow"].address, 2**256 - 1), buyer),
    ):
        assert w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))["status"] == 1
    accounts = {k: v for k, v in desk.p.items() if k != "arbitrators"}
    accounts.update({f"arbitrator{i}": a for i, a in enumerate(desk.p["arbitrators"])})
    extra = {"RevertingReceiver": wall.address, "FOT": fot.address, "Impostor": impostor.address}
    backend = TesterBackend(chain, suite, artifacts, accounts, extra)
    chain.time_travel(DAY)  # chain time ahead of the wall clock
    before, started = Counter(STATS), time.perf_counter()

    def fresh() -> Backend:
        backend._snapshot = chain.snapshot()  # type: ignore[attr-defined]
        return backend

    class OnChain(Trade):
        def teardown(self) -> None:
            chain.revert(self.backend._snapshot)  # type: ignore[attr-defined]

    _run(OnChain, fresh, settings.get_profile("ci"), "eth-tester")
    OnChain.backend, OnChain.label = fresh(), "eth-tester"
    tour = OnChain()
    _tour(tour)
    tour.teardown()
    never = _report("eth-tester", started, before, artifacts)
    assert not never, f"custom errors the machine never hit on the session chain: {never}"


def test_invariants_on_pyrevm(artifacts) -> None:  # type: ignore[no-untyped-def]
    profile = settings.get_profile("deep") if PROFILE == "deep" else REVM_CI
    label = f"pyrevm-{PROFILE}"
    before, started = Counter(STATS), time.perf_counter()
    _run(Trade, lambda: RevmBackend(artifacts), profile, label)
    _report(label, started, before, artifacts)  # the tour below completes the coverage
    if PROFILE == "deep":
        assert STATS["steps"] - before["steps"] >= min(DEEP_STEPS, 100_000)


def _tour(m: Trade) -> None:
    """A scripted walk through the machine's own rules (so through the same model and the
    same invariants after every step) to the refusals a random run reaches seldom."""

    def step(action: Any) -> None:
        action()
        m.the_five_invariants()

    def order(**over: Any) -> int:
        fixed = {"bad": "none", "token": "eth", "wall": False, "valid": 0, "max_fee": 200}
        m.new_order({**_spec(m.rng), **fixed, **over})
        return len(m.orders) - 1

    step(lambda: m.operator("timeout", "operator", 0, 60, 0))  # below the fee timeout's bounds
    step(lambda: m.operator("timeout", "operator", 0, 31 * DAY, 0))  # above them
    for bad in BAD_TERMS:
        k = order(bad=bad)
        step(lambda k=k: m.register(k, "buyer"))
    panel = order(panel=("a0", "a1", "a2"), impostor=False, ruling=0, max_fee=200)
    step(lambda: m.fund_with_quote(panel, "buyer", "seller", 1))
    step(lambda: m.dispute(panel, "buyer", 1))
    step(lambda: m.enforce_ruling_timeout(panel, "outsider"))  # not with the arbitrator
    step(lambda: m.pay_arbitration_fee(panel, "seller", 1))
    step(lambda: m.pay_arbitration_fee(panel, "seller", 1))  # already paid
    j = m.orders[panel].dispute
    step(lambda: m.vote(j, "outsider", 1))
    step(lambda: m.vote(j, "arbitrator0", 10_002))
    step(lambda: m.vote(j, "arbitrator0", 2_501))
    step(lambda: m.vote(j, "arbitrator0", 2_501))
    step(lambda: m.rule_by_default(j, "outsider"))
    step(lambda: m.vote(j + 1, "arbitrator0", 1))
    step(lambda: m.vote(j, "arbitrator1", 2_501))
    step(lambda: m.vote(j, "arbitrator2", 1))
    late = order(panel=("a0",), impostor=False)
    step(lambda: m.fund_with_quote(late, "buyer", "seller", 1))
    step(lambda: m.dispute(late, "buyer", 1))
    step(lambda: m.pay_arbitration_fee(late, "seller", 1))
    m._aim(m.panel.disputes[m.orders[late].dispute].deadline + 1)
    step(lambda: m.vote(m.orders[late].dispute, "arbitrator0", 1))
    for panel_ in (("a0", "a1"), ("a0", "a0", "a1"), ("outsider",)):
        bad_panel = order(panel=panel_, impostor=False)
        step(lambda k=bad_panel: m.fund_with_quote(k, "buyer", "seller", 1))
        step(lambda k=bad_panel: m.dispute(k, "buyer", 1))
    first, second = order(impostor=True), order(impostor=True)
    step(lambda: m.impostor_next_id(0))
    for k in (first, second):
        step(lambda k=k: m.fund_with_quote(k, "buyer", "seller", 1))
        step(lambda k=k: m.dispute(k, "buyer", 1))
        step(lambda k=k: m.pay_arbitration_fee(k, "seller", 1))  # the second: id taken
    step(lambda: m.impostor_rules(0, 10_002))
    step(lambda: m.impostor_rules(0, 1))
    dap = order(incoterm=4, ship=DAY, extra=DAY, customs="customs")
    step(lambda: m.fund_with_quote(dap, "buyer", "seller", 1))
    step(lambda: m.record(dap, PICKED_UP, "carrier"))
    step(lambda: m.record(dap, DELIVERED_STAGE, "carrier"))
    step(lambda: m.refund(dap, "buyer"))  # on time: nothing due
    step(lambda: m.record(dap, HOLD, "customs"))
    step(lambda: m.record(dap, HOLD, "customs"))  # a second hold
    step(lambda: m.record(dap, RELEASE, "customs"))
    step(lambda: m.record(dap, RELEASE, "customs"))  # a release without a hold
    step(lambda: m.record(dap, PICKED_UP, "carrier"))  # not forward
    step(lambda: m.record(dap, HOLD, "customs"))
    step(lambda: m.confirm(dap, "buyer"))  # on hold
    idle = order(ship=3_600, extra=DAY, impostor=False, panel=("a0",), inspectors="own")
    step(lambda: m.record(idle, PASSED, "outsider"))  # nothing funded yet: inactive
    step(lambda: m.fund_with_quote(idle, "buyer", "seller", 0))  # a wrong amount
    step(lambda: m.fund_with_quote(idle, "buyer", "seller", 1))
    m._aim(m.orders[idle].funded_at + 3_600 + 1)  # a second past ship-by, nothing picked up
    step(lambda: m.dispute(idle, "seller", 2))  # the buyer's refund is due
    step(lambda: m.sign_checkpoint(idle, PICKED_UP, "carrier", 0, 0, DAY, True))  # forged
    step(lambda: m.sign_checkpoint(idle, EXCEPTION, "carrier", 1, 0, 0, False))
    m._aim(int(m.signed[-1]["deadline"]) + 1)
    step(lambda: m.relay_signed_checkpoint(len(m.signed) - 1, "outsider"))  # expired
    fob = order(incoterm=8, ship=DAY, extra=0)
    step(lambda: m.fund_with_quote(fob, "buyer", "seller", 1))
    step(lambda: m.record(fob, PICKED_UP, "carrier"))
    m._aim(m.orders[fob].funded_at + DAY + 1)
    step(lambda: m.refund(fob, "outsider"))  # the risk passed on board: the buyer's
    step(lambda: m.sign_checkpoint(idle, EXCEPTION, "carrier", 1, 0, DAY, True))
    step(lambda: m.relay_signed_checkpoint(len(m.signed) - 1, "buyer"))  # a replay
    step(lambda: m.operator("fee", "operator", 201, 0, 0))
    step(lambda: m.operator("unpause", "operator", 0, 0, 0))
    step(lambda: m.operator("pause", "operator", 0, 0, 0))
    step(lambda: m.register(order(), "buyer"))  # paused
    step(lambda: m.refund(idle, "outsider"))  # a refund never stops
    step(lambda: m.operator("unpause", "operator", 0, 0, 0))
    step(lambda: m.arbitrator_misc("register", "operator"))  # the outsider joins the panel
    step(lambda: m.arbitrator_misc("register", "operator"))  # and cannot join twice
    # settlements, early releases and goodwill refunds (issue 12)
    deal = order(panel=("a0",), impostor=False, ruling=0, stages=[], ship=DAY, extra=DAY)
    step(lambda: m.propose_settlement(deal, "buyer", 5_000))  # not funded yet
    step(lambda: m.fund_with_quote(deal, "buyer", "seller", 1))
    step(lambda: m.withdraw_settlement(deal, "buyer"))  # nothing on the table
    step(lambda: m.accept_settlement(deal, "seller", 1))  # nothing to accept
    step(lambda: m.propose_settlement(deal, "buyer", BPS + 1))  # more than the whole
    step(lambda: m.release_early(deal, "buyer", "zero", 1))
    step(lambda: m.release_early(deal, "seller", "one", 1))  # the buyer's to release
    step(lambda: m.release_early(deal, "buyer", "some", 1_000))
    step(lambda: m.reimburse(deal, "buyer", "one", 1))  # the seller's to refund
    step(lambda: m.reimburse(deal, "seller", "some", 500))
    step(lambda: m.reimburse(deal, "seller", "over", 1))  # more than is locked
    step(lambda: m.propose_settlement(deal, "seller", 100))
    step(lambda: m.withdraw_settlement(deal, "seller"))  # withdrawn by its proposer
    step(lambda: m.propose_settlement(deal, "seller", 2_500))
    step(lambda: m.propose_settlement(deal, "buyer", 6_000))  # the counter-proposal
    step(lambda: m.accept_settlement(deal, "buyer", 1))  # its own proposal
    step(lambda: m.accept_settlement(deal, "seller", 0))  # the replaced share
    step(lambda: m.withdraw_settlement(deal, "seller"))  # not its proposal
    step(lambda: m.dispute(deal, "seller", 2))
    step(lambda: m.pay_arbitration_fee(deal, "buyer", 1))
    step(lambda: m.release_early(deal, "buyer", "one", 1))  # disputed: settle instead
    step(lambda: m.accept_settlement(deal, "seller", 1))  # 60% with the arbitrator
    m._aim(m.panel.disputes[m.orders[deal].dispute].deadline + 1)
    step(lambda: m.rule_by_default(m.orders[deal].dispute, "outsider"))  # unvoted: fee refunded
    step(lambda: m.withdraw("buyer", False, "self"))
    step(lambda: m.accept_settlement(deal, "seller", 1))  # resolved
    unvoted = order(panel=("a0",), impostor=False, ruling=0)
    step(lambda: m.fund_with_quote(unvoted, "buyer", "seller", 1))
    step(lambda: m.dispute(unvoted, "buyer", 1))
    step(lambda: m.pay_arbitration_fee(unvoted, "seller", 1))
    m._aim(m.panel.disputes[m.orders[unvoted].dispute].deadline + 1)
    step(lambda: m.rule_by_default(m.orders[unvoted].dispute, "outsider"))  # split with it
    kept = order(impostor=True, wall=True)
    step(lambda: m.impostor_next_id(3))
    step(lambda: m.register(kept, "buyer"))
    step(lambda: m.accept(kept, "wall"))
    step(lambda: m.fund(kept, "buyer", 1))
    step(lambda: m.dispute(kept, "buyer", 1))
    step(lambda: m.pay_arbitration_fee(kept, "wall", 1))
    step(lambda: m.impostor_refunds(3, COST // 2))  # kept for the end
    step(lambda: m.propose_settlement(kept, "wall", 3_000))
    step(lambda: m.accept_settlement(kept, "buyer", 1))
    step(lambda: m.impostor_refunds(3, 3))  # after the settlement: credited at once
    step(lambda: m.impostor_rules(3, 1))  # changes nothing
    step(lambda: m.impostor_refunds(3, 1))  # the ruling arrived: no dispute left
    # the refusals random runs reach often, once each here too, so that the coverage does not
    # hang on how many steps the random runs give the other rules
    step(lambda: m.accredit("CUSTOMS_ROLE", "customs", False, "customs"))
    step(lambda: m.operator("fee", "outsider", 0, 0, 0))
    step(lambda: m.operator("bypass", "outsider", 0, 0, deal))
    step(lambda: m.operator("treasury", "operator", 0, 0, 0))  # to the zero address
    for what in ("appeal", "fee", "choices"):
        step(lambda what=what: m.arbitrator_misc(what, "outsider"))
    step(lambda: m.arbitrator_misc("withdraw", "arbitrator0"))
    step(lambda: m.withdraw("outsider", False, "self"))
    step(lambda: m.withdraw("buyer", True, "zero"))
    fot = order(token="fot")
    step(lambda: m.fund_with_quote(fot, "buyer", "buyer", 1))  # the buyer's own signature
    step(lambda: m.fund_with_quote(fot, "buyer", "seller", 1))  # a fee-on-transfer token
    missed = order(panel=("a0",), impostor=False, ship=DAY, extra=DAY, inspectors="none")
    step(lambda: m.fund_with_quote(missed, "buyer", "seller", 1))
    step(lambda: m.record(missed, 0, "carrier"))
    step(lambda: m.record(missed, PICKED_UP, "outsider"))
    step(lambda: m.revoke_checkpoint_nonces(missed, "carrier", 0))
    step(lambda: m.starved_confirm(missed, 100))
    step(lambda: m.dispute(missed, "seller", 2))
    step(lambda: m.enforce_fee_timeout(missed, "outsider"))  # the buyer still has time
    m._aim(m.orders[missed].fee_deadline + 1)
    step(lambda: m.pay_arbitration_fee(missed, "buyer", 1))  # too late
    step(lambda: m.enforce_fee_timeout(missed, "outsider"))  # the seller wins by default
    step(lambda: m.operator("fee", "operator", 100, 0, 0))
    step(lambda: m.register(order(max_fee=50), "buyer"))  # above the seller's cap
    for how in ("short", "dirty_price"):
        k = order()
        step(lambda k=k, how=how: m.broken_form(k, how, "settle", "outsider"))


def test_invariant_tour_and_random_runs_hit_every_error(artifacts) -> None:  # type: ignore[no-untyped-def]
    """The scripted tour on pyrevm, then the coverage of the tour and the random runs."""
    label = f"pyrevm-{PROFILE}"

    class Tour(Trade):
        pass

    Tour.backend = RevmBackend(artifacts)
    Tour.label = label
    before, started = Counter(STATS), time.perf_counter()
    _tour(Tour())
    never = _report(f"{label} (random runs and tour)", started, before, artifacts, label)
    assert not never, f"custom errors the machine never hit: {never}"
