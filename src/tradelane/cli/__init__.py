"""The `tradelane` command line: the root group, every command group registered on it, `main`.

Each command group lives in its own module of tradelane.cli (run, orders, deploy, node,
standards, bench, gas, init, explorer); the options they share live in tradelane.cli.options.
"""

from __future__ import annotations

import sys

import click

from tradelane import __version__
from tradelane.cli import bench, deploy, explorer, gas, init, node, orders, run, standards
from tradelane.errors import CompilationError, TradelaneError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tradelane")
def cli() -> None:
    """Cross-border trade escrow: compile, deploy and drive the Tradelane contracts."""


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (docs/CLI.md says where to put it)."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # the three choices are click's own
    click.echo(completer(cli, {}, "tradelane", "_TRADELANE_COMPLETE").source())


#: Every command of the root group, each from the module of its command group.
COMMANDS = (
    deploy.compile,
    node.node,
    run.run,
    run.demo,
    deploy.deploy,
    orders.order,
    standards.track,  # `tradelane track import` (docs/STANDARDS.md)
    standards.doc,  # `tradelane doc hash|verify`
    bench.bench,  # `tradelane bench gas|throughput|scale` (BENCHMARKS.md)
    gas.gas,  # `tradelane gas [--diff|--check|--write]` against gas/snapshot.json
    init.init,  # `tradelane init DIR`: a starter project
    completion,
    explorer.explorer,  # the trade explorer (docs/EXPLORER.md)
    explorer.report,
)

for _command in COMMANDS:
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


__all__ = ["COMMANDS", "cli", "main"]
