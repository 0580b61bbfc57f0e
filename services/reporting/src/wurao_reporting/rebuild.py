"""Rebuilds every read model by replaying the event stream: `python -m wurao_reporting.rebuild`.

Stop reporting's replicas first (they share the durable consumers this deletes and re-creates). The command
empties the read-model tables and reporting's inbox rows in one transaction, which tells every replica still
listening that every region's figures changed (one left running forgets what it holds), deletes reporting's durable
consumers, re-creates them from the start of the stream and applies every event exactly as the live consumers
do, until none is pending; then reporting can start again and carry on from there. Reads DATABASE_URL and
NATS_URL with reporting's NATS user (see the README's settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

import asyncpg
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from wurao_common import config, db
from wurao_common.bus.consumer import Consumer, Subscription
from wurao_common.bus.envelope import STREAM
from wurao_common.bus.nats import NatsSettings, connect
from wurao_common.service import BUS_MIGRATIONS
from wurao_reporting.adapters import changes
from wurao_reporting.app import MIGRATIONS
from wurao_reporting.consumers import SUBSCRIPTIONS

log = logging.getLogger("wurao.reporting.rebuild")
READ_MODELS = (
    "figures",
    "open_tasks",
    "facts",
    "items",
    "offices",
    "units",
    "tasks",
    "early_task_steps",
    "office_load",
    "cap_policies",
    "cap_visits",
)


async def _empty(pool: asyncpg.Pool, durables: list[str]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(READ_MODELS)}")
        await conn.execute("DELETE FROM inbox WHERE consumer = ANY($1::text[])", durables)
        await changes.notify(conn, [changes.EVERY_REGION])


async def _drained(nc: Client, durable: str) -> bool:
    info = await nc.jetstream().consumer_info(STREAM, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def rebuild(
    pool: asyncpg.Pool, nc: Client, subscriptions: Sequence[Subscription] = SUBSCRIPTIONS, *, poll: float = 0.2
) -> int:
    """Replays the stream into emptied read models; returns how many events were applied."""
    durables = [subscription.durable for subscription in subscriptions]
    await _empty(pool, durables)
    js = nc.jetstream()
    for durable in durables:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(STREAM, durable)
    consumers = [Consumer(pool, nc, subscription, batch=500) for subscription in subscriptions]
    for consumer in consumers:
        await consumer.start()
    try:
        for durable in durables:  # JetStream tells no one when a consumer is drained: ask until it is
            while True:
                if await _drained(nc, durable):
                    break
                await asyncio.sleep(poll)
    finally:
        for consumer in consumers:
            await consumer.stop()
    return await pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = ANY($1::text[])", durables)


async def main() -> None:
    env = config.Config(environ=config.environ)
    pool = await db.create_pool(str(config.read(env, "DATABASE_URL", config.Secret)), max_size=4)
    try:
        await db.migrate(pool, {"bus": BUS_MIGRATIONS, "reporting": MIGRATIONS})
        nc = await connect(NatsSettings.from_env(env), name="reporting-rebuild")
        try:
            started = time.perf_counter()
            applied = await rebuild(pool, nc)
            print(f"reporting rebuilt: {applied} events replayed in {time.perf_counter() - started:.1f} s")
        finally:
            await nc.drain()
    finally:
        await pool.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
