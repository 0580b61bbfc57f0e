"""The hot queries on Hunan-scale data use indexes: no sequential scan of visits, whatever the region's size.

Generated: 3,000 coded items and 150,000 visits (a busy year) over 30,000 units in made-up villages spread over
14 cities. Each query is explained with the parameters the service sends, as the service sends it.
"""

import uuid
from datetime import UTC, datetime

import pytest

from wurao_common.service import BUS_MIGRATIONS
from wurao_common.testing import Explaining, assert_uses_indexes, migrated_pool
from wurao_inspection.adapters import visits
from wurao_inspection.app import MIGRATIONS
from wurao_inspection.domain.caps import CapScope, Counter
from wurao_inspection.domain.items import Level

VISITS = 150_000
UNITS = 30_000
ITEMS = 3_000
# A unit's village: city 01-14, county 21-29, township 100-119, village 200-211 (12 digits, GB/T 2260 shape).
UNIT_REGION = """'43' || lpad((1 + {u} % 14)::text, 2, '0') || (21 + ({u} / 14) % 9)::text
                 || (100 + ({u} / 126) % 20)::text || (200 + ({u} / 2520) % 12)::text"""


@pytest.fixture(scope="module")
async def hunan(servers):
    """One database for the module: generating it takes a few seconds."""
    pool = await migrated_pool(servers, {"bus": BUS_MIGRATIONS, "inspection": MIGRATIONS})
    await pool.execute(
        "INSERT INTO offices (id, name, level, kind, region) VALUES ('4301-dcs', 'dcs', 'city', 'supervision', '4301')"
    )
    await pool.execute(
        """INSERT INTO items SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'XD-' || g, 1,
                  '4301-dcs', 'supervision', '事项', '依据', '', ARRAY['43'], ARRAY[]::text[], '2026-01-01',
                  '2026-12-31', '2026-01-01', '2027-01-01', '[]', 1, NULL, NULL, false, 2026
             FROM generate_series(1, $1::int) AS g""",
        ITEMS,
    )
    await pool.execute(
        f"""INSERT INTO visits (id, item_id, code_number, office_id, office_level, office_region, unit_id,
                                unit_region, inspected_at, registered_at, period_year, counted, registration,
                                request_id, registered_by)
            SELECT gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad((1 + g % $2::int)::text, 12, '0'))::uuid,
                   'XD', '4301-dcs', 'city', '4301', 'u' || (g % $3::int), {UNIT_REGION.format(u="(g % $3::int)")},
                   timestamptz '2026-01-01' + g * interval '3 minutes',
                   timestamptz '2026-01-01' + g * interval '3 minutes',
                   2026, true, 'on_site', 'r' || g, 'bench'
              FROM generate_series(1, $1::int) AS g""",
        VISITS,
        ITEMS,
        UNITS,
    )
    await pool.execute("ANALYZE")
    yield pool
    await pool.close()


VILLAGE = "430121100200"  # unit 0's village


@pytest.mark.parametrize(
    ("region", "unit_id", "item_id", "office_id"),
    [
        ("43", None, None, None),  # an observer of the whole province: newest first over everything
        ("4301", None, None, None),  # a city
        ("430121", None, None, None),  # a county
        (VILLAGE, None, None, None),  # a village
        (VILLAGE, "u0", None, None),  # a unit's own visits
        ("43", None, "00000000-0000-4000-8000-000000000007", None),  # an item's visits
        ("4301", None, None, "4301-dcs"),  # an inspector's office's visits
    ],
)
async def test_a_visits_list_never_scans_every_visit(hunan, region, unit_id, item_id, office_id):
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await visits.in_region(
            explaining, region, unit_id=unit_id, item_id=item_id, office_id=office_id, after=None, limit=100
        )
    assert_uses_indexes(explaining.plans[0], "visits")


async def test_the_next_page_of_visits_never_scans_every_visit(hunan):
    after = await hunan.fetchval("SELECT id::text FROM visits ORDER BY inspected_at DESC LIMIT 1 OFFSET 500")
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await visits.in_region(explaining, "43", unit_id=None, item_id=None, office_id=None, after=after, limit=100)
    assert_uses_indexes(explaining.plans[0], "visits")


async def test_the_visits_of_many_items_never_scan_every_visit(hunan):
    items = [f"00000000-0000-4000-8000-{n:012d}" for n in range(1, 40)]
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        await visits.in_region_for_items(explaining, "43", items, unit_id=None, office_id=None, limit=100)
    assert_uses_indexes(explaining.plans[0], "visits")


async def test_a_check_ins_reads_of_visits_and_a_rebuilds_counts_use_indexes(hunan):
    item = uuid.UUID("00000000-0000-4000-8000-000000000007")
    async with hunan.acquire() as conn:
        explaining = Explaining(conn)
        # A check-in reads the unit's visits inside check_in_hold (plpgsql: EXPLAIN cannot see into it) through
        # check_in_visits, inlined there as here. A retry's: the visit its request id admitted.
        facts = await explaining.explain("SELECT * FROM check_in_visits($1, $2, $3, $4)", "u7", "r7", None, item)
        # Held exclusively: the unit's counted visits of the year or of the item.
        counted = await explaining.explain("SELECT * FROM check_in_visits($1, $2, $3, $4)", "u7", None, 2026, item)
        ends = datetime(2027, 1, 1, tzinfo=UTC)
        counters = [
            Counter(CapScope.LEVEL, "u7", 2, ends, year=2026, level=Level.CITY),
            Counter(CapScope.ITEM, "u7", 1, ends, item_id="00000000-0000-4000-8000-000000000007"),
        ]
        await visits.counted_groups(explaining, "u7", counters)
    assert_uses_indexes(facts, "visits")
    assert_uses_indexes(counted, "visits")
    assert_uses_indexes(explaining.plans[-1], "visits")  # the rebuild's counts
