"""An order's events as a timeline: what happened, who did it, what money moved, what came late."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address

from tradelane._client.tokens import ETH, Token
from tradelane.types import CheckpointKind, DecodedEvent, Stage, Terms, TimelineEntry


class Names(Protocol):
    """What a timeline needs of the client: a token by address and an account's name."""

    def token(self, ref: str | Token | None) -> Token: ...

    def name_of(self, address: str | None) -> str: ...


_CARRIER_PICKUP = frozenset(
    k
    for k in CheckpointKind
    if CheckpointKind.PICKED_UP <= k <= CheckpointKind.DELIVERED
    and k not in (CheckpointKind.EXPORT_CLEARED, CheckpointKind.IMPORT_CLEARED)
)


def mark_late(entries: list[TimelineEntry], terms: Terms) -> list[TimelineEntry]:
    """Marks the checkpoints that came late, as the escrow judged them: the first transport
    stage from pickup on after ship-by, and a delivery after deliver-by."""
    funded = next((e.time for e in entries if e.action == "funded"), None)
    if funded is None:
        return entries
    out: list[TimelineEntry] = []
    picked_up = False
    for e in entries:
        late = False
        if e.kind in _CARRIER_PICKUP and not picked_up:
            picked_up = True
            late = e.time > funded + terms.ship_within
        if e.kind == CheckpointKind.DELIVERED and e.time > funded + terms.deliver_within:
            late = True
        out.append(dataclasses.replace(e, late=True) if late else e)
    return out


def _to_seller(token: Token, a: Mapping[str, Any]) -> tuple[str, dict[str, Decimal]]:
    """What an event paid the seller, and the fee, as text and as Decimals."""
    to_seller, fee = int(a["toSeller"]), int(a["fee"])
    text = f"{token.format(to_seller)} to seller, fee {token.format(fee)}"
    return text, {"to_seller": token.decimal(to_seller), "fee": token.decimal(fee)}


def _to_buyer(token: Token, a: Mapping[str, Any]) -> tuple[str, dict[str, Decimal]]:
    """What an event paid back to the buyer."""
    to_buyer = int(a["toBuyer"])
    return f"{token.format(to_buyer)} to buyer", {"to_buyer": token.decimal(to_buyer)}


def _split_money(token: Token, a: Mapping[str, Any]) -> tuple[str, dict[str, Decimal]]:
    """A split between both parties (a ruling or a settlement), and the fee."""
    buyer_text, buyer = _to_buyer(token, a)
    seller_text, seller = _to_seller(token, a)
    return f"{buyer_text}, {seller_text}", {**buyer, **seller}


def timeline_entry(
    e: DecodedEvent, token: Token, client: Names, timestamp: int, sender: ChecksumAddress
) -> TimelineEntry | None:
    a = e.args
    money = ""
    amounts: dict[str, Decimal] = {}
    action = e.name
    location = document = full_document = uri = ""
    kind: CheckpointKind | None = None
    actor: ChecksumAddress | None = sender
    if e.name == "CheckpointRecorded":
        kind = CheckpointKind(int(a["kind"]))
        action = kind.label
        actor = to_checksum_address(a["actor"])
        loc = bytes(a["location"])
        location = loc.decode(errors="replace") if any(loc) else ""
        doc = bytes(a["document"])
        document = ("0x" + doc.hex()[:8] + "…") if any(doc) else ""
        full_document = "0x" + doc.hex() if any(doc) else ""
        uri = str(a["uri"])
    elif e.name == "OrderRegistered":
        action = "registered"
    elif e.name == "OrderAccepted":
        action = "accepted"
    elif e.name == "OrderCancelled":
        action = "cancelled"
    elif e.name == "OrderFunded":
        action = "funded"
        money = f"{token.format(int(a['amount']))} into escrow"
        amounts["deposit"] = token.decimal(int(a["amount"]))
    elif e.name == "MilestoneReleased":
        action = f"milestone released ({Stage(int(a['stage'])).label})"
        money, amounts = _to_seller(token, a)
    elif e.name == "OrderCompleted":
        action = "completed"
        money, amounts = _to_seller(token, a)
    elif e.name == "OrderRefunded":
        action = "refunded"
        money, amounts = _to_buyer(token, a)
    elif e.name == "DisputeOpened":
        action = "dispute opened"
        actor = to_checksum_address(a["by"])
        money = f"arbitration fee {ETH.format(int(a['fee']))}"
    elif e.name == "DisputeCreated":
        action = f"fee paid, dispute #{a['disputeId']} with the panel"
    elif e.name == "VoteCast":
        action = f"vote: buyer {Decimal(int(a['ruling']) - 1) / 100 if a['ruling'] else 50}%"
    elif e.name == "DisputeResolved":
        share = Decimal(int(a["buyerShareBps"])) / 100
        action = f"resolved{' by default' if a['byDefault'] else ''}: buyer {share}%"
        money, amounts = _split_money(token, a)
    elif e.name == "SettlementProposed":
        action = f"settlement proposed: buyer {Decimal(int(a['buyerShareBps'])) / 100}%"
        actor = to_checksum_address(a["by"])
    elif e.name == "SettlementWithdrawn":
        action = "settlement withdrawn"
        actor = to_checksum_address(a["by"])
    elif e.name == "SettlementAccepted":
        action = f"settled: buyer {Decimal(int(a['buyerShareBps'])) / 100}%"
        actor = to_checksum_address(a["by"])
        money, amounts = _split_money(token, a)
    elif e.name == "ReleasedEarly":
        action = "released early by the buyer"
        money, amounts = _to_seller(token, a)
    elif e.name == "GoodwillRefunded":
        action = "goodwill refund by the seller"
        money, amounts = _to_buyer(token, a)
    elif e.name == "Evidence":
        action = f"evidence: {a['evidence']}"
        actor = to_checksum_address(a["party"])
    elif e.name == "PaymentDeferred":
        tok = client.token(to_checksum_address(a["token"])) if int(a["token"], 16) else ETH
        action = f"payment deferred to {client.name_of(a['to'])}"
        money = f"{tok.format(int(a['amount']))} withdrawable"
    elif e.name in (
        "TermsDocument",
        "MetaEvidence",
        "Dispute",
        "DisputeCreation",
        "DisputeDecided",
        "Ruling",
    ):
        return None
    return TimelineEntry(
        time=timestamp,
        block=e.block,
        actor=actor,
        action=action,
        location=location,
        document=document,
        money=money,
        amounts=amounts,
        tx_hash=e.tx_hash,
        kind=kind,
        document_hash=full_document,
        uri=uri,
    )
