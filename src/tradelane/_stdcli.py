"""The trade-data commands of the `tradelane` CLI: `track import` (a carrier's DCSA feed in),
`doc hash` / `doc verify` (documents hashed as eBL platforms do), and what `order
--export dcsa|epcis` writes. Registered on the group in tradelane.cli.

An order is named as `tradelane order` names it: an order id with `--chain URL` (the suite
of deployments/<chainId>.json), or an order's name in a scenario with `--scenario FILE`
(the scenario is run on eth-tester first). Imported events are kept under events/
(`--events DIR`, `$TRADELANE_EVENTS`) for chains that outlive the command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tradelane._netcli import InputError, NetworkOptions, network_options
from tradelane.errors import TradelaneError

EXPORT_FORMATS = ("dcsa", "epcis")


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    return Console(
        stderr=err, highlight=False, soft_wrap=False, width=None if stream.isatty() else 150
    )


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
    from tradelane._commands import _chain, load_deployment
    from tradelane._netcli import check_on_chain, first_block, read_manifest, setup_network
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


# ---------------------------------------------------------------------------- track


@click.group()
def track() -> None:
    """Carriers' DCSA Track & Trace feeds: import one into an order's checkpoints."""


def _key_of(var: str) -> str:
    from tradelane.keys import key_from_env

    return key_from_env(var)


@track.command("import")
@click.argument("feed", type=click.Path(dir_okay=False))
@order_source_options
@click.option(
    "--relay-by",
    metavar="PARTY",
    help="With --scenario: the party that sends the carrier's signed events "
    "(default: the carrier itself).",
)
@click.option(
    "--customs-by",
    metavar="PARTY",
    help="With --scenario: the customs party that signs the customs events.",
)
@click.option(
    "--relay-key-env",
    metavar="VAR",
    help="With --chain: the key of the account that sends the carrier's signed events "
    "(default: the carrier itself).",
)
@click.option(
    "--customs-key-env",
    metavar="VAR",
    help="With --chain: the key of the order's customs authority, which signs the customs events.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@events_option
@network_options
@click.pass_context
def import_(
    ctx: click.Context,
    feed: str,
    order_ref: str,
    target: str | None,
    scenario: str | None,
    manifest: str | None,
    relay_by: str | None,
    customs_by: str | None,
    relay_key_env: str | None,
    customs_key_env: str | None,
    as_json: bool,
    events_dir: str | None,
    net: NetworkOptions,
) -> None:
    """Import FEED (a JSON array of DCSA T&T 2.2 events) into an order: its facts become
    checkpoints signed by the order's carrier; planned and estimated events are kept for
    the timeline. Exit 0 when every fact was recorded or already there, 1 when the chain
    refused one, 2 when the feed is invalid (nothing is recorded)."""
    from tradelane.standards.dcsa import load_feed
    from tradelane.standards.track import import_events

    events = load_feed(feed)  # the whole feed is checked before anything is sent
    if scenario is not None and (relay_key_env or customs_key_env or net.has_key):
        raise click.UsageError(
            "with --scenario, name parties with --relay-by / --customs-by; keys are for --chain"
        )
    if target is not None and (relay_by or customs_by):
        raise click.UsageError("with --chain, give keys with --relay-key-env / --customs-key-env")
    with open_order(
        order_ref, target, scenario, manifest, net, events_dir, need_key=True
    ) as opened:
        client, trade = opened.client, opened.trade
        carrier = relayer = customs = None
        if opened.scenario is not None:
            parties = opened.scenario.parties
            for flag, name in (("--relay-by", relay_by), ("--customs-by", customs_by)):
                if name is not None and name not in parties:
                    raise click.BadParameter(
                        f"no party named {name!r} in {scenario}", param_hint=flag
                    )
            relayer = parties[relay_by] if relay_by else None
            customs = parties[customs_by] if customs_by else None
        else:
            carrier = client.chain.signer.default  # the key of --key-env / --keystore
            if carrier != trade.terms.carrier:
                raise InputError(
                    f"the key given is {carrier}'s; the order's carrier is {trade.terms.carrier}: "
                    "give the carrier's key (a relayer's with --relay-key-env)"
                )
            if relay_key_env:
                relayer = client.add_key(_key_of(relay_key_env))
            if customs_key_env:
                customs = client.add_key(_key_of(customs_key_env))
        err = _console(err=True)
        with Progress(
            TextColumn("importing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        ) as progress:
            task = progress.add_task(Path(feed).name, total=len(events))
            report = import_events(
                client,
                trade,
                events,
                carrier=carrier,
                relayer=relayer,
                customs=customs,
                file=feed,
                on_event=lambda _line: progress.advance(task),
            )
        if as_json:
            click.echo(json.dumps(report.to_json(), indent=2))
        else:
            _print_import(_console(), report, opened.label)
    ctx.exit(0 if report.ok else 1)


def _print_import(console: Console, report: Any, label: str) -> None:
    table = Table(
        title=f"{report.file} into order {label}", title_justify="left", header_style="bold"
    )
    for column in ("#", "eventID", "event", "time", "at", "outcome"):
        table.add_column(column, no_wrap=True)
    table.add_column("checkpoints / why", overflow="fold")
    colours = {"recorded": "green", "refused": "red", "already recorded": "cyan"}
    for line in report.lines:
        colour = colours.get(line.outcome, "yellow" if line.outcome == "skipped" else "dim")
        what = ", ".join(line.kinds)
        if line.reason:
            what = f"{what}; {line.reason}" if what else line.reason
        table.add_row(
            str(line.index),
            line.event_id[:8] + "…",
            f"{line.code} {line.classifier}",
            line.event_time,
            line.location,
            f"[{colour}]{line.outcome}[/{colour}]",
            what,
        )
    console.print(table)
    colour = "green" if report.ok else "red"
    console.print(
        f"[{colour}]{report.summary()}[/{colour}] ({report.gas:,} gas, {report.seconds:.1f}s)"
    )


# ---------------------------------------------------------------------------- doc


@click.group()
def doc() -> None:
    """Documents hashed as eBL platforms do: SHA-256, of RFC 8785 canonical JSON for JSON."""


@doc.command("hash")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the hashes as JSON.")
def hash_(files: tuple[str, ...], as_json: bool) -> None:
    """Print each FILE's sha256, the hash a checkpoint records for it (`document: {file:
    FILE}` in a scenario). JSON files are canonicalised with RFC 8785 first."""
    from tradelane.standards.documents import hash_file

    documents = [hash_file(f) for f in files]  # any unreadable file: nothing printed, exit 2
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"file": d.path, "sha256": d.hex, "canonical_json": d.canonical}
                    for d in documents
                ],
                indent=2,
            )
        )
        return
    for d in documents:
        click.echo(f"{d.hex}  {d.path}" + ("  (JSON, RFC 8785)" if d.canonical else ""))


@doc.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@order_source_options
@click.option("--json", "as_json", is_flag=True, help="Print the finding as JSON.")
@events_option
@network_options
@click.pass_context
def verify(
    ctx: click.Context,
    file: str,
    order_ref: str,
    target: str | None,
    scenario: str | None,
    manifest: str | None,
    as_json: bool,
    events_dir: str | None,
    net: NetworkOptions,
) -> None:
    """Say which checkpoint of the order (stage, time, who) recorded FILE; exit 1 when the
    order never recorded it."""
    from tradelane.standards.documents import hash_file
    from tradelane.standards.timeline import order_timeline

    document = hash_file(file)
    with open_order(order_ref, target, scenario, manifest, net, events_dir) as opened:
        client, trade = opened.client, opened.trade
        found = []
        if "0x" + bytes(trade.terms.document_hash).hex() == document.hex:
            found.append(
                {
                    "what": "the order's terms document",
                    "stage": "terms",
                    "time": None,
                    "actor": trade.order.buyer,
                    "actor_name": client.name_of(trade.order.buyer),
                    "tx": None,
                    "event_time": None,
                }
            )
        for entry in order_timeline(client, trade):
            if entry.kind is None or entry.planned or entry.document_hash != document.hex:
                continue
            found.append(
                {
                    "what": "checkpoint",
                    "stage": entry.kind.label,
                    "time": _iso(entry.time),
                    "event_time": _iso(entry.event_time) if entry.event_time is not None else None,
                    "actor": entry.actor,
                    "actor_name": client.name_of(entry.actor),
                    "location": entry.location,
                    "uri": entry.uri,
                    "tx": entry.tx_hash,
                }
            )
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "file": file,
                        "sha256": document.hex,
                        "order": trade.id_hex,
                        "recorded": found,
                    },
                    indent=2,
                )
            )
        elif found:
            for item in found:
                if item["what"] != "checkpoint":
                    click.echo(f"{file} ({document.hex}) is {item['what']} of order {opened.label}")
                    continue
                when = f"at {item['time']} UTC" + (
                    f" (event time {item['event_time']})" if item["event_time"] else ""
                )
                click.echo(
                    f"{file} ({document.hex}) was recorded on order {opened.label} as "
                    f"{item['stage']} {when} by {item['actor_name']} ({item['actor']}), "
                    f"tx {item['tx']}"
                )
        else:
            click.echo(
                f"{file} ({document.hex}) was never recorded on order {opened.label}", err=True
            )
        ctx.exit(0 if found else 1)


def _iso(timestamp: int | None) -> str:
    return datetime.fromtimestamp(int(timestamp or 0), UTC).strftime("%Y-%m-%d %H:%M:%S")


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


COMMANDS = (track, doc)

__all__ = [
    "COMMANDS",
    "EXPORT_FORMATS",
    "export_order",
    "open_order",
    "print_documents",
    "timeline_json",
]
