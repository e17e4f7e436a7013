"""The compiler: pinned solc, settings in the artifacts, the cache, and errors a user meets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from solcx.wrapper import VERSION_REGEX, get_solc_version

from tradelane import compiler
from tradelane import solc as solc_module
from tradelane._settings import (
    EVM_VERSION,
    OPTIMIZER_RUNS,
    SOLC_VERSION,
    compiler_settings,
    project_root,
)
from tradelane.compiler import compile_contracts, find_solc, launcher_path
from tradelane.errors import CompilationError, SetupError

ROOT = project_root()
TRADELANE = Path(sys.executable).with_name("tradelane")

GOOD = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Counter {
    uint256 public count;

    function bump() external {
        count += 1;
    }
}
"""

BAD = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Broken {
    function f() external pure returns (uint256) {
        return missing;
    }
}
"""


@pytest.fixture
def project(tmp_path: Path, scratch_project) -> Path:
    """A throwaway project that shares the repository's launcher and node_modules."""
    return scratch_project(tmp_path)


def test_artifacts_carry_the_pinned_compiler_and_settings(artifacts):
    assert artifacts, "contracts/ compiled to nothing"
    for artifact in artifacts.values():
        assert artifact.solc_version.startswith(SOLC_VERSION + "+commit.")
        assert artifact.settings == compiler_settings()
        metadata = json.loads(artifact.metadata)
        assert metadata["compiler"]["version"].startswith(SOLC_VERSION)
        assert metadata["settings"]["evmVersion"] == EVM_VERSION
        assert metadata["settings"]["optimizer"] == {"enabled": True, "runs": OPTIMIZER_RUNS}
        on_disk = json.loads((ROOT / "build" / "contracts" / f"{artifact.name}.json").read_text())
        assert on_disk["deployed_bytecode"] == artifact.deployed_bytecode
        assert on_disk["abi"] == artifact.abi


def test_every_pragma_pins_the_compiler_version():
    for unit in compiler.contract_sources(ROOT):
        text = (ROOT / unit).read_text()
        assert re.search(r"pragma solidity 0\.8\.30;", text), f"{unit} does not pin 0.8.30"


def test_cached_compile_does_not_run_solc_and_is_fast(monkeypatch):
    artifacts = compile_contracts()  # up to date now, whatever changed since the session began

    def no_solc(*args, **kwargs):
        raise AssertionError("solc ran although nothing changed")

    monkeypatch.setattr(compiler, "_run_solc", no_solc)
    started = time.perf_counter()
    again = compile_contracts()
    assert time.perf_counter() - started < 1.0
    assert {n: a.deployed_bytecode for n, a in again.items()} == {
        n: a.deployed_bytecode for n, a in artifacts.items()
    }


def test_changed_source_recompiles(project):
    source = project / "contracts" / "Counter.sol"
    source.write_text(GOOD)
    first = compile_contracts(project)["Counter"]
    source.write_text(GOOD.replace("count += 1;", "count += 2;"))
    second = compile_contracts(project)["Counter"]
    assert first.deployed_bytecode != second.deployed_bytecode
    assert json.loads((project / "build" / "cache.json").read_text())["contracts"] == ["Counter"]


def test_compile_error_names_file_line_and_column(project):
    (project / "contracts" / "Broken.sol").write_text(BAD)
    with pytest.raises(CompilationError) as info:
        compile_contracts(project)
    assert info.value.diagnostics == [
        "contracts/Broken.sol:6:16: DeclarationError: Undeclared identifier."
    ]


