"""Shared fixtures: the chain, the compiled artifacts, the deployed suite and the parties.

    pytest --chain eth-tester   (default) the embedded py-evm chain
    pytest --chain anvil        one Anvil for the session, started and stopped here

Every test that touches the chain runs between a snapshot and a revert, so each one starts
from the freshly deployed suite. Tests that do not use the `chain` fixture run in the
eth-tester pass only; in the Anvil pass they would only repeat themselves.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from eth_typing import ChecksumAddress
from web3 import Web3

from tradelane._bench.gas import ARBITRATOR_INDICES, PARTY_INDEX
from tradelane._settings import project_root
from tradelane.chain import Chain, connect
from tradelane.compiler import Artifact, compile_contracts
from tradelane.deploy import Deployment, deploy_suite

CHAINS = ("eth-tester", "anvil")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chain",
        choices=CHAINS,
        default="eth-tester",
        help="chain the tests run on: eth-tester (embedded, default) or anvil",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kind = config.getoption("--chain")
    for item in items:
        if kind == "anvil" and "eth_tester_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="eth-tester only"))
        elif kind == "eth-tester" and "anvil_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs --chain anvil"))
        elif kind != "eth-tester" and "chain" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="does not use the chain: eth-tester pass only"))


def _scratch_project(path: Path, sources: Mapping[str, str] | None = None) -> Path:
    """A throwaway project at `path` with `sources` ({"contracts/X.sol": text}), sharing
    the repository's solc launcher and node_modules."""
    root = project_root()
    (path / "contracts").mkdir(parents=True, exist_ok=True)
    for name in ("bin", "node_modules"):
        (path / name).symlink_to(root / name)
    for name in ("package.json", "pyproject.toml"):
        shutil.copy(root / name, path / name)
    for unit, text in (sources or {}).items():
        (path / unit).parent.mkdir(parents=True, exist_ok=True)
        (path / unit).write_text(text)
    return path


@pytest.fixture(scope="session")
def scratch_project() -> Callable[..., Path]:
    """scratch_project(path, {"contracts/X.sol": source}) -> a project to compile apart."""
    return _scratch_project


@pytest.fixture(scope="session")
def chain_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--chain"))


@pytest.fixture(scope="session")
def chain(chain_kind: str) -> Iterator[Chain]:
    with connect(chain_kind) as connected:
        yield connected


@pytest.fixture(scope="session")
def w3(chain: Chain) -> Web3:
    return chain.w3


@pytest.fixture(scope="session")
def artifacts() -> dict[str, Artifact]:
    """The compiled suite; $TRADELANE_ARTIFACTS names a folder of artifacts (<Name>.json, as
    in build/contracts/) to test instead, such as a mutant's (audit/mutate.py)."""
    if folder := os.environ.get("TRADELANE_ARTIFACTS"):
        return {
            p.stem: Artifact.from_json(json.loads(p.read_text()))
            for p in sorted(Path(folder).glob("*.json"))
        }
    return compile_contracts()


def _account(chain: Chain, index: int) -> ChecksumAddress:
    return chain.accounts[index]


@pytest.fixture(scope="session")
def operator(chain: Chain) -> ChecksumAddress:
    """Deploys the suite and holds its admin roles."""
    return _account(chain, PARTY_INDEX["operator"])


@pytest.fixture(scope="session")
def treasury(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["treasury"])


@pytest.fixture(scope="session")
def buyer(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["buyer"])


@pytest.fixture(scope="session")
def seller(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["seller"])


@pytest.fixture(scope="session")
def carrier(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["carrier"])


@pytest.fixture(scope="session")
def customs(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["customs"])


@pytest.fixture(scope="session")
def inspector(chain: Chain) -> ChecksumAddress:
    return _account(chain, PARTY_INDEX["inspector"])


@pytest.fixture(scope="session")
def arbitrators(chain: Chain) -> list[ChecksumAddress]:
    return [_account(chain, i) for i in ARBITRATOR_INDICES]


@pytest.fixture(scope="session")
def outsider(chain: Chain) -> ChecksumAddress:
    """Holds no role in the suite or in any order."""
    return _account(chain, PARTY_INDEX["outsider"])


@pytest.fixture(scope="session")
def suite(chain: Chain, artifacts: dict[str, Artifact], operator: str, treasury: str) -> Deployment:
    """The deployed suite, once per session: suite["TradeEscrow"] is a web3 contract."""
    return deploy_suite(chain, artifacts, admin=operator, treasury=treasury, write_manifest=False)


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> Iterator[None]:
    """Revert whatever a chain-using test did, back to the freshly deployed suite."""
    if "chain" not in request.fixturenames:
        yield
        return
    chain: Chain = request.getfixturevalue("chain")
    if "suite" in request.fixturenames:
        request.getfixturevalue("suite")  # deployed before the snapshot, kept by every test
    snapshot = chain.snapshot()
    yield
    chain.revert(snapshot)
