"""Real networks, with Anvil standing in for a remote chain (chain id 11155111, Sepolia's).

The CLI reaches Anvil through RpcProxy, which hides its unlocked accounts and refuses
eth_sendTransaction: whatever passes signed locally with a key from the environment or a
keystore. Anvil pass only (`pytest --chain anvil`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from tradelane.chain import AnvilProcess, Chain, connect, dev_private_keys
from tradelane.cli import main
from tradelane.errors import ChainError
from tradelane.network import TxPolicy, use_network

from .rpcproxy import RpcProxy

pytestmark = pytest.mark.anvil_only

ROOT = Path(__file__).parents[2]
SEPOLIA = 11155111
KEY = dev_private_keys(1)[0]  # the stand-in chain's funded account, used only through its key
EMPTY_KEY = "0x" + "42" * 32  # holds nothing
SCENARIOS = [
    str(ROOT / "scenarios/happy_eth_fob.yaml"),
    str(ROOT / "scenarios/usdc_cif_milestone.yaml"),
]


def _anvil() -> AnvilProcess:
    return AnvilProcess(accounts=1, extra_args=("--chain-id", str(SEPOLIA))).start()


@pytest.fixture(scope="module")
def remote(chain: Chain) -> Iterator[RpcProxy]:
    """A stand-in remote chain behind its proxy. (`chain`, the session's chain, only puts
    these tests in the Anvil pass.)"""
    anvil = _anvil()
    proxy = RpcProxy(anvil).start()
    yield proxy
    proxy.stop()
    anvil.stop()


@pytest.fixture(scope="module")
def deployments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deployments")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, deployments: Path) -> dict[str, str]:
    """The environment of the commands: the key in $FUNDED_KEY, manifests in a temp folder."""
    monkeypatch.setenv("FUNDED_KEY", KEY)
    monkeypatch.setenv("EMPTY_KEY", EMPTY_KEY)
    monkeypatch.setenv("TRADELANE_DEPLOYMENTS", str(deployments))
    return dict(os.environ)


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def process(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`tradelane ARGS` in a new process."""
    command = [sys.executable, "-m", "tradelane.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert KEY[2:].lower() not in text.lower()


# --------------------------------------------------------------------------- the happy path


def test_deploy_signs_locally_and_writes_the_manifest(remote, env, deployments, capsys):
    done = process(["deploy", "--chain", remote.url, "--key-env", "FUNDED_KEY", "--json"], env)
    assert done.returncode == 0, done.stderr
    _no_secret(done.stdout, done.stderr)
    info = json.loads(done.stdout)
    deployer = Account.from_key(KEY).address
    assert (info["chain_id"], info["reused"], info["admin"]) == (SEPOLIA, False, deployer)
    manifest = json.loads((deployments / f"{SEPOLIA}.json").read_text())
    assert manifest["chain_id"] == SEPOLIA
    assert manifest["compiler"]["solc"] == "0.8.30"
    assert manifest["compiler"]["settings"]["viaIR"] is True
    for name, entry in manifest["contracts"].items():
        assert entry["address"] == info["contracts"][name]
        assert entry["code_hash"].startswith("0x") and entry["block"] >= 1
    # one per contract (the disputes module, the tracker, the escrow, the arbitrator); and
    # eth_sendTransaction is refused
    assert remote.seen["eth_sendRawTransaction"] == 4

    # Idempotent: a second deploy reuses it (code hashes match), --fresh makes a new one.
    code, out, _ = cli(
        ["deploy", "--chain", remote.url, "--key-env", "FUNDED_KEY", "--json"], capsys
    )
    again = json.loads(out)
    assert (code, again["reused"], again["contracts"]) == (0, True, info["contracts"])


def test_run_happy_scenarios_on_the_deployment(remote, env, deployments, capsys):
    before = (deployments / f"{SEPOLIA}.json").read_text()
    code, out, err = cli(
        ["run", *SCENARIOS, "--chain", remote.url, "--key-env", "FUNDED_KEY", "--json"], capsys
    )
    assert code == 0, out + err
    data = json.loads(out)
    assert data["passed"] == 2
    assert (deployments / f"{SEPOLIA}.json").read_text() == before  # the same suite
    _no_secret(out, err)
    # A new process reads the USDC order from the manifest and the chain's events.
    order_id = data["scenarios"][1]["orders"]["po-1"]
    done = process(["order", order_id, "--chain", remote.url, "--json"], env)
    assert done.returncode == 0, done.stderr
    order = json.loads(done.stdout)
    assert (order["status"], order["price"]) == ("completed", "12000 USDC")
    assert order["money"]["seller_received"] == "11880 USDC"


def test_a_new_process_continues_from_the_manifest(remote, env, deployments):
    manifest = json.loads((deployments / f"{SEPOLIA}.json").read_text())
    done = process(
        ["run", SCENARIOS[0], "--chain", remote.url, "--key-env", "FUNDED_KEY", "--json"], env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["passed"] == 1
    assert json.loads((deployments / f"{SEPOLIA}.json").read_text()) == manifest


def test_keystore_with_password_from_the_environment(remote, env, tmp_path, monkeypatch, capsys):
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "s3cret", iterations=2)))
    monkeypatch.setenv("TRADELANE_PASSWORD", "s3cret")
    code, out, err = cli(
        ["deploy", "--chain", remote.url, "--keystore", str(keystore), "--json"], capsys
    )
    assert (code, json.loads(out)["reused"]) == (0, True), err
    monkeypatch.setenv("TRADELANE_PASSWORD", "wrong")
    code, _, err = cli(["deploy", "--chain", remote.url, "--keystore", str(keystore)], capsys)
    assert (code, err.strip()) == (2, f"error: wrong password for keystore {keystore}")


