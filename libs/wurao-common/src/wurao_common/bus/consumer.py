"""Durable pull consumers that apply each event once.

The inbox row and the handler's effect commit in one transaction: a redelivered event finds its id and is
acknowledged without effect. Replicas sharing a durable name share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace

from wurao_common.bus.envelope import STREAM, SUBJECT_ROOT, Event, MalformedEvent
from wurao_common.bus.pull import Puller
from wurao_common.telemetry import context_from

log = logging.getLogger("wurao.consumer")
tracer = trace.get_tracer("wurao.consumer")

Handler = Callable[[asyncpg.Connection, Event], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, Any], Awaitable[None]]


def _as_is(events: list[Event]) -> list[Event]:
    return events


def _event_of(message: Msg) -> Event:
    """The event a message carries, believed only on the subject it came on: NATS lets a service publish only its
    own `wurao.<service>.>` subjects, but the envelope inside is the publisher's to write, so one whose type or
    region is not its subject's (another service's event, another region's) is malformed."""
    event = Event.from_json(message.data)
    if message.subject != event.nats_subject:
        raise MalformedEvent(f"a {event.type} event of region {event.region} on subject {message.subject}")
    return event


@dataclass(frozen=True)
class Subscription:
    """`durable` names the consumer (shared by replicas); `event_types` like `plan.item.coded`.

    With `batch_handler`, each fetched batch is applied in one transaction (one inbox insert, one handler call):
    for read models that must keep up with the whole stream. If the batch fails, its events are applied one by
    one with `handler`, so one bad event costs only itself. `prepare` does the part of a batch's work that needs
    no database (pure Python on the events alone); the consumer runs it while the previous batch is being applied
    and hands its result to `batch_handler` (by default the events themselves).
    """

    durable: str
    event_types: tuple[str, ...]
    handler: Handler
    batch_handler: BatchHandler | None = None
    prepare: Callable[[list[Event]], Any] = _as_is

    def filter_subjects(self) -> list[str]:
        return [f"{SUBJECT_ROOT}.{event_type}.>" for event_type in self.event_types]


