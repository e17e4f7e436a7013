"""Scenarios run on a chain for the explorer: their suites set up for indexing, with the
names of their parties and the labels of their orders saved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def save_names(
    store: Any, names: dict[str, tuple[str, str]], labels: Sequence[dict[str, str]] = ()
) -> None:
    """Store names of addresses ({address: (name, source)}) and of orders (label rows)."""
    from tradelane.explorer import db

    rows = [{"address": a, "name": n, "source": s} for a, (n, s) in names.items()]
    with store.write() as conn:
        store.replace(conn, db.names, ["address"], rows)
        store.replace(conn, db.labels, ["order_id"], list(labels))


def run_scenarios(
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
    clients, labels = run_scenarios(
        scenarios, chain, artifacts, names, [], say or (lambda _m: None), results
    )
    indexer = Indexer(store, clients)
    save_names(store, names, labels)
    return indexer, results


__all__ = ["index_scenarios", "run_scenarios", "save_names"]
