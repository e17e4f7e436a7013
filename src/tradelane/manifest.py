"""A suite's deployment manifest (deployments/<chainId>.json) read back: checked against the
chain and loaded as a Deployment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradelane.errors import ChainError, DeploymentError, TradelaneError


def read_manifest(path: Path, chain_id: int) -> dict[str, Any] | None:
    """The manifest at `path`, None if there is none; an error when it is for another chain."""
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DeploymentError(f"cannot read {path}: {exc}") from None
    recorded = manifest.get("chain_id")
    if recorded != chain_id:
        raise ChainError(
            f"{path} is for chain id {recorded}, but the node reports chain id {chain_id}: "
            "wrong --chain URL or wrong manifest"
        )
    return manifest


def check_on_chain(chain: Any, manifest: dict[str, Any], path: Path) -> None:
    """Every contract of the manifest has its recorded code on the chain."""
    from eth_utils import keccak, to_checksum_address

    for name, entry in manifest.get("contracts", {}).items():
        code = bytes(chain.w3.eth.get_code(to_checksum_address(entry["address"])))
        if "0x" + keccak(code).hex() != entry.get("code_hash"):
            raise DeploymentError(
                f"{name} is not at {entry['address']} on chain {chain.chain_id} as {path} "
                "records (a reset chain?): run tradelane deploy --fresh"
            )


def first_block(manifest: dict[str, Any]) -> int:
    blocks = [int(e["block"]) for e in manifest.get("contracts", {}).values() if "block" in e]
    return min(blocks) if blocks else 0


def load_deployment(chain: Any, artifacts: Any, path: Path | None = None) -> Any:
    """The deployment recorded in `path` (default: deployments/<chainId>.json)."""
    from eth_utils import to_checksum_address

    from tradelane.deploy import Deployment, manifest_path

    path = path or manifest_path(chain.chain_id)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise TradelaneError(
            f"no deployment manifest for chain {chain.chain_id} ({path}): "
            "run tradelane deploy --chain URL"
        ) from None
    contracts = {
        name: chain.w3.eth.contract(
            address=to_checksum_address(entry["address"]), abi=artifacts[name].abi
        )
        for name, entry in manifest["contracts"].items()
    }
    settings = manifest.get("settings", {})
    return Deployment(
        chain.chain_id,
        contracts,
        to_checksum_address(manifest["deployer"]),
        to_checksum_address(settings.get("admin", manifest["deployer"])),
        to_checksum_address(settings.get("treasury", manifest["deployer"])),
        dict(settings.get("params", {})),
        True,
        path,
    )


__all__ = ["check_on_chain", "first_block", "load_deployment", "read_manifest"]
