"""The toolkit's house rules (docs/ARCHITECTURE.md), read from the source, not from imports.

An AST walk over ``src/tradelane``: every module stays at or under ``LIMIT`` lines, the
modules import one another without a cycle (every import counts, also one inside a
function or under ``TYPE_CHECKING``: a deferred import hides a cycle, it does not remove
it), and a private name (``_x``) is imported only from a module of the importer's own
package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "tradelane"
LIMIT = 400


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


def _imports(name: str) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for each import in ``name``."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
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
    # The facade's own imports: relative ones are resolved, so the graph is not empty.
    assert GRAPH[ROOT], "tradelane/__init__.py imports nothing the walk could see"
    assert all(target in MODULES for targets in GRAPH.values() for target in targets)
