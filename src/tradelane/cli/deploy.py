"""`tradelane compile` (contracts/ into build/) and `tradelane deploy` (the suite on a chain)."""

from __future__ import annotations

import json
import time

import click
from rich.table import Table

from tradelane.cli.options import (
    NetworkOptions,
    _check_address,
    _check_ether,
    _check_fee,
    _check_ruling_period,
    chain_option,
    checked,
    network_options,
)
from tradelane.cli.session import _chain, _console, setup_network
from tradelane.manifest import read_manifest


@click.command()
@click.option("--force", is_flag=True, help="Recompile even if build/ is up to date.")
def compile(force: bool) -> None:
    """Compile contracts/ into build/ with the pinned solc."""
    from tradelane.compiler import compile_contracts, find_solc

    solc = find_solc()
    started = time.perf_counter()
    compiled: list[int] = []

    def say(sources: int) -> None:
        compiled.append(sources)
        click.echo(
            f"compiling {sources} source files with solc {solc.base_version} ({solc.kind}); "
            "via-IR takes a while (about 15 s)...",
            err=True,
        )

    artifacts = compile_contracts(force=force, solc=solc, on_compile=say)
    elapsed = time.perf_counter() - started
    deployable = sorted(n for n, a in artifacts.items() if a.deployable)
    how = f"in {elapsed:.2f}s" if compiled else "(cached: the sources have not changed)"
    click.echo(
        f"{len(artifacts)} contracts ({len(deployable)} deployable) in build/ "
        f"with solc {solc.base_version} ({solc.kind}: {solc.path}) {how}"
    )


@click.command()
@chain_option
@click.option(
    "--arbitration-cost",
    default="0.01 ETH",
    show_default=True,
    help="Per dispute.",
    callback=checked(_check_ether("the arbitration cost is paid")),
)
@click.option(
    "--ruling-period",
    default="14d",
    show_default=True,
    help="Panel deadline (at most 365d).",
    callback=checked(_check_ruling_period),
)
@click.option(
    "--fee",
    default=None,
    help="Platform fee to set, e.g. 1% (at most 2%).",
    callback=checked(_check_fee),
)
@click.option("--fresh", is_flag=True, help="Deploy anew even if the manifest matches.")
@click.option(
    "--treasury",
    help="Where platform fees go (default: the deploying account).",
    callback=checked(_check_address),
)
@click.option("--json", "as_json", is_flag=True, help="Print the deployment as JSON.")
@network_options
def deploy(
    target: str,
    arbitration_cost: str,
    ruling_period: str,
    fee: str | None,
    fresh: bool,
    treasury: str | None,
    as_json: bool,
    net: NetworkOptions,
) -> None:
    """Deploy and wire the suite; chains that outlive the run get deployments/<chainId>.json."""
    from tradelane.amounts import parse_amount, parse_duration
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.deploy import deploy_suite, manifest_path

    out = _console()
    artifacts = compile_contracts()
    params = {
        "arbitration_cost": parse_amount(arbitration_cost).to_units(18),
        "ruling_period": parse_duration(ruling_period),
    }
    with _chain(target) as chain:
        logs: list[str] = []
        signer = setup_network(chain, net)
        deployer = signer.default if signer is not None else None
        if chain.persistent:  # refuses a manifest recorded for another chain id
            read_manifest(manifest_path(chain.chain_id, net.manifest_dir), chain.chain_id)
        deployment = deploy_suite(
            chain,
            artifacts,
            params=params,
            reuse=not fresh,
            log=logs.append,
            deployer=deployer,
            treasury=treasury or deployer,
            manifest_dir=net.manifest_dir,
        )
        if fee is not None:
            TradeClient(chain, deployment, artifacts=artifacts).set_fee(fee)
        info = {
            "chain": chain.describe(),
            "chain_used": chain.used,
            "chain_id": deployment.chain_id,
            "reused": deployment.reused,
            "manifest": str(deployment.manifest) if deployment.manifest else None,
            "admin": deployment.admin,
            "treasury": deployment.treasury,
            "params": deployment.params,
            "contracts": deployment.addresses,
            "gas": deployment.gas_used,
        }
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        for line in logs:
            out.print(f"[dim]{line}[/dim]")
        table = Table(
            title=f"Tradelane on {chain.describe()} (chain id {deployment.chain_id})",
            title_justify="left",
            header_style="bold",
        )
        table.add_column("contract")
        table.add_column("address")
        table.add_column("gas", justify="right")
        for name, address in deployment.addresses.items():
            gas = deployment.gas_used.get(name)
            table.add_row(name, address, f"{gas:,}" if gas else "reused")
        out.print(table)
        out.print(f"operator {deployment.admin}, treasury {deployment.treasury}")
        out.print(f"[dim]chain: {chain.used}[/dim]")
        if chain.kind != "rpc":
            out.print("[dim]this chain ends with the command; use --chain URL to keep it[/dim]")


__all__ = ["compile", "deploy"]
