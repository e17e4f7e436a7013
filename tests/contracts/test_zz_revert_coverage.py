"""Revert-path coverage: every custom error of the suite was raised somewhere in the tests.

Collects every error in the ABIs of the three deployed contracts and fails if one was never
decoded from a revert during this session (the desk and the invariant machine log each one,
see revert_log.py), unless revert_exclusions.json lists it with the reason it cannot happen.

It runs last among the contract tests (hence the file name) and only when they all ran: the
whole of tests/contracts collected, with no -k or -m selection.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .revert_log import SEEN

HERE = Path(__file__).parent
DEPLOYED = ("TradeEscrow", "LogisticsTracker", "DisputeArbitration")


def _whole_suite_ran(request: pytest.FixtureRequest) -> str | None:
    config = request.config
    if config.option.keyword or config.option.markexpr:
        return "a -k or -m selection is in force"
    collected = {Path(str(item.path)).name for item in request.session.items}
    missing = sorted(p.name for p in HERE.glob("test_*.py") if p.name not in collected)
    if missing:
        return f"not every contract test module ran ({', '.join(missing)})"
    items = request.session.items
    mine = items.index(request.node)
    later = [i for i in items[mine + 1 :] if Path(str(i.path)).parent == HERE]
    if later:
        return "other contract tests run after this one"
    return None


def test_every_custom_error_was_raised(request: pytest.FixtureRequest, artifacts: Any) -> None:
    if reason := _whole_suite_ran(request):
        pytest.skip(f"revert coverage needs the whole contract suite: {reason}")
    errors = {
        item["name"] for name in DEPLOYED for item in artifacts[name].abi if item["type"] == "error"
    }
    excluded = json.loads((HERE / "revert_exclusions.json").read_text())["excluded"]
    assert set(excluded) <= errors, f"exclusions of unknown errors: {set(excluded) - errors}"
    covered = errors & set(SEEN)
    never = sorted(errors - covered - set(excluded))
    stale = sorted(set(excluded) & covered)
    print(
        f"\nrevert coverage: {len(covered)} of {len(errors)} custom errors raised, "
        f"{len(excluded)} excluded as unreachable, {len(never)} never raised"
    )
    assert not never, f"custom errors never raised by any test: {never}"
    assert not stale, f"excluded as unreachable, yet raised: {stale}"
