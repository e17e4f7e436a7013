"""Where `tradelane explorer` and `tradelane report` take their data from, opened and filled.

- `--scenario FILE...`: the scenarios run on an embedded chain (eth-tester, or `--chain
  anvil`) first, each on its own suite; every suite is indexed and served.
- `--chain URL`: the suite of that chain's deployment manifest (deployments/<chainId>.json,
  or `--manifest`), indexed from its deployment block, then followed.
- `--db URL` alone: a database indexed earlier, served as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from tradelane.cli.options import InputError
from tradelane.explorer.scenarios import run_scenarios, save_names
from tradelane.manifest import check_on_chain, first_block, load_deployment, read_manifest

#: Chains where blocks are final as mined (the toolkit's own, and local dev nodes).
DEV_CHAIN_IDS = (31337, 1337)
REAL_NETWORK_CONFIRMATIONS = 6


def read_names(path: str) -> dict[str, str]:
    """An address book: YAML `0xADDRESS: name` lines."""
    import yaml
    from eth_utils import is_address, to_checksum_address

    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"cannot read names file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"names file {path} is not YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"names file {path}: write one `0xADDRESS: name` per line")
    names: dict[str, str] = {}
    for key, value in data.items():
        address = str(key) if not isinstance(key, int) else hex(key)
        if not is_address(address):
            raise InputError(
                f"names file {path}: {address!r} is not an address (0x followed by 40 hex "
                "digits; quote it so YAML keeps it as text)"
            )
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise InputError(f"names file {path}: give {address} a name")
        names[to_checksum_address(address)] = str(value).strip()
    return names


@dataclass
class Source:
    """What the commands serve or report: the database, and the indexer when a chain feeds it."""

    store: Any
    indexer: Any = None
    chain: Any = None
    failed: list[str] = field(default_factory=list)


def _default_db(name: str) -> Path:
    from tradelane._settings import project_root

    folder = project_root() / "build"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _fresh_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextlib.contextmanager
def open_source(
    *,
    scenarios: Sequence[str],
    target: str | None,
    db_url: str | None,
    confirmations: int | None,
    manifest: str | None,
    deployments: str | None,
    memory_for_scenarios: bool,
    say: Any,
) -> Iterator[Source]:
    """Open the database and fill it from the scenarios or the chain (see the module's
    docstring); everything is closed on leaving."""
    from tradelane.explorer import Indexer
    from tradelane.explorer.db import open_store, sqlite_url

    loaded = _load_scenarios(scenarios)
    if loaded and target not in (None, "eth-tester", "anvil"):
        raise InputError(
            "--scenario runs on an embedded chain (eth-tester or anvil); to explore a network, "
            "run the scenarios there with tradelane run, then give --chain URL alone"
        )
    if not loaded and target in ("eth-tester", "anvil"):
        raise InputError(
            f"nothing to index on a fresh {target}: give --scenario FILE, or --chain URL of a "
            "node with a deployed suite"
        )
    if not loaded and target is None and db_url is None:
        raise click.UsageError(
            "give --scenario FILE, --chain URL or --db URL (an index made earlier)"
        )
    if loaded:
        if db_url is None:
            if memory_for_scenarios:
                db_url = "sqlite://"
            else:  # the embedded chain is new at every start: so is its index
                path = _default_db("explorer-scenarios.db")
                _fresh_sqlite(path)
                db_url = sqlite_url(path)
            store = open_store(db_url)
        else:
            store = open_store(db_url)
            if not store.is_empty():
                store.close()
                raise InputError(
                    f"database {store.label} already holds an index: --scenario needs an empty "
                    "one (its chain is new at every start): give another --db"
                )
    elif target is None:
        assert db_url is not None
        store = open_store(db_url)
        if store.is_empty():
            store.close()
            raise InputError(
                f"database {store.label} holds no index yet: give --chain URL or --scenario FILE"
            )
    else:
        store = None  # opened once the chain id is known (the default file is per chain)
    try:
        if not loaded and target is None:
            yield Source(store)
            return
        from tradelane.chain import connect
        from tradelane.compiler import compile_contracts

        artifacts = compile_contracts()
        with connect(target or "eth-tester") as chain:
            names: dict[str, tuple[str, str]] = {}
            failed: list[str] = []
            if loaded:
                clients, labels = run_scenarios(loaded, chain, artifacts, names, failed, say)
            else:
                clients, labels = [_network_client(chain, artifacts, manifest, deployments)], []
                for address, name in clients[0].names.items():
                    names[address] = (name, "deployment")
                if store is None:
                    url = db_url or sqlite_url(_default_db(f"explorer-{chain.chain_id}.db"))
                    store = open_store(url)
            assert store is not None
            if confirmations is None:
                confirmations = (
                    0
                    if chain.kind != "rpc" or chain.chain_id in DEV_CHAIN_IDS
                    else REAL_NETWORK_CONFIRMATIONS
                )
            indexer = Indexer(store, clients, confirmations=confirmations)
            save_names(store, names, labels)
            yield Source(store, indexer, chain, failed)
    finally:
        if store is not None:
            store.close()


def _load_scenarios(files: Sequence[str]) -> list[Any]:
    from tradelane.scenario import ScenarioInvalid, load_scenario

    loaded, problems = [], []
    for file in dict.fromkeys(files):
        try:
            loaded.append(load_scenario(file))
        except ScenarioInvalid as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("invalid scenario: " + "; ".join(problems))
    return loaded


def _network_client(
    chain: Any, artifacts: Any, manifest: str | None, deployments: str | None
) -> Any:
    from tradelane.client import TradeClient
    from tradelane.deploy import manifest_path

    path = (
        Path(manifest)
        if manifest
        else manifest_path(chain.chain_id, Path(deployments) if deployments else None)
    )
    recorded = read_manifest(path, chain.chain_id)
    if recorded is None:
        raise InputError(
            f"no deployment manifest for chain {chain.chain_id} at {path}: give --manifest "
            "FILE, or deploy with tradelane deploy --chain URL"
        )
    check_on_chain(chain, recorded, path)
    deployment = load_deployment(chain, artifacts, path)
    # No key is added: the explorer reads and never sends.
    return TradeClient(chain, deployment, artifacts=artifacts, from_block=first_block(recorded))


__all__ = [
    "DEV_CHAIN_IDS",
    "REAL_NETWORK_CONFIRMATIONS",
    "Source",
    "open_source",
    "read_names",
]
