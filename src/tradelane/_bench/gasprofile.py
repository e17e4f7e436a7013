"""Where each step's gas goes: the gas flows' transactions traced opcode by opcode.

`tradelane bench gas --profile` runs the flows on an Anvil started with `--steps-tracing`
(`tradelane._bench.gas.run(..., profile=True)`), then asks `debug_traceTransaction` for each
labelled step's opcodes and sorts their gas into what the trace can tell apart: the
transaction's base, its calldata, storage reads and writes, events, calls (value transfers,
cold accounts, precompiles such as ecrecover), hashing, and everything else the contracts
execute. A call's own cost is counted; the gas its callee spends is counted in the callee's
opcodes. What storage refunds give back is a column of its own, so every row adds up to the
step's gas exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tradelane._bench.calldata import calldata_gas

#: The columns, in the order they are printed.
CATEGORIES = ("base", "calldata", "storage", "logs", "calls", "hashing", "execution", "refund")

_CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"}
_STORAGE = {"SLOAD", "SSTORE", "TLOAD", "TSTORE"}
_ACCOUNTS = {"BALANCE", "EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY", "SELFBALANCE"}

BASE_GAS = 21_000


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


def split(logs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Gas by category of a struct-log trace (without the base and calldata).

    An opcode's cost is the gas it left to the next opcode of its own frame, less what a
    callee spent in between: exact for calls too, whose reported cost includes the gas they
    forward."""
    out = dict.fromkeys(CATEGORIES[2:-1], 0)
    n = len(logs)
    for i, log in enumerate(logs):
        op, depth = str(log["op"]), int(log["depth"])
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
        out[_category(op)] += cost
    return out


def profile_step(w3: Any, tx_hash: Any, gas_used: int) -> dict[str, int]:
    """One transaction's gas by category; the categories add up to `gas_used`."""
    tx = w3.eth.get_transaction(tx_hash)
    trace = w3.provider.make_request(
        "debug_traceTransaction",
        ["0x" + bytes(tx_hash).hex(), {"enableMemory": False, "disableStack": True}],
    )
    logs = trace["result"]["structLogs"]
    if not logs:
        raise RuntimeError("the node returned no opcodes: start anvil with --steps-tracing")
    row = {"base": BASE_GAS, "calldata": calldata_gas(bytes(tx["input"])), **split(logs)}
    row["refund"] = gas_used - sum(row.values())
    return row


__all__ = ["CATEGORIES", "profile_step", "split"]