# --------------------------------------------------------------------------- refusals


def test_time_travel_is_refused_where_the_chain_cannot(remote, env, capsys):
    sends = remote.seen["eth_sendRawTransaction"]
    url = remote.url + "/no-time"
    code, _, err = cli(["run", SCENARIOS[0], "--chain", url, "--key-env", "FUNDED_KEY"], capsys)
    assert code == 2
    assert "cannot travel in time" in err and "happy_eth_fob.yaml" in err
    assert "Traceback" not in err
    assert remote.seen["eth_sendRawTransaction"] == sends  # refused before spending anything
    sent = remote.seen["eth_sendTransaction"]
    code, _, err = cli(["demo", "--chain", url], capsys)  # it waits out an inspection window
    assert code == 2, err
    assert "tradelane demo" in err and "cannot travel in time" in err
    assert remote.seen["eth_sendTransaction"] == sent


def test_one_line_errors(remote, env, deployments, tmp_path, monkeypatch, capsys):
    url = remote.url
    # No key and no unlocked account on the node.
    code, _, err = cli(["deploy", "--chain", url], capsys)
    assert code == 2 and "--key-env VAR or --keystore PATH" in err
    # A key without funds.
    code, _, err = cli(["deploy", "--chain", url, "--key-env", "EMPTY_KEY", "--fresh"], capsys)
    assert code == 3 and "insufficient funds" in err and len(err.strip().splitlines()) == 1
    # A max fee under the base fee.
    args = ["deploy", "--chain", url, "--key-env", "FUNDED_KEY", "--fresh", "--max-fee", "0.000001"]
    code, _, err = cli(args, capsys)
    assert code == 3 and "underpriced" in err and "--max-fee" in err
    # A manifest recorded for another chain id.
    other = tmp_path / "other"
    other.mkdir()
    recorded = json.loads((deployments / f"{SEPOLIA}.json").read_text())
    (other / f"{SEPOLIA}.json").write_text(json.dumps({**recorded, "chain_id": 1}))
    monkeypatch.setenv("TRADELANE_DEPLOYMENTS", str(other))
    code, _, err = cli(["deploy", "--chain", url, "--key-env", "FUNDED_KEY"], capsys)
    assert code == 3 and "is for chain id 1, but the node reports chain id 11155111" in err
    code, _, err = cli(["order", "0x" + "00" * 32, "--chain", url], capsys)
    assert code == 3 and "chain id 1" in err
    for text in (err,):
        assert "Traceback" not in text


@pytest.mark.parametrize("earlier", [False, True], ids=["first-deploy", "over-a-manifest"])
def test_rpc_killed_mid_deploy(chain, earlier, tmp_path, env):
    """The node dies after the first contract: a one-line error, exit 3, and the manifest
    is absent (first deploy) or the earlier one, whole (a --fresh deploy over it)."""
    anvil = _anvil()
    proxy = RpcProxy(anvil).start()
    try:
        env = {**env, "TRADELANE_DEPLOYMENTS": str(tmp_path)}
        args = ["deploy", "--chain", proxy.url, "--key-env", "FUNDED_KEY", "--retries", "1"]
        manifest = tmp_path / f"{SEPOLIA}.json"
        if earlier:
            assert process(args, env).returncode == 0
            args.append("--fresh")
        before = manifest.read_text() if earlier else None
        proxy.kill_after_sends = (
            proxy.seen["eth_sendRawTransaction"] + 2
        )  # after the first contract
        done = process(args, env)
        assert done.returncode == 3, done.stdout + done.stderr
        (line,) = done.stderr.strip().splitlines()
        # the disputes module is deployed first, so the tracker is the one cut off
        assert line.startswith("error: deploying ") and "failed: cannot reach" in line
        assert "connection refused or lost" in line
        if earlier:
            assert manifest.read_text() == before
            json.loads(before)  # whole
        else:
            assert not manifest.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    finally:
        proxy.stop()
        anvil.stop()


# --------------------------------------------------------------------------- the signer


