"""YAML trade scenarios: parties, tokens, orders, steps, time jumps and expectations.

    scenario = load_scenario("scenarios/damaged_goods.yaml")   # ScenarioInvalid if malformed
    with connect("eth-tester") as chain:
        result = run_scenario(scenario, chain)
    result.passed, result.failures

The format (see README.md, "Scenario files"):

    name: ...
    platform: {fee: 1%}
    arbitration: {fee: 0.01 ETH, fee_timeout: 2d, ruling_period: 14d}
    parties: {alice: buyer, bob: {role: seller, eth: 5}, ...}
    tokens: {USDC: {decimals: 6, mint: {alice: 100000}}}
    orders: {po-1: {buyer: alice, seller: bob, carrier: dhl, price: 12000 USDC, ...}}
    steps:
      - {do: ACTION, by: PARTY, order: ORDER, ..., expect_error: any | ErrorName}
      - {wait: 20d}
      - {expect: {order: po-1, status: resolved, seller_received: 8553.6 USDC}}

A file that does not follow it raises ScenarioInvalid naming the file, the step and the
field; `tradelane run` exits 2 on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from eth_typing import ChecksumAddress
from eth_utils import keccak
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradelane.amounts import (
    Amount,
    compare,
    format_duration,
    format_units,
    parse_amount,
    parse_bps,
    parse_comparison,
    parse_duration,
)
from tradelane.chain import Chain
from tradelane.client import ContractRevert, Quote, Token, TradeClient
from tradelane.compiler import Artifact
from tradelane.deploy import Deployment
from tradelane.errors import TradelaneError, UnsafeTerms
from tradelane.standards.locode import parse_locode
from tradelane.standards.scenario_steps import (
    check_document,
    resolve_document,
    resolve_feed,
    run_import,
)
from tradelane.types import CheckpointKind, Incoterm, Stage, Status, Trade

ROLES = ("buyer", "seller", "carrier", "customs", "inspector", "arbitrator", "operator", "observer")
ACTIONS = (
    "register",
    "accept",
    "quote",
    "fund",
    "cancel",
    "checkpoint",
    "hold",
    "release_hold",
    "confirm",
    "settle",
    "refund",
    "dispute",
    "pay_fee",
    "evidence",
    "vote",
    "default",
    "withdraw",
    "pause",
    "unpause",
    "import_events",
    "set_fee",
    "set_fee_timeout",
    "propose_settlement",
    "accept_settlement",
    "withdraw_settlement",
    "release",
    "reimburse",
)
#: Fields each action accepts besides do/by/order/expect_error/note.
ACTION_FIELDS: dict[str, frozenset[str]] = {
    "checkpoint": frozenset(
        {"stage", "location", "document", "uri", "signed", "relay_by", "replay"}
    ),
    "hold": frozenset({"location", "document", "uri", "signed", "relay_by"}),
    "release_hold": frozenset({"location", "document", "uri", "signed", "relay_by"}),
    "fund": frozenset({"permit"}),
    "dispute": frozenset({"evidence"}),
    "evidence": frozenset({"evidence"}),
    "vote": frozenset({"buyer_share"}),
    "withdraw": frozenset({"token", "to"}),
    "import_events": frozenset({"file", "customs_by", "relay_by"}),
    "set_fee": frozenset({"fee"}),
    "set_fee_timeout": frozenset({"timeout"}),
    "propose_settlement": frozenset({"buyer_share"}),
    "release": frozenset({"amount"}),
    "reimburse": frozenset({"amount"}),
}
#: Fields an action cannot do without.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "checkpoint": ("stage",),
    "evidence": ("evidence",),
    "vote": ("buyer_share",),
    "import_events": ("file",),
    "set_fee": ("fee",),
    "set_fee_timeout": ("timeout",),
    "propose_settlement": ("buyer_share",),
    "release": ("amount",),
    "reimburse": ("amount",),
}
#: Actions about no particular order.
NO_ORDER = frozenset({"withdraw", "pause", "unpause", "set_fee", "set_fee_timeout"})
#: Who acts when `by` is left out (a role of the order, or the operator).
DEFAULT_BY = {
    "register": "buyer",
    "accept": "seller",
    "quote": "seller",
    "fund": "buyer",
    "confirm": "buyer",
    "checkpoint": "carrier",
    "import_events": "carrier",
    "settle": "operator",
    "refund": "operator",
    "default": "operator",
    "pause": "operator",
    "unpause": "operator",
    "set_fee": "operator",
    "set_fee_timeout": "operator",
    "release": "buyer",
    "reimburse": "seller",
}
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


def _check_amount(value: Any) -> str:
    parse_amount(value)
    return str(value)


def check_share(value: Any, what: str = "a share") -> str:
    """A share of money written with its unit: `30%` or `3000bps` (ValueError if not).

    A bare number is refused: `1` could mean 1% or 100%, and `0.3` 0.3% or 30%. For any
    field that splits money (milestones, fees, rulings, settlements)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} is a percentage like 30%, not {value!r}")
    raw = str(value).strip()
    if not raw.lower().endswith(("%", "bps")):
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{what} is a percentage like 30%, not {value!r}") from None
        if number >= 1:
            hint = f"write {raw}% (a bare {raw} could mean {raw}% or {number * 100:g}%)"
        else:
            hint = (
                f"write {number * 100:g}% (or {raw}% if you meant that; a bare {raw} "
                "could mean either)"
            )
        raise ValueError(f"{what} needs its unit: {hint}")
    parse_bps(raw)
    return raw


def _check_share(value: Any) -> str:
    return check_share(value)


def check_token_amount(value: Any, what: str = "an amount") -> str:
    """An amount of money that names its token: `12000 USDC`, `2.5 ETH` (ValueError if not).

    A bare number is refused where the token is not otherwise fixed (an order's price):
    `5` could be 5 ETH or 5 of the scenario's stablecoin."""
    amount = parse_amount(value)
    if amount.symbol is None:
        raise ValueError(
            f"{what} {value!r} names no token: write it with the token's symbol, like "
            f"'{value} ETH' or '{value} USDC' (a token declared under tokens)"
        )
    return str(value)


