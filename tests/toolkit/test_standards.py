"""tradelane.standards without a chain: the bundled schema, feed validation, the DCSA code
mapping (each row of docs/STANDARDS.md), document hashing and `tradelane doc hash`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tradelane.cli import main
from tradelane.standards import dcsa
from tradelane.standards.dcsa import RULES, Context, FeedInvalid, classify, event_problems
from tradelane.standards.documents import DocumentError, hash_file, hash_json
from tradelane.types import CheckpointKind, Stage

from .dcsa_builders import equipment, shipment, transport

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "src/tradelane/standards/schemas"
SHARED = ROOT.parent / "shared/standards/dcsa-tnt-2.2"
ORIGIN, DESTINATION, TRANSHIPMENT = "CNSHA", "DEHAM", "SGSIN"


# ---------------------------------------------------------------------------- the schema


def test_bundled_schema_is_the_recorded_one_with_its_licence():
    data = (SCHEMAS / "tnt-2.2.0-events.schema.json").read_bytes()
    recorded = re.search(r"`([0-9a-f]{64})`", (SCHEMAS / "README.md").read_text())
    assert recorded and hashlib.sha256(data).hexdigest() == recorded.group(1)
    assert "Apache License" in (SCHEMAS / "LICENSE-DCSA").read_text()
    assert dcsa.schema()["title"].startswith("DCSA Track & Trace 2.2.0")


@pytest.mark.skipif(not SHARED.exists(), reason="the shared DCSA bundle is not beside this clone")
def test_bundled_schema_is_byte_identical_to_the_shared_bundle():
    shared = (SHARED / "tnt-2.2.0-events.schema.json").read_bytes()
    assert (SCHEMAS / "tnt-2.2.0-events.schema.json").read_bytes() == shared


def test_the_package_declares_its_schema_as_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"standards/schemas/*"' in pyproject


# ---------------------------------------------------------------------------- validation


def _feed(*events):
    return list(events)


def _defect(name: str):
    """A feed with one defect at index 1, and the field the error must name."""
    good = shipment("BKG", "CONF")
    bad = transport("ARRI", DESTINATION)
    if name == "missing eventDateTime":
        del bad["eventDateTime"]
        return _feed(good, bad), "eventDateTime"
    if name == "eventID not a UUID":
        bad["eventID"] = "ARRI-0001"
        return _feed(good, bad), "eventID"
    if name == "impossible date":
        bad["eventDateTime"] = "2025-02-30T10:00:00Z"
        return _feed(good, bad), "eventDateTime"
    if name == "no time zone":
        bad["eventDateTime"] = "2025-03-07T10:00:00"
        return _feed(good, bad), "eventDateTime"
    if name == "3.0-only code":
        bad = shipment("BKG", "CANC")
        return _feed(good, bad), "shipmentEventTypeCode"
    if name == "lowercase UN/LOCODE":
        bad["transportCall"]["UNLocationCode"] = "de-ha"
        return _feed(good, bad), "transportCall.UNLocationCode"
    if name == "transport event without its call":
        del bad["transportCall"]
        return _feed(good, bad), "transportCall"
    if name == "unknown eventType":
        bad["eventType"] = "CUSTOMS"
        return _feed(good, bad), "eventType"
    if name == "IMO number too long":
        bad["transportCall"]["vessel"]["vesselIMONumber"] = "93214830"
        return _feed(good, bad), "vesselIMONumber"
    if name == "one eventID, two contents":
        bad = dict(good, eventDateTime="2025-03-02T09:00:00+08:00")
        return _feed(good, bad), "eventID"
    if name == "a T&T 3.0 event":
        bad = {"metadata": {"eventID": bad["eventID"]}, "payload": {}}
        return _feed(good, bad), "3.0"
    if name == "not an object":
        return _feed(good, "ARRI"), "JSON object"
    raise AssertionError(name)


DEFECTS = (
    "missing eventDateTime",
    "eventID not a UUID",
    "impossible date",
    "no time zone",
    "3.0-only code",
    "lowercase UN/LOCODE",
    "transport event without its call",
    "unknown eventType",
    "IMO number too long",
    "one eventID, two contents",
    "a T&T 3.0 event",
    "not an object",
)


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_bad_event_invalidates_the_feed_naming_index_eventid_and_field(defect):
    feed, field = _defect(defect)
    with pytest.raises(FeedInvalid) as info:
        dcsa.validate_feed(feed, "feed.json")
    exc = info.value
    assert exc.index == 1 and exc.exit_code == 2
    message = str(exc)
    assert message.startswith("feed.json: event 1")
    assert field in message
    if isinstance(feed[1], dict) and isinstance(feed[1].get("eventID"), str):
        assert f"eventID {feed[1]['eventID']}" in message


def test_a_feed_is_an_array_and_valid_json(tmp_path):
    with pytest.raises(FeedInvalid, match="JSON array"):
        dcsa.validate_feed(shipment("BKG", "CONF"), "x")
    path = tmp_path / "feed.json"
    path.write_text("[{")
    with pytest.raises(FeedInvalid, match="not valid JSON"):
        dcsa.load_feed(path)
    with pytest.raises(FeedInvalid, match="cannot read"):
        dcsa.load_feed(tmp_path / "missing.json")


def test_short_document_reference_types_are_accepted_and_exported_long():
    event = transport("DEPA", ORIGIN)
    event["documentReferences"] = [{"documentReferenceType": "BKG", "documentReferenceValue": "B1"}]
    assert event_problems(event) == []
    assert dcsa.normalised(event)["documentReferences"][0]["documentReferenceType"] == (
        "BKG (Booking)"
    )
    event["documentReferences"][0]["documentReferenceType"] = "BOOKING"
    assert event_problems(event)  # anything else stays invalid


def test_an_identical_repeat_is_valid():
    event = transport("DEPA", ORIGIN)
    assert len(dcsa.validate_feed([event, dict(event)])) == 2


# ---------------------------------------------------------------------------- the mapping

#: Per condition of the table: (where the event happens, laden, stage, on hold) cases.
CASES: dict[str, list[tuple[str | None, bool, Stage, bool]]] = {
    "any": [(None, True, Stage.NONE, False), (None, True, Stage.UNLOADED, True)],
    "at the origin": [(ORIGIN, True, Stage.PICKED_UP, False)],
    "at the destination": [(DESTINATION, True, Stage.DEPARTED, False)],
    "elsewhere": [
        (TRANSHIPMENT, True, Stage.DEPARTED, False),
        (TRANSHIPMENT, True, Stage.NONE, False),
    ],
    "empty": [(ORIGIN, False, Stage.NONE, False), (DESTINATION, False, Stage.DELIVERED, False)],
    "laden, at the origin": [(ORIGIN, True, Stage.PICKED_UP, False)],
    "laden, at the destination": [(DESTINATION, True, Stage.ARRIVED, False)],
    "laden, at the destination or once arrived": [
        (DESTINATION, True, Stage.DEPARTED, False),
        ("DEBRV", True, Stage.UNLOADED, False),
    ],
    "laden, elsewhere": [(TRANSHIPMENT, True, Stage.LOADED, False)],
    "laden": [(ORIGIN, True, Stage.PICKED_UP, False), (DESTINATION, True, Stage.UNLOADED, False)],
    "on hold, before loading": [(None, True, Stage.PICKED_UP, True)],
    "on hold, once arrived": [(None, True, Stage.UNLOADED, True)],
    "on hold, at sea": [(None, True, Stage.DEPARTED, True)],
    "before loading": [(None, True, Stage.PICKED_UP, False)],
    "once arrived": [(None, True, Stage.ARRIVED, False)],
    "at sea": [(None, True, Stage.LOADED, False)],
}


def _codes_for(rule):
    """The concrete codes a row stands for (a `DOC·*` row: those no earlier row takes)."""
    if rule.event_type == "SHIPMENT":
        document, code = rule.code.split("·")
        if code != "*":
            return [(document, code)]
        specific = {r.code for r in RULES if r.code.startswith(document + "·") and r is not rule}
        codes = dcsa.codes_in_schema()["shipmentEventTypeCode"]
        return [(document, c) for c in codes if f"{document}·{c}" not in specific]
    if rule.code == "*":
        return dcsa.codes_in_schema()["equipmentEventTypeCode"]
    return [rule.code]


def _event_for(rule, code, at, laden):
    if rule.event_type == "TRANSPORT":
        return transport(code, at or TRANSHIPMENT)
    if rule.event_type == "EQUIPMENT":
        return equipment(code, at, laden=laden, call=code in ("LOAD", "DISC"))
    return shipment(*code)


@pytest.mark.parametrize(
    "rule", RULES, ids=[f"{r.event_type}-{r.code}-{r.condition}" for r in RULES]
)
def test_each_row_of_the_mapping(rule):
    """Every row of docs/STANDARDS.md's table, on valid 2.2 events of each code it covers."""
    assert rule.condition in CASES, f"no test case for the condition {rule.condition!r}"
    for code in _codes_for(rule):
        for at, laden, stage, hold in CASES[rule.condition]:
            event = _event_for(rule, code, at, laden)
            assert event_problems(event) == [], event
            got = classify(event, Context(ORIGIN, DESTINATION, stage, hold))
            assert got == rule, f"{code} {at} {stage.label} hold={hold}: {got.becomes}"
            assert bool(got.kinds) != bool(got.reason)


