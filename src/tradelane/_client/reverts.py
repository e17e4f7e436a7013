"""Revert data -> a Python exception named after the Solidity custom error, on any chain.

eth-tester raises `TransactionFailed("execution reverted: b'...'")`; web3 over JSON-RPC
(Anvil, real nodes) raises `ContractCustomError`/`ContractLogicError` with `.data`, or a
`Web3RPCError` whose response carries the data. `revert_data()` finds the bytes in any of
them and `ErrorDecoder.decode()` turns them into a `ContractRevert` subclass instance.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from tradelane.errors import TradelaneError


class ContractRevert(TradelaneError):
    """A contract call reverted. Subclasses are named after the Solidity error (e.g.
    `OrderUnauthorized`) and carry its fields as attributes and in `fields`.

    `preflight` is True when the client refused the call before sending it because the
    contract would have reverted with this very error.
    """

    exit_code = 1
    error_name: ClassVar[str] = "ContractRevert"

    def __init__(
        self,
        fields: Mapping[str, Any] | None = None,
        *,
        contract: str | None = None,
        data: bytes = b"",
        preflight: bool = False,
        message: str | None = None,
    ) -> None:
        self.fields: dict[str, Any] = dict(fields or {})
        self.contract = contract
        self.data = data
        self.preflight = preflight
        self.message = message
        #: address -> a party's name, for messages (the client that raised it sets it)
        self.names: Mapping[Any, str] = {}
        for key, value in self.fields.items():
            if key.isidentifier() and not hasattr(type(self), key):
                setattr(self, key, value)
        super().__init__(message or self.describe())

    @property
    def name(self) -> str:
        return type(self).error_name

    def describe(self) -> str:
        """`Name(field=value, ...)` with parties by name, enums by name (`current=delivered`,
        not 9), windows as durations and deadlines as UTC times."""
        args = ", ".join(
            f"{k}={_readable(self.name, k, v, self.names)}" for k, v in self.fields.items()
        )
        return f"{self.name}({args})"

    def __str__(self) -> str:
        where = f" in {self.contract}" if self.contract else ""
        return self.describe() + where + (" (refused before sending)" if self.preflight else "")


class UnknownRevert(ContractRevert):
    """Revert data that matches no error of the suite (or no data at all)."""

    error_name = "UnknownRevert"


class ErrorString(ContractRevert):
    """`revert("...")` / `require(cond, "...")`: `Error(string)`."""

    error_name = "Error"


class Panic(ContractRevert):
    """`Panic(uint256)`: an assertion, overflow, division by zero..."""

    error_name = "Panic"


_CLASSES: dict[str, type[ContractRevert]] = {
    "Error": ErrorString,
    "Panic": Panic,
    "UnknownRevert": UnknownRevert,
}


def error_class(name: str) -> type[ContractRevert]:
    """The exception class for Solidity error `name` (created on first use, then shared)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = type(name, (ContractRevert,), {"error_name": name, "__module__": "tradelane.client"})
        _CLASSES[name] = cls
    return cls


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


#: Fields holding a span of seconds, and fields holding a moment (a block timestamp).
_DURATIONS = frozenset({"shipWithin", "deliverWithin", "inspectionWindow", "timeout", "window"})
_MOMENTS = frozenset({"deadline", "validUntil", "shipBy", "deliverBy"})


