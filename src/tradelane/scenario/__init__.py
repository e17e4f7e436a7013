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

A file that does not follow it raises ScenarioInvalid naming the file, the step and the field.

The package, by stage of the data: values (single fields' checks) and model (the file's
pydantic models and tables); checks (across fields) and loading (bytes, YAML, parse_scenario);
state (the runner's shared state), actions (one handler per action and its row in
ACTION_TABLE, the one table of the actions and their facts) and runner (run_scenario); results
(step and scenario results, their reports).
"""

from tradelane.scenario.actions import (
    ACTION_FIELDS,
    ACTION_HANDLERS,
    ACTION_TABLE,
    ACTIONS,
    DEFAULT_BY,
    NO_ORDER,
    REQUIRED_FIELDS,
    Action,
)
from tradelane.scenario.loading import (
    DuplicateKey,
    decode_text,
    load_scenario,
    load_yaml,
    parse_scenario,
)
from tradelane.scenario.model import (
    DEFAULT_PARTY_ETH,
    ORDER_EXPECT_FIELDS,
    REPUTATION_FIELDS,
    ROLES,
    ActionStep,
    ArbitrationSpec,
    ExpectStep,
    OrderSpec,
    PartySpec,
    PlatformSpec,
    Scenario,
    ScenarioInvalid,
    Step,
    TokenSpec,
    WaitStep,
)
from tradelane.scenario.results import ScenarioResult, StepResult, describe_step
from tradelane.scenario.runner import run_scenario
from tradelane.scenario.state import StepFailed
from tradelane.scenario.values import (
    FEE_TIMEOUT_BOUNDS,
    MAX_WAIT,
    MAX_WINDOW,
    RULING_PERIOD_BOUNDS,
    RULING_TIMEOUT_BOUNDS,
    check_bounds,
    check_fee,
    check_share,
    check_token_amount,
)

__all__ = [
    "ACTIONS",
    "ACTION_FIELDS",
    "ACTION_HANDLERS",
    "ACTION_TABLE",
    "DEFAULT_BY",
    "DEFAULT_PARTY_ETH",
    "FEE_TIMEOUT_BOUNDS",
    "MAX_WAIT",
    "MAX_WINDOW",
    "NO_ORDER",
    "ORDER_EXPECT_FIELDS",
    "REPUTATION_FIELDS",
    "REQUIRED_FIELDS",
    "ROLES",
    "RULING_PERIOD_BOUNDS",
    "RULING_TIMEOUT_BOUNDS",
    "Action",
    "ActionStep",
    "ArbitrationSpec",
    "DuplicateKey",
    "ExpectStep",
    "OrderSpec",
    "PartySpec",
    "PlatformSpec",
    "Scenario",
    "ScenarioInvalid",
    "ScenarioResult",
    "Step",
    "StepFailed",
    "StepResult",
    "TokenSpec",
    "WaitStep",
    "check_bounds",
    "check_fee",
    "check_share",
    "check_token_amount",
    "decode_text",
    "describe_step",
    "load_scenario",
    "load_yaml",
    "parse_scenario",
    "run_scenario",
]