def _check_duration(value: Any) -> str | int:
    parse_duration(value)
    return value  # type: ignore[no-any-return]


#: An order's windows are uint32 seconds on chain (about 136 years).
MAX_WINDOW = 2**32 - 1
#: The longest single wait: a century (local chains refuse block times past the year 3000).
MAX_WAIT = 36_500 * 86_400


def _check_window(value: Any) -> str | int | None:
    if value is not None and parse_duration(value) > MAX_WINDOW:
        raise ValueError(
            f"{value!r} is too long: an order's windows fit in uint32 seconds (49710d)"
        )
    return value  # type: ignore[no-any-return]


#: Bounds the contracts enforce: the fee timeout (TradeEscrow) and the panel's ruling period
#: (DisputeArbitration), in seconds.
FEE_TIMEOUT_BOUNDS = (3_600, 30 * 86_400)
RULING_PERIOD_BOUNDS = (1, 365 * 86_400)
#: An order's ruling timeout (TradeEscrow): how long the arbitrator has before an even split.
RULING_TIMEOUT_BOUNDS = (30 * 86_400, 730 * 86_400)


def check_fee(value: Any) -> str:
    """A platform fee: a share the escrow accepts (at most 2%), with its unit; ValueError if
    not."""
    check_share(value, "the platform fee")
    if parse_bps(value) > 200:
        raise ValueError(f"the platform fee is capped at 2%, not {value}")
    return str(value)


def check_bounds(name: str, bounds: tuple[int, int]) -> Any:
    """A validator: the duration `name` must lie within `bounds` seconds (ValueError if not)."""
    low, high = bounds

    def check(value: Any) -> str | int:
        seconds = parse_duration(value)
        if not low <= seconds <= high:
            raise ValueError(
                f"{name} {value!r} is out of range: the contracts accept "
                f"{format_duration(low)} to {format_duration(high)}"
            )
        return value  # type: ignore[no-any-return]

    return check


def _check_wait(value: Any) -> str | int:
    if parse_duration(value) > MAX_WAIT:
        raise ValueError(f"{value!r} is too long: a single wait is at most 36500d")
    return value  # type: ignore[no-any-return]


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

    @field_validator("do", mode="before")
    @classmethod
    def _do(cls, value: Any) -> str:
        if value not in ACTIONS:
            raise ValueError(f"unknown action {value!r}; one of {', '.join(ACTIONS)}")
        return str(value)

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


# ---------------------------------------------------------------------------- loading


def _first_error(file: str, where: str, exc: ValidationError) -> ScenarioInvalid:
    err = exc.errors()[0]
    loc = tuple(x for x in err["loc"] if x not in ("function-after[_check_amount(), str]",))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "required field is missing"
    field_name = ".".join(str(x) for x in loc)
    return ScenarioInvalid(file, f"{where}, field '{field_name}'" if field_name else where, message)


def _step_label(index: int, raw: Any) -> str:
    if isinstance(raw, Mapping):
        if "do" in raw:
            return f"step {index} ({raw['do']})"
        if "wait" in raw:
            return f"step {index} (wait)"
        if "expect" in raw:
            return f"step {index} (expect)"
    return f"step {index}"


def parse_scenario(data: Any, file: str = "<scenario>") -> Scenario:
    """Validate a scenario already read from YAML; raises ScenarioInvalid."""
    if not isinstance(data, Mapping):
        raise ScenarioInvalid(
            file, "", "a scenario is a mapping with name, parties, orders and steps"
        )
    known = set(Scenario.model_fields) - {"file", "steps"}
    for key in data:
        if key not in known and key != "steps":
            raise ScenarioInvalid(file, f"field '{key}'", "unknown field")
    for key in ("name", "parties", "orders", "steps"):
        if key not in data:
            raise ScenarioInvalid(file, f"field '{key}'", "required field is missing")
    parties: dict[str, PartySpec] = {}
    raw_parties = data["parties"]
    if not isinstance(raw_parties, Mapping) or not raw_parties:
        raise ScenarioInvalid(file, "field 'parties'", "map each party's name to its role")
    for name, spec in raw_parties.items():
        raw = {"role": spec} if isinstance(spec, str) else spec
        try:
            parties[str(name)] = PartySpec.model_validate(raw)
        except ValidationError as exc:
            raise _first_error(file, f"party '{name}'", exc) from None
    sections: dict[str, Any] = {}
    for key, model in (("platform", PlatformSpec), ("arbitration", ArbitrationSpec)):
        if key in data:
            try:
                sections[key] = model.model_validate(data[key] or {})
            except ValidationError as exc:
                raise _first_error(file, key, exc) from None
    tokens: dict[str, TokenSpec] = {}
    for symbol, spec in (data.get("tokens") or {}).items():
        if str(symbol).upper() == "ETH":
            raise ScenarioInvalid(file, "tokens.ETH", "ETH is built in; do not declare it")
        try:
            tokens[str(symbol).upper()] = TokenSpec.model_validate(spec or {})
        except ValidationError as exc:
            raise _first_error(file, f"token '{symbol}'", exc) from None
        for holder, amount in tokens[str(symbol).upper()].mint.items():
            if holder not in parties:
                raise ScenarioInvalid(
                    file, f"token '{symbol}', field 'mint.{holder}'", "no such party"
                )
            try:
                Amount(parse_amount(amount).value, str(symbol).upper()).to_units(
                    tokens[str(symbol).upper()].decimals
                )
            except ValueError as exc:
                raise ScenarioInvalid(
                    file, f"token '{symbol}', field 'mint.{holder}'", str(exc)
                ) from None
    orders: dict[str, OrderSpec] = {}
    raw_orders = data["orders"]
    if not isinstance(raw_orders, Mapping):
        raise ScenarioInvalid(file, "field 'orders'", "map each order's name to its terms")
    for name, spec in raw_orders.items():
        try:
            order = OrderSpec.model_validate(spec)
            order.document = resolve_document(file, order.document)
        except ValidationError as exc:
            raise _first_error(file, f"order '{name}'", exc) from None
        except ValueError as exc:
            raise ScenarioInvalid(file, f"order '{name}', field 'document'", str(exc)) from None
        for role in ("buyer", "seller", "carrier"):
            who = getattr(order, role)
            if who not in parties:
                raise ScenarioInvalid(
                    file, f"order '{name}', field '{role}'", f"no party named {who!r}"
                )
        for member in order.panel or []:
            if member not in parties:
                raise ScenarioInvalid(
                    file, f"order '{name}', field 'panel'", f"no party named {member!r}"
                )
        for key, role in (("customs", "customs"), ("inspectors", "inspector")):
            named = getattr(order, key)
            if named is None:
                continue
            if len(named) > 4:
                raise ScenarioInvalid(
                    file, f"order '{name}', field '{key}'", "an order names at most four"
                )
            for member in named:
                if member not in parties:
                    raise ScenarioInvalid(
                        file, f"order '{name}', field '{key}'", f"no party named {member!r}"
                    )
                if parties[member].role != role:
                    raise ScenarioInvalid(
                        file,
                        f"order '{name}', field '{key}'",
                        f"{member} is a {parties[member].role}, not a {role} party",
                    )
        _check_order_conflicts(file, str(name), order, parties)
        price = parse_amount(order.price)
        symbol = price.symbol
        if symbol and symbol != "ETH" and symbol not in tokens:
            raise ScenarioInvalid(
                file,
                f"order '{name}', field 'price'",
                f"unknown token {symbol}; declare it under tokens",
            )
        try:
            units = price.to_units(tokens[symbol].decimals if symbol in tokens else 18)
        except ValueError as exc:
            raise ScenarioInvalid(file, f"order '{name}', field 'price'", str(exc)) from None
        if not 0 < units < 2**96:
            raise ScenarioInvalid(
                file, f"order '{name}', field 'price'", "must be above zero and fit in uint96"
            )
        orders[str(name)] = order
    raw_steps = data["steps"]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioInvalid(file, "field 'steps'", "a list of steps is required")
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps, start=1):
        label = _step_label(index, raw)
        steps.append(_parse_step(file, label, raw, parties, orders, tokens))
    try:
        return Scenario(
            name=str(data["name"]),
            description=data.get("description"),
            parties=parties,
            tokens=tokens,
            orders=orders,
            steps=steps,
            file=file,
            **sections,
        )
    except ValidationError as exc:
        raise _first_error(file, "", exc) from None


