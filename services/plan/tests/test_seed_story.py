"""The demo story of the source articles, played through the use cases: what it leaves, and that a second run
changes nothing and announces nothing."""

import pytest

from wurao_common.outcomes import Conflict, Invalid
from wurao_common.testing import china_today
from wurao_plan.seed.demo import load_demo
from wurao_plan.seed.story import play_story
from wurao_plan.usecases.codes import code_item
from wurao_plan.usecases.directory import establish_province_office

THIS_YEAR = china_today().year  # as `python -m wurao_plan.seed` plays it: its plans are drafted for this year only
YY = f"{THIS_YEAR % 100:02d}"  # a code number's two-digit year

TABLES = ("offices", "units", "plans", "plan_steps", "items", "filings", "item_codes")


@pytest.fixture
async def play(plan, pool, plan_settings):
    signing = plan_settings().codes

    async def run() -> None:
        async with pool.acquire() as conn:
            await load_demo(conn)
        await play_story(pool, THIS_YEAR, lambda caller, item_id: code_item(pool, caller, item_id, signing))

    return run


async def snapshot(pool) -> dict[str, int]:
    return {table: await pool.fetchval(f"SELECT count(*) FROM {table}") for table in TABLES}


async def test_the_story_leaves_jiahe_and_changsha_coded_jiahes_filing_coded_and_hengyang_awaiting(play, pool):
    await play()
    rows = await pool.fetch(
        """SELECT o.id AS office, p.status AS plan, i.title, i.status, i.code_number FROM items i
           JOIN offices o ON o.id = i.office_id LEFT JOIN plans p ON p.id = i.plan_id ORDER BY o.id"""
    )
    found = {row["office"]: (row["plan"], row["title"], row["status"], row["code_number"]) for row in rows}
    assert found["431024-dcs"][:3] == ("approved", "汛期防汛备汛专项督查", "coded")
    assert found["431024-dcs"][3].startswith(f"DC431024{YY}")
    assert found["4301-dcs"][:3] == ("approved", "园区制造业提升行动专项督查", "coded")
    assert found["431024-yjj"][:3] == (None, "汛后地质灾害隐患点复查", "coded")
    assert found["431024-yjj"][3].startswith(f"BM431024{YY}")
    assert found["4304-dcs"][:3] == ("submitted", "村级组织减负事项落实情况检查", "draft")
    jiahe_approver = await pool.fetchval(
        "SELECT s.office_id FROM plan_steps s JOIN plans p ON p.id = s.plan_id "
        "WHERE p.office_id = '431024-dcs' AND s.action = 'approved'"
    )
    assert jiahe_approver == "4310-dcs"


async def test_a_second_run_of_the_story_changes_nothing_and_announces_nothing(play, pool, plan_events):
    await play()
    await plan_events.settle(pool)
    before, announced = await snapshot(pool), len(plan_events.seen)
    await play()
    await plan_events.settle(pool)
    assert await snapshot(pool) == before
    assert len(plan_events.seen) == announced
    assert {"plan.unit.registered", "plan.plan.approved", "plan.item.coded", "plan.filing.approved"} <= {
        event.type for event in plan_events.seen
    }


async def test_every_demo_office_and_unit_is_announced_on_the_bus_with_its_approver(play, pool, plan_events):
    await play()
    await plan_events.settle(pool)
    offices = {e.data["officeId"]: e.data for e in plan_events.of_type("plan.office.registered")}
    stored = {row["id"]: row["approver_office_id"] for row in await pool.fetch("SELECT * FROM offices")}
    assert {office: data["approverOfficeId"] for office, data in offices.items()} == stored
    assert offices["431024-dcs"]["approverOfficeId"] == "4310-dcs"
    assert offices["43-dcs"]["approverOfficeId"] is None
    units = {e.data["unitId"] for e in plan_events.of_type("plan.unit.registered")}
    assert units == {row["id"] for row in await pool.fetch("SELECT id FROM units")}


async def test_only_the_provinces_office_is_established_by_configuration(plan, pool):
    city = await establish_province_office(
        pool, office_id="4305-dcs", name="邵阳市委督查室", region="4305", yearly_baseline=30, by="operator"
    )
    assert city == Invalid("region", "the office established by configuration is the province's (2 digits)")
    again = await establish_province_office(
        pool, office_id="43-sdcs", name="第二个省委督查室", region="43", yearly_baseline=30, by="operator"
    )
    assert isinstance(again, Conflict), "the province has one supervision office"
    assert await pool.fetchval("SELECT count(*) FROM offices WHERE id IN ('4305-dcs', '43-sdcs')") == 0
