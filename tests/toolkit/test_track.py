"""Carriers' DCSA feeds into an order, and the order out as DCSA and EPCIS, on the session's
chain: the shipped Shanghai-Hamburg feed (a transhipment, a repeat, PLN/EST events, a
customs hold and release), importing twice, a bad feed recording nothing, the round trip
import -> export -> import recording nothing new, and the commands around them."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tradelane.cli import main
from tradelane.client import TradeClient
from tradelane.scenario import ScenarioInvalid, load_scenario, parse_scenario, run_scenario
from tradelane.standards import dcsa
from tradelane.standards.documents import hash_json
from tradelane.standards.export import CBV, dcsa_events, epcis_document
from tradelane.standards.feeds import FeedStore, store_for
from tradelane.standards.timeline import order_timeline
from tradelane.standards.track import import_events
from tradelane.types import CheckpointKind, Stage, Status

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios/dcsa_feed_import.yaml"
FEED = ROOT / "scenarios/dcsa_feed_import.feed.json"
DEPARTURE = ROOT / "scenarios/dcsa_feed_import.departure.json"
SHARED_VALIDATOR = ROOT.parent / "shared/standards/dcsa-tnt-2.2/validate.py"

# ---------------------------------------------------------------------------- EPCIS 2.0

#: CBV 2.0 standard vocabularies (GS1 Core Business Vocabulary 2.0, sections 7.1 and 7.2).
CBV_BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
CBV_DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_OFFSET = re.compile(r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _judge(client):
    """A registered arbitrator for a one-member panel: the client refuses an order whose panel
    the arbitrator would not accept (no dispute could ever be opened)."""
    if getattr(client, "_test_judge", None) is None:
        judge = client.new_account("judge", eth=1)
        client.register_arbitrator(judge)
        client._test_judge = judge
    return client._test_judge


def epcis_problems(document: dict[str, Any]) -> list[str]:
    """What the EPCIS 2.0 JSON Schema requires of an EPCISDocument and its ObjectEvents
    (from the published standard; GS1 does not license the schema for redistribution)."""
    problems = []
    for key in ("@context", "type", "schemaVersion", "creationDate", "epcisBody"):
        if key not in document:
            problems.append(f"document: {key} is required")
    if document.get("type") != "EPCISDocument" or document.get("schemaVersion") != "2.0":
        problems.append("document: type EPCISDocument, schemaVersion 2.0")
    context = document.get("@context")
    if not (isinstance(context, list) and "epcis-context.jsonld" in str(context[0])):
        problems.append("document: @context must start with the EPCIS 2.0 context")
    if not _DATE_TIME.match(str(document.get("creationDate"))):
        problems.append("document: creationDate is a date-time")
    events = document.get("epcisBody", {}).get("eventList")
    if not isinstance(events, list):
        return [*problems, "epcisBody.eventList is required"]
    ids = [e.get("eventID") for e in events]
    if len(set(ids)) != len(ids):
        problems.append("eventIDs repeat")
    for i, e in enumerate(events):
        where = f"event {i}"
        for key in ("type", "eventTime", "eventTimeZoneOffset", "action"):
            if key not in e:
                problems.append(f"{where}: {key} is required")
        if e.get("type") != "ObjectEvent" or e.get("action") not in ("ADD", "OBSERVE", "DELETE"):
            problems.append(f"{where}: an ObjectEvent with action ADD, OBSERVE or DELETE")
        for key in ("eventTime", "recordTime"):
            if key in e and not _DATE_TIME.match(str(e[key])):
                problems.append(f"{where}: {key} is a date-time")
        if not _OFFSET.match(str(e.get("eventTimeZoneOffset"))):
            problems.append(f"{where}: eventTimeZoneOffset like +08:00")
        if not (e.get("epcList") or e.get("quantityList")):
            problems.append(f"{where}: epcList or quantityList, not empty")
        uris = [e.get("eventID"), *(e.get("epcList") or [])]
        uris += [e[k]["id"] for k in ("readPoint", "bizLocation") if k in e]
        uris += [t["bizTransaction"] for t in e.get("bizTransactionList", [])]
        for uri in uris:
            if not _URI.match(str(uri)):
                problems.append(f"{where}: {uri!r} is not a URI")
        if e.get("bizStep") not in CBV_BIZ_STEPS:
            problems.append(f"{where}: bizStep {e.get('bizStep')!r} is not CBV 2.0")
        if e.get("disposition") not in CBV_DISPOSITIONS:
            problems.append(f"{where}: disposition {e.get('disposition')!r} is not CBV 2.0")
        extensions = [k for k in e if ":" in k]
        if any(not k.startswith("tradelane:") for k in extensions):
            problems.append(f"{where}: extension fields need a prefix the @context declares")
    return problems


def test_every_checkpoint_kind_has_cbv_values():
    assert set(CBV) == {k for k in CheckpointKind if k}
    for step, disposition, _stays in CBV.values():
        assert step in CBV_BIZ_STEPS and disposition in CBV_DISPOSITIONS


# ---------------------------------------------------------------------------- helpers


def dcsa_problems(events: list[dict[str, Any]]) -> list[str]:
    """T&T 2.2 validation by the bundled schema, and by the shared bundle's own validator
    when it is beside this clone (an independent reading of the same schema)."""
    problems = [f"{i}: {p}" for i, e in enumerate(events) for p in dcsa.event_problems(e)]
    if SHARED_VALIDATOR.exists():
        spec = importlib.util.spec_from_file_location("dcsa_validate", SHARED_VALIDATOR)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        bad = module.validate_events(events, module.load_bundle())
        problems += [f"{i} (shared validator): {m}" for i, msgs in bad for m in msgs]
    return problems


def _run(chain, artifacts, path=SCENARIO):
    result = run_scenario(load_scenario(path), chain, artifacts=artifacts)
    assert result.passed, [(s.label, s.message) for s in result.failures]
    return result


def _checkpoints(client: TradeClient, trade) -> list:
    return [e for e in client.timeline(trade) if e.kind is not None]


# ---------------------------------------------------------------------------- the shipped feed


def test_the_shipped_feed_imports_as_the_mapping_says(chain, artifacts):
    result = _run(chain, artifacts)
    client = result.client
    trade = client.trade(result.orders["po-1"])
    feed = json.loads(FEED.read_text())
    stored = store_for(client).events(client, trade.id_hex)
    by_index = {i: stored[str(e["eventID"]).lower()] for i, e in enumerate(feed)}
    kinds = {i: s.kinds for i, s in by_index.items()}
    # the transhipment in Singapore moves no stage
    for i, event in enumerate(feed):
        if dcsa.event_location(event) == "SGSIN":
            assert by_index[i].outcome == "skipped" and "transhipment" in by_index[i].reason
    # planned and estimated events are kept, not recorded
    assert {
        by_index[i].outcome for i, e in enumerate(feed) if e["eventClassifierCode"] != "ACT"
    } == {
        "planned",
        "estimated",
    }
    # the hold and the release in Hamburg; the release also clears import
    hold = next(i for i, e in enumerate(feed) if dcsa.event_code(e) == "CUS·HOLD")
    release = max(i for i, e in enumerate(feed) if dcsa.event_code(e) == "CUS·RELS")
    assert kinds[hold] == ["customs_hold"]
    assert kinds[release] == ["customs_release", "import_cleared"]
    # each checkpoint records the event's hash and names it
    recorded = _checkpoints(client, trade)
    assert [e.kind.label for e in recorded] == [
        "booked",
        "picked_up",
        "export_cleared",
        "loaded",
        "departed",
        "arrived",
        "unloaded",
        "customs_hold",
        "customs_release",
        "import_cleared",
        "out_for_delivery",
        "delivered",
    ]
    events = {str(e["eventID"]).lower(): e for e in feed}
    for entry in recorded:
        eid = dcsa.event_id_of_uri(entry.uri)
        assert eid in events
        assert entry.document_hash == "0x" + hash_json(events[eid]).hex()
    customs = {result.parties["cn_customs"], result.parties["de_customs"]}
    for entry in recorded:
        expected = customs if entry.kind.recorder == "customs" else {trade.terms.carrier}
        assert entry.actor in expected
    # the timeline shows each event's own time, and the planned and estimated ones
    timeline = order_timeline(client, trade)
    departed = next(e for e in timeline if e.kind == CheckpointKind.DEPARTED)
    assert departed.event_time == dcsa.event_timestamp(events[dcsa.event_id_of_uri(departed.uri)])
    assert departed.event_time != departed.time
    assert [e.action for e in timeline if e.planned] == [
        "departed (planned)",
        "arrived (estimated)",
    ]


def test_import_twice_and_round_trip_record_nothing_new(chain, artifacts):
    result = _run(chain, artifacts)
    client = result.client
    trade = client.trade(result.orders["po-1"])
    before = len(_checkpoints(client, trade))
    again = import_events(client, trade, dcsa.load_feed(FEED), customs=result.parties["de_customs"])
    assert again.recorded == [] and again.ok
    assert {line.outcome for line in again.lines} <= {
        "already recorded",
        "planned",
        "estimated",
        "skipped",
    }
    exported = dcsa_events(client, trade)
    assert dcsa_problems(exported) == []
    # an imported event comes back as it was imported (the short reference type made long)
    originals = {str(e["eventID"]).lower(): e for e in json.loads(FEED.read_text())}
    for event in exported:
        assert event == dcsa.normalised(originals[str(event["eventID"]).lower()])
    back = import_events(client, trade, exported, customs=result.parties["de_customs"])
    assert back.recorded == [] and back.ok
    assert len(_checkpoints(client, trade)) == before
    document = epcis_document(client, trade)
    assert epcis_problems(document) == []
    assert len(document["epcisBody"]["eventList"]) == before
    from tradelane.cli.orders import order_summary

    summary = order_summary(client, trade)
    assert (summary["origin"], summary["destination"]) == ("CNSHA", "DEHAM")
    assert [e["planned"] for e in summary["timeline"] if e["planned"]] == ["planned", "estimated"]
    first = document["epcisBody"]["eventList"][0]
    assert first["eventTimeZoneOffset"] == "+08:00"  # the carrier's own time, Shanghai
    assert first["bizTransactionList"][0]["bizTransaction"].endswith(trade.id_hex)


def test_customs_events_without_a_customs_signer_are_skipped(chain, artifacts):
    client = TradeClient.deploy(chain, artifacts=artifacts)
    buyer, seller, carrier = (client.new_account(n, eth=5) for n in ("b", "s", "c"))
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        origin="CNSHA",
        destination="DEHAM",
        deliver_within="45d",
        panel=[_judge(client)],
    )
    client.fund(trade, quote=client.sign_quote(trade))
    report = import_events(client, trade, dcsa.load_feed(DEPARTURE))
    assert report.ok
    customs = [line for line in report.lines if line.code == "CUS·RELS"]
    assert customs and all(line.outcome == "skipped" for line in customs)
    assert "no customs signer" in customs[0].reason
    assert client.state(trade).stage == Stage.DEPARTED  # the carrier's facts went on
    # the carrier's events are its own: anyone else's key is refused before sending
    with pytest.raises(Exception, match="order's carrier"):
        import_events(client, trade, dcsa.load_feed(DEPARTURE), carrier=buyer)


def test_a_bad_feed_records_nothing(chain, artifacts, tmp_path):
    client = TradeClient.deploy(chain, artifacts=artifacts)
    buyer, seller, carrier = (client.new_account(n, eth=5) for n in ("b", "s", "c"))
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        origin="CNSHA",
        destination="DEHAM",
        panel=[_judge(client)],
    )
    client.fund(trade, quote=client.sign_quote(trade))
    feed = json.loads(DEPARTURE.read_text())
    feed[-2] = dict(feed[-2], eventDateTime="soon")  # one bad event late in the feed
    with pytest.raises(dcsa.FeedInvalid) as info:
        import_events(client, trade, feed)
    assert info.value.index == len(feed) - 2 and "eventDateTime" in str(info.value)
    assert _checkpoints(client, trade) == []
    assert store_for(client).events(client, trade.id_hex) == {}


def test_a_refusal_is_reported_and_the_rest_recorded(chain, artifacts):
    """An order not yet funded: the chain refuses every fact (TrackerOrderInactive or the
    escrow's status guard), and the import says so instead of stopping."""
    client = TradeClient.deploy(chain, artifacts=artifacts)
    buyer, seller, carrier = (client.new_account(n, eth=5) for n in ("b", "s", "c"))
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        origin="CNSHA",
        destination="DEHAM",
        panel=[_judge(client)],
    )
    client.register(trade)
    report = import_events(client, trade, dcsa.load_feed(DEPARTURE))
    assert not report.ok and report.refused
    assert all("refused by the chain" in line.reason for line in report.refused)
    assert client.state(trade).status == Status.CREATED


