"""Hostile counterparties, tokens and arbitrators (contracts/test/), and the rare reverts.

- a receiver that re-enters every mutating function of the escrow while it is being paid, in
  ETH and through a token's transfer hook;
- a receiver that refuses payment: the other party's payout never waits for it, and its own
  money stays claimable (withdrawTo);
- a token that returns false, a fee-on-transfer token;
- an outsider contract posing as an arbitrator;
- the guards no ordinary flow reaches: starved pushes, constructor misuse, silent refusals.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from tradelane.deploy import deploy_contract

from .desk import DAY, ETH, Desk, Trade
from .revert_log import seen

ETHER = 10**18
GUARDED = {
    "fund",
    "fundWithPermit",
    "fundWithQuote",
    "fundWithQuoteAndPermit",
    "confirm",
    "settle",
    "refund",
    "dispute",
    "payArbitrationFee",
    "enforceFeeTimeout",
    "enforceRulingTimeout",
    "rule",
    "withdraw",
    "withdrawTo",
    "stageReported",
    "holdReported",
    "acceptSettlement",
    "release",
    "reimburse",
    "onArbitrationRefund",
    "appeal",
}


def _deploy(
    desk: Desk, artifacts: Any, name: str, args: list[Any] | None = None, by: str | None = None
) -> Any:
    contract, _ = deploy_contract(
        desk.chain, artifacts[name], args or [], sender=by or desk.p["operator"]
    )
    return contract


def _as(
    desk: Desk, proxy: Any, owner: str, contract: Any, fn: str, args: list[Any], value: int = 0
) -> Any:
    """`proxy` (a test double acting through its owner) calls contract.fn(args)."""
    return desk.send(
        proxy.functions.act(contract.address, contract.encode_abi(fn, args)), owner, value=value
    )


def _contract_seller_order(desk: Desk, proxy: Any, **kw: Any) -> Trade:
    """A contract seller cannot quote: the buyer registers, the seller accepts through its owner."""
    trade = desk.trade(seller=proxy.address, **kw)
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    _as(desk, proxy, desk.p["seller"], desk.escrow, "accept", [trade.order, trade.terms_hash])
    value = trade.price if trade.token == ETH else 0
    desk.send(desk.escrow.functions.fund(trade.order, trade.terms_hash), trade.buyer, value=value)
    return trade


def _every_escrow_call(desk: Desk, trade: Trade, me: str) -> dict[str, bytes]:
    """Calldata for every mutating function of the escrow, aimed at `trade`."""
    e = desk.escrow
    permit = (desk.chain.now() + DAY, 27, b"\x01" * 32, b"\x02" * 32)
    args: dict[str, list[Any]] = {
        "register": [trade.form, ""],
        "accept": [trade.order, trade.terms_hash],
        "cancel": [trade.order, trade.terms_hash],
        "fund": [trade.order, trade.terms_hash],
        "fundWithPermit": [trade.order, trade.terms_hash, permit],
        "fundWithQuote": [trade.form, "", b""],
        "fundWithQuoteAndPermit": [trade.form, "", b"", permit],
        "confirm": [trade.order, trade.terms_hash],
        "settle": [trade.form],
        "refund": [trade.form],
        "dispute": [trade.form, ""],
        "payArbitrationFee": [trade.form],
        "enforceFeeTimeout": [trade.order, trade.terms_hash],
        "enforceRulingTimeout": [trade.order, trade.terms_hash],
        "submitEvidence": [trade.form, "x"],
        "rule": [0, 1],
        "withdraw": [trade.token],
        "withdrawTo": [trade.token, me],
        "stageReported": [trade.order, trade.id, 10, 0, 0],
        "holdReported": [trade.order, trade.id, False, 0],
        "proposeSettlement": [trade.order, trade.terms_hash, 0],
        "acceptSettlement": [trade.order, trade.terms_hash, 0],
        "withdrawSettlement": [trade.order, trade.terms_hash],
        "release": [trade.order, trade.terms_hash, 1],
        "reimburse": [trade.order, trade.terms_hash, 1],
        "onArbitrationRefund": [0],
        "appeal": [trade.form, 0],
        "setFee": [1],
        "setTreasury": [me],
        "setFeeTimeout": [DAY],
        "pause": [],
        "unpause": [],
        "grantRole": [bytes(32), me],
        "revokeRole": [bytes(32), desk.p["operator"]],
        "renounceRole": [bytes(32), desk.p["operator"]],
    }
    mutating = {
        i["name"]
        for i in e.abi
        if i["type"] == "function" and i["stateMutability"] in ("nonpayable", "payable")
    }
    assert mutating == set(args), f"re-entry payloads missing for {sorted(mutating - set(args))}"
    return {name: bytes.fromhex(e.encode_abi(name, a)[2:]) for name, a in args.items()}


@pytest.mark.parametrize("kind", ["eth", "hook-token"])
def test_receiver_reentering_every_function_during_its_payout_is_paid_once(
    desk: Desk, artifacts: Any, kind: str
) -> None:
    seller = desk.p["seller"]
    thief = _deploy(desk, artifacts, "HookReceiver", by=seller)
    token = ETH
    if kind == "hook-token":
        hook = _deploy(desk, artifacts, "HookToken")
        desk.send(hook.functions.mint(desk.p["buyer"], 10 * ETHER), desk.p["operator"])
        desk.send(hook.functions.approve(desk.escrow.address, 2**256 - 1), desk.p["buyer"])
        token = hook.address
    if kind == "hook-token":
        _as(desk, thief, seller, hook, "registerHook", [])
    trade = _contract_seller_order(desk, thief, token=token, price=ETHER)
    calls = _every_escrow_call(desk, trade, thief.address)
    desk.send(thief.functions.arm(desk.escrow.address, list(calls.values())), seller)
    # The capped push hands it control; its re-entries run out of the cap, so it is credited.
    receipt = desk.confirm(trade)
    assert desk.events(receipt, desk.escrow, "PaymentDeferred")[0]["amount"] == ETHER
    _as(desk, thief, seller, desk.escrow, "withdraw", [token])  # no cap here: every re-entry runs
    assert thief.functions.rounds().call() >= 1
    results = dict(zip(calls, thief.functions.results().call(), strict=True))
    reentrant = function_signature_to_4byte_selector("ReentrancyGuardReentrantCall()")
    for name, outcome in results.items():
        assert outcome != b"\xff" * 4, f"re-entering {name} succeeded"
        if name in GUARDED:
            assert outcome == reentrant, f"re-entering {name}: {outcome.hex()}"
    seen("ReentrancyGuardReentrantCall")
    # paid exactly once, nothing left behind
    assert desk.balance(thief.address, token) == ETHER
    assert desk.owed(thief.address, token) == 0
    assert desk.balance(desk.escrow.address, token) == 0
    assert trade.status() == "completed"


def test_refusing_seller_never_blocks_the_buyers_payout(desk: Desk, artifacts: Any) -> None:
    seller = desk.p["seller"]
    wall = _deploy(desk, artifacts, "RevertingReceiver", by=seller)
    trade = _contract_seller_order(desk, wall, price=ETHER)
    desk.dispute(trade)
    cost = desk.cost()
    receipt = _as(desk, wall, seller, desk.escrow, "payArbitrationFee", [trade.form], value=cost)
    (created,) = desk.events(receipt, desk.escrow, "DisputeCreated")
    buyer_before = desk.balance(trade.buyer)
    desk.vote(created["disputeId"], desk.p["arbitrators"][0], 5_000)  # an even split
    # the buyer was paid in the ruling's transaction; the wall's half waits for it
    assert desk.balance(trade.buyer) - buyer_before == ETHER // 2 + (cost - cost // 2)
    assert desk.owed(wall.address) == ETHER // 2 + cost // 2
    assert trade.status() == "resolved"
    refused = "0x" + function_signature_to_4byte_selector("Refused()").hex()
    name = desk.reverts(
        f"<undecoded {refused}>",
        wall.functions.act(desk.escrow.address, desk.escrow.encode_abi("withdraw", [ETH])),
        seller,
    )
    assert name == ()  # the wall's own Refused(), bubbled up through the escrow
    assert desk.owed(wall.address) == ETHER // 2 + cost // 2  # a failed withdrawal keeps the credit
    before = desk.balance(seller)
    _as(desk, wall, seller, desk.escrow, "withdrawTo", [ETH, seller])
    assert desk.balance(seller) - before >= ETHER // 2 + cost // 2 - 10**16  # less the gas
    assert desk.balance(desk.escrow.address) == 0


def test_false_returning_token_payout_is_credited_and_withdrawn_later(
    desk: Desk, artifacts: Any
) -> None:
    token = _deploy(desk, artifacts, "FalseReturningToken")
    desk.send(token.functions.mint(desk.p["buyer"], 10 * ETHER), desk.p["operator"])
    desk.send(token.functions.approve(desk.escrow.address, 2**256 - 1), desk.p["buyer"])
    trade = desk.trade(token=token.address, price=ETHER)
    desk.quote_and_fund(trade)
    desk.send(token.functions.setRefuseAll(True), desk.p["operator"])
    receipt = desk.confirm(trade)
    assert desk.events(receipt, desk.escrow, "PaymentDeferred")[0]["amount"] == ETHER
    args = desk.reverts(
        "SafeERC20FailedOperation", desk.escrow.functions.withdraw(token.address), trade.seller
    )
    assert args == (token.address,)
    assert desk.owed(trade.seller, token.address) == ETHER
    desk.send(token.functions.setRefuseAll(False), desk.p["operator"])
    desk.send(desk.escrow.functions.withdraw(token.address), trade.seller)
    assert desk.balance(trade.seller, token.address) == ETHER
    assert desk.balance(desk.escrow.address, token.address) == 0


def test_fee_on_transfer_token_is_refused_on_every_funding_path(desk: Desk, artifacts: Any) -> None:
    token = _deploy(desk, artifacts, "FeeOnTransferToken")
    desk.send(token.functions.mint(desk.p["buyer"], 10 * ETHER), desk.p["operator"])
    desk.send(token.functions.approve(desk.escrow.address, 2**256 - 1), desk.p["buyer"])
    trade = desk.trade(token=token.address, price=ETHER)
    desk.send(desk.escrow.functions.register(trade.form, ""), trade.buyer)
    desk.send(desk.escrow.functions.accept(trade.order, trade.terms_hash), trade.seller)
    args = desk.reverts(
        "EscrowTokenShortfall",
        desk.escrow.functions.fund(trade.order, trade.terms_hash),
        trade.buyer,
    )
    assert args == (trade.id, 99 * ETHER // 100, ETHER)
    assert trade.status() == "accepted"
    assert desk.balance(desk.escrow.address, token.address) == 0


# ---------------------------------------------------------------- an outsider posing as arbitrator


def test_outsider_posing_as_arbitrator_rules_nothing_but_its_own_disputes(
    desk: Desk, artifacts: Any
) -> None:
    real = desk.trade()
    desk.quote_and_fund(real)
    desk.dispute(real)
    real_id = desk.pay_fee(real)
    impostor = _deploy(desk, artifacts, "ImpostorArbitrator", [10**15])
    rule_on = impostor.functions.ruleOn
    # the real dispute's number means nothing coming from another arbitrator
    args = desk.reverts(
        "EscrowUnknownDispute", rule_on(desk.escrow.address, real_id, 10_001), desk.p["outsider"]
    )
    assert args == (impostor.address, real_id)
    # an order that names the impostor (both parties agreed to it) is the only one it can rule
    own = desk.trade(arbitrator=impostor.address)
    desk.quote_and_fund(own)
    desk.send(impostor.functions.setNextId(real_id), desk.p["outsider"])  # the same number
    desk.send(desk.escrow.functions.dispute(own.form, ""), own.buyer, value=10**15)
    desk.send(desk.escrow.functions.payArbitrationFee(own.form), own.seller, value=10**15)
    assert desk.reverts(
        "EscrowInvalidRuling", rule_on(desk.escrow.address, real_id, 10_002), desk.p["outsider"]
    ) == (10_002,)
    desk.send(rule_on(desk.escrow.address, real_id, 10_001), desk.p["outsider"])
    assert own.status() == "resolved"
    assert real.status() == "disputed"  # untouched
    # a second ruling on the ended order changes nothing (and does not revert, so an arbitrator's
    # own bookkeeping cannot get stuck on it)
    desk.send(rule_on(desk.escrow.address, real_id, 1), desk.p["outsider"])
    assert own.status() == "resolved"
    assert real.status() == "disputed"
    # the real panel still decides its own dispute
    desk.vote(real_id, desk.p["arbitrators"][0], 0)
    assert real.status() == "resolved"


# ---------------------------------------------------------------- guards no ordinary flow reaches


def _deploy_error(desk: Desk, artifacts: Any, name: str, types: list[str], args: list[Any]) -> str:
    code = bytes.fromhex(artifacts[name].bytecode.removeprefix("0x")) + encode(types, args)
    try:
        desk.w3.eth.call({"from": desk.p["operator"], "data": code})
    except Exception as exc:
        return desk._decode(exc).name
    raise AssertionError(f"deploying {name}{tuple(args)} succeeded")


def test_constructors_refuse_zero_addresses_a_foreign_tracker_and_a_bad_period(
    desk: Desk, artifacts: Any
) -> None:
    zero, op = ETH, desk.p["operator"]
    module = desk.suite["EscrowDisputes"].address
    four = ["address"] * 4
    assert (
        _deploy_error(
            desk, artifacts, "TradeEscrow", four, [zero, op, desk.tracker.address, module]
        )
        == "EscrowZeroAddress"
    )
    # the disputes module must be a contract
    assert (
        _deploy_error(desk, artifacts, "TradeEscrow", four, [op, op, desk.tracker.address, op])
        == "EscrowZeroAddress"
    )
    # the deployed tracker points at the deployed escrow, not at a new one
    assert (
        _deploy_error(desk, artifacts, "TradeEscrow", four, [op, op, desk.tracker.address, module])
        == "EscrowTrackerMismatch"
    )
    assert (
        _deploy_error(desk, artifacts, "LogisticsTracker", ["address"] * 2, [op, zero])
        == "TrackerZeroAddress"
    )
    for period in (0, 365 * 86_400 + 1):  # zero, and past the bound that keeps deadlines in uint32
        assert (
            _deploy_error(
                desk,
                artifacts,
                "DisputeArbitration",
                ["address", "uint256", "uint64"],
                [op, 1, period],
            )
            == "ArbitrationInvalidPeriod"
        )


def _starve(desk: Desk, fn: Any, sender: str, lo: int, hi: int, step: int, wanted: str) -> int:
    """Calls fn with less and less gas until it reverts with `wanted`; returns that gas."""
    tx = fn.build_transaction({"from": sender, "gas": hi})
    for gas in range(hi, lo, -step):
        try:
            desk.w3.eth.call(
                {
                    "from": sender,
                    "to": tx["to"],
                    "data": tx["data"],
                    "value": tx.get("value", 0),
                    "gas": gas,
                }
            )
        except Exception as exc:
            if desk._decode(exc).name == wanted:
                return gas
    raise AssertionError(f"{wanted} never raised between {lo} and {hi} gas")


def test_a_caller_cannot_starve_a_push_into_a_credit(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    fn = desk.escrow.functions.confirm(trade.order, trade.terms_hash)
    gas = _starve(desk, fn, trade.buyer, 40_000, 300_000, 4_000, "EscrowInsufficientGas")
    assert gas < 300_000
    assert trade.status() == "funded"


def test_an_arbitrator_fee_push_cannot_be_starved_either(desk: Desk) -> None:
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    fn = desk.arbitration.functions.vote(dispute_id, 1)
    _starve(
        desk, fn, desk.p["arbitrators"][0], 100_000, 700_000, 1_000, "ArbitrationInsufficientGas"
    )
    assert trade.status() == "disputed"


def test_withdrawals_to_silent_refusers_revert_and_keep_the_credit(
    desk: Desk, artifacts: Any
) -> None:
    treasury, op = desk.p["treasury"], desk.p["operator"]
    desk.send(desk.escrow.functions.setFee(100), op)
    trade = desk.trade()
    desk.quote_and_fund(trade)
    desk.confirm(trade)
    owed = desk.owed(treasury)
    assert owed == trade.price // 100
    # the tracker has no payable fallback: it refuses ETH with no reason at all
    desk.reverts(
        "FailedCall", desk.escrow.functions.withdrawTo(ETH, desk.tracker.address), treasury
    )
    assert desk.owed(treasury) == owed
    # an arbitrator that refuses its fee share silently is credited, and cannot withdraw to itself
    silent = _deploy(desk, artifacts, "SilentRefuser", by=op)
    desk.send(desk.arbitration.functions.registerArbitrator(silent.address), op)
    disputed = desk.trade(panel=[silent.address])
    desk.quote_and_fund(disputed)
    desk.dispute(disputed)
    dispute_id = desk.pay_fee(disputed)
    _as(desk, silent, op, desk.arbitration, "vote", [dispute_id, 1])
    assert disputed.status() == "resolved"
    assert desk.arbitration.functions.owed(silent.address).call() == desk.cost()
    desk.reverts(
        "FailedCall",
        silent.functions.act(desk.arbitration.address, desk.arbitration.encode_abi("withdraw", [])),
        op,
    )
    assert desk.arbitration.functions.owed(silent.address).call() == desk.cost()