def test_cli_compile_exits_2_on_errors_without_traceback(project):
    (project / "contracts" / "Broken.sol").write_text(BAD)
    result = subprocess.run(
        [str(TRADELANE), "compile"], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    # What it waits for, then the one diagnostic line: nothing else.
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "contracts/Broken.sol:6:16: DeclarationError: Undeclared identifier."
    assert all(line.startswith("compiling ") for line in lines[:-1]), lines
    assert "Traceback" not in result.stderr


def test_launcher_answers_version_like_native_solc():
    out = subprocess.run(
        [str(launcher_path(ROOT)), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("solc, the solidity compiler commandline interface\nVersion: ")
    assert re.search(VERSION_REGEX, out)
    assert str(get_solc_version(launcher_path(ROOT))) == SOLC_VERSION


def test_launcher_refuses_unknown_options_like_solc():
    result = subprocess.run(
        [str(launcher_path(ROOT)), "--frobnicate"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "unrecognised option '--frobnicate'"


def test_launcher_without_node_modules_says_run_make_setup(tmp_path):
    (tmp_path / "bin").mkdir()
    shutil.copy(launcher_path(ROOT), tmp_path / "bin" / "solc")
    result = subprocess.run(
        [str(tmp_path / "bin" / "solc"), "--version"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "node_modules missing: run make setup"


def test_launcher_prints_large_output_whole(project):
    # Piped output above 64 KiB must not be cut (process.exit() would cut it).
    body = "\n".join(
        f"    function f{i}() external pure returns (uint256) {{ return {i}; }}" for i in range(150)
    )
    header = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n\n"
    (project / "contracts" / "Wide.sol").write_text(f"{header}contract Wide {{\n{body}\n}}\n")
    standard_input = {
        "language": "Solidity",
        "sources": {"contracts/Wide.sol": {"urls": ["contracts/Wide.sol"]}},
        "settings": {
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode"]}}
        },
    }
    out = subprocess.run(
        [str(launcher_path(ROOT)), "--standard-json", "--base-path", str(project)],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert len(out) > 65_536
    assert len(json.loads(out)["contracts"]["contracts/Wide.sol"]["Wide"]["abi"]) == 150


def test_npm_solc_is_used_when_no_native_solc(monkeypatch):
    monkeypatch.delenv("SOLC_BINARY", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(shutil.which("node") or "/usr/bin"))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(ROOT / ".solcx"))
    solc = find_solc(ROOT)
    assert solc.kind == "npm"
    assert solc.path == launcher_path(ROOT)


def _fake_solc(tmp_path: Path, version: str) -> Path:
    fake = tmp_path / "solc"
    fake.write_text(
        "#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\n"
        f"echo 'Version: {version}+commit.deadbeef.Linux.g++'\n"
    )
    fake.chmod(0o755)
    return fake


def test_solc_binary_of_another_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLC_BINARY", str(_fake_solc(tmp_path, "0.8.29")))
    with pytest.raises(SetupError, match=r"solc version mismatch: SOLC_BINARY=.* is 0\.8\.29"):
        find_solc(ROOT)


def test_solc_binary_of_the_pinned_version_is_preferred(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLC_BINARY", str(_fake_solc(tmp_path, SOLC_VERSION)))
    solc = find_solc(ROOT)
    assert (solc.kind, solc.base_version) == ("native", SOLC_VERSION)


def test_cli_reports_version_mismatch_in_one_line(tmp_path, project):
    env = {**os.environ, "SOLC_BINARY": str(_fake_solc(tmp_path, "0.8.29"))}
    (project / "contracts" / "Counter.sol").write_text(GOOD)
    result = subprocess.run(
        [str(TRADELANE), "compile"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "solc version mismatch" in result.stderr


def test_missing_node_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("SOLC_BINARY", raising=False)
    monkeypatch.setattr(solc_module.shutil, "which", lambda name: None)
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(ROOT / ".solcx"))
    with pytest.raises(SetupError, match=r"Node\.js not found on PATH: install Node 18"):
        find_solc(ROOT)


def test_missing_node_modules_is_one_clear_error(project, monkeypatch):
    monkeypatch.delenv("SOLC_BINARY", raising=False)
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(ROOT / ".solcx"))
    monkeypatch.setattr(
        solc_module.shutil, "which", lambda name: "/usr/bin/node" if name == "node" else None
    )
    (project / "node_modules").unlink()
    with pytest.raises(SetupError, match="node_modules missing: run make setup"):
        find_solc(project)


def test_source_closure_follows_imports_and_skips_commented_ones(project):
    lib = project / "contracts" / "lib"
    lib.mkdir()
    (lib / "Helper.sol").write_text(
        '// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\nimport "../Main.sol";\n'
    )
    (project / "contracts" / "Main.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n"
        'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";\n'
        '// import "./Missing.sol";\n/* import {X} from "./AlsoMissing.sol"; */\n'
        'string constant URL = "https://example.invalid/x"; // not an import\n'
    )
    (project / "contracts" / ".cache").mkdir()
    (project / "contracts" / ".cache" / "Copy.sol").write_text("not solidity")
    assert list(compiler.source_closure(project)) == [
        "@openzeppelin/contracts/access/Ownable.sol",
        "@openzeppelin/contracts/utils/Context.sol",
        "contracts/Main.sol",
        "contracts/lib/Helper.sol",
    ]


def test_missing_import_is_a_compile_error(project):
    (project / "contracts" / "Main.sol").write_text(
        'pragma solidity 0.8.30;\nimport "@openzeppelin/contracts/Nope.sol";\n'
    )
    with pytest.raises(CompilationError, match=r"Nope\.sol: file not found"):
        compile_contracts(project)
