"""What `python -m wurao_<service>.migrate` runs: apply a service's pending migrations, print them, exit.

A cluster runs it as a Job before the service's replicas (which then start with MIGRATE_ON_START=false and
refuse an old schema). Reads DATABASE_URL only. Safe beside running replicas: migrations take an advisory lock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from wurao_common import config, db
from wurao_common.service import migration_components


async def apply(database_url: str, service: str, migrations: Path) -> list[str]:
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        return await db.migrate(pool, migration_components(service, migrations))
    finally:
        await pool.close()


def main(service: str, migrations: Path) -> None:
    env = config.Config(environ=config.environ)
    database_url = str(config.read(env, "DATABASE_URL", config.Secret))
    applied = asyncio.run(apply(database_url, service, migrations))
    print(f"{service}: applied {', '.join(applied)}" if applied else f"{service}: the database is up to date")