def test_every_2_2_code_has_a_row():
    codes = dcsa.codes_in_schema()
    covered = {r.code for r in RULES}
    for code in codes["transportEventTypeCode"]:
        assert code in covered
    for code in codes["equipmentEventTypeCode"]:
        assert code in covered
    for document in codes["documentTypeCode"]:
        assert f"{document}·*" in covered
    ctx = Context(ORIGIN, DESTINATION, Stage.PICKED_UP, False)
    for document in codes["documentTypeCode"]:
        for code in codes["shipmentEventTypeCode"]:
            rule = classify(shipment(document, code), ctx)
            assert rule.code in (f"{document}·{code}", f"{document}·*")


def test_the_mapping_table_in_the_docs_is_the_one_the_code_applies():
    page = (ROOT / "docs/STANDARDS.md").read_text()
    assert dcsa.mapping_table() in page


def test_transhipment_ports_move_no_stage():
    """The issue's rule: a call that is neither origin nor destination is not arrived,
    unloaded, loaded or departed for the order, whatever the stage."""
    for stage in Stage:
        ctx = Context(ORIGIN, DESTINATION, stage, False)
        for event in (
            transport("ARRI", TRANSHIPMENT),
            transport("DEPA", TRANSHIPMENT),
            equipment("LOAD", TRANSHIPMENT, call=True),
            equipment("DISC", TRANSHIPMENT, call=True),
        ):
            assert classify(event, ctx).kinds == ()


