"""`tradelane node`: a local Anvil with funded dev accounts until Ctrl-C."""

from __future__ import annotations

import time

import click

from tradelane.errors import TradelaneError


@click.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8545,
    show_default=True,
    help="Port to listen on.",
)
def node(port: int) -> None:
    """Run a local Anvil until Ctrl-C (another port if PORT is taken)."""
    from eth_account import Account

    from tradelane.chain import AnvilProcess, dev_private_keys

    anvil = AnvilProcess(port).start()
    try:
        if anvil.moved_from is not None:
            click.echo(f"port {anvil.moved_from} is taken; using {anvil.port} instead", err=True)
        click.echo(f"anvil listening on {anvil.url} (chain id 31337); Ctrl-C stops it")
        click.echo(
            f"funded accounts ({anvil.balance_eth:,} ETH each; dev keys, not for real money):"
        )
        for index, key in enumerate(dev_private_keys(anvil.accounts)):
            click.echo(f"  ({index}) {Account.from_key(key).address}  {key}")
        while anvil.alive():
            time.sleep(0.5)
        raise TradelaneError("anvil stopped unexpectedly")
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        anvil.stop()


__all__ = ["node"]