def _check_order_conflicts(
    file: str, name: str, order: OrderSpec, parties: Mapping[str, PartySpec]
) -> None:
    """What the chain would refuse (or, worse, accept) about an order's parties and windows,
    found when the file is loaded: naming the field and the parties."""
    where = f"order '{name}'"
    if order.buyer == order.seller:
        raise ScenarioInvalid(
            file,
            f"{where}, fields 'buyer' and 'seller'",
            f"{order.buyer} is both buyer and seller: a trade needs two parties",
        )
    for role in ("buyer", "seller", "carrier"):
        who = getattr(order, role)
        declared = parties[who].role
        if declared != role:
            raise ScenarioInvalid(
                file,
                f"{where}, field '{role}'",
                f"{who} is declared a {declared} under parties, not a {role}: name a {role} "
                f"here, or declare {who}: {role}",
            )
    for member in order.panel or []:
        if member in (order.buyer, order.seller):
            side = "buyer" if member == order.buyer else "seller"
            raise ScenarioInvalid(
                file,
                f"{where}, field 'panel'",
                f"{member} is this order's {side} and cannot sit on its panel "
                "(it would rule on its own trade): name an arbitrator",
            )
        if parties[member].role != "arbitrator":
            raise ScenarioInvalid(
                file,
                f"{where}, field 'panel'",
                f"{member} is declared a {parties[member].role}, not an arbitrator",
            )
    ship = parse_duration(order.ship_within)
    deliver = parse_duration(order.deliver_within)
    if ship == 0:
        raise ScenarioInvalid(
            file,
            f"{where}, field 'ship_within'",
            "must be longer than 0s: the seller needs time to hand the goods to the carrier",
        )
    if deliver < ship:
        raise ScenarioInvalid(
            file,
            f"{where}, fields 'ship_within' and 'deliver_within'",
            f"deliver_within ({format_duration(deliver)}) is shorter than ship_within "
            f"({format_duration(ship)}); both run from funding, so delivery cannot be due "
            "before shipping is",
        )


def _parse_step(
    file: str,
    label: str,
    raw: Any,
    parties: Mapping[str, PartySpec],
    orders: Mapping[str, OrderSpec],
    tokens: Mapping[str, TokenSpec],
) -> Step:
    if not isinstance(raw, Mapping):
        raise ScenarioInvalid(
            file, label, "a step is a mapping: {do: ...}, {wait: ...} or {expect: ...}"
        )
    kinds = [k for k in ("do", "wait", "expect") if k in raw]
    if len(kinds) != 1:
        raise ScenarioInvalid(file, label, "a step has exactly one of do, wait or expect")
    kind = kinds[0]
    try:
        if kind == "wait":
            return WaitStep.model_validate(raw)
        if kind == "expect":
            step = ExpectStep.model_validate(raw)
            _check_expectation(file, label, step.expect, parties, orders, tokens)
            return step
        action = ActionStep.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(file, label, exc) from None
    allowed = ACTION_FIELDS.get(action.do, frozenset())
    for key in raw:
        if key not in ("do", "by", "order", "expect_error", "note") and key not in allowed:
            raise ScenarioInvalid(file, f"{label}, field '{key}'", f"not a field of {action.do}")
    for key in REQUIRED_FIELDS.get(action.do, ()):
        if key not in raw:
            raise ScenarioInvalid(file, f"{label}, field '{key}'", f"{action.do} needs it")
    if action.do not in NO_ORDER:
        if action.order is None:
            raise ScenarioInvalid(file, f"{label}, field 'order'", f"{action.do} needs an order")
        if action.order not in orders:
            raise ScenarioInvalid(
                file, f"{label}, field 'order'", f"no order named {action.order!r}"
            )
    elif action.order is not None and action.order not in orders:
        raise ScenarioInvalid(file, f"{label}, field 'order'", f"no order named {action.order!r}")
    if action.by is None and action.do not in DEFAULT_BY:
        raise ScenarioInvalid(file, f"{label}, field 'by'", f"say who does {action.do}")
    try:
        action.document = resolve_document(file, action.document)
    except ValueError as exc:
        raise ScenarioInvalid(file, f"{label}, field 'document'", str(exc)) from None
    if action.file is not None:
        try:
            action.file = resolve_feed(file, action.file)
        except ValueError as exc:
            raise ScenarioInvalid(file, f"{label}, field 'file'", str(exc)) from None
    for key in ("by", "relay_by", "to", "customs_by"):
        who = getattr(action, key)
        if who is not None and who not in parties and who not in ("operator", "treasury"):
            raise ScenarioInvalid(file, f"{label}, field '{key}'", f"no party named {who!r}")
    if (
        action.token is not None
        and action.token.upper() != "ETH"
        and action.token.upper() not in tokens
    ):
        raise ScenarioInvalid(file, f"{label}, field 'token'", f"unknown token {action.token!r}")
    if action.replay and not action.signed:
        raise ScenarioInvalid(
            file, f"{label}, field 'replay'", "only a signed checkpoint can be replayed"
        )
    return action


