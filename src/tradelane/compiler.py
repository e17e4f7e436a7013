"""Compile contracts/ with the pinned solc through py-solc-x, caching artifacts in build/.

The compiler is, in order of preference: $SOLC_BINARY; a `solc` on PATH whose version is
the pinned one; py-solc-x's installed copy of the pinned version; otherwise bin/solc, a
launcher over the npm `solc` package (the official emscripten build of the same
compiler). solc gets every source it needs up front (contracts/ and the closure of their
imports from node_modules); artifacts are cached by a hash of those sources, the settings
and the compiler version, so a compile with nothing changed does not run solc.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import solcx
from solcx.exceptions import SolcError
from solcx.install import get_executable

from tradelane._files import write_json_atomic
from tradelane._settings import INCLUDE_PATHS, SOLC_VERSION, compiler_settings, project_root
from tradelane.errors import CompilationError, SetupError

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


#: Contracts that run other deployed contracts' code at their own address (by delegatecall
#: from their fallback): their artifact's ABI is the union of their own and the modules'.
#: TradeEscrow's cold paths (disputes, settlements, operator settings) are EscrowDisputes.
MERGED_ABIS: dict[str, tuple[str, ...]] = {"TradeEscrow": ("EscrowDisputes",)}


def _abi_key(entry: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    types = tuple(str(i.get("type")) for i in entry.get("inputs", []))
    return (str(entry.get("type")), str(entry.get("name", "")), types)


def merge_abis(own: list[dict[str, Any]], *modules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`own` plus every function, event and error of `modules` it lacks (no constructors,
    fallbacks or receives of the modules: those are not reachable at the host's address)."""
    out = list(own)
    seen = {_abi_key(e) for e in own}
    for abi in modules:
        for entry in abi:
            if entry.get("type") not in ("function", "event", "error"):
                continue
            if (key := _abi_key(entry)) not in seen:
                seen.add(key)
                out.append(entry)
    return out


@dataclass(frozen=True)
class Solc:
    """A solc executable and what it is."""

    path: Path
    version: str  # full version string, e.g. "0.8.30+commit.73712a01.Linux.g++"
    kind: Literal["native", "npm"]

    @property
    def base_version(self) -> str:
        return self.version.split("+", 1)[0]


@dataclass(frozen=True)
class Artifact:
    """One compiled contract, as written to build/contracts/<name>.json."""

    name: str
    source: str  # source unit, relative to the repository root
    abi: list[dict[str, Any]]
    bytecode: str  # 0x-prefixed creation code
    deployed_bytecode: str  # 0x-prefixed runtime code
    source_map: str
    deployed_source_map: str
    metadata: str
    method_identifiers: dict[str, str]
    devdoc: dict[str, Any]
    userdoc: dict[str, Any]
    solc_version: str
    settings: dict[str, Any]
    generated_by: str = "tradelane.compiler"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def deployable(self) -> bool:
        """False for interfaces, abstract contracts and libraries without code."""
        return len(self.bytecode) > 2

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Artifact:
        return cls(**data)


# --- finding solc -----------------------------------------------------------------------


def launcher_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "bin" / "solc"


def _version_of(binary: Path) -> str:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SetupError(f"cannot run {binary} --version: {exc}") from exc
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    raise SetupError(f"{binary} --version printed no version; is it solc?")


def _is_launcher(binary: Path, root: Path) -> bool:
    return binary.resolve() == launcher_path(root).resolve()


def _launcher(root: Path) -> Solc:
    if shutil.which("node") is None:
        raise SetupError("Node.js not found on PATH: install Node 18+ and npm, then run make setup")
    package = root / "node_modules" / "solc" / "package.json"
    if not package.is_file():
        raise SetupError("node_modules missing: run make setup")
    npm_version = json.loads(package.read_text())["version"]
    if npm_version != SOLC_VERSION:
        raise SetupError(
            f"solc version mismatch: node_modules has solc {npm_version}, the project pins "
            f"{SOLC_VERSION}: run make setup (npm ci)"
        )
    # The launcher answers --version by loading the compiler (about half a second); the
    # npm package version is enough to key the cache, solc's full string is filled in later.
    return Solc(launcher_path(root), f"{npm_version}+npm", "npm")


def find_solc(root: Path | None = None) -> Solc:
    """The solc to use, checked against the pinned version."""
    root = root or project_root()
    if env := os.environ.get("SOLC_BINARY"):
        binary = Path(env)
        if not binary.exists():
            raise SetupError(f"SOLC_BINARY={env} does not exist: unset it or fix the path")
        if _is_launcher(binary, root):
            return _launcher(root)
        solc = Solc(binary, _version_of(binary), "native")
        if solc.base_version != SOLC_VERSION:
            raise SetupError(
                f"solc version mismatch: SOLC_BINARY={env} is {solc.version}, the project pins "
                f"{SOLC_VERSION}: point SOLC_BINARY at solc {SOLC_VERSION} or unset it"
            )
        return solc

    candidates: list[Path] = []
    if on_path := shutil.which("solc"):
        candidates.append(Path(on_path))
    with contextlib.suppress(Exception):  # SolcNotInstalled and friends: no installed copy
        candidates.append(Path(get_executable(SOLC_VERSION)))
    for binary in candidates:
        if _is_launcher(binary, root):
            continue
        try:
            solc = Solc(binary, _version_of(binary), "native")
        except SetupError:
            continue
        if solc.base_version == SOLC_VERSION:
            return solc
    return _launcher(root)


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


def _artifacts(
    output: dict[str, Any], version: str, settings: dict[str, Any]
) -> dict[str, Artifact]:
    """Artifacts by contract name from solc's standard-JSON output."""
    artifacts: dict[str, Artifact] = {}
    for unit, contracts in sorted(output.get("contracts", {}).items()):
        for name, data in sorted(contracts.items()):
            if name in artifacts:
                raise CompilationError(
                    [f"{unit}: contract name {name} is also used in {artifacts[name].source}"]
                )
            evm = data.get("evm", {})
            artifacts[name] = Artifact(
                name=name,
                source=unit,
                abi=data.get("abi", []),
                bytecode="0x" + evm.get("bytecode", {}).get("object", ""),
                deployed_bytecode="0x" + evm.get("deployedBytecode", {}).get("object", ""),
                source_map=evm.get("bytecode", {}).get("sourceMap", ""),
                deployed_source_map=evm.get("deployedBytecode", {}).get("sourceMap", ""),
                metadata=data.get("metadata", ""),
                method_identifiers=evm.get("methodIdentifiers", {}),
                devdoc=data.get("devdoc", {}),
                userdoc=data.get("userdoc", {}),
                solc_version=version,
                settings=settings,
                extra={
                    "storageLayout": data.get("storageLayout", {}),
                    "linkReferences": evm.get("bytecode", {}).get("linkReferences", {}),
                    "immutableReferences": evm.get("deployedBytecode", {}).get(
                        "immutableReferences", {}
                    ),
                },
            )

    return with_module_abis(artifacts)


def with_module_abis(artifacts: dict[str, Artifact]) -> dict[str, Artifact]:
    """`artifacts` with each host of MERGED_ABIS given its modules' ABI. Call it on any set
    of artifacts that mixes compilations (a mutant's contracts over the base build): a host
    compiled without its modules would otherwise lack their functions."""
    out = dict(artifacts)
    for host, modules in MERGED_ABIS.items():
        if host in out and all(m in out for m in modules):
            out[host] = replace(
                out[host],
                abi=merge_abis(out[host].abi, *(out[m].abi for m in modules)),
                extra={**out[host].extra, "abi_merged_from": [host, *modules]},
            )
    return out


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
