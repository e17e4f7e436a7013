"""The CLI's options for real networks (`--key-env`, `--keystore`, fees, confirmations,
retries, where manifests live) and what `run`, `deploy` and `order` do with them.

Keys never come from the command line: `--key-env VAR` names the environment variable
holding one, `--keystore PATH` an encrypted keystore whose password is in
`$TRADELANE_PASSWORD` (or asked for on a terminal). Neither is printed or written.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from tradelane.errors import ChainError, DeploymentError, TradelaneError

F = TypeVar("F", bound=Callable[..., Any])

PASSWORD_ENV = "TRADELANE_PASSWORD"


class InputError(TradelaneError):
    """What the user asked for cannot be done on this chain (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class NetworkOptions:
    key_env: str | None
    keystore: str | None
    max_fee: str | None
    priority_fee: str | None
    confirmations: int
    retries: int
    deployments: str | None

    @property
    def has_key(self) -> bool:
        return bool(self.key_env or self.keystore)

    @property
    def manifest_dir(self) -> Path | None:
        return Path(self.deployments) if self.deployments else None


def network_options(fn: F) -> F:
    """Add the real-network options; the command receives them as `net: NetworkOptions`."""
    return _network_options(fn, signing=True)


def read_network_options(fn: F) -> F:
    """network_options for a command that reads: the signing and fee options stay accepted
    (a script may pass them) but are left out of --help."""
    return _network_options(fn, signing=False)


def _network_options(fn: F, signing: bool) -> F:
    hidden = not signing
    options = [
        click.option(
            "--key-env",
            hidden=hidden,
            metavar="VAR",
            help="Environment variable holding the private key that deploys and pays.",
        ),
        click.option(
            "--keystore",
            hidden=hidden,
            type=click.Path(exists=True, dir_okay=False),
            help=f"Encrypted keystore with that key (password: ${PASSWORD_ENV} or a prompt).",
        ),
        click.option(
            "--max-fee",
            hidden=hidden,
            metavar="GWEI",
            help="maxFeePerGas (default 2 x base + tip).",
            callback=checked(_gwei),
        ),
        click.option(
            "--priority-fee",
            hidden=hidden,
            metavar="GWEI",
            help="maxPriorityFeePerGas (default the node's).",
            callback=checked(_gwei),
        ),
        click.option(
            "--confirmations",
            hidden=hidden,
            type=click.IntRange(1),
            default=1,
            show_default=True,
            help="Blocks a transaction must have before the next step.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(0),
            default=4,
            show_default=True,
            help="Retries (with backoff) of an RPC request that failed transiently.",
        ),
        click.option(
            "--deployments",
            type=click.Path(file_okay=False),
            envvar="TRADELANE_DEPLOYMENTS",
            help="Folder of the <chainId>.json manifests (default deployments/); it must exist "
            "unless --create-deployments (or deploy --fresh) says to create it.",
        ),
        click.option(
            "--create-deployments",
            is_flag=True,
            help="Create the --deployments folder if it does not exist.",
        ),
    ]

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        create = kwargs.pop("create_deployments")
        folder = kwargs.get("deployments")
        if folder and not Path(folder).is_dir():
            if Path(folder).exists():
                raise click.BadParameter(f"{folder} is not a folder", param_hint="--deployments")
            if not (create or kwargs.get("fresh")):
                # a typo here would deploy a whole new suite (about 7.7M gas) and record it
                # where nothing else looks
                raise click.BadParameter(
                    f"folder {folder} does not exist: check the path, or say "
                    "--create-deployments to start a new one there",
                    param_hint="--deployments",
                )
            Path(folder).mkdir(parents=True, exist_ok=True)
        net = NetworkOptions(
            kwargs.pop("key_env"),
            kwargs.pop("keystore"),
            kwargs.pop("max_fee"),
            kwargs.pop("priority_fee"),
            kwargs.pop("confirmations"),
            kwargs.pop("retries"),
            kwargs.pop("deployments"),
        )
        return fn(net=net, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def checked(check: Callable[[Any], Any]) -> Any:
    """A click callback: `check(value)` must not raise ValueError, else the option is a usage
    error (one line naming the option, exit 2) before anything is compiled or sent."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            check(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        return value

    return callback


def _gwei(value: str) -> int:
    from tradelane.network import gwei  # imported on use: it brings web3

    return gwei(value)


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


__all__ = [
    "InputError",
    "NetworkOptions",
    "check_funds",
    "check_on_chain",
    "first_block",
    "load_key",
    "network_options",
    "read_manifest",
    "refuse_time_travel",
    "setup_network",
]
