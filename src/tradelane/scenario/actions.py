"""The scenario's actions: one handler each and one row of ACTION_TABLE, the single table of
the actions that the loader checks steps against and the runner dispatches on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

from eth_typing import ChecksumAddress

from tradelane.scenario.model import ActionStep
from tradelane.scenario.state import StepFailed, _Runner, _text
from tradelane.standards.scenario_steps import run_import
from tradelane.types import Trade

# Adding an action is one handler here and one row of ACTION_TABLE (its handler and its facts:
# who acts by default, whether it needs an order, the fields it takes); the loader, the runner
# and ACTIONS, NO_ORDER, DEFAULT_BY, ACTION_FIELDS and REQUIRED_FIELDS all read the row, and
# check_table checks every row on import. A handler takes the runner's state, the step, who
# acts and the order's trade (None for an action about no particular order) and returns what
# the step did: the client's results (the report lists their transactions) and notes
# (strings).

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
    # The buyer funding in a token without a permit approves as its own transaction, so the
    # report shows it.
    by_allowance = not token.is_eth and not step.permit and by == trade.order.buyer
    if by_allowance and c.allowance(token, by) < trade.order.price:
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


#: The fields every action takes; an action's row names the others it takes.
COMMON_FIELDS = ("do", "by", "order", "expect_error", "note")
#: The roles of an order that may act for it by default (as may the operator).
_ORDER_ROLES = ("buyer", "seller", "carrier")


@dataclass(frozen=True)
class Action:
    """One row of ACTION_TABLE: an action's handler and its facts, each given in every row."""

    handler: Handler
    _: KW_ONLY
    #: Who acts when the step leaves out `by`: one of _ORDER_ROLES, "operator", or None (the
    #: step must say).
    by: str | None
    #: False for an action about no particular order (its step may still name one).
    needs_order: bool
    #: The fields it takes besides COMMON_FIELDS, and those of them it cannot do without.
    fields: tuple[str, ...]
    required: tuple[str, ...]


_RECORD = ("location", "document", "uri", "signed", "relay_by")  # a record's fields

#: Each action by the name a step's `do` gives: what the loader and the runner go by.
ACTION_TABLE: dict[str, Action] = {
    "register": Action(register, by="buyer", needs_order=True, fields=(), required=()),
    "accept": Action(accept, by="seller", needs_order=True, fields=(), required=()),
    "quote": Action(quote, by="seller", needs_order=True, fields=(), required=()),
    "fund": Action(fund, by="buyer", needs_order=True, fields=("permit",), required=()),
    "cancel": Action(cancel, by=None, needs_order=True, fields=(), required=()),
    "checkpoint": Action(
        checkpoint,
        by="carrier",
        needs_order=True,
        fields=(*_RECORD, "stage", "replay"),
        required=("stage",),
    ),
    "hold": Action(checkpoint, by=None, needs_order=True, fields=_RECORD, required=()),
    "release_hold": Action(checkpoint, by=None, needs_order=True, fields=_RECORD, required=()),
    "confirm": Action(confirm, by="buyer", needs_order=True, fields=(), required=()),
    "settle": Action(settle, by="operator", needs_order=True, fields=(), required=()),
    "refund": Action(refund, by="operator", needs_order=True, fields=(), required=()),
    "dispute": Action(dispute, by=None, needs_order=True, fields=("evidence",), required=()),
    "pay_fee": Action(pay_fee, by=None, needs_order=True, fields=(), required=()),
    "evidence": Action(
        evidence, by=None, needs_order=True, fields=("evidence",), required=("evidence",)
    ),
    "vote": Action(
        vote, by=None, needs_order=True, fields=("buyer_share",), required=("buyer_share",)
    ),
    "default": Action(default, by="operator", needs_order=True, fields=(), required=()),
    "withdraw": Action(withdraw, by=None, needs_order=False, fields=("token", "to"), required=()),
    "pause": Action(pause, by="operator", needs_order=False, fields=(), required=()),
    "unpause": Action(unpause, by="operator", needs_order=False, fields=(), required=()),
    "import_events": Action(
        import_events,
        by="carrier",
        needs_order=True,
        fields=("file", "customs_by", "relay_by"),
        required=("file",),
    ),
    "set_fee": Action(
        set_fee, by="operator", needs_order=False, fields=("fee",), required=("fee",)
    ),
    "set_fee_timeout": Action(
        set_fee_timeout,
        by="operator",
        needs_order=False,
        fields=("timeout",),
        required=("timeout",),
    ),
    "propose_settlement": Action(
        propose_settlement,
        by=None,
        needs_order=True,
        fields=("buyer_share",),
        required=("buyer_share",),
    ),
    "accept_settlement": Action(
        accept_settlement, by=None, needs_order=True, fields=(), required=()
    ),
    "withdraw_settlement": Action(
        withdraw_settlement, by=None, needs_order=True, fields=(), required=()
    ),
    "release": Action(
        release, by="buyer", needs_order=True, fields=("amount",), required=("amount",)
    ),
    "reimburse": Action(
        reimburse, by="seller", needs_order=True, fields=("amount",), required=("amount",)
    ),
}


def check_table(table: Mapping[str, Action]) -> None:
    """Each row holds a handler and every fact, and its facts fit the model; ValueError naming
    each action and what is wrong with its row."""
    problems = [f"{name}: {problem}" for name, row in table.items() for problem in _flaws(row)]
    if problems:
        raise ValueError("the action table: " + "; ".join(problems))


def _flaws(row: Any) -> list[str]:
    if not isinstance(row, Action):
        return [f"{row!r} is not an Action row"]
    flaws = []
    if not callable(row.handler):
        flaws.append("no handler")
    if row.by is not None and row.by not in (*_ORDER_ROLES, "operator"):
        flaws.append(f"by is {row.by!r}, not None, operator or one of {', '.join(_ORDER_ROLES)}")
    if row.by in _ORDER_ROLES and row.needs_order is not True:
        flaws.append(f"the order's {row.by} acts by default, so it needs an order")
    if not isinstance(row.needs_order, bool):
        flaws.append(f"needs_order is {row.needs_order!r}, not True or False")
    known = set(ActionStep.model_fields) - set(COMMON_FIELDS)
    if not isinstance(row.fields, tuple) or not set(row.fields) <= known:
        flaws.append(f"fields {row.fields!r} are not a tuple of ActionStep's other fields")
    elif not isinstance(row.required, tuple) or not set(row.required) <= set(row.fields):
        flaws.append(f"required {row.required!r} is not a tuple of its fields")
    return flaws


check_table(ACTION_TABLE)

# The per-action tables, derived from ACTION_TABLE on import for readers of the package (the
# loader and the runner read the rows themselves, so a row is all an action needs).
#: Every action's name, in the table's order.
ACTIONS: tuple[str, ...] = tuple(ACTION_TABLE)
#: Each action's handler.
ACTION_HANDLERS: dict[str, Handler] = {n: a.handler for n, a in ACTION_TABLE.items()}
#: Actions about no particular order.
NO_ORDER = frozenset(n for n, a in ACTION_TABLE.items() if not a.needs_order)
#: Who acts when `by` is left out (a role of the order, or the operator).
DEFAULT_BY: dict[str, str] = {n: a.by for n, a in ACTION_TABLE.items() if a.by is not None}
#: Fields each action accepts besides do/by/order/expect_error/note.
ACTION_FIELDS = {n: frozenset(a.fields) for n, a in ACTION_TABLE.items() if a.fields}
#: Fields an action cannot do without.
REQUIRED_FIELDS = {n: a.required for n, a in ACTION_TABLE.items() if a.required}
