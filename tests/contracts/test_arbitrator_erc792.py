"""DisputeArbitration as any ERC-792 arbitrable expects it (issue 12): empty extra data means
the default panel, malformed extra data is named, overpayment comes back, any number of choices,
a ruling is recorded before it is executed (and retried when the arbitrable's `rule` fails), a
member that cannot receive ETH withdraws elsewhere, and a panel that never voted is not paid.

Also Kleros' own ERC-792 examples from npm (@kleros/erc-792, unmodified), compiled with our
compiler: their arbitrables against our arbitrator, and our escrow against their arbitrators.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode
from web3.contract import Contract
from web3.logs import DISCARD

from tradelane._settings import project_root
from tradelane.chain import Chain
from tradelane.compiler import Artifact, compile_contracts
from tradelane.deploy import deploy_contract, deploy_suite

from .desk import DAY, Desk, error_table

WIDE = 2**256 - 2  # what Realitio asks for
KLEROS = "@kleros/erc-792/contracts"
RULING_PERIOD = 14 * DAY
ETHER = 10**18


# ------------------------------------------------------------------ helpers


def _panel(members: list[str]) -> bytes:
    return encode(["address[]"], [members])


def _set_default(desk: Desk, members: list[str] | None = None) -> Any:
    members = members if members is not None else desk.p["arbitrators"]
    return desk.send(desk.arbitration.functions.setDefaultPanel(members), desk.p["operator"])


def _deploy(
    desk: Desk, artifact: Artifact, args: list[Any], value: int = 0, by: str = ""
) -> Contract:
    contract, _ = deploy_contract(
        desk.chain, artifact, args, sender=by or desk.p["operator"], value=value
    )
    desk.errors.update(error_table([contract]))
    return contract


def _probe(desk: Desk, artifacts: dict[str, Artifact]) -> Contract:
    return _deploy(desk, artifacts["ProbeArbitrable"], [desk.arbitration.address])


def _dispute_id(desk: Desk, receipt: Any) -> int:
    (event,) = desk.arbitration.events.DisputeCreation().process_receipt(receipt, errors=DISCARD)
    return int(event["args"]["disputeId"])


def _open(desk: Desk, probe: Contract, choices: int = 2, extra: bytes = b"", value: int = 0) -> int:
    receipt = desk.send(
        probe.functions.open(choices, extra), desk.p["outsider"], value=value or desk.cost()
    )
    return _dispute_id(desk, receipt)


def _least_gas(desk: Desk, call: dict[str, Any]) -> int:
    """The least gas limit with which `call` does not revert, whatever it then does inside
    (a binary search over eth_call: eth_estimateGas would do the same, but node by node)."""

    def goes_through(gas: int) -> bool:
        try:
            desk.w3.eth.call({**call, "gas": gas})
        except Exception:
            return False
        return True

    low, high = 21_000, 2_000_000
    assert goes_through(high) and not goes_through(low)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if goes_through(mid) else (mid, high)
    return high


def _info(desk: Desk, dispute_id: int) -> dict[str, Any]:
    keys = ("arbitrable", "deadline", "solved", "executed", "choices", "ruling", "panel")
    return dict(zip(keys, desk.arbitration.functions.disputeInfo(dispute_id).call(), strict=True))


# ------------------------------------------------------------------ default panel


def test_empty_extra_data_needs_the_default_panel_and_then_means_it(desk: Desk) -> None:
    arb, op, judges = desk.arbitration.functions, desk.p["operator"], desk.p["arbitrators"]
    desk.reverts("ArbitrationNoDefaultPanel", arb.createDispute(2, b""), op, value=desk.cost())
    assert arb.defaultPanel().call() == []
    # set once, from registered arbitrators, odd-sized, no one twice
    desk.reverts("ArbitrationInvalidPanel", arb.setDefaultPanel(judges[:2]), op)
    desk.reverts("ArbitrationInvalidPanel", arb.setDefaultPanel([]), op)
    outsider = desk.p["outsider"]
    assert desk.reverts(
        "ArbitrationMemberNotRegistered", arb.setDefaultPanel([judges[0], outsider, judges[1]]), op
    ) == (outsider,)
    assert desk.reverts(
        "ArbitrationMemberDuplicated", arb.setDefaultPanel([judges[0], judges[1], judges[0]]), op
    ) == (judges[0],)
    desk.reverts("AccessControlUnauthorizedAccount", arb.setDefaultPanel(judges), outsider)
    receipt = _set_default(desk)
    assert desk.events(receipt, desk.arbitration, "DefaultPanelSet") == [{"panel": judges}]
    assert arb.defaultPanel().call() == judges
    assert arb.arbitrationCost(b"").call() == desk.cost()
    desk.reverts("ArbitrationDefaultPanelAlreadySet", arb.setDefaultPanel(judges[:1]), op)


def test_malformed_extra_data_names_what_is_wrong(desk: Desk) -> None:
    arb, caller, cost = desk.arbitration.functions, desk.p["outsider"], desk.cost()
    judge = desk.p["arbitrators"][0]
    good = _panel([judge])
    cases: list[tuple[bytes, str, tuple[Any, ...]]] = [
        (b"\x01" * 31, "ArbitrationExtraDataLength", (31, 64)),
        # a Kleros court's extra data (subcourt 1, 3 jurors) is not a panel
        (encode(["uint96", "uint256"], [1, 3]), "ArbitrationExtraDataOffset", (1,)),
        (good[:-1], "ArbitrationExtraDataLength", (95, 96)),
        (good + bytes(32), "ArbitrationExtraDataLength", (128, 96)),
        (
            good[:64] + b"\xff" * 12 + good[76:],
            "ArbitrationExtraDataAddress",
            (0, int.from_bytes(b"\xff" * 12 + good[76:], "big")),
        ),
        (
            encode(["uint256", "uint256"], [32, 2**255]),
            "ArbitrationExtraDataLength",
            (64, 64 + 32 * 15),
        ),
        (_panel([]), "ArbitrationInvalidPanel", (0,)),
    ]
    for extra, error, fields in cases:
        assert desk.reverts(error, arb.createDispute(2, extra), caller, value=cost) == fields, error
        try:  # the view says the same, so an arbitrable asking the cost first learns it too
            arb.arbitrationCost(extra).call()
        except Exception as exc:
            assert desk._decode(exc).name == error
        else:
            raise AssertionError(f"arbitrationCost accepted {extra.hex()}")


# ------------------------------------------------------------------ an arbitrable of our own


def test_probe_with_empty_extra_data_overpaying_and_realitio_choices(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk)
    judges, cost = desk.p["arbitrators"], desk.cost()
    probe = _probe(desk, artifacts)
    before = desk.balance(desk.arbitration.address)
    receipt = desk.send(probe.functions.open(WIDE, b""), desk.p["outsider"], value=cost + 12_345)
    dispute_id = _dispute_id(desk, receipt)
    (excess,) = desk.events(receipt, desk.arbitration, "ExcessReturned")
    assert excess == {"disputeId": dispute_id, "payer": probe.address, "amount": 12_345}
    assert probe.functions.received().call() == 12_345
    assert desk.balance(desk.arbitration.address) == before + cost
    info = _info(desk, dispute_id)
    assert (info["choices"], info["panel"], info["solved"]) == (WIDE, judges, False)
    arb = desk.arbitration.functions
    assert desk.reverts("ArbitrationInvalidRuling", arb.vote(dispute_id, WIDE + 1), judges[0]) == (
        WIDE + 1,
        WIDE,
    )
    desk.send(arb.vote(dispute_id, WIDE), judges[0])
    receipt = desk.send(arb.vote(dispute_id, WIDE), judges[1])
    decided = desk.events(receipt, desk.arbitration, "DisputeDecided")
    assert decided == [{"disputeId": dispute_id, "ruling": WIDE, "byDefault": False}]
    assert desk.events(receipt, desk.arbitration, "RulingExecutionFailed") == []
    assert (probe.functions.lastDispute().call(), probe.functions.lastRuling().call()) == (
        dispute_id,
        WIDE,
    )
    assert arb.currentRuling(dispute_id).call() == WIDE
    assert _info(desk, dispute_id)["executed"] is True
    # a vote after the decision is refused by name
    desk.reverts("ArbitrationDisputeSolved", arb.vote(dispute_id, 1), judges[2])


def test_an_excess_the_payer_refuses_is_credited_not_blocking(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk)
    probe = _probe(desk, artifacts)
    desk.send(probe.functions.setRefusesEth(True), desk.p["outsider"])
    _open(desk, probe, value=desk.cost() + 7)
    assert desk.arbitration.functions.owed(probe.address).call() == 7
    desk.send(probe.functions.setRefusesEth(False), desk.p["outsider"])
    desk.send(probe.functions.withdrawCredit(), desk.p["outsider"])
    assert probe.functions.received().call() == 7
    assert desk.arbitration.functions.owed(probe.address).call() == 0
    desk.reverts(
        "ArbitrationFeeMismatch",
        probe.functions.open(2, b""),
        desk.p["outsider"],
        value=desk.cost() - 1,
    )


def test_no_gas_limit_starves_an_overpayment_refund_into_a_credit(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    """The excess of a payment goes back with a gas cap, and the arbitrator refuses a call that
    could not give the push its whole cap: otherwise a caller could pick a gas limit that makes
    a payee's `receive` run short, fail, and leave the money credited instead of paid."""
    _set_default(desk)
    outsider = desk.p["outsider"]
    probe = _probe(desk, artifacts)
    # a wallet whose receive needs 30,000 gas (the push cap is 35,000): starved, it reverts
    desk.send(probe.functions.setReceiveGas(30_000), outsider)
    value = desk.cost() + 7
    tx = probe.functions.open(2, b"").build_transaction({"from": outsider, "value": value})

    high = _least_gas(desk, {"from": outsider, "to": tx["to"], "data": tx["data"], "value": value})
    tx_hash = desk.w3.eth.send_transaction(
        {"from": outsider, "to": tx["to"], "data": tx["data"], "value": value, "gas": high}
    )
    receipt = desk.w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    # even at the least gas that works, the excess was pushed and nothing was credited
    assert desk.events(receipt, desk.arbitration, "FeeDeferred") == []
    assert probe.functions.received().call() == 7
    assert desk.arbitration.functions.owed(probe.address).call() == 0


