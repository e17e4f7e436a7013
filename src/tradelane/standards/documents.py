"""Documents hashed as eBL platforms identify them: SHA-256 of the bytes, and for JSON the
SHA-256 of its RFC 8785 canonical form (sorted keys, no insignificant whitespace, numbers
in their shortest form), so the same document written in another key order or layout has
the same hash.

    doc = hash_file("bill-of-lading.json")      # Document(sha256=b"...", canonical=True)
    doc.hex                                     # 0x-prefixed, the form the chain records
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785

from tradelane.errors import TradelaneError


class DocumentError(TradelaneError):
    """A document cannot be read or hashed (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Document:
    """A document's hash and how it was taken."""

    path: str
    sha256: bytes
    canonical: bool  # JSON, hashed in its RFC 8785 form

    @property
    def hex(self) -> str:
        return "0x" + self.sha256.hex()


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise DocumentError(f"cannot canonicalise as RFC 8785 JSON: {exc}") from None


def hash_json(value: Any) -> bytes:
    """SHA-256 of a JSON value's RFC 8785 form (how an imported DCSA event is recorded)."""
    return hashlib.sha256(canonical_json(value)).digest()


def _strict_json(text: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen[key] = value
        return seen

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def hash_file(path: str | Path) -> Document:
    """SHA-256 of a file: of its RFC 8785 form if it is JSON (a `.json` name, or content that
    parses as JSON), else of its bytes. DocumentError if it cannot be read, or is named
    `.json` and is not valid JSON."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from None
    is_json_name = p.suffix.lower() in (".json", ".jsonld")
    try:
        value = _strict_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        if is_json_name:
            raise DocumentError(f"{path}: not valid JSON: {exc}") from None
        return Document(str(path), hashlib.sha256(raw).digest(), False)
    if not is_json_name and not isinstance(value, (dict, list)):
        # "12" or "true" in a text file is text, not a JSON document
        return Document(str(path), hashlib.sha256(raw).digest(), False)
    try:
        return Document(str(path), hash_json(value), True)
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from None


__all__ = ["Document", "DocumentError", "canonical_json", "hash_file", "hash_json"]
