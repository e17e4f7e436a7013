"""The toolkit's commands of the `tradelane` CLI: run, demo, deploy, order.

Registered on the group in tradelane.cli. Output is rich text for people, `--json` for
machines; `tradelane run` exits 0 when every expectation held, 1 when one failed and 2
when a file is invalid.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradelane._client.render import holdings_table, timeline_table
from tradelane._netcli import (
    InputError,
    NetworkOptions,
    check_funds,
    check_on_chain,
    checked,
    first_block,
    network_options,
    read_manifest,
    read_network_options,
    refuse_time_travel,
    setup_network,
)
from tradelane._stdcli import (
    EXPORT_FORMATS,
    events_option,
    export_order,
    print_documents,
    timeline_json,
)
from tradelane.errors import TradelaneError
from tradelane.types import Stage

F = TypeVar("F", bound=Any)

CHAIN_HELP = "eth-tester (embedded, default), anvil (a local Anvil started for the run) or a URL."


# ---------------------------------------------------------------------------- options


def _check_ether(what: str, positive: bool = False) -> Any:
    """A check that a value is an amount of ether (`what` names it in the error)."""

    def check(value: str) -> None:
        from tradelane.amounts import parse_amount

        amount = parse_amount(value)
        if amount.symbol not in (None, "ETH"):
            raise ValueError(f"{what} in ETH, not {amount.symbol}")
        if positive and amount.to_units(18) <= 0:
            raise ValueError(
                f"{value!r}: every party pays the gas of its own steps; give it some ether, "
                "like 0.05ETH"
            )
        amount.to_units(18)

    return check


def _check_ruling_period(value: str) -> None:
    from tradelane.scenario import RULING_PERIOD_BOUNDS, check_bounds

    check_bounds("the ruling period", RULING_PERIOD_BOUNDS)(value)


def _check_fee(value: str) -> None:
    from tradelane.scenario import check_fee

    check_fee(value)


def _check_address(value: str) -> None:
    from eth_utils import is_address

    if not is_address(value):
        raise ValueError(f"not an address: {value!r} (write it as 0x followed by 40 hex digits)")
    if int(value, 16) == 0:
        raise ValueError(
            "the zero address cannot receive fees (the escrow refuses it): give the "
            "treasury's address"
        )


def _check_chain(value: str) -> None:
    if value not in ("eth-tester", "anvil") and not value.startswith(
        ("http://", "https://", "ws://", "wss://")
    ):
        raise ValueError(f"unknown chain {value!r}: use eth-tester, anvil or an http(s)/ws(s) URL")


def _set_rpc_timeout(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    try:
        seconds = float(value.removesuffix("s"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number of seconds, like 10 or 2.5") from None
    if not 0 < seconds <= 3600:
        raise click.BadParameter(f"{value!r}: give 0 < seconds <= 3600")
    os.environ["TRADELANE_RPC_TIMEOUT"] = str(seconds)


#: `--rpc-timeout`: how long to wait for a node's answer (sets $TRADELANE_RPC_TIMEOUT).
rpc_timeout_option = click.option(
    "--rpc-timeout",
    metavar="SECONDS",
    expose_value=False,
    callback=_set_rpc_timeout,
    help="Seconds to wait for a node's answer before giving up (default 15; "
    "$TRADELANE_RPC_TIMEOUT).",
)


def _complete_network(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of --network: the project's named networks, then the built-in ones."""
    from tradelane._networks import APE_LOCAL, named_networks

    try:
        names = list(named_networks())
    except TradelaneError:
        names = []
    names += ["eth-tester", "anvil", *(n for n in APE_LOCAL if ":" in n and n[0] != ":")]
    return [n for n in names if n.startswith(incomplete)]


#: The network the running command resolved (--network, --chain, $ETH_RPC_URL, default).
_resolved: list[Any] = []


