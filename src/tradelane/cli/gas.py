"""`tradelane gas`: gas per step and flow now, against gas/snapshot.json, as `forge snapshot
--diff` and `forge snapshot --check` do.

    tradelane gas              # the figures of the working tree (Anvil, the snapshot's hardfork)
    tradelane gas --diff       # beside the snapshot: what moved, by how much
    tradelane gas --check      # the same, exit 1 if a figure moved more than --tolerance
    tradelane gas --write      # rewrite the snapshot (what `make gas` does)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tradelane.errors import TradelaneError

SECTIONS = ("steps", "flows", "calldata")


@dataclass(frozen=True)
class GasChange:
    section: str
    name: str
    before: int | None  # None: new since the snapshot
    after: int | None  # None: gone from the working tree

    @property
    def delta(self) -> int:
        return (self.after or 0) - (self.before or 0)

    @property
    def ratio(self) -> float | None:
        if not self.before or self.after is None:
            return None
        return self.delta / self.before

    def moved(self, tolerance: float) -> bool:
        return self.ratio is None or abs(self.ratio) > tolerance


def diff_gas(
    snapshot: Mapping[str, Mapping[str, int]], measured: Mapping[str, Mapping[str, int]]
) -> list[GasChange]:
    """Every step and flow of either side, with its gas before and after."""
    changes = []
    for section in SECTIONS:
        before, after = snapshot.get(section, {}), measured.get(section, {})
        for name in sorted(set(before) | set(after)):
            changes.append(GasChange(section, name, before.get(name), after.get(name)))
    return changes


def _tolerance(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from tradelane.scenario import check_share

    try:
        check_share(value, "the tolerance")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    from tradelane.amounts import parse_bps

    return parse_bps(value) / 10_000


@click.command()
@click.option("--diff", is_flag=True, help="Show each figure beside the snapshot's.")
@click.option("--check", is_flag=True, help="As --diff; exit 1 when a figure moved too much.")
@click.option("--write", is_flag=True, help="Rewrite the snapshot with the figures measured.")
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False),
    default=None,
    help="The snapshot file (default gas/snapshot.json).",
)
@click.option(
    "--tolerance",
    default="1%",
    show_default=True,
    callback=_tolerance,
    help="How far a figure may move for --check (as the snapshot test allows).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def gas(
    diff: bool, check: bool, write: bool, snapshot: str | None, tolerance: float, as_json: bool
) -> None:
    """Gas per lifecycle step and flow of the working tree (on Anvil), against the snapshot."""
    from rich.console import Console
    from rich.table import Table

    from tradelane._bench.gas import run as measure_all
    from tradelane._settings import project_root
    from tradelane.chain import connect
    from tradelane.compiler import compile_contracts

    path = Path(snapshot) if snapshot else project_root() / "gas" / "snapshot.json"
    recorded: dict[str, Any] | None = None
    if diff or check:
        try:
            recorded = json.loads(path.read_text())
        except FileNotFoundError:
            raise TradelaneError(
                f"no snapshot at {path}: write one with tradelane gas --write"
            ) from None
        except (OSError, ValueError) as exc:
            raise TradelaneError(f"cannot read the snapshot {path}: {exc}") from None
    artifacts = compile_contracts()
    click.echo("measuring on a fresh Anvil (about 10 s)...", err=True)
    with connect("anvil") as chain:
        result = measure_all(chain, artifacts)
    measured = {section: result[section] for section in SECTIONS}
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(measured, indent=2) + "\n")
    changes = diff_gas(recorded or measured, measured)
    moved = [c for c in changes if c.moved(tolerance)] if recorded is not None else []
    if as_json:
        click.echo(
            json.dumps(
                {
                    "snapshot": str(path) if recorded is not None else None,
                    "changes": [
                        {
                            "section": c.section,
                            "name": c.name,
                            "snapshot": c.before,
                            "now": c.after,
                            "delta": c.delta,
                        }
                        for c in changes
                    ]
                    if recorded is not None
                    else None,
                    "measured": measured,
                    "moved": [f"{c.section}.{c.name}" for c in moved],
                },
                indent=2,
            )
        )
    else:
        console = Console(highlight=False)
        table = Table(title_justify="left", header_style="bold")
        table.title = f"gas against {path}" if recorded is not None else "gas (working tree)"
        table.add_column("step / flow")
        if recorded is not None:
            table.add_column("snapshot", justify="right")
        table.add_column("now", justify="right")
        if recorded is not None:
            table.add_column("Δ", justify="right")
            table.add_column("Δ %", justify="right")
        for c in changes:
            row = [f"{c.section[:-1]} {c.name}"]
            if recorded is not None:
                row.append(f"{c.before:,}" if c.before is not None else "new")
            row.append(f"{c.after:,}" if c.after is not None else "gone")
            if recorded is not None:
                row.append(f"{c.delta:+,}" if c.delta else "")
                row.append(f"{c.ratio:+.2%}" if c.ratio else "")
            table.add_row(*row, style="bold red" if c in moved else None)
        console.print(table)
        if recorded is not None:
            console.print(
                f"{len(moved)} of {len(changes)} figures moved more than {tolerance:.2%}"
                + (f"; {path} rewritten" if write else "")
            )
    if check and moved:
        raise click.exceptions.Exit(1)


__all__ = ["GasChange", "diff_gas", "gas"]
