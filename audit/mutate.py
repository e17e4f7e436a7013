"""`make mutate`: mutation testing over the money paths of contracts/.

Each mutant is one small change to one contract's source: generated (operators, guards,
statements and constants inside the money-path functions, found by parsing each function's
range from the source as it is now) or named (a change the suite once missed, given as the
exact original snippet inside one function and its replacement: when that snippet is no
longer in the function, the mutant is reported "not applicable", never silently passed).

For each mutant the sources are copied in memory with the change applied, the contracts
that depend on the changed file are recompiled with the project's settings (the others come
from the build cache; compiled mutants are cached in build/mutants/ by source hash), and the
fast part of the suite runs against them on eth-tester in a warm pytest worker with -x:

    killed      a test failed
    survived    every test passed: the suite misses this change
    stillborn   it does not compile (not counted)
    equivalent  listed in audit/mutate-triage.json with the reason it cannot change behaviour
    timeout     the tests ran past --timeout (counted as killed: the mutant hangs the suite)

    score = killed / (total - stillborn - equivalent)

    python audit/mutate.py [--sample] [--json] [--only SUBSTR ...] [--skip SUBSTR ...] [--list]
                           [--jobs N] [--resume [JSON]]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import difflib
import hashlib
import json
import os
import posixpath
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradelane import compiler  # noqa: E402
from tradelane._files import write_json_atomic  # noqa: E402
from tradelane._settings import compiler_settings  # noqa: E402
from tradelane.errors import CompilationError, SetupError  # noqa: E402

TRIAGE = ROOT / "audit" / "mutate-triage.json"
CACHE = ROOT / "build" / "mutants"
RESULTS = CACHE / "results.json"  # the last run's results, rewritten after each mutant

#: The money paths: per file, the functions whose bodies are mutated. A name the source no
#: longer has is reported, not an error, so the list survives the contracts' rewrites.
MONEY_PATHS: dict[str, tuple[str, ...]] = {
    # The escrow's hot half: funding, checkpoints, confirmation, settlement, refunds.
    "contracts/TradeEscrow.sol": (
        "confirm",
        "settle",
        "refund",
        "stageReported",
        "holdReported",
        "_fund",
        "_complete",
        "_releaseDue",
        "_withdraw",
        "_dueBps",
    ),
    # The escrow's cold half (reached by delegatecall): disputes, rulings, settlements.
    "contracts/EscrowDisputes.sol": (
        "dispute",
        "payArbitrationFee",
        "enforceFeeTimeout",
        "enforceRulingTimeout",
        "rule",
        "acceptSettlement",
        "release",
        "reimburse",
        "onArbitrationRefund",
        "_resolve",
    ),
    # What both halves share: payouts, shares, the refund rules.
    "contracts/EscrowCore.sol": ("_refundCheck", "_payFee", "_pay", "_released", "_split"),
    # Only the paths that pay: what reaches the escrow's stageReported/holdReported.
    "contracts/LogisticsTracker.sol": ("_record",),
    "contracts/DisputeArbitration.sol": (
        "vote",
        "ruleByDefault",
        "withdraw",
        "_decide",
        "_pay",
    ),
    # The order form: its shape, and what it tells the escrow and the tracker about money and
    # rights (the milestones' schedule, the ship-by and deliver-by windows, who may clear or
    # inspect).
    "contracts/libraries/OrderForm.sol": (
        "check",
        "counts",
        "milestone",
        "schedule",
        "windows",
        "names",
    ),
    # The funding checks: the state machine's guard and the fee snapshot.
    "contracts/OrderRegistry.sol": ("_register",),
    "contracts/OrderStorage.sol": ("_requireStatus",),
}


@dataclass(frozen=True)
class Named:
    """A mutant the suite once missed: `original` (exact text, once in `function`, its
    header included) becomes `replacement`."""

    name: str
    file: str
    function: str
    original: str
    replacement: str
    why: str


NAMED: tuple[Named, ...] = (
    Named(
        "fee-skipped-on-ruling",
        "contracts/EscrowDisputes.sol",
        "_resolve",
        "_split(amount - toBuyer, state.feeBps)",
        "_split(amount - toBuyer, 0)",
        "a ruling pays the seller's share without the platform fee",
    ),
    Named(
        "customs-release-pays-in-dispute",
        "contracts/TradeEscrow.sol",
        "holdReported",
        "if (status != Status.Disputed) _releaseDue",
        "_releaseDue",
        "lifting a hold releases tranches while the order is disputed",
    ),
    Named(
        "settle-ignores-hold",
        "contracts/TradeEscrow.sol",
        "settle",
        "if (state.onHold) revert EscrowOnHold(id);",
        "",
        "anyone settles an order customs is holding",
    ),
    Named(
        "pause-blocks-refund",
        "contracts/TradeEscrow.sol",
        "refund",
        "external nonReentrant {",
        "external nonReentrant whenNotPaused {",
        "pausing takes the buyer's due refund away",
    ),
    Named(
        "pause-blocks-withdrawal",
        "contracts/TradeEscrow.sol",
        "withdraw",
        "external nonReentrant {",
        "external nonReentrant whenNotPaused {",
        "pausing blocks a withdrawal",
    ),
    Named(
        "ship-by-off-by-one-second",
        "contracts/EscrowCore.sol",
        "_refundCheck",
        "deadline = fundedAt + OrderForm.shipWithin(form);",
        "deadline = fundedAt + OrderForm.shipWithin(form) + 1;",
        "the ship-by refund comes one second late",
    ),
    Named(
        "dispute-window-off-by-one-second",
        "contracts/EscrowDisputes.sol",
        "dispute",
        "if (block.timestamp > endsAt) revert EscrowDeadlinePassed",
        "if (block.timestamp > endsAt + 1) revert EscrowDeadlinePassed",
        "a dispute is accepted one second after the inspection window",
    ),
    Named(
        "vote-after-decision",
        "contracts/DisputeArbitration.sol",
        "vote",
        "if (d.flags & F_SOLVED != 0) revert ArbitrationDisputeSolved(disputeId);",
        "",
        "a panel member votes on a dispute already decided",
    ),
)

#: Generated mutants in the sample, by (file, function, kind): the first that matches.
SAMPLE_GENERATED: tuple[tuple[str, str, str], ...] = (
    ("contracts/TradeEscrow.sol", "_withdraw", "drop-stmt"),
    ("contracts/EscrowDisputes.sol", "enforceFeeTimeout", "le->lt"),
)

#: The fast part of the suite, in the order it runs (the targeted edge tests first, so most
#: mutants die in the first seconds).
TESTS = (
    "tests/contracts/test_edges.py",
    "tests/contracts/test_lifecycle.py",
    "tests/contracts/test_branches.py",
    "tests/contracts/test_rights.py",
    "tests/contracts/test_settlement.py",
    "tests/contracts/test_escrow_split.py",
    "tests/contracts/test_arbitrator_erc792.py",
    "tests/contracts/test_security_doubles.py",
    "tests/contracts/test_order_form.py",
)
#: What the sample runs against: the edge tests alone kill every sampled mutant.
SAMPLE_TESTS = ("tests/contracts/test_edges.py",)


# --- parsing ---------------------------------------------------------------------------

_MASK = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*.*?\*/', re.S)


def mask(text: str) -> str:
    """`text` with comments and string literals blanked, offsets unchanged."""
    return _MASK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _match(code: str, start: int, open_: str, close: str) -> int:
    """Offset just past the bracket closing the one at `start`."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == open_:
            depth += 1
        elif code[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unbalanced {open_} at offset {start}")


@dataclass(frozen=True)
class Function:
    name: str
    start: int  # the `function` keyword
    body: int  # the body's `{`
    end: int  # just past the body's `}`


def functions(code: str) -> list[Function]:
    """Every function with a body in masked source `code`."""
    found = []
    for m in re.finditer(r"\bfunction\s+(\w+)\s*\(", code):
        depth = 0
        for i in range(m.end() - 1, len(code)):
            c = code[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0 and c == ";":
                break
            elif depth == 0 and c == "{":
                found.append(Function(m.group(1), m.start(), i, _match(code, i, "{", "}")))
                break
    return found


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- mutants ---------------------------------------------------------------------------


@dataclass
class Mutant:
    name: str  # file:function:line:kind, or the named mutant's name
    file: str
    function: str
    kind: str
    line: int = 0
    start: int = 0
    end: int = 0
    replacement: str = ""
    named: bool = False
    why: str = ""
    status: str = "pending"
    killed_by: str = ""
    seconds: float = 0.0
    detail: str = ""
    diff: str = field(default="", repr=False)

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


_SWAP = {
    "<": ("<=", "lt->le"),
    "<=": ("<", "le->lt"),
    ">": (">=", "gt->ge"),
    ">=": (">", "ge->gt"),
    "==": ("!=", "eq->ne"),
    "!=": ("==", "ne->eq"),
    "+": ("-", "add->sub"),
    "-": ("+", "sub->add"),
    "+=": ("-=", "add-assign->sub-assign"),
    "-=": ("+=", "sub-assign->add-assign"),
}
_OPERATOR = re.compile(r"<<=|>>=|<<|>>|<=|>=|==|!=|=>|\+\+|--|\+=|-=|\*\*|&&|\|\||[<>+\-]")
_NUMBER = re.compile(r"(?<![\w.])(0x[0-9a-fA-F]+|\d[\d_]*)(?![\w.])")
_DECLARATION = re.compile(
    r"^(\(|[\w.]+(\[\d*\])*(\s+(storage|memory|calldata|payable))?\s+\w+\s*(=|$))"
)
_NOT_DELETED = ("return", "revert", "emit", "if", "for", "while", "else", "break", "continue")


def _statements(code: str, f: Function) -> Iterator[tuple[int, int]]:
    """(start, end) of each statement ending in `;` directly inside a block of `f`'s body,
    skipping for-loop headers."""
    start = f.body + 1
    depth = 0
    i = start
    while i < f.end - 1:
        c = code[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c in "{}":
            start = i + 1
        elif depth == 0 and c == ";":
            yield start, i + 1
            start = i + 1
        i += 1


def _skip_ranges(code: str, f: Function) -> list[tuple[int, int]]:
    """Assembly blocks: Yul is left alone."""
    ranges = []
    for m in re.finditer(r"\bassembly\b[^{]*\{", code[f.body : f.end]):
        open_ = f.body + m.end() - 1
        ranges.append((f.body + m.start(), _match(code, open_, "{", "}")))
    return ranges


def generate(file: str, text: str, wanted: tuple[str, ...]) -> tuple[list[Mutant], list[str]]:
    """The generated mutants of `file` (source `text`) in the functions `wanted`, in source
    order, and the wanted names the file does not define."""
    code = mask(text)
    base = posixpath.basename(file)
    fns = [f for f in functions(code) if f.name in wanted]
    missing = sorted(set(wanted) - {f.name for f in fns})
    out: list[Mutant] = []

    def add(f: Function, start: int, end: int, replacement: str, kind: str) -> None:
        line = _line(text, start)
        out.append(
            Mutant(
                f"{base}:{f.name}:{line}:{kind}", file, f.name, kind, line, start, end, replacement
            )
        )

    for f in fns:
        skip = _skip_ranges(code, f)

        def free(pos: int, skip: list[tuple[int, int]] = skip) -> bool:
            return not any(a <= pos < b for a, b in skip)

        body = code[f.body : f.end]
        # Operators.
        for m in _OPERATOR.finditer(body):
            pos = f.body + m.start()
            if m.group(0) in _SWAP and free(pos):
                rep, kind = _SWAP[m.group(0)]
                add(f, pos, pos + len(m.group(0)), rep, kind)
        # Conditions: guards (if ... revert, require) dropped, other conditions negated.
        for m in re.finditer(r"\bif\s*\(", body):
            pos = f.body + m.start()
            if not free(pos):
                continue
            open_ = f.body + m.end() - 1
            close = _match(code, open_, "(", ")")
            rest = code[close:]
            after = rest.lstrip()
            at = close + len(rest) - len(after)
            if after.startswith("revert"):
                add(f, pos, code.index(";", at) + 1, "", "drop-guard")
            elif after.startswith("{") and code[
                at + 1 : _match(code, at, "{", "}") - 1
            ].strip().startswith("revert"):
                add(f, pos, _match(code, at, "{", "}"), "", "drop-guard")
            else:
                add(f, open_, close, f"(!{text[open_:close]})", "negate-if")
        for m in re.finditer(r"\brequire\s*\(", body):
            pos = f.body + m.start()
            if free(pos):
                add(f, pos, code.index(";", pos) + 1, "", "drop-guard")
        # Statements deleted (not declarations, returns, reverts, events or control flow).
        for start, end in _statements(code, f):
            stmt = code[start:end].strip()
            lead = start + len(code[start:end]) - len(code[start:end].lstrip())
            words = re.match(r"\w+", stmt)
            if (
                not stmt
                or not free(lead)
                or (words and words.group(0) in _NOT_DELETED)
                or _DECLARATION.match(stmt[:-1].strip())
                or stmt.startswith("require")
            ):
                continue
            add(f, lead, end, "", "drop-stmt")
        # Numeric constants, one up and one down.
        for m in _NUMBER.finditer(body):
            pos = f.body + m.start()
            if not free(pos):
                continue
            literal = m.group(0)
            value = int(literal.replace("_", ""), 0)
            if value == 0:
                continue  # address(0), `!= 0`...: the operator and guard mutants cover them
            fmt = (lambda v: hex(v)) if literal.startswith("0x") else str
            add(f, pos, pos + len(literal), fmt(value + 1), "const+1")
            if value > 1:
                add(f, pos, pos + len(literal), fmt(value - 1), "const-1")
    # Unique names: a second mutant of the same kind on a line gets #2, #3...
    seen: dict[str, int] = {}
    for mutant in out:
        seen[mutant.name] = seen.get(mutant.name, 0) + 1
        if seen[mutant.name] > 1:
            mutant.name += f"#{seen[mutant.name]}"
    return out, missing


def named_mutant(n: Named, text: str) -> Mutant:
    """The named mutant on source `text`, or one with status "not applicable"."""
    m = Mutant(
        n.name, n.file, n.function, "named", named=True, why=n.why, replacement=n.replacement
    )
    code = mask(text)
    fns = [f for f in functions(code) if f.name == n.function]
    if len(fns) != 1:
        m.status, m.detail = (
            "not applicable",
            f"{n.file} has {len(fns)} functions named {n.function}",
        )
        return m
    f = fns[0]
    hits = [h.start() + f.start for h in re.finditer(re.escape(n.original), text[f.start : f.end])]
    if len(hits) != 1:
        m.status = "not applicable"
        m.detail = (
            f"{n.function} holds {len(hits)} copies of {n.original!r}: update audit/mutate.py NAMED"
        )
        return m
    m.start, m.end = hits[0], hits[0] + len(n.original)
    m.line = _line(text, m.start)
    return m


def all_mutants(sources: dict[str, str]) -> tuple[list[Mutant], dict[str, list[str]]]:
    """The named mutants, then the generated ones taken in turn from each function (its
    first, then every function's second...), so that a run cut short has sampled them all."""
    mutants: list[Mutant] = [named_mutant(n, sources[n.file]) for n in NAMED]
    missing: dict[str, list[str]] = {}
    by_function: dict[tuple[str, str], list[Mutant]] = {}
    for file, wanted in MONEY_PATHS.items():
        generated, absent = generate(file, sources[file], wanted)
        for m in generated:
            by_function.setdefault((m.file, m.function), []).append(m)
        if absent:
            missing[file] = absent
    queues = list(by_function.values())
    while any(queues):
        mutants += [q.pop(0) for q in queues if q]
    return mutants, missing


def sample(mutants: list[Mutant]) -> list[Mutant]:
    chosen = [m for m in mutants if m.named]
    for file, function, kind in SAMPLE_GENERATED:
        for m in mutants:
            if not m.named and (m.file, m.function, m.kind) == (file, function, kind):
                chosen.append(m)
                break
    return chosen


def unified(file: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{file}",
            f"b/{file}",
            n=1,
        )
    )


# --- compiling -------------------------------------------------------------------------


def _closure(sources: dict[str, str], unit: str) -> set[str]:
    seen: set[str] = set()
    pending = [unit]
    while pending:
        u = pending.pop()
        if u in seen or u not in sources:
            continue
        seen.add(u)
        for path in compiler._imports(sources[u]):
            if path.startswith("."):
                path = posixpath.normpath(posixpath.join(posixpath.dirname(u), path))
            pending.append(path)
    return seen


def _functions(abi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((e for e in abi if e.get("type") == "function"), key=json.dumps)


#: Bumped when what Builder writes for a mutant changes, so older cached builds are not used
#: (2: hosts carry their modules' ABI).
BUILD_FORMAT = 2


class Builder:
    """Compiles mutants: only the contracts whose closure holds the changed file."""

    def __init__(self) -> None:
        self.solc = compiler.find_solc(ROOT)
        self.base = compiler.compile_contracts(ROOT, solc=self.solc)  # the build cache
        self.sources = compiler.source_closure(ROOT)
        self.deployable = sorted({a.source for a in self.base.values() if a.deployable})
        self.functions = {n: _functions(a.abi) for n, a in self.base.items()}

    def build(self, mutant: Mutant) -> Path | None:
        """A folder of the mutant's artifacts, or None if it does not compile."""
        sources = dict(self.sources)
        sources[mutant.file] = mutant.apply(sources[mutant.file])
        units = [u for u in self.deployable if mutant.file in _closure(sources, u)]
        needed = sorted(set().union(*(_closure(sources, u) for u in units)))
        subset = {u: sources[u] for u in needed}
        key = hashlib.sha256(
            json.dumps(
                {
                    "format": BUILD_FORMAT,
                    "solc": self.solc.version,
                    "settings": compiler_settings(),
                    "sources": subset,
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()[:24]
        folder = CACHE / key
        if (folder / "stillborn").exists():
            mutant.detail = (folder / "stillborn").read_text()
            return None
        if not (folder / "done").exists():
            try:
                built = compiler.compile_units(subset, ROOT, solc=self.solc)
            except CompilationError as exc:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "stillborn").write_text(
                    str(exc).splitlines()[0] if str(exc) else "does not compile"
                )
                mutant.detail = (folder / "stillborn").read_text()
                return None
            artifacts = compiler.with_module_abis(
                {**self.base, **{n: a for n, a in built.items() if a.source in units}}
            )
            # A mutant changes code, never an interface: functions that differ from the base
            # build's mean the artifacts were put together wrong, and every test would "kill"
            # the mutant by failing to find a function. (Errors may differ: solc lists only
            # the errors the code still uses, and a dropped guard drops its error.)
            changed = sorted(
                n for n, a in artifacts.items() if _functions(a.abi) != self.functions[n]
            )
            if changed:
                raise SetupError(
                    f"{mutant.name}: the mutant's artifacts of {', '.join(changed)} do not have "
                    "the base build's ABI (see compiler.with_module_abis)"
                )
            for name, artifact in artifacts.items():
                write_json_atomic(folder / f"{name}.json", artifact.to_json())
            (folder / "done").write_text(mutant.name)
        return folder


# --- testing ---------------------------------------------------------------------------

WORKER = r"""
import json, os, sys, time
import pytest

class Failures:
    def __init__(self, first_ones):
        self.first = ""
        self.rank = {nodeid: i for i, nodeid in enumerate(first_ones)}
    def pytest_collection_modifyitems(self, items):
        items.sort(key=lambda item: self.rank.get(item.nodeid, len(self.rank)))
    def pytest_runtest_logreport(self, report):
        if report.failed and not self.first:
            self.first = report.nodeid

for line in sys.stdin:
    job = json.loads(line)
    os.environ["TRADELANE_ARTIFACTS"] = job["artifacts"]
    plugin = Failures(job["first"])
    started = time.monotonic()
    with open(job["log"], "w") as log:
        out, err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = log
        try:
            code = pytest.main(job["args"], plugins=[plugin])
        finally:
            sys.stdout, sys.stderr = out, err
    seconds = time.monotonic() - started
    print(json.dumps({"code": int(code), "first": plugin.first, "seconds": seconds}), flush=True)
"""


class Worker:
    """A warm pytest process: imports and fixtures' code loaded once, one run per mutant."""

    def __init__(self, tests: list[str]) -> None:
        self.args = ["--chain", "eth-tester", "-x", "-q", "-p", "no:cacheprovider", *tests]
        self.proc: subprocess.Popen[str] | None = None
        self.logs = Path(tempfile.mkdtemp(prefix="tradelane-mutate-"))

    def _start(self) -> subprocess.Popen[str]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", WORKER],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        return self.proc

    def run(
        self, artifacts: Path, label: str, timeout: float, first: list[str] | None = None
    ) -> tuple[str, str, float]:
        """("passed" | "failed" | "timeout" | "error", first failing test, seconds). The
        tests in `first` run first (the rest in file order)."""
        proc = self._start()
        assert proc.stdin and proc.stdout
        log = self.logs / (re.sub(r"\W+", "_", label) + ".log")
        proc.stdin.write(
            json.dumps(
                {
                    "artifacts": str(artifacts),
                    "log": str(log),
                    "args": self.args,
                    "first": first or [],
                }
            )
            + "\n"
        )
        proc.stdin.flush()
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(proc.stdout.readline)
            try:
                line = future.result(timeout=timeout)
            except concurrent.futures.TimeoutError:
                proc.kill()
                proc.wait()
                return "timeout", "", time.monotonic() - started
        if not line:
            return (
                "error",
                log.read_text()[-400:] if log.exists() else "worker died",
                time.monotonic() - started,
            )
        result = json.loads(line)
        if result["code"] == 0:
            return "passed", "", result["seconds"]
        if result["code"] == 1:
            return "failed", result["first"], result["seconds"]
        return (
            "error",
            (log.read_text()[-400:] if log.exists() else f"pytest exit {result['code']}"),
            result["seconds"],
        )

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            assert self.proc.stdin
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


# --- the run ---------------------------------------------------------------------------


def load_triage() -> tuple[dict[str, str], dict[str, str]]:
    """The equivalent mutants with their reasons, and the source line each was judged on."""
    data = json.loads(TRIAGE.read_text()) if TRIAGE.exists() else {}
    return dict(data.get("equivalent", {})), dict(data.get("lines", {}))


def source_line(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    builder = Builder()
    mutants, missing = all_mutants(builder.sources)
    if args.sample:
        mutants = sample(mutants)
    if args.only:
        mutants = [m for m in mutants if any(s in m.name for s in args.only)]
    if args.skip:  # left out of this run entirely (a later --resume runs them)
        mutants = [m for m in mutants if not any(s in m.name for s in args.skip)]
    if args.random:  # a uniform sample, for an estimate of the score when the run is too long
        mutants = random.Random(args.seed).sample(mutants, min(args.random, len(mutants)))
    triage, judged_on = load_triage()
    for m in mutants:
        if m.status == "pending" and m.name in triage:
            # A key names a line by its number: when code moves, another statement of the
            # same kind can take that number. Only a mutant whose line is still the one it
            # was judged on is equivalent; any other is run (and reported below).
            now = source_line(builder.sources[m.file], m.line) if not m.named else ""
            if m.named or judged_on.get(m.name) == now:
                m.status, m.detail = "equivalent", triage[m.name]
            else:
                was = judged_on.get(m.name, "(no line recorded)")
                print(
                    f"note: triage entry {m.name} was judged on `{was}`, the line is now "
                    f"`{now}`: run, not skipped (update its key or line)",
                    file=sys.stderr,
                )
    todo = [m for m in mutants if m.status == "pending"]
    for m in mutants:
        if m.status != "not applicable":
            m.diff = unified(m.file, builder.sources[m.file], m.apply(builder.sources[m.file]))
    if args.list:
        return {"mutants": [asdict(m) for m in mutants], "missing_functions": missing}

    if args.resume and Path(args.resume).exists():
        previous = {m["name"]: m for m in json.loads(Path(args.resume).read_text())["mutants"]}
        for m in todo:
            old = previous.get(m.name)
            if (
                old
                and old["status"] in ("killed", "timeout", "stillborn")
                and old["diff"] == m.diff
            ):
                m.status, m.killed_by, m.detail = old["status"], old["killed_by"], old["detail"]
        todo = [m for m in todo if m.status == "pending"]
    lanes = max(1, args.jobs)
    workers = [Worker(list(args.tests)) for _ in range(lanes)]
    base_dir = CACHE / "base"
    for name, artifact in builder.base.items():
        write_json_atomic(base_dir / f"{name}.json", artifact.to_json())

    def say(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    baseline, first, base_seconds = workers[0].run(base_dir, "baseline", 900)
    if baseline != "passed":
        raise SystemExit(
            f"error: the unmutated sources fail the chosen tests ({baseline} {first}): "
            "fix that first"
        )
    timeout = max(args.timeout, 4 * base_seconds)
    say(
        f"baseline: {len(args.tests)} test files pass in {base_seconds:.1f}s; "
        f"{len(todo)} mutants to run"
    )
    queue = list(reversed(todo))
    results_file = RESULTS.with_name("sample-results.json") if args.sample else RESULTS
    if args.random:
        results_file = RESULTS.with_name(f"random-{args.random}-seed-{args.seed}-results.json")
    # The last run's kills order the tests too: a mutant's likely killers run first.
    history: list[Mutant] = []
    for earlier in {RESULTS, results_file}:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            history += [
                Mutant(x["name"], x["file"], x["function"], x["kind"], killed_by=x["killed_by"])
                for x in json.loads(earlier.read_text())["mutants"]
                if x["killed_by"] and x["killed_by"].split("::")[0] in args.tests
            ]

    def killers(m: Mutant) -> list[str]:
        """The tests most likely to kill `m`: those that killed mutants of its function,
        latest first, then the others by how many they killed (a mutant dies sooner)."""
        with lock:
            dead = [*history, *(x for x in mutants if x.killed_by)]
        same = [x.killed_by for x in reversed(dead) if (x.file, x.function) == (m.file, m.function)]
        counts: dict[str, int] = {}
        for x in dead:
            counts[x.killed_by] = counts.get(x.killed_by, 0) + 1
        return list(dict.fromkeys([*same, *sorted(counts, key=lambda t: -counts[t])]))

    lock = threading.Lock()
    done = [0]

    def lane(worker: Worker) -> None:
        try:
            _lane(worker)
        except BaseException:
            queue.clear()  # the other lanes stop after their current mutant
            raise

    def _lane(worker: Worker) -> None:
        while queue:
            m = queue.pop()
            t0 = time.monotonic()
            folder = builder.build(m)
            if folder is None:
                m.status = "stillborn"
            else:
                outcome, first, _ = worker.run(folder, m.name, timeout, killers(m))
                m.status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}.get(
                    outcome, "error"
                )
                m.killed_by = first if outcome == "failed" else ""
                if outcome == "error":
                    m.detail = first
            m.seconds = round(time.monotonic() - t0, 1)
            done[0] += 1
            with lock:  # progress kept for --resume, should the run be cut short
                write_json_atomic(
                    results_file,
                    summary(mutants, missing, time.monotonic() - started, triage),
                    indent=1,
                )
            say(f"[{done[0]}/{len(todo)}] {m.status:9} {m.name}  {m.killed_by}")

    try:
        with concurrent.futures.ThreadPoolExecutor(lanes) as pool:
            for future in [pool.submit(lane, w) for w in workers]:
                future.result()
    finally:
        for w in workers:
            w.close()
    return summary(mutants, missing, time.monotonic() - started, triage)


def summary(
    mutants: list[Mutant], missing: dict[str, list[str]], seconds: float, triage: dict[str, str]
) -> dict[str, Any]:
    count = {
        s: sum(m.status == s for m in mutants)
        for s in (
            "killed",
            "timeout",
            "survived",
            "stillborn",
            "equivalent",
            "not applicable",
            "error",
        )
    }
    pending = sum(m.status == "pending" for m in mutants)  # a run cut short
    total = len(mutants) - count["not applicable"] - pending
    counted = total - count["stillborn"] - count["equivalent"]
    killed = count["killed"] + count["timeout"]
    names = {m.name for m in mutants}
    return {
        "total": total,
        **{k.replace(" ", "_"): v for k, v in count.items()},
        "pending": pending,
        "score": round(killed / counted, 4) if counted else None,
        "seconds": round(seconds, 1),
        "missing_functions": missing,
        "stale_triage": sorted(set(triage) - names),
        "mutants": [asdict(m) for m in mutants],
    }


def report(result: dict[str, Any]) -> None:
    mutants = result["mutants"]
    for m in mutants:
        if m["status"] in ("survived", "error"):
            print(f"--- {m['status']}: {m['name']}" + (f" ({m['why']})" if m["why"] else ""))
            print(m["diff"].rstrip() or m["detail"])
    for m in mutants:
        if m["status"] == "not applicable":
            print(f"--- not applicable: {m['name']}: {m['detail']}")
    for file, names in result["missing_functions"].items():
        print(f"note: {file} no longer defines {', '.join(names)} (audit/mutate.py MONEY_PATHS)")
    for name in result["stale_triage"]:
        print(f"note: triage entry matches no mutant: {name}")
    score = "n/a" if result["score"] is None else f"{100 * result['score']:.1f}%"
    print(
        f"{result['total']} mutants: {result['killed']} killed, {result['timeout']} timeout, "
        f"{result['survived']} survived, {result['stillborn']} stillborn, "
        f"{result['equivalent']} equivalent, "
        f"{result['not_applicable']} not applicable, {result['error']} error; "
        f"score {score}; {result['seconds']:.0f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="the small fixed sample (named mutants and a few more)",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="SUBSTR", help="mutants whose name contains one of these"
    )
    parser.add_argument(
        "--skip",
        nargs="+",
        metavar="SUBSTR",
        help="leave out mutants whose name contains one of these (a later --resume runs them)",
    )
    parser.add_argument(
        "--random",
        type=int,
        default=0,
        metavar="N",
        help="N mutants drawn uniformly (after --sample/--only), for an estimate of the score",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="the seed of --random's draw (default 1)"
    )
    parser.add_argument(
        "--list", action="store_true", help="list the mutants and their diffs, run nothing"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="mutants compiled and tested at once (default 2)"
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const=str(RESULTS),
        metavar="JSON",
        help="keep the kills (and stillbirths) of an earlier run's results, by default the last "
        "run's (build/mutants/results.json), and run the rest",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds of tests per mutant (default 120, at least 3x the baseline)",
    )
    parser.add_argument(
        "--tests", nargs="+", default=None, help="test files to run against each mutant"
    )
    args = parser.parse_args(argv)
    if args.tests is None:
        args.tests = SAMPLE_TESTS if args.sample else TESTS
    try:
        result = run(args)
    except (CompilationError, SetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for m in result["mutants"]:
            print(f"{m['name']}  [{m['status']}]" if m["status"] != "pending" else m["name"])
        print(f"{len(result['mutants'])} mutants", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        report(result)
    bad = result["survived"] + result["error"] + result["not_applicable"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
