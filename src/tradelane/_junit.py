"""`tradelane run --junit FILE`: the results as JUnit XML, the format CI systems read
(GitHub Actions, GitLab, Jenkins): a testsuite per run, a testcase per scenario."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET


def junit_xml(results: Sequence[Any], not_run: Sequence[str], chain: str) -> str:
    """JUnit XML of scenario results; scenarios left out by --fail-fast are skipped cases."""
    failed = sum(not r.passed for r in results)
    suite = ET.Element(
        "testsuite",
        name="tradelane scenarios",
        tests=str(len(results) + len(not_run)),
        failures=str(failed),
        errors="0",
        skipped=str(len(not_run)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="chain", value=chain)
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=Path(result.file).stem,
            name=result.name,
            file=str(result.file),
            time=f"{result.seconds:.3f}",
        )
        failures = result.failures
        if failures:
            first = failures[0]
            failure = ET.SubElement(
                case,
                "failure",
                message=f"step {first.index} {first.label}: {first.message}"[:500],
                type=first.error or "ExpectationFailed",
            )
            failure.text = "\n".join(
                f"step {s.index} {s.label}: {s.message}"
                + "".join(
                    f"\n  {c['what']}: expected {c['expected']}, actual {c['actual']}"
                    for c in s.checks
                    if not c["ok"]
                )
                for s in failures
            )
        gas = sum(t["gas"] for s in result.steps for t in s.transactions)
        ET.SubElement(
            case, "system-out"
        ).text = f"{len(result.steps) - 1} steps, {gas:,} gas on {result.chain}"
    for file in not_run:
        case = ET.SubElement(suite, "testcase", classname=Path(file).stem, name=Path(file).name)
        ET.SubElement(case, "skipped", message="not run: --fail-fast stopped the run")
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )
