"""Trade data in and out: DCSA Track & Trace 2.2 feeds, GS1 EPCIS 2.0, documents hashed
as eBL platforms do (SHA-256 of RFC 8785 canonical JSON). See docs/STANDARDS.md.

Modules: `locode` (UN/LOCODE), `documents` (hashing), `dcsa_feed` (validation and reading
events), `dcsa` (the code mapping, with `dcsa_feed`'s names), `feeds` (the store of imported
events), `track` (import), `export` (DCSA and EPCIS out), `timeline` (an order's timeline
with event times and planned events).
This package imports nothing heavy on import; the client depends only on `locode`.
"""
