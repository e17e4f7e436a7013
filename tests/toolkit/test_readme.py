"""Every Python and shell block of the README runs as written (issue 16, item 1).

A block that must not run is preceded by `<!-- readme: skip REASON -->`; the reason is
required, and the test checks that every skipped block has one. Shell blocks run line by
line with bash in a scratch folder that holds the repository's scenarios, with the
virtualenv's `tradelane` first on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SKIP = re.compile(r"<!--\s*readme:\s*skip\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.S | re.M)


@dataclass
class Block:
    lang: str
    body: str
    line: int
    skip: str | None  # the reason, when marked

    @property
    def id(self) -> str:
        return f"{self.lang}@{self.line}"


def readme_blocks(text: str | None = None) -> list[Block]:
    text = README.read_text() if text is None else text
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        marker = SKIP.fullmatch(before[-1].strip()) if before else None
        blocks.append(
            Block(
                match["lang"],
                match["body"],
                text.count("\n", 0, match.start()) + 1,
                marker["reason"] if marker else None,
            )
        )
    return blocks


BLOCKS = readme_blocks()
RUNNABLE = [b for b in BLOCKS if b.lang in ("python", "sh", "bash")]


def test_the_readme_has_python_and_shell_blocks_and_each_skip_says_why():
    assert any(b.lang == "python" and b.skip is None for b in BLOCKS)
    assert any(b.lang == "sh" and b.skip is None for b in BLOCKS)
    for block in BLOCKS:
        assert block.lang, f"README line {block.line}: a fenced block names its language"
        if block.skip is not None:
            assert len(block.skip) > 10, f"README line {block.line}: say why it does not run"


def test_the_skip_marker_is_read():
    text = "a\n<!-- readme: skip it serves until Ctrl-C -->\n```sh\nsleep 1\n```\n"
    (block,) = readme_blocks(text)
    assert block.skip == "it serves until Ctrl-C" and block.body == "sleep 1\n"


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TRADELANE_ROOT"] = str(ROOT)
    env["COLUMNS"] = "100"
    env.pop("ETH_RPC_URL", None)
    return env


@pytest.mark.slow
@pytest.mark.eth_tester_only
@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.skip is None], ids=lambda b: b.id)
def test_readme_block_runs(block: Block, tmp_path: Path):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    env = _env(tmp_path)
    if block.lang == "python":
        script = tmp_path / "snippet.py"
        script.write_text(block.body)
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip(), "the snippet prints what it shows"
        return
    for number, line in enumerate(block.body.splitlines(), start=block.line + 1):
        command = line.split("  #")[0].strip()
        if not command or command.startswith("#"):
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, (
            f"README line {number}: {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
        assert "Traceback" not in done.stderr


def test_readme_python_snippet_prints_names_and_tokens(tmp_path: Path):
    """The client snippet: enum names, money in tokens, and a timeline (not 4 and raw units)."""
    (block,) = [b for b in BLOCKS if b.lang == "python" and "TradeClient.deploy" in b.body]
    done = subprocess.run(
        [sys.executable, "-c", block.body],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, money = done.stdout.splitlines()[:2]
    assert first == "in_transit picked_up"
    assert "'deposit': '12000 USDC'" in money and "'locked': '12000 USDC'" in money
    assert "picked_up" in done.stdout.split("\n", 2)[2] or "picked up" in done.stdout


def test_readme_scenario_example_loads_and_passes(tmp_path: Path):
    """The YAML under "Scenario files" is a scenario that runs and passes."""
    from tradelane.chain import connect
    from tradelane.scenario import load_yaml, parse_scenario, run_scenario

    (block,) = [b for b in BLOCKS if b.lang == "yaml" and "steps:" in b.body]
    scenario = parse_scenario(load_yaml(block.body), "README.md")
    with connect("eth-tester") as chain:
        result = run_scenario(scenario, chain)
    assert result.passed, [s.message for s in result.failures]
