"""`tradelane bench`: gas against the public escrows, throughput against the node's own
ceiling, and scale. Method and results: BENCHMARKS.md."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

CHAINS = click.Choice(["anvil", "eth-tester"])


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 120)


@click.group()
def bench() -> None:
    """Benchmarks: gas per step and flow, trades per second, scale (see BENCHMARKS.md)."""


@bench.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"flows", "steps", "calldata", "anchors", "extras"} (and "profile", "floor").',
)
@click.option(
    "--profile",
    is_flag=True,
    help="Also trace each step opcode by opcode and show where its gas goes "
    "(base, calldata, storage, events, calls, hashing, execution, refunds).",
)
def gas(as_json: bool, profile: bool) -> None:
    """Gas per step and per flow on Anvil's default hardfork, beside the anchors."""
    from tradelane._bench import gas as gasbench
    from tradelane._bench import gasprofile
    from tradelane.chain import connect
    from tradelane.compiler import compile_contracts

    artifacts = compile_contracts()
    with connect("anvil", anvil_args=("--steps-tracing",) if profile else ()) as chain:
        result = gasbench.run(chain, artifacts, profile=profile)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = _console()
    flows = Table(
        title="Gas per flow (second trade between the same parties)", title_justify="left"
    )
    for col, just in (
        ("flow", "left"),
        ("gas", "right"),
        ("txs", "right"),
        ("calldata bytes", "right"),
        ("of them zero", "right"),
        ("calldata gas", "right"),
    ):
        flows.add_column(col, justify=just)  # type: ignore[arg-type]
    calldata = result["calldata_detail"]
    for name, value in {**result["flows"], **result["extras"]["flows"]}.items():
        data = calldata[name]
        flows.add_row(
            name,
            f"{value:,}",
            str(data["transactions"]),
            f"{data['bytes']:,}",
            f"{data['zero_bytes']:,}",
            f"{data['gas']:,}",
        )
    console.print(flows)
    anchors = Table(title="Against the anchors (ours / theirs)", title_justify="left")
    for col, just in (
        ("anchor", "left"),
        ("their gas", "right"),
        ("our flow", "left"),
        ("our gas", "right"),
        ("ratio", "right"),
    ):
        anchors.add_column(col, justify=just)  # type: ignore[arg-type]
    for a in result["anchors"].values():
        anchors.add_row(
            a["what"], f"{a['gas']:,}", a["compare"], f"{a['ours']:,}", f"{a['ratio']:.2f}x"
        )
    permit = result["extras"]["flows"]["happy_erc20_permit"]
    anchors.add_row(
        "Kleros token escrow, beside our permit path",
        "155,054",
        "happy_erc20_permit",
        f"{permit:,}",
        f"{permit / 155_054:.2f}x",
    )
    console.print(anchors)
    steps = Table(title="Gas per step", title_justify="left")
    steps.add_column("step")
    steps.add_column("gas", justify="right")
    for name, value in {**result["steps"], **result["extras"]["steps"]}.items():
        steps.add_row(name, f"{value:,}")
    console.print(steps)
    if profile:
        table = Table(
            title="Where each step's gas goes (opcode trace; refunds negative)",
            title_justify="left",
        )
        table.add_column("step")
        for col in ("gas", *gasprofile.CATEGORIES):
            table.add_column(col, justify="right")
        for name, row in result["profile"].items():
            table.add_row(name, *(f"{row[c]:,}" for c in ("gas", *gasprofile.CATEGORIES)))
        console.print(table)
        floors = Table(
            title="Each flow's floor: its cost with no execution, no zero calldata byte, no "
            "second touch of a slot and no call between the suite's contracts",
            title_justify="left",
        )
        floors.add_column("flow")
        for col in ("gas", "floor", "above the floor", *gasprofile.FLOOR_PARTS):
            floors.add_column(col, justify="right")
        for name, row in result["floor"].items():
            floors.add_row(
                name,
                f"{row['gas']:,}",
                f"{row['floor']:,}",
                f"{row['gas'] - row['floor']:,}",
                *(f"{row[c]:,}" for c in gasprofile.FLOOR_PARTS),
            )
        console.print(floors)


