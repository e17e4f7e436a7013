"""Find the solc to use and check it against the pinned version.

In order of preference: $SOLC_BINARY; a `solc` on PATH whose version is the pinned one;
py-solc-x's installed copy of the pinned version; otherwise bin/solc, a launcher over the
npm `solc` package (the official emscripten build of the same compiler).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from solcx.install import get_executable

from tradelane._settings import SOLC_VERSION, project_root
from tradelane.errors import SetupError


@dataclass(frozen=True)
class Solc:
    """A solc executable and what it is."""

    path: Path
    version: str  # full version string, e.g. "0.8.30+commit.73712a01.Linux.g++"
    kind: Literal["native", "npm"]

    @property
    def base_version(self) -> str:
        return self.version.split("+", 1)[0]


# --- finding solc -----------------------------------------------------------------------


def launcher_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "bin" / "solc"


def _version_of(binary: Path) -> str:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SetupError(f"cannot run {binary} --version: {exc}") from exc
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    raise SetupError(f"{binary} --version printed no version; is it solc?")


def _is_launcher(binary: Path, root: Path) -> bool:
    return binary.resolve() == launcher_path(root).resolve()


def _launcher(root: Path) -> Solc:
    if shutil.which("node") is None:
        raise SetupError("Node.js not found on PATH: install Node 18+ and npm, then run make setup")
    package = root / "node_modules" / "solc" / "package.json"
    if not package.is_file():
        raise SetupError("node_modules missing: run make setup")
    npm_version = json.loads(package.read_text())["version"]
    if npm_version != SOLC_VERSION:
        raise SetupError(
            f"solc version mismatch: node_modules has solc {npm_version}, the project pins "
            f"{SOLC_VERSION}: run make setup (npm ci)"
        )
    # The launcher answers --version by loading the compiler (about half a second); the
    # npm package version is enough to key the cache, solc's full string is filled in later.
    return Solc(launcher_path(root), f"{npm_version}+npm", "npm")


def find_solc(root: Path | None = None) -> Solc:
    """The solc to use, checked against the pinned version."""
    root = root or project_root()
    if env := os.environ.get("SOLC_BINARY"):
        binary = Path(env)
        if not binary.exists():
            raise SetupError(f"SOLC_BINARY={env} does not exist: unset it or fix the path")
        if _is_launcher(binary, root):
            return _launcher(root)
        solc = Solc(binary, _version_of(binary), "native")
        if solc.base_version != SOLC_VERSION:
            raise SetupError(
                f"solc version mismatch: SOLC_BINARY={env} is {solc.version}, the project pins "
                f"{SOLC_VERSION}: point SOLC_BINARY at solc {SOLC_VERSION} or unset it"
            )
        return solc

    candidates: list[Path] = []
    if on_path := shutil.which("solc"):
        candidates.append(Path(on_path))
    with contextlib.suppress(Exception):  # SolcNotInstalled and friends: no installed copy
        candidates.append(Path(get_executable(SOLC_VERSION)))
    for binary in candidates:
        if _is_launcher(binary, root):
            continue
        try:
            solc = Solc(binary, _version_of(binary), "native")
        except SetupError:
            continue
        if solc.base_version == SOLC_VERSION:
            return solc
    return _launcher(root)
