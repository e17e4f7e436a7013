"""An order's own data: its head (Order), its terms (Terms, Milestone), the Stage and Incoterm
enums they name, and the escrow's limits on them (tradelane.types re-exports all of it).

Enum values are the Solidity ones (`Stage.LOADED == 4`); `Enum.parse("picked_up")` reads
the snake_case names scenario files use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Self

from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address

ZERO_ADDRESS: ChecksumAddress = to_checksum_address("0x" + "00" * 20)
BPS = 10_000
MAX_FEE_BPS = 200  # the escrow's platform fee cap (2%)
DEFAULT_RULING_TIMEOUT = 180 * 86_400  # the escrow's ruling deadline when the terms give 0
MIN_RULING_TIMEOUT = 30 * 86_400
MAX_RULING_TIMEOUT = 730 * 86_400


class _Named(IntEnum):
    """An IntEnum with snake_case names for files and display."""

    @property
    def label(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        # print(state.status) says `shipped`, not `4` (int() still gives the number)
        return self.label

    def __format__(self, spec: str) -> str:
        if spec and spec[-1] in "bcdoxXneEfFgG%":
            return super().__format__(spec)  # a number format: the value
        return format(self.label, spec)

    @classmethod
    def parse(cls, value: str | int | Self) -> Self:
        if isinstance(value, cls):
            return value
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            noun = {"CheckpointKind": "stage"}.get(cls.__name__, cls.__name__.lower())
            raise ValueError(
                f"unknown {noun} {value!r}; one of "
                + ", ".join(m.label for m in cls if m.value or cls is Incoterm)
            ) from None


class Stage(_Named):
    """Forward-only logistics stages (DCSA Track & Trace aligned)."""

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


class Incoterm(_Named):
    """Incoterms 2020, in the contracts' order."""

    EXW = 0
    FCA = 1
    CPT = 2
    CIP = 3
    DAP = 4
    DPU = 5
    DDP = 6
    FAS = 7
    FOB = 8
    CFR = 9
    CIF = 10

    @property
    def label(self) -> str:
        return self.name

    @property
    def risk_at_destination(self) -> bool:
        return Incoterm.DAP <= self <= Incoterm.DDP


@dataclass(frozen=True)
class Milestone:
    stage: Stage
    bps: int

    def as_tuple(self) -> tuple[int, int]:
        return (int(self.stage), self.bps)


@dataclass(frozen=True)
class Order:
    """The money-relevant head of an order (Solidity `Order`)."""

    buyer: ChecksumAddress
    seller: ChecksumAddress
    token: ChecksumAddress  # ZERO_ADDRESS for ETH
    price: int  # smallest unit

    def as_tuple(self) -> tuple[str, str, str, int]:
        return (self.buyer, self.seller, self.token, self.price)


@dataclass(frozen=True)
class Terms:
    """The rest of an order's terms (Solidity `Terms`)."""

    carrier: ChecksumAddress
    arbitrator: ChecksumAddress
    incoterm: Incoterm
    ship_within: int  # seconds after funding
    deliver_within: int  # seconds after funding
    inspection_window: int  # seconds after delivery
    valid_until: int = 0  # 0: no limit
    nonce: int = 0
    document_hash: bytes = b"\x00" * 32
    origin: bytes = b"\x00" * 5  # UN/LOCODE (port of loading or named place); zero: none
    destination: bytes = b"\x00" * 5  # UN/LOCODE (port of discharge or named place)
    # The highest platform fee the seller accepts (basis points); registration refuses a higher
    # one. The client's new_trade commits to the fee in force unless told otherwise.
    max_fee_bps: int = MAX_FEE_BPS
    ruling_timeout: int = 0  # seconds the arbitrator has to rule (0: 180 days; else 30 to 730 days)
    milestones: tuple[Milestone, ...] = ()
    arbitrator_extra_data: bytes = b""
    customs: tuple[ChecksumAddress, ...] = ()  # the only accounts that clear and hold this order
    inspectors: tuple[ChecksumAddress, ...] = ()  # the only accounts that inspect it

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.carrier,
            self.arbitrator,
            int(self.incoterm),
            self.ship_within,
            self.deliver_within,
            self.inspection_window,
            self.valid_until,
            self.nonce,
            self.document_hash,
            self.origin,
            self.destination,
            self.max_fee_bps,
            self.ruling_timeout,
            [m.as_tuple() for m in self.milestones],
            self.arbitrator_extra_data,
            list(self.customs),
            list(self.inspectors),
        )

    @property
    def ruling_timeout_seconds(self) -> int:
        """The arbitrator's time to rule once a dispute is with it (the 180-day default for 0)."""
        return self.ruling_timeout or DEFAULT_RULING_TIMEOUT

    @property
    def route(self) -> tuple[str, str]:
        """(origin, destination) as UN/LOCODE text, "" where the order names none."""
        from tradelane.standards.locode import locode_text

        return locode_text(self.origin), locode_text(self.destination)

    @property
    def panel(self) -> list[ChecksumAddress]:
        from eth_abi import decode

        if not self.arbitrator_extra_data:
            return []
        (members,) = decode(["address[]"], self.arbitrator_extra_data)
        return [to_checksum_address(m) for m in members]
