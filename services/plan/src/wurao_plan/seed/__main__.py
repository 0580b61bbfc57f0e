"""`python -m wurao_plan.seed`: migrate, load the region tree and the demo data (idempotent)."""

from __future__ import annotations

import asyncio

from wurao_common import db
from wurao_common.service import BUS_MIGRATIONS, CommonSettings

from wurao_plan.app import MIGRATIONS
from wurao_plan.seed.demo import load_demo
from wurao_plan.seed.regions import load_regions


async def main() -> None:
    settings = CommonSettings.from_env()
    pool = await db.create_pool(str(settings.database_url), max_size=2)
    try:
        await db.migrate(pool, {"bus": BUS_MIGRATIONS, "plan": MIGRATIONS})
        async with pool.acquire() as conn:
            loaded = await load_regions(conn)
            await load_demo(conn)
        print(f"plan seed: {loaded} regions loaded" if loaded else "plan seed: regions already loaded")
    finally:
        await pool.close()


asyncio.run(main())
