"""The event feed is a contract: committed schemas and the catalogue follow the payload types in the code."""

import json
from pathlib import Path

from wurao_common.bus.contract import Conformance, drift, load_registry, schemas, undocumented
from wurao_common.bus.envelope import Event

REPO = Path(__file__).parents[1]
SCHEMAS = REPO / "docs" / "events" / "schemas"
REGISTRIES = [
    load_registry(f"wurao_{service}.published_events:EVENTS") for service in ("plan", "inspection", "rectification")
]


def test_the_committed_event_schemas_are_generated_from_the_payload_types():
    assert drift(SCHEMAS, schemas(REGISTRIES)) == [], "docs/events/schemas drifted from the code: run `make events`"


def test_the_catalogue_names_every_published_type_and_each_of_its_fields_and_nothing_stale():
    assert undocumented((REPO / "docs" / "events.md").read_text(), REGISTRIES) == []


def test_the_catalogue_check_finds_a_missing_type_a_missing_field_and_a_stale_row():
    catalogue = (REPO / "docs" / "events.md").read_text()
    catalogue = catalogue.replace("| `plan.plan.drafted` |", "| `plan.plan.sketched` |")
    catalogue = catalogue.replace("`keyId` (0–65535)", "the key's id")
    problems = undocumented(catalogue, REGISTRIES)
    assert "plan.plan.sketched: documented but not published by any service" in problems
    assert "plan.plan.drafted: published but not in the catalogue" in problems
    assert "plan.signing_key.published: the catalogue does not name keyId" in problems


def _coded(**changes) -> bytes:
    data = {
        "itemId": "c0ffee00-0000-4000-8000-000000000001",
        "codeNumber": "XD431024-26-00001",
        "reason": "计划调整",
    } | changes
    return Event(type="plan.item.revoked", region="431024", data=data).to_json()


def test_a_conforming_event_passes_and_a_missing_an_extra_or_a_mistyped_field_is_named():
    conformance = Conformance(SCHEMAS)
    conformance.check(_coded())
    assert conformance.problems == {}
    assert conformance.checked == {"plan.item.revoked": 1}
    envelope = json.loads(_coded())
    del envelope["data"]["reason"]
    conformance.check(json.dumps(envelope).encode())
    conformance.check(_coded(reasons="两个"))
    conformance.check(_coded(codeNumber=7))
    assert list(conformance.problems) == [
        "plan.item.revoked: data: 'reason' is a required property",
        "plan.item.revoked: data: Additional properties are not allowed ('reasons' was unexpected)",
        "plan.item.revoked: data/codeNumber: 7 is not of type 'string'",
    ]


def test_an_event_type_no_service_declares_and_a_bad_enum_or_date_are_refused():
    conformance = Conformance(SCHEMAS)
    conformance.check(Event(type="plan.item.teleported", region="43", data={}).to_json())
    data = {"unitId": "u1", "name": "村", "kind": "castle", "region": "431024106201"}
    conformance.check(Event(type="plan.unit.registered", region="431024106201", data=data).to_json())
    data = {"keyId": 1, "publicKey": "k", "publishedAt": "yesterday"}
    conformance.check(Event(type="plan.signing_key.published", region="43", data=data).to_json())
    problems = list(conformance.problems)
    assert problems[0] == "plan.item.teleported: published, but no schema declares it"
    assert problems[1].startswith("plan.unit.registered: data/kind: 'castle' is not one of")
    assert problems[2].startswith("plan.signing_key.published: data/publishedAt: 'yesterday' does not match")