def _check_expectation(
    file: str,
    label: str,
    expect: Mapping[str, Any],
    parties: Mapping[str, PartySpec],
    orders: Mapping[str, OrderSpec],
    tokens: Mapping[str, TokenSpec],
) -> None:
    known = {
        "order",
        "status",
        "stage",
        "clearance",
        "on_hold",
        "late",
        "balance",
        "owed",
        "reputation",
        *ORDER_EXPECT_FIELDS,
    }
    for key in expect:
        if key not in known:
            raise ScenarioInvalid(file, f"{label}, field 'expect.{key}'", "unknown expectation")
    order_keys = [
        k
        for k in expect
        if k in ("status", "stage", "clearance", "on_hold", "late", *ORDER_EXPECT_FIELDS)
    ]
    if order_keys and "order" not in expect:
        raise ScenarioInvalid(
            file, f"{label}, field 'expect.order'", f"{order_keys[0]} needs an order"
        )
    if "order" in expect and expect["order"] not in orders:
        raise ScenarioInvalid(
            file, f"{label}, field 'expect.order'", f"no order named {expect['order']!r}"
        )
    try:
        if "status" in expect:
            Status.parse(str(expect["status"]))
        if "stage" in expect:
            Stage.parse(str(expect["stage"]))
    except ValueError as exc:
        key = "status" if "status" in expect else "stage"
        raise ScenarioInvalid(file, f"{label}, field 'expect.{key}'", str(exc)) from None
    if "clearance" in expect and str(expect["clearance"]).lower() not in _CLEARANCE_NAMES:
        raise ScenarioInvalid(
            file,
            f"{label}, field 'expect.clearance'",
            "one of none, export_cleared, import_cleared",
        )
    for key in ("on_hold", "late"):
        if key in expect and not isinstance(expect[key], bool):
            raise ScenarioInvalid(file, f"{label}, field 'expect.{key}'", "true or false")
    for key in ORDER_EXPECT_FIELDS:
        if key in expect:
            _check_comparison(file, f"{label}, field 'expect.{key}'", expect[key], tokens)
    for key in ("balance", "owed"):
        if key not in expect:
            continue
        if not isinstance(expect[key], Mapping):
            raise ScenarioInvalid(
                file, f"{label}, field 'expect.{key}'", "map a party to an amount"
            )
        for who, values in expect[key].items():
            if who not in parties and who not in ("treasury", "operator"):
                raise ScenarioInvalid(file, f"{label}, field 'expect.{key}.{who}'", "no such party")
            for value in values if isinstance(values, list) else [values]:
                where = f"{label}, field 'expect.{key}.{who}'"
                _check_comparison(file, where, value, tokens, need_symbol=True)
    if "reputation" in expect:
        if not isinstance(expect["reputation"], Mapping):
            raise ScenarioInvalid(
                file, f"{label}, field 'expect.reputation'", "map a party to its fields"
            )
        for who, fields in expect["reputation"].items():
            where = f"{label}, field 'expect.reputation.{who}'"
            if who not in parties:
                raise ScenarioInvalid(file, where, "no such party")
            if not isinstance(fields, Mapping):
                raise ScenarioInvalid(file, where, "map fields like completed: 1")
            for name, value in fields.items():
                field_where = f"{label}, field 'expect.reputation.{who}.{name}'"
                if name not in REPUTATION_FIELDS:
                    raise ScenarioInvalid(
                        file, field_where, f"unknown field; one of {', '.join(REPUTATION_FIELDS)}"
                    )
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ScenarioInvalid(file, field_where, "a whole number")


_CLEARANCE_NAMES = ("none", "export_cleared", "import_cleared")


def _check_comparison(
    file: str, where: str, value: Any, tokens: Mapping[str, TokenSpec], need_symbol: bool = False
) -> None:
    try:
        _, amount = parse_comparison(value)
    except ValueError as exc:
        raise ScenarioInvalid(file, where, str(exc)) from None
    if amount.symbol and amount.symbol != "ETH" and amount.symbol not in tokens:
        raise ScenarioInvalid(file, where, f"unknown token {amount.symbol}")
    if need_symbol and not amount.symbol:
        raise ScenarioInvalid(file, where, "name the token, like '100 USDC' or '>= 1 ETH'")


