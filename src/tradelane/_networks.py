"""Which chain a command runs on: `--chain`, `--network NAME`, `$ETH_RPC_URL`, or eth-tester.

Named networks live in `tradelane.toml` (or `[tool.tradelane]` in pyproject.toml) at the
project's root, as forge's `[rpc_endpoints]` and ape's networks do:

    [networks.sepolia]
    url = "https://sepolia.example/rpc"    # or url_env = "SEPOLIA_RPC_URL"
    chain_id = 11155111                    # checked against the node
    key_env = "DEPLOYER_KEY"               # or keystore = "~/.foundry/keystores/deployer"
    confirmations = 2

Built in: `eth-tester`, `anvil`, and ape's names for them (`ethereum:local:test`,
`ethereum:local:foundry`). Without `--chain` or `--network`, `$ETH_RPC_URL` is used when set,
as forge and cast do.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradelane.errors import SetupError

RPC_URL_ENV = "ETH_RPC_URL"
#: ape's network choices for the two local chains, and short forms of them.
APE_LOCAL = {
    "ethereum:local:test": "eth-tester",
    "ethereum:local": "eth-tester",
    "::test": "eth-tester",
    "local": "eth-tester",
    "ethereum:local:foundry": "anvil",
    "::foundry": "anvil",
    "foundry": "anvil",
}


class NetworkConfigError(SetupError):
    """tradelane.toml (or [tool.tradelane]) is malformed, or names no such network (exit 2)."""


@dataclass(frozen=True)
class Network:
    name: str
    target: str  # eth-tester, anvil or a URL
    chain_id: int | None = None
    key_env: str | None = None
    keystore: str | None = None
    confirmations: int | None = None
    source: str = ""  # where it came from, for "chain: ... (from ...)"


def config_file(root: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The project's tradelane settings: the nearest tradelane.toml, or pyproject.toml with a
    [tool.tradelane] table, from the working folder up (else the project's root)."""
    from tradelane._settings import project_root

    here = (root or Path.cwd()).resolve()
    for folder in (here, *here.parents, project_root()):
        own = folder / "tradelane.toml"
        if own.is_file():
            return own, _read(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _read(pyproject).get("tool", {}).get("tradelane")
            if isinstance(section, dict):
                return pyproject, section
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NetworkConfigError(f"{path}: not valid TOML: {exc}") from None


def named_networks(root: Path | None = None) -> dict[str, Network]:
    found = config_file(root)
    if found is None:
        return {}
    path, config = found
    raw = config.get("networks", {})
    if not isinstance(raw, dict):
        raise NetworkConfigError(f"{path}: networks is a table of [networks.NAME] tables")
    networks = {}
    for name, spec in raw.items():
        networks[name] = _network(path, name, spec)
    return networks


def _network(path: Path, name: str, spec: Any) -> Network:
    where = f"{path}: network {name!r}"
    if not isinstance(spec, dict):
        raise NetworkConfigError(f"{where}: give url, chain_id, key_env or keystore")
    known = {"url", "url_env", "chain_id", "key_env", "keystore", "confirmations"}
    for key in spec:
        if key not in known:
            raise NetworkConfigError(f"{where}: unknown field {key!r}; one of {sorted(known)}")
    url = spec.get("url")
    if url is None and (env := spec.get("url_env")):
        url = os.environ.get(str(env))
        if not url:
            raise NetworkConfigError(f"{where}: ${env} (its url_env) is not set")
    if not isinstance(url, str) or not (
        url in ("eth-tester", "anvil") or url.startswith(("http://", "https://", "ws://", "wss://"))
    ):
        raise NetworkConfigError(f"{where}: url must be an http(s)/ws(s) URL, not {url!r}")
    chain_id = spec.get("chain_id")
    if chain_id is not None and (not isinstance(chain_id, int) or chain_id <= 0):
        raise NetworkConfigError(f"{where}: chain_id is a positive whole number")
    confirmations = spec.get("confirmations")
    if confirmations is not None and (not isinstance(confirmations, int) or confirmations < 1):
        raise NetworkConfigError(f"{where}: confirmations is a whole number, at least 1")
    keystore = spec.get("keystore")
    return Network(
        name,
        url,
        chain_id,
        spec.get("key_env"),
        str(Path(keystore).expanduser()) if keystore else None,
        confirmations,
        f"network {name} in {path.name}",
    )


def resolve(chain: str | None, network: str | None) -> Network:
    """The chain to use: --network NAME, else --chain, else $ETH_RPC_URL, else eth-tester."""
    if network is not None and chain is not None:
        raise NetworkConfigError("give --chain or --network, not both")
    if network is not None:
        networks = named_networks()
        if network in networks:  # the project's own names win over the built-in ones
            return networks[network]
        if network in APE_LOCAL:
            return Network(network, APE_LOCAL[network], source=f"network {network}")
        if network in ("eth-tester", "anvil"):
            return Network(network, network, source=f"network {network}")
        if network.startswith(("http://", "https://", "ws://", "wss://")):
            return Network(network, network, source="--network URL")
        if network not in networks:
            names = ", ".join(sorted(networks)) or "none yet"
            raise NetworkConfigError(
                f"no network named {network!r} (configured: {names}; built in: eth-tester, "
                "anvil): add [networks." + network + "] with its url to tradelane.toml"
            )
        return networks[network]
    if chain is not None:
        return Network(chain, chain, source="--chain")
    if url := os.environ.get(RPC_URL_ENV, "").strip():
        return Network(RPC_URL_ENV, url, source=f"${RPC_URL_ENV}")
    return Network("eth-tester", "eth-tester", source="the default")


__all__ = ["APE_LOCAL", "Network", "NetworkConfigError", "named_networks", "resolve"]
