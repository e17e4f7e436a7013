"""Issue 16: what a newcomer meets in the first hour (layout, units, conflicts, errors)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from tradelane.cli import main

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def run_cli(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


# ---------------------------------------------------------------------------- item 2: width


@pytest.mark.parametrize("width", [80, 120])
def test_demo_fits_the_terminal_and_keeps_every_money_cell(width, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = run_cli(["demo"], capsys)
    assert code == 0, out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, [x for x in lines if len(x) > width]
    # the money column, read down: the last cell of every row of the timeline
    cells = [line.split("│")[-2].strip() for line in lines if line.count("│") >= 5]
    flat = " ".join(c for c in cells if c)
    for money in (
        "12000 USDC into escrow",
        "3564 USDC to seller, fee 36 USDC",
        "8316 USDC to seller, fee 84 USDC",
    ):
        assert money in flat, money
    for name in ("cn_customs", "de_customs", "out_for_delivery"):
        assert name in out  # whole, not cut to `cn_cu…`
    # every row's date whole (at 80 columns its minute wraps below it), and the demo's 30-day
    # wait shows in them: the chain's clock starts today, so the dates are read, not written here
    times = re.findall(r"│ (\d{4}-\d{2}-\d{2})\b", out)
    assert len(times) >= 12, out
    first, last = (datetime.date.fromisoformat(t) for t in (times[0], times[-1]))
    assert (last - first).days >= 30, (first, last)
    assert "…" not in re.sub(r"0x[0-9a-f]{8}…", "", out)  # only hashes are abbreviated
    # the order's id is printed once in its header
    assert out.count(re.search(r"0x[0-9a-f]{64}", out).group(0)) == 1


@pytest.mark.slow
def test_order_fits_80_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    scenario = str(ROOT / "scenarios/damaged_goods_cif.yaml")
    code, out, _ = run_cli(["order", "po-1", "--scenario", scenario], capsys)
    assert code == 0, out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "money" in out and "USDC" in out


# ---------------------------------------------------------------------------- item 3: timeouts


@pytest.fixture
def silent_node():
    """A server that accepts connections and never answers: the URL of it."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.slow
def test_a_silent_node_fails_in_under_30s_by_default_saying_what_it_waits_for(
    silent_node, monkeypatch, capsys
):
    import time

    monkeypatch.setenv("TRADELANE_RPC_TIMEOUT", "")  # restored after the test
    started = time.monotonic()
    code, _, err = run_cli(
        ["order", "0x" + "00" * 32, "--chain", silent_node, "--retries", "0"], capsys
    )
    elapsed = time.monotonic() - started
    assert code == 3 and elapsed < 30, (code, elapsed, err)
    assert f"waiting for {silent_node} to answer eth_chainId" in err
    assert err.strip().splitlines()[-1].startswith("error: cannot reach")
    assert "within 15s" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["deploy", "run"])
def test_rpc_timeout_option_shortens_the_wait(command, silent_node, monkeypatch, capsys):
    import time

    monkeypatch.setenv("TRADELANE_RPC_TIMEOUT", "")  # restored after the test
    args = [command, "--chain", silent_node, "--rpc-timeout", "1.5"]
    if command == "run":
        args.insert(1, str(ROOT / "scenarios/happy_eth_fob.yaml"))
    started = time.monotonic()
    code, _, err = run_cli(args, capsys)
    assert code == 3, err
    assert time.monotonic() - started < 12
    assert "no answer to eth_chainId within 1.5s" in err


def test_rpc_timeout_option_refuses_nonsense(capsys):
    code, _, err = run_cli(["deploy", "--rpc-timeout", "soon"], capsys)
    assert code == 2 and "not a number of seconds" in err


# ---------------------------------------------------------------------------- items 4, 5: manifests


@pytest.fixture
def lasting_node():
    """An Anvil standing in for a `tradelane node` (a chain that outlives each command)."""
    from tradelane.chain import AnvilProcess

    anvil = AnvilProcess().start()
    try:
        yield anvil.url
    finally:
        anvil.stop()