def test_customs_release_lifts_a_hold_and_clears_the_end_the_goods_are_at():
    release = shipment("CUS", "RELS")
    at_home = classify(release, Context(ORIGIN, DESTINATION, Stage.PICKED_UP, True))
    assert at_home.kinds == (CheckpointKind.CUSTOMS_RELEASE, CheckpointKind.EXPORT_CLEARED)
    abroad = classify(release, Context(ORIGIN, DESTINATION, Stage.UNLOADED, False))
    assert abroad.kinds == (CheckpointKind.IMPORT_CLEARED,)


# ---------------------------------------------------------------------------- documents


def test_json_documents_hash_alike_whatever_the_key_order_and_whitespace(tmp_path):
    a = tmp_path / "bl-a.json"
    b = tmp_path / "bl-b.json"
    a.write_text('{"number": "MAEU778812345", "weight": 1.50, "parties": {"z": 1, "a": [1, 2]}}')
    b.write_text(
        '{\n  "parties": {\n    "a": [1,2],\n    "z": 1\n  },\n\t"weight": 1.5,'
        ' "number":"MAEU778812345"\n}\n'
    )
    canonical = b'{"number":"MAEU778812345","parties":{"a":[1,2],"z":1},"weight":1.5}'
    expected = hashlib.sha256(canonical).digest()
    assert hash_file(a).sha256 == hash_file(b).sha256 == expected
    assert hash_file(a).canonical
    b.write_text(b.read_text().replace("1.5", "1.6"))
    assert hash_file(b).sha256 != expected


def test_other_files_hash_by_their_bytes_and_bad_json_is_refused(tmp_path):
    text = tmp_path / "invoice.txt"
    text.write_bytes(b"INVOICE 42\n")
    assert hash_file(text).sha256 == hashlib.sha256(b"INVOICE 42\n").digest()
    assert not hash_file(text).canonical
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1,}')
    with pytest.raises(DocumentError, match="not valid JSON"):
        hash_file(broken)
    twice = tmp_path / "twice.json"
    twice.write_text('{"a": 1, "a": 2}')
    with pytest.raises(DocumentError, match="appears twice"):
        hash_file(twice)


def test_an_event_hashes_as_its_canonical_json():
    event = transport("DEPA", ORIGIN)
    shuffled = json.loads(json.dumps(dict(reversed(list(event.items())))))
    assert hash_json(event) == hash_json(shuffled)


def _cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_doc_hash_prints_the_hash_the_client_records(tmp_path, capsys):
    from tradelane.client import document_hash

    a = tmp_path / "po.json"
    a.write_text('{"b": 2, "a": 1}')
    code, out, _ = _cli(["doc", "hash", str(a)], capsys)
    assert code == 0
    shown = out.split()[0]
    assert bytes.fromhex(shown[2:]) == hash_file(a).sha256 == document_hash(shown)
    code, out, _ = _cli(["doc", "hash", str(a), "--json"], capsys)
    assert json.loads(out)[0] == {"file": str(a), "sha256": shown, "canonical_json": True}


def test_doc_hash_of_a_missing_file_exits_2_in_one_line(tmp_path, capsys):
    code, out, err = _cli(["doc", "hash", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "cannot read" in err and "Traceback" not in err
