"""run_scenario: set a suite and the scenario up, then run each step (actions by their table)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth_typing import ChecksumAddress

from tradelane.amounts import Amount, format_units, parse_amount, parse_duration
from tradelane.chain import Chain
from tradelane.client import ContractRevert, TradeClient
from tradelane.compiler import Artifact
from tradelane.deploy import Deployment
from tradelane.errors import TradelaneError, UnsafeTerms
from tradelane.scenario.actions import ACTION_TABLE
from tradelane.scenario.model import ActionStep, ExpectStep, Scenario, WaitStep
from tradelane.scenario.results import ScenarioResult, StepResult, _tx, describe_step
from tradelane.scenario.state import StepFailed, _Runner


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
        by = _who(runner, step)
        name = runner.c.name_of(by)
        have = format_units(runner.c.balance(by, runner.c.token(None)), 18, "ETH")
        return (
            f"{name} cannot pay the gas of {step.do}: it holds {have} (give it more with its "
            "`eth:` in parties, or --party-eth)"
        )
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:400]


def _who(runner: _Runner, step: ActionStep) -> ChecksumAddress:
    """Who does the step: its `by`, or its row's default (a role of its order, or the operator)."""
    if step.by is not None:
        return runner.addr[step.by]
    role = ACTION_TABLE[step.do].by
    if role == "operator":
        return runner.c.operator
    assert role is not None and step.order is not None
    return runner.addr[getattr(runner.s.orders[step.order], role)]


def _act(runner: _Runner, step: ActionStep) -> list[Any]:
    """The step's action, by its row's handler in ACTION_TABLE: who acts and the order's trade."""
    action = ACTION_TABLE.get(step.do)
    if action is None:
        raise StepFailed(f"unknown action {step.do}")  # pragma: no cover - validated on load
    by = _who(runner, step)
    trade = runner.trades[step.order] if step.order else None
    return action.handler(runner, step, by, trade)


def _run_action(runner: _Runner, step: ActionStep, sr: StepResult) -> None:
    try:
        outcomes = _act(runner, step)
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