@pytest.mark.slow
def test_run_on_a_url_without_a_key_uses_the_manifests_suite(lasting_node, tmp_path, capsys):
    import json

    files = [str(ROOT / "scenarios/happy_eth_fob.yaml"), str(ROOT / "scenarios/customs_hold.yaml")]
    base = ["--chain", lasting_node, "--deployments", str(tmp_path)]
    code, out, _ = run_cli(["run", *files, *base, "--json"], capsys)
    assert code == 0, out
    manifest = json.loads((tmp_path / "31337.json").read_text())
    escrow = manifest["contracts"]["TradeEscrow"]["address"]
    # a second run reuses it: same suite, manifest unchanged
    code, again, _ = run_cli(["run", files[0], *base, "--json"], capsys)
    assert code == 0, again
    assert json.loads((tmp_path / "31337.json").read_text()) == manifest
    # and `order` finds the scenarios' orders in it
    order_id = json.loads(out)["scenarios"][0]["orders"]["po-7"]
    code, shown, err = run_cli(["order", order_id, *base, "--json"], capsys)
    assert code == 0, err
    assert json.loads(shown)["status"] == "completed"
    assert escrow  # one suite for every scenario


@pytest.mark.slow
def test_deploy_on_a_chain_it_started_writes_no_manifest(tmp_path, capsys):
    code, out, _ = run_cli(["deploy", "--chain", "anvil", "--deployments", str(tmp_path)], capsys)
    assert code == 0, out
    assert list(tmp_path.iterdir()) == []
    assert "this chain ends with the command" in out


