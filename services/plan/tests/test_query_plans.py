"""Unit lists on Hunan-scale data use indexes: no sequential scan of units, whatever the region's size.

Generated: 60,000 units over 30,240 made-up villages (14 cities of 9 counties, 20 townships each, 12 villages each,
codes in the GB/T 2260 shape). Each query is explained with the parameters the service sends, as the service
sends it.
"""

import pytest

from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import Explaining, assert_uses_indexes, migrated_pool
from wurao_plan.adapters import units
from wurao_plan.app import MIGRATIONS
from wurao_plan.domain.units import UnitKind

UNITS = 60_000
VILLAGE = "430121100200"
# Each level's codes below its parent's: (level, how many, the first code's suffix, its width).
LEVELS = [("city", 14, 1, 2), ("county", 9, 21, 2), ("township", 20, 100, 3), ("village", 12, 200, 3)]
KINDS = [kind.value for kind in UnitKind]


@pytest.fixture(scope="module")
async def hunan(servers):
    """One database for the module: generating it takes a few seconds."""
    pool = await migrated_pool(servers, {"bus": BUS_MIGRATIONS, "plan": MIGRATIONS})
    await pool.execute(
        "INSERT INTO regions (code, name, level) VALUES ('43', '湖南省', 'province') ON CONFLICT (code) DO NOTHING"
    )
    parent = "province"
    for level, count, first, width in LEVELS:
        await pool.execute(
            """INSERT INTO regions (code, name, level, parent_code)
               SELECT r.code || lpad(n::text, $4::int, '0'), r.name || n, $1, r.code
                 FROM regions r, generate_series($3::int, $3::int + $2::int - 1) AS n WHERE r.level = $5""",
            level,
            count,
            first,
            width,
            parent,
        )
        parent = level
    await pool.execute(
        """INSERT INTO units (id, name, kind, region_code)
           SELECT 'u' || g, '单位' || g, ($2::text[])[1 + g % cardinality($2::text[])], v.code
             FROM generate_series(1, $1::int) AS g
             JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM regions WHERE level = 'village') v
               ON v.n = g % 30240""",
        UNITS,
        KINDS,
    )
    await pool.execute("ANALYZE")
    yield pool
    await pool.close()


async def test_the_generated_directory_has_hunans_shape(hunan):
    assert await hunan.fetchval("SELECT count(*) FROM regions WHERE level = 'village'") == 30_240
    assert await hunan.fetchval("SELECT count(*) FROM units") == UNITS
    assert await hunan.fetchval("SELECT count(*) FROM units WHERE region_code = $1", VILLAGE) >= 1


@pytest.mark.parametrize(
    ("region", "kind", "name"),
    [
        ("43", None, None),  # an observer of the whole province
        ("4301", None, None),  # a city
        ("430121", None, None),  # a county
        ("430121100", None, None),  # a township
        (VILLAGE, None, None),  # a village
        ("43", UnitKind.SCHOOL, None),  # one kind over the province
        ("4301", None, "单位12"),  # a name searched in a city
    ],
)
async def test_a_units_list_never_scans_every_unit(hunan, region, kind, name):
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await units.in_region(explaining, region, kind=kind, name=name, limit=100)
    assert_uses_indexes(explaining.plans[0], "units")
