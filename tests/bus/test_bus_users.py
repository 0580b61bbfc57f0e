"""The bus is a trust boundary: on the test's NATS (running with the platform's users, as `make run` does), a
service publishes only its own events and a region's subscriber reads only its region."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from wurao_common import db
from wurao_common.bus import access
from wurao_common.bus.consumer import Consumer, Subscription
from wurao_common.bus.envelope import STREAM, Event
from wurao_common.bus.nats import ensure_stream, stream_config
from wurao_common.config import SettingsError
from wurao_common.service import BUS_MIGRATIONS
from wurao_devstack import bus as platform_bus


def _village(city: str) -> str:
    """A village of `city` no other test publishes in, so that what the stream holds there is this test's."""
    return f"{city}{random.randrange(10**7, 10**8)}"


async def _stored(nats_client, subject: str) -> bool:
    try:
        await nats_client.jetstream().get_last_msg(STREAM, subject)
    except NotFoundError:
        return False
    return True


def _unit_registered(village: str) -> Event:
    """What plan publishes when an office registers a village's committee (a whole payload, docs/events.md)."""
    data = {"unitId": f"{village}-cwh", "name": "村民委员会", "kind": "village_committee", "region": village}
    return Event(type="plan.unit.registered", region=village, data=data)


def _checked_in(village: str) -> Event:
    """What inspection publishes when a unit admits a visit (a whole payload, docs/events.md)."""
    at = "2026-06-01T09:00:00+08:00"
    data = {
        "visitId": str(uuid.uuid4()),
        "itemId": str(uuid.uuid4()),
        "codeNumber": "DCS-431024-2026-0001",
        "officeId": "431024-dcs",
        "officeLevel": "county",
        "officeRegion": "431024",
        "unitId": f"{village}-cwh",
        "unitRegion": village,
        "inspectedAt": at,
        "registeredAt": at,
        "year": 2026,
        "counted": True,
        "registration": "on_site",
        "late": False,
    }
    return Event(type="inspection.visit.checked_in", region=village, data=data)


async def test_inspection_may_not_publish_a_cap_policy_only_plan_may(bus, nats_client):
    """A forged `plan.cap_policy.published` would lift every cap: inspection's user is refused, while its own
    events go through, and plan's user publishes on plan's subjects."""
    village = _village("4310")
    caps = {"province": 999, "city": 999, "county": 999}
    forged = Event(
        type="plan.cap_policy.published",
        region=village,
        data={
            "version": 999,
            "effectiveFrom": "2026-01-01",
            "perLevelPerYear": caps,
            "acrossLevelsPerYear": 999,
            "defaultPerItemPerUnit": 999,
        },
    )
    inspection = await bus.connect("inspection")
    try:
        with pytest.raises(NatsTimeout):  # the server refuses the publish: no acknowledgement ever comes
            await inspection.jetstream(timeout=1).publish(forged.nats_subject, forged.to_json())
        own = _checked_in(village)
        assert (await inspection.jetstream().publish(own.nats_subject, own.to_json())).stream == STREAM
    finally:
        await inspection.close()
    assert not await _stored(nats_client, forged.nats_subject)

    plan = await bus.connect("plan")
    try:
        registered = _unit_registered(village)
        assert (await plan.jetstream().publish(registered.nats_subject, registered.to_json())).stream == STREAM
    finally:
        await plan.close()


async def _record(conn, event: Event) -> None:
    await conn.execute("INSERT INTO applied (event_id) VALUES ($1)", event.id)


async def _record_all(conn, events: list[Event]) -> None:
    await conn.executemany("INSERT INTO applied (event_id) VALUES ($1)", [(event.id,) for event in events])


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batch"])
async def test_a_consumer_believes_an_event_only_on_the_subject_of_its_type_and_region(bus, nats_client, pool, batched):
    """Inspection may publish only on inspection's subjects, but it writes the envelope inside: a plan event (here a
    unit registered) on an inspection subject, or a visit to a Hengyang village on a Chenzhou village's subject, is
    dropped by a consumer of both types; inspection's own event on its own subject is applied."""
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    await pool.execute("CREATE TABLE applied (event_id uuid PRIMARY KEY)")
    village = _village("4310")
    genuine, posing, moved = _checked_in(village), _unit_registered(village), _checked_in(_village("4304"))
    inspection = await bus.connect("inspection")
    try:
        for event in (posing, moved, genuine):  # all three on the subject of the genuine one, which inspection may use
            await inspection.jetstream().publish(genuine.nats_subject, event.to_json())
    finally:
        await inspection.close()
    subscription = Subscription(
        durable=f"test-believed-{uuid.uuid4().hex[:8]}",
        event_types=("inspection.visit.checked_in", "plan.unit.registered"),
        handler=_record,
        batch_handler=_record_all if batched else None,
    )
    consumer = Consumer(pool, nats_client, subscription)
    await consumer.start()
    try:
        for _ in range(300):
            if await pool.fetchval("SELECT count(*) FROM applied WHERE event_id = $1", genuine.id):
                break
            await asyncio.sleep(0.05)
    finally:
        await consumer.stop()
        await nats_client.jetstream().delete_consumer(STREAM, subscription.durable)
    applied = {str(row["event_id"]) for row in await pool.fetch("SELECT event_id FROM applied")}
    assert genuine.id in applied
    assert posing.id not in applied
    assert moved.id not in applied