def _readable(error: str, key: str, value: Any, names: Mapping[Any, str]) -> str:
    """One field of an error as a person reads it."""
    from datetime import UTC, datetime

    from tradelane.amounts import format_duration
    from tradelane.types import Incoterm, Stage, Status

    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        name = names.get(value)
        return f"{name} ({value[:10]}…)" if name else value
    if isinstance(value, bool) or not isinstance(value, int):
        return _show(value)
    enum: Any = None
    if key == "incoterm":
        enum = Incoterm
    elif error == "OrderInvalidStatus" and key == "current":
        enum = Status
    elif error == "EscrowStageNotForward" and key in ("current", "next"):
        enum = Stage
    if enum is not None:
        try:
            return str(enum(value).label)
        except ValueError:
            return str(value)
    if error == "OrderInvalidStatus" and key == "allowed":
        return "|".join(s.label for s in Status if value >> int(s) & 1) or str(value)
    if key in _DURATIONS or (error == "EscrowInvalidFeeTimeout" and key in ("min", "max")):
        return format_duration(value) if value else "0s"
    if key in _MOMENTS and 0 < value < 2**40:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _type_string(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


def _normalise(value: Any, param: Mapping[str, Any]) -> Any:
    kind = str(param["type"])
    if kind == "address" and isinstance(value, str):
        return to_checksum_address(value)
    return value


class ErrorDecoder:
    """Every custom error of a set of ABIs, by 4-byte selector."""

    def __init__(self, abis: Mapping[str, Iterable[Mapping[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, str, list[Mapping[str, Any]]]] = {}
        for contract, abi in abis.items():
            for item in abi:
                if item.get("type") != "error":
                    continue
                inputs = list(item.get("inputs", []))
                signature = f"{item['name']}({','.join(_type_string(p) for p in inputs)})"
                selector = keccak(text=signature)[:4]
                self._errors.setdefault(selector, (contract, str(item["name"]), inputs))
        self._errors[keccak(text="Error(string)")[:4]] = (
            "",
            "Error",
            [{"name": "message", "type": "string"}],
        )
        self._errors[keccak(text="Panic(uint256)")[:4]] = (
            "",
            "Panic",
            [{"name": "code", "type": "uint256"}],
        )

    @property
    def names(self) -> set[str]:
        return {name for _, name, _ in self._errors.values()}

    def decode(self, data: bytes, *, preflight: bool = False) -> ContractRevert:
        if len(data) < 4:
            return UnknownRevert({"data": data}, data=data, message="reverted without data")
        entry = self._errors.get(bytes(data[:4]))
        if entry is None:
            return UnknownRevert({"data": data}, data=data)
        _, name, inputs = entry
        try:
            values = abi_decode([_type_string(p) for p in inputs], bytes(data[4:]))
        except Exception:
            return UnknownRevert({"data": data}, data=data)
        fields = {
            (p.get("name") or f"arg{i}"): _normalise(v, p)
            for i, (p, v) in enumerate(zip(inputs, values, strict=True))
        }
        return error_class(name)(fields, data=bytes(data), preflight=preflight)

    def make(self, name: str, **fields: Any) -> ContractRevert:
        """A preflight error, as the contract would raise it."""
        return error_class(name)(fields, preflight=True)


_HEX = re.compile(r"0x[0-9a-fA-F]{8,}")


def _from_hex(text: str) -> bytes | None:
    match = _HEX.search(text)
    return bytes.fromhex(match.group(0)[2:]) if match else None


def revert_data(exc: BaseException) -> bytes | None:
    """The revert data an exception from web3 or eth-tester carries, else None.

    Returns b"" for a revert without data (and None when `exc` is not a revert at all).
    """
    from web3.exceptions import ContractLogicError, Web3RPCError

    if type(exc).__name__ == "TransactionFailed":  # eth_tester.exceptions
        message = str(exc.args[0]) if exc.args else ""
        rest = message.split("execution reverted:", 1)[-1].strip()
        if rest.startswith(("b'", 'b"')):
            try:
                value = ast.literal_eval(rest)
            except (ValueError, SyntaxError):
                return b""
            return bytes(value) if isinstance(value, bytes) else b""
        if exc.args and isinstance(exc.args[0], bytes):
            return bytes(exc.args[0])
        if rest and rest != message.strip():
            # eth-tester decoded an Error(string) already.
            from eth_abi import encode

            return keccak(text="Error(string)")[:4] + encode(["string"], [rest])
        return b""
    if isinstance(exc, ContractLogicError):
        data = exc.data
        if isinstance(data, bytes):
            return data
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        if isinstance(data, Mapping):
            found = _from_hex(str(data.get("data", "")))
            if found is not None:
                return found
        return _from_hex(str(exc.message or "")) or b""
    if isinstance(exc, Web3RPCError):
        response = exc.rpc_response or {}
        error = response.get("error") if isinstance(response, Mapping) else None
        if isinstance(error, Mapping):
            message = str(error.get("message", ""))
            data = error.get("data")
            if isinstance(data, str) and data.startswith("0x"):
                return bytes.fromhex(data[2:])
            if "revert" in message.lower():
                return _from_hex(str(data or "")) or b""
        return None
    return None
