"""What a command works with: its console, the chain it connects to (as --chain or --network
resolved it) and, on a real network, the account that pays."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from tradelane.cli.options import PASSWORD_ENV, InputError, NetworkOptions, _resolved
from tradelane.errors import ChainError
from tradelane.manifest import check_on_chain, load_deployment, read_manifest


def console_width(stream: Any = None) -> int | None:
    """The columns to lay out for: $COLUMNS when set, the terminal's own on a terminal, else
    150 (pipes and logs: wide enough for the tables in one row each)."""
    stream = stream or sys.stdout
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 40:
        return int(columns)
    return None if stream.isatty() else 150


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    return Console(stderr=err, highlight=False, soft_wrap=False, width=console_width(stream))


@contextmanager
def _chain(target: str) -> Iterator[Any]:
    """Connect and check a named network's chain id; `chain.used` says which chain it is and
    where that came from (for each command's output)."""
    from tradelane.chain import connect

    resolved = _resolved[0] if _resolved else None
    with connect(target) as chain:
        chain_id = chain.chain_id
        if resolved is not None and resolved.chain_id and resolved.chain_id != chain_id:
            raise ChainError(
                f"{resolved.source} expects chain id {resolved.chain_id}, but {chain.describe()} "
                f"reports {chain_id}: wrong url in the config, or the wrong network"
            )
        source = f", from {resolved.source}" if resolved is not None else ""
        chain.used = f"{chain.describe()} (chain id {chain_id}{source})"
        yield chain


# ---------------------------------------------------------------------------- real networks


def load_key(net: NetworkOptions) -> str | None:
    from tradelane.keys import KeyLoadError, key_from_env, key_from_keystore

    if net.key_env and net.keystore:
        raise KeyLoadError("give --key-env or --keystore, not both")
    if net.key_env:
        return key_from_env(net.key_env)
    if net.keystore:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                raise KeyLoadError(
                    f"no password for {net.keystore}: set ${PASSWORD_ENV} (no terminal to ask on)"
                )
            password = click.prompt(f"password for {net.keystore}", hide_input=True, err=True)
        return key_from_keystore(net.keystore, password)
    return None


def setup_network(chain: Any, net: NetworkOptions) -> Any:
    """Hold the key locally and sign with it (a Signer on the chain), or None without one."""
    from tradelane.network import TxPolicy, gwei, use_network

    key = load_key(net)
    policy = TxPolicy(  # the fees were checked as options
        max_fee=gwei(net.max_fee) if net.max_fee else None,
        priority_fee=gwei(net.priority_fee) if net.priority_fee else None,
        confirmations=net.confirmations,
        retries=net.retries,
    )
    if key is None:
        if chain.kind == "rpc" and not chain.accounts:
            raise InputError(
                f"{chain.describe()} has no unlocked accounts: give the key that pays with "
                "--key-env VAR or --keystore PATH"
            )
        return None
    return use_network(chain, key, policy)


def refuse_time_travel(chain: Any, scenarios: list[Any]) -> None:
    from tradelane.network import supports_time_travel
    from tradelane.scenario import WaitStep

    waiting = [s for s in scenarios if any(isinstance(step, WaitStep) for step in s.steps)]
    if waiting and not supports_time_travel(chain):
        names = ", ".join(Path(s.file).name for s in waiting)
        raise InputError(
            f"{names}: the scenario waits (a `wait:` step) and {chain.describe()} cannot "
            "travel in time (no evm_increaseTime); run it on eth-tester or anvil"
        )


def check_funds(chain: Any, signer: Any, scenarios: list[Any]) -> None:
    """The paying account can give every party of every scenario its ether."""
    from tradelane.amounts import parse_amount
    from tradelane.network import describe_balance

    need = 0
    for scenario in scenarios:
        for party in scenario.parties.values():
            if party.role != "operator":
                need += parse_amount(party.eth).to_units(18)
    have = signer.balance()
    if have < need:
        raise ChainError(
            f"insufficient funds: {signer.default} holds {describe_balance(have)}; the "
            f"scenarios give their parties {describe_balance(need)} (each party's `eth`) "
            "plus gas"
        )


def _existing_or_new(chain: Any, artifacts: Any, net: NetworkOptions, signer: Any) -> Any:
    """The suite of the chain's manifest (checked against the chain), or a new one deployed
    from the signer's account (without a key: the node's first unlocked account) and
    recorded."""
    from tradelane.deploy import deploy_suite, manifest_path

    operator = signer.default if signer is not None else chain.accounts[0]
    path = manifest_path(chain.chain_id, net.manifest_dir)
    if read_manifest(path, chain.chain_id) is not None:
        check_on_chain(chain, json.loads(path.read_text()), path)
        deployment = load_deployment(chain, artifacts, path)
    else:
        deployment = deploy_suite(
            chain,
            artifacts,
            deployer=operator,
            treasury=operator,
            manifest_dir=net.manifest_dir,
        )
    if signer is None:
        if deployment.admin not in chain.accounts:
            raise InputError(
                f"the suite in {path} is operated by {deployment.admin}, which "
                f"{chain.describe()} does not unlock: give the operator's key with --key-env "
                "or --keystore, or deploy your own with tradelane deploy --fresh"
            )
    elif deployment.admin != signer.default:
        raise InputError(
            f"the suite in {path} is operated by {deployment.admin}, not by the key given "
            f"({signer.default}): give the operator's key, or deploy your own with "
            "tradelane deploy --fresh"
        )
    return deployment


__all__ = [
    "check_funds",
    "console_width",
    "load_key",
    "refuse_time_travel",
    "setup_network",
]
