"""Deploy and wire the Tradelane suite; keep a manifest per chain id.

The suite is described by SUITE, a list of ContractSpec in deploy order, each with a
function from the deploy context to its constructor arguments. A contract may refer to
the address another one has or *will* have (`ctx.address(name)`), since CREATE addresses
follow from the deployer's nonce: LogisticsTracker is built with the address TradeEscrow
gets one transaction later. EscrowDisputes, the escrow's dispute module, comes before both;
its address is recorded in the manifest like any other contract's.

For chains that outlive this process (Anvil, any URL) the addresses go to
deployments/<chainId>.json, written atomically. A later deploy_suite() reuses that
deployment when every contract's artifact and on-chain code still match, and deploys
afresh otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rlp
from eth_typing import ChecksumAddress
from eth_utils.address import to_canonical_address, to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract

from tradelane._files import write_json_atomic
from tradelane._settings import SOLC_VERSION, compiler_settings, project_root
from tradelane.chain import Chain
from tradelane.compiler import Artifact, compile_contracts
from tradelane.errors import DeploymentError, TradelaneError

MANIFEST_FORMAT = 1

#: Defaults of the suite's tunable parameters (wei and seconds).
DEFAULT_PARAMS: dict[str, int] = {
    "arbitration_cost": 10**16,  # 0.01 ether
    "ruling_period": 14 * 86_400,  # 14 days
}


def create_address(sender: str, nonce: int) -> ChecksumAddress:
    """The address a CREATE by `sender` at `nonce` gives its contract."""
    return to_checksum_address(keccak(rlp.encode([to_canonical_address(sender), nonce]))[12:])


@dataclass
class DeployContext:
    """What a ContractSpec's argument function may read."""

    admin: ChecksumAddress
    treasury: ChecksumAddress
    deployer: ChecksumAddress
    params: dict[str, int]
    addresses: dict[str, ChecksumAddress]  # every contract of the suite, deployed or predicted

    def address(self, name: str) -> ChecksumAddress:
        try:
            return self.addresses[name]
        except KeyError:
            raise DeploymentError(f"the suite has no contract {name}") from None


@dataclass(frozen=True)
class ContractSpec:
    """One contract of the suite: its artifact name and how to build its constructor args."""

    name: str
    args: Callable[[DeployContext], Sequence[Any]]


#: The suite, in deploy order. Adjust constructor arguments here and only here.
SUITE: tuple[ContractSpec, ...] = (
    ContractSpec(
        "DisputeArbitration",
        lambda c: [c.admin, c.params["arbitration_cost"], c.params["ruling_period"]],
    ),
    # The escrow's cold half, run by delegatecall from TradeEscrow's fallback (no arguments).
    ContractSpec("EscrowDisputes", lambda c: []),
    # The tracker accepts records only from the escrow deployed right after it.
    ContractSpec("LogisticsTracker", lambda c: [c.admin, c.address("TradeEscrow")]),
    # Its constructor reverts unless tracker.escrow() == address(this). Its artifact's ABI is the
    # merged ABI of both halves (tradelane.compiler.MERGED_ABIS), so `deployment["TradeEscrow"]`
    # reaches every escrow function at the one escrow address.
    ContractSpec(
        "TradeEscrow",
        lambda c: [c.admin, c.treasury, c.address("LogisticsTracker"), c.address("EscrowDisputes")],
    ),
)