# ---------------------------------------------------------------------------- scenarios


def test_a_bad_feed_in_a_scenario_is_found_when_it_is_loaded(tmp_path):
    feed = json.loads(DEPARTURE.read_text())
    bad_id = feed[3]["eventID"]
    feed[3]["transportCall"] = {"modeOfTransport": "SHIP"}
    (tmp_path / "feed.json").write_text(json.dumps(feed))
    text = SCENARIO.read_text().replace("dcsa_feed_import.departure.json", "feed.json")
    text = text.replace("dcsa_feed_import.po.json", "po.json")
    (tmp_path / "po.json").write_text("{}")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioInvalid) as info:
        load_scenario(path)
    message = str(info.value)
    assert "step 3 (import_events), field 'file'" in message
    assert f"event 3 (eventID {bad_id})" in message and "transportCall" in message


def test_scenario_document_file_and_route_fields(tmp_path):
    (tmp_path / "bl.json").write_text('{"b": 1, "a": 2}')
    base = (
        "name: files\nparties: {a: buyer, b: seller, c: carrier}\n"
        "orders: {o: {buyer: a, seller: b, carrier: c, price: 1 ETH, origin: cnsha,"
        " destination: DEHAM, document: {file: bl.json}}}\n"
    )
    scenario = parse_scenario(
        __import__("yaml").safe_load(
            base + "steps: [{do: checkpoint, order: o, stage: booked, document: {file: bl.json}}]"
        ),
        str(tmp_path / "s.yaml"),
    )
    expected = "0x" + hash_json({"a": 2, "b": 1}).hex()
    assert scenario.orders["o"].document == expected
    assert scenario.steps[0].document == expected
    assert (scenario.orders["o"].origin, scenario.orders["o"].destination) == ("CNSHA", "DEHAM")
    import yaml

    for bad, field in (
        (base.replace("cnsha", "XX-1"), "origin"),
        (
            base + "steps: [{do: checkpoint, order: o, stage: booked, document: {file: no.json}}]",
            "document",
        ),
        (
            base + "steps: [{do: checkpoint, order: o, stage: booked, document: {path: x}}]",
            "document",
        ),
        (base + "steps: [{do: import_events, order: o}]", "file"),
        (base + "steps: [{do: import_events, order: o, file: bl.json}]", "file"),
        (base + "steps: [{do: import_events, order: o, file: bl.json, customs_by: zz}]", "file"),
    ):
        if "steps" not in bad:
            bad += "steps: [{wait: 1d}]"
        with pytest.raises(ScenarioInvalid, match=field):
            parse_scenario(yaml.safe_load(bad), str(tmp_path / "s.yaml"))


