"""Cross-field checks while parsing: an order's parties and windows, each step and expectation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tradelane.amounts import format_duration, parse_comparison, parse_duration
from tradelane.scenario.actions import ACTION_TABLE, COMMON_FIELDS
from tradelane.scenario.model import (
    ORDER_EXPECT_FIELDS,
    REPUTATION_FIELDS,
    ActionStep,
    ExpectStep,
    OrderSpec,
    PartySpec,
    ScenarioInvalid,
    Step,
    TokenSpec,
    WaitStep,
)
from tradelane.standards.scenario_steps import resolve_document, resolve_feed
from tradelane.types import Stage, Status


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
    names = tuple(ACTION_TABLE)  # a tuple: a step's `do` may be any YAML value, even a list
    if kind == "do" and raw["do"] not in names:
        raise ScenarioInvalid(
            file, f"{label}, field 'do'", f"unknown action {raw['do']!r}; one of {', '.join(names)}"
        )
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
    row = ACTION_TABLE[action.do]
    for key in raw:
        if key not in COMMON_FIELDS and key not in row.fields:
            raise ScenarioInvalid(file, f"{label}, field '{key}'", f"not a field of {action.do}")
    for key in row.required:
        if key not in raw:
            raise ScenarioInvalid(file, f"{label}, field '{key}'", f"{action.do} needs it")
    if row.needs_order:
        if action.order is None:
            raise ScenarioInvalid(file, f"{label}, field 'order'", f"{action.do} needs an order")
        if action.order not in orders:
            raise ScenarioInvalid(
                file, f"{label}, field 'order'", f"no order named {action.order!r}"
            )
    elif action.order is not None and action.order not in orders:
        raise ScenarioInvalid(file, f"{label}, field 'order'", f"no order named {action.order!r}")
    if action.by is None and row.by is None:
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
