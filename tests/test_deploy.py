"""Deployment: the real suite on the session chain; manifests on Anvil with stand-ins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradelane import deploy as deploy_module
from tradelane._settings import project_root
from tradelane.chain import connect
from tradelane.compiler import compile_contracts
from tradelane.deploy import SUITE, ContractSpec, create_address, deploy_suite
from tradelane.errors import DeploymentError

ROOT = project_root()

# Stand-ins with the suite's constructor shapes, so manifest behaviour is tested apart from
# the real contracts.
STAND_IN = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Arbiter {
    uint256 public immutable cost;
    constructor(address, uint256 cost_) { cost = cost_; }
}

contract Tracker {
    address public immutable escrow;
    constructor(address escrow_) { escrow = escrow_; }
}

contract Escrow {
    error WrongTracker();
    constructor(address tracker) {
        if (Tracker(tracker).escrow() != address(this)) revert WrongTracker();
    }
}
"""

STAND_IN_SUITE = (
    ContractSpec("Arbiter", lambda c: [c.admin, c.params["arbitration_cost"]]),
    ContractSpec("Tracker", lambda c: [c.address("Escrow")]),
    ContractSpec("Escrow", lambda c: [c.address("Tracker")]),
)


@pytest.fixture(scope="module")
def stand_in_artifacts(tmp_path_factory, scratch_project):
    project = scratch_project(
        tmp_path_factory.mktemp("project"), {"contracts/StandIn.sol": STAND_IN}
    )
    return compile_contracts(project)


@pytest.fixture(scope="module")
def anvil_chain():
    with connect("anvil") as chain:
        yield chain


# --- the real suite on the session chain ----------------------------------------------------


def test_suite_is_deployed_in_order_and_wired(chain, suite, operator):
    names = [s.name for s in SUITE if s.name in suite]
    assert names == list(suite.contracts), "deployed out of SUITE order"
    for name in names:
        assert chain.w3.eth.get_code(suite[name].address), f"{name} has no code"
    if "LogisticsTracker" in suite and "TradeEscrow" in suite:
        assert suite["LogisticsTracker"].functions.escrow().call() == suite["TradeEscrow"].address
    assert suite.admin == operator


def test_suite_on_eth_tester_writes_no_manifest(tmp_path, stand_in_artifacts):
    with connect("eth-tester") as chain:
        deployment = deploy_suite(
            chain, stand_in_artifacts, specs=STAND_IN_SUITE, manifest_dir=tmp_path
        )
    assert deployment.manifest is None
    assert list(tmp_path.iterdir()) == []


def test_a_chain_started_for_the_command_gets_no_manifest(stand_in_artifacts, tmp_path):
    """An Anvil this process started dies with it: no deployments/31337.json for it (that
    file is the record of a lasting `tradelane node`); issue 16, item 5."""
    with connect("anvil") as chain:
        deployment = deploy_suite(
            chain, stand_in_artifacts, specs=STAND_IN_SUITE, manifest_dir=tmp_path
        )
    assert deployment.manifest is None
    assert list(tmp_path.iterdir()) == []


def test_create_address_matches_the_chain(anvil_chain, stand_in_artifacts):
    deployer = anvil_chain.accounts[5]
    nonce = anvil_chain.w3.eth.get_transaction_count(deployer)
    contract, _ = deploy_module.deploy_contract(
        anvil_chain, stand_in_artifacts["Tracker"], [deployer], sender=deployer
    )
    assert contract.address == create_address(deployer, nonce)


# --- manifests on Anvil ------------------------------------------------------------------


def test_manifest_is_written_and_the_deployment_reused(anvil_chain, stand_in_artifacts, tmp_path):
    first = deploy_suite(
        anvil_chain,
        stand_in_artifacts,
        specs=STAND_IN_SUITE,
        manifest_dir=tmp_path,
        write_manifest=True,
    )
    assert not first.reused
    assert first["Tracker"].functions.escrow().call() == first["Escrow"].address
    manifest = json.loads((tmp_path / "31337.json").read_text())
    assert manifest["chain_id"] == 31337
    assert {n: e["address"] for n, e in manifest["contracts"].items()} == first.addresses
    assert [p.name for p in tmp_path.iterdir()] == ["31337.json"], "temporary file left behind"

    again = deploy_suite(
        anvil_chain,
        stand_in_artifacts,
        specs=STAND_IN_SUITE,
        manifest_dir=tmp_path,
        write_manifest=True,
    )
    assert again.reused
    assert again.addresses == first.addresses

    changed = deploy_suite(
        anvil_chain,
        stand_in_artifacts,
        specs=STAND_IN_SUITE,
        manifest_dir=tmp_path,
        write_manifest=True,
        params={"arbitration_cost": 1},
    )
    assert not changed.reused
    assert changed.addresses != first.addresses
    assert changed["Arbiter"].functions.cost().call() == 1


def test_manifest_of_a_vanished_chain_is_not_reused(stand_in_artifacts, tmp_path):
    with connect("anvil") as chain:
        first = deploy_suite(
            chain,
            stand_in_artifacts,
            specs=STAND_IN_SUITE,
            manifest_dir=tmp_path,
            write_manifest=True,
        )
    with connect("anvil") as fresh:  # same chain id, empty state
        fresh.w3.eth.send_transaction(
            {"from": fresh.accounts[0], "to": fresh.accounts[1], "value": 1}
        )
        second = deploy_suite(
            fresh,
            stand_in_artifacts,
            specs=STAND_IN_SUITE,
            manifest_dir=tmp_path,
            write_manifest=True,
        )
    assert not second.reused
    assert second.addresses != first.addresses


def test_manifest_write_is_atomic(anvil_chain, stand_in_artifacts, tmp_path, monkeypatch):
    deploy_suite(
        anvil_chain,
        stand_in_artifacts,
        specs=STAND_IN_SUITE,
        manifest_dir=tmp_path,
        write_manifest=True,
    )
    before = (tmp_path / "31337.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(deploy_module.json, "dump", crash)
    with pytest.raises(OSError, match="disk full"):
        deploy_suite(
            anvil_chain,
            stand_in_artifacts,
            specs=STAND_IN_SUITE,
            manifest_dir=tmp_path,
            write_manifest=True,
            reuse=False,
        )
    assert (tmp_path / "31337.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["31337.json"]


def test_unreadable_manifest_means_a_fresh_deployment(anvil_chain, stand_in_artifacts, tmp_path):
    (tmp_path / "31337.json").write_text("{not json")
    deployment = deploy_suite(
        anvil_chain,
        stand_in_artifacts,
        specs=STAND_IN_SUITE,
        manifest_dir=tmp_path,
        write_manifest=True,
    )
    assert not deployment.reused
    json.loads((tmp_path / "31337.json").read_text())


def test_a_spec_naming_an_unknown_contract_fails_clearly(anvil_chain, stand_in_artifacts):
    specs = (ContractSpec("Tracker", lambda c: [c.address("Nowhere")]),)
    with pytest.raises(DeploymentError, match="the suite has no contract Nowhere"):
        deploy_suite(anvil_chain, stand_in_artifacts, specs=specs, write_manifest=False)


def test_nothing_to_deploy_fails_clearly(anvil_chain):
    with pytest.raises(DeploymentError, match="none of the suite's contracts is compiled"):
        deploy_suite(anvil_chain, {}, write_manifest=False)


def test_manifest_path_is_per_chain_id(tmp_path: Path):
    assert deploy_module.manifest_path(11155111, tmp_path) == tmp_path / "11155111.json"
