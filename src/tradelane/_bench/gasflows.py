"""The gas flows: each lifecycle a flow runs on the desk, and the snapshot's measurement of
them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradelane._bench.gasdesk import DAY, ETH, ETHER, USDC_UNIT, GasDesk


def _labeller(run: int, fmt: str) -> Callable[[str], str | None]:
    return (lambda s: fmt.format(s)) if run else (lambda s: None)


def _happy(desk: GasDesk, token: str, price: int, tag: str) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(token=token, price=price)
        label = _labeller(run, "{}_" + tag)
        total = desk.quote_and_fund(trade, label=label("fund_with_quote"))["gasUsed"]
        total += desk.confirm(trade, label=label("confirm"))["gasUsed"]
    return int(total)


def _happy_permit(desk: GasDesk, price: int) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(token=desk.usdc.address, price=price)
        label = _labeller(run, "{}_erc20")
        total = desk.quote_and_fund_with_permit(trade, label=label("fund_with_quote_and_permit"))[
            "gasUsed"
        ]
        total += desk.confirm(trade, label=label("confirm_after_permit"))["gasUsed"]
    return int(total)


def _disputed_eth(desk: GasDesk) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.dispute(trade, label=label("dispute"))["gasUsed"]
        dispute_id = desk.pay_fee(trade, label=label("pay_arbitration_fee"))
        if run:
            total += desk.gas["pay_arbitration_fee_eth"]
        member = desk.p["arbitrators"][0]
        total += desk.vote(dispute_id, member, 4000, label=label("vote_deciding"))["gasUsed"]
    return int(total)


def _full_cross_border(desk: GasDesk) -> int:
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER, incoterm="CIF", milestones=[("export_cleared", 3000)])
        label = _labeller(run, "checkpoint_{}")
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.record(trade, "picked_up", label=label("picked_up"))["gasUsed"]
        total += desk.record(trade, "export_cleared", label=label("export_cleared_milestone"))[
            "gasUsed"
        ]
        total += desk.record(trade, "import_cleared", label=label("import_cleared"))["gasUsed"]
        total += desk.record(trade, "delivered", label=label("delivered"))["gasUsed"]
        desk.chain.time_travel(3 * DAY + 1)
        total += desk.settle(trade, label="settle_eth" if run else None)["gasUsed"]
    return int(total)


def _settled_eth(desk: GasDesk) -> int:
    """Fund, the seller proposes 20% back, the buyer accepts: resolved without a court."""
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        o, h = trade.order.as_tuple(), trade.terms_hash
        total = desk.quote_and_fund(trade)["gasUsed"]
        fns = desk.escrow.functions
        total += desk.send(
            fns.proposeSettlement(o, h, 2000), trade.order.seller, label=label("propose_settlement")
        )["gasUsed"]
        total += desk.send(
            fns.acceptSettlement(o, h, 2000), trade.order.buyer, label=label("accept_settlement")
        )["gasUsed"]
    return int(total)


def _goodwill_refund_eth(desk: GasDesk) -> int:
    """Fund, the seller refunds 5% of goodwill, the buyer confirms."""
    total = 0
    for run in range(2):
        desk.begin_run()
        trade = desk.trade(price=ETHER)
        label = _labeller(run, "{}_eth")
        o, h = trade.order.as_tuple(), trade.terms_hash
        total = desk.quote_and_fund(trade)["gasUsed"]
        total += desk.send(
            desk.escrow.functions.reimburse(o, h, 500), trade.order.seller, label=label("reimburse")
        )["gasUsed"]
        total += desk.confirm(trade, label=label("confirm_after_refund"))["gasUsed"]
    return int(total)


def _flow(desk: GasDesk, name: str, flow: Callable[..., int], *args: Any) -> int:
    """Run one flow; note its last run's calldata, and check that its gas is that run's."""
    gas = flow(desk, *args)
    sent = sum(g for g, _ in desk.run)
    if sent != gas:
        raise RuntimeError(f"flow {name} counts {gas} gas but its last run sent {sent}")
    desk.calldata[name] = desk.run_calldata()
    desk.flow_hashes[name] = list(desk.run_hashes)
    return gas


def measure(desk: GasDesk) -> dict[str, dict[str, int]]:
    """The snapshot's figures (leaves the fee at 1%): {"steps": gas, "flows": gas,
    "calldata": bytes of each flow's transactions}; `desk.calldata` has the detail."""
    usdc = desk.usdc.address
    flows = {
        "happy_eth": _flow(desk, "happy_eth", _happy, ETH, ETHER, "eth"),
        "happy_erc20": _flow(desk, "happy_erc20", _happy, usdc, 12_000 * USDC_UNIT, "erc20"),
        "disputed_eth": _flow(desk, "disputed_eth", _disputed_eth),
        "full_cross_border": _flow(desk, "full_cross_border", _full_cross_border),
        "settled_eth": _flow(desk, "settled_eth", _settled_eth),
        "goodwill_refund_eth": _flow(desk, "goodwill_refund_eth", _goodwill_refund_eth),
    }
    desk.send(desk.escrow.functions.setFee(100), desk.p["operator"])
    flows["happy_eth_fee"] = _flow(desk, "happy_eth_fee", _happy, ETH, ETHER, "eth_fee")
    calldata = {name: desk.calldata[name]["bytes"] for name in flows}
    return {"steps": dict(sorted(desk.gas.items())), "flows": flows, "calldata": calldata}


def measure_extras(desk: GasDesk) -> dict[str, dict[str, int]]:
    """Figures beside the snapshot, measured after it: the EIP-2612 permit path
    (fundWithQuoteAndPermit from a buyer with no standing allowance), with no fee, like
    happy_erc20.

    Revokes the buyer's standing allowance first, so run it after `measure`."""
    desk.send(desk.usdc.functions.approve(desk.escrow.address, 0), desk.p["buyer"])
    desk.send(desk.escrow.functions.setFee(0), desk.p["operator"])
    before = set(desk.gas)
    flows = {
        "happy_erc20_permit": _flow(desk, "happy_erc20_permit", _happy_permit, 12_000 * USDC_UNIT)
    }
    steps = {k: v for k, v in desk.gas.items() if k not in before}
    calldata = {name: desk.calldata[name]["bytes"] for name in flows}
    return {"steps": dict(sorted(steps.items())), "flows": flows, "calldata": calldata}


__all__ = ["measure", "measure_extras"]