def decode_text(file: str, raw: bytes) -> str:
    """A text file's bytes as UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured); any
    other encoding is a ScenarioInvalid naming the line and the byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ScenarioInvalid(file, "", "not valid UTF-16 text") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioInvalid(
            file,
            f"line {line}",
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}; Latin-1 or Windows-1252?): save the "
            "file as UTF-8",
        ) from None


class DuplicateKey(yaml.YAMLError):
    """A key given twice in one YAML mapping (YAML keeps the last one silently)."""

    def __init__(self, key: Any, first: int, second: int, column: int) -> None:
        self.key, self.first, self.second = key, first, second
        self.problem_mark = None
        where = f"on line {first}" if first == second else f"on line {first} and line {second}"
        self.problem = (
            f"{key!r} is given twice in the same mapping, {where} (YAML would keep only the "
            "second): remove or rename one"
        )
        super().__init__(self.problem)


class _StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                try:
                    key = self.construct_object(key_node, deep=True)
                    hash(key)
                except (TypeError, yaml.YAMLError):
                    continue
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise DuplicateKey(key, seen[key], line, key_node.start_mark.column + 1)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """YAML as yaml.safe_load reads it, except that a key given twice in one mapping (an
    order, a party, a field) raises DuplicateKey naming both lines."""
    return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioInvalid (never a traceback's worth)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioInvalid(file, "", f"cannot read: {exc.strerror or exc}") from None
    text = decode_text(file, raw)
    try:
        data = load_yaml(text)
    except DuplicateKey as exc:
        raise ScenarioInvalid(file, f"line {exc.second}", exc.problem) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioInvalid(file, where, f"not valid YAML: {problem}") from None
    return parse_scenario(data, file)


# ---------------------------------------------------------------------------- running


@dataclass
class StepResult:
    index: int  # 1-based
    label: str
    outcome: Literal["ok", "reverted as expected", "failed", "skipped"] = "ok"
    message: str = ""
    transactions: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    timestamp: int | None = None
    #: an expect step's checks, each {what, expected, actual, ok}
    checks: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.index,
            "checks": self.checks,
            "label": self.label,
            "outcome": self.outcome,
            "message": self.message,
            "error": self.error,
            "timestamp": self.timestamp,
            "transactions": self.transactions,
            "gas": sum(t["gas"] for t in self.transactions),
        }


@dataclass
class ScenarioResult:
    file: str
    name: str
    chain: str
    steps: list[StepResult] = field(default_factory=list)
    parties: dict[str, str] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    client: TradeClient | None = None
    seconds: float = 0.0

    @property
    def failures(self) -> list[StepResult]:
        return [s for s in self.steps if s.outcome == "failed"]

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "name": self.name,
            "chain": self.chain,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "parties": self.parties,
            "orders": self.orders,
            "steps": [s.to_json() for s in self.steps],
        }


class StepFailed(Exception):
    """An expectation did not hold (the message says what differed)."""


class _Runner:
    def __init__(self, scenario: Scenario, client: TradeClient, seed: str) -> None:
        self.s = scenario
        self.c = client
        self.seed = seed
        self.addr: dict[str, ChecksumAddress] = {}
        self.trades: dict[str, Trade] = {}
        self.quotes: dict[str, Quote] = {}
        self.last_signed: dict[str, tuple[str, int, int]] = {}  # order -> (stage, deadline, nonce)
        self.fresh = True  # the suite was deployed for this run

    # setup
    def setup(self) -> list[dict[str, Any]]:
        c, s = self.c, self.s
        txs: list[dict[str, Any]] = []
        for name, party in s.parties.items():
            if party.role == "operator":
                self.addr[name] = c.operator
                c.names[c.operator] = name
            elif party.wallet == "rejects_eth":
                owner = c.new_account(
                    f"{name} (owner)", eth=party.eth, seed=f"{self.seed}:{s.name}:owner"
                )
                self.addr[name] = c.add_contract_account(name, owner=owner)
            else:
                self.addr[name] = c.new_account(name, eth=party.eth, seed=f"{self.seed}:{s.name}")
        self.addr.setdefault("operator", c.operator)
        self.addr.setdefault("treasury", c.deployment.treasury)
        fee = parse_bps(s.platform.fee)
        # A fresh suite charges nothing; a shared one (a real network) keeps the last fee set.
        if fee != (0 if self.fresh else int(c.escrow.functions.feeBps().call())):
            txs.append(_tx(c.set_fee(fee)))
        timeout = parse_duration(s.arbitration.fee_timeout)
        if timeout != int(c.escrow.functions.feeTimeout().call()):
            txs.append(_tx(c.set_fee_timeout(timeout)))
        for name, party in s.parties.items():
            if party.role == "customs":
                txs.append(_tx(c.grant_customs(self.addr[name])))
            elif party.role == "inspector":
                txs.append(_tx(c.grant_inspector(self.addr[name])))
            elif party.role == "arbitrator":
                txs.append(_tx(c.register_arbitrator(self.addr[name])))
        # An odd number of arbitrators is also the arbitrator's default panel (set once): the panel
        # of disputes created with empty extra data, as ERC-792's example arbitrables send.
        judges = [self.addr[name] for name in s.parties_with("arbitrator")]
        if len(judges) % 2 == 1 and not c.default_panel():
            txs.append(_tx(c.set_default_panel(judges)))
        for symbol, spec in s.tokens.items():
            token = c.deploy_token(symbol, spec.decimals, spec.name)
            for holder, amount in spec.mint.items():
                txs.append(_tx(c.mint(token, self.addr[holder], token.units(parse_amount(amount)))))
        arbitrators = s.parties_with("arbitrator")
        customs, inspectors = s.parties_with("customs"), s.parties_with("inspector")
        for name, ospec in s.orders.items():
            panel = ospec.panel if ospec.panel is not None else arbitrators
            valid_until = 0
            if ospec.valid_for is not None:
                valid_until = c.chain.now() + parse_duration(ospec.valid_for)
            self.trades[name] = c.new_trade(
                buyer=self.addr[ospec.buyer],
                seller=self.addr[ospec.seller],
                carrier=self.addr[ospec.carrier],
                price=ospec.price,
                incoterm=ospec.incoterm,
                ship_within=ospec.ship_within,
                deliver_within=ospec.deliver_within,
                inspection=ospec.inspection,
                milestones={k: str(v) for k, v in ospec.milestones.items()},
                panel=[self.addr[p] for p in panel],
                valid_until=valid_until,
                nonce=int.from_bytes(keccak(text=f"{s.name}:{name}"), "big"),
                document=_text(ospec.document) or f"{s.name}: {name}",
                terms_uri=ospec.terms_uri,
                origin=ospec.origin,
                destination=ospec.destination,
                customs=[self.addr[p] for p in (ospec.customs or customs)],
                inspectors=[self.addr[p] for p in (ospec.inspectors or inspectors)],
                arbitrator_extra_data=(
                    ospec.arbitration["extra_data"] if ospec.arbitration else None
                ),
                max_fee=ospec.max_fee if ospec.max_fee is not None else fee,
                ruling_timeout=ospec.ruling_timeout or 0,
            )
        return txs

    def fee_cap(self, name: str) -> Trade:
        """The order as its seller signs it now: with the fee in force as its cap, unless the
        file gives the order a max_fee (a quote commits to the fee of the moment)."""
        trade = self.trades[name]
        if self.s.orders[name].max_fee is None:
            fee = self.c.fee_bps()
            if fee != trade.terms.max_fee_bps:
                trade = self.c.with_terms(trade, max_fee_bps=fee)
                self.trades[name] = trade
        return trade

    def who(self, step: ActionStep) -> ChecksumAddress:
        if step.by is not None:
            return self.addr[step.by]
        role = DEFAULT_BY[step.do]
        if role == "operator":
            return self.c.operator
        assert step.order is not None
        return self.addr[getattr(self.s.orders[step.order], role)]

    # actions
    def act(self, step: ActionStep) -> list[Any]:
        c = self.c
        by = self.who(step)
        trade = self.trades[step.order] if step.order else None
        do = step.do
        if do == "quote":
            assert trade is not None and step.order is not None
            trade = self.fee_cap(step.order)
            self.quotes[step.order] = c.sign_quote(trade, by=by)
            return []
        if do == "register":
            assert step.order is not None
            return [c.register(self.fee_cap(step.order), by=by)]
        if do == "set_fee":
            assert step.fee is not None
            return [c.set_fee(step.fee)]
        if do == "set_fee_timeout":
            assert step.timeout is not None
            return [c.set_fee_timeout(step.timeout)]
        if do == "accept":
            return [c.accept(trade, by=by)]  # type: ignore[arg-type]
        if do == "fund":
            assert trade is not None and step.order is not None
            quote = self.quotes.get(step.order)
            token = c.token(trade.order.token)
            approved: list[Any] = []
            if not token.is_eth and not step.permit and by == trade.order.buyer:
                # Approve as its own transaction, so the report shows it.
                erc20 = c.w3.eth.contract(
                    address=token.address, abi=c.artifacts["TestStablecoin"].abi
                )
                allowance = int(erc20.functions.allowance(by, c.escrow.address).call())
                if allowance < trade.order.price:
                    approved.append(c.approve(token, by, trade.order.price))
            return [*approved, c.fund(trade, by=by, quote=quote, permit=step.permit)]
        if do == "cancel":
            return [c.cancel(trade, by=by)]  # type: ignore[arg-type]
        if do in ("checkpoint", "hold", "release_hold"):
            assert trade is not None and step.order is not None
            kind = {"hold": "customs_hold", "release_hold": "customs_release"}.get(do, step.stage)
            assert kind is not None
            relayer = self.addr[step.relay_by] if step.relay_by else None
            deadline = nonce = None
            if step.replay:
                previous = self.last_signed.get(step.order)
                if previous is None:
                    raise StepFailed("replay: no signed checkpoint of this order to replay")
                kind, deadline, nonce = previous
            result = c.checkpoint(
                trade,
                kind,
                by=by,
                location=step.location,
                document=_text(step.document),
                uri=step.uri or "",
                signed=step.signed,
                relayer=relayer,
                deadline=deadline,
                nonce=nonce,
            )
            if step.signed and not step.replay:
                self.last_signed[step.order] = (kind, *self._signed_args(result))
            return [result]
        if do == "confirm":
            return [c.confirm(trade, by=by)]  # type: ignore[arg-type]
        if do == "settle":
            return [c.settle(trade, by=by)]  # type: ignore[arg-type]
        if do == "refund":
            return [c.refund(trade, by=by)]  # type: ignore[arg-type]
        if do == "dispute":
            return [c.dispute(trade, by=by, evidence=step.evidence or "")]  # type: ignore[arg-type]
        if do == "pay_fee":
            return [c.pay_fee(trade, by=by)]  # type: ignore[arg-type]
        if do == "evidence":
            return [c.evidence(trade, by=by, evidence=step.evidence or "")]  # type: ignore[arg-type]
        if do == "vote":
            assert step.buyer_share is not None
            return [c.vote(trade, by=by, buyer_share=step.buyer_share)]  # type: ignore[arg-type]
        if do == "default":
            return [c.default(trade, by=by)]  # type: ignore[arg-type]
        if do == "propose_settlement":
            assert trade is not None and step.buyer_share is not None
            return [c.propose_settlement(trade, by=by, buyer_share=step.buyer_share)]
        if do == "accept_settlement":
            assert trade is not None
            return [c.accept_settlement(trade, by=by)]
        if do == "withdraw_settlement":
            assert trade is not None
            return [c.withdraw_settlement(trade, by=by)]
        if do == "release":
            assert trade is not None and step.amount is not None
            return [c.release(trade, by=by, amount=step.amount)]
        if do == "reimburse":
            assert trade is not None and step.amount is not None
            return [c.reimburse(trade, by=by, amount=step.amount)]
        if do == "withdraw":
            return self.withdraw(step, by, trade)
        if do == "import_events":
            assert trade is not None and step.file is not None
            relayer = self.addr[step.relay_by] if step.relay_by else None
            customs = self.addr[step.customs_by] if step.customs_by else None
            return run_import(c, trade, step.file, by=by, relayer=relayer, customs=customs)
        if do == "pause":
            return [c.pause(by=by)]
        if do == "unpause":
            return [c.unpause(by=by)]
        raise StepFailed(f"unknown action {do}")  # pragma: no cover - validated on load

    def _signed_args(self, result: Any) -> tuple[int, int]:
        tx = self.c.w3.eth.get_transaction(result.tx_hash)
        _fn, args = self.c.tracker.decode_function_input(tx["input"])
        return int(args["deadline"]), int(args["nonce"])

    def withdraw(self, step: ActionStep, by: ChecksumAddress, trade: Trade | None) -> list[Any]:
        """Withdraw what `by` is owed; a no-op when nothing is (unless an error is expected)."""
        c = self.c
        if step.token is not None:
            tokens = [c.token(step.token)]
        elif trade is not None:
            tokens = [c.token(trade.order.token)]
        else:
            tokens = list(c.tokens.values())
        to = self.addr[step.to] if step.to else None
        results: list[Any] = []
        for token in tokens:
            if c.owed(by, token) == 0 and step.expect_error is None:
                results.append(f"nothing owed in {token.symbol}")
                continue
            results.append(c.withdraw(token, by=by, to=to))
        return results

    # expectations
    def amount_units(self, text: Any, default: Token) -> tuple[str, Token, int]:
        op, amount = parse_comparison(text)
        token = self.c.token(amount.symbol) if amount.symbol else default
        return op, token, token.units(Amount(amount.value, token.symbol))

    def expect(self, expect: Mapping[str, Any]) -> list[str]:
        """What did not hold (one line each); every check, held or not, in self.checks."""
        self.checks: list[dict[str, Any]] = []
        return [
            f"{c['what']} is {c['actual']}, expected {c['expected']}"
            if c.get("note") is None
            else c["note"]
            for c in self.check(expect)
            if not c["ok"]
        ]

    def _check(
        self, what: str, ok: bool, actual: Any, expected: Any, note: str | None = None
    ) -> None:
        entry = {"what": what, "expected": str(expected), "actual": str(actual), "ok": bool(ok)}
        if note is not None:
            entry["note"] = note
        self.checks.append(entry)

    def check(self, expect: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Each expectation beside what the chain says: {what, expected, actual, ok}."""
        c = self.c
        if "order" in expect:
            trade = self.trades[expect["order"]]
            token = c.token(trade.order.token)
            state = c.state(trade)
            if "status" in expect:
                want = Status.parse(str(expect["status"]))
                self._check("status", state.status == want, state.status.label, want.label)
            if "stage" in expect:
                wanted = Stage.parse(str(expect["stage"]))
                # A clearance is the customs track's stage; the rest are the carrier's.
                clearance = wanted in (Stage.EXPORT_CLEARED, Stage.IMPORT_CLEARED)
                recorded = state.clearance if clearance else state.stage
                track = "clearance" if clearance else "stage"
                self._check(track, recorded == wanted, recorded.label, wanted.label)
            if "clearance" in expect:
                wanted = Stage.parse(str(expect["clearance"]))
                self._check(
                    "clearance", state.clearance == wanted, state.clearance.label, wanted.label
                )
            if "late" in expect:
                late = state.picked_up_late or (
                    state.stage == Stage.DELIVERED and not state.delivered_on_time
                )
                self._check("late", late == bool(expect["late"]), late, bool(expect["late"]))
            if "on_hold" in expect:
                want_hold = bool(expect["on_hold"])
                self._check("on_hold", state.on_hold == want_hold, state.on_hold, want_hold)
            money = c.money(trade)
            for key in ORDER_EXPECT_FIELDS:
                if key not in expect:
                    continue
                op, tok, units = self.amount_units(expect[key], token)
                actual = getattr(money, key)
                if tok != token:
                    self._check(
                        key,
                        False,
                        token.format(actual),
                        _show_cmp(op, tok, units),
                        note=f"{key}: the order is in {token.symbol}, not {tok.symbol}",
                    )
                else:
                    self._check(
                        key,
                        compare(op, Decimal(actual), Decimal(units)),
                        token.format(actual),
                        _show_cmp(op, tok, units),
                    )
        for key in ("balance", "owed"):
            for who, values in (expect.get(key) or {}).items():
                for value in values if isinstance(values, list) else [values]:
                    op, tok, units = self.amount_units(value, c.token(None))
                    address = self.addr[who]
                    actual = c.balance(address, tok) if key == "balance" else c.owed(address, tok)
                    self._check(
                        f"{key} of {who}",
                        compare(op, Decimal(actual), Decimal(units)),
                        tok.format(actual),
                        _show_cmp(op, tok, units),
                    )
        for who, fields in (expect.get("reputation") or {}).items():
            tokens = [c.token(None), *(c.token(sym) for sym in self.s.tokens)]
            record = c.reputation(self.addr[who], tokens)
            for name, value in fields.items():
                actual = getattr(record, name)
                self._check(f"reputation of {who}: {name}", actual == value, actual, value)
        return self.checks


