"""The toolkit's house rules (docs/ARCHITECTURE.md), read from the source, not from imports.

An AST walk over ``src/tradelane``: every module stays at or under ``LIMIT`` lines, the
modules import one another without a cycle (every import counts, also one inside a
function or under ``TYPE_CHECKING``: a deferred import hides a cycle, it does not remove
it), a private name (``_x``) is imported only from a module of the importer's own
package, and each module imports only from its own layer and the layers before it
(``LAYERS``, the table of docs/ARCHITECTURE.md). The doc is held to the source too: its
layers table shows ``LAYERS``, every module it names exists, and the scenario steps it
follows are quoted as the scenario file has them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "tradelane"
LIMIT = 400

#: The layers of docs/ARCHITECTURE.md, in order: a module may import its own layer and the
#: ones before it. A module belongs to the layer of the longest prefix naming it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "tradelane",
            "tradelane.errors",
            "tradelane._settings",
            "tradelane._files",
            "tradelane.amounts",
            "tradelane.standards.locode",
            "tradelane.terms",
        ),
    ),
    (
        "encoding",
        (
            "tradelane._client.addresses",
            "tradelane._client.form",
            "tradelane._client.eip712",
            "tradelane._client.calls",
            "tradelane._client.escrow_calls",
            "tradelane._client.registration",
            "tradelane._client.reverts",
            "tradelane._client.events",
            "tradelane._client.views",
            "tradelane.types",
        ),
    ),
    ("build", ("tradelane.solc", "tradelane.artifacts", "tradelane.compiler")),
    (
        "chain",
        (
            "tradelane.anvil",
            "tradelane.ethtester",
            "tradelane.chain",
            "tradelane._networks",
            "tradelane.network",
            "tradelane.keys",
            "tradelane.deploy",
            "tradelane.manifest",
        ),
    ),
    ("client", ("tradelane._client", "tradelane.client")),
    ("standards", ("tradelane.standards",)),
    ("scenarios", ("tradelane.scenario",)),
    ("explorer", ("tradelane.explorer",)),
    ("benchmarks", ("tradelane._bench",)),
    ("cli", ("tradelane.cli", "tradelane._demo", "tradelane._junit")),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _package_of(name: str) -> str:
    return name if _is_package(name) else name.rpartition(".")[0]


def _imports(name: str, source: str | None = None) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for each import in ``name`` (or in
    ``source``, read as if it were that module's text)."""
    text = MODULES[name].read_text() if source is None else source
    tree = ast.parse(text, filename=str(MODULES[name]))
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(name).split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node.lineno))
                else:
                    found.append((base, alias.name, node.lineno))
    return [(target, taken, line) for target, taken, line in found if target in MODULES]


GRAPH = {name: sorted({target for target, _, _ in _imports(name)} - {name}) for name in MODULES}


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return components


def _layer(name: str) -> int | None:
    """The index in LAYERS of the layer whose longest prefix names the module (the root
    package names only itself)."""
    matches = [
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if name == prefix or (prefix != ROOT and name.startswith(prefix + "."))
    ]
    return max(matches)[1] if matches else None


def _upward_imports(graph: dict[str, list[str]]) -> list[str]:
    found = []
    for name, targets in graph.items():
        mine = _layer(name)
        for target in targets:
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                found.append(f"{name} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})")
    return found


def test_every_module_stays_under_the_limit():
    over = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > LIMIT
    }
    assert not over, f"modules over {LIMIT} lines (split them by job): {over}"


def test_no_import_cycle():
    cycles = _cycles(GRAPH)
    assert not cycles, f"modules that import one another in a circle: {cycles}"


def test_private_names_stay_in_their_package():
    leaks = [
        f"{name}:{line} takes {taken} from {target}"
        for name in MODULES
        for target, taken, line in _imports(name)
        if taken is not None
        and taken.startswith("_")
        and not taken.startswith("__")
        and _package_of(target) != _package_of(name)
    ]
    assert not leaks, "private names imported across packages:\n" + "\n".join(leaks)


