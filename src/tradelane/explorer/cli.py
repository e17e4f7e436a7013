"""`tradelane explorer` (index, then serve the pages) and `tradelane report` (one order as
one self-contained HTML file). Registered on the group in tradelane.cli.

Where the data comes from, in both commands:

- `--scenario FILE...`: the scenarios run on an embedded chain (eth-tester, or `--chain
  anvil`) first, each on its own suite; every suite is indexed and served.
- `--chain URL`: the suite of that chain's deployment manifest (deployments/<chainId>.json,
  or `--manifest`), indexed from its deployment block, then followed.
- `--db URL` alone: a database indexed earlier, served as it is.

Errors a user can fix are one line and exit 2: an invalid scenario or names file, a
database that cannot be opened (or holds another chain), a port in use, an unknown order.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradelane._netcli import InputError, checked, first_block, read_manifest

#: Chains where blocks are final as mined (the toolkit's own, and local dev nodes).
DEV_CHAIN_IDS = (31337, 1337)
REAL_NETWORK_CONFIRMATIONS = 6


def _check_chain(value: str) -> None:
    if value not in ("eth-tester", "anvil") and not value.startswith(
        ("http://", "https://", "ws://", "wss://")
    ):
        raise ValueError(f"unknown chain {value!r}: use eth-tester, anvil or an http(s)/ws(s) URL")


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def read_names(path: str) -> dict[str, str]:
    """An address book: YAML `0xADDRESS: name` lines."""
    import yaml
    from eth_utils import is_address, to_checksum_address

    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"cannot read names file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"names file {path} is not YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"names file {path}: write one `0xADDRESS: name` per line")
    names: dict[str, str] = {}
    for key, value in data.items():
        address = str(key) if not isinstance(key, int) else hex(key)
        if not is_address(address):
            raise InputError(
                f"names file {path}: {address!r} is not an address (0x followed by 40 hex "
                "digits; quote it so YAML keeps it as text)"
            )
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise InputError(f"names file {path}: give {address} a name")
        names[to_checksum_address(address)] = str(value).strip()
    return names


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


@dataclass
class Source:
    """What the commands serve or report: the database, and the indexer when a chain feeds it."""

    store: Any
    indexer: Any = None
    chain: Any = None
    failed: list[str] = field(default_factory=list)


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


def _default_db(name: str) -> Path:
    from tradelane._settings import project_root

    folder = project_root() / "build"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _fresh_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def save_names(
    store: Any, names: dict[str, tuple[str, str]], labels: Sequence[dict[str, str]] = ()
) -> None:
    """Store names of addresses ({address: (name, source)}) and of orders (label rows)."""
    from tradelane.explorer import db

    rows = [{"address": a, "name": n, "source": s} for a, (n, s) in names.items()]
    with store.write() as conn:
        store.replace(conn, db.names, ["address"], rows)
        store.replace(conn, db.labels, ["order_id"], list(labels))


@contextlib.contextmanager
def open_source(
    *,
    scenarios: Sequence[str],
    target: str | None,
    db_url: str | None,
    confirmations: int | None,
    manifest: str | None,
    deployments: str | None,
    memory_for_scenarios: bool,
    say: Any,
) -> Iterator[Source]:
    """Open the database and fill it from the scenarios or the chain (see the module's
    docstring); everything is closed on leaving."""
    from tradelane.explorer import Indexer
    from tradelane.explorer.db import open_store, sqlite_url

    loaded = _load_scenarios(scenarios)
    if loaded and target not in (None, "eth-tester", "anvil"):
        raise InputError(
            "--scenario runs on an embedded chain (eth-tester or anvil); to explore a network, "
            "run the scenarios there with tradelane run, then give --chain URL alone"
        )
    if not loaded and target in ("eth-tester", "anvil"):
        raise InputError(
            f"nothing to index on a fresh {target}: give --scenario FILE, or --chain URL of a "
            "node with a deployed suite"
        )
    if not loaded and target is None and db_url is None:
        raise click.UsageError(
            "give --scenario FILE, --chain URL or --db URL (an index made earlier)"
        )
    if loaded:
        if db_url is None:
            if memory_for_scenarios:
                db_url = "sqlite://"
            else:  # the embedded chain is new at every start: so is its index
                path = _default_db("explorer-scenarios.db")
                _fresh_sqlite(path)
                db_url = sqlite_url(path)
            store = open_store(db_url)
        else:
            store = open_store(db_url)
            if not store.is_empty():
                store.close()
                raise InputError(
                    f"database {store.label} already holds an index: --scenario needs an empty "
                    "one (its chain is new at every start): give another --db"
                )
    elif target is None:
        assert db_url is not None
        store = open_store(db_url)
        if store.is_empty():
            store.close()
            raise InputError(
                f"database {store.label} holds no index yet: give --chain URL or --scenario FILE"
            )
    else:
        store = None  # opened once the chain id is known (the default file is per chain)
    try:
        if not loaded and target is None:
            yield Source(store)
            return
        from tradelane.chain import connect
        from tradelane.compiler import compile_contracts

        artifacts = compile_contracts()
        with connect(target or "eth-tester") as chain:
            names: dict[str, tuple[str, str]] = {}
            failed: list[str] = []
            if loaded:
                clients, labels = _run_scenarios(loaded, chain, artifacts, names, failed, say)
            else:
                clients, labels = [_network_client(chain, artifacts, manifest, deployments)], []
                for address, name in clients[0].names.items():
                    names[address] = (name, "deployment")
                if store is None:
                    url = db_url or sqlite_url(_default_db(f"explorer-{chain.chain_id}.db"))
                    store = open_store(url)
            assert store is not None
            if confirmations is None:
                confirmations = (
                    0
                    if chain.kind != "rpc" or chain.chain_id in DEV_CHAIN_IDS
                    else REAL_NETWORK_CONFIRMATIONS
                )
            indexer = Indexer(store, clients, confirmations=confirmations)
            save_names(store, names, labels)
            yield Source(store, indexer, chain, failed)
    finally:
        if store is not None:
            store.close()


def _load_scenarios(files: Sequence[str]) -> list[Any]:
    from tradelane.scenario import ScenarioInvalid, load_scenario

    loaded, problems = [], []
    for file in dict.fromkeys(files):
        try:
            loaded.append(load_scenario(file))
        except ScenarioInvalid as exc:
            problems.append(str(exc))
    if problems:
        raise InputError("invalid scenario: " + "; ".join(problems))
    return loaded


def _run_scenarios(
    scenarios: Sequence[Any],
    chain: Any,
    artifacts: Any,
    names: dict[str, tuple[str, str]],
    failed: list[str],
    say: Any,
    results: list[Any] | None = None,
) -> tuple[list[Any], list[dict[str, str]]]:
    """Run each scenario on its own suite; collect its client, names and order labels."""
    from tradelane.scenario import run_scenario

    clients, labels = [], []
    for scenario in scenarios:
        source = Path(scenario.file).name
        result = run_scenario(scenario, chain, artifacts=artifacts)
        if results is not None:
            results.append(result)
        if result.client is None:  # pragma: no cover - run_scenario always deploys
            continue
        if not result.passed:
            first = result.failures[0]
            failed.append(source)
            say(f"warning: {source}: step {first.index} {first.label}: {first.message}")
        clients.append(result.client)
        for address, name in result.client.names.items():
            names.setdefault(address, (name, source))
        for label, order_id in result.orders.items():
            labels.append({"order_id": order_id.lower(), "label": label, "source": source})
    say(f"ran {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} on {chain.describe()}")
    return clients, labels


def index_scenarios(
    store: Any, chain: Any, scenarios: Sequence[Any], artifacts: Any, say: Any = None
) -> tuple[Any, list[Any]]:
    """Run `scenarios` on `chain` and set up an indexer of their suites in `store` (names
    and labels saved); returns (indexer, the scenario results). Nothing is indexed yet."""
    from tradelane.explorer import Indexer

    names: dict[str, tuple[str, str]] = {}
    results: list[Any] = []
    clients, labels = _run_scenarios(
        scenarios, chain, artifacts, names, [], say or (lambda _m: None), results
    )
    indexer = Indexer(store, clients)
    save_names(store, names, labels)
    return indexer, results


def _network_client(
    chain: Any, artifacts: Any, manifest: str | None, deployments: str | None
) -> Any:
    from tradelane._commands import load_deployment
    from tradelane._netcli import check_on_chain
    from tradelane.client import TradeClient
    from tradelane.deploy import manifest_path

    path = (
        Path(manifest)
        if manifest
        else manifest_path(chain.chain_id, Path(deployments) if deployments else None)
    )
    recorded = read_manifest(path, chain.chain_id)
    if recorded is None:
        raise InputError(
            f"no deployment manifest for chain {chain.chain_id} at {path}: give --manifest "
            "FILE, or deploy with tradelane deploy --chain URL"
        )
    check_on_chain(chain, recorded, path)
    deployment = load_deployment(chain, artifacts, path)
    # No key is added: the explorer reads and never sends.
    return TradeClient(chain, deployment, artifacts=artifacts, from_block=first_block(recorded))


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


COMMANDS = (explorer, report)

__all__ = ["COMMANDS", "bind", "explorer", "open_source", "read_names", "report"]