# ---------------------------------------------------------------------------- the commands


def _cli(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


SMALL = """\
name: the departure feed only
parties: {alice: buyer, bob: seller, maersk: carrier, cn_customs: customs, judge: arbitrator}
orders:
  po-1: {buyer: alice, seller: bob, carrier: maersk, price: 1 ETH, origin: CNSHA,
         destination: DEHAM, deliver_within: 45d}
steps:
  - {do: quote, order: po-1}
  - {do: fund, order: po-1}
  - {do: import_events, order: po-1, file: departure.json, customs_by: cn_customs}
"""


@pytest.mark.eth_tester_only  # the commands run the scenario on eth-tester themselves
def test_track_import_order_export_and_doc_verify_commands(tmp_path, capsys):
    (tmp_path / "departure.json").write_text(DEPARTURE.read_text())
    scenario = str(tmp_path / "small.yaml")
    Path(scenario).write_text(SMALL)
    code, out, err = _cli(
        [
            "track",
            "import",
            str(FEED),
            "--order",
            "po-1",
            "--scenario",
            scenario,
            "--relay-by",
            "zed",
        ],
        capsys,
    )
    assert code == 2 and "no party named 'zed'" in err
    code, out, err = _cli(
        [
            "track",
            "import",
            str(FEED),
            "--order",
            "po-1",
            "--scenario",
            scenario,
            "--json",
            "--relay-by",
            "alice",
            "--customs-by",
            "cn_customs",
        ],
        capsys,
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["recorded"] == 6  # arrival to drop-off, hold and release
    relayed = next(
        e
        for e in report["events"]
        if e["code"] == "ARRI" and e["location"] == "DEHAM" and e["classifier"] == "ACT"
    )
    assert relayed["checkpoints"] == ["arrived"] and relayed["transactions"]
    outcomes = {e["outcome"] for e in report["events"]}
    assert outcomes == {"recorded", "already recorded", "planned", "estimated", "skipped"}
    target = tmp_path / "order.dcsa.json"
    code, _, err = _cli(
        ["order", "po-1", "--scenario", scenario, "--export", "dcsa", "-o", str(target)], capsys
    )
    assert code == 0 and "events written" in err
    assert dcsa_problems(json.loads(target.read_text())) == []
    code, out, _ = _cli(["order", "po-1", "--scenario", scenario], capsys)
    assert code == 0
    assert "CNSHA → DEHAM" in out and "event time (UTC)" in out and "not on chain" in out
    loaded = next(e for e in json.loads(DEPARTURE.read_text()) if dcsa.event_code(e) == "LOAD")
    assert "0x" + hash_json(loaded).hex() in out  # the documents list, in full
    event_file = tmp_path / "load.json"
    event_file.write_text(json.dumps(dict(reversed(list(loaded.items()))), indent=4))
    code, out, _ = _cli(
        ["doc", "verify", str(event_file), "--order", "po-1", "--scenario", scenario], capsys
    )
    assert code == 0 and "as loaded" in out and "by maersk" in out and "event time" in out
    code, _, err = _cli(
        ["doc", "verify", str(FEED), "--order", "po-1", "--scenario", scenario], capsys
    )
    assert code == 1 and "never recorded" in err


@pytest.mark.eth_tester_only
def test_track_import_of_a_bad_feed_exits_2_naming_the_event(tmp_path, capsys):
    feed = json.loads(FEED.read_text())
    feed[5]["eventID"] = "not-a-uuid"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(feed))
    code, out, err = _cli(
        ["track", "import", str(path), "--order", "po-1", "--scenario", str(SCENARIO)], capsys
    )
    assert code == 2 and out == ""
    assert "event 5 (eventID not-a-uuid): eventID" in err and "Traceback" not in err


def test_the_feed_store_on_disk_survives_the_client(chain, artifacts, tmp_path):
    client = TradeClient.deploy(chain, artifacts=artifacts)
    buyer, seller, carrier = (client.new_account(n, eth=5) for n in ("b", "s", "c"))
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        origin="CNSHA",
        destination="DEHAM",
        panel=[_judge(client)],
    )
    client.fund(trade, quote=client.sign_quote(trade))
    store = FeedStore(tmp_path / "events")
    import_events(client, trade, dcsa.load_feed(DEPARTURE), store=store)
    (path,) = (tmp_path / "events").rglob("*.json")
    assert path.name == f"{trade.id_hex}.json"
    fresh = FeedStore(tmp_path / "events").events(client, trade.id_hex)
    assert {s.classifier for s in fresh.values()} == {"ACT", "PLN", "EST"}
    timeline = order_timeline(client, trade, FeedStore(tmp_path / "events"))
    assert any(e.planned for e in timeline)
    assert all(e.event_time is not None for e in timeline if e.kind is not None)


