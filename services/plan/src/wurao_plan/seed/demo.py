"""The directory of the source articles (seeds/): Jiahe county, Changsha's Wangcheng, Hengyang.

The offices down to the cities (and the two county offices the articles name) are configuration, loaded as they
are; Hengyang's county offices and every unit are registered through the use cases, so their events go out.
"""

from __future__ import annotations

import asyncpg

from wurao_common.outcomes import Conflict
from wurao_plan.domain.offices import Office, OfficeKind
from wurao_plan.domain.units import Unit, UnitKind
from wurao_plan.seed.staff import expect, staff
from wurao_plan.usecases.directory import register_office, register_unit

# The counties whose townships and villages the story needs (tests load only these below county level).
STORY_COUNTIES = ("431024", "430112", "430421", "430422")

# (id, name, level, kind, region, approver, yearly baseline)
OFFICES = [
    ("43-dcs", "湖南省委督查室", "province", "supervision", "43", None, 40),
    ("4301-dcs", "长沙市委督查室", "city", "supervision", "4301", "43-dcs", 30),
    ("4304-dcs", "衡阳市委督查室", "city", "supervision", "4304", "43-dcs", 30),
    ("4310-dcs", "郴州市委督查室", "city", "supervision", "4310", "43-dcs", 30),
    ("430112-dcs", "望城区委督查室", "county", "supervision", "430112", "4301-dcs", 20),
    ("431024-dcs", "嘉禾县委督查室", "county", "supervision", "431024", "4310-dcs", 20),
    ("431024-yjj", "嘉禾县应急管理局", "county", "department", "431024", "431024-dcs", 8),
]

# Registered by Hengyang's city office: (id, name, kind, region, yearly baseline); approvers by the default rule.
HENGYANG_OFFICES = [
    ("430421-dcs", "衡阳县委督查室", OfficeKind.SUPERVISION, "430421", 12),
    ("430422-dcs", "衡南县委督查室", OfficeKind.SUPERVISION, "430422", 12),
]

# (id, name, kind, region, registering office): ids are kept stable for other services' fixtures and tokens.
UNITS = [
    ("431024106201-cwh", "大方元村村民委员会", UnitKind.VILLAGE_COMMITTEE, "431024106201", "431024-dcs"),
    ("431024106-zf", "龙潭镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "431024106", "431024-dcs"),
    ("431024103-zf", "袁家镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "431024103", "431024-dcs"),
    ("431024103227-cwh", "行村村村民委员会", UnitKind.VILLAGE_COMMITTEE, "431024103227", "431024-dcs"),
    ("430112-jkq", "望城经济技术开发区", UnitKind.PARK, "430112", "430112-dcs"),
    ("430112-jcxc", "吉成新材项目部", UnitKind.ENTERPRISE, "430112", "430112-dcs"),
    ("430421101-zf", "集兵镇人民政府", UnitKind.TOWNSHIP_GOVERNMENT, "430421101", "4304-dcs"),
    ("430421101201-cwh", "衡阳县集兵镇太栗村村民委员会", UnitKind.VILLAGE_COMMITTEE, "430421101201", "4304-dcs"),
    ("430421101200-cwh", "衡阳县集兵镇集兵村村民委员会", UnitKind.VILLAGE_COMMITTEE, "430421101200", "4304-dcs"),
]


async def load_demo(conn: asyncpg.Connection) -> None:
    """Idempotent: what exists already is left as it is, and announced only once."""
    async with conn.transaction():
        await conn.executemany(
            """INSERT INTO offices (id, name, level, kind, region_code, approver_office_id, yearly_baseline)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING""",
            OFFICES,
        )
    hengyang = staff("4304-dcs", "directory")
    for office_id, name, kind, region, baseline in HENGYANG_OFFICES:
        outcome = await register_office(
            conn, hengyang, office_id=office_id, name=name, kind=kind, region=region, yearly_baseline=baseline
        )
        if not isinstance(outcome, Conflict):  # a conflict: registered by an earlier run
            expect(outcome, Office)
    for unit_id, name, kind, region, office_id in UNITS:
        outcome = await register_unit(conn, staff(office_id, "directory"), name, kind, region, unit_id=unit_id)
        if not isinstance(outcome, Conflict):
            expect(outcome, Unit)
