import pytest

from wurao_common.bus.envelope import Event, MalformedEvent, region_tokens


def test_region_tokens_have_fixed_depth_so_a_city_wildcard_matches_city_level_events():
    assert region_tokens("4310") == ["43", "4310", "_", "_", "_"]
    assert region_tokens("431024106201") == ["43", "4310", "431024", "431024106", "431024106201"]


@pytest.mark.parametrize("bad", ["", "4", "431", "43102410", "abc", "43.10"])
def test_region_tokens_refuse_codes_that_are_not_gb2260(bad):
    with pytest.raises(ValueError, match="GB/T 2260"):
        region_tokens(bad)


@pytest.mark.parametrize("bad", ["", "4", "431", "43102410", "abc", "43.10"])
def test_an_event_whose_region_is_not_gb2260_is_refused_made_or_decoded(bad):
    with pytest.raises(ValueError, match="GB/T 2260"):
        Event(type="plan.item.coded", region=bad, data={})
    raw = (
        Event(type="plan.item.coded", region="43", data={})
        .to_json()
        .replace(b'"region":"43"', f'"region":"{bad}"'.encode())
    )
    with pytest.raises(MalformedEvent, match="GB/T 2260"):
        Event.from_json(raw)


def test_event_round_trips_through_its_cloudevents_json():
    event = Event(
        type="plan.item.coded",
        region="431024",
        data={"itemId": "x", "名称": "防汛"},
        subject="item/x",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    again = Event.from_json(event.to_json())
    assert again == event
    assert event.nats_subject == "wurao.plan.item.coded.43.4310.431024._._"


def test_envelope_carries_the_cloudevents_required_attributes():
    import json

    envelope = json.loads(Event(type="plan.plan.approved", region="43", data={}).to_json())
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "/wurao/plan"
    assert envelope["type"] == "cn.wurao.plan.plan.approved"
    assert {"id", "time", "datacontenttype"} <= envelope.keys()


@pytest.mark.parametrize("raw", [b"", b"[]", b"{}", b'{"specversion":"0.3"}', b"\xff\xfe", b'{"specversion":"1.0"}'])
def test_malformed_messages_are_recognised(raw):
    with pytest.raises(MalformedEvent):
        Event.from_json(raw)


def test_event_type_must_name_service_entity_and_action():
    with pytest.raises(ValueError, match="service"):
        Event(type="coded", region="43", data={})


def test_a_versioned_event_type_is_a_valid_type_on_its_own_subject():
    """docs/events.md: a breaking change is published as a new type with a version suffix, beside the old one."""
    event = Event(type="plan.item.coded_v2", region="431024", data={})

    assert event.nats_subject == "wurao.plan.item.coded_v2.43.4310.431024._._"
