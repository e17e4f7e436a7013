"""The chain layer: snapshots and time on the session chain; Anvil's life cycle on its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tradelane import chain as chain_module
from tradelane.chain import AnvilProcess, connect, days, hours, port_is_free
from tradelane.errors import ChainError, SetupError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return True
    return state != "Z"


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


# --- helpers on the session chain (eth-tester or anvil) ------------------------------------


def test_parties_are_distinct_funded_accounts(
    chain, operator, treasury, buyer, seller, carrier, customs, inspector, arbitrators, outsider
):
    parties = [
        operator,
        treasury,
        buyer,
        seller,
        carrier,
        customs,
        inspector,
        *arbitrators,
        outsider,
    ]
    assert len(set(parties)) == len(parties) == 11
    for party in parties:
        assert chain.w3.eth.get_balance(party) >= 10**6 * 10**18 // 2
        assert chain.private_key(party).startswith("0x")


def test_time_travel_moves_the_latest_block_exactly(chain):
    before = chain.now()
    after = chain.time_travel(days(14))
    assert after == before + days(14)
    assert chain.time_travel(hours(1)) == after + hours(1)


def test_time_travel_refuses_the_past(chain):
    with pytest.raises(ChainError):
        chain.time_travel(-1)


def test_snapshot_and_revert_restore_balances_blocks_and_time(chain, buyer, seller):
    w3 = chain.w3
    snapshot = chain.snapshot()
    block, now, balance = w3.eth.block_number, chain.now(), w3.eth.get_balance(seller)
    w3.eth.send_transaction({"from": buyer, "to": seller, "value": 10**18})
    chain.time_travel(days(30))
    chain.mine(3)
    assert w3.eth.get_balance(seller) == balance + 10**18
    chain.revert(snapshot)
    assert (w3.eth.block_number, chain.now(), w3.eth.get_balance(seller)) == (block, now, balance)


def test_tests_are_isolated_part_one(chain, buyer, outsider):
    chain.w3.eth.send_transaction({"from": buyer, "to": outsider, "value": 1})


def test_tests_are_isolated_part_two(chain, outsider):
    # part one's transfer was reverted: the outsider still has its genesis balance
    assert chain.w3.eth.get_balance(outsider) == 10**6 * 10**18


@pytest.mark.anvil_only
def test_revert_leaves_no_pending_transaction_to_be_mined_later(chain, buyer, outsider):
    # With automine off the transfer waits in the pool; a revert must not let a later block
    # mine it on top of the restored state (with automine on, Anvil mines it after answering
    # eth_sendTransaction, which is the race parts one and two above would show).
    before = chain.w3.eth.get_balance(outsider)
    snapshot = chain.snapshot()
    chain._call("evm_setAutomine", False)
    try:
        chain.w3.eth.send_transaction({"from": buyer, "to": outsider, "value": 1})
        assert int(chain._call("txpool_status")["pending"], 16) == 1
        chain.revert(snapshot)
    finally:
        chain._call("evm_setAutomine", True)
    chain.mine()
    assert chain.w3.eth.get_balance(outsider) == before
    assert int(chain._call("txpool_status")["pending"], 16) == 0


# --- Anvil's life cycle, independent of --chain ------------------------------------------


def test_anvil_starts_answers_and_stops():
    with connect("anvil") as anvil_chain:
        assert anvil_chain.kind == "anvil"
        assert anvil_chain.chain_id == 31337
        assert anvil_chain.anvil is not None
        pid, port = anvil_chain.anvil.proc.pid, anvil_chain.anvil.port  # type: ignore[union-attr]
        assert len(anvil_chain.accounts) == chain_module.DEV_ACCOUNTS
        assert anvil_chain.time_travel(days(1)) >= anvil_chain.now()
    assert _wait_gone(pid)
    assert port_is_free(port)


def test_anvil_is_stopped_when_the_block_raises():
    with pytest.raises(RuntimeError), connect("anvil") as anvil_chain:
        pid = anvil_chain.anvil.proc.pid  # type: ignore[union-attr]
        raise RuntimeError("boom")
    assert _wait_gone(pid)


def test_anvil_moves_to_another_port_when_the_requested_one_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        anvil = AnvilProcess(port).start()
        try:
            assert anvil.moved_from == port
            assert anvil.port != port
            assert anvil.alive()
        finally:
            anvil.stop()
    assert not anvil.alive()


def test_anvil_missing_says_run_make_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SetupError, match=r"anvil not found .*: run make setup"):
        chain_module.find_anvil(tmp_path)


def test_unreachable_url_is_one_clear_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ChainError, match=f"cannot reach http://127.0.0.1:{port}"):
        connect(f"http://127.0.0.1:{port}")


def test_unknown_target_is_refused():
    with pytest.raises(ChainError, match="use eth-tester, anvil or an http"):
        connect("mainnet-please")


CHILD = textwrap.dedent(
    """
    import sys, time
    from tradelane.chain import connect
    chain = connect("anvil")
    print(chain.anvil.proc.pid, flush=True)
    if sys.argv[1] == "exit":
        sys.exit(0)  # leaves without close(): atexit must stop anvil
    time.sleep(60)
    """
)


@pytest.mark.parametrize(
    ("how", "sig"),
    [
        ("exit", None),
        ("wait", signal.SIGINT),
        ("wait", signal.SIGTERM),
        ("wait", signal.SIGKILL),
    ],
    ids=["interpreter-exit", "ctrl-c", "sigterm", "sigkill"],
)
def test_no_anvil_is_left_running(how, sig):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, how],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), child.stderr.read()  # type: ignore[union-attr]
        anvil_pid = int(line)
        if sig is not None:
            child.send_signal(sig)
        child.wait(timeout=20)
        assert _wait_gone(anvil_pid), f"anvil {anvil_pid} still running after {how}/{sig}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


GAS_HUNGRY = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract GasHungry {
    error NotEnoughGas(uint256 left);
    uint256 public count;

    function bump() external {
        count += 1;
    }

    function insist() external {
        // Succeeds only with far more gas than it uses: the quick estimate is not enough.
        if (gasleft() < 300_000) revert NotEnoughGas(gasleft());
        count += 1;
    }

    function refuse() external pure {
        revert NotEnoughGas(0);
    }
}
"""


def test_eth_tester_gas_estimates_are_enough_and_reverts_still_raise(tmp_path, scratch_project):
    from tradelane.compiler import compile_contracts
    from tradelane.deploy import deploy_contract

    project = scratch_project(tmp_path, {"contracts/GasHungry.sol": GAS_HUNGRY})
    artifact = compile_contracts(project)["GasHungry"]
    with connect("eth-tester") as tester_chain:
        contract, _ = deploy_contract(tester_chain, artifact)
        sender = {"from": tester_chain.accounts[0]}
        quick = contract.functions.bump().estimate_gas(sender)
        assert 21_000 < quick < 100_000
        insist = contract.functions.insist().estimate_gas(sender)  # falls back to the search
        assert insist > 300_000
        contract.functions.bump().transact(sender)
        contract.functions.insist().transact(sender)
        assert contract.functions.count().call() == 2
        with pytest.raises(Exception, match="execution reverted"):
            contract.functions.refuse().transact(sender)