def chain_option(fn: Any = None, *, optional: bool = False) -> Any:
    """`--chain`, `--network NAME` and `--rpc-timeout`, shared by run, demo, deploy and order.

    The command receives `target` (eth-tester, anvil or a URL; None for an `optional` one
    given nothing); a named network's key and confirmations fill in the network options
    the user did not give."""
    if fn is None:
        return functools.partial(chain_option, optional=optional)

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        from tradelane._networks import resolve

        resolved = resolve(kwargs.pop("target"), kwargs.pop("network"))
        try:
            _check_chain(resolved.target)
        except ValueError as exc:
            raise click.BadParameter(f"{exc} (from {resolved.source})") from None
        _resolved[:] = [resolved]
        kwargs["target"] = (
            None if optional and resolved.source == "the default" else resolved.target
        )
        if "key_env" in kwargs and not kwargs["key_env"] and not kwargs.get("keystore"):
            kwargs["key_env"], kwargs["keystore"] = resolved.key_env, resolved.keystore
        ctx = click.get_current_context()
        if (
            "confirmations" in kwargs
            and resolved.confirmations is not None
            and ctx.get_parameter_source("confirmations") == click.core.ParameterSource.DEFAULT
        ):
            kwargs["confirmations"] = resolved.confirmations
        return fn(**kwargs)

    decorated: Any = rpc_timeout_option(wrapper)
    decorated = click.option(
        "--network",
        metavar="NAME",
        shell_complete=_complete_network,
        help="A network named in tradelane.toml or [tool.tradelane] (url, chain id, key, "
        "confirmations), or eth-tester / anvil / ape's ethereum:local:test.",
    )(decorated)
    return click.option(
        "--chain",
        "target",
        default=None,
        help=CHAIN_HELP + " Default: $ETH_RPC_URL when set, else eth-tester.",
    )(decorated)


def optional_chain_option(fn: F) -> F:
    """chain_option for a command that may run without a chain given (order)."""
    return chain_option(fn, optional=True)  # type: ignore[no-any-return]


def console_width(stream: Any = None) -> int | None:
    """The columns to lay out for: $COLUMNS when set, the terminal's own on a terminal, else
    150 (pipes and logs: wide enough for the tables in one row each)."""
    stream = stream or sys.stdout
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) >= 40:
        return int(columns)
    return None if stream.isatty() else 150


def check_output_path(option: str, path: str | None) -> None:
    """An output file's folder must exist and be writable: found before anything runs."""
    if path is None:
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise click.BadParameter(
            f"{path}: folder {folder} does not exist (create it first)", param_hint=option
        )
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"{path}: cannot write in {folder}", param_hint=option)


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    return Console(stderr=err, highlight=False, soft_wrap=False, width=console_width(stream))


@contextmanager
def _chain(target: str) -> Iterator[Any]:
    """Connect and check a named network's chain id; `chain.used` says which chain it is and
    where that came from (for each command's output)."""
    from tradelane.chain import connect
    from tradelane.errors import ChainError

    resolved = _resolved[0] if _resolved else None
    with connect(target) as chain:
        chain_id = chain.chain_id
        if resolved is not None and resolved.chain_id and resolved.chain_id != chain_id:
            raise ChainError(
                f"{resolved.source} expects chain id {resolved.chain_id}, but {chain.describe()} "
                f"reports {chain_id}: wrong url in the config, or the wrong network"
            )
        source = f", from {resolved.source}" if resolved is not None else ""
        chain.used = f"{chain.describe()} (chain id {chain_id}{source})"
        yield chain


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


# ---------------------------------------------------------------------------- run


