"""The provincial feed as a subscriber sees it: the example subscriber (examples/provincial_subscriber), run as
its own process against the test's real NATS, on events the outbox relay published to the WURAO stream.

Each test works in made-up cities of a province code no real region has (`99`), whose subscribers' users the
root conftest adds.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wurao_common import db
from wurao_common.bus import access
from wurao_common.bus.envelope import Event
from wurao_common.bus.outbox import OutboxRelay, record
from wurao_common.service import BUS_MIGRATIONS

SUBSCRIBER = Path(__file__).parents[2] / "examples" / "provincial_subscriber" / "subscriber.py"


@pytest.fixture
async def publish(pool, nats_client):
    """Publishes events the way the services do: recorded in an outbox transaction, sent on by the relay.
    Returns once JetStream has acknowledged them all."""
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    relay = OutboxRelay(pool, nats_client)
    await relay.start()

    async def send(*regions: str) -> list[Event]:
        events = [_unit_registered(region) for region in regions]
        async with pool.acquire() as conn, conn.transaction():
            for event in events:
                await record(conn, event)
        for _ in range(600):
            if not await pool.fetchval("SELECT count(*) FROM outbox"):
                return events
            await asyncio.sleep(0.05)
        raise AssertionError("the relay did not publish the outbox")

    yield send
    await relay.stop()


def _unit_registered(region: str) -> Event:
    unit_id = f"{region}-{uuid.uuid4().hex[:8]}"
    return Event(
        type="plan.unit.registered",
        region=region,
        subject=f"unit/{unit_id}",
        data={"unitId": unit_id, "name": f"单位 {unit_id}", "kind": "village_committee", "region": region},
    )


async def _subscribe(bus, city: str, *args: str, program: tuple[str, ...] = (str(SUBSCRIBER),)) -> list[dict]:
    """Runs the example subscriber as the city's read-only user until it has caught up; the events it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *program,
        "--catch-up",
        "--region",
        city,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **bus.env(access.subscriber_name(city))},
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


def _failing_once(event_id: str) -> tuple[str, ...]:
    """The example subscriber whose `handle` fails the first time it is given the event `event_id`, as an
    integrator's work does when its database is away for a moment; the event comes again after half a second."""
    code = f"""
import sys
sys.path.insert(0, {str(SUBSCRIBER.parent)!r})
import subscriber

failed, handle = [], subscriber.handle

def failing_once(event):
    if event["id"] == {event_id!r} and not failed:
        failed.append(event["id"])
        raise ConnectionError("the database is away for a moment")
    handle(event)

subscriber.handle, subscriber.RETRY_AFTER = failing_once, 0.5
sys.exit(subscriber.main(sys.argv[1:]))
"""
    return ("-c", code)


def _ids(events) -> list[str]:
    return sorted(event["id"] if isinstance(event, dict) else event.id for event in events)


async def test_a_city_subscriber_receives_every_event_in_its_city_and_none_from_elsewhere(bus, publish):
    city, other_city = "9911", "9912"
    inside = await publish(city, f"{city}01", f"{city}01101", f"{city}01101201")  # city, county, town, village
    await publish("99", other_city, f"{other_city}01", f"{other_city}01101201")  # the province, another city

    received = await _subscribe(bus, city)

    assert _ids(received) == _ids(inside)
    assert {event["type"] for event in received} == {"cn.wurao.plan.unit.registered"}


async def test_a_replay_from_a_time_returns_exactly_the_events_after_it(bus, publish):
    city = "9921"
    await publish(city, f"{city}01", f"{city}01101")
    since = datetime.now(UTC)
    after = await publish(f"{city}01101201", city, f"{city}02")
    await publish("9922", "992201")  # after the time too, but in another city

    replayed = await _subscribe(bus, city, "--since", since.isoformat())

    assert _ids(replayed) == _ids(after)


async def test_a_durable_subscriber_resumes_where_its_last_run_stopped(bus, publish):
    city = "9931"
    first = await publish(city, f"{city}01")
    assert _ids(await _subscribe(bus, city)) == _ids(first)

    second = await publish(f"{city}01101")

    assert _ids(await _subscribe(bus, city)) == _ids(second)


async def test_an_event_stored_twice_is_handled_once(bus, publish, nats_client):
    """Past JetStream's duplicate window (2 minutes) a re-sent event is stored again: the subscriber goes by
    the event id, not by the message."""
    city = "9941"
    (event,) = await publish(city)
    ack = await nats_client.jetstream().publish(event.nats_subject, event.to_json())  # no Nats-Msg-Id
    assert not ack.duplicate

    received = await _subscribe(bus, city)

    assert _ids(received) == [event.id]


async def test_an_event_wrapped_in_another_services_subject_is_dropped(bus, publish):
    """Inspection may publish only on inspection's subjects, but it writes the envelope inside: a plan event it
    wraps in an inspection subject of the city is not handed on; the one plan published is."""
    city = "9951"
    (genuine,) = await publish(city)
    posing = _unit_registered(city)
    subject = posing.nats_subject.replace("wurao.plan.unit.registered.", "wurao.inspection.visit.checked_in.")
    inspection = await bus.connect("inspection")
    try:
        await inspection.jetstream().publish(subject, posing.to_json())
    finally:
        await inspection.close()

    received = await _subscribe(bus, city)

    assert _ids(received) == [genuine.id]


async def test_an_event_whose_handling_fails_comes_again_while_the_others_go_on(bus, publish):
    city = "9961"
    failing, other = await publish(city, f"{city}01")

    received = await _subscribe(bus, city, program=_failing_once(failing.id))

    assert [event["id"] for event in received] == [other.id, failing.id]


async def test_a_region_code_that_is_not_one_is_refused_with_a_clear_message():
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SUBSCRIBER), "--region", "431", stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()

    assert process.returncode == 2
    assert "is not a region code of 2, 4, 6, 9 or 12 digits" in err.decode()
