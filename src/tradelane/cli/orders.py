"""`tradelane order` (an order's terms, state, money and timeline, or its DCSA / EPCIS export)
and the order a command names with --order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from tradelane._client.render import timeline_table
from tradelane.cli.options import (
    InputError,
    NetworkOptions,
    events_option,
    optional_chain_option,
    read_network_options,
)
from tradelane.cli.session import _chain, _console, _existing_or_new, setup_network
from tradelane.errors import TradelaneError
from tradelane.manifest import check_on_chain, first_block, load_deployment, read_manifest
from tradelane.types import Stage

EXPORT_FORMATS = ("dcsa", "epcis")


# ---------------------------------------------------------------------------- rendering


def order_summary(client: Any, trade: Any) -> dict[str, Any]:
    state = client.state(trade)
    token = client.token(trade.order.token)
    return {
        "id": trade.id_hex,
        "status": state.status.label,
        "stage": state.stage.label,
        "clearance": state.clearance.label,
        "on_hold": state.on_hold,
        "late": state.picked_up_late
        or (state.stage == Stage.DELIVERED and not state.delivered_on_time),
        "refund_due": client.refund_due(trade),
        "customs": list(trade.terms.customs),
        "inspectors": list(trade.terms.inspectors),
        "max_fee_bps": trade.terms.max_fee_bps,
        "ruling_timeout": trade.terms.ruling_timeout_seconds,
        "buyer": trade.order.buyer,
        "seller": trade.order.seller,
        "carrier": trade.terms.carrier,
        "token": token.symbol,
        "price": token.format(trade.order.price),
        "incoterm": trade.terms.incoterm.label,
        "origin": trade.terms.route[0],
        "destination": trade.terms.route[1],
        "fee_bps": state.fee_bps,
        "released_bps": state.released_bps,
        "milestones": {m.stage.label: f"{m.bps / 100:g}%" for m in trade.terms.milestones},
        "money": client.describe_money(trade),
        # with each imported event's own time and the planned/estimated ones (issue 14)
        "timeline": timeline_json(client, trade),
    }


def _print_order(console: Console, client: Any, trade: Any, label: str) -> None:
    from tradelane.standards.timeline import order_timeline

    summary = order_summary(client, trade)
    # "Order po-1 0x..." names the order and its id; "Order 0x..." says the id once
    shown = label if summary["id"] in label else f"{label} {summary['id']}"
    console.print(
        f"[bold]{shown}[/bold]\n"
        f"  {summary['price']} {summary['incoterm']}"
        + (
            f" {summary['origin'] or '?'} → {summary['destination'] or '?'}"
            if any(trade.terms.route)
            else ""
        )
        + f", status [bold]{summary['status']}[/bold], "
        f"stage {summary['stage']}{' (customs hold)' if summary['on_hold'] else ''}"
        + (f", {summary['clearance']}" if summary["clearance"] != "none" else "")
        + (", late" if summary["late"] else "")
        + (", [bold]refund due[/bold]" if summary["refund_due"] else "")
        + "\n"
        f"  buyer {client.name_of(trade.order.buyer)}, "
        f"seller {client.name_of(trade.order.seller)}, "
        f"carrier {client.name_of(trade.terms.carrier)}"
    )
    money = summary["money"]
    console.print(
        f"  seller received {money['seller_received']}, buyer refunded {money['buyer_refunded']}, "
        f"fee {money['fee']}, locked {money['locked']}"
    )
    console.print(
        timeline_table(client, trade, entries=order_timeline(client, trade), width=console.width)
    )
    print_documents(console, client, trade, label)


# ---------------------------------------------------------------------------- order


@click.command()
@click.argument("order_id")
@optional_chain_option
@click.option(
    "--scenario",
    type=click.Path(exists=True, dir_okay=False),
    help="Run this scenario on eth-tester first; ORDER_ID may then be an order's name in it.",
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False),
    help="The deployment manifest (default: deployments/<chainId>.json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the order as JSON.")
@click.option(
    "--export",
    "export_format",
    type=click.Choice(EXPORT_FORMATS),
    help="Write the order's timeline as DCSA T&T 2.2 events or an EPCIS 2.0 document instead.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="With --export: the file.")
@events_option
@read_network_options
def order(
    order_id: str,
    target: str | None,
    scenario: str | None,
    manifest: str | None,
    as_json: bool,
    export_format: str | None,
    output: str | None,
    events_dir: str | None,
    net: NetworkOptions,
) -> None:
    """Show an order: its terms, state, money and timeline (or export it)."""
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.deploy import manifest_path
    from tradelane.scenario import load_scenario, run_scenario
    from tradelane.standards.feeds import FeedStore, attach

    out = _console()
    if output is not None and export_format is None:
        raise click.UsageError("-o/--output goes with --export dcsa|epcis")
    artifacts = compile_contracts()
    if scenario is None and target is None:
        raise click.UsageError(
            "give --chain URL (a chain with a deployed suite) or --scenario FILE"
        )
    with _chain(target or "eth-tester") as chain:
        if scenario is not None:
            result = run_scenario(load_scenario(scenario), chain, artifacts=artifacts)
            client = result.client
            oid = result.orders.get(order_id, order_id)
        else:
            signer = setup_network(chain, net) if net.has_key else None
            path = Path(manifest) if manifest else manifest_path(chain.chain_id, net.manifest_dir)
            if signer is not None and read_manifest(path, chain.chain_id) is None:
                _existing_or_new(chain, artifacts, net, signer)  # deploy first: none there yet
            recorded = read_manifest(path, chain.chain_id) or {}
            deployment = load_deployment(chain, artifacts, path)
            check_on_chain(chain, recorded, path)
            client = TradeClient(
                chain, deployment, artifacts=artifacts, from_block=first_block(recorded)
            )
            attach(client, FeedStore.default(events_dir))  # the events imported on this chain
            oid = order_id
        assert client is not None
        if not (oid.startswith("0x") and len(oid) == 66):
            raise click.BadParameter(f"{order_id!r} is not a 32-byte order id (0x + 64 hex digits)")
        trade = client.trade(oid)
        if export_format is not None:
            export_order(client, trade, export_format, output)
        elif as_json:
            click.echo(json.dumps(order_summary(client, trade), indent=2, default=str))
        else:
            _print_order(out, client, trade, f"Order {order_id}")
            out.print(f"[dim]chain: {chain.used}[/dim]")


# ---------------------------------------------------------------------------- order --export


def export_order(client: Any, trade: Any, fmt: str, output: str | None) -> None:
    """Write the order as DCSA T&T 2.2 events or an EPCIS 2.0 document (`-o FILE`, atomically,
    or stdout)."""
    from tradelane._files import write_json_atomic
    from tradelane.standards.export import dcsa_events, epcis_document

    data: Any = dcsa_events(client, trade) if fmt == "dcsa" else epcis_document(client, trade)
    if output is None or output == "-":
        click.echo(json.dumps(data, indent=2, sort_keys=False))
        return
    write_json_atomic(Path(output), data)
    count = len(data) if fmt == "dcsa" else len(data["epcisBody"]["eventList"])
    click.echo(
        f"{count} {'DCSA T&T 2.2' if fmt == 'dcsa' else 'EPCIS 2.0'} events written to {output}",
        err=True,
    )


def timeline_json(client: Any, trade: Any) -> list[dict[str, Any]]:
    """The order's timeline for `order --json`, with event times and planned events."""
    from tradelane.standards.timeline import order_timeline

    return [
        {
            "time": None if e.planned else e.time,
            "event_time": e.event_time,
            "planned": e.planned,
            "actor": e.actor,
            "actor_name": client.name_of(e.actor),
            "action": e.action,
            "late": getattr(e, "late", False),
            "location": e.location,
            "document": e.document,
            "document_hash": e.document_hash,
            "uri": e.uri,
            "money": e.money,
            "tx": e.tx_hash,
        }
        for e in order_timeline(client, trade)
    ]


