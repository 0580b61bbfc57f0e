import json

import pytest

from wurao_common import db
from wurao_common.service import BUS_MIGRATIONS
from wurao_rectification.app import MIGRATIONS


@pytest.fixture
async def migrated(pool):
    """The test's database with the bus tables and this service's schema, and no relay draining the outbox."""
    await db.migrate(pool, {"bus": BUS_MIGRATIONS, "rectification": MIGRATIONS})
    return pool


@pytest.fixture
def recorded(migrated):
    """`await recorded("rectification.task.opened")`: the data of each such event in the outbox, in order."""

    async def read(event_type: str) -> list[dict]:
        rows = await migrated.fetch(
            "SELECT payload FROM outbox WHERE subject LIKE $1 ORDER BY seq", f"wurao.{event_type}.%"
        )
        return [json.loads(row["payload"])["data"] for row in rows]

    return read
