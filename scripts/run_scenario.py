"""Run YAML trade scenarios and say whether every expectation held.

    python scripts/run_scenario.py FILE... [--chain eth-tester|anvil|URL] [--report out.json]
    ape run run_scenario        (files from $TRADELANE_SCENARIOS, default scenarios/*.yaml;
                                 the chain from $TRADELANE_CHAIN)

A thin shell over `tradelane run` (tradelane._commands): exit 0 when every expectation held,
1 when one failed, 2 when a file is invalid.
"""

from __future__ import annotations

import os
import sys

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
    if "--chain" not in args and (chain := os.environ.get("TRADELANE_CHAIN")):
        args += ["--chain", chain]
    tradelane(["run", *args])


if __name__ == "__main__":
    main(sys.argv[1:])
