"""Compiled contracts: the Artifact written to build/contracts/<name>.json, built from solc's
standard-JSON output, and the merged ABIs of contracts that delegate to modules."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from tradelane.errors import CompilationError

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