@pytest.mark.anvil_only  # a chain that outlives the command: the session's Anvil, by URL
def test_track_import_and_export_on_a_chain_by_url(
    chain, artifacts, buyer, seller, carrier, tmp_path, monkeypatch, capsys
):
    from tradelane.manifest import load_deployment

    deployments, events = tmp_path / "deployments", tmp_path / "events"
    common = ["--chain", chain.url, "--deployments", str(deployments)]
    code, _, err = _cli(["deploy", *common, "--fresh", "--json"], capsys)
    assert code == 0, err
    deployment = load_deployment(chain, artifacts, deployments / f"{chain.chain_id}.json")
    client = TradeClient(chain, deployment, artifacts=artifacts)
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1 ETH",
        origin="CNSHA",
        destination="DEHAM",
        deliver_within="45d",
        panel=[_judge(client)],
    )
    client.fund(trade, quote=client.sign_quote(trade))
    monkeypatch.setenv("CARRIER_KEY", chain.private_key(carrier))
    monkeypatch.setenv("BUYER_KEY", chain.private_key(buyer))
    args = ["track", "import", str(DEPARTURE), "--order", trade.id_hex, *common]
    args += ["--events", str(events), "--json"]
    code, _, err = _cli([*args[:-1], "--key-env", "BUYER_KEY"], capsys)
    assert code == 2 and "the order's carrier is" in err  # another party's key: nothing sent
    code, out, err = _cli([*args, "--key-env", "CARRIER_KEY"], capsys)
    assert code == 0, err
    assert json.loads(out)["recorded"] == 4  # customs skipped: no --customs-key-env
    assert client.state(trade).stage == Stage.DEPARTED
    code, out, _ = _cli([*args, "--key-env", "CARRIER_KEY"], capsys)
    assert code == 0 and json.loads(out)["recorded"] == 0  # twice: nothing new
    assert list(events.rglob(f"{trade.id_hex}.json"))  # kept for the next command
    code, out, _ = _cli(
        ["order", trade.id_hex, *common, "--events", str(events), "--export", "dcsa"], capsys
    )
    exported = json.loads(out)
    assert code == 0 and dcsa_problems(exported) == []
    assert {e["eventClassifierCode"] for e in exported} == {"ACT", "PLN", "EST"}


def test_the_route_is_signed_and_rebuilt_from_events(chain, artifacts):
    client = TradeClient.deploy(chain, artifacts=artifacts)
    buyer, seller, carrier = (client.new_account(n, eth=5) for n in ("b", "s", "c"))
    judge = _judge(client)
    terms = dict(buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge], nonce=7)
    plain = client.new_trade(**terms)
    routed = client.new_trade(**terms, origin="CNSHA", destination="DEHAM")
    other = client.new_trade(**terms, origin="CNSHA", destination="NLRTM")
    assert len({plain.id, routed.id, other.id}) == 3  # the route is part of the order id
    for trade in (plain, routed):
        on_chain = client.escrow.functions.hashTerms(trade.terms.as_tuple()).call()
        assert bytes(on_chain) == trade.terms_hash
    client.fund(routed, quote=client.sign_quote(routed))
    client.trades.clear()  # forget it: rebuild the order from its registration event
    rebuilt = client.trade(routed.id)
    assert rebuilt.terms.route == ("CNSHA", "DEHAM") and rebuilt.id == routed.id
    assert plain.terms.route == ("", "")
    with pytest.raises(ValueError, match="the origin is a UN/LOCODE"):
        client.new_trade(**terms, origin="Shanghai")
