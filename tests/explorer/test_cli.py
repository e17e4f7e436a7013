"""`tradelane explorer` and `tradelane report` from the outside: one-line errors with exit
2 before anything slow runs, the report file, and the server end to end in its own process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tradelane.cli import main

from .conftest import ROOT

HAPPY = str(ROOT / "scenarios" / "happy_eth_fob.yaml")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_a_database_that_cannot_be_opened_exits_2_at_start(capsys, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing/folder/index.db"
    code, _, err = run_cli(["explorer", "--db", url, "--index-only"], capsys)
    assert code == 2
    assert _one_error_line(err) == (
        f"error: cannot open database {url}: folder {tmp_path}/missing/folder does not exist "
        "(create it, or give another --db)"
    )


def test_an_empty_database_alone_has_nothing_to_serve(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(["explorer", "--db", f"sqlite:///{tmp_path}/new.db"], capsys)
    assert code == 2
    assert "holds no index yet: give --chain URL or --scenario FILE" in _one_error_line(err)


def test_a_port_in_use_exits_2_naming_it_before_the_scenarios_run(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        started = time.monotonic()
        code, _, err = run_cli(["explorer", "--scenario", HAPPY, "--port", str(port)], capsys)
    assert code == 2
    assert _one_error_line(err) == (
        f"error: port {port} on 127.0.0.1 is in use: stop what holds it or give another --port"
    )
    assert time.monotonic() - started < 5, "refused before running the scenario"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("- just a list\n", "write one `0xADDRESS: name` per line"),
        ("'0x1234': shortie\n", "'0x1234' is not an address"),
        ("'0x" + "ab" * 20 + "': ''\n", "a name"),
        ("a: [unclosed\n", "is not YAML"),
    ],
)
def test_a_bad_names_file_exits_2(capsys, tmp_path: Path, content: str, words: str) -> None:
    names = tmp_path / "names.yaml"
    names.write_text(content)
    code, _, err = run_cli(["explorer", "--scenario", HAPPY, "--names", str(names)], capsys)
    assert code == 2
    line = _one_error_line(err)
    assert line.startswith(f"error: names file {names}") or "cannot read" in line
    assert words in line


def test_scenarios_run_on_an_embedded_chain_only(capsys) -> None:
    code, _, err = run_cli(
        ["explorer", "--scenario", HAPPY, "--chain", "http://127.0.0.1:1", "--index-only"], capsys
    )
    assert code == 2
    assert "--scenario runs on an embedded chain" in _one_error_line(err)


def test_report_writes_one_self_contained_html_file(capsys, tmp_path: Path) -> None:
    out = tmp_path / "po-7.html"
    code, stdout, err = run_cli(["report", "po-7", "--scenario", HAPPY, "--html", str(out)], capsys)
    assert code == 0, err
    assert f"wrote {out}" in stdout
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert "Order po-7" in html and "completed" in html
    assert '<svg id="money-chart"' in html
    assert "2.5 ETH" in html  # the price, as the scenario sets it
    # Self-contained: no stylesheet, script, image or font fetched from anywhere.
    assert not re.search(r"<(link|script|img|iframe)\b", html)
    assert "url(" not in html and "@import" not in html
    assert not re.search(r'(src|href)="https?://', html)


def test_report_of_an_unknown_order_exits_2_and_writes_nothing(capsys, tmp_path: Path) -> None:
    out = tmp_path / "nothing.html"
    code, _, err = run_cli(["report", "po-99", "--scenario", HAPPY, "--html", str(out)], capsys)
    assert code == 2
    assert "no order 'po-99'" in err and "known: po-7" in err
    assert not out.exists()


def test_the_explorer_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The whole command in its own process: scenario, index, pages, Ctrl-C."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    db = tmp_path / "served.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradelane.cli",
            "explorer",
            "--scenario",
            HAPPY,
            "--port",
            "0",
            "--db",
            f"sqlite:///{db}",
            "--interval",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the index is ready
        match = re.search(
            r"explorer on (http://127\.0\.0\.1:\d+)/ \(chain id \d+, block \d+, 1 orders", line
        )
        assert match, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        base = match.group(1)
        orders = requests.get(base + "/api/orders", timeout=30).json()
        assert [o["label"] for o in orders["orders"]] == ["po-7"]
        page = requests.get(base + "/orders/" + orders["orders"][0]["id"], timeout=30)
        assert page.status_code == 200 and "Journey" in page.text
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err
    assert "ran 1 scenario on eth-tester" in err
    assert db.stat().st_size > 0


@pytest.mark.anvil_only  # a chain at a URL, as a real network is
def test_a_network_suite_is_indexed_from_its_manifest_and_resumed(
    chain, artifacts, tmp_path: Path, capsys
) -> None:
    from tradelane.client import TradeClient
    from tradelane.deploy import deploy_suite

    assert chain.url
    deployment = deploy_suite(
        chain, artifacts, manifest_dir=tmp_path, reuse=False, write_manifest=True
    )
    client = TradeClient(chain, deployment, artifacts=artifacts)
    buyer, seller, carrier, judge = (
        client.new_account(n, eth=3) for n in ("buyer", "seller", "dhl", "judge")
    )
    client.register_arbitrator(judge)
    trade = client.new_trade(
        buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge]
    )
    client.fund(trade, quote=client.sign_quote(trade))
    url = f"sqlite:///{tmp_path}/network.db"
    args = ["explorer", "--chain", chain.url, "--deployments", str(tmp_path), "--db", url]
    head = chain.w3.eth.block_number
    code, _, err = run_cli([*args, "--index-only"], capsys)
    assert code == 0, err
    assert re.search(rf"indexed blocks \d+\.\.{head}: \d+ events, 1 orders", err), err
    assert chain.w3.eth.block_number == head, "the explorer sent nothing"

    client.checkpoint(trade, "picked_up", by=carrier, location="CNSHA")
    code, _, err = run_cli([*args, "--index-only"], capsys)
    assert code == 0, err
    assert f"indexed blocks {head + 1}..{head + 1}: 1 events, 0 orders" in err

    out = tmp_path / "order.html"
    code, _, err = run_cli(["report", trade.id_hex, "--db", url, "--html", str(out)], capsys)
    assert code == 0, err
    assert "picked up" in out.read_text().lower()
