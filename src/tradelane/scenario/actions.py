"""The scenario's actions: one handler each, in ACTION_HANDLERS, the table the runner uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from eth_typing import ChecksumAddress

from tradelane.scenario.model import ACTIONS, ActionStep
from tradelane.scenario.state import StepFailed, _Runner, _text
from tradelane.standards.scenario_steps import run_import
from tradelane.types import Trade

# Adding an action is one handler here and one row of ACTION_HANDLERS, with its name in
# tradelane.scenario.model.ACTIONS (the two are checked against each other on import). A
# handler takes the runner's state, the step, who acts and the order's trade (None for an
# action about no particular order) and returns what the step did: the client's results (the
# report lists their transactions) and notes (strings).

#: An action's handler: (runner, step, who acts, the order's trade or None) -> its outcomes.
Handler = Callable[[_Runner, ActionStep, ChecksumAddress, Trade | None], list[Any]]


def register(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert step.order is not None
    return [runner.c.register(runner.fee_cap(step.order), by=by)]


def accept(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.accept(trade, by=by)]  # type: ignore[arg-type]


def quote(runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None) -> list[Any]:
    assert trade is not None and step.order is not None
    trade = runner.fee_cap(step.order)
    runner.quotes[step.order] = runner.c.sign_quote(trade, by=by)
    return []


def fund(runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None) -> list[Any]:
    c = runner.c
    assert trade is not None and step.order is not None
    quote = runner.quotes.get(step.order)
    token = c.token(trade.order.token)
    approved: list[Any] = []
    if not token.is_eth and not step.permit and by == trade.order.buyer:
        # Approve as its own transaction, so the report shows it.
        erc20 = c.w3.eth.contract(address=token.address, abi=c.artifacts["TestStablecoin"].abi)
        allowance = int(erc20.functions.allowance(by, c.escrow.address).call())
        if allowance < trade.order.price:
            approved.append(c.approve(token, by, trade.order.price))
    return [*approved, c.fund(trade, by=by, quote=quote, permit=step.permit)]


def cancel(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.cancel(trade, by=by)]  # type: ignore[arg-type]


def checkpoint(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    """checkpoint, hold and release_hold: a carrier's, customs' or inspector's record."""
    assert trade is not None and step.order is not None
    kind = {"hold": "customs_hold", "release_hold": "customs_release"}.get(step.do, step.stage)
    assert kind is not None
    relayer = runner.addr[step.relay_by] if step.relay_by else None
    deadline = nonce = None
    if step.replay:
        previous = runner.last_signed.get(step.order)
        if previous is None:
            raise StepFailed("replay: no signed checkpoint of this order to replay")
        kind, deadline, nonce = previous
    result = runner.c.checkpoint(
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
        runner.last_signed[step.order] = (kind, *_signed_args(runner, result))
    return [result]


def _signed_args(runner: _Runner, result: Any) -> tuple[int, int]:
    tx = runner.c.w3.eth.get_transaction(result.tx_hash)
    _fn, args = runner.c.tracker.decode_function_input(tx["input"])
    return int(args["deadline"]), int(args["nonce"])


def confirm(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.confirm(trade, by=by)]  # type: ignore[arg-type]


def settle(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.settle(trade, by=by)]  # type: ignore[arg-type]


def refund(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.refund(trade, by=by)]  # type: ignore[arg-type]


def dispute(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.dispute(trade, by=by, evidence=step.evidence or "")]  # type: ignore[arg-type]


def pay_fee(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.pay_fee(trade, by=by)]  # type: ignore[arg-type]


def evidence(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.evidence(trade, by=by, evidence=step.evidence or "")]  # type: ignore[arg-type]


def vote(runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None) -> list[Any]:
    assert step.buyer_share is not None
    return [runner.c.vote(trade, by=by, buyer_share=step.buyer_share)]  # type: ignore[arg-type]


def default(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.default(trade, by=by)]  # type: ignore[arg-type]


def withdraw(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    """Withdraw what `by` is owed; a no-op when nothing is (unless an error is expected)."""
    c = runner.c
    if step.token is not None:
        tokens = [c.token(step.token)]
    elif trade is not None:
        tokens = [c.token(trade.order.token)]
    else:
        tokens = list(c.tokens.values())
    to = runner.addr[step.to] if step.to else None
    results: list[Any] = []
    for token in tokens:
        if c.owed(by, token) == 0 and step.expect_error is None:
            results.append(f"nothing owed in {token.symbol}")
            continue
        results.append(c.withdraw(token, by=by, to=to))
    return results


def pause(runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None) -> list[Any]:
    return [runner.c.pause(by=by)]


def unpause(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    return [runner.c.unpause(by=by)]


def import_events(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None and step.file is not None
    relayer = runner.addr[step.relay_by] if step.relay_by else None
    customs = runner.addr[step.customs_by] if step.customs_by else None
    return run_import(runner.c, trade, step.file, by=by, relayer=relayer, customs=customs)


def set_fee(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert step.fee is not None
    return [runner.c.set_fee(step.fee)]


def set_fee_timeout(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert step.timeout is not None
    return [runner.c.set_fee_timeout(step.timeout)]


def propose_settlement(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None and step.buyer_share is not None
    return [runner.c.propose_settlement(trade, by=by, buyer_share=step.buyer_share)]


def accept_settlement(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None
    return [runner.c.accept_settlement(trade, by=by)]


def withdraw_settlement(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None
    return [runner.c.withdraw_settlement(trade, by=by)]


def release(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None and step.amount is not None
    return [runner.c.release(trade, by=by, amount=step.amount)]


def reimburse(
    runner: _Runner, step: ActionStep, by: ChecksumAddress, trade: Trade | None
) -> list[Any]:
    assert trade is not None and step.amount is not None
    return [runner.c.reimburse(trade, by=by, amount=step.amount)]


#: Each action's handler, by the name a step's `do` gives: what the runner dispatches on.
ACTION_HANDLERS: dict[str, Handler] = {
    "register": register,
    "accept": accept,
    "quote": quote,
    "fund": fund,
    "cancel": cancel,
    "checkpoint": checkpoint,
    "hold": checkpoint,
    "release_hold": checkpoint,
    "confirm": confirm,
    "settle": settle,
    "refund": refund,
    "dispute": dispute,
    "pay_fee": pay_fee,
    "evidence": evidence,
    "vote": vote,
    "default": default,
    "withdraw": withdraw,
    "pause": pause,
    "unpause": unpause,
    "import_events": import_events,
    "set_fee": set_fee,
    "set_fee_timeout": set_fee_timeout,
    "propose_settlement": propose_settlement,
    "accept_settlement": accept_settlement,
    "withdraw_settlement": withdraw_settlement,
    "release": release,
    "reimburse": reimburse,
}


def check_table(table: Mapping[str, Handler], actions: Iterable[str]) -> None:
    """The table handles exactly the actions the model accepts; ValueError naming each action
    with no handler and each handler of no action."""
    names = list(actions)
    missing = [name for name in names if name not in table]
    extra = [name for name in table if name not in names]
    problems = []
    if missing:
        problems.append(f"no handler for {', '.join(missing)}")
    if extra:
        problems.append(f"not in ACTIONS: {', '.join(extra)}")
    if problems:
        raise ValueError("the action table and ACTIONS differ: " + "; ".join(problems))


check_table(ACTION_HANDLERS, ACTIONS)