def test_a_rule_that_reverts_once_leaves_the_decision_and_anyone_retries(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk)
    judges, outsider = desk.p["arbitrators"], desk.p["outsider"]
    arb = desk.arbitration.functions
    probe = _probe(desk, artifacts)
    dispute_id = _open(desk, probe)
    desk.reverts("ArbitrationNotDecided", arb.executeRuling(dispute_id), outsider)
    desk.send(probe.functions.setFailing(True), outsider)
    desk.send(arb.vote(dispute_id, 1), judges[0])
    paid_before = desk.balance(judges[2])
    receipt = desk.send(arb.vote(dispute_id, 1), judges[1])
    assert desk.events(receipt, desk.arbitration, "RulingExecutionFailed") == [
        {"disputeId": dispute_id, "ruling": 1}
    ]
    # the decision stands: the status, the ruling and the panel's fee do not wait for the arbitrable
    assert arb.disputeStatus(dispute_id).call() == 2
    assert arb.currentRuling(dispute_id).call() == 1
    assert desk.balance(judges[2]) > paid_before
    assert (_info(desk, dispute_id)["solved"], _info(desk, dispute_id)["executed"]) == (True, False)
    assert probe.functions.rulings().call() == 0
    desk.reverts("ArbitrationDisputeSolved", arb.vote(dispute_id, 2), judges[2])
    desk.reverts("ArbitrationDisputeSolved", arb.ruleByDefault(dispute_id), outsider)
    # a retry while `rule` still refuses reverts with the arbitrable's own reason
    assert desk.reverts("ProbeRuleRefused", arb.executeRuling(dispute_id), outsider) == (
        dispute_id,
        1,
    )
    desk.send(probe.functions.setFailing(False), outsider)
    receipt = desk.send(arb.executeRuling(dispute_id), outsider)
    assert desk.events(receipt, desk.arbitration, "RulingExecuted") == [
        {"disputeId": dispute_id, "ruling": 1}
    ]
    assert (probe.functions.rulings().call(), probe.functions.lastRuling().call()) == (1, 1)
    desk.reverts("ArbitrationRulingAlreadyExecuted", arb.executeRuling(dispute_id), outsider)
    # only the arbitrator rules on the probe
    desk.reverts("ProbeNotArbitrator", probe.functions.rule(dispute_id, 1), outsider)


