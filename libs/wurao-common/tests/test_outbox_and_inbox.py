"""Outbox → JetStream → inbox against real PostgreSQL and NATS: nothing lost, nothing doubled."""

import asyncio
import dataclasses
import json
import random
import uuid

import asyncpg
import pytest
from nats.js.errors import APIError, NoStreamResponseError

from wurao_common import db, embedded
from wurao_common.bus.consumer import Consumer, Subscription
from wurao_common.bus.envelope import Event
from wurao_common.bus.nats import connect, ensure_stream
from wurao_common.bus.outbox import MAX_EVENT_BYTES, EventTooLarge, OutboxRelay, record
from wurao_common.service import BUS_MIGRATIONS


@pytest.fixture
async def bus_pool(pool):
    await db.migrate(pool, {"bus": BUS_MIGRATIONS})
    await pool.execute("CREATE TABLE applied (event_id uuid NOT NULL, n int NOT NULL)")
    return pool


async def _apply(conn, event: Event) -> None:
    await conn.execute("INSERT INTO applied (event_id, n) VALUES ($1, $2)", event.id, event.data["n"])


def _subscription(kind: str) -> Subscription:
    return Subscription(durable=f"test-{kind}", event_types=(f"test.{kind}.happened",), handler=_apply)


async def _emit(pool, kind: str, n: int) -> Event:
    event = Event(type=f"test.{kind}.happened", region="431024", data={"n": n})
    async with pool.acquire() as conn, conn.transaction():
        await record(conn, event)
    return event


async def _wait_for(pool, count: int, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await pool.fetchval("SELECT count(*) FROM applied") >= count:
            await asyncio.sleep(0.3)  # give a doubled delivery the chance to show itself
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {await pool.fetchval('SELECT count(*) FROM applied')} of {count} applied")


def _kind() -> str:
    return "k" + uuid.uuid4().hex[:10]


async def test_an_event_nats_would_refuse_is_refused_before_it_is_written_and_its_change_rolls_back(bus_pool):
    """NATS refuses a payload over its limit on every try: recorded, it would stall the relay and every event after
    it for good."""
    huge = Event(type="test.huge.happened", region="43", data={"text": "x" * MAX_EVENT_BYTES})
    with pytest.raises(EventTooLarge):
        async with bus_pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO applied (event_id, n) VALUES ($1, 1)", huge.id)
            await record(conn, huge)
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await bus_pool.fetchval("SELECT count(*) FROM applied") == 0
    async with bus_pool.acquire() as conn, conn.transaction():  # one just under the limit is recorded
        await record(conn, Event(type="test.big.happened", region="43", data={"text": "x" * (MAX_EVENT_BYTES - 500)}))
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_recording_outside_a_transaction_is_refused(bus_pool):
    async with bus_pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="transaction"):
            await record(conn, Event(type="test.x.happened", region="43", data={}))


async def test_a_rolled_back_change_emits_no_event(bus_pool):
    async with bus_pool.acquire() as conn:
        with pytest.raises(ZeroDivisionError):
            async with conn.transaction():
                await record(conn, Event(type="test.x.happened", region="43", data={}))
                _ = 1 / 0
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_change_recorded_with_its_event_writes_both_or_neither(bus_pool):
    """One statement writes the change and the event: a change that fails leaves no event behind."""
    async with bus_pool.acquire() as conn, conn.transaction():
        await record(
            conn,
            Event(type="test.x.happened", region="43", data={"n": 7}),
            change="INSERT INTO applied (event_id, n) VALUES ($1, $2)",
            args=(uuid.uuid4(), 7),
        )
    async with bus_pool.acquire() as conn:
        with pytest.raises(asyncpg.NotNullViolationError):
            async with conn.transaction():
                await record(
                    conn,
                    Event(type="test.x.happened", region="43", data={"n": 8}),
                    change="INSERT INTO applied (event_id, n) VALUES ($1, $2)",
                    args=(uuid.uuid4(), None),
                )
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 1
    assert await bus_pool.fetchval("SELECT n FROM applied") == 7


async def test_a_change_recorded_with_its_event_outside_a_transaction_is_one_atomic_statement(bus_pool):
    """Without a transaction the statement is the change's whole transaction: both rows, or (the change fails)
    neither; an event alone is still refused outside one."""
    async with bus_pool.acquire() as conn:
        await record(
            conn,
            Event(type="test.x.happened", region="43", data={"n": 7}),
            change="INSERT INTO applied (event_id, n) VALUES ($1, $2)",
            args=(uuid.uuid4(), 7),
        )
        with pytest.raises(asyncpg.NotNullViolationError):
            await record(
                conn,
                Event(type="test.x.happened", region="43", data={"n": 8}),
                change="INSERT INTO applied (event_id, n) VALUES ($1, $2)",
                args=(uuid.uuid4(), None),
            )
        assert not conn.is_in_transaction()
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 1
    assert await bus_pool.fetchval("SELECT n FROM applied") == 7


