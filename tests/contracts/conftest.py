"""Fixtures for the contract tests: the suite wired with its roles, a 6-decimal stablecoin the
parties hold and have approved, and the desk that drives them."""

from __future__ import annotations

from typing import Any

import pytest

from tradelane.chain import Chain
from tradelane.compiler import Artifact
from tradelane.deploy import Deployment, deploy_contract, deploy_suite

from .desk import Desk

USDC_UNIT = 10**6


@pytest.fixture(scope="session")
def suite(
    chain: Chain,
    artifacts: dict[str, Artifact],
    operator: str,
    treasury: str,
    buyer: str,
    seller: str,
    customs: str,
    inspector: str,
    arbitrators: list[str],
) -> Deployment:
    """The suite, wired once per session before the per-test snapshot."""
    dep = deploy_suite(chain, artifacts, admin=operator, treasury=treasury, write_manifest=False)
    w3 = chain.w3

    def send(fn: Any, sender: str) -> None:
        receipt = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1

    for member in arbitrators:
        send(dep["DisputeArbitration"].functions.registerArbitrator(member), operator)
    tracker = dep["LogisticsTracker"]
    send(tracker.functions.grantRole(tracker.functions.CUSTOMS_ROLE().call(), customs), operator)
    send(
        tracker.functions.grantRole(tracker.functions.INSPECTOR_ROLE().call(), inspector), operator
    )
    usdc, _ = deploy_contract(
        chain, artifacts["TestStablecoin"], ["USD Coin", "USDC", 6], sender=operator
    )
    for holder in (buyer, seller):
        send(usdc.functions.mint(holder, 1_000_000 * USDC_UNIT), operator)
    send(usdc.functions.approve(dep["TradeEscrow"].address, 2**256 - 1), buyer)
    dep.contracts["USDC"] = usdc
    return dep


@pytest.fixture
def desk(
    chain: Chain,
    suite: Deployment,
    operator: str,
    treasury: str,
    buyer: str,
    seller: str,
    carrier: str,
    customs: str,
    inspector: str,
    arbitrators: list[str],
    outsider: str,
) -> Desk:
    parties = {
        "operator": operator,
        "treasury": treasury,
        "buyer": buyer,
        "seller": seller,
        "carrier": carrier,
        "customs": customs,
        "inspector": inspector,
        "arbitrators": arbitrators,
        "outsider": outsider,
    }
    return Desk(chain, suite, parties)
