"""Access matrix: every mutating function of the three deployed contracts, against every role
that must not call it, reverts with the error that names the refusal.

The rows are checked against the ABIs: a mutating function without a row fails the test, so a
new function cannot ship without saying who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from .desk import DAY, ETH, Desk, Trade

ROLES = (
    "operator",
    "treasury",
    "buyer",
    "seller",
    "carrier",
    "customs",
    "inspector",
    "arbitrator",
    "outsider",
)
ANYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Row:
    """Who may call `fn`; everyone else gets `error`. `call(world, role)` builds the call."""

    allowed: frozenset[str]
    error: str
    call: Callable[[World, str], tuple[Any, int]]
    why: str = ""


class World:
    """The orders and disputes the calls are aimed at, set up once per test."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        p = desk.p
        self.who = {r: p[r] for r in ROLES if r != "arbitrator"} | {
            "arbitrator": p["arbitrators"][0]
        }
        self.created = desk.trade()
        desk.send(desk.escrow.functions.register(self.created.form, ""), p["buyer"])
        self.accepted = desk.trade()
        desk.send(desk.escrow.functions.register(self.accepted.form, ""), p["buyer"])
        desk.send(
            desk.escrow.functions.accept(self.accepted.order, self.accepted.terms_hash), p["seller"]
        )
        self.fresh = desk.trade()  # an unused quote
        self.funded = desk.trade()
        desk.quote_and_fund(self.funded)
        self.disputed = desk.trade()  # with the arbitrator: a dispute id exists
        desk.quote_and_fund(self.disputed)
        desk.dispute(self.disputed)
        self.dispute_id = desk.pay_fee(self.disputed)
        # the treasury is owed a fee, which nobody else can take
        desk.send(desk.escrow.functions.setFee(200), p["operator"])
        paid = desk.trade()
        desk.quote_and_fund(paid)
        desk.confirm(paid)
        self.cost = desk.cost()
        self.offered = desk.trade()  # funded, with the buyer's proposal on the table
        desk.quote_and_fund(self.offered)
        desk.send(
            desk.escrow.functions.proposeSettlement(
                self.offered.order, self.offered.terms_hash, 2000
            ),
            p["buyer"],
        )

    def permit(self) -> tuple[int, int, bytes, bytes]:
        return (self.desk.chain.now() + DAY, 27, b"\x01" * 32, b"\x02" * 32)


def _esc(w: World) -> Any:
    return w.desk.escrow.functions


def _trk(w: World) -> Any:
    return w.desk.tracker.functions


def _arb(w: World) -> Any:
    return w.desk.arbitration.functions


def _cp(t: Trade, kind: str) -> tuple[Any, ...]:
    return t.checkpoint(kind)


ADMIN = frozenset({"operator"})
BUYER = frozenset({"buyer"})
PARTIES = frozenset({"buyer", "seller"})