def test_the_deciding_vote_gives_rule_its_whole_gas_or_reverts(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk, desk.p["arbitrators"][:1])
    probe = _probe(desk, artifacts)
    dispute_id = _open(desk, probe)
    judge = desk.p["arbitrators"][0]
    fn = desk.arbitration.functions.vote(dispute_id, 1)
    rule_gas = desk.arbitration.functions.ruleGas().call()
    assert rule_gas == 600_000
    tx = fn.build_transaction({"from": judge, "gas": rule_gas})
    try:  # less than the cap: refused, not starved into a failed execution
        desk.w3.eth.call({"from": judge, "to": tx["to"], "data": tx["data"], "gas": rule_gas})
    except Exception as exc:
        assert desk._decode(exc).name == "ArbitrationInsufficientGas"
    else:
        raise AssertionError("a vote with less gas than rule's cap went through")
    assert _info(desk, dispute_id)["solved"] is False
    # at the least gas the vote needs, `rule` still starts with its whole cap (less only the
    # probe's own dispatch)
    high = _least_gas(desk, {"from": judge, "to": tx["to"], "data": tx["data"]})
    receipt = desk.w3.eth.wait_for_transaction_receipt(
        desk.w3.eth.send_transaction(
            {"from": judge, "to": tx["to"], "data": tx["data"], "gas": high}
        )
    )
    assert receipt["status"] == 1
    assert probe.functions.rulings().call() == 1
    assert rule_gas - 500 <= probe.functions.ruleGasSeen().call() <= rule_gas


