"""Broken scenario files: `tradelane run` exits 2 naming the file, the step and the field.

Each file in broken/ says what its message must contain in `# error: ...` lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tradelane.cli import main
from tradelane.scenario import ScenarioInvalid, load_scenario

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def expected_fragments(path: Path) -> list[str]:
    return [
        line.split("# error:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.startswith("# error:")
    ]


def test_there_are_broken_files():
    assert len(BROKEN) >= 15
    for path in BROKEN:
        assert expected_fragments(path), f"{path.name} says nothing about its error"


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_exits_2_naming_step_and_field(path: Path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert str(path) in err
    for fragment in expected_fragments(path):
        assert fragment in err, f"{fragment!r} not in {err!r}"
    assert "Traceback" not in err


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_loader_raises_scenario_invalid(path: Path):
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.exit_code == 2


def test_invalid_files_stop_the_whole_run_before_any_chain(tmp_path):
    good = Path(__file__).parents[2] / "scenarios" / "happy_eth_fob.yaml"
    broken = BROKEN[0]
    result = subprocess.run(
        [sys.executable, "-m", "tradelane.cli", "run", str(good), str(broken), "--chain", "anvil"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert broken.name in result.stderr
    assert "happy_eth_fob" not in result.stdout  # nothing ran


def test_missing_file_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "no/such/scenario.yaml"])
    assert exit_info.value.code == 2
