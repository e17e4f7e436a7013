"""`tradelane bench explorer` in small, so it keeps working (BENCHMARKS.md has the real run).
Nothing here asserts a time."""

from __future__ import annotations

import pytest

from tradelane._bench import explorer
from tradelane.chain import Chain


@pytest.mark.anvil_only  # the benchmark's orders are mined in full blocks on Anvil
def test_explorer_bench_indexes_every_order_it_made(chain: Chain) -> None:
    data = explorer.run(5, chain=chain)
    assert data["orders"] == data["orders_indexed"] == data["matched"] == 5
    # Per order: registered, funded, picked up; plus the suite's own set-up events.
    assert data["events"] >= 3 * 5
    assert data["index_s"] > 0 and data["events_per_s"] > 0
    assert set(data["pages"]) == {"orders_list_ms", "order_page_ms", "party_page_ms"}
    assert data["db_mib"] > 0
