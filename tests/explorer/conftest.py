"""Every shipped scenario, run once on the session's chain and indexed once, for the
explorer's API and page tests; and the explorer's web app serving that index.

The scenarios run inside a snapshot taken for this package and reverted when it ends, so
the other packages' tests never see them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn

from tradelane._settings import project_root
from tradelane.chain import Chain
from tradelane.deploy import Deployment
from tradelane.explorer.db import Store, open_store, sqlite_url
from tradelane.explorer.pages import Explorer
from tradelane.explorer.scenarios import index_scenarios
from tradelane.explorer.web import create_app
from tradelane.scenario import ScenarioResult, load_scenario

ROOT = project_root()
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
#: Screenshots of the pages, for a reviewer to look at.
SHOTS = ROOT / "build" / "explorer"


@dataclass
class Explored:
    store: Store
    indexer: Any
    results: dict[str, ScenarioResult]  # by file stem
    explorer: Explorer


@pytest.fixture(scope="package")
def explored(
    chain: Chain,
    artifacts: dict[str, Any],
    suite: Deployment,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Explored]:
    # `suite` first: the session's suite must not be deployed inside this package's snapshot.
    snapshot = chain.snapshot()
    store = open_store(sqlite_url(tmp_path_factory.mktemp("explorer") / "index.db"))
    try:
        scenarios = [load_scenario(path) for path in SCENARIOS]
        indexer, results = index_scenarios(store, chain, scenarios, artifacts)
        failed = [r.file for r in results if not r.passed]
        assert not failed, f"scenarios failed: {failed}"
        indexer.sync()
        yield Explored(store, indexer, {Path(r.file).stem: r for r in results}, Explorer(store))
    finally:
        store.close()
        chain.revert(snapshot)


@pytest.fixture(scope="package")
def server(explored: Explored) -> Iterator[str]:
    """The web app over the scenarios' index, on a free port; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    app = create_app(explored.explorer)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/api/status", timeout=2)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    else:
        pytest.fail("the explorer's web app did not start in 30 s")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def chromium_path() -> str | None:
    """Debian's chromium (or $TRADELANE_CHROMIUM)."""
    return os.environ.get("TRADELANE_CHROMIUM") or shutil.which("chromium")


def browser_required() -> bool:
    """CI says so (.ci/run sets TRADELANE_BROWSER=required; CI=true too): a missing
    browser then fails the browser tests instead of skipping them."""
    ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return ci or os.environ.get("TRADELANE_BROWSER", "").strip().lower() == "required"
