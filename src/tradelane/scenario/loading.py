"""Reading a scenario file: bytes to text, strict YAML, and parse_scenario building the model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tradelane.amounts import Amount, parse_amount
from tradelane.scenario.checks import _check_order_conflicts, _first_error, _parse_step
from tradelane.scenario.model import (
    ArbitrationSpec,
    OrderSpec,
    PartySpec,
    PlatformSpec,
    Scenario,
    ScenarioInvalid,
    Step,
    TokenSpec,
)
from tradelane.standards.scenario_steps import resolve_document


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
