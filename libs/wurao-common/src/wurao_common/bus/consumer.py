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
BatchHandler = Callable[[asyncpg.Connection, list[Event]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """`durable` names the consumer (shared by replicas); `event_types` like `plan.item.coded`.

    With `batch_handler`, each fetched batch is applied in one transaction (one inbox insert, one handler call):
    for read models that must keep up with the whole stream. If the batch fails, its events are applied one by
    one with `handler`, so one bad event costs only itself.
    """

    durable: str
    event_types: tuple[str, ...]
    handler: Handler
    batch_handler: BatchHandler | None = None

    def filter_subjects(self) -> list[str]:
        return [f"{SUBJECT_ROOT}.{event_type}.>" for event_type in self.event_types]


class Consumer:
    """Fetches up to `batch` messages at a time: by default 500 for a batch handler (a batch costs a few round
    trips whatever its size) and 100 for one-by-one handlers (each event costs its own transaction anyway).
    The next batch is fetched while one is applied, so NATS and the database work at the same time; a batch is
    acknowledged only once applied, as before."""

    def __init__(self, pool: asyncpg.Pool, nc: Client, subscription: Subscription, *, batch: int | None = None):
        self._pool = pool
        self._nc = nc
        self._sub = subscription
        self._batch = batch or (500 if subscription.batch_handler else 100)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

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

    async def _next_batch(self) -> list[Msg] | None:
        """The next non-empty batch, or None when stopping."""
        while not self._stopping.is_set():
            try:
                return await self._fetch()
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
            while (messages := await upcoming) is not None:
                upcoming = asyncio.ensure_future(self._next_batch())  # fetched while this batch is applied
                await self._settle(messages)
        finally:
            upcoming.cancel()

    async def _settle(self, messages: list[Msg]) -> None:
        if self._sub.batch_handler is not None and await self._handled_as_batch(messages):
            return
        for message in messages:
            try:
                await self._handle(message)
            except Exception:  # an ack or nak on a closed connection: the message is redelivered later
                log.exception("consumer %s: could not settle a message", self._sub.durable)

    async def _handled_as_batch(self, messages: list[Msg]) -> bool:
        """Applies and acknowledges the whole batch, or returns False (nothing applied) to go one by one."""
        try:
            events = [Event.from_json(message.data) for message in messages]
        except MalformedEvent:
            return False
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
                await self.apply_batch(events)
            except Exception:
                log.warning("consumer %s: a batch of %d failed; one by one", self._sub.durable, len(events))
                return False
        for message in messages:
            with contextlib.suppress(Exception):  # a lost ack means a redelivery, which the inbox absorbs
                await message.ack()
        return True

    async def apply_batch(self, events: list[Event]) -> int:
        """Applies, in one transaction, the events this consumer has not applied yet; returns how many."""
        unique = list({event.id: event for event in events}.values())
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = {
                row["event_id"]
                for row in await conn.fetch(
                    """INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[])
                       ON CONFLICT DO NOTHING RETURNING event_id""",
                    self._sub.durable,
                    [event.id for event in unique],
                )
            }
            # All of them, as a rule: then no event's id needs parsing to tell.
            applied = unique if len(fresh) == len(unique) else [e for e in unique if uuid.UUID(e.id) in fresh]
            if applied:
                await self._sub.batch_handler(conn, applied)
            return len(applied)

    async def _handle(self, message: Msg) -> None:
        try:
            event = Event.from_json(message.data)
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


def _traceparent(message: Msg, event: Event) -> str | None:
    return (message.headers or {}).get("traceparent") or event.traceparent