def _text(document: str | dict[str, str] | None) -> str | None:
    """A document field once loaded: {file: ...} was resolved to its hash on load."""
    return document if isinstance(document, str) or document is None else None


def _show_cmp(op: str, token: Token, units: int) -> str:
    return ("" if op == "==" else op + " ") + token.format(units)


def _tx(result: Any) -> dict[str, Any]:
    return {
        "action": result.action,
        "hash": result.tx_hash,
        "gas": result.gas_used,
        "from": result.sender,
    }


def describe_step(step: Step) -> str:
    if isinstance(step, WaitStep):
        return f"wait {step.wait}"
    if isinstance(step, ExpectStep):
        return "expect " + ", ".join(f"{k}" for k in step.expect)
    parts = [step.do]
    if step.by:
        parts.append(f"by {step.by}")
    if step.order:
        parts.append(step.order)
    if step.stage:
        parts.append(step.stage)
    if step.signed:
        parts.append("(signed)")
    if step.expect_error:
        parts.append(f"expecting {step.expect_error}")
    return " ".join(parts)


def run_scenario(
    scenario: Scenario,
    chain: Chain,
    *,
    artifacts: Mapping[str, Artifact] | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    seed: str | None = None,
    preflight: bool = True,
    deployment: Deployment | None = None,
    fail_fast: bool = False,
) -> ScenarioResult:
    """Deploy a fresh suite on `chain` (or use `deployment`, a suite already there whose
    operator's key the chain's Signer holds), set the scenario up and run its steps."""
    import time

    started = time.perf_counter()
    result = ScenarioResult(scenario.file, scenario.name, chain.describe())
    cost = Amount(parse_amount(scenario.arbitration.fee).value, "ETH").to_units(18)
    ruling_period = parse_duration(scenario.arbitration.ruling_period)
    if deployment is None:
        client = TradeClient.deploy(
            chain,
            arbitration_cost=cost,
            ruling_period=ruling_period,
            artifacts=artifacts,
            preflight=preflight,
        )
    else:
        client = TradeClient(
            chain,
            deployment,
            artifacts=artifacts,
            preflight=preflight,
            from_block=chain.w3.eth.block_number,
        )
    result.client = client
    runner = _Runner(scenario, client, seed or str(chain.w3.eth.block_number))
    runner.fresh = deployment is None
    setup = StepResult(0, "setup: deploy the suite, fund the parties, roles, tokens")
    try:
        if deployment is not None:
            _check_params(deployment, cost, ruling_period)
        setup.transactions = runner.setup()
    except (ContractRevert, TradelaneError, ValueError) as exc:
        setup.outcome, setup.message = "failed", f"setup failed: {exc}"
        result.steps.append(setup)
        result.seconds = time.perf_counter() - started
        return result
    result.steps.append(setup)
    result.parties = {name: addr for name, addr in runner.addr.items()}
    result.orders = {name: t.id_hex for name, t in runner.trades.items()}
    if on_step:
        on_step(setup)
    stopped = False
    for index, step in enumerate(scenario.steps, start=1):
        sr = StepResult(index, describe_step(step))
        if stopped:
            sr.outcome = "skipped"
            sr.message = (
                "after a failed step (--fail-fast)" if fail_fast else ("after an unexpected revert")
            )
        elif isinstance(step, WaitStep):
            try:
                chain.time_travel(parse_duration(step.wait))
            except Exception as exc:
                sr.outcome, sr.message = "failed", f"cannot wait: {str(exc).splitlines()[0]}"
                stopped = True
        elif isinstance(step, ExpectStep):
            try:
                problems = runner.expect(step.expect)
                sr.checks = runner.checks
            except Exception as exc:
                problems = [f"{type(exc).__name__}: {exc}"]
            if problems:
                sr.outcome, sr.message = "failed", "; ".join(problems)
            else:
                sr.message = "; ".join(f"{c['what']} {c['actual']}" for c in sr.checks)
        else:
            _run_action(runner, step, sr)
            stopped = sr.outcome == "failed" and step.expect_error is None
        if sr.outcome != "skipped":
            sr.timestamp = chain.now()
        if fail_fast and sr.outcome == "failed" and not stopped:
            stopped = True  # --fail-fast: the first failure ends the scenario
        if stopped and sr.outcome == "failed" and fail_fast:
            sr.message += " (--fail-fast: the rest is skipped)"
        result.steps.append(sr)
        if on_step:
            on_step(sr)
    result.seconds = time.perf_counter() - started
    return result


