"""What a run leaves: step and scenario results, their JSON reports, and describe_step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tradelane.client import TradeClient
from tradelane.scenario.model import ExpectStep, Step, WaitStep


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
