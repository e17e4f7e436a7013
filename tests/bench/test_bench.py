"""Small runs of every benchmark so none of them rots (BENCHMARKS.md has the real runs).

No timing is asserted: CI machines are shared and noisy. The gas snapshot check
(tests/contracts/test_gas.py) stays the only hard gate on the figures themselves.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from tradelane._bench import scale, throughput
from tradelane._bench.gas import ANCHORS, calldata_gas
from tradelane._bench.gasprofile import CATEGORIES, FLOOR_PARTS, floor, split
from tradelane.chain import Chain
from tradelane.cli.bench import bench

MODES = ("raw_web3", "client", "client_pipelined", "ceiling")


def _cli(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(bench, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_gas_reports_every_flow_beside_the_anchors() -> None:
    data = _cli("gas", "--profile")
    assert set(data) >= {"flows", "steps", "anchors"}
    assert set(data["flows"]) == {
        "happy_eth",
        "happy_erc20",
        "disputed_eth",
        "full_cross_border",
        "happy_eth_fee",
        "settled_eth",
        "goodwill_refund_eth",
    }
    assert set(data["anchors"]) == set(ANCHORS)
    for anchor in data["anchors"].values():
        assert anchor["ours"] == data["flows"][anchor["compare"]]
        assert anchor["ratio"] == pytest.approx(anchor["ours"] / anchor["gas"], abs=1e-3)
    assert data["extras"]["flows"]["happy_erc20_permit"] > 0
    assert data["extras"]["steps"]["fund_with_quote_and_permit_erc20"] > 0
    # Beside the gas, each flow's calldata: what a rollup's data fee follows.
    assert set(data["calldata"]) == set(data["flows"])
    detail = data["calldata_detail"]
    assert set(detail) == set(data["flows"]) | {"happy_erc20_permit"}
    txs = {"happy_eth": 2, "disputed_eth": 4, "full_cross_border": 6, "settled_eth": 3}
    for name, expected in txs.items():
        assert detail[name]["transactions"] == expected, name
    for name, d in detail.items():
        assert 0 < d["zero_bytes"] < d["bytes"], name
        assert d["gas"] == 16 * (d["bytes"] - d["zero_bytes"]) + 4 * d["zero_bytes"]
        assert d["gas"] < data["flows"].get(name, data["extras"]["flows"].get(name, 0))
    # Each checkpoint re-sends the order form: the cross-border flow carries the most data.
    assert max(data["calldata"], key=data["calldata"].get) == "full_cross_border"
    # --profile: every step of the snapshot traced, its gas split so that the parts add up
    # to it exactly.
    profile = data["profile"]
    assert set(profile) == set(data["steps"])
    for name, row in profile.items():
        assert row["gas"] == data["steps"][name], name
        assert sum(row[c] for c in CATEGORIES) == row["gas"], name
        assert row["base"] == 21_000 and row["refund"] <= 0, name
        assert row["calldata"] > 0 and row["storage"] > 0 and row["logs"] > 0, name
    assert profile["confirm_eth"]["calls"] >= 9_000  # the push of the price to the seller
    assert profile["fund_with_quote_eth"]["calls"] >= 3_000  # ecrecover of the quote
    # Each flow's floor: its parts add up to it and it lies below what the flow costs.
    floors = data["floor"]
    assert set(floors) == set(data["flows"])
    for name, row in floors.items():
        assert row["gas"] == data["flows"][name], name
        assert sum(row[p] for p in FLOOR_PARTS) == row["floor"] < row["gas"], name
        assert row["base"] == 21_000 * data["calldata_detail"][name]["transactions"], name
    for name, row in profile.items():
        assert row["floor"] < row["gas"], name
    # The tracker's call into the escrow on every checkpoint is the suite's own: the cross-
    # border flow's floor keeps only ecrecover, the milestone's push and the settlement's.
    expected = profile["fund_with_quote_eth"]["calls"] + profile["settle_eth"]["calls"]
    expected += profile["checkpoint_export_cleared_milestone"]["calls"]
    expected -= profile["checkpoint_picked_up"]["calls"]
    assert floors["full_cross_border"]["calls"] == expected


def test_the_profile_counts_a_call_apart_from_what_its_callee_spends() -> None:
    logs = [
        {"op": "PUSH1", "gas": 100, "gasCost": 3, "depth": 1},
        # reported as 50 (with the gas it forwards); it really costs 97 - 60 - 3 = 34
        {"op": "CALL", "gas": 97, "gasCost": 50, "depth": 1},
        {"op": "SLOAD", "gas": 40, "gasCost": 2_100, "depth": 2},  # what it left: 40 - 37
        {"op": "STOP", "gas": 37, "gasCost": 0, "depth": 2},
        {"op": "STOP", "gas": 60, "gasCost": 0, "depth": 1},
    ]
    assert split(logs) == {"storage": 3, "logs": 0, "calls": 34, "hashing": 0, "execution": 3}
    assert calldata_gas(bytes([0, 0, 1])) == 4 + 4 + 16


def test_the_floor_keeps_only_what_the_data_and_the_rules_cost() -> None:
    suite, outsider = "0x" + "11" * 20, "0x" + "22" * 20

    def op(name: str, gas: int, cost: int, depth: int = 1, target: str | None = None) -> dict:
        stack = ["0x0", target, "0x0"] if target else []
        return {"op": name, "gas": gas, "gasCost": cost, "depth": depth, "stack": stack}

    logs = [
        op("SLOAD", 10_000, 2_100),  # cold: kept
        op("SLOAD", 7_900, 100),  # warm: an implementation could have kept it
        op("TSTORE", 7_800, 100),  # the re-entrancy guard: left out
        op("LOG1", 7_700, 1_000),  # an event: kept
        op("CALL", 6_700, 100, target=suite),  # into the suite's own contract: left out
        op("STOP", 6_600, 0, depth=2),
        op("CALL", 6_600, 2_600, target=outsider),  # a payout: kept
        op("SELFBALANCE", 4_000, 5),  # the running contract's own balance: left out
        op("STOP", 3_995, 0),
    ]
    data = bytes([0, 0, 7, 9])
    least = floor(logs, data, -50, {suite.upper().replace("0X", "0x")})
    assert least == {
        "base": 21_000,
        "calldata": 32,
        "storage": 2_100,
        "logs": 1_000,
        "calls": 2_600,
        "refund": -50,
    }


@pytest.mark.anvil_only
def test_throughput_runs_every_mode_on_the_session_chain(chain: Chain) -> None:
    data = throughput.run(chain.kind, 2, wave=2, chain=chain, warmup=False)
    assert set(data["trades_per_s"]) == set(MODES)
    assert all(v > 0 for v in data["trades_per_s"].values())
    assert data["transactions"] == 2 * 4 + 1
    assert set(data["ratios"]) == {"client_vs_raw_time", "pipelined_vs_ceiling"}


@pytest.mark.eth_tester_only
def test_throughput_batches_fall_back_on_eth_tester(chain: Chain) -> None:
    # eth-tester's provider takes no JSON-RPC batches: the pipeline's batched estimates,
    # state reads and receipt polls go one request at a time there. One trade each keeps
    # the slow py-evm pass short.
    modes = ("client_pipelined", "ceiling")
    data = throughput.run(chain.kind, 1, wave=1, chain=chain, modes=modes, warmup=False)
    assert set(data["trades_per_s"]) == set(modes)


def test_throughput_cli_prints_the_issue_json() -> None:
    data = _cli("throughput", "--chain", "anvil", "--trades", "2", "--wave", "2")
    assert set(data["trades_per_s"]) == set(MODES)
    assert data["ratios"]["client_vs_raw_time"] > 0
    assert data["ratios"]["pipelined_vs_ceiling"] > 0


@pytest.mark.anvil_only
def test_scale_measures_each_level_on_the_session_chain(chain: Chain) -> None:
    data = scale.run((1, 12), memory_trades=0, chain=chain)
    assert list(data["levels"]) == ["1", "12"]
    for level in data["levels"].values():
        assert level["timeline_entries"] >= 4
        assert set(level["gas"]) == {
            "fund_with_quote",
            "checkpoint_picked_up",
            "checkpoint_delivered",
            "confirm",
        }
    # Every step costs the same gas whatever the number of orders, but for calldata: a
    # hash or signature byte that happens to be zero costs 4 gas instead of 16.
    one, many = data["levels"]["1"]["gas"], data["levels"]["12"]["gas"]
    for step, gas in one.items():
        assert abs(gas - many[step]) <= 5 * 12, step


def test_scale_cli_reports_memory_of_a_small_run() -> None:
    data = _cli("scale", "--levels", "1,5", "--memory-trades", "2")
    assert data["memory"]["trades"] == 2
    assert data["memory"]["python_peak_rss_mib"] > 0
