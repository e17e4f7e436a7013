"""Every custom error the contract tests saw, for the revert-path coverage test.

Importing this module wraps the desk's revert decoder (and the invariant machine's backends
call `seen()` themselves), so every decoded revert of the session is counted by name.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .desk import Desk

SEEN: Counter[str] = Counter()


def seen(name: str) -> None:
    SEEN[name] += 1


def _install() -> None:
    if getattr(Desk._decode, "_logged", False):
        return
    original = Desk._decode

    def _decode(self: Desk, exc: BaseException) -> Any:
        reverted = original(self, exc)
        seen(reverted.name)
        return reverted

    _decode._logged = True  # type: ignore[attr-defined]
    Desk._decode = _decode  # type: ignore[method-assign]


_install()
