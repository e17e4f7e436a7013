"""The document check (/verify): a document's hashes and which orders recorded them."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from eth_utils import keccak
from sqlalchemy import and_, select

from tradelane.client import document_hash
from tradelane.explorer import db
from tradelane.explorer.formatting import _place
from tradelane.explorer.parsing import HASH, BadRequest
from tradelane.explorer.reader import IndexReader


class DocumentCheck(IndexReader):
    """The document check's data."""

    def verify(self, candidates: Mapping[str, str]) -> dict[str, Any]:
        """Which orders and checkpoints recorded any of `candidates` ({how: 0x-hash})."""
        hashes = {how: h.lower() for how, h in candidates.items()}
        with self.store.read() as conn:
            names = self.names(conn)
            rows = conn.execute(
                select(db.documents, db.labels.c.label)
                .outerjoin(db.labels, db.labels.c.order_id == db.documents.c.order_id)
                .where(db.documents.c.hash.in_(set(hashes.values())))
                .order_by(db.documents.c.block, db.documents.c.log_index)
            ).all()
            found = []
            for r in rows:
                entry = conn.execute(
                    select(db.timeline).where(
                        and_(db.timeline.c.block == r.block, db.timeline.c.log_index == r.log_index)
                    )
                ).first()
                order = conn.execute(
                    select(db.orders.c.buyer, db.orders.c.status).where(
                        db.orders.c.order_id == r.order_id
                    )
                ).first()
                recorded_by = entry.actor if entry is not None else (order.buyer if order else None)
                block = conn.execute(
                    select(db.blocks.c.timestamp).where(db.blocks.c.number == r.block)
                ).scalar()
                found.append(
                    {
                        "hash": r.hash,
                        "matched_as": [how for how, h in hashes.items() if h == r.hash],
                        "order_id": r.order_id,
                        "label": r.label or "",
                        "recorded_as": r.kind,
                        "location": _place(entry.location) if entry is not None else None,
                        "recorded_by": self._who(names, recorded_by),
                        "time": int(block) if block is not None else None,
                        "block": int(r.block),
                        "tx": entry.tx_hash if entry is not None else "",
                    }
                )
        return {
            "candidates": [{"how": how, "hash": h} for how, h in hashes.items()],
            "recorded": bool(found),
            "records": found,
        }


def hashes_of_text(text: str) -> dict[str, str]:
    """What a pasted value may stand for: a hash as given, else the client's hash of a
    document reference (`BL-0042`: its keccak-256)."""
    value = text.strip()
    if HASH.match(value):
        return {"hash as given": value.lower()}
    if not value:
        raise BadRequest("give a file, a document hash (0x + 64 hex digits) or a reference")
    return {"keccak-256 of the reference": "0x" + document_hash(value).hex()}


def hashes_of_file(content: bytes) -> dict[str, str]:
    """A document's hashes as the client and eBL platforms take them: keccak-256 of the
    bytes (the client's `document_hash`), SHA-256 of the bytes, and for a JSON file the
    SHA-256 of its RFC 8785 canonical form (what `tradelane doc hash` prints)."""
    if not content:
        raise BadRequest("the file is empty: choose the document to check")
    out = {
        "keccak-256 of the file": "0x" + keccak(content).hex(),
        "sha-256 of the file": "0x" + hashlib.sha256(content).hexdigest(),
    }
    try:
        parsed = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return out
    from tradelane.standards.documents import hash_json

    # JSON without a canonical form (a float RFC 8785 refuses) has the two hashes above.
    with contextlib.suppress(Exception):
        out["sha-256 of the RFC 8785 JSON"] = "0x" + hash_json(parsed).hex()
    return out


__all__ = ["DocumentCheck", "hashes_of_file", "hashes_of_text"]