def _load_all(files: Sequence[str]) -> tuple[list[Any], list[str]]:
    from tradelane.scenario import ScenarioInvalid, load_scenario

    scenarios, problems = [], []
    for file in files:
        try:
            scenarios.append(load_scenario(file))
        except ScenarioInvalid as exc:
            problems.append(str(exc))
    return scenarios, problems


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@chain_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    help="Write each step's transactions, gas and outcome to this JSON file.",
)
@click.option("-v", "--verbose", is_flag=True, help="List every step, not only failures.")
@click.option(
    "--party-eth",
    metavar="AMOUNT",
    help="Ether for each party whose scenario does not set its `eth` (default 100 ETH); "
    "on a URL the paying account gives it.",
    callback=checked(_check_ether("--party-eth is an amount", positive=True)),
)
@click.option(
    "-x",
    "--fail-fast",
    is_flag=True,
    help="Stop at the first failed step; later scenarios do not run.",
)
@click.option(
    "-k",
    "patterns",
    metavar="PATTERN",
    multiple=True,
    help="Only scenarios whose file, name or a step (action, order, party, note) contains "
    "PATTERN (case-insensitive; 'not X' excludes; repeat to add). Matching steps are listed.",
)
@click.option("--check", is_flag=True, help="Validate the files only: no compiler, no chain.")
@click.option(
    "--junit",
    type=click.Path(dir_okay=False),
    help="Also write the results as JUnit XML (a testcase per scenario) for CI systems.",
)
@network_options
@click.pass_context
def run(
    ctx: click.Context,
    files: tuple[str, ...],
    target: str,
    as_json: bool,
    report: str | None,
    verbose: bool,
    party_eth: str | None,
    fail_fast: bool,
    patterns: tuple[str, ...],
    check: bool,
    junit: str | None,
    net: NetworkOptions,
) -> None:
    """Run YAML trade scenarios: exit 0 when every expectation held, 1 when one failed,
    2 when a file is invalid.

    On a URL with --key-env/--keystore the scenarios use the suite of
    deployments/<chainId>.json (deployed first if there is none); their parties get fresh
    keys funded from that account."""
    from tradelane.compiler import compile_contracts
    from tradelane.scenario import run_scenario

    out = _console()
    err = _console(err=True)
    for option, path in (("--report", report), ("--junit", junit)):
        check_output_path(option, path)
    scenarios, problems = _load_all(files)
    if problems:
        for problem in problems:
            click.echo(f"invalid: {problem}", err=True)
        if as_json:
            click.echo(json.dumps({"invalid": problems}, indent=2))
        ctx.exit(2)
    if patterns:
        scenarios = [s for s in scenarios if _selected(s, patterns)]
        if not scenarios:
            raise click.UsageError(f"-k {' '.join(patterns)}: no scenario or step matches")
    if check:
        for scenario in scenarios:
            if not as_json:
                out.print(
                    f"[green]ok[/green] {scenario.file}: {scenario.name} "
                    f"[dim]({len(scenario.parties)} parties, {len(scenario.orders)} orders, "
                    f"{len(scenario.steps)} steps)[/dim]"
                )
        if as_json:
            click.echo(json.dumps({"valid": [s.file for s in scenarios]}, indent=2))
        else:
            out.print(f"{len(scenarios)} files valid (checked without a chain)")
        ctx.exit(0)
    if party_eth is not None:
        scenarios = [s.with_party_eth(party_eth) for s in scenarios]
    artifacts = compile_contracts()
    results: list[Any] = []
    total = sum(len(s.steps) + 1 for s in scenarios)
    with (
        _chain(target) as chain,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json or not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("scenarios", total=total)
        deployment = None
        if chain.persistent:
            refuse_time_travel(chain, scenarios)
            if (signer := setup_network(chain, net)) is not None:
                check_funds(chain, signer, scenarios)
            # the suite of deployments/<chainId>.json (deployed and recorded once if there is
            # none), so that `tradelane order` finds the scenarios' orders afterwards
            deployment = _existing_or_new(chain, artifacts, net, signer)
        for scenario in scenarios:
            if fail_fast and any(not r.passed for r in results):
                break  # --fail-fast: the first failure ends the run
            progress.update(task, description=Path(scenario.file).name)
            snapshot = chain.snapshot() if chain.kind != "rpc" else None
            try:
                result = run_scenario(
                    scenario,
                    chain,
                    artifacts=artifacts,
                    on_step=lambda _s: progress.advance(task),
                    deployment=deployment,
                    # parties' keys must not follow from public facts on a lasting chain
                    seed=os.urandom(16).hex() if chain.persistent else None,
                    fail_fast=fail_fast,
                )
            finally:
                if snapshot is not None:
                    chain.revert(snapshot)
            results.append(result)
            if not as_json:
                _print_result(out, result, verbose, patterns)
            elif verbose:  # --json -v: the JSON on stdout, every step listed on stderr
                _print_result(_console(err=True), result, verbose, patterns)
        used = chain.used
    passed = sum(r.passed for r in results)
    payload = {
        "chain": target,
        "chain_used": used,
        "passed": passed,
        "failed": len(results) - passed,
        "scenarios": [r.to_json() for r in results],
    }
    not_run = [s.file for s in scenarios[len(results) :]]
    if not_run:
        payload["not_run"] = not_run
    if report:
        Path(report).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    if junit:
        from tradelane._junit import junit_xml

        Path(junit).write_text(junit_xml(results, not_run, used))
    if as_json:
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        colour = "green" if passed == len(results) else "red"
        out.print(
            f"[{colour}]{passed} of {len(results)} scenarios passed[/{colour}] on {used}"
            + (f"; {len(not_run)} not run (--fail-fast)" if not_run else "")
            + (f"; report in {report}" if report else "")
            + (f"; JUnit XML in {junit}" if junit else "")
        )
    ctx.exit(0 if passed == len(results) else 1)


def _matches(text: str, patterns: Sequence[str]) -> bool:
    """-k: every `not X` pattern is absent, and some other pattern (if any) is present."""
    low = text.lower()
    wanted = [p.lower() for p in patterns if not p.lower().startswith("not ")]
    unwanted = [p.lower()[4:].strip() for p in patterns if p.lower().startswith("not ")]
    if any(u in low for u in unwanted):
        return False
    return not wanted or any(w in low for w in wanted)


def _selected(scenario: Any, patterns: Sequence[str]) -> bool:
    from tradelane.scenario import describe_step

    if _matches(f"{Path(scenario.file).name} {scenario.name}", patterns):
        return True
    wanted = [p for p in patterns if not p.lower().startswith("not ")]
    return bool(wanted) and any(
        _matches(f"{describe_step(s)} {s.note or ''}", wanted) for s in scenario.steps
    )


def _print_result(
    console: Console, result: Any, verbose: bool, patterns: Sequence[str] = ()
) -> None:
    mark = "[green]✓[/green]" if result.passed else "[red]✗[/red]"
    gas = sum(t["gas"] for s in result.steps for t in s.transactions)
    steps = [s for s in result.steps if s.index > 0]  # step 0 is the setup
    counts = {}
    for outcome in ("failed", "skipped"):
        if n := sum(s.outcome == outcome for s in steps):
            counts[outcome] = n
    detail = "".join(f", {n} {outcome}" for outcome, n in counts.items())
    console.print(
        f"{mark} {result.file}: {result.name} "
        f"[dim]({len(steps)} steps{detail}, {gas:,} gas, {result.seconds:.1f}s)[/dim]"
    )
    wanted = [p for p in patterns if not p.lower().startswith("not ")]
    for step in result.steps:
        picked = bool(wanted) and step.index > 0 and _matches(step.label, wanted)
        if step.outcome == "failed":
            console.print(f"    [red]step {step.index}[/red] {step.label}: {step.message}")
            for check in step.checks:
                if not check["ok"]:
                    console.print(
                        f"      [red]✗[/red] {check['what']}: expected {check['expected']}, "
                        f"actual {check['actual']}"
                    )
        elif verbose or picked:
            if step.checks:  # an expect step: each value beside what was expected
                console.print(f"    step {step.index} {step.label}: {step.outcome}")
                for check in step.checks:
                    console.print(
                        f"      [green]✓[/green] {check['what']}: expected {check['expected']}, "
                        f"actual {check['actual']}"
                    )
                continue
            note = f" [dim]{step.message}[/dim]" if step.message else ""
            console.print(f"    step {step.index} {step.label}: {step.outcome}{note}")


# ---------------------------------------------------------------------------- demo


@click.command()
@chain_option
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def demo(ctx: click.Context, target: str, as_json: bool) -> None:
    """The flagship trade: Shanghai to Hamburg, USDC, CIF, 30% at export clearance,
    customs both ends, a happy ending; its timeline and who holds what."""
    from tradelane._demo import DEMO_SCENARIO
    from tradelane.compiler import compile_contracts, find_solc
    from tradelane.scenario import describe_step, load_yaml, parse_scenario, run_scenario

    out = _console()
    scenario = parse_scenario(load_yaml(DEMO_SCENARIO), "tradelane demo")
    solc = find_solc()
    started = time.perf_counter()
    compiled: list[int] = []
    artifacts = compile_contracts(solc=solc, on_compile=compiled.append)
    if not as_json:
        how = (
            f"compiled with solc {solc.base_version} ({solc.kind}) in "
            f"{time.perf_counter() - started:.1f}s"
            if compiled
            else f"solc {solc.base_version} ({solc.kind}), cached build/"
        )
        out.print(f"[bold]Tradelane demo[/bold]: {scenario.name}\n[dim]{how}[/dim]")

    def show(step: Any) -> None:
        if as_json:
            return
        if step.index == 0:
            out.print(f"[dim]{step.label}[/dim]")
            return
        spec = scenario.steps[step.index - 1]
        mark = {"ok": "[green]✓[/green]", "reverted as expected": "[yellow]↺[/yellow]"}.get(
            step.outcome, "[red]✗[/red]"
        )
        gas = sum(t["gas"] for t in step.transactions)
        out.print(
            f" {mark} {step.index:>2}. {describe_step(spec)}"
            + (f" [dim]({gas:,} gas)[/dim]" if gas else "")
            + (f" [red]{step.message}[/red]" if step.outcome == "failed" else "")
        )

    with _chain(target) as chain:
        if chain.persistent:  # the demo waits out the inspection window
            refuse_time_travel(chain, [scenario])
        if not as_json:
            out.print(f"[dim]chain: {chain.used}[/dim]")
        result = run_scenario(scenario, chain, artifacts=artifacts, on_step=show)
        client = result.client
        if client is None:  # pragma: no cover - run_scenario always deploys
            raise TradelaneError("the demo did not deploy")
        trade = client.trade(result.orders["po-1"])
        parties = {k: v for k, v in result.parties.items() if k != "operator"}
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "passed": result.passed,
                        "scenario": result.to_json(),
                        "order": order_summary(client, trade),
                        "holdings": {
                            name: {
                                t.symbol: t.format(client.balance(addr, t))
                                for t in client.tokens.values()
                            }
                            for name, addr in parties.items()
                        },
                    },
                    indent=2,
                    default=str,
                )
            )
        else:
            out.print()
            _print_order(out, client, trade, "Order po-1")
            out.print(holdings_table(client, parties))
            colour = "green" if result.passed else "red"
            out.print(
                f"[{colour}]"
                f"{'every expectation held' if result.passed else 'an expectation failed'}"
                f"[/{colour}] in {result.seconds:.1f}s"
            )
    ctx.exit(0 if result.passed else 1)


