"""Where each step's gas goes: the gas flows' transactions traced opcode by opcode.

`tradelane bench gas --profile` runs the flows on an Anvil started with `--steps-tracing`
(`tradelane._bench.gas.run(..., profile=True)`), then asks `debug_traceTransaction` for each
labelled step's opcodes and sorts their gas into what the trace can tell apart: the
transaction's base, its calldata, storage reads and writes, events, calls (value transfers,
cold accounts, precompiles such as ecrecover), hashing, and everything else the contracts
execute. A call's own cost is counted; the gas its callee spends is counted in the callee's
opcodes. What storage refunds give back is a column of its own, so every row adds up to the
step's gas exactly.

The same trace gives each flow's floor (`floor`): what its transactions would cost if the
contracts ran no instruction of their own, sent no zero byte of calldata, touched no storage
slot a second time and made no call from one of the suite's contracts to another, keeping
only what the data and the rules themselves cost: the base, the calldata's non-zero bytes,
each cold storage read and each write of a new value, the events, the calls out of the suite
(payouts, token transfers, ecrecover) and the refunds. No storage layout, merge or code of
the contracts can bring a flow below it without dropping an event, a stored field or a
payout; only an encoding that sends fewer non-zero bytes lowers its calldata part.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from tradelane._bench.calldata import calldata_gas

#: The columns, in the order they are printed.
CATEGORIES = ("base", "calldata", "storage", "logs", "calls", "hashing", "execution", "refund")

_CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"}
_STORAGE = {"SLOAD", "SSTORE", "TLOAD", "TSTORE"}
_ACCOUNTS = {"BALANCE", "EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY", "SELFBALANCE"}

BASE_GAS = 21_000
#: A warm storage access (EIP-2929): what reading or rewriting a slot already touched costs.
WARM_ACCESS = 100
#: The parts of a floor, in the order they are printed.
FLOOR_PARTS = ("base", "calldata", "storage", "logs", "calls", "refund")
#: Where an opcode finds the account it reaches on the stack (from the top). SELFBALANCE
#: reaches none but the running contract's own.
_TARGET = {"CALL": 2, "STATICCALL": 2, "DELEGATECALL": 2, "CALLCODE": 2}
_TARGET |= dict.fromkeys(_ACCOUNTS - {"SELFBALANCE"}, 1)


def _category(op: str) -> str:
    if op in _STORAGE:
        return "storage"
    if op.startswith("LOG"):
        return "logs"
    if op in _CALLS or op in _ACCOUNTS:
        return "calls"
    if op == "KECCAK256":
        return "hashing"
    return "execution"


def _own_costs(logs: Sequence[Mapping[str, Any]]) -> Iterator[tuple[Mapping[str, Any], int]]:
    """Each opcode with its own cost: the gas it left to the next opcode of its own frame,
    less what a callee spent in between (exact for calls too, whose reported cost includes
    the gas they forward)."""
    n = len(logs)
    for i, log in enumerate(logs):
        depth = int(log["depth"])
        cost = int(log["gasCost"])
        j = i + 1
        while j < n and int(logs[j]["depth"]) > depth:
            j += 1
        if j < n and int(logs[j]["depth"]) == depth:
            inside = 0
            if j > i + 1:  # a callee ran between: what it used is its own opcodes' gas
                inside = int(logs[i + 1]["gas"]) - int(logs[j - 1]["gas"])
                inside += int(logs[j - 1]["gasCost"])
            cost = int(log["gas"]) - int(logs[j]["gas"]) - inside
        yield log, cost


def split(logs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Gas by category of a struct-log trace (without the base and calldata)."""
    out = dict.fromkeys(CATEGORIES[2:-1], 0)
    for log, cost in _own_costs(logs):
        out[_category(str(log["op"]))] += cost
    return out


def _target(log: Mapping[str, Any]) -> str | None:
    """The account a call or an account opcode reaches, from its stack (lower-case hex)."""
    at = _TARGET.get(str(log["op"]))
    stack = log.get("stack") or ()
    if at is None or len(stack) < at:
        return None
    return "0x" + f"{int(stack[-at], 16):040x}"[-40:]


def floor(
    logs: Sequence[Mapping[str, Any]], data: bytes, refund: int, suite: Collection[str]
) -> dict[str, int]:
    """A transaction's floor by part (see the module's doc), from its struct-log trace (with
    the stack), its calldata and its refund; `suite` are the suite's contracts (lower-case)."""
    suite = {a.lower() for a in suite}
    out = {"base": BASE_GAS, "calldata": 16 * (len(data) - data.count(0))}
    out |= {"storage": 0, "logs": 0, "calls": 0, "refund": refund}
    for log, cost in _own_costs(logs):
        op = str(log["op"])
        part = _category(op)
        if part == "storage" and op in {"SLOAD", "SSTORE"} and cost > WARM_ACCESS:
            out["storage"] += cost
        elif part == "logs":
            out["logs"] += cost
        elif part == "calls" and op != "SELFBALANCE" and _target(log) not in suite:
            out["calls"] += cost
    return out


def _trace(w3: Any, tx_hash: Any) -> list[Mapping[str, Any]]:
    trace = w3.provider.make_request(
        "debug_traceTransaction",
        ["0x" + bytes(tx_hash).hex(), {"enableMemory": False, "disableStack": False}],
    )
    logs = trace["result"]["structLogs"]
    if not logs:
        raise RuntimeError("the node returned no opcodes: start anvil with --steps-tracing")
    return list(logs)


def profile_step(
    w3: Any, tx_hash: Any, gas_used: int, suite: Collection[str] = ()
) -> tuple[dict[str, int], dict[str, int]]:
    """One transaction's gas by category (the categories add up to `gas_used`) and its floor
    by part (`suite`: the suite's contract addresses)."""
    data = bytes(w3.eth.get_transaction(tx_hash)["input"])
    logs = _trace(w3, tx_hash)
    row = {"base": BASE_GAS, "calldata": calldata_gas(data), **split(logs)}
    row["refund"] = gas_used - sum(row.values())
    return row, floor(logs, data, row["refund"], suite)


__all__ = ["CATEGORIES", "FLOOR_PARTS", "floor", "profile_step", "split"]
