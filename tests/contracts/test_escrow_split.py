"""The escrow is two contracts at one address: TradeEscrow (the hot paths) runs the rest in its
disputes module EscrowDisputes by delegatecall. Both must see the same storage slots, fit the
EIP-170 limit, and the module must refuse to be used at its own address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradelane.compiler import Artifact, merge_abis

from .desk import Desk

EIP170 = 24_576


def _layout(artifact: Artifact) -> list[tuple[str, str, int, str]]:
    layout = artifact.extra["storageLayout"]
    types = layout["types"]
    return [
        (s["label"], s["slot"], s["offset"], types[s["type"]]["label"]) for s in layout["storage"]
    ]


def test_both_halves_have_the_same_storage_layout(artifacts: dict[str, Artifact]) -> None:
    hot, cold = _layout(artifacts["TradeEscrow"]), _layout(artifacts["EscrowDisputes"])
    assert hot == cold
    labels = [entry[0] for entry in hot]
    for name in ("_roles", "_records", "_paused", "_orders", "_owed", "_disputes", "_settlements"):
        assert name in labels, name


def test_both_halves_fit_the_code_size_limit(artifacts: dict[str, Artifact]) -> None:
    for name in ("TradeEscrow", "EscrowDisputes"):
        size = (len(artifacts[name].deployed_bytecode) - 2) // 2
        assert 0 < size <= EIP170, (name, size)


def test_the_escrow_abi_is_both_halves(artifacts: dict[str, Artifact]) -> None:
    names = {e.get("name") for e in artifacts["TradeEscrow"].abi}
    for fn in ("fund", "confirm", "dispute", "rule", "setFee", "proposeSettlement", "release"):
        assert fn in names, fn
    again = merge_abis(artifacts["TradeEscrow"].abi, artifacts["EscrowDisputes"].abi)
    assert len(again) == len(artifacts["TradeEscrow"].abi)  # merging is idempotent


def test_a_write_through_the_module_is_read_by_the_hot_half(desk: Desk) -> None:
    escrow = desk.escrow
    assert escrow.functions.disputesModule().call() == desk.suite["EscrowDisputes"].address
    desk.send(escrow.functions.setFee(77), desk.p["operator"])  # runs in EscrowDisputes
    assert escrow.functions.feeBps().call() == 77  # read by TradeEscrow


def test_the_module_refuses_direct_calls(desk: Desk) -> None:
    module = desk.w3.eth.contract(address=desk.suite["EscrowDisputes"].address, abi=desk.escrow.abi)
    desk.reverts("EscrowModuleDirectCall", module.functions.setFee(1), desk.p["operator"])
    trade = desk.trade()
    desk.reverts(
        "EscrowModuleDirectCall",
        module.functions.dispute(trade.form, ""),
        trade.buyer,
        value=desk.cost(),
    )


def _fails(thunk: Callable[[], Any]) -> bool:
    """Whether the chain refused the call (each chain has its own exception type)."""
    try:
        thunk()
    except Exception:
        return True
    return False


def test_plain_ether_and_unknown_selectors_are_refused(desk: Desk) -> None:
    escrow, outsider = desk.escrow.address, desk.p["outsider"]
    assert _fails(
        lambda: desk.w3.eth.send_transaction({"from": outsider, "to": escrow, "value": 1})
    )
    assert _fails(lambda: desk.w3.eth.call({"from": outsider, "to": escrow, "data": "0xdeadbeef"}))
    assert desk.w3.eth.get_balance(escrow) == 0