# ---------------------------------------------------------------------------- deploy


@click.command()
@chain_option
@click.option(
    "--arbitration-cost",
    default="0.01 ETH",
    show_default=True,
    help="Per dispute.",
    callback=checked(_check_ether("the arbitration cost is paid")),
)
@click.option(
    "--ruling-period",
    default="14d",
    show_default=True,
    help="Panel deadline (at most 365d).",
    callback=checked(_check_ruling_period),
)
@click.option(
    "--fee",
    default=None,
    help="Platform fee to set, e.g. 1% (at most 2%).",
    callback=checked(_check_fee),
)
@click.option("--fresh", is_flag=True, help="Deploy anew even if the manifest matches.")
@click.option(
    "--treasury",
    help="Where platform fees go (default: the deploying account).",
    callback=checked(_check_address),
)
@click.option("--json", "as_json", is_flag=True, help="Print the deployment as JSON.")
@network_options
def deploy(
    target: str,
    arbitration_cost: str,
    ruling_period: str,
    fee: str | None,
    fresh: bool,
    treasury: str | None,
    as_json: bool,
    net: NetworkOptions,
) -> None:
    """Deploy and wire the suite; chains that outlive the run get deployments/<chainId>.json."""
    from tradelane.amounts import parse_amount, parse_duration
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.deploy import deploy_suite, manifest_path

    out = _console()
    artifacts = compile_contracts()
    params = {
        "arbitration_cost": parse_amount(arbitration_cost).to_units(18),
        "ruling_period": parse_duration(ruling_period),
    }
    with _chain(target) as chain:
        logs: list[str] = []
        signer = setup_network(chain, net)
        deployer = signer.default if signer is not None else None
        if chain.persistent:  # refuses a manifest recorded for another chain id
            read_manifest(manifest_path(chain.chain_id, net.manifest_dir), chain.chain_id)
        deployment = deploy_suite(
            chain,
            artifacts,
            params=params,
            reuse=not fresh,
            log=logs.append,
            deployer=deployer,
            treasury=treasury or deployer,
            manifest_dir=net.manifest_dir,
        )
        if fee is not None:
            TradeClient(chain, deployment, artifacts=artifacts).set_fee(fee)
        info = {
            "chain": chain.describe(),
            "chain_used": chain.used,
            "chain_id": deployment.chain_id,
            "reused": deployment.reused,
            "manifest": str(deployment.manifest) if deployment.manifest else None,
            "admin": deployment.admin,
            "treasury": deployment.treasury,
            "params": deployment.params,
            "contracts": deployment.addresses,
            "gas": deployment.gas_used,
        }
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        for line in logs:
            out.print(f"[dim]{line}[/dim]")
        table = Table(
            title=f"Tradelane on {chain.describe()} (chain id {deployment.chain_id})",
            title_justify="left",
            header_style="bold",
        )
        table.add_column("contract")
        table.add_column("address")
        table.add_column("gas", justify="right")
        for name, address in deployment.addresses.items():
            gas = deployment.gas_used.get(name)
            table.add_row(name, address, f"{gas:,}" if gas else "reused")
        out.print(table)
        out.print(f"operator {deployment.admin}, treasury {deployment.treasury}")
        out.print(f"[dim]chain: {chain.used}[/dim]")
        if chain.kind != "rpc":
            out.print("[dim]this chain ends with the command; use --chain URL to keep it[/dim]")