class Consumer:
    """Fetches up to `batch` messages at a time: by default 500 for a batch handler (a batch costs a few round
    trips whatever its size) and 100 for one-by-one handlers (each event costs its own transaction anyway).
    The next batch is fetched, decoded and prepared while one is applied, and a batch's acknowledgements go out
    while the next one is applied, so this process's Python work overlaps the database's; a batch is acknowledged
    only once its transaction committed, as before."""

    def __init__(self, pool: asyncpg.Pool, nc: Client, subscription: Subscription, *, batch: int | None = None):
        self._pool = pool
        self._nc = nc
        self._sub = subscription
        self._batch = batch or (500 if subscription.batch_handler else 100)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._acking: asyncio.Future | None = None  # the last applied batch's acknowledgements, being sent

    async def start(self) -> None:
        js = self._nc.jetstream()
        config = ConsumerConfig(
            durable_name=self._sub.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subjects=self._sub.filter_subjects(),
            # Unlimited: a capped count would drop an event for good after a long database outage. A failing
            # event is retried with backoff (at most every 30 s) and logged each time.
            max_deliver=-1,
            ack_wait=30.0,
        )
        await js.add_consumer(STREAM, config)
        self._pull = Puller(self._nc, STREAM, self._sub.durable)
        await self._pull.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self._sub.durable}")

    async def stop(self) -> None:
        """Finishes the batch in hand, then stops fetching."""
        self._stopping.set()
        if self._task:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=15)
            # An open pull subscription would hold the connection's drain until its timeout.
            with contextlib.suppress(Exception):
                await self._pull.stop()

    async def _fetch(self) -> list[Msg] | None:
        """The next batch, or None when stopping: stop() does not wait out an idle fetch."""
        fetch = asyncio.ensure_future(self._pull.fetch(self._batch, timeout=5.0))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            # Messages this fetch may still receive are redelivered after ack_wait; the inbox absorbs repeats.
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return None
        return fetch.result()

    async def _next_batch(self) -> _Batch | None:
        """The next non-empty batch, decoded, or None when stopping."""
        while not self._stopping.is_set():
            try:
                messages = await self._fetch()
                return self._decoded(messages) if messages is not None else None
            except NatsTimeout:
                continue
            except asyncio.CancelledError:
                raise
            except Exception as error:  # connection lost: the client reconnects, we wait
                log.warning("consumer %s: fetch failed: %s", self._sub.durable, error)
                await asyncio.sleep(0.5)
        return None

    async def _run(self) -> None:
        upcoming = asyncio.ensure_future(self._next_batch())
        try:
            while (batch := await upcoming) is not None:
                upcoming = asyncio.ensure_future(self._next_batch())  # made ready while this one is applied
                await self._settle(batch)
        finally:
            upcoming.cancel()
            if self._acking is not None:
                await self._acking

    def _decoded(self, messages: list[Msg]) -> _Batch:
        if self._sub.batch_handler is None:
            return _Batch(messages)  # one by one: each message is decoded as it is handled
        try:
            events = [_event_of(message) for message in messages]
        except MalformedEvent:
            return _Batch(messages)
        try:
            return _Batch(messages, events, self._sub.prepare(events))
        except Exception:
            return _Batch(messages, events)

    async def _settle(self, batch: _Batch) -> None:
        if batch.events is not None and await self._handled_as_batch(batch):
            return
        for message in batch.messages:
            try:
                await self._handle(message)
            except Exception:  # an ack or nak on a closed connection: the message is redelivered later
                log.exception("consumer %s: could not settle a message", self._sub.durable)

    async def _handled_as_batch(self, batch: _Batch) -> bool:
        """Applies the whole batch and has it acknowledged, or returns False (nothing applied) to go one by one."""
        messages, events = batch.messages, batch.events
        with tracer.start_as_current_span(
            f"consume batch {self._sub.durable}",
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.consumer.group.name": self._sub.durable,
                "messaging.batch.message_count": len(events),
            },
        ) as span:
            if span.is_recording():  # each event's trace, linked; no per-event work when no span is kept
                for message, event in zip(messages, events, strict=True):
                    context = trace.get_current_span(context_from(_traceparent(message, event))).get_span_context()
                    if context.is_valid:
                        span.add_link(context)
            try:
                await self.apply_batch(events, batch.prepared)
            except Exception:
                log.warning("consumer %s: a batch of %d failed; one by one", self._sub.durable, len(events))
                return False
        previous, self._acking = self._acking, asyncio.ensure_future(_ack_all(messages))
        if previous is not None:
            await previous  # at most one batch's acknowledgements in flight
        return True

    async def apply_batch(self, events: list[Event], prepared: Any = None) -> int:
        """Applies, in one transaction, the events this consumer has not applied yet; returns how many. `prepared`:
        what `prepare` made of all of `events`, if it was made before (used when every one of them is fresh)."""
        unique = list({event.id: event for event in events}.values())
        async with self._pool.acquire() as conn, conn.transaction():
            # In the events' id order: two replicas fetching the same redelivered events in different orders would
            # otherwise each hold a row the other waits for (a deadlock, and both batches redelivered again).
            fresh = {
                row["event_id"]
                for row in await conn.fetch(
                    """INSERT INTO inbox (consumer, event_id) SELECT $1, id FROM unnest($2::uuid[]) AS id ORDER BY id
                       ON CONFLICT DO NOTHING RETURNING event_id""",
                    self._sub.durable,
                    [event.id for event in unique],
                )
            }
            # All of them, as a rule: then no event's id needs parsing to tell.
            applied = unique if len(fresh) == len(unique) else [e for e in unique if uuid.UUID(e.id) in fresh]
            if applied:
                if prepared is None or len(applied) != len(events):
                    prepared = self._sub.prepare(applied)
                await self._sub.batch_handler(conn, prepared)
            return len(applied)

    async def _handle(self, message: Msg) -> None:
        try:
            event = _event_of(message)
        except MalformedEvent as error:
            log.error("consumer %s: dropping malformed message on %s: %s", self._sub.durable, message.subject, error)
            await message.term()
            return
        with tracer.start_as_current_span(
            f"consume {event.type}",
            context=context_from(_traceparent(message, event)),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.consumer.group.name": self._sub.durable,
                "messaging.message.id": event.id,
            },
        ):
            try:
                await self.apply(event)
            except Exception:
                log.exception("consumer %s: event %s failed; it will be redelivered", self._sub.durable, event.id)
                await message.nak(delay=min(2.0 * (message.metadata.num_delivered or 1), 30.0))
                return
        with contextlib.suppress(Exception):  # a lost ack means a redelivery, which the inbox absorbs
            await message.ack()

    async def apply(self, event: Event) -> bool:
        """Applies the event unless this consumer already did; returns whether it had an effect."""
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await conn.fetchval(
                "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                self._sub.durable,
                event.id,
            )
            if fresh:
                await self._sub.handler(conn, event)
            return bool(fresh)


@dataclass(frozen=True)
class _Batch:
    messages: list[Msg]
    events: list[Event] | None = None  # None when one by one (no batch handler, or one of them is no wurao event)
    prepared: Any = None  # None when `prepare` failed: then it is made again, and fails, inside the transaction


async def _ack_all(messages: list[Msg]) -> None:
    """Sent after the batch committed, while the next one is applied."""
    for message in messages:
        with contextlib.suppress(Exception):  # a lost ack means a redelivery, which the inbox absorbs
            await message.ack()


def _traceparent(message: Msg, event: Event) -> str | None:
    return (message.headers or {}).get("traceparent") or event.traceparent
