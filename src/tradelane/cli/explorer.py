"""`tradelane explorer` (index, then serve the pages) and `tradelane report` (one order as
one self-contained HTML file).

Where the data comes from, in both commands: tradelane.cli.explorer_source. Errors a user
can fix are one line and exit 2: an invalid scenario or names file, a database that cannot
be opened (or holds another chain), a port in use, an unknown order.
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradelane.cli.explorer_source import (
    REAL_NETWORK_CONFIRMATIONS,
    Source,
    open_source,
    read_names,
)
from tradelane.cli.options import InputError, _check_chain, checked


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (before anything slow runs), or one line naming the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise InputError(
                f"port {port} on {host} is in use: stop what holds it or give another --port"
            ) from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _progress() -> Progress:
    err = _err()
    return Progress(
        TextColumn("indexing blocks"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def index_with_progress(indexer: Any, say: Any) -> Any:
    with _progress() as progress:
        task = progress.add_task("index", total=None, events=0)

        def step(done: int, total: int, events: int) -> None:
            progress.update(task, completed=done, total=total, events=events)

        report = indexer.sync(progress=step)
    say(
        f"indexed blocks {report.first}..{report.cursor}: {report.events:,} events, "
        f"{report.orders:,} orders in {report.seconds:.1f}s"
        if report.blocks
        else f"index up to date at block {report.cursor}"
    )
    if report.reorg is not None:
        say(_reorg_line(report.reorg))
    return report


def _reorg_line(reorg: Any) -> str:
    return (
        f"reorg: the chain replaced the blocks after {reorg.ancestor} ({reorg.depth} indexed "
        f"blocks, {reorg.events} events undone); indexed again"
    )


# ---------------------------------------------------------------------------- commands


def _source_options(fn: Any) -> Any:
    options = [
        click.option(
            "--scenario",
            "scenario_files",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False),
            help="Run this scenario on an embedded chain first (repeat, or list several).",
        ),
        click.option(
            "--chain",
            "target",
            default=None,
            callback=checked(_check_chain),
            help="With --scenario: eth-tester (default) or anvil. Alone: the JSON-RPC URL of a "
            "chain with a deployed suite.",
        ),
        click.option(
            "--db",
            "db_url",
            metavar="URL",
            help="SQLAlchemy URL of the index (default: sqlite under build/; "
            "postgresql+psycopg://user@host/db for PostgreSQL).",
        ),
        click.option(
            "--names",
            "names_file",
            type=click.Path(dir_okay=False),
            help="Address book: a YAML file of `0xADDRESS: name`.",
        ),
        click.option(
            "--confirmations",
            type=click.IntRange(0),
            default=None,
            help=f"Blocks on top before a block is read (default 0 on local chains, "
            f"{REAL_NETWORK_CONFIRMATIONS} on a network).",
        ),
        click.option(
            "--manifest",
            type=click.Path(exists=True, dir_okay=False),
            help="The deployment manifest (default deployments/<chainId>.json).",
        ),
        click.option(
            "--deployments",
            type=click.Path(file_okay=False),
            envvar="TRADELANE_DEPLOYMENTS",
            help="Folder of the <chainId>.json manifests (default deployments/).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@_source_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--interval",
    type=click.FloatRange(0.1),
    default=2.0,
    show_default=True,
    help="Seconds between looks for new blocks.",
)
@click.option("--index-only", is_flag=True, help="Catch up, say what was indexed and exit.")
def explorer(
    files: tuple[str, ...],
    scenario_files: tuple[str, ...],
    target: str | None,
    db_url: str | None,
    names_file: str | None,
    confirmations: int | None,
    manifest: str | None,
    deployments: str | None,
    host: str,
    port: int,
    interval: float,
    index_only: bool,
) -> None:
    """Index a suite's events into a database and serve the trade explorer's pages.

    FILES are more scenario files (so `--scenario scenarios/*.yaml` works). Pages: /
    (orders), /orders/ID, /parties/ADDRESS, /verify; JSON under /api/. Read-only: no key,
    no transaction. Ctrl-C stops it."""
    from tradelane.explorer.pages import Explorer
    from tradelane.explorer.web import create_app

    scenarios = [*scenario_files, *files]
    if files and not scenario_files:
        raise click.UsageError("FILES are scenario files: put them after --scenario")
    names = read_names(names_file) if names_file else {}
    say = _err().print
    sock = None if index_only else bind(host, port)
    try:
        with open_source(
            scenarios=scenarios,
            target=target,
            db_url=db_url,
            confirmations=confirmations,
            manifest=manifest,
            deployments=deployments,
            memory_for_scenarios=False,
            say=say,
        ) as source:
            if source.indexer is not None:
                index_with_progress(source.indexer, say)
            if index_only or sock is None:
                return
            _serve(source, Explorer(source.store, names), create_app, sock, host, interval, say)
    finally:
        if sock is not None:
            sock.close()


def _serve(
    source: Source,
    explorer: Any,
    create_app: Any,
    sock: socket.socket,
    host: str,
    interval: float,
    say: Any,
) -> None:
    import uvicorn

    stop = threading.Event()
    follower = None
    if source.indexer is not None:
        last_error = [""]

        def on_sync(report: Any) -> None:
            last_error[0] = ""
            if report.reorg is not None:
                say(_reorg_line(report.reorg))
            if report.blocks and report.events:
                say(f"block {report.cursor}: {report.events} new events")

        def on_error(exc: Exception) -> None:
            line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if line != last_error[0]:
                say(f"error: indexer: {type(exc).__name__}: {line[:200]} (trying again)")
                last_error[0] = line

        follower = threading.Thread(
            target=source.indexer.follow,
            args=(stop,),
            kwargs={"interval": interval, "on_sync": on_sync, "on_error": on_error},
            name="explorer-indexer",
            daemon=True,
        )
    app = create_app(explorer)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if ":" in str(bound[0]) else str(bound[0])
    with source.store.read() as conn:
        status = explorer.status(conn)
    following = f"; following new blocks every {interval:g}s" if follower else ""
    click.echo(
        f"explorer on http://{shown}:{bound[1]}/ (chain id {status['chain_id']}, block "
        f"{status['block']}, {status['orders']:,} orders{following}); Ctrl-C stops it",
        err=False,
    )
    sys.stdout.flush()
    if follower is not None:
        follower.start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again for us
        pass
    finally:
        stop.set()
        if follower is not None:
            follower.join(timeout=30)
    click.echo("stopped")


@click.command()
@click.argument("ref")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@_source_options
@click.option(
    "--html",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The HTML file to write (one self-contained file).",
)
def report(
    ref: str,
    files: tuple[str, ...],
    scenario_files: tuple[str, ...],
    target: str | None,
    db_url: str | None,
    names_file: str | None,
    confirmations: int | None,
    manifest: str | None,
    deployments: str | None,
    out: str,
) -> None:
    """Write one order's page as one self-contained HTML file (for e-mail or an audit file).

    REF is an order id, or with --scenario an order's name in it (po-1). The data comes
    from --scenario FILE (run on an embedded chain), --chain URL (its suite, indexed into
    the default database first) or --db URL (an index made earlier)."""
    from tradelane._files import write_text_atomic
    from tradelane.explorer.pages import Explorer, PageError
    from tradelane.explorer.web import render_order

    if files and not scenario_files:
        raise click.UsageError("FILES are scenario files: put them after --scenario")
    names = read_names(names_file) if names_file else {}
    say = _err().print
    with open_source(
        scenarios=[*scenario_files, *files],
        target=target,
        db_url=db_url,
        confirmations=confirmations,
        manifest=manifest,
        deployments=deployments,
        memory_for_scenarios=True,
        say=say,
    ) as source:
        if source.indexer is not None:
            index_with_progress(source.indexer, say)
        view = Explorer(source.store, names)
        try:
            html = render_order(view, view.resolve(ref), standalone=True)
        except PageError as exc:
            raise InputError(exc.message) from None
    path = Path(out)
    try:
        write_text_atomic(path, html)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path} ({len(html.encode()):,} bytes): order {ref}")


__all__ = ["bind", "explorer", "index_with_progress", "report"]
