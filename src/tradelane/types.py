"""Enums that mirror contracts/types/TradeTypes.sol and the dataclasses the client returns.

An order's own data (Order, Terms, Milestone, Stage, Incoterm and the limits on them) lives in
tradelane.terms, below the order form's encoder; it is re-exported here.

Enum values are the Solidity ones (`Status.FUNDED == 3`); `Enum.parse("in_transit")` reads
the snake_case names scenario files use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from eth_typing import ChecksumAddress

from tradelane._client.form import encode_order_form
from tradelane.terms import (
    BPS,
    DEFAULT_RULING_TIMEOUT,
    MAX_FEE_BPS,
    MAX_RULING_TIMEOUT,
    MIN_RULING_TIMEOUT,
    ZERO_ADDRESS,
    Incoterm,
    Milestone,
    Order,
    Stage,
    Terms,
    _Named,
)

__all__ = [
    "BPS",
    "DEFAULT_RULING_TIMEOUT",
    "MAX_FEE_BPS",
    "MAX_RULING_TIMEOUT",
    "MIN_RULING_TIMEOUT",
    "ZERO_ADDRESS",
    "CheckpointKind",
    "DecodedEvent",
    "Incoterm",
    "Milestone",
    "Order",
    "OrderMoney",
    "OrderState",
    "OrderView",
    "Quote",
    "Reputation",
    "Stage",
    "Status",
    "Terms",
    "TimelineEntry",
    "Trade",
    "TxResult",
    "status_mask",
    "statuses_of",
]


class Status(_Named):
    """Where an order stands. Terminal: COMPLETED, REFUNDED, RESOLVED, CANCELLED."""

    NONE = 0
    CREATED = 1
    ACCEPTED = 2
    FUNDED = 3
    IN_TRANSIT = 4
    DELIVERED = 5
    DISPUTED = 6
    COMPLETED = 7
    REFUNDED = 8
    RESOLVED = 9
    CANCELLED = 10

    @property
    def terminal(self) -> bool:
        return self in (Status.COMPLETED, Status.REFUNDED, Status.RESOLVED, Status.CANCELLED)


_FUNDED_OPEN = (Status.FUNDED, Status.IN_TRANSIT, Status.DELIVERED)


def status_mask(*statuses: Status) -> int:
    """The bit mask OrderInvalidStatus carries (bit i set: Status(i) allowed)."""
    mask = 0
    for s in statuses:
        mask |= 1 << int(s)
    return mask


def statuses_of(mask: int) -> list[Status]:
    return [s for s in Status if mask & (1 << int(s))]


class CheckpointKind(_Named):
    """What a checkpoint records: 1..10 are stages; the rest do not move the stage."""

    NONE = 0
    BOOKED = 1
    PICKED_UP = 2
    EXPORT_CLEARED = 3
    LOADED = 4
    DEPARTED = 5
    ARRIVED = 6
    UNLOADED = 7
    IMPORT_CLEARED = 8
    OUT_FOR_DELIVERY = 9
    DELIVERED = 10
    EXCEPTION = 11
    CUSTOMS_HOLD = 12
    CUSTOMS_RELEASE = 13
    INSPECTION_PASSED = 14
    INSPECTION_FAILED = 15

    @property
    def recorder(self) -> str:
        """Who may record it: carrier, customs or inspector."""
        if self in (
            CheckpointKind.EXPORT_CLEARED,
            CheckpointKind.IMPORT_CLEARED,
            CheckpointKind.CUSTOMS_HOLD,
            CheckpointKind.CUSTOMS_RELEASE,
        ):
            return "customs"
        if self in (CheckpointKind.INSPECTION_PASSED, CheckpointKind.INSPECTION_FAILED):
            return "inspector"
        return "carrier"


@dataclass(frozen=True)
class Trade:
    """A whole order: what every escrow and tracker call needs, and its identifier."""

    order: Order
    terms: Terms
    id: bytes  # the EIP-712 struct hash, 32 bytes
    terms_hash: bytes
    terms_uri: str = ""

    @property
    def id_hex(self) -> str:
        return "0x" + self.id.hex()

    @cached_property
    def form(self) -> bytes:
        """The order form: order and terms in the one `bytes` argument the contracts take."""
        return encode_order_form(self.order, self.terms)


@dataclass(frozen=True)
class Quote:
    """A seller's EIP-712 signature over an order."""

    trade: Trade
    signer: ChecksumAddress
    digest: bytes
    signature: bytes