def _check_params(deployment: Deployment, cost: int, ruling_period: int) -> None:
    """A scenario run on an existing suite needs the arbitration terms it was built with."""
    have = deployment.params
    if have.get("arbitration_cost") != cost or have.get("ruling_period") != ruling_period:
        raise TradelaneError(
            f"the scenario needs arbitration fee {format_units(cost, 18, 'ETH')} and ruling "
            f"period {ruling_period}s; the deployment has "
            f"{format_units(int(have.get('arbitration_cost', 0)), 18, 'ETH')} and "
            f"{have.get('ruling_period')}s: deploy one with tradelane deploy --fresh "
            "--arbitration-cost ... --ruling-period ..."
        )


def _explain_failure(runner: _Runner, step: ActionStep, exc: Exception) -> str:
    """One line for a node's or library's refusal, with the party by name."""
    text = str(exc)
    low = text.lower()
    if "cannot afford" in low or "insufficient funds" in low:
        who = runner.who(step)
        name = runner.c.name_of(who)
        have = format_units(runner.c.balance(who, runner.c.token(None)), 18, "ETH")
        return (
            f"{name} cannot pay the gas of {step.do}: it holds {have} (give it more with its "
            "`eth:` in parties, or --party-eth)"
        )
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:400]


def _run_action(runner: _Runner, step: ActionStep, sr: StepResult) -> None:
    try:
        outcomes = runner.act(step)
    except ContractRevert as exc:
        sr.error = exc.name
        if step.expect_error is None:
            sr.outcome, sr.message = "failed", f"reverted: {exc}"
        elif step.expect_error in ("any", exc.name):
            sr.outcome, sr.message = "reverted as expected", str(exc)
        else:
            sr.outcome = "failed"
            sr.message = f"reverted with {exc.name}, expected {step.expect_error}: {exc}"
        return
    except StepFailed as exc:
        sr.outcome, sr.message = "failed", str(exc)
        return
    except UnsafeTerms as exc:  # the client's refusal, before sending: expectable by name
        sr.error = "UnsafeTerms"
        if step.expect_error in ("any", "UnsafeTerms"):
            sr.outcome, sr.message = "reverted as expected", str(exc)
        else:
            sr.outcome, sr.message = "failed", str(exc)
        return
    except TradelaneError as exc:
        sr.outcome, sr.message = "failed", str(exc)
        return
    except Exception as exc:  # a node or library error: report it on the step, not as a trace
        sr.outcome, sr.message = "failed", _explain_failure(runner, step, exc)
        return
    notes = []
    for outcome in outcomes:
        if isinstance(outcome, str):
            notes.append(outcome)
        else:
            sr.transactions.append(_tx(outcome))
    sr.message = "; ".join(notes)
    if step.expect_error is not None:
        sr.outcome = "failed"
        sr.message = f"expected {step.expect_error}, but the step succeeded"
