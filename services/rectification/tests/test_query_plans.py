"""Task lists on Hunan-scale data use indexes: no sequential scan of tasks, whatever the region's size.

Generated: 60,000 tasks (a few years of findings) over 30,000 units in made-up villages of 14 cities. Each query
is explained with the parameters the service sends, as the service sends it.
"""

import uuid
from datetime import date

import pytest

from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import Explaining, assert_uses_indexes, migrated_pool
from wurao_rectification.adapters import tasks
from wurao_rectification.adapters.tasks import Cursor, TaskFilter
from wurao_rectification.app import MIGRATIONS
from wurao_rectification.domain.access import ReadScope
from wurao_rectification.domain.tasks import TaskStatus

TASKS = 60_000
UNITS = 30_000
VILLAGE = "430121100200"  # unit 0's village


@pytest.fixture(scope="module")
async def hunan(servers):
    """One database for the module: generating it takes a few seconds."""
    pool = await migrated_pool(servers, {"bus": BUS_MIGRATIONS, "rectification": MIGRATIONS})
    await pool.execute(
        """INSERT INTO tasks (id, finding_id, visit_id, item_id, office_id, office_region, responsible_unit_id,
                              unit_region, severity, description, deadline, status, opened_at)
           SELECT gen_random_uuid(), 'f' || g, 'v' || g, 'item-' || (g % 3000), '4301-dcs', '4301', 'u' || u,
                  '43' || lpad((1 + u % 14)::text, 2, '0') || (21 + (u / 14) % 9)::text
                  || (100 + (u / 126) % 20)::text || (200 + (u / 2520) % 12)::text,
                  'medium', '问题', date '2024-01-01' + g / 50, (ARRAY['open', 'in_progress', 'submitted'])[1 + g % 3],
                  timestamptz '2024-01-01' + g * interval '20 minutes'
             FROM generate_series(1, $1::int) AS g, LATERAL (SELECT g % $2::int AS u) AS unit""",
        TASKS,
        UNITS,
    )
    await pool.execute("ANALYZE")
    yield pool
    await pool.close()


@pytest.mark.parametrize(
    ("scope", "wanted"),
    [
        (ReadScope("43"), TaskFilter()),  # an observer of the whole province, by deadline
        (ReadScope("4301"), TaskFilter()),  # a city office
        (ReadScope("430121"), TaskFilter(status=TaskStatus.OPEN)),  # a county's open tasks
        (ReadScope("43"), TaskFilter(overdue_before=date(2024, 6, 1))),  # the province's overdue tasks
        (ReadScope(VILLAGE, unit_id="u0"), TaskFilter()),  # a unit's own tasks
        (ReadScope("4301", office_id="4301-dcs"), TaskFilter(region="430121")),  # an inspector, one county
        (ReadScope("43"), TaskFilter(item_id="item-7")),  # an item's tasks
    ],
)
async def test_a_task_list_never_scans_every_task(hunan, scope, wanted):
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await tasks.search(explaining, scope, wanted, limit=51)
        await tasks.search(explaining, scope, wanted, limit=51, after=Cursor(date(2024, 9, 1), str(uuid.uuid4())))
    for plan in explaining.plans:
        assert_uses_indexes(plan, "tasks")


async def test_the_tasks_of_many_items_never_scan_every_task(hunan):
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await tasks.for_items(explaining, ReadScope("43"), [f"item-{n}" for n in range(40)], limit=50)
    assert_uses_indexes(explaining.plans[0], "tasks")
