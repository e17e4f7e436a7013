"""The trade-data commands of the `tradelane` CLI: `track import` (a carrier's DCSA feed in)
and `doc hash` / `doc verify` (documents hashed as eBL platforms do).

An order is named as `tradelane order` names it: an order id with `--chain URL` (the suite
of deployments/<chainId>.json), or an order's name in a scenario with `--scenario FILE`
(the scenario is run on eth-tester first). Imported events are kept under events/
(`--events DIR`, `$TRADELANE_EVENTS`) for chains that outlive the command.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tradelane.cli.options import (
    InputError,
    NetworkOptions,
    events_option,
    network_options,
    order_source_options,
)
from tradelane.cli.orders import open_order


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    return Console(
        stderr=err, highlight=False, soft_wrap=False, width=None if stream.isatty() else 150
    )


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


__all__ = ["doc", "track"]
