"""An order's money: what is locked and paid, its course, milestones, deferrals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradelane.amounts import format_decimal
from tradelane.explorer.formatting import TokenInfo, _json
from tradelane.types import Stage, Status


def _money(token: TokenInfo, row: Any) -> dict[str, Any]:
    deposit = int(row.deposit)
    seller, buyer, fee = int(row.seller_received), int(row.buyer_refunded), int(row.fee)
    locked = deposit - seller - buyer - fee
    return {
        "deposit": token.amount(deposit),
        "locked": token.amount(locked),
        "seller_received": token.amount(seller),
        "buyer_refunded": token.amount(buyer),
        "fee": token.amount(fee),
        "units": {
            "deposit": str(deposit),
            "locked": str(locked),
            "seller_received": str(seller),
            "buyer_refunded": str(buyer),
            "fee": str(fee),
        },
    }


def _money_over_time(entries: Sequence[Any], token: TokenInfo) -> list[dict[str, Any]]:
    """After each event that moved the order's money: what is locked, the seller's, the
    buyer's and the fees (whole tokens)."""
    deposit = seller = buyer = fee = 0
    points = []
    for e in entries:
        amounts = _json(e.amounts)
        if not amounts:
            continue
        deposit += int(amounts.get("deposit", 0))
        seller += int(amounts.get("to_seller", 0))
        buyer += int(amounts.get("to_buyer", 0))
        fee += int(amounts.get("fee", 0))
        points.append(
            {
                "time": int(e.time),
                "action": e.action,
                "locked": token.amount(deposit - seller - buyer - fee),
                "seller": token.amount(seller),
                "buyer": token.amount(buyer),
                "fee": token.amount(fee),
            }
        )
    return points


def _milestones(
    terms: Mapping[str, Any],
    state: Mapping[str, Any],
    events: Sequence[Any],
    token: TokenInfo,
    row: Any,
    block_times: Mapping[int, int],
) -> list[dict[str, Any]]:
    price = int(row.price)
    released: dict[str, Any] = {}
    for e in events:
        if e.name == "MilestoneReleased":
            args = _json(e.args)
            try:
                stage = Stage(int(args["stage"])).label
            except (KeyError, ValueError):
                continue
            released[stage] = (args, block_times.get(e.block))
    current = state.get("stage", "none")
    try:
        reached_stage = Stage.parse(current)
    except ValueError:
        reached_stage = Stage.NONE
    out = []
    share_total = 0
    for stage_label, bps in terms.get("milestones", []):
        share_total += int(bps)
        milestone = Stage.parse(stage_label)
        got = released.get(milestone.label)
        entry: dict[str, Any] = {
            "stage": milestone.label,
            "share": f"{int(bps) / 100:g}%",
            "amount": token.amount(price * int(bps) // 10_000),
            "reached": int(reached_stage) >= int(milestone),
            "released": got is not None,
            "released_at": got[1] if got else None,
            "to_seller": token.amount(int(got[0].get("toSeller", 0))) if got else None,
            "fee": token.amount(int(got[0].get("fee", 0))) if got else None,
        }
        out.append(entry)
    rest = 10_000 - share_total
    if rest > 0:
        done = row.status == Status.COMPLETED.label
        out.append(
            {
                "stage": "completion",
                "share": f"{rest / 100:g}%",
                "amount": token.amount(price * rest // 10_000),
                "reached": done,
                "released": done,
                "released_at": int(row.last_at) if done else None,
                "to_seller": None,
                "fee": None,
            }
        )
    return out


def _deferred_amount(args: Mapping[str, Any], token: TokenInfo) -> str:
    address = str(args.get("token", ""))
    units = int(args.get("amount", 0))
    if address and int(address, 16) == 0:
        return format_decimal(Decimal(units).scaleb(-18)) + " ETH"
    return token.show(units)