@dataclass
class Deployment:
    """A deployed suite: web3 contract objects by name, plus how they came to be."""

    chain_id: int
    contracts: dict[str, Contract]
    deployer: ChecksumAddress
    admin: ChecksumAddress
    treasury: ChecksumAddress
    params: dict[str, int]
    reused: bool = False
    manifest: Path | None = None
    gas_used: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Contract:
        try:
            return self.contracts[name]
        except KeyError:
            raise KeyError(
                f"{name} is not in the deployed suite ({', '.join(self.contracts)})"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.contracts

    def __iter__(self) -> Iterator[str]:
        return iter(self.contracts)

    @property
    def addresses(self) -> dict[str, ChecksumAddress]:
        return {name: c.address for name, c in self.contracts.items()}


def _code_hash(code: bytes | str) -> str:
    raw = bytes.fromhex(code[2:]) if isinstance(code, str) else bytes(code)
    return "0x" + keccak(raw).hex()


def deploy_contract(
    chain: Chain,
    artifact: Artifact,
    args: Sequence[Any] = (),
    *,
    sender: str | None = None,
    value: int = 0,
) -> tuple[Contract, int]:
    """Deploy one artifact from `sender` (default: the first account); returns (contract, gas)."""
    contract, receipt = _deploy(chain, artifact, args, sender=sender, value=value)
    return contract, int(receipt["gasUsed"])


def _deploy(
    chain: Chain,
    artifact: Artifact,
    args: Sequence[Any] = (),
    *,
    sender: str | None = None,
    value: int = 0,
) -> tuple[Contract, Any]:
    """deploy_contract, returning the receipt. A sender whose key the chain's Signer holds
    (a real network) signs locally; others go through the node's accounts."""
    if not artifact.deployable:
        raise DeploymentError(f"{artifact.name} has no bytecode (interface or abstract contract)")
    w3 = chain.w3
    sender = to_checksum_address(sender or chain.accounts[0])
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    signer = chain.signer
    try:
        if signer is not None and signer.holds(sender):
            data = factory.constructor(*args)._encode_data_in_transaction(*args)
            tx_hash, receipt = signer.send({"from": sender, "data": data, "value": value})
        else:
            tx_hash = factory.constructor(*args).transact({"from": sender, "value": value})
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    except TradelaneError as exc:  # already one line (a real network's Signer)
        raise DeploymentError(f"deploying {artifact.name} failed: {exc}") from None
    except Exception as exc:
        from tradelane._client.reverts import ErrorDecoder, revert_data

        data = revert_data(exc)
        if data is not None:  # the constructor's own error, by name and fields
            exc = ErrorDecoder({artifact.name: artifact.abi}).decode(data)
        raise DeploymentError(
            f"deploying {artifact.name}({', '.join(map(str, args))}) failed: {exc}"
        ) from exc
    created = receipt.get("contractAddress")
    if receipt["status"] != 1 or not created:
        raise DeploymentError(f"deploying {artifact.name} reverted (tx {tx_hash.to_0x_hex()})")
    address = to_checksum_address(created)
    return w3.eth.contract(address=address, abi=artifact.abi), receipt


def manifest_path(chain_id: int, directory: Path | None = None) -> Path:
    return (directory or project_root() / "deployments") / f"{chain_id}.json"


def _settings_of(admin: str, treasury: str, params: Mapping[str, int]) -> dict[str, Any]:
    return {"admin": admin, "treasury": treasury, "params": dict(sorted(params.items()))}


def _reusable(
    chain: Chain,
    path: Path,
    specs: Sequence[ContractSpec],
    artifacts: Mapping[str, Artifact],
    settings: Mapping[str, Any],
) -> dict[str, Contract] | None:
    """The manifest's contracts, if it describes this suite as built now and the chain has them."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("chain_id") != chain.chain_id:
        return None
    if manifest.get("settings") != settings:
        return None
    recorded = manifest.get("contracts", {})
    if manifest.get("order") != [s.name for s in specs]:
        return None
    contracts = {}
    for spec in specs:
        entry = recorded[spec.name]
        artifact = artifacts[spec.name]
        if entry.get("artifact_hash") != _code_hash(artifact.deployed_bytecode):
            return None
        address = to_checksum_address(entry["address"])
        if _code_hash(chain.w3.eth.get_code(address)) != entry.get("code_hash"):
            return None
        contracts[spec.name] = chain.w3.eth.contract(address=address, abi=artifact.abi)
    return contracts


def deploy_suite(
    chain: Chain,
    artifacts: Mapping[str, Artifact] | None = None,
    *,
    admin: str | None = None,
    treasury: str | None = None,
    deployer: str | None = None,
    params: Mapping[str, int] | None = None,
    specs: Sequence[ContractSpec] = SUITE,
    manifest_dir: Path | None = None,
    reuse: bool = True,
    write_manifest: bool | None = None,
    log: Callable[[str], None] | None = None,
    arbitrators: Sequence[str] = (),
) -> Deployment:
    """Deploy the suite (the contracts of `specs` that exist) and wire it together.

    admin defaults to the deployer, the deployer to the first account and the treasury to
    the second. The manifest is read and written for chains that outlive this process
    unless `write_manifest` says otherwise. `arbitrators` are registered with the
    arbitrator (by the admin) and, when they are an odd number, made its default panel:
    the panel of disputes created with empty extra data (see `setup_arbitrators`).
    """
    artifacts = artifacts if artifacts is not None else compile_contracts()
    say = log or (lambda _msg: None)
    accounts = chain.accounts
    deployer_addr = to_checksum_address(deployer or accounts[0])
    admin_addr = to_checksum_address(admin or deployer_addr)
    treasury_addr = to_checksum_address(treasury or accounts[1])
    all_params = {**DEFAULT_PARAMS, **(params or {})}
    present = [s for s in specs if s.name in artifacts and artifacts[s.name].deployable]
    missing = [s.name for s in specs if s not in present]
    if missing:
        say(f"not compiled yet, skipped: {', '.join(missing)}")
    if not present:
        raise DeploymentError("none of the suite's contracts is compiled; is contracts/ empty?")

    chain_id = chain.chain_id
    # a chain this process started (eth-tester, --chain anvil) dies with it: its manifest would
    # overwrite the record of a lasting node with the same chain id (a `tradelane node`)
    persist = chain.persistent if write_manifest is None else write_manifest
    path = manifest_path(chain_id, manifest_dir)
    settings = _settings_of(admin_addr, treasury_addr, all_params)
    if persist and reuse and (existing := _reusable(chain, path, present, artifacts, settings)):
        say(f"reused the deployment in {path}")
        reused = Deployment(
            chain_id, existing, deployer_addr, admin_addr, treasury_addr, all_params, True, path
        )
        setup_arbitrators(chain, reused, arbitrators, log=say)
        return reused

    nonce = chain.w3.eth.get_transaction_count(deployer_addr, "pending")
    predicted = {s.name: create_address(deployer_addr, nonce + i) for i, s in enumerate(present)}
    ctx = DeployContext(admin_addr, treasury_addr, deployer_addr, all_params, predicted)
    contracts: dict[str, Contract] = {}
    gas: dict[str, int] = {}
    receipts: dict[str, Any] = {}
    for spec in present:
        args = list(spec.args(ctx))
        contract, receipts[spec.name] = _deploy(
            chain, artifacts[spec.name], args, sender=deployer_addr
        )
        gas[spec.name] = int(receipts[spec.name]["gasUsed"])
        if contract.address != predicted[spec.name]:
            raise DeploymentError(
                f"{spec.name} landed at {contract.address}, not the predicted "
                f"{predicted[spec.name]}: did another transaction from {deployer_addr} interleave?"
            )
        contracts[spec.name] = contract
        say(f"deployed {spec.name} at {contract.address} ({gas[spec.name]:,} gas)")

    deployment = Deployment(
        chain_id, contracts, deployer_addr, admin_addr, treasury_addr, all_params, False, None, gas
    )
    if persist:
        write_json_atomic(
            path,
            {
                "format": MANIFEST_FORMAT,
                "chain_id": chain_id,
                "deployer": deployer_addr,
                "order": list(contracts),
                "settings": settings,
                "deployed_at": int(time.time()),
                "block": chain.w3.eth.block_number,
                "compiler": {"solc": SOLC_VERSION, "settings": compiler_settings()},
                "contracts": {
                    name: {
                        "address": c.address,
                        "block": int(receipts[name]["blockNumber"]),
                        "tx": receipts[name]["transactionHash"].to_0x_hex(),
                        "code_hash": _code_hash(chain.w3.eth.get_code(c.address)),
                        "artifact_hash": _code_hash(artifacts[name].deployed_bytecode),
                        "source": artifacts[name].source,
                        "solc": artifacts[name].solc_version,
                    }
                    for name, c in contracts.items()
                },
            },
        )
        deployment.manifest = path
        say(f"wrote {path}")
    setup_arbitrators(chain, deployment, arbitrators, log=say)
    return deployment


def setup_arbitrators(
    chain: Chain,
    deployment: Deployment,
    arbitrators: Sequence[str],
    *,
    log: Callable[[str], None] | None = None,
) -> None:
    """Register `arbitrators` (those not registered yet) with the suite's DisputeArbitration,
    from its admin, and make them its default panel when they are an odd number and it has
    none yet (the default panel is set once). Nothing to do for an empty list."""
    if not arbitrators or "DisputeArbitration" not in deployment:
        return
    say = log or (lambda _msg: None)
    arbitration = deployment["DisputeArbitration"]
    members = [to_checksum_address(a) for a in arbitrators]
    for member in members:
        if not arbitration.functions.isArbitrator(member).call():
            _transact(chain, arbitration.functions.registerArbitrator(member), deployment.admin)
            say(f"registered arbitrator {member}")
    if len(members) % 2 == 1 and not arbitration.functions.defaultPanel().call():
        _transact(chain, arbitration.functions.setDefaultPanel(members), deployment.admin)
        say(f"default panel: {', '.join(members)}")


def _transact(chain: Chain, fn: Any, sender: str) -> None:
    """Sends one call from `sender` (the chain's signer when it holds the key)."""
    signer = chain.signer
    try:
        if signer is not None and signer.holds(sender):
            data = fn._encode_transaction_data()
            tx_hash, receipt = signer.send({"from": sender, "to": fn.address, "data": data})
        else:
            tx_hash = fn.transact({"from": sender})
            receipt = chain.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    except TradelaneError as exc:
        raise DeploymentError(f"{fn.fn_name} failed: {exc}") from None
    except Exception as exc:
        raise DeploymentError(f"{fn.fn_name} failed: {exc}") from exc
    if receipt["status"] != 1:
        raise DeploymentError(f"{fn.fn_name} reverted (tx {tx_hash.to_0x_hex()})")
