"""The one place that pins how Tradelane's contracts are compiled and where the project lives.

ape-config.yaml mirrors these values for `ape compile`; tests/test_ape.py checks that both
produce the same runtime bytecode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

SOLC_VERSION: Final = "0.8.30"
EVM_VERSION: Final = "prague"
OPTIMIZER_RUNS: Final = 1_000
VIA_IR: Final = True
#: Where a non-relative import such as "@openzeppelin/contracts/access/AccessControl.sol" is
#: looked up, in order, relative to the repository root (solc's --include-path). The import
#: path itself is the source unit name, so no remapping is needed.
INCLUDE_PATHS: Final = (".", "node_modules")


def compiler_settings() -> dict[str, Any]:
    """Standard-JSON `settings` (without outputSelection) used for every compile."""
    return {
        "evmVersion": EVM_VERSION,
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "viaIR": VIA_IR,
    }


def _looks_like_root(path: Path) -> bool:
    return (path / "package.json").is_file() and (path / "pyproject.toml").is_file()


def project_root() -> Path:
    """The repository root: $TRADELANE_ROOT, else the nearest parent of the working
    directory holding package.json and pyproject.toml, else this checkout."""
    if env := os.environ.get("TRADELANE_ROOT"):
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _looks_like_root(candidate):
            return candidate
    return Path(__file__).resolve().parents[2]