@bench.command()
@click.option("--chain", "kind", type=CHAINS, default="anvil", show_default=True)
@click.option("--trades", type=click.IntRange(1), default=200, show_default=True)
@click.option(
    "--wave",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="Trades in flight at once (pipelined); the treasury withdraws once per wave.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def throughput(kind: str, trades: int, wave: int, as_json: bool) -> None:
    """Full trades per second: client, client pipelined, a raw web3 loop and the ceiling."""
    from tradelane._bench import throughput as tp

    say = (lambda m: click.echo(m, err=True)) if not as_json else None
    result = tp.run(kind, trades, wave=wave, progress=say)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    _print_throughput(result)


def _print_throughput(result: dict[str, Any]) -> None:
    console = _console()
    table = Table(
        title=f"{result['trades']} trades ({result['transactions']} transactions) on "
        f"{result['chain']}, {result['cpus']} CPUs, load {result['load_average'][0]}",
        title_justify="left",
    )
    for col in ("mode", "seconds", "trades/s", "tx/s"):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for mode, seconds in result["seconds"].items():
        table.add_row(
            mode,
            f"{seconds:.2f}",
            f"{result['trades_per_s'][mode]:.1f}",
            f"{result['tx_per_s'][mode]:.0f}",
        )
    console.print(table)
    r, t = result["ratios"], result["targets"]
    for name, value in r.items():
        if value is None:
            continue
        good = value <= t[name] if name == "client_vs_raw_time" else value >= t[name]
        bound = "≤" if name == "client_vs_raw_time" else "≥"
        console.print(
            f"{name}: {value:.2f} (target {bound} {t[name]}): {'met' if good else 'NOT met'}"
        )
    rss = result["peak_rss_kib"]
    console.print(
        f"peak RSS: python {rss['python'] / 1024:.0f} MiB, anvil "
        f"{(rss['anvil'] or 0) / 1024:.0f} MiB"
    )


@bench.command()
@click.option(
    "--levels",
    default="1,1000,10000",
    show_default=True,
    help="Existing orders at which to measure, comma-separated.",
)
@click.option(
    "--memory-trades",
    type=click.IntRange(0),
    default=1000,
    show_default=True,
    help="Trades of the separate run whose peak memory is reported (0: skip).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def scale(levels: str, memory_trades: int, as_json: bool) -> None:
    """Gas and latency with 1, 1,000 and 10,000 existing orders; timeline lookup; memory."""
    from tradelane._bench import scale as sc

    wanted = [int(x) for x in levels.replace("_", "").split(",") if x.strip()]
    say = (lambda m: click.echo(m, err=True)) if not as_json else None
    result = sc.run(wanted, memory_trades=memory_trades, progress=say)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = _console()
    table = Table(title="Scale on anvil (one more trade at each level)", title_justify="left")
    levels_seen = list(result["levels"])
    table.add_column("existing orders")
    for level in levels_seen:
        table.add_column(f"{int(level):,}", justify="right")
    first = result["levels"][levels_seen[0]]
    for step in first["gas"]:
        table.add_row(
            f"gas {step}", *(f"{result['levels'][lv]['gas'][step]:,}" for lv in levels_seen)
        )
    for step in first["step_ms"]:
        table.add_row(
            f"ms {step}", *(f"{result['levels'][lv]['step_ms'][step]:.0f}" for lv in levels_seen)
        )
    for key, label in (
        ("view_call_ms", "ms view call (median)"),
        ("timeline_ms", "ms timeline (median)"),
        ("blocks", "blocks on chain"),
    ):
        table.add_row(label, *(f"{result['levels'][lv][key]:,}" for lv in levels_seen))
    console.print(table)
    if "memory" in result:
        m = result["memory"]
        console.print(
            f"peak RSS of a {m['trades']:,}-trade pipelined run: python "
            f"{m['python_peak_rss_mib']} MiB, anvil {m['anvil_peak_rss_mib']} MiB "
            f"({m['seconds']:.1f} s)"
        )


@bench.command()
@click.option("--orders", type=click.IntRange(1), default=10_000, show_default=True)
@click.option("--chain", "kind", type=CHAINS, default="anvil", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def explorer(orders: int, kind: str, as_json: bool) -> None:
    """Index ORDERS orders' events (fund and pickup) into a fresh explorer database."""
    from tradelane._bench import explorer as ex

    say = (lambda m: click.echo(m, err=True)) if not as_json else None
    result = ex.run(orders, kind=kind, progress=say)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = _console()
    table = Table(
        title=f"Indexing {result['orders']:,} orders on {result['chain']} into SQLite",
        title_justify="left",
    )
    table.add_column("what")
    table.add_column("figure", justify="right")
    pages = result["pages"]
    for label, value in (
        ("blocks read", f"{result['blocks']:,}"),
        ("events indexed", f"{result['events']:,}"),
        ("seconds to index", f"{result['index_s']:.2f}"),
        ("events per second", f"{result['events_per_s']:,}"),
        ("orders per second", f"{result['orders_per_s']:,}"),
        ("second pass, nothing new (ms)", f"{result['resync_ms']:.1f}"),
        ("orders list, first page (ms)", f"{pages['orders_list_ms']:.1f}"),
        ("one order's page (ms)", f"{pages['order_page_ms']:.1f}"),
        ("the seller's track record (ms)", f"{pages['party_page_ms']:.1f}"),
        ("database size (MiB)", f"{result['db_mib']}"),
        ("seconds to create the orders / pickups", f"{result['create_s']} / {result['pickups_s']}"),
    ):
        table.add_row(label, value)
    for phase, seconds in result["phases_s"].items():
        table.add_row(f"  of which {phase} (s)", f"{seconds:.2f}")
    console.print(table)
