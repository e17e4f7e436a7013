"""`tradelane run / demo / order / deploy` from the outside: exit codes, messages, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradelane.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
FAILING = HERE / "failing"


def run_cli(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_run_passing_scenario_exits_0_and_writes_report(tmp_path, capsys):
    report = tmp_path / "report.json"
    code, out, _ = run_cli(
        ["run", str(ROOT / "scenarios/happy_eth_fob.yaml"), "--report", str(report)], capsys
    )
    assert code == 0, out
    assert "1 of 1 scenarios passed" in out
    data = json.loads(report.read_text())
    (scenario,) = data["scenarios"]
    assert scenario["passed"] is True
    steps = scenario["steps"]
    fund = next(s for s in steps if s["label"].startswith("fund"))
    assert fund["outcome"] == "ok"
    assert fund["transactions"][0]["hash"].startswith("0x")
    assert fund["gas"] > 21_000
    refused = steps[-1]
    assert refused["outcome"] == "reverted as expected"
    assert refused["error"] == "OrderInvalidStatus"


def test_run_party_eth_funds_parties_that_do_not_set_theirs(tmp_path, capsys):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        "name: small balances\n"
        "parties: {alice: buyer, bob: {role: seller, eth: 7}, dhl: carrier}\n"
        "orders:\n"
        "  po-1: {buyer: alice, seller: bob, carrier: dhl, price: 1 ETH}\n"
        "steps:\n"
        "  - {expect: {balance: {alice: 3 ETH, bob: 7 ETH, dhl: 3 ETH}}}\n"
    )
    code, out, _ = run_cli(["run", str(scenario), "--party-eth", "3 ETH"], capsys)
    assert code == 0, out
    # without the flag the default applies, and the same expectation fails on alice
    code, out, _ = run_cli(["run", str(scenario)], capsys)
    assert code == 1 and "alice is 100 ETH" in out, out


def test_run_wrong_expectation_exits_1_naming_step_and_difference(capsys):
    code, out, _ = run_cli(["run", str(FAILING / "wrong_expectation.yaml")], capsys)
    assert code == 1
    assert "step 4" in out
    assert "seller_received is 0.5 ETH, expected 0.6 ETH" in out
    assert "step 5" not in out  # the later expectation held


def test_run_unexpected_revert_exits_1_and_skips_the_rest(capsys):
    code, out, _ = run_cli(["run", str(FAILING / "unexpected_revert.yaml"), "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    steps = data["scenarios"][0]["steps"]
    assert steps[2]["outcome"] == "failed"
    assert steps[2]["error"] == "OrderInvalidStatus"
    assert steps[3]["outcome"] == "skipped"


def test_run_wrong_expected_error_exits_1(capsys):
    code, out, _ = run_cli(["run", str(FAILING / "wrong_error.yaml")], capsys)
    assert code == 1
    assert "step 2" in out and "reverted with TrackerUnauthorized, expected EscrowOnHold" in out
    assert "step 3" in out and "expected any, but the step succeeded" in out
    assert "step 4" not in out


def test_run_several_files_reports_each(capsys):
    files = [
        str(ROOT / "scenarios/dap_not_delivered.yaml"),
        str(FAILING / "wrong_expectation.yaml"),
    ]
    code, out, _ = run_cli(["run", *files, "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert (data["passed"], data["failed"]) == (1, 1)


def test_demo_runs_the_flagship_trade(capsys):
    code, out, _ = run_cli(["demo"], capsys)
    assert code == 0, out
    assert "every expectation held" in out
    for text in (
        "export_cleared",
        "3564 USDC to seller",
        "CNSHA",
        "DEHAM",
        "Who holds what",
        "11,880.00",
    ):
        assert text in out


def test_demo_json(capsys):
    code, out, _ = run_cli(["demo", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["passed"] is True
    assert data["order"]["status"] == "completed"
    assert data["order"]["money"]["seller_received"] == "11880 USDC"
    assert data["holdings"]["bob"]["USDC"] == "11880 USDC"
    actions = [e["action"] for e in data["order"]["timeline"]]
    assert actions[:3] == ["registered", "funded", "picked_up"]


def test_order_shows_a_scenario_order(capsys):
    code, out, _ = run_cli(
        ["order", "po-3", "--scenario", str(ROOT / "scenarios/dap_not_delivered.yaml"), "--json"],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "refunded"
    assert data["incoterm"] == "DAP"
    assert data["money"]["buyer_refunded"] == "8 ETH"


def test_order_needs_a_chain_or_scenario(capsys):
    code, _, err = run_cli(["order", "0x" + "00" * 32], capsys)
    assert code == 2
    assert "--chain" in err


def test_deploy_prints_addresses(capsys):
    code, out, _ = run_cli(["deploy", "--json", "--fee", "1%"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data["contracts"]) == {
        "DisputeArbitration",
        "EscrowDisputes",  # the escrow's dispute module, reached through TradeEscrow
        "LogisticsTracker",
        "TradeEscrow",
    }


def test_run_on_the_session_chain_kind(chain, chain_kind, capsys):
    """`tradelane run --chain anvil` in the Anvil pass (it starts and stops its own Anvil)."""
    files = [
        str(ROOT / "scenarios/damaged_goods_cif.yaml"),
        str(FAILING / "wrong_expectation.yaml"),
    ]
    code, out, _ = run_cli(["run", *files, "--chain", chain_kind, "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert [s["passed"] for s in data["scenarios"]] == [True, False]


@pytest.mark.anvil_only
def test_order_reads_a_deployment_on_a_url(chain, artifacts, tmp_path, capsys):
    """`tradelane order ID --chain URL`: the suite from its manifest, the order from events."""
    from tradelane.client import TradeClient
    from tradelane.deploy import deploy_suite

    deployment = deploy_suite(
        chain, artifacts, reuse=False, write_manifest=True, manifest_dir=tmp_path
    )
    client = TradeClient(chain, deployment, artifacts=artifacts)
    buyer, seller, carrier, judge = (client.new_account(n, eth=5) for n in ("b", "s", "c", "j"))
    client.register_arbitrator(judge)
    trade = client.new_trade(
        buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge]
    )
    client.fund(trade, quote=client.sign_quote(trade))
    client.checkpoint(trade, "picked_up", location="CNSHA")
    manifest = tmp_path / f"{chain.chain_id}.json"
    code, out, _ = run_cli(
        ["order", trade.id_hex, "--chain", chain.url, "--manifest", str(manifest), "--json"],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert (data["status"], data["stage"], data["price"]) == ("in_transit", "picked_up", "1 ETH")
    assert [e["action"] for e in data["timeline"]] == ["registered", "funded", "picked_up"]


def test_run_scenario_script(tmp_path):
    """scripts/run_scenario.py is `tradelane run` as a script, and an ape script."""
    import subprocess
    import sys

    script = ROOT / "scripts" / "run_scenario.py"
    ok = subprocess.run(
        [sys.executable, str(script), str(ROOT / "scenarios/quote_replay.yaml")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 of 1 scenarios passed" in ok.stdout
    bad = subprocess.run(
        [sys.executable, str(script), str(HERE / "broken" / "unknown_stage.yaml")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "field 'stage'" in bad.stderr


@pytest.mark.slow
def test_run_scenario_as_an_ape_script():
    import os
    import subprocess
    import sys
    from pathlib import Path

    ape = Path(sys.executable).with_name("ape")
    env = {**os.environ, "TRADELANE_SCENARIOS": str(ROOT / "scenarios/happy_eth_fob.yaml")}
    result = subprocess.run(
        [str(ape), "run", "run_scenario"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert "1 of 1 scenarios passed" in result.stdout, result.stdout + result.stderr


def test_demo_on_the_session_chain_kind(chain, chain_kind, capsys):
    code, out, _ = run_cli(["demo", "--chain", chain_kind, "--json"], capsys)
    assert code == 0
    assert json.loads(out)["order"]["status"] == "completed"
