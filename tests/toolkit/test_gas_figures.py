"""The gas figures the README and docs/CONTRACTS.md show are gas/snapshot.json's, exactly.

The snapshot is checked against the contracts by tests/contracts/test_gas.py; this keeps the
pages people read from going stale when the snapshot changes (`make gas` rewrites it, and
`tradelane bench gas` prints the figures to copy).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = json.loads((ROOT / "gas" / "snapshot.json").read_text())
FIGURES = {**SNAPSHOT["flows"], **SNAPSHOT["steps"]}

#: The rows both of docs/CONTRACTS.md's tables of today's figures have: a row's first cell (its
#: start) -> the snapshot's name for it.
_CONTRACTS_ROWS = {
    "happy_eth_fee": "happy_eth_fee",
    "happy_erc20": "happy_erc20",
    "checkpoint picked_up": "checkpoint_picked_up",
    "checkpoint export_cleared": "checkpoint_export_cleared_milestone",
    "full_cross_border": "full_cross_border",
    "disputed_eth": "disputed_eth",
}
#: Each table of today's figures, by its page and its header row, and in it: the row's first
#: cell (its start) -> the snapshot's name for it. Other tables (before and after a change)
#: are history.
TABLES = {
    ("README.md", "| what | gas | at 1 gwei | at 0.01 gwei (a quiet L2) |"): {
        "a happy ETH trade": "happy_eth",
        "a happy ERC-20 trade": "happy_erc20",
        "a checkpoint (picked up)": "checkpoint_picked_up",
        "a disputed ETH trade": "disputed_eth",
        "the full cross-border flow": "full_cross_border",
    },
    ("docs/CONTRACTS.md", "| flow | gas | calldata bytes | target | anchor |"): {
        "happy_eth (quote": "happy_eth",
        **_CONTRACTS_ROWS,
    },
    (
        "docs/CONTRACTS.md",
        "| flow | gas | floor | above the floor | gas target of the gas work | what the target "
        "leaves above the floor |",
    ): {
        "happy_eth": "happy_eth",  # the first row: happy_eth_fee comes after it
        **_CONTRACTS_ROWS,
    },
}


def table(text: str, header: str) -> list[str]:
    """The rows of the table of `text` that starts with the line `header`."""
    lines = text.splitlines()
    assert header in lines, f"no table headed {header!r}"
    rows = []
    for line in lines[lines.index(header) + 1 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def shown(rows: list[str], start: str) -> int:
    """The gas in the second column of the row whose first cell starts with `start`."""
    for line in rows:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith(start) and re.fullmatch(r"[\d,]+", cells[1]):
            return int(cells[1].replace(",", ""))
    raise AssertionError(f"no gas row starting {start!r}")


@pytest.mark.parametrize(
    ("page", "header", "start", "name"),
    [
        (page, header, start, name)
        for (page, header), rows in TABLES.items()
        for start, name in rows.items()
    ],
)
def test_the_page_shows_the_snapshot(page: str, header: str, start: str, name: str) -> None:
    gas = shown(table((ROOT / page).read_text(), header), start)
    assert gas == FIGURES[name], (
        f"{page}: {start!r} shows {gas:,} gas, gas/snapshot.json has {FIGURES[name]:,} "
        f"({name}): copy the figure from `tradelane bench gas`"
    )


def test_a_stale_row_is_caught() -> None:
    # The README's checkpoint row as it stood before the order form: the reader finds the
    # figure, and it is not the snapshot's.
    text = "| what | gas |\n| --- | ---: |\n| a checkpoint (picked up) | 51,795 | 0.000049 ETH |\n"
    rows = table(text + "\n| a disputed ETH trade | 1 |\n", "| what | gas |")
    assert shown(rows, "a checkpoint") == 51_795 != FIGURES["checkpoint_picked_up"]
    with pytest.raises(AssertionError, match="no gas row"):
        shown(rows, "a disputed ETH trade")  # a row of another table, after the blank line
