"""`tradelane run` (YAML trade scenarios) and `tradelane demo` (the flagship trade).

Output is rich text for people, `--json` for machines; `tradelane run` exits 0 when every
expectation held, 1 when one failed and 2 when a file is invalid.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradelane._client.render import holdings_table
from tradelane.cli.options import (
    NetworkOptions,
    _check_ether,
    chain_option,
    check_output_path,
    checked,
    network_options,
)
from tradelane.cli.orders import _print_order, order_summary
from tradelane.cli.session import (
    _chain,
    _console,
    _existing_or_new,
    check_funds,
    refuse_time_travel,
    setup_network,
)
from tradelane.errors import TradelaneError

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


__all__ = ["demo", "run"]
