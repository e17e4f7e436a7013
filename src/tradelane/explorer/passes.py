"""What one pass of the indexer reports: blocks, events, any reorg, seconds per phase."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reorg:
    """A reorg found below the cursor: what was undone."""

    ancestor: int  # the last block the database and the chain still share
    depth: int  # indexed blocks undone
    events: int  # events removed


@dataclass
class SyncReport:
    """One pass of `Indexer.sync`."""

    first: int  # the first block read (cursor + 1 before the pass)
    cursor: int  # the last block indexed after the pass
    head: int  # the chain's latest block
    events: int = 0
    orders: int = 0  # orders registered in the pass
    reorg: Reorg | None = None
    seconds: float = 0.0
    #: Seconds spent reading logs, blocks, receipts and views from the node, decoding and
    #: turning events into rows, and writing the database.
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def blocks(self) -> int:
        return max(0, self.cursor - self.first + 1)


class _Phases:
    """Adds up the seconds of each phase of a pass."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


ProgressFn = Callable[[int, int, int], None]  # (blocks done, blocks to do, events so far)


__all__ = ["ProgressFn", "Reorg", "SyncReport"]
