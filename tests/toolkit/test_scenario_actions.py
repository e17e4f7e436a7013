"""The runner's action table and the model's actions are one list: neither can drift."""

from __future__ import annotations

import pytest

from tradelane.scenario.actions import ACTION_HANDLERS, check_table
from tradelane.scenario.model import ACTIONS, ActionStep


def test_the_table_handles_exactly_the_actions_the_model_accepts():
    assert set(ACTION_HANDLERS) == set(ACTIONS)
    assert len(ACTIONS) == len(set(ACTIONS))
    check_table(ACTION_HANDLERS, ACTIONS)  # what the module runs on import


def test_every_action_the_table_handles_validates():
    for action in ACTION_HANDLERS:
        assert ActionStep.model_validate({"do": action}).do == action


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_missing_from_the_table_fails(action):
    table = {name: handler for name, handler in ACTION_HANDLERS.items() if name != action}
    with pytest.raises(ValueError, match=f"no handler for {action}$"):
        check_table(table, ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_missing_from_the_model_fails(action):
    actions = [name for name in ACTIONS if name != action]
    with pytest.raises(ValueError, match=f"not in ACTIONS: {action}$"):
        check_table(ACTION_HANDLERS, actions)
