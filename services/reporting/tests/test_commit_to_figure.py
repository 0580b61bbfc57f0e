"""The whole path a figure takes: a producer's commit, its outbox relay, real NATS, reporting's durable consumer."""

import asyncio
import random
import uuid

from wurao_common import db
from wurao_common.auth import Role
from wurao_common.bus import outbox
from wurao_common.bus.outbox import OutboxRelay
from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import graphql
from wurao_reporting import testing as t

VISITS = "query($r: String!) { regionFigures(region: $r, year: 2026) { visits } }"


async def test_a_committed_visit_reaches_the_figures_through_nats_once(reporting, jwt_keys, servers, nats_client):
    producer_url = await db.ensure_database(servers.postgres.url, f"producer_{uuid.uuid4().hex[:12]}")
    producer = await db.create_pool(producer_url, max_size=4)
    await db.migrate(producer, {"bus": BUS_MIGRATIONS})
    relay = OutboxRelay(producer, nats_client)
    await relay.start()
    village = f"439903101{random.randrange(1000):03d}"  # a village no other test's events reach
    bearer = jwt_keys.bearer(Role.PROVINCE_OFFICE, "43", office_id="43-dcs")

    async def visits() -> int:
        return (await graphql(reporting, VISITS, {"r": village}, headers=bearer))["data"]["regionFigures"]["visits"]

    try:
        assert await visits() == 0
        async with producer.acquire() as conn, conn.transaction():
            await outbox.record(conn, t.visit(unit=f"{village}-cwh", unit_region=village))
        for _ in range(600):  # the durable consumer may first work through what earlier tests published
            if await visits():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a doubled delivery would show now
        assert await visits() == 1
    finally:
        await relay.stop()
        await producer.close()
