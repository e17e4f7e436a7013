"""ACTION_TABLE is the one table of the actions: each row holds an action's handler and its
facts, the loader and the runner read the rows, and the per-action tables derive from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

import tradelane.scenario as scenario
from tradelane.scenario import ScenarioInvalid, load_scenario, parse_scenario
from tradelane.scenario.actions import (
    ACTION_FIELDS,
    ACTION_HANDLERS,
    ACTION_TABLE,
    ACTIONS,
    DEFAULT_BY,
    NO_ORDER,
    REQUIRED_FIELDS,
    Action,
    check_table,
)
from tradelane.scenario.model import ActionStep
from tradelane.scenario.results import StepResult
from tradelane.scenario.runner import _run_action

UNKNOWN_ACTION = Path(__file__).parent / "broken" / "unknown_action.yaml"  # do: ship
FACTS = ("by", "needs_order", "fields", "required")


def test_the_per_action_tables_derive_from_the_one_table():
    assert tuple(ACTION_TABLE) == ACTIONS
    rows = ACTION_TABLE.items()
    assert {name: row.handler for name, row in rows} == ACTION_HANDLERS
    assert {name for name, row in rows if not row.needs_order} == NO_ORDER
    assert {name: row.by for name, row in rows if row.by} == DEFAULT_BY
    assert {name: frozenset(row.fields) for name, row in rows if row.fields} == ACTION_FIELDS
    assert {name: row.required for name, row in rows if row.required} == REQUIRED_FIELDS
    assert isinstance(NO_ORDER, frozenset) and isinstance(ACTIONS, tuple)
    for name in ("ACTIONS", "NO_ORDER", "DEFAULT_BY", "ACTION_FIELDS", "REQUIRED_FIELDS"):
        assert name in scenario.__all__
        assert getattr(scenario, name) is getattr(scenario.actions, name)
    check_table(ACTION_TABLE)  # what the module runs on import


def test_every_row_holds_a_handler_and_every_fact():
    for name, row in ACTION_TABLE.items():
        assert isinstance(row, Action) and callable(row.handler), name
        assert {f.name for f in dataclasses.fields(row)} == {"handler", *FACTS}
        assert ActionStep.model_validate({"do": name}).do == name


@pytest.mark.parametrize("fact", ["handler", *FACTS])
def test_a_row_that_leaves_out_a_handler_or_a_fact_cannot_be_written(fact):
    row = dataclasses.asdict(ACTION_TABLE["fund"]) | {"handler": ACTION_TABLE["fund"].handler}
    del row[fact]
    with pytest.raises(TypeError, match=fact):
        Action(**row)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"handler": None}, "no handler"),
        ({"by": "customs"}, "by is 'customs'"),
        ({"needs_order": None}, "needs_order is None"),
        ({"by": "seller", "needs_order": False}, "the order's seller acts by default"),
        ({"fields": None}, "fields None are not a tuple"),
        ({"fields": ("permit", "colour")}, "not a tuple of ActionStep's other fields"),
        ({"required": ("stage",)}, "required ('stage',) is not a tuple of its fields"),
        ({"required": None}, "required None"),
    ],
)
def test_a_row_with_a_missing_or_wrong_fact_fails_the_check(change, problem):
    table = {**ACTION_TABLE, "fund": dataclasses.replace(ACTION_TABLE["fund"], **change)}
    with pytest.raises(ValueError, match=r"^the action table: fund: ") as info:
        check_table(table)
    assert problem in str(info.value)


def test_an_action_with_no_row_is_refused_naming_every_action():
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(UNKNOWN_ACTION)
    assert info.value.where == "step 2 (ship), field 'do'"
    assert info.value.message == f"unknown action 'ship'; one of {', '.join(ACTIONS)}"


def test_a_new_row_is_all_a_new_action_needs(monkeypatch):
    calls = []

    def ship(runner, step, by, trade):
        calls.append((by, trade, step.location))
        return ["shipped"]

    row = Action(ship, by="seller", needs_order=True, fields=("location",), required=())
    check_table({**ACTION_TABLE, "ship": row})
    monkeypatch.setitem(ACTION_TABLE, "ship", row)

    loaded = load_scenario(UNKNOWN_ACTION)  # the broken file's `do: ship` now loads
    assert loaded.steps[1].do == "ship"
    data = scenario.load_yaml(UNKNOWN_ACTION.read_text())

    def parse(step):
        return parse_scenario({**data, "steps": [step]}, "f.yaml").steps[0]

    step = parse({"do": "ship", "order": "po-1", "location": "CNSHA"})
    with pytest.raises(ScenarioInvalid, match="field 'stage': not a field of ship"):
        parse({"do": "ship", "order": "po-1", "stage": "loaded"})
    with pytest.raises(ScenarioInvalid, match="field 'order': ship needs an order"):
        parse({"do": "ship"})
    monkeypatch.setitem(ACTION_TABLE, "ship", dataclasses.replace(row, required=("location",)))
    with pytest.raises(ScenarioInvalid, match="field 'location': ship needs it"):
        parse({"do": "ship", "order": "po-1"})

    # The runner dispatches on the row: its handler, with the row's default party acting.
    runner = SimpleNamespace(s=loaded, addr={"bob": "0xB0B"}, trades={"po-1": "the trade"})
    result = StepResult(1, "ship")
    _run_action(runner, step, result)
    assert calls == [("0xB0B", "the trade", "CNSHA")]
    assert (result.outcome, result.message) == ("ok", "shipped")
