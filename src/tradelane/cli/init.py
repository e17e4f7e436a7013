"""`tradelane init DIR`: a starter project that runs as it is.

DIR/
  README.md                      what to run first
  tradelane.toml                 named networks (a local node; a testnet to fill in)
  scenarios/first_trade.yaml     a trade: quote, fund, ship, deliver, confirm
  scripts/first_trade.py         the same trade through the Python client
  notebooks/first_trade.ipynb    ... step by step, with its timeline
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tradelane.errors import TradelaneError

SCENARIO = """\
# A first trade: Shanghai to Rotterdam, FOB, paid in USDC, 30% released at export clearance.
# Run it: tradelane run scenarios/first_trade.yaml -v
name: First trade, Shanghai to Rotterdam
platform: {fee: 0.5%}
parties:
  importer: buyer
  exporter: seller
  carrier: carrier
  cn_customs: customs
  arbitrator: arbitrator
tokens: {USDC: {decimals: 6, mint: {importer: 50000}}}
orders:
  po-1: {buyer: importer, seller: exporter, carrier: carrier, price: 20000 USDC,
         incoterm: FOB, origin: CNSHA, destination: NLRTM, ship_within: 7d,
         deliver_within: 35d, inspection: 3d, milestones: {export_cleared: 30%}}
steps:
  - {do: quote, order: po-1}                     # the seller signs an offer
  - {do: fund, order: po-1}                      # the buyer registers and pays in one go
  - {do: checkpoint, order: po-1, stage: picked_up, location: CNSHA, document: BL-001}
  - {do: checkpoint, by: cn_customs, order: po-1, stage: export_cleared, location: CNSHA}
  - {expect: {order: po-1, seller_received: 5970 USDC, fee: 30 USDC, locked: 14000 USDC}}
  - {wait: 20d}
  - {do: checkpoint, order: po-1, stage: delivered, location: NLRTM}
  - {do: confirm, order: po-1}                   # the buyer accepts the goods
  - {expect: {order: po-1, status: completed, seller_received: 19900 USDC, fee: 100 USDC}}
  - {expect: {balance: {exporter: 19900 USDC, importer: 30000 USDC}}}
"""

SCRIPT = '''\
"""The first trade through the Python client: python scripts/first_trade.py"""

from tradelane.chain import connect
from tradelane.client import TradeClient


def main() -> None:
    with connect("eth-tester") as chain:
        client = TradeClient.deploy(chain)
        usdc = client.deploy_token("USDC", 6)
        names = ("importer", "exporter", "carrier", "arbitrator")
        importer, exporter, carrier, arbitrator = (client.new_account(n, eth=10) for n in names)
        client.register_arbitrator(arbitrator)
        client.mint(usdc, importer, "50000 USDC")
        trade = client.new_trade(
            buyer=importer, seller=exporter, carrier=carrier, price="20000 USDC",
            incoterm="FOB", origin="CNSHA", destination="NLRTM", panel=[arbitrator],
        )
        client.fund(trade, quote=client.sign_quote(trade), permit=True)
        for stage, place in (("picked_up", "CNSHA"), ("delivered", "NLRTM")):
            client.checkpoint(trade, stage, by=carrier, location=place)
        client.confirm(trade, by=importer)
        state = client.state(trade)
        print(f"status {state.status}, stage {state.stage}")
        print(client.describe_money(trade))
        client.print_timeline(trade)


if __name__ == "__main__":
    main()
'''

NOTEBOOK_CELLS = [
    (
        "markdown",
        "# A first trade\n\nOne trade step by step through the Tradelane client, "
        "on an embedded chain.",
    ),
    (
        "code",
        "from tradelane.chain import connect\nfrom tradelane.client import TradeClient\n\n"
        'chain = connect("eth-tester")\nclient = TradeClient.deploy(chain)\n'
        'usdc = client.deploy_token("USDC", 6)\n'
        "importer, exporter, carrier, arbitrator = (client.new_account(n, eth=10) for n in "
        '("importer", "exporter", "carrier", "arbitrator"))\n'
        'client.register_arbitrator(arbitrator)\nclient.mint(usdc, importer, "50000 USDC")',
    ),
    (
        "code",
        "trade = client.new_trade(buyer=importer, seller=exporter, carrier=carrier, "
        'price="20000 USDC",\n                         incoterm="FOB", origin="CNSHA", '
        'destination="NLRTM", panel=[arbitrator],\n'
        '                         milestones={"picked_up": "30%"})\n'
        "client.fund(trade, quote=client.sign_quote(trade), permit=True)\n"
        'client.checkpoint(trade, "picked_up", by=carrier, location="CNSHA")\n'
        "client.describe_money(trade)",
    ),
    (
        "code",
        'client.checkpoint(trade, "delivered", by=carrier, location="NLRTM")\n'
        "client.confirm(trade, by=importer)\nprint(client.state(trade).status)\n"
        "client.timeline_table(trade)",
    ),
]

TOML = """\
# Named networks for --network NAME (tradelane run/deploy/order --network local).
[networks.local]                # a `tradelane node` on this machine
url = "http://127.0.0.1:8545"
chain_id = 31337

# [networks.sepolia]
# url_env = "SEPOLIA_RPC_URL"   # the URL from an environment variable
# chain_id = 11155111
# key_env = "DEPLOYER_KEY"      # or keystore = "~/.foundry/keystores/deployer"
# confirmations = 2
"""

README = """\
# {name}

A Tradelane starter project. Everything here runs as it is:

```sh
tradelane run scenarios/first_trade.yaml -v     # the trade as a scenario (eth-tester)
python scripts/first_trade.py                   # the same trade through the Python client
jupyter notebook notebooks/first_trade.ipynb    # step by step
tradelane node &                                # a local Anvil, then:
tradelane run scenarios/first_trade.yaml --network local
```

Scenario files: the Tradelane README, "Scenario files"; `tradelane run --check FILE`
validates one without a chain.
"""


def _notebook() -> str:
    cells = []
    for index, (kind, source) in enumerate(NOTEBOOK_CELLS):
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"first-trade-{index}",
            "metadata": {},
            "source": source,
        }
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    return (
        json.dumps(
            {
                "cells": cells,
                "metadata": {
                    "kernelspec": {
                        "display_name": "Python 3",
                        "language": "python",
                        "name": "python3",
                    }
                },
                "nbformat": 4,
                "nbformat_minor": 5,
            },
            indent=1,
        )
        + "\n"
    )


def write_project(folder: Path, force: bool = False) -> list[Path]:
    """Write the starter project into `folder`; the files written."""
    if folder.exists() and not folder.is_dir():
        raise TradelaneError(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise TradelaneError(
            f"{folder} is not empty: choose a new folder, or --force to add the starter files"
        )
    files = {
        "README.md": README.format(name=folder.resolve().name),
        "tradelane.toml": TOML,
        "scenarios/first_trade.yaml": SCENARIO,
        "scripts/first_trade.py": SCRIPT,
        "notebooks/first_trade.ipynb": _notebook(),
        ".gitignore": "build/\ndeployments/31337.json\n.ipynb_checkpoints/\n",
    }
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def init(folder: str, force: bool) -> None:
    """Create a starter project in FOLDER: a scenario, a script and a notebook that run."""
    written = write_project(Path(folder), force)
    for path in written:
        click.echo(f"  {path}")
    click.echo(
        f"created a Tradelane project in {folder}; try: cd {folder} && "
        "tradelane run scenarios/first_trade.yaml -v"
    )


__all__ = ["init", "write_project"]