async def test_events_flow_from_outbox_to_consumer_once_each(bus_pool, nats_client):
    kind = _kind()
    relay = OutboxRelay(bus_pool, nats_client)
    consumer = Consumer(bus_pool, nats_client, _subscription(kind))
    await relay.start()
    await consumer.start()
    try:
        for n in range(50):
            await _emit(bus_pool, kind, n)
        await _wait_for(bus_pool, 50)
    finally:
        await consumer.stop()
        await relay.stop()
    assert sorted(r["n"] for r in await bus_pool.fetch("SELECT n FROM applied")) == list(range(50))
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_redelivered_event_has_no_second_effect(bus_pool, nats_client):
    consumer = Consumer(bus_pool, nats_client, _subscription(_kind()))
    event = Event(type="test.x.happened", region="43", data={"n": 7})
    assert await consumer.apply(event) is True
    assert await consumer.apply(event) is False
    assert await bus_pool.fetchval("SELECT count(*) FROM applied") == 1


async def test_two_consumer_replicas_share_the_work_and_apply_each_event_once(bus_pool, nats_client):
    kind = _kind()
    relay = OutboxRelay(bus_pool, nats_client)
    replicas = [Consumer(bus_pool, nats_client, _subscription(kind), batch=5) for _ in range(2)]
    await relay.start()
    for replica in replicas:
        await replica.start()
    try:
        await asyncio.gather(*(_emit(bus_pool, kind, n) for n in range(200)))
        await _wait_for(bus_pool, 200)
    finally:
        for replica in replicas:
            await replica.stop()
        await relay.stop()
    rows = await bus_pool.fetch("SELECT n, count(*) AS c FROM applied GROUP BY n")
    assert len(rows) == 200
    assert all(row["c"] == 1 for row in rows)


async def test_events_whose_transactions_commit_out_of_order_are_all_delivered(bus_pool, nats_client):
    """Sequence numbers are taken at insert, visibility comes at commit: a lower one may appear later."""
    kind = _kind()
    relay = OutboxRelay(bus_pool, nats_client, batch=5, poll_seconds=0.05)
    consumer = Consumer(bus_pool, nats_client, _subscription(kind))
    await relay.start()
    await consumer.start()
    rng = random.Random(7)

    async def slow_commit(n: int) -> None:
        async with bus_pool.acquire() as conn, conn.transaction():
            await record(conn, Event(type=f"test.{kind}.happened", region="431024", data={"n": n}))
            await asyncio.sleep(rng.random() * 0.02)

    try:
        for start in range(0, 400, 8):  # 8 connections at a time: the test pool has 10
            await asyncio.gather(*(slow_commit(n) for n in range(start, start + 8)))
        await _wait_for(bus_pool, 400)
    finally:
        await consumer.stop()
        await relay.stop()
    assert sorted(r["n"] for r in await bus_pool.fetch("SELECT n FROM applied")) == list(range(400))


async def test_two_relays_publish_every_event_exactly_once(bus_pool, nats_client):
    kind = _kind()
    relays = [OutboxRelay(bus_pool, nats_client, batch=7) for _ in range(2)]
    for n in range(100):
        await _emit(bus_pool, kind, n)

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while await bus_pool.fetchval("SELECT count(*) FROM outbox"):
            total += await relay.publish_pending()
        return total

    published = await asyncio.gather(*(drain(relay) for relay in relays))
    assert sum(published) == 100
    info = await nats_client.jetstream().stream_info("WURAO", subjects_filter=f"wurao.test.{kind}.>")
    assert sum((info.state.subjects or {}).values()) == 100


