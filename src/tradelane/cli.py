"""The `tradelane` command line. Other commands (run, deploy, order) join this group."""

from __future__ import annotations

import sys
import time

import click

from tradelane import __version__
from tradelane.errors import CompilationError, TradelaneError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tradelane")
def cli() -> None:
    """Cross-border trade escrow: compile, deploy and drive the Tradelane contracts."""


@cli.command()
@click.option("--force", is_flag=True, help="Recompile even if build/ is up to date.")
def compile(force: bool) -> None:
    """Compile contracts/ into build/ with the pinned solc."""
    from tradelane.compiler import compile_contracts, find_solc

    solc = find_solc()
    started = time.perf_counter()
    compiled: list[int] = []

    def say(sources: int) -> None:
        compiled.append(sources)
        click.echo(
            f"compiling {sources} source files with solc {solc.base_version} ({solc.kind}); "
            "via-IR takes a while (about 15 s)...",
            err=True,
        )

    artifacts = compile_contracts(force=force, solc=solc, on_compile=say)
    elapsed = time.perf_counter() - started
    deployable = sorted(n for n, a in artifacts.items() if a.deployable)
    how = f"in {elapsed:.2f}s" if compiled else "(cached: the sources have not changed)"
    click.echo(
        f"{len(artifacts)} contracts ({len(deployable)} deployable) in build/ "
        f"with solc {solc.base_version} ({solc.kind}: {solc.path}) {how}"
    )


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8545,
    show_default=True,
    help="Port to listen on.",
)
def node(port: int) -> None:
    """Run a local Anvil until Ctrl-C (another port if PORT is taken)."""
    from eth_account import Account

    from tradelane.chain import AnvilProcess, dev_private_keys

    anvil = AnvilProcess(port).start()
    try:
        if anvil.moved_from is not None:
            click.echo(f"port {anvil.moved_from} is taken; using {anvil.port} instead", err=True)
        click.echo(f"anvil listening on {anvil.url} (chain id 31337); Ctrl-C stops it")
        click.echo(
            f"funded accounts ({anvil.balance_eth:,} ETH each; dev keys, not for real money):"
        )
        for index, key in enumerate(dev_private_keys(anvil.accounts)):
            click.echo(f"  ({index}) {Account.from_key(key).address}  {key}")
        while anvil.alive():
            time.sleep(0.5)
        raise TradelaneError("anvil stopped unexpectedly")
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        anvil.stop()


# The toolkit's commands (run, demo, deploy, order) live in tradelane._commands.
from tradelane._commands import COMMANDS  # noqa: E402

for _command in COMMANDS:
    cli.add_command(_command)

# `tradelane track import` and `tradelane doc hash|verify` (docs/STANDARDS.md).
from tradelane._stdcli import COMMANDS as STANDARDS_COMMANDS  # noqa: E402

for _command in STANDARDS_COMMANDS:
    cli.add_command(_command)

# `tradelane bench gas|throughput|scale` (BENCHMARKS.md) lives in tradelane.bench.
from tradelane.bench import bench  # noqa: E402

cli.add_command(bench)

# `tradelane gas [--diff|--check|--write]` against gas/snapshot.json.
from tradelane._gascli import gas  # noqa: E402

cli.add_command(gas)

# `tradelane init DIR`: a starter project.
from tradelane._init import init  # noqa: E402

cli.add_command(init)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (docs/CLI.md says where to put it)."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # the three choices are click's own
    click.echo(completer(cli, {}, "tradelane", "_TRADELANE_COMPLETE").source())


# `tradelane explorer` and `tradelane report` (the trade explorer) live in tradelane.explorer.
from tradelane.explorer.cli import COMMANDS as EXPLORER_COMMANDS  # noqa: E402

for _command in EXPLORER_COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the group; a toolkit error becomes one line and its exit code."""
    import tradelane.chain

    tradelane.chain.notice = lambda text: click.echo(text, err=True)
    try:
        code = cli.main(args=argv, prog_name="tradelane", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except CompilationError as exc:
        for line in exc.diagnostics:
            click.echo(line, err=True)
        sys.exit(exc.exit_code)
    except TradelaneError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        # A node that dies or drops off mid-run (Anvil killed, network gone): one line, exit 3.
        lost = _lost_chain(exc)
        if lost is None:
            raise
        click.echo(f"error: lost the chain mid-run: {lost}", err=True)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


def _lost_chain(exc: BaseException) -> str | None:
    """The root cause if `exc` comes from a node that stopped answering, else None."""
    import requests
    from web3.exceptions import ProviderConnectionError

    kinds = (ConnectionError, requests.ConnectionError, requests.Timeout, ProviderConnectionError)
    seen: BaseException | None = exc
    found: BaseException | None = None
    while seen is not None:
        if isinstance(seen, kinds):
            found = seen
        seen = seen.__cause__ or seen.__context__
    if found is None:
        return None
    root = found
    while root.__cause__ is not None or root.__context__ is not None:
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    text = str(root).splitlines()[0] if str(root) else type(root).__name__
    return f"{type(root).__name__}: {text[:160]} (is the node still running?)"


if __name__ == "__main__":
    main()