def test_every_module_has_a_layer():
    lost = [name for name in MODULES if _layer(name) is None]
    assert not lost, f"modules in no layer (add them to LAYERS and docs/ARCHITECTURE.md): {lost}"


def test_each_layer_imports_only_the_layers_before_it():
    upward = _upward_imports(GRAPH)
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_layer_check_sees_an_upward_import():
    assert _upward_imports({"tradelane.types": ["tradelane.client"]}) == [
        "tradelane.types (encoding) imports tradelane.client (client)"
    ]
    assert _layer("tradelane._client.orders") == 4  # the client, not the encoding
    assert _layer("tradelane._client.form") == 1


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": ["b"], "b": ["c"], "c": []}, []),
        ({"a": ["b"], "b": ["a"], "c": ["a"]}, [["a", "b"]]),
        ({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"]}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


def test_the_walk_sees_relative_and_deferred_imports():
    # A relative import, one inside a function and one under TYPE_CHECKING: all three count.
    source = (
        "from typing import TYPE_CHECKING\n"
        "from .model import Scenario\n"
        "if TYPE_CHECKING:\n"
        "    from ..types import Trade\n"
        "def run():\n"
        "    from tradelane.client import _private\n"
    )
    assert _imports("tradelane.scenario.runner", source) == [
        ("tradelane.scenario.model", "Scenario", 2),
        ("tradelane.types", "Trade", 4),
        ("tradelane.client", "_private", 6),
    ]
    assert all(target in MODULES for targets in GRAPH.values() for target in targets)


DOC = SRC.parent / "docs" / "ARCHITECTURE.md"


def _missing_from_doc() -> tuple[int, list[str]]:
    """How many modules docs/ARCHITECTURE.md names in backticks, and those that do not exist:
    a path (`cli/run.py`, `tests/...`) from the package or the repository, a bare file name
    (`decoding.py`, named in its package's paragraph) anywhere in the package, a dotted name
    (`_client.form`) from the package."""
    files = {path.name for path in MODULES.values()}
    count, missing = 0, []
    for token in re.findall(r"`([A-Za-z0-9_./]+)`", DOC.read_text()):
        if token.endswith(".py"):
            if token.startswith("tests/"):
                exists = (SRC.parent / token).is_file()
            elif "/" in token:
                exists = (SRC / ROOT / token).is_file()
            else:
                exists = token in files
        elif re.fullmatch(r"(_client|_bench|standards|scenario|explorer|cli)\.[a-z0-9_]+", token):
            exists = f"{ROOT}.{token}" in MODULES
        else:
            continue
        count += 1
        if not exists:
            missing.append(token)
    return count, missing


def test_the_architecture_doc_names_only_modules_that_exist():
    count, missing = _missing_from_doc()
    assert count > 40, "the walk found too few module names in docs/ARCHITECTURE.md"
    assert not missing, f"docs/ARCHITECTURE.md names modules that do not exist: {missing}"


def test_the_architecture_doc_shows_the_layers_of_the_test():
    section = DOC.read_text().split("## The layers", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("layer", "---"):
            rows[cells[0].lower()] = set(re.findall(r"`([A-Za-z0-9_.]+)`", cells[1]))
    assert [name.lower() for name, _ in LAYERS] == list(rows), "the doc's layers, in order"
    for name, prefixes in LAYERS:
        shown = rows[name.lower()]
        for prefix in prefixes:
            short = prefix if prefix == ROOT else prefix.removeprefix(f"{ROOT}.")
            assert short in shown, f"docs/ARCHITECTURE.md's {name} row lacks `{short}`"


def test_the_architecture_doc_quotes_its_scenario_as_it_is():
    text = DOC.read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario = (SRC.parent / "scenarios" / "happy_eth_fob.yaml").read_text()
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines and all(line in scenario.splitlines() for line in lines)
