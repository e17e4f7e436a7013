"""Run YAML trade scenarios and say whether every expectation held.

    python scripts/run_scenario.py FILE... [--chain eth-tester|anvil|URL] [--report out.json]
    ape run run_scenario [FILE...] [--network ethereum:local:test|ethereum:local:foundry|NAME]
                                (without files: $TRADELANE_SCENARIOS, default scenarios/*.yaml;
                                 without --network: the chain from $TRADELANE_CHAIN)

Every option of `tradelane run` works in both forms.

A thin shell over `tradelane run` (tradelane.cli.run): exit 0 when every expectation held,
1 when one failed, 2 when a file is invalid.
"""

from __future__ import annotations

import os
import sys

import click

from tradelane._settings import project_root
from tradelane.cli import main as tradelane


def main(argv: list[str] | None = None) -> None:
    """`ape run run_scenario` calls this with no arguments (its own argv is not ours)."""
    args = list(argv or [])
    if not any(not a.startswith("-") for a in args):
        listed = os.environ.get("TRADELANE_SCENARIOS", "")
        files = listed.split() or sorted(
            str(p) for p in (project_root() / "scenarios").glob("*.yaml")
        )
        args = [*files, *args]
    chosen = any(a in ("--chain", "--network") or a.startswith("--network=") for a in args)
    if not chosen and (chain := os.environ.get("TRADELANE_CHAIN")):
        args += ["--chain", chain]
    tradelane(["run", *args])


@click.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cli(args: tuple[str, ...]) -> None:
    """`ape run run_scenario FILE... [--network NAME] [tradelane run options]`: ape calls this
    command (it takes our arguments, where main() would get none)."""
    main(list(args))


if __name__ == "__main__":
    main(sys.argv[1:])