ESCROW: dict[str, Row] = {
    "register": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).register(w.fresh.form, ""), 0),
    ),
    "accept": Row(
        frozenset({"seller"}),
        "OrderUnauthorized",
        lambda w, r: (_esc(w).accept(w.created.order, w.created.terms_hash), 0),
    ),
    "cancel": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).cancel(w.created.order, w.created.terms_hash), 0),
    ),
    "fund": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).fund(w.accepted.order, w.accepted.terms_hash), w.accepted.price),
    ),
    "fundWithPermit": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (
            _esc(w).fundWithPermit(w.accepted.order, w.accepted.terms_hash, w.permit()),
            0,
        ),
    ),
    "fundWithQuote": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (
            _esc(w).fundWithQuote(w.fresh.form, "", w.fresh.quote()),
            w.fresh.price,
        ),
    ),
    "fundWithQuoteAndPermit": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (
            _esc(w).fundWithQuoteAndPermit(w.fresh.form, "", w.fresh.quote(), w.permit()),
            0,
        ),
    ),
    "confirm": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).confirm(w.funded.order, w.funded.terms_hash), 0),
    ),
    "dispute": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).dispute(w.funded.form, ""), w.cost),
    ),
    "payArbitrationFee": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).payArbitrationFee(w.disputed.form), w.cost),
    ),
    "submitEvidence": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).submitEvidence(w.disputed.form, "x"), 0),
    ),
    # Anyone may end what the clock has ended: each reverts on its deadline, never on the caller.
    "settle": Row(ANYONE, "", lambda w, r: (None, 0), "anyone, once the inspection window lapsed"),
    "refund": Row(ANYONE, "", lambda w, r: (None, 0), "anyone, once a deadline is missed"),
    "enforceFeeTimeout": Row(
        ANYONE, "", lambda w, r: (None, 0), "anyone, once the fee timeout passed"
    ),
    "enforceRulingTimeout": Row(
        ANYONE, "", lambda w, r: (None, 0), "anyone, once the order's ruling deadline passed"
    ),
    # Everyone takes only its own credit: the treasury's fee is nobody else's.
    "withdraw": Row(
        frozenset({"treasury"}), "EscrowNothingToWithdraw", lambda w, r: (_esc(w).withdraw(ETH), 0)
    ),
    "withdrawTo": Row(
        frozenset({"treasury"}),
        "EscrowNothingToWithdraw",
        lambda w, r: (_esc(w).withdrawTo(ETH, w.who[r]), 0),
    ),
    # Only the dispute's arbitrator contract executes a ruling; no account, its members included.
    "rule": Row(
        frozenset(), "EscrowUnknownDispute", lambda w, r: (_esc(w).rule(w.dispute_id, 1), 0)
    ),
    # Only the tracker reports stages and holds.
    "stageReported": Row(
        frozenset(),
        "EscrowOnlyTracker",
        lambda w, r: (_esc(w).stageReported(w.funded.order, w.funded.id, 10, 0, 0), 0),
    ),
    "holdReported": Row(
        frozenset(),
        "EscrowOnlyTracker",
        lambda w, r: (_esc(w).holdReported(w.funded.order, w.funded.id, False, 0), 0),
    ),
    # Settlements: a party proposes, the other accepts; only the proposer withdraws.
    "proposeSettlement": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).proposeSettlement(w.funded.order, w.funded.terms_hash, 5000), 0),
    ),
    "acceptSettlement": Row(
        frozenset({"seller"}),
        "OrderUnauthorized",
        lambda w, r: (_esc(w).acceptSettlement(w.offered.order, w.offered.terms_hash, 2000), 0),
        "the party that did not propose (the buyer proposed)",
    ),
    "withdrawSettlement": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).withdrawSettlement(w.offered.order, w.offered.terms_hash), 0),
        "the proposer",
    ),
    "release": Row(
        BUYER,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).release(w.funded.order, w.funded.terms_hash, 100), 0),
    ),
    "reimburse": Row(
        frozenset({"seller"}),
        "OrderUnauthorized",
        lambda w, r: (_esc(w).reimburse(w.funded.order, w.funded.terms_hash, 100), 0),
    ),
    "appeal": Row(
        PARTIES,
        "OrderUnauthorized",
        lambda w, r: (_esc(w).appeal(w.disputed.form, w.dispute_id), 0),
    ),
    "onArbitrationRefund": Row(
        frozenset(),
        "EscrowUnknownDispute",
        lambda w, r: (_esc(w).onArbitrationRefund(w.dispute_id), 1),
        "only the dispute's arbitrator contract",
    ),
    "setFee": Row(ADMIN, "AccessControlUnauthorizedAccount", lambda w, r: (_esc(w).setFee(1), 0)),
    "setTreasury": Row(
        ADMIN, "AccessControlUnauthorizedAccount", lambda w, r: (_esc(w).setTreasury(w.who[r]), 0)
    ),
    "setFeeTimeout": Row(
        ADMIN, "AccessControlUnauthorizedAccount", lambda w, r: (_esc(w).setFeeTimeout(DAY), 0)
    ),
    "pause": Row(ADMIN, "AccessControlUnauthorizedAccount", lambda w, r: (_esc(w).pause(), 0)),
    "unpause": Row(ADMIN, "AccessControlUnauthorizedAccount", lambda w, r: (_esc(w).unpause(), 0)),
    "grantRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_esc(w).grantRole(bytes(32), w.who[r]), 0),
    ),
    "revokeRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_esc(w).revokeRole(bytes(32), w.who["operator"]), 0),
    ),
    # Each account renounces only its own roles.
    "renounceRole": Row(
        ADMIN,
        "AccessControlBadConfirmation",
        lambda w, r: (_esc(w).renounceRole(bytes(32), w.who["operator"]), 0),
    ),
}


def _record(kind: str) -> Callable[[World, str], tuple[Any, int]]:
    return lambda w, r: (_trk(w).record(w.funded.form, _cp(w.funded, kind)), 0)


def _signed(kind: str) -> Callable[[World, str], tuple[Any, int]]:
    def build(w: World, r: str) -> tuple[Any, int]:
        t = w.funded
        cp = _cp(t, kind)
        deadline = w.desk.chain.now() + DAY
        nonce = int(_trk(w).checkpointNonce(w.who[r], t.id).call())
        sig = t.sign_checkpoint(w.who[r], cp, deadline, nonce=nonce)
        return _trk(w).recordSigned(t.form, cp, w.who[r], deadline, nonce, sig), 0

    return build


