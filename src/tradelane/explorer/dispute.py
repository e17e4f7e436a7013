"""An order's dispute: who opened it, evidence, votes, settlement offers and the ruling."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradelane.amounts import format_decimal
from tradelane.explorer.formatting import TokenInfo, _json

#: Events whose names say they are a settlement offer (proposals, acceptances).
SETTLEMENT = re.compile(r"settlement|offer|propos", re.IGNORECASE)


def _dispute(
    events: Sequence[Any],
    names: Mapping[str, str],
    token: TokenInfo,
    block_times: Mapping[int, int],
    who: Any,
) -> dict[str, Any] | None:
    opened = next((e for e in events if e.name == "DisputeOpened"), None)
    offers = [e for e in events if e.name and SETTLEMENT.search(e.name)]
    if opened is None and not offers:
        return None
    out: dict[str, Any] = {
        "opened_by": None,
        "opened_at": None,
        "fee": None,
        "fee_deadline": None,
        "dispute_id": None,
        "evidence": [],
        "votes": [],
        "ruling": None,
        "settlement_offers": [
            {
                "name": e.name,
                "args": _json(e.args),
                "time": block_times.get(e.block),
                "tx": e.tx_hash,
            }
            for e in offers
        ],
    }
    for e in events:
        args = _json(e.args)
        when = block_times.get(e.block)
        if e.name == "DisputeOpened":
            out["opened_by"] = who(names, args.get("by"))
            out["opened_at"] = when
            out["fee"] = format_decimal(Decimal(int(args.get("fee", 0))).scaleb(-18)) + " ETH"
            out["fee_deadline"] = int(args.get("feeDeadline", 0)) or None
        elif e.name == "DisputeCreated":
            out["dispute_id"] = int(args.get("disputeId", 0))
        elif e.name == "Evidence":
            out["evidence"].append(
                {
                    "by": who(names, args.get("party")),
                    "evidence": args.get("evidence", ""),
                    "time": when,
                }
            )
        elif e.name == "VoteCast":
            ruling = int(args.get("ruling", 0))
            share = format_decimal(Decimal(ruling - 1) / 100) + "%" if ruling else "abstained"
            out["votes"].append(
                {"by": who(names, args.get("arbitrator")), "buyer_share": share, "time": when}
            )
        elif e.name == "DisputeResolved":
            out["ruling"] = {
                "buyer_share": format_decimal(Decimal(int(args.get("buyerShareBps", 0))) / 100)
                + "%",
                "to_buyer": token.amount(int(args.get("toBuyer", 0))),
                "to_seller": token.amount(int(args.get("toSeller", 0))),
                "fee": token.amount(int(args.get("fee", 0))),
                "by_default": bool(args.get("byDefault", False)),
                "time": when,
            }
    return out


__all__ = ["SETTLEMENT"]
