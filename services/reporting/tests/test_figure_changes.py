"""Live figures hear every region a committed batch changed, however many: the regions travel in few NOTIFYs."""

import asyncio

from wurao_common.testing import Hearing
from wurao_reporting.adapters import changes

REGIONS = [f"4399{n:08d}" for n in range(2_000)]  # more than one payload holds


def test_many_changed_regions_travel_in_payloads_postgresql_accepts_and_come_back_whole():
    sent = changes.payloads(REGIONS)
    assert len(sent) > 1
    assert all(len(payload.encode()) <= changes.PAYLOAD_BYTES for payload in sent)
    assert [region for payload in sent for region in changes.regions_of(payload)] == REGIONS


async def test_a_watcher_hears_a_region_changed_among_thousands_once_the_change_commits(migrated):
    heard = changes.FigureChanges()
    async with Hearing(heard, migrated).listening(), heard.watch(REGIONS[-1][:9]) as changed:
        async with migrated.acquire() as conn, conn.transaction():
            await changes.notify(conn, REGIONS)
        await asyncio.wait_for(changed.wait(), timeout=30)