@dataclass(frozen=True)
class OrderState:
    """Solidity `OrderState`: the live state of an order."""

    status: Status
    stage: Stage  # the carrier's track: the highest transport stage recorded
    clearance: Stage  # the customs track: None, ExportCleared or ImportCleared
    on_hold: bool
    delivered_on_time: bool
    picked_up_late: bool  # the first pickup came after the ship-by time
    buyer_opened_dispute: bool
    with_arbitrator: bool  # both arbitration fees are paid
    fee_bps: int
    released_bps: int
    funded_at: int
    delivered_at: int  # the delivery, or the release of a later hold: the window counts from it
    # The contract's one word for three times: before a dispute the fee timeout fixed at funding
    # (seconds), while the other party's fee is awaited its deadline, then the ruling deadline.
    # Read it through fee_timeout, dispute_deadline and ruling_deadline.
    dispute_clock: int
    dispute_deposit: int

    @classmethod
    def from_tuple(cls, t: Any) -> OrderState:
        return cls(
            Status(t[0]),
            Stage(t[1]),
            Stage(t[2]),
            bool(t[3]),
            bool(t[4]),
            bool(t[5]),
            bool(t[6]),
            bool(t[7]),
            int(t[8]),
            int(t[9]),
            int(t[10]),
            int(t[11]),
            int(t[12]),
            int(t[13]),
        )

    @property
    def fee_timeout(self) -> int:
        """Seconds the other party will have to pay its arbitration fee (fixed at funding)."""
        return self.dispute_clock if self.status in _FUNDED_OPEN else 0

    @property
    def dispute_deadline(self) -> int:
        """While the other party's arbitration fee is awaited: its deadline; else 0."""
        waiting = self.status == Status.DISPUTED and not self.with_arbitrator
        return self.dispute_clock if waiting else 0

    @property
    def ruling_deadline(self) -> int:
        """While the dispute is with the arbitrator: when anyone may end it with an even split."""
        ruling = self.status == Status.DISPUTED and self.with_arbitrator
        return self.dispute_clock if ruling else 0


@dataclass(frozen=True)
class Reputation:
    """Solidity `ReputationRecord`, possibly summed over several tokens."""

    completed: int = 0
    disputes_opened: int = 0
    disputes_won: int = 0
    disputes_lost: int = 0
    on_time: int = 0
    volume: int = 0  # smallest units; only meaningful for one token
    settled: int = 0  # orders closed by an accepted settlement (neither party's win)
    refunded: int = 0  # goodwill refunds given as seller

    @classmethod
    def from_tuple(cls, t: Any) -> Reputation:
        return cls(*(int(x) for x in t))

    def __add__(self, other: Reputation) -> Reputation:
        return Reputation(
            self.completed + other.completed,
            self.disputes_opened + other.disputes_opened,
            self.disputes_won + other.disputes_won,
            self.disputes_lost + other.disputes_lost,
            self.on_time + other.on_time,
            self.volume + other.volume,
            self.settled + other.settled,
            self.refunded + other.refunded,
        )


@dataclass(frozen=True)
class OrderMoney:
    """Where an order's deposit went, from its events (smallest units of its token)."""

    deposit: int = 0
    seller_received: int = 0
    buyer_refunded: int = 0
    fee: int = 0

    @property
    def locked(self) -> int:
        return self.deposit - self.seller_received - self.buyer_refunded - self.fee


@dataclass(frozen=True)
class DecodedEvent:
    """One decoded log."""

    contract: str
    name: str
    args: dict[str, Any]
    block: int
    tx_hash: str
    log_index: int


@dataclass
class TxResult:
    """A mined transaction and what it did."""

    action: str
    tx_hash: str
    sender: ChecksumAddress
    gas_used: int
    block: int
    timestamp: int
    events: list[DecodedEvent] = field(default_factory=list)
    value: int = 0

    def event(self, name: str) -> DecodedEvent | None:
        return next((e for e in self.events if e.name == name), None)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an order's history."""

    time: int
    block: int
    actor: ChecksumAddress | None
    action: str  # an event in words, or a checkpoint kind
    location: str = ""
    document: str = ""
    money: str = ""  # money moved, formatted
    amounts: dict[str, Decimal] = field(default_factory=dict)  # to_seller/to_buyer/fee
    tx_hash: str = ""
    kind: CheckpointKind | None = None  # for a checkpoint: what it records
    document_hash: str = ""  # for a checkpoint: the document's full hash, 0x-hex ("" if none)
    uri: str = ""  # for a checkpoint: its URI (urn:uuid:<eventID> for an imported DCSA event)
    event_time: int | None = None  # the event's own time (a carrier event's eventDateTime)
    planned: str = ""  # "planned" or "estimated": a DCSA PLN/EST event, never on chain
    late: bool = False  # a pickup after ship-by, or a delivery after deliver-by


@dataclass(frozen=True)
class OrderView:
    """One order as a whole: its terms, live state and money, with amounts as Decimals."""

    trade: Trade
    state: OrderState
    money: OrderMoney
    token_symbol: str
    token_decimals: int
    # While the dispute is with the arbitrator: its appeal cost (wei) and period
    # ({"cost", "period_start", "period_end"}); None otherwise.
    appeal: dict[str, int] | None = None

    @property
    def status(self) -> Status:
        return self.state.status

    def decimal(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.token_decimals)

    @property
    def price(self) -> Decimal:
        return self.decimal(self.trade.order.price)

    @property
    def amounts(self) -> dict[str, Decimal]:
        """deposit, seller_received, buyer_refunded, fee and locked, in whole tokens."""
        m = self.money
        return {
            "deposit": self.decimal(m.deposit),
            "seller_received": self.decimal(m.seller_received),
            "buyer_refunded": self.decimal(m.buyer_refunded),
            "fee": self.decimal(m.fee),
            "locked": self.decimal(m.locked),
        }