def print_documents(console: Console, client: Any, trade: Any, label: str) -> None:
    """The documents the order's checkpoints recorded, by full hash, and how to check one."""
    from tradelane.standards.timeline import documents, order_timeline

    recorded = documents(order_timeline(client, trade))
    if not recorded:
        return
    table = Table(
        title="Documents (check a file: tradelane doc verify FILE --order ...)",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("stage", no_wrap=True)
    table.add_column("document hash (sha256, or keccak of a label)", overflow="fold")
    table.add_column("uri", overflow="fold")
    for e in recorded:
        assert e.kind is not None
        table.add_row(e.kind.label, e.document_hash, e.uri)
    console.print(table)


# ---------------------------------------------------------------------------- --order


@dataclass
class OpenOrder:
    client: Any
    trade: Any
    scenario: Any  # the ScenarioResult with --scenario, else None
    label: str


def _order_id(ref: str, label: str) -> str:
    try:
        int(ref, 16)
        ok = ref.startswith("0x") and len(ref) == 66
    except ValueError:
        ok = False
    if not ok:
        raise click.BadParameter(
            f"{label!r} is not a 32-byte order id (0x + 64 hex digits)", param_hint="--order"
        )
    return ref


@contextmanager
def open_order(
    ref: str,
    target: str | None,
    scenario: str | None,
    manifest: str | None,
    net: NetworkOptions,
    events_dir: str | None,
    *,
    need_key: bool = False,
) -> Iterator[OpenOrder]:
    """The client and trade an order reference names (the feed store attached)."""
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.deploy import manifest_path
    from tradelane.scenario import load_scenario, run_scenario
    from tradelane.standards.feeds import FeedStore, attach

    if scenario is None and target is None:
        raise click.UsageError(
            "give --chain URL (a chain with a deployed suite) or --scenario FILE"
        )
    if scenario is not None and target is not None:
        raise click.UsageError("give --chain or --scenario, not both")
    if target is not None and not target.startswith(("http://", "https://", "ws://", "wss://")):
        raise click.BadParameter(
            f"{target!r}: --chain is a JSON-RPC URL here", param_hint="--chain"
        )
    loaded = load_scenario(scenario) if scenario is not None else None
    artifacts = compile_contracts()
    with _chain(target or "eth-tester") as chain:
        if loaded is not None:
            result = run_scenario(loaded, chain, artifacts=artifacts)
            if result.client is None or not result.orders:
                raise TradelaneError(
                    f"{scenario}: the scenario did not set up: {result.steps[0].message}"
                )
            if ref not in result.orders and not ref.startswith("0x"):
                raise click.BadParameter(
                    f"no order named {ref!r} in {scenario}; its orders: {', '.join(result.orders)}",
                    param_hint="--order",
                )
            oid = _order_id(result.orders.get(ref, ref), ref)
            client = result.client
            yield OpenOrder(client, client.trade(oid), result, ref)
            return
        if need_key and not net.has_key:
            raise InputError("give the carrier's key with --key-env VAR or --keystore PATH")
        signer = setup_network(chain, net) if net.has_key else None
        path = Path(manifest) if manifest else manifest_path(chain.chain_id, net.manifest_dir)
        recorded = read_manifest(path, chain.chain_id) or {}
        deployment = load_deployment(chain, artifacts, path)
        check_on_chain(chain, recorded, path)
        client = TradeClient(
            chain, deployment, artifacts=artifacts, from_block=first_block(recorded)
        )
        attach(client, FeedStore.default(events_dir))
        if signer is not None:  # the key given: the client signs typed data with it too
            client.add_key(signer.keys[signer.default])
        yield OpenOrder(client, client.trade(_order_id(ref, ref)), None, ref)


__all__ = [
    "EXPORT_FORMATS",
    "OpenOrder",
    "export_order",
    "open_order",
    "order",
    "order_summary",
    "print_documents",
    "timeline_json",
]