class _HeldRelay(OutboxRelay):
    """A relay that, once it holds its batch, waits to be let go before publishing it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.holding = asyncio.Event()
        self.let_go = asyncio.Event()

    async def _publish(self, rows):
        self.holding.set()
        await self.let_go.wait()
        return await super()._publish(rows)


async def test_while_a_relay_publishes_its_batch_another_publishes_nothing_not_even_newer_events(
    bus_pool, database_url, nats_client
):
    """Taking the turn and the batch is one statement: a second relay finds the turn taken, even with events
    committed after the first one's batch waiting, and publishes them once the first has finished."""
    kind = _kind()
    for n in range(5):
        await _emit(bus_pool, kind, n)
    # A relay that did not find the turn taken would wait for the first one's rows: it fails instead of hanging.
    other_pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1, server_settings={"lock_timeout": "5s"})
    first, second = _HeldRelay(bus_pool, nats_client), OutboxRelay(other_pool, nats_client)
    try:
        publishing = asyncio.create_task(first.publish_pending())
        await first.holding.wait()
        for n in range(5, 8):
            await _emit(bus_pool, kind, n)
        assert await second.publish_pending() == 0
        first.let_go.set()
        assert await publishing == 5
        assert await second.publish_pending() == 3
    finally:
        first.let_go.set()
        await other_pool.close()
    info = await nats_client.jetstream().stream_info("WURAO", subjects_filter=f"wurao.test.{kind}.>")
    assert sum((info.state.subjects or {}).values()) == 8


async def test_a_batch_jetstream_refuses_in_part_stays_whole_in_the_outbox(bus_pool, nats_client):
    """The batch is deleted in the transaction that publishes it: one event no stream takes (its subject is
    outside the stream) rolls the deletion back, so every row of the batch, published or not, stays for the next
    pass; published again, the others are stored once (Nats-Msg-Id)."""
    kind = _kind()
    for n in range(3):
        await _emit(bus_pool, kind, n)
    await bus_pool.execute(
        "INSERT INTO outbox (event_id, subject, payload) VALUES ($1, 'nowhere.at.all', '{}')", uuid.uuid4()
    )
    for n in range(3, 6):
        await _emit(bus_pool, kind, n)
    relay = OutboxRelay(bus_pool, nats_client)
    with pytest.raises(NoStreamResponseError):
        await relay.publish_pending()
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 7
    await bus_pool.execute("DELETE FROM outbox WHERE subject = 'nowhere.at.all'")
    assert await relay.publish_pending() == 6
    info = await nats_client.jetstream().stream_info("WURAO", subjects_filter=f"wurao.test.{kind}.>")
    assert sum((info.state.subjects or {}).values()) == 6


async def test_a_row_the_stream_refuses_in_the_middle_keeps_the_batch_whole_and_fails_at_once(
    bus_pool, nats_client, small_stream
):
    """JetStream answers a refused row with an error: the pass fails with it as soon as it comes (not after the
    acknowledgement timeout), and every row of the batch stays."""
    kind = _kind()
    for n in range(3):
        await _emit(bus_pool, kind, n)
    await bus_pool.execute(
        "INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)",
        uuid.uuid4(),
        f"{small_stream}.too.large",
        json.dumps({"padding": "x" * 500}).encode(),
    )
    for n in range(3, 6):
        await _emit(bus_pool, kind, n)
    relay = OutboxRelay(bus_pool, nats_client)
    started = asyncio.get_running_loop().time()
    with pytest.raises(APIError) as refused:
        await relay.publish_pending()
    assert refused.value.err_code == 10054
    assert asyncio.get_running_loop().time() - started < relay.ACK_TIMEOUT / 2
    assert await bus_pool.fetchval("SELECT count(*) FROM outbox") == 7


async def test_nats_down_for_seconds_loses_and_doubles_nothing(bus_pool, tmp_path):
    """The relay keeps rows while NATS is away; JetStream's file store and the inbox do the rest."""
    store = tmp_path / "js"
    nats = embedded.start_nats(tmp_path / "nats", store_dir=store)
    port = nats.port
    nc = await connect(nats.url, name="test-outage")
    await ensure_stream(nc)
    kind = _kind()
    relay = OutboxRelay(bus_pool, nc, poll_seconds=0.2)
    consumer = Consumer(bus_pool, nc, _subscription(kind))
    await relay.start()
    await consumer.start()
    try:
        producer = asyncio.create_task(_produce(bus_pool, kind, 300))
        await asyncio.sleep(0.5)
        nats.stop()
        await asyncio.sleep(3)
        nats = embedded.start_nats(tmp_path / "nats", port=port, store_dir=store)
        await producer
        await _wait_for(bus_pool, 300, timeout=60)
    finally:
        await consumer.stop()
        await relay.stop()
        await nc.close()
        nats.stop()
    rows = await bus_pool.fetch("SELECT n, count(*) AS c FROM applied GROUP BY n ORDER BY n")
    assert [row["n"] for row in rows] == list(range(300))
    assert all(row["c"] == 1 for row in rows)


async def _produce(pool, kind: str, count: int) -> None:
    for n in range(count):
        await _emit(pool, kind, n)
        await asyncio.sleep(0.01)


