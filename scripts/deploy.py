"""Deploy the Tradelane suite and print where it lives.

    python scripts/deploy.py [--chain eth-tester|anvil|URL]
    ape run deploy [--network ethereum:local:test|ethereum:local:foundry|NAME]
                                        (else the chain comes from $TRADELANE_CHAIN)

A thin shell over tradelane.deploy: the suite, its arguments and the manifest
(deployments/<chainId>.json, for chains that outlive the run) are defined there.
"""

from __future__ import annotations

import argparse
import os
import sys

import click

from tradelane.chain import connect
from tradelane.compiler import compile_contracts
from tradelane.deploy import deploy_suite
from tradelane.errors import TradelaneError


def main(target: str | None = None) -> None:
    """Compile, connect and deploy; `ape run deploy` calls this with no arguments."""
    target = target or os.environ.get("TRADELANE_CHAIN", "eth-tester")
    try:
        artifacts = compile_contracts()
        with connect(target) as chain:
            print(f"chain: {chain.describe()} (chain id {chain.chain_id})")
            deployment = deploy_suite(chain, artifacts, log=print)
            for name, address in deployment.addresses.items():
                print(f"{name:>20}  {address}")
    except TradelaneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


@click.command()
@click.option("--network", metavar="NAME", help="ape's network choice, or one in tradelane.toml.")
def cli(network: str | None) -> None:
    """`ape run deploy [--network NAME]`."""
    from tradelane._networks import resolve

    try:
        target = resolve(None, network).target if network else None
    except TradelaneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    main(target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", help="eth-tester (default), anvil or a JSON-RPC URL")
    main(parser.parse_args().chain)
