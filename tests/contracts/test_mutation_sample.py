"""A fixed sample of mutants (audit/mutate.py --sample: the named mutants of issue 11 and a
few generated ones) must all be killed by the fast contract tests.

Runs the tool as `make mutate` does, in a subprocess (it starts its own pytest workers on
eth-tester, so this test runs in the eth-tester pass only). Compiled mutants are cached in
build/mutants/, so only the first run after a contract change pays for compiling them.
A named mutant whose snippet is no longer in its function fails the test too: update its
definition in audit/mutate.py (NAMED) with the code that now carries the rule.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tradelane._settings import project_root


@pytest.mark.slow
def test_every_sampled_mutant_is_killed() -> None:
    root = project_root()
    done = subprocess.run(
        [sys.executable, str(root / "audit" / "mutate.py"), "--sample", "--json", "--quiet"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.stdout, done.stderr[-2000:]
    result = json.loads(done.stdout)
    named = [m for m in result["mutants"] if m["named"]]
    assert len(named) >= 7
    assert len(result["mutants"]) >= len(named) + 1
    not_applicable = [
        f"{m['name']}: {m['detail']}" for m in result["mutants"] if m["status"] == "not applicable"
    ]
    assert not not_applicable, "named mutants no longer apply:\n" + "\n".join(not_applicable)
    alive = [
        f"{m['status']}: {m['name']}\n{m['diff'] or m['detail']}"
        for m in result["mutants"]
        if m["status"] not in ("killed", "timeout", "stillborn", "equivalent")
    ]
    assert not alive, "mutants the suite does not kill:\n" + "\n".join(alive)
    assert done.returncode == 0, done.stderr[-2000:]