def test_retries_transient_failures(remote):
    chain = connect(remote.url)
    chain.url = remote.url + "/flaky"
    use_network(chain, KEY, TxPolicy(backoff=0.01))
    remote.flaky = 2  # two HTTP 503 in a row, then answers
    assert chain.w3.eth.block_number >= 0
    assert remote.flaky == 0
    remote.flaky = 5  # more than the retries: one line naming the node
    with pytest.raises(ChainError, match=r"answered HTTP 503 \(eth_blockNumber, tried 5 times\)"):
        chain.w3.eth.block_number  # noqa: B018
    remote.flaky = 0


def test_waits_for_confirmations(remote):
    chain = connect(remote.url)
    signer = use_network(chain, KEY, TxPolicy(confirmations=3, poll=0.05))
    stop = threading.Event()

    def mine() -> None:
        while not stop.wait(0.1):
            chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    miner = threading.Thread(target=mine, daemon=True)
    miner.start()
    try:
        started = time.monotonic()
        to = Account.from_key(EMPTY_KEY).address
        _, receipt = signer.send({"from": signer.default, "to": to, "value": 1})
        assert chain.w3.eth.block_number >= receipt["blockNumber"] + 2
        assert time.monotonic() - started < 30
    finally:
        stop.set()
        miner.join()


def test_underpriced_replacement_and_a_replaced_transaction(remote):
    """Nonce reuse: too little more is refused in one line; a replacement that is mined
    instead makes the wait for the original fail in one line."""
    chain = connect(remote.url)
    signer = use_network(chain, KEY, TxPolicy(poll=0.02, timeout=20))
    sender = signer.default
    assert sender is not None
    to = Account.from_key(EMPTY_KEY).address
    chain.w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        nonce = chain.w3.eth.get_transaction_count(sender, "pending")
        first = signer.send_raw({"from": sender, "to": to, "value": 1, "gas": 21_000})
        signer._nonces[sender] = nonce  # the same nonce again, at the same price
        with pytest.raises(ChainError, match=r"already pending.*raise --priority-fee"):
            signer.send_raw({"from": sender, "to": to, "value": 2, "gas": 21_000})
        fees = signer.fees()
        replacement = Account.sign_transaction(
            {
                "to": to,
                "value": 3,
                "gas": 21_000,
                "nonce": nonce,
                "chainId": SEPOLIA,
                "type": 2,
                "maxFeePerGas": fees["maxFeePerGas"] * 2,
                "maxPriorityFeePerGas": fees["maxPriorityFeePerGas"] * 2,
            },
            KEY,
        )
        chain.w3.eth.send_raw_transaction(replacement.raw_transaction)  # another program
        chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        with pytest.raises(ChainError, match=f"was replaced: .* nonce {nonce} was mined"):
            signer.wait(first)
    finally:
        chain.w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def test_client_errors_are_one_line_on_a_network(remote, deployments):
    """The client's own estimate refused by the node (not a revert): one line, no key."""
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.manifest import load_deployment

    artifacts = compile_contracts()
    chain = connect(remote.url)
    use_network(chain, KEY)
    deployment = load_deployment(chain, artifacts, deployments / f"{SEPOLIA}.json")
    client = TradeClient(chain, deployment, artifacts=artifacts)
    empty = client.add_key(EMPTY_KEY, "empty")
    with pytest.raises(ChainError, match=f"insufficient funds from {empty}") as info:
        client.send_eth(empty, deployment.admin, 10**18)
    assert "\n" not in str(info.value) and EMPTY_KEY[2:] not in str(info.value)


def test_pipeline_signs_with_the_network_key(remote, deployments):
    """The pipelined client on a network: the operator's transactions (its key held by the
    chain's Signer) are signed locally with the Signer's fee policy and nonces, interleaved
    with sequential sends of the same key; the node never signs."""
    from tradelane.client import TradeClient
    from tradelane.compiler import compile_contracts
    from tradelane.manifest import load_deployment

    artifacts = compile_contracts()
    chain = connect(remote.url)
    use_network(chain, KEY, TxPolicy(max_fee=3 * 10**9, priority_fee=10**9))
    deployment = load_deployment(chain, artifacts, deployments / f"{SEPOLIA}.json")
    client = TradeClient(chain, deployment, artifacts=artifacts)
    a = client.new_account("pipe-a", eth=0)
    b = client.new_account("pipe-b", eth=0)
    client.send_eth(deployment.admin, a, 1)  # sequential: the Signer counts this nonce
    with client.pipeline() as pipe:
        first = client.send_eth(deployment.admin, a, 2)
        second = client.send_eth(deployment.admin, b, 3)
        pipe.flush()
    client.send_eth(deployment.admin, b, 4)  # and continues after the pipeline's two
    assert chain.w3.eth.get_balance(a) == 3 and chain.w3.eth.get_balance(b) == 7
    for result in (first, second):
        tx = chain.w3.eth.get_transaction(result.tx_hash)
        assert tx["maxFeePerGas"] == 3 * 10**9 and tx["maxPriorityFeePerGas"] == 10**9
