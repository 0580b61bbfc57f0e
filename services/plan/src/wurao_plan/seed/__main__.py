"""`python -m wurao_plan.seed`: migrate, load the region tree, the demo directory and story (idempotent)."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime

from wurao_common import db
from wurao_common.service import BUS_MIGRATIONS, CommonSettings
from wurao_plan.app import MIGRATIONS
from wurao_plan.domain.codes import CHINA
from wurao_plan.seed.demo import load_demo
from wurao_plan.seed.regions import load_regions
from wurao_plan.seed.story import CodeItem, play_story
from wurao_plan.settings import PlanSettings
from wurao_plan.usecases.codes import code_item, publish_signing_key


async def _coder(pool) -> CodeItem | None:
    """Codes with the service's own signing key, when the environment names one."""
    if not os.environ.get("CODE_SIGNING_KEY_FILE"):
        return None
    signing = PlanSettings.from_env().codes
    await publish_signing_key(pool, signing)
    return lambda caller, item_id: code_item(pool, caller, item_id, signing)


async def main() -> None:
    settings = CommonSettings.from_env()
    pool = await db.create_pool(str(settings.database_url), max_size=4)
    try:
        await db.migrate(pool, {"bus": BUS_MIGRATIONS, "plan": MIGRATIONS})
        async with pool.acquire() as conn:
            loaded = await load_regions(conn)
            await load_demo(conn)
        coder = await _coder(pool)
        await play_story(pool, datetime.now(CHINA).year, coder)
        print(f"plan seed: {loaded} regions loaded" if loaded else "plan seed: regions already loaded")
        if coder is None:
            print("plan seed: CODE_SIGNING_KEY_FILE is not set, so the approved demo items were left uncoded")
    finally:
        await pool.close()


asyncio.run(main())
