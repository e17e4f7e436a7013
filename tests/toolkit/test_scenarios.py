"""Every shipped scenario passes, on the session's chain (eth-tester, or Anvil with --chain anvil).

Each also passes with the client's preflight checks off, so the errors the client raises
before sending are the very errors the contracts raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tradelane._demo import DEMO_FILE, DEMO_SCENARIO
from tradelane._settings import project_root
from tradelane.scenario import load_scenario, run_scenario

ROOT = project_root()
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_at_least_ten_scenarios_ship():
    assert len(SCENARIOS) >= 10


def _explain(result) -> str:
    return "\n".join(f"step {s.index} {s.label}: {s.message}" for s in result.failures)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_passes(chain, artifacts, path: Path):
    result = run_scenario(load_scenario(path), chain, artifacts=artifacts)
    assert result.passed, _explain(result)
    assert len(result.steps) == len(load_scenario(path).steps) + 1
    # every order leaves as valid DCSA T&T 2.2 events and a valid EPCIS 2.0 document
    from tradelane.standards.export import dcsa_events, epcis_document

    from .test_track import dcsa_problems, epcis_problems

    client = result.client
    for order_id in result.orders.values():
        trade = client.trade(order_id)
        assert dcsa_problems(dcsa_events(client, trade)) == [], order_id
        assert epcis_problems(epcis_document(client, trade)) == [], order_id


@pytest.mark.slow
@pytest.mark.anvil_only  # chain-independent; Anvil runs it three times faster
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_passes_without_preflight(chain, artifacts, path: Path):
    """The contracts themselves raise every error the scenarios expect."""
    result = run_scenario(load_scenario(path), chain, artifacts=artifacts, preflight=False)
    assert result.passed, _explain(result)
    assert not any("refused before sending" in s.message for s in result.steps), "preflight was off"


def test_issue_example_money(chain, artifacts):
    """The worked example of the issue: 8553.6 USDC to the seller, 3360 back, 86.4 in fees."""
    result = run_scenario(
        load_scenario(ROOT / "scenarios/damaged_goods_cif.yaml"), chain, artifacts=artifacts
    )
    assert result.passed, _explain(result)
    client = result.client
    trade = client.trade(result.orders["po-1"])
    money = client.money(trade)
    usdc = client.token("USDC")
    assert (money.seller_received, money.buyer_refunded, money.fee, money.locked) == (
        usdc.units("8553.6"),
        usdc.units("3360"),
        usdc.units("86.4"),
        0,
    )


def test_demo_is_the_shipped_flagship_scenario():
    assert yaml.safe_load(DEMO_SCENARIO) == yaml.safe_load((ROOT / DEMO_FILE).read_text())


def test_readme_scenario_runs(chain, artifacts):
    """The scenario shown in README.md is valid and its expectations hold."""
    import re

    from tradelane.scenario import parse_scenario

    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Scenario files", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block
    scenario = parse_scenario(yaml.safe_load(block.group(1)), "README.md")
    result = run_scenario(scenario, chain, artifacts=artifacts)
    assert result.passed, _explain(result)


def test_an_odd_number_of_arbitrators_becomes_the_default_panel(chain, artifacts):
    """A file with three arbitrators: they are also the panel for empty extra data (ERC-792)."""
    result = run_scenario(
        load_scenario(ROOT / "scenarios/panel_ruling_40.yaml"), chain, artifacts=artifacts
    )
    assert result.passed, _explain(result)
    client = result.client
    assert client.default_panel() == [result.parties[n] for n in ("a1", "a2", "a3")]
    assert "set_default_panel" in [t["action"] for t in result.steps[0].transactions]