async def _apply_batch(conn, events: list[Event]) -> None:
    if any(event.data["n"] < 0 for event in events):
        raise ValueError("a negative n cannot be applied")
    await conn.executemany("INSERT INTO applied (event_id, n) VALUES ($1, $2)", [(e.id, e.data["n"]) for e in events])


async def _apply_unless_negative(conn, event: Event) -> None:
    if event.data["n"] >= 0:  # one by one, the bad event is consumed without effect
        await _apply(conn, event)


def _batched(kind: str) -> Subscription:
    return Subscription(
        durable=f"test-{kind}",
        event_types=(f"test.{kind}.happened",),
        handler=_apply_unless_negative,
        batch_handler=_apply_batch,
    )


def _rows_of(events: list[Event]) -> list[tuple[str, int]]:
    """A `prepare`: the rows to insert, made before the transaction; refuses a negative n."""
    if any(event.data["n"] < 0 for event in events):
        raise ValueError("a negative n cannot be applied")
    return [(event.id, event.data["n"]) for event in events]


async def _insert_rows(conn, rows: list[tuple[str, int]]) -> None:
    await conn.executemany("INSERT INTO applied (event_id, n) VALUES ($1, $2)", rows)


def _prepared(kind: str) -> Subscription:
    return dataclasses.replace(_batched(kind), batch_handler=_insert_rows, prepare=_rows_of)


async def test_a_batch_applies_each_fresh_event_once_in_one_go(bus_pool, nats_client):
    consumer = Consumer(bus_pool, nats_client, _batched(_kind()))
    events = [Event(type="test.b.happened", region="43", data={"n": n}) for n in range(5)]
    assert await consumer.apply_batch([*events[:3], events[0]]) == 3  # a repeat inside the batch counts once
    assert await consumer.apply_batch(events) == 2  # a redelivered batch: only the two not yet applied
    assert await bus_pool.fetchval("SELECT count(*) FROM applied") == 5


@pytest.mark.parametrize("subscribed", [_batched, _prepared], ids=["applying", "preparing"])
async def test_a_batch_that_fails_is_applied_one_by_one_and_loses_nothing(bus_pool, nats_client, subscribed):
    kind = _kind()
    relay = OutboxRelay(bus_pool, nats_client)
    consumer = Consumer(bus_pool, nats_client, subscribed(kind))
    for n in (1, 2, -3, 4):
        await _emit(bus_pool, kind, n)
    await relay.start()
    await consumer.start()
    try:
        await _wait_for(bus_pool, 3)
    finally:
        await consumer.stop()
        await relay.stop()
    assert sorted(await bus_pool.fetchval("SELECT array_agg(n) FROM applied")) == [1, 2, 4]
    assert await bus_pool.fetchval("SELECT count(*) FROM inbox") == 4


async def test_a_batch_prepared_ahead_with_an_event_already_applied_applies_only_the_fresh_ones(bus_pool, nats_client):
    consumer = Consumer(bus_pool, nats_client, _prepared(_kind()))
    events = [Event(type="test.p.happened", region="43", data={"n": n}) for n in range(5)]
    assert await consumer.apply_batch(events[:2], _rows_of(events[:2])) == 2
    # Redelivered with three new ones: what was prepared for all five is made again for the three.
    assert await consumer.apply_batch(events, _rows_of(events)) == 3
    rows = await bus_pool.fetch("SELECT n, count(*) AS c FROM applied GROUP BY n ORDER BY n")
    assert [(row["n"], row["c"]) for row in rows] == [(n, 1) for n in range(5)]


async def test_two_batches_meeting_the_same_events_in_opposite_orders_never_deadlock(bus_pool, nats_client):
    """Two replicas fetch the same redelivered events in different orders: each batch takes their inbox rows in the
    events' id order, so neither can hold one row while it waits for the other's. A transaction holds the first
    event's row; the batch (second, then first) waits for it without taking the second's, which the transaction
    then takes too."""
    subscription = _batched(_kind())
    consumer = Consumer(bus_pool, nats_client, subscription)
    first, second = sorted(
        (Event(type="test.o.happened", region="43", data={"n": n}) for n in range(2)), key=lambda e: uuid.UUID(e.id)
    )
    async with bus_pool.acquire() as other, other.transaction():
        insert = "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
        await other.execute(insert, subscription.durable, first.id)
        batch = asyncio.create_task(consumer.apply_batch([second, first]))
        for _ in range(500):  # until the batch waits for the row this transaction holds
            if await other.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the batch never waited for the first event's row")
        await other.execute(insert, subscription.durable, second.id)
    assert await batch == 0  # both were applied by the other transaction
