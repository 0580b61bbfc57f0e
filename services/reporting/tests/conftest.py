import uuid

import pytest

from wurao_common import db
from wurao_common.bus.consumer import Consumer
from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import Hearing, serving, settings_from
from wurao_reporting.adapters.changes import FigureChanges
from wurao_reporting.app import MIGRATIONS, create_app
from wurao_reporting.consumers import FIGURES


@pytest.fixture
async def migrated(pool):
    """The test's database with the bus tables and reporting's read models."""
    await db.migrate(pool, {"bus": BUS_MIGRATIONS, "reporting": MIGRATIONS})
    return pool


@pytest.fixture
async def second_migrated(servers):
    """Another database with reporting's schema, to compare two ways of building the same read models."""
    url = await db.ensure_database(servers.postgres.url, f"second_{uuid.uuid4().hex[:12]}")
    pool = await db.create_pool(url, max_size=4)
    await db.migrate(pool, {"bus": BUS_MIGRATIONS, "reporting": MIGRATIONS})
    yield pool
    await pool.close()


@pytest.fixture
def apply(request, migrated, nats_client, heard):
    """`await apply(event, ...)`: each event through the figures consumer's inbox, as if NATS delivered it. In a test
    that serves `reporting`, it returns once that replica heard of the changes and its held figures forgot them
    (a notification's delay after the commit), so that a read shows what was applied."""
    consumer = Consumer(migrated, nats_client, FIGURES)
    serving = "reporting" in request.fixturenames

    async def apply_all(*events) -> list[bool]:
        applied = [await consumer.apply(event) for event in events]
        if serving:
            await heard.everything()
        return applied

    return apply_all


@pytest.fixture
def heard(migrated) -> Hearing:
    """What the `reporting` replica heard: `await heard.everything()` returns once it heard every figure change
    committed so far (and its held figures forgot them)."""
    return Hearing(FigureChanges(), migrated)


@pytest.fixture
async def reporting(service_env, migrated, heard):
    """The reporting service on the test's database, its lifespan (consumers, listener) running and listening."""
    app = create_app(settings_from(service_env(bus_user="reporting")), changes=heard.changes)
    async with serving(app) as client:
        await heard.listening_again()
        yield client