def test_node_on_a_taken_port_says_which_port_it_used():
    import socket
    import subprocess
    import sys

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    node = subprocess.Popen(
        [sys.executable, "-m", "tradelane.cli", "node", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listening = node.stdout.readline()
        assert "anvil listening on http://127.0.0.1:" in listening
        assert f":{port} " not in listening
    finally:
        node.terminate()
        _, err = node.communicate(timeout=20)
        taken.close()
    assert f"port {port} is taken; using " in err


# ---------------------------------------------------------------------------- item 6: units


def test_check_share_and_check_token_amount_are_reusable():
    from tradelane.scenario import check_share, check_token_amount

    assert check_share("30%") == "30%" and check_share("250bps") == "250bps"
    for bare, hint in ((1, "write 1%"), ("0.4", "write 40%"), (30, "write 30%")):
        with pytest.raises(ValueError, match=hint):
            check_share(bare, "the buyer's share")
    with pytest.raises(ValueError, match="the buyer's share"):
        check_share("half", "the buyer's share")
    with pytest.raises(ValueError, match="between 0% and 100%"):
        check_share("120%")
    assert check_token_amount("12000 USDC") == "12000 USDC"
    with pytest.raises(ValueError, match=r"the cap 5 names no token.*'5 ETH'"):
        check_token_amount(5, "the cap")


def test_deploy_fee_needs_its_unit(capsys):
    code, _, err = run_cli(["deploy", "--fee", "1"], capsys)
    assert code == 2
    assert "the platform fee needs its unit: write 1%" in err
    assert "capped" not in err


# ---------------------------------------------------------------------------- item 8: names


def test_an_unexpected_revert_names_parties_enums_and_windows(capsys):
    code, out, _ = run_cli(["run", str(HERE / "failing/unexpected_revert.yaml")], capsys)
    assert code == 1
    assert "OrderInvalidStatus(" in out and "current=none" in out, out
    assert "allowed=funded" in out


def test_revert_fields_read_as_people_write_them():
    from tradelane._client.reverts import error_class
    from tradelane.types import Status

    caller = "0x" + "ab" * 20
    exc = error_class("OrderUnauthorized")({"orderId": b"\x01" * 32, "caller": caller})
    exc.names = {caller: "mallory"}
    assert "caller=mallory (0xabababab…)" in str(exc)
    windows = error_class("OrderInvalidWindows")({"shipWithin": 7 * 86_400, "deliverWithin": 0})
    assert str(windows) == "OrderInvalidWindows(shipWithin=7d, deliverWithin=0s)"
    status = error_class("OrderInvalidStatus")(
        {"orderId": b"\x00" * 32, "current": 9, "allowed": 1 << int(Status.FUNDED)}
    )
    assert f"current={Status(9).label}" in str(status) and "allowed=funded" in str(status)
    assert "current=9" not in str(status)


# ---------------------------------------------------------------------------- item 9: one line each

SMALL = (
    "name: {name}\n"
    "parties: {{alice: buyer, bob: seller, dhl: carrier, judge: arbitrator}}\n"
    "orders:\n"
    "  po-1: {{buyer: alice, seller: bob, carrier: dhl, price: 1 ETH}}\n"
    "steps:\n"
    "  - {{wait: 0s}}\n"
    "  - {{do: quote, by: bob, order: po-1}}\n"
    "  - {{do: fund, by: alice, order: po-1}}\n"
    "  - {{expect: {{order: po-1, status: funded}}}}\n"
)


def test_wait_0s_is_a_step_like_any_other(tmp_path, capsys):
    path = tmp_path / "wait0.yaml"
    path.write_text(SMALL.format(name="wait zero"))
    code, out, err = run_cli(["run", str(path)], capsys)
    assert code == 0, out + err


def test_latin1_file_is_one_line_and_utf16_is_read(tmp_path, capsys):
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(SMALL.format(name="café").encode("latin-1"))
    code, _, err = run_cli(["run", str(latin1)], capsys)
    assert code == 2
    assert "line 1: not UTF-8 text (byte 0xe9" in err and "Traceback" not in err
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_bytes(SMALL.format(name="café").encode("utf-16"))
    code, out, err = run_cli(["run", str(utf16)], capsys)
    assert code == 0, out + err
    assert "café" in out


def test_report_into_a_missing_folder_is_refused_before_anything_runs(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SMALL.format(name="report"))
    code, out, err = run_cli(["run", str(path), "--report", str(tmp_path / "no/r.json")], capsys)
    assert code == 2
    assert "does not exist" in err and "--report" in err
    assert "scenarios passed" not in out  # nothing ran


def test_party_eth_zero_is_refused_and_too_little_is_named(tmp_path, capsys):
    path = str(ROOT / "scenarios/happy_eth_fob.yaml")
    code, _, err = run_cli(["run", path, "--party-eth", "0"], capsys)
    assert code == 2 and "every party pays the gas" in err
    code, out, _ = run_cli(["run", path, "--party-eth", "0.000000001 ETH"], capsys)
    assert code == 1
    assert "acme cannot pay the gas of register: it holds 0.000000001 ETH" in out
    assert "b'" not in out


def test_zero_treasury_is_refused_and_a_constructor_revert_is_decoded(artifacts, capsys):
    from tradelane.chain import connect
    from tradelane.deploy import deploy_suite
    from tradelane.errors import DeploymentError

    code, _, err = run_cli(["deploy", "--treasury", "0x" + "00" * 20], capsys)
    assert code == 2 and "the zero address cannot receive fees" in err
    with connect("eth-tester") as chain, pytest.raises(DeploymentError) as info:
        deploy_suite(chain, artifacts, treasury="0x" + "00" * 20)
    assert "EscrowZeroAddress()" in str(info.value)
    assert "b'" not in str(info.value)


# ---------------------------------------------------------------- item 10: --deployments


def test_a_missing_deployments_folder_is_refused_unless_asked_for(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "no" / "such"
    code, _, err = run_cli(["deploy", "--deployments", str(missing)], capsys)
    assert code == 2 and f"folder {missing} does not exist" in err
    assert "--create-deployments" in err and not missing.exists()
    monkeypatch.setenv("TRADELANE_DEPLOYMENTS", str(missing))  # the variable is checked alike
    code, _, err = run_cli(["order", "0x" + "00" * 32, "--chain", "http://127.0.0.1:9"], capsys)
    assert code == 2 and "does not exist" in err
    monkeypatch.delenv("TRADELANE_DEPLOYMENTS")
    code, out, _ = run_cli(
        ["deploy", "--deployments", str(missing), "--create-deployments"], capsys
    )
    assert code == 0 and missing.is_dir(), out
    other = tmp_path / "fresh"
    code, out, _ = run_cli(["deploy", "--deployments", str(other), "--fresh"], capsys)
    assert code == 0 and other.is_dir(), out


# ---------------------------------------------------------------- item 11: ape run, --network


@pytest.mark.slow
def test_ape_run_run_scenario_takes_files_and_honours_network():
    import subprocess
    import sys

    ape = Path(sys.executable).with_name("ape")
    result = subprocess.run(
        [
            *(str(ape), "run", "run_scenario", "scenarios/quote_replay.yaml"),
            *("--network", "ethereum:local:foundry"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 1 scenarios passed" in result.stdout
    assert "quote_replay" in result.stdout and "happy_eth_fob" not in result.stdout
    assert "passed on anvil at http://127.0.0.1:" in result.stdout  # not eth-tester


# ---------------------------------------------------------------- named networks, ETH_RPC_URL


def test_named_network_from_tradelane_toml(tmp_path, monkeypatch, lasting_node, capsys):
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "tradelane.toml").write_text(
        f'[networks.devnet]\nurl = "{lasting_node}"\nchain_id = 31337\nconfirmations = 1\n'
        '[networks.wrong]\nurl = "' + lasting_node + '"\nchain_id = 1\n'
    )
    code, out, err = run_cli(
        ["deploy", "--network", "devnet", "--json", "--deployments", str(tmp_path)], capsys
    )
    assert code == 0, err
    assert json.loads(out)["chain_id"] == 31337
    assert json.loads(out)["chain_used"].endswith(
        "(chain id 31337, from network devnet in tradelane.toml)"
    )
    code, _, err = run_cli(["deploy", "--network", "wrong"], capsys)
    assert code == 3 and "expects chain id 1, but" in err
    code, _, err = run_cli(["deploy", "--network", "nowhere"], capsys)
    assert code == 2 and "no network named 'nowhere' (configured: devnet, wrong" in err


def test_named_network_in_pyproject_and_its_key(tmp_path, monkeypatch):
    from tradelane._networks import resolve

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEPOLIA_URL", "https://rpc.example/sepolia")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.tradelane.networks.sepolia]\n"
        'url_env = "SEPOLIA_URL"\nchain_id = 11155111\nkey_env = "DEPLOYER_KEY"\n'
        "confirmations = 2\n"
    )
    network = resolve(None, "sepolia")
    assert network.target == "https://rpc.example/sepolia"
    assert (network.chain_id, network.key_env, network.confirmations) == (
        11155111,
        "DEPLOYER_KEY",
        2,
    )
    assert resolve(None, "ethereum:local:test").target == "eth-tester"
    assert resolve(None, "ethereum:local:foundry").target == "anvil"


def test_eth_rpc_url_is_the_default_chain_as_for_forge(monkeypatch, lasting_node, tmp_path, capsys):
    monkeypatch.setenv("ETH_RPC_URL", lasting_node)
    monkeypatch.setenv("TRADELANE_DEPLOYMENTS", str(tmp_path))
    code, out, err = run_cli(["run", str(ROOT / "scenarios/quote_replay.yaml")], capsys)
    assert f"passed on {lasting_node} (chain id 31337, from $ETH_RPC_URL)" in out
    assert code == 0, out + err
    monkeypatch.delenv("ETH_RPC_URL")
    code, out, err = run_cli(["run", str(ROOT / "scenarios/quote_replay.yaml")], capsys)
    assert code == 0 and "passed on eth-tester" in out and "from the default)" in out


# ---------------------------------------------------------------------------- item 12: small ones


@pytest.mark.parametrize("command", [[], ["run"], ["order"], ["deploy"], ["demo"]])
def test_dash_h_is_help(command, capsys):
    code, out, _ = run_cli([*command, "-h"], capsys)
    assert code == 0 and "Usage: tradelane" in out and "-h, --help" in out


def test_order_help_lists_only_what_it_uses(capsys):
    _, out, _ = run_cli(["order", "--help"], capsys)
    for unused in ("--max-fee", "--priority-fee", "--confirmations", "--key-env", "--keystore"):
        assert unused not in out
    assert "--retries" in out and "--deployments" in out


def test_run_json_v_lists_every_step_on_stderr(capsys):
    import json

    path = str(ROOT / "scenarios/quote_replay.yaml")
    code, out, err = run_cli(["run", path, "--json", "-v"], capsys)
    assert code == 0 and json.loads(out)["passed"] == 1
    assert "step 1 " in err and "step 2 " in err
    code, out, err = run_cli(["run", path, "--json"], capsys)
    assert "step 1 " not in err


def test_step_count_matches_the_steps_listed(capsys):
    _, out, _ = run_cli(["run", str(HERE / "failing/unexpected_revert.yaml"), "-v"], capsys)
    listed = re.findall(r"^    (?:\[red\])?step (\d+)", out, re.M)
    summary = re.search(r"\((\d+) steps, 1 failed, (\d+) skipped", out)
    assert summary, out
    assert int(summary.group(1)) == len([n for n in listed if n != "0"]), out


def test_demo_and_compile_say_cached(capsys):
    code, out, _ = run_cli(["compile"], capsys)
    assert code == 0 and "(cached: the sources have not changed)" in out
    code, out, _ = run_cli(["demo"], capsys)
    assert "cached build/" in out and "in 0.0s" not in out.splitlines()[1]


def test_notebook_imports_are_declared():
    import json
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = " ".join(declared["dependencies"] + declared["optional-dependencies"]["dev"])
    cells = json.loads((ROOT / "notebooks/walkthrough.ipynb").read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for module in set(re.findall(r"^\s*(?:import|from) (\w+)", code, re.M)):
        if module in ("tradelane", "datetime", "json", "os", "pathlib", "time"):
            continue
        assert module in names, f"the notebook imports {module}, pyproject does not declare it"


def test_readme_outputs_are_ignored_and_links_stay_inside():
    import subprocess

    ignored = subprocess.run(
        ["git", "check-ignore", "out.json"], cwd=ROOT, capture_output=True, text=True
    )
    assert ignored.returncode == 0
    readme = (ROOT / "README.md").read_text()
    assert "../" not in re.sub(r"```.*?```", "", readme, flags=re.S)
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        if not link.startswith("http"):
            assert (ROOT / link).exists(), link


# ---------------------------------------------------------------------------- run: CI habits

FAILING = HERE / "failing"


def test_check_validates_without_a_chain(capsys, monkeypatch):
    import tradelane.chain

    def no_chain(*args, **kwargs):
        raise AssertionError("--check connected to a chain")

    monkeypatch.setattr(tradelane.chain, "connect", no_chain)
    code, out, _ = run_cli(
        ["run", "--check", *map(str, sorted(ROOT.glob("scenarios/*.yaml")))], capsys
    )
    assert code == 0 and "files valid (checked without a chain)" in out
    code, _, err = run_cli(["run", "--check", str(HERE / "broken/buyer_is_seller.yaml")], capsys)
    assert code == 2 and "alice is both buyer and seller" in err


def test_fail_fast_stops_at_the_first_failure(tmp_path, capsys):
    import json

    files = [str(FAILING / "wrong_expectation.yaml"), str(ROOT / "scenarios/happy_eth_fob.yaml")]
    code, out, _ = run_cli(["run", *files, "--fail-fast", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and len(data["scenarios"]) == 1 and data["not_run"] == files[1:]
    steps = data["scenarios"][0]["steps"]
    assert steps[4]["outcome"] == "failed" and steps[5]["outcome"] == "skipped"
    code, out, _ = run_cli(["run", *files, "--json"], capsys)
    assert len(json.loads(out)["scenarios"]) == 2  # without it, both run


def test_k_selects_scenarios_and_steps_by_name(capsys):
    files = [str(p) for p in sorted(ROOT.glob("scenarios/*.yaml"))]
    code, out, _ = run_cli(["run", *files, "-k", "quote_replay"], capsys)
    assert code == 0 and "1 of 1 scenarios passed" in out
    code, out, _ = run_cli(["run", *files[:4], "-k", "release_hold", "-k", "not dap"], capsys)
    assert code == 0 and "customs_hold" in out and "dap_not_delivered" not in out
    assert re.search(r"step \d+ release_hold", out)  # the matching steps are listed
    code, _, err = run_cli(["run", *files, "-k", "no-such-thing"], capsys)
    assert code == 2 and "no scenario or step matches" in err


def test_junit_xml_for_ci(tmp_path, capsys):
    from xml.etree import ElementTree as ET

    junit = tmp_path / "junit.xml"
    files = [str(FAILING / "wrong_expectation.yaml"), str(ROOT / "scenarios/quote_replay.yaml")]
    code, _, _ = run_cli(["run", *files, "--junit", str(junit)], capsys)
    assert code == 1
    suite = ET.parse(junit).getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures")) == ("testsuite", "2", "1")
    failed, passed = suite.findall("testcase")
    assert "seller_received: expected 0.6 ETH, actual 0.5 ETH" in failed.find("failure").text
    assert passed.find("failure") is None
    code, _, err = run_cli(["run", files[1], "--junit", str(tmp_path / "no/j.xml")], capsys)
    assert code == 2 and "--junit" in err


def test_every_expect_shows_expected_beside_actual(capsys):
    import json

    path = str(ROOT / "scenarios/happy_eth_fob.yaml")
    code, out, _ = run_cli(["run", path, "--json"], capsys)
    assert code == 0
    expects = [
        s for s in json.loads(out)["scenarios"][0]["steps"] if s["label"].startswith("expect")
    ]
    assert expects and all(s["checks"] for s in expects)
    for check in (c for s in expects for c in s["checks"]):
        assert {"what", "expected", "actual", "ok"} <= set(check) and check["ok"]
    _, out, _ = run_cli(["run", path, "-v"], capsys)
    assert re.search(r"✓ balance of globex: expected >= 102.49 ETH, actual 102.\d+", out), out


# ---------------------------------------------------------------------------- tradelane gas --diff


def test_diff_gas_pairs_every_figure():
    from tradelane.cli.gas import diff_gas

    changes = diff_gas(
        {"steps": {"a": 100, "b": 200}, "flows": {"f": 1000}},
        {"steps": {"a": 100, "c": 5}, "flows": {"f": 1020}},
    )
    by_name = {c.name: c for c in changes}
    assert (by_name["a"].delta, by_name["a"].moved(0.01)) == (0, False)
    assert by_name["b"].after is None and by_name["b"].moved(0.01)  # gone
    assert by_name["c"].before is None and by_name["c"].moved(0.01)  # new
    assert by_name["f"].ratio == pytest.approx(0.02)
    assert by_name["f"].moved(0.01) and not by_name["f"].moved(0.05)


@pytest.mark.slow
def test_gas_diff_and_check_against_a_snapshot(tmp_path, capsys):
    import json

    snapshot = json.loads((ROOT / "gas/snapshot.json").read_text())
    snapshot["flows"]["happy_eth"] = int(snapshot["flows"]["happy_eth"] * 1.05)
    moved = tmp_path / "snapshot.json"
    moved.write_text(json.dumps(snapshot))
    code, out, _ = run_cli(["gas", "--diff", "--snapshot", str(moved), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["moved"] == ["flows.happy_eth"], data["moved"]
    (change,) = [c for c in data["changes"] if (c["section"], c["name"]) == ("flows", "happy_eth")]
    assert change["delta"] == change["now"] - change["snapshot"] < 0
    code, out, _ = run_cli(["gas", "--check", "--snapshot", str(moved)], capsys)
    assert code == 1 and re.search(r"1 of \d+ figures moved more than 1.00%", out), out
    code, _, err = run_cli(["gas", "--diff", "--snapshot", str(tmp_path / "none.json")], capsys)
    assert code == 1 and "write one with tradelane gas --write" in err


# ---------------------------------------------------------------------------- tradelane init


@pytest.mark.slow
def test_init_creates_a_project_that_runs_as_it_is(tmp_path, monkeypatch, capsys):
    import subprocess
    import sys

    project = tmp_path / "my-trades"
    code, out, _ = run_cli(["init", str(project)], capsys)
    assert code == 0 and "created a Tradelane project" in out
    monkeypatch.chdir(project)
    code, out, err = run_cli(["run", "scenarios/first_trade.yaml"], capsys)
    assert code == 0 and "1 of 1 scenarios passed" in out, out + err
    script = subprocess.run(
        [sys.executable, "scripts/first_trade.py"], capture_output=True, text=True, timeout=300
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.startswith("status completed, stage delivered")
    from tradelane._networks import resolve

    assert resolve(None, "local").chain_id == 31337  # its tradelane.toml is read
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(project / "notebooks/first_trade.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "completed" in "".join(o.get("text", "") for o in outputs)


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run_cli(["init", str(tmp_path)], capsys)
    assert code == 1 and "is not empty" in err and "--force" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------------------- shell completion


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_printed(shell, capsys):
    code, out, _ = run_cli(["completion", shell], capsys)
    assert code == 0 and "_TRADELANE_COMPLETE" in out


def test_bash_completion_as_documented_completes_commands_options_and_networks(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("bash") is None:
        pytest.skip("no bash")
    docs = (ROOT / "docs/CLI.md").read_text()
    assert 'eval "$(tradelane completion bash)"' in docs
    (tmp_path / "tradelane.toml").write_text('[networks.sepolia]\nurl = "https://x.example"\n')
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ask = (
        "COMPREPLY=(); COMP_WORDS=({}); COMP_CWORD={}; "
        '_tradelane_completion tradelane; echo "${{COMPREPLY[@]}}"'
    )
    script = "\n".join(
        [
            'eval "$(tradelane completion bash)"',
            "complete -p tradelane",
            ask.format("tradelane ru", 1),
            ask.format("tradelane run --fail", 2),
            ask.format("tradelane deploy --network se", 3),
        ]
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "_tradelane_completion" in lines[0]
    assert lines[1:] == ["run", "--fail-fast", "sepolia"], done.stdout
