"""The transactional outbox and the relay that publishes it to JetStream.

`record` writes an event inside the caller's transaction, so the state change and its event commit together. No
NOTIFY: a transaction that notifies takes a database-wide lock from its pre-commit until its commit is flushed, so
every notifying commit waited for the one before (measured: a third fewer commits per second with 20 writers). The
relay polls instead: at once again after a full batch, `FIRST_POLL` (20 ms) after a pass that published fewer, so
that a pass under a steady trickle carries what was committed meanwhile (at 5 ms, a relay in an otherwise idle
process made a pass for every 3-5 events), and with a doubling wait up to `poll_seconds` after empty ones, so an
idle outbox costs a few small queries a second. It publishes batches in commit-visible sequence order with
`Nats-Msg-Id` = event id so JetStream drops duplicates. One statement takes the relay's turn (an advisory lock held
until the transaction ends), the batch, and the batch's deletion; the deletion commits only once the stream
acknowledged the whole batch, and a publish that fails rolls it back: three round trips to PostgreSQL a pass (BEGIN,
the statement, COMMIT) where a lock, a read and a delete took five. A batch is sent at once (`bus.publish`) and
its acknowledgements awaited together, within `ACK_TIMEOUT`: one round trip and one timer per batch, not per event;
a batch with a refused or unacknowledged row keeps all its rows and is published again. Replicas take turns through
the lock, so no row is published by two relays at once. Order is best effort: a transaction that commits late, or a
publish retried after a partial failure, lands after later events, so consumers judge each event on its own (and the
inbox makes redeliveries harmless).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg
from nats.aio.client import Client
from opentelemetry import trace

from wurao_common.bus.envelope import Event
from wurao_common.bus.publish import Publisher
from wurao_common.telemetry import current_traceparent, headers_for

log = logging.getLogger("wurao.outbox")
# The largest event recorded: under NATS's payload limit (1 MB by default, and in deploy/k8s/base/nats.conf) with
# room for the headers. A larger one would be refused by the server on every try, and the relay would retry it
# forever with every later event waiting behind it; refused here instead, its state change rolls back with it.
MAX_EVENT_BYTES = 1_000_000
_RELAY_LOCK = 0x7775_7261_6F01
tracer = trace.get_tracer("wurao.outbox")
# The lock is tried once (an InitPlan) before the outbox is read; without it the statement reads no row. Its
# snapshot may predate the commit of the relay that held the lock before, so it may see rows that relay has deleted
# and published: deleting a row whose deletion committed meanwhile skips it (read committed), so such a row is
# neither returned nor published again. Exactly the rows deleted are published: a lower seq whose transaction
# commits meanwhile is not among them. The trace context is read by the database's JSON parser, not by decoding
# every payload in Python.
_TAKE_BATCH = """
    WITH relay AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1) AS holds),
    taken AS (
        DELETE FROM outbox WHERE seq = ANY (ARRAY(
            SELECT seq FROM outbox WHERE (SELECT holds FROM relay) ORDER BY seq LIMIT $2
        )) RETURNING seq, event_id, subject, payload
    )
    SELECT event_id::text, subject, payload, convert_from(payload, 'UTF8')::json ->> 'traceparent' AS traceparent
    FROM taken ORDER BY seq"""


async def record(conn: asyncpg.Connection, event: Event, *, change: str | None = None, args: Sequence = ()) -> None:
    """Writes the event in the caller's transaction. With `change` (an INSERT, UPDATE or DELETE taking `args` as
    $1, $2, ...), the change and its event are written by one statement: one round trip instead of two, and
    atomic on its own, so it may run outside a transaction (then it is the change's whole transaction)."""
    if change is None and not conn.is_in_transaction():
        raise RuntimeError("outbox.record must run inside the state change's transaction")
    if event.traceparent is None and (traceparent := current_traceparent()) is not None:
        event = Event(**{**event.__dict__, "traceparent": traceparent})  # made again only to carry the trace
    payload = event.to_json()
    if len(payload) > MAX_EVENT_BYTES:
        raise EventTooLarge(f"{event.type} event of {len(payload)} bytes, over {MAX_EVENT_BYTES}")
    n = len(args)
    insert = f"INSERT INTO outbox (event_id, subject, payload) VALUES (${n + 1}, ${n + 2}, ${n + 3})"
    # A data-modifying WITH runs to completion whether or not the statement reads it.
    await conn.execute(
        f"WITH change AS ({change}) {insert}" if change else insert,
        *args,
        event.id,
        event.nats_subject,
        payload,
    )


class EventTooLarge(Exception):
    """An event over MAX_EVENT_BYTES: a bug (an input without a limit), raised before anything is written."""


class OutboxRelay:
    FIRST_POLL = 0.02  # seconds after a pass that published something: it carries the events committed meanwhile
    ACK_TIMEOUT = 5.0  # seconds for JetStream to acknowledge a whole batch

    def __init__(self, pool: asyncpg.Pool, nc: Client, *, batch: int = 500, poll_seconds: float = 0.2):
        self._pool = pool
        self._publisher = Publisher(nc)
        self._batch = batch
        self._poll = poll_seconds  # the longest wait between two polls of an idle outbox
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Publishes what is already committed, then stops."""
        self._stopping = True
        self._wake.set()
        if self._task:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=10)
        await self._publisher.stop()

    async def _run(self) -> None:
        backoff = 0.1
        wait = self.FIRST_POLL
        while True:
            self._wake.clear()
            try:
                published = 0
                while (count := await self.publish_pending()) == self._batch:
                    published += count
                published += count
                wait = self.FIRST_POLL if published else min(wait * 2, self._poll)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as error:  # NATS or PostgreSQL away: rows stay, try again later
                log.warning("outbox relay: %s; retrying in %.1f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                if not self._stopping:
                    continue
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def publish_pending(self) -> int:
        """Publishes one batch in order; returns how many rows it published."""
        async with self._pool.acquire() as conn, conn.transaction():
            # The lock, the batch and its deletion in one statement; the deletion commits only once JetStream has
            # acknowledged the whole batch, and a failed publish rolls it back (every row stays for the next pass).
            rows = await conn.fetch(_TAKE_BATCH, _RELAY_LOCK, self._batch)
            if not rows:
                return 0
            with tracer.start_as_current_span("outbox publish", attributes={"wurao.events": len(rows)}):
                await self._publish(rows)
            return len(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        """Sends every row, then waits for all their acknowledgements; raises if one is refused or late."""
        messages = [(row["subject"], row["payload"], headers_for(row["event_id"], row["traceparent"])) for row in rows]
        await self._publisher.publish(messages, self.ACK_TIMEOUT)
