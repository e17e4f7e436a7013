"""`ape compile` from the repository root builds what the toolkit builds.

ape copies OpenZeppelin to contracts/.cache/ and remaps it there, so the sources' paths,
and with them the metadata hash that solc appends to the code, differ. Everything before
that CBOR trailer must be identical, with the same compiler version and settings. (With
via-IR this holds because both builds hand solc the same sources in the same order; see
tradelane.compiler.source_closure.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradelane._settings import EVM_VERSION, OPTIMIZER_RUNS, SOLC_VERSION, VIA_IR, project_root
from tradelane.compiler import compile_contracts

ROOT = project_root()
APE = Path(sys.executable).with_name("ape")


def strip_metadata(code: str) -> bytes:
    """Runtime code without solc's CBOR metadata trailer (its length is in the last 2 bytes)."""
    raw = bytes.fromhex(code.removeprefix("0x"))
    length = int.from_bytes(raw[-2:], "big")
    return raw[: -(length + 2)]


@pytest.fixture(scope="module")
def ape_build():
    env = {**os.environ, "SOLCX_BINARY_PATH": str(ROOT / ".solcx")}
    result = subprocess.run(
        [str(APE), "compile", "--force"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((ROOT / ".build" / "__local__.json").read_text())


def test_ape_uses_the_pinned_compiler_and_settings(ape_build):
    (compiler,) = ape_build["compilers"]
    assert compiler["name"] == "solidity"
    assert compiler["version"].startswith(SOLC_VERSION + "+commit.")
    settings = compiler["settings"]
    assert settings["evmVersion"] == EVM_VERSION
    assert settings["optimizer"] == {"enabled": True, "runs": OPTIMIZER_RUNS}
    assert settings.get("viaIR", False) == VIA_IR


def test_ape_builds_the_same_runtime_bytecode(ape_build):
    artifacts = compile_contracts()  # after ape's build, from the same sources
    theirs = ape_build["contractTypes"]
    deployable = {name: a for name, a in artifacts.items() if a.deployable}
    assert deployable
    assert set(deployable) <= set(theirs)
    for name, artifact in deployable.items():
        ape_code = theirs[name]["runtimeBytecode"]["bytecode"]
        assert strip_metadata(ape_code) == strip_metadata(artifact.deployed_bytecode), name