TRACKER: dict[str, Row] = {
    # One row per recorder class; the caller is the recorder (record) or the signer (recordSigned).
    "record": Row(frozenset({"carrier"}), "TrackerUnauthorized", _record("picked_up")),
    "record/customs": Row(frozenset({"customs"}), "TrackerUnauthorized", _record("export_cleared")),
    "record/inspector": Row(
        frozenset({"inspector"}), "TrackerUnauthorized", _record("inspection_passed")
    ),
    "recordSigned": Row(frozenset({"carrier"}), "TrackerUnauthorized", _signed("delivered")),
    "recordSigned/customs": Row(frozenset({"customs"}), "TrackerUnauthorized", _signed("hold")),
    "recordSigned/inspector": Row(
        frozenset({"inspector"}), "TrackerUnauthorized", _signed("inspection_failed")
    ),
    # Each signer moves only its own sequence: a revocation cancels nobody else's signatures.
    "revokeCheckpointNonces": Row(
        ANYONE, "", lambda w, r: (None, 0), "anyone, for its own signed checkpoints only"
    ),
    "grantRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_trk(w).grantRole(bytes(32), w.who[r]), 0),
    ),
    "revokeRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_trk(w).revokeRole(bytes(32), w.who["operator"]), 0),
    ),
    "renounceRole": Row(
        ADMIN,
        "AccessControlBadConfirmation",
        lambda w, r: (_trk(w).renounceRole(bytes(32), w.who["operator"]), 0),
    ),
}

ARBITRATION: dict[str, Row] = {
    # Any arbitrable contract (or account) may create a dispute, paying its cost: no role.
    "createDispute": Row(ANYONE, "", lambda w, r: (None, 0), "anyone who pays the cost"),
    "appeal": Row(
        frozenset(), "ArbitrationAppealsNotSupported", lambda w, r: (_arb(w).appeal(0, b""), 0)
    ),
    "registerArbitrator": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_arb(w).registerArbitrator(w.who["outsider"]), 0),
    ),
    "vote": Row(
        frozenset({"arbitrator"}),
        "ArbitrationNotPanelMember",
        lambda w, r: (_arb(w).vote(w.dispute_id, 1), 0),
    ),
    "ruleByDefault": Row(
        ANYONE, "", lambda w, r: (None, 0), "anyone, once the ruling period ended"
    ),
    "withdraw": Row(ANYONE, "", lambda w, r: (None, 0), "each its own fee shares (none owed here)"),
    "withdrawTo": Row(
        ANYONE, "", lambda w, r: (None, 0), "each its own fee shares, to another address"
    ),
    "setDefaultPanel": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_arb(w).setDefaultPanel([w.who["arbitrator"]]), 0),
    ),
    "executeRuling": Row(
        ANYONE, "", lambda w, r: (None, 0), "anyone, once a decided ruling's execution failed"
    ),
    "grantRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_arb(w).grantRole(bytes(32), w.who[r]), 0),
    ),
    "revokeRole": Row(
        ADMIN,
        "AccessControlUnauthorizedAccount",
        lambda w, r: (_arb(w).revokeRole(bytes(32), w.who["operator"]), 0),
    ),
    "renounceRole": Row(
        ADMIN,
        "AccessControlBadConfirmation",
        lambda w, r: (_arb(w).renounceRole(bytes(32), w.who["operator"]), 0),
    ),
}

TABLES = {"TradeEscrow": ESCROW, "LogisticsTracker": TRACKER, "DisputeArbitration": ARBITRATION}


def _mutating(contract: Any) -> set[str]:
    return {
        item["name"]
        for item in contract.abi
        if item["type"] == "function" and item["stateMutability"] in ("nonpayable", "payable")
    }


def test_every_mutating_function_has_a_row(suite: Any) -> None:
    for name, table in TABLES.items():
        functions = _mutating(suite[name])
        rows = {key.split("/")[0] for key in table}
        assert functions - rows == set(), f"{name}: no access row for {sorted(functions - rows)}"
        assert rows - functions == set(), (
            f"{name}: rows for functions it lacks: {sorted(rows - functions)}"
        )


@pytest.mark.parametrize("contract", list(TABLES))
def test_every_role_that_must_not_call_is_refused(desk: Desk, contract: str) -> None:
    world = World(desk)
    refused = 0
    for key, row in TABLES[contract].items():
        for role in ROLES:
            if role in row.allowed:
                continue
            fn, value = row.call(world, role)
            args = desk.reverts(row.error, fn, world.who[role], value=value)
            assert world.who[role] in args or row.error in (
                "EscrowUnknownDispute",
                "EscrowOnlyTracker",
                "ArbitrationAppealsNotSupported",
                "AccessControlBadConfirmation",
            ), f"{key} by {role}: {row.error}{args} does not name the caller"
            refused += 1
    assert refused > 0
