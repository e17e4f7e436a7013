"""Every option the `tradelane` commands share, and the checks of their values: --chain and
--network, the real-network options, an order named by --order, and InputError.

Keys never come from the command line: `--key-env VAR` names the environment variable
holding one, `--keystore PATH` an encrypted keystore whose password is in
`$TRADELANE_PASSWORD` (or asked for on a terminal). Neither is printed or written.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from tradelane.errors import TradelaneError

F = TypeVar("F", bound=Callable[..., Any])

PASSWORD_ENV = "TRADELANE_PASSWORD"

CHAIN_HELP = "eth-tester (embedded, default), anvil (a local Anvil started for the run) or a URL."


class InputError(TradelaneError):
    """What the user asked for cannot be done on this chain (exit 2)."""

    exit_code = 2


# ---------------------------------------------------------------------------- checks


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


def _check_ether(what: str, positive: bool = False) -> Any:
    """A check that a value is an amount of ether (`what` names it in the error)."""

    def check(value: str) -> None:
        from tradelane.amounts import parse_amount

        amount = parse_amount(value)
        if amount.symbol not in (None, "ETH"):
            raise ValueError(f"{what} in ETH, not {amount.symbol}")
        if positive and amount.to_units(18) <= 0:
            raise ValueError(
                f"{value!r}: every party pays the gas of its own steps; give it some ether, "
                "like 0.05ETH"
            )
        amount.to_units(18)

    return check


def _check_ruling_period(value: str) -> None:
    from tradelane.scenario import RULING_PERIOD_BOUNDS, check_bounds

    check_bounds("the ruling period", RULING_PERIOD_BOUNDS)(value)


def _check_fee(value: str) -> None:
    from tradelane.scenario import check_fee

    check_fee(value)


def _check_address(value: str) -> None:
    from eth_utils import is_address

    if not is_address(value):
        raise ValueError(f"not an address: {value!r} (write it as 0x followed by 40 hex digits)")
    if int(value, 16) == 0:
        raise ValueError(
            "the zero address cannot receive fees (the escrow refuses it): give the "
            "treasury's address"
        )


def _check_chain(value: str) -> None:
    if value not in ("eth-tester", "anvil") and not value.startswith(
        ("http://", "https://", "ws://", "wss://")
    ):
        raise ValueError(f"unknown chain {value!r}: use eth-tester, anvil or an http(s)/ws(s) URL")


# ---------------------------------------------------------------------------- --chain, --network


def _set_rpc_timeout(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    try:
        seconds = float(value.removesuffix("s"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number of seconds, like 10 or 2.5") from None
    if not 0 < seconds <= 3600:
        raise click.BadParameter(f"{value!r}: give 0 < seconds <= 3600")
    os.environ["TRADELANE_RPC_TIMEOUT"] = str(seconds)


#: `--rpc-timeout`: how long to wait for a node's answer (sets $TRADELANE_RPC_TIMEOUT).
rpc_timeout_option = click.option(
    "--rpc-timeout",
    metavar="SECONDS",
    expose_value=False,
    callback=_set_rpc_timeout,
    help="Seconds to wait for a node's answer before giving up (default 15; "
    "$TRADELANE_RPC_TIMEOUT).",
)


def _complete_network(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of --network: the project's named networks, then the built-in ones."""
    from tradelane._networks import APE_LOCAL, named_networks

    try:
        names = list(named_networks())
    except TradelaneError:
        names = []
    names += ["eth-tester", "anvil", *(n for n in APE_LOCAL if ":" in n and n[0] != ":")]
    return [n for n in names if n.startswith(incomplete)]


#: The network the running command resolved (--network, --chain, $ETH_RPC_URL, default).
_resolved: list[Any] = []


def chain_option(fn: Any = None, *, optional: bool = False) -> Any:
    """`--chain`, `--network NAME` and `--rpc-timeout`, shared by run, demo, deploy and order.

    The command receives `target` (eth-tester, anvil or a URL; None for an `optional` one
    given nothing); a named network's key and confirmations fill in the network options
    the user did not give."""
    if fn is None:
        return functools.partial(chain_option, optional=optional)

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        from tradelane._networks import resolve

        resolved = resolve(kwargs.pop("target"), kwargs.pop("network"))
        try:
            _check_chain(resolved.target)
        except ValueError as exc:
            raise click.BadParameter(f"{exc} (from {resolved.source})") from None
        _resolved[:] = [resolved]
        kwargs["target"] = (
            None if optional and resolved.source == "the default" else resolved.target
        )
        if "key_env" in kwargs and not kwargs["key_env"] and not kwargs.get("keystore"):
            kwargs["key_env"], kwargs["keystore"] = resolved.key_env, resolved.keystore
        ctx = click.get_current_context()
        if (
            "confirmations" in kwargs
            and resolved.confirmations is not None
            and ctx.get_parameter_source("confirmations") == click.core.ParameterSource.DEFAULT
        ):
            kwargs["confirmations"] = resolved.confirmations
        return fn(**kwargs)

    decorated: Any = rpc_timeout_option(wrapper)
    decorated = click.option(
        "--network",
        metavar="NAME",
        shell_complete=_complete_network,
        help="A network named in tradelane.toml or [tool.tradelane] (url, chain id, key, "
        "confirmations), or eth-tester / anvil / ape's ethereum:local:test.",
    )(decorated)
    return click.option(
        "--chain",
        "target",
        default=None,
        help=CHAIN_HELP + " Default: $ETH_RPC_URL when set, else eth-tester.",
    )(decorated)


def optional_chain_option(fn: F) -> F:
    """chain_option for a command that may run without a chain given (order)."""
    return chain_option(fn, optional=True)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- real networks


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


# ---------------------------------------------------------------------------- files and orders


def check_output_path(option: str, path: str | None) -> None:
    """An output file's folder must exist and be writable: found before anything runs."""
    if path is None:
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise click.BadParameter(
            f"{path}: folder {folder} does not exist (create it first)", param_hint=option
        )
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"{path}: cannot write in {folder}", param_hint=option)


def events_option(fn: Any) -> Any:
    return click.option(
        "--events",
        "events_dir",
        type=click.Path(file_okay=False),
        envvar="TRADELANE_EVENTS",
        help="Folder of the imported events kept per order (default events/).",
    )(fn)


def order_source_options(fn: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--order",
                "order_ref",
                required=True,
                help="An order id (with --chain) or a scenario's order name (with --scenario).",
            ),
            click.option(
                "--chain", "target", default=None, help="A JSON-RPC URL with a deployed suite."
            ),
            click.option(
                "--scenario",
                type=click.Path(exists=True, dir_okay=False),
                help="Run this scenario on eth-tester first; --order may then name its order.",
            ),
            click.option(
                "--manifest",
                type=click.Path(exists=True, dir_okay=False),
                help="The deployment manifest (default: deployments/<chainId>.json).",
            ),
        ]
    ):
        fn = option(fn)
    return fn
