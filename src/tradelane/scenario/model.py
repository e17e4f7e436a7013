"""The scenario file's model: the format's tables, its error and the pydantic models (the
actions' table, with each action's facts, is tradelane.scenario.actions.ACTION_TABLE)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradelane.amounts import parse_bps
from tradelane.errors import TradelaneError
from tradelane.scenario.values import (
    FEE_TIMEOUT_BOUNDS,
    RULING_PERIOD_BOUNDS,
    RULING_TIMEOUT_BOUNDS,
    _check_amount,
    _check_duration,
    _check_share,
    _check_wait,
    _check_window,
    check_bounds,
    check_fee,
    check_share,
    check_token_amount,
)
from tradelane.standards.locode import parse_locode
from tradelane.standards.scenario_steps import check_document
from tradelane.types import CheckpointKind, Incoterm, Stage

ROLES = ("buyer", "seller", "carrier", "customs", "inspector", "arbitrator", "operator", "observer")
ORDER_EXPECT_FIELDS = ("seller_received", "buyer_refunded", "fee", "locked", "deposit")
REPUTATION_FIELDS = (
    "completed",
    "disputes_opened",
    "disputes_won",
    "disputes_lost",
    "on_time",
    "settled",
    "refunded",
)
DEFAULT_PARTY_ETH = "100 ETH"


class ScenarioInvalid(TradelaneError):
    """A scenario file does not follow the format: names the file, the step and the field."""

    exit_code = 2

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        self.message = message
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")


# ---------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PartySpec(_Model):
    role: Literal[
        "buyer", "seller", "carrier", "customs", "inspector", "arbitrator", "operator", "observer"
    ]
    eth: str = DEFAULT_PARTY_ETH
    #: eoa: a plain account; rejects_eth: a contract that refuses ETH, so pushed payouts to it
    #: are credited for withdrawal (it cannot sign quotes or checkpoints).
    wallet: Literal["eoa", "rejects_eth"] = "eoa"

    _eth = field_validator("eth", mode="before")(_check_amount)


class TokenSpec(_Model):
    decimals: int = Field(18, ge=0, le=36)
    name: str | None = None
    mint: dict[str, int | float | str] = Field(default_factory=dict)


class PlatformSpec(_Model):
    fee: str = "0%"

    _fee = field_validator("fee", mode="before")(check_fee)


class ArbitrationSpec(_Model):
    fee: str = "0.01 ETH"
    fee_timeout: str | int = "2d"
    ruling_period: str | int = "14d"

    _fee = field_validator("fee", mode="before")(_check_amount)
    _durations = field_validator("fee_timeout", "ruling_period", mode="before")(_check_duration)
    _fee_timeout = field_validator("fee_timeout", mode="after")(
        check_bounds("fee_timeout", FEE_TIMEOUT_BOUNDS)
    )
    _ruling_period = field_validator("ruling_period", mode="after")(
        check_bounds("ruling_period", RULING_PERIOD_BOUNDS)
    )


class OrderSpec(_Model):
    buyer: str
    seller: str
    carrier: str
    price: str
    incoterm: str = "FOB"
    ship_within: str | int = "7d"
    deliver_within: str | int = "30d"
    inspection: str | int = "3d"
    milestones: dict[str, str | int | float] = Field(default_factory=dict)
    panel: list[str] | None = None
    valid_for: str | int | None = None
    document: str | dict[str, str] | None = None
    terms_uri: str = ""
    origin: str | None = None  # UN/LOCODE: port of loading or named place
    destination: str | None = None  # UN/LOCODE: port of discharge or named place
    # Who may clear, hold and inspect this order (default: every customs / inspector party).
    customs: list[str] | None = None
    inspectors: list[str] | None = None
    max_fee: str | None = None  # the highest platform fee the seller accepts (default: in force)
    ruling_timeout: str | int | None = None  # the arbitrator's time to rule (default 180d)
    # The arbitrator's extra data, verbatim: {extra_data: 0x...} (default: the panel list).
    arbitration: dict[str, str] | None = None

    @field_validator("arbitration", mode="before")
    @classmethod
    def _arbitration(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Mapping) or set(value) != {"extra_data"}:
            raise ValueError("arbitration takes one field, extra_data: 0x...")
        data = str(value["extra_data"])
        try:
            bytes.fromhex(data.removeprefix("0x"))
        except ValueError:
            raise ValueError(f"extra_data is not hex: {data!r}") from None
        return {"extra_data": data}

    _document = field_validator("document", mode="before")(check_document)
    _max_fee = field_validator("max_fee", mode="before")(lambda v: v if v is None else check_fee(v))
    _ruling_timeout = field_validator("ruling_timeout", mode="before")(
        lambda v: v if v is None else check_bounds("ruling_timeout", RULING_TIMEOUT_BOUNDS)(v)
    )

    @field_validator("origin", "destination", mode="before")
    @classmethod
    def _route(cls, value: Any) -> Any:
        return None if value is None else parse_locode(value, "a route's end").decode()

    _price = field_validator("price", mode="before")(lambda v: check_token_amount(v, "the price"))
    _durations = field_validator(
        "ship_within", "deliver_within", "inspection", "valid_for", mode="before"
    )(lambda v: v if v is None else _check_duration(v))
    _windows = field_validator("ship_within", "deliver_within", "inspection", mode="after")(
        _check_window
    )

    @field_validator("incoterm", mode="before")
    @classmethod
    def _incoterm(cls, value: Any) -> str:
        Incoterm.parse(str(value))
        return str(value).upper()

    @field_validator("milestones", mode="before")
    @classmethod
    def _milestones(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError("milestones map a stage to a share, like {export_cleared: 30%}")
        total = 0
        for stage, share in value.items():
            s = Stage.parse(str(stage))
            if not Stage.PICKED_UP <= s <= Stage.DELIVERED:
                raise ValueError(f"a milestone stage lies from picked_up to delivered, not {stage}")
            total += parse_bps(check_share(share, f"the share at {stage}"))
        if total > 10_000:
            raise ValueError("milestone shares add up to more than 100%")
        if len(value) > 4:
            raise ValueError("at most four milestones")
        return value


class ActionStep(_Model):
    # The action's name, and which fields it takes, are checked against its row of
    # tradelane.scenario.actions.ACTION_TABLE when the file is loaded (checks._parse_step).
    do: str
    by: str | None = None
    order: str | None = None
    expect_error: str | None = None
    note: str | None = None
    # action-specific
    stage: str | None = None
    location: str | None = None
    document: str | dict[str, str] | None = None
    uri: str | None = None
    signed: bool = False
    relay_by: str | None = None
    replay: bool = False
    permit: bool = False
    evidence: str | None = None
    buyer_share: str | None = None
    token: str | None = None
    to: str | None = None
    file: str | None = None  # import_events: the DCSA feed, beside the scenario file
    customs_by: str | None = None  # import_events: the customs party that signs customs events
    fee: str | None = None  # set_fee: the platform fee, like 1%
    timeout: str | int | None = None  # set_fee_timeout: the arbitration fee timeout, like 1d
    amount: str | None = None  # release / reimburse: like 1000 USDC (whole bps of the price)

    _document = field_validator("document", mode="before")(check_document)
    _fee = field_validator("fee", mode="before")(lambda v: v if v is None else check_fee(v))
    _timeout = field_validator("timeout", mode="before")(
        lambda v: v if v is None else check_bounds("timeout", FEE_TIMEOUT_BOUNDS)(v)
    )

    @field_validator("location", mode="before")
    @classmethod
    def _location(cls, value: Any) -> Any:
        if value is not None and (len(str(value)) != 5 or not str(value).isalnum()):
            raise ValueError(
                f"a location is a five-character UN/LOCODE such as CNSHA, not {value!r}"
            )
        return value

    @field_validator("stage", mode="before")
    @classmethod
    def _stage(cls, value: Any) -> Any:
        if value is not None:
            CheckpointKind.parse(str(value))
        return value

    @field_validator("buyer_share", mode="before")
    @classmethod
    def _share(cls, value: Any) -> Any:
        return None if value is None else _check_share(value)

    @field_validator("evidence", "uri", "expect_error", "note", "file", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return None if value is None else str(value)


class WaitStep(_Model):
    wait: str | int
    note: str | None = None

    _wait = field_validator("wait", mode="before")(_check_duration)
    _wait_bound = field_validator("wait", mode="after")(_check_wait)


class ExpectStep(_Model):
    expect: dict[str, Any]
    note: str | None = None


Step = ActionStep | WaitStep | ExpectStep


class Scenario(_Model):
    name: str
    description: str | None = None
    platform: PlatformSpec = Field(default_factory=PlatformSpec)
    arbitration: ArbitrationSpec = Field(default_factory=ArbitrationSpec)
    parties: dict[str, PartySpec]
    tokens: dict[str, TokenSpec] = Field(default_factory=dict)
    orders: dict[str, OrderSpec]
    steps: list[Step]
    file: str = "<scenario>"

    def with_party_eth(self, eth: str) -> Scenario:
        """This scenario with `eth` given to every party whose file does not set its `eth`."""
        parties = {
            name: party
            if "eth" in party.model_fields_set
            else party.model_copy(update={"eth": eth})
            for name, party in self.parties.items()
        }
        return self.model_copy(update={"parties": parties})

    def parties_with(self, role: str) -> list[str]:
        return [name for name, p in self.parties.items() if p.role == role]