# ---------------------------------------------------------------------------- order


def load_deployment(chain: Any, artifacts: Any, path: Path | None = None) -> Any:
    """The deployment recorded in `path` (default: deployments/<chainId>.json)."""
    from eth_utils import to_checksum_address

    from tradelane.deploy import Deployment, manifest_path

    path = path or manifest_path(chain.chain_id)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise TradelaneError(
            f"no deployment manifest for chain {chain.chain_id} ({path}): "
            "run tradelane deploy --chain URL"
        ) from None
    contracts = {
        name: chain.w3.eth.contract(
            address=to_checksum_address(entry["address"]), abi=artifacts[name].abi
        )
        for name, entry in manifest["contracts"].items()
    }
    settings = manifest.get("settings", {})
    return Deployment(
        chain.chain_id,
        contracts,
        to_checksum_address(manifest["deployer"]),
        to_checksum_address(settings.get("admin", manifest["deployer"])),
        to_checksum_address(settings.get("treasury", manifest["deployer"])),
        dict(settings.get("params", {})),
        True,
        path,
    )


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


def _existing_or_new(chain: Any, artifacts: Any, net: NetworkOptions, signer: Any) -> Any:
    """The suite of the chain's manifest (checked against the chain), or a new one deployed
    from the signer's account (without a key: the node's first unlocked account) and
    recorded."""
    from tradelane.deploy import deploy_suite, manifest_path

    operator = signer.default if signer is not None else chain.accounts[0]
    path = manifest_path(chain.chain_id, net.manifest_dir)
    if read_manifest(path, chain.chain_id) is not None:
        check_on_chain(chain, json.loads(path.read_text()), path)
        deployment = load_deployment(chain, artifacts, path)
    else:
        deployment = deploy_suite(
            chain,
            artifacts,
            deployer=operator,
            treasury=operator,
            manifest_dir=net.manifest_dir,
        )
    if signer is None:
        if deployment.admin not in chain.accounts:
            raise InputError(
                f"the suite in {path} is operated by {deployment.admin}, which "
                f"{chain.describe()} does not unlock: give the operator's key with --key-env "
                "or --keystore, or deploy your own with tradelane deploy --fresh"
            )
    elif deployment.admin != signer.default:
        raise InputError(
            f"the suite in {path} is operated by {deployment.admin}, not by the key given "
            f"({signer.default}): give the operator's key, or deploy your own with "
            "tradelane deploy --fresh"
        )
    return deployment


COMMANDS = (run, demo, deploy, order)

__all__ = ["COMMANDS", "holdings_table", "order_summary", "timeline_table"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