async def test_a_service_may_not_change_the_stream(bus, nats_client):
    """Only the operator creates or changes the stream; a service finding it unlike its version's refuses to
    start rather than change it."""
    reporting = await bus.connect("reporting")
    try:
        await ensure_stream(reporting)  # as wanted: nothing to change, allowed
        with pytest.raises(NatsTimeout):
            await reporting.jetstream(timeout=1).update_stream(stream_config().evolve(max_age=60.0))
        with pytest.raises(NatsTimeout):
            await reporting.jetstream(timeout=1).purge_stream(STREAM)
        await nats_client.jetstream().update_stream(stream_config().evolve(max_age=3600.0))  # the operator may
        try:
            with pytest.raises(SettingsError, match="may not change"):
                await ensure_stream(reporting)
            assert (await nats_client.jetstream().stream_info(STREAM)).config.max_age == 3600.0
        finally:
            await ensure_stream(nats_client)
    finally:
        await reporting.close()


async def test_a_city_subscriber_reads_its_city_and_nothing_of_another(bus, nats_client):
    ours, theirs = _unit_registered(_village("4310")), _unit_registered(_village("4304"))
    for event in (theirs, ours):
        await nats_client.jetstream().publish(event.nats_subject, event.to_json())
    name = access.subscriber_name("4310")
    chenzhou = await bus.connect(name)
    try:
        js = chenzhou.jetstream(timeout=1)
        config = ConsumerConfig(name=name, durable_name=name, ack_policy=AckPolicy.EXPLICIT)
        await js.add_consumer(STREAM, config, filter_subject=access.region_filter("4310"))
        pull = await js.pull_subscribe_bind(name, stream=STREAM)
        seen: list[str] = []
        while ours.id not in seen:
            for message in await pull.fetch(100, timeout=2):
                seen.append(Event.from_json(message.data).id)
                assert message.subject.split(".")[4:6] == ["43", "4310"], message.subject
                await message.ack()
        assert theirs.id not in seen

        with pytest.raises(NatsTimeout):  # a consumer on Hengyang: refused
            await js.add_consumer(STREAM, config, filter_subject=access.region_filter("4304"))
        with pytest.raises(NatsTimeout):  # reporting's consumer sees everything: refused
            await chenzhou.request(f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.reporting-figures", b"1", timeout=1)
        await js.delete_consumer(STREAM, name)  # its own consumer: it may
    finally:
        await chenzhou.close()


async def test_a_subscriber_cannot_widen_its_filter_behind_its_own_create_subject(bus):
    """The create subject names Chenzhou; the request inside asks for everything: the server refuses it."""
    name = access.subscriber_name("4310")
    chenzhou = await bus.connect(name)
    try:
        request = {
            "stream_name": STREAM,
            "config": {"name": name, "filter_subject": "wurao.>", "ack_policy": "explicit"},
        }
        subject = f"$JS.API.CONSUMER.CREATE.{STREAM}.{name}.{access.region_filter('4310')}"
        answer = json.loads((await chenzhou.request(subject, json.dumps(request).encode(), timeout=2)).data)
        assert answer["error"]["err_code"] == 10131  # did not match the filtered subject of the create subject
    finally:
        await chenzhou.close()


async def test_a_subscriber_cannot_listen_to_events_as_they_are_published(bus, nats_client):
    """A plain subscription on `wurao.>` (or on another user's inbox) is refused, so no event reaches it."""
    chenzhou = await bus.connect(access.subscriber_name("4310"))
    try:
        everything = await chenzhou.subscribe("wurao.>")
        others = await chenzhou.subscribe("_INBOX.reporting.>")
        await chenzhou.flush()
        event = _unit_registered(_village("4304"))
        await nats_client.jetstream().publish(event.nats_subject, event.to_json())
        await chenzhou.flush()  # anything the server routed to us arrives before this answer
        assert everything.pending_msgs == 0
        assert others.pending_msgs == 0
    finally:
        await chenzhou.close()


def test_every_region_subscriber_is_limited_to_its_region():
    assert access.region_filter("43") == "wurao.*.*.*.43.>"
    assert access.region_filter("4310") == "wurao.*.*.*.43.4310.>"
    assert access.region_filter("431024106201") == "wurao.*.*.*.43.4310.431024.431024106.431024106201"
    users = {user.name: user for user in platform_bus.users(dict.fromkeys(platform_bus.user_names(), "x"))}
    for region in platform_bus.SUBSCRIBER_REGIONS:
        user = users[access.subscriber_name(region)]
        assert not any(subject.startswith("wurao.") for subject in user.publish)
        assert f"$JS.API.CONSUMER.CREATE.WURAO.region-{region}.{access.region_filter(region)}" in user.publish
