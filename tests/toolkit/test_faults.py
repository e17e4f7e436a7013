"""The toolkit under bad input and faults (issue 5, item 7).

Bad input exits 2 and a lost chain exits 3, each with one line naming the cause and no
traceback; Ctrl-C exits 130 with one line. No run leaves an Anvil behind, and a manifest is
never half-written. (tests/toolkit/broken/ covers the scenario loader's other refusals.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tradelane.cli import main

ROOT = Path(__file__).parents[2]
HAPPY = ROOT / "scenarios" / "happy_eth_fob.yaml"
TRADELANE = [sys.executable, "-m", "tradelane.cli"]

# (name, text to replace in happy_eth_fob.yaml, its replacement, what the one line must say)
BAD_INPUT = [
    ("unknown_incoterm", "incoterm: FOB", "incoterm: FOO", "unknown incoterm 'FOO'"),
    ("negative_price", "price: 2.5 ETH", "price: -2.5 ETH", "field 'price'"),
    ("overflowing_price", "price: 2.5 ETH", "price: 1e40 ETH", "field 'price'"),
    ("negative_duration", "ship_within: 5d", "ship_within: -5d", "field 'ship_within'"),
    ("overflowing_window", "inspection: 2d", "inspection: 50000d", "fit in uint32"),
    ("overflowing_wait", "{wait: 2d}", "{wait: 99999999999d}", "at most 36500d"),
    ("unknown_party", "by: globex, order: po-7}", "by: initech, order: po-7}", "initech"),
    ("malformed_yaml", "parties: {", "parties: {{", "not valid YAML"),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(case, tmp_path, capsys):
    name, old, new, says = case
    text = HAPPY.read_text()
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert says in lines[0] and path.name in lines[0]


# (command line, what the error must name): option values the contracts or the chain layer
# would refuse later are refused up front, as usage errors, before anything is compiled or sent.
BAD_OPTIONS = [
    (["deploy", "--arbitration-cost", "banana"], "'--arbitration-cost': not an amount"),
    (["deploy", "--arbitration-cost", "5 USDC"], "paid in ETH"),
    (["deploy", "--ruling-period", "400d"], "'--ruling-period'"),
    (["deploy", "--ruling-period", "0s"], "out of range"),
    (["deploy", "--fee", "5%"], "capped at 2%"),
    (["deploy", "--treasury", "0x123"], "'--treasury': not an address"),
    (["deploy", "--chain", "mainnet"], "unknown chain 'mainnet'"),
    (["run", "--chain", "foo", str(HAPPY)], "unknown chain 'foo'"),
    (["run", "--party-eth", "5 USDC", str(HAPPY)], "--party-eth is an amount in ETH, not USDC"),
    (["node", "--port", "99999"], "'--port'"),
    (["deploy", "--max-fee", "abc"], "'--max-fee': 'abc' is not an amount of gwei"),
    (["run", "--priority-fee", "-1", str(HAPPY)], "'--priority-fee'"),
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=[" ".join(a[0][:3]) for a in BAD_OPTIONS])
def test_bad_option_exits_2_naming_it(argv, capsys):
    args, says = argv
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    assert "Traceback" not in err
    assert says in err, err


def test_unreachable_rpc_url_exits_3_with_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(HAPPY), "--chain", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 3, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "127.0.0.1:9" in lines[0], err


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        for path in Path(f"/proc/{stack.pop()}/task").glob("*/children"):
            kids = [int(k) for k in path.read_text().split()]
            found += kids
            stack += kids
    return found


def _anvil_of(pid: int) -> int | None:
    for child in _descendants(pid):
        try:
            if b"anvil" in Path(f"/proc/{child}/cmdline").read_bytes():
                return child
        except OSError:
            continue
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _run_until_first_scenario_passed(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    """`tradelane run` of every scenario on an Anvil it starts, once the first one passed."""
    scenarios = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    proc = subprocess.Popen(
        [*TRADELANE, "run", *scenarios, "--chain", "anvil"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first scenario's result: the run is under way
    assert line, proc.stderr.read() if proc.stderr else ""
    anvil = _anvil_of(proc.pid)
    assert anvil is not None, "no anvil child found"
    return proc, anvil


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_anvil_killed_mid_run_exits_3_with_one_line(tmp_path):
    proc, anvil = _run_until_first_scenario_passed(tmp_path)
    os.kill(anvil, signal.SIGKILL)  # the Anvil this run started, and only it
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "lost the chain" in lines[0], err
    assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_mid_run_exits_130_and_stops_its_anvil(tmp_path):
    proc, anvil = _run_until_first_scenario_passed(tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for _ in range(50):
        if not _alive(anvil):
            break
        time.sleep(0.1)
    assert not _alive(anvil), "the run left its Anvil running"


def test_interrupted_manifest_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    from tradelane import _files, deploy

    assert deploy.write_json_atomic is _files.write_json_atomic  # how manifests are written
    path = tmp_path / "deployments" / "31337.json"
    _files.write_json_atomic(path, {"format": 1, "contracts": {"A": "0x1"}})
    before = path.read_text()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.json, "dump", interrupted)  # Ctrl-C in the middle of the write
    with pytest.raises(KeyboardInterrupt):
        _files.write_json_atomic(path, {"format": 1, "contracts": {"A": "0x2"}})
    assert path.read_text() == before  # the old manifest, whole
    assert json.loads(before)["contracts"]["A"] == "0x1"
    assert [p.name for p in path.parent.iterdir()] == ["31337.json"]  # no temporary left