# ------------------------------------------------------------------ fees


def test_a_member_that_cannot_receive_eth_withdraws_to_another_address(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    op, outsider = desk.p["operator"], desk.p["outsider"]
    arb = desk.arbitration.functions
    wall = _deploy(desk, artifacts["RevertingReceiver"], [], by=op)
    desk.send(arb.registerArbitrator(wall.address), op)
    probe = _probe(desk, artifacts)
    dispute_id = _open(desk, probe, extra=_panel([wall.address]))

    def act(fn: Any) -> Any:
        return wall.functions.act(desk.arbitration.address, fn._encode_transaction_data())

    receipt = desk.send(act(arb.vote(dispute_id, 2)), op)
    assert desk.events(receipt, desk.arbitration, "FeeDeferred") == [
        {"arbitrator": wall.address, "amount": desk.cost()}
    ]
    assert arb.owed(wall.address).call() == desk.cost()
    desk.reverts("Refused", act(arb.withdraw()), op)
    desk.reverts("ArbitrationZeroAddress", act(arb.withdrawTo("0x" + "00" * 20)), op)
    before = desk.balance(outsider)
    receipt = desk.send(act(arb.withdrawTo(outsider)), op)
    assert desk.events(receipt, desk.arbitration, "WithdrawnTo") == [
        {"account": wall.address, "to": outsider, "amount": desk.cost()}
    ]
    assert desk.balance(outsider) == before + desk.cost()
    assert arb.owed(wall.address).call() == 0
    desk.reverts("ArbitrationNothingToWithdraw", arb.withdrawTo(outsider), outsider)


def test_a_panel_that_never_voted_is_not_paid_the_fee_goes_back(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk)
    judges, outsider, cost = desk.p["arbitrators"], desk.p["outsider"], desk.cost()
    probe = _probe(desk, artifacts)
    dispute_id = _open(desk, probe)
    balances = [desk.balance(j) for j in judges]
    desk.time_travel(RULING_PERIOD + 1)
    receipt = desk.send(desk.arbitration.functions.ruleByDefault(dispute_id), outsider)
    assert desk.events(receipt, desk.arbitration, "FeeRefunded") == [
        {"disputeId": dispute_id, "arbitrable": probe.address, "amount": cost}
    ]
    assert desk.events(receipt, probe, "ProbeRefunded") == [
        {"disputeId": dispute_id, "amount": cost}
    ]
    assert probe.functions.refunded().call() == cost
    assert [desk.balance(j) for j in judges] == balances
    assert (probe.functions.rulings().call(), probe.functions.lastRuling().call()) == (1, 0)


def test_after_a_default_ruling_only_the_members_who_voted_are_paid(
    desk: Desk, artifacts: dict[str, Artifact]
) -> None:
    _set_default(desk)
    judges, cost = desk.p["arbitrators"], desk.cost()
    probe = _probe(desk, artifacts)
    dispute_id = _open(desk, probe)
    desk.send(desk.arbitration.functions.vote(dispute_id, 1), judges[1])
    others = [desk.balance(judges[0]), desk.balance(judges[2])]
    before = desk.balance(judges[1])
    desk.time_travel(RULING_PERIOD + 1)
    desk.send(desk.arbitration.functions.ruleByDefault(dispute_id), desk.p["outsider"])
    assert desk.balance(judges[1]) == before + cost
    assert [desk.balance(judges[0]), desk.balance(judges[2])] == others
    assert probe.functions.refunded().call() == 0


def test_an_unvoted_default_on_an_escrow_dispute_refunds_the_fee_through_the_escrow(
    desk: Desk,
) -> None:
    """The escrow takes the fee back (onArbitrationRefund) and splits it with the default ruling
    (even): nothing stays credited at the arbitrator, nothing goes to the panel."""
    judges = desk.p["arbitrators"]
    trade = desk.trade(price=ETHER, panel=judges)
    desk.quote_and_fund(trade)
    desk.dispute(trade)
    dispute_id = desk.pay_fee(trade)
    balances = [desk.balance(j) for j in judges]
    desk.time_travel(RULING_PERIOD + 1)
    receipt = desk.send(desk.arbitration.functions.ruleByDefault(dispute_id), desk.p["outsider"])
    assert [e["amount"] for e in desk.events(receipt, desk.escrow, "ArbitrationFeeRefunded")] == [
        desk.cost()
    ]
    assert desk.arbitration.functions.owed(desk.escrow.address).call() == 0
    assert [desk.balance(j) for j in judges] == balances
    assert trade.status() == "resolved"
    assert desk.balance(desk.escrow.address) == 0


def test_appeals_are_priced_out_but_multipliable(desk: Desk) -> None:
    arb = desk.arbitration.functions
    cost = arb.appealCost(0, b"").call()
    assert cost == 2**250
    assert cost * 63 < 2**256  # an arbitrable may scale it (Kleros' stake multipliers) safely
    assert arb.appealPeriod(0).call() == [0, 0]
    desk.reverts("ArbitrationAppealsNotSupported", arb.appeal(0, b""), desk.p["outsider"], value=0)


# ------------------------------------------------------------------ Kleros' own examples


@pytest.fixture(scope="module")
def kleros(tmp_path_factory: pytest.TempPathFactory, scratch_project: Any) -> dict[str, Artifact]:
    """@kleros/erc-792's contracts, copied byte for byte from npm under a scratch project's
    contracts/ (our compiler builds what is there), compiled with our solc and settings."""
    package = project_root() / "node_modules" / KLEROS
    sources = {
        f"contracts/kleros/{p.relative_to(package).as_posix()}": p.read_text()
        for p in sorted(package.rglob("*.sol"))
    }
    assert "contracts/kleros/examples/SimpleEscrow.sol" in sources, "npm ci did not install it"
    return compile_contracts(scratch_project(tmp_path_factory.mktemp("kleros"), sources))


def test_kleros_simple_escrow_works_against_our_arbitrator(
    desk: Desk, kleros: dict[str, Artifact]
) -> None:
    _set_default(desk)
    payer, payee, judges, cost = (
        desk.p["buyer"],
        desk.p["seller"],
        desk.p["arbitrators"],
        desk.cost(),
    )
    escrow = _deploy(
        desk,
        kleros["SimpleEscrow"],
        [payee, desk.arbitration.address, "ipfs://agreement"],
        ETHER,
        payer,
    )
    desk.send(escrow.functions.reclaimFunds(), payer, value=cost)
    receipt = desk.send(escrow.functions.depositArbitrationFeeForPayee(), payee, value=cost)
    dispute_id = _dispute_id(desk, receipt)
    assert escrow.functions.status().call() == 2  # Disputed
    assert _info(desk, dispute_id)["choices"] == 2
    before = desk.balance(payer)
    desk.send(desk.arbitration.functions.vote(dispute_id, 1), judges[0])  # PayerWins
    receipt = desk.send(desk.arbitration.functions.vote(dispute_id, 1), judges[2])
    assert desk.events(receipt, escrow, "Ruling")[0]["_ruling"] == 1
    assert escrow.functions.status().call() == 3  # Resolved
    assert desk.balance(payer) == before + ETHER + cost
    assert desk.balance(escrow.address) == 0


def test_kleros_multi_escrow_works_against_our_arbitrator(
    desk: Desk, kleros: dict[str, Artifact]
) -> None:
    _set_default(desk, desk.p["arbitrators"][:1])
    payer, payee, judge, cost = (
        desk.p["buyer"],
        desk.p["seller"],
        desk.p["arbitrators"][0],
        desk.cost(),
    )
    escrow = _deploy(desk, kleros["Escrow"], [])
    for _ in range(2):
        fn = escrow.functions.newTransaction(
            payee, desk.arbitration.address, "ipfs://meta", 600, 600
        )
        desk.send(fn, payer, value=ETHER)
    desk.send(escrow.functions.reclaimFunds(1), payer, value=cost)
    receipt = desk.send(escrow.functions.depositArbitrationFeeForPayee(1), payee, value=cost)
    dispute_id = _dispute_id(desk, receipt)
    before = desk.balance(payee)
    desk.send(desk.arbitration.functions.vote(dispute_id, 2), judge)  # PayeeWins
    assert desk.balance(payee) == before + ETHER + cost
    assert escrow.functions.txs(1).call()[3] == 3  # Resolved
    assert escrow.functions.txs(0).call()[3] == 0  # the other transaction untouched


def _kleros_arbitrated_trade(desk: Desk, arbitrator: Contract) -> tuple[Any, int, int]:
    trade = desk.trade(price=ETHER, arbitrator=arbitrator.address)
    desk.quote_and_fund(trade)
    cost = int(arbitrator.functions.arbitrationCost(trade.terms[14]).call())  # the extra data
    fns = desk.escrow.functions
    desk.send(fns.dispute(trade.form, ""), trade.buyer, value=cost)
    receipt = desk.send(fns.payArbitrationFee(trade.form), trade.seller, value=cost)
    (event,) = desk.escrow.events.DisputeCreated().process_receipt(receipt, errors=DISCARD)
    return trade, int(event["args"]["disputeId"]), cost


def test_our_escrow_works_with_kleros_simple_centralized_arbitrator(
    desk: Desk, kleros: dict[str, Artifact]
) -> None:
    owner = desk.p["outsider"]
    arbitrator = _deploy(desk, kleros["SimpleCentralizedArbitrator"], [], by=owner)
    trade, dispute_id, cost = _kleros_arbitrated_trade(desk, arbitrator)
    assert cost == ETHER // 10
    receipt = desk.send(arbitrator.functions.rule(dispute_id, 4_001), owner)  # 40% to the buyer
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    assert (resolved["toBuyer"], resolved["toSeller"]) == (ETHER * 4 // 10, ETHER * 6 // 10)
    assert trade.status() == "resolved"


def test_our_escrow_works_with_kleros_appealable_arbitrator(
    desk: Desk, kleros: dict[str, Artifact], chain: Chain
) -> None:
    owner = desk.p["outsider"]
    arbitrator = _deploy(desk, kleros["CentralizedArbitratorWithAppeal"], [], by=owner)
    trade, dispute_id, _ = _kleros_arbitrated_trade(desk, arbitrator)
    desk.send(arbitrator.functions.giveRuling(dispute_id, 10_001), owner)  # all to the buyer
    assert arbitrator.functions.disputeStatus(dispute_id).call() == 1  # Appealable
    assert trade.status() == "disputed"
    desk.time_travel(3 * 60 + 1)
    receipt = desk.send(arbitrator.functions.executeRuling(dispute_id), desk.p["carrier"])
    (resolved,) = desk.events(receipt, desk.escrow, "DisputeResolved")
    assert (resolved["toBuyer"], resolved["toSeller"]) == (ETHER, 0)
    assert trade.status() == "resolved"


# ------------------------------------------------------------------ deployment


def test_deploy_sets_the_default_panel_from_an_odd_number_of_arbitrators(
    chain: Chain,
    artifacts: dict[str, Artifact],
    operator: str,
    treasury: str,
    arbitrators: list[str],
) -> None:
    odd = deploy_suite(
        chain,
        artifacts,
        admin=operator,
        treasury=treasury,
        write_manifest=False,
        arbitrators=arbitrators,
    )["DisputeArbitration"].functions
    assert odd.defaultPanel().call() == arbitrators
    assert all(odd.isArbitrator(a).call() for a in arbitrators)
    even = deploy_suite(
        chain,
        artifacts,
        admin=operator,
        treasury=treasury,
        write_manifest=False,
        arbitrators=arbitrators[:2],
    )["DisputeArbitration"].functions
    assert even.defaultPanel().call() == []
    assert [even.isArbitrator(a).call() for a in arbitrators] == [True, True, False]
