"""Compile contracts/ with the pinned solc through py-solc-x, caching artifacts in build/.

The compiler is, in order of preference: $SOLC_BINARY; a `solc` on PATH whose version is
the pinned one; py-solc-x's installed copy of the pinned version; otherwise bin/solc, a
launcher over the npm `solc` package (the official emscripten build of the same
compiler). solc gets every source it needs up front (contracts/ and the closure of their
imports from node_modules); artifacts are cached by a hash of those sources, the settings
and the compiler version, so a compile with nothing changed does not run solc.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from tradelane._files import write_json_atomic
from tradelane._settings import INCLUDE_PATHS, compiler_settings, project_root
from tradelane.artifacts import MERGED_ABIS, Artifact, _artifacts, merge_abis, with_module_abis
from tradelane.errors import CompilationError, SetupError
from tradelane.solc import Solc, _version_of, find_solc, launcher_path

# Finding solc lives in tradelane.solc, the Artifact type and ABI merging in
# tradelane.artifacts; their names are importable from here as before.
__all__ = [
    "CACHE_FORMAT",
    "MERGED_ABIS",
    "OUTPUT_SELECTION",
    "Artifact",
    "Solc",
    "build_dir",
    "compile_contracts",
    "compile_units",
    "contract_sources",
    "find_solc",
    "launcher_path",
    "load_artifact",
    "merge_abis",
    "source_closure",
    "with_module_abis",
]

CACHE_FORMAT = 2
OUTPUT_SELECTION = [
    "abi",
    "metadata",
    "devdoc",
    "userdoc",
    "storageLayout",
    "evm.bytecode.object",
    "evm.bytecode.sourceMap",
    "evm.bytecode.linkReferences",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.sourceMap",
    "evm.deployedBytecode.linkReferences",
    "evm.deployedBytecode.immutableReferences",
    "evm.methodIdentifiers",
]


# --- sources and cache -----------------------------------------------------------------

# A string literal (kept, it may contain "//") or a comment (dropped).
_STRING_OR_COMMENT = re.compile(
    r'("(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\')|//[^\n]*|/\*.*?\*/', re.S
)
_IMPORT = re.compile(r'\bimport\s+(?:[^;"\']*?\bfrom\s+)?["\']([^"\']+)["\']')


def contract_sources(root: Path) -> list[str]:
    """Every .sol under contracts/, as source units relative to the root, sorted.

    Hidden folders are skipped: ape keeps its copy of dependencies in contracts/.cache/.
    """
    base = root / "contracts"
    return sorted(
        p.relative_to(root).as_posix()
        for p in base.rglob("*.sol")
        if not any(part.startswith(".") for part in p.relative_to(base).parts)
    )


def _imports(text: str) -> list[str]:
    code = _STRING_OR_COMMENT.sub(lambda m: m.group(1) or " ", text)
    return _IMPORT.findall(code)


def _locate(root: Path, unit: str) -> Path:
    for include in INCLUDE_PATHS:
        candidate = root / include / unit
        if candidate.is_file():
            return candidate
    raise CompilationError(
        [f"{unit}: file not found under {', '.join(INCLUDE_PATHS)} (run make setup?)"]
    )


def source_closure(root: Path) -> dict[str, str]:
    """contracts/**/*.sol and everything they import, as {source unit: content}.

    Handing solc the whole closure (no import callback, no remapping) makes the source
    units, and so the AST ids that via-IR code generation orders functions by, the same
    as ape's: both builds give the same bytecode.
    """
    sources: dict[str, str] = {}
    pending = contract_sources(root)
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        sources[unit] = text = _locate(root, unit).read_text()
        for path in _imports(text):
            if path.startswith("."):
                path = posixpath.normpath(posixpath.join(posixpath.dirname(unit), path))
            pending.append(path)
    return dict(sorted(sources.items()))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cache_key(solc: Solc, sources: dict[str, str]) -> str:
    blob = json.dumps(
        {
            "format": CACHE_FORMAT,
            "solc": solc.version,
            "settings": compiler_settings(),
            "sources": {unit: _sha256(text.encode()) for unit, text in sources.items()},
        },
        sort_keys=True,
    )
    return _sha256(blob.encode())


def build_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "build"


def _load_cached(root: Path, key: str) -> dict[str, Artifact] | None:
    try:
        index = json.loads((build_dir(root) / "cache.json").read_text())
        if index.get("format") != CACHE_FORMAT or index.get("key") != key:
            return None
        return {
            name: Artifact.from_json(
                json.loads((build_dir(root) / "contracts" / f"{name}.json").read_text())
            )
            for name in index["contracts"]
        }
    except (OSError, ValueError, TypeError, KeyError):
        return None


# --- compiling -------------------------------------------------------------------------


def _line_col(text: str, offset: int) -> tuple[int, int]:
    prefix = text.encode()[:offset]
    line = prefix.count(b"\n") + 1
    col = offset - (prefix.rfind(b"\n") + 1) + 1
    return line, col


def _diagnostic(sources: dict[str, str], error: dict[str, Any]) -> str:
    kind = error.get("type", "Error")
    message = error.get("message", "").strip()
    where = error.get("sourceLocation")
    if where and where.get("file") in sources:
        line, col = _line_col(sources[where["file"]], max(int(where.get("start", 0)), 0))
        return f"{where['file']}:{line}:{col}: {kind}: {message}"
    return f"{kind}: {message}"


def _run_solc(root: Path, solc: Solc, sources: dict[str, str]) -> dict[str, Any]:
    ours = [unit for unit in sources if unit.startswith("contracts/")]
    standard_input = {
        "language": "Solidity",
        "sources": {unit: {"content": text} for unit, text in sources.items()},
        "settings": {
            **compiler_settings(),
            "outputSelection": {unit: {"*": OUTPUT_SELECTION} for unit in ours},
        },
    }
    try:
        output: dict[str, Any] = solcx.compile_standard(
            standard_input, base_path=str(root), solc_binary=str(solc.path)
        )
    except SolcError as exc:
        try:
            output = json.loads(exc.stdout_data or "{}")
        except ValueError:
            output = {}
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if not errors:
            detail = (exc.stderr_data or exc.stdout_data or str(exc)).strip().splitlines()
            raise SetupError(
                f"{solc.path} failed: {detail[0] if detail else exc}"
                + (": run make setup" if solc.kind == "npm" else "")
            ) from exc
        raise CompilationError([_diagnostic(sources, e) for e in errors]) from None
    return output


def compile_contracts(
    root: Path | None = None,
    *,
    force: bool = False,
    solc: Solc | None = None,
    on_compile: Callable[[int], None] | None = None,
) -> dict[str, Artifact]:
    """Compile every contract under contracts/ (or return the cached artifacts).

    `on_compile(n)` is called with the number of source files when solc is about to run
    (never when the cache answers), so a caller can say what it waits for.

    Returns artifacts by contract name. Raises CompilationError (with file:line:col
    diagnostics) when solc rejects the sources and SetupError when no usable solc is found.
    """
    root = (root or project_root()).resolve()
    if not contract_sources(root):
        raise CompilationError([f"no .sol files under {root / 'contracts'}"])
    solc = solc or find_solc(root)
    sources = source_closure(root)
    key = _cache_key(solc, sources)
    if not force and (cached := _load_cached(root, key)) is not None:
        return cached

    if on_compile is not None:
        on_compile(len(sources))
    output = _run_solc(root, solc, sources)
    version = solc.version if solc.kind == "native" else _version_of(solc.path)
    settings = compiler_settings()
    artifacts = _artifacts(output, version, settings)

    out_dir = build_dir(root)
    contracts_dir = out_dir / "contracts"
    if contracts_dir.exists():
        shutil.rmtree(contracts_dir)
    for name, artifact in artifacts.items():
        write_json_atomic(contracts_dir / f"{name}.json", artifact.to_json(), indent=1)
    write_json_atomic(
        out_dir / "cache.json",
        {
            "format": CACHE_FORMAT,
            "key": key,
            "generated_by": "tradelane.compiler.compile_contracts",
            "solc": version,
            "solc_path": str(solc.path),
            "settings": settings,
            "sources": sorted(sources),
            "contracts": sorted(artifacts),
        },
    )
    return artifacts


def compile_units(
    sources: dict[str, str], root: Path | None = None, *, solc: Solc | None = None
) -> dict[str, Artifact]:
    """Compile `sources` ({source unit: content}, a closure of imports) with the project's
    settings, outside the build cache: for variants of the sources, such as the mutants
    of audit/mutate.py. Returns the artifacts of every contract in a unit under contracts/."""
    root = (root or project_root()).resolve()
    solc = solc or find_solc(root)
    output = _run_solc(root, solc, sources)
    version = solc.version if solc.kind == "native" else _version_of(solc.path)
    return _artifacts(output, version, compiler_settings())


def load_artifact(name: str, root: Path | None = None) -> Artifact:
    """One contract's artifact, compiling first if build/ is missing or stale."""
    artifacts = compile_contracts(root)
    try:
        return artifacts[name]
    except KeyError:
        raise CompilationError(
            [f"no contract named {name}; compiled: {', '.join(sorted(artifacts))}"]
        ) from None
